//! Why a schema cannot be generated from, and where in the spec.

use crate::spec::{Loc, Position, Spec};

/// A schema the generator cannot produce valid values for: unsatisfiable constraints, a
/// recursion the schema requires without end, or a construct beyond the generator.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}:{}:{}: cannot generate a value: {message}", position.file.display(), position.line, position.column)]
pub struct GenerateError {
    pub at: Loc,
    /// `at` as file, line and column.
    pub position: Position,
    pub message: String,
}

impl GenerateError {
    pub fn new(spec: &Spec, at: Loc, message: impl Into<String>) -> Self {
        let position = spec.position(&at);
        GenerateError {
            at,
            position,
            message: message.into(),
        }
    }
}
