//! The test-data ledger: every resource kontrakt creates on a target, with how to delete it.
//!
//! The court's test environment is shared, so what a run creates must be removable afterwards,
//! even when the run is interrupted. Each creation is appended to `reports/<run-id>/ledger.jsonl`
//! as it happens (one JSON object per line, flushed at once); `kontrakt cleanup` reads it back
//! and deletes newest first. Deletions, by the run itself or by a cleanup, are appended as
//! `removed` lines for the same resource URL, so a second cleanup finds nothing left to do.
//!
//! What counts as a creation: a `201`, or a 2xx answer to `POST`/`PUT` whose response names the
//! resource (a `Location` header, or an id in the JSON body that fills the one parameter of an
//! item path below the request path, as the mock infers collections: `docs/mock.md`). How to
//! delete it is the spec's `DELETE` operation whose path template matches the resource's path.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::exchange::Exchange;
use crate::spec::{Model, Operation};

/// The ledger file's name inside a run's report directory.
pub const FILE_NAME: &str = "ledger.jsonl";

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}:{line}:{column}: not a ledger entry: {message}")]
    Syntax {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("no ledger found under {0} (a run writes reports/<run-id>/ledger.jsonl)")]
    NoneFound(PathBuf),
}

/// How to delete a created resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deletion {
    pub method: String,
    pub url: String,
    /// The spec's operation: `DELETE /v1/sager/{sagId}`.
    pub operation: String,
}

/// One line of the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "lowercase")]
pub enum Entry {
    Created {
        at: String,
        /// The base URL the run sent to (scheme, host, port, base path).
        target: String,
        /// The creating operation: `POST /v1/sager (opretSag)`.
        operation: String,
        /// The resource's absolute URL.
        resource: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        /// `None` when the spec has no `DELETE` for the resource's path.
        delete: Option<Deletion>,
    },
    Removed {
        at: String,
        resource: String,
    },
}

/// An open ledger, shared by every worker of a run.
#[derive(Debug)]
pub struct Ledger {
    path: PathBuf,
    file: Mutex<File>,
}

/// `20261122T224011Z`: sortable, safe in a file name.
fn run_id_now() -> String {
    let t = time::OffsetDateTime::now_utc();
    format!(
        "{}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// RFC 3339, UTC, milliseconds.
pub fn timestamp() -> String {
    crate::report::model::rfc3339(crate::report::model::now_unix_ms())
}

/// Creates a new run's folder, `<reports>/<run-id>` (the id is the UTC time, with `-2`, `-3`
/// … when runs start in the same second); its name is the run's id.
pub fn create_run_dir(reports: &Path) -> Result<PathBuf, LedgerError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| LedgerError::Io { path, source }
    };
    std::fs::create_dir_all(reports).map_err(io(reports))?;
    let base = run_id_now();
    let mut n = 1;
    loop {
        let name = if n == 1 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        let dir = reports.join(name);
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 1000 => n += 1,
            Err(e) => return Err(io(&dir)(e)),
        }
    }
}

impl Ledger {
    /// Creates `<reports>/<run-id>/ledger.jsonl` for a new run.
    pub fn create(reports: &Path) -> Result<Ledger, LedgerError> {
        Ledger::open(&create_run_dir(reports)?.join(FILE_NAME))
    }

    /// Opens a ledger for appending (created when missing).
    pub fn open(path: &Path) -> Result<Ledger, LedgerError> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|source| LedgerError::Io {
                path: path.to_path_buf(),
                source,
            })?;
        Ok(Ledger {
            path: path.to_path_buf(),
            file: Mutex::new(file),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one entry and flushes it, so an interrupted run leaves every line written.
    pub fn append(&self, entry: &Entry) -> Result<(), LedgerError> {
        let mut line = serde_json::to_string(entry).unwrap_or_default();
        line.push('\n');
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        file.write_all(line.as_bytes())
            .and_then(|()| file.flush())
            .map_err(|source| LedgerError::Io {
                path: self.path.clone(),
                source,
            })
    }

    /// Records what one exchange created or deleted; anything else is ignored. Errors writing
    /// the ledger are reported once on stderr and do not stop the run.
    pub fn observe(&self, model: &Model, op: &Operation, ex: &Exchange, base_url: &str) {
        let entry = match judge(model, op, ex, base_url) {
            Some(e) => e,
            None => return,
        };
        if let Err(e) = self.append(&entry) {
            static WARNED: std::sync::Once = std::sync::Once::new();
            WARNED.call_once(|| eprintln!("kontrakt: the ledger cannot be written: {e}"));
        }
    }
}

/// The URL without its query and fragment.
fn strip_query(url: &str) -> &str {
    let end = url.find(['?', '#']).unwrap_or(url.len());
    &url[..end]
}

/// `Location` resolved against the request URL (absolute, or absolute path).
fn resolve(request_url: &str, location: &str) -> Option<String> {
    if location.starts_with("http://") || location.starts_with("https://") {
        return Some(strip_query(location).to_string());
    }
    if location.starts_with('/') {
        let origin = crate::config::origin_of(request_url);
        return Some(format!("{origin}{}", strip_query(location)));
    }
    None
}

/// The path of `url` below `base_url`, if it is below it.
fn path_below<'a>(url: &'a str, base_url: &str) -> Option<&'a str> {
    let rest = url.strip_prefix(base_url.trim_end_matches('/'))?;
    (rest.is_empty() || rest.starts_with('/')).then_some(rest)
}

/// Whether a concrete path matches a path template (`{x}` matches one non-empty segment).
pub fn matches_template(template: &str, path: &str) -> bool {
    let t: Vec<&str> = template.split('/').collect();
    let p: Vec<&str> = path.split('/').collect();
    t.len() == p.len()
        && t.iter().zip(&p).all(|(t, p)| {
            if t.starts_with('{') && t.ends_with('}') {
                !p.is_empty()
            } else {
                t == p
            }
        })
}

fn deletion_for(model: &Model, base_url: &str, resource: &str) -> Option<Deletion> {
    let path = path_below(resource, base_url)?;
    model
        .operations
        .iter()
        .find(|o| o.method == "DELETE" && o.webhook.is_none() && matches_template(&o.path, path))
        .map(|o| Deletion {
            method: "DELETE".into(),
            url: resource.to_string(),
            operation: o.key(),
        })
}

/// The lone parameter name of `template` = `parent/{p}`.
fn item_param<'a>(parent: &str, template: &'a str) -> Option<&'a str> {
    let rest = template.strip_prefix(parent)?.strip_prefix('/')?;
    let name = rest.strip_prefix('{')?.strip_suffix('}')?;
    (!name.contains(['/', '{', '}'])).then_some(name)
}

/// Where a created resource lives: from `Location`, or from an id in the body that fills the
/// item path below the request path.
pub fn created_resource(
    model: &Model,
    op: &Operation,
    ex: &Exchange,
) -> Option<(String, Option<String>)> {
    let resp = ex.response()?;
    let created = resp.status == 201
        || ((200..300).contains(&resp.status) && matches!(op.method.as_str(), "POST" | "PUT"));
    if !created {
        return None;
    }
    if let Some(loc) = resp.header("location")
        && let Some(url) = resolve(&ex.request.url, loc)
    {
        let id = url.rsplit('/').next().map(str::to_string);
        return Some((url, id));
    }
    let body: Option<Value> = serde_json::from_slice(&resp.body).ok();
    if let Some(Value::Object(map)) = &body {
        for item in &model.operations {
            if item.webhook.is_some() || !matches!(item.method.as_str(), "GET" | "DELETE") {
                continue;
            }
            let Some(param) = item_param(&op.path, &item.path) else {
                continue;
            };
            let Some(field) = crate::mock::state::id_field(param, map.keys().map(String::as_str))
            else {
                continue;
            };
            let Some(id) = map.get(&field).and_then(crate::mock::state::id_text) else {
                continue;
            };
            let seg =
                percent_encoding::utf8_percent_encode(&id, percent_encoding::NON_ALPHANUMERIC)
                    .to_string();
            let url = format!(
                "{}/{seg}",
                strip_query(&ex.request.url).trim_end_matches('/')
            );
            return Some((url, Some(id)));
        }
    }
    // A PUT to an item path that has a DELETE: the request URL is the resource.
    if op.method == "PUT"
        && model
            .operations
            .iter()
            .any(|o| o.method == "DELETE" && o.path == op.path)
    {
        return Some((strip_query(&ex.request.url).to_string(), None));
    }
    None
}

/// The entry one exchange calls for, if any.
pub fn judge(model: &Model, op: &Operation, ex: &Exchange, base_url: &str) -> Option<Entry> {
    let resp = ex.response()?;
    if ex.request.method == "DELETE" && ((200..300).contains(&resp.status)) {
        return Some(Entry::Removed {
            at: timestamp(),
            resource: strip_query(&ex.request.url).to_string(),
        });
    }
    if ex.case.method.is_some() {
        return None;
    }
    let (resource, id) = created_resource(model, op, ex)?;
    let delete = deletion_for(model, base_url, &resource);
    Some(Entry::Created {
        at: timestamp(),
        target: base_url.to_string(),
        operation: match &op.operation_id {
            Some(id) => format!("{} ({id})", op.key()),
            None => op.key(),
        },
        resource,
        id,
        delete,
    })
}

/// A ledger read back: what was created, and which resources are already removed.
#[derive(Debug, Default)]
pub struct Contents {
    pub created: Vec<Entry>,
    pub removed: std::collections::HashSet<String>,
}

impl Contents {
    /// Created entries not yet removed, newest first.
    pub fn outstanding(&self) -> Vec<&Entry> {
        let mut seen = std::collections::HashSet::new();
        self.created
            .iter()
            .rev()
            .filter(|e| match e {
                Entry::Created { resource, .. } => {
                    !self.removed.contains(resource) && seen.insert(resource.clone())
                }
                Entry::Removed { .. } => false,
            })
            .collect()
    }
}

/// Reads a ledger. A line cut short by an interrupted write (the last one) is skipped; any other
/// unreadable line is an error with its position.
pub fn read(path: &Path) -> Result<Contents, LedgerError> {
    let file = File::open(path).map_err(|source| LedgerError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let lines: Vec<String> = std::io::BufReader::new(file)
        .lines()
        .collect::<Result<_, _>>()
        .map_err(|source| LedgerError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    let mut out = Contents::default();
    let last = lines.len();
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Entry>(line) {
            Ok(Entry::Removed { resource, .. }) => {
                out.removed.insert(resource);
            }
            Ok(e) => out.created.push(e),
            Err(_) if i + 1 == last && !line.ends_with('}') => {}
            Err(e) => {
                // serde_json's message ends with its own position (of the line): drop it.
                let text = e.to_string();
                let message = match text.rfind(" at line ") {
                    Some(at) => text[..at].to_string(),
                    None => text,
                };
                return Err(LedgerError::Syntax {
                    path: path.to_path_buf(),
                    line: i + 1,
                    column: e.column().max(1),
                    message,
                });
            }
        }
    }
    Ok(out)
}

/// The newest ledger under a reports directory (by the run directories' sortable names).
pub fn newest(reports: &Path) -> Result<PathBuf, LedgerError> {
    let entries = std::fs::read_dir(reports).map_err(|source| LedgerError::Io {
        path: reports.to_path_buf(),
        source,
    })?;
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path().join(FILE_NAME))
        .filter(|p| p.is_file())
        .collect();
    dirs.sort();
    dirs.pop()
        .ok_or_else(|| LedgerError::NoneFound(reports.to_path_buf()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_match_segments() {
        assert!(matches_template("/v1/sager/{sagId}", "/v1/sager/7"));
        assert!(!matches_template("/v1/sager/{sagId}", "/v1/sager"));
        assert!(!matches_template("/v1/sager/{sagId}", "/v1/sager/7/krav"));
        assert!(!matches_template("/v1/sager/{sagId}", "/v1/sager/"));
        assert_eq!(item_param("/v1/sager", "/v1/sager/{sagId}"), Some("sagId"));
        assert_eq!(item_param("/v1/sager", "/v1/sager/{a}/{b}"), None);
        assert_eq!(
            resolve("http://h:1/api/v1/sager?x=1", "/api/v1/sager/9?y"),
            Some("http://h:1/api/v1/sager/9".into())
        );
        assert_eq!(
            path_below("http://h/api/v1/sager/9", "http://h/api/v1"),
            Some("/sager/9")
        );
    }

    #[test]
    fn ledger_round_trip_and_outstanding() {
        let dir = tempfile::tempdir().unwrap();
        let l = Ledger::create(dir.path()).unwrap();
        let created = |r: &str| Entry::Created {
            at: timestamp(),
            target: "http://h".into(),
            operation: "POST /x".into(),
            resource: r.into(),
            id: None,
            delete: None,
        };
        l.append(&created("http://h/x/1")).unwrap();
        l.append(&created("http://h/x/2")).unwrap();
        l.append(&Entry::Removed {
            at: timestamp(),
            resource: "http://h/x/1".into(),
        })
        .unwrap();
        let path = l.path().to_path_buf();
        drop(l);
        // An interrupted write leaves half a line at the end.
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"event\":\"crea")
            .unwrap();
        let c = read(&path).unwrap();
        let left: Vec<_> = c
            .outstanding()
            .into_iter()
            .map(|e| match e {
                Entry::Created { resource, .. } => resource.clone(),
                Entry::Removed { .. } => String::new(),
            })
            .collect();
        assert_eq!(left, vec!["http://h/x/2".to_string()]);
        assert_eq!(newest(dir.path()).unwrap(), path);
        std::fs::write(&path, "{\"event\":\"created\"}\n{}\n").unwrap();
        let e = read(&path).unwrap_err().to_string();
        assert!(
            e.contains("ledger.jsonl:1:1: not a ledger entry: missing field `at`"),
            "{e}"
        );
        assert!(!e.contains(" at line "), "{e}");
    }
}
