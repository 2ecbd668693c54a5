//! HTML: the report people look at — programme staff checking coverage, a developer chasing a
//! failure — as one self-contained file that opens offline and can be attached anywhere.
//!
//! Everything is inline: the stylesheet, the coverage bars (plain CSS) and a small vanilla
//! script that only adds filters (text, failed only, service). Without the script the page is
//! complete and readable; with it, the filter state also lives in the URL's fragment
//! (`#q=sag&failed=1&service=person-1.1.0`), so a filtered view can be linked.
//!
//! Server bodies are hostile: every string from the report is escaped, and no report data is
//! ever placed inside the script. Strings arrive already redacted ([`Report`]'s contract).
//!
//! The page has a bounded size whatever the run: only failing tests' exchanges are shown, each
//! body cut at [`BODY_SHOWN`], the matrices stop at [`MAX_OPERATIONS`] rows (fewer with many
//! checks, see [`MAX_CELLS`]) and the findings at [`MAX_FINDINGS`] or [`FINDINGS_BUDGET`]
//! bytes; what is left out is counted on the page and is complete in the JSON report.

use std::collections::HashMap;
use std::fmt::{self, Write as _};

use super::model::{
    Body, Coverage, ExchangeRecord, Hit, OperationReport, Outcome, Report, ServiceReport, TestKind,
    TestRecord,
};

/// Operation rows shown across all matrices; the rest are counted.
pub const MAX_OPERATIONS: usize = 2_000;
/// Matrix cells shown across all matrices: with many checks, fewer rows.
pub const MAX_CELLS: usize = 30_000;
/// Findings shown with their exchange; the rest are counted.
pub const MAX_FINDINGS: usize = 500;
/// Bytes the findings may take on the page before the rest are only counted.
pub const FINDINGS_BUDGET: usize = 4 << 20;
/// Bytes of one request or response body shown.
pub const BODY_SHOWN: usize = 4 * 1024;
/// Bytes of one failure's whole text (the reproduction) shown.
const TEXT_SHOWN: usize = 8 * 1024;
/// Characters of a message shown in a matrix cell's tooltip.
const TITLE_SHOWN: usize = 160;
/// Untested operations listed by name; the rest are counted.
const MAX_UNTESTED: usize = 2_000;
/// Scenario steps shown as cells; the rest are counted.
const MAX_STEPS: usize = 5_000;

/// The whole page.
pub fn render(report: &Report) -> String {
    let index = Index::new(report);
    let mut out = String::with_capacity(64 * 1024);
    head(&mut out, report);
    header(&mut out, report);
    out.push_str("<main>\n");
    overview(&mut out, report);
    toc(&mut out, report, &index);
    let mut budget = Budget {
        rows: MAX_OPERATIONS,
        cells: MAX_CELLS,
        rows_left_out: 0,
        untested: MAX_UNTESTED,
    };
    for (i, svc) in report.services.iter().enumerate() {
        service(&mut out, report, &index, i, svc, &mut budget);
    }
    if budget.rows_left_out > 0 {
        let _ = writeln!(
            out,
            "<p class=\"note\">{} more operations are not shown in the matrices, to keep this \
             page small; every test is in the JSON and JUnit reports.</p>",
            budget.rows_left_out
        );
    }
    scenarios(&mut out, &index);
    findings(&mut out, report, &index);
    out.push_str("</main>\n");
    let _ = writeln!(
        out,
        "<footer>kontrakt {} · report schema <code>{}</code> · every value in this page has \
         passed the run's redaction; the complete results are in <code>report.json</code>.\
         </footer>",
        E(&report.kontrakt),
        E(&report.schema)
    );
    let _ = write!(out, "<script>{SCRIPT}</script>\n</body>\n</html>\n");
    out
}

/// Tests by operation and operations by service, so rendering is linear in the report's size.
struct Index<'a> {
    tests_by_op: HashMap<&'a str, Vec<&'a TestRecord>>,
    service_of_op: HashMap<&'a str, &'a str>,
    steps: Vec<&'a TestRecord>,
    failed: Vec<&'a TestRecord>,
}

impl<'a> Index<'a> {
    fn new(report: &'a Report) -> Index<'a> {
        let mut tests_by_op: HashMap<&str, Vec<&TestRecord>> = HashMap::new();
        let mut steps = Vec::new();
        let mut failed = Vec::new();
        for t in &report.tests {
            if let Some(op) = &t.operation {
                tests_by_op.entry(op.as_str()).or_default().push(t);
            }
            if t.kind == TestKind::Step {
                steps.push(t);
            }
            if t.outcome == Outcome::Failed {
                failed.push(t);
            }
        }
        let service_of_op = report
            .services
            .iter()
            .flat_map(|s| {
                s.operations
                    .iter()
                    .map(move |o| (o.id.as_str(), s.name.as_str()))
            })
            .collect();
        Index {
            tests_by_op,
            service_of_op,
            steps,
            failed,
        }
    }

    fn tests(&self, op: &str) -> &[&'a TestRecord] {
        self.tests_by_op.get(op).map_or(&[], Vec::as_slice)
    }

    /// The service filter's value for a test: its operation's service, or `scenarios` for steps.
    fn service_of(&self, t: &TestRecord) -> &str {
        if t.kind == TestKind::Step {
            return SCENARIOS;
        }
        t.operation
            .as_deref()
            .and_then(|op| self.service_of_op.get(op).copied())
            .unwrap_or("")
    }
}

/// The service selector's value for scenario steps.
const SCENARIOS: &str = "scenarios";

/// What is left of the page's matrix and list allowances.
struct Budget {
    rows: usize,
    cells: usize,
    rows_left_out: usize,
    untested: usize,
}

fn head(out: &mut String, report: &Report) {
    let title = if report.run.id.is_empty() {
        "kontrakt report".to_string()
    } else {
        format!("kontrakt report {}", report.run.id)
    };
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"color-scheme\" content=\"light dark\">\n\
         <meta name=\"generator\" content=\"kontrakt {}\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        E(&report.kontrakt),
        E(&title)
    );
}

/// The sticky bar: verdict, counts and the filters (hidden until the script shows them).
fn header(out: &mut String, report: &Report) {
    let s = &report.summary;
    let (class, text) = if s.failed > 0 {
        (
            "failed",
            format!("✗ {} of {} tests failed", s.failed, s.tests),
        )
    } else if s.tests == 0 {
        ("none", "– no tests ran".to_string())
    } else {
        ("passed", format!("✓ all {} tests passed", s.passed))
    };
    let _ = write!(
        out,
        "<header class=\"bar\">\n<div class=\"brand\">kontrakt<span>test report</span></div>\n\
         <div class=\"verdict v-{class}\" id=\"verdict\">{}</div>\n\
         <div class=\"counts\"><span class=\"k-p\">✓ {} passed</span><span class=\"k-f\">✗ {} failed</span>\
         <span class=\"k-s\">– {} skipped</span><span>{} requests</span></div>\n",
        E(&text),
        s.passed,
        s.failed,
        s.skipped,
        s.exchanges
    );
    out.push_str(
        "<form class=\"filters\" id=\"filters\" hidden role=\"search\" onsubmit=\"return false\">\n\
         <input type=\"search\" id=\"f-text\" placeholder=\"Filter operations and findings…\" \
         aria-label=\"Filter operations and findings by name\" autocomplete=\"off\">\n\
         <label class=\"toggle\"><input type=\"checkbox\" id=\"f-failed\"> Failed only</label>\n\
         <select id=\"f-service\" aria-label=\"Service\"><option value=\"\">All services</option>",
    );
    for svc in &report.services {
        let _ = write!(
            out,
            "<option value=\"{}\">{} {}</option>",
            E(&svc.name),
            E(&svc.title),
            E(&svc.version)
        );
    }
    if report.tests.iter().any(|t| t.kind == TestKind::Step) {
        let _ = write!(out, "<option value=\"{SCENARIOS}\">Scenarios</option>");
    }
    out.push_str("</select>\n<span id=\"f-count\" class=\"muted\"></span>\n</form>\n</header>\n");
}

/// Summary cards and the run's facts.
fn overview(out: &mut String, report: &Report) {
    let s = &report.summary;
    let run = &report.run;
    out.push_str("<section class=\"overview\">\n<div class=\"cards\">\n");
    let card = |out: &mut String, class: &str, value: String, label: &str| {
        let _ = writeln!(
            out,
            "<div class=\"card {class}\"><b>{}</b><span>{}</span></div>",
            E(&value),
            E(label)
        );
    };
    card(out, "", s.tests.to_string(), "tests");
    card(out, "c-p", s.passed.to_string(), "passed");
    card(
        out,
        if s.failed > 0 { "c-f" } else { "" },
        s.failed.to_string(),
        "failed",
    );
    card(out, "c-s", s.skipped.to_string(), "skipped");
    card(out, "", s.exchanges.to_string(), "requests sent");
    card(
        out,
        "",
        format!("{} / {}", s.operations_tested, s.operations),
        "operations tested",
    );
    out.push_str("</div>\n<dl class=\"meta\">\n");
    // Short facts share a grid; long ones (lists, the command) take a whole line.
    let mut fact = |name: &str, value: &str, code: bool, wide: bool| {
        if value.is_empty() {
            return;
        }
        let (open, close) = if code {
            ("<code>", "</code>")
        } else {
            ("", "")
        };
        let _ = writeln!(
            out,
            "<div{}><dt>{}</dt><dd>{open}{}{close}</dd></div>",
            if wide { " class=\"wide\"" } else { "" },
            E(name),
            E(value)
        );
    };
    fact("Run", &run.id, true, false);
    fact("Target", &run.target, true, false);
    fact(
        "Environment",
        run.environment.as_deref().unwrap_or(""),
        false,
        false,
    );
    fact("Seed", &run.seed.to_string(), true, false);
    fact("Started", &when(&run.started), false, false);
    fact("Duration", &duration(run.duration_ms), false, false);
    fact("kontrakt", &report.kontrakt, false, false);
    if let Some(p) = &run.partition {
        let kind = match p.kind {
            super::model::PartitionKind::Hash => "hash",
            super::model::PartitionKind::Count => "count",
        };
        fact(
            "Shard",
            &format!("{kind}:{}/{}", p.index, p.count),
            true,
            false,
        );
    }
    if !run.merged_from.is_empty() {
        fact(
            "Merged from",
            &format!(
                "{} shards: {}",
                run.merged_from.len(),
                run.merged_from.join(", ")
            ),
            false,
            true,
        );
    }
    fact("Specs", &run.specs.join(", "), true, true);
    fact("Checks", &run.settings.checks.join(", "), false, true);
    fact("Phases", &run.settings.phases.join(", "), false, true);
    fact("Command", &run.command, true, true);
    out.push_str("</dl>\n</section>\n");
}

fn toc(out: &mut String, report: &Report, index: &Index) {
    if report.services.len() < 2 && index.failed.is_empty() && index.steps.is_empty() {
        return;
    }
    out.push_str("<nav class=\"toc\" aria-label=\"Contents\">");
    for (i, svc) in report.services.iter().enumerate() {
        let worst = svc
            .operations
            .iter()
            .filter_map(|o| worst(index.tests(&o.id).iter().copied()))
            .fold(None, |acc, o| merge_outcome(acc, Some(o)));
        let _ = write!(
            out,
            "<a href=\"#svc-{i}\"><span class=\"dot {}\"></span>{} <small>{}</small></a>",
            outcome_class(worst),
            E(&svc.title),
            E(&svc.version)
        );
    }
    if !index.steps.is_empty() {
        out.push_str("<a href=\"#scenarios\">Scenarios</a>");
    }
    if !index.failed.is_empty() {
        let _ = write!(
            out,
            "<a href=\"#findings\" class=\"toc-f\">Findings <b>{}</b></a>",
            index.failed.len()
        );
    }
    out.push_str("</nav>\n");
}

/// One service: its coverage panel, its operation × check matrix, and what was not tested.
fn service(
    out: &mut String,
    report: &Report,
    index: &Index,
    i: usize,
    svc: &ServiceReport,
    budget: &mut Budget,
) {
    let _ = write!(
        out,
        "<section class=\"service\" id=\"svc-{i}\" data-service=\"{}\">\n\
         <h2>{} <span class=\"ver\">{}</span></h2>\n\
         <p class=\"sub\"><code>{}</code> · <code>{}</code> · SHA-256 <code title=\"{}\">{}</code></p>\n",
        E(&svc.name),
        E(&svc.title),
        E(&svc.version),
        E(&svc.name),
        E(&svc.file),
        E(&svc.sha256),
        E(svc.sha256.get(..12).unwrap_or(&svc.sha256)),
    );

    // Coverage over the service's operations.
    let sent = |o: &OperationReport| o.sent.values().sum::<u64>();
    let tested = svc.operations.iter().filter(|o| sent(o) > 0).count();
    let mut cov = [(0, 0); 4];
    let mut undocumented: Vec<Hit> = Vec::new();
    for o in &svc.operations {
        let c = &o.coverage;
        for (slot, items) in
            cov.iter_mut()
                .zip([&c.statuses, &c.parameters, &c.enum_values, &c.examples])
        {
            let (h, t) = Coverage::ratio(items);
            slot.0 += h;
            slot.1 += t;
        }
        for h in &c.undocumented_statuses {
            match undocumented.iter_mut().find(|u| u.name == h.name) {
                Some(u) => u.hits += h.hits,
                None => undocumented.push(h.clone()),
            }
        }
    }
    out.push_str("<div class=\"panel cov\">\n<h3>Coverage</h3>\n");
    bar(out, "Operations tested", tested, svc.operations.len());
    for ((hit, total), label) in cov.into_iter().zip([
        "Documented statuses",
        "Parameters",
        "Enum values",
        "Examples",
    ]) {
        bar(out, label, hit, total);
    }
    if !undocumented.is_empty() {
        undocumented.sort_by(|a, b| a.name.cmp(&b.name));
        out.push_str("<p class=\"undoc\">Undocumented statuses received: ");
        for (n, h) in undocumented.iter().enumerate() {
            if n > 0 {
                out.push_str(", ");
            }
            let _ = write!(out, "<code>{}</code> ×{}", E(&h.name), h.hits);
        }
        out.push_str("</p>\n");
    }
    out.push_str("</div>\n");

    matrix(out, report, index, svc, budget);

    let untested: Vec<&OperationReport> = svc.operations.iter().filter(|o| sent(o) == 0).collect();
    if !untested.is_empty() {
        let _ = write!(
            out,
            "<div class=\"panel untested\">\n<h3>Not tested <span class=\"cnt\">{}</span></h3>\n<ul>\n",
            untested.len()
        );
        let mut left_out = 0;
        for op in &untested {
            if budget.untested == 0 {
                left_out += 1;
                continue;
            }
            budget.untested -= 1;
            let why = match (&op.skipped, op.not_sent) {
                (Some(why), _) => why.clone(),
                (None, n) if n > 0 => {
                    format!("the request budget ran out ({n} cases not sent)")
                }
                _ => "not selected".to_string(),
            };
            let _ = writeln!(
                out,
                "<li data-name=\"{}\" data-service=\"{}\" data-outcome=\"n\">{} — {}</li>",
                E(&search_name(op)),
                E(&svc.name),
                op_label(op),
                E(&why)
            );
        }
        out.push_str("</ul>\n");
        if left_out > 0 {
            let _ = writeln!(
                out,
                "<p class=\"note\">{left_out} more untested operations are not listed here \
                 (see the JSON report).</p>"
            );
        }
        out.push_str("</div>\n");
    }
    out.push_str("</section>\n");
}

/// A coverage bar: label, the bar, `hit / total · %`.
fn bar(out: &mut String, label: &str, hit: usize, total: usize) {
    if total == 0 {
        let _ = writeln!(
            out,
            "<div class=\"cbar\"><span class=\"l\">{}</span><span class=\"track empty\"></span>\
             <span class=\"v muted\">none documented</span></div>",
            E(label)
        );
        return;
    }
    let pct = 100.0 * hit as f64 / total as f64;
    let level = if pct >= 80.0 {
        "hi"
    } else if pct >= 50.0 {
        "mid"
    } else {
        "lo"
    };
    let _ = writeln!(
        out,
        "<div class=\"cbar\"><span class=\"l\">{}</span>\
         <span class=\"track\" role=\"img\" aria-label=\"{hit} of {total}\"><i class=\"{level}\" style=\"width:{pct:.1}%\"></i></span>\
         <span class=\"v\"><b>{hit}</b> / {total} · {pct:.0} %</span></div>",
        E(label)
    );
}

/// The operation × check matrix of one service: a column per check seen in its tests (ordered
/// as the run's `--checks`, then by name), then chains and scenario steps when there are any.
fn matrix(
    out: &mut String,
    report: &Report,
    index: &Index,
    svc: &ServiceReport,
    budget: &mut Budget,
) {
    let ops: Vec<&OperationReport> = svc
        .operations
        .iter()
        .filter(|o| !index.tests(&o.id).is_empty())
        .collect();
    if ops.is_empty() {
        return;
    }
    let mut checks: Vec<&str> = Vec::new();
    let mut chains = false;
    let mut steps = false;
    for o in &ops {
        for t in index.tests(&o.id) {
            match (t.kind, &t.check) {
                (TestKind::Check, Some(c)) if !checks.contains(&c.as_str()) => checks.push(c),
                (TestKind::Chain, _) => chains = true,
                (TestKind::Step, _) => steps = true,
                _ => {}
            }
        }
    }
    let order = &report.run.settings.checks;
    checks.sort_by_key(|c| (order.iter().position(|o| o == c).unwrap_or(usize::MAX), *c));
    let columns = checks.len() + usize::from(chains) + usize::from(steps);

    out.push_str(
        "<div class=\"panel\">\n<div class=\"mhead\"><h3>Operations × checks</h3>\
         <span class=\"legend\"><span class=\"c p\">✓</span> passed <span class=\"c f\">✗</span> failed \
         <span class=\"c s\">–</span> skipped <span class=\"c n\">·</span> not run</span></div>\n\
         <div class=\"mwrap\"><table class=\"matrix\">\n<thead><tr><th class=\"op\">Operation</th>\
         <th class=\"num\" title=\"Requests sent\">Req.</th><th class=\"num\" title=\"Documented statuses received\">Statuses</th>",
    );
    // Rotated headers as tall as the longest name (about 7 px a character), so none is cut.
    let longest = checks
        .iter()
        .map(|c| c.chars().count())
        .max()
        .unwrap_or(0)
        .max(15);
    let height = (longest * 7 + 16).min(320);
    for c in &checks {
        let _ = write!(
            out,
            "<th class=\"rot\" style=\"height:{height}px\"><div>{}</div></th>",
            E(c)
        );
    }
    if chains {
        out.push_str("<th class=\"rot agg\"><div>stateful chains</div></th>");
    }
    if steps {
        out.push_str("<th class=\"rot agg\"><div>scenario steps</div></th>");
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for op in ops {
        let cost = columns.max(1);
        if budget.rows == 0 || budget.cells < cost {
            budget.rows_left_out += 1;
            continue;
        }
        budget.rows -= 1;
        budget.cells -= cost;
        let tests = index.tests(&op.id);
        let row_outcome = worst(tests.iter().copied());
        let (hit, total) = Coverage::ratio(&op.coverage.statuses);
        let _ = write!(
            out,
            "<tr data-name=\"{}\" data-service=\"{}\" data-outcome=\"{}\"><th class=\"op\">{}</th>\
             <td class=\"num\">{}</td><td class=\"num\">{hit}/{total}</td>",
            E(&search_name(op)),
            E(&svc.name),
            outcome_class(row_outcome),
            op_label(op),
            op.sent.values().sum::<u64>(),
        );
        for c in &checks {
            let t = tests
                .iter()
                .find(|t| t.kind == TestKind::Check && t.check.as_deref() == Some(c));
            match t {
                Some(t) => cell(out, c, Some(t.outcome), t.message.as_deref(), 1),
                None => cell(out, c, None, None, 0),
            }
        }
        for (present, kind, what) in [
            (chains, TestKind::Chain, "stateful chains"),
            (steps, TestKind::Step, "scenario steps"),
        ] {
            if !present {
                continue;
            }
            let of_kind: Vec<&TestRecord> =
                tests.iter().copied().filter(|t| t.kind == kind).collect();
            let first_failure = of_kind
                .iter()
                .find(|t| t.outcome == Outcome::Failed)
                .and_then(|t| t.message.as_deref());
            cell(
                out,
                what,
                worst(of_kind.iter().copied()),
                first_failure,
                of_kind.len(),
            );
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table></div>\n</div>\n");
}

/// One matrix cell: the outcome's colour and symbol, the message as its tooltip. Aggregated
/// cells (chains, steps) show how many tests they stand for.
fn cell(out: &mut String, what: &str, outcome: Option<Outcome>, message: Option<&str>, n: usize) {
    mark(out, "td", what, outcome, message, n);
}

/// A cell's content in an element of its own (`td` in the matrix, `span` in a list).
fn mark(
    out: &mut String,
    tag: &str,
    what: &str,
    outcome: Option<Outcome>,
    message: Option<&str>,
    n: usize,
) {
    let (symbol, word) = match outcome {
        Some(Outcome::Passed) => ("✓", "passed"),
        Some(Outcome::Failed) => ("✗", "failed"),
        Some(Outcome::Skipped) => ("–", "skipped"),
        None => ("·", "not run"),
    };
    let mut title = format!("{what}: {word}");
    if n > 1 {
        title.push_str(&format!(" ({n} tests)"));
    }
    if let Some(m) = message {
        let (m, cut) = cut_chars(m, TITLE_SHOWN);
        title.push_str(" — ");
        title.push_str(m);
        if cut {
            title.push('…');
        }
    }
    let _ = write!(
        out,
        "<{tag} class=\"c {}\" title=\"{}\">{symbol}",
        outcome_class(outcome),
        E(&title)
    );
    if n > 1 {
        let _ = write!(out, "<sub>{n}</sub>");
    }
    let _ = write!(out, "</{tag}>");
}

/// Scenario steps grouped by scenario, one small cell per step.
fn scenarios(out: &mut String, index: &Index) {
    if index.steps.is_empty() {
        return;
    }
    let mut groups: Vec<(&str, Vec<&TestRecord>)> = Vec::new();
    for t in &index.steps {
        let scenario = t.name.rsplit_once("::").map_or(t.name.as_str(), |(g, _)| g);
        match groups.last_mut() {
            Some((g, v)) if *g == scenario => v.push(*t),
            _ => groups.push((scenario, vec![*t])),
        }
    }
    let _ = write!(
        out,
        "<section class=\"service\" id=\"scenarios\" data-service=\"{SCENARIOS}\">\n\
         <h2>Scenarios <span class=\"ver\">{} steps</span></h2>\n<div class=\"panel\">\n\
         <table class=\"steps\">\n<thead><tr><th>Scenario</th><th class=\"wide\">Steps</th>\
         <th class=\"num\">Passed</th><th class=\"num\">Failed</th><th class=\"num\">Skipped</th>\
         </tr></thead>\n<tbody>\n",
        index.steps.len()
    );
    let mut shown = 0;
    for (scenario, steps) in &groups {
        let count = |o: Outcome| steps.iter().filter(|t| t.outcome == o).count();
        let _ = write!(
            out,
            "<tr data-name=\"{}\" data-service=\"{SCENARIOS}\" data-outcome=\"{}\"><th><code>{}</code></th>\
             <td class=\"pills\">",
            E(&scenario.to_lowercase()),
            outcome_class(worst(steps.iter().copied())),
            E(scenario.strip_prefix("suite::").unwrap_or(scenario)),
        );
        for t in steps {
            if shown >= MAX_STEPS {
                break;
            }
            shown += 1;
            let step = t.name.rsplit_once("::").map_or(t.name.as_str(), |(_, s)| s);
            let message = t.message.as_deref().map(|m| cut_chars(m, TITLE_SHOWN).0);
            mark(out, "span", step, Some(t.outcome), message, 1);
        }
        let _ = writeln!(
            out,
            "</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            count(Outcome::Passed),
            count(Outcome::Failed),
            count(Outcome::Skipped),
        );
    }
    out.push_str("</tbody>\n</table>\n");
    if index.steps.len() > shown {
        let _ = writeln!(
            out,
            "<p class=\"note\">{} more steps are not shown (see the JSON report).</p>",
            index.steps.len() - shown
        );
    }
    out.push_str("</div>\n</section>\n");
}

/// Every failed test with its message, spec location, request and response.
fn findings(out: &mut String, report: &Report, index: &Index) {
    let failed = &index.failed;
    let _ = write!(
        out,
        "<section id=\"findings\">\n<h2>Findings <span class=\"cnt{}\">{}</span></h2>\n",
        if failed.is_empty() { "" } else { " nf" },
        failed.len()
    );
    if failed.is_empty() {
        out.push_str("<p class=\"panel ok\">✓ No test failed.</p>\n</section>\n");
        return;
    }
    let start = out.len();
    let mut shown = 0;
    for t in failed {
        if shown >= MAX_FINDINGS || out.len() - start > FINDINGS_BUDGET {
            break;
        }
        shown += 1;
        finding(out, report, index, t);
    }
    if failed.len() > shown {
        let _ = writeln!(
            out,
            "<p class=\"note\">{} more findings are not shown, to keep this page small: \
             they are in the JSON and JUnit reports.</p>",
            failed.len() - shown
        );
    }
    out.push_str("</section>\n");
}

fn finding(out: &mut String, report: &Report, index: &Index, t: &TestRecord) {
    let service = index.service_of(t);
    let (prefix, last) = t.name.rsplit_once("::").unwrap_or(("", &t.name));
    let _ = write!(
        out,
        "<details class=\"finding\" data-name=\"{}\" data-service=\"{}\" data-outcome=\"f\">\n\
         <summary><span class=\"x\">✗</span><span class=\"fname\">",
        E(&t.name.to_lowercase()),
        E(service)
    );
    if !prefix.is_empty() {
        let _ = write!(out, "{}::", E(prefix));
    }
    let _ = write!(
        out,
        "<b>{}</b></span><span class=\"msg\">{}</span></summary>\n<div class=\"fbody\">\n<p class=\"facts\">",
        E(last),
        E(t.message.as_deref().unwrap_or("failed"))
    );
    let mut facts: Vec<String> = Vec::new();
    if let Some(op) = t
        .operation
        .as_deref()
        .and_then(|id| report.operation(id))
        .map(|(_, o)| o)
    {
        facts.push(format!(
            "<span class=\"m m-{}\">{}</span> <code>{}</code>",
            E(&op.method.to_lowercase()),
            E(&op.method.to_uppercase()),
            E(&op.path)
        ));
    }
    if let Some(c) = &t.check {
        facts.push(format!("check <code>{}</code>", E(c)));
    }
    if let Some(loc) = &t.location {
        facts.push(format!(
            "spec <code>{}:{}:{}</code>",
            E(&loc.file),
            loc.line,
            loc.column
        ));
    }
    if let Some(x) = &t.exchange {
        facts.push(format!("phase {}", E(&x.phase)));
        if !x.case.is_empty() {
            facts.push(format!("case <i>{}</i>", E(&x.case)));
        }
        facts.push(format!("{:.1} ms", x.time_ms));
    }
    out.push_str(&facts.join(" · "));
    out.push_str("</p>\n");
    if let Some(x) = &t.exchange {
        exchange(out, x);
    }
    if let Some(text) = &t.text {
        let (shown, cut) = cut_bytes(text, TEXT_SHOWN);
        let _ = write!(
            out,
            "<details class=\"text\"{}><summary>Failure text and reproduction</summary><pre>{}",
            if t.exchange.is_none() { " open" } else { "" },
            E(shown)
        );
        if cut {
            let _ = write!(
                out,
                "\n… ({} more bytes in the JSON and JUnit reports)",
                text.len() - shown.len()
            );
        }
        out.push_str("</pre></details>\n");
    }
    out.push_str("</div>\n</details>\n");
}

/// The request and the response (or the transport error) side by side.
fn exchange(out: &mut String, x: &ExchangeRecord) {
    out.push_str("<div class=\"ex\">\n<div><h4>Request</h4><pre>");
    let _ = writeln!(out, "<b>{} {}</b>", E(&x.request.method), E(&x.request.url));
    headers(out, &x.request.headers);
    body(out, &x.request.body);
    out.push_str("</pre></div>\n<div><h4>Response</h4><pre>");
    match (&x.response, &x.error) {
        (Some(r), _) => {
            let _ = writeln!(
                out,
                "<b class=\"st st{}\">HTTP {}</b>",
                r.status / 100,
                r.status
            );
            headers(out, &r.headers);
            body(out, &r.body);
        }
        (None, Some(e)) => {
            let _ = write!(out, "<b class=\"st st5\">no response</b>\n{}", E(e));
        }
        (None, None) => out.push_str("<span class=\"muted\">no response recorded</span>"),
    }
    out.push_str("</pre></div>\n</div>\n");
}

fn headers(out: &mut String, headers: &[(String, String)]) {
    for (k, v) in headers {
        let _ = writeln!(out, "<span class=\"hk\">{}:</span> {}", E(k), E(v));
    }
}

/// A body as text (JSON pretty-printed), cut at [`BODY_SHOWN`]; binary bodies by size only.
fn body(out: &mut String, b: &Body) {
    if b.size == 0 && b.text.as_deref().is_none_or(str::is_empty) && b.base64.is_none() {
        return;
    }
    out.push('\n');
    match &b.text {
        Some(text) => {
            let pretty = serde_json::from_str::<serde_json::Value>(text)
                .ok()
                .filter(|v| v.is_object() || v.is_array())
                .and_then(|v| serde_json::to_string_pretty(&v).ok());
            let text = pretty.as_deref().unwrap_or(text);
            let (shown, cut) = cut_bytes(text, BODY_SHOWN);
            let _ = write!(out, "{}", E(shown));
            if cut || b.truncated {
                let _ = write!(
                    out,
                    "\n<span class=\"muted\">… body cut ({} bytes in all)</span>",
                    b.size
                );
            }
        }
        None => {
            let _ = write!(
                out,
                "<span class=\"muted\">({} bytes of binary content, not shown)</span>",
                b.size
            );
        }
    }
}

/// `GET /sager/{sagId} hentSag` as HTML.
fn op_label(op: &OperationReport) -> String {
    let mut s = format!(
        "<span class=\"m m-{}\">{}</span> <code class=\"path\">{}</code>",
        E(&op.method.to_lowercase()),
        E(&op.method.to_uppercase()),
        E(&op.path)
    );
    if let Some(id) = &op.operation_id {
        let _ = write!(s, " <small>{}</small>", E(id));
    }
    s
}

/// What the text filter matches an operation against (lower case).
fn search_name(op: &OperationReport) -> String {
    format!(
        "{} {} {} {}",
        op.method,
        op.path,
        op.operation_id.as_deref().unwrap_or(""),
        op.id
    )
    .to_lowercase()
}

fn merge_outcome(a: Option<Outcome>, b: Option<Outcome>) -> Option<Outcome> {
    match (a, b) {
        (Some(Outcome::Failed), _) | (_, Some(Outcome::Failed)) => Some(Outcome::Failed),
        (Some(Outcome::Passed), _) | (_, Some(Outcome::Passed)) => Some(Outcome::Passed),
        (Some(Outcome::Skipped), _) | (_, Some(Outcome::Skipped)) => Some(Outcome::Skipped),
        _ => None,
    }
}

/// Failed, else passed, else skipped; `None` for no tests.
fn worst<'a>(tests: impl Iterator<Item = &'a TestRecord>) -> Option<Outcome> {
    tests.fold(None, |acc, t| merge_outcome(acc, Some(t.outcome)))
}

/// The CSS class (and filter value) of an outcome.
fn outcome_class(o: Option<Outcome>) -> &'static str {
    match o {
        Some(Outcome::Passed) => "p",
        Some(Outcome::Failed) => "f",
        Some(Outcome::Skipped) => "s",
        None => "n",
    }
}

/// `2026-11-23T01:15:02.205Z` as `2026-11-23 01:15:02 UTC`; anything else as it is.
fn when(rfc3339: &str) -> String {
    match (rfc3339.get(..10), rfc3339.get(11..19)) {
        (Some(date), Some(time)) if rfc3339.ends_with('Z') && rfc3339.as_bytes()[10] == b'T' => {
            format!("{date} {time} UTC")
        }
        _ => rfc3339.to_string(),
    }
}

fn duration(ms: u64) -> String {
    if ms < 1_000 {
        format!("{ms} ms")
    } else if ms < 60_000 {
        format!("{:.1} s", ms as f64 / 1000.0)
    } else {
        format!("{} min {} s", ms / 60_000, (ms % 60_000) / 1000)
    }
}

/// The first `max` bytes of `s` (at a character boundary), and whether anything was cut.
fn cut_bytes(s: &str, max: usize) -> (&str, bool) {
    if s.len() <= max {
        return (s, false);
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    (&s[..end], true)
}

/// The first `max` characters of `s`, and whether anything was cut.
fn cut_chars(s: &str, max: usize) -> (&str, bool) {
    match s.char_indices().nth(max) {
        Some((end, _)) => (&s[..end], true),
        None => (s, false),
    }
}

/// Text safe in HTML content and in quoted attributes. Control characters other than tab and
/// line breaks become U+FFFD (a NUL would otherwise be dropped or shown differently by
/// browsers).
pub fn escape(s: &str) -> String {
    E(s).to_string()
}

/// [`escape`] as a `Display`, so escaping writes straight into the page.
struct E<'a>(&'a str);

impl fmt::Display for E<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        let mut last = 0;
        for (i, c) in s.char_indices() {
            let replacement = match c {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                '\t' | '\n' | '\r' => continue,
                c if c.is_control() => "\u{FFFD}",
                _ => continue,
            };
            f.write_str(&s[last..i])?;
            f.write_str(replacement)?;
            last = i + c.len_utf8();
        }
        f.write_str(&s[last..])
    }
}

const STYLE: &str = r##"
:root{--bg:#f5f6f8;--panel:#fff;--text:#1c2230;--muted:#5d6677;--border:#e1e4ea;--head:#f0f2f5;
--accent:#2563eb;--p:#1a7f37;--p-bg:#dcf5e3;--f:#c62828;--f-bg:#fde4e4;--s:#5d6677;--s-bg:#e9ecf0;
--n-bg:transparent;--hi:#2e9e57;--mid:#d69a00;--lo:#d9534f;--track:#e7eaef;
--mono:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono","Liberation Mono",monospace;
color-scheme:light dark}
@media (prefers-color-scheme:dark){:root{--bg:#0f131a;--panel:#171c25;--text:#e4e8ef;--muted:#939cad;
--border:#2a313d;--head:#1d2430;--accent:#6ea2ff;--p:#4cc772;--p-bg:#15351f;--f:#ff6b6b;--f-bg:#421a1c;
--s:#9aa3b2;--s-bg:#252c38;--track:#272e3a}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--text);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans","DejaVu Sans",sans-serif}
code,pre,.fname{font-family:var(--mono);font-size:12.5px}
[hidden]{display:none!important}
.muted{color:var(--muted)}
.bar{position:sticky;top:0;z-index:10;display:flex;flex-wrap:wrap;align-items:center;gap:10px 18px;
padding:10px 28px;background:var(--panel);border-bottom:1px solid var(--border);box-shadow:0 1px 3px rgba(0,0,0,.06)}
.brand{font-weight:700;font-size:17px;letter-spacing:-.01em}
.brand span{font-weight:400;color:var(--muted);margin-left:8px;font-size:14px}
.verdict{font-weight:650;padding:4px 12px;border-radius:999px;font-size:13.5px}
.v-failed{background:var(--f-bg);color:var(--f)}.v-passed{background:var(--p-bg);color:var(--p)}
.v-none{background:var(--s-bg);color:var(--s)}
.counts{display:flex;gap:14px;color:var(--muted);font-size:13px}
.k-p{color:var(--p)}.k-f{color:var(--f)}
.filters{margin-left:auto;display:flex;align-items:center;gap:10px;flex-wrap:wrap}
.filters input[type=search],.filters select{font:inherit;color:inherit;background:var(--bg);
border:1px solid var(--border);border-radius:6px;padding:5px 10px}
.filters input[type=search]{width:240px}.filters select{max-width:220px}
.toggle{display:flex;align-items:center;gap:6px;cursor:pointer;user-select:none}
#f-count{font-size:12.5px}
main{max-width:1320px;margin:0 auto;padding:22px 28px 40px}
section{scroll-margin-top:64px}
h2{font-size:20px;margin:34px 0 4px;letter-spacing:-.01em}
h3{font-size:14px;margin:0 0 10px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);font-weight:650}
h4{margin:0 0 6px;font-size:12px;text-transform:uppercase;letter-spacing:.05em;color:var(--muted)}
.ver{font-weight:400;color:var(--muted);font-size:15px}
.sub{margin:0 0 12px;color:var(--muted);font-size:13px}
.panel{background:var(--panel);border:1px solid var(--border);border-radius:10px;padding:16px 18px;margin:12px 0}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:12px}
.card{background:var(--panel);border:1px solid var(--border);border-radius:10px;padding:12px 16px;border-top:3px solid var(--border)}
.card b{display:block;font-size:24px;font-weight:650;font-variant-numeric:tabular-nums}
.card span{color:var(--muted);font-size:12.5px}
.card.c-p{border-top-color:var(--p)}.card.c-f{border-top-color:var(--f)}.card.c-f b{color:var(--f)}.card.c-s{border-top-color:var(--s)}
.meta{display:grid;grid-template-columns:repeat(auto-fill,minmax(280px,1fr));gap:6px 24px;margin:16px 0 0;
background:var(--panel);border:1px solid var(--border);border-radius:10px;padding:14px 18px}
.meta div{display:flex;gap:10px;min-width:0}.meta div.wide{grid-column:1/-1}
.meta dt{color:var(--muted);min-width:84px;flex:none}
.meta dd{margin:0;overflow-wrap:anywhere;min-width:0}
.toc{display:flex;flex-wrap:wrap;gap:8px;margin:18px 0 0}
.toc a{display:inline-flex;align-items:center;gap:6px;padding:4px 12px;border:1px solid var(--border);
border-radius:999px;background:var(--panel);color:inherit;text-decoration:none;font-size:13px}
.toc a:hover{border-color:var(--accent)}
.toc small{color:var(--muted)}
.toc-f b{color:var(--f)}
.dot{width:8px;height:8px;border-radius:50%;background:var(--s-bg)}
.dot.p{background:var(--p)}.dot.f{background:var(--f)}.dot.s{background:var(--s)}
.cov{display:grid;gap:7px}
.cbar{display:grid;grid-template-columns:170px 1fr 150px;align-items:center;gap:14px;font-size:13px}
.cbar .v{font-variant-numeric:tabular-nums;color:var(--muted)}.cbar .v b{color:var(--text)}
.track{height:10px;border-radius:5px;background:var(--track);overflow:hidden;display:block}
.track.empty{background:repeating-linear-gradient(45deg,var(--track) 0 4px,transparent 4px 8px)}
.track i{display:block;height:100%;border-radius:5px}
.track i.hi{background:var(--hi)}.track i.mid{background:var(--mid)}.track i.lo{background:var(--lo)}
.undoc{margin:6px 0 0;font-size:13px;color:var(--muted)}
.mhead{display:flex;justify-content:space-between;align-items:baseline;flex-wrap:wrap;gap:8px}
.legend{font-size:12.5px;color:var(--muted);display:flex;align-items:center;gap:6px}
.legend .c{display:inline-block;width:20px;height:20px;line-height:20px;border-radius:4px;text-align:center;margin-left:8px}
.mwrap{overflow-x:auto}
table{border-collapse:separate;border-spacing:0;width:100%}
.matrix th,.matrix td,.steps th,.steps td{border-bottom:1px solid var(--border);padding:5px 8px;text-align:left;vertical-align:middle}
.matrix thead th{vertical-align:bottom}
.matrix thead th,.steps thead th{background:var(--head);font-size:12px;color:var(--muted);font-weight:600}
.matrix thead th.rot{width:34px;padding:6px 0;vertical-align:bottom}
.matrix thead th.rot div{writing-mode:vertical-rl;transform:rotate(180deg);margin:0 auto;white-space:nowrap;font-family:var(--mono);font-size:11.5px;font-weight:500}
.matrix thead th.agg div{font-family:inherit;font-style:italic}
.matrix tbody th{font-weight:400;white-space:nowrap}
.matrix th.op{width:100%}
.matrix tbody tr:hover{background:var(--head)}
.num{text-align:right!important;font-variant-numeric:tabular-nums;color:var(--muted);white-space:nowrap}
td.c,span.c{text-align:center;font-weight:700;font-size:13px;width:34px;min-width:34px;padding:0;border-left:2px solid var(--panel);cursor:default}
.c.p{background:var(--p-bg);color:var(--p)}.c.f{background:var(--f-bg);color:var(--f)}
.c.s{background:var(--s-bg);color:var(--s)}.c.n{color:var(--muted);font-weight:400}
td.c sub{font-size:9px;font-weight:500;vertical-align:baseline;margin-left:1px}
.steps th{white-space:nowrap;font-weight:400}.steps .wide{width:100%}
.pills .c{display:inline-block;width:22px;min-width:22px;height:22px;line-height:22px;border-radius:4px;margin:1px;border:0}
.m{display:inline-block;min-width:58px;text-align:center;font:700 11px/18px var(--mono);border-radius:4px;padding:0 5px;color:#fff;background:#6b7280}
.m-get{background:#2563eb}.m-post{background:#16a34a}.m-put{background:#d97706}.m-patch{background:#7c3aed}.m-delete{background:#dc2626}
.m-head,.m-options{background:#4b5563}
.path{font-size:13px}
.op small,.untested small{color:var(--muted);margin-left:6px}
.untested ul{margin:0;padding:0;list-style:none;columns:2 420px;column-gap:28px}
.untested li{padding:3px 0;break-inside:avoid}
.cnt{display:inline-block;min-width:24px;padding:0 8px;border-radius:999px;background:var(--s-bg);color:var(--s);font-size:12.5px;text-align:center;vertical-align:2px}
.cnt.nf{background:var(--f-bg);color:var(--f)}
.note{color:var(--muted);font-style:italic}
.ok{color:var(--p);font-weight:600}
.finding{background:var(--panel);border:1px solid var(--border);border-left:4px solid var(--f);border-radius:8px;margin:8px 0}
.finding>summary{cursor:pointer;padding:10px 14px;display:flex;gap:10px;align-items:baseline;flex-wrap:wrap;list-style:none}
.finding>summary::-webkit-details-marker{display:none}
.finding>summary::before{content:"▸";color:var(--muted);width:10px}
.finding[open]>summary::before{content:"▾"}
.finding[open]>summary{border-bottom:1px solid var(--border)}
.x{color:var(--f);font-weight:700}
.fname{overflow-wrap:anywhere}
.fname b{color:var(--text)}
.msg{color:var(--muted);flex-basis:100%;padding-left:38px}
.fbody{padding:10px 14px 14px}
.facts{margin:0 0 10px;color:var(--muted);font-size:13px}
.ex{display:grid;grid-template-columns:1fr 1fr;gap:12px}
pre{margin:0;padding:10px 12px;background:var(--bg);border:1px solid var(--border);border-radius:6px;
overflow:auto;max-height:420px;white-space:pre-wrap;overflow-wrap:anywhere;line-height:1.45}
.hk{color:var(--muted)}
.st2{color:var(--p)}.st4{color:var(--mid)}.st5{color:var(--f)}
details.text{margin-top:10px}
details.text>summary{cursor:pointer;color:var(--accent);font-size:13px;margin-bottom:6px}
footer{max-width:1320px;margin:0 auto;padding:16px 28px 40px;color:var(--muted);font-size:12.5px;border-top:1px solid var(--border)}
@media (max-width:800px){.ex{grid-template-columns:1fr}.cbar{grid-template-columns:120px 1fr 110px}.filters{margin-left:0}}
@media print{
:root{--bg:#fff;--panel:#fff;--text:#000;--head:#f3f3f3}
body{font-size:11px}
.bar{position:static;box-shadow:none;border:0;padding:0 0 8px}
.filters,.toc{display:none!important}
main{max-width:none;padding:0}
.panel,.finding,.card,.meta{break-inside:avoid;box-shadow:none}
pre{max-height:none;overflow:visible}
.c{-webkit-print-color-adjust:exact;print-color-adjust:exact}
.mwrap{overflow:visible}
}
"##;

/// The filters. No report data is embedded here: the script reads the page's own attributes.
const SCRIPT: &str = r##"
(function(){
"use strict";
var d=document,form=d.getElementById("filters"),q=d.getElementById("f-text"),
fo=d.getElementById("f-failed"),sv=d.getElementById("f-service"),cnt=d.getElementById("f-count");
if(!form)return;
form.hidden=false;
d.documentElement.classList.add("js");
var items=d.querySelectorAll("[data-name]"),sections=d.querySelectorAll("section[data-service]");
function fromHash(){
 var h=new URLSearchParams(location.hash.slice(1));
 q.value=h.get("q")||"";
 fo.checked=h.get("failed")==="1";
 var s=h.get("service")||"";
 sv.value=s;
 if(sv.value!==s)sv.value="";
}
function toHash(){
 var h=new URLSearchParams();
 if(q.value)h.set("q",q.value);
 if(fo.checked)h.set("failed","1");
 if(sv.value)h.set("service",sv.value);
 var s=h.toString();
 try{history.replaceState(null,"",s?"#"+s:location.pathname+location.search);}catch(e){}
}
function apply(){
 var text=q.value.trim().toLowerCase(),failed=fo.checked,s=sv.value,rows=0,shown=0,fs=0,fshown=0;
 for(var i=0;i<sections.length;i++){
  sections[i].hidden=!!s&&sections[i].getAttribute("data-service")!==s;
 }
 for(var j=0;j<items.length;j++){
  var el=items[j],ok=(!s||el.getAttribute("data-service")===s)
   &&(!failed||el.getAttribute("data-outcome")==="f")
   &&(!text||el.getAttribute("data-name").indexOf(text)>=0);
  el.hidden=!ok;
  if(el.tagName==="TR"&&el.parentNode.parentNode.className==="matrix"){rows++;if(ok)shown++;}
  if(el.tagName==="DETAILS"){fs++;if(ok)fshown++;}
 }
 cnt.textContent=(text||failed||s)?shown+" of "+rows+" operations, "+fshown+" of "+fs+" findings":"";
}
function change(){apply();toHash();}
fromHash();apply();
q.addEventListener("input",change);
fo.addEventListener("change",change);
sv.addEventListener("change",change);
window.addEventListener("hashchange",function(){fromHash();apply();});
window.addEventListener("beforeprint",function(){
 var ds=d.querySelectorAll("details");for(var k=0;k<ds.length;k++)ds[k].open=true;
});
})();
"##;

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::report::model::{
        HttpRequest, HttpResponse, Location, Partition, PartitionKind, RunInfo, ServiceReport,
    };

    fn op(service: &str, name: &str, method: &str, path: &str, sent: u64) -> OperationReport {
        let mut map = BTreeMap::new();
        if sent > 0 {
            map.insert("property".to_string(), sent);
        }
        OperationReport {
            id: format!("{service}::{name}"),
            method: method.into(),
            path: path.into(),
            operation_id: Some(name.into()),
            location: None,
            skipped: None,
            sent: map,
            not_sent: 0,
            coverage: Coverage {
                statuses: vec![
                    Hit {
                        name: "200".into(),
                        hits: sent,
                    },
                    Hit {
                        name: "404".into(),
                        hits: 0,
                    },
                ],
                parameters: vec![Hit {
                    name: "query limit".into(),
                    hits: sent,
                }],
                ..Coverage::default()
            },
        }
    }

    fn svc(name: &str, operations: Vec<OperationReport>) -> ServiceReport {
        ServiceReport {
            name: name.into(),
            title: "Sager".into(),
            version: "1.0.0".into(),
            file: "specs/sager.yaml".into(),
            sha256: "ab".repeat(32),
            operations,
        }
    }

    fn test(op: &str, check: &str, outcome: Outcome, message: Option<&str>) -> TestRecord {
        TestRecord {
            name: format!("{op}::{check}"),
            kind: TestKind::Check,
            operation: Some(op.into()),
            check: Some(check.into()),
            outcome,
            message: message.map(Into::into),
            text: message.map(|m| format!("{m}\n\ncurl -X GET http://127.0.0.1/sager")),
            location: None,
            exchange: None,
        }
    }

    fn exchange(op: &str, request_body: &str, response_body: &str) -> ExchangeRecord {
        let body = |t: &str| Body {
            size: t.len() as u64,
            text: Some(t.to_string()),
            base64: None,
            truncated: false,
        };
        ExchangeRecord {
            operation: Some(op.into()),
            phase: "negative".into(),
            case: "too-long at query navn".into(),
            replay_key: None,
            at_ms: 1.0,
            time_ms: 2.5,
            request: HttpRequest {
                method: "POST".into(),
                url: "http://mock.invalid/sager?limit=1".into(),
                headers: vec![("authorization".into(), "[redacted]".into())],
                body: body(request_body),
            },
            response: Some(HttpResponse {
                status: 500,
                headers: vec![("content-type".into(), "text/html".into())],
                body: body(response_body),
            }),
            error: None,
        }
    }

    fn report(services: Vec<ServiceReport>, tests: Vec<TestRecord>) -> Report {
        let mut r = Report::new(RunInfo::blank(), services);
        r.run.id = "20261123T011502Z-3f9a".into();
        r.tests = tests;
        r.summarize();
        r
    }

    /// The text of the first element whose opening tag contains `needle`, up to its `</td>`.
    fn cell_with<'a>(html: &'a str, needle: &str) -> &'a str {
        let at = html
            .find(needle)
            .unwrap_or_else(|| panic!("no `{needle}` in the page"));
        let start = html[..at].rfind("<td").expect("a cell");
        let end = at + html[at..].find("</td>").expect("the cell's end");
        &html[start..end]
    }

    #[test]
    fn hostile_bodies_and_names_are_escaped() {
        let payload = "<script>alert('x')</script><img src=x onerror=alert(1)>\"&\u{0}";
        let mut t = test(
            "s::op",
            "not-a-server-error",
            Outcome::Failed,
            Some(payload),
        );
        t.exchange = Some(exchange("s::op", payload, payload));
        let mut o = op("s", "op", "GET", "/sager/<b>{id}</b>", 3);
        o.operation_id = Some(payload.into());
        let r = report(vec![svc("s", vec![o])], vec![t]);
        let html = render(&r);
        // Only the page's own script element exists.
        assert_eq!(html.matches("<script").count(), 1, "{html}");
        assert!(!html.contains("<img"));
        assert!(!html.contains("<b>{id}</b>"));
        assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
        assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;&quot;&amp;\u{FFFD}"));
        assert!(!html.contains('\u{0}'));
        assert_eq!(
            escape("a<'b'>&\"c\u{7}"),
            "a&lt;&#39;b&#39;&gt;&amp;&quot;c\u{FFFD}"
        );
    }

    #[test]
    fn matrix_cells_show_each_outcome_with_colour_symbol_and_message() {
        let ops = vec![
            op("s", "listSager", "GET", "/sager", 10),
            op("s", "hentSag", "GET", "/sager/{id}", 4),
        ];
        let tests = vec![
            test("s::listSager", "alpha", Outcome::Passed, None),
            test(
                "s::listSager",
                "beta",
                Outcome::Failed,
                Some("500 for limit=50"),
            ),
            test(
                "s::listSager",
                "gamma",
                Outcome::Skipped,
                Some("no 4xx response documented"),
            ),
            test("s::hentSag", "alpha", Outcome::Passed, None),
        ];
        let html = render(&report(vec![svc("s", ops)], tests));
        assert!(cell_with(&html, "title=\"alpha: passed\"").contains("class=\"c p\""));
        assert!(cell_with(&html, "title=\"alpha: passed\"").ends_with("✓"));
        let failed = cell_with(&html, "title=\"beta: failed — 500 for limit=50\"");
        assert!(
            failed.contains("class=\"c f\"") && failed.ends_with("✗"),
            "{failed}"
        );
        let skipped = cell_with(&html, "gamma: skipped — no 4xx response documented");
        assert!(skipped.contains("class=\"c s\"") && skipped.ends_with("–"));
        // hentSag never ran beta or gamma: not-run cells.
        let not_run = cell_with(&html, "title=\"gamma: not run\"");
        assert!(not_run.contains("class=\"c n\"") && not_run.ends_with("·"));
        // One column per check, in name order without --checks; rows carry their worst outcome.
        let a = html.find("<div>alpha</div>").unwrap();
        let b = html.find("<div>beta</div>").unwrap();
        let g = html.find("<div>gamma</div>").unwrap();
        assert!(a < b && b < g);
        assert!(html.contains(
            "data-name=\"get /sager listsager s::listsager\" data-service=\"s\" data-outcome=\"f\""
        ));
        assert!(html.contains(
            "data-name=\"get /sager/{id} hentsag s::hentsag\" data-service=\"s\" data-outcome=\"p\""
        ));
        assert!(html.contains("<td class=\"num\">10</td><td class=\"num\">1/2</td>"));
    }

    #[test]
    fn checks_follow_the_runs_order_and_chains_and_steps_are_aggregated() {
        let mut r = report(
            vec![svc("s", vec![op("s", "opret", "POST", "/sager", 5)])],
            vec![
                test("s::opret", "alpha", Outcome::Passed, None),
                test("s::opret", "zeta", Outcome::Passed, None),
                TestRecord {
                    kind: TestKind::Chain,
                    check: Some("create-then-read".into()),
                    ..test(
                        "s::opret",
                        "chain::create-then-read",
                        Outcome::Failed,
                        Some("404 after create"),
                    )
                },
                TestRecord {
                    name: "suite::roller.yaml::likvidator::opret".into(),
                    kind: TestKind::Step,
                    check: None,
                    ..test("s::opret", "x", Outcome::Passed, None)
                },
                TestRecord {
                    name: "suite::roller.yaml::likvidator::hent".into(),
                    kind: TestKind::Step,
                    check: None,
                    operation: None,
                    ..test(
                        "s::opret",
                        "x",
                        Outcome::Skipped,
                        Some("an earlier step failed"),
                    )
                },
            ],
        );
        r.run.settings.checks = vec!["zeta".into(), "alpha".into()];
        let html = render(&r);
        assert!(html.find("<div>zeta</div>").unwrap() < html.find("<div>alpha</div>").unwrap());
        let chains = cell_with(
            &html,
            "title=\"stateful chains: failed — 404 after create\"",
        );
        assert!(chains.contains("class=\"c f\""), "{chains}");
        assert!(cell_with(&html, "title=\"scenario steps: passed\"").contains("class=\"c p\""));
        // The scenario table: one row per scenario, a cell per step.
        assert!(html.contains("<code>roller.yaml::likvidator</code>"));
        assert!(html.contains("title=\"hent: skipped — an earlier step failed\""));
        assert!(html.contains("<option value=\"scenarios\">Scenarios</option>"));
    }

    #[test]
    fn filters_are_present_and_hidden_until_the_script_runs() {
        let r = report(
            vec![
                svc(
                    "person-1.1.0",
                    vec![op("person-1.1.0", "hent", "GET", "/p", 1)],
                ),
                svc(
                    "sager-1.0.0",
                    vec![op("sager-1.0.0", "list", "GET", "/s", 1)],
                ),
            ],
            vec![test("person-1.1.0::hent", "alpha", Outcome::Passed, None)],
        );
        let html = render(&r);
        assert!(html.contains("<form class=\"filters\" id=\"filters\" hidden"));
        for id in ["f-text", "f-failed", "f-service", "f-count"] {
            assert!(html.contains(&format!("id=\"{id}\"")), "no #{id}");
        }
        assert!(html.contains("<option value=\"person-1.1.0\">Sager 1.0.0</option>"));
        assert!(html.contains("<option value=\"sager-1.0.0\">Sager 1.0.0</option>"));
        assert!(html.contains("form.hidden=false"));
        assert!(
            html.contains("section class=\"service\" id=\"svc-1\" data-service=\"sager-1.0.0\"")
        );
    }

    #[test]
    fn no_external_resources() {
        let mut t = test(
            "s::op",
            "alpha",
            Outcome::Failed,
            Some("see https://example.com"),
        );
        t.exchange = Some(exchange(
            "s::op",
            "{}",
            "<link rel=stylesheet href=\"http://evil.example/x.css\"><img src=\"https://evil.example/y.png\">",
        ));
        let html = render(&report(
            vec![svc("s", vec![op("s", "op", "GET", "/", 1)])],
            vec![t],
        ));
        let lower = html.to_lowercase();
        for bad in [
            "src=\"http",
            "src=http",
            "href=\"http",
            "href=http",
            "src='http",
            "href='http",
            "url(http",
            "url(//",
            "@import",
            "<link",
            "<img",
            "<iframe",
            "src=\"//",
            "href=\"//",
        ] {
            assert!(!lower.contains(bad), "found `{bad}`");
        }
        // The only links are in-page anchors.
        for (i, _) in lower.match_indices("href=\"") {
            assert_eq!(&lower[i + 6..i + 7], "#", "{}", &lower[i..i + 40]);
        }
    }

    #[test]
    fn findings_show_request_response_and_location_with_bodies_cut() {
        let big = format!("{{\"data\":\"{}\"}}", "x".repeat(20_000));
        let mut t = test(
            "s::op",
            "response-schema",
            Outcome::Failed,
            Some("`status` is not one of the enum"),
        );
        t.exchange = Some(exchange("s::op", "{\"navn\":\"Jensen\"}", &big));
        t.location = Some(Location {
            file: "specs/sager.yaml".into(),
            line: 42,
            column: 9,
        });
        let html = render(&report(
            vec![svc("s", vec![op("s", "op", "POST", "/sager", 1)])],
            vec![t],
        ));
        assert!(html.contains("<details class=\"finding\" data-name=\"s::op::response-schema\" data-service=\"s\" data-outcome=\"f\">"));
        assert!(html.contains("spec <code>specs/sager.yaml:42:9</code>"));
        assert!(html.contains("<b>POST http://mock.invalid/sager?limit=1</b>"));
        assert!(html.contains("<span class=\"hk\">authorization:</span> [redacted]"));
        // JSON bodies are pretty-printed.
        assert!(html.contains("{\n  &quot;navn&quot;: &quot;Jensen&quot;\n}"));
        assert!(html.contains("<b class=\"st st5\">HTTP 500</b>"));
        assert!(html.contains("… body cut (20011 bytes in all)"));
        assert!(!html.contains(&"x".repeat(BODY_SHOWN)));
        assert!(html.contains("Failure text and reproduction"));
        assert!(html.contains("curl -X GET http://127.0.0.1/sager"));
    }

    #[test]
    fn a_finding_without_exchange_shows_its_text_and_a_transport_error_shows() {
        let t1 = test("s::op", "alpha", Outcome::Failed, Some("the whole text"));
        let mut t2 = test("s::op", "beta", Outcome::Failed, Some("timeout"));
        let mut x = exchange("s::op", "", "");
        x.response = None;
        x.error = Some("operation timed out after 30 s".into());
        t2.exchange = Some(x);
        let html = render(&report(
            vec![svc("s", vec![op("s", "op", "GET", "/", 1)])],
            vec![t1, t2],
        ));
        assert!(html.contains("<details class=\"text\" open><summary>"));
        assert!(
            html.contains("<b class=\"st st5\">no response</b>\noperation timed out after 30 s")
        );
    }

    #[test]
    fn untested_operations_are_listed_with_their_reason() {
        let mut skipped = op("s", "slet", "DELETE", "/sager/{id}", 0);
        skipped.skipped = Some("state-changing method against production".into());
        let mut budget = op("s", "opret", "POST", "/sager", 0);
        budget.not_sent = 12;
        let unselected = op("s", "hent", "GET", "/sager/{id}", 0);
        let html = render(&report(
            vec![svc("s", vec![skipped, budget, unselected])],
            vec![],
        ));
        assert!(html.contains("Not tested <span class=\"cnt\">3</span>"));
        assert!(html.contains("— state-changing method against production</li>"));
        assert!(html.contains("— the request budget ran out (12 cases not sent)</li>"));
        assert!(html.contains("— not selected</li>"));
        assert!(html.contains("v-none"));
        // The coverage panel: nothing tested, nothing of the contract exercised.
        assert!(html.contains("aria-label=\"0 of 3\""));
    }

    #[test]
    fn header_shows_run_facts_shard_and_merge() {
        let mut r = report(vec![], vec![]);
        r.run.seed = 424242;
        r.run.target = "https://test.skifteportalen.invalid".into();
        r.run.duration_ms = 75_300;
        r.run.partition = Some(Partition {
            kind: PartitionKind::Hash,
            index: 2,
            count: 3,
        });
        r.run.merged_from = vec!["run-a".into(), "run-b".into()];
        let html = render(&r);
        assert!(html.contains("<code>424242</code>"));
        assert!(html.contains("<code>https://test.skifteportalen.invalid</code>"));
        assert!(html.contains("1 min 15 s"));
        assert!(html.contains("<code>hash:2/3</code>"));
        assert!(html.contains("2 shards: run-a, run-b"));
        assert!(html.contains("<title>kontrakt report 20261123T011502Z-3f9a</title>"));
        assert!(html.contains("✓ No test failed."));
    }

    /// 2,000 operations × 10 checks, 5,000 failures with 4 KiB bodies and 100,000 exchanges:
    /// the page stays well under 10 MB, and says what it left out.
    #[test]
    fn a_huge_run_stays_under_ten_megabytes() {
        let checks: Vec<String> = (0..10).map(|i| format!("check-number-{i}")).collect();
        let mut ops = Vec::new();
        let mut tests = Vec::new();
        let body = format!("{{\"detail\":\"{}\"}}", "é<".repeat(3_000));
        for o in 0..2_000 {
            let mut op = op(
                "svc",
                &format!("operation{o}"),
                "GET",
                &format!("/resource/{o}/{{id}}"),
                50,
            );
            op.coverage.enum_values = (0..5)
                .map(|e| Hit {
                    name: format!("query status=V{e}"),
                    hits: e % 2,
                })
                .collect();
            for (c, check) in checks.iter().enumerate() {
                let failed = (o * 10 + c) % 4 == 0;
                let mut t = test(
                    &op.id,
                    check,
                    if failed {
                        Outcome::Failed
                    } else {
                        Outcome::Passed
                    },
                    failed.then_some(
                        "response does not match the schema: a long explanation of what went wrong",
                    ),
                );
                if failed {
                    t.text = Some("finding text\n".repeat(1_000));
                    t.exchange = Some(exchange(&op.id, &body, &body));
                }
                tests.push(t);
            }
            ops.push(op);
        }
        let mut r = report(vec![svc("svc", ops)], tests);
        r.exchanges = (0..100_000)
            .map(|_| exchange("svc::operation0", "{}", &body))
            .collect();
        r.summarize();
        assert_eq!(r.summary.failed, 5_000);
        let started = std::time::Instant::now();
        let html = render(&r);
        eprintln!(
            "html: {} bytes in {:?} for {} tests, {} exchanges",
            html.len(),
            started.elapsed(),
            r.tests.len(),
            r.exchanges.len()
        );
        assert!(html.len() < 10_000_000, "{} bytes", html.len());
        assert!(html.contains("more findings are not shown"));
        // Every operation fits: 2,000 rows × 10 cells is within the cell allowance.
        assert_eq!(html.matches("<tr data-name=").count(), 2_000);
        assert!(html.matches("<details class=\"finding\"").count() <= MAX_FINDINGS);
    }

    #[test]
    fn too_many_operations_are_counted_not_shown() {
        let ops: Vec<_> = (0..MAX_OPERATIONS + 7)
            .map(|o| op("s", &format!("op{o}"), "GET", "/", 1))
            .collect();
        let tests = ops
            .iter()
            .map(|o| test(&o.id, "alpha", Outcome::Passed, None))
            .collect();
        let html = render(&report(vec![svc("s", ops)], tests));
        assert_eq!(html.matches("<tr data-name=").count(), MAX_OPERATIONS);
        assert!(html.contains("7 more operations are not shown in the matrices"));
    }
}
