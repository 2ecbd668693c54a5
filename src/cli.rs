//! Command-line arguments (clap), kept apart from what the commands do.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "kontrakt",
    version,
    about = "Contract and conformance testing for OpenAPI 3.0 and 3.1 APIs",
    long_about = "Contract and conformance testing for OpenAPI 3.0 and 3.1 APIs.\n\nExit codes: 0 clean, 1 findings at error level, 2 kontrakt could not do its job."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check that specs are sound: structure, refs, examples, ids, path parameters, schemas.
    Lint(LintArgs),
    /// Serve specs as a mock: validate requests, answer from examples or generated data, keep
    /// state, enforce credentials, rate limits and upload limits.
    Mock(MockArgs),
    /// Measure loading: wall time and peak memory per spec.
    Bench(BenchArgs),
    /// Generate a fake OCES3-shaped test PKI: CA, localhost server and organisation certificates.
    ///
    /// Writes PEM files and a .p12 for the mock's TLS and for local tests; the certificates are
    /// valid nowhere else.
    Certs(CertsArgs),
    /// Breaking changes between two spec versions, judged against the notice periods.
    Diff(DiffArgs),
    /// Generate and run conformance tests for every operation; with no target, against the
    /// embedded mock.
    Test(Box<TestArgs>),
    /// Delete what a `kontrakt test` run created on a target, from its ledger, newest first.
    ///
    /// Exit codes: 0 everything listed is removed (or was already gone), 1 some resources could
    /// not be removed, 2 the cleanup cannot run.
    Cleanup(CleanupArgs),
    /// The vendor's evidence for production access: which operations were tested per service
    /// and role, when, against which specs, with what outcome (Danish or English, HTML + JSON).
    Readiness(Box<ReadinessArgs>),
    /// Work with saved reports: merge the shards of a partitioned run, re-render a report.
    #[command(subcommand)]
    Report(ReportCommand),
}

#[derive(Debug, clap::Args)]
#[command(
    long_about = "The vendor's evidence for the production-access application.\n\n\
Runs the conformance tests and the role scenario suites (as `kontrakt test`), or reads the JSON \
reports of earlier runs (--results), and writes readiness.json and a printable readiness.html: \
per service and role, each operation with whether it was tested, when, against which spec \
(SHA-256), with which kontrakt version and with what outcome, a plain list of what was not \
tested, and a verdict. Only runs against a `test` environment are evidence; a run against the \
embedded mock is reported as not evidence. Digests of the reports and of the evidence make \
edits detectable (--verify).\n\n\
Exit codes: 0 ready, 1 not ready (something failed, was not tested, or the run was not against \
the test environment; with --verify: the evidence was edited), 2 kontrakt could not do its job."
)]
pub struct ReadinessArgs {
    /// Spec files or folders to test (as `kontrakt test`); not with --results or --verify.
    #[arg(required_unless_present_any = ["results", "verify"], conflicts_with_all = ["results", "verify"])]
    pub specs: Vec<PathBuf>,
    /// Build the evidence from these JSON reports (`report.json` of earlier runs) instead of
    /// running (repeatable).
    #[arg(long, value_name = "FILE")]
    pub results: Vec<PathBuf>,
    /// Language of readiness.html and the summary.
    #[arg(long, value_enum, default_value_t = Lang::Da)]
    pub lang: Lang,
    /// Where readiness.json and readiness.html go [default: reports/readiness-<run-id>/].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Limit the evidence to these roles (scenario suite names, e.g. likvidator; repeatable).
    #[arg(long = "role", value_name = "NAME")]
    pub roles: Vec<String>,
    /// Recompute the digests of a readiness.json: exit 0 intact, 1 edited, 2 unreadable. With
    /// --results, also check those reports against the recorded report digests.
    #[arg(long, value_name = "FILE")]
    pub verify: Option<PathBuf>,
    /// Base URL of the service under test (as `kontrakt test --target`).
    #[arg(long, value_name = "URL")]
    pub target: Option<String>,
    /// A named environment from the config file; evidence needs one of kind `test`.
    #[arg(long = "env", value_name = "NAME", conflicts_with = "target")]
    pub environment: Option<String>,
    /// The config file (default: kontrakt.toml in the current folder, if there is one).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The auth profile from the config file (default: the environment's).
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Environment variable holding a bearer token to send (instead of a profile).
    #[arg(long, value_name = "VAR")]
    pub token_env: Option<String>,
    /// Client certificate for mutual TLS: .p12/.pfx, or PEM with the key (or --client-key).
    #[arg(long, value_name = "FILE")]
    pub client_cert: Option<PathBuf>,
    /// The PEM private key for --client-cert.
    #[arg(long, value_name = "FILE", requires = "client_cert")]
    pub client_key: Option<PathBuf>,
    /// Environment variable holding the password of a .p12 --client-cert.
    #[arg(long, value_name = "VAR", requires = "client_cert")]
    pub client_cert_password_env: Option<String>,
    /// Trust the server certificates issued by the CA in this PEM file (besides the system's).
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// Seed for generated cases (default: random, recorded in the evidence).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Random valid cases per operation (the property-based phase).
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub max_examples: usize,
    /// Phases to run, comma-separated: examples, boundary, property, negative.
    #[arg(
        long,
        value_name = "LIST",
        default_value = "examples,boundary,property,negative"
    )]
    pub phases: String,
    /// Checks to run: `default`, `all`, or a comma-separated list of check ids.
    #[arg(long, value_name = "LIST", default_value = "default")]
    pub checks: String,
    /// Stop sending after this many requests (what was not sent is reported as not tested).
    #[arg(long, value_name = "N")]
    pub max_requests: Option<u64>,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 8, value_name = "N")]
    pub concurrency: usize,
    /// Seconds to wait for one response.
    #[arg(long, default_value_t = 30, value_name = "SECS")]
    pub timeout: u64,
    /// Never send more than this, e.g. 10/s or 600/min.
    #[arg(long, value_name = "RATE")]
    pub rate: Option<String>,
    /// Run only tests whose name contains this (what is left out is reported as not tested).
    #[arg(long, value_name = "PATTERN")]
    pub filter: Option<String>,
    /// Match --filter and --skip exactly.
    #[arg(long)]
    pub exact: bool,
    /// Skip tests whose name contains this (repeatable; reported as not tested).
    #[arg(long, value_name = "PATTERN")]
    pub skip: Vec<String>,
    /// Scenario suites (the roles) to run (files or folders; repeatable). Default: a `suites/`
    /// folder beside the first spec folder.
    #[arg(long, value_name = "PATH")]
    pub suites: Vec<PathBuf>,
    /// Where the run's reports go (`DIR/<run-id>/report.json` is kept as the underlying report).
    #[arg(long, value_name = "DIR", default_value = "reports")]
    pub reports: PathBuf,
    /// Print one character per test instead of one line.
    #[arg(long, short)]
    pub quiet: bool,
    /// Never show a progress bar.
    #[arg(long)]
    pub no_progress: bool,
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Combine the JSON reports of a partitioned run's shards (`kontrakt test --partition`)
    /// into one report in every format.
    #[command(
        long_about = "Combine the JSON reports (report.json) of a partitioned run's shards (`kontrakt test --partition hash:K/N`) into the report the whole run would have made, in every requested format.\n\nThe shards must be all N parts of one run: the same kontrakt version, seed, specs, checks and case settings; anything else is refused before anything is written.\n\nExit codes: 0 merged (whatever the tests' outcomes), 2 the shards cannot be merged or the report not written."
    )]
    Merge(MergeArgs),
    /// Write a saved JSON report (report.json) again in other formats.
    Render(RenderArgs),
}

#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// The shards' JSON reports (report.json), one per shard.
    #[arg(required = true, value_name = "SHARD.json")]
    pub shards: Vec<PathBuf>,
    /// Formats to write: junit, json, md, html, har, or all (comma-separated).
    #[arg(long, value_name = "FORMATS", default_value = "all")]
    pub report: String,
    /// Write into a new folder `DIR/merged-<time>/`.
    #[arg(long, value_name = "DIR", default_value = "reports")]
    pub reports: PathBuf,
    /// Write into exactly this folder instead (created if missing).
    #[arg(long, value_name = "DIR", conflicts_with = "reports")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct RenderArgs {
    /// The JSON report to render (report.json).
    #[arg(value_name = "REPORT.json")]
    pub report_file: PathBuf,
    /// Formats to write: junit, json, md, html, har, or all (comma-separated).
    #[arg(long, value_name = "FORMATS", default_value = "html,md")]
    pub report: String,
    /// Where to write (default: the report's own folder).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct CleanupArgs {
    /// The ledger file (`reports/<run-id>/ledger.jsonl`); default: the newest under --reports.
    pub ledger: Option<PathBuf>,
    /// Where runs write their reports.
    #[arg(long, value_name = "DIR", default_value = "reports")]
    pub reports: PathBuf,
    /// Send the deletions here instead of the target the run recorded (same base path).
    #[arg(long, value_name = "URL")]
    pub target: Option<String>,
    /// Take the profile (and CA file) from this environment of the config file.
    #[arg(long = "env", value_name = "NAME")]
    pub environment: Option<String>,
    /// The config file (default: kontrakt.toml in the current folder, if there is one).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The auth profile from the config file (default: the environment's).
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Read a bearer token from this environment variable.
    #[arg(long, value_name = "VAR")]
    pub token_env: Option<String>,
    /// Client certificate (PEM with --client-key, or .p12/.pfx).
    #[arg(long, value_name = "FILE")]
    pub client_cert: Option<PathBuf>,
    /// The PEM private key of --client-cert.
    #[arg(long, value_name = "FILE", requires = "client_cert")]
    pub client_key: Option<PathBuf>,
    /// The environment variable holding the .p12 password.
    #[arg(long, value_name = "VAR", requires = "client_cert")]
    pub client_cert_password_env: Option<String>,
    /// Extra CA certificates (PEM) to trust.
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// Request rate limit, as `kontrakt test --rate` (e.g. `10/s`).
    #[arg(long, value_name = "RATE")]
    pub rate: Option<String>,
    /// Seconds per request before it counts as failed.
    #[arg(long, default_value_t = 30, value_name = "SECS")]
    pub timeout: u64,
    /// List what would be deleted, and send nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, clap::Args)]
pub struct MockArgs {
    /// Spec files or folders; every operation of every spec is served under its server's base path.
    #[arg(required = true)]
    pub specs: Vec<PathBuf>,
    /// Port to listen on (0 picks a free one; the address is printed).
    #[arg(long, default_value_t = 4010)]
    pub port: u16,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Seed for generated data: the same seed gives the same data.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Keep no state: every response comes from the spec's examples or schemas.
    #[arg(long)]
    pub stateless: bool,
    /// Records to start with: a YAML/JSON file mapping collection paths to lists of records.
    #[arg(long, value_name = "FILE")]
    pub data: Option<PathBuf>,
    /// A bearer token the mock accepts for every secured operation and scope (repeatable).
    /// Prefer a config file or the environment for anything but local use.
    #[arg(long = "token", value_name = "VALUE")]
    pub tokens: Vec<String>,
    /// A YAML/JSON config file; its `auth` section registers OAuth clients (see docs/mock-auth.md).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Do not enforce the specs' security requirements.
    #[arg(long)]
    pub no_auth: bool,
    /// Per-client rate limit, e.g. 10/s or 600/min: 429 with Retry-After beyond it.
    #[arg(long, value_name = "RATE")]
    pub rate: Option<String>,
    /// Requests a client may send at once under --rate (default: the rate's count).
    #[arg(long, value_name = "N")]
    pub burst: Option<u32>,
    /// Largest upload in bytes (binary bodies, streamed to disk).
    #[arg(long, default_value_t = 3_000_000_000)]
    pub max_upload: u64,
    /// Largest other request body in bytes.
    #[arg(long, default_value_t = 16 * 1024 * 1024)]
    pub max_body: usize,
    /// Where uploads are stored (default: a folder under the system's temp folder).
    #[arg(long, value_name = "DIR")]
    pub upload_dir: Option<PathBuf>,
    /// Serve HTTPS with this certificate (PEM chain, PEM with key, or .p12/.pfx).
    #[arg(long, value_name = "FILE")]
    pub tls_cert: Option<PathBuf>,
    /// The private key for --tls-cert, when it is a PEM file without one.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Environment variable holding the password of a .p12 --tls-cert.
    #[arg(long, value_name = "VAR", requires = "tls_cert")]
    pub tls_password_env: Option<String>,
    /// Require client certificates issued by a CA in this PEM file (mutual TLS).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub client_ca: Option<PathBuf>,
    /// Check client certificates against the OCES3 organisation conventions
    /// (organizationIdentifier NTRDK-<CVR>, serialNumber UI:DK-O:G:<uuid>; OCES2 refused).
    #[arg(long, requires = "client_ca")]
    pub require_oces: bool,
    /// With --require-oces: the CVR the client certificate must carry.
    #[arg(long, value_name = "CVR", requires = "require_oces")]
    pub oces_cvr: Option<String>,
    /// Print only a summary at start, not every route served.
    #[arg(long)]
    pub quiet: bool,
}

#[derive(Debug, clap::Args)]
#[command(
    long_about = "Generate and run conformance tests for every operation of every spec.\n\n\
Each operation is sent examples, boundary values, random valid values and invalid values (one \
broken constraint each), plus probes without credentials and with undeclared methods; every \
answer is judged by the checks (--checks). With no --target and no --env, kontrakt starts the \
mock from the same specs on a free local port and tests against it.\n\n\
Each operation x check is one test named SERVICE::OPERATION::CHECK, so --list, --filter, \
--exact and --skip work as with cargo test.\n\n\
Exit codes: 0 all passed, 1 findings, 2 the run could not happen (nothing reported as complete)."
)]
pub struct TestArgs {
    /// Spec files or folders. A folder holding several versions of a service tests the newest.
    #[arg(required_unless_present_any = ["list_checks", "explain"])]
    pub specs: Vec<PathBuf>,
    /// Base URL of the service under test, e.g. https://test.example.dk. A URL without a path
    /// gets each spec's server base path appended; a URL with a path is used as it is.
    #[arg(long, value_name = "URL")]
    pub target: Option<String>,
    /// A named environment from the config file (mock, test, production, or your own).
    #[arg(long = "env", value_name = "NAME", conflicts_with = "target")]
    pub environment: Option<String>,
    /// The config file (default: kontrakt.toml in the current folder, if there is one).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The auth profile from the config file (default: the environment's).
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Environment variable holding a bearer token to send (instead of a profile).
    #[arg(long, value_name = "VAR")]
    pub token_env: Option<String>,
    /// Client certificate for mutual TLS: .p12/.pfx, or PEM with the key (or --client-key).
    #[arg(long, value_name = "FILE")]
    pub client_cert: Option<PathBuf>,
    /// The PEM private key for --client-cert.
    #[arg(long, value_name = "FILE", requires = "client_cert")]
    pub client_key: Option<PathBuf>,
    /// Environment variable holding the password of a .p12 --client-cert.
    #[arg(long, value_name = "VAR", requires = "client_cert")]
    pub client_cert_password_env: Option<String>,
    /// Trust the server certificates issued by the CA in this PEM file (besides the system's).
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// Seed for generated cases; the same seed replays the same run (default: random, printed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Random valid cases per operation (the property-based phase).
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub max_examples: usize,
    /// Phases to run, comma-separated: examples, boundary, property, negative.
    #[arg(
        long,
        value_name = "LIST",
        default_value = "examples,boundary,property,negative"
    )]
    pub phases: String,
    /// Checks to run: `default`, `all`, or a comma-separated list of check ids (see --list-checks).
    #[arg(long, value_name = "LIST", default_value = "default")]
    pub checks: String,
    /// List the checks (id, title, whether on by default) and exit.
    #[arg(long)]
    pub list_checks: bool,
    /// Print one check's documentation and exit.
    #[arg(long, value_name = "CHECK")]
    pub explain: Option<String>,
    /// Enable the response-time check with this limit in milliseconds.
    #[arg(long, value_name = "MS")]
    pub max_response_time: Option<u64>,
    /// Stop sending after this many requests in the whole run (a budget; what was not sent is
    /// reported as not tested).
    #[arg(long, value_name = "N")]
    pub max_requests: Option<u64>,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 8, value_name = "N")]
    pub concurrency: usize,
    /// Seconds to wait for one response.
    #[arg(long, default_value_t = 30, value_name = "SECS")]
    pub timeout: u64,
    /// Never send more than this, e.g. 10/s or 600/min (all workers, retries and token
    /// requests together).
    #[arg(long, value_name = "RATE")]
    pub rate: Option<String>,
    /// Longest total wait for one request while the target answers 429/503, in seconds.
    #[arg(long, default_value_t = 600, value_name = "SECS")]
    pub rate_deadline: u64,
    /// Run only this shard of the cases: `hash:K/N` (by a stable hash of each case) or
    /// `count:K/N` (round-robin), K from 1 to N. Chains and scenarios go whole to one shard;
    /// --rate is divided by N. Merge the shards' JSON with `kontrakt report merge`.
    #[arg(long, value_name = "KIND:K/N")]
    pub partition: Option<String>,
    /// Send state-changing methods even to a production environment.
    #[arg(long)]
    pub allow_writes: bool,
    /// Send only the case with this replay key (printed with each finding); use with --filter.
    #[arg(long, value_name = "KEY")]
    pub replay: Option<String>,
    /// Write JUnit XML here too (besides any --report junit): one testcase per operation x
    /// check and per scenario step.
    #[arg(long, value_name = "PATH")]
    pub junit: Option<PathBuf>,
    /// Reports to write into `--reports DIR/<run-id>/`: junit, json, md, html, har, or all
    /// (comma-separated).
    #[arg(long, value_name = "FORMATS")]
    pub report: Option<String>,
    /// List the tests (SERVICE::OPERATION::CHECK) without running them.
    #[arg(long)]
    pub list: bool,
    /// Run only tests whose name contains this (or equals it, with --exact).
    #[arg(long, value_name = "PATTERN")]
    pub filter: Option<String>,
    /// Match --filter and --skip exactly.
    #[arg(long)]
    pub exact: bool,
    /// Skip tests whose name contains this (repeatable).
    #[arg(long, value_name = "PATTERN")]
    pub skip: Vec<String>,
    /// Print one character per test instead of one line.
    #[arg(long, short)]
    pub quiet: bool,
    /// Never show a progress bar (plain lines even on a terminal).
    #[arg(long)]
    pub no_progress: bool,
    /// Where the run's reports go: `DIR/<run-id>/` holds the --report files, and its
    /// `ledger.jsonl` records every resource created on the target (see `kontrakt cleanup`).
    #[arg(long, value_name = "DIR", default_value = "reports")]
    pub reports: PathBuf,
    /// Keep the ledger also when testing the embedded mock (whose data ends with the run).
    #[arg(long)]
    pub ledger_mock: bool,
    /// Scenario suites to run after the generated cases (files or folders; repeatable).
    /// Default: a `suites/` folder beside the first spec folder (`specs/` -> `./suites/`).
    #[arg(long, value_name = "PATH")]
    pub suites: Vec<PathBuf>,
    /// Run no scenario suites, not even the default `suites/` folder.
    #[arg(long, conflicts_with = "suites")]
    pub no_suites: bool,
}

#[derive(Debug, clap::Args)]
#[command(
    long_about = "Breaking changes between two spec versions, judged against the notice periods.\n\n\
OLD and NEW are spec files or folders. Folders with a catalog.yaml are matched service by \
service (latest version on each side); other folders by info.title. A file listed in a \
catalog.yaml above it is judged against the notice period of its service. With --base REV, OLD \
is read from that git revision (NEW defaults to OLD as it is now).\n\n\
Exit codes: 0 no breaking change at or above --fail-on (or all allowed by the notice policy), \
1 breaking changes, 2 kontrakt could not do its job."
)]
pub struct DiffArgs {
    /// The old spec (file or folder); with --base, a path in the repository at that revision.
    #[arg(required_unless_present_any = ["rules", "explain", "across"])]
    pub old: Option<PathBuf>,
    /// The new spec (file or folder); defaults to OLD with --base.
    pub new: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    pub format: DiffFormat,
    /// List the diff rules and exit.
    #[arg(long)]
    pub rules: bool,
    /// Explain one rule (why it breaks clients, an example, how to evolve safely) and exit.
    #[arg(long, value_name = "RULE")]
    pub explain: Option<String>,
    /// Read OLD from this git revision (`git archive`; the working tree is not touched).
    #[arg(long, value_name = "REV")]
    pub base: Option<String>,
    /// The lowest level that fails the run (exit 1).
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Judge as if today were DATE (YYYY-MM-DD): whether a sunset has passed outside a
    /// catalog, whether a version is in effect, whether a waiver has expired. Without it, the
    /// clock's date (UTC).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<crate::catalog::Date>,
    /// The notice-period policy (default: `policy.yaml` beside the new side's `catalog.yaml`).
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Accepted changes: a YAML file `waivers: [{fingerprint, reason, expires}]`. A waived
    /// change does not fail the run; an expired waiver does.
    #[arg(long, value_name = "FILE")]
    pub waivers: Option<PathBuf>,
    /// Compare the shared concepts (Adresse, CVR, CPR, case id, Postnummer, problem details)
    /// across the latest version of every service in DIR and report where they drift apart.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["old", "base"])]
    pub across: Option<PathBuf>,
    /// Language of `--format changelog`.
    #[arg(long, value_enum, default_value_t = Lang::En)]
    pub lang: Lang,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    Text,
    Json,
    Markdown,
    /// JUnit XML: one test case per service, a failure per failing change.
    Junit,
    /// GitHub Actions workflow commands (`::error file=…,line=…::message`).
    Github,
    /// A changelog for the services' consumers, by service and operation (see --lang).
    Changelog,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Lang {
    En,
    Da,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
}

#[derive(Debug, clap::Args)]
pub struct LintArgs {
    /// Spec files or folders (folders are searched for documents declaring `openapi`).
    #[arg(required_unless_present_any = ["rules", "explain"])]
    pub specs: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// List the lint rules and exit.
    #[arg(long)]
    pub rules: bool,
    /// Explain one rule (why it matters, an example, how to fix it) and exit.
    #[arg(long, value_name = "RULE")]
    pub explain: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Spec files to load (each measured in a fresh process for a true peak-memory figure).
    pub specs: Vec<PathBuf>,
    /// Also generate a synthetic spec of about this many megabytes, shaped like real specs
    /// (about 50 bytes per JSON value), and measure it.
    #[arg(long)]
    pub generate_mb: Option<usize>,
    /// Also generate a dense synthetic spec (no prose, about 16 bytes per value) of this size.
    #[arg(long)]
    pub generate_dense_mb: Option<usize>,
    /// Runs per spec; the median wall time is reported.
    #[arg(long, default_value_t = 5)]
    pub runs: usize,
    /// Internal: load one file once in this process and print one JSON line.
    #[arg(long, hide = true)]
    pub child: bool,
}

#[derive(Debug, clap::Args)]
pub struct CertsArgs {
    /// Folder to write into (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// CVR of the organisation certificate (organizationIdentifier NTRDK- and the CVR). The
    /// default is fictitious, starting with 9 like MitID Erhverv's test organisations.
    #[arg(long, default_value = crate::tls::testca::DEFAULT_CVR)]
    pub cvr: String,
    /// Organisation name (O) of the organisation certificate.
    #[arg(long, default_value = crate::tls::testca::DEFAULT_ORGANISATION)]
    pub org: String,
    /// Common name (CN) of the organisation certificate: the system's name.
    #[arg(long, default_value = crate::tls::testca::DEFAULT_COMMON_NAME)]
    pub cn: String,
    /// Password of organisation.p12 [default: kontrakt]. Other local users can see command
    /// lines; these are test keys.
    #[arg(long)]
    pub password: Option<String>,
    /// Key algorithm of the CA and organisation certificate: RSA 3072 as in OCES3, or the much
    /// faster ECDSA P-256. The server certificate is always ECDSA P-256.
    #[arg(long, value_enum, default_value_t = CertKeyType::Rsa)]
    pub key_type: CertKeyType,
    /// Validity in days, from now.
    #[arg(long, default_value_t = crate::tls::testca::DEFAULT_DAYS)]
    pub days: u32,
    /// Overwrite existing files.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CertKeyType {
    Rsa,
    Ecdsa,
}
