//! The build-and-test job must pass on a freshly generated project of its language: the `run:`
//! steps of the generated `ci.yml` are executed, in order, in a project made by the language's own
//! generator or usual layout (Rust: `cargo init`; Node: a package with a `node --test` test;
//! Python: a `pyproject.toml` project with a `test` extra, in a virtualenv; Go: `go mod init`).
//! `tests/setup.sh` installs Go; the steps' own installs (pip, npm) use the package registries.

use std::path::Path;
use std::process::Command;

use yaml_rust2::YamlLoader;

use crate::support::Repo;

/// The `run:` scripts of the build-and-test job, in order.
fn run_steps(repo: &Repo) -> Vec<(String, String)> {
    let text = repo.read(".github/workflows/ci.yml");
    let doc = &YamlLoader::load_from_str(&text).unwrap()[0];
    let jobs = doc["jobs"].as_hash().unwrap();
    let job = jobs
        .values()
        .find(|j| {
            j["steps"]
                .as_vec()
                .is_some_and(|s| s.iter().any(|s| s["run"].as_str().is_some()))
        })
        .expect("a job with run steps");
    job["steps"]
        .as_vec()
        .unwrap()
        .iter()
        .filter_map(|s| {
            let run = s["run"].as_str()?;
            Some((s["name"].as_str().unwrap_or("?").to_owned(), run.to_owned()))
        })
        .collect()
}

/// Runs a step with `bin` first on PATH (a virtualenv), as `setup-python` would arrange.
fn run(dir: &Path, name: &str, script: &str, bin: Option<&Path>) {
    assert!(
        !script.contains("${{"),
        "step {name} needs the Actions runtime: {script}"
    );
    let mut cmd = Command::new("bash");
    cmd.args(["-eo", "pipefail", "-c", script])
        .current_dir(dir)
        .env("GITHUB_OUTPUT", dir.join(".github-output"));
    if let Some(bin) = bin {
        let path = std::env::var_os("PATH").unwrap_or_default();
        let mut paths = vec![bin.to_path_buf()];
        paths.extend(std::env::split_paths(&path));
        cmd.env("PATH", std::env::join_paths(paths).unwrap());
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "step `{name}` failed in a fresh project:\n{script}\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn scaffold_ci(repo: &Repo, language: &str) {
    repo.scaffold(&[
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

/// Scaffolds `ci` for `language` and runs every `run:` step of its build-and-test job, in order,
/// with `bin` first on PATH; `expected` are step names the job must have.
fn run_job(repo: &Repo, language: &str, expected: &[&str], bin: Option<&Path>) {
    scaffold_ci(repo, language);
    let steps = run_steps(repo);
    let names: Vec<&str> = steps.iter().map(|(n, _)| n.as_str()).collect();
    for name in expected {
        assert!(names.contains(name), "no step `{name}` in {names:?}");
    }
    for (name, script) in &steps {
        run(repo.path(), name, script, bin);
    }
}

#[test]
fn the_rust_job_passes_on_a_fresh_cargo_new_project() {
    let repo = Repo::new();
    generate(
        &repo,
        "cargo",
        &["init", "--quiet", "--vcs", "none", "--name", "demo"],
    );
    run_job(&repo, "rust", &["Check formatting", "Lint", "Test"], None);
    assert!(
        repo.exists("Cargo.lock"),
        "the test step wrote the lockfile"
    );
}

#[test]
fn the_node_job_passes_on_a_fresh_node_package() {
    let repo = Repo::new();
    repo.write(
        "package.json",
        "{\n  \"name\": \"demo\",\n  \"version\": \"1.0.0\",\n  \"private\": true,\n  \"scripts\": { \"test\": \"node --test\" }\n}\n",
    );
    repo.write(
        "test/app.test.js",
        "const test = require('node:test');\nconst assert = require('node:assert');\ntest('adds', () => assert.strictEqual(1 + 1, 2));\n",
    );
    run_job(&repo, "node", &["Install dependencies", "Test"], None);
}

#[test]
fn the_go_job_passes_on_a_fresh_go_module() {
    let repo = Repo::new();
    generate(&repo, "go", &["mod", "init", "example.com/demo"]);
    repo.write(
        "main.go",
        "package main\n\nimport \"fmt\"\n\nfunc add(a, b int) int { return a + b }\n\nfunc main() { fmt.Println(add(1, 2)) }\n",
    );
    repo.write(
        "main_test.go",
        "package main\n\nimport \"testing\"\n\nfunc TestAdd(t *testing.T) {\n\tif add(1, 2) != 3 {\n\t\tt.Fatal(\"add\")\n\t}\n}\n",
    );
    run_job(&repo, "go", &["Vet", "Test"], None);
}

#[test]
fn the_python_job_passes_on_a_fresh_pyproject_project() {
    let repo = Repo::new();
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
    // setup-python puts its interpreter first on PATH; a virtualenv stands in for it.
    generate(&repo, "python3", &["-m", "venv", ".venv"]);
    let bin = repo.path().join(".venv/bin");
    run_job(
        &repo,
        "python",
        &["Install dependencies", "Test"],
        Some(&bin),
    );
}
