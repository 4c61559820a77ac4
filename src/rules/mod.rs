//! Detections as people store them: `.kql` files, Markdown pages with fenced KQL,
//! Sentinel analytics rules and hunting queries (YAML), Sentinel ARM template exports
//! and Defender XDR custom detection rules (Graph JSON). One reader per format turns a
//! file into the queries it holds, each with a [`SourceMap`] back into the file and,
//! for a rule, the [`Rule`] it belongs to; `check`, `run`, `test` and `diff` then work
//! the same on every format.

pub mod alert;
pub mod columns;
pub mod defender;
pub mod markdown;
pub mod rule;
pub mod run;
pub mod sentinel;
pub mod sourcemap;
pub mod window;
pub mod yaml;

use crate::error::{Error, ErrorKind, Span};
pub use rule::Rule;
pub use sourcemap::SourceMap;
use std::path::Path;

/// A problem with a rule's fields, at its place in the file.
#[derive(Clone, Debug)]
pub struct Finding {
    /// A stable name of the check (`rule-id`, `rule-schedule`, ...).
    pub code: &'static str,
    pub warning: bool,
    /// The message, located at a span of the file's text.
    pub error: Error,
}

impl Finding {
    pub fn error(code: &'static str, message: impl Into<String>, at: Span) -> Self {
        Finding {
            code,
            warning: false,
            error: Error::new(ErrorKind::Semantic, message).at(at),
        }
    }
    pub fn warning(code: &'static str, message: impl Into<String>, at: Span) -> Self {
        Finding {
            warning: true,
            ..Finding::error(code, message, at)
        }
    }
    pub fn hint(mut self, h: impl Into<String>) -> Self {
        self.error.hints.push(h.into());
        self
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Kql,
    Markdown,
    /// A Sentinel analytics rule or hunting query in YAML.
    SentinelYaml,
    /// Sentinel analytics rules in an ARM template.
    ArmTemplate,
    /// A Defender XDR custom detection rule (Graph `detectionRule`), or a list of them.
    DefenderJson,
}

/// One query of a file.
#[derive(Clone, Debug)]
pub struct Item {
    /// As shown: the file, or `file#N` for the N-th query of a file holding several.
    pub name: String,
    pub query: String,
    /// Where each byte of `query` is in the file.
    pub map: SourceMap,
    pub rule: Option<Rule>,
}

/// A file and the queries it holds.
#[derive(Clone, Debug)]
pub struct Document {
    /// The file as shown to the user.
    pub path: String,
    pub text: String,
    pub format: Format,
    pub items: Vec<Item>,
    /// Problems with rule fields (or the file itself), at their place in `text`.
    pub findings: Vec<Finding>,
}

/// What reading a file gave.
#[derive(Debug)]
pub enum Read {
    Doc(Document),
    /// A file of a readable kind that holds no detection (a README without KQL, a
    /// workflow YAML, a data file): the reason, for `-v`.
    Skipped(String),
}

/// Extensions of files that may hold detections. `.kqltest.json` (tests) and
/// `.schema.json` (table schemas) are never rules.
pub fn is_candidate(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if name.ends_with(".kqltest.json") || name.ends_with(".schema.json") {
        return false;
    }
    matches!(
        extension(name).as_str(),
        "kql" | "csl" | "kusto" | "md" | "markdown" | "yaml" | "yml" | "json"
    )
}

fn extension(name: &str) -> String {
    name.rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default()
}

/// `page.md#2` → (`page.md`, Some(2)): the N-th query of a file. A path that exists as
/// written is a path, whatever it ends with.
pub fn split_selector(spec: &str) -> (&str, Option<usize>) {
    if Path::new(spec).exists() {
        return (spec, None);
    }
    match spec.rsplit_once('#') {
        Some((path, n)) if !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) => {
            (path, n.parse().ok())
        }
        _ => (spec, None),
    }
}

/// Reads a file from disk. A `.json` file that is an array (a data file) is skipped
/// from its first bytes, without reading the rest.
pub fn read_file(path: &Path, shown: &str) -> std::io::Result<Read> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if extension(name) == "json" {
        use std::io::Read as _;
        let mut head = [0u8; 4096];
        let n = std::fs::File::open(path)?.read(&mut head)?;
        let start = String::from_utf8_lossy(&head[..n]);
        let first = start
            .trim_start_matches('\u{feff}')
            .trim_start()
            .chars()
            .next();
        if first == Some('[') {
            return Ok(Read::Skipped(
                "a JSON array (a data file), not a rule".into(),
            ));
        }
    }
    let text = std::fs::read_to_string(path)?;
    Ok(read_text(shown, name, text))
}

/// Reads a file's text; `name` (its file name) decides the format.
pub fn read_text(shown: &str, name: &str, text: String) -> Read {
    match extension(name).as_str() {
        "md" | "markdown" => read_markdown(shown, text),
        "yaml" | "yml" => read_yaml(shown, text),
        "json" => read_json(shown, text),
        _ => Read::Doc(Document {
            path: shown.to_string(),
            items: vec![Item {
                name: shown.to_string(),
                query: text.clone(),
                map: SourceMap::identity(),
                rule: None,
            }],
            text,
            format: Format::Kql,
            findings: Vec::new(),
        }),
    }
}

fn read_markdown(shown: &str, text: String) -> Read {
    let blocks = markdown::blocks(&text);
    if blocks.is_empty() {
        return Read::Skipped("no ```kql or ```kusto code block".into());
    }
    let items = blocks
        .into_iter()
        .enumerate()
        .map(|(i, b)| Item {
            name: format!("{shown}#{}", i + 1),
            query: b.text,
            map: b.map,
            rule: None,
        })
        .collect();
    Read::Doc(Document {
        path: shown.to_string(),
        text,
        format: Format::Markdown,
        items,
        findings: Vec::new(),
    })
}

/// A file of the right kind that does not parse: an error when it seems meant as a
/// rule (it has a `query` key), else skipped.
fn broken(
    shown: &str,
    text: String,
    format: Format,
    e: yaml::YamlError,
    what: &str,
    key: &str,
) -> Read {
    if !text.contains(key) {
        return Read::Skipped(format!(
            "not valid {what} ({}), and no `query` in it",
            e.message
        ));
    }
    let at = Span::new(e.offset, e.offset);
    Read::Doc(Document {
        path: shown.to_string(),
        text,
        format,
        items: Vec::new(),
        findings: vec![Finding {
            code: "rule-syntax",
            warning: false,
            error: Error::new(ErrorKind::Parse, format!("not valid {what}: {}", e.message)).at(at),
        }],
    })
}

fn item_of(name: String, text: &str, query: Option<&yaml::Node>, rule: Rule) -> Option<Item> {
    let q = query?;
    Some(Item {
        name,
        query: q.as_str()?.to_string(),
        map: q.source_map(text),
        rule: Some(rule),
    })
}

fn read_yaml(shown: &str, text: String) -> Read {
    let doc = match yaml::parse(&text) {
        Ok(Some(d)) => d,
        Ok(None) => return Read::Skipped("an empty YAML file".into()),
        Err(e) => return broken(shown, text, Format::SentinelYaml, e, "YAML", "query:"),
    };
    if !sentinel::is_rule(&doc) {
        return Read::Skipped(
            "YAML without a `query` and a `name` or `id`: not a Sentinel rule".into(),
        );
    }
    let at = Span::new(doc.span().start, doc.span().start);
    let (rule, query, findings) =
        sentinel::read(&doc, doc.get("kind"), sentinel::Dialect::Yaml, at);
    let items = item_of(shown.to_string(), &text, query, rule)
        .into_iter()
        .collect();
    Read::Doc(Document {
        path: shown.to_string(),
        text,
        format: Format::SentinelYaml,
        items,
        findings,
    })
}

/// ARM resources that are analytics rules, nested templates (a solution's
/// `contentTemplates`) searched too.
fn alert_rules<'a>(resources: &'a yaml::Node, out: &mut Vec<&'a yaml::Node>) {
    for r in resources.items() {
        let ty = r.get("type").and_then(yaml::Node::scalar).unwrap_or("");
        if ty.to_ascii_lowercase().ends_with("/alertrules")
            && r.get("properties").and_then(|p| p.get("query")).is_some()
        {
            out.push(r);
        }
        if let Some(nested) = r
            .get("properties")
            .and_then(|p| p.get("mainTemplate"))
            .and_then(|t| t.get("resources"))
        {
            alert_rules(nested, out);
        }
    }
}

fn read_json(shown: &str, text: String) -> Read {
    if let Err(e) = serde_json::from_str::<serde_json::Value>(&text) {
        let offset = offset_of(&text, e.line(), e.column());
        let msg = e.to_string();
        let msg = msg
            .rsplit_once(" at line ")
            .map_or(msg.as_str(), |(m, _)| m)
            .to_string();
        let err = yaml::YamlError {
            message: msg,
            offset,
        };
        return broken(shown, text, Format::ArmTemplate, err, "JSON", "\"query");
    }
    let doc = match yaml::parse(&text) {
        Ok(Some(d)) => d,
        Ok(None) => return Read::Skipped("an empty JSON file".into()),
        Err(e) => return broken(shown, text, Format::ArmTemplate, e, "JSON", "\"query"),
    };
    let mut found: Vec<(Rule, Option<&yaml::Node>, Vec<Finding>)> = Vec::new();
    let format;
    if let Some(res) = doc.get("resources") {
        format = Format::ArmTemplate;
        let mut rules = Vec::new();
        alert_rules(res, &mut rules);
        for r in rules {
            let props = r.get("properties").unwrap_or(r);
            let at = sentinel::span(r);
            let at = Span::new(at.start, at.start);
            found.push(sentinel::read(
                props,
                r.get("kind"),
                sentinel::Dialect::Arm,
                at,
            ));
        }
    } else {
        format = Format::DefenderJson;
        let candidates: Vec<&yaml::Node> = match doc.get("value") {
            Some(v) if v.is_seq() => v.items().iter().collect(),
            _ => vec![&doc],
        };
        for c in candidates.into_iter().filter(|c| defender::is_rule(c)) {
            let s = sentinel::span(c);
            found.push(defender::read(c, Span::new(s.start, s.start)));
        }
    }
    if found.is_empty() {
        return Read::Skipped(match format {
            Format::ArmTemplate => {
                "an ARM template without analytics rules (alertRules with a query)".into()
            }
            _ => "JSON that is neither an ARM template nor a Defender detection rule".into(),
        });
    }
    let many = found.len() > 1;
    let mut items = Vec::new();
    let mut findings = Vec::new();
    for (i, (rule, query, f)) in found.into_iter().enumerate() {
        let name = if many {
            format!("{shown}#{}", i + 1)
        } else {
            shown.to_string()
        };
        items.extend(item_of(name, &text, query, rule));
        findings.extend(f);
    }
    Read::Doc(Document {
        path: shown.to_string(),
        text,
        format,
        items,
        findings,
    })
}

/// The byte offset of a 1-based line and column.
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let mut off = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            return off + column.saturating_sub(1).min(l.len());
        }
        off += l.len();
    }
    text.len()
}

#[cfg(test)]
mod tests;
