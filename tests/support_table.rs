//! Every tool version the blueprints write (`blueprints/shared.toml [versions]`) is within its
//! upstream support, as recorded in `blueprints/support.toml` on its `as_of` date. Dates are compared
//! with `as_of`, never with the clock, so the answer is the same on any day.

use std::path::Path;

use toml::Value;

fn read(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("blueprints")
        .join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A TOML date as `YYYY-MM-DD`, which sorts as the date does.
fn date(entry: &Value, key: &str) -> Option<String> {
    match entry.get(key)? {
        Value::Datetime(d) if d.date.is_some() && d.time.is_none() => Some(d.to_string()),
        _ => None,
    }
}

/// What is wrong with the table for these versions: one line per problem, naming tool and values.
fn problems(versions: &Value, table: &Value) -> Vec<String> {
    let Some(as_of) = date(table, "as_of") else {
        return vec!["support.toml: `as_of` is missing or not a date (YYYY-MM-DD)".to_owned()];
    };
    let mut out = Vec::new();
    let versions = versions.as_table().cloned().unwrap_or_default();
    for (tool, version) in &versions {
        let version = version.as_str().unwrap_or_default();
        let Some(entry) = table.get(tool).filter(|e| e.is_table()) else {
            out.push(format!("{tool} {version}: missing from support.toml"));
            continue;
        };
        out.extend(entry_problems(tool, version, entry, &as_of));
    }
    for (tool, entry) in table.as_table().into_iter().flatten() {
        if entry.is_table() && !versions.contains_key(tool) {
            out.push(format!(
                "{tool}: in support.toml but not in shared.toml [versions]"
            ));
        }
    }
    out
}

fn entry_problems(tool: &str, version: &str, entry: &Value, as_of: &str) -> Vec<String> {
    let mut out = Vec::new();
    let recorded = entry.get("version").and_then(Value::as_str);
    if recorded != Some(version) {
        out.push(format!(
            "{tool} {version}: support.toml records version {recorded:?}: check the new version's support"
        ));
    }
    if !entry
        .get("source")
        .and_then(Value::as_str)
        .is_some_and(|s| s.starts_with("https://"))
    {
        out.push(format!("{tool} {version}: no https `source` for the dates"));
    }
    match date(entry, "released") {
        Some(released) if released.as_str() <= as_of => {}
        other => out.push(format!(
            "{tool} {version}: `released` {other:?} is missing or after as_of {as_of}"
        )),
    }
    let until = entry.get("until").and_then(Value::as_str);
    match (date(entry, "eol"), until) {
        (Some(eol), None) if eol.as_str() < as_of => out.push(format!(
            "{tool} {version}: end of life {eol} is before as_of {as_of}: bump it in shared.toml"
        )),
        (Some(_), None) => {}
        (None, Some(rule)) if !rule.trim().is_empty() => {}
        _ => out.push(format!(
            "{tool} {version}: give either `eol` (a date) or `until` (the rule that ends support)"
        )),
    }
    out
}

#[test]
fn every_shared_version_is_within_its_published_support() {
    let shared = read("shared.toml");
    let versions = shared
        .get("versions")
        .expect("shared.toml has a [versions] table");
    let problems = problems(versions, &read("support.toml"));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_check_catches_a_missing_tool_an_expired_version_and_a_stale_entry() {
    let table: Value = toml::from_str(
        r#"
        as_of = 2026-11-29
        [go]
        version = "1.24"
        released = 2025-02-11
        eol = 2026-02-10
        source = "https://go.dev/doc/devel/release"
        [node]
        version = "20"
        released = 2023-04-18
        eol = 2026-04-30
        source = "https://github.com/nodejs/Release"
        [python]
        version = "3.13"
        released = 2024-10-07
        source = "https://peps.python.org/pep-0719/"
        "#,
    )
    .unwrap();
    let versions: Value =
        toml::from_str("go = \"1.24\"\nnode = \"22\"\npython = \"3.13\"\nrust = \"stable\"\n")
            .unwrap();
    assert_eq!(
        problems(&versions, &table),
        [
            "go 1.24: end of life 2026-02-10 is before as_of 2026-11-29: bump it in shared.toml",
            "node 22: support.toml records version Some(\"20\"): check the new version's support",
            "node 22: end of life 2026-04-30 is before as_of 2026-11-29: bump it in shared.toml",
            "python 3.13: give either `eol` (a date) or `until` (the rule that ends support)",
            "rust stable: missing from support.toml",
        ]
    );
    let stale: Value = toml::from_str("as_of = 2026-11-29\n[mysql]\nversion = \"8.4\"\n").unwrap();
    assert_eq!(
        problems(&toml::from_str::<Value>("").unwrap(), &stale),
        ["mysql: in support.toml but not in shared.toml [versions]"]
    );
}
