//! The neutral structural diff on its own: what must not be reported (equivalent rewrites) and
//! what must be found even when it hides (behind refs, in recursive schemas, in other files).

use kontrakt::diff::{Kind, compare};
use kontrakt::spec;

use crate::support::{temp_dir, write};

/// The kinds of every delta between two documents (written into a temp folder with `extra`
/// files beside them).
fn kinds(old: &str, new: &str, extra: &[(&str, &str)]) -> Vec<(Kind, String)> {
    let dir = temp_dir();
    for (name, text) in extra {
        write(dir.path(), name, text);
    }
    let o = spec::load(&write(dir.path(), "old/openapi.yaml", old)).expect("old loads");
    let n = spec::load(&write(dir.path(), "new/openapi.yaml", new)).expect("new loads");
    compare(&o, &n)
        .deltas
        .into_iter()
        .map(|d| (d.kind, d.subject.to_string()))
        .collect()
}

fn doc(openapi: &str, schemas: &str) -> String {
    format!(
        "openapi: {openapi}
info: {{title: Sager, version: 1.0.0}}
paths:
  /sager/{{id}}:
    get:
      parameters:
        - {{name: id, in: path, required: true, schema: {{type: string}}}}
      responses:
        '200':
          description: OK
          content:
            application/json:
              schema: {{$ref: '#/components/schemas/Sag'}}
components:
  schemas:
{schemas}"
    )
}

#[test]
fn object_refactored_into_equivalent_all_of_is_no_change() {
    let flat = doc(
        "3.0.3",
        "    Sag:
      type: object
      required: [sagId, navn]
      properties:
        sagId: {type: string, format: uuid}
        navn: {type: string, maxLength: 200}
",
    );
    let composed = doc(
        "3.0.3",
        "    Id:
      type: object
      required: [sagId]
      properties:
        sagId: {type: string, format: uuid}
    Navngivet:
      type: object
      required: [navn]
      properties:
        navn: {type: string, maxLength: 200}
    Sag:
      allOf:
        - $ref: '#/components/schemas/Id'
        - $ref: '#/components/schemas/Navngivet'
",
    );
    assert_eq!(kinds(&flat, &composed, &[]), vec![]);
    // A real change inside an allOf member is still found, at the property.
    let changed = composed.replace("maxLength: 200", "maxLength: 300");
    let found = kinds(&flat, &changed, &[]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(matches!(found[0].0, Kind::Bound(_)));
    assert!(found[0].1.ends_with("property `navn`"), "{found:?}");
}

#[test]
fn migration_from_3_0_to_3_1_spellings_is_no_change() {
    let v30 = doc(
        "3.0.3",
        "    Sag:
      type: object
      properties:
        note: {type: string, nullable: true}
        antal: {type: integer, minimum: 0, exclusiveMinimum: true}
        fil: {type: string, format: binary}
",
    );
    let v31 = doc(
        "3.1.0",
        "    Sag:
      type: object
      properties:
        note: {type: [string, 'null']}
        antal: {type: integer, exclusiveMinimum: 0}
        fil: {type: string, contentMediaType: application/pdf}
",
    );
    assert_eq!(kinds(&v30, &v31, &[]), vec![]);
}

#[test]
fn recursive_schemas_terminate_and_changes_inside_are_found() {
    let tree = |max: u32| {
        doc(
            "3.0.3",
            &format!(
                "    Sag:
      type: object
      properties:
        navn: {{type: string, maxLength: {max}}}
        undersager:
          type: array
          items: {{$ref: '#/components/schemas/Sag'}}
"
            ),
        )
    };
    assert_eq!(kinds(&tree(50), &tree(50), &[]), vec![]);
    let found = kinds(&tree(50), &tree(40), &[]);
    // Found once at the top; the recursion stops at the pair already being compared.
    assert_eq!(found.len(), 1, "{found:?}");
}

#[test]
fn refs_into_other_files_are_followed_on_both_sides() {
    let root = "openapi: 3.0.3
info: {title: Sager, version: 1.0.0}
paths:
  /sager:
    get:
      responses:
        '200':
          description: OK
          content:
            application/json:
              schema: {$ref: '../common.yaml#/components/schemas/Sag'}
";
    let common = |kind: &str| {
        format!(
            "openapi: 3.0.3\ninfo: {{title: C, version: 1.0.0}}\npaths: {{}}\ncomponents:\n  schemas:\n    Sag:\n      type: object\n      properties:\n        status: {{type: string, enum: [{kind}]}}\n"
        )
    };
    let dir = temp_dir();
    write(dir.path(), "a/common.yaml", common("AABEN"));
    write(dir.path(), "b/common.yaml", common("AABEN, LUKKET"));
    let o = spec::load(&write(dir.path(), "a/x/openapi.yaml", root)).unwrap();
    let n = spec::load(&write(dir.path(), "b/x/openapi.yaml", root)).unwrap();
    let found: Vec<Kind> = compare(&o, &n).deltas.into_iter().map(|d| d.kind).collect();
    assert_eq!(found, vec![Kind::EnumValueAdded]);
}

#[test]
fn renamed_path_parameters_and_reordered_alternatives_are_no_change() {
    let a = doc(
        "3.0.3",
        "    Sag:
      oneOf:
        - {type: string}
        - $ref: '#/components/schemas/Nummer'
    Nummer: {type: integer}
",
    );
    let b = a
        .replace("/sager/{id}", "/sager/{sagId}")
        .replace("name: id,", "name: sagId,")
        .replace(
            "        - {type: string}\n        - $ref: '#/components/schemas/Nummer'\n",
            "        - $ref: '#/components/schemas/Nummer'\n        - {type: string}\n",
        );
    assert_ne!(a, b);
    assert_eq!(kinds(&a, &b, &[]), vec![]);
}

#[test]
fn unrelated_specs_are_recognised() {
    let dir = temp_dir();
    let a = "openapi: 3.0.3\ninfo: {title: A, version: 1.0.0}\npaths:\n  /a:\n    get:\n      responses: {'200': {description: OK}}\n";
    let b = a.replace("/a:", "/b:");
    let o = spec::load(&write(dir.path(), "a.yaml", a)).unwrap();
    let n = spec::load(&write(dir.path(), "b.yaml", b)).unwrap();
    assert!(compare(&o, &n).unrelated());
    assert!(!compare(&o, &o).unrelated());
}

#[test]
fn a_change_inside_mutual_recursion_is_reported_for_every_operation() {
    let spec = |max: u32| {
        format!(
            "openapi: 3.0.3
info: {{title: Sager, version: 1.0.0}}
paths:
  /a:
    get:
      responses:
        '200':
          description: OK
          content: {{application/json: {{schema: {{$ref: '#/components/schemas/Sag'}}}}}}
  /b:
    get:
      responses:
        '200':
          description: OK
          content: {{application/json: {{schema: {{$ref: '#/components/schemas/Wrapper'}}}}}}
components:
  schemas:
    Sag:
      type: object
      properties:
        navn: {{type: string, maxLength: {max}}}
        wrapper: {{$ref: '#/components/schemas/Wrapper'}}
    Wrapper:
      type: object
      properties:
        sag: {{$ref: '#/components/schemas/Sag'}}
"
        )
    };
    let dir = temp_dir();
    let o = spec::load(&write(dir.path(), "a.yaml", spec(50))).unwrap();
    let n = spec::load(&write(dir.path(), "b.yaml", spec(40))).unwrap();
    let ops: Vec<Option<String>> = compare(&o, &n)
        .deltas
        .into_iter()
        .map(|d| d.operation)
        .collect();
    assert_eq!(ops, vec![Some("GET /a".into()), Some("GET /b".into())]);
}
