//! The runner's politeness towards a rate-limited target: one GCRA limiter that every worker,
//! every retry and every token request passes through, and the reading of what a server says
//! about its own limits (`Retry-After`, `RateLimit`, `X-RateLimit-*`).
//!
//! A per-worker or per-connection limiter would let N workers send N times the rate, and a
//! retry that skipped it would turn one 429 into a burst of them; so there is exactly one
//! [`Limiter`] per run (clones share it). Each caller *reserves* the next free slot under a lock
//! and then sleeps until it, so waiting workers neither spin nor race for the same slot. When
//! the server says stop (a 429 or 503), [`Limiter::pause_until`] closes the gate for everyone:
//! a reservation made before the pause is re-made after it, never used inside it.

use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use tokio::time::Instant;

/// A sustained rate and how many requests may go at once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateSpec {
    pub per_second: f64,
    /// Requests that may be sent back to back before the rate applies; 1 spreads every
    /// request evenly, which is the politest and the default.
    pub burst: u32,
}

impl RateSpec {
    /// The time between requests at the sustained rate.
    pub fn interval(&self) -> Duration {
        Duration::from_secs_f64(1.0 / self.per_second)
    }
}

/// Why a rate did not parse; the message says what is expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "rate `{text}`: {reason} (expected COUNT/UNIT with UNIT s, min or h, optionally `,burst=N`: 10/s, 600/min, 10/s,burst=5)"
)]
pub struct RateError {
    pub text: String,
    pub reason: &'static str,
}

impl FromStr for RateSpec {
    type Err = RateError;

    /// `10/s`, `600/min`, `3600/h`, `0.5/s`, `10/s,burst=5`.
    fn from_str(text: &str) -> Result<RateSpec, RateError> {
        let err = |reason| RateError {
            text: text.to_string(),
            reason,
        };
        let mut parts = text.split(',');
        let rate = parts.next().unwrap_or_default();
        let (count, unit) = rate.split_once('/').ok_or_else(|| err("no `/`"))?;
        let count: f64 = count
            .trim()
            .parse()
            .map_err(|_| err("the count is not a number"))?;
        if !count.is_finite() || count <= 0.0 {
            return Err(err("the count must be a positive number"));
        }
        let seconds = match unit.trim() {
            "s" | "sec" | "second" => 1.0,
            "m" | "min" | "minute" => 60.0,
            "h" | "hour" => 3600.0,
            _ => return Err(err("unknown unit")),
        };
        let mut burst = 1;
        for part in parts {
            let (key, value) = part
                .split_once('=')
                .ok_or_else(|| err("expected `burst=N`"))?;
            if key.trim() != "burst" {
                return Err(err("the only option is `burst`"));
            }
            burst = value
                .trim()
                .parse()
                .map_err(|_| err("burst is not a whole number"))?;
            if burst == 0 {
                return Err(err("a burst of 0 allows no requests at all"));
            }
        }
        let per_second = count / seconds;
        // Slower than one request a day is a typo, and the interval would overflow Duration.
        if per_second < 1.0 / 86_400.0 {
            return Err(err("slower than one request a day"));
        }
        Ok(RateSpec { per_second, burst })
    }
}

impl fmt::Display for RateSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.per_second >= 1.0 || self.per_second * 60.0 != (self.per_second * 60.0).round() {
            write!(f, "{}/s", self.per_second)?;
        } else {
            write!(f, "{}/min", self.per_second * 60.0)?;
        }
        if self.burst != 1 {
            write!(f, ",burst={}", self.burst)?;
        }
        Ok(())
    }
}

/// How much slower than the configured rate the limiter spaces requests. A server measures
/// the rate at arrival, and arrivals jitter by a few milliseconds (scheduling, a connection
/// being opened); against a strict limiter (a burst of 1, no tolerance) requests spaced at
/// exactly the interval are refused about half the time, and each refusal costs a whole
/// `Retry-After` second. 5 % absorbs the jitter seen on a loaded 2-core machine.
const HEADROOM: f64 = 0.05;

/// The run's one rate limiter. `Clone` shares it.
#[derive(Clone)]
pub struct Limiter {
    inner: Arc<Inner>,
}

struct Inner {
    /// (interval, tolerance = interval × (burst − 1)); `None` = unlimited.
    rate: Option<(Duration, Duration)>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// GCRA's theoretical arrival time of the next request.
    tat: Option<Instant>,
    paused_until: Option<Instant>,
}

impl fmt::Debug for Limiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Limiter")
            .field("interval", &self.inner.rate.map(|(t, _)| t))
            .finish_non_exhaustive()
    }
}

impl Limiter {
    /// `None`: no rate, but pauses still hold.
    pub fn new(rate: Option<RateSpec>) -> Limiter {
        let rate = rate.map(|r| {
            let t = r.interval().mul_f64(1.0 + HEADROOM);
            (t, t * r.burst.saturating_sub(1))
        });
        Limiter {
            inner: Arc::new(Inner {
                rate,
                state: Mutex::new(State::default()),
            }),
        }
    }

    /// Waits until this caller may send one request, and counts it.
    pub async fn acquire(&self) {
        loop {
            let slot = {
                let mut s = self.state();
                let now = Instant::now();
                let pause = s.paused_until.filter(|p| *p > now);
                match self.inner.rate {
                    None => match pause {
                        None => return,
                        Some(until) => until,
                    },
                    Some((interval, tolerance)) => {
                        let tat = s.tat.map_or(now, |t| t.max(now));
                        let earliest = tat.checked_sub(tolerance).unwrap_or(now).max(now);
                        let at = pause.map_or(earliest, |p| p.max(earliest));
                        s.tat = Some(tat.max(at) + interval);
                        if at <= now {
                            return;
                        }
                        at
                    }
                }
            };
            tokio::time::sleep_until(slot).await;
            // A pause that began while we slept voids the reservation (its slot stays spent,
            // which only ever makes us slower).
            let now = Instant::now();
            if self.state().paused_until.is_none_or(|p| p <= now) {
                return;
            }
        }
    }

    /// Nobody sends before `until`; afterwards the rate restarts from an empty burst, since
    /// the server has just said we were over its limit.
    pub fn pause_until(&self, until: std::time::Instant) {
        let until = Instant::from_std(until);
        let mut s = self.state();
        s.paused_until = Some(s.paused_until.map_or(until, |p| p.max(until)));
        if let Some((_, tolerance)) = self.inner.rate {
            let restart = until + tolerance;
            s.tat = Some(s.tat.map_or(restart, |t| t.max(restart)));
        }
    }

    /// When the current pause ends, if one is in force.
    pub fn paused_until(&self) -> Option<std::time::Instant> {
        let now = Instant::now();
        self.state()
            .paused_until
            .filter(|p| *p > now)
            .map(Instant::into_std)
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.inner.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Anything above this is a unix time, not a number of seconds to wait (2001-09-09).
const UNIX_TIME_THRESHOLD: u64 = 1_000_000_000;
/// Anything above this is a unix time in milliseconds.
const UNIX_MILLIS_THRESHOLD: u64 = 100_000_000_000;

/// How long the server asks us to wait, from (in this order) `Retry-After` (delta-seconds or
/// HTTP-date), `RateLimit` (IETF structured `r=0;t=N` or the older `remaining=0, reset=N`),
/// `RateLimit-Remaining`/`RateLimit-Reset` and `X-RateLimit-Remaining`/`X-RateLimit-Reset`
/// (seconds or a unix time, in seconds or milliseconds). A reset only counts when the
/// remaining quota is 0 or not given. `None` when nothing says.
pub fn wait_hint(headers: &[(String, String)], now: SystemTime) -> Option<Duration> {
    retry_after(headers, now).or_else(|| quota_reset(headers, now))
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    crate::exchange::header(headers, name).map(str::trim)
}

fn retry_after(headers: &[(String, String)], now: SystemTime) -> Option<Duration> {
    let value = header(headers, "retry-after")?;
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or_default())
}

fn quota_reset(headers: &[(String, String)], now: SystemTime) -> Option<Duration> {
    if let Some(value) = header(headers, "ratelimit")
        && let Some(wait) = structured_ratelimit(value)
    {
        return wait;
    }
    for (remaining, reset) in [
        ("ratelimit-remaining", "ratelimit-reset"),
        ("x-ratelimit-remaining", "x-ratelimit-reset"),
    ] {
        let Some(reset) = header(headers, reset).and_then(|v| v.parse::<f64>().ok()) else {
            continue;
        };
        match header(headers, remaining).and_then(|v| v.parse::<f64>().ok()) {
            Some(left) if left > 0.0 => return None,
            _ => return Some(reset_to_wait(reset, now)),
        }
    }
    None
}

/// `Some(Some(wait))` when the header says the quota is used up, `Some(None)` when it says
/// there is quota left, `None` when it says neither.
fn structured_ratelimit(value: &str) -> Option<Option<Duration>> {
    let (mut remaining, mut reset) = (None, None);
    // Both `"default";r=0;t=5` (draft-ietf-httpapi-ratelimit-headers-08 and later) and
    // `limit=10, remaining=0, reset=5` (earlier drafts). Several policies may be listed; the
    // one used up matters.
    let mut out = None;
    for item in value.split(',') {
        for param in item.split(';') {
            let Some((key, val)) = param.split_once('=') else {
                continue;
            };
            let val = val.trim().trim_matches('"');
            match key.trim().to_ascii_lowercase().as_str() {
                "r" | "remaining" => remaining = val.parse::<f64>().ok(),
                "t" | "reset" => reset = val.parse::<f64>().ok(),
                _ => {}
            }
        }
        // The structured form puts each policy in its own list member; the older form spreads
        // one policy over several members, so judge once both halves are known.
        if let (Some(left), Some(t)) = (remaining, reset) {
            if left <= 0.0 {
                let wait = Duration::from_secs_f64(t.max(0.0));
                out = Some(Some(out.flatten().map_or(wait, |w: Duration| w.max(wait))));
            } else if out.is_none() {
                out = Some(None);
            }
            remaining = None;
            reset = None;
        }
    }
    if out.is_none()
        && let Some(t) = reset
        && remaining.is_none()
    {
        return Some(Some(Duration::from_secs_f64(t.max(0.0))));
    }
    out
}

/// A reset value as a wait: small numbers are seconds from now, large ones a unix time.
fn reset_to_wait(reset: f64, now: SystemTime) -> Duration {
    let reset = reset.max(0.0);
    let unix_now = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs_f64();
    if reset >= UNIX_MILLIS_THRESHOLD as f64 {
        Duration::from_secs_f64((reset / 1000.0 - unix_now).max(0.0))
    } else if reset >= UNIX_TIME_THRESHOLD as f64 {
        Duration::from_secs_f64((reset - unix_now).max(0.0))
    } else {
        Duration::from_secs_f64(reset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn parses_rates() {
        let r: RateSpec = "10/s".parse().unwrap();
        assert_eq!((r.per_second, r.burst), (10.0, 1));
        let r: RateSpec = "600/min".parse().unwrap();
        assert_eq!((r.per_second, r.burst), (10.0, 1));
        let r: RateSpec = "10/s, burst=5".parse().unwrap();
        assert_eq!((r.per_second, r.burst), (10.0, 5));
        let r: RateSpec = "3600/h".parse().unwrap();
        assert_eq!(r.interval(), Duration::from_secs(1));
        for bad in [
            "10",
            "x/s",
            "10/fortnight",
            "0/s",
            "-1/s",
            "10/s,burst=0",
            "10/s,rate=2",
            "1/s,burst",
            "inf/s",
            "NaN/s",
        ] {
            let e = bad.parse::<RateSpec>().unwrap_err();
            assert!(e.to_string().contains("10/s,burst=5"), "{e}");
        }
        assert_eq!(
            "10/s,burst=5".parse::<RateSpec>().unwrap().to_string(),
            "10/s,burst=5"
        );
        assert_eq!("30/min".parse::<RateSpec>().unwrap().to_string(), "30/min");
    }

    /// Every send time of `n` acquisitions on tokio's virtual clock.
    async fn times(limiter: &Limiter, workers: usize, each: usize) -> Vec<Duration> {
        let start = Instant::now();
        let out = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for _ in 0..workers {
            let (l, out) = (limiter.clone(), out.clone());
            tasks.push(tokio::spawn(async move {
                for _ in 0..each {
                    l.acquire().await;
                    out.lock().unwrap().push(Instant::now() - start);
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let mut v = out.lock().unwrap().clone();
        v.sort();
        v
    }

    /// In any window of length w, at most burst + w × rate requests.
    fn assert_within(times: &[Duration], rate: RateSpec) {
        let t = rate.interval().as_secs_f64();
        for (i, a) in times.iter().enumerate() {
            for (k, b) in times[i..].iter().enumerate() {
                let allowed_after = (k as f64 + 1.0 - rate.burst as f64).max(0.0) * t;
                assert!(
                    (*b - *a).as_secs_f64() + 1e-6 >= allowed_after,
                    "request {} came {:?} after request {i}, before {allowed_after} s",
                    i + k,
                    *b - *a
                );
            }
        }
    }

    #[tokio::test(start_paused = true)]
    async fn gcra_spreads_concurrent_workers_evenly() {
        let rate: RateSpec = "10/s".parse().unwrap();
        let l = Limiter::new(Some(rate));
        let v = times(&l, 8, 5).await;
        assert_eq!(v.len(), 40);
        assert_within(&v, rate);
        // At the rate less the headroom, not slower: 40 requests take 39 × 105 ms.
        assert_eq!(v[39], Duration::from_millis(4095));
    }

    #[tokio::test(start_paused = true)]
    async fn burst_goes_at_once_then_the_rate_holds() {
        let rate: RateSpec = "4/s,burst=3".parse().unwrap();
        let l = Limiter::new(Some(rate));
        let v = times(&l, 4, 3).await;
        assert_eq!(&v[..3], &[Duration::ZERO; 3]);
        // 250 ms and the headroom, on tokio's millisecond timer.
        assert_eq!(v[3], Duration::from_millis(263));
        assert_within(&v, rate);
        // After a quiet spell the burst is available again, but no more than it.
        tokio::time::sleep(Duration::from_secs(10)).await;
        let v = times(&l, 5, 1).await;
        assert_eq!(v.iter().filter(|d| d.is_zero()).count(), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn a_pause_blocks_everyone_including_reservations_made_before_it() {
        let rate: RateSpec = "10/s,burst=5".parse().unwrap();
        let l = Limiter::new(Some(rate));
        let start = Instant::now();
        // Reservations up to 0.5 s out are made before the pause starts.
        let waiting: Vec<_> = (0..10)
            .map(|_| {
                let l = l.clone();
                tokio::spawn(async move {
                    l.acquire().await;
                    Instant::now() - start
                })
            })
            .collect();
        tokio::task::yield_now().await;
        l.pause_until((start + Duration::from_secs(3)).into_std());
        let mut sent = Vec::new();
        for w in waiting {
            sent.push(w.await.unwrap());
        }
        sent.sort();
        // The first burst went before the pause; nothing inside it; the rest after, one at a
        // time (no burst right after being told to stop).
        let inside = sent
            .iter()
            .filter(|d| **d > Duration::ZERO && **d < Duration::from_secs(3))
            .count();
        assert_eq!(inside, 0, "{sent:?}");
        let after: Vec<_> = sent
            .iter()
            .filter(|d| **d >= Duration::from_secs(3))
            .collect();
        assert_eq!(after.len(), 5, "{sent:?}");
        assert_within(
            &after.iter().map(|d| **d).collect::<Vec<_>>(),
            RateSpec {
                per_second: 10.0,
                burst: 1,
            },
        );
    }

    #[tokio::test(start_paused = true)]
    async fn unlimited_still_honours_a_pause() {
        let l = Limiter::new(None);
        let start = Instant::now();
        l.acquire().await;
        assert_eq!(Instant::now(), start);
        l.pause_until((start + Duration::from_secs(2)).into_std());
        assert!(l.paused_until().is_some());
        l.acquire().await;
        assert_eq!(Instant::now() - start, Duration::from_secs(2));
        assert!(l.paused_until().is_none());
    }

    #[test]
    fn retry_after_seconds_and_http_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_784_000_000);
        assert_eq!(
            wait_hint(&h(&[("Retry-After", "7")]), now),
            Some(Duration::from_secs(7))
        );
        let later = httpdate::fmt_http_date(now + Duration::from_secs(90));
        assert_eq!(
            wait_hint(&h(&[("retry-after", &later)]), now),
            Some(Duration::from_secs(90))
        );
        // A date in the past: go now.
        let past = httpdate::fmt_http_date(now - Duration::from_secs(90));
        assert_eq!(
            wait_hint(&h(&[("retry-after", &past)]), now),
            Some(Duration::ZERO)
        );
        assert_eq!(wait_hint(&h(&[("retry-after", "soon")]), now), None);
        assert_eq!(wait_hint(&h(&[("content-type", "x")]), now), None);
    }

    #[test]
    fn ratelimit_headers_in_every_dialect() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_784_000_000);
        let secs = |s| Some(Duration::from_secs(s));
        // IETF structured form, as the mock sends it.
        assert_eq!(
            wait_hint(&h(&[("RateLimit", "\"default\";r=0;t=4")]), now),
            secs(4)
        );
        assert_eq!(
            wait_hint(&h(&[("RateLimit", "\"default\";r=3;t=4")]), now),
            None
        );
        // Two policies, one used up.
        assert_eq!(
            wait_hint(
                &h(&[("RateLimit", "\"burst\";r=5;t=1, \"day\";r=0;t=600")]),
                now
            ),
            secs(600)
        );
        // Older draft: one policy over several members.
        assert_eq!(
            wait_hint(&h(&[("RateLimit", "limit=10, remaining=0, reset=6")]), now),
            secs(6)
        );
        assert_eq!(
            wait_hint(
                &h(&[("RateLimit-Remaining", "0"), ("RateLimit-Reset", "12")]),
                now
            ),
            secs(12)
        );
        assert_eq!(
            wait_hint(
                &h(&[("RateLimit-Remaining", "2"), ("RateLimit-Reset", "12")]),
                now
            ),
            None
        );
        // X-RateLimit-Reset as seconds, as a unix time and as unix milliseconds.
        assert_eq!(
            wait_hint(
                &h(&[("X-RateLimit-Remaining", "0"), ("X-RateLimit-Reset", "3")]),
                now
            ),
            secs(3)
        );
        assert_eq!(
            wait_hint(
                &h(&[
                    ("X-RateLimit-Remaining", "0"),
                    ("X-RateLimit-Reset", "1784000020")
                ]),
                now
            ),
            secs(20)
        );
        assert_eq!(
            wait_hint(&h(&[("X-RateLimit-Reset", "1784000005000")]), now),
            secs(5)
        );
        // Retry-After wins over the rest.
        assert_eq!(
            wait_hint(
                &h(&[("X-RateLimit-Reset", "30"), ("Retry-After", "2")]),
                now
            ),
            secs(2)
        );
    }
}
