//! Spec loading: files → values with positions → resolved refs → the operation model.

pub mod document;
pub mod load;
pub mod model;
pub mod normalize;
pub mod parse;
pub mod pointer;
pub mod source;
pub mod validate;

pub use document::{FileId, Loc, OasVersion, Problem, ProblemKind, RefError, Spec};
pub use load::{LoadError, LoadErrorKind, discover, load, load_with};
pub use model::{Model, Operation};
pub use source::{Position, SourceFile};
pub use validate::Validators;
