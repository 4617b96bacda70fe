//! The generated GitHub `ci.yml`, run as a runner would run it: each project's job in its
//! `working-directory`, with its `env`, every `run:` step in order (bash, stopping at the first
//! failure), `if: steps.<id>.outputs.<key> == '<value>'` conditions honoured from `$GITHUB_OUTPUT`,
//! and `$GITHUB_STEP_SUMMARY` kept. Each `uses:` step gets a stand-in on this machine (setup-python
//! a virtualenv, setup-uv the uv of `target/toolchains`, the other setup actions the host's own
//! toolchains); an action without a stand-in fails the test. `npm install --global` lands in the
//! test's own prefix, never in the host's.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use yaml_rust2::{Yaml, YamlLoader};

use super::fixtures::{self, MARKERS};
use crate::support::Repo;

/// A step of a job.
struct Step {
    name: String,
    id: Option<String>,
    condition: Option<String>,
    uses: Option<String>,
    run: Option<String>,
    env: Vec<(String, String)>,
}

/// A project's job in `ci.yml`.
struct Job {
    id: String,
    /// `defaults.run.working-directory`, relative to the repo root.
    dir: String,
    /// The job's `env`.
    env: Vec<(String, String)>,
    steps: Vec<Step>,
}

/// The generated workflow: its parsed document and its project jobs, in file order.
struct Workflow {
    doc: Yaml,
    jobs: Vec<Job>,
}

fn text(y: &Yaml) -> Option<String> {
    y.as_str().map(str::to_owned)
}

/// An `env:` mapping, without the values only the Actions runtime can give.
fn variables(y: &Yaml) -> Vec<(String, String)> {
    y.as_hash()
        .into_iter()
        .flatten()
        .map(|(k, v)| (text(k).unwrap(), text(v).unwrap()))
        .filter(|(_, v)| !v.contains("${{"))
        .collect()
}

impl Workflow {
    fn read(repo: &Repo) -> Workflow {
        let doc = YamlLoader::load_from_str(&repo.read(".github/workflows/ci.yml"))
            .unwrap()
            .remove(0);
        let mut jobs = Vec::new();
        for (id, job) in doc["jobs"].as_hash().expect("jobs") {
            // Project jobs run in their folder; the one that gathers their results needs them.
            let Some(dir) = text(&job["defaults"]["run"]["working-directory"]) else {
                continue;
            };
            let env = variables(&job["env"]);
            let steps = job["steps"]
                .as_vec()
                .expect("steps")
                .iter()
                .map(|s| Step {
                    name: text(&s["name"]).unwrap_or_else(|| "?".to_owned()),
                    id: text(&s["id"]),
                    condition: text(&s["if"]),
                    uses: text(&s["uses"]),
                    run: text(&s["run"]),
                    env: variables(&s["env"]),
                })
                .collect();
            jobs.push(Job {
                id: text(id).unwrap(),
                dir,
                env,
                steps,
            });
        }
        Workflow { doc, jobs }
    }

    fn job(&self, id: &str) -> &Job {
        self.jobs
            .iter()
            .find(|j| j.id == id)
            .unwrap_or_else(|| panic!("no job `{id}`: {:?}", self.ids()))
    }

    fn ids(&self) -> Vec<&str> {
        self.jobs.iter().map(|j| j.id.as_str()).collect()
    }

    /// The branches a push runs CI on.
    fn push_branches(&self) -> Vec<String> {
        self.doc["on"]["push"]["branches"]
            .as_vec()
            .expect("on.push.branches")
            .iter()
            .filter_map(text)
            .collect()
    }
}

impl Job {
    fn step_names(&self) -> Vec<&str> {
        self.steps.iter().map(|s| s.name.as_str()).collect()
    }
}

/// What a job printed and wrote to its summary.
struct JobRun {
    log: String,
    summary: String,
}

/// The machine the jobs run on: a temporary folder with the stand-ins of the actions, a global npm
/// prefix, and the folder the fixtures' tests leave their markers in.
struct Runner {
    root: tempfile::TempDir,
    /// setup-python's interpreter: a virtualenv, made when a job first needs it.
    python: Option<PathBuf>,
}

impl Runner {
    fn new() -> Runner {
        let root = tempfile::tempdir().unwrap();
        for dir in ["bin", "npm-global/bin", "markers"] {
            std::fs::create_dir_all(root.path().join(dir)).unwrap();
        }
        Runner { root, python: None }
    }

    fn path(&self) -> OsString {
        let mut dirs: Vec<PathBuf> = self.python.iter().cloned().collect();
        dirs.push(self.root.path().join("npm-global/bin"));
        dirs.push(self.root.path().join("bin"));
        dirs.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        std::env::join_paths(dirs).unwrap()
    }

    /// Puts the stand-in of the action `uses` in place.
    fn stand_in(&mut self, uses: &str, dir: &Path) {
        let action = uses.split('@').next().unwrap();
        match action {
            // bundler-cache: bundle install, from the gems installed here (no rubygems.org).
            "ruby/setup-ruby" => {
                host_tool("ruby");
                let out = Command::new("bundle")
                    .args(["install", "--local"])
                    .current_dir(dir)
                    .output()
                    .expect("bundle (run tests/setup.sh)");
                assert!(out.status.success(), "bundle install: {out:?}");
            }
            "actions/setup-java" => {
                host_tool("java");
                super::stacks::offline_maven(&self.root.path().join("bin"));
            }
            "shivammathur/setup-php" => {
                host_tool("php");
                host_tool("composer");
            }
            "actions/checkout" | "actions/cache" | "Swatinem/rust-cache" => {}
            "actions/setup-node" => host_tool("node"),
            "actions/setup-go" => host_tool("go"),
            "dtolnay/rust-toolchain" => host_tool("cargo"),
            "actions/setup-python" => {
                let venv = self.root.path().join("python");
                if self.python.is_none() {
                    let out = Command::new("python3")
                        .args(["-m", "venv"])
                        .arg(&venv)
                        .output()
                        .expect("python3 (run tests/setup.sh)");
                    assert!(out.status.success(), "venv: {out:?}");
                }
                self.python = Some(venv.join("bin"));
            }
            "astral-sh/setup-uv" => {
                let link = self.root.path().join("bin/uv");
                if !link.exists() {
                    std::os::unix::fs::symlink(fixtures::toolchain("uv"), link).unwrap();
                }
            }
            other => panic!("no stand-in for the action `{other}`: add one to Runner::stand_in"),
        }
    }

    /// Runs `job` in `repo`; fails the test, with the job's log, at the first failing step.
    fn run(&mut self, repo: &Repo, job: &Job) -> JobRun {
        let summary = self.root.path().join(format!("summary-{}", job.id));
        let mut outputs: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        let mut log = String::new();
        for (n, step) in job.steps.iter().enumerate() {
            if let Some(condition) = &step.condition
                && !holds(condition, &outputs)
            {
                let _ = writeln!(log, "--- skipped `{}`", step.name);
                continue;
            }
            if let Some(uses) = &step.uses {
                self.stand_in(uses, &repo.path().join(&job.dir));
            }
            let Some(script) = &step.run else { continue };
            let output = self.root.path().join(format!("output-{}-{n}", job.id));
            let out = self
                .step(
                    script,
                    &repo.path().join(&job.dir),
                    job.env.iter().chain(&step.env),
                )
                .env("GITHUB_OUTPUT", &output)
                .env("GITHUB_STEP_SUMMARY", &summary)
                .output()
                .unwrap();
            let _ = write!(
                log,
                "--- `{}`\n{}{}",
                step.name,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(
                out.status.success(),
                "job `{}`: step `{}` failed:\n{script}\n{log}",
                job.id,
                step.name
            );
            if let Some(id) = &step.id {
                outputs.insert(id.clone(), read_outputs(&output));
            }
        }
        JobRun {
            log,
            summary: std::fs::read_to_string(&summary).unwrap_or_default(),
        }
    }

    /// A `run:` script as the runner starts it (bash, stopping at the first failure) in `dir`,
    /// with the job's and step's `env`, on this machine.
    fn step<'a>(
        &self,
        script: &str,
        dir: &Path,
        env: impl Iterator<Item = &'a (String, String)>,
    ) -> Command {
        assert!(
            !script.contains("${{"),
            "a step needs the Actions runtime: {script}"
        );
        let mut cmd = Command::new("bash");
        cmd.args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
            .current_dir(dir)
            .envs(env.map(|(k, v)| (k, v)))
            .env("PATH", self.path())
            .env("CI", "true")
            .env("NPM_CONFIG_PREFIX", self.root.path().join("npm-global"))
            .env("POETRY_CACHE_DIR", self.root.path().join("poetry"))
            .env("UV_PYTHON_DOWNLOADS", "never")
            .env("GOTOOLCHAIN", "local")
            .env(MARKERS, self.root.path().join("markers"));
        cmd
    }

    /// The markers the fixtures' tests left, sorted.
    fn markers(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.root.path().join("markers"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

/// Fails the test if the host lacks the toolchain an action would install.
fn host_tool(program: &str) {
    let found = Command::new(program).arg("version").output().is_ok()
        || Command::new(program).arg("--version").output().is_ok();
    assert!(found, "`{program}` is not installed: run tests/setup.sh");
}

/// `key=value` lines of a `$GITHUB_OUTPUT` file.
fn read_outputs(path: &Path) -> BTreeMap<String, String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// Evaluates `steps.<id>.outputs.<key> == '<value>'`, the one form of `if:` the jobs use.
fn holds(condition: &str, outputs: &BTreeMap<String, BTreeMap<String, String>>) -> bool {
    let parsed = condition.split_once(" == ").and_then(|(left, right)| {
        let mut parts = left.trim().split('.');
        let (Some("steps"), Some(id), Some("outputs"), Some(key), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return None;
        };
        let value = right.trim().strip_prefix('\'')?.strip_suffix('\'')?;
        Some((id, key, value))
    });
    let Some((id, key, value)) = parsed else {
        panic!("the harness cannot evaluate `if: {condition}`");
    };
    outputs.get(id).and_then(|o| o.get(key)).map(String::as_str) == Some(value)
}

/// `scaffold init` of the `ci` foundation for GitHub, with `language` and `database` answered.
fn scaffold(repo: &Repo, language: &str, database: &str) -> String {
    let run = repo.scaffold(&[
        "init",
        "--yes",
        "--only",
        "ci",
        "--set",
        "stage=pre-mvp",
        "--set",
        "ci=github",
        "--set",
        &format!("language={language}"),
        "--set",
        "cloud=none",
        "--set",
        &format!("database={database}"),
    ]);
    run.success();
    run.stdout.clone()
}

/// Runs every project job of the repo's `ci.yml`, in file order, on one runner.
fn run_all(repo: &Repo) -> (Workflow, Runner, Vec<JobRun>) {
    let workflow = Workflow::read(repo);
    let mut runner = Runner::new();
    let runs = workflow
        .jobs
        .iter()
        .map(|job| runner.run(repo, job))
        .collect();
    (workflow, runner, runs)
}

/// The job that gathers the project jobs needs every one of them.
fn assert_gathered(workflow: &Workflow) {
    let gather = &workflow.doc["jobs"]["build-and-test"];
    assert_eq!(gather["name"].as_str(), Some("Build and test"));
    let needs: Vec<&str> = gather["needs"]
        .as_vec()
        .expect("needs")
        .iter()
        .filter_map(Yaml::as_str)
        .collect();
    assert_eq!(needs, workflow.ids());
}

/// Scaffolds `ci` for `language` in a repo holding one fresh project, runs its job, and checks
/// it has the `expected` steps.
fn run_single(repo: &Repo, language: &str, expected: &[&str]) {
    scaffold(repo, language, "none");
    let (workflow, _, _) = run_all(repo);
    assert_eq!(workflow.jobs.len(), 1, "{:?}", workflow.ids());
    let names = workflow.jobs[0].step_names();
    for name in expected {
        assert!(names.contains(name), "no step `{name}` in {names:?}");
    }
    assert_gathered(&workflow);
}

#[test]
fn the_rust_job_passes_on_a_fresh_cargo_new_project() {
    let repo = Repo::new();
    super::rust_project(&repo);
    run_single(&repo, "rust", &["Check formatting", "Lint", "Test"]);
    assert!(
        repo.exists("Cargo.lock"),
        "the test step wrote the lockfile"
    );
}

#[test]
fn the_node_job_passes_on_a_fresh_node_package() {
    let repo = Repo::new();
    super::node_project(&repo);
    run_single(&repo, "node", &["Install dependencies", "Test"]);
}

#[test]
fn the_go_job_passes_on_a_fresh_go_module() {
    let repo = Repo::new();
    super::go_project(&repo);
    run_single(&repo, "go", &["Vet", "Test"]);
}

#[test]
fn the_python_job_passes_on_a_fresh_pyproject_project() {
    let repo = Repo::new();
    super::python_project(&repo);
    run_single(&repo, "python", &["Install dependencies", "Test"]);
}

#[test]
fn a_repo_without_code_yet_gets_a_green_job_that_says_so() {
    let repo = Repo::new();
    scaffold(&repo, "node", "none");
    let (workflow, _, runs) = run_all(&repo);
    assert_eq!(workflow.ids(), ["node"]);
    assert!(
        runs[0]
            .log
            .contains("::warning title=No Node project yet::"),
        "{}",
        runs[0].log
    );
    assert!(
        runs[0].log.contains("--- skipped `Test`"),
        "{}",
        runs[0].log
    );
}

#[test]
fn a_uv_backend_and_a_pnpm_frontend_each_get_their_job_with_the_repos_postgres() {
    let repo = Repo::new();
    fixtures::uv_backend_and_pnpm_frontend(&repo);
    scaffold(&repo, "python", "postgres");
    let (workflow, runner, _) = run_all(&repo);
    assert_eq!(workflow.ids(), ["backend-python", "frontend-node"]);
    let backend = workflow.job("backend-python");
    assert_eq!(backend.dir, "backend");
    let uses: Vec<&str> = backend
        .steps
        .iter()
        .filter_map(|s| s.uses.as_deref())
        .collect();
    assert!(
        uses.iter().any(|u| u.starts_with("astral-sh/setup-uv@")),
        "{uses:?}"
    );
    let frontend = workflow.job("frontend-node");
    assert!(frontend.step_names().contains(&"Install pnpm"));
    for id in workflow.ids() {
        let job = &workflow.doc["jobs"][id];
        assert_eq!(
            job["services"]["postgres"]["image"].as_str(),
            Some("postgres:16-alpine"),
            "the repo's own image, as compose.yaml runs it"
        );
        assert!(job["env"]["DATABASE_URL"].as_str().is_some());
    }
    assert_eq!(runner.markers(), ["backend", "frontend"]);
    assert_gathered(&workflow);
}

#[test]
fn a_pnpm_workspace_is_one_job_whose_root_script_tests_every_package() {
    let repo = Repo::new();
    fixtures::pnpm_workspace(&repo);
    scaffold(&repo, "node", "none");
    let (workflow, runner, _) = run_all(&repo);
    assert_eq!(workflow.ids(), ["node"]);
    assert_eq!(workflow.jobs[0].dir, ".");
    assert_eq!(runner.markers(), ["ui", "web"]);
}

#[test]
fn the_pnpm_step_installs_the_version_package_json_pins() {
    let repo = Repo::new();
    fixtures::pinned_pnpm(&repo);
    scaffold(&repo, "node", "none");
    let mut workflow = Workflow::read(&repo);
    let mut job = workflow.jobs.remove(0);
    let installs = job.step_names().iter().position(|n| *n == "Install pnpm");
    job.steps
        .truncate(installs.expect("an `Install pnpm` step") + 1);
    let mut runner = Runner::new();
    runner.run(&repo, &job);
    let pnpm = runner.root.path().join("npm-global/bin/pnpm");
    let out = Command::new(pnpm).arg("--version").output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "10.0.0");
}

#[test]
fn a_poetry_project_installs_from_its_lockfile_and_runs_pytest() {
    let repo = Repo::new();
    fixtures::poetry_project(&repo);
    scaffold(&repo, "python", "none");
    let (workflow, runner, _) = run_all(&repo);
    assert_eq!(workflow.ids(), ["python"]);
    assert!(workflow.jobs[0].step_names().contains(&"Install Poetry"));
    assert_eq!(runner.markers(), ["ledger"]);
}

#[test]
fn an_npm_api_in_a_folder_runs_its_node_test_there() {
    let repo = Repo::new();
    fixtures::npm_api(&repo);
    scaffold(&repo, "node", "none");
    let (workflow, runner, _) = run_all(&repo);
    assert_eq!(workflow.ids(), ["api-node"]);
    assert_eq!(workflow.jobs[0].dir, "api");
    assert_eq!(runner.markers(), ["api"]);
}

#[test]
fn a_cargo_workspace_tests_every_member() {
    let repo = Repo::new();
    fixtures::cargo_workspace(&repo);
    scaffold(&repo, "rust", "none");
    let (workflow, runner, _) = run_all(&repo);
    assert_eq!(workflow.ids(), ["rust"]);
    assert_eq!(runner.markers(), ["pricing", "quote"]);
}

#[test]
fn a_go_module_in_a_subfolder_is_vetted_built_and_tested_there() {
    let repo = Repo::new();
    fixtures::go_service(&repo);
    scaffold(&repo, "go", "none");
    let (workflow, runner, _) = run_all(&repo);
    assert_eq!(workflow.ids(), ["services-api-go"]);
    assert_eq!(workflow.jobs[0].dir, "services/api");
    assert_eq!(runner.markers(), ["api"]);
}

#[test]
fn a_repo_on_master_runs_ci_on_pushes_to_master() {
    let repo = Repo::plain();
    crate::support::git(repo.path(), &["init", "-q", "-b", "master"]);
    fixtures::npm_root(&repo);
    let stdout = scaffold(&repo, "node", "none");
    let (workflow, runner, _) = run_all(&repo);
    assert_eq!(workflow.push_branches(), ["master"]);
    assert!(stdout.contains("Protect `master`"), "{stdout}");
    assert_eq!(runner.markers(), ["legacy"]);
}

#[test]
fn projects_without_tests_are_built_and_say_no_tests_ran() {
    let repo = Repo::new();
    fixtures::npm_api(&repo);
    fixtures::npm_site_without_tests(&repo);
    fixtures::uv_tools_without_tests(&repo);
    let stdout = scaffold(&repo, "node", "none");
    let (workflow, runner, runs) = run_all(&repo);
    assert_eq!(workflow.ids(), ["api-node", "site-node", "tools-python"]);
    assert!(repo.exists("site/index.html"), "the build step ran");
    assert!(
        workflow
            .job("tools-python")
            .step_names()
            .contains(&"Compile")
    );
    for (run, project) in runs[1..].iter().zip(["site", "tools"]) {
        let warning = format!("::warning title=No tests in {project}::");
        assert!(run.log.contains(&warning), "{}", run.log);
        assert!(run.summary.contains("no tests ran"), "{}", run.summary);
        assert!(
            stdout.contains(&format!("Add tests to `{project}`")),
            "{stdout}"
        );
    }
    assert!(!stdout.contains("Add tests to `api`"), "{stdout}");
    assert_eq!(runner.markers(), ["api"]);
}

#[test]
fn the_gathering_job_fails_unless_every_project_job_succeeded() {
    let repo = Repo::new();
    fixtures::npm_api(&repo);
    scaffold(&repo, "node", "none");
    let workflow = Workflow::read(&repo);
    let script = workflow.doc["jobs"]["build-and-test"]["steps"][0]["run"]
        .as_str()
        .unwrap()
        .to_owned();
    let status = |results: &str| {
        Command::new("bash")
            .args(["-eo", "pipefail", "-c", &script])
            .env("RESULTS", results)
            .output()
            .unwrap()
            .status
            .success()
    };
    assert!(status("success success"));
    assert!(!status("success failure"));
    assert!(!status("cancelled"));
}

#[test]
fn the_ruby_job_passes_on_a_fresh_bundler_project_with_rspec() {
    let repo = Repo::new();
    super::stacks::ruby_project(&repo);
    run_single(&repo, "ruby", &["Test"]);
    let (_, runner, _) = run_all(&repo);
    assert_eq!(runner.markers(), ["ruby"]);
}

#[test]
fn the_jvm_job_builds_and_tests_a_fresh_maven_project() {
    let repo = Repo::new();
    super::stacks::maven_project(&repo);
    scaffold(&repo, "jvm", "none");
    let (workflow, runner, _) = run_all(&repo);
    assert_eq!(workflow.ids(), ["jvm"]);
    assert_eq!(workflow.jobs[0].step_names()[2..], ["Build", "Test"]);
    assert_eq!(runner.markers(), ["jvm"]);
}

#[test]
fn the_php_job_validates_installs_and_tests_a_fresh_composer_project() {
    let repo = Repo::new();
    super::stacks::php_project(&repo);
    scaffold(&repo, "php", "none");
    let (workflow, runner, _) = run_all(&repo);
    assert_eq!(workflow.ids(), ["php"]);
    for step in ["Validate composer.json", "Install dependencies", "Test"] {
        assert!(workflow.jobs[0].step_names().contains(&step), "{step}");
    }
    assert!(repo.exists("vendor/autoload.php"), "composer install ran");
    assert_eq!(runner.markers(), ["php"]);
}
