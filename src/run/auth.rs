//! The runner's credentials: a profile turned into bearer tokens, fetched when first needed,
//! cached, renewed before they expire and once more when the API says 401.
//!
//! Token requests are ordinary requests to the target's infrastructure, so they go through the
//! same client (mTLS included: the token endpoint usually wants the client certificate too)
//! and the same limiter and deadline as API requests. Fetching is single-flight: when eight
//! workers find the token stale at once, one request goes to the token endpoint and the other
//! seven wait for its answer. A refusal by the token endpoint ends the run with the OAuth error
//! code and what to check, because every later request would fail the same way.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::Rng as _;

use super::error::RunError;
use super::http::{Event, HttpClient, Pacer};
use super::limiter::Limiter;
use crate::auth::{
    AssertionParams, Certificate, ClientAuth, FORM_CONTENT_TYPE, Secret, SigningKey,
    client_assertion, client_credentials_request, unix_now,
};
use crate::config::{ClientMethod, OAuthProfile, Profile, SecretSource};
use crate::exchange::Request;

/// Renew this long before expiry at most...
const RENEW_MARGIN: Duration = Duration::from_secs(30);
/// ...and at most this share of the token's lifetime, so a 5-second token is not renewed on
/// every request.
const RENEW_SHARE: f64 = 0.1;
/// Wait budget for 429/503 from the token endpoint until a sender supplies its own.
const DEFAULT_DEADLINE: Duration = Duration::from_secs(300);
/// The token endpoint's answer is a small JSON object.
const MAX_TOKEN_RESPONSE: usize = 64 * 1024;

/// Credentials for a run. `Clone` shares the cache.
#[derive(Clone)]
pub struct AuthSession {
    inner: Arc<Inner>,
}

struct Inner {
    kind: Kind,
    pacer: Mutex<Pacer>,
    cache: Mutex<Option<Cached>>,
    /// Held while fetching, so only one fetch runs at a time.
    fetching: tokio::sync::Mutex<()>,
    /// Every secret value used so far, for the redactor.
    secrets: Mutex<Vec<Secret>>,
}

enum Kind {
    Static(Secret),
    OAuth(Box<OAuth>),
}

struct OAuth {
    token_url: String,
    client_id: String,
    scope: Option<String>,
    client: Client,
}

enum Client {
    Secret {
        post: bool,
        secret: Secret,
        from: SecretSource,
    },
    Jwt {
        key: Box<SigningKey>,
        certificate: Certificate,
        alg: crate::auth::AssertionAlg,
        audience: String,
        subject: String,
    },
}

#[derive(Clone)]
struct Cached {
    token: Secret,
    renew_at: Option<Instant>,
}

impl fmt::Debug for AuthSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.inner.kind {
            Kind::Static(_) => "static bearer".to_string(),
            Kind::OAuth(o) => format!(
                "OAuth client {} at {} ({})",
                o.client_id,
                o.token_url,
                match &o.client {
                    Client::Secret { post: false, .. } => "client_secret_basic",
                    Client::Secret { post: true, .. } => "client_secret_post",
                    Client::Jwt { .. } => "private_key_jwt",
                }
            ),
        };
        let cached = self.cache().is_some();
        f.debug_struct("AuthSession")
            .field("kind", &kind)
            .field("token", &if cached { "<redacted>" } else { "none yet" })
            .finish()
    }
}

impl AuthSession {
    /// Reads the profile's secrets now (so a missing variable is reported before the first
    /// request) and prepares the token requests. `private_key_jwt` signs with `client`'s
    /// certificate key. A profile with neither `bearer` nor `oauth` is an error: it would
    /// authenticate nothing.
    pub fn new(
        profile: &Profile,
        client: HttpClient,
        limiter: Limiter,
    ) -> Result<AuthSession, RunError> {
        let mut secrets = Vec::new();
        if let Some(password) = profile
            .client_cert
            .as_ref()
            .and_then(|c| c.password.as_ref())
        {
            secrets.push(password.read("the password of the client certificate")?);
        }
        let kind = match (&profile.bearer, &profile.oauth) {
            (Some(source), _) => {
                let token = source.read("the profile's bearer token")?;
                secrets.push(token.clone());
                Kind::Static(token)
            }
            (None, Some(oauth)) => {
                let o = oauth_setup(oauth, &client)?;
                if let Client::Secret { secret, .. } = &o.client {
                    secrets.push(secret.clone());
                    secrets.push(crate::auth::basic_authorization(&o.client_id, secret));
                }
                Kind::OAuth(Box::new(o))
            }
            (None, None) => {
                return Err(RunError::Profile(
                    "the profile has neither `bearer` nor [oauth]: nothing to authenticate with"
                        .into(),
                ));
            }
        };
        let pacer = Pacer {
            client,
            limiter,
            deadline: DEFAULT_DEADLINE,
            on_event: Arc::new(|_| {}),
        };
        Ok(AuthSession {
            inner: Arc::new(Inner {
                kind,
                pacer: Mutex::new(pacer),
                cache: Mutex::new(None),
                fetching: tokio::sync::Mutex::new(()),
                secrets: Mutex::new(secrets),
            }),
        })
    }

    /// A session that sends one known token (the embedded mock's, which kontrakt made up).
    pub fn bearer(token: Secret, client: HttpClient, limiter: Limiter) -> AuthSession {
        AuthSession {
            inner: Arc::new(Inner {
                kind: Kind::Static(token.clone()),
                pacer: Mutex::new(Pacer {
                    client,
                    limiter,
                    deadline: DEFAULT_DEADLINE,
                    on_event: Arc::new(|_| {}),
                }),
                cache: Mutex::new(None),
                fetching: tokio::sync::Mutex::new(()),
                secrets: Mutex::new(vec![token]),
            }),
        }
    }

    /// The current access token, fetched or renewed first when needed.
    pub async fn token(&self) -> Result<Secret, RunError> {
        let oauth = match &self.inner.kind {
            Kind::Static(token) => return Ok(token.clone()),
            Kind::OAuth(o) => o,
        };
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        let _guard = self.inner.fetching.lock().await;
        // Someone else may have fetched while we waited for the lock.
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        let (token, expires_in) = self.fetch(oauth).await?;
        let renew_at = expires_in.map(|secs| {
            let lifetime = Duration::from_secs(secs);
            let margin = RENEW_MARGIN.min(lifetime.mul_f64(RENEW_SHARE));
            Instant::now() + lifetime - margin
        });
        *self.inner.cache.lock().unwrap_or_else(|e| e.into_inner()) = Some(Cached {
            token: token.clone(),
            renew_at,
        });
        self.remember(token.clone());
        let on_event = self.pacer().on_event;
        on_event(Event::TokenFetched { expires_in });
        Ok(token)
    }

    /// Forgets the cached token: the next [`AuthSession::token`] fetches a new one.
    pub fn invalidate(&self) {
        *self.inner.cache.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// Forgets the cached token only if it is still `token`, so that workers which all saw a
    /// 401 for the same token cause one renewal, not one each.
    pub(crate) fn invalidate_if(&self, token: &Secret) {
        let mut cache = self.inner.cache.lock().unwrap_or_else(|e| e.into_inner());
        if cache.as_ref().is_some_and(|c| &c.token == token) {
            *cache = None;
        }
    }

    /// Whether a new token can be had (not for a static bearer).
    pub fn renewable(&self) -> bool {
        matches!(self.inner.kind, Kind::OAuth(_))
    }

    /// A token shaped like the real one (a JWT keeps its header and claims and gets a wrong
    /// signature) that no server issued.
    pub fn invalid_token(&self) -> String {
        let current = match &self.inner.kind {
            Kind::Static(t) => Some(t.clone()),
            Kind::OAuth(_) => self.cache().map(|c| c.token),
        };
        invalid_like(current.as_ref().map(Secret::expose))
    }

    /// Every secret value used so far.
    pub fn secrets(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .inner
            .secrets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|s| s.expose().to_string())
            .collect();
        out.sort();
        out.dedup();
        out
    }

    pub(crate) fn set_pacer(&self, pacer: Pacer) {
        *self.inner.pacer.lock().unwrap_or_else(|e| e.into_inner()) = pacer;
    }

    fn pacer(&self) -> Pacer {
        self.inner
            .pacer
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn cache(&self) -> Option<Cached> {
        self.inner
            .cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn fresh(&self) -> Option<Secret> {
        self.cache()
            .filter(|c| c.renew_at.is_none_or(|at| Instant::now() < at))
            .map(|c| c.token)
    }

    fn remember(&self, secret: Secret) {
        let mut secrets = self.inner.secrets.lock().unwrap_or_else(|e| e.into_inner());
        // A long run renews often; keep the list from growing without bound.
        if secrets.len() > 1000 {
            secrets.drain(..500);
        }
        secrets.push(secret);
    }

    async fn fetch(&self, o: &OAuth) -> Result<(Secret, Option<u64>), RunError> {
        let assertion;
        let auth = match &o.client {
            Client::Secret {
                post: false,
                secret,
                ..
            } => ClientAuth::SecretBasic {
                client_id: &o.client_id,
                secret,
            },
            Client::Secret {
                post: true, secret, ..
            } => ClientAuth::SecretPost {
                client_id: &o.client_id,
                secret,
            },
            Client::Jwt {
                key,
                certificate,
                alg,
                audience,
                ..
            } => {
                let mut params = AssertionParams::new(&o.client_id, audience, unix_now())
                    .with_certificate(certificate);
                params.alg = Some(*alg);
                assertion = client_assertion(key, &params).map_err(|e| RunError::Assertion {
                    detail: e.to_string(),
                })?;
                self.remember(assertion.clone());
                ClientAuth::PrivateKeyJwt {
                    client_id: Some(&o.client_id),
                    assertion: &assertion,
                }
            }
        };
        let form = client_credentials_request(auth, o.scope.as_deref());
        let mut headers = vec![
            ("Content-Type".to_string(), FORM_CONTENT_TYPE.to_string()),
            ("Accept".to_string(), "application/json".to_string()),
        ];
        if let Some(a) = &form.authorization {
            headers.push(("Authorization".into(), a.expose().to_string()));
        }
        let request = Request {
            method: "POST".into(),
            url: o.token_url.clone(),
            headers,
            body: form.body.expose().as_bytes().to_vec(),
        };
        let pacer = self.pacer();
        let response = match pacer.send(&request, "check token_url").await? {
            Ok(r) => r,
            Err(e) => {
                return Err(RunError::TokenResponse {
                    url: o.token_url.clone(),
                    detail: format!("did not answer: {e}"),
                });
            }
        };
        let body: Option<serde_json::Value> = if response.body.len() <= MAX_TOKEN_RESPONSE {
            serde_json::from_slice(&response.body).ok()
        } else {
            None
        };
        if response.status != 200 {
            let error = body
                .as_ref()
                .and_then(|b| b.get("error"))
                .and_then(serde_json::Value::as_str)
                .filter(|e| e.len() < 64 && e.bytes().all(|b| b.is_ascii_graphic()))
                .map(str::to_string);
            if (400..500).contains(&response.status) {
                return Err(RunError::TokenRefused {
                    url: o.token_url.clone(),
                    status: response.status,
                    hint: refusal_hint(o, error.as_deref()),
                    error,
                });
            }
            return Err(RunError::TokenResponse {
                url: o.token_url.clone(),
                detail: format!("answered {}", response.status),
            });
        }
        let Some(body) = body else {
            return Err(RunError::TokenResponse {
                url: o.token_url.clone(),
                detail: "answered 200 without a JSON body".into(),
            });
        };
        let Some(token) = body
            .get("access_token")
            .and_then(serde_json::Value::as_str)
            .filter(|t| !t.is_empty())
        else {
            return Err(RunError::TokenResponse {
                url: o.token_url.clone(),
                detail: "answered 200 without an access_token".into(),
            });
        };
        if let Some(kind) = body.get("token_type").and_then(serde_json::Value::as_str)
            && !kind.eq_ignore_ascii_case("bearer")
        {
            return Err(RunError::TokenResponse {
                url: o.token_url.clone(),
                detail: format!("issued a `{kind}` token; kontrakt sends Bearer tokens"),
            });
        }
        let expires_in = match body.get("expires_in") {
            Some(serde_json::Value::Number(n)) => n.as_u64(),
            Some(serde_json::Value::String(s)) => s.parse().ok(),
            _ => None,
        };
        Ok((Secret::new(token), expires_in))
    }
}

fn oauth_setup(o: &OAuthProfile, client: &HttpClient) -> Result<OAuth, RunError> {
    let c = match o.method {
        ClientMethod::Basic | ClientMethod::Post => {
            let Some(from) = &o.secret else {
                return Err(RunError::Profile(format!(
                    "{} needs `secret` in [oauth]",
                    o.method.as_str()
                )));
            };
            Client::Secret {
                post: o.method == ClientMethod::Post,
                secret: from.read(&format!("the client secret of {}", o.client_id))?,
                from: from.clone(),
            }
        }
        ClientMethod::PrivateKeyJwt => {
            let Some(identity) = client.identity() else {
                return Err(RunError::Profile(
                    "private_key_jwt signs with the client certificate's key: configure client_cert"
                        .into(),
                ));
            };
            let key = SigningKey::from_pem(identity.key_pem().as_bytes()).map_err(|e| {
                RunError::Assertion {
                    detail: e.to_string(),
                }
            })?;
            let certificate =
                Certificate::from_der(identity.leaf()).map_err(|e| RunError::Assertion {
                    detail: e.to_string(),
                })?;
            Client::Jwt {
                key: Box::new(key),
                certificate,
                alg: o.assertion_alg,
                audience: o.audience.clone().unwrap_or_else(|| o.token_url.clone()),
                subject: identity.subject(),
            }
        }
    };
    Ok(OAuth {
        token_url: o.token_url.clone(),
        client_id: o.client_id.clone(),
        scope: o.scope.clone(),
        client: c,
    })
}

fn refusal_hint(o: &OAuth, error: Option<&str>) -> String {
    match (error, &o.client) {
        (Some("invalid_scope"), _) => format!(
            "check scope ({}) against what client {} may ask for",
            o.scope.as_deref().unwrap_or("none asked"),
            o.client_id
        ),
        (Some("unauthorized_client"), _) => format!(
            "client {} may not use client_credentials — check its registration",
            o.client_id
        ),
        (_, Client::Secret { from, .. }) => {
            format!("check client_id and the secret in {from}")
        }
        (
            _,
            Client::Jwt {
                subject, audience, ..
            },
        ) => format!(
            "check client_id, that the certificate ({subject}) is registered for it, and that the token endpoint accepts the audience {audience} and assertion_alg"
        ),
    }
}

/// A bearer token of the same shape as `like` (or a random 43-character one): a JWT keeps its
/// header and claims and gets a wrong signature, anything else has every letter and digit
/// replaced, so a server that only checks the format lets it through and one that checks the
/// token refuses it.
pub fn invalid_like(like: Option<&str>) -> String {
    let mut rng = rand::rng();
    let mut scramble = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_digit() {
                    char::from(b'0' + rng.random_range(0..10u8))
                } else if c.is_ascii_lowercase() {
                    char::from(b'a' + rng.random_range(0..26u8))
                } else if c.is_ascii_uppercase() {
                    char::from(b'A' + rng.random_range(0..26u8))
                } else {
                    c
                }
            })
            .collect()
    };
    let Some(like) = like.filter(|l| !l.is_empty()) else {
        let mut bytes = [0u8; 32];
        rand::rng().fill(&mut bytes);
        return URL_SAFE_NO_PAD.encode(bytes);
    };
    let parts: Vec<&str> = like.split('.').collect();
    if let [header, claims, signature] = parts[..]
        && header.starts_with("eyJ")
    {
        let mut out = format!("{header}.{claims}.{}", scramble(signature));
        if out == like {
            out.push('x');
        }
        return out;
    }
    let mut out = scramble(like);
    // A token without letters or digits (vanishingly unlikely) must still change.
    if out == like {
        out.push('x');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_tokens_keep_the_shape() {
        let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";
        let bad = invalid_like(Some(jwt));
        assert_ne!(bad, jwt);
        assert!(bad.starts_with("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0."));
        assert_eq!(bad.len(), jwt.len());
        let opaque = "tok_ABC-123";
        let bad = invalid_like(Some(opaque));
        assert_ne!(bad, opaque);
        assert_eq!(bad.len(), opaque.len());
        assert!(bad.starts_with(|c: char| c.is_ascii_lowercase()) && bad.contains('-'));
        let fresh = invalid_like(None);
        assert_eq!(fresh.len(), 43);
    }
}
