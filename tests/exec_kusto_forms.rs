//! Forms Kusto accepts that kql refused (issue 13), each run on rows: the grammar in
//! `grammar/kql.md`, the results by the documented rule (the docs' page in a comment).

mod exec_common;
use exec_common::check_cases;
use kql::Catalog;

fn cases(rows: &[(&str, &str)]) {
    check_cases(rows, &Catalog::new());
}

const FLAGS: &str = "let T = datatable(x:bool, n:long) [true, 1, false, 2, true, 3];\n";

#[test]
fn where_with_a_single_equals_filters_on_the_value_alone() {
    // Kusto reads `where x = v` as a named value: the filter is `v` (so `= true` keeps
    // every row, whatever `x` holds); Kusto.Language types it so, and kql warns.
    let q = |tail: &str| format!("{FLAGS}T {tail}");
    cases(&[
        (&q("| where x = true | count"), "Count:long\n3"),
        (&q("| where x = false | count"), "Count:long\n0"),
        (&q("| where x = n > 1 | count"), "Count:long\n2"),
        (
            &q("| where x = 5"),
            "error: the `where` predicate must be bool, not long",
        ),
    ]);
}

#[test]
fn distinct_takes_named_expressions() {
    // distinct-operator.md: the columns are expressions; `A = expr` names one.
    cases(&[
        (
            &format!("{FLAGS}T | distinct Big = n > 1, x | order by Big asc, x asc"),
            "Big:bool, x:bool\nfalse|true\ntrue|false\ntrue|true",
        ),
        (
            &format!("{FLAGS}T | distinct Tens = n * 10 | order by Tens"),
            "Tens:long\n30\n20\n10",
        ),
    ]);
}

#[test]
fn lexical_forms() {
    cases(&[
        // A real literal may end in its dot (`1000.`), with an exponent after it.
        (
            "print a = 1000., b = 1.e3, c = 7. / 2",
            "a:real, b:real, c:real\n1000|1000|3.5",
        ),
        ("print x = 2 between (1. .. 5.)", "x:bool\ntrue"),
        // The zero-width space and the other white space of Kusto's lexer.
        ("\u{200b}print\u{3000}a\u{2009}=\u{a0}1", "a:long\n1"),
        (
            "print\u{200d}a = 1",
            "error: expected `|`, `;` or the end of the query, found `\u{200d}`",
        ),
    ]);
}

#[test]
fn search_terms_restricted_to_a_column() {
    // search-operator.md: `Col:"term"` searches one column, with the term's wildcards;
    // a `*` inside a term is `matches regex @"\bLab.*PC\b"`.
    let t = "let T = datatable(Name:string, Note:string) [\"alpha\", \"bee hive\", \"beta\", \"alpha beehive\", \"Lab-7-PC\", \"x\"];\n";
    cases(&[
        (
            &format!("{t}search in (T) \"alpha\" and Note:\"bee\" | project Name"),
            "Name:string\nalpha",
        ),
        (
            &format!("{t}search in (T) Note:\"bee*\" | project Name"),
            "Name:string\nalpha\nbeta",
        ),
        (
            &format!("{t}search in (T) Name:\"lab*pc\" | project Name"),
            "Name:string\nLab-7-PC",
        ),
        (
            &format!("{t}T | where Note:\"hive\" | project Name"),
            "Name:string\nalpha",
        ),
    ]);
}

#[test]
fn functions_over_the_types_kusto_allows() {
    cases(&[
        // The deprecated replace(regex, rewrite, source) (Kusto.Language's signature).
        (
            r#"print a = replace(@"a(b)", @"\1x", "zabz"), b = replace("^::ffff:", "", "::ffff:1.2.3.4")"#,
            "a:string, b:string\nzbxz|1.2.3.4",
        ),
        // column_ifexists takes a constant name: a literal or a parameter bound to one.
        (
            "let f = (c:string) { print a = 1, b = 2 | project v = column_ifexists(c, 0) }; f('b')",
            "v:long\n2",
        ),
        // abs-function.md: x is int, real or timespan.
        ("print a = abs(-90m), b = abs(2h - 3h)", "a:timespan, b:timespan\n01:30:00|01:00:00"),
        // iff/case mixing dynamic with one scalar type give that type (Kusto.Language),
        // so the result may be a group key; the dynamic branch is converted.
        (
            "print d = dynamic({\"h\": \"x.com\"}), u = 'y.org' | extend k = iff(u contains '/', d.h, u), m = case(true, d.h, u), n = iif(false, d.h, u) | summarize count() by k, m, n",
            "k:string, m:string, n:string, count_:long\ny.org|x.com|y.org|1",
        ),
        (
            "print d = dynamic({\"n\": 7}) | extend k = iff(false, 1, d.n) + 1",
            "d:dynamic, k:long\n{\"n\":7}|8",
        ),
    ]);
}

#[test]
fn summarize_names_expressions_over_aggregates() {
    // Kusto.Language: an unnamed expression over an aggregate is named after it
    // (`tostring(make_set(s))` → `set_s`, `strlen(max(s))` → `strlen_max_s`), a named
    // first argument of `bin` names the key; other expressions are `Column1`, ...
    let t = "let T = datatable(s:string, t:datetime) ['a', datetime(2026-01-01 10:07)];\n";
    cases(&[
        (
            &format!("{t}T | summarize tostring(make_set(s)), strlen(max(s)), toupper(take_any(s)), strcat(max(s), 'x') by bin(b = t, 1h)"),
            "b:datetime, set_s:string, strlen_max_s:long, Column1:string, Column2:string\n2026-01-01T10:00:00Z|[\"a\"]|1|A|ax",
        ),
        (&format!("{t}T | search * | project s"), "s:string\na"),
        // A named first argument names the item too (`toint(c = dcountif(...))` → `c`,
        // `round(m = avg(x), 1)` → `m`), as in `project` and `by` (Kusto.Language).
        (
            &format!("{t}T | summarize toint(c = dcountif(s, s == 'a')), round(m = avg(strlen(s)) / 3, 2), tolong(count()) | extend d = c + 1"),
            "c:int, m:real, count_:long, d:long\n1|0.33|1|2",
        ),
    ]);
}

#[test]
fn count_as_names_its_column() {
    // Kusto.Language takes `count as Name` (not in count-operator.md, which shows
    // `T | count` alone) and names the column so; public rules use it in `union`.
    cases(&[
        (&format!("{FLAGS}T | count as N"), "N:long\n3"),
        (
            &format!("{FLAGS}union (T | count as Count), (print Count = 0) | summarize sum(Count)"),
            "sum_Count:long\n3",
        ),
        (&format!("{FLAGS}T | count"), "Count:long\n3"),
    ]);
}
