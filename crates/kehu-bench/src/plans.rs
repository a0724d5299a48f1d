//! Key account plans for generated books: every strategic customer (by its
//! written tier or by the policy) and one key customer in three get a `[plan]` with goals, people, competing
//! suppliers, a budget and actions, reviewed recently enough to pass
//! `kehu check` on the generated day. A plan is a pure function of the
//! book's seed and the customer, drawn from its own stream so that adding
//! plans never changes the rest of a book.

use std::fmt::Write as _;

use kehu_core::plan::{Action, Person, Plan, Supplier};
use kehu_core::{Customer, Date};

use crate::calendar::{as_of, days_after, days_before};
use crate::owners::Owner;
use crate::render::{line_date, line_float, line_str, quote};
use crate::rng::Rng;

/// Goals and challenges by industry (the customer's, in its own words).
const GOALS: [(&str, &str, &str); 10] = [
    (
        "manufacturing",
        "Cut unit cost by 8% and shorten changeovers",
        "Energy prices and an ageing press line",
    ),
    (
        "retail",
        "Open 12 stores and grow online to 30% of sales",
        "Thin margins and seasonal stock peaks",
    ),
    (
        "logistics",
        "Electrify the urban fleet by 2028",
        "Depot charging capacity and driver turnover",
    ),
    (
        "software",
        "Move every customer to the cloud edition",
        "Long enterprise sales cycles",
    ),
    (
        "healthcare",
        "Consolidate purchasing across its clinics",
        "Regulatory audits and budget freezes",
    ),
    (
        "finance",
        "Replace branch paperwork with digital onboarding",
        "Legacy core banking and compliance load",
    ),
    (
        "energy",
        "Double solar capacity within three years",
        "Grid connection delays",
    ),
    (
        "construction",
        "Win two public infrastructure tenders a year",
        "Material price swings",
    ),
    (
        "education",
        "Reach 20,000 online learners",
        "Enrolment falls outside term time",
    ),
    (
        "food",
        "Launch a plant-based line nationally",
        "Cold-chain cost and retailer listing fees",
    ),
];

const FIRST: [&str; 12] = [
    "Li", "Ana", "Marta", "Tomasz", "Priya", "Jonas", "Mei", "Oskar", "Sofia", "Karim", "Elena",
    "Hiro",
];
const LAST: [&str; 12] = [
    "Wei", "Ruiz", "Nowak", "Berg", "Sharma", "Lind", "Chen", "Dahl", "Rossi", "Haddad", "Petrova",
    "Sato",
];
const DECIDERS: [&str; 4] = ["CFO", "CEO", "Head of purchasing", "COO"];
const INFLUENCERS: [&str; 4] = [
    "Plant manager",
    "Category buyer",
    "Head of quality",
    "IT architect",
];
const STANCES: [&str; 5] = ["champion", "supporter", "neutral", "neutral", "sceptic"];
const SUPPLIERS: [&str; 6] = [
    "Nordmetal",
    "Bright Supply",
    "Keystone Partners",
    "Orbis Trading",
    "Vantage Group",
    "Crescent Works",
];
const ACTIONS: [&str; 6] = [
    "Quarterly business review",
    "Plant visit with the application engineer",
    "Present the three-year pricing proposal",
    "Joint cost-down workshop",
    "Introduce our logistics lead to their COO",
    "Send the annual satisfaction survey",
];

/// Adds plans to the customers of `book_seed`'s book (owners already set).
/// `computed` is each customer's tier by the policy: a customer the policy
/// makes strategic has a plan even before `classify --apply` writes it.
pub fn add_plans(book_seed: u64, customers: &mut [Customer], computed: &[&str], owners: &[Owner]) {
    for (c, computed) in customers.iter_mut().zip(computed) {
        let tier = c.grade.tier.as_deref();
        let mut rng = Rng::new(book_seed ^ seed_of(&c.id));
        let wanted = match tier {
            _ if *computed == "strategic" => true,
            Some("strategic") => true,
            Some("key") => rng.chance(1.0 / 3.0) && c.stage == "won",
            _ => false,
        };
        if wanted {
            c.plan = Some(Box::new(plan_for(&mut rng, c, owners)));
        }
    }
}

/// A stable 64-bit seed from an id (FNV-1a).
fn seed_of(id: &str) -> u64 {
    id.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn person(rng: &mut Rng, kind: &str, owner: Option<&str>) -> Person {
    let roles = if kind == "decision-maker" {
        &DECIDERS
    } else {
        &INFLUENCERS
    };
    Person {
        name: format!("{} {}", rng.pick(&FIRST), rng.pick(&LAST)),
        kind: kind.to_owned(),
        role: Some((*rng.pick(roles)).to_owned()),
        owner: owner.map(str::to_owned),
        stance: Some((*rng.pick(&STANCES)).to_owned()),
    }
}

fn plan_for(rng: &mut Rng, c: &Customer, owners: &[Owner]) -> Plan {
    let today = as_of();
    let industry = c.industry.as_deref().unwrap_or_default();
    let (goals, challenges) = GOALS
        .iter()
        .find(|(i, _, _)| *i == industry)
        .map_or(("Grow profitably", "Competition on price"), |(_, g, ch)| {
            (*g, *ch)
        });
    let owner = c.owner.as_deref();
    // A colleague for one action: another manager of the book.
    let others: Vec<&str> = owners
        .iter()
        .map(|o| o.id.as_str())
        .filter(|id| Some(*id) != owner)
        .collect();
    let colleague = if others.is_empty() {
        owner
    } else {
        Some(*rng.pick(&others))
    };
    let revenue = c.metrics.revenue_12m.unwrap_or(0.0);
    let share = rng.between(0.25, 0.7);
    let budget = (revenue / share / 10_000.0).round() * 10_000.0;
    let reviewed = days_before(today, rng.int(6, 45));
    let mut suppliers: Vec<Supplier> = Vec::new();
    let first = rng.int(0, SUPPLIERS.len() as i64 - 1) as usize;
    for k in 0..2 {
        suppliers.push(Supplier {
            name: SUPPLIERS[(first + k) % SUPPLIERS.len()].to_owned(),
            share: Some((rng.between(0.1, (1.0 - share) / 2.0) * 100.0).round() / 100.0),
            satisfaction: Some((rng.between(2.5, 4.5) * 2.0).round() / 2.0),
        });
    }
    let start = rng.int(0, ACTIONS.len() as i64 - 1) as usize;
    let mut actions = Vec::new();
    // Done before the review, due after today, and (one plan in three) an
    // open action past its due day for the owner's agenda.
    actions.push(Action {
        what: ACTIONS[start].to_owned(),
        owner: owner.map(str::to_owned),
        due: Some(Date(days_before(reviewed, 10))),
        done: Some(Date(days_before(reviewed, rng.int(11, 20)))),
    });
    actions.push(Action {
        what: ACTIONS[(start + 1) % ACTIONS.len()].to_owned(),
        owner: colleague.map(str::to_owned),
        due: Some(Date(days_after(today, rng.int(10, 60)))),
        done: None,
    });
    if rng.chance(1.0 / 3.0) {
        actions.push(Action {
            what: ACTIONS[(start + 2) % ACTIONS.len()].to_owned(),
            owner: owner.map(str::to_owned),
            due: Some(Date(days_before(today, rng.int(3, 20)))),
            done: None,
        });
    }
    Plan {
        reviewed: Some(Date(reviewed)),
        goals: Some(goals.to_owned()),
        challenges: Some(challenges.to_owned()),
        customers: Some(format!("{} buyers in its region", capitalised(industry))),
        competitors: Some(format!("Two larger {industry} groups")),
        budget: Some(budget),
        value: Some("Local stock, 48-hour delivery and one named engineer".to_owned()),
        resources: Some("An application engineer two days a month".to_owned()),
        people: vec![
            person(rng, "decision-maker", owner),
            person(rng, "influencer", colleague),
        ],
        suppliers,
        actions,
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The `[plan]` section as a person would write it: scalars first, then
/// people, suppliers and actions as arrays of tables.
pub fn render_plan(out: &mut String, plan: &Plan) {
    out.push_str("\n[plan]\n");
    line_date(out, "reviewed", &plan.reviewed);
    line_str(out, "goals", &plan.goals);
    line_str(out, "challenges", &plan.challenges);
    line_str(out, "customers", &plan.customers);
    line_str(out, "competitors", &plan.competitors);
    line_float(out, "budget", plan.budget, 2);
    line_str(out, "value", &plan.value);
    line_str(out, "resources", &plan.resources);
    for p in &plan.people {
        let _ = write!(
            out,
            "\n[[plan.people]]\nname = {}\nkind = {}\n",
            quote(&p.name),
            quote(&p.kind)
        );
        line_str(out, "role", &p.role);
        line_str(out, "owner", &p.owner);
        line_str(out, "stance", &p.stance);
    }
    for s in &plan.suppliers {
        let _ = write!(out, "\n[[plan.suppliers]]\nname = {}\n", quote(&s.name));
        line_float(out, "share", s.share, 2);
        line_float(out, "satisfaction", s.satisfaction, 1);
    }
    for a in &plan.actions {
        let _ = write!(out, "\n[[plan.actions]]\nwhat = {}\n", quote(&a.what));
        line_str(out, "owner", &a.owner);
        line_date(out, "due", &a.due);
        line_date(out, "done", &a.done);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{BookSpec, generate};

    #[test]
    fn strategic_customers_get_plans_that_read_back_and_pass_review() {
        let book = generate(&BookSpec {
            seed: 7,
            customers: 400,
        });
        let today = Date(as_of());
        let mut planned = 0;
        for c in &book.customers {
            let Some(plan) = &c.plan else {
                assert_ne!(c.grade.tier.as_deref(), Some("strategic"), "{}", c.id);
                continue;
            };
            planned += 1;
            let age = plan.reviewed.unwrap().days_until(today);
            assert!((6..=45).contains(&age), "{}: reviewed {age} days ago", c.id);
            assert!(plan.actions.iter().all(|a| a.owner.is_some()));
            assert!(plan.people.iter().all(|p| p.role.is_some()));
            let text = crate::render::render_customer(c);
            let back: Customer = toml::from_str(&text).unwrap();
            assert_eq!(&back, c);
        }
        assert!(planned >= 3, "{planned} plans");
    }
}
