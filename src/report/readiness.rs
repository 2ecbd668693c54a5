//! `kontrakt readiness`: the vendor's evidence for the production-access application.
//!
//! The programme asks a vendor, part by part, what was tested against the test environment
//! before it grants production access. This module turns one or more finished run reports
//! ([`Report`]) into that evidence: per service and per role, each operation with whether it
//! was tested, when, in which run, against which spec (file digest) and with what outcome; a
//! plain list of what was not tested; and a verdict that names exactly what blocks readiness.
//!
//! The model ([`Readiness`]) is plain serde data built by pure functions ([`build`]); the
//! digests ([`digest`]) make edits of the evidence detectable; [`html`] renders the printable
//! page in Danish or English ([`text`]); [`command`] is the only part that reads files, runs
//! tests and writes.
//!
//! Roles: a role is a scenario suite (`suites/<role>.yaml`, trial names `suite::<role>::…`).
//! An operation belongs to a role when a step of the role's suite calls it, or when one of the
//! operation's OAuth scopes names the role: every `-`-separated word of the role's name is one
//! of the scope's `.`-separated segments (`kreditor-doedsbo` ↔ `doedsbo.kreditor`,
//! `likvidator` ↔ `tvangsoploesning.likvidator.laes`, but not `likvidatorregister.laes`).

pub mod command;
pub mod digest;
pub mod html;
pub mod text;

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::model::{Outcome, Report, TestKind, TestRecord};

/// The readiness JSON's identifier.
pub const SCHEMA: &str = "kontrakt-readiness/1";

/// The language of the printable page and the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Da,
    En,
}

/// The evidence, as written to `readiness.json`. Field order is fixed: the digests are taken
/// over `serde_json` of these structs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Readiness {
    pub schema: String,
    /// The kontrakt version that made this evidence.
    pub kontrakt: String,
    /// RFC 3339, UTC.
    pub generated_at: String,
    pub lang: Lang,
    /// The roles asked for with `--role` (empty: every role found).
    pub roles_selected: Vec<String>,
    pub runs: Vec<RunEvidence>,
    pub services: Vec<ServiceEvidence>,
    pub roles: Vec<RoleEvidence>,
    /// Every operation in scope that was not tested (or only skipped), with why.
    pub not_tested: Vec<NotTested>,
    /// Spec files whose scopes could not be read for the role mapping, and similar remarks.
    pub notes: Vec<String>,
    pub verdict: Verdict,
    pub digest: digest::Digests,
}

/// One run the evidence comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunEvidence {
    pub id: String,
    pub started: String,
    pub finished: String,
    pub target: String,
    /// The `--env` name of the run, if any.
    pub environment: Option<String>,
    pub environment_kind: EnvKind,
    pub seed: u64,
    /// The kontrakt version that ran the tests.
    pub kontrakt: String,
    /// The command that repeats the run.
    pub command: String,
    pub filter: Option<String>,
    pub skip: Vec<String>,
    pub tests: u64,
    pub passed: u64,
    pub failed: u64,
    pub skipped: u64,
}

/// What kind of place a run was made against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EnvKind {
    /// The embedded mock: not evidence.
    Mock,
    /// A `test` environment of the config: the only kind that is evidence.
    Test,
    Production,
    /// A `--target` URL or an environment kontrakt cannot classify.
    Unknown,
}

/// One spec under test and its operations' conformance results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceEvidence {
    pub name: String,
    pub title: String,
    pub version: String,
    pub file: String,
    /// SHA-256 of the spec file as the run recorded it.
    pub sha256: String,
    pub operations: Vec<OperationEvidence>,
}

/// One role: its operations with the role's scenario steps and the operations' checks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoleEvidence {
    pub name: String,
    /// Scopes of the specs that name this role.
    pub scopes: Vec<String>,
    /// The role's scenario steps over all its operations.
    pub steps: Counts,
    pub operations: Vec<OperationEvidence>,
}

/// One operation's evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OperationEvidence {
    /// `person-1.1.0::hentPerson`.
    pub id: String,
    pub service: String,
    pub method: String,
    pub path: String,
    pub status: Status,
    pub reason: Option<Reason>,
    /// The start of the run that tested it (RFC 3339), if tested.
    pub tested_at: Option<String>,
    pub run: Option<String>,
    /// Requests sent to it.
    pub requests: u64,
    /// Conformance checks and stateful chains.
    pub checks: Counts,
    /// Scenario steps (in a role: that role's steps only).
    pub steps: Counts,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Counts {
    pub passed: u64,
    pub failed: u64,
    pub skipped: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Passed,
    Failed,
    NotTested,
    Skipped,
}

/// Why an operation is not passed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    /// No test of it ran (filtered out, skipped, or not part of any run).
    NotRun,
    /// Tests ran but no request reached it.
    NoRequest,
    /// The request budget ran out before its cases were sent.
    BudgetSpent { not_sent: u64 },
    /// The run did not send to it (e.g. a state-changing method against production).
    NotSent { message: String },
    /// Its tests were all skipped.
    AllSkipped { message: Option<String> },
    /// The role's scenario never called it (it belongs to the role by scope only).
    NoScenarioStep,
    /// The first failing test.
    Failed {
        test: String,
        message: Option<String>,
    },
}

/// An entry of the plain "not tested" list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotTested {
    pub operation: String,
    /// `conformance` or the role's name.
    pub part: String,
    pub status: Status,
    pub reason: Reason,
}

/// Ready only when every operation in scope was tested and passed, in the test environment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub ready: bool,
    pub blockers: Vec<Blocker>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Blocker {
    /// The run was against the embedded mock: not evidence.
    Mock {
        run: String,
    },
    /// The run was not shown to be against a `test` environment.
    NotTestEnvironment {
        run: String,
        target: String,
        environment: Option<String>,
        environment_kind: EnvKind,
    },
    Failed {
        operations: Vec<String>,
    },
    NotTested {
        operations: Vec<String>,
    },
    /// A role asked for, or found, with no operation at all.
    RoleWithoutOperations {
        role: String,
    },
    /// A role none of whose scenario steps ran.
    RoleWithoutScenario {
        role: String,
    },
    /// Nothing in scope.
    NoOperations,
}

/// What the build needs besides the reports.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// How each run's environment was classified, by run id (absent: classified from the
    /// report alone: `embedded mock` is the mock, else unknown).
    pub environment_kinds: BTreeMap<String, EnvKind>,
    /// OAuth scopes per operation id (from the spec files, when they could be read).
    pub scopes: BTreeMap<String, Vec<String>>,
    /// Roles asked for (`--role`); empty: every role found.
    pub roles: Vec<String>,
    /// Roles known besides those in the reports (suite files named on the command line).
    pub known_roles: Vec<String>,
    pub notes: Vec<String>,
    pub generated_at: String,
    pub lang: Option<Lang>,
}

/// Errors that make the evidence impossible (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum ReadinessError {
    #[error(
        "the reports disagree on {service}: run {first} tested spec sha256 {first_sha}, run {second} tested {second_sha}"
    )]
    MismatchedSpec {
        service: String,
        first: String,
        first_sha: String,
        second: String,
        second_sha: String,
    },
    #[error("run {0} appears in more than one report")]
    DuplicateRun(String),
    #[error("no report to build evidence from")]
    NoReports,
}

/// Does a scope name this role? Every `-`-separated word of the role is a `.`-segment of the scope.
pub fn scope_names_role(scope: &str, role: &str) -> bool {
    let segments: Vec<&str> = scope.split('.').collect();
    let words: Vec<&str> = role.split('-').filter(|w| !w.is_empty()).collect();
    !words.is_empty() && words.iter().all(|w| segments.contains(w))
}

/// The role of a scenario step test (`suite::<role>::<scenario>::<step>`).
pub fn step_role(test: &TestRecord) -> Option<&str> {
    if test.kind != TestKind::Step {
        return None;
    }
    let mut parts = test.name.split("::");
    match (parts.next(), parts.next()) {
        (Some("suite"), Some(role)) if !role.is_empty() => Some(role),
        _ => None,
    }
}

/// Classifies a run from its report alone.
pub fn classify(report: &Report) -> EnvKind {
    if report.run.target == "embedded mock" {
        EnvKind::Mock
    } else {
        match report.run.environment.as_deref() {
            Some("test") => EnvKind::Test,
            Some("production") => EnvKind::Production,
            Some("mock") => EnvKind::Mock,
            _ => EnvKind::Unknown,
        }
    }
}

/// Where one operation sits: its run and report.
struct Placed<'a> {
    report: &'a Report,
    service: &'a super::model::ServiceReport,
    operation: &'a super::model::OperationReport,
}

/// Builds the evidence from the reports (in the order given). Pure: the digests of the
/// reports and of the content are computed here too.
pub fn build(reports: &[Report], inputs: &Inputs) -> Result<Readiness, ReadinessError> {
    if reports.is_empty() {
        return Err(ReadinessError::NoReports);
    }
    let mut seen_runs = BTreeSet::new();
    for r in reports {
        if !seen_runs.insert(r.run.id.clone()) {
            return Err(ReadinessError::DuplicateRun(r.run.id.clone()));
        }
    }
    // Services by name; the same service in two reports must be the same file.
    let mut services: BTreeMap<&str, (&Report, &super::model::ServiceReport)> = BTreeMap::new();
    let mut service_order: Vec<&str> = Vec::new();
    for r in reports {
        for s in &r.services {
            match services.get(s.name.as_str()) {
                Some((first, f)) if f.sha256 != s.sha256 => {
                    return Err(ReadinessError::MismatchedSpec {
                        service: s.name.clone(),
                        first: first.run.id.clone(),
                        first_sha: f.sha256.clone(),
                        second: r.run.id.clone(),
                        second_sha: s.sha256.clone(),
                    });
                }
                Some(_) => {}
                None => {
                    services.insert(&s.name, (r, s));
                    service_order.push(&s.name);
                }
            }
        }
    }
    // Every placement of each operation id, across reports.
    let mut placed: BTreeMap<&str, Vec<Placed>> = BTreeMap::new();
    let mut op_order: Vec<&str> = Vec::new();
    for r in reports {
        for s in &r.services {
            for o in &s.operations {
                let entry = placed.entry(&o.id).or_default();
                if entry.is_empty() {
                    op_order.push(&o.id);
                }
                entry.push(Placed {
                    report: r,
                    service: s,
                    operation: o,
                });
            }
        }
    }

    // Roles: from the step tests, the known roles and the roles asked for.
    let mut role_ops: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in reports {
        for t in &r.tests {
            if let Some(role) = step_role(t) {
                let ops = role_ops.entry(role.to_string()).or_default();
                if let Some(op) = &t.operation {
                    ops.insert(op.clone());
                }
            }
        }
    }
    for role in inputs.known_roles.iter().chain(&inputs.roles) {
        role_ops.entry(role.clone()).or_default();
    }
    let mut role_scopes: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (role, ops) in role_ops.iter_mut() {
        for (op, scopes) in &inputs.scopes {
            let named: Vec<&String> = scopes
                .iter()
                .filter(|s| scope_names_role(s, role))
                .collect();
            if !named.is_empty() && placed.contains_key(op.as_str()) {
                ops.insert(op.clone());
                role_scopes
                    .entry(role.clone())
                    .or_default()
                    .extend(named.into_iter().cloned());
            }
        }
    }
    let selected: Vec<String> = if inputs.roles.is_empty() {
        role_ops.keys().cloned().collect()
    } else {
        inputs.roles.clone()
    };

    // Scope: every operation, or with --role the selected roles' operations.
    let in_scope: BTreeSet<String> = if inputs.roles.is_empty() {
        op_order.iter().map(|s| s.to_string()).collect()
    } else {
        selected
            .iter()
            .flat_map(|r| role_ops.get(r).into_iter().flatten().cloned())
            .collect()
    };

    let mut service_evidence = Vec::new();
    for name in &service_order {
        let (_, s) = services[name];
        let operations: Vec<OperationEvidence> = s
            .operations
            .iter()
            .filter(|o| in_scope.contains(&o.id))
            .map(|o| operation_evidence(&placed[o.id.as_str()], None))
            .collect();
        if operations.is_empty() {
            continue;
        }
        service_evidence.push(ServiceEvidence {
            name: s.name.clone(),
            title: s.title.clone(),
            version: s.version.clone(),
            file: s.file.clone(),
            sha256: s.sha256.clone(),
            operations,
        });
    }

    let mut role_evidence = Vec::new();
    for role in &selected {
        let ops = role_ops.get(role).cloned().unwrap_or_default();
        let mut operations: Vec<OperationEvidence> = op_order
            .iter()
            .filter(|id| ops.contains(**id))
            .map(|id| operation_evidence(&placed[*id], Some(role.as_str())))
            .collect();
        // Operations a step named that no report lists (a suite calling another spec version).
        for id in ops.iter().filter(|id| !placed.contains_key(id.as_str())) {
            operations.push(unplaced_step_operation(reports, id, role));
        }
        let mut steps = Counts::default();
        for r in reports {
            for t in r.tests.iter().filter(|t| step_role(t) == Some(role)) {
                steps.add(t.outcome);
            }
        }
        role_evidence.push(RoleEvidence {
            name: role.clone(),
            scopes: role_scopes
                .get(role)
                .map(|s| s.iter().cloned().collect())
                .unwrap_or_default(),
            steps,
            operations,
        });
    }

    let mut not_tested = Vec::new();
    let mut failed = BTreeSet::new();
    let mut untested = BTreeSet::new();
    let parts = service_evidence
        .iter()
        .flat_map(|s| s.operations.iter().map(|o| ("conformance", o)))
        .chain(
            role_evidence
                .iter()
                .flat_map(|r| r.operations.iter().map(move |o| (r.name.as_str(), o))),
        );
    for (part, o) in parts {
        match o.status {
            Status::Passed => {}
            Status::Failed => {
                failed.insert(o.id.clone());
            }
            Status::NotTested | Status::Skipped => {
                untested.insert(o.id.clone());
                not_tested.push(NotTested {
                    operation: o.id.clone(),
                    part: part.to_string(),
                    status: o.status,
                    reason: o.reason.clone().unwrap_or(Reason::NotRun),
                });
            }
        }
    }

    let runs: Vec<RunEvidence> = reports
        .iter()
        .map(|r| RunEvidence {
            id: r.run.id.clone(),
            started: r.run.started.clone(),
            finished: r.run.finished.clone(),
            target: r.run.target.clone(),
            environment: r.run.environment.clone(),
            environment_kind: inputs
                .environment_kinds
                .get(&r.run.id)
                .copied()
                .unwrap_or_else(|| classify(r)),
            seed: r.run.seed,
            kontrakt: r.kontrakt.clone(),
            command: r.run.command.clone(),
            filter: r.run.settings.filter.clone(),
            skip: r.run.settings.skip.clone(),
            tests: r.summary.tests,
            passed: r.summary.passed,
            failed: r.summary.failed,
            skipped: r.summary.skipped,
        })
        .collect();

    let mut blockers = Vec::new();
    for run in &runs {
        match run.environment_kind {
            EnvKind::Test => {}
            EnvKind::Mock => blockers.push(Blocker::Mock {
                run: run.id.clone(),
            }),
            kind => blockers.push(Blocker::NotTestEnvironment {
                run: run.id.clone(),
                target: run.target.clone(),
                environment: run.environment.clone(),
                environment_kind: kind,
            }),
        }
    }
    if in_scope.is_empty() && role_evidence.iter().all(|r| r.operations.is_empty()) {
        blockers.push(Blocker::NoOperations);
    }
    for r in &role_evidence {
        if r.operations.is_empty() {
            blockers.push(Blocker::RoleWithoutOperations {
                role: r.name.clone(),
            });
        } else if r.steps.passed + r.steps.failed == 0 {
            blockers.push(Blocker::RoleWithoutScenario {
                role: r.name.clone(),
            });
        }
    }
    if !failed.is_empty() {
        blockers.push(Blocker::Failed {
            operations: failed.into_iter().collect(),
        });
    }
    if !untested.is_empty() {
        blockers.push(Blocker::NotTested {
            operations: untested.into_iter().collect(),
        });
    }

    let mut readiness = Readiness {
        schema: SCHEMA.to_string(),
        kontrakt: env!("CARGO_PKG_VERSION").to_string(),
        generated_at: inputs.generated_at.clone(),
        lang: inputs.lang.unwrap_or(Lang::Da),
        roles_selected: inputs.roles.clone(),
        runs,
        services: service_evidence,
        roles: role_evidence,
        not_tested,
        notes: inputs.notes.clone(),
        verdict: Verdict {
            ready: blockers.is_empty(),
            blockers,
        },
        digest: digest::Digests::default(),
    };
    readiness.digest = digest::compute(reports, &readiness);
    Ok(readiness)
}

impl Counts {
    fn add(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Passed => self.passed += 1,
            Outcome::Failed => self.failed += 1,
            Outcome::Skipped => self.skipped += 1,
        }
    }

    pub fn total(&self) -> u64 {
        self.passed + self.failed + self.skipped
    }
}

/// An operation's evidence over every run that lists it; `role` limits the steps to that role's.
fn operation_evidence(placements: &[Placed], role: Option<&str>) -> OperationEvidence {
    let first = &placements[0];
    let id = first.operation.id.clone();
    let mut checks = Counts::default();
    let mut steps = Counts::default();
    let mut requests = 0;
    let mut not_sent = 0;
    let mut not_sent_reason = None;
    let mut first_failure: Option<&TestRecord> = None;
    let mut first_skip: Option<&TestRecord> = None;
    // The latest run that sent it a request and judged it.
    let mut tested: Option<(&str, &str)> = None;
    for p in placements {
        let sent: u64 = p.operation.sent.values().sum();
        requests += sent;
        not_sent += p.operation.not_sent;
        if let Some(m) = &p.operation.skipped {
            not_sent_reason.get_or_insert_with(|| m.clone());
        }
        let mut judged = false;
        for t in p.report.tests_of(&id) {
            match step_role(t) {
                Some(r) if role.is_some_and(|want| want != r) => continue,
                Some(_) => steps.add(t.outcome),
                None => checks.add(t.outcome),
            }
            match t.outcome {
                Outcome::Failed => {
                    judged = true;
                    first_failure.get_or_insert(t);
                }
                Outcome::Passed => judged = true,
                Outcome::Skipped => {
                    first_skip.get_or_insert(t);
                }
            }
        }
        if judged && sent > 0 {
            let candidate = (p.report.run.started.as_str(), p.report.run.id.as_str());
            if tested.is_none_or(|t| candidate.0 > t.0) {
                tested = Some(candidate);
            }
        }
    }
    let in_role_by_steps = steps.total() > 0;
    let (status, reason) = if let Some(t) = first_failure {
        (
            Status::Failed,
            Some(Reason::Failed {
                test: t.name.clone(),
                message: t.message.clone(),
            }),
        )
    } else if let Some(message) = not_sent_reason.filter(|_| requests == 0) {
        (Status::Skipped, Some(Reason::NotSent { message }))
    } else if checks.passed + steps.passed > 0 && requests > 0 {
        if role.is_some() && !in_role_by_steps {
            (Status::Passed, Some(Reason::NoScenarioStep))
        } else {
            (Status::Passed, None)
        }
    } else if checks.passed + steps.passed > 0 && not_sent > 0 {
        (Status::NotTested, Some(Reason::BudgetSpent { not_sent }))
    } else if checks.passed + steps.passed > 0 {
        (Status::NotTested, Some(Reason::NoRequest))
    } else if let Some(t) = first_skip {
        (
            Status::Skipped,
            Some(Reason::AllSkipped {
                message: t.message.clone(),
            }),
        )
    } else {
        (Status::NotTested, Some(Reason::NotRun))
    };
    let (tested_at, run) = match (status, tested) {
        (Status::Passed | Status::Failed, Some((at, run))) => {
            (Some(at.to_string()), Some(run.to_string()))
        }
        _ => (None, None),
    };
    OperationEvidence {
        id,
        service: first.service.name.clone(),
        method: first.operation.method.clone(),
        path: first.operation.path.clone(),
        status,
        reason,
        tested_at,
        run,
        requests,
        checks,
        steps,
    }
}

/// A role's operation that a scenario step named but no report's services list.
fn unplaced_step_operation(reports: &[Report], id: &str, role: &str) -> OperationEvidence {
    let mut steps = Counts::default();
    let mut failure = None;
    let mut tested = None;
    for r in reports {
        for t in r.tests_of(id).filter(|t| step_role(t) == Some(role)) {
            steps.add(t.outcome);
            if t.outcome == Outcome::Failed && failure.is_none() {
                failure = Some(Reason::Failed {
                    test: t.name.clone(),
                    message: t.message.clone(),
                });
            }
            if t.outcome != Outcome::Skipped {
                tested = Some((r.run.started.clone(), r.run.id.clone()));
            }
        }
    }
    let status = if failure.is_some() {
        Status::Failed
    } else if steps.passed > 0 {
        Status::Passed
    } else {
        Status::NotTested
    };
    let (service, _) = id.split_once("::").unwrap_or((id, ""));
    OperationEvidence {
        id: id.to_string(),
        service: service.to_string(),
        method: String::new(),
        path: String::new(),
        status,
        reason: failure.or((status == Status::NotTested).then_some(Reason::NotRun)),
        tested_at: tested.as_ref().map(|t| t.0.clone()),
        run: tested.map(|t| t.1),
        requests: 0,
        checks: Counts::default(),
        steps,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::model::{
        Coverage, OperationReport, RunInfo, ServiceReport, TestKind, TestRecord,
    };

    fn report(outcomes: &[(&str, TestKind, Outcome)], sent: u64) -> Report {
        let op = |name: &str| OperationReport {
            id: format!("sager-1.0.0::{name}"),
            method: "GET".into(),
            path: format!("/{name}"),
            operation_id: Some(name.into()),
            location: None,
            skipped: None,
            sent: [("examples".to_string(), sent)].into_iter().collect(),
            not_sent: 0,
            coverage: Coverage::default(),
        };
        let mut run = RunInfo::blank();
        run.id = "20261123T000000Z".into();
        run.started = "2026-11-23T00:00:00.000Z".into();
        run.target = "https://api.test.example".into();
        run.environment = Some("test".into());
        let service = ServiceReport {
            name: "sager-1.0.0".into(),
            title: "Sager".into(),
            version: "1.0.0".into(),
            file: "no/such/sager.yaml".into(),
            sha256: "ab".repeat(32),
            operations: vec![op("hentSag"), op("listSager")],
        };
        let mut r = Report::new(run, vec![service]);
        for (name, kind, outcome) in outcomes {
            let operation = name
                .rsplit("::")
                .nth(1)
                .map(|o| format!("sager-1.0.0::{o}"));
            r.tests.push(TestRecord {
                name: name.to_string(),
                kind: *kind,
                operation: if *kind == TestKind::Step {
                    Some("sager-1.0.0::hentSag".into())
                } else {
                    operation
                },
                check: None,
                outcome: *outcome,
                message: None,
                text: None,
                location: None,
                exchange: None,
            });
        }
        r.summarize();
        r
    }

    #[test]
    fn ready_only_when_everything_in_scope_passed_in_the_test_environment() {
        let all = [
            (
                "sager-1.0.0::hentSag::status",
                TestKind::Check,
                Outcome::Passed,
            ),
            (
                "sager-1.0.0::listSager::status",
                TestKind::Check,
                Outcome::Passed,
            ),
            (
                "suite::sagsbehandler::flow::hent",
                TestKind::Step,
                Outcome::Passed,
            ),
        ];
        let r = report(&all, 3);
        let ready = build(std::slice::from_ref(&r), &Inputs::default()).unwrap();
        assert!(ready.verdict.ready, "{:?}", ready.verdict);
        assert_eq!(ready.roles[0].name, "sagsbehandler");
        assert_eq!(ready.roles[0].operations.len(), 1);
        assert_eq!(
            ready.roles[0].operations[0].tested_at.as_deref(),
            Some("2026-11-23T00:00:00.000Z")
        );

        // A failure, and an operation none of whose tests ran.
        let r = report(
            &[
                (
                    "sager-1.0.0::hentSag::status",
                    TestKind::Check,
                    Outcome::Failed,
                ),
                (
                    "suite::sagsbehandler::flow::hent",
                    TestKind::Step,
                    Outcome::Passed,
                ),
            ],
            3,
        );
        let not = build(std::slice::from_ref(&r), &Inputs::default()).unwrap();
        assert!(!not.verdict.ready);
        assert!(not.verdict.blockers.contains(&Blocker::Failed {
            operations: vec!["sager-1.0.0::hentSag".into()]
        }));
        assert!(not.verdict.blockers.contains(&Blocker::NotTested {
            operations: vec!["sager-1.0.0::listSager".into()]
        }));
        assert_eq!(not.not_tested[0].reason, Reason::NotRun);

        // Passing checks with no request sent are not a test.
        let r = report(&all, 0);
        let empty = build(std::slice::from_ref(&r), &Inputs::default()).unwrap();
        assert_eq!(empty.services[0].operations[0].status, Status::NotTested);
        assert_eq!(
            empty.services[0].operations[0].reason,
            Some(Reason::NoRequest)
        );

        // An unknown environment and a role with nothing to test block too.
        let mut r = report(&all, 3);
        r.run.environment = None;
        let inputs = Inputs {
            roles: vec!["revisor".into()],
            ..Inputs::default()
        };
        let blocked = build(std::slice::from_ref(&r), &inputs).unwrap();
        assert!(matches!(
            blocked.verdict.blockers[0],
            Blocker::NotTestEnvironment {
                environment_kind: EnvKind::Unknown,
                ..
            }
        ));
        assert!(
            blocked
                .verdict
                .blockers
                .contains(&Blocker::RoleWithoutOperations {
                    role: "revisor".into()
                })
        );
    }

    #[test]
    fn digests_detect_edits_section_by_section() {
        let r = report(
            &[(
                "sager-1.0.0::hentSag::status",
                TestKind::Check,
                Outcome::Passed,
            )],
            1,
        );
        let ready = build(std::slice::from_ref(&r), &Inputs::default()).unwrap();
        let read = |_: &std::path::Path| -> Result<Report, String> { Err("unused".into()) };
        let v = digest::verify(&ready, &[], read);
        assert!(v.mismatches.is_empty(), "{:?}", v.mismatches);
        let mut edited = ready.clone();
        edited.verdict.ready = true;
        let v = digest::verify(&edited, &[], read);
        assert_eq!(v.mismatches.len(), 2, "{:?}", v.mismatches);
        assert!(v.mismatches[0].contains("`verdict`"));
        let mut other = r.clone();
        other.tests[0].outcome = Outcome::Failed;
        let v = digest::verify(&ready, &[("r.json".into(), other)], read);
        assert!(v.mismatches[0].contains("differs"), "{:?}", v.mismatches);
    }

    #[test]
    fn scopes_name_roles_by_whole_segments() {
        assert!(scope_names_role(
            "tvangsoploesning.likvidator",
            "likvidator"
        ));
        assert!(scope_names_role(
            "tvangsoploesning.likvidator.laes",
            "likvidator"
        ));
        assert!(!scope_names_role("likvidatorregister.laes", "likvidator"));
        assert!(scope_names_role("doedsbo.kreditor", "kreditor-doedsbo"));
        assert!(!scope_names_role(
            "doedsbo.journal.laes",
            "kreditor-doedsbo"
        ));
        assert!(!scope_names_role(
            "tvangsoploesning.kreditor",
            "kreditor-doedsbo"
        ));
        assert!(scope_names_role("dokumentlager.skriv", "dokumentlager"));
        assert!(!scope_names_role("dokumentlager.skriv", ""));
    }
}
