//! `not-a-server-error`: a 5xx answer, or no answer at all.

use crate::check::matching::{excerpt, label, rate_limited};
use crate::check::{Check, CheckContext, Finding};
use crate::exchange::{Exchange, Outcome};
use crate::generate::case::Phase;

pub static CHECK: Check = Check {
    id: "not-a-server-error",
    title: "The server answers without a 5xx status or a dropped connection",
    doc: "\
## What it detects
A response with a 5xx status, or no response at all: the connection was refused, reset or \
timed out, or the TLS handshake failed after the request was sent.

## Why it matters
Whatever a client sends, the server must answer it: a valid request with its result, an \
invalid one with a 4xx that says what is wrong. A 5xx means the request reached code that \
failed (an unhandled exception, a crashed dependency); clients can only retry and hope.

A 503 with `Retry-After` and a 429 are rate limits, not failures: they are waited out by the \
runner and never reported. Probe requests (no credentials, an undeclared method) are judged by \
`auth-enforced` and `unsupported-method`, which report their 5xx themselves.

## Example
`POST /sager` with `{\"navn\": \"\"}` answered `500 Internal Server Error` (the empty name \
reached a database constraint instead of being refused with 400).

## How to fix
Validate the request before acting on it and answer 4xx for what the client got wrong; catch \
failures of dependencies and answer 503 with `Retry-After` when they are temporary.
",
    default_enabled: true,
    judge,
    judge_chain: None,
};

fn judge(ctx: &CheckContext<'_>, ex: &Exchange) -> Vec<Finding> {
    if ex.case.phase == Phase::Probe {
        return Vec::new();
    }
    match &ex.outcome {
        Outcome::Transport(cause) => vec![
            Finding::new(
                CHECK.id,
                format!("no response from {}: {cause}", label(ctx.op)),
            )
            .at(ctx.op.loc.clone()),
        ],
        Outcome::Response(r) if r.status >= 500 && !rate_limited(r) => vec![
            Finding::new(
                CHECK.id,
                format!("status {} from {}", r.status, label(ctx.op)),
            )
            .detail(excerpt(&r.body, 500))
            .at(ctx.op.loc.clone()),
        ],
        Outcome::Response(_) => Vec::new(),
    }
}
