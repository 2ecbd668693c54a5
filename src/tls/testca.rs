//! A throwaway PKI shaped like MitID Erhverv's OCES3 test PKI, generated at run time.
//!
//! Vendors cannot get real OCES3 test certificates before their application is approved, and
//! tests must never depend on real keys. So kontrakt makes its own: a CA whose DN mimics the
//! OCES3 issuing CA but says plainly that it is fake, a server certificate for the local mock,
//! and organisation certificates with the OCES3 subject layout (domain.md §4.4). The same code
//! backs `kontrakt certs` and the in-memory [`TestPki`] that the mock's and runner's tests use
//! to make valid, foreign, expired, OCES2-shaped and employee certificates on demand.
//!
//! Deviations from real OCES3, on purpose: the CA signs with PKCS#1 v1.5 SHA-256 rather than
//! RSASSA-PSS (rcgen on ring cannot sign PSS), the chain has one CA instead of root plus
//! issuing CA, and the server certificate is always ECDSA P-256 (it is the mock's, not an OCES
//! certificate).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, DnValue,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose, SanType, SerialNumber,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use time::{Duration, OffsetDateTime};
use zeroize::Zeroizing;

use super::error::TlsError;
use super::identity::{Identity, Password, Pkcs12Encryption};

/// A fictitious CVR: it starts with 9 like MitID Erhverv's generated test organisations and
/// passes the modulus-11 check, so strict validators accept it too.
pub const DEFAULT_CVR: &str = "91234564";
pub const DEFAULT_ORGANISATION: &str = "kontrakt Testvirksomhed ApS";
pub const DEFAULT_COMMON_NAME: &str = "kontrakt testsystem";
/// OCES3 organisation certificates are valid for three years.
pub const DEFAULT_DAYS: u32 = 3 * 365;
/// A century; far larger values would overflow the date arithmetic.
const MAX_DAYS: u32 = 36_500;

/// The files [`TestPki::write_files`] writes, in order.
pub const FILE_NAMES: [&str; 7] = [
    "ca.pem",
    "ca-key.pem",
    "server.pem",
    "server-key.pem",
    "organisation.pem",
    "organisation-key.pem",
    "organisation.p12",
];

const OID_ORGANIZATION_IDENTIFIER: [u64; 4] = [2, 5, 4, 97];
const OID_SERIAL_NUMBER: [u64; 4] = [2, 5, 4, 5];
const OID_GIVEN_NAME: [u64; 4] = [2, 5, 4, 42];
const OID_SURNAME: [u64; 4] = [2, 5, 4, 4];

/// The key algorithm of the CA and client certificates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeyType {
    /// What OCES3 uses. Generation takes around a second per key.
    #[default]
    Rsa3072,
    /// Fast; what tests should use unless RSA itself is under test.
    EcdsaP256,
}

impl KeyType {
    pub fn describe(self) -> &'static str {
        match self {
            KeyType::Rsa3072 => "RSA 3072",
            KeyType::EcdsaP256 => "ECDSA P-256",
        }
    }
}

/// What [`TestPki::generate`] makes.
#[derive(Debug, Clone)]
pub struct TestPkiOptions {
    /// CVR of the organisation certificate.
    pub cvr: String,
    /// O of the organisation certificate.
    pub organisation: String,
    /// CN of the organisation certificate (the system's name).
    pub common_name: String,
    /// Key algorithm of the CA and the organisation certificate.
    pub key_type: KeyType,
    /// Validity of every certificate, from now.
    pub days: u32,
}

impl Default for TestPkiOptions {
    fn default() -> Self {
        TestPkiOptions {
            cvr: DEFAULT_CVR.into(),
            organisation: DEFAULT_ORGANISATION.into(),
            common_name: DEFAULT_COMMON_NAME.into(),
            key_type: KeyType::Rsa3072,
            days: DEFAULT_DAYS,
        }
    }
}

impl TestPkiOptions {
    /// The defaults with ECDSA keys: a whole PKI in milliseconds, for tests.
    pub fn fast() -> Self {
        TestPkiOptions {
            key_type: KeyType::EcdsaP256,
            ..TestPkiOptions::default()
        }
    }
}

/// One client certificate to issue. Start from [`ClientCertSpec::organisation`],
/// [`employee`](ClientCertSpec::employee) or [`oces2`](ClientCertSpec::oces2) and adjust the
/// public fields for anything unusual (a missing attribute, a malformed serialNumber).
#[derive(Debug, Clone)]
pub struct ClientCertSpec {
    /// `None` leaves organizationIdentifier (2.5.4.97) out.
    pub organisation_identifier: Option<String>,
    pub organisation: String,
    pub common_name: String,
    /// SERIALNUMBER (2.5.4.5); `None` leaves it out.
    pub serial_number: Option<String>,
    /// GIVENNAME and SURNAME, as employee certificates carry them.
    pub person: Option<(String, String)>,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    pub key_type: KeyType,
}

impl ClientCertSpec {
    /// An OCES3 organisation/system certificate for `cvr`, valid for a year, ECDSA key.
    pub fn organisation(cvr: &str) -> Self {
        let now = OffsetDateTime::now_utc();
        ClientCertSpec {
            organisation_identifier: Some(format!("NTRDK-{cvr}")),
            organisation: DEFAULT_ORGANISATION.into(),
            common_name: DEFAULT_COMMON_NAME.into(),
            serial_number: Some(format!("UI:DK-O:G:{}", random_uuid())),
            person: None,
            not_before: now - Duration::hours(1),
            not_after: now + Duration::days(365),
            key_type: KeyType::EcdsaP256,
        }
    }

    /// An OCES3 employee certificate (`UI:DK-E:G:<uuid>`) of someone employed at `cvr`.
    pub fn employee(cvr: &str) -> Self {
        ClientCertSpec {
            common_name: "Test Medarbejder".into(),
            serial_number: Some(format!("UI:DK-E:G:{}", random_uuid())),
            person: Some(("Test".into(), "Medarbejder".into())),
            ..ClientCertSpec::organisation(cvr)
        }
    }

    /// An OCES2 function certificate (FOCES: `CVR:<cvr>-FID:<n>`, no organizationIdentifier).
    pub fn oces2(cvr: &str) -> Self {
        let fid: u64 = rand::random_range(1_000_000_000_000..10_000_000_000_000);
        ClientCertSpec {
            organisation_identifier: None,
            organisation: format!("{DEFAULT_ORGANISATION} // CVR:{cvr}"),
            serial_number: Some(format!("CVR:{cvr}-FID:{fid}")),
            ..ClientCertSpec::organisation(cvr)
        }
    }

    /// The same certificate, but expired yesterday.
    pub fn expired(self) -> Self {
        let now = OffsetDateTime::now_utc();
        ClientCertSpec {
            not_before: now - Duration::days(30),
            not_after: now - Duration::days(1),
            ..self
        }
    }

    pub fn with_key_type(self, key_type: KeyType) -> Self {
        ClientCertSpec { key_type, ..self }
    }
}

/// A generated CA with a server certificate and one organisation certificate, all in memory.
pub struct TestPki {
    ca: Ca,
    server: Identity,
    organisation: Identity,
    key_type: KeyType,
}

impl std::fmt::Debug for TestPki {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestPki")
            .field("server", &self.server)
            .field("organisation", &self.organisation)
            .field("ca_key", &"<redacted>")
            .finish()
    }
}

/// A file [`TestPki::write_files`] wrote, and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenFile {
    pub path: PathBuf,
    pub description: String,
}

impl TestPki {
    /// Generates the CA, the server certificate and the organisation certificate.
    pub fn generate(options: &TestPkiOptions) -> Result<Self, TlsError> {
        if !crate::spec::validate::is_cvr(&options.cvr) {
            return Err(TlsError::Invalid(format!(
                "CVR `{}` is not 8 digits without a leading zero",
                options.cvr
            )));
        }
        if options.days == 0 || options.days > MAX_DAYS {
            return Err(TlsError::Invalid(format!(
                "validity must be at least 1 day and at most {MAX_DAYS} days, not {}",
                options.days
            )));
        }
        let now = OffsetDateTime::now_utc();
        let until = now + Duration::days(i64::from(options.days));

        let mut ca_params = CertificateParams::default();
        ca_params.distinguished_name = ca_name()?;
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        ca_params.serial_number = Some(random_serial());
        ca_params.not_before = now - Duration::days(1);
        // A day beyond its certificates, so none outlives its issuer.
        ca_params.not_after = until + Duration::days(1);
        let key = generate_key(options.key_type)?;
        let cert = ca_params.self_signed(&key).map_err(gen_err)?.der().clone();
        let ca = Ca {
            params: ca_params,
            key,
            cert,
        };
        let server = ca.issue_server(now, until)?;
        let organisation = ca.issue(&ClientCertSpec {
            organisation: options.organisation.clone(),
            common_name: options.common_name.clone(),
            not_after: until,
            key_type: options.key_type,
            ..ClientCertSpec::organisation(&options.cvr)
        })?;
        Ok(TestPki {
            ca,
            server,
            organisation,
            key_type: options.key_type,
        })
    }

    /// The CA certificate: the `--client-ca` of the mock and the trusted root of clients.
    pub fn ca_cert(&self) -> &CertificateDer<'static> {
        &self.ca.cert
    }

    /// The CA certificate as a one-element root list, the shape rustls builders take.
    pub fn roots(&self) -> Vec<CertificateDer<'static>> {
        vec![self.ca.cert.clone()]
    }

    pub fn ca_pem(&self) -> String {
        let mut out = String::new();
        super::identity::pem_block(&mut out, "CERTIFICATE", &self.ca.cert);
        out
    }

    pub fn ca_key_pem(&self) -> Zeroizing<String> {
        Zeroizing::new(self.ca.key.serialize_pem())
    }

    /// The server certificate (localhost, 127.0.0.1, ::1) with its key.
    pub fn server(&self) -> &Identity {
        &self.server
    }

    /// The organisation certificate made by [`TestPki::generate`] (chain: leaf, CA).
    pub fn organisation(&self) -> &Identity {
        &self.organisation
    }

    /// Issues a client certificate from this CA. The identity's chain is leaf then CA, as in a
    /// `.p12` from MitID Erhverv.
    pub fn issue(&self, spec: &ClientCertSpec) -> Result<Identity, TlsError> {
        self.ca.issue(spec)
    }

    /// A valid organisation certificate for another CVR.
    pub fn issue_organisation(&self, cvr: &str) -> Result<Identity, TlsError> {
        self.issue(&ClientCertSpec::organisation(cvr))
    }

    /// An organisation certificate of the PKI's CVR that expired yesterday.
    pub fn issue_expired(&self, cvr: &str) -> Result<Identity, TlsError> {
        self.issue(&ClientCertSpec::organisation(cvr).expired())
    }

    /// An OCES2-shaped (FOCES) certificate.
    pub fn issue_oces2(&self, cvr: &str) -> Result<Identity, TlsError> {
        self.issue(&ClientCertSpec::oces2(cvr))
    }

    /// An OCES3 employee certificate.
    pub fn issue_employee(&self, cvr: &str) -> Result<Identity, TlsError> {
        self.issue(&ClientCertSpec::employee(cvr))
    }

    /// Writes `ca.pem`, `ca-key.pem`, `server.pem`, `server-key.pem`, `organisation.pem` (leaf
    /// and CA), `organisation-key.pem` and `organisation.p12` into `dir` (created if missing).
    /// Without `force`, refuses before writing anything if any of them exists. Key files are
    /// readable by the owner only.
    pub fn write_files(
        &self,
        dir: &Path,
        password: &Password,
        force: bool,
    ) -> Result<Vec<WrittenFile>, TlsError> {
        let p12 = self
            .organisation
            .to_pkcs12(password, Pkcs12Encryption::Modern)?;
        let files: Vec<(&str, Zeroizing<Vec<u8>>, bool, String)> = vec![
            (
                "ca.pem",
                Zeroizing::new(self.ca_pem().into_bytes()),
                false,
                "test CA certificate (the mock's --client-ca; clients' trusted root)".into(),
            ),
            (
                "ca-key.pem",
                Zeroizing::new(self.ca_key_pem().as_bytes().to_vec()),
                true,
                format!("test CA private key ({})", self.key_type.describe()),
            ),
            (
                "server.pem",
                Zeroizing::new(self.server.cert_pem().into_bytes()),
                false,
                "server certificate for localhost, 127.0.0.1 and ::1 (ECDSA P-256)".into(),
            ),
            (
                "server-key.pem",
                Zeroizing::new(self.server.key_pem().as_bytes().to_vec()),
                true,
                "server private key".into(),
            ),
            (
                "organisation.pem",
                Zeroizing::new(self.organisation.cert_pem().into_bytes()),
                false,
                format!(
                    "OCES3-shaped organisation certificate and CA ({})",
                    self.key_type.describe()
                ),
            ),
            (
                "organisation-key.pem",
                Zeroizing::new(self.organisation.key_pem().as_bytes().to_vec()),
                true,
                "organisation private key (PKCS#8)".into(),
            ),
            (
                "organisation.p12",
                Zeroizing::new(p12),
                true,
                "organisation certificate, CA and key as PKCS#12 (AES-256, PBKDF2)".into(),
            ),
        ];
        std::fs::create_dir_all(dir).map_err(|e| TlsError::Write {
            path: dir.to_path_buf(),
            reason: e.to_string(),
        })?;
        if !force
            && let Some(existing) = files
                .iter()
                .map(|(name, ..)| dir.join(name))
                .find(|p| p.symlink_metadata().is_ok())
        {
            return Err(TlsError::Exists { path: existing });
        }
        let mut written = Vec::with_capacity(files.len());
        for (name, bytes, secret, description) in files {
            let path = dir.join(name);
            write_file(&path, &bytes, secret, force)?;
            written.push(WrittenFile { path, description });
        }
        Ok(written)
    }
}

/// The CA's certificate parameters (rcgen signs from its name and key identifier), key and
/// certificate.
struct Ca {
    params: CertificateParams,
    key: KeyPair,
    cert: CertificateDer<'static>,
}

impl Ca {
    /// Issues a client certificate from this CA. The identity's chain is leaf then CA, as in a
    /// `.p12` from MitID Erhverv.
    fn issue(&self, spec: &ClientCertSpec) -> Result<Identity, TlsError> {
        let mut name = DistinguishedName::new();
        name.push(DnType::CountryName, printable("DK")?);
        if let Some(id) = &spec.organisation_identifier {
            name.push(
                DnType::CustomDnType(OID_ORGANIZATION_IDENTIFIER.to_vec()),
                id.as_str(),
            );
        }
        name.push(DnType::OrganizationName, spec.organisation.as_str());
        if let Some(serial) = &spec.serial_number {
            // X.520 makes serialNumber a PrintableString; OCES values fit its alphabet.
            let value = match printable(serial) {
                Ok(v) => v,
                Err(_) => DnValue::Utf8String(serial.clone()),
            };
            name.push(DnType::CustomDnType(OID_SERIAL_NUMBER.to_vec()), value);
        }
        if let Some((given, surname)) = &spec.person {
            name.push(
                DnType::CustomDnType(OID_GIVEN_NAME.to_vec()),
                given.as_str(),
            );
            name.push(DnType::CustomDnType(OID_SURNAME.to_vec()), surname.as_str());
        }
        name.push(DnType::CommonName, spec.common_name.as_str());

        let mut params = CertificateParams::default();
        params.distinguished_name = name;
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        params.serial_number = Some(random_serial());
        params.not_before = spec.not_before;
        params.not_after = spec.not_after;
        params.use_authority_key_identifier_extension = true;
        let key = generate_key(spec.key_type)?;
        self.sign(&params, key)
    }

    fn issue_server(
        &self,
        now: OffsetDateTime,
        until: OffsetDateTime,
    ) -> Result<Identity, TlsError> {
        let mut params = CertificateParams::default();
        let mut name = DistinguishedName::new();
        name.push(DnType::CountryName, printable("DK")?);
        name.push(DnType::OrganizationName, "kontrakt (ikke gyldig)");
        name.push(DnType::CommonName, "localhost");
        params.distinguished_name = name;
        params.subject_alt_names = vec![
            SanType::DnsName("localhost".try_into().map_err(gen_err)?),
            SanType::IpAddress(std::net::Ipv4Addr::LOCALHOST.into()),
            SanType::IpAddress(std::net::Ipv6Addr::LOCALHOST.into()),
        ];
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.serial_number = Some(random_serial());
        params.not_before = now - Duration::hours(1);
        params.not_after = until;
        params.use_authority_key_identifier_extension = true;
        let key = generate_key(KeyType::EcdsaP256)?;
        self.sign(&params, key)
    }

    fn sign(&self, params: &CertificateParams, key: KeyPair) -> Result<Identity, TlsError> {
        let issuer = Issuer::from_params(&self.params, &self.key);
        let cert = params.signed_by(&key, &issuer).map_err(gen_err)?;
        let der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        Identity::new(vec![cert.der().clone(), self.cert.clone()], der)
    }
}

/// Shaped like `CN=Den Danske Stat OCES udstedende-CA 1, OU=Test - cti, O=Den Danske Stat,
/// C=DK`, but nobody could mistake it for the real one.
fn ca_name() -> Result<DistinguishedName, TlsError> {
    let mut name = DistinguishedName::new();
    name.push(DnType::CountryName, printable("DK")?);
    name.push(DnType::OrganizationName, "kontrakt (ikke gyldig)");
    name.push(DnType::OrganizationalUnitName, "Test - cti");
    name.push(DnType::CommonName, "kontrakt test OCES udstedende-CA");
    Ok(name)
}

fn generate_key(key_type: KeyType) -> Result<KeyPair, TlsError> {
    match key_type {
        KeyType::EcdsaP256 => {
            KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(gen_err)
        }
        KeyType::Rsa3072 => {
            // ring signs with RSA keys but cannot make them; the `rsa` crate can.
            use rsa::pkcs8::EncodePrivateKey as _;
            let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 3072)
                .map_err(|e| TlsError::Generate(format!("RSA key generation failed: {e}")))?;
            let der = key
                .to_pkcs8_der()
                .map_err(|e| TlsError::Generate(format!("RSA key encoding failed: {e}")))?;
            KeyPair::from_pkcs8_der_and_sign_algo(
                &PrivatePkcs8KeyDer::from(der.as_bytes()),
                &rcgen::PKCS_RSA_SHA256,
            )
            .map_err(gen_err)
        }
    }
}

fn printable(s: &str) -> Result<DnValue, TlsError> {
    Ok(DnValue::PrintableString(s.try_into().map_err(gen_err)?))
}

/// A positive 16-byte serial: RFC 5280 wants them unique and unpredictable.
fn random_serial() -> SerialNumber {
    let mut bytes: [u8; 16] = rand::random();
    bytes[0] &= 0x7f;
    bytes[0] |= 0x01;
    SerialNumber::from_slice(&bytes)
}

/// A random (version 4) UUID, lower case.
pub fn random_uuid() -> String {
    let mut b: [u8; 16] = rand::random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let mut s = String::with_capacity(36);
    for (i, byte) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        let _ = write!(s, "{byte:02x}");
    }
    s
}

fn gen_err(e: rcgen::Error) -> TlsError {
    TlsError::Generate(e.to_string())
}

fn write_file(path: &Path, bytes: &[u8], secret: bool, force: bool) -> Result<(), TlsError> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        // Checked above already; create_new also closes the race with another writer.
        options.create_new(true);
    }
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = secret;
    let io_err = |e: std::io::Error| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            TlsError::Exists {
                path: path.to_path_buf(),
            }
        } else {
            TlsError::Write {
                path: path.to_path_buf(),
                reason: e.to_string(),
            }
        }
    };
    let mut file = options.open(path).map_err(io_err)?;
    file.write_all(bytes).map_err(io_err)?;
    // A key file overwritten with --force keeps its old mode; tighten it.
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::PermissionsExt as _;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(io_err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tls::oces::{OcesPolicy, OcesSubject, check};

    #[test]
    fn generated_organisation_certificate_has_the_oces3_subject() {
        let pki = TestPki::generate(&TestPkiOptions {
            cvr: "12345678".into(),
            organisation: "Bobestyrer Ærø ApS".into(),
            ..TestPkiOptions::fast()
        })
        .unwrap();
        let subject = OcesSubject::parse(pki.organisation().leaf()).unwrap();
        assert_eq!(
            subject.organisation_identifier.as_deref(),
            Some("NTRDK-12345678")
        );
        assert_eq!(subject.organisation.as_deref(), Some("Bobestyrer Ærø ApS"));
        assert_eq!(subject.country.as_deref(), Some("DK"));
        assert!(subject.issued_by_test_ca());
        assert!(subject.issuer.contains("kontrakt test OCES udstedende-CA"));
        let id = check(&subject, &OcesPolicy::default()).unwrap();
        assert_eq!(id.cvr, "12345678");
        assert_eq!(pki.organisation().chain().len(), 2);
        assert!(subject.not_after > OffsetDateTime::now_utc() + Duration::days(3 * 365 - 2));
    }

    #[test]
    fn issued_variants_have_their_shapes() {
        let pki = TestPki::generate(&TestPkiOptions::fast()).unwrap();
        let parse = |i: &Identity| OcesSubject::parse(i.leaf()).unwrap();
        let oces2 = parse(&pki.issue_oces2("12345678").unwrap());
        assert!(
            oces2
                .serial_number
                .unwrap()
                .starts_with("CVR:12345678-FID:")
        );
        assert_eq!(oces2.organisation_identifier, None);
        let employee = parse(&pki.issue_employee("12345678").unwrap());
        assert!(employee.serial_number.unwrap().starts_with("UI:DK-E:G:"));
        let expired = parse(&pki.issue_expired("12345678").unwrap());
        assert!(expired.not_after < OffsetDateTime::now_utc());
    }

    #[test]
    fn rejects_bad_options() {
        for cvr in ["1234", "01234567", "abcdefgh"] {
            let err = TestPki::generate(&TestPkiOptions {
                cvr: cvr.into(),
                ..TestPkiOptions::fast()
            })
            .unwrap_err();
            assert!(err.to_string().contains(cvr), "{err}");
        }
        let err = TestPki::generate(&TestPkiOptions {
            days: 0,
            ..TestPkiOptions::fast()
        })
        .unwrap_err();
        assert!(err.to_string().contains("at least 1 day"));
        let err = TestPki::generate(&TestPkiOptions {
            days: u32::MAX,
            ..TestPkiOptions::fast()
        })
        .unwrap_err();
        assert!(err.to_string().contains("at most"), "{err}");
    }

    #[test]
    fn uuids_are_version_4() {
        let u = random_uuid();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"));
    }

    #[test]
    fn debug_hides_keys() {
        let pki = TestPki::generate(&TestPkiOptions::fast()).unwrap();
        let debug = format!("{pki:?}");
        assert!(debug.contains("<redacted"));
        assert!(!debug.contains("PRIVATE KEY"));
        let key_b64 = &pki.organisation().key_pem()[28..80];
        assert!(!debug.contains(key_b64));
    }
}
