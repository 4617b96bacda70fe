//! Property tests over every parser of input scaffold does not control: the state file, answers
//! files, blueprint manifests and templates. Each must answer with a value or an error for any
//! input: never a panic, an abort or a hang. `PROPTEST_CASES` raises the case count
//! (`tests/fuzz.sh` runs a long campaign).

use std::path::Path;

use proptest::prelude::*;

use crate::blueprint::catalog::parse_manifest;
use crate::blueprint::render::render_text;
use crate::state::State;

/// Pieces of TOML that make parsers take their rarer paths.
const TOML_PIECES: [&str; 24] = [
    "version = 1\n",
    "version = 2\n",
    "version = -1\n",
    "[foundations.ci]\n",
    "[foundations.\"../x\"]\n",
    "version = \"1.0.0\"\n",
    "source = \"embedded\"\n",
    "date = \"2026-01-01\"\n",
    "answers = {}\n",
    "files = { \"a\" = { sha256 = \"00\", mode = \"file\" } }\n",
    "files = { \"../../etc/passwd\" = { sha256 = \"00\", mode = \"block\" } }\n",
    "[source]\nkind = \"dir\"\nlocation = \"/\"\n",
    "[[questions]]\nkey = \"k\"\nprompt = \"p\"\n",
    "choices = []\n",
    "pattern = \"^(a+)+$\"\n",
    "id = \"x\"\n",
    "[[files]]\ntemplate = \"t.hbs\"\npath = \"{{a}}/b\"\n",
    "when = { stage = [\"seed\"] }\n",
    "stage = \"seed\"\n",
    "\"\u{feff}key\" = 'v'\n",
    "x = [1, [2, [3]]]\n",
    "= = =\n",
    "[[a]]\n[a.b]\n",
    "\"\"\"\n",
];

/// Pieces of Handlebars, balanced or not.
const TEMPLATE_PIECES: [&str; 20] = [
    "text ",
    "\n",
    "{{stage}}",
    "{{missing}}",
    "{{#if stage}}",
    "{{else}}",
    "{{/if}}",
    "{{#unless (eq stage \"seed\")}}",
    "{{/unless}}",
    "{{#each list}}",
    "{{/each}}",
    "{{this}}",
    "{{> partial}}",
    "{{!-- c --}}",
    "{{{raw}}}",
    "\\{{escaped}}",
    "{{",
    "}}",
    "{{~stage~}}",
    "{{#if}}",
];

fn pieces(all: &'static [&'static str], max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::sample::select(all), 0..max).prop_map(|p| p.concat())
}

fn context() -> serde_json::Value {
    serde_json::json!({ "stage": "seed", "list": ["a", "b"], "raw": "<x>" })
}

proptest! {
    #[test]
    fn the_state_parser_never_panics(text in "\\PC{0,200}", built in pieces(&TOML_PIECES, 12)) {
        let _ = State::parse(&text, Path::new("state.toml"));
        let _ = State::parse(&built, Path::new("state.toml"));
    }

    #[test]
    fn the_answers_parser_never_panics(text in "\\PC{0,200}", built in pieces(&TOML_PIECES, 12)) {
        let _ = crate::answers::parse_text(&text, Path::new("answers.toml"));
        let _ = crate::answers::parse_text(&built, Path::new("answers.toml"));
    }

    #[test]
    fn the_manifest_parser_never_panics(
        bytes in proptest::collection::vec(any::<u8>(), 0..200),
        built in pieces(&TOML_PIECES, 16),
    ) {
        let _ = parse_manifest("fuzz", &bytes);
        let _ = parse_manifest("fuzz", built.as_bytes());
    }

    #[test]
    fn the_renderer_never_panics(template in pieces(&TEMPLATE_PIECES, 40), text in "\\PC{0,80}") {
        let ctx = context();
        let _ = render_text("fuzz", "t.hbs", &template, &ctx);
        let _ = render_text("fuzz", "t.hbs", &text, &ctx);
    }
}
