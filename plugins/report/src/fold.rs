//! The period's changes folded one at a time, newest first, as the history
//! reader receives them ([`crate::read`]): each change is undone into the
//! start book ([`Rewinder`]), its rename noted, and counted or listed by
//! the sections that need it; then it is dropped. So a report's memory
//! follows the customers the period touched and what it lists, not the
//! number of changes: a one-year report of the 100,000-customer bench book
//! held its 193,000 changes before, and its peak fell from 508 to 332 MiB
//! when it stopped.
//!
//! Newest first is the order the host sends (its walk of the history,
//! window by window from the end of the period back), so every rename newer
//! than a change is known when the change comes, and the ids a section
//! shows are the ids at the end of the period.

use kehu_analytics::funnel::StageMove;
use kehu_core::{Config, Customer};

use crate::history::{Change, Key, Renames, oldest_first};
use crate::rewind::{Rewinder, Rewound};
use crate::sections::contacts::{EndContacts, Tally};
use crate::sections::movements::{self, Movement};
use crate::sections::{Period, funnel, kpi};

/// Folds the period's changes into a [`Period`] and the start versions of
/// the customers they touched. What the sections read of the end book is
/// taken when it starts (the book is undone as the changes come): the
/// owners and channels here, the movements' names once the end book is
/// whole again ([`movements::name`]).
pub struct Fold<'a> {
    /// The end book's owners and channels, for the contacts.
    end: EndContacts,
    /// The tiers in kehu.toml's order, for ranking movements.
    tiers: Vec<&'a str>,
    rewinder: Rewinder<'a>,
    renames: Renames,
    contacts: Tally,
    booked: i64,
    movements: Vec<(Key, Movement)>,
    stage_moves: Vec<(Key, StageMove)>,
}

impl<'a> Fold<'a> {
    /// Starts over the end `book` (in id order) and its kehu.toml.
    pub fn new(book: &'a mut [Customer], config: &'a Config) -> Fold<'a> {
        Fold {
            end: EndContacts::of(book),
            tiers: config.tiers.iter().map(|t| t.name.as_str()).collect(),
            rewinder: Rewinder::new(book),
            renames: Renames::default(),
            contacts: Tally::default(),
            booked: 0,
            movements: Vec::new(),
            stage_moves: Vec::new(),
        }
    }

    /// Folds `change` (at `key`), older than every change folded before.
    pub fn add(&mut self, key: Key, change: &Change) {
        self.renames.note(change);
        self.rewinder.undo(change);
        if change.is_contact() {
            let place = self.rewinder.position(self.renames.resolve(&change.id));
            self.contacts.add(change, place.map(|i| self.end.at(i)));
        }
        self.booked += kpi::booked(change);
        movements::of_change(change, &self.renames, &self.tiers, |m| {
            self.movements.push((key, m));
        });
        if let Some(stage_move) = funnel::stage_move(change, &self.renames) {
            self.stage_moves.push((key, stage_move));
        }
    }

    /// Whether the end book is being undone in place (it is then neither
    /// the end book nor yet the start book).
    pub fn undoes_in_place(&self) -> bool {
        self.rewinder.in_place()
    }

    /// What the sections keep, the listed changes oldest first (in the
    /// order of their commits, a commit's customers in the host's order),
    /// and the start versions.
    pub fn finish(self) -> (Period, Rewound) {
        let (rewound, touched) = self.rewinder.finish();
        let period = Period {
            renames: self.renames,
            touched,
            contacts: self.contacts,
            booked: self.booked,
            movements: oldest_first(self.movements),
            stage_moves: oldest_first(self.stage_moves),
        };
        (period, rewound)
    }
}
