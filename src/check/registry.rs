//! The check type, the one list of checks, and `--checks` selection.

use std::time::Duration;

use super::checks;
use super::finding::Finding;
use crate::exchange::Exchange;
use crate::spec::{Model, Operation, Spec, Validators};

/// Settings that change what checks judge.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckOptions {
    /// `response-time` reports responses slower than this; `None` turns it off.
    pub max_response_time: Option<Duration>,
}

/// What a check may consult besides the exchange: the spec and its compiled validators.
pub struct CheckContext<'a> {
    pub spec: &'a Spec,
    pub model: &'a Model,
    /// The operation the exchange's case was made for.
    pub op: &'a Operation,
    /// Built once per spec.
    pub validators: &'a Validators,
    pub options: &'a CheckOptions,
}

/// A check: a stable id, its documentation and its judgement.
pub struct Check {
    /// Kebab-case and public API (selection, reports, JUnit names): never renamed.
    pub id: &'static str,
    /// One line.
    pub title: &'static str,
    /// Markdown in fixed sections: `## What it detects`, `## Why it matters`, `## Example`,
    /// `## How to fix`.
    pub doc: &'static str,
    /// Whether `--checks default` (and no `--checks`) runs it.
    pub default_enabled: bool,
    /// Judges one exchange; chain checks judge nothing here (see `judge_chain`).
    pub judge: fn(&CheckContext<'_>, &Exchange) -> Vec<Finding>,
    /// Set on checks of the stateful phase, which judge a chain of exchanges (create → read →
    /// delete → read) rather than one; such checks get their trials from `crate::stateful`.
    pub judge_chain: Option<ChainJudge>,
}

/// The judgement of a chain check: every step's exchange, in order.
pub type ChainJudge = fn(&ChainContext<'_>, &[Exchange]) -> Vec<Finding>;

/// What a step of a stateful chain does to the resource the chain created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepRole {
    /// Creates the parent the resource is created under (`POST /sager` before
    /// `POST /sager/{sagId}/krav`); not judged.
    Parent,
    /// Creates the resource (`POST` on a collection).
    Create,
    /// Reads it right after creating it.
    Read,
    /// An operation that takes the created id (a link, or a path below the item).
    Consumer,
    /// Replaces or merges it.
    Update,
    /// Reads it after the update.
    ReadAfterUpdate,
    Delete,
    /// Reads it after it was deleted.
    ReadAfterDelete,
}

/// What a chain check may consult besides the exchanges: each step's role and operation, in
/// the order of the exchanges.
pub struct ChainContext<'a> {
    pub model: &'a Model,
    pub steps: &'a [(StepRole, usize)],
}

/// The per-exchange judgement of a chain check: nothing.
pub fn judges_no_single_exchange(_: &CheckContext<'_>, _: &Exchange) -> Vec<Finding> {
    Vec::new()
}

impl std::fmt::Debug for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Check").field("id", &self.id).finish()
    }
}

/// Every check, in the order reports list them.
pub static CHECKS: &[&Check] = &[
    &checks::not_a_server_error::CHECK,
    &checks::status_code_documented::CHECK,
    &checks::content_type_documented::CHECK,
    &checks::response_schema_conforms::CHECK,
    &checks::response_headers_conform::CHECK,
    &checks::negative_data_rejected::CHECK,
    &checks::positive_data_accepted::CHECK,
    &checks::auth_enforced::CHECK,
    &checks::unsupported_method::CHECK,
    &checks::response_time::CHECK,
    &checks::use_after_delete::CHECK,
    &checks::created_resource_available::CHECK,
    &checks::id_consistency::CHECK,
];

pub fn by_id(id: &str) -> Option<&'static Check> {
    CHECKS.iter().copied().find(|c| c.id == id)
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckError {
    #[error("unknown check `{id}` (known checks: {known})")]
    Unknown { id: String, known: String },
    #[error(
        "no checks selected: give `all`, `default`, or a comma-separated list of check ids \
         (`-id` removes one)"
    )]
    Empty,
}

/// Parses `--checks`: a comma-separated list of `all`, `default`, check ids, and `-id` entries
/// that remove a check. Entries apply in order; a list that starts with a removal starts from
/// `default` (`-response-schema-conforms` is "the default checks but that one"). The result is
/// in registry order, without duplicates.
pub fn select(spec: &str) -> Result<Vec<&'static Check>, CheckError> {
    let entries: Vec<&str> = spec
        .split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .collect();
    let Some(first) = entries.first() else {
        return Err(CheckError::Empty);
    };
    let mut chosen = vec![false; CHECKS.len()];
    if first.starts_with('-') {
        for (i, c) in CHECKS.iter().enumerate() {
            chosen[i] = c.default_enabled;
        }
    }
    for entry in entries {
        let (remove, name) = match entry.strip_prefix('-') {
            Some(rest) => (true, rest.trim()),
            None => (false, entry),
        };
        let matches: Vec<usize> = match name {
            "all" => (0..CHECKS.len()).collect(),
            "default" => (0..CHECKS.len())
                .filter(|i| CHECKS[*i].default_enabled)
                .collect(),
            id => match CHECKS.iter().position(|c| c.id == id) {
                Some(i) => vec![i],
                None => {
                    return Err(CheckError::Unknown {
                        id: id.to_string(),
                        known: CHECKS.iter().map(|c| c.id).collect::<Vec<_>>().join(", "),
                    });
                }
            },
        };
        for i in matches {
            chosen[i] = !remove;
        }
    }
    let selected: Vec<&'static Check> = CHECKS
        .iter()
        .zip(chosen)
        .filter(|(_, on)| *on)
        .map(|(c, _)| *c)
        .collect();
    if selected.is_empty() {
        return Err(CheckError::Empty);
    }
    Ok(selected)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(spec: &str) -> Vec<&'static str> {
        select(spec).unwrap().iter().map(|c| c.id).collect()
    }

    #[test]
    fn selection() {
        assert_eq!(ids("all").len(), CHECKS.len());
        assert!(!ids("default").contains(&"response-time"));
        assert_eq!(ids("default").len(), CHECKS.len() - 1);
        assert_eq!(
            ids("response-time, not-a-server-error"),
            vec!["not-a-server-error", "response-time"]
        );
        assert_eq!(ids("-not-a-server-error").len(), CHECKS.len() - 2);
        assert_eq!(ids("all,-response-time"), ids("default"));
        assert_eq!(ids("default,response-time"), ids("all"));
        assert_eq!(select("").unwrap_err(), CheckError::Empty);
        assert_eq!(
            select("not-a-server-error,-not-a-server-error").unwrap_err(),
            CheckError::Empty
        );
        let err = select("not-a-server-eror").unwrap_err();
        assert!(
            err.to_string().starts_with(
                "unknown check `not-a-server-eror` (known checks: not-a-server-error, "
            ),
            "{err}"
        );
        assert!(select("-nope").is_err());
    }
}
