//! One request through the mock: route, gatekeeping (rate limit, credentials), validation of
//! parameters and body, then the response from state, examples or generated data.
//!
//! The order follows a real gateway's: an unknown path is 404 before anything else, a client
//! over its rate gets 429 before its credentials are looked at, missing credentials are 401
//! before a malformed request is 400.

use std::sync::atomic::Ordering;

use bytes::Bytes;
use hyper::body::Incoming;
use hyper::{HeaderMap, Request, Response};
use serde_json::{Map, Value};

use super::app::{BodyKind, OpEntry, ResponseEntry, ResponseMedia, header_text, placeholder_bytes};
use super::http::{self, Body, header};
use super::negotiate::{self, Prefer};
use super::params;
use super::problem::{Problem, Violation};
use super::router::Match;
use super::server::{Conn, Mock};
use super::state::{self, ItemAction, Role};
use super::upload;
use crate::spec::model::{ParamIn, StatusSpec};

/// Characters escaped in a path segment: everything but RFC 3986 unreserved characters.
const PATH_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Where the mock's own endpoints live; no spec path may start with it.
pub const ADMIN_PREFIX: &str = "/__kontrakt";

pub async fn handle(mock: &Mock, req: Request<Incoming>, conn: &Conn) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let method = parts.method.as_str().to_ascii_uppercase();
    let path = parts.uri.path().to_string();
    let query = parts.uri.query().unwrap_or("").to_string();
    if path == ADMIN_PREFIX || path.starts_with(&format!("{ADMIN_PREFIX}/")) {
        // The mock's own plumbing is not the service's: no rate limit, no credentials.
        return super::admin::handle(
            mock,
            &method,
            &path[ADMIN_PREFIX.len()..],
            &parts.headers,
            body,
        )
        .await;
    }

    // Gatekeeping: who is calling and whether they are within their rate, for every request
    // to the service (the token endpoint and unknown paths included, so guessing is throttled).
    let mut extra: Vec<(String, String)> = Vec::new();
    if let Some(limiter) = &mock.limiter {
        let decision = limiter.check(&mock.gate.identify(&parts.headers, conn));
        for (name, value) in limiter.headers(&decision) {
            extra.push((name.to_string(), value));
        }
        if !decision.allowed {
            extra.push(("Retry-After".into(), decision.retry_after.to_string()));
            let p = Problem::new(
                429,
                "too-many-requests",
                "Too Many Requests",
                format!(
                    "the rate limit of {} requests per {} s is used up; retry after {} s",
                    limiter.spec().count,
                    limiter.spec().window.as_secs(),
                    decision.retry_after
                ),
            )
            .at(&path);
            return problem(mock, None, p, extra);
        }
    }
    if mock.gate.is_token_endpoint(&path) {
        let response = mock
            .gate
            .token(mock, &method, &parts.headers, body, conn)
            .await;
        return with_headers(response, extra);
    }
    let (op_index, values) = match mock.app.router.route(&method, &path) {
        Match::Found { op, values } => (op, values),
        Match::MethodNotAllowed { allow } => {
            let p = Problem::new(
                405,
                "method-not-allowed",
                "Method Not Allowed",
                format!(
                    "{method} is not documented for {path}; documented: {}",
                    allow.join(", ")
                ),
            )
            .at(&path);
            extra.push(("Allow".into(), allow.join(", ")));
            return problem(mock, None, p, extra);
        }
        Match::NotFound => {
            let p = Problem::new(
                404,
                "not-found",
                "Not Found",
                format!("no served operation has the path {path}"),
            )
            .at(&path);
            return problem(mock, None, p, extra);
        }
    };
    let op = &mock.app.ops[op_index];
    let head = method == "HEAD";
    if let Some(policy) = &mock.options.oces
        && let Err(rejection) = crate::tls::oces::check_peer(
            (!conn.client_certs.is_empty()).then_some(conn.client_certs.as_slice()),
            policy,
        )
    {
        let p = Problem::new(
            403,
            rejection.code(),
            "Forbidden",
            format!("the client certificate is not an accepted OCES3 organisation certificate: {rejection}"),
        )
        .at(&path);
        return problem(mock, Some(op), p, extra);
    }
    if let Err((p, headers)) = mock.gate.authorize(op, &parts.headers, &query, conn) {
        extra.extend(headers);
        return problem(mock, Some(op), p.at(&path), extra);
    }

    // Parameters.
    let mut violations = check_params(op, &values, &query, &parts.headers);
    if let Some(p) = precondition_required(op, &parts.headers, &mut violations) {
        return problem(mock, Some(op), p.at(&path), extra);
    }

    // Every stateful item the path passes through must exist (`/sager/{id}/krav` needs sag
    // `id`), before the body is read.
    if violations.is_empty() && prefer_code(&parts.headers).is_none() {
        for n in &op.requires {
            let collection = state::collection_of(&path, *n);
            let Some(id) = state::item_id_of(&path, *n) else {
                continue;
            };
            if !mock.store().contains(&collection, &id) {
                let p = Problem::new(
                    404,
                    "not-found",
                    "Not Found",
                    format!("{collection}/{id} does not exist (not created, or deleted)"),
                )
                .at(&path);
                return problem(mock, Some(op), p, extra);
            }
        }
    }

    // What the client asked for.
    let prefer = match Prefer::parse(
        parts
            .headers
            .get_all("prefer")
            .iter()
            .filter_map(|v| v.to_str().ok()),
    ) {
        Ok(p) => p,
        Err(message) => {
            let p = Problem::new(400, "invalid-prefer", "Bad Request", message).at(&path);
            return problem(mock, Some(op), p, extra);
        }
    };
    // A response asked for by `Prefer` bypasses state: an upload is checked, not stored.
    let from_spec_only = prefer.code.is_some() || prefer.example.is_some();

    // Body.
    let mut body_value: Option<Value> = None;
    let mut upload_outcome: Option<upload::Outcome> = None;
    if let Some(spec_body) = &op.body {
        let content_type = header(&parts.headers, "content-type").unwrap_or("");
        // An empty form is a form with no fields, not a missing body: `{}` has no other
        // encoding in application/x-www-form-urlencoded.
        let present = http::has_body(&parts.headers)
            || content_type
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded");
        if !present {
            if spec_body.required {
                violations.push(Violation {
                    pointer: "/body".into(),
                    constraint: "required".into(),
                    message: "the request body is required".into(),
                });
            }
        } else {
            let names: Vec<&str> = spec_body.media.iter().map(|m| m.name.as_str()).collect();
            let Some(i) = negotiate::request_media(&names, content_type) else {
                let p = Problem::new(
                    415,
                    "unsupported-media-type",
                    "Unsupported Media Type",
                    format!(
                        "Content-Type `{content_type}` is not documented for this operation; documented: {}",
                        names.join(", ")
                    ),
                )
                .at(&path)
                .with(vec![Violation {
                    pointer: "/header/Content-Type".into(),
                    constraint: "media-type".into(),
                    message: format!("expected one of {}", names.join(", ")),
                }]);
                return problem(mock, Some(op), p, extra);
            };
            let media = &spec_body.media[i];
            if media.kind == BodyKind::Binary {
                if !violations.is_empty() {
                    return invalid(mock, op, &path, violations, extra);
                }
                if from_spec_only {
                    let response = ctx_free_response(mock, op, &path, &prefer, &parts.headers);
                    return with_headers(response, extra);
                }
                let key = upload::key(op, &values);
                match mock
                    .blobs
                    .receive(mock, &key, &media.name, &parts.headers, body)
                    .await
                {
                    Ok(outcome) => upload_outcome = Some(outcome),
                    Err(p) => return problem(mock, Some(op), p.at(&path), extra),
                }
            } else {
                let bytes = match http::read_body(
                    body,
                    &parts.headers,
                    mock.options.max_body,
                    mock.options.body_timeout,
                )
                .await
                {
                    Ok(b) => b,
                    Err(p) => return problem(mock, Some(op), p.at(&path), extra),
                };
                match super::body::parse(media.kind, content_type, &bytes, &media.shape) {
                    Ok(value) => {
                        if let Some(v) = &media.validator {
                            violations.extend(with_prefix("/body", v, &value));
                        }
                        body_value = Some(value);
                    }
                    Err(v) => violations.push(v),
                }
            }
        }
    }
    if !violations.is_empty() {
        return invalid(mock, op, &path, violations, extra);
    }

    let accept = header(&parts.headers, "accept");
    let ctx = Ctx {
        mock,
        op,
        path: &path,
        query: &query,
        headers: &parts.headers,
        prefer: &prefer,
        accept,
        head,
    };
    let response = if from_spec_only {
        ctx.answer_from_spec(None, body_value.as_ref())
    } else {
        ctx.stateful(body_value.as_ref(), upload_outcome.as_ref(), &values)
            .await
    };
    with_headers(response, extra)
}

/// The spec's answer to a request whose body is not read (an upload under `Prefer: code=`).
fn ctx_free_response(
    mock: &Mock,
    op: &OpEntry,
    path: &str,
    prefer: &Prefer,
    headers: &HeaderMap,
) -> Response<Body> {
    let ctx = Ctx {
        mock,
        op,
        path,
        query: "",
        headers,
        prefer,
        accept: header(headers, "accept"),
        head: false,
    };
    ctx.answer_from_spec(None, None)
}

/// Adds headers to a response already built.
fn with_headers(mut response: Response<Body>, extra: Vec<(String, String)>) -> Response<Body> {
    for (name, value) in extra {
        if let (Ok(n), Ok(v)) = (
            hyper::header::HeaderName::from_bytes(name.as_bytes()),
            hyper::header::HeaderValue::from_str(&value),
        ) {
            response.headers_mut().append(n, v);
        }
    }
    response
}

/// A `Prefer: code=` asks for a response regardless of state.
fn prefer_code(headers: &HeaderMap) -> Option<u16> {
    Prefer::parse(
        headers
            .get_all("prefer")
            .iter()
            .filter_map(|v| v.to_str().ok()),
    )
    .ok()
    .and_then(|p| p.code)
}

fn invalid(
    mock: &Mock,
    op: &OpEntry,
    path: &str,
    violations: Vec<Violation>,
    extra: Vec<(String, String)>,
) -> Response<Body> {
    let n = violations.len();
    let p = Problem::new(
        400,
        "invalid-request",
        "Bad Request",
        format!(
            "the request breaks the spec in {n} place{}",
            if n == 1 { "" } else { "s" }
        ),
    )
    .at(path)
    .with(violations);
    problem(mock, Some(op), p, extra)
}

/// A problem response, shaped to the operation's documented error schema where it has one.
pub fn problem(
    _mock: &Mock,
    op: Option<&OpEntry>,
    p: Problem,
    mut headers: Vec<(String, String)>,
) -> Response<Body> {
    let (body, media) = p.render(op);
    headers.push(("Content-Type".into(), media));
    http::response(
        p.status,
        &headers,
        Body::bytes(serde_json::to_vec(&body).unwrap_or_default()),
    )
}

/// Violations of `value` against a compiled schema, with pointers under `prefix`.
fn with_prefix(prefix: &str, validator: &jsonschema::Validator, value: &Value) -> Vec<Violation> {
    crate::spec::validate::collect(validator.iter_errors(value))
        .into_iter()
        .map(|v| Violation {
            pointer: format!("{prefix}{}", v.instance_path),
            constraint: v.keyword,
            message: v.message,
        })
        .collect()
}

fn check_params(
    op: &OpEntry,
    path_values: &[String],
    query: &str,
    headers: &HeaderMap,
) -> Vec<Violation> {
    let mut violations = Vec::new();
    let pairs = if op.params.iter().any(|p| p.location == ParamIn::Query) {
        params::query_pairs(query)
    } else {
        Vec::new()
    };
    let cookies = if op.params.iter().any(|p| p.location == ParamIn::Cookie) {
        headers
            .get_all("cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(params::cookies)
            .collect()
    } else {
        Vec::new()
    };
    for p in &op.params {
        // OpenAPI: header parameters with these names are ignored (the protocol owns them).
        if p.location == ParamIn::Header
            && ["accept", "content-type", "authorization"]
                .iter()
                .any(|n| p.name.eq_ignore_ascii_case(n))
        {
            continue;
        }
        let raw: Option<Value> = match p.location {
            ParamIn::Path => op
                .path_names
                .iter()
                .position(|n| *n == p.name)
                .and_then(|i| path_values.get(i))
                .map(|raw| {
                    if p.json_content {
                        json_text(&percent_decode(raw))
                    } else {
                        params::path_styled(raw, &p.name, &p.style, p.explode, &p.shape)
                    }
                }),
            ParamIn::Query => {
                if p.json_content {
                    pairs
                        .iter()
                        .find(|(k, _)| *k == p.name)
                        .map(|(_, v)| json_text(v))
                } else {
                    params::query_value(&pairs, &p.name, &p.style, p.explode, &p.shape)
                }
            }
            ParamIn::Header => {
                let values: Vec<&str> = headers
                    .get_all(p.name.as_str())
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .collect();
                (!values.is_empty()).then(|| {
                    let joined = values.join(",");
                    if p.json_content {
                        json_text(&joined)
                    } else {
                        params::simple(&joined, p.explode, &p.shape, false)
                    }
                })
            }
            ParamIn::Cookie => cookies.iter().find(|(k, _)| *k == p.name).map(|(_, v)| {
                if p.json_content {
                    json_text(v)
                } else {
                    params::simple(v, p.explode, &p.shape, false)
                }
            }),
        };
        let pointer = format!("/{}/{}", p.location.as_str(), p.name);
        match raw {
            None if p.required => violations.push(Violation {
                pointer,
                constraint: "required".into(),
                message: format!(
                    "the {} parameter `{}` is required",
                    p.location.as_str(),
                    p.name
                ),
            }),
            None => {}
            Some(value) => {
                if let Some(v) = &p.validator {
                    violations.extend(with_prefix(&pointer, v, &value));
                }
            }
        }
    }
    violations
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// A parameter whose `content` is JSON: the text parsed, or kept as a string to fail its schema.
fn json_text(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string()))
}

/// A required `If-Match` that is missing is 428 Precondition Required (RFC 6585), not 400.
fn precondition_required(
    op: &OpEntry,
    headers: &HeaderMap,
    violations: &mut Vec<Violation>,
) -> Option<Problem> {
    let required = op.params.iter().any(|p| {
        p.location == ParamIn::Header && p.required && p.name.eq_ignore_ascii_case("if-match")
    });
    if required && !headers.contains_key("if-match") {
        violations.retain(|v| !v.pointer.eq_ignore_ascii_case("/header/if-match"));
        return Some(Problem::new(
            428,
            "precondition-required",
            "Precondition Required",
            "this operation needs If-Match with the resource's current ETag",
        ));
    }
    None
}

/// Everything needed to answer one validated request.
struct Ctx<'a> {
    mock: &'a Mock,
    op: &'a OpEntry,
    path: &'a str,
    query: &'a str,
    headers: &'a HeaderMap,
    prefer: &'a Prefer,
    accept: Option<&'a str>,
    head: bool,
}

/// A response that ends the request early (boxed: responses are large).
type Early = Box<Response<Body>>;

/// A response about to be written: status, body value or bytes, headers.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Payload,
}

enum Payload {
    None,
    Json(Value, String),
    Raw(Bytes, String),
}

impl upload::DownloadCtx for Ctx<'_> {
    fn request_headers(&self) -> &HeaderMap {
        self.headers
    }

    fn is_head(&self) -> bool {
        self.head
    }

    fn problem_with(&self, p: Problem, headers: Vec<(String, String)>) -> Response<Body> {
        problem(self.mock, Some(self.op), p.at(self.path), headers)
    }
}

impl Ctx<'_> {
    fn problem(&self, p: Problem) -> Response<Body> {
        problem(self.mock, Some(self.op), p.at(self.path), Vec::new())
    }

    fn early(&self, p: Problem) -> Early {
        Box::new(self.problem(p))
    }

    fn not_found(&self) -> Response<Body> {
        self.problem(Problem::new(
            404,
            "not-found",
            "Not Found",
            format!("{} does not exist (not created, or deleted)", self.path),
        ))
    }

    /// The documented response for the request: `Prefer: code`, else `fallback`, else the
    /// lowest documented success.
    fn entry(&self, fallback: Option<u16>) -> Result<&ResponseEntry, Early> {
        if let Some(code) = self.prefer.code {
            return self.op.response_for(code).ok_or_else(|| {
                self.early(Problem::new(
                    400,
                    "invalid-prefer",
                    "Bad Request",
                    format!("Prefer: code={code}, but the operation documents no such response"),
                ))
            });
        }
        if let Some(code) = fallback
            && let Some(e) = self.op.response_for(code)
        {
            return Ok(e);
        }
        self.op.success().ok_or_else(|| {
            self.early(Problem::new(
                500,
                "no-response",
                "Internal Server Error",
                "the operation documents no success response to answer with",
            ))
        })
    }

    /// The documented response and the media type `Accept` picks for it.
    fn pick(
        &self,
        fallback: Option<u16>,
    ) -> Result<(&ResponseEntry, Option<&ResponseMedia>), Early> {
        let entry = self.entry(fallback)?;
        Ok((entry, self.media(entry)?))
    }

    /// The media type `Accept` picks among the entry's, or 406.
    fn media<'e>(&self, entry: &'e ResponseEntry) -> Result<Option<&'e ResponseMedia>, Early> {
        if entry.media.is_empty() {
            return Ok(None);
        }
        let names: Vec<&str> = entry.media.iter().map(|m| m.name.as_str()).collect();
        match negotiate::response_media(&names, self.accept) {
            Some(i) => Ok(Some(&entry.media[i])),
            None => Err(self.early(Problem::new(
                406,
                "not-acceptable",
                "Not Acceptable",
                format!(
                    "Accept `{}` matches none of the documented media types: {}",
                    self.accept.unwrap_or(""),
                    names.join(", ")
                ),
            ))),
        }
    }

    /// The body for a media type: a named example (`Prefer: example`), a fresh value
    /// (`Prefer: dynamic`), or the default.
    fn body(&self, media: &ResponseMedia) -> Result<Payload, Early> {
        if media.kind == BodyKind::Binary {
            return Ok(Payload::Raw(
                placeholder_bytes(&media.name),
                media.name.clone(),
            ));
        }
        if let Some(name) = &self.prefer.example {
            return match media
                .examples
                .iter()
                .find(|(n, _)| n.as_deref() == Some(name))
            {
                Some((_, v)) => Ok(Payload::Json(v.clone(), media.name.clone())),
                None => {
                    let names: Vec<&str> = media
                        .examples
                        .iter()
                        .filter_map(|(n, _)| n.as_deref())
                        .collect();
                    Err(self.early(Problem::new(
                        400,
                        "invalid-prefer",
                        "Bad Request",
                        format!(
                            "Prefer: example={name}, but this response's examples are: {}",
                            if names.is_empty() {
                                "(none named)".to_string()
                            } else {
                                names.join(", ")
                            }
                        ),
                    )))
                }
            };
        }
        if self.prefer.dynamic
            && let Some(g) = &media.generator
        {
            let seed = self
                .mock
                .app
                .seed
                .wrapping_add(self.mock.dynamic.fetch_add(1, Ordering::Relaxed) + 1);
            let value = g.sample(seed);
            if media.validator.as_ref().is_none_or(|v| v.is_valid(&value)) {
                return Ok(Payload::Json(value, media.name.clone()));
            }
        }
        match (&media.default_bytes, &media.default) {
            (Some(bytes), _) => Ok(Payload::Raw(bytes.clone(), media.name.clone())),
            _ => Err(self.early(Problem::new(
                500,
                "cannot-generate",
                "Internal Server Error",
                "the mock cannot produce a body valid for this response's schema (see the notices printed at start)",
            ))),
        }
    }

    /// Headers the entry documents, with their example or generated values.
    fn documented_headers(
        &self,
        entry: &ResponseEntry,
        seed: Option<u64>,
    ) -> Vec<(String, String)> {
        entry
            .headers
            .iter()
            .filter_map(|h| {
                // A header the request carried too (X-Correlation-Id) is echoed, as gateways do.
                let echoed = self
                    .op
                    .params
                    .iter()
                    .any(|p| p.location == ParamIn::Header && p.name.eq_ignore_ascii_case(&h.name))
                    .then(|| header(self.headers, &h.name))
                    .flatten()
                    .map(str::to_string);
                let value = echoed.or_else(|| match (seed, &h.generator) {
                    (Some(s), Some(g)) => Some(header_text(&g.sample(s))),
                    _ => h.default.clone(),
                })?;
                Some((h.name.clone(), value))
            })
            .collect()
    }

    /// Answers from the spec alone: the entry for the status, its example or generated body.
    fn answer_from_spec(&self, fallback: Option<u16>, _request: Option<&Value>) -> Response<Body> {
        let (entry, media) = match self.pick(fallback) {
            Ok(picked) => picked,
            Err(r) => return *r,
        };
        let body = match media.map(|m| self.body(m)).transpose() {
            Ok(b) => b.unwrap_or(Payload::None),
            Err(r) => return *r,
        };
        let mut headers = self.documented_headers(entry, None);
        if let Payload::Json(Value::Array(items), _) = &body {
            set_header(&mut headers, "X-Total-Count", items.len().to_string());
        } else if let (Payload::Raw(_, _), Some(m)) = (&body, media)
            && let Some(Value::Array(items)) = &m.default
        {
            set_header(&mut headers, "X-Total-Count", items.len().to_string());
        }
        // `Prefer: code=404` answered by a `4XX` or `default` entry is still a 404.
        let status = match (self.prefer.code, entry.status) {
            (Some(c), StatusSpec::Range(_) | StatusSpec::Default) if c >= 200 => c,
            _ => entry.code(500),
        };
        self.write(Answer {
            status,
            headers,
            body,
        })
    }

    async fn stateful(
        &self,
        request: Option<&Value>,
        upload: Option<&upload::Outcome>,
        values: &[String],
    ) -> Response<Body> {
        if let Some(outcome) = upload {
            return self.after_upload(outcome);
        }
        if self.op.downloads && !self.prefer.dynamic {
            let key = upload::key(self.op, values);
            if let Some(r) = self.mock.blobs.download(self, &key).await {
                return r;
            }
        }
        if self.op.reports_offset {
            let key = upload::key(self.op, values);
            return match self.mock.blobs.offset(&key) {
                Some((offset, length)) => {
                    let mut r = self.answer_from_spec(None, request);
                    let h = r.headers_mut();
                    if let Ok(v) = offset.to_string().parse() {
                        h.insert("upload-offset", v);
                    }
                    if let Some(Ok(v)) = length.map(|l| l.to_string().parse()) {
                        h.insert("upload-length", v);
                    }
                    r
                }
                None => self.not_found(),
            };
        }
        let Some(role) = self.op.role.clone() else {
            return self.answer_from_spec(None, request);
        };
        match role {
            Role::Create { id_field, .. } => self.create(request, id_field.as_deref()),
            Role::List { .. } => self.list(),
            Role::Item {
                action,
                segments,
                id_field,
            } => self.item(action, segments, id_field.as_deref(), request),
        }
    }

    fn create(&self, request: Option<&Value>, id_field: Option<&str>) -> Response<Body> {
        let (entry, media) = match self.pick(None) {
            Ok(picked) => picked,
            Err(r) => return *r,
        };
        if let Some(m) = media
            && m.default.is_none()
            && let Err(r) = self.body(m)
        {
            return *r;
        }
        let mut store = self.mock.store();
        if store.total() >= state::MAX_RECORDS {
            drop(store);
            return self.problem(Problem::new(
                507,
                "storage-full",
                "Insufficient Storage",
                format!(
                    "the mock keeps at most {} records; reset it (POST /__kontrakt/reset)",
                    state::MAX_RECORDS
                ),
            ));
        }
        let seq = store.next_seq();
        let mut body = media.and_then(|m| m.default.clone());
        if let (Some(b), Some(m), Some(req)) = (&mut body, media, request) {
            *b = overlay(b, req, m.validator.as_deref());
        }
        // A fresh id, valid for the id field's schema.
        let id = match (id_field, &mut body, media) {
            (Some(field), Some(b), Some(m)) => {
                fresh_id(b, field, seq, m.validator.as_deref(), self.mock.app.seed)
            }
            _ => None,
        }
        .unwrap_or_else(|| uuid_from(self.mock.app.seed, seq));
        let mut record = match request {
            Some(Value::Object(m)) => Value::Object(m.clone()),
            _ => Value::Object(Map::new()),
        };
        if let (Value::Object(r), Some(Value::Object(b))) = (&mut record, &body) {
            for (k, v) in b {
                r.insert(k.clone(), v.clone());
            }
        }
        if let (Some(field), Value::Object(r)) = (id_field, &mut record) {
            r.entry(field.to_string())
                .or_insert_with(|| Value::String(id.clone()));
        }
        let collection = self.path.trim_end_matches('/').to_string();
        store.insert(&collection, &id, record);
        let etag = store.get(&collection, &id).map(|r| r.etag(&id));
        drop(store);
        let mut headers = self.documented_headers(entry, None);
        let encoded = percent_encoding::utf8_percent_encode(&id, PATH_SEGMENT).to_string();
        set_header(&mut headers, "Location", format!("{collection}/{encoded}"));
        if let Some(etag) = etag
            && headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("etag"))
        {
            set_header(&mut headers, "ETag", etag);
        }
        self.write(Answer {
            status: entry.code(201),
            headers,
            body: match (body, media) {
                (Some(b), Some(m)) => Payload::Json(b, m.name.clone()),
                _ => Payload::None,
            },
        })
    }

    fn list(&self) -> Response<Body> {
        let (entry, media) = match self.pick(None) {
            Ok(picked) => picked,
            Err(r) => return *r,
        };
        let Some(media) = media.filter(|m| m.list.is_some()) else {
            return self.answer_from_spec(None, None);
        };
        let list = media.list.as_ref().expect("filtered above");
        let pairs = params::query_pairs(self.query);
        let number = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .and_then(|(_, v)| v.parse::<usize>().ok())
        };
        let declared = |name: &str| {
            self.op
                .params
                .iter()
                .any(|p| p.location == ParamIn::Query && p.name == name)
        };
        let page = if declared("page") {
            number("page").unwrap_or(0)
        } else {
            0
        };
        let size = if declared("size") {
            number("size").unwrap_or(20).max(1)
        } else {
            usize::MAX
        };
        // Query parameters named like an item field filter the list by equality.
        let filters: Vec<(&str, &str)> = pairs
            .iter()
            .filter(|(k, _)| {
                !matches!(k.as_str(), "page" | "size" | "sort" | "direction")
                    && declared(k)
                    && list.item_default.get(k.as_str()).is_some()
            })
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let collection = self.path.trim_end_matches('/').to_string();
        let store = self.mock.store();
        let matching: Vec<Value> = store
            .list(&collection)
            .into_iter()
            .filter(|(_, r)| {
                filters.iter().all(|(k, v)| {
                    r.value.get(*k).is_some_and(|x| match x {
                        Value::String(s) => s == v,
                        other => v.parse::<Value>().is_ok_and(|p| p == *other),
                    })
                })
            })
            .map(|(_, r)| r.value.clone())
            .collect();
        drop(store);
        let total = matching.len();
        let start = page.saturating_mul(size).min(total);
        let end = start.saturating_add(size).min(total);
        let items: Vec<Value> = matching[start..end]
            .iter()
            .map(|r| overlay(&list.item_default, r, list.item_validator.as_deref()))
            .collect();
        let body = match &list.property {
            None => Value::Array(items),
            Some(p) => match media.default.clone() {
                Some(Value::Object(mut b)) => {
                    b.insert(p.clone(), Value::Array(items));
                    Value::Object(b)
                }
                // A nullable list wrapper whose default is null: nothing to fill in.
                _ => return self.answer_from_spec(None, None),
            },
        };
        let mut headers = self.documented_headers(entry, None);
        set_header(&mut headers, "X-Total-Count", total.to_string());
        if end < total && size != usize::MAX {
            // Only the operation's own parameters are carried over: anything else in the query
            // (an apiKey, say) must not be echoed into a header.
            let mut next: Vec<(String, String)> = pairs
                .iter()
                .filter(|(k, _)| k != "page" && k != "size" && declared(k))
                .cloned()
                .collect();
            next.push(("page".into(), (page + 1).to_string()));
            next.push(("size".into(), size.to_string()));
            let q = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(next)
                .finish();
            set_header(
                &mut headers,
                "Link",
                format!("<{}?{q}>; rel=\"next\"", self.path),
            );
        }
        let valid = media.validator.as_ref().is_none_or(|v| v.is_valid(&body));
        if !valid {
            // The stored items do not fit the list schema (a maxItems, say): answer from the
            // spec rather than break the contract.
            return self.answer_from_spec(None, None);
        }
        self.write(Answer {
            status: entry.code(200),
            headers,
            body: Payload::Json(body, media.name.clone()),
        })
    }

    fn item(
        &self,
        action: ItemAction,
        segments: usize,
        id_field: Option<&str>,
        request: Option<&Value>,
    ) -> Response<Body> {
        let collection = state::collection_of(self.path, segments);
        let Some(id) = state::item_id_of(self.path, segments) else {
            return self.not_found();
        };
        let mut store = self.mock.store();
        let Some(current) = store.get(&collection, &id).cloned() else {
            drop(store);
            // A 404 the spec does not document would be the mock breaking its own contract:
            // such an operation answers from the spec, as a stateless mock does.
            if self.op.response_for(404).is_none() {
                return self.answer_from_spec(None, request);
            }
            return self.not_found();
        };
        let etag = current.etag(&id);
        if let Some(if_match) = header(self.headers, "if-match")
            && matches!(
                action,
                ItemAction::Replace | ItemAction::Merge | ItemAction::Remove
            )
            && if_match.trim() != "*"
            && !if_match.split(',').any(|t| t.trim() == etag)
        {
            drop(store);
            return self.problem(Problem::new(
                412,
                "precondition-failed",
                "Precondition Failed",
                format!("If-Match does not match the current ETag {etag}"),
            ));
        }
        let record = match action {
            ItemAction::Read | ItemAction::Other => current.value.clone(),
            ItemAction::Replace => {
                let mut v = request.cloned().unwrap_or(Value::Object(Map::new()));
                if let (Some(f), Value::Object(m)) = (id_field, &mut v)
                    && let Some(old) = current.value.get(f)
                {
                    m.insert(f.to_string(), old.clone());
                }
                store.replace(&collection, &id, v.clone());
                v
            }
            ItemAction::Merge => {
                if let Some(patch) = request {
                    let mut patch = patch.clone();
                    if let (Some(f), Value::Object(m)) = (id_field, &mut patch) {
                        m.shift_remove(f);
                    }
                    store.merge(&collection, &id, &patch);
                }
                store
                    .get(&collection, &id)
                    .map(|r| r.value.clone())
                    .unwrap_or_default()
            }
            ItemAction::Remove => {
                store.remove(&collection, &id);
                current.value.clone()
            }
        };
        let new_etag = store.get(&collection, &id).map(|r| r.etag(&id));
        drop(store);
        if action == ItemAction::Read
            && let Some(inm) = header(self.headers, "if-none-match")
            && inm.split(',').any(|t| t.trim() == etag || t.trim() == "*")
        {
            return http::response(304, &[("ETag".into(), etag)], Body::empty());
        }
        if action == ItemAction::Other {
            return self.answer_from_spec(None, request);
        }
        let (entry, media) = match self.pick(None) {
            Ok(picked) => picked,
            Err(r) => return *r,
        };
        let mut headers = self.documented_headers(entry, None);
        if let Some(etag) = new_etag
            && headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("etag"))
        {
            set_header(&mut headers, "ETag", etag);
        }
        let body = match media {
            Some(m) if m.kind != BodyKind::Binary => match &m.default {
                Some(base) => Payload::Json(
                    overlay(base, &record, m.validator.as_deref()),
                    m.name.clone(),
                ),
                None => match self.body(m) {
                    Ok(b) => b,
                    Err(r) => return *r,
                },
            },
            Some(m) => match self.body(m) {
                Ok(b) => b,
                Err(r) => return *r,
            },
            None => Payload::None,
        };
        self.write(Answer {
            status: entry.code(200),
            headers,
            body,
        })
    }

    fn after_upload(&self, outcome: &upload::Outcome) -> Response<Body> {
        let (entry, media) = match self.pick(None) {
            Ok(picked) => picked,
            Err(r) => return *r,
        };
        let mut headers = self.documented_headers(entry, None);
        for (name, value) in &outcome.headers {
            set_header(&mut headers, name, value.clone());
        }
        let body = match media {
            Some(m) => match self.body(m) {
                Ok(b) => b,
                Err(r) => return *r,
            },
            None => Payload::None,
        };
        self.write(Answer {
            status: entry.code(200),
            headers,
            body,
        })
    }

    fn write(&self, answer: Answer) -> Response<Body> {
        let mut headers = answer.headers;
        let body = match answer.body {
            Payload::None => Bytes::new(),
            Payload::Json(v, media) => {
                headers.push(("Content-Type".into(), media));
                Bytes::from(serde_json::to_vec(&v).unwrap_or_default())
            }
            Payload::Raw(b, media) => {
                headers.push(("Content-Type".into(), media));
                b
            }
        };
        if self.head {
            headers.push(("Content-Length".into(), body.len().to_string()));
            return http::response(answer.status, &headers, Body::empty());
        }
        http::response(answer.status, &headers, Body::bytes(body))
    }
}

/// Replaces or adds a header, matching names case-insensitively.
fn set_header(headers: &mut Vec<(String, String)>, name: &str, value: String) {
    headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    headers.push((name.to_string(), value));
}

/// `base` with each of `record`'s top-level fields that keeps it valid.
pub fn overlay(base: &Value, record: &Value, validator: Option<&jsonschema::Validator>) -> Value {
    let (Value::Object(b), Value::Object(r)) = (base, record) else {
        return base.clone();
    };
    let mut all = b.clone();
    for (k, v) in r {
        all.insert(k.clone(), v.clone());
    }
    let all = Value::Object(all);
    let Some(validator) = validator else {
        return all;
    };
    if validator.is_valid(&all) {
        return all;
    }
    let mut out = Value::Object(b.clone());
    for (k, v) in r {
        let old = out[k.as_str()].take();
        out[k.as_str()] = v.clone();
        if !validator.is_valid(&out) {
            if old.is_null() && !b.contains_key(k) {
                if let Value::Object(m) = &mut out {
                    m.shift_remove(k);
                }
            } else {
                out[k.as_str()] = old;
            }
        }
    }
    out
}

/// Sets a new, valid id in `body[field]`, returning its text.
fn fresh_id(
    body: &mut Value,
    field: &str,
    seq: u64,
    validator: Option<&jsonschema::Validator>,
    seed: u64,
) -> Option<String> {
    let current = body.get(field)?.clone();
    let candidates = [
        Value::String(uuid_from(seed, seq)),
        Value::from(seq),
        Value::String(format!("{seq}")),
        match &current {
            Value::String(s) => Value::String(format!("{s}-{seq}")),
            other => other.clone(),
        },
    ];
    for candidate in candidates {
        let mut trial = body.clone();
        trial[field] = candidate.clone();
        if validator.is_none_or(|v| v.is_valid(&trial)) {
            *body = trial;
            return state::id_text(&candidate);
        }
    }
    state::id_text(&current)
}

/// A version-4-shaped UUID derived from the seed and a sequence number (reproducible per run).
pub fn uuid_from(seed: u64, seq: u64) -> String {
    use sha2::{Digest, Sha256};
    let d = Sha256::new()
        .chain_update(seed.to_le_bytes())
        .chain_update(seq.to_le_bytes())
        .finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}
