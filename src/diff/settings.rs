//! The hand-edited files that steer a diff's verdicts: the notice-period policy
//! (`specs/policy.yaml`) and a waiver file of accepted changes.
//!
//! Both change whether a release may ship, so both are read strictly: an unknown field, a
//! misspelt level or a date that does not exist is an error at its line and column (exit 2)
//! rather than a silently ignored promise.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::catalog::Date;
use crate::spec::load::absolute;
use crate::spec::parse::{Limits, parse_yaml};
use crate::spec::source::{Anchor, Format, Position, SourceFile};

/// A policy or waiver file that cannot be used, with where it went wrong.
#[derive(Debug, thiserror::Error)]
#[error("{}: {message}{}", at(.file, .position), snippet(.line_text))]
pub struct SettingsError {
    pub file: PathBuf,
    pub position: Option<Position>,
    pub line_text: Option<String>,
    pub message: String,
}

fn at(file: &Path, position: &Option<Position>) -> String {
    match position {
        Some(p) => p.to_string(),
        None => file.display().to_string(),
    }
}

fn snippet(line: &Option<String>) -> String {
    match line {
        Some(l) if !l.trim().is_empty() => format!("\n  | {}", l.trim_end()),
        _ => String::new(),
    }
}

/// How settled an element's contract is (`x-stability-level` on `info` or an operation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StabilityLevel {
    /// Needs no notice: anything may change.
    Draft,
    Beta,
    Stable,
}

impl StabilityLevel {
    pub const NAMES: &'static [&'static str] = &["draft", "beta", "stable"];

    pub fn parse(s: &str) -> Option<StabilityLevel> {
        match s {
            "draft" => Some(StabilityLevel::Draft),
            "beta" => Some(StabilityLevel::Beta),
            "stable" => Some(StabilityLevel::Stable),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            StabilityLevel::Draft => "draft",
            StabilityLevel::Beta => "beta",
            StabilityLevel::Stable => "stable",
        }
    }
}

/// The notice-period policy: days of notice per stability level, by default and per service.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    pub file: PathBuf,
    /// Notice days per level for every service.
    pub levels: BTreeMap<StabilityLevel, u32>,
    /// Notice days per level for one service (catalog id or `info.title`), over `levels`.
    pub services: BTreeMap<String, BTreeMap<StabilityLevel, u32>>,
}

impl Policy {
    /// The notice an element at `level` of `service` is promised; `None` when the policy says
    /// nothing (the catalog's promise then applies). Drafts need none, whatever the file says.
    pub fn notice(&self, service: &str, level: StabilityLevel) -> Option<u32> {
        if level == StabilityLevel::Draft {
            return Some(0);
        }
        self.services
            .get(service)
            .and_then(|m| m.get(&level))
            .or_else(|| self.levels.get(&level))
            .copied()
    }
}

/// One accepted change.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Waiver {
    pub fingerprint: String,
    pub reason: String,
    #[serde(serialize_with = "date_text")]
    pub expires: Date,
    /// Where the waiver is written.
    pub position: Position,
}

fn date_text<S: serde::Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&d.to_string())
}

/// The policy file (`policyVersion: 1`, `levels`, `services`).
pub fn load_policy(path: &Path) -> Result<Policy, SettingsError> {
    let doc = Doc::read(path)?;
    let root = doc.map("", "the policy", &["policyVersion", "levels", "services"])?;
    match root.get("policyVersion") {
        Some(Value::Number(n)) if n.as_u64() == Some(1) => {}
        Some(v) => {
            return Err(doc.error(
                "/policyVersion",
                format!("policyVersion {v} is not supported; this kontrakt reads policyVersion 1"),
            ));
        }
        None => return Err(doc.error("", "the policy has no `policyVersion` field".into())),
    }
    let mut policy = Policy {
        file: path.to_path_buf(),
        ..Policy::default()
    };
    if root.contains_key("levels") {
        policy.levels = doc.levels("/levels")?;
    }
    if root.contains_key("services") {
        let services = doc.map("/services", "`services`", &[])?;
        for name in services.keys() {
            let ptr = format!("/services/{}", escape(name));
            policy.services.insert(name.clone(), doc.levels(&ptr)?);
        }
    }
    Ok(policy)
}

/// The waiver file (`waivers: [{fingerprint, reason, expires}]`).
pub fn load_waivers(path: &Path) -> Result<Vec<Waiver>, SettingsError> {
    let doc = Doc::read(path)?;
    let root = doc.map("", "the waiver file", &["waivers"])?;
    let Some(list) = root.get("waivers") else {
        return Err(doc.error("", "the waiver file has no `waivers` field".into()));
    };
    let Value::Array(items) = list else {
        return Err(doc.error(
            "/waivers",
            format!("`waivers` must be a list, but is {}", kind(list)),
        ));
    };
    let mut out: Vec<Waiver> = Vec::new();
    for i in 0..items.len() {
        let ptr = format!("/waivers/{i}");
        let w = doc.map(&ptr, "a waiver", &["fingerprint", "reason", "expires"])?;
        let text = |field: &str| -> Result<String, SettingsError> {
            let fptr = format!("{ptr}/{field}");
            match w.get(field) {
                Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
                Some(Value::String(_)) => Err(doc.error(&fptr, format!("`{field}` is empty"))),
                Some(v) => {
                    Err(doc.error(&fptr, format!("`{field}` must be text, but is {}", kind(v))))
                }
                None => Err(doc.error(&ptr, format!("the waiver has no `{field}` field"))),
            }
        };
        let fingerprint = text("fingerprint")?;
        if fingerprint.len() != 16 || !fingerprint.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(doc.error(
                &format!("{ptr}/fingerprint"),
                format!(
                    "`{fingerprint}` is not a fingerprint (16 hex digits, as `kontrakt diff --format json` shows)"
                ),
            ));
        }
        let reason = text("reason")?;
        let expires_text = text("expires")?;
        let expires = expires_text.parse::<Date>().map_err(|e| {
            doc.error(
                &format!("{ptr}/expires"),
                format!("`expires` is `{expires_text}`, which is not a date: {e}"),
            )
        })?;
        if let Some(first) = out.iter().find(|o| o.fingerprint == fingerprint) {
            return Err(doc.error(
                &format!("{ptr}/fingerprint"),
                format!(
                    "fingerprint `{fingerprint}` is already waived at {}",
                    first.position
                ),
            ));
        }
        out.push(Waiver {
            fingerprint: fingerprint.to_ascii_lowercase(),
            reason,
            expires,
            position: doc.source.position(&ptr, Anchor::Value),
        });
    }
    Ok(out)
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "empty",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// A parsed YAML/JSON file with positions.
struct Doc {
    source: SourceFile,
}

impl Doc {
    fn read(path: &Path) -> Result<Doc, SettingsError> {
        let fail = |message: String| SettingsError {
            file: path.to_path_buf(),
            position: None,
            line_text: None,
            message,
        };
        let bytes = crate::spec::load::read_bounded(path, 16 << 20)
            .map_err(|e| fail(format!("cannot read the file: {e:?}")))?;
        let text = String::from_utf8(bytes).map_err(|e| {
            fail(format!(
                "not valid UTF-8 (at byte {})",
                e.utf8_error().valid_up_to()
            ))
        })?;
        let parsed = match parse_yaml(&text, Limits::default()) {
            Ok(p) => p,
            Err(e) => {
                let pos = e.pos().unwrap_or_default();
                let line = pos.line.max(1);
                return Err(SettingsError {
                    file: path.to_path_buf(),
                    line_text: Some(crate::spec::source::line_text(&text, line).to_string()),
                    position: Some(Position {
                        file: path.to_path_buf(),
                        line,
                        column: pos.col.max(1),
                    }),
                    message: format!("not valid YAML: {e}"),
                });
            }
        };
        Ok(Doc {
            source: SourceFile {
                path: path.to_path_buf(),
                canonical: absolute(path),
                text,
                value: parsed.value,
                spans: parsed.spans,
                format: Format::Yaml,
                line_starts: Default::default(),
            },
        })
    }

    fn error(&self, ptr: &str, message: String) -> SettingsError {
        let position = self.source.position(ptr, Anchor::Value);
        SettingsError {
            file: self.source.path.clone(),
            line_text: Some(self.source.line_text(position.line).to_string()),
            position: Some(position),
            message,
        }
    }

    /// The mapping at `ptr`; with `allowed` non-empty, any other key is an error at that key.
    fn map(
        &self,
        ptr: &str,
        what: &str,
        allowed: &[&str],
    ) -> Result<&Map<String, Value>, SettingsError> {
        let v = self.source.value.pointer(ptr).unwrap_or(&Value::Null);
        let Value::Object(m) = v else {
            return Err(self.error(ptr, format!("{what} must be a mapping, but is {}", kind(v))));
        };
        if !allowed.is_empty()
            && let Some(k) = m.keys().find(|k| !allowed.contains(&k.as_str()))
        {
            let position = self
                .source
                .position(&format!("{ptr}/{}", escape(k)), Anchor::Key);
            return Err(SettingsError {
                file: self.source.path.clone(),
                line_text: Some(self.source.line_text(position.line).to_string()),
                position: Some(position),
                message: format!(
                    "unknown field `{k}` in {what}; the fields are: {}",
                    allowed.join(", ")
                ),
            });
        }
        Ok(m)
    }

    /// `{draft|beta|stable: days}` at `ptr`.
    fn levels(&self, ptr: &str) -> Result<BTreeMap<StabilityLevel, u32>, SettingsError> {
        let m = self.map(ptr, "a notice-period mapping", StabilityLevel::NAMES)?;
        let mut out = BTreeMap::new();
        for (k, v) in m {
            let vptr = format!("{ptr}/{}", escape(k));
            let days = v
                .as_u64()
                .and_then(|d| u32::try_from(d).ok())
                .filter(|d| *d <= 3650)
                .ok_or_else(|| {
                    self.error(
                        &vptr,
                        format!(
                            "`{k}` must be a number of days from 0 to 3650, but is {}",
                            match v {
                                Value::Number(n) => n.to_string(),
                                other => kind(other).to_string(),
                            }
                        ),
                    )
                })?;
            // The key is one of NAMES (checked by `map`).
            if let Some(level) = StabilityLevel::parse(k) {
                out.insert(level, days);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.yaml");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    #[test]
    fn policy_reads_levels_and_services() {
        let (_d, p) = write(
            "policyVersion: 1\nlevels:\n  beta: 30\n  stable: 90\nservices:\n  person:\n    stable: 120\n",
        );
        let policy = load_policy(&p).unwrap();
        assert_eq!(policy.notice("person", StabilityLevel::Stable), Some(120));
        assert_eq!(policy.notice("person", StabilityLevel::Beta), Some(30));
        assert_eq!(policy.notice("other", StabilityLevel::Stable), Some(90));
        assert_eq!(policy.notice("other", StabilityLevel::Draft), Some(0));
    }

    #[test]
    fn policy_errors_have_line_and_column() {
        let (_d, p) = write("policyVersion: 1\nlevels:\n  stabel: 90\n");
        let e = load_policy(&p).unwrap_err();
        let pos = e.position.clone().unwrap();
        assert_eq!((pos.line, pos.column), (3, 3), "{e}");
        assert!(e.to_string().contains("unknown field `stabel`"), "{e}");

        let (_d, p) = write("policyVersion: 1\nlevels:\n  beta: -4\n");
        let e = load_policy(&p).unwrap_err();
        let pos = e.position.clone().unwrap();
        assert_eq!((pos.line, pos.column), (3, 9), "{e}");

        let (_d, p) = write("policyVersion: 1\nlevels: [\n");
        let e = load_policy(&p).unwrap_err();
        assert!(
            e.position.is_some() && e.message.contains("not valid YAML"),
            "{e}"
        );
    }

    #[test]
    fn waivers_are_checked() {
        let (_d, p) = write(
            "waivers:\n  - fingerprint: 0123456789abcdef\n    reason: agreed with vendors\n    expires: 2024-02-30\n",
        );
        let e = load_waivers(&p).unwrap_err();
        let pos = e.position.clone().unwrap();
        assert_eq!((pos.line, pos.column), (4, 14), "{e}");
        assert!(e.message.contains("not a date"), "{e}");

        let (_d, p) = write(
            "waivers:\n  - fingerprint: 0123456789abcdef\n    reason: agreed\n    expires: 2024-02-28\n",
        );
        let w = load_waivers(&p).unwrap();
        assert_eq!(w[0].expires.to_string(), "2024-02-28");
        assert_eq!(w[0].position.line, 2);
    }
}
