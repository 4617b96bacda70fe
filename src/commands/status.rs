//! `scaffold status`: per applied foundation, its version, the newest one its source offers, and
//! the state of every file it wrote. Read-only.

use serde::Serialize;

use crate::blueprint::catalog::Catalog;
use crate::blueprint::manifest::Mode;
use crate::blueprint::source;
use crate::cli::StatusArgs;
use crate::error::Result;
use crate::exit::ExitStatus;
use crate::fs::{Blocker, FILE_CAP, Found, RepoFs};
use crate::plan::find_block;
use crate::state::{self, FileRecord, State};

#[derive(Debug, Serialize)]
struct Report {
    foundations: Vec<Foundation>,
    /// The blueprint source sits at a version tag and a later one exists.
    newer_tag: Option<String>,
}

#[derive(Debug, Serialize)]
struct Foundation {
    id: String,
    version: String,
    available: Option<String>,
    outdated: bool,
    source: String,
    files: Vec<File>,
}

#[derive(Debug, Serialize)]
struct File {
    path: String,
    state: &'static str,
}

pub(crate) fn run(args: &StatusArgs) -> Result<ExitStatus> {
    let root = crate::config::repo_root(&args.dir)?;
    let fs = RepoFs::open(&root)?;
    let state = State::load(&fs)?;
    let fork = state
        .source
        .as_ref()
        .map(|record| source::reopen(record, None))
        .transpose()?;
    let catalog = Catalog::load(fork.as_ref())?;
    let mut report = Report {
        foundations: Vec::new(),
        newer_tag: fork.as_ref().and_then(|f| f.newer_tag.clone()),
    };
    for (id, applied) in &state.foundations {
        let available = catalog.get(id).map(|b| b.manifest.version.clone());
        report.foundations.push(Foundation {
            id: id.clone(),
            version: applied.version.to_string(),
            outdated: available.as_ref().is_some_and(|v| *v > applied.version),
            available: available.map(|v| v.to_string()),
            source: applied.source.clone(),
            files: applied
                .files
                .iter()
                .map(|(path, record)| File {
                    path: path.clone(),
                    state: file_state(&fs, id, path, record),
                })
                .collect(),
        });
    }
    if args.json {
        crate::output::document(&format!(
            "{}\n",
            serde_json::to_string_pretty(&report).expect("JSON of strings")
        ))?;
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

fn print_table(report: &Report) {
    if let Some(tag) = &report.newer_tag {
        outln!("{}", source::newer_tag_note(tag));
    }
    for f in &report.foundations {
        let newest = match (&f.available, f.outdated) {
            (Some(v), true) => format!("{v} available: run `scaffold upgrade {}`", f.id),
            (Some(_), false) => "up to date".to_owned(),
            (None, _) => "no longer in its source".to_owned(),
        };
        outln!("{} {} ({newest}; source: {})", f.id, f.version, f.source);
        for file in &f.files {
            outln!("  {:<10} {}", file.state, file.path);
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
    let text = String::from_utf8_lossy(&bytes);
    let owned = match record.mode {
        Mode::File => text.into_owned(),
        Mode::Block => match find_block(&text, record.block_name(foundation)) {
            Some(inner) => inner,
            None => return "deleted",
        },
    };
    let has_markers = owned.lines().any(|l| l.starts_with("<<<<<<< "))
        && owned.lines().any(|l| l.starts_with(">>>>>>> "));
    if has_markers {
        "conflicted"
    } else if state::hash(owned.as_bytes()) == record.sha256 {
        "unchanged"
    } else {
        "modified"
    }
}
