//! What a lint rule is, what it reports, and the context it reads.

use std::cell::OnceCell;

use serde::Serialize;

use crate::spec::normalize::Direction;
use crate::spec::source::Position;
use crate::spec::validate::{Validators, Violation};
use crate::spec::{Loc, Model, Spec};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A lint rule: a stable kebab-case id, a default severity, its documentation and its check.
pub struct Rule {
    pub id: &'static str,
    pub severity: Severity,
    /// One line: what the rule detects.
    pub summary: &'static str,
    /// Why it matters: what breaks for clients, tools or tests.
    pub why: &'static str,
    /// A concrete case that fires.
    pub example: &'static str,
    /// How to fix it (or evolve safely).
    pub fix: &'static str,
    pub check: fn(&Context) -> Vec<Finding>,
}

/// One problem found in a spec: a value, never an `Err`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
    #[serde(flatten)]
    pub position: Position,
    /// The source line, for the snippet.
    #[serde(skip)]
    pub line_text: String,
}

/// What rules read: the spec, its model, and validators built on first use.
pub struct Context<'a> {
    pub spec: &'a Spec,
    pub model: &'a Model,
    validators: OnceCell<Result<Validators, String>>,
    schemas: OnceCell<Vec<Loc>>,
}

impl<'a> Context<'a> {
    pub fn new(spec: &'a Spec, model: &'a Model) -> Self {
        Context {
            spec,
            model,
            validators: OnceCell::new(),
            schemas: OnceCell::new(),
        }
    }

    /// Every schema position reachable from operations and components.
    pub fn schemas(&self) -> &[Loc] {
        self.schemas
            .get_or_init(|| crate::spec::normalize::schema_locations(self.spec, self.model))
    }

    pub fn validators(&self) -> Result<&Validators, &str> {
        self.validators
            .get_or_init(|| Validators::new(self.spec, self.model))
            .as_ref()
            .map_err(String::as_str)
    }

    /// Validates a value against a schema; `Err` carries why the schema could not be compiled.
    pub fn violations(
        &self,
        schema: &Loc,
        direction: Direction,
        value: &serde_json::Value,
    ) -> Result<Vec<Violation>, String> {
        self.validators()
            .map_err(str::to_string)?
            .violations(schema, direction, value)
    }

    /// A finding of `rule` at the member name of `loc`.
    pub fn report(&self, rule: &Rule, loc: &Loc, message: impl Into<String>) -> Finding {
        self.report_at(rule, self.spec.position(loc), message)
    }

    /// A finding of `rule` at the value of `loc` (not its member name).
    pub fn report_value(&self, rule: &Rule, loc: &Loc, message: impl Into<String>) -> Finding {
        self.report_at(rule, self.spec.value_position(loc), message)
    }

    pub fn report_at(
        &self,
        rule: &Rule,
        position: Position,
        message: impl Into<String>,
    ) -> Finding {
        let line_text = self
            .spec
            .files
            .iter()
            .find(|f| f.path == position.file)
            .map(|f| f.line_text(position.line).to_string())
            .unwrap_or_default();
        Finding {
            rule: rule.id,
            severity: rule.severity,
            message: shorten(&message.into()),
            position,
            line_text,
        }
    }
}

/// Keeps messages readable when a validator quotes a whole object.
pub fn shorten(message: &str) -> String {
    const MAX: usize = 300;
    if message.chars().count() <= MAX {
        return message.to_string();
    }
    let head: String = message.chars().take(MAX).collect();
    format!("{head}…")
}
