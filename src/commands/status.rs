//! `scaffold status`: per applied foundation, its version, the newest one its source offers, and
//! the state of every file it wrote. Read-only.

use serde::Serialize;

use crate::blueprint::catalog::Catalog;
use crate::blueprint::source;
use crate::cli::StatusArgs;
use crate::error::{Error, Result};
use crate::exit::ExitStatus;
use crate::fs::{Blocker, FILE_CAP, Found, RepoFs};
use crate::state::{self, Applied, FileRecord, State};

#[derive(Debug, Serialize)]
struct Report {
    foundations: Vec<Foundation>,
    /// Every recorded next step, open or done.
    next_steps: Vec<NextStep>,
    /// The blueprint source sits at a version tag and a later one exists.
    newer_tag: Option<String>,
}

#[derive(Debug, Serialize)]
struct Foundation {
    id: String,
    version: String,
    available: Option<String>,
    outdated: bool,
    /// Releases between the applied version and the available one, from the CHANGELOG.
    versions_behind: usize,
    source: String,
    files: Vec<File>,
}

#[derive(Debug, Serialize)]
struct NextStep {
    id: String,
    foundation: String,
    text: String,
    /// Marked done, or the repo shows it done now.
    done: bool,
    /// Whether the repo can show it done (its `done_when`); else only `scaffold done ID` closes it.
    seen_in_repo: bool,
}

#[derive(Debug, Serialize)]
struct File {
    path: String,
    state: &'static str,
}

pub(crate) fn run(args: &StatusArgs) -> Result<ExitStatus> {
    let root = crate::config::repo_root(args.dir.as_deref())?.path;
    let fs = RepoFs::open(&root)?;
    let state = State::load(&fs)?;
    let git = crate::config::git_options()?;
    let cwd = std::env::current_dir().map_err(|source| Error::Read {
        path: ".".into(),
        source,
    })?;
    let sources = source::Reader {
        cwd: &cwd,
        repo: Some(&root),
        git: &git,
    };
    let fork = match (&args.source, &state.source) {
        (Some(spec), _) => Some(crate::progress::with_spinner(
            "reading the blueprints' source",
            || sources.open(spec, None),
        )?),
        (None, Some(record)) => Some(crate::progress::with_spinner(
            "reading the blueprints' source",
            || sources.reopen(record, None),
        )?),
        (None, None) => None,
    };
    let catalog = Catalog::load(fork.as_ref())?;
    let report = Report {
        foundations: state
            .foundations
            .iter()
            .map(|(id, applied)| foundation(&fs, &catalog, id, applied))
            .collect(),
        next_steps: next_steps(&fs, &state),
        newer_tag: fork.as_ref().and_then(|f| f.newer_tag.clone()),
    };
    if args.json {
        crate::output::json_document(&report)?;
    } else if report.foundations.is_empty() {
        outln!("no foundation is applied here yet; run `scaffold init`");
    } else {
        print_table(&report);
    }
    let outdated = report.foundations.iter().any(|f| f.outdated) || report.newer_tag.is_some();
    let conflicted = report
        .foundations
        .iter()
        .flat_map(|f| &f.files)
        .any(|f| f.state == "conflicted");
    if args.check && (outdated || conflicted) {
        errln!(
            "check failed:{}{}",
            match (&report.newer_tag, outdated) {
                (Some(tag), _) => format!(
                    " the blueprint source has a newer tag {tag} (run `scaffold upgrade --ref {tag}`)"
                ),
                (None, true) => " a foundation is outdated (run `scaffold upgrade`)".to_owned(),
                (None, false) => String::new(),
            },
            if conflicted {
                " a file has unresolved conflict markers"
            } else {
                ""
            }
        );
        return Ok(ExitStatus::Refused);
    }
    Ok(ExitStatus::Success)
}

/// One applied foundation: its version against the newest its source offers, and its files.
fn foundation(fs: &RepoFs, catalog: &Catalog, id: &str, applied: &Applied) -> Foundation {
    let blueprint = catalog.get(id);
    let available = blueprint.map(|b| b.manifest.version.clone());
    let versions_behind = blueprint.map_or(0, |b| {
        let entries = b.changelog.as_deref().map_or(0, |text| {
            crate::blueprint::changelog::between(text, &applied.version, &b.manifest.version).len()
        });
        // A release with no CHANGELOG entry still counts.
        entries.max(usize::from(b.manifest.version > applied.version))
    });
    Foundation {
        id: id.to_owned(),
        versions_behind,
        version: applied.version.to_string(),
        outdated: available.as_ref().is_some_and(|v| *v > applied.version),
        available: available.map(|v| v.to_string()),
        source: applied.source.clone(),
        files: applied
            .files
            .iter()
            .map(|(path, record)| File {
                path: path.clone(),
                state: file_state(fs, id, path, record),
            })
            .collect(),
    }
}

/// Every recorded next step; done when marked so or when the repo shows it done now.
fn next_steps(fs: &RepoFs, state: &State) -> Vec<NextStep> {
    state
        .foundations
        .iter()
        .flat_map(|(foundation, applied)| {
            applied.steps.iter().map(move |(id, step)| NextStep {
                id: id.clone(),
                foundation: foundation.clone(),
                text: step.text.clone(),
                done: step.is_done(fs),
                seen_in_repo: step.done_when.is_some(),
            })
        })
        .collect()
}

fn print_table(report: &Report) {
    if let Some(tag) = &report.newer_tag {
        outln!("{}", source::newer_tag_note(tag));
    }
    for f in &report.foundations {
        let newest = match (&f.available, f.outdated) {
            (Some(v), true) => format!(
                "{} behind, {v} available: run `scaffold upgrade {}`",
                match f.versions_behind {
                    1 => "1 version".to_owned(),
                    n => format!("{n} versions"),
                },
                f.id
            ),
            (Some(_), false) => "up to date".to_owned(),
            (None, _) => "no longer in its source".to_owned(),
        };
        outln!("{} {} ({newest}; source: {})", f.id, f.version, f.source);
        for file in &f.files {
            outln!("  {:<10} {}", file.state, file.path);
        }
    }
    let open: Vec<&NextStep> = report.next_steps.iter().filter(|s| !s.done).collect();
    if !open.is_empty() {
        outln!("\nopen next steps (mark one done with `scaffold done ID`):");
        let width = crate::output::width();
        for step in open {
            outln!(
                "{}",
                crate::output::wrapped(&format!("  {}: ", step.id), 6, &step.text, width)
            );
        }
    }
}

/// unchanged, modified, deleted, or conflicted (unresolved markers).
fn file_state(fs: &RepoFs, foundation: &str, path: &str, record: &FileRecord) -> &'static str {
    let bytes = match fs.probe(path, FILE_CAP) {
        Ok(Found::File(bytes)) => bytes,
        Ok(Found::Missing) => return "deleted",
        Ok(Found::Blocked(Blocker::Symlink)) => return "symlink",
        Ok(Found::Blocked(_)) | Err(_) => return "unreadable",
    };
    let Some(owned) = state::owned(&bytes, record.block_name(foundation), record.mode) else {
        return "deleted";
    };
    let lines = || owned.split(|b| *b == b'\n');
    let has_markers =
        lines().any(|l| l.starts_with(b"<<<<<<< ")) && lines().any(|l| l.starts_with(b">>>>>>> "));
    if has_markers {
        "conflicted"
    } else if state::hash(&owned) == record.sha256 {
        "unchanged"
    } else {
        "modified"
    }
}
