//! Which `let`s are held and which run in the places that read them (the optimizer's
//! rewrite, src/optimize/lets.rs), and that either way a query gives its rows. A let
//! read at one place, or made again as cheaply (row by row from `range`/`datatable`),
//! runs in place; one over a table read at several places, inside an `mv-apply`'s
//! subquery, or already read by a subquery binding ran, stays held and shared.

mod exec_common;
use exec_common::{check_cases, render, test_now};
use kql::plan::{Plan, PlanKind};
use kql::{Catalog, Column, Session, Table, Type, Value};

/// A catalog with one in-memory table `E` (read by a scan, as a file table is).
fn catalog() -> Catalog {
    let mut c = Catalog::new();
    let rows = (1..=6)
        .map(|i| {
            vec![
                Value::Long(i),
                Value::str(if i % 2 == 0 { "even" } else { "odd" }),
            ]
        })
        .collect();
    c.add_table(
        "E",
        Table::new(
            vec![Column::new("n", Type::Long), Column::new("k", Type::String)],
            rows,
        ),
    );
    c
}

/// The lets held in `plan` (each place that reads one counts).
fn held(plan: &Plan) -> usize {
    let here = matches!(plan.kind, PlanKind::Cached { .. }) as usize;
    here + plan.inputs().into_iter().map(held).sum::<usize>()
}

#[test]
fn lets_read_once_or_made_again_cheaply_run_in_place() {
    let catalog = catalog();
    // (query, the places of the statements' plans that read a held let)
    let cases: &[(&str, usize)] = &[
        ("let T = E | where n > 1; T | count", 0),
        ("let T = E | where n > 1; let U = T | extend m = n * 2; U | summarize sum(m)", 0),
        ("E | as X | where n > 2", 0),
        // Over a table, read twice: held, at both places.
        ("let T = E | where n > 1; T | join kind=inner (T) on n | count", 2),
        ("let T = E | where n > 1; T | count; T | take 1", 2),
        // Over rows in memory, read row by row: made again at each place.
        ("let T = range i from 1 to 10 step 1 | extend j = i * 2; T | join kind=inner (T) on i | count", 0),
        ("let D = datatable(a:long)[1, 2, 3]; union D, D | count", 0),
        // A summarize is not made again.
        ("let S = range i from 1 to 10 step 1 | summarize count() by k = i % 3; S | join kind=inner (S) on k | count", 2),
        // A subquery that binding ran read it first: its rows are there, shared.
        ("let T = E | where n > 1; T | where n in ((T | summarize max(n)))", 1),
        // Inside an mv-apply's subquery, which runs once per row: held.
        ("let R = range i from 1 to 3 step 1; E | extend a = pack_array(1, 2) | mv-apply a to typeof(long) on (join kind=inner (R | project a = i) on a) | count", 1),
    ];
    let session = Session::new(&catalog, test_now());
    let mut failures = Vec::new();
    for (q, want) in cases {
        let query = kql::syntax::parse(q).unwrap();
        let plans = session.plans(&query).unwrap();
        let got: usize = plans.iter().map(held).sum();
        if got != *want {
            failures.push(format!("{q}: {got} held, expected {want}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn lets_in_place_or_held_give_the_rows() {
    let catalog = catalog();
    let cases: &[(&str, &str)] = &[
        ("let T = E | where n > 1; T | summarize c = count() by k | order by k asc", "k:string, c:long\neven|3\nodd|2"),
        ("let T = E | where n > 1; T | join kind=inner (T | project n, k2 = k) on n | where n < 4 | project n, k, k2 | order by n asc", "n:long, k:string, k2:string\n2|even|even\n3|odd|odd"),
        ("let T = range i from 1 to 10 step 1 | extend j = i * 2; T | join kind=inner (T | project i, j2 = j + 1) on i | summarize sum(j2)", "sum_j2:long\n120"),
        ("let T = E | where n > 1; T | where n in ((T | summarize max(n)))", "n:long, k:string\n6|even"),
        ("let R = range i from 1 to 3 step 1; E | where n < 3 | extend a = pack_array(1, 3, 4) | mv-apply a to typeof(long) on (join kind=inner (R | project a = i) on a) | project n, a", "n:long, a:long\n1|1\n1|3\n2|1\n2|3"),
        ("E | where n > 4 | as X | union (X | extend n = n * 10) | summarize sum(n)", "sum_n:long\n121"),
        ("let D = datatable(a:long)[1, 2, 3]; let U = union D, D; U | summarize count(), sum(a)", "count_:long, sum_a:long\n6|12"),
    ];
    check_cases(cases, &catalog);
}

/// As in Kusto, a `let` is a name for its expression: a `rand()` in it draws at each
/// place that reads it, unless the query asks for its rows held (`materialize`).
#[test]
fn a_let_draws_anew_at_each_place_unless_materialized() {
    let catalog = Catalog::new();
    let pairs = |t: &str| {
        format!("{t}; T | join kind=inner (T | project i, r2 = r) on i | where r != r2 | count")
    };
    let run = |q: &str| {
        let t = kql::run_query(q, &catalog, test_now()).unwrap();
        render(t.last().unwrap())
    };
    let drawn = run(&pairs(
        "let T = range i from 1 to 1000 step 1 | extend r = rand()",
    ));
    let held = run(&pairs(
        "let T = materialize(range i from 1 to 1000 step 1 | extend r = rand())",
    ));
    assert_eq!(held, "Count:long\n0");
    // 1,000 pairs of independent draws of 2^53 values: none equal, but for a bug.
    assert_eq!(drawn, "Count:long\n1000");
}
