//! `kontrakt mock` as a command: options from arguments, the banner (address, routes, notices),
//! and serving until interrupted.

use std::net::SocketAddr;
use std::sync::Arc;

use crate::cli::MockArgs;
use crate::exit::ExitStatus;

use super::ratelimit::RateSpec;
use super::server::{Mock, MockOptions, start};

/// Runs the mock until Ctrl-C. Errors before serving (bad spec, bad option, busy port) exit 2.
pub fn command(args: &MockArgs) -> ExitStatus {
    match run(args) {
        Ok(()) => ExitStatus::Clean,
        Err(e) => {
            eprintln!("kontrakt mock: {e}");
            ExitStatus::Failure
        }
    }
}

pub fn options(args: &MockArgs) -> Result<MockOptions, String> {
    let rate = match &args.rate {
        Some(r) => Some(RateSpec::parse(r, args.burst)?),
        None if args.burst.is_some() => return Err("--burst needs --rate".into()),
        None => None,
    };
    let mut options = MockOptions {
        seed: args.seed,
        stateful: !args.stateless,
        enforce_auth: !args.no_auth,
        tokens: args.tokens.clone(),
        rate,
        max_body: args.max_body,
        max_upload: args.max_upload,
        data: args.data.clone(),
        ..MockOptions::default()
    };
    if let Some(dir) = &args.upload_dir {
        options.upload_dir = dir.clone();
    }
    Ok(options)
}

fn run(args: &MockArgs) -> Result<(), String> {
    let options = options(args)?;
    let addr: SocketAddr = format!("{}:{}", args.host, args.port)
        .parse()
        .or_else(|_| format!("[{}]:{}", args.host, args.port).parse())
        .map_err(|_| format!("--host {} is not an IP address", args.host))?;
    let mock = Arc::new(Mock::new(&args.specs, options)?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    runtime.block_on(async {
        let running = start(mock.clone(), addr, None)
            .await
            .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
        print!(
            "{}",
            banner(&mock, &format!("http://{}", running.addr), args.routes)
        );
        let _ = tokio::signal::ctrl_c().await;
        running.stop().await;
        Ok(())
    })
}

/// What the mock tells its user at start: where it listens, what it serves, what it cannot.
pub fn banner(mock: &Mock, url: &str, routes: bool) -> String {
    let mut out = format!("kontrakt mock listening on {url}\n");
    for spec in &mock.app.specs {
        let n = mock
            .app
            .ops
            .iter()
            .filter(|o| mock.app.specs[o.spec].path == spec.path)
            .count();
        out.push_str(&format!(
            "  {} {} ({} operation{}) from {}\n",
            spec.title,
            spec.version,
            n,
            if n == 1 { "" } else { "s" },
            spec.path.display()
        ));
    }
    if routes {
        out.push_str("routes:\n");
        for r in mock.app.routes() {
            out.push_str(&format!("  {r}\n"));
        }
    } else {
        out.push_str(&format!(
            "{} routes (list them with --routes or GET {url}/__kontrakt/routes)\n",
            mock.app.ops.len()
        ));
    }
    if !mock.app.notices.is_empty() {
        out.push_str(&format!("{} notices:\n", mock.app.notices.len()));
        for n in &mock.app.notices {
            out.push_str(&format!("  {n}\n"));
        }
    }
    out
}
