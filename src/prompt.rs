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

    /// The answered prompt, drawn as dialoguer draws one, with `picked` after it.
    fn echo(&self, term: &dialoguer::console::Term, prompt: &str, picked: &[&str]) {
        use dialoguer::theme::Theme as _;
        let mut line = String::new();
        if self
            .theme
            .format_multi_select_prompt_selection(&mut line, prompt, picked)
            .is_ok()
        {
            let _ = term.write_line(&line);
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

    /// One line per item, cut to the terminal's width, with the keys in the prompt. Nothing
    /// checked asks again; `none` (the last line) is how to choose nothing. The answer is echoed
    /// as the items' first words (the ids), not their descriptions.
    fn multi_select(
        &mut self,
        prompt: &str,
        items: &[String],
        checked: &[bool],
    ) -> Result<Vec<usize>> {
        let term = dialoguer::console::Term::stderr();
        // The theme's check box and margins take 6 columns.
        let columns = usize::from(term.size().1).saturating_sub(6).max(20);
        let mut lines: Vec<String> = items
            .iter()
            .map(|item| dialoguer::console::truncate_str(item, columns, "…").into_owned())
            .collect();
        lines.push("none: lay nothing now".to_owned());
        let mut defaults = checked.to_vec();
        defaults.push(false);
        let keys = "space: check or uncheck, enter: accept";
        let mut hint = "";
        loop {
            let picked = dialoguer::MultiSelect::with_theme(&self.theme)
                .with_prompt(format!("{prompt} [{keys}]{hint}"))
                .items(&lines)
                .defaults(&defaults)
                .report(false)
                .interact()
                .map_err(prompt_error)?;
            let none = items.len();
            match picked.as_slice() {
                [] => hint = " (nothing is checked: check some, or `none`)",
                [only] if *only == none => {
                    self.echo(&term, prompt, &["none"]);
                    return Ok(Vec::new());
                }
                _ if picked.contains(&none) => {
                    hint = " (`none` goes alone: uncheck it or the others)";
                }
                _ => {
                    let ids: Vec<&str> = picked
                        .iter()
                        .filter_map(|&i| items[i].split_whitespace().next())
                        .collect();
                    self.echo(&term, prompt, &ids);
                    return Ok(picked);
                }
            }
            defaults = (0..lines.len()).map(|i| picked.contains(&i)).collect();
        }
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
