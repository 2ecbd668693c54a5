//! The HTML report in a real browser: headless Chromium (Debian's `chromium` package) opens the
//! page from disk, with no network, and must render it and run its script.
//!
//! - a run with failures (the planted server of `conformance` with a schema fault), the run of
//!   the bundled specs against the embedded mock, and a hand-built report with hostile server
//!   bodies are each rendered, screenshotted and dumped;
//! - the screenshot is a valid PNG of the window's size and not blank (much larger than the
//!   screenshot of an empty page), and is kept under `target/test-artifacts/` for CI to keep;
//! - the dumped DOM shows the script ran (the filters are shown, the fragment's filter applied)
//!   and that nothing from a server body became markup or ran.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use kontrakt::report::Report;
use kontrakt::report::model::{
    Body, Coverage, ExchangeRecord, Hit, HttpRequest, HttpResponse, Location, OperationReport,
    Outcome, RunInfo, ServiceReport, TestKind, TestRecord,
};

use crate::conformance::{Fault, TOKEN, serve_recording};
use crate::support::{fixtures, kontrakt_env, temp_dir, transcript, write};

const CHROMIUM: &str = "/usr/bin/chromium";
const WIDTH: u32 = 1400;
const HEIGHT: u32 = 1000;

/// Chromium (`KONTRAKT_CHROMIUM` names another Chromium-based browser, as GitHub's images carry
/// Google Chrome), or a failure that says how to get it (CI installs it in `.ci/run`).
fn chromium() -> std::path::PathBuf {
    let path = std::env::var_os("KONTRAKT_CHROMIUM")
        .filter(|p| !p.is_empty())
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| Path::new(CHROMIUM).to_path_buf());
    assert!(
        path.exists(),
        "{} is missing: the HTML report's screenshot test needs headless Chromium; \
         install it with `apt-get install chromium` (CI does this in .ci/run) or set \
         KONTRAKT_CHROMIUM",
        path.display()
    );
    path
}

/// Runs headless Chromium with its own profile and no network chatter; fails after 3 minutes.
fn run_chromium(extra: &[&str], url: &str) -> Output {
    let profile = temp_dir();
    let mut cmd = Command::new(chromium());
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        &format!("--user-data-dir={}", profile.path().display()),
        &format!("--window-size={WIDTH},{HEIGHT}"),
    ])
    .args(extra)
    .arg(url)
    .env("HOME", profile.path());
    // Output goes to files, not pipes: a page's DOM is larger than a pipe's buffer, and a
    // child blocked on a full pipe would never exit while we wait for it.
    let out_path = profile.path().join("stdout");
    let err_path = profile.path().join("stderr");
    let file = |p: &Path| std::fs::File::create(p).expect("create an output file");
    cmd.stdin(Stdio::null())
        .stdout(file(&out_path))
        .stderr(file(&err_path));
    let mut child = cmd.spawn().expect("start chromium");
    let deadline = Instant::now() + Duration::from_secs(180);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for chromium") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "chromium did not finish within 3 minutes: {}",
                std::fs::read_to_string(&err_path).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    Output {
        status,
        stdout: std::fs::read(&out_path).expect("chromium's stdout"),
        stderr: std::fs::read(&err_path).expect("chromium's stderr"),
    }
}

fn file_url(path: &Path) -> String {
    format!(
        "file://{}",
        path.canonicalize().expect("absolute path").display()
    )
}

/// `target/test-artifacts/`, beside the binary's `debug/` folder, created if missing.
fn artifacts() -> PathBuf {
    let bin = Path::new(env!("CARGO_BIN_EXE_kontrakt"));
    let target = bin
        .parent()
        .and_then(Path::parent)
        .expect("the binary lives in target/<profile>/");
    let dir = target.join("test-artifacts");
    std::fs::create_dir_all(&dir).expect("create target/test-artifacts");
    dir
}

/// (width, height) from a PNG's signature and IHDR chunk.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "not a PNG: {:?}",
        &bytes[..bytes.len().min(8)]
    );
    assert_eq!(&bytes[12..16], b"IHDR", "the PNG's first chunk is not IHDR");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&bytes[16..20]), be(&bytes[20..24]))
}

/// Screenshots `page` into `target/test-artifacts/<name>.png` and checks the image: a PNG of
/// the window's size, several times the size of an empty page's screenshot (a blank or
/// unstyled page compresses to almost nothing).
fn screenshot(page: &Path, name: &str) -> PathBuf {
    let dir = temp_dir();
    let shot = |url: &str, file: &str| {
        let png = dir.path().join(file);
        let out = run_chromium(&[&format!("--screenshot={}", png.display())], url);
        assert!(
            out.status.success(),
            "chromium failed: {}",
            transcript(&out)
        );
        let bytes = std::fs::read(&png).unwrap_or_else(|e| {
            panic!(
                "no screenshot at {}: {e}\n{}",
                png.display(),
                transcript(&out)
            )
        });
        assert_eq!(png_size(&bytes), (WIDTH, HEIGHT), "the screenshot's size");
        bytes
    };
    let blank_page = write(
        dir.path(),
        "blank.html",
        "<!doctype html><title>blank</title>",
    );
    let blank = shot(&file_url(&blank_page), "blank.png");
    let bytes = shot(&file_url(page), "page.png");
    assert!(
        bytes.len() > 4 * blank.len(),
        "the screenshot looks blank: {} bytes, an empty page's is {}",
        bytes.len(),
        blank.len()
    );
    let kept = artifacts().join(format!("{name}.png"));
    std::fs::write(&kept, &bytes).expect("keep the screenshot");
    std::fs::copy(page, artifacts().join(format!("{name}.html"))).expect("keep the page");
    kept
}

/// The DOM after the page's script ran, opened at `fragment` (e.g. `#failed=1`).
fn dump_dom(page: &Path, fragment: &str) -> String {
    let out = run_chromium(&["--dump-dom"], &format!("{}{fragment}", file_url(page)));
    assert!(
        out.status.success(),
        "chromium failed: {}",
        transcript(&out)
    );
    let dom = String::from_utf8(out.stdout).expect("utf-8 DOM");
    // The script ran: it shows the filters (hidden without script) and marks the page.
    assert!(dom.contains("<html lang=\"en\" class=\"js\">"), "{dom}");
    assert!(
        dom.contains("<form class=\"filters\" id=\"filters\" role=\"search\""),
        "the filters are still hidden: {}",
        &dom[..dom.len().min(4000)]
    );
    for id in ["f-text", "f-failed", "f-service", "f-count"] {
        assert!(dom.contains(&format!("id=\"{id}\"")), "no #{id} in the DOM");
    }
    dom
}

/// The one `report.html` a run wrote under `reports`.
fn written_report(reports: &Path) -> PathBuf {
    let runs: Vec<PathBuf> = std::fs::read_dir(reports)
        .expect("the reports folder")
        .map(|e| e.expect("an entry").path())
        .collect();
    assert_eq!(runs.len(), 1, "one run folder: {runs:?}");
    let page = runs[0].join("report.html");
    assert!(page.is_file(), "no {}", page.display());
    page
}

/// Operation rows of the matrices in a dumped DOM (scenario rows aside): (all, hidden by the
/// filter).
fn matrix_rows(dom: &str) -> (usize, usize) {
    let rows: Vec<&str> = dom
        .split("<tr data-name=")
        .skip(1)
        .map(|r| &r[..r.find('>').unwrap_or(r.len())])
        .filter(|tag| !tag.contains("data-service=\"scenarios\""))
        .collect();
    let hidden = rows.iter().filter(|tag| tag.contains(" hidden")).count();
    (rows.len(), hidden)
}

#[test]
fn a_failing_run_renders_in_chromium_with_its_findings() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let (addr, _) = serve_recording(&runtime, Fault::SchemaViolation);
    let dir = temp_dir();
    let spec = fixtures().join("test/planted.yaml");
    let target = format!("http://{addr}");
    let reports = dir.path().join("reports");
    let out = kontrakt_env(
        dir.path(),
        &[
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
            "--quiet",
            "--report",
            "html",
            "--reports",
            reports.to_str().expect("utf-8 path"),
        ],
        &[("PLANTED_TOKEN", TOKEN)],
    );
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    let page = written_report(&reports);
    let html = std::fs::read_to_string(&page).expect("read the page");
    assert!(
        !html.contains(TOKEN),
        "the token leaked into the HTML report"
    );
    assert!(
        html.contains("<details class=\"finding\""),
        "no finding shown"
    );

    screenshot(&page, "report-html-failing-run");
    let dom = dump_dom(&page, "");
    let (rows, hidden) = matrix_rows(&dom);
    assert_eq!(
        (rows, hidden),
        (3, 0),
        "the planted spec's 3 operations, all shown"
    );
    // `#failed=1`: only operations with a failed test stay.
    let dom = dump_dom(&page, "#failed=1");
    let (rows, hidden) = matrix_rows(&dom);
    assert!(
        hidden > 0 && hidden < rows,
        "{hidden} of {rows} rows hidden"
    );
    assert!(
        dom.contains(&format!(" of {rows} operations")),
        "no count shown"
    );
}

#[test]
fn the_bundled_specs_run_renders_in_chromium() {
    let dir = temp_dir();
    let reports = dir.path().join("reports");
    let out = kontrakt_env(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &[
            "test",
            "specs/",
            "--seed",
            "1",
            "--no-progress",
            "--quiet",
            "--report",
            "html",
            "--reports",
            reports.to_str().expect("utf-8 path"),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    let page = written_report(&reports);
    screenshot(&page, "report-html-bundled-specs");
    let dom = dump_dom(&page, "");
    let (rows, hidden) = matrix_rows(&dom);
    assert!(rows > 10, "only {rows} operation rows");
    assert_eq!(hidden, 0);
    assert!(dom.contains("✓ No test failed."));
    // A text filter from the fragment narrows the matrices.
    let dom = dump_dom(&page, "#q=zzz-matches-nothing");
    assert_eq!(matrix_rows(&dom), (rows, rows));
    assert!(dom.contains(&format!("0 of {rows} operations")));
}

/// A report whose server answered with markup and script: it shows as text and never runs.
#[test]
fn hostile_bodies_in_a_report_do_not_run_in_chromium() {
    let hostile = "<script>document.body.setAttribute('data-pwned','1')</script>\
                   <img src=x onerror=\"document.body.setAttribute('data-pwned','2')\">\
                   <div id=\"pwned\">injected</div>";
    let report = hand_built(hostile);
    let dir = temp_dir();
    let page = write(
        dir.path(),
        "report.html",
        kontrakt::report::html::render(&report),
    );
    screenshot(&page, "report-html-hand-built");
    let dom = dump_dom(&page, "");
    assert!(!dom.contains("data-pwned=\""), "a server body's script ran");
    assert!(
        !dom.contains("<div id=\"pwned\">"),
        "a server body became markup"
    );
    assert!(dom.contains("&lt;div id=\"pwned\"&gt;injected&lt;/div&gt;"));
    // Scenario steps have their own section and selector entry.
    assert!(dom.contains("<option value=\"scenarios\">Scenarios</option>"));
    let dom = dump_dom(&page, "#service=sager-1.0.0");
    assert!(
        dom.contains(
            "<section class=\"service\" id=\"scenarios\" data-service=\"scenarios\" hidden"
        )
    );
}

/// Two services, four checks, a chain, scenario steps, findings with exchanges: every part of
/// the page, with `hostile` as a response body, a header value and a message.
fn hand_built(hostile: &str) -> Report {
    let body = |t: &str| Body {
        size: t.len() as u64,
        text: Some(t.to_string()),
        base64: None,
        truncated: false,
    };
    let op = |svc: &str, id: &str, method: &str, path: &str, sent: u64| OperationReport {
        id: format!("{svc}::{id}"),
        method: method.into(),
        path: path.into(),
        operation_id: Some(id.into()),
        location: None,
        skipped: None,
        sent: [("property".to_string(), sent)].into_iter().collect(),
        not_sent: 0,
        coverage: Coverage {
            statuses: ["200", "400", "404"]
                .iter()
                .enumerate()
                .map(|(i, s)| Hit {
                    name: s.to_string(),
                    hits: if i as u64 * 3 < sent { sent } else { 0 },
                })
                .collect(),
            parameters: vec![
                Hit {
                    name: "query limit".into(),
                    hits: sent,
                },
                Hit {
                    name: "header X-Korrelation".into(),
                    hits: 0,
                },
            ],
            enum_values: vec![
                Hit {
                    name: "query status=AABEN".into(),
                    hits: sent / 2,
                },
                Hit {
                    name: "query status=LUKKET".into(),
                    hits: 0,
                },
            ],
            ..Coverage::default()
        },
    };
    let service = |name: &str, title: &str, ops: Vec<OperationReport>| ServiceReport {
        name: name.into(),
        title: title.into(),
        version: "1.0.0".into(),
        file: format!("specs/{name}.yaml"),
        sha256: "3f9a".repeat(16),
        operations: ops,
    };
    let mut untested = op("sager-1.0.0", "sletSag", "DELETE", "/sager/{sagId}", 0);
    untested.skipped = Some("a state-changing method against production".into());
    let services = vec![
        service(
            "sager-1.0.0",
            "Sager",
            vec![
                op("sager-1.0.0", "listSager", "GET", "/sager", 40),
                op("sager-1.0.0", "opretSag", "POST", "/sager", 25),
                op("sager-1.0.0", "hentSag", "GET", "/sager/{sagId}", 12),
                untested,
            ],
        ),
        service(
            "person-1.1.0",
            "Person",
            vec![op(
                "person-1.1.0",
                "hentPerson",
                "GET",
                "/personer/{cpr}",
                9,
            )],
        ),
    ];
    let exchange = |op: &str| ExchangeRecord {
        operation: Some(op.into()),
        phase: "negative".into(),
        case: "too-long at body navn".into(),
        replay_key: Some("negative:7:3".into()),
        at_ms: 120.0,
        time_ms: 4.2,
        request: HttpRequest {
            method: "POST".into(),
            url: "http://127.0.0.1:40123/sager".into(),
            headers: vec![
                ("authorization".into(), "[redacted]".into()),
                ("content-type".into(), "application/json".into()),
            ],
            body: body("{\"navn\":\"Jensen\",\"status\":\"AABEN\"}"),
        },
        response: Some(HttpResponse {
            status: 500,
            headers: vec![
                ("content-type".into(), "text/html".into()),
                ("x-hostile".into(), hostile.into()),
            ],
            body: body(hostile),
        }),
        error: None,
    };
    let checks = [
        "not-a-server-error",
        "status-code-documented",
        "response-schema-conformance",
        "negative-data-rejected",
    ];
    let mut tests = Vec::new();
    for s in &services {
        for (o, op) in s.operations.iter().enumerate() {
            if op.skipped.is_some() {
                continue;
            }
            for (c, check) in checks.iter().enumerate() {
                let outcome = if (o, c) == (1, 0) || (o, c) == (2, 2) {
                    Outcome::Failed
                } else if (o + c) % 5 == 3 {
                    Outcome::Skipped
                } else {
                    Outcome::Passed
                };
                let failed = outcome == Outcome::Failed;
                tests.push(TestRecord {
                    name: format!("{}::{check}", op.id),
                    kind: TestKind::Check,
                    operation: Some(op.id.clone()),
                    check: Some(check.to_string()),
                    outcome,
                    message: match outcome {
                        Outcome::Failed => Some(format!("500 Internal Server Error: {hostile}")),
                        Outcome::Skipped => Some("no negative case applies".into()),
                        Outcome::Passed => None,
                    },
                    text: failed.then(|| {
                        format!(
                            "500 Internal Server Error\n\nreplay: kontrakt test specs/ --replay negative:7:3\n{hostile}"
                        )
                    }),
                    location: failed.then(|| Location {
                        file: format!("specs/{}.yaml", s.name),
                        line: 40 + o as u32,
                        column: 7,
                    }),
                    exchange: failed.then(|| exchange(&op.id)),
                });
            }
        }
    }
    tests.push(TestRecord {
        name: "sager-1.0.0::opretSag::chain::create-then-read".into(),
        kind: TestKind::Chain,
        operation: Some("sager-1.0.0::opretSag".into()),
        check: Some("create-then-read".into()),
        outcome: Outcome::Passed,
        message: None,
        text: None,
        location: None,
        exchange: None,
    });
    for (step, outcome) in [
        ("opret", Outcome::Passed),
        ("hent", Outcome::Failed),
        ("luk", Outcome::Skipped),
    ] {
        tests.push(TestRecord {
            name: format!("suite::likvidator.yaml::anmeld-krav::{step}"),
            kind: TestKind::Step,
            operation: Some("sager-1.0.0::hentSag".into()),
            check: None,
            outcome,
            message: match outcome {
                Outcome::Failed => Some("expected 200, got 404".into()),
                Outcome::Skipped => Some("an earlier step failed".into()),
                Outcome::Passed => None,
            },
            text: (outcome == Outcome::Failed).then(|| "expected 200, got 404".into()),
            location: None,
            exchange: None,
        });
    }
    tests.sort_by(|a, b| a.name.cmp(&b.name));
    let mut run = RunInfo::blank();
    run.id = "20261123T011502Z-3f9a".into();
    run.started = "2026-11-23T01:15:02.000Z".into();
    run.duration_ms = 8_450;
    run.seed = 7;
    run.target = "http://127.0.0.1:40123".into();
    run.specs = vec!["specs/".into()];
    run.command = "kontrakt test specs/ --seed 7".into();
    let mut report = Report::new(run, services);
    report.exchanges = (0..86)
        .map(|_| exchange("sager-1.0.0::listSager"))
        .collect();
    report.tests = tests;
    report.summarize();
    report
}
