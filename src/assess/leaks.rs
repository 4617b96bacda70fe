//! Files that look like they hold real credentials. A finding is a path, a line and a kind: the
//! matched value is compared in memory and dropped, never stored, printed or written.

use std::path::Path;
use std::sync::LazyLock;

use regex::{Regex, RegexSet};
use serde::Serialize;

use crate::assess::scan::{self, MAX_READ, Scan};
use crate::parallel;

/// One file line that holds a credential.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub(crate) struct Leak {
    pub(crate) path: String,
    /// 1-based.
    pub(crate) line: usize,
    pub(crate) kind: &'static str,
}

/// A credential pattern. `value` is the capture group holding the secret (0: the whole match).
struct Pattern {
    kind: &'static str,
    regex: &'static str,
    value: usize,
}

/// What a credential looks like. Prefixes are the issuers' documented formats.
const PATTERNS: [Pattern; 13] = [
    Pattern {
        kind: "aws-access-key-id",
        regex: r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b",
        value: 0,
    },
    Pattern {
        kind: "aws-secret-access-key",
        regex: r#"(?i)aws_?secret_?access_?key["']?\s*[:=]\s*["']?([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)"#,
        value: 1,
    },
    Pattern {
        kind: "private-key",
        regex: r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----",
        value: 0,
    },
    Pattern {
        kind: "age-secret-key",
        regex: r"\bAGE-SECRET-KEY-1[0-9A-Z]{58}\b",
        value: 0,
    },
    Pattern {
        kind: "github-token",
        regex: r"\b(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{82})\b",
        value: 0,
    },
    Pattern {
        kind: "gitlab-token",
        regex: r"\bglpat-[A-Za-z0-9_-]{20}\b",
        value: 0,
    },
    Pattern {
        kind: "slack-token",
        regex: r"\bxox[baprs]-[A-Za-z0-9-]{10,}",
        value: 0,
    },
    Pattern {
        kind: "stripe-secret-key",
        regex: r"\b[rs]k_live_[A-Za-z0-9]{20,}",
        value: 0,
    },
    Pattern {
        kind: "google-api-key",
        regex: r"\bAIza[0-9A-Za-z_-]{35}\b",
        value: 0,
    },
    Pattern {
        kind: "npm-token",
        regex: r"\bnpm_[A-Za-z0-9]{36}\b",
        value: 0,
    },
    Pattern {
        kind: "sendgrid-api-key",
        regex: r"\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b",
        value: 0,
    },
    Pattern {
        kind: "gcp-service-account-key",
        regex: r#""private_key_id"\s*:\s*"([0-9a-f]{40})""#,
        value: 1,
    },
    Pattern {
        kind: "database-url-password",
        regex: r#"(?i)\b(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|redis|amqps?)://[^:@/\s'"]+:([^@/\s'"]+)@([^/:\s'"?]+)"#,
        value: 1,
    },
];

/// The kinds a leak can have, in the order they are checked (the README lists them).
#[cfg(test)]
const KINDS: [&str; 14] = [
    "aws-access-key-id",
    "aws-secret-access-key",
    "private-key",
    "age-secret-key",
    "github-token",
    "gitlab-token",
    "slack-token",
    "stripe-secret-key",
    "google-api-key",
    "npm-token",
    "sendgrid-api-key",
    "gcp-service-account-key",
    "database-url-password",
    ENV_SECRET,
];

/// A secret-looking `KEY=value` in a dotenv file that is not an example.
const ENV_SECRET: &str = "env-secret";

struct Compiled {
    set: RegexSet,
    each: Vec<Regex>,
    env_line: Regex,
    env_key: Regex,
}

static COMPILED: LazyLock<Compiled> = LazyLock::new(|| Compiled {
    set: RegexSet::new(PATTERNS.iter().map(|p| p.regex)).expect("leak patterns compile"),
    each: PATTERNS
        .iter()
        .map(|p| Regex::new(p.regex).expect("leak pattern compiles"))
        .collect(),
    env_line: Regex::new(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*?)\s*$")
        .expect("env line regex compiles"),
    env_key: Regex::new(
        r"(?i)(secret|token|passw(or)?d|pwd|api_?key|private_?key|access_?key|credential)",
    )
    .expect("env key regex compiles"),
});

/// Reads every candidate file of the scan and returns the leaks, sorted by path and line.
/// `tracked` are files git tracks though `.gitignore` covers them: they are in every clone.
pub(crate) fn find(root: &Path, scan: &Scan, tracked: &[String]) -> Vec<Leak> {
    let walked: std::collections::HashSet<&str> = if tracked.is_empty() {
        std::collections::HashSet::new()
    } else {
        scan.files().iter().map(String::as_str).collect()
    };
    let candidates: Vec<&String> = scan
        .files()
        .iter()
        .chain(tracked.iter().filter(|p| !walked.contains(p.as_str())))
        .filter(|p| is_candidate(p))
        .collect();
    // Reading is most of the cost on a large repo: spread it over the cores.
    let found = parallel::map(&candidates, parallel::cores().min(8), |path| {
        read_text(&root.join(path.as_str()))
            .map(|text| in_text(path, &text))
            .unwrap_or_default()
    });
    let mut leaks: Vec<Leak> = found.into_iter().flatten().collect();
    leaks.sort();
    leaks.dedup();
    leaks
}

fn read_text(path: &Path) -> Option<String> {
    if std::fs::metadata(path).ok()?.len() > MAX_READ {
        return None;
    }
    let bytes = std::fs::read(path).ok()?;
    if bytes.contains(&0) {
        return None;
    }
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// Files worth reading: anything textual that is not a lockfile, generated bundle or media.
fn is_candidate(path: &str) -> bool {
    const LOCKFILES: [&str; 9] = [
        "package-lock.json",
        "yarn.lock",
        "pnpm-lock.yaml",
        "cargo.lock",
        "poetry.lock",
        "uv.lock",
        "go.sum",
        "pipfile.lock",
        "composer.lock",
    ];
    const BINARY: [&str; 24] = [
        ".png", ".jpg", ".jpeg", ".gif", ".webp", ".ico", ".svg", ".pdf", ".zip", ".gz", ".tgz",
        ".bz2", ".xz", ".woff", ".woff2", ".ttf", ".otf", ".wasm", ".so", ".dylib", ".dll", ".exe",
        ".jar", ".class",
    ];
    let lower = scan::name(path).to_ascii_lowercase();
    !(LOCKFILES.contains(&lower.as_str())
        || BINARY.iter().any(|ext| lower.ends_with(ext))
        || lower.ends_with(".min.js")
        || scan::has_ext(&lower, &["map"])
        || path.starts_with(".scaffold/"))
}

/// The leaks in one file's text.
pub(crate) fn in_text(path: &str, text: &str) -> Vec<Leak> {
    let compiled = &*COMPILED;
    let mut found = Vec::new();
    let matched = compiled.set.matches(text);
    if matched.matched_any() {
        let starts = line_starts(text);
        for index in &matched {
            let pattern = &PATTERNS[index];
            for caps in compiled.each[index].captures_iter(text) {
                let Some(value) = caps.get(pattern.value) else {
                    continue;
                };
                let real = match pattern.kind {
                    "private-key" => has_key_body(&text[value.end()..]),
                    "database-url-password" => {
                        !is_placeholder(value.as_str())
                            && !is_weak_dev_password(value.as_str())
                            && !caps.get(2).is_some_and(|host| is_local_host(host.as_str()))
                    }
                    _ => !is_placeholder(value.as_str()),
                };
                if real {
                    let at = caps.get(0).map_or(value.start(), |m| m.start());
                    found.push(Leak {
                        path: path.to_owned(),
                        line: starts.partition_point(|s| *s <= at),
                        kind: pattern.kind,
                    });
                }
            }
        }
    }
    if is_env_file(path) && !is_example(path) {
        for (index, line) in text.lines().enumerate() {
            let Some(caps) = compiled.env_line.captures(line) else {
                continue;
            };
            let value = caps[2].trim_matches(|c| c == '"' || c == '\'');
            let line = index + 1;
            if compiled.env_key.is_match(&caps[1])
                && value.len() >= 8
                && !value.starts_with('$')
                && !is_placeholder(value)
                && !found.iter().any(|l| l.line == line)
            {
                found.push(Leak {
                    path: path.to_owned(),
                    line,
                    kind: ENV_SECRET,
                });
            }
        }
    }
    found.sort();
    found
}

fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

/// A PEM block with a real body (40+ base64 characters), not `...` in a document.
fn has_key_body(after: &str) -> bool {
    let body: String = after
        .chars()
        .take(200)
        .collect::<String>()
        .replace("\\n", "\n");
    body.split_whitespace().next().is_some_and(|first| {
        first.len() >= 40
            && first
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='))
            && !is_placeholder(first)
    })
}

/// `.env`, `.env.production`, `prod.env`.
fn is_env_file(path: &str) -> bool {
    let name = scan::name(path);
    name == ".env" || name.starts_with(".env.") || scan::has_ext(name, &["env"])
}

/// Files meant to show the shape of a config: `.env.example`, `config.sample.yml`, ...
fn is_example(path: &str) -> bool {
    let lower = scan::name(path).to_ascii_lowercase();
    ["example", "sample", "template", "dist", "tmpl"]
        .iter()
        .any(|w| lower.contains(w))
}

/// Values that are obviously not real: documentation keys, markers to replace, references.
fn is_placeholder(value: &str) -> bool {
    const WORDS: [&str; 16] = [
        "example",
        "placeholder",
        "changeme",
        "change-me",
        "change_me",
        "replace",
        "your",
        "xxxx",
        "dummy",
        "fake",
        "sample",
        "redacted",
        "todo",
        "secret-here",
        "insert",
        "0000000000",
    ];
    let lower = value.to_ascii_lowercase();
    if WORDS.iter().any(|w| lower.contains(w))
        || ["<", ">", "${", "{{", "***", "..."]
            .iter()
            .any(|m| value.contains(m))
    {
        return true;
    }
    let mut distinct: Vec<char> = value.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    distinct.len() < 5
}

/// Passwords of local development databases (compose defaults) and famous fakes, not credentials.
fn is_weak_dev_password(value: &str) -> bool {
    matches!(
        value.to_ascii_lowercase().as_str(),
        "password"
            | "postgres"
            | "mysql"
            | "root"
            | "secret"
            | "pass"
            | "admin"
            | "dev"
            | "test"
            | "local"
            | "guest"
            | "app"
            | "hunter2"
    )
}

/// `localhost`, loopback addresses and compose service names (a single label, no dot).
fn is_local_host(host: &str) -> bool {
    host == "localhost" || host.starts_with("127.") || host == "0.0.0.0" || !host.contains('.')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(path: &str, text: &str) -> Vec<(usize, &'static str)> {
        in_text(path, text)
            .into_iter()
            .map(|l| (l.line, l.kind))
            .collect()
    }

    // Built at run time so this file holds no credential-shaped literal.
    fn fake(prefix: &str, len: usize) -> String {
        let alphabet = b"Q7wErT9yUiOpA3sDfGhJkLzXcVbNm1";
        let tail: String = (0..len)
            .map(|i| char::from(alphabet[(i * 7 + 3) % alphabet.len()]))
            .collect();
        format!("{prefix}{tail}")
    }

    #[test]
    fn each_kind_is_found_on_its_line() {
        let aws_id = fake("AKIA", 16).to_uppercase();
        let aws_secret = fake("", 40);
        let text = format!(
            "# keys\nAWS_ACCESS_KEY_ID={aws_id}\nAWS_SECRET_ACCESS_KEY={aws_secret}\nGITHUB={}\nSLACK={}\n",
            fake("ghp_", 36),
            fake("xoxb-", 24)
        );
        assert_eq!(
            kinds("config/app.yml", &text),
            [
                (2, "aws-access-key-id"),
                (3, "aws-secret-access-key"),
                (4, "github-token"),
                (5, "slack-token"),
            ]
        );
        let pem = format!(
            "-----BEGIN OPENSSH PRIVATE KEY-----\n{}\n-----END OPENSSH PRIVATE KEY-----\n",
            fake("b3Blb", 64)
        );
        assert_eq!(kinds("deploy/id_ed25519", &pem), [(1, "private-key")]);
        let json = format!(
            "{{\"type\": \"service_account\",\n\"private_key_id\": \"{}\",\n\"private_key\": \"-----BEGIN PRIVATE KEY-----\\n{}\\n\"}}",
            "0123456789abcdef0123456789abcdef01234567",
            fake("MIIEv", 64)
        );
        assert_eq!(
            kinds("gcp.json", &json),
            [(2, "gcp-service-account-key"), (3, "private-key")]
        );
    }

    #[test]
    fn placeholders_documentation_keys_and_local_databases_are_not_leaks() {
        let text = "\
AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
-----BEGIN RSA PRIVATE KEY-----
...
DATABASE_URL=postgres://postgres:postgres@localhost:5432/app
DATABASE_URL=postgres://app:s3cr3t-Pa55@db:5432/app
REPLICA_URL=postgres://app:${DB_PASSWORD}@db.internal.example.com/app
";
        assert_eq!(kinds("README.md", text), []);
        assert_eq!(
            kinds(
                ".env.example",
                "API_KEY=your-api-key-here\nSTRIPE_SECRET=sk_test_123\n"
            ),
            []
        );
    }

    #[test]
    fn a_real_database_password_and_dotenv_secrets_are_leaks() {
        let text = format!(
            "DATABASE_URL=postgres://app:{}@prod-db.abc123.eu-west-1.rds.amazonaws.com/app\nSESSION_SECRET={}\nPORT=8080\nAPI_TOKEN=$FROM_ENV\n",
            fake("", 20),
            fake("", 32)
        );
        assert_eq!(
            kinds(".env.production", &text),
            [(1, "database-url-password"), (2, "env-secret")]
        );
        // The same secret in an example file is not flagged by the dotenv rule alone.
        assert_eq!(kinds(".env.example", &text), [(1, "database-url-password")]);
    }

    #[test]
    fn lockfiles_media_and_scaffold_bases_are_not_read() {
        assert!(!is_candidate("package-lock.json"));
        assert!(!is_candidate("web/logo.PNG"));
        assert!(!is_candidate(".scaffold/state.toml"));
        assert!(is_candidate(".env"));
        assert!(is_candidate("deploy/id_rsa"));
    }

    #[test]
    fn every_pattern_compiles_and_has_a_listed_kind() {
        assert_eq!(COMPILED.each.len(), PATTERNS.len());
        for p in &PATTERNS {
            assert!(KINDS.contains(&p.kind), "{}", p.kind);
        }
    }
}
