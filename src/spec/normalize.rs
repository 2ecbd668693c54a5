//! OpenAPI 3.0 schemas rewritten as JSON Schema 2020-12, so one validator path serves 3.0 and 3.1.
//!
//! 3.0's Schema Object is a dialect of draft 4 with its own `nullable`, boolean exclusive bounds,
//! `example`, and `$ref` that hides its siblings. Rewriting those few keywords on a copy of each
//! 3.0 file (at schema positions only — an example value with a `nullable` key is data) lets the
//! 2020-12 validator judge 3.0 documents correctly. The originals stay untouched for positions.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::document::{FileId, Loc, Spec};
use super::load::parse_version;
use super::model::Model;
use super::pointer;
use super::source::Format;

/// Whether schemas in this file follow OpenAPI 3.0 rules (its own `openapi` field, else the root's).
pub fn is_30(spec: &Spec, file: FileId) -> bool {
    spec.files[file]
        .value
        .get("openapi")
        .and_then(Value::as_str)
        .and_then(parse_version)
        .map_or(spec.version.is_30(), |v| v.is_30())
}

/// Keywords whose value is one subschema.
const ONE: &[&str] = &[
    "items",
    "additionalProperties",
    "not",
    "contains",
    "propertyNames",
    "if",
    "then",
    "else",
    "unevaluatedItems",
    "unevaluatedProperties",
    "additionalItems",
    "contentSchema",
];
/// Keywords whose value is a list of subschemas.
const MANY: &[&str] = &["allOf", "anyOf", "oneOf", "prefixItems"];
/// Keywords whose value maps names to subschemas.
const NAMED: &[&str] = &[
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
];

/// The direct subschemas of a schema, as locations.
pub fn subschemas(schema: &Value, at: &Loc) -> Vec<Loc> {
    let Value::Object(map) = schema else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, v) in map {
        let k = k.as_str();
        if ONE.contains(&k) && (v.is_object() || v.is_boolean()) {
            out.push(at.child(k));
        } else if MANY.contains(&k) || (k == "items" && v.is_array()) {
            if let Value::Array(items) = v {
                out.extend((0..items.len()).map(|i| at.child(k).index(i)));
            }
        } else if NAMED.contains(&k)
            && let Value::Object(m) = v
        {
            out.extend(m.keys().map(|name| at.child(k).child(name)));
        }
    }
    out
}

/// Every schema position reachable from the operations and the components, refs followed.
pub fn schema_locations(spec: &Spec, model: &Model) -> Vec<Loc> {
    let mut roots: Vec<Loc> = Vec::new();
    for op in &model.operations {
        for p in &op.parameters {
            roots.extend(p.schema.clone());
            roots.extend(p.content.iter().filter_map(|m| m.schema.clone()));
        }
        if let Some(body) = &op.request_body {
            roots.extend(body.content.iter().filter_map(|m| m.schema.clone()));
        }
        for r in &op.responses {
            roots.extend(r.content.iter().filter_map(|m| m.schema.clone()));
            for h in &r.headers {
                roots.extend(h.schema.clone());
                roots.extend(h.content.iter().filter_map(|m| m.schema.clone()));
            }
        }
    }
    let components = Loc::new(0, "/components");
    let named = |section: &str| -> Vec<Loc> {
        let at = components.child(section);
        match spec.get(&at) {
            Some(Value::Object(m)) => m.keys().map(|k| at.child(k)).collect(),
            _ => Vec::new(),
        }
    };
    roots.extend(named("schemas"));
    for p in named("parameters").into_iter().chain(named("headers")) {
        let Ok(p) = spec.deref(&p) else { continue };
        roots.push(p.child("schema"));
        roots.extend(media_schemas(spec, &p.child("content")));
    }
    for r in named("responses").into_iter().chain(named("requestBodies")) {
        let Ok(r) = spec.deref(&r) else { continue };
        roots.extend(media_schemas(spec, &r.child("content")));
        if let Some(Value::Object(headers)) = spec.get(&r.child("headers")) {
            for h in headers.keys() {
                if let Ok(h) = spec.deref(&r.child("headers").child(h)) {
                    roots.push(h.child("schema"));
                }
            }
        }
    }

    let mut seen: HashSet<Loc> = HashSet::new();
    let mut out = Vec::new();
    let mut stack = roots;
    while let Some(loc) = stack.pop() {
        if !seen.insert(loc.clone()) {
            continue;
        }
        let Some(value) = spec.get(&loc) else {
            continue;
        };
        if let Some(Value::String(reference)) = value.get("$ref")
            && let Ok(target) = spec.resolve_ref(loc.file, reference)
        {
            stack.push(target);
        }
        stack.extend(subschemas(value, &loc));
        out.push(loc);
    }
    out
}

fn media_schemas(spec: &Spec, content: &Loc) -> Vec<Loc> {
    match spec.get(content) {
        Some(Value::Object(m)) => m.keys().map(|k| content.child(k).child("schema")).collect(),
        _ => Vec::new(),
    }
}

/// Which side of an exchange a value travels on: `readOnly` properties are not required in
/// requests and `writeOnly` ones not in responses (OpenAPI's rule, not JSON Schema's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    Neutral,
    Request,
    Response,
}

impl Direction {
    pub const ALL: [Direction; 3] = [Direction::Neutral, Direction::Request, Direction::Response];

    /// The flag that exempts a property from `required` in this direction.
    pub(crate) fn exempt_flag(self) -> Option<&'static str> {
        match self {
            Direction::Neutral => None,
            Direction::Request => Some("readOnly"),
            Direction::Response => Some("writeOnly"),
        }
    }
}

/// Copies of the files that hold schemas (and of the root), with 3.0 schema positions rewritten to
/// 2020-12 and `required` relaxed for the direction; `None` for files without schemas, which a
/// schema's `$ref` can never reach. The flag says whether the direction relaxed anything.
pub fn normalized_files(
    spec: &Spec,
    schemas: &[Loc],
    direction: Direction,
) -> (Vec<Option<Value>>, bool) {
    let mut files: Vec<Option<Value>> = vec![None; spec.files.len()];
    for file in std::iter::once(0).chain(schemas.iter().map(|l| l.file)) {
        if files[file].is_none() && spec.files[file].format != Format::Text {
            files[file] = Some(spec.files[file].value.clone());
        }
    }
    let mut relaxed = false;
    for loc in schemas {
        let exempt: Vec<String> = match direction.exempt_flag() {
            Some(flag) => exempt_required(spec, loc, flag),
            None => Vec::new(),
        };
        let is_30 = is_30(spec, loc.file);
        if !is_30 && exempt.is_empty() {
            continue;
        }
        let Some(file) = files[loc.file].as_mut() else {
            continue;
        };
        if let Some(Value::Object(schema)) = pointer::get_mut(file, &loc.ptr) {
            if is_30 {
                normalize_30(schema);
            }
            if let Some(Value::Array(required)) = schema.get_mut("required") {
                let before = required.len();
                required.retain(|r| !r.as_str().is_some_and(|r| exempt.iter().any(|e| e == r)));
                relaxed |= required.len() != before;
            }
        }
    }
    (files, relaxed)
}

/// Required properties of the schema at `loc` whose own schema carries `flag: true`, looking
/// through `$ref` and `allOf` both for where the property is declared and for the flag.
pub(crate) fn exempt_required(spec: &Spec, loc: &Loc, flag: &str) -> Vec<String> {
    let Some(schema) = spec.get(loc) else {
        return Vec::new();
    };
    let Some(Value::Array(required)) = schema.get("required") else {
        return Vec::new();
    };
    required
        .iter()
        .filter_map(Value::as_str)
        .filter(|name| {
            declarations(spec, loc, name, 0)
                .iter()
                .any(|prop| carries(spec, prop, flag, 0))
        })
        .map(str::to_string)
        .collect()
}

/// How deep `allOf`/`$ref` are followed for readOnly/writeOnly (recursive schemas must end).
const FLAG_DEPTH: usize = 8;

/// The schemas declaring property `name` in the schema at `loc` or its `allOf` members.
fn declarations(spec: &Spec, loc: &Loc, name: &str, depth: usize) -> Vec<Loc> {
    let Ok(loc) = spec.deref(loc) else {
        return Vec::new();
    };
    let Some(schema) = spec.get(&loc) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if schema
        .pointer(&format!("/properties/{}", pointer::escape(name)))
        .is_some()
    {
        out.push(loc.child("properties").child(name));
    }
    if depth < FLAG_DEPTH
        && let Some(Value::Array(members)) = schema.get("allOf")
    {
        for i in 0..members.len() {
            out.extend(declarations(
                spec,
                &loc.child("allOf").index(i),
                name,
                depth + 1,
            ));
        }
    }
    out
}

/// Whether the schema at `loc` (or a `$ref`/`allOf` part of it) sets `flag: true`.
pub(crate) fn carries(spec: &Spec, loc: &Loc, flag: &str, depth: usize) -> bool {
    let own = |l: &Loc| spec.get(l).and_then(|v| v.get(flag)) == Some(&Value::Bool(true));
    if own(loc) {
        return true;
    }
    let Ok(target) = spec.deref(loc) else {
        return false;
    };
    if own(&target) {
        return true;
    }
    depth < FLAG_DEPTH
        && matches!(spec.get(&target).and_then(|v| v.get("allOf")), Some(Value::Array(m))
            if (0..m.len()).any(|i| carries(spec, &target.child("allOf").index(i), flag, depth + 1)))
}

/// Rewrites one 3.0 Schema Object's own keywords (not its subschemas) as 2020-12.
pub fn normalize_30(schema: &mut Map<String, Value>) {
    if schema.contains_key("$ref") {
        // In 3.0 a Reference Object's siblings are ignored.
        schema.retain(|k, _| k == "$ref");
        return;
    }
    if schema.remove("nullable") == Some(Value::Bool(true)) {
        match schema.get_mut("type") {
            Some(Value::String(t)) => {
                let t = std::mem::take(t);
                schema.insert("type".into(), Value::Array(vec![t.into(), "null".into()]));
            }
            Some(Value::Array(types)) if !types.contains(&Value::from("null")) => {
                types.push("null".into());
            }
            _ => {}
        }
        // OpenAPI 3.0.3 clarifies that `nullable` does not add null to an `enum`: a nullable
        // enum allows null only when null is listed.
    }
    for (flag, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        match schema.get(flag) {
            Some(Value::Bool(true)) => match schema.remove(bound) {
                Some(b) => {
                    schema.insert(flag.into(), b);
                }
                None => {
                    schema.remove(flag);
                }
            },
            Some(Value::Bool(false)) => {
                schema.remove(flag);
            }
            _ => {}
        }
    }
    if let Some(example) = schema.remove("example")
        && !schema.contains_key("examples")
    {
        schema.insert("examples".into(), Value::Array(vec![example]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn norm(v: Value) -> Value {
        let Value::Object(mut m) = v else { panic!() };
        normalize_30(&mut m);
        Value::Object(m)
    }

    #[test]
    fn rewrites_30_keywords() {
        assert_eq!(
            norm(json!({"type": "string", "nullable": true, "enum": ["a"]})),
            json!({"type": ["string", "null"], "enum": ["a"]})
        );
        assert_eq!(
            norm(
                json!({"minimum": 1, "exclusiveMinimum": true, "maximum": 9, "exclusiveMaximum": false})
            ),
            json!({"maximum": 9, "exclusiveMinimum": 1})
        );
        assert_eq!(
            norm(json!({"type": "integer", "example": 3})),
            json!({"type": "integer", "examples": [3]})
        );
        assert_eq!(
            norm(json!({"$ref": "#/x", "description": "d", "nullable": true})),
            json!({"$ref": "#/x"})
        );
        assert_eq!(
            norm(json!({"type": "string", "nullable": false})),
            json!({"type": "string"})
        );
    }
}
