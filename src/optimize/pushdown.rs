//! Moving a `where` down the plan.
//!
//! Into each input of the `union` it follows (see [`union_preds`]).
//!
//! Below the `summarize` (or `distinct`) it follows, when it reads only group keys:
//! `T | summarize count() by k | where k in (S)` aggregates only the rows of the kept
//! groups instead of all of them, and over a file the moved filter runs in the scan's
//! pipeline (see `exec::pipeline`), so the other rows are never aggregated.
//!
//! The move is exact when the predicate is a function of the group's key values alone:
//! a group's rows all have its key values, so the predicate keeps or drops whole
//! groups; a kept group keeps all its rows (same aggregates, same `take_any`, same
//! first row, hence the same place in the order of first appearance), and a dropped one
//! would have been dropped after. Hence the conditions:
//!
//! - the predicate (or each `and`ed part of it that moves) reads only key columns;
//! - nothing involved is pinned to its rows ([`BExpr::pinned`]: `rand()`, `new_guid()`,
//!   window functions such as `row_number()`) anywhere on the way, in the keys, or in
//!   the aggregates' arguments: those see which rows are there, or how many came
//!   before;
//! - a key's values are equal in the grouping only when no function can tell them apart.
//!   That holds for strings, integers, booleans, datetimes, timespans and guids; not
//!   for reals (0.0 and -0.0 are one group, `1 / x` differs) nor dynamic values.
//!
//! A key computed from the row (`by h = bin(t, 1h)`), or renamed or recomputed by a
//! `project` / `extend` between the `summarize` and the `where`, is substituted into the
//! predicate, which then reads the row exactly as the key did. A `summarize` without
//! keys has one group, always output: nothing moves.

use crate::plan::{BExpr, JoinKind, Plan, PlanKind};
use crate::types::Type;

/// `input | where pred`. After an `innerunique` join, a predicate over left columns
/// only is applied to the left side before its duplicate keys are removed, as Kusto's
/// optimizer does (the docs' join-innerunique example: `where value == "val1.2"` after
/// the join keeps the left row "val1.2" even though deduplication could have kept
/// "val1.1"); the docs say the optimizer pushes such filters "when possible", so the
/// move also crosses column selections (`project`, `project-rename`, ...) and `extend`s
/// that the predicate does not read. For the other join kinds the move changes
/// nothing, so plans are left alone.
///
/// Otherwise the parts of the predicate that read only group keys move below the
/// `summarize` or `distinct` that makes the groups .
pub(super) fn filter(input: Plan, pred: BExpr) -> Plan {
    if !pred.has_window() && reaches_innerunique_left(&input, &pred) {
        return push_down(input, pred);
    }
    if let Some(preds) = union_preds(&input, &pred) {
        return into_union(input, preds);
    }
    match below_groups(input, pred) {
        (input, Some(pred)) => filter_node(input, pred),
        (input, None) => input,
    }
}

/// `union A, B | where pred` as `union (A | where pred), (B | where pred)`, each
/// input's predicate reading that input's columns: a row of the union is a row of one
/// input with its columns mapped (a column the input lacks is a null of the column's
/// type, `withsource`'s column the input's name), so the predicate holds for the one
/// exactly when it holds for the other, and the union keeps its inputs' order and the
/// order of each input's rows. Why: the union holds its rows, and a detection's
/// `union SigninLogs, AADNonInteractiveUserSignInLogs | where ...` then holds only the
/// rows kept, each input's scan filtering as it reads. Not for a predicate pinned to
/// its rows (`rand()`, `row_number()`): their positions would change. The predicate
/// over each input's rows; `None` when nothing moves.
fn union_preds(input: &Plan, pred: &BExpr) -> Option<Vec<BExpr>> {
    let PlanKind::Union { inputs, .. } = &input.kind else {
        return None;
    };
    if pred.pinned() || pred.any(&|e| matches!(e, BExpr::Unavailable(_))) {
        return None;
    }
    (0..inputs.len())
        .map(|k| pred.map_columns(&|j| input.union_column(k, j)))
        .collect()
}

/// The union `input` with each input filtered by its predicate of [`union_preds`].
fn into_union(input: Plan, preds: Vec<BExpr>) -> Plan {
    let Plan { schema, kind } = input;
    match kind {
        PlanKind::Union {
            inputs,
            maps,
            source_names,
        } => Plan {
            schema,
            kind: PlanKind::Union {
                inputs: inputs
                    .into_iter()
                    .zip(preds)
                    .map(|(p, q)| filter(p, q))
                    .collect(),
                maps,
                source_names,
            },
        },
        kind => Plan { schema, kind },
    }
}

/// Whether `pred` over `plan`'s rows can move down to the left side of an innerunique
/// join without changing what it reads.
fn reaches_innerunique_left(plan: &Plan, pred: &BExpr) -> bool {
    match &plan.kind {
        PlanKind::Join {
            left,
            kind: JoinKind::InnerUnique,
            ..
        } => columns_below(pred, left.schema.len()),
        PlanKind::Project { input, exprs } => {
            !exprs.iter().any(BExpr::has_window)
                && remap_columns(pred, exprs).is_some_and(|p| reaches_innerunique_left(input, &p))
        }
        PlanKind::Extend { input, items } => {
            let replaced = |i: usize| items.iter().any(|(t, _)| *t == Some(i));
            !items.iter().any(|(_, e)| e.has_window())
                && columns_below(pred, input.schema.len())
                && !pred.columns().into_iter().any(replaced)
                && reaches_innerunique_left(input, pred)
        }
        _ => false,
    }
}

/// Moves `pred` down as [`reaches_innerunique_left`] found possible.
fn push_down(plan: Plan, pred: BExpr) -> Plan {
    let Plan { schema, kind } = plan;
    let kind = match kind {
        PlanKind::Join {
            left,
            right,
            kind,
            left_keys,
            right_keys,
            right_drop,
        } => PlanKind::Join {
            left: Box::new(filter(*left, pred)),
            right,
            kind,
            left_keys,
            right_keys,
            right_drop,
        },
        PlanKind::Project { input, exprs } => match remap_columns(&pred, &exprs) {
            Some(p) => PlanKind::Project {
                input: Box::new(push_down(*input, p)),
                exprs,
            },
            None => {
                return filter_node(
                    Plan {
                        schema,
                        kind: PlanKind::Project { input, exprs },
                    },
                    pred,
                )
            }
        },
        PlanKind::Extend { input, items } => PlanKind::Extend {
            input: Box::new(push_down(*input, pred)),
            items,
        },
        other => {
            return filter_node(
                Plan {
                    schema,
                    kind: other,
                },
                pred,
            );
        }
    };
    Plan { schema, kind }
}

fn filter_node(input: Plan, pred: BExpr) -> Plan {
    Plan {
        schema: input.schema.clone(),
        kind: PlanKind::Filter {
            input: Box::new(input),
            pred,
        },
    }
}

/// `e` over a projection's output, rewritten over its input: None unless every column
/// it reads is a plain column of the input.
fn remap_columns(e: &BExpr, exprs: &[BExpr]) -> Option<BExpr> {
    e.map_columns(&|i| match exprs.get(i)? {
        BExpr::Column(j) => Some(BExpr::Column(*j)),
        _ => None,
    })
}

/// Whether `e` reads only columns below `width`.
fn columns_below(e: &BExpr, width: usize) -> bool {
    e.columns().into_iter().all(|i| i < width)
}

/// `input | where pred`, with the parts of `pred` that can move below a grouping in
/// `input` moved there; what stays (if anything) is returned to be applied on top.
fn below_groups(input: Plan, pred: BExpr) -> (Plan, Option<BExpr>) {
    if pred.pinned() || !grouping_reachable(&input) {
        return (input, Some(pred));
    }
    let mut parts = Vec::new();
    conjuncts(pred.clone(), &mut parts);
    let mut plan = input;
    let mut stay = Vec::new();
    for part in parts {
        match sink(plan, part) {
            Moved(p) => plan = p,
            Stayed(p, part) => {
                plan = p;
                stay.push(part);
            }
        }
    }
    let rest = if stay.is_empty() {
        None
    } else if stay.len() == conjuncts_len(&pred) {
        // Nothing moved: keep the predicate as written.
        Some(pred)
    } else {
        stay.into_iter()
            .reduce(|a, b| BExpr::And(Box::new(a), Box::new(b)))
    };
    (plan, rest)
}

/// A row passes `a and b` exactly when it passes `a` and passes `b` (a null is not a
/// pass), so the parts can be applied one after the other, in any order.
fn conjuncts(e: BExpr, out: &mut Vec<BExpr>) {
    match e {
        BExpr::And(a, b) => {
            conjuncts(*a, out);
            conjuncts(*b, out);
        }
        other => out.push(other),
    }
}

fn conjuncts_len(e: &BExpr) -> usize {
    match e {
        BExpr::And(a, b) => conjuncts_len(a) + conjuncts_len(b),
        _ => 1,
    }
}

/// What [`sink`] did with a predicate.
enum Sunk {
    /// The plan with the predicate applied below a grouping.
    Moved(Plan),
    /// No grouping it could reach: the plan and the predicate, unchanged.
    Stayed(Plan, BExpr),
}
use Sunk::{Moved, Stayed};

/// Applies `pred` (over `plan`'s rows) below a grouping inside `plan`, giving both
/// back when there is none it can reach.
fn sink(plan: Plan, pred: BExpr) -> Sunk {
    let Plan { schema, kind } = plan;
    let back = |kind, pred| {
        Stayed(
            Plan {
                schema: schema.clone(),
                kind,
            },
            pred,
        )
    };
    let kind = match kind {
        PlanKind::Summarize { input, keys, aggs } => {
            let movable = !keys.is_empty()
                && !keys.iter().any(BExpr::pinned)
                && !aggs.iter().any(|a| a.args.iter().any(BExpr::pinned))
                && reads_only(&pred, |i| i < keys.len() && exact_equality(schema[i].ty));
            match movable.then(|| substitute(&pred, &keys)).flatten() {
                Some(p) => PlanKind::Summarize {
                    input: Box::new(place(*input, p)),
                    keys,
                    aggs,
                },
                None => return back(PlanKind::Summarize { input, keys, aggs }, pred),
            }
        }
        PlanKind::Distinct { input, columns } => {
            let map: Vec<BExpr> = columns.iter().map(|&i| BExpr::Column(i)).collect();
            let movable = reads_only(&pred, |i| i < map.len() && exact_equality(schema[i].ty));
            match movable.then(|| substitute(&pred, &map)).flatten() {
                Some(p) => PlanKind::Distinct {
                    input: Box::new(place(*input, p)),
                    columns,
                },
                None => return back(PlanKind::Distinct { input, columns }, pred),
            }
        }
        PlanKind::Project { input, exprs } => {
            let inner = (!exprs.iter().any(BExpr::pinned))
                .then(|| substitute(&pred, &exprs))
                .flatten();
            let Some(inner) = inner else {
                return back(PlanKind::Project { input, exprs }, pred);
            };
            match through(*input, inner, |input| PlanKind::Project { input, exprs }) {
                (kind, None) => kind,
                (kind, Some(_)) => return back(kind, pred),
            }
        }
        PlanKind::Extend { input, items } => {
            let inner = (!items.iter().any(|(_, e)| e.pinned()))
                .then(|| over_extend_input(&pred, input.schema.len(), &items))
                .flatten();
            let Some(inner) = inner else {
                return back(PlanKind::Extend { input, items }, pred);
            };
            match through(*input, inner, |input| PlanKind::Extend { input, items }) {
                (kind, None) => kind,
                (kind, Some(_)) => return back(kind, pred),
            }
        }
        // Two filters commute unless the other one depends on which rows it sees.
        PlanKind::Filter { input, pred: other } if !other.pinned() => {
            match through(*input, pred, |input| PlanKind::Filter {
                input,
                pred: other,
            }) {
                (kind, None) => kind,
                (kind, Some(pred)) => return back(kind, pred),
            }
        }
        other => return back(other, pred),
    };
    Moved(Plan { schema, kind })
}

/// Whether [`sink`] could find a grouping below `plan`: one under the operators it
/// passes through. Asked first, so that a long pipeline of filters with no grouping
/// under them costs one walk down per filter, not a rebuilt copy of the pipeline.
fn grouping_reachable(plan: &Plan) -> bool {
    // The operators first (cheap), the predicates on the way only when there is a
    // grouping at the end.
    fn passes(kind: &PlanKind) -> Option<&Plan> {
        match kind {
            PlanKind::Project { input, .. }
            | PlanKind::Extend { input, .. }
            | PlanKind::Filter { input, .. } => Some(&**input),
            _ => None,
        }
    }
    let mut at = plan;
    while let Some(input) = passes(&at.kind) {
        at = input;
    }
    let found = match &at.kind {
        PlanKind::Summarize { keys, .. } => !keys.is_empty(),
        PlanKind::Distinct { .. } => true,
        _ => false,
    };
    if !found {
        return false;
    }
    let mut at = plan;
    while let Some(input) = passes(&at.kind) {
        if matches!(&at.kind, PlanKind::Filter { pred, .. } if pred.pinned()) {
            return false;
        }
        at = input;
    }
    true
}

/// Sinks `pred` (over `input`'s rows) below a grouping in `input`; `rebuild` puts the
/// node it passed through back over the new input. The predicate comes back when it
/// found no grouping.
fn through(
    input: Plan,
    pred: BExpr,
    rebuild: impl FnOnce(Box<Plan>) -> PlanKind,
) -> (PlanKind, Option<BExpr>) {
    match sink(input, pred) {
        Moved(p) => (rebuild(Box::new(p)), None),
        Stayed(p, pred) => (rebuild(Box::new(p)), Some(pred)),
    }
}

/// `pred` applied to `plan`: below a deeper grouping if one is reachable, else on top.
fn place(plan: Plan, pred: BExpr) -> Plan {
    let sunk = if grouping_reachable(&plan) {
        sink(plan, pred)
    } else {
        Stayed(plan, pred)
    };
    match sunk {
        Moved(p) => p,
        Stayed(input, pred) => Plan {
            schema: input.schema.clone(),
            kind: PlanKind::Filter {
                input: Box::new(input),
                pred,
            },
        },
    }
}

/// Grouping compares values with `==`; the types whose equal values no function can
/// tell apart.
fn exact_equality(ty: Type) -> bool {
    matches!(
        ty,
        Type::String
            | Type::Int
            | Type::Long
            | Type::Bool
            | Type::DateTime
            | Type::TimeSpan
            | Type::Guid
    )
}

/// Whether every column `e` reads satisfies `ok` (and it holds no value only a run could
/// give).
fn reads_only(e: &BExpr, ok: impl Fn(usize) -> bool) -> bool {
    !e.any(&|x| matches!(x, BExpr::Unavailable(_))) && e.columns().into_iter().all(ok)
}

/// `e` with each column `i` replaced by `map[i]`: the same value, one operator lower.
/// None when a column is out of `map`, a replacement is pinned to its row, or `e` holds
/// a window call or a value only a run could give.
fn substitute(e: &BExpr, map: &[BExpr]) -> Option<BExpr> {
    if e.any(&|x| matches!(x, BExpr::Window(..) | BExpr::Unavailable(_))) {
        return None;
    }
    e.map_columns(&|i| map.get(i).filter(|m| !m.pinned()).cloned())
}

/// `pred` over an `extend`'s output rewritten over its input: each item is evaluated
/// on the row as extended so far, so its own columns are substituted first.
fn over_extend_input(
    pred: &BExpr,
    width: usize,
    items: &[(Option<usize>, BExpr)],
) -> Option<BExpr> {
    let mut cols: Vec<BExpr> = (0..width).map(BExpr::Column).collect();
    for (target, e) in items {
        let value = substitute(e, &cols)?;
        match target {
            Some(i) => *cols.get_mut(*i)? = value,
            None => cols.push(value),
        }
    }
    substitute(pred, &cols)
}

#[cfg(test)]
mod tests {
    use crate::plan::Plan;
    use crate::table::Catalog;

    /// The plan's operators, outermost first: `Summarize(Filter(Values))`.
    fn shape(p: &Plan) -> String {
        let inputs = p.inputs();
        let name = format!("{:?}", p.kind);
        if inputs.is_empty() {
            return name;
        }
        let inner: Vec<String> = inputs.into_iter().map(shape).collect();
        format!("{name}({})", inner.join(", "))
    }

    fn plan_of(q: &str) -> String {
        let catalog = Catalog::new();
        let query = crate::syntax::parse(q).unwrap();
        let plans = crate::session::Session::new(&catalog, 0)
            .plans(&query)
            .unwrap();
        shape(&plans[0])
    }

    const T: &str =
        "datatable(k:string, v:long, t:datetime, r:real)['a', 1, datetime(2024-01-01), 0.5]";

    #[test]
    fn where_on_group_keys_moves_below_the_grouping() {
        let cases: &[(&str, &str)] = &[
            // Keys only: the whole predicate moves.
            (
                "summarize c = count() by k | where k == 'a'",
                "Summarize(Filter(Values))",
            ),
            (
                "summarize c = count() by k, v | where k == 'a' or v > 2",
                "Summarize(Filter(Values))",
            ),
            (
                "summarize c = count() by k | where k in (datatable(u:string)['a'])",
                "Summarize(Filter(Values))",
            ),
            // A key computed from the row: substituted.
            (
                "summarize c = count() by h = bin(t, 1h) | where h > datetime(2020-01-01)",
                "Summarize(Filter(Values))",
            ),
            // Key conjuncts move, the others stay.
            (
                "summarize c = count() by k | where k == 'a' and c > 1",
                "Filter(Summarize(Filter(Values)))",
            ),
            (
                "summarize c = count() by k | where c > 1 and k == 'a'",
                "Filter(Summarize(Filter(Values)))",
            ),
            // Through a rename, an extend of the key, a filter, a computed aggregate.
            (
                "summarize c = count() by k | project-rename k2 = k | where k2 == 'a'",
                "Project(Summarize(Filter(Values)))",
            ),
            (
                "summarize c = count() by k | extend k2 = toupper(k) | where k2 == 'A'",
                "Extend(Summarize(Filter(Values)))",
            ),
            (
                "summarize c = count() by k | where c > 0 | where k == 'a'",
                "Filter(Summarize(Filter(Values)))",
            ),
            (
                "summarize c = count() * 2 by k | where k == 'a'",
                "Project(Summarize(Filter(Values)))",
            ),
            // Down two groupings, and below distinct.
            (
                "summarize c = count() by k, v | summarize n = count() by k | where k == 'a'",
                "Summarize(Summarize(Filter(Values)))",
            ),
            ("distinct k, v | where k == 'a'", "Distinct(Filter(Values))"),
            // Nothing moves: no keys; an aggregate; a real key; a random or window function;
            // an extend that replaced the key with an aggregate; behind a take.
            (
                "summarize c = count() | where c > 0",
                "Filter(Summarize(Values))",
            ),
            (
                "summarize c = count() by k | where c > 1",
                "Filter(Summarize(Values))",
            ),
            (
                "summarize c = count() by r | where r > 0.1",
                "Filter(Summarize(Values))",
            ),
            ("distinct r | where r > 0.1", "Filter(Distinct(Values))"),
            (
                "summarize c = count() by k | where k == 'a' and rand() < 2",
                "Filter(Summarize(Values))",
            ),
            (
                "summarize c = count() by k | where k == 'a' and row_number() > 0",
                "Filter(Summarize(Values))",
            ),
            (
                "summarize c = count() by k | serialize n = row_number() | where k == 'a'",
                "Filter(Extend(Summarize(Values)))",
            ),
            (
                "summarize c = count() by k | extend k = tostring(c) | where k == '1'",
                "Filter(Extend(Summarize(Values)))",
            ),
            (
                "summarize c = count() by k | take 5 | where k == 'a'",
                "Filter(Take(Summarize(Values)))",
            ),
            (
                "summarize c = count() by k = tolong(rand(3)) | where k > 1",
                "Filter(Summarize(Values))",
            ),
            (
                "summarize c = count() by k, x = tolong(rand(3)) | where k == 'a'",
                "Filter(Summarize(Values))",
            ),
            (
                "summarize c = count(), s = sum(rand()) by k | where k == 'a'",
                "Filter(Summarize(Values))",
            ),
            (
                "summarize c = count() by k | extend x = rand() | where k == 'a'",
                "Filter(Extend(Summarize(Values)))",
            ),
            (
                "summarize c = count() by k | project k, x = new_guid() | where k == 'a'",
                "Filter(Project(Summarize(Values)))",
            ),
        ];
        for (q, want) in cases {
            let q = format!("{T} | {q}");
            assert_eq!(plan_of(&q), *want, "{q}");
        }
    }
}
