//! The repo's file system: every read, write, rename, mkdir and remove inside the repo goes
//! through `RepoFs`, and nothing else in scaffold touches the repo's files.
//!
//! Its rules:
//! - Paths are relative to the repo root and resolved beneath it (cap-std, `openat`-style): a
//!   symlinked folder that leads outside the repo is refused, naming it.
//! - A file is read or replaced only when it is a regular file, never through a symlink, and
//!   reads are capped in size.
//! - Writes are atomic: a temporary file under `.scaffold/tmp/`, synced, then renamed over the
//!   target with the permissions it should have. A run cleans what a killed run left there.
//! - `lock` keeps two writing runs apart.

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use cap_fs_ext::{FollowSymlinks, OpenOptionsFollowExt as _};
use cap_std::fs::{Dir, OpenOptions, OpenOptionsExt as _, PermissionsExt as _};
use std::os::unix::fs::PermissionsExt as _;

use crate::error::{Error, Result};

/// The most scaffold reads of a configuration or state file.
pub(crate) const CONFIG_CAP: u64 = 1 << 20;
/// The most scaffold reads of a file it writes or merges.
pub(crate) const FILE_CAP: u64 = 8 << 20;

/// Where temporary files are written before they are renamed into place.
const TMP_DIR: &str = ".scaffold/tmp";

/// Why a file cannot be read or replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Blocker {
    /// A symlink: scaffold never reads or writes through one.
    Symlink,
    /// A folder, FIFO, socket or device where a file is expected.
    NotAFile,
    /// Larger than scaffold reads.
    TooLarge,
    /// Not UTF-8 text where scaffold must edit a marked block in it.
    NotUtf8,
}

impl Blocker {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Blocker::Symlink => "is a symlink (scaffold never reads or writes through one)",
            Blocker::NotAFile => "is not a regular file",
            Blocker::TooLarge => "is larger than scaffold reads",
            Blocker::NotUtf8 => {
                "is not UTF-8 text, so scaffold cannot edit its marked block without changing your bytes"
            }
        }
    }
}

/// What is at a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Found {
    Missing,
    File(Vec<u8>),
    Blocked(Blocker),
}

/// A file written under its temporary name, waiting to be renamed into place.
#[derive(Debug)]
pub(crate) struct Staged {
    tmp: String,
    rel: String,
}

/// The repository, opened beneath its root.
#[derive(Debug)]
pub(crate) struct RepoFs {
    root: PathBuf,
    dir: Dir,
    /// Where temporary files go: `.scaffold/tmp/` in a repo; beside the target elsewhere.
    tmp: Option<&'static str>,
    /// Set once `tmp` exists: made on the first write, not checked again for every file.
    tmp_made: std::sync::OnceLock<()>,
    /// Folders this run made or found (and checked) already: each is checked and made once, not
    /// once per file written in it.
    dirs: std::sync::Mutex<std::collections::HashSet<String>>,
}

impl RepoFs {
    /// Opens the repo at `root` (an existing directory).
    pub(crate) fn open(root: &Path) -> Result<RepoFs> {
        Self::open_with(root, Some(TMP_DIR))
    }

    /// A second handle on the same folder (for the cleanup an interrupted run does), if the
    /// system gives one.
    pub(crate) fn try_clone(&self) -> Option<RepoFs> {
        Some(RepoFs {
            root: self.root.clone(),
            dir: self.dir.try_clone().ok()?,
            tmp: self.tmp,
            tmp_made: std::sync::OnceLock::new(),
            dirs: std::sync::Mutex::default(),
        })
    }

    /// Opens a folder that is not a repo (a fork of the blueprints): the same rules, with
    /// temporary files beside their targets.
    pub(crate) fn open_folder(root: &Path) -> Result<RepoFs> {
        Self::open_with(root, None)
    }

    fn open_with(root: &Path, tmp: Option<&'static str>) -> Result<RepoFs> {
        let dir = Dir::open_ambient_dir(root, cap_std::ambient_authority()).map_err(|source| {
            Error::Read {
                path: root.to_owned(),
                source,
            }
        })?;
        Ok(RepoFs {
            root: root.to_owned(),
            dir,
            tmp,
            tmp_made: std::sync::OnceLock::new(),
            dirs: std::sync::Mutex::default(),
        })
    }

    #[cfg(test)]
    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    /// A repo path as messages show it: relative to the repo root, as every path scaffold prints.
    /// A method, so the one module that knows the repo decides how its paths are shown.
    #[allow(clippy::unused_self)]
    pub(crate) fn full(&self, rel: &str) -> PathBuf {
        PathBuf::from(rel)
    }

    /// Refuses a path whose folders lead outside the repo through a symlink.
    fn check_folders(&self, rel: &str) -> Result<()> {
        let mut prefix = PathBuf::new();
        let parts: Vec<&str> = rel.split('/').collect();
        for part in &parts[..parts.len().saturating_sub(1)] {
            prefix.push(part);
            match self.dir.symlink_metadata(&prefix) {
                Ok(meta) if meta.is_symlink() => {
                    let inside = self
                        .dir
                        .canonicalize(&prefix)
                        .is_ok_and(|p| self.dir.is_dir(p));
                    if !inside {
                        return Err(Error::OutsideRepo {
                            path: self.root.join(&prefix),
                        });
                    }
                }
                Ok(_) => {}
                Err(_) => return Ok(()),
            }
        }
        Ok(())
    }

    /// What is at `rel`: nothing, a regular file's bytes (at most `cap`), or why it cannot be read.
    pub(crate) fn probe(&self, rel: &str, cap: u64) -> Result<Found> {
        self.check_folders(rel)?;
        let fail = |source| Error::Read {
            path: self.full(rel),
            source,
        };
        let meta = match self.dir.symlink_metadata(rel) {
            Ok(meta) => meta,
            Err(e) if is_absent(&e) => return Ok(Found::Missing),
            Err(source) => return Err(fail(source)),
        };
        if meta.is_symlink() {
            return Ok(Found::Blocked(Blocker::Symlink));
        }
        if !meta.is_file() {
            return Ok(Found::Blocked(Blocker::NotAFile));
        }
        if meta.len() > cap {
            return Ok(Found::Blocked(Blocker::TooLarge));
        }
        let file = self
            .dir
            .open_with(
                rel,
                OpenOptions::new().read(true).follow(FollowSymlinks::No),
            )
            .map_err(fail)?;
        let mut bytes = Vec::new();
        file.into_std()
            .take(cap + 1)
            .read_to_end(&mut bytes)
            .map_err(fail)?;
        if bytes.len() as u64 > cap {
            return Ok(Found::Blocked(Blocker::TooLarge));
        }
        Ok(Found::File(bytes))
    }

    /// A regular file's bytes, `None` when there is none; anything else at the path is an error.
    pub(crate) fn read(&self, rel: &str, cap: u64) -> Result<Option<Vec<u8>>> {
        match self.probe(rel, cap)? {
            Found::Missing => Ok(None),
            Found::File(bytes) => Ok(Some(bytes)),
            Found::Blocked(blocker) => Err(Error::Unreadable {
                path: self.full(rel),
                blocker,
                cap,
            }),
        }
    }

    /// The permission bits of the regular file at `rel`, if there is one.
    pub(crate) fn mode_of(&self, rel: &str) -> Option<u32> {
        self.dir
            .symlink_metadata(rel)
            .ok()
            .filter(cap_std::fs::Metadata::is_file)
            .map(|m| m.permissions().mode() & 0o7777)
    }

    /// The names in the folder `rel` (none when it is missing or not a folder inside the repo).
    pub(crate) fn names(&self, rel: &str) -> Vec<String> {
        if self.check_folders(&format!("{rel}/x")).is_err() {
            return Vec::new();
        }
        self.dir.read_dir(rel).map_or_else(
            |_| Vec::new(),
            |entries| {
                entries
                    .flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            },
        )
    }

    /// Makes the folder `rel` and its parents, inside the repo. A folder this handle made or
    /// checked before is taken as it is.
    pub(crate) fn create_dir_all(&self, rel: &str) -> Result<()> {
        let known = || {
            self.dirs
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        };
        if known().contains(rel) {
            return Ok(());
        }
        self.check_folders(&format!("{rel}/x"))?;
        if !self.dir.is_dir(rel) {
            self.dir
                .create_dir_all(rel)
                .map_err(|source| Error::Write {
                    path: self.full(rel),
                    source,
                })?;
        }
        let mut known = known();
        let mut folder = rel;
        while known.insert(folder.to_owned()) {
            match folder.rsplit_once('/') {
                Some((parent, _)) => folder = parent,
                None => break,
            }
        }
        Ok(())
    }

    /// Forgets the folders `create_dir_all` knows (some may be gone).
    fn forget_dirs(&self) {
        self.dirs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clear();
    }

    /// Makes a new folder `parent/stem`, or `parent/stem-2`, `-3`… when that exists: a folder no
    /// other run shares. Returns its repo path.
    pub(crate) fn create_unique_dir(&self, parent: &str, stem: &str) -> Result<String> {
        self.create_dir_all(parent)?;
        for n in 1u32.. {
            let rel = if n == 1 {
                format!("{parent}/{stem}")
            } else {
                format!("{parent}/{stem}-{n}")
            };
            match self.dir.create_dir(&rel) {
                Ok(()) => return Ok(rel),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(source) => {
                    return Err(Error::Write {
                        path: self.full(&rel),
                        source,
                    });
                }
            }
        }
        unreachable!("u32 ran out of folder names")
    }

    /// Writes `bytes` to `rel` with permission bits `mode`, so that a reader sees the old file or
    /// the new one, never a mix. A symlink at `rel` is replaced by the file, never followed.
    pub(crate) fn write(&self, rel: &str, bytes: &[u8], mode: u32) -> Result<()> {
        let staged = self.stage(rel, bytes, mode, true)?;
        self.commit(&staged)
    }

    /// Makes many staged files durable at once and puts them in place: one `syncfs` (instead of
    /// one fsync per file, which costs most of a run), then each rename, in order.
    pub(crate) fn commit_all(&self, staged: Vec<Staged>) -> Result<()> {
        if staged.is_empty() {
            return Ok(());
        }
        self.sync()?;
        for file in staged {
            self.commit(&file)?;
        }
        Ok(())
    }

    /// Flushes the file system the repo is on (`syncfs`): what was staged is on disk after it.
    fn sync(&self) -> Result<()> {
        // cap-std holds the root as a path-only descriptor, which `syncfs` does not take: open
        // the root itself (the folder this `RepoFs` was opened on).
        let fail = |source| Error::Write {
            path: self.root.clone(),
            source,
        };
        let dir = std::fs::File::open(&self.root).map_err(fail)?;
        rustix::fs::syncfs(&dir).map_err(|e| fail(e.into()))
    }

    /// Renames a staged file into place (a symlink there is replaced, never followed).
    fn commit(&self, staged: &Staged) -> Result<()> {
        if let Err(source) = self.dir.rename(&staged.tmp, &self.dir, &staged.rel) {
            let _ = self.dir.remove_file(&staged.tmp);
            return Err(Error::Write {
                path: self.full(&staged.rel),
                source,
            });
        }
        Ok(())
    }

    /// Writes `bytes` with permission bits `mode` to a new temporary file for `rel` (fsynced when
    /// `sync`), making `rel`'s folders.
    pub(crate) fn stage(&self, rel: &str, bytes: &[u8], mode: u32, sync: bool) -> Result<Staged> {
        let fail = |source| Error::Write {
            path: self.full(rel),
            source,
        };
        let parent = rel.rsplit_once('/').map(|(parent, _)| parent);
        match parent {
            Some(parent) => self.create_dir_all(parent)?,
            None => self.check_folders(rel)?,
        }
        let tmp_dir = match (self.tmp, parent) {
            (Some(tmp), _) => {
                if self.tmp_made.get().is_none() {
                    self.create_dir_all(tmp)?;
                    let _ = self.tmp_made.set(());
                }
                Some(tmp)
            }
            (None, parent) => parent,
        };
        let tmp = self.new_temp(tmp_dir, mode).map_err(fail)?;
        let written = (|| {
            let mut file = tmp.1;
            file.write_all(bytes)?;
            file.set_permissions(std::fs::Permissions::from_mode(mode))?;
            if sync {
                file.sync_all()?;
            }
            Ok(())
        })();
        if let Err(source) = written {
            let _ = self.dir.remove_file(&tmp.0);
            return Err(fail(source));
        }
        Ok(Staged {
            tmp: tmp.0,
            rel: rel.to_owned(),
        })
    }

    /// A new, empty temporary file in the folder `dir` (the root when `None`).
    fn new_temp(&self, dir: Option<&str>, mode: u32) -> std::io::Result<(String, std::fs::File)> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        loop {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let name = format!(".scaffold-tmp-{}-{n}", std::process::id());
            let rel = match dir {
                Some(dir) => format!("{dir}/{name}"),
                None => name,
            };
            let opened = self.dir.open_with(
                &rel,
                OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .follow(FollowSymlinks::No)
                    .mode(mode),
            );
            match opened {
                Ok(file) => return Ok((rel, file.into_std())),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Removes the file (or symlink) at `rel`; a missing one is fine.
    pub(crate) fn remove(&self, rel: &str) -> Result<()> {
        self.check_folders(rel)?;
        match self.dir.remove_file(rel) {
            Err(e) if !is_absent(&e) => Err(Error::Write {
                path: self.full(rel),
                source: e,
            }),
            _ => Ok(()),
        }
    }

    /// Removes what a killed run left under `.scaffold/tmp/`.
    pub(crate) fn clean_temp(&self) -> Result<()> {
        if self.check_folders(&format!("{TMP_DIR}/x")).is_err() || !self.dir.is_dir(TMP_DIR) {
            return Ok(());
        }
        for name in self.names(TMP_DIR) {
            self.remove(&format!("{TMP_DIR}/{name}"))?;
        }
        Ok(())
    }

    /// Removes `.scaffold/tmp/` (and `.scaffold/` itself) when a run leaves them empty: the last
    /// thing a run does with the repo.
    pub(crate) fn tidy(&self) {
        self.forget_dirs();
        let _ = self.dir.remove_dir(TMP_DIR);
        let _ = self.dir.remove_dir(".scaffold");
    }

    /// Opens `rel` for the lock: a regular file inside the repo, created when missing.
    pub(crate) fn open_lock_file(&self, rel: &str) -> Result<(std::fs::File, std::fs::File)> {
        if let Some((parent, _)) = rel.rsplit_once('/') {
            self.create_dir_all(parent)?;
        }
        let file = self
            .dir
            .open_with(
                rel,
                OpenOptions::new()
                    .read(true)
                    .write(true)
                    .create(true)
                    .truncate(false)
                    .follow(FollowSymlinks::No)
                    .mode(0o644),
            )
            .map_err(|source| Error::Write {
                path: self.full(rel),
                source,
            })?
            .into_std();
        let again = file.try_clone().map_err(|source| Error::Write {
            path: self.full(rel),
            source,
        })?;
        Ok((file, again))
    }

    /// Whether `rel` still names the very file `file` is (the same inode).
    pub(crate) fn is_same_file(&self, rel: &str, file: &std::fs::File) -> bool {
        use std::os::unix::fs::MetadataExt as _;
        let Ok(here) = self.dir.symlink_metadata(rel) else {
            return false;
        };
        let Ok(open) = file.metadata() else {
            return false;
        };
        cap_std::fs::MetadataExt::ino(&here) == open.ino()
            && cap_std::fs::MetadataExt::dev(&here) == open.dev()
    }
}

/// The mode of a new file: `0o755` for an executable, else `0o644`.
pub(crate) fn default_mode(executable: bool) -> u32 {
    if executable { 0o755 } else { 0o644 }
}

/// Writes a new tree of files into the folder `dir` (made when missing), e.g. a blueprint copied
/// into a fork: the same rules as in a repo, with no `.scaffold/` left behind.
pub(crate) fn write_tree<'a>(
    dir: &Path,
    files: impl IntoIterator<Item = (&'a str, &'a [u8])>,
) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Write {
        path: dir.to_owned(),
        source,
    })?;
    let folder = RepoFs::open_folder(dir)?;
    for (rel, bytes) in files {
        folder.write(rel, bytes, 0o644)?;
    }
    Ok(())
}

/// Opens the regular file `rel` under `root` for a read-only walk of the repo (the assessment):
/// never through a symlink at its end, nor, with `check_folders`, through a folder on the way that
/// is a symlink or `..` (paths git lists; the walk itself never enters a symlinked folder). What is
/// checked is the file opened, so it cannot be swapped for a link in between. `None` for anything
/// else, or an error. Returns the file and its length.
pub(crate) fn open_walked(
    root: &Path,
    rel: &str,
    check_folders: bool,
) -> Option<(std::fs::File, u64)> {
    if check_folders {
        let mut dir = root.to_path_buf();
        let parts: Vec<&str> = rel.split('/').collect();
        let through_link = parts[..parts.len().saturating_sub(1)].iter().any(|part| {
            dir.push(part);
            *part == ".." || !std::fs::symlink_metadata(&dir).is_ok_and(|m| m.is_dir())
        });
        if through_link {
            return None;
        }
    }
    // One open that refuses a symlink at the end (`O_NOFOLLOW`) and never waits on a FIFO
    // (`O_NONBLOCK`), then the opened file's own metadata: a regular file, or nothing.
    let file = match rel.rsplit_once('/') {
        Some((folder, name)) => open_in_folder(root, folder, name)?,
        None => std::fs::File::from(
            rustix::fs::open(root.join(rel), WALKED_FLAGS, rustix::fs::Mode::empty()).ok()?,
        ),
    };
    let opened = file.metadata().ok()?;
    opened.is_file().then_some((file, opened.len()))
}

/// How `open_walked` opens a file: read-only, never through a symlink at the end, never waiting.
const WALKED_FLAGS: rustix::fs::OFlags = rustix::fs::OFlags::RDONLY
    .union(rustix::fs::OFlags::NOFOLLOW)
    .union(rustix::fs::OFlags::NONBLOCK)
    .union(rustix::fs::OFlags::CLOEXEC);

thread_local! {
    /// The folder (under which root) the last walked file of this thread was opened in, kept
    /// open: a walk lists a folder's files together, and opening each by its name in its folder
    /// spares the system resolving the whole path again for every file.
    static LAST_FOLDER: std::cell::RefCell<Option<(PathBuf, String, rustix::fd::OwnedFd)>> =
        const { std::cell::RefCell::new(None) };
}

/// Opens `name` in the repo folder `folder` (resolved as `root.join(folder)` would be). A kept
/// folder that fails is opened again by its path once: it may be gone, and another in its place.
fn open_in_folder(root: &Path, folder: &str, name: &str) -> Option<std::fs::File> {
    let open = |dir: &rustix::fd::OwnedFd| {
        rustix::fs::openat(dir, name, WALKED_FLAGS, rustix::fs::Mode::empty())
            .ok()
            .map(std::fs::File::from)
    };
    LAST_FOLDER.with_borrow_mut(|last| {
        if let Some((_, _, dir)) = last.as_ref().filter(|(r, f, _)| f == folder && r == root)
            && let Some(file) = open(dir)
        {
            return Some(file);
        }
        let flags =
            rustix::fs::OFlags::PATH | rustix::fs::OFlags::DIRECTORY | rustix::fs::OFlags::CLOEXEC;
        let dir = rustix::fs::open(root.join(folder), flags, rustix::fs::Mode::empty()).ok()?;
        let file = open(&dir);
        *last = Some((root.to_owned(), folder.to_owned(), dir));
        file
    })
}

/// A file opened by `open_walked`, `len` bytes long when it was opened, at most `cap` bytes of it.
/// Unlike `read_to_end`, which asks the system for the file's size and position again before it
/// reads, and reads once more to find the end, this reads straight away into a buffer of the size
/// already known, and stops there: one read for most files. A file that grew since is read to the
/// length it had (as if it had been read a moment earlier); one that says it is empty is read to
/// its end.
pub(crate) fn read_opened(
    file: &mut std::fs::File,
    len: u64,
    cap: u64,
) -> std::io::Result<Vec<u8>> {
    let cap = usize::try_from(cap).unwrap_or(usize::MAX);
    let start = usize::try_from(len).unwrap_or(usize::MAX).min(cap);
    let mut bytes = vec![0; if start == 0 { cap.min(1) } else { start }];
    let mut filled = 0;
    while filled < cap && (filled < start || start == 0) {
        match file.read(&mut bytes[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
        if start == 0 && filled == bytes.len() {
            bytes.resize(filled.saturating_mul(2).min(cap), 0);
        }
    }
    bytes.truncate(filled);
    Ok(bytes)
}

/// The nearest folder at or above `dir` that holds a `.git` (the git work tree `dir` is in).
pub(crate) fn enclosing_git(dir: &Path) -> Option<&Path> {
    dir.ancestors().find(|d| d.join(".git").exists())
}

/// Whether `path` is a regular file or nothing (not a symlink, a folder, a FIFO or a device).
pub(crate) fn is_regular_or_absent(path: &Path) -> bool {
    std::fs::symlink_metadata(path).map_or(true, |meta| meta.is_file())
}

/// The text of a regular file a walk of the repo found, when it is UTF-8 and at most `cap` bytes.
pub(crate) fn read_walked_text(root: &Path, rel: &str, cap: u64) -> Option<String> {
    let (mut file, len) = open_walked(root, rel, false)?;
    if len > cap {
        return None;
    }
    String::from_utf8(read_opened(&mut file, len, cap).ok()?).ok()
}

/// Reads a regular file outside the repo (an `--answers` file), at most `cap` bytes.
pub(crate) fn read_outside(path: &Path, cap: u64) -> std::io::Result<Result<Vec<u8>, Blocker>> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Ok(Err(Blocker::NotAFile));
    }
    if meta.len() > cap {
        return Ok(Err(Blocker::TooLarge));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(cap + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Ok(Err(Blocker::TooLarge));
    }
    Ok(Ok(bytes))
}

fn is_absent(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::NotFound
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn repo() -> (tempfile::TempDir, RepoFs) {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir(tmp.path().join("repo")).unwrap();
        let fs = RepoFs::open(&tmp.path().join("repo")).unwrap();
        (tmp, fs)
    }

    #[test]
    fn writes_are_atomic_keep_the_mode_and_leave_no_temporary_file() {
        let (_tmp, fs) = repo();
        fs.write("a/b/c.sh", b"#!/bin/sh\n", 0o755).unwrap();
        assert_eq!(fs.read("a/b/c.sh", 100).unwrap().unwrap(), b"#!/bin/sh\n");
        assert_eq!(fs.mode_of("a/b/c.sh"), Some(0o755));
        fs.write("secret.txt", b"x", 0o600).unwrap();
        assert_eq!(fs.mode_of("secret.txt"), Some(0o600));
        assert!(fs.names(TMP_DIR).is_empty());
        fs.tidy();
        assert!(!fs.root().join(".scaffold").exists());
    }

    #[test]
    fn a_symlinked_folder_that_leaves_the_repo_is_refused() {
        let (tmp, fs) = repo();
        let outside = tmp.path().join("outside");
        std::fs::create_dir(&outside).unwrap();
        symlink(&outside, fs.root().join(".github")).unwrap();
        let err = fs
            .write(".github/workflows/ci.yml", b"x", 0o644)
            .unwrap_err();
        assert!(matches!(err, Error::OutsideRepo { .. }), "{err}");
        assert!(err.to_string().contains(".github`"), "{err}");
        assert!(std::fs::read_dir(&outside).unwrap().next().is_none());
        assert!(matches!(
            fs.probe(".github/x", 10),
            Err(Error::OutsideRepo { .. })
        ));
        assert!(fs.remove(".github/x").is_err());
    }

    #[test]
    fn a_symlinked_folder_inside_the_repo_is_followed() {
        let (_tmp, fs) = repo();
        std::fs::create_dir(fs.root().join("real")).unwrap();
        symlink("real", fs.root().join("docs")).unwrap();
        fs.write("docs/a.md", b"a", 0o644).unwrap();
        assert_eq!(std::fs::read(fs.root().join("real/a.md")).unwrap(), b"a");
    }

    #[test]
    fn an_opened_file_is_read_to_its_known_length_and_the_cap() {
        let (_tmp, fs) = repo();
        let text: Vec<u8> = (0..20_000u32)
            .map(|i| b"ab\xC3\xA9\n"[i as usize % 5])
            .collect();
        std::fs::write(fs.root().join("f"), &text).unwrap();
        for (len, cap, expected) in [
            (text.len(), u64::MAX, &text[..]),
            (0, u64::MAX, &text[..]),
            (3, u64::MAX, &text[..3]),
            (text.len() + 7, u64::MAX, &text[..]),
            (text.len(), 100, &text[..100]),
            (50, 100, &text[..50]),
            (text.len(), 0, &text[..0]),
        ] {
            let (mut file, _) = open_walked(fs.root(), "f", false).unwrap();
            let bytes = read_opened(&mut file, len as u64, cap).unwrap();
            assert_eq!(bytes, expected, "{len} {cap}");
        }
        assert_eq!(
            read_walked_text(fs.root(), "f", 1 << 20).as_deref(),
            std::str::from_utf8(&text).ok()
        );
        assert_eq!(read_walked_text(fs.root(), "f", 100), None);
    }

    #[test]
    fn only_regular_files_are_read_and_within_the_cap() {
        let (tmp, fs) = repo();
        std::fs::write(tmp.path().join("creds"), "token").unwrap();
        symlink(tmp.path().join("creds"), fs.root().join("link")).unwrap();
        assert_eq!(
            fs.probe("link", 100).unwrap(),
            Found::Blocked(Blocker::Symlink)
        );
        std::fs::create_dir(fs.root().join("dir")).unwrap();
        assert_eq!(
            fs.probe("dir", 100).unwrap(),
            Found::Blocked(Blocker::NotAFile)
        );
        std::fs::write(fs.root().join("big"), "0123456789").unwrap();
        assert_eq!(
            fs.probe("big", 9).unwrap(),
            Found::Blocked(Blocker::TooLarge)
        );
        assert_eq!(fs.probe("none", 9).unwrap(), Found::Missing);
        let err = fs.read("link", 100).unwrap_err().to_string();
        assert!(err.contains("is a symlink"), "{err}");
        assert!(!err.contains("token"), "{err}");
    }

    #[test]
    fn a_fifo_is_not_read() {
        let (_tmp, fs) = repo();
        let status = std::process::Command::new("mkfifo")
            .arg(fs.root().join("pipe"))
            .status()
            .unwrap();
        assert!(status.success());
        assert_eq!(
            fs.probe("pipe", 100).unwrap(),
            Found::Blocked(Blocker::NotAFile)
        );
    }

    #[test]
    fn a_symlink_is_replaced_never_written_through() {
        let (tmp, fs) = repo();
        let target = tmp.path().join("target");
        std::fs::write(&target, "outside").unwrap();
        symlink(&target, fs.root().join("f")).unwrap();
        fs.write("f", b"inside", 0o644).unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"outside");
        assert!(!fs.root().join("f").is_symlink());
    }

    #[test]
    fn unique_folders_never_collide() {
        let (_tmp, fs) = repo();
        let a = fs.create_unique_dir(".scaffold/backup", "100").unwrap();
        let b = fs.create_unique_dir(".scaffold/backup", "100").unwrap();
        assert_eq!(a, ".scaffold/backup/100");
        assert_eq!(b, ".scaffold/backup/100-2");
    }

    #[test]
    fn stale_temporary_files_are_cleaned() {
        let (_tmp, fs) = repo();
        fs.create_dir_all(TMP_DIR).unwrap();
        std::fs::write(fs.root().join(TMP_DIR).join(".scaffold-tmp-123-0"), "half").unwrap();
        fs.clean_temp().unwrap();
        assert!(fs.names(TMP_DIR).is_empty());
    }
}
