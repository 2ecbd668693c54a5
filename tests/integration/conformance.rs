//! `kontrakt test` end to end against a small server written for the test: correct, it must
//! raise nothing; with one fault planted, the check made for that fault must fail.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use serde_json::{Value, json};

use crate::support::{fixtures, kontrakt_env, serve_http, temp_dir, transcript};

pub(crate) const TOKEN: &str = "planted-good-token-3141";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    None,
    /// listSager answers 500 for limit=50 (the boundary).
    ServerError,
    /// hentSag answers 202, which the spec does not list.
    UndocumentedStatus,
    /// listSager answers text/plain.
    WrongContentType,
    /// hentSag's status is not in the enum.
    SchemaViolation,
    /// listSager leaves out the required X-Total header.
    MissingHeader,
    /// opretSag takes a navn longer than maxLength.
    AcceptsInvalid,
    /// opretSag refuses status LUKKET, which the spec allows.
    RefusesValid,
    /// Every operation answers without looking at the token.
    IgnoresToken,
    /// A method the path does not declare gets a 500.
    MethodServerError,
    /// hentSag takes 300 ms.
    Slow,
    /// The first request to each path of the spec (`/sager`, `/sager/{sagId}`) is answered
    /// 429 with `Retry-After: 1`; everything else is correct.
    TooManyRequestsOnce,
}

/// One request as the planted server saw it, for tests that count what reached the target.
#[derive(Debug, Clone)]
pub(crate) struct Hit {
    pub method: String,
    pub path: String,
    pub at: Instant,
}

struct Planted {
    fault: Fault,
    hits: Arc<Mutex<Vec<Hit>>>,
    /// The spec paths that have had their 429 ([`Fault::TooManyRequestsOnce`]).
    throttled: Mutex<HashSet<&'static str>>,
    /// What opretSag created (it always issues id 7), so hentSag reads it back.
    created: std::sync::Mutex<Option<Value>>,
}

fn json_response(status: u16, body: &Value) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())))
        .expect("response")
}

fn fejl(message: &str) -> Response<Full<Bytes>> {
    json_response(400, &json!({ "fejl": message }))
}

fn empty(status: u16) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .body(Full::new(Bytes::new()))
        .expect("response")
}

fn valid_navn(v: Option<&Value>, max: usize) -> bool {
    v.and_then(Value::as_str)
        .is_some_and(|s| (1..=max).contains(&s.chars().count()))
}

impl Planted {
    async fn handle(&self, req: Request<Incoming>) -> Response<Full<Bytes>> {
        let method = req.method().as_str().to_string();
        let path = req.uri().path().to_string();
        if let Ok(mut hits) = self.hits.lock() {
            hits.push(Hit {
                method: method.clone(),
                path: path.clone(),
                at: Instant::now(),
            });
        }
        let query = req.uri().query().unwrap_or("").to_string();
        let authorized = req
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            == Some(&format!("Bearer {TOKEN}"));
        let content_type = req
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let body = match req.into_body().collect().await {
            Ok(b) => b.to_bytes(),
            Err(_) => return empty(400),
        };
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let (allow, route) = match segments.as_slice() {
            ["api", "sager"] => ("GET, POST", "sager"),
            ["api", "sager", _] => ("GET", "sag"),
            _ => return empty(404),
        };
        if self.fault == Fault::TooManyRequestsOnce
            && self.throttled.lock().is_ok_and(|mut t| t.insert(route))
        {
            return Response::builder()
                .status(429)
                .header("retry-after", "1")
                .body(Full::new(Bytes::new()))
                .expect("response");
        }
        let declared = match route {
            "sager" => method == "GET" || method == "POST",
            _ => method == "GET",
        };
        if !declared && method != "HEAD" {
            if self.fault == Fault::MethodServerError {
                return empty(500);
            }
            return Response::builder()
                .status(405)
                .header("allow", allow)
                .body(Full::new(Bytes::new()))
                .expect("response");
        }
        if !authorized && self.fault != Fault::IgnoresToken {
            return Response::builder()
                .status(401)
                .header("www-authenticate", "Bearer")
                .body(Full::new(Bytes::new()))
                .expect("response");
        }
        match (route, method.as_str()) {
            ("sager", "GET") => {
                let mut limit = None;
                for (k, v) in form_urlencoded::parse(query.as_bytes()) {
                    if k == "limit" {
                        match v.parse::<i64>() {
                            Ok(n) if (1..=50).contains(&n) => limit = Some(n),
                            _ => return fejl("limit skal være et heltal 1-50"),
                        }
                    }
                }
                if self.fault == Fault::ServerError && limit == Some(50) {
                    return empty(500);
                }
                let body = json!([{ "id": 1, "navn": "Bo", "status": "AABEN" }]).to_string();
                let mut r = Response::builder().status(200).header(
                    "content-type",
                    if self.fault == Fault::WrongContentType {
                        "text/plain"
                    } else {
                        "application/json"
                    },
                );
                if self.fault != Fault::MissingHeader {
                    r = r.header("x-total", "1");
                }
                r.body(Full::new(Bytes::from(body))).expect("response")
            }
            ("sager", "POST") => {
                if !content_type.starts_with("application/json") {
                    return json_response(415, &json!({ "fejl": "kun application/json" }));
                }
                let Ok(Value::Object(obj)) = serde_json::from_slice::<Value>(&body) else {
                    return fejl("ikke et JSON-objekt");
                };
                let max = if self.fault == Fault::AcceptsInvalid {
                    1000
                } else {
                    20
                };
                if !valid_navn(obj.get("navn"), max) {
                    return fejl("navn mangler eller er for langt");
                }
                if obj.keys().any(|k| k != "navn" && k != "status") {
                    return fejl("ukendt felt");
                }
                let status = match obj.get("status") {
                    None => "AABEN",
                    Some(Value::String(s)) if s == "AABEN" => "AABEN",
                    Some(Value::String(s)) if s == "LUKKET" => {
                        if self.fault == Fault::RefusesValid {
                            return fejl("status LUKKET er ikke tilladt");
                        }
                        "LUKKET"
                    }
                    Some(_) => return fejl("ukendt status"),
                };
                let navn: String = obj["navn"]
                    .as_str()
                    .unwrap_or("x")
                    .chars()
                    .take(20)
                    .collect();
                let sag = json!({ "id": 7, "navn": navn, "status": status });
                if let Ok(mut c) = self.created.lock() {
                    *c = Some(sag.clone());
                }
                json_response(201, &sag)
            }
            ("sag", "GET" | "HEAD") => {
                let id = segments[2]
                    .parse::<i64>()
                    .ok()
                    .filter(|n| (1..=100_000).contains(n));
                let Some(id) = id else {
                    return fejl("sagId skal være et heltal 1-100000");
                };
                if self.fault == Fault::Slow {
                    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
                }
                let status = if self.fault == Fault::SchemaViolation {
                    "UKENDT"
                } else {
                    "AABEN"
                };
                let code = if self.fault == Fault::UndocumentedStatus {
                    202
                } else {
                    200
                };
                let stored = self.created.lock().ok().and_then(|c| c.clone());
                let (navn, status) = match (&stored, id) {
                    (Some(sag), 7) if self.fault != Fault::SchemaViolation => {
                        (sag["navn"].clone(), sag["status"].clone())
                    }
                    _ => (json!("Sag"), json!(status)),
                };
                json_response(code, &json!({ "id": id, "navn": navn, "status": status }))
            }
            _ => empty(500),
        }
    }
}

/// Serves the planted service on 127.0.0.1:0 until the runtime is dropped.
fn serve(runtime: &tokio::runtime::Runtime, fault: Fault) -> SocketAddr {
    serve_recording(runtime, fault).0
}

/// As [`serve`], with every request the server sees recorded.
pub(crate) fn serve_recording(
    runtime: &tokio::runtime::Runtime,
    fault: Fault,
) -> (SocketAddr, Arc<Mutex<Vec<Hit>>>) {
    let hits = Arc::new(Mutex::new(Vec::new()));
    let planted = Arc::new(Planted {
        fault,
        hits: hits.clone(),
        throttled: Mutex::new(HashSet::new()),
        created: std::sync::Mutex::new(None),
    });
    let addr = serve_http(runtime, move |req| {
        let planted = planted.clone();
        async move { planted.handle(req).await }
    });
    (addr, hits)
}

fn run_against(fault: Fault, extra: &[&str]) -> (std::process::Output, String) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let addr = serve(&runtime, fault);
    let dir = temp_dir();
    let spec = fixtures().join("test/planted.yaml");
    let target = format!("http://{addr}");
    let junit = dir.path().join("junit.xml");
    let mut args = vec![
        "test",
        spec.to_str().expect("utf-8 path"),
        "--target",
        &target,
        "--token-env",
        "PLANTED_TOKEN",
        "--seed",
        "7",
        "--checks",
        "all",
        "--no-progress",
        "--junit",
        junit.to_str().expect("utf-8 path"),
    ];
    args.extend_from_slice(extra);
    let out = kontrakt_env(dir.path(), &args, &[("PLANTED_TOKEN", TOKEN)]);
    let xml = std::fs::read_to_string(&junit).unwrap_or_default();
    (out, xml)
}

/// Whether libtest's line for `trial` (its name padded to a column) says FAILED.
pub(crate) fn failed(text: &str, trial: &str) -> bool {
    text.lines().any(|l| {
        l.strip_prefix("test ")
            .and_then(|r| r.strip_prefix(trial))
            .is_some_and(|r| r.starts_with(' ') && r.trim_end().ends_with("... FAILED"))
    })
}

#[test]
fn a_correct_server_raises_nothing() {
    let (out, xml) = run_against(Fault::None, &["--max-response-time", "5000"]);
    let text = transcript(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(!text.contains("FAILED"), "{text}");
    assert!(!text.contains(TOKEN), "the token leaked: {text}");
    // Every operation × check ran: 3 operations × 10 checks, and the one chain (opretSag →
    // hentSag) of the stateful phase.
    assert!(text.contains("31 passed"), "{text}");
    assert!(xml.contains("tests=\"31\" failures=\"0\""), "{xml}");
}

#[test]
fn each_planted_fault_is_caught_by_its_check() {
    let cases: &[(Fault, &str, &[&str])] = &[
        (
            Fault::ServerError,
            "planted::listSager::not-a-server-error",
            &[],
        ),
        (
            Fault::UndocumentedStatus,
            "planted::hentSag::status-code-documented",
            &[],
        ),
        (
            Fault::WrongContentType,
            "planted::listSager::content-type-documented",
            &[],
        ),
        (
            Fault::SchemaViolation,
            "planted::hentSag::response-schema-conforms",
            &[],
        ),
        (
            Fault::MissingHeader,
            "planted::listSager::response-headers-conform",
            &[],
        ),
        (
            Fault::AcceptsInvalid,
            "planted::opretSag::negative-data-rejected",
            &[],
        ),
        (
            Fault::RefusesValid,
            "planted::opretSag::positive-data-accepted",
            &[],
        ),
        (Fault::IgnoresToken, "planted::hentSag::auth-enforced", &[]),
        (
            Fault::MethodServerError,
            "planted::hentSag::unsupported-method",
            &[],
        ),
        (
            Fault::Slow,
            "planted::hentSag::response-time",
            &["--max-response-time", "100"],
        ),
    ];
    for (fault, trial, extra) in cases {
        let (out, xml) = run_against(*fault, extra);
        let text = transcript(&out);
        assert_eq!(out.status.code(), Some(1), "{fault:?}: {text}");
        assert!(
            failed(&text, trial),
            "{fault:?} should fail {trial}: {text}"
        );
        assert!(text.contains("curl "), "{fault:?}: no reproduction: {text}");
        assert!(
            text.contains("--replay"),
            "{fault:?}: no replay line: {text}"
        );
        assert!(!text.contains(TOKEN), "{fault:?}: the token leaked: {text}");
        assert!(
            !xml.contains(TOKEN),
            "{fault:?}: the token leaked into JUnit"
        );
        let (class, check) = trial.rsplit_once("::").expect("trial name");
        assert!(
            xml.contains(&format!(
                "classname=\"{class}\" name=\"{check}\">\n      <failure"
            )),
            "{fault:?}: JUnit lacks the failure: {xml}"
        );
    }
}
