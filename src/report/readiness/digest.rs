//! Digests that make an edit of the evidence, or of the reports under it, detectable.
//!
//! Each underlying report is digested as its canonical JSON: `serde_json` of the [`Report`]
//! struct (fixed field order, no whitespace), taken from the report as read back from JSON so
//! a run's report and the same report read from `report.json` give the same digest. The
//! readiness content is digested section by section (so a verification can say *what* was
//! edited) and as a whole (with `digest.content` empty). This detects edits; it is not a
//! signature: whoever edits and recomputes every digest is caught only by comparing the
//! report digests with the reports kept from the run.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use super::Readiness;
use crate::report::model::Report;

pub const ALGORITHM: &str = "sha-256";

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Digests {
    pub algorithm: String,
    /// One per underlying report, in the order of `runs`.
    pub reports: Vec<ReportDigest>,
    pub sections: Sections,
    /// Over the whole readiness JSON with this field empty.
    pub content: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportDigest {
    pub run: String,
    /// Where the report was read from or written to, when known.
    pub file: Option<String>,
    pub sha256: String,
}

/// The digest of each part of the content.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Sections {
    /// schema, kontrakt, generated_at, lang, roles_selected, notes.
    pub header: String,
    pub runs: String,
    pub services: String,
    pub roles: String,
    pub not_tested: String,
    pub verdict: String,
}

/// Hex SHA-256 of bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn of<T: Serialize + ?Sized>(value: &T) -> String {
    sha256_hex(serde_json::to_string(value).unwrap_or_default().as_bytes())
}

/// The canonical JSON digest of a report (as read back from JSON; see [`canonical`]).
pub fn report_digest(report: &Report) -> String {
    of(report)
}

/// A report as it reads back from its JSON: what [`report_digest`] of a run's report must be
/// taken over, so that it equals the digest of the same report read from `report.json`.
pub fn canonical(report: &Report) -> Result<Report, serde_json::Error> {
    serde_json::from_str(&serde_json::to_string(report)?)
}

fn sections(r: &Readiness) -> Sections {
    Sections {
        header: of(&(
            &r.schema,
            &r.kontrakt,
            &r.generated_at,
            &r.lang,
            &r.roles_selected,
            &r.notes,
        )),
        runs: of(&r.runs),
        services: of(&r.services),
        roles: of(&r.roles),
        not_tested: of(&r.not_tested),
        verdict: of(&r.verdict),
    }
}

fn content(r: &Readiness) -> String {
    let mut copy = r.clone();
    copy.digest.content = String::new();
    of(&copy)
}

/// The digests of `readiness` over `reports` (report files are filled in by the caller).
pub fn compute(reports: &[Report], readiness: &Readiness) -> Digests {
    let mut copy = readiness.clone();
    copy.digest = Digests {
        algorithm: ALGORITHM.to_string(),
        reports: reports
            .iter()
            .map(|r| ReportDigest {
                run: r.run.id.clone(),
                file: None,
                sha256: report_digest(r),
            })
            .collect(),
        sections: sections(readiness),
        content: String::new(),
    };
    copy.digest.content = content(&copy);
    copy.digest
}

/// Records where each report lives and recomputes the content digest.
pub fn set_report_files(readiness: &mut Readiness, files: &[Option<PathBuf>]) {
    for (d, f) in readiness.digest.reports.iter_mut().zip(files) {
        d.file = f.as_ref().map(|p| p.display().to_string());
    }
    readiness.digest.content = content(readiness);
}

/// What a verification found.
#[derive(Debug, Default)]
pub struct Verification {
    /// What does not match, one line each; empty: intact.
    pub mismatches: Vec<String>,
    /// What was checked and matched.
    pub checked: Vec<String>,
    /// Reports that could not be checked (file not found), one line each.
    pub unchecked: Vec<String>,
}

/// Recomputes every digest of `readiness`. `reports` are reports to check against the
/// recorded report digests (by run id); without them, the recorded report files are read
/// when they exist.
pub fn verify(
    readiness: &Readiness,
    reports: &[(PathBuf, Report)],
    read: impl Fn(&Path) -> Result<Report, String>,
) -> Verification {
    let mut v = Verification::default();
    let recorded = &readiness.digest;
    if recorded.algorithm != ALGORITHM {
        v.mismatches.push(format!(
            "/digest/algorithm: `{}` (expected `{ALGORITHM}`)",
            recorded.algorithm
        ));
    }
    let now = sections(readiness);
    let pairs = [
        ("header", &recorded.sections.header, &now.header),
        ("runs", &recorded.sections.runs, &now.runs),
        ("services", &recorded.sections.services, &now.services),
        ("roles", &recorded.sections.roles, &now.roles),
        ("not_tested", &recorded.sections.not_tested, &now.not_tested),
        ("verdict", &recorded.sections.verdict, &now.verdict),
    ];
    for (name, was, is) in pairs {
        if was != is {
            v.mismatches
                .push(format!("section `{name}` was edited (its digest differs)"));
        }
    }
    let whole = content(readiness);
    if whole != recorded.content {
        v.mismatches.push(
            "the content digest differs: the evidence or its digests were edited".to_string(),
        );
    } else {
        v.checked.push(format!("content sha256 {whole}"));
    }
    if recorded.reports.len() != readiness.runs.len()
        || recorded
            .reports
            .iter()
            .zip(&readiness.runs)
            .any(|(d, r)| d.run != r.id)
    {
        v.mismatches
            .push("the report digests do not list the runs of the evidence".to_string());
    }
    if !reports.is_empty() {
        for (path, report) in reports {
            let digest = report_digest(report);
            match recorded.reports.iter().find(|d| d.run == report.run.id) {
                None => v.mismatches.push(format!(
                    "{}: run {} is not one the evidence was made from",
                    path.display(),
                    report.run.id
                )),
                Some(d) if d.sha256 != digest => v.mismatches.push(format!(
                    "{}: report of run {} differs from the one the evidence was made from (sha256 {digest}, recorded {})",
                    path.display(),
                    report.run.id,
                    d.sha256
                )),
                Some(d) => v.checked.push(format!(
                    "{}: report of run {} sha256 {}",
                    path.display(),
                    d.run,
                    d.sha256
                )),
            }
        }
    } else {
        for d in &recorded.reports {
            let Some(file) = &d.file else {
                v.unchecked
                    .push(format!("report of run {}: no file recorded", d.run));
                continue;
            };
            let path = Path::new(file);
            if !path.exists() {
                v.unchecked.push(format!(
                    "{file}: report of run {} not found (not checked)",
                    d.run
                ));
                continue;
            }
            match read(path) {
                Err(e) => v.mismatches.push(e),
                Ok(report) => {
                    let digest = report_digest(&report);
                    if report.run.id != d.run || digest != d.sha256 {
                        v.mismatches.push(format!(
                            "{file}: report differs from the one the evidence was made from (run {}, sha256 {digest}; recorded run {}, sha256 {})",
                            report.run.id, d.run, d.sha256
                        ));
                    } else {
                        v.checked
                            .push(format!("{file}: report of run {} sha256 {digest}", d.run));
                    }
                }
            }
        }
    }
    v
}
