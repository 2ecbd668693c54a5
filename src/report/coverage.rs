//! Coverage: what of each operation's contract a run exercised, and what it did not.
//!
//! Every documented item is listed up front from the spec (the skeleton), so an item never
//! exercised shows with 0 hits rather than being absent; each exchange then counts what it
//! touched. Hits are counts, so the coverage of shards merges by adding them.
//!
//! Also here: which parameters are secret (the spec marks them with `format: password`,
//! `x-secret` or `x-sensitive`, or the config names them, e.g. a CPR number), so their values
//! are redacted from every report.

use serde_json::Value;

use super::model::{Coverage, Hit, Location, OperationReport, ServiceReport};
use crate::generate::case::{Case, Phase, Probe};
use crate::run::suite::Suite;
use crate::spec::Spec;
use crate::spec::model::{Operation, ParamIn, StatusSpec};

/// The operations of a run, each with its id and its coverage skeleton, by service.
/// `units` are (service, operation, id, skip reason) for every operation the run knows.
pub fn services(
    suite: &Suite,
    units: &[(usize, usize, String, Option<String>)],
) -> Vec<ServiceReport> {
    suite
        .services
        .iter()
        .enumerate()
        .map(|(s, service)| ServiceReport {
            name: service.name.clone(),
            title: service.title.clone(),
            version: service.version.clone(),
            file: service.path.display().to_string(),
            sha256: std::fs::read(&service.path)
                .map(|b| sha256_hex(&b))
                .unwrap_or_default(),
            operations: units
                .iter()
                .filter(|(us, ..)| *us == s)
                .map(|(_, o, id, skip)| {
                    let op = &service.model.operations[*o];
                    let pos = service.spec.position(&op.loc);
                    OperationReport {
                        id: id.clone(),
                        method: op.method.clone(),
                        path: op.path.clone(),
                        operation_id: op.operation_id.clone(),
                        location: Some(Location {
                            file: pos.file.display().to_string(),
                            line: pos.line,
                            column: pos.column,
                        }),
                        skipped: skip.clone(),
                        sent: Default::default(),
                        not_sent: 0,
                        coverage: skeleton(&service.spec, op),
                    }
                })
                .collect(),
        })
        .collect()
}

/// SHA-256 of bytes, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Every documented item of an operation, with no hits.
pub fn skeleton(spec: &Spec, op: &Operation) -> Coverage {
    let hit = |name: String| Hit { name, hits: 0 };
    let mut c = Coverage {
        statuses: op.responses.iter().map(|r| hit(r.key.clone())).collect(),
        ..Coverage::default()
    };
    for p in &op.parameters {
        let name = format!("{} {}", p.location.as_str(), p.name);
        if let Some(values) = enum_of(spec, p.schema.as_ref()) {
            for v in values {
                c.enum_values.push(hit(format!("{name}={}", scalar(&v))));
            }
        }
        for e in p.examples.iter().filter_map(|e| e.name.as_ref()) {
            c.examples.push(hit(format!("{name} example \"{e}\"")));
        }
        c.parameters.push(hit(name));
    }
    if let Some(body) = &op.request_body {
        c.parameters.push(hit("body".into()));
        for m in &body.content {
            for e in m.examples.iter().filter_map(|e| e.name.as_ref()) {
                let item = hit(format!("body example \"{e}\""));
                if !c.examples.contains(&item) {
                    c.examples.push(item);
                }
            }
        }
    }
    c
}

/// The `enum` of a schema (through `$ref`s), if it has one.
fn enum_of(spec: &Spec, schema: Option<&crate::spec::Loc>) -> Option<Vec<Value>> {
    let loc = spec.deref(schema?).ok()?;
    let v = spec.get(&loc)?;
    if let Some(e) = v.get("enum").and_then(Value::as_array) {
        return Some(e.clone());
    }
    // An array of enum values (`?status=A&status=B`).
    v.get("items")?;
    let at = crate::spec::Loc::new(loc.file, format!("{}/items", loc.ptr));
    enum_of(spec, Some(&at))
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Counts what one exchange exercised: its response's documented status (or an undocumented
/// one), and for requests meant to be valid, the parameters, enum values and examples sent.
pub fn touch(c: &mut Coverage, case: &Case, status: Option<u16>) {
    // An undeclared method is not this operation: its 405 says nothing of the contract.
    if matches!(case.probe, Some(Probe::UndeclaredMethod(_))) {
        return;
    }
    if let Some(status) = status {
        let specs: Vec<(usize, StatusSpec)> = c
            .statuses
            .iter()
            .enumerate()
            .filter_map(|(i, h)| StatusSpec::parse(&h.name).map(|s| (i, s)))
            .collect();
        // The most specific documented status: the code, then its range, then `default`.
        let best = specs
            .iter()
            .filter(|(_, s)| s.matches(status))
            .min_by_key(|(_, s)| match s {
                StatusSpec::Code(_) => 0,
                StatusSpec::Range(_) => 1,
                StatusSpec::Default => 2,
            });
        match best {
            Some((i, _)) => c.statuses[*i].hits += 1,
            None => bump(&mut c.undocumented_statuses, &status.to_string()),
        }
    }
    if case.probe.is_some() {
        return;
    }
    let broken = case.violation.as_ref().map(|v| v.location.as_str());
    let slots = [
        (ParamIn::Path, &case.path),
        (ParamIn::Query, &case.query),
        (ParamIn::Header, &case.headers),
        (ParamIn::Cookie, &case.cookies),
    ];
    for (location, values) in slots {
        for (name, value) in values {
            let item = format!("{} {name}", location.as_str());
            if broken == Some(item.as_str()) {
                continue;
            }
            hit_existing(&mut c.parameters, &item);
            let values: Vec<&Value> = match value {
                Value::Array(a) => a.iter().collect(),
                v => vec![v],
            };
            for v in values {
                hit_existing(&mut c.enum_values, &format!("{item}={}", scalar(v)));
            }
        }
    }
    if case.body.is_some() && !broken.is_some_and(|b| b == "body" || b == "content-type") {
        hit_existing(&mut c.parameters, "body");
    }
    if case.phase == Phase::Examples {
        for e in &mut c.examples {
            if let Some(quoted) = e.name.rsplit_once(" example ").map(|(_, q)| q)
                && case.label.contains(quoted)
            {
                e.hits += 1;
            }
        }
    }
}

fn hit_existing(items: &mut [Hit], name: &str) {
    if let Some(h) = items.iter_mut().find(|h| h.name == name) {
        h.hits += 1;
    }
}

fn bump(items: &mut Vec<Hit>, name: &str) {
    match items.iter_mut().find(|h| h.name == name) {
        Some(h) => h.hits += 1,
        None => items.push(Hit {
            name: name.to_string(),
            hits: 1,
        }),
    }
}

/// Adds `other`'s hits to `into` (the same operation's coverage from another shard).
pub fn merge(into: &mut Coverage, other: &Coverage) {
    for (mine, theirs) in [
        (&mut into.statuses, &other.statuses),
        (
            &mut into.undocumented_statuses,
            &other.undocumented_statuses,
        ),
        (&mut into.parameters, &other.parameters),
        (&mut into.enum_values, &other.enum_values),
        (&mut into.examples, &other.examples),
    ] {
        for h in theirs {
            match mine.iter_mut().find(|m| m.name == h.name) {
                Some(m) => m.hits += h.hits,
                None => mine.push(h.clone()),
            }
        }
    }
}

/// Which parameters are personal or secret, per operation. Values travelling under a known
/// name (query, header, cookie, form field, JSON member) are redacted by the name (see
/// [`SecretParams::names`] and `Redactor::field`); a path parameter's value has no name on the
/// wire, so its values are learned as they are sent ([`SecretParams::path_values`]).
#[derive(Debug, Clone, Default)]
pub struct SecretParams {
    /// Names the config marks (lower-case) and names of parameters the spec marks.
    names: Vec<String>,
    /// (service, operation) → names of its path parameters that are secret.
    paths: std::collections::HashMap<(usize, usize), Vec<String>>,
}

/// Values shorter than this are not learned (they would match by chance).
const MIN_SECRET: usize = 4;

impl SecretParams {
    /// From the configured names and every operation's parameters.
    pub fn new(suite: &Suite, configured: &[String]) -> SecretParams {
        let norm = crate::redact::normal_name;
        let mut names: Vec<String> = configured.iter().map(|n| norm(n)).collect();
        let mut paths = std::collections::HashMap::new();
        for (s, service) in suite.services.iter().enumerate() {
            for (o, op) in service.model.operations.iter().enumerate() {
                let mut secret_paths = Vec::new();
                for p in &op.parameters {
                    let named = names.contains(&norm(&p.name));
                    let marked = marked_secret(&service.spec, p);
                    if p.location == ParamIn::Path {
                        if named || marked {
                            secret_paths.push(p.name.clone());
                        }
                    } else if marked && !named {
                        names.push(norm(&p.name));
                    }
                }
                if !secret_paths.is_empty() {
                    paths.insert((s, o), secret_paths);
                }
            }
        }
        SecretParams { names, paths }
    }

    /// Every name whose values are redacted wherever they travel.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The values a case sends in secret path parameters of operation `o` of service `s`.
    pub fn path_values(&self, s: usize, o: usize, case: &Case) -> Vec<String> {
        let Some(secret) = self.paths.get(&(s, o)) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (name, value) in &case.path {
            if secret.contains(name) {
                collect_strings(value, &mut out);
            }
        }
        out.retain(|v| v.len() >= MIN_SECRET);
        out
    }
}

fn collect_strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Number(n) => out.push(n.to_string()),
        Value::Array(a) => a.iter().for_each(|v| collect_strings(v, out)),
        Value::Object(m) => m.values().for_each(|v| collect_strings(v, out)),
        _ => {}
    }
}

/// A parameter the spec marks secret: `x-secret: true`, `x-sensitive: true`, or a schema with
/// `format: password`.
fn marked_secret(spec: &Spec, p: &crate::spec::model::Parameter) -> bool {
    let flag = |v: &Value| {
        ["x-secret", "x-sensitive"]
            .iter()
            .any(|k| v.get(*k).and_then(Value::as_bool) == Some(true))
    };
    if spec.get(&p.loc).is_some_and(flag) {
        return true;
    }
    p.schema
        .as_ref()
        .and_then(|s| spec.deref(s).ok())
        .and_then(|l| spec.get(&l).cloned())
        .is_some_and(|v| flag(&v) || v.get("format").and_then(Value::as_str) == Some("password"))
}
