#[allow(unused_imports)]
use {clap as _, dialoguer as _, handlebars as _, include_dir as _, semver as _, serde as _, serde_json as _, sha2 as _, similar as _, tempfile as _, thiserror as _, time as _, toml as _};
fn main() {}
