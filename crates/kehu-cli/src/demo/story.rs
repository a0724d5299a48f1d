//! A deterministic year in the life of the sample book.
//!
//! The story starts on 2025-11-24 with the policy and the sample customers,
//! then plays every working day up to 2026-11-20: account managers follow up
//! the customers due at their cadence (and regrade some after the call, as
//! the practice asks), the data team imports each month's orders, managers
//! regrade a few accounts by hand with a reason, a review branch of key
//! account regrades is merged in May, and a customer is renamed in August.
//! Now and then a follow-up records a complaint (`Kehu-Complaint`), and a
//! later follow-up of that customer usually resolves it (`Kehu-Resolved`);
//! one customer in seven orders less and less, so lifecycle stages spread;
//! and open deals move along the funnel (lead → qualified → proposal →
//! negotiation → won, or lost): now and then after a follow-up, and at the
//! pipeline review every Tuesday and Thursday, so the report's funnel
//! conversion has moves in every week.
//!
//! Every commit is written straight into the object database with a fixed
//! author and time ([`kehu_git::RawCommit`]), so the same binary builds the
//! same commits, ids included, on every machine.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context as _, anyhow};
use chrono::{Datelike, Days, NaiveDate, Weekday};
use kehu_core::{Config, Customer, Date};
use kehu_git::{Message, RawCommit};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

/// The first day of the story.
pub const START: (i32, u32, u32) = (2025, 11, 24);
/// The last day of the story: the demo's `--as-of`.
pub const END: (i32, u32, u32) = (2026, 11, 20);

/// Follow-ups one account manager makes per working day at most.
const CONTACTS_PER_OWNER: usize = 2;

/// The branch the story's review regrades are made on.
pub const REVIEW_BRANCH: &str = "review/q2-key-accounts";

/// What the story wrote.
#[derive(Debug, Default)]
pub struct Summary {
    /// Commits on the main line (the merged branch's commit included).
    pub commits: usize,
    /// Contact commits.
    pub contacts: usize,
    /// Monthly order imports.
    pub imports: usize,
    /// Hand regrades (main line and review branch).
    pub regrades: usize,
    /// The customer renamed: (old id, new id).
    pub renamed: Option<(String, String)>,
    /// Complaints recorded, and of those still open at the end.
    pub complaints: (usize, usize),
    /// The id of the largest customer by revenue (for `history`).
    pub biggest: String,
}

/// One customer's file as the story goes.
struct File {
    path: String,
    text: String,
    customer: Customer,
    next_due: NaiveDate,
}

/// The whole story's state: the files, the tip of `main`, the clock.
struct Story<'a> {
    repo: &'a kehu_git::Book,
    config: &'a Config,
    rng: ChaCha8Rng,
    files: BTreeMap<String, File>,
    head: Option<String>,
    summary: Summary,
    /// Customers the review branch touches: nobody else edits them until the merge.
    reserved: BTreeSet<String>,
    /// Draws for complaints, apart from `rng` so the rest of the story
    /// does not depend on them.
    complaint_rng: ChaCha8Rng,
    /// Open complaints: customer id → the complaint commit's id.
    open_complaints: BTreeMap<String, String>,
    /// Draws for stage moves, apart from `rng` like `complaint_rng`.
    stage_rng: ChaCha8Rng,
}

/// What customers complain about in the story.
const COMPLAINTS: [&str; 6] = [
    "Late delivery of the last order",
    "Invoice does not match the quote",
    "Damaged goods on arrival",
    "No answer from support within the promised time",
    "Wrong items in the shipment",
    "Price increase without notice",
];

/// Plays the story into `repo` (a new, empty repository) and checks out
/// `main` at its end.
pub fn play(
    repo: &kehu_git::Book,
    policy: &str,
    customer_template: &str,
    customers: Vec<(String, String)>,
) -> anyhow::Result<Summary> {
    let config = kehu_core::parse_config(policy.as_bytes())
        .config
        .ok_or_else(|| anyhow!("the sample policy does not parse"))?;
    let start = day(START);
    let mut story = Story {
        repo,
        config: &config,
        rng: ChaCha8Rng::seed_from_u64(20_261_120),
        files: BTreeMap::new(),
        head: None,
        summary: Summary::default(),
        reserved: BTreeSet::new(),
        complaint_rng: ChaCha8Rng::seed_from_u64(4_242),
        open_complaints: BTreeMap::new(),
        stage_rng: ChaCha8Rng::seed_from_u64(1_717),
    };
    let data_team = ("Data Team", "data@example.com");
    story.commit(
        start,
        9 * 60,
        data_team,
        message("init: a new kehu book", "", &[("Kehu-Command", "init")]),
        vec![
            ("kehu.toml".into(), policy.as_bytes().to_vec()),
            (
                "templates/customer.toml".into(),
                customer_template.as_bytes().to_vec(),
            ),
        ],
        Vec::new(),
    )?;

    let mut upserts = Vec::new();
    for (path, text) in customers {
        let customer: Customer =
            toml::from_str(&text).with_context(|| format!("sample file {path}"))?;
        let next_due = start + Days::new(story.rng.random_range(0..30));
        upserts.push((path.clone(), text.clone().into_bytes()));
        story.files.insert(
            customer.id.clone(),
            File {
                path,
                text,
                customer,
                next_due,
            },
        );
    }
    story.summary.biggest = story
        .files
        .values()
        .max_by(|a, b| revenue(&a.customer).total_cmp(&revenue(&b.customer)))
        .map(|f| f.customer.id.clone())
        .unwrap_or_default();
    let count = upserts.len();
    story.commit(
        start,
        9 * 60 + 30,
        data_team,
        message(
            &format!("import customers: {count} customers from the CRM export"),
            "The book starts from the CRM's export of every active account and open deal.",
            &[("Kehu-Command", "import")],
        ),
        upserts,
        Vec::new(),
    )?;

    let end = day(END);
    let mut today = start + Days::new(1);
    let mut month = start.month();
    let mut branch_tip: Option<String> = None;
    while today <= end {
        if matches!(today.weekday(), Weekday::Sat | Weekday::Sun) {
            today = today + Days::new(1);
            continue;
        }
        if today.month() != month {
            month = today.month();
            story.import_orders(today)?;
        }
        if today == day((2026, 5, 11)) {
            branch_tip = Some(story.review_branch(today)?);
        }
        if let (true, Some(tip)) = (today == day((2026, 5, 15)), branch_tip.as_deref()) {
            story.merge_review(today, tip)?;
            branch_tip = None;
        }
        if today == day((2026, 8, 3)) {
            story.rename(today)?;
        }
        if today.ordinal().is_multiple_of(41) {
            story.hand_regrade(today)?;
        }
        if matches!(today.weekday(), Weekday::Tue | Weekday::Thu) {
            story.pipeline_review(today)?;
        }
        story.contacts(today)?;
        today = today + Days::new(1);
    }
    let head = story
        .head
        .clone()
        .ok_or_else(|| anyhow!("the story wrote no commit"))?;
    repo.set_branch("main", &head)?;
    repo.checkout_head("main")?;
    Ok(story.summary)
}

impl Story<'_> {
    /// Writes a commit on the main line.
    fn commit(
        &mut self,
        when: NaiveDate,
        minute: u32,
        (name, email): (&str, &str),
        message: String,
        upserts: Vec<(String, Vec<u8>)>,
        removals: Vec<String>,
    ) -> anyhow::Result<String> {
        let id = self.repo.write_raw_commit(&RawCommit {
            parents: self.head.iter().cloned().collect(),
            upserts,
            removals,
            message,
            name: name.into(),
            email: email.into(),
            time: timestamp(when, minute),
            offset_minutes: 60,
        })?;
        self.head = Some(id.clone());
        self.summary.commits += 1;
        Ok(id)
    }

    /// Sets fields of one customer's file text (format-preserving) and
    /// returns the new bytes.
    fn edit(&mut self, id: &str, edits: &[(&str, Value)]) -> anyhow::Result<(String, Vec<u8>)> {
        let file = self
            .files
            .get_mut(id)
            .ok_or_else(|| anyhow!("no customer {id}"))?;
        file.text = kehu_core::edit::apply_edits(&file.text, edits.iter().map(|(f, v)| (*f, v)))
            .with_context(|| format!("editing {}", file.path))?;
        file.customer =
            toml::from_str(&file.text).with_context(|| format!("re-reading {}", file.path))?;
        Ok((file.path.clone(), file.text.clone().into_bytes()))
    }

    /// The day's follow-ups: the customers most overdue first.
    fn contacts(&mut self, today: NaiveDate) -> anyhow::Result<()> {
        let mut due: Vec<(NaiveDate, String)> = self
            .files
            .values()
            .filter(|f| f.next_due <= today && !self.reserved.contains(&f.customer.id))
            .filter(|f| {
                f.customer
                    .owner
                    .as_deref()
                    .is_some_and(|o| self.config.owners.contains_key(o))
            })
            .map(|f| (f.next_due, f.customer.id.clone()))
            .collect();
        due.sort();
        let mut per_owner: BTreeMap<String, usize> = BTreeMap::new();
        let mut slot = 0;
        for (_, id) in due {
            let owner = self.files[&id]
                .customer
                .owner
                .clone()
                .unwrap_or_default()
                .into();
            let made = per_owner.entry(owner).or_default();
            if *made == CONTACTS_PER_OWNER {
                continue;
            }
            *made += 1;
            self.contact(today, 8 * 60 + 30 + 17 * slot, &id)?;
            slot += 1;
        }
        Ok(())
    }

    fn contact(&mut self, today: NaiveDate, minute: u32, id: &str) -> anyhow::Result<()> {
        let customer = self.files[id].customer.clone();
        let tier = customer
            .grade
            .tier
            .clone()
            .unwrap_or_else(|| "small".into());
        let channels: &[&str] = match tier.as_str() {
            "strategic" => &["visit", "meeting", "call"],
            "key" => &["call", "meeting", "email"],
            _ => &["email", "message", "call"],
        };
        let channel = *channels.choose(&mut self.rng).unwrap_or(&"call");
        let mut edits: Vec<(&str, Value)> = vec![
            ("contact.last", Value::from(today.to_string())),
            ("contact.channel", Value::from(channel)),
        ];
        let mut regraded = None;
        if self.rng.random_bool(0.3) {
            let base = customer.metrics.satisfaction.unwrap_or(4.0);
            let step = [-0.5, 0.0, 0.0, 0.5]
                .choose(&mut self.rng)
                .copied()
                .unwrap_or(0.0);
            edits.push((
                "metrics.satisfaction",
                Value::from((base + step).clamp(1.0, 5.0)),
            ));
        }
        let pinned = customer.grade.pinned.iter().any(|p| p == "pipeline");
        if let (Some(grade), false) = (customer.grade.pipeline.as_deref(), pinned) {
            let roll = self.rng.random_bool(0.2);
            let next = neighbour_grade(grade, self.rng.random_bool(0.5));
            if roll && next != grade {
                edits.push(("grade.pipeline", Value::from(next)));
                regraded = Some((grade.to_owned(), next.to_owned()));
            }
        }
        let moved = self.stage_move(&customer.stage);
        if let Some(to) = moved {
            edits.push(("stage", Value::from(to)));
        }
        let (path, bytes) = self.edit(id, &edits)?;
        let note = NOTES.choose(&mut self.rng).copied().unwrap_or("Follow-up.");
        let mut body = match &regraded {
            Some((from, to)) => {
                format!("{note}\n\nPipeline grade {from} -> {to} after this follow-up.")
            }
            None => note.to_owned(),
        };
        if let Some(to) = moved {
            body.push_str(&format!("\n\nStage {} -> {to}.", customer.stage));
        }
        let owner = customer.owner.clone().unwrap_or_default();
        let author = self.author(&owner);
        let mut trailers = vec![
            ("Kehu-Command", "contact".to_owned()),
            ("Kehu-Customer", id.to_owned()),
            ("Kehu-Contact", channel.to_owned()),
        ];
        let resolves = match self.open_complaints.get(id) {
            Some(complaint) if self.complaint_rng.random_bool(0.6) => {
                trailers.push(("Kehu-Resolved", complaint.clone()));
                true
            }
            _ => false,
        };
        let complains = !resolves
            && !self.open_complaints.contains_key(id)
            && self.complaint_rng.random_bool(0.05);
        if complains {
            let text = COMPLAINTS
                .choose(&mut self.complaint_rng)
                .copied()
                .unwrap_or("Service problem");
            trailers.push(("Kehu-Complaint", text.to_owned()));
        }
        let trailers: Vec<(&str, &str)> = trailers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let commit = self.commit(
            today,
            minute,
            (&author.0, &author.1),
            message(&format!("contact: {id} by {channel}"), &body, &trailers),
            vec![(path, bytes)],
            Vec::new(),
        )?;
        if resolves {
            self.open_complaints.remove(id);
        }
        if complains {
            self.open_complaints.insert(id.to_owned(), commit);
            self.summary.complaints.0 += 1;
        }
        self.summary.complaints.1 = self.open_complaints.len();
        let grade = self.files[id].customer.grade.pipeline.clone();
        let cadence = cadence_days(self.config, grade.as_deref(), &tier);
        let file = self
            .files
            .get_mut(id)
            .ok_or_else(|| anyhow!("no customer {id}"))?;
        file.next_due = today + Days::new(cadence);
        self.summary.contacts += 1;
        Ok(())
    }

    /// Where a follow-up moves an open deal in `stage`, if anywhere: on to
    /// the next stage of the funnel (one follow-up in twelve) or lost (one
    /// in forty). Won, lost and churned customers stay.
    fn stage_move(&mut self, stage: &str) -> Option<&'static str> {
        let next = next_stage(stage)?;
        let roll: f64 = self.stage_rng.random();
        if roll < 1.0 / 12.0 {
            Some(next)
        } else if roll < 1.0 / 12.0 + 1.0 / 40.0 {
            Some("lost")
        } else {
            None
        }
    }

    /// The sales team's pipeline review: one open deal moves on a stage
    /// (or, one time in five, is lost), with the reason in the commit.
    fn pipeline_review(&mut self, today: NaiveDate) -> anyhow::Result<()> {
        let open: Vec<(String, String)> = self
            .files
            .values()
            .filter(|f| next_stage(&f.customer.stage).is_some())
            .filter(|f| !self.reserved.contains(&f.customer.id) && f.customer.owner.is_some())
            .map(|f| (f.customer.id.clone(), f.customer.stage.to_string()))
            .collect();
        let Some((id, from)) = open.choose(&mut self.stage_rng).cloned() else {
            return Ok(());
        };
        let (to, reason) = match next_stage(&from) {
            Some(next) if !self.stage_rng.random_bool(0.2) => (next, stage_reason(next)),
            _ => ("lost", "Chose another supplier; deal closed as lost."),
        };
        let (path, bytes) = self.edit(&id, &[("stage", Value::from(to))])?;
        let owner = self.files[&id].customer.owner.clone().unwrap_or_default();
        let author = self.author(&owner);
        self.commit(
            today,
            15 * 60,
            (&author.0, &author.1),
            message(
                &format!("stage: {id} {from} -> {to}"),
                reason,
                &[
                    ("Kehu-Command", "edit"),
                    ("Kehu-Customer", &id),
                    ("Kehu-Reason", reason),
                ],
            ),
            vec![(path, bytes)],
            Vec::new(),
        )?;
        Ok(())
    }

    /// The first working day of a month: last month's orders, aggregated.
    fn import_orders(&mut self, today: NaiveDate) -> anyhow::Result<()> {
        let buyers: Vec<String> = self
            .files
            .values()
            .filter(|f| {
                f.customer.stage == "won" && f.customer.metrics.orders_total.unwrap_or(0) > 0
            })
            .filter(|f| !self.reserved.contains(&f.customer.id))
            .map(|f| f.customer.id.clone())
            .collect();
        let mut upserts = Vec::new();
        for id in buyers {
            if !self.rng.random_bool(0.3) {
                continue;
            }
            let metrics = self.files[&id].customer.metrics.clone();
            let orders = self.rng.random_range(1..=3_i64);
            let average = metrics.revenue_total.unwrap_or(1000.0)
                / metrics.orders_total.unwrap_or(1).max(1) as f64;
            // One customer in seven is fading: small orders, so its
            // revenue_12m falls and the lifecycle shows it declining.
            let (scale, kept) = if fading(&id) {
                (0.25, 0.8)
            } else {
                (1.0, 0.97)
            };
            let amount =
                (average * orders as f64 * scale * self.rng.random_range(0.6..1.4) * 100.0).round()
                    / 100.0;
            let last = today - Days::new(self.rng.random_range(1..=27));
            let last = metrics.last_order.map_or(last, |d| d.0.max(last));
            let edits: Vec<(&str, Value)> = vec![
                (
                    "metrics.orders_total",
                    Value::from(metrics.orders_total.unwrap_or(0) + orders),
                ),
                (
                    "metrics.orders_12m",
                    Value::from(metrics.orders_12m.unwrap_or(0) + orders),
                ),
                (
                    "metrics.revenue_total",
                    money(metrics.revenue_total.unwrap_or(0.0) + amount),
                ),
                (
                    "metrics.revenue_12m",
                    money(metrics.revenue_12m.unwrap_or(0.0) * kept + amount),
                ),
                ("metrics.last_order", Value::from(last.to_string())),
            ];
            upserts.push(self.edit(&id, &edits)?);
        }
        if upserts.is_empty() {
            return Ok(());
        }
        let period = (today - Days::new(1)).format("%Y-%m").to_string();
        let body = format!(
            "Orders of {period} from the ERP export, aggregated per customer ({} customers updated).",
            upserts.len()
        );
        self.commit(
            today,
            7 * 60,
            ("Data Team", "data@example.com"),
            message(
                &format!("import: orders of {period}"),
                &body,
                &[("Kehu-Command", "import")],
            ),
            upserts,
            Vec::new(),
        )?;
        self.summary.imports += 1;
        Ok(())
    }

    /// A manager moves one account a tier and pins it, with a reason.
    fn hand_regrade(&mut self, today: NaiveDate) -> anyhow::Result<()> {
        let candidates: Vec<String> = self
            .files
            .values()
            .filter(|f| matches!(f.customer.grade.tier.as_deref(), Some("key" | "ordinary")))
            .filter(|f| !self.reserved.contains(&f.customer.id) && f.customer.owner.is_some())
            .map(|f| f.customer.id.clone())
            .collect();
        let Some(id) = candidates.choose(&mut self.rng).cloned() else {
            return Ok(());
        };
        let (path, bytes, from, to, reason, owner) = self.regrade(&id)?;
        let author = self.author(&owner);
        self.commit(
            today,
            16 * 60,
            (&author.0, &author.1),
            message(
                &format!("grade: {id} tier {from} -> {to}"),
                &reason,
                &[
                    ("Kehu-Command", "grade"),
                    ("Kehu-Customer", &id),
                    ("Kehu-Reason", &reason),
                ],
            ),
            vec![(path, bytes)],
            Vec::new(),
        )?;
        self.summary.regrades += 1;
        Ok(())
    }

    /// Moves `id` one tier up or down, pinned: (path, bytes, from, to, reason, owner).
    fn regrade(
        &mut self,
        id: &str,
    ) -> anyhow::Result<(String, Vec<u8>, String, String, String, String)> {
        let customer = self.files[id].customer.clone();
        let from = customer.grade.tier.as_deref().unwrap_or("small").to_owned();
        let up = self.rng.random_bool(0.6);
        let to = match (from.as_str(), up) {
            ("key", true) => "strategic",
            ("key", false) | ("small", true) => "ordinary",
            ("ordinary", true) => "key",
            ("strategic", false) => "key",
            _ => "small",
        }
        .to_owned();
        let reason = if up {
            UPGRADE_REASONS
        } else {
            DOWNGRADE_REASONS
        }
        .choose(&mut self.rng)
        .copied()
        .unwrap_or("Reviewed by the account team.")
        .to_owned();
        let mut pinned = customer.grade.pinned.clone();
        if !pinned.iter().any(|p| p == "tier") {
            pinned.push("tier".into());
        }
        let (path, bytes) = self.edit(
            id,
            &[
                ("grade.tier", Value::from(to.as_str())),
                ("grade.pinned", Value::from(pinned)),
            ],
        )?;
        Ok((
            path,
            bytes,
            from,
            to,
            reason,
            customer.owner.unwrap_or_default().into(),
        ))
    }

    /// A manager regrades three key accounts on a review branch; the main
    /// line leaves them alone until the merge. Returns the branch tip.
    fn review_branch(&mut self, today: NaiveDate) -> anyhow::Result<String> {
        let mut picks: Vec<String> = self
            .files
            .values()
            .filter(|f| {
                f.customer.grade.tier.as_deref() == Some("key") && f.customer.owner.is_some()
            })
            .map(|f| f.customer.id.clone())
            .collect();
        picks.truncate(3);
        let mut upserts = Vec::new();
        let mut lines = Vec::new();
        let mut trailers: Vec<(String, String)> = vec![("Kehu-Command".into(), "grade".into())];
        for id in &picks {
            let (path, bytes, from, to, reason, _) = self.regrade(id)?;
            upserts.push((path, bytes));
            lines.push(format!("- {id}: tier {from} -> {to}: {reason}"));
            trailers.push(("Kehu-Customer".into(), id.clone()));
        }
        trailers.push(("Kehu-Reason".into(), "Quarterly key account review".into()));
        self.reserved = picks.into_iter().collect();
        let tip = self.repo.write_raw_commit(&RawCommit {
            parents: self.head.iter().cloned().collect(),
            upserts,
            removals: Vec::new(),
            message: Message {
                subject: "grade: quarterly key account review".into(),
                body: lines.join("\n"),
                trailers,
            }
            .render(),
            name: "Alice Martin".into(),
            email: "alice@example.com".into(),
            time: timestamp(today, 17 * 60),
            offset_minutes: 60,
        })?;
        self.repo.set_branch(REVIEW_BRANCH, &tip)?;
        self.summary.regrades += 3;
        Ok(tip)
    }

    /// Merges the review branch: the merge brings the branch's files.
    fn merge_review(&mut self, today: NaiveDate, tip: &str) -> anyhow::Result<()> {
        let upserts: Vec<(String, Vec<u8>)> = self
            .reserved
            .iter()
            .filter_map(|id| self.files.get(id))
            .map(|f| (f.path.clone(), f.text.clone().into_bytes()))
            .collect();
        let head = self
            .head
            .clone()
            .ok_or_else(|| anyhow!("no main line to merge into"))?;
        let id = self.repo.write_raw_commit(&RawCommit {
            parents: vec![head, tip.to_owned()],
            upserts,
            removals: Vec::new(),
            message: format!(
                "Merge branch '{REVIEW_BRANCH}'\n\nReviewed and approved by the sales director.\n"
            ),
            name: "Dana Okafor".into(),
            email: "dana@example.com".into(),
            time: timestamp(today, 11 * 60),
            offset_minutes: 60,
        })?;
        self.head = Some(id);
        self.summary.commits += 2;
        self.reserved.clear();
        Ok(())
    }

    /// A customer changes its name and id after an acquisition.
    fn rename(&mut self, today: NaiveDate) -> anyhow::Result<()> {
        let Some(old) = self
            .files
            .values()
            .filter(|f| f.customer.stage == "won" && f.customer.id.len() < 40)
            .map(|f| f.customer.id.clone())
            .nth(7)
        else {
            return Ok(());
        };
        let new = format!("{old}-group");
        let mut file = self
            .files
            .remove(&old)
            .ok_or_else(|| anyhow!("no customer {old}"))?;
        let name = format!("{} Group", file.customer.name);
        file.text = kehu_core::edit::apply_edits(
            &file.text,
            [
                ("id", &Value::from(new.as_str())),
                ("name", &Value::from(name.as_str())),
            ],
        )?;
        file.customer = toml::from_str(&file.text)?;
        let old_path = std::mem::replace(
            &mut file.path,
            kehu_core::canonical_path(&new).unwrap_or_default(),
        );
        let owner = file.customer.owner.clone().unwrap_or_default();
        let upsert = (file.path.clone(), file.text.clone().into_bytes());
        self.files.insert(new.clone(), file);
        let author = self.author(&owner);
        self.commit(
            today,
            10 * 60,
            (&author.0, &author.1),
            message(
                &format!("rename: {old} -> {new}"),
                &format!("{old} was acquired and now trades as {name}."),
                &[("Kehu-Command", "edit"), ("Kehu-Customer", &new)],
            ),
            vec![upsert],
            vec![old_path],
        )?;
        self.summary.renamed = Some((old, new));
        Ok(())
    }

    /// The owner's name and email, for commits they author.
    fn author(&self, owner: &str) -> (String, String) {
        let name = self
            .config
            .owners
            .get(owner)
            .map(|o| o.name.clone())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| owner.to_owned());
        (name, format!("{owner}@example.com"))
    }
}

fn message(subject: &str, body: &str, trailers: &[(&str, &str)]) -> String {
    Message {
        subject: subject.into(),
        body: body.into(),
        trailers: trailers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    }
    .render()
}

/// Whether a customer's orders fade over the story (one in seven, by id).
fn fading(id: &str) -> bool {
    let hash = id.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    hash % 7 == 0
}

fn day((year, month, day): (i32, u32, u32)) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or_default()
}

fn timestamp(day: NaiveDate, minute: u32) -> i64 {
    let utc_minutes = i64::from(minute) - 60;
    day.and_hms_opt(0, 0, 0)
        .map_or(0, |t| t.and_utc().timestamp())
        + utc_minutes * 60
}

fn money(value: f64) -> Value {
    Value::from((value.max(0.0) * 100.0).round() / 100.0)
}

fn revenue(customer: &Customer) -> f64 {
    customer.metrics.revenue_12m.unwrap_or(0.0)
}

/// The funnel's stages up to `won`, in order.
const FUNNEL: [&str; 5] = ["lead", "qualified", "proposal", "negotiation", "won"];

/// The stage after an open deal's `stage`; `None` for won, lost, churned.
fn next_stage(stage: &str) -> Option<&'static str> {
    let at = FUNNEL[..4].iter().position(|s| *s == stage)?;
    Some(FUNNEL[at + 1])
}

/// Why a deal moved into `stage` at the pipeline review.
fn stage_reason(stage: &str) -> &'static str {
    match stage {
        "qualified" => "Budget and need confirmed on the discovery call.",
        "proposal" => "Sent the proposal after the site visit.",
        "negotiation" => "Terms under negotiation with procurement.",
        _ => "Contract signed.",
    }
}

/// The next grade up (`better`) or down, staying within A..E.
fn neighbour_grade(grade: &str, better: bool) -> &'static str {
    const GRADES: [&str; 5] = ["A", "B", "C", "D", "E"];
    let index = GRADES.iter().position(|g| *g == grade).unwrap_or(2);
    let index = if better {
        index.saturating_sub(1)
    } else {
        (index + 1).min(4)
    };
    GRADES[index]
}

/// Days until the next follow-up: the stricter of the grade's and the tier's
/// ideal cadence.
fn cadence_days(config: &Config, grade: Option<&str>, tier: &str) -> u64 {
    let by_grade = grade
        .and_then(|g| config.grade_cadence(g))
        .map(|c| u64::from(c.ideal));
    let by_tier = config
        .tier(tier)
        .and_then(|t| t.cadence)
        .map(|c| u64::from(c.ideal));
    let days = match (by_grade, by_tier) {
        (Some(a), Some(b)) => a.min(b),
        (Some(a), None) | (None, Some(a)) => a,
        (None, None) => 90,
    };
    days.max(1)
}

/// The `Date` the story ends on.
pub fn end_date() -> Date {
    Date(day(END))
}

const NOTES: &[&str] = &[
    "Quarterly review with the buyer; volumes steady, asked for the new price list.",
    "Called about the delayed delivery; apologised and confirmed the new date.",
    "Visited the plant; they are planning a second line next year.",
    "Sent the renewal proposal; decision expected after their board meeting.",
    "Checked in after the last order; satisfied with the service.",
    "Discussed payment terms; they want 60 days instead of 30.",
    "Introduced the new product range; samples requested.",
    "Follow-up on the complaint about packaging; fixed in the last shipment.",
    "Met the new procurement lead; relationship handed over.",
    "Annual business review with the CFO; renewal likely in Q1.",
];

const UPGRADE_REASONS: &[&str] = &[
    "Signed a three-year framework agreement.",
    "Won the tender for their new plant; volume will double.",
    "Strategic partnership agreed at board level.",
];

const DOWNGRADE_REASONS: &[&str] = &[
    "Moved most purchasing to a competitor after the price increase.",
    "Project cancelled; volumes back to spot orders.",
    "Consolidating suppliers; we are now the secondary vendor.",
];
