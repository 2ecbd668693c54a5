//! The consumer changelog (`--format changelog [--lang da|en]`): what changed for the vendors
//! that integrate with the services, and what each of them must do, by when.
//!
//! The Markdown output speaks to the programme's reviewers (rule ids, positions, the notice
//! arithmetic); this one speaks to a vendor's developer. It is grouped by service and operation,
//! says in plain words what changed and what the client must do, and gives the date from which
//! the change applies. Vendors of Skifteportalen work in Danish, so it also comes in Danish; the
//! Danish wording uses the specs' own terms (anmodning, svar, felt, varslingsperiode, udfaset).

use std::fmt::Write as _;

use super::delta::{Delta, Direction, Kind};
use super::policy::Change;
use super::rule::Level;
use super::run::Report;
use crate::cli::Lang;

/// The fixed phrases of one language.
struct Words {
    title: &'static str,
    published: &'static str,
    effective_from: &'static str,
    unrelated: &'static str,
    nothing: &'static str,
    whole_api: &'static str,
    breaking: &'static str,
    other: &'static str,
    todo: &'static str,
    by: &'static str,
    too_early: &'static str,
    waived: &'static str,
    notes: &'static str,
}

const EN: Words = Words {
    title: "Changelog",
    published: "Published",
    effective_from: "in effect from",
    unrelated: "The two versions have nothing in common; they were not compared.",
    nothing: "No changes.",
    whole_api: "The whole API",
    breaking: "Breaking",
    other: "Also changed",
    todo: "What to do",
    by: "From",
    too_early: "the notice period is not respected; the earliest allowed date is",
    waived: "accepted by the programme until",
    notes: "Notes",
};

const DA: Words = Words {
    title: "Ændringslog",
    published: "Offentliggjort",
    effective_from: "gælder fra",
    unrelated: "De to versioner har intet til fælles og er ikke sammenlignet.",
    nothing: "Ingen ændringer.",
    whole_api: "Hele API'et",
    breaking: "Ikke bagudkompatibel",
    other: "Øvrige ændringer",
    todo: "Det skal I gøre",
    by: "Fra",
    too_early: "varslingsperioden er ikke overholdt; tidligst tilladte dato er",
    waived: "accepteret af programmet indtil",
    notes: "Bemærkninger",
};

/// The changelog in `lang`, as Markdown.
pub fn changelog(report: &Report, lang: Lang) -> String {
    let w = match lang {
        Lang::En => &EN,
        Lang::Da => &DA,
    };
    let mut out = format!("# {}\n", w.title);
    for c in &report.comparisons {
        let _ = writeln!(
            out,
            "\n## {} {} → {}\n",
            c.service,
            dash(&c.old_version),
            dash(&c.new_version)
        );
        if let Some(r) = &c.release {
            let _ = writeln!(
                out,
                "{} {}, {} **{}**.\n",
                w.published, r.new_published, w.effective_from, r.new_effective
            );
        }
        if c.unrelated {
            let _ = writeln!(out, "{}", w.unrelated);
            continue;
        }
        if c.changes.is_empty() {
            let _ = writeln!(out, "{}", w.nothing);
            continue;
        }
        let mut ops: Vec<Option<&str>> = Vec::new();
        for ch in &c.changes {
            if !ops.contains(&ch.operation.as_deref()) {
                ops.push(ch.operation.as_deref());
            }
        }
        for op in ops {
            let _ = writeln!(
                out,
                "### {}\n",
                op.map_or(w.whole_api.to_string(), |o| format!("`{o}`"))
            );
            let changes: Vec<&Change> = c
                .changes
                .iter()
                .filter(|ch| ch.operation.as_deref() == op)
                .collect();
            let (breaking, other): (Vec<&Change>, Vec<&Change>) =
                changes.iter().partition(|ch| ch.level >= Level::Warning);
            for ch in breaking {
                let _ = writeln!(
                    out,
                    "- **{}:** {}\n  - {}: {}",
                    w.breaking,
                    what(ch, lang),
                    w.todo,
                    todo(&ch.delta, ch.direction, ch.level, lang)
                );
                if let Some(v) = &ch.verdict {
                    let mut when = format!("  - {}: {}", w.by, v.effective);
                    if !v.allowed {
                        let _ = write!(when, " ({} {})", w.too_early, v.earliest);
                    }
                    let _ = writeln!(out, "{when}");
                }
                if let Some(wv) = &ch.waiver {
                    let _ = writeln!(out, "  - {} {}: {}", w.waived, wv.expires, wv.reason);
                }
            }
            if !other.is_empty() {
                let _ = writeln!(out, "- {}:", w.other);
                for ch in other {
                    let _ = writeln!(
                        out,
                        "  - {} ({})",
                        what(ch, lang),
                        todo(&ch.delta, ch.direction, ch.level, lang)
                    );
                }
            }
            out.push('\n');
        }
    }
    let notes: Vec<&String> = super::render::all_notes(report).collect();
    if !notes.is_empty() {
        let _ = writeln!(out, "## {}\n", w.notes);
        for n in notes {
            let _ = writeln!(out, "- {n}");
        }
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

fn dash(s: &str) -> &str {
    if s.is_empty() { "—" } else { s }
}

/// What changed, in plain words.
fn what(ch: &Change, lang: Lang) -> String {
    match lang {
        Lang::En => ch.message.clone(),
        Lang::Da => describe_da(&ch.delta),
    }
}

/// The subject in Danish: the leading words of the English subject, translated.
fn subject_da(subject: &str) -> String {
    const WORDS: &[(&str, &str)] = &[
        ("request body", "anmodningens indhold"),
        ("response header", "svar-headeren"),
        ("header parameter", "header-parameteren"),
        ("query parameter", "query-parameteren"),
        ("path parameter", "sti-parameteren"),
        ("cookie parameter", "cookie-parameteren"),
        ("responses", "svarene"),
        ("response", "svar"),
        ("property", "feltet"),
        ("path", "stien"),
        ("operation", "operationen"),
        ("security", "sikkerhed"),
        ("servers", "servere"),
    ];
    let mut out = String::with_capacity(subject.len());
    let mut rest = subject;
    'outer: while !rest.is_empty() {
        // Never translate inside backticks: names stay as written.
        if let Some(r) = rest.strip_prefix('`') {
            let end = r.find('`').map_or(r.len(), |i| i + 1);
            out.push('`');
            out.push_str(&r[..end]);
            rest = &r[end..];
            continue;
        }
        for (en, da) in WORDS {
            if let Some(r) = rest.strip_prefix(en) {
                out.push_str(da);
                rest = r;
                continue 'outer;
            }
        }
        let c = rest.chars().next().unwrap_or(' ');
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// The Danish counterpart of [`Delta::describe`].
pub fn describe_da(d: &Delta) -> String {
    let (old, new) = d.values();
    let req = |r: bool| if r { "påkrævet" } else { "valgfri" };
    let what = match d.kind {
        Kind::PathAdded => "stien er tilføjet".to_string(),
        Kind::PathRemoved => "stien er fjernet".to_string(),
        Kind::OperationAdded => "operationen er tilføjet".to_string(),
        Kind::OperationRemoved => "operationen er fjernet".to_string(),
        Kind::OperationIdChanged => format!("operationId er ændret fra `{old}` til `{new}`"),
        Kind::DeprecatedChanged if d.turned_on() => "er nu udfaset (deprecated)".to_string(),
        Kind::DeprecatedChanged => "er ikke længere udfaset".to_string(),
        Kind::SunsetChanged => {
            format!("udfasningsdatoen (`x-sunset`) er ændret fra {old} til {new}")
        }
        Kind::ParameterAdded | Kind::HeaderAdded | Kind::RequestBodyAdded => {
            format!("er tilføjet ({})", req(d.flags.required))
        }
        Kind::ParameterRemoved | Kind::HeaderRemoved | Kind::RequestBodyRemoved => {
            format!("er fjernet (var {})", req(d.flags.required))
        }
        Kind::ParameterRequiredChanged
        | Kind::HeaderRequiredChanged
        | Kind::RequestBodyRequiredChanged => {
            if d.turned_on() {
                "er nu påkrævet".to_string()
            } else {
                "er nu valgfri".to_string()
            }
        }
        Kind::ParameterStyleChanged => format!("`style` er ændret fra {old} til {new}"),
        Kind::ParameterExplodeChanged => format!("`explode` er ændret fra {old} til {new}"),
        Kind::MediaTypeAdded => format!("medietypen `{new}` er tilføjet"),
        Kind::MediaTypeRemoved => format!("medietypen `{old}` er fjernet"),
        Kind::ResponseAdded => format!("svaret `{new}` er tilføjet"),
        Kind::ResponseRemoved => format!("svaret `{old}` er fjernet"),
        Kind::SecurityRequirementAdded => format!("sikkerhedskravet {new} er tilføjet"),
        Kind::SecurityRequirementRemoved => format!("sikkerhedskravet {old} er fjernet"),
        Kind::SecurityScopeAdded => format!("scopet `{new}` er tilføjet"),
        Kind::SecurityScopeRemoved => format!("scopet `{old}` er fjernet"),
        Kind::SecuritySchemeTypeChanged => {
            format!("sikkerhedsskemaets type er ændret fra {old} til {new}")
        }
        Kind::SecurityTokenUrlChanged => format!("token-URL'en er ændret fra {old} til {new}"),
        Kind::ServerAdded => format!("serveren `{new}` er tilføjet"),
        Kind::ServerRemoved => format!("serveren `{old}` er fjernet"),
        Kind::ServerVersioned => {
            format!("serveren `{old}` er flyttet til den nye hovedversions sti `{new}`")
        }
        Kind::VersionChanged => return format!("info.version er ændret fra {old} til {new}"),
        Kind::TypeChanged => format!("typen er ændret fra {old} til {new}"),
        Kind::FormatChanged => format!("formatet er ændret fra {old} til {new}"),
        Kind::NullableChanged if d.turned_on() => "kan nu være null".to_string(),
        Kind::NullableChanged => "kan ikke længere være null".to_string(),
        Kind::EnumValueAdded => format!("den tilladte værdi {new} er tilføjet"),
        Kind::EnumValueRemoved => format!("den tilladte værdi {old} er fjernet"),
        Kind::EnumIntroduced => format!("værdierne er nu begrænset til {new}"),
        Kind::EnumDropped => format!("værdierne er ikke længere begrænset til {old}"),
        Kind::ConstChanged => format!("den faste værdi er ændret fra {old} til {new}"),
        Kind::Bound(b) => format!("{} er ændret fra {old} til {new}", b.keyword()),
        Kind::MultipleOfChanged => format!("multipleOf er ændret fra {old} til {new}"),
        Kind::UniqueItemsChanged => format!("uniqueItems er ændret fra {old} til {new}"),
        Kind::PatternChanged => format!("mønsteret (pattern) er ændret fra {old} til {new}"),
        Kind::DefaultChanged => format!("standardværdien er ændret fra {old} til {new}"),
        Kind::PropertyAdded => format!("feltet er tilføjet ({})", req(d.flags.required)),
        Kind::PropertyRemoved => format!("feltet er fjernet (var {})", req(d.flags.required)),
        Kind::PropertyBecameRequired => "feltet er nu påkrævet".to_string(),
        Kind::PropertyBecameOptional => "feltet er nu valgfrit".to_string(),
        Kind::ReadOnlyChanged => format!("readOnly er ændret fra {old} til {new}"),
        Kind::WriteOnlyChanged => format!("writeOnly er ændret fra {old} til {new}"),
        Kind::AdditionalPropertiesClosed => "ukendte felter afvises nu".to_string(),
        Kind::AdditionalPropertiesOpened => "ukendte felter tillades nu".to_string(),
        Kind::VariantAdded => format!("alternativet {new} er tilføjet"),
        Kind::VariantRemoved => format!("alternativet {old} er fjernet"),
        Kind::DiscriminatorChanged => {
            format!("discriminator-feltet er ændret fra {old} til {new}")
        }
    };
    format!("{}: {what}", subject_da(&d.subject))
}

/// What a client must do about a change, in `lang`.
fn todo(d: &Delta, direction: Direction, level: Level, lang: Lang) -> String {
    let (en, da): (&str, &str) = match (d.kind, direction) {
        _ if level == Level::Info => match d.kind {
            Kind::DeprecatedChanged if d.turned_on() => (
                "plan the move away before the sunset date",
                "planlæg at flytte væk inden udfasningsdatoen",
            ),
            Kind::PathAdded
            | Kind::OperationAdded
            | Kind::ParameterAdded
            | Kind::HeaderAdded
            | Kind::RequestBodyAdded
            | Kind::MediaTypeAdded
            | Kind::ResponseAdded
            | Kind::PropertyAdded
            | Kind::ServerAdded => (
                "nothing; you may start using it",
                "intet; I kan tage det i brug",
            ),
            _ => ("nothing", "intet"),
        },
        (Kind::PathRemoved | Kind::OperationRemoved, _) => (
            "stop calling it; use its replacement",
            "stop med at kalde den; brug erstatningen",
        ),
        (
            Kind::ParameterAdded
            | Kind::ParameterRequiredChanged
            | Kind::HeaderAdded
            | Kind::HeaderRequiredChanged
            | Kind::RequestBodyAdded
            | Kind::RequestBodyRequiredChanged
            | Kind::PropertyAdded
            | Kind::PropertyBecameRequired,
            Direction::Request,
        ) => ("send it in every request", "send det i hver anmodning"),
        (Kind::EnumValueRemoved | Kind::VariantRemoved, Direction::Request) => (
            "stop sending the removed value",
            "send ikke længere den fjernede værdi",
        ),
        (Kind::MediaTypeRemoved, Direction::Request) => (
            "send one of the remaining media types",
            "send en af de tilbageværende medietyper",
        ),
        (Kind::ParameterRemoved | Kind::PropertyRemoved, Direction::Request) => {
            ("stop sending it", "send det ikke længere")
        }
        (_, Direction::Request) => (
            "make sure what you send meets the new constraint",
            "sørg for, at det I sender, overholder den nye begrænsning",
        ),
        (Kind::EnumValueAdded | Kind::EnumDropped | Kind::VariantAdded, Direction::Response) => (
            "handle the new value, and unknown values in general",
            "håndtér den nye værdi og ukendte værdier generelt",
        ),
        (
            Kind::PropertyRemoved
            | Kind::PropertyBecameOptional
            | Kind::NullableChanged
            | Kind::HeaderRemoved,
            Direction::Response,
        ) => (
            "cope with the value being absent or null",
            "håndtér, at værdien mangler eller er null",
        ),
        (Kind::ResponseRemoved | Kind::MediaTypeRemoved, Direction::Response) => (
            "stop relying on the removed response",
            "stol ikke længere på det fjernede svar",
        ),
        (_, Direction::Response) => (
            "update how you read the response",
            "ret jeres indlæsning af svaret",
        ),
        (
            Kind::SecurityRequirementAdded
            | Kind::SecurityScopeAdded
            | Kind::SecuritySchemeTypeChanged
            | Kind::SecurityTokenUrlChanged,
            _,
        ) => (
            "obtain a token with the new scope or credentials",
            "hent et token med det nye scope eller de nye oplysninger",
        ),
        (Kind::ServerRemoved | Kind::ServerVersioned, _) => {
            ("call the new server address", "kald den nye serveradresse")
        }
        _ => (
            "check your integration against the new version",
            "kontrollér jeres integration mod den nye version",
        ),
    };
    match lang {
        Lang::En => en.to_string(),
        Lang::Da => da.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn danish_subjects_keep_names() {
        assert_eq!(
            subject_da("response 200 (application/json) property `response.path`"),
            "svar 200 (application/json) feltet `response.path`"
        );
        assert_eq!(
            subject_da("header parameter `If-Match`"),
            "header-parameteren `If-Match`"
        );
    }
}
