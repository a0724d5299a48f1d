//! Overdue key account plan actions: an open `[[plan.actions]]` entry whose
//! due day has passed goes on the agenda of the action's own owner (who may
//! not be the customer's account manager), below the follow-ups.

use kehu_core::{Customer, Date};
use serde_json::{Value, json};

use kehu_core::escape::markdown_cell as md;

use crate::render::table;

/// One overdue plan action.
#[derive(Clone, Debug, PartialEq)]
pub struct ActionItem {
    /// The action's owner.
    pub owner: String,
    /// The customer whose plan holds it.
    pub id: String,
    /// The customer's name.
    pub name: String,
    /// What is to be done.
    pub what: String,
    /// The due day.
    pub due: Date,
    /// Days past the due day.
    pub days_overdue: i64,
}

const COLUMNS: [&str; 5] = ["owner", "id", "what", "due", "days overdue"];

/// The overdue actions of every plan, for one owner when `owner` is given,
/// ordered by owner, due day (oldest first), customer and position.
pub fn overdue(customers: &[Customer], as_of: Date, owner: Option<&str>) -> Vec<ActionItem> {
    let mut out = Vec::new();
    for customer in customers {
        let Some(plan) = &customer.plan else {
            continue;
        };
        for (_, action) in plan.overdue_actions(as_of) {
            let (Some(who), Some(due)) = (&action.owner, action.due) else {
                continue;
            };
            if owner.is_some_and(|o| o != who) {
                continue;
            }
            out.push(ActionItem {
                owner: who.clone(),
                id: customer.id.clone(),
                name: customer.name.clone(),
                what: action.what.clone(),
                due,
                days_overdue: due.days_until(as_of),
            });
        }
    }
    // A stable sort keeps the plan's own order for equal keys.
    out.sort_by(|a, b| (&a.owner, a.due, &a.id).cmp(&(&b.owner, b.due, &b.id)));
    out
}

fn cells(item: &ActionItem) -> [String; 5] {
    [
        item.owner.clone(),
        item.id.clone(),
        item.what.clone(),
        item.due.to_string(),
        item.days_overdue.to_string(),
    ]
}

/// The section for a terminal; empty when there is nothing overdue.
pub fn terminal(items: &[ActionItem], color: bool) -> String {
    if items.is_empty() {
        return String::new();
    }
    let drawn = table(&COLUMNS, items.iter().map(|i| (cells(i), false)), color);
    format!(
        "\nOverdue plan actions, {} action(s)\n{drawn}\n",
        items.len()
    )
}

/// The section in Markdown; empty when there is nothing overdue.
pub fn markdown(items: &[ActionItem]) -> String {
    if items.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "\n### Overdue plan actions, {} action(s)\n\n| {} |\n|{}\n",
        items.len(),
        COLUMNS.join(" | "),
        " --- |".repeat(COLUMNS.len())
    );
    for item in items {
        let row: Vec<String> = cells(item).iter().map(|c| md(c)).collect();
        out.push_str(&format!("| {} |\n", row.join(" | ")));
    }
    out
}

/// The actions as JSON rows.
pub fn json(items: &[ActionItem]) -> Value {
    Value::Array(
        items
            .iter()
            .map(|i| {
                json!({
                    "owner": i.owner,
                    "id": i.id,
                    "name": i.name,
                    "what": i.what,
                    "due": i.due,
                    "days_overdue": i.days_overdue,
                })
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use kehu_core::plan::{Action, Plan};
    use kehu_core::{Config, Customer, Date};
    use kehu_plugin_sdk::testing::{TestHost, run_plugin};
    use serde_json::{Value, json};

    use crate::Agenda;

    fn day(text: &str) -> Date {
        text.parse().unwrap()
    }

    fn action(what: &str, owner: Option<&str>, due: &str, done: Option<&str>) -> Action {
        Action {
            what: what.into(),
            owner: owner.map(str::to_owned),
            due: Some(day(due)),
            done: done.map(day),
        }
    }

    /// As of 2026-11-18: acme has two overdue open actions (bob's from
    /// 11-01, 17 days; ann's from 11-10, 8 days), one done and one not yet
    /// due; beta has one of ann's from 11-17 (1 day). Four shown, three of
    /// them ann's and bob's.
    fn host() -> TestHost {
        let acme = Customer {
            id: "acme".into(),
            name: "ACME".into(),
            owner: Some("ann".into()),
            stage: "won".into(),
            plan: Some(Box::new(Plan {
                actions: vec![
                    action("QBR", Some("ann"), "2026-11-10", None),
                    action("Plant visit", Some("bob"), "2026-11-01", None),
                    action("Samples", Some("ann"), "2026-10-01", Some("2026-09-30")),
                    action("Pricing", Some("ann"), "2026-11-18", None),
                ],
                ..Plan::default()
            })),
            ..Customer::default()
        };
        let beta = Customer {
            id: "beta".into(),
            name: "Beta".into(),
            owner: Some("bob".into()),
            stage: "won".into(),
            plan: Some(Box::new(Plan {
                actions: vec![action("Call CFO", Some("ann"), "2026-11-17", None)],
                ..Plan::default()
            })),
            ..Customer::default()
        };
        TestHost::new(day("2026-11-18"))
            .with_config(serde_json::to_value(Config::default()).unwrap())
            .with_customers(vec![acme, beta])
    }

    fn json_of(args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.extend(["--format", "json"]);
        let response = run_plugin::<Agenda>(&host(), "agenda", &all).unwrap();
        assert_eq!(response.exit_code, 0, "{}", response.stderr);
        serde_json::from_str(&response.stdout).unwrap()
    }

    #[test]
    fn overdue_plan_actions_go_to_their_owners_agenda() {
        let doc = json_of(&[]);
        assert_eq!(
            doc["plan_actions"],
            json!([
                {"owner": "ann", "id": "acme", "name": "ACME", "what": "QBR", "due": "2026-11-10", "days_overdue": 8},
                {"owner": "ann", "id": "beta", "name": "Beta", "what": "Call CFO", "due": "2026-11-17", "days_overdue": 1},
                {"owner": "bob", "id": "acme", "name": "ACME", "what": "Plant visit", "due": "2026-11-01", "days_overdue": 17},
            ])
        );
        // bob's agenda holds his action on ann's customer, not ann's on his.
        let bob = json_of(&["--owner", "bob"]);
        let whats: Vec<&str> = bob["plan_actions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["what"].as_str().unwrap())
            .collect();
        assert_eq!(whats, ["Plant visit"]);
    }

    #[test]
    fn the_table_lists_them_below_the_follow_ups() {
        let response = run_plugin::<Agenda>(&host(), "agenda", &["--owner", "ann"]).unwrap();
        let text = response.stdout;
        let at = text.find("Overdue plan actions, 2 action(s)").unwrap();
        assert!(text[at..].contains("QBR"));
        assert!(text[at..].contains("Call CFO"));
        assert!(!text[at..].contains("Plant visit"));
    }
}
