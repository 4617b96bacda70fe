//! Feedback on long work: a spinner on stderr for a step still running after half a second, and
//! a warning before walking a home folder. Nothing is drawn when stderr is not a terminal.

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

/// How long a step runs before its spinner shows: half a second, or
/// `SCAFFOLD_PROGRESS_DELAY_MS` (the tests show it at once).
fn delay() -> Duration {
    std::env::var("SCAFFOLD_PROGRESS_DELAY_MS")
        .ok()
        .and_then(|ms| ms.trim().parse().ok())
        .map_or(Duration::from_millis(500), Duration::from_millis)
}

/// A spinner that shows if the step outlives `DELAY`; it is cleared when this is dropped.
pub(crate) struct Spinner {
    done: Option<mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Spinner {
    /// Starts timing `message` (`reading the repo`); draws only on a terminal, and not under `-q`.
    pub(crate) fn start(message: &'static str) -> Spinner {
        use std::io::IsTerminal as _;
        if crate::output::quiet() || !std::io::stderr().is_terminal() {
            return Spinner {
                done: None,
                thread: None,
            };
        }
        let (done, wait) = mpsc::channel::<()>();
        let delay = delay();
        let thread = std::thread::spawn(move || {
            if wait.recv_timeout(delay) != Err(mpsc::RecvTimeoutError::Timeout) {
                return;
            }
            let bar = indicatif::ProgressBar::new_spinner().with_message(message);
            bar.tick();
            bar.enable_steady_tick(Duration::from_millis(100));
            let _ = wait.recv();
            bar.finish_and_clear();
        });
        Spinner {
            done: Some(done),
            thread: Some(thread),
        }
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        drop(self.done.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Runs `step` with a spinner saying `message` if it takes long.
pub(crate) fn with_spinner<T>(message: &'static str, step: impl FnOnce() -> T) -> T {
    let _spinner = Spinner::start(message);
    step()
}

/// A warning before reading a home folder whole, which can take minutes.
pub(crate) fn warn_if_home(root: &Path) {
    let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty()) else {
        return;
    };
    let home = Path::new(&home);
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    };
    if same(root, home) {
        errln!(
            "warning: `{}` is your home folder: scaffold reads every file in it, which can take minutes; run it inside a repository, or name one with -C DIR",
            root.display()
        );
    }
}

/// Counts the files a walk keeps and warns once, as soon as they pass a size past which reading
/// them all takes a while: 100,000, or `SCAFFOLD_LARGE_TREE_FILES` (the tests use a small one).
pub(crate) struct LargeTree<'a> {
    root: &'a Path,
    limit: usize,
    seen: std::sync::atomic::AtomicUsize,
}

impl LargeTree<'_> {
    pub(crate) fn new(root: &Path) -> LargeTree<'_> {
        let limit = std::env::var("SCAFFOLD_LARGE_TREE_FILES")
            .ok()
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or(100_000);
        LargeTree {
            root,
            limit,
            seen: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    /// One more file; the warning when this one passes the limit.
    pub(crate) fn saw_file(&self) {
        let seen = self.seen.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        if seen == self.limit + 1 {
            errln!(
                "warning: more than {} files below `{}` that .gitignore does not exclude: reading them takes a while; ignore what is not the team's code, or name the repository with -C DIR",
                self.limit,
                self.root.display()
            );
        }
    }
}
