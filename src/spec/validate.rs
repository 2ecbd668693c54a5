//! Compiled JSON Schema validators, keyed by the schema's location and built once.
//!
//! Every file of the spec (3.0 files normalised to 2020-12) is registered under its `file://` URI,
//! so a validator for any schema is just `{"$ref": "<file uri>#<pointer>"}` and cross-file and
//! recursive refs resolve the way the spec wrote them. Compiling costs far more than validating
//! (tens of nanoseconds), so each location is compiled at most once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use jsonschema::{Draft, Registry, Validator};
use serde_json::{Value, json};

use super::document::{Loc, Spec};
use super::model::Model;
use super::normalize::{self, Direction};

/// One way a value fails a schema: where in the value, and what was broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// JSON pointer into the validated value.
    pub instance_path: String,
    /// The schema keyword that failed (`type`, `required`, `pattern`, ...).
    pub keyword: String,
    pub message: String,
}

type Compiled = Result<Arc<Validator>, String>;

pub struct Validators {
    registry: Registry<'static>,
    uris: Vec<String>,
    /// The directions with their own copy of the files; the others use the neutral one.
    directions: Vec<Direction>,
    cache: Mutex<HashMap<(Loc, Direction), Compiled>>,
}

impl std::fmt::Debug for Validators {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Validators")
            .field("uris", &self.uris)
            .finish()
    }
}

impl Validators {
    /// Registers every file of `spec`; fails only if the registry itself cannot be built.
    pub fn new(spec: &Spec, model: &Model) -> Result<Self, String> {
        let schemas = normalize::schema_locations(spec, model);
        let uris: Vec<String> = (0..spec.files.len()).map(|i| spec.file_uri(i)).collect();
        let mut builder = Registry::new().draft(Draft::Draft202012);
        // One copy of the schema files per direction, each under its own URI prefix so that
        // relative refs between files stay within the same direction. A direction that relaxes
        // nothing is served by the neutral copy: every compiled validator pays for the size of
        // the registry (jsonschema copies its resource index), so fewer copies compile faster.
        let mut directions = vec![Direction::Neutral];
        for direction in Direction::ALL {
            let (files, relaxed) = normalize::normalized_files(spec, &schemas, direction);
            if direction != Direction::Neutral && !relaxed {
                continue;
            }
            if direction != Direction::Neutral {
                directions.push(direction);
            }
            for (uri, value) in uris.iter().zip(files) {
                let Some(value) = value else { continue };
                builder = builder
                    .add(direction_uri(uri, direction), value)
                    .map_err(|e| e.to_string())?;
            }
        }
        let registry = builder.prepare().map_err(|e| e.to_string())?;
        Ok(Validators {
            registry,
            uris,
            directions,
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// The compiled validator for the schema at `schema`, for values travelling in `direction`.
    pub fn get(&self, schema: &Loc, direction: Direction) -> Compiled {
        let direction = if self.directions.contains(&direction) {
            direction
        } else {
            Direction::Neutral
        };
        let key = (schema.clone(), direction);
        if let Some(hit) = self.cache.lock().map_err(|e| e.to_string())?.get(&key) {
            return hit.clone();
        }
        let uri = format!(
            "{}#{}",
            direction_uri(&self.uris[schema.file], direction),
            encode_fragment(&schema.ptr)
        );
        let built = options()
            .with_registry(&self.registry)
            .build(&json!({ "$ref": uri }))
            .map(Arc::new)
            .map_err(|e| e.to_string());
        self.cache
            .lock()
            .map_err(|e| e.to_string())?
            .insert(key, built.clone());
        built
    }

    /// Validates `value` against the schema at `schema`, listing every violation.
    pub fn violations(
        &self,
        schema: &Loc,
        direction: Direction,
        value: &Value,
    ) -> Result<Vec<Violation>, String> {
        let validator = self.get(schema, direction)?;
        Ok(collect(validator.iter_errors(value)))
    }
}

/// `file:///a/b.yaml` → `file:///__request__/a/b.yaml` for the request-direction copy.
fn direction_uri(uri: &str, direction: Direction) -> String {
    let prefix = match direction {
        Direction::Neutral => return uri.to_string(),
        Direction::Request => "__request__",
        Direction::Response => "__response__",
    };
    match uri.strip_prefix("file:///") {
        Some(rest) => format!("file:///{prefix}/{rest}"),
        None => uri.to_string(),
    }
}

/// Validator options shared by every schema kontrakt compiles.
pub fn options() -> jsonschema::ValidationOptions<'static> {
    jsonschema::options()
        .with_draft(Draft::Draft202012)
        .should_validate_formats(true)
        .with_format("cpr", is_cpr)
        .with_format("cvr", is_cvr)
}

/// Flattens errors; for `oneOf`/`anyOf` failures, reports the branch that came closest
/// (the deepest errors), since "not valid under any of the schemas" alone helps nobody.
pub fn collect<'a>(
    errors: impl Iterator<Item = jsonschema::ValidationError<'a>>,
) -> Vec<Violation> {
    let mut out = Vec::new();
    for e in errors {
        flatten(&e, &mut out);
    }
    out
}

fn flatten(e: &jsonschema::ValidationError<'_>, out: &mut Vec<Violation>) {
    use jsonschema::error::ValidationErrorKind as K;
    let branches = match e.kind() {
        K::OneOfNotValid { context } | K::AnyOf { context } => Some(context),
        _ => None,
    };
    if let Some(branches) = branches
        && let Some(best) = best_branch(branches)
    {
        let mut inner = Vec::new();
        for sub in best {
            flatten(sub, &mut inner);
        }
        if !inner.is_empty() {
            out.extend(inner);
            return;
        }
    }
    out.push(Violation {
        instance_path: e.instance_path().as_str().to_string(),
        keyword: e.kind().keyword().to_string(),
        message: e.to_string(),
    });
}

/// The branch whose errors reach deepest into the instance (a near miss), skipping branches that
/// only failed for being the wrong kind of thing (a Reference Object branch wanting `$ref`).
fn best_branch<'e>(
    branches: &'e [Vec<jsonschema::ValidationError<'static>>],
) -> Option<&'e Vec<jsonschema::ValidationError<'static>>> {
    let wrong_kind = |errs: &Vec<jsonschema::ValidationError<'static>>| {
        errs.iter().all(|e| {
            matches!(e.kind(), jsonschema::error::ValidationErrorKind::Required { property } if property == "$ref")
                || matches!(e.kind(), jsonschema::error::ValidationErrorKind::Type { .. } if e.instance_path().as_str().is_empty())
        })
    };
    let depth = |errs: &Vec<jsonschema::ValidationError<'static>>| {
        errs.iter()
            .map(|e| e.instance_path().as_str().matches('/').count())
            .max()
            .unwrap_or(0)
    };
    let candidates: Vec<_> = branches.iter().filter(|b| !b.is_empty()).collect();
    let preferred: Vec<_> = candidates
        .iter()
        .copied()
        .filter(|b| !wrong_kind(b))
        .collect();
    let pool = if preferred.is_empty() {
        candidates
    } else {
        preferred
    };
    pool.into_iter()
        .max_by(|a, b| depth(a).cmp(&depth(b)).then(b.len().cmp(&a.len())))
}

/// `#` fragments may hold any pointer; only characters that break URIs are escaped.
fn encode_fragment(ptr: &str) -> String {
    const FRAGMENT: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
        .add(b' ')
        .add(b'"')
        .add(b'<')
        .add(b'>')
        .add(b'`')
        .add(b'#')
        .add(b'%')
        .add(b'{')
        .add(b'}')
        .add(b'|')
        .add(b'\\')
        .add(b'^')
        .add(b'[')
        .add(b']');
    percent_encoding::utf8_percent_encode(ptr, FRAGMENT).to_string()
}

/// CPR: `DDMMYY-SSSS` or `DDMMYYSSSS` with a real day and month. Modulus 11 is deliberately not
/// required: numbers issued since 2007 need not pass it (CPR-kontoret asks systems to accept them).
pub fn is_cpr(s: &str) -> bool {
    let digits: String = match s.len() {
        10 => s.to_string(),
        11 if s.as_bytes()[6] == b'-' => format!("{}{}", &s[..6], &s[7..]),
        _ => return false,
    };
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let day: u32 = digits[0..2].parse().unwrap_or(0);
    let month: u32 = digits[2..4].parse().unwrap_or(0);
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        // The century is not known without the sequence digit's table; allow the 29th.
        2 => 29,
        _ => return false,
    };
    (1..=days_in_month).contains(&day)
}

/// CVR: eight digits, the first not 0. Modulus 11 is not required: MitID Erhverv test
/// organisations get fictitious numbers starting with 9 that need not pass it.
pub fn is_cvr(s: &str) -> bool {
    s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) && !s.starts_with('0')
}

/// Whether a CVR number passes the modulus-11 check (weights 2,7,6,5,4,3,2,1).
pub fn cvr_mod11(s: &str) -> bool {
    is_cvr(s)
        && s.bytes()
            .zip([2u32, 7, 6, 5, 4, 3, 2, 1])
            .map(|(b, w)| (b - b'0') as u32 * w)
            .sum::<u32>()
            % 11
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn danish_identifiers() {
        assert!(is_cpr("010180-1234"));
        assert!(is_cpr("0101801234"));
        assert!(!is_cpr("320180-1234"));
        assert!(!is_cpr("011380-1234"));
        assert!(!is_cpr("010180+1234"));
        assert!(is_cvr("13748136") && cvr_mod11("13748136"));
        assert!(is_cvr("99999999"));
        assert!(!is_cvr("03748136"));
        assert!(!cvr_mod11("13748137"));
    }

    #[test]
    fn fragments_keep_pointers_readable() {
        assert_eq!(
            encode_fragment("/paths/~1sager~1{sagId}"),
            "/paths/~1sager~1%7BsagId%7D"
        );
    }
}
