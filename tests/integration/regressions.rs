//! Inputs from the first review that broke kontrakt (a panic, an unbounded read, a memory
//! blow-up, wrong columns, false positives); each must keep working.

use std::os::unix::ffi::OsStrExt;

use kontrakt::lint::lint_file;
use kontrakt::spec::{self, LoadErrorKind};

use crate::support::{MINIMAL_30, kontrakt, temp_dir, transcript, write};

fn rules_of(path: &std::path::Path) -> Vec<&'static str> {
    let report = lint_file(path);
    assert!(report.error.is_none(), "{:?}", report.error);
    report.findings.iter().map(|f| f.rule).collect()
}

#[test]
fn nested_anchors_are_charged_to_the_alias_budget() {
    // 400 nested anchored mappings around a 100k-item list: no alias at all, but keeping every
    // anchored value once copied the list 400 times (about 5 GB).
    let mut text =
        String::from("openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths: {}\nx-n:\n");
    for i in 0..400 {
        text.push_str(&format!("{}k{i}: &a{i}\n", "  ".repeat(i + 1)));
    }
    text.push_str(&format!(
        "{}v: [{}0]\n",
        "  ".repeat(401),
        "0, ".repeat(100_000)
    ));
    let dir = temp_dir();
    let path = write(dir.path(), "anchors.yaml", text);
    let e = spec::load(&path).expect_err("refused");
    assert_eq!(e.kind, LoadErrorKind::Limit);
    assert!(e.message.contains("alias bomb"), "{e}");
}

#[test]
fn devices_are_refused_not_read() {
    // /dev/zero never ends; it must be refused before reading, as a root or through a `$ref`.
    let e = spec::load(std::path::Path::new("/dev/zero")).expect_err("refused");
    assert_eq!(e.kind, LoadErrorKind::Unreadable);
    assert!(e.message.contains("not a regular file"), "{e}");
    let dir = temp_dir();
    let path = write(
        dir.path(),
        "api.yaml",
        format!("{MINIMAL_30}components:\n  schemas:\n    X:\n      $ref: '/dev/zero#/a'\n"),
    );
    let report = lint_file(&path);
    let f = report
        .findings
        .iter()
        .find(|f| f.rule == "unresolved-ref")
        .expect("reported");
    assert!(f.message.contains("not a regular file"), "{}", f.message);
}

#[test]
fn json_output_survives_non_utf8_file_names() {
    let dir = temp_dir();
    let name = std::ffi::OsStr::from_bytes(b"a\xff.yaml");
    let path = dir.path().join(name);
    std::fs::write(&path, MINIMAL_30).unwrap();
    let output = kontrakt(dir.path(), &["lint", "--format", "json", "."]);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(
        json["documents"][0]["path"]
            .as_str()
            .unwrap()
            .contains('\u{fffd}')
    );
}

#[test]
fn folders_find_roots_with_a_bom_or_json_text() {
    let dir = temp_dir();
    write(dir.path(), "bom.yaml", format!("\u{feff}{MINIMAL_30}"));
    write(
        dir.path(),
        "json-in.yaml",
        "{\n  \"openapi\": \"3.1.0\",\n  \"info\": {\"title\": \"x\", \"version\": \"1\"},\n  \"paths\": {}\n}\n",
    );
    let found = spec::discover(&[dir.path().to_path_buf()]);
    assert_eq!(found.len(), 2, "{found:?}");
}

#[test]
fn symlinked_folders_are_not_followed() {
    let dir = temp_dir();
    write(dir.path(), "api.yaml", MINIMAL_30);
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::os::unix::fs::symlink(dir.path(), dir.path().join("sub/up")).unwrap();
    assert_eq!(spec::discover(&[dir.path().to_path_buf()]).len(), 1);
}

#[test]
fn refs_inside_literal_data_are_data() {
    let dir = temp_dir();
    let path = write(
        dir.path(),
        "api.yaml",
        format!(
            "{MINIMAL_30}components:\n  schemas:\n    X:\n      type: object\n      default: {{$ref: '#/nowhere'}}\n      enum: [{{$ref: 'other.json'}}]\n"
        ),
    );
    let spec = spec::load(&path).expect("loads");
    assert!(spec.problems.is_empty(), "{:?}", spec.problems);
    assert_eq!(spec.files.len(), 1);
}

#[test]
fn json_read_as_yaml_reports_character_columns() {
    let dir = temp_dir();
    // A trailing comma makes this YAML-only; the example error comes after multi-byte letters.
    let text = "{\"openapi\": \"3.0.3\", \"info\": {\"title\": \"x\", \"version\": \"1\"},\n\"paths\": {\"/a\": {\"get\": {\"responses\": {\"200\": {\"description\": \"ok\", \"content\": {\"application/json\": {\"schema\": {\"type\": \"integer\"}, \"example\": {\"æøå\": 1}}}}}}}},\n}\n";
    let path = write(dir.path(), "api.json", text);
    let report = lint_file(&path);
    let f = report
        .findings
        .iter()
        .find(|f| f.rule == "invalid-example")
        .expect("found");
    let line = text.lines().nth(1).unwrap();
    let byte = line.find("{\"æøå\"").unwrap();
    assert_eq!(f.position.line, 2);
    assert_eq!(f.position.column as usize, line[..byte].chars().count() + 1);
}

#[test]
fn a_ref_to_the_wrong_kind_in_the_same_file_is_invalid() {
    let dir = temp_dir();
    let path = write(
        dir.path(),
        "api.yaml",
        "openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        '200':\n          $ref: '#/components/schemas/Err'\ncomponents:\n  schemas:\n    Err:\n      type: object\n",
    );
    assert!(rules_of(&path).contains(&"invalid-openapi"));
}

#[test]
fn read_only_through_all_of_is_not_required_in_requests() {
    let dir = temp_dir();
    let path = write(
        dir.path(),
        "api.yaml",
        "openapi: 3.0.3
info: {title: x, version: '1'}
paths:
  /sager:
    post:
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Sag'}
            example: {navn: x}
      responses:
        '201': {description: oprettet}
components:
  schemas:
    Base:
      type: object
      properties:
        id: {allOf: [{$ref: '#/components/schemas/Id'}]}
    Id: {type: string, readOnly: true}
    Sag:
      type: object
      required: [id, navn]
      allOf: [{$ref: '#/components/schemas/Base'}]
      properties:
        navn: {type: string}
",
    );
    assert!(rules_of(&path).is_empty());
}

#[test]
fn a_nullable_enum_allows_null_only_when_listed() {
    let dir = temp_dir();
    let path = write(
        dir.path(),
        "api.yaml",
        "openapi: 3.0.3
info: {title: x, version: '1'}
paths: {}
components:
  schemas:
    Status:
      type: string
      nullable: true
      enum: [AKTIV]
      example: null
",
    );
    assert_eq!(rules_of(&path), ["invalid-example"]);
}

#[test]
fn switching_protocols_is_a_success() {
    let dir = temp_dir();
    let path = write(
        dir.path(),
        "api.yaml",
        "openapi: 3.1.0\ninfo: {title: x, version: '1'}\npaths:\n  /realtime:\n    get:\n      responses:\n        '101': {description: upgraded}\n",
    );
    assert!(rules_of(&path).is_empty());
}

#[test]
fn a_broken_path_parameter_ref_is_reported_once() {
    let dir = temp_dir();
    let path = write(
        dir.path(),
        "api.yaml",
        "openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths:\n  /a/{id}:\n    parameters: [{$ref: '#/components/parameters/Idd'}]\n    get: {responses: {'200': {description: ok}}}\n    put: {responses: {'200': {description: ok}}}\n",
    );
    assert_eq!(rules_of(&path), ["unresolved-ref"]);
}
