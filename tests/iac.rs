//! The `iac` foundation: what it depends on is enforced, and its drift check is run with a stub
//! `tofu`/`terraform` on PATH.

use crate::support::{Repo, SEED_NODE};

/// `init --yes --only ONLY` for a seed Node repo on aws.
fn init_only<'a>(only: &'a str) -> Vec<&'a str> {
    let mut args = vec!["init", "--yes", "--only", only];
    args.extend_from_slice(&SEED_NODE);
    args.extend_from_slice(&["--set", "cloud=aws"]);
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
