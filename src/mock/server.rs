//! The mock's process side: options, the shared state every request sees, the accept loop
//! (plain TCP or TLS with client certificates), and the limits that keep it up under abuse:
//! header size, header and body timeouts, body size, and a cap on concurrent connections.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use rustls::pki_types::CertificateDer;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};

use super::app::{CompileOptions, MockApp};
use super::gate::Gate;
use super::handler;
use super::ratelimit::{Limiter, RateSpec};
use super::state::{self, Role, Store};
use super::upload::{Blobs, Declared};

/// Everything `kontrakt mock` can be told.
#[derive(Debug, Clone)]
pub struct MockOptions {
    pub seed: u64,
    pub stateful: bool,
    /// Enforce the specs' security requirements (401/403).
    pub enforce_auth: bool,
    pub tokens: Vec<String>,
    pub rate: Option<RateSpec>,
    /// Largest non-upload body read into memory.
    pub max_body: usize,
    /// Largest upload (streamed to disk).
    pub max_upload: u64,
    pub upload_dir: PathBuf,
    pub body_timeout: Duration,
    pub header_timeout: Duration,
    pub max_connections: usize,
    pub data: Option<PathBuf>,
    pub token_path: String,
    /// Check client certificates against the OCES3 conventions (403 when they break them).
    pub oces: Option<crate::tls::oces::OcesPolicy>,
    /// Registered OAuth clients and token settings (from `--config`).
    pub auth: crate::auth::AuthConfig,
}

impl Default for MockOptions {
    fn default() -> Self {
        MockOptions {
            seed: 0,
            stateful: true,
            enforce_auth: true,
            tokens: Vec::new(),
            rate: None,
            max_body: 16 * 1024 * 1024,
            max_upload: 3_000_000_000,
            upload_dir: super::app::default_upload_dir(),
            body_timeout: Duration::from_secs(30),
            header_timeout: Duration::from_secs(10),
            max_connections: 1024,
            data: None,
            token_path: "/oauth2/token".into(),
            oces: None,
            auth: crate::auth::AuthConfig::default(),
        }
    }
}

/// What a request knows about its connection.
#[derive(Debug, Clone)]
pub struct Conn {
    pub peer: SocketAddr,
    /// The verified client certificate chain (leaf first), when TLS asked for one.
    pub client_certs: Vec<CertificateDer<'static>>,
}

/// The mock: compiled specs plus everything requests share.
pub struct Mock {
    pub app: MockApp,
    pub options: MockOptions,
    store: Mutex<Store>,
    pub blobs: Blobs,
    pub limiter: Option<Limiter>,
    /// Counts `Prefer: dynamic` requests, so each gets a new value and a run is reproducible.
    pub dynamic: AtomicU64,
    pub gate: Gate,
    /// Records from `--data` and from list examples, restored by a reset.
    initial: Vec<(String, String, Value)>,
}

impl Mock {
    /// Compiles the specs and seeds the state. A bad `--data` file is an error naming its
    /// place; problems in the specs are notices (see `app.notices`).
    pub fn new(paths: &[PathBuf], options: MockOptions) -> Result<Mock, String> {
        let app = MockApp::build(
            paths,
            &CompileOptions {
                seed: options.seed,
                stateful: options.stateful,
            },
        )?;
        let mut initial = Vec::new();
        if options.stateful {
            initial.extend(example_records(&app));
            if let Some(path) = &options.data {
                initial.extend(data_records(&app, path)?);
            }
        } else if let Some(path) = &options.data {
            return Err(format!(
                "{}: --data needs state, which --stateless turns off",
                path.display()
            ));
        }
        let mock = Mock {
            limiter: options.rate.map(Limiter::new),
            blobs: Blobs::new(options.upload_dir.clone(), options.max_upload),
            gate: Gate::new(
                options.enforce_auth,
                options.token_path.clone(),
                options.auth.clone(),
                &options.tokens,
                app.specs
                    .iter()
                    .map(|s| crate::auth::SecuritySchemes::from_spec(&s.spec).0)
                    .collect(),
            ),
            app,
            options,
            store: Mutex::new(Store::new()),
            dynamic: AtomicU64::new(0),
            initial,
        };
        mock.reset()?;
        Ok(mock)
    }

    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Back to the state at start: seeded records only, no uploads.
    pub fn reset(&self) -> Result<(), String> {
        let mut store = self.store();
        store.clear();
        for (collection, id, record) in &self.initial {
            store.insert(collection, id, record.clone());
        }
        drop(store);
        self.blobs.clear();
        Ok(())
    }

    /// What the state says about document `id` (size, checksum, PDF), for uploads.
    pub fn declared(&self, id: &str) -> Declared {
        self.store()
            .find_by_id(id)
            .map(|r| Declared::from_record(&r.value))
            .unwrap_or_default()
    }
}

/// Items of list examples of top-level collections, so a fresh mock lists and reads the same
/// records the spec shows.
fn example_records(app: &MockApp) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for op in &app.ops {
        let Some(Role::List {
            id_field: Some(field),
        }) = &op.role
        else {
            continue;
        };
        if op.template.contains('{') {
            continue;
        }
        let Some(media) = op.success().and_then(|e| e.media.first()) else {
            continue;
        };
        let Some(list) = &media.list else { continue };
        let Some(default) = &media.default else {
            continue;
        };
        let items = match &list.property {
            None => default.as_array(),
            Some(p) => default.get(p).and_then(Value::as_array),
        };
        for item in items.into_iter().flatten() {
            if let Some(id) = item.get(field).and_then(state::id_text) {
                out.push((op.template.clone(), id, item.clone()));
            }
        }
    }
    out
}

/// Records from a `--data` file: `{collection path: [record, ...]}`, each record carrying the
/// collection's id field.
fn data_records(
    app: &MockApp,
    path: &std::path::Path,
) -> Result<Vec<(String, String, Value)>, String> {
    let file = crate::spec::load::read_document(path).map_err(|e| e.to_string())?;
    let at = |ptr: &str| {
        file.position(ptr, crate::spec::source::Anchor::Key)
            .to_string()
    };
    let Value::Object(collections) = &file.value else {
        return Err(format!(
            "{}: the data file must map collection paths to lists of records",
            at("")
        ));
    };
    let mut out = Vec::new();
    for (collection, records) in collections {
        let ptr = format!("/{}", collection.replace('~', "~0").replace('/', "~1"));
        let id_field = match app.router.route("GET", collection) {
            super::router::Match::Found { op, .. } => match &app.ops[op].role {
                Some(Role::List { id_field }) => id_field.clone(),
                _ => {
                    return Err(format!(
                        "{}: {collection} is not a collection the mock keeps state for (it needs a POST on it and a GET on {collection}/{{id}})",
                        at(&ptr)
                    ));
                }
            },
            _ => {
                return Err(format!(
                    "{}: no served operation lists {collection}",
                    at(&ptr)
                ));
            }
        };
        let Some(field) = id_field else {
            return Err(format!(
                "{}: the mock cannot tell which field of {collection}'s records is the id",
                at(&ptr)
            ));
        };
        let Value::Array(items) = records else {
            return Err(format!("{}: expected a list of records", at(&ptr)));
        };
        for (i, item) in items.iter().enumerate() {
            let Some(id) = item.get(&field).and_then(state::id_text) else {
                return Err(format!(
                    "{}: the record has no `{field}` (the collection's id field)",
                    at(&format!("{ptr}/{i}"))
                ));
            };
            out.push((
                collection.trim_end_matches('/').to_string(),
                id,
                item.clone(),
            ));
        }
    }
    Ok(out)
}

/// A running mock: its address and a handle to stop it.
pub struct Running {
    pub addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        let _ = self.task.await;
    }
}

/// Listens on `addr` and serves until stopped.
pub async fn start(
    mock: Arc<Mock>,
    addr: SocketAddr,
    tls: Option<Arc<rustls::ServerConfig>>,
) -> std::io::Result<Running> {
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    mock.gate
        .bind(&format!("{scheme}://{addr}"))
        .map_err(std::io::Error::other)?;
    let (tx, rx) = watch::channel(false);
    let task = tokio::spawn(accept_loop(mock, listener, tls, rx));
    Ok(Running {
        addr,
        shutdown: tx,
        task,
    })
}

async fn accept_loop(
    mock: Arc<Mock>,
    listener: TcpListener,
    tls: Option<Arc<rustls::ServerConfig>>,
    mut shutdown: watch::Receiver<bool>,
) {
    let permits = Arc::new(Semaphore::new(mock.options.max_connections));
    let acceptor = tls.map(tokio_rustls::TlsAcceptor::from);
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = shutdown.changed() => return,
        };
        let Ok((stream, peer)) = accepted else {
            // Out of file descriptors and the like: back off instead of spinning.
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            // Over the connection cap: close at once rather than queue without bound.
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let mock = mock.clone();
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            let _permit = permit;
            match acceptor {
                None => {
                    serve_connection(
                        mock,
                        TokioIo::new(stream),
                        Conn {
                            peer,
                            client_certs: Vec::new(),
                        },
                    )
                    .await
                }
                Some(acceptor) => {
                    let timeout = mock.options.header_timeout;
                    let Ok(Ok(tls)) = tokio::time::timeout(timeout, acceptor.accept(stream)).await
                    else {
                        return;
                    };
                    let client_certs = tls
                        .get_ref()
                        .1
                        .peer_certificates()
                        .map(|c| c.iter().map(|c| c.clone().into_owned()).collect())
                        .unwrap_or_default();
                    serve_connection(mock, TokioIo::new(tls), Conn { peer, client_certs }).await
                }
            }
        });
    }
}

async fn serve_connection<I>(mock: Arc<Mock>, io: I, conn: Conn)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let conn = Arc::new(conn);
    let header_timeout = mock.options.header_timeout;
    let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
        let mock = mock.clone();
        let conn = conn.clone();
        let with_body = super::http::has_body(req.headers());
        async move {
            let mut response = handler::handle(&mock, req, &conn).await;
            // Refused before its body was read (too large, unauthorised, unknown route, rate
            // limited): the unread bytes make the connection unusable, so say it closes
            // rather than let the client reuse it and lose its next request.
            if with_body && refused_unread(response.status().as_u16()) {
                response.headers_mut().insert(
                    hyper::header::CONNECTION,
                    hyper::header::HeaderValue::from_static("close"),
                );
            }
            Ok::<_, std::convert::Infallible>(response)
        }
    });
    let _ = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        // Request line and headers beyond 64 KiB are refused (431 by hyper).
        .max_buf_size(64 * 1024)
        .max_headers(100)
        .serve_connection(io, service)
        .await;
}

/// Statuses the mock may give before reading a request body.
fn refused_unread(status: u16) -> bool {
    matches!(
        status,
        401 | 403 | 404 | 405 | 408 | 411 | 413 | 415 | 429 | 431
    ) || status >= 500
}
