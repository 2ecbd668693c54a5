//! The real catalog (`specs/catalog.yaml`) against the real spec files: the estate that every
//! other verb is demonstrated on must itself be consistent.

use std::path::{Path, PathBuf};

use kontrakt::catalog::{self, Catalog, Semver, Status};

fn specs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("specs")
}

fn real_catalog() -> Catalog {
    let path = specs_dir().join("catalog.yaml");
    catalog::load(&path).unwrap_or_else(|e| panic!("the real catalog must load: {e}"))
}

#[test]
fn real_catalog_loads_with_all_services() {
    let catalog = real_catalog();
    assert_eq!(catalog.catalog_version, 1);
    let ids: Vec<&str> = catalog.services.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "doedsbo",
            "aggregator",
            "tvangsoploesning-kreditor",
            "tvangsoploesning-likvidator",
            "person",
            "likvidatorregister",
            "dokumentlager",
            "virksomhed",
            "retskreds",
        ]
    );
    let common: Vec<&str> = catalog.common.iter().map(|c| c.version.as_str()).collect();
    assert_eq!(common, ["1.0.0", "1.1.0"]);
}

#[test]
fn real_catalog_agrees_with_the_files() {
    let catalog = real_catalog();
    let problems = catalog::verify(&catalog, &specs_dir());
    let shown: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert!(
        shown.is_empty(),
        "catalog and files disagree:\n{}",
        shown.join("\n")
    );
}

#[test]
fn every_service_has_a_history() {
    let catalog = real_catalog();
    for service in &catalog.services {
        assert!(
            service.versions.len() >= 2,
            "{} has {} version(s)",
            service.id,
            service.versions.len()
        );
    }
    for id in ["tvangsoploesning-likvidator", "dokumentlager", "doedsbo"] {
        let service = catalog.service(id).unwrap();
        assert!(
            service.versions.len() >= 3,
            "{id} needs at least three versions"
        );
    }
}

#[test]
fn versions_are_ordered_by_publication_and_number() {
    let catalog = real_catalog();
    for service in &catalog.services {
        for pair in service.versions.windows(2) {
            assert!(
                pair[0].published < pair[1].published,
                "{} {} is not published before {}",
                service.id,
                pair[0].version,
                pair[1].version
            );
            assert!(pair[0].semver().unwrap() < pair[1].semver().unwrap());
        }
        // Superseded versions are retired; the newest one is live.
        let (latest, older) = service.versions.split_last().unwrap();
        assert!(
            older.iter().all(|v| v.status == Status::Retired),
            "{}",
            service.id
        );
        assert!(
            matches!(latest.status, Status::Production | Status::Pilot),
            "{} {} is {}",
            service.id,
            latest.version,
            latest.status
        );
    }
}

#[test]
fn at_least_two_services_are_on_openapi_31() {
    let catalog = real_catalog();
    let on_31: Vec<&str> = catalog
        .services
        .iter()
        .filter(|s| {
            let v: Semver = s.latest().unwrap().openapi.parse().unwrap();
            (v.major, v.minor) == (3, 1)
        })
        .map(|s| s.id.as_str())
        .collect();
    assert_eq!(on_31, ["dokumentlager", "retskreds"]);
}

#[test]
fn notice_periods_match_the_documented_history() {
    let catalog = real_catalog();
    // The deliberate mistake: kreditor 1.1.0 broke 1.0.0 only 77 days into a 90-day notice.
    let kreditor = catalog.service("tvangsoploesning-kreditor").unwrap();
    let broken = kreditor.version("1.1.0").unwrap();
    let promise = kreditor.predecessor("1.1.0").unwrap().notice_period();
    assert_eq!(promise.from.days_between(broken.published), 77);
    assert!(!promise.respected_by(broken.published));
    // The announced removals waited long enough.
    let doedsbo = catalog.service("doedsbo").unwrap();
    let promise = doedsbo.predecessor("2.0.0").unwrap().notice_period();
    assert!(promise.respected_by(doedsbo.version("2.0.0").unwrap().published));
    // Preliminary specs promised nothing, so the likvidator path rename was allowed.
    let likvidator = catalog.service("tvangsoploesning-likvidator").unwrap();
    assert_eq!(likvidator.version("1.0.0").unwrap().notice_period_days, 0);
    // A file path leads back to its service and version.
    let (service, version) = catalog
        .version_of_file(Path::new("dokumentlager/dokumentlager-2.0.0.yaml"))
        .unwrap();
    assert_eq!(
        (service.id.as_str(), version.openapi.as_str()),
        ("dokumentlager", "3.1.0")
    );
}
