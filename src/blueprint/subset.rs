//! Renders the plain subset of Handlebars that blueprints are written in, without Handlebars'
//! parser, which costs far more than the rendering itself (see `render.rs`).
//!
//! The subset: text, `{{path.to.value}}`, and `{{#if C}}`/`{{#unless C}}` blocks with an optional
//! `{{else}}`, where `C` is a path or `(eq|ne|gt|gte|lt|lte path literal)`. Output is the same as
//! Handlebars', "standalone" tag lines included: a block tag alone on its line removes the line.
//! Anything else (comments, partials, `#each`, white-space control, escapes, a missing value, a
//! value that is not a string, number or boolean) returns `None`, and the caller renders the
//! template with Handlebars, which also produces the errors. A template is never half taken: the
//! whole text is checked before a byte is output. Tests compare both engines on every embedded
//! template and on generated ones. The limits Handlebars is held to (`limits`) hold here too: blocks
//! nest at most `MAX_DEPTH` deep and the output stops at `MAX_OUTPUT`.

use serde_json::Value;

use crate::blueprint::limits::{Exceeded, MAX_DEPTH, MAX_OUTPUT};

/// A block helper of the subset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    If,
    Unless,
}

/// A comparison helper of the subset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Gt,
    Gte,
    Lt,
    Lte,
}

/// A block's condition.
#[derive(Debug, Clone, PartialEq)]
enum Cond<'a> {
    /// `{{#if path}}`: the value's truth.
    Path(&'a str),
    /// `{{#if (op path literal)}}`.
    Compare(Op, &'a str, Value),
}

/// A tag of the subset.
#[derive(Debug, Clone, PartialEq)]
enum Tag<'a> {
    Var(&'a str),
    Open(Kind, Cond<'a>),
    Else,
    Close(Kind),
}

/// A tag and where it sits in the source (from `{{` to after `}}`).
#[derive(Debug)]
struct Token<'a> {
    start: usize,
    end: usize,
    tag: Tag<'a>,
}

/// Renders `source` with `ctx` if it stays inside the subset: the text, or the limit it went past.
pub(crate) fn render(source: &str, ctx: &Value) -> Option<Result<String, Exceeded>> {
    let tokens = tokenize(source)?;
    let texts = texts(source, &tokens);
    let mut exceeded = None;
    match evaluate(&tokens, &texts, ctx, &mut exceeded) {
        Some(out) => Some(Ok(out)),
        None => exceeded.map(Err),
    }
}

/// Every tag of the source, or `None` at the first one outside the subset.
fn tokenize(source: &str) -> Option<Vec<Token<'_>>> {
    let mut tokens = Vec::new();
    let mut pos = 0;
    let open = memchr::memmem::Finder::new("{{");
    while let Some(found) = open.find(&source.as_bytes()[pos..]) {
        let start = pos + found;
        // `\{{` is Handlebars' escape.
        if source[..start].ends_with('\\') {
            return None;
        }
        let inner_start = start + 2;
        let close = inner_start + memchr::memmem::find(&source.as_bytes()[inner_start..], b"}}")?;
        let inner = &source[inner_start..close];
        if inner.contains("{{") {
            return None;
        }
        tokens.push(Token {
            start,
            end: close + 2,
            tag: parse_tag(inner)?,
        });
        pos = close + 2;
    }
    Some(tokens)
}

fn parse_tag(inner: &str) -> Option<Tag<'_>> {
    if let Some(cond) = inner.strip_prefix("#if ") {
        return Some(Tag::Open(Kind::If, parse_cond(cond)?));
    }
    if let Some(cond) = inner.strip_prefix("#unless ") {
        return Some(Tag::Open(Kind::Unless, parse_cond(cond)?));
    }
    match inner {
        "else" => Some(Tag::Else),
        "/if" => Some(Tag::Close(Kind::If)),
        "/unless" => Some(Tag::Close(Kind::Unless)),
        _ => {
            let path = inner.trim_matches(' ');
            is_path(path).then_some(Tag::Var(path))
        }
    }
}

/// `path` or `(op path literal)`, with single spaces.
fn parse_cond(cond: &str) -> Option<Cond<'_>> {
    let cond = cond.trim_end_matches(' ');
    let Some(inner) = cond.strip_prefix('(').and_then(|c| c.strip_suffix(')')) else {
        return is_path(cond).then_some(Cond::Path(cond));
    };
    let (op, rest) = inner.split_once(' ')?;
    let (path, literal) = rest.split_once(' ')?;
    let op = match op {
        "eq" => Op::Eq,
        "ne" => Op::Ne,
        "gt" => Op::Gt,
        "gte" => Op::Gte,
        "lt" => Op::Lt,
        "lte" => Op::Lte,
        _ => return None,
    };
    if !is_path(path) {
        return None;
    }
    let literal = if let Some(s) = literal.strip_prefix('"').and_then(|l| l.strip_suffix('"')) {
        if s.contains(['"', '\\']) {
            return None;
        }
        Value::String(s.to_owned())
    } else if !literal.is_empty()
        && literal.len() < 16
        && literal.bytes().all(|b| b.is_ascii_digit())
    {
        Value::from(literal.parse::<u64>().ok()?)
    } else {
        return None;
    };
    Some(Cond::Compare(op, path, literal))
}

/// Dot-separated names of ASCII letters, digits, `_` and `-`, each starting with a letter or `_`,
/// none of them a keyword Handlebars reads differently.
fn is_path(path: &str) -> bool {
    !path.is_empty()
        && path.split('.').all(|segment| {
            segment
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
                && segment
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
                && !matches!(segment, "this" | "else" | "as" | "true" | "false" | "null")
        })
}

/// The text before each tag and after the last, as Handlebars keeps it: a block tag alone on its
/// line (only spaces or tabs beside it) takes the line's indentation and its line break with it.
fn texts<'a>(source: &'a str, tokens: &[Token<'_>]) -> Vec<&'a str> {
    let mut texts = Vec::with_capacity(tokens.len() + 1);
    let mut trim_line = false;
    let mut pos = 0;
    for (i, token) in tokens.iter().enumerate() {
        let mut text = &source[pos..token.start];
        if !text.is_empty() {
            if trim_line {
                text = strip_first_newline(text.trim_start_matches([' ', '\t']));
            }
            trim_line = false;
        }
        if !matches!(token.tag, Tag::Var(_)) {
            let after = &source[token.end..];
            let standalone_after = after.is_empty()
                || after
                    .trim_start_matches([' ', '\t'])
                    .starts_with(['\n', '\r']);
            trim_line = false;
            if standalone_after {
                let before = source[..token.start].trim_end_matches([' ', '\t']);
                let standalone_before = before.is_empty() || before.ends_with(['\n', '\r']);
                // The text before is the block's last piece only if no tag sits in between.
                if standalone_before && (i == 0 || pos < token.start) {
                    text = text.trim_end_matches([' ', '\t']);
                }
                trim_line = token.start == 0 || standalone_before;
            }
        }
        texts.push(text);
        pos = token.end;
    }
    let mut text = &source[pos..];
    if trim_line {
        text = strip_first_newline(text.trim_start_matches([' ', '\t']));
    }
    texts.push(text);
    texts
}

fn strip_first_newline(s: &str) -> &str {
    s.strip_prefix("\r\n")
        .or_else(|| s.strip_prefix('\n'))
        .unwrap_or(s)
}

/// An open block while evaluating.
struct Frame {
    kind: Kind,
    /// Whether the block is reached at all.
    reached: bool,
    /// Whether the branch being read is the one taken.
    taken: bool,
    seen_else: bool,
}

/// The output, or `None` when the template leaves the subset or goes past a limit (then said in
/// `exceeded`).
fn evaluate(
    tokens: &[Token<'_>],
    texts: &[&str],
    ctx: &Value,
    exceeded: &mut Option<Exceeded>,
) -> Option<String> {
    let mut out = String::with_capacity(texts.iter().map(|t| t.len()).sum::<usize>());
    let mut stack: Vec<Frame> = Vec::new();
    let active = |stack: &[Frame]| stack.last().is_none_or(|f| f.reached && f.taken);
    for (token, text) in tokens.iter().zip(texts) {
        if out.len() > MAX_OUTPUT || stack.len() > MAX_DEPTH {
            *exceeded = Some(if stack.len() > MAX_DEPTH {
                Exceeded::Depth
            } else {
                Exceeded::Output
            });
            return None;
        }
        if active(&stack) {
            out.push_str(text);
        }
        match &token.tag {
            Tag::Var(path) => {
                if active(&stack) {
                    if is_helper(path) {
                        return None;
                    }
                    match lookup(ctx, path)? {
                        Value::String(s) => out.push_str(s),
                        v @ (Value::Number(_) | Value::Bool(_)) => out.push_str(&v.to_string()),
                        _ => return None,
                    }
                }
            }
            Tag::Open(kind, cond) => {
                let reached = active(&stack);
                let value = if reached { truth(cond, ctx)? } else { false };
                stack.push(Frame {
                    kind: *kind,
                    reached,
                    taken: value == (*kind == Kind::If),
                    seen_else: false,
                });
            }
            Tag::Else => {
                let frame = stack.last_mut()?;
                if frame.seen_else {
                    return None;
                }
                frame.seen_else = true;
                frame.taken = !frame.taken;
            }
            Tag::Close(kind) => {
                if stack.pop()?.kind != *kind {
                    return None;
                }
            }
        }
    }
    if !stack.is_empty() {
        return None;
    }
    out.push_str(texts.last()?);
    if out.len() > MAX_OUTPUT {
        *exceeded = Some(Exceeded::Output);
        return None;
    }
    Some(out)
}

/// A block condition's truth, as Handlebars' `if` sees it; `None` if it cannot say.
fn truth(cond: &Cond<'_>, ctx: &Value) -> Option<bool> {
    match cond {
        Cond::Path(path) => {
            if is_helper(path) {
                return None;
            }
            Some(match lookup(ctx, path)? {
                Value::Bool(b) => *b,
                Value::Number(n) => n.as_f64().is_some_and(f64::is_normal),
                Value::String(s) => !s.is_empty(),
                Value::Array(a) => !a.is_empty(),
                Value::Object(o) => !o.is_empty(),
                Value::Null => false,
            })
        }
        Cond::Compare(op, path, literal) => {
            let value = lookup(ctx, path)?;
            Some(match op {
                Op::Eq => value == literal,
                Op::Ne => value != literal,
                _ => {
                    let (a, b) = (value.as_u64()?, literal.as_u64()?);
                    match op {
                        Op::Gt => a > b,
                        Op::Gte => a >= b,
                        Op::Lt => a < b,
                        _ => a <= b,
                    }
                }
            })
        }
    }
}

/// Handlebars' built-in helpers: `{{name}}` calls a helper of that name instead of reading the
/// value.
const HELPERS: &[&str] = &[
    "if", "unless", "each", "with", "lookup", "raw", "log", "eq", "ne", "gt", "gte", "lt", "lte",
    "and", "or", "not", "len",
];

/// Handlebars' string helpers, registered only with its `string_helpers` feature (off here): left
/// to Handlebars all the same, should the feature ever be turned on.
const STRING_HELPERS: &[&str] = &[
    "lowerCamelCase",
    "upperCamelCase",
    "snakeCase",
    "kebabCase",
    "shoutySnakeCase",
    "shoutyKebabCase",
    "titleCase",
    "trainCase",
];

fn is_helper(path: &str) -> bool {
    HELPERS.contains(&path) || STRING_HELPERS.contains(&path)
}

/// The value at a dotted path of objects; `None` if any part is missing.
fn lookup<'v>(ctx: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.')
        .try_fold(ctx, |value, key| value.as_object()?.get(key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use handlebars::Handlebars;
    use proptest::strategy::{Strategy, ValueTree};
    use serde_json::json;
    use std::fmt::Write as _;

    fn engine() -> Handlebars<'static> {
        let mut hb = Handlebars::new();
        hb.set_strict_mode(true);
        hb.register_escape_fn(handlebars::no_escape);
        hb
    }

    fn ctx() -> Value {
        json!({ "name": "demo", "lang": "rust", "rank": 2, "empty": "", "on": true,
                "shared": { "v": { "pg": "17" } }, "list": [1], "nothing": null })
    }

    /// Both engines, on one template: the subset must agree with Handlebars whenever it answers.
    fn same(template: &str) -> Option<String> {
        let hb = engine();
        let ours = render(template, &ctx()).map(Result::unwrap);
        if let Some(ours) = &ours {
            let theirs = hb.render_template(template, &ctx());
            assert_eq!(Some(ours), theirs.as_ref().ok(), "{template:?}");
        }
        ours
    }

    #[test]
    fn renders_values_and_blocks_as_handlebars_does() {
        let cases = [
            "{{name}} {{shared.v.pg}} {{rank}} {{on}}",
            "a\n{{#if (eq lang \"rust\")}}\nrust\n{{else}}\nother\n{{/if}}\nb\n",
            "  {{#if (gte rank 2)}}  \n  x\n  {{/if}}\n",
            "{{#unless (eq lang \"go\")}}not go{{/unless}}!",
            "{{#if empty}}e{{else}}ne{{/if}} {{#if on}}on{{/if}} {{#if list}}l{{/if}}",
            "{{#if nothing}}n{{/if}}{{#if (lt rank 3)}}lt{{/if}}{{#if (ne lang \"rust\")}}ne{{/if}}",
            "x {{#if on}}\ny\n{{/if}}\n",
            "{{#if on}}\r\nwin\r\n{{/if}}\r\n",
            "{{#if on}}\n{{#if (eq rank 2)}}\nnested\n{{/if}}\n{{/if}}\n\n",
            "{{/if}}",
            "\n{{#if on}}\n",
        ];
        for case in cases {
            same(case);
        }
        assert_eq!(
            same("a\n  {{#if on}}\n  in\n  {{/if}}\nb\n").as_deref(),
            Some("a\n  in\nb\n")
        );
    }

    #[test]
    fn leaves_the_rest_to_handlebars() {
        for template in [
            "{{missing}}",
            "{{#if missing}}x{{/if}}",
            "{{#each list}}{{this}}{{/each}}",
            "{{! comment }}",
            "{{> partial}}",
            "{{~name}}",
            "\\{{name}}",
            "{{{name}}}",
            "{{list}}",
            "{{nothing}}",
            "{{#if on}}x{{/unless}}",
            "{{#if on}}x",
            "{{else}}",
            "{{#if on}}a{{else}}b{{else}}c{{/if}}",
            "{{lookup shared \"v\"}}",
            "{{#if (eq lang 'rust')}}x{{/if}}",
            "{{#if (gte lang 2)}}x{{/if}}",
            "{{len}}",
        ] {
            assert_eq!(render(template, &ctx()), None, "{template:?}");
        }
    }

    #[test]
    fn nesting_and_output_are_capped() {
        let nested = |n: usize| format!("{}x{}", "{{#if on}}\n".repeat(n), "{{/if}}\n".repeat(n));
        assert!(same(&nested(MAX_DEPTH)).is_some());
        assert_eq!(render(&nested(5000), &ctx()), Some(Err(Exceeded::Depth)));
        let big = json!({ "big": "x".repeat(1 << 20) });
        let nine = "{{big}}".repeat(9);
        assert_eq!(render(&nine, &big), Some(Err(Exceeded::Output)));
        let eight = "{{big}}".repeat(8);
        assert_eq!(
            render(&eight, &big).map(|r| r.map(|s| s.len())),
            Some(Ok(8 << 20))
        );
    }

    #[test]
    fn the_helper_list_names_helpers() {
        // A helper's name, given as a value, still calls the helper.
        for name in HELPERS {
            let ctx = json!({ *name: "value" });
            let out = engine().render_template(&format!("{{{{{name}}}}}"), &ctx);
            assert_ne!(out.ok().as_deref(), Some("value"), "{name}");
        }
    }

    /// Generated templates: balanced blocks with random white space and line breaks around every
    /// tag, text, values, and now and then a tag outside the subset.
    fn template() -> impl Strategy<Value = String> {
        let space =
            || proptest::sample::select(vec!["", "", "\n", "  ", "\n  ", " \n", "\r\n", "x"]);
        let leaf = proptest::sample::select(vec![
            "text",
            " ",
            "\n",
            "\t",
            "a\n",
            "{{name}}",
            "{{ name }}",
            "{{rank}}",
            "{{on}}",
            "{{shared.v.pg}}",
            "{{lang}}\n",
            "{{missing}}",
            "}}",
            "{",
            "}",
            "\\",
            "a}}b",
            "{{{name}}}",
            "{{! c }}",
        ])
        .prop_map(str::to_owned);
        leaf.prop_recursive(4, 48, 6, move |inner| {
            let cond = proptest::sample::select(vec![
                "on",
                "empty",
                "nothing",
                "(eq lang \"rust\")",
                "(ne lang \"rust\")",
                "(gte rank 3)",
                "(lt rank 3)",
                "(eq rank 2)",
            ]);
            (
                (proptest::bool::ANY, cond, space(), space()),
                proptest::collection::vec(inner.clone(), 0..4),
                proptest::option::of((space(), space(), proptest::collection::vec(inner, 0..3))),
                (space(), space()),
            )
                .prop_map(|((unless, cond, a, b), body, inverse, (c, d))| {
                    let kind = if unless { "unless" } else { "if" };
                    let mut t = format!("{a}{{{{#{kind} {cond}}}}}{b}{}", body.concat());
                    if let Some((e, f, inverse)) = inverse {
                        let _ = write!(t, "{e}{{{{else}}}}{f}{}", inverse.concat());
                    }
                    let _ = write!(t, "{c}{{{{/{kind}}}}}{d}");
                    t
                })
        })
    }

    #[test]
    fn agrees_with_handlebars_on_generated_templates() {
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let (mut answered, mut total) = (0, 0);
        for _ in 0..3000 {
            let template = proptest::collection::vec(template(), 1..5)
                .new_tree(&mut runner)
                .unwrap()
                .current()
                .concat();
            total += 1;
            if same(&template).is_some() {
                answered += 1;
            }
        }
        // The comparison only counts if the subset answers a good part of them.
        assert!(answered * 3 > total, "{answered} of {total}");
    }
}
