//! `id-consistency`: an id one operation issues is accepted where it links to (stateful phase).

use crate::check::registry::judges_no_single_exchange;
use crate::check::{ChainContext, Check, Finding, StepRole};
use crate::exchange::Exchange;

pub static CHECK: Check = Check {
    id: "id-consistency",
    title: "An id issued by one operation is accepted by the operations that link to it",
    doc: "\
## What it detects
In a stateful chain, an operation that takes the id a create just issued (an OpenAPI link from \
the create's response, or a path below the created item such as `/sager/{sagId}/frister`) \
answers `404 Not Found` for it, before anything deleted it.

## Why it matters
Ids flow between operations and between services: the kvitteringId of a filing is used to \
fetch the receipt, a dokumentId from the document store is filed on a case. An id that one \
part issues and another does not recognise breaks the flow at the second step, typically \
because the two read different stores or format the id differently.

## Example
`POST /doedsbojournaler/1/krav` answered `201` with `{\"kvitteringId\": \"k-9\"}`; \
`GET /kvitteringer/k-9` (its link `hentKvittering`) answered `404`.

## How to fix
Issue ids from the store every consumer reads, in one canonical form (case, zero padding, \
UUID format), and keep the links in the spec in step with the implementation.
",
    default_enabled: true,
    judge: judges_no_single_exchange,
    judge_chain: Some(judge_chain),
};

/// Every consumer step after a 2xx create and before any delete must not answer 404.
pub fn judge_chain(ctx: &ChainContext<'_>, exchanges: &[Exchange]) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut created: Option<usize> = None;
    for (i, ex) in exchanges.iter().enumerate() {
        let Some((role, _)) = ctx.steps.get(i) else {
            break;
        };
        let Some(r) = ex.response() else { continue };
        match role {
            StepRole::Create if (200..300).contains(&r.status) => created = Some(i),
            StepRole::Delete => break,
            StepRole::Consumer if r.status == 404 => {
                if let Some(c) = created {
                    out.push(Finding::new(
                        CHECK.id,
                        format!(
                            "{} {} answered 404 for an id that {} {} issued",
                            ex.request.method,
                            ex.request.url,
                            exchanges[c].request.method,
                            exchanges[c].request.url
                        ),
                    ));
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Model;
    use crate::stateful::fixture;

    #[test]
    fn linked_operations_accept_the_issued_id() {
        let model = Model::default();
        let steps = [(StepRole::Create, 0), (StepRole::Consumer, 1)];
        let ctx = ChainContext {
            model: &model,
            steps: &steps,
        };
        let chain = |status: u16, create: u16| {
            vec![
                fixture("POST", "http://h/x", create, r#"{"id":"1"}"#),
                fixture("GET", "http://h/kvitteringer/1", status, "{}"),
            ]
        };
        assert!(judge_chain(&ctx, &chain(200, 201)).is_empty());
        assert!(judge_chain(&ctx, &chain(403, 201)).is_empty());
        assert!(judge_chain(&ctx, &chain(404, 400)).is_empty());
        let f = judge_chain(&ctx, &chain(404, 201));
        assert!(
            f[0].message
                .starts_with("GET http://h/kvitteringer/1 answered 404"),
            "{f:?}"
        );
    }
}
