//! The optimizer: one pass over a bound plan, after binding and before running, that
//! rewrites it into a plan giving the same rows with less work. Every rewrite here is
//! exact (see each one's conditions); none depends on the data.
//!
//! - Filters move down (see [`pushdown`]): below a `summarize` or `distinct` when they
//!   read only group keys, and to the left side of an `innerunique` join (which is
//!   Kusto's semantics, not only an optimization: the left side is deduplicated after
//!   the move).
//! - `sort | take n` is `top n`: the sort keeps only its first `n` rows (as it sorts
//!   stably, the same rows as sorting all and taking `n`).
//! - `parse_json` whose value is read only through constant member paths builds only
//!   those paths (see [`json_paths`]).

mod json_paths;
mod pushdown;

use crate::plan::{Plan, PlanKind};

/// `plan` rewritten.
pub fn optimize(plan: Plan) -> Plan {
    json_paths::prune(bottom_up(plan))
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
