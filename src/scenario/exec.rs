//! Running scenarios: each scenario's steps in order (setup, steps, teardown), through the run's
//! `Sender` so rate limits, credentials and redaction hold; captures feed later steps; `poll`
//! repeats a step until its expectation holds or its timeout passes; teardown steps run even
//! after a failure. Every step's exchange is judged by its expectations and by the run's
//! response checks; each step then becomes one libtest trial,
//! `suite::<file>::<scenario>::<step>`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use base64::Engine;
use libtest_mimic::{Completion, Failed, Trial};
use rand::SeedableRng;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::format::{Assertion, Stage, Step};
use super::schema::{self, Reach};
use super::template::{self, Expr, Part};
use super::validate::{Plan, PlannedStep, body_schema};
use crate::check::CheckContext;
use crate::exchange::{Exchange, Outcome, Response};
use crate::generate::case::{BodyContent, Case, CaseBody, Phase};
use crate::generate::generator::{GenerateOptions, ValueGenerator};
use crate::generate::request::build_request;
use crate::report::model::{Outcome as TestOutcome, TestKind};
use crate::report::{Event, Source};
use crate::run::http::Credentials;
use crate::run::runner::{Shared, exchange_text};
use crate::spec::model::ParamIn;
use crate::spec::normalize::Direction;

/// The checks every step's exchange is judged by (those of them the run selected).
pub const STEP_CHECKS: &[&str] = &[
    "not-a-server-error",
    "status-code-documented",
    "content-type-documented",
    "response-schema-conforms",
    "response-headers-conform",
];

/// How one step ended.
#[derive(Debug, Clone)]
pub enum StepVerdict {
    Passed,
    Failed(String),
    /// Not run: an earlier step failed, or the scenario was filtered out.
    Skipped(String),
}

/// The verdicts of one scenario's steps, in order.
#[derive(Debug, Clone, Default)]
pub struct ScenarioRun {
    pub steps: Vec<StepVerdict>,
    /// Requests sent (polling repeats included).
    pub requests: u64,
    /// From the scenario's first request to its last answer.
    pub elapsed: std::time::Duration,
    /// The scenario belongs to another shard of a partitioned run: every step is skipped here.
    pub elsewhere: bool,
}

/// `12 scenario steps in 3 scenarios: 14 requests in 0.2 s (60 steps/s)` for a run of
/// `wall` (from the first step to the last answer), or `None` when no scenario ran.
pub fn summary(
    runs: &HashMap<(usize, usize), ScenarioRun>,
    wall: std::time::Duration,
) -> Option<String> {
    let ran = runs.values().filter(|r| !r.elsewhere).count();
    if ran == 0 {
        return None;
    }
    let steps: usize = runs
        .values()
        .filter(|r| !r.elsewhere)
        .map(|r| {
            r.steps
                .iter()
                .filter(|v| !matches!(v, StepVerdict::Skipped(_)))
                .count()
        })
        .sum();
    let requests: u64 = runs.values().map(|r| r.requests).sum();
    let wall = wall.as_secs_f64();
    Some(format!(
        "{steps} scenario steps in {ran} scenarios: {requests} requests in {wall:.2} s ({:.0} steps/s)",
        steps as f64 / wall.max(1e-3)
    ))
}

/// What a finished step left for later steps.
struct Captured {
    status: u16,
    headers: Vec<(String, String)>,
    /// JSON when the body parses, else its text.
    body: Value,
}

/// The trial name of every step, with its place: `suite::<file>::<scenario>::<step>`.
pub fn trial_names(plan: &Plan) -> Vec<((usize, usize, usize), String)> {
    plan.each_step()
        .map(|(f, s, i)| {
            let file = &plan.files[f];
            let sc = &file.scenarios[s];
            (
                (f, s, i),
                format!("suite::{}::{}::{}", file.name, sc.name, sc.steps[i].name),
            )
        })
        .collect()
}

/// Runs the scenarios `selected` (`(file, scenario)`), up to the run's concurrency at once,
/// each scenario's steps one after another.
pub async fn run_all(
    shared: Arc<Shared>,
    plan: Arc<Plan>,
    selected: Vec<(usize, usize)>,
) -> HashMap<(usize, usize), ScenarioRun> {
    let semaphore = Arc::new(tokio::sync::Semaphore::new(
        shared.settings.concurrency.max(1),
    ));
    let mut tasks = tokio::task::JoinSet::new();
    let mut out = HashMap::new();
    for (position, (f, s)) in selected.into_iter().enumerate() {
        // A scenario's steps depend on each other: the whole scenario goes to one shard.
        let key = format!(
            "scenario\u{0}{}::{}",
            plan.files[f].name, plan.files[f].scenarios[s].name
        );
        if !crate::run::partition::owns(shared.settings.partition, &key, position) {
            let reason = format!(
                "{}: the scenario ran in another shard",
                crate::report::merge::NOT_IN_THIS_SHARD
            );
            let steps = plan.files[f].scenarios[s].steps.len();
            let run = ScenarioRun {
                steps: vec![StepVerdict::Skipped(reason); steps],
                elsewhere: true,
                ..ScenarioRun::default()
            };
            out.insert((f, s), run);
            continue;
        }
        let (shared, plan, semaphore) = (shared.clone(), plan.clone(), semaphore.clone());
        tasks.spawn(async move {
            let _permit = semaphore.acquire_owned().await.ok();
            ((f, s), run_scenario(&shared, &plan, f, s).await)
        });
    }
    while let Some(r) = tasks.join_next().await {
        if let Ok((k, v)) = r {
            out.insert(k, v);
        }
    }
    out
}

async fn run_scenario(shared: &Shared, plan: &Plan, f: usize, s: usize) -> ScenarioRun {
    let file = &plan.files[f];
    let sc = &file.scenarios[s];
    let mut run = ScenarioRun::default();
    let started = Instant::now();
    let mut captured: HashMap<String, Captured> = HashMap::new();
    let mut failed: Option<String> = None;
    let seed = shared.settings.case_options.seed;
    for (i, step) in sc.steps.iter().enumerate() {
        if let Some(first) = &failed
            && step.stage != Stage::Teardown
        {
            run.steps.push(StepVerdict::Skipped(format!(
                "not run: step `{first}` failed before it"
            )));
            continue;
        }
        // A step that needs a step that was not run (production without --allow-writes, the
        // request budget) is not run either.
        if let Some(missing) = references(step).into_iter().find(|r| {
            sc.steps
                .iter()
                .position(|o| o.name == *r)
                .is_some_and(|j| j < i && matches!(run.steps[j], StepVerdict::Skipped(_)))
        }) {
            run.steps.push(StepVerdict::Skipped(format!(
                "not run: it needs step `{missing}`, which was not run"
            )));
            continue;
        }
        let planned = &plan.steps[f][s][i];
        let step_seed = seed ^ (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let verdict = match run_step(shared, plan, f, step, planned, &captured, step_seed).await {
            Ok((verdict, cap, sent)) => {
                run.requests += sent;
                if let Some(c) = cap {
                    captured.insert(step.name.clone(), c);
                }
                verdict
            }
            // Teardown cleans up what earlier steps made; what they did not make needs none.
            Err(why) if step.stage == Stage::Teardown => {
                StepVerdict::Skipped(format!("nothing to clean up: {why}"))
            }
            Err(why) => StepVerdict::Failed(format!(
                "{}: step `{}`: {why}",
                file.source
                    .position(&step.ptr, crate::spec::source::Anchor::Value),
                step.name
            )),
        };
        if matches!(verdict, StepVerdict::Failed(_)) && failed.is_none() {
            failed = Some(step.name.clone());
        }
        run.steps.push(verdict);
    }
    run.elapsed = started.elapsed();
    run
}

/// The steps a step's templates capture from.
fn references(step: &Step) -> Vec<String> {
    let mut values: Vec<&Value> = Vec::new();
    for list in [&step.path, &step.query, &step.headers, &step.cookies] {
        values.extend(list.iter().map(|(_, v)| &v.value));
    }
    values.extend(step.body.iter().map(|b| &b.value));
    let assertions = step.expect.body.iter().map(|(_, a)| a);
    for a in assertions.chain(step.expect.headers.iter().map(|(_, a)| a)) {
        if let Assertion::Equals(v) = &a.value {
            values.push(v);
        }
    }
    // Templated JSONPath keys capture too.
    let keys: Vec<Value> = step
        .expect
        .body
        .iter()
        .filter(|(at, _)| matches!(at, super::locate::Locator::Template { .. }))
        .map(|(at, _)| Value::String(at.text().to_string()))
        .collect();
    values.extend(keys.iter());
    let mut out = Vec::new();
    for v in values {
        for (_, e) in template::expressions(v).unwrap_or_default() {
            if let Expr::Step { step, .. } = e
                && !out.contains(&step)
            {
                out.push(step);
            }
        }
    }
    out
}

/// The value of one template expression.
fn eval(
    e: &Expr,
    gen_schema: &dyn Fn() -> Option<crate::spec::Loc>,
    spec: &crate::spec::Spec,
    captured: &HashMap<String, Captured>,
    files: &[super::format::FileSpec],
    seed: u64,
) -> Result<Value, String> {
    match e {
        Expr::Gen(None) => {
            let loc = gen_schema()
                .ok_or("`{{gen}}` here has no schema to generate from: give a value")?;
            let g = ValueGenerator::compile(
                spec,
                &loc,
                Direction::Request,
                &GenerateOptions::default(),
            )
            .map_err(|e| format!("cannot generate a value: {e}"))?;
            Ok(g.sample(seed))
        }
        Expr::Gen(Some(name)) => {
            let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
            crate::generate::format::generate(name, &mut rng, 1, 40)
                .map(Value::String)
                .ok_or_else(|| format!("no generator for `{name}`"))
        }
        Expr::File { file, field } => {
            let f = files
                .iter()
                .find(|x| x.name == *file)
                .ok_or_else(|| format!("no file `{file}`"))?;
            Ok(match field.as_str() {
                "size" => Value::from(f.bytes.len() as u64),
                "sha256" => Value::String(hex(&Sha256::digest(&f.bytes))),
                "sha256b64" => Value::String(
                    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&f.bytes)),
                ),
                _ => Value::String(f.media_type.clone()),
            })
        }
        Expr::Step { step, part } => {
            let c = captured
                .get(step)
                .ok_or_else(|| format!("step `{step}` has no response to take a value from"))?;
            match part {
                Part::Status => Ok(Value::from(c.status)),
                Part::Header(name) => crate::exchange::header(&c.headers, name)
                    .map(|v| Value::String(v.to_string()))
                    .ok_or_else(|| format!("the response of step `{step}` has no header `{name}`")),
                Part::Body(ptr) => {
                    crate::spec::pointer::get(&c.body, ptr)
                        .cloned()
                        .ok_or_else(|| {
                            format!(
                                "the response body of step `{step}` has no `{}`",
                                if ptr.is_empty() { "(body)" } else { ptr }
                            )
                        })
                }
            }
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Sends one step (repeatedly when it polls) and judges it; `Err` is a step that could not be
/// sent (a capture missing because an earlier step answered differently).
async fn run_step(
    shared: &Shared,
    plan: &Plan,
    f: usize,
    step: &Step,
    planned: &PlannedStep,
    captured: &HashMap<String, Captured>,
    seed: u64,
) -> Result<(StepVerdict, Option<Captured>, u64), String> {
    let file = &plan.files[f];
    let service = &shared.suite.services[planned.service];
    let spec = &*service.spec;
    let op = &service.model.operations[planned.operation];
    let mut case = Case::new(
        planned.operation,
        Phase::Examples,
        seed,
        format!("scenario step `{}`", step.name),
    );
    let mut n = 0u64;
    let mut next_seed = || {
        n += 1;
        seed.wrapping_add(n)
    };
    for (location, list) in [
        (ParamIn::Path, &step.path),
        (ParamIn::Query, &step.query),
        (ParamIn::Header, &step.headers),
        (ParamIn::Cookie, &step.cookies),
    ] {
        for (name, v) in list {
            let param_schema = op
                .parameters
                .iter()
                .find(|p| p.location == location && p.name.eq_ignore_ascii_case(name))
                .and_then(|p| p.schema.clone());
            let value = template::expand(&v.value, "", &mut |e, _| {
                eval(
                    e,
                    &|| param_schema.clone(),
                    spec,
                    captured,
                    &file.files,
                    next_seed(),
                )
            })?;
            let slot = match location {
                ParamIn::Path => &mut case.path,
                ParamIn::Query => &mut case.query,
                ParamIn::Header => &mut case.headers,
                ParamIn::Cookie => &mut case.cookies,
            };
            slot.push((name.clone(), value));
        }
    }
    let media = planned.media_type.clone();
    if let Some(u) = &step.upload {
        let bytes = file
            .files
            .iter()
            .find(|x| x.name == u.value)
            .map(|x| x.bytes.clone())
            .unwrap_or_default();
        case.body = Some(CaseBody {
            media_type: media
                .clone()
                .unwrap_or_else(|| "application/octet-stream".into()),
            content: BodyContent::Raw(bytes),
        });
    } else if let Some(body) = &step.body {
        let root = body_schema(op, media.as_deref()).and_then(|(_, s)| s);
        let value = template::expand(&body.value, "", &mut |e, at| {
            let at = at.to_string();
            let root = root.clone();
            eval(
                e,
                &move || match (&root, schema::reach(spec, root.as_ref()?, &at)) {
                    (_, Reach::Schemas(l)) => l.into_iter().next(),
                    _ => None,
                },
                spec,
                captured,
                &file.files,
                next_seed(),
            )
        })?;
        case.body = Some(CaseBody {
            media_type: media.clone().unwrap_or_else(|| "application/json".into()),
            content: match value {
                Value::String(s) if !media.as_deref().is_some_and(|m| m.contains("json")) => {
                    BodyContent::Raw(s.into_bytes())
                }
                v => BodyContent::Value(v),
            },
        });
    }
    // Expected header and body values are expanded once, before sending.
    let mut body_expect = Vec::new();
    for (at, a) in &step.expect.body {
        body_expect.push((
            at.expand(&mut |e| eval(e, &|| None, spec, captured, &file.files, seed))?,
            expand_assertion(&a.value, spec, captured, file, seed)?,
        ));
    }
    let mut header_expect = Vec::new();
    for (name, a) in &step.expect.headers {
        header_expect.push((
            name.clone(),
            expand_assertion(&a.value, spec, captured, file, seed)?,
        ));
    }
    let unit = shared
        .units
        .iter()
        .find(|u| u.service == planned.service && u.operation == planned.operation)
        .ok_or("the operation is not part of this run")?;
    if let Some(why) = &unit.skip {
        return Ok((StepVerdict::Skipped(why.clone()), None, 0));
    }
    let request = build_request(op, &case, &unit.base_url);
    let started = Instant::now();
    let mut sent = 0u64;
    let (exchange, problems) = loop {
        if !shared.budget.take() {
            return Ok((
                StepVerdict::Skipped(
                    "the request budget (--max-requests) ran out before this step".into(),
                ),
                None,
                sent,
            ));
        }
        let (request, outcome) = shared
            .sender
            .send(request.clone(), Credentials::Apply)
            .await
            .map_err(|e| e.to_string())?;
        sent += 1;
        let exchange = Exchange {
            case: case.clone(),
            request,
            outcome,
        };
        shared.sent(unit, Source::Step(&step.name), &exchange);
        let problems = judge(&exchange, &step.expect.status, &body_expect, &header_expect);
        match step.poll {
            Some(p) if !problems.is_empty() && started.elapsed() + p.every <= p.timeout => {
                tokio::time::sleep(p.every).await;
            }
            Some(p) if !problems.is_empty() => {
                let mut problems = problems;
                problems.insert(
                    0,
                    format!(
                        "still not as expected after polling {sent} times for {:.1} s (timeout {:.1} s)",
                        started.elapsed().as_secs_f64(),
                        p.timeout.as_secs_f64()
                    ),
                );
                break (exchange, problems);
            }
            _ => break (exchange, problems),
        }
    };
    let mut problems = problems;
    if step.expect.checks {
        let ctx = CheckContext {
            spec,
            model: &service.model,
            op,
            validators: &service.validators,
            options: &shared.settings.check_options,
        };
        for check in shared.checks.iter().filter(|c| STEP_CHECKS.contains(&c.id)) {
            for finding in (check.judge)(&ctx, &exchange) {
                let mut line = format!("{}: {}", check.id, finding.message);
                if let Some(d) = &finding.detail {
                    line.push_str(&format!("\n    {}", d.replace('\n', "\n    ")));
                }
                problems.push(line);
            }
        }
    }
    let captured = exchange.response().map(capture);
    if problems.is_empty() {
        return Ok((StepVerdict::Passed, captured, sent));
    }
    let r = &shared.redactor;
    let mut text = String::new();
    for p in &problems {
        text.push_str(&r.redact_text(p));
        text.push('\n');
    }
    text.push_str(&format!(
        "  step: {} ({})\n  operation: {} {} ({}, {})\n",
        step.name,
        file.source
            .position(&step.ptr, crate::spec::source::Anchor::Value),
        op.method,
        op.path,
        service.name,
        spec.position(&op.loc)
    ));
    text.push_str(&exchange_text(shared, &exchange));
    Ok((StepVerdict::Failed(text), captured, sent))
}

fn expand_assertion(
    a: &Assertion,
    spec: &crate::spec::Spec,
    captured: &HashMap<String, Captured>,
    file: &super::format::SuiteFile,
    seed: u64,
) -> Result<Assertion, String> {
    Ok(match a {
        Assertion::Equals(v) => Assertion::Equals(template::expand(v, "", &mut |e, _| {
            eval(e, &|| None, spec, captured, &file.files, seed)
        })?),
        other => other.clone(),
    })
}

fn capture(r: &Response) -> Captured {
    Captured {
        status: r.status,
        headers: r.headers.clone(),
        body: body_value(r),
    }
}

fn body_value(r: &Response) -> Value {
    if r.body.is_empty() {
        return Value::Null;
    }
    serde_json::from_slice(&r.body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&r.body).into_owned()))
}

/// What is not as the step expects: status, body values, headers.
fn judge(
    exchange: &Exchange,
    statuses: &[u16],
    body: &[(super::locate::Locator, Assertion)],
    headers: &[(String, Assertion)],
) -> Vec<String> {
    let mut out = Vec::new();
    let response = match &exchange.outcome {
        Outcome::Response(r) => r,
        Outcome::Transport(cause) => return vec![format!("no response: {cause}")],
    };
    let status_ok = if statuses.is_empty() {
        (200..300).contains(&response.status)
    } else {
        statuses.contains(&response.status)
    };
    if !status_ok {
        out.push(format!(
            "expected status {}, got {}",
            if statuses.is_empty() {
                "2xx".to_string()
            } else {
                statuses
                    .iter()
                    .map(u16::to_string)
                    .collect::<Vec<_>>()
                    .join(" or ")
            },
            response.status
        ));
    }
    let value = body_value(response);
    for (at, a) in body {
        out.extend(super::locate::judge(at, a, &value, loose_eq));
    }
    for (name, a) in headers {
        let got = response.header(name);
        match (a, got) {
            (Assertion::Exists, None) => out.push(format!("expected a `{name}` header")),
            (Assertion::Absent, Some(v)) => {
                out.push(format!("expected no `{name}` header, found `{v}`"))
            }
            (Assertion::Equals(want), None) => out.push(format!(
                "expected header `{name}: {}`, but it is absent",
                text(want)
            )),
            (Assertion::Equals(want), Some(v)) if text(want) != v => out.push(format!(
                "expected header `{name}: {}`, found `{v}`",
                text(want)
            )),
            _ => {}
        }
    }
    out
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Equality where a number equals the same number written as text (headers, path captures).
fn loose_eq(want: &Value, got: &Value) -> bool {
    want == got
        || match (want, got) {
            (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
            (Value::String(a), Value::Number(_)) | (Value::Number(_), Value::String(a)) => {
                *a == text(if want.is_string() { got } else { want })
            }
            _ => false,
        }
}

/// One trial per step, reporting the verdict recorded by the run; each reports itself as an
/// event (JUnit groups them by scenario: `suite::<file>::<scenario>` is the suite).
pub fn trials(
    shared: Arc<Shared>,
    plan: &Plan,
    runs: Arc<HashMap<(usize, usize), ScenarioRun>>,
) -> Vec<Trial> {
    trial_names(plan)
        .into_iter()
        .map(|((f, s, i), name)| {
            let (runs, shared) = (runs.clone(), shared.clone());
            let planned = &plan.steps[f][s][i];
            let operation = shared
                .units
                .iter()
                .find(|u| u.service == planned.service && u.operation == planned.operation)
                .map(|u| u.name.clone());
            let trial_name = name.clone();
            Trial::ignorable_test(name, move || {
                let verdict = runs
                    .get(&(f, s))
                    .and_then(|r| r.steps.get(i))
                    .cloned()
                    .unwrap_or(StepVerdict::Skipped("the scenario did not run".into()));
                let (result, outcome, text) = match verdict {
                    StepVerdict::Passed => (Ok(Completion::Completed), TestOutcome::Passed, None),
                    StepVerdict::Failed(text) => (
                        Err(Failed::from(text.clone())),
                        TestOutcome::Failed,
                        Some(text),
                    ),
                    StepVerdict::Skipped(reason) => (
                        Ok(Completion::ignored_with(reason.clone())),
                        TestOutcome::Skipped,
                        Some(reason),
                    ),
                };
                shared
                    .events
                    .event(Event::Test(Box::new(crate::report::collect::test_record(
                        trial_name,
                        TestKind::Step,
                        operation,
                        None,
                        outcome,
                        text,
                    ))));
                result
            })
        })
        .collect()
}
