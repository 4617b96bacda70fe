//! A person at a real terminal (a pseudo-terminal driven by expectrl): dialoguer prompts, the
//! detected values preselected, and the conflict menu. Every prompt here has a flags-only twin in
//! `init.rs`/`errors.rs`.

use std::time::Duration;

use expectrl::{Eof, Regex, Session};

use crate::support::{Repo, SEED_GO};

const ENTER: &str = "\r";
const UP: &str = "\x1b[A";
const DOWN: &str = "\x1b[B";

fn spawn(repo: &Repo, args: &[&str]) -> Session {
    let mut cmd = crate::support::command();
    cmd.args(args)
        .current_dir(repo.path())
        .env("TERM", "xterm-256color")
        .env_remove("NO_COLOR");
    let mut session = Session::spawn(cmd).expect("spawn scaffold on a pty");
    session.set_expect_timeout(Some(Duration::from_mins(1)));
    session
}

/// Answers prompts as they come (by their text) until scaffold exits; returns the prompts seen.
fn converse(session: &mut Session, answer: impl Fn(&str) -> String) -> Vec<String> {
    // An active prompt is drawn as a yellow `?` then the bold text; an answered one as a green
    // check mark, so matching the `?` never sees the same prompt twice.
    let prompts = Regex(
        "\\?\\x1b\\[0m \\x1b\\[1m(Project name|Where is the team\\?|CI host|Main language|Cloud|Database|\
         Foundations to lay|Main branch|Who owns backups|age public key\\(s\\) that may decrypt STAGING|\
         age public key\\(s\\) that may decrypt PRODUCTION|Owner of CI, infra and secrets|Repository path|\
         E-mail address that receives uptime alerts)",
    );
    let mut seen = Vec::new();
    loop {
        match session.expect(&prompts) {
            Ok(found) => {
                let prompt = String::from_utf8_lossy(found.get(1).unwrap()).into_owned();
                // Let dialoguer finish drawing before typing.
                std::thread::sleep(Duration::from_millis(150));
                session.send(answer(&prompt)).unwrap();
                seen.push(prompt);
            }
            Err(expectrl::Error::Eof) => break,
            Err(e) => panic!("after {seen:?}: {e}"),
        }
    }
    seen
}

#[test]
fn a_person_answers_in_the_terminal_with_detected_values_preselected() {
    let repo = Repo::new();
    repo.write("package.json", "{\"dependencies\": {\"pg\": \"^8\"}}\n");
    let mut session = spawn(&repo, &["init"]);
    let seen = converse(&mut session, |prompt| match prompt {
        // Cloud: from the preselected `none`, up one is `gcp`.
        "Cloud" => format!("{UP}{ENTER}"),
        "Owner of CI, infra and secrets" => "@acme/platform\r".to_owned(),
        "Repository path" => "acme/demo\r".to_owned(),
        "E-mail address that receives uptime alerts" => "oncall@acme.dev\r".to_owned(),
        _ => ENTER.to_owned(),
    });
    assert!(seen.contains(&"Foundations to lay".to_owned()), "{seen:?}");
    assert!(seen.contains(&"Main language".to_owned()), "{seen:?}");
    let state = repo.read(".scaffold/state.toml");
    for line in [
        "project_name = \"demo\"",
        "stage = \"seed\"",
        "language = \"node\"",
        "database = \"postgres\"",
        "cloud = \"gcp\"",
        "code_owner = \"@acme/platform\"",
        "alert_owner = \"oncall@acme.dev\"",
    ] {
        assert!(state.contains(line), "{line}\n{state}");
    }
    assert!(repo.exists(".github/workflows/ci.yml"));
    assert!(repo.exists("ops/backup/restore-drill.sh"));
    assert!(
        !repo.exists("ops/parity/check-parity.sh"),
        "not recommended at seed"
    );
}

#[test]
fn flags_are_not_asked_again_and_the_picker_can_add_a_foundation() {
    let repo = Repo::new();
    let mut session = spawn(
        &repo,
        &[
            "init",
            "--set",
            "project_name=shop",
            "--stage",
            "pre-mvp",
            "--set",
            "ci=gitlab",
            "--set",
            "language=go",
            "--set",
            "cloud=none",
            "--set",
            "database=mysql",
        ],
    );
    let seen = converse(&mut session, |prompt| match prompt {
        // pre-mvp preselects only `ci`. The cursor starts on the first item, backup-restore:
        // space checks it, enter confirms.
        "Foundations to lay" => format!(" {ENTER}"),
        _ => ENTER.to_owned(),
    });
    assert_eq!(
        seen,
        ["Foundations to lay", "Who owns backups", "Main branch"],
        "only the blueprints' own questions are asked"
    );
    assert!(repo.exists(".gitlab-ci.yml"));
    assert!(repo.exists("ops/backup/backup.sh"));
}

#[test]
fn a_conflict_asks_keep_overwrite_or_diff() {
    let repo = Repo::new();
    let mut args = vec!["init", "--yes", "--only", "ci"];
    args.extend_from_slice(&SEED_GO);
    repo.scaffold(&args).success();
    let edited = format!("{}# ours\n", repo.read(".github/workflows/deploy.yml"));
    repo.write(".github/workflows/deploy.yml", &edited);
    let mut session = spawn(
        &repo,
        &["init", "--only", "ci", "--set", "production_branch=release"],
    );
    session
        .expect("deploy.yml changed since scaffold wrote it")
        .unwrap();
    std::thread::sleep(Duration::from_millis(150));
    // "show diff" is the third item.
    session.send(format!("{DOWN}{DOWN}{ENTER}")).unwrap();
    session.expect("(scaffold)").unwrap();
    session
        .expect("deploy.yml changed since scaffold wrote it")
        .unwrap();
    std::thread::sleep(Duration::from_millis(150));
    // Keep mine: the first item.
    session.send(ENTER).unwrap();
    session.expect(Eof).unwrap();
    assert_eq!(repo.read(".github/workflows/deploy.yml"), edited);
    assert!(
        repo.read(".scaffold/state.toml")
            .contains("production_branch = \"release\"")
    );
}

const CTRL_C: &str = "\x03";

/// `init` for a Go shop at `stage` on GitHub, with no cloud and no database: the picker is next.
fn go_shop(stage: &str) -> [&str; 13] {
    [
        "init",
        "--set",
        "project_name=shop",
        "--stage",
        stage,
        "--set",
        "ci=github",
        "--set",
        "language=go",
        "--set",
        "cloud=none",
        "--set",
        "database=none",
    ]
}

/// How scaffold ended: its exit code, or a panic if a signal ended it.
fn exit_code(session: &Session) -> i32 {
    match session.get_process().wait().unwrap() {
        expectrl::WaitStatus::Exited(_, code) => code,
        other => panic!("scaffold did not exit by itself: {other:?}"),
    }
}

/// Answers with enter until `at`, then presses Ctrl-C there; returns what the terminal showed
/// after it and the exit code.
fn interrupt_at(repo: &Repo, args: &[&str], at: &str) -> (String, i32) {
    let mut session = spawn(repo, args);
    let prompt = Regex(format!("\\?\\x1b\\[0m \\x1b\\[1m{at}"));
    session.expect(prompt).unwrap();
    std::thread::sleep(Duration::from_millis(150));
    session.send(CTRL_C).unwrap();
    let tail = session.expect(Eof).unwrap();
    let shown = String::from_utf8_lossy(tail.as_bytes()).into_owned();
    (shown, exit_code(&session))
}

#[test]
fn ctrl_c_at_any_prompt_restores_the_cursor_says_interrupted_and_exits_130() {
    for (at, args) in [
        ("Project name", &["init"][..]),
        (
            "Where is the team\\?",
            &["init", "--set", "project_name=shop"],
        ),
        ("Foundations to lay", &go_shop("seed")),
    ] {
        let repo = Repo::new();
        let before = repo.files();
        let (shown, code) = interrupt_at(&repo, args, at);
        assert_eq!(code, 130, "{at}: {shown:?}");
        assert!(shown.contains("interrupted"), "{at}: {shown:?}");
        assert!(!shown.contains("error:"), "{at}: {shown:?}");
        let hidden = shown.rfind("\x1b[?25l");
        let visible = shown.rfind("\x1b[?25h");
        assert!(
            visible.is_some() && visible > hidden,
            "{at}: the cursor is not shown again: {shown:?}"
        );
        assert_eq!(repo.files(), before, "{at}: something was written");
    }
}

#[test]
fn yes_never_asks_even_on_a_terminal() {
    let repo = Repo::new();
    let mut session = spawn(&repo, &["init", "--yes"]);
    let all = session.expect(Eof).unwrap();
    let shown = String::from_utf8_lossy(all.as_bytes()).into_owned();
    let code = exit_code(&session);
    assert_eq!(code, 2, "{shown:?}");
    assert!(
        !shown.contains("\u{1b}[0m \u{1b}[1m"),
        "a prompt was drawn: {shown:?}"
    );
    assert!(
        shown.contains("--yes takes the defaults, and this question has none"),
        "{shown:?}"
    );
}

const SPACE: &str = " ";

/// The picker at pre-mvp for a Go repo without a database: ci alone is checked.
fn picker(repo: &Repo) -> Session {
    let mut session = spawn(repo, &go_shop("pre-mvp"));
    session
        .expect("[space: check or uncheck, enter: accept]")
        .unwrap();
    std::thread::sleep(Duration::from_millis(150));
    session
}

#[test]
fn the_picker_asks_again_when_nothing_is_checked_and_none_is_a_choice() {
    let repo = Repo::new();
    let before = repo.files();
    let mut session = picker(&repo);
    // Items: backup-restore, ci (checked), secrets-rbac, staging-parity, none. Uncheck ci.
    session.send(format!("{DOWN}{SPACE}{ENTER}")).unwrap();
    session
        .expect("(nothing is checked: check some, or `none`)")
        .unwrap();
    std::thread::sleep(Duration::from_millis(150));
    // Up from the first line is the last one: `none`.
    session.send(format!("{UP}{SPACE}{ENTER}")).unwrap();
    let rest = session.expect(Eof).unwrap();
    let shown = String::from_utf8_lossy(rest.as_bytes()).into_owned();
    assert!(
        shown.contains("no foundation chosen: nothing was written"),
        "{shown:?}"
    );
    let code = exit_code(&session);
    assert_eq!(code, 0, "{shown:?}");
    assert_eq!(repo.files(), before);
}

#[test]
fn the_picker_cuts_items_to_the_width_and_echoes_the_ids_chosen() {
    let repo = Repo::new();
    let mut session = picker(&repo);
    let drawn = session.expect("none: lay nothing now").unwrap();
    let drawn = String::from_utf8_lossy(drawn.before()).into_owned();
    assert!(drawn.contains("…"), "long items are cut: {drawn:?}");
    std::thread::sleep(Duration::from_millis(150));
    session.send(ENTER).unwrap();
    let echoed = session
        .expect(Regex(
            "✔\\x1b\\[0m \\x1b\\[1mFoundations to lay \\(recommended for pre-mvp are checked\\)[^\\n]*\\n",
        ))
        .unwrap();
    let line = String::from_utf8_lossy(echoed.as_bytes()).into_owned();
    assert!(line.contains("\x1b[32mci\x1b[0m\r\n"), "{line:?}");
    assert!(
        !line.contains("Every change"),
        "the description is echoed: {line:?}"
    );
    let rest = converse(&mut session, |_| ENTER.to_owned());
    assert_eq!(rest, ["Main branch"]);
    assert!(repo.exists(".github/workflows/ci.yml"));
}

#[test]
fn long_steps_show_a_spinner_on_a_terminal_only() {
    let repo = Repo::new();
    repo.write("package.json", "{}\n");
    let mut cmd = crate::support::command();
    cmd.args(["assess"])
        .current_dir(repo.path())
        .env("TERM", "xterm-256color")
        .env("SCAFFOLD_PROGRESS_DELAY_MS", "0");
    let mut session = Session::spawn(cmd).expect("spawn scaffold on a pty");
    session.set_expect_timeout(Some(Duration::from_mins(1)));
    session.expect("reading the repo").unwrap();
    session.expect(Eof).unwrap();
    let mut init = crate::support::command();
    init.args(["init", "--yes", "--only", "ci"])
        .args(SEED_GO)
        .current_dir(repo.path())
        .env("TERM", "xterm-256color")
        .env("SCAFFOLD_PROGRESS_DELAY_MS", "0");
    let mut session = Session::spawn(init).expect("spawn scaffold on a pty");
    session.set_expect_timeout(Some(Duration::from_mins(1)));
    session.expect("reading the blueprints' source").unwrap();
    session.expect(Eof).unwrap();
    let piped = crate::support::command()
        .args(["assess"])
        .current_dir(repo.path())
        .env("SCAFFOLD_PROGRESS_DELAY_MS", "0")
        .output()
        .unwrap();
    assert!(piped.status.success());
    assert!(
        !String::from_utf8_lossy(&piped.stderr).contains("reading the repo"),
        "{piped:?}"
    );
}

#[test]
fn a_home_folder_is_warned_about_before_it_is_read() {
    let repo = Repo::new();
    repo.write("package.json", "{}\n");
    let out = crate::support::command()
        .args(["assess"])
        .current_dir(repo.path())
        .env("HOME", repo.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("is your home folder: scaffold reads every file in it"),
        "{stderr}"
    );
    let elsewhere = repo.scaffold(&["assess"]);
    assert!(!elsewhere.stderr.contains("home folder"), "{elsewhere}");
}

#[test]
fn outside_a_git_repository_init_asks_first_on_a_terminal() {
    let folder = Repo::plain();
    let mut session = spawn(&folder, &["init"]);
    session
        .expect("This folder is not inside a git repository. Lay foundations here anyway?")
        .unwrap();
    std::thread::sleep(Duration::from_millis(150));
    // The first item, preselected, is no.
    session.send(ENTER).unwrap();
    let rest = session.expect(Eof).unwrap();
    let shown = String::from_utf8_lossy(rest.as_bytes()).into_owned();
    assert_eq!(exit_code(&session), 2, "{shown:?}");
    assert!(shown.contains("run `git init` there first"), "{shown:?}");
    assert!(folder.files().is_empty());

    let mut session = spawn(&folder, &["init"]);
    session.expect("Lay foundations here anyway?").unwrap();
    std::thread::sleep(Duration::from_millis(150));
    session.send(format!("{DOWN}{ENTER}")).unwrap();
    // Yes: the questions follow.
    session
        .expect(Regex("\\?\\x1b\\[0m \\x1b\\[1mProject name"))
        .unwrap();
    std::thread::sleep(Duration::from_millis(150));
    session.send(CTRL_C).unwrap();
    session.expect(Eof).unwrap();
    assert_eq!(exit_code(&session), 130);
}
