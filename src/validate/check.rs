//! `kql check`: parse and bind query files against table schemas, without data.
//! Errors come from the parser and the binder (unknown tables and columns with a
//! "did you mean", wrong argument counts and types, comparisons Kusto rejects), each
//! with Kusto's diagnostic code where it has one; the binder carries on after an
//! error, so every error of a file is reported. What kql can type but not run yet
//! is no finding (it fails when run). Warnings are the lints Kusto itself reports
//! (KS507, deprecated functions) and forms Kusto accepts that kql warns about
//! (`where x = true`, KQL001).

use super::diagnostic::{Diagnostic, Severity};
use super::engine;
use crate::ast::Query;
use crate::error::{Code, Error, Result, Span};
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

/// Every finding in one query text, in source order (findings without a position
/// last).
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
    let text: std::sync::Arc<str> = std::sync::Arc::from(file_text);
    let at = |e: Error, severity| Diagnostic::new(file, &text, map.error(e), severity);
    let (parsed, syntax) = engine::parse_recovering(query);
    let mut out: Vec<Diagnostic> = syntax.into_iter().map(|e| at(e, Severity::Error)).collect();
    let Some(parsed) = parsed else {
        return (out, None);
    };
    let mut report = engine::bind_check_all(&parsed, catalog);
    let warnings = parsed
        .warnings
        .iter()
        .cloned()
        .chain(lints(&parsed))
        .chain(std::mem::take(&mut report.warnings));
    out.extend(warnings.map(|e| at(e, Severity::Warning)));
    let clean = out.iter().all(|d| d.severity == Severity::Warning) && report.errors.is_empty();
    out.extend(report.errors.into_iter().map(|e| at(e, Severity::Error)));
    out.sort_by_key(|d| d.error.span().map_or(usize::MAX, |s| s.start));
    // An open result (columns the check cannot list) cannot be compared with the
    // columns a rule names.
    let first = (clean && !report.schemas.is_empty())
        .then(|| report.schemas.swap_remove(0))
        .filter(|cols| !crate::bind::is_open(cols));
    (out, first)
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

/// The functions Kusto.Language marks obsolete and their replacements: its
/// analyzer warns about each (KS507, "avoid using obsolete functions").
const DEPRECATED: &[(&str, &str)] = &[
    ("any", "take_any"),
    ("anyif", "take_anyif"),
    ("argmax", "arg_max"),
    ("argmin", "arg_min"),
    ("array_sum", "series_sum"),
    ("arraylength", "array_length"),
    ("base64_decodestring", "base64_decode_tostring"),
    ("base64_encodestring", "base64_encode_tostring"),
    ("cnt", "count"),
    ("columnifexists", "column_ifexists"),
    ("current_cursor", "cursor_current"),
    ("datepart", "datetime_part"),
    ("extentid", "extent_id"),
    ("extractall", "extract_all"),
    ("make_string", "unicode_codepoints_to_string"),
    ("makelist", "make_list"),
    ("makeset", "make_set"),
    ("notempty", "isnotempty"),
    ("notnull", "isnotnull"),
    ("pack", "bag_pack"),
    ("pack_dictionary", "bag_pack"),
    ("parsejson", "parse_json"),
    ("parseurl", "parse_url"),
    ("parseurlquery", "parse_urlquery"),
    ("replace", "replace_regex` or `replace_string"),
    ("row_rank", "row_rank_dense"),
    ("to_utf8", "unicode_codepoints_from_string"),
    ("toobject", "todynamic"),
    ("totime", "totimespan"),
    ("weekofyear", "week_of_year"),
];

/// Lints found by walking the syntax tree. The tree is walked through its JSON
/// form so that every node kind is visited without listing them here: a call is
/// `{"Call": {"func": {"name", "span"}, ...}}` wherever it occurs.
pub fn lints(query: &Query) -> Vec<Error> {
    let mut out = Vec::new();
    if let Ok(tree) = serde_json::to_value(query) {
        walk(&tree, &mut out);
    }
    out.sort_by_key(|e| e.span().map(|s| s.start));
    out
}

fn walk(v: &Json, out: &mut Vec<Error>) {
    match v {
        Json::Object(m) => {
            if let Some(call) = m.get("Call") {
                if let Some((name, span)) = call.get("func").and_then(ident) {
                    let args = call
                        .get("args")
                        .and_then(Json::as_array)
                        .map_or(0, Vec::len);
                    if let Some((_, new)) = DEPRECATED.iter().find(|(old, _)| *old == name) {
                        out.push(
                            Error::semantic(
                                format!("the function `{name}` is deprecated; use `{new}` instead"),
                                span,
                            )
                            .with_code(Code::Ks(507)),
                        );
                    } else if name == "count" && args == 1 {
                        // `count(x)` counts the rows where x is true: Kusto's countif.
                        out.push(
                            Error::semantic(
                                "this form of `count` is deprecated; use `countif` instead",
                                span,
                            )
                            .with_code(Code::Ks(507)),
                        );
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
                Column::new("Flag", Type::Bool),
                Column::new("Bag", Type::Dynamic),
            ],
        );
        c
    }

    fn findings(q: &str) -> Vec<String> {
        check_source("q.kql", q, &cat())
            .iter()
            .map(|d| {
                let sev = match d.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                };
                format!("{sev} {} {}:{} {}", d.code, d.line, d.column, d.message)
            })
            .collect()
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
            ("T\n| where Acount == 'x'", &[("error KS142 2:9", "Acount")]),
            ("Tx | take 1", &[("error KS204 1:1", "Tx")]),
            // A fuzzy union drops a leg naming no known table, with a warning
            // (Kusto.Language: KS205); a bad column of a known leg stays an error.
            (
                "union isfuzzy=true (Tx | where a == 1), (T | take 1)",
                &[("warning KS205 1:21", "Tx")],
            ),
            (
                "union isfuzzy=true Tx, (T | where Nope == 1)",
                &[("warning KS205 1:20", "Tx"), ("error KS142 1:35", "Nope")],
            ),
            ("T | where Count >", &[("error KS005 1:", "")]),
            (
                "T | where Account < 5",
                &[(
                    "error KS106 1:",
                    "cannot compare values of types string and long",
                )],
            ),
            (
                "T | extend c = count()",
                &[("error KS144 1:16", "only allowed in `summarize`")],
            ),
            (
                "T | where strlen(Account, 2) > 1",
                &[("error KS119 1:11", "expects 1 argument, got 2")],
            ),
            (
                "T | extend n = strln(Account)",
                &[("error KS211 1:16", "unknown function `strln`")],
            ),
            (
                "T | summarize by Bag",
                &[("error KS116 1:18", "dynamic is not allowed as a group")],
            ),
            (
                "T | where Account = 'x'",
                &[
                    ("warning KQL001 1:19", "`=` does not compare"),
                    ("error KS141 1:21", "must be bool, not string"),
                ],
            ),
            (
                "T | where Flag = true",
                &[("warning KQL001 1:16", "filters on `true` alone")],
            ),
            (
                "T | extend t = datetime('Insert date')",
                &[("warning KQL002 1:16", "invalid datetime literal")],
            ),
            (
                "T | invoke Nope()",
                &[("error KS211 1:12", "unknown function `Nope`")],
            ),
        ];
        for (q, want) in cases {
            let got = findings(q);
            assert_eq!(got.len(), want.len(), "{q}: {got:?}");
            for (g, (head, frag)) in got.iter().zip(want.iter()) {
                assert!(
                    g.starts_with(head) && g.contains(frag),
                    "{q}: got {g:?}, want {head} ... {frag}"
                );
            }
        }
    }

    /// The check carries on after an error: each statement, and each operator after
    /// one it could not bind, is still checked; what follows a broken name is not
    /// reported again.
    #[test]
    fn every_error_of_a_file_is_reported_once() {
        let cases: &[(&str, &[&str])] = &[
            (
                "T | where Nope == 1 | extend x = Count + Account | project Account, Gone",
                &["KS142 1:11", "KS106 1:42", "KS142 1:69"],
            ),
            (
                "let a = Missing | where x == 1;\na | where y == 2;\nT | where Bad > 1",
                &["KS204 1:9", "KS142 3:11"],
            ),
            (
                "let f = (n:long) { n + Oops };\nT | extend a = f(Count), b = f(1)",
                &["KS142 1:24"],
            ),
            (
                "Tx | where a == 1;\nTy | count",
                &["KS204 1:1", "KS204 2:1"],
            ),
            // A statement that does not parse is skipped to the next `;`; the name it
            // declares stands for an unknown, so its uses add nothing.
            (
                "let a = T | where (Count > ;\na | where Nope == 1;\nT | where Gone == 1 | take",
                &["KS005 1:28", "KS005 3:27"],
            ),
            (
                "let f = (x:long) { x + };\nT | extend y = f(Count) | where Account > 1",
                &["KS005 1:24", "KS106 2:43"],
            ),
        ];
        for (q, want) in cases {
            let got: Vec<String> = findings(q)
                .iter()
                .map(|g| g.split(' ').skip(1).take(2).collect::<Vec<_>>().join(" "))
                .collect();
            assert_eq!(&got, want, "{q}");
        }
    }

    /// Static: what kql can type but not run yet is no finding (it still fails when run).
    #[test]
    fn what_kql_cannot_run_yet_is_typed_not_refused() {
        let ok = [
            "externaldata (Ip:string, Score:long) [@'https://example.com/x.csv'] with (format='csv')\n| where Score > 5 | project Ip",
            "T | evaluate pivot(Account) | project Count, anything_else",
            "T | evaluate bag_unpack(Bag) | where foo > 1 | summarize count() by bar",
            "T | extend y = geo_info_from_ip_address(Account) | project y.country",
            "T | summarize p = percentile(Count, 95) by Account | where p > 1",
            "T | partition hint.strategy=native by Account (take 1)",
        ];
        for q in ok {
            assert_eq!(findings(q), Vec::<String>::new(), "{q}");
        }
        // A column an externaldata does not declare is still an error.
        let got = findings("externaldata (Ip:string) ['u'] | where Score > 5");
        assert!(got.len() == 1 && got[0].contains("KS142"), "{got:?}");
        // Running is not static: externaldata without a local copy fails at run time,
        // naming the URL and the flags that give one.
        let e = crate::run_query(
            "externaldata (Ip:string) [@'https://example.com/x.csv'] | take 1",
            &{
                let mut c = Catalog::new();
                c.add_table(
                    "T",
                    crate::table::Table::new(vec![Column::new("Account", Type::String)], vec![]),
                );
                c
            },
            0,
        )
        .unwrap_err();
        let all = format!("{} {}", e.message, e.hints.join(" "));
        assert!(
            all.contains("https://example.com/x.csv") && all.contains("--external"),
            "{all}"
        );
    }

    #[test]
    fn deprecated_functions_are_flagged_at_their_name() {
        let q = "T\n| summarize any(Count), take_any(Account), anyif(Count, Count > 1), cnt(), count(Flag)";
        let got: Vec<(String, Option<Span>)> = lints(&engine::parse(q).unwrap())
            .into_iter()
            .map(|e| {
                (
                    format!(
                        "{} {}",
                        e.code.map(|c| c.to_string()).unwrap_or_default(),
                        e.message
                    ),
                    e.span(),
                )
            })
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
                (
                    "KS507 the function `cnt` is deprecated; use `count` instead".to_string(),
                    Some(Span::new(70, 73))
                ),
                (
                    "KS507 this form of `count` is deprecated; use `countif` instead".to_string(),
                    Some(Span::new(77, 82))
                ),
            ]
        );
        // Deprecated, not unknown: no error besides the warnings.
        assert!(
            findings(q).iter().all(|f| f.starts_with("warning")),
            "{:?}",
            findings(q)
        );
    }
}
