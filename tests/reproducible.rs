//! The same inputs give the same output on any day: the clock is moved with `faketime` (installed
//! by `tests/setup.sh`) while `SOURCE_DATE_EPOCH` stays fixed, and every byte written or printed is
//! compared.

use std::process::Command;

use crate::support::{Repo, Run, bin, command, init_all_args, with_test_env};

/// Runs `scaffold ARGS` in `repo` with the clock set to `day` (a `faketime` date), or the real
/// clock when `day` is `None`.
fn scaffold_on(day: Option<&str>, repo: &Repo, args: &[&str]) -> Run {
    let mut cmd = match day {
        Some(day) => {
            let mut cmd = Command::new("faketime");
            with_test_env(cmd.arg(day).arg(bin()));
            cmd
        }
        None => command(),
    };
    let out = cmd
        .args(args)
        .current_dir(repo.path())
        .stdin(std::process::Stdio::null())
        .output()
        .expect("faketime runs (tests/setup.sh installs it)");
    Run::from(out)
}

/// A user's session: init, then the read-only commands, then an upgrade with nothing to do.
fn session(day: Option<&str>) -> (String, String) {
    let repo = Repo::new();
    repo.write(
        "package.json",
        "{\"name\": \"demo\", \"scripts\": {\"test\": \"node --test\"}}\n",
    );
    let init = init_all_args(&[]);
    let mut printed = String::new();
    for args in [
        init,
        vec!["status", "--json"],
        vec!["assess", "--json"],
        vec!["assess", "--write"],
        vec!["upgrade"],
    ] {
        let run = scaffold_on(day, &repo, &args);
        run.success();
        let root = repo.path().to_string_lossy().into_owned();
        printed.push_str(&run.stdout.replace(&root, "[ROOT]"));
        printed.push_str(&run.stderr.replace(&root, "[ROOT]"));
    }
    (printed, repo.tree(&[]))
}

#[test]
fn the_same_answers_give_the_same_bytes_on_any_day() {
    let today = session(None);
    assert!(
        today.1.contains("Date: 2026-01-15"),
        "SOURCE_DATE_EPOCH sets the ADR date"
    );
    for day in ["2031-06-01 12:00:00", "2024-02-29 23:59:59"] {
        let other = session(Some(day));
        assert_eq!(today.0, other.0, "output differs on {day}");
        assert_eq!(today.1, other.1, "files differ on {day}");
    }
}
