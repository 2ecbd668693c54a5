//! The notice-period policy (varslingsperiode): when may a breaking change take effect?
//!
//! A breaking change is allowed once its announcement has been public for the notice period the
//! old version promised, and not before the element's own `x-sunset`. The announcement is the
//! publication of the first catalog version that deprecated the element; an element changed
//! without any deprecation is announced by the new version itself. Every date comes from the
//! catalog, never from the clock, so the same diff gives the same verdict whenever it runs.
//! "Today" matters only where no catalog date exists (a removal of a deprecated element in
//! files outside a catalog is judged against its `x-sunset` on that day) and for whether the
//! new version is already in effect; the caller fixes it with `--as-of`.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::delta::{Delta, Direction, Kind};
use super::rule::{Detect, Fired, Level};
use super::settings::Waiver;
use crate::catalog::{Announcement, Date, NoticePeriod};
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
    /// Operations (labels as in [`Change::operation`]) whose stability level promises another
    /// notice than the version's (`x-stability-level`, judged by the policy file).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub operation_notice_days: BTreeMap<String, u32>,
}

impl Release {
    /// The notice promised for an element of `operation` (the version's, unless the operation's
    /// stability level says otherwise).
    pub fn notice_for(&self, operation: Option<&str>) -> u32 {
        operation
            .and_then(|op| self.operation_notice_days.get(op))
            .copied()
            .unwrap_or(self.notice_period_days)
    }
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
    /// When the change was first announced (published deprecation, a catalog announcement, or
    /// the new version itself); `None` outside a catalog, where only the sunset is known.
    #[serde(serialize_with = "opt_as_text")]
    pub announced: Option<Date>,
    /// The version whose publication announced it.
    pub announced_in: Option<String>,
    pub notice_period_days: u32,
    /// The element's `x-sunset`, when it was deprecated with one.
    #[serde(serialize_with = "opt_as_text")]
    pub sunset: Option<Date>,
    /// The earliest date on which the change may take effect.
    #[serde(serialize_with = "as_text")]
    pub earliest: Date,
    /// When the new version takes effect (outside a catalog: the `--as-of` day).
    #[serde(serialize_with = "as_text")]
    pub effective: Date,
    /// Whether `effective` is on or before the `--as-of` day (today without it).
    pub in_effect: bool,
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
    pub subject: Arc<str>,
    pub message: String,
    pub old: Option<Position>,
    pub new: Option<Position>,
    /// Stable across reformatting: rule, operation, subject and values, hashed.
    pub fingerprint: String,
    /// The notice-period judgement; `None` for changes that are not breaking, and outside a
    /// catalog unless a deprecated element's `x-sunset` decides.
    pub verdict: Option<Verdict>,
    /// The accepted-change entry that covers this change (`--waivers`), when it has not expired.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiver: Option<Waiver>,
    /// The changed schema fragment, old and new, as YAML text (for a side-by-side diff).
    #[serde(skip)]
    pub fragment: Option<(String, String)>,
    /// The structural difference the rule judged (for the changelog's wording and the
    /// fragment lookup).
    #[serde(skip)]
    pub delta: Delta,
}

impl Change {
    /// Whether the change fails a run gated at `fail_on`: at or above the level, and not
    /// allowed by the policy.
    pub fn fails(&self, fail_on: Level) -> bool {
        self.waiver.is_none()
            && self.level >= fail_on
            && self.verdict.as_ref().is_none_or(|v| !v.allowed)
    }
}

/// Finds, for an operation `(method, path)`, the first catalog version that deprecated it.
pub type FirstDeprecation<'a> = dyn Fn(&(String, String)) -> Option<(Date, String)> + 'a;

/// What the policy needs besides the rules' findings.
pub struct Context<'a> {
    /// The two catalog versions; `None` outside a catalog.
    pub release: Option<&'a Release>,
    /// For an operation that the old spec deprecates, the earliest catalog version deprecating
    /// it (publication date and version).
    pub first_deprecation: &'a FirstDeprecation<'a>,
    /// Announcements made outside the specs by the old version and its predecessors (with the
    /// version that made each).
    pub announcements: &'a [(Announcement, String)],
    /// "Today": `--as-of`, else the clock.
    pub today: Date,
}

/// Judges what the rules found.
pub fn judge(fired: Vec<Fired>, cx: &Context<'_>) -> Vec<Change> {
    let mut changes: Vec<Change> = fired
        .into_iter()
        .map(|f| {
            let breaking =
                matches!(f.rule.detect, Detect::Each(_)) && f.rule.level >= Level::Warning;
            let verdict = match cx.release {
                Some(r) if breaking => Some(verdict(r, &f, cx)),
                None if breaking => sunset_verdict(&f, cx.today),
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
                waiver: None,
                fragment: None,
                delta: f.delta,
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

/// Outside a catalog nothing is known about publication or notice: only a deprecated element's
/// own `x-sunset` can allow its breaking change, once the sunset has passed on `today`.
fn sunset_verdict(f: &Fired, today: Date) -> Option<Verdict> {
    let d = &f.delta;
    if !d.lifecycle.deprecated {
        return None;
    }
    let sunset = d.lifecycle.sunset.as_deref()?.parse::<Date>().ok()?;
    Some(Verdict {
        announced: None,
        announced_in: None,
        notice_period_days: 0,
        sunset: Some(sunset),
        earliest: sunset,
        effective: today,
        in_effect: true,
        allowed: today >= sunset,
    })
}

/// The first announcement in the catalog matching a change.
fn announcement<'a>(
    f: &Fired,
    list: &'a [(Announcement, String)],
) -> Option<&'a (Announcement, String)> {
    list.iter().find(|(a, _)| {
        a.rule == f.rule.id
            && a.subject
                .as_deref()
                .is_none_or(|s| f.delta.subject.contains(s))
            && a.operation.as_deref().is_none_or(|o| {
                f.delta
                    .operation
                    .as_deref()
                    .is_some_and(|op| op.contains(o))
            })
    })
}

fn verdict(r: &Release, f: &Fired, cx: &Context<'_>) -> Verdict {
    let d = &f.delta;
    let (announced, announced_in) = if d.lifecycle.deprecated {
        let removal = matches!(d.kind, Kind::OperationRemoved | Kind::PathRemoved);
        d.operation_key
            .as_ref()
            .filter(|_| removal)
            .and_then(cx.first_deprecation)
            .unwrap_or((r.old_published, r.old_version.clone()))
    } else if let Some((a, version)) = announcement(f, cx.announcements) {
        (a.announced, format!("{version} (catalog announcement)"))
    } else {
        (r.new_published, r.new_version.clone())
    };
    let days = r.notice_for(d.operation.as_deref());
    let notice = NoticePeriod {
        from: announced,
        days,
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
        announced: Some(announced),
        announced_in: Some(announced_in),
        notice_period_days: days,
        sunset,
        earliest,
        effective: r.new_effective,
        in_effect: r.new_effective <= cx.today,
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
