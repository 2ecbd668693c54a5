//! The mock's own endpoints under `/__kontrakt` (a prefix no spec uses): health, the routes it
//! serves, the notices from start, the stored state, and a reset, so test suites can start each
//! run from a known state without restarting the process.

use hyper::body::Incoming;
use hyper::{HeaderMap, Response};
use serde_json::{Value, json};

use super::handler::problem;
use super::http::{self, Body};
use super::problem::Problem;
use super::server::Mock;

pub async fn handle(
    mock: &Mock,
    method: &str,
    rest: &str,
    _headers: &HeaderMap,
    _body: Incoming,
) -> Response<Body> {
    let json = |status: u16, v: Value| {
        http::response(
            status,
            &[("Content-Type".into(), "application/json".into())],
            Body::bytes(serde_json::to_vec_pretty(&v).unwrap_or_default()),
        )
    };
    match (method, rest) {
        ("GET", "/health") => json(200, json!({"status": "ok"})),
        ("GET", "/routes") => json(200, json!(mock.app.routes())),
        ("GET", "/notices") => json(
            200,
            json!(
                mock.app
                    .notices
                    .iter()
                    .map(|n| n.to_string())
                    .collect::<Vec<_>>()
            ),
        ),
        ("GET", "/state") => json(200, mock.store().dump()),
        ("POST", "/reset") => match mock.reset() {
            Ok(()) => http::response(204, &[], Body::empty()),
            Err(e) => problem(
                mock,
                None,
                Problem::new(500, "reset-failed", "Internal Server Error", e),
                Vec::new(),
            ),
        },
        (_, "/health" | "/routes" | "/notices" | "/state" | "/reset") => {
            let allow = if rest == "/reset" { "POST" } else { "GET" };
            problem(
                mock,
                None,
                Problem::new(
                    405,
                    "method-not-allowed",
                    "Method Not Allowed",
                    format!("{method} is not allowed here"),
                ),
                vec![("Allow".into(), allow.into())],
            )
        }
        _ => problem(
            mock,
            None,
            Problem::new(
                404,
                "not-found",
                "Not Found",
                "the mock's own endpoints are /__kontrakt/health, /routes, /notices, /state and POST /reset",
            ),
            Vec::new(),
        ),
    }
}
