//! The write flags every book-changing plugin takes, parsed one way.

use kehu_plugin::protocol::WriteMode;

use crate::PluginError;

/// Help text for the write flags, to paste into a plugin's `--help`.
pub const WRITE_FLAGS_HELP: &str = "\
  --apply          write the changes and commit them
  --dry-run        show the changes as a diff and write nothing
  --branch NAME    commit the changes on a new branch NAME, for review
";

/// `--apply`, `--dry-run` and `--branch NAME` taken out of a plugin's
/// arguments.
///
/// `--apply --branch NAME` is the same as `--branch NAME`; `--dry-run` with
/// either is a usage error. Arguments after `--` are left alone.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WriteFlags {
    /// The requested mode; `None` when no write flag was given (a plugin
    /// then usually reports without proposing changes).
    pub mode: Option<WriteMode>,
    /// The other arguments, in order, for the plugin's own parsing.
    pub rest: Vec<String>,
}

impl WriteFlags {
    /// Splits the write flags from `args`.
    pub fn parse(args: &[String]) -> Result<WriteFlags, PluginError> {
        let mut apply = false;
        let mut dry_run = false;
        let mut branch: Option<String> = None;
        let mut rest = Vec::new();
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--" => {
                    rest.push(arg.clone());
                    rest.extend(args.by_ref().cloned());
                }
                "--apply" => apply = true,
                "--dry-run" => dry_run = true,
                "--branch" => {
                    let name = args.next().ok_or_else(|| {
                        PluginError::Usage("`--branch` needs a branch name".into())
                    })?;
                    set_branch(&mut branch, name)?;
                }
                other => match other.strip_prefix("--branch=") {
                    Some(name) => set_branch(&mut branch, name)?,
                    None => rest.push(arg.clone()),
                },
            }
        }
        if dry_run && (apply || branch.is_some()) {
            return Err(PluginError::Usage(
                "`--dry-run` cannot be combined with `--apply` or `--branch`".into(),
            ));
        }
        let mode = match (branch, dry_run, apply) {
            (Some(name), _, _) => Some(WriteMode::Branch(name)),
            (None, true, _) => Some(WriteMode::DryRun),
            (None, false, true) => Some(WriteMode::Apply),
            (None, false, false) => None,
        };
        Ok(WriteFlags { mode, rest })
    }

    /// Whether any write flag was given.
    pub fn wants_changes(&self) -> bool {
        self.mode.is_some()
    }
}

fn set_branch(slot: &mut Option<String>, name: &str) -> Result<(), PluginError> {
    if name.is_empty() || name.starts_with('-') || name.chars().any(char::is_whitespace) {
        return Err(PluginError::Usage(format!(
            "`--branch` needs a branch name, got `{name}`"
        )));
    }
    match slot {
        Some(previous) if previous != name => Err(PluginError::Usage(format!(
            "`--branch` given twice (`{previous}` and `{name}`)"
        ))),
        _ => {
            *slot = Some(name.to_owned());
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<WriteFlags, PluginError> {
        WriteFlags::parse(&crate::words(args))
    }

    #[test]
    fn picks_the_mode_and_keeps_the_rest_in_order() {
        let flags = parse(&["--by", "owner", "--dry-run", "acme"]).unwrap();
        assert_eq!(flags.mode, Some(WriteMode::DryRun));
        assert_eq!(flags.rest, ["--by", "owner", "acme"]);
        assert_eq!(parse(&["--apply"]).unwrap().mode, Some(WriteMode::Apply));
        assert_eq!(
            parse(&["--apply", "--branch", "regrade"]).unwrap().mode,
            Some(WriteMode::Branch("regrade".into()))
        );
        assert_eq!(
            parse(&["--branch=q4"]).unwrap().mode,
            Some(WriteMode::Branch("q4".into()))
        );
        let none = parse(&["--", "--apply"]).unwrap();
        assert_eq!(none.mode, None);
        assert!(!none.wants_changes());
        assert_eq!(none.rest, ["--", "--apply"]);
    }

    #[test]
    fn refuses_conflicts_and_missing_names() {
        for args in [
            &["--dry-run", "--apply"][..],
            &["--dry-run", "--branch", "x"],
            &["--branch"],
            &["--branch", "--apply"],
            &["--branch="],
            &["--branch", "a", "--branch", "b"],
        ] {
            let error = parse(args).unwrap_err();
            assert_eq!(error.exit_code(), 2, "{args:?}: {error}");
        }
        assert!(parse(&["--branch", "a", "--branch", "a"]).is_ok());
    }
}
