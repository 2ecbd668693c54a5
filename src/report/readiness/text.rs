//! Every word of the readiness evidence in Danish (the default: the programme's language) and
//! English, and dates in each language's style. One table per language so a missing
//! translation is a compile error, not a blank on the printed page.

use super::{Blocker, EnvKind, Lang, Reason, Status};

/// The labels of the page and the summary.
pub struct Labels {
    pub title: &'static str,
    pub subtitle: &'static str,
    pub generated: &'static str,
    pub kontrakt_version: &'static str,
    pub verdict: &'static str,
    pub ready: &'static str,
    pub not_ready: &'static str,
    pub blockers: &'static str,
    pub runs: &'static str,
    pub run: &'static str,
    pub started: &'static str,
    pub finished: &'static str,
    pub target: &'static str,
    pub environment: &'static str,
    pub environment_kind: &'static str,
    pub seed: &'static str,
    pub command: &'static str,
    pub tests: &'static str,
    pub services: &'static str,
    pub service: &'static str,
    pub version: &'static str,
    pub spec_file: &'static str,
    pub roles: &'static str,
    pub role: &'static str,
    pub scopes: &'static str,
    pub scenario_steps: &'static str,
    pub operation: &'static str,
    pub status: &'static str,
    pub tested_at: &'static str,
    pub checks: &'static str,
    pub requests: &'static str,
    pub remark: &'static str,
    pub not_tested: &'static str,
    pub nothing_untested: &'static str,
    pub part: &'static str,
    pub conformance: &'static str,
    pub notes: &'static str,
    pub digests: &'static str,
    pub digest_note: &'static str,
    pub content_digest: &'static str,
    pub report_digest: &'static str,
    pub mock_warning: &'static str,
    pub not_test_warning: &'static str,
    pub passed_failed_skipped: &'static str,
    pub none: &'static str,
    pub filter: &'static str,
    pub skip: &'static str,
    pub signature: &'static str,
}

pub const DA: Labels = Labels {
    title: "Dokumentation for test forud for produktionsadgang",
    subtitle: "Leverandørens dokumentation af test i testmiljøet: konformanstest og rollebaserede testforløb pr. service og rolle.",
    generated: "Udarbejdet",
    kontrakt_version: "kontrakt-version",
    verdict: "Samlet vurdering",
    ready: "KLAR: alle operationer i omfanget er testet og bestået i testmiljøet.",
    not_ready: "IKKE KLAR",
    blockers: "Det, der forhindrer godkendelse",
    runs: "Testkørsler",
    run: "Kørsel",
    started: "Startet",
    finished: "Afsluttet",
    target: "Testet mod",
    environment: "Miljø",
    environment_kind: "Miljøtype",
    seed: "Seed",
    command: "Kommando",
    tests: "Test",
    services: "Services (konformanstest)",
    service: "Service",
    version: "Version",
    spec_file: "Specifikation (SHA-256)",
    roles: "Roller (testforløb)",
    role: "Rolle",
    scopes: "Scopes",
    scenario_steps: "Trin i testforløb",
    operation: "Operation",
    status: "Resultat",
    tested_at: "Testet",
    checks: "Kontroller",
    requests: "Kald",
    remark: "Bemærkning",
    not_tested: "Ikke testet",
    nothing_untested: "Alle operationer i omfanget er testet.",
    part: "Del",
    conformance: "konformanstest",
    notes: "Bemærkninger",
    digests: "Kontrolsummer",
    digest_note: "SHA-256 over den kanoniske JSON af de underliggende testrapporter og af denne dokumentation. `kontrakt readiness --verify readiness.json` genberegner dem og afslører ændringer.",
    content_digest: "Dokumentationens indhold",
    report_digest: "Testrapport",
    mock_warning: "ADVARSEL: testet mod den indbyggede mock, ikke mod testmiljøet. Dette er ikke dokumentation for produktionsadgang.",
    not_test_warning: "ADVARSEL: kørslen er ikke vist at være mod testmiljøet. Dokumentation skal komme fra testmiljøet.",
    passed_failed_skipped: "bestået / fejlet / sprunget over",
    none: "ingen",
    filter: "Filter",
    skip: "Udeladt",
    signature: "Underskrift (leverandør)",
};

pub const EN: Labels = Labels {
    title: "Test evidence for production access",
    subtitle: "The vendor's evidence of testing in the test environment: conformance tests and role scenarios per service and role.",
    generated: "Generated",
    kontrakt_version: "kontrakt version",
    verdict: "Verdict",
    ready: "READY: every operation in scope was tested and passed in the test environment.",
    not_ready: "NOT READY",
    blockers: "What blocks approval",
    runs: "Test runs",
    run: "Run",
    started: "Started",
    finished: "Finished",
    target: "Tested against",
    environment: "Environment",
    environment_kind: "Environment kind",
    seed: "Seed",
    command: "Command",
    tests: "Tests",
    services: "Services (conformance tests)",
    service: "Service",
    version: "Version",
    spec_file: "Specification (SHA-256)",
    roles: "Roles (scenarios)",
    role: "Role",
    scopes: "Scopes",
    scenario_steps: "Scenario steps",
    operation: "Operation",
    status: "Outcome",
    tested_at: "Tested",
    checks: "Checks",
    requests: "Requests",
    remark: "Remark",
    not_tested: "Not tested",
    nothing_untested: "Every operation in scope was tested.",
    part: "Part",
    conformance: "conformance",
    notes: "Notes",
    digests: "Digests",
    digest_note: "SHA-256 over the canonical JSON of the underlying test reports and of this evidence. `kontrakt readiness --verify readiness.json` recomputes them and reveals edits.",
    content_digest: "Evidence content",
    report_digest: "Test report",
    mock_warning: "WARNING: tested against the embedded mock, not the test environment. This is not evidence for production access.",
    not_test_warning: "WARNING: the run is not shown to be against the test environment. Evidence must come from the test environment.",
    passed_failed_skipped: "passed / failed / skipped",
    none: "none",
    filter: "Filter",
    skip: "Skipped",
    signature: "Signature (vendor)",
};

pub fn labels(lang: Lang) -> &'static Labels {
    match lang {
        Lang::Da => &DA,
        Lang::En => &EN,
    }
}

pub fn status(lang: Lang, s: Status) -> &'static str {
    match (lang, s) {
        (Lang::Da, Status::Passed) => "bestået",
        (Lang::Da, Status::Failed) => "fejlet",
        (Lang::Da, Status::NotTested) => "ikke testet",
        (Lang::Da, Status::Skipped) => "sprunget over",
        (Lang::En, Status::Passed) => "passed",
        (Lang::En, Status::Failed) => "failed",
        (Lang::En, Status::NotTested) => "not tested",
        (Lang::En, Status::Skipped) => "skipped",
    }
}

pub fn env_kind(lang: Lang, k: EnvKind) -> &'static str {
    match (lang, k) {
        (Lang::Da, EnvKind::Mock) => "mock (ikke dokumentation)",
        (Lang::Da, EnvKind::Test) => "testmiljø",
        (Lang::Da, EnvKind::Production) => "produktion",
        (Lang::Da, EnvKind::Unknown) => "ukendt",
        (Lang::En, EnvKind::Mock) => "mock (not evidence)",
        (Lang::En, EnvKind::Test) => "test environment",
        (Lang::En, EnvKind::Production) => "production",
        (Lang::En, EnvKind::Unknown) => "unknown",
    }
}

pub fn reason(lang: Lang, r: &Reason) -> String {
    match (lang, r) {
        (Lang::Da, Reason::NotRun) => {
            "ingen test af operationen blev kørt (filtreret fra, udeladt eller ikke med i kørslen)"
                .into()
        }
        (Lang::En, Reason::NotRun) => {
            "no test of the operation ran (filtered out, skipped or not part of the run)".into()
        }
        (Lang::Da, Reason::NoRequest) => "intet kald nåede operationen".into(),
        (Lang::En, Reason::NoRequest) => "no request reached the operation".into(),
        (Lang::Da, Reason::BudgetSpent { not_sent }) => {
            format!("budgettet for kald slap op: {not_sent} tilfælde blev ikke sendt")
        }
        (Lang::En, Reason::BudgetSpent { not_sent }) => {
            format!("the request budget ran out: {not_sent} cases were not sent")
        }
        (Lang::Da, Reason::NotSent { message }) => format!("ikke sendt: {message}"),
        (Lang::En, Reason::NotSent { message }) => format!("not sent: {message}"),
        (Lang::Da, Reason::AllSkipped { message }) => format!(
            "alle test sprunget over{}",
            message
                .as_ref()
                .map(|m| format!(": {m}"))
                .unwrap_or_default()
        ),
        (Lang::En, Reason::AllSkipped { message }) => format!(
            "every test skipped{}",
            message
                .as_ref()
                .map(|m| format!(": {m}"))
                .unwrap_or_default()
        ),
        (Lang::Da, Reason::NoScenarioStep) => {
            "hører til rollen via scope; intet trin i rollens testforløb kalder den".into()
        }
        (Lang::En, Reason::NoScenarioStep) => {
            "belongs to the role by scope; no step of the role's scenarios calls it".into()
        }
        (Lang::Da, Reason::Failed { test, message }) => format!(
            "fejl i {test}{}",
            message
                .as_ref()
                .map(|m| format!(": {m}"))
                .unwrap_or_default()
        ),
        (Lang::En, Reason::Failed { test, message }) => format!(
            "failure in {test}{}",
            message
                .as_ref()
                .map(|m| format!(": {m}"))
                .unwrap_or_default()
        ),
    }
}

fn list(ops: &[String]) -> String {
    const SHOWN: usize = 10;
    let mut s = ops
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if ops.len() > SHOWN {
        s.push_str(&format!(", … (+{})", ops.len() - SHOWN));
    }
    s
}

pub fn blocker(lang: Lang, b: &Blocker) -> String {
    match (lang, b) {
        (Lang::Da, Blocker::Mock { run }) => format!(
            "kørsel {run} er lavet mod den indbyggede mock: det er ikke dokumentation; kør mod testmiljøet (--env test)"
        ),
        (Lang::En, Blocker::Mock { run }) => format!(
            "run {run} was made against the embedded mock: not evidence; run against the test environment (--env test)"
        ),
        (
            Lang::Da,
            Blocker::NotTestEnvironment {
                run,
                target,
                environment,
                environment_kind,
            },
        ) => format!(
            "kørsel {run} mod {target} ({}) er ikke vist at være mod testmiljøet; brug et miljø af typen test (--env)",
            environment
                .as_deref()
                .map(|e| format!("miljø {e}, {}", env_kind(lang, *environment_kind)))
                .unwrap_or_else(|| env_kind(lang, *environment_kind).to_string())
        ),
        (
            Lang::En,
            Blocker::NotTestEnvironment {
                run,
                target,
                environment,
                environment_kind,
            },
        ) => format!(
            "run {run} against {target} ({}) is not shown to be against the test environment; use an environment of kind test (--env)",
            environment
                .as_deref()
                .map(|e| format!("environment {e}, {}", env_kind(lang, *environment_kind)))
                .unwrap_or_else(|| env_kind(lang, *environment_kind).to_string())
        ),
        (Lang::Da, Blocker::Failed { operations }) => format!(
            "{} operation(er) fejlede: {}",
            operations.len(),
            list(operations)
        ),
        (Lang::En, Blocker::Failed { operations }) => format!(
            "{} operation(s) failed: {}",
            operations.len(),
            list(operations)
        ),
        (Lang::Da, Blocker::NotTested { operations }) => format!(
            "{} operation(er) er ikke testet: {}",
            operations.len(),
            list(operations)
        ),
        (Lang::En, Blocker::NotTested { operations }) => format!(
            "{} operation(s) not tested: {}",
            operations.len(),
            list(operations)
        ),
        (Lang::Da, Blocker::RoleWithoutOperations { role }) => format!(
            "rollen {role} har ingen operationer: intet testforløb og intet scope i specifikationerne nævner den"
        ),
        (Lang::En, Blocker::RoleWithoutOperations { role }) => {
            format!("role {role} has no operations: no scenario and no scope in the specs names it")
        }
        (Lang::Da, Blocker::RoleWithoutScenario { role }) => {
            format!("intet trin i rollen {role}s testforløb blev kørt")
        }
        (Lang::En, Blocker::RoleWithoutScenario { role }) => {
            format!("no step of role {role}'s scenarios ran")
        }
        (Lang::Da, Blocker::NoOperations) => "der er ingen operationer i omfanget".into(),
        (Lang::En, Blocker::NoOperations) => "there are no operations in scope".into(),
    }
}

const MONTHS_DA: [&str; 12] = [
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// `2026-11-23T01:15:02.123Z` as `23. november 2026 kl. 01.15 UTC` (Danish) or
/// `23 November 2026, 01:15 UTC` (English); anything else is shown as it is.
pub fn date(lang: Lang, rfc3339: &str) -> String {
    let parsed = (|| {
        let year: u32 = rfc3339.get(0..4)?.parse().ok()?;
        let month: usize = rfc3339.get(5..7)?.parse().ok()?;
        let day: u32 = rfc3339.get(8..10)?.parse().ok()?;
        let hour = rfc3339.get(11..13)?;
        let minute = rfc3339.get(14..16)?;
        let ok = rfc3339.get(4..5) == Some("-")
            && rfc3339.get(10..11) == Some("T")
            && rfc3339.ends_with('Z')
            && (1..=12).contains(&month)
            && hour.bytes().all(|b| b.is_ascii_digit())
            && minute.bytes().all(|b| b.is_ascii_digit());
        ok.then_some((year, month, day, hour, minute))
    })();
    match (parsed, lang) {
        (None, _) => rfc3339.to_string(),
        (Some((y, m, d, h, min)), Lang::Da) => {
            format!("{d}. {} {y} kl. {h}.{min} UTC", MONTHS_DA[m - 1])
        }
        (Some((y, m, d, h, min)), Lang::En) => {
            format!("{d} {} {y}, {h}:{min} UTC", MONTHS_EN[m - 1])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_follow_the_language() {
        let t = "2026-11-03T09:05:02.123Z";
        assert_eq!(date(Lang::Da, t), "3. november 2026 kl. 09.05 UTC");
        assert_eq!(date(Lang::En, t), "3 November 2026, 09:05 UTC");
        assert_eq!(date(Lang::En, "yesterday"), "yesterday");
        assert_eq!(
            date(Lang::Da, "2026-13-03T09:05:02Z"),
            "2026-13-03T09:05:02Z"
        );
    }
}
