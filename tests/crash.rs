//! Crash consistency: `init` and `upgrade` killed (`SIGKILL`) at moments spread over a whole run.
//! After each kill the recorded state agrees with the files (`status` finds none changed), and the
//! same command run again succeeds and leaves exactly the tree of a run never killed: no temporary
//! file, no lock, no duplicate ADR.
//!
//! `SCAFFOLD_CRASH_ROUNDS` sets the kills per command (25 by default; `tests/crash.sh` runs 200).

use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::support::{Repo, command, init_all_args};
use crate::upgrade::{Fork, init_from};

fn rounds() -> u32 {
    std::env::var("SCAFFOLD_CRASH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(25)
}

/// Every file of the repo but the local-only backups.
fn tree(repo: &Repo) -> String {
    repo.tree(&[".scaffold/backup/"])
}

/// Starts `scaffold ARGS` and kills it after `delay`; returns whether it was still running.
fn kill_after(repo: &Repo, args: &[&str], delay: Duration) -> bool {
    let mut child = command()
        .args(args)
        .current_dir(repo.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(delay);
    let killed = child.try_wait().unwrap().is_none();
    let _ = child.kill();
    child.wait().unwrap();
    killed
}

/// How long a whole run of `args` takes, from `setup`.
fn duration(setup: &dyn Fn() -> Repo, args: &[&str]) -> Duration {
    let repo = setup();
    let start = Instant::now();
    repo.scaffold(args).success();
    start.elapsed()
}

/// What must hold right after a kill: every recorded file is as recorded (the old state or the
/// new one, recovered), and nothing is conflicted.
fn check_consistent(repo: &Repo, round: u32) {
    let status = repo.scaffold(&["status", "--json"]);
    status.success();
    for bad in ["\"modified\"", "\"conflicted\"", "\"unreadable\""] {
        assert!(
            !status.stdout.contains(bad),
            "round {round}: {bad}\n{status}"
        );
    }
}

/// What must hold after the rerun: the tree of a run never killed, and nothing left behind.
fn check_recovered(repo: &Repo, reference: &str, round: u32) {
    let files = repo.files();
    let leftovers: Vec<&String> = files
        .iter()
        .filter(|f| {
            f.contains(".scaffold-tmp-")
                || f.starts_with(".scaffold/tmp/")
                || *f == ".scaffold/lock"
                || *f == ".scaffold/pending.toml"
        })
        .collect();
    assert!(
        leftovers.is_empty(),
        "round {round}: left behind: {leftovers:?}"
    );
    let now = tree(repo);
    if now != reference {
        let diff = similar::TextDiff::from_lines(reference, now.as_str())
            .unified_diff()
            .context_radius(2)
            .header("never killed", "killed, then run again")
            .to_string();
        panic!("round {round}: the tree differs\n{diff}");
    }
}

/// Kills `args` at `rounds()` moments spread evenly over a run, then reruns it.
fn kill_and_rerun(setup: &dyn Fn() -> Repo, args: &[&str]) -> (u32, u32) {
    let reference = {
        let repo = setup();
        repo.scaffold(args).success();
        tree(&repo)
    };
    let whole = duration(setup, args);
    let mut killed = 0;
    let n = rounds();
    for round in 0..n {
        let repo = setup();
        // An even spread over the run, and a little past it.
        let delay = whole.mul_f64(1.2 * f64::from(round) / f64::from(n));
        if kill_after(&repo, args, delay) {
            killed += 1;
        }
        check_consistent(&repo, round);
        repo.scaffold(args).success();
        check_recovered(&repo, &reference, round);
        check_consistent(&repo, round);
    }
    (killed, n)
}

#[test]
fn init_killed_at_any_moment_recovers() {
    let setup = || {
        let repo = Repo::new();
        repo.write("package.json", "{\"name\": \"demo\"}\n");
        repo
    };
    let (killed, rounds) = kill_and_rerun(&setup, &init_all_args(&[]));
    eprintln!("crash: init killed mid-run {killed} of {rounds} times; every rerun recovered");
    assert!(killed > 0, "no kill landed during a run");
}

#[test]
fn upgrade_killed_at_any_moment_recovers() {
    let setup = || {
        let repo = Repo::new();
        let fork = Fork::v1_in(&repo);
        init_from(&repo, &fork);
        fork.to_v2();
        repo
    };
    let args = ["upgrade", "--set", "channel=#team"];
    let (killed, rounds) = kill_and_rerun(&setup, &args);
    eprintln!("crash: upgrade killed mid-run {killed} of {rounds} times; every rerun recovered");
    assert!(killed > 0, "no kill landed during a run");
}
