//! A strict RFC 8259 JSON parser that records where every value starts.
//!
//! serde_json is faster but forgets positions, and a linter that cannot say "line 4113, column
//! 17" is of little use on a 2 MB single-line spec. This parser is a single pass over bytes with
//! an explicit stack; columns count characters, as people (and editors) do.

use serde_json::{Number, Value};

use super::tree::TreeBuilder;
use super::{Limits, ParseError, Parsed};
use crate::spec::source::Pos;

struct Lexer<'a> {
    text: &'a str,
    bytes: &'a [u8],
    i: usize,
    line: u32,
    line_start: usize,
    /// UTF-8 continuation bytes since the line start: the column is the bytes before it minus
    /// these. They only occur inside strings (JSON outside strings is ASCII).
    continuation: usize,
}

impl<'a> Lexer<'a> {
    fn pos(&self) -> Pos {
        Pos {
            line: self.line,
            col: (self.i - self.line_start - self.continuation) as u32 + 1,
        }
    }

    fn error(&self, message: impl Into<String>) -> ParseError {
        ParseError::Syntax {
            message: message.into(),
            pos: self.pos(),
        }
    }

    fn skip_ws(&mut self) {
        while let Some(&b) = self.bytes.get(self.i) {
            match b {
                b' ' | b'\t' | b'\r' => self.i += 1,
                b'\n' => {
                    self.i += 1;
                    self.line += 1;
                    self.line_start = self.i;
                    self.continuation = 0;
                }
                _ => break,
            }
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.i).copied()
    }

    fn describe(&self) -> String {
        match self.peek() {
            None => "the end of the file".to_string(),
            Some(b) if b.is_ascii_graphic() => format!("`{}`", b as char),
            Some(b) => format!("byte 0x{b:02x}"),
        }
    }

    fn string(&mut self) -> Result<String, ParseError> {
        // At the opening quote.
        self.i += 1;
        let mut out = String::new();
        loop {
            let start = self.i;
            while let Some(&b) = self.bytes.get(self.i) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.continuation += usize::from(b & 0xC0 == 0x80);
                self.i += 1;
            }
            // Both ends are at ASCII bytes (or the end), so they are character boundaries.
            out.push_str(self.text.get(start..self.i).unwrap_or_default());
            match self.peek() {
                Some(b'"') => {
                    self.i += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.i += 1;
                    let esc = self
                        .peek()
                        .ok_or_else(|| self.error("unterminated string"))?;
                    self.i += 1;
                    match esc {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hi = self.hex4()?;
                            let c = if (0xD800..0xDC00).contains(&hi) {
                                if self.bytes.get(self.i..self.i + 2) != Some(b"\\u") {
                                    return Err(
                                        self.error("unpaired UTF-16 surrogate in \\u escape")
                                    );
                                }
                                self.i += 2;
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return Err(
                                        self.error("invalid UTF-16 surrogate pair in \\u escape")
                                    );
                                }
                                char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
                            } else {
                                char::from_u32(hi)
                            };
                            out.push(c.ok_or_else(|| self.error("invalid \\u escape"))?);
                        }
                        _ => {
                            self.i -= 1;
                            return Err(
                                self.error(format!("invalid escape `\\{}` in string", esc as char))
                            );
                        }
                    }
                }
                Some(b'\n') => {
                    return Err(self.error("unterminated string (line break inside a string)"));
                }
                Some(_) => return Err(self.error("control character inside a string; escape it")),
                None => return Err(self.error("unterminated string")),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, ParseError> {
        let digits = self
            .bytes
            .get(self.i..self.i + 4)
            .and_then(|d| std::str::from_utf8(d).ok())
            .and_then(|d| u32::from_str_radix(d, 16).ok())
            .ok_or_else(|| self.error("expected four hex digits after \\u"))?;
        self.i += 4;
        Ok(digits)
    }

    fn number(&mut self) -> Result<Value, ParseError> {
        let start = self.i;
        let pos = self.pos();
        let syntax = |message: &str| ParseError::Syntax {
            message: message.to_string(),
            pos,
        };
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => {
                self.i += 1;
                if matches!(self.peek(), Some(b'0'..=b'9')) {
                    return Err(syntax("numbers cannot have leading zeros"));
                }
            }
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(syntax("invalid number")),
        }
        let mut float = false;
        if self.peek() == Some(b'.') {
            float = true;
            self.i += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(syntax("a decimal point must be followed by digits"));
            }
            self.digits();
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            float = true;
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(syntax("an exponent must have digits"));
            }
            self.digits();
        }
        let text = std::str::from_utf8(&self.bytes[start..self.i]).unwrap_or("0");
        number_value(text, float).ok_or_else(|| syntax("number out of range"))
    }

    fn digits(&mut self) {
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
    }

    fn literal(&mut self, word: &str, value: Value) -> Result<Value, ParseError> {
        if self.bytes.get(self.i..self.i + word.len()) == Some(word.as_bytes()) {
            self.i += word.len();
            Ok(value)
        } else {
            Err(self.error(format!(
                "unexpected {}; expected a JSON value",
                self.describe()
            )))
        }
    }
}

/// A JSON number as the narrowest exact `serde_json::Number`.
pub(crate) fn number_value(text: &str, float: bool) -> Option<Value> {
    if !float {
        if let Ok(i) = text.parse::<i64>() {
            return Some(Value::Number(i.into()));
        }
        if let Ok(u) = text.parse::<u64>() {
            return Some(Value::Number(u.into()));
        }
    }
    let f: f64 = text.parse().ok()?;
    Number::from_f64(f).map(Value::Number)
}

/// Parses JSON text (UTF-8, BOM already removed).
pub fn parse_json(text: &str, limits: Limits) -> Result<Parsed, ParseError> {
    let mut lx = Lexer {
        text,
        bytes: text.as_bytes(),
        i: 0,
        line: 1,
        line_start: 0,
        continuation: 0,
    };
    let mut b = TreeBuilder::new(limits);
    // What the grammar allows next, for precise messages.
    #[derive(PartialEq)]
    enum Want {
        Value,
        /// After `{`: a key or `}`.
        FirstKey,
        /// After `,` in an object: a key.
        Key,
        /// After a value inside a container: `,` or the closer.
        CommaOrEnd,
    }
    let mut want = Want::Value;
    // true for object, false for array
    let mut kinds: Vec<bool> = Vec::new();
    loop {
        lx.skip_ws();
        let pos = lx.pos();
        match want {
            Want::Value => {
                let Some(c) = lx.peek() else {
                    if b.has_root() {
                        return Err(lx.error("unexpected end of file; expected a value"));
                    }
                    return Err(ParseError::Empty);
                };
                match c {
                    b'{' => {
                        lx.i += 1;
                        b.begin_object(pos, 0)?;
                        kinds.push(true);
                        want = Want::FirstKey;
                        continue;
                    }
                    b'[' => {
                        lx.i += 1;
                        b.begin_array(pos, 0)?;
                        kinds.push(false);
                        lx.skip_ws();
                        if lx.peek() == Some(b']') {
                            lx.i += 1;
                            b.end()?;
                            kinds.pop();
                            want = Want::CommaOrEnd;
                        }
                        if kinds.is_empty() && want == Want::CommaOrEnd {
                            break;
                        }
                        continue;
                    }
                    b'"' => {
                        let s = lx.string()?;
                        b.scalar(Value::String(s), pos)?;
                    }
                    b'-' | b'0'..=b'9' => {
                        let n = lx.number()?;
                        b.scalar(n, pos)?;
                    }
                    b't' => {
                        let v = lx.literal("true", Value::Bool(true))?;
                        b.scalar(v, pos)?;
                    }
                    b'f' => {
                        let v = lx.literal("false", Value::Bool(false))?;
                        b.scalar(v, pos)?;
                    }
                    b'n' => {
                        let v = lx.literal("null", Value::Null)?;
                        b.scalar(v, pos)?;
                    }
                    b']' if !kinds.is_empty() && !kinds[kinds.len() - 1] => {
                        return Err(lx.error("trailing comma before `]`"));
                    }
                    _ => {
                        return Err(lx.error(format!(
                            "unexpected {}; expected a JSON value",
                            lx.describe()
                        )));
                    }
                }
                if kinds.is_empty() {
                    break;
                }
                want = Want::CommaOrEnd;
            }
            Want::FirstKey | Want::Key => match lx.peek() {
                Some(b'"') => {
                    let key = lx.string()?;
                    lx.skip_ws();
                    if lx.peek() != Some(b':') {
                        return Err(lx.error(format!(
                            "expected `:` after object key, found {}",
                            lx.describe()
                        )));
                    }
                    lx.i += 1;
                    b.key(key, pos, false);
                    want = Want::Value;
                }
                Some(b'}') if want == Want::FirstKey => {
                    lx.i += 1;
                    b.end()?;
                    kinds.pop();
                    if kinds.is_empty() {
                        break;
                    }
                    want = Want::CommaOrEnd;
                }
                Some(b'}') => return Err(lx.error("trailing comma before `}`")),
                _ => {
                    return Err(lx.error(format!(
                        "expected a quoted object key, found {}",
                        lx.describe()
                    )));
                }
            },
            Want::CommaOrEnd => {
                let in_object = *kinds.last().unwrap_or(&false);
                match lx.peek() {
                    Some(b',') => {
                        lx.i += 1;
                        want = if in_object { Want::Key } else { Want::Value };
                    }
                    Some(b'}') if in_object => {
                        lx.i += 1;
                        b.end()?;
                        kinds.pop();
                        if kinds.is_empty() {
                            break;
                        }
                    }
                    Some(b']') if !in_object => {
                        lx.i += 1;
                        b.end()?;
                        kinds.pop();
                        if kinds.is_empty() {
                            break;
                        }
                    }
                    _ => {
                        let closer = if in_object { '}' } else { ']' };
                        return Err(lx.error(format!(
                            "expected `,` or `{closer}`, found {}",
                            lx.describe()
                        )));
                    }
                }
            }
        }
    }
    lx.skip_ws();
    if lx.peek().is_some() {
        return Err(lx.error(format!(
            "unexpected {} after the end of the JSON value",
            lx.describe()
        )));
    }
    b.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Parsed, ParseError> {
        parse_json(text, Limits::default())
    }

    #[test]
    fn parses_values_like_serde_json() {
        let text = r#"{"a": [1, -2.5, 1e3, true, false, null, "x\u00e6\ud83d\ude00\n"], "b": {}, "c": [], "d": 18446744073709551615}"#;
        let got = parse(text).unwrap().value;
        let want: Value = serde_json::from_str(text).unwrap();
        assert_eq!(got, want);
    }

    #[test]
    fn positions_of_members_and_items() {
        let text = "{\n  \"paths\": {\n    \"/x\": [1,\n      2]\n  }\n}";
        let p = parse(text).unwrap();
        let n = &p.spans.nodes;
        assert_eq!(n.len(), 5);
        assert_eq!((n[1].key.line, n[1].key.col), (2, 3));
        assert_eq!((n[2].key.line, n[2].value.col), (3, 11));
        assert_eq!((n[4].value.line, n[4].value.col), (4, 7));
        assert_eq!(n[0].size, 5);
        assert_eq!(n[2].size, 3);
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        // `ø` is two bytes, `😀` four; columns are what an editor shows. A new line starts the
        // count again.
        let text = "{\"dødsbo\": \"😀\", \"x\": 1,\n \"æ\": [\"ø\", 2], \"y\": }";
        let p = parse(text);
        let Err(ParseError::Syntax { pos, .. }) = p else {
            panic!("expected a syntax error, got {:?}", p.map(|p| p.value));
        };
        assert_eq!((pos.line, pos.col), (2, 22));
        let p = parse("{\"dødsbo\": \"😀\", \"x\": 1}").unwrap();
        let x = &p.spans.nodes[2];
        assert_eq!((x.key.line, x.key.col), (1, 17));
        assert_eq!(x.value.col, 22);
    }

    #[test]
    fn errors_say_what_and_where() {
        let cases = [
            ("{\"a\": 1,}", "trailing comma before `}`", 1, 9),
            ("[1, 2,]", "trailing comma before `]`", 1, 7),
            (
                "{\"a\" 1}",
                "expected `:` after object key, found `1`",
                1,
                6,
            ),
            ("{\"a\": 01}", "numbers cannot have leading zeros", 1, 7),
            (
                "{\"a\": tru}",
                "unexpected `t`; expected a JSON value",
                1,
                7,
            ),
            ("{\n\"a\": \"x", "unterminated string", 2, 8),
            (
                "{\"a\": 1} x",
                "unexpected `x` after the end of the JSON value",
                1,
                10,
            ),
            ("{'a': 1}", "expected a quoted object key, found `'`", 1, 2),
            ("[1 2]", "expected `,` or `]`, found `2`", 1, 4),
        ];
        for (text, message, line, col) in cases {
            let err = parse(text).unwrap_err();
            assert_eq!(err.to_string(), message, "{text}");
            assert_eq!(err.pos(), Some(Pos { line, col }), "{text}");
        }
        assert_eq!(parse("  \n").unwrap_err(), ParseError::Empty);
    }

    #[test]
    fn duplicate_keys_are_refused_with_both_places() {
        let err = parse("{\"a\": 1,\n \"a\": 2}").unwrap_err();
        assert_eq!(
            err,
            ParseError::DuplicateKey {
                key: "a".into(),
                first: Pos { line: 1, col: 2 },
                pos: Pos { line: 2, col: 2 }
            }
        );
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let text = "[".repeat(1_000_000);
        let err = parse(&text).unwrap_err();
        assert!(
            matches!(err, ParseError::TooDeep { limit: 512, .. }),
            "{err}"
        );
    }
}
