//! Carries out a plan: atomic writes (temporary file in the same folder, then rename), a backup of
//! anything overwritten, the rendered bases, and the state last. It decides nothing.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::parallel;
use crate::plan::{Action, Plan};
use crate::state::{self, STATE_DIR, State};

/// What applying did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Applied {
    pub(crate) written: usize,
    pub(crate) backups: Vec<PathBuf>,
}

/// Writes `bytes` to `path` so that a reader sees the old file or the new one, never a mix.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8], executable: bool) -> Result<()> {
    let fail = |source: std::io::Error| Error::Write {
        path: path.to_owned(),
        source,
    };
    let parent = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(fail)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".scaffold-tmp-")
        .tempfile_in(parent)
        .map_err(fail)?;
    tmp.write_all(bytes).map_err(fail)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = match std::fs::metadata(path) {
            Ok(meta) if !executable => meta.permissions().mode() & 0o7777,
            Ok(meta) => (meta.permissions().mode() & 0o7777) | 0o111,
            Err(_) if executable => 0o755,
            Err(_) => 0o644,
        };
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))
            .map_err(fail)?;
    }
    #[cfg(not(unix))]
    let _ = executable;
    tmp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}

/// Writes the file only if its content differs; returns whether it wrote.
fn write_if_changed(path: &Path, bytes: &[u8]) -> Result<bool> {
    if std::fs::read(path).is_ok_and(|old| old == bytes) {
        return Ok(false);
    }
    write_atomic(path, bytes, false)?;
    Ok(true)
}

/// Runs `f` on every item, spread over the machine's cores (the files of a plan are
/// independent). After the first error the items not yet started are skipped; the error of the
/// earliest failed item is returned.
fn each_parallel<T: Sync>(items: &[T], f: impl Fn(&T) -> Result<()> + Sync) -> Result<()> {
    use std::sync::atomic::{AtomicBool, Ordering};
    let failed = AtomicBool::new(false);
    parallel::map(items, parallel::cores(), |item| {
        if failed.load(Ordering::Relaxed) {
            return Ok(());
        }
        let result = f(item);
        if result.is_err() {
            failed.store(true, Ordering::Relaxed);
        }
        result
    })
    .into_iter()
    .collect()
}

/// Writes every file the plan creates, updates or overwrites. Conflicts must be resolved first.
pub(crate) fn apply(root: &Path, plan: &Plan, stamp: &str) -> Result<Applied> {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    debug_assert!(plan.conflicts().next().is_none(), "unresolved conflicts");
    let written = AtomicUsize::new(0);
    let backups = Mutex::new(Vec::new());
    each_parallel(&plan.changes, |change| {
        if change.action == Action::Overwrite
            && let Some(old) = &change.old
        {
            let backup = root
                .join(STATE_DIR)
                .join("backup")
                .join(stamp)
                .join(&change.path);
            write_atomic(&backup, old, false)?;
            backups
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(backup);
        }
        if change.action == Action::Remove {
            let path = root.join(&change.path);
            std::fs::remove_file(&path).map_err(|source| Error::Write { path, source })?;
            written.fetch_add(1, Ordering::Relaxed);
        } else if change.action.writes() {
            write_atomic(&root.join(&change.path), &change.new, change.executable)?;
            written.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    })?;
    let mut backups = backups
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    backups.sort();
    Ok(Applied {
        written: written.into_inner(),
        backups,
    })
}

/// Records what each foundation rendered (the base of a later 3-way merge) and saves the state,
/// last. Writes only what changed, so a run that changes nothing leaves `.scaffold/` untouched.
pub(crate) fn record(root: &Path, plan: &Plan, state: &State) -> Result<()> {
    each_parallel(&plan.changes, |change| {
        if let Some(foundation) = &change.dropped_by {
            let base = state::base_path(root, foundation, &change.path);
            if let Err(source) = std::fs::remove_file(&base)
                && source.kind() != std::io::ErrorKind::NotFound
            {
                return Err(Error::Write { path: base, source });
            }
        }
        // Only what was applied gets a new base: a `once` file or a deleted one keeps its own.
        if matches!(change.action, Action::Skip | Action::Deleted) {
            return Ok(());
        }
        for part in &change.parts {
            write_if_changed(
                &state::base_path(root, &part.foundation, &change.path),
                &part.content,
            )?;
        }
        Ok(())
    })?;
    write_if_changed(
        &root.join(STATE_DIR).join(".gitignore"),
        b"# scaffold's backups of files it overwrote with --force: local only\nbackup/\n",
    )?;
    let path = state::path(root);
    write_if_changed(&path, state.to_toml(&path)?.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_writes_create_folders_and_leave_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/c.sh");
        write_atomic(&path, b"#!/bin/sh\n", true).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"#!/bin/sh\n");
        let names: Vec<_> = std::fs::read_dir(dir.path().join("a/b"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["c.sh"]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o755);
        }
    }

    #[test]
    fn a_write_under_a_file_fails_with_the_path() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a"), "file").unwrap();
        let err = write_atomic(&dir.path().join("a/b.txt"), b"x", false).unwrap_err();
        assert!(err.to_string().starts_with("failed to write `"), "{err}");
        assert!(err.to_string().contains("a/b.txt"), "{err}");
    }
}
