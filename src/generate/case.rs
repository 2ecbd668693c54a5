//! A test case: one request's worth of values for one operation, and why it was made.
//!
//! Cases are plain data so that checks, reports and replays can reason about them without the
//! generator: the phase says how the values were chosen, and a negative case names the one
//! constraint it breaks (so a 2xx answer to it is a finding with a precise reason).

use serde_json::Value;

/// How a case's values were chosen. Order is the order the runner sends phases in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    /// Examples from the spec, filled in where parts are missing.
    Examples,
    /// Values at and around the schema's bounds, each enum value, each `oneOf` branch.
    Boundary,
    /// Random valid values (proptest strategies compiled from the schemas).
    Property,
    /// A valid case with exactly one constraint broken.
    Negative,
    /// Requests made by a check to probe the server (no credentials, an undeclared method).
    Probe,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Examples => "examples",
            Phase::Boundary => "boundary",
            Phase::Property => "property",
            Phase::Negative => "negative",
            Phase::Probe => "probe",
        }
    }

    /// Whether the request is meant to be valid (the server should accept it).
    pub fn is_positive(self) -> bool {
        matches!(self, Phase::Examples | Phase::Boundary | Phase::Property)
    }
}

/// The one constraint a negative case breaks. Ids are public (they appear in reports).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Constraint {
    WrongType,
    BelowMinimum,
    AboveMaximum,
    NotMultipleOf,
    TooShort,
    TooLong,
    PatternMismatch,
    InvalidFormat,
    InvalidEnum,
    TooFewItems,
    TooManyItems,
    NotUnique,
    MissingRequired,
    ExtraProperty,
    MalformedJson,
    WrongContentType,
    MissingBody,
}

impl Constraint {
    pub fn id(self) -> &'static str {
        match self {
            Constraint::WrongType => "wrong-type",
            Constraint::BelowMinimum => "below-minimum",
            Constraint::AboveMaximum => "above-maximum",
            Constraint::NotMultipleOf => "not-multiple-of",
            Constraint::TooShort => "too-short",
            Constraint::TooLong => "too-long",
            Constraint::PatternMismatch => "pattern-mismatch",
            Constraint::InvalidFormat => "invalid-format",
            Constraint::InvalidEnum => "invalid-enum",
            Constraint::TooFewItems => "too-few-items",
            Constraint::TooManyItems => "too-many-items",
            Constraint::NotUnique => "not-unique",
            Constraint::MissingRequired => "missing-required",
            Constraint::ExtraProperty => "extra-property",
            Constraint::MalformedJson => "malformed-json",
            Constraint::WrongContentType => "wrong-content-type",
            Constraint::MissingBody => "missing-body",
        }
    }
}

/// What a negative case broke and where.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    pub constraint: Constraint,
    /// Where in the request: `query limit`, `path sagId`, `header X-Request-Id`,
    /// `body /krav/0/beloeb`, `body` (the whole body), `content-type`.
    pub location: String,
    /// Human detail: `maxLength 40, sent 41 characters`.
    pub detail: String,
}

/// What a probe case tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe {
    /// A secured operation called with no credentials at all.
    NoCredentials,
    /// A secured operation called with credentials the server cannot have issued.
    InvalidCredentials,
    /// The operation's path called with a method the path does not declare.
    UndeclaredMethod(String),
}

/// A request body as generated.
#[derive(Debug, Clone, PartialEq)]
pub enum BodyContent {
    /// Serialised per the media type (JSON, form, multipart).
    Value(Value),
    /// Sent as is (malformed JSON, binary uploads).
    Raw(Vec<u8>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct CaseBody {
    /// The media type the value was generated for, and the `Content-Type` sent (a
    /// `wrong-content-type` case sends another).
    pub media_type: String,
    pub content: BodyContent,
}

/// One request's worth of values for one operation. Parameters absent from the lists are not
/// sent; values are JSON and serialised per the parameter's style when the request is built.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    /// Index into `Model::operations`.
    pub operation: usize,
    pub phase: Phase,
    /// Short description for reports: `example "fuld"`, `maxLength of navn`, `seed 0x1f`.
    pub label: String,
    /// Set on negative cases.
    pub violation: Option<Violation>,
    /// Set on probe cases.
    pub probe: Option<Probe>,
    /// Replays the case exactly (with the same spec and options).
    pub seed: u64,
    pub path: Vec<(String, Value)>,
    pub query: Vec<(String, Value)>,
    pub headers: Vec<(String, Value)>,
    pub cookies: Vec<(String, Value)>,
    pub body: Option<CaseBody>,
    /// Overrides the operation's method (undeclared-method probes).
    pub method: Option<String>,
    /// Position of the case in its phase's list (what [`Case::replay_key`] names).
    pub index: usize,
    /// The shrink steps taken from the generated case: at each step, which of the candidates
    /// offered was kept. Empty for a case as generated.
    pub shrink: Vec<u32>,
}

impl Case {
    pub fn new(operation: usize, phase: Phase, seed: u64, label: impl Into<String>) -> Case {
        Case {
            operation,
            phase,
            label: label.into(),
            violation: None,
            probe: None,
            seed,
            path: Vec::new(),
            query: Vec::new(),
            headers: Vec::new(),
            cookies: Vec::new(),
            body: None,
            method: None,
            index: 0,
            shrink: Vec::new(),
        }
    }

    /// A short printable key that rebuilds exactly this case (with the same spec and options):
    /// the phase's letter and the case's index, the seed in hex, then each shrink step, as in
    /// `n3:7f2a9c` or `p12:1f0c/0/2`.
    pub fn replay_key(&self) -> String {
        let letter = match self.phase {
            Phase::Examples => 'e',
            Phase::Boundary => 'b',
            Phase::Property => 'p',
            Phase::Negative => 'n',
            Phase::Probe => 'x',
        };
        let mut key = format!("{letter}{}:{:x}", self.index, self.seed);
        for step in &self.shrink {
            key.push('/');
            key.push_str(&step.to_string());
        }
        key
    }

    /// `negative (too-long at query navn)`, `examples (example "fuld")`.
    pub fn describe(&self) -> String {
        match (&self.violation, &self.probe) {
            (Some(v), _) => format!(
                "{} ({} at {}: {})",
                self.phase.as_str(),
                v.constraint.id(),
                v.location,
                v.detail
            ),
            (None, Some(p)) => format!("probe ({p:?})"),
            _ => format!("{} ({})", self.phase.as_str(), self.label),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replay_keys_name_phase_index_seed_and_shrink_steps() {
        let mut c = Case::new(3, Phase::Negative, 0x7f2a, "t");
        c.index = 3;
        assert_eq!(c.replay_key(), "n3:7f2a");
        c.shrink = vec![0, 2];
        assert_eq!(c.replay_key(), "n3:7f2a/0/2");
        c.phase = Phase::Property;
        assert!(c.replay_key().starts_with('p'));
    }
}
