//! Where a body assertion looks: a JSON pointer (`/frister/0/dato`) or an RFC 9535 JSONPath
//! (`$.frister[?@.type=='SVAR'].dato`, `$..dokumentId`).
//!
//! A pointer names at most one value; a JSONPath selects a node list, so "the list contains
//! the created id" or "every krav is `TRUKKET`" can be said in one assertion. Both are judged
//! here by the same rules (see `suites/README.md`): `exists` wants at least one node, `absent`
//! none, and a value wants at least one node and every node equal to it. A key is parsed once
//! when the suite is read, so a malformed JSONPath stops the run before any request.

use std::fmt;

use serde_json::Value;
use serde_json_path::JsonPath;

use super::format::Assertion;
use super::template::{self, Expr, Piece};

/// A body assertion's key, parsed.
#[derive(Debug, Clone)]
pub enum Locator {
    /// An RFC 6901 JSON pointer (`` is the whole body).
    Pointer(String),
    /// An RFC 9535 JSONPath query, with the text it was written as.
    Path { text: String, path: JsonPath },
    /// A JSONPath with `{{...}}` expressions (`$[?@.kravId=='{{steps.opret.body.kravId}}']`),
    /// parsed once the step's captures are known ([`Locator::expand`]).
    Template { text: String, pieces: Vec<Piece> },
}

impl Locator {
    /// Reads a key: `$…` is a JSONPath, anything else must be a JSON pointer. The error is what
    /// to tell the suite's author (the JSONPath parser's own message for a bad path).
    pub fn parse(key: &str) -> Result<Self, String> {
        if key.starts_with('$') && key.contains("{{") {
            let pieces = template::parse(key)?;
            // Checked now with stand-ins, so a malformed path stops the run before any request.
            let probe = render(&pieces, &mut |_| Ok(Value::from(0)))?;
            JsonPath::parse(&probe).map_err(|e| format!("invalid JSONPath `{key}`: {e}"))?;
            return Ok(Locator::Template {
                text: key.to_string(),
                pieces,
            });
        }
        if key.starts_with('$') {
            return JsonPath::parse(key)
                .map(|path| Locator::Path {
                    text: key.to_string(),
                    path,
                })
                .map_err(|e| format!("invalid JSONPath `{key}`: {e}"));
        }
        if crate::spec::pointer::is_valid(key) {
            Ok(Locator::Pointer(key.to_string()))
        } else {
            Err(
                "expected a JSON pointer such as `/status` or `/0/sagId` (or `` for the whole \
                 body), or a JSONPath such as `$.krav[*].status`"
                    .into(),
            )
        }
    }

    /// The key as written.
    pub fn text(&self) -> &str {
        match self {
            Locator::Pointer(p) => p,
            Locator::Path { text, .. } | Locator::Template { text, .. } => text,
        }
    }

    /// The key with its expressions' values put in (a string inside a quoted JSONPath literal
    /// is escaped for it; elsewhere a value is written as a JSON literal). Keys without
    /// expressions are returned as they are.
    pub fn expand(
        &self,
        eval: &mut dyn FnMut(&Expr) -> Result<Value, String>,
    ) -> Result<Locator, String> {
        let Locator::Template { text, pieces } = self else {
            return Ok(self.clone());
        };
        let expanded = render(pieces, eval)?;
        let path = JsonPath::parse(&expanded).map_err(|e| {
            format!("the JSONPath `{text}` became `{expanded}`, which is not valid: {e}")
        })?;
        Ok(Locator::Path {
            text: expanded,
            path,
        })
    }

    /// The nodes the key selects in `body` (a pointer: none or one).
    pub fn nodes<'v>(&self, body: &'v Value) -> Vec<&'v Value> {
        match self {
            Locator::Pointer(p) => crate::spec::pointer::get(body, p).into_iter().collect(),
            Locator::Path { path, .. } => path.query(body).all(),
            Locator::Template { .. } => Vec::new(),
        }
    }

    /// A JSON pointer that selects exactly what this key selects, for checking the key against
    /// the documented response schema: the pointer itself, or a JSONPath that is a plain chain
    /// of member names and non-negative indices (`$.a.b`, `$['a'][0]`). Other JSONPaths
    /// (wildcards, filters, descendants, slices) are not checked statically.
    pub fn static_pointer(&self) -> Option<String> {
        match self {
            Locator::Pointer(p) => Some(p.clone()),
            Locator::Path { text, .. } => plain_chain(text),
            Locator::Template { .. } => None,
        }
    }
}

impl fmt::Display for Locator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text())
    }
}

/// Joins a templated key: inside a quoted literal a value is written as escaped text,
/// elsewhere as a JSON literal (`'x'`-quoted text stays text, a bare number stays a number).
fn render(
    pieces: &[Piece],
    eval: &mut dyn FnMut(&Expr) -> Result<Value, String>,
) -> Result<String, String> {
    let mut out = String::new();
    let mut quote: Option<char> = None;
    for piece in pieces {
        match piece {
            Piece::Text(t) => {
                let mut escaped = false;
                for c in t.chars() {
                    out.push(c);
                    match quote {
                        Some(_) if escaped => escaped = false,
                        Some(_) if c == '\\' => escaped = true,
                        Some(q) if c == q => quote = None,
                        None if c == '\'' || c == '"' => quote = Some(c),
                        _ => {}
                    }
                }
            }
            Piece::Expr(e) => {
                let v = eval(e)?;
                match quote {
                    Some(q) => {
                        let raw = match &v {
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        };
                        for c in raw.chars() {
                            if c == q || c == '\\' {
                                out.push('\\');
                                out.push(c);
                            } else if u32::from(c) < 0x20 {
                                out.push_str(&format!("\\u{:04x}", u32::from(c)));
                            } else {
                                out.push(c);
                            }
                        }
                    }
                    None => out.push_str(&v.to_string()),
                }
            }
        }
    }
    Ok(out)
}

/// `$.a.b[0]` / `$['a']` → `/a/b/0` / `/a`; `None` for anything else.
fn plain_chain(text: &str) -> Option<String> {
    let mut rest = text.strip_prefix('$')?;
    let mut out = String::new();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let end = r
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(r.len());
            let name = &r[..end];
            if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
                return None;
            }
            out = crate::spec::pointer::push(&out, name);
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']')?;
            let inner = &r[..end];
            if !inner.is_empty()
                && inner.bytes().all(|b| b.is_ascii_digit())
                && (inner == "0" || !inner.starts_with('0'))
            {
                out = crate::spec::pointer::push(&out, inner);
            } else if let Some(name) = inner
                .strip_prefix('\'')
                .and_then(|s| s.strip_suffix('\''))
                .filter(|n| !n.contains(['\'', '\\', '"']))
            {
                out = crate::spec::pointer::push(&out, name);
            } else {
                return None;
            }
            rest = &r[end + 1..];
        } else {
            return None;
        }
    }
    Some(out)
}

/// What is wrong with `body` for one assertion, or `None` when it holds. `eq` is the equality
/// the step uses (a number also equals its text form).
pub fn judge(
    at: &Locator,
    assertion: &Assertion,
    body: &Value,
    eq: fn(&Value, &Value) -> bool,
) -> Option<String> {
    let shown = if at.text().is_empty() {
        "the body"
    } else {
        at.text()
    };
    let nodes = at.nodes(body);
    let path = matches!(at, Locator::Path { .. });
    match assertion {
        Assertion::Exists if nodes.is_empty() => Some(if path {
            format!(
                "expected `{shown}` to select at least one node of the response body, it selects none"
            )
        } else {
            format!("expected `{shown}` in the response body")
        }),
        Assertion::Absent if !nodes.is_empty() => Some(if path {
            format!(
                "expected `{shown}` to select nothing in the response body, it selects {}",
                list(&nodes)
            )
        } else {
            format!(
                "expected no `{shown}` in the response body, found {}",
                nodes[0]
            )
        }),
        Assertion::Equals(want) if nodes.is_empty() => Some(if path {
            format!("expected `{shown}` = {want}, but it selects no node")
        } else {
            format!("expected `{shown}` = {want}, but it is absent")
        }),
        Assertion::Equals(want) => {
            let differ: Vec<&Value> = nodes.iter().copied().filter(|v| !eq(want, v)).collect();
            match differ.as_slice() {
                [] => None,
                [one] if !path => Some(format!("expected `{shown}` = {want}, found {one}")),
                _ => Some(format!(
                    "expected every node of `{shown}` = {want}; {} of {} differ: {}",
                    differ.len(),
                    nodes.len(),
                    list(&differ)
                )),
            }
        }
        _ => None,
    }
}

/// A node list for a message, cut after a few nodes.
fn list(nodes: &[&Value]) -> String {
    const SHOWN: usize = 5;
    let mut parts: Vec<String> = nodes.iter().take(SHOWN).map(|v| v.to_string()).collect();
    if nodes.len() > SHOWN {
        parts.push(format!("… ({} more)", nodes.len() - SHOWN));
    }
    format!("[{}]", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn exact(a: &Value, b: &Value) -> bool {
        a == b
    }

    fn check(key: &str, a: Assertion, body: &Value) -> Option<String> {
        judge(&Locator::parse(key).unwrap(), &a, body, exact)
    }

    fn body() -> Value {
        json!({
            "frister": [
                {"type": "SVAR", "dato": "2026-01-05", "dokumentId": "d1"},
                {"type": "SVAR", "dato": "2026-01-05"},
                {"type": "MOEDE", "dato": "2026-02-01", "bilag": {"dokumentId": "d2"}}
            ],
            "krav": [{"status": "TRUKKET"}, {"status": "TRUKKET"}],
            "tom": []
        })
    }

    #[test]
    fn exists_wants_at_least_one_node_and_absent_none() {
        let b = body();
        assert_eq!(check("$..dokumentId", Assertion::Exists, &b), None);
        assert_eq!(check("$.tom[*]", Assertion::Absent, &b), None);
        let none = check("$.tom[*]", Assertion::Exists, &b).unwrap();
        assert!(none.contains("selects none"), "{none}");
        let some = check("$..dokumentId", Assertion::Absent, &b).unwrap();
        assert!(some.contains(r#"["d1", "d2"]"#), "{some}");
        // A filter that matches nothing.
        assert_eq!(
            check("$.frister[?@.type=='SKIFTE']", Assertion::Absent, &b),
            None
        );
    }

    #[test]
    fn a_value_wants_every_node_equal_and_at_least_one() {
        let b = body();
        let all = Assertion::Equals(json!("TRUKKET"));
        assert_eq!(check("$.krav[*].status", all.clone(), &b), None);
        assert_eq!(
            check(
                "$.frister[?@.type=='SVAR'].dato",
                Assertion::Equals(json!("2026-01-05")),
                &b
            ),
            None
        );
        // One of three differs.
        let why = check(
            "$.frister[*].dato",
            Assertion::Equals(json!("2026-01-05")),
            &b,
        )
        .unwrap();
        assert!(why.contains("1 of 3 differ"), "{why}");
        assert!(why.contains("\"2026-02-01\""), "{why}");
        // No node: not vacuously true.
        let empty = check("$.tom[*].status", all, &b).unwrap();
        assert!(empty.contains("selects no node"), "{empty}");
    }

    #[test]
    fn pointers_keep_their_single_value_semantics() {
        let b = body();
        assert_eq!(
            check("/krav/0/status", Assertion::Equals(json!("TRUKKET")), &b),
            None
        );
        assert_eq!(
            check("/krav/0/status", Assertion::Equals(json!("AKTIV")), &b).unwrap(),
            "expected `/krav/0/status` = \"AKTIV\", found \"TRUKKET\""
        );
        assert_eq!(
            check("/nej", Assertion::Exists, &b).unwrap(),
            "expected `/nej` in the response body"
        );
        assert_eq!(check("", Assertion::Exists, &b), None);
    }

    #[test]
    fn malformed_keys_are_rejected_with_the_parser_message() {
        let why = Locator::parse("$.frister[?@.type=='SVAR'").unwrap_err();
        assert!(
            why.starts_with("invalid JSONPath `$.frister[?@.type=='SVAR'`: "),
            "{why}"
        );
        assert!(Locator::parse("$.a.").is_err());
        assert!(
            Locator::parse("status")
                .unwrap_err()
                .contains("JSON pointer")
        );
    }

    #[test]
    fn templated_paths_take_captured_values_quoted_or_as_literals() {
        let b = body();
        let key =
            Locator::parse("$.frister[?@.dokumentId=='{{steps.opret.body.id}}'].dato").unwrap();
        assert!(matches!(key, Locator::Template { .. }));
        assert_eq!(key.static_pointer(), None);
        let id = key.expand(&mut |_| Ok(json!("d1"))).unwrap();
        assert_eq!(id.text(), "$.frister[?@.dokumentId=='d1'].dato");
        assert_eq!(
            judge(&id, &Assertion::Equals(json!("2026-01-05")), &b, exact),
            None
        );
        // A quote in the value is escaped, not an injection.
        let odd = key.expand(&mut |_| Ok(json!("a'b"))).unwrap();
        assert_eq!(odd.text(), r"$.frister[?@.dokumentId=='a\'b'].dato");
        assert!(judge(&odd, &Assertion::Exists, &b, exact).is_some());
        let line = key.expand(&mut |_| Ok(json!("a\nb"))).unwrap();
        assert_eq!(line.text(), r"$.frister[?@.dokumentId=='a\u000ab'].dato");
        // Outside quotes: a JSON literal.
        let n = Locator::parse("$.krav[?@.n == {{steps.x.status}}]").unwrap();
        assert_eq!(
            n.expand(&mut |_| Ok(json!(201))).unwrap().text(),
            "$.krav[?@.n == 201]"
        );
        assert_eq!(
            n.expand(&mut |_| Ok(json!("x"))).unwrap().text(),
            "$.krav[?@.n == \"x\"]"
        );
        // Malformed around the expression: refused when read.
        assert!(Locator::parse("$.krav[?@.n == {{steps.x.status}}").is_err());
        assert!(Locator::parse("$.krav[?@.n == {{nope}}]").is_err());
    }

    #[test]
    fn plain_chains_become_pointers_and_nothing_else_does() {
        let p = |k: &str| Locator::parse(k).unwrap().static_pointer();
        assert_eq!(p("$").as_deref(), Some(""));
        assert_eq!(p("$.a.b_c").as_deref(), Some("/a/b_c"));
        assert_eq!(p("$.krav[0].status").as_deref(), Some("/krav/0/status"));
        assert_eq!(p("$['a/b'][10]").as_deref(), Some("/a~1b/10"));
        assert_eq!(p("/x/0").as_deref(), Some("/x/0"));
        for other in [
            "$.krav[*].status",
            "$..dokumentId",
            "$.a[-1]",
            "$.a[0:2]",
            "$.frister[?@.type=='SVAR']",
            "$.a['x','y']",
            "$[\"a\"]",
        ] {
            assert_eq!(p(other), None, "{other}");
        }
    }
}
