//! Reports: the model a run leaves behind, and one renderer per format.
//!
//! The runner feeds a [`collect::Collector`] with events and knows no format; the finished
//! [`model::Report`] is all a renderer sees. Formats are a closed enum ([`Format`]), one file
//! each. Every file is written to a temporary name and renamed into place, so a report that
//! exists is complete.

pub mod collect;
pub mod coverage;
pub mod github;
pub mod har;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod merge;
pub mod model;
pub mod readiness;
pub mod write;

pub use collect::{Collector, Event, Listener, Source};
pub use model::Report;
pub use write::{Format, ReportError, write_reports};
