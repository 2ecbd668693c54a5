//! How a finding is shown and replayed: the request and response as HTTP/1.1-style text, and a
//! `curl` command that sends the same request again.
//!
//! Everything passes through the [`Redactor`] first, so secrets appear as placeholders such as
//! `$KONTRAKT_TOKEN`. In the `curl` command a placeholder is written as a double-quoted shell
//! variable (it expands to the user's own credential), while every literal piece is
//! single-quoted, so nothing the server or a generated value contains can expand or run.

use crate::exchange::{Request, Response};
use crate::redact::{Redactor, Segment, join, merge};

/// Headers `curl` writes itself from the command (or that describe the old connection).
const SKIPPED_HEADERS: &[&str] = &["content-length", "transfer-encoding", "connection"];
/// Largest text body replayed inline through `printf` when it holds control characters.
const MAX_PRINTF_BODY: usize = 64 * 1024;
/// Name of the file a binary body is to be saved as.
const BODY_FILE: &str = "body.bin";

/// A `curl` command that replays the request, POSIX-shell quoted; bodies with `--data-binary`
/// (binary bodies through a note and an `@file` placeholder), secrets replaced by placeholders
/// such as `$KONTRAKT_TOKEN` via the redactor.
pub fn curl(request: &Request, redactor: &Redactor) -> String {
    let content_type = request.header("content-type");
    let mut note = None;
    let mut pipe = None;
    let mut args: Vec<String> = Vec::new();
    match request.method.to_ascii_uppercase().as_str() {
        "GET" => {}
        // `-X HEAD` would wait for a body that never comes.
        "HEAD" => args.push("--head".into()),
        m if m.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') => {
            args.push(format!("-X {m}"));
        }
        m => args.push(format!("-X {}", quote(&[Segment::Text(m.to_string())]))),
    }
    if request.url.contains(['[', ']', '{', '}']) {
        args.push("--globoff".into());
    }
    args.push(quote(&redactor.url(&request.url)));
    let authority = authority(&request.url);
    for (name, value) in &request.headers {
        let lower = name.to_ascii_lowercase();
        if SKIPPED_HEADERS.contains(&lower.as_str())
            || (lower == "host" && Some(value.as_str()) == authority)
        {
            continue;
        }
        let mut header = vec![Segment::Text(if value.is_empty() {
            // `-H 'Name:'` would remove the header; `Name;` sends it empty.
            format!("{name};")
        } else {
            format!("{name}: ")
        })];
        header.extend(redactor.header_value(name, value));
        let controls = header
            .iter()
            .any(|s| matches!(s, Segment::Text(t) if t.chars().any(char::is_control)));
        if controls {
            // A quoted newline is safe but would split the command's layout; printf spells it.
            args.push(format!("-H \"$({})\"", printf(&header)));
        } else {
            args.push(format!("-H {}", quote(&header)));
        }
    }
    if !request.body.is_empty() {
        match Body::classify(&request.body) {
            Body::Text(text) if !text.starts_with('@') && !has_controls(text) => {
                let segments = redactor.body(content_type, text);
                args.push(format!("--data-binary {}", quote(&segments)));
            }
            Body::Text(text) if text.len() <= MAX_PRINTF_BODY => {
                let segments = redactor.body(content_type, text);
                pipe = Some(printf(&segments));
                args.push("--data-binary @-".into());
            }
            Body::Text(_) | Body::Binary => {
                let kind = content_type
                    .map(|c| format!(" of {}", printable(c)))
                    .unwrap_or_default();
                note = Some(format!(
                    "# The request body ({} bytes{kind}) is not shown: save it as {BODY_FILE}",
                    request.body.len()
                ));
                args.push(format!("--data-binary @{BODY_FILE}"));
            }
        }
    }
    let mut out = String::new();
    if let Some(note) = note {
        out.push_str(&note);
        out.push('\n');
    }
    if let Some(pipe) = pipe {
        out.push_str(&pipe);
        out.push_str(" | ");
    }
    out.push_str("curl ");
    out.push_str(&args.join(" \\\n  "));
    out
}

/// HTTP/1.1-style text of a request: request line, headers (redacted), body cut to `limit`
/// bytes with a "… (N more bytes)" marker, binary bodies summarised, JSON pretty-printed if
/// short.
pub fn show_request(request: &Request, redactor: &Redactor, limit: usize) -> String {
    let url = redactor.redact_url(&request.url);
    let target = request_target(&url);
    let mut out = format!("{} {target} HTTP/1.1\n", request.method);
    if request.header("host").is_none()
        && let Some(host) = authority(&request.url)
    {
        out.push_str(&format!("Host: {host}\n"));
    }
    push_headers(&mut out, &request.headers, redactor);
    push_body(
        &mut out,
        request.header("content-type"),
        &request.body,
        redactor,
        limit,
    );
    out
}

/// HTTP/1.1-style text of a response, like [`show_request`]; a body the runner cut short says so.
pub fn show_response(response: &Response, redactor: &Redactor, limit: usize) -> String {
    let reason = reason(response.status);
    let mut out = format!("HTTP/1.1 {} {reason}", response.status)
        .trim_end()
        .to_string();
    out.push('\n');
    push_headers(&mut out, &response.headers, redactor);
    push_body(
        &mut out,
        response.header("content-type"),
        &response.body,
        redactor,
        limit,
    );
    if response.truncated {
        out.push_str(&format!(
            "\n(the body was longer: only its first {} bytes were kept)",
            response.body.len()
        ));
    }
    out
}

fn push_headers(out: &mut String, headers: &[(String, String)], redactor: &Redactor) {
    for (name, value) in redactor.redact_headers(headers) {
        out.push_str(&format!("{name}: {}\n", printable(&value)));
    }
}

fn push_body(
    out: &mut String,
    content_type: Option<&str>,
    body: &[u8],
    redactor: &Redactor,
    limit: usize,
) {
    if body.is_empty() {
        return;
    }
    out.push('\n');
    match Body::classify(body) {
        Body::Binary => out.push_str(&binary_summary(body, content_type)),
        Body::Text(text) => {
            let redacted = join(&redactor.body(content_type, text));
            let json = content_type
                .and_then(crate::check::matching::Media::parse)
                .is_some_and(|m| m.is_json());
            let shown = json
                .then(|| serde_json::from_str::<serde_json::Value>(&redacted).ok())
                .flatten()
                .and_then(|v| serde_json::to_string_pretty(&v).ok())
                .filter(|pretty| pretty.len() <= limit)
                .unwrap_or(redacted);
            out.push_str(&cut(&shown, limit));
        }
    }
}

/// `text` cut to at most `limit` bytes (on a character boundary), with the rest counted.
fn cut(text: &str, limit: usize) -> String {
    if text.len() <= limit {
        return text.to_string();
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}\n… ({} more bytes)", &text[..end], text.len() - end)
}

enum Body<'a> {
    Text(&'a str),
    Binary,
}

impl<'a> Body<'a> {
    /// Text is UTF-8 without NUL; anything else is shown as a summary, never as raw bytes.
    fn classify(body: &'a [u8]) -> Body<'a> {
        match std::str::from_utf8(body) {
            Ok(text) if !text.contains('\0') => Body::Text(text),
            _ => Body::Binary,
        }
    }
}

/// `[binary body: 3072 bytes of application/pdf, starting %PDF-1.7]`.
fn binary_summary(body: &[u8], content_type: Option<&str>) -> String {
    let kind = content_type
        .map(|c| format!(" of {}", printable(c)))
        .unwrap_or_default();
    let printable = body
        .iter()
        .take(16)
        .take_while(|b| b.is_ascii_graphic() || **b == b' ')
        .count();
    // A readable magic number (`%PDF-1.7`, `GIF89a`) says more than hex; short ones do not.
    let start = if printable >= 4 {
        String::from_utf8_lossy(&body[..printable]).into_owned()
    } else {
        body.iter()
            .take(16)
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    format!(
        "[binary body: {} bytes{kind}, starting {start}]",
        body.len()
    )
}

/// Whether text holds characters that do not survive a copy-paste of a quoted shell word.
fn has_controls(text: &str) -> bool {
    text.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
}

/// Control characters written as `\u{…}` escapes, for one-line display.
fn printable(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_unicode().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

/// One shell word: literal text single-quoted, placeholders as `"$NAME"`.
fn quote(segments: &[Segment]) -> String {
    let segments = merge(segments.to_vec());
    if segments.is_empty() {
        return "''".into();
    }
    let mut out = String::new();
    for s in &segments {
        match s {
            Segment::Text(t) => {
                out.push('\'');
                out.push_str(&t.replace('\'', r"'\''"));
                out.push('\'');
            }
            Segment::Secret(name) => out.push_str(&format!("\"${name}\"")),
        }
    }
    out
}

/// `printf 'format' "$NAME"…`: bytes as octal escapes where the shell word could not hold them.
fn printf(segments: &[Segment]) -> String {
    let mut format = String::new();
    let mut args = String::new();
    for s in segments {
        match s {
            Segment::Text(t) => {
                for c in t.chars() {
                    match c {
                        '%' => format.push_str("%%"),
                        '\\' => format.push_str(r"\\"),
                        '\'' => format.push_str(r"\047"),
                        c if c.is_control() => {
                            let mut buf = [0u8; 4];
                            for b in c.encode_utf8(&mut buf).bytes() {
                                format.push_str(&format!("\\{b:03o}"));
                            }
                        }
                        c => format.push(c),
                    }
                }
            }
            Segment::Secret(name) => {
                format.push_str("%s");
                args.push_str(&format!(" \"${name}\""));
            }
        }
    }
    // A format starting with `-` would be read as an option.
    if let Some(rest) = format.strip_prefix('-') {
        format = format!("\\055{rest}");
    }
    format!("printf '{format}'{args}")
}

/// `host:port` of an absolute URL.
fn authority(url: &str) -> Option<&str> {
    let rest = &url[url.find("://")? + 3..];
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    Some(
        authority
            .rsplit_once('@')
            .map_or(authority, |(_, host)| host),
    )
}

/// The path and query of an absolute URL (`/` when it has none).
fn request_target(url: &str) -> String {
    let Some(i) = url.find("://") else {
        return url.to_string();
    };
    let rest = &url[i + 3..];
    let target = rest.find(['/', '?']).map_or("", |j| &rest[j..]);
    let target = target.split('#').next().unwrap_or("");
    if target.starts_with('?') || target.is_empty() {
        format!("/{target}")
    } else {
        target.to_string()
    }
}

/// The standard reason phrase, or nothing for statuses without a well-known one.
fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        101 => "Switching Protocols",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        412 => "Precondition Failed",
        413 => "Content Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Range Not Satisfiable",
        422 => "Unprocessable Content",
        428 => "Precondition Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        507 => "Insufficient Storage",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_and_authorities() {
        assert_eq!(request_target("http://h:1/a/b?x=1#f"), "/a/b?x=1");
        assert_eq!(request_target("http://h:1?x=1"), "/?x=1");
        assert_eq!(request_target("http://h:1"), "/");
        assert_eq!(authority("http://u:p@h:1/a"), Some("h:1"));
        assert_eq!(authority("http://h:1?x"), Some("h:1"));
    }

    #[test]
    fn quoting() {
        assert_eq!(
            quote(&[Segment::Text("it's $HOME".into())]),
            r"'it'\''s $HOME'"
        );
        assert_eq!(
            quote(&[
                Segment::Text("Bearer ".into()),
                Segment::Secret("KONTRAKT_TOKEN")
            ]),
            r#"'Bearer '"$KONTRAKT_TOKEN""#
        );
        assert_eq!(
            printf(&[
                Segment::Text("a%\\'\r\n".into()),
                Segment::Secret("KONTRAKT_SECRET")
            ]),
            r#"printf 'a%%\\\047\015\012%s' "$KONTRAKT_SECRET""#
        );
        assert_eq!(cut("aé", 2), "a\n… (2 more bytes)");
    }
}
