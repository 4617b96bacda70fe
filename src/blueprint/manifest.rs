//! The `blueprint.toml` format (serde only; checks that need more than one field live in `catalog`).

use std::collections::BTreeMap;

use serde::Deserialize;

/// A blueprint's manifest. Unknown fields are errors so a typo never goes unnoticed.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Manifest {
    /// The foundation id; must equal the folder name.
    pub(crate) id: String,
    /// Semver version, recorded in `.scaffold/state.toml` when applied.
    pub(crate) version: semver::Version,
    /// A fork's blueprint may extend an embedded one: it inherits every field, question, file and
    /// template it does not give itself.
    #[serde(default)]
    pub(crate) extends: Option<String>,
    /// One line shown by `scaffold list`.
    #[serde(default)]
    pub(crate) summary: String,
    /// One line saying why a team wants it, shown in the picker.
    #[serde(default)]
    pub(crate) why: String,
    /// Stages for which `init` preselects it.
    #[serde(default)]
    pub(crate) recommended: Option<Vec<String>>,
    /// Further answers the recommendation needs (e.g. a database for backups).
    #[serde(default)]
    pub(crate) recommend_when: Option<When>,
    /// Answers without which it cannot be laid at all (e.g. `ci` needs a language it builds).
    #[serde(default)]
    pub(crate) requires: Option<When>,
    /// Blueprints whose files this one extends (e.g. `iac` adds to `secrets-rbac`'s
    /// `infra/ci-identity`): lay them too. The catalog checks that each one exists.
    #[serde(default)]
    pub(crate) depends_on: Vec<String>,
    /// Questions of this blueprint, asked after the common ones.
    #[serde(default)]
    pub(crate) questions: Vec<Question>,
    /// The files it writes.
    #[serde(default)]
    pub(crate) files: Vec<FileSpec>,
    /// What a human must do after it is applied.
    #[serde(default)]
    pub(crate) next_steps: Vec<NextStep>,
}

/// One question: free text (with an optional pattern) or a choice.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Question {
    /// The answer's key, as used by `--set key=value` and in templates.
    pub(crate) key: String,
    /// The text of the prompt.
    pub(crate) prompt: String,
    /// How to answer it without a terminal; defaults to `key=<value>`.
    #[serde(default)]
    pub(crate) help: Option<String>,
    /// Taken by `--yes` and preselected in prompts; may use `{{answers}}`.
    #[serde(default)]
    pub(crate) default: Option<String>,
    /// The allowed answers, if it is a choice.
    #[serde(default)]
    pub(crate) choices: Option<Vec<String>>,
    /// A regex a free-text answer must match.
    #[serde(default)]
    pub(crate) pattern: Option<String>,
    /// What a valid answer looks like, in words, for the message when one does not match
    /// `pattern` (the regex itself is never shown).
    #[serde(default)]
    pub(crate) expected: Option<String>,
    /// Ask only when every listed answer matches.
    #[serde(default)]
    pub(crate) when: When,
}

/// One file of a blueprint.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FileSpec {
    /// Path under the blueprint's `templates/`; `.hbs` means rendered, anything else is copied.
    pub(crate) template: String,
    /// Target path in the repo, may be templated.
    pub(crate) path: String,
    /// Write it only when every listed answer matches.
    #[serde(default)]
    pub(crate) when: When,
    /// Make it executable.
    #[serde(default)]
    pub(crate) executable: bool,
    /// Whether it owns the whole file or a marked block in it.
    #[serde(default)]
    pub(crate) mode: Mode,
    /// Block mode: the comment prefix of the begin/end markers.
    #[serde(default)]
    pub(crate) comment: Option<String>,
    /// Block mode: the name in the markers when several foundations write one block together
    /// (each renders the same text), e.g. the `include:` of `.gitlab-ci.yml`; default the
    /// foundation id.
    #[serde(default)]
    pub(crate) block: Option<String>,
    /// Who owns the file after it is written.
    #[serde(default)]
    pub(crate) owner: Owner,
    /// Write the file again if the team deleted it (default: a deleted file stays deleted).
    #[serde(default)]
    pub(crate) restore_deleted: bool,
}

/// Who owns a written file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Owner {
    /// Kept in step with the blueprint: replaced or merged on upgrade.
    #[default]
    Managed,
    /// Written once, then the team's own: never touched again (e.g. a runbook to fill in).
    Once,
}

/// How much of a file a blueprint owns.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Mode {
    /// The whole file.
    #[default]
    File,
    /// A block between markers, in a file the team also edits.
    Block,
}

/// A step a human must take after applying.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NextStep {
    /// A stable name for `scaffold done ID` (default: the foundation and the text's first words).
    #[serde(default)]
    pub(crate) id: Option<String>,
    /// The text, may be templated.
    pub(crate) text: String,
    /// Show it only when every listed answer matches.
    #[serde(default)]
    pub(crate) when: When,
    /// Done when the repo shows it (a file there, a placeholder gone, a text in it); without
    /// one, the step waits for `scaffold done ID`.
    #[serde(default)]
    pub(crate) done_when: Option<crate::steps::DoneWhen>,
}

/// A condition on answers: every key must equal the value, or be one of the list.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(transparent)]
pub(crate) struct When(pub(crate) BTreeMap<String, OneOrMany>);

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl Manifest {
    /// Stages for which it is recommended.
    pub(crate) fn recommended(&self) -> &[String] {
        self.recommended.as_deref().unwrap_or_default()
    }

    /// Whether it is recommended for these answers.
    /// Whether the answers give it what it needs (its `requires`).
    pub(crate) fn fits(&self, answers: &BTreeMap<String, String>) -> bool {
        self.requires
            .as_ref()
            .is_none_or(|when| when.matches(answers))
    }

    pub(crate) fn recommends(&self, answers: &BTreeMap<String, String>) -> bool {
        self.fits(answers)
            && answers
                .get("stage")
                .is_some_and(|stage| self.recommended().contains(stage))
            && self
                .recommend_when
                .as_ref()
                .is_none_or(|when| when.matches(answers))
    }

    /// Fills what a fork's manifest leaves out from the blueprint it extends. Its own questions
    /// (by key), files (by target path) and next steps come after, and win.
    pub(crate) fn inherit(mut self, base: &Manifest) -> Manifest {
        if self.summary.is_empty() {
            self.summary.clone_from(&base.summary);
        }
        if self.why.is_empty() {
            self.why.clone_from(&base.why);
        }
        if self.recommended.is_none() {
            self.recommended.clone_from(&base.recommended);
        }
        if self.recommend_when.is_none() {
            self.recommend_when.clone_from(&base.recommend_when);
        }
        if self.requires.is_none() {
            self.requires.clone_from(&base.requires);
        }
        let mut questions: Vec<Question> = base
            .questions
            .iter()
            .filter(|q| !self.questions.iter().any(|own| own.key == q.key))
            .cloned()
            .collect();
        questions.append(&mut self.questions);
        self.questions = questions;
        let mut files: Vec<FileSpec> = base
            .files
            .iter()
            .filter(|f| !self.files.iter().any(|own| own.path == f.path))
            .cloned()
            .collect();
        files.append(&mut self.files);
        self.files = files;
        let mut steps = base.next_steps.clone();
        steps.append(&mut self.next_steps);
        self.next_steps = steps;
        self
    }
}

impl Manifest {
    /// The id of each next step: its own, else `<foundation>-` and the first four words of its
    /// (unrendered) text, so it stays the same from run to run and release to release as long as
    /// the step's opening words do; a repeat gets `-2`, `-3`.
    pub(crate) fn step_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = Vec::new();
        for step in &self.next_steps {
            let base = step.id.clone().unwrap_or_else(|| {
                let words: Vec<String> = step
                    .text
                    .split(|c: char| !c.is_ascii_alphanumeric())
                    .filter(|w| !w.is_empty())
                    .take(4)
                    .map(str::to_ascii_lowercase)
                    .collect();
                format!("{}-{}", self.id, words.join("-"))
            });
            let mut id = base.clone();
            let mut n = 1;
            while ids.contains(&id) {
                n += 1;
                id = format!("{base}-{n}");
            }
            ids.push(id);
        }
        ids
    }
}

impl OneOrMany {
    pub(crate) fn values(&self) -> &[String] {
        match self {
            OneOrMany::One(v) => std::slice::from_ref(v),
            OneOrMany::Many(vs) => vs,
        }
    }
}

impl When {
    /// True when the answers satisfy every key; an unanswered key never matches.
    pub(crate) fn matches(&self, answers: &BTreeMap<String, String>) -> bool {
        self.0.iter().all(|(key, allowed)| {
            answers
                .get(key)
                .is_some_and(|answer| allowed.values().iter().any(|v| v == answer))
        })
    }

    pub(crate) fn keys(&self) -> impl Iterator<Item = &String> {
        self.0.keys()
    }

    /// The first key the answers do not satisfy, with the values it allows.
    pub(crate) fn unmet<'a>(
        &'a self,
        answers: &BTreeMap<String, String>,
    ) -> Option<(&'a str, &'a [String])> {
        self.0
            .iter()
            .find(|(key, allowed)| {
                !answers
                    .get(*key)
                    .is_some_and(|answer| allowed.values().iter().any(|v| v == answer))
            })
            .map(|(key, allowed)| (key.as_str(), allowed.values()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answers(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn when_matches_one_value_or_any_of_a_list() {
        let when: When =
            toml::from_str("ci = \"github\"\nstage = [\"seed\", \"series-a\"]").unwrap();
        assert!(when.matches(&answers(&[("ci", "github"), ("stage", "seed")])));
        assert!(!when.matches(&answers(&[("ci", "gitlab"), ("stage", "seed")])));
        assert!(!when.matches(&answers(&[("ci", "github"), ("stage", "growth")])));
        assert!(!when.matches(&answers(&[("ci", "github")])));
        assert!(When::default().matches(&answers(&[])));
    }

    #[test]
    fn unknown_manifest_fields_are_errors() {
        let err = toml::from_str::<Manifest>(
            "id = \"x\"\nversion = \"1.0.0\"\nsummary = \"s\"\nwhy = \"w\"\nrecomended = []\n",
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("unknown field `recomended`"),
            "{err}"
        );
    }
}
