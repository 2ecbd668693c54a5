//! Diff output: text for people (grouped by service and operation, positions on both sides),
//! a versioned JSON document for tools, and a Markdown changelog for vendors; [`render`] picks
//! the format (JUnit and GitHub annotations are in [`super::ci`], the consumer changelog in
//! [`super::changelog`]).

use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::cli::{DiffFormat, Lang};

use super::fragments::side_by_side;
use super::policy::{Change, Verdict};
use super::rule::Level;
use super::rules::RULES;
use super::run::{Comparison, Report};
use crate::catalog::Date;

/// Bumped when the JSON output changes incompatibly. Documented in `docs/diff-json.md`.
pub const JSON_SCHEMA_VERSION: u32 = 1;

/// The report in `format`.
pub fn render(report: &Report, format: DiffFormat, fail_on: Level, lang: Lang) -> String {
    match format {
        DiffFormat::Text => text(report, fail_on),
        DiffFormat::Json => {
            let mut s = serde_json::to_string_pretty(&json(report, fail_on)).unwrap_or_default();
            s.push('\n');
            s
        }
        DiffFormat::Markdown => markdown(report),
        DiffFormat::Junit => super::ci::junit(report, fail_on),
        DiffFormat::Github => super::ci::github(report, fail_on),
        DiffFormat::Changelog => super::changelog::changelog(report, lang),
    }
}

/// Counts over a set of changes.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    /// Breaking changes (warning or error) the policy judged too early.
    pub violations: usize,
    /// Changes that fail the run at the chosen level.
    pub failing: usize,
}

impl Tally {
    pub fn of<'a>(changes: impl IntoIterator<Item = &'a Change>, fail_on: Level) -> Tally {
        let mut t = Tally::default();
        for c in changes {
            match c.level {
                Level::Error => t.errors += 1,
                Level::Warning => t.warnings += 1,
                Level::Info => t.infos += 1,
            }
            t.violations += usize::from(c.verdict.as_ref().is_some_and(|v| !v.allowed));
            t.failing += usize::from(c.fails(fail_on));
        }
        t
    }

    fn line(&self) -> String {
        let mut s = format!(
            "{}, {}, {}",
            plural(self.errors, "error"),
            plural(self.warnings, "warning"),
            plural(self.infos, "info")
        );
        if self.violations > 0 {
            let _ = write!(
                s,
                "; {} before the notice period ends",
                plural(self.violations, "change")
            );
        }
        s
    }
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

fn fix_of(rule: &str) -> &'static str {
    RULES.iter().find(|r| r.id == rule).map_or("", |r| r.fix)
}

fn heading(c: &Comparison) -> String {
    format!(
        "{} {} → {} ({} → {})",
        c.service,
        or_dash(&c.old_version),
        or_dash(&c.new_version),
        c.old_file.display(),
        c.new_file.display()
    )
}

fn or_dash(s: &str) -> &str {
    if s.is_empty() { "—" } else { s }
}

/// Changes grouped by operation, operations in order, changes outside operations first.
fn by_operation(changes: &[Change]) -> Vec<(Option<&str>, Vec<&Change>)> {
    let mut groups: Vec<(Option<&str>, Vec<&Change>)> = Vec::new();
    for c in changes {
        let op = c.operation.as_deref();
        match groups.iter_mut().find(|(o, _)| *o == op) {
            Some((_, list)) => list.push(c),
            None => groups.push((op, vec![c])),
        }
    }
    groups
}

pub fn text(report: &Report, fail_on: Level) -> String {
    let mut out = String::new();
    for c in &report.comparisons {
        let _ = writeln!(out, "{}", heading(c));
        if let Some(r) = &c.release {
            let _ = writeln!(
                out,
                "  policy: {} promised {} days' notice; {} published {}, effective {}",
                r.old_version,
                r.notice_period_days,
                r.new_version,
                r.new_published,
                r.new_effective
            );
        }
        if c.unrelated {
            let _ = writeln!(
                out,
                "  warning: the two specs have no operation in common; are they versions of the same API?\n"
            );
            continue;
        }
        if c.changes.is_empty() {
            let _ = writeln!(out, "  no changes\n");
            continue;
        }
        for (op, changes) in by_operation(&c.changes) {
            let _ = writeln!(out, "\n  {}", op.unwrap_or("(whole API)"));
            for ch in changes {
                let _ = writeln!(
                    out,
                    "    {:<7} {}: {}",
                    ch.level.as_str(),
                    ch.rule,
                    ch.message
                );
                let mut at = Vec::new();
                if let Some(p) = &ch.old {
                    at.push(format!("old {p}"));
                }
                if let Some(p) = &ch.new {
                    at.push(format!("new {p}"));
                }
                if !at.is_empty() {
                    let _ = writeln!(out, "            {}", at.join("  "));
                }
                if let Some(v) = &ch.verdict {
                    let _ = writeln!(out, "            {}", verdict_text(v, report.today));
                }
                if let Some(w) = &ch.waiver {
                    let _ = writeln!(
                        out,
                        "            waived until {} ({}): {}",
                        w.expires, w.position, w.reason
                    );
                }
                if let Some((o, n)) = ch.fragment.as_ref().filter(|_| ch.level >= Level::Warning) {
                    out.push_str(&side_by_side(o, n, "            "));
                }
            }
        }
        if c.elided > 0 {
            let _ = writeln!(
                out,
                "\n  ({} of schema changes listed above, in further operations, are not listed)",
                plural(c.elided, "more occurrence")
            );
        }
        let _ = writeln!(out, "\n  {}\n", Tally::of(&c.changes, fail_on).line());
    }
    for note in all_notes(report) {
        let _ = writeln!(out, "note: {note}");
    }
    for w in &report.expired_waivers {
        let _ = writeln!(
            out,
            "error: {}: the waiver of `{}` expired on {} ({}); renew it with a reason or fix the change",
            w.position, w.fingerprint, w.expires, w.reason
        );
    }
    for w in &report.unused_waivers {
        let _ = writeln!(
            out,
            "note: {}: the waiver of `{}` matches no change; delete it",
            w.position, w.fingerprint
        );
    }
    let all = Tally::of(report.comparisons.iter().flat_map(|c| &c.changes), fail_on);
    let as_of = report
        .today
        .map(|d| format!(" as of {d}"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "{} compared{as_of}: {}; {} at or above {}{}",
        plural(report.comparisons.len(), "pair"),
        all.line(),
        plural(all.failing, "breaking change"),
        fail_on.as_str(),
        if report.expired_waivers.is_empty() {
            String::new()
        } else {
            format!(
                "; {}",
                plural(report.expired_waivers.len(), "expired waiver")
            )
        }
    );
    out
}

/// The report's notes and every comparison's, in order.
pub fn all_notes(report: &Report) -> impl Iterator<Item = &String> {
    report
        .comparisons
        .iter()
        .flat_map(|c| &c.notes)
        .chain(&report.notes)
}

/// One line saying how the policy judged a change.
pub fn verdict_text(v: &Verdict, today: Option<Date>) -> String {
    let sunset = v
        .sunset
        .map(|s| format!(", sunset {s}"))
        .unwrap_or_default();
    let Some(announced) = v.announced else {
        // Outside a catalog: only the sunset decides, on the judging day.
        return if v.allowed {
            format!(
                "deprecated{sunset}, which has passed on {}: allowed",
                v.effective
            )
        } else {
            format!(
                "deprecated{sunset}, which has not passed on {}: VIOLATES the sunset by {}",
                v.effective,
                plural(v.days_short() as usize, "day")
            )
        };
    };
    let judged = if v.allowed {
        "respects the notice period".to_string()
    } else {
        format!("VIOLATES the notice period by {} days", v.days_short())
    };
    let when = match today {
        Some(t) if v.in_effect => format!(" (in effect on {t})"),
        Some(t) => format!(
            " (takes effect in {} as of {t})",
            plural(t.days_between(v.effective).max(0) as usize, "day")
        ),
        None => String::new(),
    };
    format!(
        "announced {} ({}) + {} days{sunset} → earliest {}; effective {}{when}: {judged}",
        announced,
        v.announced_in.as_deref().unwrap_or("—"),
        v.notice_period_days,
        v.earliest,
        v.effective
    )
}

pub fn json(report: &Report, fail_on: Level) -> Value {
    let all = Tally::of(report.comparisons.iter().flat_map(|c| &c.changes), fail_on);
    json!({
        "schemaVersion": JSON_SCHEMA_VERSION,
        "tool": {"name": "kontrakt", "version": env!("CARGO_PKG_VERSION")},
        "failOn": fail_on,
        "comparisons": report.comparisons.iter().map(|c| json!({
            "service": c.service,
            "old": {"file": c.old_file.to_string_lossy(), "version": c.old_version},
            "new": {"file": c.new_file.to_string_lossy(), "version": c.new_version},
            "release": c.release,
            "unrelated": c.unrelated,
            "elidedOccurrences": c.elided,
            "changes": c.changes,
        })).collect::<Vec<_>>(),
        "notes": all_notes(report).collect::<Vec<_>>(),
        "asOf": report.today.map(|d| d.to_string()),
        "waivers": {
            "expired": report.expired_waivers,
            "unused": report.unused_waivers,
        },
        "summary": {
            "errors": all.errors,
            "warnings": all.warnings,
            "infos": all.infos,
            "violations": all.violations,
            "failing": all.failing,
            "expiredWaivers": report.expired_waivers.len(),
        },
    })
}

/// A changelog for the vendors integrating with the services: what changed, what to do, by when.
pub fn markdown(report: &Report) -> String {
    let mut out = String::from("# API changelog\n");
    for c in &report.comparisons {
        let _ = writeln!(
            out,
            "\n## {} {} → {}\n",
            c.service,
            or_dash(&c.old_version),
            or_dash(&c.new_version)
        );
        if let Some(r) = &c.release {
            let _ = writeln!(
                out,
                "Published {}, in effect from **{}**. Notice promised for {}: {} days.\n",
                r.new_published, r.new_effective, r.old_version, r.notice_period_days
            );
        }
        if c.unrelated {
            out.push_str("> The two specs have no operation in common; they were not compared.\n");
            continue;
        }
        let breaking: Vec<&Change> = c
            .changes
            .iter()
            .filter(|ch| ch.level >= Level::Warning)
            .collect();
        let other: Vec<&Change> = c
            .changes
            .iter()
            .filter(|ch| ch.level < Level::Warning)
            .collect();
        if breaking.is_empty() {
            out.push_str("No breaking changes: nothing to do.\n");
        } else {
            out.push_str("### Changes that need action\n\n");
            out.push_str("| Where | What changed | What to do | By when |\n|---|---|---|---|\n");
            for ch in &breaking {
                let when = match &ch.verdict {
                    Some(v) if v.announced.is_none() => verdict_text(v, None),
                    Some(v) if v.allowed => format!(
                        "{} (announced {})",
                        v.effective,
                        v.announced.map(|d| d.to_string()).unwrap_or_default()
                    ),
                    Some(v) => format!(
                        "{} — **{} days before the notice period ends ({})**",
                        v.effective,
                        v.days_short(),
                        v.earliest
                    ),
                    None => "with this version".to_string(),
                };
                let _ = writeln!(
                    out,
                    "| {} | {} ({} `{}`) | {} | {} |",
                    cell(ch.operation.as_deref().unwrap_or("whole API")),
                    cell(&ch.message),
                    ch.level.as_str(),
                    ch.rule,
                    cell(fix_of(ch.rule)),
                    cell(&match &ch.waiver {
                        Some(w) => format!("{when} — waived until {}: {}", w.expires, w.reason),
                        None => when,
                    })
                );
            }
            for ch in breaking.iter().filter(|ch| ch.fragment.is_some()) {
                if let Some((o, n)) = &ch.fragment {
                    let _ = write!(
                        out,
                        "\n<details><summary>{} — {} (<code>{}</code>)</summary>\n\n```text\n{}```\n\n</details>\n",
                        html(ch.operation.as_deref().unwrap_or("whole API")),
                        html(&ch.subject),
                        ch.rule,
                        side_by_side(o, n, "")
                    );
                }
            }
        }
        if !other.is_empty() {
            out.push_str("\n### Other changes\n\n");
            for ch in other {
                let _ = writeln!(
                    out,
                    "- {}{} (`{}`)",
                    ch.operation
                        .as_deref()
                        .map(|o| format!("`{o}`: "))
                        .unwrap_or_default(),
                    ch.message,
                    ch.rule
                );
            }
        }
    }
    let notes: Vec<&String> = all_notes(report).collect();
    if !notes.is_empty() || !report.expired_waivers.is_empty() {
        out.push_str("\n## Notes\n\n");
        for w in &report.expired_waivers {
            let _ = writeln!(
                out,
                "- **Expired waiver** `{}` ({}), expired {}: {}",
                w.fingerprint, w.position, w.expires, w.reason
            );
        }
        for n in notes {
            let _ = writeln!(out, "- {n}");
        }
    }
    out
}

fn html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}
