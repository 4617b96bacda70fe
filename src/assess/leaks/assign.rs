//! Secrets without a shape of their own, found by where they sit: a secret-named key assigned a
//! value in dotenv, shell, properties, YAML, Terraform, Python, TOML, INI and JSON files; the
//! `password` of a `.netrc`; the `"auth"` of a Docker `config.json`; Kubernetes `Secret`s.
//! Only for files that are not examples, templates or tests (the caller decides).

use std::ops::RangeInclusive;
use std::sync::LazyLock;

use regex::Regex;

use super::values::{decode_base64, is_secret_key, is_secret_value, looks_random};
use super::{Hit, kube, patterns};
use crate::assess::scan;

/// A secret-looking `KEY=value` in a dotenv file.
pub(super) const ENV_SECRET: &str = "env-secret";
/// A secret-named key assigned a random-looking literal in a config file, script or module.
pub(super) const CONFIG_SECRET: &str = "config-secret";
pub(super) const NETRC_PASSWORD: &str = "netrc-password";
pub(super) const DOCKER_AUTH: &str = "docker-registry-auth";

/// How a file assigns values.
#[derive(Clone, Copy)]
struct Syntax {
    kind: &'static str,
    /// Only a quoted value is a literal (in Terraform, Python, TOML and JSON anything else is an
    /// expression).
    quoted_only: bool,
    /// The value must look random, not merely long enough.
    strict: bool,
}

impl Syntax {
    fn of(name: &str) -> Option<Syntax> {
        let lower = name.to_ascii_lowercase();
        let ext = lower.rsplit_once('.').map_or("", |(_, e)| e);
        let (kind, quoted_only, strict) = if is_dotenv(&lower) {
            (ENV_SECRET, false, false)
        } else {
            match ext {
                "sh" | "bash" | "zsh" | "properties" | "yml" | "yaml" | "ini" | "cfg" | "conf" => {
                    (CONFIG_SECRET, false, true)
                }
                "tf" | "tfvars" | "hcl" | "py" | "toml" | "json" => (CONFIG_SECRET, true, true),
                _ => return None,
            }
        };
        Some(Syntax {
            kind,
            quoted_only,
            strict,
        })
    }
}

/// `.env`, `.env.production`, `prod.env`, `.envrc`.
pub(super) fn is_dotenv(name: &str) -> bool {
    name == ".env" || name == ".envrc" || name.starts_with(".env.") || scan::has_ext(name, &["env"])
}

struct Compiled {
    /// A line worth parsing: it mentions a secret-sounding word (a quick, DFA-only test).
    secretish: Regex,
    assignment: Regex,
    netrc: Regex,
    docker_auth: Regex,
}

static COMPILED: LazyLock<Compiled> = LazyLock::new(|| Compiled {
    secretish: Regex::new(r"(?i)secret|pass|pwd|token|key|credential")
        .expect("secret-word regex compiles"),
    assignment: Regex::new(
        r#"^\s*(?:export\s+|-\s+)?["']?([A-Za-z_][A-Za-z0-9_.-]*)["']?\s*[:=]\s*(.*?)\s*,?\s*$"#,
    )
    .expect("assignment regex compiles"),
    netrc: Regex::new(r"(?-u:\b)password\s+(\S+)").expect("netrc regex compiles"),
    docker_auth: Regex::new(r#""auth"\s*:\s*"([^"]*)""#).expect("docker auth regex compiles"),
});

/// Every leak these rules find in the text of the file `path`, by line (from `starts`).
pub(super) fn hits(path: &str, text: &str, starts: &[usize]) -> Vec<Hit> {
    let name = scan::name(path);
    let mut found = Vec::new();
    if matches!(name, ".netrc" | "_netrc") {
        found.extend(captured(
            &COMPILED.netrc,
            text,
            starts,
            NETRC_PASSWORD,
            is_secret_value,
        ));
    }
    if name == "config.json" && text.contains("\"auths\"") {
        found.extend(captured(
            &COMPILED.docker_auth,
            text,
            starts,
            DOCKER_AUTH,
            is_real_docker_auth,
        ));
    }
    let secrets = if scan::has_ext(name, &["yml", "yaml"]) && text.contains("Secret") {
        kube::secrets(text)
    } else {
        kube::Secrets::default()
    };
    found.extend(secrets.hits);
    if let Some(syntax) = Syntax::of(name) {
        found.extend(assignments(text, syntax, &secrets.documents));
    }
    found
}

/// Lines where `regex`'s first group holds a value `real` accepts.
fn captured(
    regex: &Regex,
    text: &str,
    starts: &[usize],
    kind: &'static str,
    real: impl Fn(&str) -> bool,
) -> Vec<Hit> {
    regex
        .captures_iter(text)
        .filter_map(|caps| caps.get(1))
        .filter(|value| real(value.as_str()))
        .map(|value| Hit {
            line: starts.partition_point(|s| *s <= value.start()),
            kind,
        })
        .collect()
}

/// An `"auth"` that decodes to `user:password` with a real password.
fn is_real_docker_auth(value: &str) -> bool {
    let Some(bytes) = decode_base64(value) else {
        return is_secret_value(value);
    };
    let decoded = String::from_utf8_lossy(&bytes);
    let password = decoded.split_once(':').map_or(&*decoded, |(_, p)| p);
    is_secret_value(password)
}

/// Secret-named keys assigned a real value, one per line, outside the `skip` line ranges.
fn assignments(text: &str, syntax: Syntax, skip: &[RangeInclusive<usize>]) -> Vec<Hit> {
    let mut found = Vec::new();
    if !COMPILED.secretish.is_match(text) {
        return found;
    }
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        if !COMPILED.secretish.is_match(line) || skip.iter().any(|r| r.contains(&number)) {
            continue;
        }
        let Some(caps) = COMPILED.assignment.captures(line) else {
            continue;
        };
        let Some(value) = unquote(&caps[2], syntax.quoted_only) else {
            continue;
        };
        // A value with an issuer's shape is the patterns' to judge (a documentation JWT is not
        // a leak because its key says `KEY`).
        if is_secret_key(&caps[1])
            && is_secret_value(value)
            && (!syntax.strict || looks_random(value))
            && !patterns::has_shape(value)
        {
            found.push(Hit {
                line: number,
                kind: syntax.kind,
            });
        }
    }
    found
}

/// The literal a raw value holds: the inside of its quotes, or (unless only quoted values are
/// literals) the text before a ` #` comment.
fn unquote(raw: &str, quoted_only: bool) -> Option<&str> {
    let raw = raw.trim();
    for quote in ['"', '\''] {
        if let Some(rest) = raw.strip_prefix(quote) {
            return rest.find(quote).map(|end| &rest[..end]);
        }
    }
    if quoted_only {
        return None;
    }
    Some(raw.split(" #").next().unwrap_or(raw).trim())
}
