//! History benchmark: kehu's reader beside the git CLI on the same book.
//!
//! Generates (once, with `git fast-import`) a book of N customers and M
//! commits — one to three field edits per commit, five minutes apart, a merge
//! of a two-commit side branch every 500 commits — and then prints, for each
//! query, kehu's time next to the git baseline measured in the same run:
//!
//! ```text
//! cargo run --release -p kehu-git --example history_bench -- /tmp/kehu-hist 10000 200000
//! ```
//!
//! fast-import's pack has long delta chains that libgit2 resolves less
//! efficiently than git does (its delta-base cache is small and is emptied
//! when full); fast-import's manual recommends `git repack -a -d` afterwards,
//! and figures on a repacked copy (`git repack -adf`, `git commit-graph
//! write --reachable`) are the realistic ones for a book that has seen gc.
//!
//! Queries: one customer's timeline against `git log --format=%H -- <file>`,
//! a one-week `log --since` against `git log --since … --raw -- customers/`,
//! the full-history log against `git log --raw -- customers/`, and an
//! `--as-of` snapshot against `git archive HEAD customers kehu.toml`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use kehu_git::{Book, LogQuery};

const START: i64 = 1_735_689_600; // 2025-01-01T00:00:00Z
const STEP: i64 = 300;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let dir = PathBuf::from(args.get(1).map_or("/tmp/kehu-hist", String::as_str));
    let customers: usize = args.get(2).map_or(Ok(10_000), |s| s.parse())?;
    let commits: usize = args.get(3).map_or(Ok(200_000), |s| s.parse())?;
    if !dir.join(".git").exists() {
        let started = Instant::now();
        generate(&dir, customers, commits)?;
        eprintln!("generated {} in {:.1?}", dir.display(), started.elapsed());
    }
    if std::env::var_os("KEHU_BENCH_NO_OBJECT_CACHE").is_some() {
        git2::opts::enable_caching(false);
    }
    if let Some(days) = args.get(4).and_then(|d| d.parse::<i64>().ok()) {
        // `… DIR N M DAYS`: only time `log --since` over the last DAYS days.
        let book = Book::open(&dir)?;
        let head_time: i64 = git_output(&dir, &["log", "-1", "--format=%ct"])
            .trim()
            .parse()?;
        let since = chrono::DateTime::from_timestamp(head_time - days * 86_400, 0)
            .ok_or("bad time")?
            .date_naive();
        let query = LogQuery {
            since: Some(kehu_core::Date(since)),
            ..LogQuery::default()
        };
        let mut n = 0;
        let took = once(|| {
            let _ = book.history().log_each(&query, |_| {
                n += 1;
                std::ops::ControlFlow::Continue(())
            });
        });
        println!(
            "log --since {since}: {n} commits in {:.3} s",
            took.as_secs_f64()
        );
        return Ok(());
    }
    let id = customer_id(customers / 3);
    if std::env::var_os("KEHU_BENCH_ONLY_HISTORY").is_some() {
        // Only one customer's timeline, for CPU-time comparisons.
        let book = Book::open(&dir)?;
        let took = once(|| {
            let n = book
                .history()
                .customer(&id, None)
                .map(|e| e.len())
                .unwrap_or(0);
            println!("history {id}: {n} events");
        });
        println!("in {:.3} s", took.as_secs_f64());
        return Ok(());
    }
    let file = format!("customers/{}/{id}.toml", &id[..2]);
    let book = Book::open(&dir)?;

    let git_one = best(|| git(&dir, &["log", "--format=%H", "--", &file]));
    let mut count = 0;
    let kehu_one = best(|| {
        count = book
            .history()
            .customer(&id, None)
            .map(|e| e.len())
            .unwrap_or(0);
    });
    let git_count = git_output(&dir, &["log", "--format=%H", "--", &file])
        .lines()
        .count();
    report(
        &format!("history {id} ({count} events; git: {git_count} commits)"),
        kehu_one,
        git_one,
        "git log --format=%H -- <file>",
    );

    let head_time: i64 = git_output(&dir, &["log", "-1", "--format=%ct"])
        .trim()
        .parse()?;
    let since_secs = head_time - 7 * 86_400;
    let since_day = chrono::DateTime::from_timestamp(since_secs, 0)
        .ok_or("bad time")?
        .date_naive();
    let since_arg = format!("--since={}", since_day.format("%Y-%m-%d"));
    let git_week = best(|| git(&dir, &["log", &since_arg, "--raw", "--", "customers/"]));
    let mut week_events = 0;
    let kehu_week = best(|| {
        let query = LogQuery {
            since: Some(kehu_core::Date(since_day)),
            ..LogQuery::default()
        };
        week_events = book.history().log(&query).map(|e| e.len()).unwrap_or(0);
    });
    report(
        &format!("log --since {since_day} ({week_events} commits)"),
        kehu_week,
        git_week,
        "git log --since … --raw -- customers/",
    );

    let git_snap = best(|| {
        git(
            &dir,
            &["archive", "--format=tar", "HEAD", "customers", "kehu.toml"],
        )
    });
    let mut files = 0;
    let kehu_snap = best(|| {
        files = book
            .history()
            .snapshot("HEAD")
            .map(|s| s.files.len())
            .unwrap_or(0);
    });
    report(
        &format!("as-of snapshot ({files} files)"),
        kehu_snap,
        git_snap,
        "git archive HEAD customers kehu.toml",
    );

    let git_all = once(|| git(&dir, &["log", "--raw", "--", "customers/"]));
    let mut all_events = 0;
    let kehu_all = once(|| {
        all_events = book
            .history()
            .log(&LogQuery::default())
            .map(|e| e.len())
            .unwrap_or(0);
    });
    report(
        &format!("log, full history ({all_events} commits)"),
        kehu_all,
        git_all,
        "git log --raw -- customers/",
    );
    Ok(())
}

fn report(what: &str, kehu: Duration, git: Duration, baseline: &str) {
    println!(
        "{what:<52} kehu {:>8.3} s   git {:>8.3} s   ratio {:>5.2}   ({baseline})",
        kehu.as_secs_f64(),
        git.as_secs_f64(),
        kehu.as_secs_f64() / git.as_secs_f64().max(1e-9)
    );
}

/// The best of three runs.
fn best(mut f: impl FnMut()) -> Duration {
    (0..3).map(|_| once(&mut f)).min().unwrap_or_default()
}

fn once(mut f: impl FnMut()) -> Duration {
    let started = Instant::now();
    f();
    started.elapsed()
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .current_dir(dir)
        .args(args)
        .stdout(Stdio::null())
        .status();
    assert!(status.is_ok_and(|s| s.success()), "git {args:?} failed");
}

fn git_output(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git").current_dir(dir).args(args).output();
    output
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default()
}

/// `ab-00042`: two letters spread the ids over 676 fan-out directories.
fn customer_id(i: usize) -> String {
    let a = (b'a' + (i % 26) as u8) as char;
    let b = (b'a' + ((i / 26) % 26) as u8) as char;
    format!("{a}{b}-{i:05}")
}

struct State {
    tier: usize,
    revenue: u64,
    orders: u64,
    last_contact: i64,
    owner: usize,
}

const TIERS: [&str; 4] = ["strategic", "key", "ordinary", "small"];

fn render(i: usize, s: &State) -> String {
    let id = customer_id(i);
    let day = |t: i64| {
        chrono::DateTime::from_timestamp(t, 0)
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default()
    };
    format!(
        "# customer {id}\nid = \"{id}\"\nname = \"Customer {i}\"\nregion = \"east\"\nindustry = \"retail\"\nowner = \"owner-{}\"\nsince = 2024-01-01\nstage = \"won\"\n\n[grade]\ntier = \"{}\"\nabc = \"B\"\nrfm = \"general-keep\"\npipeline = \"C\"\n\n[metrics]\nrevenue_12m = {}.0\nrevenue_total = {}.0\norders_total = {}\norders_12m = {}\nsatisfaction = 4.0\n\n[contact]\nlast = {}\nchannel = \"call\"\n",
        s.owner,
        TIERS[s.tier],
        s.revenue,
        s.revenue * 3,
        s.orders,
        s.orders / 2,
        day(s.last_contact)
    )
}

/// A tiny deterministic generator (xorshift), so runs are comparable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn generate(
    dir: &Path,
    customers: usize,
    commits: usize,
) -> Result<(), Box<dyn std::error::Error>> {
    std::fs::create_dir_all(dir)?;
    git(dir, &["init", "-q", "-b", "main"]);
    let mut child = Command::new("git")
        .current_dir(dir)
        .args(["fast-import", "--quiet"])
        .stdin(Stdio::piped())
        .spawn()?;
    let mut out = std::io::BufWriter::new(child.stdin.take().ok_or("no stdin")?);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut states: Vec<State> = (0..customers)
        .map(|i| State {
            tier: i % 4,
            revenue: 1000 + (i as u64 * 37) % 90_000,
            orders: 1 + (i as u64 % 50),
            last_contact: START,
            owner: i % 12,
        })
        .collect();
    let mut mark = 0usize;
    let mut time = START;
    let data = |out: &mut dyn Write, text: &str| -> std::io::Result<()> {
        write!(out, "data {}\n{}\n", text.len(), text)
    };
    // The first commit: every customer and kehu.toml.
    mark += 1;
    writeln!(out, "commit refs/heads/main\nmark :{mark}")?;
    writeln!(
        out,
        "author Gen <gen@example.com> {time} +0000\ncommitter Gen <gen@example.com> {time} +0000"
    )?;
    data(&mut out, "import: the book")?;
    writeln!(out, "M 100644 inline kehu.toml")?;
    data(&mut out, "[book]\nname = \"bench\"\n")?;
    for (i, s) in states.iter().enumerate() {
        let id = customer_id(i);
        writeln!(out, "M 100644 inline customers/{}/{id}.toml", &id[..2])?;
        data(&mut out, &render(i, s))?;
    }
    let mut main_tip = mark;
    let mut made = 1;
    while made < commits {
        time += STEP;
        let merge_now = made % 500 == 499 && made + 3 <= commits;
        if merge_now {
            // Two commits on a side branch, then a merge bringing them in.
            let mut side_tip = main_tip;
            let mut touched = Vec::new();
            for _ in 0..2 {
                let i = rng.below(customers);
                states[i].revenue += 100;
                mark += 1;
                writeln!(
                    out,
                    "commit refs/heads/side\nmark :{mark}\nauthor Side <side@example.com> {time} +0000\ncommitter Side <side@example.com> {time} +0000"
                )?;
                data(&mut out, &format!("side: revenue of {}", customer_id(i)))?;
                writeln!(out, "from :{side_tip}")?;
                let id = customer_id(i);
                writeln!(out, "M 100644 inline customers/{}/{id}.toml", &id[..2])?;
                data(&mut out, &render(i, &states[i]))?;
                side_tip = mark;
                touched.push(i);
                time += STEP;
                made += 1;
            }
            mark += 1;
            writeln!(
                out,
                "commit refs/heads/main\nmark :{mark}\nauthor Gen <gen@example.com> {time} +0000\ncommitter Gen <gen@example.com> {time} +0000"
            )?;
            data(&mut out, "Merge branch 'side'")?;
            writeln!(out, "from :{main_tip}\nmerge :{side_tip}")?;
            for i in touched {
                let id = customer_id(i);
                writeln!(out, "M 100644 inline customers/{}/{id}.toml", &id[..2])?;
                data(&mut out, &render(i, &states[i]))?;
            }
            main_tip = mark;
            made += 1;
            continue;
        }
        let n = 1 + rng.below(3);
        let mut subject = String::new();
        let mut files = Vec::new();
        for _ in 0..n {
            let i = rng.below(customers);
            match rng.below(4) {
                0 => {
                    states[i].tier = rng.below(4);
                    subject = format!("grade: {}", customer_id(i));
                }
                1 => {
                    states[i].last_contact = time;
                    subject = format!("contact: {} by call", customer_id(i));
                }
                2 => {
                    states[i].owner = rng.below(12);
                    subject = format!("assign: {}", customer_id(i));
                }
                _ => {
                    states[i].revenue += 500;
                    states[i].orders += 1;
                    subject = format!("import: orders of {}", customer_id(i));
                }
            }
            files.push(i);
        }
        mark += 1;
        writeln!(
            out,
            "commit refs/heads/main\nmark :{mark}\nauthor Gen <gen@example.com> {time} +0000\ncommitter Gen <gen@example.com> {time} +0000"
        )?;
        let command = subject.split(':').next().unwrap_or("edit").to_owned();
        data(&mut out, &format!("{subject}\n\nKehu-Command: {command}\n"))?;
        writeln!(out, "from :{main_tip}")?;
        for i in files {
            let id = customer_id(i);
            writeln!(out, "M 100644 inline customers/{}/{id}.toml", &id[..2])?;
            data(&mut out, &render(i, &states[i]))?;
        }
        main_tip = mark;
        made += 1;
    }
    out.flush()?;
    drop(out);
    let status = child.wait()?;
    if !status.success() {
        return Err("git fast-import failed".into());
    }
    git(dir, &["checkout", "-q", "-f", "main"]);
    Ok(())
}
