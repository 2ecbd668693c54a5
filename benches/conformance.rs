//! The whole generated suite over the bundled specs against the embedded mock, end to end:
//! `kontrakt test specs/` as a user runs it (the release binary, its own process).
//!
//! Reports wall time, requests (= cases sent) per second from the run's own summary line, the
//! tests (operation × check) and the child's peak resident memory (Linux `VmHWM`, polled while
//! it runs; it only grows, so the last reading is the peak).
//!
//! A second scenario is politeness: `kontrakt mock` as its own process limiting each client to
//! 10/s (burst 1), and `kontrakt test --rate 10/s` against it: how many requests, at what rate,
//! how many 429s the run met (every 429 is shown as a pause line) and how many tests failed.
//!
//! `cargo bench --bench conformance` — environment: `KONTRAKT_BENCH_RUNS` (default 3),
//! `KONTRAKT_BENCH_MAX_EXAMPLES` (default 20), `KONTRAKT_BENCH_RATE_REQUESTS` (default 60; 0
//! skips the politeness scenario).

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn hwm_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

struct Run {
    wall: Duration,
    requests: u64,
    request_secs: f64,
    passed: u64,
    failed: u64,
    peak_kib: u64,
    code: Option<i32>,
}

fn run_once(specs: &str, max_examples: u64, seed: u64) -> Run {
    let t0 = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_kontrakt"))
        .args([
            "test",
            specs,
            "--seed",
            &seed.to_string(),
            "--max-examples",
            &max_examples.to_string(),
            "--no-progress",
            "--quiet",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start kontrakt");
    let pid = child.id();
    // Drain the pipes while the run goes on: a run with many failures writes more than a pipe
    // buffer holds.
    let drain = |pipe: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_string(&mut text);
            }
            text
        })
    };
    let stdout = drain(child.stdout.take().map(|p| Box::new(p) as _));
    let stderr = drain(child.stderr.take().map(|p| Box::new(p) as _));
    let mut peak = 0;
    // The high-water mark only grows: the last reading before exit is the peak.
    let status = loop {
        if let Some(k) = hwm_kib(pid) {
            peak = peak.max(k);
        }
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => panic!("waiting for kontrakt: {e}"),
        }
    };
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    let wall = t0.elapsed();
    // "kontrakt: 5123 requests in 0.9 s (5600/s)"
    let (mut requests, mut request_secs) = (0, 0.0);
    for line in stderr.lines() {
        if let Some(rest) = line.strip_prefix("kontrakt: ")
            && let Some((n, rest)) = rest.split_once(" requests in ")
            && let Some((secs, _)) = rest.split_once(" s")
        {
            // The generated phase's line; the stateful and scenario lines say more before
            // their counts.
            if let (Ok(n), Ok(secs)) = (n.trim().parse(), secs.trim().parse()) {
                requests = n;
                request_secs = secs;
            }
        }
    }
    // "test result: ok. 812 passed; 0 failed; ..."
    let (mut passed, mut failed) = (0, 0);
    for line in stdout.lines() {
        if let Some(rest) = line.strip_prefix("test result: ") {
            for part in rest.split(['.', ';']) {
                let part = part.trim();
                if let Some(n) = part.strip_suffix(" passed") {
                    passed = n.trim().parse().unwrap_or(0);
                }
                if let Some(n) = part.strip_suffix(" failed") {
                    failed = n.trim().parse().unwrap_or(0);
                }
            }
        }
    }
    if status.code() != Some(0) {
        eprintln!(
            "kontrakt test exited {:?}:\n{stdout}\n{stderr}",
            status.code()
        );
    }
    Run {
        wall,
        requests,
        request_secs,
        passed,
        failed,
        peak_kib: peak,
        code: status.code(),
    }
}

/// `kontrakt test --rate 10/s` against a mock process that answers 429 beyond 10/s.
fn politeness(specs: &str, requests: u64) {
    let spec = format!("{specs}/person/person-1.1.0.yaml");
    let mut mock = Command::new(env!("CARGO_BIN_EXE_kontrakt"))
        .args([
            "mock",
            &spec,
            "--port",
            "0",
            "--quiet",
            "--rate",
            "10/s",
            "--burst",
            "1",
            "--token",
            "bench-token",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the mock");
    let mut first = String::new();
    let mut out = std::io::BufReader::new(mock.stdout.take().expect("stdout"));
    // The banner's first line names the address: "kontrakt mock: serving ... at http://..."
    let url = loop {
        first.clear();
        if std::io::BufRead::read_line(&mut out, &mut first).unwrap_or(0) == 0 {
            let _ = mock.kill();
            panic!("the mock printed no address");
        }
        if let Some(i) = first.find("http://") {
            break first[i..]
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_string();
        }
    };
    let t0 = Instant::now();
    let run = Command::new(env!("CARGO_BIN_EXE_kontrakt"))
        .args([
            "test",
            &spec,
            "--target",
            &url,
            "--token-env",
            "BENCH_TOKEN",
            "--rate",
            "10/s",
            "--max-requests",
            &requests.to_string(),
            "--seed",
            "1",
            "--no-progress",
            "--quiet",
        ])
        .env("BENCH_TOKEN", "bench-token")
        .output()
        .expect("run kontrakt test");
    let wall = t0.elapsed().as_secs_f64();
    let _ = mock.kill();
    let _ = mock.wait();
    let stderr = String::from_utf8_lossy(&run.stderr);
    let stdout = String::from_utf8_lossy(&run.stdout);
    let pauses = stderr
        .lines()
        .filter(|l| l.contains("from the target: waiting"))
        .count();
    let failed = stdout
        .lines()
        .find_map(|l| l.strip_prefix("test result: "))
        .unwrap_or("?");
    println!(
        "politeness: --rate 10/s, budget {requests}: {:.1} s ({:.2} requests/s over the run), 429s met: {pauses}, exit {:?}; {failed}",
        wall,
        requests as f64 / wall,
        run.status.code()
    );
}

fn main() {
    // `cargo bench` passes --bench; nothing else is accepted.
    let specs = concat!(env!("CARGO_MANIFEST_DIR"), "/specs");
    let runs = env_num("KONTRAKT_BENCH_RUNS", 3);
    let max_examples = env_num("KONTRAKT_BENCH_MAX_EXAMPLES", 20);
    println!("kontrakt test specs/ (embedded mock, --max-examples {max_examples}), {runs} runs");
    println!(
        "{:>4} {:>9} {:>9} {:>11} {:>9} {:>7} {:>9} {:>5}",
        "run", "wall s", "requests", "requests/s", "cases/s*", "tests", "peak MiB", "exit"
    );
    let mut best: Option<Run> = None;
    for i in 0..runs {
        let r = run_once(specs, max_examples, 1000 + i);
        let rps = r.requests as f64 / r.request_secs.max(1e-9);
        let cps = r.requests as f64 / r.wall.as_secs_f64();
        println!(
            "{:>4} {:>9.2} {:>9} {:>11.0} {:>9.0} {:>7} {:>9.1} {:>5}",
            i + 1,
            r.wall.as_secs_f64(),
            r.requests,
            rps,
            cps,
            r.passed + r.failed,
            r.peak_kib as f64 / 1024.0,
            r.code.map_or("-".into(), |c| c.to_string())
        );
        if best.as_ref().is_none_or(|b| r.wall < b.wall) {
            best = Some(r);
        }
    }
    if let Some(b) = best {
        println!(
            "best: {:.2} s end to end, {} requests ({:.0}/s while sending), {} cases/s over the whole run*, {} tests failed, peak {:.1} MiB",
            b.wall.as_secs_f64(),
            b.requests,
            b.requests as f64 / b.request_secs.max(1e-9),
            (b.requests as f64 / b.wall.as_secs_f64()) as u64,
            b.failed,
            b.peak_kib as f64 / 1024.0
        );
        println!(
            "* cases/s end to end: requests over the whole wall time, loading and mock start included"
        );
    }
    let rate_requests = env_num("KONTRAKT_BENCH_RATE_REQUESTS", 60);
    if rate_requests > 0 {
        politeness(specs, rate_requests);
    }
}
