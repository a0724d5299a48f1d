//! What a plugin hands back: output, exit code, changeset; or an error.

use std::fmt;

use kehu_core::Changeset;
use kehu_plugin::protocol::{Response, WriteMode};

/// The result of a successful run (which may still exit non-zero, e.g. a
/// check that found something exits 1).
///
/// `Output` implements [`fmt::Write`] onto stdout, so `writeln!(out, ...)`
/// works.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Output {
    /// Printed by the host on stdout.
    pub stdout: String,
    /// Printed by the host on stderr (warnings, notes).
    pub stderr: String,
    /// The process exit code: 0 success, 1 a check found something, 2 bad
    /// usage or data. 3 is the host's for plugin failures.
    pub exit_code: i32,
    /// Edits for the host to apply, if the command changes the book.
    pub changeset: Option<Changeset>,
    /// How the host applies `changeset`.
    pub mode: WriteMode,
    /// Whether the run was pure, so the host may replay its output for the
    /// same request on the same book (see [`Output::pure`]).
    pub pure: bool,
}

impl Output {
    /// Empty output, exit 0.
    pub fn new() -> Output {
        Output::default()
    }

    /// Output that prints `text` on stdout.
    pub fn text(text: impl Into<String>) -> Output {
        Output {
            stdout: text.into(),
            ..Output::default()
        }
    }

    /// Sets the exit code.
    pub fn with_exit_code(mut self, code: i32) -> Output {
        self.exit_code = code;
        self
    }

    /// Appends a line to stderr.
    pub fn with_note(mut self, line: impl fmt::Display) -> Output {
        self.stderr.push_str(&format!("{line}\n"));
        self
    }

    /// Attaches a changeset and how to apply it (usually
    /// [`crate::WriteFlags::mode`]).
    pub fn with_changeset(mut self, changeset: Changeset, mode: WriteMode) -> Output {
        self.changeset = Some(changeset);
        self.mode = mode;
        self
    }

    /// Marks the run pure: its output and exit code follow from the request
    /// and the host's answers alone (nothing read from a clock, a file or
    /// the environment). The host may then keep them and replay them when
    /// the same request meets the same book again. A run that proposes a
    /// changeset is never replayed, pure or not.
    pub fn pure(mut self) -> Output {
        self.pure = true;
        self
    }

    pub(crate) fn into_response(self) -> Response {
        Response {
            exit_code: self.exit_code,
            stdout: self.stdout,
            stderr: self.stderr,
            pure: self.pure && self.changeset.is_none(),
            changeset: self.changeset,
            mode: self.mode,
            ..Response::new()
        }
    }
}

impl fmt::Write for Output {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        self.stdout.push_str(text);
        Ok(())
    }
}

/// Why a run failed. The SDK turns it into an `error: ...` line on stderr and
/// the matching exit code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PluginError {
    /// Bad arguments (exit 2); the message should say which and what is
    /// expected.
    Usage(String),
    /// The book holds data the plugin cannot work with (exit 2); name the
    /// customer and field.
    Data(String),
    /// A host service failed (exit 3).
    Host(String),
    /// The plugin itself failed (exit 3).
    Failed(String),
}

impl fmt::Display for PluginError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PluginError::Usage(message)
            | PluginError::Data(message)
            | PluginError::Failed(message) => f.write_str(message),
            PluginError::Host(message) => write!(f, "host service failed: {message}"),
        }
    }
}

impl std::error::Error for PluginError {}

impl PluginError {
    /// The exit code this error ends the command with.
    pub fn exit_code(&self) -> i32 {
        match self {
            PluginError::Usage(_) | PluginError::Data(_) => 2,
            PluginError::Host(_) | PluginError::Failed(_) => 3,
        }
    }

    pub(crate) fn into_response(self, command: &str) -> Response {
        let mut stderr = format!("error: {self}\n");
        if matches!(self, PluginError::Usage(_)) {
            stderr.push_str(&format!("Run `kehu {command} --help` for usage.\n"));
        }
        Response {
            exit_code: self.exit_code(),
            stderr,
            ..Response::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt::Write as _;

    #[test]
    fn output_becomes_a_response() {
        let mut out = Output::new().with_note("warning: 2 customers skipped");
        writeln!(out, "hello").unwrap();
        let response = out.with_exit_code(1).into_response();
        assert_eq!(response.stdout, "hello\n");
        assert_eq!(response.stderr, "warning: 2 customers skipped\n");
        assert_eq!(response.exit_code, 1);
        assert_eq!(response.schema, kehu_plugin::SCHEMA);
    }

    #[test]
    fn errors_map_to_exit_codes_and_messages() {
        let usage = PluginError::Usage("unknown flag `--x`".into()).into_response("hello");
        assert_eq!(usage.exit_code, 2);
        assert_eq!(
            usage.stderr,
            "error: unknown flag `--x`\nRun `kehu hello --help` for usage.\n"
        );
        let host = PluginError::Host("no such customer `ghost`".into()).into_response("hello");
        assert_eq!(host.exit_code, 3);
        assert_eq!(
            host.stderr,
            "error: host service failed: no such customer `ghost`\n"
        );
    }
}
