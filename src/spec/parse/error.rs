//! What parsing yields: a value with positions, or why it failed and where.

use serde_json::Value;

use crate::spec::source::{Pos, SpanTree};

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
