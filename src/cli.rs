//! The command line, as clap derive data only: no I/O, no crate-internal logic.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// The exit-code table shown in `--help`; a macro so `concat!` can join it to the examples.
macro_rules! exit_codes {
    () => {
        "Exit codes:
  0  done, or nothing to do
  1  refused: your files differ from what scaffold would write (conflicts), nothing was written;
     or a --check failed
  2  bad input: unknown key or value, bad answers or state file, missing answers without a terminal
  3  any other failure (I/O, a broken blueprint, git past its timeout); the cause is printed
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

    /// Print only errors and warnings (and what --json asks for)
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub(crate) quiet: bool,

    /// Also say why: what detection saw, why each foundation is recommended, whole changelogs
    #[arg(short, long, global = true)]
    pub(crate) verbose: bool,
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
  scaffold init --force                           take back every file you changed or deleted
  scaffold init --force=.github/dependabot.yml    only that one

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
    /// Upgrade applied foundations to the newest blueprint versions, merging your edits
    #[command(after_help = concat!("\
Examples:
  scaffold upgrade --dry-run                      see what would change, with diffs
  scaffold upgrade                                all applied foundations
  scaffold upgrade ci --set production_branch=release
  scaffold upgrade --stage series-a               re-plan for a new stage
  scaffold upgrade --ref v2.1.0                   a fork's newer tag
  scaffold upgrade -v                             with the whole CHANGELOG of each new version
  scaffold upgrade --force=.github/dependabot.yml take the blueprint's version of that file only

Edited files are merged three ways (base: what scaffold wrote last time). Overlapping changes are
written with conflict markers, listed, and the exit code is 1.

", exit_codes!()))]
    Upgrade(UpgradeArgs),
    /// Show each applied foundation's version, the newest available, and the state of its files
    #[command(
        after_help = "Examples:\n  scaffold status\n  scaffold status --json\n  scaffold status --check    exit 1 if a foundation is outdated, the source has a newer tag, or a file has conflicts (for CI)"
    )]
    Status(StatusArgs),
    /// Mark next steps done (those scaffold cannot see in the repo: a branch rule, a secret)
    #[command(
        after_help = "Examples:\n  scaffold status                               lists the open steps with their ids\n  scaffold done ci-protect-production-branch-settings"
    )]
    Done(DoneArgs),
    /// Work on a fork of the blueprints: eject an embedded one, start a new one, lint a fork
    #[command(subcommand)]
    Blueprint(BlueprintCommand),
    /// Map the repo's infrastructure gaps, ranked for the team's stage (writes nothing unless --write)
    #[command(
        after_help = "Examples:\n  scaffold assess\n  scaffold assess --json --stage series-a\n  scaffold assess --write\n  scaffold assess --check --stage series-a    exit 1 if an area planned for now is missing (for CI)"
    )]
    Assess(AssessArgs),
    /// Print a shell completion script
    #[command(after_help = "Examples:
  scaffold completions bash > ~/.local/share/bash-completion/completions/scaffold
  scaffold completions zsh > ~/.zfunc/_scaffold
  scaffold completions fish > ~/.config/fish/completions/scaffold.fish")]
    Completions {
        /// The shell to complete in
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) of scaffold or of one of its commands
    #[command(after_help = "Examples:
  scaffold man | man -l -
  scaffold man init | man -l -
  scaffold man > ~/.local/share/man/man1/scaffold.1")]
    Man {
        /// The command whose page to print (default: scaffold's own)
        command: Option<String>,
    },
}

#[derive(Debug, Args)]
pub(crate) struct CommonArgs {
    /// Repository to work in (default: the folder holding `.scaffold/state.toml`, else the git
    /// work tree, found from the current folder upwards)
    #[arg(short = 'C', long = "dir", value_name = "DIR")]
    pub(crate) dir: Option<PathBuf>,

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

    /// Take the blueprint's version of files you changed or deleted (yours is saved under
    /// .scaffold/backup/ first); on upgrade, instead of merging. `--force=PATH` (repeatable, path
    /// from the repository root) takes back only those files
    #[arg(
        long,
        value_name = "PATH",
        num_args = 0..=1,
        require_equals = true,
        action = clap::ArgAction::Append
    )]
    pub(crate) force: Option<Vec<String>>,

    /// Blueprints from a fork: a directory laid out like `blueprints/`, or a git URL (https, ssh,
    /// git, file) or repository. Recorded, so later runs use it without the flag; a directory
    /// outside the repository must be given again (`SCAFFOLD_GIT_TIMEOUT`: seconds git may take, 60)
    #[arg(long, value_name = "SRC")]
    pub(crate) source: Option<String>,

    /// With a git --source: the tag, branch or commit to use (a recorded source stays at its
    /// recorded commit; `scaffold upgrade --ref` moves it)
    #[arg(long = "ref", value_name = "REF")]
    pub(crate) reference: Option<String>,
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
pub(crate) struct UpgradeArgs {
    #[command(flatten)]
    pub(crate) common: CommonArgs,

    /// The team's new stage: adds the foundations it recommends and deepens the others
    #[arg(long, value_name = "STAGE")]
    pub(crate) stage: Option<String>,

    /// Foundations to upgrade (default: every applied one)
    #[arg(value_name = "FOUNDATION")]
    pub(crate) foundations: Vec<String>,
}

#[derive(Debug, Args)]
pub(crate) struct StatusArgs {
    /// Repository to look at (default: found from the current folder upwards, as for `init`)
    #[arg(short = 'C', long = "dir", value_name = "DIR")]
    pub(crate) dir: Option<PathBuf>,

    /// Print JSON instead of a table
    #[arg(long)]
    pub(crate) json: bool,

    /// Exit 1 if any foundation is outdated, the source has a newer release tag, or a file has
    /// unresolved conflicts
    #[arg(long)]
    pub(crate) check: bool,

    /// Compare with this fork instead of the recorded one (a directory or a git URL); a directory
    /// recorded outside the repository is read only when given again
    #[arg(long, value_name = "SRC")]
    pub(crate) source: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct DoneArgs {
    /// Repository to work in (default: found from the current folder upwards, as for `init`)
    #[arg(short = 'C', long = "dir", value_name = "DIR")]
    pub(crate) dir: Option<PathBuf>,

    /// The steps, by the id `scaffold status` shows
    #[arg(required = true, value_name = "STEP-ID")]
    pub(crate) steps: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum BlueprintCommand {
    /// Copy an embedded blueprint into a fork directory, ready to edit
    #[command(after_help = "Example:\n  scaffold blueprint eject ci --to ../our-blueprints")]
    Eject {
        /// The blueprint to copy
        id: String,
        /// The fork directory (the blueprint lands in DIR/ID)
        #[arg(long, value_name = "DIR")]
        to: PathBuf,
    },
    /// Write a minimal, documented blueprint skeleton into a fork directory
    #[command(
        after_help = "Example:\n  scaffold blueprint new observability --to ../our-blueprints"
    )]
    New {
        /// The new blueprint's id ([a-z0-9-])
        id: String,
        /// The fork directory (the blueprint lands in DIR/ID)
        #[arg(long, value_name = "DIR")]
        to: PathBuf,
    },
    /// Check every blueprint of a fork: manifests, and every template rendered for every
    /// combination of answers (a fixed sample past --max-combinations); exit 1 if anything is wrong
    #[command(
        after_help = "Examples:\n  scaffold blueprint lint ../our-blueprints\n  scaffold blueprint lint ../our-blueprints --max-combinations 100000"
    )]
    Lint {
        /// The fork directory
        dir: PathBuf,
        /// Render at most this many answer combinations per blueprint; past it, a sample of
        /// this many, spread over every value of every question
        #[arg(long, value_name = "N", default_value_t = 4096, value_parser = clap::value_parser!(u32).range(1..))]
        max_combinations: u32,
    },
}

#[derive(Debug, Args)]
pub(crate) struct AssessArgs {
    /// Repository to assess (default: found from the current folder upwards, as for `init`)
    #[arg(short = 'C', long = "dir", value_name = "DIR")]
    pub(crate) dir: Option<PathBuf>,

    /// Print JSON instead of a table
    #[arg(long)]
    pub(crate) json: bool,

    /// Write docs/infra/TERRAIN.md (updated in place on later runs)
    #[arg(long)]
    pub(crate) write: bool,

    /// The team's stage (default: the recorded one, else seed)
    #[arg(long, value_name = "STAGE")]
    pub(crate) stage: Option<String>,

    /// Exit 1 when an area planned for now (for the stage) is missing, for a CI job
    #[arg(long)]
    pub(crate) check: bool,
}

#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// Print JSON instead of a table
    #[arg(long)]
    pub(crate) json: bool,

    /// Blueprints from a fork (directory or git URL) laid over the embedded ones
    #[arg(long, value_name = "SRC")]
    pub(crate) source: Option<String>,

    /// With a git source: the tag, branch or commit to use
    #[arg(long = "ref", value_name = "REF")]
    pub(crate) reference: Option<String>,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        super::Cli::command().debug_assert();
    }

    /// `--force` alone takes back every file; `--force=PATH` only those; a word after a bare
    /// `--force` is never taken for a path (`upgrade --force ci` upgrades `ci`, forcing all).
    #[test]
    fn force_takes_paths_only_after_an_equals_sign() {
        use clap::Parser;
        let upgrade = |args: &[&str]| {
            let mut argv = vec!["scaffold", "upgrade"];
            argv.extend_from_slice(args);
            match super::Cli::try_parse_from(argv).unwrap().command {
                super::Command::Upgrade(a) => (a.common.force, a.foundations),
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(upgrade(&[]), (None, vec![]));
        assert_eq!(upgrade(&["--force"]), (Some(vec![]), vec![]));
        assert_eq!(
            upgrade(&["--force", "ci"]),
            (Some(vec![]), vec!["ci".to_owned()])
        );
        assert_eq!(
            upgrade(&["--force=a.yml", "--force=b/c.md", "ci"]),
            (
                Some(vec!["a.yml".to_owned(), "b/c.md".to_owned()]),
                vec!["ci".to_owned()]
            )
        );
        let init = super::Cli::try_parse_from(["scaffold", "init", "--force", "ci"]);
        assert!(init.is_err(), "init takes no positional: `ci` is an error");
    }
}
