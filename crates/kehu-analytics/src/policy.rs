//! The policy of kehu.toml in the shape the computations take: tier
//! conditions parsed once, thresholds as typed values, and lookups the
//! plugins share (a tier's weight and cadence, a customer's cadence).

use kehu_core::config::{Config, GradeCadence};

use crate::abc::AbcThresholds;
use crate::cadence::{Cadence, CadenceChoice, choose};
use crate::loyalty::{LoyaltyRule, LoyaltyRules, Referral};
use crate::pipeline::{PipelineGrade, PipelineThresholds};
use crate::rfm::RfmWindow;
use crate::tier::{TierError, TierRule, validate};

/// Why a kehu.toml cannot drive the computations.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// A tier condition does not parse, or the tier list is malformed.
    #[error("kehu.toml [[tiers]]: {0}")]
    Tier(#[from] TierError),
    /// A loyalty rule names a referral word kehu does not know.
    #[error("kehu.toml [loyalty] {rule}.referral: `{word}` is not likely, possible or unlikely")]
    Referral {
        /// `loyal`, `satisfied` or `detractor`.
        rule: &'static str,
        /// The word found.
        word: String,
    },
}

/// One tier with everything the computations need.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyTier {
    /// Name and parsed condition.
    pub rule: TierRule,
    /// Load on the owner.
    pub weight: f64,
    /// Follow-up cadence of the tier, if it sets one.
    pub cadence: Option<Cadence>,
}

/// kehu.toml, ready for the computations.
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    /// Tiers best first; the last is the default.
    pub tiers: Vec<PolicyTier>,
    /// `[abc]`.
    pub abc: AbcThresholds,
    /// `[rfm] window`.
    pub rfm_window: RfmWindow,
    /// `[pipeline]`.
    pub pipeline: PipelineThresholds,
    /// `[cadence]`.
    pub grade_cadence: GradeCadence,
    /// `[loyalty]`.
    pub loyalty: LoyaltyRules,
}

fn loyalty_rule(
    rule: &'static str,
    from: &kehu_core::config::LoyaltyRule,
) -> Result<LoyaltyRule, PolicyError> {
    let referral = match &from.referral {
        None => None,
        Some(word) => Some(Referral::parse(word).ok_or_else(|| PolicyError::Referral {
            rule,
            word: word.clone(),
        })?),
    };
    Ok(LoyaltyRule {
        satisfaction: from.satisfaction,
        repurchase: from.repurchase,
        referral,
    })
}

impl Policy {
    /// Parses the tier conditions and converts every section.
    pub fn from_config(config: &Config) -> Result<Policy, PolicyError> {
        let tiers = config
            .tiers
            .iter()
            .map(|t| {
                Ok(PolicyTier {
                    rule: TierRule::parse(&t.name, t.when.as_deref())?,
                    weight: t.weight,
                    cadence: t.cadence,
                })
            })
            .collect::<Result<Vec<_>, TierError>>()?;
        let rules: Vec<TierRule> = tiers.iter().map(|t| t.rule.clone()).collect();
        validate(&rules)?;
        Ok(Policy {
            tiers,
            abc: AbcThresholds {
                a: config.abc.a,
                b: config.abc.b,
            },
            rfm_window: config.rfm.window,
            pipeline: PipelineThresholds {
                a_months: config.pipeline.a_months,
                b_months: config.pipeline.b_months,
                c_months: config.pipeline.c_months,
            },
            grade_cadence: config.cadence.clone(),
            loyalty: LoyaltyRules {
                loyal: loyalty_rule("loyal", &config.loyalty.loyal)?,
                satisfied: loyalty_rule("satisfied", &config.loyalty.satisfied)?,
                detractor: loyalty_rule("detractor", &config.loyalty.detractor)?,
            },
        })
    }

    /// The tier rules in order, for [`crate::tier::classify`].
    pub fn tier_rules(&self) -> Vec<TierRule> {
        self.tiers.iter().map(|t| t.rule.clone()).collect()
    }

    /// The tier called `name`, or the default (last) tier when `name` is
    /// absent or unknown.
    pub fn tier_or_default(&self, name: Option<&str>) -> Option<&PolicyTier> {
        name.and_then(|n| self.tiers.iter().find(|t| t.rule.name == n))
            .or_else(|| self.tiers.last())
    }

    /// The cadence of a pipeline grade.
    pub fn grade_cadence(&self, grade: PipelineGrade) -> Cadence {
        let c = &self.grade_cadence;
        match grade {
            PipelineGrade::A => c.a,
            PipelineGrade::B => c.b,
            PipelineGrade::C => c.c,
            PipelineGrade::D => c.d,
            PipelineGrade::E => c.e,
        }
    }

    /// A customer's cadence: the stricter of its pipeline grade's and its
    /// tier's (the default tier when it has none), or its own override.
    pub fn cadence_for(
        &self,
        pipeline: Option<PipelineGrade>,
        tier: Option<&str>,
        own: Option<Cadence>,
    ) -> Option<CadenceChoice<'_>> {
        self.cadence_in(pipeline, self.tier_or_default(tier), own)
    }

    /// [`Policy::cadence_for`] with the tier already looked up (one of
    /// this policy's tiers, or `None` when it has none): for a caller that
    /// also needs the tier's weight and looks it up once.
    pub fn cadence_in<'p>(
        &'p self,
        pipeline: Option<PipelineGrade>,
        tier: Option<&'p PolicyTier>,
        own: Option<Cadence>,
    ) -> Option<CadenceChoice<'p>> {
        let grade = pipeline.map(|g| (g.as_str(), self.grade_cadence(g)));
        let tier = tier.and_then(|t| t.cadence.map(|c| (t.rule.name.as_str(), c)));
        choose(grade, tier, own)
    }

    /// [`Policy::cadence_for`] read off a customer file: its recorded
    /// `grade.pipeline` and `grade.tier`, and its own `cadence`.
    pub fn cadence_of(&self, customer: &kehu_core::Customer) -> Option<CadenceChoice<'_>> {
        let grade = customer
            .grade
            .pipeline
            .as_deref()
            .and_then(PipelineGrade::parse);
        self.cadence_for(grade, customer.grade.tier.as_deref(), customer.cadence)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_config_converts() {
        let p = Policy::from_config(&Config::default()).unwrap();
        assert_eq!(p.tiers.len(), 4);
        assert_eq!(p.tiers[0].weight, 8.0);
        assert_eq!(p.loyalty, LoyaltyRules::default());
        let c = p
            .cadence_for(Some(PipelineGrade::D), Some("strategic"), None)
            .unwrap();
        assert_eq!(c.cadence, Cadence { ideal: 14, max: 30 });
        let c = p.cadence_for(Some(PipelineGrade::A), None, None).unwrap();
        assert_eq!(c.cadence, Cadence { ideal: 1, max: 2 });
        assert_eq!(p.tier_or_default(Some("nope")).unwrap().rule.name, "small");
        let mut customer = kehu_core::Customer::default();
        customer.grade.pipeline = Some("D".into());
        customer.grade.tier = Some("strategic".into());
        assert_eq!(
            p.cadence_of(&customer).unwrap().cadence,
            Cadence { ideal: 14, max: 30 }
        );
        customer.cadence = Some(Cadence { ideal: 3, max: 5 });
        assert_eq!(
            p.cadence_of(&customer).unwrap().cadence,
            Cadence { ideal: 3, max: 5 }
        );
    }

    #[test]
    fn broken_policy_is_an_error() {
        let mut config = Config::default();
        config.tiers[1].when = Some("revenue_12m >= ".into());
        let err = Policy::from_config(&config).unwrap_err();
        assert!(err.to_string().contains("tier `key`"), "{err}");
        let mut config = Config::default();
        config.loyalty.loyal.referral = Some("maybe".into());
        assert!(matches!(
            Policy::from_config(&config),
            Err(PolicyError::Referral { .. })
        ));
    }
}
