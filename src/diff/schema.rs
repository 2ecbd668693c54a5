//! Schemas compared by meaning: refs followed, `allOf` merged, 3.0 and 3.1 spellings unified.
//!
//! A schema refactored into an `allOf` of refs, a `nullable: true` rewritten as `type: [x, 'null']`
//! during a 3.0 → 3.1 migration, or `minimum: 0, exclusiveMinimum: true` rewritten as
//! `exclusiveMinimum: 0` accept the same values, so none of them may be reported as a change.
//! Each schema is therefore reduced to an [`Effective`] view first and the views are compared.
//! Recursion is cycle-safe: a pair of (old, new) schemas being compared is not entered again.
//!
//! Large specs reach the same schemas from thousands of places, so the walk works on interned
//! schema ids and borrowed values; a location (a pointer string) is only built the first time a
//! schema is met and when a change is reported.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use serde_json::{Map, Value, json};

use super::compare::Emitter;
use super::delta::{Area, Bound, Flags, Kind, Lifecycle};
use crate::spec::normalize::is_30;
use crate::spec::pointer::Walker;
use crate::spec::{Loc, Spec};

/// How many operations a change in one shared schema is listed under, per area (request body,
/// response body, ...). Beyond that the change is counted, not listed: a schema at the end of a
/// long chain of refs is reached from every operation, and listing it under each of thousands
/// would make both the work and the report quadratic.
pub const MAX_OPERATIONS_PER_SCHEMA_CHANGE: usize = 10;

/// How deep `allOf` nesting is followed; deeper (pathological) schemas are compared as written.
const MAX_ALLOF_DEPTH: usize = 32;

/// Where a subschema is written, relative to the schema (by id) whose keyword holds it.
#[derive(Debug, Clone, Copy)]
enum Key<'s> {
    /// `items`, `additionalProperties`.
    Name(&'static str),
    /// `properties/<name>`.
    Property(&'s str),
    /// `oneOf/<i>`, `anyOf/<i>`, `allOf/<i>`.
    Member(&'static str, usize),
}

/// A subschema as written: its value, and where (asked only when a location is needed).
#[derive(Debug, Clone, Copy)]
struct Slot<'s> {
    value: &'s Value,
    owner: u32,
    key: Key<'s>,
}

/// `additionalProperties` reduced to what it allows.
#[derive(Debug, Clone, Copy)]
enum Additional<'s> {
    /// Absent or `true`: any extra property.
    Open,
    Closed,
    Schema(Slot<'s>),
}

/// A bound as written: the number, and whether it is exclusive.
type Written<'s> = (&'s Value, bool);

/// One schema as it constrains values, after following refs and merging `allOf`.
#[derive(Debug, Clone)]
pub struct Effective<'s> {
    /// The interned id of the schema itself (after the ref chain), for locations.
    id: u32,
    /// The accepted types, sorted, without `null`.
    types: Option<Vec<&'s str>>,
    nullable: bool,
    format: Option<&'s str>,
    enumeration: Option<Vec<&'s Value>>,
    constant: Option<&'s Value>,
    /// By the position of the bound in [`Bound::ALL`].
    bounds: [Option<Written<'s>>; 8],
    multiple_of: Option<&'s Value>,
    unique_items: bool,
    pattern: Option<&'s str>,
    default: Option<&'s Value>,
    /// Each property once, the outer schema's first; the slot's key names it.
    properties: Vec<Slot<'s>>,
    required: Vec<&'s str>,
    additional: Additional<'s>,
    items: Option<Slot<'s>>,
    one_of: Vec<Slot<'s>>,
    any_of: Vec<Slot<'s>>,
    pub read_only: bool,
    pub write_only: bool,
    pub deprecated: bool,
    pub sunset: Option<&'s str>,
    discriminator: Option<&'s str>,
}

impl<'s> Effective<'s> {
    /// The effective schema with interned id `id`.
    fn build(schemas: &mut Schemas<'s>, id: u32) -> Effective<'s> {
        let mut eff = Effective {
            id,
            types: None,
            nullable: false,
            format: None,
            enumeration: None,
            constant: None,
            bounds: [None; 8],
            multiple_of: None,
            unique_items: false,
            pattern: None,
            default: None,
            properties: Vec::new(),
            required: Vec::new(),
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
        eff.merge(schemas, id, 0, &mut seen);
        eff
    }

    /// Adds the constraints of the schema `id` and its `allOf` members. The first value of a
    /// keyword wins, so the outer schema overrides what it includes.
    fn merge(&mut self, schemas: &mut Schemas<'s>, id: u32, depth: usize, seen: &mut Vec<u32>) {
        if depth > MAX_ALLOF_DEPTH || seen.contains(&id) {
            return;
        }
        seen.push(id);
        let Value::Object(map) = schemas.value(id) else {
            return;
        };
        let v30 = schemas.is_30(id);
        let kw = Keywords::of(map);
        self.merge_types(&kw, v30);
        if self.format.is_none() {
            // 3.1 spells binary content with `contentMediaType`; `format: binary` says nothing more.
            self.format = kw.format.and_then(Value::as_str).filter(|f| *f != "binary");
        }
        if self.enumeration.is_none()
            && let Some(Value::Array(values)) = kw.enumeration
        {
            if values.iter().any(Value::is_null) {
                self.nullable = true;
            }
            self.enumeration = Some(values.iter().filter(|v| !v.is_null()).collect());
        }
        if self.constant.is_none() {
            self.constant = kw.constant;
        }
        self.merge_bounds(&kw, v30);
        if self.multiple_of.is_none() {
            self.multiple_of = kw.multiple_of;
        }
        self.unique_items |= is_true(kw.unique_items);
        if self.pattern.is_none() {
            self.pattern = kw.pattern.and_then(Value::as_str);
        }
        if self.default.is_none() {
            self.default = kw.default;
        }
        if let Some(Value::Object(props)) = kw.properties {
            for (name, value) in props {
                if !self.properties.iter().any(|p| p.name() == name) {
                    self.properties.push(Slot {
                        value,
                        owner: id,
                        key: Key::Property(name),
                    });
                }
            }
        }
        if let Some(Value::Array(names)) = kw.required {
            for name in names.iter().filter_map(Value::as_str) {
                if !self.required.contains(&name) {
                    self.required.push(name);
                }
            }
        }
        match kw.additional {
            Some(Value::Bool(false)) => self.additional = Additional::Closed,
            Some(value @ Value::Object(_)) if matches!(self.additional, Additional::Open) => {
                self.additional = Additional::Schema(Slot {
                    value,
                    owner: id,
                    key: Key::Name("additionalProperties"),
                });
            }
            _ => {}
        }
        if self.items.is_none()
            && let Some(value @ Value::Object(_)) = kw.items
        {
            self.items = Some(Slot {
                value,
                owner: id,
                key: Key::Name("items"),
            });
        }
        for (key, written, list) in [
            ("oneOf", kw.one_of, &mut self.one_of),
            ("anyOf", kw.any_of, &mut self.any_of),
        ] {
            if list.is_empty()
                && let Some(Value::Array(members)) = written
            {
                list.extend(members.iter().enumerate().map(|(i, value)| Slot {
                    value,
                    owner: id,
                    key: Key::Member(key, i),
                }));
            }
        }
        self.read_only |= is_true(kw.read_only);
        self.write_only |= is_true(kw.write_only);
        self.deprecated |= is_true(kw.deprecated);
        if self.sunset.is_none() {
            self.sunset = kw.sunset.and_then(Value::as_str);
        }
        if self.discriminator.is_none() {
            self.discriminator = kw
                .discriminator
                .and_then(|d| d.get("propertyName"))
                .and_then(Value::as_str);
        }
        if let Some(Value::Array(members)) = kw.all_of {
            for (i, value) in members.iter().enumerate() {
                let member = Slot {
                    value,
                    owner: id,
                    key: Key::Member("allOf", i),
                };
                if let Some(member) = schemas.slot(member) {
                    self.merge(schemas, member, depth + 1, seen);
                }
            }
        }
    }

    fn merge_types(&mut self, kw: &Keywords<'s>, v30: bool) {
        let written: Option<Vec<&'s str>> = match kw.types {
            Some(Value::String(t)) => Some(vec![t.as_str()]),
            Some(Value::Array(ts)) => Some(ts.iter().filter_map(Value::as_str).collect()),
            _ => None,
        };
        if let Some(mut written) = written {
            if written.contains(&"null") {
                self.nullable = true;
            }
            written.retain(|t| *t != "null");
            written.sort_unstable();
            written.dedup();
            // Inside an allOf every member must hold, so the types intersect.
            self.types = Some(match self.types.take() {
                Some(mut have) => {
                    have.retain(|t| written.contains(t));
                    have
                }
                None => written,
            });
        }
        if v30 && is_true(kw.nullable) {
            self.nullable = true;
        }
    }

    fn merge_bounds(&mut self, kw: &Keywords<'s>, v30: bool) {
        for (slot, bound) in Bound::ALL.into_iter().enumerate() {
            if self.bounds[slot].is_some() {
                continue;
            }
            let exclusive = match bound {
                Bound::Maximum => kw.exclusive_maximum,
                Bound::Minimum => kw.exclusive_minimum,
                _ => None,
            };
            self.bounds[slot] = match (kw.bounds[slot], exclusive) {
                (Some(n @ Value::Number(_)), Some(Value::Bool(true))) if v30 => Some((n, true)),
                (_, Some(n @ Value::Number(_))) => Some((n, true)),
                (Some(n @ Value::Number(_)), _) => Some((n, false)),
                _ => None,
            };
        }
    }

    /// A bound as compared: for integers an exclusive bound is the inclusive one next to it
    /// (`exclusiveMinimum: 0` is `minimum: 1`), so a 3.1 rewrite of the same range is no change.
    fn bound(&self, b: Bound) -> Option<Value> {
        let slot = Bound::ALL.iter().position(|x| *x == b)?;
        let (n, exclusive) = self.bounds[slot]?;
        let value = n.as_f64()?;
        let integer = self
            .types
            .as_ref()
            .is_some_and(|t| t.len() == 1 && t[0] == "integer");
        if integer && exclusive && value.fract() == 0.0 {
            let step = if b.is_upper() { -1.0 } else { 1.0 };
            let n = value + step;
            return Some(serde_json::Number::from_f64(n).map_or(Value::Null, |n| {
                // Whole numbers print as integers (`1`, not `1.0`).
                if n.as_f64()
                    .is_some_and(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                {
                    json!(n.as_f64().unwrap_or_default() as i64)
                } else {
                    Value::Number(n)
                }
            }));
        }
        Some(if exclusive {
            json!({"value": n, "exclusive": true})
        } else {
            n.clone()
        })
    }

    /// The types as a JSON value for messages: `"string"`, `["integer","string"]`, or `null`.
    fn types_value(&self) -> Value {
        match &self.types {
            None => Value::Null,
            Some(set) if set.len() == 1 => json!(set[0]),
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

/// The keywords of one schema object that the comparison reads, found in one pass over its
/// members: looking each keyword up hashed its name every time, and that dominated the walk.
#[derive(Default)]
struct Keywords<'s> {
    types: Option<&'s Value>,
    nullable: Option<&'s Value>,
    format: Option<&'s Value>,
    enumeration: Option<&'s Value>,
    constant: Option<&'s Value>,
    /// By the position of the bound in [`Bound::ALL`].
    bounds: [Option<&'s Value>; 8],
    exclusive_maximum: Option<&'s Value>,
    exclusive_minimum: Option<&'s Value>,
    multiple_of: Option<&'s Value>,
    unique_items: Option<&'s Value>,
    pattern: Option<&'s Value>,
    default: Option<&'s Value>,
    properties: Option<&'s Value>,
    required: Option<&'s Value>,
    additional: Option<&'s Value>,
    items: Option<&'s Value>,
    one_of: Option<&'s Value>,
    any_of: Option<&'s Value>,
    all_of: Option<&'s Value>,
    read_only: Option<&'s Value>,
    write_only: Option<&'s Value>,
    deprecated: Option<&'s Value>,
    sunset: Option<&'s Value>,
    discriminator: Option<&'s Value>,
}

impl<'s> Keywords<'s> {
    fn of(map: &'s Map<String, Value>) -> Self {
        let mut kw = Keywords::default();
        for (key, value) in map {
            let field = match key.as_str() {
                "type" => &mut kw.types,
                "nullable" => &mut kw.nullable,
                "format" => &mut kw.format,
                "enum" => &mut kw.enumeration,
                "const" => &mut kw.constant,
                "exclusiveMaximum" => &mut kw.exclusive_maximum,
                "exclusiveMinimum" => &mut kw.exclusive_minimum,
                "multipleOf" => &mut kw.multiple_of,
                "uniqueItems" => &mut kw.unique_items,
                "pattern" => &mut kw.pattern,
                "default" => &mut kw.default,
                "properties" => &mut kw.properties,
                "required" => &mut kw.required,
                "additionalProperties" => &mut kw.additional,
                "items" => &mut kw.items,
                "oneOf" => &mut kw.one_of,
                "anyOf" => &mut kw.any_of,
                "allOf" => &mut kw.all_of,
                "readOnly" => &mut kw.read_only,
                "writeOnly" => &mut kw.write_only,
                "deprecated" => &mut kw.deprecated,
                "x-sunset" => &mut kw.sunset,
                "discriminator" => &mut kw.discriminator,
                other => match Bound::ALL.iter().position(|b| b.keyword() == other) {
                    Some(i) => &mut kw.bounds[i],
                    None => continue,
                },
            };
            *field = Some(value);
        }
        kw
    }
}

fn is_true(value: Option<&Value>) -> bool {
    value == Some(&Value::Bool(true))
}

impl<'s> Slot<'s> {
    /// The property name of a `properties` slot (empty for others).
    fn name(&self) -> &'s str {
        match self.key {
            Key::Property(name) => name,
            _ => "",
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

/// The schemas of one side, interned: every schema value met maps to the id of the schema its
/// `$ref` chain ends at (`None` when the chain is broken), so pairs of schemas are compared and
/// remembered as two integers, and each `$ref` is resolved once.
pub struct Schemas<'s> {
    spec: &'s Spec,
    /// By the address of a schema value in the parsed document. The documents are not changed
    /// while they are compared, so an address names one place.
    ids: FxMap<usize, Option<u32>>,
    /// Each interned schema's location and value.
    targets: Vec<(Loc, &'s Value)>,
    /// Whether each file of the spec is OpenAPI 3.0.
    v30: Vec<bool>,
    walker: Walker<'s>,
}

fn address(value: &Value) -> usize {
    std::ptr::from_ref(value) as usize
}

impl<'s> Schemas<'s> {
    pub fn new(spec: &'s Spec) -> Self {
        Schemas {
            spec,
            ids: FxMap::default(),
            targets: Vec::new(),
            v30: (0..spec.files.len()).map(|f| is_30(spec, f)).collect(),
            walker: Walker::default(),
        }
    }

    /// The id of the schema at `loc` after its ref chain.
    fn id_at(&mut self, loc: &Loc) -> Option<u32> {
        let value = self.get(loc)?;
        match self.ids.get(&address(value)) {
            Some(id) => *id,
            None => self.intern(value, loc.clone()),
        }
    }

    /// The id of the schema written in `slot`, after its ref chain.
    fn slot(&mut self, slot: Slot<'s>) -> Option<u32> {
        match self.ids.get(&address(slot.value)) {
            Some(id) => *id,
            None => {
                let loc = self.slot_loc(slot);
                self.intern(slot.value, loc)
            }
        }
    }

    /// Interns `value`, written at `loc`, the first time it is met.
    fn intern(&mut self, value: &'s Value, loc: Loc) -> Option<u32> {
        let id = match self.deref(value, loc) {
            Some((target, found)) => match self.ids.get(&address(found)) {
                Some(id) => *id,
                None => {
                    let id = self.add(target, found);
                    self.ids.insert(address(found), Some(id));
                    Some(id)
                }
            },
            None => None,
        };
        self.ids.insert(address(value), id);
        id
    }

    /// The value at `loc` (resolved from the previous location's shared prefix).
    pub fn get(&mut self, loc: &Loc) -> Option<&'s Value> {
        let root = &self.spec.files.get(loc.file)?.value;
        self.walker.get(loc.file, root, &loc.ptr)
    }

    /// Follows the `$ref` chain from `value` (written at `loc`) to the schema it ends at, as
    /// [`Spec::deref`] does; `None` when the chain is broken or loops.
    fn deref(&mut self, mut value: &'s Value, mut loc: Loc) -> Option<(Loc, &'s Value)> {
        /// Longer chains are taken for loops.
        const MAX_HOPS: usize = 64;
        for _ in 0..MAX_HOPS {
            let Some(reference) = value.get("$ref") else {
                return Some((loc, value));
            };
            let reference = reference.as_str()?;
            loc = match reference.strip_prefix('#') {
                // Within the file: resolved from the last pointer's shared prefix.
                Some(fragment)
                    if !fragment.contains('%') && crate::spec::pointer::is_valid(fragment) =>
                {
                    Loc::new(loc.file, fragment)
                }
                _ => self.spec.resolve_ref(loc.file, reference).ok()?,
            };
            value = self.get(&loc)?;
        }
        None
    }

    fn add(&mut self, loc: Loc, value: &'s Value) -> u32 {
        self.targets.push((loc, value));
        (self.targets.len() - 1) as u32
    }

    /// Where the schema `id` is.
    fn loc(&self, id: u32) -> &Loc {
        &self.targets[id as usize].0
    }

    fn value(&self, id: u32) -> &'s Value {
        self.targets[id as usize].1
    }

    fn is_30(&self, id: u32) -> bool {
        self.v30[self.loc(id).file]
    }

    /// Where `slot` is written (built when a location is needed).
    fn slot_loc(&self, slot: Slot<'s>) -> Loc {
        let owner = self.loc(slot.owner);
        match slot.key {
            Key::Name(name) => owner.child(name),
            Key::Property(name) => owner.child("properties").child(name),
            Key::Member(keyword, i) => owner.child(keyword).index(i),
        }
    }

    /// The effective schema written in `slot`; `None` when its ref chain is broken.
    fn effective(&mut self, slot: Slot<'s>) -> Option<Effective<'s>> {
        let id = self.slot(slot)?;
        Some(Effective::build(self, id))
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

    /// Compares the schemas at `o` and `n`, the root of a body, parameter or header.
    pub fn compare(&mut self, out: &mut Emitter, o: &Loc, n: &Loc) {
        let (Some(oid), Some(nid)) = (self.memo.old.id_at(o), self.memo.new.id_at(n)) else {
            return;
        };
        self.pair(out, oid, nid, &mut String::new());
    }

    /// Compares the subschemas in two slots; `path` names the property path from the root.
    fn slots(&mut self, out: &mut Emitter, o: Slot<'s>, n: Slot<'s>, path: &mut String) {
        let (Some(oid), Some(nid)) = (self.memo.old.slot(o), self.memo.new.slot(n)) else {
            return;
        };
        self.pair(out, oid, nid, path);
    }

    /// Compares the interned schemas `oid` and `nid`; `path` names the property path from the
    /// root (empty at the root).
    fn pair(&mut self, out: &mut Emitter, oid: u32, nid: u32, path: &mut String) {
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
        let old = Effective::build(&mut self.memo.old, oid);
        let new = Effective::build(&mut self.memo.new, nid);
        let cuts_before = self.cuts;
        self.visiting.insert(pair);
        let before = out.len();
        self.keywords(out, &old, &new, path);
        self.properties(out, &old, &new, path);
        if let (Some(oi), Some(ni)) = (old.items, new.items) {
            let len = path.len();
            path.push_str("[]");
            self.slots(out, oi, ni, path);
            path.truncate(len);
        }
        if let (Additional::Schema(oa), Additional::Schema(na)) = (old.additional, new.additional) {
            let len = push(path, "*");
            self.slots(out, oa, na, path);
            path.truncate(len);
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

    fn keywords(&self, out: &mut Emitter, old: &Effective<'s>, new: &Effective<'s>, path: &str) {
        let (old_loc, new_loc) = (self.memo.old.loc(old.id), self.memo.new.loc(new.id));
        let flags = Flags {
            read_only: new.read_only,
            write_only: new.write_only,
            ..Flags::default()
        };
        let emit = |out: &mut Emitter, kind: Kind, kw: &str, ov: Value, nv: Value| {
            out.schema(
                kind,
                path,
                &old_loc.child(kw),
                &new_loc.child(kw),
                old_loc,
                new_loc,
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

    /// The flags and lifecycle of the property in `slot`, on the old side when `old`.
    fn property_facts(&mut self, old: bool, slot: Slot<'s>, required: bool) -> (Flags, Lifecycle) {
        let side = if old {
            &mut self.memo.old
        } else {
            &mut self.memo.new
        };
        let prop = side.effective(slot);
        let flags = Flags {
            required,
            read_only: prop.as_ref().is_some_and(|p| p.read_only),
            write_only: prop.as_ref().is_some_and(|p| p.write_only),
            ..Flags::default()
        };
        (flags, prop.map(|p| p.lifecycle()).unwrap_or_default())
    }

    fn properties(
        &mut self,
        out: &mut Emitter,
        old: &Effective<'s>,
        new: &Effective<'s>,
        path: &mut String,
    ) {
        for &ol in &old.properties {
            let name = ol.name();
            let len = push(path, name);
            match new.properties.iter().find(|p| p.name() == name) {
                Some(&nl) => {
                    let (was, is) = (old.required.contains(&name), new.required.contains(&name));
                    if was != is {
                        let (flags, _) = self.property_facts(false, nl, is);
                        let kind = if is {
                            Kind::PropertyBecameRequired
                        } else {
                            Kind::PropertyBecameOptional
                        };
                        let (old_loc, new_loc) =
                            (self.memo.old.loc(old.id), self.memo.new.loc(new.id));
                        out.schema(
                            kind,
                            path,
                            &old_loc.child("required"),
                            &new_loc.child("required"),
                            old_loc,
                            new_loc,
                            json!(was),
                            json!(is),
                            flags,
                            Lifecycle::default(),
                        );
                    }
                    self.slots(out, ol, nl, path);
                }
                None => {
                    let (flags, lifecycle) =
                        self.property_facts(true, ol, old.required.contains(&name));
                    out.one_sided(
                        Kind::PropertyRemoved,
                        path,
                        Some(&self.memo.old.slot_loc(ol)),
                        None,
                        json!(name),
                        Value::Null,
                        flags,
                        lifecycle,
                    );
                }
            }
            path.truncate(len);
        }
        for &nl in &new.properties {
            let name = nl.name();
            if old.properties.iter().any(|p| p.name() == name) {
                continue;
            }
            let (flags, _) = self.property_facts(false, nl, new.required.contains(&name));
            let len = push(path, name);
            out.one_sided(
                Kind::PropertyAdded,
                path,
                None,
                Some(&self.memo.new.slot_loc(nl)),
                Value::Null,
                json!(name),
                flags,
                Lifecycle::default(),
            );
            path.truncate(len);
        }
    }

    /// Pairs `oneOf`/`anyOf` alternatives by meaning: same ref target name first, then any pair
    /// that compares equal, then (one left on each side) the two leftovers as an edit.
    fn variants(
        &mut self,
        out: &mut Emitter,
        old: &[Slot<'s>],
        new: &[Slot<'s>],
        path: &mut String,
        keyword: &str,
    ) {
        if old.is_empty() && new.is_empty() {
            return;
        }
        let mut left: Vec<Slot<'s>> = old.to_vec();
        let mut right: Vec<Slot<'s>> = new.to_vec();
        let mut pairs: Vec<(Slot<'s>, Slot<'s>)> = Vec::new();
        left.retain(|o| {
            let name = ref_name(o.value);
            if name.is_none() {
                return true;
            }
            match right.iter().position(|n| ref_name(n.value) == name) {
                Some(i) => {
                    pairs.push((*o, right.remove(i)));
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
                sub.slots(&mut probe, o, *n, &mut path.clone());
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
            self.slots(out, o, n, path);
        }
        for o in left {
            out.one_sided(
                Kind::VariantRemoved,
                path,
                Some(&self.memo.old.slot_loc(o)),
                None,
                json!(variant_label(o, keyword)),
                Value::Null,
                Flags::default(),
                Lifecycle::default(),
            );
        }
        for n in right {
            out.one_sided(
                Kind::VariantAdded,
                path,
                None,
                Some(&self.memo.new.slot_loc(n)),
                Value::Null,
                json!(variant_label(n, keyword)),
                Flags::default(),
                Lifecycle::default(),
            );
        }
    }
}

/// Appends `token` to a property path as people read it (`a.b`, `a[]`, `a.*`); returns the
/// length to truncate back to.
fn push(path: &mut String, token: &str) -> usize {
    let len = path.len();
    if !path.is_empty() && token != "[]" {
        path.push('.');
    }
    path.push_str(token);
    len
}

/// The last token of a member's `$ref` (`Krav` for `#/components/schemas/Krav`).
fn ref_name(value: &Value) -> Option<&str> {
    let reference = value.get("$ref")?.as_str()?;
    reference.rsplit('/').next()
}

fn variant_label(slot: Slot<'_>, keyword: &str) -> String {
    match ref_name(slot.value) {
        Some(name) => format!("{keyword} `{name}`"),
        None => match slot.key {
            Key::Member(_, index) => format!("{keyword} member #{index}"),
            _ => format!("{keyword} member #?"),
        },
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
