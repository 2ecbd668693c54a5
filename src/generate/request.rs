//! From a case to the bytes on the wire: every parameter serialised per its `style` and
//! `explode`, the body per its media type, and the `Content-Type`/`Accept` headers.
//!
//! This is the one place that decides how a JSON value travels as text, so what a check reports
//! as sent is what was sent (Schemathesis #2719 is a case whose wire form differed from the case
//! it reported). Path values are percent-encoded so that no value can add or remove a path
//! segment; credentials are the runner's business and never appear here.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;

use super::case::{BodyContent, Case};
use crate::exchange::Request;
use crate::spec::Operation;
use crate::spec::model::{ParamIn, Parameter};

/// Everything but RFC 3986's unreserved characters is encoded in a path value, so `/`, `?`,
/// `#`, `;` and `,` inside a value can never be read as structure.
const PATH_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Query names and values: like a path value, so `&`, `=`, `+` and `#` stay data.
const QUERY_VALUE: &AsciiSet = PATH_VALUE;

/// Cookie values: the mock (and most servers) percent-decode them; `;`, `,`, `"`, spaces and
/// `%` must not appear raw.
const COOKIE_VALUE: &AsciiSet = PATH_VALUE;

/// How a body of a media type is written (and read back by a server).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaKind {
    Json,
    Form,
    Multipart,
    Text,
    /// Bytes sent as they are: PDFs, octet streams, anything not parsed as a value.
    Binary,
}

impl MediaKind {
    /// The kind of a media type; `binary_schema` says the schema declares `format: binary` or a
    /// `contentMediaType` (a text type carrying a file).
    pub fn of(media: &str, binary_schema: bool) -> MediaKind {
        let m = essence(media);
        if m == "application/json" || m.ends_with("+json") {
            MediaKind::Json
        } else if m == "application/x-www-form-urlencoded" {
            MediaKind::Form
        } else if m.starts_with("multipart/") {
            MediaKind::Multipart
        } else if m.starts_with("text/") && !binary_schema {
            MediaKind::Text
        } else {
            MediaKind::Binary
        }
    }
}

/// `Application/JSON; charset=utf-8` → `application/json`.
pub fn essence(media: &str) -> String {
    media
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// A media range made concrete for a `Content-Type`: `*/*` is sent as an octet stream,
/// `text/*` as plain text, `image/*` as `image/png`.
pub fn concrete(media: &str) -> String {
    let m = essence(media);
    match m.as_str() {
        "*/*" => "application/octet-stream".into(),
        "text/*" => "text/plain".into(),
        _ => match m.strip_suffix("/*") {
            Some("image") => "image/png".into(),
            Some("application") => "application/octet-stream".into(),
            Some(other) => format!("{other}/octet-stream"),
            None => media.trim().to_string(),
        },
    }
}

/// A scalar as text: strings as they are, `null` as nothing, numbers and booleans as JSON
/// writes them; structures as JSON.
pub fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn encode(text: &str, set: &'static AsciiSet) -> String {
    utf8_percent_encode(text, set).to_string()
}

/// The `k,v,k,v` or `k=v,k=v` parts of an object (`sep` between pairs, `kv` inside a pair;
/// `kv = None` alternates keys and values with `sep`).
fn object_parts(
    map: &serde_json::Map<String, Value>,
    kv: Option<char>,
    enc: &dyn Fn(&str) -> String,
) -> Vec<String> {
    let mut out = Vec::new();
    for (k, v) in map {
        match kv {
            Some(c) => out.push(format!("{}{c}{}", enc(k), enc(&scalar_text(v)))),
            None => {
                out.push(enc(k));
                out.push(enc(&scalar_text(v)));
            }
        }
    }
    out
}

/// A path value in `simple`, `label` or `matrix` style, percent-encoded.
pub fn path_value(p: &Parameter, v: &Value) -> String {
    let enc = |s: &str| encode(s, PATH_VALUE);
    let name = enc(&p.name);
    match (p.style.as_str(), v) {
        ("label", Value::Array(items)) => {
            let parts: Vec<String> = items.iter().map(|i| enc(&scalar_text(i))).collect();
            format!(".{}", parts.join(if p.explode { "." } else { "," }))
        }
        ("label", Value::Object(map)) => {
            if p.explode {
                format!(".{}", object_parts(map, Some('='), &enc).join("."))
            } else {
                format!(".{}", object_parts(map, None, &enc).join(","))
            }
        }
        ("label", v) => format!(".{}", enc(&scalar_text(v))),
        ("matrix", Value::Array(items)) => {
            let parts: Vec<String> = items.iter().map(|i| enc(&scalar_text(i))).collect();
            if p.explode {
                parts.iter().map(|x| format!(";{name}={x}")).collect()
            } else {
                format!(";{name}={}", parts.join(","))
            }
        }
        ("matrix", Value::Object(map)) => {
            if p.explode {
                format!(";{}", object_parts(map, Some('='), &enc).join(";"))
            } else {
                format!(";{name}={}", object_parts(map, None, &enc).join(","))
            }
        }
        ("matrix", v) => format!(";{name}={}", enc(&scalar_text(v))),
        (_, v) => simple(v, p.explode, &enc),
    }
}

/// `simple` style (path and header): `a,b` arrays, `k,v` or (exploded) `k=v` objects.
fn simple(v: &Value, explode: bool, enc: &dyn Fn(&str) -> String) -> String {
    match v {
        Value::Array(items) => items
            .iter()
            .map(|i| enc(&scalar_text(i)))
            .collect::<Vec<_>>()
            .join(","),
        Value::Object(map) => {
            object_parts(map, if explode { Some('=') } else { None }, enc).join(",")
        }
        v => enc(&scalar_text(v)),
    }
}

/// A header value (`simple` style, no encoding: header parameters are text as written).
pub fn header_value(p: &Parameter, v: &Value) -> String {
    simple(v, p.explode, &|s: &str| s.to_string())
}

/// The `name=value` pairs (already encoded) of a query parameter per style and explode.
pub fn query_pairs(p: &Parameter, v: &Value) -> Vec<String> {
    let enc = |s: &str| encode(s, QUERY_VALUE);
    let name = enc(&p.name);
    match (p.style.as_str(), v) {
        ("deepObject", Value::Object(map)) => map
            .iter()
            .map(|(k, x)| format!("{name}[{}]={}", enc(k), enc(&scalar_text(x))))
            .collect(),
        (style, Value::Array(items)) => {
            let parts: Vec<String> = items.iter().map(|i| enc(&scalar_text(i))).collect();
            match style {
                "spaceDelimited" => vec![format!("{name}={}", parts.join("%20"))],
                "pipeDelimited" => vec![format!("{name}={}", parts.join("|"))],
                _ if p.explode => parts.iter().map(|x| format!("{name}={x}")).collect(),
                _ => vec![format!("{name}={}", parts.join(","))],
            }
        }
        (_, Value::Object(map)) => {
            if p.explode {
                object_parts(map, Some('='), &enc)
            } else {
                vec![format!(
                    "{name}={}",
                    object_parts(map, None, &enc).join(",")
                )]
            }
        }
        (_, v) => vec![format!("{name}={}", enc(&scalar_text(v)))],
    }
}

/// The `name=value` pairs of a cookie parameter (`form` style), values percent-encoded.
pub fn cookie_pairs(p: &Parameter, v: &Value) -> Vec<String> {
    let enc = |s: &str| encode(s, COOKIE_VALUE);
    match v {
        Value::Array(items) if p.explode => items
            .iter()
            .map(|i| format!("{}={}", p.name, enc(&scalar_text(i))))
            .collect(),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(|i| enc(&scalar_text(i))).collect();
            vec![format!("{}={}", p.name, parts.join(","))]
        }
        Value::Object(map) if p.explode => object_parts(map, Some('='), &enc),
        Value::Object(map) => vec![format!(
            "{}={}",
            p.name,
            object_parts(map, None, &enc).join(",")
        )],
        v => vec![format!("{}={}", p.name, enc(&scalar_text(v)))],
    }
}

/// Whether a parameter is described by `content` (its value travels as JSON text).
fn json_content(p: &Parameter) -> bool {
    p.schema.is_none() && !p.content.is_empty()
}

fn find<'a>(op: &'a Operation, name: &str, location: ParamIn) -> Option<&'a Parameter> {
    op.parameters
        .iter()
        .find(|p| p.name == name && p.location == location)
}

/// The fallback when a case names a parameter the operation does not declare (a probe or a
/// hand-written case): default style for the location.
fn default_param(name: &str, location: ParamIn) -> Parameter {
    let style = match location {
        ParamIn::Query | ParamIn::Cookie => "form",
        ParamIn::Path | ParamIn::Header => "simple",
    };
    Parameter {
        name: name.to_string(),
        location,
        required: false,
        style: style.to_string(),
        explode: style == "form",
        allow_reserved: false,
        deprecated: false,
        schema: None,
        content: Vec::new(),
        examples: Vec::new(),
        loc: crate::spec::Loc::new(0, ""),
    }
}

/// The boundary of a multipart body: fixed per case, so the bytes are reproducible, and
/// unlikely in generated text.
fn boundary(case: &Case) -> String {
    format!("kontrakt-{:016x}", case.seed)
}

/// The body bytes and the `Content-Type` sent for them.
pub fn body_bytes(case: &Case) -> Option<(String, Vec<u8>)> {
    let body = case.body.as_ref()?;
    let content_type = concrete(&body.media_type);
    let kind = MediaKind::of(&body.media_type, false);
    let value = match &body.content {
        BodyContent::Raw(bytes) => return Some((content_type, bytes.clone())),
        BodyContent::Value(v) => v,
    };
    Some(match kind {
        MediaKind::Json => (content_type, serde_json::to_vec(value).unwrap_or_default()),
        MediaKind::Form => (content_type, form_body(value).into_bytes()),
        MediaKind::Multipart => {
            let b = boundary(case);
            (
                format!("{}; boundary={b}", essence(&content_type)),
                multipart_body(value, &b),
            )
        }
        MediaKind::Text | MediaKind::Binary => match value {
            Value::String(s) => (content_type, s.clone().into_bytes()),
            other => (content_type, other.to_string().into_bytes()),
        },
    })
}

/// `application/x-www-form-urlencoded`: one pair per property, arrays as repeated names,
/// nested structures as JSON text.
pub fn form_body(value: &Value) -> String {
    let Value::Object(map) = value else {
        return form_urlencoded::byte_serialize(scalar_text(value).as_bytes()).collect();
    };
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in map {
        match v {
            Value::Array(items) => {
                for i in items {
                    out.append_pair(k, &scalar_text(i));
                }
            }
            v => {
                out.append_pair(k, &scalar_text(v));
            }
        }
    }
    out.finish()
}

/// `multipart/form-data`: one part per property (arrays as repeated parts); structures are
/// JSON parts.
pub fn multipart_body(value: &Value, boundary: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut part = |name: &str, v: &Value| {
        out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        let disposition = format!("Content-Disposition: form-data; name=\"{}\"", quote(name));
        match v {
            Value::Object(_) | Value::Array(_) => {
                out.extend_from_slice(
                    format!("{disposition}\r\nContent-Type: application/json\r\n\r\n").as_bytes(),
                );
                out.extend_from_slice(v.to_string().as_bytes());
            }
            v => {
                out.extend_from_slice(format!("{disposition}\r\n\r\n").as_bytes());
                out.extend_from_slice(scalar_text(v).as_bytes());
            }
        }
        out.extend_from_slice(b"\r\n");
    };
    if let Value::Object(map) = value {
        for (k, v) in map {
            match v {
                Value::Array(items) if items.iter().all(|i| !i.is_object() && !i.is_array()) => {
                    for i in items {
                        part(k, i);
                    }
                }
                v => part(k, v),
            }
        }
    }
    out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    out
}

fn quote(name: &str) -> String {
    name.replace('\\', "\\\\").replace('"', "\\\"")
}

/// The media types the operation's responses declare, as an `Accept` value (`None` when it
/// declares none, so the server's default stands).
fn accept(op: &Operation) -> Option<String> {
    let mut types: Vec<String> = Vec::new();
    for r in &op.responses {
        for m in &r.content {
            let e = essence(&m.name);
            if !e.is_empty() && !types.contains(&e) {
                types.push(e);
            }
        }
    }
    (!types.is_empty()).then(|| types.join(", "))
}

/// Serialises a case into a wire request against `base_url` (scheme, host, port and the server's
/// base path, e.g. `http://127.0.0.1:8080/api/v1`), joined with the operation's path.
pub fn build_request(op: &Operation, case: &Case, base_url: &str) -> Request {
    let mut path = op.path.clone();
    for (name, v) in &case.path {
        let fallback;
        let p = match find(op, name, ParamIn::Path) {
            Some(p) => p,
            None => {
                fallback = default_param(name, ParamIn::Path);
                &fallback
            }
        };
        let text = if json_content(p) {
            encode(&v.to_string(), PATH_VALUE)
        } else {
            path_value(p, v)
        };
        path = path.replace(&format!("{{{name}}}"), &text);
    }
    let mut query: Vec<String> = Vec::new();
    for (name, v) in &case.query {
        let fallback;
        let p = match find(op, name, ParamIn::Query) {
            Some(p) => p,
            None => {
                fallback = default_param(name, ParamIn::Query);
                &fallback
            }
        };
        if json_content(p) {
            query.push(format!(
                "{}={}",
                encode(name, QUERY_VALUE),
                encode(&v.to_string(), QUERY_VALUE)
            ));
        } else {
            query.extend(query_pairs(p, v));
        }
    }
    let mut url = format!("{}{}", base_url.trim_end_matches('/'), path);
    if !query.is_empty() {
        url.push('?');
        url.push_str(&query.join("&"));
    }
    let mut headers: Vec<(String, String)> = Vec::new();
    for (name, v) in &case.headers {
        let fallback;
        let p = match find(op, name, ParamIn::Header) {
            Some(p) => p,
            None => {
                fallback = default_param(name, ParamIn::Header);
                &fallback
            }
        };
        let text = if json_content(p) {
            v.to_string()
        } else {
            header_value(p, v)
        };
        headers.push((name.clone(), text));
    }
    let mut cookies: Vec<String> = Vec::new();
    for (name, v) in &case.cookies {
        let fallback;
        let p = match find(op, name, ParamIn::Cookie) {
            Some(p) => p,
            None => {
                fallback = default_param(name, ParamIn::Cookie);
                &fallback
            }
        };
        if json_content(p) {
            cookies.push(format!("{name}={}", encode(&v.to_string(), COOKIE_VALUE)));
        } else {
            cookies.extend(cookie_pairs(p, v));
        }
    }
    if !cookies.is_empty() {
        headers.push(("Cookie".into(), cookies.join("; ")));
    }
    if let Some(a) = accept(op) {
        headers.push(("Accept".into(), a));
    }
    let mut body = Vec::new();
    if let Some((content_type, bytes)) = body_bytes(case) {
        headers.push(("Content-Type".into(), content_type));
        body = bytes;
    }
    Request {
        method: case.method.clone().unwrap_or_else(|| op.method.clone()),
        url,
        headers,
        body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types() {
        assert_eq!(
            essence("Application/JSON; charset=utf-8"),
            "application/json"
        );
        assert_eq!(concrete("*/*"), "application/octet-stream");
        assert_eq!(concrete("text/*"), "text/plain");
        assert_eq!(concrete("image/*"), "image/png");
        assert_eq!(
            concrete("application/json; charset=utf-8"),
            "application/json; charset=utf-8"
        );
        assert_eq!(
            MediaKind::of("application/problem+json", false),
            MediaKind::Json
        );
        assert_eq!(MediaKind::of("text/plain", true), MediaKind::Binary);
        assert_eq!(
            MediaKind::of("multipart/mixed", false),
            MediaKind::Multipart
        );
        assert_eq!(MediaKind::of("application/pdf", false), MediaKind::Binary);
    }

    #[test]
    fn scalars_as_text() {
        assert_eq!(scalar_text(&Value::from(2.5)), "2.5");
        assert_eq!(scalar_text(&Value::Null), "");
        assert_eq!(scalar_text(&Value::from("a b")), "a b");
        assert_eq!(
            form_body(&serde_json::json!({"a": "x y", "b": [1, 2]})),
            "a=x+y&b=1&b=2"
        );
    }
}
