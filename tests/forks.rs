//! Hostile forks and sources: a source that never answers, transports git must not use,
//! version-control metadata planted in a fork, templates built to exhaust the stack or the memory,
//! a lint space too large to hold, and manifests that are the fork's fault. Each ends with a clean
//! error (exit 2 for what the user gave, 3 for the fork's fault) and nothing written.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::support::{Repo, Run, SEED_GO, command, git};

/// A fork directory with one blueprint, `bomb`, whose manifest ends with `extra` and whose
/// templates are `templates`.
struct Bomb {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
}

const MANIFEST: &str = "id = \"bomb\"\nversion = \"1.0.0\"\nsummary = \"s\"\nwhy = \"w\"\n";

impl Bomb {
    fn new(extra: &str, templates: &[(&str, &str)]) -> Bomb {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("fork");
        let bomb = Bomb { _tmp: tmp, dir };
        bomb.write("bomb/blueprint.toml", &format!("{MANIFEST}{extra}"));
        for (path, text) in templates {
            bomb.write(&format!("bomb/templates/{path}"), text);
        }
        bomb
    }

    /// One template, `a.hbs`, written to `a.txt`.
    fn template(text: &str) -> Bomb {
        Bomb::new(
            "[[files]]\ntemplate = \"a.hbs\"\npath = \"a.txt\"\n",
            &[("a.hbs", text)],
        )
    }

    fn write(&self, path: &str, text: &str) {
        let p = self.dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    fn path(&self) -> &str {
        self.dir.to_str().unwrap()
    }

    /// `scaffold init` with this fork in a new repo; nothing may be written whatever happens.
    fn init(&self, extra: &[&str]) -> Run {
        let repo = Repo::new();
        let mut args = vec!["init", "--yes", "--only", "bomb", "--source", self.path()];
        args.extend_from_slice(&SEED_GO);
        args.extend_from_slice(extra);
        let run = repo.scaffold(&args);
        if run.code != 0 {
            assert!(repo.files().is_empty(), "{run}");
        }
        run
    }
}

#[test]
fn a_recursive_partial_is_an_error_not_a_stack_overflow() {
    for template in [
        "{{#*inline \"p\"}}x{{> p}}{{/inline}}{{> p}}",
        "{{#*inline \"p\"}}x{{> q}}{{/inline}}{{#*inline \"q\"}}y{{> p}}{{/inline}}{{> p}}",
    ] {
        Bomb::template(template).init(&[]).code(3).stderr_is(
            "error: blueprint `bomb`: template `templates/a.hbs`: partial `p` can include itself (directly or through other partials)\n",
        );
    }
}

#[test]
fn deeply_nested_blocks_are_an_error_not_a_stack_overflow() {
    let nested =
        |n: usize, open: &str, close: &str| format!("{}x\n{}", open.repeat(n), close.repeat(n));
    for template in [
        // The plain subset, rendered without Handlebars.
        nested(5000, "{{#if project_name}}\n", "{{/if}}\n"),
        // A comment sends it to Handlebars.
        format!(
            "{{{{!-- deep --}}}}\n{}",
            nested(
                1000,
                "{{#unless (eq stage \"x\")}}{{#if project_name}}\n",
                "{{/if}}{{/unless}}\n"
            )
        ),
    ] {
        Bomb::template(&template).init(&[]).code(3).stderr_is(
            "error: blueprint `bomb`: template `templates/a.hbs` nests blocks, subexpressions or partials more than 64 deep\n",
        );
    }
}

#[test]
fn output_past_8_mib_is_an_error_not_an_exhausted_memory() {
    let bomb = Bomb::template(&format!(
        "{}ab\n{}",
        "{{#each @root.shared.list}}".repeat(6),
        "{{/each}}".repeat(6)
    ));
    let list: Vec<String> = (0..40).map(|i| i.to_string()).collect();
    bomb.write("shared.toml", &format!("list = [{}]\n", list.join(", ")));
    bomb.init(&[])
        .code(3)
        .stderr_is("error: blueprint `bomb`: template `templates/a.hbs` renders more than 8 MiB\n");
    // A value repeated by the plain subset is held to the same limit.
    let bomb = Bomb::template(&"{{shared.big}}".repeat(9));
    bomb.write(
        "shared.toml",
        &format!("big = \"{}\"\n", "x".repeat(1 << 20)),
    );
    bomb.init(&[]).code(3).stderr_has("renders more than 8 MiB");
}

#[test]
fn lint_samples_a_space_too_large_to_render_whole() {
    // 8 questions of 10 choices: 10^8 combinations, times the common questions' 360.
    let mut questions = String::new();
    for q in 0..8 {
        let choices: Vec<String> = (0..10).map(|c| format!("\"c{c}\"")).collect();
        let _ = write!(
            questions,
            "[[questions]]\nkey = \"q{q}\"\nprompt = \"p\"\nchoices = [{}]\n",
            choices.join(", ")
        );
    }
    let bomb = Bomb::new(
        &format!("{questions}[[files]]\ntemplate = \"a.hbs\"\npath = \"a.txt\"\n"),
        &[("a.hbs", "{{q0}} {{q7}}\n")],
    );
    let repo = Repo::new();
    // 10^8 of the bomb's own, times the common questions' 4 stages x 2 CI x 8 languages x 3
    // clouds x 3 databases.
    repo.scaffold(&["blueprint", "lint", bomb.path()])
        .success()
        .stdout_has("up to 57600000000 answer combinations, more than 4096: rendered a sample of 4096 (raise it with --max-combinations N)")
        .stdout_has("1 blueprint checked, 4096 renders: no problems");
    repo.scaffold(&["blueprint", "lint", bomb.path(), "--max-combinations", "10"])
        .success()
        .stdout_has("rendered a sample of 10")
        .stdout_has("10 renders");
    repo.scaffold(&["blueprint", "lint", bomb.path(), "--max-combinations", "0"])
        .code(2);
    // Under the cap, every combination, as before.
    let small = Bomb::template("{{stage}}\n");
    repo.scaffold(&["blueprint", "lint", small.path()])
        .success()
        .never_says("sample")
        .stdout_has("1 blueprint checked, 576 renders: no problems");
}

#[test]
fn lint_reports_a_template_past_a_limit_once() {
    let bomb = Bomb::template("{{#*inline \"p\"}}{{> p}}{{/inline}}{{> p}}");
    let repo = Repo::new();
    repo.scaffold(&["blueprint", "lint", bomb.path()])
        .code(1)
        .stdout_has("partial `p` can include itself")
        .never_says("no problems")
        .stderr_is("1 problem found\n");
}

#[test]
fn a_forks_pattern_too_large_to_compile_is_the_forks_fault() {
    let bomb = Bomb::new(
        "[[questions]]\nkey = \"code\"\nprompt = \"p\"\npattern = \"^(a{1000}){1000}$\"\n\
         [[files]]\ntemplate = \"a.hbs\"\npath = \"a.txt\"\n",
        &[("a.hbs", "{{code}}\n")],
    );
    let run = bomb.init(&["--set", "code=a"]);
    run.code(3).stderr_has(
        "error: blueprint `bomb`: invalid `blueprint.toml`: question `code`: pattern cannot be compiled:",
    );
}

#[test]
fn a_question_without_choices_is_refused_when_the_fork_loads() {
    let bomb = Bomb::new(
        "[[questions]]\nkey = \"size\"\nprompt = \"p\"\nchoices = []\n\
         [[files]]\ntemplate = \"a.hbs\"\npath = \"a.txt\"\n",
        &[("a.hbs", "{{size}}\n")],
    );
    bomb.init(&["--set", "size=x"]).code(3).stderr_is(
        "error: blueprint `bomb`: invalid `blueprint.toml`: question `size`: `choices` is empty, so it could never be answered\n",
    );
}

/// `scaffold ARGS` in `dir` with `SCAFFOLD_GIT_TIMEOUT` set.
fn with_git_timeout(dir: &Path, seconds: &str, args: &[&str]) -> Run {
    command()
        .args(args)
        .current_dir(dir)
        .env("SCAFFOLD_GIT_TIMEOUT", seconds)
        .stdin(Stdio::null())
        .output()
        .expect("run scaffold")
        .into()
}

/// A TCP server on 127.0.0.1 that accepts every connection and never answers; its port.
fn silent_server() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            held.push(stream);
        }
    });
    port
}

/// The time a run with a 2-second git timeout may take at most: generous, for a loaded machine.
const MARGIN: Duration = Duration::from_mins(1);

#[test]
fn a_git_source_that_never_answers_is_stopped_at_the_timeout() {
    let url = format!("git://127.0.0.1:{}/blueprints.git", silent_server());
    let repo = Repo::new();
    let mut args = vec!["init", "--yes", "--only", "ci", "--source", &url];
    args.extend_from_slice(&SEED_GO);
    let started = Instant::now();
    let run = with_git_timeout(repo.path(), "2", &args);
    assert!(started.elapsed() < MARGIN, "{:?}", started.elapsed());
    run.code(3).stderr_is(&format!(
        "error: git source `{url}`: git did not finish within 2 s and was stopped; for a slow source raise SCAFFOLD_GIT_TIMEOUT (seconds)\n"
    ));
    assert!(repo.files().is_empty());
}

#[test]
fn status_check_with_a_recorded_git_source_that_never_answers_is_stopped_too() {
    let url = format!("git://127.0.0.1:{}/blueprints.git", silent_server());
    let repo = Repo::new();
    repo.write(
        ".scaffold/state.toml",
        &format!(
            "version = 1\n\n[source]\nkind = \"git\"\nlocation = \"{url}\"\nref = \"v1.0.0\"\ncommit = \"{}\"\n",
            "0".repeat(40)
        ),
    );
    let started = Instant::now();
    let run = with_git_timeout(repo.path(), "2", &["status", "--check"]);
    assert!(started.elapsed() < MARGIN, "{:?}", started.elapsed());
    run.code(3).stderr_has(&format!(
        "git source `{url}`: git did not finish within 2 s"
    ));
}

#[test]
fn a_bad_git_timeout_is_named() {
    let repo = Repo::new();
    with_git_timeout(repo.path(), "soon", &["status"])
        .code(2)
        .stderr_is(
            "error: SCAFFOLD_GIT_TIMEOUT `soon` is not a whole number of seconds from 1 to 86400\n",
        );
}

#[test]
fn transports_other_than_https_ssh_git_and_file_are_refused() {
    let repo = Repo::new();
    for (url, transport) in [
        ("fd::0", "fd"),
        ("ext::sh -c touch% pwned", "ext"),
        ("http://127.0.0.1:1/b.git", "http"),
    ] {
        let mut args = vec!["init", "--yes", "--only", "ci", "--source", url];
        args.extend_from_slice(&SEED_GO);
        let expected = format!(
            "error: git source `{url}`: transport `{transport}` is not allowed (allowed: https, ssh, git, file)\n"
        );
        repo.scaffold(&args).code(2).stderr_is(&expected);
        repo.scaffold(&["list", "--source", url])
            .code(2)
            .stderr_is(&expected);
    }
    assert!(repo.files().is_empty());
    // Recorded in the state by hand, it is refused when the state is read.
    repo.write(
        ".scaffold/state.toml",
        "version = 1\n\n[source]\nkind = \"git\"\nlocation = \"ext::sh -c touch% pwned\"\n",
    );
    repo.scaffold(&["status"])
        .code(2)
        .stderr_has("`[source]`: transport `ext` is not allowed");
    assert!(!repo.exists("pwned"));
}

#[test]
fn a_git_hook_planted_in_a_fork_is_refused() {
    for planted in [
        "vendor/lib/.git/hooks/post-checkout",
        "vendor/lib/.GIT/hooks/post-checkout",
        "x/.hg/hgrc",
    ] {
        let bomb = Bomb::new(
            &format!(
                "[[files]]\ntemplate = \"{planted}\"\npath = \"{planted}\"\nexecutable = true\n"
            ),
            &[(planted, "#!/bin/sh\ntouch pwned\n")],
        );
        let meta = planted.find("/.").unwrap() + 1;
        let meta = meta + planted[meta..].find('/').unwrap();
        let shown = bomb.dir.join("bomb/templates").join(&planted[..meta]);
        bomb.init(&[]).code(3).stderr_is(&format!(
            "error: refusing `{}` in a blueprint source: a fork may not hold version-control metadata (`.git`, `.hg`, `.svn`)\n",
            shown.display()
        ));
    }
}

#[test]
fn a_rendered_path_into_version_control_metadata_is_refused() {
    for path in [
        "vendor/lib/.git/hooks/post-checkout",
        ".GIT/hooks/pre-commit",
        "a/.Git/config",
        "{{project_name}}/.git/hooks/post-merge",
    ] {
        let bomb = Bomb::new(
            &format!("[[files]]\ntemplate = \"hook.sh\"\npath = \"{path}\"\nexecutable = true\n"),
            &[("hook.sh", "#!/bin/sh\ntouch pwned\n")],
        );
        let rendered = path.replace("{{project_name}}", "demo");
        bomb.init(&[]).code(3).stderr_is(&format!(
            "error: blueprint `bomb`: rendered path `{rendered}` is inside version-control metadata (`.git`, `.hg`, `.svn`)\n"
        ));
    }
}

#[test]
fn a_bare_git_repository_without_ref_is_read_as_git() {
    let bomb = Bomb::template("from git\n");
    git(&bomb.dir, &["init", "-q"]);
    git(&bomb.dir, &["add", "."]);
    git(&bomb.dir, &["commit", "-q", "-m", "bomb 1.0.0"]);
    let bare = bomb.dir.with_file_name("fork.git");
    git(
        bomb.dir.parent().unwrap(),
        &["clone", "-q", "--bare", bomb.path(), bare.to_str().unwrap()],
    );
    let repo = Repo::new();
    let mut args = vec![
        "init",
        "--yes",
        "--only",
        "bomb",
        "--source",
        bare.to_str().unwrap(),
    ];
    args.extend_from_slice(&SEED_GO);
    repo.scaffold(&args).success();
    assert_eq!(repo.read("a.txt"), "from git\n");
    let state = repo.read(".scaffold/state.toml");
    let location = std::fs::canonicalize(&bare).unwrap();
    assert!(
        state.contains(&format!(
            "[source]\nkind = \"git\"\nlocation = \"{}\"\ncommit = \"",
            location.display()
        )),
        "{state}"
    );
    // Recorded as git, it is cloned again later.
    repo.scaffold(&["status", "--check"]).success();
}

#[test]
fn git_never_asks_and_runs_ssh_in_batch_mode_unless_the_user_chose_an_ssh_command() {
    let tmp = tempfile::tempdir().unwrap();
    let bin = tmp.path().join("bin");
    let log = tmp.path().join("ssh.log");
    std::fs::create_dir(&bin).unwrap();
    // An ssh that says how it was called and fails at once: no network.
    let ssh = bin.join("ssh");
    std::fs::write(
        &ssh,
        format!(
            "#!/bin/sh\necho \"$GIT_TERMINAL_PROMPT $GIT_ALLOW_PROTOCOL | $*\" > '{}'\nexit 255\n",
            log.display()
        ),
    )
    .unwrap();
    let mut perms = std::fs::metadata(&ssh).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&ssh, perms).unwrap();
    let global = tmp.path().join("gitconfig");
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let run = |global_config: &str, ssh_command: Option<&str>| {
        std::fs::write(&global, global_config).unwrap();
        let _ = std::fs::remove_file(&log);
        let mut cmd = command();
        cmd.args([
            "list",
            "--source",
            "git@example.invalid:acme/blueprints.git",
        ])
        .current_dir(tmp.path())
        .env("PATH", &path)
        .env("GIT_CONFIG_GLOBAL", &global)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env_remove("GIT_SSH")
        .env_remove("GIT_SSH_COMMAND")
        .stdin(Stdio::null());
        if let Some(ssh_command) = ssh_command {
            cmd.env("GIT_SSH_COMMAND", ssh_command);
        }
        Run::from(cmd.output().unwrap()).code(3);
        std::fs::read_to_string(&log).unwrap()
    };
    let called = run("", None);
    assert!(
        called.starts_with("0 https:ssh:git:file | -o BatchMode=yes "),
        "{called}"
    );
    // The user's own ssh command, from the environment or from git's config, is kept.
    let called = run("", Some("ssh -o ConnectTimeout=7"));
    assert!(called.contains("| -o ConnectTimeout=7 "), "{called}");
    assert!(!called.contains("BatchMode"), "{called}");
    let called = run("[core]\n\tsshCommand = ssh -o ConnectTimeout=8\n", None);
    assert!(called.contains("| -o ConnectTimeout=8 "), "{called}");
    assert!(!called.contains("BatchMode"), "{called}");
}
