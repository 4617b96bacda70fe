//! The team's part of `.gitlab-ci.yml`: what the file defines outside scaffold's marked blocks (its
//! own jobs, `include:`, `stages:`, `workflow:`), so that scaffold's include block fits around it;
//! and the check that refuses a run whose jobs that file could not take. Pure: text in, facts out.

use serde_json::json;

use crate::blueprint::manifest::Mode;
use crate::blueprint::render::RenderedFile;
use crate::error::{Error, Result};

/// The pipeline GitLab reads.
pub(crate) const PATH: &str = ".gitlab-ci.yml";

/// Where scaffold's job files live; `.gitlab-ci.yml` includes them.
const JOBS_DIR: &str = ".gitlab/ci/";

/// Stages GitLab always has, whatever `stages:` lists.
const ALWAYS: [&str; 2] = [".pre", ".post"];

/// What the team's own part of `.gitlab-ci.yml` defines. The default is a repo without one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct TeamPipeline {
    /// Anything besides scaffold's blocks, blank lines and comments.
    pub(crate) team: bool,
    /// A top-level `include:` (a file holds only one).
    pub(crate) include: bool,
    /// A top-level `workflow:`.
    pub(crate) workflow: bool,
    /// The top-level `stages:` list, if the team has one.
    pub(crate) stages: Option<Vec<String>>,
    /// The team's lines, to find what its `include:` lists.
    text: String,
}

impl TeamPipeline {
    /// Reads the text of `.gitlab-ci.yml`, leaving out every block scaffold marked.
    pub(crate) fn read(text: &str) -> TeamPipeline {
        let mut team = TeamPipeline::default();
        let mut inside = false;
        let mut lines = Vec::new();
        for line in text.lines() {
            let trimmed = line.trim_start();
            if trimmed.starts_with('#') && trimmed.contains(" >>> scaffold ") {
                inside = true;
            } else if trimmed.starts_with('#') && trimmed.contains(" <<< scaffold ") {
                inside = false;
            } else if !inside {
                lines.push(line);
            }
        }
        let mut key = "";
        for line in &lines {
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') || trimmed == "---" {
                continue;
            }
            team.team = true;
            if !line.starts_with([' ', '\t', '-']) {
                let (name, rest) = line.split_once(':').unwrap_or((line, ""));
                key = name.trim().trim_matches(|c| c == '"' || c == '\'');
                match key {
                    "include" => team.include = true,
                    "workflow" => team.workflow = true,
                    "stages" => team.stages = Some(flow_items(rest)),
                    _ => {}
                }
            } else if key == "stages"
                && let Some(item) = trimmed.strip_prefix("- ")
                && let Some(stages) = &mut team.stages
            {
                stages.push(scalar(item));
            }
        }
        team.text = lines.join("\n");
        team
    }

    /// What templates see as `repo.gitlab_ci`. `merge_requests`: scaffold's jobs also run in
    /// merge request pipelines (scaffold's own workflow makes them, or the team's may); a team
    /// file without `workflow:` has branch pipelines only, and scaffold's jobs keep to those.
    pub(crate) fn context(&self) -> serde_json::Value {
        json!({
            "team": self.team,
            "include": self.include,
            "workflow": self.workflow,
            "stages": self.stages,
            "merge_requests": !self.team || self.workflow,
        })
    }

    /// Refuses a run that writes scaffold's include block into a team file that could not take
    /// its jobs: one whose own `include:` does not list them (YAML allows one `include:` key), or
    /// whose `stages:` lacks a stage they run in.
    pub(crate) fn check(&self, files: &[RenderedFile]) -> Result<()> {
        if !files
            .iter()
            .any(|f| f.path == PATH && f.mode == Mode::Block)
        {
            return Ok(());
        }
        let jobs: Vec<&RenderedFile> = files
            .iter()
            .filter(|f| {
                f.path.starts_with(JOBS_DIR)
                    && std::path::Path::new(&f.path).extension().is_some_and(|e| {
                        e.eq_ignore_ascii_case("yml") || e.eq_ignore_ascii_case("yaml")
                    })
            })
            .collect();
        if self.include {
            let missing: Vec<String> = jobs
                .iter()
                .filter(|f| !self.text.contains(f.path.as_str()))
                .map(|f| f.path.clone())
                .collect();
            if !missing.is_empty() {
                return Err(Error::GitlabInclude {
                    path: PATH.to_owned(),
                    missing,
                });
            }
        }
        let Some(stages) = &self.stages else {
            return Ok(());
        };
        let mut missing: Vec<String> = Vec::new();
        for file in &jobs {
            for line in String::from_utf8_lossy(&file.content).lines() {
                let Some(stage) = line.trim().strip_prefix("stage:").map(scalar) else {
                    continue;
                };
                let known = stages.contains(&stage) || ALWAYS.contains(&stage.as_str());
                if !known && !missing.contains(&stage) {
                    missing.push(stage);
                }
            }
        }
        if missing.is_empty() {
            Ok(())
        } else {
            Err(Error::GitlabStages {
                path: PATH.to_owned(),
                missing,
            })
        }
    }
}

/// The items of a flow sequence (`[build, "test"]`) after a key; none for anything else.
fn flow_items(rest: &str) -> Vec<String> {
    let rest = rest.split(" #").next().unwrap_or("").trim();
    rest.strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .map(|inner| {
            inner
                .split(',')
                .map(scalar)
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// A plain or quoted YAML scalar, without a trailing comment.
fn scalar(text: &str) -> String {
    text.split(" #")
        .next()
        .unwrap_or("")
        .trim()
        .trim_matches(|c| c == '"' || c == '\'')
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job_file(path: &str, content: &str) -> RenderedFile {
        RenderedFile {
            path: path.to_owned(),
            content: content.as_bytes().to_vec(),
            executable: false,
            mode: Mode::File,
            comment: String::new(),
            block: "ci".to_owned(),
            foundation: "ci".to_owned(),
            is_adr: false,
            owner: crate::blueprint::manifest::Owner::Managed,
            restore_deleted: false,
        }
    }

    fn include_block() -> RenderedFile {
        RenderedFile {
            path: PATH.to_owned(),
            mode: Mode::Block,
            comment: "#".to_owned(),
            block: "gitlab-include".to_owned(),
            ..job_file(PATH, "include: []\n")
        }
    }

    #[test]
    fn scaffolds_own_blocks_are_not_the_teams() {
        let ours = "# >>> scaffold gitlab-include >>> managed\nstages:\n  - build\ninclude:\n  - local: x.yml\n# <<< scaffold gitlab-include <<<\n";
        assert_eq!(TeamPipeline::read(ours), TeamPipeline::default());
        assert!(!TeamPipeline::read("# just a comment\n\n").team);
        let team = TeamPipeline::read(&format!(
            "stages: [lint, \"test\"]  # ours\n\nlint:\n  stage: lint\n  script: [make lint]\n{ours}"
        ));
        assert!(team.team && !team.include && !team.workflow);
        assert_eq!(
            team.stages,
            Some(vec!["lint".to_owned(), "test".to_owned()])
        );
    }

    #[test]
    fn block_lists_include_and_workflow_are_read() {
        let team = TeamPipeline::read(
            "workflow:\n  rules:\n    - if: $CI_COMMIT_BRANCH\nstages:\n  - build\n  - 'test' # unit\n  - deploy\ninclude:\n  - local: .gitlab/ci/pipeline.gitlab-ci.yml\n",
        );
        assert!(team.team && team.include && team.workflow);
        assert_eq!(
            team.stages,
            Some(vec![
                "build".to_owned(),
                "test".to_owned(),
                "deploy".to_owned()
            ])
        );
        assert_eq!(team.context()["merge_requests"], true);
        assert_eq!(
            TeamPipeline::read("test:\n  script: [go test]\n").context()["merge_requests"],
            false
        );
    }

    #[test]
    fn a_team_include_must_list_scaffolds_files() {
        let files = [
            include_block(),
            job_file(
                ".gitlab/ci/pipeline.gitlab-ci.yml",
                "build:go:\n  stage: build\n",
            ),
            job_file(
                ".gitlab/ci/restore-drill.gitlab-ci.yml",
                "restore-drill:\n  stage: test\n",
            ),
        ];
        let team = TeamPipeline::read(
            "include:\n  - local: .gitlab/ci/pipeline.gitlab-ci.yml\n  - template: Security/SAST.gitlab-ci.yml\n",
        );
        let Err(Error::GitlabInclude { missing, .. }) = team.check(&files) else {
            panic!("no refusal")
        };
        assert_eq!(missing, [".gitlab/ci/restore-drill.gitlab-ci.yml"]);
        // Without the include block (the foundation is laid on GitHub), there is nothing to check.
        assert!(team.check(&files[1..]).is_ok());
    }

    #[test]
    fn team_stages_must_hold_the_stages_of_scaffolds_jobs() {
        let files = [
            include_block(),
            job_file(
                ".gitlab/ci/pipeline.gitlab-ci.yml",
                "build:go:\n  stage: build\ntest:go:\n  stage: test\nlint:\n  stage: .pre\n",
            ),
        ];
        let team = TeamPipeline::read("stages: [test, release]\n");
        let Err(Error::GitlabStages { missing, .. }) = team.check(&files) else {
            panic!("no refusal")
        };
        assert_eq!(missing, ["build"]);
        assert!(
            TeamPipeline::read("stages: [build, test]\n")
                .check(&files)
                .is_ok()
        );
        assert!(
            TeamPipeline::read("test:\n  script: [x]\n")
                .check(&files)
                .is_ok()
        );
    }
}
