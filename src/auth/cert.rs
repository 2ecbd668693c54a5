//! Client certificates as the token endpoint needs them: the public key, the thumbprint, the CVR.
//!
//! A registered certificate does three jobs: its key verifies `private_key_jwt` assertions,
//! its SHA-256 thumbprint (`x5t#S256`, RFC 7515 §4.1.8 / RFC 8705 §3.1) ties assertions and
//! certificate-bound tokens to it, and its OCES3 organisation identifier (`NTRDK-<CVR>`, see
//! domain.md §4.4) tells which company it belongs to. Parsing happens once, at registration,
//! so the per-request path only compares bytes.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::DecodingKey;
use sha2::{Digest, Sha256};
use x509_parser::oid_registry::{
    OID_EC_P256, OID_KEY_TYPE_EC_PUBLIC_KEY, OID_PKCS1_RSAENCRYPTION, Oid,
};
use x509_parser::prelude::{FromDer, X509Certificate};

/// Why bytes are not a usable certificate. Messages name no file: the caller adds it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertError {
    #[error("not a PEM or DER X.509 certificate: {0}")]
    Malformed(String),
    #[error("the PEM data holds no CERTIFICATE block (found {0})")]
    NoCertificateBlock(String),
    #[error(
        "unsupported public key ({0}); client assertions need an RSA or an EC P-256 certificate"
    )]
    UnsupportedKey(String),
}

/// The key family of a certificate, which decides the assertion algorithms it can verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    Rsa,
    EcP256,
}

/// A parsed X.509 certificate, reduced to what authentication needs.
#[derive(Clone)]
pub struct Certificate {
    der: Vec<u8>,
    thumbprint: [u8; 32],
    key_kind: KeyKind,
    key: DecodingKey,
    cvr: Option<String>,
    subject: String,
    not_before: i64,
    not_after: i64,
}

impl std::fmt::Debug for Certificate {
    // The DER and key are public, but thousands of bytes of them help nobody reading a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Certificate")
            .field("subject", &self.subject)
            .field("x5t#S256", &self.thumbprint_b64())
            .field("key_kind", &self.key_kind)
            .field("cvr", &self.cvr)
            .finish()
    }
}

impl Certificate {
    /// Parses the first certificate of a PEM file (other blocks, such as a key, are skipped)
    /// or a DER certificate.
    pub fn from_pem_or_der(bytes: &[u8]) -> Result<Self, CertError> {
        let trimmed = bytes.trim_ascii_start();
        if trimmed.starts_with(b"-----BEGIN") {
            let mut labels = Vec::new();
            for pem in x509_parser::pem::Pem::iter_from_buffer(bytes) {
                let pem = pem.map_err(|e| CertError::Malformed(e.to_string()))?;
                if pem.label == "CERTIFICATE" {
                    return Self::from_der(&pem.contents);
                }
                labels.push(pem.label);
            }
            return Err(CertError::NoCertificateBlock(if labels.is_empty() {
                "no blocks".to_string()
            } else {
                labels.join(", ")
            }));
        }
        Self::from_der(bytes)
    }

    pub fn from_der(der: &[u8]) -> Result<Self, CertError> {
        let (_, cert) =
            X509Certificate::from_der(der).map_err(|e| CertError::Malformed(e.to_string()))?;
        // Trailing bytes after the certificate are not part of it: the thumbprint must equal
        // the one of the same certificate arriving through the TLS handshake.
        let der = cert.as_raw();
        let spki = cert.public_key();
        let key_bytes: &[u8] = &spki.subject_public_key.data;
        let (key_kind, key) = if spki.algorithm.algorithm == OID_PKCS1_RSAENCRYPTION {
            // The BIT STRING of an RSA SPKI is the PKCS#1 RSAPublicKey, what jsonwebtoken wants.
            (KeyKind::Rsa, DecodingKey::from_rsa_der(key_bytes))
        } else if spki.algorithm.algorithm == OID_KEY_TYPE_EC_PUBLIC_KEY {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok());
            if curve.as_ref() != Some(&OID_EC_P256) {
                return Err(CertError::UnsupportedKey(format!(
                    "EC curve {}",
                    curve.map_or_else(|| "unnamed".to_string(), |c| c.to_id_string())
                )));
            }
            // For EC the BIT STRING is the SEC1 point, which is what the verifier parses.
            (KeyKind::EcP256, DecodingKey::from_ec_der(key_bytes))
        } else {
            return Err(CertError::UnsupportedKey(format!(
                "algorithm {}",
                spki.algorithm.algorithm.to_id_string()
            )));
        };
        let validity = cert.validity();
        Ok(Certificate {
            der: der.to_vec(),
            thumbprint: Sha256::digest(der).into(),
            key_kind,
            key,
            cvr: organisation_cvr(&cert),
            subject: cert.subject().to_string(),
            not_before: validity.not_before.timestamp(),
            not_after: validity.not_after.timestamp(),
        })
    }

    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// SHA-256 of the DER encoding.
    pub fn thumbprint(&self) -> [u8; 32] {
        self.thumbprint
    }

    /// The thumbprint as JOSE writes it in `x5t#S256` and `cnf`: base64url without padding.
    pub fn thumbprint_b64(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.thumbprint)
    }

    pub fn key_kind(&self) -> KeyKind {
        self.key_kind
    }

    pub(crate) fn decoding_key(&self) -> &DecodingKey {
        &self.key
    }

    /// The CVR from an OCES3 organisation identifier `NTRDK-<CVR>` (OID 2.5.4.97), if present.
    pub fn cvr(&self) -> Option<&str> {
        self.cvr.as_deref()
    }

    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// Whether `now` (unix seconds) lies within notBefore..=notAfter.
    pub fn is_valid_at(&self, now: u64) -> bool {
        let now = i64::try_from(now).unwrap_or(i64::MAX);
        self.not_before <= now && now <= self.not_after
    }
}

/// SHA-256 thumbprint of any DER certificate, without parsing it: the binding of a token to the
/// TLS client certificate only needs the bytes to be the same.
pub fn thumbprint_of(der: &[u8]) -> [u8; 32] {
    Sha256::digest(der).into()
}

/// The OCES3 CVR of any DER certificate, whatever its key type (see [`Certificate::cvr`]).
pub fn organisation_cvr_of_der(der: &[u8]) -> Option<String> {
    let (_, cert) = X509Certificate::from_der(der).ok()?;
    organisation_cvr(&cert)
}

/// `organizationIdentifier` (2.5.4.97) = `NTRDK-<8 digits>` in the subject: the OCES3 way of
/// saying which company a certificate belongs to.
fn organisation_cvr(cert: &X509Certificate<'_>) -> Option<String> {
    let oid = Oid::from(&[2, 5, 4, 97]).ok()?;
    cert.subject()
        .iter_by_oid(&oid)
        .filter_map(|attr| attr.as_str().ok())
        .find_map(|v| {
            let cvr = v.strip_prefix("NTRDK-")?;
            (cvr.len() == 8 && cvr.bytes().all(|b| b.is_ascii_digit())).then(|| cvr.to_string())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(matches!(
            Certificate::from_pem_or_der(b"not a certificate"),
            Err(CertError::Malformed(_))
        ));
        assert!(Certificate::from_pem_or_der(b"").is_err());
        assert!(matches!(
            Certificate::from_pem_or_der(
                b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
            ),
            Err(CertError::NoCertificateBlock(_))
        ));
    }

    #[test]
    fn ec_certificate_with_oces3_subject() {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(
            rcgen::DnType::CustomDnType(vec![2, 5, 4, 97]),
            "NTRDK-12345678",
        );
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "likvidator-system");
        let cert = params.self_signed(&key).unwrap();
        let parsed = Certificate::from_pem_or_der(cert.pem().as_bytes()).unwrap();
        assert_eq!(parsed.key_kind(), KeyKind::EcP256);
        assert_eq!(parsed.cvr(), Some("12345678"));
        assert_eq!(parsed.thumbprint(), thumbprint_of(cert.der()));
        let from_der = Certificate::from_pem_or_der(cert.der()).unwrap();
        assert_eq!(from_der.thumbprint_b64(), parsed.thumbprint_b64());
        let mut padded = cert.der().to_vec();
        padded.extend_from_slice(&[0, 0, 0]);
        let trailing = Certificate::from_der(&padded).unwrap();
        assert_eq!(trailing.thumbprint(), parsed.thumbprint());
    }
}
