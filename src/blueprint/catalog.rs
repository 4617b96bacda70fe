//! The blueprints available to this run: parsed and checked eagerly, so a broken manifest is reported
//! with its blueprint id before anything else happens.

use std::borrow::Cow;
use std::collections::BTreeMap;

use include_dir::{Dir, include_dir};

use crate::blueprint::manifest::{Manifest, Mode, Question};
use crate::blueprint::source::Fork;
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
    /// Its `CHANGELOG.md`, if it has one (shown by `upgrade`).
    pub(crate) changelog: Option<String>,
}

/// Every blueprint of this run, in id order, and the values they share.
#[derive(Debug)]
pub(crate) struct Catalog {
    blueprints: Vec<Blueprint>,
    /// `shared.toml`, visible to templates as `shared`.
    pub(crate) shared: serde_json::Value,
}

/// Files by `/`-separated path: the embedded tree, or a fork's.
type Tree = BTreeMap<String, Cow<'static, [u8]>>;

fn embedded_tree() -> Tree {
    fn walk(dir: &'static Dir<'static>, out: &mut Tree) {
        for file in dir.files() {
            out.insert(slash_path(file.path()), Cow::Borrowed(file.contents()));
        }
        for sub in dir.dirs() {
            walk(sub, out);
        }
    }
    let mut tree = Tree::new();
    walk(&EMBEDDED, &mut tree);
    tree
}

fn slash_path(path: &std::path::Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Every embedded file of a blueprint, by path relative to its folder (for `blueprint eject`).
pub(crate) fn embedded_files(id: &str) -> Vec<(String, Cow<'static, [u8]>)> {
    let prefix = format!("{id}/");
    embedded_tree()
        .into_iter()
        .filter_map(|(p, b)| p.strip_prefix(&prefix).map(|rel| (rel.to_owned(), b)))
        .collect()
}

/// The blueprint folders of a tree: those holding a `blueprint.toml`.
pub(crate) fn folders<'a>(paths: impl Iterator<Item = &'a String>) -> Vec<String> {
    paths
        .filter_map(|p| p.strip_suffix("/blueprint.toml"))
        .filter(|f| !f.contains('/'))
        .map(str::to_owned)
        .collect()
}

fn templates_of(tree: &Tree, folder: &str) -> BTreeMap<String, Cow<'static, [u8]>> {
    let prefix = format!("{folder}/templates/");
    tree.iter()
        .filter_map(|(p, b)| {
            p.strip_prefix(&prefix)
                .map(|rel| (rel.to_owned(), b.clone()))
        })
        .collect()
}

impl Catalog {
    /// The blueprints embedded in this binary.
    pub(crate) fn embedded() -> Result<Catalog> {
        Self::load(None)
    }

    /// The embedded blueprints with a fork laid over them: a fork's blueprint replaces the
    /// embedded one of the same id (or extends it), new ids are added.
    pub(crate) fn load(fork: Option<&Fork>) -> Result<Catalog> {
        let tree = embedded_tree();
        let mut shared = match tree.get("shared.toml") {
            Some(bytes) => parse_shared(bytes)?,
            None => serde_json::Value::Object(serde_json::Map::new()),
        };
        let mut blueprints = Vec::new();
        for folder in folders(tree.keys()) {
            let manifest = parse_manifest(&folder, &tree[&format!("{folder}/blueprint.toml")])?;
            blueprints.push(check(
                Blueprint {
                    manifest,
                    source: EMBEDDED_SOURCE.to_owned(),
                    templates: templates_of(&tree, &folder),
                    changelog: changelog_of(&tree, &folder),
                },
                &folder,
            )?);
        }
        if let Some(fork) = fork {
            let tree: Tree = fork
                .files
                .iter()
                .map(|(p, b)| (p.clone(), Cow::Owned(b.clone())))
                .collect();
            if let Some(bytes) = tree.get("shared.toml") {
                merge_json(&mut shared, parse_shared(bytes)?);
            }
            let label = fork.record.label();
            let found = folders(tree.keys());
            if found.is_empty() {
                return Err(Error::Manifest {
                    blueprint: label,
                    file: "blueprint.toml".to_owned(),
                    message: "the source holds no blueprint (no `<id>/blueprint.toml`)".to_owned(),
                });
            }
            for folder in found {
                let mut manifest =
                    parse_manifest(&folder, &tree[&format!("{folder}/blueprint.toml")])?;
                let mut templates = templates_of(&tree, &folder);
                if let Some(base_id) = manifest.extends.clone() {
                    let base = blueprints
                        .iter()
                        .find(|b| b.manifest.id == base_id && b.source == EMBEDDED_SOURCE)
                        .ok_or_else(|| Error::Manifest {
                            blueprint: folder.clone(),
                            file: "blueprint.toml".to_owned(),
                            message: format!(
                                "`extends = \"{base_id}\"`: no embedded blueprint has that id"
                            ),
                        })?;
                    manifest = manifest.inherit(&base.manifest);
                    for (path, bytes) in &base.templates {
                        templates
                            .entry(path.clone())
                            .or_insert_with(|| bytes.clone());
                    }
                }
                let blueprint = check(
                    Blueprint {
                        manifest,
                        source: label.clone(),
                        templates,
                        changelog: changelog_of(&tree, &folder),
                    },
                    &folder,
                )?;
                blueprints.retain(|b| b.manifest.id != blueprint.manifest.id);
                blueprints.push(blueprint);
            }
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

    /// The longest id's length, to line up tables of foundations.
    pub(crate) fn id_width(&self) -> usize {
        self.blueprints
            .iter()
            .map(|b| b.manifest.id.len())
            .max()
            .unwrap_or(0)
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

/// A blueprint's `CHANGELOG.md`, when it is UTF-8 text.
fn changelog_of(tree: &Tree, folder: &str) -> Option<String> {
    let bytes = tree.get(&format!("{folder}/CHANGELOG.md"))?;
    String::from_utf8(bytes.to_vec()).ok()
}

/// Deep-merges `over` into `base` (objects key by key; anything else replaced).
fn merge_json(base: &mut serde_json::Value, over: serde_json::Value) {
    match (base, over) {
        (serde_json::Value::Object(b), serde_json::Value::Object(o)) => {
            for (k, v) in o {
                merge_json(b.entry(k).or_insert(serde_json::Value::Null), v);
            }
        }
        (b, o) => *b = o,
    }
}

fn parse_shared(bytes: &[u8]) -> Result<serde_json::Value> {
    let text = std::str::from_utf8(bytes).map_err(|e| shared_error(&e.to_string()))?;
    let table: toml::Table =
        toml::from_str(text).map_err(|e| shared_error(&crate::error::toml_detail(&e)))?;
    serde_json::to_value(table).map_err(|e| shared_error(&e.to_string()))
}

fn shared_error(message: &str) -> Error {
    Error::Manifest {
        blueprint: "(shared)".to_owned(),
        file: "shared.toml".to_owned(),
        message: message.to_owned(),
    }
}

/// Parses a manifest, naming the blueprint and the line in errors.
pub(crate) fn parse_manifest(folder: &str, bytes: &[u8]) -> Result<Manifest> {
    let fail = |message: String| Error::Manifest {
        blueprint: folder.to_owned(),
        file: "blueprint.toml".to_owned(),
        message,
    };
    let text = std::str::from_utf8(bytes).map_err(|e| fail(e.to_string()))?;
    toml::from_str(text).map_err(|e| {
        let line = e.span().map_or(1, |s| {
            text[..s.start.min(text.len())].matches('\n').count() + 1
        });
        fail(format!("line {line}: {}", crate::error::toml_detail(&e)))
    })
}

/// Checks a blueprint whose manifest is complete (after `extends`).
pub(crate) fn check(blueprint: Blueprint, folder: &str) -> Result<Blueprint> {
    let manifest = &blueprint.manifest;
    let templates = &blueprint.templates;
    let fail = |message: String| Error::Manifest {
        blueprint: folder.to_owned(),
        file: "blueprint.toml".to_owned(),
        message,
    };
    let id_ok = !manifest.id.is_empty()
        && !manifest.id.starts_with('-')
        && manifest
            .id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !id_ok {
        return Err(fail(format!(
            "id `{}` must be lowercase letters, digits and `-`",
            manifest.id
        )));
    }
    if manifest.id != folder {
        return Err(fail(format!(
            "id `{}` must equal the folder name `{folder}`",
            manifest.id
        )));
    }
    if manifest.summary.is_empty() || manifest.why.is_empty() {
        return Err(fail(
            "`summary` and `why` are required (one line each)".to_owned(),
        ));
    }
    for stage in manifest.recommended() {
        if !STAGES.contains(&stage.as_str()) {
            return Err(fail(format!(
                "unknown stage `{stage}` in `recommended` (allowed: {})",
                STAGES.join(", ")
            )));
        }
    }
    for q in &manifest.questions {
        check_question(q, blueprint.source != EMBEDDED_SOURCE).map_err(fail)?;
    }
    let own_keys: Vec<&str> = manifest.questions.iter().map(|q| q.key.as_str()).collect();
    let known = |key: &str| COMMON_KEYS.contains(&key) || own_keys.contains(&key);
    let whens = manifest
        .questions
        .iter()
        .map(|q| &q.when)
        .chain(manifest.recommend_when.iter())
        .chain(manifest.requires.iter())
        .chain(manifest.files.iter().map(|f| &f.when))
        .chain(manifest.next_steps.iter().map(|s| &s.when));
    for when in whens {
        if let Some(key) = when.keys().find(|k| !known(k)) {
            return Err(fail(format!("`when` uses unknown key `{key}`")));
        }
    }
    for step in &manifest.next_steps {
        if let Some(problem) = step
            .done_when
            .as_ref()
            .and_then(crate::steps::DoneWhen::problem)
        {
            return Err(fail(format!("next step `{}`: {problem}", step.text)));
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
        if let Some(block) = &file.block {
            let named = !block.is_empty()
                && block
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if file.mode != Mode::Block || !named {
                return Err(fail(format!(
                    "file `{}`: `block` names a shared block ([a-z0-9-]) and needs mode = \"block\"",
                    file.path
                )));
            }
        }
    }
    Ok(blueprint)
}

/// One question of a manifest: its key, its pattern (compiled too, for a fork, whose pattern may
/// be too large for the regex engine) and its choices; what is wrong, if anything.
fn check_question(q: &Question, from_fork: bool) -> std::result::Result<(), String> {
    let key_ok = q.key.starts_with(|c: char| c.is_ascii_lowercase())
        && q.key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !key_ok || COMMON_KEYS.contains(&q.key.as_str()) {
        return Err(format!(
            "question key `{}` must be [a-z][a-z0-9_]* and not a common key",
            q.key
        ));
    }
    if let Some(pattern) = &q.pattern {
        // Parsing checks the syntax; compiling (many times the work) waits for an answer, except
        // in a fork: a pattern too large to compile is its author's to fix, not an answer's fault.
        regex_syntax::parse(pattern)
            .map_err(|e| format!("question `{}`: bad pattern: {e}", q.key))?;
        if from_fork {
            regex::Regex::new(pattern).map_err(|e| {
                format!(
                    "question `{}`: pattern cannot be compiled: {}",
                    q.key,
                    e.to_string().replace('\n', " ")
                )
            })?;
        }
    }
    match (&q.choices, &q.default) {
        (Some(choices), _) if choices.is_empty() => Err(format!(
            "question `{}`: `choices` is empty, so it could never be answered",
            q.key
        )),
        (Some(choices), Some(default)) if !choices.contains(default) => Err(format!(
            "question `{}`: default `{default}` is not one of its choices",
            q.key
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_one(manifest: &[u8]) -> Result<Blueprint> {
        load_from(manifest, "test")
    }

    fn load_from(manifest: &[u8], source: &str) -> Result<Blueprint> {
        let manifest = parse_manifest("x", manifest)?;
        check(
            Blueprint {
                manifest,
                source: source.to_owned(),
                templates: BTreeMap::new(),
                changelog: None,
            },
            "x",
        )
    }

    #[test]
    fn a_forks_pattern_too_large_to_compile_is_the_forks_error() {
        let manifest = b"id = \"x\"\nversion = \"1.0.0\"\nsummary = \"s\"\nwhy = \"w\"\n\
            [[questions]]\nkey = \"region\"\nprompt = \"p\"\npattern = \"^(a{1000}){1000}$\"\n";
        let err = load_from(manifest, "/srv/fork").unwrap_err();
        assert!(
            err.to_string().starts_with(
                "blueprint `x`: invalid `blueprint.toml`: question `region`: pattern cannot be compiled:"
            ),
            "{err}"
        );
        assert_eq!(err.exit_status(), crate::exit::ExitStatus::Failure);
    }

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
            [
                "backup-restore",
                "ci",
                "cost-guardrails",
                "iac",
                "observability",
                "production-access",
                "secrets-rbac",
                "staging-parity"
            ]
        );
    }

    #[test]
    fn every_dependency_is_an_embedded_blueprint() {
        let catalog = Catalog::embedded().unwrap();
        let ids = catalog.ids();
        let iac = catalog.get("iac").unwrap();
        assert_eq!(iac.manifest.depends_on, ["secrets-rbac"]);
        for b in catalog.blueprints() {
            for dep in &b.manifest.depends_on {
                assert!(
                    ids.contains(dep),
                    "{}: unknown dependency {dep}",
                    b.manifest.id
                );
            }
        }
    }

    #[test]
    fn a_manifest_naming_a_missing_template_is_an_error() {
        let manifest = b"id = \"x\"\nversion = \"1.0.0\"\nsummary = \"s\"\nwhy = \"w\"\n\
            [[files]]\ntemplate = \"a.hbs\"\npath = \"a\"\n";
        let err = load_one(manifest).unwrap_err();
        assert_eq!(
            err.to_string(),
            "blueprint `x`: invalid `blueprint.toml`: file template `templates/a.hbs` does not exist"
        );
    }

    #[test]
    fn a_when_on_an_unknown_key_is_an_error() {
        let manifest = b"id = \"x\"\nversion = \"1.0.0\"\nsummary = \"s\"\nwhy = \"w\"\n\
            [[next_steps]]\ntext = \"t\"\nwhen = { colour = \"red\" }\n";
        let err = load_one(manifest).unwrap_err();
        assert!(err.to_string().contains("unknown key `colour`"), "{err}");
    }

    #[test]
    fn a_bad_question_key_or_pattern_is_an_error() {
        let question = |q: &str| {
            let manifest = format!(
                "id = \"x\"\nversion = \"1.0.0\"\nsummary = \"s\"\nwhy = \"w\"\n[[questions]]\n{q}\n"
            );
            load_one(manifest.as_bytes()).map(|_| ())
        };
        assert_eq!(
            question("key = \"region\"\nprompt = \"p\"\npattern = \"^[a-z]+-[0-9]$\"").ok(),
            Some(())
        );
        let err = question("key = \"region\"\nprompt = \"p\"\npattern = \"^(a\"").unwrap_err();
        assert!(
            err.to_string().contains("question `region`: bad pattern"),
            "{err}"
        );
        let err = question("key = \"size\"\nprompt = \"p\"\nchoices = []").unwrap_err();
        assert_eq!(
            err.to_string(),
            "blueprint `x`: invalid `blueprint.toml`: question `size`: `choices` is empty, so it could never be answered"
        );
        for key in ["Region", "9lives", "a-b", "", "stage"] {
            let err = question(&format!("key = \"{key}\"\nprompt = \"p\"")).unwrap_err();
            assert!(
                err.to_string().contains("must be [a-z][a-z0-9_]*"),
                "{key}: {err}"
            );
        }
    }
}
