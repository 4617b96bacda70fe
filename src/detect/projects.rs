//! The projects of a repo: every folder with its own manifest (the root, `backend/`, `apps/web`),
//! with the tool that installs it, the language version it pins and the test command it has. A
//! workspace (npm, pnpm, yarn or bun workspaces, a Cargo or uv workspace, `go.work`) is one project
//! at its root: its members install and test from there. Read-only, from one `Scan`.

use serde::Serialize;

use crate::assess::scan::{self, Scan};

/// One project of the repo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Project {
    /// Its folder, relative to the root: `.` for the root itself.
    pub(crate) path: String,
    pub(crate) language: &'static str,
    /// What installs it: npm, pnpm, yarn, bun, pip, uv, poetry, pdm, cargo or go.
    pub(crate) tool: &'static str,
    /// The language version the project pins, as written (`20`, `3.12`, `1.22.3`), if any.
    pub(crate) version: Option<String>,
    /// The command that runs its tests, from its folder, if it has any.
    pub(crate) test: Option<String>,
    /// Whether its lockfile is committed (installs are then frozen to it).
    #[serde(skip)]
    pub(crate) locked: bool,
    /// Yarn 2 or later (`yarn install --immutable`), rather than Yarn 1.
    #[serde(skip)]
    pub(crate) yarn_berry: bool,
    /// The build tool's wrapper is committed (`gradlew`, `mvnw`): CI runs it, not an installed tool.
    #[serde(skip)]
    pub(crate) wrapper: bool,
    /// The manifest that made the folder a project (`build.gradle.kts` rather than `pom.xml`).
    #[serde(skip)]
    pub(crate) manifest: &'static str,
}

impl Project {
    /// A project for a repo with no code yet: the answered language at the root, with its
    /// ecosystem's default tool. CI checks for its manifest before building.
    pub(crate) fn expected(language: &str) -> Option<Project> {
        let language = super::LANGUAGES.iter().copied().find(|l| *l == language)?;
        Some(Project {
            path: ".".to_owned(),
            language,
            tool: language_tool(language),
            version: None,
            test: None,
            locked: false,
            yarn_berry: false,
            wrapper: false,
            manifest: default_manifest(language),
        })
    }

    /// The lockfile this project's tool installs from, when committed.
    fn lockfile(&self) -> Option<&'static str> {
        if !self.locked {
            return None;
        }
        Some(match self.tool {
            "pnpm" => "pnpm-lock.yaml",
            "yarn" => "yarn.lock",
            "bun" => "bun.lock",
            "npm" => "package-lock.json",
            "uv" => "uv.lock",
            "poetry" => "poetry.lock",
            "pdm" => "pdm.lock",
            "cargo" => "Cargo.lock",
            "go" => "go.sum",
            "bundler" => "Gemfile.lock",
            "composer" => "composer.lock",
            _ => return None,
        })
    }

    /// The command that installs its dependencies, frozen to the lockfile when there is one
    /// (pip's and Cargo's are in the templates: they depend on more than the tool).
    fn install(&self) -> Option<String> {
        let locked = self.locked;
        let command = match self.tool {
            "npm" if locked => "npm ci",
            "npm" => "npm install",
            "pnpm" if locked => "pnpm install --frozen-lockfile",
            "pnpm" => "pnpm install",
            "yarn" if locked && self.yarn_berry => "yarn install --immutable",
            "yarn" if locked => "yarn install --frozen-lockfile",
            "yarn" => "yarn install",
            "bun" if locked => "bun install --frozen-lockfile",
            "bun" => "bun install",
            "uv" if locked => "uv sync --locked",
            "uv" => "uv sync",
            "poetry" => "poetry install --no-interaction",
            "pdm" if locked => "pdm install --frozen-lockfile",
            "pdm" => "pdm install",
            "go" if locked => "go mod download",
            "bundler" => "bundle install",
            "composer" => "composer install --no-interaction --no-progress",
            _ => return None,
        };
        Some(command.to_owned())
    }

    /// The command that runs the JVM build tool: its committed wrapper, else the installed tool.
    fn runner(&self) -> Option<&'static str> {
        Some(match (self.tool, self.wrapper) {
            ("gradle", true) => "./gradlew",
            ("gradle", false) => "gradle",
            ("maven", true) => "./mvnw",
            ("maven", false) => "mvn",
            _ => return None,
        })
    }

    /// What the templates see of the project.
    pub(crate) fn context(&self, expected: bool) -> serde_json::Value {
        let id = if self.path == "." {
            self.language.to_owned()
        } else {
            format!(
                "{}-{}",
                self.path.replace(|c: char| !c.is_ascii_alphanumeric(), "-"),
                self.language
            )
            .to_ascii_lowercase()
        };
        let lockfile = self.lockfile();
        serde_json::json!({
            "path": self.path,
            "id": id,
            "language": self.language,
            "tool": self.tool,
            "version": self.version,
            "test": self.test,
            "install": self.install(),
            "lockfile": lockfile,
            "lockfile_path": lockfile.map(|l| join(&self.path, l)),
            "manifest_path": join(&self.path, self.manifest),
            "wrapper": self.wrapper,
            "runner": self.runner(),
            "expected": expected,
        })
    }
}

/// The manifest that makes a folder a project of a language.
const MANIFESTS: [(&str, &str); 12] = [
    ("package.json", "node"),
    ("Cargo.toml", "rust"),
    ("go.mod", "go"),
    ("go.work", "go"),
    ("pyproject.toml", "python"),
    ("requirements.txt", "python"),
    ("setup.py", "python"),
    ("Gemfile", "ruby"),
    ("build.gradle.kts", "jvm"),
    ("build.gradle", "jvm"),
    ("pom.xml", "jvm"),
    ("composer.json", "php"),
];

/// Every project, shallowest first, then by path, then in the order of `LANGUAGES`.
pub(crate) fn find(scan: &Scan) -> Vec<Project> {
    let mut candidates: Vec<(String, &'static str)> = Vec::new();
    for path in scan.files() {
        if scan::is_sample(path) || path.starts_with(".scaffold/") {
            continue;
        }
        let Some((_, language)) = MANIFESTS.iter().find(|(m, _)| *m == scan::name(path)) else {
            continue;
        };
        let dir = folder(path);
        if !candidates.iter().any(|(d, l)| *d == dir && l == language) {
            candidates.push((dir, language));
        }
    }
    let rank = |language: &str| super::LANGUAGES.iter().position(|l| *l == language);
    candidates.sort_by(|a, b| (depth(&a.0), &a.0, rank(a.1)).cmp(&(depth(&b.0), &b.0, rank(b.1))));
    let mut projects: Vec<Project> = Vec::new();
    for (dir, language) in candidates {
        // A member of a workspace (or a package nested in a project of the same language that
        // installs it) is built and tested from that project's root.
        let inside = projects
            .iter()
            .any(|p| p.language == language && contains(&p.path, &dir) && owns_nested(scan, p));
        if !inside {
            projects.push(describe(scan, &dir, language));
        }
    }
    projects
}

/// Whether the project at `p` installs and tests what lies below it: a workspace root, or a Rust
/// crate (nested crates are path dependencies).
fn owns_nested(scan: &Scan, p: &Project) -> bool {
    let text = |name: &str| scan.text(&join(&p.path, name)).unwrap_or("");
    match p.language {
        "node" => {
            text("package.json").contains("\"workspaces\"")
                || scan.has(&join(&p.path, "pnpm-workspace.yaml"))
        }
        "python" => text("pyproject.toml").contains("[tool.uv.workspace]"),
        "go" => scan.has(&join(&p.path, "go.work")),
        // Nested crates are path dependencies; Gradle and Maven builds are multi-project from
        // their root (settings.gradle, <modules>).
        "rust" | "jvm" => true,
        _ => false,
    }
}

fn describe(scan: &Scan, dir: &str, language: &'static str) -> Project {
    let mut project = Project {
        path: dir.to_owned(),
        language,
        tool: language_tool(language),
        version: None,
        test: None,
        locked: false,
        yarn_berry: false,
        wrapper: false,
        manifest: default_manifest(language),
    };
    match language {
        "node" => node(scan, &mut project),
        "python" => python(scan, &mut project),
        "rust" => {
            project.locked = scan.has(&join(dir, "Cargo.lock"));
            project.version = first_line(scan, dir, "rust-toolchain")
                .or_else(|| toml_string(scan.text(&join(dir, "rust-toolchain.toml")), "channel"));
            project.test = Some("cargo test".to_owned());
        }
        "go" => {
            project.locked = scan.has(&join(dir, "go.sum"));
            let module = scan
                .text(&join(dir, "go.mod"))
                .or_else(|| scan.text(&join(dir, "go.work")));
            project.version = module.and_then(|text| {
                text.lines()
                    .find_map(|l| l.trim().strip_prefix("go "))
                    .map(|v| v.trim().to_owned())
            });
            project.test = Some("go test ./...".to_owned());
        }
        "ruby" => super::stacks::ruby(scan, &mut project),
        "jvm" => super::stacks::jvm(scan, &mut project),
        "php" => super::stacks::php(scan, &mut project),
        _ => {}
    }
    project
}

fn language_tool(language: &str) -> &'static str {
    match language {
        "node" => "npm",
        "rust" => "cargo",
        "go" => "go",
        "ruby" => "bundler",
        "jvm" => "gradle",
        "php" => "composer",
        _ => "pip",
    }
}

/// The manifest a project of the language has, when there is no project yet to tell.
fn default_manifest(language: &str) -> &'static str {
    match language {
        "node" => "package.json",
        "rust" => "Cargo.toml",
        "go" => "go.mod",
        "ruby" => "Gemfile",
        "jvm" => "build.gradle.kts",
        "php" => "composer.json",
        _ => "pyproject.toml",
    }
}

fn node(scan: &Scan, p: &mut Project) {
    let dir = p.path.clone();
    let manifest: serde_json::Value = scan
        .text(&join(&dir, "package.json"))
        .and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or_default();
    // Texts are lowercased by the scan: `packageManager` reads as `packagemanager`.
    let declared = manifest["packagemanager"].as_str().unwrap_or("");
    let (tool, lockfile) = if let Some(tool) = ["pnpm", "yarn", "bun", "npm"]
        .into_iter()
        .find(|t| declared.starts_with(&format!("{t}@")))
    {
        (tool, lockfile_of(scan, &dir, tool))
    } else {
        ["pnpm", "yarn", "bun", "npm"]
            .into_iter()
            .find_map(|tool| lockfile_of(scan, &dir, tool).map(|l| (tool, Some(l))))
            .unwrap_or(("npm", None))
    };
    p.tool = tool;
    p.locked = lockfile.is_some();
    p.yarn_berry = tool == "yarn"
        && (scan.has(&join(&dir, ".yarnrc.yml"))
            || declared
                .strip_prefix("yarn@")
                .is_some_and(|v| !v.starts_with("1.")));
    p.version = first_line(scan, &dir, ".nvmrc")
        .or_else(|| first_line(scan, &dir, ".node-version"))
        .map(|v| v.trim_start_matches('v').to_owned())
        .filter(|v| v.starts_with(|c: char| c.is_ascii_digit()))
        .or_else(|| manifest["engines"]["node"].as_str().and_then(major));
    let test = manifest["scripts"]["test"].as_str().unwrap_or("");
    // npm's placeholder script fails on purpose: it is no test.
    if !test.trim().is_empty() && !test.contains("no test specified") {
        p.test = Some(match tool {
            "bun" => "bun run test".to_owned(),
            tool => format!("{tool} test"),
        });
    }
}

/// The committed lockfile of a Node tool in `dir`, if any.
fn lockfile_of(scan: &Scan, dir: &str, tool: &str) -> Option<&'static str> {
    let names: &[&'static str] = match tool {
        "pnpm" => &["pnpm-lock.yaml"],
        "yarn" => &["yarn.lock"],
        "bun" => &["bun.lock", "bun.lockb"],
        _ => &["package-lock.json", "npm-shrinkwrap.json"],
    };
    names.iter().copied().find(|n| scan.has(&join(dir, n)))
}

fn python(scan: &Scan, p: &mut Project) {
    let dir = p.path.clone();
    let pyproject = scan.text(&join(&dir, "pyproject.toml")).unwrap_or("");
    let (tool, lockfile) = if scan.has(&join(&dir, "uv.lock")) {
        ("uv", true)
    } else if scan.has(&join(&dir, "poetry.lock")) {
        ("poetry", true)
    } else if scan.has(&join(&dir, "pdm.lock")) {
        ("pdm", true)
    } else if pyproject.contains("[tool.poetry]") {
        ("poetry", false)
    } else if pyproject.contains("[tool.pdm") {
        ("pdm", false)
    } else if pyproject.contains("[tool.uv") {
        ("uv", false)
    } else {
        ("pip", false)
    };
    p.tool = tool;
    p.locked = lockfile;
    p.version = first_line(scan, &dir, ".python-version")
        .filter(|v| v.starts_with(|c: char| c.is_ascii_digit()))
        .or_else(|| toml_string(Some(pyproject), "requires-python").and_then(|v| major_minor(&v)))
        .or_else(|| {
            // Poetry's own table: `python = "^3.11"`.
            let deps = pyproject.split("[tool.poetry.dependencies]").nth(1)?;
            toml_string(Some(deps), "python").and_then(|v| major_minor(&v))
        });
    let configured = pyproject.contains("[tool.pytest")
        || pyproject.contains("pytest")
        || scan.has(&join(&dir, "pytest.ini"))
        || scan.has(&join(&dir, "conftest.py"))
        || scan
            .text(&join(&dir, "setup.cfg"))
            .is_some_and(|t| t.contains("[tool:pytest]"))
        || scan
            .text(&join(&dir, "tox.ini"))
            .is_some_and(|t| t.contains("[pytest]"))
        || scan
            .text(&join(&dir, "requirements.txt"))
            .is_some_and(|t| t.contains("pytest"))
        || scan.files().iter().any(|f| {
            f.strip_prefix(&prefix(&dir))
                .is_some_and(|rest| rest.starts_with("tests/") && scan::name(f).starts_with("test"))
        });
    if configured {
        p.test = Some(
            match tool {
                "uv" => "uv run pytest",
                "poetry" => "poetry run pytest",
                "pdm" => "pdm run pytest",
                _ => "python -m pytest",
            }
            .to_owned(),
        );
    }
}

/// The first non-empty line of a small file in `dir`, trimmed.
pub(super) fn first_line(scan: &Scan, dir: &str, name: &str) -> Option<String> {
    scan.text(&join(dir, name))?
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
}

/// The string value of `key = "..."` in a TOML text, found line by line.
fn toml_string(text: Option<&str>, key: &str) -> Option<String> {
    text?.lines().find_map(|line| {
        let (k, v) = line.split_once('=')?;
        if k.trim() != key {
            return None;
        }
        let v = v.trim().trim_matches(|c| c == '"' || c == '\'');
        (!v.is_empty()).then(|| v.to_owned())
    })
}

/// The first whole number of a version requirement: `>=20.11` gives `20`.
fn major(requirement: &str) -> Option<String> {
    let start = requirement.find(|c: char| c.is_ascii_digit())?;
    let digits: String = requirement[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    Some(digits)
}

/// `major.minor` of a version requirement: `>=3.11,<4` gives `3.11`.
pub(super) fn major_minor(requirement: &str) -> Option<String> {
    let start = requirement.find(|c: char| c.is_ascii_digit())?;
    let version: String = requirement[start..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let mut parts = version.split('.').filter(|s| !s.is_empty());
    match (parts.next(), parts.next()) {
        (Some(a), Some(b)) => Some(format!("{a}.{b}")),
        (Some(a), None) => Some(a.to_owned()),
        _ => None,
    }
}

fn folder(path: &str) -> String {
    path.rsplit_once('/')
        .map_or_else(|| ".".to_owned(), |(dir, _)| dir.to_owned())
}

pub(super) fn join(dir: &str, name: &str) -> String {
    if dir == "." {
        name.to_owned()
    } else {
        format!("{dir}/{name}")
    }
}

pub(super) fn prefix(dir: &str) -> String {
    if dir == "." {
        String::new()
    } else {
        format!("{dir}/")
    }
}

fn depth(dir: &str) -> usize {
    if dir == "." {
        0
    } else {
        dir.matches('/').count() + 1
    }
}

/// Whether the folder `inner` lies inside (or is) the folder `outer`.
fn contains(outer: &str, inner: &str) -> bool {
    outer == "." || inner == outer || inner.starts_with(&format!("{outer}/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn projects(files: &[(&str, &str)]) -> Vec<(String, &'static str, &'static str)> {
        find(&Scan::from_files(files))
            .into_iter()
            .map(|p| (p.path, p.language, p.tool))
            .collect()
    }

    fn one(files: &[(&str, &str)]) -> Project {
        let mut all = find(&Scan::from_files(files));
        assert_eq!(all.len(), 1, "{all:?}");
        all.remove(0)
    }

    #[test]
    fn folders_with_their_own_manifest_are_projects() {
        assert_eq!(
            projects(&[
                ("backend/pyproject.toml", "[project]\nname = \"api\"\n"),
                ("backend/uv.lock", ""),
                ("frontend/package.json", "{}"),
                ("frontend/pnpm-lock.yaml", ""),
                ("README.md", ""),
            ]),
            [
                ("backend".to_owned(), "python", "uv"),
                ("frontend".to_owned(), "node", "pnpm"),
            ]
        );
    }

    #[test]
    fn a_workspace_is_one_project_at_its_root() {
        assert_eq!(
            projects(&[
                (
                    "package.json",
                    r#"{"workspaces": ["apps/*", "packages/*"]}"#
                ),
                ("yarn.lock", ""),
                ("apps/web/package.json", "{}"),
                ("packages/ui/package.json", "{}"),
                ("Cargo.toml", "[workspace]\nmembers = [\"crates/*\"]\n"),
                ("crates/core/Cargo.toml", "[package]\n"),
                ("services/api/go.mod", "module api\n\ngo 1.22\n"),
            ]),
            [
                (".".to_owned(), "rust", "cargo"),
                (".".to_owned(), "node", "yarn"),
                ("services/api".to_owned(), "go", "go"),
            ]
        );
        assert_eq!(
            projects(&[
                ("package.json", "{}"),
                ("pnpm-workspace.yaml", "packages: ['apps/*']\n"),
                ("pnpm-lock.yaml", ""),
                ("apps/web/package.json", "{}"),
            ]),
            [(".".to_owned(), "node", "pnpm")]
        );
    }

    #[test]
    fn a_nested_package_outside_a_workspace_is_a_project_of_its_own() {
        assert_eq!(
            projects(&[
                ("package.json", r#"{"scripts": {"test": "jest"}}"#),
                ("web/package.json", "{}"),
                ("examples/demo/package.json", "{}"),
            ]),
            [
                (".".to_owned(), "node", "npm"),
                ("web".to_owned(), "node", "npm")
            ]
        );
    }

    #[test]
    fn node_tool_version_and_test_come_from_the_project() {
        let p = one(&[
            (
                "package.json",
                r#"{"packagemanager": "pnpm@9.12.0", "engines": {"node": ">=20.11"}, "scripts": {"test": "vitest run"}}"#,
            ),
            ("pnpm-lock.yaml", ""),
        ]);
        assert_eq!(
            (p.tool, p.version.as_deref(), p.test.as_deref(), p.locked),
            ("pnpm", Some("20"), Some("pnpm test"), true)
        );
        let p = one(&[
            (
                "package.json",
                r#"{"scripts": {"test": "echo \"Error: no test specified\" && exit 1"}}"#,
            ),
            (".nvmrc", "v22.3.0\n"),
        ]);
        assert_eq!(
            (p.tool, p.version.as_deref(), p.test, p.locked),
            ("npm", Some("22.3.0"), None, false)
        );
        let p = one(&[
            ("package.json", r#"{"scripts": {"test": "bun test"}}"#),
            ("bun.lockb", ""),
        ]);
        assert_eq!((p.tool, p.test.as_deref()), ("bun", Some("bun run test")));
        let p = one(&[
            ("package.json", "{}"),
            ("yarn.lock", ""),
            (".yarnrc.yml", ""),
        ]);
        assert!(p.yarn_berry);
    }

    #[test]
    fn python_tool_version_and_test_come_from_the_project() {
        let p = one(&[
            (
                "pyproject.toml",
                "[tool.poetry]\nname = \"x\"\n[tool.poetry.dependencies]\npython = \"^3.11\"\n",
            ),
            ("poetry.lock", ""),
            ("tests/test_app.py", ""),
        ]);
        assert_eq!(
            (p.tool, p.version.as_deref(), p.test.as_deref()),
            ("poetry", Some("3.11"), Some("poetry run pytest"))
        );
        let p = one(&[
            (
                "pyproject.toml",
                "[project]\nrequires-python = \">=3.12\"\n",
            ),
            ("uv.lock", ""),
            (".python-version", "3.12.4\n"),
        ]);
        assert_eq!(
            (p.tool, p.version.as_deref(), p.test),
            ("uv", Some("3.12.4"), None),
            "no pytest anywhere: no test command"
        );
        let p = one(&[("requirements.txt", "flask\npytest\n")]);
        assert_eq!(
            (p.tool, p.test.as_deref()),
            ("pip", Some("python -m pytest"))
        );
    }

    #[test]
    fn go_and_rust_pin_their_versions() {
        let p = one(&[("go.mod", "module x\n\ngo 1.22.3\n"), ("go.sum", "")]);
        assert_eq!(
            (p.version.as_deref(), p.test.as_deref(), p.locked),
            (Some("1.22.3"), Some("go test ./..."), true)
        );
        let p = one(&[
            ("Cargo.toml", "[package]\n"),
            ("rust-toolchain.toml", "[toolchain]\nchannel = \"1.82\"\n"),
        ]);
        assert_eq!(p.version.as_deref(), Some("1.82"));
    }

    #[test]
    fn go_work_makes_one_project() {
        assert_eq!(
            projects(&[
                ("go.work", "go 1.22\nuse ./a\nuse ./b\n"),
                ("a/go.mod", "module a\n"),
                ("b/go.mod", "module b\n"),
                ("go.mod", "module root\n"),
            ]),
            [(".".to_owned(), "go", "go")]
        );
    }
}
