//! What happened in the period, from history: grade movements, the tier
//! migration matrix, contacts, and the funnel's stage transitions.

use std::collections::BTreeMap;

use kehu_core::Customer;
use serde_json::Value;

use super::{NONE, Snapshot};
use crate::history::Change;
use crate::model::{ContactCount, Funnel, Migration, Movement, StageCount, Transition};

const PIPELINE: [&str; 5] = ["A", "B", "C", "D", "E"];

fn find<'a>(customers: &'a [Customer], id: &str) -> Option<&'a Customer> {
    customers
        .binary_search_by(|c| c.id.as_str().cmp(id))
        .ok()
        .map(|i| &customers[i])
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// Every tier and pipeline grade that rose or fell, oldest first. Tiers rank
/// in kehu.toml's order (first = best), pipeline grades A (soonest) to E.
pub fn movements(changes: &[Change], end: &Snapshot<'_>) -> Vec<Movement> {
    let tiers: Vec<&str> = end.config.tiers.iter().map(|t| t.name.as_str()).collect();
    let mut out = Vec::new();
    for change in changes {
        for (field, label, order) in [
            ("grade.tier", "tier", tiers.as_slice()),
            ("grade.pipeline", "pipeline", PIPELINE.as_slice()),
        ] {
            let Some((old, new)) = change.field(field) else {
                continue;
            };
            let (Some(from), Some(to)) = (scalar(old), scalar(new)) else {
                continue;
            };
            let rank = |name: &str| order.iter().position(|t| *t == name);
            let (Some(a), Some(b)) = (rank(&from), rank(&to)) else {
                continue;
            };
            if a == b {
                continue;
            }
            out.push(Movement {
                date: change.day,
                customer: change.id.clone(),
                name: find(end.customers, &change.id)
                    .map_or_else(|| change.id.clone(), |c| c.name.clone()),
                field: label,
                from,
                to,
                direction: if b < a { "upgrade" } else { "downgrade" },
                author: change.author.clone(),
                why: change.why.clone(),
            });
        }
    }
    out
}

/// Recorded tiers (`grade.tier`) at the start × at the end, over every
/// customer in either book; `(none)` = absent from that book or ungraded.
pub fn migration(start: &Snapshot<'_>, end: &Snapshot<'_>) -> Migration {
    let mut labels: Vec<String> = end.config.tiers.iter().map(|t| t.name.clone()).collect();
    let mut extra: Vec<String> = start
        .customers
        .iter()
        .chain(end.customers)
        .filter_map(|c| c.grade.tier.clone())
        .filter(|t| !labels.contains(t))
        .collect();
    extra.sort();
    extra.dedup();
    labels.extend(extra);
    labels.push(NONE.to_owned());
    let index = |tier: Option<&String>| {
        tier.and_then(|t| labels.iter().position(|l| l == t))
            .unwrap_or(labels.len() - 1)
    };
    let mut pairs: BTreeMap<&str, (Option<&String>, Option<&String>)> = BTreeMap::new();
    for c in start.customers {
        pairs.entry(&c.id).or_default().0 = c.grade.tier.as_ref();
    }
    for c in end.customers {
        pairs.entry(&c.id).or_default().1 = c.grade.tier.as_ref();
    }
    let mut counts = vec![vec![0usize; labels.len()]; labels.len()];
    for (from, to) in pairs.values() {
        counts[index(*from)][index(*to)] += 1;
    }
    Migration { labels, counts }
}

/// Contacts in the period by the customer's owner (at the end) and channel
/// (the commit's `Kehu-Contact`, else the recorded `contact.channel`).
pub fn contacts(changes: &[Change], end: &Snapshot<'_>) -> (usize, Vec<ContactCount>) {
    let mut counts: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut total = 0;
    for change in changes.iter().filter(|c| c.is_contact()) {
        let customer = find(end.customers, &change.id);
        let owner = customer
            .and_then(|c| c.owner.clone())
            .unwrap_or_else(|| NONE.to_owned());
        let channel = change
            .contact_trailer
            .clone()
            .or_else(|| {
                change
                    .field("contact.channel")
                    .and_then(|(_, new)| scalar(new))
            })
            .or_else(|| customer.and_then(|c| c.contact.channel.clone()))
            .unwrap_or_else(|| "(unknown)".to_owned());
        *counts.entry((owner, channel)).or_insert(0) += 1;
        total += 1;
    }
    let rows = counts
        .into_iter()
        .map(|((owner, channel), count)| ContactCount {
            owner,
            channel,
            count,
        })
        .collect();
    (total, rows)
}

/// Customers per stage at the end (and start), and the stage transitions
/// in the period, in kehu.toml's stage order.
pub fn funnel(changes: &[Change], end: &Snapshot<'_>, start: Option<&Snapshot<'_>>) -> Funnel {
    let mut order: Vec<String> = end.config.book.stages.clone();
    let mut extra: Vec<String> = end
        .customers
        .iter()
        .chain(start.map_or(&[][..], |s| s.customers))
        .map(|c| c.stage.clone())
        .filter(|s| !order.contains(s))
        .collect();
    extra.sort();
    extra.dedup();
    order.extend(extra);
    let count =
        |customers: &[Customer], stage: &str| customers.iter().filter(|c| c.stage == stage).count();
    let stages = order
        .iter()
        .map(|stage| StageCount {
            stage: stage.clone(),
            count: count(end.customers, stage),
            count_start: start.map(|s| count(s.customers, stage)),
        })
        .collect();
    let rank = |stage: &str| order.iter().position(|s| s == stage).map_or(0, |i| i + 1);
    let mut moves: BTreeMap<(usize, String, usize, String), usize> = BTreeMap::new();
    for change in changes {
        let Some((old, new)) = change.field("stage") else {
            continue;
        };
        let Some(to) = scalar(new) else {
            continue;
        };
        let from = scalar(old).unwrap_or_else(|| "(new)".to_owned());
        let key = (rank(&from), from, rank(&to), to);
        *moves.entry(key).or_insert(0) += 1;
    }
    let transitions = moves
        .into_iter()
        .map(|((_, from, _, to), count)| Transition { from, to, count })
        .collect();
    Funnel {
        stages,
        transitions,
    }
}
