//! When a next step is done by what the repo shows: a blueprint's `[[next_steps]]` may say
//! `done_when = { file = "PATH", absent = "TEXT" }` (the file is there and no longer holds TEXT:
//! a placeholder replaced), `contains = "TEXT"` (the file holds TEXT: a variable referenced), or
//! only `file` (the file is there). Steps outside the repo (a branch rule, a secret) have none and
//! wait for `scaffold done ID`. The condition is rendered with the step and recorded with it, so
//! `status` checks it without the blueprint.

use serde::{Deserialize, Serialize};

use crate::fs::{FILE_CAP, RepoFs};

/// A condition on one repo file that closes a next step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DoneWhen {
    /// The file, from the repository root (may be templated in a blueprint).
    pub(crate) file: String,
    /// Done once the file holds this text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) contains: Option<String>,
    /// Done once the file no longer holds this text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) absent: Option<String>,
}

impl DoneWhen {
    /// Whether the file's bytes (`None`: no file) meet the condition. Line endings do not matter.
    pub(crate) fn holds(&self, bytes: Option<&[u8]>) -> bool {
        let Some(bytes) = bytes else {
            return false;
        };
        let bytes = crate::plan::lf(bytes);
        let has = |text: &str| memchr::memmem::find(&bytes, text.as_bytes()).is_some();
        self.contains.as_deref().is_none_or(has) && !self.absent.as_deref().is_some_and(has)
    }

    /// Whether the file as it is in the repo now meets the condition.
    pub(crate) fn holds_in(&self, fs: &RepoFs) -> bool {
        self.holds(fs.read(&self.file, FILE_CAP).ok().flatten().as_deref())
    }

    /// What is wrong with a blueprint's condition, if anything.
    pub(crate) fn problem(&self) -> Option<String> {
        if self.file.trim().is_empty() {
            return Some("`done_when.file` is empty".to_owned());
        }
        for (key, text) in [("contains", &self.contains), ("absent", &self.absent)] {
            if text.as_deref().is_some_and(str::is_empty) {
                return Some(format!("`done_when.{key}` is empty"));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn when(contains: Option<&str>, absent: Option<&str>) -> DoneWhen {
        DoneWhen {
            file: ".sops.yaml".into(),
            contains: contains.map(str::to_owned),
            absent: absent.map(str::to_owned),
        }
    }

    #[test]
    fn a_condition_holds_on_the_file_it_names() {
        let placeholder = when(None, Some("REPLACE-ME"));
        assert!(!placeholder.holds(None), "no file: not done");
        assert!(!placeholder.holds(Some(b"age: REPLACE-ME\n")));
        assert!(placeholder.holds(Some(b"age: age1xyz\n")));
        let referenced = when(Some("DEPLOY_ENABLED"), None);
        assert!(referenced.holds(Some(b"if: vars.DEPLOY_ENABLED\r\n")));
        assert!(!referenced.holds(Some(b"if: true\n")));
        let exists = when(None, None);
        assert!(exists.holds(Some(b"")));
        assert!(!exists.holds(None));
        let both = when(Some("a\nb"), Some("TODO"));
        assert!(both.holds(Some(b"a\r\nb\r\n")), "CRLF reads as LF");
        assert!(!both.holds(Some(b"a\nb\nTODO\n")));
    }

    #[test]
    fn a_blueprint_condition_must_say_something() {
        assert_eq!(when(None, None).problem(), None);
        assert_eq!(
            when(Some(""), None).problem().unwrap(),
            "`done_when.contains` is empty"
        );
        let mut no_file = when(None, Some("x"));
        no_file.file = String::new();
        assert_eq!(no_file.problem().unwrap(), "`done_when.file` is empty");
    }
}
