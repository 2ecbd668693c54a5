//! `no-success-response`: an operation that documents no 2xx or 3xx response.

use serde_json::Value;

use crate::lint::rule::{Context, Finding, Rule, Severity};
use crate::spec::model::StatusSpec;

pub static RULE: Rule = Rule {
    id: "no-success-response",
    severity: Severity::Error,
    summary: "an operation with no 2xx, 3xx or 101 response (a `default` alone does not say what success looks like)",
    why: "Clients, mocks and conformance tests need to know what a successful call returns; with only error responses (or only `default`) every success is undocumented.",
    example: "`responses: {default: {$ref: '#/components/responses/genericErrorResponse'}}`.",
    fix: "Add the success status (`200`, `201`, `204`, a `2XX` range, or `101` for an upgrade) with its body.",
    check,
};

fn check(ctx: &Context) -> Vec<Finding> {
    ctx.model
        .operations
        .iter()
        .filter(|op| {
            // The status keys as written: a success response whose `$ref` is broken is still
            // documented (and reported by `unresolved-ref`), so it must not fire here too.
            let written = match ctx.spec.get(&op.loc.child("responses")) {
                Some(Value::Object(map)) => map
                    .keys()
                    .filter_map(|k| StatusSpec::parse(k))
                    .any(StatusSpec::is_success),
                _ => false,
            };
            !written
        })
        .map(|op| {
            let at = op.loc.child("responses");
            let loc = if ctx.spec.get(&at).is_some() {
                at
            } else {
                op.loc.clone()
            };
            ctx.report(
                &RULE,
                &loc,
                format!("{} documents no 2xx or 3xx response", op.key()),
            )
        })
        .collect()
}
