//! `kontrakt readiness` end to end: a run against the embedded mock in Danish and English,
//! evidence from a saved report, `--verify` intact and tampered, and every way the input can
//! be bad (exit 2 with the file and the line and column).

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;

use crate::support::{kontrakt, temp_dir, transcript, write};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn utf8(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// One readiness run against the mock (Danish, part of the run skipped), shared by the tests:
/// the folder, the run's output, and the underlying report.json.
struct MockRun {
    dir: tempfile::TempDir,
    out: Output,
    report: PathBuf,
}

fn mock_run() -> &'static MockRun {
    static RUN: OnceLock<MockRun> = OnceLock::new();
    RUN.get_or_init(|| {
        let dir = temp_dir();
        let reports = dir.path().join("reports");
        let out_dir = dir.path().join("da");
        let out = kontrakt(
            root(),
            &[
                "readiness",
                "specs/",
                "--seed",
                "1",
                "--phases",
                "examples",
                "--max-examples",
                "1",
                "--skip",
                "person-1.1.0::",
                "--skip",
                "suite::dokumentlager::",
                "--no-progress",
                "--quiet",
                "--reports",
                utf8(&reports),
                "--out",
                utf8(&out_dir),
            ],
        );
        let report = std::fs::read_dir(&reports)
            .ok()
            .and_then(|mut d| d.next())
            .and_then(|e| e.ok())
            .map(|e| e.path().join("report.json"))
            .unwrap_or_else(|| {
                panic!(
                    "no run folder in {}: {}",
                    reports.display(),
                    transcript(&out)
                )
            });
        MockRun { dir, out, report }
    })
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn a_mock_run_is_written_in_danish_and_is_not_evidence() {
    let run = mock_run();
    // Not ready: the mock is not the test environment, and part of the run was skipped.
    assert_eq!(run.out.status.code(), Some(1), "{}", transcript(&run.out));
    let da = run.dir.path().join("da");
    let html = std::fs::read_to_string(da.join("readiness.html")).unwrap();
    for phrase in [
        "<html lang=\"da\">",
        "Dokumentation for test forud for produktionsadgang",
        "IKKE KLAR",
        "ADVARSEL: testet mod den indbyggede mock",
        "Ikke testet",
        "person-1.1.0::",
        "ikke testet",
        "Rolle: likvidator",
        "Kontrolsummer",
        "@media print",
        "size:A4",
    ] {
        assert!(
            html.contains(phrase),
            "`{phrase}` missing from the Danish page"
        );
    }
    for external in ["<link", "<script", " src=", "@import"] {
        assert!(
            !html.contains(external),
            "`{external}`: the page has no external assets"
        );
    }
    let v = json(&da.join("readiness.json"));
    assert_eq!(v["schema"], "kontrakt-readiness/1");
    assert_eq!(v["lang"], "da");
    assert_eq!(v["verdict"]["ready"], false);
    assert_eq!(v["runs"][0]["environment_kind"], "mock");
    let blockers: Vec<&str> = v["verdict"]["blockers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["kind"].as_str().unwrap())
        .collect();
    assert!(blockers.contains(&"mock"), "{blockers:?}");
    assert!(blockers.contains(&"not_tested"), "{blockers:?}");
    // The skipped service is on the plain list; the skipped role's suite is reported.
    let untested: Vec<&str> = v["not_tested"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["operation"].as_str().unwrap())
        .collect();
    assert!(
        untested.iter().any(|o| o.starts_with("person-1.1.0::")),
        "{untested:?}"
    );
    assert!(
        !untested.iter().any(|o| o.starts_with("retskreds-")),
        "{untested:?}"
    );
    // Roles come from the suites and the scopes; likvidator's operations include one named
    // by scope only, with its own checks.
    let roles: Vec<&str> = v["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    for role in [
        "likvidator",
        "kreditor-tvangsoploesning",
        "kreditor-doedsbo",
    ] {
        assert!(roles.contains(&role), "{roles:?}");
    }
    let likvidator = v["roles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "likvidator")
        .unwrap();
    assert!(
        likvidator["scopes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s == "tvangsoploesning.likvidator"),
        "{likvidator}"
    );
    // Specs tested: version and digest of each file.
    let person = v["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "person-1.1.0")
        .unwrap();
    assert_eq!(person["version"], "1.1.0");
    assert_eq!(person["sha256"].as_str().unwrap().len(), 64);
    let err = stderr(&run.out);
    assert!(err.contains("kontrakt readiness: IKKE KLAR"), "{err}");
    assert!(err.contains("readiness.html"), "{err}");
}

#[test]
fn evidence_from_a_saved_report_in_english_and_verify() {
    let run = mock_run();
    let dir = temp_dir();
    let en = dir.path().join("en");
    let out = kontrakt(
        root(),
        &[
            "readiness",
            "--results",
            utf8(&run.report),
            "--suites",
            "suites",
            "--lang",
            "en",
            "--out",
            utf8(&en),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    let html = std::fs::read_to_string(en.join("readiness.html")).unwrap();
    for phrase in [
        "<html lang=\"en\">",
        "Test evidence for production access",
        "NOT READY",
        "WARNING: tested against the embedded mock",
        "Not tested",
        "not tested",
        "Role: likvidator",
        "Digests",
    ] {
        assert!(
            html.contains(phrase),
            "`{phrase}` missing from the English page"
        );
    }
    assert!(!html.contains("produktionsadgang"));
    // The same report gives the same report digest as the run that wrote it.
    let from_run = json(&run.dir.path().join("da/readiness.json"));
    let from_file = json(&en.join("readiness.json"));
    assert_eq!(
        from_run["digest"]["reports"][0]["sha256"],
        from_file["digest"]["reports"][0]["sha256"]
    );
    assert_eq!(from_run["services"], from_file["services"]);
    assert_eq!(from_run["roles"], from_file["roles"]);

    // Intact: exit 0, checked against the report file it names.
    let path = en.join("readiness.json");
    let ok = kontrakt(root(), &["readiness", "--verify", utf8(&path)]);
    assert_eq!(ok.status.code(), Some(0), "{}", transcript(&ok));
    assert!(stderr(&ok).contains("intact"), "{}", transcript(&ok));
    assert!(stderr(&ok).contains("report of run"), "{}", transcript(&ok));

    // Tampered: a not-ready verdict turned ready, and an operation's outcome changed.
    let text = std::fs::read_to_string(&path).unwrap();
    let tampered = text.replacen("\"ready\": false", "\"ready\": true", 1);
    assert_ne!(text, tampered);
    let edited = write(dir.path(), "edited.json", &tampered);
    let bad = kontrakt(root(), &["readiness", "--verify", utf8(&edited)]);
    assert_eq!(bad.status.code(), Some(1), "{}", transcript(&bad));
    let err = stderr(&bad);
    assert!(err.contains("section `verdict` was edited"), "{err}");
    assert!(err.contains("EDITED"), "{err}");
    assert!(!err.contains("section `services`"), "{err}");

    let mut v = from_file.clone();
    v["services"][0]["operations"][0]["status"] = "passed".into();
    v["services"][0]["operations"][0]["checks"]["failed"] = 0.into();
    v["services"][0]["operations"][0]["requests"] = 99.into();
    let edited = write(
        dir.path(),
        "edited2.json",
        serde_json::to_string_pretty(&v).unwrap(),
    );
    let bad = kontrakt(root(), &["readiness", "--verify", utf8(&edited)]);
    assert_eq!(bad.status.code(), Some(1), "{}", transcript(&bad));
    assert!(
        stderr(&bad).contains("section `services` was edited"),
        "{}",
        transcript(&bad)
    );

    // A report edited after the evidence was made.
    let report_text = std::fs::read_to_string(&run.report).unwrap();
    let mut report: serde_json::Value = serde_json::from_str(&report_text).unwrap();
    report["summary"]["failed"] = 0.into();
    report["tests"][0]["outcome"] = "passed".into();
    report["run"]["seed"] = 2.into();
    let edited_report = write(
        dir.path(),
        "report.json",
        serde_json::to_string(&report).unwrap(),
    );
    let bad = kontrakt(
        root(),
        &[
            "readiness",
            "--verify",
            utf8(&path),
            "--results",
            utf8(&edited_report),
        ],
    );
    assert_eq!(bad.status.code(), Some(1), "{}", transcript(&bad));
    assert!(
        stderr(&bad).contains("differs from the one the evidence was made from"),
        "{}",
        transcript(&bad)
    );
}

#[test]
fn the_evidence_json_is_stable() {
    let run = mock_run();
    let dir = temp_dir();
    let out = kontrakt(
        root(),
        &[
            "readiness",
            "--results",
            utf8(&run.report),
            "--role",
            "likvidator",
            "--lang",
            "en",
            "--out",
            utf8(dir.path()),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    let mut v = json(&dir.path().join("readiness.json"));
    redact(&mut v);
    // The first operations of each list show the shape; the counts show the rest.
    for list in ["services", "roles"] {
        for part in v[list].as_array_mut().unwrap() {
            let ops = part["operations"].as_array_mut().unwrap();
            let total = ops.len();
            ops.truncate(3);
            part["operations_total"] = total.into();
        }
    }
    insta::assert_snapshot!("readiness_json", serde_json::to_string_pretty(&v).unwrap());
}

/// Replaces what varies between runs: times, ids, seeds, digests, versions, paths.
fn redact(v: &mut serde_json::Value) {
    use serde_json::Value;
    const VARYING: [&str; 12] = [
        "generated_at",
        "started",
        "finished",
        "tested_at",
        "run",
        "id_of_run",
        "seed",
        "sha256",
        "kontrakt",
        "command",
        "file",
        "content",
    ];
    match v {
        Value::Object(map) => {
            for (k, x) in map.iter_mut() {
                if VARYING.contains(&k.as_str()) && (x.is_string() || x.is_number()) {
                    *x = Value::String(format!("[{k}]"));
                } else if k == "id" && x.as_str().is_some_and(|s| !s.contains("::")) {
                    *x = Value::String("[id]".into());
                } else if k == "sections" {
                    if let Value::Object(s) = x {
                        for d in s.values_mut() {
                            *d = Value::String("[digest]".into());
                        }
                    }
                } else if k == "notes" {
                    *x = Value::String("[notes]".into());
                } else {
                    redact(x);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

#[test]
fn bad_input_exits_2_naming_the_file_and_place() {
    let dir = temp_dir();
    // A results file that is not JSON.
    let corrupt = write(
        dir.path(),
        "corrupt.json",
        "{\n  \"schema\": \"kontrakt-report/1\",\n  oops\n}",
    );
    let out = kontrakt(dir.path(), &["readiness", "--results", utf8(&corrupt)]);
    assert_eq!(out.status.code(), Some(2), "{}", transcript(&out));
    let err = stderr(&out);
    assert!(err.contains("corrupt.json: line 3, column 3"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");

    // A results file of another kind.
    let other = write(
        dir.path(),
        "other.json",
        "{\"schema\": \"kontrakt-readiness/1\"}",
    );
    let out = kontrakt(dir.path(), &["readiness", "--results", utf8(&other)]);
    assert_eq!(out.status.code(), Some(2), "{}", transcript(&out));
    assert!(
        stderr(&out).contains("other.json: /schema"),
        "{}",
        transcript(&out)
    );

    // A missing results file.
    let out = kontrakt(dir.path(), &["readiness", "--results", "nowhere.json"]);
    assert_eq!(out.status.code(), Some(2), "{}", transcript(&out));
    assert!(
        stderr(&out).contains("nowhere.json"),
        "{}",
        transcript(&out)
    );

    // An unknown language.
    let out = kontrakt(
        dir.path(),
        &["readiness", "--results", utf8(&corrupt), "--lang", "de"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", transcript(&out));
    assert!(stderr(&out).contains("'de'"), "{}", transcript(&out));

    // --verify on something unreadable, and on evidence that is not JSON.
    let out = kontrakt(dir.path(), &["readiness", "--verify", "missing.json"]);
    assert_eq!(out.status.code(), Some(2), "{}", transcript(&out));
    assert!(
        stderr(&out).contains("missing.json"),
        "{}",
        transcript(&out)
    );
    let out = kontrakt(dir.path(), &["readiness", "--verify", utf8(&corrupt)]);
    assert_eq!(out.status.code(), Some(2), "{}", transcript(&out));
    assert!(
        stderr(&out).contains("line 3, column 3"),
        "{}",
        transcript(&out)
    );
    let not_evidence = write(
        dir.path(),
        "wrong.json",
        "{\"schema\": \"kontrakt-readiness/1\", \"runs\": 3}",
    );
    let out = kontrakt(dir.path(), &["readiness", "--verify", utf8(&not_evidence)]);
    assert_eq!(out.status.code(), Some(2), "{}", transcript(&out));
    assert!(
        stderr(&out).contains("not readiness evidence"),
        "{}",
        transcript(&out)
    );

    // Neither specs nor --results.
    let out = kontrakt(dir.path(), &["readiness"]);
    assert_eq!(out.status.code(), Some(2), "{}", transcript(&out));
}

#[test]
fn mismatched_reports_and_an_unwritable_folder_exit_2() {
    let run = mock_run();
    let dir = temp_dir();
    let text = std::fs::read_to_string(&run.report).unwrap();
    let mut other: serde_json::Value = serde_json::from_str(&text).unwrap();
    other["run"]["id"] = "20260101T000000Z-beef".into();
    other["services"][0]["sha256"] = "0".repeat(64).into();
    let name = other["services"][0]["name"].as_str().unwrap().to_string();
    let second = write(
        dir.path(),
        "second.json",
        serde_json::to_string(&other).unwrap(),
    );
    let out = kontrakt(
        root(),
        &[
            "readiness",
            "--results",
            utf8(&run.report),
            "--results",
            utf8(&second),
            "--out",
            utf8(&dir.path().join("out")),
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", transcript(&out));
    assert!(
        stderr(&out).contains(&format!("the reports disagree on {name}")),
        "{}",
        transcript(&out)
    );

    // The same run twice.
    let out = kontrakt(
        root(),
        &[
            "readiness",
            "--results",
            utf8(&run.report),
            "--results",
            utf8(&run.report),
            "--out",
            utf8(&dir.path().join("out")),
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", transcript(&out));
    assert!(
        stderr(&out).contains("appears in more than one report"),
        "{}",
        transcript(&out)
    );

    // An output folder under a file.
    let file = write(dir.path(), "a-file", "x");
    let out = kontrakt(
        root(),
        &[
            "readiness",
            "--results",
            utf8(&run.report),
            "--out",
            utf8(&file.join("sub")),
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", transcript(&out));
    assert!(
        stderr(&out).contains("cannot create the output folder"),
        "{}",
        transcript(&out)
    );
}
