//! The `staging-parity` blueprint's check, for real: renders the blueprint with the engine binary and
//! runs the generated `ops/parity/check-parity.sh` on the generated files (parity holds) and on broken
//! copies of them (a missing key, an extra key, another database major version or engine, a secret
//! value, a drifted compose.yaml). Each broken copy must fail and name the key and the environment.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::support::{Repo, Run};

/// Renders `staging-parity` the way a series-a team on GitHub and AWS would get it.
fn render(database: &str) -> Repo {
    let repo = Repo::new();
    let database = format!("database={database}");
    repo.scaffold(&[
        "init",
        "--yes",
        "--only",
        "staging-parity",
        "--set",
        "project_name=demo",
        "--set",
        "stage=series-a",
        "--set",
        "ci=github",
        "--set",
        "language=node",
        "--set",
        "cloud=aws",
        "--set",
        &database,
    ])
    .success();
    repo
}

/// A copy of a rendered tree (without `.scaffold/`), to break without touching the original.
fn copy_of(src: &Repo) -> Repo {
    let copy = Repo::new();
    copy_tree(src.path(), copy.path());
    copy
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create dir");
    for entry in fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("dir entry");
        let name = entry.file_name();
        if name == ".scaffold" {
            continue;
        }
        let target = to.join(&name);
        if entry.file_type().expect("file type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

fn env_file(tree: &Repo, env: &str) -> PathBuf {
    tree.path()
        .join("config/environments")
        .join(format!("{env}.env"))
}

/// The value of `key` in an environment file.
fn value_of(tree: &Repo, env: &str, key: &str) -> String {
    let text = fs::read_to_string(env_file(tree, env)).expect("read env file");
    let prefix = format!("{key}=");
    text.lines()
        .find_map(|line| line.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("{env}.env has no {key}"))
        .to_owned()
}

/// Rewrites an environment file: the line of `key` becomes `replacement` (or goes, when `None`).
fn edit(tree: &Repo, env: &str, key: &str, replacement: Option<&str>) {
    let path = env_file(tree, env);
    let text = fs::read_to_string(&path).expect("read env file");
    let prefix = format!("{key}=");
    assert!(
        text.lines().any(|line| line.starts_with(&prefix)),
        "{env}.env has no {key}"
    );
    let mut out = String::new();
    for line in text.lines() {
        if line.starts_with(&prefix) {
            if let Some(new) = replacement {
                out.push_str(new);
                out.push('\n');
            }
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    fs::write(&path, out).expect("write env file");
}

fn append(tree: &Repo, env: &str, line: &str) {
    let path = env_file(tree, env);
    let mut text = fs::read_to_string(&path).expect("read env file");
    text.push_str(line);
    text.push('\n');
    fs::write(&path, text).expect("write env file");
}

/// Runs the generated check from the tree's root, with optional arguments.
fn check_with(tree: &Repo, args: &[&str]) -> Run {
    Command::new("bash")
        .arg("ops/parity/check-parity.sh")
        .args(args)
        .current_dir(tree.path())
        .stdin(Stdio::null())
        .output()
        .expect("run bash")
        .into()
}

fn check(tree: &Repo) -> Run {
    check_with(tree, &[])
}

/// Another major version than `version`, for the broken copies.
fn other_version(version: &str) -> &'static str {
    if version == "16" { "15" } else { "16" }
}

#[test]
fn generated_environments_are_at_parity_for_every_database() {
    for database in ["postgres", "mysql", "none"] {
        let tree = render(database);
        let run = check(&tree);
        run.success()
            .says("parity OK: production, staging")
            .never_says("missing key")
            .never_says("extra key");
        if database == "none" {
            assert!(
                !tree.path().join("compose.yaml").exists(),
                "no database, no compose.yaml"
            );
            assert!(
                !fs::read_to_string(env_file(&tree, "staging"))
                    .expect("staging.env")
                    .contains("DATABASE_"),
                "no database, no database keys"
            );
        } else {
            run.says("compose.yaml runs the same engines and versions");
            assert_eq!(value_of(&tree, "staging", "DATABASE_ENGINE"), database);
            assert_eq!(
                value_of(&tree, "staging", "DATABASE_VERSION"),
                value_of(&tree, "production", "DATABASE_VERSION")
            );
        }
    }
}

#[test]
fn the_script_is_executable_and_takes_the_config_dir_as_an_argument() {
    let tree = render("postgres");
    let script = tree.path().join("ops/parity/check-parity.sh");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&script).expect("script").permissions().mode();
        assert_eq!(mode & 0o111, 0o111, "check-parity.sh is executable");
    }
    let dir = tree.path().join("config/environments");
    check_with(&tree, &[dir.to_str().expect("utf-8 path")]).success();

    let broken = copy_of(&tree);
    append(&broken, "staging", "ONLY_HERE=1");
    let dir = broken.path().join("config/environments");
    // The original tree's script, pointed at the broken copy's directory.
    check_with(&tree, &[dir.to_str().expect("utf-8 path")])
        .code(1)
        .says("staging: extra key ONLY_HERE");

    check_with(&tree, &["/nonexistent/config"]).code(2);
}

#[test]
fn a_missing_key_is_named_with_its_environment() {
    let tree = copy_of(&render("postgres"));
    edit(&tree, "staging", "LOG_LEVEL", None);
    check(&tree)
        .code(1)
        .says("staging: missing key LOG_LEVEL")
        .never_says("production: missing key");
}

#[test]
fn an_extra_key_is_named_with_its_environment() {
    let tree = copy_of(&render("postgres"));
    append(&tree, "production", "FEATURE_NEW_CHECKOUT=true");
    check(&tree)
        .code(1)
        .says("production: extra key FEATURE_NEW_CHECKOUT")
        .never_says("staging: extra key");
}

#[test]
fn another_database_major_version_is_a_mismatch() {
    let tree = copy_of(&render("postgres"));
    let version = value_of(&tree, "staging", "DATABASE_VERSION");
    let other = other_version(&version);
    edit(
        &tree,
        "production",
        "DATABASE_VERSION",
        Some(&format!("DATABASE_VERSION={other}")),
    );
    check(&tree)
        .code(1)
        .says("mismatch DATABASE_VERSION")
        .says(&format!("production={other}"))
        .says(&format!("staging={version}"))
        // compose.yaml runs staging's version, so production's is not run locally either.
        .says(&format!(
            "compose.yaml: no postgres image of version {other} (production:"
        ));
}

#[test]
fn another_database_engine_is_a_mismatch() {
    let tree = copy_of(&render("postgres"));
    edit(
        &tree,
        "production",
        "DATABASE_ENGINE",
        Some("DATABASE_ENGINE=mysql"),
    );
    check(&tree)
        .code(1)
        .says("mismatch DATABASE_ENGINE")
        .says("production=mysql")
        .says("staging=postgres")
        .says("compose.yaml: no mysql image");
}

#[test]
fn every_problem_is_reported_in_one_run() {
    let tree = copy_of(&render("mysql"));
    edit(&tree, "production", "LOG_FORMAT", None);
    edit(&tree, "staging", "APP_SECRETS", None);
    append(&tree, "staging", "DEBUG_TOOLBAR=1");
    edit(&tree, "staging", "LOG_LEVEL", Some("LOG_LEVEL=debug"));
    check(&tree)
        .code(1)
        .says("production: missing key LOG_FORMAT")
        .says("staging: missing key APP_SECRETS")
        .says("staging: extra key DEBUG_TOOLBAR")
        .says("mismatch LOG_LEVEL: production=info staging=debug")
        .says("4 problem(s)");
}

#[test]
fn declared_differences_may_differ() {
    let tree = copy_of(&render("postgres"));
    edit(&tree, "production", "APP_REPLICAS", Some("APP_REPLICAS=12"));
    edit(
        &tree,
        "production",
        "DATABASE_INSTANCE_CLASS",
        Some("DATABASE_INSTANCE_CLASS=db.r7g.4xlarge"),
    );
    edit(&tree, "staging", "APP_MEMORY_MB", Some("APP_MEMORY_MB=256"));
    check(&tree).success();
}

#[test]
fn a_secret_key_must_name_a_sops_file_of_its_own_environment_never_hold_a_value() {
    let tree = copy_of(&render("postgres"));
    edit(
        &tree,
        "production",
        "DATABASE_URL_SECRET",
        Some("DATABASE_URL_SECRET=postgres://app:hunter2@db.internal/app"),
    );
    edit(
        &tree,
        "staging",
        "APP_SECRETS",
        Some("APP_SECRETS=sops:secrets/production/app.env"),
    );
    check(&tree)
        .code(1)
        .says("production: DATABASE_URL_SECRET must name a secret")
        .says("staging: APP_SECRETS must name a secret (sops:secrets/staging/")
        .never_says("hunter2");
}

#[test]
fn compose_must_run_the_environments_engine_and_major_version() {
    let tree = copy_of(&render("postgres"));
    let version = value_of(&tree, "staging", "DATABASE_VERSION");
    let other = other_version(&version);
    let compose = tree.path().join("compose.yaml");
    let text = fs::read_to_string(&compose).expect("compose.yaml");
    let drifted = text.replace(
        &format!("image: postgres:{version}"),
        &format!("image: postgres:{other}-alpine"),
    );
    assert_ne!(text, drifted, "compose.yaml names postgres:{version}");
    fs::write(&compose, drifted).expect("write compose.yaml");
    check(&tree)
        .code(1)
        .says(&format!(
            "compose.yaml: no postgres image of version {version}"
        ))
        .says(&format!("found: postgres:{other}-alpine"));
}

#[test]
fn environment_files_are_read_as_text_never_run() {
    let tree = copy_of(&render("none"));
    let marker = tree.path().join("pwned");
    let line = format!("$(touch {}) `touch {}`", marker.display(), marker.display());
    append(&tree, "staging", &line);
    edit(
        &tree,
        "production",
        "LOG_LEVEL",
        Some(&format!("LOG_LEVEL=$(touch {})", marker.display())),
    );
    check(&tree)
        .code(1)
        .says("staging: line")
        .says("not a KEY=VALUE line")
        .says("mismatch LOG_LEVEL");
    assert!(!marker.exists(), "the check ran a command from an env file");
}

// --- A team's own compose file ---------------------------------------------------------------------

/// The files `docker compose` reads by itself in a folder (compose-go's default and override names).
const COMPOSE_DEFAULTS: [&str; 8] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
    "compose.override.yml",
    "compose.override.yaml",
    "docker-compose.override.yml",
    "docker-compose.override.yaml",
];

/// A Node shop whose `docker-compose.yml` runs the API and `postgres:16-alpine`.
const SHOP_DOCKER_COMPOSE: &str = r#"# Local stack: `docker compose up`, then http://localhost:3000
services:
  api:
    build: .
    ports:
      - "3000:3000"
    environment:
      DATABASE_URL: postgres://shop:shop@db:5432/shop
    depends_on:
      db:
        condition: service_healthy
  db:
    image: postgres:16-alpine
    environment:
      POSTGRES_USER: shop
      POSTGRES_PASSWORD: shop
      POSTGRES_DB: shop
    volumes:
      - pgdata:/var/lib/postgresql/data
    healthcheck:
      test: ["CMD-SHELL", "pg_isready -U shop -d shop"]
      interval: 5s
volumes:
  pgdata:
"#;

/// A Django app whose `compose.yml` runs the web process and `mariadb:11`.
const BLOG_COMPOSE: &str = r#"services:
  web:
    build: .
    command: python manage.py runserver 0.0.0.0:8000
    ports:
      - "8000:8000"
    depends_on: [mariadb]
  mariadb:
    image: "mariadb:11"
    environment:
      MARIADB_DATABASE: blog
      MARIADB_USER: blog
      MARIADB_PASSWORD: blog
      MARIADB_RANDOM_ROOT_PASSWORD: "1"
    volumes:
      - mariadb:/var/lib/mysql
volumes:
  mariadb:
"#;

fn shop() -> Repo {
    let repo = Repo::new();
    repo.write(
        "package.json",
        r#"{"name": "shop", "scripts": {"test": "node --test"}, "dependencies": {"pg": "^8.11.0"}}"#,
    )
    .write("docker-compose.yml", SHOP_DOCKER_COMPOSE);
    repo
}

fn blog() -> Repo {
    let repo = Repo::new();
    repo.write(
        "pyproject.toml",
        "[project]\nname = \"blog\"\ndependencies = [\"django>=5\", \"mysqlclient>=2.2\"]\n",
    )
    .write("compose.yml", BLOG_COMPOSE);
    repo
}

/// `scaffold init` at series-a with staging parity and backups; language and database are detected.
fn lay_series_a(repo: &Repo, ci: &str) -> Run {
    let ci = format!("ci={ci}");
    repo.scaffold(&[
        "init",
        "--yes",
        "--only",
        "staging-parity,backup-restore",
        "--set",
        "stage=series-a",
        "--set",
        &ci,
        "--set",
        "cloud=aws",
        // backup-restore's bucket identities trust this repository's CI jobs only.
        "--set",
        "repository=acme/shop",
    ])
}

/// The compose files `docker compose up` would read in the repo's root.
fn compose_files(repo: &Repo) -> Vec<&'static str> {
    COMPOSE_DEFAULTS
        .into_iter()
        .filter(|f| repo.exists(f))
        .collect()
}

/// Runs the parity check exactly as the generated CI job does (its `run:` or `script:` line).
fn check_as_ci(repo: &Repo) -> Run {
    let (job, prefix) = if repo.exists(".github/workflows/parity.yml") {
        (".github/workflows/parity.yml", "run: bash ")
    } else {
        (".gitlab/ci/parity.gitlab-ci.yml", "- bash ")
    };
    let text = repo.read(job);
    let command = text
        .lines()
        .find_map(|l| l.trim().strip_prefix(prefix))
        .unwrap_or_else(|| panic!("{job} runs no check:\n{text}"));
    let args: Vec<&str> = command.split_whitespace().collect();
    assert_eq!(args[0], "ops/parity/check-parity.sh", "{job}: {command}");
    check_with(repo, &args[1..])
}

/// The image of the restore drill's job: the `image:` (GitHub) or `name:` (GitLab) line, after
/// the line that opens the job (a cloud's fetch job, before it, runs a cloud CLI image).
fn drill_image(repo: &Repo) -> String {
    let (job, key, opens) = if repo.exists(".github/workflows/restore-drill.yml") {
        (".github/workflows/restore-drill.yml", "image: ", "  drill:")
    } else {
        (
            ".gitlab/ci/restore-drill.gitlab-ci.yml",
            "name: ",
            "restore-drill:",
        )
    };
    repo.read(job)
        .lines()
        .skip_while(|l| *l != opens)
        .find_map(|l| l.trim().strip_prefix(key).map(str::to_owned))
        .unwrap_or_else(|| panic!("{job} names no image"))
}

#[test]
fn a_team_docker_compose_yml_with_postgres_16_stays_the_one_compose_runs() {
    let repo = shop();
    lay_series_a(&repo, "github")
        .success()
        .never_says("compose.yaml")
        .says("keeps your own `docker-compose.yml`");

    assert_eq!(compose_files(&repo), ["docker-compose.yml"]);
    assert_eq!(repo.read("docker-compose.yml"), SHOP_DOCKER_COMPOSE);
    check_as_ci(&repo)
        .success()
        .says("docker-compose.yml runs the same engines and versions");
    check(&repo)
        .success()
        .says("docker-compose.yml runs the same");
    for env in ["staging", "production"] {
        assert_eq!(value_of(&repo, env, "DATABASE_ENGINE"), "postgres");
        assert_eq!(value_of(&repo, env, "DATABASE_VERSION"), "16");
    }
    assert_eq!(drill_image(&repo), "postgres:16");
    let adr = repo.read("docs/adr/0001-staging-parity.md");
    assert!(adr.contains("the team's `docker-compose.yml`"), "{adr}");
    assert!(adr.contains("PostgreSQL 16"), "{adr}");
    assert!(
        repo.read("docs/runbooks/backup-restore.md")
            .contains("PostgreSQL 16 database")
    );

    // A second run finds its own files and the team's compose file as they were.
    lay_series_a(&repo, "github")
        .success()
        .says("nothing to do");
}

#[test]
fn a_team_compose_yml_with_mariadb_11_is_checked_and_drilled_as_mariadb() {
    let repo = blog();
    lay_series_a(&repo, "gitlab")
        .success()
        .never_says("compose.yaml");

    assert_eq!(compose_files(&repo), ["compose.yml"]);
    assert_eq!(repo.read("compose.yml"), BLOG_COMPOSE);
    check_as_ci(&repo)
        .success()
        .says("compose.yml runs the same engines and versions");
    for env in ["staging", "production"] {
        assert_eq!(value_of(&repo, env, "DATABASE_ENGINE"), "mariadb");
        assert_eq!(value_of(&repo, env, "DATABASE_VERSION"), "11");
    }
    assert_eq!(drill_image(&repo), "mariadb:11");
    // The drill image has MariaDB's client tools only (no mysql* names in MariaDB 11 images).
    assert!(
        repo.read("ops/backup/lib.sh")
            .contains("MYSQLDUMP_BIN=$(command -v mariadb-dump || command -v mysqldump)")
    );
    assert!(
        repo.read("docs/runbooks/backup-restore.md")
            .contains("MariaDB 11 database")
    );
}

#[test]
fn the_check_reads_the_team_file_and_an_upgrade_follows_its_new_major_version() {
    let repo = shop();
    lay_series_a(&repo, "github").success();

    // The team moves its compose file to PostgreSQL 17 and forgets the environments.
    let moved = SHOP_DOCKER_COMPOSE.replace("postgres:16-alpine", "postgres:17-alpine");
    repo.write("docker-compose.yml", &moved);
    check_as_ci(&repo)
        .code(1)
        .says("docker-compose.yml: no postgres image of version 16")
        .says("found: postgres:17-alpine");

    // `scaffold upgrade` carries the version the repo now runs everywhere.
    repo.scaffold(&["upgrade", "--yes"]).success();
    assert_eq!(repo.read("docker-compose.yml"), moved);
    assert_eq!(compose_files(&repo), ["docker-compose.yml"]);
    for env in ["staging", "production"] {
        assert_eq!(value_of(&repo, env, "DATABASE_VERSION"), "17");
    }
    assert_eq!(drill_image(&repo), "postgres:17");
    check_as_ci(&repo).success();
}

#[test]
fn a_compose_yaml_scaffold_wrote_gives_way_to_the_team_file_added_later() {
    let repo = shop();
    std::fs::remove_file(repo.path().join("docker-compose.yml")).expect("remove");
    lay_series_a(&repo, "github").success();
    assert_eq!(compose_files(&repo), ["compose.yaml"]);
    check_as_ci(&repo)
        .success()
        .says("compose.yaml runs the same");
    // Scaffold's own compose.yaml is not mistaken for a team's on the next run.
    lay_series_a(&repo, "github")
        .success()
        .says("nothing to do");

    // The team writes its own docker-compose.yml; `docker compose` would still pick compose.yaml.
    repo.write("docker-compose.yml", SHOP_DOCKER_COMPOSE);
    repo.scaffold(&["upgrade", "--yes"])
        .success()
        .says("compose.yaml");
    assert_eq!(compose_files(&repo), ["docker-compose.yml"]);
    assert_eq!(repo.read("docker-compose.yml"), SHOP_DOCKER_COMPOSE);
    assert_eq!(value_of(&repo, "staging", "DATABASE_VERSION"), "16");
    check_as_ci(&repo)
        .success()
        .says("docker-compose.yml runs the same");
}

#[test]
fn a_team_running_postgis_gets_postgresql_of_that_major_version() {
    let repo = shop();
    let postgis = SHOP_DOCKER_COMPOSE.replace("postgres:16-alpine", "postgis/postgis:16-3.4");
    repo.write("docker-compose.yml", &postgis);
    lay_series_a(&repo, "github").success();
    assert_eq!(value_of(&repo, "staging", "DATABASE_ENGINE"), "postgres");
    assert_eq!(value_of(&repo, "staging", "DATABASE_VERSION"), "16");
    assert_eq!(drill_image(&repo), "postgres:16");
    check_as_ci(&repo)
        .success()
        .says("docker-compose.yml runs the same engines and versions");
}

/// Writes a file of the tree, making its folder.
fn put(tree: &Repo, rel: &str, text: &str) {
    let path = tree.path().join(rel);
    fs::create_dir_all(path.parent().expect("parent")).expect("create dir");
    fs::write(path, text).expect("write file");
}

#[test]
fn the_ci_and_drill_pipelines_run_the_environments_database_version() {
    for (database, engine) in [("postgres", "postgres"), ("mysql", "mysql")] {
        // Generated together, CI, drill and environments agree.
        for ci in ["github", "gitlab"] {
            let tree = Repo::new();
            tree.scaffold(&[
                "init",
                "--yes",
                "--only",
                "ci,backup-restore,staging-parity",
                "--set",
                "stage=series-a",
                "--set",
                &format!("ci={ci}"),
                "--set",
                "language=node",
                "--set",
                "cloud=none",
                "--set",
                &format!("database={database}"),
            ])
            .success();
            check(&tree).success();
        }
        let tree = copy_of(&render(database));
        let version = value_of(&tree, "staging", "DATABASE_VERSION");
        let good = format!("{engine}:{version}");
        put(
            &tree,
            ".github/workflows/ci.yml",
            &format!("jobs:\n  test:\n    services:\n      db:\n        image: {good}\n"),
        );
        put(
            &tree,
            ".gitlab/ci/restore-drill.gitlab-ci.yml",
            &format!(
                "drill:\n  image:\n    name: {good}\n  services:\n    - name: {good}-alpine\n    - {good}\n"
            ),
        );
        check(&tree).success();

        // A major version behind in each kind of pipeline file, each named.
        let old = format!("{engine}:{}", other_version(&version));
        put(
            &tree,
            ".github/workflows/ci.yml",
            &format!("jobs:\n  test:\n    services:\n      db:\n        image: \"{old}\"\n"),
        );
        put(
            &tree,
            ".gitlab/ci/restore-drill.gitlab-ci.yml",
            &format!("drill:\n  services:\n    - name: {old}-alpine\n    - {old}\n"),
        );
        put(&tree, ".gitlab-ci.yml", &format!("test:\n  image: {old}\n"));
        check(&tree)
            .code(1)
            .says(&format!("pipeline .github/workflows/ci.yml: {old} is not version {version}"))
            .says(&format!(
                "pipeline .gitlab/ci/restore-drill.gitlab-ci.yml: {old}-alpine is not version {version}"
            ))
            .says(&format!(
                "pipeline .gitlab/ci/restore-drill.gitlab-ci.yml: {old} is not version {version}"
            ))
            .says(&format!("pipeline .gitlab-ci.yml: {old} is not version {version}"));
    }
}
