//! Finding what to compare: two files, two folders (services matched by catalog entry or by
//! title), or the old side read from a git revision; then compare, judge and collect.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use super::compare::compare;
use super::policy::{Change, Release, judge};
use super::rule;
use super::rules::RULES;
use crate::catalog::{self, Catalog, CatalogError, Date, Semver, Service, ServiceVersion};
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
}

/// What to compare.
#[derive(Debug, Clone)]
pub struct Options {
    pub old: PathBuf,
    pub new: PathBuf,
    /// Read `old` from this git revision of the repository holding the working directory.
    pub base: Option<String>,
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
}

/// Everything a renderer needs.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub comparisons: Vec<Comparison>,
    /// Services present on one side only, and similar remarks.
    pub notes: Vec<String>,
}

/// Compares what `opts` names.
pub fn run(opts: &Options) -> Result<Report, DiffError> {
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
    let mut report = diff_paths(&old_root, &opts.new)?;
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

fn rev_path(path: &Path, tmp: &Path, rev: &str) -> PathBuf {
    let canonical_tmp = tmp.canonicalize().unwrap_or_else(|_| tmp.to_path_buf());
    for prefix in [tmp, canonical_tmp.as_path()] {
        if let Ok(rel) = path.strip_prefix(prefix) {
            return PathBuf::from(format!("{rev}:{}", rel.display()));
        }
    }
    path.to_path_buf()
}

fn diff_paths(old: &Path, new: &Path) -> Result<Report, DiffError> {
    for p in [old, new] {
        if !p.exists() {
            return Err(DiffError::Missing(p.to_path_buf()));
        }
    }
    match (old.is_dir(), new.is_dir()) {
        (false, false) => {
            let mut report = Report::default();
            report.comparisons.push(diff_files(old, new)?);
            Ok(report)
        }
        (true, true) => diff_folders(old, new),
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
    let old_cat = catalog_for(old)?;
    let new_cat = catalog_for(new)?;
    let (oe, ne) = (entry(&old_cat, old), entry(&new_cat, new));
    diff_pair(old, new, oe.as_ref(), ne.as_ref())
}

fn diff_pair(
    old: &Path,
    new: &Path,
    oe: Option<&Entry>,
    ne: Option<&Entry>,
) -> Result<Comparison, DiffError> {
    let old_spec = spec::load(old)?;
    let new_spec = spec::load(new)?;
    let release = match (oe, ne) {
        (Some(o), Some(n)) => Some(Release {
            service: n.service.id.clone(),
            old_version: o.version.version.clone(),
            new_version: n.version.version.clone(),
            notice_period_days: o.version.notice_period_days,
            old_published: o.version.published,
            new_published: n.version.published,
            new_effective: n.version.effective,
        }),
        _ => None,
    };
    let mut diff = compare(&old_spec, &new_spec);
    diff.release = release.clone();
    let unrelated = diff.unrelated();
    let fired = if unrelated {
        Vec::new()
    } else {
        rule::run(RULES, &diff)
    };
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
    let changes = judge(fired, release.as_ref(), &first_deprecation);
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

fn diff_folders(old: &Path, new: &Path) -> Result<Report, DiffError> {
    let (oc, nc) = (old.join("catalog.yaml"), new.join("catalog.yaml"));
    if oc.is_file() && nc.is_file() {
        let old_cat = Some((catalog::load(&oc)?, old.to_path_buf()));
        let new_cat = Some((catalog::load(&nc)?, new.to_path_buf()));
        return diff_catalogs(&old_cat, &new_cat);
    }
    diff_by_title(old, new)
}

fn diff_catalogs(
    old_cat: &Option<(Catalog, PathBuf)>,
    new_cat: &Option<(Catalog, PathBuf)>,
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
            .push(diff_pair(&of, &nf, Some(&oe), Some(&ne))?);
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
fn diff_by_title(old: &Path, new: &Path) -> Result<Report, DiffError> {
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
            Some((_, of)) => report.comparisons.push(diff_files(of, nf)?),
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
