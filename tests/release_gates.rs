//! Release gates on the rendered infrastructure and pipelines: the production deploy identity trusts
//! only what a production deploy alone presents, and a staging job cannot assume it (nor the other
//! way round), for GitHub and GitLab on AWS and Google Cloud. The Terraform is parsed with
//! python-hcl2; AWS trust conditions are matched as IAM does (`StringEquals`, `StringLike`), and
//! the Google workload identity provider's CEL condition and attribute mapping are evaluated by
//! cel-python. `tests/setup.sh` installs both into `target/checks`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

use crate::support::Repo;

/// Lays secrets-rbac (and ci) at series-a for this CI host and cloud.
fn render(ci: &str, cloud: &str) -> Repo {
    crate::support::lay_series_a("ci,secrets-rbac", ci, cloud, "none")
}

/// `target/checks/bin/<name>` (`$SCAFFOLD_CHECKS` overrides the folder).
pub(crate) fn checks_tool(name: &str) -> PathBuf {
    let dir = std::env::var_os("SCAFFOLD_CHECKS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("target/checks/bin"),
        PathBuf::from,
    );
    let path = dir.join(name);
    assert!(
        path.is_file(),
        "`{name}` is missing at {}: run tests/setup.sh (or set SCAFFOLD_CHECKS)",
        path.display()
    );
    path
}

/// A Terraform file as python-hcl2 reads it.
pub(crate) fn hcl(path: &Path) -> Value {
    let out = Command::new(checks_tool("hcl2tojson"))
        .arg(path)
        .output()
        .expect("run hcl2tojson");
    assert!(
        out.status.success(),
        "{}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("hcl2tojson prints JSON")
}

/// An HCL string literal as python-hcl2 gives it (`"\"text\""`), unquoted.
pub(crate) fn literal(v: &Value) -> String {
    let s = v.as_str().expect("a string");
    let inner = s
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or_else(|| panic!("not a literal: {s}"));
    inner.replace("\\\"", "\"").replace("\\\\", "\\")
}

/// The variables' defaults (string and list defaults only).
pub(crate) fn defaults(variables: &Value) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for block in variables["variable"].as_array().expect("variables") {
        for (name, body) in block.as_object().unwrap() {
            let name = name.trim_matches('"').to_owned();
            match &body["default"] {
                Value::String(_) => {
                    out.insert(name, Value::String(literal(&body["default"])));
                }
                Value::Array(items) => {
                    let items: Vec<Value> =
                        items.iter().map(|i| Value::String(literal(i))).collect();
                    out.insert(name, Value::Array(items));
                }
                _ => {}
            }
        }
    }
    out
}

/// Fills `${var.X}`, `${each.key}` and `${each.value[.F]}` in a template (anything else is left,
/// and then fails the comparisons).
fn interpolate(text: &str, vars: &BTreeMap<String, Value>, key: &str, value: &Value) -> String {
    let mut out = text.replace("${each.key}", key);
    if let Some(s) = value.as_str() {
        out = out.replace("${each.value}", s);
    }
    if let Some(fields) = value.as_object() {
        for (field, v) in fields {
            out = out.replace(&format!("${{each.value.{field}}}"), &literal(v));
        }
    }
    for (name, v) in vars {
        if let Some(s) = v.as_str() {
            out = out.replace(&format!("${{var.{name}}}"), s);
        }
    }
    out
}

/// The instances a `for_each` makes: `var.environments` (a list default) or a map in `locals`.
fn instances(
    for_each: &str,
    vars: &BTreeMap<String, Value>,
    locals: &Value,
) -> Vec<(String, Value)> {
    if let Some(var) = for_each
        .strip_prefix("${var.")
        .and_then(|s| s.strip_suffix('}'))
    {
        let list = vars[var].as_array().expect("a list default");
        return list
            .iter()
            .map(|k| (k.as_str().unwrap().to_owned(), Value::Null))
            .collect();
    }
    let local = for_each
        .strip_prefix("${local.")
        .and_then(|s| s.strip_suffix('}'))
        .unwrap_or_else(|| panic!("for_each `{for_each}` is neither a variable nor a local"));
    locals[local]
        .as_object()
        .unwrap_or_else(|| panic!("local.{local} is not a map"))
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// The first block `<kind> "<type>" "<name>"` of a parsed file.
pub(crate) fn block<'a>(file: &'a Value, kind: &str, ty: &str, name: &str) -> &'a Value {
    file[kind]
        .as_array()
        .unwrap_or_else(|| panic!("no {kind} blocks"))
        .iter()
        .find_map(|b| b.get(format!("\"{ty}\""))?.get(format!("\"{name}\"")))
        .unwrap_or_else(|| panic!("no {kind} {ty}.{name}"))
}

pub(crate) fn locals(file: &Value) -> Value {
    let mut merged = serde_json::Map::new();
    for b in file["locals"].as_array().into_iter().flatten() {
        for (k, v) in b.as_object().unwrap() {
            merged.insert(k.clone(), v.clone());
        }
    }
    Value::Object(merged)
}

/// IAM's `StringLike`: `*` any run of characters, `?` any one character.
pub(crate) fn string_like(pattern: &[u8], text: &[u8]) -> bool {
    match (pattern.first(), text.first()) {
        (None, None) => true,
        (Some(b'*'), _) => {
            string_like(&pattern[1..], text)
                || (!text.is_empty() && string_like(pattern, &text[1..]))
        }
        (Some(b'?'), Some(_)) => string_like(&pattern[1..], &text[1..]),
        (Some(p), Some(t)) if p == t => string_like(&pattern[1..], &text[1..]),
        _ => false,
    }
}

/// One AWS deploy role's trust on the `sub` claim: (operator, values), by environment.
fn aws_sub_conditions(dir: &Path) -> BTreeMap<String, (String, Vec<String>)> {
    let main = hcl(&dir.join("infra/ci-identity/main.tf"));
    let vars = defaults(&hcl(&dir.join("infra/ci-identity/variables.tf")));
    let trust = block(&main, "data", "aws_iam_policy_document", "trust");
    let for_each = trust["for_each"].as_str().expect("trust has a for_each");
    let mut out = BTreeMap::new();
    for (env, value) in instances(for_each, &vars, &locals(&main)) {
        let conditions = trust["statement"][0]["condition"]
            .as_array()
            .expect("conditions");
        let sub = conditions
            .iter()
            .find(|c| {
                c["variable"]
                    .as_str()
                    .is_some_and(|v| v.ends_with(":sub\""))
            })
            .expect("a condition on `sub`");
        let aud = conditions.iter().find(|c| {
            c["variable"]
                .as_str()
                .is_some_and(|v| v.ends_with(":aud\""))
        });
        assert!(aud.is_some(), "{env}: no condition on `aud`");
        let test = interpolate(sub["test"].as_str().unwrap(), &vars, &env, &value);
        let test = test.trim_matches('"').to_owned();
        let values = sub["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                interpolate(v.as_str().unwrap(), &vars, &env, &value)
                    .trim_matches('"')
                    .to_owned()
            })
            .collect();
        out.insert(env, (test, values));
    }
    out
}

fn aws_accepts((test, values): &(String, Vec<String>), sub: &str) -> bool {
    match test.as_str() {
        "StringEquals" => values.iter().any(|v| v == sub),
        "StringLike" => values
            .iter()
            .any(|v| string_like(v.as_bytes(), sub.as_bytes())),
        other => panic!("unexpected condition operator {other}"),
    }
}

/// The `sub` each kind of job presents: (what runs, sub).
fn subs(ci: &str) -> Vec<(&'static str, &'static str)> {
    if ci == "github" {
        vec![
            ("staging", "repo:acme/demo:environment:staging"),
            ("production", "repo:acme/demo:environment:production"),
            ("a pull request", "repo:acme/demo:pull_request"),
            ("a branch job", "repo:acme/demo:ref:refs/heads/main"),
        ]
    } else {
        vec![
            ("staging", "project_path:acme/demo:ref_type:branch:ref:main"),
            (
                "production",
                "project_path:acme/demo:ref_type:tag:ref:v1.4.0",
            ),
            (
                "a feature branch",
                "project_path:acme/demo:ref_type:branch:ref:feature/x",
            ),
            (
                "another tag",
                "project_path:acme/demo:ref_type:tag:ref:release-1",
            ),
            (
                "a branch named like a tag",
                "project_path:acme/demo:ref_type:branch:ref:v1.4.0",
            ),
            (
                "another project",
                "project_path:acme/other:ref_type:tag:ref:v1.4.0",
            ),
        ]
    }
}

#[test]
fn on_aws_each_deploy_role_trusts_only_its_own_environments_jobs() {
    for ci in ["github", "gitlab"] {
        let repo = render(ci, "aws");
        let roles = aws_sub_conditions(repo.path());
        assert_eq!(
            roles.keys().collect::<Vec<_>>(),
            ["production", "staging"],
            "{ci}"
        );
        for (role, condition) in &roles {
            for (job, sub) in subs(ci) {
                assert_eq!(
                    aws_accepts(condition, sub),
                    job == role,
                    "{ci}/aws: the {role} role {} a {job} job ({sub}); condition {condition:?}",
                    if job == role { "refuses" } else { "accepts" },
                );
            }
        }
    }
}

/// Evaluates CEL expressions against GitLab/GitHub token claims with cel-python: for each claims
/// object, the condition's verdict and the mapped attribute.
pub(crate) fn cel(condition: &str, mapping: &str, claims: &[Value]) -> Vec<(bool, String)> {
    let script = r#"
import json, sys, celpy
condition, mapping, claims = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
env = celpy.Environment()
cond = env.program(env.compile(condition))
attr = env.program(env.compile(mapping))
out = []
for c in claims:
    a = {"assertion": celpy.json_to_cel(c)}
    ok = bool(cond.evaluate(a))
    try:
        value = str(attr.evaluate(a))
    except Exception:
        value = ""
    out.append([ok, value])
print(json.dumps(out))
"#;
    let out = Command::new(checks_tool("python"))
        .args(["-c", script, condition, mapping])
        .arg(Value::from(claims.to_vec()).to_string())
        .output()
        .expect("run cel-python");
    assert!(
        out.status.success(),
        "cel-python: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON verdicts")
}

/// The claims each kind of job presents to Google (GitHub's and GitLab's ID tokens).
fn claims(ci: &str) -> Vec<(&'static str, Value)> {
    if ci == "github" {
        let job = |env: Option<&str>, repository: &str| {
            let mut c = json!({"repository": repository, "ref": "refs/heads/main", "sub": "x"});
            if let Some(env) = env {
                c["environment"] = json!(env);
            }
            c
        };
        vec![
            ("staging", job(Some("staging"), "acme/demo")),
            ("production", job(Some("production"), "acme/demo")),
            ("a job without environment", job(None, "acme/demo")),
            ("another repository", job(Some("production"), "acme/other")),
        ]
    } else {
        let job = |env: &str, ref_type: &str, r#ref: &str, protected: &str, project: &str| {
            json!({"project_path": project, "environment": env, "ref_type": ref_type,
                   "ref": r#ref, "ref_protected": protected, "sub": "x"})
        };
        vec![
            (
                "staging",
                job("staging", "branch", "main", "true", "acme/demo"),
            ),
            (
                "production",
                job("production", "tag", "v1.4.0", "true", "acme/demo"),
            ),
            (
                "production from the branch",
                job("production", "branch", "main", "true", "acme/demo"),
            ),
            (
                "production from an unprotected tag",
                job("production", "tag", "v1.4.0", "false", "acme/demo"),
            ),
            (
                "production from another tag",
                job("production", "tag", "release-1", "true", "acme/demo"),
            ),
            (
                "staging from a tag",
                job("staging", "tag", "v1.4.0", "true", "acme/demo"),
            ),
            (
                "another project",
                job("production", "tag", "v1.4.0", "true", "acme/other"),
            ),
        ]
    }
}

/// For each deploy service account, the principal set allowed to impersonate it: (attribute, value).
fn gcp_principals(
    main: &Value,
    vars: &BTreeMap<String, Value>,
) -> BTreeMap<String, (String, String)> {
    let member = block(main, "resource", "google_service_account_iam_member", "ci");
    let for_each = member["for_each"].as_str().unwrap();
    let mut out = BTreeMap::new();
    for (env, value) in instances(for_each, vars, &locals(main)) {
        let value = if value.is_null() {
            value
        } else {
            Value::String(literal(&value))
        };
        let text = interpolate(&literal(&member["member"]), vars, &env, &value);
        let tail = text
            .rsplit_once("/attribute.")
            .unwrap_or_else(|| panic!("{env}: member `{text}` is no attribute principal set"))
            .1;
        let (attribute, wanted) = tail.split_once('/').expect("attribute/value");
        out.insert(env, (format!("attribute.{attribute}"), wanted.to_owned()));
    }
    out
}

#[test]
fn on_gcp_each_deploy_account_is_impersonated_only_by_its_own_environments_jobs() {
    for ci in ["github", "gitlab"] {
        let repo = render(ci, "gcp");
        let dir = repo.path().join("infra/ci-identity");
        let main = hcl(&dir.join("main.tf"));
        let vars = defaults(&hcl(&dir.join("variables.tf")));
        let provider = block(
            &main,
            "resource",
            "google_iam_workload_identity_pool_provider",
            "ci",
        );
        let condition = interpolate(
            &literal(&provider["attribute_condition"]),
            &vars,
            "",
            &Value::Null,
        );
        let principals = gcp_principals(&main, &vars);
        assert_eq!(
            principals.keys().collect::<Vec<_>>(),
            ["production", "staging"],
            "{ci}"
        );
        for (account, (attribute, wanted)) in &principals {
            let mapping = literal(&provider["attribute_mapping"][format!("\"{attribute}\"")]);
            let jobs = claims(ci);
            let claim_values: Vec<Value> = jobs.iter().map(|(_, c)| c.clone()).collect();
            let verdicts = cel(&condition, &mapping, &claim_values);
            for ((job, _), (accepted, mapped)) in jobs.iter().zip(verdicts) {
                let may = accepted && mapped == *wanted;
                assert_eq!(
                    may,
                    job == account,
                    "{ci}/gcp: a {job} job {} the {account} account (condition {accepted}, {attribute} = {mapped:?}, wanted {wanted:?})",
                    if may {
                        "may impersonate"
                    } else {
                        "may not impersonate"
                    },
                );
            }
        }
    }
}

#[test]
fn the_iam_string_like_matcher_follows_iam() {
    // The matcher the AWS test relies on, checked on its own.
    assert!(string_like(b"a:ref:v*", b"a:ref:v1.2.3"));
    assert!(string_like(b"a:ref:v?", b"a:ref:v1"));
    assert!(!string_like(b"a:ref:v?", b"a:ref:v12"));
    assert!(!string_like(
        b"a:ref_type:tag:ref:v*",
        b"a:ref_type:branch:ref:v1"
    ));
    assert!(string_like(b"exact", b"exact"));
    assert!(!string_like(b"exact", b"exact2"));
}

/// The ecosystems of a rendered `.github/dependabot.yml`, each with its cooldown in days.
fn dependabot(repo: &Repo) -> Vec<(String, Option<i64>)> {
    let text = std::fs::read_to_string(repo.path().join(".github/dependabot.yml")).unwrap();
    let doc = &yaml_rust2::YamlLoader::load_from_str(&text).unwrap()[0];
    doc["updates"]
        .as_vec()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["package-ecosystem"].as_str().unwrap().to_owned(),
                u["cooldown"]["default-days"].as_i64(),
            )
        })
        .collect()
}

#[test]
fn dependabot_updates_base_images_where_the_repo_has_them_a_week_behind() {
    let plain = render("github", "none");
    let with_images = Repo::new();
    with_images.write("Dockerfile", "FROM node:22-alpine\n");
    with_images.write(
        "docker-compose.yml",
        "services:\n  cache:\n    image: redis:7\n",
    );
    with_images
        .scaffold(&[
            "init",
            "--yes",
            "--only",
            "ci",
            "--set",
            "stage=seed",
            "--set",
            "ci=github",
            "--set",
            "language=node",
            "--set",
            "cloud=none",
            "--set",
            "database=none",
        ])
        .success();
    let plain = dependabot(&plain);
    let with_images = dependabot(&with_images);
    for (ecosystem, cooldown) in plain.iter().chain(&with_images) {
        assert_eq!(*cooldown, Some(7), "{ecosystem}: no 7-day cooldown");
    }
    let names = |u: &[(String, Option<i64>)]| u.iter().map(|(e, _)| e.clone()).collect::<Vec<_>>();
    for docker in ["docker", "docker-compose"] {
        assert!(
            names(&with_images).contains(&docker.to_owned()),
            "{docker} missing"
        );
        assert!(
            !names(&plain).contains(&docker.to_owned()),
            "{docker} without its files"
        );
    }
}
