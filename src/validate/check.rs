//! `kql check`: parse and bind query files against table schemas, without data.
//! Errors come from the parser and the binder (unknown tables and columns with a
//! "did you mean", wrong argument counts and types, comparisons Kusto rejects);
//! warnings are the lints Kusto itself reports (KS507, deprecated functions).

use super::diagnostic::{Diagnostic, Severity};
use super::engine;
use crate::ast::Query;
use crate::error::{Error, Result, Span};
use crate::io::Product;
use crate::rules::{columns, Document, Finding, SourceMap};
use crate::table::{Catalog, Column};
use serde_json::Value as Json;
use std::path::{Path, PathBuf};

/// The schemas a query is checked against: the built-in ones, replaced or
/// extended by `--schema` files or folders, then the tables of a `--data` folder;
/// `product` chooses the Defender XDR or the Sentinel copy of each table.
pub fn catalog(schema_files: &[PathBuf], data: Option<&Path>, product: Product) -> Result<Catalog> {
    let mut user = Vec::new();
    for f in schema_files {
        user.extend(engine::load_schemas(f, product)?);
    }
    let mut catalog = crate::io::schema_catalog(&user, product);
    if let Some(dir) = data {
        let tables = engine::load_data_dir(dir, &user, product)?;
        let names: Vec<String> = tables.names().map(str::to_string).collect();
        for n in names {
            if let Some(t) = tables.get(&n) {
                catalog.add_schema(n.clone(), t.columns()?);
            }
        }
    }
    Ok(catalog)
}

/// Every finding in one query text, warnings first in source order, then the
/// error that stopped binding (the binder reports the first error only).
pub fn check_source(file: &str, source: &str, catalog: &Catalog) -> Vec<Diagnostic> {
    check_query(file, source, &SourceMap::identity(), source, catalog).0
}

/// The findings of `query`, whose bytes come from `file_text` as `map` says (the
/// positions are the file's), and the columns of its first result when it binds.
pub fn check_query(
    file: &str,
    query: &str,
    map: &SourceMap,
    file_text: &str,
    catalog: &Catalog,
) -> (Vec<Diagnostic>, Option<Vec<Column>>) {
    let at = |e: &Error, severity| {
        Diagnostic::from_error(file, file_text, &map.error(e.clone()), severity)
    };
    let parsed = match engine::parse(query) {
        Ok(q) => q,
        Err(e) => return (vec![at(&e, Severity::Error)], None),
    };
    let mut out: Vec<Diagnostic> = lints(&parsed)
        .into_iter()
        .map(|(code, e)| at(&e, Severity::Warning).with_code(code))
        .collect();
    match engine::bind_check(&parsed, catalog) {
        Ok(mut schemas) => {
            let first = (!schemas.is_empty()).then(|| schemas.swap_remove(0));
            (out, first)
        }
        Err(e) => {
            out.push(at(&e, Severity::Error));
            (out, None)
        }
    }
}

/// Every finding in a document: each query's (named `file#N` when the file holds
/// several), then the rule's fields, and the columns the rule names that its query's
/// result lacks.
pub fn check_document(doc: &Document, catalog: &Catalog) -> Vec<Diagnostic> {
    let finding = |f: &Finding| {
        let sev = if f.warning {
            Severity::Warning
        } else {
            Severity::Error
        };
        Diagnostic::from_error(&doc.path, &doc.text, &f.error, sev).with_code(f.code)
    };
    let mut out: Vec<Diagnostic> = Vec::new();
    for item in &doc.items {
        let (diags, result) = check_query(&doc.path, &item.query, &item.map, &doc.text, catalog);
        let named = |d: Diagnostic| {
            if item.name != doc.path {
                d.in_query(&item.name)
            } else {
                d
            }
        };
        out.extend(diags.into_iter().map(named));
        if let (Some(rule), Some(cols)) = (&item.rule, result) {
            let at = item.map.span(Span::new(0, 0));
            out.extend(
                columns::check(rule, &cols, at)
                    .iter()
                    .map(finding)
                    .map(named),
            );
        }
    }
    out.extend(doc.findings.iter().map(finding));
    out
}

/// Kusto's deprecated aggregate names and their replacements (KS507), as
/// Microsoft's analyzer reports them.
const DEPRECATED: &[(&str, &str)] = &[
    ("any", "take_any"),
    ("anyif", "take_anyif"),
    ("makeset", "make_set"),
    ("makelist", "make_list"),
    ("makeset_if", "make_set_if"),
    ("makelist_if", "make_list_if"),
    ("make_dictionary", "make_bag"),
];

/// Lints found by walking the syntax tree. The tree is walked through its JSON
/// form so that every node kind is visited without listing them here: a call is
/// `{"Call": {"func": {"name", "span"}, ...}}` wherever it occurs.
pub fn lints(query: &Query) -> Vec<(&'static str, Error)> {
    let mut out = Vec::new();
    if let Ok(tree) = serde_json::to_value(query) {
        walk(&tree, &mut out);
    }
    out.sort_by_key(|(_, e)| e.span().map(|s| s.start));
    out
}

fn walk(v: &Json, out: &mut Vec<(&'static str, Error)>) {
    match v {
        Json::Object(m) => {
            if let Some(call) = m.get("Call") {
                if let Some((name, span)) = call.get("func").and_then(ident) {
                    if let Some((_, new)) = DEPRECATED.iter().find(|(old, _)| *old == name) {
                        out.push((
                            "KS507",
                            Error::semantic(
                                format!("the function `{name}` is deprecated; use `{new}` instead"),
                                span,
                            )
                            .with_hint(format!("`{new}` works the same way")),
                        ));
                    }
                }
            }
            m.values().for_each(|x| walk(x, out));
        }
        Json::Array(a) => a.iter().for_each(|x| walk(x, out)),
        _ => {}
    }
}

/// Every identifier a query names (tables, columns, lets, functions).
pub fn names(query: &Query) -> std::collections::HashSet<String> {
    fn collect(v: &Json, out: &mut std::collections::HashSet<String>) {
        match v {
            Json::Object(m) => {
                if let Some((name, _)) = ident(v) {
                    out.insert(name.to_string());
                }
                m.values().for_each(|x| collect(x, out));
            }
            Json::Array(a) => a.iter().for_each(|x| collect(x, out)),
            _ => {}
        }
    }
    let mut out = std::collections::HashSet::new();
    if let Ok(tree) = serde_json::to_value(query) {
        collect(&tree, &mut out);
    }
    out
}

fn ident(v: &Json) -> Option<(&str, Span)> {
    let name = v.get("name")?.as_str()?;
    let s = v.get("span")?;
    let start = s.get("start")?.as_u64()? as usize;
    let end = s.get("end")?.as_u64()? as usize;
    Some((name, Span::new(start, end)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::Column;
    use crate::types::Type;

    fn cat() -> Catalog {
        let mut c = Catalog::new();
        c.add_schema(
            "T",
            vec![
                Column::new("Account", Type::String),
                Column::new("Count", Type::Long),
            ],
        );
        c
    }

    /// (query, expected findings: "severity code line:col", a fragment of the message).
    #[test]
    fn findings_have_a_severity_a_code_and_a_position() {
        let cases: &[(&str, &[(&str, &str)])] = &[
            ("T | where Count > 1", &[]),
            (
                "T\n| summarize any(Count), makeset(Account) by Account",
                &[
                    ("warning KS507 2:13", "`any` is deprecated; use `take_any`"),
                    (
                        "warning KS507 2:25",
                        "`makeset` is deprecated; use `make_set`",
                    ),
                ],
            ),
            (
                "T\n| where Acount == 'x'",
                &[("error semantic 2:9", "Acount")],
            ),
            ("Tx | take 1", &[("error semantic 1:1", "Tx")]),
            ("T | where Count >", &[("error parse 1:", "")]),
            (
                "T | where Account < 5",
                &[(
                    "error semantic 1:",
                    "cannot compare values of types string and long",
                )],
            ),
            (
                "T | extend c = count()",
                &[("error semantic 1:16", "only allowed in `summarize`")],
            ),
            (
                "T | where strlen(Account, 2) > 1",
                &[("error semantic 1:11", "expects 1 argument, got 2")],
            ),
            (
                "T | extend n = strln(Account)",
                &[("error semantic 1:16", "unknown function `strln`")],
            ),
        ];
        for (q, want) in cases {
            let got: Vec<String> = check_source("q.kql", q, &cat())
                .iter()
                .map(|d| {
                    let sev = match d.severity {
                        Severity::Error => "error",
                        Severity::Warning => "warning",
                    };
                    format!("{sev} {} {}:{} {}", d.code, d.line, d.column, d.message)
                })
                .collect();
            assert_eq!(got.len(), want.len(), "{q}: {got:?}");
            for (g, (head, frag)) in got.iter().zip(want.iter()) {
                assert!(
                    g.starts_with(head) && g.contains(frag),
                    "{q}: got {g:?}, want {head} ... {frag}"
                );
            }
        }
    }

    #[test]
    fn deprecated_aggregates_are_flagged_at_their_name() {
        let q = "T\n| summarize any(Count), take_any(Account), anyif(Count, Count > 1)";
        let got: Vec<(String, Option<Span>)> = lints(&engine::parse(q).unwrap())
            .into_iter()
            .map(|(code, e)| (format!("{code} {}", e.message), e.span()))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "KS507 the function `any` is deprecated; use `take_any` instead".to_string(),
                    Some(Span::new(14, 17))
                ),
                (
                    "KS507 the function `anyif` is deprecated; use `take_anyif` instead"
                        .to_string(),
                    Some(Span::new(45, 50))
                ),
            ]
        );
    }
}
