//! The lint rules, one file each, and the one list that registers them.

mod duplicate_operation_id;
mod impossible_schema;
mod invalid_example;
mod invalid_json;
mod invalid_openapi;
mod no_success_response;
mod path_parameter_not_in_template;
mod path_parameter_undeclared;
mod ref_cycle;
mod undefined_security_scheme;
mod unresolved_ref;

use super::rule::Rule;

/// Every rule, in the order their findings are explained in docs. Ids are public API.
pub static RULES: &[&Rule] = &[
    &invalid_openapi::RULE,
    &unresolved_ref::RULE,
    &ref_cycle::RULE,
    &invalid_json::RULE,
    &duplicate_operation_id::RULE,
    &path_parameter_undeclared::RULE,
    &path_parameter_not_in_template::RULE,
    &invalid_example::RULE,
    &no_success_response::RULE,
    &undefined_security_scheme::RULE,
    &impossible_schema::RULE,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_is_sound() {
        let mut ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        for id in &ids {
            assert!(
                id.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{id} is not kebab-case"
            );
        }
        for r in RULES {
            for (section, text) in [
                ("summary", r.summary),
                ("why", r.why),
                ("example", r.example),
                ("fix", r.fix),
            ] {
                assert!(
                    text.len() >= 20,
                    "{}: `{section}` is missing or too short",
                    r.id
                );
                assert!(
                    section == "summary" || text.ends_with(['.', ')']),
                    "{}: `{section}` is not a sentence",
                    r.id
                );
            }
        }
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len(), "duplicate rule ids");
    }
}
