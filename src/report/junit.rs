//! JUnit XML for CI systems: one `<testsuite>` per service, one `<testcase>` per operation ×
//! check (and one `<testsuite>` per scenario, one `<testcase>` per step), failures carrying the
//! whole reproduction.
//!
//! Written by hand rather than with a crate: the format is small, and what matters is escaping
//! (server bodies end up in failure text, and XML 1.0 forbids most control characters).

use super::model::{Outcome, Report, TestRecord};

/// JUnit XML: one `<testsuite>` per service (properties: seed, kontrakt version, the spec's
/// title, version and SHA-256) and per scenario; one `<testcase>` per test.
pub fn render(report: &Report) -> String {
    // Suites by service (the first part of the name), in first-seen order; scenario steps
    // (`suite::FILE::SCENARIO::STEP`) by scenario.
    let mut suites: Vec<(&str, Vec<&TestRecord>)> = Vec::new();
    for c in &report.tests {
        let service = match c.name.strip_prefix("suite::") {
            Some(_) => c.name.rsplit_once("::").map_or(c.name.as_str(), |(g, _)| g),
            None => c.name.split("::").next().unwrap_or(&c.name),
        };
        match suites.iter_mut().find(|(s, _)| *s == service) {
            Some((_, v)) => v.push(c),
            None => suites.push((service, vec![c])),
        }
    }
    let count = |cases: &[&TestRecord], o: Outcome| cases.iter().filter(|c| c.outcome == o).count();
    let all: Vec<&TestRecord> = report.tests.iter().collect();
    let mut out = String::with_capacity(256 + report.tests.len() * 128);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"kontrakt\" tests=\"{}\" failures=\"{}\" skipped=\"{}\" time=\"{:.3}\" timestamp=\"{}\">\n",
        all.len(),
        count(&all, Outcome::Failed),
        count(&all, Outcome::Skipped),
        report.run.duration_ms as f64 / 1000.0,
        escape(&report.run.started)
    ));
    for (suite, cases) in &suites {
        out.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" skipped=\"{}\">\n",
            escape(suite),
            cases.len(),
            count(cases, Outcome::Failed),
            count(cases, Outcome::Skipped)
        ));
        let mut properties = vec![
            ("seed", report.run.seed.to_string()),
            ("kontrakt", report.kontrakt.clone()),
            ("run", report.run.id.clone()),
            ("target", report.run.target.clone()),
        ];
        if let Some(s) = report.services.iter().find(|s| s.name == *suite) {
            properties.push(("spec.title", s.title.clone()));
            properties.push(("spec.version", s.version.clone()));
            properties.push(("spec.file", s.file.clone()));
            properties.push(("spec.sha256", s.sha256.clone()));
        }
        out.push_str("    <properties>\n");
        for (k, v) in &properties {
            out.push_str(&format!(
                "      <property name=\"{}\" value=\"{}\"/>\n",
                escape(k),
                escape(v)
            ));
        }
        out.push_str("    </properties>\n");
        for c in cases {
            // classname = service::operation, name = check: how CI UIs group them.
            let (class, check) = c.name.rsplit_once("::").unwrap_or((suite, &c.name));
            out.push_str(&format!(
                "    <testcase classname=\"{}\" name=\"{}\"",
                escape(class),
                escape(check)
            ));
            match c.outcome {
                Outcome::Passed => out.push_str("/>\n"),
                Outcome::Failed => out.push_str(&format!(
                    ">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>\n",
                    escape(c.message.as_deref().unwrap_or_default()),
                    escape(check),
                    escape(c.text.as_deref().unwrap_or_default())
                )),
                Outcome::Skipped => out.push_str(&format!(
                    ">\n      <skipped message=\"{}\"/>\n    </testcase>\n",
                    escape(c.message.as_deref().unwrap_or_default())
                )),
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

/// XML text and attribute escaping; characters XML 1.0 cannot carry become U+FFFD.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::model::TestKind;

    fn t(name: &str, outcome: Outcome, text: Option<&str>) -> TestRecord {
        crate::report::collect::test_record(
            name.into(),
            TestKind::Check,
            None,
            None,
            outcome,
            text.map(str::to_string),
        )
    }

    #[test]
    fn renders_suites_cases_and_escapes() {
        let mut report =
            crate::report::model::Report::new(crate::report::model::RunInfo::blank(), Vec::new());
        report.run.seed = 42;
        report.run.duration_ms = 1500;
        report.tests = vec![
            t("svc::op::not-a-server-error", Outcome::Passed, None),
            t(
                "svc::op::status-code-documented",
                Outcome::Failed,
                Some("status 418 <teapot>\nbody \u{1}\"x\" & y"),
            ),
            t("suite::roles::flow::opret", Outcome::Passed, None),
            t(
                "other::op2::auth-enforced",
                Outcome::Skipped,
                Some("production"),
            ),
        ];
        let xml = render(&report);
        assert!(xml.contains(
            "<testsuites name=\"kontrakt\" tests=\"4\" failures=\"1\" skipped=\"1\" time=\"1.500\""
        ));
        assert!(xml.contains("<testsuite name=\"svc\" tests=\"2\" failures=\"1\" skipped=\"0\">"));
        assert!(xml.contains("<testcase classname=\"svc::op\" name=\"not-a-server-error\"/>"));
        assert!(xml.contains("message=\"status 418 &lt;teapot&gt;\""));
        assert!(xml.contains("body \u{FFFD}&quot;x&quot; &amp; y</failure>"));
        assert!(xml.contains("<skipped message=\"production\"/>"));
        assert!(xml.contains("<property name=\"seed\" value=\"42\"/>"));
        assert!(xml.contains("<testsuite name=\"suite::roles::flow\" tests=\"1\""));
        assert!(xml.contains("<testcase classname=\"suite::roles::flow\" name=\"opret\"/>"));
    }
}
