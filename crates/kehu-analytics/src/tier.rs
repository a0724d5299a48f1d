//! Value tiers: an ordered list of named conditions (kehu.toml `[[tiers]]`);
//! the first tier whose condition holds wins, and the last tier is the
//! default that needs no condition.

use kehu_core::expr::{self, Expr, ExprError, Fields};
use serde::Serialize;

/// Why a tier list cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TierError {
    /// A tier's condition does not parse; `offset` is a byte offset into it.
    #[error("tier `{tier}`: condition {source}")]
    Condition {
        /// The tier whose `when` is broken.
        tier: String,
        /// The parse error, with its byte offset into the condition.
        #[source]
        source: ExprError,
    },
    /// A tier other than the last has no condition, so the tiers after it
    /// could never be reached.
    #[error("tier `{tier}` has no condition but is not the last tier")]
    MissingCondition {
        /// The tier without `when`.
        tier: String,
    },
    /// No tiers at all.
    #[error("no tiers are defined")]
    Empty,
}

/// One tier: its name and, except for the last, its condition.
#[derive(Clone, Debug, PartialEq)]
pub struct TierRule {
    /// The tier's name (`strategic`).
    pub name: String,
    /// When the tier applies; `None` only for the last (default) tier.
    pub when: Option<Expr>,
}

impl TierRule {
    /// Parses a tier's `when` text.
    pub fn parse(name: &str, when: Option<&str>) -> Result<TierRule, TierError> {
        let when = when
            .map(expr::parse)
            .transpose()
            .map_err(|source| TierError::Condition {
                tier: name.to_owned(),
                source,
            })?;
        Ok(TierRule {
            name: name.to_owned(),
            when,
        })
    }
}

/// Checks a tier list: at least one tier, and only the last without a
/// condition (the last may have one; it is then ignored, as the default
/// applies whatever it says).
pub fn validate(rules: &[TierRule]) -> Result<(), TierError> {
    let Some((_, head)) = rules.split_last() else {
        return Err(TierError::Empty);
    };
    match head.iter().find(|r| r.when.is_none()) {
        Some(r) => Err(TierError::MissingCondition {
            tier: r.name.clone(),
        }),
        None => Ok(()),
    }
}

/// A customer's tier and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TierResult {
    /// Position of the tier in the list (0 = best).
    pub index: usize,
    /// The tier's name.
    pub name: String,
    /// Why, in words: "revenue_12m 1,250,000 ≥ 1,000,000".
    pub reason: String,
}

/// The position of the first tier whose condition holds for `fields`; the
/// last tier's when none does. `None` only for an empty list. What
/// [`classify`] decides, without putting it into words (a whole book's
/// counts need no reasons).
pub fn choose<F: Fields + ?Sized>(rules: &[TierRule], fields: &F) -> Option<usize> {
    let (_, head) = rules.split_last()?;
    let decides = head
        .iter()
        .position(|rule| rule.when.as_ref().is_some_and(|when| when.eval(fields)));
    Some(decides.unwrap_or(head.len()))
}

/// The first tier whose condition holds for `fields`; the last tier when
/// none does. `None` only for an empty list. Call [`validate`] once first.
pub fn classify<F: Fields + ?Sized>(rules: &[TierRule], fields: &F) -> Option<TierResult> {
    let index = choose(rules, fields)?;
    let rule = &rules[index];
    // Put into words only the condition that decides.
    let reason = match (&rule.when, index + 1 == rules.len()) {
        (Some(when), false) => when.explain(fields).1,
        _ => match index.checked_sub(1).map(|i| &rules[i]) {
            Some(prev) => format!(
                "default tier: no earlier condition holds (not {}: {})",
                prev.name,
                prev.when
                    .as_ref()
                    .map(|w| w.explain(fields).1)
                    .unwrap_or_default()
            ),
            None => "the only tier".to_string(),
        },
    };
    Some(TierResult {
        index,
        name: rule.name.clone(),
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use kehu_core::expr::CustomerFields;
    use kehu_core::{Customer, Date};

    fn rules() -> Vec<TierRule> {
        vec![
            TierRule::parse(
                "strategic",
                Some(r#"revenue_12m >= 500000 or (abc == "A" and satisfaction >= 4)"#),
            )
            .unwrap(),
            TierRule::parse("key", Some(r#"revenue_12m >= 100000 or abc == "A""#)).unwrap(),
            TierRule::parse("small", None).unwrap(),
        ]
    }

    #[test]
    fn first_matching_tier_wins_and_last_is_default() {
        let rules = rules();
        validate(&rules).unwrap();
        let as_of = Date::from_ymd(2026, 11, 22).unwrap();
        let mut c = Customer {
            id: "acme".into(),
            ..Customer::default()
        };
        c.metrics.revenue_12m = Some(1_250_000.0);
        let t = classify(&rules, &CustomerFields::new(&c, as_of)).unwrap();
        assert_eq!(t.name, "strategic");
        assert_eq!(t.reason, "revenue_12m 1,250,000 ≥ 500,000");

        c.metrics.revenue_12m = Some(20_000.0);
        let mut f = CustomerFields::new(&c, as_of);
        f.abc = Some("A");
        let t = classify(&rules, &f).unwrap();
        assert_eq!((t.index, t.name.as_str()), (1, "key"));
        assert_eq!(t.reason, r#"abc "A" = "A""#);

        f.abc = Some("C");
        let t = classify(&rules, &f).unwrap();
        assert_eq!(t.name, "small");
        assert_eq!(
            t.reason,
            r#"default tier: no earlier condition holds (not key: revenue_12m 20,000 < 100,000 and abc "C" ≠ "A")"#
        );
    }

    #[test]
    fn broken_lists_are_errors() {
        let err = TierRule::parse("key", Some("revenu_12m > 1")).unwrap_err();
        match &err {
            TierError::Condition { tier, source } => {
                assert_eq!(tier, "key");
                assert_eq!(source.offset, 0);
            }
            other => panic!("{other:?}"),
        }
        let r = vec![
            TierRule::parse("a", None).unwrap(),
            TierRule::parse("b", None).unwrap(),
        ];
        assert_eq!(
            validate(&r),
            Err(TierError::MissingCondition { tier: "a".into() })
        );
        assert_eq!(validate(&[]), Err(TierError::Empty));
    }
}
