//! Writes the synthetic benchmark spec: `cargo run --release --example gen_spec -- MB OUT`.
fn main() {
    let mut args = std::env::args().skip(1);
    let mb: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10);
    let out = args.next().unwrap_or_else(|| "generated.json".into());
    std::fs::write(&out, kontrakt::bench::generate_spec(mb * 1_000_000)).expect("write spec");
}
