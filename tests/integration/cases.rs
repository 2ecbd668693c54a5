//! Case generation for `kontrakt test`: every bundled operation's cases judged by the real
//! validators (and, for parameters, by the mock's own parameter parser reading the built
//! request), determinism, replay and shrinking; then each boundary and negative kind on small
//! inline specs with exact values, and the wire format of every parameter style.

use std::path::Path;

use kontrakt::exchange::Request;
use kontrakt::generate::case::{BodyContent, Case, Constraint, Phase, Probe};
use kontrakt::generate::{CaseOptions, OperationCases, build_request};
use kontrakt::mock::params::{self, Shape};
use kontrakt::spec::model::{ParamIn, Parameter, template_params};
use kontrakt::spec::normalize::Direction;
use kontrakt::spec::{self, Model, Operation, Spec, Validators, model};
use serde_json::{Value, json};

use crate::support::{temp_dir, write};

const BASE: &str = "http://127.0.0.1:9/api";

fn load(path: &Path) -> (Spec, Model) {
    let spec = spec::load(path).unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
    let model = model::build(&spec);
    (spec, model)
}

/// A spec from YAML text (the whole document).
fn inline(text: &str) -> (tempfile::TempDir, Spec, Model) {
    let dir = temp_dir();
    let path = write(dir.path(), "openapi.yaml", text);
    let (spec, model) = load(&path);
    (dir, spec, model)
}

/// A 3.1 document with one `POST /t/{p}` operation whose parameters and body are given (YAML,
/// indented for the operation level).
fn one_op(parameters: &str, body: &str) -> (tempfile::TempDir, Spec, Model) {
    let indent = |s: &str, n: usize| -> String {
        s.lines()
            .map(|l| format!("{}{l}\n", " ".repeat(n)))
            .collect()
    };
    let mut text = String::from(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /t:\n    post:\n      responses:\n        '200': {description: ok}\n",
    );
    if !parameters.trim().is_empty() {
        text.push_str("      parameters:\n");
        text.push_str(&indent(parameters, 8));
    }
    if !body.trim().is_empty() {
        text.push_str("      requestBody:\n        required: true\n        content:\n          application/json:\n            schema:\n");
        text.push_str(&indent(body, 14));
    }
    inline(&text)
}

fn compile(spec: &Spec, model: &Model, op: usize, options: &CaseOptions) -> OperationCases {
    OperationCases::compile(spec, model, op, options)
        .unwrap_or_else(|e| panic!("{}: {e}", model.operations[op].key()))
}

fn schema_of(p: &Parameter) -> Option<spec::Loc> {
    p.schema
        .clone()
        .or_else(|| p.content.first().and_then(|m| m.schema.clone()))
}

/// The parameter values a server reads from `request`, parsed by the mock's parser, for every
/// parameter of `op` (None: absent).
fn server_reads(spec: &Spec, op: &Operation, request: &Request) -> Vec<(Parameter, Option<Value>)> {
    let url = request.url.strip_prefix(BASE).expect("url under base");
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let pairs = params::query_pairs(query);
    let cookies: Vec<(String, String)> = request
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("cookie"))
        .flat_map(|(_, v)| params::cookies(v))
        .collect();
    let template: Vec<&str> = op.path.split('/').collect();
    let actual: Vec<&str> = path.split('/').collect();
    assert_eq!(template.len(), actual.len(), "{path} against {}", op.path);
    let mut out = Vec::new();
    for p in &op.parameters {
        let shape = schema_of(p)
            .map(|s| Shape::of(spec, &s))
            .unwrap_or_default();
        let json = p.schema.is_none() && !p.content.is_empty();
        let value = match p.location {
            ParamIn::Path => template
                .iter()
                .position(|t| *t == format!("{{{}}}", p.name))
                .map(|i| {
                    if json {
                        let text = percent_encoding::percent_decode_str(actual[i])
                            .decode_utf8_lossy()
                            .into_owned();
                        serde_json::from_str(&text).unwrap_or(Value::String(text))
                    } else {
                        params::path_styled(actual[i], &p.name, &p.style, p.explode, &shape)
                    }
                }),
            ParamIn::Query if json => pairs
                .iter()
                .find(|(k, _)| *k == p.name)
                .map(|(_, v)| serde_json::from_str(v).unwrap_or(Value::String(v.clone()))),
            ParamIn::Query => params::query_value(&pairs, &p.name, &p.style, p.explode, &shape),
            ParamIn::Header => request.header(&p.name).map(|v| {
                if json {
                    serde_json::from_str(v).unwrap_or(Value::String(v.into()))
                } else {
                    params::simple(v, p.explode, &shape, false)
                }
            }),
            ParamIn::Cookie => cookies.iter().find(|(k, _)| *k == p.name).map(|(_, v)| {
                if json {
                    serde_json::from_str(v).unwrap_or(Value::String(v.clone()))
                } else {
                    params::simple(v, p.explode, &shape, false)
                }
            }),
        };
        out.push((p.clone(), value));
    }
    out
}

fn ignored_header(p: &Parameter) -> bool {
    p.location == ParamIn::Header
        && ["accept", "content-type", "authorization"]
            .iter()
            .any(|n| p.name.eq_ignore_ascii_case(n))
}

/// Which part a negative case's violation names: a parameter (location, name) or the body.
fn violated_param(case: &Case) -> Option<(String, String)> {
    let v = case.violation.as_ref()?;
    let (loc, rest) = v.location.split_once(' ')?;
    if loc == "body" {
        return None;
    }
    let name = rest.split('/').next().unwrap_or(rest);
    Some((loc.to_string(), name.to_string()))
}

/// Checks one case against the validators; returns a description of what is wrong.
fn judge(spec: &Spec, validators: &Validators, op: &Operation, case: &Case) -> Result<(), String> {
    let request = build_request(op, case, BASE);
    let reads = server_reads(spec, op, &request);
    let violated = violated_param(case);
    let mut param_failures = Vec::new();
    for (p, read) in &reads {
        if ignored_header(p) {
            continue;
        }
        let is_violated = violated
            .as_ref()
            .is_some_and(|(l, n)| l == p.location.as_str() && *n == p.name);
        let ok = match read {
            None => !p.required,
            Some(v) => match schema_of(p) {
                None => true,
                Some(s) => validators
                    .violations(&s, Direction::Request, v)
                    .expect("validator")
                    .is_empty(),
            },
        };
        if is_violated && ok {
            return Err(format!(
                "the violated parameter {} {} reads as valid: {read:?}",
                p.location.as_str(),
                p.name
            ));
        }
        if !is_violated && !ok {
            param_failures.push(format!("{} {} = {read:?}", p.location.as_str(), p.name));
        }
    }
    if !param_failures.is_empty() {
        return Err(format!("invalid parameters: {param_failures:?}"));
    }
    let body_violated = case
        .violation
        .as_ref()
        .is_some_and(|v| v.location.starts_with("body") || v.location == "content-type");
    let body_ok = match (&case.body, &op.request_body) {
        (None, None) => true,
        // A GET probe carries no body: only its method is wrong.
        (None, Some(_)) if case.method.as_deref() == Some("GET") => true,
        (None, Some(b)) => !b.required,
        (Some(_), None) => false,
        (Some(body), Some(rb)) => match &body.content {
            BodyContent::Raw(bytes) => {
                let declared = rb.content.iter().find(|m| m.name == body.media_type);
                let json = body.media_type.contains("json");
                declared.is_some() && !(json && serde_json::from_slice::<Value>(bytes).is_err())
            }
            BodyContent::Value(v) => {
                let m = rb.content.iter().find(|m| m.name == body.media_type);
                match m.and_then(|m| m.schema.clone()) {
                    None => m.is_some(),
                    Some(s) if body.media_type.contains("json") => validators
                        .violations(&s, Direction::Request, v)
                        .expect("validator")
                        .is_empty(),
                    Some(_) => true,
                }
            }
        },
    };
    if body_violated == body_ok {
        return Err(format!(
            "body {} (violated: {body_violated}): {:?}",
            if body_ok { "valid" } else { "invalid" },
            case.body
        ));
    }
    if case.phase == Phase::Negative && violated.is_none() && !body_violated {
        return Err("a negative case without a violated part".into());
    }
    Ok(())
}

#[test]
fn every_bundled_operation_yields_valid_positives_and_precise_negatives() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("specs");
    let paths = spec::discover(&[root]);
    let options = CaseOptions {
        max_examples: 10,
        ..CaseOptions::default()
    };
    let mut counts = [0usize; 5];
    let mut failures = Vec::new();
    let mut constraints = std::collections::HashSet::new();
    for path in paths {
        let (spec, model) = load(&path);
        let validators = Validators::new(&spec, &model).expect("validators");
        for (i, op) in model.operations.iter().enumerate() {
            let cases = compile(&spec, &model, i, &options);
            let all = cases.cases();
            assert!(
                all.iter().any(|c| c.phase.is_positive()),
                "{} {}: no positive case",
                path.display(),
                op.key()
            );
            for case in all.iter().chain(cases.probes().iter()) {
                counts[case.phase as usize] += 1;
                if let Some(v) = &case.violation {
                    constraints.insert(v.constraint);
                }
                if let Err(e) = judge(&spec, &validators, op, case) {
                    failures.push(format!(
                        "{} {} {}: {e}",
                        path.display(),
                        op.key(),
                        case.describe()
                    ));
                }
                let key = case.replay_key();
                let replayed = cases.replay(&key);
                if replayed.as_ref() != Some(case) {
                    failures.push(format!("{} {key}: replay differs", op.key()));
                }
            }
            // Shrinking the first case of each phase: same phase, same violation, valid.
            for phase in [
                Phase::Examples,
                Phase::Boundary,
                Phase::Property,
                Phase::Negative,
            ] {
                let Some(case) = all.iter().find(|c| c.phase == phase) else {
                    continue;
                };
                let mut current = case.clone();
                for _ in 0..3 {
                    let candidates = cases.shrink_candidates(&current);
                    let Some(next) = candidates.first() else {
                        break;
                    };
                    for c in &candidates {
                        assert_eq!(c.phase, case.phase);
                        assert_eq!(
                            c.violation.as_ref().map(|v| (v.constraint, &v.location)),
                            case.violation.as_ref().map(|v| (v.constraint, &v.location)),
                        );
                        if let Err(e) = judge(&spec, &validators, op, c) {
                            failures.push(format!("{} shrunk {}: {e}", op.key(), c.replay_key()));
                        }
                    }
                    assert_eq!(cases.replay(&next.replay_key()).as_ref(), Some(next));
                    current = next.clone();
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures[..failures.len().min(20)].join("\n")
    );
    eprintln!("cases per phase (examples, boundary, property, negative, probe): {counts:?}");
    for c in [
        Constraint::WrongType,
        Constraint::MissingRequired,
        Constraint::MalformedJson,
        Constraint::WrongContentType,
        Constraint::TooLong,
        Constraint::InvalidEnum,
    ] {
        assert!(
            constraints.contains(&c),
            "no {} case in the bundled specs",
            c.id()
        );
    }
    assert!(counts.iter().all(|&n| n > 0), "{counts:?}");
}

#[test]
fn cases_are_deterministic_and_seeded() {
    fn shareable<T: Send + Sync + 'static>() {}
    shareable::<OperationCases>();
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("specs/dokumentlager/dokumentlager-2.0.0.yaml");
    let (spec, model) = load(&path);
    let a = CaseOptions::default();
    let b = CaseOptions {
        seed: 7,
        ..CaseOptions::default()
    };
    let mut differ = false;
    for i in 0..model.operations.len() {
        let first = compile(&spec, &model, i, &a).cases();
        let again = compile(&spec, &model, i, &a).cases();
        assert_eq!(first, again);
        let other = compile(&spec, &model, i, &b).cases();
        let props = |cs: &[Case]| -> Vec<Case> {
            cs.iter()
                .filter(|c| c.phase == Phase::Property)
                .cloned()
                .collect()
        };
        let with_values = props(&first)
            .iter()
            .any(|c| !c.query.is_empty() || !c.path.is_empty() || c.body.is_some());
        if with_values && props(&first) != props(&other) {
            differ = true;
        }
    }
    assert!(differ, "another seed gave the same property cases");
}

fn cases_of(spec: &Spec, model: &Model) -> (OperationCases, Vec<Case>) {
    let cases = compile(spec, model, 0, &CaseOptions::default());
    let all = cases.cases();
    (cases, all)
}

fn query_values(cases: &[Case], phase: Phase, name: &str) -> Vec<Value> {
    cases
        .iter()
        .filter(|c| c.phase == phase)
        .filter_map(|c| {
            c.query
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
        })
        .collect()
}

fn negative<'a>(cases: &'a [Case], constraint: Constraint, location: &str) -> Option<&'a Case> {
    cases.iter().find(|c| {
        c.violation
            .as_ref()
            .is_some_and(|v| v.constraint == constraint && v.location == location)
    })
}

fn body_of(c: &Case) -> &Value {
    match &c.body.as_ref().expect("a body").content {
        BodyContent::Value(v) => v,
        BodyContent::Raw(r) => panic!("raw body {r:?}"),
    }
}

#[test]
fn boundaries_of_strings_numbers_enums_and_arrays() {
    let (_d, spec, model) = one_op(
        r#"
- {name: navn, in: query, required: true, schema: {type: string, minLength: 2, maxLength: 5}}
- {name: antal, in: query, required: true, schema: {type: integer, minimum: 1, maximum: 10}}
- {name: andel, in: query, schema: {type: number, exclusiveMinimum: 0, exclusiveMaximum: 1}}
- {name: farve, in: query, schema: {type: string, enum: [rød, grøn, blå]}}
- {name: ids, in: query, schema: {type: array, maxItems: 3, items: {type: integer}}}
"#,
        "",
    );
    let (_, all) = cases_of(&spec, &model);
    let navn = query_values(&all, Phase::Boundary, "navn");
    assert!(
        navn.iter()
            .any(|v| v.as_str().is_some_and(|s| s.chars().count() == 5)),
        "{navn:?}"
    );
    assert!(
        navn.iter()
            .any(|v| v.as_str().is_some_and(|s| s.chars().count() == 2)),
        "{navn:?}"
    );
    let antal = query_values(&all, Phase::Boundary, "antal");
    for n in [1, 2, 9, 10] {
        assert!(antal.contains(&json!(n)), "{n} missing from {antal:?}");
    }
    let andel = query_values(&all, Phase::Boundary, "andel");
    assert!(
        andel
            .iter()
            .all(|v| v.as_f64().is_some_and(|f| f > 0.0 && f < 1.0)),
        "{andel:?}"
    );
    assert!(andel.len() >= 2, "{andel:?}");
    let farve = query_values(&all, Phase::Boundary, "farve");
    for c in ["rød", "grøn", "blå"] {
        assert!(farve.contains(&json!(c)), "{farve:?}");
    }
    let ids = query_values(&all, Phase::Boundary, "ids");
    assert!(
        ids.iter()
            .any(|v| v.as_array().is_some_and(|a| a.len() == 3)),
        "{ids:?}"
    );
    // Required only, and every optional parameter present.
    let min = all
        .iter()
        .find(|c| c.label == "required parts only")
        .expect("required only");
    assert_eq!(min.query.len(), 2);
    let full = all
        .iter()
        .find(|c| c.label == "every optional part present")
        .expect("full");
    assert_eq!(full.query.len(), 5);
}

#[test]
fn negatives_break_exactly_one_named_constraint() {
    let (_d, spec, model) = one_op(
        r#"
- {name: navn, in: query, required: true, schema: {type: string, minLength: 2, maxLength: 5}}
- {name: antal, in: query, required: true, schema: {type: integer, minimum: 1, maximum: 10}}
- {name: kode, in: header, schema: {type: string, pattern: '^[A-Z]{3}$'}}
- {name: dato, in: query, schema: {type: string, format: date}}
- {name: cpr, in: query, schema: {type: string, format: cpr}}
- {name: farve, in: query, schema: {type: string, enum: [rød, grøn]}}
- {name: fri, in: query, schema: {type: string}}
"#,
        r#"
type: object
required: [beloeb, navn]
additionalProperties: false
properties:
  beloeb: {type: number, multipleOf: 0.01, minimum: 0}
  navn: {type: string, maxLength: 5}
  liste: {type: array, minItems: 1, maxItems: 2, uniqueItems: true, items: {type: integer}}
"#,
    );
    let (_, all) = cases_of(&spec, &model);
    let neg = |c: Constraint, at: &str| {
        negative(&all, c, at).unwrap_or_else(|| {
            let have: Vec<String> = all
                .iter()
                .filter_map(|c| c.violation.as_ref())
                .map(|v| format!("{} at {}", v.constraint.id(), v.location))
                .collect();
            panic!("no {} at {at}; have {have:#?}", c.id())
        })
    };
    let q = |c: &Case, name: &str| {
        c.query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    // maxLength 5 → a 6-character string; minLength 2 → 1 character.
    let long = neg(Constraint::TooLong, "query navn");
    assert_eq!(
        q(long, "navn").and_then(|v| v.as_str().map(|s| s.chars().count())),
        Some(6)
    );
    let short = neg(Constraint::TooShort, "query navn");
    assert_eq!(
        q(short, "navn").and_then(|v| v.as_str().map(|s| s.chars().count())),
        Some(1)
    );
    assert_eq!(
        q(neg(Constraint::BelowMinimum, "query antal"), "antal"),
        Some(json!(0))
    );
    assert_eq!(
        q(neg(Constraint::AboveMaximum, "query antal"), "antal"),
        Some(json!(11))
    );
    assert!(q(neg(Constraint::WrongType, "query antal"), "antal").is_some_and(|v| v.is_string()));
    assert!(
        negative(&all, Constraint::WrongType, "query navn").is_none(),
        "a string query value cannot have the wrong type"
    );
    assert!(negative(&all, Constraint::WrongType, "query fri").is_none());
    let miss = neg(Constraint::MissingRequired, "query navn");
    assert!(q(miss, "navn").is_none());
    neg(Constraint::PatternMismatch, "header kode");
    neg(Constraint::InvalidFormat, "query dato");
    neg(Constraint::InvalidFormat, "query cpr");
    neg(Constraint::InvalidEnum, "query farve");
    // Body sites.
    let extra = neg(Constraint::ExtraProperty, "body /kontraktEkstra");
    assert!(body_of(extra).get("kontraktEkstra").is_some());
    let missing = neg(Constraint::MissingRequired, "body /beloeb");
    assert!(body_of(missing).get("beloeb").is_none());
    neg(Constraint::NotMultipleOf, "body /beloeb");
    neg(Constraint::BelowMinimum, "body /beloeb");
    neg(Constraint::WrongType, "body /beloeb");
    let too_long = neg(Constraint::TooLong, "body /navn");
    assert_eq!(
        body_of(too_long)["navn"]
            .as_str()
            .map(|s| s.chars().count()),
        Some(6)
    );
    neg(Constraint::TooManyItems, "body /liste");
    neg(Constraint::TooFewItems, "body /liste");
    neg(Constraint::NotUnique, "body /liste");
    neg(Constraint::MissingBody, "body");
    let malformed = neg(Constraint::MalformedJson, "body");
    assert!(matches!(
        malformed.body.as_ref().unwrap().content,
        BodyContent::Raw(_)
    ));
    let wrong = neg(Constraint::WrongContentType, "content-type");
    assert_eq!(wrong.body.as_ref().unwrap().media_type, "text/plain");
    // Every negative differs from a valid case in one place only: its other parameters are
    // valid (checked in full in the bundled-spec test); here, the shrunk ones keep the violation.
    let validators = Validators::new(&spec, &model).expect("validators");
    let cases = compile(&spec, &model, 0, &CaseOptions::default());
    for c in all.iter().filter(|c| c.phase == Phase::Negative) {
        judge(&spec, &validators, &model.operations[0], c)
            .unwrap_or_else(|e| panic!("{}: {e}", c.describe()));
        for s in cases.shrink_candidates(c) {
            assert_eq!(s.violation, c.violation);
            judge(&spec, &validators, &model.operations[0], &s)
                .unwrap_or_else(|e| panic!("shrunk {}: {e}", s.describe()));
        }
    }
}

#[test]
fn each_one_of_branch_and_optional_properties() {
    let (_d, spec, model) = one_op(
        "",
        r#"
oneOf:
  - {type: object, required: [kind, cpr], properties: {kind: {const: person}, cpr: {type: string, format: cpr}, navn: {type: string}}, additionalProperties: false}
  - {type: object, required: [kind, cvr], properties: {kind: {const: virksomhed}, cvr: {type: string, format: cvr}}, additionalProperties: false}
"#,
    );
    let (_, all) = cases_of(&spec, &model);
    let kinds: Vec<Value> = all
        .iter()
        .filter(|c| c.phase == Phase::Boundary)
        .map(|c| body_of(c)["kind"].clone())
        .collect();
    assert!(
        kinds.contains(&json!("person")) && kinds.contains(&json!("virksomhed")),
        "{kinds:?}"
    );
    for c in all.iter().filter(|c| c.phase.is_positive()) {
        let b = body_of(c);
        if let Some(cvr) = b.get("cvr").and_then(Value::as_str) {
            assert!(kontrakt::spec::validate::is_cvr(cvr), "{cvr}");
        }
        if let Some(cpr) = b.get("cpr").and_then(Value::as_str) {
            assert!(kontrakt::spec::validate::is_cpr(cpr), "{cpr}");
        }
    }
}

#[test]
fn examples_are_sent_and_filled_in() {
    let (_d, spec, model) = inline(
        r#"
openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /sager/{sagId}:
    put:
      parameters:
        - {name: sagId, in: path, required: true, schema: {type: integer}, example: 42}
        - {name: spor, in: header, required: true, schema: {type: string, maxLength: 8}}
        - {name: bad, in: query, schema: {type: integer}, example: nope}
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, required: [navn], properties: {navn: {type: string}}, example: {navn: Skema}}
            examples:
              fuld: {value: {navn: Fuld}}
              forkert: {value: {navn: 7}}
      responses:
        '200': {description: ok}
"#,
    );
    let (_, all) = cases_of(&spec, &model);
    let examples: Vec<&Case> = all.iter().filter(|c| c.phase == Phase::Examples).collect();
    let labels: Vec<&str> = examples.iter().map(|c| c.label.as_str()).collect();
    assert!(
        labels.iter().any(|l| l.contains("example \"fuld\"")),
        "{labels:?}"
    );
    assert!(
        labels.iter().any(|l| l.contains("schema example of body")),
        "{labels:?}"
    );
    assert!(
        labels.iter().any(|l| l.contains("example of path sagId")),
        "{labels:?}"
    );
    assert!(
        !labels
            .iter()
            .any(|l| l.contains("forkert") || l.contains("query bad")),
        "{labels:?}"
    );
    for c in &examples {
        // The required header is generated where the example has none.
        assert!(c.headers.iter().any(|(n, _)| n == "spor"), "{}", c.label);
        assert!(c.path.iter().any(|(n, _)| n == "sagId"));
    }
    let combined = examples[0];
    assert_eq!(combined.label, "first example of every part");
    assert_eq!(combined.path, vec![("sagId".to_string(), json!(42))]);
    assert_eq!(body_of(combined), &json!({"navn": "Fuld"}));
}

#[test]
fn probes_for_auth_and_undeclared_methods() {
    let (_d, spec, model) = inline(
        r#"
openapi: 3.1.0
info: {title: t, version: '1'}
security: [{bearer: []}]
components: {securitySchemes: {bearer: {type: http, scheme: bearer}}}
paths:
  /a:
    get: {responses: {'200': {description: ok}}}
    patch: {security: [{}, {bearer: []}], responses: {'200': {description: ok}}}
"#,
    );
    let get = compile(&spec, &model, 0, &CaseOptions::default()).probes();
    let probes: Vec<Probe> = get.iter().filter_map(|c| c.probe.clone()).collect();
    assert_eq!(
        probes,
        vec![
            Probe::NoCredentials,
            Probe::InvalidCredentials,
            Probe::UndeclaredMethod("PUT".into())
        ]
    );
    assert_eq!(get[2].method.as_deref(), Some("PUT"));
    assert!(get.iter().all(|c| c.phase == Phase::Probe));
    // An optional-auth operation gets no credential probes.
    let patch = compile(&spec, &model, 1, &CaseOptions::default()).probes();
    assert_eq!(patch.len(), 1);
}

#[test]
fn replay_rejects_keys_that_do_not_fit() {
    let (_d, spec, model) = one_op(
        "- {name: n, in: query, required: true, schema: {type: integer, maximum: 3}}",
        "",
    );
    let cases = compile(&spec, &model, 0, &CaseOptions::default());
    assert!(cases.replay("n0:0").is_some());
    assert!(cases.replay("n0:1").is_none(), "wrong seed");
    assert!(cases.replay("n999:0").is_none());
    assert!(cases.replay("q0:0").is_none());
    assert!(cases.replay("garbage").is_none());
    let p = cases.replay("p3:0");
    assert!(p.is_none(), "property keys carry their own seed");
    let first = cases
        .cases()
        .into_iter()
        .find(|c| c.phase == Phase::Property)
        .unwrap();
    assert_eq!(cases.replay(&first.replay_key()), Some(first));
}

#[test]
fn shrinking_makes_cases_simpler() {
    let (_d, spec, model) = one_op(
        r#"
- {name: a, in: query, schema: {type: string}}
- {name: b, in: query, schema: {type: integer}}
"#,
        r#"
type: object
required: [id]
properties:
  id: {type: integer, minimum: 5}
  tekst: {type: string}
  liste: {type: array, items: {type: string}}
"#,
    );
    let cases = compile(&spec, &model, 0, &CaseOptions::default());
    let all = cases.cases();
    let full = all
        .iter()
        .find(|c| c.phase == Phase::Boundary && c.label == "every optional part present")
        .unwrap();
    let candidates = cases.shrink_candidates(full);
    assert!(
        candidates.iter().any(|c| c.query.len() == 1),
        "a parameter dropped"
    );
    assert!(
        candidates.iter().any(|c| body_of(c).get("tekst").is_none()),
        "a property dropped"
    );
    // Shrinking to the end gives the minimal request.
    let mut current = full.clone();
    for _ in 0..50 {
        let Some(next) = cases.shrink_candidates(&current).into_iter().next() else {
            break;
        };
        current = next;
    }
    assert!(current.query.is_empty());
    let body = body_of(&current).as_object().expect("an object");
    assert_eq!(body.keys().collect::<Vec<_>>(), ["id"]);
    assert!(
        body["id"].as_i64().is_some_and(|n| (5..10).contains(&n)),
        "{body:?}"
    );
    assert_eq!(cases.replay(&current.replay_key()), Some(current));
}

// ----- the wire format -------------------------------------------------------------------

fn styled_op(params_yaml: &str) -> (tempfile::TempDir, Operation) {
    let (dir, _spec, model) = inline(&format!(
        "openapi: 3.1.0\ninfo: {{title: t, version: '1'}}\npaths:\n  /r/{{p}}:\n    get:\n      parameters:\n{}      responses: {{'200': {{description: ok}}}}\n",
        params_yaml
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| format!("        {l}\n"))
            .collect::<String>()
    ));
    (dir, model.operations[0].clone())
}

fn request_for(op: &Operation, set: &[(ParamIn, &str, Value)]) -> Request {
    let mut case = Case::new(0, Phase::Property, 1, "t");
    for (loc, name, v) in set {
        let entry = (name.to_string(), v.clone());
        match loc {
            ParamIn::Path => case.path.push(entry),
            ParamIn::Query => case.query.push(entry),
            ParamIn::Header => case.headers.push(entry),
            ParamIn::Cookie => case.cookies.push(entry),
        }
    }
    build_request(op, &case, "http://h:1/v1/")
}

#[test]
fn path_styles() {
    let arr = json!(["a b", "c/d"]);
    let obj = json!({"x": 1, "y": "z"});
    let cases = [
        ("simple", false, json!("a/b c"), "/r/a%2Fb%20c"),
        ("simple", false, arr.clone(), "/r/a%20b,c%2Fd"),
        ("simple", false, obj.clone(), "/r/x,1,y,z"),
        ("simple", true, obj.clone(), "/r/x=1,y=z"),
        ("label", false, json!(5), "/r/.5"),
        ("label", false, arr.clone(), "/r/.a%20b,c%2Fd"),
        ("label", true, arr.clone(), "/r/.a%20b.c%2Fd"),
        ("label", true, obj.clone(), "/r/.x=1.y=z"),
        ("matrix", false, json!(5), "/r/;p=5"),
        ("matrix", false, arr.clone(), "/r/;p=a%20b,c%2Fd"),
        ("matrix", true, arr.clone(), "/r/;p=a%20b;p=c%2Fd"),
        ("matrix", true, obj.clone(), "/r/;x=1;y=z"),
        ("matrix", false, obj.clone(), "/r/;p=x,1,y,z"),
    ];
    for (style, explode, value, expected) in cases {
        let (_d, op) = styled_op(&format!(
            "- {{name: p, in: path, required: true, style: {style}, explode: {explode}, schema: {{}}}}"
        ));
        let r = request_for(&op, &[(ParamIn::Path, "p", value.clone())]);
        assert_eq!(
            r.url,
            format!("http://h:1/v1{expected}"),
            "{style} {explode} {value}"
        );
    }
}

#[test]
fn query_header_and_cookie_styles() {
    let (_d, op) = styled_op(
        r#"
- {name: p, in: path, required: true, schema: {type: string}}
- {name: ex, in: query, schema: {type: array, items: {type: integer}}}
- {name: csv, in: query, explode: false, schema: {type: array, items: {type: string}}}
- {name: sp, in: query, style: spaceDelimited, explode: false, schema: {type: array}}
- {name: pipe, in: query, style: pipeDelimited, explode: false, schema: {type: array}}
- {name: filter, in: query, style: deepObject, explode: true, schema: {type: object}}
- {name: obj, in: query, schema: {type: object, properties: {a: {}, b: {}}}}
- {name: objc, in: query, explode: false, schema: {type: object}}
- {name: q, in: query, schema: {type: string}}
- {name: X-Ids, in: header, schema: {type: array}}
- {name: X-Obj, in: header, explode: true, schema: {type: object}}
- {name: sess, in: cookie, schema: {type: string}}
- {name: lst, in: cookie, explode: false, schema: {type: array}}
- {name: js, in: query, content: {application/json: {schema: {type: object}}}}
"#,
    );
    let r = request_for(
        &op,
        &[
            (ParamIn::Path, "p", json!("x")),
            (ParamIn::Query, "ex", json!([1, 2])),
            (ParamIn::Query, "csv", json!(["a", "b c"])),
            (ParamIn::Query, "sp", json!(["a", "b"])),
            (ParamIn::Query, "pipe", json!(["a", "b"])),
            (ParamIn::Query, "filter", json!({"navn": "Å", "n": 2})),
            (ParamIn::Query, "obj", json!({"a": 1, "b": "x"})),
            (ParamIn::Query, "objc", json!({"a": 1, "b": "x"})),
            (ParamIn::Query, "q", json!("a&b=c+d")),
            (ParamIn::Query, "js", json!({"a": [1]})),
            (ParamIn::Header, "X-Ids", json!([1, 2])),
            (ParamIn::Header, "X-Obj", json!({"a": 1, "b": 2})),
            (ParamIn::Cookie, "sess", json!("a b;c")),
            (ParamIn::Cookie, "lst", json!(["x", "y"])),
        ],
    );
    assert_eq!(
        r.url,
        "http://h:1/v1/r/x?ex=1&ex=2&csv=a,b%20c&sp=a%20b&pipe=a|b&filter[navn]=%C3%85&filter[n]=2\
         &a=1&b=x&objc=a,1,b,x&q=a%26b%3Dc%2Bd&js=%7B%22a%22%3A%5B1%5D%7D"
    );
    assert_eq!(r.header("X-Ids"), Some("1,2"));
    assert_eq!(r.header("X-Obj"), Some("a=1,b=2"));
    assert_eq!(r.header("Cookie"), Some("sess=a%20b%3Bc; lst=x,y"));
    assert_eq!(r.method, "GET");
    assert!(r.header("Content-Type").is_none());
}

#[test]
fn bodies_per_media_type() {
    let (_d, spec, model) = inline(
        r#"
openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /f:
    post:
      requestBody:
        content:
          application/x-www-form-urlencoded: {schema: {type: object}}
          multipart/form-data: {schema: {type: object}}
          text/plain: {schema: {type: string}}
          application/pdf: {schema: {type: string, format: binary}}
      responses:
        '200': {description: ok, content: {application/json: {}, application/problem+json: {}}}
"#,
    );
    let op = &model.operations[0];
    let mut case = Case::new(0, Phase::Property, 0xabc, "t");
    let body = |media: &str, content: BodyContent| {
        Some(kontrakt::generate::case::CaseBody {
            media_type: media.into(),
            content,
        })
    };
    case.body = body(
        "application/x-www-form-urlencoded",
        BodyContent::Value(json!({"navn": "Søren Å", "tal": [1, 2], "obj": {"a": 1}})),
    );
    let r = build_request(op, &case, "http://h/");
    assert_eq!(
        r.header("Content-Type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        String::from_utf8(r.body.clone()).unwrap(),
        "navn=S%C3%B8ren+%C3%85&tal=1&tal=2&obj=%7B%22a%22%3A1%7D"
    );
    assert_eq!(
        r.header("Accept"),
        Some("application/json, application/problem+json")
    );
    assert_eq!(r.url, "http://h/f");

    case.body = body(
        "multipart/form-data",
        BodyContent::Value(json!({"navn": "x", "ids": [1, 2], "meta": {"a": 1}})),
    );
    let r = build_request(op, &case, "http://h");
    let boundary = "kontrakt-0000000000000abc";
    assert_eq!(
        r.header("Content-Type").map(str::to_string),
        Some(format!("multipart/form-data; boundary={boundary}"))
    );
    let expected = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"navn\"\r\n\r\nx\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"ids\"\r\n\r\n1\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"ids\"\r\n\r\n2\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/json\r\n\r\n{{\"a\":1}}\r\n\
         --{b}--\r\n",
        b = boundary
    );
    assert_eq!(String::from_utf8(r.body.clone()).unwrap(), expected);

    case.body = body("text/plain", BodyContent::Value(json!("hej")));
    let r = build_request(op, &case, "http://h");
    assert_eq!(
        (r.header("Content-Type"), r.body.as_slice()),
        (Some("text/plain"), &b"hej"[..])
    );

    case.body = body("application/pdf", BodyContent::Raw(b"%PDF-1.4".to_vec()));
    let r = build_request(op, &case, "http://h");
    assert_eq!(r.header("Content-Type"), Some("application/pdf"));
    assert_eq!(r.body, b"%PDF-1.4");

    // Generated cases for each media type are valid and the PDF is a PDF.
    let cases = compile(&spec, &model, 0, &CaseOptions::default()).cases();
    let pdf = cases
        .iter()
        .find(|c| {
            c.body
                .as_ref()
                .is_some_and(|b| b.media_type == "application/pdf")
        })
        .expect("a PDF case");
    let BodyContent::Raw(bytes) = &pdf.body.as_ref().unwrap().content else {
        panic!()
    };
    assert!(bytes.starts_with(b"%PDF-"));
}

#[test]
fn styled_parameters_round_trip_through_the_mock_parser() {
    let (_d, spec, model) = inline(
        r#"
openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /r/{a}/{b}/{c}:
    get:
      parameters:
        - {name: a, in: path, required: true, style: label, explode: true, schema: {type: array, minItems: 1, items: {type: string, maxLength: 6}}}
        - {name: b, in: path, required: true, style: matrix, schema: {type: integer, minimum: 3}}
        - {name: c, in: path, required: true, schema: {type: object, required: [k], properties: {k: {type: integer}, v: {type: string}}}}
        - {name: s, in: query, style: spaceDelimited, explode: false, schema: {type: array, items: {type: string, maxLength: 8}}}
        - {name: d, in: query, style: deepObject, explode: true, schema: {type: object, properties: {x: {type: boolean}, y: {type: number}}}}
        - {name: f, in: query, explode: false, schema: {type: array, items: {type: integer}}}
        - {name: h, in: header, schema: {type: array, items: {type: integer}}}
        - {name: k, in: cookie, schema: {type: string, minLength: 1}}
      responses: {'200': {description: ok}}
"#,
    );
    let validators = Validators::new(&spec, &model).expect("validators");
    let op = &model.operations[0];
    let options = CaseOptions {
        max_examples: 60,
        ..CaseOptions::default()
    };
    let cases = compile(&spec, &model, 0, &options);
    let all = cases.cases();
    assert!(all.iter().filter(|c| c.phase == Phase::Property).count() > 40);
    for c in &all {
        judge(&spec, &validators, op, c).unwrap_or_else(|e| panic!("{}: {e}", c.describe()));
        if c.phase.is_positive() {
            // What the mock reads is what the case holds.
            let reads = server_reads(&spec, op, &build_request(op, c, BASE));
            for (p, read) in reads {
                let held = match p.location {
                    ParamIn::Path => &c.path,
                    ParamIn::Query => &c.query,
                    ParamIn::Header => &c.headers,
                    ParamIn::Cookie => &c.cookies,
                }
                .iter()
                .find(|(n, _)| *n == p.name)
                .map(|(_, v)| v.clone());
                let same = match (&held, &read) {
                    (Some(Value::Array(a)), None) => a.is_empty(),
                    (Some(h), Some(r)) => kontrakt::generate::walk::same(h, r),
                    (None, None) => true,
                    _ => false,
                };
                assert!(
                    same,
                    "{} {}: held {held:?}, read {read:?}",
                    c.describe(),
                    p.name
                );
            }
        }
    }
    assert!(template_params(&op.path).len() == 3);
}
