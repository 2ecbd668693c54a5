//! `duplicate-operation-id`: two operations share an operationId.

use std::collections::HashMap;

use crate::lint::rule::{Context, Finding, Rule, Severity};

pub static RULE: Rule = Rule {
    id: "duplicate-operation-id",
    severity: Severity::Error,
    summary: "two operations with the same `operationId`",
    why: "The OpenAPI specification requires operationIds to be unique: links, code generators, test selection and reports name operations by them, and a duplicate makes one of the operations unreachable.",
    example: "`getKrav` on both `GET /krav/{id}` and `GET /sager/{sagId}/krav/{id}`.",
    fix: "Give each operation its own id; rename the newer one, since clients may already use the older.",
    check,
};

fn check(ctx: &Context) -> Vec<Finding> {
    let mut first: HashMap<&str, &crate::spec::Operation> = HashMap::new();
    let mut out = Vec::new();
    for op in &ctx.model.operations {
        let Some(id) = op.operation_id.as_deref() else {
            continue;
        };
        match first.get(id) {
            None => {
                first.insert(id, op);
            }
            Some(prev) => {
                let at = ctx.spec.position(&prev.loc.child("operationId"));
                out.push(ctx.report_value(
                    &RULE,
                    &op.loc.child("operationId"),
                    format!(
                        "operationId `{id}` of {} is already used by {} (line {})",
                        op.key(),
                        prev.key(),
                        at.line
                    ),
                ));
            }
        }
    }
    out
}
