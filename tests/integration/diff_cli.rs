//! `kontrakt diff` end to end on the bundled specs: exit codes (0 no breaking change, 1 breaking,
//! 2 could not compare), the deliberate notice-period violation in tvangsoploesning-kreditor
//! 1.1.0, and snapshots of each output format.

use std::path::Path;
use std::process::Output;

use crate::support::{MINIMAL_30, kontrakt, temp_dir, transcript, write};

const KREDITOR_OLD: &str =
    "specs/tvangsoploesning-kreditor/tvangsoploesning-dirigent-kreditor-1.0.0.yaml";
const KREDITOR_NEW: &str =
    "specs/tvangsoploesning-kreditor/tvangsoploesning-dirigent-kreditor-1.1.0.yaml";

/// The fixed "today" of every diff in these tests, unless a test gives its own `--as-of`.
const AS_OF: &str = "2026-01-01";

fn run(args: &[&str]) -> Output {
    let mut args: Vec<&str> = args.to_vec();
    if args.first() == Some(&"diff") && !args.contains(&"--as-of") {
        args.extend(["--as-of", AS_OF]);
    }
    kontrakt(Path::new(env!("CARGO_MANIFEST_DIR")), &args)
}

fn snapshot(name: &str, output: &Output, temp: Option<&Path>) {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(true);
    settings.set_omit_expression(true);
    if let Some(dir) = temp {
        for d in [
            dir.to_path_buf(),
            dir.canonicalize().unwrap_or(dir.to_path_buf()),
        ] {
            settings.add_filter(&regex_escape(&d.display().to_string()), "[TEMP]");
        }
    }
    let root = env!("CARGO_MANIFEST_DIR");
    settings.add_filter(&regex_escape(&format!("{root}/")), "");
    settings.add_filter(
        &format!(
            r#""version": "{}""#,
            regex_escape(env!("CARGO_PKG_VERSION"))
        ),
        r#""version": "[VERSION]""#,
    );
    settings.bind(|| insta::assert_snapshot!(name, transcript(output)));
}

fn regex_escape(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            let special = "\\.+*?()|[]{}^$#&-~".contains(c);
            special
                .then_some('\\')
                .into_iter()
                .chain(std::iter::once(c))
        })
        .collect()
}

#[track_caller]
fn assert_exit(output: &Output, code: i32) {
    assert_eq!(output.status.code(), Some(code), "{}", transcript(output));
}

#[test]
fn kreditor_violation_text() {
    let out = run(&["diff", KREDITOR_OLD, KREDITOR_NEW]);
    assert_exit(&out, 1);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("request-body-property-became-required"),
        "{stdout}"
    );
    assert!(
        stdout.contains("request-body-enum-value-removed"),
        "{stdout}"
    );
    assert!(
        stdout.contains("VIOLATES the notice period by 76 days"),
        "{stdout}"
    );
    assert!(stdout.contains("version-not-bumped"), "{stdout}");
    snapshot("kreditor_text", &out, None);
}

#[test]
fn kreditor_violation_json() {
    let out = run(&["diff", "--format", "json", KREDITOR_OLD, KREDITOR_NEW]);
    assert_exit(&out, 1);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    assert_eq!(v["schemaVersion"], 1);
    assert_eq!(v["summary"]["violations"], 4);
    snapshot("kreditor_json", &out, None);
}

#[test]
fn kreditor_changelog_markdown() {
    let out = run(&["diff", "--format", "markdown", KREDITOR_OLD, KREDITOR_NEW]);
    assert_exit(&out, 1);
    snapshot("kreditor_markdown", &out, None);
}

#[test]
fn announced_removal_respects_the_notice_period() {
    let out = run(&[
        "diff",
        "specs/dokumentlager/dokumentlager-1.0.0.yaml",
        "specs/dokumentlager/dokumentlager-1.1.0.yaml",
    ]);
    assert_exit(&out, 0);
    let out = run(&[
        "diff",
        "--format",
        "json",
        "specs/dokumentlager/dokumentlager-1.1.0.yaml",
        "specs/dokumentlager/dokumentlager-2.0.0.yaml",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    let removal = v["comparisons"][0]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["rule"] == "operation-removed")
        .expect("uploadDel removal reported");
    // Deprecated in 1.1.0 (2024-04-15) with x-sunset 2024-12-31; 2.0.0 takes effect 2025-02-03.
    assert_eq!(removal["verdict"]["announced"], "2024-04-15");
    assert_eq!(removal["verdict"]["earliest"], "2024-12-31");
    assert_eq!(removal["verdict"]["allowed"], true);
    assert!(
        !v["comparisons"][0]["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["rule"] == "server-removed"),
        "the /v1 → /v2 base path is a new major path, not a removed server"
    );
}

#[test]
fn additive_release_is_clean() {
    let out = run(&[
        "diff",
        "specs/person/person-1.0.0.yaml",
        "specs/person/person-1.1.0.yaml",
    ]);
    assert_exit(&out, 0);
    snapshot("person_additive", &out, None);
}

#[test]
fn fail_on_warning_gates_warnings() {
    let args = [
        "specs/retskreds/retskreds-1.0.0.yaml",
        "specs/retskreds/retskreds-1.1.0.yaml",
    ];
    assert_exit(&run(&["diff", args[0], args[1]]), 0);
    // The new enum values are warnings, allowed by the policy (announced with 1.1.0 after a
    // 0-day notice), so even --fail-on warning passes.
    assert_exit(&run(&["diff", "--fail-on", "warning", args[0], args[1]]), 0);
    let dir = temp_dir();
    let old = write(dir.path(), "old.yaml", MINIMAL_30);
    let new = write(
        dir.path(),
        "new.yaml",
        MINIMAL_30
            .replace(
                "          description: Sagerne\n",
                "          description: Sagerne\n        '404':\n          description: Ukendt\n",
            )
            .replace("'200'", "'201'"),
    );
    let (o, n) = (old.to_str().unwrap(), new.to_str().unwrap());
    assert_exit(&run(&["diff", o, n]), 1);
}

#[test]
fn rules_list_and_explain() {
    let out = run(&["diff", "--rules"]);
    assert_exit(&out, 0);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.lines().count() > 100);
    snapshot("rules", &out, None);
    let out = run(&["diff", "--explain", "request-body-property-became-required"]);
    assert_exit(&out, 0);
    snapshot("explain", &out, None);
    let out = run(&["diff", "--explain", "no-such-rule"]);
    assert_exit(&out, 2);
}

#[test]
fn unloadable_file_names_file_line_and_column() {
    let dir = temp_dir();
    let old = write(dir.path(), "old.yaml", MINIMAL_30);
    let bad = write(dir.path(), "bad.yaml", "openapi: 3.0.3\ninfo: [\n");
    let out = run(&["diff", old.to_str().unwrap(), bad.to_str().unwrap()]);
    assert_exit(&out, 2);
    snapshot("unloadable", &out, Some(dir.path()));
    let out = run(&["diff", old.to_str().unwrap(), "/nonexistent/x.yaml"]);
    assert_exit(&out, 2);
}

#[test]
fn unrelated_specs_warn_instead_of_listing_removals() {
    let out = run(&[
        "diff",
        "specs/person/person-1.1.0.yaml",
        "specs/retskreds/retskreds-1.1.0.yaml",
    ]);
    assert_exit(&out, 2);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no operation in common"), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains("path-removed"), "{stdout}");
}

#[test]
fn folders_with_catalogs_compare_service_by_service() {
    // The bundled folder against itself: every service matched, nothing changed.
    let out = run(&["diff", "specs", "specs"]);
    assert_exit(&out, 0);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("9 pairs compared"), "{stdout}");
}

#[test]
fn base_revision_reads_old_from_git() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    if !root.join(".git").exists() {
        return; // a source tarball without history cannot answer this
    }
    let out = run(&["diff", "--base", "HEAD", KREDITOR_NEW]);
    // The working tree may differ from HEAD while developing; what matters is that the old side
    // came from the revision and that nothing was written to the working tree.
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        transcript(&out)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("(HEAD:specs/tvangsoploesning-kreditor/"),
        "{stdout}"
    );
    let out = run(&["diff", "--base", "no-such-revision-xyz", KREDITOR_NEW]);
    assert_exit(&out, 2);
}

#[test]
fn folders_without_catalogs_match_services_by_title() {
    let dir = temp_dir();
    write(dir.path(), "old/sager.yaml", MINIMAL_30);
    write(
        dir.path(),
        "old/andet.yaml",
        MINIMAL_30.replace("title: Sager", "title: Andet"),
    );
    write(
        dir.path(),
        "new/sager-2.yaml",
        MINIMAL_30
            .replace("version: 1.0.0", "version: 2.0.0")
            .replace("  /sager:\n", "  /sager:\n    delete:\n      responses:\n        '204':\n          description: Slettet\n"),
    );
    let (old, new) = (dir.path().join("old"), dir.path().join("new"));
    let out = run(&["diff", old.to_str().unwrap(), new.to_str().unwrap()]);
    assert_exit(&out, 0);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("operation-added"), "{stdout}");
    assert!(stdout.contains("note: `Andet` was removed"), "{stdout}");
    assert!(stdout.contains("1 pair compared"), "{stdout}");
}

/// A deprecated operation with `x-sunset: 2030-01-01`, and the next version without it.
fn sunset_pair(dir: &Path) -> (String, String) {
    let old = MINIMAL_30.replace(
        "  /sager:\n",
        "  /sager:\n    delete:\n      deprecated: true\n      x-sunset: '2030-01-01'\n      responses:\n        '204':\n          description: Slettet\n",
    );
    let old = write(dir, "old.yaml", old);
    let new = write(
        dir,
        "new.yaml",
        MINIMAL_30.replace("version: 1.0.0", "version: 2.0.0"),
    );
    (
        old.to_str().unwrap().to_string(),
        new.to_str().unwrap().to_string(),
    )
}

#[test]
fn as_of_decides_whether_a_sunset_has_passed_outside_a_catalog() {
    let dir = temp_dir();
    let (old, new) = sunset_pair(dir.path());
    // The day before the sunset the removal is too early, on the sunset it is allowed, and
    // the same date gives the same verdict whenever the test runs.
    let before = run(&["diff", "--as-of", "2029-12-31", &old, &new]);
    assert_exit(&before, 1);
    snapshot("as_of_before_sunset", &before, Some(dir.path()));
    let on = run(&["diff", "--as-of", "2030-01-01", &old, &new]);
    assert_exit(&on, 0);
    snapshot("as_of_on_sunset", &on, Some(dir.path()));
    let bad = run(&["diff", "--as-of", "2030-02-30", &old, &new]);
    assert_exit(&bad, 2);
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("day 30 does not exist"),
        "{}",
        transcript(&bad)
    );
}

#[test]
fn as_of_says_whether_a_version_is_in_effect() {
    // Catalog verdicts never depend on the day; only the "in effect" remark does.
    let before = run(&["diff", "--as-of", "2024-07-01", KREDITOR_OLD, KREDITOR_NEW]);
    assert_exit(&before, 1);
    let stdout = String::from_utf8_lossy(&before.stdout);
    assert!(
        stdout.contains(
            "(takes effect in 14 days as of 2024-07-01): VIOLATES the notice period by 76 days"
        ),
        "{stdout}"
    );
    snapshot("kreditor_as_of_2024_07_01", &before, None);
    let after = run(&["diff", KREDITOR_OLD, KREDITOR_NEW]);
    let stdout = String::from_utf8_lossy(&after.stdout);
    assert!(
        stdout.contains("(in effect on 2026-01-01): VIOLATES the notice period by 76 days"),
        "{stdout}"
    );
}

#[test]
fn policy_file_sets_the_notice_per_level() {
    let dir = temp_dir();
    let none = write(
        dir.path(),
        "none.yaml",
        "policyVersion: 1\nlevels:\n  stable: 0\n",
    );
    // Without notice, kreditor 1.1.0's changes are allowed, and a version that promised no
    // notice made no semver promise either.
    let out = run(&[
        "diff",
        "--policy",
        none.to_str().unwrap(),
        KREDITOR_OLD,
        KREDITOR_NEW,
    ]);
    assert_exit(&out, 0);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("+ 0 days"), "{stdout}");
    assert!(!stdout.contains("version-not-bumped"), "{stdout}");
    assert!(
        stdout.contains("the catalog promised 90; the policy applies"),
        "{stdout}"
    );
    let longer = write(
        dir.path(),
        "longer.yaml",
        "policyVersion: 1\nservices:\n  tvangsoploesning-kreditor:\n    stable: 120\n",
    );
    let out = run(&[
        "diff",
        "--policy",
        longer.to_str().unwrap(),
        KREDITOR_OLD,
        KREDITOR_NEW,
    ]);
    assert_exit(&out, 1);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("VIOLATES the notice period by 106 days"),
        "{}",
        transcript(&out)
    );
}

#[test]
fn malformed_policy_and_waiver_files_fail_with_line_and_column() {
    let dir = temp_dir();
    let policy = write(
        dir.path(),
        "policy.yaml",
        "policyVersion: 1\nlevels:\n  stabel: 90\n",
    );
    let out = run(&[
        "diff",
        "--policy",
        policy.to_str().unwrap(),
        KREDITOR_OLD,
        KREDITOR_NEW,
    ]);
    assert_exit(&out, 2);
    snapshot("malformed_policy", &out, Some(dir.path()));
    let waivers = write(
        dir.path(),
        "waivers.yaml",
        "waivers:\n  - fingerprint: 0123456789abcdef\n    reason: agreed with the vendors\n    expires: 2026-13-01\n",
    );
    let out = run(&[
        "diff",
        "--waivers",
        waivers.to_str().unwrap(),
        KREDITOR_OLD,
        KREDITOR_NEW,
    ]);
    assert_exit(&out, 2);
    snapshot("malformed_waivers", &out, Some(dir.path()));
}

/// The fingerprints of the changes that fail kreditor 1.0.0 → 1.1.0.
fn kreditor_failing_fingerprints() -> Vec<String> {
    let out = run(&["diff", "--format", "json", KREDITOR_OLD, KREDITOR_NEW]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    v["comparisons"][0]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["level"] == "error")
        .map(|c| c["fingerprint"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn waivers_accept_changes_until_they_expire() {
    let dir = temp_dir();
    let fingerprints = kreditor_failing_fingerprints();
    assert_eq!(fingerprints.len(), 5, "{fingerprints:?}");
    let file = |expires: &str, extra: &str| {
        let mut text = String::from("waivers:\n");
        for f in &fingerprints {
            text.push_str(&format!(
                "  - fingerprint: {f}\n    reason: agreed with the vendors on 2024-06-20\n    expires: {expires}\n"
            ));
        }
        text.push_str(extra);
        text
    };
    let live = write(
        dir.path(),
        "live.yaml",
        file(
            "2026-06-30",
            "  - fingerprint: ffffffffffffffff\n    reason: an old change\n    expires: 2026-06-30\n",
        ),
    );
    let out = run(&[
        "diff",
        "--waivers",
        live.to_str().unwrap(),
        KREDITOR_OLD,
        KREDITOR_NEW,
    ]);
    assert_exit(&out, 0);
    snapshot("kreditor_waived", &out, Some(dir.path()));
    // The same file judged after the expiry: the waivers no longer apply, and each expired
    // waiver fails the run by itself.
    let out = run(&[
        "diff",
        "--as-of",
        "2026-07-01",
        "--waivers",
        live.to_str().unwrap(),
        KREDITOR_OLD,
        KREDITOR_NEW,
    ]);
    assert_exit(&out, 1);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("expired on 2026-06-30"), "{stderr}");
    // An expired waiver fails even a run with nothing else failing.
    let expired = write(
        dir.path(),
        "expired.yaml",
        "waivers:\n  - fingerprint: ffffffffffffffff\n    reason: an old change\n    expires: 2025-01-01\n",
    );
    let out = run(&[
        "diff",
        "--waivers",
        expired.to_str().unwrap(),
        "specs/person/person-1.0.0.yaml",
        "specs/person/person-1.1.0.yaml",
    ]);
    assert_exit(&out, 1);
    snapshot("expired_waiver", &out, Some(dir.path()));
}

#[test]
fn junit_output() {
    let out = run(&["diff", "--format", "junit", KREDITOR_OLD, KREDITOR_NEW]);
    assert_exit(&out, 1);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("<?xml"), "{stdout}");
    assert!(stdout.contains("failures=\"5\""), "{stdout}");
    snapshot("kreditor_junit", &out, None);
}

#[test]
fn github_annotations() {
    let out = run(&["diff", "--format", "github", KREDITOR_OLD, KREDITOR_NEW]);
    assert_exit(&out, 1);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.lines().any(|l| l.starts_with(
            "::error file=specs/tvangsoploesning-kreditor/tvangsoploesning-dirigent-kreditor-1.1.0.yaml,line="
        )),
        "{stdout}"
    );
    snapshot("kreditor_github", &out, None);
}

#[test]
fn consumer_changelog_in_english_and_danish() {
    let out = run(&["diff", "--format", "changelog", KREDITOR_OLD, KREDITOR_NEW]);
    assert_exit(&out, 1);
    snapshot("kreditor_changelog_en", &out, None);
    let out = run(&[
        "diff",
        "--format",
        "changelog",
        "--lang",
        "da",
        KREDITOR_OLD,
        KREDITOR_NEW,
    ]);
    assert_exit(&out, 1);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("varslingsperioden er ikke overholdt"),
        "{stdout}"
    );
    assert!(
        stdout.contains("feltet `kravtype`: feltet er nu påkrævet"),
        "{stdout}"
    );
    snapshot("kreditor_changelog_da", &out, None);
    let out = run(&[
        "diff",
        "--format",
        "changelog",
        "--lang",
        "da",
        "specs/doedsbo/doedsbojournal-1.3.0.yaml",
        "specs/doedsbo/doedsbojournal-1.4.0.yaml",
    ]);
    assert_exit(&out, 0);
    snapshot("doedsbo_changelog_da", &out, None);
}

#[test]
fn catalog_announcements_start_the_notice_period() {
    // dødsbo 1.4.0's release notes announced that 2.0.0 requires If-Match and Idempotency-Key;
    // the catalog records that, so the notice runs from 1.4.0's publication (2023-03-01).
    let out = run(&[
        "diff",
        "--format",
        "json",
        "specs/doedsbo/doedsbojournal-1.4.0.yaml",
        "specs/doedsbo/doedsbojournal-2.0.0.yaml",
    ]);
    assert_exit(&out, 0);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    let changes = v["comparisons"][0]["changes"].as_array().unwrap();
    for (rule, subject) in [
        ("request-parameter-added-required", "If-Match"),
        ("request-parameter-became-required", "Idempotency-Key"),
    ] {
        let found: Vec<_> = changes
            .iter()
            .filter(|c| c["rule"] == rule && c["subject"].as_str().unwrap().contains(subject))
            .collect();
        assert!(!found.is_empty(), "{rule} {subject}");
        for c in found {
            assert_eq!(c["verdict"]["announced"], "2023-03-01", "{c}");
            assert_eq!(
                c["verdict"]["announcedIn"], "1.4.0 (catalog announcement)",
                "{c}"
            );
            assert_eq!(c["verdict"]["allowed"], true, "{c}");
        }
    }
}

#[test]
fn stability_levels_of_operations_choose_their_notice() {
    let dir = temp_dir();
    write(
        dir.path(),
        "catalog.yaml",
        "catalogVersion: 1\nservices:\n  - id: sager\n    title: Sager\n    description: Test.\n    versions:\n      - version: 1.0.0\n        file: sager/sager-1.0.0.yaml\n        openapi: 3.0.3\n        status: retired\n        published: 2030-01-01\n        effective: 2030-01-01\n        stability: stable\n        noticePeriodDays: 90\n      - version: 2.0.0\n        file: sager/sager-2.0.0.yaml\n        openapi: 3.0.3\n        status: production\n        published: 2030-02-01\n        effective: 2030-02-20\n        stability: stable\n        noticePeriodDays: 90\n",
    );
    write(
        dir.path(),
        "policy.yaml",
        "policyVersion: 1\nlevels:\n  beta: 14\n  stable: 60\n",
    );
    let op = |path: &str, level: Option<&str>, param: bool| {
        let mut s = format!("  {path}:\n    get:\n");
        if let Some(l) = level {
            s.push_str(&format!("      x-stability-level: {l}\n"));
        }
        if param {
            s.push_str("      parameters:\n        - name: q\n          in: query\n          required: true\n          schema:\n            type: string\n");
        }
        s.push_str("      responses:\n        '200':\n          description: OK\n");
        s
    };
    let doc = |version: &str, param: bool| {
        format!(
            "openapi: 3.0.3\ninfo:\n  title: Sager\n  version: {version}\npaths:\n{}{}{}",
            op("/udkast", Some("draft"), param),
            op("/proeve", Some("beta"), param),
            op("/sager", None, param)
        )
    };
    let old = write(dir.path(), "sager/sager-1.0.0.yaml", doc("1.0.0", false));
    let new = write(dir.path(), "sager/sager-2.0.0.yaml", doc("2.0.0", true));
    let out = run(&[
        "diff",
        "--format",
        "json",
        old.to_str().unwrap(),
        new.to_str().unwrap(),
    ]);
    assert_exit(&out, 1);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    let verdicts: Vec<(String, u64, bool)> = v["comparisons"][0]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["rule"] == "request-parameter-added-required")
        .map(|c| {
            (
                c["operation"].as_str().unwrap().to_string(),
                c["verdict"]["noticePeriodDays"].as_u64().unwrap(),
                c["verdict"]["allowed"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        verdicts,
        vec![
            ("GET /proeve".to_string(), 14, true),
            ("GET /sager".to_string(), 60, false),
            ("GET /udkast".to_string(), 0, true),
        ]
    );
}

#[test]
fn bundled_history_verdicts_as_decided() {
    // docs/diff-policy.md: likvidator 1.0.0 promised no notice, so no semver promise either;
    // dokumentlager 2.0.0's nullable fields were never announced.
    let out = run(&[
        "diff",
        "specs/tvangsoploesning-likvidator/tvangsoploesning-dirigent-likvidator-1.0.0.yaml",
        "specs/tvangsoploesning-likvidator/tvangsoploesning-dirigent-likvidator-1.1.0.yaml",
    ]);
    assert_exit(&out, 0);
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("version-not-bumped"),
        "{}",
        transcript(&out)
    );
    let out = run(&[
        "diff",
        "specs/dokumentlager/dokumentlager-1.1.0.yaml",
        "specs/dokumentlager/dokumentlager-2.0.0.yaml",
    ]);
    assert_exit(&out, 1);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout
            .lines()
            .filter(|l| l.contains("response-body-became-nullable"))
            .count(),
        4,
        "{stdout}"
    );
}

#[test]
fn across_reports_drift_of_shared_concepts() {
    // The bundled estate: dødsbo's `afdoede.cprNummer` is not the CPR number the other services
    // define.
    let out = run(&["diff", "--across", "specs"]);
    assert_exit(&out, 1);
    snapshot("across_bundled", &out, None);
    let dir = temp_dir();
    let doc = |title: &str, adresse: &str| {
        format!(
            "openapi: 3.0.3\ninfo:\n  title: {title}\n  version: 1.0.0\npaths:\n  /sager/{{sagId}}:\n    get:\n      parameters:\n        - name: sagId\n          in: path\n          required: true\n          schema:\n            type: string\n            format: uuid\n            description: {title}s sag\n      responses:\n        '200':\n          description: OK\n          content:\n            application/json:\n              schema:\n                $ref: '#/components/schemas/Adresse'\ncomponents:\n  schemas:\n    Adresse:\n{adresse}"
        )
    };
    let a = "      type: object\n      required: [vejnavn, postnummer]\n      properties:\n        vejnavn: {type: string}\n        postnummer: {type: string, pattern: '^[0-9]{4}$'}\n";
    write(dir.path(), "a.yaml", doc("A", a));
    write(
        dir.path(),
        "b.yaml",
        doc(
            "B",
            &a.replace("[vejnavn, postnummer]", "[postnummer, vejnavn]"),
        ),
    );
    write(
        dir.path(),
        "c.yaml",
        doc("C", &a.replace("'^[0-9]{4}$'", "'^[0-9]{3,4}$'")),
    );
    let out = run(&[
        "diff",
        "--across",
        dir.path().to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_exit(&out, 1);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    // Descriptions and the order of `required` are no drift; the postnummer pattern is, both in
    // Adresse and in the Postnummer concept itself.
    assert_eq!(v["checked"]["case id"], 3, "{v}");
    let concepts: Vec<&str> = v["drifts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["concept"].as_str().unwrap())
        .collect();
    assert_eq!(concepts, ["Adresse", "Postnummer"], "{v}");
    let adresse = &v["drifts"][0]["variants"];
    assert_eq!(adresse[0]["occurrences"].as_array().unwrap().len(), 2);
    assert_eq!(adresse[1]["occurrences"][0]["service"], "C");
}
