//! Deciding whether a request may call a secured operation, and how to say no (RFC 6750).
//!
//! An operation's `security` is a list of alternatives (any one suffices), each a set of
//! schemes that must all be satisfied, each with the scopes it needs. The mock calls
//! [`authorize`] with the request's credentials and gets either the grant that let the request
//! in or a refusal carrying the status, the `WWW-Authenticate` challenge and, per alternative,
//! what failed — so it can answer like the real gateway: 401 without credentials, 401
//! `invalid_token` for a bad one, 403 `insufficient_scope` for a good one that is not enough.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};

use super::cert::thumbprint_of;
use super::issuer::{Grant, REALM, TokenIssuer, TokenProblem};
use super::scheme::{ApiKeyIn, SchemeKind, SecuritySchemes};
use crate::spec::model::SecurityRequirement;

/// Read access to the credentials a request carries. The mock implements it over its parsed
/// request; [`RequestCredentials`] is a plain implementation for tests and tools.
pub trait Credentials {
    /// A header's value; `name` is matched case-insensitively.
    fn header(&self, name: &str) -> Option<&[u8]>;
    /// A query parameter's decoded value.
    fn query(&self, name: &str) -> Option<&str>;
    /// A cookie's value.
    fn cookie(&self, name: &str) -> Option<&str>;
    /// DER of the client certificate the TLS layer verified.
    fn client_certificate(&self) -> Option<&[u8]>;
}

/// Owned credentials. `Debug` names what is present but prints no values.
#[derive(Clone, Default)]
pub struct RequestCredentials {
    headers: Vec<(String, Vec<u8>)>,
    query: Vec<(String, String)>,
    client_certificate: Option<Vec<u8>>,
}

impl fmt::Debug for RequestCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestCredentials")
            .field(
                "headers",
                &self.headers.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            )
            .field(
                "query",
                &self.query.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            )
            .field("client_certificate", &self.client_certificate.is_some())
            .finish()
    }
}

impl RequestCredentials {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn header(mut self, name: &str, value: impl Into<Vec<u8>>) -> Self {
        self.headers.push((name.to_ascii_lowercase(), value.into()));
        self
    }

    pub fn bearer(self, token: &str) -> Self {
        self.header("authorization", format!("Bearer {token}"))
    }

    /// Adds the parameters of a raw query string (`a=1&b=2`, form-decoded).
    pub fn query_string(mut self, query: &str) -> Self {
        self.query.extend(
            form_urlencoded::parse(query.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())),
        );
        self
    }

    pub fn client_certificate(mut self, der: impl Into<Vec<u8>>) -> Self {
        self.client_certificate = Some(der.into());
        self
    }
}

impl Credentials for RequestCredentials {
    fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
    }

    fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn cookie(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n == "cookie")
            .find_map(|(_, v)| cookie_value(std::str::from_utf8(v).ok()?, name))
    }

    fn client_certificate(&self) -> Option<&[u8]> {
        self.client_certificate.as_deref()
    }
}

/// The value of cookie `name` in a `Cookie` header (RFC 6265 §4.2: `a=1; b=2`).
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|pair| {
        let (n, v) = pair.trim().split_once('=')?;
        (n.trim() == name).then(|| v.trim().trim_matches('"'))
    })
}

/// The request may proceed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    /// Which alternative was satisfied; `None` when the operation has no requirements.
    pub alternative: Option<usize>,
    /// Whose credentials: `None` for anonymous access (an empty alternative, an open
    /// operation) or a client certificate that belongs to no registered client.
    pub grant: Option<Grant>,
}

/// Why one scheme of an alternative was not satisfied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The request carries no credential of this scheme's kind.
    Missing,
    /// A credential is present but worthless: unknown, expired or malformed token, wrong
    /// secret, unknown API key.
    Invalid(String),
    /// A certificate-bound token (RFC 8705) without its certificate or with another one.
    CertificateMismatch(String),
    /// Valid credentials lacking these of the required scopes.
    InsufficientScope { required: Vec<String> },
    /// The mock cannot check this scheme (undefined, or an HTTP scheme such as digest).
    Unsupported(String),
}

/// One scheme's failure inside an alternative.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemeFailure {
    pub scheme: String,
    pub failure: Failure,
}

/// One alternative that failed, with every scheme of it that failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlternativeFailure {
    pub index: usize,
    pub failures: Vec<SchemeFailure>,
}

/// The request is refused. `status`, `www_authenticate`, `error` and `description` are the
/// answer chosen by RFC 6750's rules; `alternatives` has the detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// 401 or 403.
    pub status: u16,
    /// The `WWW-Authenticate` header value.
    pub www_authenticate: String,
    /// `invalid_token` or `insufficient_scope`; `None` when credentials are simply missing
    /// (RFC 6750 §3.1: no error code then).
    pub error: Option<&'static str>,
    pub description: String,
    pub alternatives: Vec<AlternativeFailure>,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.status)?;
        if let Some(e) = self.error {
            write!(f, " {e}")?;
        }
        write!(f, ": {}", self.description)
    }
}

impl std::error::Error for Refusal {}

/// Decides one request against an operation's security requirements.
///
/// `requirements` follows the model: empty = open; an alternative with no schemes = anonymous
/// access allowed. A satisfied alternative with a grant is preferred over an anonymous one, so
/// the mock learns who is calling whenever it can.
pub fn authorize(
    issuer: &TokenIssuer,
    schemes: &SecuritySchemes,
    requirements: &[SecurityRequirement],
    credentials: &dyn Credentials,
    now: u64,
) -> Result<Access, Refusal> {
    if requirements.is_empty() {
        return Ok(Access {
            alternative: None,
            grant: None,
        });
    }
    let mut anonymous: Option<usize> = None;
    let mut failed = Vec::new();
    for (index, requirement) in requirements.iter().enumerate() {
        let mut grant = None;
        let mut failures = Vec::new();
        for (name, scopes) in &requirement.schemes {
            match check_scheme(issuer, schemes, name, scopes, credentials, now) {
                Ok(g) => grant = grant.or(g),
                Err(failure) => failures.push(SchemeFailure {
                    scheme: name.clone(),
                    failure,
                }),
            }
        }
        if failures.is_empty() {
            match grant {
                Some(grant) => {
                    return Ok(Access {
                        alternative: Some(index),
                        grant: Some(grant),
                    });
                }
                None => {
                    anonymous.get_or_insert(index);
                }
            }
        } else {
            failed.push(AlternativeFailure { index, failures });
        }
    }
    if let Some(index) = anonymous {
        return Ok(Access {
            alternative: Some(index),
            grant: None,
        });
    }
    Err(refusal(schemes, failed))
}

fn check_scheme(
    issuer: &TokenIssuer,
    schemes: &SecuritySchemes,
    name: &str,
    scopes: &[String],
    credentials: &dyn Credentials,
    now: u64,
) -> Result<Option<Grant>, Failure> {
    let Some(kind) = schemes.get(name) else {
        return Err(Failure::Unsupported(format!(
            "security scheme `{name}` is not defined in components.securitySchemes"
        )));
    };
    let grant = match kind {
        SchemeKind::HttpBearer | SchemeKind::OAuth2 | SchemeKind::OpenIdConnect => {
            let Some(token) = authorization_param(credentials, "bearer") else {
                return Err(Failure::Missing);
            };
            if !is_b64token(token) {
                return Err(Failure::Invalid(
                    "the bearer token is malformed (RFC 6750 §2.1 b64token)".into(),
                ));
            }
            token_grant(issuer, token.as_bytes(), credentials, now)?
        }
        SchemeKind::HttpBasic => {
            let Some(encoded) = authorization_param(credentials, "basic") else {
                return Err(Failure::Missing);
            };
            let (id, secret) = decode_basic(encoded)
                .ok_or_else(|| Failure::Invalid("malformed Basic credentials".into()))?;
            issuer
                .authenticate_secret(&id, secret.as_bytes(), now)
                .ok_or_else(|| Failure::Invalid("wrong client id or secret".into()))?
        }
        SchemeKind::ApiKey { location, name } => {
            let value = match location {
                ApiKeyIn::Header => credentials.header(name),
                ApiKeyIn::Query => credentials.query(name).map(str::as_bytes),
                ApiKeyIn::Cookie => credentials.cookie(name).map(str::as_bytes),
            };
            let Some(value) = value.filter(|v| !v.is_empty()) else {
                return Err(Failure::Missing);
            };
            token_grant(issuer, value, credentials, now).map_err(|f| match f {
                Failure::Invalid(_) => Failure::Invalid("unknown or expired API key".into()),
                other => other,
            })?
        }
        SchemeKind::MutualTls => {
            let Some(der) = credentials.client_certificate() else {
                return Err(Failure::Missing);
            };
            // The TLS layer verified the certificate; a registered client's certificate
            // also says who is calling, any other verified one is an anonymous caller.
            match issuer.client_for_certificate(der) {
                Some(grant) => grant,
                None => return Ok(None),
            }
        }
        SchemeKind::HttpOther(scheme) => {
            return Err(Failure::Unsupported(format!(
                "HTTP authentication scheme `{scheme}` is not supported by the mock"
            )));
        }
    };
    let required: Vec<String> = scopes.to_vec();
    if required.iter().any(|s| !grant.has_scope(s)) {
        return Err(Failure::InsufficientScope { required });
    }
    Ok(Some(grant))
}

/// A token's grant, with RFC 8705 binding checked.
fn token_grant(
    issuer: &TokenIssuer,
    token: &[u8],
    credentials: &dyn Credentials,
    now: u64,
) -> Result<Grant, Failure> {
    let grant = issuer.introspect(token, now).map_err(|p| {
        Failure::Invalid(match p {
            TokenProblem::Unknown => "the access token is unknown".to_string(),
            TokenProblem::Expired => "the access token has expired".to_string(),
        })
    })?;
    if let Some(bound) = grant.certificate_thumbprint {
        match credentials.client_certificate() {
            None => {
                return Err(Failure::CertificateMismatch(
                    "the token is bound to a client certificate, but none was presented".into(),
                ));
            }
            Some(der) if thumbprint_of(der) != bound => {
                return Err(Failure::CertificateMismatch(
                    "the token is bound to another client certificate".into(),
                ));
            }
            Some(_) => {}
        }
    }
    Ok(grant)
}

/// The credentials after `<scheme> ` in the Authorization header, if it uses that scheme.
fn authorization_param<'a>(credentials: &'a dyn Credentials, scheme: &str) -> Option<&'a str> {
    let value = std::str::from_utf8(credentials.header("authorization")?).ok()?;
    let value = value.trim();
    let (s, rest) = value.split_once(' ').unwrap_or((value, ""));
    s.eq_ignore_ascii_case(scheme).then(|| rest.trim())
}

/// RFC 6750 §2.1: `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
fn is_b64token(token: &str) -> bool {
    let body = token.trim_end_matches('=');
    !body.is_empty()
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b))
}

/// RFC 7617 Basic credentials for an API call (no form-urlencoding, unlike the token endpoint).
fn decode_basic(encoded: &str) -> Option<(String, String)> {
    let bytes = STANDARD
        .decode(encoded)
        .or_else(|_| STANDARD_NO_PAD.decode(encoded))
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_string(), secret.to_string()))
}

/// Picks the answer: a presented but bad credential (401 `invalid_token`) tells the client
/// most, then missing credentials (401, no error code), then insufficient scope (403).
fn refusal(schemes: &SecuritySchemes, alternatives: Vec<AlternativeFailure>) -> Refusal {
    let all = || alternatives.iter().flat_map(|a| a.failures.iter());
    let bearer_involved = all().any(|f| {
        schemes
            .get(&f.scheme)
            .is_some_and(SchemeKind::takes_bearer_token)
    });
    let basic_involved = all().any(|f| schemes.get(&f.scheme) == Some(&SchemeKind::HttpBasic));

    let invalid = all().find_map(|f| match &f.failure {
        Failure::Invalid(msg) | Failure::CertificateMismatch(msg) => Some((f, msg)),
        _ => None,
    });
    let missing = all().find(|f| f.failure == Failure::Missing);
    let scope = all().find_map(|f| match &f.failure {
        Failure::InsufficientScope { required } => Some((f, required)),
        _ => None,
    });

    let (status, error, description, scope_param, chosen) = if let Some((f, msg)) = invalid {
        (401, Some("invalid_token"), msg.clone(), None, Some(f))
    } else if let Some(f) = missing {
        let description = format!("credentials for `{}` are required", f.scheme);
        (401, None, description, None, Some(f))
    } else if let Some((f, required)) = scope {
        (
            403,
            Some("insufficient_scope"),
            format!("the token lacks a required scope: {}", required.join(" ")),
            Some(required.join(" ")),
            Some(f),
        )
    } else {
        let msg = all()
            .find_map(|f| match &f.failure {
                Failure::Unsupported(m) => Some(m.clone()),
                _ => None,
            })
            .unwrap_or_else(|| "no security alternative is satisfied".to_string());
        (401, None, msg, None, None)
    };

    // Error parameters belong to the Bearer challenge (RFC 6750 §3); Basic defines none
    // (RFC 7617), so a Basic failure leaves the Bearer challenge bare.
    let chosen_is_basic =
        chosen.is_some_and(|f| schemes.get(&f.scheme) == Some(&SchemeKind::HttpBasic));
    let bearer_error = error.filter(|_| !chosen_is_basic);
    let mut challenges = Vec::new();
    if bearer_involved || !basic_involved {
        let mut c = format!("Bearer realm=\"{REALM}\"");
        if let Some(e) = bearer_error {
            c.push_str(&format!(
                ", error=\"{e}\", error_description=\"{}\"",
                quoted_safe(&description)
            ));
            if let Some(s) = &scope_param {
                c.push_str(&format!(", scope=\"{}\"", quoted_safe(s)));
            }
        }
        challenges.push(c);
    }
    if basic_involved {
        challenges.push(format!("Basic realm=\"{REALM}\""));
    }
    Refusal {
        status,
        www_authenticate: challenges.join(", "),
        error,
        description,
        alternatives,
    }
}

/// RFC 6750 §3: `error_description` and `scope` may hold only %x20-21 / %x23-5B / %x5D-7E.
fn quoted_safe(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '"' => '\'',
            '\\' => '/',
            c if (' '..='~').contains(&c) => c,
            _ => '?',
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_header_parsing() {
        assert_eq!(cookie_value("a=1; key=abc; b=2", "key"), Some("abc"));
        assert_eq!(cookie_value("a=1;key=\"q\"", "key"), Some("q"));
        assert_eq!(cookie_value("a=1", "key"), None);
        assert_eq!(cookie_value("garbage", "key"), None);
    }

    #[test]
    fn b64token_syntax() {
        assert!(is_b64token("abc-._~+/=="));
        assert!(!is_b64token(""));
        assert!(!is_b64token("=="));
        assert!(!is_b64token("a b"));
        assert!(!is_b64token("a\"b"));
    }

    #[test]
    fn quoted_values_are_made_safe() {
        assert_eq!(quoted_safe("a\"b\\c\u{e6}"), "a'b/c?");
    }
}
