//! Account managers: who they are, where they may work, and how much load
//! they carry; and the `[owners.*]` section of `kehu.toml` that lists them.

use std::fmt::Write as _;

use kehu_core::Customer;

use crate::names::{INDUSTRIES, REGIONS};
use crate::policy::{tier_pooled, tier_weight};
use crate::rng::Rng;

/// One account manager of `kehu.toml` `[owners.<id>]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Owner {
    /// The id customers name in `owner = "…"`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Regions the manager may serve; empty means any.
    pub regions: Vec<String>,
    /// Industries the manager may serve; empty means any.
    pub industries: Vec<String>,
    /// Load the manager can carry, in tier-weight units.
    pub capacity: u32,
    /// Share of the capacity the generator aims to fill (0..1): the
    /// capacity is set from the load so that this share comes out.
    pub utilisation: f64,
}

impl Owner {
    /// Whether this manager may serve a customer of `region` and `industry`.
    pub fn serves(&self, region: &str, industry: &str) -> bool {
        (self.regions.is_empty() || self.regions.iter().any(|r| r == region))
            && (self.industries.is_empty() || self.industries.iter().any(|i| i == industry))
    }
}

fn owner(id: &str, name: &str, regions: &[&str], industries: &[&str], utilisation: f64) -> Owner {
    Owner {
        id: id.to_owned(),
        name: name.to_owned(),
        regions: regions.iter().map(|s| (*s).to_owned()).collect(),
        industries: industries.iter().map(|s| (*s).to_owned()).collect(),
        capacity: 0,
        utilisation,
    }
}

/// The dozen account managers of the sample book. Two (`bruno`, `kenji`)
/// are planned to sit just under capacity; the rest have room.
pub fn sample_owners() -> Vec<Owner> {
    vec![
        owner("alice", "Alice Martin", &["east", "north"], &[], 0.78),
        owner("bruno", "Bruno Costa", &["south"], &[], 0.96),
        owner(
            "chen",
            "Chen Wei",
            &["east"],
            &["manufacturing", "logistics", "energy"],
            0.82,
        ),
        owner("dara", "Dara O'Neill", &["west", "overseas"], &[], 0.74),
        owner("emeka", "Emeka Okafor", &["overseas"], &[], 0.70),
        owner("fatima", "Fatima Zahra", &["central", "south"], &[], 0.80),
        owner("gustav", "Gustav Lindqvist", &["north"], &[], 0.76),
        owner(
            "hana",
            "Hana Kobayashi",
            &[],
            &["software", "finance", "healthcare"],
            0.72,
        ),
        owner("ivan", "Ivan Petrov", &["central", "east"], &[], 0.84),
        owner("julia", "Julia Schneider", &["west"], &[], 0.79),
        owner("kenji", "Kenji Watanabe", &[], &[], 0.97),
        owner("lena", "Lena Novak", &[], &[], 0.68),
    ]
}

const FIRST: [&str; 40] = [
    "Anna", "Ben", "Carla", "David", "Elif", "Felix", "Grace", "Hugo", "Ines", "Jonas", "Kira",
    "Liam", "Maya", "Noah", "Olga", "Paul", "Quinn", "Rosa", "Sami", "Tara", "Umar", "Vera", "Wen",
    "Xavier", "Yara", "Zoe", "Arjun", "Bea", "Chidi", "Dmitri", "Esme", "Farid", "Greta", "Hiro",
    "Ilse", "Jamal", "Karin", "Luca", "Mei", "Nils",
];

const LAST: [&str; 40] = [
    "Almeida",
    "Berg",
    "Carter",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Horvat",
    "Ivanova",
    "Jensen",
    "Kowalski",
    "Larsen",
    "Moreau",
    "Nakamura",
    "Olsen",
    "Pereira",
    "Quist",
    "Rossi",
    "Santos",
    "Tanaka",
    "Urban",
    "Varga",
    "Wagner",
    "Xu",
    "Yilmaz",
    "Zhang",
    "Abbott",
    "Brandt",
    "Cho",
    "Diaz",
    "Engel",
    "Fontaine",
    "Gruber",
    "Haas",
    "Ito",
    "Jovanovic",
    "Klein",
    "Lund",
    "Meyer",
    "Novak",
];

/// The sample book's managers plus more for a large book: about one manager
/// per 500 customers (200 at 100,000), most of them regional.
pub fn owners_for(customers: usize, rng: &mut Rng) -> Vec<Owner> {
    let mut owners = sample_owners();
    let wanted = (customers / 500).max(owners.len());
    let mut index = 0usize;
    while owners.len() < wanted {
        let first = FIRST[index % FIRST.len()];
        let last = LAST[(index / FIRST.len() + index * 7) % LAST.len()];
        index += 1;
        let id = crate::names::slug(&format!("{first}-{last}"));
        if owners.iter().any(|o| o.id == id) {
            continue;
        }
        let regions: Vec<&str> = if rng.chance(0.8) {
            vec![*rng.pick(&REGIONS)]
        } else {
            Vec::new()
        };
        let industries: Vec<&str> = if rng.chance(0.15) {
            vec![*rng.pick(&INDUSTRIES), *rng.pick(&INDUSTRIES)]
        } else {
            Vec::new()
        };
        let mut industries_unique: Vec<&str> = Vec::new();
        for industry in industries {
            if !industries_unique.contains(&industry) {
                industries_unique.push(industry);
            }
        }
        let utilisation = rng.between(0.6, 0.9);
        owners.push(owner(
            &id,
            &format!("{first} {last}"),
            &regions,
            &industries_unique,
            utilisation,
        ));
    }
    owners
}

/// The manager who may serve `customer` and would be least full (load
/// after taking `weight`, relative to the share of capacity the manager
/// should end up using), each score scaled by `jitter()`; `None` when nobody
/// may serve the customer.
pub fn least_loaded(
    owners: &[Owner],
    load: &[u32],
    customer: &Customer,
    weight: u32,
    mut jitter: impl FnMut() -> f64,
) -> Option<usize> {
    let region = customer.region.as_deref().unwrap_or_default();
    let industry = customer.industry.as_deref().unwrap_or_default();
    let mut best: Option<(usize, f64)> = None;
    for (k, o) in owners.iter().enumerate() {
        if !o.serves(region, industry) {
            continue;
        }
        let score = f64::from(load[k] + weight) / o.utilisation * jitter();
        if best.is_none_or(|(_, s)| score < s) {
            best = Some((k, score));
        }
    }
    best.map(|(k, _)| k)
}

/// Sets each manager's capacity so that `load` (in the same order) fills
/// the manager's planned utilisation, and at least 10.
pub fn set_capacities(owners: &mut [Owner], load: &[u32]) {
    for (o, &load) in owners.iter_mut().zip(load) {
        o.capacity = ((f64::from(load) / o.utilisation).ceil() as u32).max(10);
    }
}

/// A capacity review, as a team does when tiers have moved: every manager's
/// capacity set from the weighted load of the customers they own now (by
/// their stored tier), plus the customers of a non-pooled tier that have no
/// manager yet, each counted on the least loaded manager who may serve it.
/// Every manager keeps headroom (utilisation under 1), so `kehu assign`
/// can place every customer without exceeding a capacity.
pub fn review_capacities(owners: &mut [Owner], customers: &[Customer]) {
    let mut load = vec![0u32; owners.len()];
    let mut waiting = Vec::new();
    for c in customers {
        let tier = c.grade.tier.as_deref().unwrap_or("small");
        let weight = tier_weight(tier);
        match c.owner.as_deref() {
            Some(id) => {
                if let Some(k) = owners.iter().position(|o| o.id == id) {
                    load[k] += weight;
                }
            }
            None if !tier_pooled(tier) => waiting.push((c, weight)),
            None => {}
        }
    }
    waiting.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.id.cmp(&b.0.id)));
    for (c, weight) in waiting {
        if let Some(k) = least_loaded(owners, &load, c, weight, || 1.0) {
            load[k] += weight;
        }
    }
    set_capacities(owners, &load);
}

fn toml_string(text: &str) -> String {
    crate::render::quote(text)
}

fn toml_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| toml_string(s)).collect();
    format!("[{}]", quoted.join(", "))
}

/// The `[owners.*]` tables for `kehu.toml`, in the given order.
pub fn render_owners(owners: &[Owner]) -> String {
    let mut out = String::new();
    for (i, o) in owners.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let _ = writeln!(out, "[owners.{}]", o.id);
        let _ = writeln!(out, "name = {}", toml_string(&o.name));
        if !o.regions.is_empty() {
            let _ = writeln!(out, "regions = {}", toml_list(&o.regions));
        }
        if !o.industries.is_empty() {
            let _ = writeln!(out, "industries = {}", toml_list(&o.industries));
        }
        let _ = writeln!(out, "capacity = {}", o.capacity);
    }
    out
}

/// Why the owners section of a policy file could not be replaced.
#[derive(Debug, thiserror::Error)]
pub enum SpliceError {
    /// The policy text has no `[owners.…]` table to replace.
    #[error("the policy file has no [owners.*] table to replace")]
    NoOwners,
}

/// Replaces the `[owners.*]` tables of a `kehu.toml` text with `section`,
/// keeping everything before the first of them (including the comment that
/// introduces them) and every table after the last of them.
pub fn splice_owners(policy: &str, section: &str) -> Result<String, SpliceError> {
    let lines: Vec<&str> = policy.split_inclusive('\n').collect();
    let is_header = |line: &str| line.trim_start().starts_with('[');
    let is_owner = |line: &str| line.trim_start().starts_with("[owners.");
    let start = lines
        .iter()
        .position(|l| is_owner(l))
        .ok_or(SpliceError::NoOwners)?;
    let mut end = lines.len();
    for (i, line) in lines.iter().enumerate().skip(start + 1) {
        if is_header(line) && !is_owner(line) {
            end = i;
            break;
        }
    }
    // Leave the comment block and blank lines that introduce the next table
    // with that table.
    while end > start + 1 {
        let previous = lines[end - 1].trim();
        if end < lines.len() && (previous.is_empty() || previous.starts_with('#')) {
            end -= 1;
        } else {
            break;
        }
    }
    let mut out: String = lines[..start].concat();
    out.push_str(section);
    let rest = lines[end..].concat();
    let rest = rest.trim_start_matches(['\n', '\r']);
    if !rest.is_empty() {
        out.push('\n');
        out.push_str(rest);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splice_replaces_only_the_owner_tables() {
        let policy = "[book]\nname = \"x\"\n\n# managers\n[owners.a]\nname = \"A\"\ncapacity = 1\n\n[owners.b]\ncapacity = 2\n\n# after\n[later]\nx = 1\n";
        let section = "[owners.z]\nname = \"Z\"\ncapacity = 9\n";
        let out = splice_owners(policy, section).unwrap();
        assert_eq!(
            out,
            "[book]\nname = \"x\"\n\n# managers\n[owners.z]\nname = \"Z\"\ncapacity = 9\n\n# after\n[later]\nx = 1\n"
        );
        assert!(splice_owners("[book]\n", section).is_err());
    }

    #[test]
    fn large_books_get_about_one_manager_per_500_customers() {
        let owners = owners_for(100_000, &mut Rng::new(1));
        assert_eq!(owners.len(), 200);
        let mut ids: Vec<&str> = owners.iter().map(|o| o.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 200);
        assert_eq!(owners_for(300, &mut Rng::new(1)).len(), 12);
    }

    #[test]
    fn a_capacity_review_makes_room_for_every_customer() {
        let mut book = crate::generate(&crate::BookSpec {
            seed: 9,
            customers: 3000,
        });
        // Tiers drift up over the years, and a customer of a non-pooled
        // tier arrives without a manager.
        for c in book.customers.iter_mut().step_by(7) {
            c.grade.tier = Some("strategic".into());
        }
        let newcomer = book
            .customers
            .iter()
            .position(|c| c.owner.is_some())
            .unwrap();
        book.customers[newcomer].owner = None;
        book.customers[newcomer].grade.tier = Some("key".into());
        let load_of = |owners: &[Owner]| {
            let mut load = vec![0u32; owners.len()];
            for c in &book.customers {
                if let Some(k) = owners
                    .iter()
                    .position(|o| Some(o.id.as_str()) == c.owner.as_deref())
                {
                    load[k] += tier_weight(c.grade.tier.as_deref().unwrap_or("small"));
                }
            }
            load
        };
        let before = load_of(&book.owners);
        assert!(
            book.owners
                .iter()
                .zip(&before)
                .any(|(o, &load)| load > o.capacity),
            "the drift should overfill someone"
        );
        review_capacities(&mut book.owners, &book.customers);
        let mut load = load_of(&book.owners);
        for (o, &l) in book.owners.iter().zip(&load) {
            assert!(l < o.capacity || (l == 0 && o.capacity == 10), "{}", o.id);
        }
        let weight = tier_weight("key");
        let k = least_loaded(
            &book.owners,
            &load,
            &book.customers[newcomer],
            weight,
            || 1.0,
        )
        .unwrap();
        load[k] += weight;
        assert!(load[k] <= book.owners[k].capacity);
    }

    #[test]
    fn restrictions_limit_who_serves_whom() {
        let owners = sample_owners();
        let chen = owners.iter().find(|o| o.id == "chen").unwrap();
        assert!(!chen.serves("east", "retail"));
        assert!(chen.serves("east", "logistics"));
        assert!(!chen.serves("west", "logistics"));
        for region in REGIONS {
            for industry in INDUSTRIES {
                assert!(owners.iter().any(|o| o.serves(region, industry)));
            }
        }
    }
}
