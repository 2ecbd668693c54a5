//! The stateful phase of `kontrakt test`: bounded chains of calls that follow a created
//! resource through its life (create → read → linked operations → update → read → delete →
//! read), judged by the chain checks (`use-after-delete`, `created-resource-available`,
//! `id-consistency`).
//!
//! Single-call cases cannot see defects that live between calls: a created resource that
//! cannot be read back, a deleted one that is still served, an id one operation issues and
//! another rejects. This module finds the chains in the specs ([`plan`]), runs them after the
//! generated cases through the run's [`Sender`](crate::run::Sender), budget and ledger
//! ([`execute`]), and makes one libtest trial per operation × chain check ([`trials`]).
//!
//! How chains are found (the mock's CRUD inference, `src/mock/state.rs`, extended by links):
//! - a *create* is a `POST` on a path `C` for which `C/{p}` (one more segment, a lone
//!   parameter) has a `GET` (the *read*); `PUT`/`PATCH` on `C/{p}` is the *update*, `DELETE`
//!   the *delete*;
//! - *consumers* of the created id are the `GET`/`HEAD` operations below `C/{p}` whose path
//!   parameters the chain can fill, and the safe operations an OpenAPI link of the create's 2xx
//!   responses points to (`operationId`, parameters `$response.body#/…` and `$request.path.…`);
//! - a create below another chain's item (`/sager/{sagId}/krav` below `/sager/{sagId}`) first
//!   runs that chain's create, for a parent that exists (one level);
//! - the created id comes from `Location` or from the response body's id field, as the ledger
//!   finds it ([`crate::run::ledger::created_resource`]).
//!
//! Each step's request is the operation's first valid generated case, with the chain's path
//! parameters put in (and `If-Match` set to the last `ETag` seen, where the operation takes one). A chain whose create is refused (e.g. its parent does not exist on the
//! target) stops there and its trials are reported as ignored with the reason. The phase does
//! not run against production without `--allow-writes`, nor with `--replay`.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use libtest_mimic::{Completion, Failed, Trial};
use serde_json::Value;

use crate::check::reproduce::curl;
use crate::check::{ChainContext, Check, StepRole};
use crate::exchange::{Exchange, Outcome};
use crate::generate::case::{Case, Phase};
use crate::generate::cases::{CaseOptions, OperationCases};
use crate::generate::request::build_request;
use crate::report::model::{Outcome as TestOutcome, TestKind};
use crate::report::{Event, Source};
use crate::run::http::Credentials;
use crate::run::runner::{Shared, Unit};
use crate::run::suite::{Suite, operation_name};
use crate::spec::{Model, Operation};

/// Where a consumer's path parameter value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Binding {
    /// The id the create issued.
    CreatedId,
    /// A JSON pointer into the create's response body (`$response.body#/kvitteringId`).
    ResponseBody(String),
    /// A path parameter of the create's request (`$request.path.sagId`).
    RequestPath(String),
}

/// An operation that takes the created id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consumer {
    pub operation: usize,
    pub bindings: Vec<(String, Binding)>,
}

/// One resource's life, as operation indices into one service's model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chain {
    pub service: usize,
    pub create: usize,
    pub read: usize,
    pub update: Option<usize>,
    pub delete: Option<usize>,
    /// The item path's parameter (`dokumentId` of `/dokumenter/{dokumentId}`).
    pub id_param: String,
    pub consumers: Vec<Consumer>,
    /// The create of the parent item and the parent's id parameter, when the create's path is
    /// below another chain's item (`/sager/{sagId}/krav` below `/sager/{sagId}`).
    pub parent: Option<(usize, String)>,
}

/// A chain check's trial: its name, the check, and for `id-consistency` the consumer judged.
#[derive(Debug, Clone)]
pub struct ChainTrial {
    pub name: String,
    pub check: &'static Check,
    pub consumer: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct Planned {
    pub chain: Chain,
    pub trials: Vec<ChainTrial>,
}

/// What a chain's run produced.
#[derive(Debug, Default, Clone)]
pub struct ChainRun {
    pub exchanges: Vec<Exchange>,
    pub steps: Vec<(StepRole, usize)>,
    /// Why the chain stopped before its end, if it did.
    pub stopped: Option<String>,
    /// The chain belongs to another shard of a partitioned run and was not run here.
    pub elsewhere: bool,
}

/// The lone parameter name of `template` = `parent/{p}`.
fn item_param<'a>(parent: &str, template: &'a str) -> Option<&'a str> {
    let rest = template.strip_prefix(parent)?.strip_prefix('/')?;
    let name = rest.strip_prefix('{')?.strip_suffix('}')?;
    (!name.contains(['/', '{', '}'])).then_some(name)
}

fn path_params(path: &str) -> Vec<&str> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .collect()
}

fn is_safe(op: &Operation) -> bool {
    matches!(op.method.as_str(), "GET" | "HEAD")
}

/// The chains of one model (pure: what [`plan`] names trials for).
pub fn chains_of(service: usize, model: &Model) -> Vec<Chain> {
    let ops = &model.operations;
    let mut out = Vec::new();
    for (c, create) in ops.iter().enumerate() {
        if create.method != "POST" || create.webhook.is_some() {
            continue;
        }
        let item = |method: &str| {
            ops.iter().enumerate().find_map(|(i, o)| {
                (o.method == method && o.webhook.is_none())
                    .then(|| item_param(&create.path, &o.path).map(|p| (i, p)))
                    .flatten()
            })
        };
        let Some((read, id_param)) = item("GET") else {
            continue;
        };
        let item_path = &ops[read].path;
        let update = item("PUT").or_else(|| item("PATCH")).map(|(i, _)| i);
        let delete = item("DELETE").map(|(i, _)| i);
        let mut fillable: HashSet<&str> = path_params(&create.path).into_iter().collect();
        fillable.insert(id_param);
        let mut consumers: Vec<Consumer> = Vec::new();
        for (i, o) in ops.iter().enumerate() {
            if o.webhook.is_some() || !is_safe(o) {
                continue;
            }
            if o.path.starts_with(&format!("{item_path}/"))
                && path_params(&o.path).iter().all(|p| fillable.contains(p))
            {
                consumers.push(Consumer {
                    operation: i,
                    bindings: vec![(id_param.to_string(), Binding::CreatedId)],
                });
            }
        }
        for resp in &create.responses {
            if !resp.status.is_success() {
                continue;
            }
            for link in &resp.links {
                let Some(target) = link.operation_id.as_deref().and_then(|id| {
                    ops.iter()
                        .position(|o| o.operation_id.as_deref() == Some(id))
                }) else {
                    continue;
                };
                if target == read
                    || !is_safe(&ops[target])
                    || consumers.iter().any(|c| c.operation == target)
                {
                    continue;
                }
                let mut bindings = Vec::new();
                let mut usable = true;
                for (name, expr) in &link.parameters {
                    let name = name.strip_prefix("path.").unwrap_or(name).to_string();
                    let binding = match expr.as_str() {
                        Some(e) if e.starts_with("$response.body#") => {
                            Binding::ResponseBody(e["$response.body#".len()..].to_string())
                        }
                        Some(e) if e.starts_with("$request.path.") => {
                            Binding::RequestPath(e["$request.path.".len()..].to_string())
                        }
                        _ => {
                            usable = false;
                            break;
                        }
                    };
                    bindings.push((name, binding));
                }
                let bound: HashSet<&str> = bindings.iter().map(|(n, _)| n.as_str()).collect();
                if usable
                    && path_params(&ops[target].path)
                        .iter()
                        .all(|p| bound.contains(p) || fillable.contains(p))
                {
                    consumers.push(Consumer {
                        operation: target,
                        bindings,
                    });
                }
            }
        }
        out.push(Chain {
            service,
            create: c,
            read,
            update,
            delete,
            id_param: id_param.to_string(),
            consumers,
            parent: None,
        });
    }
    // One level of parents: a chain whose create lies below another chain's item.
    let items: Vec<(usize, String, String)> = out
        .iter()
        .map(|c| (c.create, ops[c.read].path.clone(), c.id_param.clone()))
        .collect();
    for chain in &mut out {
        let path = &ops[chain.create].path;
        chain.parent = items
            .iter()
            .find(|(create, item, param)| {
                *create != chain.create
                    && path.starts_with(&format!("{item}/"))
                    && path_params(path).contains(&param.as_str())
            })
            .map(|(create, _, param)| (*create, param.clone()));
    }
    out
}

/// The chains of the selected services and their trial names, for the selected chain checks.
/// `keep` says whether a trial name passes the run's filters.
pub fn plan(suite: &Suite, checks: &[&'static Check], keep: impl Fn(&str) -> bool) -> Vec<Planned> {
    let chain_checks: Vec<&'static Check> = checks
        .iter()
        .copied()
        .filter(|c| c.judge_chain.is_some())
        .collect();
    if chain_checks.is_empty() {
        return Vec::new();
    }
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (s, service) in suite.services.iter().enumerate() {
        for chain in chains_of(s, &service.model) {
            let name = |op: usize| {
                format!(
                    "{}::{}",
                    service.name,
                    operation_name(&service.model.operations[op])
                )
            };
            let mut trials = Vec::new();
            for &check in &chain_checks {
                let named: Vec<(usize, Option<usize>)> = match check.id {
                    "use-after-delete" => chain.delete.map(|d| (d, None)).into_iter().collect(),
                    "id-consistency" => chain
                        .consumers
                        .iter()
                        .map(|c| (c.operation, Some(c.operation)))
                        .collect(),
                    _ => vec![(chain.create, None)],
                };
                for (op, consumer) in named {
                    let n = format!("{}::{}", name(op), check.id);
                    if keep(&n) && seen.insert(n.clone()) {
                        trials.push(ChainTrial {
                            name: n,
                            check,
                            consumer,
                        });
                    }
                }
            }
            if !trials.is_empty() {
                out.push(Planned { chain, trials });
            }
        }
    }
    out
}

/// Every trial name of the chains, for `--list`.
pub fn names(planned: &[Planned]) -> Vec<String> {
    planned
        .iter()
        .flat_map(|p| p.trials.iter().map(|t| t.name.clone()))
        .collect()
}

/// The first valid case of an operation, or why there is none.
fn first_case(
    shared: &Shared,
    service: usize,
    op: usize,
    options: &CaseOptions,
) -> Result<Case, String> {
    let s = &shared.suite.services[service];
    let compiled =
        OperationCases::compile(&s.spec, &s.model, op, options).map_err(|e| e.to_string())?;
    compiled
        .cases()
        .into_iter()
        .find(|c| c.phase.is_positive())
        .ok_or_else(|| "no valid case could be generated".to_string())
}

fn set_path(case: &mut Case, name: &str, value: Value) {
    match case.path.iter_mut().find(|(n, _)| n == name) {
        Some((_, v)) => *v = value,
        None => case.path.push((name.to_string(), value)),
    }
}

/// Runs one chain, step by step; every exchange goes to the ledger.
async fn run_chain(
    shared: &Shared,
    units: &HashMap<(usize, usize), usize>,
    chain: &Chain,
) -> ChainRun {
    let mut run = ChainRun::default();
    let options = CaseOptions {
        seed: shared.settings.case_options.seed,
        max_examples: 1,
        phases: vec![Phase::Examples, Phase::Property],
    };
    let model = &shared.suite.services[chain.service].model;
    let mut path_values: Vec<(String, Value)> = Vec::new();

    // Sends `op`'s first case with the chain's path values; None stops the chain.
    macro_rules! step {
        ($role:expr, $op:expr, $extra:expr) => {{
            let op: usize = $op;
            let Some(&u) = units.get(&(chain.service, op)) else {
                run.stopped = Some(format!(
                    "{} is not tested",
                    model.operations[op].display_name()
                ));
                return run;
            };
            let unit: &Unit = &shared.units[u];
            let mut case = match first_case(shared, chain.service, op, &options) {
                Ok(c) => c,
                Err(e) => {
                    run.stopped = Some(format!("{}: {e}", model.operations[op].display_name()));
                    return run;
                }
            };
            case.phase = Phase::Examples;
            let declared = path_params(&model.operations[op].path);
            for (n, v) in path_values.iter() {
                if declared.contains(&n.as_str()) {
                    set_path(&mut case, n, v.clone());
                }
            }
            // A conditional update or delete gets the entity tag the last read returned.
            let etag = run
                .exchanges
                .iter()
                .rev()
                .find_map(|e| e.response().and_then(|r| r.header("etag")));
            if let Some(tag) = etag {
                let wants = model.operations[op].parameters.iter().find(|p| {
                    p.location == crate::spec::model::ParamIn::Header
                        && p.name.eq_ignore_ascii_case("if-match")
                });
                if let Some(p) = wants {
                    case.headers
                        .retain(|(n, _)| !n.eq_ignore_ascii_case("if-match"));
                    case.headers
                        .push((p.name.clone(), Value::String(tag.to_string())));
                }
            }
            let extra: Vec<(String, Value)> = $extra;
            for (n, v) in extra {
                set_path(&mut case, &n, v);
            }
            if !shared.budget.take() {
                run.stopped = Some(
                    "the request budget (--max-requests) ran out during the chain".to_string(),
                );
                return run;
            }
            let request = build_request(&model.operations[op], &case, &unit.base_url);
            match shared.sender.send(request, Credentials::Apply).await {
                Ok((request, outcome)) => {
                    let ex = Exchange {
                        case,
                        request,
                        outcome,
                    };
                    let role = format!("stateful chain: {:?}", $role).to_lowercase();
                    shared.sent(unit, Source::Chain(&role), &ex);
                    if let Some(ledger) = &shared.ledger {
                        ledger.observe(model, &model.operations[op], &ex, &unit.base_url);
                    }
                    run.exchanges.push(ex);
                    run.steps.push(($role, op));
                    run.exchanges
                        .last()
                        .and_then(|e| e.response())
                        .map(|r| r.status)
                }
                Err(e) => {
                    run.stopped = Some(e.to_string());
                    return run;
                }
            }
        }};
    }

    let ok = |s: Option<u16>| s.is_some_and(|s| (200..300).contains(&s));
    if let Some((parent, param)) = &chain.parent {
        let s = step!(StepRole::Parent, *parent, Vec::new());
        let made = run.exchanges.last().and_then(|ex| {
            crate::run::ledger::created_resource(model, &model.operations[*parent], ex)
        });
        match (ok(s), made) {
            (true, Some((_, Some(id)))) => path_values.push((param.clone(), Value::String(id))),
            _ => {
                run.stopped = Some(match s {
                    Some(s) => format!("the parent's create answered {s} with no id"),
                    None => "the parent's create got no response".to_string(),
                });
                return run;
            }
        }
    }
    let created = step!(StepRole::Create, chain.create, Vec::new());
    if !ok(created) {
        run.stopped = Some(match created {
            Some(s) => format!("the create answered {s}: there is nothing to follow"),
            None => "the create got no response".to_string(),
        });
        return run;
    }
    let Some(create_ex) = run.exchanges.last().cloned() else {
        return run;
    };
    path_values = create_ex.case.path.clone();
    let Some((_, Some(id))) =
        crate::run::ledger::created_resource(model, &model.operations[chain.create], &create_ex)
    else {
        run.stopped = Some("the create's response names no id (no Location, no id field)".into());
        return run;
    };
    let id_value = Value::String(id.clone());
    step!(
        StepRole::Read,
        chain.read,
        vec![(chain.id_param.clone(), id_value.clone())]
    );
    let body: Option<Value> = create_ex
        .response()
        .and_then(|r| serde_json::from_slice(&r.body).ok());
    for consumer in &chain.consumers {
        let mut extra = Vec::new();
        let mut complete = true;
        for (name, binding) in &consumer.bindings {
            let v = match binding {
                Binding::CreatedId => Some(id_value.clone()),
                Binding::ResponseBody(ptr) => body.as_ref().and_then(|b| b.pointer(ptr)).cloned(),
                Binding::RequestPath(p) => create_ex
                    .case
                    .path
                    .iter()
                    .find(|(n, _)| n == p)
                    .map(|(_, v)| v.clone()),
            };
            match v {
                Some(v) if !v.is_null() => extra.push((name.clone(), v)),
                _ => complete = false,
            }
        }
        if complete {
            step!(StepRole::Consumer, consumer.operation, extra);
        }
    }
    if let Some(update) = chain.update {
        let s = step!(
            StepRole::Update,
            update,
            vec![(chain.id_param.clone(), id_value.clone())]
        );
        if ok(s) {
            step!(
                StepRole::ReadAfterUpdate,
                chain.read,
                vec![(chain.id_param.clone(), id_value.clone())]
            );
        }
    }
    if let Some(delete) = chain.delete {
        let s = step!(
            StepRole::Delete,
            delete,
            vec![(chain.id_param.clone(), id_value.clone())]
        );
        if ok(s) {
            step!(
                StepRole::ReadAfterDelete,
                chain.read,
                vec![(chain.id_param.clone(), id_value.clone())]
            );
        }
    }
    run
}

/// Runs every planned chain, up to the run's concurrency at a time.
pub async fn execute(shared: Arc<Shared>, planned: Arc<Vec<Planned>>) -> Vec<ChainRun> {
    let units: Arc<HashMap<(usize, usize), usize>> = Arc::new(
        shared
            .units
            .iter()
            .enumerate()
            .filter(|(_, u)| u.skip.is_none())
            .map(|(i, u)| ((u.service, u.operation), i))
            .collect(),
    );
    let started = std::time::Instant::now();
    let semaphore = Arc::new(tokio::sync::Semaphore::new(
        shared.settings.concurrency.max(1),
    ));
    let mut tasks = tokio::task::JoinSet::new();
    let mut out: Vec<ChainRun> = vec![ChainRun::default(); planned.len()];
    let mut ran = 0;
    for i in 0..planned.len() {
        // A chain's steps build on each other: the whole chain goes to one shard.
        let key = chain_key(&shared, &planned[i].chain);
        if !crate::run::partition::owns(shared.settings.partition, &key, i) {
            out[i].elsewhere = true;
            continue;
        }
        ran += 1;
        let (shared, planned, units, semaphore) = (
            shared.clone(),
            planned.clone(),
            units.clone(),
            semaphore.clone(),
        );
        tasks.spawn(async move {
            let _permit = semaphore.acquire_owned().await;
            (i, run_chain(&shared, &units, &planned[i].chain).await)
        });
    }
    while let Some(r) = tasks.join_next().await {
        if let Ok((i, run)) = r {
            out[i] = run;
        }
    }
    if ran > 0 {
        let requests: usize = out.iter().map(|r| r.exchanges.len()).sum();
        eprintln!(
            "kontrakt: stateful phase: {ran} chains, {requests} requests in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    out
}

/// The name a chain is sharded by: its service, create and read operations (the same in every
/// shard, whatever the filters keep of its trials).
fn chain_key(shared: &Shared, chain: &Chain) -> String {
    let model = &shared.suite.services[chain.service].model;
    format!(
        "chain\u{0}{}::{}::{}",
        shared.suite.services[chain.service].name,
        operation_name(&model.operations[chain.create]),
        operation_name(&model.operations[chain.read])
    )
}

fn role_name(role: StepRole) -> &'static str {
    match role {
        StepRole::Parent => "create parent",
        StepRole::Create => "create",
        StepRole::Read => "read",
        StepRole::Consumer => "linked",
        StepRole::Update => "update",
        StepRole::ReadAfterUpdate => "read after update",
        StepRole::Delete => "delete",
        StepRole::ReadAfterDelete => "read after delete",
    }
}

/// Judges one chain trial.
fn judge(
    shared: &Shared,
    planned: &Planned,
    trial: &ChainTrial,
    run: &ChainRun,
) -> Result<Completion, Failed> {
    let Some(judge_chain) = trial.check.judge_chain else {
        return Ok(Completion::ignored_with("not a chain check"));
    };
    if run.elsewhere {
        return Ok(Completion::ignored_with(format!(
            "{}: the chain ran in another shard",
            crate::report::merge::NOT_IN_THIS_SHARD
        )));
    }
    // Steps that matter to this trial: an id-consistency trial sees its own consumer only.
    let (steps, exchanges): (Vec<(StepRole, usize)>, Vec<Exchange>) = run
        .steps
        .iter()
        .zip(&run.exchanges)
        .filter(|((role, op), _)| {
            *role != StepRole::Consumer || trial.consumer.is_none_or(|c| c == *op)
        })
        .map(|(s, e)| (*s, e.clone()))
        .unzip();
    let needed = match trial.check.id {
        "use-after-delete" => StepRole::ReadAfterDelete,
        "id-consistency" => StepRole::Consumer,
        _ => StepRole::Read,
    };
    if !steps.iter().any(|(r, _)| *r == needed) {
        return Ok(Completion::ignored_with(match &run.stopped {
            Some(why) => format!("the chain stopped: {why}"),
            None => {
                let last = steps.last().zip(exchanges.last());
                match last.and_then(|((role, _), ex)| ex.response().map(|r| (role, r.status))) {
                    Some((role, status)) => format!(
                        "the chain has no {} step: the {} answered {status}",
                        role_name(needed),
                        role_name(*role)
                    ),
                    None => format!("the chain has no {} step", role_name(needed)),
                }
            }
        }));
    }
    let model = &shared.suite.services[planned.chain.service].model;
    let ctx = ChainContext {
        model,
        steps: &steps,
    };
    let findings = judge_chain(&ctx, &exchanges);
    if findings.is_empty() {
        return Ok(Completion::Completed);
    }
    let r = &shared.redactor;
    let service = &shared.suite.services[planned.chain.service];
    let mut out = String::new();
    for f in &findings {
        out.push_str(&format!(
            "{}: {}\n",
            trial.check.id,
            r.redact_text(&f.message)
        ));
        if let Some(d) = &f.detail {
            for line in d.lines() {
                out.push_str(&format!("    {}\n", r.redact_text(line)));
            }
        }
    }
    out.push_str("  chain:\n");
    for (i, ((role, op), ex)) in steps.iter().zip(&exchanges).enumerate() {
        let o = &model.operations[*op];
        let status = match &ex.outcome {
            Outcome::Response(resp) => resp.status.to_string(),
            Outcome::Transport(cause) => format!("no response ({cause})"),
        };
        out.push_str(&format!(
            "    {}. {:<17} {} {} → {}   ({}, {})\n",
            i + 1,
            role_name(*role),
            ex.request.method,
            r.redact_text(&ex.request.url),
            status,
            o.display_name(),
            service.spec.position(&o.loc)
        ));
    }
    out.push_str("  reproduce (in order):\n");
    for ex in &exchanges {
        for line in curl(&ex.request, r).lines() {
            out.push_str(&format!("    {line}\n"));
        }
    }
    Err(Failed::from(out))
}

/// One libtest trial per planned chain trial; each reports its verdict as an event.
pub fn trials(
    shared: Arc<Shared>,
    planned: Arc<Vec<Planned>>,
    runs: Arc<Vec<ChainRun>>,
) -> Vec<Trial> {
    let mut out = Vec::new();
    for (p, plan) in planned.iter().enumerate() {
        for (t, trial) in plan.trials.iter().enumerate() {
            let (shared, planned, runs) = (shared.clone(), planned.clone(), runs.clone());
            let name = trial.name.clone();
            out.push(Trial::ignorable_test(trial.name.clone(), move || {
                let plan = &planned[p];
                let empty = ChainRun::default();
                let run = runs.get(p).unwrap_or(&empty);
                let result = judge(&shared, plan, &plan.trials[t], run);
                let (outcome, text) = match &result {
                    Ok(Completion::Completed) => (TestOutcome::Passed, None),
                    Ok(Completion::Ignored { reason }) => (TestOutcome::Skipped, reason.clone()),
                    Err(f) => (TestOutcome::Failed, f.message().map(str::to_string)),
                };
                // The chain belongs to its create operation.
                let operation = shared
                    .units
                    .iter()
                    .find(|u| u.service == plan.chain.service && u.operation == plan.chain.create)
                    .map(|u| u.name.clone());
                shared
                    .events
                    .event(Event::Test(Box::new(crate::report::collect::test_record(
                        name,
                        TestKind::Chain,
                        operation,
                        Some(plan.trials[t].check.id.to_string()),
                        outcome,
                        text,
                    ))));
                result
            }));
        }
    }
    out
}

/// An exchange for the chain checks' fixture tests.
#[cfg(test)]
pub fn fixture(method: &str, url: &str, status: u16, body: &str) -> Exchange {
    Exchange {
        case: Case::new(0, Phase::Examples, 0, "fixture"),
        request: crate::exchange::Request {
            method: method.into(),
            url: url.into(),
            headers: Vec::new(),
            body: Vec::new(),
        },
        outcome: Outcome::Response(crate::exchange::Response {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.as_bytes().to_vec(),
            truncated: false,
            elapsed: std::time::Duration::ZERO,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(yaml: &str) -> Model {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("spec.yaml");
        std::fs::write(&path, yaml).unwrap();
        let spec = crate::spec::load::load(&path).unwrap();
        crate::spec::model::build(&spec)
    }

    #[test]
    fn chains_from_crud_paths_and_links() {
        let m = model(
            r#"
openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /sager:
    post: {operationId: opretSag, responses: {'201': {description: ok}}}
  /sager/{sagId}:
    get:
      operationId: hentSag
      parameters: [{name: sagId, in: path, required: true, schema: {type: string}}]
      responses: {'200': {description: ok}}
  /sager/{sagId}/krav:
    post:
      operationId: opret
      parameters: [{name: sagId, in: path, required: true, schema: {type: string}}]
      responses:
        '201':
          description: ok
          links:
            kvittering:
              operationId: hentKvittering
              parameters: {kvitteringId: '$response.body#/kvitteringId'}
  /sager/{sagId}/krav/{kravId}:
    parameters:
      - {name: sagId, in: path, required: true, schema: {type: string}}
      - {name: kravId, in: path, required: true, schema: {type: string}}
    get: {operationId: hent, responses: {'200': {description: ok}}}
    put: {operationId: opdater, responses: {'200': {description: ok}}}
    delete: {operationId: slet, responses: {'204': {description: ok}}}
  /sager/{sagId}/krav/{kravId}/bilag:
    parameters:
      - {name: sagId, in: path, required: true, schema: {type: string}}
      - {name: kravId, in: path, required: true, schema: {type: string}}
    get: {operationId: bilag, responses: {'200': {description: ok}}}
  /kvitteringer/{kvitteringId}:
    get:
      operationId: hentKvittering
      parameters: [{name: kvitteringId, in: path, required: true, schema: {type: string}}]
      responses: {'200': {description: ok}}
"#,
        );
        let chains = chains_of(0, &m);
        assert_eq!(chains.len(), 2);
        let name = |i: usize| m.operations[i].display_name();
        let sag = &chains[0];
        assert_eq!(name(sag.create), "opretSag");
        assert_eq!(
            (sag.update, sag.delete, sag.parent.clone()),
            (None, None, None)
        );
        let c = &chains[1];
        let (parent, param) = c.parent.clone().unwrap();
        assert_eq!(
            (name(parent).as_str(), param.as_str()),
            ("opretSag", "sagId")
        );
        assert_eq!(name(c.create), "opret");
        assert_eq!(name(c.read), "hent");
        assert_eq!(c.update.map(name).as_deref(), Some("opdater"));
        assert_eq!(c.delete.map(name).as_deref(), Some("slet"));
        assert_eq!(c.id_param, "kravId");
        let consumers: Vec<String> = c.consumers.iter().map(|x| name(x.operation)).collect();
        assert_eq!(consumers, vec!["bilag", "hentKvittering"]);
        assert_eq!(
            c.consumers[1].bindings,
            vec![(
                "kvitteringId".to_string(),
                Binding::ResponseBody("/kvitteringId".into())
            )]
        );
    }
}
