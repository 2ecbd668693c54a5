//! HAR 1.2 (the W3C web-performance group's HTTP Archive) of every exchange, for a browser's
//! developer tools or any HAR viewer: import it in the Network panel to inspect and repeat a
//! request. Bodies are as the report keeps them (cut at the collector's limit, redacted).

use serde_json::{Value, json};

use super::model::{Body, ExchangeRecord, Report, rfc3339};
use super::write::ReportError;

pub fn render(report: &Report) -> Result<String, ReportError> {
    let entries: Vec<Value> = report
        .exchanges
        .iter()
        .map(|e| entry(report.run.started_unix_ms, e))
        .collect();
    let har = json!({
        "log": {
            "version": "1.2",
            "creator": {"name": "kontrakt", "version": report.kontrakt},
            "pages": [],
            "entries": entries,
            "comment": format!("run {} seed {} against {}", report.run.id, report.run.seed, report.run.target),
        }
    });
    let mut text = serde_json::to_string(&har)?;
    text.push('\n');
    Ok(text)
}

fn pairs(list: &[(String, String)]) -> Vec<Value> {
    list.iter()
        .map(|(n, v)| json!({"name": n, "value": v}))
        .collect()
}

fn content_type(headers: &[(String, String)]) -> String {
    crate::exchange::header(headers, "content-type")
        .unwrap_or("application/octet-stream")
        .to_string()
}

fn entry(started_ms: u64, e: &ExchangeRecord) -> Value {
    let query: Vec<Value> = e
        .request
        .url
        .split_once('?')
        .map(|(_, q)| q.split('#').next().unwrap_or_default())
        .map(|q| {
            form_urlencoded::parse(q.as_bytes())
                .map(|(n, v)| json!({"name": n, "value": v}))
                .collect()
        })
        .unwrap_or_default();
    let mut request = json!({
        "method": e.request.method,
        "url": e.request.url,
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": pairs(&e.request.headers),
        "queryString": query,
        "headersSize": -1,
        "bodySize": e.request.body.size,
    });
    if e.request.body.size > 0 {
        let (text, _) = body_text(&e.request.body);
        request["postData"] = json!({
            "mimeType": content_type(&e.request.headers),
            "text": text,
        });
    }
    let response = match &e.response {
        Some(r) => {
            let (text, encoding) = body_text(&r.body);
            let mut content = json!({
                "size": r.body.size,
                "mimeType": content_type(&r.headers),
                "text": text,
            });
            if let Some(enc) = encoding {
                content["encoding"] = json!(enc);
            }
            json!({
                "status": r.status,
                "statusText": reason(r.status),
                "httpVersion": "HTTP/1.1",
                "cookies": [],
                "headers": pairs(&r.headers),
                "content": content,
                "redirectURL": crate::exchange::header(&r.headers, "location").unwrap_or(""),
                "headersSize": -1,
                "bodySize": r.body.size,
            })
        }
        // HAR has no place for "no response": status 0, as browsers record a failed request.
        None => json!({
            "status": 0,
            "statusText": "",
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": [],
            "content": {"size": 0, "mimeType": "x-unknown"},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": -1,
            "_error": e.error,
        }),
    };
    let mut comment = format!("{} · {}", e.phase, e.case);
    if let Some(k) = &e.replay_key {
        comment.push_str(&format!(" · replay key {k}"));
    }
    if let Some(op) = &e.operation {
        comment.push_str(&format!(" · {op}"));
    }
    json!({
        "startedDateTime": rfc3339(started_ms + e.at_ms as u64),
        "time": e.time_ms,
        "request": request,
        "response": response,
        "cache": {},
        "timings": {"send": 0, "wait": e.time_ms, "receive": 0},
        "comment": comment,
    })
}

/// A body as HAR text: the text itself, or base64 with `encoding`.
fn body_text(b: &Body) -> (String, Option<&'static str>) {
    match (&b.text, &b.base64) {
        (Some(t), _) => (t.clone(), None),
        (None, Some(b64)) => (b64.clone(), Some("base64")),
        _ => (String::new(), None),
    }
}

fn reason(status: u16) -> &'static str {
    hyper::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("")
}
