//! `scaffold list`: the catalog, as a table or JSON; needs no repo.

use crate::support::Repo;

#[test]
fn list_shows_every_foundation() {
    let repo = Repo::new();
    let run = repo.scaffold(&["list"]);
    run.success();
    for id in [
        "backup-restore",
        "ci",
        "cost-guardrails",
        "iac",
        "observability",
        "production-access",
        "secrets-rbac",
        "staging-parity",
    ] {
        assert!(run.stdout.contains(id), "{run}");
    }
    assert!(run.stdout.contains("source: embedded"), "{run}");
}

#[test]
fn list_json_has_id_version_summary_stages_and_source() {
    let repo = Repo::new();
    let run = repo.scaffold(&["list", "--json"]);
    run.success();
    let list: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(list["schema_version"], 1);
    let items = list["foundations"].as_array().unwrap();
    let ids: Vec<&str> = items.iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "backup-restore",
            "ci",
            "cost-guardrails",
            "iac",
            "observability",
            "production-access",
            "secrets-rbac",
            "staging-parity"
        ]
    );
    let ci = items.iter().find(|i| i["id"] == "ci").unwrap();
    assert!(semver_like(ci["version"].as_str().unwrap()), "{ci}");
    assert!(!ci["summary"].as_str().unwrap().is_empty());
    assert_eq!(ci["recommended"][0], "pre-mvp");
    assert_eq!(ci["source"], "embedded");
    let parity = items.iter().find(|i| i["id"] == "staging-parity").unwrap();
    assert_eq!(
        parity["recommended"],
        serde_json::json!(["series-a", "growth"])
    );
    // What a foundation needs laid first is listed.
    let iac = items.iter().find(|i| i["id"] == "iac").unwrap();
    assert_eq!(iac["depends_on"], serde_json::json!(["secrets-rbac"]));
    let observability = items.iter().find(|i| i["id"] == "observability").unwrap();
    assert_eq!(observability["depends_on"], serde_json::json!([]));
}

fn semver_like(v: &str) -> bool {
    let parts: Vec<&str> = v.split('.').collect();
    parts.len() == 3 && parts.iter().all(|p| p.parse::<u64>().is_ok())
}
