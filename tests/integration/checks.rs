//! The checks: every check against fixture exchanges that fire and that do not, the registry
//! itself, redaction of every secret kontrakt may show, `curl` reproduction, and the bundled
//! specs served by the mock raising nothing.

use std::path::PathBuf;
use std::time::Duration;

use kontrakt::check::reproduce::{curl, show_request, show_response};
use kontrakt::check::{CHECKS, CheckContext, CheckOptions, Finding, by_id};
use kontrakt::exchange::{Exchange, Outcome, Request, Response};
use kontrakt::generate::case::{
    BodyContent, Case, CaseBody, Constraint, Phase, Probe as P, Violation,
};
use kontrakt::redact::Redactor;
use kontrakt::spec::{Model, Spec, Validators};

use crate::support::{temp_dir, write};

const SPEC: &str = r#"
openapi: 3.0.3
info: {title: Sager, version: 1.0.0}
servers: [{url: 'https://api.example/sager/v1'}]
security: [{bearer: []}]
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
    oauth2:
      type: oauth2
      flows:
        clientCredentials:
          tokenUrl: https://api.example/sager/v1/oauth2/token
          scopes: {}
  schemas:
    Sag:
      type: object
      required: [id, navn, frister]
      properties:
        id: {type: string, format: uuid}
        navn: {type: string, maxLength: 40, nullable: true}
        frister:
          type: array
          items:
            type: object
            required: [dato]
            properties:
              dato: {type: string, format: date}
    Problem:
      type: object
      required: [status]
      properties:
        status: {type: integer}
paths:
  /sager:
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Sag'}
      responses:
        '201':
          description: Oprettet
          headers:
            Location: {required: true, schema: {type: string}}
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Sag'}
        '400':
          description: Fejl
          content:
            application/problem+json:
              schema: {$ref: '#/components/schemas/Problem'}
  /sager/{sagId}:
    parameters:
      - {name: sagId, in: path, required: true, schema: {type: string, format: uuid}}
    get:
      responses:
        '200':
          description: Sagen
          headers:
            ETag: {required: true, schema: {type: string}}
            X-Total-Count: {schema: {type: integer, minimum: 0}}
            X-Tags: {schema: {type: array, items: {type: integer}}}
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Sag'}
            text/plain; charset=utf-8:
              schema: {type: string, maxLength: 5}
        '204': {description: Intet}
        4XX:
          description: Fejl
          content:
            application/*+json:
              schema: {$ref: '#/components/schemas/Problem'}
  /offentlig:
    get:
      security: [{}, {bearer: []}]
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: object}}}}
  /dokumenter/{id}:
    get:
      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
      responses:
        '200': {description: PDF, content: {application/pdf: {schema: {type: string, format: binary}}}}
        default: {description: Fejl}
  /oauth2/token:
    post:
      security: []
      responses:
        '200': {description: token}
        '400': {description: fejl}
"#;

const SAG_ID: &str = "6c1e3b9e-8a57-4c1e-9d0f-1d2a3b4c5d6e";
const VALID_SAG: &str = r#"{"id":"6c1e3b9e-8a57-4c1e-9d0f-1d2a3b4c5d6e","navn":null,"frister":[{"dato":"2025-02-01"}]}"#;

struct Loaded {
    spec: Spec,
    model: Model,
    validators: Validators,
    _dir: tempfile::TempDir,
}

fn loaded() -> Loaded {
    let dir = temp_dir();
    let path = write(dir.path(), "sager.yaml", SPEC);
    let spec = kontrakt::spec::load(&path).expect("fixture spec loads");
    let model = kontrakt::spec::model::build(&spec);
    let validators = Validators::new(&spec, &model).expect("validators");
    Loaded {
        spec,
        model,
        validators,
        _dir: dir,
    }
}

/// One exchange for one check, and the messages it must produce (none: it must stay quiet).
struct Fixture {
    check: &'static str,
    name: &'static str,
    op: &'static str,
    exchange: Exchange,
    options: CheckOptions,
    expect: Vec<&'static str>,
}

/// Builds exchanges tersely.
struct X {
    case: Case,
    request: Request,
    outcome: Outcome,
}

fn x(phase: Phase, method: &str, path: &str) -> X {
    X {
        case: Case::new(0, phase, 7, "example \"fuld\""),
        request: Request {
            method: method.into(),
            url: format!("https://api.example/sager/v1{path}"),
            headers: vec![("Authorization".into(), "Bearer t0ken".into())],
            body: Vec::new(),
        },
        outcome: Outcome::Response(Response {
            status: 200,
            headers: Vec::new(),
            body: Vec::new(),
            truncated: false,
            elapsed: Duration::from_millis(5),
        }),
    }
}

impl X {
    fn resp(&mut self) -> &mut Response {
        match &mut self.outcome {
            Outcome::Response(r) => r,
            Outcome::Transport(_) => panic!("no response"),
        }
    }
    fn status(mut self, status: u16) -> X {
        self.resp().status = status;
        self
    }
    fn header(mut self, name: &str, value: &str) -> X {
        self.resp().headers.push((name.into(), value.into()));
        self
    }
    fn body(mut self, content_type: &str, body: &str) -> X {
        self.resp()
            .headers
            .push(("Content-Type".into(), content_type.into()));
        self.resp().body = body.as_bytes().to_vec();
        self
    }
    fn raw_body(mut self, body: &[u8]) -> X {
        self.resp().body = body.to_vec();
        self
    }
    fn elapsed(mut self, ms: u64) -> X {
        self.resp().elapsed = Duration::from_millis(ms);
        self
    }
    fn truncated(mut self) -> X {
        self.resp().truncated = true;
        self
    }
    fn transport(mut self, cause: &str) -> X {
        self.outcome = Outcome::Transport(cause.into());
        self
    }
    fn request_header(mut self, name: &str, value: &str) -> X {
        self.request.headers.push((name.into(), value.into()));
        self
    }
    fn without_credentials(mut self) -> X {
        self.request.headers.clear();
        self
    }
    fn label(mut self, label: &str) -> X {
        self.case.label = label.into();
        self
    }
    fn violation(mut self, constraint: Constraint, location: &str, detail: &str) -> X {
        self.case.violation = Some(Violation {
            constraint,
            location: location.into(),
            detail: detail.into(),
        });
        self
    }
    fn probe(mut self, probe: P) -> X {
        if let P::UndeclaredMethod(m) = &probe {
            self.request.method = m.clone();
            self.case.method = Some(m.clone());
        }
        self.case.probe = Some(probe);
        self
    }
    fn done(self) -> Exchange {
        Exchange {
            case: self.case,
            request: self.request,
            outcome: self.outcome,
        }
    }
}

fn fixture(
    check: &'static str,
    name: &'static str,
    op: &'static str,
    exchange: X,
    expect: &[&'static str],
) -> Fixture {
    Fixture {
        check,
        name,
        op,
        exchange: exchange.done(),
        options: CheckOptions::default(),
        expect: expect.to_vec(),
    }
}

fn fixtures() -> Vec<Fixture> {
    use Phase::*;
    let get = |path: &str| x(Examples, "GET", path);
    let sag = format!("/sager/{SAG_ID}");
    let sag = sag.as_str();
    let post = || x(Examples, "POST", "/sager");
    let json = "application/json";
    let mut out = vec![
        // not-a-server-error
        fixture("not-a-server-error", "500", "GET /sager/{sagId}",
            get(sag).status(500).body("text/plain", "boom"),
            &["status 500 from GET /sager/{sagId}"]),
        fixture("not-a-server-error", "dropped connection", "GET /sager/{sagId}",
            get(sag).transport("connection reset by peer"),
            &["no response from GET /sager/{sagId}: connection reset by peer"]),
        fixture("not-a-server-error", "503 with Retry-After is a rate limit", "GET /sager/{sagId}",
            get(sag).status(503).header("Retry-After", "3"), &[]),
        fixture("not-a-server-error", "probes are judged by their own checks", "GET /sager/{sagId}",
            x(Probe, "GET", sag).probe(P::UndeclaredMethod("DELETE".into())).status(500), &[]),
        fixture("not-a-server-error", "404", "GET /sager/{sagId}", get(sag).status(404), &[]),
        // status-code-documented
        fixture("status-code-documented", "409 not documented", "POST /sager",
            post().status(409),
            &["status 409 from POST /sager is not documented (documented: 201, 400)"]),
        fixture("status-code-documented", "negative case refused with an undocumented 422", "POST /sager",
            x(Negative, "POST", "/sager").violation(Constraint::MissingRequired, "body /navn", "required").status(422),
            &["status 422 from POST /sager is not documented (documented: 201, 400)"]),
        fixture("status-code-documented", "range 4XX covers 418", "GET /sager/{sagId}",
            get(sag).status(418), &[]),
        fixture("status-code-documented", "default covers 500", "GET /dokumenter/{id}",
            get("/dokumenter/1").status(500), &[]),
        fixture("status-code-documented", "401 from a secured operation", "POST /sager",
            post().status(401), &[]),
        fixture("status-code-documented", "401 from an open operation", "POST /oauth2/token",
            x(Examples, "POST", "/oauth2/token").status(401),
            &["status 401 from POST /oauth2/token is not documented (documented: 200, 400)"]),
        fixture("status-code-documented", "429", "POST /sager", post().status(429), &[]),
        fixture("status-code-documented", "415 for a wrong content type", "POST /sager",
            x(Negative, "POST", "/sager")
                .violation(Constraint::WrongContentType, "content-type", "sent text/plain")
                .request_header("Content-Type", "text/plain").status(415), &[]),
        fixture("status-code-documented", "406 for an Accept nothing satisfies", "POST /sager",
            post().request_header("Accept", "text/csv").status(406), &[]),
        fixture("status-code-documented", "406 for an Accept the spec satisfies", "POST /sager",
            post().request_header("Accept", "application/json;q=0.9").status(406),
            &["status 406 from POST /sager is not documented (documented: 201, 400)"]),
        fixture("status-code-documented", "probe", "POST /sager",
            x(Probe, "PATCH", "/sager").probe(P::UndeclaredMethod("PATCH".into())).status(405), &[]),
        // content-type-documented
        fixture("content-type-documented", "text/html", "GET /sager/{sagId}",
            get(sag).header("ETag", "\"1\"").body("text/html", "<p>hej</p>"),
            &["Content-Type text/html from GET /sager/{sagId} is not documented for status 200 (documented: application/json, text/plain; charset=utf-8)"]),
        fixture("content-type-documented", "+json is not json", "POST /sager",
            post().status(201).header("Location", "/sager/1").body("application/problem+json", VALID_SAG),
            &["Content-Type application/problem+json from POST /sager is not documented for status 201 (documented: application/json)"]),
        fixture("content-type-documented", "body without Content-Type", "GET /sager/{sagId}",
            get(sag).raw_body(b"{}"),
            &["no Content-Type on a 2-byte body from GET /sager/{sagId} (status 200; documented: application/json, text/plain; charset=utf-8)"]),
        fixture("content-type-documented", "not a media type", "GET /sager/{sagId}",
            get(sag).body("json", "{}"),
            &["Content-Type `json` from GET /sager/{sagId} is not a media type (status 200)"]),
        fixture("content-type-documented", "documented charset differs", "GET /sager/{sagId}",
            get(sag).body("text/plain; charset=latin1", "hej"),
            &["Content-Type text/plain; charset=latin1 from GET /sager/{sagId} is not documented for status 200 (documented: application/json, text/plain; charset=utf-8)"]),
        fixture("content-type-documented", "parameters on the response", "GET /sager/{sagId}",
            get(sag).body("application/json; charset=utf-8", VALID_SAG), &[]),
        fixture("content-type-documented", "charset case and default", "GET /sager/{sagId}",
            get(sag).body("Text/Plain;charset=UTF-8", "hej"), &[]),
        fixture("content-type-documented", "range with suffix", "GET /sager/{sagId}",
            get(sag).status(404).body("application/problem+json", r#"{"status":404}"#), &[]),
        fixture("content-type-documented", "204 without body", "GET /sager/{sagId}",
            get(sag).status(204), &[]),
        fixture("content-type-documented", "empty body without Content-Type", "GET /sager/{sagId}",
            get(sag), &[]),
        // response-schema-conforms
        fixture("response-schema-conforms", "date in the wrong format", "GET /sager/{sagId}",
            get(sag).body(json, r#"{"id":"6c1e3b9e-8a57-4c1e-9d0f-1d2a3b4c5d6e","navn":"A","frister":[{"dato":"01-02-2025"}]}"#),
            &["body does not match schema at /frister/0/dato: \"01-02-2025\" is not a \"date\""]),
        fixture("response-schema-conforms", "several violations", "POST /sager",
            post().status(201).body(json, r#"{"id":"x","navn":7}"#),
            &["body does not match schema at /: \"frister\" is a required property (and 2 more)"]),
        fixture("response-schema-conforms", "valid, with a 3.0 nullable", "GET /sager/{sagId}",
            get(sag).body(json, VALID_SAG), &[]),
        fixture("response-schema-conforms", "not JSON", "GET /sager/{sagId}",
            get(sag).body(json, "{"),
            &["body is not valid JSON (application/json): EOF while parsing an object at line 1 column 1"]),
        fixture("response-schema-conforms", "empty body", "GET /sager/{sagId}",
            get(sag).body(json, ""),
            &["empty body where status 200 documents application/json content"]),
        fixture("response-schema-conforms", "text too long", "GET /sager/{sagId}",
            get(sag).body("text/plain", "for lang"),
            &["body does not match schema at /: \"for lang\" is longer than 5 characters"]),
        fixture("response-schema-conforms", "HEAD has no body", "GET /sager/{sagId}",
            x(Examples, "HEAD", sag).header("Content-Type", json), &[]),
        fixture("response-schema-conforms", "cut short by the runner", "GET /sager/{sagId}",
            get(sag).body(json, r#"{"id":"6c1e"#).truncated(), &[]),
        fixture("response-schema-conforms", "binary media type", "GET /dokumenter/{id}",
            get("/dokumenter/1").body("application/pdf", "%PDF-1.7"), &[]),
        fixture("response-schema-conforms", "error body in a range", "GET /sager/{sagId}",
            get(sag).status(404).body("application/problem+json", r#"{"status":"404"}"#),
            &["body does not match schema at /status: \"404\" is not of type \"integer\""]),
        // response-headers-conform
        fixture("response-headers-conform", "required header missing", "GET /sager/{sagId}",
            get(sag).body(json, VALID_SAG),
            &["required header ETag missing from status 200 of GET /sager/{sagId}"]),
        fixture("response-headers-conform", "integer below its minimum", "GET /sager/{sagId}",
            get(sag).header("etag", "\"1\"").header("X-Total-Count", "-1"),
            &["header X-Total-Count: `-1` does not match its schema: -1 is less than the minimum of 0"]),
        fixture("response-headers-conform", "integer that is not a number", "GET /sager/{sagId}",
            get(sag).header("ETag", "\"1\"").header("x-total-count", "mange"),
            &["header X-Total-Count: `mange` does not match its schema: \"mange\" is not of type \"integer\""]),
        fixture("response-headers-conform", "array item of the wrong type", "GET /sager/{sagId}",
            get(sag).header("ETag", "\"1\"").header("X-Tags", "1,x"),
            &["header X-Tags: `1,x` does not match its schema: \"x\" is not of type \"integer\""]),
        fixture("response-headers-conform", "all valid", "GET /sager/{sagId}",
            get(sag).header("ETag", "\"1\"").header("X-Total-Count", "42").header("X-Tags", "1, 2"), &[]),
        fixture("response-headers-conform", "Location missing from 201", "POST /sager",
            post().status(201).body(json, VALID_SAG),
            &["required header Location missing from status 201 of POST /sager"]),
        fixture("response-headers-conform", "rate limit", "GET /sager/{sagId}",
            get(sag).status(429), &[]),
        // negative-data-rejected
        fixture("negative-data-rejected", "too long accepted", "POST /sager",
            x(Negative, "POST", "/sager")
                .violation(Constraint::TooLong, "body /navn", "maxLength 40, sent 41 characters")
                .status(201),
            &["invalid request to POST /sager accepted with status 201: too-long at body /navn (maxLength 40, sent 41 characters)"]),
        fixture("negative-data-rejected", "refused", "POST /sager",
            x(Negative, "POST", "/sager").violation(Constraint::TooLong, "body /navn", "").status(400), &[]),
        fixture("negative-data-rejected", "unknown query parameter ignored", "GET /sager/{sagId}",
            x(Negative, "GET", sag).violation(Constraint::ExtraProperty, "query ekstra", "not declared"), &[]),
        fixture("negative-data-rejected", "positive case", "POST /sager", post().status(201), &[]),
        fixture("negative-data-rejected", "rate limit", "POST /sager",
            x(Negative, "POST", "/sager").violation(Constraint::TooLong, "body /navn", "").status(429), &[]),
        // positive-data-accepted
        fixture("positive-data-accepted", "valid body refused", "POST /sager",
            x(Boundary, "POST", "/sager").label("maxLength of navn").status(400)
                .body("application/problem+json", r#"{"status":400,"detail":"navn er for langt"}"#),
            &["valid request to POST /sager refused with status 400 (boundary: maxLength of navn)"]),
        fixture("positive-data-accepted", "not found", "GET /sager/{sagId}", get(sag).status(404), &[]),
        fixture("positive-data-accepted", "token endpoint", "POST /oauth2/token",
            x(Examples, "POST", "/oauth2/token").status(400), &[]),
        fixture("positive-data-accepted", "negative case", "POST /sager",
            x(Negative, "POST", "/sager").status(400), &[]),
        // auth-enforced
        fixture("auth-enforced", "no credentials accepted", "GET /sager/{sagId}",
            x(Probe, "GET", sag).probe(P::NoCredentials).without_credentials(),
            &["request without credentials to GET /sager/{sagId} answered 200, expected 401 or 403"]),
        fixture("auth-enforced", "invalid credentials accepted", "POST /sager",
            x(Probe, "POST", "/sager").probe(P::InvalidCredentials).status(201),
            &["request with invalid credentials to POST /sager answered 201, expected 401 or 403"]),
        fixture("auth-enforced", "a crash is not a refusal", "POST /sager",
            x(Probe, "POST", "/sager").probe(P::NoCredentials).without_credentials().status(500),
            &["request without credentials to POST /sager answered 500, expected 401 or 403"]),
        fixture("auth-enforced", "401", "POST /sager",
            x(Probe, "POST", "/sager").probe(P::NoCredentials).status(401), &[]),
        fixture("auth-enforced", "403", "POST /sager",
            x(Probe, "POST", "/sager").probe(P::InvalidCredentials).status(403), &[]),
        fixture("auth-enforced", "optional authentication", "GET /offentlig",
            x(Probe, "GET", "/offentlig").probe(P::NoCredentials), &[]),
        fixture("auth-enforced", "unknown resource", "GET /sager/{sagId}",
            x(Probe, "GET", sag).probe(P::NoCredentials).status(404), &[]),
        fixture("auth-enforced", "ordinary case", "GET /sager/{sagId}", get(sag), &[]),
        // unsupported-method
        fixture("unsupported-method", "accepted", "GET /sager/{sagId}",
            x(Probe, "GET", sag).probe(P::UndeclaredMethod("DELETE".into())),
            &["undeclared method DELETE on /sager/{sagId} answered 200, expected 405"]),
        fixture("unsupported-method", "crashed", "GET /sager/{sagId}",
            x(Probe, "GET", sag).probe(P::UndeclaredMethod("PUT".into())).status(500),
            &["undeclared method PUT on /sager/{sagId} answered 500, expected 405"]),
        fixture("unsupported-method", "405 without Allow", "GET /sager/{sagId}",
            x(Probe, "GET", sag).probe(P::UndeclaredMethod("DELETE".into())).status(405),
            &["405 for undeclared method DELETE on /sager/{sagId} has no Allow header"]),
        fixture("unsupported-method", "no response", "POST /sager",
            x(Probe, "POST", "/sager").probe(P::UndeclaredMethod("PATCH".into())).transport("connection closed"),
            &["no response to undeclared method PATCH on /sager: connection closed"]),
        fixture("unsupported-method", "405 with Allow", "GET /sager/{sagId}",
            x(Probe, "GET", sag).probe(P::UndeclaredMethod("DELETE".into())).status(405).header("Allow", "GET"), &[]),
        fixture("unsupported-method", "404", "GET /sager/{sagId}",
            x(Probe, "GET", sag).probe(P::UndeclaredMethod("DELETE".into())).status(404), &[]),
        fixture("unsupported-method", "501", "GET /sager/{sagId}",
            x(Probe, "GET", sag).probe(P::UndeclaredMethod("TRACE".into())).status(501), &[]),
        fixture("unsupported-method", "HEAD where GET is declared", "GET /sager/{sagId}",
            x(Probe, "GET", sag).probe(P::UndeclaredMethod("HEAD".into())), &[]),
        fixture("unsupported-method", "authentication before dispatch", "POST /sager",
            x(Probe, "POST", "/sager").probe(P::UndeclaredMethod("PUT".into())).status(401), &[]),
        fixture("unsupported-method", "400 misstates the reason", "POST /oauth2/token",
            x(Probe, "POST", "/oauth2/token").probe(P::UndeclaredMethod("PUT".into())).status(400),
            &["undeclared method PUT on /oauth2/token answered 400, expected 405"]),
        // response-time
        fixture("response-time", "over the limit", "GET /sager/{sagId}",
            get(sag).elapsed(2300),
            &["response from GET /sager/{sagId} took 2.300 s, over the 500 ms limit"]),
        fixture("response-time", "within the limit", "GET /sager/{sagId}", get(sag).elapsed(499), &[]),
        fixture("response-time", "no limit set", "GET /sager/{sagId}", get(sag).elapsed(60_000), &[]),
    ];
    for f in &mut out {
        if f.check == "response-time" && f.name != "no limit set" {
            f.options.max_response_time = Some(Duration::from_millis(500));
        }
    }
    out
}

fn judge(l: &Loaded, f: &Fixture) -> Vec<Finding> {
    let op = l
        .model
        .operations
        .iter()
        .find(|o| o.key() == f.op)
        .unwrap_or_else(|| panic!("no operation {}", f.op));
    let ctx = CheckContext {
        spec: &l.spec,
        model: &l.model,
        op,
        validators: &l.validators,
        options: &f.options,
    };
    let check = by_id(f.check).unwrap_or_else(|| panic!("no check {}", f.check));
    (check.judge)(&ctx, &f.exchange)
}

#[test]
fn every_check_fires_on_its_fixtures_and_stays_quiet_on_the_others() {
    let l = loaded();
    let mut failures = Vec::new();
    for f in fixtures() {
        let found = judge(&l, &f);
        let messages: Vec<&str> = found.iter().map(|x| x.message.as_str()).collect();
        if messages != f.expect {
            failures.push(format!(
                "{} / {}:\n  expected {:?}\n  got      {:?}",
                f.check, f.name, f.expect, messages
            ));
        }
        for finding in &found {
            assert_eq!(finding.check, f.check);
            assert!(!finding.message.contains('\n'), "{}", finding.message);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn findings_carry_detail_and_location() {
    let l = loaded();
    let all = fixtures();
    let find = |check: &str, name: &str| {
        let f = all
            .iter()
            .find(|f| f.check == check && f.name == name)
            .unwrap();
        judge(&l, f).remove(0)
    };
    let schema = find("response-schema-conforms", "several violations");
    assert_eq!(
        schema.detail.as_deref(),
        Some(
            "- at / (required): \"frister\" is a required property\n\
             - at /id (format): \"x\" is not a \"uuid\"\n\
             - at /navn (type): 7 is not of types \"null\", \"string\""
        )
    );
    let at = schema.location.unwrap();
    assert_eq!(at.ptr, "/components/schemas/Sag", "the $ref's target");
    assert_eq!(l.spec.position(&at).line, 16);

    let refused = find("positive-data-accepted", "valid body refused");
    assert_eq!(
        refused.detail.as_deref(),
        Some(r#"the server said: {"status":400,"detail":"navn er for langt"}"#)
    );
    let status = find("status-code-documented", "409 not documented");
    assert_eq!(
        status.location.unwrap().ptr,
        "/paths/~1sager/post/responses"
    );
    let header = find("response-headers-conform", "required header missing");
    assert_eq!(
        header.location.unwrap().ptr,
        "/paths/~1sager~1{sagId}/get/responses/200/headers/ETag"
    );
}

#[test]
fn registry_ids_docs_and_fixtures() {
    let all = fixtures();
    let mut seen = std::collections::HashSet::new();
    for c in CHECKS {
        assert!(seen.insert(c.id), "duplicate id {}", c.id);
        assert!(
            c.id.split('-')
                .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase())),
            "{} is not kebab-case",
            c.id
        );
        assert!(std::ptr::eq(by_id(c.id).unwrap(), *c));
        assert!(!c.title.is_empty() && !c.title.contains('\n'), "{}", c.id);
        let mut rest = c.doc;
        for section in [
            "## What it detects\n",
            "## Why it matters\n",
            "## Example\n",
            "## How to fix\n",
        ] {
            let at = rest
                .find(section)
                .unwrap_or_else(|| panic!("{}: no `{}` (in order)", c.id, section.trim()));
            rest = &rest[at + section.len()..];
            let body = rest.split("\n## ").next().unwrap_or("");
            assert!(
                body.trim().len() > 20,
                "{}: `{}` is empty",
                c.id,
                section.trim()
            );
        }
        // Chain checks judge chains, not single exchanges: their fixtures are unit tests next
        // to them and tests/integration/stateful.rs.
        if c.judge_chain.is_some() {
            continue;
        }
        let fires = all.iter().any(|f| f.check == c.id && !f.expect.is_empty());
        let quiet = all.iter().any(|f| f.check == c.id && f.expect.is_empty());
        assert!(
            fires && quiet,
            "{}: needs fixtures that fire and that do not",
            c.id
        );
    }
    assert!(
        CHECKS
            .iter()
            .filter(|c| !c.default_enabled)
            .map(|c| c.id)
            .eq(["response-time"])
    );
}

// ---------------------------------------------------------------------------------------------
// Redaction and reproduction

const TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJrbGllbnQifQ.c2lnbmF0dXJl";
const CLIENT_SECRET: &str = "hemmelig/Klient+Nøgle=42";
const ASSERTION: &str = "eyJ0eXAiOiJKV1QifQ.eyJpc3MiOiJrbGllbnQtNDIifQ.YXNzZXJ0aW9u";
const COOKIE: &str = "sessionsnøgle-9f8e7d6c";
const API_KEY: &str = "ak_live_5e4d3c2b1a";

fn redactor() -> Redactor {
    let mut r = Redactor::new();
    r.secret(TOKEN);
    r.secret(CLIENT_SECRET);
    r.secret(ASSERTION);
    r.header("X-Nøgle");
    r.query_param("nøgle");
    r
}

fn b64(s: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn pct(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Every secret in every form the tests plant.
fn planted() -> Vec<String> {
    let mut out = Vec::new();
    for s in [TOKEN, CLIENT_SECRET, ASSERTION, COOKIE, API_KEY] {
        out.push(s.to_string());
        out.push(pct(s));
        if s.len() >= 6 {
            out.push(b64(s));
        }
    }
    out.push(b64(&format!("klient-42:{CLIENT_SECRET}")));
    // A cut-off start of the token, as a truncated body would end.
    out.push(TOKEN[..20].to_string());
    out
}

fn leaky_request() -> Request {
    Request {
        method: "POST".into(),
        url: format!(
            "https://klient-42:{}@api.example/oauth2/token?nøgle={}&access_token={}&x={}&api_key={API_KEY}",
            pct(CLIENT_SECRET),
            pct(API_KEY),
            TOKEN,
            b64(TOKEN)
        ),
        headers: vec![
            ("Authorization".into(), format!("Bearer {TOKEN}")),
            (
                "Proxy-Authorization".into(),
                format!("Basic {}", b64(&format!("klient-42:{CLIENT_SECRET}"))),
            ),
            ("Cookie".into(), format!("session={COOKIE}")),
            ("X-API-Key".into(), API_KEY.into()),
            ("X-Nøgle".into(), API_KEY.into()),
            (
                "X-Echo".into(),
                format!("see {}", b64(&format!("klient-42:{CLIENT_SECRET}"))),
            ),
            (
                "Content-Type".into(),
                "application/x-www-form-urlencoded".into(),
            ),
        ],
        body: format!(
            "grant_type=client_credentials&client_secret={}&client_assertion={}&note={}",
            pct(CLIENT_SECRET),
            ASSERTION,
            pct(&format!("den er {TOKEN}"))
        )
        .into_bytes(),
    }
}

fn leaky_response() -> Response {
    Response {
        status: 200,
        headers: vec![
            ("Set-Cookie".into(), format!("session={COOKIE}; Path=/; HttpOnly")),
            ("Content-Type".into(), "application/json".into()),
        ],
        body: format!(
            r#"{{"access_token":"{TOKEN}","refresh_token":"r-{COOKIE}","echo":"{}","assertion_b64":"{}","cut":"{}"#,
            CLIENT_SECRET,
            b64(ASSERTION),
            &TOKEN[..20]
        )
        .into_bytes(),
        truncated: true,
        elapsed: Duration::from_millis(3),
    }
}

#[test]
fn no_secret_survives_any_output() {
    let r = redactor();
    let req = leaky_request();
    let resp = leaky_response();
    let outputs = [
        ("curl", curl(&req, &r)),
        ("show_request", show_request(&req, &r, 100_000)),
        ("show_response", show_response(&resp, &r, 100_000)),
        ("show_response cut", show_response(&resp, &r, 40)),
        ("redact_url", r.redact_url(&req.url)),
        (
            "redact_headers",
            format!("{:?}", r.redact_headers(&req.headers)),
        ),
        (
            "redact_text",
            r.redact_text(&String::from_utf8_lossy(&req.body)),
        ),
        (
            "redact_body of the response",
            r.redact_body(
                Some("application/json"),
                &String::from_utf8_lossy(&resp.body),
            ),
        ),
        ("debug", format!("{r:?}")),
    ];
    for (what, text) in &outputs {
        for secret in planted() {
            assert!(!text.contains(&secret), "{what} shows `{secret}`:\n{text}");
        }
    }
    let all = outputs.iter().map(|(_, t)| t.as_str()).collect::<String>();
    for placeholder in [
        "$KONTRAKT_TOKEN",
        "$KONTRAKT_CREDENTIALS",
        "$KONTRAKT_COOKIE",
        "$KONTRAKT_API_KEY",
        "$KONTRAKT_SECRET",
        "$KONTRAKT_ASSERTION",
    ] {
        assert!(all.contains(placeholder), "{placeholder} never appears");
    }
    let shown = show_request(&req, &r, 100_000);
    assert!(
        shown.contains("Authorization: Bearer $KONTRAKT_TOKEN\n"),
        "{shown}"
    );
    assert!(shown.contains("X-Nøgle: $KONTRAKT_API_KEY\n"), "{shown}");
    assert!(shown.contains("?nøgle=$KONTRAKT_API_KEY&access_token=$KONTRAKT_TOKEN&x=$KONTRAKT_SECRET&api_key=$KONTRAKT_API_KEY"), "{shown}");
}

fn request(method: &str, url: &str, headers: &[(&str, &str)], body: &[u8]) -> Request {
    Request {
        method: method.into(),
        url: url.into(),
        headers: headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
        body: body.to_vec(),
    }
}

#[test]
fn curl_commands() {
    let mut r = Redactor::new();
    r.secret("tok-123456789");
    let cases = [
        (
            "curl_get_with_query",
            request(
                "GET",
                "https://api.example/sager/v1/sager?navn=Jens%20Hansen&side=2&filter[status]=aaben",
                &[
                    ("Authorization", "Bearer tok-123456789"),
                    ("Accept", "application/json"),
                    ("Host", "api.example"),
                ],
                b"",
            ),
        ),
        (
            "curl_json_post",
            request(
                "POST",
                "https://api.example/sager/v1/sager",
                &[
                    ("Authorization", "Bearer tok-123456789"),
                    ("Content-Type", "application/json"),
                    ("Content-Length", "44"),
                    ("Idempotency-Key", "1b4e28ba-2fa1-11d2-883f-0016d3cca427"),
                ],
                r#"{"navn":"O'Brien & Søn","beloeb":1200.5}"#.as_bytes(),
            ),
        ),
        (
            "curl_form_post",
            request(
                "POST",
                "https://api.example/oauth2/token",
                &[("Content-Type", "application/x-www-form-urlencoded")],
                b"grant_type=client_credentials&client_id=klient-42&client_secret=tok-123456789&scope=sager.laes",
            ),
        ),
        (
            "curl_binary_body",
            request(
                "PUT",
                "https://api.example/dokumenter/v1/dokumenter/7/indhold",
                &[("Content-Type", "application/pdf")],
                b"%PDF-1.7\n\x00\x9f\x92\x96\n%%EOF",
            ),
        ),
        (
            "curl_multipart_with_crlf",
            request(
                "POST",
                "https://api.example/dokumenter/v1/dokumenter",
                &[("Content-Type", "multipart/form-data; boundary=xyz")],
                b"--xyz\r\nContent-Disposition: form-data; name=\"titel\"\r\n\r\n100% 'sikker'\r\n--xyz--\r\n",
            ),
        ),
        (
            "curl_hostile_header_values",
            request(
                "DELETE",
                "https://api.example/sager/v1/sager/1",
                &[
                    ("X-Quote", "it's \"quoted\""),
                    ("X-Dollar", "$HOME $(rm -rf /) `id` ${PATH}"),
                    ("X-Newline", "a\nb: injected"),
                    ("X-Empty", ""),
                    ("X-Placeholder-Lookalike", "$KONTRAKT_TOKEN"),
                ],
                b"",
            ),
        ),
        (
            "curl_body_starting_with_at",
            request(
                "POST",
                "https://api.example/noter",
                &[("Content-Type", "text/plain")],
                b"@/etc/passwd",
            ),
        ),
        (
            "curl_head",
            request("HEAD", "https://api.example/sager/v1/sager/1", &[], b""),
        ),
    ];
    for (name, req) in cases {
        let command = curl(&req, &r);
        insta::assert_snapshot!(name, command);
        assert!(!command.contains("tok-123456789"), "{command}");
    }
}

/// Runs a `curl` command through `sh` with `curl` replaced by a function that prints its
/// arguments, so the quoting is proven by a real POSIX shell rather than by reading it.
#[test]
fn curl_commands_survive_a_real_shell() {
    let Ok(sh) = which("sh") else {
        return;
    };
    let mut r = Redactor::new();
    r.secret("tok-123456789");
    let req = request(
        "POST",
        "https://api.example/x?q=$(id)&k='1'",
        &[
            ("Authorization", "Bearer tok-123456789"),
            ("X-Dollar", "$HOME $(echo pwned) `echo pwned` ${PATH}"),
            ("X-Quote", "it's"),
            ("X-Newline", "a\nb"),
            ("Content-Type", "multipart/form-data; boundary=b"),
        ],
        b"--b\r\n100% it's $(echo pwned)\\n\r\n--b--\r\n",
    );
    let command = curl(&req, &r);
    let script = format!(
        "curl() {{ for a in \"$@\"; do printf '<%s>\\n' \"$a\"; done; od -c; }}\n{command}\n"
    );
    let out = std::process::Command::new(sh)
        .arg("-c")
        .arg(&script)
        .env("KONTRAKT_TOKEN", "from-env")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{script}\n{stdout}");
    assert!(
        !stdout.contains("pwned\n") && !stdout.contains("uid="),
        "{stdout}"
    );
    assert!(
        stdout.contains("<https://api.example/x?q=$(id)&k='1'>"),
        "{stdout}"
    );
    assert!(
        stdout.contains("<Authorization: Bearer from-env>"),
        "{stdout}"
    );
    assert!(
        stdout.contains("<X-Dollar: $HOME $(echo pwned) `echo pwned` ${PATH}>"),
        "{stdout}"
    );
    assert!(stdout.contains("<X-Quote: it's>"), "{stdout}");
    assert!(stdout.contains("<X-Newline: a\nb>"), "{stdout}");
    // The multipart body reached curl's stdin byte for byte (od shows \r \n and the quote).
    assert!(stdout.contains("\\r  \\n"), "{stdout}");
}

fn which(name: &str) -> Result<PathBuf, ()> {
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|p| p.join(name))
                .find(|p| p.is_file())
        })
        .ok_or(())
}

#[test]
fn request_and_response_text() {
    let r = redactor();
    let req = request(
        "POST",
        "https://api.example/sager/v1/sager?x=1",
        &[
            ("Authorization", &format!("Bearer {TOKEN}")),
            ("Content-Type", "application/json"),
        ],
        br#"{"navn":"Jens","krav":[1,2]}"#,
    );
    insta::assert_snapshot!("show_request_json", show_request(&req, &r, 2000));
    let long = Response {
        status: 422,
        headers: vec![("Content-Type".into(), "application/problem+json".into())],
        body: format!(r#"{{"status":422,"detail":"{}"}}"#, "x".repeat(300)).into_bytes(),
        truncated: false,
        elapsed: Duration::ZERO,
    };
    insta::assert_snapshot!("show_response_cut", show_response(&long, &r, 120));
    let pdf = Response {
        status: 200,
        headers: vec![("Content-Type".into(), "application/pdf".into())],
        body: b"%PDF-1.7\n\x00\x01\x02\xff rest".to_vec(),
        truncated: true,
        elapsed: Duration::ZERO,
    };
    insta::assert_snapshot!("show_response_binary", show_response(&pdf, &r, 120));
    let empty = Response {
        status: 204,
        headers: Vec::new(),
        body: Vec::new(),
        truncated: false,
        elapsed: Duration::ZERO,
    };
    assert_eq!(show_response(&empty, &r, 10), "HTTP/1.1 204 No Content\n");
    let odd = Response {
        status: 299,
        ..empty
    };
    assert_eq!(show_response(&odd, &r, 10), "HTTP/1.1 299\n");
}

// ---------------------------------------------------------------------------------------------
// No false alarms: the bundled specs served by the mock

/// A value for a parameter as the `simple`/`form` styles write a scalar.
fn scalar_text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[test]
fn bundled_specs_served_by_the_mock_raise_nothing() {
    use kontrakt::generate::{GenerateOptions, ValueGenerator};
    use kontrakt::spec::model::ParamIn;
    use kontrakt::spec::normalize::Direction;

    const BEARER: &str = "kontrakt-test-token";
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("specs");
    let files = kontrakt::spec::discover(&[root]);
    assert!(files.len() > 10, "bundled specs found: {files:?}");
    let client = crate::mock::client();
    let options = CheckOptions::default();
    let gen_options = GenerateOptions::default();
    let mut failures = Vec::new();
    let mut judged = 0;
    for file in &files {
        let spec = kontrakt::spec::load(file).expect("bundled spec loads");
        let model = kontrakt::spec::model::build(&spec);
        let validators = Validators::new(&spec, &model).expect("validators");
        let served = crate::mock::serve(
            std::slice::from_ref(file),
            kontrakt::mock::MockOptions {
                tokens: vec![BEARER.into()],
                ..Default::default()
            },
        );
        for (index, op) in model.operations.iter().enumerate() {
            if op.webhook.is_some() {
                continue;
            }
            let value = |schema: &kontrakt::spec::Loc, seed: u64| {
                ValueGenerator::compile(&spec, schema, Direction::Request, &gen_options)
                    .ok()
                    .map(|g| g.sample(seed))
            };
            // Path and required query/header parameters from the generator (examples first).
            let mut path = op.path.clone();
            let mut query = Vec::new();
            let mut headers: Vec<(String, String)> = Vec::new();
            let mut usable = true;
            for p in &op.parameters {
                if !(p.required || p.location == ParamIn::Path) {
                    continue;
                }
                let Some(text) = p
                    .schema
                    .as_ref()
                    .and_then(|s| value(s, index as u64))
                    .and_then(|v| scalar_text(&v))
                    // Header values are visible ASCII (RFC 9110); the mock refuses others.
                    .map(|t| match p.location {
                        ParamIn::Header
                            if !t.bytes().all(|b| b.is_ascii_graphic() || b == b' ') =>
                        {
                            "kontrakt-1".to_string()
                        }
                        _ => t,
                    })
                else {
                    usable = false;
                    continue;
                };
                match p.location {
                    ParamIn::Path => {
                        let encoded: String =
                            form_urlencoded::byte_serialize(text.as_bytes()).collect();
                        path =
                            path.replace(&format!("{{{}}}", p.name), &encoded.replace('+', "%20"));
                    }
                    ParamIn::Query => query.push((p.name.clone(), text)),
                    ParamIn::Header => headers.push((p.name.clone(), text)),
                    ParamIn::Cookie => usable = false,
                }
            }
            let mut url = format!("{}{}{}", served.url, op.base_path, path);
            if !query.is_empty() {
                url.push('?');
                url.push_str(
                    &form_urlencoded::Serializer::new(String::new())
                        .extend_pairs(&query)
                        .finish(),
                );
            }
            let mut body = None;
            if let Some(rb) = &op.request_body {
                match rb.content.iter().find(|m| m.name.contains("json")) {
                    Some(m) => {
                        let v = m.schema.as_ref().and_then(|s| value(s, 1));
                        body = Some((m.name.clone(), v.unwrap_or(serde_json::Value::Null)));
                    }
                    None if rb.required => usable = false,
                    None => {}
                }
            }
            let ctx = CheckContext {
                spec: &spec,
                model: &model,
                op,
                validators: &validators,
                options: &options,
            };
            let mut exchanges = Vec::new();
            let send = |method: &str,
                        case: Case,
                        with_token: Option<&str>,
                        hs: &[(String, String)],
                        body: Option<(String, Vec<u8>)>| {
                let mut rb = client.request(method.parse().unwrap(), &url);
                let mut sent = hs.to_vec();
                if let Some(t) = with_token {
                    sent.push(("Authorization".into(), format!("Bearer {t}")));
                }
                let mut bytes = Vec::new();
                if let Some((media, b)) = body {
                    sent.push(("Content-Type".into(), media));
                    bytes = b;
                }
                for (n, v) in &sent {
                    rb = rb.header(n.as_str(), v.as_str());
                }
                let started = std::time::Instant::now();
                let outcome = match rb.body(bytes.clone()).send() {
                    Ok(resp) => {
                        let status = resp.status().as_u16();
                        let headers = resp
                            .headers()
                            .iter()
                            .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("").to_string()))
                            .collect();
                        let body = resp.bytes().map(|b| b.to_vec()).unwrap_or_default();
                        Outcome::Response(Response {
                            status,
                            headers,
                            body,
                            truncated: false,
                            elapsed: started.elapsed(),
                        })
                    }
                    Err(e) => Outcome::Transport(e.to_string()),
                };
                Exchange {
                    case,
                    request: Request {
                        method: method.into(),
                        url: url.clone(),
                        headers: sent,
                        body: bytes,
                    },
                    outcome,
                }
            };
            let json_body = body
                .as_ref()
                .map(|(m, v)| (m.clone(), serde_json::to_vec(v).unwrap()));
            if usable {
                exchanges.push(send(
                    &op.method,
                    Case::new(index, Phase::Examples, 1, "generated"),
                    Some(BEARER),
                    &headers,
                    json_body.clone(),
                ));
            }
            // Negative: a JSON body that is not JSON, and a content type the operation does not take.
            if usable && let Some((json_media, _)) = &json_body {
                for (constraint, media, bytes) in [
                    (Constraint::MalformedJson, json_media.clone(), b"{".to_vec()),
                    (
                        Constraint::WrongContentType,
                        "text/plain".to_string(),
                        b"hej".to_vec(),
                    ),
                ] {
                    let mut case = Case::new(index, Phase::Negative, 2, "negative");
                    case.violation = Some(Violation {
                        constraint,
                        location: "body".into(),
                        detail: String::new(),
                    });
                    case.body = Some(CaseBody {
                        media_type: media.clone(),
                        content: BodyContent::Raw(bytes.clone()),
                    });
                    exchanges.push(send(
                        &op.method,
                        case,
                        Some(BEARER),
                        &headers,
                        Some((media, bytes)),
                    ));
                }
            }
            if !op.security.is_empty() {
                for (probe, token) in [
                    (P::NoCredentials, None),
                    (P::InvalidCredentials, Some("not-a-token-we-issued")),
                ] {
                    let mut case = Case::new(index, Phase::Probe, 3, "probe");
                    case.probe = Some(probe);
                    exchanges.push(send(&op.method, case, token, &headers, json_body.clone()));
                }
            }
            let declared: Vec<&str> = model
                .operations
                .iter()
                .filter(|o| o.path == op.path)
                .map(|o| o.method.as_str())
                .collect();
            if let Some(m) = ["PATCH", "PUT", "DELETE", "POST", "GET"]
                .into_iter()
                .find(|m| !declared.contains(m))
            {
                let mut case = Case::new(index, Phase::Probe, 4, "probe");
                case.probe = Some(P::UndeclaredMethod(m.into()));
                case.method = Some(m.into());
                exchanges.push(send(m, case, Some(BEARER), &headers, None));
            }
            for ex in &exchanges {
                judged += 1;
                for check in CHECKS {
                    for f in (check.judge)(&ctx, ex) {
                        failures.push(format!(
                            "{} {} ({}): [{}] {}{}\n{}",
                            file.display(),
                            op.key(),
                            ex.case.describe(),
                            f.check,
                            f.message,
                            f.detail.map(|d| format!("\n    {d}")).unwrap_or_default(),
                            show_request(&ex.request, &Redactor::new(), 500)
                        ));
                    }
                }
            }
        }
    }
    assert!(judged > 500, "only {judged} exchanges judged");
    assert!(
        failures.is_empty(),
        "{} findings:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
