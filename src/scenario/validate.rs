//! Static checks of suite files against the loaded specs, before any request is sent: each step's
//! operation must exist (once), its parameters must be declared and literals must have the
//! schema's type, templates may only capture from earlier steps and only fields the referenced
//! step's documented response can have. The result is a [`Plan`]: the suites with every step
//! bound to its operation.

use serde_json::Value;

use super::ScenarioError;
use super::format::{Stage, Step, SuiteFile};
use super::schema::{self, Reach};
use super::template::{self, Expr, Part};
use crate::generate::request::{MediaKind, essence};
use crate::run::suite::Suite;
use crate::spec::model::ParamIn;
use crate::spec::source::Anchor;
use crate::spec::{Loc, Operation, pointer};

/// A step bound to its operation.
#[derive(Debug, Clone)]
pub struct PlannedStep {
    pub service: usize,
    pub operation: usize,
    /// The request body's media type (from `mediaType`, else the operation's first).
    pub media_type: Option<String>,
}

/// Suites checked against the specs: `steps[file][scenario][step]`.
#[derive(Debug)]
pub struct Plan {
    pub files: Vec<SuiteFile>,
    pub steps: Vec<Vec<Vec<PlannedStep>>>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.files.iter().all(|f| f.scenarios.is_empty())
    }

    /// Every step: `(file, scenario, step)`.
    pub fn each_step(&self) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
        self.files.iter().enumerate().flat_map(|(f, file)| {
            file.scenarios
                .iter()
                .enumerate()
                .flat_map(move |(s, sc)| (0..sc.steps.len()).map(move |i| (f, s, i)))
        })
    }
}

/// Reads every suite file and checks it against the loaded specs.
pub fn compile(paths: &[std::path::PathBuf], suite: &Suite) -> Result<Plan, ScenarioError> {
    let mut files = Vec::new();
    let mut steps = Vec::new();
    for p in super::discover(paths)? {
        let file = super::format::read(&p)?;
        steps.push(check_file(&file, suite)?);
        files.push(file);
    }
    Ok(Plan { files, steps })
}

fn err(file: &SuiteFile, ptr: &str, message: impl Into<String>) -> ScenarioError {
    ScenarioError::Invalid {
        position: file.source.position(ptr, Anchor::Value),
        message: message.into(),
    }
}

/// Finds the one operation a step names.
pub fn resolve(suite: &Suite, text: &str) -> Result<(usize, usize), String> {
    let (qualifier, name) = match text.split_once("::") {
        Some((q, n)) => (Some(q.trim()), n.trim()),
        None => (None, text.trim()),
    };
    let method_path = name
        .split_once(' ')
        .map(|(m, p)| (m.trim().to_ascii_uppercase(), p.trim().to_string()));
    let mut found = Vec::new();
    for (s, service) in suite.services.iter().enumerate() {
        if let Some(q) = qualifier {
            let stem_match = service.name == q
                || service
                    .name
                    .strip_prefix(q)
                    .is_some_and(|r| r.starts_with('-'));
            if !(stem_match || service.title == q) {
                continue;
            }
        }
        for (o, op) in service.model.operations.iter().enumerate() {
            if op.webhook.is_some() {
                continue;
            }
            let hit = match &method_path {
                Some((m, p)) => {
                    op.method == *m
                        && (op.path == *p || format!("{}{}", op.base_path, op.path) == *p)
                }
                None => op.operation_id.as_deref() == Some(name),
            };
            if hit {
                found.push((s, o));
            }
        }
    }
    match found.as_slice() {
        [one] => Ok(*one),
        [] => Err(format!(
            "unknown operation `{text}`: expected an operationId or `METHOD /path` of a loaded spec{}{}",
            closest(suite, name)
                .map(|c| format!(" (did you mean `{c}`?)"))
                .unwrap_or_default(),
            match qualifier {
                Some(q) => format!(" (services named `{q}`: {})", {
                    let names: Vec<&str> = suite
                        .services
                        .iter()
                        .filter(|s| s.name.starts_with(q))
                        .map(|s| s.name.as_str())
                        .collect();
                    if names.is_empty() {
                        "none".to_string()
                    } else {
                        names.join(", ")
                    }
                }),
                None => String::new(),
            }
        )),
        many => Err(format!(
            "operation `{text}` is in several specs ({}): put the service in front, as in `{}::{name}`",
            many.iter()
                .map(|(s, _)| suite.services[*s].name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            suite.services[many[0].0].name
        )),
    }
}

/// The operationId nearest to a misspelt one (at most a third of its letters off).
fn closest(suite: &Suite, name: &str) -> Option<String> {
    let mut best: Option<(usize, String)> = None;
    for s in &suite.services {
        for op in &s.model.operations {
            let Some(id) = &op.operation_id else { continue };
            let d = edit_distance(&name.to_lowercase(), &id.to_lowercase());
            if d <= (name.chars().count() / 3).max(1) && best.as_ref().is_none_or(|(b, _)| d < *b) {
                best = Some((d, id.clone()));
            }
        }
    }
    best.map(|(_, id)| id)
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb {
                prev
            } else {
                1 + prev.min(cur).min(row[j])
            };
            prev = cur;
        }
    }
    row[b.len()]
}

/// The schemas of an operation's responses with a JSON body, for the statuses given (empty:
/// the success ones).
pub fn response_schemas(op: &Operation, statuses: &[u16]) -> Vec<Loc> {
    op.responses
        .iter()
        .filter(|r| {
            if statuses.is_empty() {
                r.status.is_success()
            } else {
                statuses.iter().any(|s| r.status.matches(*s))
                    && !(matches!(r.status, crate::spec::model::StatusSpec::Default)
                        && statuses.iter().all(|s| {
                            op.responses.iter().any(|o| {
                                !matches!(o.status, crate::spec::model::StatusSpec::Default)
                                    && o.status.matches(*s)
                            })
                        }))
            }
        })
        .flat_map(|r| r.content.iter())
        .filter(|m| MediaKind::of(&m.name, false) == MediaKind::Json)
        .filter_map(|m| m.schema.clone())
        .collect()
}

/// The request body's schema for a media type (or the first).
pub fn body_schema(op: &Operation, media: Option<&str>) -> Option<(String, Option<Loc>)> {
    let body = op.request_body.as_ref()?;
    let m = match media {
        Some(want) => body
            .content
            .iter()
            .find(|m| essence(&m.name) == essence(want))?,
        None => body
            .content
            .iter()
            .find(|m| MediaKind::of(&m.name, false) == MediaKind::Json)
            .or_else(|| body.content.first())?,
    };
    Some((m.name.clone(), m.schema.clone()))
}

fn check_file(file: &SuiteFile, suite: &Suite) -> Result<Vec<Vec<PlannedStep>>, ScenarioError> {
    let mut out = Vec::new();
    for sc in &file.scenarios {
        let mut planned: Vec<PlannedStep> = Vec::new();
        for (i, step) in sc.steps.iter().enumerate() {
            let (s, o) = resolve(suite, &step.operation.value)
                .map_err(|e| err(file, &step.operation.ptr, e))?;
            let service = &suite.services[s];
            let op = &service.model.operations[o];
            let media_type = check_step(file, suite, &sc.steps, &planned, i, step, s, op)?;
            planned.push(PlannedStep {
                service: s,
                operation: o,
                media_type,
            });
        }
        out.push(planned);
    }
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
fn check_step(
    file: &SuiteFile,
    suite: &Suite,
    steps: &[Step],
    planned: &[PlannedStep],
    index: usize,
    step: &Step,
    service: usize,
    op: &Operation,
) -> Result<Option<String>, ScenarioError> {
    let spec = &suite.services[service].spec;
    // Parameters: declared (headers may be any), required path parameters given, literals typed.
    for (location, list) in [
        (ParamIn::Path, &step.path),
        (ParamIn::Query, &step.query),
        (ParamIn::Header, &step.headers),
        (ParamIn::Cookie, &step.cookies),
    ] {
        for (name, value) in list {
            let declared = op.parameters.iter().find(|p| {
                p.location == location
                    && (p.name == *name
                        || (location == ParamIn::Header && p.name.eq_ignore_ascii_case(name)))
            });
            let Some(p) = declared else {
                if location == ParamIn::Header {
                    continue;
                }
                let known: Vec<&str> = op
                    .parameters
                    .iter()
                    .filter(|p| p.location == location)
                    .map(|p| p.name.as_str())
                    .collect();
                return Err(err(
                    file,
                    &value.ptr,
                    format!(
                        "{} {} has no {} parameter `{name}`: expected one of: {}",
                        op.method,
                        op.path,
                        location.as_str(),
                        if known.is_empty() {
                            "(none)".to_string()
                        } else {
                            known.join(", ")
                        }
                    ),
                ));
            };
            if let Some(schema) = &p.schema {
                let mut bad = Vec::new();
                schema::mismatches(spec, schema, &value.value, "", &mut bad);
                if let Some((at, why)) = bad.first() {
                    return Err(err(
                        file,
                        &format!("{}{at}", value.ptr),
                        format!("{} parameter `{name}`: {why}", location.as_str()),
                    ));
                }
            }
            check_templates(
                file,
                suite,
                steps,
                planned,
                index,
                &value.ptr,
                &value.value,
                step,
            )?;
        }
    }
    for p in op.parameters.iter().filter(|p| p.location == ParamIn::Path) {
        if !step.path.iter().any(|(n, _)| *n == p.name) {
            return Err(err(
                file,
                &step.ptr,
                format!(
                    "step `{}`: expected a value for the path parameter `{}` of {} {}",
                    step.name, p.name, op.method, op.path
                ),
            ));
        }
    }
    // The body.
    let mut media_type = None;
    if step.body.is_some() || step.upload.is_some() {
        let Some((media, schema)) = body_schema(op, step.media_type.as_deref()) else {
            return Err(err(
                file,
                &step.ptr,
                format!(
                    "{} {} takes no request body{}",
                    op.method,
                    op.path,
                    step.media_type
                        .as_deref()
                        .map(|m| format!(" of type {m}"))
                        .unwrap_or_default()
                ),
            ));
        };
        media_type = Some(media);
        if let Some(body) = &step.body {
            if let Some(schema) = &schema {
                let mut bad = Vec::new();
                schema::mismatches(spec, schema, &body.value, "", &mut bad);
                if let Some((at, why)) = bad.first() {
                    return Err(err(
                        file,
                        &format!("{}{at}", body.ptr),
                        format!("body{at}: {why}"),
                    ));
                }
            }
            check_templates(
                file,
                suite,
                steps,
                planned,
                index,
                &body.ptr,
                &body.value,
                step,
            )?;
        }
        if let Some(u) = &step.upload
            && !file.files.iter().any(|f| f.name == u.value)
        {
            return Err(err(
                file,
                &u.ptr,
                format!(
                    "no file `{}`: expected one declared under `files:` ({})",
                    u.value,
                    file.files
                        .iter()
                        .map(|f| f.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    }
    // Expectations: fields the response can have, templates.
    let schemas = response_schemas(op, &step.expect.status);
    for (at, a) in &step.expect.body {
        // Only what is cheap to decide: a pointer, or a JSONPath that is a plain chain of names
        // and indices; wildcards, filters and descendants are left to the run.
        if let Some(ptr) = at.static_pointer()
            && !schemas.is_empty()
            && matches!(
                a.value,
                super::format::Assertion::Equals(_) | super::format::Assertion::Exists
            )
            && schemas
                .iter()
                .all(|s| matches!(schema::reach(spec, s, &ptr), Reach::Never(_)))
        {
            return Err(err(
                file,
                &a.ptr,
                format!(
                    "the documented response of {} {} cannot have `{at}`",
                    op.method, op.path
                ),
            ));
        }
        if let super::format::Assertion::Equals(v) = &a.value {
            check_templates(file, suite, steps, planned, index, &a.ptr, v, step)?;
        }
        if let super::locate::Locator::Template { text, .. } = at {
            let key = Value::String(text.clone());
            check_templates(file, suite, steps, planned, index, &a.ptr, &key, step)?;
        }
    }
    for (_, a) in &step.expect.headers {
        if let super::format::Assertion::Equals(v) = &a.value {
            check_templates(file, suite, steps, planned, index, &a.ptr, v, step)?;
        }
    }
    Ok(media_type)
}

#[allow(clippy::too_many_arguments)]
fn check_templates(
    file: &SuiteFile,
    suite: &Suite,
    steps: &[Step],
    planned: &[PlannedStep],
    index: usize,
    ptr: &str,
    value: &Value,
    step: &Step,
) -> Result<(), ScenarioError> {
    let exprs =
        template::expressions(value).map_err(|(at, e)| err(file, &format!("{ptr}{at}"), e))?;
    for (at, e) in exprs {
        let here = format!("{ptr}{at}");
        match e {
            Expr::Gen(_) => {}
            Expr::File { file: name, .. } => {
                if !file.files.iter().any(|f| f.name == name) {
                    return Err(err(
                        file,
                        &here,
                        format!("no file `{name}`: expected one declared under `files:`"),
                    ));
                }
            }
            Expr::Step { step: name, part } => {
                let Some(target) = steps.iter().position(|s| s.name == name) else {
                    return Err(err(
                        file,
                        &here,
                        format!(
                            "no step `{name}` in this scenario: expected one of the steps before `{}` ({})",
                            step.name,
                            steps[..index]
                                .iter()
                                .map(|s| s.name.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ));
                };
                if target >= index {
                    return Err(err(
                        file,
                        &here,
                        format!(
                            "step `{name}` runs {} `{}`: a template can only use steps that ran before",
                            if target == index { "as" } else { "after" },
                            step.name
                        ),
                    ));
                }
                if steps[target].stage == Stage::Teardown && step.stage != Stage::Teardown {
                    return Err(err(
                        file,
                        &here,
                        format!("step `{name}` is a teardown step"),
                    ));
                }
                if let Part::Body(ptr) = &part {
                    let p = &planned[target];
                    let svc = &suite.services[p.service];
                    let op = &svc.model.operations[p.operation];
                    let schemas = response_schemas(op, &steps[target].expect.status);
                    if !schemas.is_empty() {
                        let reaches: Vec<Reach> = schemas
                            .iter()
                            .map(|s| schema::reach(&svc.spec, s, ptr))
                            .collect();
                        if let Some(Reach::Never(token)) = reaches.first()
                            && reaches.iter().all(|r| matches!(r, Reach::Never(_)))
                        {
                            return Err(err(
                                file,
                                &here,
                                format!(
                                    "the documented response of step `{name}` ({} {}) cannot have `{}`: no field `{token}` there",
                                    op.method,
                                    op.path,
                                    pointer::tokens(ptr).collect::<Vec<_>>().join(".")
                                ),
                            ));
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("opretdokumnet", "opretdokument"), 2);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }
}
