//! The command line, as clap derive data only: no I/O, no crate-internal logic.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// The exit-code table shown in `--help`; a macro so `concat!` can join it to the examples.
macro_rules! exit_codes {
    () => {
        "Exit codes:
  0  done, or nothing to do
  1  refused: files changed since scaffold wrote them (conflicts); nothing was written
  2  bad input: unknown key or value, bad answers or state file, missing answers without a terminal
  3  any other failure (I/O, a broken blueprint); the cause is printed
130  interrupted"
    };
}

/// Lay minimal, working infrastructure foundations in your repo: CI, secrets and access, backups
/// that restore, staging parity, each with an ADR saying why.
#[derive(Debug, Parser)]
#[command(name = "scaffold", version, after_help = exit_codes!(), max_term_width = 100)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Look at the repo, ask about the team's stage and stack, and write the recommended foundations
    #[command(after_help = concat!("\
Examples:
  scaffold init                                   ask in the terminal
  scaffold init --yes --set language=node --set code_owner=@acme/platform
  scaffold init --stage series-a --only ci,staging-parity --dry-run
  scaffold init --answers scaffold-answers.toml --yes

", exit_codes!()))]
    Init(InitArgs),
    /// Add foundations to a repo where `scaffold init` already ran, reusing the recorded answers
    #[command(after_help = concat!("\
Examples:
  scaffold add backup-restore
  scaffold add staging-parity --dry-run

", exit_codes!()))]
    Add(AddArgs),
    /// List the available foundations
    #[command(after_help = "Examples:\n  scaffold list\n  scaffold list --json")]
    List(ListArgs),
}

#[derive(Debug, Args)]
pub(crate) struct CommonArgs {
    /// Repository to work in
    #[arg(short = 'C', long = "dir", value_name = "DIR", default_value = ".")]
    pub(crate) dir: PathBuf,

    /// Answer a question (repeatable): `--set language=node`
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub(crate) set: Vec<String>,

    /// Read answers from a TOML file of `key = "value"` lines
    #[arg(long, value_name = "FILE")]
    pub(crate) answers: Option<PathBuf>,

    /// Take the detected or default value for every question not answered
    #[arg(short, long)]
    pub(crate) yes: bool,

    /// Print the plan and the diffs, write nothing
    #[arg(long)]
    pub(crate) dry_run: bool,

    /// Overwrite files changed since scaffold wrote them (the old content is saved under .scaffold/backup/)
    #[arg(long)]
    pub(crate) force: bool,
}

#[derive(Debug, Args)]
pub(crate) struct InitArgs {
    #[command(flatten)]
    pub(crate) common: CommonArgs,

    /// The team's stage: pre-mvp, seed, series-a, growth (same as `--set stage=...`)
    #[arg(long, value_name = "STAGE")]
    pub(crate) stage: Option<String>,

    /// Foundations to lay, comma-separated (default: those recommended for the stage)
    #[arg(long, value_name = "ID,ID", value_delimiter = ',')]
    pub(crate) only: Option<Vec<String>>,
}

#[derive(Debug, Args)]
pub(crate) struct AddArgs {
    #[command(flatten)]
    pub(crate) common: CommonArgs,

    /// Foundations to add, e.g. `backup-restore`
    #[arg(value_name = "FOUNDATION", required = true)]
    pub(crate) foundations: Vec<String>,
}

#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// Print JSON instead of a table
    #[arg(long)]
    pub(crate) json: bool,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        super::Cli::command().debug_assert();
    }
}
