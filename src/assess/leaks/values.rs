//! What one value or key name looks like: a placeholder, a reference to a secret kept elsewhere,
//! a local development default, or random enough to be a real secret. Pure functions of one
//! string that judge whole-value shapes and whole words, never a substring of a random token.

use std::sync::LazyLock;

use regex::Regex;

/// Words that, as a whole word of a value, mark it as not real.
const MARKERS: [&str; 17] = [
    "example",
    "examples",
    "placeholder",
    "changeme",
    "changethis",
    "replaceme",
    "dummy",
    "fake",
    "sample",
    "redacted",
    "todo",
    "fixme",
    "tbd",
    "test",
    "xxx",
    "notreal",
    "undefined",
];

/// Words a made-up value is built from: `changethis`, `your-api-key-here`, `supersecret`. Two
/// letters or more, so a random token does not fall apart into them.
const VOCABULARY: [&str; 75] = [
    "your",
    "my",
    "our",
    "the",
    "an",
    "api",
    "app",
    "key",
    "keys",
    "secret",
    "secrets",
    "token",
    "tokens",
    "password",
    "passwords",
    "passwd",
    "pass",
    "pwd",
    "word",
    "here",
    "goes",
    "this",
    "that",
    "me",
    "it",
    "change",
    "replace",
    "insert",
    "put",
    "set",
    "enter",
    "fill",
    "in",
    "value",
    "example",
    "sample",
    "dummy",
    "fake",
    "test",
    "testing",
    "placeholder",
    "redacted",
    "todo",
    "foo",
    "bar",
    "baz",
    "qux",
    "admin",
    "user",
    "username",
    "db",
    "database",
    "access",
    "private",
    "client",
    "id",
    "auth",
    "jwt",
    "session",
    "signing",
    "super",
    "very",
    "not",
    "real",
    "default",
    "demo",
    "local",
    "dev",
    "some",
    "random",
    "long",
    "string",
    "with",
    "own",
    "to",
];

/// Passwords of local development databases (compose defaults) and famous fakes.
const WEAK: [&str; 13] = [
    "password", "postgres", "mysql", "root", "secret", "pass", "admin", "dev", "test", "local",
    "guest", "app", "hunter2",
];

/// Key-name words that say the value is a secret.
const SECRET_NOUNS: [&str; 16] = [
    "secret",
    "password",
    "passwd",
    "pwd",
    "pass",
    "passphrase",
    "token",
    "credential",
    "credentials",
    "apikey",
    "secretkey",
    "privatekey",
    "accesskey",
    "authtoken",
    "accesstoken",
    "clientsecret",
];

/// Trailing key-name words that qualify a secret without changing what it is: `JWT_SECRET_PROD`,
/// `SECRET_KEY_BASE`.
const QUALIFIERS: [&str; 16] = [
    "prod",
    "production",
    "dev",
    "development",
    "staging",
    "stage",
    "stg",
    "live",
    "local",
    "old",
    "new",
    "current",
    "previous",
    "next",
    "base",
    "b64",
];

/// Words before `key` that make it something other than a secret: `PUBLIC_KEY`, `CACHE_KEY`.
const NOT_SECRET_KEYS: [&str; 14] = [
    "public",
    "publishable",
    "pub",
    "primary",
    "foreign",
    "cache",
    "sort",
    "partition",
    "hash",
    "range",
    "idempotency",
    "object",
    "s3",
    "unique",
];

/// Values that name a secret kept elsewhere, or are filled in at run time.
static REFERENCE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"^\$[A-Za-z_][A-Za-z0-9_]*$",
        r"|\$\{[^}]*\}",
        r"|\$\(\s*[A-Za-z][\w.-]*(?:\s[^)]*)?\)",
        r"|\{\{.*\}\}",
        r"|#\{[^}]*\}",
        r"|%\([A-Za-z_]\w*\)s",
        r"|<%.*%>",
        r"|^(?i:vault:|ref\+|op://|sm://|arn:aws|ssm:|enc\(|enc\[|@microsoft\.keyvault\()",
        r"|^projects/[^/]+/secrets/",
    ))
    .expect("reference regex compiles")
});

/// Values that are obviously not real: markers to replace, documentation keys, redactions.
pub(super) fn is_placeholder(value: &str) -> bool {
    let value = value.trim();
    value.is_empty()
        || is_wrapped(value)
        || ["...", "…", "***"].iter().any(|m| value.contains(m))
        || value.find('<').is_some_and(|at| value[at..].contains('>'))
        || has_filler(value)
        || few_distinct(value)
        || has_marker_word(value)
        || is_made_of_words(value)
}

/// `<password>`, `[PASSWORD]`, `{token}`, `(secret)`.
fn is_wrapped(value: &str) -> bool {
    let (Some(first), Some(last)) = (value.chars().next(), value.chars().last()) else {
        return false;
    };
    matches!(
        (first, last),
        ('<', '>') | ('[', ']') | ('{', '}') | ('(', ')')
    )
}

/// `xxxx` or a run of zeros: what people type over the real value.
fn has_filler(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    lower.contains("xxxx") || lower.contains("00000000")
}

fn few_distinct(value: &str) -> bool {
    let mut distinct: Vec<char> = value.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    distinct.len() < 5
}

/// A whole word (between non-alphanumerics) that marks a value, `your-…` / `…-here`, or the
/// `…EXAMPLE` / `…EXAMPLEKEY` ending of AWS's documentation keys.
fn has_marker_word(value: &str) -> bool {
    let words: Vec<String> = value
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    words.first().is_some_and(|w| w == "your")
        || (words.len() > 1 && words.last().is_some_and(|w| w == "here"))
        || words.iter().any(|w| {
            MARKERS.contains(&w.as_str()) || w.ends_with("example") || w.ends_with("examplekey")
        })
}

/// Letters and separators only, and nothing but words of the vocabulary once the separators are
/// gone: `changethis`, `your_secret_here`, `secret`, `password`.
fn is_made_of_words(value: &str) -> bool {
    const SEPARATORS: [char; 4] = ['-', '_', '.', ' '];
    if value.len() > 48
        || !value
            .chars()
            .all(|c| c.is_ascii_alphabetic() || SEPARATORS.contains(&c))
    {
        return false;
    }
    let letters: String = value
        .chars()
        .filter(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let mut ends = vec![false; letters.len() + 1];
    ends[0] = true;
    for end in 1..=letters.len() {
        ends[end] = VOCABULARY.iter().any(|word| {
            end >= word.len() && ends[end - word.len()] && &letters[end - word.len()..end] == *word
        });
    }
    !letters.is_empty() && ends[letters.len()]
}

/// A reference to a secret kept elsewhere: `${VAR}`, `$(cat …)`, `${{ secrets.X }}`, `vault:…`,
/// an AWS ARN, a GCP secret name, a 1Password `op://` path, a SOPS `ENC[…]` value.
pub(super) fn is_reference(value: &str) -> bool {
    REFERENCE.is_match(value.trim())
}

/// A file path or a plain URL: where a secret is, not the secret (`DB_PASSWORD_FILE`).
pub(super) fn is_location(value: &str) -> bool {
    const EXTS: [&str; 9] = [
        "pem", "key", "json", "p12", "pfx", "crt", "txt", "der", "jks",
    ];
    ["/", "./", "../", "~/", "file:"]
        .iter()
        .any(|p| value.starts_with(p))
        || (["http://", "https://"].iter().any(|p| value.starts_with(p)) && !value.contains('@'))
        || crate::assess::scan::has_ext(value, &EXTS)
}

/// Passwords of local development databases (compose defaults) and famous fakes, not credentials.
pub(super) fn is_weak_dev_password(value: &str) -> bool {
    WEAK.contains(&value.to_ascii_lowercase().as_str())
}

/// `localhost`, loopback addresses and compose service names (a single label, no dot).
pub(super) fn is_local_host(host: &str) -> bool {
    host == "localhost" || host.starts_with("127.") || host == "0.0.0.0" || !host.contains('.')
}

/// A value worth reporting when a key names a secret: not a placeholder, reference, location or
/// development default, and at least 8 characters.
pub(super) fn is_secret_value(value: &str) -> bool {
    value.len() >= 8
        && !is_placeholder(value)
        && !is_reference(value)
        && !is_location(value)
        && !is_weak_dev_password(value)
}

/// Random enough for a generated secret: 12+ characters without spaces, two or more character
/// classes and eight or more distinct characters. Config files hold many non-secret values under
/// secret-sounding keys; this keeps the generic rule for those files to real-looking values.
pub(super) fn looks_random(value: &str) -> bool {
    let classes = [
        value.chars().any(|c| c.is_ascii_lowercase()),
        value.chars().any(|c| c.is_ascii_uppercase()),
        value.chars().any(|c| c.is_ascii_digit()),
        value.chars().any(|c| !c.is_ascii_alphanumeric()),
    ];
    let mut distinct: Vec<char> = value.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    value.len() >= 12
        && !value.chars().any(char::is_whitespace)
        && classes.iter().filter(|c| **c).count() >= 2
        && distinct.len() >= 8
}

/// Whether a key names a secret itself (`DB_PASSWORD`, `jwt.secret`, `clientSecret`,
/// `STRIPE_KEY`), not a setting about one (`TOKEN_URL`, `PASSWORD_MIN_LENGTH`,
/// `DB_PASSWORD_FILE`, `SECRET_MANAGER_REGION`) or a public key.
pub(super) fn is_secret_key(key: &str) -> bool {
    let words = key_words(key);
    let mut named: &[String] = &words;
    while let [rest @ .., last] = named
        && (QUALIFIERS.contains(&last.as_str()) || last.bytes().all(|b| b.is_ascii_digit()))
    {
        named = rest;
    }
    if words
        .iter()
        .any(|w| matches!(w.as_str(), "public" | "publishable"))
    {
        return false;
    }
    match named {
        [.., last] if SECRET_NOUNS.contains(&last.as_str()) => true,
        [.., before, last] if last == "key" => !NOT_SECRET_KEYS.contains(&before.as_str()),
        _ => false,
    }
}

/// Lowercase words of a key: split at non-alphanumerics and at camelCase humps.
fn key_words(key: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut previous_lower = false;
    for c in key.chars() {
        let boundary = !c.is_ascii_alphanumeric() || (c.is_ascii_uppercase() && previous_lower);
        if boundary && !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        if c.is_ascii_alphanumeric() {
            word.push(c.to_ascii_lowercase());
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// Standard or URL-safe base64, padded or not; `None` if it is not base64.
pub(super) fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for byte in text.trim_end_matches('=').bytes() {
        let sextet = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(sextet);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((buffer >> bits) & 0xff).ok()?);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_whole_value_shapes_not_substrings_of_random_tokens() {
        for placeholder in [
            "changethis",
            "changeme",
            "[PASSWORD]",
            "[password]",
            "<password>",
            "xxxxxxxxxxxx",
            "your-api-key-here",
            "example",
            "dummy",
            "secret",
            "password",
            "super_secret_password",
            "AKIAIOSFODNN7EXAMPLE",
            "sk_live_...",
        ] {
            assert!(is_placeholder(placeholder), "{placeholder}");
        }
        for random in [
            "Q7wErT9todoyUiOpA3sD",
            "fakeQ7wErT9yUiOpA3sDf",
            "s3cr3t-Pa55word",
            "correct-horse-battery-staple",
        ] {
            assert!(!is_placeholder(random), "{random}");
        }
    }

    #[test]
    fn references_name_where_a_secret_is_kept() {
        for reference in [
            "vault:secret/data/x#y",
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db",
            "projects/x/secrets/y/versions/latest",
            "${{ secrets.X }}",
            "${VAR}",
            "$VAR",
            "$(cat /run/secrets/db)",
            "op://vault/item/password",
            "ENC[AES256_GCM,data:abc]",
        ] {
            assert!(is_reference(reference), "{reference}");
        }
        assert!(!is_reference("a$b(c)d#e"));
    }

    #[test]
    fn a_key_names_a_secret_only_when_its_last_word_does() {
        for key in [
            "DB_PASSWORD",
            "jwt.secret",
            "clientSecret",
            "STRIPE_KEY",
            "SECRET_KEY_BASE",
            "API_TOKEN_2",
            "APIKEY",
        ] {
            assert!(is_secret_key(key), "{key}");
        }
        for key in [
            "TOKEN_URL",
            "SECRET_MANAGER_REGION",
            "PASSWORD_MIN_LENGTH",
            "DB_PASSWORD_FILE",
            "public_key",
            "CACHE_KEY",
            "key",
            "AWS_ACCESS_KEY_ID",
        ] {
            assert!(!is_secret_key(key), "{key}");
        }
    }

    #[test]
    fn base64_decodes_both_alphabets() {
        assert_eq!(decode_base64("dXNlcjpwYXNz").unwrap(), b"user:pass");
        assert_eq!(decode_base64("Y2hhbmdlbWU=").unwrap(), b"changeme");
        assert_eq!(decode_base64("a-_b").unwrap().len(), 3);
        assert_eq!(decode_base64("not base64!"), None);
    }
}
