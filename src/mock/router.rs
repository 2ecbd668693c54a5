//! Maps a request's path and method to the operation that serves it.
//!
//! Templates are split into segments and kept in a tree, so routing costs one map lookup per
//! segment whatever the number of operations. A literal segment beats a parameter segment at the
//! same depth (`/sager/aktive` before `/sager/{sagId}`), as OpenAPI asks ("concrete paths are
//! matched before their templated counterparts"), and the tree backtracks when the literal branch
//! leads nowhere.

use std::collections::HashMap;

/// One segment of a path template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    /// `{name}` alone, or with fixed text around it (`{id}.pdf`, `v{version}`).
    Param {
        prefix: String,
        suffix: String,
    },
}

#[derive(Debug, Default)]
struct Node {
    literals: HashMap<String, Node>,
    /// (prefix, suffix, subtree); the parameter's name is the operation's business, since
    /// templates sharing this node may name it differently (`/a/{id}` and `/a/{sagId}/b`).
    params: Vec<(String, String, Node)>,
    /// (method in upper case, operation index)
    methods: Vec<(String, usize)>,
}

/// The result of routing one request.
#[derive(Debug, PartialEq, Eq)]
pub enum Match {
    /// The operation and the raw (still percent-encoded) path parameter values, in template
    /// order.
    Found {
        op: usize,
        values: Vec<String>,
    },
    /// The path exists, the method does not: the methods that do, for `Allow`.
    MethodNotAllowed {
        allow: Vec<String>,
    },
    NotFound,
}

/// Why a template could not be added.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RouteError {
    #[error("{method} {template} is already served by another operation")]
    Duplicate { method: String, template: String },
    #[error("path template {template} is malformed: {reason}")]
    Malformed { template: String, reason: String },
}

#[derive(Debug, Default)]
pub struct Router {
    root: Node,
}

impl Router {
    pub fn new() -> Self {
        Router::default()
    }

    /// Adds `method template` → `op`. The template is the full path (server base path included).
    pub fn add(&mut self, method: &str, template: &str, op: usize) -> Result<(), RouteError> {
        let segments = parse_template(template)?;
        let mut node = &mut self.root;
        for segment in segments {
            node = match segment {
                Segment::Literal(s) => node.literals.entry(s).or_default(),
                Segment::Param { prefix, suffix } => {
                    let i = match node
                        .params
                        .iter()
                        .position(|(p, s, _)| *p == prefix && *s == suffix)
                    {
                        Some(i) => i,
                        None => {
                            let key = (prefix.clone(), suffix.clone());
                            node.params.push((prefix, suffix, Node::default()));
                            // Longer fixed text is more specific: try it first.
                            node.params
                                .sort_by_key(|(p, s, _)| std::cmp::Reverse(p.len() + s.len()));
                            node.params
                                .iter()
                                .position(|(p, s, _)| (p, s) == (&key.0, &key.1))
                                .unwrap_or(0)
                        }
                    };
                    &mut node.params[i].2
                }
            };
        }
        let method = method.to_ascii_uppercase();
        if node.methods.iter().any(|(m, _)| *m == method) {
            return Err(RouteError::Duplicate {
                method,
                template: template.to_string(),
            });
        }
        node.methods.push((method, op));
        Ok(())
    }

    /// Routes a request path (without the query string). Empty segments from a doubled or
    /// trailing slash are not ignored: `/sager/` is not `/sager`, as on most real servers.
    pub fn route(&self, method: &str, path: &str) -> Match {
        let Some(rest) = path.strip_prefix('/') else {
            return Match::NotFound;
        };
        let segments: Vec<&str> = if rest.is_empty() {
            Vec::new()
        } else {
            rest.split('/').collect()
        };
        let mut values = Vec::new();
        let Some(node) = find(&self.root, &segments, &mut values) else {
            return Match::NotFound;
        };
        let head_as_get = method.eq_ignore_ascii_case("HEAD");
        let found = node
            .methods
            .iter()
            .find(|(m, _)| m.eq_ignore_ascii_case(method))
            .or_else(|| {
                // HEAD is GET without the body (RFC 9110 §9.3.2) unless documented on its own.
                head_as_get
                    .then(|| node.methods.iter().find(|(m, _)| m == "GET"))
                    .flatten()
            });
        match found {
            Some((_, op)) => Match::Found { op: *op, values },
            None => {
                let mut allow: Vec<String> = node.methods.iter().map(|(m, _)| m.clone()).collect();
                if allow.iter().any(|m| m == "GET") && !allow.iter().any(|m| m == "HEAD") {
                    allow.push("HEAD".into());
                }
                allow.sort();
                Match::MethodNotAllowed { allow }
            }
        }
    }
}

/// Depth-first search preferring literals; `values` collects parameter values on the way.
fn find<'n>(node: &'n Node, segments: &[&str], values: &mut Vec<String>) -> Option<&'n Node> {
    let Some((first, rest)) = segments.split_first() else {
        return (!node.methods.is_empty()).then_some(node);
    };
    if let Some(next) = node.literals.get(*first)
        && let Some(found) = find(next, rest, values)
    {
        return Some(found);
    }
    for (prefix, suffix, next) in &node.params {
        let Some(value) = first
            .strip_prefix(prefix.as_str())
            .and_then(|v| v.strip_suffix(suffix.as_str()))
        else {
            continue;
        };
        if value.is_empty() {
            continue;
        }
        values.push(value.to_string());
        if let Some(found) = find(next, rest, values) {
            return Some(found);
        }
        values.pop();
    }
    None
}

fn parse_template(template: &str) -> Result<Vec<Segment>, RouteError> {
    let malformed = |reason: &str| RouteError::Malformed {
        template: template.to_string(),
        reason: reason.to_string(),
    };
    let Some(rest) = template.strip_prefix('/') else {
        return Err(malformed("it does not start with `/`"));
    };
    if rest.is_empty() {
        return Ok(Vec::new());
    }
    rest.split('/')
        .map(|seg| {
            let open = seg.matches('{').count();
            let close = seg.matches('}').count();
            match (open, close) {
                (0, 0) => Ok(Segment::Literal(seg.to_string())),
                (1, 1) => {
                    let start = seg.find('{').unwrap_or(0);
                    let end = seg.find('}').unwrap_or(0);
                    if end < start + 2 {
                        return Err(malformed("a parameter has no name"));
                    }
                    Ok(Segment::Param {
                        prefix: seg[..start].to_string(),
                        suffix: seg[end + 1..].to_string(),
                    })
                }
                _ => Err(malformed(
                    "a segment holds more than one parameter or an unbalanced brace",
                )),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn router() -> Router {
        let mut r = Router::new();
        r.add("get", "/v1/sager", 0).unwrap();
        r.add("post", "/v1/sager", 1).unwrap();
        r.add("get", "/v1/sager/{sagId}", 2).unwrap();
        r.add("get", "/v1/sager/aktive", 3).unwrap();
        r.add("get", "/v1/sager/{id}/krav/{kravId}", 4).unwrap();
        r.add("get", "/v1/filer/{navn}.pdf", 5).unwrap();
        r.add("get", "/", 6).unwrap();
        r
    }

    #[test]
    fn literals_win_over_parameters() {
        let r = router();
        assert_eq!(
            r.route("GET", "/v1/sager/aktive"),
            Match::Found {
                op: 3,
                values: vec![]
            }
        );
        assert_eq!(
            r.route("GET", "/v1/sager/42"),
            Match::Found {
                op: 2,
                values: vec!["42".into()]
            }
        );
    }

    #[test]
    fn parameters_through_nested_paths_and_affixes() {
        let r = router();
        assert_eq!(
            r.route("GET", "/v1/sager/7/krav/9"),
            Match::Found {
                op: 4,
                values: vec!["7".into(), "9".into()]
            }
        );
        assert_eq!(
            r.route("GET", "/v1/filer/rapport.pdf"),
            Match::Found {
                op: 5,
                values: vec!["rapport".into()]
            }
        );
        assert_eq!(r.route("GET", "/v1/filer/.pdf"), Match::NotFound);
        assert_eq!(
            r.route("GET", "/"),
            Match::Found {
                op: 6,
                values: vec![]
            }
        );
    }

    #[test]
    fn unknown_paths_and_methods() {
        let r = router();
        assert_eq!(r.route("GET", "/v1/nope"), Match::NotFound);
        assert_eq!(r.route("GET", "/v1/sager/"), Match::NotFound);
        assert_eq!(r.route("GET", "v1/sager"), Match::NotFound);
        assert_eq!(
            r.route("DELETE", "/v1/sager"),
            Match::MethodNotAllowed {
                allow: vec!["GET".into(), "HEAD".into(), "POST".into()]
            }
        );
        assert_eq!(
            r.route("HEAD", "/v1/sager"),
            Match::Found {
                op: 0,
                values: vec![]
            }
        );
    }

    #[test]
    fn duplicates_and_malformed_templates_are_refused() {
        let mut r = router();
        assert!(matches!(
            r.add("GET", "/v1/sager/{other}", 9),
            Err(RouteError::Duplicate { .. })
        ));
        assert!(matches!(
            r.add("GET", "/v1/{a}{b}", 9),
            Err(RouteError::Malformed { .. })
        ));
        assert!(matches!(
            r.add("GET", "v1", 9),
            Err(RouteError::Malformed { .. })
        ));
    }
}
