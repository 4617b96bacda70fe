//! Where a team's fork of the blueprints comes from: a directory laid out like `blueprints/`, or a
//! git repository (anything `git clone` accepts) at a tag, branch or commit. Git is the user's own
//! `git` command, with their config and credentials. A fork is untrusted input: it is read as
//! data only, and a symlink anywhere in it is refused rather than followed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// What kind of place a fork lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum SourceKind {
    Dir,
    Git,
}

/// A fork's location as recorded in `.scaffold/state.toml`, so later runs find it again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SourceRecord {
    pub(crate) kind: SourceKind,
    /// An absolute directory, or the git URL as given.
    pub(crate) location: String,
    /// The tag, branch or commit asked for (git only).
    #[serde(default, rename = "ref", skip_serializing_if = "Option::is_none")]
    pub(crate) reference: Option<String>,
    /// The commit it resolved to (git only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) commit: Option<String>,
}

impl SourceRecord {
    /// How a blueprint from this fork names its source: the directory, or `URL@commit`.
    pub(crate) fn label(&self) -> String {
        match (&self.kind, &self.commit) {
            (SourceKind::Git, Some(commit)) => format!("{}@{commit}", self.location),
            _ => self.location.clone(),
        }
    }
}

/// A fork read into memory: every file by its `/`-separated path below the fork's root.
#[derive(Debug, Clone)]
pub(crate) struct Fork {
    pub(crate) record: SourceRecord,
    pub(crate) files: BTreeMap<String, Vec<u8>>,
    /// At a version tag (`v1.2.0`, `1.2.0`): the newest later release tag, if there is one.
    pub(crate) newer_tag: Option<String>,
}

/// What to say when the source sits at a version tag and `tag` is a later release.
pub(crate) fn newer_tag_note(tag: &str) -> String {
    format!("the blueprint source has a newer tag {tag}: run `scaffold upgrade --ref {tag}`")
}

/// Reads the fork named by `--source` (a directory, else a git URL) at `--ref`.
pub(crate) fn open(spec: &str, reference: Option<&str>, cwd: &Path) -> Result<Fork> {
    let as_dir = cwd.join(spec);
    if reference.is_none() && as_dir.is_dir() {
        let dir = std::fs::canonicalize(&as_dir).map_err(|source| Error::Read {
            path: as_dir.clone(),
            source,
        })?;
        let record = SourceRecord {
            kind: SourceKind::Dir,
            location: dir.to_string_lossy().into_owned(),
            reference: None,
            commit: None,
        };
        return Ok(Fork {
            files: read_tree(&dir)?,
            record,
            newer_tag: None,
        });
    }
    if !looks_like_git_url(spec) && !as_dir.exists() {
        return Err(Error::SourceNotFound {
            spec: spec.to_owned(),
        });
    }
    clone(spec, reference)
}

/// `scheme://...` or scp-like `[user@]host:path`; anything else is a local path.
fn looks_like_git_url(spec: &str) -> bool {
    spec.contains("://")
        || spec
            .split_once(':')
            .is_some_and(|(host, _)| !host.is_empty() && !host.contains('/'))
}

/// Reads a recorded fork again: the directory as it is now, or the git ref's newest commit
/// (`reference` overrides the recorded ref).
pub(crate) fn reopen(record: &SourceRecord, reference: Option<&str>) -> Result<Fork> {
    match record.kind {
        SourceKind::Dir => {
            let dir = PathBuf::from(&record.location);
            Ok(Fork {
                files: read_tree(&dir)?,
                record: record.clone(),
                newer_tag: None,
            })
        }
        SourceKind::Git => clone(&record.location, reference.or(record.reference.as_deref())),
    }
}

fn git(args: &[&str], dir: Option<&Path>, url: &str) -> Result<String> {
    let mut cmd = Command::new("git");
    if let Some(dir) = dir {
        cmd.arg("-C").arg(dir);
    }
    let out = cmd.args(args).output().map_err(|e| Error::Git {
        url: url.to_owned(),
        message: format!("cannot run `git`: {e}"),
    })?;
    if !out.status.success() {
        return Err(Error::Git {
            url: url.to_owned(),
            message: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

fn clone(url: &str, reference: Option<&str>) -> Result<Fork> {
    let tmp = tempfile::tempdir().map_err(|source| Error::Write {
        path: std::env::temp_dir(),
        source,
    })?;
    let dir = tmp.path().join("fork");
    let dir_str = dir.to_string_lossy().into_owned();
    // `--` keeps a URL that starts with `-` from being read as an option.
    git(
        &["clone", "--quiet", "--no-checkout", "--", url, &dir_str],
        None,
        url,
    )?;
    let target = match reference {
        Some(r) => {
            // A tag or branch name, or a commit: whatever `git rev-parse` can resolve.
            let candidates = [
                format!("refs/tags/{r}"),
                format!("origin/{r}"),
                r.to_owned(),
            ];
            candidates
                .iter()
                .find_map(|c| {
                    git(
                        &[
                            "rev-parse",
                            "--verify",
                            "--quiet",
                            &format!("{c}^{{commit}}"),
                        ],
                        Some(&dir),
                        url,
                    )
                    .ok()
                })
                .ok_or_else(|| Error::Git {
                    url: url.to_owned(),
                    message: format!("no tag, branch or commit `{r}`"),
                })?
        }
        None => git(&["rev-parse", "HEAD"], Some(&dir), url)?,
    };
    git(
        &["checkout", "--quiet", "--detach", &target],
        Some(&dir),
        url,
    )?;
    let commit = git(&["rev-parse", "HEAD"], Some(&dir), url)?;
    let files = read_tree(&dir)?;
    let newer_tag = match reference {
        Some(r) if tag_version(r).is_some() => {
            newer_tag(r, git(&["tag", "--list"], Some(&dir), url)?.lines())
        }
        _ => None,
    };
    Ok(Fork {
        record: SourceRecord {
            kind: SourceKind::Git,
            location: url.to_owned(),
            reference: reference.map(str::to_owned),
            commit: Some(commit),
        },
        files,
        newer_tag,
    })
}

/// The version a release tag names: `v1.2.0` or `1.2.0`, not a pre-release.
fn tag_version(tag: &str) -> Option<semver::Version> {
    let version = semver::Version::parse(tag.strip_prefix('v').unwrap_or(tag)).ok()?;
    version.pre.is_empty().then_some(version)
}

/// The newest release tag later than `current`, among `tags`.
fn newer_tag<'a>(current: &str, tags: impl Iterator<Item = &'a str>) -> Option<String> {
    let current = tag_version(current)?;
    tags.filter_map(|t| Some((tag_version(t)?, t)))
        .filter(|(v, _)| *v > current)
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, t)| t.to_owned())
}

/// Every regular file below `root` (except `.git`), refusing symlinks.
pub(crate) fn read_tree(root: &Path) -> Result<BTreeMap<String, Vec<u8>>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|source| Error::Read {
            path: dir.clone(),
            source,
        })?;
        for entry in entries {
            let entry = entry.map_err(|source| Error::Read {
                path: dir.clone(),
                source,
            })?;
            let path = entry.path();
            let meta = std::fs::symlink_metadata(&path).map_err(|source| Error::Read {
                path: path.clone(),
                source,
            })?;
            let rel = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            if meta.file_type().is_symlink() {
                return Err(Error::ForkSymlink { path });
            }
            if meta.is_dir() {
                if rel != ".git" {
                    stack.push(path);
                }
            } else if meta.is_file() {
                let bytes = std::fs::read(&path).map_err(|source| Error::Read {
                    path: path.clone(),
                    source,
                })?;
                files.insert(rel, bytes);
            }
        }
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newer_tag_is_the_newest_later_release() {
        let tags = [
            "v1.0.0",
            "v1.2.0",
            "v1.10.0",
            "v2.0.0-rc.1",
            "latest",
            "v0.9.0",
        ];
        assert_eq!(
            newer_tag("v1.2.0", tags.into_iter()).as_deref(),
            Some("v1.10.0")
        );
        assert_eq!(newer_tag("v1.10.0", tags.into_iter()), None);
        assert_eq!(
            newer_tag("1.0.0", ["1.0.1", "v1.0.2"].into_iter()).as_deref(),
            Some("v1.0.2")
        );
        assert_eq!(newer_tag("main", tags.into_iter()), None);
    }

    #[test]
    fn a_symlink_in_a_fork_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("ci/templates")).unwrap();
        std::fs::write(dir.path().join("ci/blueprint.toml"), "").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink("/etc/passwd", dir.path().join("ci/templates/x.hbs")).unwrap();
        let err = read_tree(dir.path()).unwrap_err();
        assert!(err.to_string().starts_with("refusing symlink `"), "{err}");
    }

    #[test]
    fn a_missing_path_is_not_taken_for_a_git_url() {
        let dir = tempfile::tempdir().unwrap();
        let err = open("no-such-dir", None, dir.path()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "blueprint source `no-such-dir` is neither a directory nor a git URL (for a local git repository use file:///path/to/repo)"
        );
        assert!(looks_like_git_url("https://github.com/acme/blueprints.git"));
        assert!(looks_like_git_url("git@github.com:acme/blueprints.git"));
        assert!(looks_like_git_url("file:///srv/blueprints"));
        assert!(!looks_like_git_url("../blueprints"));
    }

    #[test]
    fn a_directory_fork_reads_every_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("ci/templates/a")).unwrap();
        std::fs::write(dir.path().join("ci/blueprint.toml"), "x").unwrap();
        std::fs::write(dir.path().join("ci/templates/a/b.hbs"), "y").unwrap();
        let fork = open(".", None, dir.path()).unwrap();
        assert_eq!(
            fork.files.keys().collect::<Vec<_>>(),
            ["ci/blueprint.toml", "ci/templates/a/b.hbs"]
        );
        assert_eq!(fork.record.kind, SourceKind::Dir);
    }
}
