//! Checks: pure judgements of one exchange against the operation's promises in the spec.
//!
//! Each check lives in its own file under [`checks`] with a stable kebab-case id and a doc in
//! fixed sections; [`registry::CHECKS`] is the one list the runner, `--checks` and the docs
//! read. A check never sends anything and never fails: it returns [`Finding`]s (often none).
//! [`reproduce`] turns an exchange into a `curl` command and readable request/response text,
//! with secrets replaced through [`crate::redact`].

pub mod checks;
pub mod finding;
pub mod matching;
pub mod registry;
pub mod reproduce;

pub use finding::Finding;
pub use registry::{
    CHECKS, ChainContext, Check, CheckContext, CheckError, CheckOptions, StepRole, by_id, select,
};
