//! The real-world corpus in `../shared/corpus` (beside the checkout), when present: every root
//! document is linted in-process without a panic, and every document that loaded in the
//! checked-in baseline (`tests/fixtures/corpus-baseline.txt`) must still load.
//!
//! Regenerate the baseline after an intended change with
//! `KONTRAKT_UPDATE_CORPUS_BASELINE=1 cargo test --test integration corpus`.
//!
//! Cost: linting all ~190 roots takes about 80 s of CPU in a debug build (the DigitalOcean spec
//! alone 20–40 s, nearly all in `invalid-example`), so documents run on every available core,
//! largest first. Release builds take a fraction of that.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use kontrakt::lint::lint_file;

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus")
}

fn baseline_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/corpus-baseline.txt")
}

/// `loaded` or `failed:<load error kind id>`, or `panicked`.
type Outcomes = BTreeMap<String, String>;

/// Lints every root on all cores; returns outcomes by path relative to the corpus, and timings.
fn lint_corpus(corpus: &Path) -> (Outcomes, Vec<(Duration, String)>) {
    let mut roots = kontrakt::spec::discover(&[corpus.to_path_buf()]);
    // Largest first, so the slowest document does not start last.
    roots.sort_by_key(|p| std::cmp::Reverse(std::fs::metadata(p).map_or(0, |m| m.len())));
    let next = AtomicUsize::new(0);
    let results = Mutex::new(Vec::new());
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(path) = roots.get(i) else { break };
                    let started = Instant::now();
                    let outcome = match catch_unwind(AssertUnwindSafe(|| lint_file(path))) {
                        Ok(report) => match &report.error {
                            None => "loaded".to_string(),
                            Some(e) => format!("failed:{}", e.kind.id()),
                        },
                        Err(_) => "panicked".to_string(),
                    };
                    let name = path
                        .strip_prefix(corpus)
                        .unwrap_or(path)
                        .to_string_lossy()
                        .replace('\\', "/");
                    results
                        .lock()
                        .unwrap()
                        .push((name, outcome, started.elapsed()));
                }
            });
        }
    });
    let mut outcomes = Outcomes::new();
    let mut timings = Vec::new();
    for (name, outcome, took) in results.into_inner().unwrap() {
        timings.push((took, name.clone()));
        outcomes.insert(name, outcome);
    }
    timings.sort_by(|a, b| b.cmp(a));
    (outcomes, timings)
}

fn parse_baseline(text: &str) -> Outcomes {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (path, outcome) = l
                .rsplit_once(' ')
                .unwrap_or_else(|| panic!("baseline line without an outcome: {l:?}"));
            (path.to_string(), outcome.to_string())
        })
        .collect()
}

fn render_baseline(outcomes: &Outcomes) -> String {
    let mut out = String::from(
        "# Which corpus documents load: `<path relative to ../shared/corpus> <outcome>`.\n\
         # Written by tests/integration/corpus.rs (KONTRAKT_UPDATE_CORPUS_BASELINE=1); a document\n\
         # marked `loaded` that stops loading fails the test.\n",
    );
    for (path, outcome) in outcomes {
        out.push_str(&format!("{path} {outcome}\n"));
    }
    out
}

#[test]
fn corpus_lints_without_panics_and_loads_as_in_the_baseline() {
    let corpus = corpus_dir();
    if !corpus.is_dir() {
        eprintln!("corpus test skipped: {} does not exist", corpus.display());
        return;
    }
    let started = Instant::now();
    let (outcomes, timings) = lint_corpus(&corpus);
    let elapsed = started.elapsed();
    eprintln!(
        "corpus: {} documents linted in {elapsed:.1?}; slowest: {}",
        outcomes.len(),
        timings
            .iter()
            .take(3)
            .map(|(t, p)| format!("{p} {t:.1?}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    assert!(
        !outcomes.is_empty(),
        "no root documents found in the corpus"
    );

    let panicked: Vec<&String> = outcomes
        .iter()
        .filter(|(_, o)| *o == "panicked")
        .map(|(p, _)| p)
        .collect();
    assert!(panicked.is_empty(), "linting panicked on {panicked:?}");

    if std::env::var_os("KONTRAKT_UPDATE_CORPUS_BASELINE").is_some() {
        std::fs::write(baseline_path(), render_baseline(&outcomes)).expect("write baseline");
        eprintln!("corpus: wrote {}", baseline_path().display());
        return;
    }
    let baseline = parse_baseline(
        &std::fs::read_to_string(baseline_path()).expect("tests/fixtures/corpus-baseline.txt"),
    );
    let mut regressions = Vec::new();
    for (path, was) in &baseline {
        match outcomes.get(path) {
            None => eprintln!("corpus: {path} is in the baseline but no longer in the corpus"),
            Some(now) if now == was => {}
            Some(now) if was == "loaded" => regressions.push(format!("{path}: loaded, now {now}")),
            Some(now) if now == "loaded" => {
                eprintln!("corpus: {path} now loads (was {was}); update the baseline")
            }
            Some(now) => eprintln!("corpus: {path} still fails, now as {now} (was {was})"),
        }
    }
    for (path, now) in &outcomes {
        if !baseline.contains_key(path) {
            eprintln!("corpus: new document {path}: {now}; update the baseline");
        }
    }
    assert!(
        regressions.is_empty(),
        "documents that loaded no longer do:\n{}",
        regressions.join("\n")
    );
}

#[test]
fn the_baseline_format_round_trips() {
    let mut outcomes = Outcomes::new();
    outcomes.insert("a b/openapi.yaml".into(), "loaded".into());
    outcomes.insert("v3.2/x.json".into(), "failed:unsupported-version".into());
    assert_eq!(parse_baseline(&render_baseline(&outcomes)), outcomes);
}
