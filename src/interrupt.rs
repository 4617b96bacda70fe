//! Ctrl-C. A run stops where it is with the terminal restored (cursor shown, the half-drawn
//! prompt line cleared), says "interrupted" and exits 130, the shell convention for SIGINT.
//!
//! Writing is the one thing not cut short: while a plan is applied the interrupt waits until the
//! files and the state are all written, so a Ctrl-C never leaves half of a run (a killed run is
//! still recovered by the next one, through the pending journal).
//!
//! At a prompt, dialoguer reads keys in raw mode and raises SIGINT itself; the handler installed
//! here turns that into the same stop.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use dialoguer::console::Term;

/// How many writing sections are running now.
static SHIELDS: AtomicUsize = AtomicUsize::new(0);
/// Ctrl-C came during a writing section: stop as soon as the last one ends.
static PENDING: AtomicBool = AtomicBool::new(false);

/// What a stop must undo first: the repo's lock file and the `.scaffold/` folder made for it.
type Cleanup = Box<dyn FnOnce() + Send>;
static CLEANUP: Mutex<Option<Cleanup>> = Mutex::new(None);

/// Installs the handler, once per process. Failing to install one (another handler is already
/// there, as in an embedding program) leaves the default behaviour.
pub(crate) fn install() {
    let _ = ctrlc::set_handler(|| {
        if SHIELDS.load(Ordering::SeqCst) > 0 {
            PENDING.store(true, Ordering::SeqCst);
        } else {
            stop();
        }
    });
}

/// Runs `write` to its end even if Ctrl-C comes meanwhile, then stops if it came.
pub(crate) fn shielded<T>(write: impl FnOnce() -> T) -> T {
    SHIELDS.fetch_add(1, Ordering::SeqCst);
    let out = write();
    if SHIELDS.fetch_sub(1, Ordering::SeqCst) == 1 && PENDING.load(Ordering::SeqCst) {
        stop();
    }
    out
}

/// Runs `f` with `cleanup` to be run by a stop meanwhile (a run holding the repo's lock removes
/// it, so an interrupted run leaves nothing behind).
pub(crate) fn with_cleanup<T>(cleanup: impl FnOnce() + Send + 'static, f: impl FnOnce() -> T) -> T {
    set_cleanup(Some(Box::new(cleanup)));
    let out = f();
    set_cleanup(None);
    out
}

fn set_cleanup(cleanup: Option<Cleanup>) {
    let mut slot = CLEANUP
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    *slot = cleanup;
}

/// Undoes what the run holds, restores the terminal, says so, and exits 130.
pub(crate) fn stop() -> ! {
    let cleanup = CLEANUP
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .take();
    if let Some(cleanup) = cleanup {
        cleanup();
    }
    let term = Term::stderr();
    if term.is_term() {
        let _ = term.clear_line();
        let _ = term.show_cursor();
    }
    errln!("interrupted");
    std::process::exit(crate::exit::ExitStatus::Interrupted as i32)
}
