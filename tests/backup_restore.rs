//! The `backup-restore` blueprint against real servers: renders it with the engine binary, starts a
//! throwaway `postgres` and `mariadbd` once per test process, and runs `backup.sh`, `restore.sh` and
//! `restore-drill.sh` for real (round trip with counts and checksums, refusals, the drill, failures).
//! Missing server binaries fail the tests: `.ci/run` installs `postgresql`, `mariadb-server` and
//! `mariadb-client`.

use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;

mod fresh;
mod gcs;
mod offsite;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::sleep;
use std::time::{Duration, Instant};

/// The application user's password: URL-reserved characters, quotes, a space and non-ASCII, so the
/// scripts' percent-decoding and credential passing are exercised.
const APP_PASSWORD: &str = "p@ss:w\"rd#1 é/?%'x";
const APP_USER: &str = "app";

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Engine {
    Postgres,
    Mysql,
}

impl Engine {
    fn answer(self) -> &'static str {
        match self {
            Engine::Postgres => "postgres",
            Engine::Mysql => "mysql",
        }
    }
}

/// The throwaway servers, shared by every test of this process. A watchdog process stops them and
/// removes their directory when the test process exits (statics are never dropped).
struct Servers {
    root: PathBuf,
    pg_bin: PathBuf,
    pg_port: u16,
    pg_socket_dir: PathBuf,
    my_port: u16,
    my_socket: PathBuf,
    /// Kept so the processes are owned; the watchdog stops and reaps them.
    _children: Vec<Child>,
    root_user: bool,
}

static SERVERS: OnceLock<Servers> = OnceLock::new();
static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn servers() -> &'static Servers {
    SERVERS.get_or_init(start_servers)
}

fn run_ok(cmd: &mut Command, what: &str) -> Output {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}):\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("no free TCP port on 127.0.0.1")
        .port()
}

/// The newest `/usr/lib/postgresql/<major>/bin` holding `initdb` and `pg_ctl`.
fn postgres_bin() -> PathBuf {
    let mut found: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let major = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            (bin.join("initdb").is_file() && bin.join("pg_ctl").is_file()).then_some((major, bin))
        })
        .collect();
    found.sort();
    found.pop().map_or_else(
        || {
            panic!(
                "PostgreSQL server binaries (initdb, pg_ctl) not found under /usr/lib/postgresql/*/bin: \
                 install the Debian package `postgresql` (.ci/run does)"
            )
        },
        |(_, bin)| bin,
    )
}

fn require_on_path(tool: &str, package: &str) -> PathBuf {
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")])
        .map(|dir| dir.join(tool))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!("`{tool}` not found: install the Debian package `{package}` (.ci/run does)")
        })
}

/// Runs `program` as the unprivileged `postgres` user when the tests run as root (initdb refuses root).
fn pg_command(as_postgres: bool, program: &Path) -> Command {
    if as_postgres {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--"]).arg(program);
        cmd
    } else {
        Command::new(program)
    }
}

/// `initdb` and `pg_ctl start` in `pg_dir` (superuser `admin`, password `admin-password`): TCP on
/// 127.0.0.1 and a socket in `pg_dir`. Returns the port.
fn start_pg_cluster(pg_bin: &Path, pg_dir: &Path, root_user: bool) -> u16 {
    fs::create_dir(pg_dir).expect("mkdir pg");
    fs::write(pg_dir.join("pwfile"), "admin-password\n").expect("write pwfile");
    if root_user {
        run_ok(
            Command::new("chown").args(["-R", "postgres:"]).arg(pg_dir),
            "chown postgres",
        );
    }
    run_ok(
        pg_command(root_user, &pg_bin.join("initdb"))
            .arg("-D")
            .arg(pg_dir.join("data"))
            .args([
                "-U",
                "admin",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "-E",
                "UTF8",
            ])
            .args(["--locale=C", "--pwfile"])
            .arg(pg_dir.join("pwfile")),
        "initdb",
    );
    let pg_port = free_port();
    run_ok(
        pg_command(root_user, &pg_bin.join("pg_ctl"))
            .arg("-D")
            .arg(pg_dir.join("data"))
            .arg("-l")
            .arg(pg_dir.join("server.log"))
            .arg("-o")
            .arg(format!(
                "-c listen_addresses=127.0.0.1 -p {pg_port} -k {} -c fsync=off",
                pg_dir.display()
            ))
            .args(["-w", "-t", "60", "start"])
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
        "pg_ctl start",
    );
    pg_port
}

/// `mariadb-install-db` and `mariadbd` in `my_dir`, root by socket only. Returns the server process,
/// its TCP port and its socket; the caller waits until it answers.
fn start_mariadb(my_dir: &Path, root_user: bool) -> (Child, u16, PathBuf) {
    let mariadbd = require_on_path("mariadbd", "mariadb-server");
    let install_db = require_on_path("mariadb-install-db", "mariadb-server");
    fs::create_dir(my_dir).expect("mkdir my");
    let my_socket = my_dir.join("mysqld.sock");
    let mut install = Command::new(&install_db);
    install
        .arg("--no-defaults")
        .arg(format!("--datadir={}", my_dir.join("data").display()))
        .args(["--auth-root-authentication-method=normal", "--skip-test-db"]);
    if root_user {
        install.arg("--user=root");
    }
    run_ok(&mut install, "mariadb-install-db");
    let my_port = free_port();
    let mut mysqld = Command::new(&mariadbd);
    mysqld
        .arg("--no-defaults")
        .arg(format!("--datadir={}", my_dir.join("data").display()))
        .arg(format!("--socket={}", my_socket.display()))
        .arg(format!(
            "--pid-file={}",
            my_dir.join("mysqld.pid").display()
        ))
        .arg(format!(
            "--log-error={}",
            my_dir.join("error.log").display()
        ))
        .arg(format!("--port={my_port}"))
        .args(["--bind-address=127.0.0.1", "--skip-name-resolve"]);
    if root_user {
        mysqld.arg("--user=root");
    }
    let child = mysqld
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("cannot start mariadbd");
    (child, my_port, my_socket)
}

fn start_servers() -> Servers {
    let pg_bin = postgres_bin();
    require_on_path("mariadb", "mariadb-client");
    require_on_path("mariadb-dump", "mariadb-client");
    let root_user = is_root();

    let root = tempfile::Builder::new()
        .prefix("scaffold-backup-restore-")
        .tempdir()
        .expect("cannot create a temporary directory")
        .keep();
    // The postgres user must reach its data directory inside our temporary directory.
    run_ok(Command::new("chmod").arg("755").arg(&root), "chmod");

    let pg_dir = root.join("pg");
    let pg_port = start_pg_cluster(&pg_bin, &pg_dir, root_user);
    let my_dir = root.join("my");
    let (mysqld, my_port, my_socket) = start_mariadb(&my_dir, root_user);

    // The watchdog: once this test process is gone, stop both servers and remove the directory.
    let pg_ctl_stop = if root_user {
        format!("runuser -u postgres -- '{}/pg_ctl'", pg_bin.display())
    } else {
        format!("'{}/pg_ctl'", pg_bin.display())
    };
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 0.5; done; \
         for d in '{root}'/pg*/data; do [ -d \"$d\" ] && {pg_ctl_stop} -D \"$d\" -m immediate stop; done; \
         for p in '{root}'/my*/mysqld.pid; do [ -f \"$p\" ] && kill \"$(cat \"$p\")\"; done; sleep 2; rm -rf '{root}'",
        pid = std::process::id(),
        root = root.display()
    );
    let watchdog = Command::new("setsid")
        .args(["bash", "-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("cannot start the watchdog (setsid, bash)");

    let servers = Servers {
        root,
        pg_bin,
        pg_port,
        pg_socket_dir: pg_dir,
        my_port,
        my_socket,
        _children: vec![mysqld, watchdog],
        root_user,
    };
    let deadline = Instant::now() + Duration::from_mins(1);
    while !servers.mysql_admin(None, "SELECT 1").status.success() {
        assert!(
            Instant::now() < deadline,
            "mariadbd did not start within 60 s: {}",
            fs::read_to_string(servers.root.join("my/error.log")).unwrap_or_default()
        );
        sleep(Duration::from_millis(200));
    }
    // The application users, with CREATEDB / global CREATE for the drill's scratch databases.
    let pg_pw = APP_PASSWORD.replace('\'', "''");
    servers.psql_admin_ok(
        "postgres",
        &format!("CREATE ROLE {APP_USER} LOGIN CREATEDB PASSWORD '{pg_pw}'"),
    );
    let my_pw = APP_PASSWORD.replace('\\', "\\\\").replace('\'', "\\'");
    let setup = format!(
        "DELETE FROM mysql.global_priv WHERE User = ''; FLUSH PRIVILEGES; \
         CREATE USER '{APP_USER}'@'%' IDENTIFIED BY '{my_pw}'; GRANT ALL ON *.* TO '{APP_USER}'@'%';"
    );
    let out = servers.mysql_admin(None, &setup);
    assert!(
        out.status.success(),
        "MariaDB setup failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    servers
}

impl Servers {
    fn psql_admin(&self, db: &str, sql: &str) -> Output {
        Command::new(self.pg_bin.join("psql"))
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
            .arg(&self.pg_socket_dir)
            .args(["-p", &self.pg_port.to_string(), "-d", db])
            .stdin(Stdio::null())
            .env_remove("PGPASSWORD")
            .env_remove("DATABASE_URL")
            .arg("-c")
            .arg(sql)
            .output()
            .expect("cannot run psql")
    }

    fn psql_admin_ok(&self, db: &str, sql: &str) -> String {
        let out = self.psql_admin(db, sql);
        assert!(
            out.status.success(),
            "psql failed on {sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    fn mysql_admin(&self, db: Option<&str>, sql: &str) -> Output {
        mysql_root(&self.my_socket, db, sql)
    }
}

/// `mariadb` as root over `socket`.
fn mysql_root(socket: &Path, db: Option<&str>, sql: &str) -> Output {
    {
        let mut cmd = Command::new("mariadb");
        cmd.arg("--no-defaults")
            .arg(format!("--socket={}", socket.display()))
            .args(["-uroot", "--batch", "--skip-column-names", "--raw"]);
        if let Some(db) = db {
            cmd.arg(format!("--database={db}"));
        }
        cmd.arg("-e")
            .arg(sql)
            .stdin(Stdio::null())
            .output()
            .expect("cannot run mariadb")
    }
}

impl Servers {
    fn mysql_admin_ok(&self, db: Option<&str>, sql: &str) -> String {
        let out = self.mysql_admin(db, sql);
        assert!(
            out.status.success(),
            "mariadb failed on {sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// The URL the scripts get, with the password percent-encoded.
    fn url(&self, engine: Engine, db: &str, password: &str) -> String {
        match engine {
            Engine::Postgres => format!(
                "postgresql://{APP_USER}:{}@127.0.0.1:{}/{db}?sslmode=disable",
                percent_encode(password),
                self.pg_port
            ),
            Engine::Mysql => format!(
                "mysql://{APP_USER}:{}@127.0.0.1:{}/{db}",
                percent_encode(password),
                self.my_port
            ),
        }
    }

    /// Creates an empty database owned by the application user.
    fn create_db(&self, engine: Engine, db: &str) {
        match engine {
            Engine::Postgres => {
                self.psql_admin_ok(
                    "postgres",
                    &format!("CREATE DATABASE {db} OWNER {APP_USER}"),
                );
            }
            Engine::Mysql => {
                self.mysql_admin_ok(None, &format!("CREATE DATABASE {db} CHARACTER SET utf8mb4"));
            }
        }
    }

    fn drop_db(&self, engine: Engine, db: &str) {
        match engine {
            Engine::Postgres => self.psql_admin_ok("postgres", &format!("DROP DATABASE {db}")),
            Engine::Mysql => self.mysql_admin_ok(None, &format!("DROP DATABASE {db}")),
        };
    }

    /// Databases whose name starts with `prefix`.
    fn databases_like(&self, engine: Engine, prefix: &str) -> Vec<String> {
        let out = match engine {
            Engine::Postgres => self.psql_admin_ok(
                "postgres",
                &format!("SELECT datname FROM pg_database WHERE datname LIKE '{prefix}%'"),
            ),
            Engine::Mysql => self.mysql_admin_ok(
                None,
                &format!("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE '{prefix}%'"),
            ),
        };
        out.lines()
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// Loads the fixture as the application user's objects: a schema/second table with a foreign key,
    /// a few thousand rows, text with quotes, backslashes, tabs and unicode.
    fn load_fixture(&self, engine: Engine, db: &str) {
        match engine {
            Engine::Postgres => {
                let sql = "SET ROLE app;
                    CREATE SCHEMA billing;
                    CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL);
                    CREATE TABLE billing.invoices (id serial PRIMARY KEY,
                        customer_id int NOT NULL REFERENCES customers(id), amount numeric(10,2), note text);
                    CREATE TABLE events (id bigserial PRIMARY KEY, payload text, at timestamptz DEFAULT now());
                    CREATE TABLE empty_table (id int);
                    CREATE VIEW big_customers AS SELECT customer_id, count(*) FROM billing.invoices GROUP BY 1;
                    INSERT INTO customers (name) VALUES ('O''Brien \"the\" Ünïcødé ✓ 日本'),
                        (E'tab\\there, back\\\\slash'), ('plain');
                    INSERT INTO billing.invoices (customer_id, amount, note)
                        SELECT 1 + g % 3, g * 1.25, 'invoice ' || g FROM generate_series(1, 750) g;
                    INSERT INTO events (payload) SELECT md5(g::text) FROM generate_series(1, 4321) g;";
                self.psql_admin_ok(db, sql);
            }
            Engine::Mysql => {
                let sql = "CREATE TABLE customers (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(200) NOT NULL);
                    CREATE TABLE invoices (id INT AUTO_INCREMENT PRIMARY KEY, customer_id INT NOT NULL,
                        amount DECIMAL(10,2), note TEXT, FOREIGN KEY (customer_id) REFERENCES customers(id));
                    CREATE TABLE events (id BIGINT AUTO_INCREMENT PRIMARY KEY, payload TEXT);
                    CREATE TABLE empty_table (id INT);
                    CREATE VIEW big_customers AS SELECT customer_id, COUNT(*) AS n FROM invoices GROUP BY customer_id;
                    CREATE PROCEDURE hello() SELECT 'hello';
                    CREATE TRIGGER events_default BEFORE INSERT ON events FOR EACH ROW
                        SET NEW.payload = COALESCE(NEW.payload, 'none');
                    INSERT INTO customers (name) VALUES ('O''Brien \"the\" Ünïcødé ✓ 日本'),
                        ('tab\\there, back\\\\slash'), ('plain');
                    INSERT INTO invoices (customer_id, amount, note)
                        SELECT 1 + seq % 3, seq * 1.25, CONCAT('invoice ', seq) FROM seq_1_to_750;
                    INSERT INTO events (payload) SELECT MD5(seq) FROM seq_1_to_4321;";
                self.mysql_admin_ok(Some(db), &format!("SET NAMES utf8mb4; {sql}"));
            }
        }
    }

    /// Row count and a checksum of the content of every fixture table.
    fn fingerprint(&self, engine: Engine, db: &str) -> String {
        match engine {
            Engine::Postgres => self.psql_admin_ok(db, fingerprint_sql(engine)),
            Engine::Mysql => self.mysql_admin_ok(Some(db), fingerprint_sql(engine)),
        }
    }
}

/// The query behind `fingerprint`: row counts and checksums of the fixture's tables, view, routines.
fn fingerprint_sql(engine: Engine) -> &'static str {
    match engine {
        Engine::Postgres => "SELECT string_agg(x, ' ' ORDER BY x) FROM (
                   SELECT 'customers:' || count(*) || ':' || md5(string_agg(c::text, '|' ORDER BY id)) FROM customers c
                   UNION ALL SELECT 'invoices:' || count(*) || ':' || md5(string_agg(i::text, '|' ORDER BY id)) FROM billing.invoices i
                   UNION ALL SELECT 'events:' || count(*) || ':' || md5(string_agg(e::text, '|' ORDER BY id)) FROM events e
                   UNION ALL SELECT 'empty:' || count(*) FROM empty_table
                   UNION ALL SELECT 'view:' || count(*) FROM big_customers) s(x)",
        Engine::Mysql => "SET NAMES utf8mb4; SET SESSION group_concat_max_len = 67108864;
                 SELECT CONCAT_WS(' ',
                   (SELECT CONCAT('customers:', COUNT(*), ':', MD5(GROUP_CONCAT(id, ',', name ORDER BY id SEPARATOR '|'))) FROM customers),
                   (SELECT CONCAT('invoices:', COUNT(*), ':', MD5(GROUP_CONCAT(id, ',', customer_id, ',', amount, ',', note ORDER BY id SEPARATOR '|'))) FROM invoices),
                   (SELECT CONCAT('events:', COUNT(*), ':', MD5(GROUP_CONCAT(id, ',', payload ORDER BY id SEPARATOR '|'))) FROM events),
                   (SELECT CONCAT('empty:', COUNT(*)) FROM empty_table),
                   (SELECT CONCAT('view:', COUNT(*)) FROM big_customers),
                   (SELECT CONCAT('routines:', COUNT(*)) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()),
                   (SELECT CONCAT('triggers:', COUNT(*)) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()))",
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A database name unique to this test process and call.
fn unique_db(prefix: &str) -> String {
    format!(
        "{prefix}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    )
}

/// Renders the blueprint with the engine binary into a fresh repository holding the team's `files`.
fn render(engine: Engine, files: &[(&str, &str)]) -> tempfile::TempDir {
    let repo = tempfile::tempdir().expect("tempdir");
    for (path, text) in files {
        fs::write(repo.path().join(path), text).expect("write a team file");
    }
    run_ok(
        Command::new(env!("CARGO_BIN_EXE_scaffold"))
            .args(["init", "-C"])
            .arg(repo.path())
            .args([
                "--yes",
                "--only",
                "backup-restore",
                "--set",
                "project_name=demo",
                "--set",
                "stage=seed",
            ])
            .args([
                "--set",
                "ci=github",
                "--set",
                "language=node",
                "--set",
                "cloud=none",
            ])
            .arg("--set")
            .arg(format!("database={}", engine.answer())),
        "scaffold init",
    );
    for script in ["backup.sh", "restore.sh", "restore-drill.sh", "lib.sh"] {
        assert!(
            repo.path().join("ops/backup").join(script).is_file(),
            "{script} was not rendered"
        );
    }
    repo
}

/// The result of one script run.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn all(&self) -> String {
        format!("stdout:\n{}\nstderr:\n{}", self.stdout, self.stderr)
    }
}

/// Runs `ops/backup/<script>` in `repo` with `DATABASE_URL` set (or unset with `None`), and checks
/// that the password never shows in its output.
fn run_script(
    repo: &Path,
    script: &str,
    url: Option<&str>,
    args: &[&str],
    env: &[(&str, &str)],
) -> Run {
    let servers = servers();
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs = vec![servers.pg_bin.clone()];
    dirs.extend(std::env::split_paths(&path));
    let mut cmd = Command::new(repo.join("ops/backup").join(script));
    cmd.current_dir(repo)
        .args(args)
        .env("PATH", std::env::join_paths(dirs).expect("PATH"))
        .env("TMPDIR", &servers.root)
        .env_remove("PGPASSWORD")
        .env_remove("MYSQL_PWD")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("RESTORE_FORCE")
        .stdin(Stdio::null());
    match url {
        Some(url) => cmd.env("DATABASE_URL", url),
        None => cmd.env_remove("DATABASE_URL"),
    };
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {script}: {e}"));
    let run = Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    for secret in [
        APP_PASSWORD,
        "wrong-secret-pw",
        &percent_encode(APP_PASSWORD),
    ] {
        assert!(
            !run.all().contains(secret),
            "{script} printed a password:\n{}",
            run.all()
        );
    }
    run
}

fn files_in(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Backup, drop and recreate, restore, compare; refusal of a non-empty target; the drill.
fn round_trip(engine: Engine, team_files: &[(&str, &str)]) {
    let servers = servers();
    let repo = render(engine, team_files);
    let db = unique_db(&format!("rt_{}", engine.answer()));
    servers.create_db(engine, &db);
    servers.load_fixture(engine, &db);
    let before = servers.fingerprint(engine, &db);
    assert!(
        before.contains("events:4321:"),
        "fixture not loaded: {before}"
    );
    let url = servers.url(engine, &db, APP_PASSWORD);

    // backup.sh: the last stdout line is the dump, non-empty, and nothing else is left behind.
    let run = run_script(repo.path(), "backup.sh", Some(&url), &["out"], &[]);
    assert_eq!(run.code, Some(0), "backup.sh failed:\n{}", run.all());
    let dump = run
        .stdout
        .lines()
        .last()
        .expect("backup.sh printed nothing")
        .to_owned();
    let dump_path = repo.path().join(&dump);
    let size = fs::metadata(&dump_path).map_or(0, |m| m.len());
    assert!(size > 1000, "{dump} is missing or too small ({size} bytes)");
    let expected_ext = if engine == Engine::Postgres {
        ".dump"
    } else {
        ".sql.gz"
    };
    assert!(
        dump.starts_with("out/") && dump.ends_with(expected_ext),
        "unexpected dump name {dump}"
    );
    // PostgreSQL: the roles beside the dump; nothing else is left behind.
    let mut written = files_in(&repo.path().join("out"));
    written.sort();
    let mut expected = vec![dump.trim_start_matches("out/").to_owned()];
    if engine == Engine::Postgres {
        expected.push(expected[0].replace(".dump", ".roles.sql"));
    }
    assert_eq!(written, expected, "backup.sh left other files behind");

    // Drop and recreate, then restore.sh brings every row back.
    servers.drop_db(engine, &db);
    servers.create_db(engine, &db);
    let run = run_script(repo.path(), "restore.sh", Some(&url), &[&dump], &[]);
    assert_eq!(run.code, Some(0), "restore.sh failed:\n{}", run.all());
    assert_eq!(
        servers.fingerprint(engine, &db),
        before,
        "the restored data differs"
    );

    // A second restore into the now non-empty database is refused and changes nothing.
    let run = run_script(repo.path(), "restore.sh", Some(&url), &[&dump], &[]);
    assert_ne!(
        run.code,
        Some(0),
        "restore.sh restored into a non-empty database:\n{}",
        run.all()
    );
    assert!(
        run.stderr.contains("not empty") && run.stderr.contains(&format!("--confirm {db}")),
        "{}",
        run.all()
    );
    assert_eq!(servers.fingerprint(engine, &db), before);

    // The environment variable of old is no bypass, and neither is a --confirm naming another database.
    let run = run_script(
        repo.path(),
        "restore.sh",
        Some(&url),
        &["--confirm", "some_other_db", &dump],
        &[("RESTORE_FORCE", "1")],
    );
    assert_ne!(
        run.code,
        Some(0),
        "a wrong --confirm restored:\n{}",
        run.all()
    );
    assert!(
        run.stderr.contains("does not name the target database"),
        "{}",
        run.all()
    );
    let run = run_script(
        repo.path(),
        "restore.sh",
        Some(&url),
        &["--force", &dump],
        &[],
    );
    assert_ne!(run.code, Some(0), "--force still exists:\n{}", run.all());

    // ... while --confirm with the target's own name replaces it with the dump's content.
    let run = run_script(
        repo.path(),
        "restore.sh",
        Some(&url),
        &["--confirm", &db, &dump],
        &[],
    );
    assert_eq!(
        run.code,
        Some(0),
        "restore.sh --confirm failed:\n{}",
        run.all()
    );
    assert_eq!(servers.fingerprint(engine, &db), before);
    // PostgreSQL keeps the replaced database aside; nothing of the scratch database is left.
    assert_eq!(
        servers.databases_like(engine, &format!("{db}_restore")),
        Vec::<String>::new()
    );
    for old in servers.databases_like(engine, &format!("{db}_pre_restore")) {
        servers.drop_db(engine, &old);
    }

    // The drill: exit 0, every table compared, timings reported, no scratch database left, source intact.
    let run = run_script(repo.path(), "restore-drill.sh", Some(&url), &[], &[]);
    assert_eq!(run.code, Some(0), "restore-drill.sh failed:\n{}", run.all());
    assert!(
        run.stdout
            .contains("Tables compared: 4, rows restored: 5074, mismatches: 0"),
        "unexpected drill report:\n{}",
        run.all()
    );
    for step in [
        "backup",
        "create scratch database",
        "restore",
        "verify row counts",
        "drop scratch database",
        "RTO target: 14400 s",
    ] {
        assert!(
            run.stdout.contains(step),
            "the drill report lacks `{step}`:\n{}",
            run.all()
        );
    }
    assert_eq!(
        servers.databases_like(engine, &format!("{db}_drill")),
        Vec::<String>::new()
    );
    assert_eq!(
        servers.fingerprint(engine, &db),
        before,
        "the drill changed the source"
    );

    // A drill that misses its RTO fails, and still drops its scratch database.
    let run = run_script(
        repo.path(),
        "restore-drill.sh",
        Some(&url),
        &[],
        &[("RESTORE_DRILL_RTO_SECONDS", "0")],
    );
    assert_ne!(
        run.code,
        Some(0),
        "the drill ignored its RTO:\n{}",
        run.all()
    );
    assert!(run.stderr.contains("RTO"), "{}", run.all());
    assert_eq!(
        servers.databases_like(engine, &format!("{db}_drill")),
        Vec::<String>::new()
    );

    servers.drop_db(engine, &db);
}

/// Failures exit non-zero with a clear message, leave no dump and never print the password.
fn failures(engine: Engine) {
    let servers = servers();
    let repo = render(engine, &[]);
    let db = unique_db(&format!("fail_{}", engine.answer()));
    servers.create_db(engine, &db);
    servers.load_fixture(engine, &db);
    let out = repo.path().join("out");
    let expect_failure = |script: &str, url: Option<&str>, args: &[&str], message: &str| {
        let run = run_script(repo.path(), script, url, args, &[]);
        assert!(
            run.code.is_some_and(|c| c != 0),
            "{script} should fail:\n{}",
            run.all()
        );
        assert!(
            run.stderr.contains(message),
            "{script}: expected `{message}` in:\n{}",
            run.all()
        );
        let left: Vec<String> = files_in(&out);
        assert!(left.is_empty(), "{script} left files behind: {left:?}");
    };

    expect_failure("backup.sh", None, &["out"], "DATABASE_URL is not set");
    expect_failure(
        "restore.sh",
        None,
        &["missing.dump"],
        "DATABASE_URL is not set",
    );
    expect_failure("restore-drill.sh", None, &[], "DATABASE_URL is not set");
    let wrong_scheme = format!("redis://{APP_USER}:wrong-secret-pw@127.0.0.1:6379/{db}");
    expect_failure(
        "backup.sh",
        Some(&wrong_scheme),
        &["out"],
        "unsupported scheme 'redis://'",
    );
    expect_failure(
        "backup.sh",
        Some("wrong-secret-pw@localhost"),
        &["out"],
        "not a database URL",
    );
    let wrong_password = servers.url(engine, &db, "wrong-secret-pw");
    expect_failure(
        "backup.sh",
        Some(&wrong_password),
        &["out"],
        "no backup was written",
    );
    expect_failure("restore-drill.sh", Some(&wrong_password), &[], "error");
    let port = match engine {
        Engine::Postgres => servers.pg_port,
        Engine::Mysql => servers.my_port,
    };
    let down = servers
        .url(engine, &db, APP_PASSWORD)
        .replace(&format!(":{port}/"), &format!(":{}/", free_port()));
    expect_failure("backup.sh", Some(&down), &["out"], "no backup was written");
    let url = servers.url(engine, &db, APP_PASSWORD);
    expect_failure(
        "restore.sh",
        Some(&url),
        &["missing.dump"],
        "the dump missing.dump does not exist",
    );
    expect_failure("restore.sh", Some(&url), &[], "no DUMP given");

    // No scratch database survives a failed drill either.
    assert_eq!(
        servers.databases_like(engine, &format!("{db}_drill")),
        Vec::<String>::new()
    );
    servers.drop_db(engine, &db);
}

#[test]
fn postgres_backup_restore_and_drill() {
    round_trip(Engine::Postgres, &[]);
}

#[test]
fn mysql_backup_restore_and_drill() {
    round_trip(Engine::Mysql, &[]);
}

/// A team whose compose file runs `mariadb:11` gets scripts that reach for the `mariadb` client
/// tools first (the drill's `mariadb` image has no `mysql*` names); they work against the real server.
#[test]
fn mariadb_repo_backup_restore_and_drill() {
    let compose = "services:\n  db:\n    image: mariadb:11\n";
    let repo = render(Engine::Mysql, &[("compose.yml", compose)]);
    let lib = fs::read_to_string(repo.path().join("ops/backup/lib.sh")).expect("lib.sh");
    assert!(
        lib.contains("MYSQL_BIN=$(command -v mariadb || command -v mysql)"),
        "{lib}"
    );
    let drill = fs::read_to_string(repo.path().join(".github/workflows/restore-drill.yml"))
        .expect("restore-drill.yml");
    assert!(drill.contains("image: mariadb:11\n"), "{drill}");
    round_trip(Engine::Mysql, &[("compose.yml", compose)]);
}

#[test]
fn postgres_failures_are_clear_and_leave_nothing() {
    failures(Engine::Postgres);
}

#[test]
fn mysql_failures_are_clear_and_leave_nothing() {
    failures(Engine::Mysql);
}
