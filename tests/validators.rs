//! Every combination of the common answers, with every foundation, rendered and judged by
//! independent validators: actionlint, the GitHub workflow, Dependabot, Renovate, GitLab CI and
//! Compose JSON schemas (check-jsonschema), zizmor, yamllint, shellcheck, and HCL/JSON/TOML parsers;
//! and (`wider`) the rest of the team's shared validator set: hadolint, `docker compose config`,
//! markdownlint, detect-secrets, hclfmt, sops on every `.sops.yaml`, github-codeowners on every
//! CODEOWNERS, zizmor on Dependabot files and yamllint with the shared rules.
//! `tests/setup.sh` installs them into `target/validators` and `target/tools`; a missing validator
//! fails the test. The only findings let through are the documented placeholders of `EXCEPTIONS`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use yaml_rust2::{Yaml, YamlLoader};

mod wider;

const STAGES: [&str; 4] = ["pre-mvp", "seed", "series-a", "growth"];
const CIS: [&str; 2] = ["github", "gitlab"];
const LANGUAGES: [&str; 7] = ["rust", "node", "python", "go", "ruby", "jvm", "php"];
const CLOUDS: [&str; 3] = ["aws", "gcp", "none"];
const DATABASES: [&str; 3] = ["postgres", "mysql", "none"];

/// Answers to the blueprints' own questions that have no default (the age recipients have a
/// placeholder default: `PLACEHOLDER_CASES` leave them out).
const OWN_ANSWERS: [&str; 4] = [
    "code_owner=@acme/platform",
    "repository=acme/demo",
    "age_recipient_staging=age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p",
    "age_recipient_production=age1lggyhqrw2nlhcxprm67z43rta597azn8gknawjehu9d9dl0jq3yqqvfafg",
];

/// A finding that is a documented placeholder, not a defect: which validator, in which generated
/// file, on which line (the trimmed line starts with `line`), and why it stays. Every entry must still
/// be found somewhere in the matrix, so a placeholder that goes away takes its entry with it.
pub(crate) struct Exception {
    validator: &'static str,
    files: &'static [&'static str],
    line: &'static str,
    reason: &'static str,
}

const CI_JOB_FILES: &[&str] = &[
    ".github/workflows/ci.yml",
    ".gitlab/ci/pipeline.gitlab-ci.yml",
];
const ENV_FILES: &[&str] = &[
    "config/environments/staging.env",
    "config/environments/production.env",
];

/// The findings let through, each with its reason. Nothing else is.
const EXCEPTIONS: &[Exception] = &[
    Exception {
        validator: "detect-secrets",
        files: CI_JOB_FILES,
        line: "POSTGRES_PASSWORD: ci",
        reason: "throwaway password of the CI job's own database container (commented as such)",
    },
    Exception {
        validator: "detect-secrets",
        files: CI_JOB_FILES,
        line: "MYSQL_PASSWORD: ci",
        reason: "throwaway password of the CI job's own database container (commented as such)",
    },
    Exception {
        validator: "detect-secrets",
        files: CI_JOB_FILES,
        line: "MYSQL_RANDOM_ROOT_PASSWORD: \"yes\"",
        reason: "a switch asking the MySQL image for a random root password, not a password",
    },
    Exception {
        validator: "detect-secrets",
        files: CI_JOB_FILES,
        line: "DATABASE_URL: postgresql://ci:ci@",
        reason: "the CI job's throwaway `ci:ci` database, on localhost or the job's service",
    },
    Exception {
        validator: "detect-secrets",
        files: CI_JOB_FILES,
        line: "DATABASE_URL: mysql://ci:ci@",
        reason: "the CI job's throwaway `ci:ci` database, on localhost or the job's service",
    },
    Exception {
        validator: "detect-secrets",
        files: &["compose.yaml"],
        line: "POSTGRES_PASSWORD: local-dev-only",
        reason: "the local development database's password, named for what it is",
    },
    Exception {
        validator: "detect-secrets",
        files: &["compose.yaml"],
        line: "MYSQL_PASSWORD: local-dev-only",
        reason: "the local development database's password, named for what it is",
    },
    Exception {
        validator: "detect-secrets",
        files: &["compose.yaml"],
        line: "MYSQL_ROOT_PASSWORD: local-dev-only",
        reason: "the local development database's root password, named for what it is",
    },
    Exception {
        validator: "detect-secrets",
        files: &["compose.yaml"],
        line: "MARIADB_PASSWORD: local-dev-only",
        reason: "the local development database's password, named for what it is",
    },
    Exception {
        validator: "detect-secrets",
        files: &["compose.yaml"],
        line: "MARIADB_ROOT_PASSWORD: local-dev-only",
        reason: "the local development database's root password, named for what it is",
    },
    Exception {
        validator: "detect-secrets",
        files: ENV_FILES,
        line: "DATABASE_URL_SECRET=sops:secrets/",
        reason: "names the sops-encrypted file holding the secret, never its value (the parity check enforces it)",
    },
    Exception {
        validator: "detect-secrets",
        files: ENV_FILES,
        line: "APP_SECRETS=sops:secrets/",
        reason: "names the sops-encrypted file holding the secrets, never a value (the parity check enforces it)",
    },
    Exception {
        validator: "detect-secrets",
        files: &["config/environments/contract.env"],
        line: "#   secret   the NAME of a secret, `sops:secrets/<environment>/<file>[#KEY]`",
        reason: "the comment explaining the `secret` rule; no value",
    },
    Exception {
        validator: "detect-secrets",
        files: &["ops/backup/lib.sh"],
        line: "[[ -n $url ]] || die \"DATABASE_URL is not set: export it as postgresql://USER:PASSWORD@HOST",
        reason: "the error message showing the URL's format with placeholder words",
    },
    Exception {
        validator: "sops",
        files: &[".sops.yaml"],
        line: "age: \"REPLACE-ME-staging-age-recipient\"",
        reason: "the default staging recipient: sops must refuse it until a real age key replaces it (a next step says so)",
    },
    Exception {
        validator: "sops",
        files: &[".sops.yaml"],
        line: "age: \"REPLACE-ME-production-age-recipient\"",
        reason: "the default production recipient: sops must refuse it until a real age key replaces it (a next step says so)",
    },
];

/// All rendered trees, rendered once per test process.
struct Matrix {
    _tmp: tempfile::TempDir,
    /// One tree per combination, with its label.
    trees: Vec<(String, PathBuf)>,
    /// Each distinct (path, content) once: `unique/<n>/<path>`, with one combination that made it.
    unique: Vec<(String, PathBuf, String)>,
    /// The folder holding `unique/`.
    unique_root: PathBuf,
}

fn matrix() -> &'static Matrix {
    static MATRIX: OnceLock<Matrix> = OnceLock::new();
    MATRIX.get_or_init(render_all)
}

/// Repos that already run a database, laid at series-a with every foundation: the team's compose
/// file at the root (kept, and checked instead of a `compose.yaml` of ours), or one deeper down (a
/// root `compose.yaml` is written with the repo's engine and version); some with the team's
/// `Dockerfile` (Dependabot's `docker` ecosystem). (file, image, database answer, with a Dockerfile)
const TEAM_REPOS: [(&str, &str, &str, bool); 4] = [
    ("docker-compose.yml", "postgres:16-alpine", "postgres", true),
    ("compose.yml", "mariadb:11", "mysql", false),
    ("deploy/compose.yaml", "mariadb:11.4", "mysql", true),
    (
        "deploy/compose.yaml",
        "postgres:18-alpine",
        "postgres",
        false,
    ),
];

/// A team's Dockerfile as the deploy pipelines expect it at the root: hadolint judges it with the
/// generated files, as it would any Dockerfile-like file a blueprint wrote.
const TEAM_DOCKERFILE: &str = "\
# syntax=docker/dockerfile:1
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:22-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
EXPOSE 8080
CMD [\"node\", \"dist/server.js\"]
";

/// Combinations laid without the age recipients: `.sops.yaml` keeps its placeholder recipients.
const PLACEHOLDER_CASES: [(&str, &str); 2] = [("seed", "github"), ("growth", "gitlab")];

/// One tree to render: its label, its answers, and the team's files it starts with.
struct Case {
    label: String,
    answers: [String; 5],
    team_files: Vec<(String, String)>,
    /// Answer the age recipients (else their placeholder defaults stay).
    recipients: bool,
}

/// Every combination of the common answers, then the `TEAM_REPOS` on both CI hosts.
fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for stage in STAGES {
        for ci in CIS {
            for language in LANGUAGES {
                for cloud in CLOUDS {
                    for database in DATABASES {
                        cases.push(Case {
                            label: format!("{stage}/{ci}/{language}/{cloud}/{database}"),
                            answers: answers(stage, ci, language, cloud, database),
                            team_files: Vec::new(),
                            recipients: true,
                        });
                    }
                }
            }
        }
    }
    for (file, image, database, dockerfile) in TEAM_REPOS {
        for ci in CIS {
            let compose = format!("services:\n  db:\n    image: {image}\n");
            let mut team_files = vec![(file.to_owned(), compose)];
            if dockerfile {
                team_files.push(("Dockerfile".to_owned(), TEAM_DOCKERFILE.to_owned()));
            }
            cases.push(Case {
                label: format!("series-a/{ci}/node/aws/{database} with {file} running {image}"),
                answers: answers("series-a", ci, "node", "aws", database),
                team_files,
                recipients: true,
            });
        }
    }
    for (stage, ci) in PLACEHOLDER_CASES {
        cases.push(Case {
            label: format!("{stage}/{ci}/node/aws/postgres with the placeholder age recipients"),
            answers: answers(stage, ci, "node", "aws", "postgres"),
            team_files: Vec::new(),
            recipients: false,
        });
    }
    for (shape, files) in SHAPES {
        for stage in ["pre-mvp", "series-a"] {
            for database in ["postgres", "none"] {
                cases.push(Case {
                    label: format!("{stage}/gitlab/{shape}/none/{database}"),
                    answers: answers(stage, "gitlab", "python", "none", database),
                    team_files: files
                        .iter()
                        .map(|(p, t)| ((*p).to_owned(), (*t).to_owned()))
                        .collect(),
                    recipients: true,
                });
            }
        }
    }
    cases
}

fn answers(stage: &str, ci: &str, language: &str, cloud: &str, database: &str) -> [String; 5] {
    [
        format!("stage={stage}"),
        format!("ci={ci}"),
        format!("language={language}"),
        format!("cloud={cloud}"),
        format!("database={database}"),
    ]
}

fn render_all() -> Matrix {
    let tmp = tempfile::tempdir().unwrap();
    let mut trees = Vec::new();
    let mut unique = Unique::default();
    for (n, case) in cases().into_iter().enumerate() {
        let label = case.label;
        let dir = tmp.path().join("trees").join(n.to_string()).join("demo");
        std::fs::create_dir_all(&dir).unwrap();
        for (path, text) in &case.team_files {
            let path = dir.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let own = if case.recipients {
            &OWN_ANSWERS[..]
        } else {
            &OWN_ANSWERS[..2]
        };
        init(
            &dir,
            &label,
            &case.answers,
            own,
            "ci,secrets-rbac,backup-restore,staging-parity,observability,iac,cost-guardrails,production-access",
        );
        unique.add(tmp.path(), &dir, &label, |_| true);
        trees.push((label, dir));
    }
    // A repo with code: the GitHub CI files for each of its projects.
    for stage in STAGES {
        for database in DATABASES {
            let label = format!("{stage}/github/node/none/{database}");
            let dir = tmp.path().join("repos").join(label.replace('/', "-"));
            let dir = dir.join("demo");
            polyglot_repo(&dir);
            init(
                &dir,
                &label,
                &answers(stage, "github", "node", "none", database),
                &OWN_ANSWERS,
                "ci",
            );
            let label = format!("{label} in a polyglot repo");
            unique.add(tmp.path(), &dir, &label, |rel| rel.starts_with(".github/"));
        }
    }
    Matrix {
        unique_root: tmp.path().join("unique"),
        _tmp: tmp,
        trees,
        unique: unique.files,
    }
}

/// `scaffold init` in `dir` with these answers and answers to the blueprints' own questions.
fn init(dir: &Path, label: &str, answers: &[String], own: &[&str], only: &str) {
    let mut cmd = crate::support::command();
    cmd.args(["init", "--yes", "-C"])
        .arg(dir)
        .args(["--only", only]);
    for set in answers
        .iter()
        .map(String::as_str)
        .chain(own.iter().copied())
    {
        cmd.args(["--set", set]);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{label}: scaffold init failed\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Each distinct (path, content) once, copied to `unique/<n>/<path>`.
#[derive(Default)]
struct Unique {
    seen: BTreeSet<(String, Vec<u8>)>,
    files: Vec<(String, PathBuf, String)>,
}

impl Unique {
    /// Adds the files of the tree at `dir` that `keep` accepts, naming `label` as their maker.
    fn add(&mut self, tmp: &Path, dir: &Path, label: &str, keep: impl Fn(&str) -> bool) {
        for rel in files(dir).into_iter().filter(|rel| keep(rel)) {
            let bytes = std::fs::read(dir.join(&rel)).unwrap();
            let key = (rel.clone(), bytes);
            if self.seen.contains(&key) {
                continue;
            }
            let target = tmp
                .join("unique")
                .join(self.files.len().to_string())
                .join(&rel);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::write(&target, &key.1).unwrap();
            self.files.push((rel, target, label.to_owned()));
            self.seen.insert(key);
        }
    }
}

/// A repo with a project for every tool the `ci` blueprint knows, each in its own folder, with
/// and without lockfiles, tests and pinned versions, so every branch of the GitHub templates is
/// rendered and judged. Only the files detection reads; nothing here runs.
fn polyglot_repo(dir: &Path) {
    let files: [(&str, &str); 30] = [
        (
            "api/package.json",
            r#"{"scripts": {"test": "node --test"}}"#,
        ),
        ("api/package-lock.json", "{}"),
        (
            "site/package.json",
            r#"{"scripts": {"build": "astro build"}}"#,
        ),
        (
            "web/package.json",
            r#"{"packageManager": "pnpm@9.12.0", "engines": {"node": ">=20"}, "scripts": {"test": "vitest run", "lint": "eslint ."}}"#,
        ),
        ("web/pnpm-lock.yaml", "lockfileVersion: '9.0'\n"),
        ("admin/package.json", r#"{"scripts": {"test": "jest"}}"#),
        ("admin/yarn.lock", ""),
        ("portal/package.json", r#"{"packageManager": "yarn@4.5.0"}"#),
        ("portal/yarn.lock", ""),
        ("portal/.yarnrc.yml", "nodeLinker: node-modules\n"),
        ("edge/package.json", r#"{"scripts": {"test": "bun test"}}"#),
        ("edge/bun.lock", "{}"),
        (
            "backend/pyproject.toml",
            "[project]\nname = \"api\"\nrequires-python = \">=3.12\"\n\n[dependency-groups]\ndev = [\"pytest\"]\n",
        ),
        ("backend/uv.lock", ""),
        (
            "worker/pyproject.toml",
            "[tool.poetry]\nname = \"worker\"\n\n[tool.poetry.dependencies]\npython = \"^3.11\"\n",
        ),
        ("worker/poetry.lock", ""),
        ("worker/tests/test_jobs.py", ""),
        (
            "ml/pyproject.toml",
            "[project]\nname = \"ml\"\n\n[tool.pdm]\n",
        ),
        ("scripts/requirements.txt", "requests\n"),
        ("engine/Cargo.toml", "[package]\nname = \"engine\"\n"),
        (
            "engine/rust-toolchain.toml",
            "[toolchain]\nchannel = \"1.82\"\n",
        ),
        (
            "services/api/go.mod",
            "module example.com/api\n\ngo 1.22.3\n",
        ),
        ("store/Gemfile", "ruby \"3.3.4\"\ngem \"rspec\"\n"),
        ("store/Gemfile.lock", "GEM\n"),
        ("store/spec/cart_spec.rb", ""),
        ("reports/build.gradle", "kotlin { jvmToolchain(21) }\n"),
        (
            "payments/pom.xml",
            "<project><properties><maven.compiler.release>21</maven.compiler.release></properties></project>\n",
        ),
        ("payments/mvnw", ""),
        ("payments/src/test/java/T.java", ""),
        ("blog/composer.json", "{\"require\": {\"php\": \">=8.2\"}}"),
    ];
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

/// Repos with code (every tool, in folders) or with a team's own `.gitlab-ci.yml`, laid on GitLab
/// beside the answer combinations (which start from empty repos).
const SHAPES: [(&str, &[(&str, &str)]); 3] = [
    (
        "every-tool",
        &[
            ("Cargo.toml", "[package]\nname = \"x\"\n"),
            ("Cargo.lock", ""),
            ("rust-toolchain.toml", "[toolchain]\nchannel = \"1.82\"\n"),
            (
                "backend/pyproject.toml",
                "[project]\nname = \"api\"\nrequires-python = \">=3.12\"\n[dependency-groups]\ndev = [\"pytest\"]\n",
            ),
            ("backend/uv.lock", ""),
            ("worker/pyproject.toml", "[tool.poetry]\nname = \"w\"\n"),
            ("worker/poetry.lock", ""),
            ("jobs/pyproject.toml", "[tool.pdm]\n"),
            ("jobs/pdm.lock", ""),
            ("scripts/requirements.txt", "requests\n"),
            (
                "frontend/package.json",
                "{\"scripts\": {\"test\": \"vitest\"}}",
            ),
            ("frontend/pnpm-lock.yaml", ""),
            (
                "api/package.json",
                "{\"scripts\": {\"test\": \"node --test\"}}",
            ),
            ("api/package-lock.json", "{}"),
            ("admin/package.json", "{\"packageManager\": \"yarn@4.5.0\"}"),
            ("admin/yarn.lock", ""),
            (
                "edge/package.json",
                "{\"scripts\": {\"test\": \"bun test\"}}",
            ),
            ("edge/bun.lock", ""),
            ("services/api/go.mod", "module x\n\ngo 1.22.3\n"),
            ("services/api/go.sum", ""),
            ("shop/Gemfile", "ruby \"3.3.4\"\ngem \"rails\"\n"),
            ("shop/Gemfile.lock", "GEM\n"),
            ("shop/bin/rails", ""),
            (
                "billing/build.gradle.kts",
                "java { toolchain { languageVersion = JavaLanguageVersion.of(21) } }\n",
            ),
            ("billing/gradlew", ""),
            ("billing/src/test/kotlin/T.kt", ""),
            (
                "ledger/pom.xml",
                "<project><properties><java.version>17</java.version></properties></project>\n",
            ),
            (
                "cms/composer.json",
                "{\"require\": {\"php\": \"^8.3\"}, \"scripts\": {\"test\": \"phpunit\"}}",
            ),
            ("cms/composer.lock", "{}"),
        ],
    ),
    (
        "team-pipeline",
        &[
            ("go.mod", "module x\n"),
            (
                ".gitlab-ci.yml",
                "workflow:\n  rules:\n    - if: $CI_COMMIT_BRANCH\n\nstages:\n  - build\n  - test\n  - deploy\n\nvet:\n  stage: build\n  image: golang:1.24\n  script: [go vet ./...]\n\nclient:\n  stage: test\n  image: postgres:16-alpine\n  script: [psql --version]\n",
            ),
        ],
    ),
    (
        "team-jobs-only",
        &[
            ("package.json", "{\"scripts\": {\"test\": \"jest\"}}"),
            (
                ".gitlab-ci.yml",
                "lint:\n  image: node:22\n  script: [npm run lint]\n",
            ),
        ],
    ),
];

/// Relative paths of the generated files (scaffold's own state left out).
fn files(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if rel == ".scaffold" {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(rel);
            }
        }
    }
    out.sort();
    out
}

/// The validators' folder: `$SCAFFOLD_VALIDATORS`, else `target/validators/bin`.
pub(crate) fn tool(name: &str) -> PathBuf {
    let dir = std::env::var_os("SCAFFOLD_VALIDATORS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("target/validators/bin"),
        PathBuf::from,
    );
    let path = dir.join(name);
    assert!(
        path.is_file(),
        "validator `{name}` is missing at {}: run tests/setup.sh (or set SCAFFOLD_VALIDATORS)",
        path.display()
    );
    path
}

/// Unique generated files whose path matches.
fn unique_where(pred: impl Fn(&str) -> bool) -> Vec<(String, PathBuf, String)> {
    matrix()
        .unique
        .iter()
        .filter(|(rel, _, _)| pred(rel))
        .cloned()
        .collect()
}

/// Runs a validator over files in batches; returns the failures with the combination that made them.
fn check_all(
    what: &str,
    files: &[(String, PathBuf, String)],
    make: impl Fn(&[&PathBuf]) -> Command,
) -> usize {
    assert!(!files.is_empty(), "{what}: no file to check");
    let mut failures = Vec::new();
    for chunk in files.chunks(100) {
        let paths: Vec<&PathBuf> = chunk.iter().map(|(_, p, _)| p).collect();
        let out = make(&paths)
            .output()
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        if !out.status.success() {
            // Find which files fail, one by one, to name their combination.
            for (rel, path, label) in chunk {
                let one = make(&[path]).output().unwrap();
                if !one.status.success() {
                    failures.push(format!(
                        "{what} FAILED on {rel} ({label}):\n{}{}",
                        String::from_utf8_lossy(&one.stdout),
                        String::from_utf8_lossy(&one.stderr)
                    ));
                }
            }
            assert!(
                !failures.is_empty(),
                "{what} failed on a batch but on no single file:\n{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    files.len()
}

fn is_workflow(rel: &str) -> bool {
    rel.starts_with(".github/workflows/") && (rel.ends_with(".yml") || rel.ends_with(".yaml"))
}

/// GitLab CI files, as the shared validator set picks them: `.gitlab-ci.yml`, `*.gitlab-ci.yml` and
/// anything under `.gitlab/ci/`.
fn is_gitlab(rel: &str) -> bool {
    rel == ".gitlab-ci.yml"
        || rel.ends_with(".gitlab-ci.yml")
        || rel.ends_with(".gitlab-ci.yaml")
        || (rel.starts_with(".gitlab/ci/") && (rel.ends_with(".yml") || rel.ends_with(".yaml")))
}

#[test]
fn the_shared_include_block_is_the_same_text_in_every_blueprint() {
    // Foundations that write one block together must render the same text, or they would take
    // turns rewriting it.
    let read = |id: &str| {
        std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("blueprints")
                .join(id)
                .join("templates/gitlab/gitlab-ci.yml.hbs"),
        )
        .unwrap()
    };
    assert_eq!(read("backup-restore"), read("ci"));
    assert_eq!(read("staging-parity"), read("ci"));
    assert_eq!(read("secrets-rbac"), read("ci"));
}

#[test]
fn every_combination_renders_every_foundation() {
    let m = matrix();
    assert_eq!(
        m.trees.len(),
        STAGES.len() * CIS.len() * LANGUAGES.len() * CLOUDS.len() * DATABASES.len()
            + TEAM_REPOS.len() * 2
            + PLACEHOLDER_CASES.len()
            + SHAPES.len() * 2 * 2
    );
    for (label, dir) in &m.trees {
        let files = files(dir);
        let adrs = files.iter().filter(|f| f.starts_with("docs/adr/")).count();
        assert_eq!(adrs, 8, "{label}: one ADR per foundation: {files:?}");
    }
}

#[test]
fn workflows_pass_actionlint() {
    let shellcheck = tool("shellcheck");
    let files = unique_where(is_workflow);
    check_all("actionlint", &files, |paths| {
        let mut c = Command::new(tool("actionlint"));
        c.args(["-no-color", "-shellcheck"])
            .arg(&shellcheck)
            .args(paths);
        c
    });
}

#[test]
fn workflows_pass_the_github_workflow_schema() {
    let files = unique_where(is_workflow);
    check_all("schema:github-workflows", &files, |paths| {
        let mut c = Command::new(tool("check-jsonschema"));
        c.args(["--builtin-schema", "vendor.github-workflows"])
            .args(paths);
        c
    });
}

#[test]
fn workflows_pass_zizmor() {
    let files = unique_where(is_workflow);
    check_all("zizmor", &files, |paths| {
        let mut c = Command::new(tool("zizmor"));
        c.args(["--offline", "--no-progress", "-q"]).args(paths);
        c
    });
}

#[test]
fn dependabot_passes_its_schema() {
    let files = unique_where(|r| r == ".github/dependabot.yml");
    check_all("schema:dependabot", &files, |paths| {
        let mut c = Command::new(tool("check-jsonschema"));
        c.args(["--builtin-schema", "vendor.dependabot"])
            .args(paths);
        c
    });
}

#[test]
fn renovate_passes_its_schema() {
    // Renovate's own JSON schema, vendored by check-jsonschema: managers and options are enums.
    let files = unique_where(|r| r == "renovate.json");
    check_all("schema:renovate", &files, |paths| {
        let mut c = Command::new(tool("check-jsonschema"));
        c.args(["--builtin-schema", "vendor.renovate"]).args(paths);
        c
    });
}

#[test]
fn gitlab_trees_get_renovate_grouped_and_a_week_behind() {
    for (label, dir) in &matrix().trees {
        let gitlab = label.split('/').nth(1) == Some("gitlab");
        let path = dir.join("renovate.json");
        assert_eq!(
            path.exists(),
            gitlab,
            "{label}: renovate.json only on GitLab"
        );
        if !gitlab {
            continue;
        }
        let config: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let managers: Vec<&str> = config["enabledManagers"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(serde_json::Value::as_str)
            .collect();
        let language = label.split('/').nth(2).unwrap();
        let language_managers: &[&str] = match language {
            "rust" => &["cargo"],
            "node" => &["npm"],
            "python" => &["pep621", "poetry", "pip_requirements"],
            "ruby" => &["bundler"],
            "jvm" => &["gradle", "maven"],
            "php" => &["composer"],
            _ => &["gomod"],
        };
        for manager in ["gitlabci", "dockerfile", "docker-compose"]
            .iter()
            .chain(language_managers)
        {
            assert!(managers.contains(manager), "{label}: no {manager} manager");
        }
        assert_eq!(config["minimumReleaseAge"], "7 days", "{label}");
        let grouped = config["packageRules"]
            .as_array()
            .unwrap()
            .iter()
            .any(|rule| {
                rule["groupName"].is_string()
                    && rule["matchUpdateTypes"] == serde_json::json!(["minor", "patch"])
            });
        assert!(grouped, "{label}: minor and patch updates are not grouped");
    }
}

#[test]
fn gitlab_pipelines_pass_the_gitlab_ci_schema() {
    let files = unique_where(is_gitlab);
    check_all("schema:gitlab-ci", &files, |paths| {
        let mut c = Command::new(tool("check-jsonschema"));
        // `!reference` tags resolved as GitLab does, rather than failing the YAML load.
        c.args(["--builtin-schema", "vendor.gitlab-ci"])
            .args(["--data-transform", "gitlab-ci"])
            .args(paths);
        c
    });
}

/// Compose's own file names (compose-go's `DefaultFileNames`, in its order).
const COMPOSE_NAMES: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
];

/// A compose file: one of Compose's own names, or an override beside one (`compose.<x>.yaml`).
fn is_compose(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    COMPOSE_NAMES.contains(&name) || compose_base_of(name).is_some()
}

/// For an override file name (`compose.staging.yaml`, `docker-compose.ci.yml`), the base names it
/// is laid over.
fn compose_base_of(name: &str) -> Option<&'static [&'static str]> {
    let (stem, ext) = name.rsplit_once('.')?;
    if !matches!(ext, "yml" | "yaml") {
        return None;
    }
    let (base, middle) = stem.split_once('.')?;
    (!middle.is_empty() && matches!(base, "compose" | "docker-compose"))
        .then_some(&COMPOSE_NAMES[..])
}

#[test]
fn compose_files_pass_the_compose_schema() {
    let files = unique_where(is_compose);
    check_all("schema:compose", &files, |paths| {
        let mut c = Command::new(tool("check-jsonschema"));
        c.args(["--builtin-schema", "vendor.compose-spec"])
            .args(paths);
        c
    });
}

#[test]
fn no_tree_has_a_second_compose_file() {
    for (label, dir) in &matrix().trees {
        let found: Vec<&str> = COMPOSE_NAMES
            .into_iter()
            .chain(["compose.override.yml", "compose.override.yaml"])
            .chain([
                "docker-compose.override.yml",
                "docker-compose.override.yaml",
            ])
            .filter(|n| dir.join(n).exists())
            .collect();
        assert!(found.len() <= 1, "{label}: {found:?}");
    }
}

#[test]
fn yaml_passes_yamllint() {
    let files = unique_where(|r| r.ends_with(".yml") || r.ends_with(".yaml"));
    check_all("yamllint", &files, |paths| {
        let mut c = Command::new(tool("yamllint"));
        c.args([
            "-s",
            "-d",
            "{extends: relaxed, rules: {line-length: disable, truthy: disable, document-start: disable}}",
        ])
        .args(paths);
        c
    });
}

#[test]
fn terraform_json_and_toml_parse() {
    let python = tool("python");
    let files = unique_where(|r| {
        r.ends_with(".tf") || r.ends_with(".tofu") || r.ends_with(".json") || r.ends_with(".toml")
    });
    let script = "import sys, json, tomllib, hcl2\n\
        for p in sys.argv[1:]:\n\
        \x20   with open(p, 'rb') as f:\n\
        \x20       if p.endswith('.json'): json.load(f)\n\
        \x20       elif p.endswith('.toml'): tomllib.load(f)\n\
        \x20   if p.endswith('.tf') or p.endswith('.tofu'):\n\
        \x20       with open(p) as f: hcl2.load(f)\n";
    let checked = check_all("parse", &files, |paths| {
        let mut c = Command::new(&python);
        c.args(["-c", script]).args(paths);
        c
    });
    assert!(checked > 0);
}

/// A shell script as the shared set tells one: `*.sh`/`*.bash`, or a shebang naming sh, bash, dash
/// or ksh (`#!/bin/sh -e`, `#!/usr/bin/env bash`).
fn is_shell_script(rel: &str, bytes: &[u8]) -> bool {
    if rel.ends_with(".sh") || rel.ends_with(".bash") {
        return true;
    }
    let first = String::from_utf8_lossy(&bytes[..bytes.len().min(128)]);
    let first = first.lines().next().unwrap_or_default();
    first.starts_with("#!")
        && first[2..]
            .split(|c: char| c == '/' || c.is_whitespace())
            .any(|word| matches!(word, "sh" | "bash" | "dash" | "ksh"))
}

#[test]
fn scripts_pass_shellcheck() {
    // Scripts source each other, so shellcheck runs inside each tree; trees with the same scripts
    // are checked once.
    let mut seen = BTreeSet::new();
    let mut failures = Vec::new();
    let mut checked = 0;
    for (label, dir) in &matrix().trees {
        let scripts: Vec<String> = files(dir)
            .into_iter()
            .filter(|f| std::fs::read(dir.join(f)).is_ok_and(|b| is_shell_script(f, &b)))
            .collect();
        let signature: Vec<(String, Vec<u8>)> = scripts
            .iter()
            .map(|s| (s.clone(), std::fs::read(dir.join(s)).unwrap()))
            .collect();
        if scripts.is_empty() || !seen.insert(signature) {
            continue;
        }
        checked += scripts.len();
        let out = Command::new(tool("shellcheck"))
            .arg("-x")
            .args(&scripts)
            .current_dir(dir)
            .output()
            .unwrap();
        if !out.status.success() {
            failures.push(format!(
                "{label}:\n{}",
                String::from_utf8_lossy(&out.stdout)
            ));
        }
    }
    assert!(checked > 0, "no script was checked");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Parses one YAML document.
fn yaml(path: &Path) -> Yaml {
    let text = std::fs::read_to_string(path).unwrap();
    YamlLoader::load_from_str(&text)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .remove(0)
}

fn key<'a>(y: &'a Yaml, k: &str) -> &'a Yaml {
    &y[k]
}

#[test]
fn workflows_follow_the_hardening_rules() {
    let pinned = regex_like_pin;
    let mut failures = Vec::new();
    for (rel, path, label) in unique_where(is_workflow) {
        let text = std::fs::read_to_string(&path).unwrap();
        let doc = yaml(&path);
        let mut fail = |msg: String| failures.push(format!("{rel} ({label}): {msg}"));
        // Top-level permissions: read-only or none.
        match key(&doc, "permissions") {
            Yaml::Hash(h) if h.is_empty() => {}
            Yaml::Hash(h) => {
                for (k, v) in h {
                    if v.as_str() != Some("read") {
                        fail(format!("top-level permission {k:?} is {v:?}, not read"));
                    }
                }
            }
            other => fail(format!("no restrictive top-level permissions: {other:?}")),
        }
        // Concurrency for the whole workflow, or (deploys) per environment on every deploy job.
        let per_environment = key(&doc, "jobs").as_hash().is_some_and(|jobs| {
            jobs.values().any(|j| !j["environment"].is_badvalue())
                && jobs
                    .values()
                    .filter(|j| !j["environment"].is_badvalue())
                    .all(|j| j["concurrency"]["cancel-in-progress"].as_bool() == Some(false))
        });
        if key(&doc, "concurrency").is_badvalue() && !per_environment {
            fail("no concurrency".into());
        }
        if let Yaml::Hash(on) = key(&doc, "on")
            && on.contains_key(&Yaml::String("pull_request_target".into()))
        {
            fail("uses pull_request_target".into());
        }
        let Yaml::Hash(jobs) = key(&doc, "jobs") else {
            fail("no jobs".into());
            continue;
        };
        for (name, job) in jobs {
            let name = name.as_str().unwrap_or("?");
            if let Some(uses) = key(job, "uses").as_str()
                && !is_local(uses)
                && !pinned(uses)
            {
                fail(format!(
                    "job {name}: reusable workflow `{uses}` is not pinned"
                ));
            }
            // A job that calls a reusable workflow takes no timeout; that workflow's jobs have one.
            if key(job, "timeout-minutes").is_badvalue() && key(job, "uses").is_badvalue() {
                fail(format!("job {name} has no timeout-minutes"));
            }
            let steps = key(job, "steps").as_vec().cloned().unwrap_or_default();
            let logs_in = steps.iter().any(|s| {
                s["uses"].as_str().is_some_and(|u| {
                    u.starts_with("aws-actions/configure-aws-credentials@")
                        || u.starts_with("google-github-actions/auth@")
                })
            });
            if let Yaml::Hash(perms) = key(job, "permissions")
                && perms
                    .get(&Yaml::String("id-token".into()))
                    .and_then(Yaml::as_str)
                    == Some("write")
                && !logs_in
            {
                fail(format!(
                    "job {name} has id-token: write but logs in to no cloud"
                ));
            }
            for step in &steps {
                if let Some(uses) = step["uses"].as_str() {
                    if !is_local(uses) && !pinned(uses) {
                        fail(format!(
                            "job {name}: `{uses}` is not pinned to a commit SHA"
                        ));
                    }
                    if uses.starts_with("actions/checkout@")
                        && step["with"]["persist-credentials"].as_bool() != Some(false)
                    {
                        fail(format!(
                            "job {name}: checkout without persist-credentials: false"
                        ));
                    }
                }
                if let Some(run) = step["run"].as_str()
                    && (run.contains("${{ github.event") || run.contains("${{github.event"))
                {
                    fail(format!("job {name}: github.event expression inside run:"));
                }
            }
            // Production only by hand: a job of a `workflow_dispatch` run, never of a push.
            if let Some(env) = key(job, "environment")
                .as_str()
                .or_else(|| key(job, "environment")["name"].as_str())
                && env == "production"
                && !key(job, "if")
                    .as_str()
                    .is_some_and(|c| c.contains("github.event_name == 'workflow_dispatch'"))
            {
                fail(format!(
                    "job {name} deploys production without a manual run"
                ));
            }
        }
        // Every `uses:` line keeps its version comment for Dependabot.
        for line in text.lines().filter(|l| {
            l.trim_start().starts_with("uses:") || l.trim_start().starts_with("- uses:")
        }) {
            let local = line.contains("uses: ./") || line.contains("uses: $/");
            // The comment names the tag as the action's repository spells it (setup-php: `2.37.2`).
            let tag = line.split_once(" # ").is_some_and(|(_, c)| {
                c.starts_with('v') || c.starts_with(|c: char| c.is_ascii_digit())
            });
            if !local && !tag && !line.contains(" # master") {
                fail(format!("`{}` has no version comment", line.trim()));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A GitLab job with the keys of the hidden jobs it `extends` (its own keys win).
fn with_extends(doc: &Yaml, job: &Yaml) -> Yaml {
    let parents: Vec<&str> = match &job["extends"] {
        Yaml::String(s) => vec![s.as_str()],
        Yaml::Array(a) => a.iter().filter_map(Yaml::as_str).collect(),
        _ => Vec::new(),
    };
    let mut merged = yaml_rust2::yaml::Hash::new();
    for parent in parents {
        let parent = with_extends(doc, &doc[parent]);
        if let Yaml::Hash(h) = parent {
            merged.extend(h);
        }
    }
    if let Yaml::Hash(h) = job {
        merged.extend(h.clone());
    }
    Yaml::Hash(merged)
}

/// A reference to the repository itself: workspace-relative `./` or self-repository `$/`.
fn is_local(uses: &str) -> bool {
    uses.starts_with("./") || uses.starts_with("$/")
}

/// `owner/repo@<40 hex>`.
fn regex_like_pin(uses: &str) -> bool {
    uses.split_once('@')
        .is_some_and(|(_, sha)| sha.len() == 40 && sha.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[test]
fn deploy_workflows_promote_one_artifact_through_an_approved_production() {
    let mut checked = 0;
    for (rel, path, label) in unique_where(|r| r == ".github/workflows/deploy.yml") {
        let doc = yaml(&path);
        let text = std::fs::read_to_string(&path).unwrap();
        let Yaml::Hash(jobs) = key(&doc, "jobs") else {
            panic!("{rel}: no jobs")
        };
        let envs: Vec<String> = jobs
            .values()
            .filter_map(|j| {
                j["environment"]
                    .as_str()
                    .or_else(|| j["environment"]["name"].as_str())
                    .map(str::to_owned)
            })
            .collect();
        assert!(
            envs.contains(&"staging".into()) && envs.contains(&"production".into()),
            "{rel} ({label}): environments {envs:?}"
        );
        assert!(
            text.contains("digest"),
            "{rel} ({label}): the image digest is not carried to the deploy jobs"
        );
        // Production takes the digest staging ran as the input of a manual run, and rebuilds nothing.
        let inputs = &doc["on"]["workflow_dispatch"]["inputs"]["image"];
        assert_eq!(inputs["required"].as_bool(), Some(true), "{rel} ({label})");
        let production = &jobs[&Yaml::String("production".into())];
        let steps = production["steps"].as_vec().unwrap();
        assert!(
            steps.iter().all(|s| !s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("docker/build-push-action@"))),
            "{rel} ({label}): production builds an image"
        );
        assert!(
            steps
                .iter()
                .any(|s| s["env"]["IMAGE"].as_str() == Some("${{ inputs.image }}")),
            "{rel} ({label}): production does not deploy the given digest"
        );
        // The registry of the cloud: ECR, Artifact Registry, or GHCR for none.
        let registry = match label.split('/').nth(3) {
            Some("aws") => "aws-actions/amazon-ecr-login@",
            Some("gcp") => "username: oauth2accesstoken",
            _ => "registry: ghcr.io",
        };
        assert!(
            text.contains(registry),
            "{rel} ({label}): not pushed with `{registry}`"
        );
        checked += 1;
    }
    assert!(checked > 0);
}

/// A tree's GitLab pipeline: `.gitlab-ci.yml` with the `include: local` files whose `exists` rules
/// hold laid under it (the including file's keys win), and the files it includes.
fn gitlab_pipeline(dir: &Path) -> (Yaml, Vec<String>) {
    let main = yaml(&dir.join(".gitlab-ci.yml"));
    let mut merged = yaml_rust2::yaml::Hash::new();
    let mut included = Vec::new();
    for include in main["include"].as_vec().into_iter().flatten() {
        let local = include["local"].as_str().expect("local includes only");
        let wanted = include["rules"].as_vec().is_none_or(|rules| {
            rules.iter().any(|r| {
                r["exists"]
                    .as_vec()
                    .is_some_and(|p| p.iter().all(|p| dir.join(p.as_str().unwrap()).is_file()))
            })
        });
        if wanted {
            if let Yaml::Hash(h) = yaml(&dir.join(local)) {
                merged.extend(h);
            }
            included.push(local.to_owned());
        }
    }
    if let Yaml::Hash(h) = main {
        merged.extend(h);
    }
    (Yaml::Hash(merged), included)
}

#[test]
fn gitlab_pipelines_follow_the_rules() {
    let mut failures = Vec::new();
    let mut seen = BTreeSet::new();
    for (label, dir) in matrix()
        .trees
        .iter()
        .filter(|(l, _)| l.contains("/gitlab/"))
    {
        let (doc, included) = gitlab_pipeline(dir);
        let rel = ".gitlab-ci.yml";
        let mut fail = |msg: String| failures.push(format!("{rel} ({label}): {msg}"));
        // Every job file scaffold wrote joins the pipeline.
        for file in files(dir).iter().filter(|f| f.starts_with(".gitlab/ci/")) {
            if !included.contains(file) {
                fail(format!("{file} is not included"));
            }
        }
        if !seen.insert(format!("{doc:?}")) {
            continue;
        }
        // scaffold's own pipeline sets the workflow; a team's keeps its own (or none).
        let ours = std::fs::read_to_string(dir.join(rel))
            .unwrap()
            .starts_with("# >>> scaffold");
        if ours && key(&doc, "workflow")["rules"].is_badvalue() {
            fail("no workflow: rules".into());
        }
        let Yaml::Hash(top) = &doc else {
            panic!("{rel}: not a mapping")
        };
        // Without `stages:`, GitLab's defaults.
        let stages: Vec<&str> = doc["stages"].as_vec().map_or_else(
            || vec!["build", "test", "deploy"],
            |v| v.iter().filter_map(Yaml::as_str).collect(),
        );
        // The rules hold for scaffold's jobs; a team's own jobs are theirs.
        let ours: BTreeSet<String> = included
            .iter()
            .filter_map(|f| yaml(&dir.join(f)).into_hash())
            .flat_map(|h| {
                h.keys()
                    .filter_map(|k| k.as_str().map(str::to_owned))
                    .collect::<Vec<_>>()
            })
            .collect();
        for (name, job) in top {
            let name = name.as_str().unwrap_or("?");
            if name.starts_with('.') || !matches!(job, Yaml::Hash(_)) || !ours.contains(name) {
                continue;
            }
            let job = &with_extends(&doc, job);
            if job["script"].is_badvalue() {
                continue;
            }
            let stage = job["stage"].as_str().unwrap_or("test");
            if !stages.contains(&stage) {
                fail(format!("{name} runs in stage {stage}, not in {stages:?}"));
            }
            let interruptible = job["interruptible"]
                .as_bool()
                .or_else(|| doc["default"]["interruptible"].as_bool());
            // A job that holds a resource group (the restore drill) is deliberately not cut short.
            let guarded = !job["resource_group"].is_badvalue();
            if matches!(stage, "build" | "test") && interruptible != Some(true) && !guarded {
                fail(format!("{name} is not interruptible"));
            }
            let env = job["environment"]
                .as_str()
                .or_else(|| job["environment"]["name"].as_str());
            if let Some(env) = env {
                if job["resource_group"].is_badvalue() {
                    fail(format!("{name} deploys {env} without a resource_group"));
                }
                // A job that only prepares or verifies an environment (the scheduled backup, which
                // needs production's scoped variables) deploys nothing: it must run from a
                // pipeline schedule only.
                let deploys = !matches!(
                    job["environment"]["action"].as_str(),
                    Some("prepare" | "verify")
                );
                let starts: Vec<&Yaml> = job["rules"]
                    .as_vec()
                    .into_iter()
                    .flatten()
                    .filter(|r| r["when"].as_str() != Some("never"))
                    .collect();
                if env == "production" && !deploys {
                    let scheduled = !starts.is_empty()
                        && starts.iter().all(|r| {
                            r["if"].as_str().is_some_and(|c| {
                                c.starts_with("$CI_PIPELINE_SOURCE == \"schedule\" && ")
                                    && !c.contains("||")
                            })
                        });
                    if !scheduled {
                        fail(format!(
                            "{name} uses production's variables outside a pipeline schedule"
                        ));
                    }
                } else if env == "production" {
                    // Manual, and only from a protected tag: every rule that can start it says so.
                    let gated = !starts.is_empty()
                        && starts.iter().all(|r| {
                            r["when"].as_str() == Some("manual")
                                && r["if"].as_str().is_some_and(|c| {
                                    c.contains("$CI_COMMIT_TAG =~")
                                        && c.contains("$CI_COMMIT_REF_PROTECTED == \"true\"")
                                })
                        });
                    if !gated {
                        fail(format!(
                            "{name} deploys production other than by hand from a protected tag"
                        ));
                    }
                }
            }
            if let Some(image) = job["image"]
                .as_str()
                .or_else(|| job["image"]["name"].as_str())
                && (!image.contains(':') || image.ends_with(":latest"))
            {
                fail(format!("{name} uses an unpinned image {image}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
