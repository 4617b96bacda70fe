//! The off-site backup bucket's infrastructure (`infra/backup-bucket`) and the GitLab backup
//! schedule, on the rendered files: the bucket is versioned or retention-locked, encrypted, private
//! and expires its tiers; the CI's write-only identity can put but never read or delete, the
//! drill's read-only identity can read but never write, and each trusts only its own environment's
//! jobs (AWS `sub` conditions matched as IAM does; Google's pool condition and attribute mapping,
//! from `infra/ci-identity`, evaluated by cel-python). The Terraform is parsed with python-hcl2.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Value, json};
use yaml_rust2::{Yaml, YamlLoader};

use crate::release_gates::{block, cel, defaults, hcl, literal, locals, string_like};
use crate::support::Repo;

/// Every foundation at series-a with a `PostgreSQL` database, for this CI host and cloud.
fn render(ci: &str, cloud: &str) -> Repo {
    crate::support::lay_series_a(
        "ci,secrets-rbac,backup-restore,staging-parity",
        ci,
        cloud,
        "postgres",
    )
}

fn bucket_dir(repo: &Repo) -> std::path::PathBuf {
    repo.path().join("infra/backup-bucket")
}

/// A number or bool default of a variable, as written.
fn raw_default(variables: &Value, name: &str) -> Value {
    variables["variable"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|b| b.get(format!("\"{name}\"")))
        .unwrap_or_else(|| panic!("no variable {name}"))["default"]
        .clone()
}

/// `${{for env in var.environments : env => "TEMPLATE"}}` of a local: TEMPLATE with `${env}`
/// and the string variables filled, for each environment of `var.environments`.
fn for_env_map(
    local: &str,
    vars: &BTreeMap<String, Value>,
    extra: &[(&str, &str)],
) -> BTreeMap<String, String> {
    let (head, tail) = local
        .split_once(" => \"")
        .unwrap_or_else(|| panic!("`{local}` is no `for env ... => \"...\"`"));
    assert!(
        head.contains("for env in"),
        "`{local}` does not iterate environments"
    );
    let template = tail
        .rsplit_once("\"}")
        .expect("the template's closing quote")
        .0
        .replace("\\\"", "\"");
    let envs = vars["environments"].as_array().expect("environments");
    envs.iter()
        .map(|e| {
            let env = e.as_str().unwrap();
            let mut text = template.replace("${env}", env);
            for (k, v) in extra {
                text = text.replace(&format!("${{var.{k}}}"), v);
            }
            for (name, v) in vars {
                if let Some(s) = v.as_str() {
                    text = text.replace(&format!("${{var.{name}}}"), s);
                }
            }
            (env.to_owned(), text)
        })
        .collect()
}

/// The actions of every `Allow` (or `Deny`) statement of a policy document.
fn actions(doc: &Value, effect: &str) -> Vec<String> {
    let mut out = Vec::new();
    for statement in doc["statement"].as_array().into_iter().flatten() {
        if literal(&statement["effect"]) != effect {
            continue;
        }
        for action in statement["actions"].as_array().unwrap() {
            out.push(literal(action));
        }
    }
    out
}

/// An action list grants `wanted` when an entry matches it as IAM does (`s3:*`, `s3:Get*`).
fn grants(list: &[String], wanted: &str) -> bool {
    list.iter()
        .any(|a| string_like(a.as_bytes(), wanted.as_bytes()))
}

fn assert_write_only(what: &str, allowed: &[String]) {
    assert!(grants(allowed, "s3:PutObject"), "{what} cannot put");
    for never in [
        "s3:GetObject",
        "s3:GetObjectVersion",
        "s3:DeleteObject",
        "s3:DeleteObjectVersion",
        "s3:PutObjectRetention",
        "s3:BypassGovernanceRetention",
        "s3:PutLifecycleConfiguration",
        "s3:PutBucketPolicy",
    ] {
        assert!(!grants(allowed, never), "{what} is granted {never}");
    }
}

fn assert_read_only(what: &str, allowed: &[String]) {
    assert!(grants(allowed, "s3:GetObject"), "{what} cannot read");
    for never in [
        "s3:PutObject",
        "s3:DeleteObject",
        "s3:DeleteObjectVersion",
        "s3:PutObjectRetention",
        "s3:BypassGovernanceRetention",
    ] {
        assert!(!grants(allowed, never), "{what} is granted {never}");
    }
}

/// The bucket itself: versioned, Object Lock with a default retention, SSE-KMS, private, lifecycle.
fn assert_aws_bucket(main: &Value, variables: &Value) {
    let bucket = block(main, "resource", "aws_s3_bucket", "backups");
    assert_eq!(bucket["object_lock_enabled"], json!(true));
    assert_eq!(bucket["provider"], json!("${aws.backup}"));
    let versioning = block(main, "resource", "aws_s3_bucket_versioning", "backups");
    assert_eq!(
        literal(&versioning["versioning_configuration"][0]["status"]),
        "Enabled"
    );
    let lock = block(
        main,
        "resource",
        "aws_s3_bucket_object_lock_configuration",
        "backups",
    );
    let retention = &lock["rule"][0]["default_retention"][0];
    assert_eq!(retention["mode"], json!("${var.object_lock_mode}"));
    assert_eq!(retention["days"], json!("${var.object_lock_days}"));
    let mode = literal(&raw_default(variables, "object_lock_mode"));
    assert!(
        ["COMPLIANCE", "GOVERNANCE"].contains(&mode.as_str()),
        "{mode}"
    );
    assert!(raw_default(variables, "object_lock_days").as_i64().unwrap() >= 1);
    let sse = block(
        main,
        "resource",
        "aws_s3_bucket_server_side_encryption_configuration",
        "backups",
    );
    let by_default = &sse["rule"][0]["apply_server_side_encryption_by_default"][0];
    assert_eq!(literal(&by_default["sse_algorithm"]), "aws:kms");
    let key = block(main, "resource", "aws_kms_key", "backups");
    assert_eq!(key["enable_key_rotation"], json!(true));
    let public = block(
        main,
        "resource",
        "aws_s3_bucket_public_access_block",
        "backups",
    );
    for flag in [
        "block_public_acls",
        "block_public_policy",
        "ignore_public_acls",
        "restrict_public_buckets",
    ] {
        assert_eq!(public[flag], json!(true), "{flag}");
    }
    let lifecycle = block(
        main,
        "resource",
        "aws_s3_bucket_lifecycle_configuration",
        "backups",
    );
    let rule = &lifecycle["dynamic"][0]["\"rule\""];
    assert_eq!(rule["for_each"], json!("${local.lifecycle_rules}"));
    let content = &rule["content"][0];
    assert_eq!(literal(&content["status"]), "Enabled");
    assert_eq!(
        content["filter"][0]["prefix"],
        json!("${rule.value.prefix}")
    );
    assert_eq!(
        content["expiration"][0]["days"],
        json!("${rule.value.days}")
    );
    assert_keep_days(variables, &locals(main));
}

/// 7 daily, 4 weekly, 3 monthly: one rule per environment and tier prefix offsite.sh writes.
fn assert_keep_days(variables: &Value, locals: &Value) {
    let keep = raw_default(variables, "keep_days");
    assert_eq!(
        (&keep["daily"], &keep["weekly"], &keep["monthly"]),
        (&json!(7), &json!(28), &json!(90))
    );
    let rules = locals["lifecycle_rules"].as_str().unwrap();
    assert!(
        rules.contains("setproduct(sort(tolist(var.environments)), keys(local.tiers))")
            && rules.contains("prefix = \"${pair[0]}/${pair[1]}/\""),
        "lifecycle rules not per <environment>/<tier>/: {rules}"
    );
    for tier in ["daily", "weekly", "monthly"] {
        assert_eq!(
            locals["tiers"][tier],
            json!(format!("${{var.keep_days.{tier}}}"))
        );
    }
}

/// The `sub` each kind of job presents to AWS: (what runs, sub).
fn aws_jobs(ci: &str) -> Vec<(&'static str, &'static str)> {
    if ci == "github" {
        vec![
            ("staging", "repo:acme/demo:environment:staging"),
            ("production", "repo:acme/demo:environment:production"),
            ("a pull request", "repo:acme/demo:pull_request"),
            ("a branch job", "repo:acme/demo:ref:refs/heads/main"),
            ("another repository", "repo:acme/other:environment:staging"),
        ]
    } else {
        // Both environments' scheduled jobs run on the protected default branch.
        vec![
            (
                "schedule",
                "project_path:acme/demo:ref_type:branch:ref:main",
            ),
            (
                "a feature branch",
                "project_path:acme/demo:ref_type:branch:ref:feature/x",
            ),
            ("a tag", "project_path:acme/demo:ref_type:tag:ref:v1.4.0"),
            (
                "another project",
                "project_path:acme/other:ref_type:branch:ref:main",
            ),
        ]
    }
}

/// The `sub` condition of a trust policy document (`StringEquals` only: no wildcard is accepted).
fn trusted_sub(doc: &Value) -> String {
    let conditions = doc["statement"][0]["condition"].as_array().unwrap();
    assert!(
        conditions
            .iter()
            .any(|c| c["variable"].as_str().unwrap().ends_with(":aud\"")),
        "no `aud` condition"
    );
    let sub = conditions
        .iter()
        .find(|c| c["variable"].as_str().unwrap().ends_with(":sub\""))
        .expect("a `sub` condition");
    assert_eq!(literal(&sub["test"]), "StringEquals");
    let values = sub["values"].as_array().unwrap();
    assert_eq!(values.len(), 1);
    values[0].as_str().unwrap().to_owned()
}

fn assert_aws_trust(ci: &str, main: &Value, vars: &BTreeMap<String, Value>) {
    let locals = locals(main);
    let writer_trust = block(main, "data", "aws_iam_policy_document", "writer_trust");
    assert_eq!(writer_trust["for_each"], json!("${local.writer_sub}"));
    assert_eq!(trusted_sub(writer_trust), "${each.value}");
    let writers = for_env_map(locals["writer_sub"].as_str().unwrap(), vars, &[]);
    assert_eq!(
        writers.keys().collect::<Vec<_>>(),
        ["production", "staging"]
    );
    let reader_trust = block(main, "data", "aws_iam_policy_document", "reader_trust");
    assert_eq!(trusted_sub(reader_trust), "${local.reader_sub}");
    let mut reader = literal(&locals["reader_sub"]);
    for (name, v) in vars {
        if let Some(s) = v.as_str() {
            reader = reader.replace(&format!("${{var.{name}}}"), s);
        }
    }
    // The OIDC provider is the one infra/ci-identity made: read, never created here.
    assert!(
        main["resource"]
            .as_array()
            .unwrap()
            .iter()
            .all(|b| b.get("\"aws_iam_openid_connect_provider\"").is_none()),
        "a second OIDC provider"
    );
    block(main, "data", "aws_iam_openid_connect_provider", "ci");
    for (job, sub) in aws_jobs(ci) {
        for (env, wanted) in &writers {
            let intended = if ci == "github" {
                job == env
            } else {
                job == "schedule"
            };
            assert_eq!(
                wanted == sub,
                intended,
                "{ci}/aws: the {env} writer and a {job} job ({sub})"
            );
        }
        let intended = if ci == "github" {
            job == "staging"
        } else {
            job == "schedule"
        };
        assert_eq!(
            reader == sub,
            intended,
            "{ci}/aws: the reader and a {job} job ({sub})"
        );
    }
}

#[test]
fn on_aws_the_bucket_is_locked_and_ci_writes_without_reading_or_deleting() {
    for ci in ["github", "gitlab"] {
        let repo = render(ci, "aws");
        let dir = bucket_dir(&repo);
        for f in [
            "required-version.tf",
            "required-version.tofu",
            "versions.tf",
            "README.md",
        ] {
            assert!(dir.join(f).is_file(), "{ci}: no {f}");
        }
        let main = hcl(&dir.join("main.tf"));
        let variables = hcl(&dir.join("variables.tf"));
        let vars = defaults(&variables);
        assert_aws_bucket(&main, &variables);
        let writer = block(&main, "data", "aws_iam_policy_document", "writer");
        assert_write_only(&format!("{ci}: the writer role"), &actions(writer, "Allow"));
        let reader = block(&main, "data", "aws_iam_policy_document", "reader");
        assert_read_only(&format!("{ci}: the reader role"), &actions(reader, "Allow"));
        // The bucket policy allows the same and denies the rest, whatever the roles are given later.
        let policy = block(&main, "data", "aws_iam_policy_document", "bucket");
        let denied = |sid: &str| -> Vec<String> {
            let st = policy["statement"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| literal(&s["sid"]) == sid)
                .unwrap_or_else(|| panic!("no statement {sid}"));
            assert_eq!(literal(&st["effect"]), "Deny");
            st["actions"]
                .as_array()
                .unwrap()
                .iter()
                .map(literal)
                .collect()
        };
        for never in ["s3:GetObject", "s3:DeleteObject", "s3:DeleteObjectVersion"] {
            assert!(
                grants(&denied("WritersNeverReadOrDelete"), never),
                "{never}"
            );
        }
        for never in ["s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"] {
            assert!(
                grants(&denied("ReaderNeverWritesOrDeletes"), never),
                "{never}"
            );
        }
        assert_aws_trust(ci, &main, &vars);
        let outputs = std::fs::read_to_string(dir.join("outputs.tf")).unwrap();
        for output in ["backup_bucket_urls", "writer_role_arns", "reader_role_arn"] {
            assert!(
                outputs.contains(&format!("output \"{output}\"")),
                "{output}"
            );
        }
    }
}

/// The claims each kind of job presents to Google: (what runs, claims).
fn gcp_jobs(ci: &str) -> Vec<(&'static str, Value)> {
    if ci == "github" {
        let job = |env: &str, repository: &str| json!({"repository": repository, "environment": env, "ref": "refs/heads/main", "sub": "x"});
        vec![
            ("staging", job("staging", "acme/demo")),
            ("production", job("production", "acme/demo")),
            ("another repository", job("production", "acme/other")),
        ]
    } else {
        let job = |env: &str, ref_type: &str, r#ref: &str, protected: &str| {
            json!({"project_path": "acme/demo", "environment": env, "ref_type": ref_type,
                   "ref": r#ref, "ref_protected": protected, "sub": "x"})
        };
        vec![
            ("staging", job("staging", "branch", "main", "true")),
            ("production", job("production", "branch", "main", "true")),
            (
                "production from a tag",
                job("production", "tag", "v1.4.0", "true"),
            ),
            (
                "production from an unprotected branch",
                job("production", "branch", "main", "false"),
            ),
            (
                "production from a feature branch",
                job("production", "branch", "feature/x", "true"),
            ),
        ]
    }
}

fn assert_gcp_bucket(main: &Value, variables: &Value) {
    let bucket = block(main, "resource", "google_storage_bucket", "backups");
    let retention = &bucket["retention_policy"][0];
    assert_eq!(
        retention["retention_period"],
        json!("${var.retention_days * 86400}")
    );
    assert_eq!(
        retention["is_locked"],
        json!("${var.lock_retention_policy}")
    );
    assert!(raw_default(variables, "retention_days").as_i64().unwrap() >= 1);
    // Cloud Storage refuses Object Versioning beside a retention policy: soft delete instead.
    assert!(
        bucket.get("versioning").is_none(),
        "versioning beside a retention policy"
    );
    assert!(bucket["soft_delete_policy"][0]["retention_duration_seconds"].is_string());
    assert_eq!(literal(&bucket["public_access_prevention"]), "enforced");
    assert_eq!(bucket["uniform_bucket_level_access"], json!(true));
    // Encrypted at rest: Google-managed by default, a key of your own when given.
    let encryption = &bucket["dynamic"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|d| d.get("\"encryption\""))
        .expect("an encryption block");
    assert_eq!(
        encryption["content"][0]["default_kms_key_name"],
        json!("${encryption.value}")
    );
    let lifecycle = bucket["dynamic"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|d| d.get("\"lifecycle_rule\""))
        .expect("lifecycle rules");
    assert_eq!(lifecycle["for_each"], json!("${local.lifecycle_rules}"));
    let content = &lifecycle["content"][0];
    assert_eq!(literal(&content["action"][0]["type"]), "Delete");
    assert_eq!(
        content["condition"][0]["matches_prefix"],
        json!(["${lifecycle_rule.value.prefix}"])
    );
    assert_keep_days(variables, &locals(main));
}

fn permissions(main: &Value, role: &str) -> Vec<String> {
    let r = block(main, "resource", "google_project_iam_custom_role", role);
    r["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(literal)
        .collect()
}

#[test]
fn on_gcp_the_bucket_is_retained_and_each_account_only_does_its_part_for_its_environment() {
    for ci in ["github", "gitlab"] {
        let repo = render(ci, "gcp");
        let main = hcl(&bucket_dir(&repo).join("main.tf"));
        let variables = hcl(&bucket_dir(&repo).join("variables.tf"));
        let vars = defaults(&variables);
        assert_gcp_bucket(&main, &variables);
        let writer = permissions(&main, "writer");
        assert!(writer.contains(&"storage.objects.create".to_owned()));
        for never in [
            "storage.objects.get",
            "storage.objects.delete",
            "storage.objects.update",
        ] {
            assert!(
                !writer.contains(&never.to_owned()),
                "{ci}: writer has {never}"
            );
        }
        let reader = permissions(&main, "reader");
        assert!(reader.contains(&"storage.objects.get".to_owned()));
        for never in [
            "storage.objects.create",
            "storage.objects.delete",
            "storage.objects.update",
        ] {
            assert!(
                !reader.contains(&never.to_owned()),
                "{ci}: reader has {never}"
            );
        }
        // The pool is infra/ci-identity's: read here, and its condition and mapping decide.
        assert!(
            main["resource"]
                .as_array()
                .unwrap()
                .iter()
                .all(|b| b.get("\"google_iam_workload_identity_pool\"").is_none()),
            "a second pool"
        );
        let ci_main = hcl(&repo.path().join("infra/ci-identity/main.tf"));
        let ci_vars = defaults(&hcl(&repo.path().join("infra/ci-identity/variables.tf")));
        let provider = block(
            &ci_main,
            "resource",
            "google_iam_workload_identity_pool_provider",
            "ci",
        );
        let mut condition = literal(&provider["attribute_condition"]);
        for (name, v) in &ci_vars {
            if let Some(s) = v.as_str() {
                condition = condition.replace(&format!("${{var.{name}}}"), s);
            }
        }
        let principal = literal(&Value::String(format!(
            "\"{}\"",
            locals(&main)["principal"]
                .as_str()
                .unwrap()
                .split_once(" => \"")
                .expect("principal template")
                .1
                .rsplit_once("\"}")
                .unwrap()
                .0
        )));
        assert_gcp_impersonation(ci, &condition, provider, &principal, &vars);
    }
}

/// Which jobs may impersonate each writer (its own environment) and the reader (staging).
fn assert_gcp_impersonation(
    ci: &str,
    condition: &str,
    provider: &Value,
    principal: &str,
    vars: &BTreeMap<String, Value>,
) {
    let (attribute, template) = principal
        .strip_prefix("attribute.")
        .and_then(|p| p.split_once('/'))
        .unwrap_or_else(|| panic!("`{principal}` is no attribute principal"));
    let mapping = literal(&provider["attribute_mapping"][format!("\"attribute.{attribute}\"")]);
    let jobs = gcp_jobs(ci);
    let claims: Vec<Value> = jobs.iter().map(|(_, c)| c.clone()).collect();
    let verdicts = cel(condition, &mapping, &claims);
    let drill = vars["drill_environment"].as_str().unwrap();
    for env in ["staging", "production"] {
        let wanted = template.replace("${env}", env);
        for ((job, _), (accepted, mapped)) in jobs.iter().zip(&verdicts) {
            let may = *accepted && *mapped == wanted;
            assert_eq!(
                may,
                *job == env,
                "{ci}/gcp: a {job} job and the {env} writer ({attribute} = {mapped:?}, wanted {wanted:?}, condition {accepted})"
            );
            if env == drill {
                assert_eq!(may, *job == drill, "{ci}/gcp: a {job} job and the reader");
            }
        }
    }
}

fn yaml(path: &Path) -> Yaml {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    YamlLoader::load_from_str(&text).unwrap().remove(0)
}

fn script(job: &Yaml) -> String {
    let mut lines: Vec<&str> = Vec::new();
    for key in ["before_script", "script"] {
        for l in job[key].as_vec().into_iter().flatten() {
            lines.push(l.as_str().unwrap());
        }
    }
    lines.join("\n")
}

#[test]
fn gitlab_backs_up_both_environments_on_a_schedule_and_drills_the_stored_backup() {
    for cloud in ["aws", "gcp"] {
        let repo = render("gitlab", cloud);
        let include = std::fs::read_to_string(repo.path().join(".gitlab-ci.yml")).unwrap();
        assert!(
            include.contains("- local: .gitlab/ci/backup.gitlab-ci.yml"),
            "{cloud}: the include block misses the backup jobs"
        );
        let doc = yaml(&repo.path().join(".gitlab/ci/backup.gitlab-ci.yml"));
        let rule = doc[".backup"]["rules"][0]["if"].as_str().unwrap();
        for part in [
            "$CI_PIPELINE_SOURCE == \"schedule\"",
            "$SCHEDULED_JOB == \"backup\"",
            "$BACKUP_ENABLED == \"true\"",
        ] {
            assert!(rule.contains(part), "{cloud}: rule `{rule}` lacks {part}");
        }
        for env in ["staging", "production"] {
            let dump = &doc[format!("backup-dump-{env}").as_str()];
            let upload = &doc[format!("backup-upload-{env}").as_str()];
            assert_eq!(dump["environment"]["name"].as_str(), Some(env));
            assert_eq!(upload["environment"]["name"].as_str(), Some(env));
            assert_eq!(
                upload["needs"][0].as_str(),
                Some(format!("backup-dump-{env}").as_str())
            );
        }
        let dump = script(&doc[".backup-dump"]);
        assert!(
            dump.contains("DATABASE_URL=\"$BACKUP_DATABASE_URL\"")
                && dump.contains("ops/backup/backup.sh")
        );
        assert!(
            dump.contains("BACKUP_AGE_RECIPIENT"),
            "the dump is not encrypted"
        );
        let upload = script(&doc[".backup-upload"]);
        assert!(upload.contains("ops/backup/offsite.sh"));
        let identity = if cloud == "aws" {
            "$BACKUP_WRITER_ROLE_ARN"
        } else {
            "$BACKUP_WRITER_SERVICE_ACCOUNT"
        };
        assert!(
            upload.contains(identity),
            "{cloud}: upload without the write-only identity"
        );

        let drill = yaml(&repo.path().join(".gitlab/ci/restore-drill.gitlab-ci.yml"));
        let run = script(&drill["restore-drill"]);
        assert!(
            !run.contains("--fresh"),
            "{cloud}: the drill makes its own dump"
        );
        assert!(run.contains("restore-drill.sh --from"), "{run}");
        assert_eq!(
            drill["restore-drill"]["needs"][0].as_str(),
            Some("restore-drill-fetch")
        );
        let fetch = script(&drill["restore-drill-fetch"]);
        assert!(fetch.contains("offsite.sh --fetch-latest"));
        let reader = if cloud == "aws" {
            "$BACKUP_READER_ROLE_ARN"
        } else {
            "$BACKUP_READER_SERVICE_ACCOUNT"
        };
        assert!(
            fetch.contains(reader),
            "{cloud}: fetch without the read-only identity"
        );
        for job in [
            "restore-drill-fetch",
            "restore-drill",
            "restore-drill-failed",
        ] {
            let rule = drill[job]["rules"][0]["if"].as_str().unwrap();
            assert!(
                rule.contains("$SCHEDULED_JOB != \"backup\""),
                "{cloud}: {job} also runs from the daily backup schedule"
            );
        }
    }
    // Without a cloud there is no bucket: the drill makes its own dump and no backup job is laid.
    let repo = render("gitlab", "none");
    assert!(!repo.path().join(".gitlab/ci/backup.gitlab-ci.yml").exists());
    let drill = yaml(&repo.path().join(".gitlab/ci/restore-drill.gitlab-ci.yml"));
    assert!(script(&drill["restore-drill"]).contains("--fresh"));
}
