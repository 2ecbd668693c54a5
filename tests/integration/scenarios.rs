//! Scenario suites in `kontrakt test`: bad suites rejected before any request (file, line,
//! column), the bundled role suites passing against the embedded mock, bounded polling,
//! teardown after a failure, step filters, JUnit grouped by scenario, and every bundled suite
//! valid against `suites/suite.schema.json`.

use std::path::Path;
use std::time::{Duration, Instant};

use super::support::{kontrakt, temp_dir, transcript, write};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

const DOKUMENTLAGER: &str = "specs/dokumentlager/dokumentlager-2.0.0.yaml";

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn bad_suites_are_rejected_with_file_line_and_column() {
    for kind in [
        "syntax",
        "unknown-operation",
        "unknown-step",
        "later-step",
        "unknown-field",
        "type-mismatch",
        "param-type",
        "bad-jsonpath",
    ] {
        let suite = format!("tests/fixtures/scenarios/{kind}.yaml");
        let out = kontrakt(
            root(),
            &["test", DOKUMENTLAGER, "--suites", &suite, "--no-progress"],
        );
        assert_eq!(out.status.code(), Some(2), "{kind}: {}", transcript(&out));
        let err = stderr(&out);
        // Rejected before the mock started, so before any request.
        assert!(!err.contains("testing against"), "{kind}: {err}");
        assert!(err.contains(&format!("{suite}:")), "{kind}: {err}");
        insta::assert_snapshot!(format!("bad_suite_{kind}"), err);
    }
}

#[test]
fn bundled_suites_pass_against_the_mock_and_junit_groups_by_scenario() {
    let dir = temp_dir();
    let junit = dir.path().join("junit.xml");
    let out = kontrakt(
        root(),
        &[
            "test",
            "specs/",
            "--filter",
            "suite::",
            "--no-progress",
            "--seed",
            "3",
            "--junit",
            junit.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    let text = stdout(&out);
    let steps = text
        .lines()
        .filter(|l| l.starts_with("test suite::") && l.ends_with(" ok"))
        .count();
    assert!(steps >= 40, "{text}");
    assert!(text.contains(" 0 failed"), "{text}");
    for role in [
        "suite::likvidator::",
        "suite::kreditor-tvangsoploesning::",
        "suite::kreditor-doedsbo::",
        "suite::dokumentlager::",
    ] {
        assert!(text.contains(role), "{role} missing: {text}");
    }
    assert!(
        stderr(&out).contains("scenario steps in"),
        "{}",
        stderr(&out)
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains(
            "<testsuite name=\"suite::dokumentlager::ikke-pdf\" tests=\"3\" failures=\"0\""
        ),
        "{xml}"
    );
    assert!(
        xml.contains("<testcase classname=\"suite::dokumentlager::ikke-pdf\" name=\"upload\"/>"),
        "{xml}"
    );
}

const OPRET: &str = r#"
      - name: opret
        operation: opretDokument
        body:
          filnavn: bilag.pdf
          mimeType: application/pdf
          stoerrelse: 2048
          sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
          titel: Bilag
          dokumenttype: BILAG
        expect: { status: 201 }
"#;

#[test]
fn polling_is_bounded_by_its_timeout() {
    let dir = temp_dir();
    let suite = write(
        dir.path(),
        "poll.yaml",
        format!(
            "scenarios:\n  - name: vent\n    steps:{OPRET}      - name: godkendt\n        \
             operation: getDokument\n        path: {{ dokumentId: \"{{{{steps.opret.body.dokumentId}}}}\" }}\n        \
             poll: {{ every: 100ms, timeout: 1s }}\n        expect:\n          body:\n            /titel: aldrig\n"
        ),
    );
    let started = Instant::now();
    let out = kontrakt(
        root(),
        &[
            "test",
            DOKUMENTLAGER,
            "--suites",
            suite.to_str().unwrap(),
            "--filter",
            "suite::",
            "--no-progress",
        ],
    );
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    let text = stdout(&out);
    assert!(
        text.contains("still not as expected after polling"),
        "{text}"
    );
    assert!(
        text.contains("expected `/titel` = \"aldrig\", found \"Bilag\""),
        "{text}"
    );
    let polls: u32 = text
        .split("after polling ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!((5..=11).contains(&polls), "{polls} polls: {text}");
    assert!(took < Duration::from_secs(60), "{took:?}");
}

#[test]
fn teardown_runs_after_a_failed_step_and_later_steps_are_ignored() {
    let dir = temp_dir();
    let suite = write(
        dir.path(),
        "teardown.yaml",
        format!(
            "scenarios:\n  - name: oprydning\n    setup:{OPRET}    steps:\n      - name: fejler\n        \
             operation: getDokument\n        path: {{ dokumentId: \"{{{{steps.opret.body.dokumentId}}}}\" }}\n        \
             expect: {{ status: 418 }}\n      - name: naas-ikke\n        operation: getDokument\n        \
             path: {{ dokumentId: \"{{{{steps.opret.body.dokumentId}}}}\" }}\n    teardown:\n      - name: slet\n        \
             operation: sletDokument\n        path: {{ dokumentId: \"{{{{steps.opret.body.dokumentId}}}}\" }}\n        \
             expect: {{ status: 204 }}\n      - name: er-slettet\n        operation: getDokument\n        \
             path: {{ dokumentId: \"{{{{steps.opret.body.dokumentId}}}}\" }}\n        expect: {{ status: 404 }}\n"
        ),
    );
    let out = kontrakt(
        root(),
        &[
            "test",
            DOKUMENTLAGER,
            "--suites",
            suite.to_str().unwrap(),
            "--filter",
            "suite::",
            "--no-progress",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    let text = stdout(&out);
    let line = |step: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!("test suite::teardown::oprydning::{step} ")))
            .unwrap_or_else(|| panic!("{step}: {text}"))
            .to_string()
    };
    assert!(line("opret").ends_with(" ok"), "{text}");
    assert!(line("fejler").ends_with("FAILED"), "{text}");
    assert!(line("naas-ikke").contains("ignored"), "{text}");
    assert!(line("slet").ends_with(" ok"), "{text}");
    assert!(line("er-slettet").ends_with(" ok"), "{text}");
    // The failure shows the same reproduction as generated failures.
    assert!(text.contains("expected status 418, got 200"), "{text}");
    assert!(text.contains("  reproduce:\n    curl "), "{text}");
    // Sent through the run's client: the mock's token was applied, and is redacted.
    assert!(
        text.contains("Authorization: Bearer $KONTRAKT_TOKEN"),
        "{text}"
    );
}

#[test]
fn step_filters_select_scenarios() {
    let out = kontrakt(
        root(),
        &[
            "test",
            "specs/",
            "--filter",
            "suite::dokumentlager::ikke-pdf",
            "--no-progress",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    let text = stdout(&out);
    assert!(
        text.contains("test suite::dokumentlager::ikke-pdf::upload "),
        "{text}"
    );
    assert!(!text.contains("upload-lille"), "{text}");
    assert!(text.contains("3 passed; 0 failed"), "{text}");
    let list = kontrakt(root(), &["test", "specs/", "--list"]);
    assert!(
        stdout(&list)
            .contains("suite::likvidator::redegoerelse-og-fristudsaettelse::historik: test")
    );
    let none = kontrakt(root(), &["test", "specs/", "--no-suites", "--list"]);
    assert!(!stdout(&none).contains("suite::"));
}

#[test]
fn bundled_suites_follow_the_json_schema() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("suites/suite.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let files = kontrakt::scenario::discover(&[root().join("suites")]).unwrap();
    assert!(files.len() >= 4, "{files:?}");
    for f in files {
        let doc = kontrakt::spec::load::read_document(&f).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&doc.value)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", f.display());
        // And the schema is not vacuous: a misspelt key is refused.
        let mut bad = doc.value.clone();
        bad["scenarios"][0]["steps"][0]["opertion"] = serde_json::Value::from("x");
        assert!(!validator.is_valid(&bad), "{}", f.display());
        // Body keys are JSON pointers or JSONPaths, nothing else.
        let mut keys = doc.value.clone();
        keys["scenarios"][0]["steps"][0]["expect"] =
            serde_json::json!({ "body": { "$..dokumentId": { "exists": true } } });
        assert!(validator.is_valid(&keys), "{}", f.display());
        keys["scenarios"][0]["steps"][0]["expect"] = serde_json::json!({ "body": { "status": 1 } });
        assert!(!validator.is_valid(&keys), "{}", f.display());
    }
}

#[test]
fn production_skips_writing_steps_and_the_steps_that_need_them() {
    let dir = temp_dir();
    let served = super::mock::serve(
        &[root().join(DOKUMENTLAGER)],
        kontrakt::mock::MockOptions {
            enforce_auth: false,
            upload_dir: dir.path().join("uploads"),
            ..kontrakt::mock::MockOptions::default()
        },
    );
    let config = write(
        dir.path(),
        "kontrakt.toml",
        format!("[environments.production]\nurl = \"{}\"\n", served.url),
    );
    let suites = root().join("suites/dokumentlager.yaml");
    let spec = root().join(DOKUMENTLAGER);
    let out = kontrakt(
        dir.path(),
        &[
            "test",
            spec.to_str().unwrap(),
            "--config",
            config.to_str().unwrap(),
            "--env",
            "production",
            "--suites",
            suites.to_str().unwrap(),
            "--filter",
            "suite::dokumentlager::upload-lille",
            "--no-progress",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    let text = stdout(&out);
    assert!(text.contains("0 passed; 0 failed; 6 ignored"), "{text}");
    assert!(
        text.contains("needs step `opret`, which was not run"),
        "{text}"
    );
    assert!(
        text.contains("production target: state-changing methods are not sent"),
        "{text}"
    );
}

#[test]
fn jsonpath_assertions_pass_and_fail_on_node_lists() {
    let dir = temp_dir();
    let suite = write(
        dir.path(),
        "jsonpath.yaml",
        format!(
            "scenarios:\n  - name: stier\n    setup:{OPRET}    steps:\n      - name: hent\n        \
             operation: getDokument\n        path: {{ dokumentId: \"{{{{steps.opret.body.dokumentId}}}}\" }}\n        \
             expect:\n          body:\n            \"$..dokumentId\": \"{{{{steps.opret.body.dokumentId}}}}\"\n            \
             \"$.titel\": Bilag\n            \"$[?@ == 'Bilag']\": {{ exists: true }}\n            \
             \"$[?@ == '{{{{steps.opret.body.dokumentId}}}}']\": {{ exists: true }}\n            \
             \"$.ukendt[*]\": {{ absent: true }}\n      - name: forkert\n        operation: getDokument\n        \
             path: {{ dokumentId: \"{{{{steps.opret.body.dokumentId}}}}\" }}\n        expect:\n          body:\n            \
             \"$[?@ == 'Andet']\": {{ exists: true }}\n            \"$.*\": Bilag\n    teardown:\n      - name: slet\n        \
             operation: sletDokument\n        path: {{ dokumentId: \"{{{{steps.opret.body.dokumentId}}}}\" }}\n"
        ),
    );
    let out = kontrakt(
        root(),
        &[
            "test",
            DOKUMENTLAGER,
            "--suites",
            suite.to_str().unwrap(),
            "--filter",
            "suite::",
            "--no-progress",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    let text = stdout(&out);
    let line = |step: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!("test suite::jsonpath::stier::{step} ")))
            .unwrap_or_else(|| panic!("{step}: {text}"))
            .to_string()
    };
    assert!(line("hent").ends_with(" ok"), "{text}");
    assert!(line("forkert").ends_with("FAILED"), "{text}");
    assert!(line("slet").ends_with(" ok"), "{text}");
    assert!(
        text.contains(
            "expected `$[?@ == 'Andet']` to select at least one node of the response body, \
             it selects none"
        ),
        "{text}"
    );
    // A value must hold for every node: `$.*` selects all members, most of them not `Bilag`.
    assert!(
        text.contains("expected every node of `$.*` = \"Bilag\"; "),
        "{text}"
    );
}

#[test]
fn jsonpath_plain_chains_are_checked_statically_and_others_are_not() {
    let dir = temp_dir();
    let with = |key: &str| {
        format!(
            "scenarios:\n  - name: s\n    steps:{OPRET}      - name: hent\n        operation: getDokument\n        \
             path: {{ dokumentId: \"{{{{steps.opret.body.dokumentId}}}}\" }}\n        expect:\n          body:\n            \
             \"{key}\": {{ exists: true }}\n"
        )
    };
    // A plain chain to a field the response cannot have: rejected before any request.
    let bad = write(dir.path(), "bad.yaml", with("$.dokumentID"));
    let out = kontrakt(
        root(),
        &[
            "test",
            DOKUMENTLAGER,
            "--suites",
            bad.to_str().unwrap(),
            "--no-progress",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", transcript(&out));
    let err = stderr(&out);
    assert!(!err.contains("testing against"), "{err}");
    assert!(
        err.contains("bad.yaml:19:29: the documented response of"),
        "{err}"
    );
    assert!(err.contains("cannot have `$.dokumentID`"), "{err}");
    // A templated key's templates are checked like values: an unknown step is refused.
    let unknown = write(
        dir.path(),
        "unknown.yaml",
        with("$[?@ == '{{steps.opert.body.dokumentId}}']"),
    );
    let out = kontrakt(
        root(),
        &[
            "test",
            DOKUMENTLAGER,
            "--suites",
            unknown.to_str().unwrap(),
            "--no-progress",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", transcript(&out));
    let err = stderr(&out);
    assert!(!err.contains("testing against"), "{err}");
    assert!(err.contains("unknown.yaml:19:"), "{err}");
    assert!(err.contains("opert"), "{err}");
    // A descendant query is not decided statically: it runs (and fails at run time).
    let deep = write(dir.path(), "deep.yaml", with("$..dokumentID"));
    let out = kontrakt(
        root(),
        &[
            "test",
            DOKUMENTLAGER,
            "--suites",
            deep.to_str().unwrap(),
            "--filter",
            "suite::",
            "--no-progress",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    assert!(
        stdout(&out).contains("expected `$..dokumentID` to select at least one node"),
        "{}",
        transcript(&out)
    );
}
