//! Walking a generated value alongside its schema: where each part of the value sits in the
//! schema graph, and which constraints of that position a value breaks.
//!
//! Boundary values and negative mutations both work one position ("site") at a time: a site is
//! a JSON pointer into the value and the conjunction of schema nodes that applies there, with
//! every `oneOf`/`anyOf` on the way resolved to the branch the value actually matches. Judging a
//! mutated value against that site's merged keywords ([`breaks`]) is what lets a negative case
//! name exactly the one constraint it breaks.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use jsonschema::Validator;
use serde_json::Value;

use super::case::Constraint;
use super::generator::ValueGenerator;
use super::ir::{Node, TypeSet};
use super::plan::{Key, View};
use crate::spec::validate;

/// Bound on the sites visited in one value (deeply nested bodies stay cheap to mutate).
pub const MAX_SITES: usize = 400;
/// Nesting depth below which no sites are visited.
const MAX_SITE_DEPTH: usize = 12;

/// A position in a value: pointer tokens (object keys, or array indexes as text).
pub type Ptr = Vec<String>;

/// `["krav", "0", "beloeb"]` → `/krav/0/beloeb`.
pub fn pointer(ptr: &[String]) -> String {
    ptr.iter()
        .map(|t| format!("/{}", t.replace('~', "~0").replace('/', "~1")))
        .collect()
}

/// The inverse of [`pointer`].
pub fn parse_pointer(s: &str) -> Ptr {
    if s.is_empty() {
        return Vec::new();
    }
    s.trim_start_matches('/')
        .split('/')
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect()
}

pub fn get<'a>(v: &'a Value, ptr: &[String]) -> Option<&'a Value> {
    ptr.iter().try_fold(v, |v, t| match v {
        Value::Object(m) => m.get(t),
        Value::Array(a) => t.parse::<usize>().ok().and_then(|i| a.get(i)),
        _ => None,
    })
}

fn get_mut<'a>(v: &'a mut Value, ptr: &[String]) -> Option<&'a mut Value> {
    ptr.iter().try_fold(v, |v, t| match v {
        Value::Object(m) => m.get_mut(t),
        Value::Array(a) => t.parse::<usize>().ok().and_then(|i| a.get_mut(i)),
        _ => None,
    })
}

/// `value` with the position `ptr` set to `new` (inserted when it is a new object key), or
/// removed when `new` is `None`. `None` when the parent does not exist; for the root, `None`
/// removal gives `Some(None)`.
pub fn apply(value: &Value, ptr: &[String], new: Option<&Value>) -> Option<Option<Value>> {
    let Some((last, parent)) = ptr.split_last() else {
        return Some(new.cloned());
    };
    let mut out = value.clone();
    match get_mut(&mut out, parent)? {
        Value::Object(m) => match new {
            Some(n) => {
                m.insert(last.clone(), n.clone());
            }
            None => {
                m.shift_remove(last)?;
            }
        },
        Value::Array(a) => {
            let i: usize = last.parse().ok()?;
            match new {
                Some(n) if i < a.len() => a[i] = n.clone(),
                Some(n) if i == a.len() => a.push(n.clone()),
                None if i < a.len() => {
                    a.remove(i);
                }
                _ => return None,
            }
        }
        _ => return None,
    }
    Some(Some(out))
}

/// Whether one pointer is the other or lies under it.
pub fn overlaps(a: &[String], b: &[String]) -> bool {
    let n = a.len().min(b.len());
    a[..n] == b[..n]
}

/// One position of a value and the schema that applies there.
#[derive(Debug, Clone)]
pub struct Site {
    pub ptr: Ptr,
    /// The conjunction before this value's `oneOf`/`anyOf` branches were chosen.
    pub key: Key,
    /// With the branches the value matches.
    pub resolved: Key,
}

/// Adds, for each open `oneOf`/`anyOf`, the first branch `value` is valid against (repeatedly,
/// as chosen branches may open groups of their own).
pub fn resolve(g: &ValueGenerator, key: &Key, value: &Value) -> Key {
    let ir = g.ir();
    let mut key = key.clone();
    for _ in 0..8 {
        let view = g.view(&key);
        if view.groups.is_empty() {
            break;
        }
        let mut chosen = Vec::new();
        let mut owners = Vec::new();
        for group in &view.groups {
            owners.push(group.owner);
            for branches in [&group.one_of, &group.any_of] {
                if let Some(&b) = branches.iter().find(|&&b| ir.accepts(b, value)) {
                    chosen.push(b);
                }
            }
        }
        key = key.with(&chosen, &owners);
    }
    key
}

/// The conjunctions for a child of a value: a property by name or an item by index.
fn child_key(g: &ValueGenerator, view: &View, token: &str, parent: &Value) -> Key {
    match parent {
        Value::Object(_) => view.property(g.ir(), token),
        Value::Array(_) => token
            .parse::<usize>()
            .map(|i| view.item(i))
            .unwrap_or_default(),
        _ => Key::default(),
    }
}

/// Every site of `value` (depth first, parents before children), from the schema root.
pub fn sites(g: &ValueGenerator, value: &Value) -> Vec<Site> {
    let mut out = Vec::new();
    visit(g, g.root_key(), value, Vec::new(), &mut out);
    out
}

fn visit(g: &ValueGenerator, key: Key, value: &Value, ptr: Ptr, out: &mut Vec<Site>) {
    if out.len() >= MAX_SITES || ptr.len() > MAX_SITE_DEPTH || key.conj.is_empty() {
        return;
    }
    let resolved = resolve(g, &key, value);
    let view = g.view(&resolved);
    out.push(Site {
        ptr: ptr.clone(),
        key,
        resolved,
    });
    let children: Vec<(String, &Value)> = match value {
        Value::Object(m) => m.iter().map(|(k, v)| (k.clone(), v)).collect(),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, v)| (i.to_string(), v))
            .collect(),
        _ => return,
    };
    for (token, child) in children {
        let k = child_key(g, &view, &token, value);
        let mut p = ptr.clone();
        p.push(token);
        visit(g, k, child, p, out);
    }
}

/// The site at `ptr` in `value`, walking from the root (branches resolved on the way).
pub fn site_at(g: &ValueGenerator, value: &Value, ptr: &[String]) -> Option<Site> {
    let mut key = g.root_key();
    let mut here = value;
    for (depth, token) in ptr.iter().enumerate() {
        let resolved = resolve(g, &key, here);
        let view = g.view(&resolved);
        key = child_key(g, &view, token, here);
        if key.conj.is_empty() {
            return None;
        }
        here = get(here, &ptr[depth..=depth])?;
    }
    Some(Site {
        ptr: ptr.to_vec(),
        resolved: resolve(g, &key, here),
        key,
    })
}

/// The type set a view allows (all types when it says nothing).
pub fn types_of(view: &View) -> TypeSet {
    view.types.unwrap_or(TypeSet::ALL)
}

fn type_ok(types: TypeSet, v: &Value) -> bool {
    match v {
        Value::Null => types.has(TypeSet::NULL),
        Value::Bool(_) => types.has(TypeSet::BOOLEAN),
        Value::Number(n) => {
            let integral = n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0);
            if integral {
                types.has(TypeSet::INTEGER)
            } else {
                types.has(TypeSet::NUMBER)
            }
        }
        Value::String(_) => types.has(TypeSet::STRING),
        Value::Array(_) => types.has(TypeSet::ARRAY),
        Value::Object(_) => types.has(TypeSet::OBJECT),
    }
}

/// JSON Schema equality: numbers by value (`1` equals `1.0`).
pub fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// Validators for single `format`s, shared by every operation (formats are few).
fn format_validator(format: &str) -> Option<Arc<Validator>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Option<Arc<Validator>>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    let mut map = cache.lock().ok()?;
    map.entry(format.to_string())
        .or_insert_with(|| {
            validate::options()
                .build(&serde_json::json!({ "format": format }))
                .ok()
                .map(Arc::new)
        })
        .clone()
}

/// Whether the validators check `format` on strings (unknown formats always pass).
pub fn format_ok(format: &str, s: &str) -> bool {
    format_validator(format).is_none_or(|v| v.is_valid(&Value::String(s.to_string())))
}

/// Whether `name` is a property the object members of the view forbid (an
/// `additionalProperties: false` or `unevaluatedProperties: false` member that neither declares
/// it nor matches it by pattern).
pub fn forbidden_name(g: &ValueGenerator, view: &View, name: &str) -> bool {
    let ir = g.ir();
    view.members.iter().any(|&m| {
        let Some(s) = ir.schema(m) else { return false };
        let closed = [s.additional_properties, s.unevaluated_properties]
            .into_iter()
            .flatten()
            .any(|n| matches!(ir.nodes[n], Node::Bool(false)));
        closed
            && !view.names.iter().any(|n| n == name)
            && !s.properties.iter().any(|(n, _, _)| n == name)
            && !s.pattern_properties.iter().any(|(p, _)| p.is_match(name))
    })
}

/// The constraints of the site's own keywords that `value` breaks (children are sites of their
/// own and not judged here). A value of the wrong type also fails an `enum`; that counts as the
/// type alone.
pub fn breaks(g: &ValueGenerator, view: &View, value: &Value) -> Vec<Constraint> {
    let mut out = Vec::new();
    let types = types_of(view);
    if !type_ok(types, value) {
        out.push(Constraint::WrongType);
        return out;
    }
    if let Some(choices) = &view.choices
        && !choices.iter().any(|c| same(c, value))
    {
        out.push(Constraint::InvalidEnum);
    }
    match value {
        Value::Number(n) => {
            let x = n.as_f64().unwrap_or(0.0);
            if let Some(lo) = view.lo
                && (x < lo.value || (lo.exclusive && x == lo.value))
            {
                out.push(Constraint::BelowMinimum);
            }
            if let Some(hi) = view.hi
                && (x > hi.value || (hi.exclusive && x == hi.value))
            {
                out.push(Constraint::AboveMaximum);
            }
            if view.multiples.iter().any(|&m| !is_multiple(x, m)) {
                out.push(Constraint::NotMultipleOf);
            }
        }
        Value::String(s) => {
            let n = s.chars().count() as u64;
            if n < view.min_len {
                out.push(Constraint::TooShort);
            }
            if view.max_len.is_some_and(|m| n > m) {
                out.push(Constraint::TooLong);
            }
            if view.patterns.iter().any(|p| !p.is_match(s)) {
                out.push(Constraint::PatternMismatch);
            }
            if view.formats.iter().any(|f| !format_ok(f, s)) {
                out.push(Constraint::InvalidFormat);
            }
        }
        Value::Array(items) => {
            let n = items.len() as u64;
            if n < view.min_items {
                out.push(Constraint::TooFewItems);
            }
            if view.max_items.is_some_and(|m| n > m) {
                out.push(Constraint::TooManyItems);
            }
            if view.unique
                && items
                    .iter()
                    .enumerate()
                    .any(|(i, a)| items[..i].iter().any(|b| same(a, b)))
            {
                out.push(Constraint::NotUnique);
            }
        }
        Value::Object(map) => {
            if view.required.iter().any(|r| !map.contains_key(r)) {
                out.push(Constraint::MissingRequired);
            }
            if map.keys().any(|k| forbidden_name(g, view, k)) {
                out.push(Constraint::ExtraProperty);
            }
        }
        _ => {}
    }
    out
}

pub fn is_multiple(x: f64, m: f64) -> bool {
    let q = x / m;
    (q - q.round()).abs() < 1e-9
}

/// A number as JSON: an integer when it is whole and fits, else a float.
pub fn number(x: f64, integer: bool) -> Option<Value> {
    if x.fract() == 0.0 && x.abs() < 9.0e15 && (integer || x.abs() < 1e15) {
        return Some(Value::from(x as i64));
    }
    if integer {
        return None;
    }
    serde_json::Number::from_f64(x).map(Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pointers_round_trip_and_edits_apply() {
        let ptr = vec!["a/b".to_string(), "0".into(), "c~d".into()];
        assert_eq!(pointer(&ptr), "/a~1b/0/c~0d");
        assert_eq!(parse_pointer("/a~1b/0/c~0d"), ptr);
        assert!(parse_pointer("").is_empty());
        let v = json!({"a": [1, {"b": 2}], "c": 3});
        assert_eq!(get(&v, &parse_pointer("/a/1/b")), Some(&json!(2)));
        let removed = apply(&v, &parse_pointer("/c"), None).unwrap().unwrap();
        assert_eq!(removed, json!({"a": [1, {"b": 2}]}));
        let set = apply(&v, &parse_pointer("/a/2"), Some(&json!(9)))
            .unwrap()
            .unwrap();
        assert_eq!(set["a"], json!([1, {"b": 2}, 9]));
        assert_eq!(apply(&v, &[], None), Some(None));
        assert!(apply(&v, &parse_pointer("/x/y"), Some(&json!(1))).is_none());
        assert!(overlaps(&parse_pointer("/a"), &parse_pointer("/a/1")));
        assert!(!overlaps(&parse_pointer("/a"), &parse_pointer("/c")));
    }

    #[test]
    fn numbers_compare_by_value() {
        assert!(same(&json!(1), &json!(1.0)));
        assert!(same(&json!({"a": [1]}), &json!({"a": [1.0]})));
        assert!(!same(&json!("1"), &json!(1)));
        assert_eq!(number(5.0, true), Some(json!(5)));
        assert_eq!(number(0.5, true), None);
        assert_eq!(number(0.5, false), Some(json!(0.5)));
        assert!(is_multiple(0.3, 0.1) && !is_multiple(0.35, 0.1));
    }
}
