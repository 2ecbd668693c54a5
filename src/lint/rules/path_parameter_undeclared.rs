//! `path-parameter-undeclared`: a `{name}` in a path template with no `in: path` parameter.

use crate::lint::rule::{Context, Finding, Rule, Severity};
use crate::spec::model::{ParamIn, template_params};

pub static RULE: Rule = Rule {
    id: "path-parameter-undeclared",
    severity: Severity::Error,
    summary: "a `{name}` in a path template that no `in: path` parameter declares",
    why: "Without a declaration there is no schema for the segment, so clients cannot build the URL and tests cannot generate it.",
    example: "`/sager/{sagId}/krav` where the operation declares `id` instead of `sagId`.",
    fix: "Declare a required `in: path` parameter with exactly the template's name, at path or operation level.",
    check,
};

fn check(ctx: &Context) -> Vec<Finding> {
    let mut out = Vec::new();
    for op in ctx.model.operations.iter().filter(|o| o.webhook.is_none()) {
        // An unresolvable parameter ref may be the declaration; that is unresolved-ref's finding.
        let item = op.loc.ptr.rsplit_once('/').map_or("", |(p, _)| p);
        let lists = [
            format!("{item}/parameters/"),
            format!("{}/parameters/", op.loc.ptr),
        ];
        let broken = ctx.model.problems.iter().any(|p| {
            p.at.file == op.loc.file && lists.iter().any(|l| p.at.ptr.starts_with(l.as_str()))
        });
        if broken {
            continue;
        }
        for name in template_params(&op.path) {
            let declared = op
                .parameters
                .iter()
                .any(|p| p.location == ParamIn::Path && p.name == name);
            if !declared {
                out.push(ctx.report(
                    &RULE,
                    &op.loc,
                    format!(
                        "{}: path parameter `{{{name}}}` is not declared as an `in: path` parameter",
                        op.key()
                    ),
                ));
            }
        }
    }
    out
}
