//! Hostile repos: symlinks out of the repo, special files, bytes that are not UTF-8, concurrent
//! runs and forced overwrites. Each test is a finding that once held on main: scaffold wrote,
//! read or removed outside the repo, hung, or changed the team's bytes.

use std::os::unix::fs::{PermissionsExt as _, symlink};
use std::path::{Path, PathBuf};
use std::process::Stdio;

use crate::support::{Repo, Run, SEED_GO, command, init_all_args, wait_or_fail};
use crate::upgrade::{Fork, init_from};

/// A folder beside the repo, outside it.
fn outside(repo: &Repo, name: &str) -> PathBuf {
    let dir = repo.path().parent().unwrap().join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// `init` of every foundation for a seed Node repo, with extra arguments.
fn init_all(repo: &Repo, extra: &[&str]) -> Run {
    repo.scaffold(&init_all_args(extra))
}

/// Runs scaffold with a deadline: a run that hangs fails the test instead of stalling it.
fn scaffold_within(repo: &Repo, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = command();
    cmd.args(args)
        .current_dir(repo.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    Run::from(wait_or_fail(
        cmd.spawn().unwrap(),
        &format!("scaffold {args:?}"),
    ))
}

#[test]
fn a_symlinked_folder_out_of_the_repo_is_refused_and_nothing_is_written() {
    for folder in [".github", "docs/adr", "docs", ".scaffold", "ops"] {
        let repo = Repo::new();
        let target = outside(&repo, &format!("elsewhere-{}", folder.replace('/', "-")));
        if let Some((parent, _)) = folder.rsplit_once('/') {
            std::fs::create_dir_all(repo.path().join(parent)).unwrap();
        }
        symlink(&target, repo.path().join(folder)).unwrap();
        init_all(&repo, &[]).code(2).stderr_has(&format!(
            "/{folder}` is a symlink to a folder outside the repo"
        ));
        assert!(entries(&target).is_empty(), "{folder}: wrote outside");
        assert!(!repo.exists(".scaffold/state.toml"), "{folder}");
    }
}

#[test]
fn assess_write_refuses_a_docs_folder_that_leaves_the_repo() {
    let repo = Repo::new();
    let target = outside(&repo, "elsewhere");
    symlink(&target, repo.path().join("docs")).unwrap();
    repo.scaffold(&["assess", "--write"])
        .code(2)
        .stderr_has("/docs` is a symlink to a folder outside the repo");
    assert!(entries(&target).is_empty());
}

#[test]
fn state_folders_that_leave_the_repo_are_refused() {
    for folder in [".scaffold/base", ".scaffold/backup"] {
        let repo = Repo::new();
        init_all(&repo, &[]).success();
        repo.write(".github/workflows/ci.yml", "# mine\n");
        let target = outside(&repo, "elsewhere");
        std::fs::remove_dir_all(repo.path().join(folder)).ok();
        symlink(&target, repo.path().join(folder)).unwrap();
        init_all(&repo, &["--force"]).code(2).stderr_has(&format!(
            "/{folder}` is a symlink to a folder outside the repo"
        ));
        assert!(entries(&target).is_empty(), "{folder}: wrote outside");
    }
}

#[test]
fn upgrade_never_removes_a_file_outside_the_repo() {
    let repo = Repo::new();
    let fork = Fork::v1_in(&repo);
    init_from(&repo, &fork);
    let target = outside(&repo, "victims");
    std::fs::write(target.join("old.md"), "old\n").unwrap();
    // `docs/old.md` is dropped by v2; make `docs` lead outside, where a file of that name waits.
    std::fs::remove_dir_all(repo.path().join("docs")).unwrap();
    symlink(&target, repo.path().join("docs")).unwrap();
    fork.to_v2();
    repo.scaffold(&["upgrade", "--set", "channel=#team"])
        .code(2)
        .stderr_has("/docs` is a symlink to a folder outside the repo");
    assert_eq!(
        std::fs::read_to_string(target.join("old.md")).unwrap(),
        "old\n"
    );
}

#[test]
fn a_symlinked_file_is_never_read_through_nor_replaced() {
    let repo = Repo::new();
    let secrets = outside(&repo, "home").join("credentials");
    std::fs::write(&secrets, "aws_secret=hunter2-outside\n").unwrap();
    symlink(&secrets, repo.path().join(".gitignore")).unwrap();
    init_all(&repo, &["--dry-run"])
        .success()
        .stdout_has("blocked")
        .never_says("hunter2");
    init_all(&repo, &["--force"])
        .code(1)
        .stderr_has(".gitignore is a symlink")
        .never_says("hunter2");
    assert!(repo.path().join(".gitignore").is_symlink());
    assert_eq!(
        std::fs::read_to_string(&secrets).unwrap(),
        "aws_secret=hunter2-outside\n"
    );
    assert!(!repo.exists(".scaffold/state.toml"), "nothing is written");
}

#[test]
fn a_symlinked_state_file_is_refused_without_showing_its_target() {
    let repo = Repo::new();
    let creds = outside(&repo, "home").join("git-credentials");
    std::fs::write(&creds, "https://user:tok3n-outside@example.com\n").unwrap();
    std::fs::create_dir(repo.path().join(".scaffold")).unwrap();
    symlink(&creds, repo.path().join(".scaffold/state.toml")).unwrap();
    for args in [vec!["status"], vec!["upgrade"], vec!["assess"]] {
        repo.scaffold(&args)
            .code(2)
            .stderr_has("state.toml` is a symlink")
            .never_says("tok3n");
    }
}

#[test]
fn special_files_are_refused_at_once() {
    let repo = Repo::new();
    init_all(&repo, &[]).success();
    let fifo = |path: &str| {
        std::fs::remove_file(repo.path().join(path)).ok();
        let made = std::process::Command::new("mkfifo")
            .arg(repo.path().join(path))
            .status()
            .unwrap();
        assert!(made.success());
    };
    fifo(".gitignore");
    scaffold_within(&repo, &["upgrade"], &[])
        .code(1)
        .stderr_has(".gitignore is not a regular file");
    fifo(".scaffold/state.toml");
    for args in [vec!["status"], vec!["upgrade"], vec!["assess"]] {
        scaffold_within(&repo, &args, &[])
            .code(2)
            .stderr_has("state.toml` is not a regular file");
    }
    let fresh = Repo::new();
    scaffold_within(&fresh, &["init", "--answers", "/dev/zero"], &[])
        .code(2)
        .stderr_has("`/dev/zero` is not a regular file");
}

#[test]
fn latin_1_in_a_gitignore_is_kept_byte_for_byte() {
    let repo = Repo::new();
    let latin1 = b"# caf\xe9 build output\ntarget/\n";
    repo.write_bytes(".gitignore", latin1);
    init_all(&repo, &[])
        .code(1)
        .stderr_has(".gitignore is not UTF-8 text");
    assert_eq!(repo.read_bytes(".gitignore"), latin1);
    // Without the foundation that edits it, the rest is laid.
    repo.scaffold(&["init", "--yes", "--only", "ci", "--set", "language=go"])
        .success();
    assert_eq!(repo.read_bytes(".gitignore"), latin1);
}

/// Bytes the team put in a file scaffold manages, which a text merge would re-encode.
const NOT_TEXT: [(&str, &[u8]); 3] = [
    ("latin-1", b"caf\xe9\n"),
    ("utf-16", b"\xff\xfel\x00i\x00n\x00e\x00\n\x00"),
    ("binary", b"\x00\x01\x02\xfe\xff\n"),
];

#[test]
fn an_upgrade_never_re_encodes_bytes_that_are_not_utf8() {
    for (kind, bytes) in NOT_TEXT {
        let repo = Repo::new();
        let fork = Fork::v1_in(&repo);
        init_from(&repo, &fork);
        let mut edited = repo.read_bytes("docs/notes.md");
        edited.extend_from_slice(bytes);
        repo.write_bytes("docs/notes.md", &edited);
        fork.to_v2();
        repo.scaffold(&["upgrade", "--set", "channel=#team"])
            .code(1)
            .stderr_has("docs/notes.md");
        assert_eq!(repo.read_bytes("docs/notes.md"), edited, "{kind}");
        // The team may take the blueprint's version; theirs is saved first, byte for byte.
        let run = repo.scaffold(&["upgrade", "--force", "--set", "channel=#team"]);
        run.success();
        assert!(repo.read("docs/notes.md").contains("now better"), "{kind}");
        let backup = run
            .stdout
            .lines()
            .find_map(|l| l.strip_prefix("saved your previous version as "))
            .unwrap_or_else(|| panic!("{kind}: no backup\n{run}"));
        assert_eq!(repo.read_bytes(backup), edited, "{kind}");
    }
}

#[test]
fn forced_backups_never_share_a_folder_and_keep_permissions() {
    let repo = Repo::new();
    init_all(&repo, &[]).success();
    let ci = repo.path().join(".github/workflows/ci.yml");
    let mut backups = Vec::new();
    for round in ["first", "second", "third"] {
        repo.write(".github/workflows/ci.yml", &format!("# {round} edit\n"));
        std::fs::set_permissions(&ci, std::fs::Permissions::from_mode(0o600)).unwrap();
        let run = init_all(&repo, &["--force"]);
        run.success();
        let backup = run
            .stdout
            .lines()
            .find_map(|l| l.strip_prefix("saved your previous version as "))
            .unwrap()
            .to_owned();
        assert_eq!(repo.read(&backup), format!("# {round} edit\n"));
        let mode = std::fs::metadata(repo.path().join(&backup))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{backup}");
        backups.push(backup);
    }
    backups.dedup();
    assert_eq!(backups.len(), 3, "{backups:?}");
}

#[test]
fn a_second_writing_run_waits_for_the_lock_then_names_its_holder() {
    let repo = Repo::new();
    std::fs::create_dir(repo.path().join(".scaffold")).unwrap();
    let lock_path = repo.path().join(".scaffold/lock");
    let held = std::fs::File::create(&lock_path).unwrap();
    held.lock().unwrap();
    std::fs::write(
        &lock_path,
        "pid 4242, `scaffold upgrade`, started 2026-01-15 10:00:00 UTC\n",
    )
    .unwrap();
    let mut args = vec!["init", "--yes", "--only", "ci"];
    args.extend_from_slice(&SEED_GO);
    scaffold_within(&repo, &args, &[("SCAFFOLD_LOCK_WAIT", "0.3")])
        .code(3)
        .stderr_has("another scaffold run holds")
        .stderr_has("pid 4242, `scaffold upgrade`");
    assert!(!repo.exists(".scaffold/state.toml"));
    // A dry run writes nothing, so it does not wait.
    args.push("--dry-run");
    scaffold_within(&repo, &args, &[("SCAFFOLD_LOCK_WAIT", "0")]).success();
    // The holder dies without cleaning up: its lock is taken over.
    drop(held);
    args.pop();
    scaffold_within(&repo, &args, &[("SCAFFOLD_LOCK_WAIT", "0")]).success();
    assert!(!repo.exists(".scaffold/lock"), "the lock is released");
}

#[test]
fn a_json_report_that_cannot_be_written_is_an_error() {
    let repo = Repo::new();
    init_all(&repo, &[]).success();
    for args in [
        vec!["list", "--json"],
        vec!["status", "--json"],
        vec!["assess", "--json"],
    ] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let out = command()
            .args(&args)
            .current_dir(repo.path())
            .stdin(Stdio::null())
            .stdout(full)
            .output()
            .unwrap();
        let run = Run::from(out);
        run.code(3).stderr_has("failed to write `<stdout>`");
    }
}
