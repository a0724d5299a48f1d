//! Output formats for the agenda: grouped tables for people, CSV,
//! Markdown, and the `kehu.agenda/1` JSON document. Deterministic: the
//! run's day, never the clock; colour only when the host allows it.

use std::fmt::Write as _;

use chrono::Datelike;
use std::io::{self, Write};

use kehu_analytics::cadence::FollowUpStatus;
use kehu_core::Date;
use kehu_core::escape::{csv_safe, markdown_cell};
use kehu_plugin_sdk::PluginError;
use serde_json::{Value, json};

use crate::plan::{Item, View};
use crate::table::{Grid, text_width};

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

/// A score as printed: at most two decimals, no trailing zeros.
pub fn score(x: f64) -> String {
    kehu_core::expr::format_number((x * 100.0).round() / 100.0 + 0.0)
}

/// A row's cells, every column.
type Cells = [String; 12];

fn cells(item: &Item<'_>) -> Cells {
    let mut cells = Cells::default();
    fill_cells(item, &mut cells);
    cells
}

/// Writes `item`'s cells into `cells`, reusing their buffers: a table of
/// every customer is drawn without a string allocated per cell.
fn fill_cells(item: &Item<'_>, cells: &mut Cells) {
    for cell in cells.iter_mut() {
        cell.clear();
    }
    // Writing into a String cannot fail.
    let _ = write!(cells[0], "{}", item.day);
    cells[1].push_str(item.owner.unwrap_or_default());
    cells[2].push_str(item.id);
    cells[3].push_str(item.name);
    cells[4].push_str(status_word(item.status));
    cells[5].push_str(item.channel.unwrap_or_default());
    let _ = match item.last.day {
        Some(day) => write!(cells[6], "{day}"),
        None => write!(cells[6], "never"),
    };
    if let Some(days) = item.days_since {
        let _ = write!(cells[7], "{days}");
    }
    let _ = write!(cells[8], "{}/{}", item.cadence.ideal, item.cadence.max);
    if let Some(due) = item.due_on {
        let _ = write!(cells[9], "{due}");
    }
    cells[10].push_str(&score(item.urgency.score));
    cells[11].push_str(item.last.note.as_deref().unwrap_or_default());
}

/// Characters of `n` written in decimal.
fn digits(n: i64) -> usize {
    let sign = usize::from(n < 0);
    sign + n
        .unsigned_abs()
        .checked_ilog10()
        .map_or(1, |d| d as usize + 1)
}

/// Characters of `day` as written.
fn day_width(day: Date) -> usize {
    if (0..=9999).contains(&day.0.year()) {
        10
    } else {
        day.to_string().len()
    }
}

/// Widens `grid` (the table's columns, from `id`) to fit `item`'s row
/// without writing the cells whose width is known (days and numbers):
/// the rows of a large agenda are measured, then written, and measuring
/// this way costs a fraction of writing. Tests check it against the
/// widths of the written cells.
fn measure_row(grid: &mut Grid, item: &Item<'_>) {
    let widths = [
        text_width(item.id),
        text_width(item.name),
        status_word(item.status).len(),
        text_width(item.channel.unwrap_or_default()),
        item.last.day.map_or("never".len(), day_width),
        item.days_since.map_or(0, digits),
        digits(i64::from(item.cadence.ideal)) + 1 + digits(i64::from(item.cadence.max)),
        item.due_on.map_or(0, day_width),
        text_width(&score(item.urgency.score)),
        text_width(item.last.note.as_deref().unwrap_or_default()),
    ];
    for (column, width) in widths.into_iter().enumerate() {
        grid.fit(column, width);
    }
}

/// The group an item is shown under: its owner, or with `--days` its day
/// and owner.
fn group(item: &Item<'_>, view: &View) -> String {
    let owner = item.owner.unwrap_or("(no owner)");
    if view.days.is_some() {
        format!("{} · {owner}", item.day)
    } else {
        owner.to_owned()
    }
}

fn groups<'a, 'c>(items: &[&'a Item<'c>], view: &View) -> Vec<(String, Vec<&'a Item<'c>>)> {
    let mut out: Vec<(String, Vec<&Item<'c>>)> = Vec::new();
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
pub fn terminal(items: &[&Item<'_>], view: &View, as_of: Date, color: bool) -> String {
    let mut out = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = write_terminal(items, view, as_of, color, &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// [`terminal`] written to `out` as it is drawn (an agenda of every
/// customer runs to tens of megabytes): each group's rows are measured,
/// then written.
pub fn write_terminal(
    items: &[&Item<'_>],
    view: &View,
    as_of: Date,
    color: bool,
    out: &mut impl Write,
) -> io::Result<()> {
    writeln!(out, "{}", title(view, as_of, items.len()))?;
    let header = &COLUMNS[2..];
    let mut cells = Cells::default();
    for (name, members) in groups(items, view) {
        let mut grid = Grid::new(header);
        for item in &members {
            measure_row(&mut grid, item);
        }
        write!(out, "\n{name}\n")?;
        grid.head(out, header)?;
        for item in &members {
            fill_cells(item, &mut cells);
            let overdue = item.status == FollowUpStatus::Overdue;
            grid.row(out, &cells[2..], color && overdue)?;
        }
        grid.foot(out)?;
        writeln!(out)?;
    }
    Ok(())
}

/// A whole terminal table: `header`, then `rows` (each with whether it is
/// drawn in yellow, when `color`), without a final newline.
pub(crate) fn table<R: AsRef<[String]>>(
    header: &[&str],
    rows: impl Iterator<Item = (R, bool)> + Clone,
    color: bool,
) -> String {
    let mut grid = Grid::new(header);
    for (cells, _) in rows.clone() {
        grid.measure(cells.as_ref());
    }
    let mut out = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = (|| -> io::Result<()> {
        grid.head(&mut out, header)?;
        for (cells, yellow) in rows {
            grid.row(&mut out, cells.as_ref(), color && yellow)?;
        }
        grid.foot(&mut out)
    })();
    String::from_utf8_lossy(&out).into_owned()
}

/// Markdown: a section per group.
pub fn markdown(items: &[&Item<'_>], view: &View, as_of: Date) -> String {
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
pub fn csv(items: &[&Item<'_>]) -> Result<String, PluginError> {
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
pub fn item_json(item: &Item<'_>) -> Value {
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
        "cadence": {"ideal": item.cadence.ideal, "max": item.cadence.max, "reason": item.cadence_reason()},
        "urgency": item.urgency,
    })
}

/// The JSON document of a view.
pub fn json(
    items: &[&Item<'_>],
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
pub fn explain_text(item: &Item<'_>, as_of: Date) -> String {
    let mut out = format!("{} ({}) as of {as_of}\n", item.id, item.name);
    out.push_str(&format!(
        "  cadence:      {} → ideal {} d, max {} d\n",
        item.cadence_reason(),
        item.cadence.ideal,
        item.cadence.max
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

#[cfg(test)]
mod tests {
    use kehu_analytics::policy::Policy;
    use kehu_core::{Config, Customer};
    use kehu_plugin_sdk::{LastContacts, LoggedContact};

    use super::*;
    use crate::contacts::Contacts;
    use crate::plan::plan;

    fn day(text: &str) -> Date {
        text.parse().unwrap()
    }

    /// Measuring a row without writing it gives the widths of the cells
    /// written: never contacted, contacted after the run's day (negative
    /// days), a due day past year 9999, wide and multi-line text, notes.
    #[test]
    fn rows_measure_as_they_are_written() {
        let customer =
            |id: &str, name: &str, tier: &str, pipeline: Option<&str>, last: Option<&str>| {
                let mut c = Customer {
                    id: id.into(),
                    name: name.into(),
                    owner: (id != "b").then(|| "ann".into()),
                    stage: "won".into(),
                    ..Customer::default()
                };
                c.grade.tier = Some(tier.into());
                c.grade.pipeline = pipeline.map(Into::into);
                c.contact.last = last.map(day);
                c
            };
        let customers = vec![
            customer("a", "ACME", "strategic", Some("A"), None),
            customer(
                "b",
                "中山钢铁\ntwo lines",
                "small",
                Some("E"),
                Some("2026-12-24"),
            ),
            customer("c", "Café ✓", "key", None, Some("9999-12-31")),
            customer("d", "D", "ordinary", Some("C"), Some("1999-01-01")),
            customer("e", "E", "small", None, Some("2026-11-01")),
        ];
        let logged = LastContacts {
            schema: String::new(),
            customers: vec![LoggedContact {
                id: "e".into(),
                contact: Some(day("2026-11-10")),
                field: None,
            }],
        };
        let policy = Policy::from_config(&Config::default()).unwrap();
        let contacts = Contacts::from_answer(logged);
        let since = Some(day("2025-11-18"));
        let planned = plan(&policy, &customers, &contacts, since, day("2026-11-18"), 30);
        assert_eq!(planned.items.len(), customers.len());
        assert!(planned.items.iter().any(|i| i.last.note.is_some()));
        let header = &COLUMNS[2..];
        let mut cells = Cells::default();
        for item in &planned.items {
            let mut measured = Grid::new(header);
            measure_row(&mut measured, item);
            fill_cells(item, &mut cells);
            let mut written = Grid::new(header);
            written.measure(&cells[2..]);
            assert_eq!(measured, written, "{cells:?}");
        }
        assert_eq!(digits(0), 1);
        assert_eq!(digits(-10), 3);
        assert_eq!(digits(i64::MIN), 20);
    }
}
