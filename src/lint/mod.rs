//! `kontrakt lint`: is the spec sound before anything is generated from it?
//!
//! One file per rule under `rules/`, registered in [`rules::RULES`]; a rule is a pure function of
//! the loaded spec and its model returning findings with positions. Rule ids are public API.

pub mod render;
pub mod rule;
pub mod rules;
pub mod run;

pub use rule::{Context, Finding, Rule, Severity};
pub use run::{FileReport, lint_file, lint_paths};
