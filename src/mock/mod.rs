//! `kontrakt mock`: a stand-in for the services a spec describes. It routes requests to the
//! spec's operations, checks them as strictly as the real service would, answers with examples
//! or data generated to fit the schemas, remembers what clients create, and enforces the test
//! environment's credentials, rate limits and upload limits.
//!
//! Data flow: `app` compiles specs into routes and responders once; `server` accepts
//! connections; `handler` runs each request through gatekeeping (`gate`, `ratelimit`),
//! validation (`params`, `body`) and a response from `state`, `upload` or the spec.

pub mod admin;
pub mod app;
pub mod body;
pub mod cli;
pub mod gate;
pub mod handler;
pub mod http;
pub mod negotiate;
pub mod params;
pub mod problem;
pub mod ratelimit;
pub mod router;
pub mod server;
pub mod state;
pub mod upload;

pub use app::{MockApp, Notice};
pub use server::{Mock, MockOptions, Running, start};
