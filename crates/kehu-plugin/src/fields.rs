//! The customer fields a plugin reads (`book` with `"fields": [...]`), so
//! the host sends only those.
//!
//! A plugin that reads a few fields of every customer (the agenda: name,
//! owner, stage, tier, pipeline grade, cadence, last contact) declares them
//! with [`CustomerFields`]; the host may then leave every other field
//! empty, its default (`None`, `""`, an empty list), in the book it sends.
//! On a large book that is most of the strings the host encodes and the
//! plugin decodes and frees. The id always comes. A name is a top-level
//! field of the customer file (`name`, `grade`, `plan`) or one field of its
//! tables (`grade.tier`, `metrics.revenue_12m`, `contact.last`); a table's
//! name keeps all of its fields. `plan.actions` keeps a key account plan's
//! actions only (the agenda's overdue actions), not its people, suppliers
//! and prose.
//!
//! Declaring fields is a permission, not a demand: a host that does not
//! know the parameter sends every field, and the plugin reads that book
//! just the same.

use kehu_core::plan::Plan;
use kehu_core::{Contact, Customer, Grade, Metrics};

use crate::protocol::ProtocolError;

/// Every field a plugin may name, its tables' fields after the table: the
/// bit of a field in a mask is its position among the names without a
/// table of their own (`grade`, `metrics` and `contact` stand for theirs).
pub const FIELD_NAMES: [&str; 31] = [
    "name",
    "region",
    "industry",
    "owner",
    "since",
    "stage",
    "expected_close",
    "cadence",
    "grade",
    "grade.tier",
    "grade.abc",
    "grade.rfm",
    "grade.pipeline",
    "grade.loyalty",
    "grade.risk",
    "grade.pinned",
    "metrics",
    "metrics.revenue_12m",
    "metrics.revenue_total",
    "metrics.orders_total",
    "metrics.orders_12m",
    "metrics.first_order",
    "metrics.last_order",
    "metrics.satisfaction",
    "metrics.repurchase",
    "metrics.referral",
    "contact",
    "contact.last",
    "contact.channel",
    "plan",
    "plan.actions",
];

/// The tables whose name stands for all of their fields.
const TABLES: [&str; 3] = ["grade", "metrics", "contact"];

/// The bit of field `name` (a field of no table of its own), if any.
fn bit(name: &str) -> Option<u32> {
    FIELD_NAMES
        .iter()
        .filter(|n| !TABLES.contains(n))
        .position(|n| *n == name)
        .and_then(|at| u32::try_from(at).ok())
}

/// The fields of the customer file a plugin reads (see the module).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomerFields {
    names: Vec<String>,
    /// One bit per field kept, by [`bit`].
    keep: u64,
}

impl CustomerFields {
    /// The fields named (see [`FIELD_NAMES`]). An unknown name is an
    /// error: a plugin that misspelt a field would find it always empty.
    pub fn new<I, S>(names: I) -> Result<CustomerFields, ProtocolError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let names: Vec<String> = names.into_iter().map(Into::into).collect();
        if let Some(unknown) = names.iter().find(|n| !FIELD_NAMES.contains(&n.as_str())) {
            return Err(ProtocolError::InvalidField {
                what: "customer fields",
                reason: format!(
                    "no customer field `{unknown}` (known: {})",
                    FIELD_NAMES.join(", ")
                ),
            });
        }
        Ok(CustomerFields::from_names(names))
    }

    /// The fields a call names, as the host reads them: a name it does not
    /// know matches nothing (a newer plugin may name a field this host's
    /// customers do not have).
    pub fn from_names(names: Vec<String>) -> CustomerFields {
        let mut keep = 0u64;
        for name in &names {
            if TABLES.contains(&name.as_str()) {
                let prefix = format!("{name}.");
                for field in FIELD_NAMES.iter().filter(|f| f.starts_with(&prefix)) {
                    keep |= bit(field).map_or(0, |b| 1 << b);
                }
            } else {
                keep |= bit(name).map_or(0, |b| 1 << b);
            }
        }
        CustomerFields { names, keep }
    }

    /// The names, as the plugin gave them.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Whether field `name` (one of [`FIELD_NAMES`] without a table of its
    /// own) is kept.
    pub fn keeps(&self, name: &str) -> bool {
        bit(name).is_some_and(|b| self.keep & (1 << b) != 0)
    }

    /// Empties every field of `customer` that is not named (the id stays):
    /// for a host sending a book it owns and drops after.
    pub fn strip(&self, customer: &mut Customer) {
        // Every field named, so a field added to the model is a compile
        // error here rather than one always sent.
        let Customer {
            id: _,
            name,
            region,
            industry,
            owner,
            since,
            stage,
            expected_close,
            cadence,
            grade,
            metrics,
            contact,
            plan,
        } = customer;
        let Grade {
            tier,
            abc,
            rfm,
            pipeline,
            loyalty,
            risk,
            pinned,
        } = grade;
        let Metrics {
            revenue_12m,
            revenue_total,
            orders_total,
            orders_12m,
            first_order,
            last_order,
            satisfaction,
            repurchase,
            referral,
        } = metrics;
        let Contact { last, channel } = contact;
        let mut bits = (0..).map(|b: u32| self.keep & (1 << b) != 0);
        let mut next = || bits.next().unwrap_or(true);
        clear(name, next());
        clear(region, next());
        clear(industry, next());
        clear(owner, next());
        clear(since, next());
        clear(stage, next());
        clear(expected_close, next());
        clear(cadence, next());
        clear(tier, next());
        clear(abc, next());
        clear(rfm, next());
        clear(pipeline, next());
        clear(loyalty, next());
        clear(risk, next());
        clear(pinned, next());
        clear(revenue_12m, next());
        clear(revenue_total, next());
        clear(orders_total, next());
        clear(orders_12m, next());
        clear(first_order, next());
        clear(last_order, next());
        clear(satisfaction, next());
        clear(repurchase, next());
        clear(referral, next());
        clear(last, next());
        clear(channel, next());
        let (whole_plan, actions) = (next(), next());
        if !whole_plan {
            *plan = plan.take().filter(|_| actions).map(|kept| {
                Box::new(Plan {
                    actions: kept.actions,
                    ..Plan::default()
                })
            });
        }
    }

    /// A copy of `customer` with only the named fields: for a host that
    /// keeps its book.
    pub fn project(&self, customer: &Customer) -> Customer {
        let mut copy = customer.clone();
        self.strip(&mut copy);
        copy
    }
}

/// Resets `value` to its default unless it is kept.
fn clear<T: Default>(value: &mut T, kept: bool) {
    if !kept {
        drop(std::mem::take(value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::tests::full;

    #[test]
    fn named_fields_stay_and_the_rest_empty() {
        let fields =
            CustomerFields::new(["name", "grade.tier", "contact", "plan", "cadence"]).unwrap();
        let full = full();
        let slim = fields.project(&full);
        assert_eq!(slim.id, full.id);
        assert_eq!(slim.name, full.name);
        assert_eq!(slim.grade.tier, full.grade.tier);
        assert_eq!(slim.contact, full.contact);
        assert_eq!(slim.plan, full.plan);
        assert_eq!(slim.cadence, full.cadence);
        let emptied = Customer {
            id: full.id.clone(),
            name: full.name.clone(),
            cadence: full.cadence,
            grade: Grade {
                tier: full.grade.tier.clone(),
                ..Grade::default()
            },
            contact: full.contact.clone(),
            plan: full.plan.clone(),
            ..Customer::default()
        };
        assert_eq!(slim, emptied);
    }

    #[test]
    fn every_field_named_keeps_the_whole_customer() {
        let every = CustomerFields::new(FIELD_NAMES).unwrap();
        assert_eq!(every.project(&full()), full());
        let tables =
            CustomerFields::new(FIELD_NAMES.into_iter().filter(|n| !n.contains('.'))).unwrap();
        assert_eq!(tables.project(&full()), full());
        let none = CustomerFields::new(Vec::<String>::new()).unwrap();
        let bare = none.project(&full());
        assert_eq!(
            bare,
            Customer {
                id: full().id,
                ..Customer::default()
            }
        );
    }

    /// The dotted paths of the fields `customer` sets (a non-empty value).
    fn set_paths(customer: &Customer) -> Vec<String> {
        let json = serde_json::to_value(customer).unwrap();
        let mut out = Vec::new();
        for (key, value) in json.as_object().unwrap() {
            match value {
                serde_json::Value::Object(table) if TABLES.contains(&key.as_str()) => {
                    for (field, value) in table {
                        if !(value.is_null() || value == &serde_json::json!([])) {
                            out.push(format!("{key}.{field}"));
                        }
                    }
                }
                serde_json::Value::String(text) if text.is_empty() => {}
                serde_json::Value::Null => {}
                _ if key == "id" => {}
                _ => out.push(key.clone()),
            }
        }
        out
    }

    #[test]
    fn each_name_keeps_its_own_field() {
        let mut every = set_paths(&full());
        every.sort();
        // `plan.actions` is a part of `plan` (tested below).
        let mut leaves: Vec<&str> = FIELD_NAMES
            .into_iter()
            .filter(|n| !TABLES.contains(n) && *n != "plan.actions")
            .collect();
        leaves.sort_unstable();
        assert_eq!(every, leaves, "full() sets every field");
        for name in leaves {
            let one = CustomerFields::new([name]).unwrap();
            assert_eq!(set_paths(&one.project(&full())), [name]);
            assert!(one.keeps(name));
        }
    }

    #[test]
    fn plan_actions_keep_a_plans_actions_only() {
        let full = full();
        let actions = CustomerFields::new(["plan.actions"])
            .unwrap()
            .project(&full);
        let plan = actions.plan.as_deref().expect("the plan stays");
        assert!(!full.plan.as_ref().unwrap().actions.is_empty());
        assert_eq!(
            plan,
            &Plan {
                actions: full.plan.as_ref().unwrap().actions.clone(),
                ..Plan::default()
            }
        );
        assert_eq!(actions.name, "");
        let both = CustomerFields::new(["plan", "plan.actions"]).unwrap();
        assert_eq!(both.project(&full).plan, full.plan);
        let without = Customer {
            plan: None,
            ..full.clone()
        };
        let none = CustomerFields::new(["plan.actions"])
            .unwrap()
            .project(&without);
        assert_eq!(none.plan, None);
    }

    #[test]
    fn unknown_names_are_errors_for_plugins_and_nothing_for_hosts() {
        let error = CustomerFields::new(["grade.tierr"])
            .unwrap_err()
            .to_string();
        assert!(error.contains("no customer field `grade.tierr`"), "{error}");
        let lenient = CustomerFields::from_names(vec!["grade.tierr".into(), "name".into()]);
        assert!(lenient.keeps("name") && !lenient.keeps("grade.tier"));
        assert_eq!(lenient.names(), ["grade.tierr", "name"]);
    }
}
