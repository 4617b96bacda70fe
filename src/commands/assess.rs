//! `scaffold assess`: reads the repo, ranks its infrastructure areas for the stage, and prints a
//! table or JSON. Writes `docs/infra/TERRAIN.md` only with `--write`.

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
    let assessment = Assessment::with_state(&root, State::load(&fs)?);
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
        let mut json = serde_json::to_string_pretty(&report.to_json()).expect("JSON of strings");
        json.push('\n');
        json
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
    crate::output::document(&text)?;
    Ok(ExitStatus::Success)
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
