//! `scaffold upgrade`: re-render applied foundations with the newest blueprints from their source,
//! merging the team's edits three ways.

use crate::cli::UpgradeArgs;
use crate::commands::lay::{self, Selection};
use crate::config::Config;
use crate::error::Result;
use crate::exit::ExitStatus;

pub(crate) fn run(args: &UpgradeArgs) -> Result<ExitStatus> {
    let config = Config::from_args(&args.common)?;
    lay::run(
        &config,
        args.stage.as_deref(),
        Selection::Upgrade {
            ids: &args.foundations,
        },
    )
}
