//! `content-type-documented`: the response's `Content-Type` is one its status documents.

use crate::check::matching::{Media, bodiless, judged_response, label, response_for};
use crate::check::{Check, CheckContext, Finding};
use crate::exchange::Exchange;

pub static CHECK: Check = Check {
    id: "content-type-documented",
    title: "The response Content-Type is documented for its status",
    doc: "\
## What it detects
A response whose `Content-Type` matches none of the media types documented for its status, a \
`Content-Type` that is not a media type at all, or a body sent without any `Content-Type`.

Matching follows the spec's own words: a documented `application/json` covers \
`application/json; charset=utf-8` but not `application/problem+json`; ranges (`*/*`, \
`application/*`, `application/*+json`) cover what they say. Parameters the spec writes must be \
sent with the same value (a missing `charset` is accepted as the default).

## Why it matters
Clients choose their parser by `Content-Type`. A type the spec does not promise is read with \
the wrong parser or refused, and an error page from a proxy in place of JSON turns a clear \
error into a parse failure far from its cause.

Not judged: statuses that document no content (nothing to compare with), responses that have no \
body by definition (`HEAD`, 204, 304), an empty body without `Content-Type` (that is \
`response-schema-conforms`' \"empty body\"), undocumented statuses (`status-code-documented`), \
rate limits and probes.

## Example
`GET /sager/{sagId}` documents `application/json` for 200; the server sent `text/html` (an error \
page from a proxy), or `application/problem+json` for a status that documents only \
`application/json`.

## How to fix
Send the documented media type, or document the one the server sends (for error responses, \
often `application/problem+json` on a `4XX` or `default` entry).
",
    default_enabled: true,
    judge,
    judge_chain: None,
};

fn judge(ctx: &CheckContext<'_>, ex: &Exchange) -> Vec<Finding> {
    let Some(r) = judged_response(ex) else {
        return Vec::new();
    };
    let Some(entry) = response_for(ctx.op, r.status) else {
        return Vec::new();
    };
    if entry.content.is_empty() || (bodiless(&ex.request.method, r.status) && r.body.is_empty()) {
        return Vec::new();
    }
    let documented = entry
        .content
        .iter()
        .map(|m| m.name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let at = entry.loc.child("content");
    let Some(content_type) = r.header("content-type") else {
        if r.body.is_empty() {
            return Vec::new();
        }
        return vec![
            Finding::new(
                CHECK.id,
                format!(
                    "no Content-Type on a {}-byte body from {} (status {}; documented: {documented})",
                    r.body.len(),
                    label(ctx.op),
                    r.status
                ),
            )
            .at(at),
        ];
    };
    let Some(actual) = Media::parse(content_type) else {
        return vec![
            Finding::new(
                CHECK.id,
                format!(
                    "Content-Type `{content_type}` from {} is not a media type (status {})",
                    label(ctx.op),
                    r.status
                ),
            )
            .at(at),
        ];
    };
    let covered = entry
        .content
        .iter()
        .filter_map(|m| Media::parse(&m.name))
        .any(|d| d.covers(&actual));
    if covered {
        return Vec::new();
    }
    vec![
        Finding::new(
            CHECK.id,
            format!(
                "Content-Type {content_type} from {} is not documented for status {} (documented: {documented})",
                label(ctx.op),
                r.status
            ),
        )
        .at(at),
    ]
}
