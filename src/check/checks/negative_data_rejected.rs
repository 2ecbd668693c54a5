//! `negative-data-rejected`: a request that breaks the spec is refused.

use crate::check::matching::{label, rate_limited};
use crate::check::{Check, CheckContext, Finding};
use crate::exchange::Exchange;
use crate::generate::case::{Constraint, Phase};

pub static CHECK: Check = Check {
    id: "negative-data-rejected",
    title: "A request that breaks one constraint of the spec is refused",
    doc: "\
## What it detects
A negative case (a valid request with exactly one constraint broken: a wrong type, a value out \
of range, a string too long, a required field missing, malformed JSON, a wrong content type) \
that the server accepted with a 2xx or 3xx status. The finding names the broken constraint and \
where it was.

Any 4xx counts as refusing (which 4xx is `status-code-documented`'s concern), and a 5xx is \
`not-a-server-error`'s. An extra query, header or cookie parameter is not expected to be \
refused: servers ignore parameters they do not know, by long custom and for forward \
compatibility, so such cases are never reported. Rate limits are not judged.

## Why it matters
Whatever the server accepts, some client will come to depend on, and what slips through \
validation reaches storage and other systems: a name too long for the register it is copied to, \
a date in the wrong format. The published constraints are only worth something if they are \
enforced.

## Example
`POST /sager` documents `navn` with `maxLength: 40`; a 41-character `navn` was answered \
`201 Created`.

## How to fix
Validate requests against the same constraints the spec publishes, and answer 400 (or 422) \
naming what is wrong. If the server is right to accept the value, relax the spec: clients \
rely on the documented limits.
",
    default_enabled: true,
    judge,
    judge_chain: None,
};

fn judge(ctx: &CheckContext<'_>, ex: &Exchange) -> Vec<Finding> {
    if ex.case.phase != Phase::Negative {
        return Vec::new();
    }
    let Some(r) = ex.response() else {
        return Vec::new();
    };
    if rate_limited(r) || !(200..400).contains(&r.status) {
        return Vec::new();
    }
    let what = match &ex.case.violation {
        Some(v) => {
            let ignorable_extra = v.constraint == Constraint::ExtraProperty
                && ["query ", "header ", "cookie "]
                    .iter()
                    .any(|p| v.location.starts_with(p));
            if ignorable_extra {
                return Vec::new();
            }
            if v.detail.is_empty() {
                format!(": {} at {}", v.constraint.id(), v.location)
            } else {
                format!(": {} at {} ({})", v.constraint.id(), v.location, v.detail)
            }
        }
        None => String::new(),
    };
    vec![
        Finding::new(
            CHECK.id,
            format!(
                "invalid request to {} accepted with status {}{what}",
                label(ctx.op),
                r.status
            ),
        )
        .at(ctx.op.loc.clone()),
    ]
}
