//! Turning one file's text into a JSON value with positions, safely.
//!
//! Specs come from vendors and from the internet: a parser here must refuse alias bombs, absurd
//! nesting and huge files with a clear message instead of hanging, crashing or eating memory.
//! JSON and YAML both feed one [`tree::TreeBuilder`], so limits and positions behave the same.

mod json;
mod tree;
mod yaml;

use serde_json::Value;

use super::source::{Pos, SpanTree};

pub use json::parse_json;
pub use yaml::parse_yaml;

/// Bounds that keep hostile input from hanging or exhausting the machine.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest file read, in bytes.
    pub max_file_bytes: u64,
    /// Deepest nesting of arrays and objects.
    pub max_depth: usize,
    /// Most values in one file after YAML aliases are expanded.
    pub max_nodes: usize,
    /// Most values that YAML aliases may add, beyond this many times the values written out.
    pub alias_expansion_factor: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 256 * 1024 * 1024,
            max_depth: 512,
            max_nodes: 20_000_000,
            alias_expansion_factor: 10,
        }
    }
}

/// A parsed file: its value and its position table.
#[derive(Debug)]
pub struct Parsed {
    pub value: Value,
    pub spans: SpanTree,
}

/// Why a file could not be parsed. Positions are the parser's (see [`Pos`]).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ParseError {
    #[error("{message}")]
    Syntax { message: String, pos: Pos },
    #[error("duplicate key `{key}` (first defined at line {}, column {})", first.line, first.col)]
    DuplicateKey { key: String, first: Pos, pos: Pos },
    #[error("nesting deeper than {limit} levels; refusing to parse further")]
    TooDeep { limit: usize, pos: Pos },
    #[error(
        "YAML aliases expand to more than {limit} values (an alias bomb?); refusing to expand further"
    )]
    AliasBomb { limit: usize, pos: Pos },
    #[error("more than {limit} values in one file; refusing to parse further")]
    TooManyNodes { limit: usize, pos: Pos },
    #[error("mapping keys must be scalars; complex keys cannot appear in an OpenAPI document")]
    ComplexKey { pos: Pos },
    #[error("alias `*{name}` refers to an anchor that is not defined (or not finished) before it")]
    UnknownAlias { name: String, pos: Pos },
    #[error("the file holds more than one YAML document; an OpenAPI file holds exactly one")]
    MultipleDocuments { pos: Pos },
    #[error("the file is empty")]
    Empty,
}

impl ParseError {
    /// Where the problem was found, if anywhere in particular.
    pub fn pos(&self) -> Option<Pos> {
        match self {
            ParseError::Syntax { pos, .. }
            | ParseError::DuplicateKey { pos, .. }
            | ParseError::TooDeep { pos, .. }
            | ParseError::AliasBomb { pos, .. }
            | ParseError::TooManyNodes { pos, .. }
            | ParseError::ComplexKey { pos }
            | ParseError::UnknownAlias { pos, .. }
            | ParseError::MultipleDocuments { pos } => Some(*pos),
            ParseError::Empty => None,
        }
    }
}
