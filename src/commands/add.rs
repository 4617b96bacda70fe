//! `scaffold add`: lay more foundations, reusing the answers recorded by earlier runs.

use crate::cli::AddArgs;
use crate::commands::lay::{self, Selection};
use crate::config::Config;
use crate::error::Result;
use crate::exit::ExitStatus;

pub(crate) fn run(args: &AddArgs) -> Result<ExitStatus> {
    let config = Config::from_args(&args.common)?;
    lay::run(
        &config,
        None,
        Selection::Add {
            ids: &args.foundations,
        },
    )
}
