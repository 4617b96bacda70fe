//! Carries out a plan through the repo's file system (`fs`): a backup of anything overwritten, the
//! files, then the rendered bases and the state last. It decides nothing.

use std::path::PathBuf;

use crate::blueprint::render::RenderedFile;
use crate::error::Result;
use crate::fs::{FILE_CAP, Found, RepoFs, Staged, default_mode};
use crate::parallel;
use crate::plan::{Action, Change, Plan};
use crate::state::{self, STATE_DIR, State};

/// What applying did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Applied {
    pub(crate) written: usize,
    pub(crate) backups: Vec<PathBuf>,
}

/// Writes the file only if its content differs; returns whether it wrote.
fn write_if_changed(fs: &RepoFs, path: &str, bytes: &[u8]) -> Result<bool> {
    if fs.read(path, FILE_CAP)?.as_deref() == Some(bytes) {
        return Ok(false);
    }
    fs.write(path, bytes, fs.mode_of(path).unwrap_or(0o644))?;
    Ok(true)
}

/// The permission bits a file gets: its current ones (made executable when it must be), else
/// the default for a new file.
fn mode_for(fs: &RepoFs, path: &str, executable: bool) -> u32 {
    match fs.mode_of(path) {
        Some(mode) if executable => mode | 0o111,
        Some(mode) => mode,
        None => default_mode(executable),
    }
}

/// Stages the files `f` returns for each item, spread over the cores; the earliest error wins.
fn stage_parallel<T: Sync>(
    items: &[T],
    f: impl Fn(&T) -> Result<Option<Staged>> + Sync,
) -> Result<Vec<Staged>> {
    let results = parallel::map(items, parallel::cores(), f);
    let mut staged = Vec::new();
    for result in results {
        staged.extend(result?);
    }
    Ok(staged)
}

/// Writes every file the plan creates, updates or overwrites. Conflicts must be resolved first.
/// Files about to be overwritten are saved first under `.scaffold/backup/STAMP/`, a folder of this
/// run's own, with their permissions.
pub(crate) fn apply(fs: &RepoFs, plan: &Plan, stamp: &str) -> Result<Applied> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    debug_assert!(plan.conflicts().next().is_none(), "unresolved conflicts");
    debug_assert!(plan.blocked().is_empty(), "blocked paths");
    let backups = backup(fs, plan, stamp)?;
    let written = AtomicUsize::new(0);
    // Every new content to a temporary file first (spread over the cores), then one sync, then
    // the renames in plan order.
    let staged = stage_parallel(&plan.changes, |change| {
        if change.action == Action::Remove || !change.action.writes() {
            return Ok(None);
        }
        written.fetch_add(1, Ordering::Relaxed);
        let mode = mode_for(fs, &change.path, change.executable);
        fs.stage(&change.path, &change.new, mode, false).map(Some)
    })?;
    for change in plan.changes.iter().filter(|c| c.action == Action::Remove) {
        fs.remove(&change.path)?;
        written.fetch_add(1, Ordering::Relaxed);
    }
    fs.commit_all(staged)?;
    Ok(Applied {
        written: written.into_inner(),
        backups,
    })
}

/// Saves every file the plan overwrites, before anything is written.
fn backup(fs: &RepoFs, plan: &Plan, stamp: &str) -> Result<Vec<PathBuf>> {
    let overwritten: Vec<_> = plan
        .changes
        .iter()
        .filter(|c| c.action == Action::Overwrite)
        .filter_map(|c| Some((c, c.old.as_ref()?)))
        .collect();
    if overwritten.is_empty() {
        return Ok(Vec::new());
    }
    let folder = fs.create_unique_dir(&format!("{STATE_DIR}/backup"), stamp)?;
    let mut saved = Vec::new();
    for (change, old) in overwritten {
        let backup = format!("{folder}/{}", change.path);
        let mode = fs.mode_of(&change.path).unwrap_or(0o644);
        fs.write(&backup, old, mode)?;
        saved.push(fs.full(&backup));
    }
    Ok(saved)
}

/// Records what each foundation rendered (the base of a later 3-way merge) and saves the state,
/// last. Writes only what changed, so a run that changes nothing leaves `.scaffold/` untouched.
pub(crate) fn record(fs: &RepoFs, plan: &Plan, state: &State) -> Result<()> {
    let parts: Vec<(&Change, &RenderedFile)> = plan
        .changes
        .iter()
        .flat_map(|c| c.parts.iter().map(move |p| (c, p)))
        .collect();
    let staged = stage_parallel(&parts, |(change, part)| {
        // Only what was applied gets a new base: a `once` file or a deleted one keeps its own
        // (or gets one, when a killed run wrote the file but not its base).
        let keeps_base = matches!(change.action, Action::Skip | Action::Deleted);
        let base = state::base_path(&part.foundation, &change.path);
        if keeps_base && fs.probe(&base, 0)? != Found::Missing {
            return Ok(None);
        }
        if fs.read(&base, FILE_CAP)?.as_deref() == Some(part.content.as_slice()) {
            return Ok(None);
        }
        fs.stage(&base, &part.content, 0o644, false).map(Some)
    })?;
    for change in &plan.changes {
        if let Some(foundation) = &change.dropped_by {
            fs.remove(&state::base_path(foundation, &change.path))?;
        }
    }
    fs.commit_all(staged)?;
    write_if_changed(
        fs,
        &format!("{STATE_DIR}/.gitignore"),
        b"# scaffold's backups of files it overwrote with --force, and its working files: local only\nbackup/\ntmp/\nlock\npending.toml\n",
    )?;
    state.save(fs)
}
