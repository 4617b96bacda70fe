//! Printing that never panics. `println!` panics when stdout is closed (`scaffold init | head`),
//! which would stop a run half-way; these write and ignore a reader that went away.

/// Like `println!`, ignoring a closed stdout; nothing under `--quiet`.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if !$crate::output::quiet() {
            let _ = writeln!(std::io::stdout(), $($arg)*);
        }
    }};
}

/// Like `print!`, ignoring a closed stdout; nothing under `--quiet`.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if !$crate::output::quiet() {
            let _ = write!(std::io::stdout(), $($arg)*);
        }
    }};
}

/// Like `eprintln!`, ignoring a closed stderr.
macro_rules! errln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// Like `eprint!`, ignoring a closed stderr.
macro_rules! err {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stderr(), $($arg)*);
    }};
}

/// How much a run prints: `-q` (errors and warnings only), normal, or `-v` (also why).
static LEVEL: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(1);

/// Sets the level from `-q` and `-v`, once, before anything is printed.
pub(crate) fn set_level(quiet: bool, verbose: bool) {
    let level = match (quiet, verbose) {
        (true, _) => 0,
        (false, false) => 1,
        (false, true) => 2,
    };
    LEVEL.store(level, std::sync::atomic::Ordering::Relaxed);
}

/// `-q`: print nothing but errors and warnings (and a document asked for by `--json`).
pub(crate) fn quiet() -> bool {
    LEVEL.load(std::sync::atomic::Ordering::Relaxed) == 0
}

/// `-v`: also say why (what detection saw, why each foundation is recommended, whole changelogs).
pub(crate) fn verbose() -> bool {
    LEVEL.load(std::sync::atomic::Ordering::Relaxed) == 2
}

/// A document a person reads (a table, a diff): nothing under `--quiet`.
pub(crate) fn document(text: &str) -> crate::error::Result<()> {
    if quiet() {
        return Ok(());
    }
    requested(text)
}

/// Writes a whole document (a JSON report, a table) to stdout and flushes it. A reader that went
/// away (`| head`) is not an error; any other failure (a full disk) is, so a script never takes a
/// truncated document for a whole one.
pub(crate) fn requested(text: &str) -> crate::error::Result<()> {
    use std::io::Write as _;
    let mut out = anstream::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(crate::error::Error::Write {
            path: std::path::PathBuf::from("<stdout>"),
            source: e,
        }),
        _ => Ok(()),
    }
}

/// The version of every `--json` document's shape; raised when a field changes meaning or goes.
pub(crate) const SCHEMA_VERSION: u32 = 1;

/// Writes a `--json` report: the object given, with `schema_version` added, pretty-printed.
pub(crate) fn json_document(report: &impl serde::Serialize) -> crate::error::Result<()> {
    let unprintable = |e: serde_json::Error| crate::error::Error::Write {
        path: std::path::PathBuf::from("<stdout>"),
        source: std::io::Error::other(e),
    };
    let mut value = serde_json::to_value(report).map_err(unprintable)?;
    if let serde_json::Value::Object(map) = &mut value {
        map.insert("schema_version".to_owned(), SCHEMA_VERSION.into());
    }
    let mut text = serde_json::to_string_pretty(&value).map_err(unprintable)?;
    text.push('\n');
    requested(&text)
}

/// A unified diff with git's colours: removed lines red, added green, hunk headers cyan, file
/// headers bold. Print it with `document`, which drops the colours off a terminal and under
/// `NO_COLOR`.
pub(crate) fn coloured_diff(diff: &str) -> String {
    use anstyle::{AnsiColor, Style};
    use std::fmt::Write as _;
    let style = |line: &str| -> Style {
        if line.starts_with("+++") || line.starts_with("---") {
            Style::new().bold()
        } else if line.starts_with('+') {
            AnsiColor::Green.on_default()
        } else if line.starts_with('-') {
            AnsiColor::Red.on_default()
        } else if line.starts_with("@@") {
            AnsiColor::Cyan.on_default()
        } else {
            Style::new()
        }
    };
    let mut out = String::with_capacity(diff.len() + diff.len() / 8);
    for line in diff.split_inclusive('\n') {
        let (text, end) = line
            .strip_suffix('\n')
            .map_or((line, ""), |text| (text, "\n"));
        let style = style(text);
        if style == Style::new() {
            out.push_str(line);
        } else {
            let _ = write!(out, "{style}{text}{style:#}{end}");
        }
    }
    out
}

/// The width to fit output to: `COLUMNS` when set to a number, else the terminal's when stdout is
/// one; `None` (no wrapping) for a pipe or a file.
pub(crate) fn width() -> Option<usize> {
    let columns = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|c| *c >= 20);
    columns.or_else(|| {
        use std::io::IsTerminal as _;
        let stdout = std::io::stdout();
        if !stdout.is_terminal() {
            return None;
        }
        terminal_size::terminal_size_of(&stdout).map(|(w, _)| usize::from(w.0))
    })
}

/// `text` after `first` (e.g. `  1. `), wrapped at word boundaries to `width` with later lines
/// indented by `indent` spaces; unwrapped when there is no width.
pub(crate) fn wrapped(first: &str, indent: usize, text: &str, width: Option<usize>) -> String {
    let Some(width) = width else {
        return format!("{first}{text}");
    };
    let indent = " ".repeat(indent);
    let options = textwrap::Options::new(width.max(first.len().max(indent.len()) + 20))
        .initial_indent(first)
        .subsequent_indent(&indent)
        .break_words(false)
        .word_splitter(textwrap::WordSplitter::NoHyphenation);
    textwrap::fill(text, options)
}
