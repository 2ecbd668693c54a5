//! `response-headers-conform`: documented response headers are present and valid.

use serde_json::Value;

use crate::check::matching::{Media, header_readings, judged_response, label, response_for};
use crate::check::{Check, CheckContext, Finding};
use crate::exchange::Exchange;
use crate::spec::normalize::Direction;

pub static CHECK: Check = Check {
    id: "response-headers-conform",
    title: "Documented response headers are present when required and valid against their schema",
    doc: "\
## What it detects
A header the response object marks `required: true` that the response does not carry, and a \
documented header whose value its schema rejects.

Header text is read the way OpenAPI's `simple` style writes it before it is validated: `42` is \
the integer 42 for an integer schema, `a,b` is an array for an array schema, `k,v` (or `k=v` \
with `explode`) an object; a header with `content` is parsed as that media type (JSON). \
Repeated headers are joined with `, ` as HTTP does. `Content-Type` is never judged here (OpenAPI \
says a documented `Content-Type` header is ignored; `content-type-documented` owns it). \
Undocumented statuses, rate limits and probes are not judged.

## Why it matters
Clients read documented headers: `Location` to find what they created, `ETag` for the next \
`If-Match`, `Retry-After` to know when to come back. A missing or malformed one breaks the \
flow that depends on it.

## Example
The 201 of `POST /sager` documents a required `Location` header; the server did not send it. \
Or `X-Total-Count` is documented as `integer, minimum: 0` and the server sent `-1`.

## How to fix
Send the header with a value its schema allows, or correct the documentation (drop `required` \
if the header is optional, widen the schema if the values are right).
",
    default_enabled: true,
    judge,
    judge_chain: None,
};

fn judge(ctx: &CheckContext<'_>, ex: &Exchange) -> Vec<Finding> {
    let Some(r) = judged_response(ex) else {
        return Vec::new();
    };
    let Some(entry) = response_for(ctx.op, r.status) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for h in &entry.headers {
        if h.name.eq_ignore_ascii_case("content-type") {
            continue;
        }
        let values: Vec<&str> = r.header_all(&h.name).collect();
        if values.is_empty() {
            if h.required {
                out.push(
                    Finding::new(
                        CHECK.id,
                        format!(
                            "required header {} missing from status {} of {}",
                            h.name,
                            r.status,
                            label(ctx.op)
                        ),
                    )
                    .at(h.loc.clone()),
                );
            }
            continue;
        }
        let text = values.join(", ");
        let (schema, readings) = if let Some(schema) = &h.schema {
            let explode = ctx
                .spec
                .get(&h.loc)
                .and_then(|v| v.get("explode"))
                .and_then(Value::as_bool)
                .unwrap_or(false);
            (
                schema.clone(),
                header_readings(ctx.spec, schema, &text, explode),
            )
        } else if let Some(media) = h.content.first()
            && let Some(schema) = &media.schema
            && Media::parse(&media.name).is_some_and(|m| m.is_json())
        {
            match serde_json::from_str::<Value>(&text) {
                Ok(v) => (schema.clone(), vec![v]),
                Err(e) => {
                    out.push(
                        Finding::new(
                            CHECK.id,
                            format!(
                                "header {}: `{}` is not valid JSON ({e})",
                                h.name,
                                shorten(&text)
                            ),
                        )
                        .at(h.loc.clone()),
                    );
                    continue;
                }
            }
        } else {
            continue;
        };
        let mut first_failure = None;
        let mut valid = false;
        for reading in &readings {
            // A schema the validator cannot compile is the spec's problem (`kontrakt lint`).
            let Ok(violations) = ctx
                .validators
                .violations(&schema, Direction::Response, reading)
            else {
                valid = true;
                break;
            };
            if violations.is_empty() {
                valid = true;
                break;
            }
            first_failure.get_or_insert(violations);
        }
        if valid {
            continue;
        }
        let violations = first_failure.unwrap_or_default();
        let reason = violations
            .first()
            .map(|v| v.message.clone())
            .unwrap_or_else(|| "rejected by its schema".into());
        out.push(
            Finding::new(
                CHECK.id,
                format!(
                    "header {}: `{}` does not match its schema: {}",
                    h.name,
                    shorten(&text),
                    reason
                ),
            )
            .detail(
                violations
                    .iter()
                    .map(|v| format!("- ({}) {}", v.keyword, v.message))
                    .collect::<Vec<_>>()
                    .join("\n"),
            )
            .at(schema),
        );
    }
    out
}

fn shorten(s: &str) -> String {
    match s.char_indices().nth(100) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_string(),
    }
}
