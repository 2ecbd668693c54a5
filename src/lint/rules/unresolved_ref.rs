//! `unresolved-ref`: a `$ref` that points nowhere.

use crate::lint::rule::{Context, Finding, Rule, Severity};
use crate::spec::ProblemKind;

pub static RULE: Rule = Rule {
    id: "unresolved-ref",
    severity: Severity::Error,
    summary: "a `$ref` whose file or JSON pointer does not exist, or whose file cannot be parsed",
    why: "Every tool that reads the spec fails or silently drops the referenced part: a client generator omits the type, a validator accepts anything.",
    example: "`$ref: '../common/common.yaml#/components/schemas/Adresse'` when the schema is called `Address`.",
    fix: "Fix the path or pointer; pointers escape `/` as `~1` and `~` as `~0`.",
    check,
};

fn check(ctx: &Context) -> Vec<Finding> {
    ctx.spec
        .problems
        .iter()
        .filter(|p| p.kind == ProblemKind::UnresolvedRef)
        .map(|p| {
            ctx.report_at(
                &RULE,
                p.position.clone(),
                format!("unresolved reference {}", p.message),
            )
        })
        .collect()
}
