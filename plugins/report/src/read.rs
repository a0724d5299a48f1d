//! What the report reads from the history, in windows bounded by the
//! period, each commit diffed by the host once and each answer streamed
//! ([`crate::history::each_event`]):
//!
//! | window | filter | for |
//! | --- | --- | --- |
//! | the period | every field | contacts, movements, funnel, revenue booked, the start book (undoing the period), folded change by change ([`crate::fold`]) |
//! | before it: the previous period of the same length, and at least the risk window | the risk fields and `metrics.revenue_total` | revenue booked in the previous period, the at-risk list's history signals, lifecycle trends |
//! | the year up to the period's end, before the period | commits with a complaint trailer, `contact.last` of their contacts | complaints (the service KPIs count a year) |
//!
//! A one-week report reads a week of full changes, about three months of
//! five fields and a year's complaint commits (the host walks the year's
//! commit records and reads only those commits' entries); a one-year report reads a year of full changes and a
//! year of five fields. Complaints are read from the year up to the
//! period's end (or the period, if longer): one opened before that and
//! still open is not counted.

use std::collections::BTreeMap;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Mutex, MutexGuard, PoisonError};

use kehu_analytics::complaints::{ComplaintEvent, ComplaintKind};
use kehu_analytics::lifecycle::RecentValues;
use kehu_analytics::trails::{self, Trails, TrailsBuilder};
use kehu_core::{Config, Customer, Date};
use kehu_plugin_sdk::{ChangeFilter, Context, PluginError};

use crate::build::joined;
use crate::fold::Fold;
use crate::history::{Change, Key, RawCustomer, RawEvent, each_event, key, oldest_first};
use crate::period::{Period, shift};
use crate::rewind::Rewound;
use crate::sections::kpi::booked_delta;

/// Why the history could not be read.
#[derive(Debug)]
pub struct Unread {
    /// The host's or the folding's error.
    pub error: PluginError,
    /// The book was being undone in place when it failed: it is neither
    /// the end book nor the start book, and is to be read again.
    pub book_undone: bool,
}

/// Days of contact history the complaint KPIs need (their year).
pub const COMPLAINT_DAYS: i64 = 365;

/// The trailer that opens a complaint.
const COMPLAINT: &str = "Kehu-Complaint";
/// The trailer that resolves one.
const RESOLVED: &str = "Kehu-Resolved";

/// What the history gave.
pub struct Read {
    /// What the sections keep of the period's changes.
    pub period: crate::sections::Period,
    /// The start versions of the customers the period's changes touched.
    pub rewound: Rewound,
    /// Revenue booked in the previous period of the same length, in cents.
    pub previous_booked: i64,
    /// Complaint openings and resolutions, oldest first.
    pub complaints: Vec<ComplaintEvent>,
    /// Each customer's recorded `revenue_12m` values in the windows read
    /// that the lifecycle stages at the start and the end read (the last
    /// few up to each).
    pub revenue: BTreeMap<String, Vec<(Date, f64)>>,
    /// The history signals of the at-risk list (churn's window).
    pub trails: Trails,
}

/// The windows of a period.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Windows {
    /// The first day of the risk signals' window.
    pub risk_since: Date,
    /// The first day read before the period (fields of `before`), if any.
    pub before_since: Option<Date>,
    /// The first day of contact history read before the period, if any.
    pub complaints_since: Option<Date>,
}

impl Windows {
    /// The windows of `period`.
    pub fn of(period: &Period) -> Windows {
        let (risk_since, _) = trails::window(period.until, trails::DEFAULT_HISTORY_DAYS);
        let before = period.previous_since().min(risk_since);
        let year = shift(period.until, 1 - COMPLAINT_DAYS);
        Windows {
            risk_since,
            before_since: (before < period.since).then_some(before),
            complaints_since: (year < period.since).then_some(year),
        }
    }
}

/// The fields read before the period.
fn before_fields() -> Vec<&'static str> {
    let mut fields = trails::FIELDS.to_vec();
    fields.push("metrics.revenue_total");
    fields
}

/// Which answer is being read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Part {
    /// The period, every field.
    Period,
    /// Before the period, the risk and revenue fields.
    Before,
    /// Contact commits, for complaints.
    Complaints,
}

/// Folds streamed events into a [`Read`].
struct Reader<'a> {
    part: Part,
    /// The days the current answer was asked for (a host may send more).
    window: (Date, Date),
    /// Events folded so far: positions run on across the answers, so a
    /// later answer's (older) commits sort after an earlier one's within a
    /// second.
    order: usize,
    period: Period,
    previous_since: Date,
    risk_since: Date,
    fold: Fold<'a>,
    previous_booked: i64,
    complaints: Vec<(Key, ComplaintEvent)>,
    revenue: RecentValues,
    trails: TrailsBuilder,
}

impl Reader<'_> {
    /// Folds one answer of the host, asked for `window` of `part`.
    fn answer(
        &mut self,
        part: Part,
        window: (Date, Date),
        bytes: &[u8],
    ) -> Result<(), PluginError> {
        self.part = part;
        self.window = window;
        let base = self.order;
        let mut next = base;
        each_event(bytes, |i, event| {
            next = base + i + 1;
            self.event(base + i, event);
        })?;
        self.order = next;
        Ok(())
    }

    fn event(&mut self, order: usize, event: RawEvent<'_>) {
        let commit = &event.commit;
        let day = commit.date;
        if day < self.window.0 || day > self.window.1 {
            return;
        }
        let key = key(commit, order);
        if self.part != Part::Before {
            self.complaint_events(&event, key);
        }
        if self.part == Part::Complaints {
            return;
        }
        for customer in event.customers {
            if let Some(value) = customer
                .field("metrics.revenue_12m")
                .and_then(|f| f.new.as_f64())
            {
                self.revenue.push(key, &customer.id, value);
            }
            if day >= self.risk_since {
                self.trails.push(
                    (day, commit.timestamp, order),
                    &customer.id,
                    customer.old_id.as_deref(),
                    customer
                        .fields
                        .iter()
                        .map(|f| (f.field.as_ref(), &f.old, &f.new)),
                );
            }
            if self.period.contains(day) {
                self.fold.add(key, &Change::of(commit, customer));
            } else if day >= self.previous_since && !is_file_change(&customer) {
                self.previous_booked += customer
                    .field("metrics.revenue_total")
                    .and_then(|f| booked_delta(&f.old, &f.new))
                    .unwrap_or(0);
            }
        }
    }

    /// The complaint trailers of a commit, for each of its customers, dated
    /// on the contact's day (its new `contact.last`), else the commit's.
    fn complaint_events(&mut self, event: &RawEvent<'_>, key: Key) {
        let commit = &event.commit;
        for (name, value) in &commit.trailers {
            let kind = if name.eq_ignore_ascii_case(COMPLAINT) {
                ComplaintKind::Opened(value.trim().to_owned())
            } else if name.eq_ignore_ascii_case(RESOLVED) {
                ComplaintKind::Resolved(value.trim().to_owned())
            } else {
                continue;
            };
            for customer in &event.customers {
                let date = customer
                    .field("contact.last")
                    .and_then(|f| f.new.as_str()?.parse().ok())
                    .unwrap_or(commit.date);
                self.complaints.push((
                    (date, key.1, key.2),
                    ComplaintEvent {
                        commit: commit.id.to_string(),
                        date,
                        customer: customer.id.to_string(),
                        kind: kind.clone(),
                    },
                ));
            }
        }
    }
}

/// A file added or removed: its revenue_total is past revenue or no loss,
/// never revenue booked (as [`crate::sections::kpi::booked`]).
fn is_file_change(customer: &RawCustomer<'_>) -> bool {
    matches!(customer.status.as_deref(), Some("added" | "removed"))
}

/// Days of history asked for in one answer: the host holds each answer
/// whole while the book is held too (two weeks of the risk fields on a
/// 100,000-customer book are about 8 MB, and up to three answers are in
/// memory while one is folded: see [`read`]), so a long window is asked for
/// a slice at a time. Each answer's walk starts at the newest commit, but
/// over the index's skeleton the newer commits cost a few bytes each.
pub const SLICE_DAYS: i64 = 15;

/// `since..=until` cut into slices of at most [`SLICE_DAYS`] days, newest
/// first (the order of the host's answers, so the positions of the events
/// run on as in one answer).
pub fn slices(since: Date, until: Date) -> Vec<(Date, Date)> {
    let mut out = Vec::new();
    let mut to = until;
    while to >= since {
        let from = shift(to, 1 - SLICE_DAYS).max(since);
        out.push((from, to));
        let next = shift(from, -1);
        if next >= from {
            break;
        }
        to = next;
    }
    out
}

/// Asks the host for each window of `period` and hands the answers to
/// `to_fold`, in order.
fn ask(
    ctx: &Context<'_>,
    period: &Period,
    windows: &Windows,
    reader: &Mutex<Reader<'_>>,
    to_fold: &SyncSender<Job>,
) -> Result<(), PluginError> {
    let day_before = period.start_day();
    let contacts = ChangeFilter::fields(["contact.last"]).contacts();
    let complaints = contacts.clone().trailers([COMPLAINT, RESOLVED]);
    // The deepest day first, alone, with a filter that keeps little: a
    // host that indexes its history as deep as it is asked then indexes
    // every window below in one step (the answers that follow go deeper a
    // slice at a time, and each step would walk the history again). What
    // it answers is not used; a host that refuses is asked the rest.
    let deepest = [windows.before_since, windows.complaints_since]
        .into_iter()
        .flatten()
        .min();
    if let Some(day) = deepest {
        let _ = ctx.changes_raw(Some(day), Some(day), &complaints, |_| Ok(()));
    }
    // Returns whether the host answered at all (a host that refuses a
    // filter answers nothing).
    let stream = |part, window: Vec<(Date, Date)>, filter: ChangeFilter| {
        let mut answered = false;
        for (from, to) in window {
            let answer = ctx.changes_raw(Some(from), Some(to), &filter, |bytes| {
                answered = true;
                let window = (from, to);
                // A folding thread gone has failed: its error is reported.
                if bytes.len() < FOLD_IN_PLACE {
                    let answer = Answer {
                        part,
                        window,
                        bytes: bytes.to_vec(),
                    };
                    return Ok(to_fold.send(Job::Fold(answer)).is_ok());
                }
                let (done, caught_up) = sync_channel(1);
                if to_fold.send(Job::Wait(done)).is_err() || caught_up.recv().is_err() {
                    return Ok(false);
                }
                lock(reader).answer(part, window, bytes)?;
                Ok(true)
            });
            match answer {
                Err(_) if !answered => return Ok(false),
                Err(e) => return Err(e),
                Ok(false) => return Ok(true),
                Ok(true) => {}
            }
        }
        Ok::<bool, PluginError>(true)
    };
    let everything = ChangeFilter::default();
    let answered = |asked: Result<bool, PluginError>, what: &str| match asked {
        Ok(true) => Ok(()),
        Ok(false) => Err(PluginError::Host(format!("the host did not answer {what}"))),
        Err(e) => Err(e),
    };
    let whole = slices(period.since, period.until);
    answered(
        stream(Part::Period, whole, everything),
        "the period's changes",
    )?;
    if let Some(since) = windows.before_since {
        let filter = ChangeFilter::fields(before_fields());
        let window = slices(since, day_before);
        answered(
            stream(Part::Before, window, filter),
            "the changes before the period",
        )?;
    }
    if let Some(since) = windows.complaints_since {
        // The complaint commits of the year in one answer: they are few.
        // A host that does not know the trailer filter is asked for every
        // contact, a slice at a time.
        let year = vec![(since, day_before)];
        if !stream(Part::Complaints, year, complaints)? {
            answered(
                stream(Part::Complaints, slices(since, day_before), contacts),
                "the year's contacts",
            )?;
        }
    }
    Ok(())
}

/// Answers at least this large are folded where they arrive, once the
/// folding thread has caught up, rather than copied for it: a monthly
/// regrade of 15,000 customers makes an answer of about 31 MB on the bench
/// book, which a copy would hold twice. (Tests' answers are small: at 512 bytes some
/// are copied and some folded in place.)
const FOLD_IN_PLACE: usize = if cfg!(test) { 512 } else { 8 << 20 };

/// One answer of the host, handed to the thread that folds it.
struct Answer {
    part: Part,
    /// The days it was asked for.
    window: (Date, Date),
    bytes: Vec<u8>,
}

/// What the folding thread is asked to do.
enum Job {
    /// Fold this answer.
    Fold(Answer),
    /// Say so once every answer sent before is folded.
    Wait(SyncSender<()>),
}

/// The reader, whoever folds (a panic on the folding thread is resumed
/// when it is joined).
fn lock<'r, 'a>(reader: &'r Mutex<Reader<'a>>) -> MutexGuard<'r, Reader<'a>> {
    reader.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Folds the answers into `reader` in the order they were asked for.
fn fold(reader: &Mutex<Reader<'_>>, jobs: Receiver<Job>) -> Result<(), PluginError> {
    for job in jobs {
        match job {
            Job::Fold(answer) => lock(reader).answer(answer.part, answer.window, &answer.bytes)?,
            Job::Wait(done) => {
                let _ = done.send(());
            }
        }
    }
    Ok(())
}

/// Reads the windows of `period` from the host, folding the period's
/// changes over the end `book` ([`Fold`]), which is left undone as far as
/// [`crate::rewind::Rewinder`] went. The answers are folded on a
/// thread of their own while the host makes the next one (the host's walk
/// and the parsing each take one core): one answer folded, one waiting
/// (the host's and its copy), never more; a very large answer is folded
/// in place instead ([`FOLD_IN_PLACE`]).
pub fn read(
    ctx: &Context<'_>,
    period: &Period,
    book: &mut [Customer],
    config: &Config,
) -> Result<Read, Unread> {
    let windows = Windows::of(period);
    let reader = Mutex::new(Reader {
        part: Part::Period,
        window: (period.since, period.until),
        order: 0,
        period: period.clone(),
        previous_since: period.previous_since(),
        risk_since: windows.risk_since,
        fold: Fold::new(book, config),
        previous_booked: 0,
        complaints: Vec::new(),
        revenue: RecentValues::new(&[period.start_day(), period.until]),
        trails: TrailsBuilder::default(),
    });
    let (to_fold, jobs) = sync_channel::<Job>(0);
    let (asked, folded) = std::thread::scope(|scope| {
        let folding = scope.spawn(|| fold(&reader, jobs));
        let asked = ask(ctx, period, &windows, &reader, &to_fold);
        drop(to_fold);
        (asked, joined(folding))
    });
    let reader = reader.into_inner().unwrap_or_else(PoisonError::into_inner);
    // A folding error first: asking stops quietly when the folding stopped.
    if let Err(error) = folded.and(asked) {
        return Err(Unread {
            error,
            book_undone: reader.fold.undoes_in_place(),
        });
    }
    let (folded, rewound) = reader.fold.finish();
    Ok(Read {
        period: folded,
        rewound,
        previous_booked: reader.previous_booked,
        complaints: oldest_first(reader.complaints),
        revenue: reader.revenue.finish(),
        trails: reader.trails.finish(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Date {
        text.parse().unwrap()
    }

    fn period(since: &str, until: &str) -> Period {
        Period {
            label: String::new(),
            since: d(since),
            until: d(until),
        }
    }

    #[test]
    fn slices_cover_the_window_newest_first() {
        let s = slices(d("2026-01-01"), d("2026-02-01"));
        assert_eq!(
            s,
            vec![
                (d("2026-01-18"), d("2026-02-01")),
                (d("2026-01-03"), d("2026-01-17")),
                (d("2026-01-01"), d("2026-01-02")),
            ]
        );
        assert_eq!(slices(d("2026-01-01"), d("2026-01-01")).len(), 1);
        assert!(slices(d("2026-01-02"), d("2026-01-01")).is_empty());
    }

    #[test]
    fn windows_grow_with_the_period() {
        // A week: 90 days of risk fields, the rest of the year for complaints.
        let w = Windows::of(&period("2026-11-16", "2026-11-22"));
        assert_eq!(w.risk_since, d("2026-08-25"));
        assert_eq!(w.before_since, Some(d("2026-08-25")));
        assert_eq!(w.complaints_since, Some(d("2025-11-23")));
        // A year: the previous year before it; complaints need nothing more.
        let w = Windows::of(&period("2025-11-23", "2026-11-22"));
        assert_eq!(w.before_since, Some(d("2024-11-23")));
        assert_eq!(w.complaints_since, None);
    }
}
