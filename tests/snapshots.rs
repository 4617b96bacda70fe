//! Snapshots of generated trees (every path followed by its content) and of the session output,
//! so any change to a blueprint or to what the user sees is one reviewable diff.

use crate::support::Repo;

fn settings() -> insta::Settings {
    // No date filter: the tests fix the date with SOURCE_DATE_EPOCH, so every byte is compared,
    // the hashes in `state.toml` included.
    let mut s = insta::Settings::clone_current();
    s.set_prepend_module_to_snapshot(false);
    s
}

fn lay(repo: &Repo, answers: &[&str]) -> String {
    let mut args = vec![
        "init",
        "--yes",
        "--only",
        "ci,secrets-rbac,backup-restore,staging-parity",
    ];
    for a in answers {
        args.push("--set");
        args.push(a);
    }
    let run = repo.scaffold(&args);
    run.success();
    run.stdout.clone()
}

#[test]
fn tree_seed_node_github_aws_postgres() {
    let repo = Repo::new();
    let stdout = lay(
        &repo,
        &[
            "stage=seed",
            "ci=github",
            "language=node",
            "cloud=aws",
            "database=postgres",
            "code_owner=@acme/platform",
            "repository=acme/demo",
        ],
    );
    settings().bind(|| {
        insta::assert_snapshot!("session_seed_node_github_aws_postgres", stdout);
        insta::assert_snapshot!(
            "tree_seed_node_github_aws_postgres",
            repo.tree(&[".scaffold/base/"])
        );
    });
}

#[test]
fn tree_series_a_python_gitlab_gcp_mysql() {
    let repo = Repo::new();
    lay(
        &repo,
        &[
            "stage=series-a",
            "ci=gitlab",
            "language=python",
            "cloud=gcp",
            "database=mysql",
            "code_owner=@acme/platform",
            "repository=acme/demo",
        ],
    );
    settings().bind(|| {
        insta::assert_snapshot!(
            "tree_series_a_python_gitlab_gcp_mysql",
            repo.tree(&[".scaffold/base/"])
        );
    });
}

#[test]
fn tree_pre_mvp_rust_github_none_none() {
    let repo = Repo::new();
    let run = repo.scaffold(&[
        "init",
        "--yes",
        "--set",
        "stage=pre-mvp",
        "--set",
        "ci=github",
        "--set",
        "language=rust",
        "--set",
        "cloud=none",
        "--set",
        "database=none",
    ]);
    run.success();
    settings().bind(|| {
        insta::assert_snapshot!(
            "tree_pre_mvp_rust_github_none_none",
            repo.tree(&[".scaffold/base/"])
        );
    });
}
