//! One walk of the repo: every file git would not ignore, and the text of the few files detection
//! and the area checks read. It never writes, and it never reads a file it does not need. The texts
//! it keeps have every credential-shaped value masked, so no check can show one.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

/// Folders never walked even when `.gitignore` forgets them: git's own data, installed
/// dependencies, provider binaries, and scaffold's rendered bases (copies of files already seen).
const SKIPPED_DIRS: [&str; 3] = [".git", "node_modules", ".terraform"];

/// Files larger than this are listed but never read whole (generated or binary, not
/// configuration); the leak scan reads only their head and tail.
pub(crate) const MAX_READ: u64 = 1024 * 1024;

/// What the walk found. Paths are relative to the root, with `/` separators, sorted shallowest
/// first so that root files win over nested ones.
#[derive(Debug, Default)]
pub(crate) struct Scan {
    files: Vec<String>,
    /// Lowercased text of the files `keeps` selects, credentials masked.
    texts: HashMap<String, String>,
    /// Whether each file is in a sample tree (`is_sample`), worked out once.
    samples: Vec<bool>,
    /// The indices of the files with a text, in order: the few files `containing` looks at.
    with_text: Vec<usize>,
}

impl Scan {
    /// Walks `root`, honouring `.gitignore` (and `.ignore`) files whether or not it is a git repo.
    /// The user's global excludes do not count: what matters is what the team's clones ignore.
    /// A folder whose ignore file is not a regular file (a FIFO would block the walk forever, a
    /// symlink would be read outside the repo) is passed over; at the root, ignore files are.
    pub(crate) fn walk(root: &Path) -> Scan {
        let safe_root = has_safe_ignore_files(root);
        let walker = ignore::WalkBuilder::new(root)
            .hidden(false)
            .require_git(false)
            .git_ignore(safe_root)
            .ignore(safe_root)
            .git_global(false)
            .git_exclude(false)
            .filter_entry(|entry| {
                let name = entry.file_name().to_string_lossy();
                let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
                !(is_dir && SKIPPED_DIRS.contains(&name.as_ref())
                    || is_dir && name == "base" && entry.path().parent().is_some_and(is_state_dir)
                    || is_dir && !has_safe_ignore_files(entry.path()))
            })
            .threads(crate::parallel::cores().min(8))
            .build_parallel();
        // Over all cores (the walk, and reading the files it keeps); the order they come in
        // does not count: `index` sorts them.
        let found: Mutex<Vec<(String, Option<String>)>> = Mutex::default();
        let large = crate::progress::LargeTree::new(root);
        walker.run(|| {
            Box::new(|entry| {
                if let Some(file) = entry.ok().and_then(|entry| walked(root, &entry)) {
                    large.saw_file();
                    found
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .push(file);
                }
                ignore::WalkState::Continue
            })
        });
        let mut scan = Scan::default();
        let found = found
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for (rel, text) in found {
            if let Some(text) = text {
                scan.texts.insert(rel.clone(), text);
            }
            scan.files.push(rel);
        }
        scan.index();
        scan
    }

    /// Sorts the files and works out what each pass over them would otherwise work out again.
    fn index(&mut self) {
        sort_shallowest_first(&mut self.files);
        self.samples = self.files.iter().map(|f| is_sample(f)).collect();
        self.with_text = (0..self.files.len())
            .filter(|&i| self.texts.contains_key(&self.files[i]))
            .collect();
    }

    /// Builds a scan from paths and texts, for unit tests of the checks.
    #[cfg(test)]
    pub(crate) fn from_files(files: &[(&str, &str)]) -> Scan {
        let mut scan = Scan::default();
        for (path, text) in files {
            if keeps(path) {
                scan.texts.insert((*path).to_owned(), kept(text));
            }
            scan.files.push((*path).to_owned());
        }
        scan.index();
        scan
    }

    /// Every file found, shallowest first.
    pub(crate) fn files(&self) -> &[String] {
        &self.files
    }

    /// Whether the walk found `path` (a binary search: the files are sorted).
    pub(crate) fn has(&self, path: &str) -> bool {
        self.files
            .binary_search_by(|f| (depth(f), f.as_str()).cmp(&(depth(path), path)))
            .is_ok()
    }

    /// The lowercased text of a file the scan kept.
    pub(crate) fn text(&self, path: &str) -> Option<&str> {
        self.texts.get(path).map(String::as_str)
    }

    /// Files whose path passes `select`, leaving out sample trees (`is_sample`).
    pub(crate) fn paths(&self, select: impl Fn(&str) -> bool) -> Vec<String> {
        self.files
            .iter()
            .zip(&self.samples)
            .filter(|(f, sample)| !**sample && select(f))
            .map(|(f, _)| f.clone())
            .collect()
    }

    /// Kept files whose path passes `select` and whose text contains any of `needles` (lowercase),
    /// leaving out sample trees.
    pub(crate) fn containing(
        &self,
        select: impl Fn(&str) -> bool,
        needles: &[&str],
    ) -> Vec<String> {
        self.with_text
            .iter()
            .filter(|&&i| !self.samples[i])
            .map(|&i| &self.files[i])
            .filter(|f| select(f))
            .filter(|f| {
                self.text(f)
                    .is_some_and(|t| needles.iter().any(|n| t.contains(n)))
            })
            .cloned()
            .collect()
    }
}

/// A file the walk found: its path relative to the root (with `/`), and the text `keeps` wants of
/// it, masked. `None` for anything but a file.
fn walked(root: &Path, entry: &ignore::DirEntry) -> Option<(String, Option<String>)> {
    if !entry.file_type().is_some_and(|t| t.is_file()) {
        return None;
    }
    let rel = entry.path().strip_prefix(root).ok()?;
    let rel = match rel.to_str() {
        Some(rel) if std::path::MAIN_SEPARATOR == '/' => rel.to_owned(),
        _ => rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
    };
    let text = keeps(&rel)
        .then(|| crate::fs::read_walked_text(root, &rel, MAX_READ))
        .flatten()
        .map(|text| kept(&text));
    Some((rel, text))
}

/// Whether the folder's `.gitignore` and `.ignore`, where present, are regular files.
fn has_safe_ignore_files(dir: &Path) -> bool {
    [".gitignore", ".ignore"]
        .iter()
        .all(|name| crate::fs::is_regular_or_absent(&dir.join(name)))
}

/// The text kept for the checks: credential-shaped values masked (before lowercasing, which
/// would hide their shape), then lowercased.
fn kept(text: &str) -> String {
    crate::assess::leaks::mask(text).to_lowercase()
}

fn is_state_dir(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n == crate::state::STATE_DIR)
}

/// Sorts paths by depth, then by name (each depth counted once).
fn sort_shallowest_first(files: &mut Vec<String>) {
    let mut keyed: Vec<(usize, String)> = files.drain(..).map(|f| (depth(&f), f)).collect();
    keyed.sort_unstable();
    files.extend(keyed.into_iter().map(|(_, f)| f));
}

fn depth(path: &str) -> usize {
    path.matches('/').count()
}

/// The file name: the last path segment.
pub(crate) fn name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Whether a file name ends in one of these extensions (without the dot), in any case.
pub(crate) fn has_ext(name: &str, exts: &[&str]) -> bool {
    name.rsplit_once('.')
        .is_some_and(|(_, ext)| exts.iter().any(|e| ext.eq_ignore_ascii_case(e)))
}

/// Files that name dependencies (drivers, SDKs, telemetry libraries).
pub(crate) fn is_dependency_file(path: &str) -> bool {
    let name = name(path);
    matches!(
        name,
        "Cargo.toml"
            | "package.json"
            | "pyproject.toml"
            | "go.mod"
            | "setup.py"
            | "setup.cfg"
            | "Pipfile"
    ) || (name.starts_with("requirements") && has_ext(name, &["txt"]))
}

pub(crate) fn is_compose(path: &str) -> bool {
    matches!(
        name(path),
        "compose.yaml" | "compose.yml" | "docker-compose.yml" | "docker-compose.yaml"
    )
}

/// Terraform or `OpenTofu` sources.
pub(crate) fn is_iac(path: &str) -> bool {
    let name = name(path);
    has_ext(name, &["tf", "tofu"]) || name.ends_with(".tf.json") || name == "terragrunt.hcl"
}

/// CI configuration of any host (GitHub, GitLab, `CircleCI`, Jenkins, Bitbucket, Azure).
pub(crate) fn is_ci(path: &str) -> bool {
    let yaml = has_ext(path, &["yml", "yaml"]);
    (yaml && path.starts_with(".github/workflows/") && depth(path) == 2)
        || path == ".gitlab-ci.yml"
        || (yaml && path.starts_with(".gitlab/ci/"))
        || path == ".circleci/config.yml"
        || path == "Jenkinsfile"
        || path == "bitbucket-pipelines.yml"
        || path == "azure-pipelines.yml"
}

/// Scripts, CI and configuration: where a check or an environment is defined (not docs, code or
/// templates that merely mention it).
pub(crate) fn is_config_or_script(path: &str) -> bool {
    let name = name(path);
    let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
    matches!(
        ext,
        "" | "sh"
            | "bash"
            | "py"
            | "js"
            | "mjs"
            | "ts"
            | "yml"
            | "yaml"
            | "json"
            | "toml"
            | "env"
            | "tf"
            | "tofu"
            | "tfvars"
            | "hcl"
            | "ini"
            | "conf"
            | "properties"
    ) || name.starts_with(".env")
}

/// Files that describe a project beside its manifest: pinned versions, workspaces, test and
/// database configuration.
fn is_project_file(path: &str) -> bool {
    let name = name(path);
    matches!(
        name,
        ".nvmrc"
            | ".node-version"
            | ".python-version"
            | "rust-toolchain"
            | "rust-toolchain.toml"
            | "pnpm-workspace.yaml"
            | "go.work"
            | "pytest.ini"
            | "tox.ini"
            | "schema.prisma"
            | "settings.py"
            | "database.yml"
            | ".ruby-version"
            | "Gemfile"
            | "pom.xml"
            | "build.gradle"
            | "build.gradle.kts"
            | "composer.json"
    ) || name.starts_with("drizzle.config.")
}

/// Whether the scan keeps a file's text for detection and the area checks.
fn keeps(path: &str) -> bool {
    matches!(
        path,
        ".sops.yaml" | "docs/security/access.md" | "ops/deploy/deploy.sh"
    ) || is_dependency_file(path)
        || is_project_file(path)
        || is_compose(path)
        || is_iac(path)
        || is_ci(path)
        || path == ".gitignore"
}

/// Example, fixture and vendored trees: they show what others use, not what this repo runs.
pub(crate) fn is_sample(path: &str) -> bool {
    path.split('/').rev().skip(1).any(|dir| {
        matches!(
            dir,
            "fixtures" | "testdata" | "examples" | "example" | "vendor" | "third_party"
        )
    })
}

/// Files git tracks although `.gitignore` ignores them, such as a `.env` committed before it was
/// ignored: the walk leaves them out, yet every clone has them. Git runs in the background while
/// the walk goes on. Empty outside a git work tree, or if `git` cannot answer (not installed, or a
/// repository it does not trust).
pub(crate) struct TrackedButIgnored(Option<std::process::Child>);

impl TrackedButIgnored {
    /// Starts `git ls-files`, only where there is a repository.
    pub(crate) fn start(root: &Path) -> TrackedButIgnored {
        if crate::fs::enclosing_git(root).is_none() {
            return TrackedButIgnored(None);
        }
        let child = std::process::Command::new("git")
            .arg("-C")
            .arg(root)
            .args([
                "ls-files",
                "-z",
                "--cached",
                "--ignored",
                "--exclude-standard",
            ])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn();
        TrackedButIgnored(child.ok())
    }

    /// The paths, relative to the root, leaving out the folders the walk never enters.
    pub(crate) fn finish(self) -> Vec<String> {
        let Some(child) = self.0 else {
            return Vec::new();
        };
        match child.wait_with_output() {
            Ok(out) if out.status.success() => out
                .stdout
                .split(|&b| b == 0)
                .filter(|p| !p.is_empty())
                .map(|p| String::from_utf8_lossy(p).into_owned())
                .filter(|p| !p.split('/').any(|c| SKIPPED_DIRS.contains(&c)))
                .collect(),
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_walk_honours_gitignore_without_git_and_skips_installed_trees() {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in [
            (".gitignore", "build/\n"),
            ("package.json", "{\"dependencies\": {\"PG\": \"1\"}}"),
            ("build/out.js", "x"),
            ("node_modules/a/package.json", "{}"),
            (".scaffold/base/ci/x.yml", "x"),
            (".scaffold/state.toml", "version = 1"),
            ("apps/web/package.json", "{}"),
            (".env", "A=1"),
        ] {
            let p = dir.path().join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        let scan = Scan::walk(dir.path());
        assert_eq!(
            scan.files(),
            [
                ".env",
                ".gitignore",
                "package.json",
                ".scaffold/state.toml",
                "apps/web/package.json"
            ]
        );
        assert_eq!(
            scan.text("package.json"),
            Some("{\"dependencies\": {\"pg\": \"1\"}}")
        );
        assert_eq!(scan.text(".env"), None, "not a file the checks read");
    }

    #[test]
    fn sample_trees_are_recognised() {
        assert!(is_sample("tests/fixtures/app/package.json"));
        assert!(is_sample("examples/demo/main.tf"));
        assert!(!is_sample("packages/examples.json"));
        assert!(!is_sample("examples"));
    }
}
