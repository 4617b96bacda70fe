//! The `cost-guardrails` foundation: recommended at series-a with a cloud only, laid without an
//! answer for `billing_owner` (a placeholder and a step that closes itself), and named by `assess`
//! as the foundation of its area once laid.

use crate::support::{Repo, SEED_NODE};

/// `init --yes` for the Node repo on aws of `SEED_NODE`, at `stage` and on `cloud`.
fn init_args<'a>(stage: &'a str, cloud: &'a str) -> Vec<&'a str> {
    let mut args = vec!["init", "--yes"];
    args.extend(SEED_NODE.iter().map(|a| match *a {
        "stage=seed" => stage,
        "cloud=aws" => cloud,
        other => other,
    }));
    args
}

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

/// The cost-guardrails area of `assess --json`.
fn cost_area(repo: &Repo) -> serde_json::Value {
    let json: serde_json::Value =
        serde_json::from_str(&repo.scaffold(&["assess", "--json"]).stdout).unwrap();
    json["areas"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == "cost-guardrails")
        .unwrap()
        .clone()
}

#[test]
fn series_a_on_aws_lays_the_budget_with_a_placeholder_owner_until_it_is_named() {
    let repo = Repo::new();
    repo.scaffold(&init_args("stage=series-a", "cloud=aws"))
        .success()
        .stdout_has("Name who receives budget and anomaly alerts");
    let main = repo.read("infra/cost/main.tf");
    for needle in [
        "resource \"aws_budgets_budget\"",
        "\"FORECASTED\"",
        "resource \"aws_ce_anomaly_monitor\"",
        "resource \"aws_ce_anomaly_subscription\"",
        "default_tags",
        "env     = var.environment",
        "service = var.service",
        "owner   = var.owner",
    ] {
        assert!(main.contains(needle), "{needle}:\n{main}");
    }
    assert!(
        repo.read("infra/cost/variables.tf")
            .contains("default     = [50, 80, 100]")
    );
    let area = cost_area(&repo);
    assert_eq!(area["foundation"], "cost-guardrails", "{area}");
    assert_ne!(area["status"], "missing", "{area}");
    assert_eq!(area["applied"], "1.0.0", "{area}");

    let step = "cost-guardrails-name-who-receives-budget";
    assert!(open_steps(&repo).iter().any(|s| s == step), "{step} open");
    repo.scaffold(&[
        "upgrade",
        "cost-guardrails",
        "--set",
        "billing_owner=finance@acme.dev",
    ])
    .success();
    let docs = repo.read("docs/cost/README.md");
    assert!(!docs.contains("REPLACE-ME@example.com") && docs.contains("finance@acme.dev"));
    assert!(
        repo.read("infra/cost/variables.tf")
            .contains("finance@acme.dev")
    );
    let open = open_steps(&repo);
    assert!(!open.iter().any(|s| s == step), "{step} closed: {open:?}");
}

#[test]
fn gcp_gets_a_billing_budget_to_pub_sub_and_default_labels() {
    let repo = Repo::new();
    repo.scaffold(&init_args("stage=growth", "cloud=gcp"))
        .success();
    let main = repo.read("infra/cost/main.tf");
    for needle in [
        "resource \"google_billing_budget\"",
        "resource \"google_pubsub_topic\"",
        "\"FORECASTED_SPEND\"",
        "default_labels",
    ] {
        assert!(main.contains(needle), "{needle}:\n{main}");
    }
}

#[test]
fn it_waits_for_series_a_and_a_cloud() {
    for (stage, cloud) in [
        ("stage=seed", "cloud=aws"),
        ("stage=series-a", "cloud=none"),
    ] {
        let repo = Repo::new();
        repo.scaffold(&init_args(stage, cloud)).success();
        assert!(!repo.exists("docs/cost/README.md"), "{stage} {cloud}");
        assert!(!repo.exists("infra/cost"), "{stage} {cloud}");
    }
}
