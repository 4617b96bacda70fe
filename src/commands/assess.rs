//! `scaffold assess`: reads the repo, ranks its infrastructure areas for the stage, and prints a
//! table or JSON. Writes `docs/infra/TERRAIN.md` only with `--write`.

use crate::assess::areas::Status;
use crate::assess::rank::Bucket;
use crate::assess::terrain::{self, Written};
use crate::assess::{Assessment, table};
use crate::cli::AssessArgs;
use crate::error::{Error, Origin, Result};
use crate::exit::ExitStatus;
use crate::fs::RepoFs;
use crate::lock;
use crate::questions::STAGES;
use crate::state::State;

pub(crate) fn run(args: &AssessArgs) -> Result<ExitStatus> {
    let root = crate::config::repo_root(args.dir.as_deref())?.path;
    let lock_wait = crate::config::lock_wait_from_env()?;
    if let Some(stage) = &args.stage {
        check_stage(stage, Origin::Option { name: "--stage" })?;
    }
    let fs = RepoFs::open(&root)?;
    let saved = State::load(&fs)?;
    crate::progress::warn_if_home(&root);
    let assessment =
        crate::progress::with_spinner("reading the repo", || Assessment::with_state(&root, saved));
    let stage = match (&args.stage, assessment.recorded_stage()) {
        (Some(stage), _) => stage.clone(),
        (None, Some(recorded)) => {
            check_stage(recorded, Origin::State)?;
            recorded.to_owned()
        }
        (None, None) => "seed".to_owned(),
    };
    let report = assessment.report(&stage);
    let written = if args.write {
        Some(lock::locked(&fs, "assess --write", lock_wait, || {
            terrain::write(&fs, &report)
        })?)
    } else {
        None
    };

    let mut text = if args.json {
        String::new()
    } else {
        table::render(&report)
    };
    let note = written.map(|w| match w {
        Written::Created => format!("wrote {}", terrain::PATH),
        Written::Updated => format!("updated {}", terrain::PATH),
        Written::Unchanged => format!("{} is up to date", terrain::PATH),
    });
    if let Some(note) = &note {
        if args.json {
            // stdout stays pure JSON.
            errln!("{note}");
        } else {
            text.push('\n');
            text.push_str(note);
            text.push('\n');
        }
    }
    if args.json {
        crate::output::json_document(&report.to_json())?;
    }
    crate::output::document(&text)?;
    if args.check {
        return Ok(check(&report));
    }
    Ok(ExitStatus::Success)
}

/// `--check`: the areas planned for now that are missing, on stderr, and exit 1 when there are any.
fn check(report: &crate::assess::report::Report) -> ExitStatus {
    let missing: Vec<&str> = report
        .bucket(Bucket::Now)
        .filter(|r| r.finding.status == Status::Missing)
        .map(|r| r.area.id())
        .collect();
    if missing.is_empty() {
        errln!("assess --check: no area planned for now is missing");
        return ExitStatus::Success;
    }
    errln!(
        "assess --check: {} planned for now at stage {} {} missing: {}",
        if missing.len() == 1 {
            "an area"
        } else {
            "areas"
        },
        report.stage,
        if missing.len() == 1 { "is" } else { "are" },
        missing.join(", ")
    );
    ExitStatus::Refused
}

fn check_stage(stage: &str, origin: Origin) -> Result<()> {
    if STAGES.contains(&stage) {
        return Ok(());
    }
    Err(Error::BadValue {
        key: "stage".to_owned(),
        value: stage.to_owned(),
        origin,
        expected: format!("allowed values: {}", STAGES.join(", ")),
    })
}
