//! The interfaces scripts and CI jobs use: every `--json` document carries `schema_version`, and
//! `assess --check` fails a job while an area planned for now is missing.

use serde_json::Value;

use crate::support::{Repo, SEED_NODE};

fn json_of(repo: &Repo, args: &[&str]) -> Value {
    let run = repo.scaffold(args);
    run.success();
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}\n{run}"))
}

#[test]
fn every_json_document_carries_schema_version_1() {
    let repo = Repo::new();
    repo.write(
        "package.json",
        "{\"scripts\": {\"test\": \"node --test\"}}\n",
    );
    let mut init = vec!["init", "--yes"];
    init.extend_from_slice(&SEED_NODE);
    repo.scaffold(&init).success();
    for args in [
        &["list", "--json"][..],
        &["status", "--json"],
        &["assess", "--json"],
        &["assess", "--json", "--stage", "growth"],
    ] {
        let doc = json_of(&repo, args);
        assert!(doc.is_object(), "{args:?}: {doc}");
        assert_eq!(doc["schema_version"], 1, "{args:?}");
    }
}

#[test]
fn assess_check_fails_while_an_area_planned_for_now_is_missing() {
    let repo = Repo::new();
    repo.write(
        "package.json",
        "{\"scripts\": {\"test\": \"node --test\"}}\n",
    );
    let run = repo.scaffold(&["assess", "--check", "--stage", "seed"]);
    run.code(1)
        .stderr_has("planned for now at stage seed")
        .stderr_has("secrets-access");
    assert!(
        run.stdout.contains("secrets-access"),
        "the table is still printed\n{run}"
    );

    let planned: Vec<String> =
        json_of(&repo, &["assess", "--json", "--stage", "seed"])["plan"]["now"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect();
    let foundations: Vec<String> =
        json_of(&repo, &["assess", "--json", "--stage", "seed"])["areas"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| planned.iter().any(|p| a["id"] == p.as_str()))
            .filter_map(|a| a["foundation"].as_str().map(str::to_owned))
            .collect();
    assert!(!foundations.is_empty(), "{planned:?}");
    let mut init = vec!["init", "--yes"];
    init.extend_from_slice(&SEED_NODE);
    let only = foundations.join(",");
    init.extend(["--only", &only]);
    repo.scaffold(&init).success();
    repo.scaffold(&["assess", "--check", "--stage", "seed", "--json"])
        .success()
        .stderr_has("no area planned for now is missing");
}

#[test]
fn quiet_prints_only_errors_and_verbose_says_why() {
    let repo = Repo::new();
    repo.write("package.json", "{\"dependencies\": {\"pg\": \"^8\"}}\n");
    let mut init = vec!["init", "--yes"];
    init.extend_from_slice(&SEED_NODE);
    let mut quiet = init.clone();
    quiet.push("-q");
    let run = repo.scaffold(&quiet);
    run.success();
    assert_eq!(run.stdout, "", "{run}");
    assert!(repo.exists(".github/workflows/ci.yml"));
    repo.scaffold(&["status", "-q"]).success();
    assert_eq!(repo.scaffold(&["status", "--quiet"]).stdout, "");
    let json = repo.scaffold(&["status", "--json", "-q"]);
    assert!(
        json.stdout.contains("\"schema_version\": 1"),
        "--json still prints: {json}"
    );
    repo.scaffold(&["upgrade", "-q", "--set", "stage=oops"])
        .code(2)
        .stderr_has("invalid value `oops` for `stage`");

    let verbose = repo.scaffold(&["upgrade", "--dry-run", "-v"]);
    verbose
        .success()
        .stdout_has("detected:\n  projects        . (node with npm;")
        .stdout_has("  database        postgres")
        .stdout_has("why (stage seed):")
        .stdout_has("  secrets-rbac       area secrets-access is ");
    repo.scaffold(&["upgrade", "-q", "-v"])
        .code(2)
        .stderr_has("cannot be used with");
}
