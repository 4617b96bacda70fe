//! The assessment of one repo for one stage, and its JSON form (the `--json` contract).

use serde_json::{Value, json};

use crate::assess::leaks::Leak;
use crate::assess::rank::{Bucket, Ranked};
use crate::detect::Detected;

/// Areas ranked for a stage, with the stack and the leaks.
#[derive(Debug, Clone)]
pub(crate) struct Report {
    pub(crate) stage: String,
    pub(crate) detected: Detected,
    /// In plan order: ranked by priority, then present, then not yet.
    pub(crate) areas: Vec<Ranked>,
    pub(crate) leaks: Vec<Leak>,
}

impl Report {
    /// Areas in one bucket of the plan, in order.
    pub(crate) fn bucket(&self, bucket: Bucket) -> impl Iterator<Item = &Ranked> {
        self.areas.iter().filter(move |r| r.bucket == bucket)
    }

    /// The dependencies of `area` that are still to do (present ones no longer hold it back).
    pub(crate) fn pending(&self, area: &Ranked) -> Vec<&'static str> {
        area.depends_on
            .iter()
            .filter(|d| {
                self.areas
                    .iter()
                    .any(|o| o.area == **d && matches!(o.bucket, Bucket::Now | Bucket::Next))
            })
            .map(|d| d.id())
            .collect()
    }

    /// The stack in one line: `node, python; CI github; database postgres; ...`.
    pub(crate) fn stack_line(&self) -> String {
        let d = &self.detected;
        let languages = if d.languages.is_empty() {
            "no language detected".to_owned()
        } else {
            d.languages.join(", ")
        };
        format!(
            "{languages}; CI {}; database {}; cloud {}; container {}; IaC {}",
            d.ci.unwrap_or("none"),
            d.database.unwrap_or("none"),
            d.cloud.unwrap_or("none"),
            if d.container { "yes" } else { "no" },
            d.iac.unwrap_or("none"),
        )
    }

    pub(crate) fn to_json(&self) -> Value {
        let d = &self.detected;
        let ids =
            |bucket: Bucket| -> Vec<&str> { self.bucket(bucket).map(|r| r.area.id()).collect() };
        json!({
            "stage": self.stage,
            "detected": {
                "language": d.languages,
                "ci": d.ci.unwrap_or("none"),
                "database": d.database.unwrap_or("none"),
                "database_version": d.database_image.as_deref().and_then(crate::detect::image_version),
                "database_image": d.database_image,
                "cloud": d.cloud.unwrap_or("none"),
                "cloud_evidence": d.cloud_evidence,
                "projects": d.projects,
                "unsupported": d.unsupported,
                "default_branch": d.default_branch,
                "container": d.container,
                "iac": d.iac.unwrap_or("none"),
            },
            "areas": self.areas.iter().map(area_json).collect::<Vec<_>>(),
            "plan": {
                "now": ids(Bucket::Now),
                "next": ids(Bucket::Next),
                "not_yet": ids(Bucket::NotYet),
            },
            "leaks": self.leaks,
        })
    }
}

fn area_json(r: &Ranked) -> Value {
    json!({
        "id": r.area.id(),
        "title": r.area.title(),
        "status": r.finding.status.as_str(),
        "evidence": r.finding.evidence,
        "risk": r.risk.as_str(),
        "priority": r.priority,
        "depends_on": r.depends_on.iter().map(|d| d.id()).collect::<Vec<_>>(),
        "foundation": r.area.foundation(),
        "applied": r.finding.applied,
        "why": r.area.why(),
        "plan": r.bucket.as_str(),
        "premature": r.premature,
    })
}
