//! Restores into a second, fresh server started by the test: a `postgres` cluster of its own
//! (initdb), with roles, grants, a non-default schema and views; a `mariadbd` datadir of its own,
//! restored as a user without SUPER from a dump whose view, trigger and procedure have DEFINERs
//! that do not exist there.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::Ordering;
use std::thread::sleep;
use std::time::{Duration, Instant};

use super::{
    APP_PASSWORD, COUNTER, Engine, fingerprint_sql, mysql_root, percent_encode, pg_command, render,
    run_script, servers, start_mariadb, start_pg_cluster, unique_db,
};

/// A second `postgres` cluster, stopped when dropped.
struct FreshPg {
    dir: PathBuf,
    port: u16,
}

impl FreshPg {
    fn start() -> FreshPg {
        let s = servers();
        let dir = s.root.join(format!(
            "pg-fresh-{}",
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        let port = start_pg_cluster(&s.pg_bin, &dir, s.root_user);
        FreshPg { dir, port }
    }

    fn psql(&self, db: &str, sql: &str) -> String {
        let out = Command::new(servers().pg_bin.join("psql"))
            .args([
                "-X",
                "-q",
                "-At",
                "-v",
                "ON_ERROR_STOP=1",
                "-U",
                "admin",
                "-h",
            ])
            .arg(&self.dir)
            .args(["-p", &self.port.to_string(), "-d", db, "-c", sql])
            .stdin(Stdio::null())
            .env_remove("PGPASSWORD")
            .output()
            .expect("cannot run psql");
        assert!(
            out.status.success(),
            "psql failed on {sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    fn url(&self, db: &str) -> String {
        format!(
            "postgresql://admin:admin-password@127.0.0.1:{}/{db}?sslmode=disable",
            self.port
        )
    }
}

impl Drop for FreshPg {
    fn drop(&mut self) {
        let s = servers();
        let _ = pg_command(s.root_user, &s.pg_bin.join("pg_ctl"))
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(["-m", "immediate", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// A second `mariadbd` server, stopped when dropped.
struct FreshMy {
    child: Child,
    port: u16,
    socket: PathBuf,
}

impl FreshMy {
    fn start() -> FreshMy {
        let s = servers();
        let dir = s.root.join(format!(
            "my-fresh-{}",
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        let (child, port, socket) = start_mariadb(&dir, s.root_user);
        let fresh = FreshMy {
            child,
            port,
            socket,
        };
        let deadline = Instant::now() + Duration::from_mins(1);
        while !mysql_root(&fresh.socket, None, "SELECT 1").status.success() {
            assert!(
                Instant::now() < deadline,
                "the second mariadbd did not start"
            );
            sleep(Duration::from_millis(200));
        }
        fresh
    }

    fn sql(&self, db: Option<&str>, sql: &str) -> String {
        let out = mysql_root(&self.socket, db, sql);
        assert!(
            out.status.success(),
            "mariadb failed on {sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }
}

impl Drop for FreshMy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs backup.sh on the shared server into a directory outside the repo; the dump's path.
fn backup(repo: &Path, url: &str, out: &Path) -> String {
    let run = run_script(repo, "backup.sh", Some(url), &[out.to_str().unwrap()], &[]);
    assert_eq!(run.code, Some(0), "backup.sh failed:\n{}", run.all());
    run.stdout
        .lines()
        .last()
        .expect("no dump printed")
        .to_owned()
}

#[test]
fn postgres_restores_into_a_fresh_cluster_with_roles_grants_schema_and_views() {
    let s = servers();
    let repo = render(Engine::Postgres, &[]);
    let db = unique_db("fresh_pg");
    s.create_db(Engine::Postgres, &db);
    s.load_fixture(Engine::Postgres, &db);
    let role = format!("reporting_{}", COUNTER.fetch_add(1, Ordering::SeqCst));
    s.psql_admin_ok("postgres", &format!("CREATE ROLE {role} NOLOGIN"));
    s.psql_admin_ok(
        &db,
        &format!(
            "SET ROLE app;
             CREATE VIEW billing.totals AS SELECT customer_id, sum(amount) AS total FROM billing.invoices GROUP BY 1;
             GRANT USAGE ON SCHEMA billing TO {role};
             GRANT SELECT ON billing.invoices, billing.totals TO {role};"
        ),
    );
    let before = s.fingerprint(Engine::Postgres, &db);
    let out = tempfile::tempdir().unwrap();
    let dump = backup(
        repo.path(),
        &s.url(Engine::Postgres, &db, APP_PASSWORD),
        out.path(),
    );

    let fresh = FreshPg::start();
    // Default: objects belong to the restoring user, no grants, no roles needed; the database is
    // created because the fresh server has none.
    let run = run_script(
        repo.path(),
        "restore.sh",
        Some(&fresh.url(&db)),
        &[&dump],
        &[],
    );
    assert_eq!(run.code, Some(0), "restore.sh failed:\n{}", run.all());
    assert_eq!(
        fresh.psql(&db, fingerprint_sql(Engine::Postgres)),
        before,
        "restored data differs"
    );
    assert_eq!(fresh.psql(&db, "SELECT count(*) FROM billing.totals"), "3");
    assert_eq!(
        fresh.psql(
            &db,
            "SELECT tableowner FROM pg_tables WHERE tablename = 'invoices'"
        ),
        "admin"
    );

    // --roles: the dump's roles are created first (no passwords), owners and grants kept.
    let db2 = format!("{db}_roles");
    let run = run_script(
        repo.path(),
        "restore.sh",
        Some(&fresh.url(&db2)),
        &["--roles", "--from", &dump],
        &[],
    );
    assert_eq!(
        run.code,
        Some(0),
        "restore.sh --roles failed:\n{}",
        run.all()
    );
    assert_eq!(fresh.psql(&db2, fingerprint_sql(Engine::Postgres)), before);
    assert_eq!(
        fresh.psql(
            &db2,
            &format!(
                "SELECT (SELECT tableowner FROM pg_tables WHERE tablename = 'invoices')
                   || ' ' || has_table_privilege('{role}', 'billing.totals', 'SELECT')
                   || ' ' || (SELECT rolcanlogin FROM pg_roles WHERE rolname = 'app')
                   || ' ' || (SELECT rolpassword IS NULL FROM pg_authid WHERE rolname = 'app')"
            )
        ),
        "app true true true",
        "owner, grant, role attributes or password"
    );
    s.drop_db(Engine::Postgres, &db);
    s.psql_admin_ok("postgres", &format!("DROP ROLE {role}"));
}

#[test]
fn mariadb_restores_into_a_fresh_server_as_a_user_without_super() {
    let s = servers();
    let repo = render(Engine::Mysql, &[]);
    let db = unique_db("fresh_my");
    s.create_db(Engine::Mysql, &db);
    // The fixture's view, trigger and procedure are created by root@localhost: their DEFINER.
    s.load_fixture(Engine::Mysql, &db);
    let before = s.fingerprint(Engine::Mysql, &db);
    let out = tempfile::tempdir().unwrap();
    let dump = backup(
        repo.path(),
        &s.url(Engine::Mysql, &db, APP_PASSWORD),
        out.path(),
    );

    let fresh = FreshMy::start();
    let pw = APP_PASSWORD.replace('\\', "\\\\").replace('\'', "\\'");
    fresh.sql(
        None,
        &format!(
            "DELETE FROM mysql.global_priv WHERE User = ''; FLUSH PRIVILEGES;
             CREATE USER 'restorer'@'%' IDENTIFIED BY '{pw}';
             GRANT ALL PRIVILEGES ON `fresh\\_my%`.* TO 'restorer'@'%';"
        ),
    );
    let url = format!(
        "mysql://restorer:{}@127.0.0.1:{}/{db}",
        percent_encode(APP_PASSWORD),
        fresh.port
    );
    let run = run_script(repo.path(), "restore.sh", Some(&url), &[&dump], &[]);
    assert_eq!(run.code, Some(0), "restore.sh failed:\n{}", run.all());
    assert_eq!(
        fresh.sql(Some(&db), fingerprint_sql(Engine::Mysql)),
        before,
        "restored data, routines or triggers differ"
    );
    assert_eq!(
        fresh.sql(
            Some(&db),
            "SELECT CONCAT((SELECT DEFINER FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()), ' ',
               (SELECT DEFINER FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()))"
        ),
        "restorer@% restorer@%"
    );
    s.drop_db(Engine::Mysql, &db);
}
