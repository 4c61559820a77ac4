//! Stored functions: the functions of the database a query calls by name, read from a
//! folder (`--functions DIR`), as Kusto keeps them beside the tables. Three forms:
//!
//! - `.kql` files holding definitions: `let f = (a:string, T:(*)) { ... };` (any number
//!   per file) or the management commands `.create function [with (...)] f(...) {...}`,
//!   `.create-or-alter function ...`, `.alter function ...`;
//! - Sentinel parser YAML (the ASIM parsers: `ParserName`, `ParserParams`,
//!   `ParserQuery`, and the built-in name of the same parser, `EquivalentBuiltInParser`
//!   such as `_Im_Dns`);
//! - Azure-Sentinel's `CustomFunctions/*.json` (`FunctionName`, `FunctionParameters`,
//!   `FunctionResultColumns`): only the signature, so `kql check` can type the calls;
//!   running such a function fails, naming the file.
//!
//! The binder finds a stored function when no `let` of the query has the name, and
//! calls it as Kusto does: with arguments by position or name, defaults, a tabular
//! first argument from `invoke`, and without parentheses when every parameter has a
//! default. Positions in a function's body are kept as positions in its file, so that
//! an error inside it names the file, line and column.

use crate::ast::{FunctionDef, LetValue, StatementKind};
use crate::error::{line_col, Error, ErrorKind, Location, Result, Span};
use crate::rules::yaml::{self, Node};
use crate::rules::SourceMap;
use crate::types::Type;
use serde_json::Value as Json;
use std::path::Path;
use std::sync::Arc;

/// One stored function.
#[derive(Debug)]
pub struct StoredFunction {
    pub name: String,
    pub def: FunctionDef,
    /// The file it was read from, its text, and where the positions of `def` (in the
    /// text the function was parsed from) are in that file.
    pub file: String,
    pub text: Arc<str>,
    pub map: SourceMap,
    /// Only the signature is known (a CustomFunctions JSON file): the body is an empty
    /// table of the result columns, which only `kql check` may use.
    pub signature_only: bool,
}

impl StoredFunction {
    /// `e`, found in this function's body, as an error at the call `at`: the message
    /// names the function and the place in its file.
    pub fn error_at_call(&self, mut e: Error, at: Span) -> Error {
        let place = match e.span() {
            Some(s) => {
                let (line, col) = line_col(&self.text, self.map.offset(s.start));
                format!("{}:{line}:{col}", self.file)
            }
            None => self.file.clone(),
        };
        e.message = format!("in `{}` ({place}): {}", self.name, e.message);
        e.location = Location::Query(at);
        e.labels.clear();
        e
    }

    /// The error for running a function known only by its signature.
    pub fn not_runnable(&self, at: Span) -> Error {
        Error::new(
            ErrorKind::Semantic,
            format!(
                "`{}` is known only by its signature ({}): kql cannot run it",
                self.name, self.file
            ),
        )
        .at(at)
        .with_hint("give its definition (a .kql file or a parser .yaml file) in --functions")
    }
}

/// Adds the stored functions of `dir` (see [`load_dir`]) to `catalog`.
pub fn add_dir(catalog: &mut crate::table::Catalog, dir: &Path) -> Result<()> {
    for f in load_dir(dir)? {
        catalog.add_function(f);
    }
    Ok(())
}

/// Every stored function in the files of `dir` (and its subfolders), in file order;
/// a name defined twice is an error naming both files.
pub fn load_dir(dir: &Path) -> Result<Vec<StoredFunction>> {
    let mut files = Vec::new();
    collect(dir, &mut files)?;
    files.sort();
    let mut out: Vec<StoredFunction> = Vec::new();
    for f in files {
        for func in load_file(&f)? {
            if let Some(prev) = out.iter().find(|p| p.name.eq_ignore_ascii_case(&func.name)) {
                return Err(Error::new(
                    ErrorKind::Data,
                    format!(
                        "the function `{}` is defined twice: in {} and in {}",
                        func.name, prev.file, func.file
                    ),
                ));
            }
            out.push(func);
        }
    }
    Ok(out)
}

fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        Error::new(
            ErrorKind::Io,
            format!("cannot read the functions folder {}: {e}", dir.display()),
        )
    })?;
    for entry in entries.flatten() {
        let p = entry.path();
        if p.is_dir() {
            collect(&p, out)?;
        } else if matches!(
            p.extension().and_then(|e| e.to_str()),
            Some("kql" | "csl" | "yaml" | "yml" | "json")
        ) {
            out.push(p);
        }
    }
    Ok(())
}

/// The functions one file defines (by its extension: `.kql`/`.csl`, `.yaml`/`.yml`,
/// `.json`).
pub fn load_file(path: &Path) -> Result<Vec<StoredFunction>> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::new(ErrorKind::Io, format!("cannot read {shown}: {e}")))?;
    match path.extension().and_then(|e| e.to_str()) {
        Some("yaml" | "yml") => from_parser_yaml(&shown, &text),
        Some("json") => from_signature_json(&shown, &text),
        _ => from_kql(&shown, &text),
    }
}

/// A data error at byte `at` of `text` (the line in the location, the column in the
/// message: a file error has no caret).
fn file_error(file: &str, text: &str, at: usize, message: impl std::fmt::Display) -> Error {
    let (line, col) = line_col(text, at);
    Error::data(format!("{message} (column {col})"), file, line)
}

/// The definitions of a `.kql` file. A management command is read as the `let` it
/// amounts to: `.create-or-alter function with (folder="x") f(a:string) {...}` is
/// `let f = (a:string) {...}`, written over the command's head; each definition is
/// parsed from a copy of the file blank outside it, so every byte keeps its position.
pub fn from_kql(file: &str, text: &str) -> Result<Vec<StoredFunction>> {
    let commands = find_commands(file, text)?;
    let shared: Arc<str> = Arc::from(text);
    let mut found: Vec<(usize, StoredFunction)> = Vec::new();
    let mut take = |source: &str, only_lets: bool| -> Result<()> {
        let query = crate::syntax::parse(source).map_err(|e| {
            let at = e.span().map_or(0, |s| s.start);
            file_error(file, text, at, &e.message)
        })?;
        for st in query.statements {
            match st.kind {
                StatementKind::Let {
                    name,
                    value: LetValue::Function(def) | LetValue::View(def),
                } => found.push((
                    st.span.start,
                    StoredFunction {
                        name: name.name,
                        def,
                        file: file.to_string(),
                        text: shared.clone(),
                        map: SourceMap::identity(),
                        signature_only: false,
                    },
                )),
                // Scalar or tabular lets next to the functions (shared constants) are
                // not functions; Kusto stores only functions.
                StatementKind::Let { .. } if only_lets => {}
                _ => {
                    return Err(file_error(
                        file,
                        text,
                        st.span.start,
                        "a functions file holds function definitions (`let f = (...) { ... }` or `.create function`), not queries",
                    ))
                }
            }
        }
        Ok(())
    };
    let mut rest = text.to_string();
    for c in &commands {
        blank(&mut rest, c.start..c.end);
    }
    take(&rest, true)?;
    for c in &commands {
        let mut one = text.to_string();
        blank(&mut one, 0..c.start);
        blank(&mut one, c.end..text.len());
        let head = format!("let {} =", c.name);
        let width = c.head_end - c.start;
        one.replace_range(c.start..c.head_end, &format!("{head:<width$}"));
        take(&one, false)?;
    }
    found.sort_by_key(|(at, _)| *at);
    Ok(found.into_iter().map(|(_, f)| f).collect())
}

/// Spaces over `range` of `text`, line breaks kept (so lines and columns stay).
fn blank(text: &mut String, range: std::ops::Range<usize>) {
    let spaced: String = text[range.clone()]
        .chars()
        .map(|c| if c == '\n' || c == '\r' { c } else { ' ' })
        .collect();
    // Multi-byte characters become one space each: pad to keep the byte length.
    let pad = range.len() - spaced.len();
    text.replace_range(range, &format!("{spaced}{}", " ".repeat(pad)));
}

/// A `.create function` command: its bytes, where its head (up to the parameters'
/// `(`) ends, and the function's name.
struct Command {
    start: usize,
    head_end: usize,
    end: usize,
    name: String,
}

/// The `.create[-or-alter] function [with (...)] name(...) {...}` (and `.alter
/// function`) commands of `text`, each starting a line.
fn find_commands(file: &str, text: &str) -> Result<Vec<Command>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(rel) = text[i..].find('.') {
        let start = i + rel;
        i = start + 1;
        let line_start = text[..start].rfind('\n').map_or(0, |n| n + 1);
        if !text[line_start..start].trim().is_empty() {
            continue;
        }
        let rest = &text[start + 1..];
        let Some(verb) = ["create-or-alter", "create", "alter"]
            .iter()
            .find(|v| rest.starts_with(*v))
        else {
            continue;
        };
        let mut p = skip_ws(b, start + 1 + verb.len());
        if !text[p..].starts_with("function") {
            continue;
        }
        p = skip_ws(b, p + "function".len());
        if text[p..].starts_with("with") && text[p + 4..].trim_start().starts_with('(') {
            p = skip_ws(b, p + 4);
            p = matching(b, p, b'(', b')')
                .ok_or_else(|| file_error(file, text, p, "unclosed `with (` in the command"))?;
            p = skip_ws(b, p);
        }
        let name_start = p;
        while p < b.len() && (b[p].is_ascii_alphanumeric() || b[p] == b'_') {
            p += 1;
        }
        let name = text[name_start..p].to_string();
        let head_end = skip_ws(b, p);
        if name.is_empty() || b.get(head_end) != Some(&b'(') || head_end - start < name.len() + 6 {
            return Err(file_error(
                file,
                text,
                name_start,
                "expected the function's name and `(` after `function`",
            ));
        }
        let params_end = matching(b, head_end, b'(', b')')
            .ok_or_else(|| file_error(file, text, head_end, "unclosed `(` of the parameters"))?;
        let body_start = skip_ws(b, params_end);
        if b.get(body_start) != Some(&b'{') {
            return Err(file_error(
                file,
                text,
                body_start,
                "expected `{` and the function's body",
            ));
        }
        let end = matching(b, body_start, b'{', b'}')
            .ok_or_else(|| file_error(file, text, body_start, "unclosed `{` of the body"))?;
        out.push(Command {
            start,
            head_end,
            end,
            name,
        });
        i = end;
    }
    Ok(out)
}

fn skip_ws(b: &[u8], mut p: usize) -> usize {
    while p < b.len() && b[p].is_ascii_whitespace() {
        p += 1;
    }
    p
}

/// The byte after the bracket closing the one at `p`, skipping strings and comments.
fn matching(b: &[u8], p: usize, open: u8, close: u8) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = p;
    while i < b.len() {
        match b[i] {
            q @ (b'"' | b'\'') => {
                i += 1;
                while i < b.len() && b[i] != q && b[i] != b'\n' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            c if c == open => depth += 1,
            c if c == close => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// A Sentinel parser: `ParserName`, `ParserParams` (`Name`, `Type`, `Default`) and
/// `ParserQuery`; the function is known by its `ParserName` and, when given, by
/// `EquivalentBuiltInParser` (`_Im_Dns` for `imDns`), as Sentinel deploys both.
pub fn from_parser_yaml(file: &str, text: &str) -> Result<Vec<StoredFunction>> {
    let doc = yaml::parse(text)
        .map_err(|e| file_error(file, text, e.offset, format!("invalid YAML: {}", e.message)))?
        .ok_or_else(|| Error::data("an empty parser file", file, 1))?;
    let field = |k: &str| -> Result<&Node> {
        doc.get(k)
            .ok_or_else(|| Error::data(format!("a parser file needs `{k}`"), file, 1))
    };
    let name_node = field("ParserName")?;
    let query_node = field("ParserQuery")?;
    let name = name_node
        .scalar()
        .ok_or_else(|| {
            file_error(
                file,
                text,
                name_node.span().start,
                "`ParserName` must be a name",
            )
        })?
        .trim()
        .to_string();
    let query = query_node.scalar().ok_or_else(|| {
        file_error(
            file,
            text,
            query_node.span().start,
            "`ParserQuery` must be text",
        )
    })?;
    let mut params = Vec::new();
    if let Some(list) = doc.get("ParserParams") {
        for p in list.items() {
            let get = |k: &str| p.get(k).and_then(Node::scalar).map(str::trim);
            let (Some(pname), Some(pty)) = (get("Name"), get("Type")) else {
                return Err(file_error(
                    file,
                    text,
                    p.span().start,
                    "each of `ParserParams` needs a `Name` and a `Type`",
                ));
            };
            let mut decl = format!("{}:{pty}", quoted(pname));
            if let Some(d) = get("Default") {
                decl.push_str(&format!(" = {}", default_text(pty, d)));
            }
            params.push(decl);
        }
    }
    // The function as Kusto stores it, `(params) { query }`; the head maps to the
    // `ParserName` field, the body byte for byte to the query's place in the file.
    let head = format!("let {} = ({}) {{\n", quoted(&name), params.join(", "));
    let tail = "\n};";
    let qmap = query_node.source_map(text);
    let name_at = name_node.span().start;
    let mut offsets: Vec<usize> = vec![name_at; head.len()];
    offsets.extend((0..query.len()).map(|i| qmap.offset(i)));
    let end = qmap.offset(query.len());
    offsets.extend(std::iter::repeat_n(end, tail.len() + 1));
    let map = SourceMap::from_offsets(offsets);
    let source = format!("{head}{query}{tail}");
    let parsed = crate::syntax::parse(&source).map_err(|e| {
        let at = map.offset(e.span().map_or(0, |s| s.start));
        file_error(file, text, at, &e.message)
    })?;
    let def = parsed
        .statements
        .into_iter()
        .find_map(|st| match st.kind {
            StatementKind::Let {
                value: LetValue::Function(def),
                ..
            } => Some(def),
            _ => None,
        })
        .ok_or_else(|| Error::data("`ParserQuery` is not a function body", file, 1))?;
    let shared: Arc<str> = Arc::from(text);
    let mut names = vec![name];
    if let Some(alias) = doc.get("EquivalentBuiltInParser").and_then(Node::scalar) {
        if !alias.trim().is_empty() && !names.contains(&alias.trim().to_string()) {
            names.push(alias.trim().to_string());
        }
    }
    Ok(names
        .into_iter()
        .map(|n| StoredFunction {
            name: n,
            def: def.clone(),
            file: file.to_string(),
            text: shared.clone(),
            map: map.clone(),
            signature_only: false,
        })
        .collect())
}

/// A YAML default as KQL: strings may be written bare (`Default: '*'` is the string
/// `*`); other values are KQL already (`datetime(null)`, `dynamic([])`, `false`).
fn default_text(ty: &str, d: &str) -> String {
    let quoted_already = d.starts_with('\'') || d.starts_with('"') || d.starts_with('@');
    if ty.trim() == "string" && !quoted_already {
        format!("'{}'", d.replace('\\', "\\\\").replace('\'', "\\'"))
    } else {
        d.to_string()
    }
}

/// A name as KQL may write it: bare when it is an identifier, else `['...']`.
fn quoted(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_alphanumeric() || c == '_');
    if plain {
        name.to_string()
    } else {
        format!("['{}']", name.replace('\'', "\\'"))
    }
}

/// A type as Kusto or .NET names it (`string`, `String`, `Int32`, `DateTime`, ...).
fn type_named(name: &str) -> Option<Type> {
    Some(match name.trim() {
        "String" => Type::String,
        "Int32" | "Int16" | "Byte" => Type::Int,
        "Int64" => Type::Long,
        "Double" | "Single" => Type::Real,
        "Decimal" | "SqlDecimal" => Type::Decimal,
        "Boolean" | "SByte" => Type::Bool,
        "DateTime" => Type::DateTime,
        "TimeSpan" => Type::TimeSpan,
        "Guid" => Type::Guid,
        "Object" | "JToken" => Type::Dynamic,
        other => return Type::from_name(&other.to_ascii_lowercase()),
    })
}

/// Azure-Sentinel's `CustomFunctions/*.json`: the name, the parameters and the result
/// columns of a function whose body is not given.
pub fn from_signature_json(file: &str, text: &str) -> Result<Vec<StoredFunction>> {
    let v: Json = serde_json::from_str(text)
        .map_err(|e| Error::data(format!("invalid JSON: {e}"), file, e.line()))?;
    let name = v
        .get("FunctionName")
        .and_then(Json::as_str)
        .ok_or_else(|| Error::data("a function signature needs `FunctionName`", file, 1))?;
    let typed = |item: &Json, what: &str| -> Result<(String, Type)> {
        let n = item.get("Name").and_then(Json::as_str);
        let t = item.get("Type").and_then(Json::as_str);
        match (n, t.and_then(type_named)) {
            (Some(n), Some(t)) => Ok((n.to_string(), t)),
            _ => Err(Error::data(
                format!("each of `{what}` needs a `Name` and a known `Type`, not {item}"),
                file,
                1,
            )),
        }
    };
    let list = |k: &str| {
        v.get(k)
            .and_then(Json::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let mut params = Vec::new();
    for p in list("FunctionParameters") {
        let (n, t) = typed(&p, "FunctionParameters")?;
        let mut decl = format!("{}:{}", quoted(&n), t.name());
        if let Some(d) = p.get("Default").and_then(Json::as_str) {
            decl.push_str(&format!(" = {}", default_text(t.name(), d)));
        }
        params.push(decl);
    }
    let mut columns = Vec::new();
    for c in list("FunctionResultColumns") {
        let (n, t) = typed(&c, "FunctionResultColumns")?;
        columns.push(format!("{}:{}", quoted(&n), t.name()));
    }
    if columns.is_empty() {
        return Err(Error::data(
            "a function signature needs `FunctionResultColumns`",
            file,
            1,
        ));
    }
    let source = format!(
        "let {} = ({}) {{ datatable({}) [] }};",
        quoted(name),
        params.join(", "),
        columns.join(", ")
    );
    let parsed = crate::syntax::parse(&source)
        .map_err(|e| Error::data(format!("cannot read the signature: {}", e.message), file, 1))?;
    let def = parsed
        .statements
        .into_iter()
        .find_map(|st| match st.kind {
            StatementKind::Let {
                value: LetValue::Function(def),
                ..
            } => Some(def),
            _ => None,
        })
        .ok_or_else(|| Error::data("cannot read the signature", file, 1))?;
    Ok(vec![StoredFunction {
        name: name.to_string(),
        def,
        file: file.to_string(),
        text: Arc::from(text),
        // Every position of the synthesized body stands for the start of the file.
        map: SourceMap::from_offsets(vec![0; source.len() + 1]),
        signature_only: true,
    }])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(fs: &[StoredFunction]) -> Vec<(String, usize)> {
        fs.iter()
            .map(|f| (f.name.clone(), f.def.params.len()))
            .collect()
    }

    #[test]
    fn kql_files_hold_lets_and_management_commands() {
        let text = "// helpers\nlet Risky = (T:(*), min:long = 5) { T | where Score >= min };\n.create-or-alter function with (folder = \"x (y)\", docstring = \"a {b}\") Suspicious(ip:string) {\n  Risky(Events) | where IP == ip\n}\n.create function Plain() { print 1 }\n";
        let fs = from_kql("f.kql", text).unwrap();
        assert_eq!(
            names(&fs),
            vec![
                ("Risky".to_string(), 2),
                ("Suspicious".to_string(), 1),
                ("Plain".to_string(), 0)
            ]
        );
        // Positions in the body are the file's: `Events` is on line 4, column 9.
        let body = format!("{:?}", fs[1].def.body);
        assert!(body.contains("Events"), "{body}");
        let at = text.find("Events").unwrap();
        let span = Span::new(at, at + 6);
        let e = fs[1].error_at_call(
            Error::semantic("unknown table `Events`", span),
            Span::new(0, 1),
        );
        assert_eq!(
            e.message,
            "in `Suspicious` (f.kql:4:9): unknown table `Events`"
        );
    }

    #[test]
    fn parser_yaml_gives_the_parser_and_its_built_in_name() {
        let text = "ParserName: imThing\nEquivalentBuiltInParser: _Im_Thing\nParserParams:\n  - Name: starttime\n    Type: datetime\n    Default: datetime(null)\n  - Name: srcipaddr\n    Type: string\n    Default: '*'\nParserQuery: |\n  let x = 1;\n  Things | where srcipaddr == '*' or Src == srcipaddr\n";
        let fs = from_parser_yaml("p.yaml", text).unwrap();
        assert_eq!(
            names(&fs),
            vec![("imThing".to_string(), 2), ("_Im_Thing".to_string(), 2)]
        );
        // `Things` maps back to line 12, column 3 of the file.
        let q = format!("let f = {:?}", fs[0].def.body[1]);
        assert!(q.contains("Things"), "{q}");
        let stmt_span = fs[0].def.body[1].span;
        let (line, col) = line_col(text, fs[0].map.offset(stmt_span.start));
        assert_eq!((line, col), (12, 3));
    }

    #[test]
    fn signature_json_gives_typed_result_columns() {
        let text = r#"{"FunctionName": "Sig", "FunctionParameters": [{"Name": "n", "Type": "int"}],
            "FunctionResultColumns": [{"Name": "TimeGenerated", "Type": "DateTime"}, {"Name": "Count", "Type": "Int64"}, {"Name": "odd name", "Type": "Object"}]}"#;
        let fs = from_signature_json("Sig.json", text).unwrap();
        assert_eq!(names(&fs), vec![("Sig".to_string(), 1)]);
        assert!(fs[0].signature_only);
        let bad = from_signature_json(
            "Bad.json",
            r#"{"FunctionName": "B", "FunctionResultColumns": [{"Name": "x", "Type": "Weird"}]}"#,
        )
        .unwrap_err();
        assert!(bad.message.contains("known `Type`"), "{}", bad.message);
    }

    #[test]
    fn malformed_files_say_where() {
        let e = from_kql("f.kql", "let f = (a:string) { a + };").unwrap_err();
        assert_eq!(
            e.location,
            Location::File {
                path: "f.kql".into(),
                line: 1
            }
        );
        let e = from_kql("q.kql", "T | take 1").unwrap_err();
        assert!(
            e.message.contains("holds function definitions"),
            "{}",
            e.message
        );
        let e = from_parser_yaml("p.yaml", "ParserName: x\n").unwrap_err();
        assert!(e.message.contains("`ParserQuery`"), "{}", e.message);
    }
}
