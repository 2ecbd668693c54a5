//! The runner's transport: one pooled HTTP/1.1 client (rustls on ring, TCP_NODELAY, optional
//! client certificate), and the [`Sender`] that every request of a run goes through.
//!
//! The sender is where politeness and credentials meet the wire, so that no caller can forget
//! them: each attempt takes a permit from the shared [`Limiter`] first (retries and token
//! requests included), 429 and 503 are waited out under a total deadline instead of being
//! reported as results, and a 401 on a request that carried the profile's token renews the
//! token once. Transport failures are sorted into the ones that end the run (refused
//! connection, failed TLS handshake: every later request would fail the same way) and the ones
//! that are an answer about one request (timeout, connection dropped mid-response).

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use rustls::pki_types::CertificateDer;

use super::auth::AuthSession;
use super::error::RunError;
use super::limiter::{Limiter, wait_hint};
use crate::config::CertSource;
use crate::exchange::{Outcome, Request, Response};
use crate::tls::{Identity, Password};

/// Longest wait between attempts when the server gives no hint.
const MAX_BACKOFF: Duration = Duration::from_secs(60);
const FIRST_BACKOFF: Duration = Duration::from_secs(1);

/// How the client is built.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// For the whole exchange, body included.
    pub timeout: Duration,
    /// Presented when a server asks for a client certificate (API and token endpoint alike).
    pub identity: Option<Identity>,
    /// Extra trusted CA certificates (PEM), beside the system's.
    pub ca_file: Option<PathBuf>,
    /// Keep at most this many body bytes; the rest is read and dropped and
    /// [`Response::truncated`] set.
    pub max_body: usize,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            timeout: Duration::from_secs(10),
            identity: None,
            ca_file: None,
            max_body: 1024 * 1024,
        }
    }
}

/// A pooled HTTP/1.1 client. `Clone` shares the pool.
#[derive(Clone)]
pub struct HttpClient {
    inner: reqwest::Client,
    identity: Option<Arc<Identity>>,
    timeout: Duration,
    max_body: usize,
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpClient")
            .field("identity", &self.identity)
            .field("timeout", &self.timeout)
            .field("max_body", &self.max_body)
            .finish_non_exhaustive()
    }
}

/// Loads a profile's client certificate; a wrong password names where it was read from.
pub fn load_identity(cert: &CertSource) -> Result<Identity, RunError> {
    let password = match &cert.password {
        Some(source) => Some(Password::new(
            source
                .read("the password of the client certificate")?
                .expose(),
        )),
        None => None,
    };
    let identity_err = |source| RunError::Identity {
        source,
        password_from: cert.password.as_ref().map(ToString::to_string),
    };
    match (&cert.p12, &cert.cert) {
        (Some(p12), _) => Identity::from_pkcs12_file(p12, password.as_ref()).map_err(identity_err),
        (None, Some(pem)) => {
            Identity::load(pem, cert.key.as_deref(), password.as_ref()).map_err(identity_err)
        }
        (None, None) => Err(RunError::Profile(
            "client_cert names neither `p12` nor `cert`".into(),
        )),
    }
}

impl HttpClient {
    pub fn new(o: &ClientOptions) -> Result<HttpClient, RunError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = rustls::RootCertStore::empty();
        // The system's roots are what a real test environment's certificate chains to; a
        // machine without any is fine as long as ca_file supplies the CA.
        let native = rustls_native_certs::load_native_certs();
        roots.add_parsable_certificates(native.certs);
        if let Some(path) = &o.ca_file {
            let certs: Vec<CertificateDer<'static>> = crate::tls::server::load_ca_certs(path)
                .map_err(|e| RunError::CaFile {
                    path: path.clone(),
                    reason: e.to_string(),
                })?;
            for cert in certs {
                roots.add(cert).map_err(|e| RunError::CaFile {
                    path: path.clone(),
                    reason: e.to_string(),
                })?;
            }
        }
        let builder = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| RunError::Client(e.to_string()))?
            .with_root_certificates(roots);
        let mut config = match &o.identity {
            Some(identity) => {
                let (chain, key) = identity.to_parts();
                builder
                    .with_client_auth_cert(chain, key)
                    .map_err(|e| RunError::Client(format!("client certificate: {e}")))?
            }
            None => builder.with_no_client_auth(),
        };
        config.alpn_protocols = vec![crate::tls::server::ALPN_HTTP1.to_vec()];
        let inner = reqwest::Client::builder()
            .tls_backend_preconfigured(config)
            .http1_only()
            .tcp_nodelay(true)
            .timeout(o.timeout)
            .connect_timeout(o.timeout)
            .pool_idle_timeout(Duration::from_secs(30))
            // A redirect is an answer to check, not something to follow.
            .redirect(reqwest::redirect::Policy::none())
            // The target is addressed directly; a proxy from the environment would silently
            // change what is being tested.
            .no_proxy()
            .build()
            .map_err(|e| RunError::Client(e.to_string()))?;
        Ok(HttpClient {
            inner,
            identity: o.identity.clone().map(Arc::new),
            timeout: o.timeout,
            max_body: o.max_body,
        })
    }

    /// The client certificate, if one is configured.
    pub fn identity(&self) -> Option<&Identity> {
        self.identity.as_deref()
    }

    /// Sends `r` once, as it is: no limiter, no credentials, no retry.
    pub async fn send_once(&self, r: &Request) -> Outcome {
        match self.exchange(r).await {
            Ok(response) => Outcome::Response(response),
            Err(e) => Outcome::Transport(e.to_string()),
        }
    }

    /// As [`HttpClient::send_once`], with the failure classified (see [`RunError::is_fatal`]).
    pub async fn exchange(&self, r: &Request) -> Result<Response, RunError> {
        self.exchange_checking(r, "check --target / the environment's url")
            .await
    }

    pub(crate) async fn exchange_checking(
        &self,
        r: &Request,
        check: &'static str,
    ) -> Result<Response, RunError> {
        let transport = |detail: String| RunError::Transport {
            method: r.method.clone(),
            url: r.url.clone(),
            detail,
        };
        let method = reqwest::Method::from_bytes(r.method.as_bytes())
            .map_err(|_| transport(format!("`{}` is not a valid method", r.method)))?;
        let url = reqwest::Url::parse(&r.url).map_err(|e| transport(format!("bad URL: {e}")))?;
        let mut headers = reqwest::header::HeaderMap::with_capacity(r.headers.len());
        for (name, value) in &r.headers {
            let name = reqwest::header::HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| transport(format!("`{name}` is not a valid header name")))?;
            let value =
                reqwest::header::HeaderValue::from_bytes(value.as_bytes()).map_err(|_| {
                    transport(format!("the value of `{name}` is not a valid header value"))
                })?;
            headers.append(name, value);
        }
        let started = Instant::now();
        let mut builder = self.inner.request(method, url.clone()).headers(headers);
        if !r.body.is_empty() {
            builder = builder.body(r.body.clone());
        }
        let mut response = builder
            .send()
            .await
            .map_err(|e| self.classify(&e, r, &url, check))?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let mut body = Vec::new();
        let mut truncated = false;
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    let room = self.max_body.saturating_sub(body.len());
                    if chunk.len() > room {
                        truncated = true;
                    }
                    body.extend_from_slice(&chunk[..chunk.len().min(room)]);
                }
                Ok(None) => break,
                Err(e) => return Err(self.classify(&e, r, &url, check)),
            }
        }
        Ok(Response {
            status,
            headers,
            body,
            truncated,
            elapsed: started.elapsed(),
        })
    }

    fn classify(
        &self,
        e: &reqwest::Error,
        r: &Request,
        url: &reqwest::Url,
        check: &'static str,
    ) -> RunError {
        let host = url.host_str().unwrap_or_default().to_string();
        let target = format!("{host}:{}", url.port_or_known_default().unwrap_or_default());
        if e.is_timeout() {
            return RunError::Timeout {
                url: r.url.clone(),
                timeout: self.timeout,
            };
        }
        let mut chain: Vec<String> = Vec::new();
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
        while let Some(err) = source {
            if let Some(tls) = err.downcast_ref::<rustls::Error>() {
                return tls_error(tls, &host, self.identity.is_some());
            }
            if let Some(io) = err.downcast_ref::<std::io::Error>() {
                if let Some(tls) = rustls_error_in(io) {
                    return tls_error(tls, &host, self.identity.is_some());
                }
                if io.kind() == std::io::ErrorKind::ConnectionRefused {
                    return RunError::Connect {
                        target,
                        reason: "connection refused".into(),
                        check,
                    };
                }
                if io.kind() == std::io::ErrorKind::TimedOut {
                    return RunError::Timeout {
                        url: r.url.clone(),
                        timeout: self.timeout,
                    };
                }
            }
            chain.push(err.to_string());
            source = err.source();
        }
        let innermost = chain.last().cloned().unwrap_or_default();
        if e.is_connect() {
            if chain.iter().any(|m| m.contains("dns error")) {
                return RunError::Resolve {
                    host,
                    reason: innermost,
                    check,
                };
            }
            return RunError::Connect {
                target,
                reason: innermost,
                check,
            };
        }
        RunError::Transport {
            method: r.method.clone(),
            url: r.url.clone(),
            detail: innermost,
        }
    }
}

/// The rustls error inside an I/O error, however deep: the connector wraps the handshake's
/// I/O error in another one, and `io::Error::source` skips the wrapped error itself.
fn rustls_error_in(io: &std::io::Error) -> Option<&rustls::Error> {
    let mut inner = io.get_ref()?;
    loop {
        if let Some(tls) = inner.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        inner = inner.downcast_ref::<std::io::Error>()?.get_ref()?;
    }
}

fn tls_error(e: &rustls::Error, host: &str, have_identity: bool) -> RunError {
    use rustls::{AlertDescription as A, CertificateError as C, Error as E};
    let host = host.to_string();
    match e {
        E::InvalidCertificate(C::UnknownIssuer) => RunError::ServerCertUntrusted {
            host,
            detail: "unknown CA".into(),
        },
        E::InvalidCertificate(C::NotValidForName | C::NotValidForNameContext { .. }) => {
            RunError::ServerCertInvalid {
                host: host.clone(),
                detail: format!("not valid for the name {host}"),
            }
        }
        E::InvalidCertificate(C::Expired | C::ExpiredContext { .. }) => {
            RunError::ServerCertInvalid {
                host,
                detail: "expired".into(),
            }
        }
        E::InvalidCertificate(other) => RunError::ServerCertUntrusted {
            host,
            detail: format!("{other:?}"),
        },
        E::AlertReceived(A::CertificateRequired) => RunError::ClientCertRequired { host },
        E::AlertReceived(
            a @ (A::BadCertificate
            | A::UnknownCA
            | A::CertificateExpired
            | A::CertificateUnknown
            | A::CertificateRevoked
            | A::UnsupportedCertificate
            | A::AccessDenied
            | A::DecryptError
            | A::HandshakeFailure),
        ) => {
            if have_identity {
                RunError::ClientCertRefused {
                    host,
                    alert: alert_name(*a),
                }
            } else {
                RunError::ClientCertRequired { host }
            }
        }
        other => RunError::Tls {
            host,
            detail: other.to_string(),
        },
    }
}

fn alert_name(a: rustls::AlertDescription) -> String {
    use rustls::AlertDescription as A;
    match a {
        A::UnknownCA => "unknown CA".into(),
        A::CertificateExpired => "certificate expired".into(),
        A::BadCertificate => "bad certificate".into(),
        A::CertificateRevoked => "certificate revoked".into(),
        A::AccessDenied => "access denied".into(),
        A::DecryptError => "decrypt error".into(),
        A::HandshakeFailure => "handshake failure".into(),
        other => format!("{other:?}"),
    }
}

/// Which credentials a request carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credentials {
    /// The profile's (a bearer token, fetched and renewed as needed).
    Apply,
    /// None at all (an `Authorization` header already on the request is removed).
    None,
    /// A token of the right shape that no server can have issued.
    Invalid,
}

/// What the sender wants shown while it happens.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// Nobody sends until `until`: the server said 429 or 503.
    Pause {
        until: Instant,
        status: u16,
        reason: String,
    },
    /// A new access token was fetched.
    TokenFetched { expires_in: Option<u64> },
}

type OnEvent = Arc<dyn Fn(Event) + Send + Sync>;

/// Sends every request of a run: limiter, credentials, waiting out 429/503, renewing a token
/// on 401. `Clone` shares everything.
#[derive(Clone)]
pub struct Sender {
    inner: Arc<SenderInner>,
}

struct SenderInner {
    pacer: Pacer,
    auth: Option<AuthSession>,
}

/// The limiter, the deadline and the event sink: what both API requests and token requests
/// need to be polite.
#[derive(Clone)]
pub(crate) struct Pacer {
    pub client: HttpClient,
    pub limiter: Limiter,
    pub deadline: Duration,
    pub on_event: OnEvent,
}

impl fmt::Debug for Sender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("client", &self.inner.pacer.client)
            .field("limiter", &self.inner.pacer.limiter)
            .field("deadline", &self.inner.pacer.deadline)
            .field("auth", &self.inner.auth)
            .finish()
    }
}

impl Pacer {
    /// Sends `request` when the limiter allows, again and again while the answer is 429 or
    /// 503, pausing everyone for as long as the server asks (else backing off from 1 s,
    /// doubling to 60 s), until the deadline. The outer `Err` ends the run; the inner one is a
    /// per-request transport failure.
    pub(crate) async fn send(
        &self,
        request: &Request,
        check: &'static str,
    ) -> Result<Result<Response, RunError>, RunError> {
        let mut backoff = FIRST_BACKOFF;
        let mut limited_since: Option<Instant> = None;
        loop {
            self.limiter.acquire().await;
            let response = match self.client.exchange_checking(request, check).await {
                Ok(r) => r,
                Err(e) if e.is_fatal() => return Err(e),
                Err(e) => return Ok(Err(e)),
            };
            if !matches!(response.status, 429 | 503) {
                return Ok(Ok(response));
            }
            let now = Instant::now();
            let since = *limited_since.get_or_insert(now);
            let hint = wait_hint(&response.headers, SystemTime::now()).filter(|w| !w.is_zero());
            let wait = hint.unwrap_or(backoff);
            backoff = (backoff * 2).min(MAX_BACKOFF);
            if now + wait > since + self.deadline {
                return Err(RunError::RateLimited {
                    status: response.status,
                    deadline: self.deadline,
                });
            }
            let until = now + wait;
            self.limiter.pause_until(until);
            let what = if response.status == 429 {
                "429 Too Many Requests"
            } else {
                "503 Service Unavailable"
            };
            let reason = match hint {
                Some(_) => format!(
                    "{what} from {}: waiting {} s as the server asks",
                    origin(&request.url),
                    secs(wait)
                ),
                None => format!(
                    "{what} from {} without Retry-After: backing off {} s",
                    origin(&request.url),
                    secs(wait)
                ),
            };
            (self.on_event)(Event::Pause {
                until,
                status: response.status,
                reason,
            });
        }
    }
}

fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0}")
    } else {
        format!("{s:.1}")
    }
}

fn origin(url: &str) -> String {
    crate::config::origin_of(url)
}

impl Sender {
    pub fn new(
        client: HttpClient,
        limiter: Limiter,
        auth: Option<AuthSession>,
        deadline: Duration,
        on_event: Arc<dyn Fn(Event) + Send + Sync>,
    ) -> Sender {
        let pacer = Pacer {
            client,
            limiter,
            deadline,
            on_event,
        };
        if let Some(a) = &auth {
            a.set_pacer(pacer.clone());
        }
        Sender {
            inner: Arc::new(SenderInner { pacer, auth }),
        }
    }

    /// Sends `request` with `credentials` added; see the module doc. Returns the request as
    /// finally sent, credentials included: redact before showing it.
    pub async fn send(
        &self,
        mut request: Request,
        credentials: Credentials,
    ) -> Result<(Request, Outcome), RunError> {
        let mut renewed = false;
        // The error that made us resend: if the resend fails too, this one says more (a TLS
        // alert arrives with the first request; the resend only sees a dead connection).
        let mut resent: Option<RunError> = None;
        loop {
            let token = match (credentials, &self.inner.auth) {
                (Credentials::Apply, Some(auth)) => Some(auth.token().await?),
                _ => None,
            };
            request
                .headers
                .retain(|(n, _)| !n.eq_ignore_ascii_case("authorization"));
            match credentials {
                Credentials::Apply => {
                    if let Some(token) = &token {
                        request
                            .headers
                            .push(("Authorization".into(), format!("Bearer {}", token.expose())));
                    }
                }
                Credentials::None => {}
                Credentials::Invalid => {
                    let invalid = match &self.inner.auth {
                        Some(auth) => auth.invalid_token(),
                        None => super::auth::invalid_like(None),
                    };
                    request
                        .headers
                        .push(("Authorization".into(), format!("Bearer {invalid}")));
                }
            }
            let response = match self
                .inner
                .pacer
                .send(&request, "check --target / the environment's url")
                .await?
            {
                Ok(r) => r,
                // A pooled connection the server closed just as it was reused: an idempotent
                // request may be sent again (RFC 9110 §9.2.2), once, through the limiter.
                Err(e)
                    if resent.is_none() && idempotent(&request.method) && stale_connection(&e) =>
                {
                    resent = Some(e);
                    continue;
                }
                Err(e) => {
                    let e = resent.take().unwrap_or(e);
                    return Ok((request, Outcome::Transport(e.to_string())));
                }
            };
            if response.status == 401
                && !renewed
                && let (Some(token), Some(auth)) = (&token, &self.inner.auth)
                && auth.renewable()
            {
                // The token may have been revoked or expired early: one fresh token, once.
                auth.invalidate_if(token);
                renewed = true;
                continue;
            }
            return Ok((request, Outcome::Response(response)));
        }
    }

    /// Every secret value in play, for the redactor: tokens fetched so far, the static
    /// bearer, the client secret (and its Basic header form), assertions, the `.p12` password.
    pub fn secrets(&self) -> Vec<String> {
        self.inner
            .auth
            .as_ref()
            .map(AuthSession::secrets)
            .unwrap_or_default()
    }
}

/// Methods that may be sent again without changing the outcome (RFC 9110 §9.2.2).
fn idempotent(method: &str) -> bool {
    matches!(
        method.to_ascii_uppercase().as_str(),
        "GET" | "HEAD" | "OPTIONS" | "PUT" | "DELETE" | "TRACE"
    )
}

/// hyper's "connection closed before message completed": the server closed a keep-alive
/// connection without answering the request sent on it.
fn stale_connection(e: &RunError) -> bool {
    e.to_string()
        .contains("connection closed before message completed")
}
