//! Document uploads and downloads: binary request bodies are streamed to disk as they arrive,
//! never held whole in memory; size limits are enforced byte by byte (413 the moment a body
//! passes the limit, not after it has been stored); a PDF must start like one (415); SHA-256 is
//! computed on the fly and compared where the client declared one; downloads stream the file
//! back with `Range` (206) and the stored `ETag`.
//!
//! Three ways of sending bytes are understood, as the dokumentlager versions use them:
//! - a whole body (`PUT`/`POST` with `application/pdf`): replaces what is stored;
//! - tus 1.0 (`PATCH` with `Upload-Offset`): appends at the offset, which must equal what is
//!   stored (409 otherwise); `HEAD` reports `Upload-Offset`;
//! - `Content-Range: bytes a-b/total` chunks: `a` must equal what is stored.
//!
//! A document's declared size and checksum come from its record in the mock's state (created
//! by an earlier `POST`, fields `stoerrelse`/`size` and `sha256`), or from `Upload-Length`.
//! Declared digests per request: `Content-Digest`/`Repr-Digest: sha-256=:…:` (RFC 9530),
//! `Digest: SHA-256=…` (RFC 3230), `Upload-Checksum: sha256 …` (tus checksum extension).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

use base64::Engine;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::{HeaderMap, Response};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncSeekExt, AsyncWriteExt};

use super::app::OpEntry;
use super::http::{self, Body, header};
use super::negotiate::essence;
use super::problem::Problem;
use super::server::Mock;

/// A bound on what one client can make the mock keep.
pub const MAX_DOCUMENTS: usize = 10_000;

/// What is stored for one document.
#[derive(Debug, Clone)]
struct Blob {
    path: PathBuf,
    size: u64,
    /// The hash of the bytes so far (cloned to continue a resumed upload).
    hasher: Sha256,
    media: String,
    etag: String,
    complete: bool,
    declared: Option<u64>,
}

/// The result of a successful upload request, with headers to report it.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub size: u64,
    pub headers: Vec<(String, String)>,
}

pub struct Blobs {
    dir: PathBuf,
    max: u64,
    map: Mutex<HashMap<String, Blob>>,
    /// Documents an upload is being written to: a second upload to one of them gets 409
    /// rather than interleaving its bytes with the first.
    busy: Mutex<std::collections::HashSet<String>>,
}

/// Marks a document busy for as long as it lives.
struct Busy<'a> {
    set: &'a Mutex<std::collections::HashSet<String>>,
    key: String,
}

impl Drop for Busy<'_> {
    fn drop(&mut self) {
        self.set
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&self.key);
    }
}

/// The document an operation's path names: its last path parameter's value.
pub fn key(op: &OpEntry, values: &[String]) -> String {
    match (op.path_names.last(), values.last()) {
        (Some(name), Some(value)) => format!(
            "{name}={}",
            percent_encoding::percent_decode_str(value).decode_utf8_lossy()
        ),
        _ => op.template.clone(),
    }
}

impl Blobs {
    pub fn new(dir: PathBuf, max: u64) -> Self {
        Blobs {
            dir,
            max,
            map: Mutex::new(HashMap::new()),
            busy: Mutex::new(std::collections::HashSet::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Blob>> {
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn clear(&self) {
        let mut map = self.lock();
        for blob in map.values() {
            let _ = std::fs::remove_file(&blob.path);
        }
        map.clear();
    }

    /// Streams one request body into the document `key`.
    pub async fn receive(
        &self,
        mock: &Mock,
        key: &str,
        media: &str,
        headers: &HeaderMap,
        mut body: Incoming,
    ) -> Result<Outcome, Problem> {
        if !self
            .busy
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key.to_string())
        {
            return Err(Problem::new(
                409,
                "upload-in-progress",
                "Conflict",
                "another upload to this document is in progress",
            ));
        }
        let _busy = Busy {
            set: &self.busy,
            key: key.to_string(),
        };
        let existing = self.lock().get(key).cloned();
        if existing.is_none() && self.lock().len() >= MAX_DOCUMENTS {
            return Err(Problem::new(
                507,
                "storage-full",
                "Insufficient Storage",
                format!(
                    "the mock keeps at most {MAX_DOCUMENTS} documents; reset it (POST /__kontrakt/reset)"
                ),
            ));
        }
        let stored = existing.as_ref().map_or(0, |b| b.size);
        // Where this request's bytes start.
        let tus_offset = header(headers, "upload-offset").map(|v| v.trim().parse::<u64>());
        let range = header(headers, "content-range").map(parse_content_range);
        let resumable = tus_offset.is_some() || range.is_some();
        let (start, mut total) = match (tus_offset, range) {
            (Some(Err(_)), _) => return Err(bad("Upload-Offset is not a number")),
            (Some(Ok(offset)), _) => (offset, None),
            (None, Some(Err(m))) => return Err(bad(&m)),
            (None, Some(Ok((a, total)))) => (a, total),
            (None, None) => (0, None),
        };
        // A resumed upload (tus offset or Content-Range) must continue exactly where the stored
        // bytes end; only a whole body starts over.
        if (start != 0 || (resumable && existing.is_some())) && start != stored {
            return Err(Problem::new(
                409,
                "offset-mismatch",
                "Conflict",
                format!("the upload continues at byte {start}, but {stored} bytes are stored"),
            ));
        }
        let id = key.split_once('=').map_or(key, |(_, v)| v);
        let declared = mock.declared(id);
        if let Some(len) = header(headers, "upload-length").and_then(|v| v.trim().parse().ok()) {
            total = Some(len);
        }
        let declared_size = declared.size.or(total);
        let limit = declared_size.map_or(self.max, |d| d.min(self.max));
        let content_length =
            header(headers, "content-length").and_then(|v| v.trim().parse::<u64>().ok());
        if let Some(len) = content_length
            && start.saturating_add(len) > limit
        {
            return Err(self.too_large(limit, declared_size));
        }
        let wants_pdf = essence(media) == "application/pdf" || declared.pdf;
        std::fs::create_dir_all(&self.dir)
            .map_err(|e| server_error(&format!("cannot create the upload folder: {e}")))?;
        // A whole new body goes to a new file, so that a refused upload leaves the stored
        // document as it was; a continued upload appends to the stored file.
        let fresh = start == 0;
        let path = match (&existing, fresh) {
            (Some(b), false) => b.path.clone(),
            _ => self.dir.join(format!("{:016x}.bin", rand::random::<u64>())),
        };
        let discard = |file_len_to: u64| {
            let path = path.clone();
            async move {
                if fresh {
                    let _ = tokio::fs::remove_file(&path).await;
                } else if let Ok(f) = tokio::fs::OpenOptions::new().write(true).open(&path).await {
                    let _ = f.set_len(file_len_to).await;
                }
            }
        };
        let mut file = tokio::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(fresh)
            .open(&path)
            .await
            .map_err(|e| server_error(&format!("cannot store the upload: {e}")))?;
        file.seek(std::io::SeekFrom::Start(start))
            .await
            .map_err(|e| server_error(&format!("cannot store the upload: {e}")))?;
        let mut hasher = match (&existing, start) {
            (Some(b), s) if s > 0 => b.hasher.clone(),
            _ => Sha256::new(),
        };
        let mut this_request = Sha256::new();
        let mut written: u64 = 0;
        let mut head: Vec<u8> = Vec::new();
        let deadline = mock.options.body_timeout;
        let result: Result<(), Problem> = async {
            loop {
                let frame = match tokio::time::timeout(deadline, body.frame()).await {
                    Err(_) => {
                        return Err(Problem::new(
                            408,
                            "request-timeout",
                            "Request Timeout",
                            format!("no bytes arrived for {} s", deadline.as_secs()),
                        ));
                    }
                    Ok(None) => return Ok(()),
                    Ok(Some(Err(e))) => {
                        return Err(bad(&format!("the body could not be read: {e}")));
                    }
                    Ok(Some(Ok(frame))) => frame,
                };
                let Ok(data) = frame.into_data() else {
                    continue;
                };
                if start
                    .saturating_add(written)
                    .saturating_add(data.len() as u64)
                    > limit
                {
                    return Err(self.too_large(limit, declared_size));
                }
                if wants_pdf && start == 0 && head.len() < 5 {
                    head.extend_from_slice(&data[..data.len().min(5 - head.len())]);
                    if head.len() == 5 && &head != b"%PDF-" {
                        return Err(not_pdf());
                    }
                }
                hasher.update(&data);
                this_request.update(&data);
                file.write_all(&data)
                    .await
                    .map_err(|e| server_error(&format!("cannot store the upload: {e}")))?;
                written += data.len() as u64;
            }
        }
        .await;
        // tokio writes on a blocking thread: flush so the bytes are on disk before anyone
        // (a download, a size check) looks, and before a refused upload is cut back.
        let flushed = file.flush().await;
        drop(file);
        let result = result.and_then(|()| {
            flushed.map_err(|e| server_error(&format!("cannot store the upload: {e}")))
        });
        if let Err(p) = result {
            // What this request sent is not kept: the stored document is as before.
            discard(start).await;
            return Err(p);
        }
        if wants_pdf && start == 0 && written > 0 && head.as_slice() != b"%PDF-" {
            discard(start).await;
            return Err(not_pdf());
        }
        if let Some(expected) = request_digest(headers) {
            let got = this_request.finalize();
            if got[..] != expected[..] {
                discard(start).await;
                let tus = headers.contains_key("upload-checksum");
                return Err(Problem::new(
                    if tus { 460 } else { 400 },
                    "checksum-mismatch",
                    "Checksum Mismatch",
                    "the body's SHA-256 differs from the digest the request declared".to_string(),
                ));
            }
        }
        let size = start + written;
        let complete = declared_size.is_none_or(|d| size == d);
        let digest_hex = hex(&hasher.clone().finalize());
        if complete
            && let Some(expected) = &declared.sha256
            && !expected.eq_ignore_ascii_case(&digest_hex)
        {
            discard(start).await;
            return Err(Problem::new(
                400,
                "checksum-mismatch",
                "Checksum Mismatch",
                format!("the document's SHA-256 is {digest_hex}, but {expected} was declared"),
            ));
        }
        let blob = Blob {
            path: path.clone(),
            size,
            hasher,
            media: if declared.pdf {
                "application/pdf".into()
            } else {
                essence(media)
            },
            etag: format!("\"{}\"", &digest_hex[..32]),
            complete,
            declared: declared_size,
        };
        let mut headers_out = vec![("Upload-Offset".to_string(), size.to_string())];
        if let Some(d) = declared_size {
            headers_out.push(("Upload-Length".into(), d.to_string()));
        }
        if blob.complete {
            headers_out.push(("ETag".into(), blob.etag.clone()));
        }
        if let Some(old) = self.lock().insert(key.to_string(), blob)
            && old.path != path
        {
            let _ = std::fs::remove_file(&old.path);
        }
        Ok(Outcome {
            size,
            headers: headers_out,
        })
    }

    /// The bytes stored for `key` and the declared total, for `HEAD` on a tus upload.
    pub fn offset(&self, key: &str) -> Option<(u64, Option<u64>)> {
        self.lock().get(key).map(|b| (b.size, b.declared))
    }

    fn too_large(&self, limit: u64, declared: Option<u64>) -> Problem {
        let mut p = http::too_large(limit);
        if declared.is_some_and(|d| d < self.max) {
            p.detail =
                format!("the upload is larger than the {limit} bytes declared for the document");
        }
        p
    }

    /// The stored bytes of `key` (whole or a `Range`), or `None` when nothing was uploaded.
    pub(super) async fn download(
        &self,
        ctx: &impl DownloadCtx,
        key: &str,
    ) -> Option<Response<Body>> {
        let blob = self.lock().get(key).cloned()?;
        let headers = ctx.request_headers();
        if let Some(inm) = header(headers, "if-none-match")
            && inm.split(',').any(|t| t.trim() == blob.etag)
        {
            return Some(http::response(
                304,
                &[("ETag".into(), blob.etag.clone())],
                Body::empty(),
            ));
        }
        let mut out = vec![
            ("ETag".to_string(), blob.etag.clone()),
            ("Accept-Ranges".to_string(), "bytes".to_string()),
            ("Content-Type".to_string(), blob.media.clone()),
        ];
        let range = header(headers, "range").filter(|_| {
            // A stale If-Range means: send it all (RFC 9110 §13.1.5).
            header(headers, "if-range").is_none_or(|t| t.trim() == blob.etag)
        });
        let (status, start, len) = match range.map(|r| parse_range(r, blob.size)) {
            None => (200, 0, blob.size),
            Some(RangeResult::Ignored) => (200, 0, blob.size),
            Some(RangeResult::Unsatisfiable) => {
                out.push(("Content-Range".into(), format!("bytes */{}", blob.size)));
                let p = Problem::new(
                    416,
                    "range-not-satisfiable",
                    "Range Not Satisfiable",
                    format!("the document has {} bytes", blob.size),
                );
                return Some(ctx.problem_with(p, out));
            }
            Some(RangeResult::Satisfiable(a, b)) => {
                out.push((
                    "Content-Range".into(),
                    format!("bytes {a}-{b}/{}", blob.size),
                ));
                (206, a, b - a + 1)
            }
        };
        out.push(("Content-Length".into(), len.to_string()));
        if ctx.is_head() {
            return Some(http::response(status, &out, Body::empty()));
        }
        let mut file = match tokio::fs::File::open(&blob.path).await {
            Ok(f) => f,
            Err(e) => {
                return Some(ctx.problem_with(
                    server_error(&format!("the stored document cannot be read: {e}")),
                    Vec::new(),
                ));
            }
        };
        if file.seek(std::io::SeekFrom::Start(start)).await.is_err() {
            return Some(ctx.problem_with(
                server_error("the stored document cannot be read"),
                Vec::new(),
            ));
        }
        Some(http::response(status, &out, Body::file(file, len)))
    }
}

/// What a download needs from the request it answers.
pub(super) trait DownloadCtx {
    fn request_headers(&self) -> &HeaderMap;
    fn is_head(&self) -> bool;
    fn problem_with(&self, p: Problem, headers: Vec<(String, String)>) -> Response<Body>;
}

/// A declared size, checksum and kind of a document, from its record.
#[derive(Debug, Default)]
pub struct Declared {
    pub size: Option<u64>,
    pub sha256: Option<String>,
    pub pdf: bool,
}

impl Declared {
    pub fn from_record(record: &serde_json::Value) -> Declared {
        let size = ["stoerrelse", "size", "stoerrelseBytes", "length"]
            .iter()
            .find_map(|k| record.get(*k).and_then(serde_json::Value::as_u64));
        let sha256 = ["sha256", "checksum"]
            .iter()
            .find_map(|k| record.get(*k).and_then(serde_json::Value::as_str))
            .map(str::to_string);
        let pdf = ["mimeType", "mediaType", "contentType"]
            .iter()
            .find_map(|k| record.get(*k).and_then(serde_json::Value::as_str))
            .is_some_and(|m| essence(m) == "application/pdf");
        Declared { size, sha256, pdf }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum RangeResult {
    Satisfiable(u64, u64),
    Unsatisfiable,
    /// Not a byte range we serve (other units, several ranges): the whole body is sent.
    Ignored,
}

/// One `bytes=` range against a body of `size` bytes (RFC 9110 §14.1.2).
pub fn parse_range(header: &str, size: u64) -> RangeResult {
    let Some(spec) = header.trim().strip_prefix("bytes=") else {
        return RangeResult::Ignored;
    };
    if spec.contains(',') {
        return RangeResult::Ignored;
    }
    let Some((a, b)) = spec.trim().split_once('-') else {
        return RangeResult::Ignored;
    };
    let (a, b) = (a.trim(), b.trim());
    let range = match (a.is_empty(), b.is_empty()) {
        (true, true) => return RangeResult::Ignored,
        (true, false) => {
            let Ok(n) = b.parse::<u64>() else {
                return RangeResult::Ignored;
            };
            if n == 0 || size == 0 {
                return RangeResult::Unsatisfiable;
            }
            (size.saturating_sub(n), size - 1)
        }
        (false, _) => {
            let Ok(start) = a.parse::<u64>() else {
                return RangeResult::Ignored;
            };
            let end = if b.is_empty() {
                size.saturating_sub(1)
            } else {
                match b.parse::<u64>() {
                    Ok(e) if e >= start => e.min(size.saturating_sub(1)),
                    _ => return RangeResult::Ignored,
                }
            };
            if start >= size {
                return RangeResult::Unsatisfiable;
            }
            (start, end)
        }
    };
    RangeResult::Satisfiable(range.0, range.1)
}

/// `bytes a-b/total` → (a, total); total `*` is unknown.
fn parse_content_range(v: &str) -> Result<(u64, Option<u64>), String> {
    let bad = || format!("Content-Range `{v}` is not `bytes FIRST-LAST/TOTAL`");
    let rest = v.trim().strip_prefix("bytes ").ok_or_else(bad)?;
    let (range, total) = rest.split_once('/').ok_or_else(bad)?;
    let (a, b) = range.split_once('-').ok_or_else(bad)?;
    let a: u64 = a.trim().parse().map_err(|_| bad())?;
    let b: u64 = b.trim().parse().map_err(|_| bad())?;
    if b < a {
        return Err(bad());
    }
    let total = match total.trim() {
        "*" => None,
        t => Some(t.parse::<u64>().map_err(|_| bad())?),
    };
    Ok((a, total))
}

/// The SHA-256 a request declares for its own body, if any.
fn request_digest(headers: &HeaderMap) -> Option<Vec<u8>> {
    let b64 = base64::engine::general_purpose::STANDARD;
    for name in ["content-digest", "repr-digest"] {
        if let Some(v) = header(headers, name) {
            for item in v.split(',') {
                if let Some((alg, val)) = item.trim().split_once('=')
                    && alg.trim().eq_ignore_ascii_case("sha-256")
                {
                    return b64.decode(val.trim().trim_matches(':')).ok();
                }
            }
        }
    }
    if let Some(v) = header(headers, "digest") {
        for item in v.split(',') {
            if let Some((alg, val)) = item.trim().split_once('=')
                && alg.trim().eq_ignore_ascii_case("sha-256")
            {
                return b64.decode(val.trim()).ok();
            }
        }
    }
    if let Some(v) = header(headers, "upload-checksum")
        && let Some((alg, val)) = v.trim().split_once(' ')
        && alg.eq_ignore_ascii_case("sha256")
    {
        return b64.decode(val.trim()).ok();
    }
    None
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn bad(message: &str) -> Problem {
    Problem::new(400, "invalid-upload", "Bad Request", message.to_string())
}

fn not_pdf() -> Problem {
    Problem::new(
        415,
        "not-a-pdf",
        "Unsupported Media Type",
        "the document is not a PDF (it does not start with %PDF-)",
    )
}

fn server_error(message: &str) -> Problem {
    Problem::new(
        500,
        "storage-error",
        "Internal Server Error",
        message.to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_ranges() {
        assert_eq!(
            parse_range("bytes=0-9", 100),
            RangeResult::Satisfiable(0, 9)
        );
        assert_eq!(
            parse_range("bytes=90-", 100),
            RangeResult::Satisfiable(90, 99)
        );
        assert_eq!(
            parse_range("bytes=-10", 100),
            RangeResult::Satisfiable(90, 99)
        );
        assert_eq!(
            parse_range("bytes=50-500", 100),
            RangeResult::Satisfiable(50, 99)
        );
        assert_eq!(parse_range("bytes=100-", 100), RangeResult::Unsatisfiable);
        assert_eq!(parse_range("bytes=-0", 100), RangeResult::Unsatisfiable);
        assert_eq!(parse_range("bytes=5-1", 100), RangeResult::Ignored);
        assert_eq!(parse_range("bytes=0-1,5-6", 100), RangeResult::Ignored);
        assert_eq!(parse_range("items=0-1", 100), RangeResult::Ignored);
    }

    #[test]
    fn content_ranges_and_digests() {
        assert_eq!(parse_content_range("bytes 0-99/1000"), Ok((0, Some(1000))));
        assert_eq!(parse_content_range("bytes 100-199/*"), Ok((100, None)));
        assert!(parse_content_range("bytes 5-1/10").is_err());
        assert!(parse_content_range("0-1/10").is_err());
        let mut h = HeaderMap::new();
        let digest = Sha256::digest(b"abc");
        let b64 = base64::engine::general_purpose::STANDARD.encode(digest);
        h.insert(
            "content-digest",
            format!("sha-256=:{b64}:").parse().unwrap(),
        );
        assert_eq!(request_digest(&h), Some(digest.to_vec()));
        let mut h = HeaderMap::new();
        h.insert("upload-checksum", format!("sha256 {b64}").parse().unwrap());
        assert_eq!(request_digest(&h), Some(digest.to_vec()));
    }

    #[test]
    fn declared_metadata() {
        let d = Declared::from_record(
            &serde_json::json!({"stoerrelse": 10, "sha256": "ab", "mimeType": "application/pdf"}),
        );
        assert_eq!(
            (d.size, d.sha256.as_deref(), d.pdf),
            (Some(10), Some("ab"), true)
        );
    }
}
