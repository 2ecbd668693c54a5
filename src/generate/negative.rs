//! Invalid values that break exactly one named constraint of one site.
//!
//! Every candidate is judged against the site's merged keywords ([`walk::breaks`]) and kept
//! only when the one constraint it names is the only one it breaks: a string too long *and* off
//! its pattern would make a finding ambiguous. The caller then checks that the whole value (as
//! the server will read it) is really invalid, so a mutation an ancestor's `oneOf` or `not`
//! happens to accept is dropped rather than sent as a false negative.

use serde_json::{Map, Value};

use super::boundary::{self, Edit, fills, resize};
use super::case::Constraint;
use super::generator::ValueGenerator;
use super::plan::{Key, View};
use super::walk::{self, Site};

/// Longest string built to break a `maxLength`; beyond it the limit is left to other tools.
pub const MAX_NEGATIVE_LEN: u64 = 10_000;
/// Most items built to break a `maxItems`.
const MAX_NEGATIVE_ITEMS: u64 = 100;
/// A property name no schema declares.
const EXTRA: [&str; 3] = ["kontraktEkstra", "kontrakt_ekstra", "x-kontrakt-ekstra"];

/// One way to break one constraint at one site.
#[derive(Debug, Clone)]
pub struct Mutation {
    pub edit: Edit,
    pub constraint: Constraint,
    pub detail: String,
    /// The site whose keyword is broken (the object for a missing or extra property).
    pub site: Vec<String>,
    pub key: Key,
}

/// Strings that a format check refuses, per format.
fn bad_formats(format: &str) -> &'static [&'static str] {
    match format {
        "date" => &["2021-02-30", "2021-13-01", "21-01-01"],
        "date-time" => &["2021-02-30T10:00:00Z", "2021-01-01 25:00"],
        "time" => &["25:61:00Z", "noon"],
        "uuid" => &["0000000g-0000-0000-0000-000000000000", "kontrakt-uuid"],
        "email" | "idn-email" => &["kontrakt.example.dk", "@"],
        "ipv4" => &["256.0.0.1", "1.2.3"],
        "ipv6" => &["2001:db8::g", "1:2"],
        "uri" | "iri" => &["kontrakt uri", "//"],
        "hostname" | "idn-hostname" => &["-kontrakt-.dk", "a..b"],
        "cpr" => &["3201801234", "0113801234", "320180-1234"],
        "cvr" => &["01234567", "1234567", "1234567a"],
        "duration" => &["P1X", "PT"],
        "date-month" => &["2021-13"],
        _ => &["kontrakt-ugyldig", "!"],
    }
}

fn describe(v: &Value) -> String {
    let text = v.to_string();
    if text.chars().count() > 40 {
        let cut: String = text.chars().take(37).collect();
        format!("{cut}...")
    } else {
        text
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Candidates at `site` (current value `cur`), each breaking exactly its constraint.
pub fn mutations(g: &ValueGenerator, site: &Site, cur: &Value, seed: u64) -> Vec<Mutation> {
    let view = g.view(&site.resolved);
    let mut out = Vec::new();
    let mut leaf = |c: Constraint, v: Value, detail: String| {
        if walk::breaks(g, &view, &v) == [c] {
            out.push(Mutation {
                edit: Edit {
                    ptr: site.ptr.clone(),
                    value: Some(v),
                    what: c.id().into(),
                },
                constraint: c,
                detail,
                site: site.ptr.clone(),
                key: site.resolved.clone(),
            });
        }
    };

    if view.types.is_some() {
        let candidates = [
            Value::String("kontrakt".into()),
            Value::from(12345),
            Value::Bool(true),
            Value::Object(Map::new()),
            Value::Array(Vec::new()),
            Value::Null,
        ];
        for v in candidates {
            let detail = format!("sent {} {}", type_name(&v), describe(&v));
            leaf(Constraint::WrongType, v, detail);
        }
    }
    if let Some(choices) = &view.choices {
        let mut candidates: Vec<Value> = vec![
            Value::String("kontrakt-ugyldig".into()),
            Value::String("x".into()),
        ];
        if let Value::String(s) = cur {
            candidates.push(Value::String(format!("{s}x")));
            candidates.push(Value::String(resize(s, s.chars().count(), 'x')));
            if let Some(c) = s.chars().next() {
                let flipped: String = std::iter::once(if c == 'x' { 'y' } else { 'x' })
                    .chain(s.chars().skip(1))
                    .collect();
                candidates.push(Value::String(flipped));
            }
        }
        let numbers: Vec<f64> = choices.iter().filter_map(Value::as_f64).collect();
        if let Some(max) = numbers.iter().copied().reduce(f64::max) {
            candidates.extend(walk::number(max + 1.0, false));
        }
        if let Some(min) = numbers.iter().copied().reduce(f64::min) {
            candidates.extend(walk::number(min - 1.0, false));
        }
        candidates.push(Value::Bool(!choices.contains(&Value::Bool(false))));
        let allowed = choices
            .iter()
            .map(describe)
            .take(6)
            .collect::<Vec<_>>()
            .join(", ");
        for v in candidates {
            let detail = format!("enum [{allowed}], sent {}", describe(&v));
            leaf(Constraint::InvalidEnum, v, detail);
        }
    }
    match cur {
        Value::Number(n) => number_mutations(&view, n.as_f64().unwrap_or(0.0), &mut leaf),
        Value::String(s) => string_mutations(&view, s, &mut leaf),
        Value::Array(items) => {
            let n = items.len() as u64;
            if view.min_items > 0 && n >= view.min_items {
                let keep = (view.min_items - 1) as usize;
                leaf(
                    Constraint::TooFewItems,
                    Value::Array(items[..keep].to_vec()),
                    format!("minItems {}, sent {keep}", view.min_items),
                );
            }
            if let Some(max) = view.max_items.filter(|&m| m < MAX_NEGATIVE_ITEMS)
                && let Some(more) = boundary::grow(g, site, items, max as usize + 1, seed)
            {
                leaf(
                    Constraint::TooManyItems,
                    Value::Array(more),
                    format!("maxItems {max}, sent {}", max + 1),
                );
            }
            if view.unique && !items.is_empty() && view.max_items.is_none_or(|m| n < m) {
                let mut dup = items.clone();
                dup.push(items[0].clone());
                leaf(
                    Constraint::NotUnique,
                    Value::Array(dup),
                    format!("uniqueItems, sent item 0 twice ({})", describe(&items[0])),
                );
            }
        }
        Value::Object(map) => {
            for r in &view.required {
                if !map.contains_key(r) {
                    continue;
                }
                let mut without = map.clone();
                without.shift_remove(r);
                if walk::breaks(g, &view, &Value::Object(without)) == [Constraint::MissingRequired]
                {
                    let mut ptr = site.ptr.clone();
                    ptr.push(r.clone());
                    out.push(Mutation {
                        edit: Edit {
                            ptr,
                            value: None,
                            what: "missing-required".into(),
                        },
                        constraint: Constraint::MissingRequired,
                        detail: format!("required property `{r}` left out"),
                        site: site.ptr.clone(),
                        key: site.resolved.clone(),
                    });
                }
            }
            if let Some(name) = EXTRA
                .iter()
                .find(|n| !map.contains_key(**n) && walk::forbidden_name(g, &view, n))
            {
                let mut with = map.clone();
                with.insert(name.to_string(), Value::String("kontrakt".into()));
                if walk::breaks(g, &view, &Value::Object(with)) == [Constraint::ExtraProperty] {
                    let mut ptr = site.ptr.clone();
                    ptr.push(name.to_string());
                    out.push(Mutation {
                        edit: Edit {
                            ptr,
                            value: Some(Value::String("kontrakt".into())),
                            what: "extra-property".into(),
                        },
                        constraint: Constraint::ExtraProperty,
                        detail: format!("additional properties are not allowed, sent `{name}`"),
                        site: site.ptr.clone(),
                        key: site.resolved.clone(),
                    });
                }
            }
        }
        _ => {}
    }
    out
}

fn number_mutations(view: &View, cur: f64, leaf: &mut impl FnMut(Constraint, Value, String)) {
    let integer = !walk::types_of(view).has(super::ir::TypeSet::NUMBER);
    let step = view.multiples.first().copied();
    let snap_down = |x: f64| step.map_or(x, |m| (x / m).floor() * m);
    let snap_up = |x: f64| step.map_or(x, |m| (x / m).ceil() * m);
    if let Some(lo) = view.lo {
        let raw = if lo.exclusive {
            if integer { lo.value.floor() } else { lo.value }
        } else if integer {
            lo.value.ceil() - step.unwrap_or(1.0)
        } else {
            lo.value - step.unwrap_or(1.0)
        };
        let kind = if lo.exclusive {
            "exclusiveMinimum"
        } else {
            "minimum"
        };
        for x in [raw, snap_down(raw), snap_down(raw - 1.0)] {
            if let Some(v) = walk::number(x, integer) {
                let detail = format!("{kind} {}, sent {v}", lo.value);
                leaf(Constraint::BelowMinimum, v, detail);
            }
        }
    }
    if let Some(hi) = view.hi {
        let raw = if hi.exclusive {
            if integer { hi.value.ceil() } else { hi.value }
        } else if integer {
            hi.value.floor() + step.unwrap_or(1.0)
        } else {
            hi.value + step.unwrap_or(1.0)
        };
        let kind = if hi.exclusive {
            "exclusiveMaximum"
        } else {
            "maximum"
        };
        for x in [raw, snap_up(raw), snap_up(raw + 1.0)] {
            if let Some(v) = walk::number(x, integer) {
                let detail = format!("{kind} {}, sent {v}", hi.value);
                leaf(Constraint::AboveMaximum, v, detail);
            }
        }
    }
    if let Some(m) = step {
        for x in [cur + m / 2.0, cur - m / 2.0, cur + 1.0, cur - 1.0] {
            if let Some(v) = walk::number(x, integer) {
                let detail = format!("multipleOf {m}, sent {v}");
                leaf(Constraint::NotMultipleOf, v, detail);
            }
        }
    }
}

fn string_mutations(view: &View, s: &str, leaf: &mut impl FnMut(Constraint, Value, String)) {
    let n = s.chars().count();
    let fills = fills(s);
    if view.min_len > 0 {
        let len = view.min_len as usize - 1;
        for &c in &fills {
            let v = resize(s, len, c);
            let detail = format!("minLength {}, sent {len} characters", view.min_len);
            leaf(Constraint::TooShort, Value::String(v), detail);
        }
    }
    if let Some(max) = view.max_len.filter(|&m| m < MAX_NEGATIVE_LEN) {
        let len = max as usize + 1;
        for &c in &fills {
            let v = resize(s, len, c);
            let detail = format!("maxLength {max}, sent {len} characters");
            leaf(Constraint::TooLong, Value::String(v), detail);
        }
    }
    if let Some(p) = view.patterns.first() {
        let mut candidates = Vec::new();
        for bad in ['!', '~', '#', ' ', 'Z', 'z', '0', '-'] {
            let last: String = s.chars().take(n.saturating_sub(1)).chain([bad]).collect();
            let first: String = std::iter::once(bad).chain(s.chars().skip(1)).collect();
            candidates.push(last);
            candidates.push(first);
            candidates.push(std::iter::repeat_n(bad, n.max(1)).collect());
            candidates.push(format!("{s}{bad}"));
        }
        for v in candidates {
            let detail = format!(
                "pattern `{}`, sent {}",
                p.source,
                describe(&Value::String(v.clone()))
            );
            leaf(Constraint::PatternMismatch, Value::String(v), detail);
        }
    }
    for f in &view.formats {
        for bad in bad_formats(f) {
            let detail = format!("format {f}, sent \"{bad}\"");
            leaf(
                Constraint::InvalidFormat,
                Value::String((*bad).into()),
                detail,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_format_strings_fail_the_validators_format_checks() {
        for f in [
            "date",
            "date-time",
            "time",
            "uuid",
            "email",
            "ipv4",
            "ipv6",
            "uri",
            "hostname",
            "cpr",
            "cvr",
            "duration",
        ] {
            let failing: Vec<&str> = bad_formats(f)
                .iter()
                .copied()
                .filter(|s| !walk::format_ok(f, s))
                .collect();
            assert!(!failing.is_empty(), "no candidate fails format {f}");
        }
        assert!(walk::format_ok("date", "2021-02-28"));
        assert!(walk::format_ok("no-such-format", "anything"));
    }
}
