//! `case`, `iff`/`iif` and `coalesce` are evaluated lazily (only as far as the choice
//! needs); these check the results are those of the eager rules: a null predicate
//! counts as false, the chosen value takes the result type, `coalesce` skips empty
//! values and gives a typed null when all are empty.

mod exec_common;
use exec_common::check_cases;
use kql::Catalog;

const R: &str = "range i from 0 to 2 step 1 \
    | extend z = i - i, nb = iff(i == 1, bool(null), i == 2)";

fn q(body: &str) -> String {
    format!("{R} | project i, {body}")
}

#[test]
fn lazy_conditionals_keep_eager_results() {
    check_cases(
        &[
            // The branch not taken divides by zero (null in Kusto): never seen.
            (
                &q("b = iff(i >= 0, 7, i / z)"),
                "i:long, b:long\n0|7\n1|7\n2|7",
            ),
            (
                &q("b = iff(false, 1 / z, 2)"),
                "i:long, b:long\n0|2\n1|2\n2|2",
            ),
            // A null predicate counts as false and evaluation goes on to the next pair.
            (
                &q("c = case(nb, 'yes', i == 1, 'one', 'other')"),
                "i:long, c:string\n0|other\n1|one\n2|yes",
            ),
            (&q("h = iff(nb, 1, 2)"), "i:long, h:long\n0|2\n1|2\n2|1"),
            (&q("h = iif(nb, 1, 2)"), "i:long, h:long\n0|2\n1|2\n2|1"),
            // Mixed value types: the chosen value is converted to the common type.
            (
                &q("e = iff(i == 0, 1, 2.5)"),
                "i:long, e:real\n0|1\n1|2.5\n2|2.5",
            ),
            (
                &q("e = case(i == 0, int(1), i == 1, 2.5, long(3))"),
                "i:long, e:real\n0|1\n1|2.5\n2|3",
            ),
            // coalesce: the first non-empty value; a later costly/failing one unseen.
            (
                &q("d = coalesce(iff(i == 0, long(null), i), 1 / z)"),
                "i:long, d:long\n0|null\n1|1\n2|2",
            ),
            (
                &q("f = coalesce(iff(i == 1, '', 's'), 'x')"),
                "i:long, f:string\n0|s\n1|x\n2|s",
            ),
            (
                &q("g = coalesce(iff(i == 1, int(null), int(3)), long(null))"),
                "i:long, g:long\n0|3\n1|null\n2|3",
            ),
            // Conditions on a constant stay folded; a where uses the lazy form too.
            (
                &q("k = case(true, 'a', 'b')"),
                "i:long, k:string\n0|a\n1|a\n2|a",
            ),
            (
                &format!("{R} | where case(nb, true, i == 0, true, false) | project i"),
                "i:long\n0\n2",
            ),
            // Window functions inside keep their running state (evaluated every row).
            (
                &q("s = iff(i == 1, 0, row_cumsum(i))"),
                "i:long, s:long\n0|0\n1|0\n2|3",
            ),
        ],
        &Catalog::new(),
    );
}
