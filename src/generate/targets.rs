//! Every schema an operation carries, with the direction it travels in: what a mock generates
//! (response bodies and headers) and what a test client generates (parameters, request bodies).

use crate::spec::normalize::Direction;
use crate::spec::{Loc, Model};

/// One schema of one operation.
#[derive(Debug, Clone)]
pub struct Target {
    /// Index into `Model::operations`.
    pub operation: usize,
    /// What it is, for messages: `parameter id`, `request body application/json`,
    /// `response 200 application/json`, `response 200 header X-Rate`.
    pub role: String,
    pub schema: Loc,
    pub direction: Direction,
}

pub fn targets(model: &Model) -> Vec<Target> {
    let mut out = Vec::new();
    for (i, op) in model.operations.iter().enumerate() {
        let mut push = |role: String, schema: &Loc, direction| {
            out.push(Target {
                operation: i,
                role,
                schema: schema.clone(),
                direction,
            })
        };
        for p in &op.parameters {
            if let Some(s) = &p.schema {
                push(format!("parameter {}", p.name), s, Direction::Request);
            }
            for m in &p.content {
                if let Some(s) = &m.schema {
                    push(
                        format!("parameter {} {}", p.name, m.name),
                        s,
                        Direction::Request,
                    );
                }
            }
        }
        if let Some(body) = &op.request_body {
            for m in &body.content {
                if let Some(s) = &m.schema {
                    push(format!("request body {}", m.name), s, Direction::Request);
                }
            }
        }
        for r in &op.responses {
            for m in &r.content {
                if let Some(s) = &m.schema {
                    push(
                        format!("response {} {}", r.key, m.name),
                        s,
                        Direction::Response,
                    );
                }
            }
            for h in &r.headers {
                if let Some(s) = &h.schema {
                    push(
                        format!("response {} header {}", r.key, h.name),
                        s,
                        Direction::Response,
                    );
                }
                for m in &h.content {
                    if let Some(s) = &m.schema {
                        push(
                            format!("response {} header {} {}", r.key, h.name, m.name),
                            s,
                            Direction::Response,
                        );
                    }
                }
            }
        }
    }
    out
}
