//! Running detection tests: build each test's tables, run its query with its
//! clock, check what it expects. All tests run in one process; a query file is
//! read once however many tests use it.

use super::engine;
use super::rows::{self, Pattern};
use super::spec::{self, Expect, JsonRow, SpecError, TestCase, TestFile};
use crate::io::{Product, Schema};
use crate::rules::alert::{Decision, Entity};
use crate::rules::Read;
use crate::table::{Catalog, Column, Table};
use crate::types::Type;
use serde_json::Value as Json;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(Debug)]
pub enum Outcome {
    Pass,
    /// The query ran but an expectation does not hold: one message per expectation.
    Fail(Vec<String>),
    /// The test could not run (bad input rows, a missing query file, a query error).
    Error(String),
}

#[derive(Debug)]
pub struct TestResult {
    pub file: String,
    /// The line of the test file where the test is declared.
    pub line: Option<usize>,
    pub name: String,
    pub description: Option<String>,
    pub outcome: Outcome,
    pub duration: Duration,
}

/// Everything that came out of one run of `kql test`.
#[derive(Debug, Default)]
pub struct Report {
    pub results: Vec<TestResult>,
    /// Test files that could not be read or are not valid test files.
    pub file_errors: Vec<SpecError>,
}

impl Report {
    pub fn passed(&self) -> usize {
        self.results
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Pass))
            .count()
    }
    pub fn ok(&self) -> bool {
        self.file_errors.is_empty() && self.passed() == self.results.len()
    }
}

/// Shared across files: built-in schemas and query texts already read.
pub struct Runner {
    product: Product,
    builtins: Vec<&'static Schema>,
    queries: HashMap<PathBuf, Result<String, String>>,
    /// Stored functions every test's queries may call (`kql test --functions`).
    functions: Vec<std::sync::Arc<crate::stored::StoredFunction>>,
    /// The geolocation database of `geo_info_from_ip_address` (`--geoip`).
    geoip: Option<std::sync::Arc<crate::geoip::GeoIp>>,
}

impl Default for Runner {
    fn default() -> Self {
        Self::new()
    }
}

impl Runner {
    pub fn new() -> Self {
        Self::for_product(Product::default())
    }

    /// Tables are typed as `product` has them (built-in schemas and schema files).
    pub fn for_product(product: Product) -> Self {
        Runner {
            product,
            builtins: engine::builtin_schemas(product),
            queries: HashMap::new(),
            functions: Vec::new(),
            geoip: None,
        }
    }

    /// Gives every test the geolocation database at `path` (see [`crate::geoip`]).
    pub fn with_geoip(mut self, path: &Path) -> crate::error::Result<Self> {
        self.geoip = Some(std::sync::Arc::new(crate::geoip::GeoIp::open(path)?));
        Ok(self)
    }

    /// Gives every test the stored functions of `dir` (see [`crate::stored`]).
    pub fn with_functions(mut self, dir: &Path) -> crate::error::Result<Self> {
        self.functions = crate::stored::load_dir(dir)?
            .into_iter()
            .map(std::sync::Arc::new)
            .collect();
        Ok(self)
    }

    /// Runs every test of every file; `on_result` sees each result as it comes.
    pub fn run_files(
        &mut self,
        files: &[PathBuf],
        mut on_result: impl FnMut(&TestResult),
    ) -> Report {
        let mut report = Report::default();
        for f in files {
            match spec::load(f) {
                Err(e) => report.file_errors.push(e),
                Ok(tf) => {
                    for t in &tf.tests {
                        let start = Instant::now();
                        // A panic (a bug in kql) fails this test only; the run goes on.
                        let outcome = crate::guard::catch(|| self.run_one(f, &tf, t))
                            .unwrap_or_else(|m| Outcome::Error(format!("internal error: {m}")));
                        let r = TestResult {
                            file: super::walk::display(f),
                            line: tf.line_of(&t.name),
                            name: t.name.clone(),
                            description: t.description.clone(),
                            outcome,
                            duration: start.elapsed(),
                        };
                        on_result(&r);
                        report.results.push(r);
                    }
                }
            }
        }
        report
    }

    fn run_one(&mut self, path: &Path, tf: &TestFile, t: &TestCase) -> Outcome {
        let setup = || -> Result<(String, bool, Catalog, i64), String> {
            let (rel, as_rule) = match (&t.query, &t.rule, &tf.query, &tf.rule) {
                (Some(q), _, _, _) => (q, false),
                (None, Some(r), _, _) => (r, true),
                (None, None, Some(q), _) => (q, false),
                (None, None, None, Some(r)) => (r, true),
                _ => return Err("no query".into()),
            };
            let now_text = t.now.as_ref().or(tf.now.as_ref()).ok_or("no now")?;
            let now = engine::parse_now(now_text).map_err(|m| format!("`now`: {m}"))?;
            let mut catalog = self.catalog(path, tf, t)?;
            catalog.set_watchlists(watchlists(path, tf, t)?);
            Ok((rel.clone(), as_rule, catalog, now))
        };
        let (rel, as_rule, catalog, now) = match setup() {
            Ok(s) => s,
            Err(m) => return Outcome::Error(m),
        };
        // `page.md#2`: the second query of the page (unless a file has that name).
        let (file_rel, selector) = match rel.rsplit_once('#') {
            Some((f, n))
                if !n.is_empty()
                    && n.chars().all(|c| c.is_ascii_digit())
                    && !spec::resolve(path, &rel).exists() =>
            {
                (f.to_string(), n.parse::<usize>().ok())
            }
            _ => (rel.clone(), None),
        };
        let query_path = spec::resolve(path, &file_rel);
        let text = match self
            .queries
            .entry(query_path.clone())
            .or_insert_with(|| {
                std::fs::read_to_string(&query_path).map_err(|e| {
                    format!(
                        "cannot read query file `{file_rel}` ({}): {e}",
                        query_path.display()
                    )
                })
            })
            .clone()
        {
            Ok(t) => t,
            Err(m) => return Outcome::Error(m),
        };
        let shown = super::walk::display(&query_path);
        let file_name = query_path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("");
        let doc = match crate::rules::read_text(&shown, file_name, text) {
            Read::Doc(d) => d,
            Read::Skipped(why) => return Outcome::Error(format!("{shown} holds no query: {why}")),
        };
        let item = match (selector, doc.items.len()) {
            (_, 0) => return Outcome::Error(format!("{shown} holds no query")),
            (Some(n), len) if n >= 1 && n <= len => &doc.items[n - 1],
            (None, 1) => &doc.items[0],
            (Some(n), _) => {
                return Outcome::Error(format!("{shown} has no query {n}"));
            }
            (None, _) => {
                let names: Vec<&str> = doc.items.iter().map(|i| i.name.as_str()).collect();
                return Outcome::Error(format!(
                    "{shown} holds several queries; name one ({})",
                    names.join(", ")
                ));
            }
        };
        if as_rule && item.rule.is_none() {
            return Outcome::Error(format!(
                "`rule`: {} is a query, not a rule (name it with `query`)",
                item.name
            ));
        }
        let text = &item.query;
        // Rows given to a table the query never reads make a "silent" test pass
        // for the wrong reason (a typo of a table that has a built-in schema).
        if let Ok(query) = engine::parse(text) {
            let names = super::check::names(&query);
            let reads = |n: &str| {
                names.contains(n)
                    // `table("T")`, and `union Sec*`
                    || text.contains(&format!("\"{n}\""))
                    || text.contains(&format!("'{n}'"))
                    || names.iter().any(|p| {
                        p.strip_suffix('*').is_some_and(|pre| n.starts_with(pre))
                    })
            };
            if let Some(unread) = t.tables.keys().find(|n| !reads(n)) {
                return Outcome::Error(format!(
                    "the test gives rows for table `{unread}`, which {} never reads",
                    item.name
                ));
            }
        }
        let externals = match externals(path, tf, t) {
            Ok(x) => x,
            Err(e) => return Outcome::Error(e),
        };
        let run = if as_rule {
            crate::rules::run::run_with(item, &catalog, now, Some(&externals))
        } else {
            engine::run_with(text, &catalog, now, &externals).map(|tables| {
                crate::rules::run::Outcome {
                    window: None,
                    tables,
                    decision: None,
                    truncated: Vec::new(),
                }
            })
        };
        let outcome = match run {
            Ok(o) => o,
            Err(e) => return Outcome::Error(item.map.error(e).render(&doc.path, &doc.text)),
        };
        let tables = &outcome.tables;
        let Some(table) = tables.get(t.result) else {
            return Outcome::Error(format!(
                "the query returned {} result table(s); `result` is {}",
                tables.len(),
                t.result
            ));
        };
        let mut alert_fails = Vec::new();
        if t.expect.about_alerts() {
            match &outcome.decision {
                None => {
                    return Outcome::Error(format!(
                        "{} raises no alerts (a hunting query): `alert`, `alerts` and `entities` do not apply",
                        item.name
                    ))
                }
                Some(d) => alert_fails = check_alerts(&t.expect, d),
            }
        }
        match check(&t.expect, table) {
            Ok(mut fails) => {
                fails.extend(alert_fails);
                if fails.is_empty() {
                    Outcome::Pass
                } else {
                    Outcome::Fail(fails)
                }
            }
            Err(m) => Outcome::Error(m),
        }
    }

    /// The tables of one test: every built-in table (empty) and every table the
    /// file or the test gives rows for.
    fn catalog(&self, path: &Path, tf: &TestFile, t: &TestCase) -> Result<Catalog, String> {
        let mut schemas: Vec<Schema> = self.builtins.iter().map(|s| (*s).clone()).collect();
        for (name, s) in &tf.schemas {
            let columns = schema_entry(path, name, s, self.product)?;
            schemas.retain(|x| x.name != *name);
            schemas.push(Schema {
                name: name.clone(),
                columns,
            });
        }
        let mut catalog = Catalog::new();
        for s in &schemas {
            catalog.add_table(s.name.clone(), Table::new(s.columns.clone(), Vec::new()));
        }
        for f in &self.functions {
            catalog.add_shared_function(f.clone());
        }
        if let Some(db) = &self.geoip {
            catalog.set_shared_geoip(db.clone());
        }
        catalog.set_product(self.product.into());
        let mut names: Vec<&String> = tf.tables.keys().collect();
        for n in t.tables.keys() {
            if !names.contains(&n) {
                names.push(n);
            }
        }
        for name in names {
            let known = schemas.iter().find(|s| s.name == *name);
            let mut table: Option<Table> = None;
            for (whence, src) in [("file", tf.tables.get(name)), ("test", t.tables.get(name))] {
                let Some(src) = src else { continue };
                let part = match src {
                    Json::Array(items) => {
                        let mut rows: Vec<JsonRow> = Vec::with_capacity(items.len());
                        for (i, it) in items.iter().enumerate() {
                            match it {
                                Json::Object(o) => rows.push(o.clone()),
                                _ => return Err(format!("table `{name}` (the {whence}'s rows): row {} is not a JSON object", i + 1)),
                            }
                        }
                        let columns = match (known, &table) {
                            (Some(s), _) => s.columns.clone(),
                            (None, Some(t)) => t.columns.clone(),
                            (None, None) => {
                                let hint = crate::error::nearest(name, schemas.iter().map(|s| s.name.as_str()))
                                    .map(|n| format!("did you mean `{n}`? Or "))
                                    .unwrap_or_default();
                                return Err(format!(
                                    "table `{name}` has no known schema: {hint}declare its columns under `schemas`"
                                ));
                            }
                        };
                        engine::rows_to_table(&columns, &rows, &format!("table `{name}`"))
                            .map_err(|e| engine::one_line(&e))?
                    }
                    Json::String(rel) => engine::load_table_file(&spec::resolve(path, rel), known)
                        .map_err(|e| format!("table `{name}`: {}", engine::one_line(&e)))?,
                    _ => {
                        return Err(format!(
                            "table `{name}` (the {whence}'s): expected an array of rows or the path of a data file"
                        ))
                    }
                };
                table = Some(match table {
                    None => part,
                    Some(mut acc) => {
                        if acc.columns != part.columns {
                            return Err(format!(
                                "table `{name}`: the file's rows and the test's rows have different columns"
                            ));
                        }
                        acc.rows.extend(part.rows);
                        acc
                    }
                });
            }
            if let Some(table) = table {
                catalog.add_table(name.clone(), table);
            }
        }
        Ok(catalog)
    }
}

/// A `schemas` entry: `{"Col": "type", ...}` or the path of a schema file.
fn schema_entry(
    path: &Path,
    name: &str,
    s: &Json,
    product: Product,
) -> Result<Vec<Column>, String> {
    match s {
        Json::Object(m) => m
            .iter()
            .map(|(c, t)| {
                let tn = t.as_str().unwrap_or("");
                Type::from_name(tn)
                    .map(|ty| Column::new(c.clone(), ty))
                    .ok_or_else(|| format!("schema of `{name}`: column `{c}` has unknown type {t}"))
            })
            .collect(),
        Json::String(rel) => engine::load_schema_file(&spec::resolve(path, rel), product)
            .map(|s| s.columns)
            .map_err(|e| format!("schema of `{name}`: {}", engine::one_line(&e))),
        _ => Err(format!(
            "schema of `{name}`: expected {{\"Col\": \"type\"}} or a file path"
        )),
    }
}

/// Checks every expectation; `Err` when an expectation cannot be evaluated
/// (it names a column the result does not have).
pub fn check(expect: &Expect, table: &Table) -> Result<Vec<String>, String> {
    let mut fails = Vec::new();
    let n = table.rows.len();
    let silent = expect.silent == Some(true) || expect.fires == Some(false);
    if silent && n > 0 {
        fails.push(format!(
            "expected no rows, got {n}:\n{}",
            sample(table, None)
        ));
    }
    if (expect.fires == Some(true) || expect.silent == Some(false)) && n == 0 {
        fails.push("expected the query to fire, it returned no rows".to_string());
    }
    if let Some(c) = expect.count {
        if c != n {
            fails.push(format!(
                "expected {c} row(s), got {n}:\n{}",
                sample(table, None)
            ));
        }
    }
    if let Some(rows) = &expect.rows {
        let pats = rows::compile(table, rows, "expected")?;
        if let Some(f) = exact(table, rows, &pats, expect.ordered) {
            fails.push(f);
        }
    }
    if let Some(rows) = &expect.contains {
        let pats = rows::compile(table, rows, "contains")?;
        let got = rows::assign(&pats, &table.rows);
        let missing: Vec<String> = got
            .iter()
            .zip(rows)
            .filter(|(m, _)| m.is_none())
            .map(|(_, r)| format!("  - {}", rows::render_json_row(r)))
            .collect();
        if !missing.is_empty() {
            let cols = rows::pattern_columns(&pats);
            fails.push(format!(
                "expected rows missing from the result:\n{}\nthe result ({n} rows):\n{}",
                missing.join("\n"),
                sample(table, Some(&cols))
            ));
        }
    }
    if let Some(rows) = &expect.excludes {
        let pats = rows::compile(table, rows, "excludes")?;
        let cols = rows::pattern_columns(&pats);
        for (p, r) in pats.iter().zip(rows) {
            let hits: Vec<String> = table
                .rows
                .iter()
                .filter(|row| rows::matches(p, row))
                .map(|row| format!("  + {}", rows::render_row(table, row, Some(&cols))))
                .collect();
            if !hits.is_empty() {
                fails.push(format!(
                    "the result holds rows matching excluded {}:\n{}",
                    rows::render_json_row(r),
                    hits.join("\n")
                ));
            }
        }
    }
    Ok(fails)
}

/// The alert expectations of a rule's run.
pub fn check_alerts(expect: &Expect, d: &Decision) -> Vec<String> {
    let mut fails = Vec::new();
    let shown = |d: &Decision| {
        format!(
            "{} row(s), {} {} -> {}",
            d.count,
            d.operator,
            d.threshold,
            if d.fired { "fired" } else { "not fired" }
        )
    };
    if let Some(want) = expect.alert {
        if want != d.fired {
            fails.push(format!(
                "expected {}, got {} ({})",
                if want { "an alert" } else { "no alert" },
                if d.fired { "one" } else { "none" },
                shown(d)
            ));
        }
    }
    if let Some(n) = expect.alerts {
        if n != d.alerts.len() {
            fails.push(format!(
                "expected {n} alert(s), got {} ({}, {})",
                d.alerts.len(),
                shown(d),
                d.grouping
            ));
        }
    }
    if let Some(want) = &expect.entities {
        let have: Vec<&Entity> = d.alerts.iter().flat_map(|a| &a.entities).collect();
        let mut used = vec![false; have.len()];
        let mut missing = Vec::new();
        for w in want {
            let hit = have
                .iter()
                .enumerate()
                .position(|(i, e)| !used[i] && entity_matches(w, e));
            match hit {
                Some(i) => used[i] = true,
                None => missing.push(format!("  - {}", rows::render_json_row(w))),
            }
        }
        if !missing.is_empty() {
            let got: Vec<String> = have
                .iter()
                .map(|e| {
                    let mut m = JsonRow::new();
                    m.insert("type".into(), Json::String(e.entity_type.clone()));
                    for (k, v) in &e.identifiers {
                        m.insert(k.clone(), v.clone());
                    }
                    format!("  | {}", rows::render_json_row(&m))
                })
                .collect();
            fails.push(format!(
                "expected entities missing from the alerts:\n{}\nthe alerts' entities:\n{}",
                missing.join("\n"),
                if got.is_empty() {
                    "  | (none)".to_string()
                } else {
                    got.join("\n")
                }
            ));
        }
    }
    fails
}

/// An expected entity (`type` and identifiers) against an alert's entity: the type
/// and every identifier it names are equal (a value is equal to its text).
fn entity_matches(want: &JsonRow, e: &Entity) -> bool {
    want.iter().all(|(k, v)| {
        if k == "type" {
            return v.as_str() == Some(e.entity_type.as_str());
        }
        match e.identifiers.get(k) {
            Some(got) => {
                got == v
                    || v.as_str()
                        .is_some_and(|s| got.as_str() == Some(s) || *got.to_string() == *s)
            }
            None => false,
        }
    })
}

/// `rows`: the result must be exactly the expected rows, compared on the
/// columns each expected row names. Returns the diff when it is not.
fn exact(table: &Table, expected: &[JsonRow], pats: &[Pattern], ordered: bool) -> Option<String> {
    let cols = rows::pattern_columns(pats);
    let mut lines = Vec::new();
    if ordered {
        let len = expected.len().max(table.rows.len());
        let mut bad = false;
        for i in 0..len {
            match (pats.get(i).zip(expected.get(i)), table.rows.get(i)) {
                (Some((p, _)), Some(row)) if rows::matches(p, row) => {
                    lines.push(format!("    {}", rows::render_row(table, row, Some(&cols))))
                }
                (p, row) => {
                    bad = true;
                    if let Some((_, e)) = p {
                        lines.push(format!("  - {}", rows::render_json_row(e)));
                    }
                    if let Some(row) = row {
                        lines.push(format!("  + {}", rows::render_row(table, row, Some(&cols))));
                    }
                }
            }
        }
        return bad.then(|| {
            format!(
                "rows differ (ordered; - expected, + actual):\n{}",
                lines.join("\n")
            )
        });
    }
    let got = rows::assign(pats, &table.rows);
    let mut used = vec![false; table.rows.len()];
    for r in got.iter().flatten() {
        used[*r] = true;
    }
    for (m, r) in got.iter().zip(expected) {
        if m.is_none() {
            lines.push(format!("  - {}", rows::render_json_row(r)));
        }
    }
    for (i, row) in table.rows.iter().enumerate() {
        if !used[i] {
            lines.push(format!("  + {}", rows::render_row(table, row, Some(&cols))));
        }
    }
    (!lines.is_empty()).then(|| {
        format!(
            "rows differ (- expected but missing, + in the result but not expected; {} expected, {} actual):\n{}",
            expected.len(),
            table.rows.len(),
            lines.join("\n")
        )
    })
}

/// Up to 10 rows for a failure message.
fn sample(table: &Table, cols: Option<&[usize]>) -> String {
    const MAX: usize = 10;
    let mut out: Vec<String> = table
        .rows
        .iter()
        .take(MAX)
        .map(|r| format!("  | {}", rows::render_row(table, r, cols)))
        .collect();
    if table.rows.len() > MAX {
        out.push(format!("  | ... {} more", table.rows.len() - MAX));
    }
    if out.is_empty() {
        out.push("  | (no rows)".into());
    }
    out.join("\n")
}

/// The JUnit XML report: one suite per test file.
pub fn junit(report: &Report) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let count = |error: bool| {
        report
            .results
            .iter()
            .filter(|r| match r.outcome {
                Outcome::Fail(_) => !error,
                Outcome::Error(_) => error,
                Outcome::Pass => false,
            })
            .count()
    };
    out.push_str(&format!(
        "<testsuites name=\"kql test\" tests=\"{}\" failures=\"{}\" errors=\"{}\">\n",
        report.results.len() + report.file_errors.len(),
        count(false),
        count(true) + report.file_errors.len()
    ));
    let mut files: Vec<&str> = Vec::new();
    for r in &report.results {
        if !files.contains(&r.file.as_str()) {
            files.push(&r.file);
        }
    }
    for f in files {
        let rs: Vec<&TestResult> = report.results.iter().filter(|r| r.file == f).collect();
        let fails = rs
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Fail(_)))
            .count();
        let errs = rs
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Error(_)))
            .count();
        out.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{fails}\" errors=\"{errs}\">\n",
            xml(f),
            rs.len()
        ));
        for r in rs {
            out.push_str(&format!(
                "    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\"",
                xml(f),
                xml(&r.name),
                r.duration.as_secs_f64()
            ));
            match &r.outcome {
                Outcome::Pass => out.push_str("/>\n"),
                Outcome::Fail(m) => out.push_str(&format!(
                    ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>\n",
                    xml(m.first().map_or("", |s| s.lines().next().unwrap_or(""))),
                    xml(&m.join("\n"))
                )),
                Outcome::Error(m) => out.push_str(&format!(
                    ">\n      <error message=\"{}\">{}</error>\n    </testcase>\n",
                    xml(m.lines().next().unwrap_or("")),
                    xml(m)
                )),
            }
        }
        out.push_str("  </testsuite>\n");
    }
    for e in &report.file_errors {
        out.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"1\" failures=\"0\" errors=\"1\">\n    <testcase classname=\"{}\" name=\"(test file)\">\n      <error message=\"{}\"/>\n    </testcase>\n  </testsuite>\n",
            xml(&e.path),
            xml(&e.path),
            xml(&e.to_string())
        ));
    }
    out.push_str("</testsuites>\n");
    out
}

pub fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// The watchlists a test gives (the file's, then the test's): rows or a file.
fn watchlists(
    path: &Path,
    tf: &TestFile,
    t: &TestCase,
) -> Result<indexmap::IndexMap<String, std::sync::Arc<dyn crate::table::TableSource>>, String> {
    let mut out = indexmap::IndexMap::new();
    for (alias, v) in tf.watchlists.iter().chain(&t.watchlists) {
        let source: std::sync::Arc<dyn crate::table::TableSource> = match v {
            Json::String(rel) => std::sync::Arc::new(
                crate::io::watchlists::Watchlist::open(
                    alias,
                    &spec::resolve(path, rel),
                    &crate::io::ReadOptions::default(),
                )
                .map_err(|e| format!("watchlist `{alias}`: {}", engine::one_line(&e)))?,
            ),
            Json::Array(items) => {
                let mut rows = Vec::new();
                for (i, it) in items.iter().enumerate() {
                    match it {
                        Json::Object(o) => rows.push(o.clone()),
                        _ => {
                            return Err(format!(
                                "watchlist `{alias}`: row {} is not a JSON object",
                                i + 1
                            ))
                        }
                    }
                }
                crate::io::watchlists::from_rows(alias, &rows)
            }
            _ => {
                return Err(format!(
                    "watchlist `{alias}`: expected an array of rows or the path of a CSV file"
                ))
            }
        };
        out.insert(alias.clone(), source);
    }
    Ok(out)
}

/// The local copies of externaldata URLs a test gives (the file's, then the test's).
fn externals(
    path: &Path,
    tf: &TestFile,
    t: &TestCase,
) -> Result<crate::external::LocalExternals, String> {
    let mut x = crate::external::LocalExternals::default();
    for (url, v) in tf.external.iter().chain(&t.external) {
        let local = match v {
            Json::String(rel) => crate::external::Local::File(spec::resolve(path, rel)),
            Json::Array(items) => {
                let mut rows = Vec::with_capacity(items.len());
                for (i, it) in items.iter().enumerate() {
                    match it {
                        Json::Object(o) => rows.push(o.clone()),
                        _ => {
                            return Err(format!(
                                "external `{url}`: row {} is not a JSON object",
                                i + 1
                            ))
                        }
                    }
                }
                crate::external::Local::Rows(rows)
            }
            _ => {
                return Err(format!(
                    "external `{url}`: expected an array of rows or the path of a file"
                ))
            }
        };
        x.by_url.insert(url.clone(), local);
    }
    Ok(x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;

    fn result() -> Table {
        Table::new(
            vec![
                Column::new("Severity", Type::String),
                Column::new("N", Type::Long),
                Column::new("Min", Type::Real),
                Column::new("L", Type::Dynamic),
            ],
            vec![
                vec![
                    Value::str("High"),
                    Value::Long(1),
                    Value::Real(0.0),
                    Value::array(vec![Value::str("a")]),
                ],
                vec![
                    Value::str("Medium"),
                    Value::Long(0),
                    Value::Real(2.0),
                    Value::array(vec![]),
                ],
            ],
        )
    }

    /// (expect JSON, the start of each failure message; empty: passes).
    #[test]
    fn expectations_pass_or_say_what_differs() {
        let cases: &[(&str, &[&str])] = &[
            (r#"{"fires": true}"#, &[]),
            (r#"{"silent": true}"#, &["expected no rows, got 2:"]),
            (r#"{"fires": false}"#, &["expected no rows, got 2:"]),
            (r#"{"count": 2}"#, &[]),
            (r#"{"count": 1}"#, &["expected 1 row(s), got 2:"]),
            (r#"{"rows": [{"Severity": "Medium"}, {"Severity": "High"}]}"#, &[]),
            (r#"{"rows": [{"Severity": "Medium"}, {"Severity": "High"}], "ordered": true}"#, &["rows differ (ordered"]),
            (r#"{"rows": [{"Severity": "High", "Min": 0, "L": ["a"]}, {"N": 0}]}"#, &[]),
            (r#"{"rows": [{"Severity": "High"}]}"#, &["rows differ (- expected but missing, + in the result"]),
            (r#"{"contains": [{"N": 1, "Min": 0.0}]}"#, &[]),
            (r#"{"contains": [{"N": 1}, {"N": 1}]}"#, &["expected rows missing from the result:\n  - {\"N\":1}"]),
            (r#"{"excludes": [{"Severity": "Low"}]}"#, &[]),
            (r#"{"excludes": [{"Severity": "High"}]}"#, &["the result holds rows matching excluded {\"Severity\":\"High\"}:\n  + {\"Severity\":\"High\"}"]),
            (r#"{"count": 0, "contains": [{"Severity": "Low"}]}"#, &["expected 0 row(s)", "expected rows missing"]),
        ];
        for (expect, want) in cases {
            let e: Expect = serde_json::from_str(expect).unwrap();
            let got = check(&e, &result()).unwrap();
            assert_eq!(got.len(), want.len(), "{expect}: {got:?}");
            for (g, w) in got.iter().zip(want.iter()) {
                assert!(g.starts_with(w), "{expect}: got {g:?}, want {w:?}");
            }
        }
    }

    #[test]
    fn expected_values_of_the_wrong_type_are_errors_not_failures() {
        let e: Expect = serde_json::from_str(r#"{"rows": [{"N": "many"}]}"#).unwrap();
        let err = check(&e, &result()).unwrap_err();
        assert!(
            err.contains("row 1: column `N`: cannot read \"many\" as long"),
            "{err}"
        );
    }
}
