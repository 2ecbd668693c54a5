//! `kontrakt cleanup`: deletes what a run left behind on a target, from its ledger.
//!
//! The test environment is shared; a run that was interrupted, or whose chains could not delete
//! what they made, leaves data other vendors see. Cleanup reads the ledger (see
//! [`super::ledger`]), sends each outstanding resource's `DELETE` newest first (children before
//! their parents) through the same [`Sender`] as `kontrakt test` (rate limit, credentials), and
//! appends a `removed` line for each resource that is gone — `404` and `410` mean it already
//! was — so running it again does nothing. A delete refused with 428 or 412 is retried once
//! with `If-Match` set to the `ETag` a `GET` of the resource returns. Resources whose path has no `DELETE` in the spec are
//! listed as left behind; they do not make the exit code 1 (nothing could remove them).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::auth::AuthSession;
use super::command::{CredentialArgs, load_config, profile};
use super::http::{ClientOptions, Credentials, HttpClient, Sender, load_identity};
use super::ledger::{self, Entry, Ledger};
use super::limiter::{Limiter, RateSpec};
use crate::cli::CleanupArgs;
use crate::exchange::{Outcome, Request};
use crate::exit::ExitStatus;

pub fn command(args: &CleanupArgs) -> ExitStatus {
    match run(args) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("kontrakt cleanup: {e}");
            ExitStatus::Failure
        }
    }
}

/// The recorded URL with the recorded target replaced by `--target` (its base path kept).
fn retarget(url: &str, recorded: &str, target: Option<&str>) -> String {
    match target {
        None => url.to_string(),
        Some(t) => {
            let recorded_origin = crate::config::origin_of(recorded);
            match url.strip_prefix(&recorded_origin) {
                Some(rest) => format!("{}{rest}", t.trim_end_matches('/')),
                None => url.to_string(),
            }
        }
    }
}

fn run(args: &CleanupArgs) -> Result<ExitStatus, String> {
    let path: PathBuf = match &args.ledger {
        Some(p) => p.clone(),
        None => ledger::newest(&args.reports).map_err(|e| e.to_string())?,
    };
    let contents = ledger::read(&path).map_err(|e| e.to_string())?;
    let outstanding = contents.outstanding();
    if let Some(t) = &args.target
        && !(t.starts_with("http://") || t.starts_with("https://"))
    {
        return Err(format!("target `{t}` is not an http:// or https:// URL"));
    }
    let distinct: std::collections::HashSet<&str> = contents
        .created
        .iter()
        .filter_map(|e| match e {
            Entry::Created { resource, .. } => Some(resource.as_str()),
            Entry::Removed { .. } => None,
        })
        .collect();
    eprintln!(
        "kontrakt cleanup: {}: {} created, {} already removed, {} to delete",
        path.display(),
        distinct.len(),
        distinct.len() - outstanding.len(),
        outstanding.len()
    );
    if outstanding.is_empty() {
        return Ok(ExitStatus::Clean);
    }
    if args.dry_run {
        for e in &outstanding {
            if let Entry::Created {
                target,
                resource,
                delete,
                ..
            } = e
            {
                println!(
                    "{} {}",
                    delete.as_ref().map_or("(no DELETE)", |d| d.method.as_str()),
                    retarget(resource, target, args.target.as_deref())
                );
            }
        }
        return Ok(ExitStatus::Clean);
    }
    let rate = match &args.rate {
        Some(r) => Some(
            r.parse::<RateSpec>()
                .map_err(|e| format!("--rate {r}: {e}"))?,
        ),
        None => None,
    };
    let config = load_config(args.config.as_deref())?;
    let environment = match &args.environment {
        Some(n) => Some(config.environment(n).map_err(|e| e.to_string())?.clone()),
        None => None,
    };
    let profile = profile(
        CredentialArgs {
            profile: args.profile.as_deref(),
            token_env: args.token_env.as_deref(),
            client_cert: args.client_cert.as_deref(),
            client_key: args.client_key.as_deref(),
            client_cert_password_env: args.client_cert_password_env.as_deref(),
        },
        &config,
        environment.as_ref(),
    )?;
    let identity = match profile.as_ref().and_then(|p| p.client_cert.as_ref()) {
        Some(c) => Some(load_identity(c).map_err(|e| e.to_string())?),
        None => None,
    };
    let client = HttpClient::new(&ClientOptions {
        timeout: Duration::from_secs(args.timeout.max(1)),
        identity,
        ca_file: args
            .ca_file
            .clone()
            .or_else(|| environment.as_ref().and_then(|e| e.ca_file.clone())),
        max_body: 64 * 1024,
    })
    .map_err(|e| e.to_string())?;
    let limiter = Limiter::new(rate.or_else(|| environment.as_ref().and_then(|e| e.rate)));
    let auth = match &profile {
        Some(p) if p.bearer.is_some() || p.oauth.is_some() => {
            Some(AuthSession::new(p, client.clone(), limiter.clone()).map_err(|e| e.to_string())?)
        }
        _ => None,
    };
    let sender = Sender::new(
        client,
        limiter,
        auth,
        Duration::from_secs(600),
        Arc::new(|_| {}),
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let writer = Ledger::open(&path).map_err(|e| e.to_string())?;
    let (mut removed, mut failed, mut kept) = (0usize, 0usize, 0usize);
    for e in outstanding {
        let Entry::Created {
            target,
            resource,
            delete,
            ..
        } = e
        else {
            continue;
        };
        let Some(delete) = delete else {
            // Nothing kontrakt can do: listed, not counted as a failure.
            eprintln!("  left {resource}: the spec has no DELETE for its path");
            kept += 1;
            continue;
        };
        let url = retarget(&delete.url, target, args.target.as_deref());
        let request = Request {
            method: delete.method.clone(),
            url: url.clone(),
            headers: Vec::new(),
            body: Vec::new(),
        };
        let mut sent = runtime.block_on(sender.send(request.clone(), Credentials::Apply));
        // A conditional delete (428 Precondition Required, 412 Precondition Failed): read the
        // resource's current entity tag and send it as If-Match, once.
        if let Ok((_, Outcome::Response(r))) = &sent
            && (r.status == 428 || r.status == 412)
            && let Ok((_, Outcome::Response(g))) =
                runtime.block_on(sender.send(read_request(&url), Credentials::Apply))
        {
            match g.header("etag") {
                Some(tag) => {
                    let mut retry = request;
                    retry.headers.push(("If-Match".into(), tag.to_string()));
                    sent = runtime.block_on(sender.send(retry, Credentials::Apply));
                }
                // Already gone: the read says so.
                None if g.status == 404 || g.status == 410 => {
                    sent = Ok((read_request(&url), Outcome::Response(g)));
                }
                None => {}
            }
        }
        match sent {
            Ok((_, Outcome::Response(r)))
                if (200..300).contains(&r.status) || r.status == 404 || r.status == 410 =>
            {
                removed += 1;
                println!("removed {url} ({})", r.status);
                writer
                    .append(&Entry::Removed {
                        at: ledger::timestamp(),
                        resource: resource.clone(),
                    })
                    .map_err(|e| e.to_string())?;
            }
            Ok((_, Outcome::Response(r))) => {
                failed += 1;
                eprintln!(
                    "  cannot remove {url}: {} answered {}",
                    delete.operation, r.status
                );
            }
            Ok((_, Outcome::Transport(cause))) => {
                failed += 1;
                eprintln!("  cannot remove {url}: {cause}");
            }
            Err(e) => return Err(format!("{e} (removed {removed} before stopping)")),
        }
    }
    eprintln!(
        "kontrakt cleanup: {removed} removed, {failed} could not be{}",
        if kept > 0 {
            format!(", {kept} left (no DELETE operation in the spec)")
        } else {
            String::new()
        }
    );
    Ok(if failed > 0 {
        ExitStatus::Findings
    } else {
        ExitStatus::Clean
    })
}

fn read_request(url: &str) -> Request {
    Request {
        method: "GET".into(),
        url: url.to_string(),
        headers: Vec::new(),
        body: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retargeting_keeps_the_path() {
        assert_eq!(
            retarget(
                "http://a:1/api/v1/x/2",
                "http://a:1/api",
                Some("http://b:2/")
            ),
            "http://b:2/api/v1/x/2"
        );
        assert_eq!(retarget("http://a:1/x", "http://a:1", None), "http://a:1/x");
    }
}
