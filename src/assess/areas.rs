//! The areas assessed and how each is recognised: a few checks per area, each satisfied by repo
//! paths or reported as what was looked for. Stage rules and ranking live in `rank.rs`.

use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

use crate::assess::leaks::Leak;
use crate::assess::scan::{self, Scan};
use crate::detect::Detected;
use crate::state::State;

/// An infrastructure area. `ALL` is also the tie-break order of the ranking: backups and access
/// before anything clever.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum AreaId {
    SecretsAccess,
    BackupDr,
    Release,
    Observability,
    SupplyChain,
    ProductionAccess,
    StagingParity,
    IacDrift,
    CostGuardrails,
}

impl AreaId {
    pub(crate) const ALL: [AreaId; 9] = [
        AreaId::SecretsAccess,
        AreaId::BackupDr,
        AreaId::Release,
        AreaId::Observability,
        AreaId::SupplyChain,
        AreaId::ProductionAccess,
        AreaId::StagingParity,
        AreaId::IacDrift,
        AreaId::CostGuardrails,
    ];

    /// The id in JSON and in `depends_on`.
    pub(crate) fn id(self) -> &'static str {
        match self {
            AreaId::Release => "release",
            AreaId::SecretsAccess => "secrets-access",
            AreaId::BackupDr => "backup-dr",
            AreaId::StagingParity => "staging-parity",
            AreaId::Observability => "observability",
            AreaId::IacDrift => "iac-drift",
            AreaId::CostGuardrails => "cost-guardrails",
            AreaId::ProductionAccess => "production-access",
            AreaId::SupplyChain => "supply-chain",
        }
    }

    pub(crate) fn title(self) -> &'static str {
        match self {
            AreaId::Release => "Release process (CI/CD)",
            AreaId::SecretsAccess => "Secrets and access control",
            AreaId::BackupDr => "Backup and disaster recovery",
            AreaId::StagingParity => "Staging parity",
            AreaId::Observability => "Observability",
            AreaId::IacDrift => "Infrastructure as code and drift",
            AreaId::CostGuardrails => "Cloud cost guardrails",
            AreaId::ProductionAccess => "Production access",
            AreaId::SupplyChain => "Dependency and supply-chain hygiene",
        }
    }

    /// The blueprint that lays this area, if scaffold has one.
    // Every area has one today; `None` stays part of the contract (`assess --json` prints
    // `"foundation": null`) for an area added before its foundation.
    #[allow(clippy::unnecessary_wraps)]
    pub(crate) fn foundation(self) -> Option<&'static str> {
        match self {
            AreaId::Release | AreaId::SupplyChain => Some("ci"),
            AreaId::SecretsAccess => Some("secrets-rbac"),
            AreaId::ProductionAccess => Some("production-access"),
            AreaId::BackupDr => Some("backup-restore"),
            AreaId::StagingParity => Some("staging-parity"),
            AreaId::Observability => Some("observability"),
            AreaId::IacDrift => Some("iac"),
            AreaId::CostGuardrails => Some("cost-guardrails"),
        }
    }

    /// Whether this area is the one its foundation exists for (the others get it as a bonus):
    /// only primary areas drive the foundations `init` recommends.
    #[allow(dead_code)] // Only `recommended_foundations` uses it, until `init` calls that.
    pub(crate) fn is_primary(self) -> bool {
        matches!(
            self,
            AreaId::Release
                | AreaId::SecretsAccess
                | AreaId::BackupDr
                | AreaId::StagingParity
                | AreaId::Observability
                | AreaId::IacDrift
                | AreaId::CostGuardrails
                | AreaId::ProductionAccess
        )
    }

    /// The first stage (0 = pre-mvp) at which `init` lays this area's foundation when the area is
    /// due: the assessment ranks cost guardrails from seed, but a seed bill is small enough that the
    /// budget waits for series-a.
    pub(crate) fn laid_from(self) -> usize {
        match self {
            AreaId::CostGuardrails => 2,
            _ => 0,
        }
    }

    /// One sentence: why the area matters.
    pub(crate) fn why(self) -> &'static str {
        match self {
            AreaId::Release => {
                "Every change is built, tested and deployed the same way, so a release is routine and can be undone."
            }
            AreaId::SecretsAccess => {
                "Credentials kept out of git and access given by role mean one leaked laptop or one departure does not expose production."
            }
            AreaId::BackupDr => {
                "Only a restore that was tested proves the data comes back, and how fast."
            }
            AreaId::StagingParity => {
                "Staging predicts production only when it runs the same engines, versions and config keys."
            }
            AreaId::Observability => {
                "Errors, metrics and alerts tell you about an outage before your users do."
            }
            AreaId::IacDrift => {
                "Infrastructure in code, with remote state and a drift check, can be reviewed, rebuilt and trusted."
            }
            AreaId::CostGuardrails => {
                "A budget alert catches a runaway bill in hours, not at the end of the month."
            }
            AreaId::ProductionAccess => {
                "Production reached through an audited, role-based path instead of shared SSH keys shows who did what, and access ends with the job."
            }
            AreaId::SupplyChain => {
                "An update bot, pinned actions, lockfiles and CODEOWNERS keep third-party code current and reviewed."
            }
        }
    }
}

/// Whether an area is in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Status {
    Present,
    Partial,
    Missing,
}

impl Status {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Status::Present => "present",
            Status::Partial => "partial",
            Status::Missing => "missing",
        }
    }
}

/// What the repo shows for one area.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Finding {
    pub(crate) status: Status,
    /// Repo paths that prove a check, then what was looked for and not found, then red flags.
    pub(crate) evidence: Vec<String>,
    /// The version of the foundation scaffold applied for this area.
    pub(crate) applied: Option<String>,
    /// Something actively dangerous (leaked credentials, SSH with a stored key): the risk is high.
    pub(crate) alarm: bool,
}

/// Everything the checks look at.
pub(crate) struct Facts<'a> {
    pub(crate) scan: &'a Scan,
    pub(crate) detected: &'a Detected,
    pub(crate) leaks: &'a [Leak],
    pub(crate) state: &'a State,
}

/// One thing an area needs: the paths that satisfy it, or what was looked for.
struct Check {
    found: Vec<String>,
    missing: String,
}

fn check(found: Vec<String>, missing: impl Into<String>) -> Check {
    Check {
        found,
        missing: missing.into(),
    }
}

/// How many paths one check lists before summarising.
const MAX_PATHS: usize = 4;

/// Inspects one area. `stage_rank` (0 = pre-mvp) decides which checks apply.
pub(crate) fn inspect(area: AreaId, facts: &Facts<'_>, stage_rank: usize) -> Finding {
    let (checks, flags) = checks(area, facts, stage_rank);
    let applied = area.foundation().and_then(|id| {
        facts
            .state
            .foundations
            .get(id)
            .map(|a| (id, a.version.to_string()))
    });
    let satisfied = checks.iter().filter(|c| !c.found.is_empty()).count();
    // What scaffold laid is in place only once the team has done its open steps.
    let open = if applied.is_some() {
        open_steps(area, facts.scan)
    } else {
        Vec::new()
    };
    // A GitLab job file that `.gitlab-ci.yml` does not include never runs, even if scaffold laid it.
    let unwired: Vec<String> = match area {
        AreaId::BackupDr => drill_jobs(facts.scan),
        _ => Vec::new(),
    }
    .into_iter()
    .filter(|p| !gitlab_runs(facts.scan, p))
    .map(|p| format!("{p} is not included by .gitlab-ci.yml: its jobs never run"))
    .collect();
    let mut status = match (&applied, open.is_empty() && unwired.is_empty()) {
        (Some(_), true) => Status::Present,
        (Some(_), false) => Status::Partial,
        (None, _) if satisfied == checks.len() && unwired.is_empty() => Status::Present,
        (None, _) if satisfied > 0 => Status::Partial,
        (None, _) => Status::Missing,
    };
    if !flags.is_empty() && status == Status::Present {
        status = Status::Partial;
    }
    let mut evidence = Vec::new();
    if let Some((id, version)) = &applied {
        evidence.push(format!(
            "laid by scaffold: {id} {version} (.scaffold/state.toml)"
        ));
    }
    for c in &checks {
        for path in c.found.iter().take(MAX_PATHS) {
            if !evidence.contains(path) {
                evidence.push(path.clone());
            }
        }
        if c.found.len() > MAX_PATHS {
            evidence.push(format!("and {} more", c.found.len() - MAX_PATHS));
        }
    }
    if applied.is_none() {
        evidence.extend(
            checks
                .iter()
                .filter(|c| c.found.is_empty())
                .map(|c| c.missing.clone()),
        );
    }
    evidence.extend(open);
    evidence.extend(unwired);
    let alarm = !flags.is_empty();
    evidence.extend(flags);
    Finding {
        status,
        evidence,
        applied: applied.map(|(_, v)| v),
        alarm,
    }
}

/// The next steps of a laid foundation that the repo shows are still open: the placeholders and
/// stubs it wrote that the team has not yet replaced. (Settings outside the repo, such as a
/// repository variable or branch protection, cannot be seen here.)
fn open_steps(area: AreaId, scan: &Scan) -> Vec<String> {
    /// An area, a file scaffold wrote for it, the placeholder text still in it, and the step.
    const PLACEHOLDERS: [(AreaId, &str, &str, &str); 3] = [
        (
            AreaId::SecretsAccess,
            ".sops.yaml",
            "replace-me-",
            "open step: .sops.yaml still has placeholder age recipients",
        ),
        (
            AreaId::ProductionAccess,
            "docs/security/access.md",
            "| admin | two named people, no more |",
            "open step: the access matrix names no one yet (docs/security/access.md)",
        ),
        (
            AreaId::Release,
            "ops/deploy/deploy.sh",
            "no deploy configured yet",
            "open step: ops/deploy/deploy.sh does not deploy anywhere yet",
        ),
    ];
    PLACEHOLDERS
        .iter()
        .filter(|(a, path, needle, _)| {
            *a == area && scan.text(path).is_some_and(|t| t.contains(needle))
        })
        .map(|(.., step)| (*step).to_owned())
        .collect()
}

/// The checks that apply to an area, and its red flags.
fn checks(area: AreaId, facts: &Facts<'_>, stage_rank: usize) -> (Vec<Check>, Vec<String>) {
    let scan = facts.scan;
    let mut flags = Vec::new();
    let checks = match area {
        AreaId::Release => {
            let ci = scan.paths(scan::is_ci);
            let mut checks = vec![check(
                ci,
                "no CI configuration (looked for .github/workflows/*.yml, .gitlab-ci.yml, .circleci/config.yml, Jenkinsfile)",
            )];
            if stage_rank >= 1 {
                checks.push(check(
                    scan.containing(scan::is_ci, &["deploy", "environment:"]),
                    "no deploy job in CI (looked for `deploy` or `environment:`)",
                ));
            }
            checks
        }
        AreaId::SecretsAccess => {
            let mut store = scan.paths(|p| {
                p == ".sops.yaml" || p.contains(".enc.") || scan::name(p).ends_with(".sops.yaml")
            });
            store.extend(scan.containing(
                scan::is_iac,
                &[
                    "aws_secretsmanager_secret",
                    "google_secret_manager_secret",
                    "aws_ssm_parameter",
                ],
            ));
            store.extend(scan.containing(
                scan::is_ci,
                &[
                    "sops ",
                    "doppler",
                    "vault-action",
                    "get-secretmanager-secrets",
                ],
            ));
            let mut checks = vec![
                check(
                    store,
                    "no secret store (looked for .sops.yaml, Secrets Manager or Secret Manager in Terraform, sops, Doppler or Vault in CI)",
                ),
                check(
                    if ignores_dotenv(scan) {
                        vec![".gitignore".to_owned()]
                    } else {
                        Vec::new()
                    },
                    "`.env` is not in .gitignore",
                ),
            ];
            if facts.detected.cloud.is_some() {
                checks.push(check(
                    scan.containing(
                        scan::is_ci,
                        &[
                            "id-token: write",
                            "role-to-assume",
                            "workload_identity_provider",
                            "id_tokens:",
                        ],
                    ),
                    "no OIDC cloud login in CI (looked for `id-token: write`, `role-to-assume`, `workload_identity_provider`, `id_tokens:`)",
                ));
            }
            if !facts.leaks.is_empty() {
                let mut files: Vec<&str> = facts.leaks.iter().map(|l| l.path.as_str()).collect();
                files.dedup();
                flags.push(format!(
                    "{} credential{} in {} file{} (see leaks)",
                    facts.leaks.len(),
                    plural(facts.leaks.len()),
                    files.len(),
                    plural(files.len())
                ));
            }
            for path in scan.containing(
                scan::is_ci,
                &[
                    "secrets.aws_secret_access_key",
                    "gcp_sa_key",
                    "credentials_json:",
                ],
            ) {
                flags.push(format!("long-lived cloud key in CI: {path}"));
            }
            checks
        }
        AreaId::BackupDr => {
            let mut backups = scan.paths(|p| {
                let name = scan::name(p);
                p.starts_with("ops/backup/")
                    || (name.contains("backup") && scan::has_ext(name, &["sh"]))
            });
            backups.extend(scan.containing(
                scan::is_iac,
                &[
                    "backup_retention_period",
                    "point_in_time_recovery",
                    "backup_configuration",
                    "aws_backup_plan",
                ],
            ));
            vec![
                check(
                    backups,
                    "no backups (looked for backup scripts, or backup_retention_period, point_in_time_recovery, aws_backup_plan in Terraform)",
                ),
                check(
                    scan.paths(|p| {
                        let name = scan::name(p).to_ascii_lowercase();
                        scan::has_ext(&name, &["md"]) && name.contains("restore")
                    }),
                    "no restore runbook (looked for a *restore*.md)",
                ),
                check(
                    drill_jobs(scan)
                        .into_iter()
                        .filter(|p| gitlab_runs(scan, p))
                        .collect(),
                    "no scheduled restore drill in CI",
                ),
            ]
        }
        AreaId::StagingParity => vec![
            check(
                scan.paths(|p| {
                    scan::is_config_or_script(p)
                        && p.split('/')
                            .any(|part| part.to_ascii_lowercase().contains("staging"))
                }),
                "no staging environment config (looked for paths naming `staging`)",
            ),
            check(
                scan.paths(|p| scan::is_config_or_script(p) && scan::name(p).contains("parity")),
                "no parity check (looked for a *parity* script or job)",
            ),
            check(
                scan.paths(scan::is_compose),
                "no compose file running the backing services locally",
            ),
        ],
        AreaId::Observability => {
            let mut alerts = scan.containing(
                scan::is_iac,
                &[
                    "aws_cloudwatch_metric_alarm",
                    "google_monitoring_alert_policy",
                    "google_monitoring_uptime_check_config",
                    "datadog_monitor",
                    "pagerduty",
                ],
            );
            alerts.extend(scan.paths(|p| {
                let name = scan::name(p);
                (name.contains("alert") || name.contains("uptime"))
                    && scan::has_ext(name, &["yml", "yaml", "json"])
            }));
            vec![
                check(
                    scan.containing(
                        scan::is_dependency_file,
                        &["sentry", "honeybadger", "rollbar", "bugsnag"],
                    ),
                    "no error tracking (looked for Sentry, Honeybadger, Rollbar, Bugsnag in dependencies)",
                ),
                check(
                    scan.containing(
                        scan::is_dependency_file,
                        &[
                            "opentelemetry",
                            "prometheus",
                            "prom-client",
                            "dd-trace",
                            "datadog",
                            "newrelic",
                            "statsd",
                        ],
                    ),
                    "no metrics or tracing (looked for OpenTelemetry, Prometheus, Datadog, New Relic in dependencies)",
                ),
                check(
                    alerts,
                    "no alerts or uptime checks (looked for alarm and alert-policy resources, alert rule files)",
                ),
            ]
        }
        AreaId::IacDrift => vec![
            check(
                scan.paths(scan::is_iac),
                "no Terraform or OpenTofu files (looked for *.tf, *.tofu)",
            ),
            check(
                remote_state(scan),
                "no remote state (looked for a `backend` or `cloud` block)",
            ),
            check(
                scan.paths(|p| {
                    scan::is_ci(p)
                        && scan.text(p).is_some_and(|t| {
                            (t.contains("terraform plan") || t.contains("tofu plan"))
                                && (t.contains("schedule") || t.contains("cron"))
                        })
                }),
                "no scheduled plan in CI to catch drift",
            ),
        ],
        AreaId::CostGuardrails => {
            let mut review = scan.containing(scan::is_ci, &["infracost"]);
            review.extend(scan.paths(|p| scan::name(p).starts_with("infracost")));
            vec![
                check(
                    scan.containing(
                        scan::is_iac,
                        &[
                            "aws_budgets_budget",
                            "google_billing_budget",
                            "aws_ce_anomaly",
                        ],
                    ),
                    "no budget or cost-anomaly alert (looked for aws_budgets_budget, google_billing_budget, aws_ce_anomaly_monitor)",
                ),
                check(review, "no cost estimate on changes (looked for Infracost)"),
            ]
        }
        AreaId::ProductionAccess => {
            for path in ssh_deploys(scan) {
                flags.push(format!("CI deploys over SSH with a stored key: {path}"));
            }
            let mut audited = scan.containing(
                |p| scan::is_iac(p) || scan::is_ci(p),
                &[
                    "amazonssmmanagedinstancecore",
                    "aws_ssm_document",
                    "ssm start-session",
                    "google_iap_",
                    "iap-tunnel",
                    "teleport",
                    "boundary_",
                    "tailscale",
                ],
            );
            audited.sort();
            vec![
                check(
                    scan.paths(|p| {
                        let name = scan::name(p).to_ascii_lowercase();
                        scan::has_ext(&name, &["md"])
                            && (name.contains("access") || name.contains("break-glass"))
                    }),
                    "no documented production access path (looked for an *access*.md)",
                ),
                check(
                    audited,
                    "no audited access mechanism (looked for SSM Session Manager, IAP, Teleport, Boundary, Tailscale)",
                ),
            ]
        }
        AreaId::SupplyChain => {
            let mut checks = vec![check(
                scan.paths(|p| {
                    matches!(
                        p,
                        ".github/dependabot.yml"
                            | ".github/dependabot.yaml"
                            | "renovate.json"
                            | "renovate.json5"
                            | ".renovaterc"
                            | ".renovaterc.json"
                            | ".github/renovate.json"
                            | ".gitlab/renovate.json"
                    )
                }),
                "no dependency update bot (looked for .github/dependabot.yml, renovate.json)",
            )];
            let workflows = scan.paths(|p| p.starts_with(".github/workflows/") && scan::is_ci(p));
            if !workflows.is_empty() {
                let unpinned = unpinned_actions(scan, &workflows);
                checks.push(if unpinned.is_empty() {
                    check(workflows, "")
                } else {
                    check(
                        Vec::new(),
                        format!(
                            "actions not pinned to a commit SHA: {}",
                            unpinned.join(", ")
                        ),
                    )
                });
            }
            checks.push(check(
                scan.paths(|p| {
                    matches!(
                        p,
                        "CODEOWNERS"
                            | ".github/CODEOWNERS"
                            | "docs/CODEOWNERS"
                            | ".gitlab/CODEOWNERS"
                    )
                }),
                "no CODEOWNERS",
            ));
            if !facts.detected.languages.is_empty() {
                checks.push(check(
                    scan.paths(|p| {
                        matches!(
                            scan::name(p),
                            "package-lock.json"
                                | "yarn.lock"
                                | "pnpm-lock.yaml"
                                | "bun.lockb"
                                | "Cargo.lock"
                                | "poetry.lock"
                                | "uv.lock"
                                | "Pipfile.lock"
                                | "go.sum"
                        )
                    }),
                    "no lockfile (looked for package-lock.json, yarn.lock, pnpm-lock.yaml, Cargo.lock, poetry.lock, uv.lock, go.sum)",
                ));
            }
            checks
        }
    };
    (checks, flags)
}

/// Terraform files with a remote state block that is in force (a commented-out one is a seam, not
/// state): `backend "s3"`, `backend "gcs"`, any other backend, or a `cloud` block.
pub(crate) fn remote_state(scan: &Scan) -> Vec<String> {
    static BLOCK: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r#"(?m)^\s*(backend\s+"[a-z0-9]+"|cloud)\s*\{"#).unwrap());
    scan.paths(|p| scan::is_iac(p) && scan.text(p).is_some_and(|t| BLOCK.is_match(t)))
}

/// Whether the team built an area's foundation by hand, so scaffold must not lay a second one
/// beside it: a remote state backend of its own (iac), an uptime check or health-check alarm of its
/// own (observability), a budget of its own (cost guardrails). Files scaffold wrote are left out by
/// the caller.
pub(crate) fn handmade(area: AreaId, scan: &Scan) -> bool {
    match area {
        AreaId::IacDrift => !remote_state(scan).is_empty(),
        AreaId::Observability => !scan
            .containing(
                scan::is_iac,
                &[
                    "aws_route53_health_check",
                    "google_monitoring_uptime_check_config",
                ],
            )
            .is_empty(),
        AreaId::CostGuardrails => !scan
            .containing(
                scan::is_iac,
                &["aws_budgets_budget", "google_billing_budget"],
            )
            .is_empty(),
        // Session Manager documents or IAP firewall rules the team wrote itself.
        AreaId::ProductionAccess => !scan
            .containing(
                scan::is_iac,
                &["aws_ssm_document", "35.235.240.0/20", "google_iap_"],
            )
            .is_empty(),
        _ => false,
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// CI files holding a scheduled restore drill.
fn drill_jobs(scan: &Scan) -> Vec<String> {
    scan.paths(|p| {
        scan::is_ci(p)
            && scan.text(p).is_some_and(|t| {
                t.contains("restore") && (t.contains("schedule") || t.contains("cron"))
            })
    })
}

/// Whether GitLab runs the jobs of a CI file: any file but one under `.gitlab/ci/`, which runs only
/// when `.gitlab-ci.yml` includes it (by path, or with a wildcard over the folder).
fn gitlab_runs(scan: &Scan, path: &str) -> bool {
    if !path.starts_with(".gitlab/ci/") {
        return true;
    }
    scan.text(".gitlab-ci.yml").is_some_and(|t| {
        t.contains(&path.to_ascii_lowercase())
            || t.contains(".gitlab/ci/*")
            || t.contains(".gitlab/ci/**")
    })
}

/// Whether the root `.gitignore` keeps `.env` itself out of git (`.env.local` alone does not).
fn ignores_dotenv(scan: &Scan) -> bool {
    scan.text(".gitignore").is_some_and(|t| {
        t.lines().map(str::trim).any(|l| {
            let l = l.trim_start_matches('/').trim_start_matches("**/");
            matches!(l, ".env" | ".env*" | "*.env" | "*.env*")
        })
    })
}

/// Workflow files whose CI logs in to a server over SSH with a key stored as a secret.
pub(crate) fn ssh_deploys(scan: &Scan) -> Vec<String> {
    scan.containing(
        scan::is_ci,
        &[
            "ssh_private_key",
            "ssh-private-key",
            "ssh_key }}",
            "appleboy/ssh-action",
            "webfactory/ssh-agent",
        ],
    )
}

static USES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?m)^[\s-]*uses:\s*["']?([^\s"'#]+)"#).expect("uses regex compiles")
});

/// `owner/action@ref` of every step not pinned to a 40-character commit SHA, with its file.
fn unpinned_actions(scan: &Scan, workflows: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for path in workflows {
        let Some(text) = scan.text(path) else {
            continue;
        };
        for caps in USES.captures_iter(text) {
            let action = &caps[1];
            if action.starts_with("./") || action.starts_with("docker://") {
                continue;
            }
            let pinned = action
                .rsplit_once('@')
                .is_some_and(|(_, r)| r.len() == 40 && r.chars().all(|c| c.is_ascii_hexdigit()));
            let label = format!("{action} ({})", scan::name(path));
            if !pinned && !out.contains(&label) {
                out.push(label);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(area: AreaId, files: &[(&str, &str)], stage_rank: usize) -> Finding {
        let scan = Scan::from_files(files);
        let detected = crate::detect::from_scan(&scan, &|_| false);
        let state = State::default();
        let facts = Facts {
            scan: &scan,
            detected: &detected,
            leaks: &[],
            state: &state,
        };
        inspect(area, &facts, stage_rank)
    }

    #[test]
    fn ci_without_deploy_is_partial_from_seed_and_present_before() {
        let files = [(".github/workflows/test.yml", "on: push\njobs: {test: {}}")];
        let seed = finding(AreaId::Release, &files, 1);
        assert_eq!(seed.status, Status::Partial);
        assert_eq!(
            seed.evidence,
            [
                ".github/workflows/test.yml",
                "no deploy job in CI (looked for `deploy` or `environment:`)"
            ]
        );
        assert_eq!(finding(AreaId::Release, &files, 0).status, Status::Present);
    }

    #[test]
    fn unpinned_actions_are_named_and_pinned_ones_count() {
        let unpinned = finding(
            AreaId::SupplyChain,
            &[
                (
                    ".github/workflows/ci.yml",
                    "steps:\n  - uses: actions/checkout@v4\n  - uses: ./local\n",
                ),
                (".github/dependabot.yml", "version: 2"),
                ("CODEOWNERS", "* @a"),
            ],
            1,
        );
        assert_eq!(unpinned.status, Status::Partial);
        assert!(
            unpinned.evidence.contains(
                &"actions not pinned to a commit SHA: actions/checkout@v4 (ci.yml)".to_owned()
            ),
            "{:?}",
            unpinned.evidence
        );
        let pinned = finding(
            AreaId::SupplyChain,
            &[
                (
                    ".github/workflows/ci.yml",
                    "steps:\n  - uses: actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8 # v5\n",
                ),
                (".github/dependabot.yml", "version: 2"),
                (".github/CODEOWNERS", "* @a"),
            ],
            1,
        );
        assert_eq!(pinned.status, Status::Present, "{:?}", pinned.evidence);
    }

    #[test]
    fn ssh_with_a_stored_key_is_an_alarm() {
        let f = finding(
            AreaId::ProductionAccess,
            &[
                (
                    ".github/workflows/deploy.yml",
                    "steps:\n  - uses: appleboy/ssh-action@v1\n    with: {key: ${{ secrets.SSH_PRIVATE_KEY }}}\n",
                ),
                ("docs/access.md", "# access"),
            ],
            1,
        );
        assert!(f.alarm);
        assert_eq!(f.status, Status::Partial);
        assert_eq!(
            f.evidence.last().unwrap(),
            "CI deploys over SSH with a stored key: .github/workflows/deploy.yml"
        );
    }

    #[test]
    fn a_gitlab_drill_counts_only_when_the_pipeline_includes_it() {
        let drill = (
            ".gitlab/ci/restore-drill.gitlab-ci.yml",
            "restore-drill:\n  rules:\n    - if: $CI_PIPELINE_SOURCE == \"schedule\"\n  script: [ops/backup/restore-drill.sh]\n",
        );
        let backups = [
            ("ops/backup/backup.sh", "pg_dump"),
            ("docs/runbooks/backup-restore.md", "# restore"),
        ];
        let alone = [
            backups[0],
            backups[1],
            drill,
            (".gitlab-ci.yml", "test:\n  script: [make test]\n"),
        ];
        let f = finding(AreaId::BackupDr, &alone, 1);
        assert_eq!(f.status, Status::Partial);
        assert!(
            f.evidence
                .contains(&"no scheduled restore drill in CI".to_owned()),
            "{:?}",
            f.evidence
        );
        let included = [
            backups[0],
            backups[1],
            drill,
            (
                ".gitlab-ci.yml",
                "include:\n  - local: .gitlab/ci/restore-drill.gitlab-ci.yml\n",
            ),
        ];
        assert_eq!(
            finding(AreaId::BackupDr, &included, 1).status,
            Status::Present
        );
    }

    #[test]
    fn a_dotenv_ignore_line_counts_in_any_usual_form() {
        for line in [".env", "/.env", ".env*", "**/.env", "*.env"] {
            let scan = Scan::from_files(&[(".gitignore", line)]);
            assert!(ignores_dotenv(&scan), "{line}");
        }
        for line in ["target/", ".env.local", ".envrc"] {
            let scan = Scan::from_files(&[(".gitignore", line)]);
            assert!(!ignores_dotenv(&scan), "{line}");
        }
    }
}
