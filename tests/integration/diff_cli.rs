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

fn run(args: &[&str]) -> Output {
    kontrakt(Path::new(env!("CARGO_MANIFEST_DIR")), args)
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
