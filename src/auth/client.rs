//! The client side of a token request: what the test runner sends to a token endpoint.
//!
//! Getting the encoding right is the part clients most often get wrong (RFC 6749 §2.3.1 wants
//! the id and secret form-urlencoded *before* base64, which few libraries do), so the runner
//! and the tests build requests here instead of by hand. The result holds credentials and is
//! therefore made of [`Secret`]s.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::assertion::JWT_BEARER_ASSERTION_TYPE;
use super::secret::Secret;

/// `Content-Type` of every token request.
pub const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

/// How the client authenticates.
#[derive(Debug, Clone, Copy)]
pub enum ClientAuth<'a> {
    SecretBasic {
        client_id: &'a str,
        secret: &'a Secret,
    },
    SecretPost {
        client_id: &'a str,
        secret: &'a Secret,
    },
    /// `client_id` is optional beside an assertion (RFC 7523 §3.1 takes it from `iss`).
    PrivateKeyJwt {
        client_id: Option<&'a str>,
        assertion: &'a Secret,
    },
}

/// A ready `client_credentials` request: send `body` with [`FORM_CONTENT_TYPE`] and, when
/// present, `authorization` as the `Authorization` header.
#[derive(Debug, Clone)]
pub struct ClientTokenRequest {
    pub authorization: Option<Secret>,
    pub body: Secret,
}

/// Builds a `client_credentials` token request, asking for `scope` (space-separated) if given.
pub fn client_credentials_request(auth: ClientAuth<'_>, scope: Option<&str>) -> ClientTokenRequest {
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("grant_type", "client_credentials");
    let mut authorization = None;
    match auth {
        ClientAuth::SecretBasic { client_id, secret } => {
            authorization = Some(basic_authorization(client_id, secret));
        }
        ClientAuth::SecretPost { client_id, secret } => {
            form.append_pair("client_id", client_id);
            form.append_pair("client_secret", secret.expose());
        }
        ClientAuth::PrivateKeyJwt {
            client_id,
            assertion,
        } => {
            if let Some(id) = client_id {
                form.append_pair("client_id", id);
            }
            form.append_pair("client_assertion_type", JWT_BEARER_ASSERTION_TYPE);
            form.append_pair("client_assertion", assertion.expose());
        }
    }
    if let Some(scope) = scope {
        form.append_pair("scope", scope);
    }
    ClientTokenRequest {
        authorization,
        body: Secret::new(form.finish()),
    }
}

/// `Basic base64(urlencode(id) ":" urlencode(secret))`, as RFC 6749 §2.3.1 requires.
pub fn basic_authorization(client_id: &str, secret: &Secret) -> Secret {
    let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    Secret::new(format!(
        "Basic {}",
        STANDARD.encode(format!("{}:{}", enc(client_id), enc(secret.expose())))
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_form_encoded_before_base64() {
        let header = basic_authorization("a b:c", &Secret::new("ø&="));
        let b64 = header.expose().strip_prefix("Basic ").unwrap();
        let raw = String::from_utf8(STANDARD.decode(b64).unwrap()).unwrap();
        assert_eq!(raw, "a+b%3Ac:%C3%B8%26%3D");
    }

    #[test]
    fn post_body_carries_id_secret_and_scope() {
        let secret = Secret::new("s&t");
        let req = client_credentials_request(
            ClientAuth::SecretPost {
                client_id: "id",
                secret: &secret,
            },
            Some("a b"),
        );
        assert!(req.authorization.is_none());
        assert_eq!(
            req.body.expose(),
            "grant_type=client_credentials&client_id=id&client_secret=s%26t&scope=a+b"
        );
        assert!(!format!("{req:?}").contains("s%26t"));
    }
}
