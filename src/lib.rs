//! kontrakt: contract and conformance testing for OpenAPI 3.0 and 3.1 APIs.
//!
//! The library holds everything; `main.rs` only parses arguments and maps results to exit codes.
//! Data flows spec → operations (→ cases → exchanges → verdicts → reports, in later modules).

pub mod auth;
pub mod bench;
pub mod catalog;
pub mod check;
pub mod cli;
pub mod config;
pub mod diff;
pub mod exchange;
pub mod exit;
pub mod generate;
pub mod lint;
pub mod mock;
pub mod redact;
pub mod report;
pub mod run;
pub mod scenario;
pub mod spec;
pub mod stateful;
pub mod tls;

pub use exit::ExitStatus;
