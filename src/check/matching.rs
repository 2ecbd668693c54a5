//! What several checks need to agree on: which exchanges are judged against the spec, which
//! response object a status selects, how media types match, and how a header's text is read
//! as the value its schema describes.

use serde_json::Value;

use crate::exchange::{Exchange, Response};
use crate::generate::case::Phase;
use crate::spec::model::{self, MediaType, Operation, StatusSpec};
use crate::spec::{Loc, Spec};

/// A rate limit answer: 429, or 503 with `Retry-After`. The runner waits these out; if one
/// reaches a check it says nothing about the contract, so no check reports it.
pub fn rate_limited(r: &Response) -> bool {
    r.status == 429 || (r.status == 503 && r.header("retry-after").is_some())
}

/// The response to judge against the spec's response objects: there is one, the case is not a
/// probe (probes are judged by the check that made them), and it is not a rate limit.
pub fn judged_response(ex: &Exchange) -> Option<&Response> {
    let r = ex.response()?;
    (ex.case.phase != Phase::Probe && !rate_limited(r)).then_some(r)
}

/// The response object for a status: the exact code, else its `NXX` range, else `default`.
pub fn response_for(op: &Operation, status: u16) -> Option<&model::Response> {
    let rank = |s: StatusSpec| match s {
        StatusSpec::Code(_) => 0,
        StatusSpec::Range(_) => 1,
        StatusSpec::Default => 2,
    };
    op.responses
        .iter()
        .filter(|r| r.status.matches(status))
        .min_by_key(|r| rank(r.status))
}

/// `200, 404, default`: the keys as written.
pub fn documented_statuses(op: &Operation) -> String {
    if op.responses.is_empty() {
        return "none".into();
    }
    op.responses
        .iter()
        .map(|r| r.key.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether a response has no body by definition (RFC 9110 §6.4.1).
pub fn bodiless(method: &str, status: u16) -> bool {
    method.eq_ignore_ascii_case("HEAD") || status < 200 || status == 204 || status == 304
}

/// A parsed media type: lower-case type and subtype, parameters with lower-case names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Media {
    pub kind: String,
    pub subtype: String,
    pub params: Vec<(String, String)>,
}

impl Media {
    /// `None` for text that is not `type/subtype` followed by `;name=value` parameters.
    pub fn parse(s: &str) -> Option<Media> {
        let mut parts = s.split(';');
        let essence = parts.next()?.trim();
        let (kind, subtype) = essence.split_once('/')?;
        let token = |t: &str| {
            !t.is_empty()
                && t.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+*".contains(&b))
        };
        if !token(kind) || !token(subtype) {
            return None;
        }
        let mut params = Vec::new();
        for p in parts {
            let p = p.trim();
            if p.is_empty() {
                continue;
            }
            let (name, value) = p.split_once('=')?;
            params.push((
                name.trim().to_ascii_lowercase(),
                value.trim().trim_matches('"').to_string(),
            ));
        }
        Some(Media {
            kind: kind.to_ascii_lowercase(),
            subtype: subtype.to_ascii_lowercase(),
            params,
        })
    }

    pub fn essence(&self) -> String {
        format!("{}/{}", self.kind, self.subtype)
    }

    /// Whether this documented media type (possibly a range) covers `actual`. Ranges are
    /// `*/*`, `type/*` and `type/*+suffix`; a `+json` subtype is not `json` unless the spec says
    /// so with a range. Parameters the spec writes must be present with the same value (a
    /// `charset` case-insensitively, and a missing `charset` is accepted: it is the default).
    pub fn covers(&self, actual: &Media) -> bool {
        let kind = self.kind == "*" || self.kind == actual.kind;
        let subtype = self.subtype == "*"
            || self.subtype == actual.subtype
            || self
                .subtype
                .strip_prefix("*+")
                .is_some_and(|suffix| actual.subtype.ends_with(&format!("+{suffix}")));
        kind && subtype
            && self.params.iter().all(|(name, value)| {
                match actual.params.iter().find(|(n, _)| n == name) {
                    Some((_, v)) if name == "charset" => v.eq_ignore_ascii_case(value),
                    Some((_, v)) => v == value,
                    None => name == "charset",
                }
            })
    }

    pub fn is_json(&self) -> bool {
        self.subtype == "json" || self.subtype.ends_with("+json")
    }
}

/// The documented media type a response `Content-Type` selects: an exact match first, then the
/// most specific range.
pub fn media_for<'m>(content: &'m [MediaType], content_type: &str) -> Option<&'m MediaType> {
    let actual = Media::parse(content_type)?;
    let parsed: Vec<(&MediaType, Media)> = content
        .iter()
        .filter_map(|m| Media::parse(&m.name).map(|p| (m, p)))
        .collect();
    let specificity = |m: &Media| match (m.kind.as_str(), m.subtype.as_str()) {
        ("*", _) => 0,
        (_, "*") => 1,
        (_, s) if s.starts_with("*+") => 2,
        _ => 3,
    };
    parsed
        .iter()
        .filter(|(_, p)| p.covers(&actual))
        .max_by_key(|(_, p)| (specificity(p), p.params.len()))
        .map(|(m, _)| *m)
}

/// The schema value at `loc` with `$ref` chains followed, and where it really is.
pub fn schema_value<'s>(spec: &'s Spec, loc: &Loc) -> Option<(Loc, &'s Value)> {
    let target = spec.deref(loc).ok()?;
    let value = spec.get(&target)?;
    Some((target, value))
}

/// Whether a schema accepts anything (`{}`, `true`, or only annotations).
pub fn is_trivial(schema: &Value) -> bool {
    match schema {
        Value::Bool(b) => *b,
        Value::Object(map) => map.keys().all(|k| {
            matches!(
                k.as_str(),
                "description"
                    | "title"
                    | "example"
                    | "examples"
                    | "deprecated"
                    | "readOnly"
                    | "writeOnly"
                    | "$comment"
            ) || k.starts_with("x-")
        }),
        _ => false,
    }
}

/// The JSON types a schema names at its top level (`type`, string or list).
fn types(schema: &Value) -> Vec<&str> {
    match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// The values a header's text may stand for, most likely first: read per the schema's type
/// (`simple` style: arrays and objects comma-separated), then the text itself.
pub fn header_readings(spec: &Spec, schema: &Loc, text: &str, explode: bool) -> Vec<Value> {
    let Some((at, value)) = schema_value(spec, schema) else {
        return vec![Value::String(text.to_string())];
    };
    let mut out = Vec::new();
    let declared = types(value);
    let scalar = |t: &str, s: &str| -> Option<Value> {
        let s = s.trim();
        match t {
            "integer" => s.parse::<i64>().ok().map(Value::from),
            "number" => s
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .and_then(|f| {
                    serde_json::from_str::<Value>(s)
                        .ok()
                        .filter(Value::is_number)
                        .or_else(|| serde_json::Number::from_f64(f).map(Value::Number))
                }),
            "boolean" => match s {
                "true" => Some(Value::Bool(true)),
                "false" => Some(Value::Bool(false)),
                _ => None,
            },
            "null" => (s == "null" || s.is_empty()).then_some(Value::Null),
            _ => None,
        }
    };
    for t in &declared {
        match *t {
            "array" => {
                let item_types: Vec<String> = value
                    .get("items")
                    .and_then(|_| schema_value(spec, &at.child("items")))
                    .map(|(_, v)| types(v).into_iter().map(str::to_string).collect())
                    .unwrap_or_default();
                let items = text
                    .split(',')
                    .map(|item| {
                        item_types
                            .iter()
                            .find_map(|t| scalar(t, item))
                            .unwrap_or_else(|| Value::String(item.trim().to_string()))
                    })
                    .collect();
                out.push(Value::Array(items));
            }
            "object" => {
                let mut map = serde_json::Map::new();
                if explode {
                    for pair in text.split(',') {
                        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                        map.insert(k.trim().to_string(), Value::String(v.trim().to_string()));
                    }
                } else {
                    let parts: Vec<&str> = text.split(',').collect();
                    for kv in parts.chunks(2) {
                        map.insert(
                            kv[0].trim().to_string(),
                            Value::String(kv.get(1).copied().unwrap_or("").trim().to_string()),
                        );
                    }
                }
                out.push(Value::Object(map));
            }
            t => out.extend(scalar(t, text)),
        }
    }
    if declared.is_empty()
        && let Ok(v) = serde_json::from_str::<Value>(text.trim())
        && !v.is_string()
    {
        out.push(v);
    }
    out.push(Value::String(text.to_string()));
    out
}

/// The start of a body as text for a finding's detail, cut to `limit` characters.
pub fn excerpt(body: &[u8], limit: usize) -> String {
    if body.is_empty() {
        return String::new();
    }
    match std::str::from_utf8(body) {
        Ok(text) if !text.contains('\0') => {
            let text = text.trim();
            match text.char_indices().nth(limit) {
                Some((cut, _)) => format!("{}… ({} more bytes)", &text[..cut], text.len() - cut),
                None => text.to_string(),
            }
        }
        _ => format!("({} bytes of binary data)", body.len()),
    }
}

/// The operation as a finding names it: `GET /sager/{sagId}`.
pub fn label(op: &Operation) -> String {
    op.key()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn covers(documented: &str, actual: &str) -> bool {
        Media::parse(documented)
            .unwrap()
            .covers(&Media::parse(actual).unwrap())
    }

    #[test]
    fn media_ranges_and_parameters() {
        assert!(covers(
            "application/json",
            "application/json; charset=utf-8"
        ));
        assert!(covers("application/json", "Application/JSON"));
        assert!(!covers("application/json", "application/problem+json"));
        assert!(covers("application/*+json", "application/problem+json"));
        assert!(!covers("application/*+json", "application/json"));
        assert!(covers("application/*", "application/pdf"));
        assert!(!covers("application/*", "text/plain"));
        assert!(covers("*/*", "text/plain"));
        assert!(covers(
            "text/plain; charset=utf-8",
            "text/plain; charset=UTF-8"
        ));
        assert!(covers("text/plain; charset=utf-8", "text/plain"));
        assert!(!covers(
            "text/plain; charset=utf-8",
            "text/plain; charset=latin1"
        ));
        assert!(!covers(
            "application/vnd.x+json; version=2",
            "application/vnd.x+json"
        ));
        assert!(covers(
            "application/vnd.x+json; version=2",
            "application/vnd.x+json;version=\"2\""
        ));
        assert!(Media::parse("json").is_none());
        assert!(Media::parse("text/").is_none());
        assert!(Media::parse("text/plain; charset").is_none());
    }

    #[test]
    fn excerpts() {
        assert_eq!(excerpt(b"  hello  ", 3), "hel… (2 more bytes)");
        assert_eq!(excerpt(&[0, 159, 146], 10), "(3 bytes of binary data)");
        assert_eq!(excerpt(b"", 10), "");
    }
}
