//! What a test run covers: the services (one loaded spec each) and their operations, with the
//! names the tests carry.
//!
//! A folder often holds several versions of one service; a target serves one of them, so the
//! newest version of each title is tested and the older ones are named in a note. Files given
//! one by one are what the user chose and are all tested.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

use crate::mock::app::version_key;
use crate::spec::validate::Validators;
use crate::spec::{Model, Spec, model};

/// One spec under test.
pub struct Service {
    /// `person-1.1.0` (the file stem): the first part of every test name.
    pub name: String,
    pub title: String,
    pub version: String,
    pub path: PathBuf,
    pub spec: Arc<Spec>,
    pub model: Arc<Model>,
    pub validators: Arc<Validators>,
}

/// Everything loaded, and what was left out and why.
pub struct Suite {
    pub services: Vec<Service>,
    pub notes: Vec<String>,
}

/// Loads every spec under `paths`. A spec that does not load, or whose schemas do not compile,
/// is an error: testing against half a spec would be reported as complete.
pub fn load(paths: &[PathBuf]) -> Result<Suite, String> {
    let mut loaded: Vec<(PathBuf, Spec, bool)> = Vec::new();
    for root in paths {
        if !root.exists() {
            return Err(format!("{}: no such file or folder", root.display()));
        }
        let from_folder = root.is_dir();
        for path in crate::spec::discover(std::slice::from_ref(root)) {
            let spec = crate::spec::load(&path).map_err(|e| e.to_string())?;
            loaded.push((path, spec, from_folder));
        }
    }
    if loaded.is_empty() {
        return Err(format!(
            "no OpenAPI documents found in {}",
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let mut notes = Vec::new();
    let mut older = Vec::new();
    let mut services: Vec<Service> = Vec::new();
    // Newest first within a title, so older versions from folders can be set aside.
    loaded.sort_by(|(pa, a, _), (pb, b, _)| {
        let (ta, va) = title_version(a);
        let (tb, vb) = title_version(b);
        ta.cmp(&tb)
            .then(version_key(&vb).cmp(&version_key(&va)))
            .then(pa.cmp(pb))
    });
    for (path, spec, from_folder) in loaded {
        let (title, version) = title_version(&spec);
        if from_folder && services.iter().any(|s| s.title == title) {
            older.push(stem(&path));
            continue;
        }
        let model = model::build(&spec);
        if let Some(p) = model.problems.first() {
            let at = spec.position(&p.at);
            return Err(format!("{at}: {}", p.error));
        }
        if model.operations.iter().all(|o| o.webhook.is_some()) {
            // Shared components (common-*.yaml) and webhook-only specs have nothing to call.
            continue;
        }
        let validators = Validators::new(&spec, &model)
            .map_err(|e| format!("{}: its schemas cannot be compiled: {e}", path.display()))?;
        services.push(Service {
            name: stem(&path),
            title,
            version,
            path,
            spec: Arc::new(spec),
            model: Arc::new(model),
            validators: Arc::new(validators),
        });
    }
    if !older.is_empty() {
        older.sort();
        notes.push(format!(
            "{} older version{} not tested, a newer one being in the same folder: {} (give a file to test it)",
            older.len(),
            if older.len() == 1 { "" } else { "s" },
            older.join(", ")
        ));
    }
    // Two files with the same stem in different folders get their folder in front.
    let mut names: Vec<String> = services.iter().map(|s| s.name.clone()).collect();
    for (i, s) in services.iter().enumerate() {
        if services.iter().filter(|o| o.name == s.name).count() > 1 {
            names[i] = s.path.with_extension("").display().to_string();
        }
    }
    for (s, n) in services.iter_mut().zip(names) {
        s.name = n;
    }
    services.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Suite { services, notes })
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

fn title_version(spec: &Spec) -> (String, String) {
    let info = spec.root().get("info");
    let text = |k: &str| {
        info.and_then(|i| i.get(k))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    (text("title"), text("version"))
}

/// The test name of an operation: operationId, else `METHOD /path`.
pub fn operation_name(op: &crate::spec::Operation) -> String {
    op.display_name()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_sort_numerically() {
        assert!(version_key("1.10.0") > version_key("1.9.0"));
        assert!(version_key("2.0.0") > version_key("1.99.1"));
    }
}
