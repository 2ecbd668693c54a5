//! The spec's security schemes, reduced to what deciding a request needs.
//!
//! `components/securitySchemes` says where a credential travels (a header, the query, a cookie,
//! the TLS handshake) and how to read it. The model keeps only scheme names in its security
//! requirements, so the authoriser looks the names up here.

use serde_json::Value;

use crate::spec::{Loc, Spec};

/// Where an `apiKey` scheme's key is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiKeyIn {
    Header,
    Query,
    Cookie,
}

/// The kinds of security scheme OpenAPI 3.0 and 3.1 define.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemeKind {
    /// `type: http, scheme: bearer` (case-insensitive, RFC 7235).
    HttpBearer,
    /// `type: http, scheme: basic`.
    HttpBasic,
    /// Another `http` scheme (digest, …): the mock cannot check it and refuses it.
    HttpOther(String),
    ApiKey {
        location: ApiKeyIn,
        name: String,
    },
    /// OAuth2 flows all end in a bearer token.
    OAuth2,
    /// Likewise a bearer token.
    OpenIdConnect,
    /// `type: mutualTLS` (3.1): the TLS client certificate is the credential.
    MutualTls,
}

impl SchemeKind {
    /// Reads one scheme object; `Err` says what is wrong with it.
    pub fn from_value(value: &Value) -> Result<Self, String> {
        let obj = value.as_object().ok_or("not an object")?;
        let kind = obj.get("type").and_then(Value::as_str).ok_or("no `type`")?;
        Ok(match kind {
            "http" => {
                let scheme = obj
                    .get("scheme")
                    .and_then(Value::as_str)
                    .ok_or("`http` scheme without `scheme`")?;
                if scheme.eq_ignore_ascii_case("bearer") {
                    SchemeKind::HttpBearer
                } else if scheme.eq_ignore_ascii_case("basic") {
                    SchemeKind::HttpBasic
                } else {
                    SchemeKind::HttpOther(scheme.to_ascii_lowercase())
                }
            }
            "apiKey" => {
                let name = obj
                    .get("name")
                    .and_then(Value::as_str)
                    .ok_or("`apiKey` scheme without `name`")?;
                let location = match obj.get("in").and_then(Value::as_str) {
                    Some("header") => ApiKeyIn::Header,
                    Some("query") => ApiKeyIn::Query,
                    Some("cookie") => ApiKeyIn::Cookie,
                    _ => return Err("`apiKey` scheme needs `in`: header, query or cookie".into()),
                };
                SchemeKind::ApiKey {
                    location,
                    name: name.to_string(),
                }
            }
            "oauth2" => SchemeKind::OAuth2,
            "openIdConnect" => SchemeKind::OpenIdConnect,
            "mutualTLS" => SchemeKind::MutualTls,
            other => return Err(format!("unknown scheme type `{other}`")),
        })
    }

    /// Whether the credential is an access token in `Authorization: Bearer`.
    pub fn takes_bearer_token(&self) -> bool {
        matches!(
            self,
            SchemeKind::HttpBearer | SchemeKind::OAuth2 | SchemeKind::OpenIdConnect
        )
    }
}

/// A scheme that could not be read, by name, with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemeProblem {
    pub name: String,
    pub message: String,
}

/// The named schemes of one spec, in document order. A spec has a handful, so a vector beats a
/// hash map and keeps `Debug` in the order the author wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecuritySchemes {
    schemes: Vec<(String, SchemeKind)>,
}

impl SecuritySchemes {
    /// From the `components/securitySchemes` object. Schemes given as `$ref` cannot be followed
    /// here and are reported; use [`SecuritySchemes::from_spec`] for a loaded document.
    pub fn from_value(value: &Value) -> (Self, Vec<SchemeProblem>) {
        let mut out = SecuritySchemes::default();
        let mut problems = Vec::new();
        let Some(map) = value.as_object() else {
            return (out, problems);
        };
        for (name, scheme) in map {
            match SchemeKind::from_value(scheme) {
                Ok(kind) => out.insert(name.clone(), kind),
                Err(message) => problems.push(SchemeProblem {
                    name: name.clone(),
                    message,
                }),
            }
        }
        (out, problems)
    }

    /// From a loaded spec, following `$ref`s between scheme objects.
    pub fn from_spec(spec: &Spec) -> (Self, Vec<SchemeProblem>) {
        let mut out = SecuritySchemes::default();
        let mut problems = Vec::new();
        let base = Loc::new(0, "/components/securitySchemes");
        let Some(Value::Object(map)) = spec.get(&base) else {
            return (out, problems);
        };
        for name in map.keys() {
            let resolved = spec.deref(&base.child(name));
            let kind = match resolved {
                Ok(loc) => match spec.get(&loc) {
                    Some(v) => SchemeKind::from_value(v),
                    None => Err("reference target is missing".to_string()),
                },
                Err(e) => Err(e.to_string()),
            };
            match kind {
                Ok(kind) => out.insert(name.clone(), kind),
                Err(message) => problems.push(SchemeProblem {
                    name: name.clone(),
                    message,
                }),
            }
        }
        (out, problems)
    }

    pub fn get(&self, name: &str) -> Option<&SchemeKind> {
        self.schemes.iter().find(|(n, _)| n == name).map(|(_, k)| k)
    }

    /// Adds or replaces a scheme.
    pub fn insert(&mut self, name: impl Into<String>, kind: SchemeKind) {
        let name = name.into();
        match self.schemes.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = kind,
            None => self.schemes.push((name, kind)),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &SchemeKind)> {
        self.schemes.iter().map(|(n, k)| (n.as_str(), k))
    }

    pub fn len(&self) -> usize {
        self.schemes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.schemes.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_every_kind_and_reports_bad_ones() {
        let (schemes, problems) = SecuritySchemes::from_value(&json!({
            "bearer": {"type": "http", "scheme": "Bearer"},
            "basic": {"type": "http", "scheme": "basic"},
            "digest": {"type": "http", "scheme": "Digest"},
            "key": {"type": "apiKey", "in": "header", "name": "X-Api-Key"},
            "oauth": {"type": "oauth2", "flows": {}},
            "oidc": {"type": "openIdConnect", "openIdConnectUrl": "https://x"},
            "mtls": {"type": "mutualTLS"},
            "broken": {"type": "apiKey", "name": "k"},
            "weird": {"type": "kerberos"},
        }));
        assert_eq!(schemes.len(), 7);
        assert_eq!(schemes.get("bearer"), Some(&SchemeKind::HttpBearer));
        assert_eq!(
            schemes.get("digest"),
            Some(&SchemeKind::HttpOther("digest".into()))
        );
        assert_eq!(
            schemes.get("key"),
            Some(&SchemeKind::ApiKey {
                location: ApiKeyIn::Header,
                name: "X-Api-Key".into()
            })
        );
        assert_eq!(schemes.get("mtls"), Some(&SchemeKind::MutualTls));
        let names: Vec<&str> = problems.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["broken", "weird"]);
    }
}
