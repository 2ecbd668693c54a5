//! `kontrakt report merge`: the shards of a partitioned run (`kontrakt test --partition`)
//! combined into the one report the whole run would have made.
//!
//! Shards are only mergeable when they are parts of the same run: the same kontrakt, seed,
//! specs (by SHA-256), checks and the settings that decide which cases exist, and together
//! exactly the shards 1..N of one partition. Anything else is refused with the file and what
//! differs, before anything is written: a merge of mismatched parts would look complete and
//! be wrong.
//!
//! Every shard lists every trial; one whose cases ran elsewhere is skipped there with a reason
//! starting [`NOT_IN_THIS_SHARD`]. A merged test failed if it failed in any shard, passed if it
//! passed in some and failed in none, and is skipped only if skipped in all.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::model::{Outcome, Partition, PartitionKind, Report, RunSettings, TestRecord, rfc3339};
use super::write::{Format, ReportError, write_atomic};

/// How a shard's skip reason starts when the trial's cases (or chain, or scenario) ran in
/// another shard; the merge prefers any other reason.
pub const NOT_IN_THIS_SHARD: &str = "not in this shard";

/// Why shards cannot be merged (or the merged report not written). Each names the file.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("{0}")]
    Report(#[from] ReportError),
    #[error("{path}: {message}")]
    Mismatch { path: PathBuf, message: String },
    #[error("{message} (given: {given})")]
    Incomplete { message: String, given: String },
}

/// A shard's report and the file it was read from.
pub struct ShardFile {
    pub path: PathBuf,
    pub report: Report,
}

/// Reads each file as a JSON report (errors name the file, line and column or the pointer).
pub fn read_all(paths: &[PathBuf]) -> Result<Vec<ShardFile>, MergeError> {
    paths
        .iter()
        .map(|p| {
            Ok(ShardFile {
                path: p.clone(),
                report: super::json::read(p)?,
            })
        })
        .collect()
}

fn partition_text(p: &Partition) -> String {
    let kind = match p.kind {
        PartitionKind::Hash => "hash",
        PartitionKind::Count => "count",
    };
    format!("{kind}:{}/{}", p.index, p.count)
}

/// The settings that decide which cases exist and how they are judged; rate, concurrency and
/// timeout may differ between shards.
fn deciding(s: &RunSettings) -> [(&'static str, String); 8] {
    [
        ("checks", s.checks.join(",")),
        ("phases", s.phases.join(",")),
        ("max_examples", s.max_examples.to_string()),
        ("max_requests", format!("{:?}", s.max_requests)),
        ("safe_only", s.safe_only.to_string()),
        ("filter", format!("{:?}", s.filter)),
        ("skip", format!("{:?}", s.skip)),
        ("replay", format!("{:?}", s.replay)),
    ]
}

/// Refuses shards that are not the parts of one partitioned run.
pub fn check(shards: &[ShardFile]) -> Result<(), MergeError> {
    let Some(first) = shards.first() else {
        return Err(MergeError::Incomplete {
            message: "no shard reports to merge".into(),
            given: "nothing".into(),
        });
    };
    let mismatch = |s: &ShardFile, message: String| MergeError::Mismatch {
        path: s.path.clone(),
        message,
    };
    for s in shards {
        if s.report.run.partition.is_none() {
            return Err(mismatch(
                s,
                "/run/partition: not a shard (the run had no --partition); an unsharded report cannot be merged with shards"
                    .into(),
            ));
        }
    }
    let (a, fp) = (&first.report, first.report.run.partition.unwrap_or(PART0));
    let first_name = first.path.display();
    let services = |r: &Report| -> Vec<(String, String)> {
        r.services
            .iter()
            .map(|s| (s.name.clone(), s.sha256.clone()))
            .collect()
    };
    for s in &shards[1..] {
        let b = &s.report;
        let differs = |pointer: &str, what: &str, mine: String, theirs: String| {
            mismatch(
                s,
                format!(
                    "{pointer}: {what} {theirs}, but {first_name} has {mine}: not shards of the same run"
                ),
            )
        };
        if a.kontrakt != b.kontrakt {
            return Err(differs(
                "/kontrakt",
                "made by kontrakt",
                a.kontrakt.clone(),
                b.kontrakt.clone(),
            ));
        }
        if a.run.seed != b.run.seed {
            return Err(differs(
                "/run/seed",
                "seed",
                a.run.seed.to_string(),
                b.run.seed.to_string(),
            ));
        }
        let (sa, sb) = (services(a), services(b));
        if sa != sb {
            let show = |v: &[(String, String)]| {
                v.iter()
                    .map(|(n, h)| format!("{n} ({})", &h[..h.len().min(12)]))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let only: Vec<String> = sb
                .iter()
                .filter(|x| !sa.contains(x))
                .map(|(n, h)| format!("{n} ({})", &h[..h.len().min(12)]))
                .collect();
            return Err(mismatch(
                s,
                format!(
                    "/services: other specs than {first_name} (differing: {}; {first_name} has {})",
                    if only.is_empty() {
                        "fewer services".to_string()
                    } else {
                        only.join(", ")
                    },
                    show(&sa)
                ),
            ));
        }
        for ((what, mine), (_, theirs)) in deciding(&a.run.settings)
            .into_iter()
            .zip(deciding(&b.run.settings))
        {
            if mine != theirs {
                return Err(differs(
                    &format!("/run/settings/{what}"),
                    what,
                    mine,
                    theirs,
                ));
            }
        }
        if a.run.target != b.run.target {
            return Err(differs(
                "/run/target",
                "target",
                a.run.target.clone(),
                b.run.target.clone(),
            ));
        }
        let bp = b.run.partition.unwrap_or(PART0);
        if bp.kind != fp.kind || bp.count != fp.count {
            return Err(differs(
                "/run/partition",
                "partition",
                partition_text(&fp),
                partition_text(&bp),
            ));
        }
    }
    let mut seen: BTreeMap<u32, &ShardFile> = BTreeMap::new();
    for s in shards {
        let p = s.report.run.partition.unwrap_or(PART0);
        if let Some(other) = seen.insert(p.index, s) {
            return Err(mismatch(
                s,
                format!(
                    "/run/partition: shard {} again ({} is that shard too)",
                    partition_text(&p),
                    other.path.display()
                ),
            ));
        }
    }
    let missing: Vec<String> = (1..=fp.count)
        .filter(|k| !seen.contains_key(k))
        .map(|k| partition_text(&Partition { index: k, ..fp }))
        .collect();
    if !missing.is_empty() {
        return Err(MergeError::Incomplete {
            message: format!(
                "missing shard{} {} of the run",
                if missing.len() == 1 { "" } else { "s" },
                missing.join(", ")
            ),
            given: shards
                .iter()
                .map(|s| {
                    format!(
                        "{} = {}",
                        s.path.display(),
                        partition_text(&s.report.run.partition.unwrap_or(PART0))
                    )
                })
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    Ok(())
}

/// Stands in for a partition already checked to be present.
const PART0: Partition = Partition {
    kind: PartitionKind::Hash,
    index: 0,
    count: 0,
};

/// Merges checked shards (see [`check`]) into one report with the run id `id`.
pub fn merge(mut shards: Vec<ShardFile>, id: String) -> Result<Report, MergeError> {
    check(&shards)?;
    shards.sort_by_key(|s| s.report.run.partition.map(|p| p.index));
    let count = shards.len();
    let start = shards
        .iter()
        .map(|s| s.report.run.started_unix_ms)
        .min()
        .unwrap_or(0);
    let end = shards
        .iter()
        .map(|s| s.report.run.started_unix_ms + s.report.run.duration_ms)
        .max()
        .unwrap_or(start);
    let finished = shards
        .iter()
        .map(|s| s.report.run.finished.clone())
        .max()
        .unwrap_or_default();
    let first = &shards[0].report;
    let mut run = first.run.clone();
    run.id = id;
    run.started = rfc3339(start);
    run.started_unix_ms = start;
    run.finished = finished;
    run.duration_ms = end - start;
    run.partition = None;
    run.merged_from = shards.iter().map(|s| s.report.run.id.clone()).collect();
    run.settings.rate = run
        .settings
        .rate
        .map(|r| format!("{r} per shard, {count} shards"));
    let mut services = first.services.clone();
    for service in &mut services {
        for op in &mut service.operations {
            op.sent.clear();
            op.not_sent = 0;
            op.coverage = super::model::Coverage {
                statuses: zeroed(&op.coverage.statuses),
                undocumented_statuses: Vec::new(),
                parameters: zeroed(&op.coverage.parameters),
                enum_values: zeroed(&op.coverage.enum_values),
                examples: zeroed(&op.coverage.examples),
            };
        }
    }
    let mut exchanges = Vec::new();
    let mut tests: BTreeMap<String, TestRecord> = BTreeMap::new();
    for shard in shards {
        let r = shard.report;
        for (service, theirs) in services.iter_mut().zip(&r.services) {
            for op in &mut service.operations {
                let Some(o) = theirs.operations.iter().find(|o| o.id == op.id) else {
                    return Err(MergeError::Mismatch {
                        path: shard.path.clone(),
                        message: format!("/services: no operation `{}`", op.id),
                    });
                };
                for (phase, n) in &o.sent {
                    *op.sent.entry(phase.clone()).or_default() += n;
                }
                op.not_sent += o.not_sent;
                super::coverage::merge(&mut op.coverage, &o.coverage);
            }
        }
        // Each shard's times count from its own start; the merged timeline from the earliest.
        let offset = (r.run.started_unix_ms - start) as f64;
        exchanges.extend(r.exchanges.into_iter().map(|mut e| {
            e.at_ms += offset;
            e
        }));
        for t in r.tests {
            match tests.get_mut(&t.name) {
                Some(kept) => {
                    if rank(&t) > rank(kept) {
                        *kept = t;
                    }
                }
                None => {
                    tests.insert(t.name.clone(), t);
                }
            }
        }
    }
    let mut report = Report::new(run, services);
    report.tests = tests.into_values().collect();
    report.exchanges = exchanges;
    report.summarize();
    Ok(report)
}

fn zeroed(items: &[super::model::Hit]) -> Vec<super::model::Hit> {
    items
        .iter()
        .map(|h| super::model::Hit {
            name: h.name.clone(),
            hits: 0,
        })
        .collect()
}

/// Which shard's record of a test the merge keeps: the first failure, else the first pass,
/// else a skip for a reason of its own (not merely that the cases ran elsewhere).
fn rank(t: &TestRecord) -> u8 {
    match t.outcome {
        Outcome::Failed => 3,
        Outcome::Passed => 2,
        Outcome::Skipped
            if !t
                .message
                .as_deref()
                .unwrap_or_default()
                .starts_with(NOT_IN_THIS_SHARD) =>
        {
            1
        }
        Outcome::Skipped => 0,
    }
}

/// `merged-20261123T011502Z`: the merged report's run id and default folder name.
pub fn merged_id(unix_ms: u64) -> String {
    let t = rfc3339(unix_ms);
    // 2026-11-23T01:15:02.123Z → 20261123T011502Z
    let compact: String = t[..19].chars().filter(|c| *c != '-' && *c != ':').collect();
    format!("merged-{compact}Z")
}

/// Writes `report` in every format into `dir`. All formats are rendered before the first file
/// is written, and a failure removes what this call wrote (and `dir` when it is `fresh`: made
/// for this report, or by this call), so a failed merge leaves no report that looks complete.
pub fn write_all(
    report: &Report,
    dir: &Path,
    formats: &[Format],
    fresh: bool,
) -> Result<Vec<PathBuf>, MergeError> {
    let rendered: Vec<(PathBuf, String)> = match formats
        .iter()
        .map(|f| Ok((dir.join(f.file_name()), f.render(report)?)))
        .collect::<Result<_, ReportError>>()
    {
        Ok(r) => r,
        Err(e) => {
            if fresh {
                let _ = std::fs::remove_dir(dir);
            }
            return Err(e.into());
        }
    };
    let made = fresh || !dir.exists();
    let remove_dir = || {
        if made {
            let _ = std::fs::remove_dir(dir);
        }
    };
    if let Err(source) = std::fs::create_dir_all(dir) {
        remove_dir();
        return Err(ReportError::Write {
            path: dir.to_path_buf(),
            source,
        }
        .into());
    }
    let mut written = Vec::new();
    for (path, text) in rendered {
        if let Err(e) = write_atomic(&path, text.as_bytes()) {
            for w in &written {
                let _ = std::fs::remove_file(w);
            }
            remove_dir();
            return Err(e.into());
        }
        written.push(path);
    }
    Ok(written)
}

/// A fresh folder under `reports` for a merged report, named by [`merged_id`] (with `-2`,
/// `-3`, … when that exists). Returns the folder and its name (the run id).
pub fn new_dir(reports: &Path, unix_ms: u64) -> Result<(PathBuf, String), MergeError> {
    let io = |path: &Path, source| ReportError::Write {
        path: path.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(reports).map_err(|e| io(reports, e))?;
    let base = merged_id(unix_ms);
    for n in 1..1000 {
        let name = if n == 1 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        let dir = reports.join(&name);
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok((dir, name)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(io(&dir, e).into()),
        }
    }
    Err(io(
        &reports.join(base),
        std::io::Error::from(std::io::ErrorKind::AlreadyExists),
    )
    .into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::model::{Coverage, Hit, OperationReport, RunInfo, ServiceReport, TestKind};

    fn test(name: &str, outcome: Outcome, message: Option<&str>) -> TestRecord {
        TestRecord {
            name: name.into(),
            kind: TestKind::Check,
            operation: Some("s::op".into()),
            check: Some("c".into()),
            outcome,
            message: message.map(str::to_string),
            text: message.map(str::to_string),
            location: None,
            exchange: None,
        }
    }

    /// Shard `k` of 3 with the given tests, `sent` requests and status 200 hit `sent` times.
    fn shard(k: u32, sent: u64, tests: Vec<TestRecord>) -> ShardFile {
        let run = RunInfo {
            id: format!("run-{k}"),
            started_unix_ms: 1_000 * u64::from(k),
            duration_ms: 500,
            finished: rfc3339(1_000 * u64::from(k) + 500),
            seed: 7,
            partition: Some(Partition {
                kind: PartitionKind::Hash,
                index: k,
                count: 3,
            }),
            ..RunInfo::blank()
        };
        let op = OperationReport {
            id: "s::op".into(),
            method: "GET".into(),
            path: "/x".into(),
            operation_id: None,
            location: None,
            skipped: None,
            sent: [("examples".to_string(), sent)].into_iter().collect(),
            not_sent: 0,
            coverage: Coverage {
                statuses: vec![Hit {
                    name: "200".into(),
                    hits: sent,
                }],
                ..Coverage::default()
            },
        };
        let service = ServiceReport {
            name: "s".into(),
            title: "S".into(),
            version: "1".into(),
            file: "s.yaml".into(),
            sha256: "ab".repeat(32),
            operations: vec![op],
        };
        let mut report = Report::new(run, vec![service]);
        report.tests = tests;
        report.summarize();
        ShardFile {
            path: PathBuf::from(format!("shard{k}.json")),
            report,
        }
    }

    const ELSEWHERE: &str = "not in this shard: its 3 cases ran in the other shards";

    #[test]
    fn merges_outcomes_counts_and_times() {
        let shards = vec![
            shard(
                2,
                2,
                vec![
                    test("a", Outcome::Passed, None),
                    test("b", Outcome::Failed, Some("b broke")),
                    test("c", Outcome::Skipped, Some(ELSEWHERE)),
                    test("d", Outcome::Skipped, Some(ELSEWHERE)),
                ],
            ),
            shard(
                1,
                3,
                vec![
                    test("a", Outcome::Skipped, Some(ELSEWHERE)),
                    test("b", Outcome::Passed, None),
                    test("c", Outcome::Skipped, Some(ELSEWHERE)),
                    test("d", Outcome::Skipped, Some("no cases")),
                ],
            ),
            shard(
                3,
                0,
                vec![
                    test("a", Outcome::Passed, None),
                    test("b", Outcome::Passed, None),
                    test("c", Outcome::Passed, None),
                    test("d", Outcome::Skipped, Some(ELSEWHERE)),
                ],
            ),
        ];
        let r = merge(shards, "merged-x".into()).unwrap();
        let outcome = |n: &str| r.tests.iter().find(|t| t.name == n).unwrap();
        assert_eq!(outcome("a").outcome, Outcome::Passed);
        assert_eq!(outcome("b").outcome, Outcome::Failed);
        assert_eq!(outcome("b").text.as_deref(), Some("b broke"));
        assert_eq!(outcome("c").outcome, Outcome::Passed);
        assert_eq!(outcome("d").outcome, Outcome::Skipped);
        assert_eq!(outcome("d").message.as_deref(), Some("no cases"));
        assert_eq!(
            (r.summary.passed, r.summary.failed, r.summary.skipped),
            (2, 1, 1)
        );
        let op = &r.services[0].operations[0];
        assert_eq!(op.sent["examples"], 5);
        assert_eq!(op.coverage.statuses[0].hits, 5);
        assert_eq!(r.run.merged_from, ["run-1", "run-2", "run-3"]);
        assert_eq!(r.run.partition, None);
        assert_eq!(r.run.started_unix_ms, 1_000);
        assert_eq!(r.run.duration_ms, 2_500);
        assert_eq!(r.run.finished, rfc3339(3_500));
        assert_eq!(r.run.id, "merged-x");
    }

    fn refusal(shards: Vec<ShardFile>) -> String {
        merge(shards, "m".into()).unwrap_err().to_string()
    }

    #[test]
    fn refuses_shards_of_different_runs() {
        let mut other = shard(2, 1, vec![]);
        other.report.run.seed = 8;
        let e = refusal(vec![shard(1, 1, vec![]), other, shard(3, 1, vec![])]);
        assert!(
            e.starts_with("shard2.json: /run/seed: seed 8, but shard1.json has 7"),
            "{e}"
        );

        let mut other = shard(3, 1, vec![]);
        other.report.services[0].sha256 = "cd".repeat(32);
        let e = refusal(vec![shard(1, 1, vec![]), shard(2, 1, vec![]), other]);
        assert!(e.starts_with("shard3.json: /services: other specs"), "{e}");
        assert!(e.contains("s (cdcdcdcdcdcd)"), "{e}");

        let mut other = shard(2, 1, vec![]);
        other.report.run.settings.max_examples = 5;
        let e = refusal(vec![shard(1, 1, vec![]), other, shard(3, 1, vec![])]);
        assert!(e.contains("/run/settings/max_examples"), "{e}");

        let mut other = shard(2, 1, vec![]);
        other.report.kontrakt = "0.0.1".into();
        let e = refusal(vec![shard(1, 1, vec![]), other]);
        assert!(e.contains("/kontrakt: made by kontrakt 0.0.1"), "{e}");

        let mut other = shard(2, 1, vec![]);
        other.report.run.partition = Some(Partition {
            kind: PartitionKind::Hash,
            index: 2,
            count: 4,
        });
        let e = refusal(vec![shard(1, 1, vec![]), other]);
        assert!(
            e.contains("/run/partition: partition hash:2/4, but shard1.json has hash:1/3"),
            "{e}"
        );
    }

    #[test]
    fn refuses_incomplete_duplicate_and_unsharded_sets() {
        let e = refusal(vec![shard(1, 1, vec![]), shard(3, 1, vec![])]);
        assert!(e.starts_with("missing shard hash:2/3 of the run"), "{e}");
        assert!(
            e.contains("shard1.json = hash:1/3, shard3.json = hash:3/3"),
            "{e}"
        );

        let mut again = shard(1, 1, vec![]);
        again.path = "again.json".into();
        let e = refusal(vec![shard(1, 1, vec![]), again, shard(2, 1, vec![])]);
        assert!(
            e.starts_with("again.json: /run/partition: shard hash:1/3 again (shard1.json"),
            "{e}"
        );

        let mut whole = shard(2, 1, vec![]);
        whole.report.run.partition = None;
        let e = refusal(vec![shard(1, 1, vec![]), whole]);
        assert!(
            e.starts_with("shard2.json: /run/partition: not a shard"),
            "{e}"
        );
        assert!(refusal(Vec::new()).contains("no shard reports"));
    }

    #[test]
    fn merged_ids_and_failed_writes_leave_nothing() {
        // 2026-11-23T01:15:02Z
        assert_eq!(merged_id(1_795_396_502_000), "merged-20261123T011502Z");
        let dir = tempfile::tempdir().unwrap();
        let (made, name) = new_dir(dir.path(), 0).unwrap();
        assert_eq!(name, "merged-19700101T000000Z");
        let (second, _) = new_dir(dir.path(), 0).unwrap();
        assert!(second.ends_with("merged-19700101T000000Z-2"));
        let r = shard(1, 1, vec![]).report;
        let written = write_all(&r, &made, &[Format::Json, Format::Markdown], true).unwrap();
        assert_eq!(written.len(), 2);
        // A folder that cannot be made: nothing is left behind.
        let blocked = dir.path().join("file");
        std::fs::write(&blocked, "x").unwrap();
        let target = blocked.join("sub");
        assert!(write_all(&r, &target, &[Format::Json], false).is_err());
        assert!(!target.exists());
    }
}
