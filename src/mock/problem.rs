//! Errors the mock itself answers with: RFC 9457 problem details, listing each violation by JSON
//! pointer and the constraint broken, shaped to the operation's own error schema when it
//! documents one, so a client's error handling is exercised against the contract it will meet.

use serde_json::{Map, Value, json};

use super::app::{BodyKind, OpEntry};

/// One thing wrong with a request.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Violation {
    /// Where: `/query/page`, `/header/X-Correlation-Id`, `/body/beloeb/vaerdi`.
    pub pointer: String,
    /// The schema keyword or rule broken (`type`, `required`, `maxLength`, `media-type`, ...).
    pub constraint: String,
    pub message: String,
}

/// A problem about to be answered.
#[derive(Debug, Clone)]
pub struct Problem {
    pub status: u16,
    /// A short kebab-case name, also the last part of `type` (`urn:kontrakt:problem:<kind>`).
    pub kind: &'static str,
    pub title: &'static str,
    pub detail: String,
    pub instance: String,
    pub violations: Vec<Violation>,
}

impl Problem {
    pub fn new(
        status: u16,
        kind: &'static str,
        title: &'static str,
        detail: impl Into<String>,
    ) -> Self {
        Problem {
            status,
            kind,
            title,
            detail: detail.into(),
            instance: String::new(),
            violations: Vec::new(),
        }
    }

    pub fn at(mut self, instance: &str) -> Self {
        self.instance = instance.to_string();
        self
    }

    pub fn with(mut self, violations: Vec<Violation>) -> Self {
        self.violations = violations;
        self
    }

    /// The plain RFC 9457 body.
    pub fn body(&self) -> Value {
        let mut body = json!({
            "type": format!("urn:kontrakt:problem:{}", self.kind),
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        });
        if !self.instance.is_empty() {
            body["instance"] = Value::String(self.instance.clone());
        }
        if !self.violations.is_empty() {
            body["violations"] = serde_json::to_value(&self.violations).unwrap_or(Value::Null);
        }
        body
    }

    /// The body and its media type: the operation's documented error shape when it has one
    /// (kept valid against it), else `application/problem+json`.
    pub fn render(&self, op: Option<&OpEntry>) -> (Value, String) {
        let plain = self.body();
        let Some(response) = op.and_then(|o| o.response_for(self.status)) else {
            return (plain, "application/problem+json".into());
        };
        let Some(media) = response.media.iter().find(|m| m.kind == BodyKind::Json) else {
            return (plain, "application/problem+json".into());
        };
        // Without a schema to check against, or a valid body to start from, the plain problem
        // goes out as what it is rather than under a media type it may not fit.
        let Some(validator) = &media.validator else {
            return (plain, "application/problem+json".into());
        };
        if validator.is_valid(&plain) {
            return (plain, media.name.clone());
        }
        let Some(Value::Object(base)) = media.default.clone() else {
            return (plain, "application/problem+json".into());
        };
        // Start from a body valid for the documented schema and carry over each of our fields
        // that keeps it valid, under our name or a documented synonym.
        let mut body = Value::Object(base);
        let fields: [(&[&str], Value); 5] = [
            (&["status"], json!(self.status)),
            (&["title", "titel"], json!(self.title)),
            (&["detail", "besked", "message"], json!(self.detail)),
            (&["type"], plain["type"].clone()),
            (&["instance"], json!(self.instance)),
        ];
        for (names, value) in fields {
            for name in names {
                try_set(&mut body, name, value.clone(), validator);
            }
        }
        if !self.violations.is_empty() {
            self.carry_violations(&mut body, validator);
        }
        (body, media.name.clone())
    }

    /// Puts the violations into the schema's array of errors (`fejl`, `errors`, `violations`),
    /// mapping each field to the item's own names where they exist.
    fn carry_violations(&self, body: &mut Value, validator: &jsonschema::Validator) {
        let Some(map) = body.as_object() else { return };
        let arrays: Vec<String> = map
            .iter()
            .filter(|(_, v)| {
                v.as_array()
                    .is_some_and(|a| a.first().is_some_and(Value::is_object))
            })
            .map(|(k, _)| k.clone())
            .collect();
        for key in arrays {
            let template = body[&key][0].clone();
            let items: Vec<Value> = self
                .violations
                .iter()
                .map(|v| {
                    let mut item = template.clone();
                    if let Value::Object(m) = &mut item {
                        set_first(m, &["felt", "field", "pointer", "path", "sti"], &v.pointer);
                        set_first(m, &["kode", "code", "constraint", "keyword"], &v.constraint);
                        set_first(
                            m,
                            &["besked", "message", "detail", "beskrivelse"],
                            &v.message,
                        );
                    }
                    item
                })
                .collect();
            let mut candidate = body.clone();
            candidate[&key] = Value::Array(items);
            if validator.is_valid(&candidate) {
                *body = candidate;
                return;
            }
        }
    }
}

fn set_first(map: &mut Map<String, Value>, names: &[&str], value: &str) {
    if let Some(name) = names
        .iter()
        .find(|n| map.get(**n).is_some_and(Value::is_string))
    {
        map.insert((*name).to_string(), Value::String(value.to_string()));
    }
}

fn try_set(body: &mut Value, name: &str, value: Value, validator: &jsonschema::Validator) {
    let Some(map) = body.as_object_mut() else {
        return;
    };
    let old = map.insert(name.to_string(), value);
    if !validator.is_valid(body) {
        let map = body.as_object_mut().expect("still an object");
        match old {
            Some(old) => {
                map.insert(name.to_string(), old);
            }
            None => {
                map.shift_remove(name);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_problem_body() {
        let p = Problem::new(400, "invalid-request", "Invalid request", "1 problem")
            .at("/v1/sager")
            .with(vec![Violation {
                pointer: "/query/page".into(),
                constraint: "type".into(),
                message: "\"x\" is not of type \"integer\"".into(),
            }]);
        let (body, media) = p.render(None);
        assert_eq!(media, "application/problem+json");
        assert_eq!(body["type"], "urn:kontrakt:problem:invalid-request");
        assert_eq!(body["status"], 400);
        assert_eq!(body["instance"], "/v1/sager");
        assert_eq!(body["violations"][0]["pointer"], "/query/page");
    }
}
