//! The JSON report: the model itself, versioned by `schema` (docs/report-json.md). It is the
//! format other commands read back (`kontrakt report merge`, `kontrakt readiness`).

use std::path::Path;

use super::model::{Report, SCHEMA};
use super::write::ReportError;

pub fn render(report: &Report) -> Result<String, ReportError> {
    let mut text = serde_json::to_string(report)?;
    text.push('\n');
    Ok(text)
}

/// Reads a JSON report, refusing another schema version; errors name the line and column.
pub fn read(path: &Path) -> Result<Report, ReportError> {
    let err = |message: String| ReportError::Read {
        path: path.to_path_buf(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        err(format!(
            "line {}, column {}: not JSON: {e}",
            e.line(),
            e.column()
        ))
    })?;
    match value.get("schema").and_then(|s| s.as_str()) {
        Some(SCHEMA) => {}
        Some(other) => {
            return Err(err(format!(
                "/schema: `{other}` is not a report this kontrakt reads ({SCHEMA})"
            )));
        }
        None => {
            return Err(err(format!(
                "/schema: missing; not a kontrakt report ({SCHEMA})"
            )));
        }
    }
    serde_json::from_str(&text).map_err(|e| {
        err(format!(
            "line {}, column {}: not a kontrakt report: {e}",
            e.line(),
            e.column()
        ))
    })
}
