//! The build-and-test jobs must pass on a freshly generated project of their language: the `run:`
//! steps of the generated GitHub `ci.yml`, and the `before_script` and `script` of the generated
//! GitLab `build` and `test` jobs, are executed in order in a project made by the language's own
//! generator or usual layout (Rust: `cargo init`; Node: a package with a `node --test` test;
//! Python: a `pyproject.toml` project with a `test` extra, in a virtualenv; Go: `go mod init`).
//! `github` also runs them in realistic repos (`fixtures`): projects in folders, workspaces,
//! pnpm, uv and Poetry. `tests/setup.sh` installs Go and those package managers; the steps' own
//! installs use the package registries. The host's toolchains stand in for the jobs' images.

mod fixtures;
mod github;

use std::ffi::{OsStr, OsString};
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use yaml_rust2::{Yaml, YamlLoader};

use crate::support::Repo;

/// Runs `script` in `dir` as CI runners do (bash, stopping at the first failure), with `var` set
/// and `bin` first on PATH; fails the test, naming `what`, if the script fails.
fn bash(dir: &Path, what: &str, script: &str, var: (&str, &OsStr), bin: Option<&Path>) {
    let mut cmd = Command::new("bash");
    cmd.args(["-eo", "pipefail", "-c", script])
        .current_dir(dir)
        .env(var.0, var.1);
    if let Some(bin) = bin {
        cmd.env("PATH", with_first_on_path(bin));
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{what} failed in a fresh project:\n{script}\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `PATH` with `bin` first.
fn with_first_on_path(bin: &Path) -> OsString {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut paths = vec![bin.to_path_buf()];
    paths.extend(std::env::split_paths(&path));
    std::env::join_paths(paths).unwrap()
}

fn scaffold_ci(repo: &Repo, ci: &str, language: &str) {
    repo.scaffold(&[
        "init",
        "--yes",
        "--only",
        "ci",
        "--set",
        "stage=pre-mvp",
        "--set",
        &format!("ci={ci}"),
        "--set",
        &format!("language={language}"),
        "--set",
        "cloud=none",
        "--set",
        "database=none",
    ])
    .success();
}

/// Runs a project generator (`cargo init`, `go mod init`, ...) in the repo.
fn generate(repo: &Repo, program: &str, args: &[&str]) {
    let out = Command::new(program)
        .args(args)
        .current_dir(repo.path())
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e} (run tests/setup.sh)"));
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A GitLab job's `before_script` and `script` lines and its variables, with what it `extends`
/// laid under it (the job's own keys win, as GitLab merges them).
fn gitlab_job(doc: &Yaml, name: &str) -> (Vec<String>, Vec<(String, String)>) {
    let job = &doc[name];
    assert!(job.as_hash().is_some(), "no job `{name}` in .gitlab-ci.yml");
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

/// Scaffolds `ci` for GitLab and runs its `build` and `test` jobs, in stage order, each as the
/// runner does: its lines in one shell that stops at the first failure, with `CI_PROJECT_DIR` and
/// the job's variables set.
fn run_gitlab_jobs(repo: &Repo, language: &str, bin: Option<&Path>) {
    scaffold_ci(repo, "gitlab", language);
    let text = repo.read(".gitlab-ci.yml");
    let doc = &YamlLoader::load_from_str(&text).unwrap()[0];
    for name in ["build", "test"] {
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
        bash(
            repo.path(),
            &format!("GitLab job `{name}`"),
            &script,
            ("CI_PROJECT_DIR", repo.path().as_os_str()),
            bin,
        );
    }
}

/// A fresh Rust project, as `cargo init` makes it.
fn rust_project(repo: &Repo) {
    generate(
        repo,
        "cargo",
        &["init", "--quiet", "--vcs", "none", "--name", "demo"],
    );
}

/// A fresh Node package with one `node --test` test.
fn node_project(repo: &Repo) {
    repo.write(
        "package.json",
        "{\n  \"name\": \"demo\",\n  \"version\": \"1.0.0\",\n  \"private\": true,\n  \"scripts\": { \"test\": \"node --test\" }\n}\n",
    );
    repo.write(
        "test/app.test.js",
        "const test = require('node:test');\nconst assert = require('node:assert');\ntest('adds', () => assert.strictEqual(1 + 1, 2));\n",
    );
}

/// A fresh Go module with one test.
fn go_project(repo: &Repo) {
    generate(repo, "go", &["mod", "init", "example.com/demo"]);
    repo.write(
        "main.go",
        "package main\n\nimport \"fmt\"\n\nfunc add(a, b int) int { return a + b }\n\nfunc main() { fmt.Println(add(1, 2)) }\n",
    );
    repo.write(
        "main_test.go",
        "package main\n\nimport \"testing\"\n\nfunc TestAdd(t *testing.T) {\n\tif add(1, 2) != 3 {\n\t\tt.Fatal(\"add\")\n\t}\n}\n",
    );
}

/// A fresh `pyproject.toml` project with a `test` extra, and a virtualenv whose `bin` stands in
/// for the job's interpreter (setup-python, or the `python` image). Returns that `bin`.
fn python_project(repo: &Repo) -> std::path::PathBuf {
    repo.write(
        "pyproject.toml",
        "[build-system]\nrequires = [\"setuptools>=68\"]\nbuild-backend = \"setuptools.build_meta\"\n\n\
         [project]\nname = \"demo\"\nversion = \"0.1.0\"\n\n\
         [project.optional-dependencies]\ntest = [\"pytest\"]\n",
    );
    repo.write("src/demo/__init__.py", "def add(a, b):\n    return a + b\n");
    repo.write(
        "tests/test_demo.py",
        "from demo import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n",
    );
    generate(repo, "python3", &["-m", "venv", ".venv"]);
    repo.path().join(".venv/bin")
}

#[test]
fn the_gitlab_rust_jobs_pass_on_a_fresh_cargo_new_project() {
    let repo = Repo::new();
    rust_project(&repo);
    run_gitlab_jobs(&repo, "rust", None);
    assert!(repo.exists("Cargo.lock"), "the jobs wrote the lockfile");
}

#[test]
fn the_gitlab_node_jobs_pass_on_a_fresh_node_package() {
    let repo = Repo::new();
    node_project(&repo);
    run_gitlab_jobs(&repo, "node", None);
    assert!(repo.exists("package-lock.json"), "npm install wrote one");
}

#[test]
fn the_gitlab_go_jobs_pass_on_a_fresh_go_module() {
    let repo = Repo::new();
    go_project(&repo);
    run_gitlab_jobs(&repo, "go", None);
    assert!(repo.exists(".go/build-cache"), "GOCACHE is the job's");
}

#[test]
fn the_gitlab_python_jobs_pass_on_a_fresh_pyproject_project() {
    let repo = Repo::new();
    let bin = python_project(&repo);
    run_gitlab_jobs(&repo, "python", Some(&bin));
}
