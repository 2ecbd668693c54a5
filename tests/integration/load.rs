//! Every way loading can fail, through the library: the kind, a message that says why, and the
//! file, line and column it points at. The CLI side (exit code 2, `file:line:col`) is in `cli.rs`.

use std::path::Path;

use kontrakt::spec::parse::Limits;
use kontrakt::spec::{self, LoadError, LoadErrorKind, Position, ProblemKind};

use crate::support::{MINIMAL_30, line_of, temp_dir, write};

fn load_err(path: &Path) -> LoadError {
    match spec::load(path) {
        Ok(_) => panic!("{} loaded but should not have", path.display()),
        Err(e) => e,
    }
}

#[track_caller]
fn assert_at(e: &LoadError, path: &Path, line: u32, column: u32) {
    assert_eq!(e.file, path, "{e}");
    assert_eq!(
        e.position,
        Some(Position {
            file: path.to_path_buf(),
            line,
            column
        }),
        "{e}"
    );
    // The Display form is what users see: `file:line:col: message`.
    let shown = e.to_string();
    let prefix = format!("{}:{line}:{column}: ", path.display());
    assert!(shown.starts_with(&prefix), "{shown:?} lacks {prefix:?}");
}

#[test]
fn a_missing_file_is_unreadable() {
    let dir = temp_dir();
    let path = dir.path().join("findes-ikke.yaml");
    let e = load_err(&path);
    assert_eq!(e.kind, LoadErrorKind::Unreadable);
    assert_eq!(e.kind.id(), "unreadable-file");
    assert_eq!(e.file, path);
    assert!(e.position.is_none());
    assert!(e.message.contains("cannot read the file"), "{e}");
    assert!(e.to_string().starts_with(&format!("{}: ", path.display())));
}

#[test]
fn a_directory_is_not_a_file() {
    let dir = temp_dir();
    let path = dir.path().join("api.yaml");
    std::fs::create_dir(&path).unwrap();
    let e = load_err(&path);
    assert_eq!(e.kind, LoadErrorKind::Unreadable);
    assert!(e.message.contains("is a directory"), "{e}");
    assert_eq!(e.file, path);
}

#[test]
fn a_yaml_syntax_error_points_at_the_line() {
    let dir = temp_dir();
    let path = write(
        dir.path(),
        "api.yaml",
        "openapi: 3.0.3\ninfo:\n  title: Sager: to\n  version: 1.0.0\npaths: {}\n",
    );
    let e = load_err(&path);
    assert_eq!(e.kind, LoadErrorKind::Syntax);
    assert!(e.message.starts_with("invalid YAML: "), "{e}");
    assert!(e.message.contains("mapping values are not allowed"), "{e}");
    assert_at(&e, &path, 3, 15);
    assert_eq!(e.line_text.as_deref(), Some("  title: Sager: to"));
}

#[test]
fn a_json_syntax_error_points_at_the_character() {
    let dir = temp_dir();
    // A bracket that closes the wrong thing: neither JSON nor YAML accepts it.
    let path = write(
        dir.path(),
        "api.json",
        "{\n  \"openapi\": \"3.0.3\",\n  \"info\": {\"title\": \"x\", \"version\": \"1\"],\n  \"paths\": {}\n}\n",
    );
    let e = load_err(&path);
    assert_eq!(e.kind, LoadErrorKind::Syntax);
    assert!(e.message.starts_with("invalid JSON: "), "{e}");
    assert!(e.message.contains("found `]`"), "{e}");
    assert_at(&e, &path, 3, 40);
}

#[test]
fn a_trailing_comma_in_a_root_json_file_loads_with_a_warning() {
    let dir = temp_dir();
    let path = write(
        dir.path(),
        "api.json",
        "{\n  \"openapi\": \"3.1.0\",\n  \"info\": {\"title\": \"x\", \"version\": \"1\"},\n  \"paths\": {},\n}\n",
    );
    let spec = spec::load(&path).expect("YAML reads what strict JSON refuses");
    assert_eq!(spec.problems.len(), 1, "{:?}", spec.problems);
    let p = &spec.problems[0];
    assert_eq!(p.kind, ProblemKind::InvalidJson);
    assert!(p.message.contains("trailing comma"), "{}", p.message);
    assert!(p.message.contains("read as YAML"), "{}", p.message);
    assert_eq!(
        p.position,
        Position {
            file: path.clone(),
            line: 5,
            column: 1
        }
    );
}

#[test]
fn duplicate_keys_are_refused_in_yaml() {
    let dir = temp_dir();
    let path = write(
        dir.path(),
        "api.yaml",
        "openapi: 3.0.3\ninfo:\n  title: x\n  version: 1.0.0\npaths: {}\ninfo:\n  title: y\n",
    );
    let e = load_err(&path);
    assert_eq!(e.kind, LoadErrorKind::Syntax);
    assert!(
        e.message
            .contains("duplicate key `info` (first defined at line 2, column 1)"),
        "{e}"
    );
    assert_at(&e, &path, 6, 1);
}

#[test]
fn duplicate_keys_are_refused_in_json() {
    let dir = temp_dir();
    let path = write(
        dir.path(),
        "api.json",
        "{\n  \"openapi\": \"3.0.3\",\n  \"paths\": {\"/a\": {}, \"/a\": {}},\n  \"info\": {\"title\": \"x\", \"version\": \"1\"}\n}\n",
    );
    let e = load_err(&path);
    assert_eq!(e.kind, LoadErrorKind::Syntax);
    assert!(e.message.contains("duplicate key `/a`"), "{e}");
    assert_at(&e, &path, 3, 23);
}

#[test]
fn an_empty_file_and_several_documents_are_syntax_errors() {
    let dir = temp_dir();
    let empty = write(dir.path(), "empty.yaml", "");
    let e = load_err(&empty);
    assert_eq!(e.kind, LoadErrorKind::Syntax);
    assert!(e.message.contains("empty"), "{e}");

    let multi = write(
        dir.path(),
        "multi.yaml",
        format!("{MINIMAL_30}---\n{MINIMAL_30}"),
    );
    let e = load_err(&multi);
    assert_eq!(e.kind, LoadErrorKind::Syntax);
    assert!(e.message.contains("more than one YAML document"), "{e}");
    assert_at(&e, &multi, 11, 1);
}

#[test]
fn a_document_without_openapi_is_not_openapi() {
    let dir = temp_dir();
    let path = write(dir.path(), "catalog.yaml", "services:\n  - id: doedsbo\n");
    let e = load_err(&path);
    assert_eq!(e.kind, LoadErrorKind::NotOpenApi);
    assert_eq!(e.kind.id(), "not-openapi");
    assert!(e.message.contains("no `openapi` field"), "{e}");
    assert_at(&e, &path, 1, 1);

    let list = write(dir.path(), "list.yaml", "- openapi\n- 3.0.3\n");
    let e = load_err(&list);
    assert_eq!(e.kind, LoadErrorKind::NotOpenApi);
    assert!(e.message.contains("the top level is a sequence"), "{e}");
}

#[test]
fn swagger_2_is_refused_with_advice() {
    let dir = temp_dir();
    let path = write(
        dir.path(),
        "petstore.yaml",
        "# Swagger\nswagger: \"2.0\"\ninfo:\n  title: x\n  version: 1.0.0\npaths: {}\n",
    );
    let e = load_err(&path);
    assert_eq!(e.kind, LoadErrorKind::Swagger2);
    assert!(e.message.contains("Swagger 2.0 document"), "{e}");
    assert!(e.message.contains("Convert it first"), "{e}");
    assert_at(&e, &path, 2, 1);
}

#[test]
fn openapi_3_2_is_unsupported() {
    let dir = temp_dir();
    let path = write(
        dir.path(),
        "api.yaml",
        MINIMAL_30.replace("openapi: 3.0.3", "openapi: 3.2.0"),
    );
    let e = load_err(&path);
    assert_eq!(e.kind, LoadErrorKind::UnsupportedVersion);
    assert!(
        e.message
            .contains("OpenAPI version \"3.2.0\" is not supported; kontrakt reads 3.0.x and 3.1.x"),
        "{e}"
    );
    assert_at(&e, &path, 1, 1);
}

#[test]
fn an_unquoted_version_number_is_refused_with_advice() {
    let dir = temp_dir();
    // `openapi: 3.0` is a YAML number; the version field must be a string.
    let path = write(
        dir.path(),
        "api.yaml",
        "info:\n  title: x\n  version: 1.0.0\nopenapi: 3.0\npaths: {}\n",
    );
    let e = load_err(&path);
    assert_eq!(e.kind, LoadErrorKind::UnsupportedVersion);
    assert!(e.message.contains("must be a string"), "{e}");
    assert!(e.message.contains("quote it in YAML"), "{e}");
    assert_at(&e, &path, 4, 1);

    // Quoted but without a patch number it is still not a version kontrakt reads.
    let short = write(
        dir.path(),
        "short.yaml",
        MINIMAL_30.replace("openapi: 3.0.3", "openapi: '3.0'"),
    );
    let e = load_err(&short);
    assert_eq!(e.kind, LoadErrorKind::UnsupportedVersion);
    assert!(e.message.contains("\"3.0\""), "{e}");
}

#[test]
fn a_file_over_the_size_limit_is_refused_before_reading() {
    let dir = temp_dir();
    let path = write(dir.path(), "api.yaml", MINIMAL_30);
    let limits = Limits {
        max_file_bytes: 64,
        ..Limits::default()
    };
    let e = spec::load_with(&path, limits).expect_err("over the limit");
    assert_eq!(e.kind, LoadErrorKind::TooLarge);
    assert_eq!(e.kind.id(), "file-too-large");
    assert_eq!(e.file, path);
    assert!(
        e.message.contains(&format!(
            "the file is {} bytes, over the limit of 64 bytes",
            MINIMAL_30.len()
        )),
        "{e}"
    );
    // The same file within the limit loads.
    let fits = Limits {
        max_file_bytes: MINIMAL_30.len() as u64,
        ..Limits::default()
    };
    assert!(spec::load_with(&path, fits).is_ok());
}

#[test]
fn the_node_limit_is_enforced() {
    let dir = temp_dir();
    let path = write(dir.path(), "api.yaml", MINIMAL_30);
    let limits = Limits {
        max_nodes: 5,
        ..Limits::default()
    };
    let e = spec::load_with(&path, limits).expect_err("over the node limit");
    assert_eq!(e.kind, LoadErrorKind::Limit);
    assert!(e.message.contains("more than 5 values"), "{e}");
    assert!(e.position.is_some());
}

const BILLION_LAUGHS: &str = r#"openapi: 3.0.3
info: {title: x, version: 1.0.0}
paths: {}
x-lol:
  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
  b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
  c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
  d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
  e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
  f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
  g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
  h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
  i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"#;

#[test]
fn an_alias_bomb_is_refused_quickly() {
    let dir = temp_dir();
    let path = write(dir.path(), "lol.yaml", BILLION_LAUGHS);
    let started = std::time::Instant::now();
    let e = load_err(&path);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(e.kind, LoadErrorKind::Limit);
    assert_eq!(e.kind.id(), "resource-limit");
    assert!(e.message.contains("alias bomb"), "{e}");
    let pos = e.position.as_ref().expect("a position");
    assert_eq!(pos.file, path);
    // The expansion passes the budget somewhere in the nested aliases, not before them.
    assert!(
        (line_of(BILLION_LAUGHS, "b: &b")..=line_of(BILLION_LAUGHS, "i: &i")).contains(&pos.line),
        "{e}"
    );
}

#[test]
fn aliases_within_the_budget_load() {
    let dir = temp_dir();
    let text = format!(
        "{MINIMAL_30}components:\n  schemas:\n    Navn: &navn\n      type: string\n      maxLength: 80\n    Efternavn: *navn\n"
    );
    let path = write(dir.path(), "api.yaml", text);
    let spec = spec::load(&path).expect("a plain alias loads");
    assert_eq!(
        spec.root()
            .pointer("/components/schemas/Efternavn/maxLength"),
        Some(&serde_json::json!(80))
    );
}

#[test]
fn deep_nesting_is_refused_without_overflowing_the_stack() {
    let dir = temp_dir();
    let yaml = write(
        dir.path(),
        "deep.yaml",
        format!("{MINIMAL_30}x-deep: {}\n", "[".repeat(100_000)),
    );
    let e = load_err(&yaml);
    assert_eq!(e.kind, LoadErrorKind::Limit, "{e}");
    assert!(e.message.contains("nesting deeper than"), "{e}");
    assert_eq!(e.position.as_ref().map(|p| p.line), Some(11), "{e}");

    let json = write(
        dir.path(),
        "deep.json",
        format!("{{\"openapi\": \"3.0.3\", \"x\": {}", "[".repeat(100_000)),
    );
    let e = load_err(&json);
    assert_eq!(e.kind, LoadErrorKind::Limit, "{e}");
    assert!(
        e.message
            .contains("nesting deeper than 512 levels; refusing to parse further"),
        "{e}"
    );
    // `{` is level 1 and the first `[` (column 27) level 2, so level 513 is the 512th `[`.
    assert_at(&e, &json, 1, 27 + 511);
}

#[test]
fn nesting_within_the_limit_loads_in_json() {
    let dir = temp_dir();
    let json = write(
        dir.path(),
        "deep.json",
        format!(
            "{{\"openapi\": \"3.0.3\", \"info\": {{\"title\": \"x\", \"version\": \"1\"}}, \"paths\": {{}}, \"x-deep\": {}{}}}",
            "[".repeat(300),
            "]".repeat(300)
        ),
    );
    spec::load(&json).expect("300 levels is within the documented limit of 512");
}

#[test]
fn yaml_flow_nesting_past_the_parsers_limit_is_refused_with_that_limit() {
    // saphyr-parser counts flow nesting in a u8: 255 levels load, 300 are refused, and the
    // message must give that limit rather than our own (512), which JSON reaches.
    let dir = temp_dir();
    let ok = write(
        dir.path(),
        "ok.yaml",
        format!(
            "{MINIMAL_30}x-deep: {}{}\n",
            "[".repeat(200),
            "]".repeat(200)
        ),
    );
    spec::load(&ok).expect("200 levels of flow nesting load");
    let deep = write(
        dir.path(),
        "deep.yaml",
        format!(
            "{MINIMAL_30}x-deep: {}{}\n",
            "[".repeat(300),
            "]".repeat(300)
        ),
    );
    let err = spec::load(&deep).unwrap_err();
    assert_eq!(err.kind, spec::LoadErrorKind::Limit);
    assert!(
        err.message.contains("deeper than 255 levels"),
        "{}",
        err.message
    );
    assert!(err.position.as_ref().is_some_and(|p| p.line > 1), "{err}");
}

#[test]
fn invalid_utf8_points_at_the_first_bad_byte() {
    let dir = temp_dir();
    // `ø` in Latin-1 (0xF8), as an editor with the wrong encoding writes it.
    let path = write(
        dir.path(),
        "api.yaml",
        b"openapi: 3.0.3\ninfo:\n  title: \"d\xf8dsbo\"\n  version: 1.0.0\npaths: {}\n",
    );
    let e = load_err(&path);
    assert_eq!(e.kind, LoadErrorKind::NotUtf8);
    assert_eq!(e.kind.id(), "not-utf8");
    assert!(e.message.contains("not valid UTF-8"), "{e}");
    // `  title: "d` is 11 characters; the bad byte is the 12th.
    assert_at(&e, &path, 3, 12);
}

#[test]
fn a_byte_order_mark_is_ignored() {
    let dir = temp_dir();
    let path = write(dir.path(), "api.yaml", format!("\u{feff}{MINIMAL_30}"));
    let spec = spec::load(&path).expect("a BOM is not content");
    assert_eq!(spec.version.raw, "3.0.3");
}

// ---- references: problems that leave the document usable ----

fn ref_doc(reference: &str) -> String {
    format!(
        "openapi: 3.0.3
info:
  title: Sager
  version: 1.0.0
paths:
  /sager:
    get:
      responses:
        '200':
          description: Sagerne
          content:
            application/json:
              schema:
                $ref: '{reference}'
"
    )
}

#[test]
fn a_ref_to_a_missing_file_is_a_problem_at_the_ref() {
    let dir = temp_dir();
    let path = write(dir.path(), "api.yaml", ref_doc("models/sag.yaml#/Sag"));
    let spec = spec::load(&path).expect("a broken ref does not stop the load");
    assert_eq!(spec.problems.len(), 1, "{:?}", spec.problems);
    let p = &spec.problems[0];
    assert_eq!(p.kind, ProblemKind::UnresolvedRef);
    assert!(
        p.message.contains("`models/sag.yaml#/Sag`"),
        "{}",
        p.message
    );
    assert!(p.message.contains("cannot read the file"), "{}", p.message);
    assert_eq!(
        p.position,
        Position {
            file: path.clone(),
            line: 14,
            column: 23
        }
    );
}

#[test]
fn a_ref_to_a_missing_pointer_is_a_problem_at_the_ref() {
    let dir = temp_dir();
    write(
        dir.path(),
        "common.yaml",
        "components:\n  schemas:\n    Address:\n      type: object\n",
    );
    let path = write(
        dir.path(),
        "api.yaml",
        ref_doc("common.yaml#/components/schemas/Adresse"),
    );
    let spec = spec::load(&path).expect("loads");
    assert_eq!(spec.files.len(), 2);
    assert_eq!(spec.problems.len(), 1, "{:?}", spec.problems);
    let p = &spec.problems[0];
    assert_eq!(p.kind, ProblemKind::UnresolvedRef);
    assert!(
        p.message
            .contains("nothing at `/components/schemas/Adresse`"),
        "{}",
        p.message
    );
    assert_eq!((p.position.line, p.position.column), (14, 23));
}

#[test]
fn a_referenced_file_with_a_syntax_error_is_a_problem_naming_its_line() {
    let dir = temp_dir();
    write(
        dir.path(),
        "common.yaml",
        "Sag:\n  type: object\n  properties: {id: [}\n",
    );
    let path = write(dir.path(), "api.yaml", ref_doc("common.yaml#/Sag"));
    let spec = spec::load(&path).expect("only the root must parse");
    assert_eq!(spec.problems.len(), 1, "{:?}", spec.problems);
    let p = &spec.problems[0];
    assert_eq!(p.kind, ProblemKind::UnresolvedRef);
    assert!(p.message.contains("invalid YAML"), "{}", p.message);
    assert!(p.message.contains("common.yaml:3:"), "{}", p.message);
    assert_eq!(p.position.file, path);
}

#[test]
fn an_escaped_pointer_resolves() {
    let dir = temp_dir();
    let text = "openapi: 3.1.0
info:
  title: Sager
  version: 1.0.0
paths:
  /sager/{sagId}:
    get:
      parameters:
        - name: sagId
          in: path
          required: true
          schema:
            type: string
            x-a~b: 1
      responses:
        '200':
          description: Sagen
  /sager/{sagId}/krav:
    get:
      parameters:
        - $ref: '#/paths/~1sager~1%7BsagId%7D/get/parameters/0'
      responses:
        '200':
          description: Kravene
";
    let path = write(dir.path(), "api.yaml", text);
    let spec = spec::load(&path).expect("loads");
    assert!(spec.problems.is_empty(), "{:?}", spec.problems);
    let target = spec
        .resolve_ref(0, "#/paths/~1sager~1%7BsagId%7D/get/parameters/0")
        .expect("`~1` is `/` and `%7B` is `{`");
    assert_eq!(target.ptr, "/paths/~1sager~1{sagId}/get/parameters/0");
    assert_eq!(spec.position(&target).line, 9);
    let tilde = spec
        .resolve_ref(0, "#/paths/~1sager~1{sagId}/get/parameters/0/schema/x-a~0b")
        .expect("`~0` is `~`");
    assert_eq!(spec.get(&tilde), Some(&serde_json::json!(1)));
}

#[test]
fn a_parameter_ref_cycle_is_a_problem_at_each_ref() {
    let dir = temp_dir();
    let text = "openapi: 3.0.3
info:
  title: Sager
  version: 1.0.0
paths:
  /sager:
    get:
      parameters:
        - $ref: '#/components/parameters/A'
      responses:
        '200':
          description: Sagerne
components:
  parameters:
    A:
      $ref: '#/components/parameters/B'
    B:
      $ref: '#/components/parameters/A'
";
    let path = write(dir.path(), "api.yaml", text);
    let spec = spec::load(&path).expect("a cycle does not stop the load");
    let cycles: Vec<(u32, u32)> = spec
        .problems
        .iter()
        .filter(|p| p.kind == ProblemKind::RefCycle)
        .map(|p| (p.position.line, p.position.column))
        .collect();
    assert_eq!(
        cycles,
        vec![(9, 17), (16, 13), (18, 13)],
        "{:?}",
        spec.problems
    );
    assert!(
        spec.problems
            .iter()
            .all(|p| p.message.contains("leads back to itself")),
        "{:?}",
        spec.problems
    );
    // The model skips the parameter it cannot follow instead of looping.
    let model = spec::model::build(&spec);
    assert_eq!(model.operations.len(), 1);
    assert!(model.operations[0].parameters.is_empty());
}

#[test]
fn a_path_item_that_refers_to_itself_is_a_cycle() {
    let dir = temp_dir();
    let text = "openapi: 3.1.0
info:
  title: Sager
  version: 1.0.0
paths:
  /sager:
    $ref: '#/paths/~1sager'
";
    let path = write(dir.path(), "api.yaml", text);
    let spec = spec::load(&path).expect("loads");
    assert!(
        spec.problems
            .iter()
            .any(|p| p.kind == ProblemKind::RefCycle && p.position.line == 7),
        "{:?}",
        spec.problems
    );
    // The model skips it without looping, and leaves the report to the load problem above.
    let model = spec::model::build(&spec);
    assert!(model.operations.is_empty());
    assert!(model.problems.is_empty(), "{:?}", model.problems);
}

#[test]
fn a_recursive_schema_loads_without_problems() {
    let dir = temp_dir();
    let text = format!(
        "{}components:\n  schemas:\n    Node:\n      type: object\n      properties:\n        boern:\n          type: array\n          items:\n            $ref: '#/components/schemas/Node'\n",
        ref_doc("#/components/schemas/Node")
    );
    let path = write(dir.path(), "api.yaml", text);
    let spec = spec::load(&path).expect("loads");
    assert!(spec.problems.is_empty(), "{:?}", spec.problems);
    let model = spec::model::build(&spec);
    assert!(model.problems.is_empty(), "{:?}", model.problems);
    let report = kontrakt::lint::lint_file(&path);
    assert!(report.findings.is_empty(), "{:?}", report.findings);
}
