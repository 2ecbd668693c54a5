//! What the user sees while requests are in flight: a progress line on a terminal, plain lines
//! otherwise, and every pause for a rate limit, so a slow run never looks hung.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Shared by all workers; cheap to clone.
#[derive(Clone)]
pub struct Progress {
    inner: Arc<Inner>,
}

struct Inner {
    total: AtomicU64,
    done: AtomicU64,
    /// When sending started (reset by [`Progress::start`]).
    started: Mutex<Instant>,
    terminal: bool,
    /// Serialises writes so a pause line never lands inside the progress line.
    out: Mutex<Option<Instant>>,
    finished: AtomicBool,
}

/// Plain progress lines are written at most this often.
const PLAIN_EVERY: Duration = Duration::from_secs(5);
/// The terminal line is redrawn at most this often.
const REDRAW_EVERY: Duration = Duration::from_millis(100);

impl Progress {
    /// `fancy`: redraw one line on a terminal (stderr must be one); otherwise plain lines.
    pub fn new(total: u64, fancy: bool) -> Progress {
        let terminal = fancy && std::io::stderr().is_terminal();
        let now = Instant::now();
        Progress {
            inner: Arc::new(Inner {
                total: AtomicU64::new(total),
                done: AtomicU64::new(0),
                started: Mutex::new(now),
                terminal,
                // Plain lines start after the first interval: a short run prints only its
                // summary.
                out: Mutex::new((!terminal).then_some(now)),
                finished: AtomicBool::new(false),
            }),
        }
    }

    /// Starts the clock: rates count from here, not from loading and compiling.
    pub fn start(&self) {
        if let Ok(mut s) = self.inner.started.lock() {
            *s = Instant::now();
        }
    }

    fn elapsed(&self) -> Duration {
        self.inner
            .started
            .lock()
            .map(|s| s.elapsed())
            .unwrap_or_default()
    }

    pub fn add_total(&self, n: u64) {
        self.inner.total.fetch_add(n, Ordering::Relaxed);
    }

    pub fn inc(&self) {
        let done = self.inner.done.fetch_add(1, Ordering::Relaxed) + 1;
        let Ok(mut last) = self.inner.out.try_lock() else {
            return;
        };
        let now = Instant::now();
        let every = if self.inner.terminal {
            REDRAW_EVERY
        } else {
            PLAIN_EVERY
        };
        if last.is_some_and(|t| now - t < every) {
            return;
        }
        *last = Some(now);
        let line = self.line(done);
        let mut err = std::io::stderr().lock();
        if self.inner.terminal {
            let _ = write!(err, "\r\x1b[2K{line}");
        } else {
            let _ = writeln!(err, "kontrakt: {line}");
        }
        let _ = err.flush();
    }

    /// Shows a pause (rate limit) on its own line.
    pub fn note(&self, message: &str) {
        let _guard = self.inner.out.lock();
        let mut err = std::io::stderr().lock();
        if self.inner.terminal {
            let _ = write!(err, "\r\x1b[2K");
        }
        let _ = writeln!(err, "kontrakt: {message}");
        let _ = err.flush();
    }

    /// Clears the progress line; the summary line follows.
    pub fn finish(&self) {
        if self.inner.finished.swap(true, Ordering::Relaxed) {
            return;
        }
        let _guard = self.inner.out.lock();
        let done = self.inner.done.load(Ordering::Relaxed);
        let mut err = std::io::stderr().lock();
        if self.inner.terminal {
            let _ = write!(err, "\r\x1b[2K");
        }
        let secs = self.elapsed().as_secs_f64();
        let _ = writeln!(
            err,
            "kontrakt: {done} requests in {secs:.2} s ({:.0}/s)",
            done as f64 / secs.max(1e-9)
        );
        let _ = err.flush();
    }

    fn line(&self, done: u64) -> String {
        let total = self.inner.total.load(Ordering::Relaxed).max(done);
        let secs = self.elapsed().as_secs_f64().max(1e-9);
        let width = 30usize;
        let filled = if total == 0 {
            width
        } else {
            (done as usize * width) / total as usize
        };
        if self.inner.terminal {
            format!(
                "[{}{}] {done}/{total} requests, {:.0}/s",
                "#".repeat(filled),
                "-".repeat(width - filled),
                done as f64 / secs
            )
        } else {
            format!(
                "{done} of {total} requests sent ({:.0}/s)",
                done as f64 / secs
            )
        }
    }
}
