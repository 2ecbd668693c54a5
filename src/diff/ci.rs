//! Outputs for CI systems: JUnit XML (test-report widgets of Jenkins, GitLab, Azure) and GitHub
//! Actions workflow commands (annotations on the pull request's changed lines).
//!
//! Both carry the same verdicts as the text output; only the container differs, so a change
//! fails in JUnit exactly when it fails the run ([`Change::fails`]).

use std::fmt::Write as _;

use super::policy::Change;
use super::render::{all_notes, verdict_text};
use super::rule::Level;
use super::run::Report;

/// JUnit XML: one `<testsuite>` per compared pair, one `<testcase>` per change (failing ones
/// carry `<failure>`), and a `waivers` suite when a waiver has expired.
pub fn junit(report: &Report, fail_on: Level) -> String {
    let mut suites = String::new();
    let (mut tests, mut failures) = (0usize, 0usize);
    for c in &report.comparisons {
        let name = format!("{} {} → {}", c.service, c.old_version, c.new_version);
        let mut cases = String::new();
        let mut suite_failures = 0usize;
        let listed: Vec<&Change> = c.changes.iter().collect();
        for ch in &listed {
            let failing = ch.fails(fail_on);
            suite_failures += usize::from(failing);
            let _ = write!(
                cases,
                "    <testcase classname=\"{}\" name=\"{}\"",
                xml(&c.service),
                xml(&format!(
                    "{}: {} {} [{}]",
                    ch.rule,
                    ch.operation.as_deref().unwrap_or("(whole API)"),
                    ch.subject,
                    ch.fingerprint
                ))
            );
            if failing {
                let _ = write!(
                    cases,
                    ">\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n    </testcase>\n",
                    ch.rule,
                    xml(&ch.message),
                    xml(&details(ch, report))
                );
            } else {
                let _ = writeln!(cases, "/>");
            }
        }
        if listed.is_empty() {
            let _ = writeln!(
                cases,
                "    <testcase classname=\"{}\" name=\"no changes\"/>",
                xml(&c.service)
            );
        }
        let count = listed.len().max(1);
        tests += count;
        failures += suite_failures;
        let _ = write!(
            suites,
            "  <testsuite name=\"{}\" tests=\"{count}\" failures=\"{suite_failures}\">\n{cases}  </testsuite>\n",
            xml(&name)
        );
    }
    if !report.expired_waivers.is_empty() {
        let n = report.expired_waivers.len();
        let _ = writeln!(
            suites,
            "  <testsuite name=\"waivers\" tests=\"{n}\" failures=\"{n}\">"
        );
        for w in &report.expired_waivers {
            let _ = writeln!(
                suites,
                "    <testcase classname=\"waivers\" name=\"{}\">\n      <failure type=\"expired-waiver\" message=\"expired {}\">{}: {}</failure>\n    </testcase>",
                w.fingerprint,
                w.expires,
                xml(&w.position.to_string()),
                xml(&w.reason)
            );
        }
        let _ = writeln!(suites, "  </testsuite>");
        tests += n;
        failures += n;
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"kontrakt diff\" tests=\"{tests}\" failures=\"{failures}\">\n{suites}</testsuites>\n"
    )
}

/// The failure text: where, and the policy's judgement.
fn details(ch: &Change, report: &Report) -> String {
    let mut s = String::new();
    if let Some(p) = &ch.old {
        let _ = writeln!(s, "old {p}");
    }
    if let Some(p) = &ch.new {
        let _ = writeln!(s, "new {p}");
    }
    if let Some(v) = &ch.verdict {
        let _ = writeln!(s, "{}", verdict_text(v, report.today));
    }
    s
}

/// XML escaping, shared with the test report's JUnit.
fn xml(s: &str) -> String {
    crate::report::junit::escape(s)
}

/// GitHub workflow commands: `::error` for a change that fails the run, `::warning` for other
/// breaking changes (allowed by the policy, waived, or below `--fail-on`), `::notice` for
/// expired waivers' and notes' context; additions (info) are left out. Each points at the new
/// file's line (the old file's for removals).
pub fn github(report: &Report, fail_on: Level) -> String {
    let mut out = String::new();
    for c in &report.comparisons {
        for ch in c.changes.iter().filter(|ch| ch.level >= Level::Warning) {
            let command = if ch.fails(fail_on) {
                "error"
            } else {
                "warning"
            };
            let mut message = format!(
                "{}{}",
                ch.operation
                    .as_deref()
                    .map(|o| format!("{o}: "))
                    .unwrap_or_default(),
                ch.message
            );
            if let Some(v) = &ch.verdict {
                message.push('\n');
                message.push_str(&verdict_text(v, report.today));
            }
            if let Some(w) = &ch.waiver {
                let _ = write!(message, "\nwaived until {}: {}", w.expires, w.reason);
            }
            let _ = write!(message, "\nfingerprint {}", ch.fingerprint);
            let mut props = Vec::new();
            if let Some(p) = ch.new.as_ref().or(ch.old.as_ref()) {
                props.push(format!("file={}", property(&p.file.to_string_lossy())));
                props.push(format!("line={}", p.line));
                props.push(format!("col={}", p.column));
            }
            props.push(format!(
                "title={}",
                property(&format!("{} ({})", ch.rule, c.service))
            ));
            let _ = writeln!(out, "::{command} {}::{}", props.join(","), data(&message));
        }
    }
    for w in &report.expired_waivers {
        let _ = writeln!(
            out,
            "::error file={},line={},col={},title=expired-waiver::{}",
            property(&w.position.file.to_string_lossy()),
            w.position.line,
            w.position.column,
            data(&format!(
                "the waiver of {} expired on {}: {}",
                w.fingerprint, w.expires, w.reason
            ))
        );
    }
    for n in all_notes(report) {
        let _ = writeln!(out, "::notice title=kontrakt diff::{}", data(n));
    }
    out
}

/// Escapes a command's message (GitHub's `escapeData`).
pub fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a command property (GitHub's `escapeProperty`).
pub fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(data("50% of\nit"), "50%25 of%0Ait");
        assert_eq!(property("a:b,c"), "a%3Ab%2Cc");
        assert_eq!(xml("<a & \"b\">"), "&lt;a &amp; &quot;b&quot;&gt;");
    }
}
