//! `scaffold add`: later foundations reuse the recorded answers.

use crate::support::{Repo, SEED_NODE};

#[test]
fn add_reuses_recorded_answers_without_a_terminal() {
    let repo = Repo::new();
    let mut args = vec![
        "init",
        "--yes",
        "--only",
        "ci",
        "--set",
        "restore_drill_owner=@acme/ops",
    ];
    args.extend_from_slice(&SEED_NODE);
    repo.scaffold(&args).success();
    // Every question of backup-restore was answered already: works with no terminal, no flags.
    repo.scaffold(&["add", "backup-restore"]).success();
    assert!(repo.exists("ops/backup/backup.sh"));
    let state = repo.read(".scaffold/state.toml");
    assert!(state.contains("[foundations.backup-restore]"), "{state}");
    assert!(state.contains("[foundations.ci]"), "{state}");
    // Running it again changes nothing.
    let before = repo.fingerprint();
    repo.scaffold(&["add", "backup-restore"])
        .success()
        .stdout_has("nothing to do");
    assert_eq!(repo.fingerprint(), before);
}

#[test]
fn add_asks_only_what_is_new() {
    let repo = Repo::new();
    let mut args = vec!["init", "--yes", "--only", "ci"];
    args.extend_from_slice(&SEED_NODE[..10]);
    args.extend_from_slice(&SEED_NODE[12..]);
    repo.scaffold(&args).success();
    // secrets-rbac has a question of its own that nobody answered yet.
    let run = repo.scaffold(&["add", "secrets-rbac"]);
    run.code(2)
        .stderr_has("code_owner")
        .stderr_has("e.g. --set code_owner=");
    // The stack and the repository were recorded: not asked again.
    for key in ["language", "stage", "repository"] {
        assert!(
            !run.stderr.contains(&format!("  {key} ")),
            "{key} asked again\n{run}"
        );
    }
    assert!(!repo.exists(".sops.yaml"));
    repo.scaffold(&[
        "add",
        "secrets-rbac",
        "--yes",
        "--set",
        "code_owner=@acme/platform",
    ])
    .success();
    assert!(repo.read(".github/CODEOWNERS").contains("@acme/platform"));
}

#[test]
fn add_works_on_a_fresh_repo_too() {
    let repo = Repo::new();
    let mut args = vec!["add", "staging-parity", "--yes"];
    args.extend_from_slice(&SEED_NODE);
    repo.scaffold(&args).success();
    assert!(repo.exists("ops/parity/check-parity.sh"));
}
