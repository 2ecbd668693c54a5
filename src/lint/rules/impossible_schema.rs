//! `impossible-schema`: a schema no value can satisfy.

use serde_json::Value;

use crate::lint::rule::{Context, Finding, Rule, Severity};
use crate::spec::Loc;
use crate::spec::normalize::is_30;

pub static RULE: Rule = Rule {
    id: "impossible-schema",
    severity: Severity::Error,
    summary: "a schema that can never validate (contradictory bounds, empty enum, forbidden required property)",
    why: "No request or response can ever conform, so every test of the operation fails and generated clients reject everything.",
    example: "`minimum: 10, maximum: 1`; `minLength: 5, maxLength: 3`; `enum: []`; `type: integer` with `enum: [\"A\"]`; `required: [navn]` with `additionalProperties: false` and no `navn` property.",
    fix: "Usually a typo: swap the bounds, fix the property name, or drop the contradiction.",
    check,
};

fn num(map: &serde_json::Map<String, Value>, key: &str) -> Option<f64> {
    map.get(key).and_then(Value::as_f64)
}

fn check(ctx: &Context) -> Vec<Finding> {
    let mut out = Vec::new();
    for loc in ctx.schemas() {
        let Some(Value::Object(map)) = ctx.spec.get(loc) else {
            continue;
        };
        // In 3.0 a `$ref` hides its siblings: they never constrain anything.
        if map.contains_key("$ref") && is_30(ctx.spec, loc.file) {
            continue;
        }
        let mut say = |key: &str, message: String| {
            out.push(ctx.report(&RULE, &loc.child(key), message));
        };
        for (lo, hi) in [
            ("minLength", "maxLength"),
            ("minItems", "maxItems"),
            ("minProperties", "maxProperties"),
            ("minContains", "maxContains"),
        ] {
            if let (Some(a), Some(b)) = (num(map, lo), num(map, hi))
                && a > b
            {
                say(lo, format!("`{lo}` ({a}) is greater than `{hi}` ({b})"));
            }
        }
        // Numeric bounds, with 3.0's boolean and 3.1's numeric exclusive forms.
        let old_style = is_30(ctx.spec, loc.file);
        let mut lower: Option<(f64, bool, &str)> = num(map, "minimum").map(|m| {
            let exclusive = old_style && map.get("exclusiveMinimum") == Some(&Value::Bool(true));
            (m, exclusive, "minimum")
        });
        if let Some(e) = num(map, "exclusiveMinimum")
            && lower.is_none_or(|(m, _, _)| e >= m)
        {
            lower = Some((e, true, "exclusiveMinimum"));
        }
        let mut upper: Option<(f64, bool, &str)> = num(map, "maximum").map(|m| {
            let exclusive = old_style && map.get("exclusiveMaximum") == Some(&Value::Bool(true));
            (m, exclusive, "maximum")
        });
        if let Some(e) = num(map, "exclusiveMaximum")
            && upper.is_none_or(|(m, _, _)| e <= m)
        {
            upper = Some((e, true, "exclusiveMaximum"));
        }
        if let (Some((lo, lo_ex, lo_key)), Some((hi, hi_ex, hi_key))) = (lower, upper)
            && (lo > hi || (lo == hi && (lo_ex || hi_ex)))
        {
            say(
                lo_key,
                format!("no number satisfies `{lo_key}` {lo} and `{hi_key}` {hi}"),
            );
        }
        if let Some(Value::Array(values)) = map.get("enum") {
            if values.is_empty() {
                say(
                    "enum",
                    "`enum` is empty, so no value is allowed".to_string(),
                );
            } else if let Some(types) = declared_types(map, old_style)
                && !values.iter().any(|v| types.iter().any(|t| has_type(v, t)))
            {
                say(
                    "enum",
                    format!(
                        "no `enum` value has the declared type ({})",
                        types.join(", ")
                    ),
                );
            }
        }
        if let Some(c) = map.get("const")
            && let Some(types) = declared_types(map, old_style)
            && !types.iter().any(|t| has_type(c, t))
        {
            say(
                "const",
                format!(
                    "`const` does not have the declared type ({})",
                    types.join(", ")
                ),
            );
        }
        forbidden_required(ctx, loc, map, &mut out);
    }
    out
}

fn declared_types(map: &serde_json::Map<String, Value>, old_style: bool) -> Option<Vec<String>> {
    let mut types: Vec<String> = match map.get("type")? {
        Value::String(t) => vec![t.clone()],
        Value::Array(ts) => ts
            .iter()
            .filter_map(|t| t.as_str().map(str::to_string))
            .collect(),
        _ => return None,
    };
    if old_style && map.get("nullable") == Some(&Value::Bool(true)) {
        types.push("null".into());
    }
    Some(types)
}

fn has_type(v: &Value, t: &str) -> bool {
    match t {
        "string" => v.is_string(),
        "integer" => v.as_f64().is_some_and(|f| f.fract() == 0.0),
        "number" => v.is_number(),
        "boolean" => v.is_boolean(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        "null" => v.is_null(),
        _ => true,
    }
}

/// `required` naming a property that `additionalProperties: false` forbids in the same schema.
fn forbidden_required(
    ctx: &Context,
    loc: &Loc,
    map: &serde_json::Map<String, Value>,
    out: &mut Vec<Finding>,
) {
    if map.get("additionalProperties") != Some(&Value::Bool(false))
        || map.contains_key("patternProperties")
    {
        return;
    }
    let Some(Value::Array(required)) = map.get("required") else {
        return;
    };
    let properties = map.get("properties").and_then(Value::as_object);
    for (i, name) in required.iter().enumerate() {
        let Some(name) = name.as_str() else { continue };
        if !properties.is_some_and(|p| p.contains_key(name)) {
            out.push(ctx.report_value(
                &RULE,
                &loc.child("required").index(i),
                format!(
                    "`{name}` is required, but `additionalProperties: false` forbids it (it is not in `properties`)"
                ),
            ));
        }
    }
}
