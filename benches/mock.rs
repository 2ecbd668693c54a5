//! Throughput, latency and upload memory of `kontrakt mock` on the bundled specs.
//!
//! The mock runs as its own process (the release binary), as a user runs it; an in-repo load
//! client on loopback keeps `C` keep-alive connections busy for `D` seconds per scenario, like
//! `wrk -c C -d D`. The client shares the machine's cores with the mock, as wrk did when Prism
//! was measured (2,000–3,400 req/s).
//!
//! `cargo bench --bench mock` — environment: `KONTRAKT_BENCH_SECS` (default 5),
//! `KONTRAKT_BENCH_CONNECTIONS` (default 4), `KONTRAKT_BENCH_UPLOAD_BYTES` (default
//! 3 000 000 000; 0 skips the upload).

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

const TOKEN: &str = "bench-token";

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A mock process, killed when dropped.
struct MockProcess {
    child: Child,
    addr: SocketAddr,
    started_in: Duration,
}

impl MockProcess {
    fn start(specs: &str, extra: &[&str], upload_dir: &std::path::Path) -> MockProcess {
        let t0 = Instant::now();
        let mut child = Command::new(env!("CARGO_BIN_EXE_kontrakt"))
            .args([
                "mock",
                specs,
                "--port",
                "0",
                "--token",
                TOKEN,
                "--upload-dir",
            ])
            .arg(upload_dir)
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start kontrakt mock");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("read the banner");
        let url = line
            .trim()
            .rsplit(' ')
            .next()
            .expect("an address in the banner");
        let host = url.split("://").nth(1).expect("a URL");
        MockProcess {
            addr: host.parse().expect("host:port"),
            started_in: t0.elapsed(),
            child,
        }
    }

    /// (current RSS, peak RSS) in KiB, from /proc.
    fn rss(&self) -> (u64, u64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        (field("VmRSS:"), field("VmHWM:"))
    }
}

impl Drop for MockProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Scenario {
    name: &'static str,
    request: Vec<u8>,
}

fn request(method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut r =
        format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\n");
    for (k, v) in headers {
        r.push_str(&format!("{k}: {v}\r\n"));
    }
    if !body.is_empty() || method == "POST" || method == "PUT" {
        r.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    r.push_str("\r\n");
    let mut bytes = r.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

fn find(h: &[u8], n: &[u8]) -> Option<usize> {
    h.windows(n.len()).position(|w| w == n)
}

/// Sends one request on a keep-alive connection and reads the whole response; the status.
async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
    s: &mut S,
    req: &[u8],
    buf: &mut Vec<u8>,
) -> std::io::Result<u16> {
    s.write_all(req).await?;
    buf.clear();
    let end = loop {
        if let Some(i) = find(buf, b"\r\n\r\n") {
            break i + 4;
        }
        if s.read_buf(buf).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
    };
    let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
    let status: u16 = head.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < end + len {
        if s.read_buf(buf).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
    }
    Ok(status)
}

struct Stats {
    requests: usize,
    non_2xx: usize,
    elapsed: Duration,
    latencies_us: Vec<u32>,
}

impl Stats {
    fn pct(&self, p: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return 0.0;
        }
        let i = ((self.latencies_us.len() as f64 - 1.0) * p).round() as usize;
        self.latencies_us[i] as f64 / 1000.0
    }
}

type Tls = Option<(
    tokio_rustls::TlsConnector,
    rustls::pki_types::ServerName<'static>,
)>;

async fn load(
    addr: SocketAddr,
    tls: Tls,
    req: Arc<Vec<u8>>,
    connections: usize,
    secs: u64,
) -> Stats {
    let deadline = Instant::now() + Duration::from_secs(secs);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let req = req.clone();
        let tls = tls.clone();
        tasks.push(tokio::spawn(async move {
            let tcp = TcpStream::connect(addr).await.expect("connect");
            tcp.set_nodelay(true).unwrap();
            let mut lat = Vec::new();
            let mut bad = 0;
            let mut buf = Vec::with_capacity(64 * 1024);
            match tls {
                None => {
                    let mut s = tcp;
                    while Instant::now() < deadline {
                        let t = Instant::now();
                        let status = exchange(&mut s, &req, &mut buf).await.expect("exchange");
                        lat.push(t.elapsed().as_micros() as u32);
                        bad += usize::from(!(200..300).contains(&status));
                    }
                }
                Some((connector, name)) => {
                    let mut s = connector.connect(name, tcp).await.expect("TLS handshake");
                    while Instant::now() < deadline {
                        let t = Instant::now();
                        let status = exchange(&mut s, &req, &mut buf).await.expect("exchange");
                        lat.push(t.elapsed().as_micros() as u32);
                        bad += usize::from(!(200..300).contains(&status));
                    }
                }
            }
            (lat, bad)
        }));
    }
    let mut latencies = Vec::new();
    let mut non_2xx = 0;
    for t in tasks {
        let (l, b) = t.await.expect("load task");
        latencies.extend(l);
        non_2xx += b;
    }
    let elapsed = start.elapsed();
    latencies.sort_unstable();
    Stats {
        requests: latencies.len(),
        non_2xx,
        elapsed,
        latencies_us: latencies,
    }
}

fn report(name: &str, connections: usize, s: &Stats) {
    println!(
        "{name:<52} c={connections:<2} {:>9.0} req/s   p50 {:>6.3} ms   p99 {:>6.3} ms   {} requests{}",
        s.requests as f64 / s.elapsed.as_secs_f64(),
        s.pct(0.50),
        s.pct(0.99),
        s.requests,
        if s.non_2xx > 0 {
            format!("   ({} not 2xx!)", s.non_2xx)
        } else {
            String::new()
        }
    );
}

fn scenarios() -> Vec<Scenario> {
    let person = br#"{"navn":"Karen Margrethe Nielsen","foedselsdato":"1961-07-07"}"#;
    vec![
        Scenario {
            name: "GET from example (virksomhed, 376 B)",
            request: request("GET", "/virksomhed/v1/virksomheder/38282794", &[], b""),
        },
        Scenario {
            name: "GET from example (retskredse list, 3.7 KB)",
            request: request("GET", "/retskreds/v1/retskredse", &[], b""),
        },
        Scenario {
            name: "GET generated per request (Prefer: dynamic=true)",
            request: request(
                "GET",
                "/virksomhed/v1/virksomheder/38282794",
                &[("Prefer", "dynamic=true")],
                b"",
            ),
        },
        Scenario {
            name: "POST with body validation (person search)",
            request: request(
                "POST",
                "/person/v1/personer/soeg",
                &[
                    ("Content-Type", "application/json"),
                    ("X-Correlation-Id", "6c1e3b9e-8a57-4c1e-9d0f-1d2a3b4c5d6e"),
                ],
                person,
            ),
        },
    ]
}

/// Bytes of the synthetic PDF: a PDF header, then a fixed pseudo-random pattern.
fn upload_chunk(offset: u64, out: &mut [u8]) {
    let header = b"%PDF-1.7\n";
    for (i, b) in out.iter_mut().enumerate() {
        let pos = offset + i as u64;
        *b = if pos < header.len() as u64 {
            header[pos as usize]
        } else {
            (pos.wrapping_mul(2654435761) >> 13) as u8
        };
    }
}

async fn upload(mock: &MockProcess, size: u64) {
    const CHUNK: usize = 256 * 1024;
    let mut hasher = Sha256::new();
    let mut chunk = vec![0u8; CHUNK];
    let mut off = 0;
    while off < size {
        let n = (size - off).min(CHUNK as u64) as usize;
        upload_chunk(off, &mut chunk[..n]);
        hasher.update(&chunk[..n]);
        off += n as u64;
    }
    let sha: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let mut s = TcpStream::connect(mock.addr).await.unwrap();
    let body = format!(
        r#"{{"filnavn":"Stor.pdf","mimeType":"application/pdf","stoerrelse":{size},"sha256":"{sha}","titel":"Stor","dokumenttype":"REDEGOERELSE","kontekst":{{"sagId":"7d3c1b9a-4e2f-4a6b-8c5d-1e9f3a7b5c2d"}}}}"#
    );
    let req = request(
        "POST",
        "/dokumentlager/v1/dokumenter",
        &[("Content-Type", "application/json")],
        body.as_bytes(),
    );
    let mut buf = Vec::new();
    let status = exchange(&mut s, &req, &mut buf).await.unwrap();
    let head = String::from_utf8_lossy(&buf).to_string();
    assert_eq!(status, 201, "create the document: {head}");
    let location = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .starts_with("location:")
                .then(|| l[9..].trim().to_string())
        })
        .expect("Location");
    let (_, peak_before) = mock.rss();
    let head = format!(
        "PUT {location}/indhold HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: application/pdf\r\nContent-Range: bytes 0-{}/{size}\r\nContent-Length: {size}\r\n\r\n",
        size - 1
    );
    let t = Instant::now();
    s.write_all(head.as_bytes()).await.unwrap();
    let mut off = 0;
    let mut peak_during = 0;
    while off < size {
        let n = (size - off).min(CHUNK as u64) as usize;
        upload_chunk(off, &mut chunk[..n]);
        s.write_all(&chunk[..n]).await.unwrap();
        off += n as u64;
        if off % (256 * 1024 * 1024) < CHUNK as u64 {
            peak_during = peak_during.max(mock.rss().0);
        }
    }
    let mut buf = Vec::new();
    let status = exchange(&mut s, b"", &mut buf).await.unwrap();
    let took = t.elapsed();
    let (rss_after, peak_after) = mock.rss();
    println!(
        "upload {size} bytes (PUT, streamed, SHA-256 checked): status {status}, {:.1} s, {:.0} MB/s",
        took.as_secs_f64(),
        size as f64 / 1e6 / took.as_secs_f64()
    );
    println!(
        "  mock RSS: peak before upload {} MiB, largest sampled during {} MiB, after {} MiB, peak after {} MiB",
        peak_before / 1024,
        peak_during / 1024,
        rss_after / 1024,
        peak_after / 1024
    );
}

fn main() {
    // `cargo bench` passes `--bench`; libtest filters do not apply here.
    let secs = env_num("KONTRAKT_BENCH_SECS", 5);
    let connections = env_num("KONTRAKT_BENCH_CONNECTIONS", 4) as usize;
    let upload_bytes = env_num("KONTRAKT_BENCH_UPLOAD_BYTES", 3_000_000_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();

    let all_specs = concat!(env!("CARGO_MANIFEST_DIR"), "/specs");
    let mock = MockProcess::start(all_specs, &[], dir.path());
    let (_, peak) = mock.rss();
    println!(
        "kontrakt mock (release) on the bundled specs: started in {:.2} s, peak RSS {} MiB; {secs} s per scenario",
        mock.started_in.as_secs_f64(),
        peak / 1024
    );
    for sc in scenarios() {
        let req = Arc::new(sc.request);
        let stats = runtime.block_on(load(mock.addr, None, req.clone(), connections, secs));
        report(sc.name, connections, &stats);
    }
    let req = Arc::new(scenarios().remove(0).request);
    let stats = runtime.block_on(load(mock.addr, None, req, 1, secs));
    report(
        "GET from example, one connection (moderate load)",
        1,
        &stats,
    );

    // The same through TLS (a keep-alive connection per client, handshake once).
    let pki =
        kontrakt::tls::testca::TestPki::generate(&kontrakt::tls::testca::TestPkiOptions::fast())
            .expect("test PKI");
    let cert = dir.path().join("server.pem");
    let key = dir.path().join("server-key.pem");
    std::fs::write(&cert, pki.server().cert_pem()).unwrap();
    std::fs::write(&key, pki.server().key_pem().as_bytes()).unwrap();
    let tls_mock = MockProcess::start(
        all_specs,
        &[
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
        dir.path(),
    );
    let config = kontrakt::tls::client::client_config(&pki.roots(), None).expect("client config");
    let connector = tokio_rustls::TlsConnector::from(config);
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    for sc in [scenarios().remove(0), scenarios().remove(3)] {
        let req = Arc::new(sc.request);
        let stats = runtime.block_on(load(
            tls_mock.addr,
            Some((connector.clone(), name.clone())),
            req,
            connections,
            secs,
        ));
        report(&format!("TLS: {}", sc.name), connections, &stats);
    }
    drop(tls_mock);

    drop(mock);
    if upload_bytes > 0 {
        // The upload service alone, so the figure is the upload's memory, not that of serving
        // every bundled spec (the whole set's peak is printed above).
        let upload_mock = MockProcess::start(
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/specs/dokumentlager/dokumentlager-1.1.0.yaml"
            ),
            &[],
            dir.path(),
        );
        println!(
            "kontrakt mock on dokumentlager 1.1.0 alone: started in {:.2} s, peak RSS {} MiB",
            upload_mock.started_in.as_secs_f64(),
            upload_mock.rss().1 / 1024
        );
        runtime.block_on(upload(&upload_mock, upload_bytes));
    }
}
