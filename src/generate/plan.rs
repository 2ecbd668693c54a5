//! Merged views: what a value must satisfy when several schemas apply to it at once.
//!
//! A value is generated for a *conjunction* of IR nodes (a property declared in two `allOf`
//! members, an item under both `prefixItems` and a `contains`, a chosen `oneOf` branch together
//! with the schema around it). [`View::build`] flattens the conjunction through `$ref` and `allOf`
//! and intersects the keywords: types, enum values, bounds, lengths, patterns, formats; subschemas
//! stay per member, so the conjunction for a property or an item is computed by name or position.
//! `oneOf`/`anyOf` stay open as [`Group`]s; choosing a branch gives a new conjunction whose key
//! records the group as resolved, so the same group is not expanded again.
//!
//! Heights ([`heights`]) say how deep the shallowest valid value of each node must nest; the
//! sampler uses them at the depth bound to pick branches that end, and a root without a finite
//! height is a required infinite recursion, reported at compile time.

use std::sync::Arc;

use serde_json::Value;

use super::ir::{Ir, Node, NodeId, Pattern, TypeSet};

/// A conjunction of nodes, with the owners whose `oneOf`/`anyOf` are already resolved in it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Key {
    pub conj: Vec<NodeId>,
    pub resolved: Vec<NodeId>,
}

impl Key {
    pub fn of(mut conj: Vec<NodeId>) -> Key {
        conj.sort_unstable();
        conj.dedup();
        Key {
            conj,
            resolved: Vec::new(),
        }
    }

    /// The key with `branches` added and the groups of `owners` marked resolved.
    pub fn with(&self, branches: &[NodeId], owners: &[NodeId]) -> Key {
        let mut k = self.clone();
        k.conj.extend_from_slice(branches);
        k.conj.sort_unstable();
        k.conj.dedup();
        k.resolved.extend_from_slice(owners);
        k.resolved.sort_unstable();
        k.resolved.dedup();
        k
    }
}

/// An unresolved `oneOf` and/or `anyOf` of one member.
#[derive(Debug, Clone)]
pub struct Group {
    pub owner: NodeId,
    pub one_of: Vec<NodeId>,
    pub any_of: Vec<NodeId>,
}

/// Inclusive or exclusive numeric bound.
#[derive(Debug, Clone, Copy)]
pub struct Bound {
    pub value: f64,
    pub exclusive: bool,
}

#[derive(Debug, Default)]
pub struct View {
    pub key: Key,
    /// Every schema node the conjunction flattens to (through `$ref` and `allOf`).
    pub members: Vec<NodeId>,
    /// Why no value can satisfy the conjunction, and where (found while merging).
    pub unsat: Option<(NodeId, String)>,
    pub types: Option<TypeSet>,
    /// Types suggested by the keywords present, for schemas without `type`.
    pub hints: u8,
    pub choices: Option<Vec<Value>>,
    pub lo: Option<Bound>,
    pub hi: Option<Bound>,
    pub multiples: Vec<f64>,
    /// Integer/float range of an OpenAPI numeric format (a plausibility limit, not validated).
    pub format_range: Option<(f64, f64)>,
    pub min_len: u64,
    pub max_len: Option<u64>,
    pub patterns: Vec<Arc<Pattern>>,
    pub formats: Vec<String>,
    /// Per member with array keywords: its prefix items and its items schema.
    pub arrays: Vec<(Vec<NodeId>, Option<NodeId>)>,
    pub min_items: u64,
    pub max_items: Option<u64>,
    pub unique: bool,
    pub contains: Vec<(NodeId, u64)>,
    /// Members with property keywords.
    pub objects: Vec<NodeId>,
    /// Declared property names, in document order, first declaration first.
    pub names: Vec<String>,
    pub required: Vec<String>,
    /// Properties the direction leaves out unless required.
    pub omitted: Vec<String>,
    pub min_props: u64,
    pub max_props: Option<u64>,
    pub property_names: Vec<NodeId>,
    pub dependent_required: Vec<(String, Vec<String>)>,
    pub groups: Vec<Group>,
    /// Members whose validity a generated value must be checked against in full.
    pub full_check: Vec<NodeId>,
    /// The first example (or default) of a member that is valid for the whole conjunction.
    pub example: Option<Value>,
}

impl View {
    pub fn build(ir: &Ir, key: Key) -> View {
        let mut v = View {
            key,
            ..View::default()
        };
        let mut stack: Vec<NodeId> = v.key.conj.iter().rev().copied().collect();
        let mut seen: Vec<NodeId> = Vec::new();
        while let Some(id) = stack.pop() {
            if seen.contains(&id) {
                continue;
            }
            seen.push(id);
            match &ir.nodes[id] {
                Node::Bool(true) => {}
                Node::Bool(false) => {
                    v.unsat
                        .get_or_insert((id, "the schema is `false`: no value is allowed".into()));
                }
                Node::Schema(s) => {
                    v.members.push(id);
                    for &m in s.all_of.iter().rev() {
                        stack.push(m);
                    }
                    if let Some(r) = s.reference {
                        stack.push(r);
                    }
                }
            }
        }
        let members = v.members.clone();
        for &id in &members {
            v.merge(ir, id);
        }
        v.check_bounds();
        let mut examples = members
            .iter()
            .filter_map(|&m| ir.schema(m))
            .flat_map(|s| s.examples.iter());
        v.example = examples
            .find(|e| v.key.conj.iter().all(|&n| ir.accepts(n, e)))
            .cloned();
        v
    }

    fn fail(&mut self, id: NodeId, why: String) {
        self.unsat.get_or_insert((id, why));
    }

    fn merge(&mut self, ir: &Ir, id: NodeId) {
        let Some(s) = ir.schema(id) else { return };
        if let Some(t) = s.types {
            let merged = self.types.unwrap_or(TypeSet::ALL).intersect(t);
            if merged.0 == 0 {
                self.fail(
                    id,
                    "no type satisfies every `type` that applies here".into(),
                );
            }
            self.types = Some(merged);
        }
        if let Some(c) = &s.choices {
            let merged: Vec<Value> = match &self.choices {
                None => c.clone(),
                Some(prev) => prev.iter().filter(|p| c.contains(p)).cloned().collect(),
            };
            if merged.is_empty() {
                self.fail(
                    id,
                    "no `enum`/`const` value satisfies every schema here".into(),
                );
            }
            self.choices = Some(merged);
        }
        let tighten_lo = |b: &mut Option<Bound>, value: f64, exclusive: bool| {
            if b.is_none_or(|o| value > o.value || (value == o.value && exclusive)) {
                *b = Some(Bound { value, exclusive });
            }
        };
        let tighten_hi = |b: &mut Option<Bound>, value: f64, exclusive: bool| {
            if b.is_none_or(|o| value < o.value || (value == o.value && exclusive)) {
                *b = Some(Bound { value, exclusive });
            }
        };
        if let Some(m) = s.minimum {
            tighten_lo(&mut self.lo, m, false);
        }
        if let Some(m) = s.exclusive_minimum {
            tighten_lo(&mut self.lo, m, true);
        }
        if let Some(m) = s.maximum {
            tighten_hi(&mut self.hi, m, false);
        }
        if let Some(m) = s.exclusive_maximum {
            tighten_hi(&mut self.hi, m, true);
        }
        if s.minimum.is_some()
            || s.maximum.is_some()
            || s.exclusive_minimum.is_some()
            || s.exclusive_maximum.is_some()
            || s.multiple_of.is_some()
        {
            self.hints |= TypeSet::NUMBER | TypeSet::INTEGER;
        }
        if let Some(m) = s.multiple_of {
            self.multiples.push(m);
        }
        if let Some(f) = &s.format {
            if let Some(r) = super::format::integer_range(f) {
                self.format_range = Some(r);
            } else if !self.formats.contains(f) {
                self.formats.push(f.clone());
            }
        }
        if let Some(n) = s.min_length {
            self.min_len = self.min_len.max(n);
        }
        if let Some(n) = s.max_length {
            self.max_len = Some(self.max_len.map_or(n, |m| m.min(n)));
        }
        if let Some(p) = &s.pattern {
            self.patterns.push(p.clone());
        }
        if s.min_length.is_some() || s.max_length.is_some() || s.pattern.is_some() {
            self.hints |= TypeSet::STRING;
        }
        if s.format.as_deref().is_some_and(super::format::known) {
            self.hints |= TypeSet::STRING;
        }

        if !s.prefix_items.is_empty() || s.items.is_some() {
            self.arrays.push((s.prefix_items.clone(), s.items));
        }
        if let Some(n) = s.min_items {
            self.min_items = self.min_items.max(n);
        }
        if let Some(n) = s.max_items {
            self.max_items = Some(self.max_items.map_or(n, |m| m.min(n)));
        }
        self.unique |= s.unique_items;
        if let Some(c) = s.contains {
            self.contains.push((c, s.min_contains.unwrap_or(1)));
        }
        if !s.prefix_items.is_empty()
            || s.items.is_some()
            || s.min_items.is_some()
            || s.max_items.is_some()
            || s.contains.is_some()
            || s.unique_items
        {
            self.hints |= TypeSet::ARRAY;
        }

        if !s.properties.is_empty()
            || !s.pattern_properties.is_empty()
            || s.additional_properties.is_some()
        {
            self.objects.push(id);
        }
        for (name, _, omit) in &s.properties {
            if !self.names.contains(name) {
                self.names.push(name.clone());
            }
            if *omit && !self.omitted.contains(name) {
                self.omitted.push(name.clone());
            }
        }
        for r in &s.required {
            if !self.required.contains(r) {
                self.required.push(r.clone());
            }
        }
        if let Some(n) = s.min_properties {
            self.min_props = self.min_props.max(n);
        }
        if let Some(n) = s.max_properties {
            self.max_props = Some(self.max_props.map_or(n, |m| m.min(n)));
        }
        if let Some(p) = s.property_names {
            self.property_names.push(p);
        }
        self.dependent_required
            .extend(s.dependent_required.iter().cloned());
        if !s.properties.is_empty()
            || !s.pattern_properties.is_empty()
            || s.additional_properties.is_some()
            || !s.required.is_empty()
            || s.min_properties.is_some()
            || s.max_properties.is_some()
        {
            self.hints |= TypeSet::OBJECT;
        }

        if (!s.one_of.is_empty() || !s.any_of.is_empty()) && !self.key.resolved.contains(&id) {
            self.groups.push(Group {
                owner: id,
                one_of: s.one_of.clone(),
                any_of: s.any_of.clone(),
            });
        }
        // A resolved group is checked by the sampler that chose its branch.
        let check = if self.key.resolved.contains(&id) {
            s.needs_check_besides_groups()
        } else {
            s.needs_full_check()
        };
        if check {
            self.full_check.push(id);
        }
    }

    fn check_bounds(&mut self) {
        let at = self.members.first().copied().unwrap_or(0);
        if let (Some(lo), Some(hi)) = (self.lo, self.hi) {
            let numeric_only = self
                .types
                .is_some_and(|t| t.only(TypeSet::NUMBER | TypeSet::INTEGER));
            if numeric_only
                && (lo.value > hi.value || (lo.value == hi.value && (lo.exclusive || hi.exclusive)))
            {
                self.fail(
                    at,
                    format!(
                        "the lower bound {} is above the upper bound {}",
                        lo.value, hi.value
                    ),
                );
            }
        }
        let strings_only = self.types.is_some_and(|t| t.only(TypeSet::STRING));
        if strings_only && self.max_len.is_some_and(|m| m < self.min_len) {
            self.fail(at, "`minLength` is above `maxLength`".into());
        }
        let arrays_only = self.types.is_some_and(|t| t.only(TypeSet::ARRAY));
        if arrays_only && self.max_items.is_some_and(|m| m < self.min_items) {
            self.fail(at, "`minItems` is above `maxItems`".into());
        }
        let objects_only = self.types.is_some_and(|t| t.only(TypeSet::OBJECT));
        if objects_only && self.max_props.is_some_and(|m| m < self.min_props) {
            self.fail(at, "`minProperties` is above `maxProperties`".into());
        }
        if objects_only
            && self
                .max_props
                .is_some_and(|m| (m as usize) < self.required.len())
        {
            self.fail(
                at,
                "more properties are required than `maxProperties` allows".into(),
            );
        }
    }

    /// The conjunction a property value must satisfy, by name.
    pub fn property(&self, ir: &Ir, name: &str) -> Key {
        let mut conj = Vec::new();
        for &m in &self.objects {
            let Some(s) = ir.schema(m) else { continue };
            let mut matched = false;
            if let Some((_, p, _)) = s.properties.iter().find(|(n, _, _)| n == name) {
                conj.push(*p);
                matched = true;
            }
            for (pat, p) in &s.pattern_properties {
                if pat.is_match(name) {
                    conj.push(*p);
                    matched = true;
                }
            }
            if !matched && let Some(a) = s.additional_properties {
                conj.push(a);
            }
        }
        Key::of(conj)
    }

    /// The conjunction the item at `index` must satisfy (without `contains`).
    pub fn item(&self, index: usize) -> Key {
        let conj = self
            .arrays
            .iter()
            .filter_map(|(prefix, items)| prefix.get(index).copied().or(*items))
            .collect();
        Key::of(conj)
    }

    /// Whether the local keywords of every member, and the members that need it in full, accept
    /// `value`.
    pub fn verify(&self, ir: &Ir, value: &Value) -> bool {
        self.members.iter().all(|&m| {
            ir.schema(m)
                .and_then(|s| s.local.as_ref())
                .is_none_or(|l| l.is_valid(value))
        }) && self.full_check.iter().all(|&m| ir.accepts(m, value))
    }
}

/// Whether a conjunction contains the `false` schema.
pub fn is_never(ir: &Ir, key: &Key) -> bool {
    key.conj
        .iter()
        .any(|&n| matches!(ir.nodes[n], Node::Bool(false)))
}

pub const INFINITE: u32 = u32::MAX;

/// For each node, how many levels the shallowest value it accepts must nest (INFINITE: none is
/// finite), by fixpoint iteration: a node's height is at most what its required parts need.
pub fn heights(ir: &Ir) -> Vec<u32> {
    let n = ir.nodes.len();
    let mut h = vec![INFINITE; n];
    for _ in 0..n.min(200) + 2 {
        let mut changed = false;
        for id in 0..n {
            let new = height_of(ir, id, &h);
            if new < h[id] {
                h[id] = new;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    h
}

fn height_of(ir: &Ir, id: NodeId, h: &[u32]) -> u32 {
    let s = match &ir.nodes[id] {
        Node::Bool(true) => return 0,
        Node::Bool(false) => return INFINITE,
        Node::Schema(s) => s,
    };
    let below = |x: u32| if x == INFINITE { INFINITE } else { x + 1 };
    let mut own = 0u32;
    for &m in s.all_of.iter().chain(&s.reference) {
        own = own.max(h[m]);
    }
    for group in [&s.one_of, &s.any_of] {
        if !group.is_empty() {
            own = own.max(group.iter().map(|&b| h[b]).min().unwrap_or(0));
        }
    }
    let types = s.types.unwrap_or(TypeSet::ALL);
    if types.only(TypeSet::OBJECT) {
        for r in &s.required {
            if let Some((_, p, _)) = s.properties.iter().find(|(n, _, _)| n == r) {
                own = own.max(below(h[*p]));
            }
        }
    }
    if types.only(TypeSet::ARRAY) {
        let min = s.min_items.unwrap_or(0) as usize;
        for &p in s.prefix_items.iter().take(min) {
            own = own.max(below(h[p]));
        }
        if min > s.prefix_items.len()
            && let Some(it) = s.items
        {
            own = own.max(below(h[it]));
        }
    }
    own
}
