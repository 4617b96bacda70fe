//! `scaffold init`: answer the questions and lay the foundations recommended for the stage.

use crate::cli::InitArgs;
use crate::commands::lay::{self, Selection};
use crate::config::Config;
use crate::error::Result;
use crate::exit::ExitStatus;

pub(crate) fn run(args: &InitArgs) -> Result<ExitStatus> {
    let config = Config::from_args(&args.common)?;
    lay::run(
        &config,
        args.stage.as_deref(),
        Selection::Init {
            only: args.only.as_deref(),
        },
    )
}
