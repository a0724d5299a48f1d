//! The agenda computed: each customer's cadence, last contact, status,
//! next follow-up day and urgency, then the view the options ask for.
//!
//! The computations are kehu-analytics' ([`Policy::cadence_for`],
//! [`follow_up`], [`urgency`], [`kehu_analytics::urgency::order`]); this module ties them to the
//! book and the history.

use kehu_analytics::cadence::{Cadence, CadenceChoice, FollowUpStatus, follow_up};
use kehu_analytics::pipeline::PipelineGrade;
use kehu_analytics::policy::{Policy, PolicyTier};
use kehu_analytics::service::service_of;
use kehu_analytics::urgency::{DEFAULT_STEP_DAYS, Urgency, urgency};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use chrono::Datelike;
use kehu_core::{Config, Customer, Date};
use rayon::prelude::*;

use crate::contacts::{Contacts, LastContact, last_contact};

/// One customer's follow-up, borrowing the customer's text and the
/// policy's cadences (a plan of every customer copies no string).
#[derive(Clone, Debug, PartialEq)]
pub struct Item<'c> {
    /// The customer.
    pub customer: &'c Customer,
    /// Customer id.
    pub id: &'c str,
    /// Customer name.
    pub name: &'c str,
    /// Owner, if any.
    pub owner: Option<&'c str>,
    /// Funnel stage.
    pub stage: &'c str,
    /// The cadence in force.
    pub cadence: Cadence,
    /// Where the cadence comes from ([`Item::cadence_reason`] in words).
    pub choice: CadenceChoice<'c>,
    /// The last contact and its sources.
    pub last: LastContact,
    /// Due, overdue or neither, as of the run's day.
    pub status: FollowUpStatus,
    /// Days since the last contact (`None`: never contacted).
    pub days_since: Option<i64>,
    /// The day it becomes (or became) due; `None` when never contacted.
    pub due_on: Option<Date>,
    /// The first overdue day.
    pub overdue_on: Option<Date>,
    /// The day the follow-up is planned: the due day, or the run's day when
    /// that is already past (or the customer was never contacted).
    pub day: Date,
    /// The urgency score and its terms, as of the run's day.
    pub urgency: Urgency,
    /// The channel the tier's service level suggests (see [`crate::batch`]).
    pub channel: Option<&'c str>,
}

impl Item<'_> {
    /// Where the cadence comes from, in words.
    pub fn cadence_reason(&self) -> String {
        self.choice.to_string()
    }
}

/// Every customer with a cadence, and what could not be planned.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Plan<'c> {
    /// The follow-ups in the book's order (`None`: the customer has no
    /// cadence).
    slots: Vec<Option<Item<'c>>>,
    /// Positions in `slots` in urgency order (ties by id): the items are
    /// ordered by these small keys, never moved.
    order: Vec<usize>,
    /// Ids of customers without any cadence source.
    pub without_cadence: Vec<String>,
    /// Warnings for the user (unreadable grades).
    pub warnings: Vec<String>,
}

impl<'c> Plan<'c> {
    /// The follow-ups in urgency order, ties by id.
    pub fn items(&self) -> impl Iterator<Item = &Item<'c>> + Clone {
        self.order.iter().filter_map(|&at| self.slots[at].as_ref())
    }

    /// How many follow-ups there are.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether no customer has a follow-up.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The follow-up of customer `id`, if it has a cadence.
    pub fn find(&self, id: &str) -> Option<&Item<'c>> {
        self.slots.iter().flatten().find(|item| item.id == id)
    }
}

/// What a customer's follow-up rests on before the history is read: its
/// cadence and where it comes from, its tier's weight, and the channel its
/// tier's service level suggests (see [`crate::batch`]).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Basis<'c> {
    choice: CadenceChoice<'c>,
    weight: f64,
    channel: Option<&'c str>,
}

/// Each customer's [`Basis`] in the book's order (`None`: no cadence), and
/// what could not be planned: everything of the plan that needs no
/// history, so it can be laid while the host reads the history.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Groundwork<'c> {
    bases: Vec<Option<Basis<'c>>>,
    without_cadence: Vec<String>,
    warnings: Vec<String>,
}

/// Lays the groundwork of `customers`' plan, one customer after the other
/// (it runs beside the host's history query, on the one core that query
/// leaves idle). Each customer's tier is looked up once, for its cadence,
/// weight and channel.
pub fn groundwork<'c>(
    policy: &'c Policy,
    config: &'c Config,
    customers: &'c [Customer],
) -> Groundwork<'c> {
    // The channel of each of the policy's tiers (made from `config`'s
    // tiers, in the same order).
    let channels: Vec<Option<&'c str>> = policy
        .tiers
        .iter()
        .map(|t| {
            service_of(config, Some(&t.rule.name))
                .and_then(|s| s.level.channels.first().map(String::as_str))
        })
        .collect();
    let untiered =
        service_of(config, None).and_then(|s| s.level.channels.first().map(String::as_str));
    let mut out = Groundwork {
        bases: Vec::with_capacity(customers.len()),
        ..Groundwork::default()
    };
    for customer in customers {
        let text = customer.grade.pipeline.as_deref();
        let grade = text.and_then(PipelineGrade::parse);
        if let Some(text) = text
            && grade.is_none()
        {
            out.warnings.push(format!(
                "{}: grade.pipeline `{text}` is not A to E; its tier's cadence is used",
                customer.id
            ));
        }
        let at = tier_at(policy, customer.grade.tier.as_deref());
        let tier: Option<&PolicyTier> = at.map(|at| &policy.tiers[at]);
        let basis = policy
            .cadence_in(grade, tier, customer.cadence)
            .map(|choice| Basis {
                choice,
                weight: tier.map_or(1.0, |t| t.weight),
                channel: at.map_or(untiered, |at| channels[at]),
            });
        if basis.is_none() {
            out.without_cadence.push(customer.id.clone());
        }
        out.bases.push(basis);
    }
    out
}

/// The position of the tier called `name` in the policy, or of the default
/// (last) tier when `name` is absent or unknown ([`Policy::tier_or_default`]).
fn tier_at(policy: &Policy, name: Option<&str>) -> Option<usize> {
    name.and_then(|n| policy.tiers.iter().position(|t| t.rule.name == n))
        .or_else(|| policy.tiers.len().checked_sub(1))
}

/// The history window to read, from `as_of` back, both ends inclusive:
/// `history_days` when kehu.toml `[agenda] history_days` sets it, else the
/// longest maximum interval in force (a contact older than that leaves any
/// customer overdue anyway).
pub fn window(
    policy: &Policy,
    customers: &[Customer],
    as_of: Date,
    history_days: Option<u32>,
) -> (Date, Date) {
    let longest = history_days.map_or_else(|| longest_max(policy, customers) + 1, i64::from);
    let since = as_of
        .0
        .checked_sub_signed(chrono::TimeDelta::days(longest))
        .map_or(as_of, Date);
    (since, as_of)
}

/// `[agenda] history_days`: how far back to read contact commits; `0`
/// reads no history (the last contact is then `[contact].last` alone).
pub fn history_days(section: Option<&serde_json::Value>) -> Option<u32> {
    section
        .and_then(|s| s.get("history_days"))
        .and_then(serde_json::Value::as_u64)
        .and_then(|n| u32::try_from(n).ok())
}

fn longest_max(policy: &Policy, customers: &[Customer]) -> i64 {
    let longest = customers
        .par_iter()
        .filter_map(|c| {
            let grade = c.grade.pipeline.as_deref().and_then(PipelineGrade::parse);
            policy
                .cadence_for(grade, c.grade.tier.as_deref(), c.cadence)
                .map(|choice| choice.cadence.max)
        })
        .max()
        .unwrap_or(0);
    i64::from(longest)
}

/// The step added past the maximum interval: kehu.toml `[agenda]
/// step_days`, else the analytics default.
pub fn step_days(section: Option<&serde_json::Value>) -> u32 {
    section
        .and_then(|s| s.get("step_days"))
        .and_then(serde_json::Value::as_u64)
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(DEFAULT_STEP_DAYS)
}

/// Plans every customer of the groundwork as of `as_of`, with the contacts
/// read from history since `since` (`None`: no history was read).
///
/// The customers are planned in parallel; the items are ordered by urgency,
/// ties by id ([`kehu_analytics::urgency::order`]).
pub fn plan<'c>(
    ground: Groundwork<'c>,
    customers: &'c [Customer],
    contacts: &Contacts,
    since: Option<Date>,
    as_of: Date,
    step: u32,
) -> Plan<'c> {
    let logged = contacts.of_each(customers.iter().map(|c| c.id.as_str()));
    let mut slots: Vec<Option<Item<'c>>> = Vec::new();
    customers
        .par_iter()
        .zip(&ground.bases)
        .zip(logged)
        .map(|((customer, basis), logged)| {
            let basis = (*basis)?;
            let last = last_contact(customer.contact.last, logged, since);
            Some(item(customer, basis, last, as_of, step))
        })
        .collect_into_vec(&mut slots);
    let order = urgency_order(&slots);
    Plan {
        slots,
        order,
        without_cadence: ground.without_cadence,
        warnings: ground.warnings,
    }
}

/// One customer's follow-up, from its cadence, tier weight and last contact.
fn item<'c>(
    customer: &'c Customer,
    Basis {
        choice,
        weight,
        channel,
    }: Basis<'c>,
    last: LastContact,
    as_of: Date,
    step: u32,
) -> Item<'c> {
    let cadence = choice.cadence;
    let state = follow_up(cadence, last.day, as_of);
    let day = match state.due_on {
        Some(due) if due > as_of => due,
        _ => as_of,
    };
    Item {
        customer,
        id: &customer.id,
        name: &customer.name,
        owner: customer.owner.as_deref(),
        stage: &customer.stage,
        cadence,
        choice,
        status: state.status,
        days_since: state.days_since,
        due_on: state.due_on,
        overdue_on: state.overdue_on,
        day,
        urgency: urgency(cadence, state.days_since, weight, step),
        last,
        channel,
    }
}

/// The positions of the items of `slots` in
/// [`kehu_analytics::urgency::order`]. The sort is on small keys: the
/// score, then (unless the items are in id order already, as a book's
/// customers are) the id, then the position.
fn urgency_order(slots: &[Option<Item<'_>>]) -> Vec<usize> {
    let mut ids = slots.iter().flatten().map(|item| item.id);
    let mut previous = ids.next();
    let ascending = ids.all(|id| {
        let before = previous.replace(id);
        before.is_none_or(|b| b < id)
    });
    let mut keys: Vec<(u64, usize)> = slots
        .iter()
        .enumerate()
        .filter_map(|(at, item)| item.as_ref().map(|i| (!ascending_key(i.urgency.score), at)))
        .collect();
    let id = |at: usize| slots[at].as_ref().map(|item| item.id);
    keys.par_sort_unstable_by(|a, b| {
        let by_id = if ascending {
            std::cmp::Ordering::Equal
        } else {
            id(a.1).cmp(&id(b.1))
        };
        a.0.cmp(&b.0).then(by_id).then(a.1.cmp(&b.1))
    });
    keys.into_iter().map(|(_, at)| at).collect()
}

/// A key whose unsigned order is [`f64::total_cmp`]'s order.
fn ascending_key(x: f64) -> u64 {
    let bits = x.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    }
}

/// What to show.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct View {
    /// Only this owner's customers.
    pub owner: Option<String>,
    /// The next N days (today included); `None`: today's due and overdue.
    pub days: Option<u32>,
    /// Only the overdue.
    pub overdue: bool,
}

impl View {
    /// The last day shown.
    pub fn until(&self, as_of: Date) -> Date {
        let extra = i64::from(self.days.unwrap_or(1).saturating_sub(1));
        as_of
            .0
            .checked_add_signed(chrono::TimeDelta::days(extra))
            .map_or(as_of, Date)
    }

    /// Whether `item` is on this view as of `as_of`.
    pub fn shows(&self, item: &Item<'_>, as_of: Date) -> bool {
        self.shows_until(item, self.until(as_of))
    }

    fn shows_until(&self, item: &Item<'_>, until: Date) -> bool {
        if let Some(owner) = &self.owner
            && item.owner != Some(owner.as_str())
        {
            return false;
        }
        if self.overdue {
            return item.status == FollowUpStatus::Overdue;
        }
        item.day <= until
    }

    /// The items shown, grouped: by owner (then urgency), or with `--days`
    /// by day, then owner, then urgency. Unowned customers come last in a
    /// day.
    pub fn select<'p, 'c>(&self, plan: &'p Plan<'c>, as_of: Date) -> Vec<&'p Item<'c>> {
        let until = self.until(as_of);
        // The items are read in the book's order (the order they lie in
        // memory), each with its place in the urgency order.
        let mut place = vec![0; plan.slots.len()];
        for (rank, &at) in plan.order.iter().enumerate() {
            place[at] = rank;
        }
        // Each owner shown is numbered as first met, looked up once per item.
        let mut numbers: HashMap<&str, u32, BuildHasherDefault<Fnv>> = HashMap::default();
        let mut owners: Vec<&str> = Vec::new();
        let mut shown: Vec<(i32, u32, usize)> = Vec::new();
        let by_days = self.days.is_some();
        for (item, &place) in plan.slots.iter().zip(&place) {
            let Some(item) = item.as_ref().filter(|i| self.shows_until(i, until)) else {
                continue;
            };
            let day = if by_days {
                item.day.0.num_days_from_ce()
            } else {
                0
            };
            let owner = item.owner.map_or(u32::MAX, |o| {
                *numbers.entry(o).or_insert_with(|| {
                    owners.push(o);
                    u32::try_from(owners.len() - 1).unwrap_or(u32::MAX)
                })
            });
            shown.push((day, owner, place));
        }
        // Sorted by small keys: the day, the owner's rank among the owners
        // shown (unowned last), then the place in the urgency order, so the
        // order within a group stays the urgency order.
        let mut by_name: Vec<usize> = (0..owners.len()).collect();
        by_name.sort_unstable_by_key(|&n| owners[n]);
        let mut ranks = vec![0; owners.len()];
        for (rank, n) in (0..).zip(by_name) {
            ranks[n] = rank;
        }
        for key in &mut shown {
            if let Some(&rank) = usize::try_from(key.1).ok().and_then(|n| ranks.get(n)) {
                key.1 = rank;
            }
        }
        shown.par_sort_unstable();
        shown
            .into_iter()
            .filter_map(|(_, _, place)| plan.slots[plan.order[place]].as_ref())
            .collect()
    }
}

/// FNV-1a: a hash for the few short owner names [`View::select`] ranks a
/// hundred thousand times (the standard hasher costs several times more).
#[derive(Default)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn write(&mut self, bytes: &[u8]) {
        let mut hash = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            hash = (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = hash;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use kehu_analytics::urgency::order;

    use super::*;

    /// Customers in id order or not, many with the same score: the plan
    /// is in the agenda order either way.
    #[test]
    fn items_come_in_urgency_order_then_by_id() {
        let as_of: Date = "2026-11-18".parse().unwrap();
        let customers: Vec<Customer> = (0..300)
            .map(|i| {
                let mut c = Customer {
                    id: format!("c{:03}", (i * 7) % 300),
                    stage: "won".into(),
                    ..Customer::default()
                };
                c.grade.tier = Some(["key", "small"][i % 2].into());
                c.contact.last = (i % 5 != 0).then(|| {
                    Date(as_of.0 - chrono::TimeDelta::days(i64::try_from(i % 9).unwrap() * 20))
                });
                c
            })
            .collect();
        let mut sorted = customers.clone();
        sorted.sort_by(|a, b| a.id.cmp(&b.id));
        let config = Config::default();
        let policy = Policy::from_config(&config).unwrap();
        for book in [&customers, &sorted] {
            let ground = groundwork(&policy, &config, book);
            let planned = plan(ground, book, &Contacts::default(), None, as_of, 30);
            assert_eq!(planned.len(), book.len());
            let items: Vec<&Item<'_>> = planned.items().collect();
            let mut expected = items.clone();
            expected.sort_by(|a, b| order((&a.urgency, a.id), (&b.urgency, b.id)));
            let ids = |items: &[&Item<'_>]| -> Vec<String> {
                items.iter().map(|i| i.id.to_owned()).collect()
            };
            assert_eq!(ids(&items), ids(&expected));
        }
    }
}
