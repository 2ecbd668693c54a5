//! Producing one value for a view: choose a type, build it from the merged constraints, check it
//! where construction alone does not guarantee validity, and retry with fresh choices otherwise.
//!
//! All randomness comes from one ChaCha stream per sample, and every collection walked here is a
//! `Vec` in document order, so a seed always yields the same value. `size` (0..=1) scales the
//! optional parts — optional properties, extra items, string and number magnitude — so that a
//! proptest strategy can shrink towards the minimal value by shrinking `size` to 0.

use std::collections::HashSet;

use rand::Rng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Number, Value};

use super::format;
use super::generator::Engine;
use super::ir::{NodeId, TypeSet};
use super::plan::{INFINITE, Key, View, is_never};
use super::words;

/// Retries of one view before the failure goes up to its parent.
const ATTEMPTS: u32 = 6;
/// Bound on work for one sample, so that unsatisfiable corners fail fast instead of searching.
const MAX_STEPS: u32 = 20_000;
/// Beyond `max_depth` only minimal values are built; this much further, the sample is abandoned.
const HARD_DEPTH: usize = 48;
/// Per nesting level, the factor on the chance of optional properties and extra items.
const DECAY: f64 = 0.7;
/// `max_depth` is capped here: the sampler recurses once per level, and deeper values are not
/// what anyone reads in a mock response.
const MAX_DEPTH: usize = 64;

pub struct Ctx<'a> {
    pub engine: &'a Engine,
    pub rng: ChaCha8Rng,
    pub size: f64,
    steps: u32,
    /// The first reason a view could not be satisfied, for compile-time errors.
    pub failure: Option<(NodeId, String)>,
}

impl<'a> Ctx<'a> {
    pub fn new(engine: &'a Engine, rng: ChaCha8Rng, size: f64) -> Self {
        Ctx {
            engine,
            rng,
            size,
            steps: 0,
            failure: None,
        }
    }

    fn fail(&mut self, at: NodeId, why: impl Into<String>) -> Option<Value> {
        if self.failure.is_none() {
            self.failure = Some((at, why.into()));
        }
        None
    }

    pub fn value(&mut self, key: &Key, depth: usize) -> Option<Value> {
        self.steps += 1;
        let at = key.conj.first().copied().unwrap_or(self.engine.ir.root);
        if self.steps > MAX_STEPS {
            return self.fail(at, "no valid value found within the search budget");
        }
        let max_depth = self.engine.options.max_depth.min(MAX_DEPTH);
        if depth > max_depth + HARD_DEPTH {
            return self.fail(
                at,
                "values nest without end (a recursion the schema requires)",
            );
        }
        let view = self.engine.view(key);
        if let Some((id, why)) = &view.unsat {
            return self.fail(*id, why.clone());
        }
        if self.engine.options.prefer_examples
            && let Some(e) = &view.example
        {
            return Some(e.clone());
        }
        // Size 0 is the shrink target: the minimal value everywhere, not only at the depth bound.
        let minimal = depth >= max_depth || self.size == 0.0;
        if !view.groups.is_empty() {
            return self.group(&view, depth, minimal);
        }
        for attempt in 0..ATTEMPTS {
            if let Some(v) = self.plain(&view, depth, minimal, attempt)
                && view.verify(&self.engine.ir, &v)
            {
                return Some(v);
            }
            if self.steps > MAX_STEPS {
                break;
            }
        }
        let at = view.members.first().copied().unwrap_or(at);
        let why = self.describe_miss(&view);
        self.fail(at, why)
    }

    fn describe_miss(&self, view: &View) -> String {
        let mut why = String::from("no generated value satisfied the schema");
        if let Some(p) = view.patterns.iter().find(|p| p.generator.is_none()) {
            why = format!(
                "the pattern `{}` is beyond the generator (lookaround or backreference) and \
                 random strings did not match it",
                p.source
            );
        } else if !view.patterns.is_empty() && (view.min_len > 0 || view.max_len.is_some()) {
            why = "no string matched the pattern within the length limits".into();
        } else if !view.full_check.is_empty() {
            why = "no generated value satisfied `not`/`oneOf`/`contains` here".into();
        }
        why
    }

    /// Picks a branch for each open `oneOf`/`anyOf` and generates for the narrower conjunction.
    fn group(&mut self, view: &View, depth: usize, minimal: bool) -> Option<Value> {
        let heights = &self.engine.heights;
        let owners: Vec<NodeId> = view.groups.iter().map(|g| g.owner).collect();
        for attempt in 0..ATTEMPTS * 2 {
            let mut chosen = Vec::new();
            for g in &view.groups {
                for branches in [&g.one_of, &g.any_of] {
                    if branches.is_empty() {
                        continue;
                    }
                    let finite: Vec<NodeId> = branches
                        .iter()
                        .copied()
                        .filter(|&b| heights[b] != INFINITE)
                        .collect();
                    let pool = if finite.is_empty() { branches } else { &finite };
                    let pick = if minimal && attempt == 0 {
                        *pool.iter().min_by_key(|&&b| heights[b]).unwrap_or(&pool[0])
                    } else {
                        pool[self.rng.random_range(0..pool.len())]
                    };
                    chosen.push(pick);
                }
            }
            let child = view.key.with(&chosen, &owners);
            if let Some(mut v) = self.value(&child, depth) {
                let ir = &self.engine.ir;
                if owners.iter().all(|&o| ir.accepts(o, &v)) {
                    return Some(v);
                }
                self.distinguish(&child, &owners, &chosen, &mut v);
                let ir = &self.engine.ir;
                if owners.iter().all(|&o| ir.accepts(o, &v))
                    && view.key.conj.iter().all(|&n| ir.accepts(n, &v))
                {
                    return Some(v);
                }
            }
            if self.steps > MAX_STEPS {
                break;
            }
        }
        let owner = view.groups[0].owner;
        let why = if view.groups.iter().any(|g| !g.one_of.is_empty()) {
            "no value matched exactly one `oneOf` branch (the branches overlap)"
        } else {
            "no value matched an `anyOf` branch"
        };
        self.fail(owner, why)
    }

    /// A value valid for the chosen `oneOf` branch often also matches a sibling branch (an
    /// inherited schema extends another, both open to extra properties). Setting one property the
    /// sibling declares to a value the chosen branch allows but the sibling refuses makes the
    /// value match exactly one branch.
    fn distinguish(&mut self, child: &Key, owners: &[NodeId], chosen: &[NodeId], v: &mut Value) {
        let engine = self.engine;
        let ir = &engine.ir;
        let Value::Object(map) = v else { return };
        let own = engine.view(child);
        // Under `unevaluatedProperties` a sibling's property is judged by annotations this
        // checker only approximates; adding one could pass here and fail the validators.
        let unevaluated = |id: &NodeId| {
            ir.schema(*id)
                .is_some_and(|s| s.unevaluated_properties.is_some())
        };
        if own.members.iter().any(unevaluated) || owners.iter().any(unevaluated) {
            return;
        }
        const PROBES: [fn() -> Value; 6] = [
            || Value::Null,
            || Value::Bool(false),
            || Value::from(0),
            || Value::String(String::new()),
            || Value::Array(Vec::new()),
            || Value::Object(Map::new()),
        ];
        for &owner in owners {
            let Some(s) = ir.schema(owner) else { continue };
            for &sibling in &s.one_of {
                if chosen.contains(&sibling) || !ir.accepts(sibling, &Value::Object(map.clone())) {
                    continue;
                }
                let theirs = engine.view(&Key::of(vec![sibling]));
                'names: for name in &theirs.names {
                    let mine = own.property(ir, name);
                    let their = theirs.property(ir, name);
                    for probe in PROBES {
                        let p = probe();
                        if mine.conj.iter().all(|&n| ir.accepts(n, &p))
                            && !their.conj.iter().all(|&n| ir.accepts(n, &p))
                        {
                            map.insert(name.clone(), p);
                            break 'names;
                        }
                    }
                }
            }
        }
    }

    fn plain(&mut self, view: &View, depth: usize, minimal: bool, attempt: u32) -> Option<Value> {
        let ir = &self.engine.ir;
        if let Some(choices) = &view.choices {
            let mut order: Vec<usize> = (0..choices.len()).collect();
            if !minimal {
                order.shuffle(&mut self.rng);
            }
            return order
                .into_iter()
                .map(|i| &choices[i])
                .find(|c| view.verify(ir, c))
                .cloned();
        }
        let t = self.choose_type(view, minimal, attempt)?;
        match t {
            TypeSet::NULL => Some(Value::Null),
            TypeSet::BOOLEAN => Some(Value::Bool(self.rng.random_bool(0.5))),
            TypeSet::INTEGER => self.number(view, false, minimal, attempt),
            TypeSet::NUMBER => self.number(view, true, minimal, attempt),
            TypeSet::STRING => self.string(view, minimal, attempt).map(Value::String),
            TypeSet::ARRAY => self.array(view, depth, minimal),
            _ => self.object(view, depth, minimal),
        }
    }

    fn choose_type(&mut self, view: &View, minimal: bool, attempt: u32) -> Option<u8> {
        let allowed = match view.types {
            Some(t) => t,
            None if view.hints != 0 => TypeSet(view.hints),
            None => {
                // Anything goes: a string reads best; other types when a string was refused
                // (`not: {type: string}`).
                const ORDER: [u8; 6] = [
                    TypeSet::STRING,
                    TypeSet::INTEGER,
                    TypeSet::BOOLEAN,
                    TypeSet::OBJECT,
                    TypeSet::ARRAY,
                    TypeSet::NULL,
                ];
                return Some(ORDER[attempt as usize % ORDER.len()]);
            }
        };
        let mut options: Vec<u8> = [
            TypeSet::OBJECT,
            TypeSet::ARRAY,
            TypeSet::STRING,
            TypeSet::NUMBER,
            TypeSet::INTEGER,
            TypeSet::BOOLEAN,
        ]
        .into_iter()
        .filter(|&b| allowed.has(b))
        .collect();
        // `number` admits integers: generate floats for it, integers only for `integer`.
        if options.contains(&TypeSet::NUMBER) {
            options.retain(|&b| b != TypeSet::INTEGER);
        }
        if allowed.has(TypeSet::NULL) {
            if options.is_empty() || minimal || self.rng.random_bool(0.05) {
                return Some(TypeSet::NULL);
            }
            if attempt > 0 && attempt as usize % (options.len() + 1) == options.len() {
                return Some(TypeSet::NULL);
            }
        }
        if options.is_empty() {
            return None;
        }
        let i = (self.rng.random_range(0..options.len()) + attempt as usize) % options.len();
        Some(options[i])
    }

    fn number(&mut self, view: &View, float: bool, minimal: bool, attempt: u32) -> Option<Value> {
        let mut lo = view.lo.map_or(f64::NEG_INFINITY, |b| b.value);
        let mut hi = view.hi.map_or(f64::INFINITY, |b| b.value);
        let lo_ex = view.lo.is_some_and(|b| b.exclusive);
        let hi_ex = view.hi.is_some_and(|b| b.exclusive);
        if let Some((a, b)) = view.format_range
            && a.max(lo) <= b.min(hi)
        {
            lo = lo.max(a);
            hi = hi.min(b);
        }
        let integral_multiples = view.multiples.iter().all(|m| m.fract() == 0.0);
        let step = match view.multiples.first() {
            None => None,
            Some(_) if integral_multiples => {
                Some(view.multiples.iter().fold(1.0, |acc, &m| lcm(acc, m)))
            }
            Some(&m) => Some(m),
        };
        if !float || step.is_some() {
            let unit = step.unwrap_or(1.0);
            // Integers (or multiples of `unit`) k·unit inside the bounds.
            let klo = bound_k(lo, unit, lo_ex, true);
            let khi = bound_k(hi, unit, hi_ex, false);
            if klo > khi {
                return None;
            }
            let k = self.pick(klo, khi, minimal, attempt);
            let v = k * unit;
            if !float || unit.fract() == 0.0 {
                return Some(integral(v));
            }
            let decimals = decimals_of(unit);
            let text = format!("{v:.decimals$}");
            return text
                .parse::<f64>()
                .ok()
                .and_then(Number::from_f64)
                .map(Value::Number);
        }
        // Floats: two decimals, inside the bounds.
        let (a, b) = (lo, hi);
        let mut v = if minimal {
            0.0f64.clamp(a, b)
        } else {
            let (wa, wb) = window(a, b, 1000.0 * self.size.max(0.01));
            let x = wa + self.rng.random::<f64>() * (wb - wa);
            let r = (x * 100.0).round() / 100.0;
            if r >= a && r <= b { r } else { x }
        };
        if (lo_ex && v <= lo) || (hi_ex && v >= hi) {
            v = if lo.is_finite() && hi.is_finite() {
                lo + (hi - lo) / 2.0
            } else if lo.is_finite() {
                lo + 1.0
            } else {
                hi - 1.0
            };
        }
        if !v.is_finite() {
            return None;
        }
        Number::from_f64(v).map(Value::Number)
    }

    /// A whole number in `[lo, hi]`, near zero and small when possible.
    fn pick(&mut self, lo: f64, hi: f64, minimal: bool, attempt: u32) -> f64 {
        if minimal && attempt == 0 {
            return 0.0f64.clamp(lo, hi);
        }
        let span = (100.0 * self.size).max(1.0) * (1 + attempt) as f64;
        let (a, b) = window(lo, hi, span);
        let (a, b) = (a.ceil(), b.floor());
        if a > b {
            return lo;
        }
        if b - a < 1e15 {
            let n = self.rng.random_range(0..=(b - a) as u64);
            a + n as f64
        } else {
            a
        }
    }

    fn string(&mut self, view: &View, minimal: bool, attempt: u32) -> Option<String> {
        let min = view.min_len as usize;
        let max = view.max_len.map_or(usize::MAX, |m| m as usize);
        if min > max {
            return None;
        }
        let plausible = ((24.0 * self.size) as usize).max(min).min(max);
        let target = if minimal {
            min.max(1).min(max)
        } else {
            self.rng.random_range(min..=plausible.max(min))
        };
        let fits = |s: &str| {
            let n = s.chars().count();
            n >= min && n <= max
        };
        for f in &view.formats {
            if format::known(f)
                && let Some(s) = format::generate(f, &mut self.rng, min, max)
            {
                return Some(s);
            }
        }
        if !view.patterns.is_empty() {
            let cap = if max == usize::MAX {
                target.max(min) + 16
            } else {
                max
            };
            if let Some(g) = view.patterns.iter().find_map(|p| p.generator.as_ref()) {
                for stretch in attempt..attempt + 4 {
                    let s = g.generate(&mut self.rng, stretch, cap);
                    if fits(&s) && view.patterns.iter().all(|p| p.is_match(&s)) {
                        return Some(s);
                    }
                }
                return None;
            }
            // Rejection sampling for patterns beyond the generator.
            for i in 0..32 {
                let s = match i % 4 {
                    0 => words::text(&mut self.rng, min, max, target),
                    1 => (0..target.max(1))
                        .map(|_| char::from(b'0' + self.rng.random_range(0..10u8)))
                        .collect(),
                    2 => alnum(&mut self.rng, target.max(1)),
                    _ => format!("{}1Aa", alnum(&mut self.rng, target.max(8))),
                };
                if fits(&s) && view.patterns.iter().all(|p| p.is_match(&s)) {
                    return Some(s);
                }
            }
            return None;
        }
        Some(words::text(&mut self.rng, min, max, target))
    }

    fn array(&mut self, view: &View, depth: usize, minimal: bool) -> Option<Value> {
        let ir = &self.engine.ir;
        let lo = view.min_items;
        let mut hi = view.max_items.unwrap_or(u64::MAX);
        for (prefix, items) in &view.arrays {
            if items.is_some_and(|i| is_never(ir, &Key::of(vec![i]))) {
                hi = hi.min(prefix.len() as u64);
            }
        }
        let needed = view.contains.first().map_or(0, |&(_, n)| n);
        let lo = lo.max(needed);
        if lo > hi {
            return None;
        }
        let prefix_len = view.arrays.iter().map(|(p, _)| p.len()).max().unwrap_or(0) as u64;
        let len = if minimal {
            lo
        } else {
            let extra = (3.0 * self.size * DECAY.powi(depth as i32)).round() as u64;
            let base = lo.max(prefix_len.min(hi));
            base + self.rng.random_range(0..=extra.min(hi - base))
        };
        let mut out: Vec<Value> = Vec::new();
        for i in 0..len as usize {
            let mut key = view.item(i);
            if let Some(&(c, n)) = view.contains.first()
                && (i as u64) < n
            {
                key = key.with(&[c], &[]);
            }
            let mut tries = 0;
            let item = loop {
                let item = self.value(&key, depth + 1);
                match item {
                    Some(v) if view.unique && out.contains(&v) && tries < 8 => tries += 1,
                    other => break other,
                }
            };
            match item {
                Some(v) if !(view.unique && out.contains(&v)) => out.push(v),
                _ if (i as u64) >= lo => break,
                _ => return None,
            }
        }
        Some(Value::Array(out))
    }

    fn object(&mut self, view: &View, depth: usize, minimal: bool) -> Option<Value> {
        let ir = &self.engine.ir;
        let max = view.max_props.unwrap_or(u64::MAX) as usize;
        let min = view.min_props as usize;
        let mut chosen: Vec<String> = view.required.clone();
        let optional: Vec<&String> = view
            .names
            .iter()
            .filter(|n| !chosen.contains(n) && !view.omitted.contains(n))
            .filter(|n| !is_never(ir, &view.property(ir, n)))
            .collect();
        if !minimal {
            // Fewer optional parts deeper down: a response reads better, and stays small on
            // specs whose objects nest many optional levels.
            let p = (0.7 * self.size * DECAY.powi(depth as i32)).clamp(0.0, 1.0);
            for n in &optional {
                if chosen.len() < max && self.rng.random_bool(p) {
                    chosen.push((*n).clone());
                }
            }
        }
        for n in &optional {
            if chosen.len() >= min || chosen.len() >= max {
                break;
            }
            if !chosen.contains(n) {
                chosen.push((*n).clone());
            }
        }
        let mut tries = 0;
        while chosen.len() < min && tries < 32 {
            tries += 1;
            let name = self.extra_name(view, chosen.len())?;
            if !chosen.contains(&name) && !is_never(ir, &view.property(ir, &name)) {
                chosen.push(name);
            }
        }
        // `dependentRequired`: a present property brings its dependents.
        let mut i = 0;
        while i < chosen.len() {
            for (k, deps) in &view.dependent_required {
                if *k == chosen[i] {
                    for d in deps {
                        if !chosen.contains(d) {
                            chosen.push(d.clone());
                        }
                    }
                }
            }
            i += 1;
        }
        // Declared order reads naturally; undeclared names follow.
        let set: HashSet<&String> = chosen.iter().collect();
        let mut ordered: Vec<String> = view
            .names
            .iter()
            .filter(|n| set.contains(n))
            .cloned()
            .collect();
        for n in &chosen {
            if !ordered.contains(n) {
                ordered.push(n.clone());
            }
        }
        let mut map = Map::new();
        for name in ordered {
            let key = view.property(ir, &name);
            let v = self.value(&key, depth + 1)?;
            map.insert(name, v);
        }
        Some(Value::Object(map))
    }

    /// A property name beyond the declared ones: from `propertyNames`, a `patternProperties`
    /// regex, or a plain word.
    fn extra_name(&mut self, view: &View, n: usize) -> Option<String> {
        let ir = &self.engine.ir;
        if !view.property_names.is_empty() {
            let key = Key::of(view.property_names.clone()).with(&[], &[]);
            return match self.value(&key, 0)? {
                Value::String(s) => Some(s),
                _ => None,
            };
        }
        for &m in &view.objects {
            if let Some(s) = ir.schema(m)
                && let Some((p, _)) = s.pattern_properties.first()
                && let Some(g) = &p.generator
            {
                let name = g.generate(&mut self.rng, 0, 24);
                return Some(name);
            }
        }
        Some(words::key(&mut self.rng, n))
    }
}

fn alnum(rng: &mut impl Rng, n: usize) -> String {
    const SET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    (0..n)
        .map(|_| SET[rng.random_range(0..SET.len())] as char)
        .collect()
}

/// The first (`lower`) or last multiple index k with k·unit inside the bound.
fn bound_k(b: f64, unit: f64, exclusive: bool, lower: bool) -> f64 {
    if !b.is_finite() {
        return if lower {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
    }
    let q = b / unit;
    if lower {
        let k = q.ceil();
        if exclusive && k * unit <= b {
            k + 1.0
        } else {
            k
        }
    } else {
        let k = q.floor();
        if exclusive && k * unit >= b {
            k - 1.0
        } else {
            k
        }
    }
}

/// A window of width about `span` inside `[lo, hi]`, as close to zero as the bounds allow.
fn window(lo: f64, hi: f64, span: f64) -> (f64, f64) {
    if lo <= 0.0 && hi >= 0.0 {
        (lo.max(0.0).max(-span), hi.min(span))
    } else if lo > 0.0 {
        (lo, hi.min(lo + span))
    } else {
        (lo.max(hi - span), hi)
    }
}

fn integral(v: f64) -> Value {
    if v >= i64::MIN as f64 && v <= i64::MAX as f64 {
        Value::from(v as i64)
    } else if v >= 0.0 && v <= u64::MAX as f64 {
        Value::from(v as u64)
    } else {
        Number::from_f64(v).map_or(Value::Null, Value::Number)
    }
}

fn decimals_of(x: f64) -> usize {
    let s = format!("{x}");
    s.split_once('.').map_or(0, |(_, d)| d.len()).min(15)
}

fn gcd(a: f64, b: f64) -> f64 {
    if b == 0.0 { a } else { gcd(b, a % b) }
}

fn lcm(a: f64, b: f64) -> f64 {
    if a == 0.0 || b == 0.0 {
        return a.max(b);
    }
    a / gcd(a, b) * b
}
