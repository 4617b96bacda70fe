//! The rest of the team's shared validator set (`validate-tree.sh`), run by the project itself on
//! every rendered tree: hadolint, `docker compose config`, markdownlint, detect-secrets, hclfmt,
//! sops on each `.sops.yaml`, github-codeowners on each CODEOWNERS, zizmor on Dependabot files and
//! yamllint with the shared rules. One process per batch of files wherever the tool takes many.
//! A finding passes only if it is one of `EXCEPTIONS`, and every exception must still be found.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use yaml_rust2::{Yaml, YamlEmitter};

use super::{
    EXCEPTIONS, Exception, check_all, compose_base_of, files, is_compose, matrix, tool,
    unique_where, yaml,
};

/// A tool from npm or the sops wheel: `target/tools/bin/NAME` (`tests/setup.sh` installs them).
fn test_tool(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/tools/bin")
        .join(name);
    assert!(
        path.is_file(),
        "`{name}` is missing at {}: run tests/setup.sh",
        path.display()
    );
    path
}

/// A file of the repository (the shared rules under `tests/tools/`).
fn in_repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn output(cmd: &mut Command) -> Output {
    cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"))
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The exception covering this finding, if any: same validator, same file, a line that starts so.
fn exception(validator: &str, rel: &str, line: &str) -> Option<usize> {
    EXCEPTIONS.iter().position(|e| {
        e.validator == validator && e.files.contains(&rel) && line.trim().starts_with(e.line)
    })
}

/// Every exception of `validator` was used: one that no longer matches anything must go.
fn assert_all_used(validator: &str, used: &BTreeSet<usize>) {
    let stale: Vec<&Exception> = EXCEPTIONS
        .iter()
        .enumerate()
        .filter(|(i, e)| e.validator == validator && !used.contains(i))
        .map(|(_, e)| e)
        .collect();
    let stale: Vec<String> = stale
        .iter()
        .map(|e| format!("{:?} `{}` ({})", e.files, e.line, e.reason))
        .collect();
    assert!(
        stale.is_empty(),
        "{validator}: exceptions that match no finding any more (remove them):\n{}",
        stale.join("\n")
    );
}

/// Dockerfile-like names, as hadolint's users and the shared set name them.
fn is_dockerfile(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    matches!(name, "Dockerfile" | "Containerfile")
        || name.starts_with("Dockerfile.")
        || name.ends_with(".Dockerfile")
        || name.ends_with(".dockerfile")
}

#[test]
fn dockerfiles_pass_hadolint() {
    // scaffold writes no Dockerfile today: the team's Dockerfile in `TEAM_REPOS` is judged with every
    // tree, and any Dockerfile-like file a blueprint starts writing is judged by the same line.
    check_all("hadolint", &unique_where(is_dockerfile), hadolint);
}

fn hadolint(paths: &[&PathBuf]) -> Command {
    let mut c = Command::new(tool("hadolint"));
    c.args(["--no-color", "--failure-threshold", "warning"])
        .args(paths);
    c
}

/// `docker compose config` for `rel` in `dir`, with its base file for an override, in an empty
/// environment as on a fresh clone (so `${VAR:?}` and a missing `env_file` fail).
fn compose_config(dir: &Path, rel: &str) -> Output {
    let mut cmd = Command::new(tool("docker-compose-v2"));
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let folder = rel.strip_suffix(name).unwrap_or("");
    if let Some(bases) = compose_base_of(name)
        && let Some(base) = bases
            .iter()
            .map(|b| format!("{folder}{b}"))
            .find(|b| dir.join(b).is_file())
    {
        cmd.args(["-f", &base]);
    }
    cmd.args(["-f", rel, "config", "-q"])
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("COMPOSE_PROJECT_NAME", "validate");
    output(&mut cmd)
}

#[test]
fn compose_files_pass_docker_compose_config() {
    // Compose's own loader: interpolation, env files and references are resolved in the tree.
    let mut seen = BTreeSet::new();
    let mut failures = Vec::new();
    for (label, dir) in &matrix().trees {
        for rel in files(dir).into_iter().filter(|r| is_compose(r)) {
            let bytes = std::fs::read(dir.join(&rel)).unwrap();
            if !seen.insert((rel.clone(), bytes)) {
                continue;
            }
            let out = compose_config(dir, &rel);
            if !out.status.success() {
                failures.push(format!("{rel} ({label}):\n{}", text(&out)));
            }
        }
    }
    assert!(!seen.is_empty(), "no compose file was checked");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn markdown_passes_markdownlint() {
    let files = unique_where(|r| r.ends_with(".md") || r.ends_with(".markdown"));
    check_all("markdownlint", &files, markdownlint);
}

/// markdownlint-cli2 with the shared rules.
fn markdownlint(paths: &[&PathBuf]) -> Command {
    let mut c = Command::new(test_tool("markdownlint-cli2"));
    c.arg("--config")
        .arg(in_repo("tests/tools/markdownlint.jsonc"));
    // A leading `:` takes the path literally, never as a glob.
    for path in paths {
        c.arg(format!(":{}", path.display()));
    }
    c
}

#[test]
fn no_generated_file_holds_a_secret() {
    // One detect-secrets scan over every distinct generated file; age public keys are not secrets.
    let m = matrix();
    let report = detect_secrets(&m.unique_root);
    let results = report["results"]
        .as_object()
        .expect("detect-secrets results");
    let mut used = BTreeSet::new();
    let mut failures = Vec::new();
    for (path, findings) in results {
        let (n, rel) = path.split_once('/').expect("unique/<n>/<path>");
        let (_, file, label) = &m.unique[n.parse::<usize>().unwrap()];
        let text = std::fs::read_to_string(file).unwrap();
        let lines: BTreeMap<u64, String> = findings
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f["line_number"].as_u64().unwrap(), f["type"].to_string()))
            .collect();
        for (number, kind) in lines {
            let line = text
                .lines()
                .nth(usize::try_from(number - 1).unwrap())
                .unwrap();
            match exception("detect-secrets", rel, line) {
                Some(i) => {
                    used.insert(i);
                }
                // Never the value: the kind and where.
                None => failures.push(format!("{rel}:{number}: {kind} ({label})")),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "detect-secrets found secret-like values outside EXCEPTIONS:\n{}",
        failures.join("\n")
    );
    assert_all_used("detect-secrets", &used);
}

/// detect-secrets' report on every file under `root` (paths relative to it).
fn detect_secrets(root: &Path) -> serde_json::Value {
    let out = output(
        Command::new(tool("detect-secrets"))
            .args(["scan", "--all-files", "--exclude-lines"])
            .arg(r"\bage1[02-9ac-hj-np-z]{58}\b")
            .arg(".")
            .current_dir(root),
    );
    assert!(out.status.success(), "detect-secrets:\n{}", text(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn dependabot_passes_zizmor() {
    // zizmor's Dependabot audits: cooldowns, insecure external code execution.
    let files = unique_where(|r| r == ".github/dependabot.yml" || r == ".github/dependabot.yaml");
    check_all("zizmor", &files, zizmor);
}

fn zizmor(paths: &[&PathBuf]) -> Command {
    let mut c = Command::new(tool("zizmor"));
    c.args(["--offline", "--no-progress", "-q"]).args(paths);
    c
}

#[test]
fn terraform_is_canonically_formatted() {
    // HashiCorp's own HCL parser and formatter: what `terraform fmt -check` would say.
    let files =
        unique_where(|r| r.ends_with(".tf") || r.ends_with(".tfvars") || r.ends_with(".tofu"));
    check_all("hclfmt", &files, hclfmt);
}

fn hclfmt(paths: &[&PathBuf]) -> Command {
    let mut c = Command::new(tool("hclfmt"));
    c.args(["-check", "-require-no-change"]).args(paths);
    c
}

#[test]
fn yaml_passes_yamllint_with_the_shared_rules() {
    let config = in_repo("tests/tools/yamllint.yml");
    let files = unique_where(|r| r.ends_with(".yml") || r.ends_with(".yaml"));
    check_all("yamllint (shared rules)", &files, |paths| {
        let mut c = Command::new(tool("yamllint"));
        c.args(["--no-warnings", "-c"]).arg(&config).args(paths);
        c
    });
}

#[test]
fn codeowners_pass_github_codeowners() {
    // Owner syntax (@user, @org/team, e-mail) and rule syntax, in the tree the file owns.
    let mut seen = BTreeSet::new();
    let mut failures = Vec::new();
    for (label, dir) in &matrix().trees {
        for rel in files(dir).into_iter().filter(|r| r.ends_with("CODEOWNERS")) {
            let bytes = std::fs::read(dir.join(&rel)).unwrap();
            if !seen.insert((rel.clone(), bytes)) {
                continue;
            }
            let out = codeowners(dir, &rel);
            if !out.status.success() {
                failures.push(format!("{rel} ({label}):\n{}", text(&out)));
            }
        }
    }
    assert!(!seen.is_empty(), "no CODEOWNERS was checked");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `github-codeowners validate` of `rel` in the tree at `dir`.
fn codeowners(dir: &Path, rel: &str) -> Output {
    output(
        Command::new(test_tool("github-codeowners"))
            .args(["validate", "--codeowners", rel, "--dir", "."])
            .current_dir(dir),
    )
}

/// `sops encrypt` of a one-key YAML document with `config`, under the file name `name`.
fn sops_encrypt(config: &Path, name: &str, scratch: &Path) -> Output {
    let plain = scratch.join("plain.yaml");
    std::fs::write(&plain, "probe: value\n").unwrap();
    output(
        Command::new(test_tool("sops"))
            .arg("--config")
            .arg(config)
            .args(["encrypt", "--input-type", "yaml", "--output-type", "yaml"])
            .args(["--filename-override", name])
            .arg(&plain)
            .env("SOPS_DISABLE_VERSION_CHECK", "1"),
    )
}

/// The rule alone, its `path_regex` dropped, as a sops config of its own.
fn single_rule_config(rule: &Yaml) -> String {
    let mut rule = rule
        .as_hash()
        .expect("a creation rule is a mapping")
        .clone();
    rule.remove(&Yaml::String("path_regex".into()));
    let mut top = yaml_rust2::yaml::Hash::new();
    top.insert(
        Yaml::String("creation_rules".into()),
        Yaml::Array(vec![Yaml::Hash(rule)]),
    );
    let mut out = String::new();
    YamlEmitter::new(&mut out).dump(&Yaml::Hash(top)).unwrap();
    out
}

/// The line of `.sops.yaml` holding the rule's recipients (what an exception names).
fn recipients_line<'a>(text: &'a str, rule: &Yaml) -> &'a str {
    let age = rule["age"].as_str().unwrap_or_default();
    text.lines()
        .find(|l| l.trim_start().starts_with("age:") && l.contains(age))
        .unwrap_or_default()
}

/// Problems sops has with one `.sops.yaml`: the whole file, then each creation rule on its own
/// (an exception lets a rule's refusal through; the refusal itself is then required).
fn sops_problems(path: &Path, used: &mut BTreeSet<usize>) -> Vec<String> {
    let scratch = tempfile::tempdir().unwrap();
    let whole = sops_encrypt(path, "__no_rule_matches_this__.yaml", scratch.path());
    let mut problems = Vec::new();
    if !whole.status.success() && !text(&whole).contains("no matching creation rules found") {
        problems.push(format!("sops refuses the file:\n{}", text(&whole)));
    }
    let text_of = std::fs::read_to_string(path).unwrap();
    let rules = yaml(path)["creation_rules"]
        .as_vec()
        .cloned()
        .unwrap_or_default();
    if rules.is_empty() {
        problems.push("no creation_rules".into());
    }
    for (i, rule) in rules.iter().enumerate() {
        let config = scratch.path().join(format!("rule{i}.yaml"));
        std::fs::write(&config, single_rule_config(rule)).unwrap();
        let out = sops_encrypt(&config, "probe.yaml", scratch.path());
        let line = recipients_line(&text_of, rule);
        match (exception("sops", ".sops.yaml", line), out.status.success()) {
            (None, true) => {}
            (Some(e), false) => {
                used.insert(e);
            }
            (None, false) => problems.push(format!("rule {}: {}", i + 1, text(&out))),
            (Some(e), true) => problems.push(format!(
                "rule {}: sops accepted `{}`, which should be refused ({})",
                i + 1,
                EXCEPTIONS[e].line,
                EXCEPTIONS[e].reason
            )),
        }
    }
    problems
}

#[test]
fn sops_encrypts_with_every_creation_rule() {
    let mut used = BTreeSet::new();
    let mut failures = Vec::new();
    let files = unique_where(|r| r == ".sops.yaml" || r.ends_with("/.sops.yaml"));
    assert!(!files.is_empty(), "no .sops.yaml was checked");
    for (rel, path, label) in &files {
        for problem in sops_problems(path, &mut used) {
            failures.push(format!("{rel} ({label}): {problem}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_all_used("sops", &used);
}

/// Files each check above must reject, as the shared set's `samples/bad` are: a check that passes
/// these is not checking.
const BAD: [(&str, &str); 7] = [
    (
        "Dockerfile",
        "FROM debian\nRUN apt-get update && apt-get install -y curl\n",
    ),
    (
        "compose.yaml",
        "services:\n  app:\n    image: app:1\n    env_file: missing.env\n",
    ),
    ("README.md", "# Title\n\n\nText\n"),
    ("main.tf", "a  =  1\n"),
    (
        ".github/dependabot.yml",
        "version: 2\nupdates:\n  - package-ecosystem: npm\n    directory: /\n    schedule:\n      interval: weekly\n",
    ),
    (".github/CODEOWNERS", "* not-an-owner\n"),
    (
        "config/app.env",
        "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
    ),
];

#[test]
fn the_wider_checks_reject_bad_files() {
    let dir = tempfile::tempdir().unwrap();
    for (rel, content) in BAD {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
    let at = |rel: &str| dir.path().join(rel);
    let fails = |mut c: Command| !output(&mut c).status.success();
    assert!(fails(hadolint(&[&at("Dockerfile")])), "hadolint");
    assert!(
        !compose_config(dir.path(), "compose.yaml").status.success(),
        "compose"
    );
    assert!(fails(markdownlint(&[&at("README.md")])), "markdownlint");
    assert!(fails(hclfmt(&[&at("main.tf")])), "hclfmt");
    assert!(
        fails(zizmor(&[&at(".github/dependabot.yml")])),
        "zizmor (no cooldown)"
    );
    assert!(
        !codeowners(dir.path(), ".github/CODEOWNERS")
            .status
            .success(),
        "codeowners"
    );
    let report = detect_secrets(dir.path());
    let found = &report["results"]["config/app.env"];
    assert!(
        found.as_array().is_some_and(|f| !f.is_empty()),
        "detect-secrets: {report}"
    );
    // An exception covers its own file and line only.
    let line = BAD[6].1.trim_end();
    assert_eq!(exception("detect-secrets", "config/app.env", line), None);
    assert_eq!(exception("detect-secrets", "compose.yaml", line), None);
    assert!(
        exception(
            "detect-secrets",
            "compose.yaml",
            "  MYSQL_PASSWORD: local-dev-only"
        )
        .is_some()
    );
    assert_eq!(
        exception(
            "detect-secrets",
            "compose.yml",
            "  MYSQL_PASSWORD: local-dev-only"
        ),
        None
    );
}

/// The checks the shared set's `validate-tree.sh` gives a file, by its own selection rules.
fn shared_set_checks(rel: &str, bytes: &[u8]) -> Vec<&'static str> {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let ext = |e: &[&str]| e.iter().any(|e| rel.ends_with(e));
    let mut checks = vec!["detect-secrets"];
    if rel.starts_with(".github/workflows/") && ext(&[".yml", ".yaml"]) {
        checks.extend(["actionlint", "schema:github-workflows", "zizmor"]);
    }
    if matches!(name, "action.yml" | "action.yaml") {
        checks.extend(["schema:github-actions", "zizmor:action"]);
    }
    if matches!(rel, ".github/dependabot.yml" | ".github/dependabot.yaml") {
        checks.extend(["schema:dependabot", "zizmor:dependabot"]);
    }
    if super::is_gitlab(rel) {
        checks.push("schema:gitlab-ci");
    }
    if matches!(rel, "renovate.json" | ".github/renovate.json") {
        checks.push("schema:renovate");
    }
    if is_compose(rel) {
        checks.extend(["docker-compose-config", "schema:compose-spec"]);
    }
    if is_dockerfile(rel) {
        checks.push("hadolint");
    }
    if matches!(name, ".sops.yaml" | ".sops.yml") {
        checks.push("sops");
    }
    if name == "CODEOWNERS" {
        checks.push("github-codeowners");
    }
    let text = String::from_utf8_lossy(bytes);
    let top = |key: &str| {
        text.lines()
            .any(|l| l.starts_with(key) && l.len() > key.len())
    };
    if ext(&[".yml", ".yaml"]) {
        checks.push("yamllint");
        if top("apiVersion:") && top("kind:") {
            checks.push("kubernetes-validate");
        }
    }
    checks.extend(
        [
            (&[".md", ".markdown"][..], "markdownlint"),
            (&[".tf", ".tfvars"][..], "hclfmt"),
            (&[".json"][..], "json"),
            (&[".toml"][..], "toml"),
        ]
        .into_iter()
        .filter(|(e, _)| ext(e))
        .map(|(_, check)| check),
    );
    if super::is_shell_script(rel, bytes) {
        checks.push("shellcheck");
    }
    checks
}

/// Whether this project's tests give the file that check (the predicate each test filters by).
fn project_checks(check: &str, rel: &str, bytes: &[u8]) -> bool {
    let yaml = rel.ends_with(".yml") || rel.ends_with(".yaml");
    match check {
        "detect-secrets" => true,
        "actionlint" | "schema:github-workflows" | "zizmor" => super::is_workflow(rel),
        "schema:dependabot" => rel == ".github/dependabot.yml",
        "zizmor:dependabot" => matches!(rel, ".github/dependabot.yml" | ".github/dependabot.yaml"),
        "schema:gitlab-ci" => super::is_gitlab(rel),
        "schema:renovate" => rel == "renovate.json",
        "docker-compose-config" | "schema:compose-spec" => is_compose(rel),
        "hadolint" => is_dockerfile(rel),
        "sops" => rel == ".sops.yaml" || rel.ends_with("/.sops.yaml"),
        "github-codeowners" => rel.ends_with("CODEOWNERS"),
        "yamllint" => yaml,
        "markdownlint" => rel.ends_with(".md") || rel.ends_with(".markdown"),
        "hclfmt" => rel.ends_with(".tf") || rel.ends_with(".tfvars") || rel.ends_with(".tofu"),
        "json" => rel.ends_with(".json"),
        "toml" => rel.ends_with(".toml"),
        "shellcheck" => super::is_shell_script(rel, bytes),
        // Not generated today, so not run: composite actions, Kubernetes manifests.
        _ => false,
    }
}

#[test]
fn every_check_of_the_shared_set_has_its_test_here() {
    // A generated file the shared set would judge with a check this project does not run (a new
    // kind of file, or a name our filters miss) fails here rather than going unchecked.
    let mut missing = BTreeSet::new();
    for (rel, path, label) in &matrix().unique {
        let bytes = std::fs::read(path).unwrap();
        for check in shared_set_checks(rel, &bytes) {
            if !project_checks(check, rel, &bytes) {
                missing.insert(format!("{check} on {rel} ({label})"));
            }
        }
    }
    assert!(missing.is_empty(), "{missing:#?}");
    for (rel, check) in [
        (".github/actions/setup/action.yml", "schema:github-actions"),
        ("deploy/k8s/app.yaml", "kubernetes-validate"),
        ("renovate.json5", "json"),
    ] {
        let bytes = b"apiVersion: v1\nkind: Pod\n";
        let shared = shared_set_checks(rel, bytes).contains(&check);
        assert_eq!(shared, check != "json", "{check} on {rel}");
        assert!(!project_checks(check, rel, bytes), "{check} on {rel}");
    }
}
