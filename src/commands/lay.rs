//! The pipeline `init`, `add` and `upgrade` share: choose the blueprints' source, answer, choose
//! the foundations, render, plan, then print or apply, then record. Nothing is written before the
//! whole plan is known and every conflict is resolved (or, on upgrade, merged).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use crate::answers::{self, Resolver};
use crate::apply;
use crate::assess::Assessment;
use crate::blueprint::catalog::{Blueprint, Catalog};
use crate::blueprint::manifest::{Mode, Owner};
use crate::blueprint::render::{self, Extras, RenderedFile, RenderedStep};
use crate::blueprint::source::{self, Fork, SourceKind, SourceRecord};
use crate::config::{Config, Force};
use crate::detect::Detected;
use crate::detect::gitlab::{self, TeamPipeline};
use crate::error::{ConflictPath, Error, Result};
use crate::exit::ExitStatus;
use crate::fs::RepoFs;
use crate::lock;
use crate::parallel;
use crate::plan::{self, Action, Plan, Purpose};
use crate::prompt::{Prompter, Terminal};
use crate::questions::{self, COMMON_KEYS};
use crate::state::{self, Applied, FileRecord, State, Step};

/// Which foundations a run lays.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Selection<'a> {
    /// `init`: `--only`, or the stage's recommendation (offered in a picker on a terminal).
    Init { only: Option<&'a [String]> },
    /// `add`: exactly these.
    Add { ids: &'a [String] },
    /// `upgrade`: these applied foundations (all when empty), plus what a new stage recommends.
    Upgrade { ids: &'a [String] },
}

impl Selection<'_> {
    fn command(&self) -> &'static str {
        match self {
            Selection::Init { .. } => "init",
            Selection::Add { .. } => "add",
            Selection::Upgrade { .. } => "upgrade",
        }
    }
}

/// Runs the pipeline under the repo's lock (none for `--dry-run`, which writes nothing).
pub(crate) fn run(
    config: &Config,
    stage_flag: Option<&str>,
    selection: Selection<'_>,
) -> Result<ExitStatus> {
    let fs = RepoFs::open(&config.root)?;
    if config.dry_run {
        return lay(config, &fs, stage_flag, selection);
    }
    lock::locked(&fs, selection.command(), config.lock_wait, || {
        lay(config, &fs, stage_flag, selection)
    })
}

/// The stages, each a function: state → source → answers and foundations → render → plan →
/// print (dry run), or resolve → apply → report.
fn lay(
    config: &Config,
    fs: &RepoFs,
    stage_flag: Option<&str>,
    selection: Selection<'_>,
) -> Result<ExitStatus> {
    let (state, recovered) = open_state(fs, !config.dry_run)?;
    let upgrading = matches!(selection, Selection::Upgrade { .. });
    let fork = crate::progress::with_spinner("reading the blueprints' source", || {
        open_source(config, &state, upgrading)
    })?;
    let catalog = Catalog::load(fork.as_ref())?;
    let provided = answers::gather(&config.sets, config.answers_file.as_deref(), stage_flag)?;
    let mut terminal = Terminal::new();
    let asked = ask(
        config,
        selection,
        &provided,
        &catalog,
        &state,
        &mut terminal,
    )?;
    let rendered = render_checked(config, fs, &catalog, &asked, &state)?;
    let ids: Vec<String> = asked.chosen.iter().map(|b| b.manifest.id.clone()).collect();
    let purpose = if upgrading {
        Purpose::Upgrade
    } else {
        Purpose::Lay
    };
    let mut plan = Plan::compute(fs, rendered.files, &state, purpose, &ids)?;
    check_forced(&plan, &config.force)?;
    take_theirs(&mut plan, &config.force);
    print_summary(config, &asked, &state, upgrading, fork.as_ref());
    if config.verbose {
        let team_stage = asked.answers.get("stage").map_or("seed", String::as_str);
        out!(
            "{}",
            super::explain::reasons(&asked.assessment, &catalog, team_stage)
        );
    }
    if config.dry_run {
        out!("{plan}");
        crate::output::document(&crate::output::coloured_diff(&plan.diffs()))?;
        outln!("dry run: nothing was written");
        return Ok(ExitStatus::Success);
    }
    let outcome = Outcome {
        state: &state,
        records: rendered.records,
        answers: &asked.answers,
        provided: &provided,
        source: fork.as_ref().map(|f| f.record.clone()),
        recovered,
        new_steps: &rendered.new_steps,
    };
    write(config, fs, plan, asked.prompter, outcome)
}

/// What asking gives: the repo's assessment, every answer, the foundations chosen, and the
/// terminal (if any) for deciding conflicts later.
struct Asked<'c, 't> {
    assessment: Assessment,
    answers: BTreeMap<String, String>,
    chosen: Vec<&'c Blueprint>,
    prompter: Option<&'t mut dyn Prompter>,
}

/// The answers and the foundations: the foundations named are checked before any question is
/// asked; the common questions, then the choice, then the chosen blueprints' own questions.
fn ask<'c, 't>(
    config: &Config,
    selection: Selection<'_>,
    provided: &'t answers::Provided,
    catalog: &'c Catalog,
    state: &State,
    terminal: &'t mut Terminal,
) -> Result<Asked<'c, 't>> {
    let named = match selection {
        Selection::Init { only: Some(ids) } | Selection::Add { ids } => Some(catalog.select(ids)?),
        _ => None,
    };
    if let Selection::Upgrade { ids } = selection {
        check_applied(state, ids)?;
    }
    // One reading of the repo serves the defaults and the recommendation (`scaffold assess`): the
    // walk and detection; files are read for leaks only if the recommendation depends on them.
    crate::progress::warn_if_home(&config.root);
    let assessment = crate::progress::with_spinner("reading the repo", || {
        Assessment::for_laying(&config.root, state.clone())
    });
    answers::check_provided(provided, &questions::common(), catalog)?;
    let mut resolver = Resolver {
        provided,
        recorded: recorded_answers(state),
        defaults: defaults(&config.root, &assessment.detected),
        yes: config.yes,
        // --yes never asks, even on a terminal.
        prompter: if config.interactive && !config.yes {
            Some(terminal as &mut dyn Prompter)
        } else {
            None
        },
        answers: BTreeMap::new(),
        missing: Vec::new(),
    };
    for question in &questions::common() {
        resolver.resolve(question)?;
    }
    let chosen = choose(
        config,
        selection,
        named,
        catalog,
        state,
        &assessment,
        &mut resolver,
    )?;
    check_fit(&chosen, &resolver.answers)?;
    check_depends(&chosen, state)?;
    for blueprint in &chosen {
        for question in &blueprint.manifest.questions {
            resolver.resolve(question)?;
        }
    }
    let prompter = resolver.prompter.take();
    let answers = resolver.finish()?;
    Ok(Asked {
        assessment,
        answers,
        chosen,
        prompter,
    })
}

/// Renders the chosen blueprints with what was detected of the repo, and checks that the team's
/// `.gitlab-ci.yml` can take their GitLab jobs.
fn render_checked(
    config: &Config,
    fs: &RepoFs,
    catalog: &Catalog,
    asked: &Asked<'_, '_>,
    state: &State,
) -> Result<Rendered> {
    let mut repo = crate::detect::template_context(
        &asked.assessment.detected,
        asked.answers.get("language").map(String::as_str),
    );
    let pipeline = team_pipeline(fs, state);
    repo["gitlab_ci"] = pipeline.context();
    let rendered = render(
        config,
        fs,
        catalog,
        &asked.chosen,
        &asked.answers,
        state,
        &repo,
    )?;
    pipeline.check(&rendered.files)?;
    Ok(rendered)
}

/// What the run is about: the stack and each foundation (with what an upgrade changes), a stack
/// scaffold sees but does not build, and a newer tag of the blueprints' source.
fn print_summary(
    config: &Config,
    asked: &Asked<'_, '_>,
    state: &State,
    upgrading: bool,
    fork: Option<&Fork>,
) {
    let detected = &asked.assessment.detected;
    outln!("{}", describe(&asked.answers, &asked.chosen, state));
    if upgrading {
        print_changes(&asked.chosen, state, config.verbose);
    }
    if !detected.unsupported.is_empty() {
        errln!(
            "note: scaffold sees {} but does not build it yet: `ci` is left out; the other foundations apply",
            detected.unsupported.join(", ")
        );
    }
    if let Some(tag) = fork.and_then(|f| f.newer_tag.as_deref()) {
        outln!("{}", source::newer_tag_note(tag));
    }
}

/// What a run records besides its plan: the state before, each rendered foundation's record,
/// the answers and source to remember, whether it recovers a killed run, and the next steps new
/// to this repo (printed unless the repo already shows them done).
struct Outcome<'a> {
    state: &'a State,
    records: Vec<(String, Applied)>,
    answers: &'a BTreeMap<String, String>,
    provided: &'a answers::Provided,
    source: Option<SourceRecord>,
    recovered: bool,
    new_steps: &'a [(String, String)],
}

/// Resolves what is left of the plan (refusals, `--force`, conflicts), then applies it and reports,
/// or says there is nothing to do.
fn write(
    config: &Config,
    fs: &RepoFs,
    mut plan: Plan,
    prompter: Option<&mut dyn Prompter>,
    outcome: Outcome<'_>,
) -> Result<ExitStatus> {
    let blocked = plan.blocked();
    if !blocked.is_empty() {
        return Err(Error::Blocked { paths: blocked });
    }
    resolve_conflicts(&mut plan, outcome.state, &config.force, prompter)?;
    // The state follows the plan as resolved (a file taken back with --force gets a new record).
    let mut next = next_state(outcome.state, outcome.records, &plan);
    remember_answers(&mut next, outcome.answers, outcome.provided);
    if let Some(source) = outcome.source {
        next.source = Some(source);
    }
    close_observed_steps(fs, &plan, &mut next);
    let next_steps = open_texts(&next, outcome.new_steps);
    if !plan.writes_anything() && next == *outcome.state && !outcome.recovered {
        say_nothing_to_do(&plan);
        return Ok(ExitStatus::Success);
    }
    out!("{plan}");
    let done = apply_plan(fs, &plan, &next)?;
    Ok(report(config, &plan, &done, &next_steps))
}

/// Marks done every open step whose `done_when` the repo meets once the plan is applied (the
/// plan's content for the files it writes, the disk for the others).
fn close_observed_steps(fs: &RepoFs, plan: &Plan, next: &mut State) {
    for step in next
        .foundations
        .values_mut()
        .flat_map(|a| a.steps.values_mut())
    {
        let Some(when) = step.done_when.as_ref().filter(|_| !step.done) else {
            continue;
        };
        let planned = plan
            .changes
            .iter()
            .find(|c| c.path == when.file && c.action.writes());
        step.done = match planned {
            Some(change) if change.action == Action::Remove => false,
            Some(change) => when.holds(Some(&change.new)),
            None => when.holds_in(fs),
        };
    }
}

/// The texts of the new steps still open, each distinct text once, in order.
fn open_texts(next: &State, new_steps: &[(String, String)]) -> Vec<String> {
    let mut texts: Vec<String> = Vec::new();
    for (foundation, id) in new_steps {
        let step = next
            .foundations
            .get(foundation)
            .and_then(|a| a.steps.get(id));
        if let Some(step) = step.filter(|s| !s.done)
            && !texts.contains(&step.text)
        {
            texts.push(step.text.clone());
        }
    }
    texts
}

/// What each upgraded foundation's new versions change, from its CHANGELOG: every version's
/// points, first lines only, or (`--verbose`) each entry's whole text.
fn print_changes(chosen: &[&Blueprint], state: &State, verbose: bool) {
    for blueprint in chosen {
        let (Some(applied), Some(text)) = (
            state.foundations.get(&blueprint.manifest.id),
            blueprint.changelog.as_deref(),
        ) else {
            continue;
        };
        let entries = crate::blueprint::changelog::between(
            text,
            &applied.version,
            &blueprint.manifest.version,
        );
        if entries.is_empty() {
            continue;
        }
        outln!(
            "changes in {} since {}:",
            blueprint.manifest.id,
            applied.version
        );
        for entry in entries {
            if verbose {
                outln!("  {}:", entry.version);
                for line in entry.text.lines() {
                    outln!("    {line}");
                }
                continue;
            }
            for point in &entry.points {
                outln!("  {}: {point}", entry.version);
            }
        }
    }
}

/// A run with nothing to write: up to date, or different from the blueprint only where the team
/// kept or deleted files, which `--force` would take back.
fn say_nothing_to_do(plan: &Plan) {
    let theirs = plan.changes.iter().filter(|c| forcible(c)).count();
    if theirs == 0 {
        outln!(
            "nothing to do: all {} files are up to date",
            plan.changes.len()
        );
    } else {
        outln!(
            "nothing to write: {theirs} file{} differ{} from the blueprint because you changed or deleted {}; `--force` takes scaffold's version (yours is saved under .scaffold/backup/ first)",
            if theirs == 1 { "" } else { "s" },
            if theirs == 1 { "s" } else { "" },
            if theirs == 1 { "it" } else { "them" },
        );
    }
}

/// The recorded state, and whether a killed run left one to recover from (the state it was about
/// to record, recovered from the files it did write: the run then records, even when no file
/// changes). A writing run first clears the killed run's temporary files.
fn open_state(fs: &RepoFs, writing: bool) -> Result<(State, bool)> {
    if writing {
        fs.clean_temp()?;
    }
    let state = State::load(fs)?;
    Ok((state, writing && State::interrupted(fs)))
}

/// Every chosen foundation can be laid with these answers (`ci` needs a language it builds).
fn check_fit(chosen: &[&Blueprint], answers: &BTreeMap<String, String>) -> Result<()> {
    for blueprint in chosen {
        if let Some((key, allowed)) = blueprint
            .manifest
            .requires
            .as_ref()
            .and_then(|when| when.unmet(answers))
        {
            return Err(Error::Unfit {
                id: blueprint.manifest.id.clone(),
                key: key.to_owned(),
                value: answers.get(key).cloned().unwrap_or_default(),
                allowed: allowed.to_vec(),
            });
        }
    }
    Ok(())
}

/// Each foundation laid for the first time has what it `depends_on` laid already or chosen in the
/// same run (iac writes into secrets-rbac's `infra/ci-identity`): never chosen silently, named.
fn check_depends(chosen: &[&Blueprint], state: &State) -> Result<()> {
    let has =
        |id: &str| state.foundations.contains_key(id) || chosen.iter().any(|b| b.manifest.id == id);
    for blueprint in chosen {
        if state.foundations.contains_key(&blueprint.manifest.id) {
            continue;
        }
        if let Some(needs) = blueprint.manifest.depends_on.iter().find(|d| !has(d)) {
            let mut with: Vec<&str> = chosen.iter().map(|b| b.manifest.id.as_str()).collect();
            with.push(needs);
            return Err(Error::MissingDependency {
                id: blueprint.manifest.id.clone(),
                needs: needs.clone(),
                with: with.join(","),
            });
        }
    }
    Ok(())
}

/// The team's part of `.gitlab-ci.yml`, as it is now (none when it cannot be read: the plan then
/// says why; none either when an earlier blueprint version owned the file whole: it is scaffold's,
/// and the include block replaces it).
fn team_pipeline(fs: &RepoFs, state: &State) -> TeamPipeline {
    let owned_whole = state.foundations.values().any(|a| {
        a.files
            .get(gitlab::PATH)
            .is_some_and(|r| r.mode == Mode::File)
    });
    if owned_whole {
        return TeamPipeline::default();
    }
    match fs.read(gitlab::PATH, crate::fs::FILE_CAP) {
        Ok(Some(bytes)) => TeamPipeline::read(&String::from_utf8_lossy(&bytes)),
        _ => TeamPipeline::default(),
    }
}

/// `upgrade` needs applied foundations, and the ones it names must be among them.
fn check_applied(state: &State, ids: &[String]) -> Result<()> {
    if state.foundations.is_empty() {
        return Err(Error::NothingApplied);
    }
    for id in ids {
        if !state.foundations.contains_key(id) {
            return Err(Error::NotApplied {
                id: id.clone(),
                applied: state.foundations.keys().cloned().collect(),
            });
        }
    }
    Ok(())
}

/// The foundations this run lays: the named ones; on upgrade the applied ones plus what a new
/// stage recommends; on a bare `init` the recommendation, offered in a picker on a terminal.
fn choose<'c>(
    config: &Config,
    selection: Selection<'_>,
    named: Option<Vec<&'c Blueprint>>,
    catalog: &'c Catalog,
    state: &State,
    assessment: &Assessment,
    resolver: &mut Resolver<'_>,
) -> Result<Vec<&'c Blueprint>> {
    let handmade_ci: Vec<&String> = assessment
        .detected
        .ci_files
        .iter()
        .filter(|f| !state.foundations.values().any(|a| a.files.contains_key(*f)))
        .collect();
    let chosen = match selection {
        Selection::Init { only: Some(_) } | Selection::Add { .. } => named.unwrap_or_default(),
        Selection::Upgrade { ids } => {
            let mut chosen = Vec::new();
            let wanted: Vec<String> = if ids.is_empty() {
                state.foundations.keys().cloned().collect()
            } else {
                ids.to_vec()
            };
            for id in &wanted {
                chosen.push(catalog.get(id).ok_or_else(|| Error::UnknownFoundation {
                    id: id.clone(),
                    known: catalog.ids(),
                })?);
            }
            // A new stage brings the foundations it recommends.
            let stage_changed = state.answers.get("stage") != resolver.answers.get("stage");
            if ids.is_empty() && stage_changed && resolver.missing.is_empty() {
                let recommended = recommended(
                    assessment,
                    catalog,
                    &resolver.answers,
                    !handmade_ci.is_empty(),
                );
                for (b, yes) in catalog.blueprints().iter().zip(recommended) {
                    if yes && !state.foundations.contains_key(&b.manifest.id) {
                        chosen.push(b);
                    }
                }
            }
            chosen
        }
        Selection::Init { only: None } => {
            pick_recommended(config, catalog, state, assessment, resolver, &handmade_ci)?
        }
    };
    if chosen.is_empty() {
        return Err(Error::NothingSelected {
            known: catalog.ids(),
        });
    }
    Ok(chosen)
}

/// A bare `init`: the foundations recommended for the stage, offered in a picker on a terminal.
fn pick_recommended<'c>(
    config: &Config,
    catalog: &'c Catalog,
    state: &State,
    assessment: &Assessment,
    resolver: &mut Resolver<'_>,
    handmade_ci: &[&String],
) -> Result<Vec<&'c Blueprint>> {
    if !resolver.missing.is_empty() {
        return Err(Error::MissingAnswers {
            missing: std::mem::take(&mut resolver.missing),
            yes: resolver.yes,
        });
    }
    let team_stage = resolver.answers["stage"].clone();
    let recommended = recommended(
        assessment,
        catalog,
        &resolver.answers,
        !handmade_ci.is_empty(),
    );
    if catalog.get("ci").is_some()
        && !handmade_ci.is_empty()
        && !state.foundations.contains_key("ci")
    {
        errln!(
            "note: `ci` is not recommended because this repo already has CI ({}); add it with --only if you want it",
            handmade_ci
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let picked: Vec<usize> = match resolver.prompter.as_deref_mut() {
        Some(prompter) if !config.yes => {
            let items: Vec<String> = catalog
                .blueprints()
                .iter()
                .map(|b| format!("{:<15} {}", b.manifest.id, b.manifest.why))
                .collect();
            let picked = prompter.multi_select(
                &format!("Foundations to lay (recommended for {team_stage} are checked)"),
                &items,
                &recommended,
            )?;
            if picked.is_empty() {
                return Err(Error::NoneChosen);
            }
            picked
        }
        _ => (0..recommended.len()).filter(|i| recommended[*i]).collect(),
    };
    Ok(picked
        .into_iter()
        .map(|i| &catalog.blueprints()[i])
        .collect())
}

/// What rendering the chosen blueprints gives: their files, the next steps this repo has not
/// seen yet (all of a new foundation's, the ones a new version adds: foundation and step id), and
/// a record per foundation (its files are filled in once the plan is resolved).
struct Rendered {
    files: Vec<RenderedFile>,
    new_steps: Vec<(String, String)>,
    records: Vec<(String, Applied)>,
}

/// Renders every chosen blueprint (their files spread over the cores). A foundation keeps its ADR
/// number and date; a new one takes the next free number and today.
fn render(
    config: &Config,
    fs: &RepoFs,
    catalog: &Catalog,
    chosen: &[&Blueprint],
    answers: &BTreeMap<String, String>,
    state: &State,
    repo: &serde_json::Value,
) -> Result<Rendered> {
    let numbers = adr_numbers(fs, state, chosen);
    let jobs: Vec<(&Blueprint, BTreeMap<String, String>, u32, String)> = chosen
        .iter()
        .zip(numbers)
        .map(|(blueprint, adr_number)| {
            let previous = state.foundations.get(&blueprint.manifest.id);
            let date = previous.map_or_else(|| config.today.clone(), |p| p.date.clone());
            (
                *blueprint,
                own_answers(blueprint, answers),
                adr_number,
                date,
            )
        })
        .collect();
    let render_jobs: Vec<render::Job<'_>> = jobs
        .iter()
        .map(|(blueprint, own, adr_number, date)| render::Job {
            blueprint,
            answers: own,
            extras: Extras {
                adr_number: *adr_number,
                date,
                shared: &catalog.shared,
                repo,
            },
        })
        .collect();
    let results = render::render_all(&render_jobs, parallel::cores());
    drop(render_jobs);
    let mut out = Rendered {
        files: Vec::new(),
        new_steps: Vec::new(),
        records: Vec::new(),
    };
    for ((blueprint, own, _, date), rendered) in jobs.into_iter().zip(results) {
        let rendered = rendered?;
        let id = &blueprint.manifest.id;
        let previous = state.foundations.get(id).map(|a| &a.steps);
        let steps = steps_of(id, rendered.next_steps, previous, &mut out.new_steps);
        let adr = rendered
            .files
            .iter()
            .find(|f| f.is_adr)
            .map(|f| f.path.clone());
        out.records.push((
            id.clone(),
            Applied {
                version: blueprint.manifest.version.clone(),
                source: blueprint.source.clone(),
                date,
                adr,
                answers: own,
                files: BTreeMap::new(),
                steps,
            },
        ));
        out.files.extend(rendered.files);
    }
    Ok(out)
}

/// A foundation's next steps as recorded: each keeps `done` from its previous record; the ids
/// this repo has not seen are added to `new_steps`.
fn steps_of(
    foundation: &str,
    rendered: Vec<RenderedStep>,
    previous: Option<&BTreeMap<String, Step>>,
    new_steps: &mut Vec<(String, String)>,
) -> BTreeMap<String, Step> {
    let mut steps = BTreeMap::new();
    for step in rendered {
        let seen = previous.and_then(|p| p.get(&step.id));
        if seen.is_none() {
            new_steps.push((foundation.to_owned(), step.id.clone()));
        }
        steps.insert(
            step.id,
            Step {
                text: step.text,
                done: seen.is_some_and(|s| s.done),
                done_when: step.done_when,
            },
        );
    }
    steps
}

/// The state after this run: each rendered foundation's record, with a hash of what it owns in
/// every file applied (a `once` or deleted file keeps its previous record).
fn next_state(state: &State, records: Vec<(String, Applied)>, plan: &Plan) -> State {
    let mut next = state.clone();
    for (id, mut record) in records {
        let previous = state.foundations.get(&id);
        for change in &plan.changes {
            for part in change.parts.iter().filter(|p| p.foundation == id) {
                let kept = matches!(change.action, Action::Skip | Action::Deleted);
                let entry = if kept {
                    previous.and_then(|p| p.files.get(&change.path)).cloned()
                } else {
                    Some(FileRecord {
                        sha256: state::hash(&part.content),
                        mode: part.mode,
                        owner: part.owner,
                        block: (part.mode == Mode::Block && part.block != id)
                            .then(|| part.block.clone()),
                    })
                };
                if let Some(entry) = entry {
                    record.files.insert(change.path.clone(), entry);
                }
            }
        }
        next.foundations.insert(id, record);
    }
    next
}

/// The common answers, and any other given answer, so a later `add` need not ask again.
fn remember_answers(
    state: &mut State,
    answers: &BTreeMap<String, String>,
    provided: &answers::Provided,
) {
    for key in COMMON_KEYS {
        state.answers.insert(key.to_owned(), answers[key].clone());
    }
    for (key, given) in provided {
        state.answers.insert(key.clone(), given.value.clone());
    }
}

/// Applies the plan as one recoverable step: the state it leads to is saved aside first, so a run
/// killed while writing files is recovered by the next one; the state itself is written last.
/// A Ctrl-C meanwhile waits until it is done.
fn apply_plan(fs: &RepoFs, plan: &Plan, next: &State) -> Result<apply::Applied> {
    crate::interrupt::shielded(|| {
        next.save_pending(fs)?;
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
            .to_string();
        let done = apply::apply(fs, plan, &stamp)?;
        apply::record(fs, plan, next)?;
        Ok(done)
    })
}

/// What the run did and what the team does next; exit 1 when an upgrade left conflict markers.
fn report(
    config: &Config,
    plan: &Plan,
    done: &apply::Applied,
    next_steps: &[String],
) -> ExitStatus {
    outln!(
        "wrote {} file{}; review them and commit them with .scaffold/",
        done.written,
        if done.written == 1 { "" } else { "s" }
    );
    for backup in &done.backups {
        outln!(
            "saved your previous version as {}",
            backup
                .strip_prefix(&config.root)
                .unwrap_or(backup)
                .display()
        );
    }
    for change in plan.changes.iter().filter(|c| c.action == Action::Orphan) {
        outln!(
            "{} is no longer part of `{}`; you changed it, so it stays and is yours now",
            change.path,
            change.foundations()
        );
    }
    if !next_steps.is_empty() {
        outln!("\nnext steps:");
        let width = crate::output::width();
        for (i, step) in next_steps.iter().enumerate() {
            outln!(
                "{}",
                crate::output::wrapped(&format!("  {}. ", i + 1), 5, step, width)
            );
        }
    }
    let marked: Vec<String> = plan.marked().map(|c| c.path.clone()).collect();
    if marked.is_empty() {
        return ExitStatus::Success;
    }
    errln!(
        "{} conflict{}: both you and the blueprint changed the same lines; resolve the markers (<<<<<<< yours / >>>>>>> scaffold, now), then commit:\n{}",
        marked.len(),
        if marked.len() == 1 { "" } else { "s" },
        marked
            .iter()
            .map(|p| format!("  {p}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    ExitStatus::Refused
}

/// The blueprints' source: a new `--source`, else the one recorded (its recorded commit for
/// `init`/`add`, where `--ref` is refused, its newest for `upgrade`), else none (the embedded
/// blueprints alone).
fn open_source(config: &Config, state: &State, upgrading: bool) -> Result<Option<Fork>> {
    if let Some(spec) = &config.source {
        return config
            .sources()
            .open(spec, config.reference.as_deref())
            .map(Some);
    }
    match &state.source {
        Some(record) if upgrading => config
            .sources()
            .reopen(record, config.reference.as_deref())
            .map(Some),
        Some(record) => {
            let pinned = match record.kind {
                SourceKind::Git => record.commit.as_deref(),
                SourceKind::Dir => None,
            };
            // `init`/`add` lay from the recorded commit; moving to another is what upgrade does.
            if let (Some(reference), Some(_)) = (&config.reference, pinned) {
                return Err(Error::RefMovesRecordedSource {
                    reference: reference.clone(),
                    recorded: record.label(),
                });
            }
            let mut fork = config
                .sources()
                .reopen(record, pinned.or(config.reference.as_deref()))?;
            // Re-reading at the recorded commit keeps the recorded ref.
            fork.record.reference.clone_from(&record.reference);
            Ok(Some(fork))
        }
        None if config.reference.is_some() => Err(Error::RefWithoutSource),
        None => Ok(None),
    }
}

/// Which blueprints of the catalog the stage and stack call for: the assessment decides for the
/// foundations it knows (from the areas that are due and not in place by hand); a fork's other
/// blueprints follow their manifest's `recommended`. A repo with hand-made CI never gets `ci`.
fn recommended(
    assessment: &Assessment,
    catalog: &Catalog,
    answers: &BTreeMap<String, String>,
    handmade_ci: bool,
) -> Vec<bool> {
    let stage = answers.get("stage").map_or("seed", String::as_str);
    let declared = |key: &str| answers.get(key).is_some_and(|v| v != "none");
    let ids = assessment.recommended_for(stage, declared("database"), declared("cloud"));
    if let Some(note) = assessment.leak_scan_note() {
        errln!("note: {note}");
    }
    let assessed = Assessment::assessed_foundations();
    catalog
        .blueprints()
        .iter()
        .map(|b| {
            let id = b.manifest.id.as_str();
            if (id == "ci" && handmade_ci) || !b.manifest.fits(answers) {
                false
            } else if assessed.contains(&id) {
                ids.contains(&id)
            } else {
                b.manifest.recommends(answers)
            }
        })
        .collect()
}

/// `--force=PATH...`: every path must be a file of this run's plan (it names what it takes back).
fn check_forced(plan: &Plan, force: &Force) -> Result<()> {
    let Force::Paths(paths) = force else {
        return Ok(());
    };
    for path in paths {
        if !plan.changes.iter().any(|c| c.path == *path) {
            return Err(Error::ForceNotInPlan {
                path: path.clone(),
                known: plan.changes.iter().map(|c| c.path.clone()).collect(),
            });
        }
    }
    Ok(())
}

/// `--force`: the blueprint's version of every file or block the team changed or deleted (or of
/// the paths given), even when the blueprint has nothing new for it (the old content is backed up
/// first). `once` files stay the team's, and so does a block the team removed.
fn take_theirs(plan: &mut Plan, force: &Force) {
    for change in &mut plan.changes {
        if !force.covers(&change.path) || !forcible(change) {
            continue;
        }
        let action = match change.action {
            Action::Merge | Action::MergeConflict | Action::Keep => Action::Overwrite,
            Action::Deleted => Action::Create,
            _ => continue,
        };
        let Some(new) = blueprint_version(change) else {
            continue;
        };
        let new = if change.crlf {
            plan::to_crlf(&new)
        } else {
            new
        };
        if change.old.as_deref() != Some(new.as_slice()) {
            change.new = new;
            change.action = action;
        }
    }
}

/// Whether the file differs from the blueprint because of the team in a way `--force` takes back:
/// kept, deleted or merged, and not a `once` file.
fn forcible(change: &plan::Change) -> bool {
    matches!(
        change.action,
        Action::Keep | Action::Deleted | Action::Merge | Action::MergeConflict
    ) && change.parts.iter().all(|p| p.owner != Owner::Once)
}

/// The file as the blueprint has it, with LF: the whole file, or the team's file with every block
/// of scaffold's as rendered (`None` when the team's file is not text).
fn blueprint_version(change: &plan::Change) -> Option<Vec<u8>> {
    match change.parts.as_slice() {
        [part] if part.mode == Mode::File => Some(part.content.clone()),
        parts => {
            let old = change.old.as_deref().unwrap_or_default();
            let mut text = String::from_utf8(plan::lf(old).into_owned()).ok()?;
            for part in parts {
                let inner = String::from_utf8_lossy(&part.content);
                text = plan::splice_block(&text, &part.block, &part.comment, &inner).0;
            }
            Some(text.into_bytes())
        }
    }
}

/// Conflicts are overwritten with `--force` (those it names), decided one by one on a terminal,
/// and refused otherwise.
fn resolve_conflicts(
    plan: &mut Plan,
    state: &State,
    force: &Force,
    prompter: Option<&mut dyn Prompter>,
) -> Result<()> {
    for change in &mut plan.changes {
        if change.action == Action::Conflict && force.covers(&change.path) {
            change.action = Action::Overwrite;
        }
    }
    let written = |path: &str| {
        state
            .foundations
            .values()
            .any(|a| a.files.contains_key(path))
    };
    let conflicts: Vec<ConflictPath> = plan
        .conflicts()
        .map(|c| ConflictPath {
            path: c.path.clone(),
            foundation: c.foundations(),
            written: written(&c.path),
        })
        .collect();
    if conflicts.is_empty() {
        return Ok(());
    }
    let Some(prompter) = prompter else {
        return Err(Error::Conflicts { paths: conflicts });
    };
    let options = [
        "keep mine".to_owned(),
        "overwrite (yours is saved under .scaffold/backup/)".to_owned(),
        "show diff".to_owned(),
    ];
    for change in &mut plan.changes {
        if change.action != Action::Conflict {
            continue;
        }
        loop {
            let why = if written(&change.path) {
                "changed since scaffold wrote it"
            } else {
                "is already there, not written by scaffold"
            };
            let pick = prompter.select(&format!("{} {why}", change.path), &options, 0)?;
            match pick {
                0 => change.action = Action::Keep,
                1 => change.action = Action::Overwrite,
                _ => {
                    err!("{}", plan::diff(change));
                    continue;
                }
            }
            break;
        }
    }
    Ok(())
}

/// The common answers and the blueprint's own.
fn own_answers(
    blueprint: &Blueprint,
    answers: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    answers
        .iter()
        .filter(|(k, _)| {
            COMMON_KEYS.contains(&k.as_str())
                || blueprint.manifest.questions.iter().any(|q| q.key == **k)
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Answers recorded by earlier runs: the common ones and every foundation's own.
fn recorded_answers(state: &State) -> BTreeMap<String, String> {
    let mut out = state.answers.clone();
    for applied in state.foundations.values() {
        for (k, v) in &applied.answers {
            out.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    out
}

/// Defaults of the common questions: what detection found, else the documented fallbacks.
fn defaults(root: &Path, detected: &Detected) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if let Some(name) = root.file_name().map(|n| n.to_string_lossy().into_owned()) {
        let question = &questions::common()[0];
        if questions::check(question, &name).is_ok() {
            out.insert("project_name".to_owned(), name);
        }
    }
    out.insert("stage".to_owned(), "seed".to_owned());
    out.insert("ci".to_owned(), detected.ci.unwrap_or("github").to_owned());
    if let Some(language) = detected.language {
        out.insert("language".to_owned(), language.to_owned());
    } else if !detected.unsupported.is_empty() {
        out.insert("language".to_owned(), "other".to_owned());
    }
    out.insert(
        "cloud".to_owned(),
        detected.cloud.unwrap_or("none").to_owned(),
    );
    // SQLite is seen, but no foundation lays anything for it yet.
    let database = detected
        .database
        .filter(|db| matches!(*db, "postgres" | "mysql"))
        .unwrap_or("none");
    out.insert("database".to_owned(), database.to_owned());
    if !detected.default_branch.is_empty() {
        out.insert(
            "production_branch".to_owned(),
            detected.default_branch.clone(),
        );
    }
    out
}

/// The number of an ADR file name such as `0007-ci-cd-pipeline.md`.
fn adr_number_of(path: &str) -> Option<u32> {
    let name = path.rsplit('/').next()?;
    let digits = name.get(..4)?;
    if name.as_bytes().get(4) == Some(&b'-') && digits.bytes().all(|b| b.is_ascii_digit()) {
        digits.parse().ok()
    } else {
        None
    }
}

/// The ADR number of each chosen foundation: its recorded one; the one a killed run had given it;
/// else the next after every number in `docs/adr/`, recorded, or given by a killed run.
fn adr_numbers(fs: &RepoFs, state: &State, chosen: &[&Blueprint]) -> Vec<u32> {
    let recorded = |id: &str| {
        state
            .foundations
            .get(id)
            .and_then(|a| a.adr.as_deref())
            .and_then(adr_number_of)
    };
    let reserved: BTreeMap<String, u32> = State::reserved_adrs(fs)
        .into_iter()
        .filter_map(|(id, adr)| Some((id, adr_number_of(&adr)?)))
        .collect();
    let mut highest = fs
        .names("docs/adr")
        .iter()
        .filter_map(|name| adr_number_of(name))
        .chain(state.foundations.keys().filter_map(|id| recorded(id)))
        .chain(reserved.values().copied())
        .max()
        .unwrap_or(0);
    chosen
        .iter()
        .map(|b| {
            let id = b.manifest.id.as_str();
            recorded(id)
                .or_else(|| reserved.get(id).copied())
                .unwrap_or_else(|| {
                    highest += 1;
                    highest
                })
        })
        .collect()
}

fn describe(answers: &BTreeMap<String, String>, chosen: &[&Blueprint], state: &State) -> String {
    let mut out = format!(
        "scaffold: {} ({} stage; {} on {}, cloud {}, database {})",
        answers["project_name"],
        answers["stage"],
        answers["language"],
        answers["ci"],
        answers["cloud"],
        answers["database"]
    );
    for b in chosen {
        let version = match state.foundations.get(&b.manifest.id) {
            Some(applied) if applied.version != b.manifest.version => {
                format!("{} -> {}", applied.version, b.manifest.version)
            }
            _ => b.manifest.version.to_string(),
        };
        let _ = write!(out, "\n  {} {version}: {}", b.manifest.id, b.manifest.why);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adr_numbers_are_read_from_file_names() {
        assert_eq!(adr_number_of("docs/adr/0007-ci-cd-pipeline.md"), Some(7));
        assert_eq!(adr_number_of("0012-x.md"), Some(12));
        assert_eq!(adr_number_of("docs/adr/README.md"), None);
        assert_eq!(adr_number_of("docs/adr/12-x.md"), None);
    }
}
