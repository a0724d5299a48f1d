//! Helpers for the crash and concurrent-writer tests: a book of a few dozen
//! customers built by a real `kehu import`, and snapshots of its state.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use crate::common::{AS_OF, git, hermetic, kehu, new_book, stderr};

/// A small seeded generator (splitmix64): the same runs on every machine.
pub struct Rng(pub u64);

impl Rng {
    /// The next number.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// The id of the `i`-th test customer: spread over many fan-out directories.
pub fn customer_id(i: usize) -> String {
    let a = (b'a' + (i % 26) as u8) as char;
    let b = (b'a' + ((i * 7) % 26) as u8) as char;
    format!("{a}{b}-{i:02}")
}

/// An orders CSV for customers `0..n`, one to five orders each in 2026.
pub fn orders_csv(n: usize, seed: u64) -> String {
    let mut rng = Rng(seed);
    let mut out = String::from("customer,date,amount\n");
    for i in 0..n {
        for _ in 0..=rng.below(4) {
            let month = 1 + rng.below(10);
            let day = 1 + rng.below(28);
            let cents = 1000 + rng.below(500_000);
            out.push_str(&format!(
                "{},2026-{month:02}-{day:02},{}.{:02}\n",
                customer_id(i),
                cents / 100,
                cents % 100
            ));
        }
    }
    out
}

/// A new book holding `customers` customers made by `kehu import orders
/// --create`, committed; the orders file stays committed in the book.
pub fn orders_book(customers: usize) -> tempfile::TempDir {
    let book = new_book();
    let root = book.path();
    std::fs::write(root.join("orders.csv"), orders_csv(customers, 1)).unwrap();
    git(root, &["add", "orders.csv"]);
    git(root, &["commit", "-q", "-m", "orders"]);
    run_ok(
        root,
        &[
            "--as-of",
            AS_OF,
            "import",
            "orders",
            "orders.csv",
            "--create",
        ],
    );
    book
}

/// Runs `kehu` and asserts it succeeded (exit 0, or 1 for findings).
pub fn run_ok(root: &Path, args: &[&str]) {
    let output = kehu(root, args);
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "kehu {args:?}: {}",
        stderr(&output)
    );
}

/// Starts `kehu` with `args` in `dir`, output discarded or captured.
pub fn spawn_kehu(dir: &Path, args: &[String], capture: bool) -> Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kehu"));
    hermetic(&mut command).current_dir(dir).args(args);
    let out = || {
        if capture {
            Stdio::piped()
        } else {
            Stdio::null()
        }
    };
    command.stdin(Stdio::null()).stdout(out()).stderr(out());
    command.spawn().expect("start kehu")
}

/// Every file under `customers/` except hidden ones (a writer's temporary
/// files), by path relative to the book.
pub fn customer_files(root: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                walk(root, &path, out);
            } else if !name.starts_with('.') {
                let relative = path.strip_prefix(root).unwrap().to_string_lossy();
                out.insert(relative.into_owned(), std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, &root.join("customers"), &mut out);
    out
}

/// `git fsck` passes: exit 0 and no error, missing or broken object.
pub fn assert_fsck_clean(root: &Path) {
    let mut command = Command::new("git");
    hermetic(&mut command).current_dir(root).args([
        "fsck",
        "--no-progress",
        "--no-dangling",
        "--strict",
    ]);
    let output = command.output().unwrap();
    let text = format!("{}{}", crate::common::stdout(&output), stderr(&output));
    assert!(
        output.status.success() && !text.contains("error") && !text.contains("missing"),
        "git fsck in {}: {text}",
        root.display()
    );
}

/// `kehu check` finds no errors (policy findings may exit 1); returns what
/// it printed.
pub fn assert_check_passes(root: &Path) -> String {
    let output = kehu(root, &["check"]);
    let text = format!("{}{}", crate::common::stdout(&output), stderr(&output));
    assert!(
        matches!(output.status.code(), Some(0 | 1)) && text.contains(" 0 errors"),
        "kehu check in {}: {text}",
        root.display()
    );
    text
}

/// `git status` with untracked files listed one by one.
pub fn status(root: &Path) -> String {
    git(root, &["status", "--porcelain=v1", "--untracked-files=all"])
}
