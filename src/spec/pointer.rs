//! JSON Pointer (RFC 6901) helpers, because every location in kontrakt is a file plus a pointer.

use serde_json::Value;

/// Escapes one reference token (`~` → `~0`, `/` → `~1`).
pub fn escape(token: &str) -> String {
    if token.contains(['~', '/']) {
        token.replace('~', "~0").replace('/', "~1")
    } else {
        token.to_string()
    }
}

/// Unescapes one reference token (`~1` → `/`, then `~0` → `~`, in that order as RFC 6901 says).
pub fn unescape(token: &str) -> String {
    if token.contains('~') {
        token.replace("~1", "/").replace("~0", "~")
    } else {
        token.to_string()
    }
}

/// The unescaped tokens of a pointer ("" and "/" edge cases per RFC 6901); tokens without
/// escapes are borrowed, since lookups are hot when models are built.
pub fn tokens(ptr: &str) -> impl Iterator<Item = std::borrow::Cow<'_, str>> + '_ {
    ptr.strip_prefix('/')
        .into_iter()
        .flat_map(|rest| rest.split('/'))
        .map(|t| {
            if t.contains('~') {
                std::borrow::Cow::Owned(unescape(t))
            } else {
                std::borrow::Cow::Borrowed(t)
            }
        })
}

/// `ptr` extended by one token.
pub fn push(ptr: &str, token: &str) -> String {
    let mut out = String::with_capacity(ptr.len() + token.len() + 1);
    out.push_str(ptr);
    out.push('/');
    out.push_str(&escape(token));
    out
}

/// `ptr` extended by an array index.
pub fn push_index(ptr: &str, index: usize) -> String {
    format!("{ptr}/{index}")
}

/// Whether `ptr` is syntactically a JSON pointer (empty, or starting with `/`, with valid escapes).
pub fn is_valid(ptr: &str) -> bool {
    if ptr.is_empty() {
        return true;
    }
    if !ptr.starts_with('/') {
        return false;
    }
    let bytes = ptr.as_bytes();
    bytes
        .iter()
        .enumerate()
        .all(|(i, b)| *b != b'~' || matches!(bytes.get(i + 1), Some(b'0' | b'1')))
}

/// The value at `ptr`, if any.
pub fn get<'a>(root: &'a Value, ptr: &str) -> Option<&'a Value> {
    let mut value = root;
    for token in tokens(ptr) {
        value = match value {
            Value::Object(map) => map.get(token.as_ref())?,
            Value::Array(items) => items.get(parse_index(&token)?)?,
            _ => return None,
        };
    }
    Some(value)
}

/// The mutable value at `ptr`, if any.
pub fn get_mut<'a>(root: &'a mut Value, ptr: &str) -> Option<&'a mut Value> {
    let mut value = root;
    for token in tokens(ptr) {
        value = match value {
            Value::Object(map) => map.get_mut(token.as_ref())?,
            Value::Array(items) => items.get_mut(parse_index(&token)?)?,
            _ => return None,
        };
    }
    Some(value)
}

/// Array indexes are decimal without leading zeros (RFC 6901 §4).
fn parse_index(token: &str) -> Option<usize> {
    if token.len() > 1 && token.starts_with('0') {
        return None;
    }
    token.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn escapes_round_trip() {
        for t in ["a/b", "m~n", "~1", "plain", "/~/"] {
            assert_eq!(unescape(&escape(t)), t);
        }
        assert_eq!(escape("/pets/{id}"), "~1pets~1{id}");
        assert_eq!(unescape("~01"), "~1");
    }

    #[test]
    fn get_follows_rfc6901_examples() {
        let doc = json!({"foo": ["bar", "baz"], "": 0, "a/b": 1, "m~n": 8, " ": 7});
        assert_eq!(get(&doc, ""), Some(&doc));
        assert_eq!(get(&doc, "/foo/0"), Some(&json!("bar")));
        assert_eq!(get(&doc, "/"), Some(&json!(0)));
        assert_eq!(get(&doc, "/a~1b"), Some(&json!(1)));
        assert_eq!(get(&doc, "/m~0n"), Some(&json!(8)));
        assert_eq!(get(&doc, "/ "), Some(&json!(7)));
        assert_eq!(get(&doc, "/foo/01"), None);
        assert_eq!(get(&doc, "/foo/2"), None);
    }

    #[test]
    fn validity() {
        assert!(is_valid(""));
        assert!(is_valid("/a~0b~1c"));
        assert!(!is_valid("a"));
        assert!(!is_valid("/a~2"));
        assert!(!is_valid("/a~"));
    }
}
