//! `scaffold assess`: reads the repo and prints its infrastructure map.

use crate::cli::AssessArgs;
use crate::error::Result;
use crate::exit::ExitStatus;

pub(crate) fn run(args: &AssessArgs) -> Result<ExitStatus> {
    let _ = args;
    Err(crate::error::Error::NothingSelected { known: Vec::new() })
}
