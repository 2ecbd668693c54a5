//! Content negotiation and the `Prefer` conventions: which documented media type a request body
//! is, which one a response should be, and what the client asked the mock for.

/// The `type/subtype` of a media type, lower-cased, without parameters.
pub fn essence(media: &str) -> String {
    media
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// Whether a documented media-type key (which may be a range such as `application/*` or `*/*`)
/// covers a concrete media type.
pub fn covers(documented: &str, concrete: &str) -> bool {
    let documented = essence(documented);
    let concrete = essence(concrete);
    if documented == concrete || documented == "*/*" {
        return true;
    }
    match (documented.split_once('/'), concrete.split_once('/')) {
        (Some((dt, "*")), Some((ct, _))) => dt == ct,
        _ => false,
    }
}

/// The documented request media type (its index) that a `Content-Type` matches, preferring an
/// exact match over a range.
pub fn request_media(documented: &[&str], content_type: &str) -> Option<usize> {
    let concrete = essence(content_type);
    documented
        .iter()
        .position(|d| essence(d) == concrete)
        .or_else(|| documented.iter().position(|d| covers(d, &concrete)))
}

/// One entry of an `Accept` header.
#[derive(Debug, Clone, PartialEq)]
struct Range {
    media: String,
    q: f32,
}

fn accept_ranges(accept: &str) -> Vec<Range> {
    accept
        .split(',')
        .filter_map(|part| {
            let mut pieces = part.split(';');
            let media = pieces.next()?.trim().to_ascii_lowercase();
            if media.is_empty() {
                return None;
            }
            let mut q = 1.0;
            for p in pieces {
                if let Some(v) = p.trim().strip_prefix("q=") {
                    q = v.trim().parse().unwrap_or(0.0);
                }
            }
            Some(Range { media, q })
        })
        .collect()
}

/// Picks the documented response media type (its index) that `Accept` likes best; the first
/// documented one when there is no `Accept`. `None`: nothing acceptable (406).
pub fn response_media(documented: &[&str], accept: Option<&str>) -> Option<usize> {
    if documented.is_empty() {
        return None;
    }
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return Some(0);
    };
    let ranges = accept_ranges(accept);
    let mut best: Option<(f32, u8, usize)> = None;
    for (i, doc) in documented.iter().enumerate() {
        let doc = essence(doc);
        // The most specific range that matches decides this media type's quality.
        let mut quality: Option<(u8, f32)> = None;
        for r in &ranges {
            let specificity = if r.media == doc {
                3
            } else if covers(&r.media, &doc) {
                if r.media == "*/*" { 1 } else { 2 }
            } else if covers(&doc, &r.media) {
                // A documented range (`application/*`) answers a concrete Accept.
                2
            } else {
                continue;
            };
            if quality.is_none_or(|(s, _)| specificity > s) {
                quality = Some((specificity, r.q));
            }
        }
        if let Some((specificity, q)) = quality
            && q > 0.0
            && best.is_none_or(|(bq, bs, _)| q > bq || (q == bq && specificity > bs))
        {
            best = Some((q, specificity, i));
        }
    }
    best.map(|(_, _, i)| i)
}

/// What a client asked for with `Prefer` (Prism's conventions: `code`, `example`, `dynamic`).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Prefer {
    pub code: Option<u16>,
    pub example: Option<String>,
    pub dynamic: bool,
}

impl Prefer {
    /// Reads every `Prefer` header value; unknown preferences are ignored (RFC 7240 §2).
    pub fn parse<'a>(values: impl Iterator<Item = &'a str>) -> Result<Prefer, String> {
        let mut prefer = Prefer::default();
        for value in values {
            for item in value.split([',', ';']) {
                let (key, val) = match item.split_once('=') {
                    Some((k, v)) => (k.trim(), v.trim().trim_matches('"')),
                    None => (item.trim(), ""),
                };
                match key.to_ascii_lowercase().as_str() {
                    "code" => {
                        prefer.code = Some(
                            val.parse::<u16>()
                                .ok()
                                .filter(|c| (100..600).contains(c))
                                .ok_or_else(|| {
                                    format!("Prefer: code={val} is not an HTTP status code")
                                })?,
                        );
                    }
                    "example" => prefer.example = Some(val.to_string()),
                    "dynamic" => prefer.dynamic = val.is_empty() || val == "true",
                    _ => {}
                }
            }
        }
        Ok(prefer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_media_matching() {
        let docs = ["application/json", "application/*", "multipart/form-data"];
        assert_eq!(
            request_media(&docs, "application/json; charset=utf-8"),
            Some(0)
        );
        assert_eq!(request_media(&docs, "Application/JSON"), Some(0));
        assert_eq!(request_media(&docs, "application/xml"), Some(1));
        assert_eq!(
            request_media(&docs, "multipart/form-data; boundary=x"),
            Some(2)
        );
        assert_eq!(request_media(&docs, "text/plain"), None);
        assert_eq!(request_media(&["*/*"], "text/plain"), Some(0));
    }

    #[test]
    fn accept_negotiation() {
        let docs = ["application/json", "application/pdf"];
        assert_eq!(response_media(&docs, None), Some(0));
        assert_eq!(response_media(&docs, Some("application/pdf")), Some(1));
        assert_eq!(
            response_media(&docs, Some("application/json;q=0.5, application/pdf")),
            Some(1)
        );
        assert_eq!(response_media(&docs, Some("*/*")), Some(0));
        assert_eq!(response_media(&docs, Some("application/*;q=0.1")), Some(0));
        assert_eq!(response_media(&docs, Some("text/html")), None);
        assert_eq!(
            response_media(&docs, Some("application/pdf;q=0, */*")),
            Some(0)
        );
        assert_eq!(response_media(&[], Some("*/*")), None);
        assert_eq!(
            response_media(&["application/*"], Some("application/json")),
            Some(0)
        );
    }

    #[test]
    fn prefer_header() {
        let p = Prefer::parse(["code=404, example=tom", "dynamic=true"].into_iter()).unwrap();
        assert_eq!(
            p,
            Prefer {
                code: Some(404),
                example: Some("tom".into()),
                dynamic: true
            }
        );
        assert_eq!(
            Prefer::parse(["respond-async, wait=5"].into_iter()).unwrap(),
            Prefer::default()
        );
        assert!(Prefer::parse(["code=abc"].into_iter()).is_err());
        assert!(Prefer::parse(["code=99"].into_iter()).is_err());
    }
}
