//! The cases `kontrakt test` sends for one operation, phase by phase, and how a failing one is
//! shrunk and replayed.
//!
//! Everything is compiled once per operation ([`OperationCases::compile`]): one value generator
//! per parameter and per request media type, and the spec's examples. From there:
//!
//! - **examples**: every parameter, media-type and schema example, each in an otherwise generated
//!   valid request, plus one request combining the first example of every part;
//! - **boundary**: a request with only the required parts, one with every optional part (down to
//!   optional properties), then one edit at a time of the latter: bounds, length limits, enum
//!   values, booleans, fewest and most items, each `oneOf`/`anyOf` branch, each other media type.
//!   At most [`MAX_BOUNDARY_CASES`] per operation;
//! - **property**: `max_examples` seeded requests with sizes swept from 0 to 100, optional parts
//!   present by chance;
//! - **negative**: one constraint broken per request, named in its [`Violation`]. At most
//!   [`MAX_NEGATIVE_CASES`] per operation.
//!
//! A positive case is kept only if every part, read back as the server will read it
//! ([`wire`](super::wire)), is valid; a negative one only if the broken part really is invalid and
//! its site breaks exactly the named constraint. Shrinking re-applies the same mutation to a
//! simpler valid base, so a shrunk negative case still breaks the same constraint and nothing
//! else (Schemathesis #4332 is the bug this avoids).

use std::collections::HashSet;
use std::sync::OnceLock;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

use super::boundary;
use super::case::{BodyContent, Case, CaseBody, Constraint, Phase, Probe, Violation};
use super::error::GenerateError;
use super::generator::{GenerateOptions, ValueGenerator};
use super::negative::{self, Mutation};
use super::request::{self, MediaKind, essence};
use super::walk::{self, Ptr};
use super::wire;
use crate::spec::model::{ParamIn, Parameter};
use crate::spec::normalize::Direction;
use crate::spec::{Loc, Model, Operation, Spec};

/// Boundary cases kept per operation (the first ones: required-only, all-optional, then edits
/// in parameter order and body order).
pub const MAX_BOUNDARY_CASES: usize = 256;
/// Negative cases kept per operation.
pub const MAX_NEGATIVE_CASES: usize = 256;
/// Shrink candidates offered per step.
pub const MAX_SHRINK_CANDIDATES: usize = 48;
/// Attempts at a parameter value that survives serialisation before the parameter is given up.
const SEND_ATTEMPTS: u64 = 12;
/// Optional properties added when building the "every optional part" request.
const MAX_OPTIONAL_FILLS: usize = 64;

#[derive(Debug, Clone, PartialEq)]
pub struct CaseOptions {
    pub seed: u64,
    /// Property-phase cases per operation (Schemathesis' max_examples).
    pub max_examples: usize,
    /// Phases to generate, in order (Phase::Probe is never in here).
    pub phases: Vec<Phase>,
}

impl Default for CaseOptions {
    fn default() -> Self {
        CaseOptions {
            seed: 0,
            max_examples: 20,
            phases: vec![
                Phase::Examples,
                Phase::Boundary,
                Phase::Property,
                Phase::Negative,
            ],
        }
    }
}

/// One parameter, compiled.
struct ParamPart {
    param: Parameter,
    /// Described by `content`: the value travels as JSON text.
    json: bool,
    generator: Option<ValueGenerator>,
    examples: Vec<(String, Value)>,
}

/// One request media type, compiled.
struct MediaPart {
    name: String,
    kind: MediaKind,
    generator: Option<ValueGenerator>,
    examples: Vec<(String, Value)>,
}

/// How a negative case is made from a valid one; re-applied to each shrunk base.
#[derive(Debug, Clone)]
enum Neg {
    RemoveParam(usize),
    Param(usize, Mutation),
    RemoveBody,
    MalformedJson,
    WrongContentType(String),
    Body(Mutation),
}

/// Everything compiled for one operation; Send + Sync; cheap to share via Arc.
pub struct OperationCases {
    operation: usize,
    op: Operation,
    options: CaseOptions,
    params: Vec<ParamPart>,
    media: Vec<MediaPart>,
    body_required: bool,
    /// The first standard method the operation's path does not declare.
    undeclared: Option<String>,
    /// Every security requirement needs credentials.
    secured: bool,
    /// Each phase's list, built on first use (replay and shrinking look cases up by index).
    examples: OnceLock<Vec<Case>>,
    boundary: OnceLock<Vec<Case>>,
    negatives: OnceLock<Vec<(Case, Neg)>>,
    negative_base: OnceLock<Option<Case>>,
}

impl std::fmt::Debug for OperationCases {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OperationCases")
            .field("operation", &self.op.key())
            .field("params", &self.params.len())
            .field("media", &self.media.len())
            .finish()
    }
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A seed derived from another and a label; independent streams for independent parts.
fn mix(a: u64, b: u64) -> u64 {
    splitmix(a ^ splitmix(b))
}

fn compile_generator(spec: &Spec, schema: &Loc) -> Result<ValueGenerator, GenerateError> {
    let random = GenerateOptions {
        prefer_examples: false,
        ..GenerateOptions::default()
    };
    ValueGenerator::compile(spec, schema, Direction::Request, &random).or_else(|_| {
        // A schema only its own examples satisfy (a pattern beyond the regex generator).
        ValueGenerator::compile(
            spec,
            schema,
            Direction::Request,
            &GenerateOptions::default(),
        )
    })
}

fn example_values(spec: &Spec, examples: &[crate::spec::model::Example]) -> Vec<(String, Value)> {
    examples
        .iter()
        .filter_map(|e| {
            let v = spec.get(e.value.as_ref()?)?.clone();
            let label = match &e.name {
                Some(n) => format!("example \"{n}\""),
                None => "example".to_string(),
            };
            Some((label, v))
        })
        .collect()
}

fn binary_schema(spec: &Spec, schema: Option<&Loc>) -> bool {
    let Some(v) = schema
        .and_then(|s| spec.deref(s).ok())
        .and_then(|l| spec.get(&l))
    else {
        return false;
    };
    v.get("format").and_then(Value::as_str) == Some("binary") || v.get("contentMediaType").is_some()
}

fn slot(case: &Case, location: ParamIn) -> &Vec<(String, Value)> {
    match location {
        ParamIn::Path => &case.path,
        ParamIn::Query => &case.query,
        ParamIn::Header => &case.headers,
        ParamIn::Cookie => &case.cookies,
    }
}

fn slot_mut(case: &mut Case, location: ParamIn) -> &mut Vec<(String, Value)> {
    match location {
        ParamIn::Path => &mut case.path,
        ParamIn::Query => &mut case.query,
        ParamIn::Header => &mut case.headers,
        ParamIn::Cookie => &mut case.cookies,
    }
}

/// Non-ASCII letters replaced one for one, so header values stay the same length.
fn asciify(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(
            s.chars()
                .map(|c| match c {
                    'æ' | 'å' | 'á' | 'à' | 'ä' => 'a',
                    'Æ' | 'Å' | 'Ä' => 'A',
                    'ø' | 'ö' | 'ó' => 'o',
                    'Ø' | 'Ö' => 'O',
                    'é' | 'è' => 'e',
                    'ü' => 'u',
                    c if c.is_ascii() && !c.is_ascii_control() => c,
                    _ => 'x',
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(asciify).collect()),
        Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), asciify(v))).collect()),
        v => v.clone(),
    }
}

/// Bytes for a binary body: a recognisable PDF when one is expected, seeded bytes otherwise.
fn binary_bytes(media: &str, seed: u64, size: u8) -> Vec<u8> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let n = 16 + usize::from(size) * 8;
    if essence(media) == "application/pdf" {
        let mut out = b"%PDF-1.4\n%kontrakt\n".to_vec();
        out.extend((0..n).map(|_| b'a' + rng.random_range(0..26u8)));
        out.extend_from_slice(b"\n%%EOF\n");
        return out;
    }
    (0..n).map(|_| rng.random()).collect()
}

/// A case's parts, for de-duplicating a phase's list.
fn fingerprint(c: &Case) -> String {
    let body = match &c.body {
        None => String::new(),
        Some(b) => match &b.content {
            BodyContent::Value(v) => format!("{}:{v}", b.media_type),
            BodyContent::Raw(r) => format!("{}:{r:?}", b.media_type),
        },
    };
    format!(
        "{:?}|{:?}|{:?}|{:?}|{body}|{:?}",
        c.path, c.query, c.headers, c.cookies, c.method
    )
}

fn dedup(cases: &mut Vec<Case>) {
    let mut seen = HashSet::new();
    cases.retain(|c| seen.insert(fingerprint(c)));
}

fn number_the(mut cases: Vec<Case>) -> Vec<Case> {
    for (i, c) in cases.iter_mut().enumerate() {
        c.index = i;
    }
    cases
}

/// What shrinking must leave alone: the part a negative case breaks.
#[derive(Default)]
struct Protect {
    param: Option<usize>,
    body: bool,
    body_ptrs: Vec<Ptr>,
}

impl OperationCases {
    pub fn compile(
        spec: &Spec,
        model: &Model,
        operation: usize,
        options: &CaseOptions,
    ) -> Result<OperationCases, GenerateError> {
        let op = model
            .operations
            .get(operation)
            .ok_or_else(|| {
                GenerateError::new(
                    spec,
                    Loc::new(0, ""),
                    format!("there is no operation {operation}"),
                )
            })?
            .clone();
        let mut params = Vec::new();
        for p in &op.parameters {
            // OpenAPI: these header parameters are ignored; the protocol owns the headers.
            if p.location == ParamIn::Header
                && ["accept", "content-type", "authorization"]
                    .iter()
                    .any(|n| p.name.eq_ignore_ascii_case(n))
            {
                continue;
            }
            let json = p.schema.is_none() && !p.content.is_empty();
            let schema = p
                .schema
                .clone()
                .or_else(|| p.content.first().and_then(|m| m.schema.clone()));
            let generator = match schema.as_ref().map(|s| compile_generator(spec, s)) {
                None => None,
                Some(Ok(g)) => Some(g),
                Some(Err(e)) if p.required => return Err(e),
                // An optional parameter nothing can be generated for is left out.
                Some(Err(_)) => continue,
            };
            let mut examples = example_values(spec, &p.examples);
            if let Some(m) = p.content.first() {
                examples.extend(example_values(spec, &m.examples));
            }
            params.push(ParamPart {
                param: p.clone(),
                json,
                generator,
                examples,
            });
        }
        let mut media = Vec::new();
        let mut first_error = None;
        let body_required = op.request_body.as_ref().is_some_and(|b| b.required);
        if let Some(body) = &op.request_body {
            for m in &body.content {
                let kind = MediaKind::of(&m.name, binary_schema(spec, m.schema.as_ref()));
                let generator = match (&m.schema, kind) {
                    (_, MediaKind::Binary) | (None, _) => None,
                    (Some(s), _) => match compile_generator(spec, s) {
                        Ok(g) => Some(g),
                        Err(e) => {
                            first_error.get_or_insert(e);
                            continue;
                        }
                    },
                };
                media.push(MediaPart {
                    name: m.name.clone(),
                    kind,
                    generator,
                    examples: example_values(spec, &m.examples),
                });
            }
        }
        if media.is_empty()
            && body_required
            && let Some(e) = first_error
        {
            return Err(e);
        }
        let undeclared = if op.webhook.is_some() {
            None
        } else {
            let declared: Vec<&str> = model
                .operations
                .iter()
                .filter(|o| o.path == op.path && o.webhook.is_none())
                .map(|o| o.method.as_str())
                .collect();
            ["GET", "PATCH", "PUT", "DELETE", "POST"]
                .into_iter()
                .find(|m| !declared.contains(m))
                .map(str::to_string)
        };
        let secured = !op.security.is_empty() && op.security.iter().all(|r| !r.schemes.is_empty());
        Ok(OperationCases {
            operation,
            op,
            options: options.clone(),
            params,
            media,
            body_required,
            undeclared,
            secured,
            examples: OnceLock::new(),
            boundary: OnceLock::new(),
            negatives: OnceLock::new(),
            negative_base: OnceLock::new(),
        })
    }

    /// The operation the cases are for.
    pub fn operation(&self) -> &Operation {
        &self.op
    }

    // ----- parts ---------------------------------------------------------------------------

    fn get_param<'c>(&self, case: &'c Case, i: usize) -> Option<&'c Value> {
        let p = &self.params[i].param;
        slot(case, p.location)
            .iter()
            .find(|(n, _)| *n == p.name)
            .map(|(_, v)| v)
    }

    fn set_param(&self, case: &mut Case, i: usize, v: Value) {
        let p = &self.params[i].param;
        let order = |name: &str| {
            self.params
                .iter()
                .position(|q| q.param.location == p.location && q.param.name == name)
                .unwrap_or(usize::MAX)
        };
        let s = slot_mut(case, p.location);
        match s.iter_mut().find(|(n, _)| *n == p.name) {
            Some(entry) => entry.1 = v,
            None => {
                s.push((p.name.clone(), v));
                s.sort_by_key(|(n, _)| order(n));
            }
        }
    }

    fn remove_param(&self, case: &mut Case, i: usize) {
        let p = &self.params[i].param;
        slot_mut(case, p.location).retain(|(n, _)| *n != p.name);
    }

    fn location(&self, i: usize) -> String {
        let p = &self.params[i].param;
        format!("{} {}", p.location.as_str(), p.name)
    }

    /// What the server reads for parameter `i` sent as `v`.
    fn read_param(&self, i: usize, v: &Value) -> Option<Value> {
        let part = &self.params[i];
        wire::read_param(&part.param, part.json, part.generator.as_ref(), v)
            .ok()
            .flatten()
    }

    /// Whether parameter `i` sent as `v` is read back as a valid value.
    fn param_ok(&self, i: usize, v: &Value) -> bool {
        let part = &self.params[i];
        match (self.read_param(i, v), &part.generator) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(r), Some(g)) => g.ir().accepts(g.ir().root, &r),
        }
    }

    fn sample_param(&self, i: usize, seed: u64, size: u8) -> Option<Value> {
        let Some(g) = &self.params[i].generator else {
            let v = Value::String(format!("kontrakt{}", seed % 1000));
            return self.param_ok(i, &v).then_some(v);
        };
        for attempt in 0..SEND_ATTEMPTS {
            let v = g.sample_sized(mix(seed, attempt), size);
            if self.param_ok(i, &v) {
                return Some(v);
            }
            let a = asciify(&v);
            if a != v && self.param_ok(i, &a) {
                return Some(a);
            }
        }
        None
    }

    fn media_index(&self, name: &str) -> Option<usize> {
        self.media.iter().position(|m| m.name == name)
    }

    /// What the server reads from a body value of media type `m`.
    fn read_body(&self, m: usize, v: &Value) -> Option<Value> {
        let media = &self.media[m];
        match media.kind {
            MediaKind::Json | MediaKind::Binary => Some(v.clone()),
            MediaKind::Text => Some(Value::String(match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })),
            MediaKind::Form | MediaKind::Multipart => {
                wire::read_form(media.generator.as_ref(), v).ok()
            }
        }
    }

    fn body_ok(&self, body: &CaseBody) -> bool {
        let Some(m) = self.media_index(&body.media_type) else {
            return false;
        };
        let media = &self.media[m];
        match (&body.content, &media.generator) {
            (BodyContent::Raw(_), _) => {
                media.kind == MediaKind::Binary || media.generator.is_none()
            }
            (BodyContent::Value(_), None) => media.kind != MediaKind::Binary,
            (BodyContent::Value(v), Some(g)) => self
                .read_body(m, v)
                .is_some_and(|r| g.ir().accepts(g.ir().root, &r)),
        }
    }

    fn sample_body(&self, m: usize, seed: u64, size: u8) -> Option<CaseBody> {
        let media = &self.media[m];
        let content = match (&media.generator, media.kind) {
            (_, MediaKind::Binary) => BodyContent::Raw(binary_bytes(&media.name, seed, size)),
            (None, MediaKind::Text) => BodyContent::Value(Value::String("kontrakt".into())),
            (None, _) => BodyContent::Value(Value::Object(Default::default())),
            (Some(g), _) => {
                let found = (0..SEND_ATTEMPTS).find_map(|attempt| {
                    let v = g.sample_sized(mix(seed, attempt), size);
                    let body = CaseBody {
                        media_type: media.name.clone(),
                        content: BodyContent::Value(v),
                    };
                    self.body_ok(&body).then_some(body.content)
                });
                found?
            }
        };
        Some(CaseBody {
            media_type: media.name.clone(),
            content,
        })
    }

    /// Whether every part of `case` is valid as the server reads it, and every required part is
    /// there.
    pub fn is_valid(&self, case: &Case) -> bool {
        for (i, part) in self.params.iter().enumerate() {
            match self.get_param(case, i) {
                Some(v) if !self.param_ok(i, v) => return false,
                None if part.param.required => return false,
                _ => {}
            }
        }
        for loc in [
            ParamIn::Path,
            ParamIn::Query,
            ParamIn::Header,
            ParamIn::Cookie,
        ] {
            let declared = slot(case, loc).iter().all(|(n, _)| {
                self.params
                    .iter()
                    .any(|p| p.param.location == loc && p.param.name == *n)
            });
            if !declared {
                return false;
            }
        }
        match &case.body {
            None => !self.body_required || self.media.is_empty(),
            Some(b) => self.body_ok(b),
        }
    }

    // ----- bases ---------------------------------------------------------------------------

    fn new_case(&self, phase: Phase, seed: u64, label: impl Into<String>) -> Case {
        Case::new(self.operation, phase, seed, label)
    }

    /// A request with the required parts, the optional parameters `optional` selects, and a
    /// body of media type `media` when one is wanted.
    fn base(
        &self,
        phase: Phase,
        seed: u64,
        size: u8,
        optional: &mut dyn FnMut(usize) -> bool,
        media: Option<usize>,
    ) -> Case {
        let mut case = self.new_case(phase, seed, "");
        for (i, part) in self.params.iter().enumerate() {
            if (part.param.required || optional(i))
                && let Some(v) = self.sample_param(i, mix(seed, i as u64), size)
            {
                self.set_param(&mut case, i, v);
            }
        }
        let media = media.or((self.body_required && !self.media.is_empty()).then_some(0));
        if let Some(m) = media {
            case.body = self.sample_body(m, mix(seed, 0xB0D1), size);
        }
        case
    }

    fn required_only(&self, phase: Phase, size: u8) -> Case {
        let mut c = self.base(phase, self.options.seed, size, &mut |_| false, None);
        c.label = "required parts only".into();
        c
    }

    /// Every optional parameter, a body, and every optional property the body's objects
    /// declare (as far as the result stays valid).
    fn everything(&self, phase: Phase) -> Case {
        let seed = self.options.seed;
        let media = (!self.media.is_empty()).then_some(0);
        let mut c = self.base(phase, mix(seed, 1), 60, &mut |_| true, media);
        c.seed = seed;
        c.label = "every optional part present".into();
        if let Some(body) = &c.body
            && let BodyContent::Value(v) = &body.content
            && let Some(m) = self.media_index(&body.media_type)
            && let Some(g) = &self.media[m].generator
        {
            let filled = self.fill_optional(m, g, v, seed);
            c.body = Some(CaseBody {
                media_type: body.media_type.clone(),
                content: BodyContent::Value(filled),
            });
        }
        c
    }

    fn fill_optional(&self, m: usize, g: &ValueGenerator, v: &Value, seed: u64) -> Value {
        let ir = g.ir();
        let mut out = v.clone();
        let mut added = 0;
        for site in walk::sites(g, v) {
            let Some(Value::Object(map)) = walk::get(v, &site.ptr) else {
                continue;
            };
            let view = g.view(&site.resolved);
            for name in &view.names {
                if added >= MAX_OPTIONAL_FILLS {
                    return out;
                }
                if map.contains_key(name) || view.omitted.contains(name) {
                    continue;
                }
                let key = view.property(ir, name);
                let Some(x) = g.sample_key(&key, mix(seed, added as u64), 30) else {
                    continue;
                };
                let mut ptr = site.ptr.clone();
                ptr.push(name.clone());
                if let Some(Some(next)) = walk::apply(&out, &ptr, Some(&x))
                    && self
                        .read_body(m, &next)
                        .is_some_and(|r| ir.accepts(ir.root, &r))
                {
                    out = next;
                    added += 1;
                }
            }
        }
        out
    }

    /// The valid request negative cases and probes start from: everything present if that is
    /// valid, else the required parts only.
    fn valid_base(&self, phase: Phase) -> Option<Case> {
        let full = self.everything(phase);
        if self.is_valid(&full) {
            return Some(full);
        }
        let min = self.required_only(phase, 30);
        self.is_valid(&min).then_some(min)
    }

    // ----- phases --------------------------------------------------------------------------

    fn examples(&self) -> &[Case] {
        self.examples.get_or_init(|| self.build_examples())
    }

    fn build_examples(&self) -> Vec<Case> {
        let base = self.required_only(Phase::Examples, 50);
        let mut out = Vec::new();
        let schema_examples = |g: &Option<ValueGenerator>| -> Vec<(String, Value)> {
            g.as_ref()
                .and_then(|g| g.ir().schema(g.ir().root))
                .map(|s| {
                    s.examples
                        .iter()
                        .map(|e| ("schema example".to_string(), e.clone()))
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut combined = base.clone();
        let mut any = false;
        let mut singles = Vec::new();
        for (i, part) in self.params.iter().enumerate() {
            let all: Vec<(String, Value)> = part
                .examples
                .iter()
                .cloned()
                .chain(schema_examples(&part.generator))
                .collect();
            for (n, (label, v)) in all.into_iter().enumerate() {
                let mut c = base.clone();
                self.set_param(&mut c, i, v.clone());
                c.label = format!("{label} of {}", self.location(i));
                if self.param_ok(i, &v) {
                    if n == 0 {
                        self.set_param(&mut combined, i, v);
                        any = true;
                    }
                    singles.push(c);
                }
            }
        }
        for (m, media) in self.media.iter().enumerate() {
            if media.kind == MediaKind::Binary {
                continue;
            }
            let all: Vec<(String, Value)> = media
                .examples
                .iter()
                .cloned()
                .chain(schema_examples(&media.generator))
                .collect();
            for (n, (label, v)) in all.into_iter().enumerate() {
                let body = CaseBody {
                    media_type: media.name.clone(),
                    content: BodyContent::Value(v),
                };
                if !self.body_ok(&body) {
                    continue;
                }
                let mut c = base.clone();
                c.body = Some(body.clone());
                c.label = format!("{label} of body {}", media.name);
                if n == 0 && m == 0 {
                    combined.body = Some(body);
                    any = true;
                }
                singles.push(c);
            }
        }
        if any {
            combined.label = "first example of every part".into();
            out.push(combined);
        }
        out.extend(singles);
        out.retain(|c| self.is_valid(c));
        dedup(&mut out);
        number_the(out)
    }

    fn boundary(&self) -> &[Case] {
        self.boundary.get_or_init(|| self.build_boundary())
    }

    fn build_boundary(&self) -> Vec<Case> {
        let seed = self.options.seed;
        let min = self.required_only(Phase::Boundary, 0);
        let full = self.everything(Phase::Boundary);
        let mut out = vec![min.clone(), full.clone()];
        let base = if self.is_valid(&full) { full } else { min };
        for m in 1..self.media.len() {
            let mut c = base.clone();
            c.body = self.sample_body(m, mix(seed, m as u64), 50);
            c.label = format!("body as {}", self.media[m].name);
            out.push(c);
        }
        for i in 0..self.params.len() {
            let (Some(v), Some(g)) = (self.get_param(&base, i), &self.params[i].generator) else {
                continue;
            };
            for site in walk::sites(g, v) {
                let Some(cur) = walk::get(v, &site.ptr) else {
                    continue;
                };
                for e in boundary::edits(g, &site, cur, seed) {
                    let Some(Some(nv)) = walk::apply(v, &e.ptr, e.value.as_ref()) else {
                        continue;
                    };
                    if !self.param_ok(i, &nv) {
                        continue;
                    }
                    let mut c = base.clone();
                    self.set_param(&mut c, i, nv);
                    c.label = format!(
                        "{} at {}{}",
                        e.what,
                        self.location(i),
                        walk::pointer(&e.ptr)
                    );
                    out.push(c);
                }
            }
        }
        if let Some(body) = &base.body
            && let BodyContent::Value(v) = &body.content
            && let Some(m) = self.media_index(&body.media_type)
            && let Some(g) = &self.media[m].generator
        {
            for site in walk::sites(g, v) {
                let Some(cur) = walk::get(v, &site.ptr) else {
                    continue;
                };
                for e in boundary::edits(g, &site, cur, seed) {
                    let Some(Some(nv)) = walk::apply(v, &e.ptr, e.value.as_ref()) else {
                        continue;
                    };
                    let nb = CaseBody {
                        media_type: body.media_type.clone(),
                        content: BodyContent::Value(nv),
                    };
                    if !self.body_ok(&nb) {
                        continue;
                    }
                    let mut c = base.clone();
                    c.body = Some(nb);
                    c.label = format!("{} at body {}", e.what, walk::pointer(&e.ptr))
                        .trim_end()
                        .to_string();
                    out.push(c);
                }
                if out.len() > MAX_BOUNDARY_CASES * 2 {
                    break;
                }
            }
        }
        out.retain(|c| self.is_valid(c));
        dedup(&mut out);
        out.truncate(MAX_BOUNDARY_CASES);
        number_the(out)
    }

    /// Property case `index`: its own seed, a size swept over the phase, optional parts by
    /// chance. `None` when no valid request came of the seed.
    fn property_case(&self, index: usize) -> Option<Case> {
        let n = self.options.max_examples.max(1);
        let seed = mix(mix(self.options.seed, 0x5052_4f50), index as u64);
        let size = if n == 1 {
            50
        } else {
            (index.min(n - 1) * 100 / (n - 1)) as u8
        };
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let choose: Vec<bool> = self.params.iter().map(|_| rng.random_bool(0.5)).collect();
        let media = if self.media.is_empty() {
            None
        } else if self.body_required || rng.random_bool(0.8) {
            Some(rng.random_range(0..self.media.len()))
        } else {
            None
        };
        let mut c = self.base(Phase::Property, seed, size, &mut |i| choose[i], media);
        c.label = format!("seed {seed:#x} size {size}");
        c.index = index;
        self.is_valid(&c).then_some(c)
    }

    fn property(&self) -> Vec<Case> {
        (0..self.options.max_examples)
            .filter_map(|i| self.property_case(i))
            .collect()
    }

    /// The negative case `neg` makes of the valid `base`, if it still breaks exactly its
    /// constraint there.
    fn make_neg(&self, base: &Case, neg: &Neg) -> Option<Case> {
        let mut c = base.clone();
        c.phase = Phase::Negative;
        let violation = match neg {
            Neg::RemoveParam(i) => {
                self.get_param(base, *i)?;
                self.remove_param(&mut c, *i);
                Violation {
                    constraint: Constraint::MissingRequired,
                    location: self.location(*i),
                    detail: "required parameter left out".into(),
                }
            }
            Neg::Param(i, m) => {
                let part = &self.params[*i];
                let g = part.generator.as_ref()?;
                let v = self.get_param(base, *i)?;
                walk::get(v, &m.site)?;
                let nv = walk::apply(v, &m.edit.ptr, m.edit.value.as_ref())??;
                let read = self.read_param(*i, &nv)?;
                if g.ir().accepts(g.ir().root, &read)
                    || walk::breaks(g, &g.view(&m.key), walk::get(&read, &m.site)?)
                        != [m.constraint]
                {
                    return None;
                }
                self.set_param(&mut c, *i, nv);
                Violation {
                    constraint: m.constraint,
                    location: format!("{}{}", self.location(*i), walk::pointer(&m.edit.ptr)),
                    detail: m.detail.clone(),
                }
            }
            Neg::RemoveBody => {
                base.body.as_ref()?;
                c.body = None;
                Violation {
                    constraint: Constraint::MissingBody,
                    location: "body".into(),
                    detail: "required request body left out".into(),
                }
            }
            Neg::MalformedJson => {
                let body = base.body.as_ref()?;
                let BodyContent::Value(v) = &body.content else {
                    return None;
                };
                let mut bytes = serde_json::to_vec(v).ok()?;
                if bytes.len() > 1 && matches!(v, Value::Object(_) | Value::Array(_)) {
                    bytes.pop();
                } else {
                    bytes.extend_from_slice(b" {");
                }
                if serde_json::from_slice::<Value>(&bytes).is_ok() {
                    return None;
                }
                c.body = Some(CaseBody {
                    media_type: body.media_type.clone(),
                    content: BodyContent::Raw(bytes),
                });
                Violation {
                    constraint: Constraint::MalformedJson,
                    location: "body".into(),
                    detail: "the JSON text is cut short".into(),
                }
            }
            Neg::WrongContentType(wrong) => {
                let (_, bytes) = request::body_bytes(base)?;
                c.body = Some(CaseBody {
                    media_type: wrong.clone(),
                    content: BodyContent::Raw(bytes),
                });
                let declared: Vec<&str> = self.media.iter().map(|m| m.name.as_str()).collect();
                Violation {
                    constraint: Constraint::WrongContentType,
                    location: "content-type".into(),
                    detail: format!("sent {wrong}, declared {}", declared.join(", ")),
                }
            }
            Neg::Body(m) => {
                let body = base.body.as_ref()?;
                let BodyContent::Value(v) = &body.content else {
                    return None;
                };
                let mi = self.media_index(&body.media_type)?;
                let g = self.media[mi].generator.as_ref()?;
                walk::get(v, &m.site)?;
                let nv = walk::apply(v, &m.edit.ptr, m.edit.value.as_ref())??;
                let read = self.read_body(mi, &nv)?;
                if g.ir().accepts(g.ir().root, &read)
                    || walk::breaks(g, &g.view(&m.key), walk::get(&read, &m.site)?)
                        != [m.constraint]
                {
                    return None;
                }
                c.body = Some(CaseBody {
                    media_type: body.media_type.clone(),
                    content: BodyContent::Value(nv),
                });
                Violation {
                    constraint: m.constraint,
                    location: format!("body {}", walk::pointer(&m.edit.ptr))
                        .trim_end()
                        .to_string(),
                    detail: m.detail.clone(),
                }
            }
        };
        c.label = format!("{} at {}", violation.constraint.id(), violation.location);
        c.violation = Some(violation);
        Some(c)
    }

    /// A media type the operation does not accept, if there is one.
    fn wrong_media(&self) -> Option<String> {
        let covered = |candidate: &str| {
            self.media.iter().any(|m| {
                let e = essence(&m.name);
                e == candidate
                    || e == "*/*"
                    || e.strip_suffix("/*")
                        .is_some_and(|t| candidate.starts_with(&format!("{t}/")))
            })
        };
        ["text/plain", "application/xml", "application/octet-stream"]
            .into_iter()
            .find(|c| !covered(c))
            .map(str::to_string)
    }

    fn negatives(&self) -> &[(Case, Neg)] {
        self.negatives.get_or_init(|| self.build_negatives())
    }

    fn negative_base(&self) -> Option<&Case> {
        self.negative_base
            .get_or_init(|| self.valid_base(Phase::Negative))
            .as_ref()
    }

    fn build_negatives(&self) -> Vec<(Case, Neg)> {
        let Some(base) = self.negative_base().cloned() else {
            return Vec::new();
        };
        let seed = self.options.seed;
        let mut negs = Vec::new();
        for (i, part) in self.params.iter().enumerate() {
            let Some(v) = self.get_param(&base, i) else {
                continue;
            };
            // A path without one of its values is another route, not a missing parameter.
            if part.param.required && part.param.location != ParamIn::Path {
                negs.push(Neg::RemoveParam(i));
            }
            let Some(g) = &part.generator else { continue };
            for site in walk::sites(g, v) {
                let Some(cur) = walk::get(v, &site.ptr) else {
                    continue;
                };
                negs.extend(
                    negative::mutations(g, &site, cur, seed)
                        .into_iter()
                        .map(|m| Neg::Param(i, m)),
                );
            }
        }
        if let Some(body) = &base.body {
            if self.body_required {
                negs.push(Neg::RemoveBody);
            }
            let json = self
                .media_index(&body.media_type)
                .is_some_and(|m| self.media[m].kind == MediaKind::Json);
            if json {
                negs.push(Neg::MalformedJson);
            }
            if let Some(wrong) = self.wrong_media() {
                negs.push(Neg::WrongContentType(wrong));
            }
            if let BodyContent::Value(v) = &body.content
                && let Some(m) = self.media_index(&body.media_type)
                && let Some(g) = &self.media[m].generator
            {
                for site in walk::sites(g, v) {
                    let Some(cur) = walk::get(v, &site.ptr) else {
                        continue;
                    };
                    negs.extend(
                        negative::mutations(g, &site, cur, seed)
                            .into_iter()
                            .map(Neg::Body),
                    );
                }
            }
        }
        // One case per (place, constraint): the first candidate that holds.
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for neg in negs {
            if out.len() >= MAX_NEGATIVE_CASES {
                break;
            }
            let Some(c) = self.make_neg(&base, &neg) else {
                continue;
            };
            let Some(v) = &c.violation else { continue };
            if !seen.insert((v.location.clone(), v.constraint)) {
                continue;
            }
            out.push((c, neg));
        }
        for (i, (c, _)) in out.iter_mut().enumerate() {
            c.index = i;
        }
        out
    }

    /// All cases of the selected phases, deterministic for (spec, options). Examples first,
    /// then boundary, property, negative. Positive cases are valid requests (every value valid
    /// against its schema as the server reads it, required parameters and body present); each
    /// negative case breaks exactly one constraint of an otherwise valid case and says which.
    pub fn cases(&self) -> Vec<Case> {
        let mut out = Vec::new();
        for phase in [
            Phase::Examples,
            Phase::Boundary,
            Phase::Property,
            Phase::Negative,
        ] {
            if !self.options.phases.contains(&phase) {
                continue;
            }
            out.extend(self.phase(phase));
        }
        out
    }

    fn phase(&self, phase: Phase) -> Vec<Case> {
        match phase {
            Phase::Examples => self.examples().to_vec(),
            Phase::Boundary => self.boundary().to_vec(),
            Phase::Property => self.property(),
            Phase::Negative => self.negatives().iter().map(|(c, _)| c.clone()).collect(),
            Phase::Probe => self.probes(),
        }
    }

    /// Requests a check uses to probe the server: [`Probe::NoCredentials`] and
    /// [`Probe::InvalidCredentials`] when every security requirement of the operation needs
    /// credentials, and [`Probe::UndeclaredMethod`] for the first of GET, PATCH, PUT, DELETE,
    /// POST its path does not declare. Each is an otherwise valid request (so only the probed
    /// thing is wrong); credentials are the runner's to add or leave out.
    pub fn probes(&self) -> Vec<Case> {
        let Some(base) = self.valid_base(Phase::Probe) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut probe = |p: Probe, label: &str, method: Option<String>| {
            let mut c = base.clone();
            c.phase = Phase::Probe;
            c.probe = Some(p);
            c.label = label.to_string();
            // A GET carries no body; the probe asks about the method, not the payload.
            if method.as_deref() == Some("GET") {
                c.body = None;
            }
            c.method = method;
            c.index = out.len();
            out.push(c);
        };
        if self.secured && self.op.webhook.is_none() {
            probe(Probe::NoCredentials, "no credentials", None);
            probe(Probe::InvalidCredentials, "invalid credentials", None);
        }
        if let Some(m) = &self.undeclared {
            probe(
                Probe::UndeclaredMethod(m.clone()),
                &format!("undeclared method {m}"),
                Some(m.clone()),
            );
        }
        out
    }

    // ----- shrinking -----------------------------------------------------------------------

    /// Simpler valid variants of `c` (same phase), leaving alone what `protect` names.
    fn shrinks(&self, c: &Case, protect: &Protect) -> Vec<Case> {
        let mut out = Vec::new();
        // Fewer optional parameters.
        for (i, part) in self.params.iter().enumerate() {
            if part.param.required || protect.param == Some(i) || self.get_param(c, i).is_none() {
                continue;
            }
            let mut s = c.clone();
            self.remove_param(&mut s, i);
            out.push(s);
        }
        // No optional body.
        if c.body.is_some() && !self.body_required && !protect.body && protect.body_ptrs.is_empty()
        {
            let mut s = c.clone();
            s.body = None;
            out.push(s);
        }
        // Simpler body values.
        if !protect.body
            && let Some(body) = &c.body
            && let BodyContent::Value(v) = &body.content
            && let Some(m) = self.media_index(&body.media_type)
            && let Some(g) = &self.media[m].generator
        {
            for nv in simpler(g, v, &protect.body_ptrs) {
                let nb = CaseBody {
                    media_type: body.media_type.clone(),
                    content: BodyContent::Value(nv),
                };
                if self.body_ok(&nb) {
                    let mut s = c.clone();
                    s.body = Some(nb);
                    out.push(s);
                }
                if out.len() >= MAX_SHRINK_CANDIDATES {
                    break;
                }
            }
        }
        // Simpler parameter values.
        for i in 0..self.params.len() {
            if protect.param == Some(i) {
                continue;
            }
            let (Some(v), Some(g)) = (self.get_param(c, i), &self.params[i].generator) else {
                continue;
            };
            for nv in simpler(g, v, &[]) {
                if self.param_ok(i, &nv) {
                    let mut s = c.clone();
                    self.set_param(&mut s, i, nv);
                    out.push(s);
                }
            }
        }
        let mut seen = HashSet::new();
        seen.insert(fingerprint(c));
        out.retain(|s| seen.insert(fingerprint(s)));
        out.truncate(MAX_SHRINK_CANDIDATES);
        out
    }

    fn protect(neg: &Neg) -> Protect {
        match neg {
            Neg::RemoveParam(i) | Neg::Param(i, _) => Protect {
                param: Some(*i),
                ..Protect::default()
            },
            Neg::RemoveBody => Protect {
                body: true,
                ..Protect::default()
            },
            // The bytes come from the base body: shrinking it shrinks them (a base without a
            // body makes no such case and is dropped).
            Neg::MalformedJson | Neg::WrongContentType(_) => Protect::default(),
            Neg::Body(m) => Protect {
                body_ptrs: vec![m.site.clone(), m.edit.ptr.clone()],
                ..Protect::default()
            },
        }
    }

    /// The negative case's valid base and mutation, rebuilt from its index and shrink steps.
    fn negative_origin(&self, case: &Case) -> Option<(Case, Neg)> {
        let (mut base_neg, neg) = self.negatives().get(case.index)?.clone();
        let mut base = self.negative_base()?.clone();
        for &k in &case.shrink {
            let (b, n) = self.neg_shrinks(&base, &neg).into_iter().nth(k as usize)?;
            base = b;
            base_neg = n;
        }
        let same = fingerprint(&base_neg) == fingerprint(case) && base_neg.seed == case.seed;
        same.then_some((base, neg))
    }

    /// Shrunk bases with the mutation re-applied, where it still holds.
    fn neg_shrinks(&self, base: &Case, neg: &Neg) -> Vec<(Case, Case)> {
        let protect = Self::protect(neg);
        self.shrinks(base, &protect)
            .into_iter()
            .filter_map(|b| {
                let n = self.make_neg(&b, neg)?;
                Some((b, n))
            })
            .collect()
    }

    /// Simpler variants of a failing case, simplest first (fewer optional parameters and
    /// properties, shorter strings and arrays, smaller numbers), each still of the same phase
    /// and (for negative cases) still breaking the same constraint.
    pub fn shrink_candidates(&self, case: &Case) -> Vec<Case> {
        let candidates: Vec<Case> = if case.phase == Phase::Negative {
            let Some((base, neg)) = self.negative_origin(case) else {
                return Vec::new();
            };
            self.neg_shrinks(&base, &neg)
                .into_iter()
                .map(|(_, n)| n)
                .collect()
        } else {
            self.shrinks(case, &Protect::default())
        };
        candidates
            .into_iter()
            .enumerate()
            .map(|(k, mut c)| {
                c.phase = case.phase;
                c.label = case.label.clone();
                c.index = case.index;
                c.seed = case.seed;
                c.probe = case.probe.clone();
                c.method = case.method.clone();
                c.shrink = case.shrink.clone();
                c.shrink.push(k as u32);
                c
            })
            .collect()
    }

    /// Rebuilds a case from its replay key; `None` if the key does not fit (another spec,
    /// seed or operation).
    pub fn replay(&self, key: &str) -> Option<Case> {
        let mut chars = key.chars();
        let phase = match chars.next()? {
            'e' => Phase::Examples,
            'b' => Phase::Boundary,
            'p' => Phase::Property,
            'n' => Phase::Negative,
            'x' => Phase::Probe,
            _ => return None,
        };
        let rest = chars.as_str();
        let mut steps = rest.split('/');
        let (index, seed) = steps.next()?.split_once(':')?;
        let index: usize = index.parse().ok()?;
        let seed = u64::from_str_radix(seed, 16).ok()?;
        let steps: Vec<u32> = steps.map(|s| s.parse().ok()).collect::<Option<_>>()?;
        let mut case = match phase {
            Phase::Examples => self.examples().get(index)?.clone(),
            Phase::Boundary => self.boundary().get(index)?.clone(),
            Phase::Property => self.property_case(index)?,
            Phase::Negative => self.negatives().get(index)?.0.clone(),
            Phase::Probe => self.probes().into_iter().nth(index)?,
        };
        if case.seed != seed {
            return None;
        }
        for k in steps {
            case = self.shrink_candidates(&case).into_iter().nth(k as usize)?;
        }
        Some(case)
    }
}

/// Simpler values of `v`, simplest first: optional properties removed, arrays halved, strings
/// halved, numbers towards zero. Positions overlapping `protected` are left alone; each variant
/// is still to be checked by the caller.
fn simpler(g: &ValueGenerator, v: &Value, protected: &[Ptr]) -> Vec<Value> {
    let sites = walk::sites(g, v);
    let free = |ptr: &[String]| !protected.iter().any(|p| walk::overlaps(p, ptr));
    let mut removals = Vec::new();
    let mut arrays = Vec::new();
    let mut strings = Vec::new();
    let mut numbers = Vec::new();
    for site in &sites {
        let Some(cur) = walk::get(v, &site.ptr) else {
            continue;
        };
        let view = g.view(&site.resolved);
        match cur {
            Value::Object(map) => {
                for k in map.keys() {
                    if view.required.contains(k) {
                        continue;
                    }
                    let mut ptr = site.ptr.clone();
                    ptr.push(k.clone());
                    if free(&ptr) {
                        removals.push((ptr, None));
                    }
                }
            }
            Value::Array(items) if free(&site.ptr) => {
                let min = view.min_items as usize;
                if items.len() > min {
                    let keep = min.max(items.len() / 2);
                    arrays.push((site.ptr.clone(), Some(Value::Array(items[..keep].to_vec()))));
                }
            }
            Value::String(s) if free(&site.ptr) => {
                let n = s.chars().count();
                let min = view.min_len as usize;
                if n > min {
                    let keep = min.max(n / 2);
                    let cut: String = s.chars().take(keep).collect();
                    strings.push((site.ptr.clone(), Some(Value::String(cut))));
                }
            }
            Value::Number(x) if free(&site.ptr) => {
                let f = x.as_f64().unwrap_or(0.0);
                if f != 0.0 {
                    numbers.push((site.ptr.clone(), Some(Value::from(0))));
                    if let Some(h) = walk::number((f / 2.0).trunc(), true)
                        && h != 0
                    {
                        numbers.push((site.ptr.clone(), Some(h)));
                    }
                }
            }
            _ => {}
        }
    }
    removals
        .into_iter()
        .chain(arrays)
        .chain(strings)
        .chain(numbers)
        .filter_map(|(ptr, new)| walk::apply(v, &ptr, new.as_ref()).flatten())
        .collect()
}
