//! `externaldata`: what a query asks for (its columns, URLs and properties, as the
//! binder reads them into a plan leaf) and where kql finds the data offline. The binder
//! does no file I/O: the executor asks the session's [`Externals`] for the leaf's rows.
//!
//! Offline, a URL is found in (first that has it): rows given by a test file
//! (`"external": {"URL": [...]}`), a file given for it (`--external URL=FILE`, or a test
//! file's `"external": {"URL": "file"}`), or a file in `--external-dir DIR` named after
//! the URL's last path segment (`https://host/lists/ips.txt?sv=...` → `ips.txt`). No
//! local copy is an error naming the URL, its place in the query and both flags.

use crate::error::{Error, ErrorKind, Result, Span};
use crate::table::{Column, Table, TableSource};
use indexmap::IndexMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// An `externaldata` operator as bound: its columns, URLs (each with its place in the
/// query) and properties.
#[derive(Clone, Debug)]
pub struct ExternalSpec {
    pub columns: Vec<Column>,
    pub uris: Vec<(String, Span)>,
    /// `format`, lower case (else told by each URL's extension).
    pub format: Option<String>,
    /// `ignoreFirstRecord`: the first record of every file is skipped.
    pub ignore_first: bool,
    /// `ingestionMapping`: the JSON text of the mapping.
    pub mapping: Option<String>,
    /// The operator's place in the query.
    pub span: Span,
}

/// Where the rows of `externaldata` come from.
pub trait Externals: Send + Sync {
    /// The rows of `spec`, as a table source with `spec.columns`.
    fn source(&self, spec: &ExternalSpec) -> Result<Arc<dyn TableSource>>;
}

/// The file name kql looks for in `--external-dir` for `url`: its last path segment
/// (without the query string or fragment, percent-escapes decoded).
pub fn local_name(url: &str) -> String {
    let no_query = url.split(['?', '#']).next().unwrap_or(url);
    let no_scheme = no_query
        .split_once("://")
        .map_or(no_query, |(_, rest)| rest);
    let last = no_scheme
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(no_scheme);
    percent_decode(last)
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Some(v) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

/// What a URL is, offline.
#[derive(Clone, Debug)]
pub enum Local {
    /// A file holding the data, read as Kusto would read the URL.
    File(PathBuf),
    /// Rows given as JSON objects (a test file's).
    Rows(Vec<serde_json::Map<String, serde_json::Value>>),
}

/// The offline copies of external data: `--external`, `--external-dir`, test files.
#[derive(Clone, Debug, Default)]
pub struct LocalExternals {
    pub by_url: IndexMap<String, Local>,
    pub dir: Option<PathBuf>,
    pub read: crate::io::ReadOptions,
}

impl LocalExternals {
    /// Where `url` is found, if anywhere.
    pub fn find(&self, url: &str) -> Option<Local> {
        if let Some(l) = self.by_url.get(url) {
            return Some(l.clone());
        }
        let dir = self.dir.as_ref()?;
        let p = dir.join(local_name(url));
        p.is_file().then_some(Local::File(p))
    }

    /// `URL=FILE` of `--external`.
    pub fn parse_flag(arg: &str) -> std::result::Result<(String, PathBuf), String> {
        // The URL may hold `=` (a query string): the file is after the last one.
        match arg.rsplit_once('=') {
            Some((url, file)) if !url.is_empty() && !file.is_empty() => {
                Ok((url.to_string(), PathBuf::from(file)))
            }
            _ => Err(format!("expected URL=FILE, got `{arg}`")),
        }
    }

    fn missing(&self, url: &str, span: Span) -> Error {
        let name = local_name(url);
        let dir = match &self.dir {
            Some(d) => format!(" ({} has no `{name}`)", d.display()),
            None => String::new(),
        };
        Error::new(
            ErrorKind::Data,
            format!("externaldata: no local copy of `{url}`{dir}"),
        )
        .at(span)
        .with_hint(format!(
            "give one with `--external {url}=FILE`, or put it in a folder as `{name}` and give `--external-dir DIR`"
        ))
    }
}

impl Externals for LocalExternals {
    fn source(&self, spec: &ExternalSpec) -> Result<Arc<dyn TableSource>> {
        let mut files: Vec<(PathBuf, String, Span)> = Vec::new();
        let mut rows: Vec<serde_json::Map<String, serde_json::Value>> = Vec::new();
        for (url, span) in &spec.uris {
            match self.find(url) {
                Some(Local::File(p)) => files.push((p, url.clone(), *span)),
                Some(Local::Rows(r)) => rows.extend(r),
                None => return Err(self.missing(url, *span)),
            }
        }
        if files.is_empty() {
            let t = crate::validate::engine::rows_to_table(&spec.columns, &rows, "externaldata")?;
            return Ok(Arc::new(MemorySource(Arc::new(t))));
        }
        if !rows.is_empty() {
            return Err(Error::new(
                ErrorKind::Data,
                "externaldata: some URLs are given as rows and others as files; give all the same way",
            )
            .at(spec.span));
        }
        crate::io::formats::external::open(spec, &files, &self.read)
    }
}

/// Rows in memory as a source.
pub(crate) struct MemorySource(pub(crate) Arc<Table>);

impl TableSource for MemorySource {
    fn columns(&self) -> Result<Vec<Column>> {
        Ok(self.0.columns.clone())
    }
    fn in_memory(&self) -> Option<Arc<Table>> {
        Some(self.0.clone())
    }
    fn scan(
        &self,
        _: &crate::table::ScanRequest<'_>,
        _: &dyn crate::table::ChunkSink,
    ) -> Result<crate::table::Scanned> {
        Ok(crate::table::Scanned::GaveUp(0))
    }
    fn load(&self) -> Result<Arc<Table>> {
        Ok(self.0.clone())
    }
}

/// An `externaldata` URL a query names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamedUrl {
    /// The URL, when it is a string literal (or a `let` of one).
    pub url: Option<String>,
    /// Its place in the query.
    pub span: Span,
    /// The operator's `format` property, if any.
    pub format: Option<String>,
}

/// The URLs of every `externaldata` in `query`, in order, without binding it (so with no
/// schema or data). The tree is walked through its JSON form, as the lints are.
pub fn urls(query: &crate::ast::Query) -> Vec<NamedUrl> {
    use serde_json::Value as J;
    let Ok(tree) = serde_json::to_value(query) else {
        return Vec::new();
    };
    fn literal(e: &J) -> Option<String> {
        e.get("kind")?
            .get("Literal")?
            .get("String")?
            .as_str()
            .map(str::to_string)
    }
    fn span(e: &J) -> Span {
        let s = &e["span"];
        Span {
            start: s["start"].as_u64().unwrap_or(0) as usize,
            end: s["end"].as_u64().unwrap_or(0) as usize,
        }
    }
    // `let name = "literal"` anywhere (names are rarely reused for different URLs).
    fn lets(v: &J, out: &mut IndexMap<String, String>) {
        match v {
            J::Object(m) => {
                if let Some(l) = m.get("Let") {
                    if let (Some(n), Some(e)) = (l["name"]["name"].as_str(), l["value"].get("Expr"))
                    {
                        if let Some(s) = literal(e) {
                            out.insert(n.to_string(), s);
                        }
                    }
                }
                m.values().for_each(|x| lets(x, out));
            }
            J::Array(a) => a.iter().for_each(|x| lets(x, out)),
            _ => {}
        }
    }
    fn walk(v: &J, bound: &IndexMap<String, String>, out: &mut Vec<NamedUrl>) {
        match v {
            J::Object(m) => {
                if let Some(x) = m.get("Externaldata") {
                    let format = x["with"].as_array().and_then(|ps| {
                        ps.iter().find_map(|p| {
                            let n = p["name"]["name"].as_str()?;
                            if !n.eq_ignore_ascii_case("format") {
                                return None;
                            }
                            literal(&p["value"]).or_else(|| {
                                p["value"]["kind"]["Name"]["name"]
                                    .as_str()
                                    .map(str::to_string)
                            })
                        })
                    });
                    for u in x["uris"].as_array().into_iter().flatten() {
                        let url = literal(u).or_else(|| {
                            let n = u["kind"]["Name"]["name"].as_str()?;
                            bound.get(n).cloned()
                        });
                        out.push(NamedUrl {
                            url,
                            span: span(u),
                            format: format.clone(),
                        });
                    }
                }
                m.values().for_each(|x| walk(x, bound, out));
            }
            J::Array(a) => a.iter().for_each(|x| walk(x, bound, out)),
            _ => {}
        }
    }
    let mut bound = IndexMap::new();
    lets(&tree, &mut bound);
    let mut out = Vec::new();
    walk(&tree, &bound, &mut out);
    out.sort_by_key(|u| u.span.start);
    out
}

/// Reads `path` relative to `base` (a test file's folder).
pub fn resolve(base: &Path, file: &str) -> PathBuf {
    let p = Path::new(file);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        base.join(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_names_are_the_last_path_segment() {
        for (url, name) in [
            (
                "https://raw.githubusercontent.com/a/b/main/lists/ips.txt",
                "ips.txt",
            ),
            (
                "https://acct.blob.core.windows.net/c/feed.csv.gz?sv=2020&sig=x%2F",
                "feed.csv.gz",
            ),
            ("https://host/dir/Bad%20IPs.csv#frag", "Bad IPs.csv"),
            ("https://host/dir/", "dir"),
            ("ips.txt", "ips.txt"),
        ] {
            assert_eq!(local_name(url), name, "{url}");
        }
        assert_eq!(
            LocalExternals::parse_flag("https://h/x.csv?a=1=ips.csv").unwrap(),
            ("https://h/x.csv?a=1".to_string(), PathBuf::from("ips.csv"))
        );
        assert!(LocalExternals::parse_flag("nofile").is_err());
    }
}
