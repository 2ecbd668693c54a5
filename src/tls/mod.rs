//! TLS for kontrakt: identities from `.p12`/PEM files, the mock's server configuration with
//! required client certificates, the OCES3 subject rules, and a generated test PKI.

pub mod client;
pub mod command;
pub mod error;
pub mod identity;
pub mod oces;
pub mod server;
pub mod testca;

pub use client::client_config;
pub use error::TlsError;
pub use identity::{Identity, Password, Pkcs12Encryption};
pub use oces::{OcesIdentity, OcesPolicy, OcesRejection, OcesSubject, check_peer};
pub use server::{ServerTlsOptions, server_config, server_config_for};
pub use testca::{ClientCertSpec, KeyType, TestPki, TestPkiOptions};
