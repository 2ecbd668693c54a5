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
    /// Generate a fake OCES3-shaped test PKI: CA, localhost server and organisation certificates.
    ///
    /// Writes PEM files and a .p12 for the mock's TLS and for local tests; the certificates are
    /// valid nowhere else.
    Certs(CertsArgs),
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
