//! Running the rules over files and folders, and the exit status that follows.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::rule::{Context, Finding, Severity};
use super::rules::RULES;
use crate::spec::{self, LoadError};

/// The outcome of linting one root document.
#[derive(Debug)]
pub struct FileReport {
    pub path: PathBuf,
    /// The document's `openapi` version, when it loaded.
    pub openapi: Option<String>,
    pub operations: usize,
    pub files: usize,
    pub findings: Vec<Finding>,
    /// Set when the document could not be loaded at all.
    pub error: Option<LoadError>,
}

/// Counts by severity over many reports.
#[derive(Debug, Default, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct Summary {
    pub documents: usize,
    pub failed: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

impl Summary {
    pub fn of(reports: &[FileReport]) -> Self {
        let mut s = Summary {
            documents: reports.len(),
            ..Default::default()
        };
        for r in reports {
            s.failed += usize::from(r.error.is_some());
            for f in &r.findings {
                match f.severity {
                    Severity::Error => s.errors += 1,
                    Severity::Warning => s.warnings += 1,
                    Severity::Info => s.infos += 1,
                }
            }
        }
        s
    }
}

/// Loads and lints one root document.
pub fn lint_file(path: &Path) -> FileReport {
    let shown = spec::source::display_path(&spec::load::absolute(path));
    let shown = if path.is_absolute() {
        shown
    } else {
        path.to_path_buf()
    };
    let loaded = match spec::load(&shown) {
        Ok(s) => s,
        Err(e) => {
            return FileReport {
                path: shown,
                openapi: None,
                operations: 0,
                files: 0,
                findings: Vec::new(),
                error: Some(e),
            };
        }
    };
    let model = spec::model::build(&loaded);
    let ctx = Context::new(&loaded, &model);
    let mut findings: Vec<Finding> = RULES.iter().flat_map(|r| (r.check)(&ctx)).collect();
    findings.sort_by(|a, b| {
        (
            &a.position.file,
            a.position.line,
            a.position.column,
            a.rule,
            &a.message,
        )
            .cmp(&(
                &b.position.file,
                b.position.line,
                b.position.column,
                b.rule,
                &b.message,
            ))
    });
    findings.dedup();
    FileReport {
        path: shown,
        openapi: Some(loaded.version.raw.clone()),
        operations: model.operations.len(),
        files: loaded.files.len(),
        findings,
        error: None,
    }
}

/// Lints every root document found in the given files and folders.
pub fn lint_paths(paths: &[PathBuf]) -> Vec<FileReport> {
    spec::discover(paths).iter().map(|p| lint_file(p)).collect()
}
