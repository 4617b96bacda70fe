//! The `secrets-rbac` foundation's supply-chain and ownership guarantees, checked for real:
//! - the generated `ops/secrets/check-encrypted.sh` on files that sops and age really encrypted
//!   (through the generated `.sops.yaml`) and on plaintext ones, in every format sops writes;
//! - the CODEOWNERS block matched by `github-codeowners` (GitHub's path rules, an npm package), so a
//!   sensitive path at any depth gets the owner and an ordinary source file does not;
//! - the `.gitignore` block asked of git itself;
//! - the GCP `name_prefix` default checked against the validation rule of its own variable.
//!
//! `tests/setup.sh` installs sops and github-codeowners into `target/tools` and age from Debian; a
//! missing tool fails the test.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::{Repo, git};

/// A test tool: `target/tools/bin/NAME`, else (age) the one on `PATH`.
fn tool(name: &str) -> PathBuf {
    let local = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/tools/bin")
        .join(name);
    if local.is_file() {
        return local;
    }
    let on_path = std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file());
    on_path.unwrap_or_else(|| panic!("`{name}` is missing: run tests/setup.sh"))
}

fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Lays `secrets-rbac` alone: these answers, and for the keys they leave out a GitHub, cloud-less
/// seed-stage set.
fn lay(repo: &Repo, answers: &[&str]) {
    const BASE: [&str; 7] = [
        "project_name=demo",
        "stage=seed",
        "ci=github",
        "language=node",
        "cloud=none",
        "database=none",
        "code_owner=@acme/platform",
    ];
    let key = |set: &str| set.split_once('=').map(|(k, _)| k.to_owned());
    let mut args = vec!["init", "--yes", "--only", "secrets-rbac"];
    let base = BASE
        .iter()
        .filter(|b| !answers.iter().any(|a| key(a) == key(b)));
    for set in base.chain(answers) {
        args.extend(["--set", set]);
    }
    repo.scaffold(&args).success();
}

/// A new age key pair in `dir`: the key file and its public key.
fn age_key(dir: &Path, name: &str) -> (PathBuf, String) {
    let key = dir.join(format!("{name}.agekey"));
    run(Command::new(tool("age-keygen")).arg("-o").arg(&key));
    let public = run(Command::new(tool("age-keygen")).arg("-y").arg(&key)).stdout;
    (key, String::from_utf8(public).unwrap().trim().to_owned())
}

/// One plaintext file per format sops knows, by the extension sops reads it by.
const PLAINTEXTS: [(&str, &str); 5] = [
    ("app.yaml", "database:\n  password: hunter2\n"),
    ("app.json", "{\"database\": {\"password\": \"hunter2\"}}\n"),
    ("app.env", "DATABASE_PASSWORD=hunter2\n"),
    ("app.ini", "[database]\npassword = hunter2\n"),
    (
        "tls.key",
        "-----BEGIN PRIVATE KEY-----\nMIIEvQ\n-----END PRIVATE KEY-----\n",
    ),
];

/// Runs the generated check in the repo: (exit code, stdout, stderr).
fn check(repo: &Repo) -> (i32, String, String) {
    // No host git configuration, and no repository above the temporary one.
    let out = Command::new("bash")
        .arg("ops/secrets/check-encrypted.sh")
        .current_dir(repo.path())
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CEILING_DIRECTORIES", repo.path().parent().unwrap())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_secrets_check_passes_sops_files_and_fails_plaintext_ones() {
    let keys = tempfile::tempdir().unwrap();
    let (_, staging) = age_key(keys.path(), "staging");
    let (_, production) = age_key(keys.path(), "production");
    let repo = Repo::new();
    lay(
        &repo,
        &[
            &format!("age_recipient_staging={staging}"),
            &format!("age_recipient_production={production}"),
        ],
    );
    git(repo.path(), &["init", "-q"]);
    // Encrypted with the generated .sops.yaml's creation rules, as a team would.
    for (name, text) in PLAINTEXTS {
        for env in ["staging", "production"] {
            let path = format!("secrets/{env}/{name}");
            repo.write(&path, text);
            run(Command::new(tool("sops"))
                .args(["encrypt", "--in-place", &path])
                .env("SOPS_DISABLE_VERSION_CHECK", "1")
                .current_dir(repo.path()));
            assert!(!repo.read(&path).contains("hunter2"), "{path} is encrypted");
        }
        repo.write(&format!("secrets/staging/plain-{name}"), text);
    }
    // Metadata without its MAC is not sops' either.
    let encrypted = repo.read("secrets/staging/app.yaml");
    let no_mac = encrypted
        .lines()
        .filter(|l| !l.trim_start().starts_with("mac:"))
        .collect::<Vec<_>>()
        .join("\n");
    repo.write("secrets/production/no-mac.yaml", &no_mac);
    repo.write("secrets/.gitkeep", "");
    git(repo.path(), &["add", "-A"]);
    // Only tracked files count: an ignored or untracked plaintext never reaches a pull request.
    repo.write("secrets/staging/untracked.env", "TOKEN=x\n");

    let (code, _, stderr) = check(&repo);
    assert_eq!(code, 1, "{stderr}");
    for (name, _) in PLAINTEXTS {
        let plain = format!("secrets/staging/plain-{name}: not encrypted with sops");
        assert!(stderr.contains(&plain), "{plain} in\n{stderr}");
        assert!(
            !stderr.contains(&format!("/{name}:")),
            "{name} is sops'\n{stderr}"
        );
    }
    assert!(stderr.contains("secrets/production/no-mac.yaml: not encrypted with sops"));
    assert!(stderr.contains("6 of 17 files under secrets/ are not encrypted with sops"));
    assert!(!stderr.contains("untracked.env") && !stderr.contains(".gitkeep"));

    git(
        repo.path(),
        &["rm", "-q", "--cached", "secrets/production/no-mac.yaml"],
    );
    for (name, _) in PLAINTEXTS {
        git(
            repo.path(),
            &[
                "rm",
                "-q",
                "--cached",
                &format!("secrets/staging/plain-{name}"),
            ],
        );
    }
    let (code, stdout, stderr) = check(&repo);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(
        stdout,
        "check-encrypted: 11 files under secrets/, all encrypted with sops\n"
    );
}

#[test]
fn the_secrets_check_passes_a_repo_without_secrets_and_needs_git() {
    let repo = Repo::new();
    lay(&repo, &[]);
    std::fs::remove_dir_all(repo.path().join(".git")).unwrap();
    let (code, _, stderr) = check(&repo);
    assert_eq!(code, 2, "outside a git work tree: {stderr}");
    assert!(stderr.contains("not inside a git work tree"), "{stderr}");
    git(repo.path(), &["init", "-q"]);
    let (code, stdout, stderr) = check(&repo);
    assert_eq!(
        (code, stdout.as_str()),
        (0, "check-encrypted: no file tracked under secrets/\n"),
        "{stderr}"
    );
}

/// Files of a repo and whether the CODEOWNERS block must own them.
const OWNED: [(&str, bool); 29] = [
    ("config/environments/staging.env", true),
    ("config/environments/production.env", true),
    ("compose.yaml", true),
    ("compose.yml", true),
    ("docker-compose.yml", true),
    ("docker-compose.yaml", true),
    ("docker-compose.prod.yml", true),
    ("services/api/compose.yaml", true),
    ("Dockerfile", true),
    ("services/api/Dockerfile", true),
    ("deploy/api.Dockerfile", true),
    (".gitignore", true),
    ("web/.gitignore", true),
    (".scaffold/state.toml", true),
    ("docs/runbooks/backup-restore.md", true),
    ("infra/ci-identity/main.tf", true),
    ("terraform/network/main.tf", true),
    ("ops/backup/backup.sh", true),
    ("ops/secrets/check-encrypted.sh", true),
    ("secrets/staging/app.env", true),
    (".sops.yaml", true),
    ("docs/security/secrets.md", true),
    ("README.md", false),
    ("src/main.rs", false),
    ("docs/adr/0001-ci-cd-pipeline.md", false),
    ("package.json", false),
    ("services/api/src/compose.rs", false),
    ("web/secrets/README.md", false),
    ("config/app.toml", false),
];

/// `github-codeowners audit`: each file of the tree with its owners.
fn owners(repo: &Repo, codeowners: &str) -> Vec<(String, String)> {
    let out = run(Command::new(tool("github-codeowners"))
        .args([
            "audit",
            "--output",
            "csv",
            "--codeowners",
            codeowners,
            "--dir",
        ])
        .arg(repo.path())
        .current_dir(repo.path()));
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        // An unowned file is its path alone.
        .map(|l| l.split_once(',').unwrap_or((l, "")))
        .map(|(path, owners)| (path.to_owned(), owners.to_owned()))
        .collect()
}

fn check_codeowners(ci: &str, codeowners: &str, ci_files: &[&str]) {
    let repo = Repo::new();
    lay(&repo, &[&format!("ci={ci}")]);
    for (path, _) in OWNED {
        if !repo.exists(path) {
            repo.write(path, "x\n");
        }
    }
    for path in ci_files {
        repo.write(path, "x\n");
    }
    run(Command::new(tool("github-codeowners"))
        .args(["validate", "--codeowners", codeowners, "--dir"])
        .arg(repo.path())
        .current_dir(repo.path()));
    let owners = owners(&repo, codeowners);
    let expected = OWNED
        .iter()
        .copied()
        .chain(ci_files.iter().map(|p| (*p, true)));
    for (path, owned) in expected {
        let got = owners
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, o)| o.as_str());
        let want = if owned { "@acme/platform" } else { "" };
        assert_eq!(got, Some(want), "{ci}: owners of {path}");
    }
}

#[test]
fn codeowners_own_every_sensitive_path_on_github() {
    check_codeowners(
        "github",
        ".github/CODEOWNERS",
        &[".github/workflows/ci.yml", ".github/dependabot.yml"],
    );
}

#[test]
fn codeowners_own_every_sensitive_path_on_gitlab_and_say_what_needs_premium() {
    check_codeowners(
        "gitlab",
        ".gitlab/CODEOWNERS",
        &[
            ".gitlab-ci.yml",
            ".gitlab/ci/parity.gitlab-ci.yml",
            "renovate.json",
        ],
    );
    let repo = Repo::new();
    lay(&repo, &["ci=gitlab"]);
    let text = repo.read(".gitlab/CODEOWNERS");
    assert!(text.contains("needs GitLab Premium or Ultimate"), "{text}");
    assert!(text.contains("On GitLab Free"), "{text}");
    assert!(text.contains("Allowed to merge: Maintainers"), "{text}");
}

#[test]
fn the_gitignore_block_keeps_database_dumps_out_of_git() {
    let repo = Repo::new();
    lay(&repo, &[]);
    git(repo.path(), &["init", "-q"]);
    let ignored = |path: &str| {
        Command::new("git")
            .args(["check-ignore", "-q", "--no-index", path])
            .current_dir(repo.path())
            .status()
            .unwrap()
            .success()
    };
    for path in [
        "backups/shop-20260115T000000Z.dump",
        "backups/.backup-in-progress.x1y2z3",
        "shop.dump",
        "tmp/shop-20260115T000000Z.sql.gz",
        "shop.sql.gz.age",
        "db/shop.dump.age",
    ] {
        assert!(ignored(path), "{path} is not ignored");
    }
    for path in [
        "docs/runbooks/backup-restore.md",
        "ops/backup/backup.sh",
        "schema.sql",
    ] {
        assert!(!ignored(path), "{path} is ignored");
    }
    let text = repo.read(".gitignore");
    assert!(
        text.contains("# Database dumps"),
        "the block says why:\n{text}"
    );
}

/// The `name_prefix` variable of a rendered GCP identity: its default and its validation regex.
fn name_prefix(variables_tf: &str) -> (String, String) {
    let block = variables_tf
        .split("variable \"name_prefix\" {")
        .nth(1)
        .and_then(|rest| rest.split("\nvariable ").next())
        .expect("a name_prefix variable");
    let default = block
        .lines()
        .find_map(|l| l.trim().strip_prefix("default"))
        .and_then(|l| l.trim().strip_prefix('='))
        .map(|v| v.trim().trim_matches('"').to_owned())
        .expect("a default");
    let pattern = block
        .split("regex(\"")
        .nth(1)
        .and_then(|rest| rest.split("\", var.name_prefix").next())
        .expect("a regex validation")
        .replace("\\\\", "\\");
    (default, pattern)
}

#[test]
fn the_gcp_name_prefix_default_passes_its_own_validation() {
    for (project, expected) in [
        ("My_App", "my-app"),
        ("a", "app-a"),
        ("acme-platform-backend-service", "acme-platfor"),
        ("42shop", "app-42shop"),
        ("demo", "demo"),
    ] {
        let repo = Repo::new();
        lay(
            &repo,
            &[
                &format!("project_name={project}"),
                "cloud=gcp",
                "repository=acme/demo",
            ],
        );
        let (default, pattern) = name_prefix(&repo.read("infra/ci-identity/variables.tf"));
        let re = regex::Regex::new(&pattern).unwrap();
        assert!(
            re.is_match(&default) && !default.starts_with("gcp-"),
            "{project}: default `{default}` fails its validation `{pattern}`"
        );
        assert_eq!(default, expected, "{project}");
    }
}
