//! The printed table and the PASS/FAIL/SKIP verdict of each row.

use std::time::Duration;

use comfy_table::{Table, presets::ASCII_MARKDOWN};

use super::{
    BookResult, BookSize, HISTORY_MEMORY_FACTOR, HISTORY_MEMORY_SLACK, RowResult, RowStatus, Target,
};

/// A duration for people: `842 ms`, `4.21 s`.
pub fn format_duration(d: Duration) -> String {
    let seconds = d.as_secs_f64();
    if seconds < 1.0 {
        format!("{:.1} ms", seconds * 1000.0)
    } else {
        format!("{seconds:.2} s")
    }
}

/// A customer count for the book column: `10k`, `100k`, `2500`.
pub fn format_count(n: usize) -> String {
    if n >= 1000 && n.is_multiple_of(1000) {
        format!("{}k", n / 1000)
    } else {
        n.to_string()
    }
}

/// Bytes as MiB.
pub fn format_mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

/// The comparison with the baseline (`0.83×`, `+2.1 ms`) and whether the
/// time target holds (`None` when there is no target or nothing to compare).
fn compare(row: &RowResult, book: &BookResult) -> (String, Option<bool>, Option<String>) {
    if let (Target::SecondsAtMost(limit), Some(mine)) = (row.row.target, row.median()) {
        return ("-".to_owned(), Some(mine.as_secs_f64() <= limit), None);
    }
    let Some(label) = &row.row.baseline else {
        return ("-".to_owned(), None, None);
    };
    let (Some(mine), Some(base)) = (row.median(), book.row(label).and_then(RowResult::median))
    else {
        let missing = if row.median().is_some() {
            Some(format!("baseline `{label}` did not run"))
        } else {
            None
        };
        return ("-".to_owned(), None, missing);
    };
    let (mine, base) = (mine.as_secs_f64(), base.as_secs_f64());
    match row.row.target {
        Target::OverheadAtMostMs(ms) => {
            let over = (mine - base) * 1000.0;
            (format!("{over:+.1} ms"), Some(over <= ms), None)
        }
        target => {
            let ratio = if base > 0.0 {
                mine / base
            } else {
                f64::INFINITY
            };
            let ok = match target {
                Target::RatioAtMost(limit) => Some(ratio <= limit),
                _ => None,
            };
            (format!("{ratio:.2}×"), ok, None)
        }
    }
}

/// Whether a `memory_like` row's peak stays within
/// [`HISTORY_MEMORY_FACTOR`] × the other row's peak + [`HISTORY_MEMORY_SLACK`];
/// `None` without that rule or without both peaks.
fn history_memory_ok(row: &RowResult, book: &BookResult) -> Option<bool> {
    let other = book.row(row.row.memory_like.as_deref()?)?.peak_rss()?;
    let limit = (other as f64 * HISTORY_MEMORY_FACTOR) as u64 + HISTORY_MEMORY_SLACK;
    Some(row.peak_rss()? <= limit)
}

/// The verdict of one row: PASS, FAIL (…), SKIP: reason, or `-` when it has
/// no target.
pub fn verdict(row: &RowResult, book: &BookResult) -> String {
    match &row.status {
        RowStatus::Skipped(reason) => return format!("SKIP: {reason}"),
        RowStatus::TimedOut(limit) => {
            return format!("FAIL: timed out after {}", format_duration(*limit));
        }
        RowStatus::Ran { .. } => {}
    }
    let (_, time_ok, missing) = compare(row, book);
    let memory_ok = if row.row.memory_target {
        row.peak_rss().map(|peak| peak <= book.memory_limit())
    } else {
        None
    };
    let history_ok = history_memory_ok(row, book);
    let mut failed = Vec::new();
    if time_ok == Some(false) {
        failed.push("time");
    }
    if memory_ok == Some(false) {
        failed.push("memory");
    }
    if history_ok == Some(false) {
        failed.push("memory grows with history");
    }
    if !failed.is_empty() {
        return format!("FAIL ({})", failed.join(", "));
    }
    if let (Some(reason), Target::RatioAtMost(_) | Target::OverheadAtMostMs(_)) =
        (missing, row.row.target)
    {
        return format!("SKIP: {reason}");
    }
    if time_ok.is_none() && memory_ok.is_none() && history_ok.is_none() {
        return "-".to_owned();
    }
    "PASS".to_owned()
}

/// One printed line of the table, as text cells.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    /// `10k`, `100k`.
    pub book: String,
    /// The row's label.
    pub command: String,
    /// Median wall time.
    pub median: String,
    /// Fastest and slowest run.
    pub spread: String,
    /// Median CPU time (user + system).
    pub cpu: String,
    /// Peak resident memory over the runs.
    pub peak_rss: String,
    /// The row compared with.
    pub baseline: String,
    /// `0.83×`, `+2.1 ms`.
    pub ratio: String,
    /// The targets: time, `mem` (3× + 64 MiB), `mem~` (as the row named).
    pub target: String,
    /// PASS, FAIL (…), SKIP: …, or `-`.
    pub result: String,
}

/// Column titles of [`Line`], in order.
pub const HEADER: [&str; 10] = [
    "book", "command", "median", "spread", "cpu", "peak RSS", "baseline", "ratio", "target",
    "result",
];

impl Line {
    /// The cells in [`HEADER`] order.
    pub fn cells(&self) -> [&str; 10] {
        [
            &self.book,
            &self.command,
            &self.median,
            &self.spread,
            &self.cpu,
            &self.peak_rss,
            &self.baseline,
            &self.ratio,
            &self.target,
            &self.result,
        ]
    }
}

fn or_dash(value: Option<String>) -> String {
    value.unwrap_or_else(|| "-".into())
}

/// The table's lines, books in order.
pub fn lines(books: &[BookResult]) -> Vec<Line> {
    let mut lines = Vec::new();
    for book in books {
        for row in &book.rows {
            let (ratio, _, _) = compare(row, book);
            let mut target = row.row.target.to_string();
            if row.row.memory_target {
                target.push_str(", mem");
            }
            if let Some(other) = &row.row.memory_like {
                target.push_str(&format!(", mem~`{other}`"));
            }
            let spread = match (row.best(), row.worst()) {
                (Some(a), Some(b)) if a != b => {
                    Some(format!("{}–{}", format_duration(a), format_duration(b)))
                }
                (Some(_), Some(_)) => Some("1 run".to_owned()),
                _ => None,
            };
            lines.push(Line {
                book: format_count(book.info.spec.customers),
                command: row.row.label.clone(),
                median: or_dash(row.median().map(format_duration)),
                spread: or_dash(spread),
                cpu: or_dash(row.cpu().map(format_duration)),
                peak_rss: or_dash(row.peak_rss().map(format_mib)),
                baseline: or_dash(row.row.baseline.clone()),
                ratio,
                target,
                result: verdict(row, book),
            });
        }
    }
    lines
}

/// A header line per book: its size, history, memory limit and place.
pub fn render_books(books: &[BookResult]) -> String {
    let mut out = String::new();
    for book in books {
        let info = &book.info;
        out.push_str(&format!(
            "book {}: {} customers, {} commits ({} merges), {:.1} MB of files, memory limit {} (3× + 64 MiB), focus {} — {}\n",
            format_count(info.spec.customers),
            info.spec.customers,
            info.spec.commits,
            info.merges,
            info.bytes as f64 / 1e6,
            format_mib(book.memory_limit()),
            info.focus,
            info.dir.display()
        ));
        if book.size == BookSize::Small {
            out.push_str(
                "  (on this book only history, import, fit and plugin discovery are judged: the other targets are stated at 100,000 customers)\n",
            );
        }
    }
    out
}

/// The whole report: a header line per book, one table, then the growth
/// from the small book to the large one.
pub fn render_table(books: &[BookResult]) -> String {
    let mut out = render_books(books);
    let mut table = Table::new();
    table
        .load_preset(ASCII_MARKDOWN)
        .set_header(HEADER.to_vec());
    for line in lines(books) {
        table.add_row(line.cells().to_vec());
    }
    out.push_str(&table.to_string());
    out.push('\n');
    out.push_str(&render_growth(books));
    out
}

/// How each command that ran on two books grows with the customers: the
/// median on the smaller and the larger book and the ratio of the two,
/// beside the ratio of their customer counts. Empty with fewer than two books.
pub fn render_growth(books: &[BookResult]) -> String {
    let mut sorted: Vec<&BookResult> = books.iter().collect();
    sorted.sort_by_key(|b| b.info.spec.customers);
    let (Some(small), Some(large)) = (sorted.first(), sorted.last()) else {
        return String::new();
    };
    if small.info.spec.customers == large.info.spec.customers {
        return String::new();
    }
    let scale = large.info.spec.customers as f64 / small.info.spec.customers as f64;
    let mut table = Table::new();
    table.load_preset(ASCII_MARKDOWN).set_header(vec![
        "command".to_owned(),
        format!("{} median", format_count(small.info.spec.customers)),
        format!("{} median", format_count(large.info.spec.customers)),
        format!("growth (customers ×{scale:.0})"),
    ]);
    let mut any = false;
    for row in &small.rows {
        let Some(other) = large.row(&row.row.label) else {
            continue;
        };
        let (Some(a), Some(b)) = (row.median(), other.median()) else {
            continue;
        };
        any = true;
        let growth = b.as_secs_f64() / a.as_secs_f64().max(f64::MIN_POSITIVE);
        table.add_row(vec![
            row.row.label.clone(),
            format_duration(a),
            format_duration(b),
            format!("×{growth:.1}"),
        ]);
    }
    if !any {
        return String::new();
    }
    format!("\n{table}\n")
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::harness::{BookSize, Row};
    use crate::history::{LargeBookInfo, LargeBookSpec};

    fn ran(row: Row, ms: u64, rss: u64) -> RowResult {
        RowResult {
            row,
            status: RowStatus::Ran {
                walls: vec![Duration::from_millis(ms)],
                cpus: vec![Duration::from_millis(ms / 2)],
                peak_rss: rss,
            },
        }
    }

    fn book(rows: Vec<RowResult>) -> BookResult {
        BookResult {
            size: BookSize::Small,
            info: LargeBookInfo {
                dir: PathBuf::from("/tmp/x"),
                spec: LargeBookSpec {
                    seed: 1,
                    customers: 10,
                    commits: 1,
                },
                merges: 0,
                bytes: 1024 * 1024,
                focus: "acme".into(),
            },
            rows,
        }
    }

    #[test]
    fn verdicts() {
        let base = Row::shell(BookSize::Small, "base", "true");
        let mib = 1024 * 1024;
        let b = book(vec![
            ran(base.clone(), 1000, mib),
            ran(
                Row::kehu(BookSize::Small, "fast").vs("base").at_most(1.0),
                900,
                10 * mib,
            ),
            ran(
                Row::kehu(BookSize::Small, "slow").vs("base").at_most(1.0),
                1100,
                10 * mib,
            ),
            ran(
                Row::kehu(BookSize::Small, "fat").vs("base").at_most(1.0),
                900,
                80 * mib,
            ),
            ran(
                Row::kehu(BookSize::Small, "plugins")
                    .vs("base")
                    .overhead_ms(10.0),
                1005,
                mib,
            ),
            ran(
                Row::kehu(BookSize::Small, "orphan")
                    .vs("nothing")
                    .at_most(2.0),
                5,
                mib,
            ),
            ran(Row::kehu(BookSize::Small, "import").within_s(0.5), 600, mib),
            RowResult {
                row: Row::kehu(BookSize::Small, "later"),
                status: RowStatus::Skipped("exit 2: unknown command".into()),
            },
        ]);
        let v: Vec<String> = b.rows.iter().map(|r| verdict(r, &b)).collect();
        assert_eq!(v[0], "-");
        assert_eq!(v[1], "PASS");
        assert_eq!(v[2], "FAIL (time)");
        assert_eq!(v[3], "FAIL (memory)");
        assert_eq!(v[4], "PASS");
        assert_eq!(v[5], "SKIP: baseline `nothing` did not run");
        assert_eq!(v[6], "FAIL (time)");
        assert_eq!(v[7], "SKIP: exit 2: unknown command");
        let text = render_table(&[b]);
        assert!(text.contains("| 0.90×"), "{text}");
        assert!(text.contains("+5.0 ms"), "{text}");
    }

    #[test]
    fn growth_between_two_books() {
        let small = book(vec![ran(Row::kehu(BookSize::Small, "check"), 100, 1)]);
        let mut large = book(vec![ran(Row::kehu(BookSize::Large, "check"), 1200, 1)]);
        large.info.spec.customers = 100;
        large.size = BookSize::Large;
        let text = render_growth(&[small.clone(), large]);
        assert!(text.contains("growth (customers ×10)"), "{text}");
        assert!(
            text.contains("| kehu check | 100.0 ms  | 1.20 s     | ×12.0"),
            "{text}"
        );
        assert_eq!(render_growth(&[small]), "");
    }

    #[test]
    fn durations_and_sizes() {
        assert_eq!(format_duration(Duration::from_micros(84_250)), "84.2 ms");
        assert_eq!(format_duration(Duration::from_millis(4210)), "4.21 s");
        assert_eq!(format_mib(3 * 1024 * 1024 / 2), "1.5 MiB");
        assert_eq!(format_count(100_000), "100k");
        assert_eq!(format_count(2500), "2500");
    }
}
