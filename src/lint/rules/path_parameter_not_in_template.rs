//! `path-parameter-not-in-template`: an `in: path` parameter the path template does not contain.

use crate::lint::rule::{Context, Finding, Rule, Severity};
use crate::spec::model::{ParamIn, template_params};

pub static RULE: Rule = Rule {
    id: "path-parameter-not-in-template",
    severity: Severity::Error,
    summary: "an `in: path` parameter whose name does not appear in the path template",
    why: "A path parameter must match a `{name}` segment; one that does not can never be sent, and usually means the template and the parameter were renamed apart.",
    example: "Parameter `sagsId` on `/sager/{sagId}`.",
    fix: "Rename one to match, or remove the parameter.",
    check,
};

fn check(ctx: &Context) -> Vec<Finding> {
    let mut out = Vec::new();
    // A parameter shared by a path's operations (path-level, or one component used by several)
    // is reported once per path, naming the path rather than each method.
    let mut seen = std::collections::HashSet::new();
    for op in ctx.model.operations.iter().filter(|o| o.webhook.is_none()) {
        let names = template_params(&op.path);
        for p in op.parameters.iter().filter(|p| p.location == ParamIn::Path) {
            if !names.contains(&p.name.as_str()) && seen.insert((p.loc.clone(), op.path.clone())) {
                out.push(ctx.report(
                    &RULE,
                    &p.loc.child("name"),
                    format!(
                        "{}: path parameter `{}` does not appear in the path template",
                        op.path, p.name
                    ),
                ));
            }
        }
    }
    out
}
