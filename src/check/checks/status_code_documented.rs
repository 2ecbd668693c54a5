//! `status-code-documented`: the status is one the operation documents.

use crate::check::matching::{
    Media, documented_statuses, excerpt, judged_response, label, response_for,
};
use crate::check::{Check, CheckContext, Finding};
use crate::exchange::Exchange;
use crate::generate::case::{Constraint, Phase};

pub static CHECK: Check = Check {
    id: "status-code-documented",
    title: "The response status is documented for the operation",
    doc: "\
## What it detects
A response whose status matches none of the operation's response keys: not the exact code, \
not its range (`4XX`), and there is no `default`.

## Why it matters
Clients are generated from, and written against, the documented statuses. An undocumented \
status falls through their error handling: a generated client may throw on it, and a \
hand-written one will treat it like some other status.

Some answers are the protocol's rather than the API's, and a correct server gives them whether \
or not the spec lists them. Following Schemathesis' practice of not blaming a server for the \
spec's silence about the protocol, these are not reported:
- 401 and 403 from a secured operation (RFC 9110 and RFC 6750 prescribe them);
- 406 when the request's `Accept` matches none of the documented media types;
- 415 when the request's `Content-Type` is not a documented request media type (the \
  `wrong-content-type` negative cases);
- for negative cases, 404 when the broken value is a path parameter (routing may refuse it \
  before validation does), and 413, 414 and 431 (size limits).
A 404 for a generated id *is* reported when the operation documents no 404 (nor `4XX` or \
`default`): the spec should say what an unknown resource gets. An undocumented 400 or 422 in \
answer to a negative case is reported too: the server refused \
correctly, but the spec should say how invalid requests are refused. Rate limits (429, 503 \
with `Retry-After`) and probe requests are never judged here.

## Example
`GET /sager/{sagId}` documents `200` and `404`; the server answered `400` to a malformed id.

## How to fix
Document the status (with its body and headers) on the operation, or with a `4XX`/`default` \
entry that describes the error format shared by all error statuses. If the server should not \
give this status, fix the server.
",
    default_enabled: true,
    judge,
    judge_chain: None,
};

fn judge(ctx: &CheckContext<'_>, ex: &Exchange) -> Vec<Finding> {
    let Some(r) = judged_response(ex) else {
        return Vec::new();
    };
    if response_for(ctx.op, r.status).is_some() || protocol_status(ctx, ex, r.status) {
        return Vec::new();
    }
    vec![
        Finding::new(
            CHECK.id,
            format!(
                "status {} from {} is not documented (documented: {})",
                r.status,
                label(ctx.op),
                documented_statuses(ctx.op)
            ),
        )
        .detail(excerpt(&r.body, 500))
        .at(ctx.op.loc.child("responses")),
    ]
}

/// Whether HTTP itself calls for this status here, documented or not.
fn protocol_status(ctx: &CheckContext<'_>, ex: &Exchange, status: u16) -> bool {
    let op = ctx.op;
    let violation = ex
        .case
        .violation
        .as_ref()
        .filter(|_| ex.case.phase == Phase::Negative);
    match status {
        401 | 403 => !op.security.is_empty(),
        406 => ex.request.header("accept").is_some_and(|accept| {
            let documented: Vec<Media> = op
                .responses
                .iter()
                .flat_map(|r| &r.content)
                .filter_map(|m| Media::parse(&m.name))
                .collect();
            let wanted = accept.split(',').filter_map(Media::parse).map(|mut m| {
                m.params.retain(|(name, _)| name != "q");
                m
            });
            !wanted.collect::<Vec<_>>().iter().any(|wanted| {
                documented
                    .iter()
                    .any(|d| wanted.covers(d) || d.covers(wanted))
            })
        }),
        415 => {
            violation.is_some_and(|v| v.constraint == Constraint::WrongContentType)
                || ex.request.header("content-type").is_some_and(|ct| {
                    let Some(sent) = Media::parse(ct) else {
                        return true;
                    };
                    !op.request_body.as_ref().is_some_and(|b| {
                        b.content
                            .iter()
                            .filter_map(|m| Media::parse(&m.name))
                            .any(|d| d.covers(&sent))
                    })
                })
        }
        404 => violation.is_some_and(|v| v.location.starts_with("path ")),
        413 | 414 | 431 => violation.is_some(),
        _ => false,
    }
}
