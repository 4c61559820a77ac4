//! The optimizer: one pass over a bound plan, after binding and before running, that
//! rewrites it into a plan giving the same rows with less work. Every rewrite here is
//! exact (see each one's conditions); none depends on the data.
//!
//! - Filters move down (see [`pushdown`]): below a `summarize` or `distinct` when they
//!   read only group keys, and to the left side of an `innerunique` join (which is
//!   Kusto's semantics, not only an optimization: the left side is deduplicated after
//!   the move), and into each input of a `union`.
//! - `sort | take n` is `top n`: the sort keeps only its first `n` rows (as it sorts
//!   stably, the same rows as sorting all and taking `n`).
//! - A column an `extend` or `project` computes that nothing above reads is not
//!   computed, and `parse_json` whose value is read only through constant member paths
//!   builds only those paths (see [`needs`]).
//! - A `let` that a query's statements read at one place runs in that place, streamed,
//!   instead of being held (see [`lets`]); this needs all the statements at once.

mod lets;
mod needs;
mod pushdown;

use crate::plan::{Plan, PlanKind};

/// `plan` rewritten.
pub fn optimize(plan: Plan) -> Plan {
    needs::prune(bottom_up(plan))
}

/// The plans of a query's statements rewritten, each as [`optimize`] does, after the
/// lets not worth holding are put in the places that read them (see [`lets`]).
/// `ran(id)` says whether the let `id` has run already (a subquery binding needed read
/// it): its rows are held, and shared.
pub fn optimize_statements(plans: Vec<Plan>, ran: &dyn Fn(usize) -> bool) -> Vec<Plan> {
    with_lets_in_place(plans, ran, true)
}

/// A subquery's plan (one binding runs: `x in (T)`, `toscalar(T)`) rewritten as
/// [`optimize`] does, after the lets made again cheaply are put in place. The
/// statements run after it may read its other lets: those are held, to be shared.
pub fn optimize_subquery(plan: Plan) -> Plan {
    let mut plans = with_lets_in_place(vec![plan], &|_| false, false);
    plans.pop().expect("one plan in, one out")
}

/// `plans` optimized, their lets put in place where [`lets`] says so; `whole` when
/// `plans` are every place that reads the lets (else a let read once here may be
/// read again later).
fn with_lets_in_place(plans: Vec<Plan>, ran: &dyn Fn(usize) -> bool, whole: bool) -> Vec<Plan> {
    let uses = lets::uses(&plans);
    let in_place = |id, plan: &Plan| {
        !ran(id)
            && uses.get(&id).is_some_and(|u| {
                !u.repeated && ((whole && u.places == 1) || lets::streams_from_memory(plan))
            })
    };
    plans
        .into_iter()
        .map(|p| optimize(lets::inline(p, &in_place)))
        .collect()
}

/// The rewrites made bottom-up.
fn bottom_up(plan: Plan) -> Plan {
    let plan = plan.map_inputs(&mut bottom_up);
    match plan.kind {
        PlanKind::Filter { input, pred } => pushdown::filter(*input, pred),
        PlanKind::Take { input, count } => match *input {
            Plan {
                schema,
                kind:
                    PlanKind::Sort {
                        input,
                        keys,
                        limit: None,
                    },
            } => Plan {
                schema,
                kind: PlanKind::Sort {
                    input,
                    keys,
                    limit: Some(count),
                },
            },
            input => Plan {
                schema: plan.schema,
                kind: PlanKind::Take {
                    input: Box::new(input),
                    count,
                },
            },
        },
        kind => Plan {
            schema: plan.schema,
            kind,
        },
    }
}
