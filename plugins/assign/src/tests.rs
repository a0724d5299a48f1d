//! Small books whose optimum is known by hand, run through the real ABI
//! (`kehu_plugin_sdk::testing`), and random instances checked against an
//! independent brute-force solver.

use kehu_core::config::Owner;
use kehu_core::{Config, Customer, Date};
use kehu_plugin::protocol::{Response, WriteMode};
use kehu_plugin_sdk::testing::{TestHost, run_plugin};
use serde_json::Value;

use crate::Assign;
use crate::bound::bounds;
use crate::problem::Problem;
use crate::solve::{Method, Objective, Ratio, Start, objective_of, solve};

fn day(text: &str) -> Date {
    text.parse().unwrap()
}

fn owner(regions: &[&str], tiers: &[&str], capacity: f64) -> Owner {
    Owner {
        name: "x".into(),
        regions: regions.iter().map(|s| (*s).to_owned()).collect(),
        tiers: tiers.iter().map(|s| (*s).to_owned()).collect(),
        capacity: Some(capacity),
        ..Owner::default()
    }
}

fn customer(id: &str, region: &str, tier: &str, owner: Option<&str>) -> Customer {
    let mut c = Customer {
        id: id.into(),
        name: id.to_uppercase(),
        region: Some(region.into()),
        stage: "won".into(),
        owner: owner.map(Into::into),
        ..Customer::default()
    };
    c.grade.tier = Some(tier.into());
    c
}

fn config(owners: Vec<(&str, Owner)>) -> Config {
    Config {
        owners: owners
            .into_iter()
            .map(|(id, o)| (id.to_owned(), o))
            .collect(),
        ..Config::default()
    }
}

fn run(config: &Config, customers: Vec<Customer>, args: &[&str]) -> Response {
    let host = TestHost::new(day("2026-11-18"))
        .with_config(serde_json::to_value(config).unwrap())
        .with_customers(customers);
    run_plugin::<Assign>(&host, "assign", args).unwrap()
}

fn json(config: &Config, customers: Vec<Customer>, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["--format", "json"];
    args.extend_from_slice(extra);
    let response = run(config, customers, &args);
    (
        response.exit_code,
        serde_json::from_str(&response.stdout).unwrap(),
    )
}

fn owner_of<'v>(doc: &'v Value, id: &str) -> Option<&'v str> {
    doc["customers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["customer"] == id)
        .and_then(|c| c["to"].as_str())
}

#[test]
fn owner_away_hands_over_to_the_colleague() {
    let mut alice = owner(&["north"], &[], 16.0);
    alice.away_until = Some(day("2026-11-30"));
    let config = config(vec![
        ("alice", alice),
        ("bob", owner(&["north"], &[], 16.0)),
    ]);
    let customers = vec![customer("acme", "north", "key", Some("alice"))];
    let (code, doc) = json(&config, customers.clone(), &[]);
    assert_eq!(code, 0);
    assert_eq!(owner_of(&doc, "acme"), Some("bob"));
    assert_eq!(
        doc["customers"][0]["reason"],
        "alice is away until 2026-11-30"
    );
    let alice = &doc["owners"][0];
    assert_eq!(alice["customers_by_tier_before"]["key"], 1);
    assert_eq!(alice["customers_by_tier"]["key"], 0);
    assert_eq!(doc["owners"][1]["customers_by_tier"]["key"], 1);
    let response = run(&config, customers.clone(), &["--dry-run"]);
    assert_eq!(response.mode, WriteMode::DryRun);
    let edits = response.changeset.unwrap().edits;
    assert_eq!(edits.len(), 1);
    assert_eq!(
        (edits[0].customer.as_str(), edits[0].field.as_str()),
        ("acme", "owner")
    );
    assert_eq!(edits[0].value, "bob");
    // Back on the 1st: alice is eligible again, and keeps her customer.
    let host = TestHost::new(day("2026-12-01"))
        .with_config(serde_json::to_value(&config).unwrap())
        .with_customers(customers);
    let response = run_plugin::<Assign>(&host, "assign", &["--apply"]).unwrap();
    assert_eq!(response.exit_code, 0);
    assert!(response.changeset.is_none());
    assert!(response.stdout.contains("Moves (0)"), "{}", response.stdout);
}

#[test]
fn over_full_region_lists_the_customer_left_over() {
    let config = config(vec![
        ("alice", owner(&["north"], &[], 8.0)),
        ("bob", owner(&["north"], &[], 4.0)),
        ("sven", owner(&["south"], &[], 100.0)),
    ]);
    let customers: Vec<Customer> = ["k1", "k2", "k3", "k4"]
        .iter()
        .map(|id| customer(id, "north", "key", None))
        .collect();
    let (code, doc) = json(&config, customers, &[]);
    assert_eq!(code, 1);
    assert_eq!(doc["objective"]["assigned_weight"], 12.0);
    assert_eq!(doc["objective"]["max_utilisation"], 1.0);
    let left: Vec<&Value> = doc["customers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "unassigned")
        .collect();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["reason"], "all eligible owners full (alice, bob)");
    // Nobody crosses into the south.
    assert!(
        doc["customers"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["to"] != "sven")
    );
}

#[test]
fn strategic_customer_whose_only_owner_is_full() {
    let config = config(vec![
        ("alice", owner(&[], &["strategic"], 8.0)),
        ("bob", owner(&[], &["key"], 100.0)),
    ]);
    let customers = vec![
        customer("big-one", "north", "strategic", Some("alice")),
        customer("big-two", "north", "strategic", None),
        customer("loner", "north", "ordinary", None),
    ];
    let response = run(&config, customers.clone(), &[]);
    assert_eq!(response.exit_code, 1);
    assert!(
        response.stdout.contains("Cannot be assigned (2)"),
        "{}",
        response.stdout
    );
    assert!(response.stdout.contains("all eligible owners full (alice)"));
    assert!(response.stdout.contains("no eligible owner"));
    assert!(
        response.stderr.contains("2 customer(s) cannot be assigned"),
        "{}",
        response.stderr
    );
    let (_, doc) = json(&config, customers, &["--rebalance"]);
    assert_eq!(owner_of(&doc, "big-one"), Some("alice"));
    assert_eq!(owner_of(&doc, "big-two"), None);
}

#[test]
fn stickiness_against_balance() {
    // alice holds two key customers (8 of 8); bob is empty. Keeping
    // relationships comes before balance, with or without --rebalance.
    let config = config(vec![
        ("alice", owner(&[], &[], 8.0)),
        ("bob", owner(&[], &[], 8.0)),
    ]);
    let customers = vec![
        customer("k1", "north", "key", Some("alice")),
        customer("k2", "north", "key", Some("alice")),
    ];
    for extra in [&[][..], &["--rebalance"]] {
        let (code, doc) = json(&config, customers.clone(), extra);
        assert_eq!(code, 0);
        assert_eq!(doc["objective"]["kept_weight"], 8.0);
        assert_eq!(doc["objective"]["max_utilisation"], 1.0);
    }
    // A strategic newcomer only alice serves: without --rebalance alice keeps
    // her customers and the newcomer waits; with it, both key customers move
    // to bob and the newcomer is assigned (more weight assigned comes first).
    let config = crate::tests::config(vec![
        ("alice", owner(&[], &[], 8.0)),
        ("bob", owner(&["north"], &["key"], 8.0)),
    ]);
    let mut customers = customers;
    customers.push(customer("s1", "north", "strategic", None));
    let (code, doc) = json(&config, customers.clone(), &[]);
    assert_eq!(code, 1);
    assert_eq!(owner_of(&doc, "s1"), None);
    let (code, doc) = json(&config, customers, &["--rebalance"]);
    assert_eq!(code, 0);
    assert_eq!(owner_of(&doc, "s1"), Some("alice"));
    assert_eq!(owner_of(&doc, "k1"), Some("bob"));
    assert_eq!(doc["objective"]["assigned_weight"], 16.0);
    assert_eq!(doc["objective"]["kept_weight"], 0.0);
}

#[test]
fn new_customers_balance_utilisation_and_pools_take_small_ones() {
    let config = config(vec![
        ("alice", owner(&[], &["key"], 8.0)),
        ("bob", owner(&[], &["key"], 16.0)),
    ]);
    let mut customers: Vec<Customer> = ["k1", "k2", "k3"]
        .iter()
        .map(|id| customer(id, "north", "key", None))
        .collect();
    customers.push(customer("tiny", "west", "small", None));
    let (code, doc) = json(&config, customers, &[]);
    assert_eq!(code, 0);
    assert_eq!(doc["objective"]["max_utilisation"], 0.5);
    let owners = doc["owners"].as_array().unwrap();
    assert_eq!(owners[0]["load_after"], 4.0);
    assert_eq!(owners[1]["load_after"], 8.0);
    assert_eq!(owner_of(&doc, "tiny"), Some("pool-west"));
    assert_eq!(doc["fairness"]["after"]["gini"], 0.0);
}

#[test]
fn pinned_owner_is_never_touched() {
    let mut alice = owner(&[], &[], 8.0);
    alice.active = false;
    let config = config(vec![("alice", alice), ("bob", owner(&[], &[], 8.0))]);
    let mut pinned = customer("held", "north", "key", Some("alice"));
    pinned.grade.pinned = vec!["owner".into()];
    let response = run(
        &config,
        vec![pinned, customer("free", "north", "key", Some("alice"))],
        &["--apply"],
    );
    let edits = response.changeset.unwrap().edits;
    assert_eq!(edits.len(), 1);
    assert_eq!(edits[0].customer, "free");
    assert!(
        edits[0].reason.contains("alice is inactive"),
        "{}",
        edits[0].reason
    );
}

#[test]
fn every_format_renders_and_is_deterministic() {
    let config = config(vec![
        ("alice", owner(&[], &[], 8.0)),
        ("bob", owner(&[], &[], 12.0)),
    ]);
    let customers = vec![
        customer("a1", "north", "key", Some("carl")),
        customer("a2", "north", "ordinary", None),
    ];
    for format in ["table", "markdown", "csv", "json"] {
        let first = run(&config, customers.clone(), &["--format", format]).stdout;
        assert_eq!(
            first,
            run(&config, customers.clone(), &["--format", format]).stdout
        );
        assert!(first.contains("a1"), "{format}: {first}");
    }
    let csv = run(&config, customers.clone(), &["--format", "csv"]).stdout;
    assert!(csv.starts_with("customer,tier,weight,from,to,status,reason\n"));
    assert!(csv.contains("carl is not an owner in kehu.toml"), "{csv}");
    let help = run(&config, customers, &["--help"]).stdout;
    assert!(help.contains("Usage: kehu assign"));
}

/// A tiny deterministic generator for the random instances.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// Independent check: enumerate every assignment (all customers free).
fn brute_force(problem: &Problem) -> Objective {
    let n = problem.items.len();
    let options: Vec<Vec<Option<usize>>> = problem
        .items
        .iter()
        .map(|i| i.eligible.iter().map(|s| Some(*s)).chain([None]).collect())
        .collect();
    let mut index = vec![0usize; n];
    let mut best: Option<Objective> = None;
    loop {
        let mut load = vec![0i64; problem.slots.len()];
        let (mut assigned, mut kept) = (0, 0);
        for (k, item) in problem.items.iter().enumerate() {
            if let Some(s) = options[k][index[k]] {
                load[s] += item.weight;
                assigned += item.weight;
                if item.valid_current == Some(s) {
                    kept += item.weight;
                }
            }
        }
        let fits = problem
            .slots
            .iter()
            .zip(&load)
            .all(|(s, l)| s.capacity.is_none_or(|c| *l <= c));
        if fits {
            let max_utilisation = problem
                .slots
                .iter()
                .zip(&load)
                .filter_map(|(s, l)| s.capacity.map(|c| Ratio::new(*l, c)))
                .max()
                .unwrap_or(Ratio::ZERO);
            let objective = Objective {
                assigned,
                kept,
                max_utilisation,
            };
            if best.is_none_or(|b| objective.better_than(&b)) {
                best = Some(objective);
            }
        }
        let mut k = 0;
        while k < n {
            index[k] += 1;
            if index[k] < options[k].len() {
                break;
            }
            index[k] = 0;
            k += 1;
        }
        if k == n {
            return best.unwrap();
        }
    }
}

/// A random instance: up to 3 owners (some restricted, some away), up to
/// `customers` customers of random region, tier and current owner.
fn random_problem(rng: &mut Lcg, customers: u64) -> Problem {
    let tiers = ["strategic", "key", "ordinary", "small"];
    let regions = ["north", "south"];
    let owners = 1 + rng.next(3) as usize;
    let list: Vec<(String, Owner)> = (0..owners)
        .map(|o| {
            let mut owner = owner(&[], &[], (1 + rng.next(12)) as f64);
            if rng.next(3) == 0 {
                owner.regions = vec![regions[rng.next(2) as usize].to_owned()];
            }
            if rng.next(3) == 0 {
                owner.tiers = vec![tiers[rng.next(4) as usize].to_owned()];
            }
            if rng.next(8) == 0 {
                owner.away_until = Some(day("2026-12-01"));
            }
            (format!("o{o}"), owner)
        })
        .collect();
    let config = Config {
        owners: list.into_iter().collect(),
        ..Config::default()
    };
    let customers: Vec<Customer> = (0..1 + rng.next(customers))
        .map(|c| {
            let current = match rng.next(owners as u64 + 1) {
                0 => None,
                o => Some(format!("o{}", o - 1)),
            };
            customer(
                &format!("c{c}"),
                regions[rng.next(2) as usize],
                tiers[rng.next(4) as usize],
                current.as_deref(),
            )
        })
        .collect();
    Problem::build(&config, &customers, day("2026-11-18")).unwrap()
}

/// Every customer on an eligible slot, no slot over capacity, fixed
/// customers where the start put them.
fn assert_valid(problem: &Problem, start: &Start, choice: &[Option<usize>], what: &str) {
    let mut load = vec![0i64; problem.slots.len()];
    for (i, (item, choice)) in problem.items.iter().zip(choice).enumerate() {
        if start.fixed[i] {
            assert_eq!(*choice, start.choice[i], "{what}: fixed {} moved", item.id);
        }
        if let Some(s) = choice {
            if !start.fixed[i] {
                assert!(item.eligible.contains(s), "{what}: {} on {s}", item.id);
            }
            load[*s] += item.weight;
        }
    }
    for (i, (slot, l)) in problem.slots.iter().zip(&load).enumerate() {
        let fixed: i64 = start.load[i];
        assert!(
            slot.capacity.is_none_or(|c| *l <= c.max(fixed)),
            "{what}: {} over",
            slot.id
        );
    }
}

#[test]
fn random_instances_match_brute_force_and_respect_every_rule() {
    let mut rng = Lcg(7);
    for round in 0..600 {
        let problem = random_problem(&mut rng, 7);
        for rebalance in [true, false] {
            let solution = solve(&problem, rebalance);
            assert!(solution.proven);
            assert_eq!(solution.method, Method::Exact);
            let start = Start::new(&problem, rebalance);
            assert_valid(
                &problem,
                &start,
                &solution.choice,
                &format!("round {round}"),
            );
            if rebalance {
                assert_eq!(solution.objective, brute_force(&problem), "round {round}");
            } else {
                for (item, choice) in problem.items.iter().zip(&solution.choice) {
                    if let Some(current) = item.valid_current {
                        let mine: i64 = problem
                            .items
                            .iter()
                            .filter(|i| i.valid_current == Some(current))
                            .map(|i| i.weight)
                            .sum();
                        if problem.slots[current].capacity.is_none_or(|c| mine <= c) {
                            assert_eq!(*choice, Some(current), "round {round}: {} moved", item.id);
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn greedy_plans_are_valid_and_the_bounds_hold_against_the_exact_optimum() {
    let mut rng = Lcg(11);
    let (mut proven, mut rounds) = (0, 0);
    for round in 0..400 {
        let problem = random_problem(&mut rng, 12);
        for rebalance in [true, false] {
            let what = format!("round {round}, rebalance {rebalance}");
            let start = Start::new(&problem, rebalance);
            let exact = crate::exact::solve(&problem, &start, u64::MAX);
            assert!(exact.proven, "{what}");
            let greedy = crate::greedy::solve(&problem, &start);
            assert_valid(&problem, &start, &greedy.choice, &what);
            assert_eq!(greedy.objective, objective_of(&problem, &greedy.choice));
            assert!(!greedy.objective.better_than(&exact.objective), "{what}");
            let bounds = bounds(&problem, &start, &greedy.objective);
            let best = exact.objective;
            assert!(bounds.assigned >= best.assigned, "{what}");
            assert!(bounds.kept >= best.kept, "{what}");
            if greedy.objective.assigned == bounds.assigned {
                assert_eq!(best.assigned, bounds.assigned, "{what}");
                let floor = bounds.max_utilisation.unwrap();
                assert!(floor <= best.max_utilisation.value() + 1e-9, "{what}");
            }
            if bounds.met(&greedy.objective) {
                assert_eq!(greedy.objective, best, "{what}: proven but not optimal");
                proven += 1;
            }
            rounds += 1;
        }
    }
    // The bounds are tight often enough to prove most small plans.
    assert!(proven * 2 > rounds, "{proven} of {rounds} proven");
}
