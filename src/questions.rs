//! The common questions (the public interface of `--set`) and the rules every answer must follow.

use regex::Regex;

use crate::blueprint::manifest::{Question, When};

/// Stages in order; a blueprint's depth grows with the rank.
pub(crate) const STAGES: [&str; 4] = ["pre-mvp", "seed", "series-a", "growth"];

/// Keys of the common questions, in the order they are asked.
pub(crate) const COMMON_KEYS: [&str; 6] = [
    "project_name",
    "stage",
    "ci",
    "language",
    "cloud",
    "database",
];

/// The rank of a stage: 0 for pre-mvp up to 3 for growth.
pub(crate) fn stage_rank(stage: &str) -> usize {
    STAGES.iter().position(|s| *s == stage).unwrap_or(0)
}

fn choice(key: &str, prompt: &str, choices: &[&str]) -> Question {
    Question {
        key: key.to_owned(),
        prompt: prompt.to_owned(),
        help: None,
        default: None,
        choices: Some(choices.iter().map(|c| (*c).to_owned()).collect()),
        pattern: None,
        expected: None,
        when: When::default(),
    }
}

/// The questions every run asks first. Their defaults come from detection (see `detect`).
pub(crate) fn common() -> Vec<Question> {
    vec![
        Question {
            key: "project_name".to_owned(),
            prompt: "Project name".to_owned(),
            help: None,
            default: None,
            choices: None,
            pattern: None,
            expected: None,
            when: When::default(),
        },
        choice("stage", "Where is the team?", &STAGES),
        choice("ci", "CI host", &["github", "gitlab"]),
        // `other`: a stack whose CI scaffold does not build yet; secrets, backups and parity apply.
        choice(
            "language",
            "Main language",
            &[
                "rust", "node", "python", "go", "ruby", "jvm", "php", "other",
            ],
        ),
        choice("cloud", "Cloud", &["aws", "gcp", "none"]),
        choice("database", "Database", &["postgres", "mysql", "none"]),
    ]
}

/// Checks an answer against its question; on failure returns what is allowed.
pub(crate) fn check(question: &Question, value: &str) -> Result<(), String> {
    if question.key == "project_name" {
        return check_project_name(value);
    }
    if let Some(choices) = &question.choices {
        if choices.iter().any(|c| c == value) {
            return Ok(());
        }
        return Err(format!(
            "allowed values: {}{}",
            choices.join(", "),
            crate::error::did_you_mean(value, choices)
        ));
    }
    if value.is_empty() {
        return Err("a value is required".to_owned());
    }
    if value.contains('\n') || value.contains('\r') {
        return Err("a single line is required".to_owned());
    }
    if let Some(pattern) = &question.pattern {
        // Patterns are checked when the catalog loads, so this compiles.
        let re = Regex::new(pattern).map_err(|e| e.to_string())?;
        if !re.is_match(value) {
            return Err(expected_in_words(question));
        }
    }
    Ok(())
}

/// What an answer to `question` should look like, in words: the blueprint's `expected`, else its
/// `--set` example; never the regex.
fn expected_in_words(question: &Question) -> String {
    if let Some(expected) = &question.expected {
        return format!("expected {expected}");
    }
    match question
        .help
        .as_deref()
        .and_then(|h| h.split_whitespace().nth(1))
    {
        Some(example) => format!(
            "expected a value like `{}`",
            example.split_once('=').map_or(example, |(_, v)| v)
        ),
        None => "not a value this question accepts (its blueprint does not say more)".to_owned(),
    }
}

fn check_project_name(value: &str) -> Result<(), String> {
    let ok = !value.is_empty()
        && value.len() <= 100
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !value.contains("..")
        && !value.starts_with('.');
    if ok {
        Ok(())
    } else {
        Err(
            "a name of letters, digits, `-`, `_` and `.` (not starting with `.`, no `..`)"
                .to_owned(),
        )
    }
}

/// How to give an answer on the command line, for error messages.
pub(crate) fn example(question: &Question) -> String {
    if let Some(help) = &question.help {
        return help.trim_start_matches("--set ").to_owned();
    }
    let value = match (&question.choices, question.key.as_str()) {
        (Some(choices), _) => choices.join("|"),
        (None, "project_name") => "my-app".to_owned(),
        (None, _) => "VALUE".to_owned(),
    };
    format!("{}={value}", question.key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn question(key: &str) -> Question {
        common().into_iter().find(|q| q.key == key).unwrap()
    }

    #[test]
    fn project_names() {
        let q = question("project_name");
        for ok in ["app", "my-app", "my_app.v2", "A1"] {
            assert_eq!(check(&q, ok), Ok(()), "{ok}");
        }
        for bad in ["", "a/b", "..", "a..b", ".hidden", "a b", "ü"] {
            assert!(check(&q, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn choices_name_what_is_allowed() {
        assert_eq!(
            check(&question("ci"), "jenkins"),
            Err("allowed values: github, gitlab".to_owned())
        );
        assert_eq!(check(&question("stage"), "series-a"), Ok(()));
    }

    #[test]
    fn ranks_follow_the_stage_order() {
        assert_eq!(stage_rank("pre-mvp"), 0);
        assert_eq!(stage_rank("growth"), 3);
    }
}
