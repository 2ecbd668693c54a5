//! The mock's OAuth2 token endpoint logic: client credentials in, an opaque bearer token out.
//!
//! Skifteportalen issues tokens by `client_credentials` to clients that authenticate with a
//! secret or an OCES3-signed assertion (domain.md §5.2). The mock must behave the same way —
//! including every refusal, since vendors test their error handling against it — so this file
//! implements RFC 6749 §2.3/§4.4/§5, RFC 7523 §3 and the RFC 8705 certificate binding as a pure
//! function of the request and an injected clock. The mock does the HTTP; tests need no socket.

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::sync::Mutex;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use rand::RngCore;
use serde::Serialize;
use serde_json::Value;

use super::assertion::{AssertionAlg, JWT_BEARER_ASSERTION_TYPE};
use super::cert::{Certificate, organisation_cvr_of_der, thumbprint_of};
use super::secret::{Secret, token_digest};

/// Token lifetime when none is configured (domain.md §5.2: `expires_in: 300`).
pub const DEFAULT_TOKEN_LIFETIME: u64 = 300;
/// Clock difference tolerated between client and mock when judging assertion times.
pub const CLOCK_SKEW: u64 = 60;
/// Longest accepted assertion validity, `exp` − `iat` (domain.md §5.2).
pub const MAX_ASSERTION_LIFETIME: u64 = 300;
/// The realm in `WWW-Authenticate` challenges.
pub const REALM: &str = "kontrakt";

/// A token request's form is a few hundred bytes; anything near this is abuse.
const MAX_FORM_BYTES: usize = 64 * 1024;
/// An RSA-4096 assertion with an `x5c` chain stays well below this.
const MAX_ASSERTION_BYTES: usize = 16 * 1024;
/// Issued tokens kept at once. Beyond it the oldest is forgotten (it then answers
/// `invalid_token`), so a client looping on the token endpoint cannot exhaust memory.
const MAX_LIVE_TOKENS: usize = 100_000;
/// How long an echoed client-supplied value may be in an error description.
const ECHO_LIMIT: usize = 80;

// ---------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------

/// One of a client's secrets; several may be valid at once while a secret is rotated.
#[derive(Debug, Clone)]
pub struct ClientSecret {
    pub secret: Secret,
    /// Unix seconds after which the secret no longer authenticates.
    pub expires_at: Option<u64>,
}

impl ClientSecret {
    pub fn new(secret: impl Into<Secret>) -> Self {
        ClientSecret {
            secret: secret.into(),
            expires_at: None,
        }
    }
}

/// A client the token endpoint knows.
#[derive(Debug, Clone)]
pub struct ClientRegistration {
    pub client_id: String,
    pub secrets: Vec<ClientSecret>,
    /// Verifies `private_key_jwt` assertions; when set, a TLS client certificate presented at
    /// the token endpoint must be this one.
    pub certificate: Option<Certificate>,
    /// The scopes the client may ask for; a request without `scope` gets all of them.
    pub scopes: Vec<String>,
    /// The organisation (CVR) the client acts for; must match an OCES3 certificate's.
    pub cvr: Option<String>,
}

impl ClientRegistration {
    pub fn new(client_id: impl Into<String>) -> Self {
        ClientRegistration {
            client_id: client_id.into(),
            secrets: Vec::new(),
            certificate: None,
            scopes: Vec::new(),
            cvr: None,
        }
    }
}

/// Everything a [`TokenIssuer`] is built from.
#[derive(Debug, Clone)]
pub struct IssuerConfig {
    /// Accepted assertion audiences: the token endpoint URL and the issuer URL.
    pub audiences: Vec<String>,
    /// `expires_in` of issued tokens, seconds.
    pub token_lifetime: u64,
    pub clients: Vec<ClientRegistration>,
    /// Tokens accepted as they are (the mock's `--token VALUE`): every scope, never expiring.
    pub static_tokens: Vec<Secret>,
}

impl Default for IssuerConfig {
    fn default() -> Self {
        IssuerConfig {
            audiences: Vec::new(),
            token_lifetime: DEFAULT_TOKEN_LIFETIME,
            clients: Vec::new(),
            static_tokens: Vec::new(),
        }
    }
}

/// A configuration the issuer refuses to run with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IssuerError {
    #[error("client `{0}` is registered twice")]
    DuplicateClient(String),
    #[error("a client has an empty client id")]
    EmptyClientId,
    #[error("client `{client}` has an empty secret")]
    EmptySecret { client: String },
    #[error("the token lifetime must be at least one second")]
    ZeroLifetime,
    #[error("a static token is empty")]
    EmptyStaticToken,
    #[error(
        "client `{client}` is registered for CVR {cvr}, but its certificate belongs to CVR {certificate_cvr}"
    )]
    CvrMismatch {
        client: String,
        cvr: String,
        certificate_cvr: String,
    },
}

// ---------------------------------------------------------------------------------------------
// Requests, responses, errors
// ---------------------------------------------------------------------------------------------

/// One token request as the HTTP layer saw it.
#[derive(Clone, Copy)]
pub struct TokenRequest<'a> {
    /// The `Authorization` header value.
    pub authorization: Option<&'a [u8]>,
    /// The `Content-Type` header value.
    pub content_type: Option<&'a [u8]>,
    /// The raw form body.
    pub body: &'a [u8],
    /// DER of the client certificate the TLS layer verified, if the request came over mTLS.
    pub client_certificate: Option<&'a [u8]>,
    /// Unix seconds.
    pub now: u64,
}

impl fmt::Debug for TokenRequest<'_> {
    // Both the header and the body carry credentials.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenRequest")
            .field("authorization", &self.authorization.map(|_| "<redacted>"))
            .field(
                "content_type",
                &self.content_type.map(String::from_utf8_lossy),
            )
            .field(
                "body",
                &format_args!("<{} bytes redacted>", self.body.len()),
            )
            .field("client_certificate", &self.client_certificate.is_some())
            .field("now", &self.now)
            .finish()
    }
}

/// A successful token response (RFC 6749 §5.1). Serialises to the JSON body.
#[derive(Debug, Clone)]
pub struct TokenResponse {
    pub access_token: Secret,
    pub expires_in: u64,
    /// Space-separated granted scopes.
    pub scope: String,
    /// Who the token was issued to (not part of the JSON).
    pub client_id: String,
}

impl TokenResponse {
    pub const TOKEN_TYPE: &'static str = "Bearer";

    /// The response body. The mock also sends `Cache-Control: no-store` (RFC 6749 §5.1).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl Serialize for TokenResponse {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("TokenResponse", 4)?;
        st.serialize_field("access_token", self.access_token.expose())?;
        st.serialize_field("token_type", Self::TOKEN_TYPE)?;
        st.serialize_field("expires_in", &self.expires_in)?;
        st.serialize_field("scope", &self.scope)?;
        st.end()
    }
}

/// The error codes of RFC 6749 §5.2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OAuthErrorCode {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnauthorizedClient,
    UnsupportedGrantType,
    InvalidScope,
}

impl OAuthErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            OAuthErrorCode::InvalidRequest => "invalid_request",
            OAuthErrorCode::InvalidClient => "invalid_client",
            OAuthErrorCode::InvalidGrant => "invalid_grant",
            OAuthErrorCode::UnauthorizedClient => "unauthorized_client",
            OAuthErrorCode::UnsupportedGrantType => "unsupported_grant_type",
            OAuthErrorCode::InvalidScope => "invalid_scope",
        }
    }
}

/// A refused token request: HTTP status, RFC 6749 §5.2 code, and a description that never
/// contains a credential.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} ({}): {description}", code.as_str(), status)]
pub struct OAuthError {
    pub status: u16,
    pub code: OAuthErrorCode,
    pub description: String,
    /// The `WWW-Authenticate` value when the status is 401.
    pub www_authenticate: Option<String>,
}

impl OAuthError {
    fn bad_request(code: OAuthErrorCode, description: impl Into<String>) -> Self {
        OAuthError {
            status: 400,
            code,
            description: description.into(),
            www_authenticate: None,
        }
    }

    fn invalid_request(description: impl Into<String>) -> Self {
        Self::bad_request(OAuthErrorCode::InvalidRequest, description)
    }

    /// RFC 6749 §5.2: a client that tried the Authorization header gets 401 and the challenge
    /// of the scheme it used; other failed client authentication is also 401, and HTTP
    /// (RFC 9110 §15.5.2) wants a challenge on every 401, so Basic is offered there too.
    fn invalid_client(description: impl Into<String>) -> Self {
        OAuthError {
            status: 401,
            code: OAuthErrorCode::InvalidClient,
            description: description.into(),
            www_authenticate: Some(format!("Basic realm=\"{REALM}\"")),
        }
    }

    /// The RFC 6749 §5.2 JSON body.
    pub fn to_json(&self) -> String {
        serde_json::json!({
            "error": self.code.as_str(),
            "error_description": self.description,
        })
        .to_string()
    }
}

// ---------------------------------------------------------------------------------------------
// Grants and the token store
// ---------------------------------------------------------------------------------------------

/// What a token (or other credential) entitles its bearer to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// `None` for static tokens.
    pub client_id: Option<String>,
    pub scopes: Vec<String>,
    /// Static tokens satisfy every scope requirement.
    pub all_scopes: bool,
    pub cvr: Option<String>,
    /// Unix seconds; `None` never expires.
    pub expires_at: Option<u64>,
    /// RFC 8705: SHA-256 of the certificate the token was requested with; the token is only
    /// valid together with that certificate.
    pub certificate_thumbprint: Option<[u8; 32]>,
}

impl Grant {
    pub fn has_scope(&self, scope: &str) -> bool {
        self.all_scopes || self.scopes.iter().any(|s| s == scope)
    }
}

/// Why a presented token does not authorise anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenProblem {
    #[error("the access token is unknown or was revoked")]
    Unknown,
    #[error("the access token has expired")]
    Expired,
}

#[derive(Default)]
struct State {
    /// Keyed by the SHA-256 of the token, never the token.
    tokens: HashMap<[u8; 32], Grant>,
    /// Issue order, which is expiry order because the lifetime is fixed.
    order: VecDeque<(u64, [u8; 32])>,
    /// (client_id, jti) → the time after which the assertion could no longer be accepted.
    seen_jti: HashMap<(String, String), u64>,
    next_jti_prune: u64,
}

impl State {
    /// Forgets expired tokens, and the oldest live ones while fewer than `room` places are
    /// free under [`MAX_LIVE_TOKENS`].
    fn prune_tokens(&mut self, now: u64, room: usize) {
        while let Some(&(expiry, digest)) = self.order.front() {
            if expiry > now && self.order.len() + room <= MAX_LIVE_TOKENS {
                break;
            }
            self.order.pop_front();
            self.tokens.remove(&digest);
        }
    }

    fn prune_jti(&mut self, now: u64) {
        if now >= self.next_jti_prune {
            self.seen_jti.retain(|_, until| *until > now);
            self.next_jti_prune = now + CLOCK_SKEW;
        }
    }
}

/// The token endpoint and token store. All methods take `&self`: the mock serves concurrently.
pub struct TokenIssuer {
    audiences: Vec<String>,
    lifetime: u64,
    clients: HashMap<String, ClientRegistration>,
    static_tokens: HashSet<[u8; 32]>,
    state: Mutex<State>,
}

impl fmt::Debug for TokenIssuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut clients: Vec<&ClientRegistration> = self.clients.values().collect();
        clients.sort_by(|a, b| a.client_id.cmp(&b.client_id));
        f.debug_struct("TokenIssuer")
            .field("audiences", &self.audiences)
            .field("lifetime", &self.lifetime)
            .field("clients", &clients)
            .field("static_tokens", &self.static_tokens.len())
            .finish_non_exhaustive()
    }
}

impl TokenIssuer {
    pub fn new(config: IssuerConfig) -> Result<Self, IssuerError> {
        if config.token_lifetime == 0 {
            return Err(IssuerError::ZeroLifetime);
        }
        let mut clients = HashMap::new();
        for client in config.clients {
            if client.client_id.is_empty() {
                return Err(IssuerError::EmptyClientId);
            }
            if client.secrets.iter().any(|s| s.secret.is_empty()) {
                return Err(IssuerError::EmptySecret {
                    client: client.client_id,
                });
            }
            if let (Some(cvr), Some(cert_cvr)) = (
                client.cvr.as_deref(),
                client.certificate.as_ref().and_then(Certificate::cvr),
            ) && cvr != cert_cvr
            {
                return Err(IssuerError::CvrMismatch {
                    client: client.client_id.clone(),
                    cvr: cvr.to_string(),
                    certificate_cvr: cert_cvr.to_string(),
                });
            }
            let id = client.client_id.clone();
            if clients.insert(id.clone(), client).is_some() {
                return Err(IssuerError::DuplicateClient(id));
            }
        }
        let mut static_tokens = HashSet::new();
        for token in &config.static_tokens {
            if token.is_empty() {
                return Err(IssuerError::EmptyStaticToken);
            }
            static_tokens.insert(token_digest(token.expose().as_bytes()));
        }
        Ok(TokenIssuer {
            audiences: config.audiences,
            lifetime: config.token_lifetime,
            clients,
            static_tokens,
            state: Mutex::new(State::default()),
        })
    }

    pub fn token_lifetime(&self) -> u64 {
        self.lifetime
    }

    pub fn audiences(&self) -> &[String] {
        &self.audiences
    }

    pub fn client(&self, client_id: &str) -> Option<&ClientRegistration> {
        self.clients.get(client_id)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic elsewhere while holding the lock leaves maps that are still consistent
        // (every update is a single insert or remove), so carrying on is safe.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Handles one token request.
    pub fn token(&self, req: &TokenRequest<'_>) -> Result<TokenResponse, OAuthError> {
        check_content_type(req.content_type)?;
        let form = Form::parse(req.body)?;
        match form.get("grant_type") {
            None => return Err(OAuthError::invalid_request("missing grant_type")),
            Some("client_credentials") => {}
            Some(other) => {
                return Err(OAuthError::bad_request(
                    OAuthErrorCode::UnsupportedGrantType,
                    format!(
                        "grant_type `{}` is not supported; use client_credentials",
                        echo(other)
                    ),
                ));
            }
        }
        let client = self.authenticate_client(req, &form)?;
        let bound = self.check_tls_certificate(client, req.client_certificate)?;
        let scopes = granted_scopes(client, form.get("scope"))?;

        let mut raw = [0u8; 32];
        rand::rng().fill_bytes(&mut raw);
        let token = URL_SAFE_NO_PAD.encode(raw);
        let expires_at = req.now.saturating_add(self.lifetime);
        let grant = Grant {
            client_id: Some(client.client_id.clone()),
            scopes: scopes.clone(),
            all_scopes: false,
            cvr: client.cvr.clone().or_else(|| {
                req.client_certificate
                    .and_then(organisation_cvr_of_der)
                    .or_else(|| client.certificate.as_ref()?.cvr().map(str::to_string))
            }),
            expires_at: Some(expires_at),
            certificate_thumbprint: bound,
        };
        let digest = token_digest(token.as_bytes());
        {
            let mut state = self.lock();
            state.prune_tokens(req.now, 1);
            state.tokens.insert(digest, grant);
            state.order.push_back((expires_at, digest));
        }
        Ok(TokenResponse {
            access_token: Secret::new(token),
            expires_in: self.lifetime,
            scope: scopes.join(" "),
            client_id: client.client_id.clone(),
        })
    }

    /// What a presented access token grants at `now`.
    pub fn introspect(&self, token: &[u8], now: u64) -> Result<Grant, TokenProblem> {
        let digest = token_digest(token);
        if self.static_tokens.contains(&digest) {
            return Ok(Grant {
                client_id: None,
                scopes: Vec::new(),
                all_scopes: true,
                cvr: None,
                expires_at: None,
                certificate_thumbprint: None,
            });
        }
        let state = self.lock();
        let grant = state.tokens.get(&digest).ok_or(TokenProblem::Unknown)?;
        if grant.expires_at.is_some_and(|e| now >= e) {
            return Err(TokenProblem::Expired);
        }
        Ok(grant.clone())
    }

    /// Checks a client id and secret (HTTP Basic on an API operation, or the token endpoint).
    /// The grant covers all of the client's scopes and does not expire.
    pub fn authenticate_secret(&self, client_id: &str, secret: &[u8], now: u64) -> Option<Grant> {
        let client = self.clients.get(client_id)?;
        secret_matches(client, secret, now).then(|| client_grant(client))
    }

    /// The registered client whose certificate this is, as a grant (for `mutualTLS` schemes).
    pub fn client_for_certificate(&self, der: &[u8]) -> Option<Grant> {
        let thumbprint = thumbprint_of(der);
        let client = self.clients.values().find(|c| {
            c.certificate
                .as_ref()
                .is_some_and(|cert| cert.thumbprint() == thumbprint)
        })?;
        let mut grant = client_grant(client);
        grant.certificate_thumbprint = Some(thumbprint);
        Some(grant)
    }

    /// Issued tokens not yet expired at `now`.
    pub fn live_tokens(&self, now: u64) -> usize {
        let mut state = self.lock();
        state.prune_tokens(now, 0);
        state.tokens.len()
    }

    fn authenticate_client(
        &self,
        req: &TokenRequest<'_>,
        form: &Form,
    ) -> Result<&ClientRegistration, OAuthError> {
        let basic = match req.authorization {
            None => None,
            Some(value) => Some(parse_basic(value)?),
        };
        let post_secret = form.get("client_secret");
        let assertion = form.get("client_assertion");
        let assertion_type = form.get("client_assertion_type");
        let used = [basic.is_some(), post_secret.is_some(), assertion.is_some()];
        if used.iter().filter(|u| **u).count() > 1 {
            let names: Vec<&str> = [
                "client_secret_basic",
                "client_secret_post",
                "private_key_jwt",
            ]
            .iter()
            .zip(used)
            .filter(|(_, u)| *u)
            .map(|(n, _)| *n)
            .collect();
            return Err(OAuthError::invalid_request(format!(
                "more than one client authentication method used ({}); use exactly one",
                names.join(" and ")
            )));
        }
        let form_client_id = form.get("client_id");

        if let Some((id, secret)) = basic {
            if form_client_id.is_some_and(|f| f != id) {
                return Err(OAuthError::invalid_request(
                    "client_id in the body differs from the one in the Authorization header",
                ));
            }
            return self.check_secret(&id, secret.expose().as_bytes(), req.now);
        }
        if let Some(secret) = post_secret {
            let Some(id) = form_client_id else {
                return Err(OAuthError::invalid_request(
                    "client_secret without client_id",
                ));
            };
            return self
                .check_secret(id, secret.as_bytes(), req.now)
                .map_err(|mut e| {
                    // Not sent through the Authorization header: no Basic challenge is owed,
                    // but HTTP wants one on a 401, and Basic is what the mock also accepts.
                    e.www_authenticate = Some(format!("Basic realm=\"{REALM}\""));
                    e
                });
        }
        match (assertion, assertion_type) {
            (Some(assertion), Some(JWT_BEARER_ASSERTION_TYPE)) => {
                self.verify_assertion(assertion, form_client_id, req.now)
            }
            (Some(_), Some(other)) => Err(OAuthError::invalid_request(format!(
                "client_assertion_type `{}` is not supported; use {JWT_BEARER_ASSERTION_TYPE}",
                echo(other)
            ))),
            (Some(_), None) => Err(OAuthError::invalid_request(
                "client_assertion without client_assertion_type",
            )),
            (None, Some(_)) => Err(OAuthError::invalid_request(
                "client_assertion_type without client_assertion",
            )),
            (None, None) => Err(OAuthError::invalid_client(
                "no client authentication: use client_secret_basic, client_secret_post or private_key_jwt",
            )),
        }
    }

    fn check_secret(
        &self,
        client_id: &str,
        secret: &[u8],
        now: u64,
    ) -> Result<&ClientRegistration, OAuthError> {
        let Some(client) = self.clients.get(client_id) else {
            return Err(OAuthError::invalid_client(format!(
                "unknown client `{}`",
                echo(client_id)
            )));
        };
        if client.secrets.is_empty() {
            return Err(OAuthError::invalid_client(format!(
                "client `{client_id}` has no secret registered; it authenticates with private_key_jwt"
            )));
        }
        if secret_matches(client, secret, now) {
            return Ok(client);
        }
        let expired = client
            .secrets
            .iter()
            .any(|s| s.expires_at.is_some_and(|e| now >= e) && s.secret.matches(secret));
        Err(OAuthError::invalid_client(if expired {
            format!("the secret of client `{client_id}` has expired")
        } else {
            format!("wrong secret for client `{client_id}`")
        }))
    }

    fn verify_assertion(
        &self,
        assertion: &str,
        form_client_id: Option<&str>,
        now: u64,
    ) -> Result<&ClientRegistration, OAuthError> {
        let bad = |msg: String| OAuthError::invalid_client(format!("client assertion: {msg}"));
        if assertion.len() > MAX_ASSERTION_BYTES {
            return Err(bad(format!("longer than {MAX_ASSERTION_BYTES} bytes")));
        }
        let mut parts = assertion.split('.');
        let (Some(h64), Some(c64), Some(s64), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad("not a compact JWS (three base64url parts)".into()));
        };
        let header = decode_json_part(h64).ok_or_else(|| bad("unreadable header".into()))?;
        let claims = decode_json_part(c64).ok_or_else(|| bad("unreadable claims".into()))?;
        let alg = match header.get("alg").and_then(Value::as_str) {
            None => return Err(bad("header has no alg".into())),
            Some(a) if a.eq_ignore_ascii_case("none") => {
                return Err(bad("alg `none` is not accepted".into()));
            }
            Some(a) if a.starts_with("HS") => {
                return Err(bad(format!(
                    "alg `{}` (a shared-key MAC) is not accepted; sign with RS256, PS256 or ES256",
                    echo(a)
                )));
            }
            Some(a) => AssertionAlg::parse(a).ok_or_else(|| {
                bad(format!(
                    "alg `{}` is not accepted; use RS256, PS256 or ES256",
                    echo(a)
                ))
            })?,
        };
        if header.get("crit").is_some() {
            return Err(bad(
                "header has `crit` extensions, none are understood".into()
            ));
        }

        let iss = claims.get("iss").and_then(Value::as_str);
        let client_id = match (form_client_id, iss) {
            (_, None) => return Err(bad("no iss claim".into())),
            (Some(f), Some(i)) if f != i => {
                return Err(bad(format!(
                    "iss `{}` differs from client_id `{}`",
                    echo(i),
                    echo(f)
                )));
            }
            (_, Some(i)) => i,
        };
        let Some(client) = self.clients.get(client_id) else {
            return Err(bad(format!("unknown client `{}`", echo(client_id))));
        };
        let Some(cert) = &client.certificate else {
            return Err(bad(format!(
                "client `{client_id}` has no registered certificate to verify assertions with"
            )));
        };
        if alg.key_kind() != cert.key_kind() {
            return Err(bad(format!(
                "alg {} does not fit the registered {:?} certificate",
                alg.as_str(),
                cert.key_kind()
            )));
        }
        if let Some(x5t) = header.get("x5t#S256")
            && x5t.as_str() != Some(cert.thumbprint_b64().as_str())
        {
            return Err(bad(
                "x5t#S256 does not match the registered certificate's thumbprint".into(),
            ));
        }
        let message = &assertion[..h64.len() + 1 + c64.len()];
        match jsonwebtoken::crypto::verify(s64, message.as_bytes(), cert.decoding_key(), alg.jwt())
        {
            Ok(true) => {}
            _ => {
                return Err(bad(
                    "signature does not verify with the registered certificate's key".into(),
                ));
            }
        }
        if !cert.is_valid_at(now) {
            return Err(bad(format!(
                "the registered certificate of client `{client_id}` is expired or not yet valid"
            )));
        }

        if claims.get("sub").and_then(Value::as_str) != Some(client_id) {
            return Err(bad("sub must equal the client id".into()));
        }
        let aud_ok = match claims.get("aud") {
            Some(Value::String(a)) => self.audiences.iter().any(|x| x == a),
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(Value::as_str)
                .any(|a| self.audiences.iter().any(|x| x == a)),
            _ => false,
        };
        if !aud_ok {
            return Err(bad(format!(
                "aud must be the token endpoint URL ({})",
                self.audiences.join(" or ")
            )));
        }
        let exp = numeric_date(&claims, "exp").map_err(bad)?;
        let iat = numeric_date(&claims, "iat").map_err(bad)?;
        let nbf = numeric_date(&claims, "nbf").map_err(bad)?;
        let Some(exp) = exp else {
            return Err(bad("no exp claim".into()));
        };
        if now >= exp.saturating_add(CLOCK_SKEW) {
            return Err(bad(format!("expired {} s ago", now - exp)));
        }
        if iat.is_some_and(|iat| iat > now.saturating_add(CLOCK_SKEW)) {
            return Err(bad("iat lies in the future".into()));
        }
        let start = iat.unwrap_or(now);
        if exp > start.saturating_add(MAX_ASSERTION_LIFETIME) {
            return Err(bad(format!(
                "exp is {} s after {}, more than the {MAX_ASSERTION_LIFETIME} s allowed",
                exp - start,
                if iat.is_some() { "iat" } else { "now" }
            )));
        }
        if nbf.is_some_and(|nbf| nbf > now.saturating_add(CLOCK_SKEW)) {
            return Err(bad("not valid yet (nbf)".into()));
        }
        // domain.md §5.2: an optional `cvr` claim must name the organisation of the client.
        if let Some(claimed) = claims.get("cvr") {
            let own = client.cvr.as_deref().or(cert.cvr());
            if claimed.as_str().is_none() || own.is_some_and(|own| claimed.as_str() != Some(own)) {
                return Err(bad(format!(
                    "the cvr claim does not match the client's CVR ({})",
                    own.unwrap_or("unknown")
                )));
            }
        }
        let jti = match claims.get("jti").and_then(Value::as_str) {
            Some(j) if !j.is_empty() && j.len() <= 256 => j,
            Some(_) => return Err(bad("jti must be 1 to 256 characters".into())),
            None => return Err(bad("no jti claim".into())),
        };

        let mut state = self.lock();
        state.prune_jti(now);
        let key = (client_id.to_string(), jti.to_string());
        match state.seen_jti.get(&key) {
            Some(until) if *until > now => {
                return Err(bad(format!("jti `{}` was already used", echo(jti))));
            }
            _ => {}
        }
        state
            .seen_jti
            .insert(key, exp.saturating_add(CLOCK_SKEW).max(now + 1));
        Ok(client)
    }

    /// RFC 8705: a certificate presented at the token endpoint binds the token. It must be the
    /// client's registered certificate when there is one, and its organisation the client's.
    fn check_tls_certificate(
        &self,
        client: &ClientRegistration,
        der: Option<&[u8]>,
    ) -> Result<Option<[u8; 32]>, OAuthError> {
        let Some(der) = der else { return Ok(None) };
        let thumbprint = thumbprint_of(der);
        if let Some(cert) = &client.certificate
            && cert.thumbprint() != thumbprint
        {
            return Err(OAuthError::invalid_client(format!(
                "the TLS client certificate is not the one registered for client `{}`",
                client.client_id
            )));
        }
        if let (Some(cvr), Some(cert_cvr)) = (client.cvr.as_deref(), organisation_cvr_of_der(der))
            && cvr != cert_cvr
        {
            return Err(OAuthError::bad_request(
                OAuthErrorCode::UnauthorizedClient,
                format!(
                    "the TLS client certificate belongs to CVR {cert_cvr}, client `{}` to CVR {cvr}",
                    client.client_id
                ),
            ));
        }
        Ok(Some(thumbprint))
    }
}

/// Unix seconds now, for callers that do not inject a clock (the methods here take `now` so
/// tests can move time).
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn client_grant(client: &ClientRegistration) -> Grant {
    Grant {
        client_id: Some(client.client_id.clone()),
        scopes: client.scopes.clone(),
        all_scopes: false,
        cvr: client.cvr.clone(),
        expires_at: None,
        certificate_thumbprint: None,
    }
}

/// Compares against every live secret without stopping at the first match, so the time taken
/// says nothing about which secret matched.
fn secret_matches(client: &ClientRegistration, secret: &[u8], now: u64) -> bool {
    client.secrets.iter().fold(false, |found, s| {
        let live = s.expires_at.is_none_or(|e| now < e);
        (s.secret.matches(secret) & live) | found
    })
}

fn granted_scopes(
    client: &ClientRegistration,
    requested: Option<&str>,
) -> Result<Vec<String>, OAuthError> {
    let Some(requested) = requested else {
        return Ok(client.scopes.clone());
    };
    let mut out: Vec<String> = Vec::new();
    for scope in requested.split(' ').filter(|s| !s.is_empty()) {
        if !client.scopes.iter().any(|s| s == scope) {
            return Err(OAuthError::bad_request(
                OAuthErrorCode::InvalidScope,
                format!(
                    "scope `{}` is not allowed for client `{}`",
                    echo(scope),
                    client.client_id
                ),
            ));
        }
        if !out.iter().any(|s| s == scope) {
            out.push(scope.to_string());
        }
    }
    Ok(out)
}

fn check_content_type(value: Option<&[u8]>) -> Result<(), OAuthError> {
    let essence = value
        .and_then(|v| std::str::from_utf8(v).ok())
        .map(|v| v.split(';').next().unwrap_or("").trim());
    match essence {
        Some(e) if e.eq_ignore_ascii_case("application/x-www-form-urlencoded") => Ok(()),
        Some(e) => Err(OAuthError::invalid_request(format!(
            "Content-Type `{}` is not accepted; send application/x-www-form-urlencoded",
            echo(e)
        ))),
        None => Err(OAuthError::invalid_request(
            "no Content-Type; send application/x-www-form-urlencoded",
        )),
    }
}

/// A parsed token request body. `Debug` is deliberately absent: it holds secrets.
struct Form {
    pairs: Vec<(String, String)>,
}

impl Form {
    fn parse(body: &[u8]) -> Result<Self, OAuthError> {
        if body.len() > MAX_FORM_BYTES {
            return Err(OAuthError::invalid_request(format!(
                "body larger than {MAX_FORM_BYTES} bytes"
            )));
        }
        let mut pairs: Vec<(String, String)> = Vec::new();
        for (k, v) in form_urlencoded::parse(body) {
            // RFC 6749 §3.1: a parameter without a value counts as omitted.
            if v.is_empty() {
                continue;
            }
            // RFC 6749 §3.2: parameters must not repeat.
            if pairs.iter().any(|(seen, _)| *seen == k) {
                return Err(OAuthError::invalid_request(format!(
                    "parameter `{}` appears more than once",
                    echo(&k)
                )));
            }
            pairs.push((k.into_owned(), v.into_owned()));
        }
        Ok(Form { pairs })
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// RFC 6749 §2.3.1: Basic credentials whose id and secret were form-urlencoded before base64.
fn parse_basic(value: &[u8]) -> Result<(String, Secret), OAuthError> {
    let malformed = || OAuthError::invalid_client("malformed Basic credentials");
    let text = std::str::from_utf8(value).map_err(|_| malformed())?.trim();
    let (scheme, rest) = text.split_once(' ').unwrap_or((text, ""));
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(OAuthError::invalid_client(format!(
            "the Authorization header uses `{}`; the token endpoint takes Basic client credentials",
            echo(scheme)
        )));
    }
    let rest = rest.trim();
    let decoded = STANDARD
        .decode(rest)
        .or_else(|_| STANDARD_NO_PAD.decode(rest))
        .map_err(|_| malformed())?;
    let colon = decoded
        .iter()
        .position(|b| *b == b':')
        .ok_or_else(malformed)?;
    let id = form_decode(&decoded[..colon]).ok_or_else(malformed)?;
    let secret = form_decode(&decoded[colon + 1..]).ok_or_else(malformed)?;
    if id.is_empty() {
        return Err(malformed());
    }
    Ok((id, Secret::new(secret)))
}

/// `application/x-www-form-urlencoded` decoding of one value: `+` is a space, then `%XX`.
fn form_decode(bytes: &[u8]) -> Option<String> {
    let plus: Vec<u8> = bytes
        .iter()
        .map(|b| if *b == b'+' { b' ' } else { *b })
        .collect();
    percent_encoding::percent_decode(&plus)
        .decode_utf8()
        .ok()
        .map(|s| s.into_owned())
}

fn decode_json_part(part: &str) -> Option<serde_json::Map<String, Value>> {
    let bytes = URL_SAFE_NO_PAD.decode(part).ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

/// A JWT NumericDate claim (RFC 7519 §2: may be fractional), floored to whole seconds.
fn numeric_date(
    claims: &serde_json::Map<String, Value>,
    name: &str,
) -> Result<Option<u64>, String> {
    match claims.get(name) {
        None => Ok(None),
        Some(v) => match v.as_u64() {
            Some(n) => Ok(Some(n)),
            None => match v.as_f64() {
                Some(f) if f >= 0.0 && f.is_finite() => Ok(Some(f as u64)),
                _ => Err(format!("{name} must be a non-negative number of seconds")),
            },
        },
    }
}

/// Client-supplied text in a description: bounded, and control characters dropped so it
/// cannot forge header lines or log entries.
fn echo(s: &str) -> String {
    let mut out: String = s
        .chars()
        .filter(|c| !c.is_control())
        .take(ECHO_LIMIT)
        .collect();
    if s.chars().count() > ECHO_LIMIT {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_form_decoded() {
        let raw = STANDARD.encode("my+client%3A1:p%C3%A5ss%25+word");
        let (id, secret) = parse_basic(format!("Basic {raw}").as_bytes()).unwrap();
        assert_eq!(id, "my client:1");
        assert_eq!(secret.expose(), "påss% word");
        assert!(parse_basic(b"Basic !!!").is_err());
        assert!(parse_basic(b"Bearer abc").is_err());
        assert!(parse_basic(&[0xff, 0xfe]).is_err());
    }

    #[test]
    fn the_token_store_forgets_expired_tokens_and_stays_bounded() {
        let grant = Grant {
            client_id: None,
            scopes: Vec::new(),
            all_scopes: false,
            cvr: None,
            expires_at: None,
            certificate_thumbprint: None,
        };
        let mut state = State::default();
        for i in 0..MAX_LIVE_TOKENS as u64 {
            let digest = token_digest(&i.to_le_bytes());
            state.tokens.insert(digest, grant.clone());
            state.order.push_back((100 + i, digest));
        }
        state.prune_tokens(0, 0);
        assert_eq!(state.tokens.len(), MAX_LIVE_TOKENS);
        state.prune_tokens(0, 1);
        assert_eq!(state.tokens.len(), MAX_LIVE_TOKENS - 1);
        // The oldest went first.
        assert!(
            !state
                .tokens
                .contains_key(&token_digest(&0u64.to_le_bytes()))
        );
        state.prune_tokens(110, 0);
        assert_eq!(state.tokens.len(), MAX_LIVE_TOKENS - 11);
        assert_eq!(state.order.len(), state.tokens.len());
    }

    #[test]
    fn the_issuer_can_be_shared_between_threads() {
        fn shared<T: Send + Sync>() {}
        shared::<TokenIssuer>();
    }

    #[test]
    fn echo_is_bounded_and_clean() {
        assert_eq!(echo("a\r\nb"), "ab");
        assert_eq!(echo(&"x".repeat(200)).chars().count(), ECHO_LIMIT + 1);
    }

    #[test]
    fn form_rejects_repeats_and_ignores_empty_values() {
        assert!(Form::parse(b"a=1&a=2").is_err());
        let form = Form::parse(b"a=&a=2&b=x+y").unwrap();
        assert_eq!(form.get("a"), Some("2"));
        assert_eq!(form.get("b"), Some("x y"));
    }
}
