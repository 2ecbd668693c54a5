//! Redaction everywhere: a run with known secrets (an OAuth client secret, a `.p12` password,
//! the tokens and client assertions it obtains) and personal data (a CPR number in a path and
//! in a body, a `format: password` parameter) writes every report format, and no output file,
//! stdout or stderr contains any of them.

use std::path::Path;

use kontrakt::auth::{AuthConfig, Certificate, ClientRegistration, ClientSecret};
use kontrakt::mock::MockOptions;
use kontrakt::tls::identity::Password;
use kontrakt::tls::server::server_config_for;
use kontrakt::tls::testca::{TestPki, TestPkiOptions};

use crate::mock::serve_tls;
use crate::support::{fixtures, kontrakt_env, temp_dir, transcript, write};

const P12_PASSWORD: &str = "p12-kodeord-4b1e";
const CLIENT_SECRET: &str = "klient-hemmelighed-77aa";
/// The spec's example values: sent by the examples phase.
const CPR_PATH: &str = "0101701234";
const CPR_BODY: &str = "0202802345";
const PASSWORD_PARAM: &str = "hemmelig-123";

/// Every file under `dir`, with its text.
fn files(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            out.extend(files(&path));
        } else {
            let text = String::from_utf8_lossy(&std::fs::read(&path).expect("read")).into_owned();
            out.push((path.display().to_string(), text));
        }
    }
    out
}

/// JWTs (tokens, client assertions): three base64url parts, the first a JSON header.
fn jwts(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("eyJ") {
        let tail = &rest[i..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'))
            .unwrap_or(tail.len());
        let candidate = &tail[..end];
        if candidate.matches('.').count() >= 2 && candidate.len() > 40 {
            out.push(candidate.to_string());
        }
        rest = &tail[3..];
    }
    out
}

/// Every `Bearer ` is followed by the placeholder or a challenge's parameters.
fn bearer_values(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in text.match_indices("Bearer ") {
        let after = &text[i + 7..];
        let word: String = after
            .chars()
            .take_while(|c| !c.is_whitespace() && *c != ',')
            .collect();
        // The placeholder, possibly quoted for a shell and escaped for XML or JSON.
        let fine = word.contains("$KONTRAKT_TOKEN") || word.contains('=') || word.is_empty();
        if !fine {
            out.push(word);
        }
    }
    out
}

fn assert_nothing_leaks(what: &str, text: &str) {
    for secret in [
        P12_PASSWORD,
        CLIENT_SECRET,
        CPR_PATH,
        CPR_BODY,
        PASSWORD_PARAM,
    ] {
        assert!(!text.contains(secret), "{what} contains `{secret}`");
    }
    let basic = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        format!("redaktion:{CLIENT_SECRET}"),
    );
    assert!(
        !text.contains(&basic),
        "{what} contains the Basic credentials"
    );
    let found = jwts(text);
    assert!(found.is_empty(), "{what} contains JWTs: {found:?}");
    let bearer = bearer_values(text);
    assert!(
        bearer.is_empty(),
        "{what} contains bearer tokens: {bearer:?}"
    );
}

#[test]
fn no_report_log_or_curl_line_keeps_a_secret_or_personal_value() {
    let dir = temp_dir();
    let pki = TestPki::generate(&TestPkiOptions::fast()).expect("pki");
    pki.write_files(dir.path(), &Password::new(P12_PASSWORD), false)
        .expect("pki files");
    let mut secret_client = ClientRegistration::new("redaktion");
    secret_client.secrets = vec![ClientSecret::new(CLIENT_SECRET)];
    let mut jwt_client = ClientRegistration::new("jwt-redaktion");
    jwt_client.certificate = Some(
        Certificate::from_pem_or_der(pki.organisation().cert_pem().as_bytes())
            .expect("certificate"),
    );
    let roots = pki.roots();
    let tls = server_config_for(pki.server(), Some(roots.as_slice())).expect("server config");
    let spec = fixtures().join("report/personal.yaml");
    let mock = serve_tls(
        std::slice::from_ref(&spec),
        MockOptions {
            auth: AuthConfig {
                clients: vec![secret_client, jwt_client],
                ..AuthConfig::default()
            },
            stateful: false,
            ..MockOptions::default()
        },
        Some(tls),
    );
    write(
        dir.path(),
        "kontrakt.toml",
        format!(
            "[profiles.basic.oauth]\ntoken_url = \"{url}/oauth2/token\"\nclient_id = \"redaktion\"\n\
             method = \"client_secret_basic\"\nsecret = {{ env = \"KONTRAKT_CLIENT_SECRET\" }}\n\n\
             [profiles.basic.client_cert]\np12 = \"organisation.p12\"\n\
             password = {{ env = \"KONTRAKT_P12_PASSWORD\" }}\n\n\
             [profiles.jwt.oauth]\ntoken_url = \"{url}/oauth2/token\"\nclient_id = \"jwt-redaktion\"\n\
             method = \"private_key_jwt\"\nassertion_alg = \"ES256\"\n\n\
             [profiles.jwt.client_cert]\np12 = \"organisation.p12\"\n\
             password = {{ env = \"KONTRAKT_P12_PASSWORD\" }}\n",
            url = mock.url
        ),
    );
    let env = [
        ("KONTRAKT_CLIENT_SECRET", CLIENT_SECRET),
        ("KONTRAKT_P12_PASSWORD", P12_PASSWORD),
    ];
    let spec_arg = spec.to_str().expect("utf-8");
    for profile in ["basic", "jwt"] {
        let reports = dir.path().join(format!("reports-{profile}"));
        // Every response fails `response-time`, so each operation prints a whole request,
        // response and curl line, and every report carries them.
        let out = kontrakt_env(
            dir.path(),
            &[
                "test",
                spec_arg,
                "--target",
                &mock.url,
                "--profile",
                profile,
                "--ca-file",
                "ca.pem",
                "--seed",
                "5",
                "--max-examples",
                "5",
                "--no-progress",
                "--checks",
                "default,response-time",
                "--max-response-time",
                "0",
                "--report",
                "all",
                "--reports",
                reports.to_str().expect("utf-8"),
                "--junit",
                dir.path().join("junit.xml").to_str().expect("utf-8"),
            ],
            &env,
        );
        let text = transcript(&out);
        assert_eq!(out.status.code(), Some(1), "{text}");
        assert!(text.contains("curl "), "failures print curl lines: {text}");
        assert!(
            text.contains("$KONTRAKT_REDACTED"),
            "the CPR is shown as a placeholder: {text}"
        );
        assert_nothing_leaks(&format!("{profile}: stdout/stderr"), &text);
        let written = files(&reports);
        let names: Vec<&str> = written
            .iter()
            .filter_map(|(p, _)| Path::new(p).file_name()?.to_str())
            .collect();
        for expected in [
            "junit.xml",
            "report.json",
            "report.md",
            "report.html",
            "exchanges.har",
        ] {
            assert!(names.contains(&expected), "{expected} missing: {names:?}");
        }
        for (path, body) in &written {
            assert_nothing_leaks(path, body);
        }
        let junit = std::fs::read_to_string(dir.path().join("junit.xml")).expect("junit");
        assert_nothing_leaks("--junit", &junit);
        // The HAR shows the requests with placeholders, not without them.
        let har = &written
            .iter()
            .find(|(p, _)| p.ends_with("exchanges.har"))
            .expect("har")
            .1;
        assert!(
            har.contains("/personer/$KONTRAKT_REDACTED"),
            "path value redacted"
        );
        assert!(har.contains("Bearer $KONTRAKT_TOKEN"), "token redacted");
    }
}
