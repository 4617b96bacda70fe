//! Kubernetes `Secret` manifests with real values under `data:` (base64) or `stringData:`.
//! `SealedSecret`s (encrypted) and templates (`{{ .Values.x | b64enc }}`) are not secrets in the
//! repo.

use std::ops::RangeInclusive;

use super::Hit;
use super::values::{decode_base64, is_secret_value};

pub(super) const KIND: &str = "kubernetes-secret";

/// Fields of a `Secret` that are not secret themselves.
const PLAIN_FIELDS: [&str; 9] = [
    "username", "user", "host", "hostname", "port", "database", "dbname", "region", "endpoint",
];

/// What the rule found in one YAML text: the leaks, and the lines of every `Secret` and
/// `SealedSecret` document (the generic assignment rule leaves those to this one).
#[derive(Default)]
pub(super) struct Secrets {
    pub(super) hits: Vec<Hit>,
    pub(super) documents: Vec<RangeInclusive<usize>>,
}

/// Every `kind: Secret` or `kind: SealedSecret` document of a YAML text.
pub(super) fn secrets(text: &str) -> Secrets {
    let mut found = Secrets::default();
    let lines: Vec<&str> = text.lines().collect();
    let mut start = 0;
    for end in 0..=lines.len() {
        if end == lines.len() || lines[end].trim_end() == "---" {
            let document = &lines[start..end];
            match kind(document) {
                Some("Secret") => found.hits.extend(values(document, start)),
                Some("SealedSecret") => {}
                _ => {
                    start = end + 1;
                    continue;
                }
            }
            found.documents.push(start + 1..=end);
            start = end + 1;
        }
    }
    found
}

/// The document's top-level `kind:`.
fn kind<'a>(document: &[&'a str]) -> Option<&'a str> {
    document.iter().find_map(|line| {
        line.strip_prefix("kind:")
            .map(|k| k.trim().trim_matches(|c| c == '"' || c == '\''))
    })
}

/// The real values of the document's `data:` and `stringData:` maps (their direct entries).
/// `first` is the index of the document's first line in the text.
fn values(document: &[&str], first: usize) -> Vec<Hit> {
    let mut hits = Vec::new();
    let mut encoded: Option<bool> = None;
    let mut indent: Option<usize> = None;
    for (index, line) in document.iter().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let depth = line.len() - trimmed.len();
        if depth == 0 {
            encoded = match trimmed.trim_end() {
                "data:" => Some(true),
                "stringData:" => Some(false),
                _ => None,
            };
            indent = None;
            continue;
        }
        let Some(base64) = encoded else { continue };
        if *indent.get_or_insert(depth) != depth {
            continue;
        }
        if let Some((key, value)) = trimmed.split_once(':')
            && is_real_entry(key.trim(), value.trim(), base64)
        {
            hits.push(Hit {
                line: first + index + 1,
                kind: KIND,
            });
        }
    }
    hits
}

fn is_real_entry(key: &str, value: &str, base64: bool) -> bool {
    let value = value.trim_matches(|c| c == '"' || c == '\'');
    if PLAIN_FIELDS.contains(&key.to_ascii_lowercase().as_str())
        || value.starts_with(['|', '>', '{', '['])
    {
        return false;
    }
    if base64 && let Some(bytes) = decode_base64(value) {
        return is_secret_value(String::from_utf8_lossy(&bytes).trim());
    }
    is_secret_value(value)
}
