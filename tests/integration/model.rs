//! The operation model on `tests/fixtures/model/openapi.yaml`: methods and paths, server base
//! paths, merged and overridden path-level parameters, style/explode defaults, responses with
//! ranges and `default`, effective security, deprecation, extensions, webhooks and links.

use kontrakt::spec::model::{self, Operation, ParamIn, StatusSpec};
use kontrakt::spec::{self, Model, Spec};

use crate::support::{fixtures, line_of};

fn fixture() -> (Spec, Model) {
    let spec = spec::load(&fixtures().join("model/openapi.yaml")).expect("fixture loads");
    assert!(spec.problems.is_empty(), "{:?}", spec.problems);
    let model = model::build(&spec);
    assert!(model.problems.is_empty(), "{:?}", model.problems);
    (spec, model)
}

fn op<'m>(model: &'m Model, id: &str) -> &'m Operation {
    model
        .operations
        .iter()
        .find(|o| o.operation_id.as_deref() == Some(id))
        .unwrap_or_else(|| panic!("no operation {id}"))
}

/// (name, in, required, style, explode) of each parameter, in model order.
fn params(op: &Operation) -> Vec<(&str, ParamIn, bool, &str, bool)> {
    op.parameters
        .iter()
        .map(|p| {
            (
                p.name.as_str(),
                p.location,
                p.required,
                p.style.as_str(),
                p.explode,
            )
        })
        .collect()
}

fn security(op: &Operation) -> Vec<Vec<(&str, Vec<&str>)>> {
    op.security
        .iter()
        .map(|r| {
            r.schemes
                .iter()
                .map(|(name, scopes)| (name.as_str(), scopes.iter().map(String::as_str).collect()))
                .collect()
        })
        .collect()
}

#[test]
fn every_operation_with_method_and_path_including_webhooks() {
    let (_, model) = fixture();
    let found: Vec<(String, Option<&str>, Option<&str>)> = model
        .operations
        .iter()
        .map(|o| (o.key(), o.operation_id.as_deref(), o.webhook.as_deref()))
        .collect();
    assert_eq!(
        found,
        vec![
            ("GET /sager".to_string(), Some("listSager"), None),
            ("POST /sager".to_string(), Some("opretSag"), None),
            ("GET /sager/{sagId}".to_string(), Some("hentSag"), None),
            ("DELETE /sager/{sagId}".to_string(), Some("sletSag"), None),
            (
                "POST sagOprettet".to_string(),
                Some("sagOprettetHook"),
                Some("sagOprettet")
            ),
        ]
    );
    assert_eq!(op(&model, "listSager").tags, ["sager"]);
}

#[test]
fn base_paths_come_from_the_nearest_servers_with_variables_filled_in() {
    let (_, model) = fixture();
    let list = op(&model, "listSager");
    assert_eq!(
        list.servers,
        [
            "https://api.domstol.dk/sager/v1/",
            "https://test.domstol.dk/sager/v1"
        ]
    );
    assert_eq!(list.base_path, "/sager/v1");
    // Path-item servers override the document's; operation servers override both.
    assert_eq!(op(&model, "hentSag").base_path, "/arkiv");
    assert_eq!(op(&model, "sletSag").servers, ["/intern"]);
    assert_eq!(op(&model, "sletSag").base_path, "/intern");
    assert_eq!(op(&model, "sagOprettetHook").base_path, "/sager/v1");
}

#[test]
fn path_level_parameters_are_merged_and_overridden() {
    let (spec, model) = fixture();
    let hent = op(&model, "hentSag");
    assert_eq!(
        params(hent),
        vec![
            // From the path item (the first through a component `$ref`).
            ("sagId", ParamIn::Path, true, "simple", false),
            ("X-Korrelation", ParamIn::Header, false, "simple", false),
            // The operation's own `side` replaces the path item's.
            ("side", ParamIn::Query, true, "spaceDelimited", false),
        ]
    );
    // The referenced parameter is located at its definition, the override at the operation.
    assert_eq!(hent.parameters[0].loc.ptr, "/components/parameters/SagId");
    assert!(
        hent.parameters[2]
            .loc
            .ptr
            .starts_with("/paths/~1sager~1{sagId}/get/"),
        "{}",
        hent.parameters[2].loc.ptr
    );
    let text = std::fs::read_to_string(fixtures().join("model/openapi.yaml")).unwrap();
    let after_hent = line_of(&text, "deprecated: true") as usize;
    let override_line = text
        .lines()
        .enumerate()
        .skip(after_hent)
        .find(|(_, l)| l.contains("- name: side"))
        .map(|(i, _)| i as u32 + 1);
    assert_eq!(
        Some(spec.position(&hent.parameters[2].loc).line),
        override_line
    );
    // Without an override, the path item's parameters are inherited as they are.
    assert_eq!(
        params(op(&model, "sletSag")),
        vec![
            ("sagId", ParamIn::Path, true, "simple", false),
            ("X-Korrelation", ParamIn::Header, false, "simple", false),
            ("side", ParamIn::Query, false, "form", true),
        ]
    );
}

#[test]
fn style_and_explode_defaults_follow_the_location() {
    let (_, model) = fixture();
    assert_eq!(
        params(op(&model, "listSager")),
        vec![
            ("side", ParamIn::Query, false, "form", true),
            // Explode defaults to true only for `form`.
            ("filter", ParamIn::Query, false, "deepObject", false),
            ("felter", ParamIn::Query, false, "form", false),
            ("session", ParamIn::Cookie, false, "form", true),
        ]
    );
}

#[test]
fn responses_keep_codes_ranges_and_default() {
    let (_, model) = fixture();
    let statuses = |id: &str| -> Vec<(String, StatusSpec)> {
        op(&model, id)
            .responses
            .iter()
            .map(|r| (r.key.clone(), r.status))
            .collect()
    };
    assert_eq!(
        statuses("listSager"),
        [
            ("200".to_string(), StatusSpec::Code(200)),
            ("default".to_string(), StatusSpec::Default)
        ]
    );
    assert_eq!(
        statuses("hentSag"),
        [
            ("2XX".to_string(), StatusSpec::Range(2)),
            ("404".to_string(), StatusSpec::Code(404))
        ]
    );
    assert_eq!(
        statuses("opretSag"),
        [
            ("201".to_string(), StatusSpec::Code(201)),
            ("4XX".to_string(), StatusSpec::Range(4))
        ]
    );
    let list = op(&model, "listSager");
    let ok = &list.responses[0];
    assert_eq!(ok.description.as_deref(), Some("Sagerne"));
    assert_eq!(ok.headers.len(), 1);
    assert_eq!(ok.headers[0].name, "X-Total");
    assert!(ok.headers[0].required);
    assert_eq!(ok.content[0].name, "application/json");
    // `default` is a `$ref`: the model follows it to the component.
    let default = &list.responses[1];
    assert_eq!(default.loc.ptr, "/components/responses/Fejl");
    assert_eq!(default.content[0].name, "application/problem+json");
    assert!(StatusSpec::Range(2).matches(204));
    assert!(!StatusSpec::Range(2).matches(304));
}

#[test]
fn request_bodies_list_every_media_type() {
    let (_, model) = fixture();
    let body = op(&model, "opretSag")
        .request_body
        .as_ref()
        .expect("a request body");
    assert!(body.required);
    let media: Vec<&str> = body.content.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(media, ["application/json", "application/xml"]);
    assert!(body.content.iter().all(|m| m.schema.is_some()));
    assert!(op(&model, "listSager").request_body.is_none());
}

#[test]
fn security_is_the_operations_own_or_else_the_documents() {
    let (_, model) = fixture();
    assert_eq!(
        security(op(&model, "listSager")),
        vec![vec![("oauth2", vec!["sager.laes"])]]
    );
    // Two schemes in one requirement must both be satisfied.
    assert_eq!(
        security(op(&model, "opretSag")),
        vec![vec![("oauth2", vec!["sager.skriv"]), ("mtls", vec![])]]
    );
    // `security: []` switches authentication off.
    assert!(op(&model, "sletSag").security.is_empty());
    assert_eq!(
        security(op(&model, "sagOprettetHook")),
        vec![vec![("oauth2", vec!["sager.laes"])]]
    );
}

#[test]
fn deprecation_and_extensions_are_kept() {
    let (_, model) = fixture();
    let hent = op(&model, "hentSag");
    assert!(hent.deprecated);
    assert_eq!(
        hent.extensions.get("x-kontrakt-stabilitet"),
        Some(&serde_json::json!("udgaaet"))
    );
    assert!(!op(&model, "listSager").deprecated);
    assert!(op(&model, "listSager").extensions.is_empty());
}

#[test]
fn links_name_their_target_and_parameters() {
    let (_, model) = fixture();
    let created = &op(&model, "opretSag").responses[0];
    assert_eq!(created.links.len(), 1);
    let link = &created.links[0];
    assert_eq!(link.name, "HentSag");
    assert_eq!(link.operation_id.as_deref(), Some("hentSag"));
    assert!(link.operation_ref.is_none());
    assert_eq!(
        link.parameters.get("sagId"),
        Some(&serde_json::json!("$response.body#/id"))
    );
    // The link's target exists in the model.
    assert!(
        model
            .operations
            .iter()
            .any(|o| o.operation_id == link.operation_id)
    );
}

#[test]
fn the_model_fixture_lints_clean() {
    let report = kontrakt::lint::lint_file(&fixtures().join("model/openapi.yaml"));
    assert!(report.error.is_none());
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert_eq!(report.operations, 5);
    assert_eq!(report.openapi.as_deref(), Some("3.1.0"));
}
