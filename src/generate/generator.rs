//! The public face of generation: compile a schema once, then sample it by seed.
//!
//! Compiling also samples a few seeds: a schema no value can be found for is reported then, with
//! its location, rather than when the mock is answering a request. The first valid value found is
//! kept as a fallback, so `sample` always returns a valid value even for a seed whose search runs
//! out of attempts.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

use super::error::GenerateError;
use super::ir::Ir;
use super::plan::{self, INFINITE, Key, View};
use super::sample::Ctx;
use crate::spec::normalize::Direction;
use crate::spec::{Loc, Spec};

#[derive(Debug, Clone)]
pub struct GenerateOptions {
    /// Use a schema's own `example`/`examples[0]`/`default` when it is valid (realistic mocks).
    pub prefer_examples: bool,
    /// Nesting depth beyond which only minimal values are built (recursive schemas end here).
    pub max_depth: usize,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        GenerateOptions {
            prefer_examples: true,
            max_depth: 6,
        }
    }
}

/// Views kept per generator; beyond this, views are built per use and not kept.
const MAX_CACHED_VIEWS: usize = 20_000;
/// Seeds tried while compiling to find a first valid value.
const SMOKE_SEEDS: u64 = 24;
/// Fresh streams tried for one `sample` call before the fallback value is returned.
const SAMPLE_ATTEMPTS: u64 = 4;
/// The size `sample` uses: the full range of optional parts.
pub const NORMAL_SIZE: u8 = 100;

pub struct Engine {
    pub ir: Ir,
    pub options: GenerateOptions,
    pub heights: Vec<u32>,
    views: RwLock<HashMap<Key, Arc<View>>>,
}

impl Engine {
    pub fn view(&self, key: &Key) -> Arc<View> {
        if let Ok(views) = self.views.read()
            && let Some(v) = views.get(key)
        {
            return v.clone();
        }
        let view = Arc::new(View::build(&self.ir, key.clone()));
        if let Ok(mut views) = self.views.write()
            && views.len() < MAX_CACHED_VIEWS
        {
            views.insert(key.clone(), view.clone());
        }
        view
    }

    /// One value for `seed`, or the reason none was found.
    fn try_sample(&self, seed: u64, size: u8) -> Result<Value, Option<(usize, String)>> {
        let mut failure = None;
        for attempt in 0..SAMPLE_ATTEMPTS {
            let stream = seed.wrapping_add(attempt.wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let mut ctx = Ctx::new(
                self,
                ChaCha8Rng::seed_from_u64(stream),
                f64::from(size) / 100.0,
            );
            let root = Key::of(vec![self.ir.root]);
            if let Some(v) = ctx.value(&root, 0) {
                if self.ir.accepts(self.ir.root, &v) {
                    return Ok(v);
                }
                failure.get_or_insert((
                    self.ir.root,
                    "a generated value failed the final check (a generator bug)".to_string(),
                ));
            }
            if failure.is_none() {
                failure = ctx.failure.take();
            }
        }
        Err(failure)
    }
}

/// A compiled schema that samples valid values. Cheap to clone (shared state).
#[derive(Clone)]
pub struct ValueGenerator {
    engine: Arc<Engine>,
    fallback: Arc<Value>,
}

impl std::fmt::Debug for ValueGenerator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ValueGenerator")
            .field("root", &self.engine.ir.locs[self.engine.ir.root])
            .field("nodes", &self.engine.ir.nodes.len())
            .finish()
    }
}

impl ValueGenerator {
    /// Compiles the schema at `schema` (which may be a `$ref`) for values travelling in
    /// `direction`, and checks that values can be found for it.
    pub fn compile(
        spec: &Spec,
        schema: &Loc,
        direction: Direction,
        options: &GenerateOptions,
    ) -> Result<ValueGenerator, GenerateError> {
        let ir = Ir::compile(spec, schema, direction)?;
        let heights = plan::heights(&ir);
        let endless = heights[ir.root] == INFINITE;
        let engine = Engine {
            ir,
            options: options.clone(),
            heights,
            views: RwLock::new(HashMap::new()),
        };
        let mut failure = None;
        let mut fallback = None;
        for seed in 0..SMOKE_SEEDS {
            match engine.try_sample(seed, NORMAL_SIZE) {
                Ok(v) => {
                    fallback = Some(v);
                    break;
                }
                Err(f) => {
                    if failure.is_none() {
                        failure = f;
                    }
                }
            }
        }
        let Some(fallback) = fallback else {
            let recursion = "every value would nest without end: a required property or item \
                             leads back to this schema with no way out";
            let (at, message) = match failure {
                Some((_, why)) if endless && why.contains("without end") => {
                    (engine.ir.root, recursion.to_string())
                }
                Some(f) => f,
                None if endless => (engine.ir.root, recursion.to_string()),
                None => (engine.ir.root, "no valid value found".to_string()),
            };
            return Err(GenerateError::new(
                spec,
                engine.ir.locs[at].clone(),
                message,
            ));
        };
        Ok(ValueGenerator {
            engine: Arc::new(engine),
            fallback: Arc::new(fallback),
        })
    }

    /// A value valid against the schema; the same seed gives the same value.
    pub fn sample(&self, seed: u64) -> Value {
        self.sample_sized(seed, NORMAL_SIZE)
    }

    /// Like [`ValueGenerator::sample`], with the optional parts scaled by `size` (0..=100): 0
    /// gives the minimal value (required properties, fewest items, shortest strings).
    pub fn sample_sized(&self, seed: u64, size: u8) -> Value {
        self.engine
            .try_sample(seed, size.min(100))
            .unwrap_or_else(|_| (*self.fallback).clone())
    }

    /// A proptest strategy over the same values, shrinking towards small, simple ones.
    pub fn strategy(&self) -> proptest::strategy::BoxedStrategy<Value> {
        super::strategy::values(self.clone())
    }

    /// The compiled IR (for boundary values and mutations built on the same schema graph).
    pub fn ir(&self) -> &Ir {
        &self.engine.ir
    }

    /// The conjunction of the root schema alone.
    pub fn root_key(&self) -> Key {
        Key::of(vec![self.engine.ir.root])
    }

    /// The merged view of a conjunction (cached like the sampler's own views).
    pub fn view(&self, key: &Key) -> Arc<View> {
        self.engine.view(key)
    }

    /// A value valid against every node of `key` (a position inside the schema: a property, an
    /// item, a chosen `oneOf` branch), or `None` when the search finds none for this seed.
    pub fn sample_key(&self, key: &Key, seed: u64, size: u8) -> Option<Value> {
        let ir = &self.engine.ir;
        for attempt in 0..SAMPLE_ATTEMPTS {
            let stream = seed.wrapping_add(attempt.wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let mut ctx = Ctx::new(
                &self.engine,
                ChaCha8Rng::seed_from_u64(stream),
                f64::from(size.min(100)) / 100.0,
            );
            if let Some(v) = ctx.value(key, 0)
                && key.conj.iter().all(|&n| ir.accepts(n, &v))
            {
                return Some(v);
            }
        }
        None
    }
}
