//! The build-and-test jobs must pass on a freshly generated project of their language: the `run:`
//! steps of the generated GitHub `ci.yml`, and the `before_script` and `script` of the generated
//! GitLab `build` and `test` jobs, are executed in order in a project made by the language's own
//! generator or usual layout (Rust: `cargo init`; Node: a package with a `node --test` test;
//! Python: a `pyproject.toml` project with a `test` extra, in a virtualenv; Go: `go mod init`).
//! `github` also runs them in realistic repos (`fixtures`): projects in folders, workspaces,
//! pnpm, uv and Poetry; `gitlab` runs the `build:<project>` and `test:<project>` jobs (found
//! through the `include:` of `.gitlab-ci.yml`) in fresh projects, in repos with projects in folders
//! and in a team's own `.gitlab-ci.yml`. `tests/setup.sh` installs Go and those package managers;
//! the steps' own installs use the package registries. The host's toolchains stand in for the
//! jobs' images.

mod fixtures;
mod github;
mod gitlab;
mod stacks;

use std::process::Command;

use crate::support::Repo;

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
