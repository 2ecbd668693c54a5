//! The collector: the one listener the runner feeds. It turns the runner's events (a request
//! sent, a trial judged) into the report model, so the runner knows no format and every
//! renderer reads the same [`Report`].
//!
//! Exchanges are kept raw (bodies cut at [`BODY_LIMIT`]) until [`Collector::finish`], which
//! redacts every string with the run's final redactor: tokens fetched during the run are only
//! known at the end, and nothing may reach a report before they are.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use base64::Engine;

use super::coverage;
use super::model::{
    Body, ExchangeRecord, HttpRequest, HttpResponse, Outcome, Report, RunInfo, ServiceReport,
    TestRecord,
};
use crate::exchange::{Exchange, header};
use crate::generate::case::Case;
use crate::redact::Redactor;

/// Bytes of each request and response body kept in a report.
pub const BODY_LIMIT: usize = 16 * 1024;

/// Where an exchange came from, when not from the generated phases.
#[derive(Debug, Clone, Copy)]
pub enum Source<'a> {
    /// A generated case (its phase names it) or a shrink candidate.
    Generated,
    /// A link of a stateful chain (the chain's name).
    Chain(&'a str),
    /// A scenario step (the step's trial name).
    Step(&'a str),
}

/// What the runner reports as it goes.
pub enum Event<'a> {
    /// A request was sent and answered (or not). `operation` is the operation's id.
    Exchange {
        operation: Option<&'a str>,
        source: Source<'a>,
        exchange: &'a Exchange,
    },
    /// A trial was judged.
    Test(Box<TestRecord>),
}

/// Anything that takes the runner's events.
pub trait Listener: Send + Sync {
    fn event(&self, event: Event<'_>);
}

/// A listener that drops every event (for runs that write no report).
pub struct Discard;

impl Listener for Discard {
    fn event(&self, _: Event<'_>) {}
}

/// Builds the report from the events.
pub struct Collector {
    started: Instant,
    state: Mutex<State>,
}

struct State {
    run: RunInfo,
    services: Vec<ServiceReport>,
    /// Operation id → (service, operation) in `services`.
    index: HashMap<String, (usize, usize)>,
    tests: Vec<TestRecord>,
    exchanges: Vec<ExchangeRecord>,
}

impl Collector {
    /// A collector for a run over `services` (each operation with its coverage skeleton).
    pub fn new(run: RunInfo, services: Vec<ServiceReport>) -> Collector {
        let mut index = HashMap::new();
        for (s, service) in services.iter().enumerate() {
            for (o, op) in service.operations.iter().enumerate() {
                index.insert(op.id.clone(), (s, o));
            }
        }
        Collector {
            started: Instant::now(),
            state: Mutex::new(State {
                run,
                services,
                index,
                tests: Vec::new(),
                exchanges: Vec::new(),
            }),
        }
    }

    /// Records cases that were never sent because the request budget ran out.
    pub fn not_sent(&self, operation: &str, count: u64) {
        if let Ok(mut s) = self.state.lock()
            && let Some(&(a, b)) = s.index.get(operation)
        {
            s.services[a].operations[b].not_sent += count;
        }
    }

    /// The finished report, every string redacted. `finished` is RFC 3339.
    /// Takes what was collected: a second call finds no tests or exchanges.
    pub fn finish(&self, redactor: &Redactor, finished: String) -> Report {
        let elapsed = self.started.elapsed();
        let mut guard = match self.state.lock() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        };
        let mut state = State {
            run: guard.run.clone(),
            services: guard.services.clone(),
            index: HashMap::new(),
            tests: std::mem::take(&mut guard.tests),
            exchanges: std::mem::take(&mut guard.exchanges),
        };
        drop(guard);
        let r = redactor;
        state.run.finished = finished;
        state.run.duration_ms = elapsed.as_millis() as u64;
        state.run.target = r.redact_url(&state.run.target);
        state.run.command = r.redact_text(&state.run.command);
        for e in &mut state.exchanges {
            redact_exchange(r, e);
        }
        for t in &mut state.tests {
            t.message = t.message.as_deref().map(|m| r.redact_text(m));
            t.text = t.text.as_deref().map(|m| r.redact_text(m));
            if let Some(e) = &mut t.exchange {
                redact_exchange(r, e);
            }
        }
        state.tests.sort_by(|a, b| a.name.cmp(&b.name));
        let mut report = Report::new(state.run, state.services);
        report.tests = state.tests;
        report.exchanges = state.exchanges;
        report.summarize();
        report
    }
}

/// The record of an exchange for a test's failure (raw: redaction happens in `finish`); its
/// time is not placed on the run's timeline.
pub fn record_now(operation: Option<&str>, source: Source<'_>, ex: &Exchange) -> ExchangeRecord {
    let mut r = record(Instant::now(), operation, source, ex);
    r.at_ms = 0.0;
    r
}

impl Listener for Collector {
    fn event(&self, event: Event<'_>) {
        match event {
            Event::Exchange {
                operation,
                source,
                exchange,
            } => {
                let rec = record(self.started, operation, source, exchange);
                let Ok(mut s) = self.state.lock() else {
                    return;
                };
                let found = operation.and_then(|o| s.index.get(o).copied());
                if let Some((a, b)) = found {
                    let op = &mut s.services[a].operations[b];
                    *op.sent.entry(rec.phase.clone()).or_default() += 1;
                    coverage::touch(
                        &mut op.coverage,
                        &exchange.case,
                        exchange.response().map(|r| r.status),
                    );
                }
                s.exchanges.push(rec);
            }
            Event::Test(t) => {
                if let Ok(mut s) = self.state.lock() {
                    s.tests.push(*t);
                }
            }
        }
    }
}

fn record(
    started: Instant,
    operation: Option<&str>,
    source: Source<'_>,
    ex: &Exchange,
) -> ExchangeRecord {
    let case: &Case = &ex.case;
    let (phase, describe, key) = match source {
        Source::Generated => (
            case.phase.as_str().to_string(),
            case.describe(),
            Some(case.replay_key()),
        ),
        Source::Chain(name) => ("stateful".to_string(), name.to_string(), None),
        Source::Step(name) => ("scenario".to_string(), name.to_string(), None),
    };
    let time = ex.response().map(|r| r.elapsed).unwrap_or_default();
    let at = started.elapsed().saturating_sub(time);
    ExchangeRecord {
        operation: operation.map(str::to_string),
        phase,
        case: describe,
        replay_key: key,
        at_ms: at.as_secs_f64() * 1000.0,
        time_ms: time.as_secs_f64() * 1000.0,
        request: HttpRequest {
            method: ex.request.method.clone(),
            url: ex.request.url.clone(),
            headers: ex.request.headers.clone(),
            body: body(&ex.request.body, false),
        },
        response: ex.response().map(|r| HttpResponse {
            status: r.status,
            headers: r.headers.clone(),
            body: body(&r.body, r.truncated),
        }),
        error: match &ex.outcome {
            crate::exchange::Outcome::Transport(e) => Some(e.clone()),
            crate::exchange::Outcome::Response(_) => None,
        },
    }
}

/// A body as the report keeps it: the start of it, as text when it is UTF-8.
pub fn body(bytes: &[u8], truncated: bool) -> Body {
    let kept = &bytes[..bytes.len().min(BODY_LIMIT)];
    let cut = kept.len() < bytes.len() || truncated;
    if bytes.is_empty() {
        return Body {
            truncated,
            ..Body::default()
        };
    }
    // Cut at a character boundary when the body is text.
    let text = match std::str::from_utf8(kept) {
        Ok(t) => Some(t.to_string()),
        Err(e) if cut && e.error_len().is_none() => {
            Some(String::from_utf8_lossy(&kept[..e.valid_up_to()]).into_owned())
        }
        Err(_) => None,
    };
    Body {
        size: bytes.len() as u64,
        base64: text
            .is_none()
            .then(|| base64::engine::general_purpose::STANDARD.encode(kept)),
        text,
        truncated: cut,
    }
}

fn redact_exchange(r: &Redactor, e: &mut ExchangeRecord) {
    e.request.url = r.redact_url(&e.request.url);
    e.request.headers = r.redact_headers(&e.request.headers);
    let ct = header(&e.request.headers, "content-type").map(str::to_string);
    redact_body(r, ct.as_deref(), &mut e.request.body);
    if let Some(resp) = &mut e.response {
        resp.headers = r.redact_headers(&resp.headers);
        let ct = header(&resp.headers, "content-type").map(str::to_string);
        redact_body(r, ct.as_deref(), &mut resp.body);
    }
    e.error = e.error.as_deref().map(|m| r.redact_text(m));
    e.case = r.redact_text(&e.case);
}

fn redact_body(r: &Redactor, content_type: Option<&str>, body: &mut Body) {
    if let Some(t) = &body.text {
        body.text = Some(r.redact_body(content_type, t));
    }
    if let Some(b) = &body.base64
        && !r.is_empty()
    {
        // Binary bodies are searched as bytes decoded lossily: a secret in them is dropped.
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(b)
            .unwrap_or_default();
        let lossy = String::from_utf8_lossy(&bytes);
        if r.redact_text(&lossy) != lossy {
            body.base64 = None;
            body.text = Some("[binary body withheld: it contained a secret]".into());
        }
    }
}

/// The test record of a judged trial.
pub fn test_record(
    name: String,
    kind: super::model::TestKind,
    operation: Option<String>,
    check: Option<String>,
    outcome: Outcome,
    text: Option<String>,
) -> TestRecord {
    let message = text
        .as_deref()
        .map(|t| t.lines().next().unwrap_or_default().to_string());
    TestRecord {
        name,
        kind,
        operation,
        check,
        outcome,
        message,
        text: if outcome == Outcome::Failed {
            text
        } else {
            None
        },
        location: None,
        exchange: None,
    }
}
