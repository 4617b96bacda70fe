//! The generated GitLab jobs run as the runner runs them: `build:<project>` and `test:<project>`,
//! found through the `include:` of `.gitlab-ci.yml`, in fresh projects, in repos with several
//! projects in folders (a uv backend and a pnpm frontend, an npm package in `api/`, a Go module in
//! `services/api`), and in a team's own `.gitlab-ci.yml`. Each test of those projects leaves a
//! marker file, so a job that ran no test cannot pass.

use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use yaml_rust2::{Yaml, YamlLoader};

use super::{go_project, node_project, python_project, rust_project, scaffold_ci};
use crate::support::Repo;

/// The pipeline GitLab builds from `.gitlab-ci.yml`: its `include: local` files whose `exists`
/// rules hold, laid under it (the including file's keys win, as GitLab merges them).
fn gitlab_pipeline(repo: &Repo) -> Yaml {
    let load = |path: &str| -> yaml_rust2::yaml::Hash {
        let text = repo.read(path);
        let doc = YamlLoader::load_from_str(&text).unwrap().remove(0);
        doc.into_hash()
            .unwrap_or_else(|| panic!("{path} is not a mapping"))
    };
    let main = load(".gitlab-ci.yml");
    let mut merged = yaml_rust2::yaml::Hash::new();
    let includes = main
        .get(&Yaml::String("include".into()))
        .and_then(Yaml::as_vec)
        .cloned()
        .unwrap_or_default();
    for include in &includes {
        let local = include["local"]
            .as_str()
            .or_else(|| include.as_str())
            .unwrap_or_else(|| panic!("only local includes are resolved: {include:?}"));
        let wanted = include["rules"].as_vec().is_none_or(|rules| {
            rules.iter().any(|rule| {
                rule["exists"]
                    .as_vec()
                    .is_some_and(|paths| paths.iter().all(|p| repo.exists(p.as_str().unwrap())))
            })
        });
        if wanted {
            merged.extend(load(local));
        }
    }
    merged.extend(main);
    Yaml::Hash(merged)
}

/// A GitLab job's `before_script` and `script` lines and its variables, with what it `extends`
/// laid under it (the job's own keys win, as GitLab merges them).
fn gitlab_job(doc: &Yaml, name: &str) -> (Vec<String>, Vec<(String, String)>) {
    let job = &doc[name];
    assert!(job.as_hash().is_some(), "no job `{name}` in the pipeline");
    let base = job["extends"].as_str().map(|b| &doc[b]);
    let pick = |key: &str| {
        let own = &job[key];
        if own.is_badvalue() {
            base.map_or(own, |b| &b[key])
        } else {
            own
        }
    };
    let lines = |key: &str| -> Vec<String> {
        pick(key)
            .as_vec()
            .map(|v| v.iter().map(|l| l.as_str().unwrap().to_owned()).collect())
            .unwrap_or_default()
    };
    let mut script = lines("before_script");
    script.extend(lines("script"));
    let mut variables = Vec::new();
    for source in [base.map(|b| &b["variables"]), Some(&job["variables"])]
        .into_iter()
        .flatten()
    {
        for (k, v) in source.as_hash().into_iter().flatten() {
            variables.push((
                k.as_str().unwrap().to_owned(),
                v.as_str().unwrap().to_owned(),
            ));
        }
    }
    (script, variables)
}

/// What the jobs run with besides the repo: the host's toolchains stand in for the images, with
/// what `tests/setup.sh` installed (pnpm; uv and poetry in `target/toolchains`) on PATH. Global npm
/// installs (Corepack) go to a folder of the test's own, and tool caches too.
struct Toolbox {
    tmp: tempfile::TempDir,
    path: OsString,
}

impl Toolbox {
    /// `first`: a folder put before everything else on PATH (a project's virtualenv).
    fn new(first: Option<&Path>) -> Toolbox {
        let tools = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/toolchains/bin");
        for tool in ["uv", "poetry"] {
            assert!(
                tools.join(tool).is_file(),
                "{tool} is missing in {}: run tests/setup.sh",
                tools.display()
            );
        }
        let tmp = tempfile::tempdir().unwrap();
        let mut paths: Vec<PathBuf> = first.map(Path::to_path_buf).into_iter().collect();
        paths.extend([tmp.path().join("npm/bin"), tools]);
        paths.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        Toolbox {
            path: std::env::join_paths(paths).unwrap(),
            tmp,
        }
    }

    /// The environment of a job: PATH, the npm prefix and caches, and this machine's quirks.
    fn apply(&self, cmd: &mut Command) {
        let tmp = self.tmp.path();
        cmd.env("PATH", &self.path)
            .env("NPM_CONFIG_PREFIX", tmp.join("npm"))
            .env("XDG_CACHE_HOME", tmp.join("cache"))
            .env("XDG_DATA_HOME", tmp.join("data"))
            .env("XDG_STATE_HOME", tmp.join("state"))
            // This machine's npm registry serves packages without their signatures, which
            // Corepack checks: a test-only setting, never in a generated file.
            .env("COREPACK_INTEGRITY_KEYS", "0");
    }

    /// Runs a command in `dir` with this environment; fails the test if it fails.
    fn run(&self, dir: &Path, program: &str, args: &[&str]) {
        let mut cmd = Command::new(program);
        cmd.args(args).current_dir(dir);
        self.apply(&mut cmd);
        let out = cmd
            .output()
            .unwrap_or_else(|e| panic!("{program}: {e} (run tests/setup.sh)"));
        assert!(
            out.status.success(),
            "{program} {args:?} in {}: {}{}",
            dir.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Runs the named GitLab jobs of the pipeline (after resolving its includes), in the order given,
/// each as the runner does: its lines in one bash shell that stops at the first failure, started
/// at the repository root with `CI_PROJECT_DIR` and the job's variables set. Returns what the jobs
/// printed.
fn run_gitlab_jobs(repo: &Repo, jobs: &[&str], tools: &Toolbox) -> String {
    let doc = &gitlab_pipeline(repo);
    let mut printed = String::new();
    for name in jobs {
        let (lines, variables) = gitlab_job(doc, name);
        assert!(!lines.is_empty(), "job `{name}` has no script");
        let mut script = String::new();
        for (key, value) in &variables {
            let _ = writeln!(script, "export {key}=\"{value}\"");
        }
        for line in &lines {
            script.push_str(line);
            script.push('\n');
        }
        let mut cmd = Command::new("bash");
        cmd.args(["-eo", "pipefail", "-c", &script])
            .current_dir(repo.path())
            .env("CI_PROJECT_DIR", repo.path());
        tools.apply(&mut cmd);
        let out = cmd.output().unwrap();
        let output = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.status.success(),
            "GitLab job `{name}` failed:\n{script}\n{output}"
        );
        let _ = writeln!(printed, "=== {name}\n{output}");
    }
    printed
}

/// Scaffolds `ci` for GitLab in a fresh single project and runs its build and test jobs.
fn run_fresh_gitlab_jobs(repo: &Repo, language: &str, bin: Option<&Path>) {
    scaffold_ci(repo, "gitlab", language);
    let jobs = [format!("build:{language}"), format!("test:{language}")];
    let jobs: Vec<&str> = jobs.iter().map(String::as_str).collect();
    run_gitlab_jobs(repo, &jobs, &Toolbox::new(bin));
}

#[test]
fn the_gitlab_rust_jobs_pass_on_a_fresh_cargo_new_project() {
    let repo = Repo::new();
    rust_project(&repo);
    run_fresh_gitlab_jobs(&repo, "rust", None);
    assert!(repo.exists("Cargo.lock"), "the jobs wrote the lockfile");
}

#[test]
fn the_gitlab_node_jobs_pass_on_a_fresh_node_package() {
    let repo = Repo::new();
    node_project(&repo);
    run_fresh_gitlab_jobs(&repo, "node", None);
    assert!(repo.exists("package-lock.json"), "npm install wrote one");
}

#[test]
fn the_gitlab_go_jobs_pass_on_a_fresh_go_module() {
    let repo = Repo::new();
    go_project(&repo);
    run_fresh_gitlab_jobs(&repo, "go", None);
    assert!(repo.exists(".go/build-cache"), "GOCACHE is the job's");
}

#[test]
fn the_gitlab_python_jobs_pass_on_a_fresh_pyproject_project() {
    let repo = Repo::new();
    let bin = python_project(&repo);
    run_fresh_gitlab_jobs(&repo, "python", Some(&bin));
}

/// Scaffolds `ci` (with `--only`'s other foundations) for GitLab, the stack detected from the repo.
fn scaffold_gitlab(repo: &Repo, only: &str) {
    repo.scaffold(&[
        "init",
        "--yes",
        "--only",
        only,
        "--set",
        "stage=pre-mvp",
        "--set",
        "ci=gitlab",
        "--set",
        "cloud=none",
        "--set",
        "database=none",
    ])
    .success();
}

/// A Node test that uses a dependency from the lockfile and leaves `tests-ran.txt` behind.
const NODE_TEST: &str = "const test = require('node:test');\n\
    const assert = require('node:assert');\n\
    const fs = require('node:fs');\n\
    const isNumber = require('is-number');\n\n\
    test('a dependency from the lockfile', () => {\n\
    \x20 fs.writeFileSync('tests-ran.txt', 'ran\\n');\n\
    \x20 console.log('marker: node tests ran');\n\
    \x20 assert.ok(isNumber(5));\n\
    });\n";

/// A Node package in `dir` with one dependency, locked by `tool` (`npm` or `pnpm`); the installed
/// packages are removed so that the job's install is the one that counts.
fn node_package(repo: &Repo, tools: &Toolbox, dir: &str, tool: &str, scripts: &str) {
    repo.write(
        &format!("{dir}/package.json"),
        &format!(
            "{{\n  \"name\": \"{}\",\n  \"version\": \"1.0.0\",\n  \"private\": true,\n  \"scripts\": {{ {scripts} }},\n  \"devDependencies\": {{ \"is-number\": \"7.0.0\" }}\n}}\n",
            dir.replace('/', "-")
        ),
    );
    repo.write(&format!("{dir}/test/app.test.js"), NODE_TEST);
    tools.run(&repo.path().join(dir), tool, &["install"]);
    std::fs::remove_dir_all(repo.path().join(dir).join("node_modules")).unwrap();
}

/// A Go module (standard library only: no module proxy is needed) whose test leaves
/// `tests-ran.txt` behind.
fn go_module(repo: &Repo, dir: &str) {
    let file = |name: &str| {
        if dir == "." {
            name.to_owned()
        } else {
            format!("{dir}/{name}")
        }
    };
    repo.write(&file("go.mod"), "module example.com/api\n\ngo 1.19\n");
    repo.write(
        &file("api.go"),
        "package api\n\n// Add adds.\nfunc Add(a, b int) int { return a + b }\n",
    );
    repo.write(
        &file("api_test.go"),
        "package api\n\nimport (\n\t\"fmt\"\n\t\"os\"\n\t\"testing\"\n)\n\nfunc TestAdd(t *testing.T) {\n\tfmt.Println(\"marker: go tests ran\")\n\tif err := os.WriteFile(\"tests-ran.txt\", []byte(\"ran\\n\"), 0o644); err != nil {\n\t\tt.Fatal(err)\n\t}\n\tif Add(1, 2) != 3 {\n\t\tt.Fatal(\"Add\")\n\t}\n}\n",
    );
}

#[test]
fn the_gitlab_jobs_build_and_test_a_uv_backend_and_a_pnpm_frontend() {
    let repo = Repo::new();
    let tools = Toolbox::new(None);
    repo.write(
        "backend/pyproject.toml",
        "[project]\nname = \"api\"\nversion = \"0.1.0\"\nrequires-python = \">=3.10\"\ndependencies = []\n\n\
         [dependency-groups]\ndev = [\"pytest>=8\"]\n\n\
         [tool.pytest.ini_options]\npythonpath = [\"src\"]\n",
    );
    repo.write(
        "backend/src/api/__init__.py",
        "def add(a, b):\n    return a + b\n",
    );
    repo.write(
        "backend/tests/test_api.py",
        "import pathlib\n\nfrom api import add\n\n\ndef test_add():\n    pathlib.Path(\"tests-ran.txt\").write_text(\"ran\\n\")\n    print(\"marker: python tests ran\")\n    assert add(1, 2) == 3\n",
    );
    tools.run(&repo.path().join("backend"), "uv", &["lock"]);
    node_package(
        &repo,
        &tools,
        "frontend",
        "pnpm",
        "\"test\": \"node --test\"",
    );

    scaffold_gitlab(&repo, "ci");
    let pipeline = repo.read(".gitlab/ci/pipeline.gitlab-ci.yml");
    for wanted in [
        "image: python:3.10",
        "- backend/uv.lock",
        "- uv sync --locked",
        "image: node:22",
        "- frontend/pnpm-lock.yaml",
        "- corepack enable",
        "- pnpm install --frozen-lockfile",
    ] {
        assert!(pipeline.contains(wanted), "no `{wanted}`:\n{pipeline}");
    }
    let printed = run_gitlab_jobs(
        &repo,
        &[
            "build:backend-python",
            "build:frontend-node",
            "test:backend-python",
            "test:frontend-node",
        ],
        &tools,
    );
    assert!(printed.contains("1 passed"), "{printed}");
    assert!(printed.contains("# pass 1"), "{printed}");
    assert!(repo.exists("backend/tests-ran.txt"), "pytest ran");
    assert!(repo.exists("frontend/tests-ran.txt"), "node --test ran");
}

#[test]
fn the_gitlab_jobs_build_and_test_an_npm_project_in_a_folder() {
    let repo = Repo::new();
    let tools = Toolbox::new(None);
    repo.write(
        "api/build.js",
        "require('node:fs').mkdirSync('dist', { recursive: true });\nrequire('node:fs').writeFileSync('dist/built.txt', 'built\\n');\n",
    );
    node_package(
        &repo,
        &tools,
        "api",
        "npm",
        "\"build\": \"node build.js\", \"test\": \"node --test\"",
    );
    scaffold_gitlab(&repo, "ci");
    let printed = run_gitlab_jobs(&repo, &["build:api-node", "test:api-node"], &tools);
    assert!(repo.exists("api/dist/built.txt"), "the build script ran");
    assert!(printed.contains("# pass 1"), "{printed}");
    assert!(repo.exists("api/tests-ran.txt"), "node --test ran");
    assert!(repo.exists(".cache/npm"), "npm's cache is the job's");
}

#[test]
fn the_gitlab_jobs_build_and_test_a_go_module_in_a_folder() {
    let repo = Repo::new();
    let tools = Toolbox::new(None);
    go_module(&repo, "services/api");
    scaffold_gitlab(&repo, "ci");
    assert!(
        repo.read(".gitlab/ci/pipeline.gitlab-ci.yml")
            .contains("image: golang:1.19")
    );
    let printed = run_gitlab_jobs(
        &repo,
        &["build:services-api-go", "test:services-api-go"],
        &tools,
    );
    assert!(printed.contains("ok  \texample.com/api"), "{printed}");
    assert!(repo.exists("services/api/tests-ran.txt"), "go test ran");
}

#[test]
fn a_teams_own_gitlab_pipeline_gets_scaffolds_jobs_through_an_include_block() {
    let repo = Repo::new();
    let tools = Toolbox::new(None);
    go_module(&repo, ".");
    let team = "# Our pipeline.\nstages:\n  - build\n  - test\n\nvet:\n  stage: build\n  image: golang:1.19\n  script:\n    - go vet ./...\n";
    repo.write(".gitlab-ci.yml", team);

    scaffold_gitlab(&repo, "ci,staging-parity");
    let text = repo.read(".gitlab-ci.yml");
    let block = text
        .strip_prefix(team)
        .unwrap_or_else(|| panic!("the team's lines changed:\n{text}"));
    assert!(
        block.starts_with("\n# >>> scaffold gitlab-include >>>")
            && block.ends_with("# <<< scaffold gitlab-include <<<\n"),
        "more than the block was added:\n{block}"
    );
    for absent in ["stages:", "workflow:"] {
        assert!(!block.contains(absent), "the block sets {absent}\n{block}");
    }
    // A pipeline without `workflow:` has branch pipelines only: scaffold's jobs start no other.
    assert!(
        !repo
            .read(".gitlab/ci/pipeline.gitlab-ci.yml")
            .contains("== \"merge_request_event\"\n")
    );

    let pipeline = gitlab_pipeline(&repo);
    assert_eq!(
        pipeline["stages"],
        YamlLoader::load_from_str("[build, test]").unwrap()[0]
    );
    let printed = run_gitlab_jobs(
        &repo,
        &["vet", "build:go", "parity-check", "test:go"],
        &tools,
    );
    assert!(printed.contains("ok  \texample.com/api"), "{printed}");
    assert!(repo.exists("tests-ran.txt"), "go test ran");

    // A second run leaves the file as it is.
    repo.scaffold(&[
        "init",
        "--yes",
        "--only",
        "ci,staging-parity",
        "--set",
        "stage=pre-mvp",
        "--set",
        "ci=gitlab",
        "--set",
        "cloud=none",
        "--set",
        "database=none",
    ])
    .success()
    .stdout_has("nothing to do");
    assert_eq!(repo.read(".gitlab-ci.yml"), text);
}

#[test]
fn before_the_code_exists_the_gitlab_jobs_say_so_and_pass() {
    let repo = Repo::new();
    scaffold_ci(&repo, "gitlab", "node");
    let printed = run_gitlab_jobs(&repo, &["build:node", "test:node"], &Toolbox::new(None));
    assert!(
        printed.contains("No package.json at the repository root yet"),
        "{printed}"
    );
}

#[test]
fn a_project_without_tests_gets_its_build_job_and_a_message_but_no_test_job() {
    let repo = Repo::new();
    repo.write(
        "web/package.json",
        "{\n  \"name\": \"web\",\n  \"private\": true,\n  \"scripts\": { \"build\": \"node -e 0\" }\n}\n",
    );
    scaffold_gitlab(&repo, "ci");
    assert!(gitlab_pipeline(&repo)["test:web-node"].is_badvalue());
    let printed = run_gitlab_jobs(&repo, &["build:web-node"], &Toolbox::new(None));
    assert!(
        printed.contains("No test script in web/package.json"),
        "{printed}"
    );
}
