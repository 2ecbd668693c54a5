//! The source map: where in which file every value of a loaded document came from.
//!
//! Diagnostics are only useful when they point at a line, so every parsed file keeps a compact
//! table of positions beside its `serde_json::Value`: one [`SpanNode`] per value, in pre-order,
//! each knowing the size of its subtree. A JSON pointer is located by walking the value and the
//! table together. This costs 20 bytes per value and no per-value strings, which keeps a 10 MB
//! spec well inside its memory budget.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::pointer;

/// A 1-based line and column as the parser saw it. For YAML the column counts characters; for
/// JSON it counts bytes and is turned into characters when shown (see [`SourceFile::position`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
}

/// One value in pre-order. `key` is the position of the member name when the value is an
/// object member (otherwise equal to `value`); `size` counts this node and all below it.
#[derive(Debug, Clone, Copy)]
pub struct SpanNode {
    pub key: Pos,
    pub value: Pos,
    pub size: u32,
}

/// The pre-order position table of one file, aligned with its value.
#[derive(Debug, Default, Clone)]
pub struct SpanTree {
    pub(crate) nodes: Vec<SpanNode>,
}

impl SpanTree {
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The node for `ptr` inside `root`, or the deepest ancestor that has one. Values added after
    /// parsing (none are today) simply fall back to their parent.
    fn locate(&self, root: &Value, ptr: &str) -> Option<SpanNode> {
        let mut idx = 0usize;
        let mut node = *self.nodes.first()?;
        let mut value = root;
        for token in pointer::tokens(ptr) {
            let child_pos = match value {
                Value::Object(map) => map.keys().position(|k| *k == *token),
                Value::Array(items) => token.parse::<usize>().ok().filter(|i| *i < items.len()),
                _ => None,
            };
            let Some(pos) = child_pos else { break };
            let child_value = match value {
                Value::Object(map) => map.values().nth(pos),
                Value::Array(items) => items.get(pos),
                _ => None,
            };
            let Some(child_value) = child_value else {
                break;
            };
            // Skip `pos` earlier siblings to reach the child's node.
            let mut child = idx + 1;
            for _ in 0..pos {
                match self.nodes.get(child) {
                    Some(n) => child += n.size as usize,
                    None => return Some(node),
                }
            }
            let end = idx + node.size as usize;
            match self.nodes.get(child) {
                Some(n) if child < end => {
                    idx = child;
                    node = *n;
                    value = child_value;
                }
                _ => break,
            }
        }
        Some(node)
    }
}

/// How a file was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Yaml,
    /// A file that is neither (a Markdown description, say) taken as one string.
    Text,
}

/// One file of a loaded spec: its text, its value and its position table.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as the user gave it or as reached through `$ref` (for messages).
    pub path: PathBuf,
    /// The canonical absolute path (for identity and for the validator's URIs).
    pub canonical: PathBuf,
    pub text: String,
    pub value: Value,
    pub spans: SpanTree,
    pub format: Format,
    /// Byte offsets of line starts, built on first use (finding many lines would be quadratic).
    pub line_starts: std::sync::OnceLock<Vec<usize>>,
}

/// A place in a file as shown to users: 1-based line and character column.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Position {
    #[serde(serialize_with = "lossy_path")]
    pub file: PathBuf,
    pub line: u32,
    pub column: u32,
}

/// Paths go into JSON as strings even when they are not UTF-8 (serde refuses those otherwise).
pub fn lossy_path<S: serde::Serializer>(path: &Path, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&path.to_string_lossy())
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

/// Which end of a member to point at: its name or its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    Key,
    Value,
}

impl SourceFile {
    /// The position of the value at `ptr` (or of its nearest located ancestor).
    pub fn position(&self, ptr: &str, anchor: Anchor) -> Position {
        let pos = self
            .spans
            .locate(&self.value, ptr)
            .map(|n| {
                if anchor == Anchor::Key {
                    n.key
                } else {
                    n.value
                }
            })
            .unwrap_or(Pos { line: 1, col: 1 });
        self.position_of(pos)
    }

    /// Turns a parser position into a user-facing one (both parsers count characters).
    pub fn position_of(&self, pos: Pos) -> Position {
        Position {
            file: self.path.clone(),
            line: pos.line,
            column: pos.col,
        }
    }

    /// The text of a 1-based line, without its line break ("" past the end).
    pub fn line_text(&self, line: u32) -> &str {
        let starts = self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(self.text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        });
        let Some(&start) = starts.get(line.saturating_sub(1) as usize) else {
            return "";
        };
        let end = starts.get(line as usize).map_or(self.text.len(), |e| e - 1);
        let text = &self.text[start..end.max(start)];
        text.strip_suffix('\r').unwrap_or(text)
    }
}

pub(crate) fn line_text(text: &str, line: u32) -> &str {
    text.split('\n')
        .nth(line.saturating_sub(1) as usize)
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .unwrap_or("")
}

/// A rustc-style snippet of one line with a caret under the column.
pub fn snippet(line_text: &str, line: u32, column: u32) -> String {
    const MAX: usize = 160;
    let gutter = line.to_string().len();
    let chars: Vec<char> = line_text.chars().collect();
    let col = column.saturating_sub(1) as usize;
    // Long lines (minified JSON) are cut around the column so the caret stays visible.
    let start = col.saturating_sub(MAX / 2).min(chars.len());
    let end = (start + MAX).min(chars.len());
    let shown: String = chars[start..end].iter().collect();
    let lead = if start > 0 { "…" } else { "" };
    let caret_at = col - start + lead.chars().count();
    format!(
        "{:gutter$} |\n{line} | {lead}{shown}\n{:gutter$} | {:caret_at$}^",
        "", "", ""
    )
}

/// A path made relative to the current directory when it lies below it, for shorter messages.
pub fn display_path(path: &Path) -> PathBuf {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(&cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippet_puts_caret_under_column() {
        let s = snippet("  type: strin", 7, 9);
        assert_eq!(s, "  |\n7 |   type: strin\n  |         ^");
    }
}
