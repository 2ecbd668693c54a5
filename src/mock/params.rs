//! Turns the text of path, query, header and cookie parameters (and form fields) into JSON values,
//! following each parameter's `style` and `explode`, so they can be validated against their
//! schemas like bodies are.
//!
//! Everything on the wire is text; `?page=2` is valid against `type: integer` only once `2` is
//! read as a number. The schema's types (its [`Shape`]) decide how: text that reads as one of
//! the allowed types becomes that type, anything else stays a string and fails validation with
//! the schema's own message.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::spec::{Loc, Spec};

/// The JSON types a schema allows, as bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Types(u8);

impl Types {
    pub const STRING: Types = Types(1);
    pub const INTEGER: Types = Types(2);
    pub const NUMBER: Types = Types(4);
    pub const BOOLEAN: Types = Types(8);
    pub const NULL: Types = Types(16);
    pub const ARRAY: Types = Types(32);
    pub const OBJECT: Types = Types(64);
    pub const ANY: Types = Types(127);

    pub fn has(self, other: Types) -> bool {
        self.0 & other.0 != 0
    }

    fn with(self, other: Types) -> Types {
        Types(self.0 | other.0)
    }

    fn from_name(name: &str) -> Types {
        match name {
            "string" => Types::STRING,
            "integer" => Types::INTEGER,
            "number" => Types::NUMBER,
            "boolean" => Types::BOOLEAN,
            "null" => Types::NULL,
            "array" => Types::ARRAY,
            "object" => Types::OBJECT,
            _ => Types::default(),
        }
    }
}

/// What a schema looks like from the wire: its own types, its items' and its properties'.
#[derive(Debug, Clone, Default)]
pub struct Shape {
    pub types: Types,
    pub items: Types,
    pub properties: BTreeMap<String, Types>,
}

impl Shape {
    /// Reads the types from the schema at `loc`, through `$ref`s and `allOf`/`oneOf`/`anyOf`.
    pub fn of(spec: &Spec, loc: &Loc) -> Shape {
        let mut shape = Shape::default();
        collect(spec, loc, &mut shape, 0, Part::Top);
        if shape.types == Types::default() {
            shape.types = Types::ANY;
        }
        shape
    }
}

#[derive(Clone, Copy)]
enum Part {
    Top,
    Items,
}

fn collect(spec: &Spec, loc: &Loc, shape: &mut Shape, depth: usize, part: Part) {
    if depth > 16 {
        return;
    }
    let Ok(loc) = spec.deref(loc) else { return };
    let Some(schema) = spec.get(&loc).and_then(Value::as_object) else {
        return;
    };
    let mut types = Types::default();
    match schema.get("type") {
        Some(Value::String(t)) => types = Types::from_name(t),
        Some(Value::Array(ts)) => {
            for t in ts.iter().filter_map(Value::as_str) {
                types = types.with(Types::from_name(t));
            }
        }
        _ => {}
    }
    if schema.get("nullable") == Some(&Value::Bool(true)) {
        types = types.with(Types::NULL);
    }
    if types == Types::default() {
        if schema.contains_key("properties") {
            types = Types::OBJECT;
        } else if schema.contains_key("items") {
            types = Types::ARRAY;
        }
    }
    match part {
        Part::Top => shape.types = shape.types.with(types),
        Part::Items => shape.items = shape.items.with(types),
    }
    if let (Part::Top, Some(items)) = (part, schema.get("items"))
        && items.is_object()
    {
        collect(spec, &loc.child("items"), shape, depth + 1, Part::Items);
    }
    if let (Part::Top, Some(Value::Object(props))) = (part, schema.get("properties")) {
        for name in props.keys() {
            let mut inner = Shape::default();
            collect(
                spec,
                &loc.child("properties").child(name),
                &mut inner,
                depth + 1,
                Part::Top,
            );
            let entry = shape.properties.entry(name.clone()).or_default();
            *entry = entry.with(if inner.types == Types::default() {
                Types::ANY
            } else {
                inner.types
            });
        }
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        if let Some(Value::Array(branches)) = schema.get(key) {
            for i in 0..branches.len() {
                collect(spec, &loc.child(key).index(i), shape, depth + 1, part);
            }
        }
    }
}

/// Reads one text value as the first of the allowed types it fits, else keeps it a string.
pub fn coerce(text: &str, types: Types) -> Value {
    if types.has(Types::INTEGER)
        && let Ok(i) = text.parse::<i64>()
    {
        return Value::from(i);
    }
    if types.has(Types::INTEGER) || types.has(Types::NUMBER) {
        // `1e3` and `2.0` are integers in JSON Schema when their value is whole.
        if let Ok(f) = text.parse::<f64>()
            && f.is_finite()
            && let Some(n) = serde_json::Number::from_f64(f)
        {
            return Value::Number(n);
        }
    }
    if types.has(Types::BOOLEAN) {
        match text {
            "true" => return Value::Bool(true),
            "false" => return Value::Bool(false),
            _ => {}
        }
    }
    if types.has(Types::NULL) && !types.has(Types::STRING) && text.is_empty() {
        return Value::Null;
    }
    Value::String(text.to_string())
}

fn decode(raw: &str) -> String {
    percent_encoding::percent_decode_str(raw)
        .decode_utf8_lossy()
        .into_owned()
}

/// A comma-separated list of alternating keys and values into an object.
fn pairs_to_object(parts: &[String], shape: &Shape) -> Value {
    let mut map = Map::new();
    for pair in parts.chunks(2) {
        let key = pair[0].clone();
        let value = pair.get(1).cloned().unwrap_or_default();
        let types = shape.properties.get(&key).copied().unwrap_or(Types::ANY);
        map.insert(key, coerce(&value, types));
    }
    Value::Object(map)
}

/// `k=v` items into an object.
fn assignments_to_object<'a>(items: impl Iterator<Item = &'a str>, shape: &Shape) -> Value {
    let mut map = Map::new();
    for item in items {
        let (k, v) = item.split_once('=').unwrap_or((item, ""));
        let key = decode(k);
        let types = shape.properties.get(&key).copied().unwrap_or(Types::ANY);
        map.insert(key, coerce(&decode(v), types));
    }
    Value::Object(map)
}

fn item_types(shape: &Shape) -> Types {
    if shape.items == Types::default() {
        Types::ANY
    } else {
        shape.items
    }
}

/// A `simple`-style value (path and header parameters): `a,b` arrays, `k,v` or `k=v` objects.
pub fn simple(raw: &str, explode: bool, shape: &Shape, encoded: bool) -> Value {
    let text = |s: &str| if encoded { decode(s) } else { s.to_string() };
    if shape.types.has(Types::ARRAY) && !shape.types.has(Types::STRING) {
        if raw.is_empty() {
            return Value::Array(Vec::new());
        }
        return Value::Array(
            raw.split(',')
                .map(|p| coerce(text(p).trim(), item_types(shape)))
                .collect(),
        );
    }
    if shape.types.has(Types::OBJECT) && !shape.types.has(Types::STRING) {
        if explode {
            return assignments_to_object(raw.split(','), shape);
        }
        let parts: Vec<String> = raw.split(',').map(text).collect();
        return pairs_to_object(&parts, shape);
    }
    coerce(&text(raw), shape.types)
}

/// A path parameter in `label` (`.a.b`) or `matrix` (`;id=a;id=b`) style.
pub fn path_styled(raw: &str, name: &str, style: &str, explode: bool, shape: &Shape) -> Value {
    match style {
        "label" => {
            let body = raw.strip_prefix('.').unwrap_or(raw);
            if explode && shape.types.has(Types::OBJECT) {
                return assignments_to_object(body.split('.'), shape);
            }
            let sep = if explode { '.' } else { ',' };
            let normalised = body.replace(sep, ",");
            simple(&normalised, false, shape, true)
        }
        "matrix" => {
            let body = raw.strip_prefix(';').unwrap_or(raw);
            if explode && shape.types.has(Types::OBJECT) {
                return assignments_to_object(body.split(';'), shape);
            }
            let prefix = format!("{name}=");
            if explode && shape.types.has(Types::ARRAY) {
                let items: Vec<&str> = body
                    .split(';')
                    .map(|p| p.strip_prefix(prefix.as_str()).unwrap_or(p))
                    .collect();
                return simple(&items.join(","), false, shape, true);
            }
            let value = body.strip_prefix(prefix.as_str()).unwrap_or(body);
            simple(value, false, shape, true)
        }
        _ => simple(raw, explode, shape, true),
    }
}

/// The decoded `name=value` pairs of a query string or form body, in order. `+` is a space
/// (HTML forms); a `%` that starts no valid escape is kept as is.
pub fn query_pairs(query: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// A query parameter from the decoded pairs, per style and explode; `None` when absent.
/// Object parameters in `form` style with `explode` are spread over several names (one per
/// property), so the property names decide what belongs to them.
pub fn query_value(
    pairs: &[(String, String)],
    name: &str,
    style: &str,
    explode: bool,
    shape: &Shape,
) -> Option<Value> {
    let own = || pairs.iter().filter(|(k, _)| k == name).map(|(_, v)| v);
    if style == "deepObject" {
        let prefix = format!("{name}[");
        let mut map = Map::new();
        for (k, v) in pairs {
            if let Some(key) = k
                .strip_prefix(prefix.as_str())
                .and_then(|r| r.strip_suffix(']'))
            {
                let types = shape.properties.get(key).copied().unwrap_or(Types::ANY);
                map.insert(key.to_string(), coerce(v, types));
            }
        }
        return (!map.is_empty()).then_some(Value::Object(map));
    }
    let is_array = shape.types.has(Types::ARRAY) && !shape.types.has(Types::STRING);
    let is_object = shape.types.has(Types::OBJECT) && !shape.types.has(Types::STRING);
    if is_object && explode {
        let mut map = Map::new();
        for (k, v) in pairs {
            if let Some(types) = shape.properties.get(k) {
                map.insert(k.clone(), coerce(v, *types));
            }
        }
        return (!map.is_empty()).then_some(Value::Object(map));
    }
    let values: Vec<&String> = own().collect();
    if values.is_empty() {
        return None;
    }
    if is_array {
        if explode {
            return Some(Value::Array(
                values
                    .iter()
                    .map(|v| coerce(v, item_types(shape)))
                    .collect(),
            ));
        }
        let sep = match style {
            "spaceDelimited" => ' ',
            "pipeDelimited" => '|',
            _ => ',',
        };
        // Already decoded: split without decoding again.
        let joined = values.last().map(|s| s.as_str()).unwrap_or("");
        return Some(if joined.is_empty() {
            Value::Array(Vec::new())
        } else {
            Value::Array(
                joined
                    .split(sep)
                    .map(|p| coerce(p, item_types(shape)))
                    .collect(),
            )
        });
    }
    if is_object {
        let parts: Vec<String> = values
            .last()
            .map(|s| s.split(',').map(str::to_string).collect())
            .unwrap_or_default();
        return Some(pairs_to_object(&parts, shape));
    }
    if values.len() > 1 {
        // A scalar given twice: pass both on so the schema's `type` says what is wrong.
        return Some(Value::Array(
            values.iter().map(|v| coerce(v, shape.types)).collect(),
        ));
    }
    Some(coerce(values[0], shape.types))
}

/// The `name=value` pairs of a `Cookie` header.
pub fn cookies(header: &str) -> Vec<(String, String)> {
    header
        .split(';')
        .filter_map(|c| {
            let (k, v) = c.trim().split_once('=')?;
            Some((k.to_string(), decode(v.trim_matches('"'))))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn shape(types: Types, items: Types, props: &[(&str, Types)]) -> Shape {
        Shape {
            types,
            items,
            properties: props.iter().map(|(k, t)| (k.to_string(), *t)).collect(),
        }
    }

    #[test]
    fn scalars_are_read_as_their_schema_type() {
        assert_eq!(coerce("2", Types::INTEGER), json!(2));
        assert_eq!(coerce("2.5", Types::NUMBER), json!(2.5));
        assert_eq!(coerce("2.5", Types::INTEGER), json!(2.5));
        assert_eq!(coerce("abc", Types::INTEGER), json!("abc"));
        assert_eq!(coerce("true", Types::BOOLEAN), json!(true));
        assert_eq!(coerce("007", Types::STRING), json!("007"));
        assert_eq!(coerce("NaN", Types::NUMBER), json!("NaN"));
    }

    #[test]
    fn simple_style_arrays_and_objects() {
        let arr = shape(Types::ARRAY, Types::INTEGER, &[]);
        assert_eq!(simple("1,2,3", false, &arr, true), json!([1, 2, 3]));
        let obj = shape(
            Types::OBJECT,
            Types::default(),
            &[("a", Types::INTEGER), ("b", Types::STRING)],
        );
        assert_eq!(
            simple("a,1,b,x", false, &obj, true),
            json!({"a": 1, "b": "x"})
        );
        assert_eq!(
            simple("a=1,b=x", true, &obj, true),
            json!({"a": 1, "b": "x"})
        );
        let s = shape(Types::STRING, Types::default(), &[]);
        assert_eq!(simple("a%2Fb", false, &s, true), json!("a/b"));
    }

    #[test]
    fn label_and_matrix_styles() {
        let arr = shape(Types::ARRAY, Types::STRING, &[]);
        assert_eq!(
            path_styled(".a.b", "id", "label", true, &arr),
            json!(["a", "b"])
        );
        assert_eq!(
            path_styled(".a,b", "id", "label", false, &arr),
            json!(["a", "b"])
        );
        assert_eq!(
            path_styled(";id=a;id=b", "id", "matrix", true, &arr),
            json!(["a", "b"])
        );
        assert_eq!(
            path_styled(";id=a,b", "id", "matrix", false, &arr),
            json!(["a", "b"])
        );
        let int = shape(Types::INTEGER, Types::default(), &[]);
        assert_eq!(path_styled(";id=5", "id", "matrix", false, &int), json!(5));
    }

    #[test]
    fn query_styles() {
        let pairs = query_pairs("id=1&id=2&csv=1,2&pipe=1|2&space=1%202&f[a]=3&a=4&b=x&q=hej+med");
        let arr = shape(Types::ARRAY, Types::INTEGER, &[]);
        assert_eq!(
            query_value(&pairs, "id", "form", true, &arr),
            Some(json!([1, 2]))
        );
        assert_eq!(
            query_value(&pairs, "csv", "form", false, &arr),
            Some(json!([1, 2]))
        );
        assert_eq!(
            query_value(&pairs, "pipe", "pipeDelimited", false, &arr),
            Some(json!([1, 2]))
        );
        assert_eq!(
            query_value(&pairs, "space", "spaceDelimited", false, &arr),
            Some(json!([1, 2]))
        );
        let obj = shape(
            Types::OBJECT,
            Types::default(),
            &[("a", Types::INTEGER), ("b", Types::STRING)],
        );
        assert_eq!(
            query_value(&pairs, "f", "deepObject", true, &obj),
            Some(json!({"a": 3}))
        );
        assert_eq!(
            query_value(&pairs, "whatever", "form", true, &obj),
            Some(json!({"a": 4, "b": "x"}))
        );
        let s = shape(Types::STRING, Types::default(), &[]);
        assert_eq!(
            query_value(&pairs, "q", "form", true, &s),
            Some(json!("hej med"))
        );
        assert_eq!(query_value(&pairs, "missing", "form", true, &s), None);
        let int = shape(Types::INTEGER, Types::default(), &[]);
        assert_eq!(
            query_value(&pairs, "id", "form", true, &int),
            Some(json!([1, 2]))
        );
    }

    #[test]
    fn cookie_header() {
        assert_eq!(
            cookies("a=1; b=\"x%20y\""),
            vec![("a".into(), "1".into()), ("b".into(), "x y".into())]
        );
    }
}
