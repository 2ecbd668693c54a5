//! Values from JSON Schemas: what the mock answers with and what conformance tests send.
//!
//! A schema is compiled once ([`ir`]: refs resolved, 3.0 normalised, `required` relaxed per
//! direction), merged per conjunction on demand ([`plan`]), and sampled deterministically per seed
//! ([`sample`]); [`strategy`] wraps the same sampler for proptest.
//!
//! On top of that, [`cases`] turns an operation into the requests `kontrakt test` sends
//! (examples, boundary values from [`boundary`], seeded property cases, negative mutations from
//! [`negative`]), judging values position by position ([`walk`]) and as the server will read
//! them back ([`wire`]); [`request`] writes a case as the request on the wire.

pub mod boundary;
pub mod case;
pub mod cases;
pub mod error;
pub mod format;
pub mod generator;
pub mod ir;
pub mod negative;
pub mod plan;
pub mod regex;
pub mod request;
pub mod sample;
pub mod strategy;
pub mod targets;
pub mod walk;
pub mod wire;
pub mod words;

pub use cases::{CaseOptions, OperationCases};
pub use error::GenerateError;
pub use generator::{GenerateOptions, ValueGenerator};
pub use request::build_request;
pub use targets::{Target, targets};
