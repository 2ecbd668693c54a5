//! `invalid-example`: an example that does not validate against its own schema.

use std::collections::HashSet;

use serde_json::Value;

use crate::lint::rule::{Context, Finding, Rule, Severity};
use crate::spec::Loc;
use crate::spec::model::{Example, MediaType};
use crate::spec::normalize::Direction;

pub static RULE: Rule = Rule {
    id: "invalid-example",
    severity: Severity::Error,
    summary: "an example (media type, parameter, header or schema) that does not match its schema",
    why: "Examples are what people copy, what mocks serve and what kontrakt sends first; one that breaks its own schema teaches clients the wrong shape and makes the mock contradict the spec. Request examples may omit required `readOnly` properties, responses `writeOnly` ones.",
    example: "`cvrNummer: 1234567` (a number, 7 digits) for a schema of type string with pattern `^[1-9][0-9]{7}$`.",
    fix: "Fix the example or the schema, whichever is wrong; the message points at the offending value inside the example.",
    check,
};

struct Checker<'c, 'a> {
    ctx: &'c Context<'a>,
    seen: HashSet<(Loc, Loc)>,
    broken: HashSet<Loc>,
    out: Vec<Finding>,
}

impl Checker<'_, '_> {
    fn example(&mut self, schema: &Loc, example: &Example, direction: Direction, what: &str) {
        let Some(value_loc) = &example.value else {
            return;
        };
        // Example values may themselves be `$ref`s to files (Redocly style); follow them.
        let Ok(value_loc) = self.ctx.spec.deref(value_loc) else {
            return;
        };
        if !self.seen.insert((schema.clone(), value_loc.clone())) {
            return;
        }
        let Some(value) = self.ctx.spec.get(&value_loc) else {
            return;
        };
        self.value(
            schema,
            &value_loc,
            value,
            direction,
            what,
            example.name.as_deref(),
        );
    }

    fn value(
        &mut self,
        schema: &Loc,
        at: &Loc,
        value: &Value,
        direction: Direction,
        what: &str,
        name: Option<&str>,
    ) {
        let label = name.map_or_else(
            || format!("{what} example"),
            |n| format!("{what} example `{n}`"),
        );
        match self.ctx.violations(schema, direction, value) {
            Ok(violations) => {
                for v in violations {
                    let loc = Loc::new(at.file, format!("{}{}", at.ptr, v.instance_path));
                    let place = if v.instance_path.is_empty() {
                        String::new()
                    } else {
                        format!(" at `{}`", v.instance_path)
                    };
                    self.out.push(self.ctx.report_value(
                        &RULE,
                        &loc,
                        format!("{label} does not match its schema{place}: {}", v.message),
                    ));
                }
            }
            // A schema whose `$ref` points nowhere is reported by `unresolved-ref`.
            Err(e) if e.contains("not present in a registry") || e.contains("Unresolvable") => {}
            Err(e) => {
                if self.broken.insert(schema.clone()) {
                    self.out.push(self.ctx.report(
                        &RULE,
                        schema,
                        format!("cannot check {label}: the schema does not compile: {e}"),
                    ));
                }
            }
        }
    }

    fn media(&mut self, media: &[MediaType], direction: Direction, what: &str) {
        for m in media {
            let Some(schema) = &m.schema else { continue };
            for e in &m.examples {
                self.example(schema, e, direction, &format!("{what} `{}`", m.name));
            }
        }
    }
}

fn check(ctx: &Context) -> Vec<Finding> {
    let mut c = Checker {
        ctx,
        seen: HashSet::new(),
        broken: HashSet::new(),
        out: Vec::new(),
    };
    for op in &ctx.model.operations {
        for p in &op.parameters {
            if let Some(schema) = &p.schema {
                for e in &p.examples {
                    c.example(
                        schema,
                        e,
                        Direction::Request,
                        &format!("parameter `{}`", p.name),
                    );
                }
            }
            c.media(
                &p.content,
                Direction::Request,
                &format!("parameter `{}`", p.name),
            );
        }
        if let Some(body) = &op.request_body {
            c.media(&body.content, Direction::Request, "request body");
        }
        for r in &op.responses {
            c.media(
                &r.content,
                Direction::Response,
                &format!("response {}", r.key),
            );
            for h in &r.headers {
                if let Some(schema) = &h.schema {
                    for e in &h.examples {
                        c.example(
                            schema,
                            e,
                            Direction::Response,
                            &format!("header `{}`", h.name),
                        );
                    }
                }
            }
        }
    }
    // Examples written inside schemas (`example`, and 3.1's `examples` list).
    for schema in ctx.schemas() {
        let Some(Value::Object(map)) = ctx.spec.get(schema) else {
            continue;
        };
        if map.contains_key("$ref") && crate::spec::normalize::is_30(ctx.spec, schema.file) {
            continue;
        }
        if let Some(v) = map.get("example") {
            let at = schema.child("example");
            if c.seen.insert((schema.clone(), at.clone())) {
                c.value(schema, &at, v, Direction::Neutral, "schema", None);
            }
        }
        if let Some(Value::Array(items)) = map.get("examples") {
            for (i, v) in items.iter().enumerate() {
                let at = schema.child("examples").index(i);
                if c.seen.insert((schema.clone(), at.clone())) {
                    c.value(schema, &at, v, Direction::Neutral, "schema", None);
                }
            }
        }
    }
    c.out
}
