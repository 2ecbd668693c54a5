//! Times the load phases separately: `cargo run --release --example phases -- FILE`.
use std::time::Instant;
fn main() {
    let path = std::path::PathBuf::from(std::env::args().nth(1).expect("file"));
    let text = std::fs::read_to_string(&path).unwrap();
    let t = Instant::now();
    let p = kontrakt::spec::parse::parse_json(&text, Default::default()).unwrap();
    println!("parse_json     {:?} nodes={}", t.elapsed(), p.spans.len());
    let t = Instant::now();
    let _v: serde_json::Value = serde_json::from_str(&text).unwrap();
    println!("serde_json     {:?}", t.elapsed());
    drop(p);
    let t = Instant::now();
    let spec = kontrakt::spec::load(&path).unwrap();
    println!("load           {:?}", t.elapsed());
    let t = Instant::now();
    let model = kontrakt::spec::model::build(&spec);
    println!(
        "model          {:?} ops={}",
        t.elapsed(),
        model.operations.len()
    );
}
