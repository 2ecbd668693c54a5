//! Per-request cost of the mock's auth logic: issuing a token by `client_secret_post`, by an
//! ES256 `private_key_jwt` assertion, and checking a bearer token against an operation.
//!
//! `cargo run --release --example auth_timing`. Debug builds mislead here: SHA-256 and the map
//! code are generic and get compiled at the crate's own (unoptimised) level.

use std::time::Instant;

use kontrakt::auth::{
    AssertionParams, Certificate, ClientRegistration, ClientSecret, IssuerConfig,
    JWT_BEARER_ASSERTION_TYPE, RequestCredentials, SecuritySchemes, SigningKey, TokenIssuer,
    TokenRequest, authorize, client_assertion,
};
use kontrakt::spec::Loc;
use kontrakt::spec::model::SecurityRequirement;

const AUD: &str = "http://127.0.0.1:8080/oauth2/token";
const NOW: u64 = 1_800_000_000;

fn main() {
    let key = rcgen::KeyPair::generate().expect("P-256 key");
    let params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    let cert = Certificate::from_der(params.self_signed(&key).expect("certificate").der())
        .expect("own certificate parses");
    let mut client = ClientRegistration::new("likvidator-system");
    client.secrets = vec![ClientSecret::new("secret-one"), ClientSecret::new("two")];
    client.certificate = Some(cert.clone());
    client.scopes = vec!["tvangsoploesning.likvidator".into()];
    let issuer = TokenIssuer::new(IssuerConfig {
        audiences: vec![AUD.into()],
        clients: vec![client],
        ..IssuerConfig::default()
    })
    .expect("issuer");
    let request = |body: &'static [u8]| TokenRequest {
        authorization: None,
        content_type: Some(b"application/x-www-form-urlencoded"),
        body,
        client_certificate: None,
        now: NOW,
    };

    let body = b"grant_type=client_credentials&client_id=likvidator-system&client_secret=two";
    let n = 100_000u32;
    let start = Instant::now();
    let mut token = String::new();
    for _ in 0..n {
        token = issuer
            .token(&request(body))
            .expect("token")
            .access_token
            .expose()
            .to_string();
    }
    let post = start.elapsed() / n;

    let (schemes, _) = SecuritySchemes::from_value(&serde_json::json!({
        "oauth": {"type": "oauth2", "flows": {}}
    }));
    let requirements = [SecurityRequirement {
        schemes: vec![("oauth".into(), vec!["tvangsoploesning.likvidator".into()])],
        loc: Loc::new(0, "/security/0"),
    }];
    let creds = RequestCredentials::new().bearer(&token);
    let start = Instant::now();
    for _ in 0..n {
        authorize(&issuer, &schemes, &requirements, &creds, NOW).expect("allowed");
    }
    let check = start.elapsed() / n;

    let signing = SigningKey::from_pem(key.serialize_pem().as_bytes()).expect("key");
    let m = 2_000u32;
    let bodies: Vec<&'static [u8]> = (0..m)
        .map(|_| {
            let a = client_assertion(
                &signing,
                &AssertionParams::new("likvidator-system", AUD, NOW).with_certificate(&cert),
            )
            .expect("assertion");
            let body = form_urlencoded::Serializer::new(String::new())
                .append_pair("grant_type", "client_credentials")
                .append_pair("client_assertion_type", JWT_BEARER_ASSERTION_TYPE)
                .append_pair("client_assertion", a.expose())
                .finish();
            &*Box::leak(body.into_bytes().into_boxed_slice())
        })
        .collect();
    let start = Instant::now();
    for body in &bodies {
        issuer.token(&request(body)).expect("token");
    }
    let jwt = start.elapsed() / m;
    println!("client_secret_post token issue: {post:?}/request");
    println!("bearer check (1 alternative, 1 scope): {check:?}/request");
    println!("private_key_jwt ES256 token issue: {jwt:?}/request");
    println!("live tokens held: {}", issuer.live_tokens(NOW));
}
