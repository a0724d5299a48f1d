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
        let text = |rule: &LoyaltyRule, at_least: bool| describe(rule, ind, at_least);
        match self.loyalty {
            Loyalty::Loyal => f.write_str(&text(&rules.loyal, true)),
            Loyalty::Satisfied => write!(
                f,
                "{}; not loyal: {}",
                text(&rules.satisfied, true),
                text(&rules.loyal, true)
            ),
            Loyalty::Detractor => f.write_str(&text(&rules.detractor, false)),
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

/// Whether every threshold of `rule` is met; `at_least` chooses ≥ or ≤.
/// A threshold on a missing indicator is not met; an empty rule never holds.
fn holds(rule: &LoyaltyRule, ind: &Indicators, at_least: bool) -> bool {
    if rule.is_empty() {
        return false;
    }
    let meets = |v: f64, limit: f64| if at_least { v >= limit } else { v <= limit };
    let num = |value: Option<f64>, limit: Option<f64>| {
        limit.is_none_or(|l| value.is_some_and(|v| meets(v, l)))
    };
    let referral = rule.referral.is_none_or(|l| {
        ind.referral
            .is_some_and(|v| if at_least { v >= l } else { v <= l })
    });
    num(ind.satisfaction, rule.satisfaction) && num(ind.repurchase, rule.repurchase) && referral
}

/// The terms of `rule` in words: all of them when they hold, the first
/// failing one otherwise.
fn describe(rule: &LoyaltyRule, ind: &Indicators, at_least: bool) -> String {
    check(rule, ind, at_least).1
}

/// [`holds`] with the terms in words.
fn check(rule: &LoyaltyRule, ind: &Indicators, at_least: bool) -> (bool, String) {
    if rule.is_empty() {
        return (false, "empty rule".to_string());
    }
    // The operator that describes the outcome: ≥/≤ when it holds, </> when not.
    let op = |holds: bool| match (holds, at_least) {
        (true, true) => "≥",
        (true, false) => "≤",
        (false, true) => "<",
        (false, false) => ">",
    };
    let cmp_num = |name: &str, value: Option<f64>, limit: Option<f64>| -> Option<(bool, String)> {
        let limit = limit?;
        Some(match value {
            None => (false, format!("{name} missing")),
            Some(v) => {
                let holds = if at_least { v >= limit } else { v <= limit };
                let text = format!("{name} {} {} {}", Number(v), op(holds), Number(limit));
                (holds, text)
            }
        })
    };
    let terms = [
        cmp_num("satisfaction", ind.satisfaction, rule.satisfaction),
        cmp_num("repurchase", ind.repurchase, rule.repurchase),
        rule.referral.map(|limit| match ind.referral {
            None => (false, "referral missing".to_string()),
            Some(v) => {
                let holds = if at_least { v >= limit } else { v <= limit };
                (holds, format!("referral {v} {} {limit}", op(holds)))
            }
        }),
    ];
    let mut words = Vec::new();
    for (holds, text) in terms.into_iter().flatten() {
        if !holds {
            return (false, text);
        }
        words.push(text);
    }
    (true, words.join(", "))
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
    fn fast_check_agrees_with_the_worded_one() {
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
                        assert_eq!(holds(rule, &i, at_least), check(rule, &i, at_least).0);
                    }
                }
            }
        }
    }
}
