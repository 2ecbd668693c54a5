//! `invalid-json`: a `.json` file that only parses as YAML.

use crate::lint::rule::{Context, Finding, Rule, Severity};
use crate::spec::ProblemKind;

pub static RULE: Rule = Rule {
    id: "invalid-json",
    severity: Severity::Warning,
    summary: "a `.json` file that is not valid JSON (kontrakt read it as YAML)",
    why: "Strict JSON parsers (most code generators, browsers, `jq`) reject the file, so other tools will not see what kontrakt sees.",
    example: "A trailing comma: `{\"a\": 1,}`.",
    fix: "Remove trailing commas and comments, or rename the file `.yaml`.",
    check,
};

fn check(ctx: &Context) -> Vec<Finding> {
    ctx.spec
        .problems
        .iter()
        .filter(|p| p.kind == ProblemKind::InvalidJson)
        .map(|p| ctx.report_at(&RULE, p.position.clone(), p.message.clone()))
        .collect()
}
