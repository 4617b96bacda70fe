//! Stage rules and ranking: which areas are due at a stage, what each depends on, the risk of
//! leaving it as it is, and the order to work in. Pure: it reads findings, never the disk.

use serde::Serialize;

use crate::assess::areas::{AreaId, Finding, Status};

/// The risk of leaving an area as it is, at the team's stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Risk {
    Low,
    Medium,
    High,
}

impl Risk {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Risk::Low => "low",
            Risk::Medium => "medium",
            Risk::High => "high",
        }
    }

    fn lower(self) -> Risk {
        match self {
            Risk::High => Risk::Medium,
            Risk::Medium | Risk::Low => Risk::Low,
        }
    }
}

/// Where an area sits in the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Bucket {
    /// The head of the ranking, up to the first area waiting on another: start here.
    Now,
    /// To do after what it depends on.
    Next,
    /// Premature for the stage or the stack (`premature` says why).
    NotYet,
    /// Present.
    Done,
}

impl Bucket {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Bucket::Now => "now",
            Bucket::Next => "next",
            Bucket::NotYet => "not-yet",
            Bucket::Done => "done",
        }
    }
}

/// How many areas the plan puts in "now".
const NOW: usize = 3;

/// What the rules depend on besides the findings.
// Independent facts about the repo, each named after what was detected: clearer as bools.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Context {
    /// 0 = pre-mvp .. 3 = growth.
    pub(crate) stage_rank: usize,
    pub(crate) database: bool,
    pub(crate) cloud: bool,
    pub(crate) leaks: bool,
    /// CI reaches servers over SSH with a stored key.
    pub(crate) ssh_deploy: bool,
}

/// One area, ranked for a stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ranked {
    pub(crate) area: AreaId,
    pub(crate) finding: Finding,
    /// Effective dependencies at this stage and for this stack.
    pub(crate) depends_on: Vec<AreaId>,
    pub(crate) risk: Risk,
    /// 1 = first; `None` when present or premature.
    pub(crate) priority: Option<usize>,
    /// Why the area is not for now, when it is premature.
    pub(crate) premature: Option<String>,
    pub(crate) bucket: Bucket,
}

/// What an area needs in place first. Edges to an area that does not apply to the stack are left
/// out, so they never hold anything back.
pub(crate) fn depends_on(area: AreaId, ctx: &Context) -> Vec<AreaId> {
    use AreaId::{BackupDr, Observability, Release, SecretsAccess};
    match area {
        // From seed CI deploys, and a deploy needs a deploy identity first (IAM before lots of CI).
        AreaId::Release if ctx.stage_rank >= 1 => vec![SecretsAccess],
        AreaId::SecretsAccess | AreaId::BackupDr | AreaId::Release => Vec::new(),
        AreaId::Observability | AreaId::SupplyChain => vec![Release],
        // Backups before anything clever.
        AreaId::StagingParity if ctx.database => vec![SecretsAccess, BackupDr, Release],
        AreaId::StagingParity => vec![SecretsAccess, Release],
        AreaId::IacDrift if ctx.database => vec![SecretsAccess, BackupDr],
        AreaId::ProductionAccess | AreaId::IacDrift => vec![SecretsAccess],
        // Observability before anything elastic: you cannot cap what you cannot see.
        AreaId::CostGuardrails => vec![Observability],
    }
}

/// Why an area is premature for this stage or stack, or `None` when it is due.
pub(crate) fn not_due(area: AreaId, ctx: &Context) -> Option<&'static str> {
    let rank = ctx.stage_rank;
    match area {
        AreaId::SecretsAccess if rank == 0 && !ctx.cloud && !ctx.leaks && !ctx.ssh_deploy => Some(
            "At pre-mvp, with no cloud account and no leaked credential, keeping `.env` out of git is enough; set up a secret store before the first deploy.",
        ),
        AreaId::BackupDr if !ctx.database => Some(
            "No database was detected, so there is nothing to restore yet; revisit with the first database.",
        ),
        AreaId::BackupDr if rank == 0 => Some(
            "Before real users there is no data worth restoring; revisit with the first production data.",
        ),
        AreaId::StagingParity if rank < 2 => Some(
            "Before series-a one environment and CI catch most problems; parity pays off once several people deploy every day.",
        ),
        AreaId::Observability if rank == 0 => Some(
            "At pre-mvp logs are enough; add error tracking and an uptime check with the first users.",
        ),
        AreaId::IacDrift if !ctx.cloud => {
            Some("No cloud was detected, so there is no infrastructure to codify yet.")
        }
        AreaId::IacDrift if rank < 2 => Some(
            "Before series-a a console and a runbook are faster; codify once a second environment or a second operator needs it.",
        ),
        AreaId::CostGuardrails if !ctx.cloud => {
            Some("No cloud was detected, so there is no bill to guard yet.")
        }
        AreaId::CostGuardrails if rank == 0 => {
            Some("At pre-mvp the bill is small; add a budget alert with the first paid resources.")
        }
        AreaId::ProductionAccess if !ctx.cloud && !ctx.ssh_deploy => {
            Some("No cloud or server access was detected, so there is nothing to reach yet.")
        }
        AreaId::ProductionAccess if rank == 0 && !ctx.ssh_deploy => Some(
            "At pre-mvp the founders are production access; set up the audited path before the first hire needs it.",
        ),
        AreaId::SupplyChain if rank == 0 => Some(
            "At pre-mvp lockfiles are enough; add an update bot and pinned actions once code ships to users.",
        ),
        // Release is always due; the rest are due past their guards.
        _ => None,
    }
}

/// The risk of leaving a missing area missing, by stage (pre-mvp, seed, series-a, growth).
fn missing_risk(area: AreaId, stage_rank: usize) -> Risk {
    use Risk::{High, Low, Medium};
    let by_stage = match area {
        AreaId::Release => [High, High, High, High],
        AreaId::SecretsAccess | AreaId::BackupDr => [Medium, High, High, High],
        AreaId::Observability | AreaId::ProductionAccess => [Low, Medium, High, High],
        AreaId::SupplyChain => [Low, Medium, Medium, High],
        AreaId::StagingParity | AreaId::IacDrift => [Low, Low, Medium, High],
        AreaId::CostGuardrails => [Low, Low, Medium, Medium],
    };
    by_stage[stage_rank.min(3)]
}

fn risk(area: AreaId, finding: &Finding, premature: bool, ctx: &Context) -> Risk {
    if finding.alarm {
        return Risk::High;
    }
    match finding.status {
        Status::Present => Risk::Low,
        _ if premature => Risk::Low,
        Status::Missing => missing_risk(area, ctx.stage_rank),
        Status::Partial => missing_risk(area, ctx.stage_rank).lower(),
    }
}

/// Ranks the areas: premature ones (and those waiting on them) are set aside with the reason;
/// the rest are ordered so nothing comes before what it depends on, riskiest first, then in
/// `AreaId::ALL` order. Returns them in plan order: ranked, present, not yet.
pub(crate) fn rank(findings: &[(AreaId, Finding)], ctx: &Context) -> Vec<Ranked> {
    // `ALL` lists every area after what it depends on, so one pass settles prematurity.
    let mut areas: Vec<Ranked> = Vec::new();
    for id in AreaId::ALL {
        let Some(finding) = findings
            .iter()
            .find(|(a, _)| *a == id)
            .map(|(_, f)| f.clone())
        else {
            continue;
        };
        let deps = depends_on(id, ctx);
        let premature = not_due(id, ctx).map(str::to_owned).or_else(|| {
            deps.iter()
                .find(|d| {
                    areas
                        .iter()
                        .any(|r| r.area == **d && r.bucket == Bucket::NotYet)
                })
                .map(|d| format!("Waits for `{}`, which is not due yet.", d.id()))
        });
        let done = finding.status == Status::Present;
        let risk = risk(id, &finding, premature.is_some(), ctx);
        areas.push(Ranked {
            area: id,
            bucket: if done {
                Bucket::Done
            } else if premature.is_some() {
                Bucket::NotYet
            } else {
                Bucket::Next
            },
            premature: if done { None } else { premature },
            finding,
            depends_on: deps,
            risk,
            priority: None,
        });
    }

    // Topological order, riskiest ready area first.
    let mut next = 1;
    loop {
        let ready = areas
            .iter()
            .enumerate()
            .filter(|(_, r)| r.bucket == Bucket::Next && r.priority.is_none())
            .filter(|(_, r)| {
                r.depends_on.iter().all(|d| {
                    areas
                        .iter()
                        .any(|o| o.area == *d && (o.bucket == Bucket::Done || o.priority.is_some()))
                })
            })
            .max_by_key(|(i, r)| (r.risk, std::cmp::Reverse(*i)))
            .map(|(i, _)| i);
        let Some(i) = ready else { break };
        areas[i].priority = Some(next);
        next += 1;
    }

    let todo = |areas: &[Ranked], d: &AreaId| {
        areas
            .iter()
            .any(|o| o.area == *d && o.bucket != Bucket::Done)
    };
    let mut order: Vec<usize> = (0..areas.len()).collect();
    order.sort_by_key(|&i| {
        let r = &areas[i];
        let group = match r.bucket {
            Bucket::Now | Bucket::Next => 0,
            Bucket::Done => 1,
            Bucket::NotYet => 2,
        };
        (group, r.priority, i)
    });
    let mut sorted: Vec<Ranked> = order.into_iter().map(|i| areas[i].clone()).collect();
    // "Now" is the head of the ranking, up to the first area still waiting on another.
    for i in 0..sorted.len().min(NOW) {
        if sorted[i].bucket != Bucket::Next || sorted[i].depends_on.iter().any(|d| todo(&sorted, d))
        {
            break;
        }
        sorted[i].bucket = Bucket::Now;
    }
    sorted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(status: Status) -> Finding {
        Finding {
            status,
            evidence: Vec::new(),
            applied: None,
            alarm: false,
        }
    }

    fn all(status: Status) -> Vec<(AreaId, Finding)> {
        AreaId::ALL.iter().map(|a| (*a, finding(status))).collect()
    }

    fn ids(ranked: &[Ranked], bucket: Bucket) -> Vec<&'static str> {
        ranked
            .iter()
            .filter(|r| r.bucket == bucket)
            .map(|r| r.area.id())
            .collect()
    }

    #[test]
    fn nothing_is_ranked_before_what_it_depends_on_at_any_stage_or_stack() {
        for stage_rank in 0..4 {
            for bits in 0..16u8 {
                let ctx = Context {
                    stage_rank,
                    database: bits & 1 != 0,
                    cloud: bits & 2 != 0,
                    leaks: bits & 4 != 0,
                    ssh_deploy: bits & 8 != 0,
                };
                let ranked = rank(&all(Status::Missing), &ctx);
                for r in &ranked {
                    for d in &r.depends_on {
                        let dep = ranked.iter().find(|o| o.area == *d).unwrap();
                        match (r.priority, dep.priority) {
                            (Some(p), Some(q)) => assert!(q < p, "{ctx:?} {r:?}"),
                            (Some(_), None) => panic!("{ctx:?}: {d:?} unranked before {r:?}"),
                            _ => {}
                        }
                        if dep.bucket == Bucket::NotYet {
                            assert_eq!(r.bucket, Bucket::NotYet, "{ctx:?} {r:?}");
                        }
                    }
                }
                let priorities: Vec<usize> = ranked.iter().filter_map(|r| r.priority).collect();
                assert_eq!(priorities, (1..=priorities.len()).collect::<Vec<_>>());
            }
        }
    }

    #[test]
    fn seed_with_a_database_and_a_cloud_puts_access_and_backups_first() {
        let ctx = Context {
            stage_rank: 1,
            database: true,
            cloud: true,
            ..Context::default()
        };
        let ranked = rank(&all(Status::Missing), &ctx);
        assert_eq!(ids(&ranked, Bucket::Now), ["secrets-access", "backup-dr"]);
        assert_eq!(
            ids(&ranked, Bucket::Next),
            [
                "release",
                "observability",
                "supply-chain",
                "production-access",
                "cost-guardrails"
            ]
        );
        assert_eq!(
            ids(&ranked, Bucket::NotYet),
            ["staging-parity", "iac-drift"]
        );
        let priorities: Vec<_> = ranked.iter().map(|r| r.priority).collect();
        assert_eq!(
            priorities,
            [
                Some(1),
                Some(2),
                Some(3),
                Some(4),
                Some(5),
                Some(6),
                Some(7),
                None,
                None
            ]
        );
    }

    #[test]
    fn premature_areas_say_why() {
        let ctx = Context {
            stage_rank: 0,
            cloud: true,
            ..Context::default()
        };
        let ranked = rank(&all(Status::Missing), &ctx);
        let cost = ranked
            .iter()
            .find(|r| r.area == AreaId::CostGuardrails)
            .unwrap();
        assert_eq!(cost.bucket, Bucket::NotYet);
        assert_eq!(
            cost.premature.as_deref(),
            Some("At pre-mvp the bill is small; add a budget alert with the first paid resources.")
        );
        let parity = ranked
            .iter()
            .find(|r| r.area == AreaId::StagingParity)
            .unwrap();
        assert!(
            parity
                .premature
                .as_deref()
                .unwrap()
                .starts_with("Before series-a")
        );
    }

    #[test]
    fn pre_mvp_without_a_cloud_is_just_ci() {
        let ranked = rank(&all(Status::Missing), &Context::default());
        assert_eq!(ids(&ranked, Bucket::Now), ["release"]);
        assert!(ids(&ranked, Bucket::Next).is_empty());
        let backup = ranked.iter().find(|r| r.area == AreaId::BackupDr).unwrap();
        assert_eq!(
            backup.premature.as_deref(),
            Some(
                "No database was detected, so there is nothing to restore yet; revisit with the first database."
            )
        );
        assert_eq!(backup.risk, Risk::Low);
    }

    #[test]
    fn a_leak_makes_secrets_due_even_at_pre_mvp_and_high_risk() {
        let mut findings = all(Status::Missing);
        findings[0].1.alarm = true;
        let ctx = Context {
            leaks: true,
            ..Context::default()
        };
        let ranked = rank(&findings, &ctx);
        assert_eq!(ranked[0].area, AreaId::SecretsAccess);
        assert_eq!((ranked[0].priority, ranked[0].risk), (Some(1), Risk::High));
    }

    #[test]
    fn present_areas_are_done_and_unblock_what_depends_on_them() {
        let mut findings = all(Status::Missing);
        findings[0].1.status = Status::Present; // secrets-access
        let ctx = Context {
            stage_rank: 1,
            ..Context::default()
        };
        let ranked = rank(&findings, &ctx);
        assert_eq!(ids(&ranked, Bucket::Done), ["secrets-access"]);
        assert_eq!(ids(&ranked, Bucket::Now)[0], "release");
    }
}
