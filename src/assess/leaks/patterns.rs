//! Credentials with a shape of their own (issuers' documented prefixes, PEM and `PuTTY` keys,
//! JWTs, database URLs), found anywhere in a text. Patterns use ASCII word boundaries
//! (`(?-u:\b)`) so that non-ASCII text does not push the regex engine off its fast path, and are
//! compiled once.

use std::borrow::Cow;
use std::sync::{LazyLock, OnceLock};

use aho_corasick::AhoCorasick;
use regex::{Captures, Regex};

use super::Hit;
use super::values::{
    decode_base64, is_local_host, is_placeholder, is_reference, is_weak_dev_password,
};

/// What else a match needs to count, beyond its shape.
#[derive(Clone, Copy)]
enum Check {
    /// The value is not a placeholder.
    NotPlaceholder,
    /// A PEM block with a real body after its headers.
    PemBody,
    /// A `PuTTY` key file with a real private part.
    PuttyBody,
    /// A payload that decodes to JSON and is not a documentation sample.
    Jwt,
    /// A real password of a database that is not local.
    DatabaseUrl,
}

/// A credential pattern. `value` is the capture group holding the secret (0: the whole match).
struct Pattern {
    kind: &'static str,
    regex: &'static str,
    value: usize,
    check: Check,
}

const fn pattern(kind: &'static str, regex: &'static str, value: usize, check: Check) -> Pattern {
    Pattern {
        kind,
        regex,
        value,
        check,
    }
}

/// What a credential looks like. Prefixes are the issuers' documented formats.
const PATTERNS: [Pattern; 16] = [
    pattern(
        "aws-access-key-id",
        r"(?-u:\b)(?:AKIA|ASIA)[0-9A-Z]{16}(?-u:\b)",
        0,
        Check::NotPlaceholder,
    ),
    pattern(
        "aws-secret-access-key",
        r#"(?i)aws_?secret_?access_?key["']?\s*[:=]\s*["']?([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)"#,
        1,
        Check::NotPlaceholder,
    ),
    pattern(
        "private-key",
        r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP |SSH2 ENCRYPTED )?PRIVATE KEY(?: BLOCK)?-----",
        0,
        Check::PemBody,
    ),
    pattern(
        "putty-private-key",
        r"PuTTY-User-Key-File-[0-9]+:",
        0,
        Check::PuttyBody,
    ),
    pattern(
        "age-secret-key",
        r"(?-u:\b)AGE-SECRET-KEY-1[0-9A-Z]{58}(?-u:\b)",
        0,
        Check::NotPlaceholder,
    ),
    pattern(
        "github-token",
        r"(?-u:\b)(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{82})(?-u:\b)",
        0,
        Check::NotPlaceholder,
    ),
    pattern(
        "gitlab-token",
        r"(?-u:\b)glpat-[A-Za-z0-9_-]{20}(?-u:\b)",
        0,
        Check::NotPlaceholder,
    ),
    pattern(
        "slack-token",
        r"(?-u:\b)xox[baprs]-[A-Za-z0-9-]{10,}",
        0,
        Check::NotPlaceholder,
    ),
    pattern(
        "slack-webhook",
        r"https://hooks\.slack\.com/(?:services|workflows|triggers)/([A-Za-z0-9_/-]{20,})",
        1,
        Check::NotPlaceholder,
    ),
    pattern(
        "stripe-secret-key",
        r"(?-u:\b)[rs]k_live_[A-Za-z0-9]{20,}",
        0,
        Check::NotPlaceholder,
    ),
    pattern(
        "google-api-key",
        r"(?-u:\b)AIza[0-9A-Za-z_-]{35}(?-u:\b)",
        0,
        Check::NotPlaceholder,
    ),
    pattern(
        "npm-token",
        r"(?-u:\b)npm_[A-Za-z0-9]{36}(?-u:\b)",
        0,
        Check::NotPlaceholder,
    ),
    pattern(
        "sendgrid-api-key",
        r"(?-u:\b)SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}(?-u:\b)",
        0,
        Check::NotPlaceholder,
    ),
    pattern(
        "gcp-service-account-key",
        r#""private_key_id"\s*:\s*"([0-9a-f]{40})""#,
        1,
        Check::NotPlaceholder,
    ),
    pattern(
        "jwt",
        r"(?-u:\b)eyJ[A-Za-z0-9_-]{8,}\.(eyJ[A-Za-z0-9_-]{8,})\.[A-Za-z0-9_-]{16,}",
        0,
        Check::Jwt,
    ),
    pattern(
        "database-url-password",
        r#"(?i)(?-u:\b)(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?|amqps?)://[^:@/\s'"]*:([^@\s'"]+)@([^/:\s'"?@]+)"#,
        1,
        Check::DatabaseUrl,
    ),
];

/// The kinds these patterns report, in order.
#[cfg(test)]
pub(super) fn kinds() -> impl Iterator<Item = &'static str> {
    PATTERNS.iter().map(|p| p.kind)
}

/// All the patterns as one regex: whether a text holds anything credential-shaped, in one
/// forward pass (most texts hold nothing, and the set's overlapping search costs several times
/// more). Compiled on first use.
static ANY: LazyLock<Regex> = LazyLock::new(|| {
    let alternation: Vec<String> = PATTERNS
        .iter()
        .map(|p| format!("(?:{})", p.regex))
        .collect();
    Regex::new(&alternation.join("|")).expect("leak patterns compile")
});

/// Which patterns match (for the tests of the prefilters).
#[cfg(test)]
static SET: LazyLock<regex::RegexSet> = LazyLock::new(|| {
    regex::RegexSet::new(PATTERNS.iter().map(|p| p.regex)).expect("leak patterns compile")
});

/// Each pattern alone, for its captures: compiled on first need, one by one, so a text with only
/// `secrets.` in it (every workflow) costs one regex, not sixteen and their union.
static EACH: [OnceLock<Regex>; PATTERNS.len()] = [const { OnceLock::new() }; PATTERNS.len()];

fn compiled(index: usize) -> &'static Regex {
    EACH[index].get_or_init(|| Regex::new(PATTERNS[index].regex).expect("leak pattern compiles"))
}

/// The needles (indices into `NEEDLES`) every match of each pattern contains, up to ASCII case.
const PATTERN_NEEDLES: [&[usize]; PATTERNS.len()] = [
    &[0, 1],
    &[2],
    &[3],
    &[4],
    &[2],
    &[5, 6, 7, 8, 9, 10],
    &[11],
    &[12],
    &[13],
    &[14],
    &[15],
    &[16],
    &[17],
    &[18],
    &[19],
    &[20, 21, 22, 23, 24, 25, 26, 27, 28, 29],
];

/// Literals every match of some pattern contains, up to ASCII case: a text with none of them (and
/// neither `ſ` nor the Kelvin sign `K`, which case-insensitive patterns read as `s` and `k`) holds
/// nothing credential-shaped, and no regex needs compiling or running to say so.
const NEEDLES: [&str; 30] = [
    "akia",
    "asia",
    "secret",
    "-----begin ",
    "putty-user-key-file-",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "glpat-",
    "xox",
    "hooks.slack.com/",
    "k_live_",
    "aiza",
    "npm_",
    "sg.",
    "\"private_key_id\"",
    "eyj",
    "postgres://",
    "postgresql://",
    "mysql://",
    "mariadb://",
    "mongodb://",
    "mongodb+srv://",
    "redis://",
    "rediss://",
    "amqp://",
    "amqps://",
];

/// The needles (all lower case), searched in one pass over text in ASCII lower case. Searching
/// the text as it is with `ascii_case_insensitive` gives the same answer, but the upper-case
/// variants of the needles leave no room for the vectorised prefilter, and the automaton then
/// reads byte by byte: lowering the text first and searching it case-sensitively is several
/// times faster. (Leftmost-first matching, because only it uses the vectorised "packed"
/// searcher; which needle matches does not count.)
static NEEDLE_SEARCH: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasick::builder()
        .match_kind(aho_corasick::MatchKind::LeftmostFirst)
        .build(NEEDLES)
        .expect("needles build")
});

/// Whether `text` may hold something credential-shaped: false only when it surely does not.
#[cfg(test)]
pub(super) fn may_match(text: &str) -> bool {
    NEEDLE_SEARCH.is_match(&text.as_bytes().to_ascii_lowercase()) || has_folded(text)
}

/// Whether `text` holds `ſ` or the Kelvin sign `K`, which case-insensitive patterns read as `s`
/// and `k`: then no needle can rule a pattern out.
fn has_folded(text: &str) -> bool {
    !text.is_ascii() && (text.contains('\u{17F}') || text.contains('\u{212A}'))
}

/// The patterns that may match `text` (ascending): those with one of their needles in it (or all
/// of them, for a text `has_folded`). Empty when `may_match` is false.
fn candidates(text: &str) -> Vec<usize> {
    let lower = text.as_bytes().to_ascii_lowercase();
    if !NEEDLE_SEARCH.is_match(&lower) && !has_folded(text) {
        return Vec::new();
    }
    if has_folded(text) {
        return (0..PATTERNS.len()).collect();
    }
    let present: Vec<bool> = NEEDLES
        .iter()
        .map(|n| memchr::memmem::find(&lower, n.as_bytes()).is_some())
        .collect();
    (0..PATTERNS.len())
        .filter(|&i| PATTERN_NEEDLES[i].iter().any(|&n| present[n]))
        .collect()
}

/// Every credential the patterns find in `text`, by line (1-based, from `starts`).
pub(super) fn hits(text: &str, starts: &[usize]) -> Vec<Hit> {
    let mut found = Vec::new();
    each_match(text, |index, caps| {
        let pattern = &PATTERNS[index];
        let Some(value) = caps.get(pattern.value) else {
            return;
        };
        if is_real(pattern.check, caps, value.as_str(), &text[value.end()..]) {
            let at = caps.get(0).map_or(value.start(), |m| m.start());
            found.push(Hit {
                line: starts.partition_point(|s| *s <= at),
                kind: pattern.kind,
            });
        }
    });
    found
}

/// Whether any pattern matches `text`, by the set (what the prefilters must agree with).
#[cfg(test)]
pub(super) fn set_matches(text: &str) -> bool {
    SET.is_match(text)
}

/// Whether every pattern that matches `text` is among its candidates (what the per-pattern
/// needles must agree with).
#[cfg(test)]
pub(super) fn candidates_cover(text: &str) -> bool {
    let candidates = candidates(text);
    SET.matches(text).iter().all(|i| candidates.contains(&i))
}

/// Whether any pattern matches `value`, real or not.
pub(super) fn has_shape(value: &str) -> bool {
    ANY.is_match(value)
}

/// `text` with every value a pattern matches, real or not, replaced by `[redacted]`: what the
/// scan keeps for the area checks, so no check can echo a credential.
pub(crate) fn mask(text: &str) -> Cow<'_, str> {
    let mut spans: Vec<(usize, usize)> = Vec::new();
    each_match(text, |index, caps| {
        if let Some(value) = caps.get(PATTERNS[index].value) {
            spans.push((value.start(), value.end()));
        }
    });
    if spans.is_empty() {
        return Cow::Borrowed(text);
    }
    spans.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut done = 0;
    for (start, end) in spans {
        if end <= done {
            continue;
        }
        out.push_str(&text[done..start.max(done)]);
        out.push_str("[redacted]");
        done = end;
    }
    out.push_str(&text[done..]);
    Cow::Owned(out)
}

/// Calls `f` with the pattern index and captures of every match, pattern by pattern, of the
/// patterns whose needles the text holds.
fn each_match(text: &str, mut f: impl FnMut(usize, &Captures<'_>)) {
    for index in candidates(text) {
        for caps in compiled(index).captures_iter(text) {
            f(index, &caps);
        }
    }
}

fn is_real(check: Check, caps: &Captures<'_>, value: &str, after: &str) -> bool {
    match check {
        Check::NotPlaceholder => !is_placeholder(value),
        Check::PemBody => has_pem_body(after),
        Check::PuttyBody => has_putty_body(after),
        Check::Jwt => caps.get(1).is_some_and(|p| is_real_jwt_payload(p.as_str())),
        Check::DatabaseUrl => {
            !is_placeholder(value)
                && !is_reference(value)
                && !is_weak_dev_password(value)
                && !caps.get(2).is_some_and(|host| is_local_host(host.as_str()))
        }
    }
}

/// A PEM block with a real body: after the header lines (`Proc-Type:`, `DEK-Info:`,
/// `Version:`, `Comment:`) and blank lines, a line of 40+ base64 characters, not `...` in a
/// document. Also inside a JSON string, where line breaks are `\n`.
fn has_pem_body(after: &str) -> bool {
    let head: String = after.chars().take(600).collect();
    first_body_line(&head.replace("\\n", "\n")).is_some_and(is_base64_line)
}

/// A `PuTTY` key file whose `Private-Lines:` are followed by a real base64 line.
fn has_putty_body(after: &str) -> bool {
    let head: String = after.chars().take(4000).collect();
    head.split_once("Private-Lines:")
        .and_then(|(_, rest)| rest.lines().nth(1))
        .is_some_and(is_base64_line)
}

fn first_body_line(block: &str) -> Option<&str> {
    block
        .lines()
        .skip(1)
        .map(str::trim)
        .find(|line| !line.is_empty() && !line.contains(": "))
}

fn is_base64_line(line: &str) -> bool {
    let line = line.trim();
    line.len() >= 40
        && line
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='))
        && !is_placeholder(line)
}

/// A JWT payload that decodes to a JSON object and is not a famous documentation sample.
fn is_real_jwt_payload(payload: &str) -> bool {
    decode_base64(payload).is_some_and(|json| {
        let json = String::from_utf8_lossy(&json);
        json.starts_with('{') && !json.contains("supabase-demo") && !json.contains("John Doe")
    })
}
