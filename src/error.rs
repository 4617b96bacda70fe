//! The one error type of `scaffold`: every variant carries the data a user needs to act on it.

use std::path::PathBuf;

use crate::exit::ExitStatus;
use crate::fs::Blocker;

pub(crate) type Result<T, E = Error> = std::result::Result<T, E>;

/// Where an answer came from, so an error can point at it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Origin {
    /// `--set key=value`.
    Flag,
    /// A line of an `--answers` file.
    AnswersFile { path: PathBuf, line: usize },
    /// The recorded answers in `.scaffold/state.toml`.
    State,
    /// A command-line option of its own, e.g. `--stage`.
    Option { name: &'static str },
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Flag => write!(f, "--set"),
            Origin::AnswersFile { path, line } => write!(f, "`{}` line {line}", path.display()),
            Origin::State => write!(f, "`.scaffold/state.toml`"),
            Origin::Option { name } => write!(f, "{name}"),
        }
    }
}

/// A question that has no answer, with an example of how to give one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Missing {
    pub(crate) key: String,
    pub(crate) example: String,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    #[error("`{arg}` is not of the form KEY=VALUE (e.g. `--set language=node`)")]
    SetSyntax { arg: String },

    #[error("unknown key `{key}` ({origin}){}; known keys: {}", did_you_mean(key, known), known.join(", "))]
    UnknownKey {
        key: String,
        origin: Origin,
        known: Vec<String>,
    },

    #[error("invalid value `{value}` for `{key}` ({origin}): {expected}")]
    BadValue {
        key: String,
        value: String,
        origin: Origin,
        expected: String,
    },

    #[error("`{key}` is given twice ({first} and {second})")]
    DuplicateKey {
        key: String,
        first: Origin,
        second: Origin,
    },

    #[error("cannot read answers file `{}`: {source}", path.display())]
    AnswersRead {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("invalid answers file `{}` line {line}: {message}", path.display())]
    AnswersSyntax {
        path: PathBuf,
        line: usize,
        message: String,
    },

    #[error("{} missing {}:\n{}\nanswer with --set KEY=VALUE{}",
        if missing.len() == 1 { "an answer is" } else { "answers are" },
        if *yes {
            if missing.len() == 1 { "(--yes takes the defaults, and this question has none)" } else { "(--yes takes the defaults, and these questions have none)" }
        } else { "and there is no terminal to ask" },
        missing.iter().map(|m| format!("  {:<22} e.g. --set {}", m.key, m.example)).collect::<Vec<_>>().join("\n"),
        if *yes { " or an --answers file" } else { ", an --answers file, or --yes to take the defaults" })]
    MissingAnswers { missing: Vec<Missing>, yes: bool },

    #[error("unknown foundation `{id}`{}; available: {}", did_you_mean(id, known), known.join(", "))]
    UnknownFoundation { id: String, known: Vec<String> },

    #[error("foundation `{id}` needs `{key}` to be one of {} (it is `{value}`); leave it out, or answer --set {key}=...", allowed.join(", "))]
    Unfit {
        id: String,
        key: String,
        value: String,
        allowed: Vec<String>,
    },

    #[error(
        "{id} needs {needs}: add it with --only {with}, or lay it first (`scaffold add {needs}`)"
    )]
    MissingDependency {
        id: String,
        needs: String,
        with: String,
    },

    #[error("no next step `{id}`; open steps: {}", if open.is_empty() { "none".to_owned() } else { open.join(", ") })]
    UnknownStep { id: String, open: Vec<String> },

    #[error(
        "`--force={path}`: no file `{path}` in this run{}; give paths from the repository root (`--dry-run` lists this run's files)",
        did_you_mean_path(path, known)
    )]
    ForceNotInPlan { path: String, known: Vec<String> },

    #[error(
        "blueprint source `{location}` recorded in `.scaffold/state.toml` is not there any more (moved or deleted?); give its new place with `--source DIR`"
    )]
    RecordedSourceMissing { location: String },

    #[error("no foundation selected; choose some with --only ID,ID (available: {})", known.join(", "))]
    NothingSelected { known: Vec<String> },

    #[error("`{}` is not a directory", path.display())]
    NotADirectory { path: PathBuf },

    #[error("blueprint `{blueprint}`: invalid `{file}`: {message}")]
    Manifest {
        blueprint: String,
        file: String,
        message: String,
    },

    #[error("blueprint `{blueprint}`: template `{template}`{}: {message}",
        line.map(|l| format!(" line {l}")).unwrap_or_default())]
    Template {
        blueprint: String,
        template: String,
        line: Option<usize>,
        message: String,
    },

    #[error(
        "blueprint `{blueprint}`: template `{template}` nests blocks, subexpressions or partials more than {max} deep"
    )]
    TemplateTooDeep {
        blueprint: String,
        template: String,
        max: usize,
    },

    #[error(
        "blueprint `{blueprint}`: template `{template}`: partial `{partial}` can include itself (directly or through other partials)"
    )]
    PartialRecursion {
        blueprint: String,
        template: String,
        partial: String,
    },

    #[error("blueprint `{blueprint}`: template `{template}` renders more than {} MiB", max_bytes >> 20)]
    TemplateTooLarge {
        blueprint: String,
        template: String,
        max_bytes: usize,
    },

    #[error("blueprint `{blueprint}`: rendered path `{path}` {reason}")]
    UnsafePath {
        blueprint: String,
        path: String,
        reason: &'static str,
    },

    #[error("blueprints `{first}` and `{second}` both write `{path}`")]
    PathClash {
        path: String,
        first: String,
        second: String,
    },

    #[error("{} {} not what scaffold would write; nothing was written:\n{}\nkeep yours by leaving the foundation out (--only ...), or overwrite with --force (yours is saved under .scaffold/backup/)",
        if paths.len() == 1 { "a file" } else { "files" },
        if paths.len() == 1 { "is" } else { "are" },
        paths.iter().map(|p| format!("  {} (foundation `{}`): {}", p.path, p.foundation,
            if p.written { "changed since scaffold wrote it" } else { "already there, not written by scaffold" })).collect::<Vec<_>>().join("\n"))]
    Conflicts { paths: Vec<ConflictPath> },

    #[error("state file `{}` is not valid: {message}", path.display())]
    StateCorrupt { path: PathBuf, message: String },

    #[error("state file `{}` has format version {found}, this scaffold reads version {supported}: upgrade scaffold",
        path.display())]
    StateVersion {
        path: PathBuf,
        found: u64,
        supported: u64,
    },

    #[error("failed to read `{}`: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("failed to write `{}`: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("`{}` already exists; choose another --to or remove it", path.display())]
    Exists { path: PathBuf },

    #[error("nothing to upgrade: no foundation is applied here yet; run `scaffold init` first")]
    NothingApplied,

    #[error("foundation `{id}` is not applied here (applied: {}); add it with `scaffold add {id}`", applied.join(", "))]
    NotApplied { id: String, applied: Vec<String> },

    #[error("--ref needs a git --source (none is given or recorded)")]
    RefWithoutSource,

    #[error(
        "--ref `{reference}` would move the recorded blueprint source {recorded} to another version; run `scaffold upgrade --ref {reference}` (it merges your edits), or give --source with --ref"
    )]
    RefMovesRecordedSource { reference: String, recorded: String },

    #[error("refusing symlink `{}` in a blueprint source: a fork may hold only regular files", path.display())]
    ForkSymlink { path: PathBuf },

    #[error("refusing `{}` in a blueprint source: a fork may not hold version-control metadata (`.git`, `.hg`, `.svn`)", path.display())]
    ForkMetadata { path: PathBuf },

    #[error(
        "blueprint source `{location}` recorded in `.scaffold/state.toml` {reason}; scaffold reads a recorded directory only inside the repository: give it again with `--source {location}`"
    )]
    RecordedSourceOutside {
        location: String,
        reason: &'static str,
    },

    #[error(
        "git source `{url}`: transport `{transport}` is not allowed (allowed: https, ssh, git, file)"
    )]
    GitTransport { url: String, transport: String },

    #[error(
        "git source `{url}`: git did not finish within {seconds} s and was stopped; for a slow source raise SCAFFOLD_GIT_TIMEOUT (seconds)"
    )]
    GitTimeout { url: String, seconds: u64 },

    #[error("SCAFFOLD_GIT_TIMEOUT `{value}` is not a whole number of seconds from 1 to 86400")]
    GitTimeoutSetting { value: String },

    #[error(
        "blueprint source `{spec}` is neither a directory nor a git URL (for a local git repository use file:///path/to/repo)"
    )]
    SourceNotFound { spec: String },

    #[error("git source `{url}`: `{command}` failed: {message}")]
    Git {
        url: String,
        command: String,
        message: String,
    },

    #[error("git source `{url}`: no tag, branch or commit `{reference}`")]
    GitRef { url: String, reference: String },

    #[error("SOURCE_DATE_EPOCH `{value}` is not a number of seconds since 1970-01-01 UTC")]
    SourceDateEpoch { value: String },

    #[error("`{}` is a symlink to a folder outside the repo; scaffold never writes or reads outside the repo: replace it with a folder", path.display())]
    OutsideRepo { path: PathBuf },

    #[error("`{}` {}{}", path.display(), blocker.describe(),
        if *blocker == Blocker::TooLarge { format!(" (at most {cap} bytes)") } else { String::new() })]
    Unreadable {
        path: PathBuf,
        blocker: Blocker,
        cap: u64,
    },

    #[error("{} cannot be written; nothing was written:\n{}\nreplace {} with a regular UTF-8 file, or leave the foundation out (--only ...)",
        if paths.len() == 1 { "a file" } else { "files" },
        paths.iter().map(|(p, b)| format!("  {p} {}", b.describe())).collect::<Vec<_>>().join("\n"),
        if paths.len() == 1 { "it" } else { "them" })]
    Blocked { paths: Vec<(String, Blocker)> },

    #[error("another scaffold run holds `{}` ({holder}); wait for it to finish, or remove the file if that process is gone", path.display())]
    Locked { path: PathBuf, holder: String },

    #[error("{name} `{value}` is not valid: expected {expected}")]
    EnvValue {
        name: &'static str,
        value: String,
        expected: &'static str,
    },

    #[error("`{path}` has its own top-level `include:`, and a YAML file holds only one; nothing was written:\nadd scaffold's job {} to that list, then run scaffold again:\n{}",
        if missing.len() == 1 { "file" } else { "files" },
        missing.iter().map(|m| format!("  - local: {m}")).collect::<Vec<_>>().join("\n"))]
    GitlabInclude { path: String, missing: Vec<String> },

    #[error("`{path}` lists `stages:` without {}, which scaffold's jobs run in; nothing was written:\nadd {} to that list (GitLab's default order is build, test, deploy), then run scaffold again",
        missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", "),
        if missing.len() == 1 { "it" } else { "them" })]
    GitlabStages { path: String, missing: Vec<String> },

    #[error("prompt failed: {source}")]
    Prompt { source: std::io::Error },

    #[error("interrupted")]
    Interrupted,

    /// `none` in the picker: a choice, not a failure (exit 0).
    #[error("no foundation chosen: nothing was written (`scaffold init --only ID` lays one later)")]
    NoneChosen,

    #[error("`{}` is not inside a git repository: run `git init` there first, or name the folder with `-C DIR` to lay foundations in it anyway", dir.display())]
    NotARepo { dir: PathBuf },

    #[error("unknown command `{name}`{}; commands: {}", did_you_mean(name, known), known.join(", "))]
    UnknownCommand { name: String, known: Vec<String> },
}

/// ` (did you mean `x`?)` for the known name closest to `given`, when it looks like a typo of it or
/// a start of it (`lang` for `language`), else nothing. A typo is cargo's threshold: an edit
/// distance (with transpositions) of at most 3, and never a rewrite of the whole word.
pub(crate) fn did_you_mean(given: &str, known: &[String]) -> String {
    known
        .iter()
        .filter_map(|k| {
            let distance = strsim::osa_distance(given, k);
            let whole = given.chars().count().max(k.chars().count());
            let typo = distance <= 3 && distance < whole;
            let prefix = given.len() >= 3 && k.starts_with(given);
            (typo || prefix).then_some((distance, k))
        })
        .min_by_key(|(distance, k)| (*distance, *k))
        .map(|(_, k)| format!(" (did you mean `{k}`?)"))
        .unwrap_or_default()
}

/// As `did_you_mean`, and for a path given without its folders (`dependabot.yml`), the one known
/// path that ends with it.
fn did_you_mean_path(given: &str, known: &[String]) -> String {
    let close = did_you_mean(given, known);
    if !close.is_empty() {
        return close;
    }
    let suffix = format!("/{given}");
    let mut ending = known.iter().filter(|k| k.ends_with(&suffix));
    match (ending.next(), ending.next()) {
        (Some(k), None) => format!(" (did you mean `{k}`?)"),
        _ => String::new(),
    }
}

/// A TOML error: toml's message on one line, then the line it points at with a caret under the
/// place, as toml prints it.
pub(crate) fn toml_detail(e: &toml::de::Error) -> String {
    let message = e.message().trim().replace('\n', "; ");
    let full = e.to_string();
    let snippet: Vec<&str> = full
        .lines()
        .filter(|line| {
            line.split_once('|')
                .is_some_and(|(gutter, _)| gutter.chars().all(|c| c.is_ascii_digit() || c == ' '))
        })
        .collect();
    if snippet.is_empty() {
        message
    } else {
        format!("{message}\n{}", snippet.join("\n"))
    }
}

/// A conflicting path and the foundation that wants to write it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConflictPath {
    pub(crate) path: String,
    pub(crate) foundation: String,
    /// Scaffold wrote this file before (and it was changed since); else it was the team's.
    pub(crate) written: bool,
}

impl Error {
    /// The exit status this error ends the process with.
    pub(crate) fn exit_status(&self) -> ExitStatus {
        match self {
            Error::Conflicts { .. }
            | Error::Blocked { .. }
            | Error::GitlabInclude { .. }
            | Error::GitlabStages { .. } => ExitStatus::Refused,
            Error::SetSyntax { .. }
            | Error::UnknownKey { .. }
            | Error::BadValue { .. }
            | Error::DuplicateKey { .. }
            | Error::AnswersRead { .. }
            | Error::AnswersSyntax { .. }
            | Error::MissingAnswers { .. }
            | Error::UnknownFoundation { .. }
            | Error::NothingSelected { .. }
            | Error::NotADirectory { .. }
            | Error::NotARepo { .. }
            | Error::UnknownCommand { .. }
            | Error::StateCorrupt { .. }
            | Error::StateVersion { .. }
            | Error::ForkSymlink { .. }
            | Error::Exists { .. }
            | Error::NothingApplied
            | Error::NotApplied { .. }
            | Error::RefWithoutSource
            | Error::RefMovesRecordedSource { .. }
            | Error::GitRef { .. }
            | Error::SourceNotFound { .. }
            | Error::SourceDateEpoch { .. }
            | Error::EnvValue { .. }
            | Error::Unfit { .. }
            | Error::MissingDependency { .. }
            | Error::UnknownStep { .. }
            | Error::ForceNotInPlan { .. }
            | Error::RecordedSourceMissing { .. }
            | Error::OutsideRepo { .. }
            | Error::Unreadable { .. }
            | Error::RecordedSourceOutside { .. }
            | Error::GitTransport { .. }
            | Error::GitTimeoutSetting { .. } => ExitStatus::BadInput,
            Error::Interrupted => ExitStatus::Interrupted,
            Error::NoneChosen => ExitStatus::Success,
            Error::Manifest { .. }
            | Error::Template { .. }
            | Error::TemplateTooDeep { .. }
            | Error::PartialRecursion { .. }
            | Error::TemplateTooLarge { .. }
            | Error::ForkMetadata { .. }
            | Error::GitTimeout { .. }
            | Error::Git { .. }
            | Error::UnsafePath { .. }
            | Error::PathClash { .. }
            | Error::Read { .. }
            | Error::Write { .. }
            | Error::Prompt { .. }
            | Error::Locked { .. } => ExitStatus::Failure,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typo_or_a_start_gets_a_suggestion_and_nothing_else_does() {
        let known: Vec<String> = ["backup-restore", "ci", "secrets-rbac", "staging-parity"]
            .map(String::from)
            .to_vec();
        assert_eq!(did_you_mean("cii", &known), " (did you mean `ci`?)");
        assert_eq!(
            did_you_mean("backup", &known),
            " (did you mean `backup-restore`?)"
        );
        assert_eq!(
            did_you_mean("secret-rbac", &known),
            " (did you mean `secrets-rbac`?)"
        );
        assert_eq!(did_you_mean("observability", &known), "");
        assert_eq!(did_you_mean("x", &known), "");
        assert_eq!(did_you_mean("ic", &known), " (did you mean `ci`?)");
        assert_eq!(
            did_you_mean("stagign-parity", &known),
            " (did you mean `staging-parity`?)"
        );
        let paths = vec![
            ".github/dependabot.yml".to_owned(),
            ".github/workflows/ci.yml".to_owned(),
            "docs/ci.yml".to_owned(),
        ];
        assert_eq!(
            did_you_mean_path(".github/dependabt.yml", &paths),
            " (did you mean `.github/dependabot.yml`?)"
        );
        assert_eq!(
            did_you_mean_path("dependabot.yml", &paths),
            " (did you mean `.github/dependabot.yml`?)"
        );
        assert_eq!(did_you_mean_path("ci.yml", &paths), "", "two end with it");
        assert_eq!(did_you_mean_path("README.md", &paths), "");
    }
}
