//! `cargo bench --bench report`: collecting and rendering a run of 100,000 cases.
//!
//! A synthetic run (10 services × 100 operations, 100 cases each, 10 checks per operation, 1 %
//! of the tests failing with their reproduction) is fed to the collector as the runner would,
//! finished (every string redacted), then rendered in every format. Reports the time of each
//! step (median of 3) and each file's size: the aim is all formats in under 2 s with the HTML
//! under 10 MB.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use kontrakt::exchange::{Exchange, Outcome as Wire, Request, Response};
use kontrakt::generate::case::{Case, Phase};
use kontrakt::redact::Redactor;
use kontrakt::report::collect::{Collector, Event, Listener, Source, test_record};
use kontrakt::report::model::{
    Coverage, Hit, OperationReport, Outcome, RunInfo, ServiceReport, TestKind, now_unix_ms, rfc3339,
};
use kontrakt::report::{Format, Report};

const SERVICES: usize = 10;
const OPERATIONS: usize = 100;
const CASES: usize = 100;
const CHECKS: [&str; 10] = [
    "not-a-server-error",
    "status-code-documented",
    "content-type-documented",
    "response-schema-conforms",
    "response-headers-conform",
    "negative-data-rejected",
    "positive-data-accepted",
    "auth-enforced",
    "unsupported-method",
    "response-time",
];
const ROUNDS: usize = 3;

fn services() -> Vec<ServiceReport> {
    (0..SERVICES)
        .map(|s| ServiceReport {
            name: format!("service{s}-1.0.0"),
            title: format!("Service {s}"),
            version: "1.0.0".into(),
            file: format!("specs/service{s}.yaml"),
            sha256: "0".repeat(64),
            operations: (0..OPERATIONS)
                .map(|o| OperationReport {
                    id: format!("service{s}-1.0.0::op{o}"),
                    method: if o % 3 == 0 { "POST" } else { "GET" }.into(),
                    path: format!("/sager/{{sagId}}/del{o}"),
                    operation_id: Some(format!("op{o}")),
                    location: None,
                    skipped: None,
                    sent: BTreeMap::new(),
                    not_sent: 0,
                    coverage: Coverage {
                        statuses: ["200", "400", "401", "404", "default"]
                            .iter()
                            .map(|n| Hit {
                                name: n.to_string(),
                                hits: 0,
                            })
                            .collect(),
                        parameters: ["path sagId", "query side", "query status"]
                            .iter()
                            .map(|n| Hit {
                                name: n.to_string(),
                                hits: 0,
                            })
                            .collect(),
                        enum_values: ["query status=AABEN", "query status=LUKKET"]
                            .iter()
                            .map(|n| Hit {
                                name: n.to_string(),
                                hits: 0,
                            })
                            .collect(),
                        ..Coverage::default()
                    },
                })
                .collect(),
        })
        .collect()
}

fn exchange(s: usize, o: usize, c: usize) -> Exchange {
    let mut case = Case::new(o, Phase::Property, c as u64, format!("seed {c:x}"));
    case.index = c;
    case.path = vec![("sagId".into(), serde_json::json!(format!("S-{c}")))];
    case.query = vec![("status".into(), serde_json::json!("AABEN"))];
    let body = format!(
        "{{\"sagId\":\"S-{c}\",\"navn\":\"Sag nummer {c} i service {s}\",\"status\":\"AABEN\",\"parter\":[{{\"cvr\":\"12345678\",\"rolle\":\"KREDITOR\"}}],\"beloeb\":{}}}",
        c * 17
    );
    Exchange {
        case,
        request: Request {
            method: "GET".into(),
            url: format!("https://api.test.example/service{s}/v1/sager/S-{c}/del{o}?status=AABEN"),
            headers: vec![
                ("authorization".into(), "Bearer tok-abcdefghijklmnop".into()),
                ("accept".into(), "application/json".into()),
                ("x-correlation-id".into(), format!("c-{s}-{o}-{c}")),
            ],
            body: Vec::new(),
        },
        outcome: Wire::Response(Response {
            status: if c.is_multiple_of(10) { 400 } else { 200 },
            headers: vec![
                ("content-type".into(), "application/json".into()),
                ("x-correlation-id".into(), format!("c-{s}-{o}-{c}")),
            ],
            body: body.into_bytes(),
            truncated: false,
            elapsed: Duration::from_micros(900),
        }),
    }
}

/// The run as the runner reports it: every exchange, then every trial.
fn collect() -> Report {
    let started = now_unix_ms();
    let run = RunInfo {
        id: "bench".into(),
        started: rfc3339(started),
        started_unix_ms: started,
        target: "https://api.test.example".into(),
        ..RunInfo::blank()
    };
    let collector = Collector::new(run, services());
    for s in 0..SERVICES {
        for o in 0..OPERATIONS {
            let id = format!("service{s}-1.0.0::op{o}");
            for c in 0..CASES {
                let ex = exchange(s, o, c);
                collector.event(Event::Exchange {
                    operation: Some(&id),
                    source: Source::Generated,
                    exchange: &ex,
                });
            }
            for (k, check) in CHECKS.iter().enumerate() {
                let failed = (s * OPERATIONS + o).is_multiple_of(10) && k == 1;
                let text = failed.then(|| {
                    format!(
                        "{check}: status 400 is not documented\n  operation: GET /sager/{{sagId}}/del{o}\n  request:\n    GET https://api.test.example/... \n  reproduce:\n    curl -sS 'https://api.test.example/service{s}/v1/sager/S-1/del{o}' -H 'Authorization: Bearer $KONTRAKT_TOKEN'"
                    )
                });
                let mut record = test_record(
                    format!("{id}::{check}"),
                    TestKind::Check,
                    Some(id.clone()),
                    Some(check.to_string()),
                    if failed {
                        Outcome::Failed
                    } else {
                        Outcome::Passed
                    },
                    text,
                );
                if failed {
                    record.exchange = Some(kontrakt::report::collect::record_now(
                        Some(&id),
                        Source::Generated,
                        &exchange(s, o, 1),
                    ));
                }
                collector.event(Event::Test(Box::new(record)));
            }
        }
    }
    let mut redactor = Redactor::new();
    redactor.secret("tok-abcdefghijklmnop");
    collector.finish(&redactor, rfc3339(now_unix_ms()))
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let mut collecting = Vec::new();
    let mut report = None;
    for _ in 0..ROUNDS {
        let t = Instant::now();
        let r = collect();
        collecting.push(t.elapsed());
        report = Some(r);
    }
    let report = report.expect("a report");
    println!(
        "run: {} exchanges, {} tests ({} failed), {} operations",
        report.summary.exchanges,
        report.summary.tests,
        report.summary.failed,
        report.summary.operations
    );
    println!(
        "collect + finish (redaction): {:.3} s (median of {ROUNDS})",
        median(collecting).as_secs_f64()
    );
    println!("| format | render (median of {ROUNDS}) | size |");
    println!("|---|---|---|");
    let mut total = Duration::ZERO;
    for f in Format::ALL {
        let mut times = Vec::new();
        let mut size = 0;
        for _ in 0..ROUNDS {
            let t = Instant::now();
            let text = f.render(&report).expect("render");
            times.push(t.elapsed());
            size = text.len();
        }
        let m = median(times);
        total += m;
        println!(
            "| {} | {:.3} s | {:.1} MB |",
            f.name(),
            m.as_secs_f64(),
            size as f64 / 1_000_000.0
        );
    }
    println!("| all formats | {:.3} s | |", total.as_secs_f64());
}
