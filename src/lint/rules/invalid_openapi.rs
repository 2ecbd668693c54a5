//! `invalid-openapi`: the document's structure against the official OpenAPI JSON Schema.

use std::collections::HashSet;
use std::sync::{Arc, OnceLock};

use jsonschema::{Draft, Registry, Validator};
use serde_json::{Value, json};

use crate::lint::rule::{Context, Finding, Rule, Severity};
use crate::spec::Loc;
use crate::spec::normalize::is_30;
use crate::spec::validate;

pub static RULE: Rule = Rule {
    id: "invalid-openapi",
    severity: Severity::Error,
    summary: "the document (or a file it references) breaks the official OpenAPI 3.0/3.1 schema",
    why: "Tools disagree on documents that are not valid OpenAPI: one ignores a misspelt field, another rejects the file. Checked against the OpenAPI Initiative's own JSON Schemas (3.0: 2024-10-18, 3.1: 2025-09-15): the root document as a whole, and every object reached through a `$ref` from elsewhere by the kind it is used as.",
    example: "`responses: {200: {content: ...}}` without the required `description` in 3.0, `requried: true` on a parameter, or a response that is a `$ref` to a schema.",
    fix: "Fix the field the message names; a `$ref` must point at an object of the kind its place expects.",
    check,
};

const SCHEMA_30: &str = include_str!("../../spec/oas/schema-3.0.json");
const SCHEMA_31: &str = include_str!("../../spec/oas/schema-3.1.json");

/// The kinds of object checked when a `$ref` leads into another file.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    PathItem,
    Parameter,
    RequestBody,
    Response,
    Header,
    Link,
    Example,
    Schema,
}

impl Kind {
    fn pointer(self, v30: bool) -> &'static str {
        match (self, v30) {
            (Kind::PathItem, true) => "#/definitions/PathItem",
            (Kind::Parameter, true) => "#/definitions/Parameter",
            (Kind::RequestBody, true) => "#/definitions/RequestBody",
            (Kind::Response, true) => "#/definitions/Response",
            (Kind::Header, true) => "#/definitions/Header",
            (Kind::Link, true) => "#/definitions/Link",
            (Kind::Example, true) => "#/definitions/Example",
            (Kind::Schema, true) => "#/definitions/Schema",
            (Kind::PathItem, false) => "#/$defs/path-item",
            (Kind::Parameter, false) => "#/$defs/parameter",
            (Kind::RequestBody, false) => "#/$defs/request-body",
            (Kind::Response, false) => "#/$defs/response",
            (Kind::Header, false) => "#/$defs/header",
            (Kind::Link, false) => "#/$defs/link",
            (Kind::Example, false) => "#/$defs/example",
            (Kind::Schema, false) => "#/$defs/schema",
        }
    }
}

struct OasSchema {
    registry: Registry<'static>,
    id: String,
    draft: Draft,
    cache: std::sync::Mutex<std::collections::HashMap<&'static str, Arc<Validator>>>,
}

impl OasSchema {
    fn load(text: &str, draft: Draft) -> Result<OasSchema, String> {
        let doc: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let id = doc
            .get("$id")
            .or_else(|| doc.get("id"))
            .and_then(Value::as_str)
            .ok_or("the bundled OpenAPI schema has no id")?
            .to_string();
        let registry = Registry::new()
            .draft(draft)
            .add(&id, doc)
            .and_then(|r| r.prepare())
            .map_err(|e| e.to_string())?;
        Ok(OasSchema {
            registry,
            id,
            draft,
            cache: Default::default(),
        })
    }

    fn validator(&self, fragment: &'static str) -> Result<Arc<Validator>, String> {
        let mut cache = self.cache.lock().map_err(|e| e.to_string())?;
        if let Some(v) = cache.get(fragment) {
            return Ok(v.clone());
        }
        let v = jsonschema::options()
            .with_draft(self.draft)
            .with_registry(&self.registry)
            .should_validate_formats(false)
            .build(&json!({ "$ref": format!("{}{fragment}", self.id) }))
            .map_err(|e| e.to_string())?;
        let v = Arc::new(v);
        cache.insert(fragment, v.clone());
        Ok(v)
    }
}

fn oas_schema(v30: bool) -> Result<&'static OasSchema, String> {
    static S30: OnceLock<Result<OasSchema, String>> = OnceLock::new();
    static S31: OnceLock<Result<OasSchema, String>> = OnceLock::new();
    let cell = if v30 { &S30 } else { &S31 };
    cell.get_or_init(|| {
        if v30 {
            OasSchema::load(SCHEMA_30, Draft::Draft4)
        } else {
            OasSchema::load(SCHEMA_31, Draft::Draft202012)
        }
    })
    .as_ref()
    .map_err(Clone::clone)
}

/// Whether an object of `kind` at `ptr` in the root document is already checked as that kind by
/// the whole-document check: inline under `paths`/`webhooks`, or in its own components section.
/// Anything else was reached by a `$ref` from a place that expects `kind` (a response that points
/// at a schema, `$ref: '#'`) and must be checked as `kind` here.
fn judged_in_place(ptr: &str, kind: Kind) -> bool {
    let section = match kind {
        Kind::PathItem => "/components/pathItems/",
        Kind::Parameter => "/components/parameters/",
        Kind::RequestBody => "/components/requestBodies/",
        Kind::Response => "/components/responses/",
        Kind::Header => "/components/headers/",
        Kind::Link => "/components/links/",
        Kind::Example => "/components/examples/",
        Kind::Schema => return true,
    };
    // Deeper than `/components/<section>/<name>` means inline inside another component.
    let inside_component = ptr.starts_with("/components/") && ptr.matches('/').count() > 3;
    ptr.starts_with("/paths/")
        || ptr.starts_with("/webhooks/")
        || ptr.starts_with(section)
        || inside_component
}

fn check(ctx: &Context) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut validate_at = |loc: &Loc, fragment: &'static str, v30: bool| {
        let Some(value) = ctx.spec.get(loc) else {
            return;
        };
        let schema = match oas_schema(v30).and_then(|s| s.validator(fragment)) {
            Ok(s) => s,
            Err(e) => {
                out.push(ctx.report(&RULE, loc, format!("cannot check structure: {e}")));
                return;
            }
        };
        // Several broken constraints on one object read best as one finding.
        let mut by_place: Vec<(String, Vec<String>)> = Vec::new();
        for v in validate::collect(schema.iter_errors(value)) {
            match by_place.iter_mut().find(|(p, _)| *p == v.instance_path) {
                Some((_, messages)) if !messages.contains(&v.message) => messages.push(v.message),
                Some(_) => {}
                None => by_place.push((v.instance_path, vec![v.message])),
            }
        }
        for (place, messages) in by_place {
            let at = Loc::new(loc.file, format!("{}{place}", loc.ptr));
            out.push(ctx.report(&RULE, &at, messages.join("; ")));
        }
    };
    let root_30 = ctx.spec.version.is_30();
    validate_at(&Loc::new(0, ""), "", root_30);

    // Objects in other files are only reached through refs; check each by the kind it is used as.
    let mut targets: Vec<(Loc, Kind)> = Vec::new();
    for op in &ctx.model.operations {
        if let Some(parent) = op
            .loc
            .ptr
            .rsplit_once('/')
            .map(|(p, _)| Loc::new(op.loc.file, p))
        {
            targets.push((parent, Kind::PathItem));
        }
        // Parameters as written: the model drops malformed ones, which are the ones to report.
        let item = op
            .loc
            .ptr
            .rsplit_once('/')
            .map(|(p, _)| Loc::new(op.loc.file, p));
        for list in item.iter().chain([&op.loc]).map(|l| l.child("parameters")) {
            if let Some(Value::Array(items)) = ctx.spec.get(&list) {
                for i in 0..items.len() {
                    if let Ok(target) = ctx.spec.deref(&list.index(i)) {
                        targets.push((target, Kind::Parameter));
                    }
                }
            }
        }
        targets.extend(
            op.request_body
                .iter()
                .map(|b| (b.loc.clone(), Kind::RequestBody)),
        );
        for r in &op.responses {
            targets.push((r.loc.clone(), Kind::Response));
            targets.extend(r.headers.iter().map(|h| (h.loc.clone(), Kind::Header)));
            targets.extend(r.links.iter().map(|l| (l.loc.clone(), Kind::Link)));
            for m in &r.content {
                targets.extend(
                    m.examples
                        .iter()
                        .filter(|e| e.name.is_some())
                        .map(|e| (e.loc.clone(), Kind::Example)),
                );
            }
        }
    }
    targets.extend(
        ctx.schemas()
            .iter()
            .filter(|l| is_30(ctx.spec, l.file))
            .map(|l| (l.clone(), Kind::Schema)),
    );
    let mut seen = HashSet::new();
    for (loc, kind) in targets {
        if (loc.file == 0 && judged_in_place(&loc.ptr, kind)) || !seen.insert(loc.clone()) {
            continue;
        }
        // A Reference Object stands for its target, which is checked in its own right.
        if ctx.spec.get(&loc).and_then(|v| v.get("$ref")).is_some() {
            continue;
        }
        validate_at(
            &loc,
            kind.pointer(is_30(ctx.spec, loc.file)),
            is_30(ctx.spec, loc.file),
        );
    }
    out
}
