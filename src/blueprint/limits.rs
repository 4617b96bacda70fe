//! What a template may cost: how deep blocks and partials nest, and how much text it renders. A
//! fork's template is untrusted; Handlebars renders by recursion without a depth limit, so a
//! recursive partial or thousands of nested blocks would overflow the stack, and nested `#each`
//! loops can render gigabytes. These limits turn both into errors naming the template. Pure: it
//! only reads a parsed template.

use std::collections::BTreeMap;

use handlebars::template::{
    DecoratorTemplate, HelperTemplate, Parameter, Template, TemplateElement,
};

/// How deep blocks, subexpressions and partial calls may nest in one rendering. The embedded
/// blueprints stay under 10; Handlebars needs a few KiB of stack per level, and rendering threads
/// have 2 MiB.
pub(crate) const MAX_DEPTH: usize = 64;

/// How much one template (one file, path or next step) may render to.
pub(crate) const MAX_OUTPUT: usize = 8 << 20;

/// Why a template was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Exceeded {
    /// Nesting deeper than `MAX_DEPTH`.
    Depth,
    /// A partial that can include itself, directly or through others.
    Recursion { partial: String },
    /// More than `MAX_OUTPUT` bytes of output.
    Output,
}

/// A partial call: the name it includes (`None` when only known at render time) and the level it
/// sits at in the body that makes it.
struct Call {
    name: Option<String>,
    level: usize,
}

/// One body (the template, or an inline partial): how deep it nests by itself, and its calls.
#[derive(Default)]
struct Body {
    depth: usize,
    calls: Vec<Call>,
}

/// Everything the check needs from a parsed template.
#[derive(Default)]
struct Scan<'t> {
    /// Inline partials (`{{#*inline "name"}}`) by name; `""` holds those named at render time.
    partials: BTreeMap<String, Vec<&'t Template>>,
}

/// Checks that rendering `template` cannot nest deeper than `MAX_DEPTH` nor recurse through its
/// partials. Over-approximates: every definition of a name counts, and a partial named at render
/// time may be any of them.
pub(crate) fn check(template: &Template) -> Result<(), Exceeded> {
    let mut scan = Scan::default();
    scan.collect(template, 0)?;
    let top = scan.body(template, 0)?;
    let mut costs: BTreeMap<String, usize> = BTreeMap::new();
    let mut path: Vec<String> = Vec::new();
    let deepest = scan.cost(&top, &mut costs, &mut path)?;
    if deepest > MAX_DEPTH {
        return Err(Exceeded::Depth);
    }
    Ok(())
}

impl<'t> Scan<'t> {
    /// Finds every inline partial, wherever it is defined (even inside another one).
    fn collect(&mut self, template: &'t Template, level: usize) -> Result<(), Exceeded> {
        if level > MAX_DEPTH {
            return Err(Exceeded::Depth);
        }
        for element in &template.elements {
            let inner: Vec<&'t Template> = match element {
                TemplateElement::HelperBlock(helper) => {
                    helper.template.iter().chain(&helper.inverse).collect()
                }
                TemplateElement::DecoratorBlock(decorator) => {
                    if let Some(inner) = &decorator.template {
                        self.partials
                            .entry(literal(&decorator.params).unwrap_or_default())
                            .or_default()
                            .push(inner);
                    }
                    decorator.template.iter().collect()
                }
                TemplateElement::PartialBlock(partial) => partial.template.iter().collect(),
                _ => Vec::new(),
            };
            for template in inner {
                self.collect(template, level + 1)?;
            }
        }
        Ok(())
    }

    /// Walks one body, recording its depth and its calls (not the bodies of partials it defines).
    fn body(&self, template: &'t Template, level: usize) -> Result<Body, Exceeded> {
        let mut body = Body::default();
        self.elements(template, level, &mut body)?;
        Ok(body)
    }

    fn elements(
        &self,
        template: &'t Template,
        level: usize,
        body: &mut Body,
    ) -> Result<(), Exceeded> {
        if level > MAX_DEPTH {
            return Err(Exceeded::Depth);
        }
        body.depth = body.depth.max(level);
        for element in &template.elements {
            match element {
                TemplateElement::Expression(helper) | TemplateElement::HtmlExpression(helper) => {
                    self.helper(helper, level, body)?;
                }
                TemplateElement::HelperBlock(helper) => {
                    self.helper(helper, level + 1, body)?;
                    for inner in helper.template.iter().chain(&helper.inverse) {
                        self.elements(inner, level + 1, body)?;
                    }
                }
                TemplateElement::DecoratorExpression(decorator)
                | TemplateElement::DecoratorBlock(decorator) => {
                    self.params(&decorator.params, level, body)?;
                }
                TemplateElement::PartialExpression(partial)
                | TemplateElement::PartialBlock(partial) => {
                    self.partial(partial, level + 1, body)?;
                }
                // Text and comments; `TemplateElement` is non-exhaustive, but the version in
                // Cargo.lock has no other kind.
                _ => {}
            }
        }
        Ok(())
    }

    /// A helper's parameters; a subexpression is one level deeper than what holds it.
    fn helper(
        &self,
        helper: &'t HelperTemplate,
        level: usize,
        body: &mut Body,
    ) -> Result<(), Exceeded> {
        self.params(&helper.params, level, body)?;
        let hash: Vec<&'t Parameter> = helper.hash.values().collect();
        for param in hash {
            self.param(param, level, body)?;
        }
        Ok(())
    }

    fn params(
        &self,
        params: &'t [Parameter],
        level: usize,
        body: &mut Body,
    ) -> Result<(), Exceeded> {
        params.iter().try_for_each(|p| self.param(p, level, body))
    }

    fn param(&self, param: &'t Parameter, level: usize, body: &mut Body) -> Result<(), Exceeded> {
        let Parameter::Subexpression(sub) = param else {
            return Ok(());
        };
        let level = level + 1;
        if level > MAX_DEPTH {
            return Err(Exceeded::Depth);
        }
        body.depth = body.depth.max(level);
        match sub.as_element() {
            TemplateElement::Expression(helper) => self.helper(helper, level, body),
            _ => Ok(()),
        }
    }

    /// `{{> name}}` or `{{#> name}}...{{/name}}`: a call, and the block's own body.
    fn partial(
        &self,
        partial: &'t DecoratorTemplate,
        level: usize,
        body: &mut Body,
    ) -> Result<(), Exceeded> {
        self.params(&partial.params, level, body)?;
        let name = match &partial.name {
            Parameter::Literal(serde_json::Value::String(s)) => Some(s.clone()),
            other => other.as_name().map(str::to_owned),
        };
        // `@partial-block` prints text rendered before the call: it includes nothing.
        if name.as_deref() != Some("@partial-block") {
            body.calls.push(Call { name, level });
        }
        if let Some(inner) = &partial.template {
            self.elements(inner, level, body)?;
        }
        Ok(())
    }

    /// The deepest level a body reaches, its partial calls included. `path` holds the partials
    /// being costed, so a cycle is found; `costs` those already done.
    fn cost(
        &self,
        body: &Body,
        costs: &mut BTreeMap<String, usize>,
        path: &mut Vec<String>,
    ) -> Result<usize, Exceeded> {
        let mut deepest = body.depth;
        for call in &body.calls {
            // A call may reach the partial of its name and any named at render time.
            let mut targets: Vec<String> = match &call.name {
                Some(name) => vec![name.clone()],
                None => self.partials.keys().cloned().collect(),
            };
            targets.push(String::new());
            for target in targets {
                deepest = deepest.max(call.level + self.partial_cost(&target, costs, path)?);
            }
        }
        Ok(deepest)
    }

    fn partial_cost(
        &self,
        name: &str,
        costs: &mut BTreeMap<String, usize>,
        path: &mut Vec<String>,
    ) -> Result<usize, Exceeded> {
        if let Some(cost) = costs.get(name) {
            return Ok(*cost);
        }
        let Some(definitions) = self.partials.get(name).cloned() else {
            return Ok(0);
        };
        if path.iter().any(|p| p == name) {
            return Err(Exceeded::Recursion {
                partial: if name.is_empty() {
                    path.last().cloned().unwrap_or_default()
                } else {
                    name.to_owned()
                },
            });
        }
        if path.len() > MAX_DEPTH {
            return Err(Exceeded::Depth);
        }
        path.push(name.to_owned());
        let mut cost = 0;
        for definition in definitions {
            let body = self.body(definition, 0)?;
            cost = cost.max(self.cost(&body, costs, path)?);
        }
        path.pop();
        costs.insert(name.to_owned(), cost);
        Ok(cost)
    }
}

/// The first parameter as a string literal (an inline partial's name), if it is one.
fn literal(params: &[Parameter]) -> Option<String> {
    match params.first() {
        Some(Parameter::Literal(serde_json::Value::String(s))) => Some(s.clone()),
        _ => None,
    }
}

/// Text output that refuses to grow past a budget: Handlebars stops rendering at the first write
/// that does not fit.
pub(crate) struct CappedOutput {
    text: String,
    budget: usize,
    exceeded: bool,
}

impl CappedOutput {
    pub(crate) fn new(budget: usize) -> CappedOutput {
        CappedOutput {
            text: String::new(),
            budget,
            exceeded: false,
        }
    }

    /// The text, or `Exceeded::Output` if a write did not fit.
    pub(crate) fn finish(self) -> Result<String, Exceeded> {
        if self.exceeded {
            Err(Exceeded::Output)
        } else {
            Ok(self.text)
        }
    }

    pub(crate) fn exceeded(&self) -> bool {
        self.exceeded
    }
}

impl handlebars::Output for CappedOutput {
    fn write(&mut self, seg: &str) -> std::io::Result<()> {
        if self.text.len() + seg.len() > self.budget {
            self.exceeded = true;
            return Err(std::io::Error::other("output limit reached"));
        }
        self.text.push_str(seg);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt::Write as _;

    fn checked(text: &str) -> Result<(), Exceeded> {
        check(&Template::compile(text).unwrap())
    }

    #[test]
    fn ordinary_templates_pass() {
        for text in [
            "{{a}}",
            "{{#if a}}{{#each b}}{{this}}{{/each}}{{else if c}}x{{/if}}",
            "{{#*inline \"p\"}}{{a}}{{/inline}}{{> p}}{{> p}}",
            "{{#*inline \"p\"}}{{a}}{{/inline}}{{#*inline \"q\"}}{{> p}}{{/inline}}{{> q}}",
            "{{#> missing}}fallback{{/missing}}",
            "{{#if (eq (len a) 1)}}x{{/if}}",
        ] {
            assert_eq!(checked(text), Ok(()), "{text}");
        }
    }

    #[test]
    fn recursive_partials_are_found() {
        let cases = [
            ("{{#*inline \"p\"}}x{{> p}}{{/inline}}{{> p}}", "p"),
            (
                "{{#*inline \"p\"}}{{#if a}}{{> q}}{{/if}}{{/inline}}{{#*inline \"q\"}}{{> p}}{{/inline}}{{> p}}",
                "p",
            ),
            ("{{#*inline \"p\"}}{{> (a)}}{{/inline}}{{> p}}", "p"),
            ("{{#*inline \"p\"}}{{#> p}}x{{/p}}{{/inline}}{{> p}}", "p"),
        ];
        for (text, partial) in cases {
            assert_eq!(
                checked(text),
                Err(Exceeded::Recursion {
                    partial: partial.to_owned()
                }),
                "{text}"
            );
        }
    }

    #[test]
    fn deep_nesting_is_refused_before_rendering() {
        let nested = |n: usize| format!("{}x{}", "{{#if a}}".repeat(n), "{{/if}}".repeat(n));
        assert_eq!(checked(&nested(MAX_DEPTH)), Ok(()));
        assert_eq!(checked(&nested(MAX_DEPTH + 1)), Err(Exceeded::Depth));
        let calls = |n: usize| {
            let mut text = String::new();
            for i in 0..n {
                let _ = write!(
                    text,
                    "{{{{#*inline \"p{i}\"}}}}{{{{> p{}}}}}{{{{/inline}}}}",
                    i + 1
                );
            }
            text + "{{> p0}}"
        };
        assert_eq!(checked(&calls(10)), Ok(()));
        assert_eq!(checked(&calls(500)), Err(Exceeded::Depth));
        let parens = format!("{{{{a {}b{}}}}}", "(not ".repeat(100), ")".repeat(100));
        assert_eq!(checked(&parens), Err(Exceeded::Depth));
    }

    #[test]
    fn output_stops_at_the_budget() {
        use handlebars::Output as _;
        let mut out = CappedOutput::new(4);
        assert!(out.write("abc").is_ok());
        assert!(out.write("de").is_err());
        assert!(out.exceeded());
        assert_eq!(out.finish(), Err(Exceeded::Output));
    }
}
