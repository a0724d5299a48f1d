//! Per-field blame: for each field of a customer, the commit that last set
//! its current value. A timeline walk that stops once every field is found.

use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::sync::Arc;

use serde::Serialize;

use super::{CommitInfo, History};
use crate::error::GitError;
use crate::message;

/// Who last set one field, and why.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FieldBlame {
    /// Dotted field path.
    pub field: String,
    /// Its current value.
    pub value: serde_json::Value,
    /// The commit that set it to this value (`None` if the walk found none).
    pub commit: Option<Arc<CommitInfo>>,
    /// The commit's `Kehu-Reason`, if any.
    pub reason: Option<String>,
}

impl<'b> History<'b> {
    /// Each field of customer `id` at `rev` (default `HEAD`) with the commit
    /// that last set it, sorted by field.
    pub fn blame(&self, id: &str, rev: Option<&str>) -> Result<Vec<FieldBlame>, GitError> {
        let start = match rev {
            Some(rev) => self.objects.resolve(rev)?,
            None => self.objects.head()?,
        };
        let ids = self.objects.book_ids_by_id(start)?;
        let Some(path) = self.locate(&ids, id)? else {
            return Ok(Vec::new());
        };
        let parts: Vec<&str> = path.split('/').collect();
        let Some(tree) = ids.customers else {
            return Ok(Vec::new());
        };
        let Some(blob) = self.objects.blob_at(tree, &parts)? else {
            return Ok(Vec::new());
        };
        let current = match self.fields(blob)?.as_ref() {
            Ok(fields) => fields.clone(),
            Err(_) => return Ok(Vec::new()),
        };
        let mut found: BTreeMap<String, Arc<CommitInfo>> = BTreeMap::new();
        let start_rev = start.to_string();
        self.customer_each(id, Some(&start_rev), |event| {
            for change in &event.customers {
                for field in &change.fields {
                    let Some(value) = current.get(&field.field) else {
                        continue;
                    };
                    if field.new.as_ref() == Some(value) && !found.contains_key(&field.field) {
                        found.insert(field.field.clone(), Arc::clone(&event.commit));
                    }
                }
            }
            if found.len() == current.len() {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })?;
        Ok(current
            .into_iter()
            .map(|(field, value)| {
                let commit = found.get(&field).cloned();
                let reason = commit
                    .as_ref()
                    .and_then(|c| c.trailer(message::REASON).map(str::to_owned));
                FieldBlame {
                    field,
                    value,
                    commit,
                    reason,
                }
            })
            .collect())
    }
}
