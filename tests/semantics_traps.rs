//! Semantic traps: rules of Kusto that a hand-written query trips over, one table row
//! per rule, each with the columns (name:type) and rows Kusto returns. Expected values
//! come from the Kusto documentation (MicrosoftDocs/dataexplorer-docs,
//! `data-explorer/kusto/query/`, cited as `docs: <page>`) or, for column names and
//! types, from Microsoft's own type checker (Kusto.Language, cited as `K.L`). Rules
//! the docs leave open are left out (see the report of issue 4).
//!
//! Rows are JSON as `kql run --format json` writes them. Cells compare as values:
//! numbers numerically (`1` equals `1.0`), datetime columns as instants, everything
//! else exactly (so `tostring()` text is checked to the character). Rows compare in
//! order when the query sorts (`sort`, `order by`, `top`), else as a multiset.

mod exec_common;
use exec_common::test_now;
use kql::value::{parse_datetime, to_json};
use kql::{Catalog, Type};
use serde_json::Value as J;

/// (rule, query, `name:type, ...` or `error`, rows as JSON).
type Trap = (&'static str, &'static str, &'static str, &'static str);

fn same(a: &J, b: &J, ty: Option<Type>) -> bool {
    match (a, b) {
        (J::Number(x), J::Number(y)) => x.as_f64() == y.as_f64(),
        (J::String(x), J::String(y)) if ty == Some(Type::DateTime) => {
            x == y || matches!((parse_datetime(x), parse_datetime(y)), (Some(p), Some(q)) if p == q)
        }
        (J::Array(x), J::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q, None))
        }
        (J::Object(x), J::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((k, v), (l, w))| k == l && same(v, w, None))
        }
        _ => a == b,
    }
}

/// Why a trap fails, or None when kql gives Kusto's answer.
fn mismatch(query: &str, columns: &str, rows: &str) -> Option<String> {
    let result = kql::run_query(query, &Catalog::new(), test_now());
    if columns == "error" {
        return match result {
            Err(_) => None,
            Ok(t) => Some(format!(
                "expected an error, got {} rows",
                t.last().map_or(0, |t| t.rows.len())
            )),
        };
    }
    let tables = match result {
        Ok(t) => t,
        Err(e) => return Some(format!("error: {}", e.message)),
    };
    let table = tables.last()?;
    let got_cols = table
        .columns
        .iter()
        .map(|c| format!("{}:{}", c.name, c.ty))
        .collect::<Vec<_>>()
        .join(", ");
    if got_cols != columns {
        return Some(format!("columns: got `{got_cols}`"));
    }
    let want: Vec<Vec<J>> = serde_json::from_str(rows).expect("expected rows are JSON");
    let got: Vec<Vec<J>> = table
        .rows
        .iter()
        .map(|r| r.iter().map(to_json).collect())
        .collect();
    let types: Vec<Type> = table.columns.iter().map(|c| c.ty).collect();
    let row_eq = |a: &Vec<J>, b: &Vec<J>| {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .zip(&types)
                .all(|((x, y), t)| same(x, y, Some(*t)))
    };
    let shown = serde_json::to_string(&got).unwrap_or_default();
    if want.len() != got.len() {
        return Some(format!("rows: got {shown}"));
    }
    let ordered = ["sort ", "order by", "top "]
        .iter()
        .any(|k| query.contains(k));
    if ordered {
        if !want.iter().zip(&got).all(|(w, g)| row_eq(w, g)) {
            return Some(format!("rows: got {shown}"));
        }
    } else {
        let mut used = vec![false; got.len()];
        for w in &want {
            match (0..got.len()).find(|&i| !used[i] && row_eq(w, &got[i])) {
                Some(i) => used[i] = true,
                None => return Some(format!("rows: got {shown}")),
            }
        }
    }
    None
}

fn check(traps: &[Trap]) {
    let failures: Vec<String> = traps
        .iter()
        .filter_map(|(rule, query, columns, rows)| {
            mismatch(query, columns, rows).map(|why| {
                format!("rule:     {rule}\nquery:    {query}\nexpected: {columns} {rows}\n{why}\n")
            })
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} traps failed:\n\n{}",
        failures.len(),
        traps.len(),
        failures.join("\n")
    );
}

/// docs: datatypes-string-operators.md (the table's examples all yield true), has-operator.md.
#[test]
fn has_matches_whole_terms() {
    check(&[
        (
            "has: a whole term, case-insensitive",
            r#"print r = "North America" has "america""#,
            "r:bool",
            "[[true]]",
        ),
        (
            "!has: a part of a term is not a term",
            r#"print r = "North America" !has "amer""#,
            "r:bool",
            "[[true]]",
        ),
        (
            "has: a term is a maximal alphanumeric run, not a substring of one",
            r#"print r = "Kusto: ad67d136-c1db-4f9f-88ef-d94f3b6b0b5a;KustoExplorerQueryRun" has "Explorer""#,
            "r:bool",
            "[[false]]",
        ),
        (
            "has: runs between punctuation are terms",
            r#"print a = "Kusto: ad67d136-c1db-4f9f-88ef-d94f3b6b0b5a;KustoExplorerQueryRun" has "c1db", b = "Kusto: ad67d136-c1db-4f9f-88ef-d94f3b6b0b5a;KustoExplorerQueryRun" has "KustoExplorerQueryRun""#,
            "a:bool, b:bool",
            "[[true, true]]",
        ),
        (
            "has: an empty string has no term",
            r#"print r = "" has "x""#,
            "r:bool",
            "[[false]]",
        ),
        (
            "has_cs: case-sensitive",
            r#"print a = "North America" has_cs "America", b = "North America" has_cs "america""#,
            "a:bool, b:bool",
            "[[true, false]]",
        ),
        (
            "!has_cs",
            r#"print r = "North America" !has_cs "amer""#,
            "r:bool",
            "[[true]]",
        ),
        (
            "hasprefix: a term prefix",
            r#"print a = "North America" hasprefix "ame", b = "North America" !hasprefix "mer""#,
            "a:bool, b:bool",
            "[[true, true]]",
        ),
        (
            "hasprefix_cs",
            r#"print a = "North America" hasprefix_cs "Ame", b = "North America" !hasprefix_cs "CA", c = "North America" hasprefix_cs "ame""#,
            "a:bool, b:bool, c:bool",
            "[[true, true, false]]",
        ),
        (
            "hassuffix: a term suffix",
            r#"print a = "North America" hassuffix "ica", b = "North America" !hassuffix "americ", c = "North America" hassuffix "orth""#,
            "a:bool, b:bool, c:bool",
            "[[true, true, true]]",
        ),
        (
            "hassuffix_cs",
            r#"print a = "North America" hassuffix_cs "ica", b = "North America" !hassuffix_cs "icA""#,
            "a:bool, b:bool",
            "[[true, true]]",
        ),
        (
            "has_any / has_all",
            r#"print a = "North America" has_any("south", "north"), b = "North and South America" has_all("south", "north"), c = "North America" has_all("south", "north")"#,
            "a:bool, b:bool, c:bool",
            "[[true, true, false]]",
        ),
        (
            "has_any with a dynamic array",
            r#"print r = "North America" has_any(dynamic(["x", "AMERICA"]))"#,
            "r:bool",
            "[[true]]",
        ),
        (
            "has in where",
            r#"datatable(s:string)["North America", "Northamerica", "america-north"] | where s has "america""#,
            "s:string",
            r#"[["North America"], ["america-north"]]"#,
        ),
    ]);
}

/// docs: datatypes-string-operators.md.
#[test]
fn contains_and_case_rules() {
    check(&[
        (
            "contains: substring, case-insensitive; has would not match",
            r#"print a = "FabriKam" contains "BRik", b = "FabriKam" has "BRik""#,
            "a:bool, b:bool",
            "[[true, false]]",
        ),
        (
            "!contains",
            r#"print r = "Fabrikam" !contains "xyz""#,
            "r:bool",
            "[[true]]",
        ),
        (
            "contains_cs / !contains_cs",
            r#"print a = "FabriKam" contains_cs "Kam", b = "Fabrikam" !contains_cs "Kam", c = "FabriKam" contains_cs "kam""#,
            "a:bool, b:bool, c:bool",
            "[[true, true, false]]",
        ),
        (
            "startswith is case-insensitive",
            r#"print a = "Fabrikam" startswith "fab", b = "Fabrikam" !startswith "kam""#,
            "a:bool, b:bool",
            "[[true, true]]",
        ),
        (
            "startswith_cs",
            r#"print a = "Fabrikam" startswith_cs "Fab", b = "Fabrikam" !startswith_cs "fab", c = "Fabrikam" startswith_cs "fab""#,
            "a:bool, b:bool, c:bool",
            "[[true, true, false]]",
        ),
        (
            "endswith is case-insensitive",
            r#"print a = "Fabrikam" endswith "Kam", b = "Fabrikam" !endswith "brik""#,
            "a:bool, b:bool",
            "[[true, true]]",
        ),
        (
            "endswith_cs",
            r#"print a = "Fabrikam" endswith_cs "kam", b = "Fabrikam" endswith_cs "Kam""#,
            "a:bool, b:bool",
            "[[true, false]]",
        ),
        (
            "== is case-sensitive, =~ is not",
            r#"print a = "aBc" == "aBc", b = "abc" == "ABC", c = "abc" != "ABC", d = "abc" =~ "ABC", e = "aBc" !~ "xyz", f = "aBc" !~ "ABC""#,
            "a:bool, b:bool, c:bool, d:bool, e:bool, f:bool",
            "[[true, false, true, true, true, false]]",
        ),
        (
            "in is case-sensitive, in~ is not",
            r#"print a = "abc" in ("123", "345", "abc"), b = "ABC" in ("abc"), c = "Abc" in~ ("123", "345", "abc"), d = "bca" !in ("123", "345", "abc"), e = "bCa" !in~ ("123", "345", "ABC"), f = "ABC" !in~ ("abc")"#,
            "a:bool, b:bool, c:bool, d:bool, e:bool, f:bool",
            "[[true, false, true, true, true, false]]",
        ),
        (
            "matches regex: a case-sensitive search for a match anywhere",
            r#"print a = "Fabrikam" matches regex "b.*k", b = "Fabrikam" matches regex "B.*K", c = "Fabrikam" matches regex "^b""#,
            "a:bool, b:bool, c:bool",
            "[[true, false, false]]",
        ),
        // docs: strlen-function.md, "This function counts Unicode code points"
        // (`C\u0327edilla` is 8); an escaped surrogate pair is one code point.
        (
            "strlen counts code points",
            r#"print a = strlen("⒦⒰⒮⒯⒪"), b = strlen("C\u0327edilla"), c = strlen("😀"), d = strlen("\ud83d\ude00"), e = "\ud83d\ude00" == "😀""#,
            "a:long, b:long, c:long, d:long, e:bool",
            "[[5, 8, 1, 1, true]]",
        ),
        // docs: countof-function.md: plain matches may overlap, regex matches don't.
        (
            "countof: plain matches overlap",
            r#"print a = countof("aaaa", "aa"), b = countof("ababa", "aba"), c = countof("ababa", "aba", "regex"), d = countof("abcabc", "a.c", "regex")"#,
            "a:long, b:long, c:long, d:long",
            "[[3, 2, 1, 2]]",
        ),
        // K.L: ordering operators are not defined on strings (KS106).
        (
            "< between strings is an error",
            r#"print r = "a" < "b""#,
            "error",
            "",
        ),
    ]);
}

/// docs: scalar-data-types/null-values.md, isnull-function.md, isempty-function.md,
/// iff-function.md, coalesce-function.md, tostring-function.md.
#[test]
fn null_handling() {
    check(&[
        ("null == value is false, null != value is true, null vs null is null, null > value is null",
            "datatable(val:int)[5, int(null)] | extend IsBiggerThan3 = val > 3 | extend IsBiggerThan3OrNull = val > 3 or isnull(val) | extend IsEqualToNull = val == int(null) | extend IsNotEqualToNull = val != int(null)",
            "val:int, IsBiggerThan3:bool, IsBiggerThan3OrNull:bool, IsEqualToNull:bool, IsNotEqualToNull:bool",
            "[[5, true, true, false, true], [null, null, true, null, null]]"),
        ("where keeps a null row when the predicate is null != 5 (true)", r#"datatable(ival:int, sval:string)[5, "a", int(null), "b"] | where ival != 5"#, "ival:int, sval:string", r#"[[null, "b"]]"#),
        ("null is sticky in arithmetic", "datatable(val:int)[5, int(null)] | extend Add = val + 10 | extend Multiply = val * 10", "val:int, Add:long, Multiply:long", "[[5, 15, 50], [null, null, null]]"),
        ("and/or: false and null is false, true or null is true; not(null) is null",
            "print a = false and bool(null), b = true or bool(null), c = true and bool(null), d = not(bool(null))", "a:bool, b:bool, c:bool, d:bool", "[[false, true, null, null]]"),
        ("in is an OR of ==, !in an AND of !=", "print a = int(null) in (1, 2), b = int(null) !in (1, 2)", "a:bool, b:bool", "[[false, true]]"),
        ("strings are never null: isnull(\"\") is false, isempty(\"\") true", r#"print a = isnull(""), b = isempty(""), c = isempty("x"), d = isnotempty("")"#, "a:bool, b:bool, c:bool, d:bool", "[[false, true, false, false]]"),
        ("isnull/isempty on dynamic: parse_json(\"\") is null; [] and {} are not",
            r#"print a = isnull(parse_json("")), b = isnull(parse_json("[]")), c = isnull(parse_json("{}")), d = isempty(parse_json("")), e = isempty(parse_json("[]")), f = isempty(parse_json("{}"))"#,
            "a:bool, b:bool, c:bool, d:bool, e:bool, f:bool", "[[true, false, false, true, false, false]]"),
        ("isempty of a null number is true", "print a = isempty(long(null)), b = isempty(0), c = isnotempty(long(null))", "a:bool, b:bool, c:bool", "[[true, false, false]]"),
        ("tostring(null) is the empty string", "print a = tostring(long(null)), b = tostring(datetime(null)), c = strlen(tostring(int(null)))", "a:string, b:string, c:long", r#"[["", "", 0]]"#),
        ("iff: a null condition takes the else branch", "print r = iff(bool(null), 1, 2)", "r:long", "[[2]]"),
        ("case: a null predicate is not true, falls through to else", "print r = case(false, 1, bool(null), 2, 3)", "r:long", "[[3]]"),
        ("coalesce: the first non-null", r#"print r = coalesce(tolong("not a number"), tolong("42"), 33)"#, "r:long", "[[42]]"),
        ("coalesce: for strings, the first non-empty", r#"print a = coalesce("", "x"), b = coalesce("", "")"#, "a:string, b:string", r#"[["x", ""]]"#),
        ("null literals of every type", "print bool(null), datetime(null), dynamic(null), guid(null), int(null), long(null), real(null), double(null), time(null)",
            "print_0:bool, print_1:datetime, print_2:dynamic, print_3:guid, print_4:int, print_5:long, print_6:real, print_7:real, print_8:timespan",
            "[[null, null, null, null, null, null, null, null, null]]"),
    ]);
}

/// docs: summarize-operator.md ("Default values of aggregations" and its examples),
/// scalar-data-types/null-values.md (aggregates ignore nulls).
#[test]
fn aggregates_and_nulls() {
    check(&[
        ("sum/avg ignore nulls", "range x from 1 to 4 step 1 | extend y = iff(x == 1, real(null), real(5)) | summarize sum(y), avg(y)", "sum_y:real, avg_y:real", "[[15, 5]]"),
        ("make_set skips nulls; a repeated default name gets a number", "range x from 1 to 2 step 1 | extend y = iff(x == 1, real(null), real(5)) | summarize make_set(y), make_set(y)", "set_y:dynamic, set_y1:dynamic", "[[[5.0], [5.0]]]"),
        ("count() counts rows; countif counts true; dcount ignores nulls", "datatable(x:long)[1, long(null), 3, 3] | summarize count(), countif(isnull(x)), dcount(x), sum(x), min(x), max(x)",
            "count_:long, countif_:long, dcount_x:long, sum_x:long, min_x:long, max_x:long", "[[4, 1, 2, 7, 1, 3]]"),
        ("make_list skips nulls, keeps duplicates and empty strings", r#"datatable(x:long, s:string)[1, "a", long(null), "", 1, "a"] | summarize make_list(x), make_list(s)"#, "list_x:dynamic, list_s:dynamic", r#"[[[1, 1], ["a", "", "a"]]]"#),
        ("by-less summarize of empty input: one row of defaults",
            "datatable(x:long)[] | summarize any_x=take_any(x), arg_max_x=arg_max(x, *), arg_min_x=arg_min(x, *), avg(x), max(x), min(x), stdev(x), sum(x), sumif(x, x > 0), variance(x)",
            "any_x:long, arg_max_x:long, arg_min_x:long, avg_x:real, max_x:long, min_x:long, stdev_x:real, sum_x:long, sumif_x:long, variance_x:real",
            r#"[[null, null, null, "NaN", null, null, 0, 0, 0, 0]]"#),
        ("by-less summarize of empty input: counts are 0", "datatable(x:long)[] | summarize count(x), countif(x > 0), dcount(x), dcountif(x, x > 0), count()",
            "count_x:long, countif_:long, dcount_x:long, dcountif_x:long, count_:long", "[[0, 0, 0, 0, 0]]"),
        ("by-less summarize of empty input: make_* are []", "datatable(x:long)[] | summarize make_set(x), make_list(x)", "set_x:dynamic, list_x:dynamic", "[[[], []]]"),
        ("summarize by of empty input: no rows", "datatable(x:long, g:string)[] | summarize count() by g", "g:string, count_:long", "[]"),
        ("count() is long", "print 1 | summarize c = count()", "c:long", "[[1]]"),
        ("the count operator gives one long column Count", "datatable(a:long)[1, 2, 3] | count", "Count:long", "[[3]]"),
    ]);
}

/// Column names of aggregates and of unnamed group keys (summarize-operator.md; K.L).
#[test]
fn summarize_names() {
    check(&[
        ("default aggregate names", r#"datatable(x:long, s:string)[1, "a"] | summarize count(), sum(x), avg(x), dcount(s), min(x), max(x), make_list(s), make_set(s), countif(x > 0)"#,
            "count_:long, sum_x:long, avg_x:real, dcount_s:long, min_x:long, max_x:long, list_s:dynamic, set_s:dynamic, countif_:long",
            r#"[[1, 1, 1, 1, 1, 1, ["a"], ["a"], 1]]"#),
        ("bin(T, 1h) names the key after T", "datatable(T:datetime, v:long)[datetime(2020-01-01 01:30), 1] | summarize count() by bin(T, 1h)", "T:datetime, count_:long", r#"[["2020-01-01T01:00:00Z", 1]]"#),
        ("an arithmetic key is Column1", "datatable(v:long)[1] | summarize count() by v + 1", "Column1:long, count_:long", "[[2, 1]]"),
        ("a conversion keeps the column's name", "datatable(v:long)[1] | summarize count() by tostring(v)", "v:string, count_:long", r#"[["1", 1]]"#),
        // K.L: startofday, round, floor... keep the name of their first argument
        // (ResultNameKind.FirstArgument); startofweek does not.
        ("startofday(T) keeps T's name", "datatable(T:datetime)[datetime(2020-01-01 10:00)] | summarize count() by startofday(T)", "T:datetime, count_:long", r#"[["2020-01-01T00:00:00Z", 1]]"#),
        ("startofweek(T) is Column1", "datatable(T:datetime)[datetime(2020-01-01 10:00)] | summarize count() by startofweek(T)", "Column1:datetime, count_:long", r#"[["2019-12-29T00:00:00Z", 1]]"#),
        ("bin of an expression that has no name is Column1", "datatable(T:datetime)[datetime(2020-01-01 10:00)] | summarize count() by bin(T + 1d, 1d)", "Column1:datetime, count_:long", r#"[["2020-01-02T00:00:00Z", 1]]"#),
        ("an aggregate over strlen(s) is max_strlen_s", r#"datatable(s:string)["abc"] | summarize max(strlen(s))"#, "max_strlen_s:long", "[[3]]"),
        ("an aggregate over round(x) is sum_x", "datatable(x:real)[1.4] | summarize sum(round(x))", "sum_x:real", "[[1]]"),
        ("an aggregate over an unnamed expression is sum_", "datatable(x:long)[1] | summarize sum(x + 1)", "sum_:long", "[[2]]"),
        ("arg_max(x, *) by k: the by key is not repeated", r#"datatable(k:string, v:long, w:string)["a", 1, "x", "a", 3, "y", "b", 2, "z"] | summarize arg_max(v, *) by k"#,
            "k:string, v:long, w:string", r#"[["a", 3, "y"], ["b", 2, "z"]]"#),
        ("arg_min(x, *) without by: all columns, x first", r#"datatable(k:string, v:long, w:string)["a", 1, "x", "a", 3, "y"] | summarize arg_min(v, *)"#,
            "v:long, k:string, w:string", r#"[[1, "a", "x"]]"#),
        ("arg_max(v, k) by k: the named k is renamed k1", r#"datatable(k:string, v:long)["a", 1, "a", 3] | summarize arg_max(v, k) by k"#,
            "k:string, v:long, k1:string", r#"[["a", 3, "a"]]"#),
        // K.L: KS116, a dynamic value is not allowed as a group key.
        ("summarize by a dynamic column is an error", "datatable(a:dynamic)[dynamic([1])] | summarize count() by a", "error", ""),
        ("distinct on a dynamic column is an error", "datatable(a:dynamic)[dynamic([1,2]), dynamic([1,2])] | distinct a", "error", ""),
    ]);
}

/// docs: numerical-operators.md, round-function.md, toint-function.md, bin-function.md.
#[test]
fn numbers() {
    check(&[
        ("integer division truncates; a real operand gives real", "print a = 1 / 2, b = 1.0 / 2, c = 1 / 2.0, d = real(1) / 2, e = -7 / 2", "a:long, b:real, c:real, d:real, e:long", "[[0, 0.5, 0.5, 0.5, -3]]"),
        ("modulo is a small non-negative number", "print plusPlus = 14 % 12, minusPlus = -14 % 12, plusMinus = 14 % -12, minusMinus = -14 % -12",
            "plusPlus:long, minusPlus:long, plusMinus:long, minusMinus:long", "[[2, 10, 2, 10]]"),
        // K.L types int op int as long (the numerical-operators page says int).
        ("an integer literal is long; int op int is long", "print a = 1, b = int(1), c = int(1) + int(1), d = -int(1)", "a:long, b:int, c:long, d:int", "[[1, 1, 2, -1]]"),
        ("round: to a precision, negative precisions too", "print round(2.98765, 3), round(2.15, 1), round(2.15), round(-50.55, -2), round(21.5, -1)",
            "print_0:real, print_1:real, print_2:real, print_3:real, print_4:real", "[[2.988, 2.2, 2, -100, 20]]"),
        ("toint/tolong truncate a decimal", r#"print a = toint(2.3), b = tolong(1.9), c = toint(-2.9), d = toint("123") == 123"#, "a:int, b:long, c:int, d:bool", "[[2, 1, -2, true]]"),
        // docs: tobool-function.md.
        ("tobool of strings and numbers", r#"print a = tobool("true"), b = tobool("false"), c = tobool(1), d = tobool(123)"#, "a:bool, b:bool, c:bool, d:bool", "[[true, false, true, true]]"),
        ("a failed conversion is null", r#"print a = tolong("abc"), b = todouble("x"), c = todatetime("garbage"), d = toint("")"#, "a:long, b:real, c:datetime, d:int", "[[null, null, null, null]]"),
        ("bin rounds down to a multiple, for negatives too", "print a = bin(4.5, 1), b = bin(-7, 5), c = bin(time(16d), 7d), d = bin(-1h, 1d)", "a:real, b:long, c:timespan, d:timespan", r#"[[4, -10, "14.00:00:00", "-1.00:00:00"]]"#),
        // docs: bin-function.md, "Null values, a null bin size, or a negative bin size will
        // result in null."
        ("bin of null, by null or by a negative size is null", "print a = bin(long(null), 1), b = bin(5, -1), c = bin(5, long(null)), d = bin(datetime(2020-01-01), -1d)", "a:long, b:long, c:long, d:datetime", "[[null, null, null, null]]"),
        // K.L types y long: inside an operator, the column wins over a let of its name.
        ("a column wins over a let of the same name", "let x = 1.5; datatable(x:long)[7] | extend y = x", "x:long, y:long", "[[7, 7]]"),
        ("iff unifies int and long to long", "print r = iff(true, int(1), long(2))", "r:long", "[[1]]"),
        ("1.0/0 is +inf, -1.0/0 -inf, 0.0/0 NaN (as JSON strings)", "print a = 1.0 / 0, b = -1.0 / 0, c = 0.0 / 0", "a:real, b:real, c:real", r#"[["Infinity", "-Infinity", "NaN"]]"#),
        ("between is inclusive at both ends", "print a = 5 between (1 .. 5), b = 1 between (1 .. 5), c = 0 between (1 .. 5), d = 1.5 between (1 .. 2), e = 10 !between (1 .. 9)",
            "a:bool, b:bool, c:bool, d:bool, e:bool", "[[true, true, false, true, true]]"),
        ("in with a dynamic array expands it", r#"print a = 2 in (dynamic([1, 2]), 5), b = "b" in (dynamic(["a", "b"])), c = 3 in (dynamic([1, 2]))"#, "a:bool, b:bool, c:bool", "[[true, true, false]]"),
        ("in over a tabular expression uses its first column", "print r = 1 in ((datatable(x:long, y:long)[2, 1, 1, 5] | project x))", "r:bool", "[[true]]"),
        ("reals are JSON numbers, large and small", "print a = 1e20, b = 1.0, c = 1.5e-7", "a:real, b:real, c:real", "[[1e20, 1, 1.5e-7]]"),
        ("tostring of a whole real has no decimal point", "print a = tostring(1.0), b = strcat(2.0, \"x\"), c = tostring(0.5)", "a:string, b:string, c:string", r#"[["1", "2x", "0.5"]]"#),
    ]);
}

/// docs: datetime-timespan-arithmetic.md, scalar-data-types/timespan.md,
/// scalar-data-types/datetime.md, dayofweek, startofweek, format-timespan-function.md,
/// todatetime-function.md, ago/now.
#[test]
fn datetimes_and_timespans() {
    check(&[
        ("datetime - datetime is a timespan", "print r = datetime(1997-06-25) - datetime(1910-06-11)", "r:timespan", r#"[["31791.00:00:00"]]"#),
        ("timespan / timespan is real", "print a = 1d / 5h, b = 1h / 1s, c = 24 * 60 * time(00:01:00) / time(1s)", "a:real, b:real, c:real", "[[4.8, 3600, 86400]]"),
        ("number * timespan is timespan", "print a = 1.5 * 1h, b = 1h * 3, c = 1d / 2", "a:timespan, b:timespan, c:timespan", r#"[["01:30:00", "03:00:00", "12:00:00"]]"#),
        ("timespan literals", "print a = time(2), b = time(0.12:34:56.7), c = 10microsecond, d = 1tick, e = time(15 seconds), f = 100ms",
            "a:timespan, b:timespan, c:timespan, d:timespan, e:timespan, f:timespan",
            r#"[["2.00:00:00", "12:34:56.7000000", "00:00:00.0000100", "00:00:00.0000001", "00:00:15", "00:00:00.1000000"]]"#),
        ("timespans print as [-][d.]hh:mm:ss[.fffffff]", "print a = 1d + 1h + 1s + 1tick, b = -90m, c = -(1d + 2h), d = tostring(25h)",
            "a:timespan, b:timespan, c:timespan, d:string", r#"[["1.01:00:01.0000001", "-01:30:00", "-1.02:00:00", "1.01:00:00"]]"#),
        ("datetime + 1d crosses months and leap days", "print a = datetime(2020-01-31) + 1d, b = datetime(2020-02-28) + 1d, c = datetime(2021-02-28) + 1d, d = datetime(2020-12-31 23:00) + 2h",
            "a:datetime, b:datetime, c:datetime, d:datetime", r#"[["2020-02-01T00:00:00Z", "2020-02-29T00:00:00Z", "2021-03-01T00:00:00Z", "2021-01-01T01:00:00Z"]]"#),
        ("bin of a datetime", "print r = bin(datetime(1970-05-11 13:45:07), 1d)", "r:datetime", r#"[["1970-05-11T00:00:00Z"]]"#),
        ("dayofweek is a timespan of days since Sunday", "print a = dayofweek(datetime(2015-12-14)) == 1d, b = dayofweek(datetime(1947-11-29 10:00:05)), c = dayofweek(datetime(1970-05-11))",
            "a:bool, b:timespan, c:timespan", r#"[[true, "6.00:00:00", "1.00:00:00"]]"#),
        ("startofweek is the preceding Sunday", "print a = startofweek(datetime(2017-01-01 10:10:17)), b = startofweek(datetime(2017-01-07))", "a:datetime, b:datetime", r#"[["2017-01-01T00:00:00Z", "2017-01-01T00:00:00Z"]]"#),
        ("format_timespan", "let t = time(29.09:00:05.12345); print v1 = format_timespan(t, 'dd.hh:mm:ss:FF'), v2 = format_timespan(t, 'ddd.h:mm:ss [fffffff]')",
            "v1:string, v2:string", r#"[["29.09:00:05:12", "029.9:00:05 [1234500]"]]"#),
        ("todatetime of the documented formats",
            r#"print a = todatetime("2015-12-31 23:59:59.9"), b = todatetime("2014-05-25T08:20:03.123456Z"), c = todatetime("Sat, 8 Nov 14 15:05:02 GMT"), d = todatetime("Saturday, 08-Nov-14 15:05:02 GMT"), e = todatetime("2014-11-08 15:05 GMT"), f = todatetime("2014-05-25T08:20")"#,
            "a:datetime, b:datetime, c:datetime, d:datetime, e:datetime, f:datetime",
            r#"[["2015-12-31T23:59:59.9Z", "2014-05-25T08:20:03.123456Z", "2014-11-08T15:05:02Z", "2014-11-08T15:05:02Z", "2014-11-08T15:05:00Z", "2014-05-25T08:20:00Z"]]"#),
        ("todatetime(s) equals datetime(s)", "print r = todatetime('12-02-2022') == datetime('12-02-2022')", "r:bool", "[[true]]"),
        ("now() is one instant per query; ago(x) is now() - x", "print a = now() == now(), b = ago(1d) == now() - 1d, c = now() - ago(1h)", "a:bool, b:bool, c:timespan", r#"[[true, true, "01:00:00"]]"#),
        ("datetime compared with a string is an error", r#"print r = datetime(2020-01-01) > "2019-12-31""#, "error", ""),
        ("tostring of a datetime has 7 fraction digits", "print r = tostring(datetime(2020-01-01))", "r:string", r#"[["2020-01-01T00:00:00.0000000Z"]]"#),
        // The engine's tostring of a datetime (conformance reverse-function-*) has 7 digits.
        ("strcat of a datetime uses tostring's 7 fraction digits", "print r = strcat(\"x\", datetime(2020-01-01 10:00:00.5))", "r:string", r#"[["x2020-01-01T10:00:00.5000000Z"]]"#),
        ("strcat converts numbers and timespans", "print r = strcat(\"a\", 1, 1h)", "r:string", r#"[["a101:00:00"]]"#),
        ("between with a datetime and a timespan right bound", "print a = datetime(2020-01-02) between (datetime(2020-01-01) .. 1d), b = datetime(2020-01-02 00:00:00.0000001) between (datetime(2020-01-01) .. 1d)", "a:bool, b:bool", "[[true, false]]"),
        // The engine types the parts of a date long (conformance hour-of-day-function-00,
        // datetime-part-function-00), though Kusto.Language says int.
        ("getyear, hourofday, dayofyear, datetime_part are long (engine), not int (K.L)",
            r#"print a = getyear(datetime(2020-03-04 05:06)), b = hourofday(datetime(2020-03-04 05:06)), c = dayofyear(datetime(2020-03-04)), d = datetime_part("minute", datetime(2020-03-04 05:06))"#,
            "a:long, b:long, c:long, d:long", "[[2020, 5, 64, 6]]"),
    ]);
}

/// docs: join-operator.md (default innerunique; right-side names get a suffix); K.L for
/// names and for the type error (KS227).
#[test]
fn joins() {
    const L: &str = r#"let L = datatable(Key:string, Value:long)["a", 1, "a", 2, "b", 3]; let R = datatable(Key:string, Value:long)["a", 10, "a", 20, "c", 30];"#;
    let q = |body: &str| -> &'static str { Box::leak(format!("{L} {body}").into_boxed_str()) };
    check(&[
        ("default join is innerunique: one left row per key, all right rows", q("L | join R on Key | summarize n = count(), left = dcount(Value), right = dcount(Value1)"), "n:long, left:long, right:long", "[[2, 1, 2]]"),
        ("clashing right columns are renamed Key1, Value1", q("L | join kind=inner R on Key | sort by Value asc, Value1 asc"), "Key:string, Value:long, Key1:string, Value1:long",
            r#"[["a", 1, "a", 10], ["a", 1, "a", 20], ["a", 2, "a", 10], ["a", 2, "a", 20]]"#),
        ("$left/$right keys keep both names", r#"let L = datatable(Key:string, Value:long)["a", 1, "b", 3]; let R = datatable(K2:string, Value:long)["a", 10]; L | join kind=leftouter R on $left.Key == $right.K2"#,
            "Key:string, Value:long, K2:string, Value1:long", r#"[["a", 1, "a", 10], ["b", 3, "", null]]"#),
        ("the suffix is the next free number", r#"let L = datatable(Key:string, Value:long, Value1:long)["a", 1, 5]; let R = datatable(Key:string, Value:long)["a", 10]; L | join R on Key"#,
            "Key:string, Value:long, Value1:long, Key1:string, Value2:long", r#"[["a", 1, 5, "a", 10]]"#),
        // docs: join-innerunique.md, "The deduplication keeps only the first record".
        ("innerunique keeps the first left row of a key",
            "let X = datatable(Key:string, Value1:long)['a',1, 'b',2, 'b',3, 'c',4]; let Y = datatable(Key:string, Value2:long)['b',10, 'c',20, 'c',30, 'd',40]; X | join Y on Key",
            "Key:string, Value1:long, Key1:string, Value2:long", r#"[["b", 2, "b", 10], ["c", 4, "c", 20], ["c", 4, "c", 30]]"#),
        // docs: join-innerunique.md: a filter after the join on a left column is pushed
        // to the left side before the dedup, so it "will always give the second result".
        ("a where on left columns after innerunique applies before the dedup",
            r#"let t1 = datatable(key:long, value:string)[1, "val1.1", 1, "val1.2"]; let t2 = datatable(key:long, value:string)[1, "val1.3", 1, "val1.4"]; t1 | join kind = innerunique t2 on key | where value == "val1.2""#,
            "key:long, value:string, key1:long, value1:string", r#"[[1, "val1.2", 1, "val1.3"], [1, "val1.2", 1, "val1.4"]]"#),
        ("join keys of different types are an error", r#"let L = datatable(Key:string)["1"]; let R = datatable(Key:long)[1]; L | join R on Key"#, "error", ""),
        ("leftanti keeps unmatched left rows, left columns only", q("L | join kind=leftanti R on Key"), "Key:string, Value:long", r#"[["b", 3]]"#),
        ("rightsemi keeps matched right rows, right columns only", q("R | join kind=rightsemi L on Key"), "Key:string, Value:long", r#"[["a", 1], ["a", 2]]"#),
    ]);
}

/// docs: sort-operator.md, top-operator.md.
#[test]
fn sorting() {
    check(&[
        ("sort defaults to desc with nulls last", "datatable(x:long)[3, long(null), 1, 2] | sort by x", "x:long", "[[3], [2], [1], [null]]"),
        ("sort asc puts nulls first", "datatable(x:long)[3, long(null), 1, 2] | sort by x asc", "x:long", "[[null], [1], [2], [3]]"),
        ("explicit nulls placement", "datatable(x:long)[3, long(null), 1] | sort by x asc nulls last", "x:long", "[[1], [3], [null]]"),
        ("NaN sorts with null", "datatable(x:real)[5.0, real(nan), real(-inf), 0.0, real(null), real(+inf)] | sort by x asc nulls last", "x:real", r#"[["-Infinity"], [0], [5], ["Infinity"], ["NaN"], [null]]"#),
        // docs: sort-operator.md table: null and NaN group together, null outermost.
        ("nulls first: null, then NaN, then numbers", "datatable(x:real)[5.0, real(nan), 0.0, real(null), real(+inf), -5.0] | sort by x desc nulls first", "x:real", r#"[[null], ["NaN"], ["Infinity"], [5], [0], [-5]]"#),
        ("asc nulls first with -inf", "datatable(x:real)[5.0, real(nan), 0.0, real(null), real(+inf), -5.0, real(-inf)] | sort by x asc", "x:real", r#"[[null], ["NaN"], ["-Infinity"], [-5], [0], [5], ["Infinity"]]"#),
        ("desc nulls last: NaN, then null", "datatable(x:real)[real(null), 5.0, real(nan), 0.0, real(+inf), -5.0] | sort by x desc", "x:real", r#"[["Infinity"], [5], [0], [-5], ["NaN"], [null]]"#),
        ("top defaults to desc, nulls last", "datatable(x:long)[3, long(null), 1, 2] | top 2 by x", "x:long", "[[3], [2]]"),
        ("top asc takes nulls first", "datatable(x:long)[3, long(null), 1, 2] | top 2 by x asc", "x:long", "[[null], [1]]"),
    ]);
}

/// docs: extend, project, project-away, print (column naming); K.L for the names.
#[test]
fn columns() {
    check(&[
        (
            "extend replaces an existing column in place, taking the new type",
            r#"datatable(a:long, b:string)[1, "x"] | extend a = "new""#,
            "a:string, b:string",
            r#"[["new", "x"]]"#,
        ),
        (
            "later extend expressions see columns added earlier",
            "datatable(a:long)[1] | extend b = a + 1, c = b * 10",
            "a:long, b:long, c:long",
            "[[1, 2, 20]]",
        ),
        (
            "unnamed extend expressions are Column1, Column2",
            "print a = 1 | extend 2, a + 1, b = 3",
            "a:long, Column1:long, Column2:long, b:long",
            "[[1, 2, 2, 3]]",
        ),
        // K.L: round(r) keeps r's name, so it replaces r in place.
        (
            "extend round(r) replaces r",
            "datatable(r:real, n:long)[1.6, 1] | extend round(r)",
            "r:real, n:long",
            "[[2, 1]]",
        ),
        (
            "gettype(d) is named type_d",
            "datatable(d:dynamic)[dynamic(1)] | extend gettype(d)",
            "d:dynamic, type_d:string",
            r#"[[1, "int"]]"#,
        ),
        (
            "strlen(s) is named strlen_s",
            r#"datatable(s:string)["ab"] | extend strlen(s)"#,
            "s:string, strlen_s:long",
            r#"[["ab", 2]]"#,
        ),
        (
            "print names unnamed columns print_N by position",
            "print 1, x = 2, 3",
            "print_0:long, x:long, print_2:long",
            "[[1, 2, 3]]",
        ),
        (
            "project renames and computes",
            r#"datatable(a:long, b:string)[1, "x"] | project c = a, b, a + 1"#,
            "c:long, b:string, Column1:long",
            r#"[[1, "x", 2]]"#,
        ),
        (
            "project-away takes wildcards",
            r#"datatable(ab:long, ac:string, b:long)[1, "x", 2] | project-away a*"#,
            "b:long",
            "[[2]]",
        ),
        (
            "project-rename keeps the position",
            "datatable(a:long, b:long)[1, 2] | project-rename c = a",
            "c:long, b:long",
            "[[1, 2]]",
        ),
        // K.L KS171: a name declared twice in one operator is an error; a name derived
        // from an expression takes the next free number instead.
        (
            "extend b = 1, b = 2 is an error",
            "datatable(a:long)[1] | extend b = 1, b = 2",
            "error",
            "",
        ),
        (
            "distinct a, a is an error",
            "datatable(a:long, b:long)[1, 2] | distinct a, a",
            "error",
            "",
        ),
        (
            "summarize by a, a is an error",
            "datatable(a:long)[1] | summarize by a, a",
            "error",
            "",
        ),
        (
            "summarize by tostring(a), a: the column reference takes a1",
            "datatable(a:long)[1] | summarize count() by tostring(a), a",
            "a:string, a1:long, count_:long",
            r#"[["1", 1, 1]]"#,
        ),
        (
            "a dynamic member gets the name d_x",
            r#"datatable(d:dynamic)[dynamic({"x": 1})] | project d.x, d["y"]"#,
            "d_x:dynamic, d_y:dynamic",
            "[[1, null]]",
        ),
        (
            "union outer of same name, different types: a_long, a_string",
            r#"datatable(a:long)[1] | union (datatable(a:string)["x"])"#,
            "a_long:long, a_string:string",
            r#"[[1, ""], [null, "x"]]"#,
        ),
    ]);
}

/// docs: mv-expand-operator.md.
#[test]
fn mv_expand() {
    check(&[
        (
            "an empty array or bag gives no row; null gives one row",
            r#"datatable(k:long, a:dynamic)[1, dynamic([]), 2, dynamic(null), 3, dynamic([10, "x"]), 4, dynamic({})] | mv-expand a"#,
            "k:long, a:dynamic",
            r#"[[2, null], [3, 10], [3, "x"]]"#,
        ),
        (
            "with_itemindex adds a 0-based long column at the end",
            r#"datatable(k:long, a:dynamic, z:long)[3, dynamic([10, "x"]), 1] | mv-expand with_itemindex=i a"#,
            "k:long, a:dynamic, z:long, i:long",
            r#"[[3, 10, 1, 0], [3, "x", 1, 1]]"#,
        ),
        (
            "bags expand to one-key bags by default",
            r#"datatable(a:dynamic)[dynamic({"p": 1, "q": 2})] | mv-expand a"#,
            "a:dynamic",
            r#"[[{"p": 1}], [{"q": 2}]]"#,
        ),
        (
            "bagexpansion=array gives [key, value]",
            r#"datatable(a:dynamic)[dynamic({"p": 1, "q": 2})] | mv-expand bagexpansion=array a"#,
            "a:dynamic",
            r#"[[["p", 1]], [["q", 2]]]"#,
        ),
        (
            "several columns expand in parallel, padding with null",
            r#"datatable(a:int, b:dynamic, c:dynamic)[1, dynamic({"prop1": "a", "prop2": "b"}), dynamic([5, 4, 3])] | mv-expand b, c"#,
            "a:int, b:dynamic, c:dynamic",
            r#"[[1, {"prop1": "a"}, 5], [1, {"prop2": "b"}, 4], [1, null, 3]]"#,
        ),
        // docs: bin-function.md pads bins with mv-expand of range() to typeof(datetime).
        ("to typeof(datetime) keeps datetime elements", "range x from 1 to 1 step 1 | mv-expand StartTime = range(datetime(2007-04-07), datetime(2007-04-09), 1d) to typeof(datetime) | extend PropertyDamage = 0",
            "x:long, StartTime:datetime, PropertyDamage:long", r#"[[1, "2007-04-07T00:00:00Z", 0], [1, "2007-04-08T00:00:00Z", 0], [1, "2007-04-09T00:00:00Z", 0]]"#),
        (
            "Name = expr adds a column and keeps the array",
            "datatable(a:dynamic)[dynamic([1, 2])] | mv-expand b = a",
            "a:dynamic, b:dynamic",
            "[[[1, 2], 1], [[1, 2], 2]]",
        ),
        (
            "to typeof() is a cast: elements of another type become null",
            r#"datatable(a:dynamic)[dynamic([1, "x", 2.5])] | mv-expand a to typeof(long)"#,
            "a:long",
            "[[1], [null], [null]]",
        ),
    ]);
}

/// docs: gettype-function.md, parse-json-function.md, array-length-function.md,
/// split-function.md, extract-function.md, tostring-function.md.
#[test]
fn dynamic_values() {
    check(&[
        ("gettype of literals and parsed JSON",
            r#"print a = gettype("a"), b = gettype(111), c = gettype(1 == 1), d = gettype(now()), e = gettype(1s), f = gettype(parse_json('1')), g = gettype(parse_json(' "abc" ')), h = gettype(parse_json(' {"abc":1} ')), i = gettype(parse_json(' [1, 2, 3] ')), j = gettype(123.45), k = gettype(parse_json(''))"#,
            "a:string, b:string, c:string, d:string, e:string, f:string, g:string, h:string, i:string, j:string, k:string",
            r#"[["string", "long", "bool", "datetime", "timespan", "int", "string", "dictionary", "array", "real", "null"]]"#),
        ("parse_json of invalid JSON is a dynamic string holding the text", r#"print a = gettype(parse_json("not json")), b = tostring(parse_json("not json"))"#, "a:string, b:string", r#"[["string", "not json"]]"#),
        ("tostring of a dynamic string has no quotes; of a bag, JSON",
            r#"let d = '{"a":123, "b":"{\\"c\\":456}"}'; print d_b_c = parse_json(tostring(parse_json(d).b)).c, t = tostring(parse_json(d).b), o = tostring(dynamic({"a": "b"}))"#,
            "d_b_c:dynamic, t:string, o:string", r#"[[456, "{\"c\":456}", "{\"a\":\"b\"}"]]"#),
        ("array_length of a non-array is null", r#"print a = array_length(dynamic([1, 2, 3, "four"])), b = array_length(dynamic({"a": 1})), c = array_length(parse_json("abc"))"#, "a:long, b:long, c:long", "[[4, null, null]]"),
        ("array_length of a string is an error", r#"print r = array_length("abc")"#, "error", ""),
        ("split", r#"print split("aa_bb", "_"), split("aaa_bbb_ccc", "_", 1), split("", "_"), split("a__b", "_"), split("aabbcc", "bb")"#,
            "print_0:dynamic, print_1:dynamic, print_2:dynamic, print_3:dynamic, print_4:dynamic", r#"[[["aa","bb"], ["bbb"], [""], ["a","","b"], ["aa","cc"]]]"#),
        ("extract: no match is empty (string) or null (typed)", r#"print a = isempty(extract("x(\\d+)", 1, "abc")), b = extract("x(\\d+)", 1, "x12"), c = extract("x(\\d+)", 1, "abc", typeof(long)), d = extract("-(\\d{2})-", 1, "15-12-2024", typeof(int))"#,
            "a:bool, b:string, c:long, d:int", r#"[[true, "12", null, 12]]"#),
        ("indexing: a missing key or index is null; negative counts from the end", r#"print a = dynamic({"a": 1}).b, b = dynamic([1, 2, 3])[-1], c = dynamic([1, 2])[5]"#, "a:dynamic, b:dynamic, c:dynamic", "[[null, 3, null]]"),
    ]);
}
