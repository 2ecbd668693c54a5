//! YAML to JSON value with positions, on saphyr-parser's event stream.
//!
//! We drive the event stream ourselves instead of deserialising so that aliases are expanded
//! under a budget (alias bombs are refused), nesting is bounded, duplicate keys are errors (as
//! YAML requires) and every value keeps its line and column. Plain scalars resolve by the YAML 1.2
//! core schema, so `2020-07-28T18:00:00Z` and `yes` stay strings, as JSON Schema expects.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span};
use serde_json::Value;

use super::json::number_value;
use super::tree::TreeBuilder;
use super::{Limits, ParseError, Parsed};
use crate::spec::source::{Pos, SpanNode};

/// The deepest flow-style nesting saphyr-parser can read.
const YAML_FLOW_DEPTH: usize = 255;

fn pos(span: &Span) -> Pos {
    Pos {
        line: span.start.line() as u32,
        col: span.start.col() as u32 + 1,
    }
}

/// Parses YAML text holding one document.
pub fn parse_yaml(text: &str, limits: Limits) -> Result<Parsed, ParseError> {
    let mut b = TreeBuilder::new(limits);
    let mut anchors: HashMap<usize, (Value, Vec<SpanNode>)> = HashMap::new();
    let mut documents = 0usize;
    let mut parser = Parser::new_from_str(text);
    while let Some(event) = parser.next_event() {
        let (event, span) = event.map_err(|e| {
            let pos = Pos {
                line: e.marker().line() as u32,
                col: e.marker().col() as u32 + 1,
            };
            // saphyr counts flow-collection nesting (`[`, `{`) in a u8, so YAML in flow style
            // cannot nest deeper than 255 levels whatever our own limit says.
            if e.info().contains("recursion limit") {
                ParseError::TooDeep {
                    limit: YAML_FLOW_DEPTH.min(limits.max_depth),
                    pos,
                }
            } else {
                ParseError::Syntax {
                    message: e.info().to_string(),
                    pos,
                }
            }
        })?;
        let at = pos(&span);
        match event {
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err(ParseError::MultipleDocuments { pos: at });
                }
            }
            Event::Scalar(value, style, anchor, tag) => {
                if b.expecting_key() {
                    let merge = style == ScalarStyle::Plain && value == "<<";
                    b.key(value.into_owned(), at, merge);
                    continue;
                }
                let tag = tag.as_ref().map(|t| t.suffix.as_str());
                let v = resolve_scalar(&value, style, tag);
                let node = b.scalar(v.clone(), at)?;
                if anchor != 0 {
                    anchors.insert(anchor, (v, vec![b.node(node)]));
                }
            }
            Event::SequenceStart(anchor, _) => {
                if b.expecting_key() {
                    return Err(ParseError::ComplexKey { pos: at });
                }
                b.begin_array(at, anchor)?;
            }
            Event::MappingStart(anchor, _) => {
                if b.expecting_key() {
                    return Err(ParseError::ComplexKey { pos: at });
                }
                b.begin_object(at, anchor)?;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                // `end` hands back the value only when it carried an anchor.
                if let Some((anchor, value, range)) = b.end()? {
                    anchors.insert(anchor, (value, range));
                }
            }
            Event::Alias(id) => {
                if b.expecting_key() {
                    return Err(ParseError::ComplexKey { pos: at });
                }
                let Some((value, range)) = anchors.get(&id) else {
                    return Err(ParseError::UnknownAlias {
                        name: id.to_string(),
                        pos: at,
                    });
                };
                b.alias(value, range, at)?;
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
        }
    }
    b.finish()
}

/// Resolves a scalar by the YAML 1.2 core schema (and explicit `!!` tags).
fn resolve_scalar(text: &str, style: ScalarStyle, tag: Option<&str>) -> Value {
    match tag {
        Some("str") => return Value::String(text.to_string()),
        Some("null") => return Value::Null,
        Some("bool") | Some("int") | Some("float") => {
            return resolve_plain(text).unwrap_or_else(|| Value::String(text.to_string()));
        }
        _ => {}
    }
    if style != ScalarStyle::Plain {
        return Value::String(text.to_string());
    }
    resolve_plain(text).unwrap_or_else(|| Value::String(text.to_string()))
}

fn resolve_plain(text: &str) -> Option<Value> {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Some(Value::Null),
        "true" | "True" | "TRUE" => return Some(Value::Bool(true)),
        "false" | "False" | "FALSE" => return Some(Value::Bool(false)),
        _ => {}
    }
    let first = text.as_bytes()[0];
    if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.')) {
        return None;
    }
    let unsigned = text.strip_prefix('+').unwrap_or(text);
    if let Some(hex) = unsigned.strip_prefix("0x") {
        return i64::from_str_radix(hex, 16)
            .ok()
            .map(|i| Value::Number(i.into()));
    }
    if let Some(oct) = unsigned.strip_prefix("0o") {
        return i64::from_str_radix(oct, 8)
            .ok()
            .map(|i| Value::Number(i.into()));
    }
    let digits = unsigned.strip_prefix('-').unwrap_or(unsigned);
    if !digits.is_empty() && digits.bytes().all(|c| c.is_ascii_digit()) {
        return number_value(unsigned, false);
    }
    if is_core_float(unsigned) {
        // JSON has no infinities or NaN; those stay strings rather than silently changing.
        return number_value(unsigned, true);
    }
    None
}

/// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?` from the YAML 1.2 core schema.
fn is_core_float(text: &str) -> bool {
    let s = text.strip_prefix('-').unwrap_or(text).as_bytes();
    let mut i = 0;
    let int_digits = s.iter().take_while(|c| c.is_ascii_digit()).count();
    i += int_digits;
    let mut frac_digits = 0;
    if s.get(i) == Some(&b'.') {
        i += 1;
        frac_digits = s[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        i += frac_digits;
    }
    if int_digits == 0 && frac_digits == 0 {
        return false;
    }
    if matches!(s.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(s.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let exp = s[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if exp == 0 {
            return false;
        }
        i += exp;
    }
    i == s.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(text: &str) -> Result<Parsed, ParseError> {
        parse_yaml(text, Limits::default())
    }

    #[test]
    fn core_schema_scalars() {
        let v = parse(
            "a: 1\nb: -2.5\nc: true\nd: ~\ne: yes\nf: 2020-07-28T18:00:00Z\ng: '1'\nh: 0x1F\ni: .inf\n200: x\nj: 1e3\nk: 0800\n",
        )
        .unwrap()
        .value;
        assert_eq!(
            v,
            json!({"a": 1, "b": -2.5, "c": true, "d": null, "e": "yes",
                   "f": "2020-07-28T18:00:00Z", "g": "1", "h": 31, "i": ".inf", "200": "x",
                   "j": 1000.0, "k": 800})
        );
    }

    #[test]
    fn positions_follow_keys_and_values() {
        let p = parse("openapi: 3.1.0\npaths:\n  /x:\n    get: {}\nlist:\n  - a\n  - b\n").unwrap();
        let n = &p.spans.nodes;
        // root, openapi, paths, /x, get, list, a, b
        assert_eq!(n.len(), 8);
        assert_eq!((n[3].key.line, n[3].key.col), (3, 3));
        assert_eq!((n[4].key.line, n[4].value.col), (4, 10));
        assert_eq!((n[7].value.line, n[7].value.col), (7, 5));
        assert_eq!(n[2].size, 3);
    }

    #[test]
    fn anchors_aliases_and_merge_keys() {
        let p = parse(
            "base: &b\n  type: string\n  maxLength: 3\nuse: *b\nmerged:\n  <<: *b\n  maxLength: 9\n  extra: 1\n",
        )
        .unwrap();
        assert_eq!(
            p.value,
            json!({"base": {"type": "string", "maxLength": 3},
                   "use": {"type": "string", "maxLength": 3},
                   "merged": {"maxLength": 9, "extra": 1, "type": "string"}})
        );
        // The position table stays aligned with the merged order: 1 + 3 + 3 + (1 + 3) nodes.
        assert_eq!(p.spans.len(), 11);
        let merged = &p.spans.nodes[7..];
        assert_eq!(merged[0].size, 4);
        assert_eq!(merged[1].key.line, 7); // maxLength (explicit)
        assert_eq!(merged[2].key.line, 8); // extra
        assert_eq!(merged[3].key.line, 2); // type, merged from the anchor
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let prev = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        let err = parse(&text).unwrap_err();
        assert!(matches!(err, ParseError::AliasBomb { .. }), "{err}");
        assert!(err.to_string().contains("alias bomb"));
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
        let err = parse(&text).unwrap_err();
        assert!(matches!(err, ParseError::TooDeep { .. }), "{err}");
        let text = (0..600)
            .map(|i| format!("{}k:\n", "  ".repeat(i)))
            .collect::<String>();
        assert!(matches!(
            parse(&text).unwrap_err(),
            ParseError::TooDeep { .. }
        ));
    }

    #[test]
    fn structural_errors() {
        let err = parse("a: 1\na: 2\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "duplicate key `a` (first defined at line 1, column 1)"
        );
        assert_eq!(err.pos(), Some(Pos { line: 2, col: 1 }));
        assert!(matches!(
            parse("? [a]\n: 1\n").unwrap_err(),
            ParseError::ComplexKey { .. }
        ));
        assert!(matches!(
            parse("a: 1\n---\nb: 2\n").unwrap_err(),
            ParseError::MultipleDocuments { .. }
        ));
        assert_eq!(parse("").unwrap_err(), ParseError::Empty);
        let err = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(matches!(err, ParseError::Syntax { .. }), "{err}");
        let err = parse("a: *nope\n").unwrap_err();
        assert!(
            matches!(
                err,
                ParseError::Syntax { .. } | ParseError::UnknownAlias { .. }
            ),
            "{err}"
        );
    }
}
