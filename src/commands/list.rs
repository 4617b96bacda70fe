//! `scaffold list`: the available foundations, embedded or from a fork. Needs no repo.

use crate::blueprint::catalog::Catalog;
use crate::blueprint::source;
use crate::cli::ListArgs;
use crate::error::{Error, Result};
use crate::exit::ExitStatus;

pub(crate) fn run(args: &ListArgs) -> Result<ExitStatus> {
    let fork = match &args.source {
        Some(spec) => {
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
            Some(sources.open(spec, args.reference.as_deref())?)
        }
        None if args.reference.is_some() => return Err(Error::RefWithoutSource),
        None => None,
    };
    let catalog = Catalog::load(fork.as_ref())?;
    if args.json {
        let items: Vec<serde_json::Value> = catalog
            .blueprints()
            .iter()
            .map(|b| {
                serde_json::json!({
                    "id": b.manifest.id,
                    "version": b.manifest.version.to_string(),
                    "summary": b.manifest.summary,
                    "recommended": b.manifest.recommended(),
                    "depends_on": b.manifest.depends_on,
                    "source": b.source,
                })
            })
            .collect();
        crate::output::json_document(&serde_json::json!({ "foundations": items }))?;
        return Ok(ExitStatus::Success);
    }
    let width = catalog.id_width();
    let columns = crate::output::width();
    for b in catalog.blueprints() {
        let m = &b.manifest;
        let head = format!("{:<width$}  {:<7}  ", m.id, m.version.to_string());
        let indent = head.chars().count();
        outln!(
            "{}",
            crate::output::wrapped(&head, indent, &m.summary, columns)
        );
        outln!(
            "{}",
            crate::output::wrapped(
                &" ".repeat(indent),
                indent,
                &format!(
                    "recommended: {}; source: {}",
                    m.recommended().join(", "),
                    b.source
                ),
                columns
            )
        );
    }
    Ok(ExitStatus::Success)
}
