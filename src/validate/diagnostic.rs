//! Findings of `kql check` and their renderings: for people (`human`), for tools
//! (`json`), for GitHub pull requests (`github` workflow annotations) and for CI
//! dashboards (`junit`). A finding is data (severity, code, message, position,
//! hints, and the error it came from); each rendering is made from that data.

use crate::error::{line_col, Error, ErrorKind, Location};
use serde::Serialize;
use serde_json::json;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Clone, Debug, Serialize)]
pub struct Diagnostic {
    pub file: String,
    /// The query of the file the finding is in, when the file holds several
    /// (`page.md#2`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    pub severity: Severity,
    /// A stable identifier of the kind of finding: Kusto's code where it has one
    /// (`KS142` unknown name, `KS507` a deprecated function), kql's own (`KQL001`),
    /// else the stage that found it (`parse`, `semantic`, `io`).
    pub code: String,
    pub message: String,
    /// 1-based; 0 when the finding is about the whole file.
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub hints: Vec<String>,
    /// The error the finding came from (its spans and labels) and the text they
    /// point into, for the renderings.
    #[serde(skip)]
    pub error: Error,
    #[serde(skip)]
    pub source: Arc<str>,
}

impl Diagnostic {
    pub fn new(file: &str, source: &Arc<str>, e: Error, severity: Severity) -> Self {
        let code = match e.code {
            Some(c) => c.to_string(),
            None => stage(&e),
        };
        let (line, column, end_line, end_column) = match &e.location {
            Location::Query(span) => {
                let (l, c) = line_col(source, span.start);
                let (el, ec) = line_col(source, span.end.max(span.start));
                (l, c, el, ec)
            }
            Location::File { line, .. } => (*line, 0, *line, 0),
            Location::None => (0, 0, 0, 0),
        };
        Diagnostic {
            file: file.to_string(),
            query: None,
            severity,
            code,
            message: e.message.clone(),
            line,
            column,
            end_line,
            end_column,
            hints: e.hints.clone(),
            error: e,
            source: source.clone(),
        }
    }

    pub fn from_error(file: &str, source: &str, e: &Error, severity: Severity) -> Self {
        Self::new(file, &Arc::from(source), e.clone(), severity)
    }

    pub fn in_query(mut self, name: &str) -> Self {
        self.query = Some(name.to_string());
        self
    }

    /// The same finding under another code (a rule check's `rule-id`, ...).
    pub fn with_code(mut self, code: &str) -> Self {
        self.code = code.to_string();
        self
    }

    /// For people: `severity[code]: message`, then where (`file:line:col`, the line
    /// and a caret under the spot), labels and hints. An error with no code of its
    /// own is titled by the stage that found it (`syntax error: ...`).
    pub fn render(&self) -> String {
        let heading = match self.severity {
            Severity::Warning => format!("warning[{}]", self.code),
            Severity::Error if self.code != stage(&self.error) => match self.error.kind {
                ErrorKind::Parse => format!("syntax error[{}]", self.code),
                _ => format!("error[{}]", self.code),
            },
            Severity::Error => match self.error.kind {
                ErrorKind::Parse => "syntax error".to_string(),
                ErrorKind::Unsupported => "not supported".to_string(),
                ErrorKind::Runtime => "runtime error".to_string(),
                ErrorKind::Data => "data error".to_string(),
                ErrorKind::Semantic | ErrorKind::Io => "error".to_string(),
            },
        };
        let mut out = format!("{heading}: {}\n", self.message);
        out.push_str(&self.error.render_body(&self.file, &self.source));
        if self.error.location == Location::None {
            out.push_str(&format!("  --> {}\n", self.file));
        }
        out
    }
}

/// The code of a finding without one: the stage that found it (`parse`, `semantic`).
fn stage(e: &Error) -> String {
    format!("{:?}", e.kind).to_lowercase()
}

pub struct Summary {
    pub files: usize,
    pub errors: usize,
    pub warnings: usize,
}

pub fn summarize(files: usize, diags: &[Diagnostic]) -> Summary {
    Summary {
        files,
        errors: diags
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count(),
        warnings: diags
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .count(),
    }
}

pub fn human(diags: &[Diagnostic], s: &Summary) -> String {
    let mut out = String::new();
    for d in diags {
        out.push_str(&d.render());
        out.push('\n');
    }
    out.push_str(&format!(
        "checked {} file{}: {} error{}, {} warning{}\n",
        s.files,
        plural(s.files),
        s.errors,
        plural(s.errors),
        s.warnings,
        plural(s.warnings)
    ));
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

pub fn json(diags: &[Diagnostic], s: &Summary) -> String {
    let v = json!({
        "files": s.files,
        "errors": s.errors,
        "warnings": s.warnings,
        "diagnostics": diags,
    });
    format!("{}\n", serde_json::to_string_pretty(&v).unwrap_or_default())
}

/// GitHub Actions workflow commands: each finding becomes an annotation on the
/// pull request's diff (`::error file=q.kql,line=3,col=5::message`).
pub fn github(diags: &[Diagnostic], s: &Summary) -> String {
    let mut out = String::new();
    for d in diags {
        let level = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut props = format!("file={}", gh_property(&d.file));
        if d.line > 0 {
            props.push_str(&format!(",line={}", d.line));
            if d.column > 0 {
                props.push_str(&format!(",col={}", d.column));
            }
            if d.end_line > 0 {
                props.push_str(&format!(",endLine={}", d.end_line));
                if d.end_column > 0 && d.end_line == d.line {
                    props.push_str(&format!(",endColumn={}", d.end_column));
                }
            }
        }
        props.push_str(&format!(
            ",title={}",
            gh_property(&format!("kql check ({})", d.code))
        ));
        let mut msg = d.message.clone();
        for h in &d.hints {
            msg.push_str(&format!("\nhelp: {h}"));
        }
        out.push_str(&format!("::{level} {props}::{}\n", gh_data(&msg)));
    }
    out.push_str(&format!(
        "kql check: {} file{}, {} error{}, {} warning{}\n",
        s.files,
        plural(s.files),
        s.errors,
        plural(s.errors),
        s.warnings,
        plural(s.warnings)
    ));
    out
}

/// Escaping of workflow-command data (the message).
fn gh_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escaping of workflow-command properties (file, title).
fn gh_property(s: &str) -> String {
    gh_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// JUnit XML: one test case per checked file, failing with its errors (warnings
/// go to `system-out` so they show without failing the build).
pub fn junit(files: &[String], diags: &[Diagnostic], s: &Summary) -> String {
    use super::runner::xml;
    let failing = files
        .iter()
        .filter(|f| {
            diags
                .iter()
                .any(|d| &d.file == *f && d.severity == Severity::Error)
        })
        .count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"kql check\" tests=\"{}\" failures=\"{failing}\">\n  <testsuite name=\"kql check\" tests=\"{}\" failures=\"{failing}\">\n",
        s.files, s.files
    ));
    for f in files {
        out.push_str(&format!(
            "    <testcase classname=\"kql check\" name=\"{}\"",
            xml(f)
        ));
        let errs: Vec<&Diagnostic> = diags
            .iter()
            .filter(|d| &d.file == f && d.severity == Severity::Error)
            .collect();
        let warns: Vec<&Diagnostic> = diags
            .iter()
            .filter(|d| &d.file == f && d.severity == Severity::Warning)
            .collect();
        if errs.is_empty() && warns.is_empty() {
            out.push_str("/>\n");
            continue;
        }
        out.push_str(">\n");
        for d in &errs {
            out.push_str(&format!(
                "      <failure message=\"{}:{}:{}: {}\">{}</failure>\n",
                xml(&d.file),
                d.line,
                d.column,
                xml(&d.message),
                xml(&d.render())
            ));
        }
        if !warns.is_empty() {
            let text: String = warns.iter().map(|d| d.render()).collect();
            out.push_str(&format!("      <system-out>{}</system-out>\n", xml(&text)));
        }
        out.push_str("    </testcase>\n");
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

/// What each kind of finding means, for SARIF's rule list.
fn describe(code: &str) -> &'static str {
    match code {
        "parse" => "The query is not valid KQL.",
        "semantic" => "The query names something unknown or mixes types Kusto rejects.",
        "unsupported" => "The query uses a feature kql does not support yet.",
        "io" => "The file could not be read.",
        "KS507" => "A deprecated function (Kusto's analyzer KS507).",
        "rule-syntax" => "The rule file is not valid YAML or JSON.",
        "rule-required" => "A field the rule needs is missing.",
        "rule-id" => "The rule's id is not a GUID.",
        "rule-kind" => "The rule's kind is not one Sentinel runs queries for.",
        "rule-length" => "A rule field is longer than Sentinel allows.",
        "rule-severity" => "The rule's severity is not one Sentinel knows.",
        "rule-schedule" => "The rule's frequency or period is outside Sentinel's limits.",
        "rule-trigger" => "The rule's trigger operator or threshold is invalid.",
        "rule-grouping" => "The rule's event grouping is invalid.",
        "rule-entities" => "An entity mapping is invalid.",
        "rule-custom-details" => "A custom detail is invalid.",
        "rule-alert-details" => "An alert details override is invalid.",
        "rule-tactics" => "A tactic is not one Sentinel knows.",
        "rule-techniques" => "A technique is not a MITRE ATT&CK technique id.",
        "rule-field" => "A rule field has the wrong shape.",
        "rule-column" => "A rule field names a column the query's result does not have.",
        "rule-column-type" => "A rule field takes a column of an unexpected type.",
        _ => "A kql check finding.",
    }
}

/// SARIF 2.1.0, as GitHub code scanning reads it: one run, the rules (kinds of
/// finding) it reports, and each finding with its level and its region in the file
/// (columns counted in characters: `columnKind` unicodeCodePoints).
pub fn sarif(diags: &[Diagnostic]) -> String {
    let mut codes: Vec<&str> = Vec::new();
    for d in diags {
        if !codes.contains(&d.code.as_str()) {
            codes.push(&d.code);
        }
    }
    let rules: Vec<serde_json::Value> = codes
        .iter()
        .map(|c| {
            json!({
                "id": c,
                "name": c,
                "shortDescription": {"text": describe(c)},
            })
        })
        .collect();
    let results: Vec<serde_json::Value> = diags
        .iter()
        .map(|d| {
            let mut msg = d.message.clone();
            for h in &d.hints {
                msg.push_str(&format!("\nhelp: {h}"));
            }
            if let Some(q) = &d.query {
                msg.push_str(&format!("\n(in {q})"));
            }
            let line = d.line.max(1);
            let mut region = json!({"startLine": line});
            if d.column > 0 {
                region["startColumn"] = json!(d.column);
                if d.end_line >= line {
                    region["endLine"] = json!(d.end_line);
                    let end_col = if d.end_line == d.line && d.end_column <= d.column {
                        d.column + 1
                    } else {
                        d.end_column.max(1)
                    };
                    region["endColumn"] = json!(end_col);
                }
            }
            json!({
                "ruleId": d.code,
                "ruleIndex": codes.iter().position(|c| *c == d.code).unwrap_or(0),
                "level": match d.severity { Severity::Error => "error", Severity::Warning => "warning" },
                "message": {"text": msg},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri(&d.file), "uriBaseId": "%SRCROOT%"},
                        "region": region,
                    }
                }],
            })
        })
        .collect();
    let v = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "kql",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    format!("{}\n", serde_json::to_string_pretty(&v).unwrap_or_default())
}

/// A relative path as a SARIF URI reference: `/` separators, spaces and other
/// reserved bytes percent-encoded.
fn uri(path: &str) -> String {
    let mut out = String::new();
    for b in path.replace('\\', "/").bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
