//! `scaffold init` end to end: what it writes, that it is idempotent, and that it never damages
//! the team's files.

use crate::support::{Repo, SEED_NODE};

fn args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec!["init", "--yes"];
    v.extend_from_slice(&SEED_NODE);
    v.extend_from_slice(extra);
    v
}

#[test]
fn seed_stage_lays_ci_secrets_backups_and_observability_with_an_adr_each() {
    let repo = Repo::new();
    repo.write(
        "package.json",
        "{\"scripts\": {\"test\": \"node --test\"}}\n",
    );
    let run = repo.scaffold(&args(&[]));
    run.success()
        .stdout_has("create")
        .stdout_has(".github/workflows/ci.yml")
        .stdout_has("next steps:");
    for path in [
        ".github/workflows/ci.yml",
        ".github/workflows/deploy.yml",
        ".sops.yaml",
        "ops/backup/backup.sh",
        "docs/runbooks/backup-restore.md",
        ".scaffold/state.toml",
    ] {
        assert!(repo.exists(path), "{path} missing\n{run}");
    }
    assert!(
        !repo.exists("ops/parity/check-parity.sh"),
        "staging-parity is for series-a"
    );
    let adrs: Vec<String> = repo
        .files()
        .into_iter()
        .filter(|p| p.starts_with("docs/adr/"))
        .collect();
    assert_eq!(
        adrs,
        [
            "docs/adr/0001-backup-and-restore.md",
            "docs/adr/0002-ci-cd-pipeline.md",
            "docs/adr/0003-observability.md",
            "docs/adr/0004-secrets-and-access.md"
        ]
    );
    let state = repo.read(".scaffold/state.toml");
    assert!(state.contains("version = 1\n"), "{state}");
    assert!(state.contains("[foundations.ci]"), "{state}");
    assert!(state.contains("source = \"embedded\""), "{state}");
    assert!(state.contains("stage = \"seed\""), "{state}");
    assert!(repo.exists(".scaffold/base/ci/.github/workflows/ci.yml"));
}

#[test]
fn a_second_run_with_the_same_answers_changes_nothing() {
    let repo = Repo::new();
    repo.scaffold(&args(&[])).success();
    let before = repo.fingerprint();
    repo.scaffold(&args(&[]))
        .success()
        .stdout_has("nothing to do");
    assert_eq!(repo.fingerprint(), before);
    // Recorded answers are reused: no flags needed the second time.
    repo.scaffold(&["init"])
        .success()
        .stdout_has("nothing to do");
    assert_eq!(repo.fingerprint(), before);
}

#[test]
fn dry_run_prints_the_plan_and_writes_nothing() {
    let repo = Repo::new();
    let run = repo.scaffold(&args(&["--dry-run"]));
    run.success()
        .stdout_has("create     .github/workflows/ci.yml")
        .stdout_has("dry run: nothing was written");
    assert!(repo.files().is_empty(), "{:?}", repo.files());
}

#[test]
fn dry_run_shows_a_diff_for_a_changed_file() {
    let repo = Repo::new();
    repo.scaffold(&args(&[])).success();
    let run = repo.scaffold(&args(&["--set", "production_branch=release", "--dry-run"]));
    run.success()
        .stdout_has("update     .github/workflows/deploy.yml")
        .stdout_has("--- a/.github/workflows/deploy.yml (yours)")
        .stdout_has("+    branches: [\"release\"]");
}

#[test]
fn a_file_the_team_wrote_is_a_conflict_and_nothing_is_written() {
    let repo = Repo::new();
    repo.write(".github/workflows/ci.yml", "name: ours\n");
    let run = repo.scaffold(&args(&["--only", "ci,secrets-rbac"]));
    run.code(1)
        .stderr_has(".github/workflows/ci.yml (foundation `ci`)")
        .stderr_has("--force")
        .stderr_has("--only");
    assert_eq!(repo.files(), [".github/workflows/ci.yml"]);
    assert_eq!(repo.read(".github/workflows/ci.yml"), "name: ours\n");
}

#[test]
fn force_overwrites_and_keeps_a_backup() {
    let repo = Repo::new();
    repo.write(".github/workflows/ci.yml", "name: ours\n");
    let run = repo.scaffold(&args(&["--only", "ci", "--force"]));
    run.success()
        .stdout_has("saved your previous version as .scaffold/backup/");
    assert_ne!(repo.read(".github/workflows/ci.yml"), "name: ours\n");
    let backup = repo
        .files()
        .into_iter()
        .find(|p| p.starts_with(".scaffold/backup/") && p.ends_with(".github/workflows/ci.yml"))
        .expect("a backup");
    assert_eq!(repo.read(&backup), "name: ours\n");
}

#[test]
fn local_edits_survive_a_rerun_and_conflict_only_when_scaffold_changes_the_file() {
    let repo = Repo::new();
    repo.scaffold(&args(&[])).success();
    let edited = format!(
        "{}# our own note\n",
        repo.read(".github/workflows/deploy.yml")
    );
    repo.write(".github/workflows/deploy.yml", &edited);
    // Same answers: the edit is kept, nothing to write, and it says how to take ours.
    repo.scaffold(&args(&[]))
        .success()
        .stdout_has("nothing to write: 1 file differs from the blueprint because you changed or deleted it; `--force` takes scaffold's version");
    assert_eq!(repo.read(".github/workflows/deploy.yml"), edited);
    // A changed answer changes the file too: conflict, nothing written.
    let before = repo.fingerprint();
    repo.scaffold(&args(&["--set", "production_branch=release"]))
        .code(1)
        .stderr_has(".github/workflows/deploy.yml (foundation `ci`)");
    assert_eq!(repo.fingerprint(), before);
}

#[test]
fn unedited_files_follow_changed_answers() {
    let repo = Repo::new();
    repo.scaffold(&args(&[])).success();
    repo.scaffold(&args(&["--set", "production_branch=release"]))
        .success()
        .stdout_has("update     .github/workflows/deploy.yml");
    assert!(
        repo.read(".github/workflows/deploy.yml")
            .contains("release")
    );
    assert!(
        repo.read(".scaffold/state.toml")
            .contains("production_branch = \"release\"")
    );
}

#[test]
fn existing_adrs_are_numbered_after() {
    let repo = Repo::new();
    repo.write("docs/adr/0007-use-postgres.md", "# 7. Use PostgreSQL\n");
    repo.scaffold(&args(&["--only", "ci"])).success();
    assert!(
        repo.exists("docs/adr/0008-ci-cd-pipeline.md"),
        "{:?}",
        repo.files()
    );
    // A later foundation takes the next number; the first keeps its own.
    repo.scaffold(&["add", "backup-restore", "--yes"]).success();
    assert!(
        repo.exists("docs/adr/0009-backup-and-restore.md"),
        "{:?}",
        repo.files()
    );
    repo.scaffold(&["init", "--only", "ci"])
        .success()
        .stdout_has("nothing to do");
}

#[test]
fn hand_made_ci_is_not_replaced_by_default() {
    let repo = Repo::new();
    repo.write(".github/workflows/test.yml", "on: push\njobs: {}\n");
    let run = repo.scaffold(&args(&[]));
    run.success().stderr_has(
        "`ci` is not recommended because this repo already has CI (.github/workflows/test.yml)",
    );
    assert!(!repo.exists(".github/workflows/ci.yml"));
    assert!(repo.exists(".sops.yaml"));
}

#[test]
fn the_stack_is_detected_from_the_repo() {
    let repo = Repo::new();
    repo.write(
        "go.mod",
        "module example.com/demo\n\nrequire github.com/jackc/pgx/v5 v5.7.0\n",
    );
    repo.write(".gitlab-ci.yml", "test:\n  script: [go test ./...]\n");
    repo.scaffold(&["init", "--yes", "--only", "backup-restore"])
        .success();
    let state = repo.read(".scaffold/state.toml");
    for line in [
        "language = \"go\"",
        "ci = \"gitlab\"",
        "database = \"postgres\"",
        "cloud = \"none\"",
        "stage = \"seed\"",
        "project_name = \"demo\"",
    ] {
        assert!(state.contains(line), "{line}\n{state}");
    }
}

#[test]
fn blocks_extend_the_teams_gitignore_without_replacing_it() {
    let repo = Repo::new();
    repo.write(".gitignore", "node_modules/\n");
    repo.scaffold(&args(&["--only", "secrets-rbac"])).success();
    let gitignore = repo.read(".gitignore");
    assert!(
        gitignore.starts_with("node_modules/\n\n# >>> scaffold secrets-rbac >>>"),
        "{gitignore}"
    );
    assert!(
        gitignore.ends_with("# <<< scaffold secrets-rbac <<<\n"),
        "{gitignore}"
    );
    // The team keeps editing outside the block; a rerun leaves it alone.
    repo.write(".gitignore", &format!("{gitignore}dist/\n"));
    repo.scaffold(&args(&["--only", "secrets-rbac"]))
        .success()
        .stdout_has("nothing to do");
    assert!(repo.read(".gitignore").ends_with("<<<\ndist/\n"));
}

#[test]
fn github_expressions_reach_the_workflows_untouched() {
    let repo = Repo::new();
    repo.scaffold(&args(&["--only", "ci"])).success();
    let deploy = repo.read(".github/workflows/deploy.yml");
    assert!(
        deploy.contains("${{ vars.DEPLOY_ENABLED == 'true' }}")
            || deploy.contains("vars.DEPLOY_ENABLED == 'true'"),
        "{deploy}"
    );
    assert!(deploy.contains("${{ "), "{deploy}");
    assert!(!deploy.contains('\u{E000}'));
}

#[test]
fn every_generated_file_carries_the_header() {
    let repo = Repo::new();
    repo.scaffold(&args(&[
        "--only",
        "ci,secrets-rbac,backup-restore,staging-parity",
    ]))
    .success();
    for path in repo.files() {
        if path.starts_with(".scaffold/") || path == ".gitignore" || path.ends_with("CODEOWNERS") {
            continue;
        }
        let text = repo.read(&path);
        assert!(
            text.lines()
                .take(3)
                .any(|l| l.contains("Generated by scaffold (foundation ")),
            "{path} has no header:\n{}",
            text.lines().take(3).collect::<Vec<_>>().join("\n")
        );
    }
}

#[test]
fn a_closed_stdout_does_not_stop_the_run() {
    // `scaffold init | head`: the reader goes away; the run must still finish its work.
    let repo = Repo::new();
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut args = vec!["init", "--yes"];
    args.extend_from_slice(&SEED_NODE);
    let out = crate::support::command()
        .args(&args)
        .current_dir(repo.path())
        .stdin(std::process::Stdio::null())
        .stdout(writer)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(repo.exists(".scaffold/state.toml"));
    assert!(repo.exists(".github/workflows/ci.yml"));
}

#[test]
fn a_stack_scaffold_does_not_build_still_gets_the_language_independent_foundations() {
    let repo = Repo::new();
    repo.write("mix.exs", "defmodule Shop.MixProject do\nend\n")
        .write(
            "config/database.yml",
            "default: &default\n  adapter: postgresql\n",
        );
    let report: serde_json::Value =
        serde_json::from_str(&repo.scaffold(&["assess", "--json"]).stdout).unwrap();
    assert_eq!(
        report["detected"]["unsupported"],
        serde_json::json!(["elixir (mix.exs)"])
    );
    // `ci` needs a language it builds: named explicitly, it is refused and nothing is written.
    repo.scaffold(&["init", "--yes", "--only", "ci"])
        .code(2)
        .stderr_has(
            "foundation `ci` needs `language` to be one of rust, node, python, go, ruby, jvm, php (it is `other`)",
        );
    assert!(!repo.exists(".scaffold"));
    // The recommendation leaves it out and lays the rest.
    let run = repo.scaffold(&[
        "init",
        "--yes",
        "--set",
        "code_owner=@acme/platform",
        "--set",
        "database=postgres",
    ]);
    run.success()
        .stderr_has("note: scaffold sees elixir (mix.exs) but does not build it yet")
        .stdout_has("secrets-rbac")
        .never_says("  ci ");
    assert!(repo.exists(".sops.yaml"));
    assert!(!repo.exists(".github/workflows/ci.yml"));
    // backup-restore, observability, secrets-rbac: numbered in that order.
    let adr = repo.read("docs/adr/0003-secrets-and-access.md");
    assert!(
        adr.contains("code scaffold's CI does not build yet"),
        "{adr}"
    );
}

/// A seed-stage Go service on GitLab with a Postgres database: the restore drill has a job file.
const SEED_GO_GITLAB: [&str; 12] = [
    "init",
    "--yes",
    "--set",
    "stage=seed",
    "--set",
    "ci=gitlab",
    "--set",
    "language=go",
    "--set",
    "cloud=none",
    "--set",
    "database=postgres",
];

#[test]
fn the_restore_drill_joins_a_teams_own_gitlab_pipeline() {
    let repo = Repo::new();
    repo.write("go.mod", "module example.com/demo\n\ngo 1.22\n");
    let team = "test:\n  script: [go test ./...]\n";
    repo.write(".gitlab-ci.yml", team);
    let mut args = SEED_GO_GITLAB.to_vec();
    args.extend(["--only", "backup-restore"]);
    repo.scaffold(&args)
        .success()
        .stdout_has("update     .gitlab-ci.yml")
        .stdout_has("create     .gitlab/ci/restore-drill.gitlab-ci.yml");
    let text = repo.read(".gitlab-ci.yml");
    assert!(text.starts_with(team), "{text}");
    assert!(
        text.contains("  - local: .gitlab/ci/restore-drill.gitlab-ci.yml\n"),
        "{text}"
    );
    // assess sees the drill as part of the pipeline.
    let assess = repo.scaffold(&["assess", "--json"]);
    assess.never_says("never run");
    assert!(
        assess
            .stdout
            .contains("\".gitlab/ci/restore-drill.gitlab-ci.yml\""),
        "{assess}"
    );
    // Without the include block, assess says the drill never runs.
    repo.write(".gitlab-ci.yml", team);
    repo.scaffold(&["assess", "--json"]).stdout_has(
        ".gitlab/ci/restore-drill.gitlab-ci.yml is not included by .gitlab-ci.yml: its jobs never run",
    );
}

#[test]
fn a_teams_gitlab_include_or_stages_that_cannot_take_scaffolds_jobs_are_refused() {
    let repo = Repo::new();
    repo.write("go.mod", "module example.com/demo\n\ngo 1.22\n");
    let team =
        "include:\n  - template: Security/SAST.gitlab-ci.yml\n\ntest:\n  script: [go test ./...]\n";
    repo.write(".gitlab-ci.yml", team);
    let mut args = SEED_GO_GITLAB.to_vec();
    args.extend(["--only", "ci,backup-restore"]);
    repo.scaffold(&args).code(1).stderr_is(
        "error: `.gitlab-ci.yml` has its own top-level `include:`, and a YAML file holds only one; nothing was written:
add scaffold's job files to that list, then run scaffold again:
  - local: .gitlab/ci/pipeline.gitlab-ci.yml
  - local: .gitlab/ci/restore-drill.gitlab-ci.yml
",
    );
    assert_eq!(repo.read(".gitlab-ci.yml"), team);
    assert!(!repo.exists(".scaffold/state.toml"));

    // The team lists them: scaffold's block adds no second `include:`.
    let listed = team.replace(
        "include:\n",
        "include:\n  - local: .gitlab/ci/pipeline.gitlab-ci.yml\n  - local: .gitlab/ci/restore-drill.gitlab-ci.yml\n",
    );
    repo.write(".gitlab-ci.yml", &listed);
    repo.scaffold(&args).success();
    let text = repo.read(".gitlab-ci.yml");
    assert!(text.starts_with(&listed), "{text}");
    assert_eq!(
        text.lines().filter(|l| l.starts_with("include:")).count(),
        1,
        "{text}"
    );

    let other = Repo::new();
    other.write("go.mod", "module example.com/demo\n\ngo 1.22\n");
    other.write(
        ".gitlab-ci.yml",
        "stages: [lint, test]\n\nlint:\n  stage: lint\n  script: [gofmt -l .]\n",
    );
    other.scaffold(&args).code(1).stderr_is(
        "error: `.gitlab-ci.yml` lists `stages:` without `build`, `deploy`, which scaffold's jobs run in; nothing was written:
add them to that list (GitLab's default order is build, test, deploy), then run scaffold again
",
    );
}

#[test]
fn next_steps_and_the_list_fit_the_width_and_wrap_between_words() {
    let run_with_columns = |repo: &Repo, args: &[&str], columns: Option<&str>| {
        let mut cmd = crate::support::command();
        cmd.args(args).current_dir(repo.path());
        if let Some(columns) = columns {
            cmd.env("COLUMNS", columns);
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let words = |text: &str| {
        text.split_whitespace()
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let steps = |text: &str| text.split_once("next steps:").unwrap().1.to_owned();
    let wide = Repo::new();
    let narrow = Repo::new();
    let args = args(&[]);
    let unwrapped = run_with_columns(&wide, &args, None);
    let wrapped = run_with_columns(&narrow, &args, Some("60"));
    assert!(
        steps(&unwrapped).lines().any(|l| l.chars().count() > 60),
        "a step longer than 60 columns is needed to test wrapping"
    );
    for line in steps(&wrapped).lines() {
        assert!(line.chars().count() <= 60, "too wide: {line:?}");
    }
    assert_eq!(
        words(&steps(&wrapped)),
        words(&steps(&unwrapped)),
        "no word is broken"
    );
    let list = run_with_columns(&wide, &["list"], Some("72"));
    for line in list.lines() {
        assert!(line.chars().count() <= 72, "too wide: {line:?}");
    }
    assert_eq!(
        words(&list),
        words(&run_with_columns(&wide, &["list"], None))
    );
}

/// A credential-shaped value built at run time (no literal for secret scanners to flag).
fn fake_token() -> String {
    let alphabet = b"Q7wErT9yUiOpA3sDfGhJkLzXcVbNm1";
    let tail: String = (0..36)
        .map(|i| char::from(alphabet[(i * 11 + 5) % alphabet.len()]))
        .collect();
    format!("ghp_{tail}")
}

#[test]
fn a_bare_init_looks_for_leaks_likeliest_first_on_a_budget_and_says_so() {
    // At pre-mvp without a cloud, only a leaked credential makes secrets-rbac due: init looks.
    let pre_mvp = [
        "init",
        "--yes",
        "--dry-run",
        "--set",
        "stage=pre-mvp",
        "--set",
        "cloud=none",
        "--set",
        "database=none",
        "--set",
        "code_owner=@acme/platform",
    ];
    let repo = Repo::new();
    repo.write(
        "package.json",
        "{\"scripts\": {\"test\": \"node --test\"}}\n",
    );
    // Nine clean logs of 1.5 MiB (1 MiB read of each) outrun the 8 MiB budget before the
    // notes, which leak.
    let line = "a clean log line, nothing to see here\n";
    let log = line.repeat(3 * 1024 * 1024 / 2 / line.len());
    for i in 0..9 {
        repo.write(&format!("logs/big{i}.txt"), &log);
    }
    repo.write("zz/notes.md", &format!("token: {}\n", fake_token()));
    repo.scaffold(&pre_mvp)
        .success()
        .stderr_has(
            "note: looked for leaked credentials in 8 of 11 files (the likeliest first, on a budget); `scaffold assess` reads them all",
        )
        .never_says("secrets-rbac");
    // assess reads everything.
    let report: serde_json::Value =
        serde_json::from_str(&repo.scaffold(&["assess", "--json"]).stdout).unwrap();
    assert_eq!(
        report["leaks"],
        serde_json::json!([{"path": "zz/notes.md", "line": 1, "kind": "github-token"}])
    );
    // A `.env` is read first, whatever its place in the tree: the leak decides, nothing to note.
    repo.write("zz/.env", &format!("GITHUB_TOKEN={}\n", fake_token()));
    let run = repo.scaffold(&pre_mvp);
    run.success().stdout_has("secrets-rbac");
    assert!(!run.stderr.contains("looked for leaked"), "{run}");
}
