//! kontrakt's integration tests, in one binary so they link once and share helpers.
//!
//! - `lint_rules`: every rule against its `fires`/`clean` fixtures in `tests/fixtures/lint/`.
//! - `load`: every way loading a document can fail, with kind, message, file, line and column.
//! - `source_map`: positions reported in referenced files, character columns, encoded refs.
//! - `model`: the operation model built from a fixture.
//! - `cli`: the binary end to end (exit codes, snapshots of stdout and stderr).
//! - `diff_rules`: every diff rule against its fixture pairs in `suites/diff/`, and the registry.
//! - `diff_compare`: the structural diff: equivalent rewrites are no change, hidden changes are found.
//! - `diff_cli`: `kontrakt diff` end to end on the bundled specs.
//! - `corpus`: the real-world corpus beside the checkout, when present.

mod cli;
mod corpus;
mod diff_cli;
mod diff_compare;
mod diff_rules;
mod lint_rules;
mod load;
mod model;
mod regressions;
mod source_map;
mod support;
