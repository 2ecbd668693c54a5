//! Plausible strings for the `format`s OpenAPI specs use, and the numeric ranges of OpenAPI's
//! numeric formats.
//!
//! The strings are chosen to pass the validators' format checks (RFC 3339 times with an offset,
//! ISO 8601 durations, RFC 4122 UUIDs) and to look like data a person would recognise in a mock
//! response. The Danish identifiers follow `spec::validate::is_cpr`/`is_cvr`; CVR numbers also
//! pass modulus 11, and CPR numbers carry a real date and a century digit that fits it.

use base64::Engine;
use rand::Rng;

use super::words;

/// Formats this module can produce (any other format is ignored, as the validators ignore it).
pub fn known(format: &str) -> bool {
    matches!(
        format,
        "date"
            | "date-time"
            | "time"
            | "duration"
            | "uuid"
            | "email"
            | "idn-email"
            | "uri"
            | "iri"
            | "uri-reference"
            | "iri-reference"
            | "hostname"
            | "idn-hostname"
            | "ipv4"
            | "ipv6"
            | "byte"
            | "password"
            | "cpr"
            | "cvr"
            | "json-pointer"
            | "relative-json-pointer"
            | "regex"
            | "uri-template"
    )
}

/// A string in `format`, aiming at `min..=max` characters where the format allows it.
pub fn generate(format: &str, rng: &mut impl Rng, min: usize, max: usize) -> Option<String> {
    Some(match format {
        "date" => date(rng),
        "date-time" => format!("{}T{}", date(rng), time(rng)),
        "time" => time(rng),
        "duration" => duration(rng),
        "uuid" => uuid(rng),
        "email" | "idn-email" => format!(
            "{}.{}@{}",
            words::pick(rng, words::FIRST_NAMES).to_lowercase(),
            words::pick(rng, words::LAST_NAMES).to_lowercase(),
            words::pick(rng, words::DOMAINS)
        ),
        "uri" | "iri" => format!("https://{}/{}", words::pick(rng, words::DOMAINS), path(rng)),
        "uri-reference" | "iri-reference" => format!("/{}", path(rng)),
        "hostname" | "idn-hostname" => format!(
            "{}.{}",
            words::pick(rng, words::NOUNS),
            words::pick(rng, words::DOMAINS)
        ),
        "ipv4" => format!(
            "{}.{}.{}.{}",
            rng.random_range(1..=223u8),
            rng.random::<u8>(),
            rng.random::<u8>(),
            rng.random_range(1..=254u8)
        ),
        "ipv6" => {
            let groups: Vec<String> = (0..8)
                .map(|i| {
                    if i == 0 {
                        "2001".to_string()
                    } else if i == 1 {
                        "db8".to_string()
                    } else {
                        format!("{:x}", rng.random::<u16>())
                    }
                })
                .collect();
            groups.join(":")
        }
        "byte" => {
            // Base64 length is 4 per 3 bytes: pick the byte count that lands inside the bounds.
            let lo = min.div_ceil(4) * 3;
            let hi = (max / 4) * 3;
            if lo > hi {
                return None;
            }
            let n = rng.random_range(lo..=hi.min(lo.max(12) + 12));
            let bytes: Vec<u8> = (0..n).map(|_| rng.random()).collect();
            base64::engine::general_purpose::STANDARD.encode(bytes)
        }
        "password" => {
            let lo = min.max(12).min(max);
            let n = rng.random_range(lo..=max.min(lo + 8).max(lo));
            const SET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789!#%+";
            (0..n)
                .map(|_| SET[rng.random_range(0..SET.len())] as char)
                .collect()
        }
        "cpr" => cpr(rng),
        "cvr" => cvr(rng),
        "json-pointer" => format!("/{}", path(rng)),
        "relative-json-pointer" => format!("0/{}", words::pick(rng, words::NOUNS)),
        "regex" => "^[a-z]+$".to_string(),
        "uri-template" => format!(
            "https://{}/{}/{{id}}",
            words::pick(rng, words::DOMAINS),
            words::pick(rng, words::NOUNS)
        ),
        _ => return None,
    })
}

/// Inclusive integer range of an OpenAPI integer format.
pub fn integer_range(format: &str) -> Option<(f64, f64)> {
    match format {
        "int32" => Some((i32::MIN as f64, i32::MAX as f64)),
        "int64" => Some((i64::MIN as f64, i64::MAX as f64)),
        "int8" => Some((i8::MIN as f64, i8::MAX as f64)),
        "int16" => Some((i16::MIN as f64, i16::MAX as f64)),
        "uint8" => Some((0.0, u8::MAX as f64)),
        "uint16" => Some((0.0, u16::MAX as f64)),
        "uint32" => Some((0.0, u32::MAX as f64)),
        "uint64" => Some((0.0, u64::MAX as f64)),
        "float" => Some((f32::MIN as f64, f32::MAX as f64)),
        _ => None,
    }
}

fn days_in(month: u32, year: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        _ => 28,
    }
}

fn date(rng: &mut impl Rng) -> String {
    let year = rng.random_range(1990..=2030u32);
    let month = rng.random_range(1..=12u32);
    let day = rng.random_range(1..=days_in(month, year));
    format!("{year:04}-{month:02}-{day:02}")
}

fn time(rng: &mut impl Rng) -> String {
    let (h, m, s) = (
        rng.random_range(0..24u32),
        rng.random_range(0..60u32),
        rng.random_range(0..60u32),
    );
    if rng.random_bool(0.5) {
        format!("{h:02}:{m:02}:{s:02}Z")
    } else {
        format!("{h:02}:{m:02}:{s:02}+01:00")
    }
}

fn duration(rng: &mut impl Rng) -> String {
    match rng.random_range(0..4u8) {
        0 => format!("P{}D", rng.random_range(1..=90u32)),
        1 => format!(
            "PT{}H{}M",
            rng.random_range(0..24u32),
            rng.random_range(1..60u32)
        ),
        2 => format!("P{}M", rng.random_range(1..=12u32)),
        _ => format!("P{}W", rng.random_range(1..=10u32)),
    }
}

fn uuid(rng: &mut impl Rng) -> String {
    let mut b: [u8; 16] = rng.random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

fn path(rng: &mut impl Rng) -> String {
    let n = rng.random_range(1..=3);
    (0..n)
        .map(|_| words::pick(rng, words::NOUNS))
        .collect::<Vec<_>>()
        .join("/")
}

/// A CPR number `DDMMYYSSSS` with a real date; the 7th digit matches the century
/// (0–3: 1900–1999; 4 and 9: 2000–2036 for years 00–36) as CPR-kontoret assigns them.
fn cpr(rng: &mut impl Rng) -> String {
    let year = rng.random_range(1940..=2020u32);
    let month = rng.random_range(1..=12u32);
    let day = rng.random_range(1..=days_in(month, year));
    let century_digit = if year < 2000 {
        rng.random_range(0..=3u32)
    } else if rng.random_bool(0.5) {
        4
    } else {
        9
    };
    format!(
        "{day:02}{month:02}{:02}{century_digit}{:03}",
        year % 100,
        rng.random_range(0..1000u32)
    )
}

/// A CVR number that passes modulus 11 (weights 2,7,6,5,4,3,2,1).
fn cvr(rng: &mut impl Rng) -> String {
    const WEIGHTS: [u32; 7] = [2, 7, 6, 5, 4, 3, 2];
    loop {
        let mut digits = [0u32; 7];
        digits[0] = rng.random_range(1..=9);
        for d in digits.iter_mut().skip(1) {
            *d = rng.random_range(0..=9);
        }
        let sum: u32 = digits.iter().zip(WEIGHTS).map(|(d, w)| d * w).sum();
        let check = (11 - sum % 11) % 11;
        if check < 10 {
            let mut s: String = digits.iter().map(|d| char::from(b'0' + *d as u8)).collect();
            s.push(char::from(b'0' + check as u8));
            return s;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::validate::{cvr_mod11, is_cpr};
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn danish_identifiers_pass_the_validators_rules() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for _ in 0..500 {
            let c = cvr(&mut rng);
            assert!(cvr_mod11(&c), "{c}");
            let p = cpr(&mut rng);
            assert!(is_cpr(&p), "{p}");
        }
    }

    #[test]
    fn base64_lengths_fit_bounds() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for (min, max) in [(0, 100), (8, 8), (10, 20)] {
            let s = generate("byte", &mut rng, min, max).unwrap();
            assert!(s.len() >= min && s.len() <= max, "{s}");
        }
        assert!(generate("byte", &mut rng, 5, 7).is_none());
    }
}
