//! Service levels on the agenda: the channel each follow-up should use (the
//! first preferred channel of the customer's tier, kehu.toml `[[tiers]]
//! service`), and `--batch`, the pooled customers due or overdue for a
//! standard mass contact, one list per channel, as CSV ready for a mailing
//! tool.

use std::collections::BTreeMap;

use kehu_analytics::cadence::FollowUpStatus;
use kehu_analytics::service::service_of;
use kehu_core::{Config, Date};
use kehu_plugin_sdk::PluginError;
use serde_json::{Value, json};

use crate::plan::{Item, Plan};
use kehu_core::escape::{csv_safe, markdown_cell as md};

use crate::render::{JSON_SCHEMA, pretty, status_word, table};

/// One customer of a batch list.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchRow<'p> {
    /// The follow-up.
    pub item: &'p Item<'p>,
    /// The customer's region.
    pub region: Option<&'p str>,
}

/// The batch lists: pooled customers (service model `pool`) due or overdue,
/// by suggested channel, each in urgency order; `channel` keeps one list,
/// `owner` one owner's (or pool's) customers.
pub fn lists<'p>(
    config: &Config,
    plan: &'p Plan<'p>,
    channel: Option<&str>,
    owner: Option<&str>,
) -> BTreeMap<String, Vec<BatchRow<'p>>> {
    let mut out: BTreeMap<String, Vec<BatchRow<'p>>> = BTreeMap::new();
    for item in plan.items() {
        if item.status == FollowUpStatus::NotDue || owner.is_some_and(|o| item.owner != Some(o)) {
            continue;
        }
        let customer = item.customer;
        let Some(served) = service_of(config, customer.grade.tier.as_deref()) else {
            continue;
        };
        let Some(suggested) = served.channel() else {
            continue;
        };
        if !served.is_pooled() || channel.is_some_and(|c| c != suggested) {
            continue;
        }
        out.entry(suggested.to_owned()).or_default().push(BatchRow {
            item,
            region: customer.region.as_deref(),
        });
    }
    out
}

const COLUMNS: [&str; 7] = [
    "id",
    "name",
    "owner",
    "region",
    "status",
    "last contact",
    "due",
];

fn cells(row: &BatchRow<'_>) -> [String; 7] {
    let item = row.item;
    [
        item.id.to_owned(),
        item.name.to_owned(),
        item.owner.unwrap_or_default().to_owned(),
        row.region.unwrap_or_default().to_owned(),
        status_word(item.status).to_owned(),
        item.last.day.map_or("never".to_owned(), |d| d.to_string()),
        item.due_on.map_or(String::new(), |d| d.to_string()),
    ]
}

fn count(lists: &BTreeMap<String, Vec<BatchRow<'_>>>) -> usize {
    lists.values().map(Vec::len).sum()
}

/// A table per channel.
pub fn terminal(lists: &BTreeMap<String, Vec<BatchRow<'_>>>, as_of: Date, color: bool) -> String {
    let mut out = format!(
        "Batch contacts on {as_of}: {} pooled customer(s) due, {} list(s)\n",
        count(lists),
        lists.len()
    );
    for (channel, rows) in lists {
        let drawn = table(&COLUMNS, rows.iter().map(|r| (cells(r), false)), color);
        out.push_str(&format!("\n{channel} ({})\n{drawn}\n", rows.len()));
    }
    out
}

/// A section per channel.
pub fn markdown(lists: &BTreeMap<String, Vec<BatchRow<'_>>>, as_of: Date) -> String {
    let mut out = format!(
        "## Batch contacts on {as_of}: {} pooled customer(s) due\n",
        count(lists)
    );
    for (channel, rows) in lists {
        out.push_str(&format!(
            "\n### {} ({})\n\n| {} |\n|{}\n",
            md(channel),
            rows.len(),
            COLUMNS.join(" | "),
            " --- |".repeat(COLUMNS.len())
        ));
        for row in rows {
            let cells: Vec<String> = cells(row).iter().map(|c| md(c)).collect();
            out.push_str(&format!("| {} |\n", cells.join(" | ")));
        }
    }
    out
}

/// CSV: with one channel (`--channel`), that list alone; otherwise every
/// list with the channel as the first column.
pub fn csv(
    lists: &BTreeMap<String, Vec<BatchRow<'_>>>,
    one_channel: bool,
) -> Result<String, PluginError> {
    let fail = |e: csv::Error| PluginError::Failed(format!("cannot write CSV: {e}"));
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<&str> = Vec::new();
    if !one_channel {
        header.push("channel");
    }
    header.extend(COLUMNS);
    writer.write_record(&header).map_err(fail)?;
    for (channel, rows) in lists {
        for row in rows {
            let mut record: Vec<String> = Vec::new();
            if !one_channel {
                record.push(channel.clone());
            }
            record.extend(cells(row).iter().map(|c| csv_safe(c).into_owned()));
            writer.write_record(&record).map_err(fail)?;
        }
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| PluginError::Failed(format!("cannot write CSV: {e}")))?;
    String::from_utf8(bytes).map_err(|e| PluginError::Failed(e.to_string()))
}

/// `{"schema", "as_of", "batch": {channel: [rows]}}`.
pub fn json(
    lists: &BTreeMap<String, Vec<BatchRow<'_>>>,
    as_of: Date,
) -> Result<String, PluginError> {
    let batch: serde_json::Map<String, Value> = lists
        .iter()
        .map(|(channel, rows)| {
            let rows: Vec<Value> = rows
                .iter()
                .map(|r| {
                    json!({
                        "id": r.item.id,
                        "name": r.item.name,
                        "owner": r.item.owner,
                        "region": r.region,
                        "status": r.item.status,
                        "last_contact": r.item.last.day,
                        "due_on": r.item.due_on,
                    })
                })
                .collect();
            (channel.clone(), Value::Array(rows))
        })
        .collect();
    pretty(&json!({"schema": JSON_SCHEMA, "as_of": as_of, "batch": batch}))
}

#[cfg(test)]
mod tests {
    use kehu_core::{Config, Customer, Date};
    use kehu_plugin_sdk::testing::{TestHost, run_plugin};
    use serde_json::Value;

    use crate::Agenda;

    fn day(text: &str) -> Date {
        text.parse().unwrap()
    }

    fn customer(id: &str, tier: &str, owner: &str, last: Option<&str>) -> Customer {
        let mut c = Customer {
            id: id.into(),
            name: id.to_uppercase(),
            owner: Some(owner.into()),
            region: Some("east".into()),
            stage: "won".into(),
            ..Customer::default()
        };
        c.grade.tier = Some(tier.into());
        c.contact.last = last.map(day);
        c
    }

    /// As of 2026-11-18, default tiers: acme strategic {14, 30}, last 39 d →
    /// overdue, visit. small {180, 365}: s1 never contacted → overdue; s2 200
    /// d → due; s3 10 d → not due. ord ordinary {90, 180}, 100 d → due, call.
    fn host() -> TestHost {
        let mut s2 = customer("s2", "small", "pool-east", Some("2026-05-02"));
        s2.region = None;
        TestHost::new(day("2026-11-18"))
            .with_config(serde_json::to_value(Config::default()).unwrap())
            .with_customers(vec![
                customer("acme", "strategic", "ann", Some("2026-10-10")),
                customer("ord", "ordinary", "bob", Some("2026-08-10")),
                customer("s1", "small", "pool-east", None),
                s2,
                customer("s3", "small", "pool-east", Some("2026-11-08")),
            ])
    }

    fn run(args: &[&str]) -> String {
        let response = run_plugin::<Agenda>(&host(), "agenda", args).unwrap();
        assert_eq!(response.exit_code, 0, "{}", response.stderr);
        response.stdout
    }

    #[test]
    fn every_follow_up_carries_its_tiers_channel() {
        let doc: Value = serde_json::from_str(&run(&["--format", "json"])).unwrap();
        let channels: Vec<(&str, &str)> = doc["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| (i["id"].as_str().unwrap(), i["channel"].as_str().unwrap()))
            .collect();
        assert_eq!(
            channels,
            [
                ("acme", "visit"),
                ("ord", "call"),
                ("s1", "email"),
                ("s2", "email")
            ]
        );
    }

    #[test]
    fn batch_lists_the_pooled_customers_due_per_channel() {
        // s1 (overdue, never contacted) first by urgency, then s2; s3 is not
        // due, acme and ord are served by dedicated managers.
        assert_eq!(
            run(&["--batch", "--channel", "email", "--format", "csv"]),
            "id,name,owner,region,status,last contact,due\n\
             s1,S1,pool-east,east,overdue,never,\n\
             s2,S2,pool-east,,due,2026-05-02,2026-10-29\n"
        );
        assert_eq!(
            run(&["--batch", "--format", "csv"]).lines().next(),
            Some("channel,id,name,owner,region,status,last contact,due")
        );
        assert_eq!(
            run(&["--batch", "--channel", "message", "--format", "csv"]),
            "id,name,owner,region,status,last contact,due\n"
        );
        let table = run(&["--batch"]);
        assert!(
            table.starts_with("Batch contacts on 2026-11-18: 2 pooled customer(s) due, 1 list(s)"),
            "{table}"
        );
    }
}
