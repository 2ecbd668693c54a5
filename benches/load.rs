//! `cargo bench --bench load`: load, resolve and index the largest corpus specs and a generated
//! 10 MB spec, each in a fresh `kontrakt bench --child` process (for a true peak-memory figure).

use std::path::PathBuf;
use std::process::Command;

fn main() {
    let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    let mut args: Vec<String> = ["bench", "--generate-mb", "10", "--generate-dense-mb", "10"]
        .map(String::from)
        .to_vec();
    for rel in [
        "box/openapi.json",
        "digitalocean/specification/DigitalOcean-public.v2.yaml",
        "openai/openapi.yaml",
    ] {
        let p = corpus.join(rel);
        if p.exists() {
            args.push(p.display().to_string());
        }
    }
    let status = Command::new(env!("CARGO_BIN_EXE_kontrakt"))
        .args(&args)
        .status()
        .expect("run kontrakt bench");
    assert!(status.success(), "kontrakt bench failed");
}
