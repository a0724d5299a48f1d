//! Policy checks a CI can gate on (`[checks]` in kehu.toml switches each
//! off): key accounts without a personal owner, owners over capacity,
//! pipeline-A customers not contacted within their cadence, and strategic
//! customers without a recently reviewed plan.
//!
//! They are warnings, not errors: the data is valid, and a command that
//! fixes the situation (`kehu contact`, `assign --apply`) must not be
//! refused for touching a file with a policy problem.

use std::collections::BTreeMap;

use crate::book::Book;
use crate::config::POOL_PREFIX;
use crate::config_check::CONFIG_FILE;
use crate::diag::{self, Diagnostic, Pos};
use crate::{Date, spans};

/// Runs every policy check switched on in `[checks]`, as of `as_of`.
/// Diagnostics are sorted like the loader's.
pub fn check_policy(book: &Book, as_of: Date) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let checks = &book.config.checks;
    if checks.owner_for_key_accounts {
        key_accounts(book, &mut out);
    }
    if checks.owner_capacity {
        capacity(book, &mut out);
    }
    if checks.a_grade_contact {
        a_grade_contact(book, as_of, &mut out);
    }
    if checks.plan_review_days > 0 {
        crate::plan_policy::plan_review(book, as_of, &mut out);
    }
    diag::sort(&mut out);
    out
}

fn key_accounts(book: &Book, out: &mut Vec<Diagnostic>) {
    let key_tiers = book.config.key_account_tiers();
    for loaded in &book.customers {
        let c = &loaded.customer;
        let Some(tier) = c.grade.tier.as_deref() else {
            continue;
        };
        if !key_tiers.contains(&tier) {
            continue;
        }
        let message = match c.owner.as_deref() {
            None | Some("") => format!("a {tier} customer needs an owner, and has none"),
            Some(pool) if pool.starts_with(POOL_PREFIX) => {
                format!("a {tier} customer needs a personal owner, not the pool \"{pool}\"")
            }
            Some(_) => continue,
        };
        out.push(
            Diagnostic::warning(loaded.path.clone(), "key-account-without-owner", message)
                .at(loaded.position("grade.tier"))
                .field("grade.tier"),
        );
    }
}

fn capacity(book: &Book, out: &mut Vec<Diagnostic>) {
    let config = &book.config;
    let default_weight = config.default_tier().map_or(1.0, |t| t.weight);
    let mut loads: BTreeMap<&str, (f64, usize)> = BTreeMap::new();
    for loaded in &book.customers {
        let c = &loaded.customer;
        let Some(owner) = c.owner.as_deref() else {
            continue;
        };
        let weight = c
            .grade
            .tier
            .as_deref()
            .and_then(|t| config.tier(t))
            .map_or(default_weight, |t| t.weight);
        let entry = loads.entry(owner).or_insert((0.0, 0));
        entry.0 += weight;
        entry.1 += 1;
    }
    let doc = toml::de::DeTable::parse(&book.config_text).ok();
    for (id, owner) in &config.owners {
        let (Some(capacity), Some(&(load, count))) = (owner.capacity, loads.get(id.as_str()))
        else {
            continue;
        };
        if load <= capacity {
            continue;
        }
        let pos = doc.as_ref().and_then(|doc| {
            let doc = doc.get_ref();
            spans::value_span(doc, &["owners", id, "capacity"])
                .map(|s| Pos::of_offset(&book.config_text, s.start))
        });
        out.push(
            Diagnostic::warning(
                CONFIG_FILE,
                "owner-over-capacity",
                format!(
                    "owner \"{id}\" carries a weighted load of {load} ({count} customers), above capacity {capacity}"
                ),
            )
            .at(pos)
            .field(format!("owners.{id}.capacity")),
        );
    }
}

fn a_grade_contact(book: &Book, as_of: Date, out: &mut Vec<Diagnostic>) {
    let cadence = book.config.cadence.a;
    for loaded in &book.customers {
        let c = &loaded.customer;
        if c.grade.pipeline.as_deref() != Some("A") {
            continue;
        }
        let d = match c.contact.last {
            None => Diagnostic::warning(
                loaded.path.clone(),
                "contact-overdue",
                format!(
                    "a pipeline-A customer with no contact on record (cadence: at most {} days)",
                    cadence.max
                ),
            )
            .at(loaded.position("grade.pipeline"))
            .field("grade.pipeline"),
            Some(last) => {
                let days = last.days_until(as_of);
                if days <= i64::from(cadence.max) {
                    continue;
                }
                Diagnostic::warning(
                    loaded.path.clone(),
                    "contact-overdue",
                    format!(
                        "last contact {last} is {days} days old; pipeline A allows at most {} (as of {as_of})",
                        cadence.max
                    ),
                )
                .at(loaded.position("contact.last"))
                .field("contact.last")
            }
        };
        out.push(d);
    }
}
