//! kontrakt's integration tests, in one binary so they link once and share helpers.
//!
//! - `checks`: every check against exchanges that fire and that do not, redaction, `curl`,
//!   and the bundled specs served by the mock raising nothing.
//! - `cases`: the cases `kontrakt test` sends, judged by the validators and the mock's parser.
//! - `auth`: token endpoint, client assertions, bearer authorisation and the mock's `auth` config.
//! - `lint_rules`: every rule against its `fires`/`clean` fixtures in `tests/fixtures/lint/`.
//! - `load`: every way loading a document can fail, with kind, message, file, line and column.
//! - `source_map`: positions reported in referenced files, character columns, encoded refs.
//! - `model`: the operation model built from a fixture.
//! - `cli`: the binary end to end (exit codes, snapshots of stdout and stderr).
//! - `diff_rules`: every diff rule against its fixture pairs in `suites/diff/`, and the registry.
//! - `diff_compare`: the structural diff: equivalent rewrites are no change, hidden changes are found.
//! - `diff_cli`: `kontrakt diff` end to end on the bundled specs.
//! - `corpus`: the real-world corpus beside the checkout, when present.
//! - `generate`: generated values validated against the schemas they were generated from.
//! - `mock`: the mock served on loopback and driven over HTTP.
//! - `mock_abuse`: random and malformed requests, slow clients, oversized bodies.
//! - `run_transport`: the runner's limiter, HTTP client, OAuth and mTLS against servers on loopback.
//! - `test_cli`: `kontrakt test` end to end: bad input, auth, politeness, production, libtest options.
//! - `stateful`: the stateful phase's chain checks against a CRUD server with planted faults;
//!   the ledger of an interrupted run and `kontrakt cleanup`.
//! - `scenarios`: scenario suites in `kontrakt test`: bad suites, the bundled role suites
//!   against the mock, polling, teardown, filters, JUnit, the suite JSON Schema.
//! - `readiness`: `kontrakt readiness` against the mock in Danish and English, from a saved
//!   report, `--verify` intact and tampered, bad input.
//! - `shard`: `kontrakt test --partition` and `kontrakt report merge`: 3 shards merged equal
//!   the whole run; refused merges and bad partitions exit 2 and leave nothing behind.
//! - `report_html`: the HTML report in headless Chromium: screenshots (kept in
//!   `target/test-artifacts/`), the filters' script, hostile bodies shown as text.
//! - `tls`: real TLS handshakes (mTLS accept and reject), `.p12`/PEM identities, `kontrakt certs`.

mod auth;
mod cases;
mod checks;
mod cli;
mod conformance;
mod corpus;
mod diff_cli;
mod diff_compare;
mod diff_rules;
mod generate;
mod lint_rules;
mod load;
mod mock;
mod mock_abuse;
mod model;
mod readiness;
mod redaction;
mod regressions;
mod report_formats;
mod report_html;
mod run_transport;
mod scenarios;
mod shard;
mod source_map;
mod stateful;
mod support;
mod test_cli;
mod tls;
