//! `--out FILE` for plugin commands: the host writes the plugin's standard
//! output to FILE, never the plugin (plugins do no I/O).
//!
//! The output goes to a temporary file in FILE's directory as it comes
//! (streamed chunks included) and is renamed over FILE only when the command
//! succeeded, so FILE holds the old content or the whole new one: never half
//! a report after an error, a plugin failure or a kill. A kill leaves at
//! most a hidden `.FILE.kehu-out-*` file beside it, never a torn FILE.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Why `--out` could not be written; FILE is unchanged.
#[derive(Debug, thiserror::Error)]
pub enum OutError {
    /// FILE names a directory.
    #[error("--out {}: is a directory; give a file name", path.display())]
    Directory {
        /// The path given.
        path: PathBuf,
    },
    /// The temporary file could not be made, written or renamed.
    #[error("--out {}: {source}", path.display())]
    Io {
        /// The path given.
        path: PathBuf,
        /// What failed.
        #[source]
        source: io::Error,
    },
}

/// Output on its way to `--out FILE`.
pub struct OutFile {
    path: PathBuf,
    temp: tempfile::NamedTempFile,
}

impl OutFile {
    /// Opens the temporary file beside `path` (before the plugin runs, so a
    /// bad path fails before a long computation).
    pub fn create(path: &Path) -> Result<OutFile, OutError> {
        if path.is_dir() {
            return Err(OutError::Directory {
                path: path.to_path_buf(),
            });
        }
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let name = path
            .file_name()
            .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
        let temp = tempfile::Builder::new()
            .prefix(&format!(".{name}.kehu-out-"))
            .tempfile_in(dir)
            .map_err(|source| OutError::Io {
                path: path.to_path_buf(),
                source,
            })?;
        Ok(OutFile {
            path: path.to_path_buf(),
            temp,
        })
    }

    fn io(&self, source: io::Error) -> OutError {
        OutError::Io {
            path: self.path.clone(),
            source,
        }
    }

    /// Appends `bytes` to the temporary file.
    pub fn write(&mut self, bytes: &[u8]) -> Result<(), OutError> {
        self.temp.write_all(bytes).map_err(|e| self.io(e))
    }

    /// Flushes the temporary file to disk and renames it over FILE,
    /// keeping an existing FILE's permissions.
    pub fn commit(mut self) -> Result<(), OutError> {
        if let Ok(meta) = fs::metadata(&self.path) {
            fs::set_permissions(self.temp.path(), meta.permissions()).map_err(|e| self.io(e))?;
        }
        self.temp.flush().map_err(|e| self.io(e))?;
        self.temp.as_file().sync_all().map_err(|e| self.io(e))?;
        let path = self.path.clone();
        self.temp
            .persist(&path)
            .map(drop)
            .map_err(|e| OutError::Io {
                path,
                source: e.error,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temps(dir: &Path) -> Vec<String> {
        fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains("kehu-out"))
            .collect()
    }

    #[test]
    fn writes_whole_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.md");
        fs::write(&path, "old\n").unwrap();
        let mut out = OutFile::create(&path).unwrap();
        out.write(b"new ").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "old\n");
        out.write(b"report\n").unwrap();
        out.commit().unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new report\n");
        assert!(temps(dir.path()).is_empty());
        // Dropped without commit (an error): the file and the dir are as before.
        let mut out = OutFile::create(&path).unwrap();
        out.write(b"half").unwrap();
        drop(out);
        assert_eq!(fs::read_to_string(&path).unwrap(), "new report\n");
        assert!(temps(dir.path()).is_empty());
    }

    #[test]
    fn refuses_directories_and_missing_parents() {
        let dir = tempfile::tempdir().unwrap();
        let e = OutFile::create(dir.path()).err().unwrap();
        assert!(e.to_string().contains("is a directory"), "{e}");
        let e = OutFile::create(&dir.path().join("no/such/dir/r.md"))
            .err()
            .unwrap();
        assert!(e.to_string().starts_with("--out "), "{e}");
    }
}
