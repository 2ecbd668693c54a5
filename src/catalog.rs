//! The spec catalog (`specs/catalog.yaml`): which services exist, their versions and notice periods.
//!
//! A spec file says what an API looks like, but not when that version was published, whether it
//! is still in production, or how much notice its users were promised before it may break. The
//! diff verb needs exactly that to judge a breaking change, so the catalog records it beside the
//! files. Two things keep the record honest: [`load`] turns the YAML into typed values and refuses
//! anything it does not understand (a misspelt field must not silently drop a notice period),
//! and [`verify`] checks that the catalog and the spec files on disk agree. Every error points
//! at a file, line and column, because a catalog is edited by hand.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::path::{Component, Path, PathBuf};
use std::str::FromStr;

use serde_json::{Map, Value};

use crate::spec::load::absolute;
use crate::spec::parse::{Limits, parse_yaml};
use crate::spec::pointer;
use crate::spec::source::{Anchor, Format, Position, SourceFile};

/// The only catalog format there is. A new format gets a new number, so an old kontrakt refuses
/// a newer catalog instead of misreading it.
pub const SUPPORTED_CATALOG_VERSION: u32 = 1;

// ---------------------------------------------------------------------------------------------
// The model
// ---------------------------------------------------------------------------------------------

/// A loaded and validated catalog.
pub struct Catalog {
    pub catalog_version: u32,
    /// Shared component files that services reference but that are not services themselves.
    pub common: Vec<CommonFile>,
    pub services: Vec<Service>,
    /// Kept so that [`verify`] and later verbs can point into the catalog.
    source: SourceFile,
}

/// A shared component file (`common:` in the catalog).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommonFile {
    /// Relative to the catalog's folder.
    pub file: PathBuf,
    pub version: String,
    /// Where the entry sits in the catalog (a JSON pointer; see [`Catalog::position`]).
    pub pointer: String,
}

/// One API and its version history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    /// Also the name of the service's folder.
    pub id: String,
    /// Equal to `info.title` in every version's file.
    pub title: String,
    pub description: String,
    /// Ordered by `published`, oldest first (checked by [`load`]); never empty.
    pub versions: Vec<ServiceVersion>,
    pub pointer: String,
}

/// One published version of a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceVersion {
    /// `MAJOR.MINOR.PATCH`, equal to the file's `info.version`.
    pub version: String,
    /// Relative to the catalog's folder; its first component is the service id.
    pub file: PathBuf,
    /// Equal to the file's `openapi` field.
    pub openapi: String,
    /// The lifecycle status today, not at publication.
    pub status: Status,
    pub published: Date,
    /// When the version takes (or took) effect; never before `published`.
    pub effective: Date,
    pub stability: Stability,
    /// How many days of notice users of this version are promised before a breaking change.
    pub notice_period_days: u32,
    pub notes: Option<String>,
    /// Breaking changes of later versions that this version announced outside its spec file
    /// (in release notes or a letter to vendors), so the notice period runs from `announced`.
    pub announcements: Vec<Announcement>,
    pub pointer: String,
}

/// A breaking change announced before the version that makes it, outside the spec (a spec can
/// deprecate what it removes, but it cannot say "this header becomes required").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announcement {
    /// The `kontrakt diff` rule the change fires (e.g. `request-parameter-became-required`).
    pub rule: String,
    /// Text that the change's subject contains (e.g. `If-Match`); absent matches any subject.
    pub subject: Option<String>,
    /// Text that the change's operation contains (e.g. `PUT `); absent matches any operation.
    pub operation: Option<String>,
    /// When it was announced: the announcing version's publication unless given.
    pub announced: Date,
}

/// A version's lifecycle status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Draft,
    Pilot,
    Production,
    Retired,
}

/// How settled a version's contract is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stability {
    Experimental,
    Beta,
    Stable,
}

/// The closed set of words a catalog enum accepts, so errors can list them.
trait Choice: Sized + Copy + 'static {
    const ALL: &'static [Self];
    const NAMES: &'static [&'static str];
    fn name(self) -> &'static str;

    fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.name() == name)
    }
}

impl Choice for Status {
    const ALL: &'static [Self] = &[
        Status::Draft,
        Status::Pilot,
        Status::Production,
        Status::Retired,
    ];
    const NAMES: &'static [&'static str] = &["draft", "pilot", "production", "retired"];
    fn name(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Pilot => "pilot",
            Status::Production => "production",
            Status::Retired => "retired",
        }
    }
}

impl Choice for Stability {
    const ALL: &'static [Self] = &[Stability::Experimental, Stability::Beta, Stability::Stable];
    const NAMES: &'static [&'static str] = &["experimental", "beta", "stable"];
    fn name(self) -> &'static str {
        match self {
            Stability::Experimental => "experimental",
            Stability::Beta => "beta",
            Stability::Stable => "stable",
        }
    }
}

impl Status {
    /// The word used in the catalog.
    pub fn as_str(self) -> &'static str {
        self.name()
    }
}

impl Stability {
    /// The word used in the catalog.
    pub fn as_str(self) -> &'static str {
        self.name()
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Display for Stability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A notice period running from an announcement: a breaking change announced (deprecated, or
/// published in a version) on `from` may take effect `days` days later at the earliest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoticePeriod {
    /// The day the notice starts running: the publication of the first version that announced
    /// the change (for a version's own promise, its publication).
    pub from: Date,
    pub days: u32,
}

impl NoticePeriod {
    /// The first day on which the announced breaking change may take effect.
    pub fn ends(&self) -> Date {
        self.from.add_days(i64::from(self.days))
    }

    /// Whether a breaking change taking effect on `effective` (the new version's effective date)
    /// was announced at least the notice period before.
    pub fn respected_by(&self, effective: Date) -> bool {
        self.from.days_between(effective) >= i64::from(self.days)
    }
}

impl Catalog {
    /// The service with this id.
    pub fn service(&self, id: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.id == id)
    }

    /// The service and version whose file is `file` (relative to the catalog's folder), so a
    /// diff given two file paths can find their notice periods.
    pub fn version_of_file(&self, file: &Path) -> Option<(&Service, &ServiceVersion)> {
        let wanted = normalize_relative(file)?;
        self.services
            .iter()
            .find_map(|s| s.versions.iter().find(|v| v.file == wanted).map(|v| (s, v)))
    }

    /// The catalog file as it was named to [`load`].
    pub fn path(&self) -> &Path {
        &self.source.path
    }

    /// Where a catalog pointer (such as an entry's `pointer`, or that plus `/published`) is.
    pub fn position(&self, ptr: &str) -> Position {
        self.source.position(ptr, Anchor::Key)
    }
}

impl fmt::Debug for Catalog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The source text and position table would drown everything else.
        f.debug_struct("Catalog")
            .field("path", &self.source.path)
            .field("catalog_version", &self.catalog_version)
            .field("common", &self.common)
            .field("services", &self.services)
            .finish_non_exhaustive()
    }
}

impl Service {
    /// The most recently published version.
    pub fn latest(&self) -> Option<&ServiceVersion> {
        self.versions.last()
    }

    /// The version with this exact version string.
    pub fn version(&self, version: &str) -> Option<&ServiceVersion> {
        self.versions.iter().find(|v| v.version == version)
    }

    /// The version published just before `version`, whose notice period governs it.
    pub fn predecessor(&self, version: &str) -> Option<&ServiceVersion> {
        let i = self.versions.iter().position(|v| v.version == version)?;
        i.checked_sub(1).map(|p| &self.versions[p])
    }
}

impl ServiceVersion {
    /// The notice this version promises before a breaking change.
    pub fn notice_period(&self) -> NoticePeriod {
        NoticePeriod {
            from: self.published,
            days: self.notice_period_days,
        }
    }

    /// The version number, parsed (always `Some` for a version from [`load`], which checks it).
    pub fn semver(&self) -> Option<Semver> {
        self.version.parse().ok()
    }
}

// ---------------------------------------------------------------------------------------------
// Date and Semver
// ---------------------------------------------------------------------------------------------

/// A calendar date (proleptic Gregorian), the only kind of time a catalog holds.
///
/// Fields are private so that every `Date` is a real day; the derived order is chronological
/// because the fields are compared year, then month, then day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

/// Why a text is not a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("expected YYYY-MM-DD")]
    Format,
    #[error("month {0} does not exist")]
    Month(u8),
    #[error("{year:04}-{month:02} has {max} days, so day {day} does not exist")]
    Day {
        year: u16,
        month: u8,
        day: u8,
        max: u8,
    },
}

impl Date {
    /// A date, if it exists in the calendar.
    pub fn new(year: u16, month: u8, day: u8) -> Result<Date, DateError> {
        if !(1..=12).contains(&month) {
            return Err(DateError::Month(month));
        }
        let max = days_in_month(year, month);
        if !(1..=max).contains(&day) {
            return Err(DateError::Day {
                year,
                month,
                day,
                max,
            });
        }
        Ok(Date { year, month, day })
    }

    pub fn year(self) -> u16 {
        self.year
    }

    pub fn month(self) -> u8 {
        self.month
    }

    pub fn day(self) -> u8 {
        self.day
    }

    /// Days from `self` to `later`: positive when `later` is after `self`.
    pub fn days_between(self, later: Date) -> i64 {
        later.day_number() - self.day_number()
    }

    /// The date `days` days later (earlier when negative). Saturates at 0000-01-01 and
    /// 9999-12-31, far outside any date a catalog holds.
    pub fn add_days(self, days: i64) -> Date {
        let n = self.day_number().saturating_add(days);
        let lo = Date {
            year: 0,
            month: 1,
            day: 1,
        };
        let hi = Date {
            year: 9999,
            month: 12,
            day: 31,
        };
        if n <= lo.day_number() {
            lo
        } else if n >= hi.day_number() {
            hi
        } else {
            Date::from_day_number(n)
        }
    }

    /// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`), which turns date arithmetic
    /// into integer arithmetic without a calendar library.
    fn day_number(self) -> i64 {
        let m = i64::from(self.month);
        let y = i64::from(self.year) - i64::from(m <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The inverse of [`Date::day_number`], for numbers inside 0000-01-01..=9999-12-31.
    fn from_day_number(n: i64) -> Date {
        let z = n + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        // In range by the caller's contract, so the narrowing cannot truncate.
        Date {
            year: year as u16,
            month: month as u8,
            day: day as u8,
        }
    }
}

fn is_leap_year(year: u16) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl FromStr for Date {
    type Err = DateError;

    /// Exactly `YYYY-MM-DD`: the form the catalog uses, with no times or offsets.
    fn from_str(s: &str) -> Result<Date, DateError> {
        let b = s.as_bytes();
        let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' || !digits(0..4) {
            return Err(DateError::Format);
        }
        if !digits(5..7) || !digits(8..10) {
            return Err(DateError::Format);
        }
        // All ASCII digits, so these parses cannot fail.
        let year = s[0..4].parse().map_err(|_| DateError::Format)?;
        let month = s[5..7].parse().map_err(|_| DateError::Format)?;
        let day = s[8..10].parse().map_err(|_| DateError::Format)?;
        Date::new(year, month, day)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// A `MAJOR.MINOR.PATCH` version number. Pre-release and build suffixes are not used by the
/// catalog, so they are refused rather than half-supported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Semver {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
}

/// A text that is not `MAJOR.MINOR.PATCH`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a version MAJOR.MINOR.PATCH")]
pub struct SemverError;

impl FromStr for Semver {
    type Err = SemverError;

    fn from_str(s: &str) -> Result<Semver, SemverError> {
        let mut parts = s.split('.').map(|p| {
            // Semantic Versioning forbids leading zeros, which also keeps `1.01.0` and `1.1.0`
            // from being two spellings of one version.
            let ok = !p.is_empty()
                && p.bytes().all(|c| c.is_ascii_digit())
                && (p == "0" || !p.starts_with('0'));
            if ok { p.parse::<u64>().ok() } else { None }
        });
        match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some(Some(major)), Some(Some(minor)), Some(Some(patch)), None) => Ok(Semver {
                major,
                minor,
                patch,
            }),
            _ => Err(SemverError),
        }
    }
}

impl fmt::Display for Semver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

// ---------------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------------

/// A catalog that could not be loaded: where, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {kind}", location(.position.as_ref(), .file))]
pub struct CatalogError {
    /// The catalog file.
    pub file: PathBuf,
    /// Where in it; `None` only when the file could not be read at all.
    pub position: Option<Position>,
    /// The offending line, for a snippet.
    pub line_text: Option<String>,
    /// Boxed to keep `Result<_, CatalogError>` small on the happy path.
    pub kind: Box<CatalogErrorKind>,
}

/// `file:line:column`, or just the file when there is no line to point at.
fn location(position: Option<&Position>, file: &Path) -> String {
    match position {
        Some(p) => p.to_string(),
        None => file.display().to_string(),
    }
}

/// What is wrong with a catalog. Field names are the catalog's own (`noticePeriodDays`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogErrorKind {
    #[error("cannot read the catalog: {reason}")]
    Unreadable { reason: String },
    #[error("not valid YAML: {message}")]
    Syntax { message: String },
    #[error("{what} has no `{field}` field")]
    MissingField {
        what: &'static str,
        field: &'static str,
    },
    #[error(
        "unknown field `{field}` in {what}{}; the fields are: {}",
        did_you_mean(*.suggestion),
        .allowed.join(", ")
    )]
    UnknownField {
        what: &'static str,
        field: String,
        allowed: &'static [&'static str],
        suggestion: Option<&'static str>,
    },
    #[error("`{field}` must be {expected}, but is {found}")]
    WrongType {
        field: &'static str,
        expected: &'static str,
        found: String,
    },
    #[error("`{field}` is `{value}`, which is not one of: {}", .allowed.join(", "))]
    BadEnumValue {
        field: &'static str,
        value: String,
        allowed: &'static [&'static str],
    },
    #[error("`{field}` is `{value}`, which is not a date: {reason}")]
    BadDate {
        field: &'static str,
        value: String,
        reason: DateError,
    },
    #[error("`{field}` is `{value}`, which is not a version MAJOR.MINOR.PATCH (like 1.4.0)")]
    BadSemver { field: &'static str, value: String },
    #[error("`openapi` is `{value}`; kontrakt reads OpenAPI 3.0.x and 3.1.x")]
    UnsupportedOpenApi { value: String },
    #[error("`file` is `{value}`: {reason}")]
    BadPath { value: String, reason: &'static str },
    #[error(
        "service id `{id}` is not a folder name of lowercase letters, digits and hyphens (like `doedsbo`)"
    )]
    BadId { id: String },
    #[error("service id `{id}` is used twice (first at {first})")]
    DuplicateServiceId { id: String, first: Position },
    #[error("{within} lists version {version} twice (first at {first})")]
    DuplicateVersion {
        within: String,
        version: String,
        first: Position,
    },
    #[error("file `{}` is listed twice (first at {first})", .file.display())]
    DuplicateFile { file: PathBuf, first: Position },
    #[error("service `{service}` has no versions")]
    NoVersions { service: String },
    #[error("version {version} takes effect on {effective}, before it is published on {published}")]
    EffectiveBeforePublished {
        version: String,
        published: Date,
        effective: Date,
    },
    #[error(
        "versions of `{service}` must be ordered by `published`, oldest first, but {version} \
         (published {published}) comes after {previous} (published {previous_published})"
    )]
    UnorderedVersions {
        service: String,
        version: String,
        published: Date,
        previous: String,
        previous_published: Date,
    },
    #[error(
        "catalogVersion {found} is not supported; this kontrakt reads catalogVersion {SUPPORTED_CATALOG_VERSION}"
    )]
    UnsupportedCatalogVersion { found: String },
}

fn did_you_mean(suggestion: Option<&str>) -> String {
    suggestion
        .map(|s| format!(" (did you mean `{s}`?)"))
        .unwrap_or_default()
}

const CATALOG_FIELDS: &[&str] = &["catalogVersion", "common", "services"];
const COMMON_FIELDS: &[&str] = &["file", "version"];
const SERVICE_FIELDS: &[&str] = &["id", "title", "description", "versions"];
const VERSION_FIELDS: &[&str] = &[
    "version",
    "file",
    "openapi",
    "status",
    "published",
    "effective",
    "stability",
    "noticePeriodDays",
    "notes",
    "announcements",
];
const ANNOUNCEMENT_FIELDS: &[&str] = &["rule", "subject", "operation", "announced"];

/// Reads, parses and validates the catalog at `path`. Relative `file` entries are relative to
/// the catalog's folder.
pub fn load(path: &Path) -> Result<Catalog, CatalogError> {
    use crate::spec::load::{ReadError, read_bounded};
    let unreadable = |reason: String| CatalogError {
        file: path.to_path_buf(),
        position: None,
        line_text: None,
        kind: Box::new(CatalogErrorKind::Unreadable { reason }),
    };
    let limit = Limits::default().max_file_bytes;
    let bytes = read_bounded(path, limit).map_err(|e| {
        unreadable(match e {
            ReadError::Io(e) => e.to_string(),
            ReadError::NotAFile(what) => format!("is {what}, not a regular file"),
            ReadError::TooLarge(_) => format!("larger than the limit of {limit} bytes"),
        })
    })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        unreadable(format!(
            "not valid UTF-8 (at byte {})",
            e.utf8_error().valid_up_to()
        ))
    })?;
    parse(path, text)
}

/// Validates catalog text as if read from `path` (which only names it in messages).
pub fn parse(path: &Path, text: String) -> Result<Catalog, CatalogError> {
    let parsed = match parse_yaml(&text, Limits::default()) {
        Ok(p) => p,
        Err(e) => {
            let pos = e.pos().unwrap_or_default();
            let position = Position {
                file: path.to_path_buf(),
                line: pos.line.max(1),
                column: pos.col.max(1),
            };
            return Err(CatalogError {
                file: path.to_path_buf(),
                line_text: Some(crate::spec::source::line_text(&text, position.line).to_string()),
                position: Some(position),
                kind: Box::new(CatalogErrorKind::Syntax {
                    message: e.to_string(),
                }),
            });
        }
    };
    let source = SourceFile {
        path: path.to_path_buf(),
        canonical: absolute(path),
        text,
        value: parsed.value,
        spans: parsed.spans,
        format: Format::Yaml,
        line_starts: Default::default(),
    };
    let reader = Reader { source: &source };
    let (catalog_version, common, services) = reader.catalog()?;
    Ok(Catalog {
        catalog_version,
        common,
        services,
        source,
    })
}

/// Walks the parsed value, turning each wrong shape into an error at its position.
struct Reader<'a> {
    source: &'a SourceFile,
}

/// One mapping of the catalog, already checked for unknown fields.
struct Fields<'a> {
    reader: &'a Reader<'a>,
    map: &'a Map<String, Value>,
    ptr: String,
    what: &'static str,
    allowed: &'static [&'static str],
}

type Parts = (u32, Vec<CommonFile>, Vec<Service>);

impl<'a> Reader<'a> {
    fn error(&self, ptr: &str, anchor: Anchor, kind: CatalogErrorKind) -> CatalogError {
        let position = self.source.position(ptr, anchor);
        CatalogError {
            file: self.source.path.clone(),
            line_text: Some(self.source.line_text(position.line).to_string()),
            position: Some(position),
            kind: Box::new(kind),
        }
    }

    fn position(&self, ptr: &str) -> Position {
        self.source.position(ptr, Anchor::Value)
    }

    fn catalog(&'a self) -> Result<Parts, CatalogError> {
        let root = Fields::new(
            self,
            &self.source.value,
            String::new(),
            "the catalog",
            "catalog",
            CATALOG_FIELDS,
        )?;
        // The version is checked first: a newer format may legitimately have other fields.
        let (value, ptr) = root.required("catalogVersion")?;
        let catalog_version = match value.as_u64() {
            Some(n) if n == u64::from(SUPPORTED_CATALOG_VERSION) => SUPPORTED_CATALOG_VERSION,
            _ => {
                let found = match value {
                    Value::String(s) => format!("`{s}`"),
                    other => other.to_string(),
                };
                return Err(self.error(
                    &ptr,
                    Anchor::Value,
                    CatalogErrorKind::UnsupportedCatalogVersion { found },
                ));
            }
        };
        root.check_unknown()?;

        let mut common = Vec::new();
        let mut versions_seen: HashMap<String, Position> = HashMap::new();
        let mut files_seen: HashMap<PathBuf, Position> = HashMap::new();
        if root.optional("common").is_some() {
            for (item, ptr) in root.list("common")? {
                let f = Fields::new(
                    self,
                    item,
                    ptr,
                    "a common file",
                    "common file",
                    COMMON_FIELDS,
                )?;
                f.check_unknown()?;
                let file = f.path("file", &mut files_seen)?;
                let version = f.semver("version")?;
                let (_, vptr) = f.required("version")?;
                if let Some(first) = versions_seen.get(&version) {
                    return Err(self.error(
                        &vptr,
                        Anchor::Value,
                        CatalogErrorKind::DuplicateVersion {
                            within: "`common`".to_string(),
                            version,
                            first: first.clone(),
                        },
                    ));
                }
                versions_seen.insert(version.clone(), self.position(&vptr));
                common.push(CommonFile {
                    file,
                    version,
                    pointer: f.ptr.clone(),
                });
            }
        }

        let mut services = Vec::new();
        let mut ids: HashMap<String, Position> = HashMap::new();
        for (item, ptr) in root.list("services")? {
            services.push(self.service(item, ptr, &mut ids, &mut files_seen)?);
        }
        Ok((catalog_version, common, services))
    }

    fn service(
        &'a self,
        item: &'a Value,
        ptr: String,
        ids: &mut HashMap<String, Position>,
        files_seen: &mut HashMap<PathBuf, Position>,
    ) -> Result<Service, CatalogError> {
        let f = Fields::new(self, item, ptr, "a service", "service", SERVICE_FIELDS)?;
        f.check_unknown()?;
        let id = f.string("id")?;
        let (_, id_ptr) = f.required("id")?;
        let valid_id = !id.is_empty()
            && id
                .bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-');
        if !valid_id {
            return Err(self.error(&id_ptr, Anchor::Value, CatalogErrorKind::BadId { id }));
        }
        if let Some(first) = ids.get(&id) {
            return Err(self.error(
                &id_ptr,
                Anchor::Value,
                CatalogErrorKind::DuplicateServiceId {
                    id,
                    first: first.clone(),
                },
            ));
        }
        ids.insert(id.clone(), self.position(&id_ptr));
        let title = f.string("title")?;
        let description = f.string("description")?;

        let (_, list_ptr) = f.required("versions")?;
        let items = f.list("versions")?;
        if items.is_empty() {
            return Err(self.error(
                &list_ptr,
                Anchor::Key,
                CatalogErrorKind::NoVersions { service: id },
            ));
        }
        let mut versions: Vec<ServiceVersion> = Vec::with_capacity(items.len());
        let mut seen: HashMap<String, Position> = HashMap::new();
        for (item, ptr) in items {
            let v = self.version(item, ptr, files_seen)?;
            let version_ptr = pointer::push(&v.pointer, "version");
            if let Some(first) = seen.get(&v.version) {
                return Err(self.error(
                    &version_ptr,
                    Anchor::Value,
                    CatalogErrorKind::DuplicateVersion {
                        within: format!("service `{id}`"),
                        version: v.version,
                        first: first.clone(),
                    },
                ));
            }
            seen.insert(v.version.clone(), self.position(&version_ptr));
            if let Some(prev) = versions.last()
                && v.published < prev.published
            {
                return Err(self.error(
                    &pointer::push(&v.pointer, "published"),
                    Anchor::Value,
                    CatalogErrorKind::UnorderedVersions {
                        service: id,
                        version: v.version,
                        published: v.published,
                        previous: prev.version.clone(),
                        previous_published: prev.published,
                    },
                ));
            }
            versions.push(v);
        }
        Ok(Service {
            id,
            title,
            description,
            versions,
            pointer: f.ptr.clone(),
        })
    }

    fn version(
        &'a self,
        item: &'a Value,
        ptr: String,
        files_seen: &mut HashMap<PathBuf, Position>,
    ) -> Result<ServiceVersion, CatalogError> {
        let f = Fields::new(
            self,
            item,
            ptr,
            "a service version",
            "service version",
            VERSION_FIELDS,
        )?;
        f.check_unknown()?;
        let version = f.semver("version")?;
        let file = f.path("file", files_seen)?;
        let openapi = f.semver("openapi")?;
        let supported = openapi
            .parse::<Semver>()
            .is_ok_and(|v| v.major == 3 && v.minor <= 1);
        if !supported {
            let (_, p) = f.required("openapi")?;
            return Err(self.error(
                &p,
                Anchor::Value,
                CatalogErrorKind::UnsupportedOpenApi { value: openapi },
            ));
        }
        let status = f.choice::<Status>("status")?;
        let published = f.date("published")?;
        let effective = f.date("effective")?;
        if effective < published {
            let (_, p) = f.required("effective")?;
            return Err(self.error(
                &p,
                Anchor::Value,
                CatalogErrorKind::EffectiveBeforePublished {
                    version,
                    published,
                    effective,
                },
            ));
        }
        let stability = f.choice::<Stability>("stability")?;
        let notice_period_days = f.days("noticePeriodDays")?;
        let notes = match f.optional("notes") {
            Some(_) => Some(f.string("notes")?),
            None => None,
        };
        let mut announcements = Vec::new();
        if f.optional("announcements").is_some() {
            for (item, ptr) in f.list("announcements")? {
                let a = Fields::new(
                    self,
                    item,
                    ptr,
                    "an announcement",
                    "announcement",
                    ANNOUNCEMENT_FIELDS,
                )?;
                a.check_unknown()?;
                let text = |name: &'static str| match a.optional(name) {
                    Some(_) => a.string(name).map(Some),
                    None => Ok(None),
                };
                announcements.push(Announcement {
                    rule: a.string("rule")?,
                    subject: text("subject")?,
                    operation: text("operation")?,
                    announced: match a.optional("announced") {
                        Some(_) => a.date("announced")?,
                        None => published,
                    },
                });
            }
        }
        Ok(ServiceVersion {
            version,
            file,
            openapi,
            status,
            published,
            effective,
            stability,
            notice_period_days,
            notes,
            announcements,
            pointer: f.ptr.clone(),
        })
    }
}

impl<'a> Fields<'a> {
    /// `what` names the mapping inside a sentence ("a service"), `noun` after "must be".
    fn new(
        reader: &'a Reader<'a>,
        value: &'a Value,
        ptr: String,
        what: &'static str,
        noun: &'static str,
        allowed: &'static [&'static str],
    ) -> Result<Fields<'a>, CatalogError> {
        match value {
            Value::Object(map) => Ok(Fields {
                reader,
                map,
                ptr,
                what,
                allowed,
            }),
            other => Err(reader.error(
                &ptr,
                Anchor::Value,
                CatalogErrorKind::WrongType {
                    field: noun,
                    expected: "a mapping of fields",
                    found: describe(other),
                },
            )),
        }
    }

    /// Refuses the first field not in the allowed list, so a misspelt `noticePeriodDays` is an
    /// error rather than a silently missing promise.
    fn check_unknown(&self) -> Result<(), CatalogError> {
        let allowed = self.allowed;
        for key in self.map.keys() {
            if !allowed.contains(&key.as_str()) {
                return Err(self.reader.error(
                    &pointer::push(&self.ptr, key),
                    Anchor::Key,
                    CatalogErrorKind::UnknownField {
                        what: self.what,
                        field: key.clone(),
                        allowed,
                        suggestion: closest(key, allowed),
                    },
                ));
            }
        }
        Ok(())
    }

    fn optional(&self, name: &str) -> Option<(&'a Value, String)> {
        self.map
            .get(name)
            .map(|v| (v, pointer::push(&self.ptr, name)))
    }

    fn required(&self, name: &'static str) -> Result<(&'a Value, String), CatalogError> {
        self.optional(name).ok_or_else(|| {
            self.reader.error(
                &self.ptr,
                Anchor::Value,
                CatalogErrorKind::MissingField {
                    what: self.what,
                    field: name,
                },
            )
        })
    }

    fn wrong_type(&self, name: &'static str, expected: &'static str) -> CatalogError {
        let (value, ptr) = self.optional(name).expect("only called for present fields");
        self.reader.error(
            &ptr,
            Anchor::Value,
            CatalogErrorKind::WrongType {
                field: name,
                expected,
                found: describe(value),
            },
        )
    }

    fn string(&self, name: &'static str) -> Result<String, CatalogError> {
        match self.required(name)?.0 {
            Value::String(s) => Ok(s.clone()),
            _ => Err(self.wrong_type(name, "text")),
        }
    }

    fn list(&self, name: &'static str) -> Result<Vec<(&'a Value, String)>, CatalogError> {
        let (value, ptr) = self.required(name)?;
        match value {
            Value::Array(items) => Ok(items
                .iter()
                .enumerate()
                .map(|(i, v)| (v, pointer::push_index(&ptr, i)))
                .collect()),
            _ => Err(self.wrong_type(name, "a list")),
        }
    }

    fn semver(&self, name: &'static str) -> Result<String, CatalogError> {
        let (value, ptr) = self.required(name)?;
        // `1.0` reads as a number in YAML; it is still a bad version, and saying so beats
        // saying "wrong type".
        let text = match value {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => return Err(self.wrong_type(name, "a version MAJOR.MINOR.PATCH")),
        };
        match (value, text.parse::<Semver>()) {
            (Value::String(_), Ok(_)) => Ok(text),
            _ => Err(self.reader.error(
                &ptr,
                Anchor::Value,
                CatalogErrorKind::BadSemver {
                    field: name,
                    value: text,
                },
            )),
        }
    }

    fn date(&self, name: &'static str) -> Result<Date, CatalogError> {
        let (value, ptr) = self.required(name)?;
        let Value::String(text) = value else {
            return Err(self.wrong_type(name, "a date YYYY-MM-DD"));
        };
        text.parse().map_err(|reason| {
            self.reader.error(
                &ptr,
                Anchor::Value,
                CatalogErrorKind::BadDate {
                    field: name,
                    value: text.clone(),
                    reason,
                },
            )
        })
    }

    fn choice<T: Choice>(&self, name: &'static str) -> Result<T, CatalogError> {
        let (value, ptr) = self.required(name)?;
        let text = match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        T::from_name(&text).ok_or_else(|| {
            self.reader.error(
                &ptr,
                Anchor::Value,
                CatalogErrorKind::BadEnumValue {
                    field: name,
                    value: text,
                    allowed: T::NAMES,
                },
            )
        })
    }

    fn days(&self, name: &'static str) -> Result<u32, CatalogError> {
        let (value, _) = self.required(name)?;
        value
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| self.wrong_type(name, "a whole number of days, 0 or more"))
    }

    /// A relative path inside the catalog's folder, listed once.
    fn path(
        &self,
        name: &'static str,
        seen: &mut HashMap<PathBuf, Position>,
    ) -> Result<PathBuf, CatalogError> {
        let text = self.string(name)?;
        let (_, ptr) = self.required(name)?;
        let bad = |reason| {
            self.reader.error(
                &ptr,
                Anchor::Value,
                CatalogErrorKind::BadPath {
                    value: text.clone(),
                    reason,
                },
            )
        };
        if text.contains('\\') {
            return Err(bad(
                "use `/` between folders, so the catalog works on every system",
            ));
        }
        let path = Path::new(&text);
        let Some(file) = normalize_relative(path) else {
            return Err(bad(
                "must be a relative path inside the catalog's folder (no leading `/`, no `..`)",
            ));
        };
        if file.components().count() < 2 {
            return Err(bad("must be inside a folder (`<service id>/<file>`)"));
        }
        if let Some(first) = seen.get(&file) {
            return Err(self.reader.error(
                &ptr,
                Anchor::Value,
                CatalogErrorKind::DuplicateFile {
                    file,
                    first: first.clone(),
                },
            ));
        }
        seen.insert(file.clone(), self.reader.position(&ptr));
        Ok(file)
    }
}

/// `path` without `.` components, or `None` if it is absolute or climbs out with `..`.
fn normalize_relative(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::Normal(part) => out.push(part),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    (!out.as_os_str().is_empty()).then_some(out)
}

/// A value's kind and content as a reader of the message would want it.
fn describe(value: &Value) -> String {
    match value {
        Value::Null => "empty".to_string(),
        Value::Bool(b) => format!("the boolean `{b}`"),
        Value::Number(n) => format!("the number `{n}`"),
        Value::String(s) => format!("the text `{s}`"),
        Value::Array(_) => "a list".to_string(),
        Value::Object(_) => "a mapping".to_string(),
    }
}

/// The allowed name closest to a misspelt one, if it is plausibly a typo of it.
fn closest(name: &str, allowed: &[&'static str]) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    allowed
        .iter()
        .map(|a| (edit_distance(&lower, &a.to_ascii_lowercase()), *a))
        .filter(|(d, a)| *d <= (a.len() / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, a)| a)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

// ---------------------------------------------------------------------------------------------
// Verification against the files
// ---------------------------------------------------------------------------------------------

/// What kind of disagreement between catalog and files was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatalogProblemKind {
    /// A listed file does not exist.
    MissingFile,
    /// A listed file exists but is not a loadable OpenAPI document.
    Unloadable,
    /// The file's `openapi` differs from the catalog's.
    OpenApiMismatch,
    /// The file's `info.version` differs from the catalog's version.
    VersionMismatch,
    /// The file's `info.title` differs from the service's title.
    TitleMismatch,
    /// A service's file lies outside the folder named by its id.
    WrongFolder,
    /// A spec file in the catalog's folders that the catalog does not list.
    Orphan,
}

/// One disagreement between the catalog and the files on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogProblem {
    pub kind: CatalogProblemKind,
    pub message: String,
    /// Where in the catalog the disagreeing entry is (absent for a file nothing points at).
    pub position: Option<Position>,
}

impl fmt::Display for CatalogProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.position {
            Some(p) => write!(f, "{p}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Checks that the catalog and the spec files under `catalog_dir` agree: every listed file
/// loads and carries the catalog's `openapi`, version and title, each service's files sit in
/// its folder, and no spec file is left out of the catalog.
pub fn verify(catalog: &Catalog, catalog_dir: &Path) -> Vec<CatalogProblem> {
    let mut problems = Vec::new();
    let mut problem = |kind, ptr: &str, message: String| {
        problems.push(CatalogProblem {
            kind,
            message,
            position: Some(catalog.position(ptr)),
        });
    };

    for common in &catalog.common {
        let expect = Expected {
            version: &common.version,
            openapi: None,
            title: None,
        };
        check_file(
            catalog_dir,
            &common.file,
            &common.pointer,
            &expect,
            &mut problem,
        );
    }

    for service in &catalog.services {
        for v in &service.versions {
            let in_folder = v
                .file
                .components()
                .next()
                .is_some_and(|c| c.as_os_str() == service.id.as_str());
            if !in_folder {
                problem(
                    CatalogProblemKind::WrongFolder,
                    &pointer::push(&v.pointer, "file"),
                    format!(
                        "`{}` of service `{}` must be in the folder `{}/`",
                        v.file.display(),
                        service.id,
                        service.id
                    ),
                );
            }
            let expect = Expected {
                version: &v.version,
                openapi: Some(&v.openapi),
                title: Some((&service.title, pointer::push(&service.pointer, "title"))),
            };
            check_file(catalog_dir, &v.file, &v.pointer, &expect, &mut problem);
        }
    }

    problems.extend(orphans(catalog, catalog_dir));
    problems
}

/// What a listed file must say about itself.
struct Expected<'a> {
    version: &'a str,
    openapi: Option<&'a str>,
    /// The service's title and where the catalog states it.
    title: Option<(&'a str, String)>,
}

fn check_file(
    dir: &Path,
    file: &Path,
    entry: &str,
    expect: &Expected<'_>,
    problem: &mut impl FnMut(CatalogProblemKind, &str, String),
) {
    let path = dir.join(file);
    let file_ptr = pointer::push(entry, "file");
    if !path.is_file() {
        problem(
            CatalogProblemKind::MissingFile,
            &file_ptr,
            format!("`{}` does not exist", path.display()),
        );
        return;
    }
    let spec = match crate::spec::load(&path) {
        Ok(spec) => spec,
        Err(e) => {
            problem(
                CatalogProblemKind::Unloadable,
                &file_ptr,
                format!("`{}` does not load: {e}", path.display()),
            );
            return;
        }
    };
    let root_file = spec.file(0);
    let field = |ptr: &str| {
        let text = match pointer::get(spec.root(), ptr) {
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => "(missing)".to_string(),
        };
        (text, root_file.position(ptr, Anchor::Value))
    };

    if let Some(openapi) = expect.openapi
        && spec.version.raw != openapi
    {
        let (_, at) = field("/openapi");
        problem(
            CatalogProblemKind::OpenApiMismatch,
            &pointer::push(entry, "openapi"),
            format!(
                "the catalog says openapi {openapi}, but {at} says {}",
                spec.version.raw
            ),
        );
    }
    let (version, at) = field("/info/version");
    if version != expect.version {
        problem(
            CatalogProblemKind::VersionMismatch,
            &pointer::push(entry, "version"),
            format!(
                "the catalog says version {}, but info.version at {at} is `{version}`",
                expect.version
            ),
        );
    }
    if let Some((title, title_ptr)) = &expect.title {
        let (found, at) = field("/info/title");
        if found != *title {
            problem(
                CatalogProblemKind::TitleMismatch,
                title_ptr,
                format!("the service's title is `{title}`, but info.title at {at} is `{found}`"),
            );
        }
    }
}

/// Spec files (`.yaml`, `.yml`, `.json`) in the catalog's subfolders that the catalog does not
/// list. The whole tree is searched, not only the services' folders, so a new service's folder
/// that was never added to the catalog is caught too.
fn orphans(catalog: &Catalog, dir: &Path) -> Vec<CatalogProblem> {
    let listed: BTreeSet<&Path> = catalog
        .common
        .iter()
        .map(|c| c.file.as_path())
        .chain(
            catalog
                .services
                .iter()
                .flat_map(|s| s.versions.iter().map(|v| v.file.as_path())),
        )
        .collect();
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        // Top-level files are the catalog itself and its README; hidden folders are tooling.
        if entry.path().is_dir() && !name.to_string_lossy().starts_with('.') {
            collect_spec_files(&entry.path(), &mut found);
        }
    }
    found.sort();

    let mut problems = Vec::new();
    for path in found {
        let Ok(relative) = path.strip_prefix(dir) else {
            continue;
        };
        if listed.contains(relative) {
            continue;
        }
        let folder = relative
            .components()
            .next()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .unwrap_or_default();
        // Point at the list the file most likely belongs in.
        let home = if let Some(service) = catalog.service(&folder) {
            Some(pointer::push(&service.pointer, "versions"))
        } else if catalog.common.iter().any(|c| {
            c.file
                .components()
                .next()
                .is_some_and(|f| f.as_os_str() == folder.as_str())
        }) {
            Some("/common".to_string())
        } else {
            None
        };
        let message = match &home {
            Some(_) => format!("`{}` is not listed in the catalog", path.display()),
            None => format!(
                "`{}` is not listed in the catalog, and no service has the folder `{folder}/`",
                path.display()
            ),
        };
        problems.push(CatalogProblem {
            kind: CatalogProblemKind::Orphan,
            message,
            position: home.map(|p| catalog.position(&p)),
        });
    }
    problems
}

fn collect_spec_files(dir: &Path, out: &mut Vec<PathBuf>) {
    // The loader's walk: symlinked folders are not entered and only regular files are taken.
    crate::spec::load::walk_dir(dir, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> Date {
        s.parse().unwrap()
    }

    /// A valid one-service catalog; tests break one thing in it at a time.
    const GOOD: &str = "\
catalogVersion: 1
common:
  - file: common/common-1.0.0.yaml
    version: 1.0.0
services:
  - id: person
    title: Person
    description: CPR data.
    versions:
      - version: 1.0.0
        file: person/person-1.0.0.yaml
        openapi: 3.0.3
        status: retired
        published: 2023-08-25
        effective: 2023-09-25
        stability: beta
        noticePeriodDays: 0
      - version: 1.1.0
        file: person/person-1.1.0.yaml
        openapi: 3.0.3
        status: production
        published: 2024-04-15
        effective: 2024-06-03
        stability: stable
        noticePeriodDays: 90
        notes: Additive.
";

    fn parse_text(text: &str) -> Result<Catalog, CatalogError> {
        parse(Path::new("cat.yaml"), text.to_string())
    }

    fn error(text: &str) -> String {
        parse_text(text).unwrap_err().to_string()
    }

    #[test]
    fn dates_parse_only_real_days() {
        assert_eq!(date("2024-02-29").to_string(), "2024-02-29");
        assert_eq!(date("2000-02-29").day(), 29);
        assert_eq!(
            "2023-02-29".parse::<Date>(),
            Err(DateError::Day {
                year: 2023,
                month: 2,
                day: 29,
                max: 28
            })
        );
        // Centuries are leap years only when divisible by 400.
        assert!("1900-02-29".parse::<Date>().is_err());
        assert_eq!("2024-13-01".parse::<Date>(), Err(DateError::Month(13)));
        assert_eq!("2024-00-10".parse::<Date>(), Err(DateError::Month(0)));
        assert!("2024-04-31".parse::<Date>().is_err());
        assert_eq!(date("2024-12-31").month(), 12);
        for bad in [
            "2024-1-01",
            "24-01-01",
            "2024/01/01",
            "2024-01-01T00:00:00Z",
            "",
            "２０２４-01-01",
        ] {
            assert_eq!(bad.parse::<Date>(), Err(DateError::Format), "{bad}");
        }
    }

    #[test]
    fn dates_order_and_count_days() {
        assert!(date("2023-03-01") < date("2023-10-02"));
        assert!(date("2023-12-31") < date("2024-01-01"));
        // The README's own figures: doedsbo 1.4.0 → 2.0.0 and kreditor 1.0.0 → 1.1.0.
        assert_eq!(date("2023-03-01").days_between(date("2023-10-02")), 215);
        assert_eq!(date("2024-04-15").days_between(date("2024-07-01")), 77);
        assert_eq!(date("2024-07-01").days_between(date("2024-04-15")), -77);
        assert_eq!(date("2024-02-28").days_between(date("2024-03-01")), 2);
        assert_eq!(date("2023-02-28").days_between(date("2023-03-01")), 1);
        assert_eq!(date("1970-01-01").day_number(), 0);
        assert_eq!(date("2000-01-01").days_between(date("2001-01-01")), 366);
        assert_eq!(date("2024-04-15").add_days(90), date("2024-07-14"));
        assert_eq!(date("2024-03-01").add_days(-1), date("2024-02-29"));
        // Round trip over a stretch that crosses leap days and a 400-year century.
        let start = date("1999-12-01");
        for n in 0..1000 {
            let d = start.add_days(n);
            assert_eq!(start.days_between(d), n);
            assert_eq!(d.to_string().parse::<Date>(), Ok(d));
        }
    }

    #[test]
    fn enum_names_match_their_values() {
        let names: Vec<_> = Status::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(names, Status::NAMES);
        let names: Vec<_> = Stability::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(names, Stability::NAMES);
        assert_eq!(Status::from_name("pilot"), Some(Status::Pilot));
        assert_eq!(Stability::from_name("Beta"), None);
    }

    #[test]
    fn semver_is_strict() {
        assert_eq!(
            "1.4.0".parse::<Semver>(),
            Ok(Semver {
                major: 1,
                minor: 4,
                patch: 0
            })
        );
        assert!("1.10.0".parse::<Semver>().unwrap() > "1.9.0".parse().unwrap());
        for bad in [
            "1.0",
            "1.0.0.0",
            "01.0.0",
            "1.0.0-beta",
            "v1.0.0",
            "1..0",
            "",
        ] {
            assert!(bad.parse::<Semver>().is_err(), "{bad}");
        }
    }

    #[test]
    fn good_catalog_loads_with_queries() {
        let c = parse_text(GOOD).unwrap();
        assert_eq!(c.catalog_version, 1);
        assert_eq!(c.common[0].file, PathBuf::from("common/common-1.0.0.yaml"));
        let s = c.service("person").unwrap();
        assert_eq!(s.latest().unwrap().version, "1.1.0");
        assert_eq!(s.predecessor("1.1.0").unwrap().version, "1.0.0");
        assert!(s.predecessor("1.0.0").is_none());
        let v = s.version("1.0.0").unwrap();
        assert_eq!(v.status, Status::Retired);
        assert_eq!(v.stability, Stability::Beta);
        assert_eq!(v.notes, None);
        assert_eq!(
            s.version("1.1.0").unwrap().notes.as_deref(),
            Some("Additive.")
        );
        let notice = s.version("1.1.0").unwrap().notice_period();
        assert_eq!(notice.ends(), date("2024-07-14"));
        assert!(!notice.respected_by(date("2024-07-13")));
        assert!(notice.respected_by(date("2024-07-14")));
        assert!(c.service("nobody").is_none());
        let (svc, ver) = c
            .version_of_file(Path::new("./person/person-1.0.0.yaml"))
            .unwrap();
        assert_eq!((svc.id.as_str(), ver.version.as_str()), ("person", "1.0.0"));
        assert_eq!(c.position(&v.pointer).to_string(), "cat.yaml:10:9");
    }

    #[test]
    fn announcements_default_to_the_publication_date() {
        let text = GOOD.replace(
            "        published: 2024-04-15\n",
            "        published: 2024-04-15\n        announcements:\n          - rule: request-parameter-added-required\n            subject: If-Match\n          - rule: operation-removed\n            announced: 2024-05-01\n",
        );
        let c = parse(Path::new("cat.yaml"), text).unwrap();
        let a: Vec<&Announcement> = c
            .services
            .iter()
            .flat_map(|s| &s.versions)
            .flat_map(|v| &v.announcements)
            .collect();
        assert_eq!(a.len(), 2);
        assert_eq!(a[0].subject.as_deref(), Some("If-Match"));
        assert_eq!(a[0].announced, date("2024-04-15"));
        assert_eq!(a[1].announced, date("2024-05-01"));
        let bad = GOOD.replace(
            "        published: 2024-04-15\n",
            "        published: 2024-04-15\n        announcements:\n          - rule: x\n            subjekt: If-Match\n",
        );
        assert!(
            error(&bad).contains("unknown field `subjekt` in an announcement"),
            "{}",
            error(&bad)
        );
    }

    #[test]
    fn unknown_field_names_line_column_and_suggests() {
        let text = GOOD.replace(
            "        published: 2024-04-15",
            "        publishd: 2024-04-15",
        );
        assert_eq!(
            error(&text),
            "cat.yaml:22:9: unknown field `publishd` in a service version (did you mean \
             `published`?); the fields are: version, file, openapi, status, published, \
             effective, stability, noticePeriodDays, notes, announcements"
        );
        let text = GOOD.replace("catalogVersion: 1\n", "catalogVersion: 1\nowner: me\n");
        assert_eq!(
            error(&text),
            "cat.yaml:2:1: unknown field `owner` in the catalog; the fields are: \
             catalogVersion, common, services"
        );
    }

    #[test]
    fn bad_status_lists_allowed_values() {
        let text = GOOD.replace("status: production", "status: live");
        assert_eq!(
            error(&text),
            "cat.yaml:21:17: `status` is `live`, which is not one of: draft, pilot, \
             production, retired"
        );
        let text = GOOD.replace("stability: stable", "stability: Stable");
        assert_eq!(
            error(&text),
            "cat.yaml:24:20: `stability` is `Stable`, which is not one of: experimental, \
             beta, stable"
        );
    }

    #[test]
    fn bad_dates_say_why() {
        let text = GOOD.replace("published: 2023-08-25", "published: 2023-02-29");
        assert_eq!(
            error(&text),
            "cat.yaml:14:20: `published` is `2023-02-29`, which is not a date: 2023-02 has 28 \
             days, so day 29 does not exist"
        );
        let text = GOOD.replace("effective: 2023-09-25", "effective: 25-09-2023");
        assert_eq!(
            error(&text),
            "cat.yaml:15:20: `effective` is `25-09-2023`, which is not a date: expected \
             YYYY-MM-DD"
        );
        let text = GOOD.replace("effective: 2023-09-25", "effective: 20230925");
        assert_eq!(
            error(&text),
            "cat.yaml:15:20: `effective` must be a date YYYY-MM-DD, but is the number \
             `20230925`"
        );
    }

    #[test]
    fn versions_must_be_ordered_by_published() {
        let text = GOOD.replace("published: 2024-04-15", "published: 2023-01-02");
        assert_eq!(
            error(&text),
            "cat.yaml:22:20: versions of `person` must be ordered by `published`, oldest first, \
             but 1.1.0 (published 2023-01-02) comes after 1.0.0 (published 2023-08-25)"
        );
    }

    #[test]
    fn effective_may_not_precede_published() {
        let text = GOOD.replace("effective: 2024-06-03", "effective: 2024-04-14");
        let err = parse_text(&text).unwrap_err();
        assert_eq!(
            *err.kind,
            CatalogErrorKind::EffectiveBeforePublished {
                version: "1.1.0".into(),
                published: date("2024-04-15"),
                effective: date("2024-04-14"),
            }
        );
        assert_eq!(err.position.unwrap().line, 23);
        assert_eq!(
            err.line_text.as_deref(),
            Some("        effective: 2024-04-14")
        );
    }

    #[test]
    fn missing_and_mistyped_fields() {
        let text = GOOD.replace("        noticePeriodDays: 0\n", "");
        assert_eq!(
            error(&text),
            "cat.yaml:10:9: a service version has no `noticePeriodDays` field"
        );
        let text = GOOD.replace("noticePeriodDays: 0", "noticePeriodDays: -1");
        assert_eq!(
            error(&text),
            "cat.yaml:17:27: `noticePeriodDays` must be a whole number of days, 0 or more, but \
             is the number `-1`"
        );
        let text = GOOD.replace("    title: Person", "    title: [Person]");
        assert_eq!(
            error(&text),
            "cat.yaml:7:12: `title` must be text, but is a list"
        );
        let text = GOOD.replace("services:\n", "services: 3\nx:\n");
        assert!(error(&text).starts_with("cat.yaml:6:1: unknown field `x`"));
    }

    #[test]
    fn versions_and_ids_are_checked() {
        let text = GOOD.replace("version: 1.1.0", "version: 1.1");
        assert_eq!(
            error(&text),
            "cat.yaml:18:18: `version` is `1.1`, which is not a version MAJOR.MINOR.PATCH \
             (like 1.4.0)"
        );
        let text = GOOD.replace("version: 1.1.0", "version: 1.0.0");
        assert_eq!(
            error(&text),
            "cat.yaml:18:18: service `person` lists version 1.0.0 twice (first at \
             cat.yaml:10:18)"
        );
        let text = GOOD.replace(
            "openapi: 3.0.3\n        status: retired",
            "openapi: 2.0.0\n        status: retired",
        );
        assert_eq!(
            error(&text),
            "cat.yaml:12:18: `openapi` is `2.0.0`; kontrakt reads OpenAPI 3.0.x and 3.1.x"
        );
        let text = GOOD.replace("id: person", "id: Person");
        assert!(matches!(
            *parse_text(&text).unwrap_err().kind,
            CatalogErrorKind::BadId { .. }
        ));
        let second = "  - id: person\n    title: P\n    description: d\n    versions: []\n";
        let text = format!("{GOOD}{second}");
        assert_eq!(
            error(&text),
            "cat.yaml:27:9: service id `person` is used twice (first at cat.yaml:6:9)"
        );
    }

    #[test]
    fn paths_and_catalog_version_are_checked() {
        let text = GOOD.replace(
            "file: person/person-1.1.0.yaml",
            "file: ../person-1.1.0.yaml",
        );
        assert!(matches!(
            *parse_text(&text).unwrap_err().kind,
            CatalogErrorKind::BadPath { .. }
        ));
        let text = GOOD.replace(
            "file: person/person-1.1.0.yaml",
            "file: person/person-1.0.0.yaml",
        );
        assert_eq!(
            error(&text),
            "cat.yaml:19:15: file `person/person-1.0.0.yaml` is listed twice (first at \
             cat.yaml:11:15)"
        );
        let text = GOOD.replace("catalogVersion: 1", "catalogVersion: 2");
        assert_eq!(
            error(&text),
            "cat.yaml:1:17: catalogVersion 2 is not supported; this kontrakt reads \
             catalogVersion 1"
        );
    }

    #[test]
    fn yaml_syntax_and_unreadable_files() {
        let err = parse_text("catalogVersion: 1\nservices: [\n").unwrap_err();
        assert!(matches!(*err.kind, CatalogErrorKind::Syntax { .. }));
        assert!(err.to_string().starts_with("cat.yaml:"), "{err}");
        let err = load(Path::new("/nonexistent/catalog.yaml")).unwrap_err();
        assert!(err.position.is_none());
        assert!(
            err.to_string()
                .starts_with("/nonexistent/catalog.yaml: cannot read the catalog:"),
            "{err}"
        );
    }

    fn spec_text(title: &str, version: &str, openapi: &str) -> String {
        format!("openapi: {openapi}\ninfo:\n  title: {title}\n  version: {version}\npaths: {{}}\n")
    }

    #[test]
    fn verify_finds_every_kind_of_disagreement() {
        let dir = tempfile::tempdir().unwrap();
        let write = |rel: &str, text: &str| {
            let p = dir.path().join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        write("catalog.yaml", GOOD);
        write(
            "common/common-1.0.0.yaml",
            &spec_text("Common", "1.0.0", "3.0.3"),
        );
        write(
            "person/person-1.0.0.yaml",
            &spec_text("Person", "1.0.0", "3.0.3"),
        );
        write(
            "person/person-1.1.0.yaml",
            &spec_text("Person", "1.1.0", "3.0.3"),
        );
        let catalog = load(&dir.path().join("catalog.yaml")).unwrap();
        assert_eq!(verify(&catalog, dir.path()), vec![]);

        write(
            "person/person-1.1.0.yaml",
            &spec_text("Personer", "1.2.0", "3.1.0"),
        );
        write(
            "person/person-1.2.0.yaml",
            &spec_text("Person", "1.2.0", "3.0.3"),
        );
        write(
            "virksomhed/virksomhed-1.0.0.yaml",
            &spec_text("V", "1.0.0", "3.0.3"),
        );
        std::fs::remove_file(dir.path().join("common/common-1.0.0.yaml")).unwrap();
        let problems = verify(&catalog, dir.path());
        let kinds: Vec<_> = problems.iter().map(|p| p.kind).collect();
        assert_eq!(
            kinds,
            vec![
                CatalogProblemKind::MissingFile,
                CatalogProblemKind::OpenApiMismatch,
                CatalogProblemKind::VersionMismatch,
                CatalogProblemKind::TitleMismatch,
                CatalogProblemKind::Orphan,
                CatalogProblemKind::Orphan,
            ]
        );
        let shown: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert!(shown[0].contains("catalog.yaml:3:5: `"), "{}", shown[0]);
        assert!(
            shown[0].ends_with("common-1.0.0.yaml` does not exist"),
            "{}",
            shown[0]
        );
        assert!(
            shown[1].contains(":20:9: the catalog says openapi 3.0.3, but "),
            "{}",
            shown[1]
        );
        assert!(
            shown[1].ends_with("person-1.1.0.yaml:1:10 says 3.1.0"),
            "{}",
            shown[1]
        );
        assert!(shown[3].contains("info.title at"), "{}", shown[3]);
        assert!(shown[3].ends_with("is `Personer`"), "{}", shown[3]);
        assert!(shown[4].ends_with("person-1.2.0.yaml` is not listed in the catalog"));
        assert_eq!(problems[4].position.as_ref().unwrap().line, 9);
        assert!(shown[5].contains("no service has the folder `virksomhed/`"));
        assert_eq!(problems[5].position, None);
    }

    #[test]
    fn verify_reports_wrong_folder_and_broken_files() {
        let dir = tempfile::tempdir().unwrap();
        let text = GOOD.replace(
            "file: person/person-1.1.0.yaml",
            "file: people/person-1.1.0.yaml",
        );
        std::fs::create_dir_all(dir.path().join("person")).unwrap();
        std::fs::create_dir_all(dir.path().join("people")).unwrap();
        std::fs::create_dir_all(dir.path().join("common")).unwrap();
        std::fs::write(dir.path().join("catalog.yaml"), text).unwrap();
        std::fs::write(
            dir.path().join("common/common-1.0.0.yaml"),
            spec_text("Common", "1.0.0", "3.0.3"),
        )
        .unwrap();
        std::fs::write(dir.path().join("person/person-1.0.0.yaml"), "openapi: [\n").unwrap();
        std::fs::write(
            dir.path().join("people/person-1.1.0.yaml"),
            spec_text("Person", "1.1.0", "3.0.3"),
        )
        .unwrap();
        let catalog = load(&dir.path().join("catalog.yaml")).unwrap();
        let problems = verify(&catalog, dir.path());
        let kinds: Vec<_> = problems.iter().map(|p| p.kind).collect();
        assert_eq!(
            kinds,
            vec![
                CatalogProblemKind::Unloadable,
                CatalogProblemKind::WrongFolder
            ]
        );
        assert!(
            problems[1]
                .message
                .contains("must be in the folder `person/`")
        );
    }
}
