//! Samples one operation's schemas and prints the values with their time:
//! `cargo run --release --example generate_one -- SPEC OPERATION_ID [SEEDS]`.

use std::time::Instant;

use kontrakt::generate::{GenerateOptions, ValueGenerator, targets};
use kontrakt::spec::{self, model};

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(path), Some(op_id)) = (args.next(), args.next()) else {
        eprintln!("usage: generate_one SPEC OPERATION_ID [SEEDS]");
        std::process::exit(2);
    };
    let seeds: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(3);
    let spec = match spec::load(std::path::Path::new(&path)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{}: {}", e.file.display(), e.message);
            std::process::exit(2);
        }
    };
    let model = model::build(&spec);
    for t in targets(&model) {
        let op = &model.operations[t.operation];
        if op.operation_id.as_deref() != Some(op_id.as_str()) {
            continue;
        }
        match ValueGenerator::compile(&spec, &t.schema, t.direction, &GenerateOptions::default()) {
            Err(e) => println!("{}: {e}", t.role),
            Ok(g) => {
                for seed in 0..seeds {
                    let started = Instant::now();
                    let v = g.sample(seed);
                    let took = started.elapsed();
                    let text = serde_json::to_string(&v).unwrap_or_default();
                    println!(
                        "{} seed {seed} ({took:.2?}, {} bytes): {}",
                        t.role,
                        text.len(),
                        text.chars().take(300).collect::<String>()
                    );
                }
            }
        }
    }
}
