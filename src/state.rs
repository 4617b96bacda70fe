//! `.scaffold/state.toml`: what scaffold applied, with which answers, and a hash of every file it
//! wrote. The rendered base of each file is kept beside it under `.scaffold/base/<foundation>/`, so a
//! later upgrade can tell the team's edits from stale output and merge three ways without the old
//! blueprint. Ordering is stable (`BTreeMap`); the file is rewritten only when it changes.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::blueprint::manifest::{Mode, Owner};
use crate::blueprint::render::check_path;
use crate::blueprint::source::{self, SourceKind, SourceRecord};
use crate::error::{Error, Result};
use crate::fs::{CONFIG_CAP, FILE_CAP, RepoFs};

/// The format version this binary reads and writes.
pub(crate) const FORMAT_VERSION: u64 = 1;

pub(crate) const STATE_DIR: &str = ".scaffold";
/// The state, relative to the repo root.
pub(crate) const STATE_PATH: &str = ".scaffold/state.toml";
/// The state a run is about to apply, written before its first file and removed after the state:
/// a run killed in between leaves it, and the next run recovers from it.
const PENDING_PATH: &str = ".scaffold/pending.toml";

/// The recorded state of a repo.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct State {
    /// Format version of this file.
    pub(crate) version: u64,
    /// The fork of the blueprints this repo uses, if any (later runs use it without `--source`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) source: Option<SourceRecord>,
    /// The latest common answers (stage, stack) and any other answer given, reused by `add`.
    #[serde(default)]
    pub(crate) answers: BTreeMap<String, String>,
    /// Applied foundations, by id.
    #[serde(default)]
    pub(crate) foundations: BTreeMap<String, Applied>,
}

/// One applied foundation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Applied {
    /// Blueprint version applied (the base of a later upgrade).
    pub(crate) version: semver::Version,
    /// Where the blueprint came from (`embedded`, or a fork).
    pub(crate) source: String,
    /// Date first applied, `YYYY-MM-DD` (the ADR's date).
    pub(crate) date: String,
    /// Its ADR, so re-runs keep the number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) adr: Option<String>,
    /// Every answer the blueprint was rendered with.
    pub(crate) answers: BTreeMap<String, String>,
    /// Files written, by path.
    pub(crate) files: BTreeMap<String, FileRecord>,
    /// Its next steps, by id: what a person must do, and whether they said it is done.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) steps: BTreeMap<String, Step>,
}

/// One next step of a foundation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Step {
    pub(crate) text: String,
    /// Marked done with `scaffold done ID`, or seen done in the repo by a run.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) done: bool,
    /// What in the repo shows it done (none: only `scaffold done ID` closes it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) done_when: Option<crate::steps::DoneWhen>,
}

impl Step {
    /// Done: marked so, or the repo shows it now.
    pub(crate) fn is_done(&self, fs: &RepoFs) -> bool {
        self.done || self.done_when.as_ref().is_some_and(|w| w.holds_in(fs))
    }
}

/// What scaffold wrote to one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FileRecord {
    /// sha256 of what scaffold owns: the whole file, or the inner text of its block.
    pub(crate) sha256: String,
    /// Whole file or marked block.
    pub(crate) mode: Mode,
    /// Managed, or written once and then the team's.
    #[serde(default, skip_serializing_if = "is_managed")]
    pub(crate) owner: Owner,
    /// Block mode: the name in the markers, when the block is shared by several foundations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) block: Option<String>,
}

impl FileRecord {
    /// The name in the markers of `foundation`'s block: the shared block's, or its own id.
    pub(crate) fn block_name<'a>(&'a self, foundation: &'a str) -> &'a str {
        self.block.as_deref().unwrap_or(foundation)
    }
}

// serde's `skip_serializing_if` hands over a reference.
#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_managed(owner: &Owner) -> bool {
    *owner == Owner::Managed
}

/// Hex sha256 of some bytes.
pub(crate) fn hash(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for b in digest {
        use std::fmt::Write;
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// Where the rendered base of a file is kept, relative to the repo root.
pub(crate) fn base_path(foundation: &str, file: &str) -> String {
    format!("{STATE_DIR}/base/{foundation}/{file}")
}

/// The hash of what scaffold owns in the file at `path` now (the whole file, or the inner text of
/// the block named `block`), if the file is there and readable.
pub(crate) fn owned_hash(fs: &RepoFs, path: &str, block: &str, mode: Mode) -> Option<String> {
    let bytes = fs.read(path, FILE_CAP).ok()??;
    owned(&bytes, block, mode).map(|owned| hash(&owned))
}

/// What scaffold owns of a file's bytes, as its record's hash sees them: the whole file, or the
/// inner text of the block named `block`, with CRLF read as LF (a Windows checkout of an unchanged
/// file is unchanged). `None` when the block is not there.
pub(crate) fn owned(bytes: &[u8], block: &str, mode: Mode) -> Option<Vec<u8>> {
    let bytes = crate::plan::lf(bytes);
    match mode {
        Mode::File => Some(bytes.into_owned()),
        Mode::Block => {
            crate::plan::find_block(&String::from_utf8_lossy(&bytes), block).map(String::into_bytes)
        }
    }
}

impl State {
    /// Reads the state of the repo; a repo without one has an empty state. A run that was killed
    /// while applying left the state it was about to record: the files it wrote are recovered
    /// from that, the others keep their recorded state.
    pub(crate) fn load(fs: &RepoFs) -> Result<State> {
        let state = Self::read_at(fs, STATE_PATH)?.unwrap_or_else(|| State {
            version: FORMAT_VERSION,
            ..State::default()
        });
        Ok(match Self::read_at(fs, PENDING_PATH)? {
            Some(pending) => recover(fs, &state, pending),
            None => state,
        })
    }

    /// Whether scaffold wrote the whole file at `path` (a marked block in a team's file does not
    /// count).
    pub(crate) fn owns_file(&self, path: &str) -> bool {
        self.foundations
            .values()
            .any(|a| a.files.get(path).is_some_and(|r| r.mode == Mode::File))
    }

    /// Whether a killed run left a state to recover.
    pub(crate) fn interrupted(fs: &RepoFs) -> bool {
        !matches!(fs.probe(PENDING_PATH, 0), Ok(crate::fs::Found::Missing))
    }

    fn read_at(fs: &RepoFs, rel: &str) -> Result<Option<State>> {
        let Some(bytes) = fs.read(rel, CONFIG_CAP)? else {
            return Ok(None);
        };
        let path = fs.full(rel);
        let text = String::from_utf8(bytes).map_err(|e| Error::StateCorrupt {
            path: path.clone(),
            message: format!("not UTF-8 text (byte {})", e.utf8_error().valid_up_to()),
        })?;
        Self::parse(&text, &path).map(Some)
    }

    /// Saves the state (only if it changed) and drops any state left to recover.
    pub(crate) fn save(&self, fs: &RepoFs) -> Result<()> {
        let text = self.to_toml(&fs.full(STATE_PATH))?;
        if fs.read(STATE_PATH, CONFIG_CAP)?.as_deref() != Some(text.as_bytes()) {
            fs.write(STATE_PATH, text.as_bytes(), 0o644)?;
        }
        fs.remove(PENDING_PATH)
    }

    /// The ADR each foundation had in the state a killed run was about to record, so that the
    /// rerun gives them the same numbers even where the killed run wrote none of their files.
    pub(crate) fn reserved_adrs(fs: &RepoFs) -> BTreeMap<String, String> {
        let Ok(Some(pending)) = Self::read_at(fs, PENDING_PATH) else {
            return BTreeMap::new();
        };
        pending
            .foundations
            .into_iter()
            .filter_map(|(id, applied)| Some((id, applied.adr?)))
            .collect()
    }

    /// Records the state a run is about to apply, before it writes its first file.
    pub(crate) fn save_pending(&self, fs: &RepoFs) -> Result<()> {
        let text = self.to_toml(&fs.full(PENDING_PATH))?;
        fs.write(PENDING_PATH, text.as_bytes(), 0o644)
    }

    pub(crate) fn parse(text: &str, path: &Path) -> Result<State> {
        let corrupt = |message: String| Error::StateCorrupt {
            path: path.to_owned(),
            message,
        };
        let table: toml::Table =
            toml::from_str(text).map_err(|e| corrupt(crate::error::toml_detail(&e)))?;
        match table.get("version") {
            Some(toml::Value::Integer(v))
                if u64::try_from(*v).is_ok_and(|v| v > FORMAT_VERSION) =>
            {
                return Err(Error::StateVersion {
                    path: path.to_owned(),
                    found: u64::try_from(*v).unwrap_or(u64::MAX),
                    supported: FORMAT_VERSION,
                });
            }
            Some(toml::Value::Integer(v)) if *v == i64::try_from(FORMAT_VERSION).unwrap_or(1) => {}
            _ => {
                return Err(corrupt(format!("`version` must be {FORMAT_VERSION}")));
            }
        }
        let state: State =
            toml::from_str(text).map_err(|e| corrupt(crate::error::toml_detail(&e)))?;
        if let Some(record) = &state.source {
            check_source(record).map_err(|m| corrupt(format!("`[source]`: {m}")))?;
        }
        // Recorded paths are acted on (read, merged, removed): each must stay inside the repo.
        for (id, applied) in &state.foundations {
            let watched = applied
                .steps
                .values()
                .filter_map(|s| s.done_when.as_ref().map(|w| &w.file));
            for path in applied
                .files
                .keys()
                .chain(applied.adr.iter())
                .chain(watched)
            {
                if let Err(reason) = check_path(path) {
                    return Err(corrupt(format!(
                        "foundation `{id}`: path `{path}` {reason}"
                    )));
                }
            }
            if !id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            {
                return Err(corrupt(format!("`{id}` is not a foundation id")));
            }
        }
        Ok(state)
    }

    /// The text this state is saved as at `path`.
    pub(crate) fn to_toml(&self, path: &Path) -> Result<String> {
        let body = toml::to_string(self).map_err(|e| Error::Write {
            path: path.to_owned(),
            source: std::io::Error::other(e),
        })?;
        Ok(format!(
            "# Written by scaffold: what it applied, with which answers, and a hash of each file.\n\
             # Commit it. `.scaffold/base/` holds what each file looked like when written.\n{body}"
        ))
    }
}

/// The state after a killed run: what it was about to record, where the file on disk is what it
/// wrote; the previous record elsewhere; a foundation it was adding and wrote nothing of, left out.
fn recover(fs: &RepoFs, old: &State, mut pending: State) -> State {
    for (id, applied) in &mut pending.foundations {
        let before = old.foundations.get(id);
        let files = std::mem::take(&mut applied.files);
        for (path, record) in files {
            let written = owned_hash(fs, &path, record.block_name(id), record.mode).as_ref()
                == Some(&record.sha256);
            let kept = if written {
                Some(record)
            } else {
                before.and_then(|b| b.files.get(&path)).cloned()
            };
            if let Some(kept) = kept {
                applied.files.insert(path, kept);
            }
        }
        // Files the new version drops: still recorded until both the file and its base are gone.
        for (path, record) in before.iter().flat_map(|b| &b.files) {
            let left = !matches!(fs.probe(path, 0), Ok(crate::fs::Found::Missing))
                || !matches!(
                    fs.probe(&base_path(id, path), 0),
                    Ok(crate::fs::Found::Missing)
                );
            if left && !applied.files.contains_key(path) {
                applied.files.insert(path.clone(), record.clone());
            }
        }
        if let Some(before) = before
            && applied.files == before.files
        {
            // Nothing of the new version was written: the foundation stays at the old one.
            *applied = before.clone();
        }
    }
    pending
        .foundations
        .retain(|id, applied| old.foundations.contains_key(id) || !applied.files.is_empty());
    pending
}

/// A recorded source must be one scaffold could have written: a git URL over an allowed
/// transport, with a ref git cannot take for an option and a commit id; or a directory (whether it
/// lies inside the repository is checked when it is read).
fn check_source(record: &SourceRecord) -> std::result::Result<(), String> {
    if record.location.is_empty() || record.location.contains(['\0', '\n', '\r']) {
        return Err("`location` must be a path or URL on one line".to_owned());
    }
    match record.kind {
        SourceKind::Git => {
            if let Err(transport) = source::transport(&record.location) {
                return Err(format!(
                    "transport `{transport}` is not allowed (allowed: https, ssh, git, file)"
                ));
            }
            if let Some(reference) = &record.reference
                && (reference.is_empty()
                    || reference.starts_with('-')
                    || reference.contains(|c: char| c.is_whitespace() || c.is_control()))
            {
                return Err(format!(
                    "`ref = \"{reference}\"` is not a tag, branch or commit name"
                ));
            }
            if let Some(commit) = &record.commit
                && !(matches!(commit.len(), 40 | 64)
                    && commit.bytes().all(|b| b.is_ascii_hexdigit()))
            {
                return Err(format!("`commit = \"{commit}\"` is not a commit id"));
            }
        }
        SourceKind::Dir => {
            if record.reference.is_some() || record.commit.is_some() {
                return Err("a directory source has no `ref` or `commit`".to_owned());
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<State> {
        State::parse(text, Path::new(".scaffold/state.toml"))
    }

    #[test]
    fn round_trips() {
        let mut state = State {
            version: FORMAT_VERSION,
            ..State::default()
        };
        state.answers.insert("stage".into(), "seed".into());
        state.foundations.insert(
            "ci".into(),
            Applied {
                version: semver::Version::new(1, 0, 0),
                source: "embedded".into(),
                date: "2026-11-24".into(),
                adr: Some("docs/adr/0001-ci.md".into()),
                answers: BTreeMap::from([("ci".into(), "github".into())]),
                files: BTreeMap::from([(
                    ".github/workflows/ci.yml".into(),
                    FileRecord {
                        sha256: hash(b"x"),
                        mode: Mode::File,
                        owner: Owner::Managed,
                        block: None,
                    },
                )]),
                steps: BTreeMap::from([
                    (
                        "ci-protect-the-branch".into(),
                        Step {
                            text: "Protect `main`".into(),
                            done: true,
                            done_when: None,
                        },
                    ),
                    (
                        "ci-add-a-dockerfile".into(),
                        Step {
                            text: "Add a Dockerfile".into(),
                            done: false,
                            done_when: Some(crate::steps::DoneWhen {
                                file: "Dockerfile".into(),
                                contains: None,
                                absent: Some("TODO".into()),
                            }),
                        },
                    ),
                ]),
            },
        );
        let text = state.to_toml(Path::new(".scaffold/state.toml")).unwrap();
        assert_eq!(parse(&text).unwrap(), state);
    }

    #[test]
    fn a_newer_format_is_a_clear_error() {
        let err = parse("version = 7\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "state file `.scaffold/state.toml` has format version 7, this scaffold reads version 1: upgrade scaffold"
        );
    }

    #[test]
    fn corrupt_state_is_an_error_not_a_panic() {
        for text in [
            "version = ",
            "nothing = 1",
            "version = \"1\"",
            "version = 1\n[foundations.ci]\nversion = \"x\"",
        ] {
            let err = parse(text).unwrap_err();
            assert!(
                err.to_string()
                    .starts_with("state file `.scaffold/state.toml` is not valid:"),
                "{err}"
            );
        }
    }

    #[test]
    fn recorded_paths_must_stay_inside_the_repo() {
        let state = |path: &str| {
            format!(
                "version = 1\n[foundations.ci]\nversion = \"1.0.0\"\nsource = \"embedded\"\n\
                 date = \"2026-01-01\"\nanswers = {{}}\n\
                 files = {{ \"{path}\" = {{ sha256 = \"00\", mode = \"file\" }} }}\n"
            )
        };
        assert!(parse(&state(".github/workflows/ci.yml")).is_ok());
        for bad in [
            "../../etc/passwd",
            "/etc/passwd",
            ".git/config",
            ".scaffold/state.toml",
        ] {
            let err = parse(&state(bad)).unwrap_err().to_string();
            assert!(err.contains(&format!("path `{bad}`")), "{err}");
        }
    }

    #[test]
    fn a_recorded_source_must_be_one_scaffold_could_have_written() {
        let state = |source: &str| parse(&format!("version = 1\n[source]\n{source}\n"));
        for good in [
            "kind = \"dir\"\nlocation = \"blueprints\"",
            "kind = \"dir\"\nlocation = \"/srv/blueprints\"",
            "kind = \"git\"\nlocation = \"https://example.com/b.git\"\nref = \"v1.0.0\"\ncommit = \"0123456789abcdef0123456789abcdef01234567\"",
            "kind = \"git\"\nlocation = \"git@example.com:acme/b.git\"",
            "kind = \"git\"\nlocation = \"/srv/blueprints.git\"",
        ] {
            assert!(state(good).is_ok(), "{good}: {:?}", state(good));
        }
        for (bad, message) in [
            (
                "kind = \"git\"\nlocation = \"ext::sh -c evil\"",
                "transport `ext` is not allowed",
            ),
            (
                "kind = \"git\"\nlocation = \"fd::0\"",
                "transport `fd` is not allowed",
            ),
            (
                "kind = \"git\"\nlocation = \"http://example.com/b\"",
                "transport `http` is not allowed",
            ),
            (
                "kind = \"git\"\nlocation = \"https://e.com/b\"\nref = \"--upload-pack=x\"",
                "is not a tag, branch or commit name",
            ),
            (
                "kind = \"git\"\nlocation = \"https://e.com/b\"\ncommit = \"HEAD\"",
                "is not a commit id",
            ),
            (
                "kind = \"dir\"\nlocation = \"\"",
                "`location` must be a path or URL",
            ),
            (
                "kind = \"dir\"\nlocation = \"b\"\nref = \"main\"",
                "a directory source has no",
            ),
        ] {
            let err = state(bad).unwrap_err().to_string();
            assert!(
                err.starts_with("state file `.scaffold/state.toml` is not valid: `[source]`: ")
                    && err.contains(message),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn hashes_are_sha256_hex() {
        assert_eq!(
            hash(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
