//! What a check reports: a value, never an error, so a run collects every broken promise.

use crate::spec::Loc;

/// One broken promise found in one exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The id of the check that found it.
    pub check: &'static str,
    /// One line: "status 500 from GET /sager/{sagId}", "body does not match schema at
    /// /frister/0/dato: ...".
    pub message: String,
    /// Longer detail if any (all schema violations with their pointers, the allowed statuses).
    pub detail: Option<String>,
    /// Where in the spec the broken promise lives (the response object, the schema), if known.
    pub location: Option<Loc>,
}

impl Finding {
    pub fn new(check: &'static str, message: impl Into<String>) -> Finding {
        Finding {
            check,
            message: message.into(),
            detail: None,
            location: None,
        }
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Finding {
        let detail = detail.into();
        self.detail = (!detail.is_empty()).then_some(detail);
        self
    }

    pub fn at(mut self, location: Loc) -> Finding {
        self.location = Some(location);
        self
    }
}
