//! The test harness: a temporary repo and the real `scaffold` binary run in it, so tests read like
//! the user's session.

#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A temporary repository named `demo` (so the project name defaults to `demo`).
pub(crate) struct Repo {
    _tmp: tempfile::TempDir,
    root: PathBuf,
}

/// What one run of `scaffold` did.
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Run {
    #[track_caller]
    pub(crate) fn success(&self) -> &Self {
        assert_eq!(self.code, 0, "expected success\n{self}");
        self
    }

    #[track_caller]
    pub(crate) fn code(&self, code: i32) -> &Self {
        assert_eq!(self.code, code, "expected exit {code}\n{self}");
        self
    }

    #[track_caller]
    pub(crate) fn stdout_has(&self, text: &str) -> &Self {
        assert!(self.stdout.contains(text), "stdout lacks `{text}`\n{self}");
        self
    }

    #[track_caller]
    pub(crate) fn stderr_has(&self, text: &str) -> &Self {
        assert!(self.stderr.contains(text), "stderr lacks `{text}`\n{self}");
        self
    }

    /// Says `text` on stdout or stderr.
    #[track_caller]
    pub(crate) fn says(&self, text: &str) -> &Self {
        assert!(
            self.stdout.contains(text) || self.stderr.contains(text),
            "output lacks `{text}`\n{self}"
        );
        self
    }

    /// Says `text` neither on stdout nor on stderr.
    #[track_caller]
    pub(crate) fn never_says(&self, text: &str) -> &Self {
        assert!(
            !self.stdout.contains(text) && !self.stderr.contains(text),
            "output has `{text}`\n{self}"
        );
        self
    }

    #[track_caller]
    pub(crate) fn stderr_is(&self, text: &str) -> &Self {
        assert_eq!(self.stderr, text, "\n{self}");
        self
    }
}

impl From<std::process::Output> for Run {
    fn from(out: std::process::Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit code: {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// The flags that answer every common question.
pub(crate) const SEED_NODE: [&str; 14] = [
    "--set",
    "stage=seed",
    "--set",
    "ci=github",
    "--set",
    "language=node",
    "--set",
    "cloud=aws",
    "--set",
    "database=postgres",
    "--set",
    "code_owner=@acme/platform",
    "--set",
    "repository=acme/demo",
];

/// A seed-stage Go service on GitHub, with no cloud and no database: the smallest full answer set.
pub(crate) const SEED_GO: [&str; 10] = [
    "--set",
    "stage=seed",
    "--set",
    "ci=github",
    "--set",
    "language=go",
    "--set",
    "cloud=none",
    "--set",
    "database=none",
];

pub(crate) fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_scaffold"))
}

/// The date every test run writes (2026-01-15), so no output depends on the day the tests run.
pub(crate) const SOURCE_DATE_EPOCH: &str = "1768435200";

/// `scaffold` as the tests run it: a fixed date and none of the caller's colour settings.
pub(crate) fn command() -> Command {
    let mut cmd = Command::new(bin());
    with_test_env(&mut cmd);
    cmd
}

/// The environment every test run of scaffold gets, whatever runs it (scaffold itself, or
/// `faketime scaffold`): a fixed date, no host git configuration (a global `init.defaultBranch`
/// would change the detected branch), and none of the caller's colour settings.
pub(crate) fn with_test_env(cmd: &mut Command) -> &mut Command {
    cmd.env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("CLICOLOR")
        .env_remove("COLUMNS")
}

/// Every foundation of the embedded catalog, for `--only`.
pub(crate) const ALL_FOUNDATIONS: &str = "ci,secrets-rbac,backup-restore,staging-parity";

/// `init --yes --only ALL_FOUNDATIONS` for a seed Node repo, then `extra`.
pub(crate) fn init_all_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["init", "--yes", "--only", ALL_FOUNDATIONS];
    args.extend_from_slice(&SEED_NODE);
    args.extend_from_slice(extra);
    args
}

/// Waits for `child` for up to a minute: one that hangs is killed and fails the test instead of
/// stalling it.
pub(crate) fn wait_or_fail(mut child: std::process::Child, what: &str) -> std::process::Output {
    let deadline = std::time::Instant::now() + std::time::Duration::from_mins(1);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("{what} hung");
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.wait_with_output().unwrap()
}

/// `git init` on `main`, as a team's repo is, without the host's git configuration.
pub(crate) fn git_init(dir: &Path) {
    let out = std::process::Command::new("git")
        .args(["init", "-q", "-b", "main"])
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("run git init");
    assert!(out.status.success(), "git init failed: {out:?}");
}

impl Repo {
    /// A fresh git repository (no commits) in a temporary folder.
    pub(crate) fn new() -> Repo {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path().join("demo");
        std::fs::create_dir(&root).expect("repo dir");
        git_init(&root);
        Repo { _tmp: tmp, root }
    }

    /// A plain folder, not a git repository (scaffold needs `-C` to lay foundations there).
    pub(crate) fn plain() -> Repo {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path().join("demo");
        std::fs::create_dir(&root).expect("repo dir");
        Repo { _tmp: tmp, root }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.root
    }

    pub(crate) fn write(&self, path: &str, content: &str) -> &Self {
        let p = self.root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
        self
    }

    pub(crate) fn write_bytes(&self, path: &str, content: &[u8]) -> &Self {
        let p = self.root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
        self
    }

    pub(crate) fn read_bytes(&self, path: &str) -> Vec<u8> {
        std::fs::read(self.root.join(path)).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
    }

    pub(crate) fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.root.join(path))
            .unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
    }

    pub(crate) fn exists(&self, path: &str) -> bool {
        self.root.join(path).exists()
    }

    /// Runs `scaffold ARGS` in the repo with no terminal and a clean environment.
    pub(crate) fn scaffold(&self, args: &[&str]) -> Run {
        scaffold_at(&self.root, args)
    }

    /// Runs `scaffold ARGS` in the folder `sub` of the repo, as a user inside it would.
    pub(crate) fn scaffold_in(&self, sub: &str, args: &[&str]) -> Run {
        let dir = self.root.join(sub);
        std::fs::create_dir_all(&dir).unwrap();
        scaffold_at(&dir, args)
    }

    /// Every file below the root except `.git`, sorted: `path` lines, or `path` plus the content.
    pub(crate) fn files(&self) -> Vec<String> {
        let mut out = Vec::new();
        walk(&self.root, &self.root, &mut out);
        out.sort();
        out
    }

    /// The tree as one string: each path followed by its content, for snapshots.
    pub(crate) fn tree(&self, skip: &[&str]) -> String {
        let mut s = String::new();
        for path in self.files() {
            if skip.iter().any(|p| path.starts_with(p)) {
                continue;
            }
            let _ = writeln!(s, "=== {path}\n{}", self.read(&path));
        }
        s
    }

    /// A fingerprint of every file (path, content, permissions, modification time).
    pub(crate) fn fingerprint(&self) -> Vec<(String, Vec<u8>, u32, std::time::SystemTime)> {
        use std::os::unix::fs::PermissionsExt;
        self.files()
            .into_iter()
            .map(|p| {
                let meta = std::fs::metadata(self.root.join(&p)).unwrap();
                let bytes = std::fs::read(self.root.join(&p)).unwrap();
                (
                    p,
                    bytes,
                    meta.permissions().mode(),
                    meta.modified().unwrap(),
                )
            })
            .collect()
    }
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let path = entry.path();
        let rel = path
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if rel == ".git" {
            continue;
        }
        if entry.file_type().unwrap().is_dir() {
            walk(root, &path, out);
        } else {
            out.push(rel);
        }
    }
}

/// Runs `scaffold ARGS` in `dir` (a repo moved elsewhere) with no terminal and a clean environment.
pub(crate) fn scaffold_at(dir: &Path, args: &[&str]) -> Run {
    let out = command()
        .args(args)
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run scaffold");
    Run::from(out)
}

/// Runs the user's `git` in `dir` as a fixed identity; fails the test if git fails.
pub(crate) fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A repo with `only` laid at series-a for a Node project on this CI host, cloud and database, the
/// team's owner and repository answered (the deploy identities and buckets need them).
pub(crate) fn lay_series_a(only: &str, ci: &str, cloud: &str, database: &str) -> Repo {
    let repo = Repo::new();
    let (ci, cloud, database) = (
        format!("ci={ci}"),
        format!("cloud={cloud}"),
        format!("database={database}"),
    );
    repo.scaffold(&[
        "init",
        "--yes",
        "--only",
        only,
        "--set",
        "stage=series-a",
        "--set",
        &ci,
        "--set",
        "language=node",
        "--set",
        &cloud,
        "--set",
        &database,
        "--set",
        "code_owner=@acme/platform",
        "--set",
        "repository=acme/demo",
    ])
    .success();
    repo
}
