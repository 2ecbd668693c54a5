//! Secret strings (client secrets, access tokens, assertions) that cannot leak by accident.
//!
//! A mock that logs its configuration or a test that prints a failing value must never print a
//! credential: [`Secret`] has no `Display`, its `Debug` is redacted, and the only way to the
//! bytes is the explicit [`Secret::expose`]. Comparison is constant-time, so the mock does not
//! teach clients which prefix of a secret they guessed right.

use std::fmt;

use sha2::{Digest, Sha256};

/// A credential. `Debug` prints `Secret(<redacted>)`; there is no `Display`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for sending it on the wire. Never format this into a message.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Constant-time equality with `candidate`; see [`constant_time_eq`].
    pub fn matches(&self, candidate: &[u8]) -> bool {
        constant_time_eq(self.0.as_bytes(), candidate)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(value.to_string())
    }
}

/// Equality whose running time depends on neither the contents nor the length of the inputs.
///
/// Both sides are hashed first so that the comparison always covers 32 bytes: a plain
/// length check would tell an attacker the secret's length, and a byte loop that stops early
/// would tell them the matching prefix. The fold has no early exit and `black_box` keeps the
/// optimiser from adding one.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let ha = Sha256::digest(a);
    let hb = Sha256::digest(b);
    let diff = ha
        .iter()
        .zip(hb.iter())
        .fold(0u8, |acc, (x, y)| acc | std::hint::black_box(x ^ y));
    std::hint::black_box(diff) == 0
}

/// SHA-256 of a token: the token store keeps only these, so a memory dump of the mock or a
/// `Debug` of its maps yields no usable bearer token.
pub(crate) fn token_digest(token: &[u8]) -> [u8; 32] {
    Sha256::digest(token).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?}"), "Secret(<redacted>)");
        assert!(!format!("{:?}", Some(&s)).contains("hunter2"));
    }

    #[test]
    fn equality_is_exact() {
        let s = Secret::new("abc");
        assert!(s.matches(b"abc"));
        assert!(!s.matches(b"abd"));
        assert!(!s.matches(b"ab"));
        assert!(!s.matches(b"abcd"));
        assert!(!s.matches(b""));
        assert!(Secret::new("").matches(b""));
    }
}
