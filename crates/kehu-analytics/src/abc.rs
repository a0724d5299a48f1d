//! ABC (Pareto) classes: rank customers by monetary value and cut the
//! cumulative share of revenue at two thresholds.
//!
//! The rule (issue 5, item 1): sort by monetary value descending, ties by id
//! ascending. A is every customer up to **and including** the first whose
//! cumulative share of the total reaches the `a` threshold (80% by default);
//! B continues up to and including the first that reaches `b` (95%); C is the
//! rest. Shares are compared in integers: `cumulative × 10⁶ ≥ total × ppm`,
//! where `ppm` is the threshold in parts per million, so no float rounding
//! moves a boundary.
//!
//! A book whose total is zero or less has no Pareto curve: everyone is C.

use std::fmt;

use serde::Serialize;

use crate::money::{Cents, Percent};
use crate::ranking::{Direction, id_ranks, order_by};

/// The two cut-offs, as shares in 0..=1 (kehu.toml `[abc] a = 0.80, b = 0.95`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AbcThresholds {
    /// Cumulative share that closes class A.
    pub a: f64,
    /// Cumulative share that closes class B.
    pub b: f64,
}

impl Default for AbcThresholds {
    fn default() -> Self {
        AbcThresholds { a: 0.80, b: 0.95 }
    }
}

/// A Pareto class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum AbcClass {
    /// The few customers that make most of the revenue.
    A,
    /// The middle.
    B,
    /// The long tail.
    C,
}

impl AbcClass {
    /// `"A"`, `"B"` or `"C"`, as stored in `[grade] abc`.
    pub fn as_str(self) -> &'static str {
        match self {
            AbcClass::A => "A",
            AbcClass::B => "B",
            AbcClass::C => "C",
        }
    }
}

/// One customer's class, with the figures that decided it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AbcGrade {
    /// The class.
    pub class: AbcClass,
    /// 1-based rank by monetary value (ties by id).
    pub rank: usize,
    /// The customer's own monetary value, in cents.
    pub monetary_cents: i64,
    /// Sum of the monetary values of this customer and all ranked above it.
    pub cumulative_cents: i64,
    /// `cumulative_cents / total`, for display (the class was decided in integers).
    pub cumulative_share: f64,
    /// Why, in words when displayed: "cumulative share 78.2% ≤ 80%; revenue 1,250,000".
    pub reason: AbcReason,
}

/// Which rule placed a customer in its class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AbcRule {
    /// Before the A cut-off.
    WithinA,
    /// The customer whose cumulative share reaches the A cut-off.
    ReachesA,
    /// Between the two cut-offs.
    WithinB,
    /// The customer whose cumulative share reaches the B cut-off.
    ReachesB,
    /// After the B cut-off.
    BeyondB,
    /// The book's total revenue is zero or less.
    NoRevenue,
}

/// The reason for a class, kept as figures and put into words only when
/// displayed or serialized (a book of 100,000 customers need not format
/// 100,000 sentences to be graded).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AbcReason {
    /// The rule that applied.
    pub rule: AbcRule,
    /// Cumulative share at this customer.
    pub share: f64,
    /// The thresholds in force.
    pub thresholds: AbcThresholds,
    /// The customer's own revenue, in cents.
    pub revenue_cents: i64,
}

impl fmt::Display for AbcReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let share = Percent(self.share);
        let a = Percent(self.thresholds.a);
        let b = Percent(self.thresholds.b);
        match self.rule {
            AbcRule::WithinA => write!(f, "cumulative share {share} ≤ {a}")?,
            AbcRule::ReachesA => write!(f, "cumulative share {share} reaches {a}")?,
            AbcRule::WithinB => write!(f, "cumulative share {share} ≤ {b}, above {a}")?,
            AbcRule::ReachesB => write!(f, "cumulative share {share} reaches {b}")?,
            AbcRule::BeyondB => write!(f, "beyond {b} of revenue (cumulative share {share})")?,
            AbcRule::NoRevenue => f.write_str("the book has no revenue to rank")?,
        }
        write!(f, "; revenue {}", Cents(self.revenue_cents))
    }
}

impl Serialize for AbcReason {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

fn ppm(share: f64) -> i128 {
    (share.clamp(0.0, 1.0) * 1_000_000.0).round() as i128
}

/// Classifies customers given as `(id, monetary value in cents)`. The result
/// is in the input's order. O(n log n).
pub fn abc(customers: &[(&str, i64)], thresholds: AbcThresholds) -> Vec<AbcGrade> {
    let n = customers.len();
    let ranks = id_ranks(customers.iter().map(|&(id, _)| id));
    let order = order_by(
        customers.iter().map(|&(_, m)| m).enumerate(),
        Direction::Descending,
        &ranks,
    );
    let total: i128 = customers.iter().map(|(_, m)| i128::from(*m)).sum();
    let (a_ppm, b_ppm) = (ppm(thresholds.a), ppm(thresholds.b.max(thresholds.a)));

    let mut out: Vec<Option<AbcGrade>> = vec![None; n];
    let mut cumulative: i128 = 0;
    // The class the next customer gets: A until the A cut-off is reached, …
    let mut class = AbcClass::A;
    for (position, &index) in order.iter().enumerate() {
        let monetary = customers[index].1;
        cumulative += i128::from(monetary);
        let share = if total > 0 {
            cumulative as f64 / total as f64
        } else {
            0.0
        };
        let reaches = |cut: i128| total > 0 && cumulative * 1_000_000 >= total * cut;
        let (this, rule) = if total <= 0 {
            (AbcClass::C, AbcRule::NoRevenue)
        } else {
            match class {
                AbcClass::A if reaches(a_ppm) => {
                    // The customer that reaches the A cut-off may also reach B's;
                    // it stays A and closes both.
                    class = if reaches(b_ppm) {
                        AbcClass::C
                    } else {
                        AbcClass::B
                    };
                    (AbcClass::A, AbcRule::ReachesA)
                }
                AbcClass::A => (AbcClass::A, AbcRule::WithinA),
                AbcClass::B if reaches(b_ppm) => {
                    class = AbcClass::C;
                    (AbcClass::B, AbcRule::ReachesB)
                }
                AbcClass::B => (AbcClass::B, AbcRule::WithinB),
                AbcClass::C => (AbcClass::C, AbcRule::BeyondB),
            }
        };
        out[index] = Some(AbcGrade {
            class: this,
            rank: position + 1,
            monetary_cents: monetary,
            cumulative_cents: i64::try_from(cumulative).unwrap_or(i64::MAX),
            cumulative_share: share,
            reason: AbcReason {
                rule,
                share,
                thresholds,
                revenue_cents: monetary,
            },
        });
    }
    out.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classes(input: &[(&str, i64)]) -> Vec<(String, AbcClass)> {
        abc(input, AbcThresholds::default())
            .into_iter()
            .zip(input)
            .map(|(g, (id, _))| (id.to_string(), g.class))
            .collect()
    }

    #[test]
    fn includes_the_customer_that_reaches_the_threshold() {
        // total 100: shares 50, 79, 80, 90, 95, 100
        let input = [
            ("a", 5000),
            ("b", 2900),
            ("c", 100),
            ("d", 1000),
            ("e", 500),
            ("f", 500),
        ];
        let got = abc(&input, AbcThresholds::default());
        let cls: Vec<_> = got.iter().map(|g| g.class).collect();
        use AbcClass::*;
        // order: a 5000, b 2900, d 1000, e 500, f 500, c 100
        // cum: 50, 79, 89 (reaches 80 → A), 94, 99 (reaches 95 → B), 100 C
        assert_eq!(cls, vec![A, A, C, A, B, B]);
        assert_eq!(
            got[1].reason.to_string(),
            "cumulative share 79% ≤ 80%; revenue 29"
        );
        assert_eq!(
            got[3].reason.to_string(),
            "cumulative share 89% reaches 80%; revenue 10"
        );
        assert_eq!(
            got[4].reason.to_string(),
            "cumulative share 94% ≤ 95%, above 80%; revenue 5"
        );
        assert_eq!(got[5].rank, 5);
        assert_eq!(got[2].rank, 6);
    }

    #[test]
    fn exact_boundary_in_integers() {
        // 80% reached exactly by the second customer.
        let got = classes(&[("x", 60), ("y", 20), ("z", 15), ("w", 5)]);
        let cls: Vec<_> = got.iter().map(|(_, c)| *c).collect();
        assert_eq!(
            cls,
            vec![AbcClass::A, AbcClass::A, AbcClass::B, AbcClass::C]
        );
    }

    #[test]
    fn ties_by_id_and_one_customer_closing_both_cuts() {
        let got = classes(&[("b", 10), ("a", 10), ("c", 0)]);
        // a ranks first (50%), b reaches 100% → A, closes B too, c is C.
        assert_eq!(got[0].1, AbcClass::A);
        assert_eq!(got[1].1, AbcClass::A);
        assert_eq!(got[2].1, AbcClass::C);
        let got = abc(&[("b", 10), ("a", 10)], AbcThresholds::default());
        assert_eq!(got[1].rank, 1);
    }

    #[test]
    fn no_revenue_means_everyone_is_c() {
        let got = abc(&[("a", 0), ("b", 0)], AbcThresholds::default());
        assert!(got.iter().all(|g| g.class == AbcClass::C));
        assert!(abc(&[], AbcThresholds::default()).is_empty());
    }
}
