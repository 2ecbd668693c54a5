//! HAR 1.2 (the W3C web-performance group's HTTP Archive) of every exchange, for a browser's
//! developer tools or any HAR viewer: import it in the Network panel to inspect and repeat a
//! request. Bodies are as the report keeps them (cut at the collector's limit, redacted).
//!
//! Serialised from borrowed, typed structs (not `serde_json::Value` trees): a run of 100,000
//! exchanges is written in a fraction of a second.

use serde::Serialize;

use super::model::{Body, ExchangeRecord, Report, rfc3339};
use super::write::ReportError;

#[derive(Serialize)]
struct Har<'a> {
    log: Log<'a>,
}

#[derive(Serialize)]
struct Log<'a> {
    version: &'static str,
    creator: Creator<'a>,
    pages: [(); 0],
    entries: Vec<Entry<'a>>,
    comment: String,
}

#[derive(Serialize)]
struct Creator<'a> {
    name: &'static str,
    version: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Entry<'a> {
    started_date_time: String,
    time: f64,
    request: HarRequest<'a>,
    response: HarResponse<'a>,
    cache: Empty,
    timings: Timings,
    comment: String,
}

#[derive(Serialize)]
struct Empty {}

#[derive(Serialize)]
struct Timings {
    send: f64,
    wait: f64,
    receive: f64,
}

#[derive(Serialize)]
struct Pair<'a> {
    name: &'a str,
    value: &'a str,
}

#[derive(Serialize)]
struct OwnedPair {
    name: String,
    value: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct HarRequest<'a> {
    method: &'a str,
    url: &'a str,
    http_version: &'static str,
    cookies: [(); 0],
    headers: Vec<Pair<'a>>,
    query_string: Vec<OwnedPair>,
    #[serde(skip_serializing_if = "Option::is_none")]
    post_data: Option<PostData<'a>>,
    headers_size: i64,
    body_size: u64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PostData<'a> {
    mime_type: &'a str,
    text: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct HarResponse<'a> {
    status: u16,
    status_text: &'static str,
    http_version: &'static str,
    cookies: [(); 0],
    headers: Vec<Pair<'a>>,
    content: Content<'a>,
    #[serde(rename = "redirectURL")]
    redirect_url: &'a str,
    headers_size: i64,
    body_size: i64,
    #[serde(rename = "_error", skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Content<'a> {
    size: u64,
    mime_type: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    encoding: Option<&'static str>,
}

pub fn render(report: &Report) -> Result<String, ReportError> {
    let har = Har {
        log: Log {
            version: "1.2",
            creator: Creator {
                name: "kontrakt",
                version: &report.kontrakt,
            },
            pages: [],
            entries: report
                .exchanges
                .iter()
                .map(|e| entry(report.run.started_unix_ms, e))
                .collect(),
            comment: format!(
                "run {} seed {} against {}",
                report.run.id, report.run.seed, report.run.target
            ),
        },
    };
    let mut text = serde_json::to_string(&har)?;
    text.push('\n');
    Ok(text)
}

fn pairs(list: &[(String, String)]) -> Vec<Pair<'_>> {
    list.iter()
        .map(|(n, v)| Pair { name: n, value: v })
        .collect()
}

fn content_type(headers: &[(String, String)]) -> &str {
    crate::exchange::header(headers, "content-type").unwrap_or("application/octet-stream")
}

fn entry(started_ms: u64, e: &ExchangeRecord) -> Entry<'_> {
    let query_string = e
        .request
        .url
        .split_once('?')
        .map(|(_, q)| q.split('#').next().unwrap_or_default())
        .map(|q| {
            form_urlencoded::parse(q.as_bytes())
                .map(|(n, v)| OwnedPair {
                    name: n.into_owned(),
                    value: v.into_owned(),
                })
                .collect()
        })
        .unwrap_or_default();
    let request = HarRequest {
        method: &e.request.method,
        url: &e.request.url,
        http_version: "HTTP/1.1",
        cookies: [],
        headers: pairs(&e.request.headers),
        query_string,
        post_data: (e.request.body.size > 0).then(|| PostData {
            mime_type: content_type(&e.request.headers),
            text: body_text(&e.request.body).0,
        }),
        headers_size: -1,
        body_size: e.request.body.size,
    };
    let response = match &e.response {
        Some(r) => {
            let (text, encoding) = body_text(&r.body);
            HarResponse {
                status: r.status,
                status_text: reason(r.status),
                http_version: "HTTP/1.1",
                cookies: [],
                headers: pairs(&r.headers),
                content: Content {
                    size: r.body.size,
                    mime_type: content_type(&r.headers),
                    text: Some(text),
                    encoding,
                },
                redirect_url: crate::exchange::header(&r.headers, "location").unwrap_or(""),
                headers_size: -1,
                body_size: r.body.size as i64,
                error: None,
            }
        }
        // HAR has no place for "no response": status 0, as browsers record a failed request.
        None => HarResponse {
            status: 0,
            status_text: "",
            http_version: "HTTP/1.1",
            cookies: [],
            headers: Vec::new(),
            content: Content {
                size: 0,
                mime_type: "x-unknown",
                text: None,
                encoding: None,
            },
            redirect_url: "",
            headers_size: -1,
            body_size: -1,
            error: e.error.as_deref(),
        },
    };
    let mut comment = format!("{} · {}", e.phase, e.case);
    if let Some(k) = &e.replay_key {
        comment.push_str(&format!(" · replay key {k}"));
    }
    if let Some(op) = &e.operation {
        comment.push_str(&format!(" · {op}"));
    }
    Entry {
        started_date_time: rfc3339(started_ms + e.at_ms as u64),
        time: e.time_ms,
        request,
        response,
        cache: Empty {},
        timings: Timings {
            send: 0.0,
            wait: e.time_ms,
            receive: 0.0,
        },
        comment,
    }
}

/// A body as HAR text: the text itself, or base64 with `encoding`.
fn body_text(b: &Body) -> (&str, Option<&'static str>) {
    match (&b.text, &b.base64) {
        (Some(t), _) => (t, None),
        (None, Some(b64)) => (b64, Some("base64")),
        _ => ("", None),
    }
}

fn reason(status: u16) -> &'static str {
    hyper::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("")
}
