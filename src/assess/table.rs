//! The terminal view of a report: a table of the areas, the plan and the leaks. Styles are always
//! emitted here; the caller prints through `anstream`, which drops them off a terminal or under
//! `NO_COLOR`.

use std::fmt::Write as _;

use anstyle::{AnsiColor, Style};

use crate::assess::areas::Status;
use crate::assess::rank::{Bucket, Ranked, Risk};
use crate::assess::report::Report;

const BOLD: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();

fn paint(style: Style, text: &str) -> String {
    format!("{style}{text}{style:#}")
}

fn status_style(status: Status) -> Style {
    match status {
        Status::Present => AnsiColor::Green.on_default(),
        Status::Partial => AnsiColor::Yellow.on_default(),
        Status::Missing => AnsiColor::Red.on_default(),
    }
}

fn risk_style(risk: Risk) -> Style {
    match risk {
        Risk::High => AnsiColor::Red.on_default().bold(),
        Risk::Medium => AnsiColor::Yellow.on_default(),
        Risk::Low => DIM,
    }
}

/// The whole terminal report.
pub(crate) fn render(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} ({} stage)\n{} {}\n",
        paint(BOLD, "scaffold assess"),
        report.stage,
        paint(DIM, "stack:"),
        report.stack_line()
    );
    let width = report
        .areas
        .iter()
        .map(|r| r.area.id().len())
        .max()
        .unwrap_or(0);
    let _ = writeln!(
        out,
        "{}",
        paint(
            BOLD,
            &format!(
                "  #  {:<width$}  {:<8} {:<7} foundation",
                "area", "status", "risk"
            )
        )
    );
    for r in &report.areas {
        row(&mut out, r, width);
    }
    plan(&mut out, report);
    if !report.leaks.is_empty() {
        let _ = writeln!(
            out,
            "\n{} {} {} like real credentials (values not shown): remove them, purge them from git history, and rotate them",
            paint(AnsiColor::Red.on_default().bold(), "leaks:"),
            report.leaks.len(),
            if report.leaks.len() == 1 {
                "line looks"
            } else {
                "lines look"
            },
        );
        for leak in &report.leaks {
            let _ = writeln!(out, "  {}:{}  {}", leak.path, leak.line, leak.kind);
        }
    }
    out
}

fn row(out: &mut String, r: &Ranked, width: usize) {
    let priority = r.priority.map_or_else(|| "-".to_owned(), |p| p.to_string());
    let foundation = match (r.area.foundation(), &r.finding.applied) {
        (Some(id), Some(version)) => format!("{id} {version}"),
        (Some(id), None) => id.to_owned(),
        (None, _) => "-".to_owned(),
    };
    let _ = writeln!(
        out,
        "{priority:>3}  {:<width$}  {} {} {foundation}",
        r.area.id(),
        paint(
            status_style(r.finding.status),
            &format!("{:<8}", r.finding.status.as_str())
        ),
        paint(risk_style(r.risk), &format!("{:<7}", r.risk.as_str())),
    );
    for line in &r.finding.evidence {
        let _ = writeln!(out, "       {}", paint(DIM, line));
    }
}

fn plan(out: &mut String, report: &Report) {
    for (bucket, title) in [
        (Bucket::Now, "now"),
        (Bucket::Next, "next"),
        (Bucket::NotYet, "not yet"),
    ] {
        let mut items = report.bucket(bucket).peekable();
        if items.peek().is_none() {
            continue;
        }
        let _ = writeln!(out, "\n{}", paint(BOLD, &format!("{title}:")));
        for r in items {
            let label = match r.priority {
                Some(p) => format!("{p}. {}", r.area.id()),
                None => r.area.id().to_owned(),
            };
            let why = r.premature.as_deref().unwrap_or_else(|| r.area.why());
            let pending = report.pending(r);
            let after = if pending.is_empty() || bucket != Bucket::Next {
                String::new()
            } else {
                format!(" (after {})", pending.join(", "))
            };
            let _ = writeln!(out, "  {}{after}: {why}", paint(BOLD, &label));
        }
    }
    if report.bucket(Bucket::Now).next().is_none() && report.bucket(Bucket::Next).next().is_none() {
        let _ = writeln!(
            out,
            "\nnothing to do for the {} stage: every area due is in place",
            report.stage
        );
    }
}
