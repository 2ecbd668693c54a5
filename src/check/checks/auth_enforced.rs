//! `auth-enforced`: a secured operation refuses missing and invalid credentials.

use crate::check::matching::{label, rate_limited};
use crate::check::{Check, CheckContext, Finding};
use crate::exchange::Exchange;
use crate::generate::case::Probe;

pub static CHECK: Check = Check {
    id: "auth-enforced",
    title: "A secured operation refuses requests without credentials or with invalid ones",
    doc: "\
## What it detects
A probe request to an operation with a security requirement, sent with no credentials at all \
or with credentials the server cannot have issued, that was answered with anything other than \
401 Unauthorized or 403 Forbidden.

An operation whose requirements include the empty one (`security: [{}, …]`) has optional \
authentication and is not judged. A 404 from an operation with path parameters is not \
reported: the probe's generated id need not exist, and a server that routes before it \
authenticates refuses it without revealing anything. A probe that got no response is not \
reported here (`not-a-server-error` judges transport failures of ordinary requests); rate \
limits are not judged.

## Why it matters
A secured operation that answers without credentials exposes its data (or its actions) to \
anyone who can reach it; one that accepts invented credentials has no authentication at all. \
This is the first thing a security review of an API asks, and the spec's `security` is the \
promise clients and auditors rely on.

## Example
`GET /doedsboer/{id}` requires `oauth2`; the request without an `Authorization` header was \
answered `200 OK` with the estate's data (the gateway route lost its token filter).

## How to fix
Enforce the documented security on every route: answer 401 with `WWW-Authenticate` when \
credentials are missing or invalid, 403 when they are valid but do not allow the operation. \
If the operation is meant to be public, say so in the spec (`security: []`).
",
    default_enabled: true,
    judge,
    judge_chain: None,
};

fn judge(ctx: &CheckContext<'_>, ex: &Exchange) -> Vec<Finding> {
    let without = match &ex.case.probe {
        Some(Probe::NoCredentials) => "without credentials",
        Some(Probe::InvalidCredentials) => "with invalid credentials",
        _ => return Vec::new(),
    };
    let op = ctx.op;
    let optional = op.security.iter().any(|req| req.schemes.is_empty());
    if op.security.is_empty() || optional {
        return Vec::new();
    }
    let Some(r) = ex.response() else {
        return Vec::new();
    };
    if rate_limited(r)
        || matches!(r.status, 401 | 403)
        || (r.status == 404 && op.path.contains('{'))
    {
        return Vec::new();
    }
    vec![
        Finding::new(
            CHECK.id,
            format!(
                "request {without} to {} answered {}, expected 401 or 403",
                label(op),
                r.status
            ),
        )
        .at(op.security[0].loc.clone()),
    ]
}
