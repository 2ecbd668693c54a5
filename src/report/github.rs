//! GitHub Actions integration: annotations for findings (`::error file=…,line=…::…`) so the
//! failing spec lines are marked in a pull request's diff, and the Markdown report appended to
//! the job's step summary. Used by `kontrakt test` when it runs under GitHub Actions
//! (`GITHUB_ACTIONS=true`); elsewhere it does nothing.

use std::io::Write;

use super::model::{Outcome, Report};
use crate::diff::ci::{data, property};

/// Annotations beyond this are not shown by GitHub (10 errors per step); a notice says how
/// many more there are.
pub const MAX_ANNOTATIONS: usize = 50;

/// The workflow commands for a report's findings: one `::error` per failed test, with the
/// spec file and line when the finding has a location.
pub fn annotations(report: &Report) -> String {
    let mut out = String::new();
    let failed: Vec<_> = report
        .tests
        .iter()
        .filter(|t| t.outcome == Outcome::Failed)
        .collect();
    for t in failed.iter().take(MAX_ANNOTATIONS) {
        // A finding without its own location points at the operation.
        let location = t.location.clone().or_else(|| {
            t.operation
                .as_deref()
                .and_then(|o| report.operation(o))
                .and_then(|(_, op)| op.location.clone())
        });
        let mut props = Vec::new();
        if let Some(l) = &location {
            props.push(format!("file={}", property(&l.file)));
            props.push(format!("line={}", l.line));
            props.push(format!("col={}", l.column));
        }
        props.push(format!(
            "title={}",
            property(&format!("kontrakt: {}", t.name))
        ));
        out.push_str(&format!(
            "::error {}::{}\n",
            props.join(","),
            data(t.message.as_deref().unwrap_or("failed"))
        ));
    }
    if failed.len() > MAX_ANNOTATIONS {
        out.push_str(&format!(
            "::notice title=kontrakt::{} more findings are in the reports\n",
            failed.len() - MAX_ANNOTATIONS
        ));
    }
    out
}

/// Under GitHub Actions: prints the annotations and appends the Markdown report to the step
/// summary. Returns whether it did.
pub fn publish(report: &Report) -> bool {
    if std::env::var("GITHUB_ACTIONS").as_deref() != Ok("true") {
        return false;
    }
    print!("{}", annotations(report));
    if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY") {
        let summary = super::markdown::render(report);
        let appended = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(&path)
            .and_then(|mut f| f.write_all(summary.as_bytes()));
        if let Err(e) = appended {
            eprintln!(
                "kontrakt: cannot append to the step summary {}: {e}",
                std::path::Path::new(&path).display()
            );
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::collect::test_record;
    use crate::report::model::{Location, RunInfo, TestKind};

    #[test]
    fn failed_tests_become_error_annotations_with_escaped_text() {
        let mut report = Report::new(RunInfo::blank(), Vec::new());
        let mut failed = test_record(
            "svc::op::status-code-documented".into(),
            TestKind::Check,
            Some("svc::op".into()),
            Some("status-code-documented".into()),
            Outcome::Failed,
            Some("status 418: not documented, 100% sure\nmore".into()),
        );
        failed.location = Some(Location {
            file: "specs/a,b.yaml".into(),
            line: 12,
            column: 5,
        });
        report.tests.push(failed);
        report.tests.push(test_record(
            "svc::op::auth-enforced".into(),
            TestKind::Check,
            None,
            None,
            Outcome::Passed,
            None,
        ));
        let text = annotations(&report);
        assert_eq!(
            text,
            "::error file=specs/a%2Cb.yaml,line=12,col=5,title=kontrakt%3A svc%3A%3Aop%3A%3Astatus-code-documented::status 418: not documented, 100%25 sure\n"
        );
    }

    #[test]
    fn many_findings_are_capped_with_a_notice() {
        let mut report = Report::new(RunInfo::blank(), Vec::new());
        for i in 0..(MAX_ANNOTATIONS + 3) {
            report.tests.push(test_record(
                format!("svc::op{i}::c"),
                TestKind::Check,
                None,
                None,
                Outcome::Failed,
                Some("x".into()),
            ));
        }
        let text = annotations(&report);
        assert_eq!(text.lines().count(), MAX_ANNOTATIONS + 1);
        assert!(text.ends_with("::notice title=kontrakt::3 more findings are in the reports\n"));
    }
}
