//! The `gs://` path of offsite.sh, restore.sh --from and the drill. The Google Cloud CLI does not
//! install from the registries reachable here, so a stub `gcloud` stands in for it: a small script
//! that records each call (with the environment offsite.sh sets) and serves `gs://BUCKET/PATH` from
//! a folder, answering `storage cp` and `storage ls --long --recursive` in gcloud's output format.
//! What this proves is the scripts' side (URLs, listing, newest pick, size check, refusals), not
//! Cloud Storage itself.

use std::fs;
use std::path::Path;
use std::process::Command;

use super::offsite::{age_keys, encrypted_backup, ok, refused};
use super::{APP_PASSWORD, Engine, files_in, render, run_ok, run_script, servers, unique_db};

const STUB: &str = r#"#!/usr/bin/env bash
# Stub gcloud: `storage cp SRC DST` and `storage ls --long --recursive PREFIX**` over $GCS_STUB_ROOT.
set -euo pipefail
printf '%s|%s\n' "${CLOUDSDK_STORAGE_PARALLEL_COMPOSITE_UPLOAD_ENABLED:-unset}" "$*" >>"$GCS_STUB_LOG"
[[ ${1:-} == storage ]] || { echo "stub gcloud: only 'storage' is served" >&2; exit 2; }
cmd=$2
shift 2
args=()
for a in "$@"; do
  case $a in --quiet | --long | --recursive | --) ;; -*) echo "stub gcloud: unknown flag $a" >&2; exit 2 ;; *) args+=("$a") ;; esac
done
path_of() { printf '%s/%s' "$GCS_STUB_ROOT" "${1#gs://}"; }
bucket_of() { local u=${1#gs://}; printf '%s' "${u%%/*}"; }
case $cmd in
  cp)
    src=${args[0]} dst=${args[1]}
    if [[ $dst == gs://* ]]; then
      [[ -d $GCS_STUB_ROOT/$(bucket_of "$dst") ]] || { echo "ERROR: (gcloud.storage.cp) bucket $(bucket_of "$dst") not found" >&2; exit 1; }
      mkdir -p "$(dirname "$(path_of "$dst")")"
      cp -- "$src" "$(path_of "$dst")"
    else
      [[ -f $(path_of "$src") ]] || { echo "ERROR: (gcloud.storage.cp) $src not found" >&2; exit 1; }
      cp -- "$(path_of "$src")" "$dst"
    fi
    ;;
  ls)
    prefix=${args[0]%\*\*}
    bucket=$(bucket_of "$prefix")
    [[ -d $GCS_STUB_ROOT/$bucket ]] || { echo "ERROR: (gcloud.storage.ls) bucket $bucket not found" >&2; exit 1; }
    n=0 total=0
    while IFS= read -r f; do
      url="gs://${f#"$GCS_STUB_ROOT"/}"
      [[ $url == "$prefix"* ]] || continue
      size=$(wc -c <"$f" | tr -d ' ')
      printf '%10d  2000-01-01T00:00:00Z  %s\n' "$size" "$url"
      n=$((n + 1)) total=$((total + size))
    done < <(find "$GCS_STUB_ROOT/$bucket" -type f | LC_ALL=C sort)
    ((n > 0)) || { echo "ERROR: (gcloud.storage.ls) One or more URLs matched no objects." >&2; exit 1; }
    printf 'TOTAL: %d objects, %d bytes\n' "$n" "$total"
    ;;
  *) echo "stub gcloud: unknown command $cmd" >&2; exit 2 ;;
esac
"#;

#[test]
fn offsite_uploads_to_gcs_and_the_drill_restores_the_newest_through_a_stub_gcloud() {
    let s = servers();
    let repo = render(Engine::Postgres, &[]);
    let db = unique_db("gcs_pg");
    s.create_db(Engine::Postgres, &db);
    s.load_fixture(Engine::Postgres, &db);
    let before = s.fingerprint(Engine::Postgres, &db);
    let url = s.url(Engine::Postgres, &db, APP_PASSWORD);
    let work = tempfile::tempdir().unwrap();
    let (recipient, identity) = age_keys(work.path());
    let bin = work.path().join("bin");
    fs::create_dir_all(&bin).unwrap();
    fs::write(bin.join("gcloud"), STUB).unwrap();
    run_ok(
        Command::new("chmod").arg("+x").arg(bin.join("gcloud")),
        "chmod",
    );
    let root = work.path().join("gcs");
    fs::create_dir_all(root.join("backups")).unwrap();
    let log = work.path().join("gcloud.log");
    let path = format!(
        "{}:{}:{}",
        bin.display(),
        s.pg_bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut env = vec![
        ("PATH", path.as_str()),
        ("GCS_STUB_ROOT", root.to_str().unwrap()),
        ("GCS_STUB_LOG", log.to_str().unwrap()),
    ];

    let local = work.path().join("local");
    let (dump, name) = encrypted_backup(repo.path(), &url, &local, &recipient);

    // A bucket that does not exist: non-zero, nothing pruned.
    let mut missing = env.clone();
    missing.push(("BACKUP_BUCKET_URL", "gs://no-such-bucket/staging"));
    let run = run_script(
        repo.path(),
        "offsite.sh",
        None,
        &["--tier", "daily", &dump],
        &missing,
    );
    refused(&run, "offsite.sh to a missing bucket", "nothing was pruned");
    assert!(Path::new(&dump).exists(), "pruned after a failed upload");

    env.push(("BACKUP_BUCKET_URL", "gs://backups/staging"));
    let run = run_script(
        repo.path(),
        "offsite.sh",
        None,
        &["--tier", "daily", &dump],
        &env,
    );
    ok(&run, "offsite.sh to gs://");
    let stored = root.join("backups/staging/daily");
    let mut names = files_in(&stored);
    names.sort();
    assert_eq!(
        names,
        vec![name.clone(), name.replace(".dump.age", ".roles.sql.age")],
        "not stored under staging/daily/"
    );
    assert_eq!(
        fs::read(stored.join(&name)).unwrap(),
        fs::read(&dump).unwrap()
    );
    // Every upload goes without parallel composite parts (the write-only account cannot delete them).
    let calls = fs::read_to_string(&log).unwrap();
    let uploads: Vec<&str> = calls
        .lines()
        .filter(|l| l.contains("storage cp") && l.contains(" gs://"))
        .filter(|l| !l.contains("no-such-bucket"))
        .collect();
    assert_eq!(uploads.len(), 2, "{calls}");
    for call in uploads {
        assert!(
            call.starts_with("False|"),
            "a composite-capable upload: {call}"
        );
    }

    // restore.sh --from gs://, decrypting as it streams.
    env.push(("BACKUP_AGE_IDENTITY", &identity));
    let target = format!("{db}_from_gcs");
    let from = format!("gs://backups/staging/daily/{name}");
    let run = run_script(
        repo.path(),
        "restore.sh",
        Some(&s.url(Engine::Postgres, &target, APP_PASSWORD)),
        &["--from", &from],
        &env,
    );
    ok(&run, "restore.sh --from gs://");
    assert_eq!(s.fingerprint(Engine::Postgres, &target), before);

    // An older stored copy does not win: the drill picks the newest by the time in its name.
    fs::write(
        root.join(format!(
            "backups/staging/weekly/{db}-20000101T000000Z.dump.age"
        )),
        "older",
    )
    .unwrap_or_else(|_| {
        fs::create_dir_all(root.join("backups/staging/weekly")).unwrap();
        fs::write(
            root.join(format!(
                "backups/staging/weekly/{db}-20000101T000000Z.dump.age"
            )),
            "older",
        )
        .unwrap();
    });
    let run = run_script(repo.path(), "restore-drill.sh", Some(&url), &[], &env);
    ok(&run, "restore-drill.sh with a gs:// BACKUP_BUCKET_URL");
    for expected in [
        format!("Backup: {from}, "),
        "Tables restored: 4, rows restored: 5074".to_owned(),
    ] {
        assert!(
            run.stdout.contains(&expected),
            "no `{expected}` in the report:\n{}",
            run.all()
        );
    }
    assert_eq!(
        s.databases_like(Engine::Postgres, &format!("{db}_drill")),
        Vec::<String>::new()
    );
    s.drop_db(Engine::Postgres, &db);
    s.drop_db(Engine::Postgres, &target);
}
