//! Where scaffold works: the repo root found from any folder inside it, `-C` winning, and no
//! foundations laid in a folder that is not a git repository without being asked.

use crate::support::{Repo, SEED_NODE};

fn init<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec!["init", "--yes", "--only", "ci,secrets-rbac"];
    v.extend_from_slice(&SEED_NODE);
    v.extend_from_slice(extra);
    v
}

#[test]
fn init_in_a_subfolder_lays_the_foundations_at_the_git_root() {
    let repo = Repo::new();
    repo.write(
        "backend/package.json",
        "{\"scripts\": {\"test\": \"node --test\"}}\n",
    );
    repo.scaffold_in("backend", &init(&[])).success();
    assert!(repo.exists(".github/workflows/ci.yml"));
    assert!(repo.exists(".scaffold/state.toml"));
    assert!(
        !repo.exists("backend/.github") && !repo.exists("backend/.scaffold"),
        "{:?}",
        repo.files()
    );
}

#[test]
fn status_and_assess_in_a_subfolder_see_the_repo_root() {
    let repo = Repo::new();
    repo.write("backend/src/index.js", "\n");
    repo.scaffold(&init(&[])).success();
    repo.scaffold_in("backend/src", &["status"])
        .success()
        .stdout_has("ci")
        .stdout_has("secrets-rbac")
        .never_says("nothing is applied");
    let second = repo.scaffold_in("backend/src", &["init", "--yes"]);
    second.success();
    assert!(!repo.exists("backend/src/.github"), "{second}");
    repo.scaffold_in("backend", &["assess", "--json"])
        .success()
        .stdout_has("laid by scaffold: secrets-rbac");
}

#[test]
fn the_nearest_state_wins_over_the_git_root_in_a_monorepo() {
    let repo = Repo::new();
    repo.write(
        "apps/web/package.json",
        "{\"scripts\": {\"test\": \"node --test\"}}\n",
    );
    repo.scaffold(&{
        let mut a = init(&[]);
        a.extend(["-C", "apps/web"]);
        a
    })
    .success();
    assert!(repo.exists("apps/web/.scaffold/state.toml"));
    repo.scaffold_in("apps/web/src", &["status", "--json"])
        .success()
        .stdout_has("\"id\": \"ci\"");
    repo.scaffold_in("apps/web/src", &["add", "staging-parity", "--yes"])
        .success();
    assert!(repo.exists("apps/web/ops/parity/check-parity.sh"));
    assert!(!repo.exists("ops"), "{:?}", repo.files());
}

#[test]
fn outside_a_git_repository_init_refuses_without_a_terminal_and_writes_nothing() {
    let folder = Repo::plain();
    folder.write("package.json", "{}\n");
    let before = folder.files();
    folder
        .scaffold(&init(&[]))
        .code(2)
        .stderr_has("is not inside a git repository")
        .stderr_has("`git init`")
        .stderr_has("`-C DIR`");
    assert_eq!(folder.files(), before);
    folder.scaffold(&init(&["-C", "."])).success();
    assert!(folder.exists(".github/workflows/ci.yml"));
}

#[test]
fn dash_c_wins_over_the_folder_found() {
    let repo = Repo::new();
    repo.write("tools/cli/package.json", "{}\n");
    repo.scaffold_in("docs", &init(&["-C", "../tools/cli"]))
        .success();
    assert!(repo.exists("tools/cli/.github/workflows/ci.yml"));
    assert!(!repo.exists(".github"));
}

#[test]
fn a_tree_past_the_size_limit_is_warned_about_once_and_ignored_files_do_not_count() {
    let repo = Repo::new();
    repo.write(".gitignore", "generated/\n");
    for i in 0..8 {
        repo.write(&format!("generated/lib{i}.js"), "\n");
    }
    let assess = |limit: &str| {
        let out = crate::support::command()
            .args(["assess"])
            .current_dir(repo.path())
            .env("SCAFFOLD_LARGE_TREE_FILES", limit)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stderr).unwrap()
    };
    assert_eq!(
        assess("5"),
        "",
        "8 ignored files and a .gitignore are under 5"
    );
    for i in 0..8 {
        repo.write(&format!("src/mod{i}.js"), "\n");
    }
    let warned = assess("5");
    assert_eq!(
        warned.matches("warning: more than 5 files below").count(),
        1,
        "{warned}"
    );
    assert!(warned.contains("-C DIR"), "{warned}");
    assert_eq!(assess("100"), "");
}
