//! `ref-cycle`: references that lead back to themselves without a schema in between.

use crate::lint::rule::{Context, Finding, Rule, Severity};
use crate::spec::{ProblemKind, RefError};

pub static RULE: Rule = Rule {
    id: "ref-cycle",
    severity: Severity::Error,
    summary: "a chain of `$ref`s that returns to its start, or a non-schema object that contains itself",
    why: "Recursive schemas are fine (a tree node whose children are tree nodes), but a reference that only leads to another reference and back, or a response or path item that contains itself, describes nothing and makes dereferencing tools loop.",
    example: "`components.parameters.A: {$ref: '#/components/parameters/B'}` with B pointing back to A.",
    fix: "Point one of them at a real definition.",
    check,
};

fn check(ctx: &Context) -> Vec<Finding> {
    let mut out: Vec<Finding> = ctx
        .spec
        .problems
        .iter()
        .filter(|p| p.kind == ProblemKind::RefCycle)
        .map(|p| {
            ctx.report_at(
                &RULE,
                p.position.clone(),
                format!("reference cycle: {}", p.message),
            )
        })
        .collect();
    for p in &ctx.model.problems {
        if let RefError::Cycle { reference } = &p.error {
            out.push(ctx.report(
                &RULE,
                &p.at,
                format!("reference cycle: `{reference}` contains the object that refers to it"),
            ));
        }
    }
    out
}
