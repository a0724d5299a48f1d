//! RFM: recency, frequency and monetary value, each scored 1–5 by quintile,
//! and the eight segments of DESIGN §3.
//!
//! The rules (issue 5, item 2):
//!
//! - **Inputs.** Recency is the number of days from the last order to the
//!   as-of date; frequency the number of orders and monetary the revenue,
//!   both over the window (`[rfm] window`: `"all"` or months). The book keeps
//!   aggregated figures, so window 12 reads `orders_12m`/`revenue_12m` and
//!   `"all"` reads `orders_total`/`revenue_total` ([`RfmInput::from_customer`]).
//! - **No orders.** A customer with no order in the window (frequency 0, or
//!   no `last_order`) gets the segment `none` and is left out of the means
//!   and the quintiles.
//! - **Scores.** For each of R, F and M, the n scored customers are sorted
//!   from worst to best — recency: most days first; frequency and monetary:
//!   smallest first — ties by id ascending. At 1-based position p the score
//!   is ceil(5p/n).
//! - **Segments.** R is *high* when recency is strictly below the mean of
//!   the scored customers; F and M when strictly above theirs. The means are
//!   compared in integers (`value × n` against the sum), so no rounding
//!   decides. R/F/M high → important-value; R, M → important-develop; F, M →
//!   important-keep; M → important-retain; R, F → general-value; R →
//!   general-develop; F → general-keep; none → general-retain.

use std::fmt;

use kehu_core::{Customer, Date};
use serde::Serialize;

use crate::money::{Cents, cents};
use crate::ranking::{Direction, id_ranks, order_by};
use kehu_core::expr::Number;

/// The period RFM looks at (kehu.toml `[rfm] window`: `"all"` or months).
pub use kehu_core::config::RfmWindow;

/// Why RFM inputs cannot be built from a customer file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RfmError {
    /// The book stores 12-month and all-time figures only.
    #[error(
        "customer `{customer}`: an RFM window of {months} months needs per-order data; \
         the book keeps 12-month and all-time figures (use window = 12 or \"all\")"
    )]
    UnsupportedWindow {
        /// The customer whose figures were asked for.
        customer: String,
        /// The window asked for.
        months: u32,
    },
}

/// One customer's raw RFM figures over the window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RfmInput<'a> {
    /// Customer id (the tie-break).
    pub id: &'a str,
    /// Days from the last order to the as-of date; `None` without orders.
    pub recency_days: Option<i64>,
    /// Orders in the window.
    pub frequency: i64,
    /// Revenue in the window, in cents.
    pub monetary_cents: i64,
}

impl<'a> RfmInput<'a> {
    /// Reads the figures for `window` from a customer's `[metrics]`.
    pub fn from_customer(
        customer: &'a Customer,
        window: RfmWindow,
        as_of: Date,
    ) -> Result<RfmInput<'a>, RfmError> {
        let m = &customer.metrics;
        let (orders, revenue) = match window {
            RfmWindow::All => (m.orders_total, m.revenue_total),
            RfmWindow::Months(12) => (m.orders_12m, m.revenue_12m),
            RfmWindow::Months(months) => {
                return Err(RfmError::UnsupportedWindow {
                    customer: customer.id.clone(),
                    months,
                });
            }
        };
        Ok(RfmInput {
            id: &customer.id,
            recency_days: m.last_order.map(|d| d.days_until(as_of)),
            frequency: orders.unwrap_or(0),
            monetary_cents: cents(revenue),
        })
    }

    fn has_orders(&self) -> bool {
        self.frequency > 0 && self.recency_days.is_some()
    }
}

/// An RFM segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Segment {
    /// R, F and M high.
    ImportantValue,
    /// R and M high.
    ImportantDevelop,
    /// F and M high.
    ImportantKeep,
    /// M high.
    ImportantRetain,
    /// R and F high.
    GeneralValue,
    /// R high.
    GeneralDevelop,
    /// F high.
    GeneralKeep,
    /// Nothing high.
    GeneralRetain,
    /// No orders in the window.
    None,
}

impl Segment {
    /// The segment name as stored in `[grade] rfm`.
    pub fn as_str(self) -> &'static str {
        match self {
            Segment::ImportantValue => "important-value",
            Segment::ImportantDevelop => "important-develop",
            Segment::ImportantKeep => "important-keep",
            Segment::ImportantRetain => "important-retain",
            Segment::GeneralValue => "general-value",
            Segment::GeneralDevelop => "general-develop",
            Segment::GeneralKeep => "general-keep",
            Segment::GeneralRetain => "general-retain",
            Segment::None => "none",
        }
    }

    /// The segment for the three high/low flags.
    pub fn from_flags(r_high: bool, f_high: bool, m_high: bool) -> Segment {
        match (r_high, f_high, m_high) {
            (true, true, true) => Segment::ImportantValue,
            (true, false, true) => Segment::ImportantDevelop,
            (false, true, true) => Segment::ImportantKeep,
            (false, false, true) => Segment::ImportantRetain,
            (true, true, false) => Segment::GeneralValue,
            (true, false, false) => Segment::GeneralDevelop,
            (false, true, false) => Segment::GeneralKeep,
            (false, false, false) => Segment::GeneralRetain,
        }
    }
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Quintile scores, each 1..=5 (5 best).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct RfmScores {
    /// Recency score (5 = most recent).
    pub r: u8,
    /// Frequency score (5 = most orders).
    pub f: u8,
    /// Monetary score (5 = most revenue).
    pub m: u8,
}

/// One customer's RFM grade.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RfmResult {
    /// The segment (`none` without orders).
    pub segment: Segment,
    /// The quintile scores; `None` without orders.
    pub scores: Option<RfmScores>,
    /// Whether R, F and M are above (R: below) the book's mean.
    pub high: Option<[bool; 3]>,
    /// Days since the last order.
    pub recency_days: Option<i64>,
    /// Orders in the window.
    pub frequency: i64,
    /// Revenue in the window, in cents.
    pub monetary_cents: i64,
    /// Why, in words when displayed.
    pub reason: RfmReason,
}

/// The figures behind an RFM grade, put into words only when displayed or
/// serialized: "R 5 F 4 M 5: recency 12 d below mean 87 d, …".
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RfmReason {
    /// No order in the window.
    NoOrders(RfmWindow),
    /// Scored against the book.
    Scored {
        /// The quintile scores.
        scores: RfmScores,
        /// Days since the last order.
        recency_days: i64,
        /// Orders in the window.
        frequency: i64,
        /// Revenue in the window, in cents.
        monetary_cents: i64,
        /// R, F, M high.
        high: [bool; 3],
        /// The book's means.
        means: RfmMeans,
    },
}

impl fmt::Display for RfmReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            RfmReason::NoOrders(RfmWindow::All) => f.write_str("no orders in all time"),
            RfmReason::NoOrders(RfmWindow::Months(m)) => {
                write!(f, "no orders in the last {m} months")
            }
            RfmReason::Scored {
                scores,
                recency_days,
                frequency,
                monetary_cents,
                high,
                means,
            } => {
                let one_decimal = |x: f64| Number((x * 10.0).round() / 10.0);
                let word = |h: bool, yes: &'static str, no: &'static str| if h { yes } else { no };
                write!(
                    f,
                    "R {} F {} M {}: recency {recency_days} d {} mean {} d, frequency {frequency} {} \
                     mean {}, monetary {} {} mean {}",
                    scores.r,
                    scores.f,
                    scores.m,
                    word(high[0], "below", "not below"),
                    one_decimal(means.recency_days),
                    word(high[1], "above", "not above"),
                    one_decimal(means.frequency),
                    Cents(monetary_cents),
                    word(high[2], "above", "not above"),
                    Number((means.monetary_cents / 100.0).round()),
                )
            }
        }
    }
}

impl Serialize for RfmReason {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// The book's means over the scored customers (for reports).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct RfmMeans {
    /// Scored customers (with orders).
    pub count: usize,
    /// Mean recency in days.
    pub recency_days: f64,
    /// Mean orders.
    pub frequency: f64,
    /// Mean revenue in cents.
    pub monetary_cents: f64,
}

/// Scores and segments every customer; the result is in the input's order.
/// O(n log n): three sorts of the scored customers.
pub fn rfm(inputs: &[RfmInput<'_>], window: RfmWindow) -> (Vec<RfmResult>, RfmMeans) {
    let scored: Vec<usize> = (0..inputs.len())
        .filter(|&i| inputs[i].has_orders())
        .collect();
    let n = scored.len();
    let recency = |i: usize| inputs[i].recency_days.unwrap_or(0);

    let ranks = id_ranks(inputs.iter().map(|input| input.id));
    let score_by = |figure: &(dyn Fn(usize) -> i64 + Sync), direction| -> Vec<u8> {
        let order = order_by(scored.iter().map(|&i| (i, figure(i))), direction, &ranks);
        let mut scores = vec![0u8; inputs.len()];
        for (pos, &i) in order.iter().enumerate() {
            let p = pos + 1;
            scores[i] = (5 * p).div_ceil(n) as u8;
        }
        scores
    };
    // Worst first: most days, fewest orders, least revenue; three sorts at once.
    let (r_scores, (f_scores, m_scores)) = rayon::join(
        || score_by(&recency, Direction::Descending),
        || {
            rayon::join(
                || score_by(&|i| inputs[i].frequency, Direction::Ascending),
                || score_by(&|i| inputs[i].monetary_cents, Direction::Ascending),
            )
        },
    );

    let sum_r: i128 = scored.iter().map(|&i| i128::from(recency(i))).sum();
    let sum_f: i128 = scored
        .iter()
        .map(|&i| i128::from(inputs[i].frequency))
        .sum();
    let sum_m: i128 = scored
        .iter()
        .map(|&i| i128::from(inputs[i].monetary_cents))
        .sum();
    let n_wide = n as i128;
    let mean = |sum: i128| if n == 0 { 0.0 } else { sum as f64 / n as f64 };
    let means = RfmMeans {
        count: n,
        recency_days: mean(sum_r),
        frequency: mean(sum_f),
        monetary_cents: mean(sum_m),
    };
    let results = inputs
        .iter()
        .enumerate()
        .map(|(i, input)| {
            if !input.has_orders() {
                return RfmResult {
                    segment: Segment::None,
                    scores: None,
                    high: None,
                    recency_days: input.recency_days,
                    frequency: input.frequency,
                    monetary_cents: input.monetary_cents,
                    reason: RfmReason::NoOrders(window),
                };
            }
            let r = recency(i);
            let r_high = i128::from(r) * n_wide < sum_r;
            let f_high = i128::from(input.frequency) * n_wide > sum_f;
            let m_high = i128::from(input.monetary_cents) * n_wide > sum_m;
            let scores = RfmScores {
                r: r_scores[i],
                f: f_scores[i],
                m: m_scores[i],
            };
            let high = [r_high, f_high, m_high];
            let reason = RfmReason::Scored {
                scores,
                recency_days: r,
                frequency: input.frequency,
                monetary_cents: input.monetary_cents,
                high,
                means,
            };
            RfmResult {
                segment: Segment::from_flags(r_high, f_high, m_high),
                scores: Some(scores),
                high: Some(high),
                recency_days: Some(r),
                frequency: input.frequency,
                monetary_cents: input.monetary_cents,
                reason,
            }
        })
        .collect();
    (results, means)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(id: &str, recency: i64, frequency: i64, monetary: i64) -> RfmInput<'_> {
        RfmInput {
            id,
            recency_days: Some(recency),
            frequency,
            monetary_cents: monetary,
        }
    }

    #[test]
    fn quintiles_follow_ceil_5p_over_n_with_id_ties() {
        // Seven customers, identical figures: order is by id alone.
        let ids = ["g", "f", "e", "d", "c", "b", "a"];
        let inputs: Vec<_> = ids.iter().map(|id| input(id, 10, 1, 100)).collect();
        let (res, _) = rfm(&inputs, RfmWindow::All);
        // positions by id: a=1 … g=7; ceil(5p/7) = 1,2,3,3,4,5,5
        let expect = [5, 5, 4, 3, 3, 2, 1];
        for (r, e) in res.iter().zip(expect) {
            let s = r.scores.unwrap();
            assert_eq!((s.r, s.f, s.m), (e, e, e));
            // equal to the mean: nothing is high
            assert_eq!(r.segment, Segment::GeneralRetain);
        }
    }

    #[test]
    fn sort_orders_and_strict_means() {
        let inputs = [
            input("a", 5, 10, 10_000), // recent, frequent, big
            input("b", 100, 1, 100),   // old, rare, small
            input("c", 20, 2, 9_000),  // recent, rare, big
            input("d", 300, 9, 50),    // old, frequent, small
            RfmInput {
                id: "e",
                recency_days: None,
                frequency: 0,
                monetary_cents: 0,
            },
        ];
        let (res, means) = rfm(&inputs, RfmWindow::Months(12));
        assert_eq!(means.count, 4);
        assert_eq!(means.recency_days, 106.25);
        let seg: Vec<_> = res.iter().map(|r| r.segment).collect();
        assert_eq!(
            seg,
            vec![
                Segment::ImportantValue,
                Segment::GeneralDevelop,
                Segment::ImportantDevelop,
                Segment::GeneralKeep,
                Segment::None
            ]
        );
        let a = res[0].scores.unwrap();
        assert_eq!((a.r, a.f, a.m), (5, 5, 5));
        let d = res[3].scores.unwrap();
        assert_eq!((d.r, d.f, d.m), (2, 4, 2));
        assert_eq!(
            res[0].reason.to_string(),
            "R 5 F 5 M 5: recency 5 d below mean 106.3 d, frequency 10 above mean 5.5, \
             monetary 100 above mean 48"
        );
        assert_eq!(res[4].reason.to_string(), "no orders in the last 12 months");
        assert!(res[4].scores.is_none());
    }

    #[test]
    fn all_eight_segments_have_names() {
        let mut names: Vec<_> = [true, false]
            .iter()
            .flat_map(|&r| [true, false].map(move |f| (r, f)))
            .flat_map(|(r, f)| [true, false].map(move |m| Segment::from_flags(r, f, m).as_str()))
            .collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), 8);
    }

    #[test]
    fn reads_windows_from_metrics() {
        let mut c = Customer {
            id: "acme".into(),
            ..Customer::default()
        };
        c.metrics.orders_12m = Some(4);
        c.metrics.revenue_12m = Some(12.5);
        c.metrics.orders_total = Some(9);
        c.metrics.revenue_total = Some(100.0);
        c.metrics.last_order = Date::from_ymd(2026, 11, 1);
        let as_of = Date::from_ymd(2026, 11, 22).unwrap();
        let w12 = RfmInput::from_customer(&c, RfmWindow::Months(12), as_of).unwrap();
        assert_eq!(
            (w12.recency_days, w12.frequency, w12.monetary_cents),
            (Some(21), 4, 1250)
        );
        let all = RfmInput::from_customer(&c, RfmWindow::All, as_of).unwrap();
        assert_eq!((all.frequency, all.monetary_cents), (9, 10_000));
        let err = RfmInput::from_customer(&c, RfmWindow::Months(6), as_of).unwrap_err();
        assert!(err.to_string().contains("acme"));
    }
}
