//! `kontrakt certs`: writes a test PKI to a folder and says what each file is for.

use std::fmt::Write as _;

use crate::cli::{CertKeyType, CertsArgs};

use super::error::TlsError;
use super::identity::Password;
use super::oces::OcesSubject;
use super::testca::{FILE_NAMES, KeyType, TestPki, TestPkiOptions};

/// The password of `organisation.p12` when none is given. Not a secret: it protects throwaway
/// test keys and is documented in `--help`.
pub const DEFAULT_PASSWORD: &str = "kontrakt";

/// Generates and writes the files; returns the text to print.
pub fn certs(args: &CertsArgs) -> Result<String, TlsError> {
    let options = TestPkiOptions {
        cvr: args.cvr.clone(),
        organisation: args.org.clone(),
        common_name: args.cn.clone(),
        key_type: match args.key_type {
            CertKeyType::Rsa => KeyType::Rsa3072,
            CertKeyType::Ecdsa => KeyType::EcdsaP256,
        },
        days: args.days,
    };
    // Refuse before spending seconds on RSA keys when the answer is already known.
    if !args.force {
        for name in FILE_NAMES {
            let path = args.out.join(name);
            if path.symlink_metadata().is_ok() {
                return Err(TlsError::Exists { path });
            }
        }
    }
    let pki = TestPki::generate(&options)?;
    let password = match &args.password {
        Some(p) => Password::new(p.clone()),
        None => Password::new(DEFAULT_PASSWORD),
    };
    let written = pki.write_files(&args.out, &password, args.force)?;

    let mut out = String::new();
    let _ = writeln!(
        out,
        "Wrote a test PKI to {} (fake certificates, valid nowhere but in your tests):",
        args.out.display()
    );
    let width = written
        .iter()
        .map(|w| w.path.file_name().map_or(0, |n| n.len()))
        .max()
        .unwrap_or(0);
    for file in &written {
        let name = file
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let _ = writeln!(out, "  {name:<width$}  {}", file.description);
    }
    let _ = writeln!(
        out,
        "  organisation.p12 password: {}",
        if args.password.is_some() {
            "as given with --password"
        } else {
            "`kontrakt` (the default)"
        }
    );
    if let Ok(subject) = OcesSubject::parse(pki.organisation().leaf()) {
        let _ = writeln!(out, "Organisation certificate:");
        let _ = writeln!(out, "  subject  {}", subject.subject);
        let _ = writeln!(out, "  issuer   {}", subject.issuer);
        let _ = writeln!(
            out,
            "  valid    {} to {}",
            date(subject.not_before),
            date(subject.not_after)
        );
    }
    Ok(out)
}

fn date(t: time::OffsetDateTime) -> String {
    format!("{}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day())
}
