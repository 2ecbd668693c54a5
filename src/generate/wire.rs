//! What a server reads back from the text a value is sent as.
//!
//! Everything outside a JSON body travels as text, and a server reads it back by the schema's
//! types: `?page=2` is the integer 2, `?navn=007` stays the string `"007"` only because its
//! schema says string. A value is only worth sending as a positive case if what the server reads
//! is valid, and as a negative case if what it reads is invalid; an array item containing the
//! delimiter, a header with non-ASCII text or an empty path segment reads back as something else
//! and is refused here ([`Unsendable`]). The rules mirror the mock's parser (`mock::params`),
//! which the integration tests hold them to.

use serde_json::{Map, Value};

use super::generator::ValueGenerator;
use super::ir::{Node, TypeSet};
use super::plan::Key;
use super::request::{self, scalar_text};
use super::walk::types_of;
use crate::spec::model::{ParamIn, Parameter};

/// A value that does not survive serialisation unchanged in shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unsendable;

/// Reads one text as the first of the allowed types it fits, else keeps it a string (the rule
/// servers that type their parameters follow, and the mock's).
pub fn coerce(text: &str, types: TypeSet) -> Value {
    if types.has(TypeSet::INTEGER)
        && let Ok(i) = text.parse::<i64>()
    {
        return Value::from(i);
    }
    if (types.has(TypeSet::INTEGER) || types.has(TypeSet::NUMBER))
        && let Ok(f) = text.parse::<f64>()
        && f.is_finite()
        && let Some(n) = serde_json::Number::from_f64(f)
    {
        return Value::Number(n);
    }
    if types.has(TypeSet::BOOLEAN) {
        match text {
            "true" => return Value::Bool(true),
            "false" => return Value::Bool(false),
            _ => {}
        }
    }
    if types.has(TypeSet::NULL) && !types.has(TypeSet::STRING) && text.is_empty() {
        return Value::Null;
    }
    Value::String(text.to_string())
}

/// The types the schema allows at the root, for its items and for its properties.
struct Types<'a> {
    g: Option<&'a ValueGenerator>,
}

impl Types<'_> {
    fn of(&self, key: Key) -> TypeSet {
        match self.g {
            Some(g) if !key.conj.is_empty() => {
                let view = g.view(&key);
                match view.types {
                    Some(t) => t,
                    None => branch_types(g, &view).unwrap_or_else(|| types_of(&view)),
                }
            }
            _ => TypeSet::ALL,
        }
    }

    fn root(&self) -> TypeSet {
        self.g.map_or(TypeSet::ALL, |g| self.of(g.root_key()))
    }

    fn item(&self) -> TypeSet {
        self.g
            .map_or(TypeSet::ALL, |g| self.of(g.view(&g.root_key()).item(0)))
    }

    fn property(&self, name: &str) -> TypeSet {
        self.g.map_or(TypeSet::ALL, |g| {
            self.of(g.view(&g.root_key()).property(g.ir(), name))
        })
    }

    fn declared(&self, name: &str) -> bool {
        self.g
            .is_some_and(|g| g.view(&g.root_key()).names.iter().any(|n| n == name))
    }
}

/// The types a schema without `type` allows through its `oneOf`/`anyOf` branches (the union of
/// each group, intersected across groups), as the mock's parser reads them: `oneOf: [string,
/// array]` reads `?x=5` as the string "5". `None` when a branch's types are unknown.
fn branch_types(g: &ValueGenerator, view: &super::plan::View) -> Option<TypeSet> {
    let mut acc: Option<TypeSet> = None;
    for &m in &view.members {
        let Node::Schema(s) = &g.ir().nodes[m] else {
            continue;
        };
        for group in [&s.one_of, &s.any_of] {
            if group.is_empty() {
                continue;
            }
            let mut union = TypeSet(0);
            for &b in group.iter() {
                let t = g.view(&Key::of(vec![b])).types?;
                union = TypeSet(union.0 | t.0);
            }
            acc = Some(acc.map_or(union, |a| a.intersect(union)));
        }
    }
    acc
}

/// A header value HTTP carries as is: visible ASCII (and inner spaces), nothing to trim.
pub fn header_text_ok(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b == b'\t' || (0x20..0x7f).contains(&b)) && s.trim() == s
}

fn scalar(v: &Value, types: TypeSet) -> Result<Value, Unsendable> {
    match v {
        Value::Array(_) | Value::Object(_) => Err(Unsendable),
        v => Ok(coerce(&scalar_text(v), types)),
    }
}

fn text_of(v: &Value) -> Result<String, Unsendable> {
    match v {
        Value::Array(_) | Value::Object(_) => Err(Unsendable),
        v => Ok(scalar_text(v)),
    }
}

/// What the server reads for parameter `p` sent with value `v` (`None`: nothing is sent, as
/// for an empty exploded array). `g` is the parameter's schema (`None`: no schema).
pub fn read_param(
    p: &Parameter,
    json_content: bool,
    g: Option<&ValueGenerator>,
    v: &Value,
) -> Result<Option<Value>, Unsendable> {
    if json_content {
        if p.location == ParamIn::Header && !header_text_ok(&v.to_string()) {
            return Err(Unsendable);
        }
        return Ok(Some(v.clone()));
    }
    let t = Types { g };
    // A server reads the text by the schema's shape, not the value's: a list only where the
    // schema is a list and not also a string (the mock's rule), a lone value as a one-item list.
    let root = t.root();
    let wants_array = root.has(TypeSet::ARRAY) && !root.has(TypeSet::STRING);
    let wants_object = !wants_array && root.has(TypeSet::OBJECT) && !root.has(TypeSet::STRING);
    let single;
    let v = match v {
        Value::Array(_) if !wants_array => return Err(Unsendable),
        Value::Object(_) if !wants_object => return Err(Unsendable),
        Value::Array(_) | Value::Object(_) => v,
        _ if wants_object => return Err(Unsendable),
        _ if wants_array => {
            single = Value::Array(vec![v.clone()]);
            &single
        }
        _ => v,
    };
    let items = |items: &[Value], bad: &dyn Fn(&str) -> bool| -> Result<Value, Unsendable> {
        let it = t.item();
        items
            .iter()
            .map(|i| {
                let text = text_of(i)?;
                if bad(&text) {
                    return Err(Unsendable);
                }
                Ok(coerce(&text, it))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array)
    };
    let object = |map: &Map<String, Value>, bad: &dyn Fn(&str) -> bool| {
        let mut out = Map::new();
        for (k, x) in map {
            let text = text_of(x)?;
            if bad(k) || bad(&text) {
                return Err(Unsendable);
            }
            out.insert(k.clone(), coerce(&text, t.property(k)));
        }
        Ok(Value::Object(out))
    };
    let trimmed = |s: &str| s.trim() != s;
    match p.location {
        ParamIn::Path => {
            let text = request::path_value(p, v);
            let decoded = percent_encoding::percent_decode_str(&text).decode_utf8_lossy();
            let bare = decoded.trim_start_matches(['.', ';']);
            if text.is_empty() || bare.is_empty() || decoded == "." || decoded == ".." {
                return Err(Unsendable);
            }
            let label_explode = p.style == "label" && p.explode;
            let bad = |s: &str| s.is_empty() || trimmed(s) || (label_explode && s.contains('.'));
            match v {
                Value::Array(a) if a.is_empty() => Err(Unsendable),
                Value::Array(a) => items(a, &bad).map(Some),
                Value::Object(m) if m.is_empty() => Err(Unsendable),
                Value::Object(m) => object(m, &bad).map(Some),
                v => scalar(v, t.root()).map(Some),
            }
        }
        ParamIn::Query => match v {
            Value::Array(a) => {
                let delimiter = match p.style.as_str() {
                    "spaceDelimited" => Some(' '),
                    "pipeDelimited" => Some('|'),
                    _ if p.explode => None,
                    _ => Some(','),
                };
                match delimiter {
                    None if a.is_empty() => Ok(None),
                    None => items(a, &|_| false).map(Some),
                    Some(d) => items(a, &|s: &str| s.is_empty() || s.contains(d)).map(Some),
                }
            }
            Value::Object(m) if p.style == "deepObject" || p.explode => {
                if m.is_empty() {
                    return Ok(None);
                }
                if p.style != "deepObject" && m.keys().any(|k| !t.declared(k)) {
                    return Err(Unsendable);
                }
                object(m, &|_| false).map(Some)
            }
            Value::Object(m) => object(m, &|s: &str| s.contains(',')).map(Some),
            v => scalar(v, t.root()).map(Some),
        },
        ParamIn::Header => {
            if !header_text_ok(&request::header_value(p, v)) {
                return Err(Unsendable);
            }
            let bad = |s: &str| s.is_empty() || trimmed(s) || s.contains(',') || s.contains('=');
            match v {
                Value::Array(a) => items(a, &bad).map(Some),
                Value::Object(m) => object(m, &bad).map(Some),
                v => scalar(v, t.root()).map(Some),
            }
        }
        ParamIn::Cookie => match v {
            Value::Array(_) | Value::Object(_) if p.explode => Err(Unsendable),
            Value::Array(a) => items(a, &|s: &str| s.contains(',') || trimmed(s)).map(Some),
            Value::Object(m) => object(m, &|s: &str| s.contains(',') || trimmed(s)).map(Some),
            v => scalar(v, t.root()).map(Some),
        },
    }
}

/// What the server reads from a form or multipart body: each property as text read by its
/// type, arrays as repeated fields (read as any type, as the mock does), nothing nested.
pub fn read_form(g: Option<&ValueGenerator>, v: &Value) -> Result<Value, Unsendable> {
    let Value::Object(map) = v else {
        return Err(Unsendable);
    };
    let t = Types { g };
    let mut out = Map::new();
    for (k, x) in map {
        match x {
            Value::Array(items) if items.is_empty() => {}
            Value::Array(items) => {
                let read = items
                    .iter()
                    .map(|i| text_of(i).map(|s| coerce(&s, TypeSet::ALL)))
                    .collect::<Result<Vec<_>, _>>()?;
                out.insert(k.clone(), Value::Array(read));
            }
            Value::Object(_) => return Err(Unsendable),
            x => {
                out.insert(k.clone(), coerce(&scalar_text(x), t.property(k)));
            }
        }
    }
    Ok(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Loc;
    use serde_json::json;

    fn param(location: ParamIn, style: &str, explode: bool) -> Parameter {
        Parameter {
            name: "p".into(),
            location,
            required: false,
            style: style.into(),
            explode,
            allow_reserved: false,
            deprecated: false,
            schema: None,
            content: Vec::new(),
            examples: Vec::new(),
            loc: Loc::new(0, ""),
        }
    }

    #[test]
    fn text_is_read_by_type() {
        assert_eq!(coerce("2", TypeSet(TypeSet::INTEGER)), json!(2));
        assert_eq!(coerce("abc", TypeSet(TypeSet::INTEGER)), json!("abc"));
        assert_eq!(coerce("007", TypeSet(TypeSet::STRING)), json!("007"));
        assert_eq!(coerce("true", TypeSet::ALL), json!(true));
        assert_eq!(coerce("", TypeSet(TypeSet::NULL)), json!(null));
    }

    #[test]
    fn values_that_change_shape_on_the_wire_are_refused() {
        let path = param(ParamIn::Path, "simple", false);
        assert_eq!(read_param(&path, false, None, &json!("")), Err(Unsendable));
        assert_eq!(
            read_param(&path, false, None, &json!("..")),
            Err(Unsendable)
        );
        assert_eq!(
            read_param(&path, false, None, &json!("a/b")),
            Ok(Some(json!("a/b")))
        );
        let header = param(ParamIn::Header, "simple", false);
        assert_eq!(
            read_param(&header, false, None, &json!("rød")),
            Err(Unsendable)
        );
        assert_eq!(
            read_param(&header, false, None, &json!(" a")),
            Err(Unsendable)
        );
        assert_eq!(
            read_param(&header, false, None, &json!("a b")),
            Ok(Some(json!("a b")))
        );
        // Without a schema a list is read as text, so it is not sent as one.
        let query = param(ParamIn::Query, "form", true);
        assert_eq!(
            read_param(&query, false, None, &json!([1, 2])),
            Err(Unsendable)
        );
        assert_eq!(
            read_param(&query, true, None, &json!([1, 2])),
            Ok(Some(json!([1, 2])))
        );
    }

    #[test]
    fn form_bodies_read_flat() {
        assert_eq!(
            read_form(None, &json!({"a": "1", "b": [], "c": ["x"]})),
            Ok(json!({"a": 1, "c": ["x"]}))
        );
        assert_eq!(read_form(None, &json!({"a": {"b": 1}})), Err(Unsendable));
        assert_eq!(read_form(None, &json!([1])), Err(Unsendable));
    }
}
