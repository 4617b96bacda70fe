//! The plan: for every file the blueprints render, what writing it would do, computed from the
//! rendered files, the disk and the recorded state without changing anything. Its `Display` is the
//! `--dry-run` output.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use crate::blueprint::manifest::Mode;
use crate::blueprint::render::RenderedFile;
use crate::error::{Error, Result};
use crate::state::{State, hash};

/// What applying does to one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    /// The file does not exist yet.
    Create,
    /// The file is as scaffold last wrote it (or the block is new); it is replaced.
    Update,
    /// The file already has the wanted content.
    Unchanged,
    /// The team changed what scaffold owns; nothing is written unless resolved.
    Conflict,
    /// A conflict resolved by overwriting; the old content is backed up first.
    Overwrite,
    /// The team edited the file and scaffold has nothing new for it, or a conflict was resolved
    /// by keeping the team's version: it is left as it is.
    Keep,
}

impl Action {
    fn label(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Unchanged => "unchanged",
            Action::Conflict => "conflict",
            Action::Overwrite => "overwrite",
            Action::Keep => "kept",
        }
    }

    /// Whether applying writes the file.
    pub(crate) fn writes(self) -> bool {
        matches!(self, Action::Create | Action::Update | Action::Overwrite)
    }
}

/// One file of the plan.
#[derive(Debug, Clone)]
pub(crate) struct Change {
    pub(crate) path: String,
    pub(crate) action: Action,
    /// The file on disk now, if any.
    pub(crate) old: Option<Vec<u8>>,
    /// The whole file as it will be written.
    pub(crate) new: Vec<u8>,
    pub(crate) executable: bool,
    /// What each foundation owns in it (one part, or one block per foundation).
    pub(crate) parts: Vec<RenderedFile>,
}

impl Change {
    pub(crate) fn foundations(&self) -> String {
        let mut ids: Vec<&str> = self.parts.iter().map(|p| p.foundation.as_str()).collect();
        ids.dedup();
        ids.join(", ")
    }
}

/// Every file of a run, in path order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Plan {
    pub(crate) changes: Vec<Change>,
}

impl Plan {
    /// Compares what the blueprints render with the disk and the state.
    pub(crate) fn compute(root: &Path, files: Vec<RenderedFile>, state: &State) -> Result<Plan> {
        let mut by_path: BTreeMap<String, Vec<RenderedFile>> = BTreeMap::new();
        for file in files {
            by_path.entry(file.path.clone()).or_default().push(file);
        }
        let mut changes = Vec::new();
        for (path, parts) in by_path {
            if parts.len() > 1 && parts.iter().any(|p| p.mode == Mode::File) {
                return Err(Error::PathClash {
                    path,
                    first: parts[0].foundation.clone(),
                    second: parts[1].foundation.clone(),
                });
            }
            let full = root.join(&path);
            let old = match std::fs::read(&full) {
                Ok(bytes) => Some(bytes),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(source) => return Err(Error::Read { path: full, source }),
            };
            let recorded = |foundation: &str| {
                state
                    .foundations
                    .get(foundation)
                    .and_then(|a| a.files.get(&path))
                    .map(|r| r.sha256.as_str())
            };
            // The team's edits are kept when scaffold has nothing new for the file (what it would
            // write now is what it wrote last time); they conflict only when both changed.
            let mut kept = false;
            let (new, conflict) = if parts[0].mode == Mode::File {
                let part = &parts[0];
                let theirs = |old: &Vec<u8>| {
                    *old != part.content && recorded(&part.foundation) != Some(&hash(old))
                };
                let ours_unchanged = recorded(&part.foundation) == Some(&hash(&part.content));
                match &old {
                    Some(old) if theirs(old) && ours_unchanged => {
                        kept = true;
                        (old.clone(), false)
                    }
                    Some(old) => (part.content.clone(), theirs(old)),
                    None => (part.content.clone(), false),
                }
            } else {
                let mut text = old
                    .as_deref()
                    .map(|b| String::from_utf8_lossy(b).into_owned())
                    .unwrap_or_default();
                let mut conflict = false;
                for part in &parts {
                    let inner = String::from_utf8_lossy(&part.content);
                    let (next, existing) =
                        splice_block(&text, &part.foundation, &part.comment, &inner);
                    if let Some(existing) = existing.filter(|e| *e != *inner) {
                        let record = recorded(&part.foundation);
                        if record == Some(&hash(part.content.as_slice())) {
                            kept = true;
                            continue;
                        }
                        if record != Some(&hash(existing.as_bytes())) {
                            conflict = true;
                        }
                    }
                    text = next;
                }
                (text.into_bytes(), conflict)
            };
            let action = match &old {
                None => Action::Create,
                Some(old) if *old == new && kept => Action::Keep,
                Some(old) if *old == new => Action::Unchanged,
                Some(_) if conflict => Action::Conflict,
                Some(_) => Action::Update,
            };
            changes.push(Change {
                executable: parts.iter().any(|p| p.executable),
                path,
                action,
                old,
                new,
                parts,
            });
        }
        Ok(Plan { changes })
    }

    pub(crate) fn conflicts(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|c| c.action == Action::Conflict)
    }

    /// Whether applying would write anything.
    pub(crate) fn writes_anything(&self) -> bool {
        self.changes.iter().any(|c| c.action.writes())
    }

    /// A unified diff of each file that would change, for `--dry-run`.
    pub(crate) fn diffs(&self) -> String {
        let mut out = String::new();
        for change in &self.changes {
            if matches!(
                change.action,
                Action::Update | Action::Conflict | Action::Overwrite
            ) {
                out.push_str(&diff(change));
            }
        }
        out
    }
}

/// The unified diff between the file on disk and what scaffold would write.
pub(crate) fn diff(change: &Change) -> String {
    let old = change
        .old
        .as_deref()
        .map(String::from_utf8_lossy)
        .unwrap_or_default();
    let new = String::from_utf8_lossy(&change.new);
    similar::TextDiff::from_lines(old.as_ref(), new.as_ref())
        .unified_diff()
        .context_radius(3)
        .header(
            &format!("a/{} (yours)", change.path),
            &format!("b/{} (scaffold)", change.path),
        )
        .to_string()
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = self.changes.iter().map(|c| c.path.len()).max().unwrap_or(0);
        for c in &self.changes {
            writeln!(
                f,
                "  {:<9}  {:<width$}  ({})",
                c.action.label(),
                c.path,
                c.foundations()
            )?;
        }
        Ok(())
    }
}

fn begin_marker(comment: &str, foundation: &str) -> String {
    format!(
        "{comment} >>> scaffold {foundation} >>> managed block: scaffold upgrade keeps it up to date"
    )
}

fn end_marker(comment: &str, foundation: &str) -> String {
    format!("{comment} <<< scaffold {foundation} <<<")
}

/// Puts `inner` between the foundation's markers in `text` (appending the block if it is not
/// there yet). Returns the new text and the block's previous inner text, if it had one.
pub(crate) fn splice_block(
    text: &str,
    foundation: &str,
    comment: &str,
    inner: &str,
) -> (String, Option<String>) {
    let begin = begin_marker(comment, foundation);
    let begin_prefix = format!("{comment} >>> scaffold {foundation} >>>");
    let end = end_marker(comment, foundation);
    let mut inner = inner.to_owned();
    if !inner.is_empty() && !inner.ends_with('\n') {
        inner.push('\n');
    }
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let start = lines
        .iter()
        .position(|l| l.trim_end().starts_with(&begin_prefix));
    let stop = start.and_then(|s| {
        lines[s + 1..]
            .iter()
            .position(|l| l.trim_end() == end)
            .map(|i| s + 1 + i)
    });
    if let (Some(start), Some(stop)) = (start, stop) {
        let existing: String = lines[start + 1..stop].concat();
        let mut out: String = lines[..start].concat();
        out.push_str(&begin);
        out.push('\n');
        out.push_str(&inner);
        out.push_str(&lines[stop..].concat());
        return (out, Some(existing));
    }
    let mut out = text.to_owned();
    if !out.is_empty() {
        if !out.ends_with('\n') {
            out.push('\n');
        }
        out.push('\n');
    }
    out.push_str(&begin);
    out.push('\n');
    out.push_str(&inner);
    out.push_str(&end);
    out.push('\n');
    (out, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_is_appended_then_replaced_in_place() {
        let (once, existing) = splice_block("target/\n", "secrets-rbac", "#", "*.dec\n");
        assert_eq!(existing, None);
        assert_eq!(
            once,
            "target/\n\n# >>> scaffold secrets-rbac >>> managed block: scaffold upgrade keeps it up to date\n*.dec\n# <<< scaffold secrets-rbac <<<\n"
        );
        let edited = format!("{once}node_modules/\n");
        let (twice, existing) = splice_block(&edited, "secrets-rbac", "#", "*.dec\n*.key\n");
        assert_eq!(existing.as_deref(), Some("*.dec\n"));
        assert_eq!(
            twice,
            "target/\n\n# >>> scaffold secrets-rbac >>> managed block: scaffold upgrade keeps it up to date\n*.dec\n*.key\n# <<< scaffold secrets-rbac <<<\nnode_modules/\n"
        );
    }

    #[test]
    fn a_block_in_an_empty_file_has_no_leading_blank_line() {
        let (text, _) = splice_block("", "x", "#", "a");
        assert!(text.starts_with("# >>> scaffold x >>>"), "{text}");
        assert!(text.ends_with("a\n# <<< scaffold x <<<\n"), "{text}");
    }

    proptest::proptest! {
        #[test]
        fn splicing_is_idempotent_and_keeps_the_rest(
            before in "[a-z/.*\n#]{0,40}",
            after in "[a-z/.*\n]{0,40}",
            inner in "[a-z*.\n]{0,30}",
        ) {
            let (once, _) = splice_block(&before, "x", "#", &inner);
            let (twice, existing) = splice_block(&once, "x", "#", &inner);
            proptest::prop_assert_eq!(&once, &twice);
            let mut expected_inner = inner.clone();
            if !expected_inner.is_empty() && !expected_inner.ends_with('\n') {
                expected_inner.push('\n');
            }
            proptest::prop_assert_eq!(existing, Some(expected_inner));
            proptest::prop_assert!(once.starts_with(&before));
            // Text the team adds after the block survives a re-splice.
            let edited = format!("{once}{after}");
            let (again, _) = splice_block(&edited, "x", "#", &inner);
            proptest::prop_assert_eq!(again, edited);
        }
    }
}
