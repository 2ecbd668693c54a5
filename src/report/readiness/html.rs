//! The printable readiness page: one self-contained HTML file (no external assets, no
//! scripts), A4-friendly under `@media print`, every label in the evidence's language.

use super::text::{self, Labels};
use super::{EnvKind, OperationEvidence, Readiness, Status};

const STYLE: &str = "\
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;color:#111;margin:2rem auto;max-width:60rem;padding:0 1rem;line-height:1.35}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:1.6rem;border-bottom:1px solid #999}
h3{font-size:1.05rem;margin-bottom:.3rem}
table{border-collapse:collapse;width:100%;font-size:.85rem;margin:.4rem 0}
th,td{border:1px solid #bbb;padding:.2rem .35rem;text-align:left;vertical-align:top}
th{background:#eee}
code,.mono{font-family:ui-monospace,Consolas,monospace;font-size:.8rem;word-break:break-all}
.verdict{border:2px solid;padding:.5rem .8rem;margin:1rem 0}
.ready{border-color:#1a7f37;background:#e6f4ea}.notready{border-color:#b42318;background:#fdecea}
.warning{border:2px solid #b54708;background:#fff4e5;padding:.5rem .8rem;font-weight:bold;margin:1rem 0}
.passed{color:#1a7f37}.failed{color:#b42318;font-weight:bold}.not_tested,.skipped{color:#b54708;font-weight:bold}
.muted{color:#555;font-size:.85rem}
.signature{margin-top:2.5rem;border-top:1px solid #333;width:20rem;padding-top:.2rem}
@page{size:A4;margin:15mm}
@media print{body{margin:0;max-width:none;padding:0;font-size:10pt}h2{break-after:avoid}tr,.verdict,.warning{break-inside:avoid}
table{font-size:8pt}.verdict,.warning{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
";

/// HTML escaping, shared with the test report's page.
fn esc(s: &str) -> String {
    crate::report::html::escape(s)
}

fn status_class(s: Status) -> &'static str {
    match s {
        Status::Passed => "passed",
        Status::Failed => "failed",
        Status::NotTested => "not_tested",
        Status::Skipped => "skipped",
    }
}

fn operations_table(
    r: &Readiness,
    l: &Labels,
    ops: &[OperationEvidence],
    with_steps: bool,
) -> String {
    let lang = r.lang;
    let mut h = String::new();
    h.push_str(&format!(
        "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{} ({})</th>{}<th>{}</th></tr></thead><tbody>\n",
        l.operation,
        l.status,
        l.tested_at,
        l.requests,
        l.checks,
        l.passed_failed_skipped,
        if with_steps {
            format!("<th>{} ({})</th>", l.scenario_steps, l.passed_failed_skipped)
        } else {
            String::new()
        },
        l.remark
    ));
    for o in ops {
        let name = if o.method.is_empty() {
            format!("<code>{}</code>", esc(&o.id))
        } else {
            format!(
                "<code>{}</code><br><span class=\"muted mono\">{} {}</span>",
                esc(&o.id),
                esc(&o.method),
                esc(&o.path)
            )
        };
        h.push_str(&format!(
            "<tr><td>{name}</td><td class=\"{}\">{}</td><td>{}</td><td>{}</td><td>{} / {} / {}</td>{}<td>{}</td></tr>\n",
            status_class(o.status),
            text::status(lang, o.status),
            o.tested_at
                .as_deref()
                .map(|t| esc(&text::date(lang, t)))
                .unwrap_or_else(|| "–".into()),
            o.requests,
            o.checks.passed,
            o.checks.failed,
            o.checks.skipped,
            if with_steps {
                format!(
                    "<td>{} / {} / {}</td>",
                    o.steps.passed, o.steps.failed, o.steps.skipped
                )
            } else {
                String::new()
            },
            o.reason
                .as_ref()
                .map(|x| esc(&text::reason(lang, x)))
                .unwrap_or_default()
        ));
    }
    h.push_str("</tbody></table>\n");
    h
}

/// The page.
pub fn render(r: &Readiness) -> String {
    let lang = r.lang;
    let l = text::labels(lang);
    let mut h = String::new();
    h.push_str(&format!(
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n",
        match lang {
            super::Lang::Da => "da",
            super::Lang::En => "en",
        },
        esc(l.title)
    ));
    h.push_str(&format!(
        "<h1>{}</h1>\n<p>{}</p>\n<p class=\"muted\">{}: {} · {}: {}</p>\n",
        esc(l.title),
        esc(l.subtitle),
        l.generated,
        esc(&text::date(lang, &r.generated_at)),
        l.kontrakt_version,
        esc(&r.kontrakt)
    ));
    if r.runs.iter().any(|x| x.environment_kind == EnvKind::Mock) {
        h.push_str(&format!(
            "<div class=\"warning\">{}</div>\n",
            esc(l.mock_warning)
        ));
    }
    if r.runs
        .iter()
        .any(|x| matches!(x.environment_kind, EnvKind::Production | EnvKind::Unknown))
    {
        h.push_str(&format!(
            "<div class=\"warning\">{}</div>\n",
            esc(l.not_test_warning)
        ));
    }

    // Verdict.
    h.push_str(&format!("<h2>{}</h2>\n", l.verdict));
    if r.verdict.ready {
        h.push_str(&format!(
            "<div class=\"verdict ready\"><strong>{}</strong></div>\n",
            esc(l.ready)
        ));
    } else {
        h.push_str(&format!(
            "<div class=\"verdict notready\"><strong>{}</strong><p>{}:</p><ul>\n",
            l.not_ready, l.blockers
        ));
        for b in &r.verdict.blockers {
            h.push_str(&format!("<li>{}</li>\n", esc(&text::blocker(lang, b))));
        }
        h.push_str("</ul></div>\n");
    }

    // Runs.
    h.push_str(&format!("<h2>{}</h2>\n", l.runs));
    for run in &r.runs {
        h.push_str(&format!(
            "<table><tbody>\n<tr><th>{}</th><td><code>{}</code></td></tr>\n<tr><th>{}</th><td>{}</td></tr>\n<tr><th>{}</th><td>{}</td></tr>\n<tr><th>{}</th><td><code>{}</code></td></tr>\n<tr><th>{}</th><td>{}</td></tr>\n<tr><th>{}</th><td>{}</td></tr>\n<tr><th>{}</th><td>{}</td></tr>\n<tr><th>{}</th><td>{}</td></tr>\n<tr><th>{} ({})</th><td>{}: {} / {} / {}</td></tr>\n<tr><th>{}</th><td><code>{}</code></td></tr>\n",
            l.run,
            esc(&run.id),
            l.started,
            esc(&text::date(lang, &run.started)),
            l.finished,
            esc(&text::date(lang, &run.finished)),
            l.target,
            esc(&run.target),
            l.environment,
            esc(run.environment.as_deref().unwrap_or("–")),
            l.environment_kind,
            text::env_kind(lang, run.environment_kind),
            l.kontrakt_version,
            esc(&run.kontrakt),
            l.seed,
            run.seed,
            l.tests,
            l.passed_failed_skipped,
            run.tests,
            run.passed,
            run.failed,
            run.skipped,
            l.command,
            esc(&run.command)
        ));
        if let Some(f) = &run.filter {
            h.push_str(&format!(
                "<tr><th>{}</th><td><code>{}</code></td></tr>\n",
                l.filter,
                esc(f)
            ));
        }
        if !run.skip.is_empty() {
            h.push_str(&format!(
                "<tr><th>{}</th><td><code>{}</code></td></tr>\n",
                l.skip,
                esc(&run.skip.join(", "))
            ));
        }
        h.push_str("</tbody></table>\n");
    }

    // Not tested, stated plainly before the details.
    h.push_str(&format!("<h2>{}</h2>\n", l.not_tested));
    if r.not_tested.is_empty() {
        h.push_str(&format!("<p>{}</p>\n", esc(l.nothing_untested)));
    } else {
        h.push_str(&format!(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>\n",
            l.operation, l.part, l.status, l.remark
        ));
        for n in &r.not_tested {
            let part = if n.part == "conformance" {
                l.conformance.to_string()
            } else {
                format!("{} {}", l.role.to_lowercase(), n.part)
            };
            h.push_str(&format!(
                "<tr><td><code>{}</code></td><td>{}</td><td class=\"{}\">{}</td><td>{}</td></tr>\n",
                esc(&n.operation),
                esc(&part),
                status_class(n.status),
                text::status(lang, n.status),
                esc(&text::reason(lang, &n.reason))
            ));
        }
        h.push_str("</tbody></table>\n");
    }

    // Roles.
    if !r.roles.is_empty() {
        h.push_str(&format!("<h2>{}</h2>\n", l.roles));
        for role in &r.roles {
            h.push_str(&format!(
                "<h3>{}: {}</h3>\n<p class=\"muted\">{}: {} · {} ({}): {} / {} / {}</p>\n",
                l.role,
                esc(&role.name),
                l.scopes,
                if role.scopes.is_empty() {
                    l.none.to_string()
                } else {
                    format!("<code>{}</code>", esc(&role.scopes.join(", ")))
                },
                l.scenario_steps,
                l.passed_failed_skipped,
                role.steps.passed,
                role.steps.failed,
                role.steps.skipped
            ));
            h.push_str(&operations_table(r, l, &role.operations, true));
        }
    }

    // Services.
    h.push_str(&format!("<h2>{}</h2>\n", l.services));
    for s in &r.services {
        h.push_str(&format!(
            "<h3>{} ({} {})</h3>\n<p class=\"muted\">{}: <code>{}</code><br>{}: <span class=\"mono\">{}</span></p>\n",
            esc(&s.title),
            l.version.to_lowercase(),
            esc(&s.version),
            l.service,
            esc(&s.name),
            l.spec_file,
            esc(&format!("{} {}", s.file, s.sha256))
        ));
        h.push_str(&operations_table(r, l, &s.operations, true));
    }

    if !r.notes.is_empty() {
        h.push_str(&format!("<h2>{}</h2>\n<ul>\n", l.notes));
        for n in &r.notes {
            h.push_str(&format!("<li>{}</li>\n", esc(n)));
        }
        h.push_str("</ul>\n");
    }

    // Digests.
    h.push_str(&format!(
        "<h2>{}</h2>\n<p class=\"muted\">{}</p>\n<table><tbody>\n<tr><th>{}</th><td class=\"mono\">{}</td></tr>\n",
        l.digests,
        esc(l.digest_note),
        l.content_digest,
        esc(&r.digest.content)
    ));
    for d in &r.digest.reports {
        h.push_str(&format!(
            "<tr><th>{} {}</th><td class=\"mono\">{}{}</td></tr>\n",
            l.report_digest,
            esc(&d.run),
            esc(&d.sha256),
            d.file
                .as_deref()
                .map(|f| format!("<br>{}", esc(f)))
                .unwrap_or_default()
        ));
    }
    h.push_str("</tbody></table>\n");
    h.push_str(&format!(
        "<div class=\"signature\">{}</div>\n</body>\n</html>\n",
        l.signature
    ));
    h
}
