//! Builds a `serde_json::Value` and its pre-order position table from parser events.
//!
//! Both parsers drive this one builder, so depth and size limits, duplicate-key detection and the
//! alignment between values and positions live in one place. It is iterative (an explicit stack),
//! so deep input cannot overflow the thread's stack.

use serde_json::{Map, Value};

use super::{Limits, ParseError, Parsed};
use crate::spec::source::{Pos, SpanNode, SpanTree};

/// An open container. Its members wait in [`TreeBuilder::scratch`] from `start` on, so that each
/// array and map is allocated once, at its exact size, when it closes: growing them member by
/// member would leave up to half their capacity unused in the finished value.
enum Frame {
    Array {
        node: usize,
        anchor: usize,
        /// Where this array's items start in [`TreeBuilder::items`].
        start: usize,
    },
    Object {
        node: usize,
        anchor: usize,
        start: usize,
        key: Option<PendingKey>,
        /// YAML merge sources (`<<: *base`), applied when the mapping closes.
        merges: Vec<(usize, Value)>,
    },
}

/// A finished object member waiting for its object to close.
struct Member {
    key: String,
    value: Value,
    node: usize,
}

struct PendingKey {
    name: String,
    pos: Pos,
    merge: bool,
}

/// An anchored YAML value kept for later aliases: anchor id, value, its position nodes.
pub(crate) type Anchored = (usize, Value, Vec<SpanNode>);

/// A finished value with the node index of its root, handed to its parent.
pub(crate) struct Done {
    pub value: Value,
    pub node: usize,
}

pub(crate) struct TreeBuilder {
    nodes: Vec<SpanNode>,
    stack: Vec<Frame>,
    /// Members of open objects, innermost last.
    scratch: Vec<Member>,
    /// Items of open arrays, innermost last (no key or node: arrays need neither).
    items: Vec<Value>,
    root: Option<Value>,
    limits: Limits,
    /// Values copied in by aliases, bounded separately from values written out.
    aliased: usize,
}

impl TreeBuilder {
    pub fn new(limits: Limits) -> Self {
        TreeBuilder {
            nodes: Vec::new(),
            stack: Vec::new(),
            scratch: Vec::new(),
            items: Vec::new(),
            root: None,
            limits,
            aliased: 0,
        }
    }

    /// Whether the next value is a mapping key (YAML decides key vs value this way).
    pub fn expecting_key(&self) -> bool {
        matches!(self.stack.last(), Some(Frame::Object { key: None, .. }))
    }

    pub fn node(&self, index: usize) -> SpanNode {
        self.nodes[index]
    }

    pub fn has_root(&self) -> bool {
        self.root.is_some() || !self.stack.is_empty()
    }

    pub fn key(&mut self, name: String, pos: Pos, merge: bool) {
        if let Some(Frame::Object { key, .. }) = self.stack.last_mut() {
            *key = Some(PendingKey { name, pos, merge });
        }
    }

    fn push_node(&mut self, pos: Pos) -> Result<usize, ParseError> {
        if self.nodes.len() >= self.limits.max_nodes {
            return Err(ParseError::TooManyNodes {
                limit: self.limits.max_nodes,
                pos,
            });
        }
        let key = match self.stack.last() {
            Some(Frame::Object { key: Some(k), .. }) => k.pos,
            _ => pos,
        };
        self.nodes.push(SpanNode {
            key,
            value: pos,
            size: 1,
        });
        Ok(self.nodes.len() - 1)
    }

    pub fn begin_array(&mut self, pos: Pos, anchor: usize) -> Result<(), ParseError> {
        self.check_depth(pos)?;
        let node = self.push_node(pos)?;
        self.stack.push(Frame::Array {
            node,
            anchor,
            start: self.items.len(),
        });
        Ok(())
    }

    pub fn begin_object(&mut self, pos: Pos, anchor: usize) -> Result<(), ParseError> {
        self.check_depth(pos)?;
        let node = self.push_node(pos)?;
        self.stack.push(Frame::Object {
            node,
            anchor,
            start: self.scratch.len(),
            key: None,
            merges: Vec::new(),
        });
        Ok(())
    }

    fn check_depth(&self, pos: Pos) -> Result<(), ParseError> {
        if self.stack.len() >= self.limits.max_depth {
            return Err(ParseError::TooDeep {
                limit: self.limits.max_depth,
                pos,
            });
        }
        Ok(())
    }

    /// A scalar value; returns its node index.
    pub fn scalar(&mut self, value: Value, pos: Pos) -> Result<usize, ParseError> {
        let node = self.push_node(pos)?;
        self.attach(Done { value, node })?;
        Ok(node)
    }

    /// Closes the innermost container and returns it (for anchors) after attaching a copy.
    pub fn end(&mut self) -> Result<Option<Anchored>, ParseError> {
        let Some(frame) = self.stack.pop() else {
            return Ok(None);
        };
        let (value, node, anchor) = match frame {
            Frame::Array {
                node,
                anchor,
                start,
            } => {
                let items: Vec<Value> = self.items.drain(start..).collect();
                (Value::Array(items), node, anchor)
            }
            Frame::Object {
                node,
                anchor,
                start,
                merges,
                ..
            } => {
                let members: Vec<Member> = self.scratch.drain(start..).collect();
                let children: Vec<usize> = members.iter().map(|m| m.node).collect();
                let mut map = Map::with_capacity(members.len() + merges.len());
                for m in members {
                    let key = match map.entry(m.key) {
                        serde_json::map::Entry::Vacant(slot) => {
                            slot.insert(m.value);
                            continue;
                        }
                        serde_json::map::Entry::Occupied(taken) => taken.key().clone(),
                    };
                    let index = map.keys().position(|k| *k == key).unwrap_or(0);
                    return Err(ParseError::DuplicateKey {
                        first: self.nodes[children[index]].key,
                        key,
                        pos: self.nodes[m.node].key,
                    });
                }
                let map = if merges.is_empty() {
                    map
                } else {
                    self.apply_merges(map, node, &children, merges)?
                };
                (Value::Object(map), node, anchor)
            }
        };
        self.nodes[node].size = (self.nodes.len() - node) as u32;
        let kept = if anchor == 0 {
            None
        } else {
            // Keeping an anchored value is a copy too: nested anchors would otherwise copy the
            // same content once per level without a single alias in the file.
            let count = self.nodes.len() - node;
            self.charge_copy(count, self.nodes[node].value)?;
            Some((anchor, value.clone(), self.nodes[node..].to_vec()))
        };
        self.attach(Done { value, node })?;
        Ok(kept)
    }

    /// Inserts a copy of an anchored value (a YAML alias), bounded by the alias budget.
    pub fn alias(&mut self, value: &Value, spans: &[SpanNode], pos: Pos) -> Result<(), ParseError> {
        let count = spans.len();
        if self.nodes.len() + count > self.limits.max_nodes {
            return Err(ParseError::TooManyNodes {
                limit: self.limits.max_nodes,
                pos,
            });
        }
        self.charge_copy(count, pos)?;
        let node = self.nodes.len();
        let key = match self.stack.last() {
            Some(Frame::Object { key: Some(k), .. }) => Some(k.pos),
            _ => None,
        };
        self.nodes.extend_from_slice(spans);
        // The alias's member name is where it is used; its content is where the anchor was.
        if let Some(key) = key {
            self.nodes[node].key = key;
        } else {
            self.nodes[node].key = pos;
        }
        self.attach(Done {
            value: value.clone(),
            node,
        })
    }

    /// Counts values copied for anchors and aliases against the expansion budget.
    fn charge_copy(&mut self, count: usize, pos: Pos) -> Result<(), ParseError> {
        let written = self.nodes.len().saturating_sub(self.aliased);
        let budget = self.limits.alias_expansion_factor * written.max(100_000);
        if self.aliased + count > budget {
            return Err(ParseError::AliasBomb { limit: budget, pos });
        }
        self.aliased += count;
        Ok(())
    }

    fn attach(&mut self, done: Done) -> Result<(), ParseError> {
        match self.stack.last_mut() {
            None => {
                self.root = Some(done.value);
            }
            Some(Frame::Array { .. }) => self.items.push(done.value),
            Some(Frame::Object { key, merges, .. }) => {
                let Some(k) = key.take() else {
                    return Err(ParseError::ComplexKey {
                        pos: self.nodes[done.node].value,
                    });
                };
                if k.merge {
                    merges.push((done.node, done.value));
                } else {
                    self.scratch.push(Member {
                        key: k.name,
                        value: done.value,
                        node: done.node,
                    });
                }
            }
        }
        Ok(())
    }

    /// YAML merge keys: explicit members win, then earlier sources over later ones. The position
    /// table of the mapping is rebuilt so it stays aligned with the merged member order.
    fn apply_merges(
        &mut self,
        mut map: Map<String, Value>,
        node: usize,
        children: &[usize],
        merges: Vec<(usize, Value)>,
    ) -> Result<Map<String, Value>, ParseError> {
        let mut region: Vec<SpanNode> = vec![self.nodes[node]];
        for child in children {
            let size = self.nodes[*child].size as usize;
            region.extend_from_slice(&self.nodes[*child..*child + size]);
        }
        for (source_node, source) in merges {
            // A merge source is a mapping or a sequence of mappings.
            let sources: Vec<(usize, Map<String, Value>)> = match source {
                Value::Object(m) => vec![(source_node, m)],
                Value::Array(items) => {
                    let mut out = Vec::new();
                    let mut child = source_node + 1;
                    for item in items {
                        let size = self.nodes[child].size as usize;
                        match item {
                            Value::Object(m) => out.push((child, m)),
                            _ => {
                                return Err(ParseError::Syntax {
                                    message: "a merge key (`<<`) takes a mapping or a sequence of mappings".into(),
                                    pos: self.nodes[child].value,
                                });
                            }
                        }
                        child += size;
                    }
                    out
                }
                _ => {
                    return Err(ParseError::Syntax {
                        message: "a merge key (`<<`) takes a mapping or a sequence of mappings"
                            .into(),
                        pos: self.nodes[source_node].value,
                    });
                }
            };
            for (src_node, src_map) in sources {
                let mut child = src_node + 1;
                for (k, v) in src_map {
                    let size = self.nodes[child].size as usize;
                    if !map.contains_key(&k) {
                        region.extend_from_slice(&self.nodes[child..child + size]);
                        map.insert(k, v);
                    }
                    child += size;
                }
            }
        }
        self.nodes.truncate(node);
        self.nodes.extend(region);
        Ok(map)
    }

    pub fn finish(self) -> Result<Parsed, ParseError> {
        let value = self.root.ok_or(ParseError::Empty)?;
        Ok(Parsed {
            value,
            spans: SpanTree { nodes: self.nodes },
        })
    }
}
