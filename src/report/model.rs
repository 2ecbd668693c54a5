//! The report model: everything a renderer needs about one run, and nothing a renderer may add.
//!
//! The model is plain serde data so that a run's JSON can be read back: `kontrakt report merge`
//! combines shards from it, and `kontrakt readiness` builds its evidence from it. Every string in
//! a finished `Report` has passed the run's redactor (see [`super::collect::Collector::finish`]).
//! The JSON schema is versioned by [`SCHEMA`]; docs/report-json.md documents each field.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The JSON schema's identifier; a reader refuses a report whose major version differs.
pub const SCHEMA: &str = "kontrakt-report/1";

/// One run (or the merge of a sharded run's parts).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub schema: String,
    /// The kontrakt version that ran the tests.
    pub kontrakt: String,
    pub run: RunInfo,
    pub summary: Summary,
    pub services: Vec<ServiceReport>,
    /// Every trial: operation × check, stateful chain, scenario step; sorted by name.
    pub tests: Vec<TestRecord>,
    /// Every request sent, in the order the runner recorded them.
    pub exchanges: Vec<ExchangeRecord>,
}

/// When, where and how the run was made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    /// `20261123T011502Z-3f9a`: the folder under `reports/` the run writes into.
    pub id: String,
    /// RFC 3339, UTC.
    pub started: String,
    /// The start as milliseconds since the Unix epoch (for exchange times).
    pub started_unix_ms: u64,
    pub finished: String,
    pub duration_ms: u64,
    pub seed: u64,
    /// The base URL tested (`embedded mock` for the built-in mock), redacted.
    pub target: String,
    pub environment: Option<String>,
    /// Spec files and folders given on the command line.
    pub specs: Vec<String>,
    /// The command that repeats the run (names of variables and files only, never a secret).
    pub command: String,
    pub settings: RunSettings,
    /// Set on one shard of a partitioned run.
    pub partition: Option<Partition>,
    /// The run ids of the shards a merged report was made from (empty for a single run).
    #[serde(default)]
    pub merged_from: Vec<String>,
}

/// The options that decided what was sent and how it was judged.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RunSettings {
    pub checks: Vec<String>,
    pub phases: Vec<String>,
    pub max_examples: u32,
    pub max_requests: Option<u64>,
    pub concurrency: usize,
    /// Requests per second this run allowed itself (after splitting across shards).
    pub rate: Option<String>,
    pub timeout_s: u64,
    /// Only methods that cannot change state were sent (production without --allow-writes).
    pub safe_only: bool,
    pub profile: Option<String>,
    pub filter: Option<String>,
    pub skip: Vec<String>,
    pub replay: Option<String>,
}

/// `hash:K/N` or `count:K/N`: this run is shard K (1-based) of N.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Partition {
    pub kind: PartitionKind,
    pub index: u32,
    pub count: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PartitionKind {
    Hash,
    Count,
}

/// Counts over the whole report, recomputed whenever tests change (see [`Report::summarize`]).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Summary {
    pub tests: u64,
    pub passed: u64,
    pub failed: u64,
    pub skipped: u64,
    pub exchanges: u64,
    pub operations: u64,
    /// Operations with at least one request sent.
    pub operations_tested: u64,
}

/// One spec under test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceReport {
    /// `person-1.1.0`: the first part of every test name.
    pub name: String,
    pub title: String,
    pub version: String,
    pub file: String,
    /// SHA-256 of the spec file's bytes: which exact spec was tested.
    pub sha256: String,
    pub operations: Vec<OperationReport>,
}

/// One operation, what was sent to it and what of it was exercised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OperationReport {
    /// `person-1.1.0::hentPerson`: the trial names' prefix.
    pub id: String,
    pub method: String,
    pub path: String,
    pub operation_id: Option<String>,
    pub location: Option<Location>,
    /// Why nothing was sent (a state-changing method against production), if so.
    pub skipped: Option<String>,
    /// Requests sent per phase (`examples`, `boundary`, `property`, `negative`, `probe`,
    /// `stateful`, `scenario`).
    pub sent: BTreeMap<String, u64>,
    /// Cases not sent because the request budget ran out.
    pub not_sent: u64,
    pub coverage: Coverage,
}

/// What of an operation's contract the run exercised; every documented item is listed, with
/// how often it was hit (0 = not exercised).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Coverage {
    /// Documented response statuses (`200`, `4XX`, `default`) and how many responses matched.
    pub statuses: Vec<Hit>,
    /// Statuses received that the operation does not document.
    pub undocumented_statuses: Vec<Hit>,
    /// `query limit`, `path sagId`, `body`: parameters (and the body) sent in a valid request.
    pub parameters: Vec<Hit>,
    /// `query status=AKTIV`: each enum value of each parameter, sent in a valid request.
    pub enum_values: Vec<Hit>,
    /// Named examples (`body example "fuld"`), sent as the examples phase's cases.
    pub examples: Vec<Hit>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hit {
    pub name: String,
    pub hits: u64,
}

/// Where in a spec: 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    pub file: String,
    pub line: u32,
    pub column: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TestKind {
    /// One operation × one check over all its cases.
    Check,
    /// A stateful chain (create, read, delete, …) judged by a chain check.
    Chain,
    /// One step of a scenario suite.
    Step,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Passed,
    Failed,
    Skipped,
}

/// One trial's verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestRecord {
    /// `person-1.1.0::hentPerson::status-code-documented`, `suite::likvidator::…::opret`.
    pub name: String,
    pub kind: TestKind,
    /// The operation's id (`OperationReport::id`) when the test belongs to one.
    pub operation: Option<String>,
    /// The check's id for check and chain tests.
    pub check: Option<String>,
    pub outcome: Outcome,
    /// First line of the failure, or why the test was skipped.
    pub message: Option<String>,
    /// The whole failure: findings, case, request, response, `curl` and replay lines.
    pub text: Option<String>,
    /// Where in the spec the finding points (for annotations), if anywhere.
    pub location: Option<Location>,
    /// The exchange that shows the failure (after shrinking).
    pub exchange: Option<ExchangeRecord>,
}

/// One request and what came back, bodies cut at [`super::collect::BODY_LIMIT`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExchangeRecord {
    /// The operation's id, when the request was sent to a spec operation.
    pub operation: Option<String>,
    /// `examples`, `boundary`, `property`, `negative`, `probe`, `stateful`, `scenario`.
    pub phase: String,
    /// `negative (too-long at query navn: …)`, or the scenario step's name.
    pub case: String,
    /// Rebuilds the case with `--replay` (generated cases only).
    pub replay_key: Option<String>,
    /// Milliseconds from the run's start to when the request was sent.
    pub at_ms: f64,
    /// Milliseconds until the response's body ended (0 without a response).
    pub time_ms: f64,
    pub request: HttpRequest,
    pub response: Option<HttpResponse>,
    /// Why there is no response (connection refused, timeout, TLS).
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HttpRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Body,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Body,
}

/// A body as kept in the report: text when it is UTF-8, else base64; cut at the limit.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Body {
    /// The whole body's length in bytes (as sent or received).
    pub size: u64,
    pub text: Option<String>,
    pub base64: Option<String>,
    /// The body is longer than what is kept (or the runner kept only its start).
    pub truncated: bool,
}

impl RunInfo {
    /// A run with nothing known yet (fields are filled in by the command).
    pub fn blank() -> RunInfo {
        RunInfo {
            id: String::new(),
            started: String::new(),
            started_unix_ms: 0,
            finished: String::new(),
            duration_ms: 0,
            seed: 0,
            target: String::new(),
            environment: None,
            specs: Vec::new(),
            command: String::new(),
            settings: RunSettings::default(),
            partition: None,
            merged_from: Vec::new(),
        }
    }
}

/// RFC 3339 UTC with milliseconds for a time in milliseconds since the Unix epoch.
pub fn rfc3339(unix_ms: u64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(unix_ms as i128 * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

/// Now, in milliseconds since the Unix epoch.
pub fn now_unix_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

impl Report {
    /// An empty report for a run (tests and exchanges are added by the collector).
    pub fn new(run: RunInfo, services: Vec<ServiceReport>) -> Report {
        let mut r = Report {
            schema: SCHEMA.to_string(),
            kontrakt: env!("CARGO_PKG_VERSION").to_string(),
            run,
            summary: Summary::default(),
            services,
            tests: Vec::new(),
            exchanges: Vec::new(),
        };
        r.summarize();
        r
    }

    /// Recomputes [`Report::summary`] from the tests, exchanges and services.
    pub fn summarize(&mut self) {
        let count = |o: Outcome| self.tests.iter().filter(|t| t.outcome == o).count() as u64;
        let operations = self.services.iter().flat_map(|s| &s.operations);
        self.summary = Summary {
            tests: self.tests.len() as u64,
            passed: count(Outcome::Passed),
            failed: count(Outcome::Failed),
            skipped: count(Outcome::Skipped),
            exchanges: self.exchanges.len() as u64,
            operations: operations.clone().count() as u64,
            operations_tested: operations
                .filter(|o| o.sent.values().sum::<u64>() > 0)
                .count() as u64,
        };
    }

    /// The operation with this id.
    pub fn operation(&self, id: &str) -> Option<(&ServiceReport, &OperationReport)> {
        self.services
            .iter()
            .find_map(|s| s.operations.iter().find(|o| o.id == id).map(|o| (s, o)))
    }

    /// The tests that belong to an operation.
    pub fn tests_of<'a>(&'a self, operation: &'a str) -> impl Iterator<Item = &'a TestRecord> {
        self.tests
            .iter()
            .filter(move |t| t.operation.as_deref() == Some(operation))
    }

    /// The worst outcome of an operation's tests: failed, else passed, else skipped (`None`
    /// when it has no tests).
    pub fn operation_outcome(&self, operation: &str) -> Option<Outcome> {
        let mut worst = None;
        for t in self.tests_of(operation) {
            worst = Some(match (worst, t.outcome) {
                (_, Outcome::Failed) | (Some(Outcome::Failed), _) => Outcome::Failed,
                (_, Outcome::Passed) | (Some(Outcome::Passed), _) => Outcome::Passed,
                _ => Outcome::Skipped,
            });
        }
        worst
    }
}

impl Coverage {
    /// (hit, total) over every item list.
    pub fn ratio(items: &[Hit]) -> (usize, usize) {
        (items.iter().filter(|h| h.hits > 0).count(), items.len())
    }
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Passed => "passed",
            Outcome::Failed => "failed",
            Outcome::Skipped => "skipped",
        }
    }
}
