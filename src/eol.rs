//! The line ending the repo wants for a file scaffold writes new: what the root `.gitattributes`
//! says with `eol=crlf` / `eol=lf` (Git's own rule: the last matching line that sets it wins; a
//! file `-text` or `binary` gets no conversion, so LF), else LF. A file that already exists keeps
//! its own line ending; that is decided in `plan.rs`. Nested `.gitattributes` files and macros
//! other than `binary` are not read.

use crate::fs::{CONFIG_CAP, RepoFs};

/// The path of the attributes file, relative to the repo root.
pub(crate) const GITATTRIBUTES: &str = ".gitattributes";

/// The `eol` rules of a `.gitattributes`, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Attributes {
    rules: Vec<Rule>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Rule {
    pattern: String,
    /// CRLF; else LF (or not text: no conversion).
    crlf: bool,
}

impl Attributes {
    /// The root `.gitattributes` of the repo, read through `fs` (none, or unreadable: no rules).
    pub(crate) fn read(fs: &RepoFs) -> Attributes {
        match fs.read(GITATTRIBUTES, CONFIG_CAP) {
            Ok(Some(bytes)) => Attributes::parse(&String::from_utf8_lossy(&bytes)),
            _ => Attributes::default(),
        }
    }

    /// The rules of a `.gitattributes` text that say something about line endings.
    pub(crate) fn parse(text: &str) -> Attributes {
        let rules = text
            .lines()
            .filter_map(|line| {
                let line = line.trim();
                if line.is_empty() || line.starts_with('#') {
                    return None;
                }
                let mut words = line.split_whitespace();
                let pattern = words.next()?;
                let mut crlf = None;
                for attr in words {
                    match attr {
                        "eol=crlf" => crlf = Some(true),
                        "eol=lf" | "-text" | "binary" | "text=false" => crlf = Some(false),
                        _ => {}
                    }
                }
                crlf.map(|crlf| Rule {
                    pattern: pattern.to_owned(),
                    crlf,
                })
            })
            .collect();
        Attributes { rules }
    }

    /// Whether a new file at `path` (`/`-separated, from the root) is written with CRLF.
    pub(crate) fn crlf(&self, path: &str) -> bool {
        self.rules
            .iter()
            .rev()
            .find(|rule| matches(&rule.pattern, path))
            .is_some_and(|rule| rule.crlf)
    }
}

/// Whether a `.gitattributes` pattern matches `path`: a pattern without a `/` (but a trailing one)
/// matches the file name at any depth; one with a `/` matches the whole path from the root (a
/// leading `/` is dropped); `*` and `?` stop at `/`, `**` crosses it, `dir/**` is everything below.
fn matches(pattern: &str, path: &str) -> bool {
    let anchored = pattern.trim_end_matches('/').contains('/');
    if anchored {
        glob(pattern.trim_start_matches('/').as_bytes(), path.as_bytes())
    } else {
        let name = path.rsplit('/').next().unwrap_or(path);
        glob(pattern.as_bytes(), name.as_bytes())
    }
}

/// A glob match: `**` any bytes, `*` any bytes but `/`, `?` one byte but `/`, `[...]` left literal.
fn glob(pattern: &[u8], text: &[u8]) -> bool {
    match pattern {
        [] => text.is_empty(),
        [b'*', b'*', rest @ ..] => {
            // `**/` also matches no folder at all.
            let rest_after_slash = rest.strip_prefix(b"/").unwrap_or(rest);
            (0..=text.len()).any(|i| glob(rest, &text[i..]))
                || (rest.first() == Some(&b'/') && glob(rest_after_slash, text))
        }
        [b'*', rest @ ..] => (0..=text.len())
            .take_while(|&i| i == 0 || text[i - 1] != b'/')
            .any(|i| glob(rest, &text[i..])),
        [b'?', rest @ ..] => {
            matches!(text.first(), Some(c) if *c != b'/') && glob(rest, &text[1..])
        }
        [c, rest @ ..] => text.first() == Some(c) && glob(rest, &text[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_common_pattern_forms_match_as_git_matches_them() {
        assert!(matches("*", ".github/workflows/ci.yml"));
        assert!(matches("*.yml", ".github/workflows/ci.yml"));
        assert!(!matches("*.yml", "docs/ci.yaml"));
        assert!(matches("*.sh", "ops/backup/backup.sh"));
        assert!(matches("ops/**", "ops/backup/backup.sh"));
        assert!(!matches("ops/**", "docs/ops/x.sh"));
        assert!(matches("/docs/*.md", "docs/a.md"));
        assert!(!matches("/docs/*.md", "docs/adr/a.md"));
        assert!(matches("docs/**/*.md", "docs/adr/0001-x.md"));
        assert!(matches("docs/**/*.md", "docs/a.md"));
        assert!(matches("**/*.md", "a.md"));
        assert!(matches("Makefile", "sub/Makefile"));
        assert!(matches("ci.y?l", "ci.yml"));
        assert!(
            !matches("docs", "docs/a.md"),
            "a folder name is not its files"
        );
    }

    #[test]
    fn the_last_matching_line_that_sets_the_line_ending_wins() {
        let attrs = Attributes::parse(
            "# Windows team\n* text=auto eol=crlf\n*.sh text eol=lf\n*.png binary\n\
             docs/** text\n",
        );
        assert!(attrs.crlf(".github/workflows/ci.yml"));
        assert!(
            attrs.crlf("docs/adr/0001-ci.md"),
            "`text` alone sets no eol"
        );
        assert!(!attrs.crlf("ops/deploy/deploy.sh"));
        assert!(!attrs.crlf("logo.png"));
        assert!(!Attributes::parse("*.md text\n").crlf("a.md"));
        assert!(!Attributes::default().crlf("a.md"));
        assert!(Attributes::parse("*.md text eol=crlf\n").crlf("docs/a.md"));
        assert!(!Attributes::parse("*.md text eol=crlf\n").crlf("docs/a.yml"));
    }
}
