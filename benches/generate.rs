//! `cargo bench --bench generate`: case generation over every operation of every bundled spec.
//!
//! Reports, for the whole set: compile time, cases/s and values/s for `cases()` (each operation
//! compiled afresh per round, so the phase lists are generated, not read from the cache), the
//! property phase alone (pure seeded sampling), and `build_request` requests/s. A value is one
//! parameter value or one body.

use std::path::Path;
use std::time::{Duration, Instant};

use kontrakt::generate::case::Case;
use kontrakt::generate::{CaseOptions, OperationCases, build_request};
use kontrakt::spec::{self, Model, Spec, model};

const ROUNDS: usize = 5;

fn values(cases: &[Case]) -> usize {
    cases
        .iter()
        .map(|c| {
            c.path.len()
                + c.query.len()
                + c.headers.len()
                + c.cookies.len()
                + c.body.is_some() as usize
        })
        .sum()
}

fn rate(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64().max(1e-9)
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("specs");
    let specs: Vec<(Spec, Model)> = spec::discover(&[root])
        .iter()
        .map(|p| {
            let s = spec::load(p).expect("bundled spec loads");
            let m = model::build(&s);
            (s, m)
        })
        .collect();
    let operations: usize = specs.iter().map(|(_, m)| m.operations.len()).sum();
    let options = CaseOptions::default();
    let property_only = CaseOptions {
        max_examples: 100,
        phases: vec![kontrakt::generate::case::Phase::Property],
        ..CaseOptions::default()
    };
    let (mut compile, mut generate, mut property, mut build) = (
        Duration::ZERO,
        Duration::ZERO,
        Duration::ZERO,
        Duration::ZERO,
    );
    let (mut cases_n, mut values_n, mut prop_cases, mut prop_values, mut requests) =
        (0, 0, 0, 0, 0);
    for _ in 0..ROUNDS {
        for (spec, model) in &specs {
            for (i, op) in model.operations.iter().enumerate() {
                let t = Instant::now();
                let compiled = OperationCases::compile(spec, model, i, &options).expect("compiles");
                compile += t.elapsed();
                let t = Instant::now();
                let cases = compiled.cases();
                generate += t.elapsed();
                cases_n += cases.len();
                values_n += values(&cases);
                let t = Instant::now();
                for c in &cases {
                    std::hint::black_box(build_request(op, c, "http://127.0.0.1:8080/api"));
                }
                build += t.elapsed();
                requests += cases.len();
                let compiled =
                    OperationCases::compile(spec, model, i, &property_only).expect("compiles");
                let t = Instant::now();
                let cases = compiled.cases();
                property += t.elapsed();
                prop_cases += cases.len();
                prop_values += values(&cases);
            }
        }
    }
    println!(
        "case generation over {} specs, {operations} operations, {ROUNDS} rounds",
        specs.len()
    );
    println!(
        "  compile            {:>10.1} ms per round",
        compile.as_secs_f64() * 1e3 / ROUNDS as f64
    );
    println!(
        "  cases() all phases {:>10.0} cases/s {:>10.0} values/s ({} cases per round)",
        rate(cases_n, generate),
        rate(values_n, generate),
        cases_n / ROUNDS
    );
    println!(
        "  property phase     {:>10.0} cases/s {:>10.0} values/s",
        rate(prop_cases, property),
        rate(prop_values, property)
    );
    println!(
        "  build_request      {:>10.0} requests/s",
        rate(requests, build)
    );
}
