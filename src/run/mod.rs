//! `kontrakt test`: the run (suite → cases → requests → trials → JUnit) and its side of the
//! wire: how requests reach the target politely and with the right credentials (limiter, HTTP
//! client, auth session), and why a run stops.

pub mod auth;
pub mod cleanup;
pub mod command;
pub mod error;
pub mod http;
pub mod ledger;
pub mod limiter;
pub mod partition;
pub mod progress;
pub mod runner;
pub mod suite;

pub use auth::AuthSession;
pub use error::RunError;
pub use http::{ClientOptions, Credentials, Event, HttpClient, Sender, load_identity};
pub use limiter::{Limiter, RateSpec, wait_hint};
