//! Why a run cannot go on. Each message is one line: the cause as the user would say it, then
//! what to check, because the person reading it is usually setting kontrakt up against an
//! environment for the first time and the next step is a config key or a file.
//!
//! None of them ever carries a secret: variables and files are named, values never.

use std::path::PathBuf;
use std::time::Duration;

use crate::config::ConfigError;
use crate::tls::TlsError;

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("cannot connect to {target}: {reason} — is the target running? ({check})")]
    Connect {
        target: String,
        reason: String,
        check: &'static str,
    },
    #[error("cannot resolve {host}: {reason} — check the host name ({check})")]
    Resolve {
        host: String,
        reason: String,
        check: &'static str,
    },
    #[error(
        "TLS handshake with {host}: the server requires a client certificate — configure client_cert in the profile"
    )]
    ClientCertRequired { host: String },
    #[error(
        "TLS handshake with {host}: the server refused the client certificate ({alert}) — check that it is issued by a CA the server trusts and still valid"
    )]
    ClientCertRefused { host: String, alert: String },
    #[error("TLS: server certificate of {host} not trusted ({detail}) — pass the CA with ca_file")]
    ServerCertUntrusted { host: String, detail: String },
    #[error(
        "TLS: server certificate of {host} is {detail} — check the URL or the server's certificate"
    )]
    ServerCertInvalid { host: String, detail: String },
    #[error("TLS handshake with {host} failed: {detail}")]
    Tls { host: String, detail: String },
    /// A client certificate file that cannot be used. For a wrong password, says where the
    /// password came from.
    #[error("{}", identity_message(.source, .password_from.as_deref()))]
    Identity {
        source: TlsError,
        password_from: Option<String>,
    },
    #[error("cannot set up the HTTP client: {0}")]
    Client(String),
    #[error("token endpoint {url} refused the client: {status}{} — {hint}", .error.as_deref().map(|e| format!(" {e}")).unwrap_or_default())]
    TokenRefused {
        url: String,
        status: u16,
        /// The OAuth `error` code (`invalid_client`); never the description verbatim if it
        /// could echo input.
        error: Option<String>,
        hint: String,
    },
    #[error("token endpoint {url} {detail} — check token_url")]
    TokenResponse { url: String, detail: String },
    #[error("cannot sign the client assertion: {detail} — check client_cert and assertion_alg")]
    Assertion { detail: String },
    #[error("profile: {0}")]
    Profile(String),
    #[error("{}", rate_limited_message(*.status, *.deadline))]
    RateLimited { status: u16, deadline: Duration },
    /// No answer in time, or the connection broke mid-request: a per-request outcome the
    /// runner records, not a reason to stop.
    #[error("no answer from {url} within {} s (the request timeout)", .timeout.as_secs_f64())]
    Timeout { url: String, timeout: Duration },
    #[error("{method} {url}: {detail}")]
    Transport {
        method: String,
        url: String,
        detail: String,
    },
    #[error("cannot read {path}: {reason}")]
    CaFile { path: PathBuf, reason: String },
}

impl RunError {
    /// Whether the run must stop: the target cannot be reached at all, TLS cannot be
    /// established, or the configuration is wrong. Timeouts and broken connections are
    /// answers about one request and are recorded as its outcome instead.
    pub fn is_fatal(&self) -> bool {
        !matches!(self, RunError::Timeout { .. } | RunError::Transport { .. })
    }
}

fn identity_message(source: &TlsError, password_from: Option<&str>) -> String {
    match (source, password_from) {
        (TlsError::WrongPassword { path }, Some(from)) => {
            format!("wrong password for {} (read from {from})", path.display())
        }
        (TlsError::WrongPassword { path }, None) => format!(
            "{} is password-protected — set `password` in the profile's client_cert",
            path.display()
        ),
        (TlsError::NeedsPassword { path }, _) => format!(
            "{} is password-protected — set `password = {{ env = \"NAME\" }}` in the profile's client_cert",
            path.display()
        ),
        (other, _) => format!("client certificate: {other}"),
    }
}

fn rate_limited_message(status: u16, deadline: Duration) -> String {
    let secs = deadline.as_secs_f64();
    if status == 503 {
        format!(
            "the target answered 503 (unavailable) for longer than the {secs} s deadline — is it up? (a longer --deadline waits more)"
        )
    } else {
        format!(
            "rate-limited for longer than the {secs} s deadline — lower --rate or raise the deadline"
        )
    }
}
