//! Output formats for the agenda: grouped tables for people, CSV,
//! Markdown, and the `kehu.agenda/1` JSON document. Deterministic: the
//! run's day, never the clock; colour only when the host allows it.

use std::fmt::Write as _;

use chrono::Datelike;
use std::io::{self, Write};

use kehu_analytics::cadence::FollowUpStatus;
use kehu_analytics::urgency::Urgency;
use kehu_core::Date;
use kehu_core::escape::{csv_safe, markdown_cell};
use kehu_plugin_sdk::{PluginError, json};
use serde::Serialize;
use serde_json::Value;

use std::ops::Range;

use rayon::prelude::*;

use crate::plan::{Item, View};
use kehu_plugin_sdk::table::{Grid, line_width, printable_ascii, text_width};

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
fn measure_row(grid: &mut Grid, item: &Item<'_>, scratch: &mut Scratch) {
    let widths = [
        text_width(item.id),
        text_width(item.name),
        status_word(item.status).len(),
        text_width(item.channel.unwrap_or_default()),
        item.last.day.map_or("never".len(), day_width),
        item.days_since.map_or(0, digits),
        digits(i64::from(item.cadence.ideal)) + 1 + digits(i64::from(item.cadence.max)),
        item.due_on.map_or(0, day_width),
        text_width(scratch.score.text(item.urgency.score)),
        text_width(item.last.note.as_deref().unwrap_or_default()),
    ];
    for (column, width) in widths.into_iter().enumerate() {
        grid.fit(column, width);
    }
}

/// The group an item is shown under: its owner, or with `--days` its day
/// and owner.
fn group(item: &Item<'_>, view: &View) -> String {
    let owner = group_owner(item);
    if view.days.is_some() {
        format!("{} · {owner}", item.day)
    } else {
        owner.to_owned()
    }
}

fn group_owner<'c>(item: &Item<'c>) -> &'c str {
    item.owner.unwrap_or("(no owner)")
}

/// The groups of `items` (already in group order): each group's name and
/// its range of positions.
fn group_ranges(items: &[&Item<'_>], view: &View) -> Vec<(String, Range<usize>)> {
    let by_days = view.days.is_some();
    let mut out: Vec<(String, Range<usize>)> = Vec::new();
    for (at, item) in items.iter().enumerate() {
        let same = at > 0 && {
            let before = items[at - 1];
            group_owner(before) == group_owner(item) && (!by_days || before.day == item.day)
        };
        match out.last_mut() {
            Some((_, range)) if same => range.end = at + 1,
            _ => out.push((group(item, view), at..at + 1)),
        }
    }
    out
}

fn groups<'a, 'c>(items: &[&'a Item<'c>], view: &View) -> Vec<(String, Vec<&'a Item<'c>>)> {
    group_ranges(items, view)
        .into_iter()
        .map(|(name, range)| (name, items[range].to_vec()))
        .collect()
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

/// Rows measured or drawn by one task.
const ROWS_PER_TASK: usize = 2048;
/// Rows drawn before they are written out: bounds the memory the drawn
/// text takes while tasks run in parallel.
const ROWS_PER_BATCH: usize = 8 * ROWS_PER_TASK;

/// [`terminal`] written to `out` as it is drawn (an agenda of every
/// customer runs to tens of megabytes): each group's rows are measured,
/// then drawn, in parallel tasks of consecutive rows whose text is written
/// out in order.
pub fn write_terminal(
    items: &[&Item<'_>],
    view: &View,
    as_of: Date,
    color: bool,
    out: &mut impl Write,
) -> io::Result<()> {
    writeln!(out, "{}", title(view, as_of, items.len()))?;
    let header = &COLUMNS[2..];
    let groups = group_ranges(items, view);
    let grids = measure_groups(items, &groups, header);
    let starts: Vec<usize> = groups.iter().map(|(_, range)| range.start).collect();
    let draw = |from: usize, to: usize| -> io::Result<Vec<u8>> {
        touch(&items[from..to]);
        let mut text = Vec::new();
        let mut scratch = Scratch::default();
        let mut g = starts
            .partition_point(|&start| start <= from)
            .saturating_sub(1);
        for (at, item) in items.iter().enumerate().take(to).skip(from) {
            if groups.get(g + 1).is_some_and(|(_, r)| r.start == at) {
                g += 1;
            }
            let (name, range) = &groups[g];
            let grid = &grids[g];
            if at == range.start {
                write!(text, "\n{name}\n")?;
                grid.head(&mut text, header)?;
            }
            draw_row(
                grid,
                item,
                color && item.status == FollowUpStatus::Overdue,
                &mut scratch,
                &mut text,
            )?;
            if at + 1 == range.end {
                grid.foot(&mut text)?;
                text.push(b'\n');
            }
        }
        Ok(text)
    };
    write_in_order(items.len(), out, draw)
}

/// Each group's grid (`groups`: names and ranges of `items`). The rows are
/// measured in the order the items lie in memory (a plan keeps them in
/// the book's order, the customers' text too), not in the order shown:
/// reading a hundred thousand items and their text in a shuffled order
/// costs most of measuring them.
fn measure_groups(
    items: &[&Item<'_>],
    groups: &[(String, Range<usize>)],
    header: &[&str],
) -> Vec<Grid> {
    let mut in_memory: Vec<(&Item<'_>, usize)> = Vec::with_capacity(items.len());
    for (g, (_, range)) in groups.iter().enumerate() {
        in_memory.extend(items[range.clone()].iter().map(|&item| (item, g)));
    }
    in_memory.par_sort_unstable_by_key(|&(item, _)| std::ptr::from_ref(item).addr());
    let fresh = || vec![Grid::new(header); groups.len()];
    in_memory
        .par_chunks(ROWS_PER_TASK)
        .map(|rows| {
            let mut grids = fresh();
            let mut scratch = Scratch::default();
            for &(item, g) in rows {
                measure_row(&mut grids[g], item, &mut scratch);
            }
            grids
        })
        .reduce(fresh, |mine, theirs| {
            mine.into_iter()
                .zip(theirs)
                .map(|(a, b)| a.widest(b))
                .collect()
        })
}

/// Reads what drawing `items` reads, in a loop that does nothing else:
/// the rows are in the order shown, scattered in memory, and the loads of
/// a short loop overlap where those of the long drawing of a row wait one
/// after the other. Drawing then finds them in the cache.
pub(crate) fn touch(items: &[&Item<'_>]) {
    for item in items {
        std::hint::black_box((
            (item.id.as_bytes().first(), item.name.as_bytes().first()),
            (item.owner, item.stage, item.channel),
            (&item.last, item.last.note.as_ref().map(String::len)),
            (item.status, item.days_since, item.day),
            (item.due_on, item.overdue_on),
            (item.cadence, item.choice, item.urgency),
        ));
    }
}

/// Writes `count` rows to `out` in order: tasks of [`ROWS_PER_TASK`]
/// consecutive rows are drawn in parallel by `draw(from, to)` (rows
/// `from..to`), at most [`ROWS_PER_BATCH`] rows ahead of what is written.
pub(crate) fn write_in_order(
    count: usize,
    out: &mut impl Write,
    draw: impl Fn(usize, usize) -> io::Result<Vec<u8>> + Sync,
) -> io::Result<()> {
    for batch in (0..count).step_by(ROWS_PER_BATCH) {
        let end = (batch + ROWS_PER_BATCH).min(count);
        let texts: Vec<io::Result<Vec<u8>>> = (batch..end)
            .step_by(ROWS_PER_TASK)
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|from| draw(from, (from + ROWS_PER_TASK).min(end)))
            .collect();
        for text in texts {
            out.write_all(&text?)?;
        }
    }
    Ok(())
}

/// Reused buffers for drawing rows: the cells of a row drawn the slow way,
/// the text of numbers and days, and the last urgency score written (rows
/// in urgency order often share their score).
#[derive(Default)]
struct Scratch {
    cells: Cells,
    numbers: String,
    score: LastScore,
}

/// The last urgency score written and its text.
#[derive(Default)]
struct LastScore(Option<(u64, String)>);

impl LastScore {
    /// The score as printed ([`score`]), written once per distinct score.
    fn text(&mut self, x: f64) -> &str {
        let bits = x.to_bits();
        if self.0.as_ref().is_none_or(|(b, _)| *b != bits) {
            self.0 = Some((bits, score(x)));
        }
        self.0.as_ref().map_or("", |(_, text)| text.as_str())
    }
}

/// Draws `item`'s row: straight from the item when every text cell is one
/// line (writing the cells only to read them back costs most of drawing a
/// large agenda), else through [`fill_cells`] and [`Grid::row`].
fn draw_row(
    grid: &Grid,
    item: &Item<'_>,
    yellow: bool,
    scratch: &mut Scratch,
    out: &mut Vec<u8>,
) -> io::Result<()> {
    let note = item.last.note.as_deref().unwrap_or_default();
    let channel = item.channel.unwrap_or_default();
    let texts = [item.id, item.name, channel, note];
    let widths = if texts.iter().all(|t| printable_ascii(t)) {
        texts.map(str::len)
    } else if texts.iter().any(|t| t.contains('\n')) {
        fill_cells(item, &mut scratch.cells);
        return grid.row(out, &scratch.cells[2..], yellow);
    } else {
        texts.map(line_width)
    };
    let numbers = &mut scratch.numbers;
    numbers.clear();
    let mut ends = [0usize; 4];
    match item.last.day {
        Some(day) => push_day(numbers, day),
        None => numbers.push_str("never"),
    }
    ends[0] = numbers.len();
    if let Some(days) = item.days_since {
        push_int(numbers, days);
    }
    ends[1] = numbers.len();
    push_int(numbers, i64::from(item.cadence.ideal));
    numbers.push('/');
    push_int(numbers, i64::from(item.cadence.max));
    ends[2] = numbers.len();
    if let Some(due) = item.due_on {
        push_day(numbers, due);
    }
    ends[3] = numbers.len();
    let numbers = &scratch.numbers;
    let score_text = scratch.score.text(item.urgency.score);
    let status = status_word(item.status);
    let numbers = [
        &numbers[..ends[0]],
        &numbers[ends[0]..ends[1]],
        &numbers[ends[1]..ends[2]],
        &numbers[ends[2]..ends[3]],
        score_text,
    ]
    .map(|text| (text, text.len()));
    let cells: [(&str, usize); 10] = [
        (item.id, widths[0]),
        (item.name, widths[1]),
        (status, status.len()),
        (channel, widths[2]),
        numbers[0],
        numbers[1],
        numbers[2],
        numbers[3],
        numbers[4],
        (note, widths[3]),
    ];
    grid.line(out, &cells, yellow);
    Ok(())
}

/// Appends `day` as it is displayed (`2026-11-18`).
fn push_day(out: &mut String, day: Date) {
    match day_text(day) {
        Some(text) => out.extend(text.iter().map(|&b| char::from(b))),
        // Writing into a String cannot fail.
        None => {
            let _ = write!(out, "{day}");
        }
    }
}

/// `day` as it is displayed, digit by digit for the years 0 to 9999 (a
/// large agenda writes hundreds of thousands of days); `None` for the
/// others.
pub(crate) fn day_text(day: Date) -> Option<[u8; 10]> {
    let (year, month, date) = (day.0.year(), day.0.month(), day.0.day());
    let year = u32::try_from(year).ok().filter(|y| *y <= 9999)?;
    let digit = |n: u32| b'0' + (n % 10) as u8;
    Some([
        digit(year / 1000),
        digit(year / 100),
        digit(year / 10),
        digit(year),
        b'-',
        digit(month / 10),
        digit(month),
        b'-',
        digit(date / 10),
        digit(date),
    ])
}

/// Appends `n` in decimal.
fn push_int(out: &mut String, n: i64) {
    let mut digits = [0u8; 20];
    out.extend(decimal(n, &mut digits).iter().map(|&d| char::from(d)));
}

/// `n` in decimal, written at the end of `digits`: the text is the tail
/// returned.
fn decimal(n: i64, digits: &mut [u8; 20]) -> &[u8] {
    let mut at = digits.len();
    let mut rest = n.unsigned_abs();
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    if n < 0 {
        at -= 1;
        digits[at] = b'-';
    }
    &digits[at..]
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

/// One item as the JSON document writes it.
#[derive(Serialize)]
struct ItemJson<'a> {
    id: &'a str,
    name: &'a str,
    owner: Option<&'a str>,
    stage: &'a str,
    day: Date,
    status: FollowUpStatus,
    channel: Option<&'a str>,
    last_contact: Option<Date>,
    contact_field: Option<Date>,
    contact_logged: Option<Date>,
    note: Option<&'a str>,
    days_since: Option<i64>,
    due_on: Option<Date>,
    overdue_on: Option<Date>,
    cadence: CadenceJson,
    urgency: &'a Urgency,
}

#[derive(Serialize)]
struct CadenceJson {
    ideal: u32,
    max: u32,
    reason: String,
}

impl<'a> ItemJson<'a> {
    fn of(item: &'a Item<'_>) -> ItemJson<'a> {
        ItemJson {
            id: item.id,
            name: item.name,
            owner: item.owner,
            stage: item.stage,
            day: item.day,
            status: item.status,
            channel: item.channel,
            last_contact: item.last.day,
            contact_field: item.last.field,
            contact_logged: item.last.logged,
            note: item.last.note.as_deref(),
            days_since: item.days_since,
            due_on: item.due_on,
            overdue_on: item.overdue_on,
            cadence: CadenceJson {
                ideal: item.cadence.ideal,
                max: item.cadence.max,
                reason: item.cadence_reason(),
            },
            urgency: &item.urgency,
        }
    }
}

/// One item as JSON.
pub fn item_json(item: &Item<'_>) -> Value {
    // A struct of text, numbers and days always converts.
    serde_json::to_value(ItemJson::of(item)).unwrap_or_default()
}

#[derive(Serialize)]
struct ViewJson<'a> {
    owner: Option<&'a str>,
    days: Option<u32>,
    overdue: bool,
    from: Date,
    until: Date,
}

/// The `kehu.agenda/1` document of a view, as serde_json writes it pretty
/// (two spaces an indent): the items are converted in parallel tasks of
/// consecutive items, written out in order.
pub fn write_json(
    items: &[&Item<'_>],
    view: &View,
    as_of: Date,
    without_cadence: &[String],
    plan_actions: Value,
    out: &mut impl Write,
) -> io::Result<()> {
    let view = ViewJson {
        owner: view.owner.as_deref(),
        days: view.days,
        overdue: view.overdue,
        from: as_of,
        until: view.until(as_of),
    };
    let mut head = Vec::new();
    head.extend_from_slice(b"{\n  \"schema\": ");
    nested_json(&mut head, &JSON_SCHEMA, 1, &mut Vec::new())?;
    head.extend_from_slice(b",\n  \"as_of\": ");
    nested_json(&mut head, &as_of, 1, &mut Vec::new())?;
    head.extend_from_slice(b",\n  \"view\": ");
    nested_json(&mut head, &view, 1, &mut Vec::new())?;
    head.extend_from_slice(b",\n  \"items\": [");
    out.write_all(&head)?;
    write_in_order(items.len(), out, |from, to| {
        touch(&items[from..to]);
        let mut text = Vec::new();
        let mut scratch = String::new();
        for (at, item) in items.iter().enumerate().take(to).skip(from) {
            text.extend_from_slice(if at == 0 { b"\n    " } else { b",\n    " });
            push_item_json(&mut text, item, &mut scratch);
        }
        Ok(text)
    })?;
    let mut tail = Vec::new();
    if !items.is_empty() {
        tail.extend_from_slice(b"\n  ");
    }
    tail.extend_from_slice(b"],\n  \"without_cadence\": ");
    nested_json(&mut tail, &without_cadence, 1, &mut Vec::new())?;
    tail.extend_from_slice(b",\n  \"plan_actions\": ");
    nested_json(&mut tail, &plan_actions, 1, &mut Vec::new())?;
    tail.extend_from_slice(b"\n}\n");
    out.write_all(&tail)
}

/// Appends `item` as serde_json writes [`ItemJson`] pretty, nested two
/// levels deep (in the document's `items`), field by field: serde's
/// general path (a key escaped and a formatter called per field, every
/// date through `fmt`) took most of the time of a document of every
/// customer. The tests compare the bytes with serde_json's.
fn push_item_json(out: &mut Vec<u8>, item: &Item<'_>, scratch: &mut String) {
    const FIELD: &[u8] = b",\n      \"";
    let field = |out: &mut Vec<u8>, name: &str| {
        out.extend_from_slice(FIELD);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b"\": ");
    };
    out.extend_from_slice(b"{\n      \"id\": ");
    json::write_str(out, item.id);
    field(out, "name");
    json::write_str(out, item.name);
    field(out, "owner");
    push_json_option(out, item.owner, json::write_str);
    field(out, "stage");
    json::write_str(out, item.stage);
    field(out, "day");
    push_json_day(out, item.day);
    field(out, "status");
    json::write_str(out, status_name(item.status));
    field(out, "channel");
    push_json_option(out, item.channel, |out, channel| {
        json::write_str(out, channel)
    });
    for (name, day) in [
        ("last_contact", item.last.day),
        ("contact_field", item.last.field),
        ("contact_logged", item.last.logged),
    ] {
        field(out, name);
        push_json_option(out, day, push_json_day);
    }
    field(out, "note");
    push_json_option(out, item.last.note.as_deref(), json::write_str);
    field(out, "days_since");
    push_json_option(out, item.days_since, push_json_int);
    field(out, "due_on");
    push_json_option(out, item.due_on, push_json_day);
    field(out, "overdue_on");
    push_json_option(out, item.overdue_on, push_json_day);
    field(out, "cadence");
    out.extend_from_slice(b"{\n        \"ideal\": ");
    push_json_int(out, i64::from(item.cadence.ideal));
    out.extend_from_slice(b",\n        \"max\": ");
    push_json_int(out, i64::from(item.cadence.max));
    out.extend_from_slice(b",\n        \"reason\": ");
    scratch.clear();
    // Writing into a String cannot fail.
    let _ = write!(scratch, "{}", item.choice);
    json::write_str(out, scratch);
    out.extend_from_slice(b"\n      }");
    let urgency = &item.urgency;
    field(out, "urgency");
    out.extend_from_slice(b"{\n        \"score\": ");
    json::write_float(out, urgency.score);
    out.extend_from_slice(b",\n        \"days_since\": ");
    push_json_int(out, urgency.days_since);
    out.extend_from_slice(b",\n        \"never_contacted\": ");
    push_json_bool(out, urgency.never_contacted);
    out.extend_from_slice(b",\n        \"cadence\": {\n          \"ideal\": ");
    push_json_int(out, i64::from(urgency.cadence.ideal));
    out.extend_from_slice(b",\n          \"max\": ");
    push_json_int(out, i64::from(urgency.cadence.max));
    out.extend_from_slice(b"\n        },\n        \"past_ideal\": ");
    push_json_int(out, urgency.past_ideal);
    out.extend_from_slice(b",\n        \"past_max\": ");
    push_json_bool(out, urgency.past_max);
    out.extend_from_slice(b",\n        \"weight\": ");
    json::write_float(out, urgency.weight);
    out.extend_from_slice(b",\n        \"step_days\": ");
    push_json_int(out, i64::from(urgency.step_days));
    out.extend_from_slice(b",\n        \"reason\": ");
    scratch.clear();
    let _ = write!(scratch, "{urgency}");
    json::write_str(out, scratch);
    out.extend_from_slice(b"\n      }\n    }");
}

/// A status as its JSON name (serde's kebab-case).
fn status_name(status: FollowUpStatus) -> &'static str {
    match status {
        FollowUpStatus::NotDue => "not-due",
        FollowUpStatus::Due => "due",
        FollowUpStatus::Overdue => "overdue",
    }
}

fn push_json_option<T>(out: &mut Vec<u8>, value: Option<T>, push: impl FnOnce(&mut Vec<u8>, T)) {
    match value {
        Some(value) => push(out, value),
        None => out.extend_from_slice(b"null"),
    }
}

fn push_json_bool(out: &mut Vec<u8>, value: bool) {
    out.extend_from_slice(if value { b"true" } else { b"false" });
}

fn push_json_int(out: &mut Vec<u8>, n: i64) {
    out.extend_from_slice(decimal(n, &mut [0; 20]));
}

fn push_json_day(out: &mut Vec<u8>, day: Date) {
    match day_text(day) {
        Some(text) => {
            out.push(b'"');
            out.extend_from_slice(&text);
            out.push(b'"');
        }
        None => json::write_str(out, &day.to_string()),
    }
}

/// Appends `value` as pretty JSON nested `depth` levels deep in a pretty
/// document: its lines after the first indented by two spaces a level
/// (serde_json escapes every line break inside a string, so each one is
/// between values). `scratch` is a reused buffer.
fn nested_json(
    out: &mut Vec<u8>,
    value: &impl Serialize,
    depth: usize,
    scratch: &mut Vec<u8>,
) -> io::Result<()> {
    scratch.clear();
    serde_json::to_writer_pretty(&mut *scratch, value)?;
    let mut lines = scratch.split(|&b| b == b'\n');
    if let Some(first) = lines.next() {
        out.extend_from_slice(first);
    }
    for line in lines {
        out.push(b'\n');
        out.resize(out.len() + 2 * depth, b' ');
        out.extend_from_slice(line);
    }
    Ok(())
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
    use crate::plan::{Plan, groundwork, plan};

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
        let config = Config::default();
        let policy = Policy::from_config(&config).unwrap();
        let contacts = Contacts::from_answer(logged);
        let since = Some(day("2025-11-18"));
        let ground = groundwork(&policy, &config, &customers);
        let planned = plan(ground, &customers, &contacts, since, day("2026-11-18"), 30);
        assert_eq!(planned.len(), customers.len());
        assert!(planned.items().any(|i| i.last.note.is_some()));
        let header = &COLUMNS[2..];
        let mut cells = Cells::default();
        for item in planned.items() {
            let mut measured = Grid::new(header);
            measure_row(&mut measured, item, &mut Scratch::default());
            fill_cells(item, &mut cells);
            let mut written = Grid::new(header);
            written.measure(&cells[2..]);
            assert_eq!(measured, written, "{cells:?}");
        }
        assert_eq!(digits(0), 1);
        assert_eq!(digits(-10), 3);
        assert_eq!(digits(i64::MIN), 20);
    }

    /// The parallel drawing of a large agenda (groups and tasks across
    /// batch boundaries, rows drawn straight and through the cells) gives
    /// the bytes of the tables drawn one group at a time from the cells.
    /// More customers than a batch of rows, with several owners and none,
    /// every tier and grade (and an unreadable one), never contacted or
    /// not, wide, multi-line and tabbed names.
    fn large_book() -> Vec<Customer> {
        let owners = [Some("ann"), Some("bob"), None, Some("chen"), Some("ann")];
        (0..ROWS_PER_BATCH + 3 * ROWS_PER_TASK + 17)
            .map(|i| {
                let mut c = Customer {
                    id: format!("c{i:06}"),
                    name: match i % 97 {
                        0 => format!("two\nlines {i}"),
                        1 => format!("中山钢铁 {i}"),
                        2 => "tab\there".to_owned(),
                        _ => format!("Customer {i}"),
                    },
                    owner: owners[(i / 7) % owners.len()].map(Into::into),
                    stage: "won".into(),
                    ..Customer::default()
                };
                c.grade.tier = Some(["strategic", "key", "ordinary", "small"][i % 4].into());
                c.grade.pipeline = ["A", "B", "C", "D", "E", "X"]
                    .get(i % 11)
                    .map(|g| (*g).into());
                c.contact.last = (i % 13 != 0)
                    .then(|| Date(day("2026-11-18").0 - chrono::TimeDelta::days((i % 400) as i64)));
                c
            })
            .collect()
    }

    /// The plan of [`large_book`] as of 2026-11-18, without history.
    fn large_plan<'c>(
        customers: &'c [Customer],
        config: &'c Config,
        policy: &'c Policy,
    ) -> (Plan<'c>, Date) {
        let as_of = day("2026-11-18");
        let ground = groundwork(policy, config, customers);
        (
            plan(ground, customers, &Contacts::default(), None, as_of, 30),
            as_of,
        )
    }

    #[test]
    fn large_agendas_draw_like_one_table_per_group() {
        let (customers, config) = (large_book(), Config::default());
        let policy = Policy::from_config(&config).unwrap();
        let (planned, as_of) = large_plan(&customers, &config, &policy);
        for view in [
            View::default(),
            View {
                days: Some(40),
                ..View::default()
            },
        ] {
            let items = view.select(&planned, as_of);
            assert!(items.len() > ROWS_PER_BATCH, "{}", items.len());
            for color in [false, true] {
                let mut expected = format!("{}\n", title(&view, as_of, items.len()));
                for (name, members) in groups(&items, &view) {
                    let rows = members.iter().map(|item| {
                        (
                            cells(item)[2..].to_vec(),
                            item.status == FollowUpStatus::Overdue,
                        )
                    });
                    expected.push_str(&format!(
                        "\n{name}\n{}\n",
                        table(&COLUMNS[2..], rows, color)
                    ));
                }
                assert!(
                    expected == terminal(&items, &view, as_of, color),
                    "{view:?} colour {color}"
                );
            }
        }
    }

    /// The document written in parallel tasks is the one serde_json writes
    /// pretty from the whole document, with many items or none.
    #[test]
    fn json_documents_are_serde_json_pretty() {
        let (customers, config) = (large_book(), Config::default());
        let policy = Policy::from_config(&config).unwrap();
        let (planned, as_of) = large_plan(&customers, &config, &policy);
        let view = View {
            days: Some(40),
            ..View::default()
        };
        let all = view.select(&planned, as_of);
        assert!(all.len() > ROWS_PER_BATCH, "{}", all.len());
        let without = ["x".to_owned(), "y \"quoted\"".to_owned()];
        let actions = serde_json::json!([{"id": "a", "what": "call"}]);
        for items in [&all[..], &all[..1], &[]] {
            for without in [&without[..], &[]] {
                let expected = serde_json::json!({
                    "schema": JSON_SCHEMA,
                    "as_of": as_of,
                    "view": {
                        "owner": view.owner,
                        "days": view.days,
                        "overdue": view.overdue,
                        "from": as_of,
                        "until": view.until(as_of),
                    },
                    "items": items.iter().map(|item| item_json(item)).collect::<Vec<_>>(),
                    "without_cadence": without,
                    "plan_actions": actions,
                });
                let mut written = Vec::new();
                write_json(items, &view, as_of, without, actions.clone(), &mut written).unwrap();
                assert_eq!(
                    String::from_utf8(written).unwrap(),
                    pretty(&expected).unwrap(),
                    "{} items",
                    items.len()
                );
            }
        }
    }

    /// Strings, days and numbers are written as serde_json writes them.
    #[test]
    fn json_values_are_written_as_serde_json_writes_them() {
        let every_ascii: String = (0..=0x7f_u8).map(char::from).collect();
        for text in [&every_ascii[..], "中山钢铁 \u{2028} é", "", "plain"] {
            let mut out = Vec::new();
            json::write_str(&mut out, text);
            assert_eq!(out, serde_json::to_vec(text).unwrap(), "{text:?}");
        }
        for n in [0, 7, -1, 730, i64::MIN, i64::MAX] {
            let mut out = Vec::new();
            push_json_int(&mut out, n);
            assert_eq!(out, serde_json::to_vec(&n).unwrap());
        }
        for d in ["0001-01-01", "2026-11-18", "9999-12-31"] {
            let mut out = Vec::new();
            push_json_day(&mut out, day(d));
            assert_eq!(out, serde_json::to_vec(&day(d)).unwrap());
        }
        let far = Date(chrono::NaiveDate::from_ymd_opt(12345, 6, 7).unwrap());
        let mut out = Vec::new();
        push_json_day(&mut out, far);
        assert_eq!(out, serde_json::to_vec(&far).unwrap());
    }
}
