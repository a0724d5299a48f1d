//! One test per rule of the `[plan]` section: a small plan that breaks it,
//! and the exact diagnostics expected.

use crate::plan::{Action, Person, Plan, Supplier};
use crate::rule_tests::config;
use crate::{Date, check_file};

const PATH: &str = "customers/ac/acme.toml";

/// A customer with a clean plan; line numbers below count from here.
const GOOD: &str = r#"id = "acme"
name = "ACME Corporation"
owner = "alice"
stage = "won"

[grade]
tier = "strategic"

[metrics]
revenue_12m = 1250000.0

[plan]
reviewed = 2026-10-01
goals = "Cut unit cost by 8%"
challenges = "Energy prices"
customers = "Carmakers in the east"
competitors = "Borealis Steel"
budget = 2500000.0
value = "Local stock, 48-hour delivery"
resources = "One application engineer"

[[plan.people]]
name = "Li Wei"
kind = "decision-maker"
role = "CFO"
owner = "alice"
stance = "supporter"

[[plan.people]]
name = "Ana Ruiz"
kind = "influencer"

[[plan.suppliers]]
name = "Nordmetal"
share = 0.3
satisfaction = 3.5

[[plan.actions]]
what = "Quarterly business review"
owner = "alice"
due = 2026-12-10

[[plan.actions]]
what = "Plant visit"
owner = "bruno"
due = 2026-09-15
done = 2026-09-14
"#;

fn as_of() -> Date {
    Date::from_ymd(2026, 11, 22).unwrap()
}

fn check(text: &str) -> Vec<String> {
    check_file(PATH, text.as_bytes(), &config(), as_of())
        .diagnostics
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// The good file with one piece replaced.
fn with(old: &str, new: &str) -> String {
    assert!(GOOD.contains(old), "{old}");
    GOOD.replacen(old, new, 1)
}

fn day(text: &str) -> Date {
    text.parse().unwrap()
}

#[test]
fn a_good_plan_is_clean_and_loads_into_the_model() {
    let result = check_file(PATH, GOOD.as_bytes(), &config(), as_of());
    assert_eq!(result.diagnostics, []);
    let plan = *result.customer.unwrap().plan.unwrap();
    assert_eq!(
        plan,
        Plan {
            reviewed: Some(day("2026-10-01")),
            goals: Some("Cut unit cost by 8%".into()),
            challenges: Some("Energy prices".into()),
            customers: Some("Carmakers in the east".into()),
            competitors: Some("Borealis Steel".into()),
            budget: Some(2_500_000.0),
            value: Some("Local stock, 48-hour delivery".into()),
            resources: Some("One application engineer".into()),
            people: vec![
                Person {
                    name: "Li Wei".into(),
                    kind: "decision-maker".into(),
                    role: Some("CFO".into()),
                    owner: Some("alice".into()),
                    stance: Some("supporter".into()),
                },
                Person {
                    name: "Ana Ruiz".into(),
                    kind: "influencer".into(),
                    ..Person::default()
                },
            ],
            suppliers: vec![Supplier {
                name: "Nordmetal".into(),
                share: Some(0.3),
                satisfaction: Some(3.5),
            }],
            actions: vec![
                Action {
                    what: "Quarterly business review".into(),
                    owner: Some("alice".into()),
                    due: Some(day("2026-12-10")),
                    done: None,
                },
                Action {
                    what: "Plant visit".into(),
                    owner: Some("bruno".into()),
                    due: Some(day("2026-09-15")),
                    done: Some(day("2026-09-14")),
                },
            ],
        }
    );
    // serde reads the same file into the same model (plugins get JSON).
    let via_serde: crate::Customer = toml::from_str(GOOD).unwrap();
    assert_eq!(*via_serde.plan.unwrap(), plan);
}

#[test]
fn plan_unknown_keys() {
    let text = with("budget = 2500000.0", "budgett = 2500000.0").replacen(
        "stance = \"supporter\"",
        "mood = \"happy\"",
        1,
    );
    assert_eq!(
        check(&text),
        [
            "customers/ac/acme.toml:18:1: warning: plan.budgett: unknown key `budgett` (kept in the file, ignored by kehu)",
            "customers/ac/acme.toml:27:1: warning: plan.people[0].mood: unknown key `mood` (kept in the file, ignored by kehu)",
        ]
    );
}

#[test]
fn plan_dates_that_are_not_dates() {
    let text = with("reviewed = 2026-10-01", "reviewed = \"last week\"")
        .replacen("due = 2026-12-10", "due = 12", 1)
        .replacen("done = 2026-09-14", "done = 2026-09-14T10:00:00", 1);
    assert_eq!(
        check(&text),
        [
            "customers/ac/acme.toml:13:12: error: plan.reviewed: expected a date such as 2026-11-18, found \"last week\"",
            "customers/ac/acme.toml:41:7: error: plan.actions[0].due: expected a date such as 2026-11-18, found integer 12",
            "customers/ac/acme.toml:47:8: error: plan.actions[1].done: expected a date such as 2026-11-18, found date-time 2026-09-14T10:00:00",
        ]
    );
}

#[test]
fn plan_wrong_types() {
    let text = with("budget = 2500000.0", "budget = \"2.5M\"").replacen(
        "goals = \"Cut unit cost by 8%\"",
        "goals = 8",
        1,
    );
    assert_eq!(
        check(&text),
        [
            "customers/ac/acme.toml:14:9: error: plan.goals: expected a string, found integer 8",
            "customers/ac/acme.toml:18:10: error: plan.budget: expected a number, found string \"2.5M\"",
        ]
    );
    // A wrongly typed file does not load.
    assert!(
        check_file(PATH, text.as_bytes(), &config(), as_of())
            .customer
            .is_none()
    );
}

#[test]
fn action_without_owner() {
    let text = with(
        "what = \"Quarterly business review\"\nowner = \"alice\"\n",
        "what = \"Quarterly business review\"\n",
    );
    assert_eq!(
        check(&text),
        [
            "customers/ac/acme.toml:38:1: error: plan.actions[0]: action \"Quarterly business review\" has no `owner` (an owner id from kehu.toml)"
        ]
    );
    // The customer still loads: the plan is data to fix, not a broken file.
    assert!(
        check_file(PATH, text.as_bytes(), &config(), as_of())
            .customer
            .is_some()
    );
}

#[test]
fn decision_maker_without_role() {
    let text = with("role = \"CFO\"\n", "");
    assert_eq!(
        check(&text),
        [
            "customers/ac/acme.toml:22:1: error: plan.people[0]: decision maker \"Li Wei\" has no `role` (e.g. role = \"CFO\")"
        ]
    );
}

#[test]
fn plan_owners_come_from_kehu_toml() {
    let text = with("owner = \"bruno\"", "owner = \"brunno\"");
    assert_eq!(
        check(&text),
        [
            "customers/ac/acme.toml:45:9: error: plan.actions[1].owner: unknown owner \"brunno\" (kehu.toml defines alice, bruno); did you mean \"bruno\"?"
        ]
    );
}

#[test]
fn plan_vocabularies() {
    let text = with("kind = \"influencer\"", "kind = \"boss\"").replacen(
        "stance = \"supporter\"",
        "stance = \"fan\"",
        1,
    );
    assert_eq!(
        check(&text),
        [
            "customers/ac/acme.toml:27:10: error: plan.people[0].stance: unknown stance \"fan\" (expected champion, supporter, neutral, sceptic, opponent)",
            "customers/ac/acme.toml:31:8: error: plan.people[1].kind: unknown kind \"boss\" (expected decision-maker, influencer)",
        ]
    );
}

#[test]
fn plan_entries_need_their_names() {
    let text = with("name = \"Nordmetal\"\n", "").replacen(
        "name = \"Ana Ruiz\"\nkind = \"influencer\"\n",
        "role = \"buyer\"\n",
        1,
    );
    assert_eq!(
        check(&text),
        [
            "customers/ac/acme.toml:29:1: error: plan.people[1]: a person needs a `name`",
            "customers/ac/acme.toml:29:1: error: plan.people[1]: a person needs a `kind`: decision-maker or influencer",
            "customers/ac/acme.toml:32:1: error: plan.suppliers[0]: a supplier needs a `name`",
        ]
    );
}

#[test]
fn plan_figures_in_range_and_dates_not_in_the_future() {
    let text = with("satisfaction = 3.5", "satisfaction = 7")
        .replacen("share = 0.3", "share = 30", 1)
        .replacen("reviewed = 2026-10-01", "reviewed = 2026-12-01", 1)
        .replacen("budget = 2500000.0", "budget = -1", 1);
    assert_eq!(
        check(&text),
        [
            "customers/ac/acme.toml:13:12: error: plan.reviewed: 2026-12-01 is in the future (as of 2026-11-22)",
            "customers/ac/acme.toml:18:10: error: plan.budget: -1 is not a budget (a number of money, 0 or more)",
            "customers/ac/acme.toml:35:9: error: plan.suppliers[0].share: 30 is outside 0..1",
            "customers/ac/acme.toml:36:16: error: plan.suppliers[0].satisfaction: 7 is outside 1..5",
        ]
    );
}

#[test]
fn a_plan_that_is_not_a_table() {
    let text = "id = \"acme\"\nname = \"ACME\"\nstage = \"won\"\nplan = \"later\"\n";
    assert_eq!(
        check(text),
        ["customers/ac/acme.toml:4:8: error: plan: expected a table, found string \"later\""]
    );
    let text = "id = \"acme\"\nname = \"ACME\"\nstage = \"won\"\n[plan]\nactions = [\"call\"]\n";
    assert_eq!(
        check(text),
        [
            "customers/ac/acme.toml:5:12: error: plan.actions[0]: expected a table, found string \"call\""
        ]
    );
}

/// A parse cache in memory that hands back what it kept with the name
/// marked, so a test sees which files were reused and which parsed again.
#[derive(Default)]
struct MarkingCache(std::sync::Mutex<MarkingState>);

#[derive(Default)]
struct MarkingState {
    keys: std::collections::HashMap<crate::reuse::ContentKey, String>,
    kept: std::collections::HashMap<String, crate::reuse::ParsedFile>,
}

impl crate::reuse::ParseCache for MarkingCache {
    fn by_path(&self, path: &str) -> crate::reuse::Lookup {
        let mut state = self.0.lock().unwrap();
        if let Some(parsed) = state.kept.get(path) {
            let mut parsed = parsed.clone();
            parsed.customer.name.push_str(" (cached)");
            return crate::reuse::Lookup::Hit(Box::new(parsed));
        }
        let key = crate::reuse::ContentKey([state.keys.len() as u8; 20]);
        state.keys.insert(key, path.to_owned());
        crate::reuse::Lookup::Miss(key)
    }

    fn by_content(&self, _path: &str, _bytes: &[u8]) -> crate::reuse::Lookup {
        crate::reuse::Lookup::Unknown
    }

    fn insert(&self, key: crate::reuse::ContentKey, _: &[u8], parsed: &crate::reuse::ParsedFile) {
        let mut state = self.0.lock().unwrap();
        let path = state.keys[&key].clone();
        state.kept.insert(path, parsed.clone());
    }
}

#[test]
fn a_cache_reuses_sound_plans_and_reparses_plans_with_problems() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("kehu.toml"), crate::rule_tests::TEST_CONFIG).unwrap();
    let files = [
        ("customers/ac/acme.toml", GOOD.to_owned()),
        // Sound on its own, but kehu.toml has no owner `zed`.
        (
            "customers/be/beta.toml",
            with("id = \"acme\"", "id = \"beta\"").replace("owner = \"bruno\"", "owner = \"zed\""),
        ),
        // An action without an owner: a problem of the file itself.
        (
            "customers/ga/gamma.toml",
            with("id = \"acme\"", "id = \"gamma\"")
                .replace("owner = \"alice\"\ndue = 2026-12-10", "due = 2026-12-10"),
        ),
    ];
    for (path, text) in &files {
        std::fs::create_dir_all(root.join(path).parent().unwrap()).unwrap();
        std::fs::write(root.join(path), text).unwrap();
    }
    let options = crate::LoadOptions { as_of: as_of() };
    let cache = MarkingCache::default();
    let cold = crate::load_book(root, &options).unwrap();
    let first = crate::load_book_cached(root, &options, &cache).unwrap();
    let kept: Vec<String> = {
        let mut kept: Vec<String> = cache.0.lock().unwrap().kept.keys().cloned().collect();
        kept.sort();
        kept
    };
    assert_eq!(kept, ["customers/ac/acme.toml", "customers/be/beta.toml"]);

    let warm = crate::load_book_cached(root, &options, &cache).unwrap();
    let names: Vec<&str> = warm
        .customers
        .iter()
        .map(|c| c.customer.name.as_str())
        .collect();
    // Only the plan without any problem is reused; the others are parsed
    // again so their diagnostics are placed as on a cold load.
    assert_eq!(
        names,
        [
            "ACME Corporation (cached)",
            "ACME Corporation",
            "ACME Corporation"
        ]
    );
    for book in [&first, &warm] {
        assert_eq!(book.diagnostics, cold.diagnostics);
        assert_eq!(book.customers.len(), cold.customers.len());
        for (a, b) in book.customers.iter().zip(&cold.customers) {
            assert_eq!(a.customer.plan, b.customer.plan);
            assert_eq!(a.position("plan.reviewed"), b.position("plan.reviewed"));
        }
    }
    let codes: Vec<(&str, &str)> = cold
        .diagnostics
        .iter()
        .map(|d| (d.path.as_str(), d.code))
        .collect();
    assert!(
        codes.contains(&("customers/be/beta.toml", "unknown-value")),
        "{codes:?}"
    );
    assert!(
        codes.contains(&("customers/ga/gamma.toml", "action-without-owner")),
        "{codes:?}"
    );
}
