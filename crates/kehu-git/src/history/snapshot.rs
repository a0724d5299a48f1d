//! Time travel: the commit at the end of a day, and the book's files as they
//! were committed there, read from git objects (the work tree is untouched).

use chrono::{DateTime, FixedOffset, Offset};
use kehu_core::Date;
use serde::Serialize;

use super::{History, treediff};
use crate::error::{Context, GitError};

/// The book's files at one commit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Snapshot {
    /// The commit read (hex).
    pub commit: String,
    /// Every file under `customers/` and `kehu.toml`, as (path relative to the
    /// book root, bytes), sorted by path.
    pub files: Vec<(String, Vec<u8>)>,
}

impl<'b> History<'b> {
    /// The last commit of day `day` on the first-parent line of `rev`
    /// (default `HEAD`): the first commit, walking back, whose committer
    /// date in the committer's own time zone is on or before `day`. `None`
    /// when the book did not exist yet.
    pub fn commit_at_end_of(
        &self,
        day: Date,
        rev: Option<&str>,
    ) -> Result<Option<String>, GitError> {
        let mut current = Some(match rev {
            Some(rev) => self.objects.resolve(rev)?,
            None => self.objects.head()?,
        });
        while let Some(oid) = current {
            let commit = self.objects.commit(oid)?;
            let time = commit.time();
            let offset = FixedOffset::east_opt(time.offset_minutes() * 60)
                .unwrap_or_else(|| chrono::Utc.fix());
            let local = DateTime::from_timestamp(time.seconds(), 0)
                .unwrap_or_default()
                .with_timezone(&offset)
                .date_naive();
            if local <= day.0 {
                return Ok(Some(oid.to_string()));
            }
            current = commit.parent_ids().next();
        }
        Ok(None)
    }

    /// Every customer file and `kehu.toml` at a revision.
    pub fn snapshot(&self, rev: &str) -> Result<Snapshot, GitError> {
        let oid = self.objects.resolve(rev)?;
        let ids = self.objects.book_ids_by_id(oid)?;
        let mut listed = Vec::new();
        if let Some(tree) = ids.customers {
            treediff::list_files(&self.objects, tree, "", &mut listed)?;
        }
        let mut files = Vec::with_capacity(listed.len() + 1);
        if let Some(rules) = ids.rules {
            files.push(("kehu.toml".to_owned(), self.objects.blob(rules)?));
        }
        let odb = self
            .objects
            .repo
            .odb()
            .context("opening the object database")?;
        for (path, id) in listed {
            let object = odb.read(id).context("reading a blob")?;
            files.push((format!("customers/{path}"), object.data().to_vec()));
        }
        files.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(Snapshot {
            commit: oid.to_string(),
            files,
        })
    }
}
