//! Sharding end to end: `kontrakt test --partition` and `kontrakt report merge` through the
//! binary, against the embedded mock.
//!
//! - the bundled specs (with their chains and role suites) run whole, and as 3 shards by
//!   `hash` and by `count`: each shard sends less than the whole, together exactly as much,
//!   and the merged report equals the whole run's in test outcomes, requests per operation and
//!   coverage;
//! - every way a merge is refused (corrupt file, another schema, another seed, a missing or
//!   repeated shard, an unsharded report, an unknown format) and every bad `--partition` exits
//!   2 with one line naming the file and what is wrong, and leaves no report behind;
//! - `--rate` is divided across the shards.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use kontrakt::report::Report;
use kontrakt::report::model::{Outcome, PartitionKind};

use crate::support::{MINIMAL_30, kontrakt, temp_dir, transcript, write};

fn specs() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("specs")
        .display()
        .to_string()
}

fn suites() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("suites")
        .display()
        .to_string()
}

/// The one `report.json` a run wrote under `reports`.
fn report_in(reports: &Path) -> PathBuf {
    let runs: Vec<PathBuf> = std::fs::read_dir(reports)
        .expect("the reports folder")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(runs.len(), 1, "one run folder in {}", reports.display());
    runs[0].join("report.json")
}

fn read(path: &Path) -> Report {
    kontrakt::report::json::read(path).unwrap_or_else(|e| panic!("{e}"))
}

/// Runs `kontrakt test` with `extra` arguments and returns its JSON report. Exit 0 or 1 (a
/// finding is an outcome to compare, not a failure of the run).
fn run(cwd: &Path, name: &str, spec: &str, extra: &[&str]) -> (PathBuf, Report) {
    let reports = cwd.join(name);
    let reports_arg = reports.display().to_string();
    let mut args = vec![
        "test",
        spec,
        "--seed",
        "1",
        "--report",
        "json",
        "--reports",
        &reports_arg,
        "--no-progress",
        "-q",
    ];
    args.extend_from_slice(extra);
    let out = kontrakt(cwd, &args);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{name}: {}",
        transcript(&out)
    );
    let path = report_in(&reports);
    let report = read(&path);
    (path, report)
}

/// What must be equal between a whole run and its merged shards.
#[derive(Debug, PartialEq)]
struct Essence {
    outcomes: BTreeMap<String, Outcome>,
    exchanges: usize,
    sent: BTreeMap<String, BTreeMap<String, u64>>,
    coverage: BTreeMap<String, Vec<(String, u64)>>,
}

fn essence(r: &Report) -> Essence {
    let ops = || r.services.iter().flat_map(|s| &s.operations);
    Essence {
        outcomes: r
            .tests
            .iter()
            .map(|t| (t.name.clone(), t.outcome))
            .collect(),
        exchanges: r.exchanges.len(),
        sent: ops().map(|o| (o.id.clone(), o.sent.clone())).collect(),
        coverage: ops()
            .map(|o| {
                let c = &o.coverage;
                // Which status a stateful operation answers depends on the mock's state when each
                // request arrives (an upload part is 204 or 409, seen to differ by one between two
                // runs), in a whole run as much as in shards; the statuses listed and the
                // responses counted do not.
                let answered: u64 = c
                    .statuses
                    .iter()
                    .chain(&c.undocumented_statuses)
                    .map(|h| h.hits)
                    .sum();
                let mut hits: Vec<(String, u64)> = c
                    .statuses
                    .iter()
                    .map(|h| (format!("status {}", h.name), 0))
                    .chain([("statuses answered".to_string(), answered)])
                    .collect();
                hits.extend(
                    [
                        ("parameter", &c.parameters),
                        ("enum", &c.enum_values),
                        ("example", &c.examples),
                    ]
                    .into_iter()
                    .flat_map(|(kind, items)| {
                        items
                            .iter()
                            .map(move |h| (format!("{kind} {}", h.name), h.hits))
                    }),
                );
                hits.sort();
                (o.id.clone(), hits)
            })
            .collect(),
    }
}

/// Merges `shards` into `out` and reads the merged JSON back.
fn merge(cwd: &Path, shards: &[PathBuf], out: &Path) -> Report {
    let mut args = vec!["report", "merge"];
    let names: Vec<String> = shards.iter().map(|p| p.display().to_string()).collect();
    args.extend(names.iter().map(String::as_str));
    let out_arg = out.display().to_string();
    args.extend(["--out", &out_arg]);
    let o = kontrakt(cwd, &args);
    assert_eq!(o.status.code(), Some(0), "{}", transcript(&o));
    for f in [
        "junit.xml",
        "report.json",
        "report.md",
        "report.html",
        "exchanges.har",
    ] {
        assert!(out.join(f).is_file(), "{f} missing: {}", transcript(&o));
    }
    read(&out.join("report.json"))
}

fn assert_sharded_equals_whole(cwd: &Path, kind: &str, whole: &Report) {
    let spec = specs();
    let suites = suites();
    let mut paths = Vec::new();
    let mut total = 0;
    for k in 1..=3 {
        let partition = format!("{kind}:{k}/3");
        let (path, shard) = run(
            cwd,
            &format!("{kind}-{k}"),
            &spec,
            &[
                "--max-examples",
                "5",
                "--suites",
                &suites,
                "--partition",
                &partition,
            ],
        );
        let p = shard.run.partition.expect("run.partition");
        assert_eq!((p.index, p.count), (k, 3));
        assert_eq!(
            p.kind,
            if kind == "hash" {
                PartitionKind::Hash
            } else {
                PartitionKind::Count
            }
        );
        // Every shard lists every test, and sends only part of the requests.
        assert_eq!(shard.tests.len(), whole.tests.len(), "{partition}");
        let n = shard.exchanges.len();
        assert!(
            n > 0 && n < whole.exchanges.len(),
            "{partition}: {n} requests"
        );
        assert!(
            shard.tests.iter().any(|t| t
                .message
                .as_deref()
                .is_some_and(|m| m.starts_with("not in this shard"))),
            "{partition}: no test is left to the other shards"
        );
        total += n;
        paths.push(path);
    }
    assert_eq!(total, whole.exchanges.len(), "{kind}: the shards' requests");
    // Given in another order: the merge orders shards by their index.
    paths.reverse();
    let merged = merge(cwd, &paths, &cwd.join(format!("merged-{kind}")));
    assert_eq!(merged.run.partition, None);
    assert_eq!(merged.run.merged_from.len(), 3);
    assert_eq!(merged.summary.tests, whole.summary.tests);
    assert_eq!(merged.summary.failed, whole.summary.failed);
    let (a, b) = (essence(whole), essence(&merged));
    assert_eq!(a.outcomes, b.outcomes, "{kind}: outcomes");
    assert_eq!(a.exchanges, b.exchanges, "{kind}: exchanges");
    assert_eq!(a.sent, b.sent, "{kind}: requests per operation");
    assert_eq!(a.coverage, b.coverage, "{kind}: coverage");
}

#[test]
fn three_shards_merged_equal_the_whole_run() {
    let dir = temp_dir();
    let (_, whole) = run(
        dir.path(),
        "whole",
        &specs(),
        &["--max-examples", "5", "--suites", &suites()],
    );
    // The run exercises all three kinds of test that are split.
    for kind in ["\"check\"", "\"chain\"", "\"step\""] {
        assert!(
            whole
                .tests
                .iter()
                .any(|t| serde_json::to_string(&t.kind).unwrap() == kind),
            "no {kind} test"
        );
    }
    assert_sharded_equals_whole(dir.path(), "hash", &whole);
    assert_sharded_equals_whole(dir.path(), "count", &whole);
}

/// A small spec run as shard `partition` with `seed`; returns its report.json.
fn tiny_shard(cwd: &Path, name: &str, partition: &str, seed: &str) -> PathBuf {
    let spec = cwd.join("sager.yaml");
    if !spec.exists() {
        write(cwd, "sager.yaml", MINIMAL_30);
    }
    let reports = cwd.join(name);
    let out = kontrakt(
        cwd,
        &[
            "test",
            "sager.yaml",
            "--seed",
            seed,
            "--partition",
            partition,
            "--report",
            "json",
            "--reports",
            &reports.display().to_string(),
            "--no-suites",
            "--no-progress",
            "-q",
        ],
    );
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        transcript(&out)
    );
    report_in(&reports)
}

/// Runs `kontrakt report merge ARGS --reports DIR`: exit 2, one line on stderr, and nothing
/// written. Returns the line.
fn refused(cwd: &Path, args: &[&str]) -> String {
    let out_dir = cwd.join("merged-out");
    let mut all = vec!["report", "merge"];
    all.extend_from_slice(args);
    let out_arg = out_dir.display().to_string();
    all.extend(["--reports", &out_arg]);
    let out = kontrakt(cwd, &all);
    assert_eq!(out.status.code(), Some(2), "{}", transcript(&out));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(stderr.lines().count(), 1, "{}", transcript(&out));
    assert!(!stderr.contains("panicked"), "{stderr}");
    let left: Vec<_> = std::fs::read_dir(&out_dir)
        .map(|d| d.map(|e| e.expect("entry").path()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "a refused merge left {left:?}");
    stderr.trim_end().to_string()
}

#[test]
fn merges_are_refused_with_the_file_and_the_cause() {
    let dir = temp_dir();
    let cwd = dir.path();
    let s1 = tiny_shard(cwd, "s1", "hash:1/3", "1");
    let s2 = tiny_shard(cwd, "s2", "hash:2/3", "1");
    let s3 = tiny_shard(cwd, "s3", "hash:3/3", "1");
    let other_seed = tiny_shard(cwd, "seed2", "hash:2/3", "2");
    let whole = tiny_shard(cwd, "count", "count:1/1", "1");
    let p = |p: &PathBuf| p.display().to_string();
    let (s1, s2, s3, other_seed, whole_p) = (p(&s1), p(&s2), p(&s3), p(&other_seed), p(&whole));

    let corrupt = write(
        cwd,
        "corrupt.json",
        "{\"schema\": \"kontrakt-report/1\",\n  \"run\": [1,\n",
    );
    let e = refused(cwd, &[&s1, &corrupt.display().to_string()]);
    assert!(
        e.contains("corrupt.json: line 3, column 0: not JSON"),
        "{e}"
    );

    let schema = write(cwd, "other.json", "{\"schema\": \"kontrakt-diff/1\"}");
    let e = refused(cwd, &[&schema.display().to_string(), &s1]);
    assert!(
        e.contains("other.json: /schema: `kontrakt-diff/1` is not a kontrakt report"),
        "{e}"
    );

    let e = refused(cwd, &[&s1, &other_seed, &s3]);
    assert!(
        e.contains(&format!("{other_seed}: /run/seed: seed 2, but {s1} has 1")),
        "{e}"
    );

    let e = refused(cwd, &[&s1, &s3]);
    assert!(e.contains("missing shard hash:2/3 of the run"), "{e}");
    assert!(e.contains(&format!("{s3} = hash:3/3")), "{e}");

    let e = refused(cwd, &[&s1, &s2, &s2, &s3]);
    assert!(
        e.contains(&format!("{s2}: /run/partition: shard hash:2/3 again")),
        "{e}"
    );

    let e = refused(cwd, &[&s1, &s2, &s3, "--report", "json,pdf"]);
    assert!(e.contains("unknown report format `pdf`"), "{e}");

    let e = refused(cwd, &[&s1, &whole_p]);
    assert!(
        e.contains("/run/partition: partition count:1/1, but"),
        "{e}"
    );

    // An unsharded report is no shard.
    let unsharded = cwd.join("unsharded");
    let out = kontrakt(
        cwd,
        &[
            "test",
            "sager.yaml",
            "--seed",
            "1",
            "--report",
            "json",
            "--reports",
            &unsharded.display().to_string(),
            "--no-suites",
            "-q",
        ],
    );
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        transcript(&out)
    );
    let e = refused(cwd, &[&s1, &p(&report_in(&unsharded))]);
    assert!(e.contains("/run/partition: not a shard"), "{e}");

    // The complete set merges, into a new folder under --reports.
    let out = kontrakt(
        cwd,
        &[
            "report",
            "merge",
            &s3,
            &s1,
            &s2,
            "--report",
            "json,md",
            "--reports",
            "merged",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    let folders: Vec<PathBuf> = std::fs::read_dir(cwd.join("merged"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(folders.len(), 1);
    let name = folders[0]
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert!(name.starts_with("merged-"), "{name}");
    let merged = read(&folders[0].join("report.json"));
    assert_eq!(merged.run.id, name);
    assert!(folders[0].join("report.md").is_file());
    assert!(!folders[0].join("report.html").exists());

    // And a saved report renders again.
    let out = kontrakt(
        cwd,
        &[
            "report",
            "render",
            &p(&folders[0].join("report.json")),
            "--report",
            "junit",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    assert!(folders[0].join("junit.xml").is_file());
}

#[test]
fn bad_partitions_exit_2() {
    let dir = temp_dir();
    write(dir.path(), "sager.yaml", MINIMAL_30);
    for (value, why) in [
        ("hash:0/3", "K must be between 1 and 3"),
        ("hash:4/3", "K must be between 1 and 3"),
        ("count:1/0", "N must be at least 1"),
        ("random:1/3", "the kind must be `hash` or `count`"),
        ("hash:1", "no `/`"),
        ("hash:x/3", "K is not a whole number"),
    ] {
        let out = kontrakt(
            dir.path(),
            &["test", "sager.yaml", "--partition", value, "--no-suites"],
        );
        let t = transcript(&out);
        assert_eq!(out.status.code(), Some(2), "{t}");
        assert!(
            t.contains(&format!("kontrakt test: --partition `{value}`: {why}")),
            "{t}"
        );
    }
    let out = kontrakt(
        dir.path(),
        &[
            "test",
            "sager.yaml",
            "--partition",
            "hash:1/2",
            "--replay",
            "e0:1",
            "--no-suites",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", transcript(&out));
    assert!(transcript(&out).contains("--partition and --replay cannot be combined"));
}

#[test]
fn the_rate_is_divided_across_shards() {
    let dir = temp_dir();
    write(dir.path(), "sager.yaml", MINIMAL_30);
    let reports = dir.path().join("r");
    let out = kontrakt(
        dir.path(),
        &[
            "test",
            "sager.yaml",
            "--seed",
            "1",
            "--partition",
            "count:2/4",
            "--rate",
            "400/s,burst=8",
            "--report",
            "json",
            "--reports",
            &reports.display().to_string(),
            "--no-suites",
            "-q",
        ],
    );
    let t = transcript(&out);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{t}");
    assert!(
        t.contains("shard count:2/4: the rate 400/s,burst=8 is shared by 4 shards, so this one sends at most 100/s,burst=2"),
        "{t}"
    );
    let r = read(&report_in(&reports));
    assert_eq!(r.run.settings.rate.as_deref(), Some("100/s,burst=2"));
}
