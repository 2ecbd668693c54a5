//! The loaded spec: every file it spans, how `$ref`s between them resolve, and where things are.
//!
//! Refs are resolved on demand rather than inlined: inlining explodes on large multi-file specs
//! and cannot represent recursive schemas at all. A [`Loc`] (file + JSON pointer) names any value;
//! [`Spec::deref`] follows reference chains with cycle detection, and the source map turns a
//! `Loc` into file, line and column.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use serde_json::Value;

use super::pointer;
use super::source::{Anchor, Position, SourceFile};

/// Index of a file in [`Spec::files`]; the root document is always 0.
pub type FileId = usize;

/// A value's address: which file, which JSON pointer inside it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Loc {
    pub file: FileId,
    pub ptr: String,
}

impl Loc {
    pub fn new(file: FileId, ptr: impl Into<String>) -> Self {
        Loc {
            file,
            ptr: ptr.into(),
        }
    }

    pub fn child(&self, token: &str) -> Loc {
        Loc::new(self.file, pointer::push(&self.ptr, token))
    }

    pub fn index(&self, i: usize) -> Loc {
        Loc::new(self.file, pointer::push_index(&self.ptr, i))
    }
}

/// The document's `openapi` version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OasVersion {
    pub major: u32,
    pub minor: u32,
    pub raw: String,
}

impl OasVersion {
    pub fn is_30(&self) -> bool {
        self.major == 3 && self.minor == 0
    }
}

/// A problem found while loading that leaves the document usable (it becomes a lint finding).
#[derive(Debug, Clone)]
pub struct Problem {
    pub kind: ProblemKind,
    pub message: String,
    pub position: Position,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    /// A `$ref` whose target file or pointer does not exist or cannot be parsed.
    UnresolvedRef,
    /// A chain of `$ref`s that leads back to itself, or a non-schema object containing itself.
    RefCycle,
    /// A `.json` file that is not valid JSON but was read as YAML.
    InvalidJson,
}

/// Why a `$ref` could not be followed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefError {
    #[error("`{reference}`: remote references are not fetched (kontrakt works offline)")]
    Remote { reference: String },
    #[error("`{reference}`: file `{}` is not loaded ({reason})", file.display())]
    File {
        reference: String,
        file: PathBuf,
        reason: String,
    },
    #[error(
        "`{reference}`: `{fragment}` is not a JSON pointer (plain-name anchors are not supported)"
    )]
    BadFragment { reference: String, fragment: String },
    #[error("`{reference}`: nothing at `{ptr}` in `{}`", file.display())]
    Missing {
        reference: String,
        file: PathBuf,
        ptr: String,
    },
    #[error("`{reference}`: the chain of references leads back to itself")]
    Cycle { reference: String },
    #[error("`$ref` must be a string")]
    NotAString,
}

/// A loaded OpenAPI document and all files it references.
#[derive(Debug)]
pub struct Spec {
    pub files: Vec<SourceFile>,
    pub version: OasVersion,
    /// Problems found while loading that do not stop the document from being used.
    pub problems: Vec<Problem>,
    /// Files that could not be loaded through a `$ref`, with the reason (path → message).
    pub(crate) failed: HashMap<PathBuf, String>,
    pub(crate) by_path: HashMap<PathBuf, FileId>,
}

impl Spec {
    pub fn root(&self) -> &Value {
        &self.files[0].value
    }

    pub fn root_path(&self) -> &Path {
        &self.files[0].path
    }

    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id]
    }

    /// Frees the source texts when only positions are wanted (`kontrakt diff` holds two large
    /// specs at once). Positions stay exact, since the span trees hold them; line snippets
    /// ([`super::source::SourceFile::line_text`]) are empty afterwards.
    pub fn drop_texts(&mut self) {
        for file in &mut self.files {
            file.text = String::new();
            file.line_starts = std::sync::OnceLock::new();
        }
    }

    /// The value at `loc`, if it exists.
    pub fn get(&self, loc: &Loc) -> Option<&Value> {
        pointer::get(&self.files.get(loc.file)?.value, &loc.ptr)
    }

    /// The user-facing position of `loc` (its member name, or the value itself for array items).
    pub fn position(&self, loc: &Loc) -> Position {
        self.files[loc.file].position(&loc.ptr, Anchor::Key)
    }

    /// The user-facing position of the value at `loc` rather than its member name.
    pub fn value_position(&self, loc: &Loc) -> Position {
        self.files[loc.file].position(&loc.ptr, Anchor::Value)
    }

    /// Resolves a `$ref` string written in file `from`.
    pub fn resolve_ref(&self, from: FileId, reference: &str) -> Result<Loc, RefError> {
        let (file_part, fragment) = match reference.split_once('#') {
            Some((f, frag)) => (f, frag),
            None => (reference, ""),
        };
        let fragment = percent_encoding::percent_decode_str(fragment)
            .decode_utf8_lossy()
            .into_owned();
        if !pointer::is_valid(&fragment) {
            return Err(RefError::BadFragment {
                reference: reference.to_string(),
                fragment,
            });
        }
        let file = if file_part.is_empty() {
            from
        } else {
            let target =
                ref_target_path(&self.files[from].canonical, file_part).ok_or_else(|| {
                    RefError::Remote {
                        reference: reference.to_string(),
                    }
                })?;
            match self.by_path.get(&target) {
                Some(id) => *id,
                None => {
                    let reason = self
                        .failed
                        .get(&target)
                        .cloned()
                        .unwrap_or_else(|| "not reachable from the root document".into());
                    return Err(RefError::File {
                        reference: reference.to_string(),
                        file: super::source::display_path(&target),
                        reason,
                    });
                }
            }
        };
        if pointer::get(&self.files[file].value, &fragment).is_none() {
            return Err(RefError::Missing {
                reference: reference.to_string(),
                file: self.files[file].path.clone(),
                ptr: fragment,
            });
        }
        Ok(Loc::new(file, fragment))
    }

    /// If the value at `loc` is a reference (an object with a string `$ref`), follows the chain to
    /// the first value that is not; otherwise returns `loc` itself.
    pub fn deref(&self, loc: &Loc) -> Result<Loc, RefError> {
        let mut here = loc.clone();
        let mut seen: Vec<Loc> = Vec::new();
        loop {
            let Some(Value::Object(map)) = self.get(&here) else {
                return Ok(here);
            };
            let Some(reference) = map.get("$ref") else {
                return Ok(here);
            };
            let Value::String(reference) = reference else {
                return Err(RefError::NotAString);
            };
            if seen.contains(&here) {
                return Err(RefError::Cycle {
                    reference: reference.clone(),
                });
            }
            seen.push(here.clone());
            here = self.resolve_ref(here.file, reference)?;
        }
    }

    /// The absolute URI naming a file for the schema validator's registry.
    pub fn file_uri(&self, id: FileId) -> String {
        file_uri(&self.files[id].canonical)
    }
}

/// The absolute, lexically normalised path a relative file reference points to (None: remote).
pub(crate) fn ref_target_path(from_file: &Path, file_part: &str) -> Option<PathBuf> {
    if file_part.contains("://") {
        return None;
    }
    let decoded = percent_encoding::percent_decode_str(file_part).decode_utf8_lossy();
    let relative = decoded.strip_prefix("file:").unwrap_or(&decoded);
    let base = from_file.parent().unwrap_or(Path::new("/"));
    Some(normalize_path(&base.join(relative)))
}

/// Removes `.` and `..` components without touching the file system (no symlink resolution).
pub(crate) fn normalize_path(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// `file:///abs/path` with each segment percent-encoded.
pub(crate) fn file_uri(path: &Path) -> String {
    const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    let mut uri = String::from("file://");
    for c in path.components() {
        if let Component::Normal(seg) = c {
            uri.push('/');
            uri.extend(percent_encoding::utf8_percent_encode(
                &seg.to_string_lossy(),
                SEGMENT,
            ));
        }
    }
    uri
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ref_paths_are_relative_to_the_referring_file() {
        let from = Path::new("/specs/a/api.yaml");
        assert_eq!(
            ref_target_path(from, "../common/x.yaml").unwrap(),
            PathBuf::from("/specs/common/x.yaml")
        );
        assert_eq!(
            ref_target_path(from, "./models/app%20copy.yml").unwrap(),
            PathBuf::from("/specs/a/models/app copy.yml")
        );
        assert_eq!(ref_target_path(from, "https://x/y.yaml"), None);
    }

    #[test]
    fn file_uris_escape_segments() {
        assert_eq!(
            file_uri(Path::new("/a b/dødsbo.yaml")),
            "file:///a%20b/d%C3%B8dsbo.yaml"
        );
    }
}
