//! Complaints and satisfaction: the service KPIs of the practice.
//!
//! A complaint is opened by a contact commit with a `Kehu-Complaint`
//! trailer; its reference is that commit's id. A later contact commit with
//! `Kehu-Resolved: <id>` (any unique prefix of at least
//! [`MIN_REF_LEN`] hex digits) closes it. [`complaints`] pairs them from
//! the history; [`find_open`] resolves a reference the way `kehu contact
//! --resolved` does; [`kpis`] computes, per group (tier, owner), the share
//! of surveyed customers satisfied and the complaint counts against the
//! targets of kehu.toml `[targets]`.

use std::collections::{BTreeMap, HashMap};

use kehu_core::{Customer, Date};
use serde::Serialize;

/// The shortest complaint reference accepted (as `git` abbreviates).
pub const MIN_REF_LEN: usize = 7;

/// What a commit says about complaints, for one customer.
#[derive(Clone, Debug, PartialEq)]
pub struct ComplaintEvent {
    /// The commit id (full hex).
    pub commit: String,
    /// The commit's day.
    pub date: Date,
    /// The customer the commit is about.
    pub customer: String,
    /// Opened (with its text) or resolved (with its reference).
    pub kind: ComplaintKind,
}

/// Opening or resolving.
#[derive(Clone, Debug, PartialEq)]
pub enum ComplaintKind {
    /// `Kehu-Complaint: <text>`.
    Opened(String),
    /// `Kehu-Resolved: <reference>`.
    Resolved(String),
}

/// One complaint and its resolution.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Complaint {
    /// The reference: the id of the commit that recorded it.
    pub id: String,
    /// The customer.
    pub customer: String,
    /// What the customer complained about.
    pub text: String,
    /// The day it was recorded.
    pub opened: Date,
    /// The day it was resolved; `None` while open.
    pub resolved: Option<Date>,
}

impl Complaint {
    /// Whether it is open at the end of `day`.
    pub fn is_open_on(&self, day: Date) -> bool {
        self.opened <= day && self.resolved.is_none_or(|r| r > day)
    }
}

/// Why a reference names no open complaint.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RefError {
    /// Too short, or not hex.
    #[error(
        "`{0}` is not a complaint reference: give the complaint commit's id (at least 7 hex digits)"
    )]
    Malformed(String),
    /// No open complaint of the customer has that id.
    #[error("no open complaint of {customer} has the reference `{reference}`{open}")]
    NotOpen {
        /// The customer.
        customer: String,
        /// The reference given.
        reference: String,
        /// `; open: abc1234 (…)` or `; it has no open complaint`.
        open: String,
    },
    /// More than one open complaint matches.
    #[error("`{0}` names more than one open complaint; give more digits")]
    Ambiguous(String),
}

fn is_ref(text: &str) -> bool {
    text.len() >= MIN_REF_LEN && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The complaints found in `events` (oldest first): each opening is a
/// complaint; a resolution closes the open complaint of the same customer
/// whose id starts with its reference (a resolution naming none is ignored:
/// `kehu contact` refuses to write one).
pub fn complaints(events: &[ComplaintEvent]) -> Vec<Complaint> {
    let mut out: Vec<Complaint> = Vec::new();
    for event in events {
        match &event.kind {
            ComplaintKind::Opened(text) => out.push(Complaint {
                id: event.commit.clone(),
                customer: event.customer.clone(),
                text: text.clone(),
                opened: event.date,
                resolved: None,
            }),
            ComplaintKind::Resolved(reference) => {
                let reference = reference.trim().to_ascii_lowercase();
                if !is_ref(&reference) {
                    continue;
                }
                if let Some(open) = out.iter_mut().find(|c| {
                    c.resolved.is_none()
                        && c.customer == event.customer
                        && c.id.starts_with(&reference)
                }) {
                    open.resolved = Some(event.date);
                }
            }
        }
    }
    out
}

/// The open complaint of `customer` that `reference` names.
pub fn find_open<'c>(
    complaints: &'c [Complaint],
    customer: &str,
    reference: &str,
) -> Result<&'c Complaint, RefError> {
    let wanted = reference.trim().to_ascii_lowercase();
    if !is_ref(&wanted) {
        return Err(RefError::Malformed(reference.to_owned()));
    }
    let open: Vec<&Complaint> = complaints
        .iter()
        .filter(|c| c.customer == customer && c.resolved.is_none())
        .collect();
    let matching: Vec<&&Complaint> = open.iter().filter(|c| c.id.starts_with(&wanted)).collect();
    match matching.as_slice() {
        [one] => Ok(one),
        [] => Err(RefError::NotOpen {
            customer: customer.to_owned(),
            reference: reference.to_owned(),
            open: if open.is_empty() {
                "; it has no open complaint".to_owned()
            } else {
                let refs: Vec<String> = open
                    .iter()
                    .map(|c| format!("{} ({})", &c.id[..c.id.len().min(10)], c.text))
                    .collect();
                format!("; open: {}", refs.join(", "))
            },
        }),
        _ => Err(RefError::Ambiguous(reference.to_owned())),
    }
}

/// The targets the KPIs are measured against (kehu.toml `[targets]`).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct KpiTargets {
    /// Share of surveyed customers satisfied, at least.
    pub satisfied_share: f64,
    /// Satisfaction from which a customer counts as satisfied.
    pub satisfied_score: f64,
    /// Complaints per customer per year, at most.
    pub complaints_per_customer: f64,
}

/// The service KPIs of one group of customers (the whole book, a tier, an
/// owner) for a period.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ServiceKpi {
    /// The group: `all`, a tier name, an owner id or `(none)`.
    pub group: String,
    /// Customers in the group at the end of the period.
    pub customers: usize,
    /// Of those, with a satisfaction score.
    pub surveyed: usize,
    /// Of those, at or above the satisfied score.
    pub satisfied: usize,
    /// satisfied / surveyed; `None` when nobody was surveyed.
    pub satisfied_share: Option<f64>,
    /// Whether the share meets its target (`None` without a share).
    pub satisfied_on_target: Option<bool>,
    /// Complaints opened in the period.
    pub opened: usize,
    /// Complaints resolved in the period.
    pub resolved: usize,
    /// Complaints open at the end of the period.
    pub open: usize,
    /// Age in days of the oldest open complaint.
    pub oldest_open_days: Option<i64>,
    /// Complaints opened in the 365 days up to the end of the period.
    pub complaints_year: usize,
    /// complaints_year / customers.
    pub per_customer_year: Option<f64>,
    /// Whether that meets its target.
    pub complaints_on_target: Option<bool>,
    /// Customers with more than one complaint in those 365 days, by id.
    pub repeat_customers: Vec<String>,
}

/// An open complaint at the end of the period, with its age.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OpenComplaint {
    /// The complaint.
    #[serde(flatten)]
    pub complaint: Complaint,
    /// Days since it was opened.
    pub age_days: i64,
}

/// Everything the report shows about service.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ServiceKpis {
    /// The targets used.
    pub targets: KpiTargets,
    /// The whole book.
    pub total: ServiceKpi,
    /// Per tier (kehu.toml order, then customers without a tier).
    pub by_tier: Vec<ServiceKpi>,
    /// Per owner (by id, then customers without an owner).
    pub by_owner: Vec<ServiceKpi>,
    /// Complaints open at the end, oldest first.
    pub open: Vec<OpenComplaint>,
}

/// One group's KPIs while they are counted: its figures so far and its
/// complaints in the year per customer.
struct Tally<'a> {
    kpi: ServiceKpi,
    per_customer: BTreeMap<&'a str, usize>,
}

impl<'a> Tally<'a> {
    fn new(group: &str) -> Tally<'a> {
        Tally {
            kpi: ServiceKpi {
                group: group.to_owned(),
                ..ServiceKpi::default()
            },
            per_customer: BTreeMap::new(),
        }
    }

    fn customer(&mut self, customer: &Customer, targets: &KpiTargets) {
        let k = &mut self.kpi;
        k.customers += 1;
        if let Some(score) = customer.metrics.satisfaction.filter(|s| s.is_finite()) {
            k.surveyed += 1;
            if score >= targets.satisfied_score {
                k.satisfied += 1;
            }
        }
    }

    /// Counts `c` for the period `since..=until` and the year from `year_start`.
    fn complaint(&mut self, c: &'a Complaint, (since, until, year_start): (Date, Date, Date)) {
        let k = &mut self.kpi;
        if (since..=until).contains(&c.opened) {
            k.opened += 1;
        }
        if c.resolved.is_some_and(|r| (since..=until).contains(&r)) {
            k.resolved += 1;
        }
        if c.is_open_on(until) {
            k.open += 1;
            let age = c.opened.days_until(until);
            k.oldest_open_days = Some(k.oldest_open_days.map_or(age, |a| a.max(age)));
        }
        if (year_start..=until).contains(&c.opened) {
            k.complaints_year += 1;
            *self.per_customer.entry(c.customer.as_str()).or_default() += 1;
        }
    }

    fn finish(self, targets: &KpiTargets) -> ServiceKpi {
        let mut k = self.kpi;
        k.repeat_customers = self
            .per_customer
            .into_iter()
            .filter(|(_, n)| *n > 1)
            .map(|(id, _)| id.to_owned())
            .collect();
        k.satisfied_share = (k.surveyed > 0).then(|| k.satisfied as f64 / k.surveyed as f64);
        k.satisfied_on_target = k.satisfied_share.map(|s| s >= targets.satisfied_share);
        k.per_customer_year =
            (k.customers > 0).then(|| k.complaints_year as f64 / k.customers as f64);
        k.complaints_on_target = k
            .per_customer_year
            .map(|r| r <= targets.complaints_per_customer);
        k
    }

    fn shown(&self) -> bool {
        let k = &self.kpi;
        k.customers > 0 || k.opened > 0 || k.open > 0
    }
}

/// The KPIs of the customers (as at the end of the period) and the
/// complaints, for the period `since..=until`. Tiers are grouped in
/// `tier_order`; a customer's group is its recorded tier and owner. One
/// pass over the customers and one over the complaints, whatever the
/// number of groups.
pub fn kpis(
    customers: &[Customer],
    complaints: &[Complaint],
    since: Date,
    until: Date,
    targets: KpiTargets,
    tier_order: &[&str],
) -> ServiceKpis {
    const NONE: &str = "(none)";
    let year_start = Date(
        until
            .0
            .checked_sub_signed(chrono::TimeDelta::days(364))
            .unwrap_or(until.0),
    );
    let mut tiers: Vec<&str> = tier_order.to_vec();
    let mut owners: Vec<&str> = customers
        .iter()
        .filter_map(|c| c.owner.as_deref())
        .filter(|o| *o != NONE)
        .collect();
    owners.sort_unstable();
    owners.dedup();
    for group in [&mut tiers, &mut owners] {
        group.push(NONE);
    }
    // A name's group (the first of that name, as a lookup would find it).
    fn index<'n>(names: &[&'n str]) -> BTreeMap<&'n str, usize> {
        let mut map = BTreeMap::new();
        for (i, name) in names.iter().enumerate() {
            map.entry(*name).or_insert(i);
        }
        map
    }
    let (tier_index, owner_index) = (index(&tiers), index(&owners));
    // Each customer's (tier group, owner group); the last of a repeated id.
    let groups_of: HashMap<&str, (Option<usize>, Option<usize>)> = customers
        .iter()
        .map(|c| {
            let groups = (
                tier_index
                    .get(c.grade.tier.as_deref().unwrap_or(NONE))
                    .copied(),
                owner_index.get(c.owner.as_deref().unwrap_or(NONE)).copied(),
            );
            (c.id.as_str(), groups)
        })
        .collect();
    let mut total = Tally::new("all");
    let mut by_tier: Vec<Tally<'_>> = tiers.iter().map(|t| Tally::new(t)).collect();
    let mut by_owner: Vec<Tally<'_>> = owners.iter().map(|o| Tally::new(o)).collect();
    for c in customers {
        total.customer(c, &targets);
        let (t, o) = groups_of.get(c.id.as_str()).copied().unwrap_or_default();
        for (groups, at) in [(&mut by_tier, t), (&mut by_owner, o)] {
            if let Some(tally) = at.and_then(|i| groups.get_mut(i)) {
                tally.customer(c, &targets);
            }
        }
    }
    let days = (since, until, year_start);
    for c in complaints {
        total.complaint(c, days);
        let (t, o) = groups_of
            .get(c.customer.as_str())
            .copied()
            .unwrap_or_default();
        for (groups, at) in [(&mut by_tier, t), (&mut by_owner, o)] {
            if let Some(tally) = at.and_then(|i| groups.get_mut(i)) {
                tally.complaint(c, days);
            }
        }
    }
    let finish = |tallies: Vec<Tally<'_>>| -> Vec<ServiceKpi> {
        tallies
            .into_iter()
            .filter(Tally::shown)
            .map(|t| t.finish(&targets))
            .collect()
    };
    let mut open: Vec<OpenComplaint> = complaints
        .iter()
        .filter(|c| c.is_open_on(until))
        .map(|c| OpenComplaint {
            complaint: c.clone(),
            age_days: c.opened.days_until(until),
        })
        .collect();
    open.sort_by(|a, b| {
        b.age_days
            .cmp(&a.age_days)
            .then_with(|| a.complaint.customer.cmp(&b.complaint.customer))
    });
    ServiceKpis {
        targets,
        total: total.finish(&targets),
        by_tier: finish(by_tier),
        by_owner: finish(by_owner),
        open,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> Date {
        text.parse().unwrap()
    }

    fn opened(commit: &str, date: &str, customer: &str, text: &str) -> ComplaintEvent {
        ComplaintEvent {
            commit: commit.into(),
            date: day(date),
            customer: customer.into(),
            kind: ComplaintKind::Opened(text.into()),
        }
    }

    fn resolved(commit: &str, date: &str, customer: &str, reference: &str) -> ComplaintEvent {
        ComplaintEvent {
            commit: commit.into(),
            date: day(date),
            customer: customer.into(),
            kind: ComplaintKind::Resolved(reference.into()),
        }
    }

    fn customer(id: &str, tier: &str, owner: &str, satisfaction: Option<f64>) -> Customer {
        let mut c = Customer {
            id: id.into(),
            name: id.into(),
            stage: "won".into(),
            owner: Some(owner.into()),
            ..Customer::default()
        };
        c.grade.tier = Some(tier.into());
        c.metrics.satisfaction = satisfaction;
        c
    }

    /// acme: a1 opened 2026-03-01 (resolved 03-05), a2 opened 11-10 (open);
    /// beta: b1 opened 2025-06-01 (open, before the year), and a resolution
    /// of acme's a1 prefix recorded on beta is ignored.
    fn events() -> Vec<ComplaintEvent> {
        vec![
            opened("b1b1b1b1b1", "2025-06-01", "beta", "Invoice wrong"),
            opened("a1a1a1a1a1", "2026-03-01", "acme", "Late delivery"),
            resolved("ffff000001", "2026-03-03", "beta", "a1a1a1a"),
            resolved("ffff000002", "2026-03-05", "acme", "A1A1A1A"),
            opened("a2a2a2a2a2", "2026-11-10", "acme", "Damaged pallet"),
        ]
    }

    #[test]
    fn resolutions_close_the_customers_own_complaint() {
        let list = complaints(&events());
        let state: Vec<(&str, Option<Date>)> =
            list.iter().map(|c| (c.id.as_str(), c.resolved)).collect();
        assert_eq!(
            state,
            [
                ("b1b1b1b1b1", None),
                ("a1a1a1a1a1", Some(day("2026-03-05"))),
                ("a2a2a2a2a2", None),
            ]
        );
        assert_eq!(
            find_open(&list, "acme", "a2a2a2a").unwrap().text,
            "Damaged pallet"
        );
        assert_eq!(
            find_open(&list, "acme", "a1a1a1a").unwrap_err().to_string(),
            "no open complaint of acme has the reference `a1a1a1a`; open: a2a2a2a2a2 (Damaged pallet)"
        );
        assert_eq!(
            find_open(&list, "gamma", "a2a2a2a")
                .unwrap_err()
                .to_string(),
            "no open complaint of gamma has the reference `a2a2a2a`; it has no open complaint"
        );
        assert!(matches!(
            find_open(&list, "acme", "a2"),
            Err(RefError::Malformed(_))
        ));
        let twins = complaints(&[
            opened("abcdef1111", "2026-01-01", "acme", "x"),
            opened("abcdef1222", "2026-01-02", "acme", "y"),
        ]);
        assert!(matches!(
            find_open(&twins, "acme", "abcdef1"),
            Err(RefError::Ambiguous(_))
        ));
        assert_eq!(find_open(&twins, "acme", "abcdef12").unwrap().text, "y");
    }

    #[test]
    fn kpis_counted_by_hand() {
        let customers = vec![
            customer("acme", "strategic", "ann", Some(4.5)),
            customer("beta", "small", "bob", Some(3.0)),
            customer("gamma", "small", "bob", Some(4.0)),
            customer("delta", "small", "bob", None),
        ];
        let mut list = complaints(&events());
        // A third acme complaint in the year, resolved in the period.
        list.push(Complaint {
            id: "a3a3a3a3a3".into(),
            customer: "acme".into(),
            text: "Wrong grade".into(),
            opened: day("2026-06-01"),
            resolved: Some(day("2026-11-12")),
        });
        let targets = KpiTargets {
            satisfied_share: 0.95,
            satisfied_score: 4.0,
            complaints_per_customer: 1.0,
        };
        let k = kpis(
            &customers,
            &list,
            day("2026-11-09"),
            day("2026-11-15"),
            targets,
            &["strategic", "key", "ordinary", "small"],
        );
        // Satisfied: acme 4.5 and gamma 4.0 of three surveyed.
        assert_eq!((k.total.surveyed, k.total.satisfied), (3, 2));
        assert_eq!(k.total.satisfied_on_target, Some(false));
        // Period 11-09..11-15: a2 opened, a3 resolved; open at the end: b1, a2.
        assert_eq!((k.total.opened, k.total.resolved, k.total.open), (1, 1, 2));
        // b1 is 532 days old (2025-06-01 → 2026-11-15).
        assert_eq!(k.total.oldest_open_days, Some(532));
        // Year 2025-11-16..2026-11-15: a1, a3, a2 (acme); b1 is older.
        assert_eq!(k.total.complaints_year, 3);
        assert_eq!(k.total.repeat_customers, ["acme"]);
        assert_eq!(k.total.per_customer_year, Some(0.75));
        assert_eq!(k.total.complaints_on_target, Some(true));
        let groups: Vec<&str> = k.by_tier.iter().map(|g| g.group.as_str()).collect();
        assert_eq!(groups, ["strategic", "small"]);
        assert_eq!(k.by_tier[0].per_customer_year, Some(3.0));
        assert_eq!(k.by_tier[0].complaints_on_target, Some(false));
        let owners: Vec<(&str, usize)> = k
            .by_owner
            .iter()
            .map(|g| (g.group.as_str(), g.open))
            .collect();
        assert_eq!(owners, [("ann", 1), ("bob", 1)]);
        let open: Vec<(&str, i64)> = k
            .open
            .iter()
            .map(|o| (o.complaint.id.as_str(), o.age_days))
            .collect();
        assert_eq!(open, [("b1b1b1b1b1", 532), ("a2a2a2a2a2", 5)]);
    }
}
