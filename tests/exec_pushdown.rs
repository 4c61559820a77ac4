//! A `where` on group keys after `summarize` / `distinct` is moved below them by the
//! binder (src/bind/pushdown.rs). Each case runs the query as written (the move
//! applies) and with a `take` between the grouping and the rest (a barrier no filter
//! crosses, so nothing moves), and checks both give the expected rows. The data has
//! repeated keys in mixed order (group order, `take_any`, `make_list`), a null key,
//! an empty string key, and 0.0 / -0.0 (one group; `1 / r` tells them apart).

mod exec_common;
use exec_common::run;
use kql::Catalog;

const D: &str = "let D = datatable(k:string, n:long, t:datetime, r:real, v:long)[
    'b', 2, datetime(2024-01-01 00:10), 0.0, 1,
    'a', long(null), datetime(2024-01-01 01:20), -0.0, 2,
    '', 1, datetime(2024-01-01 00:50), 1.0, 3,
    'a', 2, datetime(2024-01-01 02:00), 0.0, 4,
    'b', long(null), datetime(2024-01-01 01:05), -0.0, 5,
    'c', 3, datetime(2024-01-01 02:30), 2.0, 6,
    'a', 1, datetime(2024-01-01 00:05), 1.0, 7];\n";

/// (grouping, what follows it, expected)
const CASES: &[(&str, &str, &str)] = &[
    // Group order, take_any and make_list of the kept groups.
    (
        "summarize c = count(), s = sum(v), f = take_any(v), l = make_list(v) by k",
        "where k in ('a', 'c')",
        "k:string, c:long, s:long, f:long, l:dynamic\na|3|13|2|[2,4,7]\nc|1|6|6|[6]",
    ),
    // A null key, an empty key.
    (
        "summarize c = count(), s = sum(v) by n",
        "where isnull(n)",
        "n:long, c:long, s:long\nnull|2|7",
    ),
    (
        "summarize c = count(), s = sum(v) by n",
        "where isnotnull(n) and n < 3",
        "n:long, c:long, s:long\n2|2|5\n1|2|10",
    ),
    (
        "summarize c = count() by k",
        "where isempty(k)",
        "k:string, c:long\n|1",
    ),
    // Key parts move, the others stay; an `or` with an aggregate stays whole.
    (
        "summarize c = count(), s = sum(v) by k",
        "where k != 'c' and c > 1",
        "k:string, c:long, s:long\nb|2|6\na|3|13",
    ),
    (
        "summarize c = count(), s = sum(v) by k",
        "where k == 'a' or c == 1",
        "k:string, c:long, s:long\na|3|13\n|1|3\nc|1|6",
    ),
    // A computed key, renamed and recomputed keys, a key replaced by an aggregate.
    (
        "summarize c = count(), s = sum(v) by h = bin(t, 1h)",
        "where h >= datetime(2024-01-01 01:00)",
        "h:datetime, c:long, s:long\n2024-01-01T01:00:00Z|2|7\n2024-01-01T02:00:00Z|2|10",
    ),
    (
        "summarize c = count() by k",
        "extend u = toupper(k) | where u == 'B'",
        "k:string, c:long, u:string\nb|2|B",
    ),
    (
        "summarize c = count() by k",
        "project-rename key = k | where key == 'a'",
        "key:string, c:long\na|3",
    ),
    (
        "summarize c = count() by k",
        "extend k = strcat(k, c) | where k == 'a3'",
        "k:string, c:long\na3|3",
    ),
    // 0.0 and -0.0 are one group: a filter on the rows would split it.
    (
        "summarize c = count(), s = sum(v) by r",
        "where 1 / r < 0",
        "r:real, c:long, s:long",
    ),
    (
        "distinct k, n",
        "where k == 'a'",
        "k:string, n:long\na|null\na|2\na|1",
    ),
    (
        "distinct r",
        "where 1 / r < 0",
        "r:real",
    ),
    // Row numbers see which rows are there: over the groups, and under the grouping.
    (
        "summarize c = count() by k",
        "serialize i = row_number() | where k == 'c'",
        "k:string, c:long, i:long\nc|1|4",
    ),
    (
        "serialize i = row_number() | summarize m = max(i) by k",
        "where k == 'c'",
        "k:string, m:long\nc|6",
    ),
    // Down two groupings; a subquery's set; across another filter.
    (
        "summarize c = count() by k, n | summarize g = count(), total = sum(c) by k",
        "where k == 'a'",
        "k:string, g:long, total:long\na|3|3",
    ),
    (
        "summarize c = count(), s = sum(v) by k",
        "where k in ((D | where v > 5 | distinct k))",
        "k:string, c:long, s:long\na|3|13\nc|1|6",
    ),
    (
        "summarize c = count() by k",
        "where c < 3 | where k != 'b'",
        "k:string, c:long\n|1\nc|1",
    ),
    (
        "summarize c = count() by k",
        "where k !in (datatable(x:string)[])",
        "k:string, c:long\nb|2\na|3\n|1\nc|1",
    ),
    // No keys: one row, always, that the filter keeps or drops.
    (
        "summarize c = count()",
        "where c > 100",
        "c:long",
    ),
    (
        "summarize c = count()",
        "where c == 7",
        "c:long\n7",
    ),
    (
        "summarize c = count() by k",
        "where k == 'a' and rand() >= 0",
        "k:string, c:long\na|3",
    ),
    (
        "summarize arg_max(v, *) by k",
        "where k in ('b', '')",
        "k:string, v:long, n:long, t:datetime, r:real\nb|5|null|2024-01-01T01:05:00Z|-0\n|3|1|2024-01-01T00:50:00Z|1",
    ),
];

#[test]
fn where_after_grouping_gives_the_rows_of_the_unmoved_filter() {
    let catalog = Catalog::new();
    let mut failures = Vec::new();
    for (group, rest, want) in CASES {
        let moved = format!("{D}D | {group} | {rest}");
        let kept = format!("{D}D | {group} | take 1000000 | {rest}");
        let (got, unmoved) = (run(&moved, &catalog), run(&kept, &catalog));
        if got.trim() != want.trim() || unmoved.trim() != want.trim() {
            failures.push(format!(
                "query:    D | {group} | {rest}\nexpected: {}\ngot:      {}\nunmoved:  {}\n",
                want.trim().replace('\n', "\n          "),
                got.trim().replace('\n', "\n          "),
                unmoved.trim().replace('\n', "\n          "),
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
