//! `undefined-security-scheme`: a security requirement naming a scheme that is not defined.

use serde_json::Value;

use crate::lint::rule::{Context, Finding, Rule, Severity};
use crate::spec::Loc;

pub static RULE: Rule = Rule {
    id: "undefined-security-scheme",
    severity: Severity::Error,
    summary: "a security requirement names a scheme missing from `components.securitySchemes`",
    why: "Clients cannot know how to authenticate, and a mock or test cannot emulate it; most tools then treat the operation as unauthenticated.",
    example: "`security: [{oauth: []}]` when the scheme is defined as `oauth2`.",
    fix: "Use the scheme's exact name from `components.securitySchemes`, or define the scheme.",
    check,
};

fn check(ctx: &Context) -> Vec<Finding> {
    let defined = ctx
        .spec
        .root()
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object);
    let mut requirement_lists = vec![Loc::new(0, "/security")];
    requirement_lists.extend(
        ctx.model
            .operations
            .iter()
            .map(|op| op.loc.child("security")),
    );
    let mut out = Vec::new();
    for list in requirement_lists {
        let Some(Value::Array(items)) = ctx.spec.get(&list) else {
            continue;
        };
        for (i, req) in items.iter().enumerate() {
            let Some(req) = req.as_object() else { continue };
            for name in req.keys() {
                if !defined.is_some_and(|d| d.contains_key(name)) {
                    out.push(ctx.report(
                        &RULE,
                        &list.index(i).child(name),
                        format!(
                            "security scheme `{name}` is not defined in components.securitySchemes"
                        ),
                    ));
                }
            }
        }
    }
    out
}
