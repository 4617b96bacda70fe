//! Files that look like they hold real credentials. A finding is a path, a line and a kind: the
//! matched value is compared in memory and dropped, never stored, printed or written. The texts
//! the scan keeps for the area checks go through `mask` first, so no check can echo one either.

mod assign;
#[cfg(test)]
mod corpus;
mod kube;
mod patterns;
mod read;
mod values;

use std::borrow::Cow;
use std::collections::HashSet;
use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;
use serde::ser::{Serialize, SerializeStruct, Serializer};

use crate::assess::scan::{self, Scan};
use crate::parallel;

pub(crate) use patterns::mask;
use read::Contents;

/// One file line that holds a credential.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Leak {
    pub(crate) path: String,
    pub(crate) line: Line,
    pub(crate) kind: &'static str,
}

/// Where in its file a leak is. Displayed as the line number, with a note for a sampled file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Line {
    /// A 1-based line of a file read whole.
    At(usize),
    /// A 1-based line of the head of a file too large to read whole.
    SampledHead(usize),
    /// A line of the tail of a file too large to read whole, counted from its end (1: the last).
    SampledTail(usize),
}

impl std::fmt::Display for Line {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Line::At(n) => write!(f, "{n}"),
            Line::SampledHead(n) => write!(f, "{n} (file sampled)"),
            Line::SampledTail(n) => write!(f, "{n} from the end (file sampled)"),
        }
    }
}

/// `{path, line, kind}`; a sampled file adds `"sampled": true`, and a line of its tail is
/// `"line": null` with `line_from_end`.
impl Serialize for Leak {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let fields = match self.line {
            Line::At(_) => 3,
            Line::SampledHead(_) => 4,
            Line::SampledTail(_) => 5,
        };
        let mut out = serializer.serialize_struct("Leak", fields)?;
        out.serialize_field("path", &self.path)?;
        match self.line {
            Line::At(n) | Line::SampledHead(n) => out.serialize_field("line", &n)?,
            Line::SampledTail(n) => {
                out.serialize_field("line", &None::<usize>)?;
                out.serialize_field("line_from_end", &n)?;
            }
        }
        out.serialize_field("kind", self.kind)?;
        if fields > 3 {
            out.serialize_field("sampled", &true)?;
        }
        out.end()
    }
}

impl Leak {
    /// A leak to ask "what if the repo leaked a credential?" (never shown).
    pub(crate) fn hypothetical() -> Leak {
        Leak {
            path: String::new(),
            line: Line::At(0),
            kind: "hypothetical",
        }
    }
}

/// A credential found in a text: its 1-based line and its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Hit {
    line: usize,
    kind: &'static str,
}

/// Reads every candidate file of the scan and returns the leaks, sorted by path and line.
/// `tracked` are files git tracks though `.gitignore` covers them: they are in every clone.
/// Symlinks are never followed: git lists a tracked symlink, whose target may be anywhere.
pub(crate) fn find(root: &Path, scan: &Scan, tracked: &[String]) -> Vec<Leak> {
    let candidates = candidates(scan, tracked);
    // Reading is most of the cost on a large repo: spread it over the cores.
    let found = parallel::map(&candidates, parallel::cores().min(8), |(path, from_git)| {
        read::read(root, path, *from_git)
            .map(|contents| leaks_in(path, &contents))
            .unwrap_or_default()
    });
    let mut leaks: Vec<Leak> = found.into_iter().flatten().collect();
    leaks.sort();
    leaks.dedup();
    leaks
}

/// The files the scan reads, with whether git listed them (tracked though ignored).
fn candidates<'s>(scan: &'s Scan, tracked: &'s [String]) -> Vec<(&'s str, bool)> {
    let walked: HashSet<&str> = if tracked.is_empty() {
        HashSet::new()
    } else {
        scan.files().iter().map(String::as_str).collect()
    };
    scan.files()
        .iter()
        .map(|p| (p.as_str(), false))
        .chain(
            tracked
                .iter()
                .filter(|p| !walked.contains(p.as_str()))
                .map(|p| (p.as_str(), true)),
        )
        .filter(|(p, _)| is_candidate(p))
        .collect()
}

/// How much a bounded scan (`find_first`) reads at most: files, and bytes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Budget {
    pub(crate) files: usize,
    pub(crate) bytes: u64,
}

/// What `init` and `upgrade` read at most when a recommendation depends on leaks: a few
/// milliseconds of work. `scaffold assess` reads everything.
pub(crate) const BUDGET: Budget = Budget {
    files: 2000,
    bytes: 8 * 1024 * 1024,
};

/// What a bounded scan found: the leaks of the first file that has any (or none), and how many
/// of the candidate files it read.
#[derive(Debug, Default)]
pub(crate) struct Bounded {
    pub(crate) leaks: Vec<Leak>,
    read: usize,
    candidates: usize,
}

impl Bounded {
    /// Says what was read when the budget ran out before any leak was found.
    pub(crate) fn note(&self) -> Option<String> {
        (self.leaks.is_empty() && self.read < self.candidates).then(|| {
            format!(
                "looked for leaked credentials in {} of {} files (the likeliest first, on a budget); `scaffold assess` reads them all",
                self.read, self.candidates
            )
        })
    }
}

/// Whether the repo leaks a credential, reading the likeliest files first (`.env` files, keys,
/// files git tracks though ignored, then configuration and scripts, shallowest first) until one
/// has a leak or `budget` is spent. The same files are read on every run of the same tree.
pub(crate) fn find_first(root: &Path, scan: &Scan, tracked: &[String], budget: Budget) -> Bounded {
    let mut candidates = candidates(scan, tracked);
    candidates.sort_by_cached_key(|(path, from_git)| likeliness(path, *from_git));
    let mut bounded = Bounded {
        candidates: candidates.len(),
        ..Bounded::default()
    };
    let mut bytes = 0;
    // In chunks spread over the cores; the budget is counted in order, so where it stops does
    // not depend on the threads.
    for chunk in candidates.chunks(64) {
        let found = parallel::map(chunk, parallel::cores().min(8), |(path, from_git)| {
            read::read_sized(root, path, *from_git).map_or((0, Vec::new()), |(len, contents)| {
                (len, leaks_in(path, &contents))
            })
        });
        for (len, leaks) in found {
            if bounded.read == budget.files || bytes + len > budget.bytes && bounded.read > 0 {
                return bounded;
            }
            bytes += len;
            bounded.read += 1;
            if !leaks.is_empty() {
                bounded.leaks = leaks;
                return bounded;
            }
        }
    }
    bounded
}

/// The order a bounded scan reads in: 0 for files made to hold credentials, 1 for configuration
/// and scripts, 2 for the rest.
fn likeliness(path: &str, from_git: bool) -> u8 {
    let name = scan::name(path).to_ascii_lowercase();
    let secretish = assign::is_dotenv(&name)
        || matches!(
            name.as_str(),
            ".netrc" | "_netrc" | "config.json" | ".npmrc" | ".pypirc"
        )
        || name.starts_with("id_")
        || name.contains("secret")
        || name.contains("credential")
        || scan::has_ext(&name, &["pem", "key", "ppk", "p12", "tfvars"]);
    if from_git || secretish {
        0
    } else if scan::is_config_or_script(path) {
        1
    } else {
        2
    }
}

/// Files worth reading: anything textual that is not a generated bundle, media, a test fixture
/// or one of scaffold's own bases. Lockfiles are read (a token in a registry URL leaks too).
fn is_candidate(path: &str) -> bool {
    const BINARY: [&str; 24] = [
        ".png", ".jpg", ".jpeg", ".gif", ".webp", ".ico", ".svg", ".pdf", ".zip", ".gz", ".tgz",
        ".bz2", ".xz", ".woff", ".woff2", ".ttf", ".otf", ".wasm", ".so", ".dylib", ".dll", ".exe",
        ".jar", ".class",
    ];
    let lower = scan::name(path).to_ascii_lowercase();
    !(BINARY.iter().any(|ext| lower.ends_with(ext))
        || lower.ends_with(".min.js")
        || scan::has_ext(&lower, &["map"])
        || path.starts_with(".scaffold/")
        || is_fixture(path))
}

/// The leaks in one file's contents.
fn leaks_in(path: &str, contents: &Contents) -> Vec<Leak> {
    let leak = |line: Line, hit: Hit| Leak {
        path: path.to_owned(),
        line,
        kind: hit.kind,
    };
    match contents {
        Contents::Whole(text) => hits(path, text)
            .into_iter()
            .map(|h| leak(Line::At(h.line), h))
            .collect(),
        Contents::Sampled { head, tail } => {
            // The tail starts inside a line: only its whole lines count.
            let tail = tail.split_once('\n').map_or("", |(_, rest)| rest);
            let lines = tail.lines().count();
            let head_hits = hits(path, head).into_iter();
            let tail_hits = hits(path, tail).into_iter();
            head_hits
                .map(|h| leak(Line::SampledHead(h.line), h))
                .chain(tail_hits.map(|h| leak(Line::SampledTail(lines + 1 - h.line), h)))
                .collect()
        }
    }
}

/// The credentials in one text of the file `path`, one per line and kind, sorted by line.
fn hits(path: &str, text: &str) -> Vec<Hit> {
    let lockfile = is_lockfile(scan::name(path));
    let text = if lockfile {
        blank_hashes(text)
    } else {
        Cow::Borrowed(text)
    };
    let starts = line_starts(&text);
    let mut found = patterns::hits(&text, &starts);
    if !lockfile && !is_example_or_test(path) {
        for hit in assign::hits(path, &text, &starts) {
            if !found.iter().any(|h| h.line == hit.line) {
                found.push(hit);
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
        .collect()
}

fn is_lockfile(name: &str) -> bool {
    const LOCKFILES: [&str; 19] = [
        "package-lock.json",
        "npm-shrinkwrap.json",
        "yarn.lock",
        "pnpm-lock.yaml",
        "bun.lock",
        "cargo.lock",
        "poetry.lock",
        "uv.lock",
        "pdm.lock",
        "go.sum",
        "pipfile.lock",
        "composer.lock",
        "gemfile.lock",
        "flake.lock",
        "packages.lock.json",
        "package.resolved",
        "gradle.lockfile",
        "mix.lock",
        "pubspec.lock",
    ];
    LOCKFILES.contains(&name.to_ascii_lowercase().as_str())
}

/// Integrity hashes of a lockfile (`sha512-…`, `h1:…`, `checksum = "…"`, `#<sha1>`).
static HASH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)(?:sha1|sha224|sha256|sha384|sha512|md5|h1)[-:][A-Za-z0-9+/=_-]{16,}",
        r#"|"?(?:integrity|checksum|shasum|content-hash|narhash)"?\s*[:=]\s*"?[A-Za-z0-9+/=_-]{16,}"#,
        r"|#[0-9a-f]{40}(?-u:\b)",
    ))
    .expect("hash regex compiles")
});

/// A lockfile's text with its integrity hashes blanked out (same length, so lines stay): random
/// text that may look like anything, and never a secret.
fn blank_hashes(text: &str) -> Cow<'_, str> {
    HASH.replace_all(text, |caps: &regex::Captures<'_>| " ".repeat(caps[0].len()))
}

/// Test fixtures (`tests/fixtures/`, `__fixtures__/`, `testdata/`): fake credentials on purpose.
fn is_fixture(path: &str) -> bool {
    folders(path).any(|dir| matches!(dir, "fixtures" | "__fixtures__" | "testdata"))
}

/// Files that show the shape of a config or serve tests (`.env.example`, `.env.test`,
/// `config.sample.yml`, anything under `tests/`): only credentials with an issuer's shape count
/// there, not secret-named keys.
fn is_example_or_test(path: &str) -> bool {
    const WORDS: [&str; 16] = [
        "example", "examples", "sample", "samples", "template", "tmpl", "dist", "test", "tests",
        "testing", "spec", "specs", "mock", "mocks", "fixture", "fixtures",
    ];
    let name = scan::name(path).to_ascii_lowercase();
    name.split(['.', '-', '_'])
        .any(|word| WORDS.contains(&word))
        || folders(path).any(|dir| {
            matches!(
                dir,
                "test" | "tests" | "spec" | "specs" | "__tests__" | "__mocks__"
            )
        })
}

/// The folders of a path, not its file name.
fn folders(path: &str) -> impl Iterator<Item = &str> {
    path.rsplit('/').skip(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(path: &str, text: &str) -> Vec<(usize, &'static str)> {
        hits(path, text)
            .into_iter()
            .map(|h| (h.line, h.kind))
            .collect()
    }

    // Built at run time so this file holds no credential-shaped literal.
    fn fake(prefix: &str, len: usize) -> String {
        corpus::fake(prefix, len)
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
    fn example_and_test_files_keep_only_issuer_shaped_credentials() {
        let text = format!(
            "DATABASE_URL=postgres://app:{}@prod-db.abc123.eu-west-1.rds.amazonaws.com/app\nSESSION_SECRET={}\nPORT=8080\nAPI_TOKEN=$FROM_ENV\n",
            fake("", 20),
            fake("", 32)
        );
        assert_eq!(
            kinds(".env.production", &text),
            [(1, "database-url-password"), (2, "env-secret")]
        );
        for path in [".env.example", ".env.test", "tests/integration/.env"] {
            assert_eq!(kinds(path, &text), [(1, "database-url-password")], "{path}");
        }
    }

    #[test]
    fn lockfiles_are_read_but_their_integrity_hashes_are_not() {
        let hash = format!(
            "sha512-{}/{}/{}==",
            fake("", 30),
            fake("AKIA", 16).to_uppercase(),
            fake("", 30)
        );
        let lock = format!(
            "{{\n  \"integrity\": \"{hash}\",\n  \"resolved\": \"git+https://{}@github.com/o/r.git\"\n}}\n",
            fake("ghp_", 36)
        );
        assert_eq!(kinds("package-lock.json", &lock), [(3, "github-token")]);
        assert_eq!(
            kinds("notes.txt", &lock),
            [(2, "aws-access-key-id"), (3, "github-token")],
            "the hash would match outside a lockfile"
        );
        assert!(is_candidate("package-lock.json"));
    }

    #[test]
    fn media_fixtures_and_scaffold_bases_are_not_read() {
        assert!(!is_candidate("web/logo.PNG"));
        assert!(!is_candidate(".scaffold/state.toml"));
        assert!(!is_candidate("tests/fixtures/.env"));
        assert!(!is_candidate("src/__fixtures__/config.json"));
        assert!(!is_candidate("pkg/parse/testdata/creds"));
        assert!(is_candidate(".env"));
        assert!(is_candidate("deploy/id_rsa"));
        assert!(is_candidate("fixtures.json"), "a file, not a folder");
    }

    #[test]
    fn a_sampled_file_says_so_and_counts_tail_lines_from_the_end() {
        let token = fake("ghp_", 36);
        let filler = "log line without secrets\n".repeat(100_000);
        let text = format!("first {token}\n{filler}{token} here\nlast line\n");
        let contents = Contents::of(text.as_bytes()).unwrap();
        let leaks = leaks_in("big.log", &contents);
        let lines: Vec<Line> = leaks.iter().map(|l| l.line).collect();
        assert_eq!(lines, [Line::SampledHead(1), Line::SampledTail(2)]);
        assert_eq!(leaks[1].line.to_string(), "2 from the end (file sampled)");
        assert_eq!(
            serde_json::to_value(&leaks).unwrap(),
            serde_json::json!([
                {"path": "big.log", "line": 1, "kind": "github-token", "sampled": true},
                {"path": "big.log", "line": null, "line_from_end": 2, "kind": "github-token", "sampled": true},
            ])
        );
    }

    #[test]
    fn masking_replaces_every_matched_value_and_nothing_else() {
        let token = fake("ghp_", 36);
        let text =
            format!("steps:\n  - uses: some/action@{token}\n  - uses: actions/checkout@v4\n");
        let masked = mask(&text);
        assert_eq!(
            masked,
            "steps:\n  - uses: some/action@[redacted]\n  - uses: actions/checkout@v4\n"
        );
        assert!(matches!(mask("no secrets"), Cow::Borrowed(_)));
    }
}
