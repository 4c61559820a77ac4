//! `kql check`: parse and bind query files against table schemas, without data.
//! Errors come from the parser and the binder (unknown tables and columns with a
//! "did you mean", wrong argument counts and types, comparisons Kusto rejects);
//! warnings are the lints Kusto itself reports (KS507, deprecated functions).

use super::diagnostic::{Diagnostic, Severity};
use super::engine;
use crate::ast::Query;
use crate::error::{Error, Result, Span};
use crate::io::Product;
use crate::table::Catalog;
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
                catalog.add_schema(n.clone(), t.columns().to_vec());
            }
        }
    }
    Ok(catalog)
}

/// Every finding in one query text, warnings first in source order, then the
/// error that stopped binding (the binder reports the first error only).
pub fn check_source(file: &str, source: &str, catalog: &Catalog) -> Vec<Diagnostic> {
    let query = match engine::parse(source) {
        Ok(q) => q,
        Err(e) => return vec![Diagnostic::from_error(file, source, &e, Severity::Error)],
    };
    let mut out: Vec<Diagnostic> = lints(&query)
        .into_iter()
        .map(|(code, e)| {
            Diagnostic::from_error(file, source, &e, Severity::Warning).with_code(code)
        })
        .collect();
    if let Err(e) = engine::bind_check(&query, catalog) {
        out.push(Diagnostic::from_error(file, source, &e, Severity::Error));
    }
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
