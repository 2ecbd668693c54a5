//! OAuth2 and bearer-token logic for the mock's token endpoint and its secured operations, and
//! client assertions for the test runner.
//!
//! Pure and synchronous: the mock does the HTTP and the TLS, then hands the header values, body
//! bytes, client certificate and the current time to this module. See `docs/mock-auth.md`.

pub mod assertion;
pub mod bearer;
pub mod cert;
pub mod client;
pub mod config;
pub mod issuer;
pub mod scheme;
pub mod secret;

pub use assertion::{
    AssertionAlg, AssertionError, AssertionParams, JWT_BEARER_ASSERTION_TYPE, SigningKey,
    client_assertion,
};
pub use bearer::{
    Access, AlternativeFailure, Credentials, Failure, Refusal, RequestCredentials, SchemeFailure,
    authorize, cookie_value,
};
pub use cert::{CertError, Certificate, KeyKind};
pub use client::{
    ClientAuth, ClientTokenRequest, FORM_CONTENT_TYPE, basic_authorization,
    client_credentials_request,
};
pub use config::{AuthConfig, ConfigError, ConfigErrors};
pub use issuer::{
    ClientRegistration, ClientSecret, Grant, IssuerConfig, IssuerError, OAuthError, OAuthErrorCode,
    TokenIssuer, TokenProblem, TokenRequest, TokenResponse, unix_now,
};
pub use scheme::{ApiKeyIn, SchemeKind, SchemeProblem, SecuritySchemes};
pub use secret::{Secret, constant_time_eq};
