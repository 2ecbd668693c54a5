//! Compiles a generator for every schema every operation carries (parameters, request bodies,
//! response bodies and headers) in the given specs or folders, samples each, and validates every
//! sample with the spec's validators. Prints how many compiled, why the rest did not, how many
//! samples were invalid, and the time per sample.
//!
//! `cargo run --release --example generate_check -- [--samples N] PATH...`

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use kontrakt::generate::{GenerateOptions, ValueGenerator, targets};
use kontrakt::spec::{self, Validators, model};

fn main() {
    let mut samples = 100u64;
    let mut paths = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--samples" {
            samples = args.next().and_then(|n| n.parse().ok()).unwrap_or(samples);
        } else {
            paths.push(PathBuf::from(a));
        }
    }
    let options = GenerateOptions::default();
    let (mut compiled, mut failed, mut invalid, mut total) = (0usize, 0usize, 0usize, 0u64);
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    let mut sample_time = Duration::ZERO;
    let mut compile_time = Duration::ZERO;
    let mut specs = 0;
    // Mean time per sample of each schema, to show the spread (a scalar header vs a big body).
    let mut per_schema: Vec<f64> = Vec::new();
    let mut slowest: Vec<(f64, String)> = Vec::new();
    for path in spec::discover(&paths) {
        let Ok(spec) = spec::load(&path) else {
            continue;
        };
        specs += 1;
        let model = model::build(&spec);
        let Ok(validators) = Validators::new(&spec, &model) else {
            continue;
        };
        for t in targets(&model) {
            let Ok(validator) = validators.get(&t.schema, t.direction) else {
                continue;
            };
            let started = Instant::now();
            let generator = ValueGenerator::compile(&spec, &t.schema, t.direction, &options);
            compile_time += started.elapsed();
            let generator = match generator {
                Ok(g) => g,
                Err(e) => {
                    failed += 1;
                    let reason: String = e.message.chars().take(60).collect();
                    *reasons.entry(reason).or_default() += 1;
                    if std::env::var_os("SHOW_ERRORS").is_some() {
                        eprintln!("{e}");
                    }
                    continue;
                }
            };
            compiled += 1;
            let before = sample_time;
            for seed in 0..samples {
                let started = Instant::now();
                let v = generator.sample(seed);
                sample_time += started.elapsed();
                total += 1;
                if !validator.is_valid(&v) {
                    invalid += 1;
                    if invalid <= 20 {
                        let op = &model.operations[t.operation];
                        let errors: Vec<String> = validator
                            .iter_errors(&v)
                            .map(|e| e.to_string())
                            .take(3)
                            .collect();
                        eprintln!(
                            "INVALID {} {} {} seed {seed}: {errors:?}\n  value: {}",
                            path.display(),
                            op.display_name(),
                            t.role,
                            serde_json::to_string(&v)
                                .unwrap_or_default()
                                .chars()
                                .take(400)
                                .collect::<String>()
                        );
                    }
                }
            }
            if samples > 0 {
                let mean = (sample_time - before).as_secs_f64() * 1e6 / samples as f64;
                per_schema.push(mean);
                let op = model.operations[t.operation].display_name();
                slowest.push((mean, format!("{} {op} {}", path.display(), t.role)));
                slowest.sort_by(|a, b| b.0.total_cmp(&a.0));
                slowest.truncate(5);
            }
        }
    }
    per_schema.sort_by(f64::total_cmp);
    println!("specs: {specs}");
    println!("schemas compiled: {compiled}, failed to compile: {failed}");
    let mut top: Vec<_> = reasons.into_iter().collect();
    top.sort_by_key(|b| std::cmp::Reverse(b.1));
    for (reason, n) in top.iter().take(10) {
        println!("  {n:5}  {reason}");
    }
    println!("samples: {total}, invalid: {invalid}");
    if total > 0 {
        println!(
            "compile: {:.2?} total; sample: {:.2} µs mean",
            compile_time,
            sample_time.as_secs_f64() * 1e6 / total as f64
        );
        let at = |q: f64| per_schema[((per_schema.len() - 1) as f64 * q) as usize];
        println!(
            "per schema (µs per sample): median {:.2}, p90 {:.2}, p99 {:.2}, max {:.2}",
            at(0.5),
            at(0.9),
            at(0.99),
            at(1.0)
        );
        for (mean, name) in &slowest {
            println!("  {mean:9.2} µs  {name}");
        }
    }
}
