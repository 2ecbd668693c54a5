//! Every diff rule against its fixture pairs in `suites/diff/<rule-id>/<case>/{base,revision}.yaml`,
//! and the rule registry itself.
//!
//! A `fires-*` case must report its rule and a `clean-*` case must not; every change every case
//! reports is snapshotted (one snapshot for all cases, so a rule that starts firing elsewhere
//! shows up in review). The fixtures are written by `suites/diff/generate.py`.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use kontrakt::diff::delta::Direction;
use kontrakt::diff::policy::{Context, Release, judge};
use kontrakt::diff::rules::RULES;
use kontrakt::diff::{compare, rule};
use kontrakt::spec;

fn suite() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("suites/diff")
}

fn sorted_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.is_dir())
        .collect();
    v.sort();
    v
}

/// (rule id, message, old position, new position) for every change a pair reports.
fn changes(case: &Path) -> Vec<(String, String, String)> {
    let old = spec::load(&case.join("base.yaml")).expect("base.yaml loads");
    let new = spec::load(&case.join("revision.yaml")).expect("revision.yaml loads");
    let mut diff = compare(&old, &new);
    diff.release = release(case);
    let fired = rule::run(RULES, &diff);
    let none = |_: &(String, String)| None;
    let cx = Context {
        release: diff.release.as_ref(),
        first_deprecation: &none,
        announcements: &[],
        today: "2030-01-01".parse().expect("a date"),
    };
    judge(fired, &cx)
        .into_iter()
        .map(|c| {
            let at = |p: &Option<kontrakt::spec::Position>| {
                p.as_ref().map_or("—".to_string(), |p| {
                    let name = p
                        .file
                        .file_name()
                        .unwrap_or_default()
                        .to_string_lossy()
                        .into_owned();
                    format!("{name}:{}:{}", p.line, p.column)
                })
            };
            (
                c.rule.to_string(),
                format!("{} {}", c.level.as_str(), c.message),
                format!("{} → {}", at(&c.old), at(&c.new)),
            )
        })
        .collect()
}

/// The case's `release.json` (what a catalog would say), for rules that need a notice period.
fn release(case: &Path) -> Option<Release> {
    let text = std::fs::read_to_string(case.join("release.json")).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).expect("release.json is JSON");
    let s = |k: &str| {
        v[k].as_str()
            .unwrap_or_else(|| panic!("release.json: {k}"))
            .to_string()
    };
    let d = |k: &str| {
        s(k).parse()
            .unwrap_or_else(|e| panic!("release.json: {k}: {e}"))
    };
    Some(Release {
        service: s("service"),
        old_version: s("oldVersion"),
        new_version: s("newVersion"),
        notice_period_days: v["noticePeriodDays"].as_u64().expect("noticePeriodDays") as u32,
        old_published: d("oldPublished"),
        new_published: d("newPublished"),
        new_effective: d("newEffective"),
        operation_notice_days: Default::default(),
    })
}

#[test]
fn every_rule_fires_on_its_fixtures_and_only_there() {
    let mut snapshot = String::new();
    let mut failures = Vec::new();
    for r in RULES {
        let dir = suite().join(r.id);
        let cases = sorted_dirs(&dir);
        let names: Vec<String> = cases
            .iter()
            .map(|c| c.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert!(
            names.iter().any(|n| n.starts_with("fires")),
            "{}: no fires-* case in {}",
            r.id,
            dir.display()
        );
        assert!(
            names.iter().any(|n| n.starts_with("clean")),
            "{}: no clean-* case in {}",
            r.id,
            dir.display()
        );
        for (case, name) in cases.iter().zip(&names) {
            let found = changes(case);
            let fired = found.iter().any(|(id, _, _)| id == r.id);
            if name.starts_with("fires") && !fired {
                failures.push(format!(
                    "{}/{name}: expected `{}`, got {:?}",
                    r.id, r.id, found
                ));
            }
            if name.starts_with("clean") && fired {
                failures.push(format!("{}/{name}: `{}` fired: {:?}", r.id, r.id, found));
            }
            let _ = writeln!(snapshot, "{}/{name}", r.id);
            for (id, message, at) in &found {
                let _ = writeln!(snapshot, "  {id}: {message} ({at})");
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let mut settings = insta::Settings::clone_current();
    settings.set_omit_expression(true);
    settings.set_prepend_module_to_snapshot(true);
    settings.bind(|| insta::assert_snapshot!("diff_fixtures", snapshot));
}

#[test]
fn every_fixture_folder_belongs_to_a_rule() {
    let ids: BTreeSet<&str> = RULES.iter().map(|r| r.id).collect();
    for dir in sorted_dirs(&suite()) {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            ids.contains(name.as_str()),
            "suites/diff/{name} has no rule"
        );
    }
}

/// Request rules without a response mirror (or the reverse), and why.
const MIRROR_WAIVERS: &[(&str, &str)] = &[
    (
        "request-parameter-style-changed",
        "serialisation styles exist only for parameters; response headers are always `simple`",
    ),
    (
        "request-parameter-explode-changed",
        "`explode` exists only for parameters",
    ),
    (
        "request-body-added-required",
        "a response has no optional body to add; new response content is a status or media type change",
    ),
    (
        "request-body-added-optional",
        "as request-body-added-required",
    ),
    (
        "request-body-removed",
        "responses are judged per status and media type (response-*-status-*, response-media-type-*)",
    ),
    (
        "request-body-became-required",
        "a response body has no `required` flag",
    ),
    (
        "request-body-became-optional",
        "a response body has no `required` flag",
    ),
    (
        "response-success-status-removed",
        "requests have no status codes",
    ),
    (
        "response-non-success-status-removed",
        "requests have no status codes",
    ),
    (
        "response-success-status-added",
        "requests have no status codes",
    ),
    (
        "response-non-success-status-added",
        "requests have no status codes",
    ),
];

#[test]
fn registry_is_sound() {
    let mut ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
    assert!(RULES.len() >= 100, "only {} rules", RULES.len());
    for r in RULES {
        assert!(
            r.id.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "{} is not kebab-case",
            r.id
        );
        for (section, text) in [
            ("summary", r.summary),
            ("why", r.why),
            ("example", r.example),
            ("fix", r.fix),
        ] {
            let min = if section == "summary" { 8 } else { 15 };
            assert!(
                text.len() >= min,
                "{}: `{section}` is missing or too short",
                r.id
            );
            assert!(
                section == "summary" || text.ends_with(['.', ')']),
                "{}: `{section}` is not a sentence: {text}",
                r.id
            );
        }
    }
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), RULES.len(), "duplicate rule ids");
}

#[test]
fn request_and_response_rules_mirror_each_other() {
    for r in RULES {
        let waiver = MIRROR_WAIVERS.iter().find(|(id, _)| *id == r.id);
        match (r.direction, r.mirror) {
            (Direction::None, None) => {}
            (Direction::None, Some(m)) => {
                panic!("{}: a rule without direction names mirror {m}", r.id)
            }
            (_, None) => assert!(waiver.is_some(), "{}: no mirror rule and no waiver", r.id),
            (dir, Some(m)) => {
                assert!(waiver.is_none(), "{}: has a mirror and a waiver", r.id);
                let other = RULES
                    .iter()
                    .find(|o| o.id == m)
                    .unwrap_or_else(|| panic!("{}: mirror {m} does not exist", r.id));
                assert_ne!(
                    other.direction, dir,
                    "{}: mirror {m} has the same direction",
                    r.id
                );
                assert_eq!(
                    other.mirror,
                    Some(r.id),
                    "{}: mirror {m} does not point back",
                    r.id
                );
            }
        }
    }
    for (id, reason) in MIRROR_WAIVERS {
        assert!(
            RULES.iter().any(|r| r.id == *id),
            "waiver for unknown rule {id}"
        );
        assert!(reason.len() > 10, "{id}: the waiver needs a reason");
    }
}
