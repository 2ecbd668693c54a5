//! `response-schema-conforms`: the body is valid against the documented schema.

use serde_json::Value;

use crate::check::matching::{
    Media, bodiless, is_trivial, judged_response, media_for, response_for, schema_value,
};
use crate::check::{Check, CheckContext, Finding};
use crate::exchange::Exchange;
use crate::spec::normalize::Direction;

pub static CHECK: Check = Check {
    id: "response-schema-conforms",
    title: "The response body is valid against its documented schema",
    doc: "\
## What it detects
A response body that the schema documented for its status and media type rejects: a missing \
required property, a wrong type, a value outside its bounds or pattern, a format that does not \
parse; a body that is not JSON where JSON is documented; or an empty body where the status \
documents content with a schema.

Schemas are judged as JSON Schema 2020-12, with OpenAPI 3.0's `nullable`, boolean exclusive \
bounds and `writeOnly` properties (not required in responses) already accounted for. JSON media \
types (`application/json`, `*+json`) are parsed; `text/*` bodies are judged as one string; other \
media types (PDF, images, octet streams) are not judged. Bodies the runner cut short, \
responses without a body by definition (`HEAD`, 204, 304), undocumented statuses or media \
types (other checks report those), rate limits and probes are not judged.

## Why it matters
Generated clients deserialise responses with the documented schema: a missing required \
property or a wrong type is an exception in every client, and a wrong format is bad data \
that travels on.

## Example
The 200 of `GET /doedsboer/{id}` documents `frister` as an array of objects with a `dato` in \
`format: date`; the server sent `{\"frister\": [{\"dato\": \"01-02-2025\"}]}`.

## How to fix
Make the server produce what the schema says, or correct the schema to what the server is \
meant to produce (and tell the clients, since their parsers follow the schema).
",
    default_enabled: true,
    judge,
    judge_chain: None,
};

/// How many violations the detail lists.
const MAX_LISTED: usize = 20;
/// How long a violation message may be in the one-line message.
const MAX_MESSAGE: usize = 200;

fn judge(ctx: &CheckContext<'_>, ex: &Exchange) -> Vec<Finding> {
    let Some(r) = judged_response(ex) else {
        return Vec::new();
    };
    let Some(entry) = response_for(ctx.op, r.status) else {
        return Vec::new();
    };
    if entry.content.is_empty() || r.truncated || bodiless(&ex.request.method, r.status) {
        return Vec::new();
    }
    let media = match r.header("content-type") {
        Some(ct) => media_for(&entry.content, ct),
        // Without a Content-Type only a single documented media type is unambiguous.
        None if entry.content.len() == 1 => entry.content.first(),
        None => None,
    };
    let Some(media) = media else {
        return Vec::new();
    };
    let Some(schema) = &media.schema else {
        return Vec::new();
    };
    // Findings point at the schema itself, not at the `$ref` to it.
    let at = match schema_value(ctx.spec, schema) {
        Some((at, v)) if !is_trivial(v) => at,
        _ => return Vec::new(),
    };
    let documented = Media::parse(&media.name);
    let actual = r.header("content-type").and_then(Media::parse);
    let json = actual
        .as_ref()
        .or(documented.as_ref())
        .is_some_and(Media::is_json);
    let text = !json
        && actual
            .as_ref()
            .or(documented.as_ref())
            .is_some_and(|m| m.kind == "text");
    if !json && !text {
        return Vec::new();
    }
    if r.body.is_empty() {
        return vec![
            Finding::new(
                CHECK.id,
                format!(
                    "empty body where status {} documents {} content",
                    r.status, media.name
                ),
            )
            .at(at.clone()),
        ];
    }
    let value = if json {
        match serde_json::from_slice::<Value>(&r.body) {
            Ok(v) => v,
            Err(e) => {
                return vec![
                    Finding::new(
                        CHECK.id,
                        format!("body is not valid JSON ({}): {e}", media.name),
                    )
                    .at(at.clone()),
                ];
            }
        }
    } else {
        match std::str::from_utf8(&r.body) {
            Ok(t) => Value::String(t.to_string()),
            Err(_) => return Vec::new(),
        }
    };
    // A schema the validator cannot compile is the spec's problem, reported by `kontrakt lint`.
    let Ok(violations) = ctx
        .validators
        .violations(schema, Direction::Response, &value)
    else {
        return Vec::new();
    };
    let Some(first) = violations.first() else {
        return Vec::new();
    };
    let pointer = |p: &str| {
        if p.is_empty() {
            "/".to_string()
        } else {
            p.to_string()
        }
    };
    let mut message = format!(
        "body does not match schema at {}: {}",
        pointer(&first.instance_path),
        shorten(&first.message, MAX_MESSAGE)
    );
    if violations.len() > 1 {
        message.push_str(&format!(" (and {} more)", violations.len() - 1));
    }
    let mut detail: Vec<String> = violations
        .iter()
        .take(MAX_LISTED)
        .map(|v| {
            format!(
                "- at {} ({}): {}",
                pointer(&v.instance_path),
                v.keyword,
                shorten(&v.message, MAX_MESSAGE)
            )
        })
        .collect();
    if violations.len() > MAX_LISTED {
        detail.push(format!("- … {} more", violations.len() - MAX_LISTED));
    }
    vec![
        Finding::new(CHECK.id, message)
            .detail(detail.join("\n"))
            .at(at.clone()),
    ]
}

/// A message cut to `max` characters (validator messages quote the whole offending value).
fn shorten(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_string(),
    }
}
