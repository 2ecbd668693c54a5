//! The mock compiled from its specs: every operation with its validators, response bodies,
//! generators and stateful role worked out once at start, so serving a request only looks
//! things up.
//!
//! What cannot be served (a template that cannot be routed, a schema that cannot be generated,
//! an example that breaks its schema, an operation shadowed by another spec's) becomes a
//! [`Notice`] with its place in the spec, and the rest is served.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use jsonschema::Validator;
use serde_json::Value;

use super::negotiate::essence;
use super::params::Shape;
use super::router::Router;
use super::state::{self, ItemAction, Role};
use crate::generate::{GenerateOptions, ValueGenerator};
use crate::spec::model::{self, Operation, ParamIn, StatusSpec};
use crate::spec::normalize::Direction;
use crate::spec::{Loc, Position, Spec, Validators};

/// Something the mock could not do as the spec says, found at start.
#[derive(Debug, Clone)]
pub struct Notice {
    pub position: Option<Position>,
    pub message: String,
}

impl std::fmt::Display for Notice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.position {
            Some(p) => write!(f, "{p}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// How a body travels, which decides how it is read and checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    Json,
    Form,
    Multipart,
    Text,
    /// Bytes the mock does not parse: PDFs, octet streams. Streamed to disk.
    Binary,
}

impl BodyKind {
    pub fn of(media: &str, schema: Option<&Value>) -> BodyKind {
        let m = essence(media);
        let binary_schema = schema.is_some_and(|s| {
            s.get("format").and_then(Value::as_str) == Some("binary")
                || s.get("contentMediaType").is_some()
        });
        if m == "application/json" || m.ends_with("+json") {
            BodyKind::Json
        } else if m == "application/x-www-form-urlencoded" {
            BodyKind::Form
        } else if m.starts_with("multipart/") {
            BodyKind::Multipart
        } else if m.starts_with("text/") && !binary_schema {
            BodyKind::Text
        } else {
            BodyKind::Binary
        }
    }
}

pub struct ParamEntry {
    pub name: String,
    pub location: ParamIn,
    pub required: bool,
    pub style: String,
    pub explode: bool,
    /// A parameter described by `content` (JSON in a query string) rather than `schema`.
    pub json_content: bool,
    pub shape: Shape,
    pub validator: Option<Arc<Validator>>,
}

pub struct BodyMedia {
    pub name: String,
    pub kind: BodyKind,
    pub shape: Shape,
    pub validator: Option<Arc<Validator>>,
}

pub struct RequestBodyEntry {
    pub required: bool,
    pub media: Vec<BodyMedia>,
}

pub struct ResponseMedia {
    pub name: String,
    pub kind: BodyKind,
    /// Named examples (unnamed ones get `None`), already checked against the schema.
    pub examples: Vec<(Option<String>, Value)>,
    pub generator: Option<ValueGenerator>,
    pub validator: Option<Arc<Validator>>,
    pub shape: Shape,
    /// The body served when nothing asks otherwise: the first example, else a generated value
    /// for the mock's seed. `None` when neither exists (a schema that cannot be generated).
    pub default: Option<Value>,
    pub default_bytes: Option<Bytes>,
    /// For list responses: where the items go and how each is checked.
    pub list: Option<ListShape>,
}

/// Where a list response keeps its items.
pub struct ListShape {
    /// `None`: the body is the array; `Some(p)`: the array is the body's property `p`.
    pub property: Option<String>,
    pub item_validator: Option<Arc<Validator>>,
    pub item_default: Value,
}

pub struct HeaderEntry {
    pub name: String,
    pub required: bool,
    pub default: Option<String>,
    pub generator: Option<ValueGenerator>,
}

pub struct ResponseEntry {
    pub status: StatusSpec,
    pub media: Vec<ResponseMedia>,
    pub headers: Vec<HeaderEntry>,
}

impl ResponseEntry {
    /// The concrete status this entry answers with (`2XX` → 200, `default` → `fallback`).
    pub fn code(&self, fallback: u16) -> u16 {
        match self.status {
            StatusSpec::Code(c) => c,
            StatusSpec::Range(r) => r as u16 * 100,
            StatusSpec::Default => fallback,
        }
    }
}

pub struct OpEntry {
    pub spec: usize,
    pub label: String,
    pub method: String,
    pub template: String,
    pub path_names: Vec<String>,
    pub params: Vec<ParamEntry>,
    pub body: Option<RequestBodyEntry>,
    pub responses: Vec<ResponseEntry>,
    pub security: Vec<model::SecurityRequirement>,
    pub role: Option<Role>,
    /// The stateful collections (by their number of path segments) whose item this request's
    /// path names and that must exist: `/sager/{id}/krav` needs sag `id`.
    pub requires: Vec<usize>,
    /// Whether a request body is streamed to disk (binary media).
    pub uploads: bool,
    /// Whether a success response is a binary download.
    pub downloads: bool,
    /// Whether a success response reports `Upload-Offset` without a body of its own (tus `HEAD`).
    pub reports_offset: bool,
}

impl OpEntry {
    /// The documented success statuses, lowest first.
    pub fn success(&self) -> Option<&ResponseEntry> {
        self.responses
            .iter()
            .filter(|r| matches!(r.status, StatusSpec::Code(c) if (200..300).contains(&c)))
            .min_by_key(|r| r.code(0))
            .or_else(|| {
                self.responses
                    .iter()
                    .find(|r| r.status == StatusSpec::Range(2))
            })
            .or_else(|| self.responses.iter().find(|r| r.status.is_success()))
    }

    /// The entry documenting `status` exactly, else its range, else `default`.
    pub fn response_for(&self, status: u16) -> Option<&ResponseEntry> {
        self.responses
            .iter()
            .find(|r| r.status == StatusSpec::Code(status))
            .or_else(|| {
                self.responses
                    .iter()
                    .find(|r| r.status == StatusSpec::Range((status / 100) as u8))
            })
            .or_else(|| {
                self.responses
                    .iter()
                    .find(|r| r.status == StatusSpec::Default)
            })
    }
}

/// One loaded spec and what it needs at request time.
pub struct ServedSpec {
    pub title: String,
    pub version: String,
    pub path: PathBuf,
    pub spec: Spec,
    pub validators: Validators,
    /// `components/securitySchemes`, resolved.
    pub security_schemes: BTreeMap<String, Value>,
}

pub struct MockApp {
    pub specs: Vec<ServedSpec>,
    pub ops: Vec<OpEntry>,
    pub router: Router,
    pub notices: Vec<Notice>,
    pub seed: u64,
}

/// The mock's options that shape compilation.
#[derive(Debug, Clone)]
pub struct CompileOptions {
    pub seed: u64,
    pub stateful: bool,
}

impl MockApp {
    /// Loads and compiles every spec. Specs that do not load at all are an error (the caller
    /// exits 2); anything finer is a notice.
    pub fn build(paths: &[PathBuf], options: &CompileOptions) -> Result<MockApp, String> {
        let mut loaded = Vec::new();
        for path in crate::spec::discover(paths) {
            let spec = crate::spec::load(&path).map_err(|e| e.to_string())?;
            loaded.push((path, spec));
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
        // Newest version first, so that when several versions of a service share a base path
        // the newest one serves it and the older ones are reported as shadowed.
        loaded.sort_by(|(_, a), (_, b)| {
            let key = |s: &Spec| {
                let info = s.root().get("info");
                let title = info
                    .and_then(|i| i.get("title"))
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                let version = info
                    .and_then(|i| i.get("version"))
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                (title, version_key(&version))
            };
            let (ta, va) = key(a);
            let (tb, vb) = key(b);
            ta.cmp(&tb).then(vb.cmp(&va))
        });
        let mut app = MockApp {
            specs: Vec::new(),
            ops: Vec::new(),
            router: Router::new(),
            notices: Vec::new(),
            seed: options.seed,
        };
        let mut owners: HashMap<(String, String), String> = HashMap::new();
        for (path, spec) in loaded {
            app.add_spec(path, spec, options, &mut owners);
        }
        Ok(app)
    }

    fn add_spec(
        &mut self,
        path: PathBuf,
        spec: Spec,
        options: &CompileOptions,
        owners: &mut HashMap<(String, String), String>,
    ) {
        let model = model::build(&spec);
        for p in &model.problems {
            self.notices.push(Notice {
                position: Some(spec.position(&p.at)),
                message: format!("not served: {}", p.error),
            });
        }
        let validators = match Validators::new(&spec, &model) {
            Ok(v) => v,
            Err(e) => {
                self.notices.push(Notice {
                    position: Some(spec.position(&Loc::new(0, ""))),
                    message: format!("not served: its schemas cannot be compiled: {e}"),
                });
                return;
            }
        };
        let info = spec.root().get("info");
        let text = |k: &str| {
            info.and_then(|i| i.get(k))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        let (title, version) = (text("title"), text("version"));
        let spec_index = self.specs.len();
        let mut security_schemes = BTreeMap::new();
        if let Some(Value::Object(schemes)) = spec
            .root()
            .get("components")
            .and_then(|c| c.get("securitySchemes"))
        {
            for name in schemes.keys() {
                let loc = Loc::new(0, format!("/components/securitySchemes/{}", escape(name)));
                if let Ok(target) = spec.deref(&loc)
                    && let Some(v) = spec.get(&target)
                {
                    security_schemes.insert(name.clone(), v.clone());
                }
            }
        }
        let mut ops: Vec<OpEntry> = Vec::new();
        let compiler = Compiler {
            spec: &spec,
            validators: &validators,
            seed: options.seed,
        };
        for op in model.operations.iter().filter(|o| o.webhook.is_none()) {
            let (entry, notices) = compiler.operation(op, spec_index, &title, &version);
            self.notices.extend(notices);
            ops.push(entry);
        }
        if options.stateful {
            infer_roles(&mut ops);
        }
        let label = format!("{title} {version}");
        // Operations another (newer) spec already serves, counted per serving spec: one notice
        // each, not one per operation.
        let mut shadowed: Vec<(String, usize, Loc)> = Vec::new();
        for (entry, op) in ops
            .into_iter()
            .zip(model.operations.iter().filter(|o| o.webhook.is_none()))
        {
            let index = self.ops.len();
            match self.router.add(&entry.method, &entry.template, index) {
                Ok(()) => {
                    owners.insert(
                        (entry.method.clone(), entry.template.clone()),
                        label.clone(),
                    );
                    self.ops.push(entry);
                }
                Err(super::router::RouteError::Duplicate { .. }) => {
                    let by = owners
                        .get(&(entry.method.clone(), entry.template.clone()))
                        .cloned()
                        .unwrap_or_default();
                    match shadowed.iter_mut().find(|(b, _, _)| *b == by) {
                        Some((_, n, _)) => *n += 1,
                        None => shadowed.push((by, 1, op.loc.clone())),
                    }
                }
                Err(other) => self.notices.push(Notice {
                    position: Some(spec.position(&op.loc)),
                    message: format!("not served: {other}"),
                }),
            }
        }
        for (by, n, first) in shadowed {
            self.notices.push(Notice {
                position: Some(spec.position(&first)),
                message: format!(
                    "{n} operation{} not served: {by} serves the same method and path (give this file alone to mock {label})",
                    if n == 1 { "" } else { "s" }
                ),
            });
        }
        self.specs.push(ServedSpec {
            title,
            version,
            path,
            spec,
            validators,
            security_schemes,
        });
    }

    /// The routes served, one line each, for the startup banner.
    pub fn routes(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .ops
            .iter()
            .map(|o| format!("{:<7} {}  ({})", o.method, o.template, o.label))
            .collect();
        out.sort();
        out
    }
}

/// `1.10.0` sorts after `1.9.0`: numeric parts compare as numbers.
pub fn version_key(v: &str) -> Vec<(u64, String)> {
    v.split(['.', '-', '+'])
        .map(|p| (p.parse::<u64>().unwrap_or(0), p.to_string()))
        .collect()
}

fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

struct Compiler<'a> {
    spec: &'a Spec,
    validators: &'a Validators,
    seed: u64,
}

impl Compiler<'_> {
    fn notice(&self, loc: &Loc, message: String) -> Notice {
        Notice {
            position: Some(self.spec.position(loc)),
            message,
        }
    }

    fn validator(
        &self,
        loc: &Loc,
        direction: Direction,
        notices: &mut Vec<Notice>,
    ) -> Option<Arc<Validator>> {
        match self.validators.get(loc, direction) {
            Ok(v) => Some(v),
            Err(e) => {
                notices.push(self.notice(
                    loc,
                    format!("schema cannot be compiled, so values here are not checked: {e}"),
                ));
                None
            }
        }
    }

    fn generator(
        &self,
        loc: &Loc,
        direction: Direction,
        notices: &mut Vec<Notice>,
    ) -> Option<ValueGenerator> {
        match ValueGenerator::compile(self.spec, loc, direction, &GenerateOptions::default()) {
            Ok(g) => Some(g),
            Err(e) => {
                notices.push(Notice {
                    position: Some(self.spec.position(&e.at)),
                    message: format!("cannot generate values for this schema: {}", e.message),
                });
                None
            }
        }
    }

    fn operation(
        &self,
        op: &Operation,
        spec_index: usize,
        title: &str,
        version: &str,
    ) -> (OpEntry, Vec<Notice>) {
        let mut notices = Vec::new();
        let template = format!("{}{}", op.base_path, op.path);
        let params = op
            .parameters
            .iter()
            .map(|p| {
                let (schema, json_content) = match (&p.schema, p.content.first()) {
                    (Some(s), _) => (Some(s.clone()), false),
                    (None, Some(m)) => (m.schema.clone(), true),
                    (None, None) => (None, false),
                };
                ParamEntry {
                    name: p.name.clone(),
                    location: p.location,
                    required: p.required,
                    style: p.style.clone(),
                    explode: p.explode,
                    json_content,
                    shape: schema
                        .as_ref()
                        .map(|s| Shape::of(self.spec, s))
                        .unwrap_or_default(),
                    validator: schema
                        .as_ref()
                        .and_then(|s| self.validator(s, Direction::Request, &mut notices)),
                }
            })
            .collect();
        let body = op.request_body.as_ref().map(|b| RequestBodyEntry {
            required: b.required,
            media: b
                .content
                .iter()
                .map(|m| {
                    let schema_value = m
                        .schema
                        .as_ref()
                        .and_then(|s| self.spec.deref(s).ok())
                        .and_then(|l| self.spec.get(&l));
                    let kind = BodyKind::of(&m.name, schema_value);
                    BodyMedia {
                        name: m.name.clone(),
                        kind,
                        shape: m
                            .schema
                            .as_ref()
                            .map(|s| Shape::of(self.spec, s))
                            .unwrap_or_default(),
                        validator: match kind {
                            BodyKind::Binary => None,
                            _ => m
                                .schema
                                .as_ref()
                                .and_then(|s| self.validator(s, Direction::Request, &mut notices)),
                        },
                    }
                })
                .collect(),
        });
        let uploads = body
            .as_ref()
            .is_some_and(|b| b.media.iter().any(|m| m.kind == BodyKind::Binary));
        let responses: Vec<ResponseEntry> = op
            .responses
            .iter()
            .map(|r| ResponseEntry {
                status: r.status,
                media: r
                    .content
                    .iter()
                    .map(|m| self.response_media(m, &mut notices))
                    .collect(),
                headers: r
                    .headers
                    .iter()
                    .filter(|h| !h.name.eq_ignore_ascii_case("content-type"))
                    .map(|h| {
                        let schema = h
                            .schema
                            .clone()
                            .or_else(|| h.content.first().and_then(|m| m.schema.clone()));
                        let generator = schema
                            .as_ref()
                            .and_then(|s| self.generator(s, Direction::Response, &mut notices));
                        let example = h
                            .examples
                            .first()
                            .and_then(|e| e.value.as_ref())
                            .and_then(|l| self.spec.get(l))
                            .cloned();
                        let fits = |t: &String| hyper::header::HeaderValue::from_str(t).is_ok();
                        let default = example.map(|v| header_text(&v)).filter(fits).or_else(|| {
                            // Header values are visible ASCII: try a few seeds for one that is.
                            let g = generator.as_ref()?;
                            (0..32)
                                .map(|i| header_text(&g.sample(self.seed.wrapping_add(i))))
                                .find(fits)
                        });
                        if default.is_none() && generator.is_some() {
                            notices.push(self.notice(
                                &h.loc,
                                format!("no value for header {} fits in an HTTP header, so it is left out", h.name),
                            ));
                        }
                        HeaderEntry {
                            name: h.name.clone(),
                            required: h.required,
                            default,
                            generator,
                        }
                    })
                    .collect(),
            })
            .collect();
        let downloads = responses
            .iter()
            .any(|r| r.status.is_success() && r.media.iter().any(|m| m.kind == BodyKind::Binary));
        let reports_offset = !uploads
            && responses.iter().any(|r| {
                r.status.is_success()
                    && r.headers
                        .iter()
                        .any(|h| h.name.eq_ignore_ascii_case("upload-offset"))
            });
        let entry = OpEntry {
            reports_offset,
            spec: spec_index,
            label: format!(
                "{title} {version}: {}",
                op.operation_id.clone().unwrap_or_else(|| format!(
                    "{} {}",
                    op.method.to_uppercase(),
                    op.path
                ))
            ),
            method: op.method.to_ascii_uppercase(),
            path_names: model::template_params(&template)
                .into_iter()
                .map(str::to_string)
                .collect(),
            template,
            params,
            body,
            responses,
            security: op.security.clone(),
            role: None,
            requires: Vec::new(),
            uploads,
            downloads,
        };
        (entry, notices)
    }

    fn response_media(&self, m: &model::MediaType, notices: &mut Vec<Notice>) -> ResponseMedia {
        let schema_value = m
            .schema
            .as_ref()
            .and_then(|s| self.spec.deref(s).ok())
            .and_then(|l| self.spec.get(&l));
        let kind = BodyKind::of(&m.name, schema_value);
        let validator = match kind {
            BodyKind::Binary => None,
            _ => m
                .schema
                .as_ref()
                .and_then(|s| self.validator(s, Direction::Response, notices)),
        };
        let mut examples = Vec::new();
        for ex in &m.examples {
            let Some(value) = ex.value.as_ref().and_then(|l| self.spec.get(l)) else {
                continue;
            };
            if let Some(v) = &validator
                && !v.is_valid(value)
            {
                notices.push(self.notice(
                    &ex.loc,
                    format!(
                        "example{} breaks its schema, so it is not served",
                        ex.name
                            .as_ref()
                            .map(|n| format!(" `{n}`"))
                            .unwrap_or_default()
                    ),
                ));
                continue;
            }
            examples.push((ex.name.clone(), value.clone()));
        }
        let generator = match kind {
            BodyKind::Binary => None,
            _ => m
                .schema
                .as_ref()
                .and_then(|s| self.generator(s, Direction::Response, notices)),
        };
        let mut default = examples
            .first()
            .map(|(_, v)| v.clone())
            .or_else(|| generator.as_ref().map(|g| g.sample(self.seed)));
        if let (Some(v), Some(d)) = (&validator, &default)
            && !v.is_valid(d)
        {
            notices.push(self.notice(
                &m.loc,
                "a generated value breaks this schema, so it is answered with 500".into(),
            ));
            default = None;
        }
        let default_bytes = match kind {
            BodyKind::Binary => None,
            BodyKind::Text => default.as_ref().map(|d| match d {
                Value::String(s) => Bytes::from(s.clone()),
                other => Bytes::from(other.to_string()),
            }),
            _ => default
                .as_ref()
                .map(|d| Bytes::from(serde_json::to_vec(d).unwrap_or_default())),
        };
        let list = m.schema.as_ref().and_then(|s| self.list_shape(s, notices));
        ResponseMedia {
            name: m.name.clone(),
            kind,
            examples,
            shape: m
                .schema
                .as_ref()
                .map(|s| Shape::of(self.spec, s))
                .unwrap_or_default(),
            generator,
            validator,
            default,
            default_bytes,
            list,
        }
    }

    /// For a body that is an array, or an object with one array property, where items go.
    fn list_shape(&self, schema: &Loc, notices: &mut Vec<Notice>) -> Option<ListShape> {
        let loc = self.spec.deref(schema).ok()?;
        let value = self.spec.get(&loc)?;
        let is_array = |v: &Value| {
            v.get("type") == Some(&Value::String("array".into()))
                || v.get("type")
                    .and_then(Value::as_array)
                    .is_some_and(|t| t.iter().any(|x| x == "array"))
        };
        let (property, items) = if is_array(value) && value.get("items").is_some() {
            (None, loc.child("items"))
        } else {
            let props = value.get("properties")?.as_object()?;
            let mut arrays = props.iter().filter_map(|(name, _)| {
                let ploc = self.spec.deref(&loc.child("properties").child(name)).ok()?;
                let p = self.spec.get(&ploc)?;
                (is_array(p) && p.get("items").is_some())
                    .then(|| (name.clone(), ploc.child("items")))
            });
            let first = arrays.next()?;
            if arrays.next().is_some() {
                return None;
            }
            (Some(first.0), first.1)
        };
        let generator = self.generator(&items, Direction::Response, notices)?;
        Some(ListShape {
            property,
            item_validator: self.validator(&items, Direction::Response, notices),
            item_default: generator.sample(self.seed),
        })
    }
}

/// A header value from a JSON value (`simple` style: arrays joined by commas).
pub fn header_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(header_text).collect::<Vec<_>>().join(","),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| format!("{k},{}", header_text(v)))
            .collect::<Vec<_>>()
            .join(","),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Works out each operation's stateful role (see `state`'s module doc for the rules).
fn infer_roles(ops: &mut [OpEntry]) {
    let segs = |t: &str| t.split('/').skip(1).map(str::to_string).collect::<Vec<_>>();
    let is_param = |s: &str| s.starts_with('{') && s.ends_with('}') && s.len() > 2;
    let has = |ops: &[OpEntry], method: &str, template: &str| {
        ops.iter()
            .position(|o| o.method == method && o.template == template)
    };
    // Collections: templates with a POST whose `C/{p}` has a GET.
    let mut collections: Vec<(String, String, String)> = Vec::new(); // (C, item template, param)
    let templates: Vec<String> = ops.iter().map(|o| o.template.clone()).collect();
    for o in ops.iter().filter(|o| o.method == "POST") {
        for t in &templates {
            let Some(rest) = t.strip_prefix(&format!("{}/", o.template)) else {
                continue;
            };
            if !rest.contains('/') && is_param(rest) && has(ops, "GET", t).is_some() {
                let param = rest[1..rest.len() - 1].to_string();
                if !collections.iter().any(|(c, _, _)| *c == o.template) {
                    collections.push((o.template.clone(), t.clone(), param));
                }
            }
        }
    }
    for (collection, item, param) in &collections {
        let n = segs(collection).len();
        let id_field = has(ops, "GET", item)
            .and_then(|i| item_properties(&ops[i]))
            .and_then(|props| state::id_field(param, props.iter().map(String::as_str)));
        for o in ops.iter_mut() {
            if o.template == *collection {
                o.role = match o.method.as_str() {
                    "POST" => Some(Role::Create {
                        id_param: param.clone(),
                        id_field: id_field.clone(),
                    }),
                    "GET" => Some(Role::List {
                        id_field: id_field.clone(),
                    }),
                    _ => None,
                };
            } else if o.template == *item {
                let action = match o.method.as_str() {
                    "GET" | "HEAD" => ItemAction::Read,
                    "PUT" => ItemAction::Replace,
                    "PATCH" => ItemAction::Merge,
                    "DELETE" => ItemAction::Remove,
                    _ => ItemAction::Other,
                };
                o.role = Some(Role::Item {
                    action,
                    segments: n,
                    id_field: id_field.clone(),
                });
            }
            if o.template.starts_with(&format!("{item}/")) {
                o.requires.push(n);
            }
        }
    }
}

/// The property names of an item GET's success body.
fn item_properties(op: &OpEntry) -> Option<Vec<String>> {
    let media = op.success()?.media.first()?;
    let names: Vec<String> = media.shape.properties.keys().cloned().collect();
    (!names.is_empty()).then_some(names)
}

/// Where a download's bytes come from when nothing was uploaded: a minimal valid PDF for
/// `application/pdf`, else empty.
pub fn placeholder_bytes(media: &str) -> Bytes {
    static PDF: std::sync::OnceLock<Bytes> = std::sync::OnceLock::new();
    if essence(media) == "application/pdf" {
        PDF.get_or_init(|| Bytes::from(minimal_pdf())).clone()
    } else {
        Bytes::new()
    }
}

/// A one-page, empty PDF with a correct cross-reference table.
fn minimal_pdf() -> Vec<u8> {
    let objects = [
        "<</Type/Catalog/Pages 2 0 R>>",
        "<</Type/Pages/Kids[3 0 R]/Count 1>>",
        "<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Resources<<>>>>",
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<</Size {}/Root 1 0 R>>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// The directory where uploads go when none is configured.
pub fn default_upload_dir() -> PathBuf {
    std::env::temp_dir().join(format!("kontrakt-mock-{}", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mock_can_be_shared_between_threads() {
        fn is<T: Send + Sync>() {}
        is::<MockApp>();
    }

    #[test]
    fn body_kinds_and_versions() {
        assert_eq!(
            BodyKind::of("application/problem+json", None),
            BodyKind::Json
        );
        assert_eq!(
            BodyKind::of("multipart/form-data", None),
            BodyKind::Multipart
        );
        assert_eq!(BodyKind::of("text/plain", None), BodyKind::Text);
        assert_eq!(
            BodyKind::of("text/csv", Some(&serde_json::json!({"format": "binary"}))),
            BodyKind::Binary
        );
        assert_eq!(BodyKind::of("application/pdf", None), BodyKind::Binary);
        assert!(version_key("1.10.0") > version_key("1.9.0"));
        assert!(placeholder_bytes("application/pdf").starts_with(b"%PDF-"));
    }
}
