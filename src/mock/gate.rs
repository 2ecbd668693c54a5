//! The test environment's gatekeeping for the mock: who is calling and whether they may.
//! (Interim: static tokens only; the OAuth token endpoint is wired in with `auth`.)

use hyper::body::Incoming;
use hyper::{HeaderMap, Response};

use super::app::OpEntry;
use super::handler;
use super::http::{Body, header};
use super::problem::Problem;
use super::server::{Conn, Mock};

pub struct Gate {
    pub enforce: bool,
    pub tokens: Vec<String>,
    pub token_path: String,
}

impl Gate {
    pub fn is_token_endpoint(&self, path: &str) -> bool {
        !self.token_path.is_empty() && path == self.token_path && self.issuer_ready()
    }

    fn issuer_ready(&self) -> bool {
        false
    }

    pub async fn token(
        &self,
        mock: &Mock,
        _method: &str,
        _headers: &HeaderMap,
        _body: Incoming,
        _conn: &Conn,
    ) -> Response<Body> {
        handler::problem(
            mock,
            None,
            Problem::new(404, "not-found", "Not Found", "no token endpoint"),
            Vec::new(),
        )
    }

    /// A name for the caller, for rate limiting: the bearer token's client, else the address.
    pub fn identify(&self, headers: &HeaderMap, conn: &Conn) -> String {
        match header(headers, "authorization").and_then(|a| a.strip_prefix("Bearer ")) {
            Some(t) => format!("token:{}", short_hash(t)),
            None => format!("ip:{}", conn.peer.ip()),
        }
    }

    #[allow(clippy::result_large_err)]
    pub fn authorize(
        &self,
        _mock: &Mock,
        op: &OpEntry,
        headers: &HeaderMap,
        _query: &str,
        _conn: &Conn,
    ) -> Result<(), (Problem, Vec<(String, String)>)> {
        if !self.enforce
            || op.security.is_empty()
            || op.security.iter().any(|r| r.schemes.is_empty())
        {
            return Ok(());
        }
        let token = header(headers, "authorization").and_then(|a| a.strip_prefix("Bearer "));
        match token {
            Some(t) if self.tokens.iter().any(|x| x == t) => Ok(()),
            Some(_) => Err((
                Problem::new(
                    401,
                    "unauthorized",
                    "Unauthorized",
                    "the bearer token is not valid",
                ),
                vec![(
                    "WWW-Authenticate".into(),
                    "Bearer realm=\"kontrakt\", error=\"invalid_token\"".into(),
                )],
            )),
            None => Err((
                Problem::new(
                    401,
                    "unauthorized",
                    "Unauthorized",
                    "this operation needs credentials",
                ),
                vec![(
                    "WWW-Authenticate".into(),
                    "Bearer realm=\"kontrakt\"".into(),
                )],
            )),
        }
    }
}

fn short_hash(s: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(s.as_bytes())[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
