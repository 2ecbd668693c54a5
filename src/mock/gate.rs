//! The test environment's gatekeeping in the mock: the OAuth2 token endpoint, and whether a
//! request's credentials satisfy its operation's security requirements (RFC 6750 answers:
//! 401 with `WWW-Authenticate`, 403 on a missing scope). The decisions are `auth`'s; this file
//! carries HTTP to and from them.

use std::sync::OnceLock;

use hyper::body::Incoming;
use hyper::{HeaderMap, Response};

use super::app::OpEntry;
use super::http::{self, Body, header};
use super::problem::Problem;
use super::server::{Conn, Mock};
use crate::auth::{
    AuthConfig, Credentials, IssuerConfig, Secret, SecuritySchemes, TokenIssuer, TokenRequest,
    authorize, cookie_value, unix_now,
};

pub struct Gate {
    pub enforce: bool,
    pub token_path: String,
    /// Clients, static tokens and lifetimes; the issuer is built from it once the mock's own
    /// address (the assertions' audience) is known.
    config: AuthConfig,
    issuer: OnceLock<TokenIssuer>,
    /// The security schemes of each served spec, by spec index.
    schemes: Vec<SecuritySchemes>,
}

impl Gate {
    pub fn new(
        enforce: bool,
        token_path: String,
        mut config: AuthConfig,
        tokens: &[String],
        schemes: Vec<SecuritySchemes>,
    ) -> Gate {
        config
            .static_tokens
            .extend(tokens.iter().map(|t| Secret::from(t.as_str())));
        Gate {
            enforce,
            token_path,
            config,
            issuer: OnceLock::new(),
            schemes,
        }
    }

    /// Builds the token issuer for a mock listening at `base_url` (`http://127.0.0.1:4010`).
    pub fn bind(&self, base_url: &str) -> Result<(), String> {
        let mut audiences = vec![
            format!("{base_url}{}", self.token_path),
            base_url.to_string(),
        ];
        if let Some(local) = base_url.strip_prefix("http://127.0.0.1:") {
            audiences.push(format!("http://localhost:{local}{}", self.token_path));
        }
        if let Some(local) = base_url.strip_prefix("https://127.0.0.1:") {
            audiences.push(format!("https://localhost:{local}{}", self.token_path));
        }
        audiences.extend(self.config.audiences.iter().cloned());
        let issuer = TokenIssuer::new(IssuerConfig {
            audiences,
            token_lifetime: self.config.token_lifetime,
            clients: self.config.clients.clone(),
            static_tokens: self.config.static_tokens.clone(),
        })
        .map_err(|e| format!("the auth configuration cannot be used: {e}"))?;
        let _ = self.issuer.set(issuer);
        Ok(())
    }

    fn issuer(&self) -> Option<&TokenIssuer> {
        self.issuer.get()
    }

    pub fn is_token_endpoint(&self, path: &str) -> bool {
        !self.token_path.is_empty() && path == self.token_path
    }

    /// The token endpoint (RFC 6749 §3.2): POST with a form body; answers are never cached.
    pub async fn token(
        &self,
        mock: &Mock,
        method: &str,
        headers: &HeaderMap,
        body: Incoming,
        conn: &Conn,
    ) -> Response<Body> {
        let no_store = [
            ("Cache-Control".to_string(), "no-store".to_string()),
            ("Pragma".to_string(), "no-cache".to_string()),
        ];
        if method != "POST" {
            let mut h = no_store.to_vec();
            h.push(("Allow".into(), "POST".into()));
            let p = Problem::new(
                405,
                "method-not-allowed",
                "Method Not Allowed",
                "the token endpoint takes POST",
            );
            return super::handler::problem(mock, None, p, h);
        }
        let Some(issuer) = self.issuer() else {
            let p = Problem::new(
                503,
                "not-ready",
                "Service Unavailable",
                "the token endpoint is not bound yet",
            );
            return super::handler::problem(mock, None, p, no_store.to_vec());
        };
        let bytes = match http::read_body(body, headers, 64 * 1024, mock.options.body_timeout).await
        {
            Ok(b) => b,
            Err(p) => return super::handler::problem(mock, None, p, no_store.to_vec()),
        };
        let request = TokenRequest {
            authorization: headers.get("authorization").map(|v| v.as_bytes()),
            content_type: headers.get("content-type").map(|v| v.as_bytes()),
            body: &bytes,
            client_certificate: conn.client_certs.first().map(|c| c.as_ref()),
            now: unix_now(),
        };
        let mut h = no_store.to_vec();
        h.push(("Content-Type".into(), "application/json".into()));
        match issuer.token(&request) {
            Ok(token) => http::response(200, &h, Body::bytes(token.to_json())),
            Err(e) => {
                if let Some(w) = &e.www_authenticate {
                    h.push(("WWW-Authenticate".into(), w.clone()));
                }
                http::response(e.status, &h, Body::bytes(e.to_json()))
            }
        }
    }

    /// A name for the caller, for rate limiting: the token's client, else the certificate,
    /// else the address. Unknown tokens count against the address, so inventing tokens does
    /// not buy a fresh quota.
    pub fn identify(&self, headers: &HeaderMap, conn: &Conn) -> String {
        if let (Some(issuer), Some(token)) = (
            self.issuer(),
            header(headers, "authorization").and_then(bearer_token),
        ) && let Ok(grant) = issuer.introspect(token.as_bytes(), unix_now())
        {
            return match grant.client_id {
                Some(id) => format!("client:{id}"),
                None => "static-token".to_string(),
            };
        }
        if let Some(cert) = conn.client_certs.first() {
            return format!(
                "cert:{}",
                crate::auth::Certificate::from_der(cert.as_ref())
                    .map(|c| c.thumbprint_b64())
                    .unwrap_or_default()
            );
        }
        format!("ip:{}", conn.peer.ip())
    }

    /// Whether the request may call `op`; a refusal carries the RFC 6750 status and headers.
    #[expect(
        clippy::result_large_err,
        reason = "refusals are rare and answered at once"
    )]
    pub fn authorize(
        &self,
        op: &OpEntry,
        headers: &HeaderMap,
        query: &str,
        conn: &Conn,
    ) -> Result<(), (Problem, Vec<(String, String)>)> {
        if !self.enforce || op.security.is_empty() {
            return Ok(());
        }
        let Some(issuer) = self.issuer() else {
            return Ok(());
        };
        let credentials = HttpCredentials {
            headers,
            query: if query.is_empty() {
                Vec::new()
            } else {
                super::params::query_pairs(query)
            },
            cert: conn.client_certs.first().map(|c| c.as_ref()),
        };
        let schemes = &self.schemes[op.spec];
        match authorize(issuer, schemes, &op.security, &credentials, unix_now()) {
            Ok(_) => Ok(()),
            Err(refusal) => {
                let (kind, title) = if refusal.status == 403 {
                    ("forbidden", "Forbidden")
                } else {
                    ("unauthorized", "Unauthorized")
                };
                Err((
                    Problem::new(refusal.status, kind, title, refusal.description.clone()),
                    vec![("WWW-Authenticate".into(), refusal.www_authenticate.clone())],
                ))
            }
        }
    }
}

fn bearer_token(authorization: &str) -> Option<&str> {
    let (scheme, token) = authorization.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// A request's credentials as `auth` asks for them.
struct HttpCredentials<'a> {
    headers: &'a HeaderMap,
    query: Vec<(String, String)>,
    cert: Option<&'a [u8]>,
}

impl Credentials for HttpCredentials<'_> {
    fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers.get(name).map(|v| v.as_bytes())
    }

    fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn cookie(&self, name: &str) -> Option<&str> {
        self.headers
            .get_all("cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|h| cookie_value(h, name))
    }

    fn client_certificate(&self) -> Option<&[u8]> {
        self.cert
    }
}
