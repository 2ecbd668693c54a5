//! Markdown for GitHub step summaries and pull-request comments: the verdict, a table per
//! service (tests and coverage), what was not tested, then the findings with their
//! reproductions folded. GitHub cuts a step summary at 1 MiB, so findings beyond
//! [`MAX_FINDINGS`] are listed by name only.

use super::model::{Coverage, Outcome, Report};

/// Findings shown with their whole reproduction; the rest are named.
pub const MAX_FINDINGS: usize = 50;
/// Characters of one finding's text kept in the summary.
const MAX_TEXT: usize = 6_000;

pub fn render(report: &Report) -> String {
    let s = &report.summary;
    let run = &report.run;
    let mut out = String::new();
    let verdict = if s.failed > 0 {
        format!("❌ **{} of {} tests failed**", s.failed, s.tests)
    } else {
        format!("✅ **all {} tests passed**", s.passed)
    };
    out.push_str("# kontrakt test report\n\n");
    out.push_str(&format!(
        "{verdict} ({} passed, {} failed, {} skipped) · {} requests · {} of {} operations tested\n\n",
        s.passed, s.failed, s.skipped, s.exchanges, s.operations_tested, s.operations
    ));
    out.push_str(&format!(
        "Run `{}` · started {} · {:.1} s · target `{}` · seed `{}` · kontrakt {}{}\n\n",
        run.id,
        run.started,
        run.duration_ms as f64 / 1000.0,
        run.target,
        run.seed,
        report.kontrakt,
        match &run.partition {
            Some(p) => format!(" · shard {}/{}", p.index, p.count),
            None if !run.merged_from.is_empty() => {
                format!(" · merged from {} shards", run.merged_from.len())
            }
            None => String::new(),
        }
    ));

    out.push_str("## Services\n\n");
    out.push_str("| service | version | operations tested | passed | failed | skipped | statuses | parameters | enum values | examples |\n");
    out.push_str("|---|---|---|---:|---:|---:|---|---|---|---|\n");
    for svc in &report.services {
        let mut counts = [0u64; 3];
        let mut tested = 0;
        let mut cov = Coverage::default();
        for op in &svc.operations {
            if op.sent.values().sum::<u64>() > 0 {
                tested += 1;
            }
            for t in report.tests_of(&op.id) {
                counts[t.outcome as usize] += 1;
            }
            cov.statuses.extend(op.coverage.statuses.iter().cloned());
            cov.parameters
                .extend(op.coverage.parameters.iter().cloned());
            cov.enum_values
                .extend(op.coverage.enum_values.iter().cloned());
            cov.examples.extend(op.coverage.examples.iter().cloned());
        }
        // Scenario steps and chains name their operation too; count them with the service.
        out.push_str(&format!(
            "| {} | {} | {tested} / {} | {} | {} | {} | {} | {} | {} | {} |\n",
            cell(&svc.title),
            cell(&svc.version),
            svc.operations.len(),
            counts[Outcome::Passed as usize],
            counts[Outcome::Failed as usize],
            counts[Outcome::Skipped as usize],
            ratio(&cov.statuses),
            ratio(&cov.parameters),
            ratio(&cov.enum_values),
            ratio(&cov.examples),
        ));
    }
    let scenario_tests: Vec<_> = report
        .tests
        .iter()
        .filter(|t| t.name.starts_with("suite::"))
        .collect();
    if !scenario_tests.is_empty() {
        let c = |o: Outcome| scenario_tests.iter().filter(|t| t.outcome == o).count();
        out.push_str(&format!(
            "\nScenario steps: {} passed, {} failed, {} skipped.\n",
            c(Outcome::Passed),
            c(Outcome::Failed),
            c(Outcome::Skipped)
        ));
    }

    let untested: Vec<_> = report
        .services
        .iter()
        .flat_map(|s| &s.operations)
        .filter(|o| o.sent.values().sum::<u64>() == 0)
        .collect();
    if !untested.is_empty() {
        out.push_str(&format!("\n## Not tested ({})\n\n", untested.len()));
        for op in untested {
            let why = match (&op.skipped, op.not_sent) {
                (Some(why), _) => why.clone(),
                (None, n) if n > 0 => "the request budget ran out".to_string(),
                _ => "not selected".to_string(),
            };
            out.push_str(&format!(
                "- `{}` {} `{}`: {}\n",
                op.id,
                op.method,
                op.path,
                cell(&why)
            ));
        }
    }

    let failed: Vec<_> = report
        .tests
        .iter()
        .filter(|t| t.outcome == Outcome::Failed)
        .collect();
    if !failed.is_empty() {
        out.push_str(&format!("\n## Findings ({})\n", failed.len()));
        for t in failed.iter().take(MAX_FINDINGS) {
            out.push_str(&format!(
                "\n### `{}`\n\n{}\n",
                t.name,
                cell(t.message.as_deref().unwrap_or_default())
            ));
            if let Some(loc) = &t.location {
                out.push_str(&format!(
                    "\nSpec: `{}:{}:{}`\n",
                    loc.file, loc.line, loc.column
                ));
            }
            if let Some(text) = &t.text {
                let mut text = text.clone();
                if text.len() > MAX_TEXT {
                    let mut cut = MAX_TEXT;
                    while !text.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    text.truncate(cut);
                    text.push_str("\n… (cut; the whole text is in the JSON and JUnit reports)");
                }
                out.push_str(&format!(
                    "\n<details><summary>Reproduction</summary>\n\n{}\n\n</details>\n",
                    fence(&text)
                ));
            }
        }
        if failed.len() > MAX_FINDINGS {
            out.push_str(&format!(
                "\n{} more findings (see the JSON, HTML or JUnit report):\n\n",
                failed.len() - MAX_FINDINGS
            ));
            for t in &failed[MAX_FINDINGS..] {
                out.push_str(&format!("- `{}`\n", t.name));
            }
        }
    }
    out
}

fn ratio(items: &[super::model::Hit]) -> String {
    let (hit, total) = Coverage::ratio(items);
    if total == 0 {
        "–".into()
    } else {
        format!(
            "{hit} / {total} ({:.0} %)",
            100.0 * hit as f64 / total as f64
        )
    }
}

/// Text safe in a table cell or a paragraph: no pipes, no line breaks, no HTML.
fn cell(s: &str) -> String {
    s.replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace(['\n', '\r'], " ")
}

/// A fenced block whose fence is longer than any backtick run inside.
fn fence(text: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let f = "`".repeat(longest.max(2) + 1);
    format!("{f}text\n{text}\n{f}")
}
