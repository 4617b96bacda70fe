//! The repo's default branch: `origin/HEAD`, else the branch checked out, else git's
//! `init.defaultBranch`, else `main`. In a plain `.git` folder the two refs are read from their
//! files (a symbolic ref is one line, and starting git costs more than the rest of detection);
//! anything else (a worktree's `.git` file, a detached HEAD) asks the user's `git`. Local questions
//! only: no network, no prompt.

use std::path::Path;
use std::process::{Command, Stdio};

/// The default branch of the repo at `root`.
pub(crate) fn default_branch(root: &Path) -> String {
    let Some(repo) = crate::fs::enclosing_git(root) else {
        // Outside a repository only git's own setting can say (what `git init` would name it).
        return git(root, &["config", "--get", "init.defaultBranch"])
            .filter(|b| is_branch_name(b))
            .unwrap_or_else(|| "main".to_owned());
    };
    if let Some(branch) = from_git_dir(repo) {
        return branch;
    }
    let origin = git(
        root,
        &[
            "symbolic-ref",
            "--quiet",
            "--short",
            "refs/remotes/origin/HEAD",
        ],
    )
    .and_then(|r| r.strip_prefix("origin/").map(str::to_owned));
    origin
        .or_else(|| git(root, &["branch", "--show-current"]))
        .or_else(|| git(root, &["config", "--get", "init.defaultBranch"]))
        .filter(|b| is_branch_name(b))
        .unwrap_or_else(|| "main".to_owned())
}

/// The branch `origin/HEAD`, else `HEAD`, points to, read from the files of `repo`'s `.git`
/// folder; `None` when they cannot say (a worktree's `.git` file, a detached HEAD: git is asked).
fn from_git_dir(repo: &Path) -> Option<String> {
    let symref = |rel: &str, prefix: &str| {
        crate::fs::read_walked_text(repo, rel, 4096)?
            .trim()
            .strip_prefix(prefix)
            .map(str::to_owned)
            .filter(|b| is_branch_name(b))
    };
    symref(".git/refs/remotes/origin/HEAD", "ref: refs/remotes/origin/")
        .or_else(|| symref(".git/HEAD", "ref: refs/heads/"))
}

/// What `git ARGS` prints in `root`, trimmed, when it succeeds and prints something.
fn git(root: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?.trim().to_owned();
    (out.status.success() && !text.is_empty()).then_some(text)
}

/// A branch name that is safe to write into a workflow trigger.
fn is_branch_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('-')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'/' | b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn git_in(dir: &Path, args: &[&str]) {
        let ok = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .current_dir(dir)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .unwrap()
            .status
            .success();
        assert!(ok, "git {args:?}");
    }

    #[test]
    fn the_checked_out_branch_then_origin_head_name_the_default() {
        let dir = tempfile::tempdir().unwrap();
        git_in(dir.path(), &["init", "-q", "-b", "master"]);
        assert_eq!(default_branch(dir.path()), "master");
        git_in(dir.path(), &["commit", "-q", "--allow-empty", "-m", "x"]);
        git_in(
            dir.path(),
            &["update-ref", "refs/remotes/origin/trunk", "HEAD"],
        );
        git_in(
            dir.path(),
            &[
                "symbolic-ref",
                "refs/remotes/origin/HEAD",
                "refs/remotes/origin/trunk",
            ],
        );
        git_in(dir.path(), &["checkout", "-q", "-b", "feature/x"]);
        assert_eq!(default_branch(dir.path()), "trunk");
    }

    #[test]
    fn only_safe_branch_names_are_taken() {
        assert!(is_branch_name("release/2.x") && is_branch_name("master"));
        assert!(!is_branch_name("-x") && !is_branch_name("a b") && !is_branch_name(""));
        assert!(!is_branch_name("x\"; rm") && !is_branch_name("${{ github.token }}"));
    }
}
