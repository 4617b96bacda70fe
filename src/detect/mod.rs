//! Reads the repo to guess the stack: languages, CI host, database, cloud, containers and
//! infrastructure as code. Read-only; it works from one `Scan` of the repo (`.gitignore` honoured).

#[cfg(test)]
use std::path::Path;

use crate::assess::scan::{self, Scan};

pub(crate) mod branch;
pub(crate) mod gitlab;
pub(crate) mod projects;
mod stacks;

pub(crate) use projects::Project;

/// What the repo already shows. `None` means nothing was found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Detected {
    /// The main language: named by a root file, else by the shallowest package.
    pub(crate) language: Option<&'static str>,
    /// Every language found, in the order of `LANGUAGES` (monorepos have several).
    pub(crate) languages: Vec<&'static str>,
    pub(crate) ci: Option<&'static str>,
    /// `postgres`, `mysql` or `sqlite`, from drivers, ORM schemas and settings, compose and infrastructure code.
    pub(crate) database: Option<&'static str>,
    /// The database image the repo runs, as written: `postgres:16-alpine`. The team's compose file
    /// (`compose_file`) comes first, then any compose or CI file, shallowest first.
    pub(crate) database_image: Option<String>,
    /// The team's compose file at the root, the one `docker compose` picks without `-f`; a file
    /// scaffold wrote does not count.
    pub(crate) compose_file: Option<String>,
    pub(crate) cloud: Option<&'static str>,
    /// What made the cloud count: `path: marker`.
    pub(crate) cloud_evidence: Option<String>,
    /// A Dockerfile (or Containerfile) or a compose file.
    pub(crate) container: bool,
    /// A Dockerfile or Containerfile at the root (Dependabot's `docker` ecosystem reads it).
    pub(crate) root_dockerfile: bool,
    /// `terraform` for Terraform or `OpenTofu` sources.
    pub(crate) iac: Option<&'static str>,
    /// CI files that exist, relative to the root (hand-made unless scaffold recorded them).
    pub(crate) ci_files: Vec<String>,
    /// Stacks found that scaffold does not build yet, as `elixir (mix.exs)`.
    pub(crate) unsupported: Vec<String>,
    /// Every project (a folder with its own manifest), the root's first.
    pub(crate) projects: Vec<Project>,
    /// The default branch (`branch::default_branch`); empty until asked of git.
    pub(crate) default_branch: String,
    /// The error tracking SDK the dependencies name: `sentry` or `opentelemetry`.
    pub(crate) error_tracking: Option<&'static str>,
}

/// Error tracking SDKs, as named in manifests, checked in this order: a vendor SDK the team chose
/// wins over OpenTelemetry, which may only be there for traces.
const ERROR_TRACKING_MARKERS: [(&str, &str); 5] = [
    ("@sentry/", "sentry"),
    ("sentry-sdk", "sentry"),
    ("getsentry/sentry-go", "sentry"),
    ("sentry", "sentry"),
    ("opentelemetry", "opentelemetry"),
];

/// Compose's file names, in the order it picks one when given no `-f` (compose-go's
/// `DefaultFileNames`).
const COMPOSE_FILES: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
];

/// The languages scaffold knows, in the order they are listed.
const LANGUAGES: [&str; 7] = ["rust", "node", "python", "go", "ruby", "jvm", "php"];

/// Files that name the language, in the order of preference when several are present.
const LANGUAGE_FILES: [(&str, &str); 11] = [
    ("Cargo.toml", "rust"),
    ("go.mod", "go"),
    ("Gemfile", "ruby"),
    ("pom.xml", "jvm"),
    ("build.gradle", "jvm"),
    ("build.gradle.kts", "jvm"),
    ("composer.json", "php"),
    ("package.json", "node"),
    ("pyproject.toml", "python"),
    ("requirements.txt", "python"),
    ("setup.py", "python"),
];

/// Manifests of stacks scaffold sees but does not build yet.
const UNSUPPORTED_MANIFESTS: [(&str, &str); 2] = [("mix.exs", "elixir"), ("global.json", "dotnet")];

/// Markers of a database driver, ORM setting or image, searched in dependency, schema, settings
/// and compose files (lowercased).
const DATABASE_MARKERS: [(&str, &str); 25] = [
    ("provider = \"postgresql\"", "postgres"),
    ("provider = \"mysql\"", "mysql"),
    ("provider = \"sqlite\"", "sqlite"),
    ("dialect: \"postgresql\"", "postgres"),
    ("dialect: 'postgresql'", "postgres"),
    ("dialect: \"mysql\"", "mysql"),
    ("dialect: \"sqlite\"", "sqlite"),
    ("django.db.backends.sqlite3", "sqlite"),
    ("adapter: sqlite3", "sqlite"),
    ("adapter: mysql2", "mysql"),
    ("adapter: trilogy", "mysql"),
    ("sqlite", "sqlite"),
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

/// Markers of a cloud in Terraform files and direct SDK dependencies (lowercased).
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

/// What the templates see of the repo as `repo.*`: its projects (or, with none yet, the one the
/// answered language expects at the root), the default branch, the database image it runs, and
/// its own compose file, and the team's own `.gitlab-ci.yml` (`gitlab_ci`; none here: `lay` reads
/// the file itself).
pub(crate) fn template_context(detected: &Detected, language: Option<&str>) -> serde_json::Value {
    let projects: Vec<serde_json::Value> = if detected.projects.is_empty() {
        language
            .and_then(Project::expected)
            .map(|p| p.context(true))
            .into_iter()
            .collect()
    } else {
        detected.projects.iter().map(|p| p.context(false)).collect()
    };
    serde_json::json!({
        "projects": projects,
        "default_branch": if detected.default_branch.is_empty() { "main" } else { &detected.default_branch },
        "database_image": detected.database_image,
        "database_version": detected.database_image.as_deref().and_then(image_version),
        "compose_file": detected.compose_file,
        "dockerfile": detected.root_dockerfile,
        // The team's compose file only: one scaffold writes in the same run is not there yet, and
        // counting it later would make a rerun write something else.
        "compose": detected.compose_file.is_some(),
        "gitlab_ci": gitlab::TeamPipeline::default().context(),
        "error_tracking": detected.error_tracking,
    })
}

/// The database the templates describe, as `db.*`: for the answered `database` (`postgres` or
/// `mysql`), the engine and major version the repo runs when its image is of that kind (`postgres`
/// or `postgis`; `mysql` or `mariadb`), else the answer at `shared.versions`. `null` without a
/// database. `image` is the engine's official image at that version, with its client tools.
pub(crate) fn database_context(
    database: &str,
    repo_image: Option<&str>,
    shared: &serde_json::Value,
) -> serde_json::Value {
    let kinds: &[&str] = match database {
        "postgres" => &["postgres", "postgis"],
        "mysql" => &["mysql", "mariadb"],
        _ => return serde_json::Value::Null,
    };
    let from_repo = repo_image.and_then(|image| {
        let engine = image_engine(image)?;
        let engine = if engine == "postgis" {
            "postgres"
        } else {
            engine
        };
        kinds
            .contains(&engine)
            .then_some((engine, image_version(image)?))
    });
    let (engine, version) = match &from_repo {
        Some((engine, version)) => (*engine, Some(version.clone())),
        None => (
            database,
            shared["versions"][database].as_str().map(str::to_owned),
        ),
    };
    let mut db = serde_json::json!({
        "engine": engine,
        "label": match engine {
            "postgres" => "PostgreSQL",
            "mariadb" => "MariaDB",
            _ => "MySQL",
        },
    });
    // Without a version the key stays undefined, so a template using it fails (strict mode)
    // instead of writing an empty version.
    if let Some(version) = version {
        let major: Option<u64> = version.split('.').next().and_then(|m| m.parse().ok());
        db["image"] = format!("{engine}:{version}").into();
        db["major"] = major.into();
        db["version"] = version.into();
    }
    db
}

/// The engine an image runs, from its name: `docker.io/library/postgres:16` gives `postgres`.
fn image_engine(image: &str) -> Option<&str> {
    let (name, _tag) = image.split_once(':')?;
    name.rsplit('/').next()
}

/// Looks at `root`, honouring `.gitignore` so vendored and build trees are not read.
#[cfg(test)]
pub(crate) fn detect(root: &Path) -> Detected {
    from_scan(&Scan::walk(root), &|_| false)
}

/// The stack, from a scan already made. `ours` tells the files scaffold wrote (recorded in its
/// state): its own compose file is not the team's.
pub(crate) fn from_scan(scan: &Scan, ours: &dyn Fn(&str) -> bool) -> Detected {
    let mut found = Detected::default();
    (found.compose_file, found.database_image) = team_compose(scan, ours);
    found.root_dockerfile = scan.has("Dockerfile") || scan.has("Containerfile");
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
        if let Some((manifest, stack)) = UNSUPPORTED_MANIFESTS.iter().find(|(m, _)| *m == name) {
            let seen = format!("{stack} ({manifest})");
            if !found.unsupported.contains(&seen) {
                found.unsupported.push(seen);
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
        let is_schema = matches!(name, "schema.prisma" | "settings.py" | "database.yml")
            || name.starts_with("drizzle.config.");
        if found.database.is_none() && (is_dependency || is_iac || is_compose || is_schema) {
            found.database = first_marker(&direct_lines(text), &DATABASE_MARKERS);
        }
        if is_dependency {
            let lower = text.to_ascii_lowercase();
            let marker = ERROR_TRACKING_MARKERS
                .iter()
                .find(|(m, _)| lower.contains(m))
                .map(|(_, v)| *v);
            if marker == Some("sentry") || found.error_tracking.is_none() {
                found.error_tracking = marker.or(found.error_tracking);
            }
        }
        if found.database_image.is_none() && (is_compose || scan::is_ci(path)) {
            found.database_image = database_image(text);
        }
        if found.cloud.is_none() && (is_iac || is_dependency) {
            let direct = direct_lines(text);
            found.cloud = first_marker(&direct, &CLOUD_MARKERS);
            found.cloud_evidence = CLOUD_MARKERS
                .iter()
                .find(|(marker, value)| Some(*value) == found.cloud && direct.contains(marker))
                .map(|(marker, _)| format!("{path}: {marker}"));
        }
    }
    found.projects = projects::find(scan);
    found.languages = LANGUAGES
        .into_iter()
        .filter(|l| languages.contains(l))
        .collect();
    found
}

/// The team's compose file at the root, the one `docker compose` picks (scaffold's own left out),
/// and the database image it runs: local parity is checked against that file.
fn team_compose(scan: &Scan, ours: &dyn Fn(&str) -> bool) -> (Option<String>, Option<String>) {
    let Some(file) = COMPOSE_FILES.iter().find(|f| scan.has(f) && !ours(f)) else {
        return (None, None);
    };
    let image = scan.text(file).and_then(database_image);
    (Some((*file).to_owned()), image)
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

/// The lines of a dependency or configuration file that say something: no comments, and none of
/// Go's `// indirect` requirements (a dependency of a dependency is not a choice of this repo).
fn direct_lines(text: &str) -> String {
    text.lines()
        .filter(|line| {
            let t = line.trim_start();
            !(t.starts_with('#') || t.starts_with("//") || t.ends_with("// indirect"))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The first database image of a compose or CI file: `image: postgres:16-alpine`, or a GitLab
/// service (`- name: postgres:16`, `- postgres:16`).
fn database_image(text: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let line = line.trim();
        let item = line.strip_prefix("- ").map(str::trim_start);
        let value = ["image:", "name:"]
            .iter()
            .find_map(|key| item.unwrap_or(line).strip_prefix(key))
            .or(item)?;
        let value = value.split(" #").next().unwrap_or(value).trim();
        let value = value.trim_matches(|c| c == '"' || c == '\'');
        if value.contains(char::is_whitespace) {
            return None;
        }
        let (name, tag) = value.split_once(':')?;
        let engine = name.rsplit('/').next()?;
        let known = matches!(engine, "postgres" | "mysql" | "mariadb" | "postgis");
        (known && tag.starts_with(|c: char| c.is_ascii_digit())).then(|| value.to_owned())
    })
}

/// The major version of a database image tag: `postgres:16.2-alpine` gives `16`, `mysql:8.0`
/// gives `8.0` (the release series of `MySQL`), `mariadb:11.4` gives `11.4`.
pub(crate) fn image_version(image: &str) -> Option<String> {
    let (name, tag) = image.split_once(':')?;
    let numeric: String = tag
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let mut parts = numeric.split('.').filter(|p| !p.is_empty());
    let major = parts.next()?;
    if name.ends_with("postgres") || name.ends_with("postgis") {
        return Some(major.to_owned());
    }
    Some(match parts.next() {
        Some(minor) => format!("{major}.{minor}"),
        None => major.to_owned(),
    })
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
    fn orm_schemas_name_the_database_and_images_their_version() {
        let prisma = repo(&[(
            "prisma/schema.prisma",
            "generator client {\n  provider = \"prisma-client-js\"\n}\ndatasource db {\n  provider = \"sqlite\"\n}\n",
        )]);
        assert_eq!(detect(prisma.path()).database, Some("sqlite"));
        let django = repo(&[(
            "app/settings.py",
            "DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql'}}\n",
        )]);
        assert_eq!(detect(django.path()).database, Some("postgres"));
        let rails = repo(&[(
            "config/database.yml",
            "default: &default\n  adapter: sqlite3\n",
        )]);
        assert_eq!(detect(rails.path()).database, Some("sqlite"));
        let compose = repo(&[(
            "docker-compose.yml",
            "services:\n  db:\n    image: \"postgres:18-alpine\"\n",
        )]);
        let d = detect(compose.path());
        assert_eq!(d.database_image.as_deref(), Some("postgres:18-alpine"));
        for (line, image) in [
            ("    image: postgres:16 # pinned", Some("postgres:16")),
            ("  - name: postgres:15-alpine", Some("postgres:15-alpine")),
            ("  - \"mariadb:10.11\"", Some("mariadb:10.11")),
            ("    name: mysql:8 setup", None),
            ("  - psql -h postgres:5432", None),
        ] {
            assert_eq!(database_image(line).as_deref(), image, "{line}");
        }
        assert_eq!(image_version("postgres:18-alpine").as_deref(), Some("18"));
        assert_eq!(image_version("mysql:8.0.39").as_deref(), Some("8.0"));
        assert_eq!(image_version("mariadb:11").as_deref(), Some("11"));
    }

    #[test]
    fn the_team_compose_file_is_the_one_compose_picks_and_its_database_comes_first() {
        let db = |image: &str| format!("services:\n  db:\n    image: {image}\n");
        let scan = Scan::from_files(&[
            (".gitlab-ci.yml", "migrate:\n  image: postgres:15\n"),
            ("docker-compose.yaml", &db("postgres:14")),
            ("docker-compose.yml", &db("postgres:16-alpine")),
        ]);
        let d = from_scan(&scan, &|_| false);
        assert_eq!(d.compose_file.as_deref(), Some("docker-compose.yml"));
        assert_eq!(d.database_image.as_deref(), Some("postgres:16-alpine"));

        // The compose.yaml scaffold wrote beside the team's file is not the team's.
        let scan = Scan::from_files(&[
            ("compose.yaml", &db("postgres:17")),
            ("compose.yml", &db("mariadb:11")),
        ]);
        let d = from_scan(&scan, &|path| path == "compose.yaml");
        assert_eq!(d.compose_file.as_deref(), Some("compose.yml"));
        assert_eq!(d.database_image.as_deref(), Some("mariadb:11"));
        let context = template_context(&d, None);
        assert_eq!(context["compose_file"], "compose.yml");
        assert_eq!(context["database_version"], "11");

        // Only a root file is the one `docker compose` picks; a nested one still names the image.
        let scan = Scan::from_files(&[("deploy/docker-compose.yml", &db("mysql:8.0"))]);
        let d = from_scan(&scan, &|_| false);
        assert_eq!(d.compose_file, None);
        assert_eq!(d.database_image.as_deref(), Some("mysql:8.0"));
        assert!(template_context(&d, None)["compose_file"].is_null());
    }

    #[test]
    fn the_database_of_the_templates_is_the_repos_when_it_is_of_the_answered_kind() {
        let shared = serde_json::json!({ "versions": { "postgres": "17", "mysql": "8.4" } });
        let db = |answer: &str, image: Option<&str>| {
            let db = database_context(answer, image, &shared);
            (
                db["engine"].clone(),
                db["version"].clone(),
                db["image"].clone(),
            )
        };
        let is = |engine: &str, version: &str, image: &str| {
            (engine.into(), version.into(), image.into())
        };
        assert_eq!(
            db("postgres", Some("postgres:18-alpine")),
            is("postgres", "18", "postgres:18")
        );
        assert_eq!(
            db("postgres", Some("postgis/postgis:16-3.4")),
            is("postgres", "16", "postgres:16")
        );
        assert_eq!(
            db("mysql", Some("mariadb:11")),
            is("mariadb", "11", "mariadb:11")
        );
        assert_eq!(
            db("mysql", Some("docker.io/library/mysql:8.0.39")),
            is("mysql", "8.0", "mysql:8.0")
        );
        // Another kind than the answer, or no image: the answer at scaffold's default version.
        assert_eq!(
            db("postgres", Some("mariadb:11")),
            is("postgres", "17", "postgres:17")
        );
        assert_eq!(db("mysql", None), is("mysql", "8.4", "mysql:8.4"));
        assert!(database_context("none", Some("postgres:16"), &shared).is_null());

        let full = database_context("mysql", Some("mariadb:11.4"), &shared);
        assert_eq!(
            full,
            serde_json::json!({ "engine": "mariadb", "label": "MariaDB",
                "image": "mariadb:11.4", "major": 11, "version": "11.4" })
        );
        // No version known: none is made up (a template using it fails in strict mode).
        let bare = database_context("postgres", None, &serde_json::json!({}));
        assert!(bare.get("version").is_none() && bare.get("image").is_none());
    }

    #[test]
    fn only_a_direct_dependency_makes_a_cloud() {
        let indirect = repo(&[(
            "go.mod",
            "module x\n\nrequire (\n\tcloud.google.com/go v0.110.0 // indirect\n)\n",
        )]);
        assert_eq!(detect(indirect.path()).cloud, None);
        let commented = repo(&[("requirements.txt", "# boto3 later, maybe\nflask\n")]);
        assert_eq!(detect(commented.path()).cloud, None);
        let direct = repo(&[("requirements.txt", "flask\nboto3==1.34\n")]);
        let d = detect(direct.path());
        assert_eq!(d.cloud, Some("aws"));
        assert_eq!(d.cloud_evidence.as_deref(), Some("requirements.txt: boto3"));
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
