//! Scenario suites: multi-step workflows (`suites/*.yaml`) run by `kontrakt test` after the
//! generated cases.
//!
//! A vendor's integration is a chain of calls (list cases → open one → upload a document →
//! file it), and the defects that live between calls (an id one service issues and another
//! rejects, a created resource that cannot be read back) only show in such chains. This module
//! reads the suite files ([`format`]), checks them against the loaded specs before anything is
//! sent ([`validate`]: unknown operations, captures from steps that do not exist or fields the
//! referenced response cannot have, literals of the wrong type — each with file, line and
//! column), expands templates ([`template`]) and runs the steps through the run's `Sender`
//! ([`exec`]), so rate limits, credentials and redaction hold as for generated cases.

pub mod exec;
pub mod format;
pub mod locate;
pub mod schema;
pub mod template;
pub mod validate;

use std::path::{Path, PathBuf};

use crate::spec::load::LoadError;
use crate::spec::source::Position;

pub use exec::{ScenarioRun, StepVerdict, run_all, trial_names, trials};
pub use format::{Assertion, Expect, FileSpec, Poll, Scenario, Stage, Step, SuiteFile};
pub use locate::Locator;
pub use validate::{Plan, PlannedStep, compile};

/// Why suites cannot be used: every variant names the file (and line and column where there is
/// one), and a run with such a suite stops before any request is sent (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file is not readable YAML/JSON (syntax errors carry their position).
    #[error("{0}")]
    Read(#[from] LoadError),
    /// The file parses, but something in it is wrong.
    #[error("{position}: {message}")]
    Invalid { position: Position, message: String },
    #[error("{0}: no such suite file or folder")]
    Missing(PathBuf),
}

/// The suite files under `paths` (files as given; folders: their `*.yaml`, `*.yml` and `*.json`
/// files, sorted, not descending into subfolders such as `suites/diff/`).
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, ScenarioError> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_file() {
            out.push(p.clone());
        } else if p.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(p)
                .map_err(|_| ScenarioError::Missing(p.clone()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.is_file() && is_suite_name(f))
                .collect();
            found.sort();
            out.extend(found);
        } else {
            return Err(ScenarioError::Missing(p.clone()));
        }
    }
    Ok(out)
}

fn is_suite_name(p: &Path) -> bool {
    matches!(
        p.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json")
    ) && !p
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.ends_with(".schema.json"))
}

/// The default suites folder: `suites/` beside the first spec folder's parent (`specs/` →
/// `./suites/`), when it exists.
pub fn default_folder(specs: &[PathBuf]) -> Option<PathBuf> {
    let first = specs.first()?;
    let folder = if first.is_dir() {
        first.clone()
    } else {
        first.parent()?.to_path_buf()
    };
    let parent = match folder.parent() {
        Some(p) if !folder.as_os_str().is_empty() && folder != Path::new(".") => p.to_path_buf(),
        _ => crate::spec::load::absolute(&folder).parent()?.to_path_buf(),
    };
    let candidate = parent.join("suites");
    candidate.is_dir().then_some(candidate)
}

/// The suites `kontrakt test` runs: those given with `--suites`, else the default folder (none
/// with `--no-suites`), checked against the loaded specs.
pub fn for_test(
    specs: &[PathBuf],
    given: &[PathBuf],
    none: bool,
    suite: &crate::run::suite::Suite,
) -> Result<Plan, ScenarioError> {
    let paths: Vec<PathBuf> = if none {
        Vec::new()
    } else if given.is_empty() {
        default_folder(specs).into_iter().collect()
    } else {
        given.to_vec()
    };
    compile(&paths, suite)
}
