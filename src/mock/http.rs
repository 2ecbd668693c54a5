//! Small HTTP plumbing shared by the mock's parts: the response body type (bytes in memory or a
//! file streamed from disk), response construction, and reading a request body within limits.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;
use hyper::body::{Body as HttpBody, Frame, Incoming, SizeHint};
use hyper::{HeaderMap, Response, StatusCode};
use tokio::io::{AsyncRead, ReadBuf};

use super::problem::Problem;

/// Every response body the mock sends.
pub enum Body {
    Bytes(Option<Bytes>),
    File {
        file: tokio::fs::File,
        remaining: u64,
        buf: Box<[u8]>,
    },
}

impl Body {
    pub fn empty() -> Body {
        Body::Bytes(None)
    }

    pub fn bytes(b: impl Into<Bytes>) -> Body {
        let b = b.into();
        Body::Bytes((!b.is_empty()).then_some(b))
    }

    /// `len` bytes of `file` from its current position, read in 64 KiB chunks.
    pub fn file(file: tokio::fs::File, len: u64) -> Body {
        Body::File {
            file,
            remaining: len,
            buf: vec![0u8; 64 * 1024].into_boxed_slice(),
        }
    }
}

impl HttpBody for Body {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        match self.get_mut() {
            Body::Bytes(b) => Poll::Ready(b.take().map(|b| Ok(Frame::data(b)))),
            Body::File {
                file,
                remaining,
                buf,
            } => {
                if *remaining == 0 {
                    return Poll::Ready(None);
                }
                let want = (*remaining).min(buf.len() as u64) as usize;
                let mut read_buf = ReadBuf::new(&mut buf[..want]);
                match Pin::new(file).poll_read(cx, &mut read_buf) {
                    Poll::Pending => Poll::Pending,
                    Poll::Ready(Err(e)) => Poll::Ready(Some(Err(e))),
                    Poll::Ready(Ok(())) => {
                        let n = read_buf.filled().len();
                        if n == 0 {
                            return Poll::Ready(Some(Err(io::Error::new(
                                io::ErrorKind::UnexpectedEof,
                                "stored upload is shorter than recorded",
                            ))));
                        }
                        *remaining -= n as u64;
                        Poll::Ready(Some(Ok(Frame::data(Bytes::copy_from_slice(
                            read_buf.filled(),
                        )))))
                    }
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            Body::Bytes(b) => b.is_none(),
            Body::File { remaining, .. } => *remaining == 0,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Body::Bytes(b) => SizeHint::with_exact(b.as_ref().map_or(0, |b| b.len() as u64)),
            Body::File { remaining, .. } => SizeHint::with_exact(*remaining),
        }
    }
}

/// A response with a body and headers (names and values already valid; invalid ones are
/// dropped rather than failing the response).
pub fn response(status: u16, headers: &[(String, String)], body: Body) -> Response<Body> {
    let mut r = Response::new(body);
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let map = r.headers_mut();
    for (name, value) in headers {
        if let (Ok(n), Ok(v)) = (
            hyper::header::HeaderName::from_bytes(name.as_bytes()),
            hyper::header::HeaderValue::from_str(value),
        ) {
            map.append(n, v);
        }
    }
    r
}

/// The first value of a header as text (`None` if absent or not visible ASCII).
pub fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Whether the request announces a body (RFC 9112 §6.3: a length or a transfer coding).
pub fn has_body(headers: &HeaderMap) -> bool {
    headers.contains_key(hyper::header::TRANSFER_ENCODING)
        || header(headers, "content-length").is_some_and(|l| l.trim() != "0")
}

/// Reads a whole body of at most `limit` bytes, within `timeout` (slow clients get 408).
pub async fn read_body(
    body: Incoming,
    headers: &HeaderMap,
    limit: usize,
    timeout: Duration,
) -> Result<Bytes, Problem> {
    if let Some(len) = header(headers, "content-length").and_then(|l| l.trim().parse::<u64>().ok())
        && len > limit as u64
    {
        return Err(too_large(limit as u64));
    }
    match tokio::time::timeout(timeout, collect(body, limit)).await {
        Ok(result) => result,
        Err(_) => Err(Problem::new(
            408,
            "request-timeout",
            "Request Timeout",
            format!(
                "the request body did not arrive within {} s",
                timeout.as_secs()
            ),
        )),
    }
}

async fn collect(mut body: Incoming, limit: usize) -> Result<Bytes, Problem> {
    let mut buf = BytesMut::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| {
            Problem::new(
                400,
                "malformed-body",
                "Bad Request",
                format!("the request body could not be read: {e}"),
            )
        })?;
        if let Ok(data) = frame.into_data() {
            if buf.len() + data.len() > limit {
                return Err(too_large(limit as u64));
            }
            buf.extend_from_slice(&data);
        }
    }
    Ok(buf.freeze())
}

pub fn too_large(limit: u64) -> Problem {
    Problem::new(
        413,
        "content-too-large",
        "Content Too Large",
        format!("the request body is larger than the limit of {limit} bytes"),
    )
}
