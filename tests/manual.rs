//! The shell completions and the manual pages, used as a user would: the bash script loaded into
//! bash and asked to complete, the roff pages rendered by `man` with its warnings on.

use std::process::Command;

use crate::support::{Repo, command};

fn stdout_of(args: &[&str]) -> String {
    let out = command().args(args).output().expect("run scaffold");
    assert!(out.status.success(), "{args:?}: {out:?}");
    String::from_utf8(out.stdout).expect("UTF-8")
}

/// What bash's completion offers for `words`, the last being the one under the cursor.
fn bash_completes(script: &str, words: &[&str]) -> Vec<String> {
    let program = format!(
        "source \"$1\"\nCOMP_WORDS=({words})\nCOMP_CWORD={cword}\nCOMP_LINE=\"${{COMP_WORDS[*]}}\"\nCOMP_POINT=${{#COMP_LINE}}\n_scaffold scaffold \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        words = words.join(" "),
        cword = words.len() - 1,
    );
    let repo = Repo::plain();
    repo.write("scaffold.bash", script);
    let out = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &program, "bash"])
        .arg(repo.path().join("scaffold.bash"))
        .output()
        .expect("bash is installed");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn bash_completes_commands_flags_and_shells() {
    let script = stdout_of(&["completions", "bash"]);
    assert_eq!(bash_completes(&script, &["scaffold", "in"]), ["init"]);
    assert_eq!(
        bash_completes(&script, &["scaffold", "init", "--on"]),
        ["--only"]
    );
    assert_eq!(
        bash_completes(&script, &["scaffold", "status", "--ch"]),
        ["--check"]
    );
    let shells = bash_completes(&script, &["scaffold", "completions", ""]);
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        assert!(shells.iter().any(|s| s == shell), "{shells:?}");
    }
}

#[test]
fn every_shell_gets_a_script_naming_every_command() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = stdout_of(&["completions", shell]);
        for sub in ["init", "add", "upgrade", "status", "assess", "done", "man"] {
            assert!(script.contains(sub), "{shell} script lacks {sub}");
        }
    }
    let out = command().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("possible values"));
}

/// `man -l` of a page, with warnings on: the rendered text, and whatever man or groff complained of.
fn man_renders(page: &str) -> (String, String) {
    let repo = Repo::plain();
    repo.write("page.1", page);
    let out = Command::new("man")
        .args(["--warnings", "-l"])
        .arg(repo.path().join("page.1"))
        .env("MANWIDTH", "100")
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .env("LANG", "C.UTF-8")
        .output()
        .expect("man is installed (tests/setup.sh installs man-db)");
    assert!(out.status.success(), "{out:?}");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_manual_pages_render_without_warnings() {
    let (text, warnings) = man_renders(&stdout_of(&["man"]));
    assert_eq!(warnings, "", "{text}");
    for section in ["NAME", "SYNOPSIS", "SUBCOMMANDS", "EXIT STATUS", "SEE ALSO"] {
        assert!(text.contains(section), "no {section}:\n{text}");
    }
    assert!(text.contains("130  interrupted"), "{text}");
    for sub in ["init", "add", "upgrade", "status", "done", "assess", "list"] {
        let (text, warnings) = man_renders(&stdout_of(&["man", sub]));
        assert_eq!(warnings, "", "{sub}: {text}");
        assert!(text.contains(&format!("scaffold-{sub}")), "{text}");
        assert!(text.contains("EXAMPLES"), "{sub}:\n{text}");
    }
    let (init, _) = man_renders(&stdout_of(&["man", "init"]));
    assert!(init.contains("--only"), "{init}");
}

#[test]
fn an_unknown_manual_page_is_named_with_a_suggestion() {
    let out = command().args(["man", "inti"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("unknown command `inti` (did you mean `init`?)"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}
