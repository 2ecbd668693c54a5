//! What was sent and what came back: the record a check judges and a report shows.
//!
//! Plain owned data, built by the runner from the wire and by tests from literals, so checks
//! stay pure functions that can be tested offline from recorded exchanges. Header values are
//! kept as sent; redaction happens where anything leaves the process (see `crate::redact`).

use std::time::Duration;

use crate::generate::case::Case;

/// A request as sent on the wire.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub method: String,
    /// Absolute URL, query included.
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }
}

/// A response as received (the body possibly cut at the runner's limit, see `truncated`).
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The body was longer than the runner keeps; `body` holds its start.
    pub truncated: bool,
    /// From sending the request to the end of the body.
    pub elapsed: Duration,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }

    /// Every value of a header (case-insensitive name), in order.
    pub fn header_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The media type without parameters, lower-cased: `application/problem+json`.
    pub fn media_type(&self) -> Option<String> {
        self.header("content-type").map(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
    }
}

/// The first value of a header, by case-insensitive name.
pub fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// What happened to a request.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Response(Response),
    /// No response: connection refused, TLS failure, timeout. The message names the cause.
    Transport(String),
}

/// One case, the request it became, and its outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct Exchange {
    pub case: Case,
    pub request: Request,
    pub outcome: Outcome,
}

impl Exchange {
    pub fn response(&self) -> Option<&Response> {
        match &self.outcome {
            Outcome::Response(r) => Some(r),
            Outcome::Transport(_) => None,
        }
    }
}
