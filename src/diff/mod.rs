//! `kontrakt diff`: breaking changes between spec versions, judged against the notice periods.
//!
//! Diff first, then judge: [`compare`] turns two loaded specs into a neutral [`SpecDiff`];
//! the rules in [`rules`] (one file each, one list) decide what each difference means for
//! clients; [`policy`] holds every breaking change against the notice period promised in the
//! catalog; [`render`] writes text, JSON or a Markdown changelog; [`run`] finds the pairs of
//! specs to compare (files, folders, a git revision).

pub mod across;
pub mod changelog;
pub mod ci;
pub mod compare;
pub mod delta;
pub mod fragments;
pub mod policy;
pub mod render;
pub mod rule;
pub mod rules;
pub mod run;
pub mod schema;
pub mod settings;

pub use compare::{SpecDiff, compare};
pub use delta::{Area, Delta, Direction, Kind};
pub use policy::{Change, Verdict};
pub use rule::{Level, Rule};

use serde_json::json;

use crate::spec::Loc;

/// A delta at `info.version` on both sides, for the rules about version numbers.
pub fn version_delta(diff: &SpecDiff) -> Delta {
    let at = Loc::new(0, "/info/version");
    let site = |spec: &crate::spec::Spec| delta::Site {
        loc: at.clone(),
        position: spec.position(&at),
    };
    Delta {
        kind: Kind::VersionChanged,
        area: Area::Info,
        operation: None,
        subject: "info.version".into(),
        old: Some(site(diff.old)),
        new: Some(site(diff.new)),
        old_value: Some(json!(diff.old_version)),
        new_value: Some(json!(diff.new_version)),
        flags: delta::Flags::default(),
        lifecycle: delta::Lifecycle::default(),
        operation_key: None,
    }
}
