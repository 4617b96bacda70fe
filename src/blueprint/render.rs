//! Renders a blueprint for a set of answers. Pure: it never touches the disk. Every template is
//! held to the limits of `limits` (nesting depth, partial recursion, output size).

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::{Component, Path};
use std::sync::{Arc, Mutex};

use handlebars::{Handlebars, RenderContext, Renderable, template::Template};
use serde_json::{Value, json};

use crate::blueprint::catalog::Blueprint;
use crate::blueprint::limits::{self, CappedOutput, Exceeded, MAX_DEPTH, MAX_OUTPUT};
use crate::blueprint::manifest::{Mode, Owner};
use crate::blueprint::subset;
use crate::detect;
use crate::error::{Error, Result};
use crate::parallel;
use crate::questions::stage_rank;
use crate::steps::DoneWhen;

/// A file as the blueprint wants it, before it is compared with the disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RenderedFile {
    /// Relative path in the repo, `/`-separated.
    pub(crate) path: String,
    /// The whole file (file mode) or the inner text of the block (block mode).
    pub(crate) content: Vec<u8>,
    pub(crate) executable: bool,
    pub(crate) mode: Mode,
    /// Block mode: the comment prefix of the markers.
    pub(crate) comment: String,
    /// Block mode: the name in the markers (the foundation id unless the block is shared).
    pub(crate) block: String,
    /// The blueprint it belongs to.
    pub(crate) foundation: String,
    /// Whether this is the foundation's ADR (its path uses `adr_number`).
    pub(crate) is_adr: bool,
    /// Managed, or written once and then the team's.
    pub(crate) owner: Owner,
    /// Write it again if the team deleted it.
    pub(crate) restore_deleted: bool,
}

/// What one blueprint renders to.
#[derive(Debug, Clone, Default)]
pub(crate) struct Rendered {
    pub(crate) files: Vec<RenderedFile>,
    /// What a person must do next.
    pub(crate) next_steps: Vec<RenderedStep>,
}

/// One next step, rendered.
#[derive(Debug, Clone)]
pub(crate) struct RenderedStep {
    pub(crate) id: String,
    pub(crate) text: String,
    /// When the repo shows it done, with its file and texts rendered.
    pub(crate) done_when: Option<DoneWhen>,
}

/// Values a blueprint's templates see beside the answers.
#[derive(Debug, Clone)]
pub(crate) struct Extras<'a> {
    pub(crate) adr_number: u32,
    pub(crate) date: &'a str,
    pub(crate) shared: &'a Value,
    /// What was detected of the repo (`detect::template_context`), as `repo.*`.
    pub(crate) repo: &'a Value,
}

/// GitHub Actions writes `${{ expr }}`; Handlebars would read `{{ expr }}` as its own. The opening
/// braces are swapped for a marker before Handlebars sees the text and restored after, so blueprint
/// authors write workflow expressions as is, and line numbers in errors stay right.
const GHA_OPEN: &str = "${{";
const GHA_MARK: &str = "$\u{E000}\u{E000}";

fn protect(template: &str) -> String {
    replace(template, GHA_OPEN, GHA_MARK)
}

fn restore(rendered: &str) -> String {
    replace(rendered, GHA_MARK, GHA_OPEN)
}

/// `str::replace`, with memchr's faster search (templates are searched a lot).
fn replace(text: &str, from: &str, to: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for at in memchr::memmem::find_iter(text.as_bytes(), from) {
        out.push_str(&text[last..at]);
        out.push_str(to);
        last = at + from.len();
    }
    out.push_str(&text[last..]);
    out
}

fn engine() -> Handlebars<'static> {
    let mut hb = Handlebars::new();
    hb.set_strict_mode(true);
    hb.register_escape_fn(handlebars::no_escape);
    hb
}

/// One engine for the whole run: it holds no templates, only the built-in helpers.
static ENGINE: std::sync::LazyLock<Handlebars<'static>> = std::sync::LazyLock::new(engine);

/// `project_name` as an id for cloud resources with tight naming rules (GCP service account and
/// workload identity pool ids): lower-case letters, digits and `-`, starting with a letter and not
/// ending with `-`, 3 to 12 characters, never Google's reserved `gcp-` prefix. Other characters
/// become `-`; a name too short or not starting with a letter gets `app-` in front.
pub(crate) fn project_slug(name: &str) -> String {
    const MAX: usize = 12;
    let mut slug = String::new();
    for c in name.chars().map(|c| c.to_ascii_lowercase()) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let mut slug = slug.trim_end_matches('-').to_owned();
    let letter_first = slug.starts_with(|c: char| c.is_ascii_lowercase());
    if !letter_first || slug.len() < 3 || slug == "gcp" || slug.starts_with("gcp-") {
        slug = if slug.is_empty() {
            "app".to_owned()
        } else {
            format!("app-{slug}")
        };
    }
    // ASCII only, so any byte index is a character boundary.
    slug.truncate(MAX);
    slug.trim_end_matches('-').to_owned()
}

/// The template context: the answers, then `project_slug`, `stage_rank`, `blueprint`, `header`,
/// `adr_number`, `date`, `shared`, `repo` and `db` (the database: the repo's engine and version, else
/// the answer's defaults).
pub(crate) fn context(
    blueprint: &Blueprint,
    answers: &BTreeMap<String, String>,
    extras: &Extras<'_>,
) -> Value {
    let m = &blueprint.manifest;
    let mut ctx = serde_json::Map::new();
    for (k, v) in answers {
        ctx.insert(k.clone(), Value::String(v.clone()));
    }
    let stage = answers.get("stage").map_or("pre-mvp", String::as_str);
    ctx.insert("stage_rank".to_owned(), json!(stage_rank(stage)));
    if let Some(name) = answers.get("project_name") {
        ctx.insert("project_slug".to_owned(), Value::String(project_slug(name)));
    }
    ctx.insert(
        "blueprint".to_owned(),
        json!({ "id": m.id, "version": m.version.to_string() }),
    );
    ctx.insert("header".to_owned(), Value::String(header(&m.id)));
    ctx.insert(
        "adr_number".to_owned(),
        Value::String(format!("{:04}", extras.adr_number)),
    );
    ctx.insert("date".to_owned(), Value::String(extras.date.to_owned()));
    ctx.insert("shared".to_owned(), extras.shared.clone());
    ctx.insert("repo".to_owned(), extras.repo.clone());
    let database = answers.get("database").map_or("none", String::as_str);
    let db = detect::database_context(
        database,
        extras.repo["database_image"].as_str(),
        extras.shared,
    );
    ctx.insert("db".to_owned(), db);
    Value::Object(ctx)
}

/// The first line of every generated file: where it came from and how it is kept up to date,
/// nothing that changes between releases (the version lives in the state), so a release that
/// changes one line of a file changes that line only.
pub(crate) fn header(foundation: &str) -> String {
    format!(
        "Generated by scaffold (foundation {foundation}). Edit freely: `scaffold upgrade` merges your changes."
    )
}

/// The header of scaffold 0.1, which named the blueprint's version: `Generated by scaffold from
/// blueprint ci 1.0.0. Edit freely: scaffold upgrade merges your changes.`
static OLD_HEADER: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(
        r"Generated by scaffold from blueprint ([a-z0-9-]+) [0-9A-Za-z.+-]+\. Edit freely: scaffold upgrade merges your changes\.",
    )
    .expect("a literal regex")
});

/// `text` with any old, versioned header replaced by the stable one, so that merging a file
/// written by an older scaffold sees no change in its first line.
pub(crate) fn with_stable_header(text: &str) -> std::borrow::Cow<'_, str> {
    OLD_HEADER.replace_all(text, |caps: &regex::Captures<'_>| header(&caps[1]))
}

/// Renders a text with the context, naming `what` in errors.
///
/// Most templates keep to the subset of Handlebars that `subset` renders directly; the others, and
/// every error, go through Handlebars.
pub(crate) fn render_text(blueprint: &str, what: &str, text: &str, ctx: &Value) -> Result<String> {
    let protected = protect(text);
    let rendered = match subset::render(&protected, ctx) {
        Some(Ok(rendered)) => rendered,
        Some(Err(exceeded)) => return Err(limit_error(blueprint, what, exceeded)),
        None => render_pieces(blueprint, what, &protected, ctx)?,
    };
    Ok(restore(&rendered))
}

/// The error for a template that went past a limit.
fn limit_error(blueprint: &str, what: &str, exceeded: Exceeded) -> Error {
    let (blueprint, template) = (blueprint.to_owned(), what.to_owned());
    match exceeded {
        Exceeded::Depth => Error::TemplateTooDeep {
            blueprint,
            template,
            max: MAX_DEPTH,
        },
        Exceeded::Recursion { partial } => Error::PartialRecursion {
            blueprint,
            template,
            partial,
        },
        Exceeded::Output => Error::TemplateTooLarge {
            blueprint,
            template,
            max_bytes: MAX_OUTPUT,
        },
    }
}

/// Why Handlebars did not render a text.
enum Failure {
    Handlebars(handlebars::RenderError),
    Limit(Exceeded),
}

/// Parses a text with Handlebars, checks it against the limits, and renders it into at most
/// `budget` bytes.
fn render_checked(
    text: &str,
    ctx: &handlebars::Context,
    budget: usize,
) -> std::result::Result<String, Failure> {
    let template = parsed(text)?;
    let mut out = CappedOutput::new(budget);
    let mut rc = RenderContext::new(None);
    let result = template.render(&ENGINE, ctx, &mut rc, &mut out);
    if out.exceeded() {
        return Err(Failure::Limit(Exceeded::Output));
    }
    result.map_err(Failure::Handlebars)?;
    out.finish().map_err(Failure::Limit)
}

/// Texts Handlebars parsed and found within the limits, by text: its parser is slow (most of the
/// cost of a template outside the subset), and `blueprint lint` renders the same templates for
/// hundreds of combinations of answers. Emptied when full, so it stays small.
static PARSED: std::sync::LazyLock<Mutex<HashMap<String, Arc<Template>>>> =
    std::sync::LazyLock::new(Mutex::default);

/// The parsed template of a text, parsed once per run.
fn parsed(text: &str) -> std::result::Result<Arc<Template>, Failure> {
    let cache = || {
        PARSED
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    };
    if let Some(template) = cache().get(text) {
        return Ok(Arc::clone(template));
    }
    let template = Template::compile(text)
        .map_err(|e| Failure::Handlebars(handlebars::RenderError::from(e)))?;
    limits::check(&template).map_err(Failure::Limit)?;
    let template = Arc::new(template);
    let mut cache = cache();
    if cache.len() >= 1024 {
        cache.clear();
    }
    cache.insert(text.to_owned(), Arc::clone(&template));
    Ok(template)
}

/// The error for a text Handlebars did not render; `line` finds the template's line.
fn failure_error(
    blueprint: &str,
    what: &str,
    failure: Failure,
    line: &dyn Fn(&handlebars::RenderError) -> Option<usize>,
) -> Error {
    match failure {
        Failure::Handlebars(e) => Error::Template {
            blueprint: blueprint.to_owned(),
            template: what.to_owned(),
            line: line(&e),
            message: reason(&e),
        },
        Failure::Limit(exceeded) => limit_error(blueprint, what, exceeded),
    }
}

/// The line of the text Handlebars failed on: where rendering stopped, or where parsing did.
fn error_line(e: &handlebars::RenderError) -> Option<usize> {
    e.line_no.or_else(|| match e.reason() {
        handlebars::RenderErrorReason::TemplateError(te) => te.pos().map(|(line, _)| line),
        _ => None,
    })
}

/// What went wrong, in the blueprint author's words: a value's name rather than `Some("name")`,
/// and a syntax error's place rather than the parser's grammar.
fn reason(e: &handlebars::RenderError) -> String {
    use handlebars::{RenderErrorReason as R, TemplateErrorReason as T};
    match e.reason() {
        R::MissingVariable(Some(name)) => format!(
            "`{name}` has no value: no question, detected value or shared value has that name"
        ),
        R::MissingVariable(None) => "a value is missing".to_owned(),
        R::TemplateError(te) => match te.reason() {
            T::InvalidSyntax(_) => {
                "invalid Handlebars syntax: check that every `{{` has its `}}` and every block its closing tag"
                    .to_owned()
            }
            T::MismatchingClosedHelper(open, close) => {
                format!("block `{{{{#{open}}}}}` is closed by `{{{{/{close}}}}}`")
            }
            other => other.to_string(),
        },
        R::HelperNotFound(name) => format!("there is no helper `{name}`"),
        R::PartialNotFound(name) => format!("there is no partial `{name}`"),
        other => other.to_string(),
    }
}

/// Renders a protected text with Handlebars, in pieces (see `chunks` and `fold`).
fn render_pieces(blueprint: &str, what: &str, protected: &str, ctx: &Value) -> Result<String> {
    let fail = |e: Failure, line: &dyn Fn(&handlebars::RenderError) -> Option<usize>| {
        failure_error(blueprint, what, e, line)
    };
    let left = |out: &str| MAX_OUTPUT.saturating_sub(out.len());
    // Inline partials (`{{#*inline}}`) are defined on lines of their own; every piece after the
    // one that defines them gets the definitions again, and their output (if any) is cut off.
    let definitions: String = protected
        .split_inclusive('\n')
        .filter(|l| {
            l.trim_start().starts_with("{{#*inline") && l.trim_end().ends_with("{{/inline}}")
        })
        .collect();
    let prefix_lines = definitions.matches('\n').count();
    let mut raws = Vec::new();
    let pieces: Vec<(Folded, bool)> = chunks(protected)
        .into_iter()
        .map(|(first_line, chunk, is_template)| {
            if is_template {
                (fold(chunk, first_line, &mut raws), true)
            } else {
                (
                    Folded {
                        text: chunk.to_owned(),
                        lines: Vec::new(),
                    },
                    false,
                )
            }
        })
        .collect();
    // One context for every piece: Handlebars would otherwise copy the whole value per call.
    let ctx = handlebars::Context::from(with_raws(ctx, raws));
    let prefix_output = if definitions.is_empty() {
        String::new()
    } else {
        render_checked(&definitions, &ctx, MAX_OUTPUT).map_err(|e| fail(e, &|_| Some(1)))?
    };
    let mut out = String::with_capacity(protected.len());
    let mut defined = false;
    for (piece, is_template) in pieces {
        if !is_template {
            out.push_str(&piece.text);
            if out.len() > MAX_OUTPUT {
                return Err(limit_error(blueprint, what, Exceeded::Output));
            }
            continue;
        }
        let original_line = |prefix: usize| {
            move |e: &handlebars::RenderError| {
                error_line(e).map(|l| {
                    // Past the piece's end (a parse error at the end of the text): its last line.
                    l.checked_sub(prefix + 1)
                        .and_then(|i| piece.lines.get(i).or(piece.lines.last()).copied())
                        .unwrap_or(1)
                })
            }
        };
        if !defined || definitions.is_empty() {
            defined = true;
            let rendered = render_checked(&piece.text, &ctx, left(&out))
                .map_err(|e| fail(e, &original_line(0)))?;
            out.push_str(&rendered);
            continue;
        }
        let rendered = render_checked(
            &format!("{definitions}{}", piece.text),
            &ctx,
            prefix_output.len() + left(&out),
        )
        .map_err(|e| fail(e, &original_line(prefix_lines)))?;
        let Some(body) = rendered.strip_prefix(&prefix_output) else {
            // Not expected; the whole template in one piece is always right.
            return render_checked(protected, &ctx, MAX_OUTPUT).map_err(|e| fail(e, &error_line));
        };
        out.push_str(body);
    }
    Ok(out)
}

/// A template piece with its runs of plain lines folded away, and the original line of each of
/// its lines (for error messages).
#[derive(Debug)]
struct Folded {
    text: String,
    lines: Vec<usize>,
}

/// The context key that holds folded text.
const RAW: &str = "__scaffold_raw";

/// Replaces each run of plain lines (no `{{`, outside comments) with one expression that prints
/// them back, so Handlebars parses only the lines that hold expressions. A simple expression is
/// never a "standalone" line, and `@root` reaches it inside `#each`/`#with`, so the output is the
/// same. A piece with white-space control (`~`) is left whole.
fn fold(piece: &str, first_line: usize, raws: &mut Vec<String>) -> Folded {
    let lines: Vec<&str> = piece.split_inclusive('\n').collect();
    let identity = || Folded {
        text: piece.to_owned(),
        lines: (first_line..first_line + lines.len()).collect(),
    };
    if piece.contains("{{~") || piece.contains("~}}") {
        return identity();
    }
    let mut folded = Folded {
        text: String::with_capacity(piece.len() / 2),
        lines: Vec::with_capacity(lines.len()),
    };
    let mut in_comment = false;
    let mut run: Vec<&str> = Vec::new();
    let mut run_start = first_line;
    let flush =
        |run: &mut Vec<&str>, run_start: usize, folded: &mut Folded, raws: &mut Vec<String>| {
            if run.is_empty() {
                return;
            }
            let mut value: String = run.concat();
            let newline = value.ends_with('\n');
            if newline {
                value.pop();
            }
            let _ = write!(folded.text, "{{{{@root.{RAW}.[{}]}}}}", raws.len());
            if newline {
                folded.text.push('\n');
            }
            folded.lines.push(run_start);
            raws.push(value);
            run.clear();
        };
    for (i, line) in lines.iter().enumerate() {
        let plain = !in_comment && !line.contains("{{");
        if line.contains("{{!--") {
            in_comment = !line[line.rfind("{{!--").unwrap_or(0)..].contains("--}}");
        } else if in_comment && line.contains("--}}") {
            in_comment = false;
        }
        if plain {
            if run.is_empty() {
                run_start = first_line + i;
            }
            run.push(line);
        } else {
            flush(&mut run, run_start, &mut folded, raws);
            folded.text.push_str(line);
            folded.lines.push(first_line + i);
        }
    }
    flush(&mut run, run_start, &mut folded, raws);
    folded
}

/// The context with the folded text added.
fn with_raws(ctx: &Value, raws: Vec<String>) -> Value {
    let mut ctx = ctx.clone();
    if let (Value::Object(map), false) = (&mut ctx, raws.is_empty()) {
        map.insert(RAW.to_owned(), Value::from(raws));
    }
    ctx
}

/// How long a piece handed to Handlebars grows before it may be cut.
const CHUNK: usize = 1024;

/// A piece of a template: its first line, its text, and whether Handlebars must render it (a
/// piece of plain lines, outside any block, is copied as it is).
type Piece<'a> = (usize, &'a str, bool);

/// Splits a template at line starts where no block is open.
///
/// Handlebars' parser costs about a tenth of a microsecond per character and finds every token's
/// line by rescanning its input from the start, so rendering a long template whole is slow.
/// Lines without `{{` outside any block are copied as they are; the rest is rendered in short
/// pieces, which gives the same text. A cut is never made inside a block, a comment or a raw
/// block, nor next to white-space control (`{{~`, `~}}`) that could reach across it.
fn chunks(text: &str) -> Vec<Piece<'_>> {
    if text.contains("{{{{") {
        return vec![(1, text, true)];
    }
    let mut pieces: Vec<Piece<'_>> = Vec::new();
    let (mut start, mut start_line, mut depth, mut in_comment) = (0, 1, 0_i64, false);
    let mut offset = 0;
    let mut current_is_template = false;
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    for (i, line) in lines.iter().enumerate() {
        let plain = depth == 0 && !in_comment && !line.contains("{{");
        // A plain line after template lines starts a new piece, if the cut is safe.
        let prev_end_ok = i == 0 || !lines[i - 1].trim_end().ends_with("~}}");
        let this_start_ok = !line.trim_start().starts_with("{{~");
        if offset > start && plain == current_is_template && prev_end_ok && this_start_ok {
            pieces.push((start_line, &text[start..offset], current_is_template));
            start = offset;
            start_line = i + 1;
        }
        if offset == start {
            current_is_template = !plain;
        } else if !plain {
            current_is_template = true;
        }
        offset += line.len();
        let mut rest = *line;
        while !rest.is_empty() {
            if in_comment {
                match rest.find("--}}") {
                    Some(at) => {
                        in_comment = false;
                        rest = &rest[at + 4..];
                    }
                    None => break,
                }
            } else {
                match rest.find("{{") {
                    Some(at) => {
                        let tag = rest[at + 2..].trim_start_matches('~');
                        if tag.starts_with("!--") {
                            in_comment = true;
                        } else if tag.starts_with('#') || tag.starts_with('^') {
                            depth += 1;
                        } else if tag.starts_with('/') {
                            depth -= 1;
                        }
                        rest = &rest[at + 2..];
                    }
                    None => break,
                }
            }
        }
        let next = lines.get(i + 1).map_or("", |l| l.trim_start());
        let cuttable = current_is_template
            && depth == 0
            && !in_comment
            && offset - start >= CHUNK
            && !line.trim_end().ends_with("~}}")
            && !next.starts_with("{{~");
        if cuttable && i + 1 < lines.len() {
            pieces.push((start_line, &text[start..offset], true));
            start = offset;
            start_line = i + 2;
        }
    }
    if start < text.len() || pieces.is_empty() {
        pieces.push((
            start_line,
            &text[start..],
            current_is_template || pieces.is_empty(),
        ));
    }
    pieces
}

/// What to render: a blueprint, its answers, and the values beside them.
pub(crate) struct Job<'a> {
    pub(crate) blueprint: &'a Blueprint,
    pub(crate) answers: &'a BTreeMap<String, String>,
    pub(crate) extras: Extras<'a>,
}

/// Renders every file whose `when` matches the answers, and the next steps.
pub(crate) fn render(
    blueprint: &Blueprint,
    answers: &BTreeMap<String, String>,
    extras: &Extras<'_>,
) -> Result<Rendered> {
    let job = Job {
        blueprint,
        answers,
        extras: extras.clone(),
    };
    render_all(std::slice::from_ref(&job), 1)
        .pop()
        .expect("one result per job")
}

/// Renders several blueprints, spreading their files over `threads` threads (largest template
/// first, so the work evens out). Rendering is pure and is most of a run's work.
pub(crate) fn render_all(jobs: &[Job<'_>], threads: usize) -> Vec<Result<Rendered>> {
    let contexts: Vec<Value> = jobs
        .iter()
        .map(|j| context(j.blueprint, j.answers, &j.extras))
        .collect();
    // (job, index of the file among its blueprint's files)
    let mut tasks: Vec<(usize, usize)> = Vec::new();
    for (j, job) in jobs.iter().enumerate() {
        for (f, spec) in job.blueprint.manifest.files.iter().enumerate() {
            if spec.when.matches(job.answers) {
                tasks.push((j, f));
            }
        }
    }
    let size = |&(j, f): &(usize, usize)| {
        let spec = &jobs[j].blueprint.manifest.files[f];
        jobs[j].blueprint.templates[&spec.template].len()
    };
    tasks.sort_by_key(|t| std::cmp::Reverse(size(t)));
    let rendered = parallel::map(&tasks, threads, |&(j, f)| {
        render_file(jobs[j].blueprint, f, &contexts[j])
    });
    let mut results: BTreeMap<(usize, usize), Result<Option<RenderedFile>>> =
        tasks.into_iter().zip(rendered).collect();
    jobs.iter()
        .enumerate()
        .map(|(j, job)| {
            let m = &job.blueprint.manifest;
            let mut out = Rendered::default();
            // In the manifest's order, whatever order the templates were rendered in.
            for f in 0..m.files.len() {
                if let Some(file) = results.remove(&(j, f)).transpose()?.flatten() {
                    out.files.push(file);
                }
            }
            for (step, id) in m.next_steps.iter().zip(m.step_ids()) {
                if step.when.matches(job.answers) {
                    let text = render_text(&m.id, "next step", &step.text, &contexts[j])?;
                    // A step about the repo (`{{#each repo.projects}}`) may have nothing to say.
                    if !text.trim().is_empty() {
                        let done_when = step
                            .done_when
                            .as_ref()
                            .map(|when| render_done_when(&m.id, when, &contexts[j]))
                            .transpose()?;
                        out.next_steps.push(RenderedStep {
                            id,
                            text: text.trim().to_owned(),
                            done_when,
                        });
                    }
                }
            }
            Ok(out)
        })
        .collect()
}

/// A step's `done_when`, its file and texts rendered; the file must be a path scaffold may read.
fn render_done_when(blueprint: &str, when: &DoneWhen, ctx: &Value) -> Result<DoneWhen> {
    let text = |t: &Option<String>| {
        t.as_deref()
            .map(|t| render_text(blueprint, "next step `done_when`", t, ctx))
            .transpose()
    };
    let file = render_text(blueprint, "next step `done_when`", &when.file, ctx)?;
    check_path(&file).map_err(|reason| Error::UnsafePath {
        blueprint: blueprint.to_owned(),
        path: file.clone(),
        reason,
    })?;
    Ok(DoneWhen {
        contains: text(&when.contains)?,
        absent: text(&when.absent)?,
        file,
    })
}

/// Renders one file of a blueprint: its path and its content. A path that renders empty leaves
/// the file out (`{{#unless repo.compose_file}}compose.yaml{{/unless}}`).
fn render_file(blueprint: &Blueprint, index: usize, ctx: &Value) -> Result<Option<RenderedFile>> {
    let m = &blueprint.manifest;
    let spec = &m.files[index];
    let path = render_text(&m.id, &format!("path `{}`", spec.path), &spec.path, ctx)?;
    if path.is_empty() {
        return Ok(None);
    }
    check_path(&path).map_err(|reason| Error::UnsafePath {
        blueprint: m.id.clone(),
        path: path.clone(),
        reason,
    })?;
    let source = &blueprint.templates[&spec.template];
    let template_name = format!("templates/{}", spec.template);
    let is_template = Path::new(&spec.template)
        .extension()
        .is_some_and(|e| e == "hbs");
    let content = if is_template {
        let text = std::str::from_utf8(source).map_err(|_| Error::Template {
            blueprint: m.id.clone(),
            template: template_name.clone(),
            line: None,
            message: "not UTF-8".to_owned(),
        })?;
        render_text(&m.id, &template_name, text, ctx)?.into_bytes()
    } else {
        source.to_vec()
    };
    Ok(Some(RenderedFile {
        path,
        content,
        executable: spec.executable,
        mode: spec.mode,
        comment: spec.comment.clone().unwrap_or_default(),
        block: spec.block.clone().unwrap_or_else(|| m.id.clone()),
        foundation: m.id.clone(),
        is_adr: spec.path.contains("adr_number"),
        owner: spec.owner,
        restore_deleted: spec.restore_deleted,
    }))
}

/// A rendered path must be relative, stay inside the repo, keep out of `.scaffold`, and hold no
/// version-control metadata (a `.git` anywhere, e.g. `vendor/lib/.git/hooks/post-checkout`, would
/// be a hook git runs).
pub(crate) fn check_path(path: &str) -> std::result::Result<(), &'static str> {
    if path.is_empty() || path.ends_with('/') {
        return Err("is not a file path");
    }
    if path.contains('\\') || path.contains('\0') {
        return Err("contains a backslash or NUL");
    }
    let p = Path::new(path);
    if p.is_absolute() || path.starts_with('/') {
        return Err("is absolute");
    }
    for c in p.components() {
        match c {
            Component::Normal(name) if is_vcs_metadata(&name.to_string_lossy()) => {
                return Err("is inside version-control metadata (`.git`, `.hg`, `.svn`)");
            }
            Component::Normal(_) => {}
            Component::ParentDir => return Err("leaves the repo"),
            Component::CurDir => return Err("contains `.`"),
            Component::RootDir | Component::Prefix(_) => return Err("is absolute"),
        }
    }
    let first = p.components().next();
    if matches!(first, Some(Component::Normal(n)) if same_name(&n.to_string_lossy(), ".scaffold")) {
        return Err("is inside `.scaffold`");
    }
    Ok(())
}

/// Whether a path component names a version-control directory: `.git`, `.hg` or `.svn`, as a
/// case-insensitive file system (macOS, Windows) would read it.
pub(crate) fn is_vcs_metadata(name: &str) -> bool {
    [".git", ".hg", ".svn"]
        .iter()
        .any(|meta| same_name(name, meta))
}

/// Whether `name` opens the same entry as `plain` on a case-insensitive file system, which also
/// ignores trailing dots and spaces (Windows) and some invisible code points (HFS+), as git itself
/// checks.
fn same_name(name: &str, plain: &str) -> bool {
    let visible: String = name
        .chars()
        .filter(|c| {
            !matches!(c, '\u{200C}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{206A}'..='\u{206F}' | '\u{FEFF}')
        })
        .collect();
    visible
        .trim_end_matches(['.', ' '])
        .eq_ignore_ascii_case(plain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_slug_is_a_short_lower_case_id_starting_with_a_letter() {
        for (name, slug) in [
            ("My_App", "my-app"),
            ("a", "app-a"),
            ("acme-platform-backend-service", "acme-platfor"),
            ("42shop", "app-42shop"),
            ("shop.v2", "shop-v2"),
            ("--x--", "app-x"),
            ("___", "app"),
            ("gcp-tools", "app-gcp-tool"),
            ("abcdefghijk-lmn", "abcdefghijk"),
        ] {
            assert_eq!(project_slug(name), slug, "{name}");
        }
    }

    #[test]
    fn github_expressions_pass_through_untouched() {
        let ctx = json!({ "name": "demo" });
        let text = "name: {{name}}\nrun: echo ${{ github.sha }} ${{ vars.X }}\nif: ${{ github.event_name == 'push' }}\n";
        assert_eq!(
            render_text("t", "t", text, &ctx).unwrap(),
            "name: demo\nrun: echo ${{ github.sha }} ${{ vars.X }}\nif: ${{ github.event_name == 'push' }}\n"
        );
    }

    #[test]
    fn chunks_cut_only_between_blocks_and_keep_line_numbers() {
        let mut text = String::new();
        for i in 0..200 {
            let _ = writeln!(text, "line {i} {{{{a}}}}");
            if i % 10 == 0 {
                text.push_str("a plain line } {\n");
            }
            if i % 50 == 0 {
                text.push_str(
                    "{{#if a}}\ninside\n{{else}}\nother\n{{/if}}\n{{!-- a\ncomment --}}\n",
                );
            }
        }
        let pieces = chunks(&text);
        assert!(pieces.len() > 3, "{}", pieces.len());
        assert_eq!(pieces.iter().map(|(_, p, _)| *p).collect::<String>(), text);
        assert!(pieces.iter().any(|(_, _, template)| !template));
        let mut line = 1;
        for (first, piece, template) in &pieces {
            assert!(*template || !piece.contains("{{"), "{piece}");
            assert_eq!(*first, line, "{piece}");
            line += piece.matches('\n').count();
            assert_eq!(
                piece.matches("{{#").count(),
                piece.matches("{{/").count(),
                "{piece}"
            );
            assert_eq!(
                piece.matches("{{!--").count(),
                piece.matches("--}}").count()
            );
        }
        let ctx = json!({ "a": "x" });
        let whole = engine().render_template(&text, &ctx).unwrap();
        assert_eq!(render_text("t", "t", &text, &ctx).unwrap(), whole);
        let err = render_text("t", "t", &format!("{text}{{{{missing}}}}\n"), &ctx).unwrap_err();
        let Error::Template { line, .. } = err else {
            panic!()
        };
        assert_eq!(line, Some(text.matches('\n').count() + 1));
    }

    /// `repo.*` for the `n`th render: an empty repo, or one with its own compose file running
    /// `postgres:18-alpine` or `mariadb:11`, in turn.
    fn test_repo(n: usize, language: Option<&str>) -> Value {
        let mut detected = crate::detect::Detected::default();
        let image = match n % 3 {
            0 => None,
            1 => Some("postgres:18-alpine"),
            _ => Some("mariadb:11"),
        };
        if let Some(image) = image {
            detected.compose_file = Some("docker-compose.yml".to_owned());
            detected.database_image = Some(image.to_owned());
        }
        // Every other render, a repo of several projects in folders, with and without versions,
        // tests and lockfiles, so that `#each` and its `@last` go round more than once.
        if n % 2 == 1 {
            let project =
                |path: &str, language, tool, version: Option<&str>, test: Option<&str>| {
                    crate::detect::Project {
                        path: path.to_owned(),
                        language,
                        tool,
                        version: version.map(str::to_owned),
                        test: test.map(str::to_owned),
                        locked: version.is_some(),
                        yarn_berry: false,
                        wrapper: tool == "gradle",
                        manifest: match tool {
                            "cargo" => "Cargo.toml",
                            "go" => "go.mod",
                            "uv" | "poetry" => "pyproject.toml",
                            "bundler" => "Gemfile",
                            "gradle" => "build.gradle.kts",
                            "maven" => "pom.xml",
                            "composer" => "composer.json",
                            _ => "package.json",
                        },
                    }
                };
            detected.projects = vec![
                project(".", "rust", "cargo", Some("1.85"), Some("cargo test")),
                project("web", "node", "pnpm", Some("22"), Some("pnpm test")),
                project("api", "python", "uv", None, Some("pytest")),
                project("tools/gen", "python", "poetry", Some("3.12"), None),
                project("svc", "go", "go", None, None),
                project("app", "node", "yarn", None, None),
                project(
                    "shop",
                    "ruby",
                    "bundler",
                    Some("3.4"),
                    Some("bundle exec rspec"),
                ),
                project(
                    "billing",
                    "jvm",
                    "gradle",
                    Some("21"),
                    Some("./gradlew test"),
                ),
                project("ledger", "jvm", "maven", None, None),
                project(
                    "site",
                    "php",
                    "composer",
                    Some("8.4"),
                    Some("composer test"),
                ),
            ];
        }
        crate::detect::template_context(&detected, language)
    }

    #[test]
    fn every_embedded_template_renders_directly_as_handlebars_renders_it() {
        let catalog = crate::blueprint::catalog::Catalog::embedded().unwrap();
        let (languages, clouds) = (["rust", "node", "python", "go"], ["aws", "gcp", "none"]);
        let (mut compared, mut each) = (0, 0);
        for (i, stage) in crate::questions::STAGES.iter().enumerate() {
            for (j, ci) in ["github", "gitlab"].iter().enumerate() {
                for (k, database) in ["postgres", "mysql", "none"].iter().enumerate() {
                    let answers: BTreeMap<String, String> = [
                        ("project_name", "demo"),
                        ("stage", stage),
                        ("ci", ci),
                        ("language", languages[(i + j + k) % 4]),
                        ("cloud", clouds[(i + k) % 3]),
                        ("database", database),
                        ("code_owner", "@acme/platform"),
                        ("repository", "acme/demo"),
                    ]
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect();
                    for blueprint in catalog.blueprints() {
                        let mut answers = answers.clone();
                        for q in &blueprint.manifest.questions {
                            if let Some(d) = &q.default {
                                answers.entry(q.key.clone()).or_insert_with(|| d.clone());
                            }
                        }
                        let repo =
                            test_repo(i + j + k, answers.get("language").map(String::as_str));
                        let extras = Extras {
                            adr_number: 3,
                            date: "2026-01-01",
                            shared: &catalog.shared,
                            repo: &repo,
                        };
                        let ctx = context(blueprint, &answers, &extras);
                        for spec in blueprint
                            .manifest
                            .files
                            .iter()
                            .filter(|f| f.when.matches(&answers))
                        {
                            if Path::new(&spec.template)
                                .extension()
                                .is_none_or(|e| e != "hbs")
                            {
                                continue;
                            }
                            let text =
                                std::str::from_utf8(&blueprint.templates[&spec.template]).unwrap();
                            let whole = engine()
                                .render_template(&protect(text), &ctx)
                                .map(|s| restore(&s));
                            // Embedded blueprints keep to the subset that is rendered
                            // without Handlebars' parser (templates that iterate over the
                            // repo's projects included), and it renders them the same.
                            let direct =
                                subset::render(&protect(text), &ctx).map(|s| restore(&s.unwrap()));
                            assert!(direct.is_some(), "{} is not in the subset", spec.template);
                            assert_eq!(direct, whole.as_ref().ok().cloned(), "{}", spec.template);
                            each += usize::from(text.contains("{{#each "));
                            // And Handlebars in pieces, as forks that leave the subset are
                            // rendered, gives the same text too.
                            let pieces = render_pieces("t", &spec.template, &protect(text), &ctx)
                                .map(|s| restore(&s));
                            assert_eq!(
                                pieces.ok(),
                                whole.ok(),
                                "{} {stage} {ci} {database}",
                                spec.template
                            );
                            compared += 1;
                        }
                    }
                }
            }
        }
        assert!(compared > 300, "{compared}");
        assert!(each > 10, "{each} renders of templates with #each");
    }

    #[test]
    fn a_path_that_renders_empty_leaves_the_file_out() {
        let manifest = toml::from_str(
            "id = \"x\"\nversion = \"1.0.0\"\n[[files]]\ntemplate = \"c.hbs\"\n\
             path = \"{{#unless repo.compose_file}}compose.yaml{{/unless}}\"\n\
             [[files]]\ntemplate = \"c.hbs\"\npath = \"notes.md\"\n",
        )
        .unwrap();
        let blueprint = Blueprint {
            manifest,
            source: "test".to_owned(),
            templates: [("c.hbs".to_owned(), b"{{db.image}}".as_slice().into())].into(),
            changelog: None,
        };
        let answers: BTreeMap<String, String> =
            [("database".to_owned(), "postgres".to_owned())].into();
        let shared = json!({ "versions": { "postgres": "17" } });
        let paths = |repo: &Value| {
            let extras = Extras {
                adr_number: 1,
                date: "2026-01-01",
                shared: &shared,
                repo,
            };
            let rendered = render(&blueprint, &answers, &extras).unwrap();
            rendered
                .files
                .iter()
                .map(|f| format!("{} {}", f.path, String::from_utf8_lossy(&f.content)))
                .collect::<Vec<_>>()
        };
        let none = json!({ "compose_file": null, "database_image": null });
        assert_eq!(
            paths(&none),
            ["compose.yaml postgres:17", "notes.md postgres:17"]
        );
        let team =
            json!({ "compose_file": "docker-compose.yml", "database_image": "postgres:16-alpine" });
        assert_eq!(paths(&team), ["notes.md postgres:16"]);
    }

    #[test]
    fn nothing_is_html_escaped() {
        let ctx = json!({ "v": "<a href=\"x\">&'" });
        assert_eq!(
            render_text("t", "t", "{{v}}", &ctx).unwrap(),
            "<a href=\"x\">&'"
        );
    }

    #[test]
    fn an_undefined_variable_names_the_template_and_line() {
        let ctx = json!({ "a": "1" });
        let err =
            render_text("ci", "templates/x.yml.hbs", "a: {{a}}\nb: {{b}}\n", &ctx).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.starts_with("blueprint `ci`: template `templates/x.yml.hbs` line 2:"),
            "{msg}"
        );
        assert!(msg.contains('b'), "{msg}");
    }

    #[test]
    fn paths_must_stay_inside_the_repo() {
        assert_eq!(check_path("docs/adr/0001-x.md"), Ok(()));
        assert_eq!(check_path(".github/workflows/ci.yml"), Ok(()));
        assert_eq!(check_path("/etc/passwd"), Err("is absolute"));
        assert_eq!(check_path("../x"), Err("leaves the repo"));
        assert_eq!(check_path("a/../../x"), Err("leaves the repo"));
        assert_eq!(check_path(""), Err("is not a file path"));
        assert_eq!(
            check_path(".scaffold/state.toml"),
            Err("is inside `.scaffold`")
        );
        assert_eq!(
            check_path(".Scaffold/state.toml"),
            Err("is inside `.scaffold`")
        );
        assert_eq!(check_path("docs/.scaffold"), Ok(()));
    }

    #[test]
    fn paths_never_reach_version_control_metadata() {
        for path in [
            ".git/config",
            "vendor/lib/.git/hooks/post-checkout",
            ".GIT/hooks/pre-commit",
            "a/.Git/config",
            "a/.git./hooks/x",
            "a/.git /hooks/x",
            "a/.g\u{200c}it/hooks/x",
            "a/.hg/hgrc",
            "a/.SVN/entries",
        ] {
            assert_eq!(
                check_path(path),
                Err("is inside version-control metadata (`.git`, `.hg`, `.svn`)"),
                "{path}"
            );
        }
        for path in [
            ".github/workflows/ci.yml",
            ".gitignore",
            "a/.gitattributes",
            "a/git/x",
        ] {
            assert_eq!(check_path(path), Ok(()), "{path}");
        }
    }

    proptest::proptest! {
        #[test]
        fn no_accepted_path_leaves_the_repo(path in "[a-z./\\\\]{0,20}") {
            if check_path(&path).is_ok() {
                let p = Path::new(&path);
                proptest::prop_assert!(p.is_relative());
                proptest::prop_assert!(p.components().all(|c| matches!(c, Component::Normal(_))));
            }
        }
    }
}
