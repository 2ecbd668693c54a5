//! `kontrakt diff --across DIR`: drift of shared concepts between services.
//!
//! A microservice estate defines the same things many times: an address, a CVR number, a case
//! id, the problem details of an error. When one service tightens its CVR pattern or adds a
//! field to its address and the others do not, clients that pass values between services break
//! in ways no single-spec diff can see. This check takes the latest version of every service,
//! finds each occurrence of a watched concept (a component schema, a property or a parameter
//! with one of the concept's names, or the schema of a `application/problem+json` response),
//! reduces each to its meaning (refs resolved, documentation dropped, 3.0 `nullable` spelled as
//! a type), and reports every concept defined in more than one way, with a side-by-side view of
//! each variant against the most common one.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::fragments::side_by_side_labelled;
use super::run::DiffError;
use crate::catalog;
use crate::spec::source::Position;
use crate::spec::{self, Loc, Spec};

/// A watched concept: its name in reports and the names (lower case, without `-`/`_`) that
/// denote it in schemas, properties and parameters.
pub struct Concept {
    pub name: &'static str,
    pub names: &'static [&'static str],
}

/// The concepts compared across services.
pub const CONCEPTS: &[Concept] = &[
    Concept {
        name: "Adresse",
        names: &["adresse"],
    },
    Concept {
        name: "CVR number",
        names: &["cvr", "cvrnummer", "cvrnr"],
    },
    Concept {
        name: "CPR number",
        names: &["cpr", "cprnummer", "cprnr"],
    },
    Concept {
        name: "case id",
        names: &["sagid", "sagsid"],
    },
    Concept {
        name: "Postnummer",
        names: &["postnummer", "postnr"],
    },
    Concept {
        name: "problem details",
        names: &["problem", "problemdetails"],
    },
];

/// Where a concept occurs.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Occurrence {
    pub service: String,
    /// e.g. "schema `Adresse`", "property `Virksomhed.cvr`", "parameter `sagId` of GET /x".
    pub element: String,
    pub position: Position,
}

/// One way a concept is defined, and where.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Variant {
    /// The definition reduced to its meaning.
    pub definition: Value,
    pub occurrences: Vec<Occurrence>,
}

/// A concept defined in more than one way.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Drift {
    pub concept: &'static str,
    /// Most used first.
    pub variants: Vec<Variant>,
}

/// The result of a drift check.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AcrossReport {
    /// The documents compared (the latest version of each service).
    pub files: Vec<PathBuf>,
    /// Concepts found in at least two services, with their number of occurrences.
    pub checked: BTreeMap<&'static str, usize>,
    pub drifts: Vec<Drift>,
}

/// Checks the latest version of every service under `dir`.
pub fn across(dir: &Path) -> Result<AcrossReport, DiffError> {
    let files = latest_files(dir)?;
    let mut found: BTreeMap<&'static str, Vec<(Value, Occurrence)>> = BTreeMap::new();
    for (service, file) in &files {
        let spec = spec::load(file)?;
        collect(&spec, service, &mut found);
    }
    let mut report = AcrossReport {
        files: files.iter().map(|(_, f)| f.clone()).collect(),
        ..AcrossReport::default()
    };
    for concept in CONCEPTS {
        let Some(list) = found.remove(concept.name) else {
            continue;
        };
        let services: HashSet<&str> = list.iter().map(|(_, o)| o.service.as_str()).collect();
        if services.len() < 2 {
            continue;
        }
        report.checked.insert(concept.name, list.len());
        let mut variants: Vec<Variant> = Vec::new();
        for (definition, occurrence) in list {
            match variants.iter_mut().find(|v| v.definition == definition) {
                Some(v) => v.occurrences.push(occurrence),
                None => variants.push(Variant {
                    definition,
                    occurrences: vec![occurrence],
                }),
            }
        }
        if variants.len() > 1 {
            variants.sort_by_key(|v| std::cmp::Reverse(v.occurrences.len()));
            report.drifts.push(Drift {
                concept: concept.name,
                variants,
            });
        }
    }
    Ok(report)
}

/// The latest document of each service: by catalog when `dir` has one, else the newest
/// `info.version` of each `info.title`.
fn latest_files(dir: &Path) -> Result<Vec<(String, PathBuf)>, DiffError> {
    if !dir.is_dir() {
        return Err(DiffError::Missing(dir.to_path_buf()));
    }
    let cat = dir.join("catalog.yaml");
    if cat.is_file() {
        let catalog = catalog::load(&cat)?;
        return Ok(catalog
            .services
            .iter()
            .filter_map(|s| s.latest().map(|v| (s.id.clone(), dir.join(&v.file))))
            .collect());
    }
    let files = spec::discover(&[dir.to_path_buf()]);
    if files.is_empty() {
        return Err(DiffError::Empty(dir.to_path_buf()));
    }
    let mut best: Vec<(String, Option<catalog::Semver>, PathBuf)> = Vec::new();
    for f in files {
        let s = spec::load(&f)?;
        let text = |p: &str| {
            s.root()
                .pointer(p)
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let title = text("/info/title").unwrap_or_default();
        let version = text("/info/version").and_then(|v| v.parse().ok());
        match best.iter_mut().find(|(t, _, _)| *t == title) {
            Some(slot) if version > slot.1 => *slot = (title, version, f),
            Some(_) => {}
            None => best.push((title, version, f)),
        }
    }
    Ok(best.into_iter().map(|(t, _, f)| (t, f)).collect())
}

fn key(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '-' && *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

fn concept_of(name: &str) -> Option<&'static Concept> {
    let k = key(name);
    CONCEPTS.iter().find(|c| c.names.contains(&k.as_str()))
}

type Found = BTreeMap<&'static str, Vec<(Value, Occurrence)>>;

fn collect(spec: &Spec, service: &str, found: &mut Found) {
    let mut seen: HashSet<(String, String)> = HashSet::new();
    let mut add = |found: &mut Found, concept: &'static str, loc: &Loc, element: String| {
        // One entry per element and concept, even when many operations reach it.
        if !seen.insert((concept.to_string(), element.clone())) {
            return;
        }
        let definition = canonical(spec, loc, &mut Vec::new());
        found.entry(concept).or_default().push((
            definition,
            Occurrence {
                service: service.to_string(),
                element,
                position: spec.position(loc),
            },
        ));
    };
    // Component schemas, and the properties inside them (two levels deep).
    let root = Loc::new(0, "/components/schemas");
    if let Some(Value::Object(schemas)) = spec.get(&root) {
        for name in schemas.keys() {
            let loc = root.child(name);
            if let Some(c) = concept_of(name) {
                add(found, c.name, &loc, format!("schema `{name}`"));
            }
            properties(spec, &loc, name, 2, &mut |loc, path, prop| {
                if let Some(c) = concept_of(prop) {
                    add(found, c.name, loc, format!("property `{path}`"));
                }
            });
        }
    }
    // Parameters and problem responses of the operations.
    let model = spec::model::build(spec);
    for op in &model.operations {
        for p in &op.parameters {
            if let (Some(c), Some(schema)) = (concept_of(&p.name), &p.schema) {
                add(found, c.name, schema, format!("parameter `{}`", p.name));
            }
        }
        for r in &op.responses {
            for m in &r.content {
                if m.name == "application/problem+json"
                    && let Some(schema) = &m.schema
                {
                    let target = spec.deref(schema).unwrap_or_else(|_| schema.clone());
                    add(
                        found,
                        "problem details",
                        schema,
                        format!("problem response schema at {}", target.ptr),
                    );
                }
            }
        }
    }
}

/// Calls `f(loc, path, name)` for each property of the schema at `loc`, `depth` levels deep.
fn properties(
    spec: &Spec,
    loc: &Loc,
    path: &str,
    depth: usize,
    f: &mut dyn FnMut(&Loc, &str, &str),
) {
    if depth == 0 {
        return;
    }
    let loc = spec.deref(loc).unwrap_or_else(|_| loc.clone());
    let props = loc.child("properties");
    let Some(Value::Object(map)) = spec.get(&props) else {
        return;
    };
    for name in map.keys() {
        let p = props.child(name);
        let full = format!("{path}.{name}");
        f(&p, &full, name);
        // Only follow inline objects: a ref is checked where it is defined.
        if spec.get(&p).is_some_and(|v| v.get("$ref").is_none()) {
            properties(spec, &p, &full, depth - 1, f);
        }
    }
}

/// Keywords that document rather than constrain.
const DOC_KEYWORDS: &[&str] = &[
    "description",
    "title",
    "example",
    "examples",
    "externalDocs",
    "deprecated",
    "$comment",
];

/// The schema at `loc` reduced to its meaning: refs inlined (a cycle becomes
/// `{"$recursive": name}`), documentation and extensions dropped, `nullable: true` turned into a
/// `"null"` type, keys sorted.
fn canonical(spec: &Spec, loc: &Loc, stack: &mut Vec<Loc>) -> Value {
    let target = spec.deref(loc).unwrap_or_else(|_| loc.clone());
    if stack.contains(&target) || stack.len() > 16 {
        let name = target.ptr.rsplit('/').next().unwrap_or("").to_string();
        return json!({ "$recursive": name });
    }
    let Some(value) = spec.get(&target) else {
        return Value::Null;
    };
    stack.push(target.clone());
    let out = match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map
                .keys()
                .filter(|k| !DOC_KEYWORDS.contains(&k.as_str()) && !k.starts_with("x-"))
                .collect();
            keys.sort();
            let mut out = Map::new();
            for k in keys {
                let child = target.child(k);
                let v = match (k.as_str(), &map[k]) {
                    // Names and literal values: no refs inside.
                    ("required" | "enum" | "type" | "const" | "default", v) => {
                        let mut v = v.clone();
                        if k == "required"
                            && let Value::Array(a) = &mut v
                        {
                            a.sort_by_key(|x| x.to_string());
                        }
                        v
                    }
                    (_, Value::Object(_) | Value::Array(_)) => canonical(spec, &child, stack),
                    (_, v) => v.clone(),
                };
                out.insert(k.clone(), v);
            }
            if out.remove("nullable") == Some(Value::Bool(true)) {
                let ty = match out.remove("type") {
                    Some(Value::String(t)) => json!([t, "null"]),
                    Some(Value::Array(mut a)) => {
                        a.push(json!("null"));
                        Value::Array(a)
                    }
                    _ => json!(["null"]),
                };
                out.insert("type".into(), ty);
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(
            (0..items.len())
                .map(|i| canonical(spec, &target.index(i), stack))
                .collect(),
        ),
        v => v.clone(),
    };
    stack.pop();
    out
}

/// The drift report in `format` (JSON for `json`, text for every other format).
pub fn render(report: &AcrossReport, format: crate::cli::DiffFormat) -> String {
    match format {
        crate::cli::DiffFormat::Json => {
            let mut s = serde_json::to_string_pretty(&json(report)).unwrap_or_default();
            s.push('\n');
            s
        }
        _ => text(report),
    }
}

/// The drift report for people.
pub fn text(report: &AcrossReport) -> String {
    let mut out = format!(
        "{} services compared for shared concepts: {}\n",
        report.files.len(),
        report
            .checked
            .iter()
            .map(|(c, n)| format!("{c} ({n})"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    for d in &report.drifts {
        out.push_str(&format!(
            "\nwarning: {} is defined in {} ways\n",
            d.concept,
            d.variants.len()
        ));
        let reference = pretty(&d.variants[0].definition);
        for (i, v) in d.variants.iter().enumerate() {
            out.push_str(&format!(
                "  variant {} ({}):\n",
                i + 1,
                if i == 0 { "most used" } else { "differs" }
            ));
            for o in &v.occurrences {
                out.push_str(&format!(
                    "    {} {} at {}\n",
                    o.service, o.element, o.position
                ));
            }
            if i > 0 {
                out.push_str(&side_by_side_labelled(
                    ("variant 1", &format!("variant {}", i + 1)),
                    &reference,
                    &pretty(&v.definition),
                    "    ",
                ));
            }
        }
    }
    out.push_str(&format!(
        "\n{} drifting of {} shared\n",
        match report.drifts.len() {
            1 => "1 concept".to_string(),
            n => format!("{n} concepts"),
        },
        report.checked.len()
    ));
    out
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

/// The drift report for tools (`schemaVersion` as in docs/diff-json.md, its own `kind`).
pub fn json(report: &AcrossReport) -> Value {
    json!({
        "schemaVersion": super::render::JSON_SCHEMA_VERSION,
        "kind": "across",
        "tool": {"name": "kontrakt", "version": env!("CARGO_PKG_VERSION")},
        "files": report.files.iter().map(|f| f.to_string_lossy()).collect::<Vec<_>>(),
        "checked": report.checked,
        "drifts": report.drifts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_concepts_in_any_spelling() {
        assert_eq!(concept_of("cvrNummer").map(|c| c.name), Some("CVR number"));
        assert_eq!(concept_of("sag_id").map(|c| c.name), Some("case id"));
        assert_eq!(concept_of("Adresse").map(|c| c.name), Some("Adresse"));
        assert!(concept_of("navn").is_none());
    }
}
