//! Blueprints evolve: a team's fork (a directory or a git repository), `status`, and `upgrade`
//! merging three ways without losing a local edit. The fork here is a small blueprint, `notes`,
//! at version 1.0.0 and then 1.1.0, so each golden test states exactly what must come out.

use std::path::PathBuf;

use crate::support::{Repo, SEED_GO, git};

/// A fork directory holding the `notes` blueprint: outside the repo (its own temporary
/// directory), or inside it, where the recorded source is read again without `--source`.
pub(crate) struct Fork {
    _tmp: Option<tempfile::TempDir>,
    dir: PathBuf,
}

const NOTES: &str = "<!-- {{header}} -->\n# Notes for {{project_name}}\n\nline 1\nline 2\nline 3\nline 4\nline 5\nline 6\nline 7\nline 8\n";

fn manifest(version: &str, extra: &str) -> String {
    format!(
        r##"id = "notes"
version = "{version}"
summary = "Team notes"
why = "So the team writes things down."
recommended = ["seed"]

[[files]]
template = "notes.md.hbs"
path = "docs/notes.md"

[[files]]
template = "runbook.md.hbs"
path = "docs/runbook.md"
owner = "once"

[[files]]
template = "gitignore.hbs"
path = ".gitignore"
mode = "block"
comment = "#"

[[files]]
template = "adr.md.hbs"
path = "docs/adr/{{{{adr_number}}}}-notes.md"
{extra}"##
    )
}

impl Fork {
    /// Version 1.0.0 in a directory of its own, outside any repo.
    pub(crate) fn v1() -> Fork {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("fork");
        Fork::v1_at(Some(tmp), dir)
    }

    /// Version 1.0.0 in `dir`, which the caller cleans up.
    pub(crate) fn v1_at_dir(dir: PathBuf) -> Fork {
        Fork::v1_at(None, dir)
    }

    /// Version 1.0.0 in the repo's `blueprints/` folder.
    pub(crate) fn v1_in(repo: &Repo) -> Fork {
        Fork::v1_at(None, repo.path().join("blueprints"))
    }

    /// Version 1.0.0: notes, a `once` runbook, a .gitignore block, an ADR, and `old.md`.
    fn v1_at(tmp: Option<tempfile::TempDir>, dir: PathBuf) -> Fork {
        let fork = Fork { _tmp: tmp, dir };
        fork.to_v1();
        fork
    }

    /// Back to version 1.0.0.
    pub(crate) fn to_v1(&self) {
        let _ = std::fs::remove_file(self.dir.join("notes/templates/new.md.hbs"));
        self.write(
            "notes/blueprint.toml",
            &manifest(
                "1.0.0",
                "\n[[files]]\ntemplate = \"old.md\"\npath = \"docs/old.md\"\n",
            ),
        );
        self.write("notes/templates/notes.md.hbs", NOTES);
        self.write("notes/templates/runbook.md.hbs", "# Runbook (fill me in)\n");
        self.write("notes/templates/gitignore.hbs", "*.notes-tmp\n");
        self.write("notes/templates/adr.md.hbs", "# {{adr_number}}. Notes\n");
        self.write("notes/templates/old.md", "old\n");
    }

    /// Version 1.1.0: line 2 of the notes changes, the runbook template changes (a `once` file:
    /// never applied), `old.md` is dropped, `new.md` and a question `channel` are added.
    pub(crate) fn to_v2(&self) {
        self.write(
            "notes/blueprint.toml",
            &manifest(
                "1.1.0",
                "\n[[files]]\ntemplate = \"new.md.hbs\"\npath = \"docs/new.md\"\n\n\
                 [[questions]]\nkey = \"channel\"\nprompt = \"Team chat channel\"\npattern = \"^#[a-z-]+$\"\n",
            ),
        );
        self.write(
            "notes/templates/notes.md.hbs",
            &NOTES.replace("line 2\n", "line 2, now better\n"),
        );
        self.write("notes/templates/runbook.md.hbs", "# Runbook v2\n");
        self.write("notes/templates/new.md.hbs", "Talk in {{channel}}\n");
        std::fs::remove_file(self.dir.join("notes/templates/old.md")).unwrap();
    }

    pub(crate) fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.dir.join(path)).unwrap()
    }

    /// Sets the blueprint's version, as a release does.
    pub(crate) fn bump(&self, version: &str) {
        let manifest = self.read("notes/blueprint.toml");
        let old = manifest
            .lines()
            .find(|l| l.starts_with("version = "))
            .unwrap()
            .to_owned();
        self.write(
            "notes/blueprint.toml",
            &manifest.replacen(&old, &format!("version = \"{version}\""), 1),
        );
    }

    pub(crate) fn write(&self, path: &str, text: &str) {
        let p = self.dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    pub(crate) fn path(&self) -> &str {
        self.dir.to_str().unwrap()
    }
}

pub(crate) fn init_from(repo: &Repo, fork: &Fork) {
    let mut args = vec!["init", "--yes", "--only", "notes", "--source", fork.path()];
    args.extend_from_slice(&SEED_GO);
    repo.scaffold(&args).success();
}

fn edit(repo: &Repo, path: &str, from: &str, to: &str) {
    let text = repo.read(path);
    assert!(text.contains(from), "{path} lacks {from:?}");
    repo.write(path, &text.replacen(from, to, 1));
}

#[test]
fn a_fork_directory_in_the_repo_is_recorded_and_used_without_the_flag() {
    let repo = Repo::new();
    let fork = Fork::v1_in(&repo);
    init_from(&repo, &fork);
    let state = repo.read(".scaffold/state.toml");
    assert!(
        state.contains("[source]\nkind = \"dir\"\nlocation = \"blueprints\"\n"),
        "recorded relative to the repo, so it holds in every clone\n{state}"
    );
    assert!(repo.read("docs/notes.md").contains("# Notes for demo"));
    // No --source: the recorded fork is used again, nothing changes.
    repo.scaffold(&["init", "--only", "notes"])
        .success()
        .stdout_has("nothing to do");
    repo.scaffold(&["list", "--source", fork.path()])
        .success()
        .stdout_has("notes")
        .stdout_has("ci");
}

#[test]
fn a_fork_directory_outside_the_repo_must_be_given_again() {
    let fork = Fork::v1();
    let repo = Repo::new();
    init_from(&repo, &fork);
    let state = repo.read(".scaffold/state.toml");
    assert!(state.contains("[source]\nkind = \"dir\""), "{state}");
    // Recorded as the way there from the repo, nothing of this machine.
    let repo_dir = std::fs::canonicalize(repo.path()).unwrap();
    let fork_dir = std::fs::canonicalize(&fork.dir).unwrap();
    let location = format!(
        "../../{}/fork",
        fork_dir
            .parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
    );
    assert_eq!(
        repo_dir.parent().unwrap().parent(),
        fork_dir.parent().unwrap().parent()
    );
    assert!(
        state.contains(&format!("location = \"{location}\"")),
        "{state}"
    );
    let refused = format!(
        "error: blueprint source `{location}` recorded in `.scaffold/state.toml` is outside the repository; scaffold reads a recorded directory only inside the repository: give it again with `--source {location}`\n"
    );
    let before = repo.fingerprint();
    repo.scaffold(&["init", "--only", "notes"])
        .code(2)
        .stderr_is(&refused);
    repo.scaffold(&["upgrade"]).code(2).stderr_is(&refused);
    repo.scaffold(&["status", "--check"])
        .code(2)
        .stderr_is(&refused);
    assert_eq!(repo.fingerprint(), before, "nothing written");
    // Given again, it is read.
    repo.scaffold(&["upgrade", "--source", fork.path()])
        .success()
        .stdout_has("nothing to do");
    repo.scaffold(&["status", "--check", "--source", fork.path()])
        .success()
        .stdout_has("notes 1.0.0 (up to date;");
}

#[test]
fn a_hand_edited_directory_source_outside_the_repo_is_not_read() {
    let elsewhere = Fork::v1();
    let repo = Repo::new();
    let mut args = vec!["init", "--yes", "--only", "ci"];
    args.extend_from_slice(&SEED_GO);
    repo.scaffold(&args).success();
    // Someone points the committed state at a directory of their choosing.
    let state = repo.read(".scaffold/state.toml");
    for location in [elsewhere.path(), "/", "../..", "blueprints/../../.."] {
        repo.write(
            ".scaffold/state.toml",
            &state.replacen(
                "[answers]",
                &format!("[source]\nkind = \"dir\"\nlocation = \"{location}\"\n\n[answers]"),
                1,
            ),
        );
        let before = repo.fingerprint();
        for command in [&["status"][..], &["upgrade"], &["add", "notes"]] {
            repo.scaffold(command)
                .code(2)
                .stderr_has(&format!("blueprint source `{location}` recorded in `.scaffold/state.toml` is outside the repository"));
        }
        assert_eq!(repo.fingerprint(), before, "{location}");
    }
}

#[test]
fn upgrade_merges_local_edits_and_applies_the_new_version() {
    let repo = Repo::new();
    let fork = Fork::v1_in(&repo);
    init_from(&repo, &fork);
    edit(&repo, "docs/notes.md", "line 7\n", "line 7, ours\n");
    repo.write("docs/runbook.md", "# Our runbook\n");
    fork.to_v2();
    repo.scaffold(&["status", "--check"])
        .code(1)
        .stderr_has("outdated");
    let run = repo.scaffold(&["upgrade", "--set", "channel=#platform"]);
    run.success()
        .stdout_has("notes 1.0.0 -> 1.1.0")
        .stdout_has("merge      docs/notes.md")
        .stdout_has("once       docs/runbook.md")
        .stdout_has("remove     docs/old.md")
        .stdout_has("create     docs/new.md");
    // Both changes are in: the blueprint's line 2 and our line 7.
    assert_eq!(
        repo.read("docs/notes.md"),
        NOTES
            .replace("{{header}}", "Generated by scaffold (foundation notes). Edit freely: `scaffold upgrade` merges your changes.")
            .replace("{{project_name}}", "demo")
            .replace("line 2\n", "line 2, now better\n")
            .replace("line 7\n", "line 7, ours\n")
    );
    assert_eq!(
        repo.read("docs/runbook.md"),
        "# Our runbook\n",
        "a once file is the team's"
    );
    assert!(
        !repo.exists("docs/old.md"),
        "dropped and unmodified: removed"
    );
    assert_eq!(repo.read("docs/new.md"), "Talk in #platform\n");
    let state = repo.read(".scaffold/state.toml");
    assert!(state.contains("version = \"1.1.0\""), "{state}");
    assert!(state.contains("channel = \"#platform\""), "{state}");
    assert!(!state.contains("docs/old.md"), "{state}");
    assert!(!repo.exists(".scaffold/base/notes/docs/old.md"));
    // The status after: up to date; our edit shows as modified.
    let status = repo.scaffold(&["status", "--json"]);
    status.success();
    let json: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    let notes = &json["foundations"][0];
    assert_eq!(notes["id"], "notes");
    assert_eq!(notes["version"], "1.1.0");
    assert_eq!(notes["available"], "1.1.0");
    assert_eq!(notes["outdated"], false);
    let state_of = |path: &str| {
        notes["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == path)
            .map(|f| f["state"].as_str().unwrap().to_owned())
    };
    assert_eq!(state_of("docs/notes.md").as_deref(), Some("modified"));
    assert_eq!(state_of("docs/new.md").as_deref(), Some("unchanged"));
    assert_eq!(state_of(".gitignore").as_deref(), Some("unchanged"));
    repo.scaffold(&["status", "--check"]).success();
    // Upgrading again writes nothing, and says the notes are ours where they differ.
    repo.scaffold(&["upgrade"]).success().stdout_has(
        "nothing to write: 1 file differs from the blueprint because you changed or deleted it",
    );
}

#[test]
fn overlapping_edits_are_written_with_conflict_markers_and_exit_1() {
    let repo = Repo::new();
    let fork = Fork::v1_in(&repo);
    init_from(&repo, &fork);
    edit(&repo, "docs/notes.md", "line 2\n", "line 2, ours\n");
    fork.to_v2();
    let run = repo.scaffold(&["upgrade", "--set", "channel=#platform"]);
    run.code(1)
        .stdout_has("conflict   docs/notes.md")
        .stderr_has("1 conflict:")
        .stderr_has("  docs/notes.md");
    let notes = repo.read("docs/notes.md");
    assert!(
        notes.contains("<<<<<<< yours\nline 2, ours\n")
            && notes.contains("line 2, now better\n>>>>>>> scaffold, now\n"),
        "{notes}"
    );
    let status = repo.scaffold(&["status"]);
    status.success().stdout_has("conflicted docs/notes.md");
    repo.scaffold(&["status", "--check"])
        .code(1)
        .stderr_has("unresolved conflict markers");
    // The rest of the upgrade was applied.
    assert_eq!(repo.read("docs/new.md"), "Talk in #platform\n");
}

#[test]
fn upgrade_dry_run_shows_the_plan_and_writes_nothing() {
    let repo = Repo::new();
    let fork = Fork::v1_in(&repo);
    init_from(&repo, &fork);
    fork.to_v2();
    let before = repo.fingerprint();
    repo.scaffold(&["upgrade", "--dry-run", "--set", "channel=#x"])
        .success()
        .stdout_has("update     docs/notes.md")
        .stdout_has("+line 2, now better")
        .stdout_has("dry run: nothing was written");
    assert_eq!(repo.fingerprint(), before);
}

#[test]
fn upgrade_dry_run_shows_the_diff_of_merges_and_removals() {
    let repo = Repo::new();
    let fork = Fork::v1_in(&repo);
    init_from(&repo, &fork);
    edit(&repo, "docs/notes.md", "line 7\n", "line 7, ours\n");
    fork.to_v2();
    let before = repo.fingerprint();
    repo.scaffold(&["upgrade", "--dry-run", "--set", "channel=#x"])
        .success()
        .stdout_has("merge      docs/notes.md")
        .stdout_has("--- a/docs/notes.md (yours)")
        .stdout_has("+line 2, now better")
        .stdout_has("--- a/docs/old.md (yours)")
        .stdout_has("-old");
    assert_eq!(repo.fingerprint(), before);
}

#[test]
fn a_new_question_is_asked_and_without_a_terminal_it_is_an_error() {
    let repo = Repo::new();
    let fork = Fork::v1_in(&repo);
    init_from(&repo, &fork);
    fork.to_v2();
    let before = repo.fingerprint();
    repo.scaffold(&["upgrade"])
        .code(2)
        .stderr_has("  channel ")
        .stderr_has("e.g. --set channel=VALUE");
    assert_eq!(repo.fingerprint(), before);
}

#[test]
fn deleted_files_stay_deleted_and_modified_dropped_files_stay() {
    let repo = Repo::new();
    let fork = Fork::v1_in(&repo);
    init_from(&repo, &fork);
    std::fs::remove_file(repo.path().join("docs/notes.md")).unwrap();
    repo.write("docs/old.md", "old, and ours now\n");
    repo.scaffold(&["status"])
        .success()
        .stdout_has("deleted    docs/notes.md")
        .stdout_has("modified   docs/old.md");
    // A rerun of init respects the deletion too, and says so.
    repo.scaffold(&["init", "--only", "notes"])
        .success()
        .stdout_has("nothing to write: 2 files differ from the blueprint because you changed or deleted them");
    fork.to_v2();
    repo.scaffold(&["upgrade", "--set", "channel=#x"])
        .success()
        .stdout_has("deleted    docs/notes.md")
        .stdout_has("unmanaged  docs/old.md")
        .stdout_has("docs/old.md is no longer part of `notes`; you changed it, so it stays");
    assert!(!repo.exists("docs/notes.md"));
    assert_eq!(repo.read("docs/old.md"), "old, and ours now\n");
    assert!(!repo.read(".scaffold/state.toml").contains("docs/old.md"));
}

#[test]
fn changed_answers_re_render_unmodified_files() {
    let repo = Repo::new();
    let mut args = vec!["init", "--yes", "--only", "ci"];
    args.extend_from_slice(&SEED_GO);
    repo.scaffold(&args).success();
    repo.scaffold(&["upgrade", "--set", "production_branch=trunk"])
        .success()
        .stdout_has("update     .github/workflows/deploy.yml");
    assert!(repo.read(".github/workflows/deploy.yml").contains("trunk"));
}

#[test]
fn a_new_stage_adds_what_it_recommends() {
    let repo = Repo::new();
    repo.scaffold(&[
        "init",
        "--yes",
        "--set",
        "stage=pre-mvp",
        "--set",
        "ci=gitlab",
        "--set",
        "language=python",
        "--set",
        "cloud=none",
        "--set",
        "database=postgres",
    ])
    .success();
    assert!(!repo.exists("ops/backup/backup.sh"));
    let mut args = vec!["upgrade", "--yes", "--stage", "series-a"];
    args.extend_from_slice(&["--set", "code_owner=@acme/platform"]);
    let run = repo.scaffold(&args);
    run.success()
        .stdout_has("create     ops/backup/backup.sh")
        .stdout_has("create     ops/parity/check-parity.sh")
        .stdout_has("create     .gitlab/ci/restore-drill.gitlab-ci.yml")
        .stdout_has("update     .gitlab/ci/pipeline.gitlab-ci.yml");
    // The include block already names every foundation's job file: it stays as it was.
    assert!(
        repo.read(".gitlab-ci.yml")
            .contains("- local: .gitlab/ci/restore-drill.gitlab-ci.yml")
    );
    let state = repo.read(".scaffold/state.toml");
    for id in ["backup-restore", "ci", "secrets-rbac", "staging-parity"] {
        assert!(
            state.contains(&format!("[foundations.{id}]")),
            "{id}\n{state}"
        );
    }
    assert!(state.contains("stage = \"series-a\""));
}

#[test]
fn upgrade_needs_applied_foundations() {
    let repo = Repo::new();
    repo.scaffold(&["upgrade"]).code(2).stderr_is(
        "error: nothing to upgrade: no foundation is applied here yet; run `scaffold init` first\n",
    );
    repo.scaffold(&["status"])
        .success()
        .stdout_has("no foundation is applied here yet");
}

#[test]
fn a_git_fork_is_cloned_at_a_ref_recorded_and_upgraded_to_a_newer_tag() {
    let fork = Fork::v1();
    git(&fork.dir, &["init", "-q"]);
    git(&fork.dir, &["add", "."]);
    git(&fork.dir, &["commit", "-q", "-m", "notes 1.0.0"]);
    git(&fork.dir, &["tag", "v1.0.0"]);
    let url = format!("file://{}", fork.path());
    let repo = Repo::new();
    let mut args = vec![
        "init", "--yes", "--only", "notes", "--source", &url, "--ref", "v1.0.0",
    ];
    args.extend_from_slice(&SEED_GO);
    repo.scaffold(&args).success();
    let state = repo.read(".scaffold/state.toml");
    assert!(state.contains("kind = \"git\""), "{state}");
    assert!(state.contains("ref = \"v1.0.0\""), "{state}");
    assert!(state.contains("commit = \""), "{state}");
    fork.to_v2();
    git(&fork.dir, &["add", "-A"]);
    git(&fork.dir, &["commit", "-q", "-m", "notes 1.1.0"]);
    git(&fork.dir, &["tag", "v1.1.0"]);
    // Pinned to v1.0.0: up to date there, but status sees the newer tag; --ref moves it, with
    // upgrade only.
    repo.scaffold(&["status"])
        .success()
        .stdout_has(
            "the blueprint source has a newer tag v1.1.0: run `scaffold upgrade --ref v1.1.0`",
        )
        .stdout_has("notes 1.0.0 (up to date;");
    repo.scaffold(&["status", "--check"])
        .code(1)
        .stderr_has("the blueprint source has a newer tag v1.1.0");
    repo.scaffold(&["upgrade", "--dry-run"])
        .success()
        .stdout_has(
            "the blueprint source has a newer tag v1.1.0: run `scaffold upgrade --ref v1.1.0`",
        );
    let before = repo.fingerprint();
    repo.scaffold(&["init", "--yes", "--ref", "v1.1.0"])
        .code(2)
        .stderr_has("--ref `v1.1.0` would move the recorded blueprint source")
        .stderr_has("run `scaffold upgrade --ref v1.1.0`");
    assert_eq!(repo.fingerprint(), before, "nothing written");
    repo.scaffold(&["upgrade", "--ref", "v1.1.0", "--set", "channel=#x"])
        .success()
        .stdout_has("notes 1.0.0 -> 1.1.0");
    let state = repo.read(".scaffold/state.toml");
    assert!(state.contains("ref = \"v1.1.0\""), "{state}");
    assert_eq!(repo.read("docs/new.md"), "Talk in #x\n");
    repo.scaffold(&["status", "--check"])
        .success()
        .never_says("newer tag");
    repo.scaffold(&["upgrade", "--ref", "v9"])
        .code(2)
        .stderr_has("no tag, branch or commit `v9`");
}

#[test]
fn a_symlink_in_a_fork_is_refused_and_nothing_is_written() {
    let fork = Fork::v1();
    std::fs::remove_file(fork.dir.join("notes/templates/old.md")).unwrap();
    std::os::unix::fs::symlink("/etc/hostname", fork.dir.join("notes/templates/old.md")).unwrap();
    let repo = Repo::new();
    let mut args = vec!["init", "--yes", "--only", "notes", "--source", fork.path()];
    args.extend_from_slice(&SEED_GO);
    repo.scaffold(&args)
        .code(2)
        .stderr_has("refusing symlink `")
        .stderr_has("old.md` in a blueprint source");
    assert!(repo.files().is_empty());
}

#[test]
fn a_fork_blueprint_that_extends_an_embedded_one_inherits_what_it_does_not_override() {
    let tmp = tempfile::tempdir().unwrap();
    let fork = tmp.path().join("fork");
    std::fs::create_dir_all(fork.join("ci/templates/github")).unwrap();
    std::fs::write(
        fork.join("ci/blueprint.toml"),
        "id = \"ci\"\nversion = \"1.0.1\"\nextends = \"ci\"\n",
    )
    .unwrap();
    std::fs::write(
        fork.join("ci/templates/github/dependabot.yml.hbs"),
        "# {{header}}\n# ours\nversion: 2\nupdates: []\n",
    )
    .unwrap();
    let repo = Repo::new();
    let mut args = vec![
        "init",
        "--yes",
        "--only",
        "ci",
        "--source",
        fork.to_str().unwrap(),
    ];
    args.extend_from_slice(&SEED_GO);
    repo.scaffold(&args).success();
    assert!(repo.read(".github/dependabot.yml").contains("# ours"));
    assert!(
        repo.read(".scaffold/state.toml")
            .contains("[foundations.ci]\nversion = \"1.0.1\""),
        "the fork's version is recorded"
    );
    assert!(
        repo.read(".github/workflows/ci.yml").contains("name: CI"),
        "inherited"
    );
    repo.scaffold(&["status", "--source", fork.to_str().unwrap()])
        .success()
        .stdout_has("ci 1.0.1");
}

#[test]
fn blueprint_eject_new_and_lint() {
    let tmp = tempfile::tempdir().unwrap();
    let fork = tmp.path().join("ours");
    let repo = Repo::new();
    let fork_str = fork.to_str().unwrap();
    repo.scaffold(&["blueprint", "eject", "backup-restore", "--to", fork_str])
        .success()
        .stdout_has("copied blueprint `backup-restore`");
    assert!(fork.join("backup-restore/blueprint.toml").is_file());
    assert!(fork.join("backup-restore/CHANGELOG.md").is_file());
    assert!(
        fork.join("backup-restore/templates/ops/backup/backup.sh.hbs")
            .is_file()
    );
    repo.scaffold(&["blueprint", "eject", "backup-restore", "--to", fork_str])
        .code(2)
        .stderr_has("already exists");
    repo.scaffold(&["blueprint", "new", "observability", "--to", fork_str])
        .success();
    repo.scaffold(&["blueprint", "lint", fork_str])
        .success()
        .stdout_has("2 blueprints checked");
    // The skeleton works as a blueprint.
    let mut args = vec![
        "init",
        "--yes",
        "--only",
        "observability",
        "--source",
        fork_str,
    ];
    args.extend_from_slice(&SEED_GO);
    repo.scaffold(&args).success();
    assert!(
        repo.read("docs/observability/README.md")
            .contains("Owner: @platform")
    );
    // Lint finds a template error (with file and line) and an unknown manifest field.
    std::fs::write(
        fork.join("observability/templates/README.md.hbs"),
        "# {{project_name}}\n\n{{owner}} {{no_such_answer}}\n",
    )
    .unwrap();
    let manifest = fork.join("backup-restore/blueprint.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        text.replacen("summary =", "colour = \"red\"\nsummary =", 1),
    )
    .unwrap();
    let run = repo.scaffold(&["blueprint", "lint", fork_str]);
    run.code(1)
        .stdout_has("backup-restore/blueprint.toml: blueprint `backup-restore`: invalid `blueprint.toml`: line 3: unknown field `colour`")
        .stdout_has("template `templates/README.md.hbs` line 3:")
        .stdout_has("no_such_answer")
        .stderr_has("2 problems found");
}

/// A `.gitlab-ci.yml` that `ci` 1.0.0 owned whole: the state as that version recorded it.
fn as_if_ci_1_0_0_wrote(repo: &Repo, old: &str) {
    use sha2::Digest as _;
    repo.write(".gitlab-ci.yml", old);
    let sha = sha2::Sha256::digest(old.as_bytes())
        .iter()
        .fold(String::new(), |mut hex, b| {
            use std::fmt::Write as _;
            let _ = write!(hex, "{b:02x}");
            hex
        });
    let state = repo.read(".scaffold/state.toml");
    let section = "[foundations.ci.files.\".gitlab-ci.yml\"]\n";
    let start = state.find(section).unwrap() + section.len();
    let end = start + state[start..].find("\n\n").unwrap();
    let state = format!(
        "{}sha256 = \"{sha}\"\nmode = \"file\"{}",
        &state[..start],
        &state[end..]
    );
    repo.write(".scaffold/state.toml", &state);
}

#[test]
fn a_gitlab_ci_yml_that_ci_1_0_0_owned_whole_becomes_the_include_block() {
    let repo = Repo::new();
    let init = [
        "init",
        "--yes",
        "--only",
        "ci",
        "--set",
        "stage=pre-mvp",
        "--set",
        "ci=gitlab",
        "--set",
        "language=go",
        "--set",
        "cloud=none",
        "--set",
        "database=none",
    ];
    repo.scaffold(&init).success();
    let block = repo.read(".gitlab-ci.yml");

    // Unedited since 1.0.0 wrote it: replaced by the block.
    as_if_ci_1_0_0_wrote(
        &repo,
        "stages: [build, test]\nbuild:\n  script: [go build ./...]\n",
    );
    repo.scaffold(&["upgrade"])
        .success()
        .stdout_has("update     .gitlab-ci.yml");
    assert_eq!(repo.read(".gitlab-ci.yml"), block);

    // Edited by the team: a conflict, resolved by --force (the old file is backed up).
    as_if_ci_1_0_0_wrote(
        &repo,
        "stages: [build, test]\nbuild:\n  script: [go build ./...]\n",
    );
    repo.write(
        ".gitlab-ci.yml",
        "stages: [build, test]\nbuild:\n  script: [make]\n",
    );
    repo.scaffold(&["upgrade"])
        .code(1)
        .stderr_has(".gitlab-ci.yml (foundation `ci`)");
    repo.scaffold(&["upgrade", "--force"]).success();
    assert_eq!(repo.read(".gitlab-ci.yml"), block);
}

#[test]
fn dry_run_diffs_are_coloured_on_a_terminal_only() {
    let repo = Repo::new();
    let mut args = vec!["init", "--yes", "--only", "ci"];
    args.extend_from_slice(&SEED_GO);
    repo.scaffold(&args).success();
    let edited = format!("{}# ours\n", repo.read(".github/workflows/deploy.yml"));
    repo.write(".github/workflows/deploy.yml", &edited);
    let dry = ["upgrade", "--dry-run", "--set", "production_branch=release"];
    let plain = repo.scaffold(&dry);
    plain
        .success()
        .stdout_has("\n+")
        .stdout_has("\n-")
        .stdout_has("\n@@ ");
    assert!(!plain.stdout.contains('\x1b'), "{plain}");
    let run_with = |env: &[(&str, &str)]| {
        let mut cmd = crate::support::command();
        cmd.args(dry).current_dir(repo.path());
        for (k, v) in env {
            cmd.env(k, v);
        }
        String::from_utf8(cmd.output().unwrap().stdout).unwrap()
    };
    let forced = run_with(&[("CLICOLOR_FORCE", "1")]);
    assert!(
        forced.contains("\x1b[32m+"),
        "added lines are green: {forced:?}"
    );
    assert!(
        forced.contains("\x1b[31m-"),
        "removed lines are red: {forced:?}"
    );
    assert!(forced.contains("\x1b[36m@@"), "hunks are cyan: {forced:?}");
    let no_color = run_with(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]);
    assert!(!no_color.contains('\x1b'), "{no_color:?}");
    assert_eq!(no_color, plain.stdout);
}
