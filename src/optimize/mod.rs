//! The optimizer: one pass over a bound plan, after binding and before running, that
//! rewrites it into a plan giving the same rows with less work. Every rewrite here is
//! exact (see each one's conditions); none depends on the data.
//!
//! - Filters move down (see [`pushdown`]): below a `summarize` or `distinct` when they
//!   read only group keys, and to the left side of an `innerunique` join (which is
//!   Kusto's semantics, not only an optimization: the left side is deduplicated after
//!   the move).

mod pushdown;

use crate::plan::{Plan, PlanKind};

/// `plan` rewritten, bottom-up.
pub fn optimize(plan: Plan) -> Plan {
    let plan = plan.map_inputs(&mut optimize);
    match plan.kind {
        PlanKind::Filter { input, pred } => pushdown::filter(*input, pred),
        kind => Plan {
            schema: plan.schema,
            kind,
        },
    }
}
