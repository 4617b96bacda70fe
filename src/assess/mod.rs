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

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

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
    /// What scaffold applied (foundations count as present, with their version).
    pub(crate) state: State,
    scan: Scan,
    leaks: Leaks,
}

/// Files holding what look like real credentials (never their values): all of them (`assess`),
/// or, for `init` and `upgrade`, looked for only when a recommendation depends on them.
#[derive(Debug)]
enum Leaks {
    Read(Vec<Leak>),
    Deferred {
        root: PathBuf,
        found: OnceLock<leaks::Bounded>,
    },
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
        let mut assessment = Self::detected(root, state);
        assessment.leaks = Leaks::Read(leaks::find(root, &assessment.scan, &tracked.finish()));
        assessment
    }

    /// What `init` and `upgrade` need: the walk and detection. Files are read for leaked
    /// credentials only if a recommendation depends on them, then on a budget
    /// (`leak_scan_note` says when the budget ran out).
    pub(crate) fn for_laying(root: &Path, state: State) -> Assessment {
        let mut assessment = Self::detected(root, state);
        assessment.leaks = Leaks::Deferred {
            root: root.to_owned(),
            found: OnceLock::new(),
        };
        assessment
    }

    fn detected(root: &Path, state: State) -> Assessment {
        let scan = Scan::walk(root);
        let mut detected = detect::from_scan(&scan, &|path| state.owns_file(path));
        detected.default_branch = detect::branch::default_branch(root);
        Assessment {
            detected,
            state,
            scan,
            leaks: Leaks::Read(Vec::new()),
        }
    }

    /// The leaks found: every one (`with_state`), or for a deferred scan those it found so far.
    fn leaks(&self) -> &[Leak] {
        match &self.leaks {
            Leaks::Read(leaks) => leaks,
            Leaks::Deferred { found, .. } => found.get().map_or(&[], |b| &b.leaks),
        }
    }

    /// The leaks a recommendation is decided with: for a deferred scan, a budgeted look runs only
    /// when the answer for "no leak" and for "a leak" differ.
    fn leaks_deciding<T: PartialEq>(&self, decide: impl Fn(&[Leak]) -> T) -> T {
        let Leaks::Deferred { root, found } = &self.leaks else {
            return decide(self.leaks());
        };
        if found.get().is_none() {
            let without = decide(&[]);
            if without == decide(&[Leak::hypothetical()]) {
                return without;
            }
        }
        let bounded = found.get_or_init(|| {
            let tracked = TrackedButIgnored::start(root).finish();
            leaks::find_first(root, &self.scan, &tracked, leaks::BUDGET)
        });
        decide(&bounded.leaks)
    }

    /// When a deferred leak scan stopped at its budget without finding any leak: what it read.
    pub(crate) fn leak_scan_note(&self) -> Option<String> {
        let Leaks::Deferred { found, .. } = &self.leaks else {
            return None;
        };
        found.get().and_then(leaks::Bounded::note)
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
        self.report_with(stage, database, cloud, self.leaks())
    }

    fn report_with(&self, stage: &str, database: bool, cloud: bool, leaks: &[Leak]) -> Report {
        let stage_rank = stage_rank(stage);
        let facts = Facts {
            scan: &self.scan,
            detected: &self.detected,
            leaks,
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
            leaks: !leaks.is_empty(),
            ssh_deploy: !areas::ssh_deploys(&self.scan).is_empty(),
        };
        Report {
            stage: stage.to_owned(),
            detected: self.detected.clone(),
            areas: rank::rank(&findings, &ctx),
            leaks: leaks.to_vec(),
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
        self.leaks_deciding(|leaks| {
            let mut ids: Vec<&'static str> = self
                .report_with(stage, database, cloud, leaks)
                .areas
                .iter()
                .filter(|r| r.area.is_primary() && r.bucket != Bucket::NotYet)
                .filter(|r| stage_rank(stage) >= r.area.laid_from())
                // Production access comes at series-a, once there are servers in a cloud.
                .filter(|r| r.area != AreaId::ProductionAccess || (cloud && stage_rank(stage) >= 2))
                .filter(|r| r.finding.status != Status::Present || r.finding.applied.is_some())
                // A foundation the team built by hand is extended by hand, never doubled.
                .filter(|r| r.finding.applied.is_some() || !areas::handmade(r.area, &self.scan))
                .filter_map(|r| r.area.foundation())
                .collect();
            ids.sort_unstable();
            ids.dedup();
            ids
        })
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
            ["backup-restore", "ci", "observability", "secrets-rbac"]
        );
        assert_eq!(
            a.recommended_foundations("series-a"),
            [
                "backup-restore",
                "ci",
                "observability",
                "secrets-rbac",
                "staging-parity"
            ]
        );
    }

    #[test]
    fn iac_comes_with_a_cloud_at_series_a_unless_the_team_has_a_backend() {
        let main = "provider \"aws\" {\n  region = \"eu-west-1\"\n}\n";
        let plain = repo(&[("go.mod", "module x\n"), ("infra/main.tf", main)]);
        let a = Assessment::of(plain.path()).unwrap();
        assert!(!a.recommended_foundations("seed").contains(&"iac"));
        assert!(a.recommended_foundations("series-a").contains(&"iac"));
        // A commented-out backend is a seam, not state.
        let seam = format!("{main}# backend \"s3\" {{\n#   bucket = \"x\"\n# }}\n");
        let commented = repo(&[("go.mod", "module x\n"), ("infra/main.tf", &seam)]);
        let a = Assessment::of(commented.path()).unwrap();
        assert!(a.recommended_foundations("series-a").contains(&"iac"));
        for backend in ["s3", "gcs"] {
            let text = format!(
                "terraform {{\n  backend \"{backend}\" {{\n    bucket = \"x\"\n  }}\n}}\n{main}"
            );
            let handmade = repo(&[("go.mod", "module x\n"), ("infra/main.tf", &text)]);
            let a = Assessment::of(handmade.path()).unwrap();
            assert!(
                !a.recommended_foundations("series-a").contains(&"iac"),
                "{backend}"
            );
            let report = a.report("series-a");
            let iac = report
                .areas
                .iter()
                .find(|r| r.area == AreaId::IacDrift)
                .unwrap();
            assert_ne!(iac.finding.status, Status::Missing, "{backend}");
        }
    }

    #[test]
    fn production_access_comes_at_series_a_with_a_cloud_unless_the_team_built_it() {
        let main = "provider \"aws\" {\n  region = \"eu-west-1\"\n}\n";
        let plain = repo(&[("go.mod", "module x\n"), ("infra/main.tf", main)]);
        let a = Assessment::of(plain.path()).unwrap();
        assert!(
            !a.recommended_foundations("seed")
                .contains(&"production-access")
        );
        assert!(
            a.recommended_foundations("series-a")
                .contains(&"production-access")
        );
        let none = repo(&[("go.mod", "module x\n")]);
        let a = Assessment::of(none.path()).unwrap();
        assert!(
            !a.recommended_foundations("series-a")
                .contains(&"production-access")
        );
        for (file, text) in [
            (
                "infra/ssm.tf",
                "resource \"aws_ssm_document\" \"prefs\" {\n  name = \"SSM-SessionManagerRunShell\"\n}\n",
            ),
            (
                "infra/iap.tf",
                "resource \"google_compute_firewall\" \"iap\" {\n  source_ranges = [\"35.235.240.0/20\"]\n}\n",
            ),
        ] {
            let handmade = repo(&[
                ("go.mod", "module x\n"),
                ("infra/main.tf", main),
                (file, text),
            ]);
            let a = Assessment::of(handmade.path()).unwrap();
            assert!(
                !a.recommended_foundations("series-a")
                    .contains(&"production-access"),
                "{file}"
            );
        }
    }

    #[test]
    fn a_hand_made_uptime_check_keeps_observability_out() {
        let check =
            "resource \"aws_route53_health_check\" \"up\" {\n  fqdn = \"a.example.com\"\n}\n";
        let dir = repo(&[("go.mod", "module x\n"), ("infra/uptime.tf", check)]);
        let a = Assessment::of(dir.path()).unwrap();
        assert!(!a.recommended_foundations("seed").contains(&"observability"));
        let plain = repo(&[("go.mod", "module x\n")]);
        let a = Assessment::of(plain.path()).unwrap();
        assert!(a.recommended_foundations("seed").contains(&"observability"));
        assert!(
            !a.recommended_foundations("pre-mvp")
                .contains(&"observability")
        );
    }

    #[test]
    fn cost_guardrails_come_at_series_a_with_a_cloud_unless_the_team_has_a_budget() {
        let main = "provider \"aws\" {\n  region = \"eu-west-1\"\n}\n";
        let plain = repo(&[("go.mod", "module x\n"), ("infra/main.tf", main)]);
        let a = Assessment::of(plain.path()).unwrap();
        assert!(
            !a.recommended_foundations("seed")
                .contains(&"cost-guardrails")
        );
        assert!(
            a.recommended_foundations("series-a")
                .contains(&"cost-guardrails")
        );
        let no_cloud = repo(&[("go.mod", "module x\n")]);
        let a = Assessment::of(no_cloud.path()).unwrap();
        assert!(
            !a.recommended_foundations("growth")
                .contains(&"cost-guardrails")
        );
        for (provider, budget) in [
            (
                "aws",
                "resource \"aws_budgets_budget\" \"m\" {\n  budget_type = \"COST\"\n}\n",
            ),
            (
                "google",
                "resource \"google_billing_budget\" \"m\" {\n  billing_account = \"x\"\n}\n",
            ),
        ] {
            let text = format!("provider \"{provider}\" {{}}\n{budget}");
            let handmade = repo(&[("go.mod", "module x\n"), ("infra/budget.tf", &text)]);
            let a = Assessment::of(handmade.path()).unwrap();
            assert!(
                !a.recommended_foundations("series-a")
                    .contains(&"cost-guardrails"),
                "{provider}"
            );
            let report = a.report("series-a");
            let cost = report
                .areas
                .iter()
                .find(|r| r.area == AreaId::CostGuardrails)
                .unwrap();
            assert_eq!(cost.area.foundation(), Some("cost-guardrails"));
            assert_ne!(cost.finding.status, Status::Missing, "{provider}");
        }
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
        assert_eq!(
            a.recommended_foundations("seed"),
            ["observability", "secrets-rbac"]
        );
        assert_eq!(a.recorded_stage(), None);
    }
}
