//! `kontrakt test` as a command: arguments and config → target, credentials, limiter → the
//! run → libtest trials → JUnit and the exit code.
//!
//! Everything that can make the run impossible (bad arguments, a spec that does not load, a
//! target that does not answer, credentials refused) is found before any finding is printed,
//! and ends with one line and exit 2.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use libtest_mimic::{Arguments, Trial};

use super::auth::AuthSession;
use super::http::{ClientOptions, Event, HttpClient, Sender, load_identity};
use super::limiter::{Limiter, RateSpec};
use super::partition::{Shard, split_rate};
use super::progress::Progress;
use super::runner::{self, Budget, Settings, Shared, Unit, is_safe};
use super::suite;
use crate::auth::{ApiKeyIn, SchemeKind, SecuritySchemes};
use crate::check::{self, CHECKS, CheckOptions};
use crate::cli::TestArgs;
use crate::config::{CertSource, Config, EnvKind, Environment, Profile, SecretSource};
use crate::exit::ExitStatus;
use crate::generate::case::Phase;
use crate::generate::cases::CaseOptions;
use crate::mock::server::{Mock, MockOptions, start};
use crate::redact::Redactor;
use crate::report::model::{RunInfo, RunSettings, now_unix_ms, rfc3339};
use crate::report::{Collector, Format};

/// Largest response body kept per exchange; checks see the start of longer ones.
const MAX_BODY: usize = 4 * 1024 * 1024;
/// Body bytes shown per request and response in a failure.
const SHOW_LIMIT: usize = 2048;
/// Requests one failing trial may spend on shrinking its case.
const SHRINK_BUDGET: usize = 40;

pub fn command(args: &TestArgs) -> ExitStatus {
    if args.list_checks {
        for c in CHECKS {
            println!(
                "{:<26} {}{}",
                c.id,
                c.title,
                if c.default_enabled { "" } else { " (opt-in)" }
            );
        }
        return ExitStatus::Clean;
    }
    if let Some(id) = &args.explain {
        let Some(c) = check::by_id(id) else {
            let ids: Vec<&str> = CHECKS.iter().map(|c| c.id).collect();
            eprintln!(
                "kontrakt test: no check `{id}`; the checks are: {}",
                ids.join(", ")
            );
            return ExitStatus::Failure;
        };
        println!(
            "{} ({})\n\n{}\n\n{}",
            c.id,
            if c.default_enabled {
                "default"
            } else {
                "opt-in"
            },
            c.title,
            c.doc.trim_end()
        );
        return ExitStatus::Clean;
    }
    match run(args) {
        Ok((status, _)) => status,
        Err(e) => {
            eprintln!("kontrakt test: {e}");
            ExitStatus::Failure
        }
    }
}

fn phases(text: &str) -> Result<Vec<Phase>, String> {
    let mut out = Vec::new();
    for p in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let phase = match p {
            "examples" => Phase::Examples,
            "boundary" => Phase::Boundary,
            "property" => Phase::Property,
            "negative" => Phase::Negative,
            other => {
                return Err(format!(
                    "--phases: unknown phase `{other}` (the phases are examples, boundary, property, negative)"
                ));
            }
        };
        if !out.contains(&phase) {
            out.push(phase);
        }
    }
    out.sort();
    Ok(out)
}

/// Where requests go.
enum Target {
    /// The embedded mock, started from the same specs.
    Mock,
    Url(String),
    /// The spec's own servers: the test or production one.
    Servers,
}

/// Runs the tests; returns the exit status and the finished report (`None` for `--list`).
/// `Err` is a run that could not be made (exit 2), with its one-line cause.
pub fn run(args: &TestArgs) -> Result<(ExitStatus, Option<crate::report::Report>), String> {
    let started = Instant::now();
    let mut checks = check::select(&args.checks).map_err(|e| format!("--checks: {e}"))?;
    if args.max_response_time.is_some()
        && let Some(c) = check::by_id("response-time")
        && !checks.iter().any(|x| x.id == c.id)
    {
        checks.push(c);
    }
    let phases = phases(&args.phases)?;
    if args.concurrency == 0 {
        return Err("--concurrency must be at least 1".into());
    }
    let rate = match &args.rate {
        Some(r) => Some(
            r.parse::<RateSpec>()
                .map_err(|e| format!("--rate {r}: {e}"))?,
        ),
        None => None,
    };
    let shard = match &args.partition {
        Some(p) => Some(p.parse::<Shard>().map_err(|e| e.to_string())?),
        None => None,
    };
    if shard.is_some() && args.replay.is_some() {
        return Err(
            "--partition and --replay cannot be combined: a replay sends the one case it names"
                .into(),
        );
    }
    let formats = match &args.report {
        Some(r) => Format::parse_list(r).map_err(|e| format!("--report: {e}"))?,
        None => Vec::new(),
    };
    let config = load_config(args.config.as_deref())?;
    let environment: Option<Environment> = match (&args.target, &args.environment) {
        (Some(_), _) => None,
        (None, Some(name)) => Some(config.environment(name).map_err(|e| e.to_string())?.clone()),
        (None, None) => None,
    };
    let target = match (&args.target, &environment) {
        (Some(url), _) => Target::Url(check_url(url)?),
        (None, Some(env)) => match (&env.kind, &env.url) {
            (_, Some(url)) => Target::Url(check_url(url)?),
            (EnvKind::Mock, None) => Target::Mock,
            (_, None) => Target::Servers,
        },
        (None, None) => Target::Mock,
    };
    let production = environment
        .as_ref()
        .is_some_and(|e| matches!(e.kind, EnvKind::Production));
    let safe_only =
        production && !(args.allow_writes || environment.as_ref().is_some_and(|e| e.allow_writes));
    let rate = rate.or_else(|| environment.as_ref().and_then(|e| e.rate));
    // The target's limit holds for all shards together: each takes its part.
    let rate = match (rate, shard) {
        (Some(r), Some(s)) if s.0.count > 1 => {
            let part = split_rate(r, s.0.count);
            eprintln!(
                "kontrakt: shard {s}: the rate {r} is shared by {} shards, so this one sends at most {part}",
                s.0.count
            );
            Some(part)
        }
        (r, _) => r,
    };

    let seed = args.seed.unwrap_or_else(rand::random);
    let suite = suite::load(&args.specs)?;
    for note in &suite.notes {
        eprintln!("kontrakt: {note}");
    }
    // Scenario suites are checked against the specs before anything is sent.
    let plan = Arc::new(
        crate::scenario::for_test(&args.specs, &args.suites, args.no_suites, &suite)
            .map_err(|e| e.to_string())?,
    );
    let scenario_names = crate::scenario::trial_names(&plan);
    // The embedded mock serves the specs under test (not the older versions beside them); it
    // is built on another thread while this one compiles the cases.
    let mock_build = (matches!(target, Target::Mock) && !args.list).then(|| {
        let token = format!("kontrakt-{:032x}", rand::random::<u128>());
        let upload_dir = std::env::temp_dir().join(format!("kontrakt-test-{}", std::process::id()));
        let options = MockOptions {
            seed,
            tokens: vec![token.clone()],
            upload_dir: upload_dir.clone(),
            ..MockOptions::default()
        };
        let paths: Vec<PathBuf> = suite.services.iter().map(|s| s.path.clone()).collect();
        let build = std::thread::spawn(move || Mock::new(&paths, options));
        (token, upload_dir, build)
    });

    // Units and their names first: --list needs nothing else.
    let mut units = Vec::new();
    for (s, service) in suite.services.iter().enumerate() {
        for (o, op) in service.model.operations.iter().enumerate() {
            if op.webhook.is_some() {
                continue;
            }
            let skip = (safe_only && !is_safe(&op.method)).then(|| {
                "production target: state-changing methods are not sent (--allow-writes to send them)"
                    .to_string()
            });
            units.push(Unit {
                service: s,
                operation: o,
                name: format!("{}::{}", service.name, suite::operation_name(op)),
                base_url: String::new(),
                skip,
            });
        }
    }
    let arguments = Arguments {
        list: args.list,
        filter: args.filter.clone(),
        exact: args.exact,
        skip: args.skip.clone(),
        quiet: args.quiet,
        test_threads: Some(
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2),
        ),
        ..Arguments::default()
    };
    let names = runner::names(&units, &checks);
    // The stateful phase's chains: not against production without --allow-writes, not in a replay.
    let chains = if safe_only || args.replay.is_some() {
        Vec::new()
    } else {
        crate::stateful::plan(&suite, &checks, |n| {
            !arguments.is_filtered_out(&Trial::test(n.to_string(), || Ok(())))
        })
    };
    if args.list {
        let trials: Vec<Trial> = names
            .into_iter()
            .map(|(_, n)| n)
            .chain(crate::stateful::names(&chains))
            .chain(scenario_names.iter().map(|(_, n)| n.clone()))
            .map(|n| Trial::test(n, || Ok(())))
            .collect();
        let _ = libtest_mimic::run(&arguments, trials);
        return Ok((ExitStatus::Clean, None));
    }
    let mut selected: Vec<usize> = names
        .iter()
        .filter(|(_, n)| !arguments.is_filtered_out(&Trial::test(n.clone(), || Ok(()))))
        .map(|(u, _)| *u)
        .collect();
    selected.dedup();
    let mut scenarios: Vec<(usize, usize)> = scenario_names
        .iter()
        .filter(|(_, n)| !arguments.is_filtered_out(&Trial::test(n.clone(), || Ok(()))))
        .map(|((f, s, _), _)| (*f, *s))
        .collect();
    scenarios.dedup();
    if selected.is_empty() && chains.is_empty() && scenarios.is_empty() {
        return Err("no test matches the filters (see --list)".into());
    }

    let case_options = CaseOptions {
        seed,
        max_examples: args.max_examples,
        phases,
    };
    let compiling = Instant::now();
    let cases = runner::compile_cases(&suite, &units, &selected, &case_options);
    eprintln!(
        "kontrakt: loaded and compiled in {:.1} s (cases {:.2} s)",
        started.elapsed().as_secs_f64(),
        compiling.elapsed().as_secs_f64()
    );

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;

    // The target, and credentials for the embedded mock.
    let mut mock_token = None;
    let mut running = None;
    let base: Option<String> = match &target {
        Target::Mock => {
            let (token, upload_dir, build) =
                mock_build.ok_or("internal: the mock was not built")?;
            let mock = build
                .join()
                .map_err(|_| "the mock could not be built (it panicked)".to_string())?
                .map_err(|e| format!("the mock: {e}"))?;
            let addr: SocketAddr = ([127, 0, 0, 1], 0).into();
            let r = runtime
                .block_on(start(Arc::new(mock), addr, None))
                .map_err(|e| format!("cannot start the mock: {e}"))?;
            let url = format!("http://{}", r.addr);
            eprintln!("kontrakt: testing against the embedded mock at {url}");
            running = Some((r, upload_dir));
            mock_token = Some(token);
            Some(url)
        }
        Target::Url(url) => {
            eprintln!(
                "kontrakt: testing against {}",
                Redactor::new().redact_url(url)
            );
            Some(url.clone())
        }
        Target::Servers => None,
    };
    for unit in &mut units {
        let op = &suite.services[unit.service].model.operations[unit.operation];
        unit.base_url = match (&base, &target) {
            (Some(b), Target::Url(_)) => join_base(b, &op.base_path),
            (Some(b), _) => format!("{}{}", b.trim_end_matches('/'), op.base_path),
            (None, Target::Servers) => {
                let env = environment.as_ref().ok_or("internal: no environment")?;
                let servers = crate::config::servers_of(suite.services[unit.service].spec.root());
                let origin = env
                    .origin(&servers)
                    .map_err(|e| format!("{}: {e}", suite.services[unit.service].path.display()))?
                    .unwrap_or_default();
                format!("{origin}{}", op.base_path)
            }
            (None, _) => String::new(),
        };
    }

    // Credentials.
    let profile = profile(args.into(), &config, environment.as_ref())?;
    let identity = match profile.as_ref().and_then(|p| p.client_cert.as_ref()) {
        Some(c) => Some(load_identity(c).map_err(|e| e.to_string())?),
        None => None,
    };
    let client_options = ClientOptions {
        timeout: Duration::from_secs(args.timeout.max(1)),
        identity,
        ca_file: args
            .ca_file
            .clone()
            .or_else(|| environment.as_ref().and_then(|e| e.ca_file.clone())),
        max_body: MAX_BODY,
    };
    let client = HttpClient::new(&client_options).map_err(|e| e.to_string())?;
    let limiter = Limiter::new(rate);
    let auth = match (&mock_token, &profile) {
        (Some(token), _) => Some(AuthSession::bearer(
            crate::auth::Secret::new(token.clone()),
            client.clone(),
            limiter.clone(),
        )),
        (None, Some(p)) if p.bearer.is_some() || p.oauth.is_some() => {
            Some(AuthSession::new(p, client.clone(), limiter.clone()).map_err(|e| e.to_string())?)
        }
        _ => None,
    };
    let progress = Progress::new(0, !args.no_progress);
    let events = {
        let progress = progress.clone();
        // Every worker that meets the same pause reports it; show each pause once.
        let shown: Mutex<Option<Instant>> = Mutex::new(None);
        Arc::new(move |e: Event| {
            if let Event::Pause {
                until,
                status,
                reason,
            } = e
            {
                if let Ok(mut last) = shown.lock() {
                    if last.is_some_and(|l| until <= l + Duration::from_millis(500)) {
                        return;
                    }
                    *last = Some(until);
                }
                let wait = until.saturating_duration_since(Instant::now());
                progress.note(&format!(
                    "{status} from the target: waiting {:.1} s ({reason})",
                    wait.as_secs_f64()
                ));
            }
        })
    };
    let sender = Sender::new(
        client,
        limiter,
        auth,
        Duration::from_secs(args.rate_deadline),
        events,
    );
    let mut redactor = Redactor::new();
    if let Some(t) = &mock_token {
        redactor.secret(t.clone());
    }
    // API keys travel in headers and query parameters the specs name.
    for service in &suite.services {
        let (schemes, _) = SecuritySchemes::from_spec(&service.spec);
        for (_, kind) in schemes.iter() {
            if let SchemeKind::ApiKey { location, name } = kind {
                match location {
                    ApiKeyIn::Header => redactor.header(name),
                    ApiKeyIn::Query => redactor.query_param(name),
                    ApiKeyIn::Cookie => {}
                }
            }
        }
    }

    let services = suite.services.len();
    let operations = selected.len();
    let mut replay_command = format!(
        "kontrakt test {}",
        args.specs
            .iter()
            .map(|p| shell_word(&p.display().to_string()))
            .collect::<Vec<_>>()
            .join(" ")
    );
    match (&args.target, &args.environment) {
        (Some(t), _) => replay_command.push_str(&format!(" --target {}", shell_word(t))),
        (None, Some(e)) => replay_command.push_str(&format!(" --env {}", shell_word(e))),
        _ => {}
    }
    // What decides how the case is sent and judged, so that the printed command reproduces
    // the finding as it is; names of variables and files only, never a secret.
    let path = |p: &Option<PathBuf>| p.as_ref().map(|p| p.display().to_string());
    for (flag, value) in [
        ("--config", path(&args.config)),
        ("--profile", args.profile.clone()),
        ("--token-env", args.token_env.clone()),
        ("--client-cert", path(&args.client_cert)),
        ("--client-key", path(&args.client_key)),
        (
            "--client-cert-password-env",
            args.client_cert_password_env.clone(),
        ),
        ("--ca-file", path(&args.ca_file)),
        ("--rate", args.rate.clone()),
        (
            "--max-response-time",
            args.max_response_time.map(|ms| ms.to_string()),
        ),
    ] {
        if let Some(v) = value {
            replay_command.push_str(&format!(" {flag} {}", shell_word(&v)));
        }
    }
    if args.allow_writes {
        replay_command.push_str(" --allow-writes");
    }
    replay_command.push_str(&format!(" --seed {seed}"));
    // The run's folder exists before anything is sent: an unwritable one is found now.
    let wants_ledger = !matches!(target, Target::Mock) || args.ledger_mock;
    let run_dir = if wants_ledger || !formats.is_empty() {
        Some(super::ledger::create_run_dir(&args.reports).map_err(|e| e.to_string())?)
    } else {
        None
    };
    let ledger = match (&run_dir, wants_ledger) {
        (Some(dir), true) => {
            let l = super::ledger::Ledger::open(&dir.join(super::ledger::FILE_NAME))
                .map_err(|e| e.to_string())?;
            eprintln!(
                "kontrakt: created resources are recorded in {}",
                l.path().display()
            );
            Some(Arc::new(l))
        }
        _ => None,
    };
    let started_unix_ms = now_unix_ms();
    let run_info = RunInfo {
        id: run_dir
            .as_ref()
            .and_then(|d| d.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| format!("{started_unix_ms}")),
        started: rfc3339(started_unix_ms),
        started_unix_ms,
        seed,
        target: match (&base, &target) {
            (Some(_), Target::Mock) => "embedded mock".to_string(),
            (Some(b), _) => b.clone(),
            (None, _) => "the specs' servers".to_string(),
        },
        environment: args.environment.clone(),
        specs: args.specs.iter().map(|p| p.display().to_string()).collect(),
        command: replay_command.clone(),
        settings: RunSettings {
            checks: checks.iter().map(|c| c.id.to_string()).collect(),
            phases: case_options
                .phases
                .iter()
                .map(|p| p.as_str().to_string())
                .collect(),
            max_examples: case_options.max_examples as u32,
            max_requests: args.max_requests,
            concurrency: args.concurrency,
            rate: rate.map(|r| r.to_string()),
            timeout_s: args.timeout,
            safe_only,
            profile: args.profile.clone(),
            filter: args.filter.clone(),
            skip: args.skip.clone(),
            replay: args.replay.clone(),
        },
        partition: shard.map(|s| s.0),
        ..RunInfo::blank()
    };
    let unit_list: Vec<_> = units
        .iter()
        .map(|u| (u.service, u.operation, u.name.clone(), u.skip.clone()))
        .collect();
    let collector = Arc::new(Collector::new(
        run_info,
        crate::report::coverage::services(&suite, &unit_list),
    ));
    let secret_params = crate::report::coverage::SecretParams::new(&suite, &config.redact_names());
    for name in secret_params.names() {
        redactor.field(name);
    }
    let shared = Arc::new(Shared {
        suite,
        units,
        checks,
        settings: Settings {
            case_options,
            check_options: CheckOptions {
                max_response_time: args.max_response_time.map(Duration::from_millis),
            },
            concurrency: args.concurrency,
            replay: args.replay.clone(),
            safe_only,
            shrink_budget: SHRINK_BUDGET,
            show_limit: SHOW_LIMIT,
            replay_command,
            partition: shard.map(|s| s.0),
        },
        sender,
        handle: runtime.handle().clone(),
        redactor,
        cases,
        budget: Budget::new(args.max_requests),
        progress,
        ledger,
        events: collector.clone(),
        secret_params,
    });
    eprintln!(
        "kontrakt: {operations} operation{} in {services} service{}, seed {seed}{}{}",
        if operations == 1 { "" } else { "s" },
        if services == 1 { "" } else { "s" },
        match shard {
            Some(s) => format!(", shard {s} (only this shard's cases, chains and scenarios)"),
            None => String::new(),
        },
        if safe_only {
            ", production: safe methods only"
        } else {
            ""
        }
    );
    let runs = runtime.block_on(runner::execute(shared.clone(), &selected));
    let runs = match runs {
        Ok(r) => r,
        Err(e) => {
            stop_mock(&runtime, running);
            // One line: the cause and what to check are in `e`.
            return Err(e);
        }
    };
    let chains = Arc::new(chains);
    let chain_runs = runtime.block_on(crate::stateful::execute(shared.clone(), chains.clone()));
    // Secrets known only after the run started (tokens fetched) are redacted too.
    let shared = {
        let mut shared = Arc::into_inner(shared).ok_or("internal: the run is still shared")?;
        for s in shared.sender.secrets() {
            shared.redactor.secret(s);
        }
        Arc::new(shared)
    };
    // Scenario suites after the generated cases, with every secret known so far redacted.
    let scenarios_started = Instant::now();
    let scenario_runs = runtime.block_on(crate::scenario::run_all(
        shared.clone(),
        plan.clone(),
        scenarios,
    ));
    if let Some(line) = crate::scenario::exec::summary(&scenario_runs, scenarios_started.elapsed())
    {
        eprintln!("kontrakt: {line}");
    }
    for (unit, run) in shared.units.iter().zip(&runs) {
        if run.not_sent > 0 {
            collector.not_sent(&unit.name, run.not_sent as u64);
        }
    }
    let not_sent: usize = runs.iter().map(|r| r.not_sent).sum();
    if not_sent > 0 {
        eprintln!(
            "kontrakt: the request budget ran out: {not_sent} cases were not sent (their operations are reported as not tested)"
        );
    }
    let mut trials = runner::trials(shared.clone(), Arc::new(runs));
    trials.extend(crate::stateful::trials(
        shared.clone(),
        chains,
        Arc::new(chain_runs),
    ));
    trials.extend(crate::scenario::trials(
        shared.clone(),
        &plan,
        Arc::new(scenario_runs),
    ));
    let conclusion = libtest_mimic::run(&arguments, trials);
    stop_mock(&runtime, running);
    let report = collector.finish(&shared.redactor, rfc3339(now_unix_ms()));
    if let Some(path) = &args.junit {
        crate::report::write::write_atomic(path, crate::report::junit::render(&report).as_bytes())
            .map_err(|e| e.to_string())?;
    }
    if let Some(dir) = &run_dir
        && !formats.is_empty()
    {
        let written =
            crate::report::write_reports(&report, dir, &formats).map_err(|e| e.to_string())?;
        eprintln!(
            "kontrakt: reports written to {}: {}",
            dir.display(),
            written
                .iter()
                .filter_map(|p| p.file_name())
                .map(|n| n.to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    // Under GitHub Actions: annotations on the spec lines, the summary on the job's page.
    crate::report::github::publish(&report);
    let status = if conclusion.num_failed > 0 {
        ExitStatus::Findings
    } else {
        ExitStatus::Clean
    };
    Ok((status, Some(report)))
}

fn stop_mock(
    runtime: &tokio::runtime::Runtime,
    running: Option<(crate::mock::server::Running, PathBuf)>,
) {
    if let Some((r, dir)) = running {
        runtime.block_on(r.stop());
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// The config file given, else `kontrakt.toml` in the current folder, else the built-ins.
pub(crate) fn load_config(path: Option<&std::path::Path>) -> Result<Config, String> {
    match path {
        Some(p) => Config::load(p).map_err(|e| e.to_string()),
        None => {
            let default = PathBuf::from("kontrakt.toml");
            if default.is_file() {
                Config::load(&default).map_err(|e| e.to_string())
            } else {
                Ok(Config::default())
            }
        }
    }
}

/// The credential options `kontrakt test` and `kontrakt cleanup` share.
pub(crate) struct CredentialArgs<'a> {
    pub profile: Option<&'a str>,
    pub token_env: Option<&'a str>,
    pub client_cert: Option<&'a std::path::Path>,
    pub client_key: Option<&'a std::path::Path>,
    pub client_cert_password_env: Option<&'a str>,
}

impl<'a> From<&'a TestArgs> for CredentialArgs<'a> {
    fn from(a: &'a TestArgs) -> Self {
        CredentialArgs {
            profile: a.profile.as_deref(),
            token_env: a.token_env.as_deref(),
            client_cert: a.client_cert.as_deref(),
            client_key: a.client_key.as_deref(),
            client_cert_password_env: a.client_cert_password_env.as_deref(),
        }
    }
}

/// The profile: the command line's credentials over the named or the environment's profile.
pub(crate) fn profile(
    args: CredentialArgs<'_>,
    config: &Config,
    environment: Option<&Environment>,
) -> Result<Option<Profile>, String> {
    let name = args
        .profile
        .map(str::to_string)
        .or_else(|| environment.and_then(|e| e.profile.clone()));
    let mut profile = match name {
        Some(n) => Some(
            config
                .profiles
                .get(&n)
                .cloned()
                .ok_or_else(|| format!("no profile `{n}` in the config file"))?,
        ),
        None => None,
    };
    if let Some(var) = args.token_env {
        profile.get_or_insert_with(Profile::default).bearer = Some(SecretSource::Env(var.into()));
    }
    if let Some(cert) = args.client_cert {
        let is_pem = !matches!(
            cert.extension()
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase)
                .as_deref(),
            Some("p12" | "pfx")
        );
        profile.get_or_insert_with(Profile::default).client_cert = Some(CertSource {
            p12: (!is_pem).then(|| cert.to_path_buf()),
            password: args
                .client_cert_password_env
                .map(|v| SecretSource::Env(v.into())),
            cert: is_pem.then(|| cert.to_path_buf()),
            key: args.client_key.map(std::path::Path::to_path_buf),
        });
    }
    Ok(profile)
}

fn check_url(url: &str) -> Result<String, String> {
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(format!("target `{url}` is not an http:// or https:// URL"));
    }
    Ok(url.trim_end_matches('/').to_string())
}

/// A target URL without a path gets the spec's base path; one with a path is used as it is.
fn join_base(target: &str, base_path: &str) -> String {
    let after_scheme = target.split_once("://").map(|(_, r)| r).unwrap_or(target);
    if after_scheme.contains('/') {
        target.to_string()
    } else {
        format!("{target}{base_path}")
    }
}

/// Quotes a word for a POSIX shell when it needs it.
fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_paths_and_servers() {
        assert_eq!(join_base("https://h", "/api/v1"), "https://h/api/v1");
        assert_eq!(join_base("https://h/x", "/api/v1"), "https://h/x");
    }

    #[test]
    fn phases_parse_and_reject() {
        assert_eq!(
            phases("negative,examples").unwrap(),
            vec![Phase::Examples, Phase::Negative]
        );
        assert!(phases("fuzz").unwrap_err().contains("unknown phase `fuzz`"));
    }

    #[test]
    fn shell_words() {
        assert_eq!(shell_word("specs/"), "specs/");
        assert_eq!(shell_word("a b'c"), "'a b'\\''c'");
    }
}
