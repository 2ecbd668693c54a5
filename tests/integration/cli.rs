//! The binary end to end: exit codes (0 clean, 1 findings, 2 could not do its job), positions
//! as `file:line:col`, and snapshots of exit code, stdout and stderr together.
//!
//! Documents are copied into temp folders and passed by absolute path, so the snapshots filter
//! the temp folder to `[TEMP]`.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::support::{MINIMAL_30, fixtures, kontrakt, temp_dir, transcript, write};

/// Escapes regex metacharacters so a path can be used as an insta filter.
fn escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Snapshots the transcript of `output` with `temp` (and its canonical form) shown as `[TEMP]`.
fn snapshot(name: &str, output: &Output, temp: &Path) {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(true);
    settings.set_omit_expression(true);
    let mut dirs = vec![temp.to_path_buf()];
    if let Ok(canonical) = temp.canonicalize() {
        dirs.push(canonical);
    }
    for dir in dirs {
        settings.add_filter(&escape(&dir.display().to_string()), "[TEMP]");
    }
    settings.add_filter(
        &format!(r#""version": "{}""#, escape(env!("CARGO_PKG_VERSION"))),
        r#""version": "[VERSION]""#,
    );
    settings.bind(|| insta::assert_snapshot!(name, transcript(output)));
}

/// Runs `kontrakt` from the source tree (not the temp folder), so temp paths stay absolute.
fn run(args: &[&str]) -> Output {
    kontrakt(Path::new(env!("CARGO_MANIFEST_DIR")), args)
}

fn copy_fixture(dir: &Path, fixture: &str, name: &str) -> PathBuf {
    let text = std::fs::read_to_string(fixtures().join(fixture)).expect("read fixture");
    write(dir, name, text)
}

fn s(path: &Path) -> &str {
    path.to_str().expect("UTF-8 temp path")
}

#[track_caller]
fn assert_exit(output: &Output, code: i32) {
    assert_eq!(output.status.code(), Some(code), "{}", transcript(output));
}

// ---- snapshots ----

#[test]
fn snapshot_lint_clean() {
    let dir = temp_dir();
    let path = copy_fixture(
        dir.path(),
        "lint/invalid-example/clean.yaml",
        "virksomhed.yaml",
    );
    let output = run(&["lint", s(&path)]);
    assert_exit(&output, 0);
    snapshot("lint_clean", &output, dir.path());
}

#[test]
fn snapshot_lint_findings_text() {
    let dir = temp_dir();
    let path = copy_fixture(
        dir.path(),
        "lint/invalid-example/fires.yaml",
        "virksomhed.yaml",
    );
    let output = run(&["lint", s(&path)]);
    assert_exit(&output, 1);
    snapshot("lint_findings_text", &output, dir.path());
}

#[test]
fn snapshot_lint_findings_json() {
    let dir = temp_dir();
    let path = copy_fixture(
        dir.path(),
        "lint/invalid-example/fires.yaml",
        "virksomhed.yaml",
    );
    let output = run(&["lint", "--format", "json", s(&path)]);
    assert_exit(&output, 1);
    snapshot("lint_findings_json", &output, dir.path());
}

#[test]
fn snapshot_lint_yaml_syntax_error() {
    let dir = temp_dir();
    let path = write(
        dir.path(),
        "api.yaml",
        "openapi: 3.0.3\ninfo:\n  title: Sager: to\n  version: 1.0.0\npaths: {}\n",
    );
    let output = run(&["lint", s(&path)]);
    assert_exit(&output, 2);
    snapshot("lint_yaml_syntax_error", &output, dir.path());
}

#[test]
fn snapshot_lint_swagger_2() {
    let dir = temp_dir();
    let path = write(
        dir.path(),
        "petstore.yaml",
        "swagger: \"2.0\"\ninfo:\n  title: Petstore\n  version: 1.0.0\npaths: {}\n",
    );
    let output = run(&["lint", s(&path)]);
    assert_exit(&output, 2);
    snapshot("lint_swagger_2", &output, dir.path());
}

#[test]
fn snapshot_lint_rules() {
    let dir = temp_dir();
    let output = run(&["lint", "--rules"]);
    assert_exit(&output, 0);
    // Every registered rule is listed, in registry order.
    let stdout = String::from_utf8_lossy(&output.stdout);
    let listed: Vec<&str> = stdout
        .lines()
        .map(|l| l.split_whitespace().next().unwrap_or(""))
        .collect();
    let registered: Vec<&str> = kontrakt::lint::rules::RULES.iter().map(|r| r.id).collect();
    assert_eq!(listed, registered);
    snapshot("lint_rules", &output, dir.path());
}

#[test]
fn snapshot_lint_without_arguments() {
    let dir = temp_dir();
    let output = run(&["lint"]);
    assert_exit(&output, 2);
    assert!(output.stdout.is_empty());
    snapshot("lint_without_arguments", &output, dir.path());
}

#[test]
fn snapshot_no_command() {
    let dir = temp_dir();
    let output = run(&[]);
    assert_exit(&output, 2);
    snapshot("no_command", &output, dir.path());
}

#[test]
fn snapshot_lint_nonexistent_path() {
    let dir = temp_dir();
    let missing = dir.path().join("findes-ikke.yaml");
    let output = run(&["lint", s(&missing)]);
    assert_exit(&output, 2);
    snapshot("lint_nonexistent_path", &output, dir.path());
}

// ---- exit codes and positions ----

/// Lints one document written to a temp folder; returns the transcript and the file's path.
fn lint_text(name: &str, contents: impl AsRef<[u8]>) -> (Output, String, tempfile::TempDir) {
    let dir = temp_dir();
    let path = write(dir.path(), name, contents);
    let output = run(&["lint", s(&path)]);
    let shown = path.display().to_string();
    (output, shown, dir)
}

#[test]
fn root_load_failures_exit_2_and_point_at_file_line_and_column() {
    let cases: &[(&str, &[u8], &str, &str)] = &[
        (
            "syntax.yaml",
            b"openapi: 3.0.3\ninfo:\n  title: Sager: to\n",
            "syntax-error",
            ":3:15",
        ),
        (
            "syntax.json",
            b"{\"openapi\": \"3.0.3\", \"info\": ]}",
            "syntax-error",
            ":1:30",
        ),
        (
            "dup.yaml",
            b"openapi: 3.0.3\nopenapi: 3.1.0\n",
            "syntax-error",
            ":2:1",
        ),
        ("other.yaml", b"name: x\n", "not-openapi", ":1:1"),
        ("swagger.yaml", b"swagger: '2.0'\n", "swagger-2", ":1:1"),
        (
            "v32.yaml",
            b"info: {}\nopenapi: 3.2.0\n",
            "unsupported-version",
            ":2:1",
        ),
        ("v30.yaml", b"openapi: 3.0\n", "unsupported-version", ":1:1"),
        (
            "latin1.yaml",
            b"openapi: 3.0.3\ninfo:\n  title: d\xf8dsbo\n",
            "not-utf8",
            ":3:11",
        ),
    ];
    for (name, contents, kind, at) in cases {
        let (output, shown, _dir) = lint_text(name, contents);
        let text = transcript(&output);
        assert_eq!(output.status.code(), Some(2), "{name}: {text}");
        assert!(
            text.contains(&format!("error[{kind}]")),
            "{name}: no error[{kind}]: {text}"
        );
        assert!(
            text.contains(&format!("--> {shown}{at}\n")),
            "{name}: no `{shown}{at}`: {text}"
        );
        assert!(
            text.contains("none could be loaded"),
            "{name}: no summary: {text}"
        );
    }
}

#[test]
fn an_alias_bomb_and_deep_nesting_exit_2_quickly() {
    let bomb = format!(
        "{MINIMAL_30}x-lol:\n  a: &a [l,l,l,l,l,l,l,l,l,l]\n{}",
        (b'b'..=b'i')
            .map(|c| {
                let prev = (c - 1) as char;
                let c = c as char;
                format!("  {c}: &{c} [{}]\n", vec![format!("*{prev}"); 10].join(","))
            })
            .collect::<String>()
    );
    for (name, contents) in [
        ("bomb.yaml", bomb),
        (
            "deep.yaml",
            format!("{MINIMAL_30}x: {}", "[".repeat(100_000)),
        ),
        (
            "deep.json",
            format!("{{\"openapi\": \"3.1.0\", \"x\": {}", "[".repeat(100_000)),
        ),
    ] {
        let started = std::time::Instant::now();
        let (output, shown, _dir) = lint_text(name, contents);
        let text = transcript(&output);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "{name} took {:?}",
            started.elapsed()
        );
        assert_eq!(output.status.code(), Some(2), "{name}: {text}");
        assert!(text.contains("error[resource-limit]"), "{name}: {text}");
        assert!(text.contains(&format!("--> {shown}:")), "{name}: {text}");
    }
}

#[test]
fn a_folder_without_documents_exits_2() {
    // (The size limit is 256 MiB in the CLI, too big to write here; `load.rs` tests it through
    // `load_with`.)
    let dir = temp_dir();
    let empty = dir.path().join("ingen-specs");
    std::fs::create_dir(&empty).unwrap();
    let output = run(&["lint", s(&empty)]);
    assert_exit(&output, 2);
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("no OpenAPI documents found"),
        "{}",
        transcript(&output)
    );
}

#[test]
fn findings_exit_1_and_point_at_file_line_and_column() {
    let dir = temp_dir();
    let path = copy_fixture(
        dir.path(),
        "lint/duplicate-operation-id/fires.yaml",
        "krav.yaml",
    );
    let output = run(&["lint", s(&path)]);
    assert_exit(&output, 1);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(&format!("--> {}:31:20\n", path.display())),
        "{stdout}"
    );
    assert!(stdout.contains("error[duplicate-operation-id]"), "{stdout}");
    assert!(stdout.contains("1 error, 0 warnings"), "{stdout}");
}

#[test]
fn warnings_alone_exit_0() {
    let output = run(&[
        "lint",
        s(&fixtures().join("lint/invalid-json/fires/openapi.yaml")),
    ]);
    assert_exit(&output, 0);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("warning[invalid-json]"), "{stdout}");
    assert!(stdout.contains("sag.json:6:3"), "{stdout}");
    assert!(stdout.contains("0 errors, 1 warning"), "{stdout}");
}

#[test]
fn clean_exits_0() {
    let output = run(&["lint", s(&fixtures().join("model/openapi.yaml"))]);
    assert_exit(&output, 0);
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("1 document checked: no problems"),
        "{}",
        transcript(&output)
    );
    assert!(output.stderr.is_empty(), "{}", transcript(&output));
}

#[test]
fn a_load_failure_outranks_findings_in_other_documents() {
    let dir = temp_dir();
    let findings = copy_fixture(dir.path(), "lint/no-success-response/fires.yaml", "a.yaml");
    let broken = write(dir.path(), "b.yaml", "openapi: 3.0.3\ninfo: [\n");
    let output = run(&["lint", s(&findings), s(&broken)]);
    assert_exit(&output, 2);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("error[no-success-response]"), "{stdout}");
    assert!(stdout.contains("error[syntax-error]"), "{stdout}");
    assert!(
        stdout.contains("2 documents checked: 1 error, 0 warnings, 1 could not be loaded"),
        "{stdout}"
    );
}

#[test]
fn a_folder_is_searched_for_root_documents_only() {
    let dir = temp_dir();
    copy_fixture(
        dir.path(),
        "lint/unresolved-ref/clean-across-files/openapi.yaml",
        "api/openapi.yaml",
    );
    copy_fixture(
        dir.path(),
        "lint/unresolved-ref/clean-across-files/common.yaml",
        "api/common.yaml",
    );
    write(dir.path(), "api/.hidden/openapi.yaml", "not: [yaml");
    let output = run(&["lint", "--format", "json", s(dir.path())]);
    assert_exit(&output, 0);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON output");
    let documents = json["documents"].as_array().expect("documents");
    assert_eq!(documents.len(), 1, "{json:#}");
    assert_eq!(documents[0]["files"], 2);
    assert!(
        documents[0]["path"]
            .as_str()
            .unwrap()
            .ends_with("api/openapi.yaml"),
        "{json:#}"
    );
}

#[test]
fn json_output_is_versioned_and_locates_findings_and_failures() {
    let dir = temp_dir();
    let findings = copy_fixture(
        dir.path(),
        "lint/undefined-security-scheme/fires.yaml",
        "a.yaml",
    );
    let broken = write(dir.path(), "b.yaml", "swagger: '2.0'\n");
    let output = run(&["lint", "--format", "json", s(&findings), s(&broken)]);
    assert_exit(&output, 2);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON output");
    assert_eq!(json["tool"], "kontrakt");
    assert_eq!(json["schemaVersion"], 1);
    let docs = &json["documents"];
    assert_eq!(docs[0]["status"], "loaded");
    assert_eq!(docs[0]["openapi"], "3.0.3");
    assert_eq!(docs[0]["operations"], 1);
    let finding = &docs[0]["findings"][0];
    assert_eq!(finding["rule"], "undefined-security-scheme");
    assert_eq!(finding["severity"], "error");
    assert_eq!(finding["file"], s(&findings));
    assert_eq!(
        (finding["line"].as_u64(), finding["column"].as_u64()),
        (Some(6), Some(5))
    );
    assert_eq!(docs[1]["status"], "failed");
    assert_eq!(docs[1]["error"]["rule"], "swagger-2");
    assert_eq!(docs[1]["error"]["severity"], "fatal");
    assert_eq!(docs[1]["error"]["line"], 1);
    assert_eq!(
        json["summary"],
        serde_json::json!({"documents": 2, "failed": 1, "errors": 2, "warnings": 0, "infos": 0})
    );
}

#[test]
fn relative_paths_are_shown_as_given() {
    let dir = temp_dir();
    copy_fixture(
        dir.path(),
        "lint/path-parameter-undeclared/fires.yaml",
        "specs/krav.yaml",
    );
    let output = kontrakt(dir.path(), &["lint", "specs/krav.yaml"]);
    assert_exit(&output, 1);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("--> specs/krav.yaml:7:5\n"), "{stdout}");
}

#[test]
fn bad_arguments_exit_2_and_help_exits_0() {
    let output = run(&["lint", "--format", "xml", "a.yaml"]);
    assert_exit(&output, 2);
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("invalid value 'xml'"),
        "{}",
        transcript(&output)
    );
    assert_exit(&run(&["frobnicate"]), 2);
    let help = run(&["--help"]);
    assert_exit(&help, 0);
    assert!(String::from_utf8_lossy(&help.stdout).contains("Exit codes: 0 clean"));
}

#[test]
fn a_closed_output_pipe_is_not_an_error() {
    // Enough findings to overflow a pipe buffer, so writing fails once the reader is gone.
    let mut text = String::from("openapi: 3.0.3\ninfo:\n  title: x\n  version: 1.0.0\npaths:\n");
    for i in 0..3000 {
        text.push_str(&format!(
            "  /p{i}:\n    get:\n      responses:\n        '404':\n          description: Nej\n"
        ));
    }
    let dir = temp_dir();
    let path = write(dir.path(), "mange.yaml", text);
    let mut child = Command::new(env!("CARGO_BIN_EXE_kontrakt"))
        .args(["lint", s(&path)])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    // Read one chunk, like `head`, then hang up.
    let mut stdout = child.stdout.take().expect("stdout");
    let mut first = [0u8; 64];
    stdout.read_exact(&mut first).expect("some output");
    drop(stdout);
    let output = child.wait_with_output().expect("wait");
    assert!(output.stderr.is_empty(), "{}", transcript(&output));
    // Exit code reflects the findings; a panic would be 101, a signal None.
    assert_exit(&output, 1);
}

#[test]
fn explain_prints_every_section_of_a_rule() {
    for rule in kontrakt::lint::rules::RULES {
        let output = run(&["lint", "--explain", rule.id]);
        assert_exit(&output, 0);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(stdout.starts_with(&format!("{} (", rule.id)), "{stdout}");
        for part in [rule.summary, rule.why, rule.example, rule.fix] {
            assert!(stdout.contains(part), "{}: {stdout}", rule.id);
        }
    }
}

#[test]
fn explain_of_an_unknown_rule_fails_and_lists_the_rules() {
    let output = run(&["lint", "--explain", "no-such-rule"]);
    assert_exit(&output, 2);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no lint rule `no-such-rule`"), "{stderr}");
    assert!(stderr.contains("invalid-example"), "{stderr}");
}

#[test]
fn bench_measures_a_generated_spec_in_a_child_process() {
    let output = run(&["bench", "--generate-mb", "1", "--runs", "1"]);
    assert_exit(&output, 0);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.starts_with("spec "), "{stdout}");
    let row = stdout
        .lines()
        .find(|l| l.contains("generated-1mb.json"))
        .unwrap_or_else(|| panic!("no row: {stdout}"));
    // size in MB, files, operations, then positive time and memory figures
    let cols: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(cols[1], "1.00", "{row}");
    assert_eq!(cols[2], "1", "{row}");
    assert!(cols[3].parse::<usize>().unwrap() > 10, "{row}");
    assert!(cols[4].parse::<f64>().unwrap() > 0.0, "{row}");
    assert!(cols[5].parse::<f64>().unwrap() > 1.0, "{row}");
}

#[test]
fn bench_of_a_missing_file_fails_naming_it() {
    let dir = temp_dir();
    let missing = dir.path().join("findes-ikke.yaml");
    let output = run(&["bench", "--runs", "1", s(&missing)]);
    assert_exit(&output, 2);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("findes-ikke.yaml"), "{stderr}");
    assert!(stderr.contains("cannot read the file"), "{stderr}");
}
