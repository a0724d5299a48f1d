//! The book at the start of the period, rebuilt from the book at its end by
//! undoing the period's changes, newest first, as the host sends them: a
//! modified field goes back to its old value, an added file goes away, a
//! removed file comes back from its old fields, a renamed file takes its old
//! id again. Only the customers the changes name are touched, so the cost
//! grows with the customers the period touched, not with the book or with
//! the number of changes (reading a whole past book from git objects costs
//! several `kehu check`s on a large book). A few are undone in copies and
//! swapped back after; many are undone in the book itself, which the host
//! then sends again ([`IN_PLACE_AFTER`]).
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

/// Customers a [`Rewinder`] keeps as copies beside the book before it turns
/// to undoing the book in place. A week of the 100,000-customer bench book
/// names about 2,000 customers: their copies are a few MB, and the end
/// book is whole again at once when they are swapped back. A year names
/// every customer, and copies of them all held about 70 MB more than the
/// book itself; undone in place they cost nothing, but the end book is then
/// gone and the host is asked for it again ([`Undone::restore`]).
pub const IN_PLACE_AFTER: usize = if cfg!(test) { 2 } else { 4096 };

/// Undoes the period's changes one at a time, newest first, over the end
/// book: what the report's history reader does with each change as it
/// arrives, so the changes themselves are never held.
///
/// It starts by copying each customer a change names and undoing the copy
/// (the book stays the end book); past [`IN_PLACE_AFTER`] customers it
/// moves the copies into the book and undoes the rest there.
pub struct Rewinder<'a> {
    /// The book, in id order: the end book, or once `in_place`, the end
    /// book with the customers undone so far undone in it. A slot keeps its
    /// id when its customer is lifted into `states`, so the book stays in
    /// id order and is searched by id throughout.
    book: &'a mut [Customer],
    /// Whether the book is undone in place.
    in_place: bool,
    /// In place: the slots the changes named.
    named: Vec<bool>,
    /// Customers beside the book, each as far as undone (`None`: not in
    /// the book at that point, added later or renamed away): before going
    /// in place, every customer a change named; in place, those a change
    /// added, removed or renamed, lifted out of their slots. An id here is
    /// this, whatever its slot holds.
    states: BTreeMap<String, Option<Box<Customer>>>,
    /// Customers copied before going in place.
    in_place_after: usize,
    /// Changes that could not be undone.
    failed: usize,
}

/// Takes the customer out of `slot`, leaving its id (so the book stays in
/// id order) and nothing else.
fn lift(slot: &mut Customer) -> Customer {
    let id = slot.id.clone();
    std::mem::replace(
        slot,
        Customer {
            id,
            ..Customer::default()
        },
    )
}

impl<'a> Rewinder<'a> {
    /// Starts from the end `book` (in id order), going in place past
    /// [`IN_PLACE_AFTER`] customers.
    pub fn new(book: &'a mut [Customer]) -> Rewinder<'a> {
        Rewinder::going_in_place_after(book, IN_PLACE_AFTER)
    }

    /// Starts from the end `book`, going in place past `limit` customers.
    fn going_in_place_after(book: &'a mut [Customer], limit: usize) -> Rewinder<'a> {
        Rewinder {
            book,
            in_place: false,
            named: Vec::new(),
            states: BTreeMap::new(),
            in_place_after: limit,
            failed: 0,
        }
    }

    /// Whether the book is being undone in place.
    pub fn in_place(&self) -> bool {
        self.in_place
    }

    /// The slot of the customer `id` in the book.
    pub fn position(&self, id: &str) -> Option<usize> {
        self.book.binary_search_by(|c| c.id.as_str().cmp(id)).ok()
    }

    /// The customer `id` beside the book, as far as undone: its end
    /// version copied, or in place, what its slot held, lifted out.
    fn state(&mut self, id: &str) -> &mut Option<Box<Customer>> {
        if !self.states.contains_key(id) {
            let customer = self.position(id).map(|i| {
                let slot = &mut self.book[i];
                if self.in_place {
                    self.named[i] = true;
                    Box::new(lift(slot))
                } else {
                    Box::new(slot.clone())
                }
            });
            self.states.insert(id.to_owned(), customer);
        }
        self.states.get_mut(id).expect("inserted above")
    }

    /// Undoes `change`, which is older than every change undone before.
    pub fn undo(&mut self, change: &Change) {
        if self.in_place && self.undo_in_slot(change) {
            return;
        }
        let current = self.state(&change.id).take();
        let id = change.old_id.as_deref().unwrap_or(&change.id);
        if id != change.id {
            // The old id is touched too: its end version (if any) is what a
            // customer of that id looked like before, unless undone here.
            self.state(id);
        }
        if !change.added {
            if current.is_none() && !change.removed {
                self.failed += 1;
            } else {
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
        }
        if !self.in_place && self.states.len() > self.in_place_after {
            self.go_in_place();
        }
    }

    /// Undoes `change` in its customer's slot when it edits a customer in
    /// the book (no file added, removed or renamed, nothing beside the
    /// book): in place, almost every change. False when it is not such an
    /// edit.
    fn undo_in_slot(&mut self, change: &Change) -> bool {
        let renamed = change.old_id.as_ref().is_some_and(|old| *old != change.id);
        if change.added || change.removed || renamed || self.states.contains_key(&change.id) {
            return false;
        }
        let Some(i) = self.position(&change.id) else {
            return false;
        };
        self.named[i] = true;
        match undo(Some(&self.book[i]), change, &change.id) {
            Some(before) => self.book[i] = before,
            None => self.failed += 1,
        }
        true
    }

    /// Moves the copies into their slots (dropping the end versions there)
    /// and undoes the book in place from now on.
    fn go_in_place(&mut self) {
        self.in_place = true;
        self.named = vec![false; self.book.len()];
        for (id, state) in std::mem::take(&mut self.states) {
            let Some(i) = self.position(&id) else {
                self.states.insert(id, state);
                continue;
            };
            self.named[i] = true;
            match state {
                Some(customer) => self.book[i] = *customer,
                None => {
                    lift(&mut self.book[i]);
                    self.states.insert(id, None);
                }
            }
        }
    }

    /// The start versions of the touched customers, and their ids (after
    /// and before a rename).
    pub fn finish(self) -> (Rewound, BTreeSet<String>) {
        let mut touched: BTreeSet<String> = self.states.keys().cloned().collect();
        let named = self.named.iter().zip(self.book.iter());
        touched.extend(
            named
                .filter(|(named, _)| **named)
                .map(|(_, c)| c.id.clone()),
        );
        let rewound = Rewound {
            states: self.states,
            in_place: self.in_place,
            failed: self.failed,
        };
        (rewound, touched)
    }
}

/// What [`Rewinder`] made of the period: the start version of every
/// customer its changes named, beside the book or in it.
#[derive(Default)]
pub struct Rewound {
    /// Ids and their start versions beside the book (`None`: not in the
    /// start book).
    states: BTreeMap<String, Option<Box<Customer>>>,
    /// The book holds the other start versions (and is no longer the end
    /// book).
    in_place: bool,
    /// Changes that could not be undone (a customer the change names is
    /// missing, or its old fields do not make a customer).
    pub failed: usize,
}

/// The start book from the `end` book (in id order) and the period's
/// `changes` (oldest first), in id order, and how many changes could not be
/// undone: every touched customer copied and undone beside the book, then
/// put in by id (the reference the in-place ways are checked against).
#[cfg(test)]
pub fn rewind(end: &[Customer], changes: &[Change]) -> (Vec<Customer>, usize) {
    let mut copy = end.to_vec();
    let mut rewinder = Rewinder::going_in_place_after(&mut copy, usize::MAX);
    for change in changes.iter().rev() {
        rewinder.undo(change);
    }
    let (Rewound { states, failed, .. }, _) = rewinder.finish();
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
    /// Undone in the book itself: the end versions are gone.
    Lost,
}

/// Turns `book` (the book the [`Rewinder`] undid, in id order) into the
/// start book in place with the start versions it made, touching only the
/// customers the changes named: the book is never held twice, and when the
/// period kept the same ids (the usual week, or the bench book's year) no
/// other customer moves and no customer is copied. Returns what
/// [`Undone::restore`] needs to make it the end book again.
pub fn rewind_in_place(book: &mut Vec<Customer>, rewound: Rewound) -> Undone {
    let states = rewound.states;
    if rewound.in_place {
        // The slots hold the start versions already, but for the customers
        // lifted beside the book: their slots go, and they come in by id.
        if !states.is_empty() {
            book.retain(|c| !states.contains_key(&c.id));
            merge_in(book, states.into_values().flatten().map(|c| *c).collect());
        }
        return Undone { put: Put::Lost };
    }
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
    /// Makes `book` (as [`rewind_in_place`] left it) the end book again;
    /// false when the period's changes were undone in the book itself (it
    /// named more than [`IN_PLACE_AFTER`] customers), and the end book is
    /// to be read again.
    #[must_use = "false: the book is still the start book"]
    pub fn restore(self, book: &mut Vec<Customer>) -> bool {
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
            Put::Lost => return false,
        }
        true
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

    /// The start versions `changes` (oldest first) leave over `book` (the
    /// end book), going in place past `limit` customers, and the touched
    /// ids.
    fn rewound(book: &mut [Customer], changes: &[Change], limit: usize) -> (Rewound, Vec<String>) {
        let mut rewinder = Rewinder::going_in_place_after(book, limit);
        for change in changes.iter().rev() {
            rewinder.undo(change);
        }
        let (rewound, touched) = rewinder.finish();
        (rewound, touched.into_iter().collect())
    }

    /// The start book made in place from `end`, going in place past each
    /// limit in turn, is `start`; the touched ids are `touched`, and the
    /// book is the end book again after, or (in place) says it is not.
    fn in_place_is(
        end: &[Customer],
        changes: &[Change],
        start: &[Customer],
        touched: &[&str],
        failed: usize,
    ) {
        let json = |book: &[Customer]| serde_json::to_value(book).unwrap();
        for limit in [usize::MAX, 3, 1, 0] {
            let mut book = end.to_vec();
            let (rewound, named) = rewound(&mut book, changes, limit);
            assert_eq!(rewound.failed, failed, "going in place past {limit}");
            assert_eq!(named, touched, "going in place past {limit}");
            let in_place = rewound.in_place;
            let undone = rewind_in_place(&mut book, rewound);
            assert_eq!(json(&book), json(start), "going in place past {limit}");
            assert_eq!(undone.restore(&mut book), !in_place);
            if !in_place {
                assert_eq!(json(&book), json(end), "going in place past {limit}");
            }
        }
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
            // Newer than the rename: in place, undone in its slot, then
            // lifted out of it by the rename.
            change("bolt-gmbh", json!([["grade.tier", "key", null]])),
        ];
        let (start, failed) = rewind(&end, &changes);
        assert_eq!(failed, 0);
        let ids: Vec<&str> = start.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, vec!["acme", "bolt", "gone"]);
        assert_eq!(start[0].grade.tier, None);
        assert_eq!(start[0].contact.last, "2026-11-01".parse().ok());
        assert_eq!(start[1].stage, "negotiation");
        assert_eq!(start[1].name, "BOLT-GMBH");
        assert_eq!(start[1].grade.tier.as_deref(), Some("key"));
        assert_eq!(start[2].name, "Gone");
        assert_eq!(start[2].metrics.revenue_12m, Some(5.0));
        // In place: the same start book, and the end book again after.
        in_place_is(
            &end,
            &changes,
            &start,
            &["acme", "bolt", "bolt-gmbh", "gone", "new"],
            0,
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
        in_place_is(&end, &changes, &start, &["b", "d", "ghost"], 1);
        // Copies alone: swapped in, the others untouched.
        let mut book = end.clone();
        let (rewound, _) = rewound(&mut book, &changes, usize::MAX);
        let undone = rewind_in_place(&mut book, rewound);
        assert!(
            matches!(undone.put, Put::Swapped(ref swapped) if swapped.iter().map(|(i, _)| *i).eq([1, 3]))
        );
        assert_eq!(book[1].grade.tier.as_deref(), Some("small"));
        assert_eq!(
            (book[3].stage.as_str(), book[3].grade.tier.as_deref()),
            ("proposal", None)
        );
        assert!(undone.restore(&mut book));
        assert_eq!(
            serde_json::to_value(&book).unwrap(),
            serde_json::to_value(&end).unwrap()
        );
    }
}
