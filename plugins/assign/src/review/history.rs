//! The review window's history, replayed backwards from the book as of
//! `--as-of`: the host's book-wide changes (kehu-git events, newest first:
//! `[{"commit": {"date", "timestamp", ...}, "customers": [{"id", "old_id"?,
//! "status", "fields": [{"field", "old", "new"}]}]}]`) are undone one commit
//! at a time, so the owner, tier and revenue of every customer are known at
//! every point of the window from one walk, without reading old books.

use std::collections::HashMap;

use kehu_core::{Customer, Date, Text};
use kehu_plugin_sdk::PluginError;
use kehu_plugin_sdk::events::{Event, newest_first, read_events};
use serde_json::Value;

/// What the review follows of one customer.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    /// The customer's id at the end of the window (or when it was removed):
    /// the same customer across renames.
    pub key: String,
    /// `owner`.
    pub owner: Option<Text>,
    /// `grade.tier`.
    pub tier: Option<Text>,
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

fn changes<'v>(event: &Event<'v>) -> Result<Vec<Change<'v>>, PluginError> {
    event
        .changes()
        .map(|change| {
            let change = change?;
            let mut fields = Vec::new();
            let mut owner = None;
            for field in change.fields() {
                if field.field == "owner" {
                    owner = Some((field.old, field.new));
                }
                if matches!(field.field, "owner" | "grade.tier" | "metrics.revenue_12m") {
                    fields.push((field.field, field.old));
                }
            }
            Ok(Change {
                id: change.id,
                old_id: change.old_id,
                status: change.status.unwrap_or("modified"),
                fields,
                owner,
            })
        })
        .collect()
}

fn undo_fields(record: &mut Record, fields: &[(&str, &Value)]) {
    for (name, old) in fields {
        match *name {
            "owner" => record.owner = text(old).map(Into::into),
            "grade.tier" => record.tier = text(old).map(Into::into),
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
    // Newest first; the host's order (newest first) breaks ties.
    let mut dated = read_events(events)?;
    newest_first(&mut dated);
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
        while let Some(event) = next.next_if(|e| e.day > day) {
            let commit_day = &event.day;
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
            tier: record.tier.as_deref().map(str::to_owned),
        });
    moves.push(Move {
        day,
        key: record.key.clone(),
        from,
        to,
    });
}
