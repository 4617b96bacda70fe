//! `scaffold init`: answer the questions and lay the foundations recommended for the stage.

use crate::cli::InitArgs;
use crate::commands::lay::{self, Selection};
use crate::config::{Config, Found};
use crate::error::{Error, Result};
use crate::exit::ExitStatus;
use crate::prompt::{Prompter, Terminal};

pub(crate) fn run(args: &InitArgs) -> Result<ExitStatus> {
    let config = Config::from_args(&args.common)?;
    if config.found == Found::Nowhere {
        confirm_outside_git(&config)?;
    }
    lay::run(
        &config,
        args.stage.as_deref(),
        Selection::Init {
            only: args.only.as_deref(),
        },
    )
}

/// Outside any git repository (and without `-C`), a person at a terminal is asked whether the
/// current folder is really the place; without a terminal, or with `--yes`, the answer is no.
fn confirm_outside_git(config: &Config) -> Result<()> {
    let refuse = || Error::NotARepo {
        dir: config.root.clone(),
    };
    if !config.interactive || config.yes {
        return Err(refuse());
    }
    let items = [
        "No: stop here (run `git init` first, or pass -C DIR)".to_owned(),
        format!("Yes: lay foundations in {}", config.root.display()),
    ];
    let prompt = "This folder is not inside a git repository. Lay foundations here anyway?";
    match Terminal::new().select(prompt, &items, 0)? {
        1 => Ok(()),
        _ => Err(refuse()),
    }
}
