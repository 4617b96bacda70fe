//! Asking a person. `Prompter` is what the flow uses; `Terminal` is the only place dialoguer is
//! used, and tests drive the flow with a scripted prompter instead.

use dialoguer::theme::ColorfulTheme;

use crate::error::{Error, Result};

/// The questions the flow can ask.
pub(crate) trait Prompter {
    /// Picks one of `items`; `default` is preselected.
    fn select(&mut self, prompt: &str, items: &[String], default: usize) -> Result<usize>;
    /// Free text, checked by `check` before it is accepted.
    fn input(
        &mut self,
        prompt: &str,
        default: Option<&str>,
        check: &dyn Fn(&str) -> std::result::Result<(), String>,
    ) -> Result<String>;
    /// Picks any of `items`; `checked` are preselected.
    fn multi_select(
        &mut self,
        prompt: &str,
        items: &[String],
        checked: &[bool],
    ) -> Result<Vec<usize>>;
}

/// dialoguer on the terminal (it draws on stderr).
pub(crate) struct Terminal {
    theme: ColorfulTheme,
}

impl Terminal {
    pub(crate) fn new() -> Terminal {
        Terminal {
            theme: ColorfulTheme::default(),
        }
    }
}

fn prompt_error(e: dialoguer::Error) -> Error {
    let dialoguer::Error::IO(source) = e;
    if source.kind() == std::io::ErrorKind::Interrupted {
        Error::Interrupted
    } else {
        Error::Prompt { source }
    }
}

impl Prompter for Terminal {
    fn select(&mut self, prompt: &str, items: &[String], default: usize) -> Result<usize> {
        dialoguer::Select::with_theme(&self.theme)
            .with_prompt(prompt)
            .items(items)
            .default(default)
            .interact()
            .map_err(prompt_error)
    }

    fn input(
        &mut self,
        prompt: &str,
        default: Option<&str>,
        check: &dyn Fn(&str) -> std::result::Result<(), String>,
    ) -> Result<String> {
        let mut input = dialoguer::Input::<String>::with_theme(&self.theme).with_prompt(prompt);
        if let Some(default) = default {
            input = input.default(default.to_owned());
        }
        input
            .validate_with(|s: &String| check(s))
            .interact_text()
            .map_err(prompt_error)
    }

    fn multi_select(
        &mut self,
        prompt: &str,
        items: &[String],
        checked: &[bool],
    ) -> Result<Vec<usize>> {
        dialoguer::MultiSelect::with_theme(&self.theme)
            .with_prompt(prompt)
            .items(items)
            .defaults(checked)
            .interact()
            .map_err(prompt_error)
    }
}

/// A prompter that replays answers, for tests of the flow.
#[cfg(test)]
pub(crate) struct Scripted {
    pub(crate) answers: std::collections::VecDeque<String>,
    pub(crate) asked: Vec<String>,
}

#[cfg(test)]
impl Scripted {
    pub(crate) fn new(answers: &[&str]) -> Scripted {
        Scripted {
            answers: answers.iter().map(|s| (*s).to_owned()).collect(),
            asked: Vec::new(),
        }
    }

    fn next(&mut self, prompt: &str) -> String {
        self.asked.push(prompt.to_owned());
        self.answers
            .pop_front()
            .unwrap_or_else(|| panic!("no scripted answer for `{prompt}`"))
    }
}

#[cfg(test)]
impl Prompter for Scripted {
    fn select(&mut self, prompt: &str, items: &[String], default: usize) -> Result<usize> {
        let answer = self.next(prompt);
        if answer.is_empty() {
            return Ok(default);
        }
        Ok(items
            .iter()
            .position(|i| i.split_whitespace().next() == Some(answer.as_str()))
            .unwrap_or_else(|| panic!("`{answer}` is not an item of `{prompt}`")))
    }

    fn input(
        &mut self,
        prompt: &str,
        default: Option<&str>,
        check: &dyn Fn(&str) -> std::result::Result<(), String>,
    ) -> Result<String> {
        let answer = self.next(prompt);
        let answer = if answer.is_empty() {
            default.unwrap_or_default().to_owned()
        } else {
            answer
        };
        check(&answer).unwrap_or_else(|e| panic!("scripted answer `{answer}` rejected: {e}"));
        Ok(answer)
    }

    fn multi_select(
        &mut self,
        prompt: &str,
        items: &[String],
        checked: &[bool],
    ) -> Result<Vec<usize>> {
        let answer = self.next(prompt);
        if answer.is_empty() {
            return Ok((0..items.len()).filter(|i| checked[*i]).collect());
        }
        Ok(answer
            .split(',')
            .map(|id| {
                items
                    .iter()
                    .position(|i| i.split_whitespace().next() == Some(id))
                    .unwrap_or_else(|| panic!("`{id}` is not an item of `{prompt}`"))
            })
            .collect())
    }
}
