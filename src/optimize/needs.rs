//! What the operators above read of each column, and the work that saves. The needs
//! of each column flow top-down from the plan's output (which reads every column
//! wholly) through the operators understood here (filter, extend, project, summarize,
//! sort, take, sample, count, distinct, mv-expand, join, union, `as`); any other
//! operator reads its inputs wholly, so the rewrite stops there. Two rewrites follow:
//!
//! - A column an `extend` or `project` computes that nothing above reads is not
//!   computed: its expression becomes a null constant (the column stays, so no
//!   position moves). Why this is exact: a scalar expression has no effect but its
//!   value (`assert` fails while binding, not per row), and a volatile one's draws
//!   are then simply not made.
//! - `parse_json` that builds only what is read. When the dynamic value an `extend`
//!   computes with `parse_json(x)` is read by the operators above only through member
//!   and index paths with constant keys (`p.score`, `p.geo.country`, `p['a b']`), the
//!   call is replaced by one that keeps only those paths (see
//!   [`crate::value::parse_json_paths`]): the same text checks, the same values at
//!   every path read, without building the rest of the tree per row.
//!
//! A `let` ([`PlanKind::Cached`]) is shared by id between the places that name it, so
//! its plan is rewritten as if read wholly, the same way at every place.

use crate::functions::DynamicRole;
use crate::plan::{BExpr, Plan, PlanKind};
use crate::value::{JsonPaths, Str, Value};

/// What the operators above read of one column: nothing, or these paths.
type Need = Option<JsonPaths>;

/// `plan` with every unread `extend` or `project` column left uncomputed, and every
/// `parse_json` whose value is read only by paths rewritten.
pub fn prune(plan: Plan) -> Plan {
    let need = vec![Some(JsonPaths::whole()); plan.schema.len()];
    rewrite(plan, need)
}

fn whole_of(plan: &Plan) -> Vec<Need> {
    vec![Some(JsonPaths::whole()); plan.schema.len()]
}

/// `plan` rewritten, `need` saying what is read of each of its output columns.
fn rewrite(plan: Plan, mut need: Vec<Need>) -> Plan {
    if let PlanKind::Union { inputs, .. } = &plan.kind {
        // Each input's columns are read as the output columns they feed are.
        let mut inner = (0..inputs.len())
            .map(|k| {
                let mut inner = vec![None; inputs[k].schema.len()];
                for (j, n) in need.iter().enumerate() {
                    if let (Some(n), Some(BExpr::Column(i))) = (n, plan.union_column(k, j)) {
                        add(&mut inner, i, &[], n);
                    }
                }
                inner
            })
            .collect::<Vec<_>>()
            .into_iter();
        return plan.map_inputs(&mut |p| {
            let need = inner.next().unwrap_or_else(|| whole_of(&p));
            rewrite(p, need)
        });
    }
    if let PlanKind::Join {
        left,
        right,
        left_keys,
        right_keys,
        ..
    } = &plan.kind
    {
        let mut l = vec![None; left.schema.len()];
        let mut r = vec![None; right.schema.len()];
        for (j, n) in need.iter().enumerate() {
            match (n, plan.join_column(j)) {
                (Some(n), Some(Ok(i))) => add(&mut l, i, &[], n),
                (Some(n), Some(Err(i))) => add(&mut r, i, &[], n),
                _ => {}
            }
        }
        // The keys match the rows: read wholly.
        for &c in left_keys {
            add(&mut l, c, &[], &JsonPaths::whole());
        }
        for &c in right_keys {
            add(&mut r, c, &[], &JsonPaths::whole());
        }
        let mut sides = [l, r].into_iter();
        return plan.map_inputs(&mut |p| {
            let need = sides.next().unwrap_or_else(|| whole_of(&p));
            rewrite(p, need)
        });
    }
    let Plan { schema, kind } = plan;
    let kind = match kind {
        PlanKind::Filter { input, pred } => {
            reads(&pred, &mut need);
            PlanKind::Filter {
                input: Box::new(rewrite(*input, need)),
                pred,
            }
        }
        PlanKind::Take { input, count } => PlanKind::Take {
            input: Box::new(rewrite(*input, need)),
            count,
        },
        PlanKind::Sort { input, keys, limit } => {
            for k in &keys {
                reads(&k.expr, &mut need);
            }
            PlanKind::Sort {
                input: Box::new(rewrite(*input, need)),
                keys,
                limit,
            }
        }
        PlanKind::Count(input) => {
            let none = vec![None; input.schema.len()];
            PlanKind::Count(Box::new(rewrite(*input, none)))
        }
        PlanKind::Summarize { input, keys, aggs } => {
            let mut inner = vec![None; input.schema.len()];
            for k in &keys {
                reads(k, &mut inner);
            }
            for a in &aggs {
                a.args.iter().for_each(|e| reads(e, &mut inner));
            }
            PlanKind::Summarize {
                input: Box::new(rewrite(*input, inner)),
                keys,
                aggs,
            }
        }
        PlanKind::Project { input, mut exprs } => {
            let mut inner = vec![None; input.schema.len()];
            for (e, n) in exprs.iter_mut().zip(&need) {
                if n.is_none() {
                    *e = BExpr::Const(Value::Null);
                }
                match (path(e), n) {
                    // A column passed on (or a path of it) is read as the output is.
                    (Some((col, keys)), Some(n)) => add(&mut inner, col, &keys, n),
                    _ => reads(e, &mut inner),
                }
            }
            PlanKind::Project {
                input: Box::new(rewrite(*input, inner)),
                exprs,
            }
        }
        PlanKind::Extend { input, items } => {
            let (input, items) = extend(*input, items, need);
            PlanKind::Extend {
                input: Box::new(input),
                items,
            }
        }
        PlanKind::Sample { input, count } => PlanKind::Sample {
            input: Box::new(rewrite(*input, need)),
            count,
        },
        PlanKind::Named { input, name } => PlanKind::Named {
            input: Box::new(rewrite(*input, need)),
            name,
        },
        PlanKind::Distinct { input, columns } => {
            // Every column kept decides which rows are distinct: read wholly.
            let mut inner = vec![None; input.schema.len()];
            for &c in &columns {
                add(&mut inner, c, &[], &JsonPaths::whole());
            }
            PlanKind::Distinct {
                input: Box::new(rewrite(*input, inner)),
                columns,
            }
        }
        PlanKind::MvExpand {
            input,
            items,
            bag,
            with_index,
            limit,
            width,
        } => {
            // The columns passed on are read as the output is; a target's old value
            // only by the items (and an appended target was not there).
            let mut inner = need;
            inner.resize(input.schema.len(), None);
            for item in &items {
                if let Some(n) = inner.get_mut(item.target) {
                    *n = None;
                }
            }
            for item in &items {
                reads(&item.expr, &mut inner);
            }
            PlanKind::MvExpand {
                input: Box::new(rewrite(*input, inner)),
                items,
                bag,
                with_index,
                limit,
                width,
            }
        }
        PlanKind::Cached { input, id } => {
            let inner = whole_of(&input);
            PlanKind::Cached {
                input: Box::new(rewrite(*input, inner)),
                id,
            }
        }
        kind => {
            return Plan { schema, kind }.map_inputs(&mut |p| {
                let inner = whole_of(&p);
                rewrite(p, inner)
            })
        }
    };
    Plan { schema, kind }
}

/// An `extend`'s items (each evaluated on the row as extended so far), walked from
/// the last: an item's column is read by the items after it and the operators above;
/// the rest of the row is read by those, and by the item's own expression.
fn extend(
    input: Plan,
    mut items: Vec<(Option<usize>, BExpr)>,
    mut need: Vec<Need>,
) -> (Plan, Vec<(Option<usize>, BExpr)>) {
    let width = input.schema.len();
    // The column each item writes.
    let mut cols = Vec::with_capacity(items.len());
    let mut next = width;
    for (slot, _) in &items {
        cols.push(slot.unwrap_or_else(|| {
            next += 1;
            next - 1
        }));
    }
    need.resize(next.max(need.len()), None);
    for ((slot, e), &col) in items.iter_mut().zip(&cols).rev() {
        let out = need[col].take();
        if out.is_none() {
            *e = BExpr::Const(Value::Null);
        }
        if let Some(paths) = out.as_ref().filter(|p| !p.whole) {
            if let BExpr::Call(imp, args) = e {
                if imp.dynamic_role() == Some(DynamicRole::ParseJson) && args.len() == 1 {
                    *e = BExpr::Call(
                        crate::functions::parse_json_reading(paths.clone()),
                        std::mem::take(args),
                    );
                }
            }
        }
        if slot.is_none() {
            // Appended: the row before this item had no such column.
            debug_assert_eq!(col + 1, need.len());
            need.pop();
        }
        reads(e, &mut need);
    }
    need.truncate(width);
    (rewrite(input, need), items)
}

/// Adds to `need` what `e` reads of each column.
fn reads(e: &BExpr, need: &mut [Need]) {
    if let Some((col, keys)) = path(e) {
        add(need, col, &keys, &JsonPaths::whole());
        return;
    }
    for c in e.children() {
        reads(c, need);
    }
}

fn add(need: &mut [Need], col: usize, keys: &[Str], under: &JsonPaths) {
    if let Some(n) = need.get_mut(col) {
        n.get_or_insert_with(JsonPaths::default)
            .add_under(keys, under);
    }
}

/// `e` as a column and the constant keys read from it (`Column(i)` itself has none).
fn path(e: &BExpr) -> Option<(usize, Vec<Str>)> {
    match e {
        BExpr::Column(i) => Some((*i, Vec::new())),
        BExpr::Call(imp, args) if args.len() == 2 => {
            let key = match (imp.dynamic_role()?, &args[1]) {
                (DynamicRole::Member | DynamicRole::Index, BExpr::Const(Value::String(k))) => {
                    k.clone()
                }
                _ => return None,
            };
            let (col, mut keys) = path(&args[0])?;
            keys.push(key);
            Some((col, keys))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::functions::DynamicRole;
    use crate::plan::{BExpr, Plan, PlanKind};
    use crate::table::Catalog;

    /// The roles of the calls of every extend item of the plan, outermost first:
    /// `Some(ParseJson)` for a full parse, `None` for the rewritten one (or others).
    fn parses(p: &Plan, out: &mut Vec<bool>) {
        if let PlanKind::Extend { items, .. } = &p.kind {
            for (_, e) in items {
                if let BExpr::Call(imp, args) = e {
                    if args.len() == 1 && matches!(args[0], BExpr::Column(_)) {
                        out.push(imp.dynamic_role() == Some(DynamicRole::ParseJson));
                    }
                }
            }
        }
        p.inputs().into_iter().for_each(|i| parses(i, out));
    }

    /// The first statement's plan of `q` as it runs (optimized).
    fn plan_of(q: &str) -> Plan {
        let catalog = Catalog::new();
        let query = crate::syntax::parse(q).unwrap();
        let mut plans = crate::session::Session::new(&catalog, 0)
            .plans(&query)
            .unwrap();
        plans.swap_remove(0)
    }

    fn full_parses(q: &str) -> Vec<bool> {
        let mut out = Vec::new();
        parses(&plan_of(q), &mut out);
        out
    }

    #[test]
    fn only_a_value_read_by_paths_alone_is_parsed_in_part() {
        let t = "datatable(s:string, k:long)['{}', 1] | extend p = parse_json(s) ";
        let cases: &[(&str, bool)] = &[
            (
                "| summarize sum(tolong(p.score)) by tostring(p.geo.country)",
                false,
            ),
            ("| where p.a == 1 | project x = p['a b'], y = p.c[0]", false),
            ("| project q = p | project q.a", false),
            ("| extend q = p.a | project q, p.b", false),
            ("| sort by tostring(p.a) | take 3 | project p.b", false),
            // The value itself is read: the output, a function of it, a key.
            ("", true),
            ("| project p", true),
            ("| project tostring(p)", true),
            ("| project p[k]", true),
            ("| summarize take_any(p)", true),
            ("| extend q = p | project q.a", true),
            ("| mv-expand p | project p.a", true),
            ("| project q = p | project q", true),
        ];
        for (rest, full) in cases {
            let got = full_parses(&format!("{t}{rest}"));
            assert_eq!(got, vec![*full], "{rest}");
        }
    }

    /// For each `extend` item and `project` expression of the plan, outermost first,
    /// whether it is still computed (not made a null constant).
    fn computed(p: &Plan, out: &mut Vec<bool>) {
        let exprs: Vec<&BExpr> = match &p.kind {
            PlanKind::Extend { items, .. } => items.iter().map(|(_, e)| e).collect(),
            PlanKind::Project { exprs, .. } => exprs.iter().collect(),
            _ => Vec::new(),
        };
        out.extend(
            exprs
                .iter()
                .map(|e| !matches!(e, BExpr::Const(v) if v.is_null())),
        );
        p.inputs().into_iter().for_each(|i| computed(i, out));
    }

    #[test]
    fn a_column_nothing_reads_is_not_computed() {
        let t = "datatable(s:string, k:long)['{}', 1] ";
        let cases: &[(&str, &[bool])] = &[
            ("| extend a = strlen(s), b = k + 1", &[true, true]),
            ("| extend a = strlen(s), b = k + 1 | count", &[false, false]),
            (
                "| extend a = strlen(s), b = k + 1 | project b",
                &[true, false, true],
            ),
            // An item read by a later item of the same extend is computed.
            (
                "| extend a = strlen(s), b = a + 1 | project b",
                &[true, true, true],
            ),
            ("| extend a = strlen(s) | where a > 1 | count", &[true]),
            ("| extend a = rand() | summarize count() by k", &[false]),
            ("| extend a = rand() | summarize max(a) by k", &[true]),
            // Replaced in place: the new value is unread, the old one read by it.
            ("| extend k = k + 1 | summarize count() by s", &[false]),
            (
                "| project a = strlen(s), k | project k",
                &[true, false, true],
            ),
            (
                "| extend a = strlen(s) | sort by a | project k",
                &[true, true],
            ),
            (
                "| extend a = strlen(s) | take 1 | project k",
                &[true, false],
            ),
            ("| extend a = strlen(s) | distinct k, s, a | count", &[true]),
            ("| extend a = strlen(s) | distinct k | count", &[false]),
            ("| extend a = strlen(s) | sample 1 | project k", &[true, false]),
            ("| extend a = strlen(s) | as T | project k", &[true, false]),
            // A join's output: the left side's columns, then the right side's.
            (
                "| extend a = strlen(s) | join (datatable(k:long)[1] | extend b = k * 2) on k | project b",
                &[true, false, true],
            ),
            (
                "| extend a = strlen(s) | join (datatable(k:long)[1] | extend b = k * 2) on k | project a",
                &[true, true, false],
            ),
            (
                "| extend a = strlen(s) | join kind=leftsemi (datatable(k:long)[1] | extend b = k * 2) on k | project a",
                &[true, true, false],
            ),
            (
                "| extend a = strlen(s) | lookup (datatable(k:long)[1] | extend b = k * 2) on k | project k",
                &[true, false, false],
            ),
            // A key is read by the join, whatever reads the output.
            (
                "| extend j = k + 1 | join (datatable(j:long)[2] | extend b = j * 2) on j | count",
                &[true, false],
            ),
            (
                "| extend a = strlen(s) | union (datatable(k:long)[2] | extend a = k * 2) | project k",
                &[true, false, false],
            ),
            (
                "| extend a = strlen(s) | union (datatable(k:long)[2] | extend a = k * 2) | project a",
                &[true, true, true],
            ),
            (
                "| extend a = strlen(s), t = pack_array(1, 2) | mv-expand t | project k, t",
                &[true, true, false, true],
            ),
            // The first column of `withsource` is the inputs' names.
            (
                "| extend a = strlen(s) | union withsource=T (datatable(k:long)[2] | extend c = k + 1) | project T, c",
                &[true, true, false, true],
            ),
            // Past an operator not understood here, every column is read.
            ("| extend a = strlen(s) | parse s with '{' rest | count", &[true]),
        ];
        for (rest, want) in cases {
            let mut got = Vec::new();
            computed(&plan_of(&format!("{t}{rest}")), &mut got);
            assert_eq!(got, want.to_vec(), "{rest}");
        }
    }

    /// The rows of `Q | project cols` equal `Q`'s whole rows (where nothing is pruned:
    /// the output reads every column) cut to `cols`.
    #[test]
    fn pruning_leaves_the_columns_read_as_they_were() {
        let a = "datatable(a:long, s:string)[1, 'x', 2, 'yy'] | extend b = a * 10, n = strlen(s)";
        let b =
            "datatable(a:long, t:string)[2, 'q', 3, 'r'] | extend c = a + 1, d = pack_array(a, a)";
        let cases = [
            format!("union withsource=T ({a}), ({b})|T,a,c"),
            format!("union ({b}), ({a})|c,n"),
            format!("({a}) | join kind=fullouter ({b}) on a|a,a1,c,n"),
            format!("({a}) | join kind=leftanti ({b}) on a|s,n"),
            format!("({a}) | join kind=rightsemi ({b}) on a|t,c"),
            format!("({a}) | lookup ({b}) on a|s,c"),
            format!("({b}) | mv-expand d|c,d"),
            format!("({a}) | distinct a, n|n"),
            format!("({a}) | extend p = parse_json(strcat('{{\"k\":', a, '}}'))|p"),
        ];
        let catalog = Catalog::new();
        let session = crate::session::Session::new(&catalog, 0);
        for case in &cases {
            let (q, cols) = case.rsplit_once('|').unwrap();
            let whole = &session.run(q).unwrap()[0];
            let at: Vec<usize> = cols
                .split(',')
                .map(|c| whole.column_index(c).unwrap())
                .collect();
            let want: Vec<Vec<String>> = whole
                .rows
                .iter()
                .map(|r| at.iter().map(|&i| format!("{:?}", r[i])).collect())
                .collect();
            let pruned = &session.run(&format!("{q} | project {cols}")).unwrap()[0];
            let got: Vec<Vec<String>> = pruned
                .rows
                .iter()
                .map(|r| r.iter().map(|v| format!("{v:?}")).collect())
                .collect();
            assert_eq!(got, want, "{q} | project {cols}");
        }
    }
}
