//! `use-after-delete`: a resource the server deleted must be gone (stateful phase).

use crate::check::registry::judges_no_single_exchange;
use crate::check::{ChainContext, Check, Finding, StepRole};
use crate::exchange::Exchange;

pub static CHECK: Check = Check {
    id: "use-after-delete",
    title: "A deleted resource answers 404 or 410",
    doc: "\
## What it detects
In a stateful chain (create → read → delete → read), the read after a successful `DELETE` \
answers anything but `404 Not Found` or `410 Gone`: the resource is still served.

## Why it matters
A client that deleted something (withdrew a krav, removed a draft document) relies on it being \
gone; a server that keeps serving it shows withdrawn data to the court and other parties, and \
a later re-creation may collide with the ghost.

## Example
`DELETE /sager/7/krav/9` answered `204`, then `GET /sager/7/krav/9` answered `200` with the \
krav.

## How to fix
Remove the record (or mark it deleted and filter it from every read) in the same transaction \
that answers the `DELETE`; answer `404` or `410` for it afterwards.
",
    default_enabled: true,
    judge: judges_no_single_exchange,
    judge_chain: Some(judge_chain),
};

/// Every read after a 2xx `DELETE` must answer 404 or 410.
pub fn judge_chain(ctx: &ChainContext<'_>, exchanges: &[Exchange]) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut deleted: Option<(usize, u16)> = None;
    for (i, ex) in exchanges.iter().enumerate() {
        let Some((role, _)) = ctx.steps.get(i) else {
            break;
        };
        let Some(r) = ex.response() else { continue };
        match role {
            StepRole::Delete if (200..300).contains(&r.status) => deleted = Some((i, r.status)),
            StepRole::ReadAfterDelete => {
                if let Some((d, status)) = deleted
                    && r.status != 404
                    && r.status != 410
                {
                    out.push(Finding::new(
                        CHECK.id,
                        format!(
                            "{} {} answered {} after {} {} answered {status}: a deleted resource must answer 404 or 410",
                            ex.request.method,
                            ex.request.url,
                            r.status,
                            exchanges[d].request.method,
                            exchanges[d].request.url
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
    fn reads_after_a_delete_must_not_find_it() {
        let model = Model::default();
        let steps = [
            (StepRole::Create, 0),
            (StepRole::Delete, 1),
            (StepRole::ReadAfterDelete, 2),
        ];
        let ctx = ChainContext {
            model: &model,
            steps: &steps,
        };
        let chain = |after: u16, delete: u16| {
            vec![
                fixture("POST", "http://h/x", 201, r#"{"id":"1"}"#),
                fixture("DELETE", "http://h/x/1", delete, ""),
                fixture("GET", "http://h/x/1", after, r#"{"id":"1"}"#),
            ]
        };
        assert!(judge_chain(&ctx, &chain(404, 204)).is_empty());
        assert!(judge_chain(&ctx, &chain(410, 200)).is_empty());
        let f = judge_chain(&ctx, &chain(200, 204));
        assert_eq!(f.len(), 1);
        assert!(
            f[0].message.contains("GET http://h/x/1 answered 200"),
            "{f:?}"
        );
        // A refused delete proves nothing about the read.
        assert!(judge_chain(&ctx, &chain(200, 403)).is_empty());
    }
}
