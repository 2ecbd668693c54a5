//! Templates: strings in a step's parameters, body and expectations that mix literals with
//! `{{...}}` expressions — generated values, captures from earlier steps and declared files.
//!
//! A string that is exactly one expression takes the expression's value with its JSON type
//! (`{{steps.opret.status}}` is a number); otherwise the pieces are joined as text.

use serde_json::Value;

use crate::spec::pointer;

/// One `{{...}}` expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// `{{gen}}`: a value from the schema at this place; `{{gen.cpr}}`: a typed generator.
    Gen(Option<String>),
    /// `{{steps.NAME.status}}`, `{{steps.NAME.body.a.0.b}}`, `{{steps.NAME.headers.Location}}`.
    Step { step: String, part: Part },
    /// `{{files.NAME.size}}`, `{{files.NAME.sha256}}` (hex), `{{files.NAME.sha256b64}}`.
    File { file: String, field: String },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    Status,
    /// A JSON pointer into the response body (`` = the whole body).
    Body(String),
    Header(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    Text(String),
    Expr(Expr),
}

/// The typed generators `{{gen.NAME}}` knows (the string formats of `generate::format`).
pub const GENERATORS: &[&str] = &[
    "cpr",
    "cvr",
    "uuid",
    "date",
    "date-time",
    "time",
    "email",
    "uri",
    "hostname",
    "ipv4",
    "ipv6",
    "duration",
];

/// Splits a string into text and expressions; `Err` says what is wrong with which expression.
pub fn parse(s: &str) -> Result<Vec<Piece>, String> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(start) = rest.find("{{") {
        if start > 0 {
            out.push(Piece::Text(rest[..start].to_string()));
        }
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            return Err(format!("`{{{{` without a closing `}}}}` in `{s}`"));
        };
        out.push(Piece::Expr(expr(after[..end].trim())?));
        rest = &after[end + 2..];
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest.to_string()));
    }
    Ok(out)
}

fn expr(e: &str) -> Result<Expr, String> {
    let parts: Vec<&str> = e.split('.').collect();
    match parts.as_slice() {
        ["gen"] => Ok(Expr::Gen(None)),
        ["gen", rest @ ..] => {
            let name = rest.join(".");
            if GENERATORS.contains(&name.as_str()) {
                Ok(Expr::Gen(Some(name)))
            } else {
                Err(format!(
                    "unknown generator `gen.{name}`: expected `gen` or one of {}",
                    GENERATORS
                        .iter()
                        .map(|g| format!("gen.{g}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            }
        }
        ["steps", step, "status"] => Ok(Expr::Step {
            step: step.to_string(),
            part: Part::Status,
        }),
        ["steps", step, "body", rest @ ..] => {
            let mut ptr = String::new();
            for t in rest {
                ptr = pointer::push(&ptr, t);
            }
            Ok(Expr::Step {
                step: step.to_string(),
                part: Part::Body(ptr),
            })
        }
        ["steps", step, "headers", name] => Ok(Expr::Step {
            step: step.to_string(),
            part: Part::Header(name.to_string()),
        }),
        [
            "files",
            file,
            field @ ("size" | "sha256" | "sha256b64" | "mediaType"),
        ] => Ok(Expr::File {
            file: file.to_string(),
            field: field.to_string(),
        }),
        _ => Err(format!(
            "cannot read `{{{{{e}}}}}`: expected `gen`, `gen.TYPE`, `steps.STEP.status`, \
             `steps.STEP.body.FIELD...`, `steps.STEP.headers.NAME` or `files.FILE.size|sha256|sha256b64`"
        )),
    }
}

/// Every expression in a template value, with the JSON pointer (inside the value) of the
/// string holding it.
pub fn expressions(v: &Value) -> Result<Vec<(String, Expr)>, (String, String)> {
    let mut out = Vec::new();
    walk(v, "", &mut out)?;
    Ok(out)
}

fn walk(v: &Value, at: &str, out: &mut Vec<(String, Expr)>) -> Result<(), (String, String)> {
    match v {
        Value::String(s) => {
            for p in parse(s).map_err(|e| (at.to_string(), e))? {
                if let Piece::Expr(e) = p {
                    out.push((at.to_string(), e));
                }
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                walk(x, &pointer::push_index(at, i), out)?;
            }
        }
        Value::Object(m) => {
            for (k, x) in m {
                walk(x, &pointer::push(at, k), out)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Whether the value holds no expression at all (a literal, type-checked before the run).
pub fn is_literal(v: &Value) -> bool {
    match v {
        Value::String(s) => !s.contains("{{"),
        Value::Array(a) => a.iter().all(is_literal),
        Value::Object(m) => m.values().all(is_literal),
        _ => true,
    }
}

/// Expands a template value; `eval` gives each expression's value, given the pointer of the
/// string it is in.
pub fn expand(
    v: &Value,
    at: &str,
    eval: &mut dyn FnMut(&Expr, &str) -> Result<Value, String>,
) -> Result<Value, String> {
    Ok(match v {
        Value::String(s) => {
            let pieces = parse(s)?;
            match pieces.as_slice() {
                [Piece::Expr(e)] => eval(e, at)?,
                _ => {
                    let mut text = String::new();
                    for p in &pieces {
                        match p {
                            Piece::Text(t) => text.push_str(t),
                            Piece::Expr(e) => match eval(e, at)? {
                                Value::String(s) => text.push_str(&s),
                                other => text.push_str(&other.to_string()),
                            },
                        }
                    }
                    Value::String(text)
                }
            }
        }
        Value::Array(a) => Value::Array(
            a.iter()
                .enumerate()
                .map(|(i, x)| expand(x, &pointer::push_index(at, i), eval))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(m) => {
            let mut out = serde_json::Map::new();
            for (k, x) in m {
                out.insert(k.clone(), expand(x, &pointer::push(at, k), eval)?);
            }
            Value::Object(out)
        }
        other => other.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_expressions() {
        assert_eq!(
            parse("x-{{ steps.opret.body.a.0 }}").unwrap(),
            vec![
                Piece::Text("x-".into()),
                Piece::Expr(Expr::Step {
                    step: "opret".into(),
                    part: Part::Body("/a/0".into())
                })
            ]
        );
        assert!(
            parse("{{gen.nope}}")
                .unwrap_err()
                .contains("unknown generator")
        );
        assert!(parse("{{steps.a}}").is_err());
        assert!(parse("{{gen").is_err());
    }

    #[test]
    fn whole_expressions_keep_their_type() {
        let mut eval = |_: &Expr, _: &str| Ok(json!(201));
        assert_eq!(
            expand(
                &json!({"a": "{{steps.x.status}}", "b": "s{{steps.x.status}}"}),
                "",
                &mut eval
            )
            .unwrap(),
            json!({"a": 201, "b": "s201"})
        );
    }
}
