//! The rustls server configuration for the mock: its own certificate, and when a client CA is
//! given, mutual TLS that refuses clients without a certificate from that CA.
//!
//! Client certificates are verified by webpki during the handshake (chain to the CA, validity
//! period, key usage), so a missing, foreign or expired certificate never reaches the HTTP
//! layer. The OCES3 subject rules are a separate, later step ([`super::oces`]) because their
//! rejections deserve an HTTP answer that says why, which a handshake alert cannot.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use rustls::server::WebPkiClientVerifier;

use super::error::TlsError;
use super::identity::{self, Identity, Password};

/// The mock serves HTTP/1.1 only; advertising it lets clients that insist on ALPN connect.
pub const ALPN_HTTP1: &[u8] = b"http/1.1";

/// Where the server's certificate and the optional client CA come from.
#[derive(Debug, Clone, Default)]
pub struct ServerTlsOptions {
    /// PEM certificate chain, a PEM file with chain and key, or a `.p12`/`.pfx` file.
    pub cert: PathBuf,
    /// PEM private key, when `cert` is a PEM file without one.
    pub key: Option<PathBuf>,
    /// Password of a `.p12` `cert`.
    pub password: Option<Password>,
    /// PEM file of CA certificates; when given, every client must present a certificate
    /// issued by one of them.
    pub client_ca: Option<PathBuf>,
}

/// Builds the server configuration from files.
pub fn server_config(opts: &ServerTlsOptions) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let identity = Identity::load(&opts.cert, opts.key.as_deref(), opts.password.as_ref())?;
    let client_ca = match &opts.client_ca {
        Some(path) => Some((load_ca_certs(path)?, path.as_path())),
        None => None,
    };
    build(
        &identity,
        client_ca
            .as_ref()
            .map(|(certs, path)| (certs.as_slice(), *path)),
    )
}

/// Builds the server configuration from an identity in memory (tests, generated PKIs).
/// With `client_roots`, client certificates are required and must chain to one of them.
pub fn server_config_for(
    identity: &Identity,
    client_roots: Option<&[CertificateDer<'static>]>,
) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    build(
        identity,
        client_roots.map(|r| (r, Path::new("(in memory)"))),
    )
}

/// Reads the CA certificates of a PEM file.
pub fn load_ca_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let bytes = identity::read_file(path)?;
    identity::pem_certificates(&bytes, path)
}

fn build(
    identity: &Identity,
    client_ca: Option<(&[CertificateDer<'static>], &Path)>,
) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    // Explicit provider: the process default may be unset or, in a bigger program, another one.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Config(e.to_string()))?;
    let builder = match client_ca {
        Some((certs, path)) => {
            let roots = root_store(certs, path)?;
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(|e| TlsError::BadClientCa {
                    path: path.to_path_buf(),
                    detail: e.to_string(),
                })?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let (chain, key) = identity.to_parts();
    let mut config = builder
        .with_single_cert(chain, key)
        .map_err(|e| TlsError::Config(e.to_string()))?;
    config.alpn_protocols = vec![ALPN_HTTP1.to_vec()];
    Ok(Arc::new(config))
}

pub(crate) fn root_store(
    certs: &[CertificateDer<'static>],
    path: &Path,
) -> Result<RootCertStore, TlsError> {
    let mut roots = RootCertStore::empty();
    for cert in certs {
        roots.add(cert.clone()).map_err(|e| TlsError::BadClientCa {
            path: path.to_path_buf(),
            detail: e.to_string(),
        })?;
    }
    Ok(roots)
}
