//! The `observability` foundation: laid without an answer for `alert_owner` (a placeholder and a
//! step that closes itself), and its uptime probe run against a local HTTP server.

use std::io::{BufRead as _, BufReader, Write as _};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};

use crate::support::{Repo, Run, SEED_GO, SEED_NODE, wait_or_fail};

/// The open next steps of `status --json`, by id.
fn open_steps(repo: &Repo) -> Vec<String> {
    let json: serde_json::Value =
        serde_json::from_str(&repo.scaffold(&["status", "--json"]).stdout).unwrap();
    json["next_steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["done"] == false)
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn init_yes_at_seed_lays_observability_with_a_placeholder_owner_until_it_is_named() {
    let repo = Repo::new();
    let mut init = vec!["init", "--yes"];
    init.extend_from_slice(&SEED_NODE);
    repo.scaffold(&init)
        .success()
        .stdout_has("Name who receives uptime alerts");
    assert!(
        repo.read("docs/observability/README.md")
            .contains("REPLACE-ME@example.com")
    );
    let step = "observability-name-who-receives-uptime";
    assert!(open_steps(&repo).iter().any(|s| s == step), "{step} open");

    repo.scaffold(&[
        "upgrade",
        "observability",
        "--set",
        "alert_owner=oncall@acme.dev",
    ])
    .success();
    let docs = repo.read("docs/observability/README.md");
    assert!(!docs.contains("REPLACE-ME@example.com") && docs.contains("oncall@acme.dev"));
    let open = open_steps(&repo);
    assert!(!open.iter().any(|s| s == step), "{step} closed: {open:?}");
}

/// A local HTTP server on a free port: `/up` answers 200, `/broken` 500, and `/hang` reads the
/// request and never answers (until the client gives up and closes). Serves until the test ends.
fn serve() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            std::thread::spawn(move || answer(stream));
        }
    });
    port
}

fn answer(mut stream: TcpStream) {
    let mut request = String::new();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    reader.read_line(&mut request).unwrap();
    let mut line = String::new();
    while reader.read_line(&mut line).unwrap_or(0) > 2 {
        line.clear();
    }
    let status = match request.split(' ').nth(1) {
        Some("/up") => "200 OK",
        Some("/broken") => "500 Internal Server Error",
        _ => {
            // Hang: wait for the client to close the connection.
            let _ = std::io::copy(&mut reader, &mut std::io::sink());
            return;
        }
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
}

/// Runs the generated probe on `url` with a 1 s timeout, never through a proxy; one that hangs
/// fails the test.
fn probe(repo: &Repo, url: &str) -> Run {
    let child = Command::new(repo.path().join("ops/observability/probe.sh"))
        .arg(url)
        .env("PROBE_TIMEOUT", "1")
        .env("NO_PROXY", "*")
        .env("no_proxy", "*")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_or_fail(child, "probe.sh").into()
}

#[test]
fn the_uptime_probe_passes_on_200_and_fails_on_500_and_a_timeout() {
    let repo = Repo::new();
    let mut init = vec!["init", "--yes", "--only", "observability"];
    init.extend_from_slice(&SEED_GO);
    repo.scaffold(&init).success();
    let port = serve();
    let url = |path: &str| format!("http://127.0.0.1:{port}{path}");
    probe(&repo, &url("/up"))
        .success()
        .stdout_has("answered 200");
    probe(&repo, &url("/broken"))
        .code(1)
        .stderr_has("answered 500");
    probe(&repo, &url("/hang"))
        .code(1)
        .stderr_has("did not answer within 1s");
}
