//! Hostile forks: templates built to exhaust the stack or the memory, a lint space too large to
//! hold, and manifests that are the fork's fault. Each ends with a clean error (exit 3: the fork's
//! fault) and nothing written.

use std::fmt::Write as _;
use std::path::PathBuf;

use crate::support::{Repo, Run, SEED_GO};
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
    // 8 questions of 10 choices: 10^8 combinations, times the common questions' 288.
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
    repo.scaffold(&["blueprint", "lint", bomb.path()])
        .success()
        .stdout_has("up to 28800000000 answer combinations, more than 4096: rendered a sample of 4096 (raise it with --max-combinations N)")
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
        .stdout_has("1 blueprint checked, 288 renders: no problems");
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
