//! `scaffold assess`: the map of a repo's infrastructure gaps, ranked for the team's stage.
//!
//! `Assessment::of` reads the repo once (scan, stack, leaks, scaffold's state); `report` ranks it
//! for a stage. `init` uses the same assessment for its defaults (`detected`) and for
//! `recommended_foundations`. Nothing here writes, except `terrain::write` when asked.

pub(crate) mod areas;
pub(crate) mod leaks;
pub(crate) mod rank;
pub(crate) mod report;
pub(crate) mod scan;
pub(crate) mod table;
pub(crate) mod terrain;

use std::path::Path;

use crate::assess::areas::{AreaId, Facts, Status};
use crate::assess::leaks::Leak;
use crate::assess::rank::{Bucket, Context};
use crate::assess::report::Report;
use crate::assess::scan::{Scan, TrackedButIgnored};
use crate::detect::{self, Detected};
use crate::questions::stage_rank;
use crate::state::State;

/// What the repo shows, independent of the stage.
#[derive(Debug)]
pub(crate) struct Assessment {
    /// The stack: languages, CI host, database, cloud, containers, infrastructure as code.
    pub(crate) detected: Detected,
    /// Files holding what look like real credentials (never their values).
    pub(crate) leaks: Vec<Leak>,
    /// What scaffold applied (foundations count as present, with their version).
    pub(crate) state: State,
    scan: Scan,
}

impl Assessment {
    /// Reads `root` and its state.
    #[cfg(test)]
    pub(crate) fn of(root: &Path) -> crate::error::Result<Assessment> {
        let fs = crate::fs::RepoFs::open(root)?;
        Ok(Self::with_state(root, State::load(&fs)?))
    }

    /// Reads `root`, with its state already loaded: one walk (`.gitignore` honoured), and every
    /// candidate file for leaked credentials.
    pub(crate) fn with_state(root: &Path, state: State) -> Assessment {
        let tracked = TrackedButIgnored::start(root);
        let scan = Scan::walk(root);
        let mut detected = detect::from_scan(&scan, &|path| state.owns_file(path));
        detected.default_branch = detect::branch::default_branch(root);
        let leaks = leaks::find(root, &scan, &tracked.finish());
        Assessment {
            detected,
            leaks,
            state,
            scan,
        }
    }

    /// The stage recorded by `init`, if any.
    pub(crate) fn recorded_stage(&self) -> Option<&str> {
        self.state.answers.get("stage").map(String::as_str)
    }

    /// Every area, with its status and evidence, ranked for `stage`.
    pub(crate) fn report(&self, stage: &str) -> Report {
        self.report_for(
            stage,
            self.detected.database.is_some(),
            self.detected.cloud.is_some(),
        )
    }

    /// The same, for a stack the team declared (answers win over what the repo shows).
    fn report_for(&self, stage: &str, database: bool, cloud: bool) -> Report {
        let stage_rank = stage_rank(stage);
        let facts = Facts {
            scan: &self.scan,
            detected: &self.detected,
            leaks: &self.leaks,
            state: &self.state,
        };
        let findings: Vec<_> = AreaId::ALL
            .iter()
            .map(|area| (*area, areas::inspect(*area, &facts, stage_rank)))
            .collect();
        let ctx = Context {
            stage_rank,
            database,
            cloud,
            leaks: !self.leaks.is_empty(),
            ssh_deploy: !areas::ssh_deploys(&self.scan).is_empty(),
        };
        Report {
            stage: stage.to_owned(),
            detected: self.detected.clone(),
            areas: rank::rank(&findings, &ctx),
            leaks: self.leaks.clone(),
        }
    }

    /// The foundations `init` should lay by default at `stage`, sorted by id: the blueprint of
    /// each area it exists for (release, secrets, backups, staging parity) that is due at the
    /// stage and not already in place by hand. Foundations scaffold applied stay in the list, so
    /// a second `init` keeps them up to date.
    #[cfg(test)]
    pub(crate) fn recommended_foundations(&self, stage: &str) -> Vec<&'static str> {
        self.recommended_for(
            stage,
            self.detected.database.is_some(),
            self.detected.cloud.is_some(),
        )
    }

    /// The same for the stack `init` was told (`database`/`cloud` other than `none`).
    pub(crate) fn recommended_for(
        &self,
        stage: &str,
        database: bool,
        cloud: bool,
    ) -> Vec<&'static str> {
        let mut ids: Vec<&'static str> = self
            .report_for(stage, database, cloud)
            .areas
            .iter()
            .filter(|r| r.area.is_primary() && r.bucket != Bucket::NotYet)
            .filter(|r| r.finding.status != Status::Present || r.finding.applied.is_some())
            .filter_map(|r| r.area.foundation())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// The foundations whose recommendation the assessment decides (the others follow their
    /// manifest's `recommended`).
    pub(crate) fn assessed_foundations() -> Vec<&'static str> {
        AreaId::ALL.iter().filter_map(|a| a.foundation()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::repo;

    #[test]
    fn recommended_foundations_follow_the_stage_and_the_stack() {
        let dir = repo(&[("package.json", r#"{"dependencies": {"pg": "8"}}"#)]);
        let a = Assessment::of(dir.path()).unwrap();
        assert_eq!(a.recommended_foundations("pre-mvp"), ["ci"]);
        assert_eq!(
            a.recommended_foundations("seed"),
            ["backup-restore", "ci", "secrets-rbac"]
        );
        assert_eq!(
            a.recommended_foundations("series-a"),
            ["backup-restore", "ci", "secrets-rbac", "staging-parity"]
        );
    }

    #[test]
    fn hand_made_ci_is_not_replaced_but_scaffold_ci_is_kept() {
        let handmade = repo(&[
            ("go.mod", "module x\n"),
            (
                ".github/workflows/test.yml",
                "on: push\njobs:\n  deploy:\n    environment: production\n",
            ),
        ]);
        let a = Assessment::of(handmade.path()).unwrap();
        assert_eq!(a.recommended_foundations("seed"), ["secrets-rbac"]);
        assert_eq!(a.recorded_stage(), None);
    }
}
