//! Helpers shared by the integration tests: fixture paths, temp files, running the binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `tests/fixtures` in the source tree.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Writes `contents` to `dir/name` (creating folders) and returns the path.
pub fn write(dir: &Path, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create fixture folder");
    }
    std::fs::write(&path, contents).expect("write fixture file");
    path
}

/// A fresh temporary folder, removed when dropped.
pub fn temp_dir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("kontrakt-test-")
        .tempdir()
        .expect("create temp dir")
}

/// Runs the `kontrakt` binary with `args` in `cwd`.
pub fn kontrakt(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kontrakt"))
        .args(args)
        .current_dir(cwd)
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("run the kontrakt binary")
}

/// Exit code, stdout and stderr in one text, for snapshots and assertion messages.
pub fn transcript(output: &Output) -> String {
    format!(
        "exit: {}\n----- stdout -----\n{}----- stderr -----\n{}",
        output
            .status
            .code()
            .map_or_else(|| "signal".to_string(), |c| c.to_string()),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    )
}

/// The 1-based line of the first line of `text` containing `needle`.
pub fn line_of(text: &str, needle: &str) -> u32 {
    text.lines()
        .position(|l| l.contains(needle))
        .map(|i| i as u32 + 1)
        .unwrap_or_else(|| panic!("`{needle}` not found in the text"))
}

/// A minimal valid OpenAPI 3.0.3 document with one operation.
pub const MINIMAL_30: &str = "\
openapi: 3.0.3
info:
  title: Sager
  version: 1.0.0
paths:
  /sager:
    get:
      responses:
        '200':
          description: Sagerne
";

/// [`kontrakt`] with extra environment variables.
pub fn kontrakt_env(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kontrakt"));
    cmd.args(args).current_dir(cwd).env_remove("RUST_BACKTRACE");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run the kontrakt binary")
}

/// Serves `handle` over HTTP/1.1 on 127.0.0.1:0 until `runtime` is dropped: the test servers'
/// accept loop in one place.
pub fn serve_http<F, Fut>(runtime: &tokio::runtime::Runtime, handle: F) -> std::net::SocketAddr
where
    F: Fn(hyper::Request<hyper::body::Incoming>) -> Fut + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = hyper::Response<http_body_util::Full<bytes::Bytes>>>
        + Send
        + 'static,
{
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let handle = handle.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        let handle = handle.clone();
                        async move { Ok::<_, std::convert::Infallible>(handle(req).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        addr
    })
}
