//! Output formats for the agenda: grouped tables for people, CSV,
//! Markdown, and the `kehu.agenda/1` JSON document. Deterministic: the
//! run's day, never the clock; colour only when the host allows it.

use comfy_table::{Cell, Color, ContentArrangement, Table, presets};
use kehu_analytics::cadence::FollowUpStatus;
use kehu_core::Date;
use kehu_core::escape::{csv_safe, markdown_cell};
use kehu_plugin_sdk::PluginError;
use serde_json::{Value, json};

use crate::plan::{Item, View};

/// The version tag of the agenda's JSON document.
pub const JSON_SCHEMA: &str = "kehu.agenda/1";

const COLUMNS: [&str; 12] = [
    "day",
    "owner",
    "id",
    "name",
    "status",
    "channel",
    "last contact",
    "days",
    "cadence",
    "due",
    "urgency",
    "note",
];

/// The status in words.
pub fn status_word(status: FollowUpStatus) -> &'static str {
    match status {
        FollowUpStatus::NotDue => "not due",
        FollowUpStatus::Due => "due",
        FollowUpStatus::Overdue => "overdue",
    }
}

fn opt_day(day: Option<Date>) -> String {
    day.map_or(String::new(), |d| d.to_string())
}

/// A score as printed: at most two decimals, no trailing zeros.
pub fn score(x: f64) -> String {
    kehu_core::expr::format_number((x * 100.0).round() / 100.0 + 0.0)
}

fn cells(item: &Item) -> [String; 12] {
    [
        item.day.to_string(),
        item.owner.clone().unwrap_or_default(),
        item.id.clone(),
        item.name.clone(),
        status_word(item.status).to_owned(),
        item.channel.clone().unwrap_or_default(),
        item.last.day.map_or("never".to_owned(), |d| d.to_string()),
        item.days_since.map_or(String::new(), |d| d.to_string()),
        format!("{}/{}", item.cadence.ideal, item.cadence.max),
        opt_day(item.due_on),
        score(item.urgency.score),
        item.last.note.clone().unwrap_or_default(),
    ]
}

/// The group an item is shown under: its owner, or with `--days` its day
/// and owner.
fn group(item: &Item, view: &View) -> String {
    let owner = item.owner.as_deref().unwrap_or("(no owner)");
    if view.days.is_some() {
        format!("{} · {owner}", item.day)
    } else {
        owner.to_owned()
    }
}

fn groups<'a>(items: &[&'a Item], view: &View) -> Vec<(String, Vec<&'a Item>)> {
    let mut out: Vec<(String, Vec<&Item>)> = Vec::new();
    for item in items {
        let name = group(item, view);
        match out.last_mut() {
            Some((last, members)) if *last == name => members.push(item),
            _ => out.push((name, vec![item])),
        }
    }
    out
}

/// The heading line: what the view shows.
pub fn title(view: &View, as_of: Date, count: usize) -> String {
    let what = if view.overdue {
        "overdue".to_owned()
    } else if let Some(days) = view.days {
        format!("follow-ups {as_of} to {} ({days} d)", view.until(as_of))
    } else {
        format!("due and overdue on {as_of}")
    };
    let owner = view
        .owner
        .as_ref()
        .map_or(String::new(), |o| format!(" for {o}"));
    format!("Agenda{owner}: {what}, {count} customer(s)")
}

/// Tables for a terminal, one per group; overdue rows in yellow when
/// colour is allowed.
pub fn terminal(items: &[&Item], view: &View, as_of: Date, color: bool) -> String {
    let mut out = format!("{}\n", title(view, as_of, items.len()));
    for (name, members) in groups(items, view) {
        let mut table = new_table(&COLUMNS[2..], color);
        for item in members {
            let overdue = item.status == FollowUpStatus::Overdue;
            table.add_row(cells(item)[2..].iter().map(|text| {
                let cell = Cell::new(text);
                if color && overdue {
                    cell.fg(Color::Yellow)
                } else {
                    cell
                }
            }));
        }
        out.push_str(&format!("\n{name}\n{table}\n"));
    }
    out
}

/// An empty terminal table with this header; styled only when `color`.
pub(crate) fn new_table(header: &[&str], color: bool) -> Table {
    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(header.iter().map(Cell::new));
    if color {
        table.enforce_styling();
    } else {
        table.force_no_tty();
    }
    table
}

/// Markdown: a section per group.
pub fn markdown(items: &[&Item], view: &View, as_of: Date) -> String {
    let mut out = format!("## {}\n", title(view, as_of, items.len()));
    for (name, members) in groups(items, view) {
        out.push_str(&format!(
            "\n### {}\n\n| {} |\n|",
            markdown_cell(&name),
            COLUMNS[2..].join(" | ")
        ));
        out.push_str(&" --- |".repeat(COLUMNS.len() - 2));
        out.push('\n');
        for item in members {
            let row: Vec<String> = cells(item)[2..].iter().map(|c| markdown_cell(c)).collect();
            out.push_str(&format!("| {} |\n", row.join(" | ")));
        }
    }
    out
}

/// CSV, one row per follow-up with every column.
pub fn csv(items: &[&Item]) -> Result<String, PluginError> {
    let fail = |e: csv::Error| PluginError::Failed(format!("cannot write CSV: {e}"));
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(COLUMNS).map_err(fail)?;
    for item in items {
        writer
            .write_record(cells(item).iter().map(|c| csv_safe(c).into_owned()))
            .map_err(fail)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| PluginError::Failed(format!("cannot write CSV: {e}")))?;
    String::from_utf8(bytes).map_err(|e| PluginError::Failed(e.to_string()))
}

/// One item as JSON.
pub fn item_json(item: &Item) -> Value {
    json!({
        "id": item.id,
        "name": item.name,
        "owner": item.owner,
        "stage": item.stage,
        "day": item.day,
        "status": item.status,
        "channel": item.channel,
        "last_contact": item.last.day,
        "contact_field": item.last.field,
        "contact_logged": item.last.logged,
        "note": item.last.note,
        "days_since": item.days_since,
        "due_on": item.due_on,
        "overdue_on": item.overdue_on,
        "cadence": {"ideal": item.cadence.ideal, "max": item.cadence.max, "reason": item.cadence_reason},
        "urgency": item.urgency,
    })
}

/// The JSON document of a view.
pub fn json(
    items: &[&Item],
    view: &View,
    as_of: Date,
    without_cadence: &[String],
    plan_actions: Value,
) -> Result<String, PluginError> {
    let doc = json!({
        "schema": JSON_SCHEMA,
        "as_of": as_of,
        "view": {
            "owner": view.owner,
            "days": view.days,
            "overdue": view.overdue,
            "from": as_of,
            "until": view.until(as_of),
        },
        "items": items.iter().map(|i| item_json(i)).collect::<Vec<_>>(),
        "without_cadence": without_cadence,
        "plan_actions": plan_actions,
    });
    pretty(&doc)
}

/// A pretty JSON document with a final newline.
pub fn pretty(doc: &Value) -> Result<String, PluginError> {
    let mut text = serde_json::to_string_pretty(doc)
        .map_err(|e| PluginError::Failed(format!("cannot write JSON: {e}")))?;
    text.push('\n');
    Ok(text)
}

/// `--explain ID` in words.
pub fn explain_text(item: &Item, as_of: Date) -> String {
    let mut out = format!("{} ({}) as of {as_of}\n", item.id, item.name);
    out.push_str(&format!(
        "  cadence:      {} → ideal {} d, max {} d\n",
        item.cadence_reason, item.cadence.ideal, item.cadence.max
    ));
    out.push_str(&format!(
        "  last contact: {} ([contact].last {}, latest contact commit {})\n",
        item.last.day.map_or("never".to_owned(), |d| d.to_string()),
        item.last
            .field
            .map_or("absent".to_owned(), |d| d.to_string()),
        item.last
            .logged
            .map_or("none".to_owned(), |d| d.to_string()),
    ));
    if let Some(note) = &item.last.note {
        out.push_str(&format!("  note:         {note}\n"));
    }
    out.push_str(&format!(
        "  status:       {} (due from {}, overdue from {})\n",
        status_word(item.status),
        item.due_on.map_or("now".to_owned(), |d| d.to_string()),
        item.overdue_on.map_or("now".to_owned(), |d| d.to_string()),
    ));
    out.push_str(&format!(
        "  urgency:      {}\n                (weight × (days past ideal + step past max); higher first, ties by id)\n",
        item.urgency
    ));
    out
}
