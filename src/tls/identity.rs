//! A certificate chain with its private key, loaded from what people actually have: the
//! `.p12`/`.pfx` file MitID Erhverv hands out for an OCES3 certificate, or PEM files.
//!
//! Everything TLS in kontrakt starts from an [`Identity`]: the mock's server certificate, the
//! client certificate the runner presents, and the PEM text reqwest's `Identity::from_pem`
//! wants. Loading checks what would otherwise fail late and obscurely inside a handshake: that
//! the file is what it claims, that the password opens it, and that the key belongs to the
//! certificate.

use std::fmt;
use std::path::Path;

use base64::Engine as _;
use p12_keystore::{
    EncryptionAlgorithm, KeyStore, KeyStoreEntry, MacAlgorithm, Pkcs12ImportPolicy, PrivateKeyChain,
};
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use sha2::Digest as _;
use zeroize::{Zeroize, Zeroizing};

use super::error::TlsError;

/// Certificate files are a few kilobytes; the cap keeps a wrong path (a log, `/dev/zero`) from
/// being read whole.
const MAX_FILE_BYTES: u64 = 1 << 20;

/// Shown where an identity did not come from a file.
const IN_MEMORY: &str = "(in memory)";

/// A password for a `.p12` file. Its `Debug` never shows it and it is wiped from memory when
/// dropped.
#[derive(Clone)]
pub struct Password(Zeroizing<String>);

impl Password {
    pub fn new(password: impl Into<String>) -> Self {
        Password(Zeroizing::new(password.into()))
    }

    /// The password itself, for the one call that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

impl From<&str> for Password {
    fn from(s: &str) -> Self {
        Password::new(s)
    }
}

impl From<String> for Password {
    fn from(s: String) -> Self {
        Password::new(s)
    }
}

/// How a written `.p12` is encrypted. `Modern` is what current OpenSSL and MitID Erhverv
/// produce; the legacy forms exist because older exports still circulate and the loader must
/// be tested against them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pkcs12Encryption {
    /// PBES2 with PBKDF2 and AES-256-CBC, HMAC-SHA256 MAC.
    Modern,
    /// pbeWithSHAAnd3-KeyTripleDES-CBC, HMAC-SHA1 MAC (OpenSSL 1.x default).
    LegacyTripleDes,
    /// pbeWithSHAAnd40BitRC2-CBC, HMAC-SHA1 MAC (`openssl pkcs12 -legacy`).
    LegacyRc2,
}

/// A certificate chain (leaf first) and the leaf's private key.
pub struct Identity {
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
}

impl Identity {
    /// Builds an identity from parts already in memory, with the same checks as loading.
    pub fn new(
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
    ) -> Result<Self, TlsError> {
        let origin = Path::new(IN_MEMORY);
        Self::checked(chain, key, origin, origin)
    }

    /// Loads an identity the way the command line names one: a `.p12`/`.pfx` file with an
    /// optional password, a PEM certificate file plus a PEM key file, or one PEM file holding
    /// both. The file's content decides, not its extension.
    pub fn load(
        cert: &Path,
        key: Option<&Path>,
        password: Option<&Password>,
    ) -> Result<Self, TlsError> {
        let bytes = read_file(cert)?;
        match key {
            Some(key_path) => {
                if password.is_some() {
                    return Err(TlsError::PasswordForPem {
                        path: key_path.to_path_buf(),
                    });
                }
                let key_bytes = read_file(key_path)?;
                Self::from_pem_bytes(&bytes, cert, &key_bytes, key_path)
            }
            None if looks_like_pem(&bytes) => {
                if password.is_some() {
                    return Err(TlsError::PasswordForPem {
                        path: cert.to_path_buf(),
                    });
                }
                Self::from_pem_bytes(&bytes, cert, &bytes, cert)
            }
            None => Self::from_pkcs12_bytes(&bytes, password, cert),
        }
    }

    /// Loads a `.p12`/`.pfx` file (modern AES/PBKDF2 or legacy RC2/3DES encryption).
    pub fn from_pkcs12_file(path: &Path, password: Option<&Password>) -> Result<Self, TlsError> {
        let bytes = read_file(path)?;
        Self::from_pkcs12_bytes(&bytes, password, path)
    }

    /// Loads a certificate chain file and a private key file (PKCS#8, PKCS#1 RSA or SEC1 EC).
    pub fn from_pem_files(cert: &Path, key: &Path) -> Result<Self, TlsError> {
        let cert_bytes = read_file(cert)?;
        let key_bytes = read_file(key)?;
        Self::from_pem_bytes(&cert_bytes, cert, &key_bytes, key)
    }

    /// Decodes PKCS#12 bytes; `origin` is the file named in errors.
    pub fn from_pkcs12_bytes(
        bytes: &[u8],
        password: Option<&Password>,
        origin: &Path,
    ) -> Result<Self, TlsError> {
        if bytes.is_empty() {
            return Err(TlsError::Empty {
                path: origin.to_path_buf(),
            });
        }
        if looks_like_pem(bytes) {
            return Err(TlsError::NotPkcs12 {
                path: origin.to_path_buf(),
                detail: "it is PEM text; give it as a PEM certificate with its key file".into(),
            });
        }
        let store = KeyStore::from_pkcs12(
            bytes,
            password.map_or("", Password::expose),
            Pkcs12ImportPolicy::Relaxed,
        )
        .map_err(|e| pkcs12_error(e, password.is_some(), origin))?;
        let Some((_, chain)) = store.private_key_chain() else {
            return Err(TlsError::NoKeyInPkcs12 {
                path: origin.to_path_buf(),
            });
        };
        if chain.certs().is_empty() {
            return Err(TlsError::NoKeyInPkcs12 {
                path: origin.to_path_buf(),
            });
        }
        let certs = chain
            .certs()
            .iter()
            .map(|c| CertificateDer::from(c.as_der().to_vec()))
            .collect();
        let key = PrivateKeyDer::Pkcs8(chain.key().as_der().to_vec().into());
        Self::checked(certs, key, origin, origin)
    }

    /// Decodes PEM text: certificates from `cert_pem`, the first private key from `key_pem`.
    pub fn from_pem_bytes(
        cert_pem: &[u8],
        cert_origin: &Path,
        key_pem: &[u8],
        key_origin: &Path,
    ) -> Result<Self, TlsError> {
        let chain = pem_certificates(cert_pem, cert_origin)?;
        if key_pem.is_empty() {
            return Err(TlsError::Empty {
                path: key_origin.to_path_buf(),
            });
        }
        let key = match PrivateKeyDer::from_pem_slice(key_pem) {
            Ok(key) => key,
            Err(pem::Error::NoItemsFound) if contains(key_pem, b"ENCRYPTED PRIVATE KEY") => {
                return Err(TlsError::EncryptedPemKey {
                    path: key_origin.to_path_buf(),
                });
            }
            Err(pem::Error::NoItemsFound) => {
                return Err(TlsError::NoKey {
                    path: key_origin.to_path_buf(),
                });
            }
            Err(e) => {
                return Err(TlsError::Pem {
                    path: key_origin.to_path_buf(),
                    detail: e.to_string(),
                });
            }
        };
        Self::checked(chain, key, cert_origin, key_origin)
    }

    /// The one place every constructor passes: every certificate parses, and the key is one
    /// rustls can sign with and belongs to the leaf.
    fn checked(
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
        cert_origin: &Path,
        key_origin: &Path,
    ) -> Result<Self, TlsError> {
        if chain.is_empty() {
            return Err(TlsError::NoCertificate {
                path: cert_origin.to_path_buf(),
            });
        }
        for cert in &chain {
            x509_parser::parse_x509_certificate(cert).map_err(|e| TlsError::BadCertificate {
                path: cert_origin.to_path_buf(),
                detail: e.to_string(),
            })?;
        }
        let provider = rustls::crypto::ring::default_provider();
        let signing_key = provider
            .key_provider
            .load_private_key(key.clone_key())
            .map_err(|e| TlsError::BadKey {
                path: key_origin.to_path_buf(),
                detail: e.to_string(),
            })?;
        match rustls::sign::CertifiedKey::new(chain.clone(), signing_key).keys_match() {
            Ok(()) => {}
            // ring always knows a key's public half; "unknown" cannot be told apart here.
            Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::Unknown)) => {}
            Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch)) => {
                return Err(TlsError::KeyMismatch {
                    key: key_origin.to_path_buf(),
                    cert: cert_origin.to_path_buf(),
                });
            }
            Err(e) => {
                return Err(TlsError::BadCertificate {
                    path: cert_origin.to_path_buf(),
                    detail: e.to_string(),
                });
            }
        }
        Ok(Identity { chain, key })
    }

    /// The chain, leaf first.
    pub fn chain(&self) -> &[CertificateDer<'static>] {
        &self.chain
    }

    /// The end-entity certificate.
    pub fn leaf(&self) -> &CertificateDer<'static> {
        &self.chain[0]
    }

    pub fn key(&self) -> &PrivateKeyDer<'static> {
        &self.key
    }

    /// Copies of the chain and key, in the form rustls' config builders take.
    pub fn to_parts(&self) -> (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>) {
        (self.chain.clone(), self.key.clone_key())
    }

    /// The chain as PEM `CERTIFICATE` blocks, leaf first.
    pub fn cert_pem(&self) -> String {
        let mut out = String::new();
        for cert in &self.chain {
            pem_block(&mut out, "CERTIFICATE", cert);
        }
        out
    }

    /// The key as a PEM block in its own form (`PRIVATE KEY`, `RSA PRIVATE KEY` or
    /// `EC PRIVATE KEY`); wiped from memory when dropped.
    pub fn key_pem(&self) -> Zeroizing<String> {
        let (label, der) = match &self.key {
            PrivateKeyDer::Pkcs1(k) => ("RSA PRIVATE KEY", k.secret_pkcs1_der()),
            PrivateKeyDer::Sec1(k) => ("EC PRIVATE KEY", k.secret_sec1_der()),
            PrivateKeyDer::Pkcs8(k) => ("PRIVATE KEY", k.secret_pkcs8_der()),
            // PrivateKeyDer is non-exhaustive; the three above are all a PEM file can hold.
            _ => ("PRIVATE KEY", &[][..]),
        };
        let mut out = Zeroizing::new(String::new());
        pem_block(&mut out, label, der);
        out
    }

    /// Chain and key in one PEM text, the input of reqwest's `Identity::from_pem`.
    pub fn to_pem(&self) -> Zeroizing<String> {
        let mut out = Zeroizing::new(self.cert_pem());
        out.push_str(&self.key_pem());
        out
    }

    /// Encodes the identity as PKCS#12 protected by `password`. Needs a PKCS#8 key (what
    /// `.p12` files and kontrakt's generator hold).
    pub fn to_pkcs12(
        &self,
        password: &Password,
        encryption: Pkcs12Encryption,
    ) -> Result<Vec<u8>, TlsError> {
        let PrivateKeyDer::Pkcs8(key) = &self.key else {
            return Err(TlsError::Pkcs12Write(
                "only PKCS#8 keys can be written (convert with `openssl pkcs8 -topk8 -nocrypt`)"
                    .into(),
            ));
        };
        let key = p12_keystore::PrivateKey::from_der(key.secret_pkcs8_der())
            .map_err(|e| TlsError::Pkcs12Write(e.to_string()))?;
        let certs = self
            .chain
            .iter()
            .map(|c| p12_keystore::Certificate::from_der(c))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| TlsError::Pkcs12Write(e.to_string()))?;
        // The local key id links key and certificate inside the file; a digest of the leaf is
        // what OpenSSL-produced files use (SHA-1 there; any stable bytes serve).
        let local_key_id = sha2::Sha256::digest(self.leaf().as_ref())[..20].to_vec();
        let alias = subject_of(self.leaf()).unwrap_or_else(|| "kontrakt".to_string());
        let mut store = KeyStore::new();
        store.add_entry(
            &alias,
            KeyStoreEntry::PrivateKeyChain(PrivateKeyChain::new(local_key_id, key, certs)),
        );
        let writer = store.writer(password.expose());
        let writer = match encryption {
            Pkcs12Encryption::Modern => writer,
            Pkcs12Encryption::LegacyTripleDes => writer
                .encryption_algorithm(EncryptionAlgorithm::PbeWithShaAnd3KeyTripleDesCbc)
                .mac_algorithm(MacAlgorithm::HmacSha1),
            // p12-keystore names the RC2-40 scheme "Rc4"; its OID is pbeWithSHAAnd40BitRC2-CBC.
            Pkcs12Encryption::LegacyRc2 => writer
                .encryption_algorithm(EncryptionAlgorithm::PbeWithShaAnd40BitRc4Cbc)
                .mac_algorithm(MacAlgorithm::HmacSha1),
        };
        writer
            .write()
            .map_err(|e| TlsError::Pkcs12Write(e.to_string()))
    }

    /// The leaf's `x5t#S256` thumbprint: what a certificate-bound token's `cnf` claim and a
    /// `private_key_jwt` header carry (RFC 8705 §3.1, RFC 7515 §4.1.8).
    pub fn x5t_s256(&self) -> String {
        x5t_s256(self.leaf())
    }

    /// The leaf's subject, for messages (RFC 4514-like, as x509-parser prints it).
    pub fn subject(&self) -> String {
        subject_of(self.leaf()).unwrap_or_default()
    }
}

impl Clone for Identity {
    fn clone(&self) -> Self {
        Identity {
            chain: self.chain.clone(),
            key: self.key.clone_key(),
        }
    }
}

impl Drop for Identity {
    fn drop(&mut self) {
        self.key.zeroize();
    }
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.key {
            PrivateKeyDer::Pkcs1(_) => "PKCS#1",
            PrivateKeyDer::Sec1(_) => "SEC1",
            PrivateKeyDer::Pkcs8(_) => "PKCS#8",
            _ => "other",
        };
        f.debug_struct("Identity")
            .field("subject", &self.subject())
            .field("chain_len", &self.chain.len())
            .field("key", &format_args!("<redacted {kind}>"))
            .finish()
    }
}

/// base64url (no padding) of the SHA-256 of a certificate's DER: the `x5t#S256` value.
pub fn x5t_s256(cert_der: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(cert_der))
}

/// Reads a certificate, key or CA file, bounded, with errors that name it.
pub(crate) fn read_file(path: &Path) -> Result<Vec<u8>, TlsError> {
    use crate::spec::load::{ReadError, read_bounded};
    match read_bounded(path, MAX_FILE_BYTES) {
        Ok(bytes) if bytes.is_empty() => Err(TlsError::Empty {
            path: path.to_path_buf(),
        }),
        Ok(bytes) => Ok(bytes),
        Err(ReadError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(TlsError::Missing {
                path: path.to_path_buf(),
            })
        }
        Err(ReadError::Io(e)) => Err(TlsError::Read {
            path: path.to_path_buf(),
            reason: e.to_string(),
        }),
        Err(ReadError::NotAFile(what)) => Err(TlsError::Read {
            path: path.to_path_buf(),
            reason: format!("it is {what}, not a file"),
        }),
        Err(ReadError::TooLarge(_)) => Err(TlsError::Read {
            path: path.to_path_buf(),
            reason: format!(
                "larger than {} KiB, too large for a certificate or key file",
                MAX_FILE_BYTES / 1024
            ),
        }),
    }
}

/// All `CERTIFICATE` blocks of a PEM text; other blocks (keys in a combined file) are skipped.
pub(crate) fn pem_certificates(
    bytes: &[u8],
    origin: &Path,
) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    if bytes.is_empty() {
        return Err(TlsError::Empty {
            path: origin.to_path_buf(),
        });
    }
    let certs = CertificateDer::pem_slice_iter(bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::Pem {
            path: origin.to_path_buf(),
            detail: e.to_string(),
        })?;
    if certs.is_empty() {
        return Err(TlsError::NoCertificate {
            path: origin.to_path_buf(),
        });
    }
    Ok(certs)
}

fn pkcs12_error(e: p12_keystore::error::Error, password_given: bool, origin: &Path) -> TlsError {
    use p12_keystore::error::Error as E;
    let path = origin.to_path_buf();
    match e {
        // The MAC is keyed by the password: a mismatch means the password is wrong. Files
        // without a MAC fail at decryption instead (bad padding or a PBES2 failure).
        E::MacError(_) | E::UnpadError | E::Pkcs5Error(_) => {
            if password_given {
                TlsError::WrongPassword { path }
            } else {
                TlsError::NeedsPassword { path }
            }
        }
        other => TlsError::NotPkcs12 {
            path,
            detail: other.to_string(),
        },
    }
}

fn looks_like_pem(bytes: &[u8]) -> bool {
    contains(bytes, b"-----BEGIN ")
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

pub(crate) fn pem_block(out: &mut String, label: &str, der: &[u8]) {
    let encoded = Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(der));
    out.push_str("-----BEGIN ");
    out.push_str(label);
    out.push_str("-----\n");
    for line in encoded.as_bytes().chunks(64) {
        // base64 output is ASCII, so every chunk is valid UTF-8.
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str("-----END ");
    out.push_str(label);
    out.push_str("-----\n");
}

fn subject_of(der: &CertificateDer<'_>) -> Option<String> {
    x509_parser::parse_x509_certificate(der)
        .ok()
        .map(|(_, c)| c.subject().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn x5t_s256_is_unpadded_base64url_of_sha256() {
        // SHA-256("abc") = ba7816bf…f20015ad (FIPS 180-2 test vector).
        assert_eq!(
            x5t_s256(b"abc"),
            "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0"
        );
    }

    #[test]
    fn pem_lines_are_64_columns() {
        let mut out = String::new();
        pem_block(&mut out, "CERTIFICATE", &[7u8; 100]);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "-----BEGIN CERTIFICATE-----");
        assert_eq!(lines[1].len(), 64);
        assert_eq!(lines.last(), Some(&"-----END CERTIFICATE-----"));
        assert_eq!(lines.len(), 2 + 100usize.div_ceil(3) * 4 / 64 + 1);
    }

    #[test]
    fn password_debug_is_redacted() {
        assert_eq!(
            format!("{:?}", Password::new("hemmelig")),
            "Password(<redacted>)"
        );
    }
}
