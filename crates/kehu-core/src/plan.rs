//! The key account plan: the optional `[plan]` section of a customer file.
//!
//! A strategic or key customer gets a written plan: its goals and
//! challenges, its own market, the people who decide and influence, its
//! budget in our category and the suppliers we compete with, our value
//! proposition, the actions we take (each with an owner and a due day), the
//! resources needed, and the day the plan was last reviewed. Scalars are one
//! value per line; people, suppliers and actions are small arrays of tables,
//! so a change is a small diff. Reading with diagnostics is in
//! `crate::plan_file`; when and who changed what comes from git.

use serde::{Deserialize, Serialize};

use crate::Date;

/// `[plan]`: the key account plan of one customer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Plan {
    /// The day the plan was last reviewed with the team.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reviewed: Option<Date>,
    /// What the customer wants to achieve.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub goals: Option<String>,
    /// What stands in its way.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub challenges: Option<String>,
    /// The customer's own customers (its market).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customers: Option<String>,
    /// The customer's own competitors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub competitors: Option<String>,
    /// The customer's annual budget in our category, in the book's currency;
    /// our share of it (share of wallet) is `revenue_12m / budget`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget: Option<f64>,
    /// Our value proposition to this customer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The resources the plan needs (people, budget, samples …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resources: Option<String>,
    /// `[[plan.people]]`: decision makers and influencers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub people: Vec<Person>,
    /// `[[plan.suppliers]]`: the main competing suppliers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suppliers: Vec<Supplier>,
    /// `[[plan.actions]]`: what we will do, by whom, by when.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<Action>,
}

/// One person at the customer who decides or influences.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Person {
    /// The person's name.
    pub name: String,
    /// `decision-maker` or `influencer` (see [`PERSON_KINDS`]).
    pub kind: String,
    /// Their role at the customer (`CFO`, `head of purchasing`); required
    /// for a decision maker.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Who on our side keeps the relationship: an owner id from kehu.toml.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Their stance towards us (see [`STANCES`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stance: Option<String>,
}

/// A competing supplier of the customer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Supplier {
    /// The supplier's name.
    pub name: String,
    /// Its share of the customer's budget in our category, 0..1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub share: Option<f64>,
    /// The customer's satisfaction with it, 1..5.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub satisfaction: Option<f64>,
}

/// A planned action.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Action {
    /// What is to be done.
    pub what: String,
    /// Who does it: an owner id from kehu.toml; required.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// By when.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due: Option<Date>,
    /// When it was done; an action without it is open.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub done: Option<Date>,
}

/// The kinds of people a plan names.
pub const PERSON_KINDS: [&str; 2] = ["decision-maker", "influencer"];

/// A person's stance towards us, most favourable first.
pub const STANCES: [&str; 5] = ["champion", "supporter", "neutral", "sceptic", "opponent"];

impl Action {
    /// Whether the action is open and its due day is before `as_of`.
    pub fn is_overdue(&self, as_of: Date) -> bool {
        self.done.is_none() && self.due.is_some_and(|due| due < as_of)
    }

    /// `done`, `overdue` or `open`, as of `as_of`.
    pub fn status(&self, as_of: Date) -> &'static str {
        if self.done.is_some() {
            "done"
        } else if self.is_overdue(as_of) {
            "overdue"
        } else {
            "open"
        }
    }
}

impl Plan {
    /// The open actions whose due day has passed, with their index.
    pub fn overdue_actions(&self, as_of: Date) -> impl Iterator<Item = (usize, &Action)> {
        self.actions
            .iter()
            .enumerate()
            .filter(move |(_, a)| a.is_overdue(as_of))
    }

    /// Our share of the customer's budget: `revenue_12m / budget`, when
    /// both are known and the budget is positive.
    pub fn share_of_wallet(&self, revenue_12m: Option<f64>) -> Option<f64> {
        match (revenue_12m, self.budget) {
            (Some(revenue), Some(budget)) if budget > 0.0 && revenue >= 0.0 => {
                Some(revenue / budget)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> Date {
        text.parse().unwrap()
    }

    #[test]
    fn an_action_is_overdue_only_when_open_and_past_due() {
        let as_of = day("2026-11-22");
        let mut action = Action {
            what: "QBR".into(),
            owner: Some("alice".into()),
            due: Some(day("2026-11-21")),
            done: None,
        };
        assert_eq!(action.status(as_of), "overdue");
        action.due = Some(as_of);
        assert_eq!(action.status(as_of), "open");
        action.due = Some(day("2026-11-01"));
        action.done = Some(day("2026-11-02"));
        assert_eq!(action.status(as_of), "done");
        action.done = None;
        action.due = None;
        assert_eq!(action.status(as_of), "open");
    }

    #[test]
    fn share_of_wallet_needs_a_positive_budget() {
        let plan = Plan {
            budget: Some(2_000_000.0),
            ..Plan::default()
        };
        assert_eq!(plan.share_of_wallet(Some(500_000.0)), Some(0.25));
        assert_eq!(plan.share_of_wallet(None), None);
        let zero = Plan {
            budget: Some(0.0),
            ..Plan::default()
        };
        assert_eq!(zero.share_of_wallet(Some(1.0)), None);
    }
}
