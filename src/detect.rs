//! Reads the repo to guess the stack: language, CI host, database and cloud. Read-only.

use std::path::Path;

/// What the repo already shows. `None` means nothing was found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Detected {
    pub(crate) language: Option<&'static str>,
    pub(crate) ci: Option<&'static str>,
    pub(crate) database: Option<&'static str>,
    pub(crate) cloud: Option<&'static str>,
    /// CI files that exist, relative to the root (hand-made unless scaffold recorded them).
    pub(crate) ci_files: Vec<String>,
}

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

const DEPENDENCY_FILES: [&str; 7] = [
    "Cargo.toml",
    "package.json",
    "pyproject.toml",
    "requirements.txt",
    "go.mod",
    "setup.py",
    "Pipfile",
];

fn is_compose(name: &str) -> bool {
    matches!(
        name,
        "compose.yaml" | "compose.yml" | "docker-compose.yml" | "docker-compose.yaml"
    )
}

/// How deep the walk looks for dependency, compose and Terraform files (monorepo packages).
const MAX_DEPTH: usize = 4;

/// Looks at `root`, honouring `.gitignore` so vendored trees are not read.
pub(crate) fn detect(root: &Path) -> Detected {
    let mut found = Detected::default();
    for (file, language) in LANGUAGE_FILES {
        if root.join(file).is_file() {
            found.language = Some(language);
            break;
        }
    }
    found.ci_files = ci_files(root);
    if found.ci_files.iter().any(|f| f.starts_with(".github/")) {
        found.ci = Some("github");
    } else if !found.ci_files.is_empty() {
        found.ci = Some("gitlab");
    }

    let mut nested_language = None;
    let walker = ignore::WalkBuilder::new(root)
        .max_depth(Some(MAX_DEPTH))
        .hidden(true)
        .build();
    for entry in walker.flatten() {
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let name = entry.file_name().to_string_lossy();
        let is_dependency = DEPENDENCY_FILES.contains(&name.as_ref());
        let is_terraform = name.ends_with(".tf");
        if nested_language.is_none() && is_dependency {
            nested_language = LANGUAGE_FILES
                .iter()
                .find(|(f, _)| *f == name)
                .map(|(_, l)| *l);
        }
        if !(is_dependency || is_terraform || is_compose(&name)) {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(entry.path()) else {
            continue;
        };
        let text = text.to_lowercase();
        if found.database.is_none() {
            found.database = first_marker(&text, &DATABASE_MARKERS);
        }
        if found.cloud.is_none() && (is_terraform || is_dependency) {
            found.cloud = first_marker(&text, &CLOUD_MARKERS);
        }
    }
    if found.language.is_none() {
        found.language = nested_language;
    }
    found
}

fn first_marker(text: &str, markers: &[(&str, &'static str)]) -> Option<&'static str> {
    markers
        .iter()
        .filter_map(|(marker, value)| text.find(marker).map(|at| (at, *value)))
        .min_by_key(|(at, _)| *at)
        .map(|(_, value)| value)
}

fn ci_files(root: &Path) -> Vec<String> {
    let mut files = Vec::new();
    if let Ok(entries) = std::fs::read_dir(root.join(".github/workflows")) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let ext = Path::new(&name).extension().unwrap_or_default();
            if ext.eq_ignore_ascii_case("yml") || ext.eq_ignore_ascii_case("yaml") {
                files.push(format!(".github/workflows/{name}"));
            }
        }
    }
    if root.join(".gitlab-ci.yml").is_file() {
        files.push(".gitlab-ci.yml".to_owned());
    }
    files.sort();
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, content) in files {
            let p = dir.path().join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, content).unwrap();
        }
        dir
    }

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
}
