//! Positions are the product: findings in referenced files name that file, columns count
//! characters (not bytes), and refs reach files whose names need percent-encoding.

use std::path::Path;

use kontrakt::lint::{Finding, lint_file};
use kontrakt::spec::{self, LoadErrorKind, Position};

use crate::support::{line_of, temp_dir, write};

/// The 1-based character column of `needle` in the line of `text` that contains it.
fn column_of(text: &str, needle: &str) -> u32 {
    let line = text
        .lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("`{needle}` not in text"));
    let byte = line.find(needle).unwrap();
    line[..byte].chars().count() as u32 + 1
}

fn only(findings: &[Finding], rule: &str) -> Finding {
    let of_rule: Vec<&Finding> = findings.iter().filter(|f| f.rule == rule).collect();
    assert_eq!(of_rule.len(), 1, "{findings:#?}");
    assert_eq!(of_rule.len(), findings.len(), "{findings:#?}");
    of_rule[0].clone()
}

fn at(file: &Path, line: u32, column: u32) -> Position {
    Position {
        file: file.to_path_buf(),
        line,
        column,
    }
}

const ROOT: &str = "openapi: 3.0.3
info:
  title: Dødsboer
  version: 1.0.0
paths:
  /doedsboer:
    get:
      responses:
        '200':
          description: Dødsboerne
          content:
            application/json:
              schema:
                $ref: 'schemas/doedsbo.yaml#/Doedsbo'
              examples:
                et:
                  $ref: 'examples/doedsbo.json'
";

/// Replacing this pair in [`ROOT`] drops its example.
const NO_EXAMPLES: (&str, &str) = (
    "              examples:\n                et:\n                  $ref: 'examples/doedsbo.json'\n",
    "",
);

const SCHEMAS: &str = "# Shared schemas.
Doedsbo:
  type: object
  required: [navn, cvr]
  properties:
    navn:
      type: string
    cvr:
      type: string
      minLength: 9
      maxLength: 8
";

#[test]
fn a_finding_in_a_referenced_file_names_that_file_line_and_column() {
    let dir = temp_dir();
    let root = write(
        dir.path(),
        "api.yaml",
        ROOT.replace(NO_EXAMPLES.0, NO_EXAMPLES.1),
    );
    let schemas = write(dir.path(), "schemas/doedsbo.yaml", SCHEMAS);
    let report = lint_file(&root);
    assert!(report.error.is_none(), "{:?}", report.error);
    assert_eq!(report.files, 2);
    let f = only(&report.findings, "impossible-schema");
    assert_eq!(
        f.position,
        at(
            &schemas,
            line_of(SCHEMAS, "minLength"),
            column_of(SCHEMAS, "minLength")
        )
    );
    assert_eq!(f.line_text, "      minLength: 9");
}

#[test]
fn a_json_column_after_non_ascii_text_counts_characters() {
    let dir = temp_dir();
    let root = write(dir.path(), "api.yaml", ROOT);
    write(
        dir.path(),
        "schemas/doedsbo.yaml",
        SCHEMAS.replace("      minLength: 9\n", ""),
    );
    // `ø`, `Å`, `Æ`, `ø` are two bytes each: a byte column would be 4 too far right.
    let example = "{\n  \"value\": {\"navn\": \"Dødsboet efter Åse Ærø\", \"cvr\": 12345678}\n}\n";
    let example_path = write(dir.path(), "examples/doedsbo.json", example);
    let report = lint_file(&root);
    let f = only(&report.findings, "invalid-example");
    assert!(f.message.contains("at `/cvr`"), "{}", f.message);
    assert!(
        f.message.contains("is not of type \"string\""),
        "{}",
        f.message
    );
    assert_eq!(
        f.position,
        at(&example_path, 2, column_of(example, "12345678"))
    );
    assert_eq!(f.position.column, 54);
}

#[test]
fn a_json_syntax_error_after_non_ascii_text_counts_characters() {
    let dir = temp_dir();
    let text = "{\n  \"openapi\": \"3.0.3\",\n  \"info\": {\"title\": \"dødsbo\", \"version\": \"1\"],\n  \"paths\": {}\n}\n";
    let path = write(dir.path(), "api.json", text);
    let e = spec::load(&path).expect_err("the bracket does not match");
    assert_eq!(e.kind, LoadErrorKind::Syntax);
    let p = e.position.expect("a position");
    assert_eq!((p.line, p.column), (3, column_of(text, "],")));
    assert_eq!(p.column, 45);
}

#[test]
fn a_yaml_column_after_non_ascii_text_counts_characters() {
    let dir = temp_dir();
    let text = "openapi: 3.1.0
info:
  title: Skifte
  version: 1.0.0
paths:
  /boer:
    get:
      responses:
        '200':
          description: Boerne
          content:
            application/json:
              schema:
                type: object
                properties:
                  år: {type: integer}
              example: {navn: Dødsbo, år: ikke-et-tal}
";
    let path = write(dir.path(), "api.yaml", text);
    let f = only(&lint_file(&path).findings, "invalid-example");
    assert_eq!(
        f.position,
        at(
            &path,
            line_of(text, "ikke-et-tal"),
            column_of(text, "ikke-et-tal")
        )
    );
}

#[test]
fn a_percent_encoded_file_name_with_a_space_resolves() {
    let dir = temp_dir();
    let root_text = ROOT
        .replace("schemas/doedsbo.yaml", "schemas/d%C3%B8dsbo%20model.yaml")
        .replace(NO_EXAMPLES.0, NO_EXAMPLES.1);
    let root = write(dir.path(), "api.yaml", root_text);
    let schemas = write(dir.path(), "schemas/dødsbo model.yaml", SCHEMAS);
    let spec = spec::load(&root).expect("loads");
    assert!(spec.problems.is_empty(), "{:?}", spec.problems);
    assert_eq!(spec.files.len(), 2);
    assert_eq!(spec.files[1].path, schemas);
    // Findings in that file carry its real (decoded) name.
    let f = only(&lint_file(&root).findings, "impossible-schema");
    assert_eq!(f.position.file, schemas);
    assert_eq!(f.position.line, line_of(SCHEMAS, "minLength"));
}

#[test]
fn a_missing_percent_encoded_file_is_reported_with_its_decoded_name() {
    let dir = temp_dir();
    let root_text = ROOT
        .replace("schemas/doedsbo.yaml", "schemas/findes%20ikke.yaml")
        .replace(NO_EXAMPLES.0, NO_EXAMPLES.1);
    let root = write(dir.path(), "api.yaml", root_text);
    let f = only(&lint_file(&root).findings, "unresolved-ref");
    assert!(f.message.contains("findes ikke.yaml"), "{}", f.message);
    assert_eq!(f.position, at(&root, line_of(ROOT, "$ref: 'schemas"), 23));
}

#[test]
fn relative_paths_stay_relative_in_findings() {
    // Users who type a relative path see relative paths back, in the root and referenced files.
    let fixture = Path::new("tests/fixtures/lint/unresolved-ref/fires-across-files/openapi.yaml");
    let f = only(&lint_file(fixture).findings, "unresolved-ref");
    assert_eq!(
        f.position.file,
        Path::new("tests/fixtures/lint/unresolved-ref/fires-across-files/common.yaml")
    );
}
