//! JUnit XML for CI systems: one `<testsuite>` per service, one `<testcase>` per operation ×
//! check (and one `<testsuite>` per scenario, one `<testcase>` per step), failures carrying the
//! whole reproduction.
//!
//! Written by hand rather than with a crate: the format is small, and what matters is escaping
//! (server bodies end up in failure text, and XML 1.0 forbids most control characters).

use std::time::Duration;

/// How one test ended.
#[derive(Debug, Clone)]
pub enum Verdict {
    Passed,
    Failed { message: String, text: String },
    Skipped { reason: String },
}

#[derive(Debug, Clone)]
pub struct TestCase {
    /// `person-1.1.0::hentPerson::status-code-documented`
    pub name: String,
    pub verdict: Verdict,
}

/// One file's worth of results.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub properties: Vec<(String, String)>,
    pub cases: Vec<TestCase>,
    pub time: Duration,
}

impl Report {
    pub fn render(&self) -> String {
        // Suites by service (the first part of the name), in first-seen order; scenario steps
        // (`suite::FILE::SCENARIO::STEP`) by scenario.
        let mut suites: Vec<(&str, Vec<&TestCase>)> = Vec::new();
        for c in &self.cases {
            let service = match c.name.strip_prefix("suite::") {
                Some(_) => c.name.rsplit_once("::").map_or(c.name.as_str(), |(g, _)| g),
                None => c.name.split("::").next().unwrap_or(&c.name),
            };
            match suites.iter_mut().find(|(s, _)| *s == service) {
                Some((_, v)) => v.push(c),
                None => suites.push((service, vec![c])),
            }
        }
        let count = |cases: &[&TestCase], f: fn(&Verdict) -> bool| {
            cases.iter().filter(|c| f(&c.verdict)).count()
        };
        let failed = |v: &Verdict| matches!(v, Verdict::Failed { .. });
        let skipped = |v: &Verdict| matches!(v, Verdict::Skipped { .. });
        let all: Vec<&TestCase> = self.cases.iter().collect();
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        out.push_str(&format!(
            "<testsuites name=\"kontrakt\" tests=\"{}\" failures=\"{}\" skipped=\"{}\" time=\"{:.3}\">\n",
            all.len(),
            count(&all, failed),
            count(&all, skipped),
            self.time.as_secs_f64()
        ));
        for (service, cases) in &suites {
            out.push_str(&format!(
                "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" skipped=\"{}\">\n",
                escape(service),
                cases.len(),
                count(cases, failed),
                count(cases, skipped)
            ));
            if !self.properties.is_empty() {
                out.push_str("    <properties>\n");
                for (k, v) in &self.properties {
                    out.push_str(&format!(
                        "      <property name=\"{}\" value=\"{}\"/>\n",
                        escape(k),
                        escape(v)
                    ));
                }
                out.push_str("    </properties>\n");
            }
            for c in cases {
                // classname = service::operation, name = check: how CI UIs group them.
                let (class, check) = c.name.rsplit_once("::").unwrap_or((service, &c.name));
                out.push_str(&format!(
                    "    <testcase classname=\"{}\" name=\"{}\"",
                    escape(class),
                    escape(check)
                ));
                match &c.verdict {
                    Verdict::Passed => out.push_str("/>\n"),
                    Verdict::Failed { message, text } => out.push_str(&format!(
                        ">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>\n",
                        escape(message),
                        escape(check),
                        escape(text)
                    )),
                    Verdict::Skipped { reason } => out.push_str(&format!(
                        ">\n      <skipped message=\"{}\"/>\n    </testcase>\n",
                        escape(reason)
                    )),
                }
            }
            out.push_str("  </testsuite>\n");
        }
        out.push_str("</testsuites>\n");
        out
    }
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

    #[test]
    fn renders_suites_cases_and_escapes() {
        let report = Report {
            properties: vec![("seed".into(), "42".into())],
            cases: vec![
                TestCase {
                    name: "svc::op::not-a-server-error".into(),
                    verdict: Verdict::Passed,
                },
                TestCase {
                    name: "svc::op::status-code-documented".into(),
                    verdict: Verdict::Failed {
                        message: "status 418 <teapot>".into(),
                        text: "body \u{1}\"x\" & y".into(),
                    },
                },
                TestCase {
                    name: "suite::roles::flow::opret".into(),
                    verdict: Verdict::Passed,
                },
                TestCase {
                    name: "other::op2::auth-enforced".into(),
                    verdict: Verdict::Skipped {
                        reason: "production".into(),
                    },
                },
            ],
            time: Duration::from_millis(1500),
        };
        let xml = report.render();
        assert!(xml.contains(
            "<testsuites name=\"kontrakt\" tests=\"4\" failures=\"1\" skipped=\"1\" time=\"1.500\">"
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
