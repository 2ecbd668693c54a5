//! The `kontrakt` binary: parse arguments, call the library, print, exit with a documented code.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use kontrakt::ExitStatus;
use kontrakt::cli::{BenchArgs, CertsArgs, Cli, Command, Format, LintArgs};
use kontrakt::lint::{self, rules::RULES};

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
    };
    ExitCode::from(status.code() as u8)
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
