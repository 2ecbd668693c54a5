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
    if let Some(path) = &args.config {
        options.auth = auth_config(path)?;
    }
    if args.require_oces {
        if let Some(cvr) = &args.oces_cvr
            && !crate::spec::validate::is_cvr(cvr)
        {
            return Err(format!(
                "--oces-cvr {cvr} is not a CVR number (8 digits, not starting with 0)"
            ));
        }
        options.oces = Some(crate::tls::oces::OcesPolicy {
            expected_cvr: args.oces_cvr.clone(),
            allow_employee: false,
        });
    }
    Ok(options)
}

/// The `auth` section of a config file; every error names file, line and column.
pub fn auth_config(path: &std::path::Path) -> Result<crate::auth::AuthConfig, String> {
    let file = crate::spec::load::read_document(path).map_err(|e| e.to_string())?;
    let Some(section) = file.value.get("auth") else {
        return Err(format!(
            "{}: the config file has no `auth` section",
            file.position("", crate::spec::source::Anchor::Key)
        ));
    };
    let base = path.parent().unwrap_or(std::path::Path::new("."));
    crate::auth::AuthConfig::from_value(section, "/auth", base).map_err(|errors| {
        errors
            .0
            .iter()
            .map(|e| {
                format!(
                    "{}: {}",
                    file.position(&e.pointer, crate::spec::source::Anchor::Value),
                    e.message
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    })
}

/// The TLS configuration the arguments ask for, if any. Bad files are errors naming the file.
pub fn tls(args: &MockArgs) -> Result<Option<Arc<rustls::ServerConfig>>, String> {
    let Some(cert) = &args.tls_cert else {
        return Ok(None);
    };
    let password = match &args.tls_password_env {
        Some(var) => Some(crate::tls::identity::Password::new(
            std::env::var(var).map_err(|_| {
                format!("--tls-password-env {var}: the environment variable is not set")
            })?,
        )),
        None => None,
    };
    crate::tls::server::server_config(&crate::tls::server::ServerTlsOptions {
        cert: cert.clone(),
        key: args.tls_key.clone(),
        password,
        client_ca: args.client_ca.clone(),
    })
    .map(Some)
    .map_err(|e| e.to_string())
}

fn run(args: &MockArgs) -> Result<(), String> {
    let options = options(args)?;
    let tls = tls(args)?;
    let scheme = if tls.is_some() { "https" } else { "http" };
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
        let running = start(mock.clone(), addr, tls)
            .await
            .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
        print!(
            "{}",
            banner(&mock, &format!("{scheme}://{}", running.addr), !args.quiet)
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
            "{} routes (GET {url}/__kontrakt/routes lists them)\n",
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
