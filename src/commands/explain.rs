//! `-v` on `init`, `add` and `upgrade`: what detection saw, and why each foundation is (or is not)
//! recommended for the stage, from the same ranking `scaffold assess` prints.

use std::fmt::Write as _;

use crate::assess::Assessment;
use crate::assess::rank::Bucket;
use crate::blueprint::catalog::Catalog;
use crate::detect::Detected;
use crate::questions::{STAGES, stage_rank};

/// The lines `-v` prints before the plan.
pub(crate) fn reasons(assessment: &Assessment, catalog: &Catalog, stage: &str) -> String {
    let mut out = detection(&assessment.detected);
    let report = assessment.report(stage);
    let _ = writeln!(out, "why (stage {stage}):");
    let width = catalog.id_width();
    let rank = stage_rank(stage);
    for blueprint in catalog.blueprints() {
        let id = blueprint.manifest.id.as_str();
        let areas: Vec<String> = report
            .areas
            .iter()
            .filter(|r| r.area.foundation() == Some(id))
            .map(|r| {
                let plan = match (r.bucket, r.priority) {
                    // Due for the assessment, but `init` lays its foundation only from a later stage.
                    (Bucket::Now | Bucket::Next, _) if rank < r.area.laid_from() => {
                        format!("due, laid from {}", STAGES[r.area.laid_from()])
                    }
                    (Bucket::Now, Some(p)) => format!("recommended now (priority {p})"),
                    (Bucket::Now, None) => "recommended now".to_owned(),
                    (Bucket::Next, _) => "recommended next".to_owned(),
                    (Bucket::NotYet, _) => "not yet".to_owned(),
                    (Bucket::Done, _) => "in place".to_owned(),
                };
                let why = r
                    .premature
                    .as_deref()
                    .map(|p| format!(" ({p})"))
                    .unwrap_or_default();
                format!(
                    "area {} is {}, risk {}: {plan}{why}",
                    r.area.id(),
                    r.finding.status.as_str(),
                    r.risk.as_str()
                )
            })
            .collect();
        let reason = if areas.is_empty() {
            format!(
                "recommended at {}",
                blueprint.manifest.recommended().join(", ")
            )
        } else {
            areas.join("; ")
        };
        let _ = writeln!(out, "  {id:<width$}  {reason}");
    }
    out
}

/// What the repo looked like to detection.
fn detection(d: &Detected) -> String {
    let mut out = String::from("detected:\n");
    let projects: Vec<String> = d
        .projects
        .iter()
        .map(|p| {
            let test = p.test.as_deref().unwrap_or("no test command");
            format!("{} ({} with {}; {test})", p.path, p.language, p.tool)
        })
        .collect();
    let line = |out: &mut String, what: &str, value: &str| {
        let _ = writeln!(out, "  {what:<15} {value}");
    };
    line(
        &mut out,
        "projects",
        &if projects.is_empty() {
            "none".to_owned()
        } else {
            projects.join(", ")
        },
    );
    line(&mut out, "ci", d.ci.unwrap_or("none"));
    if !d.ci_files.is_empty() {
        line(&mut out, "ci files", &d.ci_files.join(", "));
    }
    let database = match (&d.database, &d.database_image) {
        (Some(db), Some(image)) => format!("{db} (image {image})"),
        (Some(db), None) => (*db).to_owned(),
        (None, _) => "none".to_owned(),
    };
    line(&mut out, "database", &database);
    let cloud = match (&d.cloud, &d.cloud_evidence) {
        (Some(cloud), Some(evidence)) => format!("{cloud} ({evidence})"),
        (Some(cloud), None) => (*cloud).to_owned(),
        (None, _) => "none".to_owned(),
    };
    line(&mut out, "cloud", &cloud);
    line(&mut out, "iac", d.iac.unwrap_or("none"));
    if !d.default_branch.is_empty() {
        line(&mut out, "default branch", &d.default_branch);
    }
    if !d.unsupported.is_empty() {
        line(&mut out, "not built yet", &d.unsupported.join(", "));
    }
    out
}
