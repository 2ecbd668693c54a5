//! Values from JSON Schemas: what the mock answers with and what conformance tests send.
//!
//! A schema is compiled once ([`ir`]: refs resolved, 3.0 normalised, `required` relaxed per
//! direction), merged per conjunction on demand ([`plan`]), and sampled deterministically per seed
//! ([`sample`]); [`strategy`] wraps the same sampler for proptest.

pub mod case;
pub mod error;
pub mod format;
pub mod generator;
pub mod ir;
pub mod plan;
pub mod regex;
pub mod sample;
pub mod strategy;
pub mod targets;
pub mod words;

pub use error::GenerateError;
pub use generator::{GenerateOptions, ValueGenerator};
pub use targets::{Target, targets};
