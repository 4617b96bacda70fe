//! The `iac` foundation: what it depends on is enforced, and its drift check is run with a stub
//! `tofu`/`terraform` on PATH.

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{Repo, Run, SEED_NODE};

/// `init --yes --only ONLY` for a seed Node repo on aws (`SEED_NODE`).
fn init_only(only: &str) -> Vec<&str> {
    let mut args = vec!["init", "--yes", "--only", only];
    args.extend_from_slice(&SEED_NODE);
    args
}

#[test]
fn iac_without_secrets_rbac_is_refused_naming_it() {
    let repo = Repo::new();
    let before = repo.fingerprint();
    repo.scaffold(&init_only("ci,iac"))
        .code(2)
        .stderr_has("iac needs secrets-rbac: add it with --only ci,iac,secrets-rbac");
    assert_eq!(repo.fingerprint(), before, "nothing written");
    // `add` is held to the same rule.
    repo.scaffold(&init_only("ci")).success();
    repo.scaffold(&["add", "iac"])
        .code(2)
        .stderr_has("iac needs secrets-rbac")
        .stderr_has("scaffold add secrets-rbac");
    assert!(!repo.exists("infra/envs/staging"));
}

#[test]
fn iac_is_laid_with_secrets_rbac_chosen_or_already_laid() {
    let together = Repo::new();
    together.scaffold(&init_only("iac,secrets-rbac")).success();
    assert!(together.exists("infra/ci-identity/iac.tf"));

    let later = Repo::new();
    later.scaffold(&init_only("secrets-rbac")).success();
    later.scaffold(&["add", "iac"]).success();
    assert!(later.exists("infra/ci-identity/iac.tf"));
}

/// A folder holding a stub `NAME` (records its arguments in `args`, exits with the code in
/// `code`) and links to the only other commands the drift check runs, so PATH holds nothing else.
fn stub_path(dir: &Path, name: &str) -> PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    for tool in ["bash", "dirname"] {
        let real = ["/usr/bin", "/bin"]
            .iter()
            .map(|d| Path::new(d).join(tool))
            .find(|p| p.exists())
            .unwrap_or_else(|| panic!("{tool} not installed"));
        std::os::unix::fs::symlink(real, bin.join(tool)).unwrap();
    }
    let stub = bin.join(name);
    let script = format!(
        "#!/bin/bash\nprintf '%s\\n' \"$0\" \"$@\" > '{args}'\nexit \"$(< '{code}')\"\n",
        args = dir.join("args").display(),
        code = dir.join("code").display(),
    );
    std::fs::write(&stub, script).unwrap();
    std::fs::set_permissions(&stub, std::fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

/// Runs the generated drift check for `env` with the stub plan exiting `plan_exit`.
fn drift_check(repo: &Repo, stubs: &Path, bin: &Path, env: &str, plan_exit: i32) -> Run {
    std::fs::write(stubs.join("code"), plan_exit.to_string()).unwrap();
    let _ = std::fs::remove_file(stubs.join("args"));
    Command::new(repo.path().join("ops/iac/drift-check.sh"))
        .arg(env)
        .env_clear()
        .env("PATH", bin)
        .output()
        .unwrap()
        .into()
}

#[test]
fn drift_check_maps_the_plan_exit_code_with_tofu_or_terraform() {
    let repo = Repo::new();
    repo.scaffold(&init_only("secrets-rbac,iac")).success();
    for tool in ["tofu", "terraform"] {
        let stubs = tempfile::tempdir().unwrap();
        let bin = stub_path(stubs.path(), tool);
        drift_check(&repo, stubs.path(), &bin, "staging", 0)
            .success()
            .stdout_has("no drift in staging");
        let args = std::fs::read_to_string(stubs.path().join("args")).unwrap();
        let args: Vec<&str> = args.lines().collect();
        assert_eq!(args[0], bin.join(tool).display().to_string(), "{tool} run");
        let chdir = format!(
            "-chdir={}",
            repo.path().join("infra/envs/staging").display()
        );
        assert_eq!(
            args[1..],
            [
                chdir.as_str(),
                "plan",
                "-detailed-exitcode",
                "-lock=false",
                "-input=false",
                "-no-color"
            ]
        );
        drift_check(&repo, stubs.path(), &bin, "production", 2)
            .code(2)
            .stderr_has("DRIFT in production");
        drift_check(&repo, stubs.path(), &bin, "production", 1)
            .code(1)
            .stderr_has("the plan of production failed (exit 1)");
    }
    // Neither installed: a failure, never "no drift".
    let empty = tempfile::tempdir().unwrap();
    let bin = stub_path(empty.path(), "unrelated");
    drift_check(&repo, empty.path(), &bin, "staging", 0)
        .code(1)
        .stderr_has("neither tofu nor terraform is installed");
}
