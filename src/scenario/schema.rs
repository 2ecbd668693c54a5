//! What a schema says a place in a value can hold: used before the run to reject captures of
//! fields a response cannot have and literals of the wrong type, and during the run to find the
//! schema a `{{gen}}` value is generated from.
//!
//! Deliberately simple: `$ref`, `allOf`/`oneOf`/`anyOf`, `properties`, `additionalProperties`,
//! `items`/`prefixItems` and `type`. A schema with `properties` and no `additionalProperties`
//! counts as closed (a misspelt field is the mistake worth catching); a schema that says
//! nothing about its members is open and accepts any field.

use serde_json::Value;

use crate::spec::{Loc, Spec, pointer};

/// Where a JSON pointer leads inside a schema.
#[derive(Debug, Clone, PartialEq)]
pub enum Reach {
    /// The schemas that describe the value there.
    Schemas(Vec<Loc>),
    /// The schema leaves that place open (any value).
    Open,
    /// No value valid against the schema has that place; the string names the first token that
    /// cannot be there.
    Never(String),
}

/// The schema and its `allOf`/`oneOf`/`anyOf` members, `$ref`s followed.
fn alternatives(spec: &Spec, loc: &Loc, out: &mut Vec<Loc>, depth: usize) {
    if depth > 16 {
        return;
    }
    let Ok(loc) = spec.deref(loc) else { return };
    if out.contains(&loc) {
        return;
    }
    out.push(loc.clone());
    let Some(Value::Object(m)) = spec.get(&loc) else {
        return;
    };
    for key in ["allOf", "oneOf", "anyOf"] {
        if let Some(Value::Array(items)) = m.get(key) {
            for i in 0..items.len() {
                alternatives(spec, &loc.child(key).index(i), out, depth + 1);
            }
        }
    }
}

/// Follows `ptr` from the schema at `root`.
pub fn reach(spec: &Spec, root: &Loc, ptr: &str) -> Reach {
    let mut current = vec![root.clone()];
    for token in pointer::tokens(ptr) {
        let mut next = Vec::new();
        let mut open = false;
        for loc in &current {
            let mut alts = Vec::new();
            alternatives(spec, loc, &mut alts, 0);
            let mut constrained = false;
            for a in &alts {
                let Some(Value::Object(m)) = spec.get(a) else {
                    continue;
                };
                if let Some(Value::Object(props)) = m.get("properties") {
                    constrained = true;
                    if props.contains_key(token.as_ref()) {
                        next.push(a.child("properties").child(&token));
                    }
                }
                match m.get("additionalProperties") {
                    Some(Value::Object(_)) => {
                        constrained = true;
                        next.push(a.child("additionalProperties"));
                    }
                    Some(Value::Bool(true)) => open = true,
                    Some(Value::Bool(false)) => constrained = true,
                    _ => {}
                }
                if token.parse::<usize>().is_ok() {
                    if let Some(items) = m.get("items") {
                        constrained = true;
                        if items.is_object() {
                            next.push(a.child("items"));
                        }
                    }
                    if let Some(Value::Array(prefix)) = m.get("prefixItems") {
                        constrained = true;
                        if let Ok(i) = token.parse::<usize>()
                            && i < prefix.len()
                        {
                            next.push(a.child("prefixItems").index(i));
                        }
                    }
                } else if m.get("items").is_some() && !m.contains_key("properties") {
                    constrained = true;
                }
                if let Some(t) = m.get("type") {
                    let types = type_list(t);
                    if !types.is_empty() && !types.iter().any(|t| t == "object" || t == "array") {
                        constrained = true;
                    }
                }
            }
            if !constrained {
                open = true;
            }
        }
        if open {
            return Reach::Open;
        }
        if next.is_empty() {
            return Reach::Never(token.into_owned());
        }
        current = next;
    }
    Reach::Schemas(current)
}

fn type_list(t: &Value) -> Vec<String> {
    match t {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

/// The JSON types the schema allows (`None`: it does not say).
pub fn types(spec: &Spec, loc: &Loc) -> Option<Vec<String>> {
    let mut alts = Vec::new();
    alternatives(spec, loc, &mut alts, 0);
    let mut out: Vec<String> = Vec::new();
    for a in &alts {
        if let Some(t) = spec.get(a).and_then(|s| s.get("type")) {
            out.extend(type_list(t));
        }
    }
    if let Some(Value::Object(m)) = alts.first().and_then(|a| spec.get(a))
        && (m.contains_key("oneOf") || m.contains_key("anyOf"))
        && !m.contains_key("type")
    {
        // A choice whose branches are not all typed says nothing for sure.
        let typed = alts[1..]
            .iter()
            .all(|a| spec.get(a).is_some_and(|s| s.get("type").is_some()));
        if !typed {
            return None;
        }
    }
    (!out.is_empty()).then_some(out)
}

/// The JSON type name of a value, as JSON Schema's `type` names it.
pub fn type_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Whether a literal's type is one the schema allows (integers are numbers).
pub fn type_fits(v: &Value, allowed: &[String]) -> bool {
    let t = type_of(v);
    allowed
        .iter()
        .any(|a| a == t || (a == "number" && t == "integer"))
}

/// Type mismatches of a literal against a schema: `(pointer inside the literal, expected)`.
pub fn mismatches(spec: &Spec, schema: &Loc, v: &Value, at: &str, out: &mut Vec<(String, String)>) {
    if matches!(v, Value::String(s) if s.contains("{{")) {
        return;
    }
    if let Some(allowed) = types(spec, schema)
        && !type_fits(v, &allowed)
    {
        out.push((
            at.to_string(),
            format!(
                "expected {} (the schema's type), found {}",
                allowed.join(" or "),
                type_of(v)
            ),
        ));
        return;
    }
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let ptr = pointer::push("", k);
                match reach(spec, schema, &ptr) {
                    Reach::Schemas(locs) => {
                        if let Some(l) = locs.first() {
                            mismatches(spec, l, x, &pointer::push(at, k), out);
                        }
                    }
                    Reach::Open => {}
                    Reach::Never(_) => out.push((
                        pointer::push(at, k),
                        format!("the schema has no property `{k}`"),
                    )),
                }
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                if let Reach::Schemas(locs) = reach(spec, schema, &format!("/{i}"))
                    && let Some(l) = locs.first()
                {
                    mismatches(spec, l, x, &pointer::push_index(at, i), out);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec() -> Spec {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("specs/dokumentlager/dokumentlager-2.0.0.yaml");
        crate::spec::load(&path).expect("the bundled spec loads")
    }

    #[test]
    fn reaches_documented_fields_only() {
        let spec = spec();
        let created = Loc::new(0, "/components/schemas/DokumentOprettet");
        assert!(matches!(
            reach(&spec, &created, "/dokumentId"),
            Reach::Schemas(_)
        ));
        assert_eq!(
            reach(&spec, &created, "/dokumentID"),
            Reach::Never("dokumentID".into())
        );
        assert_eq!(
            reach(&spec, &created, "/dokumentId/x"),
            Reach::Never("x".into())
        );
        let Reach::Schemas(locs) = reach(&spec, &created, "/dokumentId") else {
            unreachable!()
        };
        assert_eq!(types(&spec, &locs[0]), Some(vec!["string".to_string()]));
    }

    #[test]
    fn literal_types_are_checked_against_the_schema() {
        let spec = spec();
        let body = Loc::new(0, "/components/schemas/DokumentOprettelse");
        let mut bad = Vec::new();
        mismatches(
            &spec,
            &body,
            &json!({"filnavn": "a.pdf", "stoerrelse": "mange", "titel": "{{gen}}"}),
            "",
            &mut bad,
        );
        assert_eq!(bad.len(), 1, "{bad:?}");
        assert_eq!(bad[0].0, "/stoerrelse");
        assert!(bad[0].1.contains("expected integer"), "{bad:?}");
        let mut ok = Vec::new();
        mismatches(&spec, &body, &json!({"stoerrelse": 12}), "", &mut ok);
        assert!(ok.is_empty(), "{ok:?}");
        assert!(type_fits(&json!(3), &["number".to_string()]));
        assert!(!type_fits(&json!(3.5), &["integer".to_string()]));
    }
}
