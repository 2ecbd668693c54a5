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
    /// Measure loading: wall time and peak memory per spec.
    Bench(BenchArgs),
    /// Breaking changes between two spec versions, judged against the notice periods.
    Diff(DiffArgs),
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
    #[arg(required_unless_present_any = ["rules", "explain"])]
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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    Text,
    Json,
    Markdown,
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
