//! Value tiers: an ordered list of named conditions (kehu.toml `[[tiers]]`);
//! the first tier whose condition holds wins, and the last tier is the
//! default that needs no condition.

use std::fmt;

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

/// A customer's tier. Why it is that tier is worded on demand
/// ([`TierResult::reason`]): a book's worth of reasons costs more than the
/// grading, and most callers never show them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TierResult {
    /// Position of the tier in the list (0 = best).
    pub index: usize,
    /// The tier's name.
    pub name: String,
}

impl TierResult {
    /// Why, in words when displayed ("revenue_12m 1,250,000 ≥ 1,000,000"),
    /// from the rules and the fields it was classified with.
    pub fn reason<'a, F: Fields>(&self, rules: &'a [TierRule], fields: F) -> TierReason<'a, F> {
        TierReason {
            rules,
            index: self.index,
            fields,
        }
    }
}

/// A tier's reason ([`TierResult::reason`]).
pub struct TierReason<'a, F> {
    rules: &'a [TierRule],
    index: usize,
    fields: F,
}

impl<F: Fields> fmt::Display for TierReason<'_, F> {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        let decided = self.rules.get(self.index).and_then(|r| r.when.as_ref());
        if self.index + 1 < self.rules.len()
            && let Some(when) = decided
        {
            return write!(out, "{}", when.explanation(&self.fields));
        }
        match self.rules.len().checked_sub(2).map(|at| &self.rules[at]) {
            Some(prev) => {
                write!(
                    out,
                    "default tier: no earlier condition holds (not {}: ",
                    prev.name
                )?;
                if let Some(when) = &prev.when {
                    write!(out, "{}", when.explanation(&self.fields))?;
                }
                out.write_str(")")
            }
            None => out.write_str("the only tier"),
        }
    }
}

/// The position of the first tier whose condition holds for `fields`; the
/// last tier's when none does. `None` only for an empty list. What
/// [`classify`] decides, without the tier's name (a whole book's counts
/// need only the position).
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
    Some(TierResult {
        index,
        name: rules[index].name.clone(),
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
        let f = CustomerFields::new(&c, as_of);
        let t = classify(&rules, &f).unwrap();
        assert_eq!(t.name, "strategic");
        assert_eq!(
            t.reason(&rules, f).to_string(),
            "revenue_12m 1,250,000 ≥ 500,000"
        );

        c.metrics.revenue_12m = Some(20_000.0);
        let mut f = CustomerFields::new(&c, as_of);
        f.abc = Some("A");
        let t = classify(&rules, &f).unwrap();
        assert_eq!((t.index, t.name.as_str()), (1, "key"));
        assert_eq!(t.reason(&rules, f).to_string(), r#"abc "A" = "A""#);

        f.abc = Some("C");
        let t = classify(&rules, &f).unwrap();
        assert_eq!(t.name, "small");
        assert_eq!(
            t.reason(&rules, f).to_string(),
            r#"default tier: no earlier condition holds (not key: revenue_12m 20,000 < 100,000 and abc "C" ≠ "A")"#
        );
    }

    #[test]
    fn a_single_tier_is_the_only_tier() {
        let rules = vec![TierRule::parse("all", None).unwrap()];
        let c = Customer::default();
        let f = CustomerFields::new(&c, Date::from_ymd(2026, 11, 22).unwrap());
        let t = classify(&rules, &f).unwrap();
        assert_eq!((t.index, t.name.as_str()), (0, "all"));
        assert_eq!(t.reason(&rules, f).to_string(), "the only tier");
        assert_eq!(classify(&[], &f), None);
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
