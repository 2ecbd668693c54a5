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
        value = step(value, &token)?;
    }
    Some(value)
}

/// The member or item named by one unescaped token.
fn step<'a>(value: &'a Value, token: &str) -> Option<&'a Value> {
    match value {
        Value::Object(map) => map.get(token),
        Value::Array(items) => items.get(parse_index(token)?),
        _ => None,
    }
}

/// Resolves pointers one after another, each starting from the longest prefix it shares with
/// the one before: the diff asks for thousands of locations under the same operation or under
/// `/components/schemas`, and walking each from the root hashes every token again.
#[derive(Default)]
pub struct Walker<'v> {
    file: usize,
    /// The last pointer resolved.
    last: String,
    /// For each token boundary of `last`: its byte length and the value there (the root first).
    stack: Vec<(usize, &'v Value)>,
}

impl<'v> Walker<'v> {
    /// The value at `ptr` in the document `root` of file `file`, if any.
    pub fn get(&mut self, file: usize, root: &'v Value, ptr: &str) -> Option<&'v Value> {
        if file != self.file
            || self
                .stack
                .first()
                .is_none_or(|(_, r)| !std::ptr::eq(*r, root))
        {
            self.file = file;
            self.last.clear();
            self.stack.clear();
            self.stack.push((0, root));
        }
        let common = self
            .last
            .bytes()
            .zip(ptr.bytes())
            .take_while(|(a, b)| a == b)
            .count();
        let keep = self
            .stack
            .iter()
            .rposition(|(end, _)| {
                *end <= common && (*end == ptr.len() || ptr.as_bytes()[*end] == b'/')
            })
            .unwrap_or(0);
        self.stack.truncate(keep + 1);
        let (mut end, mut value) = self.stack[keep];
        self.last.clear();
        self.last.push_str(&ptr[..end]);
        let result = (|| {
            for raw in ptr[end..].strip_prefix('/')?.split('/') {
                let token = if raw.contains('~') {
                    std::borrow::Cow::Owned(unescape(raw))
                } else {
                    std::borrow::Cow::Borrowed(raw)
                };
                value = step(value, &token)?;
                end += 1 + raw.len();
                self.last.push_str(&ptr[end - raw.len() - 1..end]);
                self.stack.push((end, value));
            }
            Some(value)
        })();
        match result {
            Some(v) => Some(v),
            // The whole pointer was the shared prefix.
            None if end == ptr.len() => Some(value),
            None => None,
        }
    }
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
    fn walker_agrees_with_get_in_any_order() {
        let doc = json!({
            "paths": {"/a/{id}": {"get": {"responses": {"200": {"x": 1}, "404": {"x": 2}}}},
                      "/b": {"post": [10, {"m~n": 3}]}},
            "components": {"schemas": {"A": {"type": "string"}, "AB": {"type": "integer"}}},
            "": {"": 4}
        });
        let ptrs = [
            "/paths/~1a~1{id}/get/responses/200/x",
            "/paths/~1a~1{id}/get/responses/404/x",
            "/paths/~1a~1{id}/get/responses/404",
            "/paths/~1a~1{id}/get/responses/500",
            "/paths/~1b/post/1/m~0n",
            "/paths/~1b/post/0",
            "/paths/~1b/post/01",
            "/components/schemas/AB",
            "/components/schemas/A",
            "/components/schemas/A/type",
            "/components/schemas/AB/type",
            "",
            "/",
            "//",
            "/paths",
            "/paths/~1a~1{id}/get/responses/200/x/deeper",
        ];
        let mut walker = Walker::default();
        for round in 0..2 {
            for (i, ptr) in ptrs.iter().enumerate() {
                // Both orders, so each pointer follows many different predecessors.
                let ptr = if round == 0 {
                    *ptr
                } else {
                    ptrs[ptrs.len() - 1 - i]
                };
                assert_eq!(walker.get(0, &doc, ptr), get(&doc, ptr), "{ptr}");
            }
        }
        // Another document (file) starts again from its root.
        let other = json!({"paths": 5});
        assert_eq!(walker.get(1, &other, "/paths"), Some(&json!(5)));
        assert_eq!(walker.get(0, &doc, "/paths/~1b/post/0"), Some(&json!(10)));
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
