//! What the mock remembers between requests: records created through the API, by collection.
//!
//! A collection is identified by its concrete path (`/v1/sager/7/krav`), so nested resources
//! are kept apart per parent. Records are JSON objects; their views in responses are built by
//! the responder, which overlays them on a body valid for the response schema, so what is stored
//! never has to match any one schema exactly.
//!
//! How the mock decides what is a resource (the inference, in [`Roles::infer`]):
//! - a *collection* is a path template `C` with a `POST` (create) and an item template `C/{p}`
//!   (one more segment, a lone parameter) with a `GET`;
//! - operations on `C/{p}` read (`GET`), replace (`PUT`), merge (`PATCH`) and remove (`DELETE`)
//!   the item whose id is the `{p}` value; `GET C` lists the collection;
//! - operations on longer paths below an item (`C/{p}/afslut`) need the item to exist;
//! - the id field in the body is the property named like the parameter, else `id`, else one
//!   whose name ends in `Id`/`id` and that carries the parameter's name (case-insensitive);
//! - collections without a create operation stay stateless (answered from examples) unless
//!   `--data` seeds them.
//!
//! Limits: one id parameter per item; ids in query strings, headers or bodies (a create that
//! returns only a `Location`, a `POST /search`) are not followed; links between collections are
//! not used to infer identity.

use indexmap::IndexMap;
use serde_json::{Map, Value};

/// The stateful role an operation plays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// `POST C`: adds a record to the collection at the request path.
    Create {
        id_param: String,
        id_field: Option<String>,
    },
    /// `GET C`: lists the collection at the request path.
    List { id_field: Option<String> },
    /// An operation on `C/{p}`; `segments` is the number of path segments of the collection.
    Item {
        action: ItemAction,
        segments: usize,
        id_field: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemAction {
    Read,
    Replace,
    Merge,
    Remove,
    Other,
}

/// A bound on what clients can make the mock remember (a load test creating records for
/// minutes stays far below it).
pub const MAX_RECORDS: usize = 1_000_000;

/// The records of every collection, in insertion order.
#[derive(Debug, Default)]
pub struct Store {
    collections: IndexMap<String, IndexMap<String, Record>>,
    next: u64,
}

#[derive(Debug, Clone)]
pub struct Record {
    pub value: Value,
    /// Bumped on every change, for `ETag`.
    pub version: u64,
}

impl Record {
    /// A strong entity tag for this version of the record.
    pub fn etag(&self, id: &str) -> String {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(id.as_bytes());
        h.update(self.version.to_le_bytes());
        h.update(self.value.to_string().as_bytes());
        let digest = h.finalize();
        let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        format!("\"{hex}\"")
    }
}

impl Store {
    pub fn new() -> Self {
        Store::default()
    }

    /// A number that no earlier call returned, for server-assigned ids.
    pub fn next_seq(&mut self) -> u64 {
        self.next += 1;
        self.next
    }

    pub fn insert(&mut self, collection: &str, id: &str, value: Value) {
        let seq = self.next_seq();
        self.collections
            .entry(collection.to_string())
            .or_default()
            .insert(
                id.to_string(),
                Record {
                    value,
                    version: seq,
                },
            );
    }

    pub fn get(&self, collection: &str, id: &str) -> Option<&Record> {
        self.collections.get(collection)?.get(id)
    }

    pub fn contains(&self, collection: &str, id: &str) -> bool {
        self.get(collection, id).is_some()
    }

    /// Replaces the record; `false` when there is none.
    pub fn replace(&mut self, collection: &str, id: &str, value: Value) -> bool {
        let seq = self.next_seq();
        match self
            .collections
            .get_mut(collection)
            .and_then(|c| c.get_mut(id))
        {
            Some(r) => {
                r.value = value;
                r.version = seq;
                true
            }
            None => false,
        }
    }

    /// Applies a JSON Merge Patch (RFC 7396); `false` when there is no record.
    pub fn merge(&mut self, collection: &str, id: &str, patch: &Value) -> bool {
        let seq = self.next_seq();
        match self
            .collections
            .get_mut(collection)
            .and_then(|c| c.get_mut(id))
        {
            Some(r) => {
                merge_patch(&mut r.value, patch);
                r.version = seq;
                true
            }
            None => false,
        }
    }

    pub fn remove(&mut self, collection: &str, id: &str) -> bool {
        self.collections
            .get_mut(collection)
            .is_some_and(|c| c.shift_remove(id).is_some())
    }

    /// The records of a collection, oldest first.
    pub fn list(&self, collection: &str) -> Vec<(&str, &Record)> {
        self.collections
            .get(collection)
            .map(|c| c.iter().map(|(k, v)| (k.as_str(), v)).collect())
            .unwrap_or_default()
    }

    pub fn len(&self, collection: &str) -> usize {
        self.collections.get(collection).map_or(0, IndexMap::len)
    }

    /// Records in all collections.
    pub fn total(&self) -> usize {
        self.collections.values().map(IndexMap::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.collections.values().all(IndexMap::is_empty)
    }

    /// Every record, for the admin endpoint: `{collection: {id: record}}`.
    pub fn dump(&self) -> Value {
        let mut out = Map::new();
        for (name, records) in &self.collections {
            let items: Map<String, Value> = records
                .iter()
                .map(|(id, r)| (id.clone(), r.value.clone()))
                .collect();
            out.insert(name.clone(), Value::Object(items));
        }
        Value::Object(out)
    }

    /// Forgets every record and restarts the id sequence, as at start.
    pub fn clear(&mut self) {
        self.collections.clear();
        self.next = 0;
    }

    /// Finds a record by id in any collection (uploads name documents by id alone).
    pub fn find_by_id(&self, id: &str) -> Option<&Record> {
        self.collections.values().find_map(|c| c.get(id))
    }
}

/// RFC 7396: objects merge recursively, `null` removes, anything else replaces.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Value::Object(map) = target else { return };
    for (k, v) in patch {
        if v.is_null() {
            map.shift_remove(k);
        } else {
            merge_patch(map.entry(k.clone()).or_insert(Value::Null), v);
        }
    }
}

/// The text form of an id value as it appears in a path.
pub fn id_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Picks the body property that carries an item's id (see the module doc).
pub fn id_field<'a>(
    param: &str,
    properties: impl Iterator<Item = &'a str> + Clone,
) -> Option<String> {
    if let Some(p) = properties.clone().find(|p| *p == param) {
        return Some(p.to_string());
    }
    if let Some(p) = properties.clone().find(|p| *p == "id") {
        return Some(p.to_string());
    }
    let param_lower = param.to_ascii_lowercase();
    properties
        .clone()
        .find(|p| p.to_ascii_lowercase() == param_lower)
        .or_else(|| {
            properties.clone().find(|p| {
                let lower = p.to_ascii_lowercase();
                lower.ends_with("id") && param_lower.starts_with(lower.trim_end_matches("id"))
            })
        })
        .map(str::to_string)
}

/// The collection path of a request path: its first `segments` segments.
pub fn collection_of(path: &str, segments: usize) -> String {
    let mut out = String::new();
    for seg in path.split('/').skip(1).take(segments) {
        out.push('/');
        out.push_str(seg);
    }
    out
}

/// The id segment following the collection's segments, percent-decoded.
pub fn item_id_of(path: &str, segments: usize) -> Option<String> {
    let raw = path.split('/').nth(segments + 1)?;
    Some(
        percent_encoding::percent_decode_str(raw)
            .decode_utf8_lossy()
            .into_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn crud_on_a_collection() {
        let mut s = Store::new();
        s.insert("/v1/sager", "a", json!({"sagId": "a", "navn": "x"}));
        s.insert("/v1/sager", "b", json!({"sagId": "b"}));
        assert_eq!(s.len("/v1/sager"), 2);
        let before = s.get("/v1/sager", "a").unwrap().etag("a");
        assert!(s.merge("/v1/sager", "a", &json!({"navn": null, "status": "AABEN"})));
        assert_eq!(
            s.get("/v1/sager", "a").unwrap().value,
            json!({"sagId": "a", "status": "AABEN"})
        );
        assert_ne!(s.get("/v1/sager", "a").unwrap().etag("a"), before);
        assert!(s.replace("/v1/sager", "b", json!({"sagId": "b", "navn": "y"})));
        assert!(!s.replace("/v1/sager", "c", json!({})));
        assert!(s.remove("/v1/sager", "a"));
        assert!(!s.remove("/v1/sager", "a"));
        assert_eq!(
            s.list("/v1/sager")
                .iter()
                .map(|(id, _)| *id)
                .collect::<Vec<_>>(),
            vec!["b"]
        );
        assert!(s.find_by_id("b").is_some());
        s.clear();
        assert!(s.is_empty());
    }

    #[test]
    fn merge_patch_follows_rfc_7396() {
        let mut v = json!({"a": "b", "c": {"d": "e", "f": "g"}});
        merge_patch(&mut v, &json!({"a": "z", "c": {"f": null}}));
        assert_eq!(v, json!({"a": "z", "c": {"d": "e"}}));
        merge_patch(&mut v, &json!(["x"]));
        assert_eq!(v, json!(["x"]));
    }

    #[test]
    fn id_fields_and_paths() {
        let props = ["sagId", "navn"];
        assert_eq!(
            id_field("sagId", props.iter().copied()),
            Some("sagId".into())
        );
        assert_eq!(
            id_field("id", ["id", "x"].iter().copied()),
            Some("id".into())
        );
        assert_eq!(
            id_field("dokumentid", ["dokumentId"].iter().copied()),
            Some("dokumentId".into())
        );
        assert_eq!(id_field("kravId", ["navn"].iter().copied()), None);
        assert_eq!(collection_of("/v1/sager/7/krav/9", 4), "/v1/sager/7/krav");
        assert_eq!(item_id_of("/v1/sager/7/krav/a%20b", 4), Some("a b".into()));
        assert_eq!(item_id_of("/v1/sager", 2), None);
        assert_eq!(id_text(&json!(5)), Some("5".into()));
        assert_eq!(id_text(&json!("")), None);
    }
}
