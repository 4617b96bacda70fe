//! Reads the repo to guess the stack: languages, CI host, database, cloud, containers and
//! infrastructure as code. Read-only; it works from one `Scan` of the repo (`.gitignore` honoured).

#[cfg(test)]
use std::path::Path;

use crate::assess::scan::{self, Scan};

/// What the repo already shows. `None` means nothing was found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Detected {
    /// The main language: named by a root file, else by the shallowest package.
    pub(crate) language: Option<&'static str>,
    /// Every language found, in the order of `LANGUAGES` (monorepos have several).
    pub(crate) languages: Vec<&'static str>,
    pub(crate) ci: Option<&'static str>,
    pub(crate) database: Option<&'static str>,
    pub(crate) cloud: Option<&'static str>,
    /// A Dockerfile (or Containerfile) or a compose file.
    pub(crate) container: bool,
    /// `terraform` for Terraform or `OpenTofu` sources.
    pub(crate) iac: Option<&'static str>,
    /// CI files that exist, relative to the root (hand-made unless scaffold recorded them).
    pub(crate) ci_files: Vec<String>,
}

/// The languages scaffold knows, in the order they are listed.
const LANGUAGES: [&str; 4] = ["rust", "node", "python", "go"];

/// Files that name the language, in the order of preference when several are present.
const LANGUAGE_FILES: [(&str, &str); 6] = [
    ("Cargo.toml", "rust"),
    ("go.mod", "go"),
    ("package.json", "node"),
    ("pyproject.toml", "python"),
    ("requirements.txt", "python"),
    ("setup.py", "python"),
];

/// Markers of a database driver or image, searched in dependency and compose files (lowercased).
const DATABASE_MARKERS: [(&str, &str); 13] = [
    ("postgres", "postgres"),
    ("psycopg", "postgres"),
    ("\"pg\"", "postgres"),
    ("asyncpg", "postgres"),
    ("lib/pq", "postgres"),
    ("jackc/pgx", "postgres"),
    ("mysql", "mysql"),
    ("mariadb", "mysql"),
    ("pymysql", "mysql"),
    ("mysqlclient", "mysql"),
    ("go-sql-driver", "mysql"),
    ("aurora-mysql", "mysql"),
    ("aurora-postgresql", "postgres"),
];

/// Markers of a cloud in Terraform files and SDK dependencies (lowercased).
const CLOUD_MARKERS: [(&str, &str); 10] = [
    ("provider \"aws\"", "aws"),
    ("hashicorp/aws", "aws"),
    ("aws-sdk", "aws"),
    ("@aws-sdk/", "aws"),
    ("boto3", "aws"),
    ("github.com/aws/", "aws"),
    ("provider \"google\"", "gcp"),
    ("hashicorp/google", "gcp"),
    ("google-cloud", "gcp"),
    ("cloud.google.com/go", "gcp"),
];

/// Looks at `root`, honouring `.gitignore` so vendored and build trees are not read.
#[cfg(test)]
pub(crate) fn detect(root: &Path) -> Detected {
    from_scan(&Scan::walk(root))
}

/// The stack, from a scan already made.
pub(crate) fn from_scan(scan: &Scan) -> Detected {
    let mut found = Detected::default();
    for (file, language) in LANGUAGE_FILES {
        if scan.has(file) {
            found.language = Some(language);
            break;
        }
    }
    found.ci_files = scan.paths(|p| {
        (p.starts_with(".github/workflows/") && scan::is_ci(p)) || p == ".gitlab-ci.yml"
    });
    found.ci_files.sort();
    if found.ci_files.iter().any(|f| f.starts_with(".github/")) {
        found.ci = Some("github");
    } else if !found.ci_files.is_empty() {
        found.ci = Some("gitlab");
    }

    let mut languages = Vec::new();
    for path in scan.files() {
        if scan::is_sample(path) {
            continue;
        }
        let name = scan::name(path);
        if let Some(language) = language_of(name) {
            if found.language.is_none() {
                found.language = Some(language);
            }
            if !languages.contains(&language) {
                languages.push(language);
            }
        }
        let is_dependency = scan::is_dependency_file(path);
        let is_iac = scan::is_iac(path);
        let is_compose = scan::is_compose(path);
        found.container |= is_compose || is_container_file(name);
        if is_iac {
            found.iac = Some("terraform");
        }
        let Some(text) = scan.text(path) else {
            continue;
        };
        if found.database.is_none() && (is_dependency || is_iac || is_compose) {
            found.database = first_marker(text, &DATABASE_MARKERS);
        }
        if found.cloud.is_none() && (is_iac || is_dependency) {
            found.cloud = first_marker(text, &CLOUD_MARKERS);
        }
    }
    found.languages = LANGUAGES
        .into_iter()
        .filter(|l| languages.contains(l))
        .collect();
    found
}

fn language_of(name: &str) -> Option<&'static str> {
    if name.starts_with("requirements") && scan::has_ext(name, &["txt"]) {
        return Some("python");
    }
    LANGUAGE_FILES
        .iter()
        .find(|(file, _)| *file == name)
        .map(|(_, language)| *language)
}

fn is_container_file(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower == "dockerfile"
        || lower == "containerfile"
        || lower.starts_with("dockerfile.")
        || lower.ends_with(".dockerfile")
}

fn first_marker(text: &str, markers: &[(&str, &'static str)]) -> Option<&'static str> {
    markers
        .iter()
        .filter_map(|(marker, value)| text.find(marker).map(|at| (at, *value)))
        .min_by_key(|(at, _)| *at)
        .map(|(_, value)| value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::repo;

    #[test]
    fn an_empty_repo_shows_nothing() {
        let dir = repo(&[]);
        assert_eq!(detect(dir.path()), Detected::default());
    }

    #[test]
    fn a_node_app_on_github_with_postgres_and_aws() {
        let dir = repo(&[
            (
                "package.json",
                r#"{"dependencies": {"pg": "^8", "@aws-sdk/client-s3": "^3"}}"#,
            ),
            (".github/workflows/test.yml", "on: push"),
        ]);
        let d = detect(dir.path());
        assert_eq!(d.language, Some("node"));
        assert_eq!(d.ci, Some("github"));
        assert_eq!(d.database, Some("postgres"));
        assert_eq!(d.cloud, Some("aws"));
        assert_eq!(d.ci_files, [".github/workflows/test.yml"]);
    }

    #[test]
    fn compose_images_terraform_and_gitlab() {
        let dir = repo(&[
            ("go.mod", "module x\n"),
            (".gitlab-ci.yml", "test: {script: [go test]}"),
            ("compose.yaml", "services:\n  db:\n    image: mariadb:11\n"),
            ("infra/main.tf", "provider \"google\" {}\n"),
        ]);
        let d = detect(dir.path());
        assert_eq!(
            (d.language, d.ci, d.database, d.cloud),
            (Some("go"), Some("gitlab"), Some("mysql"), Some("gcp"))
        );
    }

    #[test]
    fn a_monorepo_package_names_the_language_and_ignored_trees_are_skipped() {
        let dir = repo(&[
            (".gitignore", "vendor/\n"),
            (
                "services/api/pyproject.toml",
                "[project]\ndependencies = [\"psycopg\"]\n",
            ),
            (
                "vendor/x/package.json",
                r#"{"dependencies": {"mysql2": "1"}}"#,
            ),
        ]);
        std::process::Command::new("git")
            .args(["init", "-q"])
            .current_dir(dir.path())
            .status()
            .unwrap();
        let d = detect(dir.path());
        assert_eq!((d.language, d.database), (Some("python"), Some("postgres")));
    }

    #[test]
    fn a_workspace_lists_every_language_containers_and_opentofu() {
        let dir = repo(&[
            ("Cargo.toml", "[workspace]\nmembers = [\"crates/*\"]\n"),
            (
                "crates/api/Cargo.toml",
                "[dependencies]\nsqlx = { version = \"0.8\", features = [\"postgres\"] }\n",
            ),
            ("packages/web/package.json", "{}"),
            ("tools/py/requirements-dev.txt", "pytest\n"),
            ("deploy/api.Dockerfile", "FROM scratch\n"),
            ("infra/main.tofu", "terraform {}\n"),
            ("examples/go/go.mod", "module x\n"),
        ]);
        let d = detect(dir.path());
        assert_eq!(d.language, Some("rust"));
        assert_eq!(
            d.languages,
            ["rust", "node", "python"],
            "examples/ is a sample"
        );
        assert_eq!(d.database, Some("postgres"));
        assert!(d.container);
        assert_eq!(d.iac, Some("terraform"));
        assert_eq!((d.ci, d.cloud), (None, None));
    }
}
