//! The `observability` foundation: laid without an answer for `alert_owner` (a placeholder and a
//! step that closes itself), and its uptime probe run against a local HTTP server.

use crate::support::{Repo, SEED_NODE};

/// The open next steps of `status --json`, by id.
fn open_steps(repo: &Repo) -> Vec<String> {
    let json: serde_json::Value =
        serde_json::from_str(&repo.scaffold(&["status", "--json"]).stdout).unwrap();
    json["next_steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["done"] == false)
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn init_yes_at_seed_lays_observability_with_a_placeholder_owner_until_it_is_named() {
    let repo = Repo::new();
    let mut init = vec!["init", "--yes"];
    init.extend_from_slice(&SEED_NODE);
    repo.scaffold(&init)
        .success()
        .stdout_has("Name who receives uptime alerts");
    assert!(
        repo.read("docs/observability/README.md")
            .contains("REPLACE-ME@example.com")
    );
    let step = "observability-name-who-receives-uptime";
    assert!(open_steps(&repo).iter().any(|s| s == step), "{step} open");

    repo.scaffold(&[
        "upgrade",
        "observability",
        "--set",
        "alert_owner=oncall@acme.dev",
    ])
    .success();
    let docs = repo.read("docs/observability/README.md");
    assert!(!docs.contains("REPLACE-ME@example.com") && docs.contains("oncall@acme.dev"));
    let open = open_steps(&repo);
    assert!(!open.iter().any(|s| s == step), "{step} closed: {open:?}");
}
