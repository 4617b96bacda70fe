//! `scaffold`: lays minimal, working infrastructure foundations in a repo from versioned blueprints
//! embedded in the binary.
//!
//! `run` parses the command line, dispatches to a command and prints an error once.

#[macro_use]
mod output;

mod answers;
mod apply;
mod assess;
mod blueprint;
mod cli;
mod commands;
mod config;
mod detect;
mod eol;
mod error;
mod exit;
mod fs;
#[cfg(test)]
mod fuzz;
mod interrupt;
mod lock;
mod parallel;
mod plan;
mod progress;
mod prompt;
mod questions;
mod state;
mod steps;
#[cfg(test)]
mod testutil;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::exit::ExitStatus;

/// Runs scaffold with these arguments (the first is the program name) and returns its exit code.
pub fn run<I: IntoIterator<Item = OsString>>(args: I) -> ExitCode {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitStatus::BadInput.into()
            } else {
                ExitStatus::Success.into()
            };
        }
    };
    output::set_level(cli.quiet, cli.verbose);
    interrupt::install();
    let result = match &cli.command {
        Command::Init(args) => commands::init::run(args),
        Command::Add(args) => commands::add::run(args),
        Command::List(args) => commands::list::run(args),
        Command::Upgrade(args) => commands::upgrade::run(args),
        Command::Status(args) => commands::status::run(args),
        Command::Done(args) => commands::done::run(args),
        Command::Blueprint(command) => commands::blueprint::run(command),
        Command::Assess(args) => commands::assess::run(args),
        Command::Completions { shell } => commands::manual::completions(*shell),
        Command::Man { command } => commands::manual::man(command.as_deref()),
    };
    match result {
        Ok(status) => status.into(),
        Err(error::Error::Interrupted) => interrupt::stop(),
        Err(e @ error::Error::NoneChosen) => {
            errln!("{e}");
            e.exit_status().into()
        }
        Err(e) => {
            errln!("error: {e}");
            e.exit_status().into()
        }
    }
}
