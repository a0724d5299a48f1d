//! Loyalty from the three indicators of the practice — satisfaction (1..5),
//! repurchase probability (0..1) and referral likelihood — into loyal /
//! satisfied / at-risk / detractor (issue 5, item 5).
//!
//! The rules come from kehu.toml `[loyalty]`, each a set of thresholds:
//!
//! ```toml
//! loyal     = { satisfaction = 4.5, repurchase = 0.7, referral = "likely" }
//! satisfied = { satisfaction = 4.0 }
//! detractor = { satisfaction = 2.5 }
//! ```
//!
//! Checked in this order:
//!
//! 1. **loyal** when every threshold of `loyal` is met *at least*
//!    (satisfaction ≥ 4.5 and repurchase ≥ 0.7 and referral at least
//!    `likely`; referral ranks likely > possible > unlikely);
//! 2. **satisfied** when every threshold of `satisfied` is met at least;
//! 3. **detractor** when every threshold of `detractor` is met *at most*
//!    (satisfaction ≤ 2.5);
//! 4. otherwise **at-risk**.
//!
//! A threshold on an indicator the customer lacks is not met. A rule with no
//! thresholds matches no one. A customer with none of the three indicators
//! gets no loyalty grade at all (there is nothing to judge).

use std::fmt;

use kehu_core::expr::Number;
use serde::Serialize;

/// Referral likelihood, ordered unlikely < possible < likely.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Referral {
    /// Would not recommend.
    Unlikely,
    /// Might recommend.
    Possible,
    /// Would recommend.
    Likely,
}

impl Referral {
    /// Parses `likely`, `possible` or `unlikely`.
    pub fn parse(text: &str) -> Option<Referral> {
        match text {
            "likely" => Some(Referral::Likely),
            "possible" => Some(Referral::Possible),
            "unlikely" => Some(Referral::Unlikely),
            _ => None,
        }
    }

    /// The word as written in files.
    pub fn as_str(self) -> &'static str {
        match self {
            Referral::Likely => "likely",
            Referral::Possible => "possible",
            Referral::Unlikely => "unlikely",
        }
    }
}

impl fmt::Display for Referral {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Thresholds of one loyalty rule; absent ones are not checked.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LoyaltyRule {
    /// Satisfaction threshold (1..5).
    pub satisfaction: Option<f64>,
    /// Repurchase probability threshold (0..1).
    pub repurchase: Option<f64>,
    /// Referral threshold.
    pub referral: Option<Referral>,
}

impl LoyaltyRule {
    fn is_empty(&self) -> bool {
        self.satisfaction.is_none() && self.repurchase.is_none() && self.referral.is_none()
    }
}

/// The three rules of kehu.toml `[loyalty]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LoyaltyRules {
    /// At least these: loyal.
    pub loyal: LoyaltyRule,
    /// At least these: satisfied.
    pub satisfied: LoyaltyRule,
    /// At most these: detractor.
    pub detractor: LoyaltyRule,
}

impl Default for LoyaltyRules {
    /// The template's rules.
    fn default() -> Self {
        LoyaltyRules {
            loyal: LoyaltyRule {
                satisfaction: Some(4.5),
                repurchase: Some(0.7),
                referral: Some(Referral::Likely),
            },
            satisfied: LoyaltyRule {
                satisfaction: Some(4.0),
                ..LoyaltyRule::default()
            },
            detractor: LoyaltyRule {
                satisfaction: Some(2.5),
                ..LoyaltyRule::default()
            },
        }
    }
}

/// A loyalty grade.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Loyalty {
    /// Satisfied, buying again and recommending.
    Loyal,
    /// Satisfied.
    Satisfied,
    /// Neither satisfied nor a detractor.
    AtRisk,
    /// Dissatisfied.
    Detractor,
}

impl Loyalty {
    /// The name as stored in `[grade] loyalty`.
    pub fn as_str(self) -> &'static str {
        match self {
            Loyalty::Loyal => "loyal",
            Loyalty::Satisfied => "satisfied",
            Loyalty::AtRisk => "at-risk",
            Loyalty::Detractor => "detractor",
        }
    }
}

/// A customer's loyalty and why.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct LoyaltyGrade {
    /// The grade.
    pub loyalty: Loyalty,
    /// Why, in words when displayed:
    /// "satisfaction 4.6 ≥ 4.5, repurchase 0.8 ≥ 0.7, referral likely ≥ likely".
    pub reason: LoyaltyReason,
}

/// The figures behind a loyalty grade, put into words only when displayed
/// or serialized.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LoyaltyReason {
    /// The grade given.
    pub loyalty: Loyalty,
    /// The customer's indicators.
    pub indicators: Indicators,
    /// The rules in force.
    pub rules: LoyaltyRules,
}

impl fmt::Display for LoyaltyReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (ind, rules) = (&self.indicators, &self.rules);
        let text = |rule, at_least| Described {
            rule,
            ind,
            at_least,
        };
        match self.loyalty {
            Loyalty::Loyal => text(&rules.loyal, true).fmt(f),
            Loyalty::Satisfied => write!(
                f,
                "{}; not loyal: {}",
                text(&rules.satisfied, true),
                text(&rules.loyal, true)
            ),
            Loyalty::Detractor => text(&rules.detractor, false).fmt(f),
            Loyalty::AtRisk => write!(
                f,
                "not satisfied: {}; not a detractor: {}",
                text(&rules.satisfied, true),
                text(&rules.detractor, false)
            ),
        }
    }
}

impl Serialize for LoyaltyReason {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// The customer's three indicators.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Indicators {
    /// Latest survey score.
    pub satisfaction: Option<f64>,
    /// Repurchase probability.
    pub repurchase: Option<f64>,
    /// Referral likelihood.
    pub referral: Option<Referral>,
}

impl Indicators {
    /// Reads the indicators from a customer's `[metrics]`; a referral word
    /// other than likely / possible / unlikely counts as missing.
    pub fn from_metrics(metrics: &kehu_core::Metrics) -> Indicators {
        Indicators {
            satisfaction: metrics.satisfaction.filter(|x| x.is_finite()),
            repurchase: metrics.repurchase.filter(|x| x.is_finite()),
            referral: metrics.referral.as_deref().and_then(Referral::parse),
        }
    }
}

/// Whether every term of `rule` holds (the indicator at least, or at
/// most, its threshold); an empty rule never holds.
fn holds(rule: &LoyaltyRule, ind: &Indicators, at_least: bool) -> bool {
    !rule.is_empty() && terms(rule, ind).all(|term| term.holds(at_least))
}

/// One term of a rule: an indicator against its threshold.
#[derive(Clone, Copy)]
enum Term {
    /// Satisfaction or repurchase.
    Number {
        name: &'static str,
        value: Option<f64>,
        limit: f64,
    },
    /// Referral likelihood.
    Referral {
        value: Option<Referral>,
        limit: Referral,
    },
}

impl Term {
    /// Whether the value reaches the threshold (at least, or at most); a
    /// missing value does not.
    fn holds(self, at_least: bool) -> bool {
        fn meets<T: PartialOrd>(value: Option<T>, limit: T, at_least: bool) -> bool {
            value.is_some_and(|v| if at_least { v >= limit } else { v <= limit })
        }
        match self {
            Term::Number { value, limit, .. } => meets(value, limit, at_least),
            Term::Referral { value, limit } => meets(value, limit, at_least),
        }
    }

    /// "satisfaction 4.4 ≥ 4", with the operator that describes the outcome
    /// (≥/≤ when it holds, </> when not).
    fn write(self, at_least: bool, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = match (self.holds(at_least), at_least) {
            (true, true) => "≥",
            (true, false) => "≤",
            (false, true) => "<",
            (false, false) => ">",
        };
        match self {
            Term::Number {
                name, value: None, ..
            } => write!(out, "{name} missing"),
            Term::Number {
                name,
                value: Some(v),
                limit,
            } => write!(out, "{name} {} {op} {}", Number(v), Number(limit)),
            Term::Referral { value: None, .. } => out.write_str("referral missing"),
            Term::Referral {
                value: Some(v),
                limit,
            } => write!(out, "referral {v} {op} {limit}"),
        }
    }
}

/// The terms `rule` sets, in order: satisfaction, repurchase, referral.
fn terms(rule: &LoyaltyRule, ind: &Indicators) -> impl Iterator<Item = Term> + Clone {
    [
        rule.satisfaction.map(|limit| Term::Number {
            name: "satisfaction",
            value: ind.satisfaction,
            limit,
        }),
        rule.repurchase.map(|limit| Term::Number {
            name: "repurchase",
            value: ind.repurchase,
            limit,
        }),
        rule.referral.map(|limit| Term::Referral {
            value: ind.referral,
            limit,
        }),
    ]
    .into_iter()
    .flatten()
}

/// The terms of a rule in words when displayed: all of them when they
/// hold, the first failing one otherwise.
struct Described<'a> {
    rule: &'a LoyaltyRule,
    ind: &'a Indicators,
    at_least: bool,
}

impl fmt::Display for Described<'_> {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.rule.is_empty() {
            return out.write_str("empty rule");
        }
        let mut terms = terms(self.rule, self.ind);
        if let Some(failing) = terms.clone().find(|t| !t.holds(self.at_least)) {
            return failing.write(self.at_least, out);
        }
        if let Some(first) = terms.next() {
            first.write(self.at_least, out)?;
        }
        for term in terms {
            out.write_str(", ")?;
            term.write(self.at_least, out)?;
        }
        Ok(())
    }
}

/// Grades one customer; `None` when it has none of the three indicators.
pub fn grade(indicators: &Indicators, rules: &LoyaltyRules) -> Option<LoyaltyGrade> {
    if indicators.satisfaction.is_none()
        && indicators.repurchase.is_none()
        && indicators.referral.is_none()
    {
        return None;
    }
    let loyalty = if holds(&rules.loyal, indicators, true) {
        Loyalty::Loyal
    } else if holds(&rules.satisfied, indicators, true) {
        Loyalty::Satisfied
    } else if holds(&rules.detractor, indicators, false) {
        Loyalty::Detractor
    } else {
        Loyalty::AtRisk
    };
    Some(LoyaltyGrade {
        loyalty,
        reason: LoyaltyReason {
            loyalty,
            indicators: *indicators,
            rules: *rules,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ind(s: Option<f64>, r: Option<f64>, f: Option<&str>) -> Indicators {
        Indicators {
            satisfaction: s,
            repurchase: r,
            referral: f.and_then(Referral::parse),
        }
    }

    fn g(i: Indicators) -> Option<LoyaltyGrade> {
        grade(&i, &LoyaltyRules::default())
    }

    #[test]
    fn four_grades_in_order() {
        let loyal = g(ind(Some(4.6), Some(0.8), Some("likely"))).unwrap();
        assert_eq!(loyal.loyalty, Loyalty::Loyal);
        assert_eq!(
            loyal.reason.to_string(),
            "satisfaction 4.6 ≥ 4.5, repurchase 0.8 ≥ 0.7, referral likely ≥ likely"
        );
        let sat = g(ind(Some(4.6), Some(0.8), Some("possible"))).unwrap();
        assert_eq!(sat.loyalty, Loyalty::Satisfied);
        assert_eq!(
            sat.reason.to_string(),
            "satisfaction 4.6 ≥ 4; not loyal: referral possible < likely"
        );
        let risk = g(ind(Some(3.0), None, None)).unwrap();
        assert_eq!(risk.loyalty, Loyalty::AtRisk);
        assert_eq!(
            risk.reason.to_string(),
            "not satisfied: satisfaction 3 < 4; not a detractor: satisfaction 3 > 2.5"
        );
        let det = g(ind(Some(2.5), Some(0.9), None)).unwrap();
        assert_eq!(det.loyalty, Loyalty::Detractor);
        assert_eq!(det.reason.to_string(), "satisfaction 2.5 ≤ 2.5");
    }

    #[test]
    fn missing_indicators() {
        assert_eq!(g(ind(None, None, None)), None);
        // Only a referral: no satisfaction to meet any rule → at-risk.
        assert_eq!(
            g(ind(None, None, Some("likely"))).unwrap().loyalty,
            Loyalty::AtRisk
        );
        // An empty rule matches no one.
        let rules = LoyaltyRules {
            detractor: LoyaltyRule::default(),
            ..LoyaltyRules::default()
        };
        assert_eq!(
            grade(&ind(Some(1.0), None, None), &rules).unwrap().loyalty,
            Loyalty::AtRisk
        );
    }

    #[test]
    fn the_words_agree_with_the_decision() {
        let rules = LoyaltyRules::default();
        let sats = [
            None,
            Some(1.0),
            Some(2.5),
            Some(3.0),
            Some(4.0),
            Some(4.5),
            Some(5.0),
        ];
        let reps = [None, Some(0.0), Some(0.7), Some(0.9)];
        let refs = [None, Some("unlikely"), Some("possible"), Some("likely")];
        for s in sats {
            for r in reps {
                for f in refs {
                    let i = ind(s, r, f);
                    for (rule, at_least) in [
                        (&rules.loyal, true),
                        (&rules.satisfied, true),
                        (&rules.detractor, false),
                    ] {
                        let words = Described {
                            rule,
                            ind: &i,
                            at_least,
                        }
                        .to_string();
                        let failing = if at_least { " < " } else { " > " };
                        let worded_as_failing = words.contains(" missing")
                            || words.contains(failing)
                            || words == "empty rule";
                        assert_eq!(holds(rule, &i, at_least), !worded_as_failing, "{words}");
                    }
                }
            }
        }
    }
}
