//! One error type for the whole crate. Errors carry a location (a byte span in the
//! query text, or a file and line of a data file) and optional hints; they are
//! rendered for people only once, at the edge (the CLI), by [`Error::render`].

use serde::Serialize;
use std::fmt;

/// A byte range in the query text. Every AST node carries one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub const fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }
    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

/// What stage an error comes from; decides the exit code and the heading.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ErrorKind {
    /// The text is not KQL we accept.
    Parse,
    /// The query parses but names something unknown or mixes types Kusto rejects.
    Semantic,
    /// Something went wrong while running (a runtime type error, a limit).
    Runtime,
    /// A data or schema file is malformed.
    Data,
    /// A feature that is parsed but not built yet.
    Unsupported,
    /// Reading a file failed.
    Io,
}

/// A diagnostic code: Kusto.Language's (`KS142`: `Ks(142)`), or kql's own for what
/// Kusto has no code for (`KQL001`: `Kql(1)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Code {
    Ks(u16),
    Kql(u16),
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Code::Ks(n) => write!(f, "KS{n:03}"),
            Code::Kql(n) => write!(f, "KQL{n:03}"),
        }
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// kql's own diagnostic codes.
pub mod codes {
    use super::Code;
    /// `where x = value`: Kusto filters on `value` and drops the name; almost always
    /// a slip for `==`. Kusto.Language accepts it without a word; kql warns.
    pub const ASSIGN_IN_WHERE: Code = Code::Kql(1);
    /// A typed literal whose text is not a value of its type (`datetime("Insert
    /// date")`): Kusto.Language does not read the text, the engine fails on it.
    pub const BAD_LITERAL: Code = Code::Kql(2);
}

/// Where an error happened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Location {
    None,
    /// A span in the query text.
    Query(Span),
    /// A line (1-based) of a data or schema file.
    File {
        path: String,
        line: usize,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
    pub location: Location,
    /// Secondary spans with a label, e.g. "the string opened here".
    pub labels: Vec<(Span, String)>,
    /// Suggestions shown after the message ("did you mean `==`?").
    pub hints: Vec<String>,
    /// Kusto's diagnostic code for the same finding (`KS204` unknown table, `KS142`
    /// unknown name, ...), set where the error is made; `kql check` reports it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<Code>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            location: Location::None,
            labels: Vec::new(),
            hints: Vec::new(),
            code: None,
        }
    }
    pub fn parse(message: impl Into<String>, span: Span) -> Self {
        Self::new(ErrorKind::Parse, message).at(span)
    }
    pub fn semantic(message: impl Into<String>, span: Span) -> Self {
        Self::new(ErrorKind::Semantic, message).at(span)
    }
    pub fn runtime(message: impl Into<String>, span: Span) -> Self {
        Self::new(ErrorKind::Runtime, message).at(span)
    }
    /// "`what` is not supported yet", at its position.
    pub fn unsupported(what: impl fmt::Display, span: Span) -> Self {
        Self::new(
            ErrorKind::Unsupported,
            format!("`{what}` is not supported yet"),
        )
        .at(span)
    }
    pub fn data(message: impl Into<String>, path: impl Into<String>, line: usize) -> Self {
        let mut e = Self::new(ErrorKind::Data, message);
        e.location = Location::File {
            path: path.into(),
            line,
        };
        e
    }
    pub fn at(mut self, span: Span) -> Self {
        self.location = Location::Query(span);
        self
    }
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }
    /// Tags the error with a diagnostic code (`Code::Ks(142)`).
    pub fn with_code(mut self, code: Code) -> Self {
        self.code = Some(code);
        self
    }
    pub fn with_label(mut self, span: Span, label: impl Into<String>) -> Self {
        self.labels.push((span, label.into()));
        self
    }
    pub fn span(&self) -> Option<Span> {
        match self.location {
            Location::Query(s) => Some(s),
            _ => None,
        }
    }

    /// Renders the error for a person: heading, `file:line:col`, the source line
    /// with a caret under the spot, labels and hints.
    pub fn render(&self, file: &str, source: &str) -> String {
        let heading = match self.kind {
            ErrorKind::Parse => "syntax error",
            ErrorKind::Semantic => "error",
            ErrorKind::Runtime => "runtime error",
            ErrorKind::Data => "data error",
            ErrorKind::Unsupported => "not supported",
            ErrorKind::Io => "error",
        };
        format!(
            "{heading}: {}\n{}",
            self.message,
            self.render_body(file, source)
        )
    }

    /// What [`Error::render`] prints after the heading line: `file:line:col`, the
    /// source line with a caret, labels and hints.
    pub fn render_body(&self, file: &str, source: &str) -> String {
        let mut out = String::new();
        match &self.location {
            Location::Query(span) => {
                out.push_str(&snippet(file, source, *span, None));
                for (s, label) in &self.labels {
                    out.push_str(&snippet(file, source, *s, Some(label)));
                }
            }
            Location::File { path, line } => {
                out.push_str(&format!("  --> {path}:{line}\n"));
            }
            Location::None => {}
        }
        for h in &self.hints {
            out.push_str(&format!("  = help: {h}\n"));
        }
        out
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(source, offset.min(source.len()));
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = source[line_start..offset].chars().count() + 1;
    (line, col)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// A source line up to this many characters is shown whole; a longer one is cut
/// around the span, with `...` where it is.
const WHOLE_LINE: usize = 240;
/// Characters of a cut line shown before the caret, and after the marked span.
const CONTEXT_BEFORE: usize = 100;
const CONTEXT_AFTER: usize = 60;
/// Carets shown at most under a long span of a cut line (then `...`).
const MAX_CARETS: usize = 100;

fn snippet(file: &str, source: &str, span: Span, label: Option<&str>) -> String {
    let (line, col) = line_col(source, span.start);
    let start = floor_char_boundary(source, span.start.min(source.len()));
    let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = source[start..]
        .find('\n')
        .map_or(source.len(), |i| start + i);
    let end = floor_char_boundary(source, span.end.min(line_end).max(start));
    let width = source[start..end].chars().count().max(1);
    // The window of the line around the span: the text before the caret, the span
    // (cut at MAX_CARETS) and what follows; counted in characters, not bytes.
    let before: Vec<char> = source[line_start..start].chars().collect();
    let whole = before.len() + source[start..line_end].chars().count() <= WHOLE_LINE;
    let (context_before, max_carets, context_after) = if whole {
        (usize::MAX, usize::MAX, usize::MAX / 4)
    } else {
        (CONTEXT_BEFORE, MAX_CARETS, CONTEXT_AFTER)
    };
    let cut_before = before.len().saturating_sub(context_before);
    let shown_width = width.min(max_carets);
    let after_start: String = source[start..line_end]
        .chars()
        .take(shown_width.saturating_add(context_after))
        .collect();
    let rest_len = source[start..line_end]
        .trim_end_matches('\r')
        .chars()
        .count();
    let mut shown = String::new();
    if cut_before > 0 {
        shown.push_str("...");
    }
    shown.extend(before[cut_before..].iter());
    let lead = shown.chars().count();
    shown.push_str(after_start.trim_end_matches('\r'));
    if rest_len > shown_width.saturating_add(context_after) {
        shown.push_str("...");
    }
    // Tabs are shown as single spaces so that the caret lines up in any terminal.
    let shown: String = shown
        .chars()
        .map(|c| if c == '\t' { ' ' } else { c })
        .collect();
    let gutter = line.to_string().len();
    let pad = " ".repeat(gutter);
    let mut out = format!("{pad}--> {file}:{line}:{col}\n{pad} |\n{line} | {shown}\n");
    out.push_str(&format!(
        "{pad} | {}{}{}",
        " ".repeat(lead),
        "^".repeat(shown_width),
        if shown_width < width { "..." } else { "" }
    ));
    if let Some(l) = label {
        out.push(' ');
        out.push_str(l);
    }
    out.push('\n');
    out
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// The known name nearest to `name` (edit distance, case-insensitive), if it is
/// close enough to be a plausible typo.
pub fn nearest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = name.to_lowercase();
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = edit_distance(&lower, &c.to_lowercase());
        if best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    let limit = (name.chars().count() / 3).max(1) + usize::from(name.len() > 8);
    best.filter(|(d, _)| *d <= limit).map(|(_, c)| c)
}

pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters() {
        let src = "let a = 1;\n\tT | where x = 1";
        assert_eq!(line_col(src, 0), (1, 1));
        assert_eq!(line_col(src, 12), (2, 2));
    }

    #[test]
    fn render_cuts_a_long_line_around_the_caret() {
        // A 1 MB line of `é` (two bytes each) with an error near its middle: the
        // window is counted in characters and the caret stays under the spot.
        let src = format!("{}X{}", "é".repeat(500_000), "é".repeat(500_000));
        let at = "é".len() * 500_000;
        let r = Error::parse("bad", Span::new(at, at + 1)).render("q.kql", &src);
        assert!(r.len() < 1000, "{} bytes", r.len());
        assert!(r.contains("q.kql:1:500001"), "{r}");
        let lines: Vec<&str> = r.lines().collect();
        let text = lines[3].strip_prefix("1 | ").unwrap();
        let caret = lines[4].strip_prefix("  | ").unwrap();
        assert!(text.starts_with("...") && text.ends_with("..."), "{r}");
        let x = text.chars().position(|c| c == 'X').unwrap();
        assert_eq!(caret.chars().position(|c| c == '^'), Some(x), "{r}");
        // A span as long as the line: a bounded run of carets.
        let r = Error::parse("bad", Span::new(0, src.len())).render("q.kql", &src);
        assert!(r.len() < 1000, "{} bytes", r.len());
    }

    #[test]
    fn render_points_at_the_spot() {
        let src = "T\n| where a = 1";
        let e = Error::parse("expected `==`", Span::new(12, 13)).with_hint("use `==`");
        let r = e.render("q.kql", src);
        assert!(r.contains("q.kql:2:11"), "{r}");
        assert!(r.contains("2 | | where a = 1"), "{r}");
        assert!(r.contains("  |           ^\n"), "{r}");
        assert!(r.contains("help: use `==`"), "{r}");
    }

    #[test]
    fn nearest_name_suggests_typos_only() {
        let names = ["UserPrincipalName", "IPAddress", "TimeGenerated"];
        assert_eq!(nearest("IpAdress", names), Some("IPAddress"));
        assert_eq!(nearest("Timegenerate", names), Some("TimeGenerated"));
        assert_eq!(nearest("Foo", names), None);
    }
}
