//! The OAuth2 token endpoint logic, client assertions, bearer authorisation and the `auth`
//! configuration section, without sockets: every refusal the mock can give, and the successes.
//! Keys and certificates are generated here at run time; none is committed.

use std::sync::{Arc, OnceLock};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use kontrakt::auth::{
    AssertionAlg, AssertionParams, AuthConfig, Certificate, ClientAuth, ClientRegistration,
    ClientSecret, FORM_CONTENT_TYPE, Failure, IssuerConfig, JWT_BEARER_ASSERTION_TYPE, OAuthError,
    OAuthErrorCode, RequestCredentials, SchemeKind, Secret, SecuritySchemes, SigningKey,
    TokenIssuer, TokenProblem, TokenRequest, TokenResponse, authorize, client_assertion,
    client_credentials_request,
};
use kontrakt::spec::model::SecurityRequirement;
use kontrakt::spec::{self, Loc};
use serde_json::{Value, json};

use crate::support::{temp_dir, write};

const AUD: &str = "http://127.0.0.1:8080/oauth2/token";
const ISSUER_URL: &str = "http://127.0.0.1:8080";
const NOW: u64 = 1_800_000_000;
const FORM: &[u8] = b"application/x-www-form-urlencoded";

const LIKVIDATOR: &str = "likvidator-system";
const LIKVIDATOR_SECRET: &str = "s3cret-likvidator";
const OLD_SECRET: &str = "old-rotated-secret";
const WEIRD_ID: &str = "kreditor:æ ø+å";
const WEIRD_SECRET: &str = "p@ss:w/rd+ &=%ø";
const STATIC_TOKEN: &str = "static-token-for-local-use";
const SCOPES: [&str; 2] = ["tvangsoploesning.likvidator", "dokumentlager.skriv"];

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

/// An EC P-256 key and a self-signed certificate with an OCES3-shaped subject.
struct Identity {
    key_pem: String,
    cert: Certificate,
}

fn identity(cvr: &str, name: &str) -> Identity {
    let key = rcgen::KeyPair::generate().expect("P-256 key");
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    params
        .distinguished_name
        .push(rcgen::DnType::CountryName, "DK");
    params.distinguished_name.push(
        rcgen::DnType::CustomDnType(vec![2, 5, 4, 97]),
        format!("NTRDK-{cvr}"),
    );
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, "Testfirma A/S");
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, name);
    let cert = params.self_signed(&key).expect("self-signed certificate");
    Identity {
        key_pem: key.serialize_pem(),
        cert: Certificate::from_der(cert.der()).expect("parse own certificate"),
    }
}

/// The likvidator's identity, shared: key generation is the slow part of these tests.
fn likvidator() -> &'static Identity {
    static ID: OnceLock<Identity> = OnceLock::new();
    ID.get_or_init(|| identity("12345678", LIKVIDATOR))
}

/// Someone else's identity (another key, another CVR).
fn stranger() -> &'static Identity {
    static ID: OnceLock<Identity> = OnceLock::new();
    ID.get_or_init(|| identity("87654321", "stranger"))
}

fn registrations() -> Vec<ClientRegistration> {
    let mut likvidator_client = ClientRegistration::new(LIKVIDATOR);
    likvidator_client.secrets = vec![
        ClientSecret::new(LIKVIDATOR_SECRET),
        ClientSecret {
            secret: OLD_SECRET.into(),
            expires_at: Some(NOW + 10),
        },
    ];
    likvidator_client.certificate = Some(likvidator().cert.clone());
    likvidator_client.scopes = SCOPES.iter().map(|s| s.to_string()).collect();
    likvidator_client.cvr = Some("12345678".into());

    let mut weird = ClientRegistration::new(WEIRD_ID);
    weird.secrets = vec![ClientSecret::new(WEIRD_SECRET)];
    weird.scopes = vec!["doedsbo.kreditor".into()];
    vec![likvidator_client, weird]
}

fn issuer() -> TokenIssuer {
    TokenIssuer::new(IssuerConfig {
        audiences: vec![AUD.into(), ISSUER_URL.into()],
        clients: registrations(),
        static_tokens: vec![STATIC_TOKEN.into()],
        ..IssuerConfig::default()
    })
    .expect("valid issuer configuration")
}

fn form(pairs: &[(&str, &str)]) -> Vec<u8> {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish().into_bytes()
}

fn request(body: &[u8]) -> TokenRequest<'_> {
    TokenRequest {
        authorization: None,
        content_type: Some(FORM),
        body,
        client_certificate: None,
        now: NOW,
    }
}

/// RFC 6749 §2.3.1: form-urlencode id and secret, then base64 `id:secret`.
fn basic_header(id: &str, secret: &str) -> String {
    let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    format!(
        "Basic {}",
        STANDARD.encode(format!("{}:{}", enc(id), enc(secret)))
    )
}

fn post_body(id: &str, secret: &str) -> Vec<u8> {
    form(&[
        ("grant_type", "client_credentials"),
        ("client_id", id),
        ("client_secret", secret),
    ])
}

fn assertion_body(assertion: &str) -> Vec<u8> {
    form(&[
        ("grant_type", "client_credentials"),
        ("client_assertion_type", JWT_BEARER_ASSERTION_TYPE),
        ("client_assertion", assertion),
    ])
}

fn params() -> AssertionParams {
    AssertionParams::new(LIKVIDATOR, AUD, NOW).with_certificate(&likvidator().cert)
}

fn sign(params: &AssertionParams) -> String {
    let key = SigningKey::from_pem(likvidator().key_pem.as_bytes()).expect("read key");
    client_assertion(&key, params)
        .expect("sign assertion")
        .expose()
        .to_string()
}

/// Hand-made JWS with any header, for algorithms the signer refuses to produce.
fn forged(header: Value, claims: Value, signature: &[u8]) -> String {
    let part = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
    format!(
        "{}.{}.{}",
        part(&header),
        part(&claims),
        URL_SAFE_NO_PAD.encode(signature)
    )
}

fn good_claims(jti: &str) -> Value {
    json!({"iss": LIKVIDATOR, "sub": LIKVIDATOR, "aud": AUD, "jti": jti, "iat": NOW, "exp": NOW + 60})
}

#[track_caller]
fn refused(result: Result<TokenResponse, OAuthError>) -> OAuthError {
    match result {
        Ok(r) => panic!("expected a refusal, got a token for {}", r.client_id),
        Err(e) => e,
    }
}

#[track_caller]
fn assert_refused(
    result: Result<TokenResponse, OAuthError>,
    status: u16,
    code: OAuthErrorCode,
    fragment: &str,
) -> OAuthError {
    let e = refused(result);
    assert_eq!((e.status, e.code), (status, code), "{e}");
    assert!(
        e.description.contains(fragment),
        "description {:?} lacks {fragment:?}",
        e.description
    );
    e
}

// ---------------------------------------------------------------------------------------------
// Token endpoint: successes
// ---------------------------------------------------------------------------------------------

#[test]
fn client_secret_basic_with_characters_that_need_form_encoding() {
    let issuer = issuer();
    let header = basic_header(WEIRD_ID, WEIRD_SECRET);
    let body = form(&[("grant_type", "client_credentials")]);
    let response = issuer
        .token(&TokenRequest {
            authorization: Some(header.as_bytes()),
            ..request(&body)
        })
        .expect("token");
    let json: Value = serde_json::from_str(&response.to_json()).unwrap();
    assert_eq!(json["token_type"], "Bearer");
    assert_eq!(json["expires_in"], 300);
    assert_eq!(json["scope"], "doedsbo.kreditor");
    let token = json["access_token"].as_str().unwrap();
    assert_eq!(URL_SAFE_NO_PAD.decode(token).unwrap().len(), 32);
    let grant = issuer.introspect(token.as_bytes(), NOW).unwrap();
    assert_eq!(grant.client_id.as_deref(), Some(WEIRD_ID));
    assert_eq!(grant.expires_at, Some(NOW + 300));
    assert_eq!(grant.certificate_thumbprint, None);
}

#[test]
fn client_secret_post_grants_all_scopes_or_the_requested_subset() {
    let issuer = issuer();
    let all = issuer
        .token(&request(&post_body(LIKVIDATOR, LIKVIDATOR_SECRET)))
        .expect("token");
    assert_eq!(all.scope, SCOPES.join(" "));
    let grant = issuer
        .introspect(all.access_token.expose().as_bytes(), NOW)
        .unwrap();
    assert_eq!(grant.cvr.as_deref(), Some("12345678"));

    let body = form(&[
        ("grant_type", "client_credentials"),
        ("client_id", LIKVIDATOR),
        ("client_secret", LIKVIDATOR_SECRET),
        ("scope", "dokumentlager.skriv dokumentlager.skriv"),
    ]);
    let subset = issuer.token(&request(&body)).expect("token");
    assert_eq!(subset.scope, "dokumentlager.skriv");
    assert_ne!(subset.access_token, all.access_token);
}

#[test]
fn private_key_jwt_es256() {
    let issuer = issuer();
    let mut p = params();
    p.kid = Some("oces3-1".into());
    p.not_before = Some(NOW - 5);
    let assertion = sign(&p);
    let header: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(assertion.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(header["alg"], "ES256");
    assert_eq!(header["typ"], "JWT");
    assert_eq!(header["kid"], "oces3-1");
    assert_eq!(header["x5t#S256"], likvidator().cert.thumbprint_b64());

    let response = issuer
        .token(&request(&assertion_body(&assertion)))
        .expect("token");
    assert_eq!(response.client_id, LIKVIDATOR);

    // The issuer URL is an accepted audience too, and client_id may accompany the assertion.
    let mut p = params();
    p.audience = ISSUER_URL.into();
    let body = form(&[
        ("grant_type", "client_credentials"),
        ("client_id", LIKVIDATOR),
        ("client_assertion_type", JWT_BEARER_ASSERTION_TYPE),
        ("client_assertion", &sign(&p)),
    ]);
    issuer.token(&request(&body)).expect("token");
}

#[test]
fn private_key_jwt_rs256_and_ps256_with_an_rsa_key() {
    use rsa::pkcs8::EncodePrivateKey;
    // The one RSA key of the suite: generation takes a while in a debug build.
    let private =
        rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).expect("RSA key generation");
    let der = private.to_pkcs8_der().expect("PKCS#8");
    let pem = format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        STANDARD.encode(der.as_bytes())
    );
    let key_pair = rcgen::KeyPair::from_pkcs8_der_and_sign_algo(
        &der.as_bytes().to_vec().into(),
        &rcgen::PKCS_RSA_SHA256,
    )
    .expect("rcgen RSA key");
    let mut cert_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    cert_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "rsa-system");
    let cert = cert_params.self_signed(&key_pair).expect("RSA certificate");
    let cert = Certificate::from_pem_or_der(cert.pem().as_bytes()).unwrap();

    let mut client = ClientRegistration::new("rsa-system");
    client.certificate = Some(cert.clone());
    client.scopes = vec!["aggregator.laes".into()];
    let issuer = TokenIssuer::new(IssuerConfig {
        audiences: vec![AUD.into()],
        clients: vec![client],
        ..IssuerConfig::default()
    })
    .unwrap();
    let key = SigningKey::from_pem(pem.as_bytes()).expect("read RSA key");
    assert_eq!(key.default_alg(), AssertionAlg::Ps256);
    for alg in [AssertionAlg::Rs256, AssertionAlg::Ps256] {
        let mut p = AssertionParams::new("rsa-system", AUD, NOW).with_certificate(&cert);
        p.alg = Some(alg);
        let assertion = client_assertion(&key, &p).unwrap();
        let response = issuer
            .token(&request(&assertion_body(assertion.expose())))
            .unwrap_or_else(|e| panic!("{alg:?}: {e}"));
        assert_eq!(response.scope, "aggregator.laes");
    }
    // An RSA key cannot make an ES256 assertion.
    let mut p = AssertionParams::new("rsa-system", AUD, NOW);
    p.alg = Some(AssertionAlg::Es256);
    assert!(client_assertion(&key, &p).is_err());
}

// ---------------------------------------------------------------------------------------------
// Token endpoint: refusals
// ---------------------------------------------------------------------------------------------

/// What the test runner will send, built by the client half of the module, for all three
/// authentication methods.
#[test]
fn client_side_requests_round_trip_through_the_issuer() {
    let issuer = issuer();
    let weird = Secret::new(WEIRD_SECRET);
    let secret = Secret::new(LIKVIDATOR_SECRET);
    let assertion = Secret::new(sign(&params()));
    let cases = [
        (
            ClientAuth::SecretBasic {
                client_id: WEIRD_ID,
                secret: &weird,
            },
            None,
            "doedsbo.kreditor",
        ),
        (
            ClientAuth::SecretPost {
                client_id: LIKVIDATOR,
                secret: &secret,
            },
            Some(LIKV),
            LIKV,
        ),
        (
            ClientAuth::PrivateKeyJwt {
                client_id: Some(LIKVIDATOR),
                assertion: &assertion,
            },
            Some("dokumentlager.skriv"),
            "dokumentlager.skriv",
        ),
    ];
    for (auth, scope, granted) in cases {
        let req = client_credentials_request(auth, scope);
        let response = issuer
            .token(&TokenRequest {
                authorization: req.authorization.as_ref().map(|a| a.expose().as_bytes()),
                content_type: Some(FORM_CONTENT_TYPE.as_bytes()),
                body: req.body.expose().as_bytes(),
                client_certificate: None,
                now: NOW,
            })
            .unwrap_or_else(|e| panic!("{auth:?}: {e}"));
        assert_eq!(response.scope, granted);
    }
}

#[test]
fn wrong_secret_basic_is_invalid_client_with_a_basic_challenge() {
    let issuer = issuer();
    let header = basic_header(LIKVIDATOR, "wrong");
    let body = form(&[("grant_type", "client_credentials")]);
    let e = assert_refused(
        issuer.token(&TokenRequest {
            authorization: Some(header.as_bytes()),
            ..request(&body)
        }),
        401,
        OAuthErrorCode::InvalidClient,
        "wrong secret",
    );
    assert_eq!(
        e.www_authenticate.as_deref(),
        Some("Basic realm=\"kontrakt\"")
    );
    let json: Value = serde_json::from_str(&e.to_json()).unwrap();
    assert_eq!(json["error"], "invalid_client");
    assert!(json["error_description"].is_string());
}

#[test]
fn wrong_secret_post_and_unknown_client() {
    let issuer = issuer();
    assert_refused(
        issuer.token(&request(&post_body(LIKVIDATOR, "wrong"))),
        401,
        OAuthErrorCode::InvalidClient,
        "wrong secret",
    );
    assert_refused(
        issuer.token(&request(&post_body("nobody", "x"))),
        401,
        OAuthErrorCode::InvalidClient,
        "unknown client `nobody`",
    );
    let header = basic_header("nobody", "x");
    let body = form(&[("grant_type", "client_credentials")]);
    assert_refused(
        issuer.token(&TokenRequest {
            authorization: Some(header.as_bytes()),
            ..request(&body)
        }),
        401,
        OAuthErrorCode::InvalidClient,
        "unknown client",
    );
    assert_refused(
        issuer.token(&request(&form(&[("grant_type", "client_credentials")]))),
        401,
        OAuthErrorCode::InvalidClient,
        "no client authentication",
    );
}

#[test]
fn secret_rotation_two_live_secrets_and_an_expired_one() {
    let issuer = issuer();
    issuer
        .token(&request(&post_body(LIKVIDATOR, LIKVIDATOR_SECRET)))
        .expect("new secret");
    issuer
        .token(&request(&post_body(LIKVIDATOR, OLD_SECRET)))
        .expect("old secret still inside its overlap");
    let body = post_body(LIKVIDATOR, OLD_SECRET);
    assert_refused(
        issuer.token(&TokenRequest {
            now: NOW + 10,
            ..request(&body)
        }),
        401,
        OAuthErrorCode::InvalidClient,
        "expired",
    );
}

#[test]
fn two_authentication_methods_at_once() {
    let issuer = issuer();
    let header = basic_header(LIKVIDATOR, LIKVIDATOR_SECRET);
    let body = post_body(LIKVIDATOR, LIKVIDATOR_SECRET);
    assert_refused(
        issuer.token(&TokenRequest {
            authorization: Some(header.as_bytes()),
            ..request(&body)
        }),
        400,
        OAuthErrorCode::InvalidRequest,
        "client_secret_basic and client_secret_post",
    );
    let body = form(&[
        ("grant_type", "client_credentials"),
        ("client_id", LIKVIDATOR),
        ("client_secret", LIKVIDATOR_SECRET),
        ("client_assertion_type", JWT_BEARER_ASSERTION_TYPE),
        ("client_assertion", &sign(&params())),
    ]);
    assert_refused(
        issuer.token(&request(&body)),
        400,
        OAuthErrorCode::InvalidRequest,
        "more than one client authentication method",
    );
}

#[test]
fn grant_type_missing_or_unsupported() {
    let issuer = issuer();
    let body = form(&[
        ("client_id", LIKVIDATOR),
        ("client_secret", LIKVIDATOR_SECRET),
    ]);
    assert_refused(
        issuer.token(&request(&body)),
        400,
        OAuthErrorCode::InvalidRequest,
        "missing grant_type",
    );
    let body = form(&[
        ("grant_type", "password"),
        ("client_id", LIKVIDATOR),
        ("client_secret", LIKVIDATOR_SECRET),
    ]);
    assert_refused(
        issuer.token(&request(&body)),
        400,
        OAuthErrorCode::UnsupportedGrantType,
        "`password`",
    );
    let body = b"grant_type=client_credentials&grant_type=client_credentials";
    assert_refused(
        issuer.token(&request(body)),
        400,
        OAuthErrorCode::InvalidRequest,
        "more than once",
    );
}

#[test]
fn wrong_or_missing_content_type() {
    let issuer = issuer();
    let body = post_body(LIKVIDATOR, LIKVIDATOR_SECRET);
    for content_type in [
        Some(&b"application/json"[..]),
        None,
        Some(&[0xff, 0xfe][..]),
    ] {
        assert_refused(
            issuer.token(&TokenRequest {
                content_type,
                ..request(&body)
            }),
            400,
            OAuthErrorCode::InvalidRequest,
            "application/x-www-form-urlencoded",
        );
    }
    // Parameters and case do not matter.
    issuer
        .token(&TokenRequest {
            content_type: Some(b"Application/X-WWW-Form-URLEncoded; charset=UTF-8"),
            ..request(&body)
        })
        .expect("content type with charset");
}

#[test]
fn assertion_with_wrong_audience() {
    let mut p = params();
    p.audience = "https://api.test-minskiftesag.net/auth/oauth2/token".into();
    assert_refused(
        issuer().token(&request(&assertion_body(&sign(&p)))),
        401,
        OAuthErrorCode::InvalidClient,
        "aud must be the token endpoint URL",
    );
}

#[test]
fn assertion_expired_beyond_the_clock_skew() {
    let issuer = issuer();
    let mut p = params();
    p.issued_at = NOW - 200;
    p.lifetime = 120; // exp = NOW - 80: outside the 60 s skew
    assert_refused(
        issuer.token(&request(&assertion_body(&sign(&p)))),
        401,
        OAuthErrorCode::InvalidClient,
        "expired 80 s ago",
    );
    // 30 s late is within the skew.
    let mut p = params();
    p.issued_at = NOW - 150;
    p.lifetime = 120;
    issuer
        .token(&request(&assertion_body(&sign(&p))))
        .expect("within skew");
}

#[test]
fn assertion_exp_too_far_ahead_and_missing_claims() {
    let issuer = issuer();
    let mut p = params();
    p.lifetime = 301;
    assert_refused(
        issuer.token(&request(&assertion_body(&sign(&p)))),
        401,
        OAuthErrorCode::InvalidClient,
        "more than the 300 s allowed",
    );
    // Without iat the limit counts from now.
    let key = EncodingKey::from_ec_pem(likvidator().key_pem.as_bytes()).unwrap();
    let claims =
        json!({"iss": LIKVIDATOR, "sub": LIKVIDATOR, "aud": AUD, "jti": "j", "exp": NOW + 400});
    let jws = jsonwebtoken::encode(&Header::new(Algorithm::ES256), &claims, &key).unwrap();
    assert_refused(
        issuer.token(&request(&assertion_body(&jws))),
        401,
        OAuthErrorCode::InvalidClient,
        "after now",
    );
    let claims = json!({"iss": LIKVIDATOR, "sub": LIKVIDATOR, "aud": AUD, "exp": NOW + 60});
    let jws = jsonwebtoken::encode(&Header::new(Algorithm::ES256), &claims, &key).unwrap();
    assert_refused(
        issuer.token(&request(&assertion_body(&jws))),
        401,
        OAuthErrorCode::InvalidClient,
        "no jti",
    );
    let claims = json!({"iss": LIKVIDATOR, "sub": LIKVIDATOR, "aud": AUD, "jti": "k"});
    let jws = jsonwebtoken::encode(&Header::new(Algorithm::ES256), &claims, &key).unwrap();
    assert_refused(
        issuer.token(&request(&assertion_body(&jws))),
        401,
        OAuthErrorCode::InvalidClient,
        "no exp",
    );
    let claims =
        json!({"iss": LIKVIDATOR, "sub": "someone-else", "aud": AUD, "jti": "l", "exp": NOW + 60});
    let jws = jsonwebtoken::encode(&Header::new(Algorithm::ES256), &claims, &key).unwrap();
    assert_refused(
        issuer.token(&request(&assertion_body(&jws))),
        401,
        OAuthErrorCode::InvalidClient,
        "sub must equal the client id",
    );
}

#[test]
fn assertion_cvr_claim_must_be_the_clients() {
    let issuer = issuer();
    let key = EncodingKey::from_ec_pem(likvidator().key_pem.as_bytes()).unwrap();
    let mut claims = good_claims("cvr-1");
    claims["cvr"] = json!("87654321");
    let jws = jsonwebtoken::encode(&Header::new(Algorithm::ES256), &claims, &key).unwrap();
    assert_refused(
        issuer.token(&request(&assertion_body(&jws))),
        401,
        OAuthErrorCode::InvalidClient,
        "cvr claim does not match the client's CVR (12345678)",
    );
    claims["cvr"] = json!("12345678");
    claims["jti"] = json!("cvr-2");
    let jws = jsonwebtoken::encode(&Header::new(Algorithm::ES256), &claims, &key).unwrap();
    issuer
        .token(&request(&assertion_body(&jws)))
        .expect("matching cvr claim");
}

#[test]
fn assertion_not_yet_valid() {
    let mut p = params();
    p.not_before = Some(NOW + 120);
    assert_refused(
        issuer().token(&request(&assertion_body(&sign(&p)))),
        401,
        OAuthErrorCode::InvalidClient,
        "nbf",
    );
}

#[test]
fn assertion_jti_is_accepted_once_while_it_could_be_valid() {
    let issuer = issuer();
    let mut p = params();
    p.jti = Some("once".into());
    let assertion = sign(&p);
    issuer
        .token(&request(&assertion_body(&assertion)))
        .expect("first use");
    assert_refused(
        issuer.token(&request(&assertion_body(&assertion))),
        401,
        OAuthErrorCode::InvalidClient,
        "jti `once` was already used",
    );
    // A fresh assertion reusing the jti is refused too while the first could still be valid.
    let mut p2 = params();
    p2.jti = Some("once".into());
    p2.issued_at = NOW + 30;
    let body = assertion_body(&sign(&p2));
    assert_refused(
        issuer.token(&TokenRequest {
            now: NOW + 30,
            ..request(&body)
        }),
        401,
        OAuthErrorCode::InvalidClient,
        "already used",
    );
    // Once the first assertion is past exp + skew, its jti is forgotten (the cache prunes).
    let mut p3 = params();
    p3.jti = Some("once".into());
    p3.issued_at = NOW + 400;
    let body = assertion_body(&sign(&p3));
    issuer
        .token(&TokenRequest {
            now: NOW + 400,
            ..request(&body)
        })
        .expect("jti reusable after expiry");
}

#[test]
fn assertion_signed_by_another_key() {
    let key = SigningKey::from_pem(stranger().key_pem.as_bytes()).unwrap();
    let assertion = client_assertion(&key, &AssertionParams::new(LIKVIDATOR, AUD, NOW)).unwrap();
    assert_refused(
        issuer().token(&request(&assertion_body(assertion.expose()))),
        401,
        OAuthErrorCode::InvalidClient,
        "signature does not verify",
    );
}

#[test]
fn assertion_alg_none_and_hs256_are_refused() {
    let issuer = issuer();
    let none = forged(json!({"alg": "none", "typ": "JWT"}), good_claims("n1"), b"");
    assert_refused(
        issuer.token(&request(&assertion_body(&none))),
        401,
        OAuthErrorCode::InvalidClient,
        "alg `none` is not accepted",
    );
    // HS256 keyed with something the attacker knows (the client id, or the public cert).
    let hs = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &good_claims("h1"),
        &EncodingKey::from_secret(likvidator().cert.der()),
    )
    .unwrap();
    assert_refused(
        issuer.token(&request(&assertion_body(&hs))),
        401,
        OAuthErrorCode::InvalidClient,
        "alg `HS256`",
    );
    let garbage = ["", "a.b", "a.b.c.d", "!!.??.**", &"x".repeat(20_000)];
    for g in garbage {
        let e = refused(issuer.token(&request(&assertion_body(g))));
        assert!(matches!(
            e.code,
            OAuthErrorCode::InvalidClient | OAuthErrorCode::InvalidRequest
        ));
    }
}

#[test]
fn assertion_x5t_s256_must_match_the_registered_certificate() {
    let issuer = issuer();
    let p = params().with_certificate(&stranger().cert);
    assert_refused(
        issuer.token(&request(&assertion_body(&sign(&p)))),
        401,
        OAuthErrorCode::InvalidClient,
        "x5t#S256 does not match",
    );
    // Without the header the assertion is still fine.
    let mut p = params();
    p.certificate_der = None;
    issuer
        .token(&request(&assertion_body(&sign(&p))))
        .expect("no x5t#S256");
}

#[test]
fn assertion_for_a_client_without_certificate() {
    let key = SigningKey::from_pem(stranger().key_pem.as_bytes()).unwrap();
    let assertion = client_assertion(&key, &AssertionParams::new(WEIRD_ID, AUD, NOW)).unwrap();
    assert_refused(
        issuer().token(&request(&assertion_body(assertion.expose()))),
        401,
        OAuthErrorCode::InvalidClient,
        "no registered certificate",
    );
}

#[test]
fn scope_not_allowed_for_the_client() {
    let body = form(&[
        ("grant_type", "client_credentials"),
        ("client_id", LIKVIDATOR),
        ("client_secret", LIKVIDATOR_SECRET),
        ("scope", "dokumentlager.skriv person.laes"),
    ]);
    assert_refused(
        issuer().token(&request(&body)),
        400,
        OAuthErrorCode::InvalidScope,
        "`person.laes`",
    );
}

#[test]
fn oversized_and_malformed_bodies_are_client_errors() {
    let issuer = issuer();
    let big = vec![b'a'; 100_000];
    assert_refused(
        issuer.token(&request(&big)),
        400,
        OAuthErrorCode::InvalidRequest,
        "larger than",
    );
    let binary: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
    let e = refused(issuer.token(&request(&binary)));
    assert_eq!(e.status, 400);
    let header = b"Basic %%%";
    let e = refused(issuer.token(&TokenRequest {
        authorization: Some(header),
        ..request(b"grant_type=client_credentials")
    }));
    assert_eq!((e.status, e.code), (401, OAuthErrorCode::InvalidClient));
}

// ---------------------------------------------------------------------------------------------
// Tokens over time, and certificate binding at the token endpoint
// ---------------------------------------------------------------------------------------------

#[test]
fn tokens_expire_and_static_tokens_do_not() {
    let issuer = issuer();
    let response = issuer
        .token(&request(&post_body(LIKVIDATOR, LIKVIDATOR_SECRET)))
        .unwrap();
    let token = response.access_token.expose().as_bytes();
    assert!(issuer.introspect(token, NOW + 299).is_ok());
    assert_eq!(
        issuer.introspect(token, NOW + 300),
        Err(TokenProblem::Expired)
    );
    assert_eq!(
        issuer.introspect(b"never-issued", NOW),
        Err(TokenProblem::Unknown)
    );
    assert_eq!(issuer.live_tokens(NOW), 1);
    assert_eq!(issuer.live_tokens(NOW + 300), 0);
    let grant = issuer
        .introspect(STATIC_TOKEN.as_bytes(), u64::MAX)
        .unwrap();
    assert!(grant.all_scopes && grant.has_scope("anything"));
}

#[test]
fn token_lifetime_is_configurable() {
    let issuer = TokenIssuer::new(IssuerConfig {
        audiences: vec![AUD.into()],
        token_lifetime: 5,
        clients: registrations(),
        ..IssuerConfig::default()
    })
    .unwrap();
    let r = issuer
        .token(&request(&post_body(LIKVIDATOR, LIKVIDATOR_SECRET)))
        .unwrap();
    assert_eq!(r.expires_in, 5);
    let token = r.access_token.expose().as_bytes();
    assert!(issuer.introspect(token, NOW + 4).is_ok());
    assert!(issuer.introspect(token, NOW + 5).is_err());
}

#[test]
fn mtls_token_requests_bind_the_token_and_check_the_certificate() {
    let issuer = issuer();
    let own = likvidator().cert.der();
    let body = post_body(LIKVIDATOR, LIKVIDATOR_SECRET);
    let r = issuer
        .token(&TokenRequest {
            client_certificate: Some(own),
            ..request(&body)
        })
        .unwrap();
    let grant = issuer
        .introspect(r.access_token.expose().as_bytes(), NOW)
        .unwrap();
    assert_eq!(
        grant.certificate_thumbprint,
        Some(likvidator().cert.thumbprint())
    );

    assert_refused(
        issuer.token(&TokenRequest {
            client_certificate: Some(stranger().cert.der()),
            ..request(&body)
        }),
        401,
        OAuthErrorCode::InvalidClient,
        "not the one registered",
    );

    // A client without a registered certificate but with a CVR: the certificate's organisation
    // must be the client's.
    let mut c = ClientRegistration::new("kreditor");
    c.secrets = vec![ClientSecret::new("k")];
    c.cvr = Some("11111111".into());
    let issuer = TokenIssuer::new(IssuerConfig {
        audiences: vec![AUD.into()],
        clients: vec![c],
        ..IssuerConfig::default()
    })
    .unwrap();
    let body = post_body("kreditor", "k");
    assert_refused(
        issuer.token(&TokenRequest {
            client_certificate: Some(stranger().cert.der()),
            ..request(&body)
        }),
        400,
        OAuthErrorCode::UnauthorizedClient,
        "CVR 87654321",
    );
}

#[test]
fn issuer_configuration_errors() {
    let mut twice = registrations();
    twice.push(registrations().remove(0));
    let err = TokenIssuer::new(IssuerConfig {
        clients: twice,
        ..IssuerConfig::default()
    })
    .unwrap_err();
    assert!(err.to_string().contains("registered twice"), "{err}");

    let mut wrong_cvr = ClientRegistration::new("x");
    wrong_cvr.certificate = Some(likvidator().cert.clone());
    wrong_cvr.cvr = Some("99999999".into());
    let err = TokenIssuer::new(IssuerConfig {
        clients: vec![wrong_cvr],
        ..IssuerConfig::default()
    })
    .unwrap_err();
    assert!(err.to_string().contains("CVR 12345678"), "{err}");

    let err = TokenIssuer::new(IssuerConfig {
        token_lifetime: 0,
        ..IssuerConfig::default()
    })
    .unwrap_err();
    assert!(err.to_string().contains("lifetime"), "{err}");
}

#[test]
fn concurrent_token_requests_from_many_threads() {
    let issuer = Arc::new(issuer());
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let issuer = Arc::clone(&issuer);
            std::thread::spawn(move || {
                (0..250)
                    .map(|_| {
                        issuer
                            .token(&request(&post_body(LIKVIDATOR, LIKVIDATOR_SECRET)))
                            .expect("token")
                            .access_token
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut tokens: Vec<String> = threads
        .into_iter()
        .flat_map(|t| t.join().expect("thread"))
        .map(|t| t.expose().to_string())
        .collect();
    for t in &tokens {
        assert!(issuer.introspect(t.as_bytes(), NOW).is_ok());
    }
    tokens.sort();
    tokens.dedup();
    assert_eq!(tokens.len(), 1000);
    assert_eq!(issuer.live_tokens(NOW), 1000);
}

// ---------------------------------------------------------------------------------------------
// Authorising API calls
// ---------------------------------------------------------------------------------------------

fn schemes() -> SecuritySchemes {
    let (schemes, problems) = SecuritySchemes::from_value(&json!({
        "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "opaque"},
        "oauth": {"type": "oauth2", "flows": {"clientCredentials": {"tokenUrl": AUD, "scopes": {}}}},
        "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
        "queryKey": {"type": "apiKey", "in": "query", "name": "api_key"},
        "cookieKey": {"type": "apiKey", "in": "cookie", "name": "session"},
        "basic": {"type": "http", "scheme": "basic"},
        "mtls": {"type": "mutualTLS"},
        "digest": {"type": "http", "scheme": "digest"},
    }));
    assert!(problems.is_empty(), "{problems:?}");
    schemes
}

/// `[{scheme: [scopes]}, …]` as the model holds it.
fn reqs(alternatives: &[&[(&str, &[&str])]]) -> Vec<SecurityRequirement> {
    alternatives
        .iter()
        .enumerate()
        .map(|(i, alt)| SecurityRequirement {
            schemes: alt
                .iter()
                .map(|(name, scopes)| {
                    (
                        name.to_string(),
                        scopes.iter().map(|s| s.to_string()).collect(),
                    )
                })
                .collect(),
            loc: Loc::new(0, format!("/security/{i}")),
        })
        .collect()
}

fn token_for(issuer: &TokenIssuer, scope: &str, cert: Option<&[u8]>) -> String {
    let body = form(&[
        ("grant_type", "client_credentials"),
        ("client_id", LIKVIDATOR),
        ("client_secret", LIKVIDATOR_SECRET),
        ("scope", scope),
    ]);
    issuer
        .token(&TokenRequest {
            client_certificate: cert,
            ..request(&body)
        })
        .expect("token")
        .access_token
        .expose()
        .to_string()
}

const LIKV: &str = "tvangsoploesning.likvidator";

#[test]
fn no_credentials_is_401_without_error_code() {
    let issuer = issuer();
    let refusal = authorize(
        &issuer,
        &schemes(),
        &reqs(&[&[("oauth", &[LIKV])]]),
        &RequestCredentials::new(),
        NOW,
    )
    .unwrap_err();
    assert_eq!(refusal.status, 401);
    assert_eq!(refusal.error, None);
    assert_eq!(refusal.www_authenticate, "Bearer realm=\"kontrakt\"");
    assert_eq!(
        refusal.alternatives[0].failures[0].failure,
        Failure::Missing
    );
    // Another scheme in the Authorization header is as good as none for a bearer scheme.
    let creds = RequestCredentials::new().header("Authorization", "Basic Zm9vOmJhcg==");
    let refusal = authorize(
        &issuer,
        &schemes(),
        &reqs(&[&[("bearer", &[])]]),
        &creds,
        NOW,
    )
    .unwrap_err();
    assert_eq!((refusal.status, refusal.error), (401, None));
}

#[test]
fn unknown_malformed_and_expired_tokens_are_invalid_token() {
    let issuer = issuer();
    let requirements = reqs(&[&[("bearer", &[])]]);
    for (token, fragment) in [
        ("not-issued", "unknown"),
        ("bad token with spaces", "malformed"),
        ("\"quoted\"", "malformed"),
    ] {
        let refusal = authorize(
            &issuer,
            &schemes(),
            &requirements,
            &RequestCredentials::new().bearer(token),
            NOW,
        )
        .unwrap_err();
        assert_eq!(refusal.status, 401);
        assert_eq!(refusal.error, Some("invalid_token"));
        assert!(refusal.description.contains(fragment), "{refusal}");
        assert!(
            refusal.www_authenticate.starts_with(
                "Bearer realm=\"kontrakt\", error=\"invalid_token\", error_description=\""
            ),
            "{}",
            refusal.www_authenticate
        );
    }
    let token = token_for(&issuer, LIKV, None);
    let creds = RequestCredentials::new().bearer(&token);
    let access = authorize(&issuer, &schemes(), &requirements, &creds, NOW + 299).unwrap();
    assert_eq!(access.grant.unwrap().client_id.as_deref(), Some(LIKVIDATOR));
    let refusal = authorize(&issuer, &schemes(), &requirements, &creds, NOW + 300).unwrap_err();
    assert_eq!(refusal.error, Some("invalid_token"));
    assert!(refusal.description.contains("expired"));
}

#[test]
fn insufficient_scope_is_403_naming_the_scope() {
    let issuer = issuer();
    let token = token_for(&issuer, "dokumentlager.skriv", None);
    let refusal = authorize(
        &issuer,
        &schemes(),
        &reqs(&[&[("oauth", &[LIKV])]]),
        &RequestCredentials::new().bearer(&token),
        NOW,
    )
    .unwrap_err();
    assert_eq!(refusal.status, 403);
    assert_eq!(refusal.error, Some("insufficient_scope"));
    assert!(
        refusal
            .www_authenticate
            .contains("error=\"insufficient_scope\""),
        "{}",
        refusal.www_authenticate
    );
    assert!(
        refusal
            .www_authenticate
            .ends_with(&format!("scope=\"{LIKV}\"")),
        "{}",
        refusal.www_authenticate
    );
}

#[test]
fn alternatives_are_or_and_schemes_within_are_and() {
    let issuer = issuer();
    let token = token_for(&issuer, LIKV, None);
    let schemes = schemes();

    // OR: the second alternative (API key) suffices.
    let either = reqs(&[&[("oauth", &["person.laes"])], &[("apiKey", &[])]]);
    let creds = RequestCredentials::new().header("X-API-Key", STATIC_TOKEN);
    let access = authorize(&issuer, &schemes, &either, &creds, NOW).unwrap();
    assert_eq!(access.alternative, Some(1));
    assert!(access.grant.unwrap().all_scopes);

    // AND: token and API key both needed.
    let both = reqs(&[&[("oauth", &[LIKV]), ("apiKey", &[])]]);
    let token_only = RequestCredentials::new().bearer(&token);
    let refusal = authorize(&issuer, &schemes, &both, &token_only, NOW).unwrap_err();
    assert_eq!((refusal.status, refusal.error), (401, None));
    assert_eq!(refusal.alternatives[0].failures.len(), 1);
    assert_eq!(refusal.alternatives[0].failures[0].scheme, "apiKey");
    let full = RequestCredentials::new()
        .bearer(&token)
        .header("x-api-key", STATIC_TOKEN);
    let access = authorize(&issuer, &schemes, &both, &full, NOW).unwrap();
    assert_eq!(access.alternative, Some(0));
    assert_eq!(access.grant.unwrap().client_id.as_deref(), Some(LIKVIDATOR));
}

#[test]
fn missing_credentials_401_beats_insufficient_scope_403() {
    let issuer = issuer();
    let token = token_for(&issuer, "dokumentlager.skriv", None);
    let requirements = reqs(&[&[("oauth", &[LIKV])], &[("apiKey", &[])]]);
    let refusal = authorize(
        &issuer,
        &schemes(),
        &requirements,
        &RequestCredentials::new().bearer(&token),
        NOW,
    )
    .unwrap_err();
    assert_eq!((refusal.status, refusal.error), (401, None));
    assert_eq!(refusal.alternatives.len(), 2);
    assert!(matches!(
        refusal.alternatives[0].failures[0].failure,
        Failure::InsufficientScope { .. }
    ));
    assert_eq!(
        refusal.alternatives[1].failures[0].failure,
        Failure::Missing
    );
}

#[test]
fn anonymous_alternative_and_open_operations() {
    let issuer = issuer();
    let schemes = schemes();
    let optional = reqs(&[&[("oauth", &[LIKV])], &[]]);
    let access = authorize(
        &issuer,
        &schemes,
        &optional,
        &RequestCredentials::new(),
        NOW,
    )
    .unwrap();
    assert_eq!((access.alternative, access.grant), (Some(1), None));
    // With a good token the caller is known even though anonymous access was allowed.
    let token = token_for(&issuer, LIKV, None);
    let access = authorize(
        &issuer,
        &schemes,
        &optional,
        &RequestCredentials::new().bearer(&token),
        NOW,
    )
    .unwrap();
    assert_eq!(access.alternative, Some(0));
    assert!(access.grant.is_some());

    let access = authorize(&issuer, &schemes, &[], &RequestCredentials::new(), NOW).unwrap();
    assert_eq!((access.alternative, access.grant), (None, None));
}

#[test]
fn api_keys_in_header_query_and_cookie() {
    let issuer = issuer();
    let schemes = schemes();
    let cases: [(&str, RequestCredentials); 3] = [
        (
            "apiKey",
            RequestCredentials::new().header("X-Api-Key", STATIC_TOKEN),
        ),
        (
            "queryKey",
            RequestCredentials::new().query_string(&format!("page=2&api_key={STATIC_TOKEN}")),
        ),
        (
            "cookieKey",
            RequestCredentials::new()
                .header("Cookie", format!("theme=dark; session={STATIC_TOKEN}")),
        ),
    ];
    for (scheme, creds) in cases {
        let requirements = reqs(&[&[(scheme, &[])]]);
        authorize(&issuer, &schemes, &requirements, &creds, NOW)
            .unwrap_or_else(|r| panic!("{scheme}: {r}"));
        let refusal = authorize(
            &issuer,
            &schemes,
            &requirements,
            &RequestCredentials::new(),
            NOW,
        )
        .unwrap_err();
        assert_eq!((refusal.status, refusal.error), (401, None), "{scheme}");
    }
    let wrong = RequestCredentials::new().header("X-API-Key", "guess");
    let refusal =
        authorize(&issuer, &schemes, &reqs(&[&[("apiKey", &[])]]), &wrong, NOW).unwrap_err();
    assert_eq!(refusal.error, Some("invalid_token"));
    assert!(refusal.description.contains("API key"));
}

#[test]
fn certificate_bound_token_with_and_without_its_certificate() {
    let issuer = issuer();
    let own = likvidator().cert.der();
    let token = token_for(&issuer, LIKV, Some(own));
    let requirements = reqs(&[&[("oauth", &[LIKV])]]);
    let with = RequestCredentials::new()
        .bearer(&token)
        .client_certificate(own.to_vec());
    authorize(&issuer, &schemes(), &requirements, &with, NOW).expect("bound token with its cert");

    let without = RequestCredentials::new().bearer(&token);
    let refusal = authorize(&issuer, &schemes(), &requirements, &without, NOW).unwrap_err();
    assert_eq!(
        (refusal.status, refusal.error),
        (401, Some("invalid_token"))
    );
    assert!(refusal.description.contains("none was presented"));

    let other = RequestCredentials::new()
        .bearer(&token)
        .client_certificate(stranger().cert.der().to_vec());
    let refusal = authorize(&issuer, &schemes(), &requirements, &other, NOW).unwrap_err();
    assert_eq!(
        (refusal.status, refusal.error),
        (401, Some("invalid_token"))
    );
    assert!(refusal.description.contains("another client certificate"));
}

#[test]
fn http_basic_mutual_tls_and_unsupported_schemes() {
    let issuer = issuer();
    let schemes = schemes();
    let basic = reqs(&[&[("basic", &[])]]);
    let raw =
        |id: &str, secret: &str| format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")));
    let good =
        RequestCredentials::new().header("Authorization", raw(LIKVIDATOR, LIKVIDATOR_SECRET));
    let access = authorize(&issuer, &schemes, &basic, &good, NOW).unwrap();
    assert_eq!(access.grant.unwrap().client_id.as_deref(), Some(LIKVIDATOR));
    let bad = RequestCredentials::new().header("Authorization", raw(LIKVIDATOR, "nope"));
    let refusal = authorize(&issuer, &schemes, &basic, &bad, NOW).unwrap_err();
    assert_eq!(refusal.status, 401);
    assert_eq!(refusal.www_authenticate, "Basic realm=\"kontrakt\"");

    let mtls = reqs(&[&[("mtls", &[])]]);
    let refusal = authorize(&issuer, &schemes, &mtls, &RequestCredentials::new(), NOW).unwrap_err();
    assert_eq!(refusal.status, 401);
    let registered = RequestCredentials::new().client_certificate(likvidator().cert.der().to_vec());
    let access = authorize(&issuer, &schemes, &mtls, &registered, NOW).unwrap();
    assert_eq!(access.grant.unwrap().cvr.as_deref(), Some("12345678"));
    let unknown = RequestCredentials::new().client_certificate(stranger().cert.der().to_vec());
    let access = authorize(&issuer, &schemes, &mtls, &unknown, NOW).unwrap();
    assert_eq!(access.grant, None);

    for scheme in ["digest", "undefined"] {
        let refusal =
            authorize(&issuer, &schemes, &reqs(&[&[(scheme, &[])]]), &good, NOW).unwrap_err();
        assert_eq!(refusal.status, 401);
        assert!(matches!(
            refusal.alternatives[0].failures[0].failure,
            Failure::Unsupported(_)
        ));
    }
}

#[test]
fn operations_from_a_loaded_spec() {
    let dir = temp_dir();
    let path = write(
        dir.path(),
        "openapi.yaml",
        r##"openapi: 3.1.0
info: {title: t, version: "1"}
security: [{oauth: [tvangsoploesning.likvidator]}]
paths:
  /sager:
    get:
      operationId: listSager
      responses: {"200": {description: ok}}
  /status:
    get:
      operationId: status
      security: []
      responses: {"200": {description: ok}}
  /dokumenter:
    post:
      operationId: upload
      security: [{oauth: [dokumentlager.skriv]}, {key: []}]
      responses: {"201": {description: ok}}
components:
  securitySchemes:
    oauth: {$ref: "#/components/securitySchemes/oauthReal"}
    oauthReal:
      type: oauth2
      flows: {clientCredentials: {tokenUrl: /oauth2/token, scopes: {}}}
    key: {type: apiKey, in: header, name: X-API-Key}
"##,
    );
    let spec = spec::load(&path).expect("spec loads");
    let model = spec::model::build(&spec);
    let (schemes, problems) = SecuritySchemes::from_spec(&spec);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(schemes.get("oauth"), Some(&SchemeKind::OAuth2));
    let op = |id: &str| {
        model
            .operations
            .iter()
            .find(|o| o.operation_id.as_deref() == Some(id))
            .unwrap()
    };
    let issuer = issuer();
    let nothing = RequestCredentials::new();
    assert!(authorize(&issuer, &schemes, &op("status").security, &nothing, NOW).is_ok());
    let refusal =
        authorize(&issuer, &schemes, &op("listSager").security, &nothing, NOW).unwrap_err();
    assert_eq!(refusal.status, 401);
    let token = token_for(&issuer, LIKV, None);
    let creds = RequestCredentials::new().bearer(&token);
    assert!(authorize(&issuer, &schemes, &op("listSager").security, &creds, NOW).is_ok());
    // The token lacks dokumentlager.skriv and no API key is sent: the missing key decides (401).
    let refusal = authorize(&issuer, &schemes, &op("upload").security, &creds, NOW).unwrap_err();
    assert_eq!((refusal.status, refusal.error), (401, None));
    assert_eq!(
        refusal.alternatives[0].failures[0].failure,
        Failure::InsufficientScope {
            required: vec!["dokumentlager.skriv".into()]
        }
    );
    let key = RequestCredentials::new().header("X-API-Key", STATIC_TOKEN);
    assert!(authorize(&issuer, &schemes, &op("upload").security, &key, NOW).is_ok());
}

// ---------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------

fn env(name: &str) -> Option<String> {
    match name {
        "KONTRAKT_SECRET_1" => Some("from-the-environment".into()),
        "KONTRAKT_STATIC" => Some("static-from-env".into()),
        _ => None,
    }
}

#[test]
fn config_section_with_env_secrets_and_a_relative_certificate() {
    let dir = temp_dir();
    let id = likvidator();
    write(dir.path(), "certs/organisation.pem", id.cert_pem());
    let value = json!({
        "tokenLifetimeSeconds": 120,
        "audiences": ["https://api.test-minskiftesag.net/auth"],
        "clients": [{
            "clientId": LIKVIDATOR,
            "secrets": ["env:KONTRAKT_SECRET_1", "literal-secret", "literal:env:not-a-reference",
                        {"value": "rotating", "expiresAt": "2027-01-01T00:00:00Z"}],
            "certificate": "certs/organisation.pem",
            "scopes": SCOPES,
            "cvr": "12345678",
        }],
        "staticTokens": ["env:KONTRAKT_STATIC"],
    });
    let config = AuthConfig::from_value_with_env(&value, "/auth", dir.path(), &env).unwrap();
    assert_eq!(config.token_lifetime, 120);
    let client = &config.clients[0];
    let secrets: Vec<&str> = client.secrets.iter().map(|s| s.secret.expose()).collect();
    assert_eq!(
        secrets,
        [
            "from-the-environment",
            "literal-secret",
            "env:not-a-reference",
            "rotating"
        ]
    );
    assert_eq!(client.secrets[3].expires_at, Some(1_798_761_600));
    assert_eq!(
        client.certificate.as_ref().unwrap().thumbprint(),
        id.cert.thumbprint()
    );
    let issuer = TokenIssuer::new(config.into_issuer_config(vec![AUD.into()])).unwrap();
    assert_eq!(
        issuer.audiences()[1],
        "https://api.test-minskiftesag.net/auth"
    );
    assert!(issuer.introspect(b"static-from-env", NOW).is_ok());
    issuer
        .token(&request(&post_body(LIKVIDATOR, "from-the-environment")))
        .expect("env secret authenticates");
}

#[test]
fn config_errors_carry_the_pointer_and_say_what_is_wrong() {
    let dir = temp_dir();
    write(dir.path(), "not-a-cert.pem", "hello");
    write(dir.path(), "other.pem", stranger().cert_pem());
    let value = json!({
        "tokenLifetime": 5,
        "clients": [
            {"clientId": "a", "secrets": ["env:MISSING_VAR"]},
            {"clientId": "b", "certificate": "nowhere.pem"},
            {"clientId": "c", "certificate": "not-a-cert.pem"},
            {"clientId": "d", "secrets": ["x"], "cvr": "1234"},
            {"clientId": "e", "secrets": ["x"], "certificate": "other.pem", "cvr": "12345678"},
            {"clientId": "f"},
            {"clientId": "g", "secrets": [{"value": "x", "expiresAt": "tomorrow"}], "scopes": ["two words"]},
            {"clientId": "h", "secrets": ["x"]},
            {"clientId": "h", "secrets": ["y"]},
        ],
        "staticTokens": [""],
    });
    let errors = AuthConfig::from_value_with_env(&value, "/auth", dir.path(), &env)
        .unwrap_err()
        .0;
    let find = |ptr: &str| {
        errors
            .iter()
            .find(|e| e.pointer == ptr)
            .unwrap_or_else(|| panic!("no error at {ptr}: {errors:#?}"))
            .message
            .clone()
    };
    assert!(find("/auth/tokenLifetime").contains("unknown key"));
    assert!(find("/auth/clients/0/secrets/0").contains("`MISSING_VAR` is not set"));
    let missing = find("/auth/clients/1/certificate");
    assert!(missing.contains("nowhere.pem"), "{missing}");
    let bad = find("/auth/clients/2/certificate");
    assert!(bad.contains("not-a-cert.pem"), "{bad}");
    assert!(find("/auth/clients/3/cvr").contains("8 digits"));
    assert!(find("/auth/clients/4/cvr").contains("87654321"));
    assert!(find("/auth/clients/5").contains("needs `secrets` or a `certificate`"));
    assert!(find("/auth/clients/6/secrets/0/expiresAt").contains("UTC time"));
    assert!(find("/auth/clients/6/scopes/0").contains("without spaces"));
    assert!(find("/auth/clients/8/clientId").contains("registered twice"));
    assert!(find("/auth/staticTokens/0").contains("empty"));
    let text = AuthConfig::from_value_with_env(&value, "/auth", dir.path(), &env)
        .unwrap_err()
        .to_string();
    assert!(text.lines().count() >= 11, "{text}");
}

#[test]
fn config_pointer_maps_to_a_line_in_the_yaml_file() {
    use kontrakt::spec::parse::{Limits, parse_yaml};
    use kontrakt::spec::source::{Anchor, Format, SourceFile};
    let dir = temp_dir();
    let text = "auth:\n  clients:\n    - clientId: a\n      secrets: [env:NOT_SET_ANYWHERE]\n";
    let path = write(dir.path(), "mock.yaml", text);
    let parsed = parse_yaml(text, Limits::default()).expect("yaml parses");
    let errors = AuthConfig::from_value_with_env(
        parsed.value.get("auth").unwrap(),
        "/auth",
        dir.path(),
        &env,
    )
    .unwrap_err()
    .0;
    assert_eq!(errors[0].pointer, "/auth/clients/0/secrets/0");
    let source = SourceFile {
        canonical: path.clone(),
        path,
        text: text.to_string(),
        value: parsed.value,
        spans: parsed.spans,
        format: Format::Yaml,
        line_starts: Default::default(),
    };
    let position = source.position(&errors[0].pointer, Anchor::Value);
    assert_eq!((position.line, position.column), (4, 17));
}

// ---------------------------------------------------------------------------------------------
// Secret hygiene
// ---------------------------------------------------------------------------------------------

#[test]
fn no_secret_appears_in_debug_output_or_error_messages() {
    let issuer = issuer();
    let mut out = String::new();
    let mut add = |s: String| {
        out.push_str(&s);
        out.push('\n');
    };

    let header = basic_header(LIKVIDATOR, LIKVIDATOR_SECRET);
    let body = post_body(LIKVIDATOR, LIKVIDATOR_SECRET);
    let req = TokenRequest {
        authorization: Some(header.as_bytes()),
        ..request(&body)
    };
    add(format!("{req:?}"));
    let e = issuer.token(&req).unwrap_err();
    add(format!("{e:?} {e} {}", e.to_json()));
    let e = issuer
        .token(&request(&post_body(LIKVIDATOR, "wrong-guess-secret")))
        .unwrap_err();
    add(format!("{e:?} {e} {}", e.to_json()));

    let response = issuer.token(&request(&body)).unwrap();
    let token = response.access_token.expose().to_string();
    add(format!("{response:?}"));
    let creds = RequestCredentials::new()
        .bearer(&token)
        .header("X-API-Key", STATIC_TOKEN);
    add(format!("{creds:?}"));
    let refusal = authorize(
        &issuer,
        &schemes(),
        &reqs(&[&[("oauth", &["person.laes"])]]),
        &creds,
        NOW,
    )
    .unwrap_err();
    add(format!("{refusal:?} {refusal}"));
    let grant = issuer.introspect(token.as_bytes(), NOW).unwrap();
    add(format!("{grant:?}"));
    add(format!("{issuer:?}"));
    add(format!("{:?}", registrations()));

    let key = SigningKey::from_pem(likvidator().key_pem.as_bytes()).unwrap();
    add(format!("{key:?}"));
    let assertion = client_assertion(&key, &params()).unwrap();
    add(format!("{assertion:?}"));
    let reused = assertion_body(assertion.expose());
    issuer.token(&request(&reused)).unwrap();
    let e = issuer.token(&request(&reused)).unwrap_err();
    add(format!("{e:?} {e}"));

    let dir = temp_dir();
    let config = AuthConfig::from_value_with_env(
        &json!({"clients": [{"clientId": "x", "secrets": ["env:KONTRAKT_SECRET_1", "inline-secret-value"]}],
                "staticTokens": ["env:KONTRAKT_STATIC"]}),
        "/auth",
        dir.path(),
        &env,
    )
    .unwrap();
    add(format!("{config:?}"));
    let errors = AuthConfig::from_value_with_env(
        &json!({"clients": [{"clientId": "x", "secrets": ["inline-secret-value", 5]}],
                "staticTokens": ["env:NOPE", "", "inline-static-token"], "bogus": 1}),
        "/auth",
        dir.path(),
        &env,
    )
    .unwrap_err();
    add(format!("{errors:?} {errors}"));

    assert!(out.contains(LIKVIDATOR), "the output mentions the client");
    for secret in [
        LIKVIDATOR_SECRET,
        "wrong-guess-secret",
        OLD_SECRET,
        STATIC_TOKEN,
        WEIRD_SECRET,
        &token,
        assertion.expose(),
        &assertion.expose()[..40],
        "from-the-environment",
        "static-from-env",
        "inline-secret-value",
        "inline-static-token",
        &likvidator().key_pem[30..80],
    ] {
        assert!(!out.contains(secret), "{secret:?} leaked into:\n{out}");
    }
}

// ---------------------------------------------------------------------------------------------
// Figures
// ---------------------------------------------------------------------------------------------

/// A guard against accidental slowness (`cargo test auth::timings -- --nocapture` prints the
/// figures). Debug figures overstate the cost ~20-40x because generic code (SHA-256, the maps)
/// is compiled at this crate's level; `examples/auth_timing.rs` measures a release build.
#[test]
fn timings() {
    use std::time::Instant;
    let issuer = issuer();
    let body = post_body(LIKVIDATOR, LIKVIDATOR_SECRET);
    let n = 2000u32;
    let start = Instant::now();
    let mut last = String::new();
    for _ in 0..n {
        last = issuer
            .token(&request(&body))
            .unwrap()
            .access_token
            .expose()
            .to_string();
    }
    let issue = start.elapsed() / n;

    let schemes = schemes();
    let requirements = reqs(&[&[("oauth", &[LIKV])]]);
    let creds = RequestCredentials::new().bearer(&last);
    let start = Instant::now();
    for _ in 0..n {
        authorize(&issuer, &schemes, &requirements, &creds, NOW).unwrap();
    }
    let check = start.elapsed() / n;

    let m = 200u32;
    let key = SigningKey::from_pem(likvidator().key_pem.as_bytes()).unwrap();
    let assertions: Vec<Vec<u8>> = (0..m)
        .map(|_| assertion_body(client_assertion(&key, &params()).unwrap().expose()))
        .collect();
    let start = Instant::now();
    for a in &assertions {
        issuer.token(&request(a)).unwrap();
    }
    let jwt = start.elapsed() / m;
    println!(
        "client_secret_post token: {issue:?}; bearer check: {check:?}; ES256 private_key_jwt token: {jwt:?}"
    );
    assert!(issue.as_millis() < 50 && check.as_millis() < 50 && jwt.as_millis() < 200);
}

impl Identity {
    fn cert_pem(&self) -> String {
        format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
            STANDARD.encode(self.cert.der())
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Robustness: arbitrary input gets an answer, never a panic
// ---------------------------------------------------------------------------------------------

mod arbitrary {
    use proptest::collection::vec;
    use proptest::prelude::*;

    use super::*;

    /// Bytes drawn mostly from the characters that matter to the parsers, so the cases get
    /// past the first check often enough to exercise the later ones.
    fn interesting() -> impl Strategy<Value = Vec<u8>> {
        let alphabet = b"abcxyz019+/=%&:;. _-\"\\\xc3\xa5\xff\x00".to_vec();
        vec(proptest::sample::select(alphabet), 0..120)
    }

    fn jwsish() -> impl Strategy<Value = String> {
        (
            vec(any::<u8>(), 0..80),
            vec(any::<u8>(), 0..80),
            vec(any::<u8>(), 0..80),
        )
            .prop_map(|(h, c, s)| {
                format!(
                    "{}.{}.{}",
                    URL_SAFE_NO_PAD.encode(h),
                    URL_SAFE_NO_PAD.encode(c),
                    URL_SAFE_NO_PAD.encode(s)
                )
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn token_endpoint_answers_any_request(
            authorization in proptest::option::of(interesting()),
            body in interesting(),
            assertion in jwsish(),
            header_json in vec(any::<u8>(), 0..40),
        ) {
            let issuer = issuer();
            let result = issuer.token(&TokenRequest {
                authorization: authorization.as_deref(),
                ..request(&body)
            });
            prop_assert!(result.is_err());
            // A structurally valid JWS with a random JSON-ish header and claims.
            let e = issuer.token(&request(&assertion_body(&assertion))).unwrap_err();
            prop_assert_eq!(e.status, 401);
            let forged_header = URL_SAFE_NO_PAD.encode(&header_json);
            let e = issuer
                .token(&request(&assertion_body(&format!("{forged_header}.e30.AAAA"))))
                .unwrap_err();
            prop_assert_eq!(e.code, OAuthErrorCode::InvalidClient);
        }

        #[test]
        fn authorisation_answers_any_credentials(
            authorization in interesting(),
            key in interesting(),
            cookie in interesting(),
            cert in proptest::option::of(vec(any::<u8>(), 0..64)),
        ) {
            let issuer = issuer();
            let mut creds = RequestCredentials::new()
                .header("Authorization", authorization)
                .header("X-API-Key", key)
                .header("Cookie", cookie);
            if let Some(cert) = cert {
                creds = creds.client_certificate(cert);
            }
            let requirements = reqs(&[
                &[("oauth", &[LIKV])],
                &[("basic", &[]), ("cookieKey", &[])],
                &[("apiKey", &[]), ("bearer", &[])],
            ]);
            match authorize(&issuer, &schemes(), &requirements, &creds, NOW) {
                Ok(access) => prop_assert!(access.grant.is_some()),
                Err(refusal) => {
                    prop_assert!(refusal.status == 401 || refusal.status == 403);
                    prop_assert!(refusal.www_authenticate.is_ascii());
                    prop_assert!(!refusal.www_authenticate.contains(['\r', '\n']));
                }
            }
        }
    }
}
