//! Writes a synthetic benchmark spec: `cargo run --release --example gen_spec -- MB OUT [dense]`.
fn main() {
    let mut args = std::env::args().skip(1);
    let mb: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10);
    let out = args.next().unwrap_or_else(|| "generated.json".into());
    let density = match args.next().as_deref() {
        Some("dense") => kontrakt::bench::Density::Dense,
        _ => kontrakt::bench::Density::Realistic,
    };
    std::fs::write(
        &out,
        kontrakt::bench::generate_spec(mb * 1_000_000, density),
    )
    .expect("write spec");
}
