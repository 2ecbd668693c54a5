//! `cargo bench --bench diff`: how long `kontrakt diff` takes on large specs, and its memory.
//!
//! Pairs: Box's two real consecutive versions from the corpus (`../shared/corpus`, when
//! present), and mutated copies of the largest corpus spec (OpenAI, 3 MB YAML) and of a
//! generated 2 MB and 10 MB spec (and of the 2 MB one without its chain of references), each
//! with a few hundred changes (bounds tightened, requirements relaxed, enum values added,
//! properties removed). Each measurement runs in a fresh child
//! process of this bench (`--child OLD NEW`), so the peak resident memory (Linux `VmHWM`) is the
//! diff's own: loading both sides, comparing, running every rule and judging.
//!
//! Set `KONTRAKT_BENCH_KEEP=DIR` to keep the generated pairs (to time other tools on them).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use serde_json::{Value, json};

const RUNS: usize = 5;

/// The allocator of the `kontrakt` binary, so the figures are the command's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        child(Path::new(&args[i + 1]), Path::new(&args[i + 2]));
        return;
    }
    let scratch = match std::env::var_os("KONTRAKT_BENCH_KEEP") {
        Some(dir) => PathBuf::from(dir),
        None => std::env::temp_dir().join(format!("kontrakt-bench-diff-{}", std::process::id())),
    };
    std::fs::create_dir_all(&scratch).expect("create scratch folder");
    let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    let mut pairs: Vec<(String, PathBuf, PathBuf, usize)> = Vec::new();
    let (prev, cur) = (
        corpus.join("box/openapi-previous.json"),
        corpus.join("box/openapi.json"),
    );
    if prev.exists() && cur.exists() {
        pairs.push(("Box, two real versions".into(), prev, cur, 0));
    }
    let openai = corpus.join("openai/openapi.yaml");
    if openai.exists() {
        let loaded = kontrakt::spec::load(&openai).expect("load the OpenAI spec");
        let (old, new, n) = mutated_pair(&scratch, "openai", loaded.root().clone());
        pairs.push(("OpenAI 3 MB, mutated copy".into(), old, new, n));
    }
    // 2 MB as well as 10: Atlassian's openapi-diff runs out of heap on the 10 MB pair, and the
    // smaller one gives the side-by-side ratio.
    for mb in [2, 10] {
        let generated: Value = serde_json::from_str(&kontrakt::bench::generate_spec(
            mb * 1_000_000,
            kontrakt::bench::Density::Realistic,
        ))
        .expect("generated spec is JSON");
        let (old, new, n) = mutated_pair(&scratch, &format!("generated-{mb}mb"), generated);
        pairs.push((format!("generated {mb} MB, mutated copy"), old, new, n));
    }
    // The 2 MB spec without its chain of `forrige` references: openapi-diff inlines every
    // reference, and the chain (or its self-reference at the end) defeats it on the pairs above;
    // it runs out of heap on the 10 MB spec even without the chain.
    let mut flat: Value = serde_json::from_str(&kontrakt::bench::generate_spec(
        2_000_000,
        kontrakt::bench::Density::Realistic,
    ))
    .expect("generated spec is JSON");
    if let Some(Value::Object(schemas)) = flat.pointer_mut("/components/schemas") {
        for schema in schemas.values_mut() {
            if let Some(Value::Object(props)) = schema.get_mut("properties") {
                props.shift_remove("forrige");
            }
        }
    }
    let (old, new, n) = mutated_pair(&scratch, "flat-2mb", flat);
    pairs.push((
        "generated 2 MB without `forrige`, mutated copy".into(),
        old,
        new,
        n,
    ));

    let exe = std::env::current_exe().expect("own executable");
    println!(
        "| pair | input (both sides) | mutations | changes reported | median of {RUNS} | peak RSS | peak / input |"
    );
    println!("|---|---|---|---|---|---|---|");
    for (name, old, new, mutations) in &pairs {
        let mut samples: Vec<Value> = (0..RUNS)
            .map(|_| {
                let out = Command::new(&exe)
                    .args(["--child".as_ref(), old.as_os_str(), new.as_os_str()])
                    .output()
                    .expect("run the child");
                assert!(
                    out.status.success(),
                    "{}",
                    String::from_utf8_lossy(&out.stderr)
                );
                serde_json::from_slice(&out.stdout).expect("child prints JSON")
            })
            .collect();
        samples.sort_by(|a, b| a["ms"].as_f64().partial_cmp(&b["ms"].as_f64()).unwrap());
        let median = &samples[RUNS / 2];
        let bytes = std::fs::metadata(old).map_or(0, |m| m.len())
            + std::fs::metadata(new).map_or(0, |m| m.len());
        let peak_mib = median["peak_kib"].as_f64().unwrap_or(0.0) / 1024.0;
        let mutations = if *mutations == 0 {
            "—".to_string()
        } else {
            mutations.to_string()
        };
        println!(
            "| {name} | {:.2} MB | {mutations} | {} | {:.0} ms | {peak_mib:.1} MiB | {:.1}× |",
            bytes as f64 / 1e6,
            median["changes"],
            median["ms"].as_f64().unwrap_or(0.0),
            peak_mib * 1024.0 * 1024.0 / bytes as f64,
        );
    }
    if std::env::var_os("KONTRAKT_BENCH_KEEP").is_none() {
        let _ = std::fs::remove_dir_all(&scratch);
    }
}

fn child(old: &Path, new: &Path) {
    let start = Instant::now();
    let comparison = kontrakt::diff::run::diff_files(old, new).expect("diff");
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    println!(
        "{}",
        json!({"ms": ms, "peak_kib": kontrakt::bench::peak_rss_kib(), "changes": comparison.changes.len()})
    );
}

/// Writes `spec` and a copy with deterministic mutations; returns both paths and the count.
fn mutated_pair(dir: &Path, name: &str, spec: Value) -> (PathBuf, PathBuf, usize) {
    let old = dir.join(format!("{name}-old.json"));
    let new = dir.join(format!("{name}-new.json"));
    std::fs::write(&old, serde_json::to_vec(&spec).unwrap()).expect("write old");
    let mut mutated = spec;
    let mut counter = 0usize;
    let mut mutations = 0usize;
    mutate(&mut mutated, &mut counter, &mut mutations);
    std::fs::write(&new, serde_json::to_vec(&mutated).unwrap()).expect("write new");
    (old, new, mutations)
}

/// Every 40th string schema gets a `maxLength`, every 25th `required` list loses its first name,
/// every 10th `enum` gains a value, every 60th `properties` map loses its last property.
fn mutate(v: &mut Value, counter: &mut usize, mutations: &mut usize) {
    match v {
        Value::Object(map) => {
            *counter += 1;
            let n = *counter;
            if map.get("type") == Some(&json!("string"))
                && !map.contains_key("maxLength")
                && n.is_multiple_of(40)
            {
                map.insert("maxLength".into(), json!(64));
                *mutations += 1;
            }
            if n.is_multiple_of(25)
                && let Some(Value::Array(req)) = map.get_mut("required")
                && !req.is_empty()
            {
                req.remove(0);
                *mutations += 1;
            }
            if n.is_multiple_of(10)
                && let Some(Value::Array(values)) = map.get_mut("enum")
                && values.iter().all(Value::is_string)
            {
                values.push(json!("NY_VAERDI"));
                *mutations += 1;
            }
            if n.is_multiple_of(60)
                && let Some(Value::Object(props)) = map.get_mut("properties")
                && props.len() > 1
            {
                let last = props.keys().next_back().cloned().unwrap_or_default();
                props.remove(&last);
                *mutations += 1;
            }
            for (_, child) in map.iter_mut() {
                mutate(child, counter, mutations);
            }
        }
        Value::Array(items) => {
            for item in items {
                mutate(item, counter, mutations);
            }
        }
        _ => {}
    }
}
