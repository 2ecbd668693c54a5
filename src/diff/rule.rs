//! What a diff rule is and what it reports.

use serde::Serialize;

use super::compare::SpecDiff;
use super::delta::{Delta, Direction};

/// How much a change matters to clients, by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Worth knowing: additions, deprecations, harmless relaxations.
    Info,
    /// May break some clients (strict deserialisers, exhaustive matches), or needs a human look.
    Warning,
    /// Breaks existing clients.
    Error,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

/// How a rule finds its changes.
pub enum Detect {
    /// Fires once for each delta the predicate accepts (most rules).
    Each(fn(&Delta) -> bool),
    /// Looks at the whole diff and at what the `Each` rules found, and returns deltas of its own
    /// (for rules about the release as a whole, such as the version number).
    Whole(fn(&SpecDiff, &[Fired]) -> Vec<Delta>),
}

/// A diff rule: a stable kebab-case id, a default level, the direction it guards, its
/// documentation in fixed sections and its detector.
pub struct Rule {
    pub id: &'static str,
    pub level: Level,
    pub direction: Direction,
    /// One line: what the rule detects.
    pub summary: &'static str,
    /// Why it breaks (or does not break) clients.
    pub why: &'static str,
    /// A concrete change that fires.
    pub example: &'static str,
    /// How to evolve the API safely instead.
    pub fix: &'static str,
    /// The rule guarding the same change in the other direction (a tighter request limit
    /// mirrors a looser response limit); `None` needs a written waiver in the registry test.
    pub mirror: Option<&'static str>,
    pub detect: Detect,
}

/// A rule that fired on a delta, before the policy looks at it.
#[derive(Debug, Clone)]
pub struct Fired {
    pub rule: &'static Rule,
    pub delta: Delta,
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rule")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// Runs every rule over a diff: the `Each` rules first, then the `Whole` rules, which see them.
pub fn run(rules: &'static [&'static Rule], diff: &SpecDiff) -> Vec<Fired> {
    let mut fired = Vec::new();
    for delta in &diff.deltas {
        for rule in rules {
            if let Detect::Each(applies) = rule.detect
                && applies(delta)
            {
                fired.push(Fired {
                    rule,
                    delta: delta.clone(),
                });
            }
        }
    }
    let mut whole = Vec::new();
    for rule in rules {
        if let Detect::Whole(detect) = rule.detect {
            whole.extend(
                detect(diff, &fired)
                    .into_iter()
                    .map(|delta| Fired { rule, delta }),
            );
        }
    }
    fired.extend(whole);
    fired
}
