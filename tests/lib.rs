//! Integration tests: the real binary on temporary repos. One module per command or concern.

// File names here are the ones scaffold writes, in lowercase by construction.
#![allow(clippy::case_sensitive_file_extension_comparisons)]

mod support;

mod add;
mod assess;
mod backup_bucket;
mod backup_restore;
mod cost_guardrails;
mod crash;
mod errors;
mod forks;
mod fuzz;
mod hostile;
mod iac;
mod init;
mod list;
mod machine;
mod manual;
mod observability;
mod parity_check;
mod production_access;
mod prompts;
mod quiet;
mod release;
mod release_gates;
mod reproducible;
mod root;
mod secrets_rbac;
mod snapshots;
mod support_table;
mod toolchains;
mod upgrade;
mod validators;
