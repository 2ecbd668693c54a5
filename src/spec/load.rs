//! Reading a spec from disk: the root document, every file its `$ref`s reach, the version check.
//!
//! Loading fails (exit 2) only when the root document itself cannot be used: unreadable, not
//! parseable, over a limit, not OpenAPI, or a version we do not read. Everything past that —
//! a missing referenced file, a broken pointer, a `.json` file that is really YAML — becomes a
//! [`Problem`] with its position, so one bad ref does not hide every other finding.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::document::{
    FileId, Loc, OasVersion, Problem, ProblemKind, RefError, Spec, normalize_path, ref_target_path,
};
use super::parse::{self, Limits, ParseError};
use super::pointer;
use super::source::{Anchor, Format, Pos, Position, SourceFile, display_path};

/// What kind of failure stopped a load; each has a stable id for JSON output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadErrorKind {
    Unreadable,
    TooLarge,
    NotUtf8,
    Syntax,
    Limit,
    NotOpenApi,
    Swagger2,
    UnsupportedVersion,
}

impl LoadErrorKind {
    pub fn id(self) -> &'static str {
        match self {
            LoadErrorKind::Unreadable => "unreadable-file",
            LoadErrorKind::TooLarge => "file-too-large",
            LoadErrorKind::NotUtf8 => "not-utf8",
            LoadErrorKind::Syntax => "syntax-error",
            LoadErrorKind::Limit => "resource-limit",
            LoadErrorKind::NotOpenApi => "not-openapi",
            LoadErrorKind::Swagger2 => "swagger-2",
            LoadErrorKind::UnsupportedVersion => "unsupported-version",
        }
    }
}

/// A file that could not be loaded, with where and why.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}{message}", position.as_ref().map(|p| format!("{p}: ")).unwrap_or_else(|| format!("{}: ", file.display())))]
pub struct LoadError {
    pub kind: LoadErrorKind,
    pub file: PathBuf,
    pub message: String,
    pub position: Option<Position>,
    /// The offending line, for a snippet.
    pub line_text: Option<String>,
}

impl LoadError {
    fn at_file(kind: LoadErrorKind, file: &Path, message: impl Into<String>) -> Self {
        LoadError {
            kind,
            file: file.to_path_buf(),
            message: message.into(),
            position: None,
            line_text: None,
        }
    }

    fn at(kind: LoadErrorKind, source: &SourceFile, ptr: &str, message: impl Into<String>) -> Self {
        let position = source.position(ptr, Anchor::Key);
        LoadError {
            kind,
            file: source.path.clone(),
            line_text: Some(source.line_text(position.line).to_string()),
            position: Some(position),
            message: message.into(),
        }
    }
}

/// Loads the OpenAPI document at `path` and everything it references.
pub fn load(path: &Path) -> Result<Spec, LoadError> {
    load_with(path, Limits::default())
}

/// [`load`] with explicit resource limits.
pub fn load_with(path: &Path, limits: Limits) -> Result<Spec, LoadError> {
    let canonical = absolute(path);
    let mut problems = Vec::new();
    let root = read_source(path, &canonical, limits, true, &mut problems)?;
    let version = detect_version(&root)?;
    let mut spec = Spec {
        files: Vec::new(),
        version,
        problems,
        failed: HashMap::new(),
        by_path: HashMap::new(),
    };
    spec.by_path.insert(canonical, 0);
    spec.files.push(root);

    // Breadth-first over files reachable by `$ref`, collecting every ref site on the way.
    let mut sites: Vec<(FileId, String, String)> = Vec::new();
    let mut queue: VecDeque<FileId> = VecDeque::from([0]);
    while let Some(id) = queue.pop_front() {
        let start = sites.len();
        let file = &spec.files[id];
        if file.format != Format::Text {
            let mut path = Vec::new();
            collect_refs(&file.value, &mut path, None, &mut |ptr, reference| {
                sites.push((id, ptr, reference.to_string()));
            });
        }
        for (_, _, reference) in &sites[start..] {
            let file_part = reference.split('#').next().unwrap_or("");
            if file_part.is_empty() {
                continue;
            }
            let Some(target) = ref_target_path(&spec.files[id].canonical, file_part) else {
                continue;
            };
            if spec.by_path.contains_key(&target) || spec.failed.contains_key(&target) {
                continue;
            }
            let shown = display_path(&target);
            match read_source(&shown, &target, limits, false, &mut spec.problems) {
                Ok(source) => {
                    spec.by_path.insert(target, spec.files.len());
                    queue.push_back(spec.files.len());
                    spec.files.push(source);
                }
                Err(e) => {
                    spec.failed.insert(target, e.to_string());
                }
            }
        }
    }

    for (file, ptr, reference) in sites {
        let site = Loc::new(file, pointer::push(&ptr, "$ref"));
        // Only a target that is itself a reference can start a chain worth following.
        let result = spec.resolve_ref(file, &reference).and_then(|target| {
            match spec.get(&target).and_then(|v| v.get("$ref")) {
                Some(_) => spec.deref(&Loc::new(file, ptr.clone())).map(|_| ()),
                None => Ok(()),
            }
        });
        if let Err(e) = result {
            let kind = match e {
                RefError::Cycle { .. } => ProblemKind::RefCycle,
                _ => ProblemKind::UnresolvedRef,
            };
            let position = spec.value_position(&site);
            spec.problems.push(Problem {
                kind,
                message: e.to_string(),
                position,
            });
        }
    }
    Ok(spec)
}

/// An absolute, lexically normalised path (relative paths are taken from the current directory).
pub fn absolute(path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .unwrap_or_else(|_| PathBuf::from("/"))
            .join(path)
    };
    normalize_path(&joined)
}

/// Member names whose maps hold user-chosen names, where a key starting `x-` is a name (a header
/// called `x-request-id`, a property `x-foo`) rather than a specification extension.
const NAME_MAPS: &[&str] = &[
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
    "schemas",
    "responses",
    "parameters",
    "examples",
    "requestBodies",
    "headers",
    "securitySchemes",
    "links",
    "callbacks",
    "pathItems",
    "content",
    "encoding",
    "mapping",
    "variables",
    "paths",
    "webhooks",
    "scopes",
];

/// Keywords whose values are literal data (`examples` only as a schema's list: as a map it holds
/// Example Objects, which may be references).
const LITERAL: &[&str] = &["default", "const", "enum", "example", "examples"];

enum Tok<'a> {
    Key(&'a str),
    Index(usize),
}

/// Calls `found(pointer, reference)` for every `$ref` string, skipping specification extensions
/// (`x-…` members are opaque to OpenAPI; real specs keep code-sample file refs there).
fn collect_refs<'a>(
    value: &'a Value,
    path: &mut Vec<Tok<'a>>,
    parent_key: Option<&str>,
    found: &mut dyn FnMut(String, &str),
) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                found(to_pointer(path), reference);
            }
            let names = parent_key.is_some_and(|k| NAME_MAPS.contains(&k));
            for (k, v) in map {
                if !v.is_object() && !v.is_array() {
                    continue;
                }
                if k.starts_with("x-") && !names {
                    continue;
                }
                // Values, not descriptions: a `$ref` member inside them is data.
                if !names && LITERAL.contains(&k.as_str()) && !(k == "examples" && v.is_object()) {
                    continue;
                }
                path.push(Tok::Key(k));
                collect_refs(v, path, Some(k), found);
                path.pop();
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                if v.is_object() || v.is_array() {
                    path.push(Tok::Index(i));
                    collect_refs(v, path, None, found);
                    path.pop();
                }
            }
        }
        _ => {}
    }
}

fn to_pointer(path: &[Tok<'_>]) -> String {
    let mut out = String::new();
    for t in path {
        match t {
            Tok::Key(k) => out = pointer::push(&out, k),
            Tok::Index(i) => out = pointer::push_index(&out, *i),
        }
    }
    out
}

/// Reads and parses a YAML or JSON file that is not a spec (a mock's data or config file), with
/// the same limits and positions as specs, so its errors can name file, line and column.
pub fn read_document(path: &Path) -> Result<SourceFile, LoadError> {
    let canonical = std::fs::canonicalize(path).map_err(|e| {
        LoadError::at_file(
            LoadErrorKind::Unreadable,
            path,
            format!("cannot read the file: {e}"),
        )
    })?;
    let mut problems = Vec::new();
    read_source(path, &canonical, Limits::default(), true, &mut problems)
}

/// Reads and parses one file. `root` selects format sniffing for the root document; referenced
/// files with extensions other than JSON/YAML are taken as text (Markdown descriptions).
fn read_source(
    shown: &Path,
    canonical: &Path,
    limits: Limits,
    root: bool,
    problems: &mut Vec<Problem>,
) -> Result<SourceFile, LoadError> {
    let unreadable = |e: std::io::Error| {
        LoadError::at_file(
            LoadErrorKind::Unreadable,
            shown,
            format!("cannot read the file: {e}"),
        )
    };
    let bytes = read_bounded(canonical, limits.max_file_bytes).map_err(|e| match e {
        ReadError::Io(e) => unreadable(e),
        ReadError::NotAFile(what) => LoadError::at_file(
            LoadErrorKind::Unreadable,
            shown,
            format!("is {what}, not a regular file"),
        ),
        ReadError::TooLarge(size) => LoadError::at_file(
            LoadErrorKind::TooLarge,
            shown,
            format!(
                "the file is {}, over the limit of {} bytes; refusing to load it",
                size.map_or_else(|| "larger".to_string(), |n| format!("{n} bytes")),
                limits.max_file_bytes
            ),
        ),
    })?;
    let mut text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let line = valid.iter().filter(|b| **b == b'\n').count() as u32 + 1;
            let line_start = valid.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
            let col = String::from_utf8_lossy(&valid[line_start..])
                .chars()
                .count() as u32
                + 1;
            return Err(LoadError {
                kind: LoadErrorKind::NotUtf8,
                file: shown.to_path_buf(),
                message: "the file is not valid UTF-8".into(),
                position: Some(Position {
                    file: shown.to_path_buf(),
                    line,
                    column: col,
                }),
                line_text: None,
            });
        }
    };
    if text.starts_with('\u{feff}') {
        text.drain(..3);
    }
    let ext = canonical
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let format = match ext.as_str() {
        "json" => Format::Json,
        "yaml" | "yml" => Format::Yaml,
        _ if !root && !matches!(ext.as_str(), "" | "txt") => Format::Text,
        _ if text.trim_start().starts_with('{') => Format::Json,
        _ => Format::Yaml,
    };
    let mut source = SourceFile {
        path: shown.to_path_buf(),
        canonical: canonical.to_path_buf(),
        text,
        value: Value::Null,
        spans: Default::default(),
        format,
        line_starts: Default::default(),
    };
    let parsed = match format {
        Format::Text => {
            source.value = Value::String(source.text.clone());
            return Ok(source);
        }
        Format::Yaml => parse::parse_yaml(&source.text, limits),
        Format::Json => match parse::parse_json(&source.text, limits) {
            Ok(p) => Ok(p),
            Err(json_err @ ParseError::Syntax { .. }) => {
                // Invalid JSON that YAML accepts (trailing commas, comments) is read, and reported.
                match parse::parse_yaml(&source.text, limits) {
                    Ok(p) => {
                        let pos = json_err.pos().unwrap_or_default();
                        problems.push(Problem {
                            kind: ProblemKind::InvalidJson,
                            message: format!("not valid JSON ({json_err}); read as YAML instead"),
                            position: source.position_of(pos),
                        });
                        // From here on positions come from the YAML parser (character columns).
                        source.format = Format::Yaml;
                        Ok(p)
                    }
                    Err(_) => Err(json_err),
                }
            }
            Err(e) => Err(e),
        },
    };
    match parsed {
        Ok(p) => {
            source.value = p.value;
            source.spans = p.spans;
            Ok(source)
        }
        Err(e) => {
            let kind = match e {
                ParseError::Syntax { .. }
                | ParseError::DuplicateKey { .. }
                | ParseError::ComplexKey { .. }
                | ParseError::UnknownAlias { .. }
                | ParseError::MultipleDocuments { .. }
                | ParseError::Empty => LoadErrorKind::Syntax,
                ParseError::TooDeep { .. }
                | ParseError::AliasBomb { .. }
                | ParseError::TooManyNodes { .. } => LoadErrorKind::Limit,
            };
            let pos = e.pos().unwrap_or(Pos { line: 1, col: 1 });
            let position = source.position_of(pos);
            Err(LoadError {
                kind,
                file: shown.to_path_buf(),
                line_text: Some(source.line_text(position.line).to_string()),
                position: Some(position),
                message: match format {
                    Format::Json => format!("invalid JSON: {e}"),
                    _ => format!("invalid YAML: {e}"),
                },
            })
        }
    }
}

/// Why a file could not be read.
#[derive(Debug)]
pub enum ReadError {
    Io(std::io::Error),
    /// A directory, device, FIFO or socket: reading it could hang or never end.
    NotAFile(&'static str),
    /// Over the limit; the size when the file system told it.
    TooLarge(Option<u64>),
}

/// Reads a regular file of at most `limit` bytes. The size is enforced while reading, not only
/// from metadata, so a file that grows (or lies) cannot exhaust memory.
pub fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    use std::io::Read as _;
    let meta = std::fs::metadata(path).map_err(ReadError::Io)?;
    if !meta.is_file() {
        return Err(ReadError::NotAFile(if meta.is_dir() {
            "a directory"
        } else {
            "a device, pipe or socket"
        }));
    }
    if meta.len() > limit {
        return Err(ReadError::TooLarge(Some(meta.len())));
    }
    let file = std::fs::File::open(path).map_err(ReadError::Io)?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge(None));
    }
    Ok(bytes)
}

/// Checks that the root is an OpenAPI 3.0 or 3.1 document and returns its version.
fn detect_version(root: &SourceFile) -> Result<OasVersion, LoadError> {
    let Value::Object(map) = &root.value else {
        return Err(LoadError::at(
            LoadErrorKind::NotOpenApi,
            root,
            "",
            format!(
                "not an OpenAPI document: the top level is {}, not a mapping",
                type_name(&root.value)
            ),
        ));
    };
    if let Some(v) = map.get("swagger") {
        return Err(LoadError::at(
            LoadErrorKind::Swagger2,
            root,
            "/swagger",
            format!(
                "this is a Swagger {} document; kontrakt reads OpenAPI 3.0 and 3.1 only. Convert it first (for example with swagger2openapi or the Swagger Editor's \"Convert to OpenAPI 3\")",
                v.as_str().map_or_else(|| v.to_string(), str::to_string)
            ),
        ));
    }
    let Some(v) = map.get("openapi") else {
        return Err(LoadError::at(
            LoadErrorKind::NotOpenApi,
            root,
            "",
            "not an OpenAPI document: there is no `openapi` field at the top level",
        ));
    };
    let Value::String(raw) = v else {
        return Err(LoadError::at(
            LoadErrorKind::UnsupportedVersion,
            root,
            "/openapi",
            format!(
                "`openapi` must be a string such as \"3.1.0\", found {} `{v}` (quote it in YAML)",
                type_name(v)
            ),
        ));
    };
    match parse_version(raw) {
        Some(version) if version.major == 3 && version.minor <= 1 => Ok(version),
        _ => Err(LoadError::at(
            LoadErrorKind::UnsupportedVersion,
            root,
            "/openapi",
            format!("OpenAPI version \"{raw}\" is not supported; kontrakt reads 3.0.x and 3.1.x"),
        )),
    }
}

/// `major.minor.patch` (with an optional pre-release suffix).
pub(crate) fn parse_version(raw: &str) -> Option<OasVersion> {
    let mut parts = raw.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    let patch = parts.next()?;
    let patch_digits = patch.split('-').next()?;
    if patch_digits.is_empty() || !patch_digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if parts.next().is_some() {
        return None;
    }
    Some(OasVersion {
        major,
        minor,
        raw: raw.to_string(),
    })
}

pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a sequence",
        Value::Object(_) => "a mapping",
    }
}

/// Expands files and folders into the OpenAPI root documents to load, in a stable order.
/// Inside folders, only files that declare `openapi` or `swagger` at the top level are roots;
/// the rest are fragments reached through `$ref`. Files named explicitly are always taken.
pub fn discover(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found = Vec::new();
            walk_dir(path, &mut found);
            found.sort();
            out.extend(found.into_iter().filter(|p| looks_like_root(p)));
        } else {
            out.push(path.clone());
        }
    }
    out
}

/// The YAML and JSON files below `dir`. Symlinked folders are not entered (a link to a parent
/// would loop), and only regular files are taken (reading a FIFO would hang).
pub fn walk_dir(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || name == "target" || name == "node_modules" {
            continue;
        }
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            walk_dir(&path, out);
        } else if (kind.is_file() || (kind.is_symlink() && path.is_file()))
            && matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml" | "json")
            )
        {
            out.push(path);
        }
    }
}

/// A cheap test for "declares `openapi`/`swagger` at the top level" without a full parse.
fn looks_like_root(path: &Path) -> bool {
    let Ok(bytes) = read_bounded(path, Limits::default().max_file_bytes) else {
        // Unreadable files are taken, so the load reports why.
        return true;
    };
    let text = String::from_utf8_lossy(&bytes);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    if path.extension().and_then(|e| e.to_str()) == Some("json")
        || text.trim_start().starts_with('{')
    {
        return serde_json::from_str::<serde_json::Map<String, Value>>(text)
            .map(|m| m.contains_key("openapi") || m.contains_key("swagger"))
            .unwrap_or(text.contains("\"openapi\"") || text.contains("\"swagger\""));
    }
    text.lines().any(|l| {
        let l = l.trim_end();
        [
            "openapi",
            "swagger",
            "\"openapi\"",
            "\"swagger\"",
            "'openapi'",
            "'swagger'",
        ]
        .iter()
        .any(|k| {
            l.strip_prefix(k)
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(
            parse_version("3.0.3").map(|v| (v.major, v.minor)),
            Some((3, 0))
        );
        assert_eq!(parse_version("3.1.0-rc1").map(|v| v.minor), Some(1));
        assert!(parse_version("3.1").is_none());
        assert!(parse_version("3.x.0").is_none());
    }
}
