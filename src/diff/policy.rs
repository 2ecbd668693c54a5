//! The notice-period policy (varslingsperiode): when may a breaking change take effect?
//!
//! A breaking change is allowed once its announcement has been public for the notice period the
//! old version promised, and not before the element's own `x-sunset`. The announcement is the
//! publication of the first catalog version that deprecated the element; an element changed
//! without any deprecation is announced by the new version itself. Every date comes from the
//! catalog, never from the clock, so the same diff gives the same verdict whenever it runs.

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::delta::{Direction, Kind};
use super::rule::{Detect, Fired, Level};
use crate::catalog::{Date, NoticePeriod};
use crate::spec::source::Position;

/// What the catalog says about the two versions being compared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Release {
    pub service: String,
    pub old_version: String,
    pub new_version: String,
    /// The notice the old version promised its users.
    pub notice_period_days: u32,
    #[serde(serialize_with = "as_text")]
    pub old_published: Date,
    #[serde(serialize_with = "as_text")]
    pub new_published: Date,
    #[serde(serialize_with = "as_text")]
    pub new_effective: Date,
}

fn as_text<S: serde::Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&d.to_string())
}

fn opt_as_text<S: serde::Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_str(&d.to_string()),
        None => s.serialize_none(),
    }
}

/// The policy's judgement of one breaking change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Verdict {
    /// When the change was first announced (published deprecation, or the new version itself).
    #[serde(serialize_with = "as_text")]
    pub announced: Date,
    /// The version whose publication announced it.
    pub announced_in: String,
    pub notice_period_days: u32,
    /// The element's `x-sunset`, when it was deprecated with one.
    #[serde(serialize_with = "opt_as_text")]
    pub sunset: Option<Date>,
    /// The earliest date on which the change may take effect.
    #[serde(serialize_with = "as_text")]
    pub earliest: Date,
    /// When the new version takes effect.
    #[serde(serialize_with = "as_text")]
    pub effective: Date,
    pub allowed: bool,
}

impl Verdict {
    /// How many days too early the change takes effect (0 when allowed).
    pub fn days_short(&self) -> i64 {
        self.effective.days_between(self.earliest).max(0)
    }
}

/// One judged change: what a renderer shows.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    pub rule: &'static str,
    pub level: Level,
    pub direction: Direction,
    pub operation: Option<String>,
    pub subject: String,
    pub message: String,
    pub old: Option<Position>,
    pub new: Option<Position>,
    /// Stable across reformatting: rule, operation, subject and values, hashed.
    pub fingerprint: String,
    /// The notice-period judgement; `None` without a catalog or for changes that are not
    /// breaking.
    pub verdict: Option<Verdict>,
}

impl Change {
    /// Whether the change fails a run gated at `fail_on`: at or above the level, and not
    /// allowed by the policy.
    pub fn fails(&self, fail_on: Level) -> bool {
        self.level >= fail_on && self.verdict.as_ref().is_none_or(|v| !v.allowed)
    }
}

/// Finds, for an operation `(method, path)`, the first catalog version that deprecated it.
pub type FirstDeprecation<'a> = dyn Fn(&(String, String)) -> Option<(Date, String)> + 'a;

/// Judges what the rules found. `first_deprecation` finds, for an operation that the old spec
/// deprecates, the earliest catalog version deprecating it (publication date and version).
pub fn judge(
    fired: Vec<Fired>,
    release: Option<&Release>,
    first_deprecation: &FirstDeprecation<'_>,
) -> Vec<Change> {
    let mut changes: Vec<Change> = fired
        .into_iter()
        .map(|f| {
            let verdict = match (release, &f.rule.detect) {
                (Some(r), Detect::Each(_)) if f.rule.level >= Level::Warning => {
                    Some(verdict(r, &f, first_deprecation))
                }
                _ => None,
            };
            let (old_value, new_value) = f.delta.values();
            let fingerprint = fingerprint(&[
                f.rule.id,
                f.delta.operation.as_deref().unwrap_or(""),
                &f.delta.subject,
                &old_value,
                &new_value,
            ]);
            Change {
                rule: f.rule.id,
                level: f.rule.level,
                direction: f.rule.direction,
                operation: f.delta.operation.clone(),
                subject: f.delta.subject.clone(),
                message: f.delta.describe(),
                old: f.delta.old.as_ref().map(|s| s.position.clone()),
                new: f.delta.new.as_ref().map(|s| s.position.clone()),
                fingerprint,
                verdict,
            }
        })
        .collect();
    changes.sort_by(|a, b| {
        (
            &a.operation,
            std::cmp::Reverse(a.level),
            a.rule,
            &a.subject,
            &a.message,
        )
            .cmp(&(
                &b.operation,
                std::cmp::Reverse(b.level),
                b.rule,
                &b.subject,
                &b.message,
            ))
    });
    changes.dedup_by(|a, b| a.fingerprint == b.fingerprint);
    changes
}

fn verdict(r: &Release, f: &Fired, first_deprecation: &FirstDeprecation<'_>) -> Verdict {
    let d = &f.delta;
    let (announced, announced_in) = if d.lifecycle.deprecated {
        let removal = matches!(d.kind, Kind::OperationRemoved | Kind::PathRemoved);
        d.operation_key
            .as_ref()
            .filter(|_| removal)
            .and_then(first_deprecation)
            .unwrap_or((r.old_published, r.old_version.clone()))
    } else {
        (r.new_published, r.new_version.clone())
    };
    let notice = NoticePeriod {
        from: announced,
        days: r.notice_period_days,
    };
    let sunset = if d.lifecycle.deprecated {
        d.lifecycle
            .sunset
            .as_deref()
            .and_then(|s| s.parse::<Date>().ok())
    } else {
        None
    };
    let earliest = match sunset {
        Some(s) if s > notice.ends() => s,
        _ => notice.ends(),
    };
    let allowed =
        notice.respected_by(r.new_effective) && sunset.is_none_or(|s| r.new_effective >= s);
    Verdict {
        announced,
        announced_in,
        notice_period_days: r.notice_period_days,
        sunset,
        earliest,
        effective: r.new_effective,
        allowed,
    }
}

/// The first 16 hex digits of the SHA-256 of the parts joined by NUL.
fn fingerprint(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            h.update([0u8]);
        }
        h.update(p.as_bytes());
    }
    h.finalize()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}
