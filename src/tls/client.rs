//! A rustls client configuration that trusts given CAs and optionally presents a client
//! certificate: what tests of the mock and other in-process TLS clients need. (The test runner's
//! HTTP client takes the same identity as PEM, see [`super::Identity::to_pem`].)

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::CertificateDer;

use super::error::TlsError;
use super::identity::Identity;
use super::server::{ALPN_HTTP1, root_store};

/// Trusts exactly `roots`; presents `identity` when the server asks for a certificate.
pub fn client_config(
    roots: &[CertificateDer<'static>],
    identity: Option<&Identity>,
) -> Result<Arc<rustls::ClientConfig>, TlsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Config(e.to_string()))?
        .with_root_certificates(root_store(roots, Path::new("(trusted roots)"))?);
    let mut config = match identity {
        Some(identity) => {
            let (chain, key) = identity.to_parts();
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| TlsError::Config(e.to_string()))?
        }
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![ALPN_HTTP1.to_vec()];
    Ok(Arc::new(config))
}
