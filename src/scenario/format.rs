//! The suite file format: what a `suites/*.yaml` file holds, read from the positioned value the
//! spec loader parses, so every problem can name its line and column.
//!
//! The format is documented in `suites/README.md` and `suites/suite.schema.json`; this module
//! is its one reader. Values are kept as templates (JSON with `{{...}}` strings); [`super::template`]
//! parses those.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Map, Value};

use super::ScenarioError;
use super::locate::Locator;
use crate::spec::pointer;
use crate::spec::source::{Anchor, SourceFile};

/// One suite file.
#[derive(Debug)]
pub struct SuiteFile {
    pub path: PathBuf,
    /// The file stem: the second part of every trial name.
    pub name: String,
    pub source: SourceFile,
    pub files: Vec<FileSpec>,
    pub scenarios: Vec<Scenario>,
}

/// Bytes a step can upload, declared once so templates can refer to their size and digest.
#[derive(Debug, Clone)]
pub struct FileSpec {
    pub name: String,
    /// `pdf: N`: a valid-looking PDF of exactly N bytes; `text: "..."`: the text's bytes.
    pub bytes: Vec<u8>,
    pub media_type: String,
}

#[derive(Debug)]
pub struct Scenario {
    pub name: String,
    pub ptr: String,
    /// Setup steps, then the steps, then the teardown steps.
    pub steps: Vec<Step>,
}

/// Where a step sits in its scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Setup,
    Main,
    /// Runs even when an earlier step failed.
    Teardown,
}

/// A value of the suite file and its JSON pointer in it (for positions).
#[derive(Debug, Clone)]
pub struct At<T> {
    pub value: T,
    pub ptr: String,
}

#[derive(Debug)]
pub struct Step {
    pub name: String,
    pub stage: Stage,
    pub ptr: String,
    /// `opretDokument`, `dokumentlager::opretDokument` or `POST /dokumenter`.
    pub operation: At<String>,
    pub path: Vec<(String, At<Value>)>,
    pub query: Vec<(String, At<Value>)>,
    pub headers: Vec<(String, At<Value>)>,
    pub cookies: Vec<(String, At<Value>)>,
    pub body: Option<At<Value>>,
    /// The name of a declared file sent as the raw body.
    pub upload: Option<At<String>>,
    /// The request's media type, when the operation accepts several.
    pub media_type: Option<String>,
    pub expect: Expect,
    pub poll: Option<Poll>,
}

#[derive(Debug, Default)]
pub struct Expect {
    /// Accepted statuses; empty: any 2xx.
    pub status: Vec<u16>,
    /// Judge the response by the default checks (schema conformance and the rest).
    pub checks: bool,
    /// By JSON pointer or JSONPath into the response body.
    pub body: Vec<(Locator, At<Assertion>)>,
    pub headers: Vec<(String, At<Assertion>)>,
}

#[derive(Debug, Clone)]
pub enum Assertion {
    /// Equal to the template's value (a number also equals its text form in headers).
    Equals(Value),
    Exists,
    Absent,
}

#[derive(Debug, Clone, Copy)]
pub struct Poll {
    pub every: Duration,
    pub timeout: Duration,
}

fn invalid(source: &SourceFile, ptr: &str, message: impl Into<String>) -> ScenarioError {
    ScenarioError::Invalid {
        position: source.position(ptr, Anchor::Key),
        message: message.into(),
    }
}

/// Reads and parses one suite file (not yet checked against the specs).
pub fn read(path: &Path) -> Result<SuiteFile, ScenarioError> {
    let source = crate::spec::load::read_document(path)?;
    let root = source.value.clone();
    let Value::Object(top) = &root else {
        return Err(invalid(
            &source,
            "",
            "expected a mapping with `scenarios` (and optionally `files`)",
        ));
    };
    for k in top.keys() {
        if !matches!(
            k.as_str(),
            "scenarios" | "files" | "description" | "$schema"
        ) {
            return Err(invalid(
                &source,
                &pointer::push("", k),
                format!("unknown key `{k}`: expected `scenarios`, `files` or `description`"),
            ));
        }
    }
    let mut files = Vec::new();
    if let Some(f) = top.get("files") {
        let Value::Object(map) = f else {
            return Err(invalid(
                &source,
                "/files",
                "expected a mapping of file names to `{pdf: SIZE}` or `{text: ...}`",
            ));
        };
        for (name, spec) in map {
            let ptr = pointer::push("/files", name);
            files.push(file_spec(&source, &ptr, name, spec)?);
        }
    }
    let Some(Value::Array(list)) = top.get("scenarios") else {
        return Err(invalid(
            &source,
            if top.contains_key("scenarios") {
                "/scenarios"
            } else {
                ""
            },
            "expected `scenarios:` with a list of scenarios",
        ));
    };
    let mut scenarios = Vec::new();
    for (i, s) in list.iter().enumerate() {
        let ptr = pointer::push_index("/scenarios", i);
        scenarios.push(scenario(&source, &ptr, s)?);
    }
    for (i, s) in scenarios.iter().enumerate() {
        if scenarios[..i].iter().any(|o| o.name == s.name) {
            return Err(invalid(
                &source,
                &pointer::push(&s.ptr, "name"),
                format!("a second scenario named `{}`: names must be unique", s.name),
            ));
        }
    }
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(SuiteFile {
        path: path.to_path_buf(),
        name,
        source,
        files,
        scenarios,
    })
}

fn file_spec(
    source: &SourceFile,
    ptr: &str,
    name: &str,
    spec: &Value,
) -> Result<FileSpec, ScenarioError> {
    let expected = "expected `{pdf: SIZE}` (a PDF of SIZE bytes) or `{text: TEXT}`";
    let Value::Object(m) = spec else {
        return Err(invalid(source, ptr, expected));
    };
    if let Some(size) = m.get("pdf") {
        let Some(n) = size
            .as_u64()
            .filter(|n| (16..=64 * 1024 * 1024).contains(n))
        else {
            return Err(invalid(
                source,
                &pointer::push(ptr, "pdf"),
                "expected a size in bytes from 16 to 67108864",
            ));
        };
        return Ok(FileSpec {
            name: name.to_string(),
            bytes: pdf_of_size(n as usize),
            media_type: "application/pdf".into(),
        });
    }
    if let Some(Value::String(t)) = m.get("text") {
        return Ok(FileSpec {
            name: name.to_string(),
            bytes: t.as_bytes().to_vec(),
            media_type: "text/plain".into(),
        });
    }
    Err(invalid(source, ptr, expected))
}

/// A minimal PDF padded with a comment to exactly `n` bytes (n ≥ 16).
pub fn pdf_of_size(n: usize) -> Vec<u8> {
    let head = b"%PDF-1.4\n%";
    let tail = b"\n%%EOF\n";
    let mut out = Vec::with_capacity(n);
    out.extend_from_slice(head);
    let pad = n.saturating_sub(head.len() + tail.len());
    out.extend(std::iter::repeat_n(b'k', pad));
    out.extend_from_slice(tail);
    out.truncate(n);
    out
}

fn name_of(
    source: &SourceFile,
    ptr: &str,
    v: &Map<String, Value>,
) -> Result<String, ScenarioError> {
    match v.get("name") {
        Some(Value::String(s))
            if !s.is_empty()
                && s.chars()
                    .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.')) =>
        {
            Ok(s.clone())
        }
        Some(_) => Err(invalid(
            source,
            &pointer::push(ptr, "name"),
            "expected a name of letters, digits, `-`, `_` and `.` (it becomes part of the test name)",
        )),
        None => Err(invalid(source, ptr, "expected `name:`")),
    }
}

fn scenario(source: &SourceFile, ptr: &str, v: &Value) -> Result<Scenario, ScenarioError> {
    let Value::Object(m) = v else {
        return Err(invalid(
            source,
            ptr,
            "expected a scenario: a mapping with `name` and `steps`",
        ));
    };
    let name = name_of(source, ptr, m)?;
    for k in m.keys() {
        if !matches!(
            k.as_str(),
            "name" | "description" | "setup" | "steps" | "teardown"
        ) {
            return Err(invalid(
                source,
                &pointer::push(ptr, k),
                format!(
                    "unknown key `{k}`: expected `name`, `description`, `setup`, `steps` or `teardown`"
                ),
            ));
        }
    }
    if !m.contains_key("steps") {
        return Err(invalid(
            source,
            ptr,
            "expected `steps:` with a list of steps",
        ));
    }
    let mut steps = Vec::new();
    for (key, stage) in [
        ("setup", Stage::Setup),
        ("steps", Stage::Main),
        ("teardown", Stage::Teardown),
    ] {
        let Some(list) = m.get(key) else { continue };
        let lptr = pointer::push(ptr, key);
        let Value::Array(items) = list else {
            return Err(invalid(source, &lptr, "expected a list of steps"));
        };
        for (i, s) in items.iter().enumerate() {
            let sptr = pointer::push_index(&lptr, i);
            let step = step(source, &sptr, s, stage)?;
            if steps.iter().any(|o: &Step| o.name == step.name) {
                return Err(invalid(
                    source,
                    &pointer::push(&sptr, "name"),
                    format!(
                        "a second step named `{}` in scenario `{name}`: names must be unique",
                        step.name
                    ),
                ));
            }
            steps.push(step);
        }
    }
    Ok(Scenario {
        name,
        ptr: ptr.to_string(),
        steps,
    })
}

fn params(
    source: &SourceFile,
    ptr: &str,
    v: Option<&Value>,
) -> Result<Vec<(String, At<Value>)>, ScenarioError> {
    match v {
        None => Ok(Vec::new()),
        Some(Value::Object(m)) => Ok(m
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    At {
                        value: v.clone(),
                        ptr: pointer::push(ptr, k),
                    },
                )
            })
            .collect()),
        Some(_) => Err(invalid(
            source,
            ptr,
            "expected a mapping of parameter names to values",
        )),
    }
}

fn step(source: &SourceFile, ptr: &str, v: &Value, stage: Stage) -> Result<Step, ScenarioError> {
    let Value::Object(m) = v else {
        return Err(invalid(
            source,
            ptr,
            "expected a step: a mapping with `name` and `operation`",
        ));
    };
    let name = name_of(source, ptr, m)?;
    const KEYS: &[&str] = &[
        "name",
        "description",
        "operation",
        "path",
        "query",
        "headers",
        "cookies",
        "body",
        "upload",
        "mediaType",
        "expect",
        "poll",
    ];
    for k in m.keys() {
        if !KEYS.contains(&k.as_str()) {
            return Err(invalid(
                source,
                &pointer::push(ptr, k),
                format!("unknown key `{k}`: expected one of {}", KEYS.join(", ")),
            ));
        }
    }
    let operation = match m.get("operation") {
        Some(Value::String(s)) => At {
            value: s.clone(),
            ptr: pointer::push(ptr, "operation"),
        },
        Some(_) => {
            return Err(invalid(
                source,
                &pointer::push(ptr, "operation"),
                "expected an operationId or `METHOD /path` (optionally `service::` in front)",
            ));
        }
        None => return Err(invalid(source, ptr, "expected `operation:`")),
    };
    let upload = match m.get("upload") {
        None => None,
        Some(Value::String(s)) => Some(At {
            value: s.clone(),
            ptr: pointer::push(ptr, "upload"),
        }),
        Some(_) => {
            return Err(invalid(
                source,
                &pointer::push(ptr, "upload"),
                "expected the name of a file declared under `files:`",
            ));
        }
    };
    let media_type = match m.get("mediaType") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            return Err(invalid(
                source,
                &pointer::push(ptr, "mediaType"),
                "expected a media type",
            ));
        }
    };
    if upload.is_some() && m.contains_key("body") {
        return Err(invalid(
            source,
            &pointer::push(ptr, "upload"),
            "a step sends either `body` or `upload`, not both",
        ));
    }
    Ok(Step {
        name,
        stage,
        ptr: ptr.to_string(),
        path: params(source, &pointer::push(ptr, "path"), m.get("path"))?,
        query: params(source, &pointer::push(ptr, "query"), m.get("query"))?,
        headers: params(source, &pointer::push(ptr, "headers"), m.get("headers"))?,
        cookies: params(source, &pointer::push(ptr, "cookies"), m.get("cookies"))?,
        body: m.get("body").map(|b| At {
            value: b.clone(),
            ptr: pointer::push(ptr, "body"),
        }),
        upload,
        media_type,
        expect: expect(source, &pointer::push(ptr, "expect"), m.get("expect"))?,
        poll: match m.get("poll") {
            None => None,
            Some(p) => Some(poll(source, &pointer::push(ptr, "poll"), p)?),
        },
        operation,
    })
}

fn expect(source: &SourceFile, ptr: &str, v: Option<&Value>) -> Result<Expect, ScenarioError> {
    let mut out = Expect {
        checks: true,
        ..Expect::default()
    };
    let Some(v) = v else { return Ok(out) };
    let Value::Object(m) = v else {
        return Err(invalid(
            source,
            ptr,
            "expected a mapping with `status`, `checks`, `body` or `headers`",
        ));
    };
    for (k, v) in m {
        let kptr = pointer::push(ptr, k);
        match k.as_str() {
            "status" => {
                let list: Vec<&Value> = match v {
                    Value::Array(a) => a.iter().collect(),
                    other => vec![other],
                };
                for s in list {
                    match s.as_u64().filter(|n| (100..=599).contains(n)) {
                        Some(n) => out.status.push(n as u16),
                        None => {
                            return Err(invalid(
                                source,
                                &kptr,
                                "expected a status code (100-599) or a list of them",
                            ));
                        }
                    }
                }
            }
            "checks" => match v {
                Value::Bool(b) => out.checks = *b,
                _ => return Err(invalid(source, &kptr, "expected true or false")),
            },
            "body" | "headers" => {
                let Value::Object(a) = v else {
                    return Err(invalid(
                        source,
                        &kptr,
                        "expected a mapping of JSON pointers or JSONPaths (or header names) to \
                         expected values, `{exists: true}` or `{absent: true}`",
                    ));
                };
                for (key, want) in a {
                    let aptr = pointer::push(&kptr, key);
                    let locator = if k == "body" {
                        Some(Locator::parse(key).map_err(|why| invalid(source, &aptr, why))?)
                    } else {
                        None
                    };
                    let assertion = match want {
                        Value::Object(o)
                            if o.len() == 1 && o.get("exists") == Some(&Value::Bool(true)) =>
                        {
                            Assertion::Exists
                        }
                        Value::Object(o)
                            if o.len() == 1 && o.get("absent") == Some(&Value::Bool(true)) =>
                        {
                            Assertion::Absent
                        }
                        Value::Object(o) if o.len() == 1 && o.contains_key("equals") => {
                            Assertion::Equals(o["equals"].clone())
                        }
                        other => Assertion::Equals(other.clone()),
                    };
                    let at = At {
                        value: assertion,
                        ptr: aptr,
                    };
                    if let Some(locator) = locator {
                        out.body.push((locator, at));
                    } else {
                        out.headers.push((key.clone(), at));
                    }
                }
            }
            other => {
                return Err(invalid(
                    source,
                    &kptr,
                    format!(
                        "unknown key `{other}`: expected `status`, `checks`, `body` or `headers`"
                    ),
                ));
            }
        }
    }
    Ok(out)
}

fn poll(source: &SourceFile, ptr: &str, v: &Value) -> Result<Poll, ScenarioError> {
    let Value::Object(m) = v else {
        return Err(invalid(
            source,
            ptr,
            "expected `{every: DURATION, timeout: DURATION}`",
        ));
    };
    let get = |k: &str, default: Duration| -> Result<Duration, ScenarioError> {
        match m.get(k) {
            None => Ok(default),
            Some(Value::String(s)) => duration(s).ok_or_else(|| {
                invalid(
                    source,
                    &pointer::push(ptr, k),
                    "expected a duration such as `200ms`, `2s` or `1m`",
                )
            }),
            Some(_) => Err(invalid(
                source,
                &pointer::push(ptr, k),
                "expected a duration such as `200ms`, `2s` or `1m`",
            )),
        }
    };
    let every = get("every", Duration::from_millis(500))?;
    let timeout = get("timeout", Duration::from_secs(30))?;
    if timeout > Duration::from_secs(600) || every.is_zero() || every > timeout {
        return Err(invalid(source, ptr, "expected 0 < every <= timeout <= 10m"));
    }
    Ok(Poll { every, timeout })
}

/// `250ms`, `2s`, `1.5s`, `1m`.
pub fn duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    let (num, unit) = if let Some(n) = s.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = s.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = s.strip_suffix('m') {
        (n, 60.0)
    } else {
        return None;
    };
    let n: f64 = num.trim().parse().ok()?;
    (n.is_finite() && n >= 0.0).then(|| Duration::from_secs_f64(n * unit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_pdfs() {
        assert_eq!(duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(duration("2s"), Some(Duration::from_secs(2)));
        assert_eq!(duration("1m"), Some(Duration::from_secs(60)));
        assert_eq!(duration("soon"), None);
        let p = pdf_of_size(100);
        assert_eq!(p.len(), 100);
        assert!(p.starts_with(b"%PDF-"));
    }
}
