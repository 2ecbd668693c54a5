//! The `auth` section of the mock's configuration file: registered clients and static tokens.
//!
//! The file is edited by hand and shared in repositories, so two things matter: a mistake
//! (a misspelt key, a missing certificate file) must be reported at its JSON pointer, which the
//! mock turns into file:line:column, instead of silently weakening the mock; and secrets should
//! not have to sit in the file at all, hence `env:NAME` references. The format is documented in
//! `docs/mock-auth.md`.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::cert::Certificate;
use super::issuer::{ClientRegistration, ClientSecret, DEFAULT_TOKEN_LIFETIME, IssuerConfig};
use super::secret::Secret;
use crate::spec::pointer;

/// A certificate file is a few kilobytes; refusing big ones keeps `/dev/zero` from hanging us.
const MAX_CERTIFICATE_FILE: u64 = 1024 * 1024;

/// One thing wrong with the section, at a JSON pointer into the loaded file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub pointer: String,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.pointer, self.message)
    }
}

/// Every problem found, in document order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

/// The parsed `auth` section.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    pub token_lifetime: u64,
    /// Extra accepted assertion audiences (say, the real environment's issuer URL); the mock
    /// adds its own token endpoint URL.
    pub audiences: Vec<String>,
    pub clients: Vec<ClientRegistration>,
    pub static_tokens: Vec<Secret>,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            token_lifetime: DEFAULT_TOKEN_LIFETIME,
            audiences: Vec::new(),
            clients: Vec::new(),
            static_tokens: Vec::new(),
        }
    }
}

impl AuthConfig {
    /// Parses the `auth` value found at `at` (a JSON pointer such as `/auth`) of a file in
    /// `base_dir`; relative certificate paths are resolved against `base_dir`, `env:` secrets
    /// against the process environment.
    pub fn from_value(value: &Value, at: &str, base_dir: &Path) -> Result<Self, ConfigErrors> {
        Self::from_value_with_env(value, at, base_dir, &|name| std::env::var(name).ok())
    }

    /// As [`AuthConfig::from_value`], with the environment injected (tests).
    pub fn from_value_with_env(
        value: &Value,
        at: &str,
        base_dir: &Path,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigErrors> {
        let mut p = Parser {
            errors: Vec::new(),
            base_dir,
            env,
        };
        let config = p.auth(value, at);
        if p.errors.is_empty() {
            Ok(config)
        } else {
            Err(ConfigErrors(p.errors))
        }
    }

    /// The issuer configuration, with the mock's own audiences (its token endpoint URL and
    /// issuer URL, known once it has bound its port) put first.
    pub fn into_issuer_config(self, own_audiences: Vec<String>) -> IssuerConfig {
        let mut audiences = own_audiences;
        audiences.extend(self.audiences);
        IssuerConfig {
            audiences,
            token_lifetime: self.token_lifetime,
            clients: self.clients,
            static_tokens: self.static_tokens,
        }
    }
}

struct Parser<'a> {
    errors: Vec<ConfigError>,
    base_dir: &'a Path,
    env: &'a dyn Fn(&str) -> Option<String>,
}

impl Parser<'_> {
    fn error(&mut self, at: &str, message: impl Into<String>) {
        self.errors.push(ConfigError {
            pointer: at.to_string(),
            message: message.into(),
        });
    }

    /// The object at `at`, with unknown keys reported: a misspelt key must not silently
    /// drop a setting.
    fn object<'v>(
        &mut self,
        value: &'v Value,
        at: &str,
        known: &[&str],
    ) -> Option<&'v Map<String, Value>> {
        let Some(map) = value.as_object() else {
            self.error(at, "expected an object");
            return None;
        };
        for key in map.keys() {
            if !known.contains(&key.as_str()) {
                self.error(
                    &pointer::push(at, key),
                    format!("unknown key `{key}`; expected one of: {}", known.join(", ")),
                );
            }
        }
        Some(map)
    }

    fn auth(&mut self, value: &Value, at: &str) -> AuthConfig {
        let mut config = AuthConfig::default();
        let Some(map) = self.object(
            value,
            at,
            &[
                "tokenLifetimeSeconds",
                "audiences",
                "clients",
                "staticTokens",
            ],
        ) else {
            return config;
        };
        if let Some(v) = map.get("tokenLifetimeSeconds") {
            let here = pointer::push(at, "tokenLifetimeSeconds");
            match v.as_u64() {
                Some(n) if (1..=86_400).contains(&n) => config.token_lifetime = n,
                _ => self.error(&here, "expected a whole number of seconds from 1 to 86400"),
            }
        }
        if let Some(v) = map.get("audiences") {
            config.audiences = self.strings(v, &pointer::push(at, "audiences"));
        }
        if let Some(v) = map.get("clients") {
            let here = pointer::push(at, "clients");
            match v.as_array() {
                Some(items) => {
                    for (i, item) in items.iter().enumerate() {
                        let item_at = pointer::push_index(&here, i);
                        if let Some(client) = self.client(item, &item_at) {
                            if config
                                .clients
                                .iter()
                                .any(|c| c.client_id == client.client_id)
                            {
                                self.error(
                                    &pointer::push(&item_at, "clientId"),
                                    format!("client `{}` is registered twice", client.client_id),
                                );
                            } else {
                                config.clients.push(client);
                            }
                        }
                    }
                }
                None => self.error(&here, "expected a list of clients"),
            }
        }
        if let Some(v) = map.get("staticTokens") {
            let here = pointer::push(at, "staticTokens");
            match v.as_array() {
                Some(items) => {
                    for (i, item) in items.iter().enumerate() {
                        if let Some(token) = self.secret(item, &pointer::push_index(&here, i)) {
                            config.static_tokens.push(token);
                        }
                    }
                }
                None => self.error(&here, "expected a list of tokens"),
            }
        }
        config
    }

    fn client(&mut self, value: &Value, at: &str) -> Option<ClientRegistration> {
        let map = self.object(
            value,
            at,
            &["clientId", "secrets", "certificate", "scopes", "cvr"],
        )?;
        let errors_before = self.errors.len();
        let client_id = match map.get("clientId").and_then(Value::as_str) {
            Some(id) if !id.is_empty() => id.to_string(),
            Some(_) => {
                self.error(&pointer::push(at, "clientId"), "the client id is empty");
                String::new()
            }
            None => {
                self.error(at, "a client needs `clientId`");
                String::new()
            }
        };
        let mut client = ClientRegistration::new(client_id);
        if let Some(v) = map.get("secrets") {
            let here = pointer::push(at, "secrets");
            match v.as_array() {
                Some(items) => {
                    for (i, item) in items.iter().enumerate() {
                        if let Some(s) = self.client_secret(item, &pointer::push_index(&here, i)) {
                            client.secrets.push(s);
                        }
                    }
                }
                None => self.error(&here, "expected a list of secrets"),
            }
        }
        if let Some(v) = map.get("certificate") {
            client.certificate = self.certificate(v, &pointer::push(at, "certificate"));
        }
        if let Some(v) = map.get("scopes") {
            client.scopes = self.strings(v, &pointer::push(at, "scopes"));
            for (i, scope) in client.scopes.iter().enumerate() {
                if scope.is_empty() || scope.contains(' ') {
                    self.errors.push(ConfigError {
                        pointer: pointer::push_index(&pointer::push(at, "scopes"), i),
                        message: "a scope is one non-empty word without spaces".into(),
                    });
                }
            }
        }
        if let Some(v) = map.get("cvr") {
            let here = pointer::push(at, "cvr");
            let cvr = match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => n.as_u64().map(|n| format!("{n:08}")),
                _ => None,
            };
            match cvr {
                Some(c) if c.len() == 8 && c.bytes().all(|b| b.is_ascii_digit()) => {
                    client.cvr = Some(c);
                }
                _ => self.error(&here, "a CVR number is 8 digits, written as a string"),
            }
        }
        if let (Some(cvr), Some(cert_cvr)) = (
            client.cvr.as_deref(),
            client.certificate.as_ref().and_then(Certificate::cvr),
        ) && cvr != cert_cvr
        {
            self.error(
                &pointer::push(at, "cvr"),
                format!("the certificate belongs to CVR {cert_cvr} (NTRDK-{cert_cvr}), not {cvr}"),
            );
        }
        if client.secrets.is_empty() && client.certificate.is_none() {
            self.error(
                at,
                "a client needs `secrets` or a `certificate`, or it cannot authenticate",
            );
        }
        (self.errors.len() == errors_before).then_some(client)
    }

    fn client_secret(&mut self, value: &Value, at: &str) -> Option<ClientSecret> {
        match value {
            Value::Object(_) => {
                let map = self.object(value, at, &["value", "expiresAt"])?;
                let Some(v) = map.get("value") else {
                    self.error(at, "a secret object needs `value`");
                    return None;
                };
                let secret = self.secret(v, &pointer::push(at, "value"))?;
                let expires_at = match map.get("expiresAt") {
                    None => None,
                    Some(e) => {
                        let here = pointer::push(at, "expiresAt");
                        match e {
                            Value::Number(n) => n.as_u64(),
                            Value::String(s) => parse_utc(s),
                            _ => None,
                        }
                        .or_else(|| {
                            self.error(
                                &here,
                                "expected a UTC time `YYYY-MM-DDTHH:MM:SSZ` or unix seconds",
                            );
                            None
                        })
                    }
                };
                Some(ClientSecret { secret, expires_at })
            }
            _ => self.secret(value, at).map(ClientSecret::new),
        }
    }

    /// `env:NAME` reads the environment, `literal:TEXT` is TEXT (for a secret that starts with
    /// `env:`), anything else is the secret itself. Messages never contain the value.
    fn secret(&mut self, value: &Value, at: &str) -> Option<Secret> {
        let Some(text) = value.as_str() else {
            self.error(at, "expected a string (`env:NAME` or the secret itself)");
            return None;
        };
        let secret = if let Some(name) = text.strip_prefix("env:") {
            match (self.env)(name) {
                Some(v) => v,
                None => {
                    self.error(
                        at,
                        format!("environment variable `{name}` is not set (or not UTF-8)"),
                    );
                    return None;
                }
            }
        } else if let Some(literal) = text.strip_prefix("literal:") {
            literal.to_string()
        } else {
            text.to_string()
        };
        if secret.is_empty() {
            self.error(at, "the secret is empty");
            return None;
        }
        Some(Secret::new(secret))
    }

    fn certificate(&mut self, value: &Value, at: &str) -> Option<Certificate> {
        let Some(path) = value.as_str() else {
            self.error(at, "expected the path of a PEM or DER certificate file");
            return None;
        };
        let full: PathBuf = self.base_dir.join(path);
        let shown = full.display().to_string();
        let bytes = match read_bounded(&full) {
            Ok(b) => b,
            Err(e) => {
                self.error(at, format!("cannot read certificate file {shown}: {e}"));
                return None;
            }
        };
        match Certificate::from_pem_or_der(&bytes) {
            Ok(c) => Some(c),
            Err(e) => {
                self.error(at, format!("certificate file {shown}: {e}"));
                None
            }
        }
    }

    fn strings(&mut self, value: &Value, at: &str) -> Vec<String> {
        let Some(items) = value.as_array() else {
            self.error(at, "expected a list of strings");
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match item.as_str() {
                Some(s) => out.push(s.to_string()),
                None => self.error(&pointer::push_index(at, i), "expected a string"),
            }
        }
        out
    }
}

fn read_bounded(path: &Path) -> std::io::Result<Vec<u8>> {
    let file = std::fs::File::open(path)?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    let mut bytes = Vec::new();
    file.take(MAX_CERTIFICATE_FILE + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_CERTIFICATE_FILE {
        return Err(std::io::Error::other("larger than 1 MiB"));
    }
    Ok(bytes)
}

/// `YYYY-MM-DDTHH:MM:SSZ` → unix seconds. Only UTC: secret expiry is no place for offsets.
fn parse_utc(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.len() != 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't')
        || b[13] != b':'
        || b[16] != b':'
        || !matches!(b[19], b'Z' | b'z')
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<u32>().ok();
    let year = i32::try_from(num(0..4)?).ok()?;
    let month = time::Month::try_from(u8::try_from(num(5..7)?).ok()?).ok()?;
    let date = time::Date::from_calendar_date(year, month, u8::try_from(num(8..10)?).ok()?).ok()?;
    let clock = time::Time::from_hms(
        u8::try_from(num(11..13)?).ok()?,
        u8::try_from(num(14..16)?).ok()?,
        u8::try_from(num(17..19)?).ok()?,
    )
    .ok()?;
    u64::try_from(
        time::PrimitiveDateTime::new(date, clock)
            .assume_utc()
            .unix_timestamp(),
    )
    .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_times() {
        assert_eq!(parse_utc("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_utc("2026-11-22T19:00:00Z"), Some(1_795_374_000));
        assert_eq!(parse_utc("2026-13-22T19:00:00Z"), None);
        assert_eq!(parse_utc("2026-11-22 19:00:00"), None);
        assert_eq!(parse_utc("2026-11-22T19:00:00+01:00"), None);
    }
}
