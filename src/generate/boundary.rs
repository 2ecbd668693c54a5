//! Valid values at the edges of one site's constraints: numbers at their bounds (and, for
//! integers, just inside them), strings at their length limits, each `enum` value, both
//! booleans, arrays at their fewest and most items, and each `oneOf`/`anyOf` branch.
//!
//! Each edit changes one site of an otherwise valid value; the caller keeps it only if the whole
//! value (after serialisation) is still valid, so an edit here may be optimistic.

use serde_json::Value;

use super::generator::ValueGenerator;
use super::ir::TypeSet;
use super::walk::{self, Ptr, Site};

/// Longest string or array built at a length limit; longer limits are not worth the bytes.
pub const MAX_BOUNDARY_LEN: u64 = 1024;
/// Most items in a "full" array.
pub const MAX_BOUNDARY_ITEMS: u64 = 16;
/// Most `enum` values tried at one site.
pub const MAX_ENUM_VALUES: usize = 32;

/// One change to a value: set (or, with `None`, remove) the value at `ptr`.
#[derive(Debug, Clone)]
pub struct Edit {
    pub ptr: Ptr,
    pub value: Option<Value>,
    /// What the edit does, for labels and details: `maximum 10`, `maxLength 5`.
    pub what: String,
}

/// `s` cut or padded to `n` characters, padding with `fill`.
pub fn resize(s: &str, n: usize, fill: char) -> String {
    let mut out: String = s.chars().take(n).collect();
    while out.chars().count() < n {
        out.push(fill);
    }
    out
}

/// Fill characters worth trying when a string is padded: its own last character keeps most
/// patterns matching, then plain letters and digits.
pub fn fills(s: &str) -> Vec<char> {
    let mut out = Vec::new();
    if let Some(c) = s.chars().last() {
        out.push(c);
    }
    for c in ['a', '0', 'A', 'x'] {
        if !out.contains(&c) {
            out.push(c);
        }
    }
    out
}

/// Valid-looking values at the edges of `site` (whose current value is `cur`).
pub fn edits(g: &ValueGenerator, site: &Site, cur: &Value, seed: u64) -> Vec<Edit> {
    let view = g.view(&site.resolved);
    let types = walk::types_of(&view);
    let mut out = Vec::new();
    let mut push = |what: String, v: Value| {
        out.push(Edit {
            ptr: site.ptr.clone(),
            value: Some(v),
            what,
        })
    };
    if let Some(choices) = &view.choices {
        for c in choices.iter().take(MAX_ENUM_VALUES) {
            push(format!("enum value {c}"), c.clone());
        }
    }
    match cur {
        Value::Number(_) => {
            let integer = !types.has(TypeSet::NUMBER);
            let step = view.multiples.first().copied();
            if let Some(lo) = view.lo {
                let at = if lo.exclusive {
                    if integer {
                        lo.value.floor() + 1.0
                    } else {
                        lo.value + step.unwrap_or(0.01)
                    }
                } else {
                    lo.value
                };
                let at = step.map_or(at, |m| (at / m).ceil() * m);
                let kind = if lo.exclusive {
                    "exclusiveMinimum"
                } else {
                    "minimum"
                };
                if let Some(v) = walk::number(at, integer) {
                    push(format!("{kind} {}", lo.value), v);
                }
                if integer
                    && !lo.exclusive
                    && let Some(v) = walk::number(at + step.unwrap_or(1.0), true)
                {
                    push(format!("just above {kind} {}", lo.value), v);
                }
            }
            if let Some(hi) = view.hi {
                let at = if hi.exclusive {
                    if integer {
                        hi.value.ceil() - 1.0
                    } else {
                        hi.value - step.unwrap_or(0.01)
                    }
                } else {
                    hi.value
                };
                let at = step.map_or(at, |m| (at / m).floor() * m);
                let kind = if hi.exclusive {
                    "exclusiveMaximum"
                } else {
                    "maximum"
                };
                if let Some(v) = walk::number(at, integer) {
                    push(format!("{kind} {}", hi.value), v);
                }
                if integer
                    && !hi.exclusive
                    && let Some(v) = walk::number(at - step.unwrap_or(1.0), true)
                {
                    push(format!("just below {kind} {}", hi.value), v);
                }
            }
        }
        Value::String(s) => {
            let fills = fills(s);
            let mut lengths = vec![("minLength", view.min_len)];
            if let Some(m) = view.max_len.filter(|&m| m <= MAX_BOUNDARY_LEN) {
                lengths.push(("maxLength", m));
            }
            for (kind, n) in lengths {
                if n == 0 {
                    push("empty string".into(), Value::String(String::new()));
                    continue;
                }
                // The first fill that keeps the other keywords happy.
                let candidate = fills
                    .iter()
                    .map(|&c| resize(s, n as usize, c))
                    .find(|x| walk::breaks(g, &view, &Value::String(x.clone())).is_empty());
                if let Some(x) = candidate {
                    push(format!("{kind} {n}"), Value::String(x));
                }
            }
        }
        Value::Bool(_) => {
            push("true".into(), Value::Bool(true));
            push("false".into(), Value::Bool(false));
        }
        Value::Array(items) => {
            let min = view.min_items;
            if (min as usize) <= items.len() {
                let what = if min == 0 {
                    "empty array".to_string()
                } else {
                    format!("minItems {min}")
                };
                push(what, Value::Array(items[..min as usize].to_vec()));
            }
            if let Some(max) = view.max_items.filter(|&m| m <= MAX_BOUNDARY_ITEMS)
                && let Some(full) = grow(g, site, items, max as usize, seed)
            {
                push(format!("maxItems {max}"), Value::Array(full));
            }
        }
        _ => {}
    }
    // Each branch of each open group at this site.
    let open = g.view(&site.key);
    for group in &open.groups {
        for (kind, branches) in [("oneOf", &group.one_of), ("anyOf", &group.any_of)] {
            for (i, &b) in branches.iter().enumerate() {
                let key = site.key.with(&[b], &[group.owner]);
                if let Some(v) = g.sample_key(&key, seed ^ (i as u64 + 1), 50) {
                    push(format!("{kind} branch {i}"), v);
                }
            }
        }
    }
    out
}

/// `items` extended with sampled valid items to `n` (distinct when the array must be unique).
pub fn grow(
    g: &ValueGenerator,
    site: &Site,
    items: &[Value],
    n: usize,
    seed: u64,
) -> Option<Vec<Value>> {
    let view = g.view(&site.resolved);
    let mut out = items.to_vec();
    let mut tries = 0u64;
    while out.len() < n {
        tries += 1;
        if tries > 4 * n as u64 + 8 {
            return None;
        }
        let key = view.item(out.len());
        let v = g.sample_key(&key, seed.wrapping_add(tries.wrapping_mul(0x9E37)), 30)?;
        if view.unique && out.iter().any(|x| walk::same(x, &v)) {
            continue;
        }
        out.push(v);
    }
    Some(out)
}
