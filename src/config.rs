//! `kontrakt.toml`: the named environments a run can target and the credential profiles it
//! authenticates with.
//!
//! Two promises shape it. Secrets never sit in the file: a profile says *where* a secret is
//! (an environment variable or a file) and kontrakt reads it when it needs it, so the file can
//! be committed; a literal secret is refused with a hint rather than silently accepted. And
//! mistakes are reported at file:line:column, because a misspelt key that was silently ignored
//! would weaken a run (no client certificate, no rate limit) without anyone noticing.
//! The format is documented in `docs/config.md`.
//!
//! Three environments exist without a file: `mock` (the embedded mock), `test` (the spec's test
//! server) and `production` (the spec's production server, read-only unless writes are
//! allowed). A file may refine them and add more.

use std::fmt;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde::Deserialize;
use toml::Spanned;

use crate::auth::{AssertionAlg, Secret};
use crate::run::limiter::RateSpec;
use crate::spec::source::Position;

/// A config file is a few kilobytes; the cap keeps a wrong path from being read whole.
const MAX_CONFIG_BYTES: u64 = 1 << 20;
/// A secret file holds one token or password.
const MAX_SECRET_BYTES: u64 = 64 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: no such file — create it (see docs/config.md) or pass another --config")]
    Missing { path: PathBuf },
    #[error("cannot read {path}: {reason}")]
    Read { path: PathBuf, reason: String },
    /// Anything wrong inside the file, at its place.
    #[error("{at}: {message}")]
    Invalid { at: Position, message: String },
    #[error(
        "no environment `{name}` (known: {known}) — define [environments.{name}] in kontrakt.toml"
    )]
    UnknownEnvironment { name: String, known: String },
    #[error("no profile `{name}` (known: {known}) — define [profiles.{name}] in kontrakt.toml")]
    UnknownProfile { name: String, known: String },
    #[error("environment variable {var} is not set ({purpose})")]
    SecretUnset { var: String, purpose: String },
    #[error("environment variable {var} is empty ({purpose})")]
    SecretEmptyVar { var: String, purpose: String },
    #[error("cannot read {path} ({purpose}): {reason}")]
    SecretFile {
        path: PathBuf,
        purpose: String,
        reason: String,
    },
    #[error("{path} is empty ({purpose})")]
    SecretEmptyFile { path: PathBuf, purpose: String },
    #[error(
        "cannot tell which of the spec's servers is the {kind} environment ({servers}) — set `url` in [environments.{name}] of kontrakt.toml"
    )]
    NoServer {
        name: String,
        kind: &'static str,
        servers: String,
    },
}

/// The whole configuration: the built-in environments refined and extended by the file.
#[derive(Debug, Clone)]
pub struct Config {
    pub environments: IndexMap<String, Environment>,
    pub profiles: IndexMap<String, Profile>,
    /// `[redact] names = ["cpr", …]`: parameters and JSON body members whose values are
    /// personal or secret and are redacted from every report, log and `curl` line.
    pub redact: Vec<String>,
    /// The file it came from; `None` for the built-ins alone.
    pub path: Option<PathBuf>,
}

/// What an environment is, which decides where its URL comes from and whether it may be
/// written to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvKind {
    /// The mock kontrakt starts in-process.
    Mock,
    /// A test environment: anything goes.
    Test,
    /// Real data: only safe methods unless writes are allowed.
    Production,
}

impl EnvKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EnvKind::Mock => "mock",
            EnvKind::Test => "test",
            EnvKind::Production => "production",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Environment {
    pub name: String,
    pub kind: EnvKind,
    /// Origin (and optional prefix) under which the spec's server paths are reached, e.g.
    /// `https://api.test-minskiftesag.net`. `None`: from the spec's servers (see
    /// [`Environment::origin`]), or the mock's address.
    pub url: Option<String>,
    pub profile: Option<String>,
    pub rate: Option<RateSpec>,
    /// Extra CA certificates (PEM) trusted for the server's certificate.
    pub ca_file: Option<PathBuf>,
    /// False only for production without `allow_writes = true`.
    pub allow_writes: bool,
}

/// How to authenticate: any of a static bearer token, OAuth2 client credentials, and a client
/// certificate (used for mTLS on the API and the token endpoint, and to sign
/// `private_key_jwt` assertions).
#[derive(Debug, Clone, Default)]
pub struct Profile {
    pub bearer: Option<SecretSource>,
    pub oauth: Option<OAuthProfile>,
    pub client_cert: Option<CertSource>,
}

/// Where a secret is. Never the secret itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    Env(String),
    File(PathBuf),
}

impl fmt::Display for SecretSource {
    /// `$NAME` or the file's path: how messages say where a secret came from.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretSource::Env(name) => write!(f, "${name}"),
            SecretSource::File(path) => write!(f, "{}", path.display()),
        }
    }
}

impl SecretSource {
    /// Reads the secret (a file's content without its trailing newline). `purpose` goes into
    /// errors ("the client secret of profile `x`"); the value never does.
    pub fn read(&self, purpose: &str) -> Result<Secret, ConfigError> {
        self.read_with_env(purpose, &|name| std::env::var(name).ok())
    }

    /// As [`SecretSource::read`], with the environment injected (tests).
    pub fn read_with_env(
        &self,
        purpose: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Secret, ConfigError> {
        match self {
            SecretSource::Env(var) => match env(var) {
                None => Err(ConfigError::SecretUnset {
                    var: format!("${var}"),
                    purpose: purpose.into(),
                }),
                Some(v) if v.is_empty() => Err(ConfigError::SecretEmptyVar {
                    var: format!("${var}"),
                    purpose: purpose.into(),
                }),
                Some(v) => Ok(Secret::new(v)),
            },
            SecretSource::File(path) => {
                let bytes =
                    crate::spec::load::read_bounded(path, MAX_SECRET_BYTES).map_err(|e| {
                        ConfigError::SecretFile {
                            path: path.clone(),
                            purpose: purpose.into(),
                            reason: match e {
                                crate::spec::load::ReadError::Io(e)
                                    if e.kind() == std::io::ErrorKind::NotFound =>
                                {
                                    "no such file".into()
                                }
                                crate::spec::load::ReadError::Io(e) => e.to_string(),
                                crate::spec::load::ReadError::NotAFile(what) => {
                                    format!("it is {what}, not a file")
                                }
                                crate::spec::load::ReadError::TooLarge(_) => {
                                    format!("larger than {MAX_SECRET_BYTES} bytes")
                                }
                            },
                        }
                    })?;
                let text = String::from_utf8(bytes).map_err(|_| ConfigError::SecretFile {
                    path: path.clone(),
                    purpose: purpose.into(),
                    reason: "not UTF-8 text".into(),
                })?;
                let value = text.trim_end_matches(['\r', '\n']);
                if value.is_empty() {
                    return Err(ConfigError::SecretEmptyFile {
                        path: path.clone(),
                        purpose: purpose.into(),
                    });
                }
                Ok(Secret::new(value))
            }
        }
    }
}

/// OAuth2 client credentials (RFC 6749 §4.4).
#[derive(Debug, Clone)]
pub struct OAuthProfile {
    pub token_url: String,
    pub client_id: String,
    pub method: ClientMethod,
    /// The client secret (basic and post).
    pub secret: Option<SecretSource>,
    pub scope: Option<String>,
    pub assertion_alg: AssertionAlg,
    /// The assertion's `aud`; `None` = the token URL.
    pub audience: Option<String>,
}

/// How the client authenticates at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientMethod {
    /// `client_secret_basic`: id and secret in the `Authorization` header.
    Basic,
    /// `client_secret_post`: id and secret in the form body.
    Post,
    /// `private_key_jwt` (RFC 7523): an assertion signed with the client certificate's key.
    PrivateKeyJwt,
}

impl ClientMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            ClientMethod::Basic => "client_secret_basic",
            ClientMethod::Post => "client_secret_post",
            ClientMethod::PrivateKeyJwt => "private_key_jwt",
        }
    }
}

/// A client certificate: a `.p12`/`.pfx` file (with its password), or PEM certificate and key
/// files.
#[derive(Debug, Clone, Default)]
pub struct CertSource {
    pub p12: Option<PathBuf>,
    pub password: Option<SecretSource>,
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
}

/// One server of a spec, as `servers` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerEntry {
    pub url: String,
    pub description: Option<String>,
}

/// The root-level `servers` of a spec document.
pub fn servers_of(root: &serde_json::Value) -> Vec<ServerEntry> {
    root.get("servers")
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|s| {
            Some(ServerEntry {
                url: s.get("url")?.as_str()?.to_string(),
                description: s
                    .get("description")
                    .and_then(serde_json::Value::as_str)
                    .map(str::to_string),
            })
        })
        .collect()
}

/// Words that mark a server as a test environment, in its description or host.
const TEST_MARKERS: [&str; 8] = [
    "test",
    "staging",
    "stage",
    "sandbox",
    "preprod",
    "demo",
    "udvikling",
    "uat",
];
/// Words that mark a server as production.
const PRODUCTION_MARKERS: [&str; 4] = ["produktion", "production", "prod", "live"];

/// The spec server an environment of `kind` means: the one whose description (or, failing
/// that, host) says test (`Test`, `test-minskiftesag.net`), respectively production. With
/// exactly two servers and one recognised, the other is the other kind. `None` when the
/// servers do not tell.
pub fn pick_server(kind: EnvKind, servers: &[ServerEntry]) -> Option<&ServerEntry> {
    let has = |text: &str, words: &[&str]| {
        let text = text.to_ascii_lowercase();
        text.split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| words.contains(&w))
            || words.iter().any(|m| m.len() > 4 && text.contains(m))
    };
    let class = |s: &ServerEntry| -> Option<EnvKind> {
        let host = host_of(&s.url);
        for text in [s.description.as_deref().unwrap_or(""), host] {
            let test = has(text, &TEST_MARKERS);
            let prod = has(text, &PRODUCTION_MARKERS);
            match (test, prod) {
                (true, false) => return Some(EnvKind::Test),
                (false, true) => return Some(EnvKind::Production),
                _ => {}
            }
        }
        None
    };
    let classes: Vec<Option<EnvKind>> = servers.iter().map(class).collect();
    let matching: Vec<usize> = (0..servers.len())
        .filter(|&i| classes[i] == Some(kind))
        .collect();
    if let [one] = matching[..] {
        return Some(&servers[one]);
    }
    if matching.is_empty() && servers.len() == 2 {
        let other = match kind {
            EnvKind::Test => EnvKind::Production,
            EnvKind::Production => EnvKind::Test,
            EnvKind::Mock => return None,
        };
        let others: Vec<usize> = (0..2).filter(|&i| classes[i] == Some(other)).collect();
        if let [o] = others[..] {
            return Some(&servers[1 - o]);
        }
    }
    None
}

fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', '?', '#']).next().unwrap_or("")
}

/// `https://host:port` of a URL: what stays when the spec's base path is taken off.
pub fn origin_of(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => format!("{scheme}://{}", host_of(rest)),
        None => String::new(),
    }
}

impl Environment {
    fn builtin(kind: EnvKind) -> Environment {
        Environment {
            name: kind.as_str().to_string(),
            kind,
            url: None,
            profile: None,
            rate: None,
            ca_file: None,
            allow_writes: kind != EnvKind::Production,
        }
    }

    /// Whether a request with `method` may be sent here: anything to test and mock, only the
    /// safe methods (RFC 9110 §9.2.1: GET, HEAD, OPTIONS, TRACE) to production unless writes
    /// are allowed.
    pub fn allows_method(&self, method: &str) -> bool {
        self.allow_writes
            || ["GET", "HEAD", "OPTIONS", "TRACE"]
                .iter()
                .any(|m| m.eq_ignore_ascii_case(method))
    }

    /// The origin the runner puts in front of each operation's base path and path: the
    /// configured `url`, else the origin of the spec server of this environment's kind.
    /// `None` for the mock, whose address is only known once it listens.
    pub fn origin(&self, servers: &[ServerEntry]) -> Result<Option<String>, ConfigError> {
        if let Some(url) = &self.url {
            return Ok(Some(url.trim_end_matches('/').to_string()));
        }
        if self.kind == EnvKind::Mock {
            return Ok(None);
        }
        match pick_server(self.kind, servers) {
            Some(s) => Ok(Some(origin_of(&s.url))),
            None => Err(ConfigError::NoServer {
                name: self.name.clone(),
                kind: self.kind.as_str(),
                servers: if servers.is_empty() {
                    "it lists none".into()
                } else {
                    servers
                        .iter()
                        .map(|s| match &s.description {
                            Some(d) => format!("{} \"{d}\"", s.url),
                            None => s.url.clone(),
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                },
            }),
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config::builtin()
    }
}

impl Config {
    /// Names whose values are redacted: the built-in personal identifiers (CPR numbers) and
    /// the config's `[redact] names`.
    pub fn redact_names(&self) -> Vec<String> {
        let mut names: Vec<String> = BUILTIN_REDACT.iter().map(|s| s.to_string()).collect();
        names.extend(self.redact.iter().cloned());
        names
    }

    /// The built-in environments and no profiles: what a run without a file sees.
    pub fn builtin() -> Config {
        Config {
            environments: [EnvKind::Mock, EnvKind::Test, EnvKind::Production]
                .into_iter()
                .map(|k| (k.as_str().to_string(), Environment::builtin(k)))
                .collect(),
            profiles: IndexMap::new(),
            path: None,
            redact: Vec::new(),
        }
    }

    /// Reads and checks a `kontrakt.toml`. Relative paths in it are relative to its directory.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        use crate::spec::load::{ReadError, read_bounded};
        let bytes = read_bounded(path, MAX_CONFIG_BYTES).map_err(|e| match e {
            ReadError::Io(e) if e.kind() == std::io::ErrorKind::NotFound => ConfigError::Missing {
                path: path.to_path_buf(),
            },
            ReadError::Io(e) => ConfigError::Read {
                path: path.to_path_buf(),
                reason: e.to_string(),
            },
            ReadError::NotAFile(what) => ConfigError::Read {
                path: path.to_path_buf(),
                reason: format!("it is {what}"),
            },
            ReadError::TooLarge(_) => ConfigError::Read {
                path: path.to_path_buf(),
                reason: format!("larger than {MAX_CONFIG_BYTES} bytes"),
            },
        })?;
        let text = String::from_utf8(bytes).map_err(|_| ConfigError::Read {
            path: path.to_path_buf(),
            reason: "not UTF-8 text".into(),
        })?;
        Config::parse(&text, path)
    }

    /// Parses config text as if read from `path`.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let base = path.parent().unwrap_or(Path::new("")).to_path_buf();
        let at = |offset: usize| position(text, path, offset);
        let raw: RawConfig = toml::from_str(text).map_err(|e| ConfigError::Invalid {
            at: at(e.span().map_or(0, |s| s.start)),
            message: e.message().trim().to_string(),
        })?;
        let invalid = |span: std::ops::Range<usize>, message: String| ConfigError::Invalid {
            at: at(span.start),
            message,
        };
        let rel = |p: PathBuf| if p.is_absolute() { p } else { base.join(p) };
        let source = |s: RawSecret| match s {
            RawSecret::Env(v) => SecretSource::Env(v),
            RawSecret::File(p) => SecretSource::File(rel(p)),
        };

        let mut config = Config::builtin();
        config.path = Some(path.to_path_buf());
        config.redact.extend(raw.redact.names);

        for (name, p) in raw.profiles {
            let span = p.span();
            let p = p.into_inner();
            if let Some(t) = p.token.or(p.access_token) {
                return Err(invalid(t.span(), literal_secret_hint("token", "bearer")));
            }
            let oauth = match p.oauth {
                None => None,
                Some(o) => {
                    let o_span = o.span();
                    let o = o.into_inner();
                    if let Some(s) = o.client_secret {
                        return Err(invalid(
                            s.span(),
                            literal_secret_hint("client_secret", "secret"),
                        ));
                    }
                    let method = match o.method.as_ref().map(|m| m.get_ref().as_str()) {
                        None | Some("client_secret_basic") | Some("basic") => ClientMethod::Basic,
                        Some("client_secret_post") | Some("post") => ClientMethod::Post,
                        Some("private_key_jwt") => ClientMethod::PrivateKeyJwt,
                        Some(other) => {
                            return Err(invalid(
                                o.method.as_ref().map_or(o_span.clone(), Spanned::span),
                                format!(
                                    "unknown method `{other}`; expected client_secret_basic, client_secret_post or private_key_jwt"
                                ),
                            ));
                        }
                    };
                    let assertion_alg = match &o.assertion_alg {
                        None => AssertionAlg::Rs256,
                        Some(a) => AssertionAlg::parse(a.get_ref()).ok_or_else(|| {
                            invalid(
                                a.span(),
                                format!(
                                    "unknown assertion_alg `{}`; expected RS256, PS256 or ES256",
                                    a.get_ref()
                                ),
                            )
                        })?,
                    };
                    let secret = o.secret.map(|s| source(s.into_inner()));
                    match (method, &secret) {
                        (ClientMethod::Basic | ClientMethod::Post, None) => {
                            return Err(invalid(
                                o_span,
                                format!(
                                    "{} needs `secret = {{ env = \"NAME\" }}` (or `{{ file = \"PATH\" }}`)",
                                    method.as_str()
                                ),
                            ));
                        }
                        (ClientMethod::PrivateKeyJwt, _) if p.client_cert.is_none() => {
                            return Err(invalid(
                                o_span,
                                format!(
                                    "private_key_jwt signs its assertion with the client certificate's key: add [profiles.{name}.client_cert]"
                                ),
                            ));
                        }
                        _ => {}
                    }
                    check_url(o.token_url.get_ref(), "token_url")
                        .map_err(|m| invalid(o.token_url.span(), m))?;
                    Some(OAuthProfile {
                        token_url: o.token_url.into_inner(),
                        client_id: o.client_id.into_inner(),
                        method,
                        secret,
                        scope: o.scope,
                        assertion_alg,
                        audience: o.audience,
                    })
                }
            };
            let client_cert = match p.client_cert {
                None => None,
                Some(c) => {
                    let c_span = c.span();
                    let c = c.into_inner();
                    match (&c.p12, &c.cert, &c.key) {
                        (Some(_), None, None) | (None, Some(_), _) => {}
                        _ => {
                            return Err(invalid(
                                c_span,
                                "client_cert needs either `p12` (with `password`) or `cert` (with `key` unless the PEM file holds both)".into(),
                            ));
                        }
                    }
                    if c.p12.is_none()
                        && let Some(pw) = &c.password
                    {
                        return Err(invalid(
                            pw.span(),
                            "`password` is for a .p12 file; PEM keys are read unencrypted".into(),
                        ));
                    }
                    Some(CertSource {
                        p12: c.p12.map(rel),
                        password: c.password.map(|s| source(s.into_inner())),
                        cert: c.cert.map(rel),
                        key: c.key.map(rel),
                    })
                }
            };
            if p.bearer.is_some() && oauth.is_some() {
                return Err(invalid(
                    span,
                    "a profile has either `bearer` or [oauth], not both".into(),
                ));
            }
            config.profiles.insert(
                name,
                Profile {
                    bearer: p.bearer.map(|s| source(s.into_inner())),
                    oauth,
                    client_cert,
                },
            );
        }

        for (name, e) in raw.environments {
            let span = e.span();
            let e = e.into_inner();
            let builtin = match name.as_str() {
                "mock" => Some(EnvKind::Mock),
                "test" => Some(EnvKind::Test),
                "production" => Some(EnvKind::Production),
                _ => None,
            };
            let declared = match &e.kind {
                None => None,
                Some(k) => Some(match k.get_ref().as_str() {
                    "mock" => EnvKind::Mock,
                    "test" => EnvKind::Test,
                    "production" => EnvKind::Production,
                    other => {
                        return Err(invalid(
                            k.span(),
                            format!("unknown kind `{other}`; expected test or production"),
                        ));
                    }
                }),
            };
            let kind = match (builtin, declared) {
                (Some(b), Some(d)) if b != d => {
                    return Err(invalid(
                        e.kind.as_ref().map_or(span.clone(), Spanned::span),
                        format!("environment `{name}` is always of kind {}", b.as_str()),
                    ));
                }
                (Some(b), _) => b,
                (None, Some(EnvKind::Mock)) => {
                    return Err(invalid(
                        e.kind.as_ref().map_or(span.clone(), Spanned::span),
                        "only the built-in environment `mock` is the mock".into(),
                    ));
                }
                (None, Some(d)) => d,
                (None, None) => {
                    return Err(invalid(
                        span,
                        format!(
                            "environment `{name}` needs `kind = \"test\"` or `kind = \"production\"` (production is read-only unless allow_writes = true)"
                        ),
                    ));
                }
            };
            if let Some(url) = &e.url {
                if kind == EnvKind::Mock {
                    return Err(invalid(
                        url.span(),
                        "the mock's address is chosen when it starts; point another environment at a running mock instead".into(),
                    ));
                }
                check_url(url.get_ref(), "url").map_err(|m| invalid(url.span(), m))?;
            }
            if let Some(profile) = &e.profile
                && !config.profiles.contains_key(profile.get_ref())
            {
                return Err(invalid(
                    profile.span(),
                    format!(
                        "no profile `{}` (known: {})",
                        profile.get_ref(),
                        known(config.profiles.keys())
                    ),
                ));
            }
            let rate = match &e.rate {
                None => None,
                Some(r) => {
                    let mut rate = r
                        .get_ref()
                        .parse::<RateSpec>()
                        .map_err(|err| invalid(r.span(), err.to_string()))?;
                    if let Some(b) = &e.burst {
                        if *b.get_ref() == 0 {
                            return Err(invalid(
                                b.span(),
                                "a burst of 0 allows no requests".into(),
                            ));
                        }
                        rate.burst = *b.get_ref();
                    }
                    Some(rate)
                }
            };
            if let (None, Some(b)) = (&e.rate, &e.burst) {
                return Err(invalid(b.span(), "`burst` needs a `rate`".into()));
            }
            let allow_writes = match (kind, e.allow_writes) {
                (EnvKind::Production, w) => w.unwrap_or(false),
                (_, Some(_)) => {
                    return Err(invalid(
                        span,
                        "`allow_writes` only applies to production environments".into(),
                    ));
                }
                (_, None) => true,
            };
            config.environments.insert(
                name.clone(),
                Environment {
                    name,
                    kind,
                    url: e.url.map(Spanned::into_inner),
                    profile: e.profile.map(Spanned::into_inner),
                    rate,
                    ca_file: e.ca_file.map(rel),
                    allow_writes,
                },
            );
        }
        Ok(config)
    }

    pub fn environment(&self, name: &str) -> Result<&Environment, ConfigError> {
        self.environments
            .get(name)
            .ok_or_else(|| ConfigError::UnknownEnvironment {
                name: name.to_string(),
                known: known(self.environments.keys()),
            })
    }

    pub fn profile(&self, name: &str) -> Result<&Profile, ConfigError> {
        self.profiles
            .get(name)
            .ok_or_else(|| ConfigError::UnknownProfile {
                name: name.to_string(),
                known: known(self.profiles.keys()),
            })
    }
}

fn known<'a>(names: impl Iterator<Item = &'a String>) -> String {
    let list: Vec<&str> = names.map(String::as_str).collect();
    if list.is_empty() {
        "none".into()
    } else {
        list.join(", ")
    }
}

fn literal_secret_hint(key: &str, instead: &str) -> String {
    format!(
        "`{key}` would put a secret in this file, which kontrakt refuses; write `{instead} = {{ env = \"NAME\" }}` or `{instead} = {{ file = \"PATH\" }}` and keep the value there"
    )
}

fn check_url(url: &str, what: &str) -> Result<(), String> {
    match url.split_once("://") {
        Some(("http" | "https", rest)) if !host_of(rest).is_empty() => Ok(()),
        _ => Err(format!(
            "{what} `{url}` is not an http:// or https:// URL with a host"
        )),
    }
}

/// 1-based line and character column of a byte offset.
fn position(text: &str, path: &Path, offset: usize) -> Position {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    Position {
        file: path.to_path_buf(),
        line: line as u32,
        column: column as u32,
    }
}

/// Names whose values are personal data in the Skifteportalen specs (a CPR number identifies
/// a person): redacted by default.
const BUILTIN_REDACT: &[&str] = &["cpr", "cprNummer", "cprnr"];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    environments: IndexMap<String, Spanned<RawEnvironment>>,
    #[serde(default)]
    profiles: IndexMap<String, Spanned<RawProfile>>,
    #[serde(default)]
    redact: RawRedact,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawRedact {
    #[serde(default)]
    names: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEnvironment {
    kind: Option<Spanned<String>>,
    url: Option<Spanned<String>>,
    profile: Option<Spanned<String>>,
    rate: Option<Spanned<String>>,
    burst: Option<Spanned<u32>>,
    ca_file: Option<PathBuf>,
    allow_writes: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    bearer: Option<Spanned<RawSecret>>,
    oauth: Option<Spanned<RawOAuth>>,
    client_cert: Option<Spanned<RawCert>>,
    /// Caught to refuse a literal token with a hint instead of "unknown field".
    token: Option<Spanned<toml::Value>>,
    access_token: Option<Spanned<toml::Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOAuth {
    token_url: Spanned<String>,
    client_id: Spanned<String>,
    method: Option<Spanned<String>>,
    secret: Option<Spanned<RawSecret>>,
    scope: Option<String>,
    assertion_alg: Option<Spanned<String>>,
    audience: Option<String>,
    /// Caught to refuse a literal secret with a hint instead of "unknown field".
    client_secret: Option<Spanned<toml::Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCert {
    p12: Option<PathBuf>,
    password: Option<Spanned<RawSecret>>,
    cert: Option<PathBuf>,
    key: Option<PathBuf>,
}

/// `{ env = "NAME" }`, `{ file = "PATH" }`, or the strings `env:NAME` / `file:PATH`. Any other
/// string is taken for a literal secret and refused.
enum RawSecret {
    Env(String),
    File(PathBuf),
}

impl<'de> Deserialize<'de> for RawSecret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Table {
            env: Option<String>,
            file: Option<PathBuf>,
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Form {
            Text(String),
            Table(Table),
        }
        let hint = "write { env = \"NAME\" } or { file = \"PATH\" }";
        match Form::deserialize(d).map_err(|_| {
            serde::de::Error::custom(format!("expected where the secret is: {hint}"))
        })? {
            Form::Text(s) => {
                if let Some(var) = s.strip_prefix("env:") {
                    Ok(RawSecret::Env(var.to_string()))
                } else if let Some(path) = s.strip_prefix("file:") {
                    Ok(RawSecret::File(PathBuf::from(path)))
                } else {
                    Err(serde::de::Error::custom(format!(
                        "a literal secret is refused (the file may be shared or committed); {hint} and keep the value there"
                    )))
                }
            }
            Form::Table(Table {
                env: Some(v),
                file: None,
            }) if !v.is_empty() => Ok(RawSecret::Env(v)),
            Form::Table(Table {
                env: None,
                file: Some(p),
            }) => Ok(RawSecret::File(p)),
            Form::Table(_) => Err(serde::de::Error::custom(format!(
                "give exactly one of `env` and `file`: {hint}"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("/cfg/kontrakt.toml"))
    }

    fn err(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    #[test]
    fn builtins_exist_without_a_file() {
        let c = Config::builtin();
        assert_eq!(
            c.environments.keys().collect::<Vec<_>>(),
            ["mock", "test", "production"]
        );
        assert!(!c.environment("production").unwrap().allow_writes);
        assert!(c.environment("test").unwrap().allow_writes);
        let prod = c.environment("production").unwrap();
        assert!(prod.allows_method("get") && prod.allows_method("HEAD"));
        assert!(!prod.allows_method("POST") && !prod.allows_method("DELETE"));
        assert!(c.environment("test").unwrap().allows_method("DELETE"));
        let e = c.environment("staging").unwrap_err().to_string();
        assert!(e.contains("known: mock, test, production"), "{e}");
    }

    #[test]
    fn picks_test_and_production_servers() {
        let servers = vec![
            ServerEntry {
                url: "https://api.domstol.dk/person/v1".into(),
                description: Some("Produktion".into()),
            },
            ServerEntry {
                url: "https://api.test-minskiftesag.net/person/v1".into(),
                description: Some("Test".into()),
            },
        ];
        let c = Config::builtin();
        assert_eq!(
            c.environment("test").unwrap().origin(&servers).unwrap(),
            Some("https://api.test-minskiftesag.net".into())
        );
        assert_eq!(
            c.environment("production")
                .unwrap()
                .origin(&servers)
                .unwrap(),
            Some("https://api.domstol.dk".into())
        );
        assert_eq!(
            c.environment("mock").unwrap().origin(&servers).unwrap(),
            None
        );
        // Without descriptions the host decides; with two servers the unmarked one is the
        // other kind.
        let bare = vec![
            ServerEntry {
                url: "https://api.example.dk/v1".into(),
                description: None,
            },
            ServerEntry {
                url: "https://sandbox.example.dk/v1".into(),
                description: None,
            },
        ];
        assert_eq!(pick_server(EnvKind::Test, &bare).unwrap(), &bare[1]);
        assert_eq!(pick_server(EnvKind::Production, &bare).unwrap(), &bare[0]);
        // One unmarked server tells nothing.
        let e = c
            .environment("test")
            .unwrap()
            .origin(&bare[..1])
            .unwrap_err();
        assert!(
            e.to_string().contains("set `url` in [environments.test]"),
            "{e}"
        );
    }

    #[test]
    fn secrets_from_env_and_file_name_their_source_never_the_value() {
        let env = |name: &str| (name == "SET").then(|| "s3cret".to_string());
        let s = SecretSource::Env("SET".into())
            .read_with_env("x", &env)
            .unwrap();
        assert_eq!(s.expose(), "s3cret");
        let e = SecretSource::Env("UNSET".into())
            .read_with_env("the client secret of profile `p`", &env)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "environment variable $UNSET is not set (the client secret of profile `p`)"
        );
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("secret");
        std::fs::write(&f, "fil-hemmelighed\n").unwrap();
        let s = SecretSource::File(f.clone()).read("x").unwrap();
        assert_eq!(s.expose(), "fil-hemmelighed");
        std::fs::write(&f, "\n").unwrap();
        assert!(
            SecretSource::File(f)
                .read("x")
                .unwrap_err()
                .to_string()
                .contains("is empty")
        );
        let e = SecretSource::File(dir.path().join("nope"))
            .read("x")
            .unwrap_err();
        assert!(e.to_string().contains("no such file"), "{e}");
    }

    #[test]
    fn literal_secrets_are_refused_with_a_hint_at_their_place() {
        let e = err("[profiles.p]\nbearer = \"eyJhbGciOi\"\n");
        assert!(
            e.starts_with("/cfg/kontrakt.toml:2:10: a literal secret is refused"),
            "{e}"
        );
        assert!(!e.contains("eyJhbGciOi"), "{e}");
        let e = err(
            "[profiles.p.oauth]\ntoken_url = \"https://a/t\"\nclient_id = \"c\"\nclient_secret = \"hemmelig\"\n",
        );
        assert!(
            e.starts_with("/cfg/kontrakt.toml:4:17: `client_secret` would put a secret"),
            "{e}"
        );
        assert!(
            e.contains("secret = { env = \"NAME\" }") && !e.contains("hemmelig"),
            "{e}"
        );
        let e = err("[profiles.p]\ntoken = \"abc\"\n");
        assert!(e.starts_with("/cfg/kontrakt.toml:2:9:"), "{e}");
    }

    #[test]
    fn mistakes_are_reported_at_their_place() {
        let e = err("[environments.test]\nurll = \"https://x\"\n");
        assert!(
            e.starts_with("/cfg/kontrakt.toml:2:1: unknown field `urll`"),
            "{e}"
        );
        let e = err("[environments.test]\nrate = \"10/fortnight\"\n");
        assert!(
            e.starts_with("/cfg/kontrakt.toml:2:8: rate `10/fortnight`: unknown unit"),
            "{e}"
        );
        let e = err("[environments.staging]\nurl = \"https://s\"\n");
        assert!(e.contains("needs `kind = \"test\"`"), "{e}");
        let e = err("[environments.test]\nprofile = \"nope\"\n");
        assert!(
            e.starts_with("/cfg/kontrakt.toml:2:11: no profile `nope`"),
            "{e}"
        );
        let e = err("[environments.test]\nurl = \"ftp://x\"\n");
        assert!(e.contains("not an http:// or https:// URL"), "{e}");
        let e = err("[environments.test\n");
        assert!(e.starts_with("/cfg/kontrakt.toml:1:"), "{e}");
        let e = err(
            "[profiles.p.oauth]\ntoken_url = \"https://a/t\"\nclient_id = \"c\"\nmethod = \"private_key_jwt\"\n",
        );
        assert!(e.contains("add [profiles.p.client_cert]"), "{e}");
        let e = err("[profiles.p.oauth]\ntoken_url = \"https://a/t\"\nclient_id = \"c\"\n");
        assert!(e.contains("client_secret_basic needs `secret"), "{e}");
        let e = err("[environments.test]\nallow_writes = true\n");
        assert!(e.contains("only applies to production"), "{e}");
        let e = Config::load(Path::new("/nonexistent/kontrakt.toml")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "/nonexistent/kontrakt.toml: no such file — create it (see docs/config.md) or pass another --config"
        );
    }
}
