//! The `kontrakt` binary: parse arguments, call the library, print, exit with a documented code.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use kontrakt::ExitStatus;
use kontrakt::bench::Density;
use kontrakt::cli::{BenchArgs, Cli, Command, Format, LintArgs};
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
        Command::Bench(args) => bench_command(&args),
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
    if args.child {
        let Some(path) = args.specs.first() else {
            eprintln!("kontrakt bench --child needs a file");
            return ExitStatus::Failure;
        };
        return match kontrakt::bench::measure_here(path) {
            Ok(sample) => {
                emit(&serde_json::to_string(&sample).unwrap_or_default());
                ExitStatus::Clean
            }
            Err(e) => {
                eprintln!("{e}");
                ExitStatus::Failure
            }
        };
    }
    let mut specs = args.specs.clone();
    let _dir;
    let generated = [
        (args.generate_mb, Density::Realistic, "generated"),
        (args.generate_dense_mb, Density::Dense, "generated-dense"),
    ];
    if generated.iter().any(|(mb, _, _)| mb.is_some()) {
        let dir = match tempfile_dir() {
            Ok(d) => d,
            Err(e) => {
                eprintln!("kontrakt bench: {e}");
                return ExitStatus::Failure;
            }
        };
        for (mb, density, name) in generated {
            let Some(mb) = mb else { continue };
            let path = dir.join(format!("{name}-{mb}mb.json"));
            let text = kontrakt::bench::generate_spec(mb * 1_000_000, density);
            if let Err(e) = std::fs::write(&path, text) {
                eprintln!("kontrakt bench: cannot write {}: {e}", path.display());
                return ExitStatus::Failure;
            }
            specs.push(path);
        }
        _dir = TempDir(dir);
    }
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("kontrakt bench: cannot find own executable: {e}");
            return ExitStatus::Failure;
        }
    };
    match kontrakt::bench::run(&exe, &specs, args.runs) {
        Ok(table) => {
            emit(&table);
            ExitStatus::Clean
        }
        Err(e) => {
            eprintln!("kontrakt bench: {e}");
            ExitStatus::Failure
        }
    }
}

/// A scratch folder removed when dropped.
struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tempfile_dir() -> std::io::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("kontrakt-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
