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
            None => format!("{:?}", e.kind).to_lowercase(),
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

    /// For people: `severity[code]: message`, then where (`file:line:col`, the line
    /// and a caret under the spot), labels and hints.
    pub fn render(&self) -> String {
        let heading = match (self.severity, self.error.code) {
            (Severity::Warning, _) => format!("warning[{}]", self.code),
            (Severity::Error, Some(code)) => format!("error[{code}]"),
            (Severity::Error, None) => match self.error.kind {
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
