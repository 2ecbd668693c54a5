//! Reads request bodies into JSON values for validation: JSON as is, form fields and multipart
//! parts as objects whose text is read per the schema's property types, text as a string.
//!
//! Binary bodies never come here: they are streamed to disk by `upload`.

use serde_json::{Map, Value};

use super::app::BodyKind;
use super::params::{self, Shape, Types};
use super::problem::Violation;

/// The body as a JSON value, or why it cannot be read (a violation at `/body`).
pub fn parse(
    kind: BodyKind,
    content_type: &str,
    bytes: &[u8],
    shape: &Shape,
) -> Result<Value, Violation> {
    let bad = |constraint: &str, message: String| Violation {
        pointer: "/body".into(),
        constraint: constraint.into(),
        message,
    };
    match kind {
        BodyKind::Json => serde_json::from_slice(bytes)
            .map_err(|e| bad("json", format!("the body is not valid JSON: {e}"))),
        BodyKind::Text => std::str::from_utf8(bytes)
            .map(|s| Value::String(s.to_string()))
            .map_err(|_| bad("encoding", "the body is not valid UTF-8".into())),
        BodyKind::Form => {
            let text = std::str::from_utf8(bytes)
                .map_err(|_| bad("encoding", "the form body is not valid UTF-8".into()))?;
            Ok(fields_to_object(params::query_pairs(text), shape))
        }
        BodyKind::Multipart => {
            let boundary = boundary(content_type).ok_or_else(|| {
                bad(
                    "multipart",
                    "the multipart Content-Type has no boundary parameter".into(),
                )
            })?;
            if boundary.len() > 70 {
                // RFC 2046 §5.1.1: at most 70 characters (and a longer one costs every search).
                return Err(bad(
                    "multipart",
                    "the multipart boundary is longer than 70 characters".into(),
                ));
            }
            let parts = multipart(bytes, &boundary).map_err(|m| bad("multipart", m))?;
            Ok(fields_to_object(parts, shape))
        }
        BodyKind::Binary => Ok(Value::Null),
    }
}

/// Form fields into an object: a repeated field (or one whose schema is an array) becomes an
/// array; text is read as the property's type.
fn fields_to_object(fields: Vec<(String, String)>, shape: &Shape) -> Value {
    let mut map = Map::new();
    for (name, text) in fields {
        let types = shape.properties.get(&name).copied().unwrap_or(Types::ANY);
        let as_array = types.has(Types::ARRAY) && !types.has(Types::STRING);
        let value = if as_array {
            params::coerce(&text, Types::ANY)
        } else {
            params::coerce(&text, types)
        };
        match map.get_mut(&name) {
            Some(Value::Array(items)) if as_array => items.push(value),
            Some(existing) => {
                let first = existing.take();
                *existing = Value::Array(vec![first, value]);
            }
            None if as_array => {
                map.insert(name, Value::Array(vec![value]));
            }
            None => {
                map.insert(name, value);
            }
        }
    }
    Value::Object(map)
}

/// The `boundary` parameter of a multipart media type.
fn boundary(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| v.trim().trim_matches('"').to_string())
            .filter(|b| !b.is_empty())
    })
}

/// Splits a buffered `multipart/form-data` body (RFC 7578) into (name, text) pairs. File parts
/// become their file name (or `<N bytes>`): the schema can only ask that a binary part be there.
pub fn multipart(body: &[u8], boundary: &str) -> Result<Vec<(String, String)>, String> {
    let delimiter = format!("--{boundary}");
    let d = delimiter.as_bytes();
    let mut parts = Vec::new();
    let Some(mut pos) = find(body, d, 0) else {
        return Err(format!("the body has no `{delimiter}` delimiter"));
    };
    loop {
        pos += d.len();
        if body[pos..].starts_with(b"--") {
            return Ok(parts);
        }
        let Some(start) = find(body, b"\r\n", pos).map(|i| i + 2) else {
            return Err("a multipart delimiter is not followed by a line break".into());
        };
        let Some(next) = find(body, d, start) else {
            return Err("the multipart body has no closing delimiter".into());
        };
        let part = &body[start..next.saturating_sub(2).max(start)];
        let Some(split) = find(part, b"\r\n\r\n", 0) else {
            return Err("a multipart part has no blank line after its headers".into());
        };
        let head = String::from_utf8_lossy(&part[..split]);
        let content = &part[split + 4..];
        let mut name = None;
        let mut filename = None;
        for line in head.split("\r\n") {
            let Some((k, v)) = line.split_once(':') else {
                continue;
            };
            if !k.trim().eq_ignore_ascii_case("content-disposition") {
                continue;
            }
            for attr in v.split(';').skip(1) {
                if let Some((ak, av)) = attr.trim().split_once('=') {
                    let av = av.trim().trim_matches('"').to_string();
                    match ak.trim().to_ascii_lowercase().as_str() {
                        "name" => name = Some(av),
                        "filename" => filename = Some(av),
                        _ => {}
                    }
                }
            }
        }
        let Some(name) = name else {
            return Err("a multipart part has no Content-Disposition name".into());
        };
        let text = match (filename, std::str::from_utf8(content)) {
            (None, Ok(t)) => t.to_string(),
            (Some(f), _) if !f.is_empty() => f,
            _ => format!("<{} bytes>", content.len()),
        };
        parts.push((name, text));
        pos = next;
    }
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if from > haystack.len() || needle.is_empty() {
        return None;
    }
    memchr::memmem::find(&haystack[from..], needle).map(|i| i + from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn shape() -> Shape {
        Shape {
            types: Types::OBJECT,
            items: Types::default(),
            properties: [
                ("antal".to_string(), Types::INTEGER),
                ("tags".to_string(), Types::ARRAY),
                ("navn".to_string(), Types::STRING),
            ]
            .into_iter()
            .collect(),
        }
    }

    #[test]
    fn json_and_text_bodies() {
        assert_eq!(
            parse(BodyKind::Json, "application/json", br#"{"a":1}"#, &shape()).unwrap(),
            json!({"a": 1})
        );
        let err = parse(BodyKind::Json, "application/json", b"{", &shape()).unwrap_err();
        assert_eq!(
            (err.pointer.as_str(), err.constraint.as_str()),
            ("/body", "json")
        );
        assert_eq!(
            parse(BodyKind::Text, "text/plain", b"hej", &shape()).unwrap(),
            json!("hej")
        );
        assert!(parse(BodyKind::Text, "text/plain", &[0xff], &shape()).is_err());
    }

    #[test]
    fn form_bodies_follow_property_types() {
        let v = parse(
            BodyKind::Form,
            "application/x-www-form-urlencoded",
            b"antal=3&tags=a&tags=b&navn=007&x=1",
            &shape(),
        )
        .unwrap();
        assert_eq!(
            v,
            json!({"antal": 3, "tags": ["a", "b"], "navn": "007", "x": 1})
        );
    }

    #[test]
    fn multipart_bodies() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"antal\"\r\n\r\n5\r\n--XyZ\r\nContent-Disposition: form-data; name=\"fil\"; filename=\"a.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-\x00\x01\r\n--XyZ--\r\n";
        let v = parse(
            BodyKind::Multipart,
            "multipart/form-data; boundary=XyZ",
            body,
            &shape(),
        )
        .unwrap();
        assert_eq!(v, json!({"antal": 5, "fil": "a.pdf"}));
        assert!(parse(BodyKind::Multipart, "multipart/form-data", body, &shape()).is_err());
        assert!(multipart(b"--XyZ\r\nno blank line", "XyZ").is_err());
        assert!(multipart(b"garbage", "XyZ").is_err());
        assert!(
            multipart(
                b"--XyZ\r\nContent-Disposition: form-data\r\n\r\nx\r\n--XyZ--",
                "XyZ"
            )
            .is_err()
        );
    }
}
