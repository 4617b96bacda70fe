//! `scaffold list`: the available foundations. Needs no repo.

use crate::blueprint::catalog::Catalog;
use crate::cli::ListArgs;
use crate::error::Result;
use crate::exit::ExitStatus;

pub(crate) fn run(args: &ListArgs) -> Result<ExitStatus> {
    let catalog = Catalog::embedded()?;
    if args.json {
        let items: Vec<serde_json::Value> = catalog
            .blueprints()
            .iter()
            .map(|b| {
                serde_json::json!({
                    "id": b.manifest.id,
                    "version": b.manifest.version.to_string(),
                    "summary": b.manifest.summary,
                    "recommended": b.manifest.recommended,
                    "source": b.source,
                })
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&items).expect("JSON of strings")
        );
        return Ok(ExitStatus::Success);
    }
    let width = catalog
        .blueprints()
        .iter()
        .map(|b| b.manifest.id.len())
        .max()
        .unwrap_or(0);
    for b in catalog.blueprints() {
        let m = &b.manifest;
        println!(
            "{:<width$}  {:<7}  {}\n{:<width$}  {:<7}  recommended: {}; source: {}",
            m.id,
            m.version.to_string(),
            m.summary,
            "",
            "",
            m.recommended.join(", "),
            b.source,
        );
    }
    Ok(ExitStatus::Success)
}
