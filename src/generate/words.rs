//! Small vocabularies, so that generated strings read like data (mock users look at them).
//!
//! Danish, since the bundled specs describe Danish registers; the values carry no meaning.

use rand::Rng;

pub const NOUNS: &[&str] = &[
    "sag",
    "bo",
    "dokument",
    "kreditor",
    "skifte",
    "virksomhed",
    "person",
    "adresse",
    "anmeldelse",
    "kendelse",
    "frist",
    "bilag",
    "betaling",
    "aktiv",
    "passiv",
    "arving",
    "rettergang",
    "notat",
    "register",
    "status",
    "kvittering",
    "opgave",
    "afgørelse",
    "ejendom",
    "konto",
    "post",
    "by",
];

pub const ADJECTIVES: &[&str] = &[
    "ny",
    "aktiv",
    "afsluttet",
    "foreløbig",
    "endelig",
    "åben",
    "lukket",
    "gyldig",
    "samlet",
    "særlig",
    "almindelig",
    "offentlig",
];

pub const FIRST_NAMES: &[&str] = &[
    "Anne", "Mette", "Karen", "Søren", "Lars", "Jens", "Mads", "Freja", "Ida", "Peter", "Hanne",
    "Rasmus",
];

pub const LAST_NAMES: &[&str] = &[
    "Jensen",
    "Nielsen",
    "Hansen",
    "Pedersen",
    "Andersen",
    "Christensen",
    "Larsen",
    "Sørensen",
    "Rasmussen",
    "Jørgensen",
];

pub const DOMAINS: &[&str] = &[
    "example.dk",
    "example.com",
    "example.org",
    "test.example.dk",
];

pub fn pick<'a>(rng: &mut impl Rng, list: &[&'a str]) -> &'a str {
    list[rng.random_range(0..list.len())]
}

/// Words joined by spaces, between `min` and `max` characters (counted as characters).
pub fn text(rng: &mut impl Rng, min: usize, max: usize, target: usize) -> String {
    let target = target.clamp(min, max);
    let mut out = String::new();
    let mut len = 0;
    while len < target {
        let w = if out.is_empty() || rng.random_bool(0.6) {
            pick(rng, NOUNS)
        } else {
            pick(rng, ADJECTIVES)
        };
        if !out.is_empty() {
            out.push(' ');
            len += 1;
        }
        out.push_str(w);
        len += w.chars().count();
    }
    if len > max {
        out = out.chars().take(max).collect();
        // A cut that ends in a space would look odd and may break `pattern`s less often without it.
        while out.ends_with(' ') && out.chars().count() > min {
            out.pop();
        }
    }
    while out.chars().count() < min {
        out.push('x');
    }
    out
}

/// A property name for an object that allows names beyond its declared ones.
pub fn key(rng: &mut impl Rng, n: usize) -> String {
    format!("{}{}", pick(rng, NOUNS).replace(['å', 'ø', 'æ'], "a"), n)
}
