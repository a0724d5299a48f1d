//! What every command gets: the global options resolved once.

use std::io::IsTerminal;
use std::path::PathBuf;

use kehu_core::Date;

use crate::cli::{ColorChoice, GlobalArgs};
use crate::locate;
use crate::output::Format;

/// The resolved global options and lazily found book root.
pub struct Context {
    /// The options as given.
    pub global: GlobalArgs,
    /// `--as-of`, or today.
    pub as_of: Date,
    /// Whether stdout gets colour.
    pub color: bool,
    /// `--today` (KEHU_TODAY), else today in local time (read once).
    pub today: Date,
    book_root: Option<PathBuf>,
}

impl Context {
    /// Resolves the global options; reads the clock and the terminal once.
    pub fn new(global: GlobalArgs) -> Context {
        let today = global
            .today
            .unwrap_or_else(|| Date(chrono::Local::now().date_naive()));
        let as_of = global.as_of.unwrap_or(today);
        let color = match global.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::io::stdout().is_terminal()
            }
        };
        Context {
            global,
            as_of,
            color,
            today,
            book_root: None,
        }
    }

    /// The book root, found once (see [`locate::find_book`]).
    pub fn book_root(&mut self) -> anyhow::Result<PathBuf> {
        if let Some(root) = &self.book_root {
            return Ok(root.clone());
        }
        let cwd = std::env::current_dir()?;
        let root = locate::find_book(self.global.book.as_deref(), &cwd)?;
        self.book_root = Some(root.clone());
        Ok(root)
    }

    /// True when `--as-of` names a day before today: the book must then be
    /// read from git as committed at the end of that day.
    pub fn reads_the_past(&self) -> bool {
        self.global.as_of.is_some() && self.as_of < self.today
    }

    /// The format asked for, or `default`; refuses one the command cannot print.
    pub fn format(&self, default: Format, allowed: &[Format]) -> anyhow::Result<Format> {
        let format = self.global.format.unwrap_or(default);
        if !allowed.contains(&format) {
            let names: Vec<&str> = allowed.iter().map(|f| f.name()).collect();
            anyhow::bail!(
                "this command cannot print --format {}; use one of: {}",
                format.name(),
                names.join(", ")
            );
        }
        Ok(format)
    }
}
