//! The blueprints available to this run: parsed and checked eagerly, so a broken manifest is reported
//! with its blueprint id before anything else happens.

use std::borrow::Cow;
use std::collections::BTreeMap;

use include_dir::{Dir, include_dir};
use regex::Regex;

use crate::blueprint::manifest::{Manifest, Mode};
use crate::error::{Error, Result};
use crate::questions::{COMMON_KEYS, STAGES};

static EMBEDDED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/blueprints");

/// Where blueprints come from, as recorded in the state.
pub(crate) const EMBEDDED_SOURCE: &str = "embedded";

/// A blueprint: its manifest and its template files.
#[derive(Debug)]
pub(crate) struct Blueprint {
    pub(crate) manifest: Manifest,
    /// `embedded`, or where a fork came from.
    pub(crate) source: String,
    /// Files under `templates/`, by path relative to it (with `/` separators).
    pub(crate) templates: BTreeMap<String, Cow<'static, [u8]>>,
}

/// Every blueprint of this run, in id order, and the values they share.
#[derive(Debug)]
pub(crate) struct Catalog {
    blueprints: Vec<Blueprint>,
    /// `shared.toml`, visible to templates as `shared`.
    pub(crate) shared: serde_json::Value,
}

impl Catalog {
    /// The blueprints embedded in this binary.
    pub(crate) fn embedded() -> Result<Catalog> {
        let shared = match EMBEDDED.get_file("shared.toml") {
            Some(file) => parse_shared(file.contents())?,
            None => serde_json::Value::Object(serde_json::Map::new()),
        };
        let mut blueprints = Vec::new();
        for dir in EMBEDDED.dirs() {
            let id = dir.path().to_string_lossy().into_owned();
            // A folder without a manifest is not a blueprint (a test keeps the embedded set whole).
            let Some(manifest_file) = dir.get_file(dir.path().join("blueprint.toml")) else {
                continue;
            };
            let mut templates = BTreeMap::new();
            collect(dir, &dir.path().join("templates"), &mut templates);
            blueprints.push(load(
                &id,
                manifest_file.contents(),
                templates,
                EMBEDDED_SOURCE,
            )?);
        }
        blueprints.sort_by(|a, b| a.manifest.id.cmp(&b.manifest.id));
        Ok(Catalog { blueprints, shared })
    }

    pub(crate) fn blueprints(&self) -> &[Blueprint] {
        &self.blueprints
    }

    pub(crate) fn get(&self, id: &str) -> Option<&Blueprint> {
        self.blueprints.iter().find(|b| b.manifest.id == id)
    }

    pub(crate) fn ids(&self) -> Vec<String> {
        self.blueprints
            .iter()
            .map(|b| b.manifest.id.clone())
            .collect()
    }

    /// Checks ids given by the user, in the order given, without duplicates.
    pub(crate) fn select(&self, ids: &[String]) -> Result<Vec<&Blueprint>> {
        let mut selected: Vec<&Blueprint> = Vec::new();
        for id in ids {
            let blueprint = self.get(id).ok_or_else(|| Error::UnknownFoundation {
                id: id.clone(),
                known: self.ids(),
            })?;
            if !selected.iter().any(|b| b.manifest.id == *id) {
                selected.push(blueprint);
            }
        }
        Ok(selected)
    }
}

fn collect(
    dir: &Dir<'static>,
    root: &std::path::Path,
    out: &mut BTreeMap<String, Cow<'static, [u8]>>,
) {
    for file in dir.files() {
        if let Ok(rel) = file.path().strip_prefix(root) {
            let key = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            out.insert(key, Cow::Borrowed(file.contents()));
        }
    }
    for sub in dir.dirs() {
        collect(sub, root, out);
    }
}

fn parse_shared(bytes: &[u8]) -> Result<serde_json::Value> {
    let text = std::str::from_utf8(bytes).map_err(|e| shared_error(&e.to_string()))?;
    let table: toml::Table = toml::from_str(text).map_err(|e| shared_error(&e.to_string()))?;
    serde_json::to_value(table).map_err(|e| shared_error(&e.to_string()))
}

fn shared_error(message: &str) -> Error {
    Error::Manifest {
        blueprint: "(shared)".to_owned(),
        file: "shared.toml".to_owned(),
        message: message.to_owned(),
    }
}

/// Parses and checks one blueprint.
pub(crate) fn load(
    folder: &str,
    manifest: &[u8],
    templates: BTreeMap<String, Cow<'static, [u8]>>,
    source: &str,
) -> Result<Blueprint> {
    let fail = |message: String| Error::Manifest {
        blueprint: folder.to_owned(),
        file: "blueprint.toml".to_owned(),
        message,
    };
    let text = std::str::from_utf8(manifest).map_err(|e| fail(e.to_string()))?;
    let manifest: Manifest = toml::from_str(text).map_err(|e| fail(e.to_string()))?;
    if manifest.id != folder {
        return Err(fail(format!(
            "id `{}` must equal the folder name `{folder}`",
            manifest.id
        )));
    }
    for stage in &manifest.recommended {
        if !STAGES.contains(&stage.as_str()) {
            return Err(fail(format!(
                "unknown stage `{stage}` in `recommended` (allowed: {})",
                STAGES.join(", ")
            )));
        }
    }
    let key_re = Regex::new("^[a-z][a-z0-9_]*$").expect("static regex");
    let mut own_keys = Vec::new();
    for q in &manifest.questions {
        if !key_re.is_match(&q.key) || COMMON_KEYS.contains(&q.key.as_str()) {
            return Err(fail(format!(
                "question key `{}` must be [a-z][a-z0-9_]* and not a common key",
                q.key
            )));
        }
        if let Some(pattern) = &q.pattern {
            Regex::new(pattern)
                .map_err(|e| fail(format!("question `{}`: bad pattern: {e}", q.key)))?;
        }
        if let (Some(choices), Some(default)) = (&q.choices, &q.default)
            && !choices.contains(default)
        {
            return Err(fail(format!(
                "question `{}`: default `{default}` is not one of its choices",
                q.key
            )));
        }
        own_keys.push(q.key.as_str());
    }
    let known = |key: &str| COMMON_KEYS.contains(&key) || own_keys.contains(&key);
    let whens = manifest
        .questions
        .iter()
        .map(|q| &q.when)
        .chain(std::iter::once(&manifest.recommend_when))
        .chain(manifest.files.iter().map(|f| &f.when))
        .chain(manifest.next_steps.iter().map(|s| &s.when));
    for when in whens {
        if let Some(key) = when.keys().find(|k| !known(k)) {
            return Err(fail(format!("`when` uses unknown key `{key}`")));
        }
    }
    for file in &manifest.files {
        if !templates.contains_key(&file.template) {
            return Err(fail(format!(
                "file template `templates/{}` does not exist",
                file.template
            )));
        }
        if file.mode == Mode::Block && file.comment.is_none() {
            return Err(fail(format!(
                "file `{}` is in block mode and needs `comment`",
                file.path
            )));
        }
    }
    Ok(Blueprint {
        manifest,
        source: source.to_owned(),
        templates,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_catalog_loads() {
        let catalog = Catalog::embedded().unwrap();
        assert!(!catalog.blueprints().is_empty());
        for b in catalog.blueprints() {
            assert_eq!(b.source, EMBEDDED_SOURCE);
        }
    }

    #[test]
    fn every_embedded_folder_is_a_blueprint() {
        let catalog = Catalog::embedded().unwrap();
        let folders: Vec<String> = EMBEDDED
            .dirs()
            .map(|d| d.path().to_string_lossy().into_owned())
            .collect();
        assert_eq!(catalog.ids(), folders);
        assert_eq!(
            catalog.ids(),
            ["backup-restore", "ci", "secrets-rbac", "staging-parity"]
        );
    }

    #[test]
    fn a_manifest_naming_a_missing_template_is_an_error() {
        let manifest = b"id = \"x\"\nversion = \"1.0.0\"\nsummary = \"s\"\nwhy = \"w\"\n\
            [[files]]\ntemplate = \"a.hbs\"\npath = \"a\"\n";
        let err = load("x", manifest, BTreeMap::new(), "test").unwrap_err();
        assert_eq!(
            err.to_string(),
            "blueprint `x`: invalid `blueprint.toml`: file template `templates/a.hbs` does not exist"
        );
    }

    #[test]
    fn a_when_on_an_unknown_key_is_an_error() {
        let manifest = b"id = \"x\"\nversion = \"1.0.0\"\nsummary = \"s\"\nwhy = \"w\"\n\
            [[next_steps]]\ntext = \"t\"\nwhen = { colour = \"red\" }\n";
        let err = load("x", manifest, BTreeMap::new(), "test").unwrap_err();
        assert!(err.to_string().contains("unknown key `colour`"), "{err}");
    }
}
