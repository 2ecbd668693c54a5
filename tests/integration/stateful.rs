//! The stateful phase and the test-data ledger end to end, against a small CRUD server written
//! for the test (`tests/fixtures/test/crud.yaml`): correct, every chain check passes; with one
//! fault planted (deleted krav still served, created krav lost, issued kvittering ids
//! rejected), the check made for it fails. An interrupted run leaves a ledger from which
//! `kontrakt cleanup` removes every krav it created.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use serde_json::{Value, json};

use crate::support::{fixtures, kontrakt, serve_http, temp_dir, transcript};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    None,
    /// DELETE answers 204 but the krav stays.
    KeepsDeleted,
    /// POST answers 201 but stores nothing.
    LosesCreated,
    /// hentKvittering answers 404 for every kvitteringId.
    RejectsIssuedIds,
    /// DELETE answers 403.
    RefusesDelete,
    /// DELETE needs `If-Match` with the krav's `ETag` (428 without it).
    ConditionalDelete,
    /// Every answer takes 40 ms (so a run can be interrupted mid-way).
    Slow,
}

struct Crud {
    fault: Fault,
    /// kravId → beloeb.
    krav: Mutex<HashMap<u64, i64>>,
    /// Kvitteringer are kept apart from the krav (a receipt outlives its krav).
    kvitteringer: Mutex<std::collections::HashSet<u64>>,
    next: Mutex<u64>,
}

fn json_response(status: u16, body: &Value) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())))
        .expect("response")
}

fn empty(status: u16) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .body(Full::new(Bytes::new()))
        .expect("response")
}

fn id_of(segment: &str, prefix: char) -> Option<u64> {
    segment.strip_prefix(prefix)?.parse().ok()
}

impl Crud {
    async fn handle(&self, req: Request<Incoming>) -> Response<Full<Bytes>> {
        if self.fault == Fault::Slow {
            tokio::time::sleep(std::time::Duration::from_millis(40)).await;
        }
        let if_match = req
            .headers()
            .get("if-match")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let method = req.method().as_str().to_string();
        let path = req.uri().path().to_string();
        let body = match req.into_body().collect().await {
            Ok(b) => b.to_bytes(),
            Err(_) => return empty(400),
        };
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        match (segments.as_slice(), method.as_str()) {
            (["api", "krav"], "POST") => {
                let Ok(Value::Object(obj)) = serde_json::from_slice::<Value>(&body) else {
                    return empty(400);
                };
                let beloeb = obj.get("beloeb").and_then(Value::as_i64);
                let Some(beloeb) = beloeb.filter(|b| (1..=1_000_000).contains(b)) else {
                    return empty(400);
                };
                if obj.len() != 1 {
                    return empty(400);
                }
                let n = {
                    let mut next = self.next.lock().expect("lock");
                    *next += 1;
                    *next
                };
                if self.fault != Fault::LosesCreated {
                    self.krav.lock().expect("lock").insert(n, beloeb);
                }
                self.kvitteringer.lock().expect("lock").insert(n);
                json_response(
                    201,
                    &json!({"kravId": format!("k{n}"), "beloeb": beloeb, "kvitteringId": format!("q{n}")}),
                )
            }
            (["api", "krav", _], "DELETE") if self.fault == Fault::RefusesDelete => empty(403),
            (["api", "krav", id], "GET" | "DELETE") => {
                let Some(n) = id_of(id, 'k') else {
                    return empty(400);
                };
                let mut krav = self.krav.lock().expect("lock");
                let Some(&beloeb) = krav.get(&n) else {
                    return empty(404);
                };
                let etag = format!("\"v{n}\"");
                if method == "DELETE" {
                    if self.fault == Fault::ConditionalDelete
                        && if_match.as_deref() != Some(etag.as_str())
                    {
                        return empty(428);
                    }
                    if self.fault != Fault::KeepsDeleted {
                        krav.remove(&n);
                    }
                    return empty(204);
                }
                let mut r = json_response(
                    200,
                    &json!({"kravId": format!("k{n}"), "beloeb": beloeb, "kvitteringId": format!("q{n}")}),
                );
                r.headers_mut()
                    .insert("etag", etag.parse().expect("header value"));
                r
            }
            (["api", "kvitteringer", id], "GET") => {
                let Some(n) = id_of(id, 'q') else {
                    return empty(400);
                };
                if self.fault == Fault::RejectsIssuedIds
                    || !self.kvitteringer.lock().expect("lock").contains(&n)
                {
                    return empty(404);
                }
                json_response(
                    200,
                    &json!({"kvitteringId": format!("q{n}"), "kravId": format!("k{n}")}),
                )
            }
            (["api", "krav"], _) | (["api", "krav", _], _) | (["api", "kvitteringer", _], _) => {
                empty(405)
            }
            _ => empty(404),
        }
    }
}

/// Serves the CRUD service on 127.0.0.1:0 until the runtime is dropped.
fn serve(runtime: &tokio::runtime::Runtime, fault: Fault) -> (SocketAddr, Arc<Crud>) {
    let crud = Arc::new(Crud {
        fault,
        krav: Mutex::new(HashMap::new()),
        kvitteringer: Mutex::new(std::collections::HashSet::new()),
        next: Mutex::new(0),
    });
    let server = crud.clone();
    let addr = serve_http(runtime, move |req| {
        let server = server.clone();
        async move { server.handle(req).await }
    });
    (addr, crud)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

const CHAIN_CHECKS: &str = "use-after-delete,created-resource-available,id-consistency";

/// `kontrakt test` with the chain checks against the CRUD server with `fault`.
fn run_chains(fault: Fault) -> String {
    let rt = runtime();
    let (addr, _) = serve(&rt, fault);
    let dir = temp_dir();
    let spec = fixtures().join("test/crud.yaml");
    let target = format!("http://{addr}");
    let out = kontrakt(
        dir.path(),
        &[
            "test",
            spec.to_str().expect("utf-8"),
            "--target",
            &target,
            "--checks",
            CHAIN_CHECKS,
            "--seed",
            "3",
            "--no-progress",
        ],
    );
    transcript(&out)
}

/// libtest's verdict for `trial`: `ok`, `FAILED` or `ignored…`.
fn verdict<'a>(text: &'a str, trial: &str) -> &'a str {
    text.lines()
        .find_map(|l| {
            l.strip_prefix("test ")
                .and_then(|r| r.strip_prefix(trial))
                .filter(|r| r.starts_with(' '))
                .and_then(|r| r.split_once("... "))
                .map(|(_, v)| v.trim())
        })
        .unwrap_or_else(|| panic!("no trial {trial} in:\n{text}"))
}

const USE_AFTER_DELETE: &str = "crud::traekKravTilbage::use-after-delete";
const AVAILABLE: &str = "crud::anmeldKrav::created-resource-available";
const ID_CONSISTENCY: &str = "crud::hentKvittering::id-consistency";

#[test]
fn a_correct_server_passes_every_chain_check() {
    let text = run_chains(Fault::None);
    assert!(text.starts_with("exit: 0"), "{text}");
    for trial in [USE_AFTER_DELETE, AVAILABLE, ID_CONSISTENCY] {
        assert_eq!(verdict(&text, trial), "ok", "{trial}:\n{text}");
    }
    assert!(text.contains("3 passed; 0 failed"), "{text}");
}

#[test]
fn each_stateful_fault_is_caught_by_its_check() {
    let cases = [
        (
            Fault::KeepsDeleted,
            USE_AFTER_DELETE,
            "answered 200 after DELETE",
        ),
        (
            Fault::LosesCreated,
            AVAILABLE,
            "answered 404 right after POST",
        ),
        (
            Fault::RejectsIssuedIds,
            ID_CONSISTENCY,
            "answered 404 for an id that POST",
        ),
    ];
    for (fault, trial, message) in cases {
        let text = run_chains(fault);
        assert!(text.starts_with("exit: 1"), "{fault:?}:\n{text}");
        assert_eq!(verdict(&text, trial), "FAILED", "{fault:?}:\n{text}");
        assert!(text.contains(message), "{fault:?}:\n{text}");
        // The failure shows the chain and how to replay it.
        assert!(text.contains("  chain:\n    1. create"), "{text}");
        assert!(text.contains("curl -X POST"), "{text}");
        // Only the planted fault fails.
        assert!(text.contains("1 failed"), "{fault:?}:\n{text}");
    }
}

fn ledger_lines(dir: &std::path::Path) -> Vec<String> {
    let Ok(runs) = std::fs::read_dir(dir.join("reports")) else {
        return Vec::new();
    };
    runs.filter_map(Result::ok)
        .filter_map(|r| std::fs::read_to_string(r.path().join("ledger.jsonl")).ok())
        .flat_map(|t| t.lines().map(str::to_string).collect::<Vec<_>>())
        .collect()
}

#[test]
fn cleanup_removes_what_an_interrupted_run_created() {
    let rt = runtime();
    let (addr, crud) = serve(&rt, Fault::Slow);
    let dir = temp_dir();
    let spec = fixtures().join("test/crud.yaml");
    let target = format!("http://{addr}");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_kontrakt"))
        .args([
            "test",
            spec.to_str().expect("utf-8"),
            "--target",
            &target,
            "--seed",
            "5",
            "--concurrency",
            "2",
            "--no-progress",
        ])
        .current_dir(dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn kontrakt test");
    // Interrupt the run once it has created a few krav.
    let started = std::time::Instant::now();
    loop {
        let created = ledger_lines(dir.path())
            .iter()
            .filter(|l| l.contains("\"event\":\"created\""))
            .count();
        if created >= 4 {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "no ledger entries after 60 s"
        );
        assert!(
            child.try_wait().expect("wait").is_none(),
            "the run ended before it could be interrupted"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().expect("kill the run");
    let _ = child.wait();
    let lines = ledger_lines(dir.path());
    let created: Vec<Value> = lines
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["event"] == "created")
        .collect();
    assert!(created.len() >= 4, "{lines:?}");
    for e in &created {
        assert_eq!(e["target"], json!(format!("{target}/api")), "{e}");
        assert_eq!(e["operation"], "POST /krav (anmeldKrav)", "{e}");
        assert_eq!(e["delete"]["operation"], "DELETE /krav/{kravId}", "{e}");
        let resource = e["resource"].as_str().expect("resource");
        assert!(resource.starts_with(&format!("{target}/api/krav/k")), "{e}");
    }
    let left_before = crud.krav.lock().expect("lock").len();
    assert!(left_before > 0, "the interrupted run left nothing to clean");

    let out = kontrakt(dir.path(), &["cleanup", "--reports", "reports"]);
    let text = transcript(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("could not be"), "{text}");
    assert_eq!(
        crud.krav.lock().expect("lock").len(),
        0,
        "cleanup left krav behind:\n{text}"
    );
    // A second cleanup finds everything removed and sends nothing.
    let out = kontrakt(dir.path(), &["cleanup"]);
    let text = transcript(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains(" 0 to delete"), "{text}");

    // A target that refuses the deletions: exit 1, and the entries stay outstanding.
    let ledger = dir.path().join("reports");
    let run = std::fs::read_dir(&ledger)
        .expect("reports")
        .filter_map(Result::ok)
        .next()
        .expect("a run directory")
        .path()
        .join("ledger.jsonl");
    let copy = dir.path().join("copy.jsonl");
    let only_created: String = std::fs::read_to_string(&run)
        .expect("ledger")
        .lines()
        .filter(|l| l.contains("\"event\":\"created\""))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&copy, only_created).expect("write");
    let (refusing, _) = serve(&rt, Fault::RefusesDelete);
    let args = [
        "cleanup",
        copy.to_str().expect("utf-8"),
        "--target",
        &format!("http://{refusing}"),
    ];
    let out = kontrakt(dir.path(), &args);
    let text = transcript(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("answered 403"), "{text}");
    // Nothing was marked removed: the next cleanup tries them all again.
    let out = kontrakt(dir.path(), &args);
    assert!(
        transcript(&out).contains(&format!("{} to delete", created.len())),
        "{}",
        transcript(&out)
    );
    let out = kontrakt(dir.path(), &["cleanup", "no/such/ledger.jsonl"]);
    assert_eq!(out.status.code(), Some(2), "{}", transcript(&out));
}

#[test]
fn cleanup_sends_if_match_when_the_delete_is_conditional() {
    let rt = runtime();
    let (addr, crud) = serve(&rt, Fault::ConditionalDelete);
    let dir = temp_dir();
    let spec = fixtures().join("test/crud.yaml");
    let target = format!("http://{addr}");
    // The chain's delete has no If-Match (the spec declares none): 428, the krav stays.
    let out = kontrakt(
        dir.path(),
        &[
            "test",
            spec.to_str().expect("utf-8"),
            "--target",
            &target,
            "--checks",
            "use-after-delete",
            "--seed",
            "3",
            "--no-progress",
        ],
    );
    let text = transcript(&out);
    assert!(text.contains("the delete answered 428"), "{text}");
    assert_eq!(crud.krav.lock().expect("lock").len(), 1, "{text}");
    let out = kontrakt(dir.path(), &["cleanup"]);
    let text = transcript(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("1 removed, 0 could not be"), "{text}");
    assert_eq!(crud.krav.lock().expect("lock").len(), 0, "{text}");
}
