//! Where a team's fork of the blueprints comes from: a directory laid out like `blueprints/`, or a
//! git repository (a URL over https, ssh, git or file, or a repository on disk) at a tag, branch
//! or commit. Git is the user's own `git` command, with their config and credentials, but it never
//! asks the terminal, may use no other transport, and is stopped (with its helpers) when it takes
//! longer than the timeout. A fork is untrusted input: it is read as data only; a symlink or
//! version-control metadata (`.git`, `.hg`, `.svn`) anywhere in it is refused rather than read.

use std::collections::BTreeMap;
use std::io::{Read as _, Seek as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::blueprint::render::is_vcs_metadata;
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
    /// A directory (relative to the repository when inside it, else absolute), or the git URL as
    /// given (a repository on disk: its absolute path).
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

/// How long git may take to fetch a source when nothing else is set.
pub(crate) const DEFAULT_GIT_TIMEOUT: Duration = Duration::from_mins(1);

/// The transports git may use (`GIT_ALLOW_PROTOCOL`).
const ALLOWED_PROTOCOLS: &str = "https:ssh:git:file";

/// ssh that fails instead of asking for a password, a passphrase or a new host key.
const BATCH_SSH: &str = "ssh -o BatchMode=yes";

/// How git runs for a source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GitOptions {
    /// How long fetching one source may take in all, every git command included.
    pub(crate) timeout: Duration,
    /// Whether to run ssh in batch mode (`GIT_SSH_COMMAND`): only when the user set no ssh
    /// command of their own.
    pub(crate) batch_ssh: bool,
}

impl Default for GitOptions {
    fn default() -> Self {
        GitOptions {
            timeout: DEFAULT_GIT_TIMEOUT,
            batch_ssh: true,
        }
    }
}

/// The transport git would use for a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Transport {
    Https,
    Ssh,
    Git,
    /// `file://`.
    File,
    /// A plain path: a directory, or a repository on disk.
    Local,
}

/// The transport of `spec` as git reads it, or the name of a transport that is not allowed
/// (`http`, `ext::`, `fd::` and any other remote helper).
pub(crate) fn transport(spec: &str) -> std::result::Result<Transport, String> {
    let scheme_len = spec
        .char_indices()
        .find(|&(i, c)| {
            !(c.is_ascii_alphabetic() || (i > 0 && (c.is_ascii_digit() || "+-.".contains(c))))
        })
        .map_or(spec.len(), |(i, _)| i);
    let (scheme, rest) = spec.split_at(scheme_len);
    if scheme_len > 0 && rest.starts_with("::") {
        return Err(scheme.to_owned());
    }
    if scheme_len > 0 && rest.starts_with("://") {
        return match scheme.to_ascii_lowercase().as_str() {
            "https" => Ok(Transport::Https),
            "ssh" | "git+ssh" | "ssh+git" => Ok(Transport::Ssh),
            "git" => Ok(Transport::Git),
            "file" => Ok(Transport::File),
            other => Err(other.to_owned()),
        };
    }
    // scp-like `[user@]host:path`: a colon before any slash.
    let scp = spec
        .split_once(':')
        .is_some_and(|(host, _)| !host.is_empty() && !host.contains('/'));
    Ok(if scp {
        Transport::Ssh
    } else {
        Transport::Local
    })
}

/// Whether `dir` is a bare git repository (what `git init --bare` makes).
fn is_bare_repository(dir: &Path) -> bool {
    dir.join("HEAD").is_file() && dir.join("objects").is_dir() && dir.join("refs").is_dir()
}

/// The real path, without the `\\?\` prefix Windows' own canonical form carries (`dunce`), so a
/// recorded location never has one.
fn canonical(path: &Path) -> Result<PathBuf> {
    dunce::canonicalize(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })
}

/// Where and how this run reads blueprint sources.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reader<'a> {
    /// Relative `--source` paths start here.
    pub(crate) cwd: &'a Path,
    /// The repository scaffold works in, if any: a directory source inside it is recorded
    /// relative to it, and a recorded directory source is read only from inside it.
    pub(crate) repo: Option<&'a Path>,
    pub(crate) git: &'a GitOptions,
}

impl Reader<'_> {
    /// Reads the fork named by `--source` at `--ref`: a directory (without `--ref`), else a git
    /// repository (a URL, or a repository on disk).
    pub(crate) fn open(&self, spec: &str, reference: Option<&str>) -> Result<Fork> {
        let as_path = self.cwd.join(spec);
        if as_path.is_dir() {
            let dir = canonical(&as_path)?;
            if reference.is_none() && !is_bare_repository(&dir) {
                return self.read_dir(&dir);
            }
            return self.clone(&dir.to_string_lossy(), reference);
        }
        match transport(spec) {
            Err(transport) => Err(Error::GitTransport {
                url: spec.to_owned(),
                transport,
            }),
            Ok(Transport::Local) if as_path.exists() => {
                self.clone(&canonical(&as_path)?.to_string_lossy(), reference)
            }
            Ok(Transport::Local) => Err(Error::SourceNotFound {
                spec: spec.to_owned(),
            }),
            Ok(_) => self.clone(spec, reference),
        }
    }

    /// Reads a recorded fork again: the directory as it is now (only inside the repository), or
    /// the git ref's newest commit (`reference` overrides the recorded ref).
    pub(crate) fn reopen(&self, record: &SourceRecord, reference: Option<&str>) -> Result<Fork> {
        match record.kind {
            SourceKind::Dir => Ok(Fork {
                files: read_tree(&self.recorded_dir(&record.location)?)?,
                record: record.clone(),
                newer_tag: None,
            }),
            SourceKind::Git => {
                self.clone(&record.location, reference.or(record.reference.as_deref()))
            }
        }
    }

    /// A directory fork, recorded relative to the repository when it lies inside it.
    fn read_dir(&self, dir: &Path) -> Result<Fork> {
        let root = self.repo.map(canonical).transpose()?;
        let inside = root
            .as_ref()
            .and_then(|root| dir.strip_prefix(root).ok())
            .map(slash_path);
        // Outside the repository, the way there from it (`../blueprints`): nothing of this machine
        // is recorded, and a repo moved with its fork still names it.
        let location = match (inside, &root) {
            (Some(rel), _) if rel.is_empty() => ".".to_owned(),
            (Some(rel), _) => rel,
            (None, Some(root)) => slash_path(&relative_path(root, dir)),
            (None, None) => dir.to_string_lossy().into_owned(),
        };
        Ok(Fork {
            files: read_tree(dir)?,
            record: SourceRecord {
                kind: SourceKind::Dir,
                location,
                reference: None,
                commit: None,
            },
            newer_tag: None,
        })
    }

    /// The directory a recorded dir source names, if it lies inside the repository (and outside
    /// its version-control metadata). `state.toml` is shared and may be edited by anyone: it
    /// must not make scaffold read any directory on the machine.
    fn recorded_dir(&self, location: &str) -> Result<PathBuf> {
        let refuse = |reason| Error::RecordedSourceOutside {
            location: location.to_owned(),
            reason,
        };
        let Some(repo) = self.repo else {
            return Err(refuse("is outside the repository"));
        };
        let root = canonical(repo)?;
        // By its text first, so nothing outside is even looked at; then as the file system
        // resolves it (symlinks).
        let Some(given) = [root.as_path(), repo]
            .iter()
            .find_map(|base| lexically_inside(base, location))
        else {
            return Err(refuse("is outside the repository"));
        };
        let dir = match dunce::canonicalize(&given) {
            Ok(dir) => dir,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::RecordedSourceMissing {
                    location: location.to_owned(),
                });
            }
            Err(source) => {
                return Err(Error::Read {
                    path: given,
                    source,
                });
            }
        };
        let Ok(rel) = dir.strip_prefix(&root) else {
            return Err(refuse("is outside the repository"));
        };
        if rel
            .components()
            .any(|c| is_vcs_metadata(&c.as_os_str().to_string_lossy()))
        {
            return Err(refuse("is inside version-control metadata"));
        }
        Ok(dir)
    }

    /// Clones `url` into a temporary directory and reads it at `reference` (default: `HEAD`).
    fn clone(&self, url: &str, reference: Option<&str>) -> Result<Fork> {
        let tmp = tempfile::tempdir().map_err(|source| Error::Write {
            path: std::env::temp_dir(),
            source,
        })?;
        let git = Git::new(url, self.git, tmp.path())?;
        let dir = tmp.path().join("fork");
        let dir_str = dir.to_string_lossy().into_owned();
        // `--` keeps a URL that starts with `-` from being read as an option.
        git.run(
            &["clone", "--quiet", "--no-checkout", "--", url, &dir_str],
            None,
        )?;
        let target = match reference {
            Some(r) => git.resolve(r, &dir)?,
            None => git.run(&["rev-parse", "HEAD"], Some(&dir))?,
        };
        git.run(&["checkout", "--quiet", "--detach", &target], Some(&dir))?;
        let commit = git.run(&["rev-parse", "HEAD"], Some(&dir))?;
        let files = read_tree(&dir)?;
        let newer_tag = match reference {
            Some(r) if tag_version(r).is_some() => {
                newer_tag(r, git.run(&["tag", "--list"], Some(&dir))?.lines())
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
}

/// `base` joined with `location` (relative, or absolute below `base`), if by its components alone
/// it stays inside `base`.
fn lexically_inside(base: &Path, location: &str) -> Option<PathBuf> {
    let location = Path::new(location);
    let rel = if location.is_absolute() {
        location.strip_prefix(base).ok()?
    } else {
        location
    };
    let mut inside = PathBuf::new();
    for component in rel.components() {
        match component {
            std::path::Component::Normal(name) => inside.push(name),
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                if !inside.pop() {
                    return None;
                }
            }
            std::path::Component::RootDir | std::path::Component::Prefix(_) => return None,
        }
    }
    Some(base.join(inside))
}

/// The way from the directory `from` to `to` (both absolute and canonical): up to their common
/// ancestor, then down.
fn relative_path(from: &Path, to: &Path) -> PathBuf {
    let from: Vec<_> = from.components().collect();
    let to: Vec<_> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..from.len() {
        out.push("..");
    }
    for component in &to[common..] {
        out.push(component.as_os_str());
    }
    out
}

fn slash_path(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// The git commands of one source fetch, all before one deadline.
struct Git<'a> {
    url: &'a str,
    timeout: Duration,
    deadline: Instant,
    /// `GIT_SSH_COMMAND`, when scaffold sets it.
    ssh_command: Option<&'static str>,
}

impl<'a> Git<'a> {
    /// Checks the transport of `url`; `outside` is an empty directory outside any repository,
    /// where the user's own git config is read as `git clone` reads it.
    fn new(url: &'a str, options: &GitOptions, outside: &Path) -> Result<Git<'a>> {
        let is_ssh = transport(url).map_err(|transport| Error::GitTransport {
            url: url.to_owned(),
            transport,
        })? == Transport::Ssh;
        let mut git = Git {
            url,
            timeout: options.timeout,
            deadline: Instant::now() + options.timeout,
            ssh_command: None,
        };
        // The user's `core.sshCommand` is theirs to keep, as `GIT_SSH_COMMAND` is (see config).
        if is_ssh && options.batch_ssh {
            let configured = git.try_run(&["config", "--get", "core.sshCommand"], Some(outside))?;
            if configured.is_none_or(|c| c.is_empty()) {
                git.ssh_command = Some(BATCH_SSH);
            }
        }
        Ok(git)
    }

    /// The commit a tag, branch or commit names in the clone at `dir`.
    fn resolve(&self, reference: &str, dir: &Path) -> Result<String> {
        let not_found = || Error::GitRef {
            url: self.url.to_owned(),
            reference: reference.to_owned(),
        };
        // A name starting with `-` would be read as an option.
        if reference.starts_with('-') {
            return Err(not_found());
        }
        let candidates = [
            format!("refs/tags/{reference}"),
            format!("origin/{reference}"),
            reference.to_owned(),
        ];
        for candidate in candidates {
            let spec = format!("{candidate}^{{commit}}");
            if let Some(commit) =
                self.try_run(&["rev-parse", "--verify", "--quiet", &spec], Some(dir))?
            {
                return Ok(commit);
            }
        }
        Err(not_found())
    }

    /// Runs git and returns its output; its error message if it fails.
    fn run(&self, args: &[&str], dir: Option<&Path>) -> Result<String> {
        let (ok, stdout, stderr) = self.output(args, dir)?;
        if !ok {
            return Err(Error::Git {
                url: self.url.to_owned(),
                command: format!("git {}", args.first().copied().unwrap_or_default()),
                message: stderr,
            });
        }
        Ok(stdout)
    }

    /// Runs git and returns its output, or `None` if it fails.
    fn try_run(&self, args: &[&str], dir: Option<&Path>) -> Result<Option<String>> {
        let (ok, stdout, _) = self.output(args, dir)?;
        Ok(ok.then_some(stdout))
    }

    /// Runs git with no terminal and only the allowed transports, stopping it at the deadline:
    /// whether it succeeded, and its trimmed stdout and stderr.
    fn output(&self, args: &[&str], dir: Option<&Path>) -> Result<(bool, String, String)> {
        let fail = |e: std::io::Error| Error::Git {
            url: self.url.to_owned(),
            command: format!("git {}", args.first().copied().unwrap_or_default()),
            message: format!("cannot run git: {e}"),
        };
        // Output goes to files, not pipes: a helper that outlives git cannot keep us waiting.
        let mut stdout = tempfile::tempfile().map_err(fail)?;
        let mut stderr = tempfile::tempfile().map_err(fail)?;
        let mut cmd = Command::new("git");
        // A fork's `.gitmodules` must not send git to other URLs.
        cmd.args(["-c", "submodule.recurse=false"]);
        if let Some(dir) = dir {
            cmd.arg("-C").arg(dir);
        }
        cmd.args(args)
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_ALLOW_PROTOCOL", ALLOWED_PROTOCOLS)
            .stdin(Stdio::null())
            .stdout(stdout.try_clone().map_err(fail)?)
            .stderr(stderr.try_clone().map_err(fail)?);
        if let Some(ssh) = self.ssh_command {
            cmd.env("GIT_SSH_COMMAND", ssh);
        }
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let mut child = cmd.spawn().map_err(fail)?;
        let Some(status) = wait(&mut child, self.deadline).map_err(fail)? else {
            return Err(Error::GitTimeout {
                url: self.url.to_owned(),
                seconds: self.timeout.as_secs(),
            });
        };
        let read = |file: &mut std::fs::File| -> std::io::Result<String> {
            let mut bytes = Vec::new();
            file.rewind()?;
            file.read_to_end(&mut bytes)?;
            Ok(String::from_utf8_lossy(&bytes).trim().to_owned())
        };
        let out = read(&mut stdout).map_err(fail)?;
        let err = read(&mut stderr).map_err(fail)?;
        Ok((status.success(), out, err))
    }
}

/// Waits for `child` until `deadline`; past it, stops the child and everything it started (its
/// process group) and returns `None`.
fn wait(child: &mut Child, deadline: Instant) -> std::io::Result<Option<std::process::ExitStatus>> {
    let mut pause = Duration::from_millis(1);
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        let now = Instant::now();
        if now >= deadline {
            #[cfg(unix)]
            let _ = rustix::process::kill_process_group(
                rustix::process::Pid::from_child(child),
                rustix::process::Signal::KILL,
            );
            let _ = child.kill();
            child.wait()?;
            return Ok(None);
        }
        std::thread::sleep(pause.min(deadline - now));
        pause = (pause * 2).min(Duration::from_millis(50));
    }
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

/// Every regular file below `root`, in path order, refusing symlinks and version-control metadata
/// below the top (the fork's own `.git`, `.hg` or `.svn` at the top is skipped).
pub(crate) fn read_tree(root: &Path) -> Result<BTreeMap<String, Vec<u8>>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let read_error = |source| Error::Read {
            path: dir.clone(),
            source,
        };
        let mut entries = std::fs::read_dir(&dir)
            .map_err(read_error)?
            .collect::<std::io::Result<Vec<_>>>()
            .map_err(read_error)?;
        // Sorted, so the first problem reported is the same on every file system.
        entries.sort_by_key(std::fs::DirEntry::file_name);
        for entry in entries.iter().rev() {
            let path = entry.path();
            if is_vcs_metadata(&entry.file_name().to_string_lossy()) {
                if dir == root {
                    continue;
                }
                return Err(Error::ForkMetadata { path });
            }
            let meta = std::fs::symlink_metadata(&path).map_err(|source| Error::Read {
                path: path.clone(),
                source,
            })?;
            if meta.file_type().is_symlink() {
                return Err(Error::ForkSymlink { path });
            }
            if meta.is_dir() {
                stack.push(path);
            } else if meta.is_file() {
                let bytes = std::fs::read(&path).map_err(|source| Error::Read {
                    path: path.clone(),
                    source,
                })?;
                files.insert(slash_path(path.strip_prefix(root).unwrap_or(&path)), bytes);
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

    fn reader<'a>(cwd: &'a Path, repo: Option<&'a Path>, git: &'a GitOptions) -> Reader<'a> {
        Reader { cwd, repo, git }
    }

    #[test]
    fn a_missing_path_is_not_taken_for_a_git_url() {
        let dir = tempfile::tempdir().unwrap();
        let git = GitOptions::default();
        let err = reader(dir.path(), None, &git)
            .open("no-such-dir", None)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "blueprint source `no-such-dir` is neither a directory nor a git URL (for a local git repository use file:///path/to/repo)"
        );
    }

    #[test]
    fn only_https_ssh_git_and_file_transports_are_taken() {
        for (spec, expected) in [
            ("https://github.com/acme/blueprints.git", Transport::Https),
            ("HTTPS://github.com/acme/blueprints.git", Transport::Https),
            ("ssh://git@github.com/acme/b.git", Transport::Ssh),
            ("git+ssh://git@github.com/acme/b.git", Transport::Ssh),
            ("git@github.com:acme/blueprints.git", Transport::Ssh),
            ("git://127.0.0.1:9418/b", Transport::Git),
            ("file:///srv/blueprints", Transport::File),
            ("../blueprints", Transport::Local),
            ("/srv/blue::prints", Transport::Local),
        ] {
            assert_eq!(transport(spec), Ok(expected), "{spec}");
        }
        for (spec, refused) in [
            ("fd::0", "fd"),
            ("fd::0,1/x", "fd"),
            ("ext::sh -c touch% /tmp/pwned", "ext"),
            ("http://example.com/b.git", "http"),
            ("ftp://example.com/b.git", "ftp"),
            ("https::https://example.com/b", "https"),
        ] {
            assert_eq!(transport(spec), Err(refused.to_owned()), "{spec}");
        }
        let dir = tempfile::tempdir().unwrap();
        let git = GitOptions::default();
        let err = reader(dir.path(), None, &git)
            .open("fd::0", None)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "git source `fd::0`: transport `fd` is not allowed (allowed: https, ssh, git, file)"
        );
    }

    #[test]
    fn version_control_metadata_in_a_fork_is_refused() {
        for planted in [
            "ci/templates/vendor/lib/.git/hooks/post-checkout",
            "ci/templates/.GIT/config",
            "ci/.Git/hooks/pre-commit",
            "ci/templates/x/.hg/hgrc",
            "ci/templates/.svn/entries",
        ] {
            let dir = tempfile::tempdir().unwrap();
            std::fs::create_dir_all(dir.path().join("ci/templates")).unwrap();
            std::fs::write(dir.path().join("ci/blueprint.toml"), "x").unwrap();
            let path = dir.path().join(planted);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, "#!/bin/sh\n").unwrap();
            let err = read_tree(dir.path()).unwrap_err();
            let meta = planted.split('/').find(|c| is_vcs_metadata(c)).unwrap();
            let shown = &planted[..planted.find(meta).unwrap() + meta.len()];
            assert_eq!(
                err.to_string(),
                format!(
                    "refusing `{}` in a blueprint source: a fork may not hold version-control metadata (`.git`, `.hg`, `.svn`)",
                    dir.path().join(shown).display()
                ),
                "{planted}"
            );
            assert_eq!(err.exit_status(), crate::exit::ExitStatus::Failure);
        }
        // The fork's own repository, at its top, is not part of it.
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".git/hooks")).unwrap();
        std::fs::write(dir.path().join(".git/hooks/post-checkout"), "x").unwrap();
        std::fs::write(dir.path().join("shared.toml"), "").unwrap();
        assert_eq!(
            read_tree(dir.path()).unwrap().keys().collect::<Vec<_>>(),
            ["shared.toml"]
        );
    }

    #[test]
    fn a_directory_fork_reads_every_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("ci/templates/a")).unwrap();
        std::fs::write(dir.path().join("ci/blueprint.toml"), "x").unwrap();
        std::fs::write(dir.path().join("ci/templates/a/b.hbs"), "y").unwrap();
        let git = GitOptions::default();
        let fork = reader(dir.path(), None, &git).open(".", None).unwrap();
        assert_eq!(
            fork.files.keys().collect::<Vec<_>>(),
            ["ci/blueprint.toml", "ci/templates/a/b.hbs"]
        );
        assert_eq!(fork.record.kind, SourceKind::Dir);
    }

    #[test]
    fn a_recorded_directory_is_read_only_inside_the_repository() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = tmp.path().join("repo");
        let outside = tmp.path().join("outside");
        for dir in [
            repo.join("blueprints/ci"),
            outside.join("ci"),
            repo.join(".git/x"),
        ] {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("blueprint.toml"), "x").unwrap();
        }
        let git = GitOptions::default();
        let sources = reader(&repo, Some(&repo), &git);
        // Given inside the repository: recorded relative to it, and read again from there.
        let fork = sources.open("blueprints", None).unwrap();
        assert_eq!(fork.record.location, "blueprints");
        assert_eq!(
            sources.reopen(&fork.record, None).unwrap().files,
            fork.files
        );
        // Given outside: read, recorded as the way there from the repository (nothing of this
        // machine), but not read again from the record.
        let fork = sources.open(outside.to_str().unwrap(), None).unwrap();
        assert_eq!(fork.files.keys().collect::<Vec<_>>(), ["ci/blueprint.toml"]);
        assert_eq!(fork.record.location, "../outside");
        let refused = |location: &str| {
            let record = SourceRecord {
                kind: SourceKind::Dir,
                location: location.to_owned(),
                reference: None,
                commit: None,
            };
            sources.reopen(&record, None).unwrap_err().to_string()
        };
        let location = fork.record.location.clone();
        assert_eq!(
            refused(&location),
            format!(
                "blueprint source `{location}` recorded in `.scaffold/state.toml` is outside the repository; scaffold reads a recorded directory only inside the repository: give it again with `--source {location}`"
            )
        );
        for location in ["/", "/etc", "../outside", "blueprints/../../outside"] {
            assert!(
                refused(location).contains("is outside the repository"),
                "{location}"
            );
        }
        assert!(refused(".git").contains("is inside version-control metadata"));
        assert_eq!(
            refused("blueprints/gone"),
            "blueprint source `blueprints/gone` recorded in `.scaffold/state.toml` is not there any more (moved or deleted?); give its new place with `--source DIR`"
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_process_past_its_deadline_is_stopped_with_everything_it_started() {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("pid");
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg("sleep 600 & echo $! > \"$1.tmp\" && mv \"$1.tmp\" \"$1\"; wait")
            .arg("sh")
            .arg(&pid_file);
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let mut child = cmd.spawn().unwrap();
        // Until the grandchild is there (no clock involved), then a deadline already past.
        let grandchild = loop {
            if let Ok(pid) = std::fs::read_to_string(&pid_file) {
                break pid.trim().to_owned();
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        assert_eq!(wait(&mut child, Instant::now()).unwrap(), None);
        // Killed; gone once its new parent reaps it.
        let stat = format!("/proc/{grandchild}/stat");
        let alive = || {
            std::fs::read_to_string(&stat).is_ok_and(|s| {
                s.rsplit(')')
                    .next()
                    .is_some_and(|rest| !rest.trim_start().starts_with('Z'))
            })
        };
        let mut tries = 0;
        while alive() && tries < 1000 {
            std::thread::sleep(Duration::from_millis(10));
            tries += 1;
        }
        assert!(!alive(), "the grandchild {grandchild} still runs");
    }
}
