//! `scaffold blueprint`: tools for a team's fork of the blueprints (eject, new, lint).

use std::collections::BTreeMap;
use std::path::Path;

use crate::blueprint::catalog::{self, Blueprint, Catalog};
use crate::blueprint::render::{self, Extras};
use crate::blueprint::source;
use crate::cli::BlueprintCommand;
use crate::error::{Error, Result};
use crate::exit::ExitStatus;
use crate::questions;

pub(crate) fn run(command: &BlueprintCommand) -> Result<ExitStatus> {
    match command {
        BlueprintCommand::Eject { id, to } => eject(id, to),
        BlueprintCommand::New { id, to } => new(id, to),
        BlueprintCommand::Lint { dir } => lint(dir),
    }
}

fn refuse_existing(dir: &Path) -> Result<()> {
    if dir.exists() {
        return Err(Error::Exists {
            path: dir.to_owned(),
        });
    }
    Ok(())
}

fn eject(id: &str, to: &Path) -> Result<ExitStatus> {
    let catalog = Catalog::embedded()?;
    if catalog.get(id).is_none() {
        return Err(Error::UnknownFoundation {
            id: id.to_owned(),
            known: catalog.ids(),
        });
    }
    let dir = to.join(id);
    refuse_existing(&dir)?;
    let files = catalog::embedded_files(id);
    crate::fs::write_tree(
        &dir,
        files.iter().map(|(rel, bytes)| (rel.as_str(), &bytes[..])),
    )?;
    outln!(
        "copied blueprint `{id}` ({} files) to {}\nedit it, bump `version` in blueprint.toml and CHANGELOG.md, check it with `scaffold blueprint lint {}`,\nthen use it with `scaffold init --source {}` (or `upgrade --source`)",
        files.len(),
        dir.display(),
        to.display(),
        to.display()
    );
    Ok(ExitStatus::Success)
}

const SKELETON_MANIFEST: &str = r##"# A scaffold blueprint. Reference: the blueprint format in scaffold's blueprints/README.md.
id = "{{id}}"                    # must equal this folder's name
version = "0.1.0"                # semver: bump it (and CHANGELOG.md) whenever a template changes
summary = "One line: what this foundation lays"
why = "One line: why a team at this stage wants it"
recommended = ["series-a", "growth"]   # stages for which `scaffold init` preselects it
# extends = "ci"                 # inherit an embedded blueprint; list here only what you change

# Questions of this blueprint (the common ones: project_name, stage, ci, language, cloud, database).
[[questions]]
key = "owner"
prompt = "Who owns this foundation (a team or user handle)"
default = "@platform"
pattern = "^@[A-Za-z0-9][A-Za-z0-9._/-]*$"

# Files: `template` under templates/ (`.hbs` is rendered with Handlebars in strict mode), `path` in
# the repo (may use answers). Optional: when = { ci = "github" }, executable = true,
# owner = "once" (written once, then the team's), mode = "block" + comment = "#" (a marked block
# inside a file the team also edits), restore_deleted = true.
[[files]]
template = "README.md.hbs"
path = "docs/{{id}}/README.md"

[[files]]
template = "adr.md.hbs"
path = "docs/adr/{{adr_number}}-{{id}}.md"
owner = "once"

[[next_steps]]
text = "Read docs/{{id}}/README.md and fill in what it asks"
"##;

const SKELETON_README: &str = "<!-- {{header}} -->\n# {{project_name}}: {{blueprint.id}}\n\nOwner: {{owner}}. Stage: {{stage}}.\n";

const SKELETON_ADR: &str = "<!-- {{header}} -->\n# {{adr_number}}. {{blueprint.id}}\n\n- Status: accepted\n- Date: {{date}}\n\n## Context\n\n{{project_name}} is at the {{stage}} stage ({{language}} on {{ci}}, cloud {{cloud}}, database {{database}}).\n\n## Decision\n\n## Alternatives considered\n\n## Consequences\n\n## Revisit when\n\n";

fn new(id: &str, to: &Path) -> Result<ExitStatus> {
    let valid = !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-');
    if !valid {
        return Err(Error::BadValue {
            key: "id".to_owned(),
            value: id.to_owned(),
            origin: crate::error::Origin::Option { name: "ID" },
            expected: "lowercase letters, digits and `-`".to_owned(),
        });
    }
    let dir = to.join(id);
    refuse_existing(&dir)?;
    let manifest = SKELETON_MANIFEST.replace("{{id}}", id);
    let files = [
        ("blueprint.toml", manifest.as_str()),
        (
            "CHANGELOG.md",
            "# Changelog\n\n## 0.1.0\n\n- First version.\n",
        ),
        ("templates/README.md.hbs", SKELETON_README),
        ("templates/adr.md.hbs", SKELETON_ADR),
    ];
    crate::fs::write_tree(&dir, files.map(|(rel, text)| (rel, text.as_bytes())))?;
    outln!(
        "wrote a blueprint skeleton to {}; check it with `scaffold blueprint lint {}`",
        dir.display(),
        to.display()
    );
    Ok(ExitStatus::Success)
}

/// Every combination of the choices of these questions (free-text ones take their default or a
/// sample), over the common questions' choices.
fn combinations(blueprint: &Blueprint) -> Vec<BTreeMap<String, String>> {
    let mut combos = vec![BTreeMap::from([(
        "project_name".to_owned(),
        "lint-demo".to_owned(),
    )])];
    let common = questions::common();
    for q in common.iter().chain(&blueprint.manifest.questions) {
        if q.key == "project_name" {
            continue;
        }
        let values: Vec<String> = match (&q.choices, &q.default) {
            (Some(choices), _) => choices.clone(),
            (None, Some(default)) if !default.contains("{{") => vec![default.clone()],
            _ => vec!["lint-sample".to_owned()],
        };
        combos = combos
            .into_iter()
            .flat_map(|combo| {
                values.iter().map(move |v| {
                    let mut next = combo.clone();
                    if q.when.matches(&next) {
                        next.insert(q.key.clone(), v.clone());
                    }
                    next
                })
            })
            .collect();
        combos.dedup();
    }
    combos
}

fn lint(dir: &Path) -> Result<ExitStatus> {
    if !dir.is_dir() {
        return Err(Error::NotADirectory {
            path: dir.to_owned(),
        });
    }
    let cwd = std::env::current_dir().map_err(|source| Error::Read {
        path: ".".into(),
        source,
    })?;
    let fork = source::open(&dir.to_string_lossy(), None, &cwd)?;
    let mut problems: Vec<String> = Vec::new();
    // Each blueprint alone, so one broken manifest does not hide the others' problems.
    let folders = catalog::folders(fork.files.keys());
    if folders.is_empty() {
        problems.push(format!(
            "{}: no blueprint found (expected <id>/blueprint.toml)",
            dir.display()
        ));
    }
    let mut renders = 0;
    for folder in &folders {
        let mut alone = fork.clone();
        alone
            .files
            .retain(|p, _| p.starts_with(&format!("{folder}/")) || p == "shared.toml");
        let catalog = match Catalog::load(Some(&alone)) {
            Ok(c) => c,
            Err(e) => {
                problems.push(format!(
                    "{}: {e}",
                    dir.join(folder).join("blueprint.toml").display()
                ));
                continue;
            }
        };
        let Some(blueprint) = catalog.get(folder) else {
            continue;
        };
        let mut seen = Vec::new();
        for answers in combinations(blueprint) {
            // A blueprint is never laid with answers it does not fit (its `requires`).
            if !blueprint.manifest.fits(&answers) {
                continue;
            }
            renders += 1;
            let repo = crate::detect::template_context(
                &crate::detect::Detected::default(),
                answers.get("language").map(String::as_str),
            );
            let extras = Extras {
                adr_number: 1,
                date: "2026-01-01",
                shared: &catalog.shared,
                repo: &repo,
            };
            if let Err(e) = render::render(blueprint, &answers, &extras) {
                let message = format!("{}: {e}", dir.join(folder).display());
                if !seen.contains(&message) {
                    problems.push(format!(
                        "{message}\n    (with {})",
                        answers
                            .iter()
                            .map(|(k, v)| format!("{k}={v}"))
                            .collect::<Vec<_>>()
                            .join(" ")
                    ));
                    seen.push(message);
                }
            }
        }
    }
    if problems.is_empty() {
        outln!(
            "{} blueprint{} checked, {renders} renders: no problems",
            folders.len(),
            if folders.len() == 1 { "" } else { "s" }
        );
        Ok(ExitStatus::Success)
    } else {
        for p in &problems {
            outln!("{p}");
        }
        errln!(
            "{} problem{} found",
            problems.len(),
            if problems.len() == 1 { "" } else { "s" }
        );
        Ok(ExitStatus::Refused)
    }
}
