//! One or more (query, expected) rows per tabular operator and per ★ rule of
//! KQL-SEMANTICS.md. Expected results are Kusto's (names and types settled with
//! Microsoft's type checker, values from the docs' rules).

mod exec_common;
use exec_common::check_cases;
use kql::Catalog;

const T: &str = "datatable(a:long, b:string)[1, 'x', 2, 'y', 3, 'x']";

fn cases(rows: &[(&str, &str)]) {
    check_cases(rows, &Catalog::new());
}

fn q(body: &str) -> String {
    format!("{T} | {body}")
}

#[test]
fn where_and_filter() {
    cases(&[
        ("datatable(a:long)[1,2,3] | where a > 1", "a:long\n2\n3"),
        ("datatable(a:long)[1,2,3] | filter a != 2", "a:long\n1\n3"),
        // A null predicate drops the row.
        (
            "datatable(a:long)[1,long(null),3] | where a > 1",
            "a:long\n3",
        ),
        (
            "datatable(a:long)[1,2] | where a > 1 and a < 5 or false",
            "a:long\n2",
        ),
        // Three-valued logic: false and null is false, true or null is true.
        (
            "print x = false and bool(null), y = true or bool(null), z = true and bool(null)",
            "x:bool, y:bool, z:bool\nfalse|true|null",
        ),
        ("datatable(a:long)[1] | where a > 'x'", "error: "),
    ]);
}

#[test]
fn extend_replaces_in_place() {
    cases(&[
        (
            &q("extend c = a * 2"),
            "a:long, b:string, c:long\n1|x|2\n2|y|4\n3|x|6",
        ),
        // ★ a reused name keeps its position and takes the new type.
        (
            &q("extend a = todouble(a) / 2"),
            "a:real, b:string\n0.5|x\n1|y\n1.5|x",
        ),
        // Unnamed: a conversion of a column keeps its name (and so replaces it).
        (&q("extend tostring(a) | take 1"), "a:string, b:string\n1|x"),
        (
            &q("extend a + 1 | take 1"),
            "a:long, b:string, Column1:long\n1|x|2",
        ),
        // Later expressions see columns added earlier in the same extend.
        (
            &q("extend c = a + 1, d = c * 10 | take 1"),
            "a:long, b:string, c:long, d:long\n1|x|2|20",
        ),
    ]);
}

#[test]
fn project_family() {
    cases(&[
        (
            &q("project b, c = a + 1"),
            "b:string, c:long\nx|2\ny|3\nx|4",
        ),
        (
            &q("project a * 2, a + 1 | take 1"),
            "Column1:long, Column2:long\n2|2",
        ),
        (
            &q("project a, a"),
            "error: a column named `a` is already declared",
        ),
        (&q("project-away a"), "b:string\nx\ny\nx"),
        (
            "datatable(ab:long, ac:long, b:long)[1,2,3] | project-away a*",
            "b:long\n3",
        ),
        (
            "datatable(ab:long, ac:long, b:long)[1,2,3] | project-keep a*",
            "ab:long, ac:long\n1|2",
        ),
        (&q("project-rename c = a | take 1"), "c:long, b:string\n1|x"),
        (&q("project-reorder b | take 1"), "b:string, a:long\nx|1"),
        (
            "print d = dynamic({'k': {'j': 5}}) | project d.k.j, d['k']",
            "d_k_j:dynamic, d_k:dynamic\n5|{\"j\":5}",
        ),
        (
            &q("project nope"),
            "error: unknown column or variable `nope`",
        ),
    ]);
}

/// A summarize's groups reach the steps after it in the order each first appeared, also
/// when there are enough of them to be finished and extended in several chunks on
/// several threads (the expected order is computed here: x -> x * 7919 mod n is one to
/// one, so every group has one row and the groups come in x's order).
#[test]
fn groups_read_by_later_steps_keep_their_order() {
    use std::fmt::Write as _;
    let catalog = Catalog::new();
    for n in [900u64, 5_000, 13_179, 70_001] {
        let got = exec_common::run(
            &format!(
                "range x from 1 to {n} step 1 | summarize c = count() by k = (x * 7919) % {n} \
                 | extend j = k * 2 | where c == 1 | project k, j"
            ),
            &catalog,
        );
        let mut want = String::from("k:long, j:long");
        for x in 1..=n {
            let k = (x * 7919) % n;
            write!(want, "\n{k}|{}", k * 2).unwrap();
        }
        assert!(
            got == want,
            "{n} groups: the output differs from the groups' order"
        );
    }
}

#[test]
fn summarize_names_and_defaults() {
    cases(&[
        (&q("summarize count() by b | sort by b asc"), "b:string, count_:long\nx|2\ny|1"),
        (&q("summarize n = count(), s = sum(a), mn = min(a), mx = max(a) by b | sort by b asc"),
         "b:string, n:long, s:long, mn:long, mx:long\nx|2|4|1|3\ny|1|2|2|2"),
        (&q("summarize countif(a > 1), sum(a), min(a), max(a), avg(a), dcount(b)"),
         "countif_:long, sum_a:long, min_a:long, max_a:long, avg_a:real, dcount_b:long\n2|6|1|3|2|2"),
        (&q("summarize make_set(b), make_list(a)"), "set_b:dynamic, list_a:dynamic\n[\"x\",\"y\"]|[1,2,3]"),
        (&q("summarize count(), count()"), "count_:long, count_1:long\n3|3"),
        // ★ no `by`, no input: one row of defaults.
        (&q("where a > 10 | summarize count(), sum(a), make_set(b), max(a)"),
         "count_:long, sum_a:long, set_b:dynamic, max_a:long\n0|0|[]|null"),
        // with `by` and no input: no rows.
        (&q("where a > 10 | summarize count() by b"), "b:string, count_:long"),
        // computed keys: bin keeps the column name, others are Column1.
        ("datatable(t:datetime)[datetime(2024-01-01 10:20), datetime(2024-01-01 10:40)] | summarize count() by bin(t, 1h)",
         "t:datetime, count_:long\n2024-01-01T10:00:00Z|2"),
        (&q("summarize count() by a % 2 | sort by Column1 asc"), "Column1:long, count_:long\n0|1\n1|2"),
        // expressions over aggregates
        (&q("summarize r = sum(a) * 10"), "r:long\n60"),
        (&q("summarize arg_max(a, *)"), "a:long, b:string\n3|x"),
        (&q("summarize arg_min(a, b) by b | sort by b asc"), "b:string, a:long, b1:string\nx|1|x\ny|2|y"),
        (&q("summarize any(a) by b | sort by b asc | project any_a"), "any_a:long\n1\n2"),
        (&q("summarize take_any(b)"), "b:string\nx"),
        // names Microsoft's checker gives: strlen(s) → strlen_s, bin(f(t)) → t,
        // an argument clashing with a key takes a number (b1 above); `*` leaves keys out
        (&q("summarize count() by strlen(b)"), "strlen_b:long, count_:long\n1|3"),
        ("datatable(t:datetime)[datetime(2024-01-01 10:20)] | summarize count() by bin(startofday(t), 1d)", "t:datetime, count_:long\n2024-01-01T00:00:00Z|1"),
        // `*` leaves out the by keys (Kusto.Language: no `b1`).
        (&q("summarize x = arg_max(a, *) by b | sort by b asc"), "b:string, x:long\nx|3\ny|2"),
        (&q("summarize dcount(b, 1)"), "dcount_b:long\n2"),
        // null keys group together
        ("datatable(k:long, v:long)[long(null), 1, long(null), 2, 1, 3] | summarize sum(v) by k | sort by k asc",
         "k:long, sum_v:long\nnull|3\n1|3"),
        (&q("extend x = count()"), "error: aggregate function `count` is only allowed in `summarize`"),
        (&q("summarize hint.shufflekey=b count() by b | count"), "Count:long\n2"),
    ]);
}

#[test]
fn take_top_sort() {
    cases(&[
        (&q("take 2"), "a:long, b:string\n1|x\n2|y"),
        (&q("limit 1"), "a:long, b:string\n1|x"),
        (&q("sample 2 | count"), "Count:long\n2"),
        (&q("sample 5 | count"), "Count:long\n3"),
        // ★ sort defaults to desc
        (&q("sort by a"), "a:long, b:string\n3|x\n2|y\n1|x"),
        (
            &q("order by b asc, a desc"),
            "a:long, b:string\n3|x\n1|x\n2|y",
        ),
        (&q("top 2 by a"), "a:long, b:string\n3|x\n2|y"),
        (&q("top 1 by a asc"), "a:long, b:string\n1|x"),
        // nulls first for asc, last for desc
        (
            "datatable(a:long)[2, long(null), 1] | sort by a asc",
            "a:long\nnull\n1\n2",
        ),
        (
            "datatable(a:long)[2, long(null), 1] | sort by a desc",
            "a:long\n2\n1\nnull",
        ),
        (
            "datatable(a:long)[2, long(null), 1] | sort by a asc nulls last",
            "a:long\n1\n2\nnull",
        ),
        // strings sort ordinally: upper case before lower case
        (
            "datatable(s:string)['b', 'Medium', 'High', 'a'] | sort by s asc",
            "s:string\nHigh\nMedium\na\nb",
        ),
    ]);
}

#[test]
fn distinct_and_count() {
    cases(&[
        (&q("distinct b"), "b:string\nx\ny"),
        (
            "datatable(a:long, b:string)[1,'x',1,'x',2,'x'] | distinct *",
            "a:long, b:string\n1|x\n2|x",
        ),
        (&q("count"), "Count:long\n3"),
    ]);
}

#[test]
fn mv_expand_forms() {
    cases(&[
        ("datatable(k:long, d:dynamic)[1, dynamic([10, 20]), 2, dynamic([]), 3, dynamic(null)] | mv-expand d",
         "k:long, d:dynamic\n1|10\n1|20\n3|null"),
        // ★ `Name = expr` adds a column and keeps the array; `to typeof()` types it.
        ("datatable(k:long, d:dynamic)[1, dynamic(['a', 'b'])] | mv-expand v = d to typeof(string)",
         "k:long, d:dynamic, v:string\n1|[\"a\",\"b\"]|a\n1|[\"a\",\"b\"]|b"),
        ("print d = dynamic([1, 2, 3]) | mv-expand with_itemindex = i d limit 2", "d:dynamic, i:long\n1|0\n2|1"),
        ("print a = dynamic([1, 2]), b = dynamic(['x']) | mv-expand a, b", "a:dynamic, b:dynamic\n1|x\n2|null"),
        ("print d = dynamic({'p': 1, 'q': 2}) | mv-expand d", "d:dynamic\n{\"p\":1}\n{\"q\":2}"),
        ("print d = dynamic({'p': 1}) | mv-expand bagexpansion=array d", "d:dynamic\n[\"p\",1]"),
    ]);
}

#[test]
fn mv_apply() {
    let t = "datatable(k:long, a:dynamic)[1, dynamic([3, 1, 2]), 2, dynamic([5])]";
    cases(&[
        (
            &format!("{t} | mv-apply a to typeof(long) on (top 1 by a)"),
            "k:long, a:long\n1|3\n2|5",
        ),
        (
            &format!("{t} | mv-apply x = a to typeof(long) on (summarize s = sum(x))"),
            "k:long, a:dynamic, s:long\n1|[3,1,2]|6\n2|[5]|5",
        ),
    ]);
}

#[test]
fn joins() {
    let l = "datatable(k:long, lv:string)[1, 'a', 1, 'b', 2, 'c', long(null), 'n']";
    let r = "datatable(k:long, rv:string)[1, 'R1', 1, 'R2', 3, 'R3', long(null), 'RN']";
    let j = |kind: &str| format!("{l} | join {kind} ({r}) on k");
    cases(&[
        // default innerunique: one left row per key, then all right matches
        (&j(""), "k:long, lv:string, k1:long, rv:string\n1|a|1|R1\n1|a|1|R2"),
        (&j("kind=inner"), "k:long, lv:string, k1:long, rv:string\n1|a|1|R1\n1|a|1|R2\n1|b|1|R1\n1|b|1|R2"),
        // leftouter pads with nulls ("" for strings); null keys never match
        (&j("kind=leftouter"), "k:long, lv:string, k1:long, rv:string\n1|a|1|R1\n1|a|1|R2\n1|b|1|R1\n1|b|1|R2\n2|c|null|\nnull|n|null|"),
        (&j("kind=rightouter"), "k:long, lv:string, k1:long, rv:string\n1|a|1|R1\n1|a|1|R2\n1|b|1|R1\n1|b|1|R2\nnull||3|R3\nnull||null|RN"),
        (&format!("{} | count", j("kind=fullouter")), "Count:long\n8"),
        (&j("kind=leftsemi"), "k:long, lv:string\n1|a\n1|b"),
        (&j("kind=leftanti"), "k:long, lv:string\n2|c\nnull|n"),
        (&format!("{} | count", j("kind=anti")), "Count:long\n2"),
        (&j("kind=rightsemi"), "k:long, rv:string\n1|R1\n1|R2"),
        (&j("kind=rightanti"), "k:long, rv:string\n3|R3\nnull|RN"),
        // $left/$right keys with `and`; hints ignored
        (&format!("{l} | join hint.strategy=broadcast kind=inner ({r} | project k2 = k, rv) on $left.k == $right.k2 | take 1"),
         "k:long, lv:string, k2:long, rv:string\n1|a|1|R1"),
        ("datatable(a:long, b:string)[1,'x'] | join kind=inner (datatable(a:long, b:string, a1:long)[1,'x',7]) on a, b",
         "a:long, b:string, a2:long, b1:string, a1:long\n1|x|1|x|7"),
        // lookup: leftouter by default, the right key not repeated
        ("datatable(a:long, b:string)[1,'x', 2, 'y'] | lookup (datatable(a:long, b:string, c:long)[1,'z',9]) on a",
         "a:long, b:string, b1:string, c:long\n1|x|z|9\n2|y||null"),
        (&j("kind=sideways"), "error: unknown join kind `sideways`"),
    ]);
}

#[test]
fn union_print_range_datatable() {
    cases(&[
        ("union (datatable(a:long)[1]), (datatable(a:long)[2])", "a:long\n1\n2"),
        ("datatable(a:long, b:string)[1, 'x'] | union (datatable(a:string, c:string)['s', 't'])",
         // The typed variants of `a` stand together (Kusto.Language's order).
         "a_long:long, a_string:string, b:string, c:string\n1||x|\nnull|s||t"),
        ("datatable(a:long)[1] | union kind=inner (datatable(a:long, c:long)[2, 3])", "a:long\n1\n2"),
        ("print a = 1, 2, 'x'", "a:long, print_1:long, print_2:string\n1|2|x"),
        ("range x from 1 to 7 step 3", "x:long\n1\n4\n7"),
        // Too many rows to hold: stopped before one is made.
        ("range x from 1 to 9000000000000000000 step 1", "error: low memory condition (E_LOW_MEMORY_CONDITION): the rows of the result exceeded"),
        ("range x from 5 to 1 step -2", "x:long\n5\n3\n1"),
        ("datatable(a:long)[1,2] | extend p = prev(a, -9223372036854775807 - 1)", "a:long, p:long\n1|null\n2|null"),
        ("range t from datetime(2024-01-01) to datetime(2024-01-02) step 12h", "t:datetime\n2024-01-01T00:00:00Z\n2024-01-01T12:00:00Z\n2024-01-02T00:00:00Z"),
        ("datatable(a:int, r:real, d:dynamic)[1, 2, dynamic([1])]", "a:int, r:real, d:dynamic\n1|2|[1]"),
        ("datatable(a:long)[1] | getschema", "ColumnName:string, ColumnOrdinal:long, DataType:string, ColumnType:string\na|0|System.Int64|long"),
        ("datatable(a:long)[1] | as T | serialize n = a + 1", "a:long, n:long\n1|2"),
        // `as` names the rows for the rest of the query
        ("datatable(a:long)[1, 2] | as T | union (T | where a > 1)", "a:long\n1\n2\n2"),
    ]);
}

#[test]
fn lets_and_functions() {
    cases(&[
        // ★ lets shadow in order; a scalar let folds into a constant
        ("let x = 1; let x = x + 1; print x", "print_0:long\n2"),
        ("let n = 2; let T = datatable(a:long)[1,2,3]; T | where a >= n", "a:long\n2\n3"),
        // ★ a column wins over a let of the same name inside expressions
        ("let a = 100; datatable(a:long)[1] | extend b = a", "a:long, b:long\n1|1"),
        ("let f = (x:long, y:long = 10) { x + y }; print f(1), f(1, 2)", "print_0:long, print_1:long\n11|3"),
        ("let G = (T:(*), n:long) { T | take n }; G(datatable(a:long)[1,2,3], 2)", "a:long\n1\n2"),
        ("let T = datatable(a:long)[1,2,3]; let Big = T | where a > 1; T | where a in (Big)", "a:long\n2\n3"),
        ("let T = datatable(a:long)[1,2,3]; T | where a !in (T | where a > 1)", "a:long\n1"),
        ("let T = datatable(a:long)[5,7]; print m = toscalar(T | summarize max(a))", "m:long\n7"),
        ("let T = materialize(datatable(a:long)[1,2]); T | union T | count", "Count:long\n4"),
        ("let T = datatable(a:long)[1]; T | invoke (G = 1)", "error: "),
        ("Nope | take 1", "error: unknown table or variable `Nope`"),
        ("datatable(a:long)[1] | extend b = column_ifexists('zz', 5), c = column_ifexists('a', 0)", "a:long, b:long, c:long\n1|5|1"),
        ("datatable(a:long)[1] | extend p = pack_all()", "a:long, p:dynamic\n1|{\"a\":1}"),
        ("datatable(a:long, s:string)[1, '', long(null), 'x'] | project p = pack_all(), q = pack_all(true)",
         "p:dynamic, q:dynamic\n{\"a\":1,\"s\":\"\"}|{\"a\":1}\n{\"a\":null,\"s\":\"x\"}|{\"s\":\"x\"}"),
    ]);
}

#[test]
fn scalar_operators_in_context() {
    cases(&[
        // ★ has on dynamic works on its JSON text
        ("print d = dynamic(['MSAL-Client', 'Suspicious-Tool']) | extend h = d has 'Suspicious-Tool', b = d has 'Browser'",
         "d:dynamic, h:bool, b:bool\n[\"MSAL-Client\",\"Suspicious-Tool\"]|true|false"),
        ("datatable(s:string)['High', 'Low', 'Medium'] | where s in ('High', 'Medium')", "s:string\nHigh\nMedium"),
        ("datatable(s:string)['python-requests/2.31', 'Mozilla/5.0'] | where s has_any ('curl', 'requests')", "s:string\npython-requests/2.31"),
        ("datatable(a:long)[1, 5, 9] | where a between (2 .. 9)", "a:long\n5\n9"),
        ("print x = case(1 > 2, 'a', 2 > 1, 'b', 'c')", "x:string\nb"),
    ]);
}

#[test]
fn parse_operator() {
    cases(&[
        (
            "print s = 'id=42 user=bob' | parse s with 'id=' id:long ' user=' user",
            "s:string, id:long, user:string\nid=42 user=bob|42|bob",
        ),
        (
            "datatable(s:string)['a=1', 'zzz'] | parse-where s with 'a=' v:long",
            "s:string, v:long\na=1|1",
        ),
        (
            "print s = 'k: 7' | parse kind=regex s with @'k:\\s*' v:long",
            "s:string, v:long\nk: 7|7",
        ),
    ]);
}

#[test]
fn make_series() {
    let t = "datatable(t:datetime, v:long, k:string)[datetime(2024-01-01 01:00), 5, 'a', datetime(2024-01-01 02:30), 7, 'a', datetime(2024-01-03), 1, 'b', datetime(2024-01-09), 1, 'b']";
    cases(&[
        (&format!("{t} | make-series sum(v), n = count() default = -1 on t from datetime(2024-01-01) to datetime(2024-01-04) step 1d by k | sort by k asc"),
         "k:string, sum_v:dynamic, n:dynamic, t:dynamic\n\
          a|[12,0,0]|[2,-1,-1]|[\"2024-01-01T00:00:00.0000000Z\",\"2024-01-02T00:00:00.0000000Z\",\"2024-01-03T00:00:00.0000000Z\"]\n\
          b|[0,0,1]|[-1,-1,1]|[\"2024-01-01T00:00:00.0000000Z\",\"2024-01-02T00:00:00.0000000Z\",\"2024-01-03T00:00:00.0000000Z\"]"),
        ("datatable(x:long, v:real)[1, 1.5, 4, 2.0, 5, 1.0] | make-series avg(v) on x step 2",
         "avg_v:dynamic, x:dynamic\n[1.5,0.0,1.5]|[0,2,4]"),
        (&format!("{t} | take 0 | make-series count() on t from datetime(2024-01-01) to datetime(2024-01-02) step 12h"), "count_:dynamic, t:dynamic"),
    ]);
}

#[test]
fn window_functions() {
    let t = "datatable(a:long, s:string)[1, 'x', 3, 'y', 6, 'z'] | serialize";
    cases(&[
        (
            &format!("{t} | extend p = prev(a), n = next(s), r = row_number()"),
            "a:long, s:string, p:long, n:string, r:long\n1|x|null|y|1\n3|y|1|z|2\n6|z|3||3",
        ),
        (
            &format!("{t} | extend gap = a - prev(a, 1, 0), r = row_number(10)"),
            "a:long, s:string, gap:long, r:long\n1|x|1|10\n3|y|2|11\n6|z|3|12",
        ),
        (
            &format!("{t} | project a, p2 = prev(s, 2)"),
            "a:long, p2:string\n1|\n3|\n6|x",
        ),
        (
            &format!("{t} | where a - prev(a) > 2"),
            "a:long, s:string\n6|z",
        ),
        (&format!("{t} | extend c = row_cumsum(a), r = row_number(1, s == 'z'), d = row_cumsum(a, a > 2)"),
         "a:long, s:string, c:long, r:long, d:long\n1|x|1|1|1\n3|y|4|2|3\n6|z|10|1|6"),
        (
            &format!("{t} | extend p = prev(a, a)"),
            "error: the offset of `prev` must be an integer constant",
        ),
    ]);
}

#[test]
fn search() {
    cases(&[
        (&q("search 'X'"), "a:long, b:string\n1|x\n3|x"),
        (&q("search 'y' or a == 1"), "a:long, b:string\n1|x\n2|y"),
        ("datatable(s:string)['python-requests/2.31', 'curl'] | search '*ques*'", "s:string\npython-requests/2.31"),
        ("let A = datatable(s:string)['hit me']; let B = datatable(s:string, n:long)['no', 1]; search in (A, B) 'hit'",
         "$table:string, s:string, n:long\nA|hit me|null"),
    ]);
}

#[test]
fn evaluate_bag_unpack_and_render() {
    cases(&[
        ("datatable(n:string, d:dynamic)['a', dynamic({'y': 1, 'x': 'p'}), 'b', dynamic({'y': 2.5, 'z': true})] | evaluate bag_unpack(d)",
         "n:string, x:string, y:dynamic, z:bool\na|p|1|null\nb||2.5|true"),
        ("datatable(x:long, d:dynamic)[1, dynamic({'x': 2})] | evaluate bag_unpack(d)", "error: bag_unpack: key `x` clashes"),
        ("datatable(x:long, d:dynamic)[1, dynamic({'x': 2})] | evaluate bag_unpack(d, 'p_')", "x:long, p_x:long\n1|2"),
        ("datatable(a:long)[1] | render timechart", "a:long\n1"),
    ]);
}

#[test]
fn unsupported_operators_fail_loudly() {
    cases(&[
        (
            "datatable(a:long)[1] | evaluate autocluster()",
            "error: `evaluate autocluster` is not supported yet",
        ),
        (
            "datatable(a:dynamic)[1] | evaluate bag_unpack(a, x = 1)",
            "error: `bag_unpack` has no option `x`",
        ),
    ]);
}

/// `scan` (scan-operator.md, "Scan logic"): rows tried against the steps from the last
/// to the first; a step moves on the sequence of the step before it (check 1) before it
/// takes a row into its own (check 2). The rows below are traced by hand from that text.
#[test]
fn scan_matches_steps_in_sequence() {
    let funnel = "datatable(t:long, e:string)[1,'a', 2,'b', 3,'a', 4,'c', 5,'b', 6,'c']";
    cases(&[
        // Two sequences interleaved: `a` at 3 starts the second while the first waits
        // in s2; `c` at 6 moves the second on to s3, dropping the first from it.
        (
            &format!(
                "{funnel} | scan with_match_id=m with (step s1: e == 'a'; step s2: e == 'b'; step s3: e == 'c';)"
            ),
            "t:long, e:string, m:long\n1|a|0\n2|b|0\n3|a|1\n4|c|0\n5|b|1\n6|c|1",
        ),
        // A step reads its own record of the row before; with none, the default. An int
        // sum assigned to a long column is a long.
        (
            "datatable(x:int)[1,2,3] | scan declare (total:long=10) with (step s: true => total = s.total + x;)",
            "x:int, total:long\n1|11\n2|13\n3|16",
        ),
        // output=none keeps the row only in the state; a declared column is not carried
        // from step to step unless assigned.
        (
            "datatable(t:long, e:string)[1,'in', 2,'x', 3,'out'] | scan declare (start:long, seen:long) with (step s1 output=none: e == 'in' => start = t, seen = t; step s2: e == 'out' => start = s1.start;)",
            "t:long, e:string, start:long, seen:long\n3|out|1|null",
        ),
        // A string declared without a default is empty, as a string null is.
        (
            "datatable(x:long)[1] | scan declare (s:string) with (step k: true => s = strcat(k.s, 'z');)",
            "x:long, s:string\n1|z",
        ),
        (
            "datatable(x:long)[1] | scan with (step s output=last: true;)",
            "error: `scan step output=last` is not supported yet",
        ),
        // A step may assign a column of its input too (Kusto.Language accepts it).
        (
            "datatable(x:long)[1,2] | scan with (step s: true => x = x * 10;)",
            "x:long\n10\n20",
        ),
        (
            "datatable(x:long)[1] | scan declare (total:long) with (step s: true => totl = 2;)",
            "error: unknown column `totl`",
        ),
        (
            "datatable(x:long)[1] | scan with (step s: true; step s: false;)",
            "error: two steps of `scan` are named `s`",
        ),
        (
            "datatable(x:long)[1] | scan declare (x:long) with (step s: true;)",
            "error: `scan declare of a column the input has` is not supported yet",
        ),
        (
            "datatable(x:long)[1] | scan with (step s: x;)",
            "error: a step's condition must be bool",
        ),
    ]);
}

/// `partition` (partition-operator.md): the subquery runs on the rows of each value of
/// the column; the output is the union of its results (sorted here: its order is not
/// Kusto's to promise).
#[test]
fn partition_runs_the_subquery_per_value() {
    let t = "datatable(k:string, v:long)['a',1, 'a',5, 'b',2, 'b',7, 'a',3]";
    cases(&[
        (
            &format!("{t} | partition hint.strategy=native by k (top 2 by v) | sort by k asc, v desc"),
            "k:string, v:long\na|5\na|3\nb|7\nb|2",
        ),
        (
            &format!("{t} | partition by k (summarize n = count(), s = sum(v)) | sort by n asc"),
            "n:long, s:long\n2|9\n3|9",
        ),
        // The subquery sees only its partition's rows: a running sum restarts.
        (
            &format!("{t} | partition hint.strategy=shuffle by k (serialize c = row_cumsum(v)) | where k == 'b'"),
            "k:string, v:long, c:long\nb|2|2\nb|7|9",
        ),
        (
            "range x from 1 to 65 step 1 | partition by x (count)",
            "error: `partition` by `x` found 65 values: its default (legacy) strategy takes at most 64",
        ),
        (
            "range x from 1 to 65 step 1 | partition hint.strategy=native by x (count) | count",
            "Count:long\n65",
        ),
        (
            &format!("{t} | partition hint.strategy=fast by k (count)"),
            "error: `partition`'s hint.strategy is",
        ),
        // The legacy form: a subquery with its own source, reading the key's value by
        // its name or by `toscalar` of it.
        (
            &format!(
                "range x from 1 to 3 step 1 | partition by x {{ {t} | where v > x * 2 | summarize n = count(), at = toscalar(x) }} | sort by at asc"
            ),
            "n:long, at:long\n3|1\n2|2\n1|3",
        ),
    ]);
}
