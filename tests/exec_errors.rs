//! Errors name the culprit, point at it, and suggest the nearest name.

mod exec_common;
use exec_common::test_now;
use kql::{Catalog, Column, Type};

fn catalog() -> Catalog {
    let mut c = Catalog::new();
    c.add_schema(
        "SigninLogs",
        vec![Column::new("UserPrincipalName", Type::String)],
    );
    c.add_schema(
        "AuditLogs",
        vec![Column::new("OperationName", Type::String)],
    );
    c
}

/// (query, message, hint, the text under the error's span)
const CASES: &[(&str, &str, &str, &str)] = &[
    (
        "SigninLog | take 1",
        "unknown table or variable `SigninLog`",
        "did you mean `SigninLogs`?",
        "SigninLog",
    ),
    (
        "SigninLogs | where UserPrincipalNam == 'a'",
        "unknown column or variable `UserPrincipalNam`",
        "did you mean `UserPrincipalName`?",
        "UserPrincipalNam",
    ),
    (
        "print tolowr('A')",
        "unknown function `tolowr`",
        "did you mean `tolower`?",
        "tolowr('A')",
    ),
    (
        "datatable(a:long)[1] | join (datatable(a:string)['1']) on a",
        "join keys of different types: `a` is long, `a` is string",
        "convert one side, e.g. with `tostring()` or `tolong()`",
        "a",
    ),
    (
        "datatable(a:long)[1] | where a",
        "the `where` predicate must be bool, not long",
        "",
        "a",
    ),
    (
        "datatable(a:long)[1] | project b = count()",
        "aggregate function `count` is only allowed in `summarize`",
        "use it inside `summarize`, or a scalar function instead",
        "count()",
    ),
    (
        "datatable(a:long)[1] | reduce by tostring(a)",
        "`reduce` is not supported yet",
        "",
        "",
    ),
    // A misspelt aggregate is an unknown function, not its argument an unknown column
    // (the summarize's output has no `x`: binding the argument first said so).
    (
        "datatable(x:long)[1] | summarize dcont(x)",
        "unknown function `dcont`",
        "did you mean `dcount`?",
        "dcont(x)",
    ),
    // `*` only in the aggregates Kusto.Language takes it in (KS191 elsewhere).
    (
        "datatable(x:long, y:long)[1, 2] | summarize make_list(x, *)",
        "`*` is not allowed as an argument of `make_list`",
        "only `arg_max`, `arg_min` and `take_any` take `*` (all columns)",
        "*",
    ),
    (
        "datatable(x:long)[1] | summarize count(*)",
        "`*` is not allowed as an argument of `count`",
        "",
        "*",
    ),
    // Argument counts Kusto.Language refuses.
    (
        "print has_ipv4('a 1.2.3.4', '1.2.3.4', '5.6.7.8')",
        "`has_ipv4`: `has_ipv4` expects 2 arguments, got 3",
        "",
        "",
    ),
    (
        "print bag_pack()",
        "`bag_pack`: `bag_pack` expects key/value pairs (an even count of arguments), got 0",
        "",
        "",
    ),
    (
        "print make_datetime(2020, 1, 2, 3, 4, 5, 6)",
        "`make_datetime`: `make_datetime` expects 3 to 6 arguments, got 7",
        "",
        "",
    ),
    (
        "datatable(x:long)[1] | summarize make_list_with_nulls(x, 3)",
        "`make_list_with_nulls`: `make_list_with_nulls` expects 1 argument, got 2",
        "",
        "",
    ),
    (
        "print m = hll_merge(dynamic(null))",
        "`hll_merge`: `hll_merge` expects 2 to 16 arguments, got 1",
        "",
        "",
    ),
    // The spheroid form of a function whose sphere form is built: pointed at the
    // argument that asks for it, constant or not.
    (
        "print d = geo_distance_2points(1, 2, 3, 4, true)",
        "`geo_distance_2points(..., use_spheroid) other than a constant false` is not supported yet",
        "",
        "true",
    ),
    (
        "datatable(s:bool)[false] | extend d = geo_distance_2points(1, 2, 3, 4, s)",
        "`geo_distance_2points(..., use_spheroid) other than a constant false` is not supported yet",
        "",
        "s",
    ),
];

#[test]
fn errors_name_point_and_suggest() {
    let mut failures = Vec::new();
    for (query, message, hint, under) in CASES {
        let err = match kql::run_query(query, &catalog(), test_now()) {
            Ok(_) => {
                failures.push(format!("{query}: no error"));
                continue;
            }
            Err(e) => e,
        };
        let span_text = err.span().map(|s| &query[s.start..s.end]).unwrap_or("");
        let hint_ok = hint.is_empty() || err.hints.iter().any(|h| h == hint);
        let under_ok = under.is_empty() || span_text == *under;
        if err.message != *message || !hint_ok || !under_ok {
            failures.push(format!(
                "{query}\n  got: {} / hints {:?} / under `{span_text}`",
                err.message, err.hints
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn unknown_table_lists_the_tables_found() {
    let err = kql::run_query("Nothing | take 1", &catalog(), test_now()).unwrap_err();
    assert!(
        err.hints
            .iter()
            .any(|h| h == "tables found: SigninLogs, AuditLogs"),
        "{:?}",
        err.hints
    );
}
