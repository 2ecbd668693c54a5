//! Per-client rate limits, as the real test environment enforces them: a quota of requests per
//! window, a burst, and `429` with `Retry-After` and the IETF `RateLimit`/`RateLimit-Policy`
//! headers (draft-ietf-httpapi-ratelimit-headers, structured form) when a client exceeds it.
//!
//! The algorithm is GCRA (a leaky bucket kept as one timestamp per client): exact, O(1), and it
//! never lets a client through faster than the configured rate, whatever the timing of requests.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A quota: `count` requests per `window`, at most `burst` at once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateSpec {
    pub count: u32,
    pub window: Duration,
    pub burst: u32,
}

impl RateSpec {
    /// Parses `10/s`, `600/min`, `1000/h` (and `10/1s`-free plain forms `10/second`, `10/minute`).
    pub fn parse(text: &str, burst: Option<u32>) -> Result<RateSpec, String> {
        let bad = || {
            format!(
                "rate `{text}` is not COUNT/UNIT with a UNIT of s, min or h (e.g. 10/s, 600/min)"
            )
        };
        let (count, unit) = text.split_once('/').ok_or_else(bad)?;
        let count: u32 = count.trim().parse().map_err(|_| bad())?;
        if count == 0 {
            return Err(format!("rate `{text}` allows no requests at all"));
        }
        let window = match unit.trim() {
            "s" | "sec" | "second" => Duration::from_secs(1),
            "m" | "min" | "minute" => Duration::from_secs(60),
            "h" | "hour" => Duration::from_secs(3600),
            _ => return Err(bad()),
        };
        let burst = burst.unwrap_or(count);
        if burst == 0 {
            return Err("a burst of 0 allows no requests at all".into());
        }
        Ok(RateSpec {
            count,
            window,
            burst,
        })
    }

    /// The time between requests at the sustained rate.
    fn interval(&self) -> f64 {
        self.window.as_secs_f64() / self.count as f64
    }
}

/// What the limiter decided for one request, with what the headers report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    /// Requests the client may still send at once.
    pub remaining: u32,
    /// Seconds until the quota is whole again.
    pub reset: u64,
    /// Seconds to wait before the next request can pass (0 when allowed).
    pub retry_after: u64,
}

#[derive(Debug)]
pub struct Limiter {
    spec: RateSpec,
    start: Instant,
    /// Per client: the theoretical arrival time of its next request, in seconds since `start`.
    tat: Mutex<HashMap<String, f64>>,
}

impl Limiter {
    pub fn new(spec: RateSpec) -> Self {
        Limiter {
            spec,
            start: Instant::now(),
            tat: Mutex::new(HashMap::new()),
        }
    }

    pub fn spec(&self) -> RateSpec {
        self.spec
    }

    pub fn check(&self, client: &str) -> Decision {
        self.check_at(client, Instant::now())
    }

    /// The decision at a given instant (tests pass their own clock).
    pub fn check_at(&self, client: &str, now: Instant) -> Decision {
        let now = now.saturating_duration_since(self.start).as_secs_f64();
        let t = self.spec.interval();
        let tolerance = t * (self.spec.burst as f64 - 1.0);
        let mut map = self.tat.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 100_000 {
            // Forget clients whose bucket has drained; they start afresh anyway.
            map.retain(|_, tat| *tat > now);
        }
        let tat = map.get(client).copied().unwrap_or(now).max(now);
        if tat - now > tolerance + 1e-9 {
            let wait = tat - now - tolerance;
            return Decision {
                allowed: false,
                remaining: 0,
                reset: (tat - now).ceil() as u64,
                retry_after: wait.ceil().max(1.0) as u64,
            };
        }
        let new_tat = tat + t;
        map.insert(client.to_string(), new_tat);
        let remaining = ((tolerance - (new_tat - now - t)) / t + 1e-9)
            .floor()
            .max(0.0) as u32;
        Decision {
            allowed: true,
            remaining: remaining.min(self.spec.burst.saturating_sub(1)),
            reset: (new_tat - now).ceil() as u64,
            retry_after: 0,
        }
    }

    /// `RateLimit-Policy` and `RateLimit` header values for a decision.
    pub fn headers(&self, d: &Decision) -> [(&'static str, String); 2] {
        [
            (
                "RateLimit-Policy",
                format!(
                    "\"default\";q={};w={}",
                    self.spec.count,
                    self.spec.window.as_secs()
                ),
            ),
            (
                "RateLimit",
                format!("\"default\";r={};t={}", d.remaining, d.reset),
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rates() {
        let r = RateSpec::parse("10/s", None).unwrap();
        assert_eq!((r.count, r.window.as_secs(), r.burst), (10, 1, 10));
        let r = RateSpec::parse("600/min", Some(20)).unwrap();
        assert_eq!((r.count, r.window.as_secs(), r.burst), (600, 60, 20));
        assert!(RateSpec::parse("10", None).is_err());
        assert!(RateSpec::parse("x/s", None).is_err());
        assert!(RateSpec::parse("10/fortnight", None).is_err());
        assert!(RateSpec::parse("0/s", None).is_err());
        assert!(RateSpec::parse("1/s", Some(0)).is_err());
    }

    #[test]
    fn burst_then_refuse_then_recover() {
        let l = Limiter::new(RateSpec::parse("2/s", Some(3)).unwrap());
        let t0 = l.start;
        let rem: Vec<u32> = (0..3).map(|_| l.check_at("a", t0).remaining).collect();
        assert_eq!(rem, vec![2, 1, 0]);
        let refused = l.check_at("a", t0);
        assert!(!refused.allowed);
        assert_eq!(refused.retry_after, 1);
        // Another client has its own bucket.
        assert!(l.check_at("b", t0).allowed);
        // After one interval (0.5 s) exactly one more request passes.
        let later = t0 + Duration::from_millis(500);
        assert!(l.check_at("a", later).allowed);
        assert!(!l.check_at("a", later).allowed);
    }

    #[test]
    fn never_faster_than_the_rate() {
        let l = Limiter::new(RateSpec::parse("10/s", Some(1)).unwrap());
        let t0 = l.start;
        let mut passed = 0;
        for ms in 0..1000 {
            if l.check_at("a", t0 + Duration::from_millis(ms)).allowed {
                passed += 1;
            }
        }
        assert_eq!(passed, 10);
        let [policy, now] = l.headers(&l.check_at("a", t0 + Duration::from_millis(1000)));
        assert_eq!(policy.1, "\"default\";q=10;w=1");
        assert!(now.1.starts_with("\"default\";r=0;t="));
    }
}
