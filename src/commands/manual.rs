//! `scaffold completions SHELL` and `scaffold man [COMMAND]`: the shell completion scripts
//! (`clap_complete`) and the manual pages (`clap_mangen`), generated from the same clap definition as
//! `--help`, so they cannot drift from it.

use clap::CommandFactory;
use roff::{Roff, roman};

use crate::cli::Cli;
use crate::error::{Error, Result};
use crate::exit::ExitStatus;

/// Prints the completion script for `shell`.
pub(crate) fn completions(shell: clap_complete::Shell) -> Result<ExitStatus> {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "scaffold", &mut script);
    crate::output::requested(&String::from_utf8_lossy(&script))?;
    Ok(ExitStatus::Success)
}

/// Prints the manual page of scaffold, or of one of its commands (`scaffold-init(1)`).
pub(crate) fn man(name: Option<&str>) -> Result<ExitStatus> {
    let root = Cli::command();
    let command = match name {
        None => root,
        Some(name) => {
            let known: Vec<String> = visible(&root).map(|c| c.get_name().to_owned()).collect();
            let sub = root
                .find_subcommand(name)
                .filter(|c| !c.is_hide_set())
                .ok_or_else(|| Error::UnknownCommand {
                    name: name.to_owned(),
                    known,
                })?;
            let page = format!("scaffold-{}", sub.get_name());
            sub.clone().name(page.clone()).bin_name(page)
        }
    };
    let page = render(&command).map_err(|source| Error::Write {
        path: "<manual page>".into(),
        source,
    })?;
    crate::output::requested(&page)?;
    Ok(ExitStatus::Success)
}

fn visible(command: &clap::Command) -> impl Iterator<Item = &clap::Command> {
    command
        .get_subcommands()
        .filter(|c| !c.is_hide_set() && c.get_name() != "help")
}

/// `clap_mangen`'s sections, then the examples and exit codes of `--help` kept as written (they are
/// aligned columns, which roff would otherwise fill into one paragraph).
fn render(command: &clap::Command) -> std::io::Result<String> {
    let man = clap_mangen::Man::new(command.clone());
    let mut page = Vec::new();
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    man.render_options_section(&mut page)?;
    if visible(command).next().is_some() {
        man.render_subcommands_section(&mut page)?;
    }
    let after = command
        .get_after_help()
        .map(ToString::to_string)
        .unwrap_or_default();
    let (examples, exit_codes) = match after.split_once("Exit codes:") {
        Some((examples, codes)) => (examples, Some(codes)),
        None => (after.as_str(), None),
    };
    let mut extra = Roff::new();
    let examples = examples
        .trim()
        .trim_start_matches("Examples:")
        .trim_start_matches("Example:");
    preformatted(&mut extra, "EXAMPLES", examples);
    if let Some(codes) = exit_codes {
        preformatted(&mut extra, "EXIT STATUS", codes);
    }
    if visible(command).next().is_some() {
        extra.control("SH", ["SEE ALSO"]);
        extra.text([roman(
            "scaffold man COMMAND prints the page of one command; scaffold COMMAND --help prints its help.",
        )]);
    }
    extra.to_writer(&mut page)?;
    if command.get_version().is_some() {
        man.render_version_section(&mut page)?;
    }
    Ok(String::from_utf8_lossy(&page).into_owned())
}

/// A section whose lines are printed as they are (`.nf`), or nothing when `text` is empty.
fn preformatted(roff: &mut Roff, title: &str, text: &str) {
    let lines: Vec<&str> = text.lines().skip_while(|l| l.trim().is_empty()).collect();
    if lines.is_empty() {
        return;
    }
    roff.control("SH", [title]).control("nf", []);
    for line in lines {
        roff.text([roman(line.trim_end())]);
    }
    roff.control("fi", []);
}
