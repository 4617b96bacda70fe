//! Renders the plain subset of Handlebars that blueprints are written in, without Handlebars'
//! parser, which costs far more than the rendering itself (see `render.rs`).
//!
//! The subset: text, comments, `{{path.to.value}}`, `{{#if C}}`/`{{#unless C}}` blocks with an
//! optional `{{else}}`, and `{{#each path}}` over an array. `C` is a path, `(eq|ne|gt|gte|lt|lte
//! path literal)`, or `(or …)`/`(and …)` of those. A path reads the current context (the item,
//! inside `#each`), `@root.path` the root, and `@index`, `@first`, `@last` the loop. Output is the
//! same as Handlebars', "standalone" tag lines included: a block tag or a comment alone on its line
//! removes the line. Anything else (partials, `this`, `../`, `#each` with `{{else}}` or over what is
//! not an array, white-space control, escapes, a missing value, a value that is not a string,
//! number or boolean) returns `None`, and the caller renders the template with Handlebars, which
//! also produces the errors. A template is never half taken: the whole text is parsed before a byte
//! is output, and nothing is returned unless all of it rendered. Tests compare both engines on
//! every embedded template and on generated ones. The limits Handlebars is held to (`limits`) hold
//! here too: blocks nest at most `MAX_DEPTH` deep and the output stops at `MAX_OUTPUT`.

use serde_json::Value;

use crate::blueprint::limits::{Exceeded, MAX_DEPTH, MAX_OUTPUT};

/// A block helper of the subset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    If,
    Unless,
    Each,
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

/// A variable `#each` sets for each item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Local {
    Index,
    First,
    Last,
}

/// Where a value is read: the current context (the item, inside `#each`), the root context
/// (`@root.path`), or a variable of the loop (`@index`, `@first`, `@last`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Path<'a> {
    Here(&'a str),
    Root(&'a str),
    Local(Local),
}

/// A block's condition.
#[derive(Debug, Clone, PartialEq)]
enum Cond<'a> {
    /// `{{#if path}}`: the value's truth.
    Path(Path<'a>),
    /// `{{#if (op path literal)}}`.
    Compare(Op, Path<'a>, Value),
    /// `{{#if (or a b …)}}`: whether any of them is true.
    Or(Vec<Cond<'a>>),
    /// `{{#if (and a b …)}}`: whether all of them are.
    And(Vec<Cond<'a>>),
}

/// A tag of the subset.
#[derive(Debug, Clone, PartialEq)]
enum Tag<'a> {
    Var(Path<'a>),
    /// `#if`, `#unless` with their condition; `#each` with `Cond::Path`.
    Open(Kind, Cond<'a>),
    Else,
    Close(Kind),
    /// `{{! … }}` or `{{!-- … --}}`: nothing.
    Comment,
}

/// A tag and where it sits in the source (from `{{` to after `}}`).
#[derive(Debug)]
struct Token<'a> {
    start: usize,
    end: usize,
    tag: Tag<'a>,
}

/// A template of the subset, parsed: what `render` evaluates for a context.
#[derive(Debug, PartialEq)]
enum Node<'a> {
    Text(&'a str),
    Var(Path<'a>),
    /// `#if`/`#unless` and the two branches.
    Block {
        kind: Kind,
        cond: Cond<'a>,
        then: Vec<Node<'a>>,
        otherwise: Vec<Node<'a>>,
    },
    /// `#each` over an array.
    Each {
        path: Path<'a>,
        body: Vec<Node<'a>>,
    },
}

/// Why evaluation stopped.
#[derive(Debug, PartialEq)]
enum Stop {
    /// The template or a value is outside the subset: Handlebars decides.
    Leave,
    Limit(Exceeded),
}

/// Renders `source` with `ctx` if it stays inside the subset: the text, or the limit it went past.
pub(crate) fn render(source: &str, ctx: &Value) -> Option<Result<String, Exceeded>> {
    let nodes = match parse(source) {
        Ok(nodes) => nodes,
        Err(Stop::Leave) => return None,
        Err(Stop::Limit(exceeded)) => return Some(Err(exceeded)),
    };
    let scope = Scope {
        this: ctx,
        root: ctx,
        at: None,
    };
    let mut out = String::with_capacity(source.len());
    match evaluate(&nodes, &scope, &mut out) {
        Ok(()) => Some(Ok(out)),
        Err(Stop::Leave) => None,
        Err(Stop::Limit(exceeded)) => Some(Err(exceeded)),
    }
}

/// The tree of a template of the subset; `Stop::Leave` if it is not one, `Stop::Limit` if its
/// blocks nest deeper than `MAX_DEPTH`.
fn parse(source: &str) -> Result<Vec<Node<'_>>, Stop> {
    let tokens = tokenize(source).ok_or(Stop::Leave)?;
    let texts = texts(source, &tokens);
    tree(tokens, &texts)
}

/// An open block while building the tree.
struct Open<'a> {
    kind: Kind,
    cond: Cond<'a>,
    then: Vec<Node<'a>>,
    otherwise: Option<Vec<Node<'a>>>,
}

impl<'a> Open<'a> {
    fn nodes(&mut self) -> &mut Vec<Node<'a>> {
        self.otherwise.as_mut().unwrap_or(&mut self.then)
    }

    fn close(self) -> Result<Node<'a>, Stop> {
        Ok(match self.kind {
            Kind::Each => {
                let Cond::Path(path) = self.cond else {
                    return Err(Stop::Leave);
                };
                Node::Each {
                    path,
                    body: self.then,
                }
            }
            kind => Node::Block {
                kind,
                cond: self.cond,
                then: self.then,
                otherwise: self.otherwise.unwrap_or_default(),
            },
        })
    }
}

/// The tokens and the texts between them as a tree of blocks.
fn tree<'a>(tokens: Vec<Token<'a>>, texts: &[&'a str]) -> Result<Vec<Node<'a>>, Stop> {
    let mut top = Vec::new();
    let mut stack: Vec<Open<'a>> = Vec::new();
    for (token, text) in tokens.into_iter().zip(texts) {
        if stack.len() > MAX_DEPTH {
            return Err(Stop::Limit(Exceeded::Depth));
        }
        let nodes = stack.last_mut().map_or(&mut top, Open::nodes);
        if !text.is_empty() {
            nodes.push(Node::Text(text));
        }
        match token.tag {
            Tag::Var(path) => nodes.push(Node::Var(path)),
            Tag::Comment => {}
            Tag::Open(kind, cond) => stack.push(Open {
                kind,
                cond,
                then: Vec::new(),
                otherwise: None,
            }),
            Tag::Else => {
                let open = stack.last_mut().ok_or(Stop::Leave)?;
                if open.otherwise.is_some() || open.kind == Kind::Each {
                    return Err(Stop::Leave);
                }
                open.otherwise = Some(Vec::new());
            }
            Tag::Close(kind) => {
                let open = stack.pop().ok_or(Stop::Leave)?;
                if open.kind != kind {
                    return Err(Stop::Leave);
                }
                let node = open.close()?;
                stack.last_mut().map_or(&mut top, Open::nodes).push(node);
            }
        }
    }
    if !stack.is_empty() {
        return Err(Stop::Leave);
    }
    if let Some(text) = texts.last().filter(|t| !t.is_empty()) {
        top.push(Node::Text(text));
    }
    Ok(top)
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
        let (inner, end) = if source[inner_start..].starts_with('!') {
            comment(source, inner_start)?
        } else {
            let close =
                inner_start + memchr::memmem::find(&source.as_bytes()[inner_start..], b"}}")?;
            (&source[inner_start..close], close + 2)
        };
        if inner.contains("{{") {
            return None;
        }
        let tag = if inner.starts_with('!') {
            Tag::Comment
        } else {
            parse_tag(inner)?
        };
        tokens.push(Token { start, end, tag });
        pos = end;
    }
    Some(tokens)
}

/// A comment at `inner_start` (just after `{{`, at its `!`): its inside and where it ends. As
/// Handlebars' grammar reads it: `{{!-- … --}}` up to the first `--}}` if there is one, else
/// `{{! … }}` up to the first `}}`.
fn comment(source: &str, inner_start: usize) -> Option<(&str, usize)> {
    let bytes = source.as_bytes();
    if source[inner_start..].starts_with("!--") {
        let body = inner_start + 3;
        if let Some(at) = memchr::memmem::find(&bytes[body..], b"--}}") {
            return Some((&source[inner_start..body + at], body + at + 4));
        }
    }
    let close = inner_start + memchr::memmem::find(&bytes[inner_start..], b"}}")?;
    Some((&source[inner_start..close], close + 2))
}

fn parse_tag(inner: &str) -> Option<Tag<'_>> {
    if let Some(cond) = inner.strip_prefix("#if ") {
        return Some(Tag::Open(Kind::If, parse_cond(cond.trim_end_matches(' '))?));
    }
    if let Some(cond) = inner.strip_prefix("#unless ") {
        return Some(Tag::Open(
            Kind::Unless,
            parse_cond(cond.trim_end_matches(' '))?,
        ));
    }
    if let Some(path) = inner.strip_prefix("#each ") {
        return Some(Tag::Open(
            Kind::Each,
            Cond::Path(parse_path(path.trim_end_matches(' '))?),
        ));
    }
    match inner {
        "else" => Some(Tag::Else),
        "/if" => Some(Tag::Close(Kind::If)),
        "/unless" => Some(Tag::Close(Kind::Unless)),
        "/each" => Some(Tag::Close(Kind::Each)),
        _ => parse_path(inner.trim_matches(' ')).map(Tag::Var),
    }
}

/// `path`, `(op path literal)`, `(or cond cond …)` or `(and cond cond …)`, with single spaces.
fn parse_cond(cond: &str) -> Option<Cond<'_>> {
    let Some(inner) = cond.strip_prefix('(').and_then(|c| c.strip_suffix(')')) else {
        return parse_path(cond).map(Cond::Path);
    };
    for name in ["or ", "and "] {
        if let Some(rest) = inner.strip_prefix(name) {
            let conds = arguments(rest)?
                .into_iter()
                .map(parse_cond)
                .collect::<Option<Vec<_>>>()?;
            return Some(if name == "or " {
                Cond::Or(conds)
            } else {
                Cond::And(conds)
            });
        }
    }
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
    let path = parse_path(path)?;
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

/// The arguments of a helper, separated by single spaces outside parentheses; `None` for quotes
/// (a literal of `or` is left to Handlebars) or parentheses that do not balance.
fn arguments(text: &str) -> Option<Vec<&str>> {
    let mut args = Vec::new();
    let (mut depth, mut start) = (0usize, 0);
    for (i, b) in text.bytes().enumerate() {
        match b {
            b'(' => depth += 1,
            b')' => depth = depth.checked_sub(1)?,
            b' ' if depth == 0 => {
                args.push(&text[start..i]);
                start = i + 1;
            }
            b'"' if depth == 0 => return None,
            _ => {}
        }
    }
    args.push(&text[start..]);
    (depth == 0 && args.iter().all(|a| !a.is_empty())).then_some(args)
}

/// A path of the subset: dotted names (`is_names`), `@root.` and dotted names, or `@index`,
/// `@first`, `@last`. A name that calls a helper is not one.
fn parse_path(path: &str) -> Option<Path<'_>> {
    match path {
        "@index" => Some(Path::Local(Local::Index)),
        "@first" => Some(Path::Local(Local::First)),
        "@last" => Some(Path::Local(Local::Last)),
        _ => {
            if let Some(rest) = path.strip_prefix("@root.") {
                return is_names(rest).then_some(Path::Root(rest));
            }
            (is_names(path) && !is_helper(path)).then_some(Path::Here(path))
        }
    }
}

/// Dot-separated names of ASCII letters, digits, `_` and `-`, each starting with a letter or `_`,
/// none of them a keyword Handlebars reads differently.
fn is_names(path: &str) -> bool {
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

/// The text before each tag and after the last, as Handlebars keeps it: a block tag or a comment
/// alone on its line (only spaces or tabs beside it) takes the line's indentation and its line
/// break with it.
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

/// What paths are read from: the current context, the root, and inside `#each` the item's index
/// and the number of items.
struct Scope<'v> {
    this: &'v Value,
    root: &'v Value,
    at: Option<(usize, usize)>,
}

/// Appends the output of `nodes` to `out`: `Stop::Leave` when a value leaves the subset,
/// `Stop::Limit` past `MAX_OUTPUT`.
fn evaluate(nodes: &[Node<'_>], scope: &Scope<'_>, out: &mut String) -> Result<(), Stop> {
    for node in nodes {
        match node {
            Node::Text(text) => out.push_str(text),
            Node::Var(path) => match lookup(scope, *path).ok_or(Stop::Leave)? {
                Read::Value(Value::String(s)) => out.push_str(s),
                Read::Value(v @ (Value::Number(_) | Value::Bool(_))) => {
                    out.push_str(&v.to_string());
                }
                Read::Index(i) => out.push_str(&i.to_string()),
                Read::Bool(b) => out.push_str(if b { "true" } else { "false" }),
                Read::Value(_) => return Err(Stop::Leave),
            },
            Node::Block {
                kind,
                cond,
                then,
                otherwise,
            } => {
                let value = truth(cond, scope).ok_or(Stop::Leave)?;
                let branch = if value == (*kind == Kind::If) {
                    then
                } else {
                    otherwise
                };
                evaluate(branch, scope, out)?;
            }
            Node::Each { path, body } => {
                let Some(Read::Value(Value::Array(items))) = lookup(scope, *path) else {
                    return Err(Stop::Leave);
                };
                for (i, item) in items.iter().enumerate() {
                    let inner = Scope {
                        this: item,
                        root: scope.root,
                        at: Some((i, items.len())),
                    };
                    evaluate(body, &inner, out)?;
                }
            }
        }
        if out.len() > MAX_OUTPUT {
            return Err(Stop::Limit(Exceeded::Output));
        }
    }
    Ok(())
}

/// A block condition's truth, as Handlebars' `if` sees it; `None` if it cannot say.
fn truth(cond: &Cond<'_>, scope: &Scope<'_>) -> Option<bool> {
    match cond {
        Cond::Path(path) => Some(match lookup(scope, *path)? {
            Read::Value(Value::Bool(b)) => *b,
            Read::Bool(b) => b,
            Read::Value(Value::Number(n)) => n.as_f64().is_some_and(f64::is_normal),
            Read::Index(i) => i != 0,
            Read::Value(Value::String(s)) => !s.is_empty(),
            Read::Value(Value::Array(a)) => !a.is_empty(),
            Read::Value(Value::Object(o)) => !o.is_empty(),
            Read::Value(Value::Null) => false,
        }),
        Cond::Or(conds) | Cond::And(conds) => {
            // Handlebars works out every argument, and a missing one is an error in strict mode:
            // no short cut.
            let truths = conds
                .iter()
                .map(|c| truth(c, scope))
                .collect::<Option<Vec<_>>>()?;
            Some(if matches!(cond, Cond::Or(_)) {
                truths.contains(&true)
            } else {
                !truths.contains(&false)
            })
        }
        Cond::Compare(op, path, literal) => {
            let Read::Value(value) = lookup(scope, *path)? else {
                return None;
            };
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

/// A value read by a path: one of the context, or a loop variable.
enum Read<'v> {
    Value(&'v Value),
    Index(usize),
    Bool(bool),
}

/// The value at a path; `None` if any part is missing (or a loop variable outside a loop).
fn lookup<'v>(scope: &Scope<'v>, path: Path<'_>) -> Option<Read<'v>> {
    let dotted = |ctx: &'v Value, path: &str| {
        path.split('.')
            .try_fold(ctx, |value, key| value.as_object()?.get(key))
            .map(Read::Value)
    };
    match path {
        Path::Here(path) => dotted(scope.this, path),
        Path::Root(path) => dotted(scope.root, path),
        Path::Local(local) => {
            let (i, len) = scope.at?;
            Some(match local {
                Local::Index => Read::Index(i),
                Local::First => Read::Bool(i == 0),
                Local::Last => Read::Bool(i + 1 == len),
            })
        }
    }
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
                "shared": { "v": { "pg": "17" } }, "list": [1], "nothing": null,
                "items": [{ "id": "a", "on": true, "rank": 0, "v": null, "tool": "uv",
                            "name": "na", "lang": "go", "empty": "" },
                          { "id": "b", "on": false, "rank": 3, "v": "1.2", "tool": "pip",
                            "name": "nb", "lang": "rust", "empty": "x" },
                          { "id": "c", "on": true, "rank": 1, "v": "", "tool": "uv",
                            "name": "nc", "lang": "node", "empty": "", "nothing": null }],
                "none": [],
                "one": [{ "id": "x", "on": false, "rank": 2, "v": "9", "tool": "pdm",
                          "name": "nx", "lang": "python", "empty": "", "nothing": 0 }],
                "id": "root" })
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
            "{{! comment }}x\n  {{!-- a }} b --}}  \ny{{!--}}z{{!---}}",
            "{{#each items}}\n  - {{id}}{{#unless @last}},{{/unless}}\n{{/each}}\n",
            "{{#each items}}{{@index}}{{@first}}{{@last}}{{#if @index}}i{{/if}}{{/each}}",
            "  {{#each items}}\n  {{#if (or on (eq tool \"pip\"))}}\n    {{@root.name}}-{{id}}\n  {{/if}}\n  {{/each}}\n",
            "{{#each none}}never{{/each}}{{#each one}}{{#each @root.items}}{{id}}{{/each}}{{/each}}",
            "{{#if (or (eq lang \"go\") (eq rank 2) on)}}or{{/if}}{{#if (or empty nothing)}}x{{/if}}",
            "{{#if (and on (eq rank 2))}}a{{/if}}{{#unless (and on empty)}}b{{/unless}}",
            "{{#each items}}{{#if (and (eq tool \"uv\") @first)}}{{id}}{{/if}}{{/each}}",
            "{{#each items}}{{#if v}}{{v}}{{else}}-{{/if}}{{#if (gte rank 1)}}+{{/if}}{{/each}}",
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
            "{{#each items}}{{else}}x{{/each}}",
            "{{#each name}}x{{/each}}",
            "{{#each missing}}x{{/each}}",
            "{{#each items}}{{missing}}{{/each}}",
            "{{#each items}}{{../name}}{{/each}}",
            "{{#each items}}{{v}}{{/each}}",
            "{{@index}}",
            "{{#if @last}}x{{/if}}",
            "{{@root}}",
            "{{#if (or on missing)}}x{{/if}}",
            "{{#if (or on \"x\")}}x{{/if}}",
            "{{#if (or)}}x{{/if}}",
            "{{#if (and on  on)}}x{{/if}}",
            "{{#if (and on (eq rank 2)}}x{{/if}}",
            "{{!-- {{name}} --}}",
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

    /// Generated templates: balanced blocks (`#if`, `#unless`, `#each` over lists of objects, of
    /// one, of none, of numbers) with random white space and line breaks around every tag, text,
    /// values, comments, loop variables, and now and then a tag outside the subset.
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
            "{{!-- c }} --}}",
            "{{id}}",
            "{{@root.name}}",
            "{{@index}}",
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
                "@first",
                "@root.on",
                "(or on (eq rank 2))",
                "(or empty (gte rank 2) nothing)",
                "(and on (lt rank 3))",
                "(and (ne lang \"go\") empty)",
            ]);
            // `#each` (with its list in place of the condition) now and then.
            let kind = proptest::sample::select(vec!["if", "unless", "if", "unless", "each"]);
            let list = proptest::sample::select(vec!["items", "one", "items", "none"]);
            (
                (kind, (cond, list), space(), space()),
                proptest::collection::vec(inner.clone(), 0..4),
                proptest::option::of((space(), space(), proptest::collection::vec(inner, 0..3))),
                (space(), space()),
            )
                .prop_map(|((kind, (cond, list), a, b), body, inverse, (c, d))| {
                    let cond = if kind == "each" { list } else { cond };
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
