//! `positive-data-accepted`: a request the spec allows is not refused as malformed.

use serde_json::Value;

use crate::check::matching::{excerpt, label, rate_limited};
use crate::check::{Check, CheckContext, Finding};
use crate::exchange::Exchange;
use crate::spec::model::base_path;

pub static CHECK: Check = Check {
    id: "positive-data-accepted",
    title: "A request valid under the spec is not refused with 400 or 422",
    doc: "\
## What it detects
A positive case (a spec example, a boundary value, a generated valid value) refused with \
400 Bad Request or 422 Unprocessable Content: the server's idea of a valid request is \
narrower than the spec's. The finding includes the server's error body, which usually names \
the value it did not like.

Other refusals are not this check's: 401/403 (credentials), 404 (a generated id that does \
not exist), 409 (state) are normal answers to valid requests. A token endpoint (an operation \
at a `tokenUrl` of the spec's OAuth2 flows) may answer 400 to well-formed requests with \
credentials it does not know (RFC 6749 §5.2), so it is exempt. Rate limits are not judged.

## Why it matters
Clients build requests from the spec. A value the spec allows but the server refuses is a \
failure a client cannot foresee or work around, and it tends to show up late, with real data \
(a long name, an amount at the limit, an optional field left out).

## Example
`GET /sager?size=100` where the spec says `size` has `maximum: 100`; the server answered \
`400 size must be less than 100` (an off-by-one in the server's bound).

## How to fix
Make the server accept everything the spec allows, or tighten the spec to what the server \
really accepts (a `pattern`, a lower `maximum`, `additionalProperties: false`), so that clients \
can know.
",
    default_enabled: true,
    judge,
    judge_chain: None,
};

fn judge(ctx: &CheckContext<'_>, ex: &Exchange) -> Vec<Finding> {
    if !ex.case.phase.is_positive() {
        return Vec::new();
    }
    let Some(r) = ex.response() else {
        return Vec::new();
    };
    if rate_limited(r) || !matches!(r.status, 400 | 422) || grants_credentials(ctx) {
        return Vec::new();
    }
    let said = excerpt(&r.body, 1000);
    vec![
        Finding::new(
            CHECK.id,
            format!(
                "valid request to {} refused with status {} ({}: {})",
                label(ctx.op),
                r.status,
                ex.case.phase.as_str(),
                ex.case.label
            ),
        )
        .detail(if said.is_empty() {
            String::new()
        } else {
            format!("the server said: {said}")
        })
        .at(ctx.op.loc.clone()),
    ]
}

/// Whether the operation is where the spec's OAuth2 flows get their tokens.
fn grants_credentials(ctx: &CheckContext<'_>) -> bool {
    let full = format!("{}{}", ctx.op.base_path, ctx.op.path);
    let Some(Value::Object(schemes)) = ctx.spec.root().pointer("/components/securitySchemes")
    else {
        return false;
    };
    schemes
        .values()
        .filter_map(|s| s.get("flows").and_then(Value::as_object))
        .flat_map(|flows| flows.values())
        .filter_map(|f| f.get("tokenUrl").and_then(Value::as_str))
        .map(base_path)
        .any(|token_path| {
            !token_path.is_empty()
                && (token_path == full || token_path == ctx.op.path || token_path.ends_with(&full))
        })
}
