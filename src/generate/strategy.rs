//! A proptest strategy over the generator's values.
//!
//! The strategy draws a seed and a size; the value is `sample_sized(seed, size)`. Shrinking
//! lowers the size towards 0, where the sampler builds the minimal value (required properties
//! only, the fewest items, the shortest strings, numbers nearest zero), and the seed towards 0.
//! Deterministic per proptest seed like everything else here. Issue 5's boundary values and
//! negative mutations are meant to be built on the same IR, not on this wrapper.

use proptest::prelude::*;
use proptest::strategy::BoxedStrategy;
use serde_json::Value;

use super::generator::ValueGenerator;

pub fn values(generator: ValueGenerator) -> BoxedStrategy<Value> {
    (0..=100u8, any::<u64>())
        .prop_map(move |(size, seed)| generator.sample_sized(seed, size))
        .boxed()
}
