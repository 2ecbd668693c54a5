//! Sharding: `--partition hash:K/N` or `count:K/N` makes this run shard K of N, so a large run
//! can be split across CI runners and the shards' JSON reports merged afterwards
//! (`kontrakt report merge`).
//!
//! Every shard computes the same cases from the same seed and keeps only its own: with `hash`
//! a case belongs to shard `fnv1a(operation id, replay key) % N` (stable across runs, machines
//! and filters: adding an operation moves no other operation's cases), with `count` the run's
//! cases are dealt round-robin in their deterministic order (even shard sizes, but the split
//! moves when the selection changes). Stateful chains and scenarios depend on their own earlier
//! steps, so each goes whole to one shard, by the same rule over its name.
//!
//! The rate limit is the target's, shared by all shards running at once: each shard takes
//! `1/N` of it ([`split_rate`]).

use std::fmt;
use std::str::FromStr;

use super::limiter::RateSpec;
use crate::report::model::{Partition, PartitionKind};

/// Why a `--partition` value was refused; the message says what is expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "--partition `{text}`: {reason} (expected hash:K/N or count:K/N with 1 <= K <= N, e.g. hash:1/3)"
)]
pub struct PartitionError {
    pub text: String,
    pub reason: String,
}

/// The parsed `--partition`: which shard this run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard(pub Partition);

impl FromStr for Shard {
    type Err = PartitionError;

    fn from_str(text: &str) -> Result<Shard, PartitionError> {
        let err = |reason: &str| PartitionError {
            text: text.to_string(),
            reason: reason.to_string(),
        };
        let (kind, rest) = text.split_once(':').ok_or_else(|| err("no `:`"))?;
        let kind = match kind.trim().to_ascii_lowercase().as_str() {
            "hash" => PartitionKind::Hash,
            "count" => PartitionKind::Count,
            _ => return Err(err("the kind must be `hash` or `count`")),
        };
        let (k, n) = rest.split_once('/').ok_or_else(|| err("no `/`"))?;
        let number = |s: &str, what: &str| {
            s.trim()
                .parse::<u32>()
                .map_err(|_| err(&format!("{what} is not a whole number")))
        };
        let (index, count) = (number(k, "K")?, number(n, "N")?);
        if count == 0 {
            return Err(err("N must be at least 1"));
        }
        if index == 0 || index > count {
            return Err(err(&format!("K must be between 1 and {count}")));
        }
        Ok(Shard(Partition { kind, index, count }))
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.0.kind {
            PartitionKind::Hash => "hash",
            PartitionKind::Count => "count",
        };
        write!(f, "{kind}:{}/{}", self.0.index, self.0.count)
    }
}

impl Shard {
    /// Whether the item named `key`, the `position`th of its list (0-based, in the run's
    /// deterministic order), belongs to this shard.
    pub fn owns(&self, key: &str, position: usize) -> bool {
        let p = self.0;
        let n = u64::from(p.count);
        let slot = match p.kind {
            PartitionKind::Hash => fnv1a(key.as_bytes()) % n,
            PartitionKind::Count => position as u64 % n,
        };
        slot == u64::from(p.index - 1)
    }
}

/// Whether `partition` (none: the whole run) owns an item; see [`Shard::owns`].
pub fn owns(partition: Option<Partition>, key: &str, position: usize) -> bool {
    partition.is_none_or(|p| Shard(p).owns(key, position))
}

/// The key a generated case is sharded by: its operation's id and its replay key.
pub fn case_key(operation: &str, replay_key: &str) -> String {
    format!("{operation}\u{0}{replay_key}")
}

/// 64-bit FNV-1a: small, stable across platforms and Rust versions (std's hasher is
/// randomised per process, so it cannot decide shards that run on different machines).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// One shard's part of a rate shared by `count` shards: the sustained rate divided, and the
/// burst divided (rounded down, at least 1).
pub fn split_rate(rate: RateSpec, count: u32) -> RateSpec {
    let n = count.max(1);
    RateSpec {
        per_second: rate.per_second / f64::from(n),
        burst: (rate.burst / n).max(1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_refuses_partitions() {
        let s: Shard = "hash:2/3".parse().unwrap();
        assert_eq!(
            s.0,
            Partition {
                kind: PartitionKind::Hash,
                index: 2,
                count: 3
            }
        );
        assert_eq!(s.to_string(), "hash:2/3");
        assert_eq!(
            "count:1/1".parse::<Shard>().unwrap().to_string(),
            "count:1/1"
        );
        for (bad, why) in [
            ("hash:0/3", "K must be between 1 and 3"),
            ("hash:4/3", "K must be between 1 and 3"),
            ("hash:1/0", "N must be at least 1"),
            ("modulo:1/3", "the kind must be"),
            ("hash:1-3", "no `/`"),
            ("1/3", "no `:`"),
            ("hash:a/3", "K is not a whole number"),
            ("hash:-1/3", "K is not a whole number"),
        ] {
            let e = bad.parse::<Shard>().unwrap_err().to_string();
            assert!(e.contains(why) && e.contains(bad), "{bad}: {e}");
        }
    }

    #[test]
    fn every_item_goes_to_exactly_one_shard() {
        for kind in ["hash", "count"] {
            let shards: Vec<Shard> = (1..=3)
                .map(|k| format!("{kind}:{k}/3").parse().unwrap())
                .collect();
            let mut sizes = [0usize; 3];
            for i in 0..300 {
                let key = case_key("person-1.1.0::hentPerson", &format!("p{i}:1"));
                let owners: Vec<usize> = (0..3).filter(|&s| shards[s].owns(&key, i)).collect();
                assert_eq!(owners.len(), 1, "{kind} {key}");
                sizes[owners[0]] += 1;
            }
            // Neither rule leaves a shard nearly empty.
            assert!(sizes.iter().all(|&n| n > 70), "{kind}: {sizes:?}");
        }
        assert!(owns(None, "x", 7));
    }

    #[test]
    fn the_hash_is_stable() {
        // FNV-1a's published test vectors: the split must not change between versions.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn rates_split_across_shards() {
        let r: RateSpec = "30/s,burst=5".parse().unwrap();
        let s = split_rate(r, 3);
        assert_eq!(s.per_second, 10.0);
        assert_eq!(s.burst, 1);
        let r: RateSpec = "600/min,burst=9".parse().unwrap();
        let s = split_rate(r, 3);
        assert!((s.per_second - 10.0 / 3.0).abs() < 1e-9);
        assert_eq!(s.burst, 3);
    }
}
