//! Bad input: a clear, specific message, exit 2, and nothing written. Messages are locked here.

use crate::support::{Repo, SEED_NODE};

#[test]
fn without_a_terminal_every_missing_answer_is_listed() {
    let repo = Repo::new();
    repo.scaffold(&["init", "--set", "stage=seed"])
        .code(2)
        .stderr_is(
            "error: answers are missing and there is no terminal to ask:
  project_name           e.g. --set project_name=my-app
  ci                     e.g. --set ci=github|gitlab
  language               e.g. --set language=rust|node|python|go|ruby|jvm|php|other
  cloud                  e.g. --set cloud=aws|gcp|none
  database               e.g. --set database=postgres|mysql|none
answer with --set KEY=VALUE, an --answers file, or --yes to take the defaults
",
        );
    assert!(repo.files().is_empty());
}

#[test]
fn yes_without_a_detected_language_still_needs_the_language() {
    let repo = Repo::new();
    repo.scaffold(&["init", "--yes"]).code(2).stderr_is(
        "error: an answer is missing (--yes takes the defaults, and this question has none):
  language               e.g. --set language=rust|node|python|go|ruby|jvm|php|other
answer with --set KEY=VALUE or an --answers file
",
    );
    assert!(repo.files().is_empty());
}

#[test]
fn a_bad_value_names_the_key_the_value_and_what_is_allowed() {
    let repo = Repo::new();
    repo.scaffold(&["init", "--yes", "--set", "ci=jenkins"])
        .code(2)
        .stderr_is(
            "error: invalid value `jenkins` for `ci` (--set): allowed values: github, gitlab\n",
        );
    repo.scaffold(&["init", "--yes", "--stage", "unicorn"])
        .code(2)
        .stderr_is("error: invalid value `unicorn` for `stage` (--stage): allowed values: pre-mvp, seed, series-a, growth\n");
    repo.scaffold(&["init", "--yes", "--set", "stage=seed", "--stage", "growth"])
        .code(2)
        .stderr_is("error: `stage` is given twice (--set and --stage)\n");
    repo.scaffold(&["init", "--yes", "--set", "project_name=../evil"])
        .code(2)
        .stderr_has("invalid value `../evil` for `project_name`");
    assert!(repo.files().is_empty());
}

#[test]
fn unknown_keys_are_errors_not_ignored() {
    let repo = Repo::new();
    repo.scaffold(&["init", "--yes", "--set", "langauge=node"])
        .code(2)
        .stderr_has("error: unknown key `langauge` (--set) (did you mean `language`?); known keys: project_name, stage, ci, language, cloud, database");
    repo.scaffold(&["init", "--yes", "--only", "backup"])
        .code(2)
        .stderr_is("error: unknown foundation `backup` (did you mean `backup-restore`?); available: backup-restore, ci, cost-guardrails, iac, observability, production-access, secrets-rbac, staging-parity\n");
    repo.scaffold(&["init", "--set", "stage"])
        .code(2)
        .stderr_is("error: `stage` is not of the form KEY=VALUE (e.g. `--set language=node`)\n");
    assert!(repo.files().is_empty());
}

#[test]
fn a_bad_answers_file_names_the_file_and_the_line() {
    let repo = Repo::new();
    repo.write("answers.toml", "stage = \"seed\"\nci = \"jenkins\"\n");
    repo.scaffold(&["init", "--yes", "--answers", "answers.toml"])
        .code(2)
        .stderr_is("error: invalid value `jenkins` for `ci` (`answers.toml` line 2): allowed values: github, gitlab\n");
    repo.write("answers.toml", "stage = \"seed\"\n\nci = github\n");
    repo.scaffold(&["init", "--yes", "--answers", "answers.toml"])
        .code(2)
        .stderr_is(
            "error: invalid answers file `answers.toml` line 3: invalid string; expected `\"`, `'`
  |
3 | ci = github
  |      ^
",
        );
    repo.write("answers.toml", "# our answers\nregion = \"eu\"\n");
    repo.scaffold(&["init", "--yes", "--answers", "answers.toml"])
        .code(2)
        .stderr_has("error: unknown key `region` (`answers.toml` line 2)");
    repo.scaffold(&["init", "--yes", "--answers", "missing.toml"])
        .code(2)
        .stderr_has("error: cannot read answers file `missing.toml`:");
    assert_eq!(repo.files(), ["answers.toml"]);
}

#[test]
fn an_answers_file_answers_like_flags_and_flags_win() {
    let repo = Repo::new();
    repo.write(
        "answers.toml",
        "stage = \"pre-mvp\"\nci = \"gitlab\"\nlanguage = \"python\"\ncloud = \"none\"\ndatabase = \"none\"\n",
    );
    repo.scaffold(&[
        "init",
        "--yes",
        "--answers",
        "answers.toml",
        "--set",
        "project_name=shop",
        "--set",
        "ci=github",
    ])
    .success();
    let state = repo.read(".scaffold/state.toml");
    assert!(
        state.contains("ci = \"github\"") && state.contains("project_name = \"shop\""),
        "{state}"
    );
    assert!(repo.exists(".github/workflows/ci.yml"));
    assert!(
        !repo.exists(".github/workflows/deploy.yml"),
        "pre-mvp has no deploy"
    );
}

#[test]
fn unknown_foundations_are_named_with_the_available_ones() {
    let repo = Repo::new();
    repo.scaffold(&["add", "kubernetes"])
        .code(2)
        .stderr_is("error: unknown foundation `kubernetes`; available: backup-restore, ci, cost-guardrails, iac, observability, production-access, secrets-rbac, staging-parity\n");
    let mut args = vec!["init", "--yes", "--only", "ci,vault"];
    args.extend_from_slice(&SEED_NODE);
    repo.scaffold(&args)
        .code(2)
        .stderr_has("unknown foundation `vault`");
    assert!(repo.files().is_empty());
}

#[test]
fn a_corrupt_or_newer_state_is_a_clear_error() {
    let repo = Repo::new();
    repo.write(".scaffold/state.toml", "version = 1\n[foundations.ci\n");
    let mut args = vec!["init", "--yes"];
    args.extend_from_slice(&SEED_NODE);
    repo.scaffold(&args)
        .code(2)
        .stderr_has("error: state file `")
        .stderr_has(".scaffold/state.toml` is not valid:");
    repo.write(".scaffold/state.toml", "version = 2\n");
    repo.scaffold(&args)
        .code(2)
        .stderr_has("has format version 2, this scaffold reads version 1: upgrade scaffold");
    assert_eq!(repo.files(), [".scaffold/state.toml"]);
}

#[test]
fn a_missing_directory_is_named() {
    let repo = Repo::new();
    repo.scaffold(&["init", "-C", "nope", "--yes"])
        .code(2)
        .stderr_is("error: `nope` is not a directory\n");
}

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    let repo = Repo::new();
    repo.scaffold(&["init", "--frobnicate"]).code(2);
    repo.scaffold(&["add"]).code(2);
    repo.scaffold(&["--help"])
        .success()
        .stdout_has("Exit codes:");
    repo.scaffold(&["init", "--help"])
        .success()
        .stdout_has("Examples:")
        .stdout_has("scaffold init --yes --set language=node");
}

#[test]
fn a_blueprint_source_or_fork_directory_that_is_not_there_is_named() {
    let repo = Repo::new();
    let mut args = vec!["init", "--yes", "--source", "nope"];
    args.extend_from_slice(&SEED_NODE);
    repo.scaffold(&args).code(2).stderr_is(
        "error: blueprint source `nope` is neither a directory nor a git URL (for a local git repository use file:///path/to/repo)\n",
    );
    repo.scaffold(&["blueprint", "lint", "nope"])
        .code(2)
        .stderr_is("error: `nope` is not a directory\n");
    repo.scaffold(&["blueprint", "new", "Bad_Id", "--to", "forks"])
        .code(2)
        .stderr_is(
            "error: invalid value `Bad_Id` for `id` (ID): lowercase letters, digits and `-`\n",
        );
    assert!(repo.files().is_empty());
}

#[test]
fn a_refusal_says_whether_scaffold_wrote_the_file_or_found_it_there() {
    let repo = Repo::new();
    repo.write(".sops.yaml", "creation_rules: []\n");
    let mut args = vec!["init", "--yes", "--only", "ci,secrets-rbac"];
    args.extend_from_slice(&SEED_NODE);
    let first = repo.scaffold(&args);
    first
        .code(1)
        .stderr_has("a file is not what scaffold would write; nothing was written:")
        .stderr_has(
            "  .sops.yaml (foundation `secrets-rbac`): already there, not written by scaffold",
        )
        .never_says("changed since scaffold wrote");
    assert_eq!(repo.read(".sops.yaml"), "creation_rules: []\n");

    let mut only_ci = vec!["init", "--yes", "--only", "ci"];
    only_ci.extend_from_slice(&SEED_NODE);
    repo.scaffold(&only_ci).success();
    let edited = format!("{}# ours\n", repo.read(".github/workflows/deploy.yml"));
    repo.write(".github/workflows/deploy.yml", &edited);
    only_ci.extend(["--set", "production_branch=release"]);
    repo.scaffold(&only_ci)
        .code(1)
        .stderr_has(
            "  .github/workflows/deploy.yml (foundation `ci`): changed since scaffold wrote it",
        )
        .never_says("already there");
}

#[test]
fn a_corrupt_state_shows_the_line_and_a_caret() {
    let repo = Repo::new();
    repo.write(
        ".scaffold/state.toml",
        "version = 1\n[answers\nstage = \"seed\"\n",
    );
    repo.scaffold(&["status"]).code(2).stderr_is(
        "error: state file `.scaffold/state.toml` is not valid: invalid table header; expected `.`, `]`
  |
2 | [answers
  |         ^
",
    );
}

#[test]
fn template_errors_name_the_value_and_the_line_not_handlebars_internals() {
    let repo = Repo::new();
    repo.scaffold(&["blueprint", "new", "notes", "--to", "fork"])
        .success();
    let template = "fork/notes/templates/README.md.hbs";
    let original = repo.read(template);
    let mut args = vec!["init", "--yes", "--source", "fork", "--only", "notes"];
    args.extend_from_slice(&SEED_NODE);
    let cases = [
        (
            "Owner: {{ownr}}\n",
            "`ownr` has no value: no question, detected value or shared value has that name",
        ),
        (
            "{{#if owner}}x{{/iff}}\n",
            "block `{{#if}}` is closed by `{{/iff}}`",
        ),
        (
            "Owner: {{ owner\n",
            "invalid Handlebars syntax: check that every `{{` has its `}}` and every block its closing tag",
        ),
    ];
    let line = original.lines().count() + 1;
    for (added, says) in cases {
        repo.write(template, &format!("{original}{added}"));
        let run = repo.scaffold(&args);
        run.code(3)
            .stderr_has(&format!(
                "error: blueprint `notes`: template `templates/README.md.hbs` line {line}: {says}"
            ))
            .never_says("Some(")
            .never_says("expected");
        assert!(!repo.exists(".scaffold/state.toml"));
    }
}

#[test]
fn a_value_that_does_not_fit_is_explained_in_words_with_a_suggestion() {
    let repo = Repo::new();
    repo.scaffold(&["init", "--yes", "--set", "ci=githbu"])
        .code(2)
        .stderr_is("error: invalid value `githbu` for `ci` (--set): allowed values: github, gitlab (did you mean `github`?)\n");
    let mut args = vec!["init", "--yes", "--only", "secrets-rbac"];
    for pair in SEED_NODE.chunks(2) {
        if !pair[1].starts_with("code_owner=") {
            args.extend_from_slice(pair);
        }
    }
    args.extend(["--set", "code_owner=acme-platform"]);
    repo.scaffold(&args)
        .code(2)
        .stderr_is("error: invalid value `acme-platform` for `code_owner` (--set): expected a GitHub or GitLab user or team such as `@dana` or `@acme/platform`\n")
        .never_says("^@");
    assert!(repo.files().is_empty());
}

#[test]
fn a_git_source_that_fails_is_exit_3_naming_the_command_and_a_missing_ref_is_exit_2() {
    let repo = Repo::new();
    let gone = repo.path().join("no-such-fork.git");
    let url = format!("file://{}", gone.display());
    let run = repo.scaffold(&["list", "--source", &url]);
    run.code(3)
        .stderr_has(&format!("error: git source `{url}`: `git clone` failed: "));
    crate::support::git(
        repo.path(),
        &["commit", "-q", "--allow-empty", "-m", "first"],
    );
    let here = format!("file://{}", repo.path().display());
    repo.scaffold(&["list", "--source", &here, "--ref", "v9.9.9"])
        .code(2)
        .stderr_is(&format!(
            "error: git source `{here}`: no tag, branch or commit `v9.9.9`\n"
        ));
}
