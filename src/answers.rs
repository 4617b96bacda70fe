//! Where answers come from, in one fixed order: `--set` (and `--stage`) > `--answers FILE` >
//! recorded answers > the default with `--yes` > a prompt on a terminal > missing (an error that
//! lists every missing key at once).

use std::collections::BTreeMap;
use std::path::Path;

use crate::blueprint::catalog::Catalog;
use crate::blueprint::manifest::Question;
use crate::blueprint::render::render_text;
use crate::error::{Error, Missing, Origin, Result};
use crate::fs::CONFIG_CAP;
use crate::prompt::Prompter;
use crate::questions;

/// An answer given before the run starts, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Given {
    pub(crate) value: String,
    pub(crate) origin: Origin,
}

/// Answers given by flags and the answers file, by key.
pub(crate) type Provided = BTreeMap<String, Given>;

/// Splits `KEY=VALUE`.
pub(crate) fn parse_set(arg: &str) -> Result<(String, String)> {
    match arg.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => {
            Ok((key.trim().to_owned(), value.to_owned()))
        }
        _ => Err(Error::SetSyntax {
            arg: arg.to_owned(),
        }),
    }
}

/// Reads a TOML table of `key = "value"`, keeping each key's line for errors.
pub(crate) fn read_file(path: &Path) -> Result<Vec<(String, Given)>> {
    let read_error = |source| Error::AnswersRead {
        path: path.to_owned(),
        source,
    };
    let bytes = crate::fs::read_outside(path, CONFIG_CAP)
        .map_err(read_error)?
        .map_err(|blocker| Error::Unreadable {
            path: path.to_owned(),
            blocker,
            cap: CONFIG_CAP,
        })?;
    let text = String::from_utf8(bytes).map_err(|e| Error::AnswersSyntax {
        path: path.to_owned(),
        line: memchr::memchr_iter(b'\n', &e.as_bytes()[..e.utf8_error().valid_up_to()]).count() + 1,
        message: "not UTF-8 text".to_owned(),
    })?;
    parse_text(&text, path)
}

/// Parses the text of an answers file read from `path`.
pub(crate) fn parse_text(text: &str, path: &Path) -> Result<Vec<(String, Given)>> {
    let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
    let table: BTreeMap<toml::Spanned<String>, toml::Spanned<toml::Value>> =
        toml::from_str(text).map_err(|e| Error::AnswersSyntax {
            path: path.to_owned(),
            line: e.span().map_or(1, |s| line_of(s.start)),
            message: crate::error::toml_detail(&e),
        })?;
    let mut out = Vec::new();
    for (key, value) in table {
        let line = line_of(key.span().start);
        let value = match value.into_inner() {
            toml::Value::String(s) => s,
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            other => {
                return Err(Error::AnswersSyntax {
                    path: path.to_owned(),
                    line,
                    message: format!(
                        "`{}` must be a string, not {}",
                        key.get_ref(),
                        other.type_str()
                    ),
                });
            }
        };
        out.push((
            key.into_inner(),
            Given {
                value,
                origin: Origin::AnswersFile {
                    path: path.to_owned(),
                    line,
                },
            },
        ));
    }
    Ok(out)
}

/// Merges flags over the answers file; the same key twice among the flags is an error.
pub(crate) fn gather(
    sets: &[(String, String)],
    file: Option<&Path>,
    stage: Option<&str>,
) -> Result<Provided> {
    let mut provided = Provided::new();
    if let Some(file) = file {
        provided.extend(read_file(file)?);
    }
    let mut flags: Vec<(&str, &str, Origin)> = sets
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str(), Origin::Flag))
        .collect();
    if let Some(stage) = stage {
        let origin = Origin::Option { name: "--stage" };
        flags.push(("stage", stage, origin));
    }
    let mut seen: BTreeMap<&str, (&str, &Origin)> = BTreeMap::new();
    for (key, value, origin) in &flags {
        if let Some((first, first_origin)) = seen.insert(key, (value, origin))
            && first != *value
        {
            return Err(Error::DuplicateKey {
                key: (*key).to_owned(),
                first: first_origin.clone(),
                second: origin.clone(),
            });
        }
        provided.insert(
            (*key).to_owned(),
            Given {
                value: (*value).to_owned(),
                origin: origin.clone(),
            },
        );
    }
    Ok(provided)
}

/// Finds a question by key: a common one or one of any blueprint.
pub(crate) fn find<'a>(
    common: &'a [Question],
    catalog: &'a Catalog,
    key: &str,
) -> Option<&'a Question> {
    common.iter().find(|q| q.key == key).or_else(|| {
        catalog
            .blueprints()
            .iter()
            .flat_map(|b| &b.manifest.questions)
            .find(|q| q.key == key)
    })
}

/// Every key a user may answer.
pub(crate) fn known_keys(common: &[Question], catalog: &Catalog) -> Vec<String> {
    let mut keys: Vec<String> = common.iter().map(|q| q.key.clone()).collect();
    for q in catalog
        .blueprints()
        .iter()
        .flat_map(|b| &b.manifest.questions)
    {
        if !keys.contains(&q.key) {
            keys.push(q.key.clone());
        }
    }
    keys
}

/// Rejects unknown keys and bad values before anything is asked.
pub(crate) fn check_provided(
    provided: &Provided,
    common: &[Question],
    catalog: &Catalog,
) -> Result<()> {
    for (key, given) in provided {
        let question = find(common, catalog, key).ok_or_else(|| Error::UnknownKey {
            key: key.clone(),
            origin: given.origin.clone(),
            known: known_keys(common, catalog),
        })?;
        questions::check(question, &given.value).map_err(|expected| Error::BadValue {
            key: key.clone(),
            value: given.value.clone(),
            origin: given.origin.clone(),
            expected,
        })?;
    }
    Ok(())
}

/// Resolves questions one by one, remembering the missing ones.
pub(crate) struct Resolver<'a> {
    pub(crate) provided: &'a Provided,
    pub(crate) recorded: BTreeMap<String, String>,
    /// Defaults for the common questions (from detection).
    pub(crate) defaults: BTreeMap<String, String>,
    pub(crate) yes: bool,
    pub(crate) prompter: Option<&'a mut dyn Prompter>,
    pub(crate) answers: BTreeMap<String, String>,
    pub(crate) missing: Vec<Missing>,
}

impl Resolver<'_> {
    /// The default of a question: detected for common ones, else the blueprint's (rendered).
    fn default_of(&self, question: &Question) -> Option<String> {
        if let Some(d) = self.defaults.get(&question.key) {
            return Some(d.clone());
        }
        let default = question.default.as_ref()?;
        if !default.contains("{{") {
            return Some(default.clone());
        }
        let ctx = serde_json::to_value(&self.answers).ok()?;
        render_text("", "default", default, &ctx)
            .ok()
            .filter(|d| questions::check(question, d).is_ok())
    }

    /// Answers `question` (if its `when` matches the answers so far).
    pub(crate) fn resolve(&mut self, question: &Question) -> Result<()> {
        if self.answers.contains_key(&question.key) || !question.when.matches(&self.answers) {
            return Ok(());
        }
        if let Some(given) = self.provided.get(&question.key) {
            self.answers
                .insert(question.key.clone(), given.value.clone());
            return Ok(());
        }
        if let Some(value) = self.recorded.get(&question.key) {
            questions::check(question, value).map_err(|expected| Error::BadValue {
                key: question.key.clone(),
                value: value.clone(),
                origin: Origin::State,
                expected,
            })?;
            self.answers.insert(question.key.clone(), value.clone());
            return Ok(());
        }
        let default = self.default_of(question);
        if self.yes
            && let Some(default) = &default
        {
            self.answers.insert(question.key.clone(), default.clone());
            return Ok(());
        }
        let Some(prompter) = self.prompter.as_deref_mut() else {
            self.missing.push(Missing {
                key: question.key.clone(),
                example: questions::example(question),
            });
            return Ok(());
        };
        let value = if let Some(choices) = &question.choices {
            let at = default
                .as_ref()
                .and_then(|d| choices.iter().position(|c| c == d))
                .unwrap_or(0);
            let picked = prompter.select(&question.prompt, choices, at)?;
            choices[picked].clone()
        } else {
            let check = |s: &str| questions::check(question, s);
            prompter.input(&question.prompt, default.as_deref(), &check)?
        };
        self.answers.insert(question.key.clone(), value);
        Ok(())
    }

    /// Fails with every missing key, if any.
    pub(crate) fn finish(self) -> Result<BTreeMap<String, String>> {
        if self.missing.is_empty() {
            Ok(self.answers)
        } else {
            Err(Error::MissingAnswers {
                missing: self.missing,
                yes: self.yes,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prompt::Scripted;

    fn common() -> Vec<Question> {
        questions::common()
    }

    fn resolver(provided: &Provided, yes: bool) -> Resolver<'_> {
        Resolver {
            provided,
            recorded: BTreeMap::new(),
            defaults: BTreeMap::from([
                ("project_name".into(), "demo".into()),
                ("stage".into(), "seed".into()),
                ("ci".into(), "github".into()),
            ]),
            yes,
            prompter: None,
            answers: BTreeMap::new(),
            missing: Vec::new(),
        }
    }

    #[test]
    fn without_a_terminal_every_missing_key_is_listed() {
        let provided = Provided::new();
        let mut r = resolver(&provided, false);
        for q in &common() {
            r.resolve(q).unwrap();
        }
        let Err(Error::MissingAnswers { missing, .. }) = r.finish() else {
            panic!("expected missing answers")
        };
        let keys: Vec<_> = missing.iter().map(|m| m.key.as_str()).collect();
        assert_eq!(keys, questions::COMMON_KEYS);
        assert_eq!(missing[2].example, "ci=github|gitlab");
    }

    #[test]
    fn yes_takes_defaults_and_flags_win() {
        let provided = gather(&[("cloud".into(), "aws".into())], None, Some("growth")).unwrap();
        let mut r = resolver(&provided, true);
        r.defaults.insert("language".into(), "go".into());
        r.defaults.insert("cloud".into(), "none".into());
        r.defaults.insert("database".into(), "none".into());
        for q in &common() {
            r.resolve(q).unwrap();
        }
        let answers = r.finish().unwrap();
        assert_eq!(answers["stage"], "growth");
        assert_eq!(answers["cloud"], "aws");
        assert_eq!(answers["language"], "go");
    }

    #[test]
    fn a_terminal_is_asked_only_what_is_not_given() {
        let provided = gather(&[("language".into(), "rust".into())], None, None).unwrap();
        let mut script = Scripted::new(&["", "series-a", "gitlab", "gcp", "mysql"]);
        let mut r = resolver(&provided, false);
        r.prompter = Some(&mut script);
        for q in &common() {
            r.resolve(q).unwrap();
        }
        let answers = r.finish().unwrap();
        assert_eq!(
            script.asked,
            [
                "Project name",
                "Where is the team?",
                "CI host",
                "Cloud",
                "Database"
            ]
        );
        assert_eq!(answers["project_name"], "demo");
        assert_eq!(answers["ci"], "gitlab");
        assert_eq!(answers["language"], "rust");
    }

    #[test]
    fn the_same_flag_twice_with_two_values_is_an_error() {
        let err = gather(
            &[
                ("ci".into(), "github".into()),
                ("ci".into(), "gitlab".into()),
            ],
            None,
            None,
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "`ci` is given twice (--set and --set)");
    }

    #[test]
    fn answers_files_report_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.toml");
        std::fs::write(&path, "stage = \"seed\"\nci = [\"github\"]\n").unwrap();
        let err = read_file(&path).unwrap_err();
        assert!(
            err.to_string()
                .ends_with("line 2: `ci` must be a string, not array"),
            "{err}"
        );
        std::fs::write(&path, "stage = \"seed\"\nci = \n").unwrap();
        let err = read_file(&path).unwrap_err();
        assert!(err.to_string().contains("a.toml` line 2:"), "{err}");
    }
}
