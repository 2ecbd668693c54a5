//! Lint output: human text with snippets (default) and a versioned JSON document for tools.

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::rule::Finding;
use super::run::{FileReport, Summary};
use crate::spec::LoadError;
use crate::spec::source::snippet;

/// Bumped when the JSON output changes incompatibly.
pub const JSON_SCHEMA_VERSION: u32 = 1;

pub fn text(reports: &[FileReport]) -> String {
    let mut out = String::new();
    for r in reports {
        if let Some(e) = &r.error {
            write_load_error(&mut out, e);
            continue;
        }
        for f in &r.findings {
            write_finding(&mut out, f);
        }
        let (errors, warnings) = count(&r.findings);
        let _ = writeln!(
            out,
            "{}: OpenAPI {}, {}, {}: {}\n",
            r.path.display(),
            r.openapi.as_deref().unwrap_or("?"),
            plural(r.operations, "operation"),
            plural(r.files, "file"),
            tally(errors, warnings),
        );
    }
    let s = Summary::of(reports);
    let loaded = s.documents - s.failed;
    let mut line = format!(
        "{} checked: {}",
        plural(s.documents, "document"),
        if loaded == 0 {
            "none could be loaded".to_string()
        } else {
            tally(s.errors, s.warnings)
        }
    );
    if s.failed > 0 && loaded > 0 {
        line.push_str(&format!(", {} could not be loaded", s.failed));
    }
    let _ = writeln!(out, "{line}");
    out
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

fn count(findings: &[Finding]) -> (usize, usize) {
    use super::rule::Severity;
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let warnings = findings
        .iter()
        .filter(|f| f.severity == Severity::Warning)
        .count();
    (errors, warnings)
}

fn tally(errors: usize, warnings: usize) -> String {
    if errors == 0 && warnings == 0 {
        return "no problems".into();
    }
    format!(
        "{}, {}",
        plural(errors, "error"),
        plural(warnings, "warning")
    )
}

fn write_finding(out: &mut String, f: &Finding) {
    let _ = writeln!(out, "{}[{}]: {}", f.severity.as_str(), f.rule, f.message);
    let _ = writeln!(out, "  --> {}", f.position);
    let _ = writeln!(
        out,
        "{}\n",
        snippet(&f.line_text, f.position.line, f.position.column)
    );
}

/// A load failure in the same shape as a finding, so users read one format.
pub fn write_load_error(out: &mut String, e: &LoadError) {
    let _ = writeln!(out, "error[{}]: {}", e.kind.id(), e.message);
    match &e.position {
        Some(p) => {
            let _ = writeln!(out, "  --> {p}");
            if let Some(line) = &e.line_text {
                let _ = writeln!(out, "{}", snippet(line, p.line, p.column));
            }
        }
        None => {
            let _ = writeln!(out, "  --> {}", e.file.display());
        }
    }
    out.push('\n');
}

pub fn json(reports: &[FileReport]) -> Value {
    let documents: Vec<Value> = reports
        .iter()
        .map(|r| {
            json!({
                "path": r.path.to_string_lossy(),
                "status": if r.error.is_some() { "failed" } else { "loaded" },
                "openapi": r.openapi,
                "operations": r.operations,
                "files": r.files,
                "error": r.error.as_ref().map(|e| json!({
                    "rule": e.kind.id(),
                    "severity": "fatal",
                    "message": e.message,
                    "file": e.file.to_string_lossy(),
                    "line": e.position.as_ref().map(|p| p.line),
                    "column": e.position.as_ref().map(|p| p.column),
                })),
                "findings": r.findings,
            })
        })
        .collect();
    json!({
        "tool": "kontrakt",
        "version": env!("CARGO_PKG_VERSION"),
        "schemaVersion": JSON_SCHEMA_VERSION,
        "documents": documents,
        "summary": Summary::of(reports),
    })
}
