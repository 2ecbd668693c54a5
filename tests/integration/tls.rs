//! TLS end to end: real handshakes on 127.0.0.1 between a tokio-rustls server built by
//! `tls::server_config*` and a tokio-rustls client, with certificates from `tls::TestPki`;
//! identity loading from `.p12` and PEM files and every way it fails; `kontrakt certs`.
//!
//! ECDSA keys throughout, except one test that exercises RSA 3072 (slow to generate in debug).

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use kontrakt::tls::{
    ClientCertSpec, Identity, KeyType, OcesPolicy, OcesRejection, OcesSubject, Password,
    Pkcs12Encryption, ServerTlsOptions, TestPki, TestPkiOptions, TlsError, check_peer,
    client_config, server_config, server_config_for,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

use crate::support::{kontrakt, temp_dir, transcript, write};

const CVR: &str = "12345678";

fn pki() -> TestPki {
    TestPki::generate(&TestPkiOptions {
        cvr: CVR.into(),
        ..TestPkiOptions::fast()
    })
    .expect("generate test PKI")
}

/// What the server saw of one connection.
#[derive(Debug)]
struct Served {
    /// The client's certificate subject, when it presented one.
    subject: Option<OcesSubject>,
    /// The OCES verdict on it, as the mock would compute it.
    oces: Result<String, OcesRejection>,
}

/// Accepts one connection, completes the handshake, answers one HTTP/1.1 request with the
/// client's CN (or `anonymous`), and reports what it saw; a failed handshake is an `Err`.
async fn serve_once(
    config: Arc<rustls::ServerConfig>,
) -> (SocketAddr, tokio::task::JoinHandle<Result<Served, String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local addr");
    let task = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.map_err(|e| e.to_string())?;
        let acceptor = tokio_rustls::TlsAcceptor::from(config);
        let mut tls = acceptor.accept(tcp).await.map_err(|e| e.to_string())?;
        let (_, conn) = tls.get_ref();
        assert_eq!(conn.alpn_protocol(), Some(&b"http/1.1"[..]));
        let peer = conn.peer_certificates().map(<[CertificateDer<'_>]>::to_vec);
        let subject = peer
            .as_ref()
            .and_then(|certs| certs.first())
            .map(|leaf| OcesSubject::parse(leaf).expect("parse peer certificate"));
        let oces = check_peer(peer.as_deref(), &OcesPolicy::default()).map(|id| id.cvr);
        let mut request = Vec::new();
        let mut buf = [0u8; 1024];
        while !request.ends_with(b"\r\n\r\n") {
            let n = tls.read(&mut buf).await.map_err(|e| e.to_string())?;
            if n == 0 {
                return Err("client closed before the request ended".into());
            }
            request.extend_from_slice(&buf[..n]);
        }
        let body = subject
            .as_ref()
            .and_then(|s| s.common_name.clone())
            .unwrap_or_else(|| "anonymous".into());
        let response = format!(
            "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        tls.write_all(response.as_bytes())
            .await
            .map_err(|e| e.to_string())?;
        tls.shutdown().await.map_err(|e| e.to_string())?;
        Ok(Served { subject, oces })
    });
    (addr, task)
}

/// Connects, sends one GET and returns the response body; any TLS failure is an `Err`. In TLS
/// 1.3 a client learns that the server refused its certificate only when it next reads.
async fn get(
    addr: SocketAddr,
    roots: &[CertificateDer<'static>],
    identity: Option<&Identity>,
) -> Result<String, String> {
    let config = client_config(roots, identity).map_err(|e| e.to_string())?;
    let connector = tokio_rustls::TlsConnector::from(config);
    let tcp = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    let name = ServerName::try_from("localhost").expect("server name");
    let mut tls = connector
        .connect(name, tcp)
        .await
        .map_err(|e| e.to_string())?;
    tls.write_all(b"GET / HTTP/1.1\r\nhost: localhost\r\n\r\n")
        .await
        .map_err(|e| e.to_string())?;
    let mut response = Vec::new();
    tls.read_to_end(&mut response)
        .await
        .map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&response).into_owned();
    match text.split_once("\r\n\r\n") {
        Some((head, body)) if head.starts_with("HTTP/1.1 200") => Ok(body.to_string()),
        _ => Err(format!("no HTTP response: {text:?}")),
    }
}

/// One exchange: server and client, bounded in time so a hang fails instead of blocking CI.
async fn exchange(
    server: Arc<rustls::ServerConfig>,
    roots: &[CertificateDer<'static>],
    identity: Option<&Identity>,
) -> (Result<String, String>, Result<Served, String>) {
    tokio::time::timeout(Duration::from_secs(20), async {
        let (addr, task) = serve_once(server).await;
        let client = get(addr, roots, identity).await;
        let served = task.await.expect("server task");
        (client, served)
    })
    .await
    .expect("exchange finished in time")
}

fn mtls_server(pki: &TestPki) -> Arc<rustls::ServerConfig> {
    server_config_for(pki.server(), Some(&pki.roots())).expect("server config")
}

#[tokio::test]
async fn valid_client_certificate_is_accepted_and_its_oces_subject_read() {
    let pki = pki();
    let (client, served) =
        exchange(mtls_server(&pki), &pki.roots(), Some(pki.organisation())).await;
    assert_eq!(client.as_deref(), Ok("kontrakt testsystem"));
    let served = served.expect("handshake accepted");
    let subject = served.subject.expect("client certificate seen");
    assert_eq!(
        subject.organisation_identifier.as_deref(),
        Some("NTRDK-12345678")
    );
    assert!(
        subject
            .serial_number
            .as_deref()
            .is_some_and(|s| s.starts_with("UI:DK-O:G:"))
    );
    assert_eq!(subject.cvr(), Some(CVR));
    assert!(subject.issued_by_test_ca());
    assert_eq!(served.oces, Ok(CVR.to_string()));
}

#[tokio::test]
async fn oces_rules_are_applied_after_a_valid_handshake() {
    // The handshake accepts these (right CA, in date); the OCES check says why they are wrong.
    let pki = pki();
    let oces2 = pki.issue_oces2(CVR).unwrap();
    let (_, served) = exchange(mtls_server(&pki), &pki.roots(), Some(&oces2)).await;
    let served = served.expect("handshake accepted");
    assert!(matches!(served.oces, Err(OcesRejection::Oces2(_))));

    let employee = pki.issue_employee(CVR).unwrap();
    let (_, served) = exchange(mtls_server(&pki), &pki.roots(), Some(&employee)).await;
    assert!(matches!(
        served.unwrap().oces,
        Err(OcesRejection::EmployeeCertificate(_))
    ));

    let other = pki.issue_organisation("87654321").unwrap();
    let (_, served) = exchange(mtls_server(&pki), &pki.roots(), Some(&other)).await;
    let served = served.unwrap();
    let subject = served.subject.unwrap();
    let policy = OcesPolicy {
        expected_cvr: Some(CVR.into()),
        ..OcesPolicy::default()
    };
    assert_eq!(
        kontrakt::tls::oces::check(&subject, &policy).unwrap_err(),
        OcesRejection::CvrMismatch {
            expected: CVR.into(),
            found: "87654321".into()
        }
    );
}

#[tokio::test]
async fn no_client_certificate_is_rejected() {
    let pki = pki();
    let (client, served) = exchange(mtls_server(&pki), &pki.roots(), None).await;
    assert!(client.is_err(), "client got through: {client:?}");
    let err = served.expect_err("server must refuse");
    assert!(err.contains("no certificates"), "{err}");
}

#[tokio::test]
async fn certificate_from_another_ca_is_rejected() {
    let pki = pki();
    let stranger = self::pki();
    let (client, served) = exchange(
        mtls_server(&pki),
        &pki.roots(),
        Some(stranger.organisation()),
    )
    .await;
    assert!(client.is_err(), "client got through: {client:?}");
    let err = served.expect_err("server must refuse");
    // Every TestPki CA has the same DN, so webpki finds a candidate issuer by name and then
    // fails its signature: the case of a look-alike CA, which must not pass either.
    let err = err.to_lowercase();
    assert!(err.contains("signature") || err.contains("issuer"), "{err}");
}

#[tokio::test]
async fn expired_client_certificate_is_rejected() {
    let pki = pki();
    let expired = pki.issue_expired(CVR).unwrap();
    let (client, served) = exchange(mtls_server(&pki), &pki.roots(), Some(&expired)).await;
    assert!(client.is_err(), "client got through: {client:?}");
    let err = served.expect_err("server must refuse");
    assert!(err.to_lowercase().contains("expired"), "{err}");
}

#[tokio::test]
async fn server_without_client_ca_accepts_anonymous_clients() {
    let pki = pki();
    let config = server_config_for(pki.server(), None).unwrap();
    let (client, served) = exchange(config, &pki.roots(), None).await;
    assert_eq!(client.as_deref(), Ok("anonymous"));
    let served = served.unwrap();
    assert!(served.subject.is_none());
    assert_eq!(served.oces, Err(OcesRejection::NoCertificate));
}

#[tokio::test]
async fn client_rejects_a_server_from_an_unknown_ca() {
    let pki = pki();
    let stranger = self::pki();
    let (client, _) = exchange(
        server_config_for(pki.server(), None).unwrap(),
        &stranger.roots(),
        None,
    )
    .await;
    assert!(client.is_err());
}

#[tokio::test]
async fn server_config_from_files_written_by_the_pki() {
    let pki = pki();
    let dir = temp_dir();
    let password = Password::new("s3cret-p12");
    pki.write_files(dir.path(), &password, false).unwrap();
    // PEM server files and a CA file, as `kontrakt mock --tls-cert --tls-key --client-ca`.
    let pem_options = ServerTlsOptions {
        cert: dir.path().join("server.pem"),
        key: Some(dir.path().join("server-key.pem")),
        password: None,
        client_ca: Some(dir.path().join("ca.pem")),
    };
    let client =
        Identity::from_pkcs12_file(&dir.path().join("organisation.p12"), Some(&password)).unwrap();
    let (body, served) = exchange(
        server_config(&pem_options).unwrap(),
        &pki.roots(),
        Some(&client),
    )
    .await;
    assert_eq!(body.as_deref(), Ok("kontrakt testsystem"));
    assert!(served.is_ok());

    // The server identity from a .p12 works the same.
    let p12 = pki
        .server()
        .to_pkcs12(&password, Pkcs12Encryption::Modern)
        .unwrap();
    let p12_path = write(dir.path(), "server.p12", p12);
    let p12_options = ServerTlsOptions {
        cert: p12_path,
        key: None,
        password: Some(password.clone()),
        client_ca: None,
    };
    let (body, _) = exchange(server_config(&p12_options).unwrap(), &pki.roots(), None).await;
    assert_eq!(body.as_deref(), Ok("anonymous"));

    // Debug output of the options never shows the password.
    let debug = format!("{p12_options:?}");
    assert!(!debug.contains("s3cret-p12"), "{debug}");
    assert!(debug.contains("redacted"), "{debug}");
}

#[test]
fn bad_client_ca_file_is_named() {
    let pki = pki();
    let dir = temp_dir();
    pki.write_files(dir.path(), &Password::new("x"), false)
        .unwrap();
    let garbage = write(dir.path(), "ca-garbage.pem", "not a certificate\n");
    let options = ServerTlsOptions {
        cert: dir.path().join("server.pem"),
        key: Some(dir.path().join("server-key.pem")),
        password: None,
        client_ca: Some(garbage.clone()),
    };
    let err = server_config(&options).unwrap_err();
    assert!(matches!(err, TlsError::NoCertificate { .. }), "{err:?}");
    assert!(err.to_string().contains(&garbage.display().to_string()));
}

// ---------------------------------------------------------------- identity loading

fn same(a: &Identity, b: &Identity) {
    assert_eq!(a.chain(), b.chain());
    assert_eq!(a.key().secret_der(), b.key().secret_der());
}

#[test]
fn pkcs12_round_trip_modern_and_legacy() {
    let pki = pki();
    let dir = temp_dir();
    let password = Password::new("correct horse");
    for (name, encryption) in [
        ("modern.p12", Pkcs12Encryption::Modern),
        ("legacy-3des.p12", Pkcs12Encryption::LegacyTripleDes),
        ("legacy-rc2.pfx", Pkcs12Encryption::LegacyRc2),
    ] {
        let bytes = pki.organisation().to_pkcs12(&password, encryption).unwrap();
        let path = write(dir.path(), name, bytes);
        let loaded = Identity::from_pkcs12_file(&path, Some(&password))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        same(&loaded, pki.organisation());
        assert_eq!(loaded.chain().len(), 2, "{name}: leaf and CA");
        // `load` decides by content, not extension.
        let loaded = Identity::load(&path, None, Some(&password)).unwrap();
        same(&loaded, pki.organisation());
    }
}

#[test]
fn wrong_or_missing_pkcs12_password() {
    let pki = pki();
    let dir = temp_dir();
    let bytes = pki
        .organisation()
        .to_pkcs12(&Password::new("right"), Pkcs12Encryption::Modern)
        .unwrap();
    let path = write(dir.path(), "org.p12", bytes);
    let err = Identity::from_pkcs12_file(&path, Some(&Password::new("wrong-pw"))).unwrap_err();
    assert!(matches!(err, TlsError::WrongPassword { .. }), "{err:?}");
    let text = err.to_string();
    assert_eq!(text, format!("wrong password for {}", path.display()));
    assert!(!text.contains("wrong-pw") && !format!("{err:?}").contains("wrong-pw"));

    let err = Identity::from_pkcs12_file(&path, None).unwrap_err();
    assert!(matches!(err, TlsError::NeedsPassword { .. }), "{err:?}");
    assert!(err.to_string().contains(&path.display().to_string()));
}

#[test]
fn garbage_empty_truncated_and_missing_files() {
    let pki = pki();
    let dir = temp_dir();
    let pw = Password::new("pw");
    let garbage = write(dir.path(), "garbage.p12", b"\x00\x01not pkcs12 at all");
    let empty = write(dir.path(), "empty.p12", b"");
    let full = pki
        .organisation()
        .to_pkcs12(&pw, Pkcs12Encryption::Modern)
        .unwrap();
    let truncated = write(dir.path(), "truncated.p12", &full[..full.len() / 2]);
    let missing = dir.path().join("missing.p12");

    for (path, expect) in [
        (&garbage, "not a PKCS#12"),
        (&empty, "is empty"),
        (&truncated, "not a PKCS#12"),
        (&missing, "no such file"),
    ] {
        let err = Identity::from_pkcs12_file(path, Some(&pw)).unwrap_err();
        let text = err.to_string();
        assert!(text.contains(&path.display().to_string()), "{text}");
        assert!(text.contains(expect), "{text}");
        let err = Identity::load(path, None, Some(&pw)).unwrap_err();
        assert!(err.to_string().contains(&path.display().to_string()));
    }

    // PEM files: a certificate file with no certificate, a key file with no key, garbage PEM.
    let no_cert = write(dir.path(), "no-cert.pem", "hello\n");
    let key = write(
        dir.path(),
        "key.pem",
        pki.organisation().key_pem().as_bytes(),
    );
    let err = Identity::from_pem_files(&no_cert, &key).unwrap_err();
    assert!(matches!(err, TlsError::NoCertificate { .. }), "{err:?}");
    let cert = write(dir.path(), "cert.pem", pki.organisation().cert_pem());
    let err = Identity::from_pem_files(&cert, &no_cert).unwrap_err();
    assert!(matches!(err, TlsError::NoKey { .. }), "{err:?}");
    assert!(err.to_string().contains("no-cert.pem"));
    let broken = write(
        dir.path(),
        "broken.pem",
        "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
    );
    let err = Identity::from_pem_files(&broken, &key).unwrap_err();
    assert!(err.to_string().contains("broken.pem"), "{err}");
    let not_der = write(
        dir.path(),
        "not-der.pem",
        "-----BEGIN CERTIFICATE-----\naGVsbG8gd29ybGQ=\n-----END CERTIFICATE-----\n",
    );
    let err = Identity::from_pem_files(&not_der, &key).unwrap_err();
    assert!(matches!(err, TlsError::BadCertificate { .. }), "{err:?}");
    let err = Identity::from_pem_files(&dir.path().join("nope.pem"), &key).unwrap_err();
    assert!(matches!(err, TlsError::Missing { .. }), "{err:?}");
    // A directory is not read.
    let err = Identity::from_pem_files(dir.path(), &key).unwrap_err();
    assert!(matches!(err, TlsError::Read { .. }), "{err:?}");
}

#[test]
fn key_that_does_not_match_the_certificate() {
    let pki = pki();
    let dir = temp_dir();
    let cert = write(dir.path(), "org.pem", pki.organisation().cert_pem());
    let key = write(
        dir.path(),
        "server-key.pem",
        pki.server().key_pem().as_bytes(),
    );
    let err = Identity::from_pem_files(&cert, &key).unwrap_err();
    assert!(matches!(err, TlsError::KeyMismatch { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("server-key.pem") && text.contains("org.pem"),
        "{text}"
    );
    assert!(!text.contains("PRIVATE KEY"));
}

#[test]
fn pem_forms_and_combined_files() {
    let pki = pki();
    let dir = temp_dir();
    let org = pki.organisation();
    let cert = write(dir.path(), "org.pem", org.cert_pem());

    // PKCS#8.
    let pkcs8 = write(dir.path(), "pkcs8.pem", org.key_pem().as_bytes());
    same(&Identity::from_pem_files(&cert, &pkcs8).unwrap(), org);

    // SEC1, as `openssl ec` writes it: the inner key of the PKCS#8 structure.
    let sec1 = pem("EC PRIVATE KEY", pkcs8_inner(org.key().secret_der()));
    let sec1_path = write(dir.path(), "sec1.pem", &sec1);
    let loaded = Identity::from_pem_files(&cert, &sec1_path).unwrap();
    assert!(matches!(loaded.key(), PrivateKeyDer::Sec1(_)));
    assert_eq!(loaded.key_pem().as_str(), sec1);

    // One file with chain and key; `load` finds both.
    let combined = write(
        dir.path(),
        "combined.pem",
        format!("{}{}", org.key_pem().as_str(), org.cert_pem()),
    );
    same(&Identity::load(&combined, None, None).unwrap(), org);
    let err = Identity::load(&combined, None, Some(&Password::new("pw"))).unwrap_err();
    assert!(matches!(err, TlsError::PasswordForPem { .. }), "{err:?}");

    // to_pem is what reqwest's Identity::from_pem takes: it must load back.
    let pem_text = org.to_pem();
    assert!(pem_text.contains("-----BEGIN CERTIFICATE-----"));
    assert!(pem_text.contains("-----BEGIN PRIVATE KEY-----"));
    let all = Path::new("(memory)");
    same(
        &Identity::from_pem_bytes(pem_text.as_bytes(), all, pem_text.as_bytes(), all).unwrap(),
        org,
    );

    // A PEM file where a .p12 is expected says so.
    let err = Identity::from_pkcs12_file(&cert, Some(&Password::new("pw"))).unwrap_err();
    assert!(matches!(err, TlsError::NotPkcs12 { .. }), "{err:?}");
    assert!(err.to_string().contains("PEM"), "{err}");

    // Encrypted PEM keys are refused with a way out.
    let encrypted = write(
        dir.path(),
        "enc.pem",
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n",
    );
    let err = Identity::from_pem_files(&cert, &encrypted).unwrap_err();
    assert!(matches!(err, TlsError::EncryptedPemKey { .. }), "{err:?}");
}

#[test]
fn debug_output_hides_keys() {
    let pki = pki();
    let org = pki.organisation();
    let debug = format!("{org:?}");
    assert!(debug.contains("<redacted PKCS#8>"), "{debug}");
    assert!(debug.contains("NTRDK-12345678"), "{debug}");
    let key_pem = org.key_pem();
    let body_line = key_pem.lines().nth(1).unwrap();
    assert!(!debug.contains(body_line));
    assert_eq!(
        format!("{:?}", Password::new("hunter2")),
        "Password(<redacted>)"
    );
}

/// The one RSA test: an RSA 3072 client certificate (the OCES3 norm) in a handshake, through a
/// `.p12`, and as a PKCS#1 PEM key.
#[tokio::test]
async fn rsa_3072_client_certificate() {
    let pki = pki();
    let started = std::time::Instant::now();
    let rsa = pki
        .issue(&ClientCertSpec::organisation(CVR).with_key_type(KeyType::Rsa3072))
        .unwrap();
    eprintln!("RSA 3072 key and certificate: {:?}", started.elapsed());
    let (client, served) = exchange(mtls_server(&pki), &pki.roots(), Some(&rsa)).await;
    assert_eq!(client.as_deref(), Ok("kontrakt testsystem"));
    assert_eq!(served.unwrap().oces, Ok(CVR.to_string()));

    let dir = temp_dir();
    let pw = Password::new("pw");
    let p12 = write(
        dir.path(),
        "rsa.p12",
        rsa.to_pkcs12(&pw, Pkcs12Encryption::LegacyTripleDes)
            .unwrap(),
    );
    same(&Identity::from_pkcs12_file(&p12, Some(&pw)).unwrap(), &rsa);

    let cert = write(dir.path(), "rsa.pem", rsa.cert_pem());
    let pkcs1 = write(
        dir.path(),
        "rsa-pkcs1.pem",
        pem("RSA PRIVATE KEY", pkcs8_inner(rsa.key().secret_der())),
    );
    let loaded = Identity::from_pem_files(&cert, &pkcs1).unwrap();
    assert!(matches!(loaded.key(), PrivateKeyDer::Pkcs1(_)));
    let (client, _) = exchange(mtls_server(&pki), &pki.roots(), Some(&loaded)).await;
    assert_eq!(client.as_deref(), Ok("kontrakt testsystem"));
}

// ---------------------------------------------------------------- kontrakt certs

#[test]
fn certs_command_writes_loadable_files_and_refuses_to_overwrite() {
    let dir = temp_dir();
    let out = dir.path().join("pki");
    let out_arg = out.to_str().unwrap();
    let args = [
        "certs",
        "--out",
        out_arg,
        "--key-type",
        "ecdsa",
        "--cvr",
        CVR,
        "--org",
        "Bobestyrerfirma Ærø ApS",
    ];
    let output = kontrakt(dir.path(), &args);
    let text = transcript(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    for name in kontrakt::tls::testca::FILE_NAMES {
        assert!(out.join(name).is_file(), "{name} missing: {text}");
        assert!(text.contains(name), "{name} not listed: {text}");
    }
    assert!(text.contains("NTRDK-12345678"), "{text}");

    let org = Identity::from_pkcs12_file(
        &out.join("organisation.p12"),
        Some(&Password::new("kontrakt")),
    )
    .unwrap();
    let subject = OcesSubject::parse(org.leaf()).unwrap();
    assert_eq!(subject.cvr(), Some(CVR));
    assert_eq!(
        subject.organisation.as_deref(),
        Some("Bobestyrerfirma Ærø ApS")
    );
    let org_pem = Identity::from_pem_files(
        &out.join("organisation.pem"),
        &out.join("organisation-key.pem"),
    )
    .unwrap();
    same(&org, &org_pem);
    server_config(&ServerTlsOptions {
        cert: out.join("server.pem"),
        key: Some(out.join("server-key.pem")),
        password: None,
        client_ca: Some(out.join("ca.pem")),
    })
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        for name in [
            "ca-key.pem",
            "server-key.pem",
            "organisation-key.pem",
            "organisation.p12",
        ] {
            let mode = std::fs::metadata(out.join(name))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "{name} is readable by others: {mode:o}");
        }
    }

    // A second run refuses and leaves the files alone.
    let before = std::fs::read(out.join("organisation.p12")).unwrap();
    let output = kontrakt(dir.path(), &args);
    let text = transcript(&output);
    assert_eq!(output.status.code(), Some(2), "{text}");
    assert!(
        text.contains("already exists") && text.contains("--force"),
        "{text}"
    );
    assert_eq!(std::fs::read(out.join("organisation.p12")).unwrap(), before);

    // --force replaces them, with the given password.
    let mut forced = args.to_vec();
    forced.extend(["--force", "--password", "ny-adgangskode"]);
    let output = kontrakt(dir.path(), &forced);
    let text = transcript(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(!text.contains("ny-adgangskode"), "password printed: {text}");
    assert_ne!(std::fs::read(out.join("organisation.p12")).unwrap(), before);
    Identity::from_pkcs12_file(
        &out.join("organisation.p12"),
        Some(&Password::new("ny-adgangskode")),
    )
    .unwrap();
}

#[test]
fn certs_command_rejects_a_bad_cvr() {
    let dir = temp_dir();
    let out = dir.path().join("pki");
    let output = kontrakt(
        dir.path(),
        &[
            "certs",
            "--out",
            out.to_str().unwrap(),
            "--key-type",
            "ecdsa",
            "--cvr",
            "1234",
        ],
    );
    let text = transcript(&output);
    assert_eq!(output.status.code(), Some(2), "{text}");
    assert!(
        text.contains("kontrakt certs:") && text.contains("1234"),
        "{text}"
    );
    assert!(!out.join("ca.pem").exists());
}

// ---------------------------------------------------------------- helpers

/// The privateKey OCTET STRING of a PKCS#8 PrivateKeyInfo: the PKCS#1 key for RSA, the SEC1
/// key for EC. Enough DER to get there, for test keys only.
fn pkcs8_inner(der: &[u8]) -> Vec<u8> {
    fn header(der: &[u8]) -> (u8, usize, usize) {
        let tag = der[0];
        let (len, used) = if der[1] < 0x80 {
            (der[1] as usize, 2)
        } else {
            let n = (der[1] & 0x7f) as usize;
            let len = der[2..2 + n]
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | *b as usize);
            (len, 2 + n)
        };
        (tag, used, len)
    }
    let (tag, used, _) = header(der);
    assert_eq!(tag, 0x30);
    let mut rest = &der[used..];
    for expected in [0x02, 0x30] {
        let (tag, used, len) = header(rest);
        assert_eq!(tag, expected);
        rest = &rest[used + len..];
    }
    let (tag, used, len) = header(rest);
    assert_eq!(tag, 0x04);
    rest[used..used + len].to_vec()
}

fn pem(label: &str, der: Vec<u8>) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}
