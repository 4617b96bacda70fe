//! `scaffold blueprint`: tools for a team's fork of the blueprints (eject, new, lint).

use std::collections::BTreeMap;
use std::path::Path;

use crate::blueprint::catalog::{self, Blueprint, Catalog};
use crate::blueprint::manifest::When;
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
        BlueprintCommand::Lint {
            dir,
            max_combinations,
        } => lint(dir, *max_combinations as usize),
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

/// One question as lint varies it: its key, the values it takes, and when it is asked.
struct Axis {
    key: String,
    values: Vec<String>,
    when: When,
}

/// The questions a blueprint is linted over: the common ones, then its own. A choice takes each of
/// its choices, free text its default (or a sample).
fn axes(blueprint: &Blueprint) -> Vec<Axis> {
    let common = questions::common();
    common
        .iter()
        .chain(&blueprint.manifest.questions)
        .filter(|q| q.key != "project_name")
        .map(|q| Axis {
            key: q.key.clone(),
            values: match (&q.choices, &q.default) {
                (Some(choices), _) if !choices.is_empty() => choices.clone(),
                (None, Some(default)) if !default.contains("{{") => vec![default.clone()],
                _ => vec!["lint-sample".to_owned()],
            },
            when: q.when.clone(),
        })
        .collect()
}

/// The answers an index per axis stands for (an axis whose `when` does not match is left out),
/// and which axes were asked.
fn answers_at(axes: &[Axis], indices: &[usize]) -> (BTreeMap<String, String>, Vec<bool>) {
    let mut answers = BTreeMap::from([("project_name".to_owned(), "lint-demo".to_owned())]);
    let mut asked = Vec::with_capacity(axes.len());
    for (axis, &i) in axes.iter().zip(indices) {
        let ask = axis.when.matches(&answers);
        if ask {
            answers.insert(axis.key.clone(), axis.values[i].clone());
        }
        asked.push(ask);
    }
    (answers, asked)
}

/// How many combinations there are at most (every axis asked), saturating.
fn upper_bound(axes: &[Axis]) -> u128 {
    axes.iter()
        .fold(1_u128, |n, a| n.saturating_mul(a.values.len() as u128))
}

/// Every combination of answers, one at a time (an odometer over the axes that are asked), so
/// lint never holds them all.
fn every_combination(axes: &[Axis]) -> impl Iterator<Item = BTreeMap<String, String>> + '_ {
    let mut indices = Some(vec![0; axes.len()]);
    std::iter::from_fn(move || {
        let current = indices.take()?;
        let (answers, asked) = answers_at(axes, &current);
        // The last asked axis that can move moves; the ones after it start again.
        indices = (0..axes.len())
            .rev()
            .find(|&i| asked[i] && current[i] + 1 < axes[i].values.len())
            .map(|i| {
                let mut next = current.clone();
                next[i] += 1;
                next[i + 1..].fill(0);
                next
            });
        Some(answers)
    })
}

/// `count` combinations spread over all of them, the same on every run: the first ones take every
/// value of every axis in turn, the rest are drawn by a fixed hash of their number.
fn sampled_combinations(
    axes: &[Axis],
    count: usize,
) -> impl Iterator<Item = BTreeMap<String, String>> + '_ {
    let widest = axes.iter().map(|a| a.values.len()).max().unwrap_or(1);
    let mut seen = std::collections::HashSet::new();
    (0..count).filter_map(move |k| {
        let indices: Vec<usize> = (0..axes.len())
            .map(|i| {
                let pick = if k < widest { k } else { mix(k, i) };
                pick % axes[i].values.len()
            })
            .collect();
        let (answers, _) = answers_at(axes, &indices);
        seen.insert(answers.clone()).then_some(answers)
    })
}

/// A fixed 64-bit mix of two numbers (splitmix64), for sampling without a random source.
fn mix(k: usize, i: usize) -> usize {
    let mut z = (k as u64)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(i as u64 + 1);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    // Truncation is fine: only the low bits pick a value.
    #[allow(clippy::cast_possible_truncation)]
    let picked = (z ^ (z >> 31)) as usize;
    picked
}

/// What linting a fork found.
#[derive(Default)]
struct Findings {
    problems: Vec<String>,
    notes: Vec<String>,
    renders: usize,
}

fn lint(dir: &Path, max_combinations: usize) -> Result<ExitStatus> {
    if !dir.is_dir() {
        return Err(Error::NotADirectory {
            path: dir.to_owned(),
        });
    }
    let cwd = std::env::current_dir().map_err(|source| Error::Read {
        path: ".".into(),
        source,
    })?;
    let git = crate::config::git_options()?;
    let sources = source::Reader {
        cwd: &cwd,
        repo: None,
        git: &git,
    };
    let fork = sources.open(&dir.to_string_lossy(), None)?;
    let mut findings = Findings::default();
    // Each blueprint alone, so one broken manifest does not hide the others' problems.
    let folders = catalog::folders(fork.files.keys());
    if folders.is_empty() {
        findings.problems.push(format!(
            "{}: no blueprint found (expected <id>/blueprint.toml)",
            dir.display()
        ));
    }
    for folder in &folders {
        let mut alone = fork.clone();
        alone
            .files
            .retain(|p, _| p.starts_with(&format!("{folder}/")) || p == "shared.toml");
        match Catalog::load(Some(&alone)) {
            Ok(catalog) => {
                if let Some(blueprint) = catalog.get(folder) {
                    let place = dir.join(folder);
                    lint_blueprint(&catalog, blueprint, &place, max_combinations, &mut findings);
                }
            }
            Err(e) => findings.problems.push(format!(
                "{}: {e}",
                dir.join(folder).join("blueprint.toml").display()
            )),
        }
    }
    Ok(report(&findings, folders.len()))
}

/// Renders one blueprint for its combinations of answers (a sample past `max_combinations`).
fn lint_blueprint(
    catalog: &Catalog,
    blueprint: &Blueprint,
    place: &Path,
    max_combinations: usize,
    findings: &mut Findings,
) {
    let axes = axes(blueprint);
    let total = upper_bound(&axes);
    let combinations: Box<dyn Iterator<Item = BTreeMap<String, String>>> = if total
        <= max_combinations as u128
    {
        Box::new(every_combination(&axes))
    } else {
        findings.notes.push(format!(
                "{}: up to {total} answer combinations, more than {max_combinations}: rendered a sample of {max_combinations} (raise it with --max-combinations N)",
                place.display()
            ));
        Box::new(sampled_combinations(&axes, max_combinations))
    };
    let mut seen = Vec::new();
    // A blueprint is never laid with answers it does not fit (its `requires`).
    let mut fitting = combinations.filter(|answers| blueprint.manifest.fits(answers));
    // Rendered in chunks spread over the cores, then judged in order: the same findings as one at
    // a time.
    loop {
        let chunk: Vec<BTreeMap<String, String>> = fitting.by_ref().take(LINT_CHUNK).collect();
        if chunk.is_empty() {
            break;
        }
        let results = crate::parallel::map(&chunk, crate::parallel::cores(), |answers| {
            render_for_lint(catalog, blueprint, answers)
        });
        for (answers, result) in chunk.iter().zip(results) {
            findings.renders += 1;
            let Err(e) = result else {
                continue;
            };
            let message = format!("{}: {e}", place.display());
            if !seen.contains(&message) {
                findings.problems.push(format!(
                    "{message}\n    (with {})",
                    answers
                        .iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect::<Vec<_>>()
                        .join(" ")
                ));
                seen.push(message);
            }
            // A template past a limit is past it for most answers: once is enough, and fast.
            let limit = matches!(
                e,
                Error::TemplateTooDeep { .. }
                    | Error::PartialRecursion { .. }
                    | Error::TemplateTooLarge { .. }
            );
            if limit {
                return;
            }
        }
    }
}

/// How many combinations lint renders at once (spread over the cores) before judging them.
const LINT_CHUNK: usize = 64;

/// One render of a blueprint as lint does it: no repo, a fixed ADR number and date.
fn render_for_lint(
    catalog: &Catalog,
    blueprint: &Blueprint,
    answers: &BTreeMap<String, String>,
) -> Result<render::Rendered> {
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
    render::render(blueprint, answers, &extras)
}

fn report(findings: &Findings, blueprints: usize) -> ExitStatus {
    for note in &findings.notes {
        outln!("note: {note}");
    }
    if findings.problems.is_empty() {
        outln!(
            "{blueprints} blueprint{} checked, {} renders: no problems",
            if blueprints == 1 { "" } else { "s" },
            findings.renders
        );
        ExitStatus::Success
    } else {
        for p in &findings.problems {
            outln!("{p}");
        }
        errln!(
            "{} problem{} found",
            findings.problems.len(),
            if findings.problems.len() == 1 {
                ""
            } else {
                "s"
            }
        );
        ExitStatus::Refused
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lint's combinations as they were first written: every one held at once.
    fn all_at_once(axes: &[Axis]) -> Vec<BTreeMap<String, String>> {
        let mut combos = vec![BTreeMap::from([(
            "project_name".to_owned(),
            "lint-demo".to_owned(),
        )])];
        for axis in axes {
            combos = combos
                .into_iter()
                .flat_map(|combo| {
                    axis.values.iter().map(move |v| {
                        let mut next = combo.clone();
                        if axis.when.matches(&next) {
                            next.insert(axis.key.clone(), v.clone());
                        }
                        next
                    })
                })
                .collect();
            combos.dedup();
        }
        combos
    }

    #[test]
    fn streamed_combinations_are_the_ones_collected_at_once() {
        let catalog = Catalog::embedded().unwrap();
        for blueprint in catalog.blueprints() {
            let axes = axes(blueprint);
            let streamed: Vec<_> = every_combination(&axes).collect();
            assert_eq!(streamed, all_at_once(&axes), "{}", blueprint.manifest.id);
            assert!(streamed.len() as u128 <= upper_bound(&axes));
        }
    }

    #[test]
    fn a_sample_takes_every_value_and_is_the_same_on_every_run() {
        let axes: Vec<Axis> = (0..8)
            .map(|q| Axis {
                key: format!("q{q}"),
                values: (0..10).map(|c| format!("c{c}")).collect(),
                when: When::default(),
            })
            .collect();
        assert_eq!(upper_bound(&axes), 100_000_000);
        let sample: Vec<_> = sampled_combinations(&axes, 100).collect();
        assert_eq!(sample.len(), 100, "no repeats in so few");
        assert_eq!(sample, sampled_combinations(&axes, 100).collect::<Vec<_>>());
        for axis in &axes {
            for value in &axis.values {
                assert!(
                    sample.iter().any(|a| a.get(&axis.key) == Some(value)),
                    "{} = {value}",
                    axis.key
                );
            }
        }
    }
}
