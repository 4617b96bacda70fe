//! The `production-access` foundation: `ops/access/shell.sh` is run with a stub `aws` or `gcloud`
//! on PATH recording the call, and the access review is built from the laid access matrix.

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{Repo, Run, SEED_NODE};

/// `init --yes --only secrets-rbac,production-access` for a Node repo on `cloud`.
fn lay(repo: &Repo, cloud: &str) {
    let mut args: Vec<String> = ["init", "--yes", "--only", "secrets-rbac,production-access"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    args.extend(SEED_NODE.iter().map(|s| match *s {
        "cloud=aws" => format!("cloud={cloud}"),
        other => other.to_owned(),
    }));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    repo.scaffold(&args).success();
}

/// A folder holding a stub `name` that records its arguments, one a line, in `args`, and links to
/// the only other command the script runs, so PATH holds nothing else.
fn stub_path(dir: &Path, name: &str) -> PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let real = ["/usr/bin/bash", "/bin/bash"]
        .iter()
        .map(Path::new)
        .find(|p| p.exists())
        .expect("bash installed");
    std::os::unix::fs::symlink(real, bin.join("bash")).unwrap();
    let stub = bin.join(name);
    let script = format!(
        "#!/bin/bash\nprintf '%s\\n' \"$@\" > '{}'\n",
        dir.join("args").display()
    );
    std::fs::write(&stub, script).unwrap();
    std::fs::set_permissions(&stub, std::fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

fn shell(repo: &Repo, bin: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    Command::new(repo.path().join("ops/access/shell.sh"))
        .args(args)
        .env_clear()
        .env("PATH", bin)
        .env("USER", "ada")
        .envs(env.iter().copied())
        .output()
        .unwrap()
        .into()
}

fn recorded(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("args"))
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn shell_opens_a_session_manager_session_with_the_persons_profile() {
    let repo = Repo::new();
    lay(&repo, "aws");
    let stubs = tempfile::tempdir().unwrap();
    let bin = stub_path(stubs.path(), "aws");
    shell(&repo, &bin, &["production", "i-0123456789abcdef0"], &[]).success();
    let args = recorded(stubs.path());
    let project = args[3]
        .strip_suffix("-production")
        .expect("profile per env");
    assert!(!project.is_empty(), "{args:?}");
    assert_eq!(
        args,
        [
            "ssm",
            "start-session",
            "--profile",
            &format!("{project}-production"),
            "--target",
            "i-0123456789abcdef0",
            "--reason",
            "ops/access/shell.sh production by ada"
        ]
    );
    shell(
        &repo,
        &bin,
        &["staging", "i-0123456789abcdef0"],
        &[("ACCESS_PROFILE", "sso-eng")],
    )
    .success();
    assert_eq!(recorded(stubs.path())[3], "sso-eng");
    // Wrong arguments never reach the CLI.
    std::fs::remove_file(stubs.path().join("args")).unwrap();
    shell(&repo, &bin, &["prod", "i-0123456789abcdef0"], &[]).code(64);
    shell(&repo, &bin, &["production", "web-1; rm -rf /"], &[]).code(64);
    shell(&repo, &bin, &["production"], &[]).code(64);
    assert!(!stubs.path().join("args").exists());
    // No CLI installed: a failure that names it.
    let empty = tempfile::tempdir().unwrap();
    let bin = stub_path(empty.path(), "unrelated");
    shell(&repo, &bin, &["production", "i-0123456789abcdef0"], &[])
        .code(1)
        .stderr_has("AWS CLI");
}

#[test]
fn shell_tunnels_through_iap_on_gcp() {
    let repo = Repo::new();
    lay(&repo, "gcp");
    assert!(
        !repo
            .read("infra/production-access/main.tf")
            .contains("aws_")
    );
    let stubs = tempfile::tempdir().unwrap();
    let bin = stub_path(stubs.path(), "gcloud");
    shell(
        &repo,
        &bin,
        &["staging", "web-1"],
        &[
            ("ACCESS_PROJECT", "acme-stg"),
            ("ACCESS_ZONE", "europe-west1-b"),
        ],
    )
    .success();
    assert_eq!(
        recorded(stubs.path()),
        [
            "compute",
            "ssh",
            "web-1",
            "--tunnel-through-iap",
            "--project",
            "acme-stg",
            "--zone",
            "europe-west1-b"
        ]
    );
    shell(&repo, &bin, &["staging", "Web_1"], &[]).code(64);
}

#[test]
fn the_access_review_lists_every_role_and_every_right_of_the_matrix() {
    let repo = Repo::new();
    lay(&repo, "aws");
    let run: Run = Command::new(repo.path().join("ops/access/access-review.sh"))
        .output()
        .unwrap()
        .into();
    run.success();
    let matrix = repo.read("docs/security/access.md");
    for role in ["Engineer", "On-call", "Admin", "CI"] {
        assert!(
            run.stdout.contains(&format!("- [ ] **{role}** (")),
            "{role}: {run}"
        );
    }
    // A right the matrix grants is on the list; one it refuses (`no`) is not.
    assert!(matrix.contains("| Break glass | no | no | no | yes (below) |"));
    assert!(
        run.stdout
            .contains("- [ ] Break glass: **Admin** may (yes (below))"),
        "{run}"
    );
    assert!(!run.stdout.contains("Break glass: **Engineer**"), "{run}");
    // A file with no matrix is an error, not an empty review.
    repo.write("empty.md", "# nothing\n");
    let run: Run = Command::new(repo.path().join("ops/access/access-review.sh"))
        .arg(repo.path().join("empty.md"))
        .output()
        .unwrap()
        .into();
    run.code(1);
}

#[test]
fn production_access_without_secrets_rbac_is_refused() {
    let repo = Repo::new();
    let mut args = vec!["init", "--yes", "--only", "production-access"];
    args.extend_from_slice(&SEED_NODE);
    repo.scaffold(&args)
        .code(2)
        .stderr_has("production-access needs secrets-rbac");
}

#[test]
fn assess_names_the_foundation_and_counts_it_partial_until_the_matrix_names_people() {
    let repo = Repo::new();
    lay(&repo, "aws");
    let area = |repo: &Repo| {
        let run = repo.scaffold(&["assess", "--json"]);
        run.success();
        let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        report["areas"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == "production-access")
            .unwrap()
            .clone()
    };
    let before = area(&repo);
    assert_eq!(before["foundation"], "production-access", "{before:#}");
    assert!(before["applied"].is_string(), "{before:#}");
    assert_eq!(before["status"], "partial", "{before:#}");
    let access = repo.read("docs/security/access.md");
    repo.write(
        "docs/security/access.md",
        &access.replace(
            "| Admin | two named people, no more |",
            "| Admin | Ada, Grace |",
        ),
    );
    assert_eq!(area(&repo)["status"], "present");
}
