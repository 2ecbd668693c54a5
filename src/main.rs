//! The `kontrakt` binary: parse arguments, call the library, print, exit with a documented code.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use kontrakt::ExitStatus;
use kontrakt::cli::{
    BenchArgs, CertsArgs, Cli, Command, DiffArgs, FailOn, Format, LintArgs, MergeArgs, RenderArgs,
    ReportCommand,
};
use kontrakt::diff;
use kontrakt::lint::{self, rules::RULES};

/// A spec is parsed into millions of small strings and maps; mimalloc allocates and frees them
/// in about half the time of the system allocator (`cargo bench --bench diff`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // Help and version are successes; anything else is a usage error.
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let status = match cli.command {
        Command::Lint(args) => lint_command(&args),
        Command::Mock(args) => kontrakt::mock::cli::command(&args),
        Command::Bench(args) => bench_command(&args),
        Command::Certs(args) => certs_command(&args),
        Command::Diff(args) => diff_command(&args),
        Command::Test(args) => kontrakt::run::command::command(&args),
        Command::Cleanup(args) => kontrakt::run::cleanup::command(&args),
        Command::Readiness(args) => kontrakt::report::readiness::command::command(&args),
        Command::Report(ReportCommand::Merge(args)) => merge_command(&args),
        Command::Report(ReportCommand::Render(args)) => render_command(&args),
    };
    ExitCode::from(status.code() as u8)
}

/// `kontrakt report merge`: checks that the files are all shards of one run, merges them and
/// writes every requested format; any refusal is one line and exit 2, with nothing written.
fn merge_command(args: &MergeArgs) -> ExitStatus {
    use kontrakt::report::merge;
    let fail = |e: &dyn std::fmt::Display| {
        eprintln!("kontrakt report merge: {e}");
        ExitStatus::Failure
    };
    let formats = match kontrakt::report::Format::parse_list(&args.report) {
        Ok(f) if !f.is_empty() => f,
        Ok(_) => return fail(&"--report: no format given"),
        Err(e) => return fail(&format!("--report: {e}")),
    };
    let shards = match merge::read_all(&args.shards) {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    // Refused before a folder is made, so a refusal leaves nothing behind.
    if let Err(e) = merge::check(&shards) {
        return fail(&e);
    }
    let now = kontrakt::report::model::now_unix_ms();
    let (dir, id, fresh) = match &args.out {
        Some(dir) => (dir.clone(), merge::merged_id(now), false),
        None => match merge::new_dir(&args.reports, now) {
            Ok((dir, id)) => (dir, id, true),
            Err(e) => return fail(&e),
        },
    };
    let count = shards.len();
    let report = match merge::merge(shards, id) {
        Ok(r) => r,
        Err(e) => {
            if fresh {
                let _ = std::fs::remove_dir(&dir);
            }
            return fail(&e);
        }
    };
    match merge::write_all(&report, &dir, &formats, fresh) {
        Ok(written) => {
            let s = &report.summary;
            eprintln!(
                "kontrakt: merged {count} shards: {} tests ({} passed, {} failed, {} skipped), {} requests; written to {}: {}",
                s.tests,
                s.passed,
                s.failed,
                s.skipped,
                s.exchanges,
                dir.display(),
                file_names(&written)
            );
            ExitStatus::Clean
        }
        Err(e) => fail(&e),
    }
}

/// `kontrakt report render`: a saved JSON report written again in other formats.
fn render_command(args: &RenderArgs) -> ExitStatus {
    let fail = |e: &dyn std::fmt::Display| {
        eprintln!("kontrakt report render: {e}");
        ExitStatus::Failure
    };
    let formats = match kontrakt::report::Format::parse_list(&args.report) {
        Ok(f) if !f.is_empty() => f,
        Ok(_) => return fail(&"--report: no format given"),
        Err(e) => return fail(&format!("--report: {e}")),
    };
    let report = match kontrakt::report::json::read(&args.report_file) {
        Ok(r) => r,
        Err(e) => return fail(&e),
    };
    let dir = match &args.out {
        Some(d) => d.clone(),
        None => match args.report_file.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => std::path::PathBuf::from("."),
        },
    };
    match kontrakt::report::merge::write_all(&report, &dir, &formats, false) {
        Ok(written) => {
            eprintln!(
                "kontrakt: written to {}: {}",
                dir.display(),
                file_names(&written)
            );
            ExitStatus::Clean
        }
        Err(e) => fail(&e),
    }
}

fn file_names(paths: &[std::path::PathBuf]) -> String {
    paths
        .iter()
        .filter_map(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Writes to stdout; a closed pipe (`kontrakt lint … | head`) is not an error.
fn emit(text: &str) -> bool {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => true,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => false,
        Err(e) => {
            eprintln!("kontrakt: cannot write output: {e}");
            false
        }
    }
}

fn lint_command(args: &LintArgs) -> ExitStatus {
    if let Some(id) = &args.explain {
        let Some(rule) = RULES.iter().find(|r| r.id == id) else {
            let ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
            eprintln!(
                "error: no lint rule `{id}`; the rules are: {}",
                ids.join(", ")
            );
            return ExitStatus::Failure;
        };
        emit(&format!(
            "{} ({})\n\n{}\n\nWhy it matters: {}\n\nExample: {}\n\nFix: {}\n",
            rule.id,
            rule.severity.as_str(),
            rule.summary,
            rule.why,
            rule.example,
            rule.fix
        ));
        return ExitStatus::Clean;
    }
    if args.rules {
        let mut text = String::new();
        for r in RULES {
            text.push_str(&format!(
                "{:<32} {:<8} {}\n",
                r.id,
                r.severity.as_str(),
                r.summary
            ));
        }
        emit(&text);
        return ExitStatus::Clean;
    }
    let reports = lint::lint_paths(&args.specs);
    if reports.is_empty() {
        eprintln!(
            "error: no OpenAPI documents found in {} (a document declares `openapi:` at the top level)",
            args.specs
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
        return ExitStatus::Failure;
    }
    let rendered = match args.format {
        Format::Text => lint::render::text(&reports),
        Format::Json => {
            let mut s =
                serde_json::to_string_pretty(&lint::render::json(&reports)).unwrap_or_default();
            s.push('\n');
            s
        }
    };
    emit(&rendered);
    let summary = lint::run::Summary::of(&reports);
    if summary.failed > 0 {
        ExitStatus::Failure
    } else if summary.errors > 0 {
        ExitStatus::Findings
    } else {
        ExitStatus::Clean
    }
}

fn bench_command(args: &BenchArgs) -> ExitStatus {
    match kontrakt::bench::command(args) {
        Ok(text) => {
            emit(&text);
            ExitStatus::Clean
        }
        Err(e) => {
            eprintln!("kontrakt bench: {e}");
            ExitStatus::Failure
        }
    }
}

fn certs_command(args: &CertsArgs) -> ExitStatus {
    match kontrakt::tls::command::certs(args) {
        Ok(text) => {
            emit(&text);
            ExitStatus::Clean
        }
        Err(e) => {
            eprintln!("kontrakt certs: {e}");
            ExitStatus::Failure
        }
    }
}

/// `kontrakt diff --across DIR`: exit 1 when a shared concept drifts, 2 when a spec cannot load.
fn diff_across(dir: &std::path::Path, format: kontrakt::cli::DiffFormat) -> ExitStatus {
    match diff::across::across(dir) {
        Ok(report) => {
            emit(&diff::across::render(&report, format));
            if report.drifts.is_empty() {
                ExitStatus::Clean
            } else {
                ExitStatus::Findings
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitStatus::Failure
        }
    }
}

fn diff_command(args: &DiffArgs) -> ExitStatus {
    let rules = diff::rules::RULES;
    if let Some(id) = &args.explain {
        let Some(rule) = rules.iter().find(|r| r.id == id) else {
            eprintln!("error: no diff rule `{id}`; `kontrakt diff --rules` lists them");
            return ExitStatus::Failure;
        };
        emit(&format!(
            "{} ({}, {})\n\n{}\n\nWhy: {}\n\nExample: {}\n\nHow to evolve safely: {}\n{}",
            rule.id,
            rule.level.as_str(),
            rule.direction.as_str(),
            rule.summary,
            rule.why,
            rule.example,
            rule.fix,
            rule.mirror
                .map(|m| format!("\nMirror rule: {m}\n"))
                .unwrap_or_default()
        ));
        return ExitStatus::Clean;
    }
    if args.rules {
        let mut text = String::new();
        for r in rules {
            text.push_str(&format!(
                "{:<52} {:<8} {:<9} {}\n",
                r.id,
                r.level.as_str(),
                r.direction.as_str(),
                r.summary
            ));
        }
        text.push_str(&format!("{} rules\n", rules.len()));
        emit(&text);
        return ExitStatus::Clean;
    }
    if let Some(dir) = &args.across {
        return diff_across(dir, args.format);
    }
    let Some(old) = args.old.clone() else {
        eprintln!("error: OLD is required");
        return ExitStatus::Failure;
    };
    let new = match (&args.new, &args.base) {
        (Some(n), _) => n.clone(),
        (None, Some(_)) => old.clone(),
        (None, None) => {
            eprintln!(
                "error: NEW is required (or give --base REV to compare OLD with a git revision)"
            );
            return ExitStatus::Failure;
        }
    };
    let options = diff::run::Options {
        old,
        new,
        base: args.base.clone(),
        as_of: args.as_of,
        policy: args.policy.clone(),
        waivers: args.waivers.clone(),
    };
    let report = match diff::run::run(&options) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitStatus::Failure;
        }
    };
    let fail_on = match args.fail_on {
        FailOn::Error => diff::Level::Error,
        FailOn::Warning => diff::Level::Warning,
    };
    let rendered = diff::render::render(&report, args.format, fail_on, args.lang);
    emit(&rendered);
    for c in report.comparisons.iter().filter(|c| c.unrelated) {
        eprintln!(
            "warning: `{}` and `{}` have no operation in common; are they versions of the same API?",
            c.old_file.display(),
            c.new_file.display()
        );
    }
    if report.comparisons.iter().any(|c| c.unrelated) {
        return ExitStatus::Failure;
    }
    for w in &report.expired_waivers {
        eprintln!(
            "error: {}: the waiver of `{}` expired on {}",
            w.position, w.fingerprint, w.expires
        );
    }
    if report.fails(fail_on) {
        ExitStatus::Findings
    } else {
        ExitStatus::Clean
    }
}
