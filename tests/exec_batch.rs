//! The pipeline's batch path (typed columns a chunk at a time) and streamed groups
//! against the row path and materialized groups: every query here runs with them on
//! and off, and the two answers must be the same.
//! (One test in its own binary: it switches the path for the whole process.)

mod exec_common;

use exec_common::run;
use kql::Catalog;

/// Queries over `range`, and whether their chunks are expected to take the batch path
/// (false: the pipeline holds something that keeps them on the row path, or a chunk
/// falls back mid-pipeline; the answers must agree all the same).
const CASES: &[(&str, bool)] = &[
    // Keys by modulo, several chunks (16384 rows a chunk).
    ("range x from 1 to 40000 step 1 | summarize count() by k = x % 100", true),
    // count()s by one integer key: a batch's rows counted per key first when its first
    // rows repeat keys, else handed over one by one; chunks of both kinds into the same
    // groups, datetimes and ints as keys.
    ("range x from 1 to 40000 step 1 | summarize count() by k = x / 3", true),
    ("range x from 1 to 50000 step 1 | summarize n = count(), m = count() by k = iff(x < 20000, x % 10, x)", true),
    ("range x from 1 to 40000 step 1 | summarize count() by b = bin(datetime(2026-01-01) + x * 1s, 1h)", true),
    ("range x from 1 to 40000 step 1 | summarize count() by k = toint(x % 7) | order by k asc", true),
    ("range x from 1 to 40000 step 1 | summarize c = count(), s = sum(x) by k = x % 7, j = x % 3", true),
    // Division and modulo by zero give nulls, as keys and as arguments.
    ("range x from -5 to 5 step 1 | extend d = 10 / x, m = x % 0, r = x / 2.0 | summarize count(), sum(d), sum(m), sum(r) by k = x % 3", true),
    ("range x from 0 to 20 step 1 | extend k = 10 / (x % 4) | summarize count(), sum(k) by k", true),
    // Wrapping overflow at the end of the longs.
    ("range x from 9223372036854775800 to 9223372036854775807 step 1 | extend y = x + 100, z = x * 2, w = x - (-9223372036854775807) | project x, y, z, w", true),
    ("range x from 9223372036854775800 to 9223372036854775807 step 1 | summarize sum(x), count() by x % 2", true),
    ("range x from 9223372036854775800 to 9223372036854775807 step 1 | summarize sum(x), count(), sum(x * 1.5)", true),
    // Ints (a call evaluated row by row) and longs mixed.
    ("range x from 1 to 10 step 1 | extend i = toint(x), j = toint(x) + 1 | extend k = i * 2, b = i > 3 | project i, j, k, b", true),
    ("range x from 1 to 100 step 1 | extend i = toint(x % 5) | summarize count(), sum(i) by i", true),
    // Reals: arithmetic typed, comparisons row by row.
    ("range x from 0.5 to 10.5 step 0.25 | extend y = x * 2, z = x % 3, w = x + 1 | where z > 1.0 | summarize count(), sum(y), sum(w)", true),
    ("range x from 1 to 1000 step 1 | extend r = x / 7.0 | summarize count(), sum(r) by k = x % 9", true),
    // Datetimes and timespans.
    ("range t from datetime(2026-01-01) to datetime(2026-01-02) step 1h | extend d = t - datetime(2026-01-01), h = t + 1h | where t > datetime(2026-01-01 05:00) | summarize count(), max(h), sum(d)", true),
    ("range d from 1s to 100s step 7s | where d >= 20s | extend e = d * 2 | project d, e", true),
    // Empty ranges and negative steps.
    ("range x from 1 to 0 step 1 | summarize count() by k = x % 10", true),
    ("range x from 1 to 0 step 1 | count", true),
    ("range x from 1 to 0 step 1 | summarize count(), sum(x)", true),
    ("range x from 1 to 0 step 1 | top 3 by x", true),
    ("range x from 100 to 1 step -3 | extend k = x % 7 | sort by k desc, x asc | take 5", true),
    ("range x from 100 to 1 step -3 | where x % 2 == 0 | summarize count(), sum(x) by x % 5", true),
    ("range x from 1 to 10 step -1 | count", true),
    // Filters and logic, with nulls taking part.
    ("range x from 1 to 100 step 1 | where x % 3 == 0 and x > 50 or x == 7 | summarize count(), sum(x)", true),
    ("range x from 0 to 30 step 1 | extend n = 10 / (x % 3) | where n > 4 or x > 25 | project x, n", true),
    ("range x from 0 to 30 step 1 | extend n = 10 / (x % 3) | where not(n > 4) and x < 20 | project x, n", true),
    // A chunk whose values no typed column holds (a string, a decimal): the row path.
    ("range x from 1 to 30000 step 1 | extend s = strcat('k', x % 5) | summarize count() by s", false),
    ("range x from 1 to 30 step 1 | extend y = todecimal(x) * 2 | summarize sum(y)", false),
    ("range x from 1 to 30000 step 1 | extend y = iff(x % 2 == 0, x, long(null)) | summarize count(), sum(y), dcount(y) by k = y % 3", true),
    // Aggregates without a typed update (row by row over the columns).
    ("range x from 1 to 30000 step 1 | summarize countif(x % 2 == 0), avg(x), min(x), max(x), dcount(x % 77), make_set(x % 4) by x % 4", true),
    ("range x from 1 to 30000 step 1 | extend k = x % 1000 | distinct k | count", true),
    ("range x from 1 to 40000 step 1 | summarize dcount(x % 5000), dcount(x), dcountif(x, x % 2 == 0), dcount(x / 3.0)", true),
    ("range x from 0 to 40000 step 1 | extend y = 100 / (x % 50) | summarize dcount(y), count(y), sum(y)", true),
    // Random values: the same positions give the same draws on both paths.
    ("range x from 1 to 50000 step 1 | extend v = rand(1000) | where v > 500 | summarize count(), sum(v)", true),
    ("range x from 1 to 50000 step 1 | extend v = rand(10000000) | top 3 by v", true),
    ("range x from 1 to 50000 step 1 | extend v = rand(10000000) | sort by v | take 3", true),
    ("range x from 1 to 50000 step 1 | summarize count() by k = tolong(rand(10))", true),
    ("range x from 1 to 40000 step 1 | extend w = rand(-3) | summarize countif(isnull(w)), count()", true),
    ("range x from 1 to 40000 step 1 | extend w = rand() | where w < 0.25 | summarize count(), sum(w), min(x)", true),
    ("range x from 1 to 40000 step 1 | where rand() < 0.5 | summarize count(), sum(x)", true),
    ("range x from 1 to 40000 step 1 | where x % 2 == 0 | extend v = rand(100) | summarize count(), sum(v) by tolong(v) % 3", true),
    // Two random calls a row: the row path (a row's draws are numbered in order).
    ("range x from 1 to 20000 step 1 | extend a = rand(), b = rand() | where a < b | count", false),
    // Sinks that take rows: take, collect, a join's build side and probe.
    ("range x from 1 to 100000 step 1 | where x % 1000 == 0 | take 5", true),
    ("range x from 1 to 100000 step 1 | extend y = x * x | where y > 50 | project x, y | take 3", true),
    ("range x from 1 to 50 step 1 | extend y = x * 3 % 11 | where y < 5", true),
    ("range x from 1 to 100000 step 1 | extend v = (x * 2654435761) % 1000 | sort by v desc, x asc | take 4", true),
    ("range x from 1 to 3000 step 1 | extend v = (x * 2654435761) % 100 | sort by v asc, x desc | take 6", true),
    ("range x from 1 to 20000 step 1 | extend k = x % 10 | join kind=inner (range y from 1 to 5 step 1 | extend k = y) on k | count", true),
    ("range a from 1 to 40000 step 1 | join kind=inner (range b from 1 to 40000 step 1 | extend a = (b * 7) % 40000 + 1) on a | summarize n = count(), s = sum(b)", true),
    ("range x from 1 to 30000 step 1 | extend k = x % 10 | join kind=leftouter (range y from 1 to 5 step 1 | extend k = y, z = y * 1.5) on k | summarize count(), sum(y), sum(z), countif(isnull(y)) by k", true),
    ("range x from 1 to 30000 step 1 | extend k = x % 10 | join kind=leftsemi (range y from 3 to 5 step 1 | extend k = y) on k | summarize count(), sum(x)", true),
    ("range x from 1 to 30000 step 1 | extend k = x % 10 | join kind=leftanti (range y from 3 to 5 step 1 | extend k = y) on k | summarize count(), sum(x)", true),
    ("range x from 1 to 30 step 1 | extend k = x % 4 | join kind=inner (range y from 1 to 12 step 1 | extend k = y % 3, t = datetime(2026-01-01) + y * 1h) on k | project x, k, y, t", true),
    ("range x from 1 to 30 step 1 | extend k = x % 4 | join kind=leftouter (range y from 1 to 12 step 1 | extend k = y % 3, s = strcat('v', y)) on k | project x, y, s", false),
    ("range x from 0 to 40 step 1 | extend k = 10 / (x % 5) | join kind=leftouter (range y from 0 to 12 step 1 | extend k = 10 / (y % 4)) on k | project x, k, y", true),
    // Keys compared as words (one typed key column, no nulls) and not: an int key
    // against long ones, datetimes, nulls among the build side's keys.
    ("range x from 1 to 30000 step 1 | extend k = toint(x % 10) | join kind=inner (range y from 1 to 5 step 1 | extend k = y) on k | summarize count(), sum(y)", true),
    ("range x from 1 to 30000 step 1 | extend t = datetime(2026-01-01) + (x % 24) * 1h | join kind=inner (range y from 0 to 11 step 1 | extend t = datetime(2026-01-01) + y * 1h) on t | summarize count(), sum(y), max(t)", true),
    ("range x from 0 to 30000 step 1 | extend k = x % 5 | join kind=inner (range y from 0 to 12 step 1 | extend k = 10 / (y % 4)) on k | summarize count(), sum(y)", true),
    // A join that multiplies rows past a batch's bound, and a random call after a join:
    // the left side's chunks go the row path (the build side's still take batches).
    ("range x from 1 to 20000 step 1 | extend k = x % 3 | join kind=inner (range y from 1 to 300 step 1 | extend k = y % 3) on k | summarize count(), sum(y)", true),
    ("range x from 1 to 20000 step 1 | extend k = x % 10 | join kind=inner (range y from 1 to 5 step 1 | extend k = y) on k | extend r = rand() | summarize count(), sum(r)", true),
    // The groups of an aggregation streamed to the pipeline that consumes them.
    ("range x from 1 to 100000 step 1 | summarize c = count() by k = x % 30000 | summarize groups = count(), total = sum(c), ksum = sum(k)", true),
    ("range x from 1 to 100000 step 1 | summarize c = count(), s = sum(x) by k = x % 40000 | where k % 7 == 0 | extend r = s / c | take 20", true),
    ("range x from 1 to 100000 step 1 | summarize c = count() by k = (x * 7919) % 50000 | extend v = rand(1000) | summarize sum(v), count()", true),
    ("range x from 1 to 60000 step 1 | extend k = x % 33333 | distinct k | count", true),
    ("range x from 1 to 60000 step 1 | extend k = (x * 7919) % 33333 | distinct k | take 10", true),
    ("range x from 1 to 60000 step 1 | summarize make_set(x % 3), m = max(x) by k = x % 20000 | summarize count(), sum(m)", true),
    ("range x from 1 to 0 step 1 | summarize c = count() by k = x % 10 | count", true),
    // Rows in memory made into columns (a datatable, an operator's output).
    ("datatable(a:long, b:real, c:bool)[1, 2.5, true, 2, 0.5, false, 3, real(nan), true, long(null), -0.0, true] | extend d = a * 2, e = b + a | where c | project a, d, e, b", true),
    ("datatable(i:int, l:long)[1, 2, 3, 4, int(null), 5] | extend s = i + l, t = i * 2 | project s, t, i", true),
    ("datatable(a:long)[1, long(null), 3] | extend b = a + 1 | summarize count(), sum(b), countif(isnull(b))", true),
    ("datatable(t:datetime, d:timespan)[datetime(2026-01-01), 1h, datetime(2026-02-01), 2d] | extend u = t + d, e = d * 2 | project u, e, t", true),
    ("datatable(s:string, a:long)['x', 1, 'y', 2] | extend b = a + 1 | project s, b", false),
    ("range x from 1 to 40000 step 1 | sort by x desc | extend y = x % 7 | summarize count(), sum(x) by y", true),
    // Arrays as list columns (`pack_array` of typed columns, a call's arrays, a dynamic
    // column of arrays in memory), and mv-expand over them.
    ("range x from 1 to 40000 step 1 | extend a = pack_array(x, x + 1, x + 2, x + 3, x + 4) | mv-expand a | summarize count(), sum(tolong(a))", true),
    ("range x from 1 to 5 step 1 | extend a = pack_array(x, x + 1) | project x, a", true),
    // A chunk that a filter emptied: `pack_array` over no rows (found by the fuzzer).
    ("range x from 1 to 5 step 1 | where x > 9 | extend a = pack_array(x, x + 1) | mv-expand a | summarize count()", true),
    ("range x from 1 to 5 step 1 | where x > 9 | project a = pack_array(x, x)", true),
    ("range x from 1 to 20 step 1 | extend a = pack_array(x, x * 2) | mv-expand with_itemindex = i a | project x, i, a", true),
    ("range x from 1 to 20 step 1 | extend a = pack_array(x, x * 2) | mv-expand a | take 7", true),
    ("range x from 0 to 30 step 1 | extend a = pack_array(toint(x), toint(x % 3)) | mv-expand a | summarize count(), sum(a), make_set(gettype(a))", true),
    ("range x from 0 to 30 step 1 | extend a = pack_array(x / 2.0, 1.5, x * 0.25) | mv-expand a | summarize count(), sum(todouble(a)), make_set(gettype(a))", true),
    ("range x from 0 to 30 step 1 | extend a = pack_array(10 / (x % 3), x, x > 4) | mv-expand a | summarize count()", false),
    ("range x from 0 to 30 step 1 | extend a = pack_array(10 / (x % 3), x) | mv-expand a | summarize count(), countif(isnull(a)), sum(tolong(a)), make_set(gettype(a))", true),
    ("range x from 0 to 30 step 1 | extend a = pack_array(x > 3, x % 2 == 0) | mv-expand a | summarize count(), countif(tobool(a)), sum(tolong(a))", true),
    ("range t from datetime(2026-01-01) to datetime(2026-01-02) step 5h | extend a = pack_array(t, t + 1h) | mv-expand a | project t, a", true),
    // Operands of different kinds (an int and a long, a long and a string): the row path.
    ("range x from 1 to 10 step 1 | extend a = pack_array(x, toint(x)) | mv-expand a | summarize count(), sum(tolong(a)), make_set(gettype(a))", false),
    ("range x from 1 to 10 step 1 | extend a = pack_array(x, 'k') | mv-expand a | summarize count(), make_set(a)", false),
    // Several items of different lengths (nulls past the end of the shorter), a scalar
    // expanded as itself, the columns after it.
    ("range x from 1 to 30 step 1 | extend a = pack_array(x, x + 1, x + 2), b = pack_array(x * 10) | mv-expand a, b | project x, a, b", true),
    ("range x from 1 to 30 step 1 | extend a = pack_array(x, x + 1), k = todynamic(x % 4) | mv-expand a, k | summarize count(), sum(tolong(a)), sum(tolong(k)), countif(isnull(k))", true),
    ("range x from 1 to 30 step 1 | extend a = pack_array(x, x + 1) | mv-expand b = a | extend c = tolong(b) + x | where c > 10 | summarize count(), sum(c) by x % 3", true),
    ("range x from 1 to 30 step 1 | extend a = pack_array(x, x + 1, x + 2) | mv-expand a limit 2 | project x, a", true),
    // Two items under a limit: one row's array cut by it, another's shorter than its
    // row's count (their elements added up to the rows made, and slid into the next row).
    ("range i from 0 to 1 step 1 | extend a = iff(i == 0, pack_array(1, 2, 3), pack_array(9)), b = pack_array(i, i) | mv-expand a, b limit 2 | project i, a, b", true),
    ("range x from 1 to 30 step 1 | extend a = pack_array(x, x + 1) | mv-expand a to typeof(long) | extend b = a * 2 | summarize count(), sum(b)", true),
    ("range x from 1 to 30 step 1 | extend a = pack_array(x, x + 1) | mv-expand a to typeof(real) | extend b = a / 4 | summarize count(), sum(b)", true),
    ("range x from 1 to 30 step 1 | extend a = pack_array(x, x + 1) | mv-expand a to typeof(string) | summarize count(), make_set(a)", false),
    ("range x from 1 to 3000 step 1 | extend a = range(1, x % 7) | mv-expand with_itemindex = i a | summarize count(), sum(tolong(a)), sum(i) by x % 3", true),
    ("range x from 1 to 3000 step 1 | extend a = pack_array(x, x + 1) | mv-expand a to typeof(long) | join kind=inner (range y from 1 to 50 step 1 | extend a = y) on a | summarize count(), sum(y)", true),
    // More rows than a batch holds, and a random call after the expansion: the row path.
    ("range x from 1 to 40000 step 1 | extend a = range(1, 40) | mv-expand a | summarize count(), sum(tolong(a))", false),
    // A list repeated on every expanded row past the gathering cap: the row path, whose
    // rows share the array (the fuzzer's mv-expand beside a long series ran out of memory).
    ("range x from 1 to 2000 step 1 | extend a = range(1, 100), b = range(1, 300) | mv-expand a | summarize count(), sum(array_length(b)), sum(tolong(a))", false),
    ("range x from 1 to 3000 step 1 | extend a = pack_array(x, x + 1) | mv-expand a | extend r = rand() | summarize count(), sum(r)", false),
    // Random calls in a mv-expand item: each draws its own number (they drew one).
    ("range i from 0 to 300 step 1 | mv-expand x = pack_array(rand(), rand()) | summarize count(), dcount(tostring(x)), sum(todouble(x))", false),
    // A dynamic column of arrays in memory: empty, null, nested, with nulls inside.
    ("datatable(k:long, d:dynamic)[1, dynamic([1,2,3]), 2, dynamic([]), 3, dynamic(null), 4, dynamic([4, null])] | mv-expand with_itemindex = i d | project k, i, d", true),
    ("datatable(k:long, d:dynamic)[1, dynamic([[1,2],[3]]), 2, dynamic([[4], []]), 3, dynamic([])] | mv-expand d | mv-expand e = d | project k, d, e", true),
    ("datatable(k:long, d:dynamic)[1, dynamic([1.5, 2]), 2, dynamic(5)] | mv-expand d | project k, d", false),
    ("datatable(k:long, d:dynamic)[1, dynamic([1, 2]), 2, dynamic(5)] | mv-expand d | project k, d", false),
];

#[test]
fn batch_and_row_paths_agree() {
    let catalog = Catalog::new();
    let mut failures = Vec::new();
    for &(query, batched) in CASES {
        kql::exec::set_batches(false);
        let rows = run(query, &catalog);
        kql::exec::set_batches(true);
        let before = kql::exec::batch_chunks();
        let batch = run(query, &catalog);
        let took = kql::exec::batch_chunks() > before;
        assert!(!rows.starts_with("error:"), "{query}: {rows}");
        if rows != batch {
            failures.push(format!(
                "{query}\nrow path:\n{rows}\nbatch path:\n{batch}\n"
            ));
        }
        if took != batched {
            failures.push(format!(
                "{query}: batch path taken: {took}, expected {batched}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Columns that a step or the sink reads after a mv-expand are repeated with every
/// element (on both paths; the comparison above cannot tell a column both paths drop).
#[test]
fn mv_expand_keeps_the_columns_read_after_it() {
    let catalog = Catalog::new();
    for on in [false, true] {
        kql::exec::set_batches(on);
        let q = |query: &str| run(query, &catalog);
        assert_eq!(
            q("range x from 1 to 3 step 1 | extend a = pack_array(x, x), y = x * 10 | mv-expand a | summarize sum(y), sum(tolong(a)), count()"),
            "sum_y:long, sum_a:long, count_:long\n120|12|6",
            "batches {on}"
        );
        assert_eq!(
            q("range x from 1 to 2 step 1 | extend a = pack_array(x * 2), y = x + 5 | mv-expand a | where tolong(a) > 2 | project y"),
            "y:long\n7",
            "batches {on}"
        );
        assert_eq!(
            q("range x from 1 to 2 step 1 | extend a = pack_array(x, x + 1), y = x * 3 | mv-expand a | top 2 by tolong(a) desc"),
            "x:long, a:dynamic, y:long\n2|3|6\n1|2|3",
            "batches {on}"
        );
    }
}
