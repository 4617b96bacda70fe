//! `scaffold assess`: detection on each stack and on monorepos, the areas and their ranking,
//! leaked credentials (never their values), the terminal table, and `docs/infra/TERRAIN.md`.

use serde_json::{Value, json};

use crate::support::{self, Repo, SEED_NODE};

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_prepend_module_to_snapshot(false);
    s
}

/// `scaffold assess --json ARGS`, which must succeed and print only JSON.
fn assess(repo: &Repo, args: &[&str]) -> Value {
    let mut all = vec!["assess", "--json"];
    all.extend_from_slice(args);
    let run = repo.scaffold(&all);
    run.success();
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}\n{run}"))
}

fn pretty(report: &Value) -> String {
    serde_json::to_string_pretty(report).unwrap()
}

fn area<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["areas"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == id)
        .unwrap_or_else(|| panic!("no area {id} in {report:#}"))
}

fn ids(values: &Value) -> Vec<&str> {
    values
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect()
}

/// A credential-shaped value built at run time, so no credential-like literal sits in the repo.
fn fake(prefix: &str, len: usize) -> String {
    let alphabet = b"Q7wErT9yUiOpA3sDfGhJkLzXcVbNm1";
    let tail: String = (0..len)
        .map(|i| char::from(alphabet[(i * 11 + 5) % alphabet.len()]))
        .collect();
    format!("{prefix}{tail}")
}

/// Runs the binary with extra environment variables (the harness clears the colour ones).
fn run_with_env(repo: &Repo, args: &[&str], env: &[(&str, &str)]) -> String {
    let mut cmd = support::command();
    cmd.args(args)
        .current_dir(repo.path())
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("CLICOLOR");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// A JS monorepo (npm workspaces) with a Python tool, hand-made CI that deploys over SSH, a
/// leaked AWS key in `.env`, and ignored trees that must not count. Returns the leaked value.
fn node_monorepo(repo: &Repo) -> String {
    let secret = fake("", 40);
    repo.write(".gitignore", "node_modules/\ndist/\n.env.local\n")
        .write(
            "package.json",
            r#"{"name": "shop", "private": true, "workspaces": ["packages/*"]}"#,
        )
        .write("package-lock.json", "{}\n")
        .write(
            "packages/api/package.json",
            r#"{"dependencies": {"pg": "^8", "@aws-sdk/client-s3": "^3", "@sentry/node": "^8"}}"#,
        )
        .write("packages/api/Dockerfile", "FROM node:22-slim\n")
        .write(
            "packages/web/package.json",
            r#"{"dependencies": {"react": "^19"}}"#,
        )
        .write("tools/seed/requirements.txt", "psycopg[binary]==3.2\n")
        .write(
            ".github/workflows/test.yml",
            "on: push
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: npm ci && npm test
  deploy:
    needs: test
    environment: production
    runs-on: ubuntu-latest
    steps:
      - uses: appleboy/ssh-action@v1
        with:
          key: ${{ secrets.SSH_PRIVATE_KEY }}
          script: cd /srv/shop && git pull && pm2 restart all
",
        )
        .write(".env", &format!("NODE_ENV=production\nAWS_SECRET_ACCESS_KEY={secret}\n"))
        .write(
            ".env.example",
            "NODE_ENV=development\nAWS_SECRET_ACCESS_KEY=your-secret-access-key\nSESSION_SECRET=change-me\n",
        )
        // Ignored: never read, never reported.
        .write(".env.local", &format!("GITHUB_TOKEN={}\n", fake("ghp_", 36)))
        .write("node_modules/mysql2/package.json", r#"{"name": "mysql2"}"#)
        .write("node_modules/leaky/.env", &format!("AWS_SECRET_ACCESS_KEY={secret}\n"))
        .write("dist/main.tf", "provider \"google\" {}\n");
    secret
}

#[test]
fn a_node_monorepo_is_read_through_its_workspaces_and_its_gitignore() {
    let repo = Repo::new();
    node_monorepo(&repo);
    let report = assess(&repo, &[]);
    assert_eq!(
        report["detected"],
        json!({
            "language": ["node", "python"],
            "ci": "github",
            "database": "postgres",
            "cloud": "aws",
            "container": true,
            "iac": "none",
            "cloud_evidence": "packages/api/package.json: aws-sdk",
            "database_image": null,
            "database_version": null,
            "default_branch": "main",
            "projects": [
                {"path": ".", "language": "node", "tool": "npm", "version": null, "test": null},
                {"path": "tools/seed", "language": "python", "tool": "pip", "version": null, "test": null},
            ],
            "unsupported": [],
        })
    );
    assert_eq!(report["stage"], "seed");
    assert_eq!(
        report["leaks"],
        json!([{"path": ".env", "line": 2, "kind": "aws-secret-access-key"}])
    );
}

/// A fixture: its name, its files, and the `detected` JSON expected.
type Case = (&'static str, &'static [(&'static str, &'static str)], Value);

#[test]
fn each_stack_is_detected() {
    let cases: [Case; 5] = [
        (
            "rust workspace, postgres via sqlx, aws sdk, target/ ignored",
            &[
                (".gitignore", "/target\n"),
                ("Cargo.toml", "[workspace]\nmembers = [\"crates/*\"]\n"),
                (
                    "crates/api/Cargo.toml",
                    "[dependencies]\nsqlx = { version = \"0.8\", features = [\"postgres\"] }\naws-sdk-s3 = \"1\"\n",
                ),
                ("crates/cli/Cargo.toml", "[dependencies]\nclap = \"4\"\n"),
                (
                    "target/debug/build/x/package.json",
                    "{\"dependencies\": {\"mysql\": \"2\"}}",
                ),
            ],
            json!({"language": ["rust"], "ci": "none", "database": "postgres", "cloud": "aws", "container": false, "iac": "none",
                "cloud_evidence": "crates/api/Cargo.toml: aws-sdk", "database_image": null, "database_version": null,
                "projects": [{"path": ".", "language": "rust", "tool": "cargo", "version": null, "test": "cargo test"}]}),
        ),
        (
            "python on gitlab, Cloud SQL for PostgreSQL in Terraform",
            &[
                (
                    "pyproject.toml",
                    "[project]\ndependencies = [\"fastapi\", \"google-cloud-storage\"]\n",
                ),
                (".gitlab-ci.yml", "test:\n  script: [pytest]\n"),
                (
                    "infra/db.tf",
                    "provider \"google\" {}\nresource \"google_sql_database_instance\" \"main\" {\n  database_version = \"POSTGRES_16\"\n}\n",
                ),
            ],
            json!({"language": ["python"], "ci": "gitlab", "database": "postgres", "cloud": "gcp", "container": false, "iac": "terraform",
                "cloud_evidence": "pyproject.toml: google-cloud", "database_image": null, "database_version": null,
                "projects": [{"path": ".", "language": "python", "tool": "pip", "version": null, "test": null}]}),
        ),
        (
            "go with a mariadb compose service",
            &[
                (
                    "go.mod",
                    "module example.com/shop\n\nrequire github.com/go-sql-driver/mysql v1.8.1\n",
                ),
                ("compose.yaml", "services:\n  db:\n    image: mariadb:11\n"),
            ],
            json!({"language": ["go"], "ci": "none", "database": "mysql", "cloud": "none", "container": true, "iac": "none",
                "cloud_evidence": null, "database_image": "mariadb:11", "database_version": "11",
                "projects": [{"path": ".", "language": "go", "tool": "go", "version": null, "test": "go test ./..."}]}),
        ),
        (
            "OpenTofu counts as terraform; RDS names the engine",
            &[
                ("package.json", "{}"),
                (
                    "infra/rds.tofu",
                    "terraform {\n  required_providers {\n    aws = { source = \"hashicorp/aws\" }\n  }\n}\nresource \"aws_db_instance\" \"db\" {\n  engine = \"mysql\"\n}\n",
                ),
            ],
            json!({"language": ["node"], "ci": "none", "database": "mysql", "cloud": "aws", "container": false, "iac": "terraform",
                "cloud_evidence": "infra/rds.tofu: hashicorp/aws", "database_image": null, "database_version": null,
                "projects": [{"path": ".", "language": "node", "tool": "npm", "version": null, "test": null}]}),
        ),
        (
            "an empty repo",
            &[("README.md", "# hello\n")],
            json!({"language": [], "ci": "none", "database": "none", "cloud": "none", "container": false, "iac": "none",
                "cloud_evidence": null, "database_image": null, "database_version": null, "projects": []}),
        ),
    ];
    for (name, files, mut expected) in cases {
        let repo = Repo::new();
        for (path, text) in files {
            repo.write(path, text);
        }
        expected["default_branch"] = json!("main");
        expected["unsupported"] = json!([]);
        assert_eq!(assess(&repo, &[])["detected"], expected, "{name}");
    }
}

#[test]
fn hand_made_ci_counts_and_its_weak_spots_are_named() {
    let repo = Repo::new();
    node_monorepo(&repo);
    let report = assess(&repo, &[]);
    let release = area(&report, "release");
    assert_eq!(release["status"], "present");
    assert_eq!(release["applied"], Value::Null);
    assert_eq!(release["foundation"], "ci");
    assert_eq!(ids(&release["evidence"]), [".github/workflows/test.yml"]);

    let access = area(&report, "production-access");
    assert_eq!(
        (&access["status"], &access["risk"]),
        (&json!("missing"), &json!("high"))
    );
    assert!(
        ids(&access["evidence"])
            .contains(&"CI deploys over SSH with a stored key: .github/workflows/test.yml"),
        "{access:#}"
    );
    let supply = area(&report, "supply-chain");
    assert_eq!(supply["status"], "partial");
    assert_eq!(
        ids(&supply["evidence"]),
        [
            "package-lock.json",
            "no dependency update bot (looked for .github/dependabot.yml, renovate.json)",
            "actions not pinned to a commit SHA: actions/checkout@v4 (test.yml), appleboy/ssh-action@v1 (test.yml)",
            "no CODEOWNERS",
        ]
    );
}

#[test]
fn secrets_and_backups_come_before_anything_that_depends_on_them() {
    let repo = Repo::new();
    node_monorepo(&repo);
    let report = assess(&repo, &[]);
    let secrets = area(&report, "secrets-access");
    assert_eq!(
        (&secrets["status"], &secrets["risk"], &secrets["priority"]),
        (&json!("missing"), &json!("high"), &json!(1))
    );
    assert_eq!(
        ids(&secrets["evidence"]).last().unwrap(),
        &"1 credential in 1 file (see leaks)"
    );
    assert_eq!(
        report["plan"]["now"],
        json!(["secrets-access", "backup-dr"])
    );
    assert_eq!(
        report["plan"]["not_yet"],
        json!(["staging-parity", "iac-drift"])
    );
    let parity = area(&report, "staging-parity");
    assert_eq!(parity["priority"], Value::Null);
    assert_eq!(
        parity["premature"],
        "Before series-a one environment and CI catch most problems; parity pays off once several people deploy every day."
    );
    // Every ranked area comes after the areas it depends on.
    for a in report["areas"].as_array().unwrap() {
        for dep in ids(&a["depends_on"]) {
            let d = area(&report, dep);
            if let (Some(p), Some(q)) = (a["priority"].as_u64(), d["priority"].as_u64()) {
                assert!(q < p, "{} ranked before its dependency {dep}", a["id"]);
            }
        }
    }
    // At series-a staging parity is due, after secrets, backups and the release process.
    let later = assess(&repo, &["--stage", "series-a"]);
    let parity = area(&later, "staging-parity");
    assert_eq!(parity["plan"], "next");
    assert_eq!(
        ids(&parity["depends_on"]),
        ["secrets-access", "backup-dr", "release"]
    );
}

#[test]
fn a_tracked_file_that_gitignore_now_covers_is_still_scanned_for_leaks() {
    let repo = Repo::new();
    let secret = fake("", 40);
    let token = fake("ghp_", 36);
    repo.write("package.json", "{}")
        .write(".env", &format!("AWS_SECRET_ACCESS_KEY={secret}\n"));
    support::git(repo.path(), &["init", "-q"]);
    support::git(repo.path(), &["add", "."]);
    support::git(repo.path(), &["commit", "-q", "-m", "with .env"]);
    // Ignored afterwards, as teams do once they notice: the committed file is still in every clone.
    repo.write(".gitignore", ".env\n.env.local\n")
        .write(".env.local", &format!("GITHUB_TOKEN={token}\n"));
    let report = assess(&repo, &[]);
    assert_eq!(
        report["leaks"],
        json!([{"path": ".env", "line": 1, "kind": "aws-secret-access-key"}]),
        "the untracked, ignored .env.local is the developer's own"
    );
    // Once removed from the index (git rm --cached), it is local only.
    support::git(repo.path(), &["rm", "-q", "--cached", ".env"]);
    assert_eq!(assess(&repo, &[])["leaks"], json!([]));
}

#[test]
fn leaks_name_the_file_line_and_kind_but_never_the_value() {
    let repo = Repo::new();
    let aws = node_monorepo(&repo);
    let token = fake("ghp_", 36);
    let key_body = fake("MIIEpAIBAAKCAQEA", 48);
    repo.write("config/ci.yml", &format!("registry:\n  token: {token}\n"))
        .write(
            "deploy/id_rsa",
            &format!("-----BEGIN RSA PRIVATE KEY-----\n{key_body}\n-----END RSA PRIVATE KEY-----\n"),
        )
        .write(
            "docs/aws.md",
            "Example: `AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE`\n-----BEGIN RSA PRIVATE KEY-----\n...\n",
        );
    let report = assess(&repo, &["--write"]);
    assert_eq!(
        report["leaks"],
        json!([
            {"path": ".env", "line": 2, "kind": "aws-secret-access-key"},
            {"path": "config/ci.yml", "line": 2, "kind": "github-token"},
            {"path": "deploy/id_rsa", "line": 1, "kind": "private-key"},
        ])
    );
    let table = repo.scaffold(&["assess"]);
    table
        .success()
        .stdout_has("leaks: 3 lines look like real credentials (values not shown)")
        .stdout_has("  .env:2  aws-secret-access-key\n");
    let json = serde_json::to_string(&report).unwrap();
    let terrain = repo.read("docs/infra/TERRAIN.md");
    assert!(
        terrain.contains("| `config/ci.yml` | 2 | github-token |"),
        "{terrain}"
    );
    for value in [&aws, &token, &key_body] {
        for (what, text) in [
            ("json", &json),
            ("table", &table.stdout),
            ("terrain", &terrain),
        ] {
            assert!(
                !text.contains(value.as_str()),
                "{what} shows a secret value"
            );
        }
    }
}

/// Whether `text` holds any 8-character piece of `value`, in any case.
fn shows_part_of(text: &str, value: &str) -> bool {
    let (text, value) = (text.to_lowercase(), value.to_lowercase());
    value
        .as_bytes()
        .windows(8)
        .any(|piece| text.contains(std::str::from_utf8(piece).unwrap()))
}

#[test]
fn a_token_in_a_workflow_uses_line_is_reported_but_never_shown() {
    let repo = Repo::new();
    let in_ref = fake("ghp_", 36);
    let in_url = fake("gho_", 36);
    repo.write("package.json", "{}").write(
        ".github/workflows/ci.yml",
        &format!(
            "on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: some/action@{in_ref}
      - uses: https://x-access-token:{in_url}@github.com/org/action@v1
"
        ),
    );
    let report = assess(&repo, &["--write"]);
    assert_eq!(
        report["leaks"],
        json!([
            {"path": ".github/workflows/ci.yml", "line": 6, "kind": "github-token"},
            {"path": ".github/workflows/ci.yml", "line": 7, "kind": "github-token"},
        ])
    );
    let table = repo.scaffold(&["assess"]);
    table.success();
    let outputs = [
        ("json", serde_json::to_string(&report).unwrap()),
        ("table", table.stdout.clone()),
        ("terrain", repo.read("docs/infra/TERRAIN.md")),
    ];
    for (what, text) in &outputs {
        for value in [&in_ref, &in_url] {
            assert!(
                !shows_part_of(text, value),
                "{what} shows part of a token:\n{text}"
            );
        }
    }
    let evidence = area(&report, "supply-chain")["evidence"].to_string();
    assert!(
        evidence.contains("some/action@[redacted] (ci.yml)"),
        "the unpinned action is still named: {evidence}"
    );
}

#[cfg(unix)]
#[test]
fn a_tracked_symlink_that_gitignore_lists_is_not_followed_out_of_the_repo() {
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("creds");
    std::fs::write(&target, format!("GITHUB_TOKEN={}\n", fake("ghp_", 36))).unwrap();
    let repo = Repo::new();
    repo.write("package.json", "{}")
        .write("local.env", &format!("GITHUB_TOKEN={}\n", fake("gho_", 36)));
    std::os::unix::fs::symlink(&target, repo.path().join("creds.env")).unwrap();
    support::git(repo.path(), &["init", "-q"]);
    support::git(repo.path(), &["add", "."]);
    support::git(repo.path(), &["commit", "-q", "-m", "with a symlink"]);
    repo.write(".gitignore", "creds.env\nlocal.env\n");
    assert_eq!(
        assess(&repo, &[])["leaks"],
        json!([{"path": "local.env", "line": 1, "kind": "github-token"}]),
        "the tracked, ignored regular file is read; the symlink beside it is not"
    );
}

#[test]
fn a_file_over_the_read_cap_is_sampled_at_both_ends_and_says_so() {
    let repo = Repo::new();
    let filler = "INFO request served in 12 ms\n".repeat(50_000);
    repo.write("package.json", "{}").write(
        "logs/app.log",
        &format!("{filler}token={}\nINFO done\n", fake("ghp_", 36)),
    );
    assert_eq!(
        assess(&repo, &[])["leaks"],
        json!([{
            "path": "logs/app.log",
            "line": null,
            "line_from_end": 2,
            "kind": "github-token",
            "sampled": true,
        }])
    );
    repo.scaffold(&["assess"])
        .success()
        .stdout_has("  logs/app.log:2 from the end (file sampled)  github-token\n");
}

#[test]
fn a_scaffolded_repo_counts_its_foundations_partial_until_their_open_steps_are_done() {
    let repo = Repo::new();
    let mut args = vec!["init", "--yes"];
    args.extend_from_slice(&SEED_NODE);
    repo.scaffold(&args).success();
    let report = assess(&repo, &[]);
    assert_eq!(report["stage"], "seed", "the recorded stage is the default");
    let list = repo.scaffold(&["list", "--json"]);
    let catalog: Value = serde_json::from_str(&list.stdout).unwrap();
    let version = |id: &str| {
        catalog["foundations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["id"] == id)
            .map(|b| b["version"].as_str().unwrap().to_owned())
            .unwrap()
    };
    // Right after init: laid, but placeholders and stubs are still there.
    let open = [
        (
            "release",
            "ci",
            "open step: ops/deploy/deploy.sh does not deploy anywhere yet",
        ),
        (
            "secrets-access",
            "secrets-rbac",
            "open step: .sops.yaml still has placeholder age recipients",
        ),
    ];
    for (id, foundation, step) in open {
        let a = area(&report, id);
        assert_eq!(
            (&a["status"], &a["foundation"], &a["applied"]),
            (
                &json!("partial"),
                &json!(foundation),
                &json!(version(foundation))
            ),
            "{a:#}"
        );
        assert!(
            a["evidence"].as_array().unwrap().contains(&json!(step)),
            "{a:#}"
        );
    }
    // Production access has its own foundation, not laid at seed: the area names it, unapplied.
    let access = area(&report, "production-access");
    assert_eq!(
        (&access["foundation"], &access["applied"]),
        (&json!("production-access"), &Value::Null),
        "{access:#}"
    );
    for (id, foundation) in [("backup-dr", "backup-restore"), ("supply-chain", "ci")] {
        let a = area(&report, id);
        assert_eq!(
            (&a["status"], &a["applied"], &a["plan"]),
            (
                &json!("present"),
                &json!(version(foundation)),
                &json!("done")
            ),
            "{a:#}"
        );
        assert_eq!(
            a["evidence"][0],
            format!(
                "laid by scaffold: {foundation} {} (.scaffold/state.toml)",
                version(foundation)
            )
        );
    }
    assert_eq!(report["leaks"], json!([]), "scaffold writes no credential");
    let mut settings = settings();
    // Blueprint versions move on their own; the shape is what this snapshot locks.
    settings.add_filter(r"\b\d+\.\d+\.\d+\b", "[VERSION]");
    settings.bind(|| insta::assert_snapshot!("assess_json_scaffolded_seed_node", pretty(&report)));

    // The team does its open steps: each area is then present.
    let sops = repo.read(".sops.yaml");
    repo.write(
        ".sops.yaml",
        &sops
            .replace(
                "REPLACE-ME-staging-age-recipient",
                "age1stagingpublickeyexample",
            )
            .replace(
                "REPLACE-ME-production-age-recipient",
                "age1productionpublickeyexample",
            ),
    );
    let access = repo.read("docs/security/access.md");
    repo.write(
        "docs/security/access.md",
        &access.replace(
            "| Admin | two named people, no more |",
            "| Admin | Ada, Grace |",
        ),
    );
    repo.write("ops/deploy/deploy.sh", "#!/usr/bin/env bash\nset -euo pipefail\naws ecs update-service --cluster \"app-$1\" --service app\n");
    let report = assess(&repo, &[]);
    for (id, _, _) in open {
        assert_eq!(area(&report, id)["status"], "present", "{id}");
    }
}

#[test]
fn the_stage_comes_from_the_flag_then_the_state_then_seed() {
    let repo = Repo::new();
    repo.write("go.mod", "module x\n");
    assert_eq!(assess(&repo, &[])["stage"], "seed");
    assert_eq!(assess(&repo, &["--stage", "growth"])["stage"], "growth");
    repo.write(
        ".scaffold/state.toml",
        "version = 1\n[answers]\nstage = \"series-a\"\n",
    );
    assert_eq!(assess(&repo, &[])["stage"], "series-a");
    assert_eq!(assess(&repo, &["--stage", "pre-mvp"])["stage"], "pre-mvp");
}

#[test]
fn bad_input_is_exit_2_with_the_allowed_values_and_nothing_written() {
    let repo = Repo::new();
    repo.write("go.mod", "module x\n");
    repo.scaffold(&["assess", "--stage", "unicorn", "--write"])
        .code(2)
        .stderr_is("error: invalid value `unicorn` for `stage` (--stage): allowed values: pre-mvp, seed, series-a, growth\n");
    repo.scaffold(&["assess", "-C", "nope"])
        .code(2)
        .stderr_is("error: `nope` is not a directory\n");
    repo.write(
        ".scaffold/state.toml",
        "version = 1\n[answers]\nstage = \"ipo\"\n",
    );
    repo.scaffold(&["assess"])
        .code(2)
        .stderr_is("error: invalid value `ipo` for `stage` (`.scaffold/state.toml`): allowed values: pre-mvp, seed, series-a, growth\n");
    repo.write(".scaffold/state.toml", "version = 9\n");
    repo.scaffold(&["assess"])
        .code(2)
        .stderr_is("error: state file `.scaffold/state.toml` has format version 9, this scaffold reads version 1: upgrade scaffold\n");
    assert!(!repo.exists("docs"));
}

#[test]
fn without_write_nothing_is_written() {
    let repo = Repo::new();
    node_monorepo(&repo);
    let before = repo.fingerprint();
    repo.scaffold(&["assess"]).success();
    repo.scaffold(&["assess", "--json", "--stage", "growth"])
        .success();
    assert_eq!(repo.fingerprint(), before);
}

#[test]
fn the_table_is_plain_off_a_terminal_and_coloured_only_when_asked() {
    let repo = Repo::new();
    node_monorepo(&repo);
    let run = repo.scaffold(&["assess", "-C", "."]);
    run.success();
    assert!(!run.stdout.contains('\x1b'), "{run}");
    settings().bind(|| insta::assert_snapshot!("assess_table_node_monorepo", run.stdout));

    let forced = run_with_env(&repo, &["assess"], &[("CLICOLOR_FORCE", "1")]);
    assert!(forced.contains("\x1b[31m"), "missing is red: {forced:?}");
    let no_color = run_with_env(
        &repo,
        &["assess"],
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")],
    );
    assert_eq!(no_color, run.stdout, "NO_COLOR wins");
}

#[test]
fn write_creates_terrain_then_updates_it_in_place_and_only_when_it_changes() {
    let repo = Repo::new();
    node_monorepo(&repo);
    repo.scaffold(&["assess", "--write"])
        .success()
        .stdout_has("\nwrote docs/infra/TERRAIN.md\n");
    let first = repo.read("docs/infra/TERRAIN.md");
    settings().bind(|| insta::assert_snapshot!("assess_terrain_node_monorepo", first));

    // Unchanged: not rewritten (same bytes, same modification time).
    let before = repo.fingerprint();
    repo.scaffold(&["assess", "--write"])
        .success()
        .stdout_has("docs/infra/TERRAIN.md is up to date");
    assert_eq!(repo.fingerprint(), before);

    // The team's notes around the block survive a change of stage.
    let edited =
        format!("Owner: @acme/platform\n\n{first}\n## Our decisions\n\nWe stay on one region.\n");
    repo.write("docs/infra/TERRAIN.md", &edited);
    let run = repo.scaffold(&["assess", "--write", "--json", "--stage", "series-a"]);
    run.success().stderr_is("updated docs/infra/TERRAIN.md\n");
    serde_json::from_str::<Value>(&run.stdout).expect("stdout stays JSON");
    let second = repo.read("docs/infra/TERRAIN.md");
    assert!(
        second.starts_with(
            "Owner: @acme/platform\n\n# Infrastructure terrain\n\n<!-- >>> scaffold assess >>>"
        ),
        "{second}"
    );
    assert!(
        second.ends_with(
            "<!-- <<< scaffold assess <<< -->\n\n## Our decisions\n\nWe stay on one region.\n"
        ),
        "{second}"
    );
    assert!(second.contains("Stage: **series-a**."), "{second}");
    assert_eq!(second.matches("<!-- >>> scaffold assess >>>").count(), 1);
    assert!(
        !repo.files().iter().any(|f| f.contains(".scaffold-tmp-")),
        "atomic write leaves no temporary file"
    );
}

#[test]
fn the_json_of_a_monorepo_with_hand_made_ci_and_a_leak() {
    let repo = Repo::new();
    node_monorepo(&repo);
    let report = assess(&repo, &[]);
    settings().bind(|| insta::assert_snapshot!("assess_json_node_monorepo", pretty(&report)));
}
