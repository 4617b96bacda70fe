//! A blueprint's `CHANGELOG.md`: the entries between two versions, for `upgrade` to show what a
//! new version changes and for `status` to say how far behind a foundation is. Entries are
//! `## VERSION` headings (an optional title may follow the version) with bullet lines below.

use semver::Version;

/// One version's entry: its version, the first line of each bullet, and its whole text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) version: Version,
    pub(crate) points: Vec<String>,
    /// Every line below the heading, up to the next one, without blank lines at either end.
    pub(crate) text: String,
}

/// The entries newer than `from` and no newer than `to`, newest first.
pub(crate) fn between(text: &str, from: &Version, to: &Version) -> Vec<Entry> {
    let mut entries = Vec::new();
    let mut current: Option<Entry> = None;
    for line in text.lines() {
        if let Some(heading) = line.strip_prefix("## ") {
            entries.extend(current.take());
            let version = heading.split_whitespace().next().unwrap_or("");
            current = Version::parse(version.trim_start_matches('v'))
                .ok()
                .map(|version| Entry {
                    version,
                    points: Vec::new(),
                    text: String::new(),
                });
        } else if let Some(entry) = current.as_mut() {
            if let Some(point) = line.strip_prefix("- ") {
                entry.points.push(point.trim().to_owned());
            }
            entry.text.push_str(line.trim_end());
            entry.text.push('\n');
        }
    }
    entries.extend(current);
    for entry in &mut entries {
        entry.text = entry.text.trim_matches('\n').to_owned();
    }
    entries.retain(|e| &e.version > from && &e.version <= to);
    entries.sort_by(|a, b| b.version.cmp(&a.version));
    entries
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "# Changelog\n\n## 1.2.0 Stable headers\n\n- Headers name no version.\n- CRLF kept;\n  and more.\n\n## 1.1.0\n\n- Projects.\n\n## 1.0.0\n\n- First.\n";

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    #[test]
    fn the_entries_between_two_versions_newest_first() {
        let entries = between(TEXT, &v("1.0.0"), &v("1.2.0"));
        assert_eq!(
            entries,
            [
                Entry {
                    version: v("1.2.0"),
                    points: vec!["Headers name no version.".into(), "CRLF kept;".into()],
                    text: "- Headers name no version.\n- CRLF kept;\n  and more.".into(),
                },
                Entry {
                    version: v("1.1.0"),
                    points: vec!["Projects.".into()],
                    text: "- Projects.".into(),
                },
            ]
        );
        assert!(between(TEXT, &v("1.2.0"), &v("1.2.0")).is_empty());
        assert_eq!(between(TEXT, &v("1.1.0"), &v("9.0.0")).len(), 1);
        assert!(between("not a changelog", &v("0.0.0"), &v("9.0.0")).is_empty());
    }
}
