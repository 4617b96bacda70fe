//! Integration tests: the real binary on temporary repos. One module per command or concern.

mod support;

mod add;
mod errors;
mod init;
mod list;
mod prompts;
mod snapshots;
mod validators;
