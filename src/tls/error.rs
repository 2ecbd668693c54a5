//! Errors of the TLS module. Each names the file it concerns, because the user's next step is
//! always "look at that file"; none ever carries a password or key bytes.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("{path}: no such file")]
    Missing { path: PathBuf },
    #[error("cannot read {path}: {reason}")]
    Read { path: PathBuf, reason: String },
    #[error("{path} is empty")]
    Empty { path: PathBuf },
    #[error("{path} is not a PKCS#12 (.p12/.pfx) file, or it is truncated or damaged ({detail})")]
    NotPkcs12 { path: PathBuf, detail: String },
    #[error("{path} is password-protected: give its password")]
    NeedsPassword { path: PathBuf },
    #[error("wrong password for {path}")]
    WrongPassword { path: PathBuf },
    #[error("{path} holds no private key together with its certificate")]
    NoKeyInPkcs12 { path: PathBuf },
    #[error("{path} holds no certificate (expected PEM `-----BEGIN CERTIFICATE-----` blocks)")]
    NoCertificate { path: PathBuf },
    #[error(
        "{path} holds no private key (expected a PEM `PRIVATE KEY`, `RSA PRIVATE KEY` or `EC PRIVATE KEY` block)"
    )]
    NoKey { path: PathBuf },
    #[error(
        "{path} holds an encrypted PEM private key, which kontrakt does not read; give a .p12 file with its password, or decrypt the key (`openssl pkey -in KEY -out KEY.pem`)"
    )]
    EncryptedPemKey { path: PathBuf },
    #[error(
        "a password was given, but {path} is a PEM file; only .p12/.pfx files are password-protected"
    )]
    PasswordForPem { path: PathBuf },
    #[error("{path}: invalid PEM ({detail})")]
    Pem { path: PathBuf, detail: String },
    #[error("{path}: invalid certificate ({detail})")]
    BadCertificate { path: PathBuf, detail: String },
    #[error("{path}: unusable private key ({detail})")]
    BadKey { path: PathBuf, detail: String },
    #[error("the private key in {key} does not belong to the certificate in {cert}")]
    KeyMismatch { key: PathBuf, cert: PathBuf },
    #[error("{path}: not usable as client CA ({detail})")]
    BadClientCa { path: PathBuf, detail: String },
    #[error("TLS configuration failed: {0}")]
    Config(String),
    #[error("cannot write PKCS#12: {0}")]
    Pkcs12Write(String),
    #[error("cannot generate certificate: {0}")]
    Generate(String),
    #[error("{path} already exists (use --force to overwrite)")]
    Exists { path: PathBuf },
    #[error("cannot write {path}: {reason}")]
    Write { path: PathBuf, reason: String },
    #[error("invalid option: {0}")]
    Invalid(String),
}
