//! Turning one file's text into a JSON value with positions, safely.
//!
//! Specs come from vendors and from the internet: a parser here must refuse alias bombs, absurd
//! nesting and huge files with a clear message instead of hanging, crashing or eating memory.
//! JSON and YAML both feed one [`tree::TreeBuilder`], so limits and positions behave the same.

mod error;
mod json;
mod limits;
mod tree;
mod yaml;

pub use error::{ParseError, Parsed};
pub use json::parse_json;
pub use limits::Limits;
pub use yaml::parse_yaml;
