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

use kehu_core::expr::format_number;
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LoyaltyGrade {
    /// The grade.
    pub loyalty: Loyalty,
    /// Why: "satisfaction 4.6 ≥ 4.5, repurchase 0.8 ≥ 0.7, referral likely ≥ likely".
    pub reason: String,
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

/// Checks each threshold of `rule`; `at_least` chooses ≥ or ≤. Returns
/// whether all hold, and the terms in words (all of them when they hold,
/// the first failing one otherwise).
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
                let text = format!(
                    "{name} {} {} {}",
                    format_number(v),
                    op(holds),
                    format_number(limit)
                );
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
    let (loyal, why_not_loyal) = check(&rules.loyal, indicators, true);
    if loyal {
        return Some(LoyaltyGrade {
            loyalty: Loyalty::Loyal,
            reason: why_not_loyal,
        });
    }
    let (satisfied, why) = check(&rules.satisfied, indicators, true);
    if satisfied {
        return Some(LoyaltyGrade {
            loyalty: Loyalty::Satisfied,
            reason: format!("{why}; not loyal: {why_not_loyal}"),
        });
    }
    let (detractor, why_det) = check(&rules.detractor, indicators, false);
    if detractor {
        return Some(LoyaltyGrade {
            loyalty: Loyalty::Detractor,
            reason: why_det,
        });
    }
    Some(LoyaltyGrade {
        loyalty: Loyalty::AtRisk,
        reason: format!("not satisfied: {why}; not a detractor: {why_det}"),
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
            loyal.reason,
            "satisfaction 4.6 ≥ 4.5, repurchase 0.8 ≥ 0.7, referral likely ≥ likely"
        );
        let sat = g(ind(Some(4.6), Some(0.8), Some("possible"))).unwrap();
        assert_eq!(sat.loyalty, Loyalty::Satisfied);
        assert_eq!(
            sat.reason,
            "satisfaction 4.6 ≥ 4; not loyal: referral possible < likely"
        );
        let risk = g(ind(Some(3.0), None, None)).unwrap();
        assert_eq!(risk.loyalty, Loyalty::AtRisk);
        assert_eq!(
            risk.reason,
            "not satisfied: satisfaction 3 < 4; not a detractor: satisfaction 3 > 2.5"
        );
        let det = g(ind(Some(2.5), Some(0.9), None)).unwrap();
        assert_eq!(det.loyalty, Loyalty::Detractor);
        assert_eq!(det.reason, "satisfaction 2.5 ≤ 2.5");
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
}
