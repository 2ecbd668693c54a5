//! HTML: one self-contained page (no external assets).
//! (Being built out: see issue 8; this first version lists the tests.)

use super::model::Report;

pub fn render(report: &Report) -> String {
    let mut out =
        String::from("<!doctype html><meta charset=\"utf-8\"><title>kontrakt report</title><ul>");
    for t in &report.tests {
        out.push_str(&format!(
            "<li>{} {}</li>",
            super::junit::escape(&t.name),
            t.outcome.as_str()
        ));
    }
    out.push_str("</ul>\n");
    out
}
