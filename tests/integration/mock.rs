//! The mock served for real on 127.0.0.1 (port 0) and driven over HTTP: routing, validation,
//! responses, state, gatekeeping, uploads.

use std::path::PathBuf;
use std::sync::Arc;

use kontrakt::mock::{Mock, MockOptions, Running};
use reqwest::blocking::{Client, Response};
use serde_json::{Value, json};

use crate::support::fixtures;

/// A mock on its own runtime, stopped when dropped.
pub struct Served {
    pub url: String,
    pub mock: Arc<Mock>,
    running: Option<Running>,
    runtime: tokio::runtime::Runtime,
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(r) = self.running.take() {
            self.runtime.block_on(r.stop());
        }
    }
}

pub fn serve(specs: &[PathBuf], options: MockOptions) -> Served {
    serve_tls(specs, options, None)
}

pub fn serve_tls(
    specs: &[PathBuf],
    options: MockOptions,
    tls: Option<Arc<rustls::ServerConfig>>,
) -> Served {
    let scheme = if tls.is_some() { "https" } else { "http" };
    let mock = Arc::new(Mock::new(specs, options).expect("mock starts"));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let running = runtime
        .block_on(kontrakt::mock::start(
            mock.clone(),
            "127.0.0.1:0".parse().unwrap(),
            tls,
        ))
        .expect("mock listens");
    Served {
        url: format!("{scheme}://127.0.0.1:{}", running.addr.port()),
        mock,
        running: Some(running),
        runtime,
    }
}

/// A plain HTTP client (rustls on ring, for the few tests that speak TLS).
pub fn client() -> Client {
    client_with(None)
}

pub fn client_with(config: Option<rustls::ClientConfig>) -> Client {
    let config = config.unwrap_or_else(|| {
        rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth()
    });
    Client::builder()
        .tls_backend_preconfigured(config)
        .no_proxy()
        .build()
        .unwrap()
}

fn sager() -> Vec<PathBuf> {
    vec![fixtures().join("mock/sager.yaml")]
}

const BASE: &str = "/sagsbehandling/v1";
const TOKEN: &str = "test-token-123";
const CORR: &str = "6c1e3b9e-8a57-4c1e-9d0f-1d2a3b4c5d6e";

fn options() -> MockOptions {
    MockOptions {
        tokens: vec![TOKEN.into()],
        ..MockOptions::default()
    }
}

fn json_of(r: Response) -> Value {
    let text = r.text().unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

#[test]
fn unknown_paths_are_404_and_undocumented_methods_405_with_allow() {
    let s = serve(&sager(), options());
    let c = client();
    let r = c.get(format!("{}/nope", s.url)).send().unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let body = json_of(r);
    assert_eq!(body["status"], 404);
    let r = c
        .put(format!("{}{BASE}/sager", s.url))
        .bearer_auth(TOKEN)
        .send()
        .unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers()["allow"], "GET, HEAD, POST");
    assert_eq!(r.headers()["content-type"], "application/problem+json");
}

#[test]
fn secured_operations_need_credentials() {
    let s = serve(&sager(), options());
    let c = client();
    let r = c.get(format!("{}{BASE}/sager", s.url)).send().unwrap();
    assert_eq!(r.status(), 401);
    assert!(
        r.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer")
    );
    let r = c
        .get(format!("{}{BASE}/sager", s.url))
        .bearer_auth("wrong")
        .send()
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(
        r.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("invalid_token")
    );
    // `security: []` opens an operation; a correlation id is echoed.
    let r = c
        .get(format!("{}{BASE}/status", s.url))
        .header("x-correlation-id", CORR)
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-correlation-id"], CORR);
    assert_eq!(json_of(r), json!({"status": "OK"}));
}

#[test]
fn invalid_requests_get_400_listing_each_violation_in_the_operations_error_shape() {
    let s = serve(&sager(), options());
    let c = client();
    let r = c
        .get(format!(
            "{}{BASE}/sager?page=x&size=500&status=NY&ids=1,0,2,3&filter[fra]=igaar",
            s.url
        ))
        .bearer_auth(TOKEN)
        .send()
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let body = json_of(r);
    // The operation's own error schema (Fejl) is honoured: fejlkode present, fejl items mapped.
    assert_eq!(body["status"], 400);
    assert!(body["fejlkode"].is_string());
    let felter: Vec<&str> = body["fejl"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["felt"].as_str().unwrap())
        .collect();
    for expected in [
        "/query/page",
        "/query/size",
        "/query/status",
        "/query/ids/1",
        "/query/ids",
        "/query/filter/fra",
    ] {
        assert!(
            felter.contains(&expected),
            "{expected} missing in {felter:?}"
        );
    }
    let kinds: Vec<&str> = body["fejl"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kode"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"maxItems") && kinds.contains(&"enum") && kinds.contains(&"type"));
}

#[test]
fn bodies_headers_and_media_types_are_checked() {
    let s = serve(&sager(), options());
    let c = client();
    let url = format!("{}{BASE}/sager", s.url);
    // Missing required header, unknown property, wrong pattern.
    let r = c
        .post(&url)
        .bearer_auth(TOKEN)
        .header("content-type", "application/json")
        .body(r#"{"navn":"A","cvr":"12","ekstra":1}"#)
        .send()
        .unwrap();
    assert_eq!(r.status(), 400);
    let text = r.text().unwrap();
    for part in [
        "/header/X-Correlation-Id",
        "/body/cvr",
        "additionalProperties",
    ] {
        assert!(text.contains(part), "{part} not in {text}");
    }
    // Malformed JSON.
    let r = c
        .post(&url)
        .bearer_auth(TOKEN)
        .header("x-correlation-id", CORR)
        .header("content-type", "application/json")
        .body("{\"navn\":")
        .send()
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().unwrap().contains("not valid JSON"));
    // Undocumented media type: 415.
    let r = c
        .post(&url)
        .bearer_auth(TOKEN)
        .header("x-correlation-id", CORR)
        .header("content-type", "text/xml")
        .body("<sag/>")
        .send()
        .unwrap();
    assert_eq!(r.status(), 415);
    // A missing required body.
    let r = c
        .post(&url)
        .bearer_auth(TOKEN)
        .header("x-correlation-id", CORR)
        .send()
        .unwrap();
    assert_eq!(r.status(), 400);
    // Form bodies are read with the schema's types.
    let r = c
        .post(&url)
        .bearer_auth(TOKEN)
        .header("x-correlation-id", CORR)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("navn=Form+ApS&cvr=12345678&antalKreditorer=3")
        .send()
        .unwrap();
    assert_eq!(r.status(), 201);
    // Nothing acceptable: 406.
    let r = c
        .get(format!("{}{BASE}/status", s.url))
        .header("accept", "text/html")
        .send()
        .unwrap();
    assert_eq!(r.status(), 406);
}

#[test]
fn multipart_bodies_are_validated_per_part() {
    let s = serve(&sager(), options());
    let c = client();
    let sag = "11111111-1111-4111-8111-111111111111";
    let url = format!("{}{BASE}/sager/{sag}/noter", s.url);
    let body = "--B\r\nContent-Disposition: form-data; name=\"tekst\"\r\n\r\nen note der er alt for lang til feltet\r\n--B\r\nContent-Disposition: form-data; name=\"antal\"\r\n\r\nto\r\n--B--\r\n";
    let r = c
        .post(&url)
        .bearer_auth(TOKEN)
        .header("content-type", "multipart/form-data; boundary=B")
        .body(body)
        .send()
        .unwrap();
    assert_eq!(r.status(), 400);
    let text = r.text().unwrap();
    assert!(
        text.contains("/body/tekst") && text.contains("/body/antal"),
        "{text}"
    );
    let body = "--B\r\nContent-Disposition: form-data; name=\"tekst\"\r\n\r\nkort\r\n--B\r\nContent-Disposition: form-data; name=\"antal\"\r\n\r\n2\r\n--B\r\nContent-Disposition: form-data; name=\"bilag\"; filename=\"a.pdf\"\r\n\r\n%PDF-1.4\r\n--B--\r\n";
    let r = c
        .post(&url)
        .bearer_auth(TOKEN)
        .header("content-type", "multipart/form-data; boundary=B")
        .body(body)
        .send()
        .unwrap();
    assert_eq!(r.status(), 201);
}

#[test]
fn prefer_selects_status_example_and_dynamic_bodies() {
    let s = serve(&sager(), options());
    let c = client();
    let url = format!("{}{BASE}/sager", s.url);
    let r = c
        .get(&url)
        .bearer_auth(TOKEN)
        .header("prefer", "code=401")
        .send()
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(json_of(r)["fejlkode"], "SKP-VAL-001");
    let r = c
        .get(&url)
        .bearer_auth(TOKEN)
        .header("prefer", "example=to")
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-total-count"], "2");
    assert_eq!(json_of(r)[1]["navn"], "Anden ApS");
    let r = c
        .get(&url)
        .bearer_auth(TOKEN)
        .header("prefer", "example=ingen")
        .send()
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = c
        .get(&url)
        .bearer_auth(TOKEN)
        .header("prefer", "code=418")
        .send()
        .unwrap();
    assert_eq!(r.status(), 400);
    // A status covered only by `default` is answered with that status, in the default's shape.
    let r = c
        .get(format!("{}{BASE}/status", s.url))
        .header("prefer", "code=404")
        .send()
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(json_of(r)["fejlkode"], "SKP-VAL-001");
}

#[test]
fn state_across_create_read_update_delete() {
    let s = serve(&sager(), options());
    let c = client();
    let url = format!("{}{BASE}/sager", s.url);
    // The list example seeds the state.
    let r = c.get(&url).bearer_auth(TOKEN).send().unwrap();
    assert_eq!(r.headers()["x-total-count"], "2");
    let r = c
        .post(&url)
        .bearer_auth(TOKEN)
        .header("x-correlation-id", CORR)
        .header("content-type", "application/json")
        .body(json!({"navn": "Ny ApS", "cvr": "11223344", "antalKreditorer": 4}).to_string())
        .send()
        .unwrap();
    assert_eq!(r.status(), 201);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let created = json_of(r);
    let id = created["sagId"].as_str().unwrap().to_string();
    assert_eq!(location, format!("{BASE}/sager/{id}"));
    assert_eq!(created["navn"], "Ny ApS");
    assert_eq!(created["antalKreditorer"], 4);
    // Read back: the same data, with an ETag.
    let r = c
        .get(format!("{}{location}", s.url))
        .bearer_auth(TOKEN)
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    let etag = r.headers()["etag"].to_str().unwrap().to_string();
    let read = json_of(r);
    assert_eq!(read["sagId"], id.as_str());
    assert_eq!(read["cvr"], "11223344");
    // Conditional GET.
    let r = c
        .get(format!("{}{location}", s.url))
        .bearer_auth(TOKEN)
        .header("if-none-match", &etag)
        .send()
        .unwrap();
    assert_eq!(r.status(), 304);
    // PATCH with a stale ETag: 412; with the current one: merged.
    let r = c
        .patch(format!("{}{location}", s.url))
        .bearer_auth(TOKEN)
        .header("content-type", "application/merge-patch+json")
        .header("if-match", "\"stale\"")
        .body(r#"{"status":"LUKKET"}"#)
        .send()
        .unwrap();
    assert_eq!(r.status(), 412);
    let r = c
        .patch(format!("{}{location}", s.url))
        .bearer_auth(TOKEN)
        .header("content-type", "application/merge-patch+json")
        .header("if-match", &etag)
        .body(r#"{"status":"LUKKET"}"#)
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_ne!(r.headers()["etag"].to_str().unwrap(), etag);
    let patched = json_of(r);
    assert_eq!(patched["status"], "LUKKET");
    assert_eq!(patched["navn"], "Ny ApS");
    // The list has three records now, and filters by field; paging has a next link.
    let r = c
        .get(format!("{url}?status=LUKKET"))
        .bearer_auth(TOKEN)
        .send()
        .unwrap();
    assert_eq!(r.headers()["x-total-count"], "2");
    let r = c
        .get(format!("{url}?page=0&size=2"))
        .bearer_auth(TOKEN)
        .send()
        .unwrap();
    assert_eq!(r.headers()["x-total-count"], "3");
    assert!(
        r.headers()["link"]
            .to_str()
            .unwrap()
            .contains("page=1&size=2>; rel=\"next\"")
    );
    assert_eq!(json_of(r).as_array().unwrap().len(), 2);
    // Delete, then 404 everywhere.
    let r = c
        .delete(format!("{}{location}", s.url))
        .bearer_auth(TOKEN)
        .send()
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = c
        .get(format!("{}{location}", s.url))
        .bearer_auth(TOKEN)
        .send()
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = c
        .delete(format!("{}{location}", s.url))
        .bearer_auth(TOKEN)
        .send()
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = c
        .post(format!("{}{location}/noter", s.url))
        .bearer_auth(TOKEN)
        .header("content-type", "multipart/form-data; boundary=B")
        .body("--B\r\nContent-Disposition: form-data; name=\"tekst\"\r\n\r\nx\r\n--B\r\nContent-Disposition: form-data; name=\"antal\"\r\n\r\n1\r\n--B--\r\n")
        .send()
        .unwrap();
    assert_eq!(r.status(), 404, "a note on a deleted sag");
    // Reset brings back the seeded records only.
    let r = c
        .post(format!("{}/__kontrakt/reset", s.url))
        .send()
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = c.get(&url).bearer_auth(TOKEN).send().unwrap();
    assert_eq!(r.headers()["x-total-count"], "2");
}

#[test]
fn stateless_mode_answers_from_the_spec() {
    let s = serve(
        &sager(),
        MockOptions {
            stateful: false,
            ..options()
        },
    );
    let c = client();
    let r = c
        .get(format!(
            "{}{BASE}/sager/99999999-9999-4999-8999-999999999999",
            s.url
        ))
        .bearer_auth(TOKEN)
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(json_of(r)["navn"], "Eksempel ApS");
}

#[test]
fn data_file_seeds_records_and_bad_data_files_name_the_place() {
    let dir = crate::support::temp_dir();
    let data = crate::support::write(
        dir.path(),
        "data.yaml",
        format!(
            "{BASE}/sager:\n  - sagId: 44444444-4444-4444-8444-444444444444\n    navn: Seedet ApS\n    status: AABEN\n"
        ),
    );
    let s = serve(
        &sager(),
        MockOptions {
            data: Some(data),
            ..options()
        },
    );
    let r = client()
        .get(format!(
            "{}{BASE}/sager/44444444-4444-4444-8444-444444444444",
            s.url
        ))
        .bearer_auth(TOKEN)
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(json_of(r)["navn"], "Seedet ApS");

    let bad = crate::support::write(
        dir.path(),
        "bad.yaml",
        format!("{BASE}/sager:\n  - navn: uden id\n"),
    );
    let err = Mock::new(
        &sager(),
        MockOptions {
            data: Some(bad),
            ..options()
        },
    )
    .err()
    .expect("a record without id is refused");
    assert!(err.contains("bad.yaml:2:"), "{err}");
    assert!(err.contains("`sagId`"), "{err}");
    let unknown = crate::support::write(dir.path(), "unknown.yaml", "/ingen/steder: []\n");
    let err = Mock::new(
        &sager(),
        MockOptions {
            data: Some(unknown),
            ..options()
        },
    )
    .err()
    .unwrap();
    assert!(
        err.contains("unknown.yaml:1:1") && err.contains("/ingen/steder"),
        "{err}"
    );
}

#[test]
fn rate_limits_answer_429_with_headers() {
    let s = serve(
        &sager(),
        MockOptions {
            rate: Some(kontrakt::mock::ratelimit::RateSpec::parse("2/min", None).unwrap()),
            ..options()
        },
    );
    let c = client();
    let url = format!("{}{BASE}/status", s.url);
    let first = c.get(&url).send().unwrap();
    assert_eq!(first.status(), 200);
    assert_eq!(first.headers()["ratelimit-policy"], "\"default\";q=2;w=60");
    assert!(
        first.headers()["ratelimit"]
            .to_str()
            .unwrap()
            .starts_with("\"default\";r=1;")
    );
    assert_eq!(c.get(&url).send().unwrap().status(), 200);
    let refused = c.get(&url).send().unwrap();
    assert_eq!(refused.status(), 429);
    let retry: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=30).contains(&retry), "{retry}");
    assert!(
        refused.headers()["ratelimit"]
            .to_str()
            .unwrap()
            .starts_with("\"default\";r=0;")
    );
    // Unknown paths and the token endpoint count against the same quota.
    assert_eq!(
        c.get(format!("{}/ukendt", s.url)).send().unwrap().status(),
        429
    );
    assert_eq!(
        c.post(format!("{}/oauth2/token", s.url))
            .send()
            .unwrap()
            .status(),
        429
    );
}

fn pdf(len: usize) -> Vec<u8> {
    let mut v = b"%PDF-1.7\n".to_vec();
    v.resize(len, b'x');
    v
}

#[test]
fn uploads_stream_to_disk_with_limits_and_downloads_support_ranges() {
    let dir = crate::support::temp_dir();
    let s = serve(
        &sager(),
        MockOptions {
            max_upload: 1_000_000,
            upload_dir: dir.path().to_path_buf(),
            ..options()
        },
    );
    let c = client();
    let url = format!(
        "{}{BASE}/sager/11111111-1111-4111-8111-111111111111/dokument",
        s.url
    );
    // Not a PDF.
    let r = c
        .put(&url)
        .bearer_auth(TOKEN)
        .header("content-type", "application/pdf")
        .body(vec![b'M', b'Z', 0, 0, 0, 0])
        .send()
        .unwrap();
    assert_eq!(r.status(), 415);
    // Over the limit, announced by Content-Length and streamed without it.
    let r = c
        .put(&url)
        .bearer_auth(TOKEN)
        .header("content-type", "application/pdf")
        .body(pdf(1_000_001))
        .send()
        .unwrap();
    assert_eq!(r.status(), 413);
    // The unread body makes the connection unusable: the client is told not to reuse it.
    assert_eq!(
        r.headers().get("connection").and_then(|v| v.to_str().ok()),
        Some("close")
    );
    let chunks = (0..20).map(|_| Ok::<_, std::io::Error>(vec![b'x'; 100_000]));
    let mut first = pdf(100_000);
    first.truncate(100_000);
    let stream = std::iter::once(Ok(first)).chain(chunks);
    let body = reqwest::blocking::Body::new(ChunkReader::new(stream));
    let r = c
        .put(&url)
        .bearer_auth(TOKEN)
        .header("content-type", "application/pdf")
        .body(body)
        .send();
    // The mock may close the connection once it has answered 413.
    if let Ok(r) = r {
        assert_eq!(r.status(), 413);
    }
    // A good upload with a declared digest, then a whole and a ranged download.
    use base64::Engine;
    use sha2::Digest;
    let content = pdf(300_000);
    let digest = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(&content));
    let r = c
        .put(&url)
        .bearer_auth(TOKEN)
        .header("content-type", "application/pdf")
        .header("content-digest", format!("sha-256=:{digest}:"))
        .body(content.clone())
        .send()
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = c
        .put(&url)
        .bearer_auth(TOKEN)
        .header("content-type", "application/pdf")
        .header(
            "content-digest",
            format!(
                "sha-256=:{}:",
                base64::engine::general_purpose::STANDARD.encode([0u8; 32])
            ),
        )
        .body(content.clone())
        .send()
        .unwrap();
    assert_eq!(r.status(), 400, "a wrong digest is refused");
    // A resumed upload must continue where the stored bytes end.
    let r = c
        .put(&url)
        .bearer_auth(TOKEN)
        .header("content-type", "application/pdf")
        .header("content-range", "bytes 0-9/300000")
        .body(pdf(10))
        .send()
        .unwrap();
    assert_eq!(r.status(), 409);
    let r = c.get(&url).bearer_auth(TOKEN).send().unwrap();
    assert_eq!(r.status(), 200);
    let etag = r.headers()["etag"].to_str().unwrap().to_string();
    assert_eq!(r.bytes().unwrap().as_ref(), content.as_slice());
    let r = c
        .get(&url)
        .bearer_auth(TOKEN)
        .header("range", "bytes=100-199")
        .send()
        .unwrap();
    assert_eq!(r.status(), 206);
    assert_eq!(r.headers()["content-range"], "bytes 100-199/300000");
    assert_eq!(r.headers()["etag"].to_str().unwrap(), etag);
    assert_eq!(r.bytes().unwrap().as_ref(), &content[100..200]);
    let r = c
        .get(&url)
        .bearer_auth(TOKEN)
        .header("range", "bytes=300000-")
        .send()
        .unwrap();
    assert_eq!(r.status(), 416);
    assert_eq!(r.headers()["content-range"], "bytes */300000");
    // Only the stored document is on disk.
    let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(files.len(), 1);
}

/// A `Read` over an iterator of chunks (a body without Content-Length).
struct ChunkReader<I> {
    chunks: I,
    current: std::io::Cursor<Vec<u8>>,
}

impl<I> ChunkReader<I> {
    fn new(chunks: I) -> Self {
        ChunkReader {
            chunks,
            current: std::io::Cursor::new(Vec::new()),
        }
    }
}

impl<I: Iterator<Item = std::io::Result<Vec<u8>>>> std::io::Read for ChunkReader<I> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            let n = self.current.read(buf)?;
            if n > 0 {
                return Ok(n);
            }
            match self.chunks.next() {
                None => return Ok(0),
                Some(chunk) => self.current = std::io::Cursor::new(chunk?),
            }
        }
    }
}

mod mtls {
    use super::*;
    use kontrakt::tls::client::client_config;
    use kontrakt::tls::oces::OcesPolicy;
    use kontrakt::tls::server::server_config_for;
    use kontrakt::tls::testca::{TestPki, TestPkiOptions};

    fn served(pki: &TestPki, oces: bool) -> Served {
        let tls = server_config_for(pki.server(), Some(&pki.roots())).unwrap();
        serve_tls(
            &sager(),
            MockOptions {
                oces: oces.then(OcesPolicy::default),
                ..options()
            },
            Some(tls),
        )
    }

    fn https(pki: &TestPki, identity: Option<&kontrakt::tls::identity::Identity>) -> Client {
        let config = client_config(&pki.roots(), identity).unwrap();
        client_with(Some((*config).clone()))
    }

    #[test]
    fn a_valid_organisation_certificate_is_accepted() {
        let pki = TestPki::generate(&TestPkiOptions::fast()).unwrap();
        let s = served(&pki, true);
        let r = https(&pki, Some(pki.organisation()))
            .get(format!("{}{BASE}/status", s.url))
            .send()
            .unwrap();
        assert_eq!(r.status(), 200);
    }

    #[test]
    fn no_certificate_another_ca_or_an_expired_one_is_refused_at_the_handshake() {
        let pki = TestPki::generate(&TestPkiOptions::fast()).unwrap();
        let s = served(&pki, false);
        let url = format!("{}{BASE}/status", s.url);
        assert!(
            https(&pki, None).get(&url).send().is_err(),
            "no certificate"
        );
        let other = TestPki::generate(&TestPkiOptions::fast()).unwrap();
        assert!(
            https(&pki, Some(other.organisation()))
                .get(&url)
                .send()
                .is_err(),
            "another CA"
        );
        let expired = pki.issue_expired("12345674").unwrap();
        assert!(
            https(&pki, Some(&expired)).get(&url).send().is_err(),
            "expired"
        );
        // The mock is still up for a good client.
        assert_eq!(
            https(&pki, Some(pki.organisation()))
                .get(&url)
                .send()
                .unwrap()
                .status(),
            200
        );
    }

    #[test]
    fn oces_conventions_are_checked_after_the_handshake() {
        let pki = TestPki::generate(&TestPkiOptions::fast()).unwrap();
        let s = served(&pki, true);
        let url = format!("{}{BASE}/status", s.url);
        let oces2 = pki.issue_oces2("12345674").unwrap();
        let r = https(&pki, Some(&oces2)).get(&url).send().unwrap();
        assert_eq!(r.status(), 403);
        assert_eq!(json_of(r)["type"], "urn:kontrakt:problem:oces2-certificate");
        let employee = pki.issue_employee("12345674").unwrap();
        let r = https(&pki, Some(&employee)).get(&url).send().unwrap();
        assert_eq!(r.status(), 403);
    }
}

mod oauth {
    use super::*;
    use base64::Engine;
    use kontrakt::auth::{
        AssertionParams, AuthConfig, Certificate, ClientRegistration, ClientSecret, SigningKey,
        client_assertion, unix_now,
    };
    use kontrakt::tls::testca::{TestPki, TestPkiOptions};

    const SECRET: &str = "hemmelig:med&tegn=";

    fn with_clients(pki: Option<&TestPki>) -> MockOptions {
        let mut secret_client = ClientRegistration::new("likvidator system");
        secret_client.secrets = vec![ClientSecret::new(SECRET)];
        secret_client.scopes = vec!["sager.laes".into(), "sager.skriv".into()];
        let mut clients = vec![secret_client];
        if let Some(pki) = pki {
            let mut jwt_client = ClientRegistration::new("jwt-klient");
            jwt_client.certificate = Some(
                Certificate::from_pem_or_der(pki.organisation().cert_pem().as_bytes()).unwrap(),
            );
            jwt_client.scopes = vec!["sager.laes".into()];
            clients.push(jwt_client);
        }
        MockOptions {
            auth: AuthConfig {
                clients,
                ..AuthConfig::default()
            },
            ..MockOptions::default()
        }
    }

    fn form(pairs: &[(&str, &str)]) -> String {
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish()
    }

    fn token_from(r: Response) -> String {
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["cache-control"], "no-store");
        let body = json_of(r);
        assert_eq!(body["token_type"], "Bearer");
        body["access_token"].as_str().unwrap().to_string()
    }

    #[test]
    fn client_secret_basic_and_post_issue_tokens_that_open_secured_operations() {
        let s = serve(&sager(), with_clients(None));
        let c = client();
        let token_url = format!("{}/oauth2/token", s.url);
        // Basic: id and secret form-urlencoded before base64 (RFC 6749 §2.3.1).
        let basic = base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            form(&[("x", "likvidator system")]).trim_start_matches("x="),
            form(&[("x", SECRET)]).trim_start_matches("x=")
        ));
        let r = c
            .post(&token_url)
            .header("authorization", format!("Basic {basic}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form(&[
                ("grant_type", "client_credentials"),
                ("scope", "sager.laes"),
            ]))
            .send()
            .unwrap();
        let read_only = token_from(r);
        let list = c
            .get(format!("{}{BASE}/sager", s.url))
            .bearer_auth(&read_only)
            .send()
            .unwrap();
        assert_eq!(list.status(), 200);
        // The token lacks sager.skriv: 403 insufficient_scope.
        let sag = format!("{}{BASE}/sager/11111111-1111-4111-8111-111111111111", s.url);
        let r = c.delete(&sag).bearer_auth(&read_only).send().unwrap();
        assert_eq!(r.status(), 403);
        let challenge = r.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            challenge.contains("insufficient_scope") && challenge.contains("sager.skriv"),
            "{challenge}"
        );
        // Post: credentials in the body; all the client's scopes when none is asked for.
        let r = c
            .post(&token_url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form(&[
                ("grant_type", "client_credentials"),
                ("client_id", "likvidator system"),
                ("client_secret", SECRET),
            ]))
            .send()
            .unwrap();
        let full = token_from(r);
        assert_eq!(
            c.delete(&sag).bearer_auth(&full).send().unwrap().status(),
            204
        );
        // A wrong secret: 401 invalid_client, and the secret appears nowhere in the answer.
        let r = c
            .post(&token_url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form(&[
                ("grant_type", "client_credentials"),
                ("client_id", "likvidator system"),
                ("client_secret", "forkert-hemmelighed"),
            ]))
            .send()
            .unwrap();
        assert_eq!(r.status(), 401);
        let text = r.text().unwrap();
        assert!(
            text.contains("invalid_client") && !text.contains("forkert-hemmelighed"),
            "{text}"
        );
        // The token endpoint takes POST only.
        let r = c.get(&token_url).send().unwrap();
        assert_eq!(r.status(), 405);
        assert_eq!(r.headers()["allow"], "POST");
    }

    #[test]
    fn private_key_jwt_assertions_are_verified_and_not_replayable() {
        let pki = TestPki::generate(&TestPkiOptions::fast()).unwrap();
        let s = serve(&sager(), with_clients(Some(&pki)));
        let c = client();
        let token_url = format!("{}/oauth2/token", s.url);
        let key = SigningKey::from_pem(pki.organisation().key_pem().as_bytes()).unwrap();
        let cert = Certificate::from_pem_or_der(pki.organisation().cert_pem().as_bytes()).unwrap();
        let assertion = client_assertion(
            &key,
            &AssertionParams::new("jwt-klient", token_url.as_str(), unix_now())
                .with_certificate(&cert),
        )
        .unwrap();
        let body = form(&[
            ("grant_type", "client_credentials"),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", assertion.expose()),
        ]);
        let send = |b: &str| {
            c.post(&token_url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(b.to_string())
                .send()
                .unwrap()
        };
        let token = token_from(send(&body));
        let r = c
            .get(format!("{}{BASE}/sager", s.url))
            .bearer_auth(&token)
            .send()
            .unwrap();
        assert_eq!(r.status(), 200);
        // The same assertion again: its jti was used.
        let r = send(&body);
        assert!(matches!(r.status().as_u16(), 400 | 401), "{}", r.status());
        // Signed for another audience.
        let wrong_aud = client_assertion(
            &key,
            &AssertionParams::new("jwt-klient", "https://elsewhere.example/token", unix_now()),
        )
        .unwrap();
        let r = send(&form(&[
            ("grant_type", "client_credentials"),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", wrong_aud.expose()),
        ]));
        assert!(matches!(r.status().as_u16(), 400 | 401));
        assert!(r.text().unwrap().contains("invalid_client"));
    }

    #[test]
    fn a_bad_auth_config_names_file_line_and_column() {
        let dir = crate::support::temp_dir();
        let path = crate::support::write(
            dir.path(),
            "mock.yaml",
            "auth:\n  clients:\n    - clientId: a\n      scopes: notalist\n",
        );
        let out = crate::support::kontrakt(
            dir.path(),
            &[
                "mock",
                fixtures().join("mock/sager.yaml").to_str().unwrap(),
                "--port",
                "0",
                "--config",
                path.to_str().unwrap(),
            ],
        );
        assert_eq!(
            out.status.code(),
            Some(2),
            "{}",
            crate::support::transcript(&out)
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("mock.yaml:4:15"), "{err}");
    }
}

#[test]
fn what_cannot_be_served_is_reported_with_its_place_and_the_rest_is_served() {
    let s = serve(
        &[fixtures().join("mock/broken.yaml")],
        MockOptions::default(),
    );
    let banner = kontrakt::mock::cli::banner(&s.mock, "http://127.0.0.1:PORT", true);
    let banner = banner.replace(env!("CARGO_MANIFEST_DIR"), "[repo]");
    insta::assert_snapshot!("mock_banner_broken_spec", banner);
    let c = client();
    let r = c.get(format!("{}/broken/ok", s.url)).send().unwrap();
    assert_eq!(r.status(), 200);
    assert!(json_of(r)["n"].as_i64().unwrap() >= 1);
    // The schema that cannot be generated answers 500 and says why; the bad example is not used.
    let r = c.get(format!("{}/broken/umulig", s.url)).send().unwrap();
    assert_eq!(r.status(), 500);
    let r = c
        .get(format!("{}/broken/forkert-eksempel", s.url))
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(json_of(r).as_str().unwrap().chars().count() <= 3);
}

#[test]
fn bad_tls_files_and_options_exit_2_naming_the_file() {
    let dir = crate::support::temp_dir();
    let garbage = crate::support::write(dir.path(), "server.pem", "not a certificate");
    let spec = fixtures().join("mock/sager.yaml");
    let spec = spec.to_str().unwrap();
    let out = crate::support::kontrakt(
        dir.path(),
        &[
            "mock",
            spec,
            "--port",
            "0",
            "--tls-cert",
            garbage.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("server.pem"));
    // A .p12 with the wrong password.
    let pki =
        kontrakt::tls::testca::TestPki::generate(&kontrakt::tls::testca::TestPkiOptions::fast())
            .unwrap();
    let p12 = pki
        .server()
        .to_pkcs12(
            &kontrakt::tls::identity::Password::new("rigtig"),
            kontrakt::tls::identity::Pkcs12Encryption::Modern,
        )
        .unwrap();
    let p12_path = crate::support::write(dir.path(), "server.p12", p12);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kontrakt"))
        .args([
            "mock",
            spec,
            "--port",
            "0",
            "--tls-cert",
            p12_path.to_str().unwrap(),
            "--tls-password-env",
            "KONTRAKT_TEST_P12",
        ])
        .env("KONTRAKT_TEST_P12", "forkert")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("wrong password") && err.contains("server.p12"),
        "{err}"
    );
    assert!(!err.contains("forkert"), "the password leaked: {err}");
    let no_auth = crate::support::write(dir.path(), "tom.yaml", "rate: 1\n");
    let data = crate::support::write(dir.path(), "data.yaml", "{}\n");
    let cert = garbage.to_str().unwrap();
    for (args, says) in [
        (
            vec!["mock", spec, "--config", no_auth.to_str().unwrap()],
            "tom.yaml:1:1: the config file has no `auth` section",
        ),
        (
            vec![
                "mock",
                spec,
                "--stateless",
                "--data",
                data.to_str().unwrap(),
            ],
            "--data needs state",
        ),
        (
            vec![
                "mock",
                spec,
                "--tls-cert",
                cert,
                "--client-ca",
                cert,
                "--require-oces",
                "--oces-cvr",
                "0123",
            ],
            "--oces-cvr 0123 is not a CVR number",
        ),
        (
            vec![
                "mock",
                spec,
                "--tls-cert",
                cert,
                "--tls-password-env",
                "KONTRAKT_UNSET_VAR",
            ],
            "KONTRAKT_UNSET_VAR: the environment variable is not set",
        ),
    ] {
        let out = crate::support::kontrakt(dir.path(), &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
    }
    for args in [
        vec!["mock", spec, "--rate", "10/fortnight"],
        vec!["mock", spec, "--burst", "3"],
        vec!["mock", spec, "--host", "not-an-ip"],
        vec!["mock", "/no/such/spec.yaml"],
    ] {
        let out = crate::support::kontrakt(dir.path(), &args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            crate::support::transcript(&out)
        );
    }
}

#[test]
fn every_bundled_response_is_served_valid_and_required_headers_are_present() {
    let mock = Mock::new(
        &[PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("specs")],
        MockOptions::default(),
    )
    .unwrap();
    let unexpected: Vec<String> = mock
        .app
        .notices
        .iter()
        .map(|n| n.to_string())
        .filter(|n| !n.contains("serves the same method and path"))
        .collect();
    assert!(unexpected.is_empty(), "{unexpected:#?}");
    let mut checked = 0;
    for op in &mock.app.ops {
        for response in &op.responses {
            for media in &response.media {
                let (Some(generator), Some(validator)) = (&media.generator, &media.validator)
                else {
                    continue;
                };
                let default = media.default.as_ref().expect("a default body");
                assert!(validator.is_valid(default), "{}: default body", op.label);
                // The generator's own tests validate 1000 samples per schema; here, what the mock serves.
                for seed in 0..40 {
                    let v = generator.sample(seed);
                    assert!(validator.is_valid(&v), "{} seed {seed}: {v}", op.label);
                    checked += 1;
                }
            }
            for header in response.headers.iter().filter(|h| h.required) {
                assert!(
                    header.default.is_some(),
                    "{}: header {}",
                    op.label,
                    header.name
                );
            }
        }
    }
    assert!(checked > 2_000, "{checked}");

    // And over HTTP: every bundled service answers under its base path.
    let s = serve(
        &[PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("specs")],
        options(),
    );
    let routes = json_of(
        client()
            .get(format!("{}/__kontrakt/routes", s.url))
            .send()
            .unwrap(),
    );
    let routes: Vec<&str> = routes
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    for base in [
        "/aggregator/v1",
        "/tvangsoploesning/likvidator/v1",
        "/tvangsoploesning/kreditor/v1",
        "/dokumentlager/v2",
        "/dokumentlager/v1",
        "/person/v1",
        "/virksomhed/v1",
        "/retskreds/v1",
        "/likvidatorregister/v1",
        "/doedsbojournaler",
    ] {
        assert!(routes.iter().any(|r| r.contains(base)), "{base} not served");
    }
    let r = client()
        .get(format!("{}/retskreds/v1/retskredse", s.url))
        .bearer_auth(TOKEN)
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
}

/// The mock as its own process, killed when dropped.
struct Process {
    child: std::process::Child,
    url: String,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn_mock(args: &[&str]) -> Process {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_kontrakt"))
        .arg("mock")
        .args(args)
        .args(["--port", "0"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().rsplit(' ').next().unwrap().to_string();
    Process { child, url }
}

fn peak_rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

#[test]
fn a_large_upload_streams_with_bounded_memory() {
    const SIZE: usize = 256 * 1024 * 1024;
    let dir = crate::support::temp_dir();
    let p = spawn_mock(&[
        fixtures().join("mock/sager.yaml").to_str().unwrap(),
        "--token",
        TOKEN,
        "--upload-dir",
        dir.path().to_str().unwrap(),
    ]);
    let before = peak_rss_kib(p.child.id());
    let chunks = std::iter::once(Ok(pdf(1024 * 1024)))
        .chain((1..SIZE / (1024 * 1024)).map(|_| Ok(vec![b'x'; 1024 * 1024])));
    let r = client()
        .put(format!(
            "{}{BASE}/sager/11111111-1111-4111-8111-111111111111/dokument",
            p.url
        ))
        .bearer_auth(TOKEN)
        .header("content-type", "application/pdf")
        .body(reqwest::blocking::Body::sized(
            ChunkReader::new(chunks),
            SIZE as u64,
        ))
        .timeout(std::time::Duration::from_secs(120))
        .send()
        .unwrap();
    assert_eq!(r.status(), 204);
    let stored: u64 = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum();
    assert_eq!(stored, SIZE as u64);
    let after = peak_rss_kib(p.child.id());
    // 256 MiB went through; the mock's peak memory grew by far less than that.
    assert!(
        after < before + 32 * 1024,
        "peak RSS grew from {before} KiB to {after} KiB"
    );
}
