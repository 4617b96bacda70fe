//! `.scaffold/lock`: one writing run at a time. The lock is an advisory file lock (`flock`), so
//! the system frees it when its holder dies, however it dies: a lock left by a killed run is taken
//! over at once. The file says who holds it (pid, command, start time) for the error a waiting run
//! prints.

use std::io::{Read as _, Seek as _, Write as _};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::fs::RepoFs;

pub(crate) const LOCK_PATH: &str = ".scaffold/lock";

/// How often a waiting run tries again.
const POLL: Duration = Duration::from_millis(50);

/// A held lock; dropping it removes the file and frees the lock.
#[derive(Debug)]
pub(crate) struct Lock<'a> {
    fs: &'a RepoFs,
    file: std::fs::File,
}

impl<'a> Lock<'a> {
    /// Takes the repo's lock for `command`, waiting up to `wait` for another run to finish.
    pub(crate) fn acquire(fs: &'a RepoFs, command: &str, wait: Duration) -> Result<Lock<'a>> {
        let deadline = Instant::now() + wait;
        loop {
            let (file, mut reader) = fs.open_lock_file(LOCK_PATH)?;
            match file.try_lock() {
                // A holder that finished removed the file after this run opened it: open again.
                Ok(()) if !fs.is_same_file(LOCK_PATH, &file) => {}
                Ok(()) => {
                    let mut lock = Lock { fs, file };
                    lock.describe(command)?;
                    return Ok(lock);
                }
                Err(std::fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(POLL);
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    let mut holder = String::new();
                    let _ = reader.read_to_string(&mut holder);
                    let holder = holder.trim();
                    return Err(Error::Locked {
                        path: fs.full(LOCK_PATH),
                        holder: if holder.is_empty() {
                            "a run that is starting".to_owned()
                        } else {
                            holder.to_owned()
                        },
                    });
                }
                Err(std::fs::TryLockError::Error(source)) => {
                    return Err(Error::Write {
                        path: fs.full(LOCK_PATH),
                        source,
                    });
                }
            }
        }
    }

    /// Writes who holds the lock into the file.
    fn describe(&mut self, command: &str) -> Result<()> {
        let started = time::OffsetDateTime::now_utc();
        let text = format!(
            "pid {}, `scaffold {command}`, started {} {:02}:{:02}:{:02} UTC\n",
            std::process::id(),
            started.date(),
            started.hour(),
            started.minute(),
            started.second()
        );
        let fail = |source| Error::Write {
            path: self.fs.full(LOCK_PATH),
            source,
        };
        self.file.set_len(0).map_err(fail)?;
        self.file.rewind().map_err(fail)?;
        self.file.write_all(text.as_bytes()).map_err(fail)
    }
}

/// Runs `f` holding the repo's lock for `command`, then releases it and removes the working
/// folders the run leaves empty (`.scaffold/tmp/`, and `.scaffold/` itself when nothing else is
/// there).
pub(crate) fn locked<T>(
    fs: &RepoFs,
    command: &str,
    wait: Duration,
    f: impl FnOnce() -> Result<T>,
) -> Result<T> {
    let lock = Lock::acquire(fs, command, wait)?;
    let undo = fs.try_clone();
    let result = crate::interrupt::with_cleanup(
        move || {
            if let Some(fs) = undo {
                let _ = fs.remove(LOCK_PATH);
                fs.tidy();
            }
        },
        f,
    );
    drop(lock);
    fs.tidy();
    result
}

impl Drop for Lock<'_> {
    fn drop(&mut self) {
        // Removed while still held, so a waiting run either gets this file (and sees it is gone)
        // or creates a new one.
        let _ = self.fs.remove(LOCK_PATH);
        let _ = self.file.unlock();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_run_waits_then_names_the_holder() {
        let tmp = tempfile::tempdir().unwrap();
        let fs = RepoFs::open(tmp.path()).unwrap();
        let held = Lock::acquire(&fs, "upgrade", Duration::ZERO).unwrap();
        let other = RepoFs::open(tmp.path()).unwrap();
        let err = Lock::acquire(&other, "init", Duration::from_millis(120)).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains(&format!("pid {}, `scaffold upgrade`", std::process::id())),
            "{text}"
        );
        assert_eq!(err.exit_status(), crate::exit::ExitStatus::Failure);
        drop(held);
        assert!(!tmp.path().join(LOCK_PATH).exists());
        let again = Lock::acquire(&other, "init", Duration::ZERO).unwrap();
        drop(again);
    }

    #[test]
    fn a_lock_file_left_by_a_dead_run_is_taken_over() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir(tmp.path().join(".scaffold")).unwrap();
        std::fs::write(
            tmp.path().join(LOCK_PATH),
            "pid 999999, `scaffold init`, started 2026-01-01 00:00:00 UTC\n",
        )
        .unwrap();
        let fs = RepoFs::open(tmp.path()).unwrap();
        let lock = Lock::acquire(&fs, "init", Duration::ZERO).unwrap();
        let text = std::fs::read_to_string(tmp.path().join(LOCK_PATH)).unwrap();
        assert!(
            text.starts_with(&format!("pid {},", std::process::id())),
            "{text}"
        );
        drop(lock);
    }
}
