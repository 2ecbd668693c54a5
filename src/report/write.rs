//! Which formats to write and how: each file goes to a temporary name beside its target and
//! is renamed into place only when complete, so a reader never finds a half-written report.

use std::path::{Path, PathBuf};

use super::model::Report;

/// The report formats (`--report junit,json,md,html,har`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Format {
    Junit,
    Json,
    Markdown,
    Html,
    Har,
}

impl Format {
    pub const ALL: [Format; 5] = [
        Format::Junit,
        Format::Json,
        Format::Markdown,
        Format::Html,
        Format::Har,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Format::Junit => "junit",
            Format::Json => "json",
            Format::Markdown => "md",
            Format::Html => "html",
            Format::Har => "har",
        }
    }

    /// The file a format is written to inside the run's report folder.
    pub fn file_name(self) -> &'static str {
        match self {
            Format::Junit => "junit.xml",
            Format::Json => "report.json",
            Format::Markdown => "report.md",
            Format::Html => "report.html",
            Format::Har => "exchanges.har",
        }
    }

    /// Parses `junit,json,md,html,har` (or `all`), in any order, without repeats.
    pub fn parse_list(text: &str) -> Result<Vec<Format>, ReportError> {
        let mut out = Vec::new();
        for word in text.split(',').map(str::trim).filter(|w| !w.is_empty()) {
            let found: Vec<Format> = match word.to_ascii_lowercase().as_str() {
                "all" => Format::ALL.to_vec(),
                "junit" | "xml" => vec![Format::Junit],
                "json" => vec![Format::Json],
                "md" | "markdown" => vec![Format::Markdown],
                "html" => vec![Format::Html],
                "har" => vec![Format::Har],
                _ => return Err(ReportError::UnknownFormat(word.to_string())),
            };
            for f in found {
                if !out.contains(&f) {
                    out.push(f);
                }
            }
        }
        out.sort();
        Ok(out)
    }

    /// The rendered text of a report in this format.
    pub fn render(self, report: &Report) -> Result<String, ReportError> {
        Ok(match self {
            Format::Junit => super::junit::render(report),
            Format::Json => super::json::render(report)?,
            Format::Markdown => super::markdown::render(report),
            Format::Html => super::html::render(report),
            Format::Har => super::har::render(report)?,
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("unknown report format `{0}` (known: junit, json, md, html, har, all)")]
    UnknownFormat(String),
    #[error("cannot write the report {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot serialise the report: {0}")]
    Serialise(#[from] serde_json::Error),
    #[error("{path}: {message}")]
    Read { path: PathBuf, message: String },
}

/// Writes `report` in each format into `dir` (created if missing); returns the files written.
pub fn write_reports(
    report: &Report,
    dir: &Path,
    formats: &[Format],
) -> Result<Vec<PathBuf>, ReportError> {
    std::fs::create_dir_all(dir).map_err(|source| ReportError::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut written = Vec::new();
    for f in formats {
        let path = dir.join(f.file_name());
        write_atomic(&path, f.render(report)?.as_bytes())?;
        written.push(path);
    }
    Ok(written)
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    let err = |source| ReportError::Write {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_format_lists() {
        assert_eq!(
            Format::parse_list("html, junit,md").unwrap(),
            vec![Format::Junit, Format::Markdown, Format::Html]
        );
        assert_eq!(Format::parse_list("all").unwrap(), Format::ALL.to_vec());
        let e = Format::parse_list("json,pdf").unwrap_err().to_string();
        assert!(e.contains("unknown report format `pdf`"), "{e}");
    }

    #[test]
    fn atomic_write_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.json");
        write_atomic(&path, b"{}").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"{}");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
        let missing = dir.path().join("no/such/dir/r.json");
        assert!(write_atomic(&missing, b"{}").is_err());
    }
}
