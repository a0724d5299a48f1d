//! The committed sample book is exactly the generator's output, parses as
//! kehu customers, and agrees with the policy template.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use kehu_bench::calendar::as_of;
use kehu_bench::policy::pipeline_grade;
use kehu_bench::sample::{self, POLICY_TEMPLATE, SAMPLE, customer_files};
use kehu_bench::{BookSpec, generate};
use kehu_core::Customer;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn files_on_disk() -> Vec<(PathBuf, String)> {
    let root = repo_root();
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(root.join("customers")).sort_by_file_name() {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let relative = entry.path().strip_prefix(&root).unwrap().to_owned();
            out.push((relative, fs::read_to_string(entry.path()).unwrap()));
        }
    }
    out
}

#[test]
fn generator_is_deterministic_to_the_byte() {
    let spec = BookSpec {
        seed: 99,
        customers: 500,
    };
    assert_eq!(
        customer_files(&generate(&spec)),
        customer_files(&generate(&spec))
    );
    assert_eq!(
        customer_files(&generate(&SAMPLE)),
        customer_files(&generate(&SAMPLE))
    );
}

#[test]
fn sample_on_disk_equals_generator_output() {
    let expected = customer_files(&generate(&SAMPLE));
    let actual = files_on_disk();
    assert_eq!(
        actual.len(),
        expected.len(),
        "customers/ is out of date: run `cargo run -p kehu-bench -- sample`"
    );
    for ((path_a, text_a), (path_e, text_e)) in actual.iter().zip(&expected) {
        assert_eq!(path_a, path_e, "run `cargo run -p kehu-bench -- sample`");
        assert_eq!(
            text_a,
            text_e,
            "{} differs from the generator",
            path_a.display()
        );
    }
    let policy_path = repo_root().join(POLICY_TEMPLATE);
    let policy = fs::read_to_string(&policy_path).unwrap();
    let regenerated =
        sample::policy_with_owners(&policy, &generate(&SAMPLE).owners, &policy_path).unwrap();
    assert_eq!(
        policy, regenerated,
        "the owners of {POLICY_TEMPLATE} are out of date"
    );
}

fn keys(table: &toml::Value, key: &str) -> BTreeSet<String> {
    table[key].as_table().unwrap().keys().cloned().collect()
}

fn strings(table: &toml::Value, key: &str) -> BTreeSet<String> {
    table[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn sample_parses_and_fits_the_policy() {
    let policy: toml::Value =
        toml::from_str(&fs::read_to_string(repo_root().join(POLICY_TEMPLATE)).unwrap()).unwrap();
    let regions = keys(&policy, "regions");
    let industries = keys(&policy, "industries");
    let owners = keys(&policy, "owners");
    let stages = strings(&policy["book"], "stages");
    let channels = strings(&policy["book"], "channels");
    let tiers: BTreeSet<String> = policy["tiers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect();
    for owner in policy["owners"].as_table().unwrap().values() {
        for region in owner
            .get("regions")
            .and_then(|r| r.as_array())
            .into_iter()
            .flatten()
        {
            assert!(regions.contains(region.as_str().unwrap()));
        }
        for industry in owner
            .get("industries")
            .and_then(|r| r.as_array())
            .into_iter()
            .flatten()
        {
            assert!(industries.contains(industry.as_str().unwrap()));
        }
    }
    assert_eq!(owners.len(), 12);

    let files = files_on_disk();
    assert!(files.len() >= 300, "only {} customers", files.len());
    let mut seen = BTreeSet::new();
    let (mut used_stages, mut used_regions, mut used_industries, mut used_owners, mut grades) = (
        BTreeSet::new(),
        BTreeSet::new(),
        BTreeSet::new(),
        BTreeSet::new(),
        BTreeSet::new(),
    );
    let mut pinned = 0;
    for (path, text) in &files {
        let c: Customer = toml::from_str(text)
            .unwrap_or_else(|e| panic!("{} does not parse: {e}", path.display()));
        let stem = path.file_stem().unwrap().to_str().unwrap();
        assert_eq!(c.id, stem);
        assert_eq!(path, &kehu_bench::render::customer_path(&c.id));
        assert!(seen.insert(c.id.to_lowercase()), "duplicate {}", c.id);
        assert!(stages.contains(c.stage.as_str()));
        assert!(regions.contains(c.region.as_deref().unwrap()));
        assert!(industries.contains(c.industry.as_deref().unwrap()));
        if let Some(owner) = &c.owner {
            assert!(owners.contains(owner.as_str()), "{owner}");
            used_owners.insert(owner.to_string());
        }
        if let Some(channel) = &c.contact.channel {
            assert!(channels.contains(channel.as_str()));
        }
        if let Some(tier) = &c.grade.tier {
            assert!(tiers.contains(tier.as_str()));
        }
        for day in [
            c.since,
            c.metrics.first_order,
            c.metrics.last_order,
            c.contact.last,
        ]
        .into_iter()
        .flatten()
        {
            assert!(day.0 <= as_of(), "{}: {day} is after the as-of day", c.id);
        }
        if c.stage == "lead" {
            assert!(c.metrics.orders_total.is_none());
        }
        pinned += usize::from(!c.grade.pinned.is_empty());
        used_stages.insert(c.stage.to_string());
        used_regions.insert(c.region.clone().unwrap().to_string());
        used_industries.insert(c.industry.clone().unwrap().to_string());
        grades.insert(pipeline_grade(c.expected_close.map(|d| d.0), as_of()));
    }
    assert_eq!(used_stages, stages);
    assert_eq!(used_regions, regions);
    assert_eq!(used_industries, industries);
    assert_eq!(used_owners, owners);
    assert_eq!(grades.len(), 5);
    assert!(pinned >= 2);
}
