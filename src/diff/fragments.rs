//! Side-by-side views of a changed schema fragment, for the text and Markdown outputs.
//!
//! A one-line message ("type changed from string to integer") is enough for most changes, but
//! a reviewer of a changed schema wants to see the schema: the old and new fragment, lined up,
//! with the differing lines marked. The fragments are taken from the specs while they are
//! loaded (a [`Change`] keeps only their text) and compared line by line with `similar`.

use std::collections::HashMap;

use serde_json::Value;
use similar::{ChangeTag, TextDiff};

use super::policy::Change;
use crate::spec::{Loc, Spec};

/// Fragments longer than this (in lines, on either side) are not shown: the message and the
/// positions say where to look.
pub const MAX_LINES: usize = 40;

/// Width of each column in the side-by-side text view.
const COLUMN: usize = 38;

/// Fills in [`Change::fragment`] for changes inside a schema whose two sides are both schemas
/// that differ and are short enough to show.
pub fn attach(changes: &mut [Change], old: &Spec, new: &Spec) {
    // A shared schema's change is listed under several operations with the same two sites.
    let mut made: HashMap<(Loc, Loc), Option<(String, String)>> = HashMap::new();
    for ch in changes {
        let (Some(o), Some(n)) = (
            ch.delta.old.as_ref().map(|s| &s.loc),
            ch.delta.new.as_ref().map(|s| &s.loc),
        ) else {
            continue;
        };
        if !in_schema(o) || !in_schema(n) {
            continue;
        }
        ch.fragment = made
            .entry((o.clone(), n.clone()))
            .or_insert_with(|| fragment(old, new, o, n))
            .clone();
    }
}

/// The old and new schema fragments around two sites, when both are schemas that differ and
/// are short enough to show.
fn fragment(old: &Spec, new: &Spec, o: &Loc, n: &Loc) -> Option<(String, String)> {
    let (ov, nv) = (value(old, o)?, value(new, n)?);
    if !ov.is_object() || !nv.is_object() || ov == nv {
        return None;
    }
    let (ot, nt) = (
        serde_json::to_string_pretty(ov).ok()?,
        serde_json::to_string_pretty(nv).ok()?,
    );
    if ot.lines().count() > MAX_LINES || nt.lines().count() > MAX_LINES {
        return None;
    }
    Some((ot, nt))
}

fn in_schema(loc: &Loc) -> bool {
    loc.ptr.contains("/schema") || loc.ptr.contains("/properties/")
}

/// The schema around `loc`: the value itself when it is a schema object, else the nearest
/// enclosing one (an enum value's schema, a `required` list's object schema).
fn value<'s>(spec: &'s Spec, loc: &Loc) -> Option<&'s Value> {
    let mut ptr = loc.ptr.clone();
    loop {
        let here = Loc::new(loc.file, ptr.clone());
        let target = spec.deref(&here).unwrap_or(here);
        // `properties` holds names, not a schema.
        let names = ptr.ends_with("/properties");
        match spec.get(&target) {
            Some(v @ Value::Object(_)) if !names => return Some(v),
            _ => {}
        }
        let cut = ptr.rfind('/')?;
        ptr.truncate(cut);
        if !ptr.contains('/') {
            return None;
        }
    }
}

/// The two fragments in two columns, `old | new`, with `-`/`+` marking differing lines and `│`
/// between; lines too long for a column are cut with `…`.
pub fn side_by_side(old: &str, new: &str, indent: &str) -> String {
    side_by_side_labelled(("old", "new"), old, new, indent)
}

/// [`side_by_side`] with other column headings.
pub fn side_by_side_labelled(labels: (&str, &str), old: &str, new: &str, indent: &str) -> String {
    let diff = TextDiff::from_lines(old, new);
    let mut rows: Vec<(char, String, String)> = Vec::new();
    let mut removed: Vec<String> = Vec::new();
    let mut added: Vec<String> = Vec::new();
    let flush = |rows: &mut Vec<(char, String, String)>,
                 removed: &mut Vec<String>,
                 added: &mut Vec<String>| {
        let n = removed.len().max(added.len());
        for i in 0..n {
            rows.push((
                '~',
                removed.get(i).cloned().unwrap_or_default(),
                added.get(i).cloned().unwrap_or_default(),
            ));
        }
        removed.clear();
        added.clear();
    };
    for change in diff.iter_all_changes() {
        let line = change.value().trim_end_matches('\n').to_string();
        match change.tag() {
            ChangeTag::Equal => {
                flush(&mut rows, &mut removed, &mut added);
                rows.push((' ', line.clone(), line));
            }
            ChangeTag::Delete => removed.push(line),
            ChangeTag::Insert => added.push(line),
        }
    }
    flush(&mut rows, &mut removed, &mut added);
    let mut out = String::new();
    out.push_str(&format!(
        "{indent}  {:<COLUMN$} │   {}\n",
        labels.0, labels.1
    ));
    for (tag, l, r) in rows {
        let (lm, rm) = match tag {
            ' ' => (' ', ' '),
            _ => (
                if l.is_empty() { ' ' } else { '-' },
                if r.is_empty() { ' ' } else { '+' },
            ),
        };
        let row = format!("{indent}{lm} {:<COLUMN$} │ {rm} {}", cut(&l), cut(&r));
        out.push_str(row.trim_end());
        out.push('\n');
    }
    out
}

fn cut(s: &str) -> String {
    if s.chars().count() <= COLUMN {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(COLUMN - 1).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_up_changed_lines() {
        let old = "{\n  \"type\": \"string\",\n  \"maxLength\": 10\n}";
        let new = "{\n  \"type\": \"integer\",\n  \"maxLength\": 10\n}";
        let s = side_by_side(old, new, "");
        assert!(s.contains("-   \"type\": \"string\","), "{s}");
        assert!(s.contains("│ +   \"type\": \"integer\","), "{s}");
        assert!(s.contains("    \"maxLength\": 10"), "{s}");
        assert_eq!(s.lines().count(), 5, "{s}");
    }
}
