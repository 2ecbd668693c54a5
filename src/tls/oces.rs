//! The OCES3 subject conventions (domain.md §4.4): who a client certificate says it is, and
//! whether that is an organisation or system certificate the courts' APIs would accept.
//!
//! The handshake has already proven the certificate chains to the configured CA and is within
//! its validity period; what remains is the Danish layer on top, which webpki knows nothing
//! about: `organizationIdentifier = NTRDK-<CVR>`, `serialNumber = UI:DK-O:G:<uuid>`, no OCES2
//! certificates (retired in 2023), no employee certificates where a system calls. Checking is a
//! pure function so the mock can turn each reason into a precise error response and tests can
//! cover every reason without a socket.

use rustls::pki_types::CertificateDer;
use time::OffsetDateTime;

use crate::spec::validate::is_cvr;

const OID_ORGANIZATION_IDENTIFIER: &str = "2.5.4.97";
const OID_SERIAL_NUMBER: &str = "2.5.4.5";
const OID_COMMON_NAME: &str = "2.5.4.3";
const OID_ORGANIZATION: &str = "2.5.4.10";
const OID_COUNTRY: &str = "2.5.4.6";

/// The subject fields of a leaf certificate that the OCES3 conventions give meaning to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OcesSubject {
    /// The whole subject DN as text, for messages.
    pub subject: String,
    /// The issuer DN as text.
    pub issuer: String,
    pub country: Option<String>,
    /// OID 2.5.4.97, `NTRDK-<CVR>` in OCES3.
    pub organisation_identifier: Option<String>,
    /// O.
    pub organisation: Option<String>,
    /// CN: the certificate's or system's name.
    pub common_name: Option<String>,
    /// SERIALNUMBER (2.5.4.5), not the certificate serial: `UI:DK-O:G:<uuid>` in OCES3.
    pub serial_number: Option<String>,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
}

/// What the subject's serialNumber says the certificate is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SerialKind {
    /// `UI:DK-O:G:<uuid>`: an organisation or system certificate; the uuid identifies it.
    Organisation { uuid: String },
    /// `UI:DK-E:G:<uuid>`: an employee (person) certificate.
    Employee { uuid: String },
    /// `CVR:<cvr>-FID:<n>` / `CVR:<cvr>-RID:<n>`: OCES2 (FOCES/VOCES), retired.
    Oces2,
    /// Anything else.
    Unrecognised,
}

/// Which certificates the mock accepts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OcesPolicy {
    /// When set, the certificate's CVR must be this one (the client registered with it).
    pub expected_cvr: Option<String>,
    /// Accept employee certificates too (by default only organisation/system ones).
    pub allow_employee: bool,
}

/// An accepted certificate's identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OcesIdentity {
    pub cvr: String,
    /// The uuid of the `UI:DK-O:G:`/`UI:DK-E:G:` serialNumber, used for allow-lists.
    pub uuid: String,
    pub employee: bool,
    pub subject: OcesSubject,
}

/// Why a client certificate is not an acceptable OCES3 organisation certificate. Subject values
/// quoted here are public (they are in the certificate), never secrets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OcesRejection {
    #[error("no client certificate was presented")]
    NoCertificate,
    #[error("the client certificate cannot be parsed: {0}")]
    Unparseable(String),
    #[error(
        "an OCES2 certificate (serialNumber `{0}`); OCES2 was retired in 2023, use an OCES3 organisation or system certificate"
    )]
    Oces2(String),
    #[error(
        "the subject has no organizationIdentifier (2.5.4.97); an OCES3 organisation certificate carries NTRDK-<CVR>"
    )]
    MissingOrganisationIdentifier,
    #[error("organizationIdentifier `{0}` is not of the form NTRDK-<CVR>")]
    MalformedOrganisationIdentifier(String),
    #[error(
        "organizationIdentifier `{identifier}`: `{cvr}` is not a CVR number (8 digits, not starting with 0)"
    )]
    InvalidCvr { identifier: String, cvr: String },
    #[error(
        "the subject has no serialNumber; an OCES3 organisation certificate carries UI:DK-O:G:<uuid>"
    )]
    MissingSerialNumber,
    #[error(
        "serialNumber `{0}` is neither UI:DK-O:G:<uuid> (organisation or system) nor UI:DK-E:G:<uuid> (employee)"
    )]
    MalformedSerialNumber(String),
    #[error(
        "an employee certificate (serialNumber `{0}`); an OCES3 organisation or system certificate is required"
    )]
    EmployeeCertificate(String),
    #[error("the certificate belongs to CVR {found}, not to the expected CVR {expected}")]
    CvrMismatch { expected: String, found: String },
}

impl OcesRejection {
    /// A stable kebab-case id, for problem+json `type`s and tests.
    pub fn code(&self) -> &'static str {
        match self {
            OcesRejection::NoCertificate => "no-client-certificate",
            OcesRejection::Unparseable(_) => "unparseable-certificate",
            OcesRejection::Oces2(_) => "oces2-certificate",
            OcesRejection::MissingOrganisationIdentifier => "missing-organisation-identifier",
            OcesRejection::MalformedOrganisationIdentifier(_) => {
                "malformed-organisation-identifier"
            }
            OcesRejection::InvalidCvr { .. } => "invalid-cvr",
            OcesRejection::MissingSerialNumber => "missing-serial-number",
            OcesRejection::MalformedSerialNumber(_) => "malformed-serial-number",
            OcesRejection::EmployeeCertificate(_) => "employee-certificate",
            OcesRejection::CvrMismatch { .. } => "cvr-mismatch",
        }
    }
}

impl OcesSubject {
    /// Reads the subject of a DER certificate.
    pub fn parse(der: &[u8]) -> Result<Self, OcesRejection> {
        let (_, cert) = x509_parser::parse_x509_certificate(der)
            .map_err(|e| OcesRejection::Unparseable(e.to_string()))?;
        let subject = cert.subject();
        let attr = |oid: &str| {
            subject
                .iter_attributes()
                .find(|a| a.attr_type().to_id_string() == oid)
                .map(|a| match a.as_str() {
                    Ok(s) => s.to_string(),
                    // BMPString and friends: kept visible rather than dropped, so a check
                    // reports "malformed" instead of "missing".
                    Err(_) => String::from_utf8_lossy(a.attr_value().data).into_owned(),
                })
        };
        Ok(OcesSubject {
            subject: subject.to_string(),
            issuer: cert.issuer().to_string(),
            country: attr(OID_COUNTRY),
            organisation_identifier: attr(OID_ORGANIZATION_IDENTIFIER),
            organisation: attr(OID_ORGANIZATION),
            common_name: attr(OID_COMMON_NAME),
            serial_number: attr(OID_SERIAL_NUMBER),
            not_before: cert.validity().not_before.to_datetime(),
            not_after: cert.validity().not_after.to_datetime(),
        })
    }

    /// The CVR of a well-formed `NTRDK-<CVR>` organisation identifier.
    pub fn cvr(&self) -> Option<&str> {
        self.organisation_identifier
            .as_deref()
            .and_then(|id| id.strip_prefix("NTRDK-"))
            .filter(|cvr| is_cvr(cvr))
    }

    pub fn serial_kind(&self) -> SerialKind {
        self.serial_number
            .as_deref()
            .map_or(SerialKind::Unrecognised, classify_serial)
    }

    /// Whether the issuer is marked as a test CA (`OU=Test - cti` in MitID Erhverv's test
    /// PKI); production services refuse such certificates.
    pub fn issued_by_test_ca(&self) -> bool {
        self.issuer.contains("Test - cti")
    }
}

/// Classifies an OCES serialNumber attribute value.
pub fn classify_serial(serial: &str) -> SerialKind {
    if let Some(uuid) = serial.strip_prefix("UI:DK-O:G:")
        && is_uuid(uuid)
    {
        return SerialKind::Organisation {
            uuid: uuid.to_ascii_lowercase(),
        };
    }
    if let Some(uuid) = serial.strip_prefix("UI:DK-E:G:")
        && is_uuid(uuid)
    {
        return SerialKind::Employee {
            uuid: uuid.to_ascii_lowercase(),
        };
    }
    if let Some(rest) = serial.strip_prefix("CVR:")
        && (rest.contains("-FID:") || rest.contains("-RID:") || rest.contains("-UID:"))
    {
        return SerialKind::Oces2;
    }
    SerialKind::Unrecognised
}

/// Decides whether a subject is an acceptable OCES3 organisation (or system) certificate.
pub fn check(subject: &OcesSubject, policy: &OcesPolicy) -> Result<OcesIdentity, OcesRejection> {
    let serial = subject.serial_number.as_deref();
    // OCES2 first: such certificates also lack the organisation identifier, and "OCES2 is
    // retired" is the message that tells the user what to do.
    if let Some(serial) = serial
        && classify_serial(serial) == SerialKind::Oces2
    {
        return Err(OcesRejection::Oces2(serial.to_string()));
    }
    let Some(identifier) = subject.organisation_identifier.as_deref() else {
        return Err(OcesRejection::MissingOrganisationIdentifier);
    };
    let Some(cvr) = identifier.strip_prefix("NTRDK-") else {
        return Err(OcesRejection::MalformedOrganisationIdentifier(
            identifier.to_string(),
        ));
    };
    // Only the shape: MitID Erhverv's test organisations have fictitious CVRs that need not
    // pass the modulus-11 check (domain.md §4.2).
    if !is_cvr(cvr) {
        return Err(OcesRejection::InvalidCvr {
            identifier: identifier.to_string(),
            cvr: cvr.to_string(),
        });
    }
    let Some(serial) = serial else {
        return Err(OcesRejection::MissingSerialNumber);
    };
    let (uuid, employee) = match classify_serial(serial) {
        SerialKind::Organisation { uuid } => (uuid, false),
        SerialKind::Employee { uuid } if policy.allow_employee => (uuid, true),
        SerialKind::Employee { .. } => {
            return Err(OcesRejection::EmployeeCertificate(serial.to_string()));
        }
        SerialKind::Oces2 | SerialKind::Unrecognised => {
            return Err(OcesRejection::MalformedSerialNumber(serial.to_string()));
        }
    };
    if let Some(expected) = &policy.expected_cvr
        && expected != cvr
    {
        return Err(OcesRejection::CvrMismatch {
            expected: expected.clone(),
            found: cvr.to_string(),
        });
    }
    Ok(OcesIdentity {
        cvr: cvr.to_string(),
        uuid,
        employee,
        subject: subject.clone(),
    })
}

/// Checks the certificates a TLS peer presented (`ServerConnection::peer_certificates()`),
/// leaf first: what the mock calls right after the handshake.
pub fn check_peer(
    peer: Option<&[CertificateDer<'_>]>,
    policy: &OcesPolicy,
) -> Result<OcesIdentity, OcesRejection> {
    let leaf = peer
        .and_then(|certs| certs.first())
        .ok_or(OcesRejection::NoCertificate)?;
    check(&OcesSubject::parse(leaf)?, policy)
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const UUID: &str = "3f2a9c1e-7b4d-4e8a-9c2f-1a2b3c4d5e6f";

    fn subject(org_id: Option<&str>, serial: Option<&str>) -> OcesSubject {
        OcesSubject {
            subject: String::new(),
            issuer: "CN=kontrakt test OCES udstedende-CA, OU=Test - cti".into(),
            country: Some("DK".into()),
            organisation_identifier: org_id.map(str::to_string),
            organisation: Some("Testfirma ApS".into()),
            common_name: Some("Testsystem".into()),
            serial_number: serial.map(str::to_string),
            not_before: OffsetDateTime::UNIX_EPOCH,
            not_after: OffsetDateTime::UNIX_EPOCH,
        }
    }

    fn org() -> String {
        format!("UI:DK-O:G:{UUID}")
    }

    fn reject(org_id: Option<&str>, serial: Option<&str>, policy: &OcesPolicy) -> OcesRejection {
        check(&subject(org_id, serial), policy).expect_err("should be rejected")
    }

    #[test]
    fn accepts_an_organisation_certificate() {
        let id = check(
            &subject(Some("NTRDK-12345678"), Some(&org())),
            &OcesPolicy::default(),
        )
        .unwrap();
        assert_eq!(id.cvr, "12345678");
        assert_eq!(id.uuid, UUID);
        assert!(!id.employee);
        assert!(id.subject.issued_by_test_ca());
    }

    #[test]
    fn accepts_the_expected_cvr_and_upper_case_uuids() {
        let serial = format!("UI:DK-O:G:{}", UUID.to_uppercase());
        let policy = OcesPolicy {
            expected_cvr: Some("12345678".into()),
            ..OcesPolicy::default()
        };
        let id = check(&subject(Some("NTRDK-12345678"), Some(&serial)), &policy).unwrap();
        assert_eq!(id.uuid, UUID);
    }

    #[test]
    fn rejects_a_missing_organisation_identifier() {
        let r = reject(None, Some(&org()), &OcesPolicy::default());
        assert_eq!(r, OcesRejection::MissingOrganisationIdentifier);
        assert_eq!(r.code(), "missing-organisation-identifier");
    }

    #[test]
    fn rejects_a_malformed_organisation_identifier() {
        for id in [
            "12345678",
            "NTRSE-12345678",
            "ntrdk-12345678",
            "VATDK-12345678",
        ] {
            let r = reject(Some(id), Some(&org()), &OcesPolicy::default());
            assert_eq!(
                r,
                OcesRejection::MalformedOrganisationIdentifier(id.into()),
                "{id}"
            );
        }
    }

    #[test]
    fn rejects_a_cvr_that_is_not_eight_digits() {
        for cvr in ["1234567", "123456789", "01234567", "1234567X", ""] {
            let id = format!("NTRDK-{cvr}");
            let r = reject(Some(&id), Some(&org()), &OcesPolicy::default());
            assert_eq!(
                r,
                OcesRejection::InvalidCvr {
                    identifier: id.clone(),
                    cvr: cvr.into()
                },
                "{cvr}"
            );
            assert!(r.to_string().contains("not a CVR number"));
        }
    }

    #[test]
    fn rejects_a_missing_or_malformed_serial_number() {
        let ok_id = Some("NTRDK-12345678");
        assert_eq!(
            reject(ok_id, None, &OcesPolicy::default()),
            OcesRejection::MissingSerialNumber
        );
        for serial in [
            "UI:DK-O:G:not-a-uuid",
            "UI:DK-O:G:3f2a9c1e7b4d4e8a9c2f1a2b3c4d5e6f",
            "UI:DK-X:G:3f2a9c1e-7b4d-4e8a-9c2f-1a2b3c4d5e6f",
            "PID:9208-2002-2-123456789012",
            "",
        ] {
            assert_eq!(
                reject(ok_id, Some(serial), &OcesPolicy::default()),
                OcesRejection::MalformedSerialNumber(serial.into()),
                "{serial}"
            );
        }
    }

    #[test]
    fn rejects_oces2_before_anything_else() {
        for serial in [
            "CVR:12345678-FID:1234567890123",
            "CVR:12345678-RID:98765432",
        ] {
            // OCES2 certificates have no organizationIdentifier: the reason is still OCES2.
            let r = reject(None, Some(serial), &OcesPolicy::default());
            assert_eq!(r, OcesRejection::Oces2(serial.into()));
            assert!(r.to_string().contains("retired"));
        }
    }

    #[test]
    fn rejects_employee_certificates_unless_allowed() {
        let serial = format!("UI:DK-E:G:{UUID}");
        let r = reject(
            Some("NTRDK-12345678"),
            Some(&serial),
            &OcesPolicy::default(),
        );
        assert_eq!(r, OcesRejection::EmployeeCertificate(serial.clone()));
        let allow = OcesPolicy {
            allow_employee: true,
            ..OcesPolicy::default()
        };
        let id = check(&subject(Some("NTRDK-12345678"), Some(&serial)), &allow).unwrap();
        assert!(id.employee);
    }

    #[test]
    fn rejects_another_cvr_than_expected() {
        let policy = OcesPolicy {
            expected_cvr: Some("87654321".into()),
            ..OcesPolicy::default()
        };
        let r = reject(Some("NTRDK-12345678"), Some(&org()), &policy);
        assert_eq!(
            r,
            OcesRejection::CvrMismatch {
                expected: "87654321".into(),
                found: "12345678".into()
            }
        );
        assert_eq!(r.code(), "cvr-mismatch");
    }

    #[test]
    fn peer_without_certificates_or_with_garbage() {
        assert_eq!(
            check_peer(None, &OcesPolicy::default()),
            Err(OcesRejection::NoCertificate)
        );
        assert_eq!(
            check_peer(Some(&[]), &OcesPolicy::default()),
            Err(OcesRejection::NoCertificate)
        );
        let garbage = [CertificateDer::from(vec![0x30, 0x03, 0x02, 0x01])];
        assert!(matches!(
            check_peer(Some(&garbage), &OcesPolicy::default()),
            Err(OcesRejection::Unparseable(_))
        ));
    }

    #[test]
    fn serial_kinds() {
        assert_eq!(
            classify_serial(&org()),
            SerialKind::Organisation { uuid: UUID.into() }
        );
        assert_eq!(
            classify_serial(&format!("UI:DK-E:G:{UUID}")),
            SerialKind::Employee { uuid: UUID.into() }
        );
        assert_eq!(classify_serial("CVR:12345678-FID:1"), SerialKind::Oces2);
        assert_eq!(classify_serial("CVR:12345678"), SerialKind::Unrecognised);
    }
}
