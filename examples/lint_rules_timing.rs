//! Times each lint rule on one spec: `cargo run --release --example lint_rules_timing -- FILE`.
use std::time::Instant;
fn main() {
    let path = std::path::PathBuf::from(std::env::args().nth(1).expect("file"));
    let spec = kontrakt::spec::load(&path).expect("loads");
    let model = kontrakt::spec::model::build(&spec);
    let ctx = kontrakt::lint::Context::new(&spec, &model);
    let t = Instant::now();
    let n = ctx.schemas().len();
    println!(
        "{:<32} {:>8.1} ms ({n} schema locations)",
        "schema walk",
        t.elapsed().as_secs_f64() * 1e3
    );
    let t = Instant::now();
    let _ = ctx.validators();
    println!(
        "{:<32} {:>8.1} ms",
        "validator registry",
        t.elapsed().as_secs_f64() * 1e3
    );
    for rule in kontrakt::lint::rules::RULES {
        let t = Instant::now();
        let findings = (rule.check)(&ctx);
        println!(
            "{:<32} {:>8.1} ms {:>5} findings",
            rule.id,
            t.elapsed().as_secs_f64() * 1e3,
            findings.len()
        );
    }
}
