//! Large books with long histories, written through `git fast-import`.
//!
//! A large book is a git repository holding `kehu.toml` and a generated
//! `customers/`, with a history of commits that each touch one or a few
//! customer files the way kehu and people do: contacts, hand regrades,
//! classify runs and order imports with `Kehu-*` trailers, plain edits
//! without trailers, and a few merged review branches. Author dates spread
//! over the two years before the as-of day. fast-import writes a
//! 200,000-commit history in seconds where `git commit` in a loop would take
//! hours.

use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};

use kehu_analytics::policy::Policy;
use kehu_core::{Customer, Date};

use crate::calendar::{as_of, days_before, epoch_seconds};
use crate::error::{BenchError, Result, io_at};
use crate::generate::{BookSpec, generate};
use crate::owners::{Owner, review_capacities};
use crate::policy::{TIERS, tier_weight};
use crate::regrade::{policy_of, regrade};
use crate::render::{customer_git_path, render_customer};
use crate::rng::Rng;
use crate::sample::policy_with_owners;

/// What large book to build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LargeBookSpec {
    /// Seed of the customers and of the history.
    pub seed: u64,
    /// Number of customers.
    pub customers: usize,
    /// Number of commits in all, the first (the whole book) included.
    pub commits: usize,
}

/// What was built, as recorded in `.git/kehu-bench.toml`.
#[derive(Clone, Debug, PartialEq)]
pub struct LargeBookInfo {
    /// The book's directory.
    pub dir: PathBuf,
    /// The spec it was built from.
    pub spec: LargeBookSpec,
    /// Merge commits in the history.
    pub merges: usize,
    /// Total size in bytes of `kehu.toml` and the customer files.
    pub bytes: u64,
    /// A big customer with a long history, for per-customer benchmarks.
    pub focus: String,
}

/// The marker that says a book was completely built, inside `.git/` so it
/// is never part of the book.
const MARKER: &str = ".git/kehu-bench.toml";

/// Bumped whenever the generator's output changes, so that books cached by
/// an older kehu-bench are rebuilt rather than reused.
pub const GENERATOR_VERSION: i64 = 4;

impl LargeBookInfo {
    /// The repository path of the focus customer's file.
    pub fn focus_path(&self) -> String {
        customer_git_path(&self.focus)
    }

    fn to_toml(&self) -> String {
        format!(
            "generator = {GENERATOR_VERSION}\nseed = {}\ncustomers = {}\ncommits = {}\nmerges = {}\nbytes = {}\nfocus = {}\n",
            self.spec.seed,
            self.spec.customers,
            self.spec.commits,
            self.merges,
            self.bytes,
            crate::render::quote(&self.focus)
        )
    }

    /// Reads the marker of a completely built book; `None` when the book is
    /// missing, unfinished, or was built from another spec.
    pub fn load(dir: &Path, spec: &LargeBookSpec) -> Option<LargeBookInfo> {
        let text = fs::read_to_string(dir.join(MARKER)).ok()?;
        let value: toml::Table = toml::from_str(&text).ok()?;
        let int = |key: &str| value.get(key).and_then(toml::Value::as_integer);
        if int("generator") != Some(GENERATOR_VERSION) {
            return None;
        }
        let found = LargeBookSpec {
            seed: u64::try_from(int("seed")?).ok()?,
            customers: usize::try_from(int("customers")?).ok()?,
            commits: usize::try_from(int("commits")?).ok()?,
        };
        if &found != spec {
            return None;
        }
        Some(LargeBookInfo {
            dir: dir.to_owned(),
            spec: found,
            merges: usize::try_from(int("merges")?).ok()?,
            bytes: u64::try_from(int("bytes")?).ok()?,
            focus: value.get("focus")?.as_str()?.to_owned(),
        })
    }
}

/// Runs git in `dir` with a hermetic configuration.
pub fn git(dir: &Path) -> Command {
    let mut command = Command::new("git");
    command
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "kehu-bench")
        .env("GIT_AUTHOR_EMAIL", "bench@example.com")
        .env("GIT_COMMITTER_NAME", "kehu-bench")
        .env("GIT_COMMITTER_EMAIL", "bench@example.com");
    command
}

fn run_git(dir: &Path, args: &[&str]) -> Result<String> {
    let shown = format!("git {}", args.join(" "));
    let output = git(dir)
        .args(args)
        .output()
        .map_err(|e| BenchError::Command {
            command: shown.clone(),
            detail: e.to_string(),
        })?;
    if !output.status.success() {
        return Err(BenchError::Command {
            command: shown,
            detail: format!(
                "{}: {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            ),
        });
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// An author or committer line's identity.
struct Person {
    name: String,
    email: String,
}

impl Person {
    fn of(owner: &Owner) -> Person {
        Person {
            name: owner.name.clone(),
            email: format!("{}@example.com", owner.id),
        }
    }

    fn bot() -> Person {
        Person {
            name: "kehu-bench".to_owned(),
            email: "bench@example.com".to_owned(),
        }
    }
}

/// One commit for the fast-import stream.
struct CommitSpec<'a> {
    branch: &'a str,
    from: Option<u64>,
    merge: Option<u64>,
    author: &'a Person,
    when: i64,
    message: &'a str,
    files: &'a [(String, String)],
}

/// The writing side of `git fast-import`.
struct FastImport {
    child: Child,
    stdin: BufWriter<ChildStdin>,
    next_mark: u64,
    dir: PathBuf,
}

fn data(out: &mut impl Write, bytes: &[u8]) -> std::io::Result<()> {
    writeln!(out, "data {}", bytes.len())?;
    out.write_all(bytes)?;
    out.write_all(b"\n")
}

impl FastImport {
    fn start(dir: &Path) -> Result<FastImport> {
        let mut child = git(dir)
            .args(["fast-import", "--quiet", "--done"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .map_err(|e| BenchError::Command {
                command: "git fast-import".to_owned(),
                detail: e.to_string(),
            })?;
        let stdin = child.stdin.take().ok_or_else(|| BenchError::Command {
            command: "git fast-import".to_owned(),
            detail: "no stdin".to_owned(),
        })?;
        Ok(FastImport {
            child,
            stdin: BufWriter::with_capacity(1 << 20, stdin),
            next_mark: 1,
            dir: dir.to_owned(),
        })
    }

    fn io(&self) -> impl FnOnce(std::io::Error) -> BenchError {
        let detail = format!("writing the stream in {}", self.dir.display());
        move |e| BenchError::Command {
            command: "git fast-import".to_owned(),
            detail: format!("{detail}: {e}"),
        }
    }

    fn commit(&mut self, spec: &CommitSpec<'_>) -> Result<u64> {
        let mark = self.next_mark;
        self.next_mark += 1;
        let out = &mut self.stdin;
        let write = |out: &mut BufWriter<ChildStdin>| -> std::io::Result<()> {
            writeln!(out, "commit refs/heads/{}", spec.branch)?;
            writeln!(out, "mark :{mark}")?;
            let who = format!(
                "{} <{}> {} +0000",
                spec.author.name, spec.author.email, spec.when
            );
            writeln!(out, "author {who}")?;
            writeln!(out, "committer {who}")?;
            data(out, spec.message.as_bytes())?;
            if let Some(from) = spec.from {
                writeln!(out, "from :{from}")?;
            }
            if let Some(merge) = spec.merge {
                writeln!(out, "merge :{merge}")?;
            }
            for (path, text) in spec.files {
                writeln!(out, "M 100644 inline {path}")?;
                data(out, text.as_bytes())?;
            }
            out.write_all(b"\n")
        };
        let result = write(out);
        result.map_err(self.io())?;
        Ok(mark)
    }

    fn finish(mut self) -> Result<()> {
        let flushed = self
            .stdin
            .write_all(b"done\n")
            .and_then(|()| self.stdin.flush());
        flushed.map_err(self.io())?;
        drop(self.stdin);
        let status = self.child.wait().map_err(|e| BenchError::Command {
            command: "git fast-import".to_owned(),
            detail: e.to_string(),
        })?;
        if !status.success() {
            return Err(BenchError::Command {
                command: "git fast-import".to_owned(),
                detail: status.to_string(),
            });
        }
        Ok(())
    }
}

const NOTES: [&str; 12] = [
    "Quarterly review with the CFO; renewal likely in Q1.",
    "Walked through the new price list; they want a volume discount.",
    "Follow-up on the open quote, decision next week.",
    "Complaint about late delivery resolved, credit note issued.",
    "Introduced our new service tier; interested, send a proposal.",
    "Site visit with their operations lead, two new sites planned.",
    "Checked in after onboarding; the team is happy so far.",
    "Budget frozen until next quarter; keep warm.",
    "Asked for references from customers in their industry.",
    "Negotiated payment terms, 45 days agreed.",
    "New procurement contact; re-sent the framework agreement.",
    "Annual survey done together; satisfaction up.",
];

const REASONS: [&str; 6] = [
    "Strategic partner for the new product line.",
    "Board asked to treat them as a key account this year.",
    "Revenue dropped after their merger; downgrade agreed with sales lead.",
    "Framework agreement signed; upgrade ahead of the numbers.",
    "Parent company already strategic; align the subsidiary.",
    "Temporary downgrade while the contract is renegotiated.",
];

const CHANNELS: [&str; 5] = ["call", "visit", "email", "meeting", "message"];

/// The mutable state of the book while the history is written.
struct BookState {
    customers: Vec<Customer>,
    owners: Vec<Owner>,
    /// Indices of strategic and key customers, contacted more often.
    important: Vec<usize>,
    focus: usize,
}

impl BookState {
    fn file(&self, index: usize) -> (String, String) {
        let c = &self.customers[index];
        (customer_git_path(&c.id), render_customer(c))
    }

    fn author_for(&self, index: usize, rng: &mut Rng) -> Person {
        let owner = self.customers[index].owner.as_deref();
        match self.owners.iter().find(|o| Some(o.id.as_str()) == owner) {
            Some(o) => Person::of(o),
            None => Person::of(rng.pick(&self.owners)),
        }
    }

    /// Like [`BookState::pick`], preferring a customer with an owner: a
    /// regrade that makes an unowned customer key would break the policy.
    fn pick_owned(&self, rng: &mut Rng, avoid: &[usize]) -> usize {
        let mut index = self.pick(rng, avoid);
        for _ in 0..20 {
            if self.customers[index].owner.is_some() {
                break;
            }
            index = self.pick(rng, avoid);
        }
        index
    }

    fn pick(&self, rng: &mut Rng, avoid: &[usize]) -> usize {
        loop {
            let roll = rng.unit();
            let index = if roll < 0.02 {
                self.focus
            } else if roll < 0.5 && !self.important.is_empty() {
                *rng.pick(&self.important)
            } else {
                rng.int(0, self.customers.len() as i64 - 1) as usize
            };
            if !avoid.contains(&index) || self.customers.len() <= avoid.len() {
                return index;
            }
        }
    }
}

/// One edit commit's message, author and touched customers.
struct Edit {
    message: String,
    author: Person,
    touched: Vec<usize>,
}

fn trailer_customers(state: &BookState, touched: &[usize]) -> String {
    touched
        .iter()
        .map(|&i| format!("Kehu-Customer: {}\n", state.customers[i].id))
        .collect()
}

fn edit_contact(state: &mut BookState, rng: &mut Rng, day: Date, avoid: &[usize]) -> Edit {
    let index = state.pick(rng, avoid);
    let channel = *rng.pick(&CHANNELS);
    let note = *rng.pick(&NOTES);
    let c = &mut state.customers[index];
    c.contact.last = Some(day);
    c.contact.channel = Some(channel.into());
    if rng.chance(0.2) {
        let old = c.metrics.satisfaction.unwrap_or(4.0);
        let new = ((old + rng.between(-0.5, 0.5)) * 10.0).round() / 10.0;
        c.metrics.satisfaction = Some(new.clamp(1.0, 5.0));
    }
    let id = c.id.clone();
    Edit {
        message: format!(
            "contact: {id} by {channel}\n\n{note}\n\nKehu-Command: contact\nKehu-Customer: {id}\nKehu-Contact: {channel}\n"
        ),
        author: state.author_for(index, rng),
        touched: vec![index],
    }
}

fn edit_grade(state: &mut BookState, rng: &mut Rng, avoid: &[usize]) -> Edit {
    let index = state.pick_owned(rng, avoid);
    let reason = *rng.pick(&REASONS);
    let c = &mut state.customers[index];
    let old = c.grade.tier.clone().unwrap_or_else(|| "small".into());
    let position = TIERS
        .iter()
        .position(|t| *t == old)
        .unwrap_or(TIERS.len() - 1);
    let new = if position == 0 || (position < TIERS.len() - 1 && rng.chance(0.4)) {
        TIERS[position + 1]
    } else {
        TIERS[position - 1]
    };
    c.grade.tier = Some(new.into());
    if !c.grade.pinned.iter().any(|p| p == "tier") {
        c.grade.pinned.push("tier".to_owned());
    }
    let id = c.id.clone();
    Edit {
        message: format!(
            "grade: {id} tier {old} -> {new}\n\n{reason}\n\nKehu-Command: grade\nKehu-Customer: {id}\nKehu-Reason: {reason}\n"
        ),
        author: state.author_for(index, rng),
        touched: vec![index],
    }
}

/// The month's `kehu classify --apply`: every unpinned grade set to what
/// classify computes as of `day`; `None` when nothing changes.
fn monthly_classify(state: &mut BookState, policy: &Policy, day: Date) -> Result<Option<Edit>> {
    let touched = regrade(&mut state.customers, policy, day)?;
    if touched.is_empty() {
        return Ok(None);
    }
    let trailers = trailer_customers(state, &touched);
    Ok(Some(Edit {
        message: format!(
            "classify: regrade {} customers\n\nMonthly regrade as of {day}.\n\nKehu-Command: classify\n{trailers}",
            touched.len()
        ),
        author: Person::bot(),
        touched,
    }))
}

fn edit_import(state: &mut BookState, rng: &mut Rng, day: Date, avoid: &[usize]) -> Edit {
    let count = rng.int(1, 5) as usize;
    let mut touched = Vec::with_capacity(count);
    while touched.len() < count {
        let mut avoid_all = avoid.to_vec();
        avoid_all.extend(&touched);
        touched.push(state.pick(rng, &avoid_all));
    }
    for &i in &touched {
        let m = &mut state.customers[i].metrics;
        let amount = (rng.lognormal(2_000f64.ln(), 1.0) * 100.0).round() / 100.0;
        m.revenue_12m = Some(((m.revenue_12m.unwrap_or(0.0) + amount) * 100.0).round() / 100.0);
        m.revenue_total = Some(((m.revenue_total.unwrap_or(0.0) + amount) * 100.0).round() / 100.0);
        m.orders_total = Some(m.orders_total.unwrap_or(0) + 1);
        m.orders_12m = Some(m.orders_12m.unwrap_or(0) + 1);
        if m.first_order.is_none() {
            m.first_order = Some(day);
        }
        m.last_order = Some(day.max(m.last_order.unwrap_or(day)));
    }
    let trailers = trailer_customers(state, &touched);
    Edit {
        message: format!(
            "import: orders from erp-export-{day}.csv\n\n{count} customers updated.\n\nKehu-Command: import\n{trailers}"
        ),
        author: Person::bot(),
        touched,
    }
}

fn edit_by_hand(state: &mut BookState, rng: &mut Rng, avoid: &[usize]) -> Edit {
    let index = state.pick(rng, avoid);
    let author = Person::of(rng.pick(&state.owners));
    let c = &mut state.customers[index];
    let message = if rng.chance(0.5) {
        let new = (c.metrics.satisfaction.unwrap_or(3.5) + rng.between(-1.0, 1.0)).clamp(1.0, 5.0);
        c.metrics.satisfaction = Some((new * 10.0).round() / 10.0);
        format!("Update satisfaction for {} after the survey\n", c.name)
    } else {
        let referral = *rng.pick(&["likely", "possible", "unlikely"]);
        c.metrics.referral = Some(referral.into());
        format!("{}: referral now {referral}\n", c.name)
    };
    Edit {
        message,
        author,
        touched: vec![index],
    }
}

fn next_edit(state: &mut BookState, rng: &mut Rng, day: Date, avoid: &[usize]) -> Edit {
    match rng.weighted(&[(0u8, 70), (1, 6), (3, 12), (4, 12)]) {
        0 => edit_contact(state, rng, day, avoid),
        1 => edit_grade(state, rng, avoid),
        3 => edit_import(state, rng, day, avoid),
        _ => edit_by_hand(state, rng, avoid),
    }
}

/// Year and month of a day, to run classify once a month.
fn month_of(day: Date) -> (i32, u32) {
    use chrono::Datelike;
    (day.0.year(), day.0.month())
}

fn book_bytes(files: &[(String, String)], policy: &str) -> u64 {
    files.iter().map(|(_, t)| t.len() as u64).sum::<u64>() + policy.len() as u64
}

/// Builds a large book in `dir` (which must be absent or empty): policy from
/// `policy_template` with the generated owners, the generated customers, and
/// a history of `spec.commits` commits. Deterministic for a spec.
pub fn write_large_book(
    dir: &Path,
    spec: &LargeBookSpec,
    policy_template: &str,
) -> Result<LargeBookInfo> {
    if dir.exists() && fs::read_dir(dir).map_err(io_at(dir))?.next().is_some() {
        return Err(BenchError::Io {
            path: dir.to_owned(),
            source: std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "directory is not empty",
            ),
        });
    }
    fs::create_dir_all(dir).map_err(io_at(dir))?;
    let book = generate(&BookSpec {
        seed: spec.seed,
        customers: spec.customers,
    });
    let policy_path = dir.join("kehu.toml");
    let policy = policy_with_owners(policy_template, &book.owners, &policy_path)?;
    run_git(dir, &["init", "-q", "-b", "main"])?;

    let mut rng = Rng::new(spec.seed ^ 0x6b65_6875_6869_7374);
    let start = days_before(as_of(), 730);
    let start_seconds = epoch_seconds(start, 8 * 3600);
    let span = epoch_seconds(as_of(), 18 * 3600) - start_seconds;
    let commits = spec.commits.max(1);
    let last_index = commits.saturating_sub(1).max(1) as i64;
    let when = |i: usize| start_seconds + span * i as i64 / last_index;
    let day_of = |seconds: i64| {
        let days = (seconds - epoch_seconds(start, 0)) / 86_400;
        Date(crate::calendar::days_after(start, days))
    };

    let mut state = BookState {
        important: (0..book.customers.len())
            .filter(|&i| {
                book.customers[i]
                    .grade
                    .tier
                    .as_deref()
                    .is_some_and(|t| tier_weight(t) >= 4)
            })
            .collect(),
        focus: (0..book.customers.len())
            .max_by(|&a, &b| {
                let revenue = |i: usize| book.customers[i].metrics.revenue_12m.unwrap_or(0.0);
                revenue(a).total_cmp(&revenue(b)).then(b.cmp(&a))
            })
            .unwrap_or(0),
        customers: book.customers,
        owners: book.owners,
    };
    // The first commit holds the book as it stood two years ago: no contact
    // after that day.
    let first_day = Date(start);
    for c in &mut state.customers {
        if c.contact.last.is_some_and(|d| d > first_day) {
            c.contact.last = Some(first_day.max(c.since.unwrap_or(first_day)));
        }
    }
    // The book starts graded: a team that adopts kehu runs classify first.
    let grading = policy_of(&policy)?;
    regrade(&mut state.customers, &grading, first_day)?;
    // Capacities that fit the graded book, so every customer can be assigned.
    review_capacities(&mut state.owners, &state.customers);
    let mut policy = policy_with_owners(policy_template, &state.owners, &policy_path)?;
    let mut graded_month = month_of(first_day);
    let mut files: Vec<(String, String)> =
        (0..state.customers.len()).map(|i| state.file(i)).collect();
    files.push(("kehu.toml".to_owned(), policy.clone()));

    let mut stream = FastImport::start(dir)?;
    let bot = Person::bot();
    let mut tip = stream.commit(&CommitSpec {
        branch: "main",
        from: None,
        merge: None,
        author: &bot,
        when: when(0),
        message: &format!("Initial book: {} customers\n", state.customers.len()),
        files: &files,
    })?;
    drop(files);

    let merges_wanted = if commits >= 60 {
        3 + commits / 20_000
    } else {
        0
    };
    let merge_every = if merges_wanted > 0 {
        commits / (merges_wanted + 1)
    } else {
        usize::MAX
    };
    let mut merges = 0;
    let mut i = 1;
    // The last commit is the team's capacity review (below).
    let regular = commits.saturating_sub(1).max(1);
    while i < regular {
        if i % merge_every == 0 && merges < merges_wanted && regular - i >= 6 {
            let branch = format!("review/{}", merges + 1);
            let fork = tip;
            let mut branch_tip = fork;
            let mut branch_touched = Vec::new();
            for _ in 0..rng.int(1, 3) {
                let edit = next_edit(&mut state, &mut rng, day_of(when(i)), &[]);
                branch_touched.extend(&edit.touched);
                let files: Vec<_> = edit.touched.iter().map(|&k| state.file(k)).collect();
                branch_tip = stream.commit(&CommitSpec {
                    branch: &branch,
                    from: Some(branch_tip),
                    merge: None,
                    author: &edit.author,
                    when: when(i),
                    message: &edit.message,
                    files: &files,
                })?;
                i += 1;
            }
            for _ in 0..rng.int(1, 2) {
                let edit = next_edit(&mut state, &mut rng, day_of(when(i)), &branch_touched);
                let files: Vec<_> = edit.touched.iter().map(|&k| state.file(k)).collect();
                tip = stream.commit(&CommitSpec {
                    branch: "main",
                    from: Some(tip),
                    merge: None,
                    author: &edit.author,
                    when: when(i),
                    message: &edit.message,
                    files: &files,
                })?;
                i += 1;
            }
            branch_touched.sort_unstable();
            branch_touched.dedup();
            let files: Vec<_> = branch_touched.iter().map(|&k| state.file(k)).collect();
            let reviewer = Person::of(&state.owners[0]);
            tip = stream.commit(&CommitSpec {
                branch: "main",
                from: Some(tip),
                merge: Some(branch_tip),
                author: &reviewer,
                when: when(i),
                message: &format!("Merge branch '{branch}'\n"),
                files: &files,
            })?;
            i += 1;
            merges += 1;
            continue;
        }
        let day = day_of(when(i));
        let monthly = if month_of(day) != graded_month {
            graded_month = month_of(day);
            monthly_classify(&mut state, &grading, day)?
        } else {
            None
        };
        let edit = match monthly {
            Some(edit) => edit,
            None => next_edit(&mut state, &mut rng, day, &[]),
        };
        let files: Vec<_> = edit.touched.iter().map(|&k| state.file(k)).collect();
        tip = stream.commit(&CommitSpec {
            branch: "main",
            from: Some(tip),
            merge: None,
            author: &edit.author,
            when: when(i),
            message: &edit.message,
            files: &files,
        })?;
        i += 1;
    }
    if commits >= 2 {
        // Tiers moved over two years (hand regrades, monthly classify): the
        // team reviews its managers' capacities, as a real team's book is
        // kept in a state where `kehu assign` can place every customer.
        review_capacities(&mut state.owners, &state.customers);
        policy = policy_with_owners(policy_template, &state.owners, &policy_path)?;
        let files = [("kehu.toml".to_owned(), policy.clone())];
        stream.commit(&CommitSpec {
            branch: "main",
            from: Some(tip),
            merge: None,
            author: &Person::of(&state.owners[0]),
            when: when(commits - 1),
            message: "policy: review account managers' capacities\n\nSet from each manager's weighted load after this year's regrades.\n",
            files: &files,
        })?;
    }
    stream.finish()?;
    for n in 1..=merges {
        run_git(
            dir,
            &["update-ref", "-d", &format!("refs/heads/review/{n}")],
        )?;
    }
    run_git(dir, &["reset", "-q", "--hard"])?;
    // A real book is packed and has a commit graph; fast-import's packs
    // (no deltas across its checkpoints, no graph) are not representative.
    run_git(dir, &["repack", "-adfq"])?;
    run_git(dir, &["commit-graph", "write", "--reachable"])?;

    let final_files: Vec<(String, String)> =
        (0..state.customers.len()).map(|k| state.file(k)).collect();
    let info = LargeBookInfo {
        dir: dir.to_owned(),
        spec: *spec,
        merges,
        bytes: book_bytes(&final_files, &policy),
        focus: state.customers[state.focus].id.clone(),
    };
    let marker = dir.join(MARKER);
    fs::write(&marker, info.to_toml()).map_err(io_at(&marker))?;
    Ok(info)
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: &str = "[book]\nname = \"t\"\n\n[owners.x]\nname = \"X\"\ncapacity = 1\n";

    #[test]
    fn builds_a_repository_with_the_requested_history() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().join("book");
        let spec = LargeBookSpec {
            seed: 4,
            customers: 300,
            commits: 120,
        };
        let info = write_large_book(&dir, &spec, POLICY).unwrap();
        let count = run_git(&dir, &["rev-list", "--count", "HEAD"]).unwrap();
        assert_eq!(count.trim(), "120");
        let merges = run_git(&dir, &["rev-list", "--merges", "--count", "HEAD"]).unwrap();
        assert_eq!(merges.trim(), info.merges.to_string());
        assert!(info.merges >= 3);
        let status = run_git(&dir, &["status", "--porcelain"]).unwrap();
        assert_eq!(status, "");
        let branches = run_git(&dir, &["branch", "--format=%(refname:short)"]).unwrap();
        assert_eq!(branches.trim(), "main");
        assert!(dir.join(info.focus_path()).is_file());
        let files = walkdir::WalkDir::new(dir.join("customers"))
            .into_iter()
            .filter(|e| e.as_ref().unwrap().file_type().is_file())
            .count();
        assert_eq!(files, 300);
        let log = run_git(
            &dir,
            &["log", "--format=%(trailers:key=Kehu-Command,valueonly)"],
        )
        .unwrap();
        assert!(log.contains("contact"));
        let dates = run_git(&dir, &["log", "--format=%ad", "--date=short", "-1"]).unwrap();
        assert_eq!(dates.trim(), "2026-11-20");
        // The last commit is the capacity review, and the policy it leaves
        // is the one on disk.
        let last = run_git(&dir, &["show", "--name-only", "--format=", "HEAD"]).unwrap();
        assert_eq!(last.trim(), "kehu.toml");
        let policy = fs::read_to_string(dir.join("kehu.toml")).unwrap();
        assert!(policy.contains("[owners."), "{policy}");
        assert_eq!(LargeBookInfo::load(&dir, &spec), Some(info));
        assert_eq!(
            LargeBookInfo::load(&dir, &LargeBookSpec { commits: 5, ..spec }),
            None
        );
        assert!(write_large_book(&dir, &spec, POLICY).is_err());
    }

    #[test]
    fn same_spec_same_history() {
        let temp = tempfile::tempdir().unwrap();
        let spec = LargeBookSpec {
            seed: 8,
            customers: 100,
            commits: 70,
        };
        write_large_book(&temp.path().join("a"), &spec, POLICY).unwrap();
        write_large_book(&temp.path().join("b"), &spec, POLICY).unwrap();
        let head = |d: &str| run_git(&temp.path().join(d), &["rev-parse", "HEAD"]).unwrap();
        assert_eq!(head("a"), head("b"));
    }
}
