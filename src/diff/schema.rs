//! Schemas compared by meaning: refs followed, `allOf` merged, 3.0 and 3.1 spellings unified.
//!
//! A schema refactored into an `allOf` of refs, a `nullable: true` rewritten as `type: [x, 'null']`
//! during a 3.0 → 3.1 migration, or `minimum: 0, exclusiveMinimum: true` rewritten as
//! `exclusiveMinimum: 0` accept the same values, so none of them may be reported as a change.
//! Each schema is therefore reduced to an [`Effective`] view first and the views are compared.
//! Recursion is cycle-safe: a pair of (old, new) locations being compared is not entered again.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use serde_json::{Map, Value, json};

use super::compare::Emitter;
use super::delta::{Area, Bound, Flags, Kind, Lifecycle};
use crate::spec::normalize::is_30;
use crate::spec::{Loc, Spec};

/// How many operations a change in one shared schema is listed under, per area (request body,
/// response body, ...). Beyond that the change is counted, not listed: a schema at the end of a
/// long chain of refs is reached from every operation, and listing it under each of thousands
/// would make both the work and the report quadratic.
pub const MAX_OPERATIONS_PER_SCHEMA_CHANGE: usize = 10;

/// How deep `allOf` nesting is followed; deeper (pathological) schemas are compared as written.
const MAX_ALLOF_DEPTH: usize = 32;

/// `additionalProperties` reduced to what it allows.
#[derive(Debug, Clone, PartialEq)]
enum Additional {
    /// Absent or `true`: any extra property.
    Open,
    Closed,
    Schema(Loc),
}

/// One schema as it constrains values, after following refs and merging `allOf`.
#[derive(Debug, Clone)]
pub struct Effective<'s> {
    /// Where the schema itself is (after the ref chain), for positions.
    pub loc: Loc,
    types: Option<BTreeSet<String>>,
    nullable: bool,
    format: Option<&'s str>,
    enumeration: Option<Vec<&'s Value>>,
    constant: Option<&'s Value>,
    bounds: Vec<(Bound, Value)>,
    multiple_of: Option<&'s Value>,
    unique_items: bool,
    pattern: Option<&'s str>,
    default: Option<&'s Value>,
    properties: Vec<(String, Loc)>,
    required: BTreeSet<String>,
    additional: Additional,
    items: Option<Loc>,
    one_of: Vec<Loc>,
    any_of: Vec<Loc>,
    pub read_only: bool,
    pub write_only: bool,
    pub deprecated: bool,
    pub sunset: Option<&'s str>,
    discriminator: Option<&'s str>,
}

impl<'s> Effective<'s> {
    /// The effective schema at `loc`; `None` when the ref chain is broken (a lint problem, not a
    /// change).
    pub fn of(spec: &'s Spec, loc: &Loc) -> Option<Effective<'s>> {
        let target = spec.deref(loc).ok()?;
        Some(Effective::at(spec, target))
    }

    /// The effective schema at `target`, a location that is not a reference.
    fn at(spec: &'s Spec, target: Loc) -> Effective<'s> {
        let mut eff = Effective {
            loc: target.clone(),
            types: None,
            nullable: false,
            format: None,
            enumeration: None,
            constant: None,
            bounds: Vec::new(),
            multiple_of: None,
            unique_items: false,
            pattern: None,
            default: None,
            properties: Vec::new(),
            required: BTreeSet::new(),
            additional: Additional::Open,
            items: None,
            one_of: Vec::new(),
            any_of: Vec::new(),
            read_only: false,
            write_only: false,
            deprecated: false,
            sunset: None,
            discriminator: None,
        };
        let mut seen = Vec::new();
        eff.merge(spec, &target, 0, &mut seen);
        eff
    }

    /// Adds the constraints of the schema at `loc` (already dereferenced) and its `allOf` members.
    /// The first value of a keyword wins, so the outer schema overrides what it includes.
    fn merge(&mut self, spec: &'s Spec, loc: &Loc, depth: usize, seen: &mut Vec<Loc>) {
        if depth > MAX_ALLOF_DEPTH || seen.contains(loc) {
            return;
        }
        seen.push(loc.clone());
        let Some(Value::Object(map)) = spec.get(loc) else {
            return;
        };
        let v30 = is_30(spec, loc.file);
        self.merge_types(map, v30);
        if self.format.is_none() {
            // 3.1 spells binary content with `contentMediaType`; `format: binary` says nothing more.
            self.format = map
                .get("format")
                .and_then(Value::as_str)
                .filter(|f| *f != "binary");
        }
        if self.enumeration.is_none()
            && let Some(Value::Array(values)) = map.get("enum")
        {
            if values.iter().any(Value::is_null) {
                self.nullable = true;
            }
            self.enumeration = Some(values.iter().filter(|v| !v.is_null()).collect());
        }
        if self.constant.is_none() {
            self.constant = map.get("const");
        }
        self.merge_bounds(map, v30);
        if self.multiple_of.is_none() {
            self.multiple_of = map.get("multipleOf");
        }
        self.unique_items |= map.get("uniqueItems") == Some(&Value::Bool(true));
        if self.pattern.is_none() {
            self.pattern = map.get("pattern").and_then(Value::as_str);
        }
        if self.default.is_none() {
            self.default = map.get("default");
        }
        if let Some(Value::Object(props)) = map.get("properties") {
            let at = loc.child("properties");
            for name in props.keys() {
                if !self.properties.iter().any(|(n, _)| n == name) {
                    self.properties.push((name.clone(), at.child(name)));
                }
            }
        }
        if let Some(Value::Array(names)) = map.get("required") {
            self.required
                .extend(names.iter().filter_map(Value::as_str).map(str::to_string));
        }
        match map.get("additionalProperties") {
            Some(Value::Bool(false)) => self.additional = Additional::Closed,
            Some(Value::Object(_)) if self.additional == Additional::Open => {
                self.additional = Additional::Schema(loc.child("additionalProperties"));
            }
            _ => {}
        }
        if self.items.is_none() && map.get("items").is_some_and(Value::is_object) {
            self.items = Some(loc.child("items"));
        }
        for (key, list) in [("oneOf", &mut self.one_of), ("anyOf", &mut self.any_of)] {
            if list.is_empty()
                && let Some(Value::Array(members)) = map.get(key)
            {
                let at = loc.child(key);
                list.extend((0..members.len()).map(|i| at.index(i)));
            }
        }
        self.read_only |= map.get("readOnly") == Some(&Value::Bool(true));
        self.write_only |= map.get("writeOnly") == Some(&Value::Bool(true));
        self.deprecated |= map.get("deprecated") == Some(&Value::Bool(true));
        if self.sunset.is_none() {
            self.sunset = map.get("x-sunset").and_then(Value::as_str);
        }
        if self.discriminator.is_none() {
            self.discriminator = map
                .get("discriminator")
                .and_then(|d| d.get("propertyName"))
                .and_then(Value::as_str);
        }
        if let Some(Value::Array(members)) = map.get("allOf") {
            let at = loc.child("allOf");
            for i in 0..members.len() {
                if let Ok(member) = spec.deref(&at.index(i)) {
                    self.merge(spec, &member, depth + 1, seen);
                }
            }
        }
    }

    fn merge_types(&mut self, map: &Map<String, Value>, v30: bool) {
        let written: Option<Vec<&str>> = match map.get("type") {
            Some(Value::String(t)) => Some(vec![t.as_str()]),
            Some(Value::Array(ts)) => Some(ts.iter().filter_map(Value::as_str).collect()),
            _ => None,
        };
        if let Some(written) = written {
            if written.contains(&"null") {
                self.nullable = true;
            }
            let set: BTreeSet<String> = written
                .iter()
                .filter(|t| **t != "null")
                .map(|t| t.to_string())
                .collect();
            // Inside an allOf every member must hold, so the types intersect.
            self.types = Some(match self.types.take() {
                Some(have) => have.intersection(&set).cloned().collect(),
                None => set,
            });
        }
        if v30 && map.get("nullable") == Some(&Value::Bool(true)) {
            self.nullable = true;
        }
    }

    fn merge_bounds(&mut self, map: &Map<String, Value>, v30: bool) {
        for bound in Bound::ALL {
            if self.bounds.iter().any(|(b, _)| *b == bound) {
                continue;
            }
            let keyword = bound.keyword();
            let value = match bound {
                Bound::Maximum | Bound::Minimum => {
                    let excl_key = if bound == Bound::Maximum {
                        "exclusiveMaximum"
                    } else {
                        "exclusiveMinimum"
                    };
                    match (map.get(keyword), map.get(excl_key)) {
                        (Some(n @ Value::Number(_)), Some(Value::Bool(true))) if v30 => {
                            Some(json!({"value": n, "exclusive": true}))
                        }
                        (_, Some(n @ Value::Number(_))) => {
                            Some(json!({"value": n, "exclusive": true}))
                        }
                        (Some(n @ Value::Number(_)), _) => Some(n.clone()),
                        _ => None,
                    }
                }
                _ => map.get(keyword).filter(|v| v.is_number()).cloned(),
            };
            if let Some(value) = value {
                self.bounds.push((bound, value));
            }
        }
    }

    /// A bound as compared: for integers an exclusive bound is the inclusive one next to it
    /// (`exclusiveMinimum: 0` is `minimum: 1`), so a 3.1 rewrite of the same range is no change.
    fn bound(&self, b: Bound) -> Option<Value> {
        let v = self.bounds.iter().find(|(x, _)| *x == b).map(|(_, v)| v)?;
        let integer = self
            .types
            .as_ref()
            .is_some_and(|t| t.len() == 1 && t.contains("integer"));
        match super::delta::limit(&Some(v.clone())) {
            Some(l) if integer && l.exclusive && l.value.fract() == 0.0 => {
                let step = if b.is_upper() { -1.0 } else { 1.0 };
                let n = l.value + step;
                Some(serde_json::Number::from_f64(n).map_or(Value::Null, |n| {
                    // Whole numbers print as integers (`1`, not `1.0`).
                    if n.as_f64()
                        .is_some_and(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                    {
                        json!(n.as_f64().unwrap_or_default() as i64)
                    } else {
                        Value::Number(n)
                    }
                }))
            }
            _ => Some(v.clone()),
        }
    }

    /// The types as a JSON value for messages: `"string"`, `["integer","string"]`, or `null`.
    fn types_value(&self) -> Value {
        match &self.types {
            None => Value::Null,
            Some(set) if set.len() == 1 => json!(set.iter().next()),
            Some(set) => json!(set),
        }
    }

    pub fn lifecycle(&self) -> Lifecycle {
        Lifecycle {
            deprecated: self.deprecated,
            sunset: self.sunset.map(str::to_string),
        }
    }
}

/// Whether every type in `inner` is also accepted by `outer` (`None` = any type).
pub fn types_accept(outer: &Value, inner: &Value) -> bool {
    let set = |v: &Value| -> Option<Vec<String>> {
        match v {
            Value::Null => None,
            Value::String(s) => Some(vec![s.clone()]),
            Value::Array(a) => Some(
                a.iter()
                    .filter_map(|t| t.as_str().map(String::from))
                    .collect(),
            ),
            _ => None,
        }
    };
    let Some(outer) = set(outer) else {
        return true;
    };
    let Some(inner) = set(inner) else {
        return false;
    };
    inner
        .iter()
        .all(|t| outer.contains(t) || (t == "integer" && outer.iter().any(|o| o == "number")))
}

/// A fast hasher for the diff's own tables (FxHash: locations and small integer keys; the
/// default SipHash dominated the time of comparing large specs).
#[derive(Default, Clone, Copy)]
pub struct FxHasher(u64);

const FX_SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(FX_SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes([
                c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7],
            ]));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut b = [0u8; 8];
            b[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(b));
        }
    }

    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn finish(&self) -> u64 {
        // Spread the high bits into the low ones the table indexes by.
        let h = self.0;
        h ^ (h >> 29)
    }
}

/// A `HashMap` with [`FxHasher`].
pub type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;
/// A `HashSet` with [`FxHasher`].
pub type FxSet<K> = HashSet<K, BuildHasherDefault<FxHasher>>;

/// The schemas of one side, interned: every location asked about maps to the id of the schema
/// its `$ref` chain ends at (`None` when the chain is broken), so pairs of schemas are compared
/// and remembered as two integers instead of two pointer strings, and a location is looked up
/// in the document once.
pub struct Schemas<'s> {
    spec: &'s Spec,
    ids: FxMap<Loc, Option<u32>>,
    targets: Vec<Loc>,
}

impl<'s> Schemas<'s> {
    pub fn new(spec: &'s Spec) -> Self {
        Schemas {
            spec,
            ids: FxMap::default(),
            targets: Vec::new(),
        }
    }

    /// The id of the schema at `loc` after its ref chain.
    fn id(&mut self, loc: &Loc) -> Option<u32> {
        if let Some(id) = self.ids.get(loc) {
            return *id;
        }
        let id = match self.spec.deref(loc) {
            Ok(target) if target == *loc => Some(self.add(target)),
            Ok(target) => match self.ids.get(&target) {
                Some(id) => *id,
                None => {
                    let id = self.add(target.clone());
                    self.ids.insert(target, Some(id));
                    Some(id)
                }
            },
            Err(_) => None,
        };
        self.ids.insert(loc.clone(), id);
        id
    }

    fn add(&mut self, target: Loc) -> u32 {
        self.targets.push(target);
        (self.targets.len() - 1) as u32
    }

    fn effective(&self, id: u32) -> Effective<'s> {
        Effective::at(self.spec, self.targets[id as usize].clone())
    }
}

/// What the comparisons of one diff share: both sides' interned schemas, and which pairs are
/// known to be equal or to differ.
pub struct Memo<'s> {
    pub old: Schemas<'s>,
    pub new: Schemas<'s>,
    /// Pairs already compared: `true` when equal. Valid across roots, since whether two schemas
    /// differ does not depend on where they are used; only the wording of a delta does.
    known: FxMap<(u32, u32), bool>,
}

impl<'s> Memo<'s> {
    pub fn new(old: &'s Spec, new: &'s Spec) -> Self {
        Memo {
            old: Schemas::new(old),
            new: Schemas::new(new),
            known: FxMap::default(),
        }
    }
}

/// For each differing pair of schemas (by interned id) and area: under how many roots it has
/// been reported.
pub type Reported = FxMap<(u32, u32, Area), usize>;

/// Compares schemas pairwise, emitting deltas through an [`Emitter`].
pub struct SchemaDiff<'a, 's> {
    pub old: &'s Spec,
    pub new: &'s Spec,
    /// Pairs on the current recursion path: entering one again would loop.
    visiting: FxSet<(u32, u32)>,
    /// The interned schemas and what is known about pairs of them.
    pub memo: &'a mut Memo<'s>,
    /// How many times recursion stopped at a pair already being compared.
    cuts: usize,
    /// Pairs compared under this root.
    done: FxSet<(u32, u32)>,
    /// For each differing pair and area: under how many roots it has been reported.
    pub reported: Option<&'a mut Reported>,
    /// The area of the root (set by the caller with `reported`).
    pub area: Area,
    /// Reports skipped because the pair was already listed often enough.
    pub elided: usize,
}

impl<'a, 's> SchemaDiff<'a, 's> {
    pub fn new(memo: &'a mut Memo<'s>) -> Self {
        SchemaDiff {
            old: memo.old.spec,
            new: memo.new.spec,
            visiting: FxSet::default(),
            memo,
            cuts: 0,
            done: FxSet::default(),
            reported: None,
            area: Area::Info,
            elided: 0,
        }
    }

    /// Compares the schemas at `o` and `n`; `path` names the property path from the root
    /// (empty at the root).
    pub fn compare(&mut self, out: &mut Emitter, o: &Loc, n: &Loc, path: &str) {
        let (Some(oid), Some(nid)) = (self.memo.old.id(o), self.memo.new.id(n)) else {
            return;
        };
        let pair = (oid, nid);
        match self.memo.known.get(&pair) {
            Some(true) => return,
            // A probe only asks whether the pair differs; the answer is already known.
            Some(false) if out.is_probe() => {
                out.count_one();
                return;
            }
            _ => {}
        }
        if self.visiting.contains(&pair) {
            self.cuts += 1;
            return;
        }
        // Reached again by another path from the same root (a schema used twice in one body):
        // its differences are reported once, at the first path, or shared schemas would make
        // the work and the report grow with the number of paths through the schema graph.
        if !self.done.insert(pair) {
            return;
        }
        let area = self.area;
        if let Some(reported) = &self.reported
            && reported
                .get(&(pair.0, pair.1, area))
                .is_some_and(|n| *n >= MAX_OPERATIONS_PER_SCHEMA_CHANGE)
        {
            self.elided += 1;
            return;
        }
        let (old, new) = (self.memo.old.effective(oid), self.memo.new.effective(nid));
        let cuts_before = self.cuts;
        self.visiting.insert(pair);
        let before = out.len();
        self.keywords(out, &old, &new, path);
        self.properties(out, &old, &new, path);
        if let (Some(oi), Some(ni)) = (&old.items, &new.items) {
            self.compare(out, oi, ni, &join(path, "[]"));
        }
        if let (Additional::Schema(oa), Additional::Schema(na)) = (&old.additional, &new.additional)
        {
            self.compare(out, oa, na, &join(path, "*"));
        }
        self.variants(out, &old.one_of, &new.one_of, path, "oneOf");
        self.variants(out, &old.any_of, &new.any_of, path, "anyOf");
        self.visiting.remove(&pair);
        let equal = out.len() == before;
        // "Equal" is only known when no recursion was cut below: a cut pair still on the stack
        // may differ, and its differences are reported by its own frame, not this one.
        if !equal && let Some(reported) = &mut self.reported {
            *reported.entry((pair.0, pair.1, area)).or_insert(0) += 1;
        }
        if !equal || self.cuts == cuts_before {
            self.memo.known.insert(pair, equal);
        }
    }

    fn keywords(
        &mut self,
        out: &mut Emitter,
        old: &Effective<'s>,
        new: &Effective<'s>,
        path: &str,
    ) {
        let site = |kw: &str| (old.loc.child(kw), new.loc.child(kw));
        let flags = Flags {
            read_only: new.read_only,
            write_only: new.write_only,
            ..Flags::default()
        };
        let emit = |out: &mut Emitter, kind: Kind, kw: &str, ov: Value, nv: Value| {
            let (ol, nl) = site(kw);
            out.schema(
                kind,
                path,
                &ol,
                &nl,
                &old.loc,
                &new.loc,
                ov,
                nv,
                flags,
                old.lifecycle(),
            );
        };
        if old.types != new.types {
            emit(
                out,
                Kind::TypeChanged,
                "type",
                old.types_value(),
                new.types_value(),
            );
        }
        if old.nullable != new.nullable {
            let kw = if self.new.version.is_30() {
                "nullable"
            } else {
                "type"
            };
            emit(
                out,
                Kind::NullableChanged,
                kw,
                json!(old.nullable),
                json!(new.nullable),
            );
        }
        if old.format != new.format {
            emit(
                out,
                Kind::FormatChanged,
                "format",
                json!(old.format),
                json!(new.format),
            );
        }
        match (&old.enumeration, &new.enumeration) {
            (Some(ov), Some(nv)) => {
                for v in ov.iter().filter(|v| !nv.contains(v)) {
                    emit(
                        out,
                        Kind::EnumValueRemoved,
                        "enum",
                        (*v).clone(),
                        Value::Null,
                    );
                }
                for v in nv.iter().filter(|v| !ov.contains(v)) {
                    emit(out, Kind::EnumValueAdded, "enum", Value::Null, (*v).clone());
                }
            }
            (None, Some(nv)) => emit(out, Kind::EnumIntroduced, "enum", Value::Null, json!(nv)),
            (Some(ov), None) => emit(out, Kind::EnumDropped, "enum", json!(ov), Value::Null),
            (None, None) => {}
        }
        if old.constant != new.constant {
            emit(
                out,
                Kind::ConstChanged,
                "const",
                json!(old.constant),
                json!(new.constant),
            );
        }
        for b in Bound::ALL {
            let (ob, nb) = (old.bound(b), new.bound(b));
            if !same_limit(ob.as_ref(), nb.as_ref()) {
                let kw = b.keyword();
                emit(out, Kind::Bound(b), kw, json!(ob), json!(nb));
            }
        }
        if !same_number(old.multiple_of, new.multiple_of) {
            emit(
                out,
                Kind::MultipleOfChanged,
                "multipleOf",
                json!(old.multiple_of),
                json!(new.multiple_of),
            );
        }
        if old.unique_items != new.unique_items {
            emit(
                out,
                Kind::UniqueItemsChanged,
                "uniqueItems",
                json!(old.unique_items),
                json!(new.unique_items),
            );
        }
        if old.pattern != new.pattern {
            emit(
                out,
                Kind::PatternChanged,
                "pattern",
                json!(old.pattern),
                json!(new.pattern),
            );
        }
        if old.default != new.default {
            emit(
                out,
                Kind::DefaultChanged,
                "default",
                json!(old.default),
                json!(new.default),
            );
        }
        if old.read_only != new.read_only {
            emit(
                out,
                Kind::ReadOnlyChanged,
                "readOnly",
                json!(old.read_only),
                json!(new.read_only),
            );
        }
        if old.write_only != new.write_only {
            emit(
                out,
                Kind::WriteOnlyChanged,
                "writeOnly",
                json!(old.write_only),
                json!(new.write_only),
            );
        }
        if old.deprecated != new.deprecated {
            emit(
                out,
                Kind::DeprecatedChanged,
                "deprecated",
                json!(old.deprecated),
                json!(new.deprecated),
            );
        }
        if old.sunset != new.sunset {
            emit(
                out,
                Kind::SunsetChanged,
                "x-sunset",
                json!(old.sunset),
                json!(new.sunset),
            );
        }
        if old.discriminator != new.discriminator {
            emit(
                out,
                Kind::DiscriminatorChanged,
                "discriminator",
                json!(old.discriminator),
                json!(new.discriminator),
            );
        }
        let shown = |a: &Additional| match a {
            Additional::Open => json!(true),
            Additional::Closed => json!(false),
            Additional::Schema(_) => json!("schema"),
        };
        match (&old.additional, &new.additional) {
            (Additional::Closed, Additional::Closed) | (Additional::Open, Additional::Open) => {}
            (Additional::Schema(_), Additional::Schema(_)) => {}
            (_, Additional::Closed) => emit(
                out,
                Kind::AdditionalPropertiesClosed,
                "additionalProperties",
                shown(&old.additional),
                shown(&new.additional),
            ),
            (a, b) => {
                // Closed → schema/open, or schema → open: more extra properties are allowed.
                let opened = matches!(a, Additional::Closed) || matches!(b, Additional::Open);
                let kind = if opened {
                    Kind::AdditionalPropertiesOpened
                } else {
                    Kind::AdditionalPropertiesClosed
                };
                emit(out, kind, "additionalProperties", shown(a), shown(b));
            }
        }
    }

    fn properties(
        &mut self,
        out: &mut Emitter,
        old: &Effective<'s>,
        new: &Effective<'s>,
        path: &str,
    ) {
        for (name, ol) in &old.properties {
            let sub = join(path, name);
            match new.properties.iter().find(|(n, _)| n == name) {
                Some((_, nl)) => {
                    let (was, is) = (old.required.contains(name), new.required.contains(name));
                    if was != is {
                        let prop = Effective::of(self.new, nl);
                        let flags = Flags {
                            required: is,
                            read_only: prop.as_ref().is_some_and(|p| p.read_only),
                            write_only: prop.as_ref().is_some_and(|p| p.write_only),
                            ..Flags::default()
                        };
                        let kind = if is {
                            Kind::PropertyBecameRequired
                        } else {
                            Kind::PropertyBecameOptional
                        };
                        let (osite, nsite) = (old.loc.child("required"), new.loc.child("required"));
                        out.schema(
                            kind,
                            &sub,
                            &osite,
                            &nsite,
                            &old.loc,
                            &new.loc,
                            json!(was),
                            json!(is),
                            flags,
                            Lifecycle::default(),
                        );
                    }
                    self.compare(out, ol, nl, &sub);
                }
                None => {
                    let prop = Effective::of(self.old, ol);
                    let flags = Flags {
                        required: old.required.contains(name),
                        read_only: prop.as_ref().is_some_and(|p| p.read_only),
                        write_only: prop.as_ref().is_some_and(|p| p.write_only),
                        ..Flags::default()
                    };
                    let lifecycle = prop.map(|p| p.lifecycle()).unwrap_or_default();
                    out.one_sided(
                        Kind::PropertyRemoved,
                        &sub,
                        Some(ol),
                        None,
                        json!(name),
                        Value::Null,
                        flags,
                        lifecycle,
                    );
                }
            }
        }
        for (name, nl) in &new.properties {
            if old.properties.iter().any(|(n, _)| n == name) {
                continue;
            }
            let prop = Effective::of(self.new, nl);
            let flags = Flags {
                required: new.required.contains(name),
                read_only: prop.as_ref().is_some_and(|p| p.read_only),
                write_only: prop.as_ref().is_some_and(|p| p.write_only),
                ..Flags::default()
            };
            out.one_sided(
                Kind::PropertyAdded,
                &join(path, name),
                None,
                Some(nl),
                Value::Null,
                json!(name),
                flags,
                Lifecycle::default(),
            );
        }
    }

    /// Pairs `oneOf`/`anyOf` alternatives by meaning: same ref target name first, then any pair
    /// that compares equal, then (one left on each side) the two leftovers as an edit.
    fn variants(&mut self, out: &mut Emitter, old: &[Loc], new: &[Loc], path: &str, keyword: &str) {
        if old.is_empty() && new.is_empty() {
            return;
        }
        let mut left: Vec<&Loc> = old.iter().collect();
        let mut right: Vec<&Loc> = new.iter().collect();
        let mut pairs: Vec<(&Loc, &Loc)> = Vec::new();
        left.retain(|o| {
            let name = ref_name(self.old, o);
            if name.is_none() {
                return true;
            }
            match right.iter().position(|n| ref_name(self.new, n) == name) {
                Some(i) => {
                    pairs.push((o, right.remove(i)));
                    false
                }
                None => true,
            }
        });
        let mut i = 0;
        while i < left.len() {
            let o = left[i];
            let found = right.iter().position(|n| {
                let mut probe = Emitter::probe();
                let mut sub = SchemaDiff::new(self.memo);
                sub.compare(&mut probe, o, n, path);
                probe.is_empty()
            });
            match found {
                Some(j) => {
                    right.remove(j);
                    left.remove(i);
                }
                None => i += 1,
            }
        }
        if left.len() == 1 && right.len() == 1 {
            pairs.push((left[0], right[0]));
            left.clear();
            right.clear();
        }
        for (o, n) in pairs {
            self.compare(out, o, n, path);
        }
        for o in left {
            let label = variant_label(self.old, o, keyword);
            out.one_sided(
                Kind::VariantRemoved,
                path,
                Some(o),
                None,
                json!(label),
                Value::Null,
                Flags::default(),
                Lifecycle::default(),
            );
        }
        for n in right {
            let label = variant_label(self.new, n, keyword);
            out.one_sided(
                Kind::VariantAdded,
                path,
                None,
                Some(n),
                Value::Null,
                json!(label),
                Flags::default(),
                Lifecycle::default(),
            );
        }
    }
}

/// `a.b`, `a[]`, `a.*`: property paths as people read them.
fn join(path: &str, token: &str) -> String {
    if path.is_empty() {
        token.to_string()
    } else if token == "[]" {
        format!("{path}[]")
    } else {
        format!("{path}.{token}")
    }
}

/// The last token of a member's `$ref` (`Krav` for `#/components/schemas/Krav`).
fn ref_name(spec: &Spec, loc: &Loc) -> Option<String> {
    let reference = spec.get(loc)?.get("$ref")?.as_str()?;
    reference.rsplit('/').next().map(str::to_string)
}

fn variant_label(spec: &Spec, loc: &Loc, keyword: &str) -> String {
    match ref_name(spec, loc) {
        Some(name) => format!("{keyword} `{name}`"),
        None => {
            let index = loc.ptr.rsplit('/').next().unwrap_or("?");
            format!("{keyword} member #{index}")
        }
    }
}

fn same_number(a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(x), Some(y)) => x.as_f64() == y.as_f64(),
        _ => false,
    }
}

fn same_limit(a: Option<&Value>, b: Option<&Value>) -> bool {
    super::delta::limit(&a.cloned()) == super::delta::limit(&b.cloned())
}
