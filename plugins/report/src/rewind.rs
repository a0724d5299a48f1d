//! The book at the start of the period, rebuilt from the book at its end by
//! undoing the period's changes, newest first, as the host sends them: a
//! modified field goes back to its old value, an added file goes away, a
//! removed file comes back from its old fields, a renamed file takes its old
//! id again. Only the customers the changes name are kept (their start
//! versions), so the cost grows with the customers the period touched, not
//! with the book or with the number of changes (reading a whole past book
//! from git objects costs several `kehu check`s on a large book).
//!
//! Customers are edited as JSON, whose shape is the customer file's (a
//! history field `grade.tier` is `{"grade": {"tier": …}}`). kehu.toml is
//! taken as it is at the end.

use std::collections::{BTreeMap, BTreeSet};

use kehu_core::Customer;
use serde_json::{Map, Value};

use crate::history::Change;

/// Sets (or, for `Null`, removes) the dotted `field` in `object`.
fn set(object: &mut Map<String, Value>, field: &str, value: &Value) {
    match field.split_once('.') {
        Some((table, rest)) => {
            let inner = object
                .entry(table.to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(inner) = inner {
                set(inner, rest, value);
            }
        }
        None if value.is_null() => {
            object.remove(field);
        }
        None => {
            object.insert(field.to_owned(), value.clone());
        }
    }
}

/// `customer` with the fields of `change` set back to their old values.
fn undo(customer: Option<&Customer>, change: &Change, id: &str) -> Option<Customer> {
    let mut json = match customer {
        Some(c) => serde_json::to_value(c).ok()?,
        None => Value::Object(Map::new()),
    };
    let Value::Object(object) = &mut json else {
        return None;
    };
    for (field, old, _) in &change.fields {
        set(object, field, old);
    }
    object.insert("id".to_owned(), Value::String(id.to_owned()));
    serde_json::from_value(json).ok()
}

/// Undoes the period's changes one at a time, newest first, over the end
/// book: what the report's history reader does with each change as it
/// arrives, so the changes themselves are never held.
pub struct Rewinder<'a> {
    /// The end book, in id order.
    end: &'a [Customer],
    /// Each customer a change named, as far as undone: `None` when it is
    /// not in the book at that point (added later, or renamed away). Boxed:
    /// a customer is large, and the map's nodes keep room for eleven.
    states: BTreeMap<String, Option<Box<Customer>>>,
    /// Changes that could not be undone.
    failed: usize,
}

impl<'a> Rewinder<'a> {
    /// Starts from the `end` book (in id order).
    pub fn new(end: &'a [Customer]) -> Rewinder<'a> {
        Rewinder {
            end,
            states: BTreeMap::new(),
            failed: 0,
        }
    }

    /// The customer `id` as far as undone (its end version until a change
    /// names it).
    fn state(&mut self, id: &str) -> &mut Option<Box<Customer>> {
        if !self.states.contains_key(id) {
            let end = self
                .end
                .binary_search_by(|c| c.id.as_str().cmp(id))
                .ok()
                .map(|i| Box::new(self.end[i].clone()));
            self.states.insert(id.to_owned(), end);
        }
        self.states.get_mut(id).expect("inserted above")
    }

    /// Undoes `change`, which is older than every change undone before.
    pub fn undo(&mut self, change: &Change) {
        let current = self.state(&change.id).take();
        let id = change.old_id.as_deref().unwrap_or(&change.id);
        if id != change.id {
            // The old id is touched too: its end version (if any) is what a
            // customer of that id looked like before, unless undone here.
            self.state(id);
        }
        if change.added {
            return;
        }
        if current.is_none() && !change.removed {
            self.failed += 1;
            return;
        }
        match undo(current.as_deref(), change, id) {
            Some(before) => *self.state(id) = Some(Box::new(before)),
            None => {
                self.failed += 1;
                if current.is_some() {
                    *self.state(&change.id) = current;
                }
            }
        }
    }

    /// The start versions of the touched customers.
    pub fn finish(self) -> Rewound {
        Rewound {
            states: self.states,
            failed: self.failed,
        }
    }
}

/// What [`Rewinder`] made of the period: the start version of every
/// customer its changes named.
#[derive(Default)]
pub struct Rewound {
    /// Each touched id and its start version (`None`: not in the start book).
    states: BTreeMap<String, Option<Box<Customer>>>,
    /// Changes that could not be undone (a customer the change names is
    /// missing, or its old fields do not make a customer).
    pub failed: usize,
}

impl Rewound {
    /// The ids the period's changes named (after and before a rename):
    /// every other customer is the same at the start and at the end.
    pub fn touched(&self) -> BTreeSet<String> {
        self.states.keys().cloned().collect()
    }
}

/// The start book from the `end` book (in id order) and the period's
/// `changes` (oldest first), in id order, and how many changes could not be
/// undone.
#[cfg(test)]
pub fn rewind(end: &[Customer], changes: &[Change]) -> (Vec<Customer>, usize) {
    let mut rewinder = Rewinder::new(end);
    for change in changes.iter().rev() {
        rewinder.undo(change);
    }
    let Rewound { states, failed } = rewinder.finish();
    let mut book: BTreeMap<String, Customer> =
        end.iter().map(|c| (c.id.clone(), c.clone())).collect();
    for (id, state) in states {
        match state {
            Some(customer) => book.insert(id, *customer),
            None => book.remove(&id),
        };
    }
    (book.into_values().collect(), failed)
}

/// What [`rewind_in_place`] took out of the end book, to put it back.
#[must_use = "the book stays at the start of the period until restored"]
pub struct Undone {
    put: Put,
}

/// How [`rewind_in_place`] put the start versions into the book.
enum Put {
    /// Each swapped with its end version in place (at these positions; the
    /// box holds the end version now): no customer came, went or was
    /// renamed in the period, and nothing was copied.
    Swapped(Vec<(usize, Box<Customer>)>),
    /// Merged in by id (these ids), the end versions taken out.
    Merged {
        start_ids: BTreeSet<String>,
        saved: Vec<Customer>,
    },
}

/// Turns `book` (the end book, in id order) into the start book in place
/// with the start versions [`Rewinder`] made, touching only the customers
/// the changes named: the book is never held twice, and when the period
/// kept the same ids (the usual week, or the bench book's year) no other
/// customer moves and no customer is copied. Returns what
/// [`Undone::restore`] needs to make it the end book again.
pub fn rewind_in_place(book: &mut Vec<Customer>, rewound: Rewound) -> Undone {
    let states = rewound.states;
    // In id order, as the states are.
    let at: Vec<Option<usize>> = states
        .keys()
        .map(|id| book.binary_search_by(|c| c.id.as_str().cmp(id)).ok())
        .collect();
    let same_ids = states
        .values()
        .zip(&at)
        .all(|(state, at)| state.is_some() == at.is_some());
    if same_ids {
        let swapped = states
            .into_values()
            .zip(at)
            .filter_map(|(state, at)| {
                let (mut customer, i) = (state?, at?);
                std::mem::swap(&mut book[i], &mut customer);
                Some((i, customer))
            })
            .collect();
        return Undone {
            put: Put::Swapped(swapped),
        };
    }
    // Customers came, went or were renamed: the start versions are merged
    // in by id instead.
    let at: Vec<usize> = at.into_iter().flatten().collect();
    let saved: Vec<Customer> = at.iter().map(|&i| std::mem::take(&mut book[i])).collect();
    let before: Vec<Customer> = states
        .into_values()
        .flatten()
        .map(|customer| *customer)
        .collect();
    let mut position = 0;
    let mut taken = at.iter().peekable();
    book.retain(|_| {
        let was_taken = taken.next_if_eq(&&position).is_some();
        position += 1;
        !was_taken
    });
    let start_ids = before.iter().map(|c| c.id.clone()).collect();
    merge_in(book, before);
    Undone {
        put: Put::Merged { start_ids, saved },
    }
}

impl Undone {
    /// Makes `book` (as [`rewind_in_place`] left it) the end book again.
    pub fn restore(self, book: &mut Vec<Customer>) {
        match self.put {
            Put::Swapped(swapped) => {
                for (i, customer) in swapped {
                    book[i] = *customer;
                }
            }
            Put::Merged { start_ids, saved } => {
                book.retain(|c| !start_ids.contains(&c.id));
                merge_in(book, saved);
            }
        }
    }
}

/// Merges `incoming` into `book` (both in id order, no id in both), in
/// place from the back: no second buffer the size of the book.
fn merge_in(book: &mut Vec<Customer>, mut incoming: Vec<Customer>) {
    let mut left = book.len();
    book.resize_with(left + incoming.len(), Customer::default);
    for slot in (0..book.len()).rev() {
        let from_book = match (left.checked_sub(1), incoming.last()) {
            (Some(i), Some(next)) => book[i].id > next.id,
            (Some(_), None) => break,
            (None, _) => false,
        };
        if from_book {
            book.swap(left - 1, slot);
            left -= 1;
        } else if let Some(next) = incoming.pop() {
            book[slot] = next;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn change(id: &str, fields: Value) -> Change {
        Change {
            fields: fields
                .as_array()
                .unwrap()
                .iter()
                .map(|f| {
                    (
                        f[0].as_str().unwrap().to_owned(),
                        f[1].clone(),
                        f[2].clone(),
                    )
                })
                .collect(),
            ..Change::blank(id)
        }
    }

    /// The start versions `changes` (oldest first) leave over `end`.
    fn rewound(end: &[Customer], changes: &[Change]) -> Rewound {
        let mut rewinder = Rewinder::new(end);
        for change in changes.iter().rev() {
            rewinder.undo(change);
        }
        rewinder.finish()
    }

    fn customer(id: &str, stage: &str, tier: Option<&str>) -> Customer {
        let mut c = Customer {
            id: id.into(),
            name: id.to_uppercase(),
            stage: stage.into(),
            ..Customer::default()
        };
        c.grade.tier = tier.map(Into::into);
        c
    }

    #[test]
    fn undoes_edits_adds_removals_and_renames() {
        let end = vec![
            customer("acme", "won", Some("strategic")),
            customer("bolt-gmbh", "won", None),
            customer("new", "lead", None),
        ];
        let mut added = change("new", json!([["stage", null, "lead"]]));
        added.added = true;
        let mut removed = change(
            "gone",
            json!([
                ["id", "gone", null],
                ["name", "Gone", null],
                ["stage", "lost", null],
                ["metrics.revenue_12m", 5.0, null]
            ]),
        );
        removed.removed = true;
        let mut renamed = change("bolt-gmbh", json!([["stage", "negotiation", "won"]]));
        renamed.old_id = Some("bolt".into());
        let changes = vec![
            change("acme", json!([["grade.tier", null, "key"]])),
            change(
                "acme",
                json!([
                    ["grade.tier", "key", "strategic"],
                    ["contact.last", "2026-11-01", "2026-11-17"]
                ]),
            ),
            added,
            removed,
            renamed,
        ];
        let (start, failed) = rewind(&end, &changes);
        assert_eq!(failed, 0);
        let ids: Vec<&str> = start.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, vec!["acme", "bolt", "gone"]);
        assert_eq!(start[0].grade.tier, None);
        assert_eq!(start[0].contact.last, "2026-11-01".parse().ok());
        assert_eq!(start[1].stage, "negotiation");
        assert_eq!(start[1].name, "BOLT-GMBH");
        assert_eq!(start[2].name, "Gone");
        assert_eq!(start[2].metrics.revenue_12m, Some(5.0));
        // In place: the same start book, and the end book again after.
        let mut book = end.clone();
        let rewound = rewound(&end, &changes);
        assert_eq!(rewound.failed, 0);
        let touched: Vec<String> = rewound.touched().into_iter().collect();
        assert_eq!(touched, ["acme", "bolt", "bolt-gmbh", "gone", "new"]);
        let undone = rewind_in_place(&mut book, rewound);
        assert_eq!(
            serde_json::to_value(&book).unwrap(),
            serde_json::to_value(&start).unwrap()
        );
        undone.restore(&mut book);
        assert_eq!(
            serde_json::to_value(&book).unwrap(),
            serde_json::to_value(&end).unwrap()
        );
        // A change naming a customer the end book lacks is counted.
        let (_, failed) = rewind(&[], &[change("ghost", json!([["stage", "lead", "won"]]))]);
        assert_eq!(failed, 1);
    }

    #[test]
    fn edits_alone_are_undone_in_place() {
        let end: Vec<Customer> = ["a", "b", "c", "d", "e"]
            .iter()
            .map(|id| customer(id, "won", Some("key")))
            .collect();
        let changes = vec![
            change("b", json!([["grade.tier", "small", "key"]])),
            change("d", json!([["stage", "proposal", "won"]])),
            change("d", json!([["grade.tier", null, "key"]])),
            change("ghost", json!([["stage", "lead", "won"]])),
        ];
        let (start, failed) = rewind(&end, &changes);
        assert_eq!(failed, 1);
        let mut book = end.clone();
        let rewound = rewound(&end, &changes);
        assert_eq!(rewound.failed, 1);
        let undone = rewind_in_place(&mut book, rewound);
        assert!(
            matches!(undone.put, Put::Swapped(ref swapped) if swapped.iter().map(|(i, _)| *i).eq([1, 3]))
        );
        assert_eq!(
            serde_json::to_value(&book).unwrap(),
            serde_json::to_value(&start).unwrap()
        );
        assert_eq!(book[1].grade.tier.as_deref(), Some("small"));
        assert_eq!(
            (book[3].stage.as_str(), book[3].grade.tier.as_deref()),
            ("proposal", None)
        );
        undone.restore(&mut book);
        assert_eq!(
            serde_json::to_value(&book).unwrap(),
            serde_json::to_value(&end).unwrap()
        );
    }
}
