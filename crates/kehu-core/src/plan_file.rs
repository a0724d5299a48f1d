//! Reading the `[plan]` section of a customer file with line-accurate
//! diagnostics, and checking its values.
//!
//! Reading reports wrong types and unknown keys (like the rest of the file:
//! a wrong type makes the file unsound). The rules of a plan — an action
//! needs an owner, a decision maker a role, names come from kehu.toml —
//! are value checks: the customer still loads, with an error to fix.

use std::collections::HashMap;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::Date;
use crate::config::Config;
use crate::customer_file::{Problem, clip, describe, read_date, string_of};
use crate::diag::Severity;
use crate::plan::{Action, PERSON_KINDS, Person, Plan, STANCES, Supplier};
use crate::suggest::hint;
use crate::validate::{Context, unknown_owner_message};

/// Where each present key of a plan is: dotted path (`plan.actions[1].due`)
/// → byte offset of its value (of its `[[…]]` header for an entry).
#[derive(Clone, Debug, Default)]
pub(crate) struct PlanSpans {
    at: HashMap<String, usize>,
    /// Every key counts as present, at offset 0 (see [`PlanSpans::every_key`]).
    every_key: bool,
}

impl PlanSpans {
    /// The offset of `path`'s value, if the file has the key.
    pub(crate) fn get(&self, path: &str) -> Option<usize> {
        if self.every_key {
            return Some(0);
        }
        self.at.get(path).copied()
    }

    /// Spans that have every key, at offset 0: for checking a cached plan
    /// whose file is known to have every key the checks require (see
    /// [`sound_without_policy`]); any problem found sends the file back to
    /// the parser, to be placed at its real line and column.
    pub(crate) fn every_key() -> PlanSpans {
        PlanSpans {
            at: HashMap::new(),
            every_key: true,
        }
    }
}

/// Whether `plan` has no problem of its own: none of [`check`]'s findings
/// that hold whatever kehu.toml and the day say (missing keys, unknown
/// kinds and stances, values out of range). A parse cache keeps a plan only
/// when this holds, so that a later load needs to run only the checks that
/// depend on the policy and the day.
pub(crate) fn sound_without_policy(plan: &Plan, spans: &PlanSpans) -> bool {
    let timeless = Context {
        config: None,
        as_of: Date(chrono::NaiveDate::MAX),
    };
    let mut problems = Vec::new();
    check(plan, spans, &timeless, &mut problems);
    problems.is_empty()
}

/// Reads a `[plan]` table, pushing type and unknown-key problems. Sets
/// `multiline` when a string may span lines.
pub(crate) fn read(
    table: &DeTable<'_>,
    problems: &mut Vec<Problem>,
    multiline: &mut bool,
) -> (Plan, PlanSpans) {
    let mut reader = PlanReader {
        spans: PlanSpans::default(),
        problems,
        multiline,
    };
    let mut plan = Plan::default();
    for (key, value) in table.iter() {
        let name: &str = key.get_ref();
        let path = format!("plan.{name}");
        reader.spans.at.insert(path.clone(), value.span().start);
        match name {
            "reviewed" => plan.reviewed = reader.date(&path, value),
            "goals" => plan.goals = reader.string(&path, value),
            "challenges" => plan.challenges = reader.string(&path, value),
            "customers" => plan.customers = reader.string(&path, value),
            "competitors" => plan.competitors = reader.string(&path, value),
            "budget" => plan.budget = reader.number(&path, value),
            "value" => plan.value = reader.string(&path, value),
            "resources" => plan.resources = reader.string(&path, value),
            "people" => plan.people = reader.entries(&path, value, PlanReader::person),
            "suppliers" => plan.suppliers = reader.entries(&path, value, PlanReader::supplier),
            "actions" => plan.actions = reader.entries(&path, value, PlanReader::action),
            _ => {
                reader.spans.at.remove(&path);
                reader.unknown(&path, key);
            }
        }
    }
    let spans = reader.spans;
    (plan, spans)
}

struct PlanReader<'p> {
    spans: PlanSpans,
    problems: &'p mut Vec<Problem>,
    multiline: &'p mut bool,
}

type Key<'i> = Spanned<toml::de::DeString<'i>>;

impl PlanReader<'_> {
    fn unknown(&mut self, path: &str, key: &Key<'_>) {
        *self.multiline = true;
        let name: &str = key.get_ref();
        self.problems.push(Problem {
            severity: Severity::Warning,
            code: "unknown-key",
            field: Some(path.to_owned()),
            message: format!("unknown key `{name}` (kept in the file, ignored by kehu)"),
            offset: Some(key.span().start),
        });
    }

    fn wrong_type(&mut self, path: &str, value: &Spanned<DeValue<'_>>, expected: &str) {
        self.problems.push(Problem {
            severity: Severity::Error,
            code: "wrong-type",
            field: Some(path.to_owned()),
            message: format!("expected {expected}, found {}", describe(value.get_ref())),
            offset: Some(value.span().start),
        });
    }

    fn string(&mut self, path: &str, value: &Spanned<DeValue<'_>>) -> Option<String> {
        let text = string_of(value.get_ref());
        *self.multiline |= text.is_some_and(|t| t.contains('\n'));
        if text.is_none() {
            self.wrong_type(path, value, "a string");
        }
        text.map(str::to_owned)
    }

    fn date(&mut self, path: &str, value: &Spanned<DeValue<'_>>) -> Option<crate::Date> {
        read_date(value, path, self.problems).0
    }

    fn number(&mut self, path: &str, value: &Spanned<DeValue<'_>>) -> Option<f64> {
        let parsed = match value.get_ref() {
            DeValue::Float(f) => f.as_str().replace('_', "").parse::<f64>().ok(),
            DeValue::Integer(i) => i64::from_str_radix(&i.as_str().replace('_', ""), i.radix())
                .ok()
                .map(|i| i as f64),
            _ => {
                self.wrong_type(path, value, "a number");
                return None;
            }
        };
        if parsed.is_none() {
            self.problems.push(Problem {
                severity: Severity::Error,
                code: "out-of-range",
                field: Some(path.to_owned()),
                message: "the number is too large".to_owned(),
                offset: Some(value.span().start),
            });
        }
        parsed
    }

    /// An array of tables (`[[plan.actions]]`), each read by `entry`.
    fn entries<T: Default>(
        &mut self,
        path: &str,
        value: &Spanned<DeValue<'_>>,
        entry: fn(&mut Self, &str, &str, &Spanned<DeValue<'_>>, &mut T) -> bool,
    ) -> Vec<T> {
        let Some(items) = value.get_ref().as_array() else {
            self.wrong_type(path, value, "an array of tables");
            return Vec::new();
        };
        let mut out = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            let item_path = format!("{path}[{index}]");
            let Some(table) = item.get_ref().as_table() else {
                self.wrong_type(&item_path, item, "a table");
                continue;
            };
            self.spans.at.insert(item_path.clone(), item.span().start);
            let mut value = T::default();
            for (key, field) in table.iter() {
                let name: &str = key.get_ref();
                let field_path = format!("{item_path}.{name}");
                if entry(self, name, &field_path, field, &mut value) {
                    self.spans.at.insert(field_path, field.span().start);
                } else {
                    self.unknown(&field_path, key);
                }
            }
            out.push(value);
        }
        out
    }

    fn person(&mut self, key: &str, path: &str, v: &Spanned<DeValue<'_>>, p: &mut Person) -> bool {
        match key {
            "name" => p.name = self.string(path, v).unwrap_or_default(),
            "kind" => p.kind = self.string(path, v).unwrap_or_default(),
            "role" => p.role = self.string(path, v),
            "owner" => p.owner = self.string(path, v),
            "stance" => p.stance = self.string(path, v),
            _ => return false,
        }
        true
    }

    fn supplier(
        &mut self,
        key: &str,
        path: &str,
        v: &Spanned<DeValue<'_>>,
        s: &mut Supplier,
    ) -> bool {
        match key {
            "name" => s.name = self.string(path, v).unwrap_or_default(),
            "share" => s.share = self.number(path, v),
            "satisfaction" => s.satisfaction = self.number(path, v),
            _ => return false,
        }
        true
    }

    fn action(&mut self, key: &str, path: &str, v: &Spanned<DeValue<'_>>, a: &mut Action) -> bool {
        match key {
            "what" => a.what = self.string(path, v).unwrap_or_default(),
            "owner" => a.owner = self.string(path, v),
            "due" => a.due = self.date(path, v),
            "done" => a.done = self.date(path, v),
            _ => return false,
        }
        true
    }
}

/// The value checks of a plan that read cleanly.
pub(crate) fn check(plan: &Plan, spans: &PlanSpans, ctx: &Context<'_>, out: &mut Vec<Problem>) {
    let mut c = PlanChecker { spans, out };
    if let Some(reviewed) = plan.reviewed
        && reviewed > ctx.as_of
    {
        c.error(
            "future-date",
            "plan.reviewed",
            format!("{reviewed} is in the future (as of {})", ctx.as_of),
        );
    }
    if let Some(budget) = plan.budget
        && !(budget.is_finite() && budget >= 0.0)
    {
        c.error(
            "negative-value",
            "plan.budget",
            format!("{budget} is not a budget (a number of money, 0 or more)"),
        );
    }
    for (i, person) in plan.people.iter().enumerate() {
        c.person(i, person, ctx.config);
    }
    for (i, supplier) in plan.suppliers.iter().enumerate() {
        c.supplier(i, supplier);
    }
    for (i, action) in plan.actions.iter().enumerate() {
        c.action(i, action, ctx);
    }
}

struct PlanChecker<'a> {
    spans: &'a PlanSpans,
    out: &'a mut Vec<Problem>,
}

impl PlanChecker<'_> {
    fn push(&mut self, severity: Severity, code: &'static str, path: &str, message: String) {
        self.out.push(Problem {
            severity,
            code,
            field: Some(path.to_owned()),
            message,
            offset: self.spans.get(path),
        });
    }

    fn error(&mut self, code: &'static str, path: &str, message: String) {
        self.push(Severity::Error, code, path, message);
    }

    /// A required key of an entry: an error at the entry when it is absent.
    fn require(&mut self, entry: &str, key: &str, code: &'static str, message: String) {
        if self.spans.get(&format!("{entry}.{key}")).is_none() {
            self.error(code, entry, message);
        }
    }

    /// An owner id, checked against kehu.toml `[owners]`.
    fn owner(&mut self, path: &str, owner: &str, config: Option<&Config>) {
        if let Some(config) = config
            && !config.owners.is_empty()
            && !config.owners.contains_key(owner)
        {
            self.error("unknown-value", path, unknown_owner_message(owner, config));
        }
    }

    fn person(&mut self, i: usize, p: &Person, config: Option<&Config>) {
        let entry = format!("plan.people[{i}]");
        self.require(
            &entry,
            "name",
            "missing-field",
            "a person needs a `name`".to_owned(),
        );
        let who = if p.name.is_empty() {
            String::from("a person")
        } else {
            format!("\"{}\"", clip(&p.name))
        };
        self.require(
            &entry,
            "kind",
            "missing-field",
            format!("{who} needs a `kind`: decision-maker or influencer"),
        );
        if self.spans.get(&format!("{entry}.kind")).is_some() && !PERSON_KINDS.contains(&&*p.kind) {
            self.error(
                "unknown-value",
                &format!("{entry}.kind"),
                format!(
                    "unknown kind \"{}\" (expected {}){}",
                    clip(&p.kind),
                    PERSON_KINDS.join(", "),
                    hint(&p.kind, PERSON_KINDS)
                ),
            );
        }
        if p.kind == "decision-maker" {
            self.require(
                &entry,
                "role",
                "decision-maker-without-role",
                format!("decision maker {who} has no `role` (e.g. role = \"CFO\")"),
            );
        }
        if let Some(owner) = &p.owner {
            self.owner(&format!("{entry}.owner"), owner, config);
        }
        if let Some(stance) = &p.stance
            && !STANCES.contains(&stance.as_str())
        {
            self.error(
                "unknown-value",
                &format!("{entry}.stance"),
                format!(
                    "unknown stance \"{}\" (expected {}){}",
                    clip(stance),
                    STANCES.join(", "),
                    hint(stance, STANCES)
                ),
            );
        }
    }

    fn supplier(&mut self, i: usize, s: &Supplier) {
        let entry = format!("plan.suppliers[{i}]");
        self.require(
            &entry,
            "name",
            "missing-field",
            "a supplier needs a `name`".to_owned(),
        );
        for (key, value, low, high) in [
            ("share", s.share, 0.0, 1.0),
            ("satisfaction", s.satisfaction, 1.0, 5.0),
        ] {
            if let Some(v) = value
                && !(low..=high).contains(&v)
            {
                self.error(
                    "out-of-range",
                    &format!("{entry}.{key}"),
                    format!("{v} is outside {low}..{high}"),
                );
            }
        }
    }

    fn action(&mut self, i: usize, a: &Action, ctx: &Context<'_>) {
        let entry = format!("plan.actions[{i}]");
        self.require(
            &entry,
            "what",
            "missing-field",
            "an action needs a `what`".to_owned(),
        );
        let what = if a.what.is_empty() {
            String::from("an action")
        } else {
            format!("action \"{}\"", clip(&a.what))
        };
        self.require(
            &entry,
            "owner",
            "action-without-owner",
            format!("{what} has no `owner` (an owner id from kehu.toml)"),
        );
        if let Some(owner) = &a.owner {
            self.owner(&format!("{entry}.owner"), owner, ctx.config);
        }
        if let Some(done) = a.done
            && done > ctx.as_of
        {
            self.error(
                "future-date",
                &format!("{entry}.done"),
                format!("{done} is in the future (as of {})", ctx.as_of),
            );
        }
    }
}
