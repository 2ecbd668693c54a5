//! The operation model: what every later stage (generate, check, mock, diff) iterates over.
//!
//! Built from the loaded JSON with references followed, path-level parameters merged and
//! defaults (style, explode, security) applied, so consumers never re-derive OpenAPI's rules.
//! Schemas stay as [`Loc`]s: they may be recursive, and the validator cache compiles them by
//! location. The builder is tolerant — malformed parts are skipped here and reported by lint.

use serde_json::{Map, Value};

use super::document::{Loc, RefError, Spec};
use super::pointer;

pub const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ParamIn {
    Path,
    Query,
    Header,
    Cookie,
}

impl ParamIn {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "path" => ParamIn::Path,
            "query" => ParamIn::Query,
            "header" => ParamIn::Header,
            "cookie" => ParamIn::Cookie,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ParamIn::Path => "path",
            ParamIn::Query => "query",
            ParamIn::Header => "header",
            ParamIn::Cookie => "cookie",
        }
    }
}

/// A named example: inline `value` (by location) or `externalValue`.
#[derive(Debug, Clone)]
pub struct Example {
    pub name: Option<String>,
    pub value: Option<Loc>,
    pub external: Option<String>,
    pub loc: Loc,
}

#[derive(Debug, Clone)]
pub struct MediaType {
    pub name: String,
    pub schema: Option<Loc>,
    pub examples: Vec<Example>,
    pub loc: Loc,
}

#[derive(Debug, Clone)]
pub struct Parameter {
    pub name: String,
    pub location: ParamIn,
    pub required: bool,
    pub style: String,
    pub explode: bool,
    pub allow_reserved: bool,
    pub deprecated: bool,
    pub schema: Option<Loc>,
    pub content: Vec<MediaType>,
    pub examples: Vec<Example>,
    pub loc: Loc,
}

#[derive(Debug, Clone)]
pub struct Header {
    pub name: String,
    pub required: bool,
    pub schema: Option<Loc>,
    pub content: Vec<MediaType>,
    pub examples: Vec<Example>,
    pub loc: Loc,
}

#[derive(Debug, Clone)]
pub struct RequestBody {
    pub required: bool,
    pub content: Vec<MediaType>,
    pub loc: Loc,
}

/// Which statuses a response entry covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum StatusSpec {
    Code(u16),
    /// `2XX` is `Range(2)`.
    Range(u8),
    Default,
}

impl StatusSpec {
    pub fn parse(s: &str) -> Option<Self> {
        if s == "default" {
            return Some(StatusSpec::Default);
        }
        let b = s.as_bytes();
        if b.len() == 3 && (b'1'..=b'5').contains(&b[0]) {
            if b[1..].eq_ignore_ascii_case(b"XX") {
                return Some(StatusSpec::Range(b[0] - b'0'));
            }
            if b[1..].iter().all(u8::is_ascii_digit) {
                return s.parse().ok().map(StatusSpec::Code);
            }
        }
        None
    }

    pub fn matches(self, status: u16) -> bool {
        match self {
            StatusSpec::Code(c) => c == status,
            StatusSpec::Range(r) => status / 100 == r as u16,
            StatusSpec::Default => true,
        }
    }

    /// Success (2xx), redirection (3xx), or 101 Switching Protocols (how WebSocket and other
    /// upgrade endpoints succeed).
    pub fn is_success(self) -> bool {
        match self {
            StatusSpec::Code(c) => c == 101 || (200..400).contains(&c),
            StatusSpec::Range(r) => r == 2 || r == 3,
            StatusSpec::Default => false,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Link {
    pub name: String,
    pub operation_id: Option<String>,
    pub operation_ref: Option<String>,
    pub parameters: Map<String, Value>,
    pub request_body: Option<Value>,
    pub loc: Loc,
}

#[derive(Debug, Clone)]
pub struct Response {
    pub status: StatusSpec,
    /// The key as written (`200`, `2XX`, `default`).
    pub key: String,
    pub description: Option<String>,
    pub headers: Vec<Header>,
    pub content: Vec<MediaType>,
    pub links: Vec<Link>,
    pub loc: Loc,
}

/// One alternative of a security requirement: all these schemes together, with their scopes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityRequirement {
    pub schemes: Vec<(String, Vec<String>)>,
    pub loc: Loc,
}

#[derive(Debug, Clone)]
pub struct Operation {
    pub operation_id: Option<String>,
    /// Upper-case method.
    pub method: String,
    pub path: String,
    /// The webhook's name when this operation is under `webhooks`, not `paths`.
    pub webhook: Option<String>,
    /// The path part of the effective server URL (`/aggregator/v1`; empty for `/`).
    pub base_path: String,
    pub servers: Vec<String>,
    pub summary: Option<String>,
    pub tags: Vec<String>,
    pub parameters: Vec<Parameter>,
    pub request_body: Option<RequestBody>,
    pub responses: Vec<Response>,
    /// The effective requirements (operation-level, else global); empty list = no auth.
    pub security: Vec<SecurityRequirement>,
    pub deprecated: bool,
    pub extensions: Map<String, Value>,
    pub loc: Loc,
}

impl Operation {
    /// `GET /pets/{id}`: how an operation is named when it has no operationId.
    pub fn key(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    /// operationId when present, else the method and path.
    pub fn display_name(&self) -> String {
        self.operation_id.clone().unwrap_or_else(|| self.key())
    }
}

/// A reference the model could not follow, or an object that contains itself.
#[derive(Debug, Clone)]
pub struct ModelProblem {
    pub at: Loc,
    pub error: RefError,
}

/// The operations of a spec, plus what could not be followed while building them.
#[derive(Debug, Default)]
pub struct Model {
    pub operations: Vec<Operation>,
    pub problems: Vec<ModelProblem>,
}

/// Builds the operation model of a loaded spec.
pub fn build(spec: &Spec) -> Model {
    let mut b = Builder {
        spec,
        problems: Vec::new(),
        stack: Vec::new(),
    };
    let root_servers = servers(spec.root()).unwrap_or_else(|| vec!["/".to_string()]);
    let mut operations = Vec::new();
    for (section, webhook) in [("paths", false), ("webhooks", true)] {
        let Some(Value::Object(items)) = spec.root().get(section) else {
            continue;
        };
        let section_loc = Loc::new(0, pointer::push("", section));
        for (name, item) in items {
            b.path_item(
                section_loc.child(name),
                item,
                name,
                webhook,
                &root_servers,
                &mut operations,
            );
        }
    }
    Model {
        operations,
        problems: b.problems,
    }
}

struct Builder<'s> {
    spec: &'s Spec,
    problems: Vec<ModelProblem>,
    /// Non-schema objects being expanded, to catch objects that contain themselves.
    stack: Vec<Loc>,
}

fn str_field(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

fn bool_field(v: &Value, key: &str) -> Option<bool> {
    v.get(key).and_then(Value::as_bool)
}

fn is_ref(v: &Value) -> bool {
    matches!(v.get("$ref"), Some(Value::String(_)))
}

/// Name → object maps (`content`, `headers`, `links`, `responses`) as (location, name, value).
fn members<'v>(loc: &Loc, v: Option<&'v Value>) -> Vec<(Loc, &'v String, &'v Value)> {
    match v {
        Some(Value::Object(map)) => map
            .iter()
            .map(|(name, value)| (loc.child(name), name, value))
            .collect(),
        _ => Vec::new(),
    }
}

impl<'s> Builder<'s> {
    /// Follows a reference (recording problems); values that are not references pass through.
    fn resolve(&mut self, loc: Loc, value: &'s Value) -> Option<(Loc, &'s Value)> {
        if !is_ref(value) {
            return Some((loc, value));
        }
        match self.spec.deref(&loc) {
            Ok(target) => {
                let value = self.spec.get(&target)?;
                Some((target, value))
            }
            Err(error) => {
                // Broken refs and `$ref` chains that loop are already load problems.
                if !matches!(error, RefError::Cycle { .. }) {
                    self.problems.push(ModelProblem { at: loc, error });
                }
                None
            }
        }
    }

    /// Like [`Self::resolve`] for a non-schema object, refusing one already being expanded.
    fn enter(&mut self, loc: Loc, value: &'s Value) -> Option<(Loc, &'s Value)> {
        let reference = value.get("$ref").and_then(Value::as_str);
        let (target, resolved) = self.resolve(loc.clone(), value)?;
        if let Some(reference) = reference
            && self.stack.contains(&target)
        {
            self.problems.push(ModelProblem {
                at: loc,
                error: RefError::Cycle {
                    reference: reference.to_string(),
                },
            });
            return None;
        }
        Some((target, resolved))
    }

    fn path_item(
        &mut self,
        loc: Loc,
        value: &'s Value,
        name: &str,
        webhook: bool,
        root_servers: &[String],
        out: &mut Vec<Operation>,
    ) {
        let Some((item_loc, item)) = self.enter(loc, value) else {
            return;
        };
        self.stack.push(item_loc.clone());
        let shared_params = self.parameters(&item_loc.child("parameters"), item.get("parameters"));
        let item_servers = servers(item);
        for method in METHODS {
            let Some(written) = item.get(*method) else {
                continue;
            };
            // Operation Objects may not be `$ref`s in OpenAPI, but bundled multi-file specs
            // (DigitalOcean's) do it; follow them here and let `invalid-openapi` say so.
            let Some((op_loc, op)) = self.resolve(item_loc.child(method), written) else {
                continue;
            };
            if !op.is_object() {
                continue;
            }
            let own = self.parameters(&op_loc.child("parameters"), op.get("parameters"));
            let mut parameters = shared_params.clone();
            for p in own {
                // Operation-level parameters override path-level ones with the same name and place.
                parameters.retain(|q| !(q.name == p.name && q.location == p.location));
                parameters.push(p);
            }
            let server_urls = servers(op)
                .or_else(|| item_servers.clone())
                .unwrap_or_else(|| root_servers.to_vec());
            let (security_loc, security_value) = match op.get("security") {
                Some(v) => (op_loc.child("security"), Some(v)),
                None => (Loc::new(0, "/security"), self.spec.root().get("security")),
            };
            let request_body = op
                .get("requestBody")
                .and_then(|v| self.request_body(op_loc.child("requestBody"), v));
            let responses = self.responses(&op_loc.child("responses"), op.get("responses"));
            out.push(Operation {
                operation_id: str_field(op, "operationId"),
                method: method.to_ascii_uppercase(),
                path: name.to_string(),
                webhook: webhook.then(|| name.to_string()),
                base_path: server_urls
                    .first()
                    .map(|u| base_path(u))
                    .unwrap_or_default(),
                servers: server_urls,
                summary: str_field(op, "summary"),
                tags: op
                    .get("tags")
                    .and_then(Value::as_array)
                    .map(|t| {
                        t.iter()
                            .filter_map(|s| s.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default(),
                parameters,
                request_body,
                responses,
                security: security(&security_loc, security_value),
                deprecated: bool_field(op, "deprecated").unwrap_or(false),
                extensions: extensions(op),
                loc: op_loc,
            });
        }
        self.stack.pop();
    }

    fn parameters(&mut self, loc: &Loc, value: Option<&'s Value>) -> Vec<Parameter> {
        let Some(Value::Array(items)) = value else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let Some((p_loc, p)) = self.resolve(loc.index(i), item) else {
                continue;
            };
            let (Some(name), Some(location)) = (
                str_field(p, "name"),
                p.get("in").and_then(Value::as_str).and_then(ParamIn::parse),
            ) else {
                continue;
            };
            let style = str_field(p, "style").unwrap_or_else(|| {
                match location {
                    ParamIn::Query | ParamIn::Cookie => "form",
                    ParamIn::Path | ParamIn::Header => "simple",
                }
                .to_string()
            });
            let explode = bool_field(p, "explode").unwrap_or(style == "form");
            out.push(Parameter {
                name,
                location,
                required: bool_field(p, "required").unwrap_or(false),
                explode,
                style,
                allow_reserved: bool_field(p, "allowReserved").unwrap_or(false),
                deprecated: bool_field(p, "deprecated").unwrap_or(false),
                schema: p.get("schema").map(|_| p_loc.child("schema")),
                content: self.content(&p_loc.child("content"), p.get("content")),
                examples: examples(self.spec, &p_loc, p),
                loc: p_loc,
            });
        }
        out
    }

    fn request_body(&mut self, loc: Loc, value: &'s Value) -> Option<RequestBody> {
        let (b_loc, b) = self.enter(loc, value)?;
        Some(RequestBody {
            required: bool_field(b, "required").unwrap_or(false),
            content: self.content(&b_loc.child("content"), b.get("content")),
            loc: b_loc,
        })
    }

    fn content(&mut self, loc: &Loc, value: Option<&'s Value>) -> Vec<MediaType> {
        members(loc, value)
            .into_iter()
            .filter(|(_, _, v)| v.is_object())
            .map(|(m_loc, name, v)| MediaType {
                name: name.clone(),
                schema: v.get("schema").map(|_| m_loc.child("schema")),
                examples: examples(self.spec, &m_loc, v),
                loc: m_loc,
            })
            .collect()
    }

    fn responses(&mut self, loc: &Loc, value: Option<&'s Value>) -> Vec<Response> {
        let mut out = Vec::new();
        for (r_loc, key, r) in members(loc, value) {
            let Some(status) = StatusSpec::parse(key) else {
                continue;
            };
            let Some((r_loc, r)) = self.enter(r_loc, r) else {
                continue;
            };
            self.stack.push(r_loc.clone());
            let headers = self.headers(&r_loc.child("headers"), r.get("headers"));
            let content = self.content(&r_loc.child("content"), r.get("content"));
            let links = self.links(&r_loc.child("links"), r.get("links"));
            self.stack.pop();
            out.push(Response {
                status,
                key: key.clone(),
                description: str_field(r, "description"),
                headers,
                content,
                links,
                loc: r_loc,
            });
        }
        out
    }

    fn headers(&mut self, loc: &Loc, value: Option<&'s Value>) -> Vec<Header> {
        let mut out = Vec::new();
        for (h_loc, name, h) in members(loc, value) {
            let Some((h_loc, h)) = self.enter(h_loc, h) else {
                continue;
            };
            out.push(Header {
                name: name.clone(),
                required: bool_field(h, "required").unwrap_or(false),
                schema: h.get("schema").map(|_| h_loc.child("schema")),
                content: self.content(&h_loc.child("content"), h.get("content")),
                examples: examples(self.spec, &h_loc, h),
                loc: h_loc,
            });
        }
        out
    }

    fn links(&mut self, loc: &Loc, value: Option<&'s Value>) -> Vec<Link> {
        let mut out = Vec::new();
        for (l_loc, name, l) in members(loc, value) {
            let Some((l_loc, l)) = self.enter(l_loc, l) else {
                continue;
            };
            out.push(Link {
                name: name.clone(),
                operation_id: str_field(l, "operationId"),
                operation_ref: str_field(l, "operationRef"),
                parameters: l
                    .get("parameters")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default(),
                request_body: l.get("requestBody").cloned(),
                loc: l_loc,
            });
        }
        out
    }
}

/// The `example` and `examples` of a parameter, header or media type (refs followed).
pub fn examples(spec: &Spec, owner: &Loc, value: &Value) -> Vec<Example> {
    let mut out = Vec::new();
    if value.get("example").is_some() {
        let loc = owner.child("example");
        out.push(Example {
            name: None,
            value: Some(loc.clone()),
            external: None,
            loc,
        });
    }
    for (at, name, e) in members(&owner.child("examples"), value.get("examples")) {
        let (target, e) = if is_ref(e) {
            let Ok(target) = spec.deref(&at) else {
                continue;
            };
            let Some(e) = spec.get(&target) else { continue };
            (target, e)
        } else {
            (at, e)
        };
        out.push(Example {
            name: Some(name.clone()),
            value: e.get("value").map(|_| target.child("value")),
            external: str_field(e, "externalValue"),
            loc: target,
        });
    }
    out
}

fn servers(v: &Value) -> Option<Vec<String>> {
    let list = v.get("servers")?.as_array()?;
    if list.is_empty() {
        return None;
    }
    Some(
        list.iter()
            .filter_map(|s| {
                let url = s.get("url")?.as_str()?;
                Some(substitute_variables(url, s.get("variables")))
            })
            .collect(),
    )
}

/// Replaces `{var}` in a server URL with the variable's default.
fn substitute_variables(url: &str, variables: Option<&Value>) -> String {
    let mut out = url.to_string();
    if let Some(Value::Object(vars)) = variables {
        for (name, var) in vars {
            if let Some(default) = var.get("default").and_then(Value::as_str) {
                out = out.replace(&format!("{{{name}}}"), default);
            }
        }
    }
    out
}

/// The path part of a server URL, without a trailing slash: `https://h/a/v1/` → `/a/v1`.
pub fn base_path(url: &str) -> String {
    let after_scheme = match url.find("://") {
        Some(i) => {
            let rest = &url[i + 3..];
            rest.find('/').map_or("", |j| &rest[j..])
        }
        None => url,
    };
    let path = after_scheme.split(['?', '#']).next().unwrap_or("");
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() || trimmed.starts_with('/') {
        trimmed.to_string()
    } else {
        format!("/{trimmed}")
    }
}

fn security(loc: &Loc, value: Option<&Value>) -> Vec<SecurityRequirement> {
    let Some(Value::Array(items)) = value else {
        return Vec::new();
    };
    items
        .iter()
        .enumerate()
        .filter_map(|(i, req)| {
            let map = req.as_object()?;
            Some(SecurityRequirement {
                schemes: map
                    .iter()
                    .map(|(name, scopes)| {
                        let scopes = scopes
                            .as_array()
                            .map(|s| {
                                s.iter()
                                    .filter_map(|x| x.as_str().map(str::to_string))
                                    .collect()
                            })
                            .unwrap_or_default();
                        (name.clone(), scopes)
                    })
                    .collect(),
                loc: loc.index(i),
            })
        })
        .collect()
}

fn extensions(v: &Value) -> Map<String, Value> {
    v.as_object()
        .map(|m| {
            m.iter()
                .filter(|(k, _)| k.starts_with("x-"))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// The `{name}` parameters of a path template, in order.
pub fn template_params(path: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        out.push(&rest[start + 1..start + len]);
        rest = &rest[start + len + 1..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_specs() {
        assert_eq!(StatusSpec::parse("200"), Some(StatusSpec::Code(200)));
        assert_eq!(StatusSpec::parse("2XX"), Some(StatusSpec::Range(2)));
        assert_eq!(StatusSpec::parse("4xx"), Some(StatusSpec::Range(4)));
        assert_eq!(StatusSpec::parse("default"), Some(StatusSpec::Default));
        assert_eq!(StatusSpec::parse("600"), None);
        assert_eq!(StatusSpec::parse("20"), None);
        assert!(StatusSpec::Range(2).matches(204));
        assert!(!StatusSpec::Default.is_success());
    }

    #[test]
    fn base_paths() {
        assert_eq!(
            base_path("https://api.domstol.dk/aggregator/v1/"),
            "/aggregator/v1"
        );
        assert_eq!(base_path("https://api.domstol.dk"), "");
        assert_eq!(base_path("/v1"), "/v1");
        assert_eq!(base_path("v1"), "/v1");
        assert_eq!(
            substitute_variables(
                "https://{env}.x/{v}",
                Some(&serde_json::json!({"env": {"default": "test"}, "v": {"default": "v2"}}))
            ),
            "https://test.x/v2"
        );
    }

    #[test]
    fn templates() {
        assert_eq!(
            template_params("/sager/{sagId}/krav/{kravId}"),
            vec!["sagId", "kravId"]
        );
        assert!(template_params("/sager").is_empty());
    }
}
