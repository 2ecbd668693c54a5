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
    read_versioned(path, SCHEMA, "a kontrakt report").map_err(|message| ReportError::Read {
        path: path.to_path_buf(),
        message,
    })
}

/// Reads a JSON document whose `schema` must be `schema` (`what` names the kind of document in
/// errors); the error is the message, with line and column or JSON pointer.
pub fn read_versioned<T: serde::de::DeserializeOwned>(
    path: &Path,
    schema: &str,
    what: &str,
) -> Result<T, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| format!("line {}, column {}: not JSON: {e}", e.line(), e.column()))?;
    match value.get("schema").and_then(|s| s.as_str()) {
        Some(s) if s == schema => {}
        Some(other) => {
            return Err(format!(
                "/schema: `{other}` is not {what} this kontrakt reads ({schema})"
            ));
        }
        None => return Err(format!("/schema: missing; not {what} ({schema})")),
    }
    // Parsed again from the text (not the value) so that errors keep their line and column.
    serde_json::from_str(&text)
        .map_err(|e| format!("line {}, column {}: not {what}: {e}", e.line(), e.column()))
}
