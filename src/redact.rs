//! The one place that decides what is secret, so that nothing kontrakt prints or writes (a
//! finding's request, a `curl` line, a report, a log) can leak a credential.
//!
//! Two kinds of knowledge meet here. Some secrets are recognised by *where* they are: the
//! `Authorization` and `Cookie` headers, API-key headers and query parameters, token fields in
//! form and JSON bodies. Others are recognised by *what* they are: the runner registers every
//! token, client secret and signed assertion it handles with [`Redactor::secret`], and every
//! occurrence of those values is replaced, also percent-encoded, JSON-escaped and base64-encoded
//! (at any byte alignment, so a secret inside a Basic credential is caught too).
//!
//! Secrets become shell-variable placeholders such as `$KONTRAKT_TOKEN`: readable in a report,
//! and in a `curl` command they expand to the user's own credentials. Internally redacted text is
//! a list of [`Segment`]s, so the `curl` builder can quote a placeholder as a variable while
//! quoting literal text (which may itself contain `$`) so that it never expands.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};

/// A bearer token (`Authorization: Bearer …`, `access_token`).
pub const TOKEN: &str = "KONTRAKT_TOKEN";
/// The base64 `user:password` of `Authorization: Basic …`.
pub const BASIC: &str = "KONTRAKT_BASIC";
/// The credentials of any other `Authorization` scheme, and a URL's password.
pub const CREDENTIALS: &str = "KONTRAKT_CREDENTIALS";
/// A `Cookie` or `Set-Cookie` header's value.
pub const COOKIE: &str = "KONTRAKT_COOKIE";
/// An API key, in a header or a query parameter.
pub const API_KEY: &str = "KONTRAKT_API_KEY";
/// A signed client assertion (RFC 7523).
pub const ASSERTION: &str = "KONTRAKT_ASSERTION";
/// Any other known secret value (a client secret, a password).
pub const SECRET: &str = "KONTRAKT_SECRET";
/// Personal data the config or the spec marks (a CPR number), by the name it travels under.
pub const REDACTED: &str = "KONTRAKT_REDACTED";

/// Shortest secret whose base64 forms are searched for; shorter ones would match by chance.
const MIN_BASE64_SECRET: usize = 6;
/// Shortest start of a secret replaced at the very end of a text (a body cut mid-secret).
const MIN_CUT_PREFIX: usize = 8;

/// A piece of redacted text: literal text, or a placeholder for a secret (its variable name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Text(String),
    Secret(&'static str),
}

/// Joins segments, writing placeholders as `$NAME`.
pub fn join(segments: &[Segment]) -> String {
    let mut out = String::new();
    for s in segments {
        match s {
            Segment::Text(t) => out.push_str(t),
            Segment::Secret(name) => {
                out.push('$');
                out.push_str(name);
            }
        }
    }
    out
}

/// One known secret and the forms it may appear in, longest first.
#[derive(Clone)]
struct Known {
    forms: Vec<String>,
    /// The plain value, for a cut-off start at the end of a text.
    plain: String,
}

/// Decides what is secret and replaces it. Cheap to clone; build one per run and register
/// secrets as they are obtained.
#[derive(Clone, Default)]
pub struct Redactor {
    headers: Vec<String>,
    query_params: Vec<String>,
    known: Vec<Known>,
    /// Names (compared by `normal_name`) whose values are personal or secret wherever they
    /// travel: query parameters, headers, form fields and JSON members.
    fields: Vec<String>,
    /// Values learned while the run goes (a secret path parameter's value), shared by every
    /// clone so that texts made later by any part of the run are redacted too.
    learned: std::sync::Arc<std::sync::RwLock<Vec<Known>>>,
}

impl std::fmt::Debug for Redactor {
    // Never print the secrets themselves.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redactor")
            .field("headers", &self.headers)
            .field("query_params", &self.query_params)
            .field("secrets", &self.known.len())
            .finish()
    }
}

impl Redactor {
    /// A redactor that knows the standard secret places (`Authorization`,
    /// `Proxy-Authorization`, `Cookie`, `Set-Cookie`, API-key-like headers, token query
    /// parameters and body fields) but no secret values yet.
    pub fn new() -> Redactor {
        Redactor::default()
    }

    /// A secret value (a token, a client secret, an assertion): every occurrence is replaced.
    pub fn secret(&mut self, value: impl Into<String>) {
        let plain: String = value.into();
        if plain.is_empty() || self.known.iter().any(|k| k.plain == plain) {
            return;
        }
        self.known.push(known(plain));
    }

    /// A value learned during the run (a personal path parameter's value): every clone of
    /// this redactor replaces it from now on.
    pub fn learn(&self, value: impl Into<String>) {
        let plain: String = value.into();
        if plain.is_empty() || self.known.iter().any(|k| k.plain == plain) {
            return;
        }
        if let Ok(mut learned) = self.learned.write()
            && !learned.iter().any(|k| k.plain == plain)
        {
            learned.push(known(plain));
        }
    }

    /// A name whose values are personal or secret (`cpr`): replaced in query parameters,
    /// headers, form fields and JSON members of that name.
    pub fn field(&mut self, name: &str) {
        let n = normal_name(name);
        if !self.fields.contains(&n) {
            self.fields.push(n);
        }
    }

    /// The placeholder for a value travelling under `name`, if the name is secret.
    fn named(&self, name: &str) -> Option<&'static str> {
        secret_field(name).or_else(|| self.fields.contains(&normal_name(name)).then_some(REDACTED))
    }
}

/// A name compared without case, `-` or `_`: `CPR-Nummer` = `cpr_nummer` = `cprNummer`.
pub fn normal_name(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '-' && *c != '_')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// A secret's forms, longest first.
fn known(plain: String) -> Known {
    {
        let mut forms = vec![plain.clone()];
        let percent = percent_encoding::utf8_percent_encode(&plain, URL_UNRESERVED).to_string();
        let form: String = form_urlencoded::byte_serialize(plain.as_bytes()).collect();
        let json = serde_json::to_string(&plain).unwrap_or_default();
        let json = json
            .strip_prefix('"')
            .and_then(|j| j.strip_suffix('"'))
            .unwrap_or_default()
            .to_string();
        forms.extend([percent, form, json]);
        if plain.len() >= MIN_BASE64_SECRET {
            forms.extend(base64_forms(plain.as_bytes()));
        }
        forms.retain(|f| !f.is_empty());
        forms.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        forms.dedup();
        Known { forms, plain }
    }
}

impl Redactor {
    /// Whether no secret value is known (places such as `Authorization` are always redacted).
    pub fn is_empty(&self) -> bool {
        self.known.is_empty() && self.learned.read().map(|l| l.is_empty()).unwrap_or(true)
    }

    /// A header whose value is secret (the header of an `apiKey` security scheme).
    pub fn header(&mut self, name: &str) {
        let name = name.to_ascii_lowercase();
        if !self.headers.contains(&name) {
            self.headers.push(name);
        }
    }

    /// A query parameter whose value is secret (an `apiKey` scheme `in: query`).
    pub fn query_param(&mut self, name: &str) {
        let name = name.to_ascii_lowercase();
        if !self.query_params.contains(&name) {
            self.query_params.push(name);
        }
    }

    /// `s` with every known secret replaced by its placeholder.
    pub fn redact_text(&self, s: &str) -> String {
        join(&self.text(s))
    }

    /// Headers with secret values replaced; names and order kept.
    pub fn redact_headers(&self, h: &[(String, String)]) -> Vec<(String, String)> {
        h.iter()
            .map(|(n, v)| (n.clone(), join(&self.header_value(n, v))))
            .collect()
    }

    /// A URL with its password, secret query parameters and known secrets replaced.
    pub fn redact_url(&self, url: &str) -> String {
        join(&self.url(url))
    }

    /// A body with secret fields (form or JSON, by `content_type`) and known secrets replaced.
    pub fn redact_body(&self, content_type: Option<&str>, body: &str) -> String {
        join(&self.body(content_type, body))
    }

    /// Known secrets in `s`, as segments.
    pub fn text(&self, s: &str) -> Vec<Segment> {
        let mut segments = vec![Segment::Text(s.to_string())];
        for known in &self.known {
            for form in &known.forms {
                segments = split_all(segments, form, SECRET);
            }
        }
        if let Ok(learned) = self.learned.read() {
            for known in learned.iter() {
                for form in &known.forms {
                    segments = split_all(segments, form, REDACTED);
                }
            }
        }
        // A text cut short (a truncated body) may end with the start of a secret.
        if let Some(Segment::Text(last)) = segments.last_mut()
            && let Some(cut) = self.cut_secret_start(last)
        {
            last.truncate(cut);
            segments.push(Segment::Secret(SECRET));
        }
        segments.retain(|s| !matches!(s, Segment::Text(t) if t.is_empty()));
        segments
    }

    /// Where a trailing start of a known secret begins in `s`, if one does.
    fn cut_secret_start(&self, s: &str) -> Option<usize> {
        self.known
            .iter()
            .filter_map(|k| {
                let max = k.plain.len().saturating_sub(1).min(s.len());
                (MIN_CUT_PREFIX..=max)
                    .rev()
                    .filter(|n| k.plain.is_char_boundary(*n) && s.is_char_boundary(s.len() - n))
                    .find(|n| s.ends_with(&k.plain[..*n]))
                    .map(|n| s.len() - n)
            })
            .min()
    }

    /// A header value, as segments: secret headers become one placeholder (an `Authorization`
    /// keeps its scheme), others have known secrets replaced.
    pub fn header_value(&self, name: &str, value: &str) -> Vec<Segment> {
        let lower = name.to_ascii_lowercase();
        match lower.as_str() {
            "authorization" | "proxy-authorization" => {
                let scheme = match value.split_once(' ') {
                    Some((s, r)) if !s.is_empty() && !r.trim().is_empty() => s,
                    _ => return vec![Segment::Secret(CREDENTIALS)],
                };
                let placeholder = if lower == "proxy-authorization" {
                    CREDENTIALS
                } else if scheme.eq_ignore_ascii_case("bearer") {
                    TOKEN
                } else if scheme.eq_ignore_ascii_case("basic") {
                    BASIC
                } else {
                    CREDENTIALS
                };
                vec![
                    Segment::Text(format!("{scheme} ")),
                    Segment::Secret(placeholder),
                ]
            }
            "cookie" | "set-cookie" => vec![Segment::Secret(COOKIE)],
            _ if self.headers.contains(&lower) || is_secret_header(&lower) => {
                vec![Segment::Secret(API_KEY)]
            }
            _ if self.fields.contains(&normal_name(&lower)) => vec![Segment::Secret(REDACTED)],
            _ => self.text(value),
        }
    }

    /// A URL, as segments.
    pub fn url(&self, url: &str) -> Vec<Segment> {
        let (before_fragment, fragment) = match url.split_once('#') {
            Some((b, f)) => (b, Some(f)),
            None => (url, None),
        };
        let (base, query) = match before_fragment.split_once('?') {
            Some((b, q)) => (b, Some(q)),
            None => (before_fragment, None),
        };
        let mut out = Vec::new();
        // `scheme://user:password@host/…`: the password is a secret wherever it came from.
        match userinfo_password(base) {
            Some((start, end)) => {
                out.extend(self.text(&base[..start]));
                out.push(Segment::Secret(CREDENTIALS));
                out.extend(self.text(&base[end..]));
            }
            None => out.extend(self.text(base)),
        }
        if let Some(query) = query {
            out.push(Segment::Text("?".into()));
            out.extend(self.pairs(query, |name| {
                if self.query_params.contains(&name.to_ascii_lowercase()) {
                    Some(API_KEY)
                } else {
                    self.named(name)
                }
            }));
        }
        if let Some(fragment) = fragment {
            out.push(Segment::Text("#".into()));
            out.extend(self.text(fragment));
        }
        merge(out)
    }

    /// `a=1&b=2` with the values of secret names replaced and known secrets replaced elsewhere.
    fn pairs(&self, s: &str, secret: impl Fn(&str) -> Option<&'static str>) -> Vec<Segment> {
        let mut out = Vec::new();
        for (i, pair) in s.split('&').enumerate() {
            if i > 0 {
                out.push(Segment::Text("&".into()));
            }
            let (raw_name, value) = match pair.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (pair, None),
            };
            let name: String = form_urlencoded::parse(format!("{raw_name}=").as_bytes())
                .next()
                .map(|(n, _)| n.into_owned())
                .unwrap_or_default();
            match (value, secret(&name)) {
                (Some(v), Some(placeholder)) if !v.is_empty() => {
                    out.extend(self.text(raw_name));
                    out.push(Segment::Text("=".into()));
                    out.push(Segment::Secret(placeholder));
                }
                _ => out.extend(self.text(pair)),
            }
        }
        out
    }

    /// A body, as segments: token fields of form and JSON bodies, then known secrets.
    pub fn body(&self, content_type: Option<&str>, body: &str) -> Vec<Segment> {
        let essence = content_type
            .map(|c| {
                c.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase()
            })
            .unwrap_or_default();
        if essence == "application/x-www-form-urlencoded" {
            return merge(self.pairs(body, |n| self.named(n)));
        }
        if is_json(&essence)
            && let Some(segments) = self.json_body(body)
        {
            return segments;
        }
        self.text(body)
    }

    /// A JSON body with the string values of secret-named members replaced, read lexically so
    /// that the body stays byte for byte as it was and a body cut short is still covered.
    /// `None` when no such member was found.
    fn json_body(&self, body: &str) -> Option<Vec<Segment>> {
        let ranges = secret_json_values(body, |n| self.named(n));
        if ranges.is_empty() {
            return None;
        }
        let mut out = Vec::new();
        let mut at = 0;
        for (start, end, placeholder) in ranges {
            out.extend(self.text(&body[at..start]));
            out.push(Segment::Secret(placeholder));
            at = end;
        }
        out.extend(self.text(&body[at..]));
        Some(merge(out))
    }
}

/// The byte ranges (inside the quotes) of string values of secret-named members.
fn secret_json_values(
    body: &str,
    secret: impl Fn(&str) -> Option<&'static str>,
) -> Vec<(usize, usize, &'static str)> {
    let bytes = body.as_bytes();
    // Where the string opened by the quote at `i` closes, and the index after it.
    let string_end = |i: usize| {
        let mut j = i + 1;
        while j < bytes.len() {
            match bytes[j] {
                b'\\' => j += 2,
                b'"' => return (j, j + 1),
                _ => j += 1,
            }
        }
        (bytes.len(), bytes.len())
    };
    let skip_ws = |mut j: usize| {
        while j < bytes.len() && bytes[j].is_ascii_whitespace() {
            j += 1;
        }
        j
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'"' {
            i += 1;
            continue;
        }
        let (close, after) = string_end(i);
        let colon = skip_ws(after);
        if colon < bytes.len() && bytes[colon] == b':' {
            let key = body.get(i + 1..close).unwrap_or("");
            let value = skip_ws(colon + 1);
            if let Some(placeholder) = secret(key)
                && value < bytes.len()
                && bytes[value] == b'"'
            {
                let (value_close, value_after) = string_end(value);
                let value_close = value_close.min(bytes.len());
                if value_close > value + 1 && body.is_char_boundary(value_close) {
                    out.push((value + 1, value_close, placeholder));
                }
                i = value_after;
                continue;
            }
        }
        i = after;
    }
    out
}

/// RFC 3986 unreserved characters stay; everything else is percent-encoded.
const URL_UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Whether a lower-case header name carries a credential by convention.
fn is_secret_header(lower: &str) -> bool {
    const PARTS: &[&str] = &[
        "api-key", "apikey", "api_key", "secret", "password", "passwd",
    ];
    PARTS.iter().any(|p| lower.contains(p))
        || lower == "token"
        || lower.ends_with("-token")
        || lower.ends_with("_token")
}

/// The placeholder for a query parameter, form field or JSON member named like a credential.
fn secret_field(name: &str) -> Option<&'static str> {
    let n = name.to_ascii_lowercase().replace('-', "_");
    Some(match n.as_str() {
        "access_token" | "refresh_token" | "id_token" | "token" => TOKEN,
        "api_key" | "apikey" => API_KEY,
        "client_assertion" | "assertion" => ASSERTION,
        "client_secret" | "password" | "secret" => SECRET,
        _ => return None,
    })
}

fn is_json(essence: &str) -> bool {
    essence == "application/json" || essence.ends_with("+json")
}

/// The byte range of the password in `scheme://user:password@host…`.
fn userinfo_password(base: &str) -> Option<(usize, usize)> {
    let authority_start = base.find("://")? + 3;
    let authority_end = base[authority_start..]
        .find('/')
        .map_or(base.len(), |i| authority_start + i);
    let authority = &base[authority_start..authority_end];
    let at = authority.rfind('@')?;
    let colon = authority[..at].find(':')?;
    Some((authority_start + colon + 1, authority_start + at))
}

/// The base64 forms a secret may take: its own encodings, and the part of an encoding of a
/// longer value that depends only on the secret, at each of the three byte alignments.
fn base64_forms(secret: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    for engine in [&STANDARD, &URL_SAFE] {
        out.push(engine.encode(secret));
    }
    for engine in [&STANDARD_NO_PAD, &URL_SAFE_NO_PAD] {
        for k in 0..3usize {
            let mut bytes = vec![0u8; k];
            bytes.extend_from_slice(secret);
            let encoded = engine.encode(&bytes);
            // Character i covers bits [6i, 6i+6); keep those entirely inside the secret's bits.
            let start = (8 * k).div_ceil(6);
            let end = (8 * (k + secret.len())) / 6;
            if end > start && end - start >= 8 {
                out.push(encoded[start..end].to_string());
            }
        }
    }
    out
}

/// Splits every text segment at each occurrence of `needle`, inserting a placeholder.
fn split_all(segments: Vec<Segment>, needle: &str, placeholder: &'static str) -> Vec<Segment> {
    let mut out = Vec::with_capacity(segments.len());
    for s in segments {
        match s {
            Segment::Text(t) if t.contains(needle) => {
                let mut parts = t.split(needle).peekable();
                while let Some(part) = parts.next() {
                    if !part.is_empty() {
                        out.push(Segment::Text(part.to_string()));
                    }
                    if parts.peek().is_some() {
                        out.push(Segment::Secret(placeholder));
                    }
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// Joins adjacent text segments and drops empty ones.
pub fn merge(segments: Vec<Segment>) -> Vec<Segment> {
    let mut out: Vec<Segment> = Vec::with_capacity(segments.len());
    for s in segments {
        match (out.last_mut(), s) {
            (_, Segment::Text(t)) if t.is_empty() => {}
            (Some(Segment::Text(prev)), Segment::Text(t)) => prev.push_str(&t),
            (_, s) => out.push(s),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_secret_in_every_form() {
        let mut r = Redactor::new();
        r.secret("s3cr3t/with+chars");
        assert_eq!(
            r.redact_text("x s3cr3t/with+chars y"),
            "x $KONTRAKT_SECRET y"
        );
        assert_eq!(
            r.redact_text("q=s3cr3t%2Fwith%2Bchars"),
            "q=$KONTRAKT_SECRET"
        );
        let basic = STANDARD.encode("klient:s3cr3t/with+chars");
        let shown = r.redact_text(&basic);
        assert!(!shown.contains(&STANDARD_NO_PAD.encode("s3cr3t/with+chars")[..8]));
        assert!(shown.contains("$KONTRAKT_SECRET"), "{shown}");
    }

    #[test]
    fn base64_middles_cover_every_alignment() {
        let secret = b"abcdefghijkl";
        for prefix in ["", "x", "xy", "xyz"] {
            let mut bytes = prefix.as_bytes().to_vec();
            bytes.extend_from_slice(secret);
            bytes.extend_from_slice(b"tail");
            let encoded = STANDARD.encode(&bytes);
            assert!(
                base64_forms(secret).iter().any(|f| encoded.contains(f)),
                "prefix {prefix:?}"
            );
        }
    }

    #[test]
    fn cut_off_secret_at_the_end() {
        let mut r = Redactor::new();
        r.secret("eyJhbGciOiJSUzI1NiJ9.payload.signature");
        assert_eq!(
            r.redact_text("token: eyJhbGciOiJSUzI1"),
            "token: $KONTRAKT_SECRET"
        );
        assert_eq!(r.redact_text("short eyJh"), "short eyJh");
    }

    #[test]
    fn places_that_are_always_secret() {
        let r = Redactor::new();
        let h = r.redact_headers(&[
            ("Authorization".into(), "Bearer abc.def".into()),
            ("authorization".into(), "Basic dXNlcjpwdw==".into()),
            ("Cookie".into(), "session=1".into()),
            ("X-Api-Key".into(), "k".into()),
            ("X-Correlation-Id".into(), "c".into()),
        ]);
        assert_eq!(h[0].1, "Bearer $KONTRAKT_TOKEN");
        assert_eq!(h[1].1, "Basic $KONTRAKT_BASIC");
        assert_eq!(h[2].1, "$KONTRAKT_COOKIE");
        assert_eq!(h[3].1, "$KONTRAKT_API_KEY");
        assert_eq!(h[4].1, "c");
        assert_eq!(
            r.redact_url("https://u:pw@h/p?access_token=t&x=1#f"),
            "https://u:$KONTRAKT_CREDENTIALS@h/p?access_token=$KONTRAKT_TOKEN&x=1#f"
        );
        assert_eq!(
            r.redact_body(
                Some("application/json; charset=utf-8"),
                r#"{"access_token":"t","n":[{"client_secret":"s"}],"x":1}"#
            ),
            r#"{"access_token":"$KONTRAKT_TOKEN","n":[{"client_secret":"$KONTRAKT_SECRET"}],"x":1}"#
        );
        assert_eq!(
            r.redact_body(
                Some("application/x-www-form-urlencoded"),
                "grant_type=client_credentials&client_assertion=a.b.c"
            ),
            "grant_type=client_credentials&client_assertion=$KONTRAKT_ASSERTION"
        );
    }

    #[test]
    fn json_members_read_lexically() {
        let r = Redactor::new();
        assert_eq!(
            r.redact_body(
                Some("application/json"),
                r#"{"x":"access_token", "token" : "a\"b", "password":"cut sh"#
            ),
            r#"{"x":"access_token", "token" : "$KONTRAKT_TOKEN", "password":"$KONTRAKT_SECRET"#
        );
    }

    #[test]
    fn named_fields_and_learned_values_are_redacted_in_every_clone() {
        let mut r = Redactor::new();
        r.field("cprNummer");
        let clone = r.clone();
        assert_eq!(
            r.redact_body(
                Some("application/json"),
                r#"{"cprNummer":"0707611111","navn":"A"}"#
            ),
            r#"{"cprNummer":"$KONTRAKT_REDACTED","navn":"A"}"#
        );
        assert_eq!(
            r.redact_url("http://h/p?cprnummer=0707611111&x=1"),
            "http://h/p?cprnummer=$KONTRAKT_REDACTED&x=1"
        );
        assert_eq!(
            r.redact_headers(&[("CPR-Nummer".into(), "0707611111".into())])[0].1,
            "$KONTRAKT_REDACTED"
        );
        // Learned by one clone, known to every other.
        r.learn("0101701234");
        assert_eq!(
            clone.redact_url("http://h/personer/0101701234"),
            "http://h/personer/$KONTRAKT_REDACTED"
        );
        assert!(!clone.is_empty());
    }
}
