//! The plan: for every file the blueprints render, what writing it would do, computed from the
//! rendered files, the disk and the recorded state without changing anything. Its `Display` is the
//! `--dry-run` output.

use std::collections::BTreeMap;
use std::fmt;

use crate::blueprint::manifest::{Mode, Owner};
use crate::blueprint::render::RenderedFile;
use crate::blueprint::render::with_stable_header;
use crate::eol::Attributes;
use crate::error::{Error, Result};
use crate::fs::{Blocker, FILE_CAP, Found, RepoFs};
use crate::state::{self, FileRecord, State, hash};

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
    /// Upgrade: both sides changed the file and the changes merged cleanly.
    Merge,
    /// Upgrade: both sides changed the same lines; written with conflict markers.
    MergeConflict,
    /// A `once` file already written: the team's now, never touched.
    Skip,
    /// The team deleted the file: it stays deleted.
    Deleted,
    /// The new blueprint no longer has the file and the team did not change it: removed.
    Remove,
    /// The new blueprint no longer has the file but the team changed it: left, no longer managed.
    Orphan,
    /// The new blueprint no longer has the file and it is already gone.
    Gone,
    /// What is at the path cannot be read or replaced safely (a symlink, a special file, or a
    /// marked block in a file that is not UTF-8): the run refuses, whatever the flags.
    Blocked(Blocker),
}

impl Action {
    fn label(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Unchanged => "unchanged",
            Action::Conflict | Action::MergeConflict => "conflict",
            Action::Overwrite => "overwrite",
            Action::Keep => "kept",
            Action::Merge => "merge",
            Action::Skip => "once",
            Action::Deleted => "deleted",
            Action::Remove => "remove",
            Action::Orphan => "unmanaged",
            Action::Gone => "gone",
            Action::Blocked(_) => "blocked",
        }
    }

    /// Whether applying writes the file.
    pub(crate) fn writes(self) -> bool {
        matches!(
            self,
            Action::Create
                | Action::Update
                | Action::Overwrite
                | Action::Merge
                | Action::MergeConflict
                | Action::Remove
        )
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
    /// For a file the new render no longer has: the foundation that had it.
    pub(crate) dropped_by: Option<String>,
    /// Whether it is written with CRLF: the line ending it has, else `.gitattributes`'s.
    pub(crate) crlf: bool,
}

impl Change {
    pub(crate) fn foundations(&self) -> String {
        let mut ids: Vec<&str> = self
            .parts
            .iter()
            .map(|p| p.foundation.as_str())
            .chain(self.dropped_by.as_deref())
            .collect();
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
    ///
    /// `purpose` decides what happens when both the team and scaffold changed a file: `Lay`
    /// reports a conflict (nothing is written unless resolved); `Upgrade` merges three ways, with
    /// the rendered base recorded last time as the ancestor, and writes conflict markers where
    /// the changes overlap. `foundations` are the ids rendered in this run: their recorded files
    /// that the new render no longer has are removed when unmodified.
    pub(crate) fn compute(
        fs: &RepoFs,
        files: Vec<RenderedFile>,
        state: &State,
        purpose: Purpose,
        foundations: &[String],
    ) -> Result<Plan> {
        let mut by_path: BTreeMap<String, Vec<RenderedFile>> = BTreeMap::new();
        for file in files {
            by_path.entry(file.path.clone()).or_default().push(file);
        }
        let attributes = Attributes::read(fs);
        let mut changes = Vec::new();
        for (path, parts) in &by_path {
            if parts.len() > 1 && parts.iter().any(|p| p.mode == Mode::File) {
                return Err(Error::PathClash {
                    path: path.clone(),
                    first: parts[0].foundation.clone(),
                    second: parts[1].foundation.clone(),
                });
            }
            let (old, blocker) = read(fs, path)?;
            let ctx = FileContext {
                fs,
                path,
                state,
                purpose,
                crlf: line_ending(old.as_deref(), path, &attributes),
            };
            let (new, action) = match blocker {
                Some(blocker) => (Vec::new(), Action::Blocked(blocker)),
                None if parts[0].mode == Mode::File => ctx.whole(&parts[0], old.as_deref()),
                None => ctx.blocks(parts, old.as_deref()),
            };
            changes.push(Change {
                executable: parts.iter().any(|p| p.executable),
                path: path.clone(),
                action,
                old,
                new,
                parts: parts.clone(),
                dropped_by: None,
                crlf: ctx.crlf,
            });
        }
        // Files the new render dropped: removed when the team did not change them.
        for id in foundations {
            let Some(applied) = state.foundations.get(id) else {
                continue;
            };
            for (path, record) in &applied.files {
                if by_path.contains_key(path) {
                    continue;
                }
                let (old, blocked) = read(fs, path)?;
                let action = match (&old, record.mode) {
                    _ if blocked.is_some() => Action::Orphan,
                    (None, _) => Action::Gone,
                    (Some(old), Mode::File) if hash(&lf(old)) == record.sha256 => Action::Remove,
                    _ => Action::Orphan,
                };
                changes.push(Change {
                    executable: false,
                    path: path.clone(),
                    action,
                    old,
                    new: Vec::new(),
                    parts: Vec::new(),
                    dropped_by: Some(id.clone()),
                    crlf: false,
                });
            }
        }
        changes.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(Plan { changes })
    }

    pub(crate) fn conflicts(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|c| c.action == Action::Conflict)
    }

    /// Paths the run cannot write, and why.
    pub(crate) fn blocked(&self) -> Vec<(String, Blocker)> {
        self.changes
            .iter()
            .filter_map(|c| match c.action {
                Action::Blocked(blocker) => Some((c.path.clone(), blocker)),
                _ => None,
            })
            .collect()
    }

    /// Files written with conflict markers by an upgrade.
    pub(crate) fn marked(&self) -> impl Iterator<Item = &Change> {
        self.changes
            .iter()
            .filter(|c| c.action == Action::MergeConflict)
    }

    /// Whether applying would write anything.
    pub(crate) fn writes_anything(&self) -> bool {
        self.changes.iter().any(|c| c.action.writes())
    }

    /// A unified diff of each file that would change, for `--dry-run`.
    pub(crate) fn diffs(&self) -> String {
        let mut out = String::new();
        for change in &self.changes {
            // Everything that replaces or removes an existing file, and every open conflict.
            if change.action == Action::Conflict || (change.action.writes() && change.old.is_some())
            {
                out.push_str(&diff(change));
            }
        }
        out
    }
}

/// Why a plan is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// `init` and `add`: a file changed by both sides is a conflict to resolve first.
    Lay,
    /// `upgrade`: a file changed by both sides is merged three ways.
    Upgrade,
}

/// The file at `path`, or why it cannot be read or replaced.
fn read(fs: &RepoFs, path: &str) -> Result<(Option<Vec<u8>>, Option<Blocker>)> {
    Ok(match fs.probe(path, FILE_CAP)? {
        Found::Missing => (None, None),
        Found::File(bytes) => (Some(bytes), None),
        Found::Blocked(blocker) => (None, Some(blocker)),
    })
}

/// What deciding one file needs to know.
struct FileContext<'a> {
    fs: &'a RepoFs,
    path: &'a str,
    state: &'a State,
    purpose: Purpose,
    /// Written with CRLF (see `line_ending`).
    crlf: bool,
}

/// Whether the file at `path` is written with CRLF: as its own lines end, when it has any; else
/// as `.gitattributes` says for it; else LF.
fn line_ending(old: Option<&[u8]>, path: &str, attributes: &Attributes) -> bool {
    match old {
        Some(old) if old.contains(&b'\n') => uses_crlf(old),
        _ => attributes.crlf(path),
    }
}

impl FileContext<'_> {
    fn record(&self, foundation: &str) -> Option<&FileRecord> {
        self.state
            .foundations
            .get(foundation)
            .and_then(|a| a.files.get(self.path))
    }

    /// What scaffold rendered last time (the ancestor of a 3-way merge): empty if unknown, `None`
    /// if it is not UTF-8 text.
    fn base(&self, foundation: &str) -> Option<String> {
        match self
            .fs
            .read(&state::base_path(foundation, self.path), FILE_CAP)
        {
            Ok(Some(bytes)) => String::from_utf8(lf(&bytes).into_owned()).ok(),
            _ => Some(String::new()),
        }
    }

    /// A 3-way merge: `Ok` when clean, `Err` with git-style conflict markers. Only text merges:
    /// `None` when any side is not UTF-8, whose bytes a text merge would change.
    fn merge(
        &self,
        foundation: &str,
        ours: &[u8],
        theirs: &[u8],
    ) -> Option<std::result::Result<String, String>> {
        // A file written by an older scaffold names the old version in its header: both sides are
        // read with today's header, so the header change alone is no change.
        let base = self.base(foundation)?;
        let base = with_stable_header(&base);
        let ours = with_stable_header(std::str::from_utf8(ours).ok()?);
        let theirs = std::str::from_utf8(theirs).ok()?;
        let label = |text: String| {
            text.replace("<<<<<<< ours", "<<<<<<< yours")
                .replace("||||||| original", "||||||| scaffold, before")
                .replace(">>>>>>> theirs", ">>>>>>> scaffold, now")
        };
        Some(diffy::merge(&base, &ours, theirs).map(label).map_err(label))
    }

    /// A file scaffold owns whole. It keeps the line endings it has (a CRLF checkout stays CRLF);
    /// hashes and merges see LF.
    fn whole(&self, part: &RenderedFile, old: Option<&[u8]>) -> (Vec<u8>, Action) {
        let record = self.record(&part.foundation);
        let crlf = self.crlf;
        let new = if crlf {
            to_crlf(&part.content)
        } else {
            part.content.clone()
        };
        let Some(old) = old else {
            // Missing: new, or deleted by the team (it stays deleted unless the blueprint says).
            return match record {
                Some(_) if !part.restore_deleted => (Vec::new(), Action::Deleted),
                _ => (new, Action::Create),
            };
        };
        if record.is_some() && part.owner == Owner::Once {
            return (old.to_vec(), Action::Skip);
        }
        if old == new.as_slice() {
            return (new, Action::Unchanged);
        }
        let old_lf = lf(old);
        let unmodified = record.is_some_and(|r| r.sha256 == hash(&old_lf));
        if unmodified {
            return (new, Action::Update);
        }
        // The team changed it. Nothing new from scaffold: keep theirs.
        if record.is_some_and(|r| r.sha256 == hash(&part.content)) {
            return (old.to_vec(), Action::Keep);
        }
        if self.purpose == Purpose::Lay {
            return (new, Action::Conflict);
        }
        let ending = |text: String| {
            if crlf {
                to_crlf(text.as_bytes())
            } else {
                text.into_bytes()
            }
        };
        match self.merge(&part.foundation, &old_lf, &part.content) {
            Some(Ok(merged)) if merged.as_bytes() == &*old_lf => (old.to_vec(), Action::Keep),
            Some(Ok(merged)) => (ending(merged), Action::Merge),
            Some(Err(marked)) => (ending(marked), Action::MergeConflict),
            // Bytes that are not text are never merged: the team chooses (keep, or --force).
            None => (new, Action::Conflict),
        }
    }

    /// A file in which each foundation owns a marked block.
    fn blocks(&self, parts: &[RenderedFile], old: Option<&[u8]>) -> (Vec<u8>, Action) {
        let crlf = self.crlf;
        let mut text = match old.map(|old| String::from_utf8(lf(old).into_owned())) {
            None => String::new(),
            Some(Ok(text)) => text,
            Some(Err(_)) => return (Vec::new(), Action::Blocked(Blocker::NotUtf8)),
        };
        let mut outcome = Action::Unchanged;
        // A file an earlier blueprint version owned whole becomes a file of blocks: scaffold's old
        // text is replaced, and if the team changed it, that is a conflict to resolve first.
        let whole = parts
            .iter()
            .filter_map(|p| self.record(&p.foundation))
            .find(|r| r.mode == Mode::File);
        if let (Some(record), Some(bytes)) = (whole, old) {
            if hash(bytes) != record.sha256 {
                outcome = Action::Conflict;
            }
            text.clear();
        }
        let mut kept = false;
        for part in parts {
            let inner = String::from_utf8_lossy(&part.content).into_owned();
            let record = self
                .record(&part.foundation)
                .filter(|r| r.mode == Mode::Block);
            let (_, existing) = splice_block(&text, &part.block, &part.comment, &inner);
            let wanted = match existing {
                None if old.is_some() && record.is_some() && !part.restore_deleted => {
                    // The team removed the block: it stays removed.
                    continue;
                }
                Some(_) if record.is_some() && part.owner == Owner::Once => continue,
                None => inner,
                Some(existing) if existing == inner => continue,
                Some(existing) if record.is_some_and(|r| r.sha256 == hash(existing.as_bytes())) => {
                    inner
                }
                Some(_) if record.is_some_and(|r| r.sha256 == hash(inner.as_bytes())) => {
                    kept = true;
                    continue;
                }
                Some(existing) => {
                    if self.purpose == Purpose::Lay {
                        outcome = Action::Conflict;
                        inner
                    } else {
                        match self.merge(&part.foundation, existing.as_bytes(), inner.as_bytes()) {
                            Some(Ok(merged)) => merged,
                            Some(Err(marked)) => {
                                outcome = Action::MergeConflict;
                                marked
                            }
                            // The base is not text: the blueprint's block wins, as with --force.
                            None => inner,
                        }
                    }
                }
            };
            text = splice_block(&text, &part.block, &part.comment, &wanted).0;
        }
        let new = if crlf {
            to_crlf(text.as_bytes())
        } else {
            text.into_bytes()
        };
        let action = match old {
            None => Action::Create,
            Some(old) if old == new.as_slice() && kept => Action::Keep,
            Some(old) if old == new.as_slice() => Action::Unchanged,
            Some(_) if outcome != Action::Unchanged => outcome,
            Some(_) => Action::Update,
        };
        (new, action)
    }
}

/// Whether a file ends its lines with CRLF (as a Windows checkout does): its first line says.
pub(crate) fn uses_crlf(bytes: &[u8]) -> bool {
    memchr::memchr(b'\n', bytes).is_some_and(|at| at > 0 && bytes[at - 1] == b'\r')
}

/// The bytes with CRLF line endings read as LF: what hashes and merges compare.
pub(crate) fn lf(bytes: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    if memchr::memmem::find(bytes, b"\r\n").is_none() {
        return std::borrow::Cow::Borrowed(bytes);
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
            i += 1;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    std::borrow::Cow::Owned(out)
}

/// The bytes with every LF line ending written as CRLF.
pub(crate) fn to_crlf(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 32);
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'\n' && (i == 0 || bytes[i - 1] != b'\r') {
            out.push(b'\r');
        }
        out.push(*b);
    }
    out
}

/// The unified diff between the file on disk and what scaffold would write; one line for bytes
/// that are not text.
pub(crate) fn diff(change: &Change) -> String {
    let old = std::str::from_utf8(change.old.as_deref().unwrap_or_default());
    let new = std::str::from_utf8(&change.new);
    let (Ok(old), Ok(new)) = (old, new) else {
        return format!(
            "binary files a/{0} (yours) and b/{0} (scaffold) differ\n",
            change.path
        );
    };
    similar::TextDiff::from_lines(old, new)
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

/// The inner text of a foundation's block, whatever its comment prefix.
pub(crate) fn find_block(text: &str, foundation: &str) -> Option<String> {
    let begin = format!(" >>> scaffold {foundation} >>>");
    let end = format!(" <<< scaffold {foundation} <<<");
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let start = lines.iter().position(|l| l.contains(&begin))?;
    let stop = lines[start + 1..]
        .iter()
        .position(|l| l.trim_end().ends_with(&end))?;
    Some(lines[start + 1..start + 1 + stop].concat())
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
