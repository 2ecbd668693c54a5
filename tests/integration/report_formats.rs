//! The report formats: snapshots of each renderer on a fixed report, and `kontrakt test
//! --report` as a user runs it (every format written and consistent with the run, bad format
//! names and unwritable folders exit 2 with nothing left behind).

use std::path::Path;
use std::time::Duration;

use kontrakt::exchange::{Exchange, Outcome as Wire, Request, Response};
use kontrakt::generate::case::{Case, Phase};
use kontrakt::redact::Redactor;
use kontrakt::report::collect::{Collector, Event, Listener, Source, record_now, test_record};
use kontrakt::report::model::{
    Coverage, Hit, Location, OperationReport, Outcome, RunInfo, ServiceReport, TestKind,
};
use kontrakt::report::{Format, Report};

use crate::support::{fixtures, kontrakt, temp_dir, transcript};

fn hits(names: &[(&str, u64)]) -> Vec<Hit> {
    names
        .iter()
        .map(|(n, h)| Hit {
            name: n.to_string(),
            hits: *h,
        })
        .collect()
}

fn operation(id: &str, method: &str, path: &str) -> OperationReport {
    OperationReport {
        id: id.into(),
        method: method.into(),
        path: path.into(),
        operation_id: id.rsplit("::").next().map(str::to_string),
        location: Some(Location {
            file: "specs/sag.yaml".into(),
            line: 20,
            column: 5,
        }),
        skipped: None,
        sent: Default::default(),
        not_sent: 0,
        coverage: Coverage {
            statuses: hits(&[("200", 0), ("404", 0)]),
            parameters: hits(&[("path sagId", 0)]),
            enum_values: hits(&[("query status=AABEN", 0), ("query status=LUKKET", 0)]),
            ..Coverage::default()
        },
    }
}

fn exchange(status: u16, body: &str) -> Exchange {
    let mut case = Case::new(0, Phase::Examples, 7, "example \"fuld\"");
    case.path = vec![("sagId".into(), serde_json::json!("S-1"))];
    case.query = vec![("status".into(), serde_json::json!("AABEN"))];
    Exchange {
        case,
        request: Request {
            method: "GET".into(),
            url: "http://127.0.0.1:1/api/sager/S-1?status=AABEN".into(),
            headers: vec![
                ("authorization".into(), "Bearer hemmeligt-token-123".into()),
                ("accept".into(), "application/json".into()),
            ],
            body: Vec::new(),
        },
        outcome: Wire::Response(Response {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.as_bytes().to_vec(),
            truncated: false,
            elapsed: Duration::from_millis(3),
        }),
    }
}

/// A small run with one failure, one skipped operation and every field set, made through the
/// collector as the runner makes it; times fixed so the renderings are stable.
fn fixed_report() -> Report {
    let run = RunInfo {
        id: "20261123T010000Z".into(),
        started: "2026-11-23T01:00:00.000Z".into(),
        started_unix_ms: 1_795_395_600_000,
        seed: 42,
        target: "http://127.0.0.1:1".into(),
        specs: vec!["specs/sag.yaml".into()],
        command: "kontrakt test specs/sag.yaml --target http://127.0.0.1:1 --seed 42".into(),
        ..RunInfo::blank()
    };
    let mut skipped = operation("sag-1.0.0::sletSag", "DELETE", "/sager/{sagId}");
    skipped.skipped = Some("production target: state-changing methods are not sent".into());
    let services = vec![ServiceReport {
        name: "sag-1.0.0".into(),
        title: "Sager".into(),
        version: "1.0.0".into(),
        file: "specs/sag.yaml".into(),
        sha256: "ab".repeat(32),
        operations: vec![
            operation("sag-1.0.0::hentSag", "GET", "/sager/{sagId}"),
            skipped,
        ],
    }];
    let collector = Collector::new(run, services);
    let op = "sag-1.0.0::hentSag";
    let ok = exchange(200, r#"{"sagId":"S-1","navn":"<script>alert(1)</script>"}"#);
    let bad = exchange(418, r#"{"fejl":"teapot"}"#);
    for ex in [&ok, &bad] {
        collector.event(Event::Exchange {
            operation: Some(op),
            source: Source::Generated,
            exchange: ex,
        });
    }
    collector.event(Event::Test(Box::new(test_record(
        format!("{op}::not-a-server-error"),
        TestKind::Check,
        Some(op.into()),
        Some("not-a-server-error".into()),
        Outcome::Passed,
        None,
    ))));
    let mut failed = test_record(
        format!("{op}::status-code-documented"),
        TestKind::Check,
        Some(op.into()),
        Some("status-code-documented".into()),
        Outcome::Failed,
        Some(
            "status-code-documented: status 418 is not documented (documented: 200, 404)\n  \
             reproduce:\n    curl -sS 'http://127.0.0.1:1/api/sager/S-1' -H 'Authorization: Bearer hemmeligt-token-123'"
                .into(),
        ),
    );
    failed.location = Some(Location {
        file: "specs/sag.yaml".into(),
        line: 31,
        column: 9,
    });
    failed.exchange = Some(record_now(Some(op), Source::Generated, &bad));
    collector.event(Event::Test(Box::new(failed)));
    collector.event(Event::Test(Box::new(test_record(
        "sag-1.0.0::sletSag::not-a-server-error".into(),
        TestKind::Check,
        Some("sag-1.0.0::sletSag".into()),
        Some("not-a-server-error".into()),
        Outcome::Skipped,
        Some("production target: state-changing methods are not sent".into()),
    ))));
    collector.event(Event::Test(Box::new(test_record(
        "suite::sager::opslag::hent".into(),
        TestKind::Step,
        Some(op.into()),
        None,
        Outcome::Passed,
        None,
    ))));
    let mut redactor = Redactor::new();
    redactor.secret("hemmeligt-token-123");
    let mut report = collector.finish(&redactor, "2026-11-23T01:00:01.500Z".into());
    report.run.duration_ms = 1500;
    for (i, e) in report.exchanges.iter_mut().enumerate() {
        e.at_ms = 10.0 * (i as f64 + 1.0);
    }
    report
}

fn pretty(json: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(json).expect("valid JSON");
    serde_json::to_string_pretty(&v).expect("json")
}

#[test]
fn renderers_on_a_fixed_report() {
    let report = fixed_report();
    assert_eq!(report.summary.failed, 1);
    assert_eq!(report.summary.exchanges, 2);
    let (_, op) = report.operation("sag-1.0.0::hentSag").expect("operation");
    assert_eq!(op.sent.get("examples"), Some(&2));
    assert_eq!(op.coverage.statuses[0].hits, 1, "200 counted once");
    assert_eq!(op.coverage.undocumented_statuses[0].name, "418");
    assert_eq!(op.coverage.enum_values[0].hits, 2);
    assert_eq!(op.coverage.enum_values[1].hits, 0, "LUKKET never sent");
    for f in Format::ALL {
        let text = f.render(&report).expect("render");
        assert!(
            !text.contains("hemmeligt-token-123"),
            "{} keeps the token",
            f.name()
        );
    }
    insta::assert_snapshot!("report_markdown", Format::Markdown.render(&report).unwrap());
    insta::assert_snapshot!("report_junit", Format::Junit.render(&report).unwrap());
    insta::assert_snapshot!("report_har", pretty(&Format::Har.render(&report).unwrap()));
    insta::assert_snapshot!(
        "report_json",
        pretty(&Format::Json.render(&report).unwrap())
    );
    // The JSON reads back as the same report.
    let dir = temp_dir();
    let path = dir.path().join("report.json");
    std::fs::write(&path, Format::Json.render(&report).unwrap()).unwrap();
    assert_eq!(
        kontrakt::report::json::read(&path).expect("read back"),
        report
    );
}

#[test]
fn a_report_json_that_is_not_one_is_refused_with_its_place() {
    let dir = temp_dir();
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        "{\n  \"schema\": \"kontrakt-report/1\",\n  \"kontrakt\": 3,\n}",
    )
    .unwrap();
    let e = kontrakt::report::json::read(&bad).unwrap_err().to_string();
    assert!(e.contains("bad.json") && e.contains("line 4"), "{e}");
    let other = dir.path().join("other.json");
    std::fs::write(&other, r#"{"schema":"kontrakt-report/9"}"#).unwrap();
    let e = kontrakt::report::json::read(&other)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("/schema") && e.contains("kontrakt-report/9"),
        "{e}"
    );
}

fn files_in(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_in(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn a_run_writes_every_format_consistent_with_what_it_printed() {
    let dir = temp_dir();
    let spec = fixtures().join("test/planted.yaml");
    let reports = dir.path().join("out");
    let out = kontrakt(
        dir.path(),
        &[
            "test",
            spec.to_str().unwrap(),
            "--seed",
            "3",
            "--max-examples",
            "5",
            "--no-progress",
            "--checks",
            "default,response-time",
            "--max-response-time",
            "0",
            "--filter",
            "hentSag",
            "--report",
            "all",
            "--reports",
            reports.to_str().unwrap(),
        ],
    );
    let text = transcript(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("reports written to"), "{text}");
    let files = files_in(&reports);
    assert_eq!(files.len(), 5, "{files:?}");
    let json = files
        .iter()
        .find(|p| p.ends_with("report.json"))
        .expect("report.json");
    let report = kontrakt::report::json::read(json).expect("the JSON report reads back");
    let failed: Vec<_> = report
        .tests
        .iter()
        .filter(|t| t.outcome == Outcome::Failed)
        .collect();
    assert!(!failed.is_empty());
    assert!(failed.iter().all(|t| t.name.contains("hentSag")));
    // What libtest printed and what the report says agree.
    assert!(
        text.contains(&format!("{} failed", report.summary.failed)),
        "{text}"
    );
    let failing = failed
        .iter()
        .find(|t| t.check.as_deref() == Some("response-time"))
        .expect("response-time failed");
    assert!(failing.exchange.is_some(), "the failure keeps its exchange");
    assert!(failing.text.as_deref().unwrap_or("").contains("curl"));
    // The HAR holds every exchange of the report.
    let har: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(files.iter().find(|p| p.ends_with("exchanges.har")).unwrap())
            .unwrap(),
    )
    .expect("HAR is JSON");
    assert_eq!(har["log"]["version"], "1.2");
    assert_eq!(
        har["log"]["entries"].as_array().map(Vec::len),
        Some(report.summary.exchanges as usize)
    );
    let junit =
        std::fs::read_to_string(files.iter().find(|p| p.ends_with("junit.xml")).unwrap()).unwrap();
    assert!(junit.contains(&format!("failures=\"{}\"", report.summary.failed)));
    assert!(
        junit.contains("<property name=\"seed\" value=\"3\"/>"),
        "{junit}"
    );
    assert!(
        junit.contains("<property name=\"spec.version\" value=\"1.0.0\"/>"),
        "{junit}"
    );
    let md =
        std::fs::read_to_string(files.iter().find(|p| p.ends_with("report.md")).unwrap()).unwrap();
    assert!(md.contains("## Findings"), "{md}");
    assert!(md.contains("| Planted | 1.0.0 |"), "{md}");
}

#[test]
fn a_bad_format_or_an_unwritable_folder_exits_2_before_sending() {
    let dir = temp_dir();
    let spec = fixtures().join("test/planted.yaml");
    let out = kontrakt(
        dir.path(),
        &[
            "test",
            spec.to_str().unwrap(),
            "--no-progress",
            "--report",
            "json,pdf",
        ],
    );
    let text = transcript(&out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        text.contains("--report: unknown report format `pdf`"),
        "{text}"
    );
    assert!(!text.contains("test result"), "{text}");

    // A file where the reports folder should be.
    let blocker = dir.path().join("blocked");
    std::fs::write(&blocker, "not a folder").unwrap();
    let out = kontrakt(
        dir.path(),
        &[
            "test",
            spec.to_str().unwrap(),
            "--no-progress",
            "--report",
            "all",
            "--reports",
            blocker.to_str().unwrap(),
        ],
    );
    let text = transcript(&out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("blocked"), "the folder is named: {text}");
    assert!(!text.contains("test result"), "nothing ran: {text}");
    assert_eq!(std::fs::read_to_string(&blocker).unwrap(), "not a folder");
}

/// The CI files are YAML that parses, and the composite action runs what the docs promise.
#[test]
fn the_ci_workflows_and_the_composite_action_parse() {
    use kontrakt::spec::parse::{Limits, parse_yaml};
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for file in [
        ".github/workflows/ci.yml",
        ".github/actions/kontrakt/action.yml",
        ".github/examples/vendor-conformance.yml",
    ] {
        let text = std::fs::read_to_string(root.join(file)).expect(file);
        let parsed = parse_yaml(&text, Limits::default())
            .unwrap_or_else(|e| panic!("{file} is not YAML: {e}"));
        assert!(parsed.value.is_object(), "{file}");
    }
    let action = std::fs::read_to_string(root.join(".github/actions/kontrakt/action.yml")).unwrap();
    let action = parse_yaml(&action, Limits::default()).unwrap().value;
    assert_eq!(action["runs"]["using"], "composite");
    for input in [
        "mode",
        "specs",
        "env",
        "profile",
        "reports",
        "partition",
        "base",
        "comment",
    ] {
        assert!(
            action["inputs"].get(input).is_some(),
            "input `{input}` missing"
        );
    }
    let steps = action["runs"]["steps"].to_string();
    assert!(steps.contains("kontrakt test") && steps.contains("kontrakt diff --base"));
    assert!(steps.contains("upload-artifact"));
    let ci = std::fs::read_to_string(root.join(".github/workflows/ci.yml")).unwrap();
    for gate in [
        "cargo fmt",
        "cargo clippy",
        "cargo test",
        "kontrakt",
        "diff",
        "upload-artifact",
    ] {
        assert!(ci.contains(gate), "ci.yml lacks {gate}");
    }
}
