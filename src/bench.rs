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

/// `kontrakt bench`: in child mode, one JSON sample for one file; otherwise the table for the
/// given specs and any generated ones (written to a scratch folder removed afterwards).
pub fn command(args: &crate::cli::BenchArgs) -> Result<String, String> {
    if args.child {
        let path = args.specs.first().ok_or("--child needs a file")?;
        let sample = measure_here(path)?;
        return serde_json::to_string(&sample).map_err(|e| e.to_string());
    }
    let mut specs = args.specs.clone();
    let scratch = ScratchDir::new()?;
    for (mb, density, name) in [
        (args.generate_mb, Density::Realistic, "generated"),
        (args.generate_dense_mb, Density::Dense, "generated-dense"),
    ] {
        let Some(mb) = mb else { continue };
        let path = scratch.0.join(format!("{name}-{mb}mb.json"));
        std::fs::write(&path, generate_spec(mb * 1_000_000, density))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        specs.push(path);
    }
    let exe = std::env::current_exe().map_err(|e| format!("cannot find own executable: {e}"))?;
    run(&exe, &specs, args.runs)
}

/// A scratch folder, removed when dropped.
struct ScratchDir(PathBuf);

impl ScratchDir {
    fn new() -> Result<Self, String> {
        let dir = std::env::temp_dir().join(format!("kontrakt-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        Ok(ScratchDir(dir))
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
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
        "{:<60} {:>7} {:>6} {:>6} {:>10} {:>9} {:>9} {:>9}",
        "spec", "MB", "files", "ops", "median ms", "peak MiB", "net MiB", "net/size"
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
        // Net: what loading added to the process's resident peak before it started.
        let net = samples
            .iter()
            .map(|s| s.peak_rss_kib.saturating_sub(s.baseline_rss_kib))
            .max()
            .unwrap_or(0);
        let mb = median.bytes as f64 / 1e6;
        let _ = writeln!(
            out,
            "{:<60} {:>7.2} {:>6} {:>6} {:>10.1} {:>9.1} {:>9.1} {:>9.1}",
            shorten_path(path),
            mb,
            median.files,
            median.operations,
            median.wall_ms,
            peak as f64 / 1024.0,
            net as f64 / 1024.0,
            (net as f64 * 1024.0) / median.bytes.max(1) as f64,
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

/// How a generated spec spends its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Density {
    /// Like real specs: summaries and descriptions on operations, parameters and properties,
    /// about 50 bytes per JSON value (Box 55, Discord 40, Adyen Management 63).
    Realistic,
    /// No prose at all, about 16 bytes per value: a stress case for the value representation.
    Dense,
}

fn response_text(short: &str, density: Density) -> String {
    match density {
        Density::Dense => short.to_string(),
        Density::Realistic => format!(
            "{short}. Svaret følger skemaet nedenfor; felter kan komme til i senere versioner, så klienter skal ignorere ukendte felter. ETag bruges ved opdatering med If-Match."
        ),
    }
}

/// A synthetic OpenAPI 3.0 document of at least `target_bytes` (JSON): many operations with path,
/// query and header parameters, `$ref`ed request and response schemas, nested objects, examples.
pub fn generate_spec(target_bytes: usize, density: Density) -> String {
    let prose = |what: &str, i: usize| -> String {
        match density {
            Density::Dense => String::new(),
            Density::Realistic => format!(
                r#""description":"{what} for ressource {i}. Værdien valideres af serveren, og en ugyldig værdi giver 400 med en problem+json-fejl, der peger på feltet. Se vejledningen for detaljer om brug og begrænsninger.","#
            ),
        }
    };
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
            r##""/ressourcer{i}/{{ressourceId}}":{{"parameters":[{{"name":"ressourceId","in":"path","required":true,{p_id}"schema":{{"type":"string","format":"uuid"}}}}],"get":{{"operationId":"hent{i}","summary":"Hent ressource {i}",{p_get}"tags":["gruppe{g}"],"parameters":[{{"name":"side","in":"query",{p_side}"schema":{{"type":"integer","minimum":0,"default":0}}}},{{"name":"X-Correlation-Id","in":"header",{p_corr}"schema":{{"type":"string","format":"uuid"}}}}],"responses":{{"200":{{"description":"{d_200}","headers":{{"ETag":{{"schema":{{"type":"string"}}}}}},"content":{{"application/json":{{"schema":{{"$ref":"#/components/schemas/Ressource{i}"}},"example":{{"id":"3f1c2a9e-0000-4000-8000-{i:012}","navn":"Navn {i}","beloeb":{{"vaerdi":"{i}.50","valuta":"DKK"}},"status":"AKTIV"}}}}}}}},"404":{{"$ref":"#/components/responses/Fejl"}}}}}},"put":{{"operationId":"opdater{i}",{p_put}"requestBody":{{"required":true,"content":{{"application/json":{{"schema":{{"$ref":"#/components/schemas/Ressource{i}"}}}}}}}},"responses":{{"204":{{"description":"{d_204}"}},"default":{{"$ref":"#/components/responses/Fejl"}}}}}}}}"##,
            g = i % 50,
            p_id = prose("Ressourcens id", i),
            p_get = prose("Henter ressourcen", i),
            p_side = prose("Sidenummer, 0-baseret,", i),
            p_corr = prose("Korrelations-id til sporing", i),
            p_put = prose("Opdaterer ressourcen", i),
            d_200 = response_text("Ressourcen", density),
            d_204 = response_text("Ressourcen er opdateret", density),
        );
        let _ = write!(
            schemas,
            r##""Ressource{i}":{{"type":"object",{p_obj}"required":["id","navn","status"],"properties":{{"id":{{"type":"string",{p_rid}"format":"uuid","readOnly":true}},"navn":{{"type":"string",{p_navn}"minLength":1,"maxLength":200}},"beskrivelse":{{"type":"string",{p_besk}"nullable":true}},"beloeb":{{"$ref":"#/components/schemas/Beloeb"}},"status":{{"type":"string",{p_status}"enum":["AKTIV","INAKTIV","SLETTET"]}},"oprettet":{{"type":"string",{p_opr}"format":"date-time"}},"antal":{{"type":"integer",{p_antal}"minimum":0,"maximum":1000,"exclusiveMaximum":true}},"forrige":{{"$ref":"#/components/schemas/Ressource{prev}"}},"tags":{{"type":"array",{p_tags}"items":{{"type":"string"}},"maxItems":20}}}}}}"##,
            prev = i.saturating_sub(1),
            p_obj = prose("En ressource", i),
            p_navn = prose("Ressourcens navn", i),
            p_status = prose("Ressourcens status", i),
            p_rid = prose("Ressourcens id, tildelt af serveren", i),
            p_besk = prose("Fri tekst", i),
            p_opr = prose("Oprettelsestidspunkt", i),
            p_antal = prose("Antal", i),
            p_tags = prose("Emneord", i),
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
    fn generated_specs_are_valid_json_of_the_asked_size_and_density() {
        for (density, bytes_per_value) in [(Density::Realistic, 40..70), (Density::Dense, 12..20)] {
            let text = generate_spec(200_000, density);
            assert!(text.len() >= 200_000);
            let parsed = crate::spec::parse::parse_json(&text, Default::default()).unwrap();
            assert!(parsed.value["paths"].as_object().unwrap().len() > 20);
            let per_value = text.len() / parsed.spans.len();
            assert!(
                bytes_per_value.contains(&per_value),
                "{density:?}: {per_value}"
            );
        }
    }
}
