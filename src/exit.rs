//! Exit codes: one enum, returned from `main`, documented in `--help` and the README.

/// How the process ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExitStatus {
    /// Done, or nothing to do.
    Success = 0,
    /// Refused: conflicts with the user's files; nothing was written.
    Refused = 1,
    /// Bad input: unknown key or value, bad answers or state file, missing answers without a terminal.
    BadInput = 2,
    /// Any other failure (I/O, a broken blueprint); the cause is printed.
    Failure = 3,
    /// Interrupted at a prompt (Ctrl-C).
    Interrupted = 130,
}

impl From<ExitStatus> for std::process::ExitCode {
    fn from(status: ExitStatus) -> Self {
        std::process::ExitCode::from(status as u8)
    }
}
