//! The compiled form of a schema that generation (and later mutation) works from.
//!
//! Each schema position reachable from the root becomes one [`Node`] in an arena, with `$ref`s
//! resolved to node ids (so recursive schemas are finite graphs), OpenAPI 3.0 keywords rewritten by
//! [`normalize::normalize_30`], and `required` relaxed for the direction exactly as the validators
//! relax it. The IR is faithful, not simplified: `allOf` stays a list here and is merged later, per
//! generated value, by the planner. That keeps one structure usable both for producing values and
//! for deciding whether a value is valid ([`Ir::accepts`]), which the generator needs for `oneOf`,
//! `not`, examples and rejection sampling.
//!
//! The assertion keywords of a node (type, enum, bounds, lengths, pattern, format, ...) are judged
//! by a small `jsonschema` validator built from just those keywords with the same options as
//! [`crate::spec::Validators`], so that float `multipleOf`, ECMA regexes and formats mean exactly
//! what they mean to the validators the mock and the tests use. Applicators (properties, items,
//! combinators) are walked here, over the graph.

use std::collections::HashMap;
use std::sync::Arc;

use jsonschema::Validator;
use serde_json::{Map, Value};

use super::error::GenerateError;
use super::regex::RegexGen;
use crate::spec::normalize::{self, Direction};
use crate::spec::{Loc, Spec, validate};

pub type NodeId = usize;

/// A set of JSON types. `number` also admits integers, so it is stored as both bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TypeSet(pub u8);

impl TypeSet {
    pub const NULL: u8 = 1;
    pub const BOOLEAN: u8 = 2;
    pub const INTEGER: u8 = 4;
    pub const NUMBER: u8 = 8;
    pub const STRING: u8 = 16;
    pub const ARRAY: u8 = 32;
    pub const OBJECT: u8 = 64;
    pub const ALL: TypeSet = TypeSet(127);

    fn one(name: &str) -> Option<u8> {
        Some(match name {
            "null" => Self::NULL,
            "boolean" => Self::BOOLEAN,
            "integer" => Self::INTEGER,
            "number" => Self::NUMBER | Self::INTEGER,
            "string" => Self::STRING,
            "array" => Self::ARRAY,
            "object" => Self::OBJECT,
            _ => return None,
        })
    }

    fn parse(value: &Value) -> Option<TypeSet> {
        match value {
            Value::String(s) => Self::one(s).map(TypeSet),
            Value::Array(items) => Some(TypeSet(
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .filter_map(Self::one)
                    .fold(0, |a, b| a | b),
            )),
            _ => None,
        }
    }

    pub fn has(self, bit: u8) -> bool {
        self.0 & bit != 0
    }

    pub fn only(self, bit: u8) -> bool {
        self.0 != 0 && self.0 & !bit == 0
    }

    pub fn intersect(self, other: TypeSet) -> TypeSet {
        TypeSet(self.0 & other.0)
    }
}

/// A `pattern` or `patternProperties` regex: matched as the validator matches it, and, when
/// `regex-syntax` can parse it, a generator of strings in its language.
#[derive(Debug)]
pub struct Pattern {
    pub source: String,
    matcher: Validator,
    pub generator: Option<RegexGen>,
}

impl Pattern {
    pub fn is_match(&self, s: &str) -> bool {
        self.matcher.is_valid(&Value::String(s.to_string()))
    }
}

/// One Schema Object, keyword by keyword, after normalisation.
#[derive(Debug, Default)]
pub struct Schema {
    pub types: Option<TypeSet>,
    /// `const` (as a one-element list) or `enum`: the only values allowed.
    pub choices: Option<Vec<Value>>,
    pub minimum: Option<f64>,
    pub exclusive_minimum: Option<f64>,
    pub maximum: Option<f64>,
    pub exclusive_maximum: Option<f64>,
    pub multiple_of: Option<f64>,
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub pattern: Option<Arc<Pattern>>,
    pub format: Option<String>,
    pub prefix_items: Vec<NodeId>,
    pub items: Option<NodeId>,
    pub min_items: Option<u64>,
    pub max_items: Option<u64>,
    pub unique_items: bool,
    pub contains: Option<NodeId>,
    pub min_contains: Option<u64>,
    pub max_contains: Option<u64>,
    /// Declared properties in document order; the flag says the direction leaves it out
    /// (`readOnly` in requests, `writeOnly` in responses) unless it is required.
    pub properties: Vec<(String, NodeId, bool)>,
    pub pattern_properties: Vec<(Arc<Pattern>, NodeId)>,
    pub additional_properties: Option<NodeId>,
    pub required: Vec<String>,
    pub min_properties: Option<u64>,
    pub max_properties: Option<u64>,
    pub property_names: Option<NodeId>,
    pub dependent_required: Vec<(String, Vec<String>)>,
    pub dependent_schemas: Vec<(String, NodeId)>,
    pub unevaluated_properties: Option<NodeId>,
    pub unevaluated_items: Option<NodeId>,
    pub all_of: Vec<NodeId>,
    pub any_of: Vec<NodeId>,
    pub one_of: Vec<NodeId>,
    pub not: Option<NodeId>,
    pub if_then_else: Option<(NodeId, Option<NodeId>, Option<NodeId>)>,
    /// A 3.1 `$ref` beside other keywords: one more conjunct.
    pub reference: Option<NodeId>,
    /// `examples`, then `example` (3.0, normalised into `examples`), then `default`.
    pub examples: Vec<Value>,
    /// The assertion keywords of this node alone, as the validators judge them.
    pub local: Option<Validator>,
}

impl Schema {
    /// Whether validity depends on more than the local keywords and the structure the generator
    /// builds from this node's applicators (so a generated value needs a full check).
    pub fn needs_full_check(&self) -> bool {
        !self.one_of.is_empty() || !self.any_of.is_empty() || self.needs_check_besides_groups()
    }

    /// Like [`Schema::needs_full_check`], leaving out `oneOf`/`anyOf` (checked where a branch is
    /// chosen).
    pub fn needs_check_besides_groups(&self) -> bool {
        self.not.is_some()
            || self.contains.is_some()
            || !self.dependent_schemas.is_empty()
            || self.unevaluated_properties.is_some()
            || self.unevaluated_items.is_some()
            || self.if_then_else.is_some()
            || !self.pattern_properties.is_empty()
    }
}

#[derive(Debug)]
pub enum Node {
    Bool(bool),
    Schema(Box<Schema>),
}

/// The compiled schema graph.
#[derive(Debug)]
pub struct Ir {
    pub nodes: Vec<Node>,
    /// Where each node was written, for errors.
    pub locs: Vec<Loc>,
    pub root: NodeId,
}

/// Keywords judged by the per-node validator rather than walked here.
const LOCAL: &[&str] = &[
    "type",
    "enum",
    "const",
    "multipleOf",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "format",
    "maxItems",
    "minItems",
    "uniqueItems",
    "maxProperties",
    "minProperties",
    "required",
    "dependentRequired",
];

/// How long a chain of `$ref`s may be before it is called a cycle.
const MAX_REF_CHAIN: usize = 64;
/// Bound on a schema graph; beyond it a schema is not something to generate from in one go.
const MAX_NODES: usize = 200_000;

impl Ir {
    pub fn compile(spec: &Spec, at: &Loc, direction: Direction) -> Result<Ir, GenerateError> {
        let mut c = Compiler {
            spec,
            direction,
            nodes: Vec::new(),
            locs: Vec::new(),
            memo: HashMap::new(),
            patterns: HashMap::new(),
        };
        let root = c.compile(at)?;
        Ok(Ir {
            nodes: c.nodes,
            locs: c.locs,
            root,
        })
    }

    pub fn schema(&self, id: NodeId) -> Option<&Schema> {
        match &self.nodes[id] {
            Node::Schema(s) => Some(s),
            Node::Bool(_) => None,
        }
    }

    /// Whether `value` is valid against node `id`, judged like the validators judge it.
    pub fn accepts(&self, id: NodeId, value: &Value) -> bool {
        self.accepts_at(id, value, 0)
    }

    fn accepts_at(&self, id: NodeId, v: &Value, depth: usize) -> bool {
        // Only a schema that applies itself to the same value forever gets this deep.
        if depth > 256 {
            return false;
        }
        let s = match &self.nodes[id] {
            Node::Bool(b) => return *b,
            Node::Schema(s) => s,
        };
        let d = depth + 1;
        if let Some(local) = &s.local
            && !local.is_valid(v)
        {
            return false;
        }
        if let Some(r) = s.reference
            && !self.accepts_at(r, v, d)
        {
            return false;
        }
        if !s.all_of.iter().all(|&m| self.accepts_at(m, v, d)) {
            return false;
        }
        if !s.any_of.is_empty() && !s.any_of.iter().any(|&m| self.accepts_at(m, v, d)) {
            return false;
        }
        if !s.one_of.is_empty()
            && s.one_of
                .iter()
                .filter(|&&m| self.accepts_at(m, v, d))
                .take(2)
                .count()
                != 1
        {
            return false;
        }
        if let Some(n) = s.not
            && self.accepts_at(n, v, d)
        {
            return false;
        }
        if let Some((i, t, e)) = s.if_then_else {
            let branch = if self.accepts_at(i, v, d) { t } else { e };
            if let Some(b) = branch
                && !self.accepts_at(b, v, d)
            {
                return false;
            }
        }
        match v {
            Value::Array(items) => self.accepts_array(s, items, d),
            Value::Object(map) => self.accepts_object(s, map, d),
            _ => true,
        }
    }

    fn accepts_array(&self, s: &Schema, items: &[Value], d: usize) -> bool {
        for (i, item) in items.iter().enumerate() {
            let sub = match s.prefix_items.get(i) {
                Some(&p) => Some(p),
                None => s.items,
            };
            if let Some(sub) = sub
                && !self.accepts_at(sub, item, d)
            {
                return false;
            }
        }
        if let Some(c) = s.contains {
            let n = items.iter().filter(|i| self.accepts_at(c, i, d)).count() as u64;
            if n < s.min_contains.unwrap_or(1) || s.max_contains.is_some_and(|m| n > m) {
                return false;
            }
        }
        if let Some(u) = s.unevaluated_items {
            let evaluated = self.evaluated_items(s, 0);
            if let Some(start) = evaluated
                && items[start.min(items.len())..]
                    .iter()
                    .any(|i| !self.accepts_at(u, i, d))
            {
                return false;
            }
        }
        true
    }

    fn accepts_object(&self, s: &Schema, map: &Map<String, Value>, d: usize) -> bool {
        for (k, v) in map {
            let mut matched = false;
            if let Some((_, p, _)) = s.properties.iter().find(|(n, _, _)| n == k) {
                matched = true;
                if !self.accepts_at(*p, v, d) {
                    return false;
                }
            }
            for (pat, p) in &s.pattern_properties {
                if pat.is_match(k) {
                    matched = true;
                    if !self.accepts_at(*p, v, d) {
                        return false;
                    }
                }
            }
            if !matched
                && let Some(a) = s.additional_properties
                && !self.accepts_at(a, v, d)
            {
                return false;
            }
            if let Some(n) = s.property_names
                && !self.accepts_at(n, &Value::String(k.clone()), d)
            {
                return false;
            }
        }
        for (k, dep) in &s.dependent_schemas {
            if map.contains_key(k) && !self.accepts_at(*dep, &Value::Object(map.clone()), d) {
                return false;
            }
        }
        if let Some(u) = s.unevaluated_properties {
            for (k, v) in map {
                if !self.evaluates_property(s, k, 0) && !self.accepts_at(u, v, d) {
                    return false;
                }
            }
        }
        true
    }

    /// Whether a property name is evaluated by the node or its in-place subschemas (an
    /// approximation of annotation collection that treats every in-place subschema as applied).
    fn evaluates_property(&self, s: &Schema, name: &str, depth: usize) -> bool {
        if s.properties.iter().any(|(n, _, _)| n == name)
            || s.additional_properties.is_some()
            || s.pattern_properties.iter().any(|(p, _)| p.is_match(name))
        {
            return true;
        }
        depth < 16
            && s.reference
                .iter()
                .chain(&s.all_of)
                .chain(&s.any_of)
                .chain(&s.one_of)
                .filter_map(|&m| self.schema(m))
                .any(|m| self.evaluates_property(m, name, depth + 1))
    }

    /// How many leading items the node evaluates (None: all of them).
    fn evaluated_items(&self, s: &Schema, depth: usize) -> Option<usize> {
        if s.items.is_some() {
            return None;
        }
        let mut n = s.prefix_items.len();
        if depth < 16 {
            for m in s
                .reference
                .iter()
                .chain(&s.all_of)
                .chain(&s.any_of)
                .chain(&s.one_of)
                .filter_map(|&m| self.schema(m))
            {
                n = n.max(self.evaluated_items(m, depth + 1)?);
            }
        }
        Some(n)
    }
}

struct Compiler<'a> {
    spec: &'a Spec,
    direction: Direction,
    nodes: Vec<Node>,
    locs: Vec<Loc>,
    memo: HashMap<Loc, NodeId>,
    patterns: HashMap<String, Arc<Pattern>>,
}

impl Compiler<'_> {
    fn error(&self, at: &Loc, message: impl Into<String>) -> GenerateError {
        GenerateError::new(self.spec, at.clone(), message)
    }

    /// Follows pure references (3.0: any `$ref`; 3.1: a `$ref` standing alone) to the schema.
    fn target(&self, at: &Loc) -> Result<Loc, GenerateError> {
        let mut here = at.clone();
        for _ in 0..MAX_REF_CHAIN {
            let value = self
                .spec
                .get(&here)
                .ok_or_else(|| self.error(&here, "no schema at this location"))?;
            let Some(map) = value.as_object() else {
                return Ok(here);
            };
            let Some(reference) = map.get("$ref") else {
                return Ok(here);
            };
            let pure = normalize::is_30(self.spec, here.file)
                || map.keys().all(|k| !is_assertion_or_applicator(k));
            if !pure {
                return Ok(here);
            }
            let Some(reference) = reference.as_str() else {
                return Err(self.error(&here, "`$ref` is not a string"));
            };
            here = self
                .spec
                .resolve_ref(here.file, reference)
                .map_err(|e| self.error(&here, e.to_string()))?;
        }
        Err(self.error(at, "the `$ref` chain does not end (a cycle of references)"))
    }

    fn compile(&mut self, at: &Loc) -> Result<NodeId, GenerateError> {
        let at = self.target(at)?;
        if let Some(&id) = self.memo.get(&at) {
            return Ok(id);
        }
        if self.nodes.len() >= MAX_NODES {
            return Err(self.error(&at, "the schema graph is too large to generate from"));
        }
        let id = self.nodes.len();
        self.nodes.push(Node::Bool(true));
        self.locs.push(at.clone());
        self.memo.insert(at.clone(), id);
        let node = match self.spec.get(&at) {
            Some(Value::Bool(b)) => Node::Bool(*b),
            Some(Value::Object(map)) => Node::Schema(Box::new(self.schema(&at, map.clone())?)),
            _ => return Err(self.error(&at, "not a schema (neither an object nor a boolean)")),
        };
        self.nodes[id] = node;
        Ok(id)
    }

    fn pattern(&mut self, at: &Loc, source: &str) -> Result<Arc<Pattern>, GenerateError> {
        if let Some(p) = self.patterns.get(source) {
            return Ok(p.clone());
        }
        let matcher = validate::options()
            .build(&serde_json::json!({ "pattern": source }))
            .map_err(|e| self.error(at, format!("the pattern `{source}` does not compile: {e}")))?;
        let p = Arc::new(Pattern {
            source: source.to_string(),
            matcher,
            generator: RegexGen::parse(source),
        });
        self.patterns.insert(source.to_string(), p.clone());
        Ok(p)
    }

    fn schema(&mut self, at: &Loc, mut m: Map<String, Value>) -> Result<Schema, GenerateError> {
        if normalize::is_30(self.spec, at.file) {
            normalize::normalize_30(&mut m);
        }
        // `$recursiveRef` is 2019-09 only: the 2020-12 validators ignore it, and so does the
        // generator (following it would make values the validators judge differently in `oneOf`).
        if m.contains_key("$dynamicRef") {
            return Err(self.error(at, "`$dynamicRef` is not supported by the generator"));
        }
        let flag = self.direction.exempt_flag();
        if let Some(flag) = flag {
            let exempt = normalize::exempt_required(self.spec, at, flag);
            if !exempt.is_empty()
                && let Some(Value::Array(required)) = m.get_mut("required")
            {
                required.retain(|r| !r.as_str().is_some_and(|r| exempt.iter().any(|e| e == r)));
            }
        }
        let mut s = Schema::default();

        let local: Map<String, Value> = m
            .iter()
            .filter(|(k, _)| LOCAL.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if !local.is_empty() {
            s.local = Some(
                validate::options()
                    .build(&Value::Object(local))
                    .map_err(|e| {
                        self.error(at, format!("the validator rejects this schema: {e}"))
                    })?,
            );
        }

        s.types = m.get("type").and_then(TypeSet::parse);
        if let Some(c) = m.get("const") {
            s.choices = Some(vec![c.clone()]);
        } else if let Some(Value::Array(e)) = m.get("enum") {
            s.choices = Some(e.clone());
        }
        let num = |k: &str| m.get(k).and_then(Value::as_f64);
        let count = |k: &str| m.get(k).and_then(Value::as_f64).map(|f| f.max(0.0) as u64);
        s.minimum = num("minimum");
        s.maximum = num("maximum");
        s.exclusive_minimum = num("exclusiveMinimum");
        s.exclusive_maximum = num("exclusiveMaximum");
        s.multiple_of = num("multipleOf").filter(|m| *m > 0.0);
        s.min_length = count("minLength");
        s.max_length = count("maxLength");
        s.min_items = count("minItems");
        s.max_items = count("maxItems");
        s.min_contains = count("minContains");
        s.max_contains = count("maxContains");
        s.min_properties = count("minProperties");
        s.max_properties = count("maxProperties");
        s.unique_items = m.get("uniqueItems") == Some(&Value::Bool(true));
        s.format = m.get("format").and_then(Value::as_str).map(str::to_string);
        if let Some(Value::String(p)) = m.get("pattern") {
            s.pattern = Some(self.pattern(&at.child("pattern"), p)?);
        }
        if let Some(Value::Array(r)) = m.get("required") {
            s.required = r
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect();
            s.required.dedup();
        }
        if let Some(Value::Object(deps)) = m.get("dependentRequired") {
            for (k, v) in deps {
                if let Value::Array(names) = v {
                    let names = names.iter().filter_map(Value::as_str).map(str::to_string);
                    s.dependent_required.push((k.clone(), names.collect()));
                }
            }
        }

        // Applicators.
        let sub = |c: &mut Self, key: &str| -> Result<Option<NodeId>, GenerateError> {
            match m.get(key) {
                Some(Value::Object(_) | Value::Bool(_)) => Ok(Some(c.compile(&at.child(key))?)),
                _ => Ok(None),
            }
        };
        let list = |c: &mut Self, key: &str| -> Result<Vec<NodeId>, GenerateError> {
            match m.get(key) {
                Some(Value::Array(items)) => (0..items.len())
                    .map(|i| c.compile(&at.child(key).index(i)))
                    .collect(),
                _ => Ok(Vec::new()),
            }
        };
        s.prefix_items = list(self, "prefixItems")?;
        if let Some(Value::Array(_)) = m.get("items") {
            // Draft 4 style tuple items: the validator (2020-12) would reject them; treat them as
            // the tuple they were meant to be.
            if s.prefix_items.is_empty() {
                s.prefix_items = list(self, "items")?;
            }
            s.items = sub(self, "additionalItems")?;
        } else {
            s.items = sub(self, "items")?;
        }
        s.contains = sub(self, "contains")?;
        s.additional_properties = sub(self, "additionalProperties")?;
        s.property_names = sub(self, "propertyNames")?;
        s.unevaluated_properties = sub(self, "unevaluatedProperties")?;
        s.unevaluated_items = sub(self, "unevaluatedItems")?;
        s.not = sub(self, "not")?;
        s.all_of = list(self, "allOf")?;
        s.any_of = list(self, "anyOf")?;
        s.one_of = list(self, "oneOf")?;
        if m.contains_key("if") {
            let i = sub(self, "if")?;
            let t = sub(self, "then")?;
            let e = sub(self, "else")?;
            if let Some(i) = i {
                s.if_then_else = Some((i, t, e));
            }
        }
        if let Some(Value::Object(props)) = m.get("properties") {
            for name in props.keys() {
                let loc = at.child("properties").child(name);
                let id = self.compile(&loc)?;
                let omit = flag.is_some_and(|f| normalize::carries(self.spec, &loc, f, 0));
                s.properties.push((name.clone(), id, omit));
            }
        }
        if let Some(Value::Object(props)) = m.get("patternProperties") {
            for name in props.keys() {
                let pat = self.pattern(&at.child("patternProperties").child(name), name)?;
                let id = self.compile(&at.child("patternProperties").child(name))?;
                s.pattern_properties.push((pat, id));
            }
        }
        if let Some(Value::Object(deps)) = m.get("dependentSchemas") {
            for name in deps.keys() {
                let id = self.compile(&at.child("dependentSchemas").child(name))?;
                s.dependent_schemas.push((name.clone(), id));
            }
        }
        if let Some(Value::String(reference)) = m.get("$ref") {
            let target = self
                .spec
                .resolve_ref(at.file, reference)
                .map_err(|e| self.error(at, e.to_string()))?;
            s.reference = Some(self.compile(&target)?);
        }
        if let Some(Value::Array(examples)) = m.get("examples") {
            s.examples.extend(examples.iter().cloned());
        }
        if let Some(d) = m.get("default") {
            s.examples.push(d.clone());
        }
        Ok(s)
    }
}

/// Keywords that constrain a value; a `$ref` beside only annotations is still a plain reference.
fn is_assertion_or_applicator(k: &str) -> bool {
    !matches!(
        k,
        "$ref"
            | "description"
            | "title"
            | "summary"
            | "example"
            | "examples"
            | "default"
            | "deprecated"
            | "readOnly"
            | "writeOnly"
            | "$comment"
            | "externalDocs"
            | "xml"
            | "discriminator"
    ) && !k.starts_with("x-")
}
