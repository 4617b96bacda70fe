//! Where dumps go and how they come back: never into a git work tree, encrypted with age as they
//! stream (no plaintext file at any point), uploaded to S3 (the `moto_server` from `PyPI`, started here)
//! by offsite.sh and restored from there by restore.sh --from and the drill; failed restores leave
//! nothing half-restored; the TLS parameters of a `mysql://` `DATABASE_URL` are honoured.

use std::fs;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use super::{
    APP_PASSWORD, Engine, Run, files_in, free_port, render, run_ok, run_script, servers, unique_db,
};

/// `target/backup-tools`: moto's server and the aws CLI (tests/setup.sh installs them).
fn backup_tools() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/backup-tools/bin");
    for tool in ["moto_server", "aws"] {
        assert!(
            dir.join(tool).is_file(),
            "{} missing: run tests/setup.sh (it installs moto[server] and awscli from PyPI)",
            dir.join(tool).display()
        );
    }
    dir
}

/// An age key pair made by age-keygen: (public recipient, private identity).
pub(super) fn age_keys(dir: &Path) -> (String, String) {
    let key = dir.join("key.txt");
    run_ok(Command::new("age-keygen").arg("-o").arg(&key), "age-keygen");
    let identity = fs::read_to_string(&key).unwrap();
    let recipient = identity
        .lines()
        .find_map(|l| l.strip_prefix("# public key: "))
        .expect("no public key in age-keygen's output")
        .to_owned();
    (recipient, identity)
}

pub(super) fn ok(run: &Run, what: &str) {
    assert_eq!(run.code, Some(0), "{what} failed:\n{}", run.all());
}

/// `backup.sh` into `local`, encrypted to `recipient`: the dump's path and file name.
pub(super) fn encrypted_backup(
    repo: &Path,
    url: &str,
    local: &Path,
    recipient: &str,
) -> (String, String) {
    let run = run_script(
        repo,
        "backup.sh",
        Some(url),
        &[local.to_str().unwrap()],
        &[("BACKUP_AGE_RECIPIENT", recipient)],
    );
    ok(&run, "backup.sh");
    let dump = run.stdout.lines().last().unwrap().to_owned();
    let name = Path::new(&dump)
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    (dump, name)
}

pub(super) fn refused(run: &Run, what: &str, message: &str) {
    assert!(
        run.code.is_some_and(|c| c != 0),
        "{what} should fail:\n{}",
        run.all()
    );
    assert!(
        run.stderr.contains(message),
        "{what}: no `{message}` in\n{}",
        run.all()
    );
}

#[test]
fn backups_never_land_in_the_git_work_tree() {
    let s = servers();
    let repo = render(Engine::Postgres, &[]);
    run_ok(
        Command::new("git")
            .args(["init", "-q"])
            .current_dir(repo.path()),
        "git init",
    );
    let db = unique_db("tree_pg");
    s.create_db(Engine::Postgres, &db);
    s.load_fixture(Engine::Postgres, &db);
    let url = s.url(Engine::Postgres, &db, APP_PASSWORD);
    // A folder of the repo, given as an argument or as BACKUP_DIR, even reached through `..`.
    let run = run_script(repo.path(), "backup.sh", Some(&url), &["backups"], &[]);
    refused(&run, "backup.sh backups", "inside the git work tree");
    let inside = repo.path().join("ops/../backups");
    let run = run_script(
        repo.path(),
        "backup.sh",
        Some(&url),
        &[],
        &[("BACKUP_DIR", inside.to_str().unwrap())],
    );
    refused(&run, "BACKUP_DIR in the repo", "inside the git work tree");
    assert!(
        !repo.path().join("backups").exists(),
        "a backup folder was created"
    );
    // BACKUP_DIR outside the repo is the destination when no argument is given.
    let out = tempfile::tempdir().unwrap();
    let run = run_script(
        repo.path(),
        "backup.sh",
        Some(&url),
        &[],
        &[("BACKUP_DIR", out.path().to_str().unwrap())],
    );
    ok(&run, "backup.sh with BACKUP_DIR");
    assert!(
        run.stdout
            .trim_end()
            .starts_with(out.path().to_str().unwrap())
    );
    s.drop_db(Engine::Postgres, &db);
}

/// A stand-in `age` that runs the real one, then records the first bytes of every file in the
/// watched folders while the dump is still being written: plaintext would show there.
fn age_spy(dir: &Path, watched: &[&Path], log: &Path) -> PathBuf {
    let bin = dir.join("spy-bin");
    fs::create_dir_all(&bin).unwrap();
    let real = String::from_utf8(
        run_ok(Command::new("bash").args(["-c", "command -v age"]), "age").stdout,
    )
    .unwrap();
    let dirs: Vec<String> = watched
        .iter()
        .map(|p| format!("'{}'", p.display()))
        .collect();
    let script = format!(
        "#!/usr/bin/env bash\n'{real}' \"$@\"\nrc=$?\n\
         find {dirs} -type f -size +0 | while read -r f; do printf '%s %s\\n' \"$(head -c 5 \"$f\" | od -An -tx1 | tr -d ' \\n')\" \"$f\"; done >>'{log}'\n\
         exit $rc\n",
        real = real.trim(),
        dirs = dirs.join(" "),
        log = log.display()
    );
    fs::write(bin.join("age"), script).unwrap();
    run_ok(
        Command::new("chmod").arg("+x").arg(bin.join("age")),
        "chmod",
    );
    bin
}

fn path_with(dir: &Path) -> String {
    format!(
        "{}:{}:{}",
        dir.display(),
        servers().pg_bin.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

fn age_round_trip(engine: Engine) {
    let s = servers();
    let repo = render(engine, &[]);
    let db = unique_db(&format!("age_{}", engine.answer()));
    s.create_db(engine, &db);
    s.load_fixture(engine, &db);
    let before = s.fingerprint(engine, &db);
    let url = s.url(engine, &db, APP_PASSWORD);
    let work = tempfile::tempdir().unwrap();
    let (recipient, identity) = age_keys(work.path());
    let out = work.path().join("out");
    let tmp = work.path().join("tmp");
    fs::create_dir_all(&tmp).unwrap();
    let log = work.path().join("spy.log");
    let spy = age_spy(work.path(), &[&out, &tmp], &log);

    let run = run_script(
        repo.path(),
        "backup.sh",
        Some(&url),
        &["--age-recipient", &recipient, out.to_str().unwrap()],
        &[
            ("TMPDIR", tmp.to_str().unwrap()),
            ("PATH", &path_with(&spy)),
        ],
    );
    ok(&run, "backup.sh --age-recipient");
    let dump = run.stdout.lines().last().unwrap().to_owned();
    assert!(dump.ends_with(".age"), "{dump}");
    // Every file seen while age ran, and every file left, is age-encrypted ("age-e").
    let seen = fs::read_to_string(&log).expect("the age spy never ran");
    assert!(!seen.is_empty(), "the age spy saw no file");
    for line in seen.lines() {
        let (magic, file) = line.split_once(' ').unwrap();
        let client_cnf = file.ends_with("/client.cnf");
        assert!(
            magic == "6167652d65" || client_cnf,
            "a file that is not age-encrypted existed during the backup: {line}"
        );
    }
    for f in files_in(&out) {
        let head = fs::read(out.join(&f)).unwrap();
        assert!(
            head.starts_with(b"age-encryption.org/v1\n"),
            "{f} is not encrypted"
        );
    }
    assert_eq!(files_in(&tmp), Vec::<String>::new(), "temporary files left");

    // Restore needs the identity, and brings every row back with it.
    let target = s.url(engine, &format!("{db}_back"), APP_PASSWORD);
    let run = run_script(repo.path(), "restore.sh", Some(&target), &[&dump], &[]);
    refused(&run, "restore.sh without identity", "BACKUP_AGE_IDENTITY");
    let run = run_script(
        repo.path(),
        "restore.sh",
        Some(&target),
        &[&dump],
        &[("BACKUP_AGE_IDENTITY", &identity)],
    );
    ok(&run, "restore.sh of an .age dump");
    assert_eq!(s.fingerprint(engine, &format!("{db}_back")), before);
    s.drop_db(engine, &db);
    s.drop_db(engine, &format!("{db}_back"));
}

#[test]
fn postgres_age_round_trip_writes_no_plaintext() {
    age_round_trip(Engine::Postgres);
}

#[test]
fn mysql_age_round_trip_writes_no_plaintext() {
    age_round_trip(Engine::Mysql);
}

/// A dump that fails halfway through its restore: a `postgres` one cut short, a `mysql` one with a broken
/// statement after the first table's rows (its trailer intact, so it passes the dump check).
fn broken_dump(engine: Engine, good: &Path, dir: &Path) -> String {
    if engine == Engine::Postgres {
        let bytes = fs::read(good).unwrap();
        let bad = dir.join("broken-20000101T000000Z.dump");
        fs::write(&bad, &bytes[..bytes.len() * 2 / 3]).unwrap();
        return bad.to_str().unwrap().to_owned();
    }
    let sql = String::from_utf8(run_ok(Command::new("gzip").arg("-dc").arg(good), "gunzip").stdout)
        .unwrap();
    let cut = sql
        .find("INSERT INTO `customers`")
        .expect("no customers rows in the dump");
    let end = cut + sql[cut..].find('\n').unwrap() + 1;
    let broken = format!("{}THIS IS NOT SQL;\n{}", &sql[..end], &sql[end..]);
    let bad = dir.join("broken-20000101T000000Z.sql");
    fs::write(&bad, broken).unwrap();
    run_ok(Command::new("gzip").arg(&bad), "gzip");
    format!("{}.gz", bad.display())
}

fn failed_restore_leaves_nothing(engine: Engine) {
    let s = servers();
    let repo = render(engine, &[]);
    let db = unique_db(&format!("half_{}", engine.answer()));
    s.create_db(engine, &db);
    s.load_fixture(engine, &db);
    let before = s.fingerprint(engine, &db);
    let work = tempfile::tempdir().unwrap();
    let run = run_script(
        repo.path(),
        "backup.sh",
        Some(&s.url(engine, &db, APP_PASSWORD)),
        &[work.path().to_str().unwrap()],
        &[],
    );
    ok(&run, "backup.sh");
    let bad = broken_dump(
        engine,
        Path::new(run.stdout.lines().last().unwrap()),
        work.path(),
    );

    // A database that did not exist: created, then dropped again.
    let missing = format!("{db}_new");
    let run = run_script(
        repo.path(),
        "restore.sh",
        Some(&s.url(engine, &missing, APP_PASSWORD)),
        &[&bad],
        &[],
    );
    refused(&run, "restore of a broken dump", "failed");
    assert_eq!(s.databases_like(engine, &missing), Vec::<String>::new());
    // An empty database: still empty.
    let empty = format!("{db}_empty");
    s.create_db(engine, &empty);
    let run = run_script(
        repo.path(),
        "restore.sh",
        Some(&s.url(engine, &empty, APP_PASSWORD)),
        &[&bad],
        &[],
    );
    refused(&run, "restore of a broken dump", "failed");
    let tables = match engine {
        Engine::Postgres => s.psql_admin_ok(
            &empty,
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')",
        ),
        Engine::Mysql => s.mysql_admin_ok(
            None,
            &format!(
                "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '{empty}'"
            ),
        ),
    };
    assert_eq!(
        tables, "0",
        "a failed restore left a half-restored database"
    );
    // A database with data, replaced with --confirm: unchanged, and no scratch database left.
    let run = run_script(
        repo.path(),
        "restore.sh",
        Some(&s.url(engine, &db, APP_PASSWORD)),
        &["--confirm", &db, &bad],
        &[],
    );
    refused(&run, "restore --confirm of a broken dump", "failed");
    assert_eq!(
        s.fingerprint(engine, &db),
        before,
        "the failed restore changed the data"
    );
    assert_eq!(
        s.databases_like(engine, &format!("{db}_restore")),
        Vec::<String>::new()
    );
    s.drop_db(engine, &db);
    s.drop_db(engine, &empty);
}

#[test]
fn postgres_failed_restore_leaves_nothing_half_restored() {
    failed_restore_leaves_nothing(Engine::Postgres);
}

#[test]
fn mysql_failed_restore_leaves_nothing_half_restored() {
    failed_restore_leaves_nothing(Engine::Mysql);
}

#[test]
fn mysql_tls_parameters_of_the_url_are_honoured() {
    let s = servers();
    let repo = render(Engine::Mysql, &[]);
    let db = unique_db("tls_my");
    s.create_db(Engine::Mysql, &db);
    s.load_fixture(Engine::Mysql, &db);
    let url = s.url(Engine::Mysql, &db, APP_PASSWORD);
    let out = tempfile::tempdir().unwrap();
    let dest = out.path().to_str().unwrap();
    // The test server has no TLS: a URL that demands a verified certificate must not connect.
    let strict = format!("{url}?ssl-mode=VERIFY_IDENTITY&ssl-ca=/nonexistent/ca.pem");
    let run = run_script(repo.path(), "backup.sh", Some(&strict), &[dest], &[]);
    refused(
        &run,
        "backup.sh with ssl-mode=VERIFY_IDENTITY",
        "no backup was written",
    );
    let plain = format!("{url}?ssl-mode=DISABLED");
    let run = run_script(repo.path(), "backup.sh", Some(&plain), &[dest], &[]);
    ok(&run, "backup.sh with ssl-mode=DISABLED");
    assert!(!run.stderr.contains("ignoring"), "{}", run.all());
    let bad = format!("{url}?ssl-mode=sometimes");
    let run = run_script(repo.path(), "backup.sh", Some(&bad), &[dest], &[]);
    refused(&run, "backup.sh with a bad ssl-mode", "invalid ssl-mode");
    s.drop_db(Engine::Mysql, &db);
}

/// moto's S3 server on a free port, stopped when dropped.
struct Moto {
    child: Child,
    port: u16,
}

impl Moto {
    fn start(bin: &Path) -> Moto {
        let port = free_port();
        let child = Command::new(bin.join("moto_server"))
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("cannot start moto_server");
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "moto_server did not start within 30 s"
            );
            sleep(Duration::from_millis(100));
        }
        Moto { child, port }
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn offsite_uploads_to_s3_prunes_and_the_drill_restores_the_newest() {
    let bin = backup_tools();
    let moto = Moto::start(&bin);
    let s = servers();
    let repo = render(Engine::Postgres, &[]);
    let db = unique_db("s3_pg");
    s.create_db(Engine::Postgres, &db);
    s.load_fixture(Engine::Postgres, &db);
    let before = s.fingerprint(Engine::Postgres, &db);
    let url = s.url(Engine::Postgres, &db, APP_PASSWORD);
    let work = tempfile::tempdir().unwrap();
    let (recipient, identity) = age_keys(work.path());
    let endpoint = format!("http://127.0.0.1:{}", moto.port);
    let path = path_with(&bin);
    let aws_env = [
        ("PATH", path.as_str()),
        ("AWS_ENDPOINT_URL", endpoint.as_str()),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
        ("AWS_CONFIG_FILE", "/dev/null"),
        ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null"),
    ];
    // The bucket as the IaC makes it: versioned, with Object Lock (uploads need a checksum).
    let mut mb = Command::new(bin.join("aws"));
    mb.args([
        "s3api",
        "create-bucket",
        "--bucket",
        "backups",
        "--object-lock-enabled-for-bucket",
    ]);
    for (k, v) in aws_env {
        mb.env(k, v);
    }
    run_ok(&mut mb, "aws s3api create-bucket");

    let local = work.path().join("local");
    fs::create_dir_all(&local).unwrap();
    let old = local.join(format!("{db}-20000101T000000Z.dump.age"));
    fs::write(&old, "an older local copy").unwrap();
    let (dump, name) = encrypted_backup(repo.path(), &url, &local, &recipient);

    // A bucket that does not exist: non-zero, nothing pruned.
    let mut env = aws_env.to_vec();
    env.push(("BACKUP_BUCKET_URL", "s3://no-such-bucket/staging"));
    let run = run_script(
        repo.path(),
        "offsite.sh",
        None,
        &["--tier", "weekly", &dump],
        &env,
    );
    refused(&run, "offsite.sh to a missing bucket", "nothing was pruned");
    assert!(old.exists(), "pruned after a failed upload");
    // An unencrypted dump never leaves.
    let plain = work.path().join(format!("{db}-20000101T000000Z.dump"));
    fs::write(&plain, "PGDMP").unwrap();
    let run = run_script(
        repo.path(),
        "offsite.sh",
        None,
        &[plain.to_str().unwrap()],
        &env,
    );
    refused(&run, "offsite.sh of a plaintext dump", "not encrypted");

    env.pop();
    env.push(("BACKUP_BUCKET_URL", "s3://backups/staging"));
    let run = run_script(
        repo.path(),
        "offsite.sh",
        None,
        &["--tier", "weekly", &dump],
        &env,
    );
    ok(&run, "offsite.sh");
    let mut ls = Command::new(bin.join("aws"));
    ls.args(["s3", "ls", "--recursive", "s3://backups/staging/"]);
    for (k, v) in aws_env {
        ls.env(k, v);
    }
    let listing = String::from_utf8(run_ok(&mut ls, "aws s3 ls").stdout).unwrap();
    assert!(
        listing.contains(&format!("staging/weekly/{name}")),
        "{listing}"
    );
    assert!(
        listing.contains(&format!(
            "staging/weekly/{}",
            name.replace(".dump.age", ".roles.sql.age")
        )),
        "{listing}"
    );
    let mut left = files_in(&local);
    left.sort();
    assert_eq!(
        left,
        vec![name.clone(), name.replace(".dump.age", ".roles.sql.age")],
        "local copies not pruned to the newest"
    );

    // restore.sh --from the bucket, decrypting as it streams.
    let target = format!("{db}_from_s3");
    env.push(("BACKUP_AGE_IDENTITY", &identity));
    let from = format!("s3://backups/staging/weekly/{name}");
    let run = run_script(
        repo.path(),
        "restore.sh",
        Some(&s.url(Engine::Postgres, &target, APP_PASSWORD)),
        &["--from", &from],
        &env,
    );
    ok(&run, "restore.sh --from s3://");
    assert_eq!(s.fingerprint(Engine::Postgres, &target), before);

    // The drill finds the newest stored backup itself and reports size, times and row counts.
    let run = run_script(repo.path(), "restore-drill.sh", Some(&url), &[], &env);
    ok(&run, "restore-drill.sh with BACKUP_BUCKET_URL");
    for expected in [
        format!("Backup: {from}, "),
        "Tables restored: 4, rows restored: 5074".to_owned(),
        "billing.invoices\t750".to_owned(),
        "fetch and check".to_owned(),
        "RTO target: 14400 s".to_owned(),
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
