//! `scaffold done STEP-ID...`: marks next steps done in the state, for the steps scaffold cannot
//! see in the repo (a branch rule, an environment secret). Unknown ids are an error that lists
//! the open ones; nothing is written then.

use crate::cli::DoneArgs;
use crate::error::{Error, Result};
use crate::exit::ExitStatus;
use crate::fs::RepoFs;
use crate::lock;
use crate::state::State;

pub(crate) fn run(args: &DoneArgs) -> Result<ExitStatus> {
    let root = crate::config::repo_root(args.dir.as_deref())?.path;
    let wait = crate::config::lock_wait_from_env()?;
    let fs = RepoFs::open(&root)?;
    lock::locked(&fs, "done", wait, || mark(&fs, &args.steps))
}

fn mark(fs: &RepoFs, ids: &[String]) -> Result<ExitStatus> {
    let mut state = State::load(fs)?;
    for id in ids {
        let step = state
            .foundations
            .values_mut()
            .find_map(|applied| applied.steps.get_mut(id));
        match step {
            Some(step) => step.done = true,
            None => {
                return Err(Error::UnknownStep {
                    id: id.clone(),
                    open: open_ids(&state, fs),
                });
            }
        }
    }
    state.save(fs)?;
    let open = open_ids(&state, fs).len();
    outln!(
        "marked {} step{} done; {open} open (`scaffold status` lists them)",
        ids.len(),
        if ids.len() == 1 { "" } else { "s" }
    );
    Ok(ExitStatus::Success)
}

/// The steps neither marked done nor shown done by the repo.
fn open_ids(state: &State, fs: &RepoFs) -> Vec<String> {
    state
        .foundations
        .values()
        .flat_map(|a| a.steps.iter())
        .filter(|(_, s)| !s.is_done(fs))
        .map(|(id, _)| id.clone())
        .collect()
}
