//! `unsupported-method`: a method the path does not declare is answered 405 with `Allow`.

use crate::check::matching::rate_limited;
use crate::check::{Check, CheckContext, Finding};
use crate::exchange::Exchange;
use crate::generate::case::Probe;

pub static CHECK: Check = Check {
    id: "unsupported-method",
    title: "A method the path does not declare is refused with 405 and an Allow header",
    doc: "\
## What it detects
A probe request with a method the path does not declare that was accepted (2xx or 3xx), \
crashed the server (5xx), got no response, or was refused with a status that misstates the \
reason; and a 405 without the `Allow` header RFC 9110 §15.5.6 requires.

Not reported: 404 (the probe's path parameters are generated, and many servers route before \
they dispatch on the method, so an unknown resource is a fair answer — Schemathesis accepts \
only 405, and its users report exactly this as a false alarm); 501 Not Implemented (the server \
does not know the method at all, which RFC 9110 allows); 401 and 403 from a secured path \
(authentication runs before method dispatch); `OPTIONS` answered 2xx (CORS preflight and \
framework defaults); `HEAD` answered 2xx where `GET` is declared (HTTP requires HEAD wherever \
GET works); rate limits.

## Why it matters
An undeclared method that does something is an unreviewed entry point (a `DELETE` nobody \
documented, a `PUT` that skips validation); one that crashes the server is a cheap way to \
bring it down. 405 with `Allow` tells clients and tools what the resource supports.

## Example
`/sager/{sagId}` declares `GET` and `PUT`; `DELETE /sager/1` was answered `200 OK` (a \
framework route matched every method), or `500` (the handler assumed a body).

## How to fix
Route methods explicitly and let the framework answer undeclared ones with 405 and \
`Allow: GET, PUT`. If the method is meant to work, document it.
",
    default_enabled: true,
    judge,
    judge_chain: None,
};

fn judge(ctx: &CheckContext<'_>, ex: &Exchange) -> Vec<Finding> {
    let Some(Probe::UndeclaredMethod(method)) = &ex.case.probe else {
        return Vec::new();
    };
    let op = ctx.op;
    let method = method.to_ascii_uppercase();
    let what = format!("undeclared method {method} on {}", op.path);
    let r = match ex.response() {
        Some(r) => r,
        None => {
            let cause = match &ex.outcome {
                crate::exchange::Outcome::Transport(cause) => cause.as_str(),
                crate::exchange::Outcome::Response(_) => "",
            };
            return vec![
                Finding::new(CHECK.id, format!("no response to {what}: {cause}"))
                    .at(op.loc.clone()),
            ];
        }
    };
    let success = (200..300).contains(&r.status);
    let declares_get = ctx
        .model
        .operations
        .iter()
        .any(|o| o.path == op.path && o.method == "GET");
    let lenient = rate_limited(r)
        || matches!(r.status, 404 | 501)
        || (matches!(r.status, 401 | 403) && !op.security.is_empty())
        || (method == "OPTIONS" && success)
        || (method == "HEAD" && success && declares_get);
    if lenient {
        return Vec::new();
    }
    if r.status == 405 {
        if r.header("allow").is_some() {
            return Vec::new();
        }
        return vec![
            Finding::new(CHECK.id, format!("405 for {what} has no Allow header"))
                .at(op.loc.clone()),
        ];
    }
    vec![
        Finding::new(
            CHECK.id,
            format!("{what} answered {}, expected 405", r.status),
        )
        .at(op.loc.clone()),
    ]
}
