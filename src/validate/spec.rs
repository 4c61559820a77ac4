//! The detection-test file format: `NAME.kqltest.json`, next to the queries or
//! under `tests/`.
//!
//! Why JSON: the rows a detection reads and returns are JSON already (kql's data
//! files and `--format json` output), so input rows and expected rows can be
//! pasted between a test, a data file and a result; and it needs no new crate.
//! Unknown keys are errors (a misspelt `"expect"` must not make a test pass).
//!
//! ```json
//! {
//!   "query": "../queries/rule.kql",           // relative to this file
//!   "now": "2026-01-15T12:00:00Z",             // the clock for ago() and now()
//!   "schemas": { "MyTable": {"A": "string"} }, // tables kql has no built-in schema for
//!   "tables": { "T": [ {"A": "x"} ] },         // rows every test gets (optional)
//!   "tests": [
//!     {
//!       "name": "fires on a scripted tool",
//!       "description": "why this case matters",
//!       "tables": { "T": [ {"A": "x"} ], "U": "data/u.json" },
//!       "expect": { "fires": true, "count": 1,
//!                   "contains": [ {"Severity": "High"} ],
//!                   "excludes": [ {"Severity": "Low"} ],
//!                   "rows": [ {"A": "x"} ], "ordered": false }
//!     }
//!   ]
//! }
//! ```
//!
//! A row names only the columns that matter; the others take their type's empty
//! value (`""` for strings, null otherwise) from the table's schema (built-in,
//! `schemas`, or the data file's). `query`, `now` and `result` may be set per test.
//!
//! `"external": {"URL": [ {"Col": "x"} ] or "data/list.csv"}` (on the file or a test)
//! gives the rows or a local copy of an `externaldata` URL, read as Kusto reads the URL.
//!
//! `"watchlists": {"alias": [ {"Col": "x"} ] or "lists/alias.csv"}` gives the items of a
//! Sentinel watchlist for `_GetWatchlist('alias')`.
//!
//! `"rule": "x.yaml"` instead of `query` runs a rule file as it is scheduled (its
//! tables limited to its window ending at `now`) and allows `expect.alert`
//! (`true`/`false`), `expect.alerts` (how many) and `expect.entities` (entities the
//! alerts must carry: `{"type": "Account", "FullName": "x"}`).

use serde::Deserialize;
use serde_json::{Map, Value as Json};
use std::path::{Path, PathBuf};

pub const SUFFIX: &str = ".kqltest.json";

pub type JsonRow = Map<String, Json>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestFile {
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub query: Option<String>,
    /// A rule file (Sentinel YAML or ARM, Defender JSON): its query runs as the rule is
    /// scheduled (the tables limited to its window) and `alert`, `alerts` and
    /// `entities` check what it raises.
    #[serde(default)]
    pub rule: Option<String>,
    #[serde(default)]
    pub now: Option<String>,
    /// Table name → `{"Col": "type", ...}` or the path of a schema file.
    #[serde(default)]
    pub schemas: Map<String, Json>,
    /// Rows every test of the file starts with (a test's own rows are added).
    #[serde(default)]
    pub tables: Map<String, Json>,
    /// externaldata URL → its rows (an array of objects) or the path of a local copy.
    #[serde(default)]
    pub external: Map<String, Json>,
    /// Watchlist alias → its items (an array of objects) or the path of its CSV file.
    #[serde(default)]
    pub watchlists: Map<String, Json>,
    pub tests: Vec<TestCase>,
    /// The file's text, to point at a test by line.
    #[serde(skip)]
    pub text: String,
}

impl TestFile {
    /// The line where test `name` is declared.
    pub fn line_of(&self, name: &str) -> Option<usize> {
        find_line(&self.text, name)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestCase {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub query: Option<String>,
    #[serde(default)]
    pub rule: Option<String>,
    #[serde(default)]
    pub now: Option<String>,
    /// Table name → an array of rows, or the path of a data file.
    #[serde(default)]
    pub tables: Map<String, Json>,
    /// externaldata URL → rows or a file, as the file's `external` (the test's win).
    #[serde(default)]
    pub external: Map<String, Json>,
    /// Watchlist alias → items or a CSV file, as the file's `watchlists`.
    #[serde(default)]
    pub watchlists: Map<String, Json>,
    /// Which result table to check when the query returns several (0-based).
    #[serde(default)]
    pub result: usize,
    pub expect: Expect,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// `true`: at least one row; `false`: no row.
    #[serde(default)]
    pub fires: Option<bool>,
    /// `true`: no row (the same as `"fires": false`).
    #[serde(default)]
    pub silent: Option<bool>,
    /// Exactly this many rows.
    #[serde(default)]
    pub count: Option<usize>,
    /// Exactly these rows (compared on the columns each names), as a set unless `ordered`.
    #[serde(default)]
    pub rows: Option<Vec<JsonRow>>,
    #[serde(default)]
    pub ordered: bool,
    /// Each must match a distinct result row.
    #[serde(default)]
    pub contains: Option<Vec<JsonRow>>,
    /// None may match any result row.
    #[serde(default)]
    pub excludes: Option<Vec<JsonRow>>,
    /// (a rule) whether the run raises an alert.
    #[serde(default)]
    pub alert: Option<bool>,
    /// (a rule) how many alerts the run raises.
    #[serde(default)]
    pub alerts: Option<usize>,
    /// (a rule) entities the alerts must carry: `{"type": "Account", "FullName": "x"}`,
    /// each matching a distinct entity on the identifiers it names.
    #[serde(default)]
    pub entities: Option<Vec<JsonRow>>,
}

impl Expect {
    pub fn is_empty(&self) -> bool {
        self.fires.is_none()
            && self.silent.is_none()
            && self.count.is_none()
            && self.rows.is_none()
            && self.contains.is_none()
            && self.excludes.is_none()
            && self.alert.is_none()
            && self.alerts.is_none()
            && self.entities.is_none()
    }

    /// Whether it checks what a rule raises (which needs `rule`).
    pub fn about_alerts(&self) -> bool {
        self.alert.is_some() || self.alerts.is_some() || self.entities.is_some()
    }
}

/// A test file that could not be used, with the file and, when known, the line.
#[derive(Debug, Clone, PartialEq)]
pub struct SpecError {
    pub path: String,
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for SpecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{l}: {}", self.path, self.message),
            None => write!(f, "{}: {}", self.path, self.message),
        }
    }
}

pub fn load(path: &Path) -> Result<TestFile, SpecError> {
    let shown = super::walk::display(path);
    let text = std::fs::read_to_string(path).map_err(|e| SpecError {
        path: shown.clone(),
        line: None,
        message: format!("cannot read: {e}"),
    })?;
    parse(&text, &shown)
}

pub fn parse(text: &str, shown: &str) -> Result<TestFile, SpecError> {
    let mut file: TestFile = serde_json::from_str(text).map_err(|e| SpecError {
        path: shown.to_string(),
        line: (e.line() > 0).then_some(e.line()),
        // serde_json appends "at line L column C"; the line is shown in front already.
        message: strip_position(&e.to_string()),
    })?;
    let err = |name: &str, message: String| SpecError {
        path: shown.to_string(),
        line: find_line(text, name),
        message,
    };
    if file.tests.is_empty() {
        return Err(SpecError {
            path: shown.to_string(),
            line: None,
            message: "`tests` is empty".into(),
        });
    }
    let mut names = std::collections::HashSet::new();
    for t in &file.tests {
        if !names.insert(t.name.as_str()) {
            return Err(err(&t.name, format!("two tests are named `{}`", t.name)));
        }
        let query = t.query.is_some() || (t.rule.is_none() && file.query.is_some());
        let rule = t.rule.is_some() || (t.query.is_none() && file.rule.is_some());
        if !query && !rule {
            return Err(err(
                &t.name,
                format!(
                    "test `{}` names no `query` or `rule` (set it on the test or the file)",
                    t.name
                ),
            ));
        }
        if t.query.is_some() && t.rule.is_some() {
            return Err(err(
                &t.name,
                format!("test `{}` names both a `query` and a `rule`", t.name),
            ));
        }
        if t.expect.about_alerts() && !rule {
            return Err(err(
                &t.name,
                format!(
                    "test `{}`: `alert`, `alerts` and `entities` check a rule; name it with `rule`",
                    t.name
                ),
            ));
        }
        if t.now.is_none() && file.now.is_none() {
            return Err(err(
                &t.name,
                format!(
                    "test `{}` sets no `now` (the clock; set it on the test or the file)",
                    t.name
                ),
            ));
        }
        if t.expect.is_empty() {
            return Err(err(&t.name, format!("test `{}`: `expect` checks nothing (use fires, silent, count, rows, contains, excludes, alert, alerts or entities)", t.name)));
        }
        if t.expect.ordered && t.expect.rows.is_none() {
            return Err(err(
                &t.name,
                format!("test `{}`: `ordered` needs `rows`", t.name),
            ));
        }
    }
    file.text = text.to_string();
    Ok(file)
}

fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

/// The line of the first `"name": "<value>"` occurrence, to point at a test.
fn find_line(text: &str, value: &str) -> Option<usize> {
    let needle = serde_json::to_string(value).ok()?;
    let at = text
        .find(&format!("\"name\": {needle}"))
        .or_else(|| text.find(&format!("\"name\":{needle}")))?;
    Some(text[..at].matches('\n').count() + 1)
}

/// A path written in a test file, relative to the folder holding it.
pub fn resolve(test_file: &Path, rel: &str) -> PathBuf {
    let base = test_file.parent().unwrap_or(Path::new("."));
    normalize(&base.join(rel))
}

/// Removes `.` and `dir/..` without touching the file system, so that messages
/// show `queries/q.kql` rather than `tests/detections/../../queries/q.kql`.
pub fn normalize(p: &Path) -> PathBuf {
    use std::path::Component;
    let mut out: Vec<Component> = Vec::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.last(), Some(Component::Normal(_))) => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    if out.is_empty() {
        PathBuf::from(".")
    } else {
        out.iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        parse(text, "t.kqltest.json").unwrap_err().to_string()
    }

    #[test]
    fn bad_files_are_named_with_line_and_reason() {
        let cases = [
            ("{", "t.kqltest.json:1: EOF while parsing"),
            (
                "{\"query\": \"q.kql\", \"now\": \"2026-01-01T00:00:00Z\",\n \"tests\": [], \"tset\": 1}",
                "t.kqltest.json:2: unknown field `tset`",
            ),
            (
                "{\"query\": \"q.kql\", \"now\": \"2026-01-01T00:00:00Z\",\n \"tests\": [{\"name\": \"a\",\n \"expect\": {\"fire\": true}}]}",
                "t.kqltest.json:3: unknown field `fire`",
            ),
            (
                "{\"now\": \"2026-01-01T00:00:00Z\",\n \"tests\": [{\"name\": \"a\", \"expect\": {\"fires\": true}}]}",
                "t.kqltest.json:2: test `a` names no `query`",
            ),
            (
                "{\"query\": \"q.kql\", \"now\": \"x\",\n \"tests\": [{\"name\": \"a\", \"expect\": {}}]}",
                "t.kqltest.json:2: test `a`: `expect` checks nothing",
            ),
            ("{\"query\": \"q.kql\", \"now\": \"x\", \"tests\": []}", "`tests` is empty"),
        ];
        for (text, want) in cases {
            let got = err(text);
            assert!(got.contains(want), "{text}\n got: {got}\nwant: {want}");
        }
    }

    #[test]
    fn a_minimal_file_parses() {
        let f = parse(
            r#"{"query": "q.kql", "now": "2026-01-01T00:00:00Z",
                "tests": [{"name": "a", "tables": {"T": [{"A": 1}]}, "expect": {"silent": true}}]}"#,
            "t",
        )
        .unwrap();
        assert_eq!(f.tests[0].expect.silent, Some(true));
        assert_eq!(f.tests[0].tables["T"][0]["A"], 1);
    }
}
