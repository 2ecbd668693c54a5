//! RFC 7523 client assertions: the signed JWT a client sends instead of a client secret.
//!
//! Skifteportalen clients authenticate with an OCES3 key (domain.md §5.2, variant B). The test
//! runner needs to produce such assertions, and the mock's tests need good and deliberately bad
//! ones, so building them lives here, next to the verifier in [`crate::auth::issuer`].

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rand::RngCore;
use serde::Serialize;

use super::cert::{Certificate, KeyKind, thumbprint_of};
use super::secret::Secret;

/// The `client_assertion_type` value for a JWT client assertion (RFC 7523 §2.2).
pub const JWT_BEARER_ASSERTION_TYPE: &str =
    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Default assertion lifetime: long enough for clock drift, short enough that a stolen assertion
/// is soon useless (domain.md §5.2 recommends 60–120 s).
pub const DEFAULT_ASSERTION_LIFETIME: u64 = 120;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssertionError {
    #[error("not a PEM private key (PKCS#8 `PRIVATE KEY`, or PKCS#1 `RSA PRIVATE KEY`)")]
    UnreadableKey,
    #[error("{alg:?} needs an {needs} key, but this is an {have} key")]
    AlgorithmMismatch {
        alg: AssertionAlg,
        needs: &'static str,
        have: &'static str,
    },
    #[error("signing failed: {0}")]
    Signing(String),
}

/// The signature algorithms Skifteportalen plausibly accepts (domain.md §5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssertionAlg {
    Rs256,
    Ps256,
    Es256,
}

impl AssertionAlg {
    pub fn as_str(self) -> &'static str {
        match self {
            AssertionAlg::Rs256 => "RS256",
            AssertionAlg::Ps256 => "PS256",
            AssertionAlg::Es256 => "ES256",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "RS256" => AssertionAlg::Rs256,
            "PS256" => AssertionAlg::Ps256,
            "ES256" => AssertionAlg::Es256,
            _ => return None,
        })
    }

    pub(crate) fn jwt(self) -> Algorithm {
        match self {
            AssertionAlg::Rs256 => Algorithm::RS256,
            AssertionAlg::Ps256 => Algorithm::PS256,
            AssertionAlg::Es256 => Algorithm::ES256,
        }
    }

    pub(crate) fn key_kind(self) -> KeyKind {
        match self {
            AssertionAlg::Rs256 | AssertionAlg::Ps256 => KeyKind::Rsa,
            AssertionAlg::Es256 => KeyKind::EcP256,
        }
    }
}

fn kind_name(kind: KeyKind) -> &'static str {
    match kind {
        KeyKind::Rsa => "RSA",
        KeyKind::EcP256 => "EC P-256",
    }
}

/// A private key able to sign assertions. `Debug` shows only the key kind.
#[derive(Clone)]
pub struct SigningKey {
    kind: KeyKind,
    key: EncodingKey,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Reads a PEM private key: PKCS#8 (`PRIVATE KEY`, RSA or EC P-256) or PKCS#1
    /// (`RSA PRIVATE KEY`). The key kind comes from the key's own algorithm identifier.
    pub fn from_pem(pem: &[u8]) -> Result<Self, AssertionError> {
        // jsonwebtoken classifies PKCS#8 keys by their algorithm OID, so trying EC first
        // cannot mistake an RSA key for an EC one.
        if let Ok(key) = EncodingKey::from_ec_pem(pem) {
            return Ok(SigningKey {
                kind: KeyKind::EcP256,
                key,
            });
        }
        match EncodingKey::from_rsa_pem(pem) {
            Ok(key) => Ok(SigningKey {
                kind: KeyKind::Rsa,
                key,
            }),
            Err(_) => Err(AssertionError::UnreadableKey),
        }
    }

    pub fn kind(&self) -> KeyKind {
        self.kind
    }

    /// The algorithm used when none is asked for: ES256 for EC keys, PS256 for RSA keys (OCES3
    /// certificates are themselves RSASSA-PSS signed, domain.md §4.4).
    pub fn default_alg(&self) -> AssertionAlg {
        match self.kind {
            KeyKind::Rsa => AssertionAlg::Ps256,
            KeyKind::EcP256 => AssertionAlg::Es256,
        }
    }
}

/// What goes into one assertion. Build with [`AssertionParams::new`] and adjust the fields.
#[derive(Debug, Clone)]
pub struct AssertionParams {
    /// Becomes both `iss` and `sub`.
    pub client_id: String,
    /// The token endpoint URL (or the issuer URL).
    pub audience: String,
    /// `None`: [`SigningKey::default_alg`].
    pub alg: Option<AssertionAlg>,
    /// `iat` (unix seconds).
    pub issued_at: u64,
    /// `exp` = `iat` + lifetime.
    pub lifetime: u64,
    pub not_before: Option<u64>,
    /// `None`: 16 random bytes, base64url.
    pub jti: Option<String>,
    pub kid: Option<String>,
    /// DER of the certificate whose SHA-256 goes into the `x5t#S256` header.
    pub certificate_der: Option<Vec<u8>>,
}

impl AssertionParams {
    pub fn new(client_id: impl Into<String>, audience: impl Into<String>, now: u64) -> Self {
        AssertionParams {
            client_id: client_id.into(),
            audience: audience.into(),
            alg: None,
            issued_at: now,
            lifetime: DEFAULT_ASSERTION_LIFETIME,
            not_before: None,
            jti: None,
            kid: None,
            certificate_der: None,
        }
    }

    /// Puts the certificate's thumbprint in the header.
    pub fn with_certificate(mut self, cert: &Certificate) -> Self {
        self.certificate_der = Some(cert.der().to_vec());
        self
    }
}

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    jti: &'a str,
    iat: u64,
    exp: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    nbf: Option<u64>,
}

/// Signs a client assertion. The result is a [`Secret`]: whoever holds it can get a token.
pub fn client_assertion(
    key: &SigningKey,
    params: &AssertionParams,
) -> Result<Secret, AssertionError> {
    let alg = params.alg.unwrap_or_else(|| key.default_alg());
    if alg.key_kind() != key.kind {
        return Err(AssertionError::AlgorithmMismatch {
            alg,
            needs: kind_name(alg.key_kind()),
            have: kind_name(key.kind),
        });
    }
    let mut header = Header::new(alg.jwt());
    header.typ = Some("JWT".to_string());
    header.kid = params.kid.clone();
    header.x5t_s256 = params
        .certificate_der
        .as_deref()
        .map(|der| URL_SAFE_NO_PAD.encode(thumbprint_of(der)));
    let jti = params.jti.clone().unwrap_or_else(random_id);
    let claims = Claims {
        iss: &params.client_id,
        sub: &params.client_id,
        aud: &params.audience,
        jti: &jti,
        iat: params.issued_at,
        exp: params.issued_at.saturating_add(params.lifetime),
        nbf: params.not_before,
    };
    jsonwebtoken::encode(&header, &claims, &key.key)
        .map(Secret::new)
        .map_err(|e| AssertionError::Signing(e.to_string()))
}

/// 16 random bytes, base64url: unique enough for a `jti` without coordination.
pub(crate) fn random_id() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}
