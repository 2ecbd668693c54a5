//! `response-time`: responses arrive within the limit set with `--max-response-time`.

use std::time::Duration;

use crate::check::matching::label;
use crate::check::{Check, CheckContext, Finding};
use crate::exchange::Exchange;

pub static CHECK: Check = Check {
    id: "response-time",
    title: "Responses arrive within the configured time limit",
    doc: "\
## What it detects
A response that took longer than the limit given with `--max-response-time`, measured from \
sending the request to the end of the body. Off unless a limit is set (and not part of \
`--checks default`): what is slow depends on the service and the environment, which the spec \
does not say.

## Why it matters
Clients set timeouts, and agreements set response times; a slow operation times out in \
clients long before anyone notices it on the server.

## Example
With `--max-response-time 500ms`, `GET /sager?size=100` took 2.3 s.

## How to fix
Profile the operation (a missing index, an unbounded page size, a slow dependency), or agree \
on a higher limit for it.
",
    default_enabled: false,
    judge,
    judge_chain: None,
};

fn judge(ctx: &CheckContext<'_>, ex: &Exchange) -> Vec<Finding> {
    let (Some(limit), Some(r)) = (ctx.options.max_response_time, ex.response()) else {
        return Vec::new();
    };
    if r.elapsed <= limit {
        return Vec::new();
    }
    vec![Finding::new(
        CHECK.id,
        format!(
            "response from {} took {}, over the {} limit",
            label(ctx.op),
            show(r.elapsed),
            show(limit)
        ),
    )]
}

/// `850 ms`, `2.300 s`.
fn show(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else {
        format!("{:.3} s", d.as_secs_f64())
    }
}
