//! A `let` read once runs in its place. The binder makes every tabular `let` (and `as`)
//! a [`PlanKind::Cached`] node, whose rows the executor holds whole so that every use
//! shares them. A let that the query's statements read at one place only gains nothing
//! from being held: in its place it streams like the rest of the pipeline (filters and
//! paths pushed into it, nothing held). Kusto itself gives a `let` no rows of its own:
//! it is a name for an expression, run where it is used (`materialize` is how a
//! query asks for rows held; kql runs that while binding).
//!
//! So is a let read at several places whose rows come row by row from rows already in
//! memory (`range`, `datatable`, `print`, through `where`, `extend`, `project`,
//! `mv-expand`, `parse`, `take`): making them again at each place costs about what
//! holding them costs to build, and holds nothing (`let T = range x from 1 to 5000000
//! step 1 | extend ...` read by both sides of a join held 0.9 GB). As in Kusto, a
//! `rand()` in such a let then draws anew at each place.
//!
//! Any other let stays held when its rows are read by more than one place, by a place
//! that runs more than once (an `mv-apply`'s subquery runs per row), or already were (a
//! subquery that binding ran, such as `x in (T)`, read them before the statements run):
//! a table's file is not read twice, nor a `summarize` computed twice.

use crate::hash::FxHashMap;
use crate::plan::{Plan, PlanKind};

/// Where a let's rows are read.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub(super) struct Uses {
    /// At how many places (2 standing for more than one).
    pub places: u8,
    /// Whether one of them runs more than once per run of the query.
    pub repeated: bool,
}

/// Where each let's rows are read by `plans`.
pub(super) fn uses(plans: &[Plan]) -> FxHashMap<usize, Uses> {
    let mut uses = FxHashMap::default();
    for p in plans {
        count(p, false, &mut uses);
    }
    uses
}

/// Adds the reads of lets in `plan` to `uses`; `repeated` when `plan` runs more than
/// once per run of the query.
fn count(plan: &Plan, repeated: bool, uses: &mut FxHashMap<usize, Uses>) {
    match &plan.kind {
        PlanKind::Cached { input, id } => {
            let u = uses.entry(*id).or_default();
            let first = u.places == 0;
            u.places = (u.places + 1).min(2);
            u.repeated |= repeated;
            // Each place holds a copy of the let's plan; what it reads is read once
            // when the let runs once, and counted once here.
            if first {
                count(input, repeated, uses);
            }
        }
        PlanKind::MvApply { input, body, .. } | PlanKind::Partition { input, body, .. } => {
            count(input, repeated, uses);
            count(body, true, uses);
        }
        _ => plan
            .inputs()
            .into_iter()
            .for_each(|p| count(p, repeated, uses)),
    }
}

/// Whether `plan`'s rows come row by row from rows already in memory: made again at
/// each place that reads them, they cost about what holding them costs.
pub(super) fn streams_from_memory(plan: &Plan) -> bool {
    match &plan.kind {
        PlanKind::Range { .. } | PlanKind::Values(_) | PlanKind::Print(_) => true,
        PlanKind::Filter { input, .. }
        | PlanKind::Extend { input, .. }
        | PlanKind::Project { input, .. }
        | PlanKind::MvExpand { input, .. }
        | PlanKind::Parse { input, .. }
        | PlanKind::Take { input, .. }
        | PlanKind::Named { input, .. } => streams_from_memory(input),
        _ => false,
    }
}

/// `plan` with each let that `inline` chooses (by its id and plan) replaced by its
/// own plan.
pub(super) fn inline(plan: Plan, inline: &dyn Fn(usize, &Plan) -> bool) -> Plan {
    let plan = plan.map_inputs(&mut |p| self::inline(p, inline));
    match plan.kind {
        PlanKind::Cached { input, id } if inline(id, &input) => *input,
        kind => Plan {
            schema: plan.schema,
            kind,
        },
    }
}
