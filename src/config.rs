//! Turns the parsed command line into a `Config`: the only place that reads the current directory,
//! the environment and whether a terminal is attached.

use std::ffi::OsStr;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::answers::parse_set;
use crate::blueprint::source::{GitOptions, Reader};
use crate::cli::CommonArgs;
use crate::error::{Error, Result};

/// How the repository root was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Found {
    /// Named by `-C DIR`.
    Given,
    /// The nearest folder upwards holding `.scaffold/state.toml`.
    State,
    /// The root of the enclosing git work tree.
    Git,
    /// Neither: the current folder, outside any git repository.
    Nowhere,
}

/// The repository a command works in, absolute, and how it was found.
#[derive(Debug, Clone)]
pub(crate) struct Root {
    pub(crate) path: PathBuf,
    pub(crate) found: Found,
}

/// The repository to work in: `-C DIR` when given (it must be a directory), else the nearest
/// folder from the current one upwards that holds `.scaffold/state.toml` or is a git work tree's
/// root (whichever comes first: a repo scaffold already runs in can sit in a subfolder of a
/// monorepo), else the current folder.
pub(crate) fn repo_root(dir: Option<&Path>) -> Result<Root> {
    let (start, given) = match dir {
        Some(dir) => (dir, true),
        None => (Path::new("."), false),
    };
    let path = std::path::absolute(start).map_err(|source| Error::Read {
        path: start.to_owned(),
        source,
    })?;
    if !path.is_dir() {
        return Err(Error::NotADirectory {
            path: start.to_owned(),
        });
    }
    if given {
        return Ok(Root {
            path,
            found: Found::Given,
        });
    }
    Ok(discover(&path))
}

/// The nearest enclosing folder holding scaffold's state or a git work tree, else `cwd` itself.
fn discover(cwd: &Path) -> Root {
    for dir in cwd.ancestors() {
        if dir.join(".scaffold").join("state.toml").is_file() {
            return Root {
                path: dir.to_owned(),
                found: Found::State,
            };
        }
        if dir.join(".git").exists() {
            return Root {
                path: dir.to_owned(),
                found: Found::Git,
            };
        }
    }
    Root {
        path: cwd.to_owned(),
        found: Found::Nowhere,
    }
}

/// Which files `--force` takes back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) enum Force {
    /// No `--force`: the team's changes are kept, merged or asked about.
    #[default]
    No,
    /// `--force`: every file.
    All,
    /// `--force=PATH...`: these paths, from the repository root.
    Paths(Vec<String>),
}

impl Force {
    /// From clap's `--force[=PATH]...`: absent, bare, or with paths (`./` at the start dropped).
    pub(crate) fn from_flag(flag: Option<&[String]>) -> Force {
        match flag {
            None => Force::No,
            Some([]) => Force::All,
            Some(paths) => Force::Paths(
                paths
                    .iter()
                    .map(|p| p.trim_start_matches("./").to_owned())
                    .collect(),
            ),
        }
    }

    /// Whether `--force` takes back the file at `path`.
    pub(crate) fn covers(&self, path: &str) -> bool {
        match self {
            Force::No => false,
            Force::All => true,
            Force::Paths(paths) => paths.iter().any(|p| p == path),
        }
    }
}

/// What `init` and `add` need to know about how they were called.
// Independent switches, each named after its flag: clearer as bools than as a state enum.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Clone)]
pub(crate) struct Config {
    /// The repository root, absolute.
    pub(crate) root: PathBuf,
    /// How the root was found (`init` outside any git repository asks first).
    pub(crate) found: Found,
    /// Whether questions may be asked (a terminal on stdin and stderr).
    pub(crate) interactive: bool,
    /// `--yes`: take defaults instead of asking.
    pub(crate) yes: bool,
    /// `--dry-run`: print the plan, write nothing.
    pub(crate) dry_run: bool,
    /// `-v`: say why (detection, recommendations) and print whole CHANGELOG entries.
    pub(crate) verbose: bool,
    /// `--force`: take the blueprint's version (after a backup) of every file, or of some.
    pub(crate) force: Force,
    /// `--set` pairs, in order.
    pub(crate) sets: Vec<(String, String)>,
    /// `--answers FILE`.
    pub(crate) answers_file: Option<PathBuf>,
    /// `--source SRC`: a fork of the blueprints.
    pub(crate) source: Option<String>,
    /// `--ref REF`: the git ref of the source.
    pub(crate) reference: Option<String>,
    /// The directory scaffold was started in (relative `--source` paths start here).
    pub(crate) cwd: PathBuf,
    /// The date written into new ADRs and state records: `SOURCE_DATE_EPOCH` (the
    /// reproducible-builds convention) when set, else today (UTC).
    pub(crate) today: String,
    /// How long a run waits for another one to release the repo's lock:
    /// `SCAFFOLD_LOCK_WAIT` seconds, else 10.
    pub(crate) lock_wait: std::time::Duration,
    /// How git fetches a git `--source` (see `git_options`).
    pub(crate) git: GitOptions,
}

/// The lock wait the environment asks for (`SCAFFOLD_LOCK_WAIT`), for every command that writes.
pub(crate) fn lock_wait_from_env() -> Result<std::time::Duration> {
    lock_wait(std::env::var_os("SCAFFOLD_LOCK_WAIT").as_deref())
}

/// The lock wait from `SCAFFOLD_LOCK_WAIT` (whole or fractional seconds), else 10 s.
pub(crate) fn lock_wait(value: Option<&std::ffi::OsStr>) -> Result<std::time::Duration> {
    let Some(raw) = value else {
        return Ok(std::time::Duration::from_secs(10));
    };
    let text = raw.to_string_lossy();
    text.trim()
        .parse::<f64>()
        .ok()
        .and_then(|s| std::time::Duration::try_from_secs_f64(s).ok())
        .ok_or_else(|| Error::EnvValue {
            name: "SCAFFOLD_LOCK_WAIT",
            value: text.into_owned(),
            expected: "a number of seconds",
        })
}

/// How git runs for blueprint sources: `SCAFFOLD_GIT_TIMEOUT` seconds in all per source (default
/// 60), and ssh in batch mode unless the user set `GIT_SSH_COMMAND` or `GIT_SSH`.
pub(crate) fn git_options() -> Result<GitOptions> {
    let own_ssh =
        std::env::var_os("GIT_SSH_COMMAND").is_some() || std::env::var_os("GIT_SSH").is_some();
    parse_git_options(std::env::var_os("SCAFFOLD_GIT_TIMEOUT").as_deref(), own_ssh)
}

/// The longest `SCAFFOLD_GIT_TIMEOUT` taken: a day.
const MAX_GIT_TIMEOUT_SECONDS: u64 = 86_400;

fn parse_git_options(timeout: Option<&OsStr>, own_ssh: bool) -> Result<GitOptions> {
    let mut options = GitOptions {
        batch_ssh: !own_ssh,
        ..GitOptions::default()
    };
    if let Some(raw) = timeout {
        let seconds = raw
            .to_str()
            .and_then(|s| s.trim().parse::<u64>().ok())
            .filter(|s| (1..=MAX_GIT_TIMEOUT_SECONDS).contains(s))
            .ok_or_else(|| Error::GitTimeoutSetting {
                value: raw.to_string_lossy().into_owned(),
            })?;
        options.timeout = Duration::from_secs(seconds);
    }
    Ok(options)
}

/// Today's date as `YYYY-MM-DD`: from `SOURCE_DATE_EPOCH` (seconds since 1970, UTC) when given,
/// else from the clock.
pub(crate) fn today(source_date_epoch: Option<&std::ffi::OsStr>) -> Result<String> {
    let Some(raw) = source_date_epoch else {
        return Ok(time::OffsetDateTime::now_utc().date().to_string());
    };
    let bad = || Error::SourceDateEpoch {
        value: raw.to_string_lossy().into_owned(),
    };
    let seconds: i64 = raw
        .to_str()
        .ok_or_else(bad)?
        .trim()
        .parse()
        .map_err(|_| bad())?;
    let moment = time::OffsetDateTime::from_unix_timestamp(seconds).map_err(|_| bad())?;
    Ok(moment.date().to_string())
}

impl Config {
    pub(crate) fn from_args(args: &CommonArgs) -> Result<Config> {
        let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
        let today = today(std::env::var_os("SOURCE_DATE_EPOCH").as_deref())?;
        let mut config = Self::build(args, interactive, today)?;
        config.lock_wait = lock_wait_from_env()?;
        config.git = git_options()?;
        Ok(config)
    }

    /// How this run reads blueprint sources.
    pub(crate) fn sources(&self) -> Reader<'_> {
        Reader {
            cwd: &self.cwd,
            repo: Some(&self.root),
            git: &self.git,
        }
    }

    fn build(args: &CommonArgs, interactive: bool, today: String) -> Result<Config> {
        let Root { path: root, found } = repo_root(args.dir.as_deref())?;
        let sets = args
            .set
            .iter()
            .map(|s| parse_set(s))
            .collect::<Result<Vec<_>>>()?;
        Ok(Config {
            root,
            found,
            interactive,
            yes: args.yes,
            dry_run: args.dry_run,
            verbose: crate::output::verbose(),
            force: Force::from_flag(args.force.as_deref()),
            sets,
            answers_file: args.answers.clone(),
            source: args.source.clone(),
            reference: args.reference.clone(),
            cwd: std::path::absolute(".").map_err(|source| Error::Read {
                path: PathBuf::from("."),
                source,
            })?,
            today,
            lock_wait: std::time::Duration::from_secs(10),
            git: GitOptions::default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(dir: &str, set: &[&str]) -> CommonArgs {
        CommonArgs {
            dir: Some(dir.into()),
            set: set.iter().map(|s| (*s).to_owned()).collect(),
            answers: None,
            yes: false,
            dry_run: false,
            force: None,
            source: None,
            reference: None,
        }
    }

    #[test]
    fn set_pairs_are_split_on_the_first_equals_sign() {
        let config =
            Config::build(&args(".", &["stage=seed", "x=a=b"]), false, String::new()).unwrap();
        assert_eq!(
            config.sets,
            [("stage".into(), "seed".into()), ("x".into(), "a=b".into())]
        );
        assert!(config.root.is_absolute());
    }

    #[test]
    fn bad_input_is_named() {
        let err = Config::build(&args(".", &["stage"]), false, String::new()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "`stage` is not of the form KEY=VALUE (e.g. `--set language=node`)"
        );
        let err = Config::build(&args("/nonexistent/x", &[]), false, String::new()).unwrap_err();
        assert_eq!(err.to_string(), "`/nonexistent/x` is not a directory");
    }

    #[test]
    fn source_date_epoch_sets_the_date() {
        let day = |v: &str| today(Some(std::ffi::OsStr::new(v)));
        assert_eq!(day("0").unwrap(), "1970-01-01");
        assert_eq!(day("1767225600").unwrap(), "2026-01-01");
        assert_eq!(day(" 1767311999\n").unwrap(), "2026-01-01");
        assert_eq!(
            day("yesterday").unwrap_err().to_string(),
            "SOURCE_DATE_EPOCH `yesterday` is not a number of seconds since 1970-01-01 UTC"
        );
        assert!(day("99999999999999999").is_err());
    }

    #[test]
    fn the_lock_wait_is_seconds() {
        let wait = |v: &str| lock_wait(Some(std::ffi::OsStr::new(v)));
        assert_eq!(lock_wait(None).unwrap().as_secs(), 10);
        assert_eq!(wait("0.5").unwrap().as_millis(), 500);
        assert_eq!(
            wait("-1").unwrap_err().to_string(),
            "SCAFFOLD_LOCK_WAIT `-1` is not valid: expected a number of seconds"
        );
    }

    #[test]
    fn git_timeout_and_ssh_come_from_the_environment() {
        let timeout = |v: Option<&str>, own_ssh| parse_git_options(v.map(OsStr::new), own_ssh);
        assert_eq!(
            timeout(None, false).unwrap(),
            GitOptions {
                timeout: Duration::from_mins(1),
                batch_ssh: true
            }
        );
        let set = timeout(Some(" 2\n"), true).unwrap();
        assert_eq!(set.timeout, Duration::from_secs(2));
        assert!(!set.batch_ssh, "the user's own ssh command is kept");
        for bad in ["0", "-1", "1.5", "soon", "86401"] {
            assert_eq!(
                timeout(Some(bad), false).unwrap_err().to_string(),
                format!(
                    "SCAFFOLD_GIT_TIMEOUT `{bad}` is not a whole number of seconds from 1 to 86400"
                )
            );
        }
    }
}
