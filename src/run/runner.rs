//! The conformance run: every selected operation's cases become requests, sent concurrently
//! under one budget and one rate limit; then each operation × check is a libtest trial that
//! judges the recorded exchanges, shrinks the first failing case and prints its reproduction.
//!
//! Sending happens once, before the trials, so that checks share requests (one request is
//! judged by every check) and so that concurrency is not bounded by libtest's thread count.
//! Only shrinking sends from inside a trial.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use libtest_mimic::{Completion, Failed, Trial};

use super::http::{Credentials, Sender};
use super::partition::{Shard, case_key};
use super::progress::Progress;
use super::suite::Suite;
use crate::check::reproduce::{curl, show_request, show_response};
use crate::check::{Check, CheckContext, CheckOptions, Finding};
use crate::exchange::Exchange;
use crate::generate::case::{Case, Phase, Probe};
use crate::generate::cases::{CaseOptions, OperationCases};
use crate::generate::request::build_request;
use crate::redact::Redactor;
use crate::report::merge::NOT_IN_THIS_SHARD;
use crate::report::model::{Location, Outcome, Partition, TestKind};
use crate::report::{Event, Listener, Source};
use crate::spec::Operation;

/// An operation's compiled cases, or why they could not be compiled.
pub type Compiled = Result<Arc<OperationCases>, String>;

/// One operation of one service, and where it is served.
pub struct Unit {
    pub service: usize,
    pub operation: usize,
    /// `service::operation`: the trial names' prefix.
    pub name: String,
    /// Scheme, host and base path: the operation's path is appended.
    pub base_url: String,
    /// Why nothing is sent to this operation (a state-changing method against production).
    pub skip: Option<String>,
}

/// How the run behaves, from the command line and the config.
pub struct Settings {
    pub case_options: CaseOptions,
    pub check_options: CheckOptions,
    pub concurrency: usize,
    pub replay: Option<String>,
    /// Only methods that cannot change state (production without --allow-writes).
    pub safe_only: bool,
    /// Requests one failing trial may spend on shrinking.
    pub shrink_budget: usize,
    /// Body bytes shown per request and response in a failure.
    pub show_limit: usize,
    /// `kontrakt test specs/ --target URL --seed N`: the start of every replay command.
    pub replay_command: String,
    /// This run is one shard of a partitioned run (`--partition`): it sends only its cases,
    /// chains and scenarios.
    pub partition: Option<Partition>,
}

/// What an operation's cases produced.
#[derive(Default)]
pub struct UnitRun {
    pub exchanges: Vec<Exchange>,
    /// Cases not sent because the request budget ran out.
    pub not_sent: usize,
    /// Cases could not be generated.
    pub error: Option<String>,
    /// Cases left to the other shards of a partitioned run.
    pub elsewhere: usize,
}

/// Everything the trials share.
pub struct Shared {
    pub suite: Suite,
    pub units: Vec<Unit>,
    pub checks: Vec<&'static Check>,
    pub settings: Settings,
    pub sender: Sender,
    pub handle: tokio::runtime::Handle,
    pub redactor: Redactor,
    /// Compiled cases per unit (None when the unit is not selected).
    pub cases: Vec<Option<Compiled>>,
    pub budget: Budget,
    pub progress: Progress,
    /// Records what the run creates on the target (`None` for the embedded mock).
    pub ledger: Option<Arc<super::ledger::Ledger>>,
    /// Takes the run's events (requests sent, trials judged): the reports are built from them.
    pub events: Arc<dyn Listener>,
    /// Parameters whose values are personal or secret (their path values are learned by the
    /// redactor as they are sent).
    pub secret_params: crate::report::coverage::SecretParams,
}

impl Shared {
    fn operation(&self, unit: &Unit) -> &Operation {
        &self.suite.services[unit.service].model.operations[unit.operation]
    }

    fn selected(&self, id: &str) -> bool {
        self.checks.iter().any(|c| c.id == id)
    }

    /// Reports a request sent to a unit's operation.
    pub fn sent(&self, unit: &Unit, source: Source<'_>, exchange: &Exchange) {
        for v in self
            .secret_params
            .path_values(unit.service, unit.operation, &exchange.case)
        {
            self.redactor.learn(v);
        }
        self.events.event(Event::Exchange {
            operation: Some(&unit.name),
            source,
            exchange,
        });
    }
}

/// The run-wide request budget (`--max-requests`).
pub struct Budget {
    max: Option<u64>,
    used: AtomicU64,
}

impl Budget {
    pub fn new(max: Option<u64>) -> Budget {
        Budget {
            max,
            used: AtomicU64::new(0),
        }
    }

    /// Takes one request from the budget; false when it is spent.
    pub fn take(&self) -> bool {
        let n = self.used.fetch_add(1, Ordering::Relaxed);
        match self.max {
            Some(max) if n >= max => {
                self.used.fetch_sub(1, Ordering::Relaxed);
                false
            }
            _ => true,
        }
    }

    pub fn used(&self) -> u64 {
        self.used.load(Ordering::Relaxed)
    }
}

/// Methods that cannot change state, the only ones sent to production by default.
pub fn is_safe(method: &str) -> bool {
    matches!(method, "GET" | "HEAD" | "OPTIONS")
}

/// The cases to send for a unit: the generated phases (or the one replayed case) and the
/// probes the selected checks need.
pub fn unit_cases(shared: &Shared, u: usize) -> Result<Vec<Case>, String> {
    let compiled = match &shared.cases[u] {
        Some(Ok(c)) => c,
        Some(Err(e)) => return Err(e.clone()),
        None => return Ok(Vec::new()),
    };
    if let Some(key) = &shared.settings.replay {
        return Ok(compiled.replay(key).into_iter().collect());
    }
    let mut cases = compiled.cases();
    let want_auth = shared.selected("auth-enforced");
    let want_method = shared.selected("unsupported-method");
    for p in compiled.probes() {
        let keep = match &p.probe {
            Some(Probe::NoCredentials | Probe::InvalidCredentials) => want_auth,
            Some(Probe::UndeclaredMethod(m)) => {
                want_method && (!shared.settings.safe_only || is_safe(m))
            }
            None => false,
        };
        if keep {
            cases.push(p);
        }
    }
    Ok(cases)
}

fn credentials(case: &Case) -> Credentials {
    match case.probe {
        Some(Probe::NoCredentials) => Credentials::None,
        Some(Probe::InvalidCredentials) => Credentials::Invalid,
        _ => Credentials::Apply,
    }
}

/// Sends every case of the selected units. `Err` is a run that cannot go on (the target does
/// not answer, the token endpoint refuses, a rate limit outlasts its deadline): nothing of it
/// may be reported as complete.
pub async fn execute(shared: Arc<Shared>, selected: &[usize]) -> Result<Vec<UnitRun>, String> {
    let mut runs: Vec<UnitRun> = (0..shared.units.len())
        .map(|_| UnitRun::default())
        .collect();
    let mut work: Vec<(usize, Vec<Case>)> = Vec::new();
    for &u in selected {
        if shared.units[u].skip.is_some() {
            continue;
        }
        match unit_cases(&shared, u) {
            Ok(cases) => work.push((u, cases)),
            Err(e) => runs[u].error = Some(e),
        }
    }
    if let Some(p) = shared.settings.partition {
        keep_own_cases(&shared, Shard(p), &mut work, &mut runs);
    }
    let total: usize = work.iter().map(|(_, c)| c.len()).sum();
    shared.progress.start();
    shared.progress.add_total(total as u64);
    let first = preflight(&shared, &work).await?;
    let skip_first = first.as_ref().map(|(u, i, _)| (*u, *i));

    let abort = Arc::new(AtomicBool::new(false));
    let failure: Arc<Mutex<Option<String>>> = Arc::new(Mutex::new(None));
    let mut sent = Vec::with_capacity(total);
    sent.extend(first);
    let results: Arc<Mutex<Vec<(usize, usize, Exchange)>>> = Arc::new(Mutex::new(sent));
    let not_sent: Arc<Vec<AtomicU64>> =
        Arc::new((0..shared.units.len()).map(|_| AtomicU64::new(0)).collect());
    let semaphore = Arc::new(tokio::sync::Semaphore::new(
        shared.settings.concurrency.max(1),
    ));
    let mut tasks = tokio::task::JoinSet::new();
    for (u, cases) in work {
        for (i, case) in cases.into_iter().enumerate() {
            if skip_first == Some((u, i)) {
                continue;
            }
            let Ok(permit) = semaphore.clone().acquire_owned().await else {
                break;
            };
            if abort.load(Ordering::Relaxed) {
                break;
            }
            let (shared, abort, failure, results, not_sent) = (
                shared.clone(),
                abort.clone(),
                failure.clone(),
                results.clone(),
                not_sent.clone(),
            );
            tasks.spawn(async move {
                let _permit = permit;
                if abort.load(Ordering::Relaxed) {
                    return;
                }
                if !shared.budget.take() {
                    not_sent[u].fetch_add(1, Ordering::Relaxed);
                    return;
                }
                let unit = &shared.units[u];
                let request = build_request(shared.operation(unit), &case, &unit.base_url);
                let creds = credentials(&case);
                match shared.sender.send(request, creds).await {
                    Ok((request, outcome)) => {
                        let exchange = Exchange {
                            case,
                            request,
                            outcome,
                        };
                        shared.sent(unit, Source::Generated, &exchange);
                        if let Some(ledger) = &shared.ledger {
                            let model = &shared.suite.services[unit.service].model;
                            ledger.observe(
                                model,
                                shared.operation(unit),
                                &exchange,
                                &unit.base_url,
                            );
                        }
                        if let Ok(mut r) = results.lock() {
                            r.push((u, i, exchange));
                        }
                    }
                    Err(e) => {
                        abort.store(true, Ordering::Relaxed);
                        if let Ok(mut f) = failure.lock() {
                            f.get_or_insert_with(|| e.to_string());
                        }
                    }
                }
                shared.progress.inc();
            });
            // Keep finished tasks from piling up in the set.
            while tasks.try_join_next().is_some() {}
        }
        if abort.load(Ordering::Relaxed) {
            break;
        }
    }
    while tasks.join_next().await.is_some() {}
    shared.progress.finish();
    if let Some(e) = failure.lock().ok().and_then(|mut f| f.take()) {
        return Err(format!(
            "the run stopped after {} requests, so no results are reported: {e}",
            shared.budget.used()
        ));
    }
    let mut results = std::mem::take(&mut *results.lock().map_err(|e| e.to_string())?);
    results.sort_by_key(|(u, i, _)| (*u, *i));
    for (u, _, exchange) in results {
        runs[u].exchanges.push(exchange);
    }
    for (u, run) in runs.iter_mut().enumerate() {
        run.not_sent = not_sent[u].load(Ordering::Relaxed) as usize;
    }
    Ok(runs)
}

/// Drops the cases that belong to the other shards, counting them per unit. `count` deals the
/// run's cases round-robin in the order they would be sent (units, then each unit's cases).
fn keep_own_cases(
    shared: &Shared,
    shard: Shard,
    work: &mut [(usize, Vec<Case>)],
    runs: &mut [UnitRun],
) {
    let mut position = 0;
    for (u, cases) in work.iter_mut() {
        let name = &shared.units[*u].name;
        let before = cases.len();
        cases.retain(|c| {
            let own = shard.owns(&case_key(name, &c.replay_key()), position);
            position += 1;
            own
        });
        runs[*u].elsewhere = before - cases.len();
    }
}

/// One request before the run: a target that does not answer, or a TLS handshake that fails,
/// fails every request the same way, so it is one error (exit 2), not a finding per case. The
/// request is one of the run's cases (`work[w].1[i]`), and its exchange is the case's result,
/// so the preflight costs no extra request (and `--replay` sends exactly the one it names).
async fn preflight(
    shared: &Shared,
    work: &[(usize, Vec<Case>)],
) -> Result<Option<(usize, usize, Exchange)>, String> {
    // The first positive case, of a safe method if there is one.
    let mut pick = None;
    for (u, cases) in work {
        let safe = is_safe(&shared.operation(&shared.units[*u]).method);
        if let Some(i) = cases
            .iter()
            .position(|c| c.phase.is_positive() && c.probe.is_none())
        {
            if safe {
                pick = Some((*u, i, &cases[i]));
                break;
            }
            pick.get_or_insert((*u, i, &cases[i]));
        }
    }
    let Some((u, i, case)) = pick else {
        return Ok(None);
    };
    if !shared.budget.take() {
        return Ok(None);
    }
    let unit = &shared.units[u];
    let request = build_request(shared.operation(unit), case, &unit.base_url);
    match shared.sender.send(request, credentials(case)).await {
        Ok((_, crate::exchange::Outcome::Transport(cause))) => Err(format!(
            "the target at {} does not answer: {cause}",
            unit.base_url
        )),
        Ok((request, outcome)) => {
            shared.progress.inc();
            let exchange = Exchange {
                case: case.clone(),
                request,
                outcome,
            };
            shared.sent(unit, Source::Generated, &exchange);
            Ok(Some((u, i, exchange)))
        }
        Err(e) => Err(e.to_string()),
    }
}

/// The libtest trials, one per unit × check; each reports its verdict as an event.
pub fn trials(shared: Arc<Shared>, runs: Arc<Vec<UnitRun>>) -> Vec<Trial> {
    let mut out = Vec::new();
    for (u, unit) in shared.units.iter().enumerate() {
        for (c, check) in shared.checks.iter().enumerate() {
            // Chain checks get their trials from the stateful phase.
            if check.judge_chain.is_some() {
                continue;
            }
            let name = format!("{}::{}", unit.name, check.id);
            let (shared, runs) = (shared.clone(), runs.clone());
            let trial_name = name.clone();
            out.push(Trial::ignorable_test(name, move || {
                let result = judge_trial(&shared, &runs, u, c);
                let unit = &shared.units[u];
                let check = shared.checks[c];
                let (outcome, text) = match &result {
                    Ok(Completion::Completed) => (Outcome::Passed, None),
                    Ok(Completion::Ignored { reason }) => (Outcome::Skipped, reason.clone()),
                    Err(f) => (Outcome::Failed, Some(f.text.clone())),
                };
                let mut record = crate::report::collect::test_record(
                    trial_name,
                    TestKind::Check,
                    Some(unit.name.clone()),
                    Some(check.id.to_string()),
                    outcome,
                    text,
                );
                if let Err(f) = &result {
                    record.location = f.location.clone();
                    record.exchange = f.exchange.as_ref().map(|e| {
                        crate::report::collect::record_now(Some(&unit.name), Source::Generated, e)
                    });
                }
                shared.events.event(Event::Test(Box::new(record)));
                result.map_err(|f| Failed::from(f.text))
            }));
        }
    }
    out
}

/// A failed trial: its text, and the exchange and spec location that show it.
struct Failure {
    text: String,
    exchange: Option<Exchange>,
    location: Option<Location>,
}

impl From<String> for Failure {
    fn from(text: String) -> Failure {
        Failure {
            text,
            exchange: None,
            location: None,
        }
    }
}

/// A spec position as a report location.
pub fn location(position: crate::spec::Position) -> Location {
    Location {
        file: position.file.display().to_string(),
        line: position.line,
        column: position.column,
    }
}

/// Trial names only, for `--list` and for working out what the filters select.
pub fn names(units: &[Unit], checks: &[&'static Check]) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (u, unit) in units.iter().enumerate() {
        for check in checks.iter().filter(|c| c.judge_chain.is_none()) {
            out.push((u, format!("{}::{}", unit.name, check.id)));
        }
    }
    out
}

fn judge_trial(
    shared: &Shared,
    runs: &[UnitRun],
    u: usize,
    c: usize,
) -> Result<Completion, Box<Failure>> {
    let unit = &shared.units[u];
    let check = shared.checks[c];
    if let Some(why) = &unit.skip {
        return Ok(Completion::ignored_with(why));
    }
    let run = &runs[u];
    if let Some(e) = &run.error {
        return Err(Box::new(Failure::from(format!(
            "{}: no cases could be generated: {e}",
            check.id
        ))));
    }
    if run.exchanges.is_empty() {
        return Ok(Completion::ignored_with(if run.not_sent > 0 {
            "the request budget (--max-requests) ran out before this operation".to_string()
        } else if run.elsewhere > 0 {
            format!(
                "{NOT_IN_THIS_SHARD}: its {} cases ran in the other shards",
                run.elsewhere
            )
        } else {
            "no cases".to_string()
        }));
    }
    let service = &shared.suite.services[unit.service];
    let op = shared.operation(unit);
    let ctx = CheckContext {
        spec: &service.spec,
        model: &service.model,
        op,
        validators: &service.validators,
        options: &shared.settings.check_options,
    };
    let mut failing: Vec<(&Exchange, Vec<Finding>)> = Vec::new();
    for ex in &run.exchanges {
        let findings = (check.judge)(&ctx, ex);
        if !findings.is_empty() {
            failing.push((ex, findings));
        }
    }
    let Some((first, findings)) = failing.first() else {
        return Ok(Completion::Completed);
    };
    let (exchange, findings, steps) =
        shrink(shared, u, check, &ctx, (*first).clone(), findings.clone());
    let others: Vec<&str> = failing[1..]
        .iter()
        .map(|(_, f)| f[0].message.as_str())
        .collect();
    let text = failure_text(shared, unit, check, &exchange, &findings, steps, &others);
    let location = findings
        .iter()
        .find_map(|f| f.location.as_ref())
        .map(|l| location(service.spec.position(l)));
    Err(Box::new(Failure {
        text: text.trim_end().to_string(),
        exchange: Some(exchange),
        location,
    }))
}

/// Replaces a failing case by simpler ones that still fail the same check, while the trial's
/// shrink budget and the run's request budget last.
fn shrink(
    shared: &Shared,
    u: usize,
    check: &Check,
    ctx: &CheckContext<'_>,
    mut exchange: Exchange,
    mut findings: Vec<Finding>,
) -> (Exchange, Vec<Finding>, usize) {
    let Some(Ok(compiled)) = &shared.cases[u] else {
        return (exchange, findings, 0);
    };
    // A replay shows the case it was given: that is the point of the key.
    if !matches!(exchange.case.phase, Phase::Property | Phase::Negative)
        || shared.settings.replay.is_some()
    {
        return (exchange, findings, 0);
    }
    let unit = &shared.units[u];
    let mut left = shared.settings.shrink_budget;
    let mut steps = 0;
    'outer: loop {
        for candidate in compiled.shrink_candidates(&exchange.case) {
            if left == 0 || !shared.budget.take() {
                break 'outer;
            }
            left -= 1;
            let request = build_request(ctx.op, &candidate, &unit.base_url);
            let creds = credentials(&candidate);
            let Ok((request, outcome)) = shared.handle.block_on(shared.sender.send(request, creds))
            else {
                break 'outer;
            };
            let next = Exchange {
                case: candidate,
                request,
                outcome,
            };
            shared.sent(unit, Source::Generated, &next);
            if let Some(ledger) = &shared.ledger {
                let model = &shared.suite.services[unit.service].model;
                ledger.observe(model, ctx.op, &next, &unit.base_url);
            }
            let f = (check.judge)(ctx, &next);
            if !f.is_empty() {
                exchange = next;
                findings = f;
                steps += 1;
                continue 'outer;
            }
        }
        break;
    }
    (exchange, findings, steps)
}

fn failure_text(
    shared: &Shared,
    unit: &Unit,
    check: &Check,
    exchange: &Exchange,
    findings: &[Finding],
    steps: usize,
    others: &[&str],
) -> String {
    let service = &shared.suite.services[unit.service];
    let op = shared.operation(unit);
    let r = &shared.redactor;
    let indent = |s: &str| s.lines().map(|l| format!("    {l}\n")).collect::<String>();
    let mut out = String::new();
    for f in findings {
        out.push_str(&format!("{}: {}\n", check.id, r.redact_text(&f.message)));
    }
    out.push_str(&format!(
        "  operation: {} {} ({}, {})\n",
        op.method,
        op.path,
        service.name,
        service.spec.position(&op.loc)
    ));
    let case = &exchange.case;
    out.push_str(&format!(
        "  case: {}{}\n  seed: {}   replay key: {}\n",
        case.describe(),
        if steps > 0 {
            format!(" (shrunk in {steps} steps)")
        } else {
            String::new()
        },
        case.seed,
        case.replay_key()
    ));
    for f in findings {
        if let Some(loc) = &f.location {
            out.push_str(&format!("  spec: {}\n", service.spec.position(loc)));
        }
        if let Some(detail) = &f.detail {
            out.push_str(&indent(&r.redact_text(detail)));
        }
    }
    out.push_str(&exchange_text(shared, exchange));
    out.push_str("  replay:\n");
    out.push_str(&indent(&format!(
        "{} --replay '{}' --filter '{}::{}' --exact",
        shared.settings.replay_command,
        case.replay_key(),
        unit.name,
        check.id
    )));
    if !others.is_empty() {
        out.push_str(&format!(
            "  {} more failing case{} for this check",
            others.len(),
            if others.len() == 1 { "" } else { "s" }
        ));
        let mut distinct: Vec<&str> = Vec::new();
        for o in others {
            if !distinct.contains(o) && distinct.len() < 3 {
                distinct.push(o);
            }
        }
        out.push_str(":\n");
        for d in distinct {
            out.push_str(&format!("    - {}\n", r.redact_text(d)));
        }
    }
    out
}

/// The request, the response and a `curl` command that repeats the request, redacted and
/// indented: the reproduction every failure prints (generated cases and scenario steps alike).
pub fn exchange_text(shared: &Shared, exchange: &Exchange) -> String {
    let r = &shared.redactor;
    let limit = shared.settings.show_limit;
    let indent = |s: &str| s.lines().map(|l| format!("    {l}\n")).collect::<String>();
    let mut out = String::from("  request:\n");
    out.push_str(&indent(&show_request(&exchange.request, r, limit)));
    match &exchange.outcome {
        crate::exchange::Outcome::Response(resp) => {
            out.push_str("  response:\n");
            out.push_str(&indent(&show_response(resp, r, limit)));
        }
        crate::exchange::Outcome::Transport(cause) => {
            out.push_str(&format!("  no response: {}\n", r.redact_text(cause)));
        }
    }
    out.push_str("  reproduce:\n");
    out.push_str(&indent(&curl(&exchange.request, r)));
    out
}

/// Compiles the selected units' cases, in parallel on all cores.
pub fn compile_cases(
    suite: &Suite,
    units: &[Unit],
    selected: &[usize],
    options: &CaseOptions,
) -> Vec<Option<Compiled>> {
    let mut out: Vec<Option<Compiled>> = (0..units.len()).map(|_| None).collect();
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .min(selected.len().max(1));
    let chunks: Vec<Vec<usize>> = (0..threads)
        .map(|t| selected.iter().copied().skip(t).step_by(threads).collect())
        .collect();
    let compiled: Vec<Vec<(usize, Compiled)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .iter()
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|&u| {
                            let unit = &units[u];
                            let s = &suite.services[unit.service];
                            (
                                u,
                                OperationCases::compile(&s.spec, &s.model, unit.operation, options)
                                    .map(Arc::new)
                                    .map_err(|e| e.to_string()),
                            )
                        })
                        .collect()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    for (u, r) in compiled.into_iter().flatten() {
        out[u] = Some(r);
    }
    out
}
