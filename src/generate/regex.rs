//! Strings from a `pattern`: walk the regex's syntax tree and emit one member of its language.
//!
//! OpenAPI patterns are ECMA-262 regexes, unanchored. Emitting a string of the whole language also
//! matches an unanchored pattern, so anchors emit nothing. Classes are sampled from their printable
//! ASCII part when they have one, which also makes `\d`, `\w` and `\s` behave as their ASCII
//! versions whichever way the validator reads them. Constructs `regex-syntax` does not know
//! (lookaround, backreferences) make [`RegexGen::parse`] return `None`; the caller then falls back
//! to rejection sampling. Every generated string is still checked against the pattern by the caller.

use rand::Rng;
use regex_syntax::hir::{Class, Hir, HirKind};

#[derive(Debug)]
pub struct RegexGen {
    hir: Hir,
}

impl RegexGen {
    pub fn parse(pattern: &str) -> Option<RegexGen> {
        let translated = translate_ecma(pattern);
        let hir = regex_syntax::ParserBuilder::new()
            .build()
            .parse(&translated)
            .ok()?;
        Some(RegexGen { hir })
    }

    /// One string of the language; `stretch` widens open repetitions (raised on later attempts
    /// when a `minLength` is not reached), `cap` bounds the output (in characters) loosely.
    pub fn generate(&self, rng: &mut impl Rng, stretch: u32, cap: usize) -> String {
        let mut out = String::new();
        emit(&self.hir, rng, stretch, cap, &mut out);
        out
    }
}

/// ECMA escapes that `regex-syntax` spells differently or rejects.
fn translate_ecma(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    let mut chars = p.chars().peekable();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                // `\/` is a common superfluous escape in ECMA patterns.
                Some('/') => out.push('/'),
                Some('u') if chars.peek() == Some(&'{') => out.push_str("\\x"),
                Some('u') => out.push_str("\\u"),
                Some('c') => {
                    // Control letters: \cJ is U+000A.
                    if let Some(l) = chars.next() {
                        out.push_str(&format!("\\x{{{:x}}}", (l as u32) % 32));
                    }
                }
                Some('0') => out.push_str("\\x00"),
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => out.push('\\'),
            },
            '[' if !in_class => {
                in_class = true;
                out.push('[');
                // ECMA's `[^]` matches anything, `[]` nothing.
                if chars.peek() == Some(&'^') {
                    chars.next();
                    out.push('^');
                }
                if chars.peek() == Some(&']') {
                    chars.next();
                    out.push_str("\\]");
                }
            }
            '[' => out.push_str("\\["),
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            _ => out.push(c),
        }
    }
    out
}

fn emit(hir: &Hir, rng: &mut impl Rng, stretch: u32, cap: usize, out: &mut String) {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => {}
        HirKind::Literal(lit) => out.push_str(&String::from_utf8_lossy(&lit.0)),
        HirKind::Class(Class::Unicode(class)) => {
            let ranges = class.ranges();
            if ranges.is_empty() {
                return;
            }
            // Prefer printable ASCII (not space first: spaces make poor identifiers).
            let ascii: Vec<(u32, u32)> = ranges
                .iter()
                .filter_map(|r| {
                    let (s, e) = (r.start() as u32, r.end() as u32);
                    let (s, e) = (s.max(0x21), e.min(0x7e));
                    (s <= e).then_some((s, e))
                })
                .collect();
            let pick = |rs: &[(u32, u32)], rng: &mut dyn rand::RngCore| -> Option<char> {
                let total: u32 = rs.iter().map(|(s, e)| e - s + 1).sum();
                let mut n = rng.random_range(0..total);
                for (s, e) in rs {
                    let w = e - s + 1;
                    if n < w {
                        return char::from_u32(s + n);
                    }
                    n -= w;
                }
                None
            };
            let c = if ascii.is_empty() {
                let all: Vec<(u32, u32)> = ranges
                    .iter()
                    .map(|r| (r.start() as u32, r.end().min('\u{FFFF}') as u32))
                    .filter(|(s, e)| s <= e)
                    .collect();
                if all.is_empty() {
                    ranges.first().map(|r| r.start())
                } else {
                    pick(&all, rng)
                }
            } else {
                pick(&ascii, rng)
            };
            if let Some(c) = c {
                out.push(c);
            }
        }
        HirKind::Class(Class::Bytes(class)) => {
            if let Some(r) = class.ranges().iter().find(|r| r.start() < 0x80) {
                let b = rng.random_range(r.start()..=r.end().min(0x7f));
                out.push(b as char);
            }
        }
        HirKind::Repetition(rep) => {
            let extra_cap = (2u32 << stretch.min(6)).min(64);
            let max = rep.max.unwrap_or(rep.min.saturating_add(extra_cap));
            let open = max.saturating_sub(rep.min).min(extra_cap);
            let n = rep.min
                + if open == 0 {
                    0
                } else {
                    rng.random_range(0..=open)
                };
            for i in 0..n {
                // Past the cap only the required repetitions are emitted.
                if i >= rep.min && out.chars().count() >= cap {
                    break;
                }
                emit(&rep.sub, rng, stretch, cap, out);
            }
        }
        HirKind::Capture(cap_) => emit(&cap_.sub, rng, stretch, cap, out),
        HirKind::Concat(parts) => {
            for p in parts {
                emit(p, rng, stretch, cap, out);
            }
        }
        HirKind::Alternation(alts) => {
            let i = rng.random_range(0..alts.len());
            emit(&alts[i], rng, stretch, cap, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn generates_members_of_simple_languages() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let g = RegexGen::parse(r"^\d{6}-?\d{4}$").unwrap();
        for _ in 0..50 {
            let s = g.generate(&mut rng, 0, 64);
            let digits = s.chars().filter(char::is_ascii_digit).count();
            assert_eq!(digits, 10, "{s}");
        }
        let g = RegexGen::parse(r"^[A-Z]{2}\/(foo|bar)$").unwrap();
        let s = g.generate(&mut rng, 0, 64);
        assert!(s.ends_with("/foo") || s.ends_with("/bar"), "{s}");
    }

    #[test]
    fn lookaround_is_beyond_the_generator() {
        assert!(RegexGen::parse(r"^(?=.*\d)[a-z\d]{8,}$").is_none());
        assert!(RegexGen::parse(r"(a)\1").is_none());
    }
}
