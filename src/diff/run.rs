//! Finding what to compare: two files, two folders (services matched by catalog entry or by
//! title), or the old side read from a git revision; then compare, judge and collect.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use super::compare::compare_models;
use super::fragments;
use super::policy::{Change, Context, Release, judge};
use super::rule::{self, Level};
use super::rules::RULES;
use super::settings::{Policy, SettingsError, StabilityLevel, Waiver, load_policy, load_waivers};
use crate::catalog::{
    self, Announcement, Catalog, CatalogError, Date, Semver, Service, ServiceVersion, Stability,
};
use crate::spec::{self, LoadError, Spec};

/// Why a diff could not be made (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    #[error("{0}")]
    Load(#[from] LoadError),
    #[error("{0}")]
    Catalog(#[from] CatalogError),
    #[error("`{0}` does not exist")]
    Missing(PathBuf),
    #[error("cannot compare a file with a folder: `{old}` and `{new}`")]
    Mixed { old: PathBuf, new: PathBuf },
    #[error("no OpenAPI documents found in `{0}`")]
    Empty(PathBuf),
    #[error("cannot read revision `{rev}` from git: {reason}")]
    Git { rev: String, reason: String },
    #[error("{0}")]
    Settings(#[from] SettingsError),
}

/// What to compare.
#[derive(Debug, Clone)]
pub struct Options {
    pub old: PathBuf,
    pub new: PathBuf,
    /// Read `old` from this git revision of the repository holding the working directory.
    pub base: Option<String>,
    /// "Today" for every verdict that depends on it (`--as-of`); `None` reads the clock.
    pub as_of: Option<Date>,
    /// The notice-period policy; `None` uses `policy.yaml` beside the new side's catalog.
    pub policy: Option<PathBuf>,
    /// Accepted changes (`--waivers`).
    pub waivers: Option<PathBuf>,
}

impl Options {
    /// Two files or folders, judged today with the default policy and no waivers.
    pub fn new(old: impl Into<PathBuf>, new: impl Into<PathBuf>) -> Options {
        Options {
            old: old.into(),
            new: new.into(),
            base: None,
            as_of: None,
            policy: None,
            waivers: None,
        }
    }
}

/// Today's date in UTC, from the system clock.
pub fn today() -> Date {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() / 86_400)
        .unwrap_or(0);
    Date::new(1970, 1, 1)
        .map(|epoch| epoch.add_days(days as i64))
        .unwrap_or_else(|_| unreachable!("1970-01-01 exists"))
}

/// Two versions of one service, compared and judged.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// The catalog id, else `info.title`.
    pub service: String,
    pub old_file: PathBuf,
    pub new_file: PathBuf,
    pub old_version: String,
    pub new_version: String,
    pub release: Option<Release>,
    pub changes: Vec<Change>,
    /// The two specs share no operation: probably different APIs compared by mistake.
    pub unrelated: bool,
    /// Occurrences of shared-schema changes in further operations, counted but not listed.
    pub elided: usize,
    /// Remarks about the judging (the policy disagreeing with the catalog).
    pub notes: Vec<String>,
}

/// Everything a renderer needs.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub comparisons: Vec<Comparison>,
    /// Services present on one side only, and similar remarks.
    pub notes: Vec<String>,
    /// The day verdicts were judged on (`--as-of`, else today).
    pub today: Option<Date>,
    /// Waivers past their expiry date: each fails the run.
    pub expired_waivers: Vec<Waiver>,
    /// Waivers that matched no change (worth deleting).
    pub unused_waivers: Vec<Waiver>,
}

impl Report {
    /// Whether the run fails at `fail_on`: a change that fails, or an expired waiver.
    pub fn fails(&self, fail_on: Level) -> bool {
        !self.expired_waivers.is_empty()
            || self
                .comparisons
                .iter()
                .flat_map(|c| &c.changes)
                .any(|c| c.fails(fail_on))
    }
}

/// What every pair is judged with.
struct Judging {
    today: Date,
    /// From `--policy`; else each catalog's `policy.yaml`, when there is one.
    policy: Option<Policy>,
}

/// Compares what `opts` names.
pub fn run(opts: &Options) -> Result<Report, DiffError> {
    let today = opts.as_of.unwrap_or_else(today);
    let judging = Judging {
        today,
        policy: opts.policy.as_deref().map(load_policy).transpose()?,
    };
    let waivers = opts.waivers.as_deref().map(load_waivers).transpose()?;
    let checkout;
    let (old_root, shown_old) = match &opts.base {
        Some(rev) => {
            checkout = GitCheckout::new(rev, &opts.old)?;
            (
                checkout.path.clone(),
                Some((checkout.dir.path().to_path_buf(), rev.clone())),
            )
        }
        None => (opts.old.clone(), None),
    };
    let mut report = diff_paths(&old_root, &opts.new, &judging)?;
    report.today = Some(today);
    if let Some(waivers) = waivers {
        apply_waivers(&mut report, waivers, today);
    }
    if let Some((tmp, rev)) = shown_old {
        // Temp paths mean nothing to a reader: show `REV:path` instead.
        for c in &mut report.comparisons {
            c.old_file = rev_path(&c.old_file, &tmp, &rev);
            for ch in &mut c.changes {
                if let Some(p) = &mut ch.old {
                    p.file = rev_path(&p.file, &tmp, &rev);
                }
            }
        }
    }
    Ok(report)
}

/// Marks the changes each live waiver covers; expired waivers cover nothing and are reported.
fn apply_waivers(report: &mut Report, waivers: Vec<Waiver>, today: Date) {
    for w in waivers {
        if w.expires < today {
            report.expired_waivers.push(w);
            continue;
        }
        let mut used = false;
        for ch in report
            .comparisons
            .iter_mut()
            .flat_map(|c| c.changes.iter_mut())
            .filter(|ch| ch.fingerprint == w.fingerprint)
        {
            ch.waiver = Some(w.clone());
            used = true;
        }
        if !used {
            report.unused_waivers.push(w);
        }
    }
}

/// `path` relative to the working directory when it lies inside it (messages stay short and
/// the same on every machine).
fn shown(path: &Path) -> PathBuf {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf())
}

fn rev_path(path: &Path, tmp: &Path, rev: &str) -> PathBuf {
    let canonical_tmp = tmp.canonicalize().unwrap_or_else(|_| tmp.to_path_buf());
    for prefix in [tmp, canonical_tmp.as_path()] {
        if let Ok(rel) = path.strip_prefix(prefix) {
            return PathBuf::from(format!("{rev}:{}", rel.display()));
        }
    }
    path.to_path_buf()
}

fn diff_paths(old: &Path, new: &Path, j: &Judging) -> Result<Report, DiffError> {
    for p in [old, new] {
        if !p.exists() {
            return Err(DiffError::Missing(p.to_path_buf()));
        }
    }
    match (old.is_dir(), new.is_dir()) {
        (false, false) => {
            let mut report = Report::default();
            report.comparisons.push(diff_files_with(old, new, j)?);
            Ok(report)
        }
        (true, true) => diff_folders(old, new, j),
        _ => Err(DiffError::Mixed {
            old: old.to_path_buf(),
            new: new.to_path_buf(),
        }),
    }
}

/// The catalog governing `file`: the nearest `catalog.yaml` above it that lists it.
fn catalog_for(file: &Path) -> Result<Option<(Catalog, PathBuf)>, DiffError> {
    let abs = spec::load::absolute(file);
    for dir in abs.ancestors().skip(1) {
        let candidate = dir.join("catalog.yaml");
        if candidate.is_file() {
            let catalog = catalog::load(&candidate)?;
            let Ok(rel) = abs.strip_prefix(dir) else {
                return Ok(None);
            };
            if catalog.version_of_file(rel).is_some() {
                return Ok(Some((catalog, dir.to_path_buf())));
            }
            return Ok(None);
        }
    }
    Ok(None)
}

/// A service version located in its catalog.
struct Entry<'c> {
    service: &'c Service,
    version: &'c ServiceVersion,
    dir: &'c Path,
}

fn entry<'c>(cat: &'c Option<(Catalog, PathBuf)>, file: &Path) -> Option<Entry<'c>> {
    let (catalog, dir) = cat.as_ref()?;
    let abs = spec::load::absolute(file);
    let rel = abs.strip_prefix(dir).ok()?;
    let (service, version) = catalog.version_of_file(rel)?;
    Some(Entry {
        service,
        version,
        dir,
    })
}

/// Compares two spec files (judged against the catalog above them, when both are listed).
pub fn diff_files(old: &Path, new: &Path) -> Result<Comparison, DiffError> {
    let judging = Judging {
        today: today(),
        policy: None,
    };
    diff_files_with(old, new, &judging)
}

fn diff_files_with(old: &Path, new: &Path, j: &Judging) -> Result<Comparison, DiffError> {
    let old_cat = catalog_for(old)?;
    let new_cat = catalog_for(new)?;
    let (oe, ne) = (entry(&old_cat, old), entry(&new_cat, new));
    diff_pair(old, new, oe.as_ref(), ne.as_ref(), j)
}

/// The policy for a pair: `--policy`, else `policy.yaml` beside the new side's catalog.
fn policy_for(ne: Option<&Entry>, j: &Judging) -> Result<Option<Policy>, DiffError> {
    if let Some(p) = &j.policy {
        return Ok(Some(p.clone()));
    }
    let Some(candidate) = ne.map(|e| e.dir.join("policy.yaml")) else {
        return Ok(None);
    };
    if candidate.is_file() {
        Ok(Some(load_policy(&candidate)?))
    } else {
        Ok(None)
    }
}

/// `x-stability-level` at `value` (an `info` or an operation), when it is one of the levels.
fn stability_level(extensions: Option<&Value>) -> Option<StabilityLevel> {
    extensions
        .and_then(|v| v.get("x-stability-level"))
        .and_then(Value::as_str)
        .and_then(StabilityLevel::parse)
}

fn catalog_level(s: Stability) -> StabilityLevel {
    match s {
        Stability::Experimental => StabilityLevel::Draft,
        Stability::Beta => StabilityLevel::Beta,
        Stability::Stable => StabilityLevel::Stable,
    }
}

/// The catalog dates of the pair, with the notice periods the policy gives the old version and
/// each of its operations that declares its own stability level.
fn release_of(
    o: &Entry,
    n: &Entry,
    old_spec: &Spec,
    old_model: &spec::Model,
    policy: Option<&Policy>,
    notes: &mut Vec<String>,
) -> Release {
    let service = n.service.id.clone();
    let info_level = stability_level(old_spec.root().get("info"))
        .unwrap_or_else(|| catalog_level(o.version.stability));
    let catalog_days = o.version.notice_period_days;
    // The policy's word for a level; without one, the catalog's promise (drafts need none).
    let notice = |level: StabilityLevel| -> u32 {
        match policy.and_then(|p| p.notice(&service, level)) {
            Some(d) => d,
            None if level == StabilityLevel::Draft => 0,
            None => catalog_days,
        }
    };
    let days = notice(info_level);
    if let Some(p) = policy
        && days != catalog_days
    {
        notes.push(format!(
            "{service} {}: the policy `{}` gives {} elements {days} days' notice, the catalog promised {catalog_days}; the policy applies",
            o.version.version,
            shown(&p.file).display(),
            info_level.as_str()
        ));
    }
    let mut operation_notice_days = std::collections::BTreeMap::new();
    for op in &old_model.operations {
        let level = op
            .extensions
            .get("x-stability-level")
            .and_then(Value::as_str)
            .and_then(StabilityLevel::parse);
        if let Some(level) = level {
            let d = notice(level);
            if d != days {
                operation_notice_days.insert(op.key(), d);
            }
        }
    }
    Release {
        service,
        old_version: o.version.version.clone(),
        new_version: n.version.version.clone(),
        notice_period_days: days,
        old_published: o.version.published,
        new_published: n.version.published,
        new_effective: n.version.effective,
        operation_notice_days,
    }
}

fn diff_pair(
    old: &Path,
    new: &Path,
    oe: Option<&Entry>,
    ne: Option<&Entry>,
    j: &Judging,
) -> Result<Comparison, DiffError> {
    let mut old_spec = spec::load(old)?;
    let mut new_spec = spec::load(new)?;
    // Changes carry positions, not snippets; the texts are as large as the specs.
    old_spec.drop_texts();
    new_spec.drop_texts();
    let policy = policy_for(ne, j)?;
    // Built once: the release's per-operation notice periods and the comparison share them.
    let (old_model, new_model) = (spec::model::build(&old_spec), spec::model::build(&new_spec));
    let mut notes = Vec::new();
    let release = match (oe, ne) {
        (Some(o), Some(n)) => Some(release_of(
            o,
            n,
            &old_spec,
            &old_model,
            policy.as_ref(),
            &mut notes,
        )),
        _ => None,
    };
    // The models are only needed to pair operations: the comparison uses them up.
    let mut diff = compare_models(&old_spec, &new_spec, old_model, new_model);
    diff.release = release.clone();
    let unrelated = diff.unrelated();
    let fired = if unrelated {
        Vec::new()
    } else {
        rule::run(RULES, &diff)
    };
    // The rules keep what they fired on; the rest is not needed again (and is large).
    drop(std::mem::take(&mut diff.deltas));
    let history: Vec<(Date, String, PathBuf)> = match oe {
        Some(o) => o
            .service
            .versions
            .iter()
            .take_while(|v| v.version != o.version.version)
            .map(|v| (v.published, v.version.clone(), o.dir.join(&v.file)))
            .collect(),
        None => Vec::new(),
    };
    let first_deprecation = |key: &(String, String)| first_deprecation(&history, key);
    // Announcements made by the old version and its predecessors.
    let announcements: Vec<(Announcement, String)> = match oe {
        Some(o) => o
            .service
            .versions
            .iter()
            .take_while(|v| v.published <= o.version.published)
            .flat_map(|v| {
                v.announcements
                    .iter()
                    .map(|a| (a.clone(), v.version.clone()))
            })
            .collect(),
        None => Vec::new(),
    };
    let cx = Context {
        release: release.as_ref(),
        first_deprecation: &first_deprecation,
        announcements: &announcements,
        today: j.today,
    };
    let mut changes = judge(fired, &cx);
    fragments::attach(&mut changes, &old_spec, &new_spec);
    let title = |s: &Spec| {
        s.root()
            .pointer("/info/title")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    Ok(Comparison {
        service: ne
            .map(|e| e.service.id.clone())
            .unwrap_or_else(|| title(&new_spec)),
        old_file: old.to_path_buf(),
        new_file: new.to_path_buf(),
        old_version: diff.old_version.clone(),
        new_version: diff.new_version.clone(),
        release,
        changes,
        unrelated,
        elided: diff.elided,
        notes,
    })
}

/// The earliest earlier version (oldest first) in which the operation is deprecated.
fn first_deprecation(
    history: &[(Date, String, PathBuf)],
    key: &(String, String),
) -> Option<(Date, String)> {
    for (published, version, file) in history {
        let Ok(spec) = spec::load(file) else { continue };
        let model = spec::model::build(&spec);
        let deprecated = model.operations.iter().any(|op| {
            op.deprecated
                && op.method == key.0
                && super::compare::normalized_path(&op.path) == key.1
        });
        if deprecated {
            return Some((*published, version.clone()));
        }
    }
    None
}

fn diff_folders(old: &Path, new: &Path, j: &Judging) -> Result<Report, DiffError> {
    let (oc, nc) = (old.join("catalog.yaml"), new.join("catalog.yaml"));
    if oc.is_file() && nc.is_file() {
        let old_cat = Some((catalog::load(&oc)?, old.to_path_buf()));
        let new_cat = Some((catalog::load(&nc)?, new.to_path_buf()));
        return diff_catalogs(&old_cat, &new_cat, j);
    }
    diff_by_title(old, new, j)
}

fn diff_catalogs(
    old_cat: &Option<(Catalog, PathBuf)>,
    new_cat: &Option<(Catalog, PathBuf)>,
    j: &Judging,
) -> Result<Report, DiffError> {
    let (Some((oc, od)), Some((nc, nd))) = (old_cat, new_cat) else {
        return Ok(Report::default());
    };
    let mut report = Report::default();
    for ns in &nc.services {
        let Some(nv) = ns.latest() else { continue };
        let Some(os) = oc.service(&ns.id) else {
            report.notes.push(format!(
                "service `{}` is new (only in `{}`)",
                ns.id,
                nd.display()
            ));
            continue;
        };
        let Some(ov) = os.latest() else { continue };
        let (of, nf) = (od.join(&ov.file), nd.join(&nv.file));
        let oe = Entry {
            service: os,
            version: ov,
            dir: od,
        };
        let ne = Entry {
            service: ns,
            version: nv,
            dir: nd,
        };
        report
            .comparisons
            .push(diff_pair(&of, &nf, Some(&oe), Some(&ne), j)?);
    }
    for os in &oc.services {
        if nc.service(&os.id).is_none() {
            report.notes.push(format!(
                "service `{}` was removed (only in `{}`)",
                os.id,
                od.display()
            ));
        }
    }
    Ok(report)
}

/// Without catalogs: the newest document of each `info.title` on each side.
fn diff_by_title(old: &Path, new: &Path, j: &Judging) -> Result<Report, DiffError> {
    let newest = |dir: &Path| -> Result<Vec<(String, PathBuf)>, DiffError> {
        let files = spec::discover(&[dir.to_path_buf()]);
        if files.is_empty() {
            return Err(DiffError::Empty(dir.to_path_buf()));
        }
        let mut best: Vec<(String, Option<Semver>, PathBuf)> = Vec::new();
        for f in files {
            let s = spec::load(&f)?;
            let title = s
                .root()
                .pointer("/info/title")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let version = s
                .root()
                .pointer("/info/version")
                .and_then(Value::as_str)
                .and_then(|v| v.parse().ok());
            match best.iter_mut().find(|(t, _, _)| *t == title) {
                Some(slot) if version > slot.1 => *slot = (title, version, f),
                Some(_) => {}
                None => best.push((title, version, f)),
            }
        }
        Ok(best.into_iter().map(|(t, _, f)| (t, f)).collect())
    };
    let (olds, news) = (newest(old)?, newest(new)?);
    let mut report = Report::default();
    for (title, nf) in &news {
        match olds.iter().find(|(t, _)| t == title) {
            Some((_, of)) => report.comparisons.push(diff_files_with(of, nf, j)?),
            None => report
                .notes
                .push(format!("`{title}` is new (only in `{}`)", new.display())),
        }
    }
    for (title, _) in &olds {
        if !news.iter().any(|(t, _)| t == title) {
            report.notes.push(format!(
                "`{title}` was removed (only in `{}`)",
                old.display()
            ));
        }
    }
    Ok(report)
}

/// A revision's files, extracted into a temp folder with `git archive` (the working tree and
/// the index are never touched).
struct GitCheckout {
    dir: TempDir,
    /// Where `old` lies inside the extracted tree.
    path: PathBuf,
}

impl GitCheckout {
    fn new(rev: &str, old: &Path) -> Result<Self, DiffError> {
        let fail = |reason: String| DiffError::Git {
            rev: rev.to_string(),
            reason,
        };
        if rev.starts_with('-') {
            return Err(fail("a revision may not start with `-`".into()));
        }
        let top = Command::new("git")
            .args(["rev-parse", "--show-toplevel"])
            .output()
            .map_err(|e| fail(format!("cannot run git: {e}")))?;
        if !top.status.success() {
            return Err(fail(
                String::from_utf8_lossy(&top.stderr).trim().to_string(),
            ));
        }
        let root = PathBuf::from(String::from_utf8_lossy(&top.stdout).trim());
        let abs = spec::load::absolute(old);
        let canonical_root = root.canonicalize().unwrap_or(root.clone());
        let abs_canonical = abs
            .parent()
            .and_then(|p| p.canonicalize().ok())
            .map(|p| p.join(abs.file_name().unwrap_or_default()))
            .unwrap_or(abs.clone());
        let rel = abs_canonical
            .strip_prefix(&canonical_root)
            .or_else(|_| abs.strip_prefix(&root))
            .map_err(|_| {
                fail(format!(
                    "`{}` is not inside the repository at `{}`",
                    old.display(),
                    root.display()
                ))
            })?
            .to_path_buf();
        let dir = TempDir::new().map_err(|e| fail(format!("cannot create a temp folder: {e}")))?;
        // Only the top folder holding OLD: refs between sibling folders (`../common`) still
        // resolve, without extracting the whole repository.
        let scope = rel
            .components()
            .next()
            .map(|c| PathBuf::from(c.as_os_str()))
            .unwrap_or_default();
        let mut archive = Command::new("git");
        archive
            .current_dir(&root)
            .args(["archive", "--format=tar", rev, "--"])
            .arg(if scope.as_os_str().is_empty() {
                Path::new(".")
            } else {
                &scope
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = archive
            .spawn()
            .map_err(|e| fail(format!("cannot run git: {e}")))?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| fail("no output from git archive".into()))?;
        let tar = Command::new("tar")
            .arg("-x")
            .arg("-C")
            .arg(dir.path())
            .stdin(stdout)
            .output()
            .map_err(|e| fail(format!("cannot run tar: {e}")))?;
        let git = child.wait_with_output().map_err(|e| fail(e.to_string()))?;
        if !git.status.success() {
            return Err(fail(
                String::from_utf8_lossy(&git.stderr).trim().to_string(),
            ));
        }
        if !tar.status.success() {
            return Err(fail(
                String::from_utf8_lossy(&tar.stderr).trim().to_string(),
            ));
        }
        let path = dir.path().join(&rel);
        if !path.exists() {
            return Err(fail(format!(
                "`{}` does not exist at that revision",
                rel.display()
            )));
        }
        Ok(GitCheckout { dir, path })
    }
}

/// A folder under the system temp folder, removed when dropped (tempfile is only a dev
/// dependency, and this is all the diff needs).
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> std::io::Result<TempDir> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let path =
            std::env::temp_dir().join(format!("kontrakt-diff-{}-{nanos}", std::process::id()));
        std::fs::create_dir(&path)?;
        Ok(TempDir(path))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
