//! The value generator: every bundled operation's schemas sampled and validated, each keyword
//! family on small inline specs, determinism, examples, directions, and errors with positions.

use std::collections::HashSet;

use kontrakt::generate::{GenerateOptions, ValueGenerator, targets};
use kontrakt::spec::normalize::Direction;
use kontrakt::spec::{self, Loc, Spec, Validators, model};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use serde_json::{Value, json};

use crate::support::{temp_dir, write};

/// Samples per schema in the bundled-spec test. Debug builds sample fewer to stay near 30 s;
/// `cargo test --release` runs the full thousand.
const SAMPLES: u64 = if cfg!(debug_assertions) { 100 } else { 1000 };

#[test]
fn every_bundled_schema_yields_only_valid_values() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("specs");
    let paths = spec::discover(&[root]);
    assert!(!paths.is_empty(), "no specs under specs/");
    let options = GenerateOptions::default();
    let (mut schemas, mut samples) = (0, 0);
    let mut invalid = Vec::new();
    for path in paths {
        let spec = spec::load(&path).unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
        let model = model::build(&spec);
        let validators = Validators::new(&spec, &model).expect("validators");
        let mut seen = HashSet::new();
        for t in targets(&model) {
            if !seen.insert((t.schema.clone(), t.direction)) {
                continue;
            }
            let validator = validators.get(&t.schema, t.direction).expect("validator");
            let op = model.operations[t.operation].display_name();
            let generator = ValueGenerator::compile(&spec, &t.schema, t.direction, &options)
                .unwrap_or_else(|e| panic!("{} {op} {}: {e}", path.display(), t.role));
            schemas += 1;
            for seed in 0..SAMPLES {
                let v = generator.sample(seed);
                samples += 1;
                if !validator.is_valid(&v) {
                    invalid.push(format!(
                        "{} {op} {} seed {seed}: {v}",
                        path.display(),
                        t.role
                    ));
                }
            }
        }
    }
    assert!(schemas > 100, "only {schemas} schemas");
    assert!(
        invalid.is_empty(),
        "{} of {samples} samples invalid:\n{}",
        invalid.len(),
        invalid[..invalid.len().min(10)].join("\n")
    );
}

/// A spec with the given `components.schemas` (YAML), in OpenAPI `version`.
fn spec_with(version: &str, schemas: &str) -> (tempfile::TempDir, Spec) {
    let dir = temp_dir();
    let indented: String = schemas.lines().map(|l| format!("    {l}\n")).collect();
    let text = format!(
        "openapi: {version}\ninfo: {{title: t, version: '1'}}\npaths: {{}}\ncomponents:\n  schemas:\n{indented}"
    );
    let path = write(dir.path(), "openapi.yaml", text);
    let spec = spec::load(&path).expect("fixture loads");
    (dir, spec)
}

fn schema_loc(name: &str) -> Loc {
    Loc::new(0, format!("/components/schemas/{name}"))
}

fn compile(spec: &Spec, name: &str, direction: Direction) -> ValueGenerator {
    ValueGenerator::compile(
        spec,
        &schema_loc(name),
        direction,
        &GenerateOptions::default(),
    )
    .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Samples `n` values of schema `name` and asserts each is valid; returns them.
fn valid_samples(spec: &Spec, name: &str, direction: Direction, n: u64) -> Vec<Value> {
    let generator = compile(spec, name, direction);
    let validators = Validators::new(spec, &model::build(spec)).expect("validators");
    let validator = validators
        .get(&schema_loc(name), direction)
        .expect("validator");
    (0..n)
        .map(|seed| {
            let v = generator.sample(seed);
            let errors: Vec<String> = validator.iter_errors(&v).map(|e| e.to_string()).collect();
            assert!(errors.is_empty(), "{name} seed {seed}: {v}\n{errors:?}");
            v
        })
        .collect()
}

#[test]
fn generators_are_shareable_across_threads() {
    fn shareable<T: Send + Sync + Clone + 'static>() {}
    shareable::<ValueGenerator>();
    let (_d, spec) = spec_with("3.1.0", "Id: {type: string, format: uuid}");
    let g = compile(&spec, "Id", Direction::Response);
    let expected: Vec<Value> = (0..50).map(|s| g.sample(s)).collect();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let g = g.clone();
            std::thread::spawn(move || (0..50).map(|s| g.sample(s)).collect::<Vec<Value>>())
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), expected);
    }
}

#[test]
fn all_types_and_scalar_keywords() {
    let (_d, spec) = spec_with(
        "3.1.0",
        r#"
Int: {type: integer, minimum: -5, maximum: 5}
ExclInt: {type: integer, exclusiveMinimum: 0, exclusiveMaximum: 3}
Mult: {type: integer, multipleOf: 7, minimum: 100}
Money: {type: number, multipleOf: 0.01, minimum: 0.5, maximum: 2}
Float: {type: number, exclusiveMinimum: 0, exclusiveMaximum: 1}
Huge: {type: integer, minimum: 9007199254740993}
Str: {type: string, minLength: 3, maxLength: 5}
Unicode: {type: string, minLength: 10, maxLength: 10}
Bool: {type: boolean}
Null: {type: "null"}
Multi: {type: [string, integer, "null"]}
Enum: {enum: [rød, grøn, 3, null]}
Const: {const: {a: 1}}
Any: {}
"#,
    );
    for name in [
        "Int", "ExclInt", "Mult", "Money", "Float", "Huge", "Str", "Unicode", "Bool", "Null",
        "Multi", "Enum", "Const", "Any",
    ] {
        valid_samples(&spec, name, Direction::Neutral, 300);
    }
    let ints = valid_samples(&spec, "ExclInt", Direction::Neutral, 50);
    assert!(ints.iter().all(|v| v == &json!(1) || v == &json!(2)));
    let consts = valid_samples(&spec, "Const", Direction::Neutral, 3);
    assert_eq!(consts[0], json!({"a": 1}));
    let multi = valid_samples(&spec, "Multi", Direction::Neutral, 300);
    assert!(multi.iter().any(Value::is_string) && multi.iter().any(Value::is_i64));
}

#[test]
fn openapi_30_keywords() {
    let (_d, spec) = spec_with(
        "3.0.3",
        r#"
Nullable: {type: string, nullable: true, maxLength: 4}
Bounds: {type: number, minimum: 0, exclusiveMinimum: true, maximum: 1, exclusiveMaximum: true}
Example: {type: integer, example: 42}
BadExample: {type: integer, minimum: 0, example: -1}
RefSiblings: {$ref: '#/components/schemas/Example', type: string}
"#,
    );
    let nullable = valid_samples(&spec, "Nullable", Direction::Neutral, 400);
    assert!(nullable.iter().any(Value::is_null) && nullable.iter().any(Value::is_string));
    valid_samples(&spec, "Bounds", Direction::Neutral, 300);
    assert!(
        valid_samples(&spec, "Example", Direction::Neutral, 20)
            .iter()
            .all(|v| v == &json!(42))
    );
    assert!(
        valid_samples(&spec, "BadExample", Direction::Neutral, 50)
            .iter()
            .all(|v| v.as_i64().is_some_and(|n| n >= 0))
    );
    // 3.0 ignores a reference's siblings: the referenced integer schema decides.
    assert!(valid_samples(&spec, "RefSiblings", Direction::Neutral, 5)[0].is_i64());
}

#[test]
fn objects_and_arrays() {
    let (_d, spec) = spec_with(
        "3.1.0",
        r#"
Closed:
  type: object
  required: [id]
  properties: {id: {type: integer}, navn: {type: string}}
  additionalProperties: false
Open:
  type: object
  minProperties: 4
  maxProperties: 5
  properties: {a: {type: string}}
  additionalProperties: {type: integer}
Patterned:
  type: object
  minProperties: 2
  patternProperties: {'^x-[a-z]+$': {type: boolean}}
  additionalProperties: false
Named:
  type: object
  minProperties: 2
  propertyNames: {pattern: '^[A-Z]{3}$'}
  additionalProperties: {type: number}
Tuple:
  type: array
  prefixItems: [{type: string}, {type: integer}]
  items: false
Unique:
  type: array
  items: {type: integer, minimum: 1, maximum: 6}
  minItems: 6
  uniqueItems: true
Contains:
  type: array
  items: {type: integer}
  contains: {const: 7}
  minContains: 2
  maxItems: 4
Bounded: {type: array, items: {type: string}, minItems: 2, maxItems: 3}
Sealed:
  allOf:
    - {type: object, properties: {a: {type: string}}, required: [a]}
    - oneOf:
        - {properties: {b: {type: integer}}, required: [b]}
        - {properties: {c: {type: boolean}}, required: [c]}
  unevaluatedProperties: false
Dependent:
  type: object
  properties: {kort: {type: string}, udløb: {type: string, format: date}}
  dependentRequired: {kort: [udløb]}
  dependentSchemas: {udløb: {required: [kort]}}
"#,
    );
    for v in valid_samples(&spec, "Closed", Direction::Neutral, 200) {
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert!(keys.iter().all(|k| *k == "id" || *k == "navn"), "{v}");
    }
    for name in [
        "Open",
        "Patterned",
        "Named",
        "Tuple",
        "Unique",
        "Contains",
        "Bounded",
        "Sealed",
        "Dependent",
    ] {
        valid_samples(&spec, name, Direction::Neutral, 300);
    }
}

#[test]
fn combinators() {
    let (_d, spec) = spec_with(
        "3.1.0",
        r#"
Base:
  type: object
  required: [id]
  properties: {id: {type: string, format: uuid}}
Merged:
  allOf:
    - $ref: '#/components/schemas/Base'
    - type: object
      required: [antal]
      properties: {antal: {type: integer, minimum: 1}, id: {maxLength: 36}}
Narrowed:
  allOf:
    - {type: integer, minimum: 0, maximum: 100}
    - {type: integer, minimum: 50, multipleOf: 5}
Exclusive:
  oneOf:
    - {type: integer, minimum: 0}
    - {type: integer, maximum: 10}
Either:
  anyOf:
    - {type: string, maxLength: 2}
    - {type: boolean}
Not: {type: integer, minimum: 0, maximum: 5, not: {const: 3}}
NotString: {not: {type: string}}
Inherited:
  oneOf:
    - {type: object, required: [kind], properties: {kind: {type: string}}}
    - allOf:
        - {type: object, required: [kind], properties: {kind: {type: string}}}
        - {type: object, properties: {navn: {type: string}}}
Conditional:
  type: object
  required: [land]
  properties: {land: {enum: [DK, SE]}}
  if: {properties: {land: {const: DK}}}
  then: {required: [cpr], properties: {cpr: {type: string, format: cpr}}}
Twins:
  oneOf:
    - {type: object, properties: {a: {type: string}}}
    - {type: object, properties: {a: {type: string}}}
Discriminated:
  oneOf:
    - {type: object, required: [kind, x], properties: {kind: {const: a}, x: {type: integer}}}
    - {type: object, required: [kind, y], properties: {kind: {const: b}, y: {type: string}}}
"#,
    );
    for v in valid_samples(&spec, "Merged", Direction::Neutral, 200) {
        assert!(v.get("id").is_some() && v.get("antal").is_some(), "{v}");
    }
    for name in [
        "Narrowed",
        "Either",
        "Not",
        "NotString",
        "Discriminated",
        "Inherited",
        "Conditional",
    ] {
        valid_samples(&spec, name, Direction::Neutral, 300);
    }
    // Exactly one branch: integers 0..=10 match both, so none may appear.
    for v in valid_samples(&spec, "Exclusive", Direction::Neutral, 300) {
        let n = v.as_i64().unwrap();
        assert!(!(0..=10).contains(&n), "{n}");
    }
    // Identical branches: no value matches exactly one.
    let e = ValueGenerator::compile(
        &spec,
        &schema_loc("Twins"),
        Direction::Neutral,
        &GenerateOptions::default(),
    )
    .unwrap_err();
    assert!(e.message.contains("exactly one `oneOf` branch"), "{e}");
    let kinds: HashSet<String> = valid_samples(&spec, "Discriminated", Direction::Neutral, 50)
        .iter()
        .map(|v| v["kind"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(kinds.len(), 2, "both branches used");
}

#[test]
fn strings_from_patterns_and_formats() {
    let (_d, spec) = spec_with(
        "3.1.0",
        r#"
Sagsnummer: {type: string, pattern: '^[A-Z]{2}-\d{4}\/\d{2}$'}
Unanchored: {type: string, pattern: 'abc', maxLength: 6}
Lookahead: {type: string, pattern: '^(?=.*\d)[a-z0-9]{8,12}$'}
LongPattern: {type: string, pattern: '^[a-z]+$', minLength: 30, maxLength: 40}
Date: {type: string, format: date}
DateTime: {type: string, format: date-time}
Time: {type: string, format: time}
Duration: {type: string, format: duration}
Uuid: {type: string, format: uuid}
Email: {type: string, format: email}
IdnEmail: {type: string, format: idn-email}
Uri: {type: string, format: uri}
UriRef: {type: string, format: uri-reference}
Host: {type: string, format: hostname}
Ipv4: {type: string, format: ipv4}
Ipv6: {type: string, format: ipv6}
Byte: {type: string, format: byte, maxLength: 16}
Binary: {type: string, format: binary}
Password: {type: string, format: password, minLength: 8}
Int32: {type: integer, format: int32}
Int64: {type: integer, format: int64, minimum: 1}
Float: {type: number, format: float}
Double: {type: number, format: double}
Cpr: {type: string, format: cpr}
Cvr: {type: string, format: cvr}
Unknown: {type: string, format: skostørrelse}
"#,
    );
    for name in [
        "Sagsnummer",
        "Unanchored",
        "Lookahead",
        "LongPattern",
        "Date",
        "DateTime",
        "Time",
        "Duration",
        "Uuid",
        "Email",
        "IdnEmail",
        "Uri",
        "UriRef",
        "Host",
        "Ipv4",
        "Ipv6",
        "Byte",
        "Binary",
        "Password",
        "Int32",
        "Int64",
        "Float",
        "Double",
        "Cpr",
        "Cvr",
        "Unknown",
    ] {
        valid_samples(&spec, name, Direction::Neutral, 200);
    }
    for v in valid_samples(&spec, "Cvr", Direction::Neutral, 100) {
        assert!(spec::validate::cvr_mod11(v.as_str().unwrap()), "{v}");
    }
    for v in valid_samples(&spec, "Cpr", Direction::Neutral, 100) {
        assert!(spec::validate::is_cpr(v.as_str().unwrap()), "{v}");
    }
    for v in valid_samples(&spec, "Int32", Direction::Neutral, 100) {
        assert!(i32::try_from(v.as_i64().unwrap()).is_ok());
    }
}

#[test]
fn plain_strings_read_as_words() {
    let (_d, spec) = spec_with("3.1.0", "Navn: {type: string, maxLength: 30}");
    for v in valid_samples(&spec, "Navn", Direction::Neutral, 100) {
        let s = v.as_str().unwrap();
        assert!(
            s.chars().all(|c| c.is_alphabetic() || c == ' '),
            "{s:?} is not made of words"
        );
    }
}

#[test]
fn directions_leave_out_read_only_and_write_only() {
    let (_d, spec) = spec_with(
        "3.1.0",
        r#"
Bruger:
  type: object
  required: [id, kodeord, navn]
  properties:
    id: {type: integer, readOnly: true}
    kodeord: {type: string, writeOnly: true}
    navn: {type: string}
"#,
    );
    for v in valid_samples(&spec, "Bruger", Direction::Request, 50) {
        assert!(v.get("id").is_none() && v.get("kodeord").is_some(), "{v}");
    }
    for v in valid_samples(&spec, "Bruger", Direction::Response, 50) {
        assert!(v.get("kodeord").is_none() && v.get("id").is_some(), "{v}");
    }
}

#[test]
fn recursion_is_bounded() {
    let (_d, spec) = spec_with(
        "3.1.0",
        r#"
Node:
  type: object
  required: [navn, born]
  properties:
    navn: {type: string}
    born: {type: array, items: {$ref: '#/components/schemas/Node'}}
    forælder: {$ref: '#/components/schemas/Node'}
Tree:
  oneOf:
    - {type: string}
    - {type: array, minItems: 1, items: {$ref: '#/components/schemas/Tree'}}
Endless:
  type: object
  required: [next]
  properties: {next: {$ref: '#/components/schemas/Endless'}}
"#,
    );
    fn depth(v: &Value) -> usize {
        match v {
            Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
            Value::Object(m) => 1 + m.values().map(depth).max().unwrap_or(0),
            _ => 0,
        }
    }
    for name in ["Node", "Tree"] {
        for v in valid_samples(&spec, name, Direction::Neutral, 100) {
            // Six levels of the schema, each an object and an array: about twice that in values.
            assert!(depth(&v) <= 16, "{name}: depth {}", depth(&v));
        }
    }
    let e = ValueGenerator::compile(
        &spec,
        &schema_loc("Endless"),
        Direction::Neutral,
        &GenerateOptions::default(),
    )
    .unwrap_err();
    assert!(e.message.contains("without end"), "{e}");
}

#[test]
fn errors_name_the_location() {
    let (_d, spec) = spec_with(
        "3.1.0",
        r#"
Impossible: {type: integer, minimum: 10, maximum: 2}
Forbidden:
  type: object
  required: [x]
  properties:
    x: false
Clash: {allOf: [{type: string}, {type: integer}]}
"#,
    );
    let err = |name: &str| {
        ValueGenerator::compile(
            &spec,
            &schema_loc(name),
            Direction::Neutral,
            &GenerateOptions::default(),
        )
        .unwrap_err()
    };
    let e = err("Impossible");
    assert!(e.message.contains("above the upper bound"), "{e}");
    assert_eq!(e.at, schema_loc("Impossible"));
    let shown = e.to_string();
    assert!(shown.contains("openapi.yaml:7:5:"), "{shown}");

    let e = err("Forbidden");
    assert!(e.message.contains("`false`"), "{e}");
    assert_eq!(e.at, schema_loc("Forbidden").child("properties").child("x"));
    assert!(e.to_string().contains("openapi.yaml:12:"), "{e}");

    let e = err("Clash");
    assert!(e.message.contains("no type"), "{e}");
}

#[test]
fn same_seed_same_value_and_examples_preferred() {
    let (_d, spec) = spec_with(
        "3.1.0",
        r#"
Sag:
  type: object
  required: [id, titel, parter]
  properties:
    id: {type: string, format: uuid}
    titel: {type: string, examples: [Dødsbo efter Karen Jensen]}
    parter: {type: array, items: {type: string, format: cpr}, maxItems: 4}
    beløb: {type: number, minimum: 0, default: 100}
"#,
    );
    let g = compile(&spec, "Sag", Direction::Neutral);
    for seed in [0, 1, 42, u64::MAX] {
        assert_eq!(g.sample(seed), g.sample(seed));
        assert_eq!(
            g.clone().sample(seed),
            compile(&spec, "Sag", Direction::Neutral).sample(seed)
        );
    }
    let values = valid_samples(&spec, "Sag", Direction::Neutral, 50);
    assert!(
        values
            .iter()
            .all(|v| v["titel"] == json!("Dødsbo efter Karen Jensen"))
    );
    assert!(
        values
            .iter()
            .filter_map(|v| v.get("beløb"))
            .all(|b| b == &json!(100))
    );
    let distinct: HashSet<String> = values.iter().map(|v| v["id"].to_string()).collect();
    assert!(distinct.len() > 40, "seeds vary the values");

    let no_examples = GenerateOptions {
        prefer_examples: false,
        ..GenerateOptions::default()
    };
    let g = ValueGenerator::compile(&spec, &schema_loc("Sag"), Direction::Neutral, &no_examples)
        .unwrap();
    assert!((0..20).any(|s| g.sample(s)["titel"] != json!("Dødsbo efter Karen Jensen")));
}

#[test]
fn strategy_values_are_valid_and_shrink_to_the_minimal_value() {
    let (_d, spec) = spec_with(
        "3.1.0",
        r#"
Sag:
  type: object
  required: [id]
  properties:
    id: {type: integer, minimum: 1}
    noter: {type: array, items: {type: string}}
    titel: {type: string}
"#,
    );
    let g = compile(&spec, "Sag", Direction::Neutral);
    let validators = Validators::new(&spec, &model::build(&spec)).unwrap();
    let validator = validators
        .get(&schema_loc("Sag"), Direction::Neutral)
        .unwrap();
    let strategy = g.strategy();
    let mut runner = TestRunner::deterministic();
    for _ in 0..200 {
        let v = strategy.new_tree(&mut runner).unwrap().current();
        assert!(validator.is_valid(&v), "{v}");
    }
    // A property that always fails: shrinking ends at the minimal object.
    let mut tree = strategy.new_tree(&mut runner).unwrap();
    while tree.simplify() {}
    assert_eq!(tree.current(), json!({"id": 1}));
}
