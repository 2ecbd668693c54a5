//! `created-resource-available`: what a create returned can be read back (stateful phase).

use serde_json::Value;

use crate::check::registry::judges_no_single_exchange;
use crate::check::{ChainContext, Check, Finding, StepRole};
use crate::exchange::Exchange;

pub static CHECK: Check = Check {
    id: "created-resource-available",
    title: "A created resource can be read back, with the data the create returned",
    doc: "\
## What it detects
In a stateful chain, the read right after a successful create does not answer 2xx, or answers \
with different values for fields that both the create's and the read's response carry \
(top-level fields of JSON objects).

## Why it matters
A client keeps the id a create returned and reads the resource later (a krav's status, a \
document's scan result). A resource that cannot be read back, or that reads back different \
from what was confirmed, is a lost filing as far as the client can tell.

## Example
`POST /sager/7/krav` answered `201` with `{\"kravId\": \"9\", \"beloeb\": 100}`; \
`GET /sager/7/krav/9` answered `404` (or `{\"kravId\": \"9\", \"beloeb\": 0}`).

## How to fix
Answer the create only after the resource is stored where reads find it (no eventual \
consistency without saying so, e.g. `202` and a status to poll), and build both responses from \
the same stored record.
",
    default_enabled: true,
    judge: judges_no_single_exchange,
    judge_chain: Some(judge_chain),
};

fn json(ex: &Exchange) -> Option<Value> {
    serde_json::from_slice(&ex.response()?.body).ok()
}

/// The first read after a 2xx create must answer 2xx with the same shared top-level fields.
pub fn judge_chain(ctx: &ChainContext<'_>, exchanges: &[Exchange]) -> Vec<Finding> {
    let mut created: Option<usize> = None;
    for (i, ex) in exchanges.iter().enumerate() {
        let Some((role, _)) = ctx.steps.get(i) else {
            break;
        };
        let Some(r) = ex.response() else { continue };
        match role {
            StepRole::Create if (200..300).contains(&r.status) => created = Some(i),
            StepRole::Read => {
                let Some(c) = created else { continue };
                let create = &exchanges[c];
                if !(200..300).contains(&r.status) {
                    return vec![Finding::new(
                        CHECK.id,
                        format!(
                            "{} {} answered {} right after {} {} created it",
                            ex.request.method,
                            ex.request.url,
                            r.status,
                            create.request.method,
                            create.request.url
                        ),
                    )];
                }
                let (Some(Value::Object(a)), Some(Value::Object(b))) = (json(create), json(ex))
                else {
                    return Vec::new();
                };
                let differ: Vec<String> = a
                    .iter()
                    .filter_map(|(k, v)| match b.get(k) {
                        Some(w) if w != v => Some(format!("{k}: created {v}, read {w}")),
                        _ => None,
                    })
                    .collect();
                if differ.is_empty() {
                    return Vec::new();
                }
                return vec![
                    Finding::new(
                        CHECK.id,
                        format!(
                            "{} {} reads back {} field{} different from what {} {} returned",
                            ex.request.method,
                            ex.request.url,
                            differ.len(),
                            if differ.len() == 1 { "" } else { "s" },
                            create.request.method,
                            create.request.url
                        ),
                    )
                    .detail(differ.join("\n")),
                ];
            }
            _ => {}
        }
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Model;
    use crate::stateful::fixture;

    #[test]
    fn a_created_resource_reads_back_the_same() {
        let model = Model::default();
        let steps = [(StepRole::Create, 0), (StepRole::Read, 1)];
        let ctx = ChainContext {
            model: &model,
            steps: &steps,
        };
        let chain = |status: u16, body: &str| {
            vec![
                fixture("POST", "http://h/x", 201, r#"{"id":"1","navn":"a"}"#),
                fixture("GET", "http://h/x/1", status, body),
            ]
        };
        assert!(judge_chain(&ctx, &chain(200, r#"{"id":"1","navn":"a","ny":1}"#)).is_empty());
        assert!(judge_chain(&ctx, &chain(200, r#"{"id":"1"}"#)).is_empty());
        let f = judge_chain(&ctx, &chain(404, ""));
        assert!(
            f[0].message.contains("answered 404 right after POST"),
            "{f:?}"
        );
        let f = judge_chain(&ctx, &chain(200, r#"{"id":"1","navn":"b"}"#));
        assert_eq!(
            f[0].detail.as_deref(),
            Some(r#"navn: created "a", read "b""#)
        );
    }
}
