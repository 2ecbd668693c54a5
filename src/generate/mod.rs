//! Values generated from schemas (placeholder until the generator branch lands).

use serde_json::Value;

use crate::spec::normalize::Direction;
use crate::spec::{Loc, Spec};

#[derive(Debug, Clone)]
pub struct GenerateOptions {
    pub prefer_examples: bool,
    pub max_depth: usize,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        GenerateOptions {
            prefer_examples: true,
            max_depth: 6,
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct GenerateError {
    pub at: Loc,
    pub message: String,
}

#[derive(Debug, Clone)]
pub struct ValueGenerator {
    value: Value,
}

impl ValueGenerator {
    pub fn compile(
        spec: &Spec,
        schema: &Loc,
        _direction: Direction,
        _options: &GenerateOptions,
    ) -> Result<ValueGenerator, GenerateError> {
        let loc = spec.deref(schema).map_err(|e| GenerateError {
            at: schema.clone(),
            message: e.to_string(),
        })?;
        let s = spec.get(&loc).cloned().unwrap_or(Value::Null);
        let value = s
            .get("example")
            .cloned()
            .or_else(|| s.get("examples").and_then(|e| e.get(0)).cloned())
            .unwrap_or_else(|| match s.get("type").and_then(Value::as_str) {
                Some("object") => Value::Object(Default::default()),
                Some("array") => Value::Array(vec![]),
                Some("string") => Value::String("string".into()),
                Some("integer") | Some("number") => Value::from(0),
                Some("boolean") => Value::Bool(true),
                _ => Value::Null,
            });
        Ok(ValueGenerator { value })
    }

    pub fn sample(&self, _seed: u64) -> Value {
        self.value.clone()
    }
}
