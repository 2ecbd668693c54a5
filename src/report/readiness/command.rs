//! `kontrakt readiness` as a command: run the tests (or read earlier reports), classify the
//! environment, read the specs' scopes for the role mapping, build the evidence, write
//! `readiness.json` and `readiness.html`, and exit 0 ready / 1 not ready / 2 impossible.
//! `--verify` recomputes the digests of a written `readiness.json`.
//!
//! This is the only part of the readiness module that touches files or runs anything; the
//! evidence itself is built by the pure [`super::build`].

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::Parser;

use super::digest::{self, sha256_hex};
use super::{EnvKind, Inputs, Lang, Readiness, SCHEMA, build, text};
use crate::cli::{ReadinessArgs, TestArgs};
use crate::exit::ExitStatus;
use crate::report::model::{Report, now_unix_ms, rfc3339};
use crate::report::write::write_atomic;

/// Why the command could not do its job (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error("{0}")]
    Report(#[from] crate::report::ReportError),
    #[error("{0}")]
    Readiness(#[from] super::ReadinessError),
    #[error("the test run could not happen: {0}")]
    Run(String),
    #[error("the test run produced no report")]
    NoReport,
    #[error("{path}: {message}")]
    Evidence { path: PathBuf, message: String },
    #[error("cannot create the output folder {path}: {source}")]
    OutDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("--config: {0}")]
    Config(String),
}

pub fn command(args: &ReadinessArgs) -> ExitStatus {
    let lang = match args.lang {
        crate::cli::Lang::Da => Lang::Da,
        crate::cli::Lang::En => Lang::En,
    };
    if let Some(path) = &args.verify {
        return match verify(path, &args.results) {
            Ok(status) => status,
            Err(e) => {
                eprintln!("kontrakt readiness: {e}");
                ExitStatus::Failure
            }
        };
    }
    match make(args, lang) {
        Ok((readiness, json, html)) => {
            print_summary(&readiness, &json, &html);
            if readiness.verdict.ready {
                ExitStatus::Clean
            } else {
                ExitStatus::Findings
            }
        }
        Err(e) => {
            eprintln!("kontrakt readiness: {e}");
            ExitStatus::Failure
        }
    }
}

/// `kontrakt test`'s arguments for the readiness run: the options given, `--report json` so
/// the underlying report is kept beside the evidence.
#[derive(Parser)]
#[command(name = "kontrakt-readiness-run")]
struct TestArgv {
    #[command(flatten)]
    test: TestArgs,
}

fn test_args(args: &ReadinessArgs) -> Result<TestArgs, CommandError> {
    let mut argv: Vec<OsString> = vec!["kontrakt-readiness-run".into()];
    let mut opt = |name: &str, value: Option<OsString>| {
        if let Some(v) = value {
            argv.push(name.into());
            argv.push(v);
        }
    };
    opt("--target", args.target.clone().map(Into::into));
    opt("--env", args.environment.clone().map(Into::into));
    opt("--config", args.config.clone().map(Into::into));
    opt("--profile", args.profile.clone().map(Into::into));
    opt("--token-env", args.token_env.clone().map(Into::into));
    opt("--client-cert", args.client_cert.clone().map(Into::into));
    opt("--client-key", args.client_key.clone().map(Into::into));
    opt(
        "--client-cert-password-env",
        args.client_cert_password_env.clone().map(Into::into),
    );
    opt("--ca-file", args.ca_file.clone().map(Into::into));
    opt("--seed", args.seed.map(|s| s.to_string().into()));
    opt("--max-examples", Some(args.max_examples.to_string().into()));
    opt("--phases", Some(args.phases.clone().into()));
    opt("--checks", Some(args.checks.clone().into()));
    opt(
        "--max-requests",
        args.max_requests.map(|n| n.to_string().into()),
    );
    opt("--concurrency", Some(args.concurrency.to_string().into()));
    opt("--timeout", Some(args.timeout.to_string().into()));
    opt("--rate", args.rate.clone().map(Into::into));
    opt("--filter", args.filter.clone().map(Into::into));
    for s in &args.skip {
        opt("--skip", Some(s.into()));
    }
    for s in &args.suites {
        opt("--suites", Some(s.into()));
    }
    opt("--reports", Some(args.reports.clone().into()));
    opt("--report", Some("json".into()));
    if args.exact {
        argv.push("--exact".into());
    }
    if args.quiet {
        argv.push("--quiet".into());
    }
    if args.no_progress {
        argv.push("--no-progress".into());
    }
    argv.push("--".into());
    argv.extend(args.specs.iter().map(|p| p.clone().into_os_string()));
    TestArgv::try_parse_from(argv)
        .map(|a| a.test)
        .map_err(|e| CommandError::Run(e.to_string().trim().to_string()))
}

/// Runs or reads, builds, writes; returns the evidence and the two files written.
fn make(args: &ReadinessArgs, lang: Lang) -> Result<(Readiness, PathBuf, PathBuf), CommandError> {
    let mut reports: Vec<Report> = Vec::new();
    let mut files: Vec<Option<PathBuf>> = Vec::new();
    let mut kinds = BTreeMap::new();
    let config = || crate::run::command::load_config(args.config.as_deref());
    if args.results.is_empty() {
        let test = test_args(args)?;
        let (_, report) = crate::run::command::run(&test).map_err(CommandError::Run)?;
        let report = report.ok_or(CommandError::NoReport)?;
        // The report as it reads back from report.json, so its digest is the file's.
        let report = digest::canonical(&report).map_err(crate::report::ReportError::from)?;
        let file = args
            .reports
            .join(&report.run.id)
            .join(crate::report::Format::Json.file_name());
        let kind = if report.run.target == "embedded mock" {
            EnvKind::Mock
        } else if let Some(name) = &args.environment {
            let config = config().map_err(CommandError::Config)?;
            config
                .environment(name)
                .map(|e| env_kind(e.kind))
                .unwrap_or(EnvKind::Unknown)
        } else {
            EnvKind::Unknown
        };
        kinds.insert(report.run.id.clone(), kind);
        files.push(file.is_file().then_some(file));
        reports.push(report);
    } else {
        for path in &args.results {
            let report = crate::report::json::read(path)?;
            files.push(Some(path.clone()));
            reports.push(report);
        }
        // Environments named in the reports are classified by the config, when it has them.
        if let Ok(config) = config() {
            for r in &reports {
                if r.run.target == "embedded mock" {
                    continue;
                }
                if let Some(e) = r
                    .run
                    .environment
                    .as_deref()
                    .and_then(|n| config.environment(n).ok())
                {
                    kinds.insert(r.run.id.clone(), env_kind(e.kind));
                }
            }
        }
    }
    let (scopes, mut notes) = read_scopes(&reports);
    // The roles: the suites given, else (when running) the default `suites/` folder.
    let suites = if args.suites.is_empty() && args.results.is_empty() {
        crate::scenario::default_folder(&args.specs)
            .into_iter()
            .collect()
    } else {
        args.suites.clone()
    };
    let known_roles = suite_roles(&suites);
    for r in &args.roles {
        if r.trim().is_empty() || r.contains("::") {
            return Err(CommandError::Run(format!(
                "--role `{r}`: a role is a scenario suite's name, e.g. likvidator"
            )));
        }
    }
    if reports.len() > 1 {
        notes.push(format!(
            "{} runs combined; each operation shows the latest run that tested it",
            reports.len()
        ));
    }
    let inputs = Inputs {
        environment_kinds: kinds,
        scopes,
        roles: args.roles.clone(),
        known_roles,
        notes,
        generated_at: rfc3339(now_unix_ms()),
        lang: Some(lang),
    };
    let mut readiness = build(&reports, &inputs)?;
    digest::set_report_files(&mut readiness, &files);

    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from("reports").join(format!("readiness-{}", reports[0].run.id))
    });
    std::fs::create_dir_all(&out).map_err(|source| CommandError::OutDir {
        path: out.clone(),
        source,
    })?;
    let json_path = out.join("readiness.json");
    let html_path = out.join("readiness.html");
    let mut json =
        serde_json::to_string_pretty(&readiness).map_err(crate::report::ReportError::from)?;
    json.push('\n');
    write_atomic(&json_path, json.as_bytes())?;
    write_atomic(&html_path, super::html::render(&readiness).as_bytes())?;
    Ok((readiness, json_path, html_path))
}

fn env_kind(kind: crate::config::EnvKind) -> EnvKind {
    match kind {
        crate::config::EnvKind::Mock => EnvKind::Mock,
        crate::config::EnvKind::Test => EnvKind::Test,
        crate::config::EnvKind::Production => EnvKind::Production,
    }
}

/// The names of suite files given with `--suites` (files, or the YAML files in folders).
fn suite_roles(paths: &[PathBuf]) -> Vec<String> {
    let mut out = Vec::new();
    let is_suite = |p: &Path| {
        matches!(
            p.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml" | "json")
        ) && !p
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.ends_with(".schema.json"))
    };
    for p in paths {
        let mut files = Vec::new();
        if p.is_dir() {
            if let Ok(entries) = std::fs::read_dir(p) {
                files.extend(entries.flatten().map(|e| e.path()).filter(|p| p.is_file()));
            }
        } else {
            files.push(p.clone());
        }
        for f in files.into_iter().filter(|f| is_suite(f)) {
            if let Some(stem) = f.file_stem().and_then(|s| s.to_str()) {
                out.push(stem.to_string());
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The OAuth scopes of every operation, from the spec files the reports name, when the file
/// is still the one tested (same SHA-256); notes say which could not be read.
fn read_scopes(reports: &[Report]) -> (BTreeMap<String, Vec<String>>, Vec<String>) {
    let mut scopes = BTreeMap::new();
    let mut notes = Vec::new();
    let mut done = std::collections::BTreeSet::new();
    for r in reports {
        for s in &r.services {
            if !done.insert(s.name.clone()) {
                continue;
            }
            let path = Path::new(&s.file);
            let bytes = match std::fs::read(path) {
                Ok(b) => b,
                Err(_) => {
                    notes.push(format!(
                        "{}: not found; the roles of {} come from the scenario suites only",
                        s.file, s.name
                    ));
                    continue;
                }
            };
            if sha256_hex(&bytes) != s.sha256 {
                notes.push(format!(
                    "{}: changed since run {} (SHA-256 differs); the roles of {} come from the scenario suites only",
                    s.file, r.run.id, s.name
                ));
                continue;
            }
            let spec = match crate::spec::load(path) {
                Ok(spec) => spec,
                Err(e) => {
                    notes.push(format!("{}: {e}", s.file));
                    continue;
                }
            };
            let model = crate::spec::model::build(&spec);
            for op in &model.operations {
                let Some(report_op) = s
                    .operations
                    .iter()
                    .find(|o| o.method == op.method && o.path == op.path)
                else {
                    continue;
                };
                let mut names: Vec<String> = op
                    .security
                    .iter()
                    .flat_map(|req| req.schemes.iter().flat_map(|(_, sc)| sc.iter().cloned()))
                    .collect();
                names.sort();
                names.dedup();
                if !names.is_empty() {
                    scopes.insert(report_op.id.clone(), names);
                }
            }
        }
    }
    (scopes, notes)
}

fn print_summary(r: &Readiness, json: &Path, html: &Path) {
    let l = text::labels(r.lang);
    let count = |f: fn(&super::Status) -> bool| {
        r.services
            .iter()
            .flat_map(|s| &s.operations)
            .filter(|o| f(&o.status))
            .count()
    };
    let total = r.services.iter().map(|s| s.operations.len()).sum::<usize>();
    let passed = count(|s| *s == super::Status::Passed);
    eprintln!(
        "kontrakt readiness: {}: {passed}/{total} {}, {} {}: {}",
        if r.verdict.ready {
            "READY"
        } else {
            l.not_ready
        },
        text::status(r.lang, super::Status::Passed),
        r.not_tested.len(),
        l.not_tested.to_lowercase(),
        r.roles
            .iter()
            .map(|x| x.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    for b in &r.verdict.blockers {
        eprintln!("  - {}", text::blocker(r.lang, b));
    }
    eprintln!("kontrakt readiness: {}", json.display());
    eprintln!("kontrakt readiness: {}", html.display());
}

/// Reads a readiness.json, with line and column (or JSON pointer) on error.
pub fn read(path: &Path) -> Result<Readiness, CommandError> {
    crate::report::json::read_versioned(path, SCHEMA, "readiness evidence").map_err(|message| {
        CommandError::Evidence {
            path: path.to_path_buf(),
            message,
        }
    })
}

fn verify(path: &Path, results: &[PathBuf]) -> Result<ExitStatus, CommandError> {
    let readiness = read(path)?;
    let mut reports = Vec::new();
    for p in results {
        reports.push((p.clone(), crate::report::json::read(p)?));
    }
    let v = digest::verify(&readiness, &reports, |p| {
        crate::report::json::read(p).map_err(|e| e.to_string())
    });
    for line in &v.checked {
        eprintln!("kontrakt readiness: ok: {line}");
    }
    for line in &v.unchecked {
        eprintln!("kontrakt readiness: not checked: {line}");
    }
    if v.mismatches.is_empty() {
        eprintln!("kontrakt readiness: {}: intact", path.display());
        Ok(ExitStatus::Clean)
    } else {
        for line in &v.mismatches {
            eprintln!("kontrakt readiness: {}: {line}", path.display());
        }
        eprintln!(
            "kontrakt readiness: {}: EDITED ({} mismatch(es))",
            path.display(),
            v.mismatches.len()
        );
        Ok(ExitStatus::Findings)
    }
}
