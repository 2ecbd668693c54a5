//! `kontrakt bench`: how long loading takes and how much memory it peaks at.
//!
//! Peak memory is a per-process figure, so each measurement runs in a fresh child process
//! (`kontrakt bench --child FILE`) that loads, resolves and indexes one spec and reports its
//! wall time and the kernel's high-water mark (VmHWM).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::spec;

/// One child's measurement.
#[derive(Debug, Serialize, Deserialize)]
pub struct Sample {
    pub wall_ms: f64,
    pub peak_rss_kib: u64,
    pub baseline_rss_kib: u64,
    pub files: usize,
    pub operations: usize,
    pub bytes: u64,
}

/// Loads, resolves and indexes `path` once in this process.
pub fn measure_here(path: &Path) -> Result<Sample, String> {
    let baseline_rss_kib = peak_rss_kib();
    let start = Instant::now();
    let loaded = spec::load(path).map_err(|e| e.to_string())?;
    let model = spec::model::build(&loaded);
    let wall_ms = start.elapsed().as_secs_f64() * 1000.0;
    let bytes = loaded.files.iter().map(|f| f.text.len() as u64).sum();
    Ok(Sample {
        wall_ms,
        peak_rss_kib: peak_rss_kib(),
        baseline_rss_kib,
        files: loaded.files.len(),
        operations: model.operations.len(),
        bytes,
    })
}

/// The process's peak resident set size (Linux `VmHWM`), 0 where unavailable.
pub fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

/// Measures each spec `runs` times in child processes of `exe` and renders a table.
pub fn run(exe: &Path, specs: &[PathBuf], runs: usize) -> Result<String, String> {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<60} {:>10} {:>6} {:>6} {:>10} {:>10} {:>8}",
        "spec", "MB", "files", "ops", "median ms", "peak MiB", "peak/size"
    );
    for path in specs {
        let mut samples = Vec::new();
        for _ in 0..runs.max(1) {
            let output = std::process::Command::new(exe)
                .arg("bench")
                .arg("--child")
                .arg(path)
                .output()
                .map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
            if !output.status.success() {
                return Err(format!(
                    "{}: {}",
                    path.display(),
                    String::from_utf8_lossy(&output.stderr).trim()
                ));
            }
            let sample: Sample =
                serde_json::from_slice(&output.stdout).map_err(|e| e.to_string())?;
            samples.push(sample);
        }
        samples.sort_by(|a, b| a.wall_ms.total_cmp(&b.wall_ms));
        let median = &samples[samples.len() / 2];
        let peak = samples.iter().map(|s| s.peak_rss_kib).max().unwrap_or(0);
        let mb = median.bytes as f64 / 1e6;
        let _ = writeln!(
            out,
            "{:<60} {:>10.2} {:>6} {:>6} {:>10.1} {:>10.1} {:>8.1}",
            shorten_path(path),
            mb,
            median.files,
            median.operations,
            median.wall_ms,
            peak as f64 / 1024.0,
            (peak as f64 * 1024.0) / median.bytes.max(1) as f64,
        );
    }
    Ok(out)
}

fn shorten_path(p: &Path) -> String {
    let s = p.display().to_string();
    if s.chars().count() > 60 {
        format!(
            "…{}",
            s.chars()
                .rev()
                .take(59)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect::<String>()
        )
    } else {
        s
    }
}

/// A synthetic OpenAPI 3.0 document of at least `target_bytes` (JSON): many operations with path,
/// query and header parameters, `$ref`ed request and response schemas, nested objects and examples.
pub fn generate_spec(target_bytes: usize) -> String {
    let mut paths = String::new();
    let mut schemas = String::new();
    let mut i = 0usize;
    while paths.len() + schemas.len() < target_bytes {
        if i > 0 {
            paths.push(',');
            schemas.push(',');
        }
        let _ = write!(
            paths,
            r##""/ressourcer{i}/{{ressourceId}}":{{"parameters":[{{"name":"ressourceId","in":"path","required":true,"schema":{{"type":"string","format":"uuid"}}}}],"get":{{"operationId":"hent{i}","summary":"Hent ressource {i}","tags":["gruppe{g}"],"parameters":[{{"name":"side","in":"query","schema":{{"type":"integer","minimum":0,"default":0}}}},{{"name":"X-Correlation-Id","in":"header","schema":{{"type":"string","format":"uuid"}}}}],"responses":{{"200":{{"description":"Ressourcen","headers":{{"ETag":{{"schema":{{"type":"string"}}}}}},"content":{{"application/json":{{"schema":{{"$ref":"#/components/schemas/Ressource{i}"}},"example":{{"id":"3f1c2a9e-0000-4000-8000-{i:012}","navn":"Navn {i}","beloeb":{{"vaerdi":"{i}.50","valuta":"DKK"}},"status":"AKTIV"}}}}}}}},"404":{{"$ref":"#/components/responses/Fejl"}}}}}},"put":{{"operationId":"opdater{i}","requestBody":{{"required":true,"content":{{"application/json":{{"schema":{{"$ref":"#/components/schemas/Ressource{i}"}}}}}}}},"responses":{{"204":{{"description":"Opdateret"}},"default":{{"$ref":"#/components/responses/Fejl"}}}}}}}}"##,
            g = i % 50
        );
        let _ = write!(
            schemas,
            r##""Ressource{i}":{{"type":"object","required":["id","navn","status"],"properties":{{"id":{{"type":"string","format":"uuid","readOnly":true}},"navn":{{"type":"string","minLength":1,"maxLength":200}},"beskrivelse":{{"type":"string","nullable":true}},"beloeb":{{"$ref":"#/components/schemas/Beloeb"}},"status":{{"type":"string","enum":["AKTIV","INAKTIV","SLETTET"]}},"oprettet":{{"type":"string","format":"date-time"}},"antal":{{"type":"integer","minimum":0,"maximum":1000,"exclusiveMaximum":true}},"forrige":{{"$ref":"#/components/schemas/Ressource{prev}"}},"tags":{{"type":"array","items":{{"type":"string"}},"maxItems":20}}}}}}"##,
            prev = i.saturating_sub(1)
        );
        i += 1;
    }
    format!(
        r##"{{"openapi":"3.0.3","info":{{"title":"Syntetisk","version":"1.0.0"}},"servers":[{{"url":"https://api.example.dk/syntetisk/v1"}}],"paths":{{{paths}}},"components":{{"schemas":{{{schemas},"Beloeb":{{"type":"object","required":["vaerdi","valuta"],"properties":{{"vaerdi":{{"type":"string","pattern":"^-?[0-9]+\\.[0-9]{{2}}$"}},"valuta":{{"type":"string","enum":["DKK","EUR"]}}}}}}}},"responses":{{"Fejl":{{"description":"Fejl","content":{{"application/problem+json":{{"schema":{{"type":"object"}}}}}}}}}}}}}}"##
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_spec_is_valid_json_of_the_asked_size() {
        let text = generate_spec(200_000);
        assert!(text.len() >= 200_000);
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert!(v["paths"].as_object().unwrap().len() > 50);
    }
}
