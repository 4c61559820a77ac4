//! A `union` read through a `where` or by operators that read few of its columns: the
//! filter moves into each input (src/optimize/pushdown.rs) and the union holds only
//! the columns read after it (src/exec/pipeline.rs, `union_rows`). Each case runs as
//! written and with a barrier after the union that reads every column (`pack_all()`,
//! so nothing moves and nothing is pruned), and both must give the expected rows. The
//! inputs differ in columns (one lacks `b`, one has `n` as the other has not), so
//! the mapped nulls, `withsource`'s names and both union kinds are read.

mod exec_common;
use exec_common::run;
use kql::{Catalog, Column, Table, Type, Value};

fn catalog() -> Catalog {
    let mut c = Catalog::new();
    let a = (1..=5)
        .map(|i| {
            vec![
                Value::Long(i),
                Value::str(if i % 2 == 0 { "x" } else { "y" }),
                Value::str(&format!("a{i}")),
            ]
        })
        .collect();
    c.add_table(
        "A",
        Table::new(
            vec![
                Column::new("a", Type::Long),
                Column::new("c", Type::String),
                Column::new("b", Type::String),
            ],
            a,
        ),
    );
    let b = (1..=4)
        .map(|i| {
            vec![
                Value::str(if i < 3 { "x" } else { "z" }),
                Value::Long(10 * i),
                if i == 2 { Value::Null } else { Value::Long(i) },
            ]
        })
        .collect();
    c.add_table(
        "B",
        Table::new(
            vec![
                Column::new("c", Type::String),
                Column::new("a", Type::Long),
                Column::new("n", Type::Long),
            ],
            b,
        ),
    );
    c
}

/// (union, what follows it, expected)
const CASES: &[(&str, &str, &str)] = &[
    ("union A, B", "count", "Count:long\n9"),
    ("union A, B", "where a > 3 | count", "Count:long\n6"),
    (
        "union withsource=T A, B",
        "where isempty(b) | project T, a, c",
        "T:string, a:long, c:string\nB|10|x\nB|20|x\nB|30|z\nB|40|z",
    ),
    (
        "union withsource=T A, B",
        "where T == 'A' and c == 'x' | project a, b",
        "a:long, b:string\n2|a2\n4|a4",
    ),
    (
        "union withsource=T A, B",
        "summarize n = count(), l = make_list(a), f = take_any(a) by c | order by c asc",
        "c:string, n:long, l:dynamic, f:long\nx|4|[2,4,10,20]|2\ny|3|[1,3,5]|1\nz|2|[30,40]|30",
    ),
    ("union A, B", "where isnull(n) | count", "Count:long\n6"),
    ("union A, B", "where n > 1 | project a, n", "a:long, n:long\n30|3\n40|4"),
    ("union A, B", "take 7 | project a", "a:long\n1\n2\n3\n4\n5\n10\n20"),
    ("union (B | take 1), A", "take 3 | project a, c", "a:long, c:string\n10|x\n1|y\n2|x"),
    ("union A, B", "take 0 | count", "Count:long\n0"),
    (
        "union kind=inner withsource=T A, B",
        "where a % 20 == 0 or a == 1 | project T, a, c",
        "T:string, a:long, c:string\nA|1|y\nB|20|x\nB|40|z",
    ),
    (
        "union A, B",
        "extend d = strcat(c, b) | where d startswith 'x' | summarize count() by d | order by d asc",
        "d:string, count_:long\nx|2\nxa2|1\nxa4|1",
    ),
    (
        "union A, B",
        "extend m = pack_array(a, a + 1) | mv-expand m to typeof(long) | where m % 2 == 0 | summarize sum(m)",
        "sum_m:long\n118",
    ),
];

#[test]
fn a_union_filtered_or_read_in_part_gives_the_rows_of_the_whole_one() {
    let catalog = catalog();
    let mut failures = Vec::new();
    for (union, rest, want) in CASES {
        let direct = run(&format!("{union} | {rest}"), &catalog);
        let whole = run(
            &format!("{union} | extend _all = pack_all() | project-away _all | {rest}"),
            &catalog,
        );
        if direct.trim() != want.trim() || whole.trim() != want.trim() {
            failures.push(format!(
                "{union} | {rest}\nexpected:\n{want}\ndirect:\n{direct}\nwhole:\n{whole}\n"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
