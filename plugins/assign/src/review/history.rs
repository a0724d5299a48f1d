//! The review window's history, replayed backwards from the book as of
//! `--as-of`: the host's book-wide changes (kehu-git events, newest first:
//! `[{"commit": {"date", "timestamp", ...}, "customers": [{"id", "old_id"?,
//! "status", "fields": [{"field", "old", "new"}]}]}]`) are undone one commit
//! at a time, so the owner, tier and revenue of every customer are known at
//! every point of the window from one walk, without reading old books.

use std::collections::HashMap;

use kehu_core::{Customer, Date};
use kehu_plugin_sdk::PluginError;
use serde_json::Value;

/// What the review follows of one customer.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    /// The customer's id at the end of the window (or when it was removed):
    /// the same customer across renames.
    pub key: String,
    /// `owner`.
    pub owner: Option<String>,
    /// `grade.tier`.
    pub tier: Option<String>,
    /// `metrics.revenue_12m` (0 when absent).
    pub revenue: f64,
}

impl Record {
    fn of(customer: &Customer) -> Record {
        Record {
            key: customer.id.clone(),
            owner: customer.owner.clone(),
            tier: customer.grade.tier.clone(),
            revenue: customer.metrics.revenue_12m.unwrap_or(0.0),
        }
    }
}

/// One change of `owner` inside the window.
#[derive(Clone, Debug, PartialEq)]
pub struct Move {
    /// The commit's day.
    pub day: Date,
    /// The customer (its key).
    pub key: String,
    /// Owner before.
    pub from: Option<String>,
    /// Owner after.
    pub to: Option<String>,
}

/// The customer's last owner change inside the window.
#[derive(Clone, Debug, PartialEq)]
pub struct LastMove {
    /// Its day.
    pub day: Date,
    /// The tier right after it.
    pub tier: Option<String>,
}

/// The book at the points of the window, and its owner changes.
pub struct Replay<T> {
    /// What `measure` returned per point, oldest first.
    pub points: Vec<(Date, T)>,
    /// Every customer at the start of the window, by key.
    pub start: HashMap<String, Record>,
    /// Owner changes, oldest first.
    pub moves: Vec<Move>,
    /// Per customer key, its last owner change in the window.
    pub last_move: HashMap<String, LastMove>,
    /// Commits replayed.
    pub commits: usize,
}

fn bad(what: &str) -> PluginError {
    PluginError::Host(format!("unreadable history from the host: {what}"))
}

/// One customer change of one commit, as read from the events.
struct Change<'v> {
    id: &'v str,
    old_id: Option<&'v str>,
    status: &'v str,
    fields: Vec<(&'v str, &'v Value)>,
    owner: Option<(&'v Value, &'v Value)>,
}

fn text(value: &Value) -> Option<String> {
    value.as_str().map(str::to_owned)
}

fn changes(event: &Value) -> Result<Vec<Change<'_>>, PluginError> {
    let Some(Value::Array(customers)) = event.get("customers") else {
        return Ok(Vec::new());
    };
    let mut out = Vec::with_capacity(customers.len());
    for customer in customers {
        let id = customer
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("customer change without id"))?;
        let mut fields = Vec::new();
        let mut owner = None;
        for field in customer
            .get("fields")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(name) = field.get("field").and_then(Value::as_str) else {
                continue;
            };
            let old = field.get("old").unwrap_or(&Value::Null);
            if name == "owner" {
                owner = Some((old, field.get("new").unwrap_or(&Value::Null)));
            }
            if matches!(name, "owner" | "grade.tier" | "metrics.revenue_12m") {
                fields.push((name, old));
            }
        }
        out.push(Change {
            id,
            old_id: customer.get("old_id").and_then(Value::as_str),
            status: customer
                .get("status")
                .and_then(Value::as_str)
                .unwrap_or("modified"),
            fields,
            owner,
        });
    }
    Ok(out)
}

fn undo_fields(record: &mut Record, fields: &[(&str, &Value)]) {
    for (name, old) in fields {
        match *name {
            "owner" => record.owner = text(old),
            "grade.tier" => record.tier = text(old),
            _ => record.revenue = old.as_f64().unwrap_or(0.0),
        }
    }
}

/// Replays `events` (the window's changes) backwards from `customers` (the
/// book at the end), calling `measure` on the book at the end of each day
/// of `days` (any order; the start of the window is the earliest).
pub fn replay<T>(
    customers: &[Customer],
    events: &Value,
    days: &[Date],
    mut measure: impl FnMut(Date, &HashMap<String, Record>) -> T,
) -> Result<Replay<T>, PluginError> {
    let events = events
        .as_array()
        .ok_or_else(|| bad("expected a list of events"))?;
    let mut dated: Vec<(Date, i64, usize, &Value)> = Vec::with_capacity(events.len());
    for (order, event) in events.iter().enumerate() {
        let commit = event
            .get("commit")
            .ok_or_else(|| bad("event without commit"))?;
        let day: Date = commit
            .get("date")
            .and_then(Value::as_str)
            .and_then(|d| d.parse().ok())
            .ok_or_else(|| bad("commit without a date"))?;
        let timestamp = commit.get("timestamp").and_then(Value::as_i64).unwrap_or(0);
        dated.push((day, timestamp, order, event));
    }
    // Newest first; the host's order (newest first) breaks ties.
    dated.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
    let mut days = days.to_vec();
    days.sort_by(|a, b| b.cmp(a));
    days.dedup();

    let mut state: HashMap<String, Record> = customers
        .iter()
        .map(|c| (c.id.clone(), Record::of(c)))
        .collect();
    let mut points = Vec::with_capacity(days.len());
    let mut moves = Vec::new();
    let mut last_move: HashMap<String, LastMove> = HashMap::new();
    let mut next = dated.iter().peekable();
    let mut commits = 0;
    for day in days {
        while let Some((commit_day, _, _, event)) = next.next_if(|e| e.0 > day) {
            let changes = changes(event)?;
            if !changes.is_empty() {
                commits += 1;
            }
            for change in changes {
                let mut record = match change.status {
                    "added" => {
                        if let Some(record) = state.remove(change.id) {
                            note_move(&change, &record, *commit_day, &mut moves, &mut last_move);
                        }
                        continue;
                    }
                    "removed" => Record {
                        key: change.id.to_owned(),
                        owner: None,
                        tier: None,
                        revenue: 0.0,
                    },
                    _ => match state.remove(change.id) {
                        Some(record) => record,
                        None => Record {
                            key: change.id.to_owned(),
                            owner: None,
                            tier: None,
                            revenue: 0.0,
                        },
                    },
                };
                note_move(&change, &record, *commit_day, &mut moves, &mut last_move);
                undo_fields(&mut record, &change.fields);
                let before = change.old_id.unwrap_or(change.id);
                state.insert(before.to_owned(), record);
            }
        }
        points.push((day, measure(day, &state)));
    }
    points.reverse();
    moves.reverse();
    let start = state
        .into_values()
        .map(|record| (record.key.clone(), record))
        .collect();
    Ok(Replay {
        points,
        start,
        moves,
        last_move,
        commits,
    })
}

/// Records an owner change (seen newest first): the move, and the
/// customer's last move if it is the first seen.
fn note_move(
    change: &Change<'_>,
    record: &Record,
    day: Date,
    moves: &mut Vec<Move>,
    last_move: &mut HashMap<String, LastMove>,
) {
    let Some((old, new)) = change.owner else {
        return;
    };
    let (from, to) = (text(old), text(new));
    if from == to {
        return;
    }
    last_move
        .entry(record.key.clone())
        .or_insert_with(|| LastMove {
            day,
            tier: record.tier.clone(),
        });
    moves.push(Move {
        day,
        key: record.key.clone(),
        from,
        to,
    });
}
