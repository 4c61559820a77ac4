//! The typed logical plan the binder produces and the executor runs: every name is
//! resolved to a column index, every scalar operator and function to a bound
//! implementation from [`crate::functions`], and every node knows its output schema.

use crate::error::Span;
use crate::functions::{AggregateImpl, ScalarImpl};
use crate::table::{Column, Table};
use crate::types::Type;
use crate::value::Value;
use std::fmt;
use std::sync::Arc;

/// A bound scalar expression over the columns of one row.
#[derive(Clone)]
pub enum BExpr {
    Const(Value),
    Column(usize),
    Call(Arc<dyn ScalarImpl>, Vec<BExpr>),
    /// Lazy `and` / `or` with Kusto's three-valued logic (`false and null` is false).
    And(Box<BExpr>, Box<BExpr>),
    Or(Box<BExpr>, Box<BExpr>),
    /// `case`, `iff`/`iif`, `coalesce`: arguments evaluated in order, only as far as
    /// the choice needs, and only the chosen value (the others may be costly).
    Select(Select, Vec<BExpr>),
    /// `prev(x, n, default)`, `next(...)`, `row_number(start)`: read other rows of the
    /// operator's input (in its order).
    Window(WindowKind, Vec<BExpr>),
    /// A value that can only be known by running a subquery, in a plan bound for
    /// checking only (no data): evaluating it is a bug, reported as a runtime error.
    Unavailable(Span),
}

impl fmt::Debug for BExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BExpr::Const(v) => write!(f, "Const({v:?})"),
            BExpr::Column(i) => write!(f, "Column({i})"),
            BExpr::Call(_, args) => write!(f, "Call({args:?})"),
            BExpr::And(a, b) => write!(f, "And({a:?}, {b:?})"),
            BExpr::Or(a, b) => write!(f, "Or({a:?}, {b:?})"),
            BExpr::Window(k, args) => write!(f, "Window({k:?}, {args:?})"),
            BExpr::Select(s, args) => write!(f, "Select({:?}, {args:?})", s.kind),
            BExpr::Unavailable(_) => write!(f, "Unavailable"),
        }
    }
}

/// How a [`BExpr::Select`] chooses among its arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SelectKind {
    /// `case(p1, v1, p2, v2, ..., else)` (and `iff(p, then, else)`): the value after the
    /// first predicate that is true (a null predicate counts as false), else the last.
    Case,
    /// `coalesce(a, b, ...)`: the first value that is not empty, else a null.
    Coalesce,
}

/// A [`BExpr::Select`]: the choice, and the result type the chosen value is converted
/// to when the values' types differ (`iff(p, 1, 2.5)` is real).
#[derive(Clone, Copy, Debug)]
pub struct Select {
    pub kind: SelectKind,
    pub ty: Type,
    pub cast: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WindowKind {
    Prev,
    Next,
    RowNumber,
    /// `row_number(start, restart)`: counts from `start`, again wherever `restart` holds.
    RowNumberRestart,
    /// `row_cumsum(term[, restart])`.
    RowCumSum,
    /// `row_rank_min(term[, restart])`: the first row number of the run of equal terms.
    RowRankMin,
    /// `row_rank_dense(term[, restart])`: 1, plus one at every change of the term.
    RowRankDense,
    /// `row_window_session(t, max_from_first, max_between[, restart])`: the start of
    /// the session the row belongs to.
    RowWindowSession,
}

impl BExpr {
    /// The expressions this one is made of, in order.
    pub fn children(&self) -> Vec<&BExpr> {
        match self {
            BExpr::Call(_, args) | BExpr::Window(_, args) | BExpr::Select(_, args) => {
                args.iter().collect()
            }
            BExpr::And(a, b) | BExpr::Or(a, b) => vec![a, b],
            BExpr::Const(_) | BExpr::Column(_) | BExpr::Unavailable(_) => Vec::new(),
        }
    }

    /// Whether `p` holds for this expression or any inside it.
    pub fn any(&self, p: &dyn Fn(&BExpr) -> bool) -> bool {
        p(self) || self.children().into_iter().any(|c| c.any(p))
    }

    /// Calls `f` with every column this expression reads (repeats included).
    pub fn visit_columns(&self, f: &mut dyn FnMut(usize)) {
        match self {
            BExpr::Column(i) => f(*i),
            _ => self.children().into_iter().for_each(|c| c.visit_columns(f)),
        }
    }

    /// The columns this expression reads, each once, in order of first use.
    pub fn columns(&self) -> Vec<usize> {
        let mut out = Vec::new();
        self.visit_columns(&mut |i| {
            if !out.contains(&i) {
                out.push(i)
            }
        });
        out
    }

    /// This expression with every column reference `i` replaced by `f(i)`; `None` when
    /// `f` gives none for one of them.
    pub fn map_columns(&self, f: &dyn Fn(usize) -> Option<BExpr>) -> Option<BExpr> {
        let all = |args: &[BExpr]| -> Option<Vec<BExpr>> {
            args.iter().map(|a| a.map_columns(f)).collect()
        };
        Some(match self {
            BExpr::Column(i) => f(*i)?,
            BExpr::Call(imp, args) => BExpr::Call(imp.clone(), all(args)?),
            BExpr::Window(k, args) => BExpr::Window(*k, all(args)?),
            BExpr::Select(s, args) => BExpr::Select(*s, all(args)?),
            BExpr::And(a, b) => {
                BExpr::And(Box::new(a.map_columns(f)?), Box::new(b.map_columns(f)?))
            }
            BExpr::Or(a, b) => BExpr::Or(Box::new(a.map_columns(f)?), Box::new(b.map_columns(f)?)),
            BExpr::Const(_) | BExpr::Unavailable(_) => self.clone(),
        })
    }

    /// Whether evaluating this needs the other rows (a window function inside).
    pub fn has_window(&self) -> bool {
        self.any(&|e| matches!(e, BExpr::Window(..)))
    }

    /// Whether moving this to other rows, or evaluating it a different number of
    /// times, could change a result: a window function, a random function, or a value
    /// only a run could give.
    pub fn pinned(&self) -> bool {
        self.any(&|e| match e {
            BExpr::Window(..) | BExpr::Unavailable(_) => true,
            BExpr::Call(f, _) => f.volatile(),
            _ => false,
        })
    }
}

/// One aggregate of a `summarize`.
#[derive(Clone)]
pub struct BAgg {
    pub imp: Arc<dyn AggregateImpl>,
    pub args: Vec<BExpr>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JoinKind {
    InnerUnique,
    Inner,
    LeftOuter,
    RightOuter,
    FullOuter,
    LeftSemi,
    LeftAnti,
    RightSemi,
    RightAnti,
}

#[derive(Clone, Debug)]
pub struct SortSpec {
    pub expr: BExpr,
    pub desc: bool,
    pub nulls_first: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BagExpansion {
    Bag,
    Array,
}

#[derive(Clone)]
pub struct MvItem {
    pub expr: BExpr,
    /// The column the element goes to: replaced in place or appended.
    pub target: usize,
    /// `to typeof(T)`: the registry's conversion to T, applied to each element.
    pub cast: Option<Arc<dyn ScalarImpl>>,
}

/// How one `parse` pattern is matched.
#[derive(Clone)]
pub struct ParseSpec {
    pub regex: Arc<regex::Regex>,
    /// For each capture group (in order): the output column, its type, and the
    /// conversion from the captured text (none for strings).
    pub targets: Vec<ParseTarget>,
    /// `kind=relaxed`: a capture that does not convert to its type is null, and the
    /// other captures keep their values (elsewhere it fails the whole match).
    pub relaxed: bool,
}

/// Output column, its type, and the conversion from the captured text.
pub type ParseTarget = (usize, Type, Option<Arc<dyn ScalarImpl>>);

/// An operator with its own module under `exec/` (top-nested, parse-kv, ...): it reads
/// its whole input and returns its output rows (in the plan's schema).
pub trait RowsOp: Send + Sync {
    fn run(
        &self,
        rows: &[&crate::table::Row],
        ctx: &crate::functions::EvalCtx,
    ) -> crate::error::Result<Vec<crate::table::Row>>;
}

#[derive(Clone, Debug)]
pub struct Plan {
    pub kind: PlanKind,
    pub schema: Vec<Column>,
}

#[derive(Clone)]
pub enum PlanKind {
    /// A table of the catalog, by name: the executor finds its source there.
    Scan {
        name: String,
    },
    /// Rows known at bind time (datatable, a materialized result).
    Values(Arc<Table>),
    /// `externaldata`: rows the session's [`crate::external::Externals`] gives.
    External(Arc<crate::external::ExternalSpec>),
    /// `_GetWatchlist('alias')`: the catalog's watchlist (the span names it in errors).
    Watchlist {
        alias: String,
        span: crate::error::Span,
    },
    /// `print`: one row computed from expressions over an empty row.
    Print(Vec<BExpr>),
    Range {
        from: BExpr,
        to: BExpr,
        step: BExpr,
    },
    Filter {
        input: Box<Plan>,
        pred: BExpr,
    },
    /// Each item is evaluated in order on the row as extended so far; `Some(i)`
    /// replaces column i in place, `None` appends.
    Extend {
        input: Box<Plan>,
        items: Vec<(Option<usize>, BExpr)>,
    },
    Project {
        input: Box<Plan>,
        exprs: Vec<BExpr>,
    },
    Summarize {
        input: Box<Plan>,
        keys: Vec<BExpr>,
        aggs: Vec<BAgg>,
    },
    Take {
        input: Box<Plan>,
        count: BExpr,
    },
    /// `sample N`: N rows chosen at random (uniformly, in input order).
    Sample {
        input: Box<Plan>,
        count: BExpr,
    },
    Sort {
        input: Box<Plan>,
        keys: Vec<SortSpec>,
        limit: Option<BExpr>,
    },
    Distinct {
        input: Box<Plan>,
        columns: Vec<usize>,
    },
    Count(Box<Plan>),
    MvExpand {
        input: Box<Plan>,
        items: Vec<MvItem>,
        bag: BagExpansion,
        /// Appended after the expanded columns.
        with_index: bool,
        limit: Option<BExpr>,
        /// Number of columns of the output row before the appended index.
        width: usize,
    },
    Join {
        left: Box<Plan>,
        right: Box<Plan>,
        kind: JoinKind,
        left_keys: Vec<usize>,
        right_keys: Vec<usize>,
        /// For lookup: right columns (by index) left out of the output.
        right_drop: Vec<usize>,
    },
    Union {
        inputs: Vec<Plan>,
        /// For each input, for each output column, the input column feeding it.
        maps: Vec<Vec<Option<usize>>>,
        /// `withsource=Col`: the name written for each input, first column.
        source_names: Option<Vec<String>>,
    },
    GetSchema(Box<Plan>),
    /// A tabular `let` (or `as`): run once per query, then shared by every use, which
    /// the executor finds by `id` (unique in a query). Kusto runs a let at each place
    /// that reads it; holding it gives the same rows except for volatile functions
    /// (`rand()`), whose draws are then shared. The optimizer puts back in place a let
    /// read at one place, or made again cheaply from rows in memory, streamed instead
    /// of held (see `optimize::lets`).
    Cached {
        input: Box<Plan>,
        id: usize,
    },
    /// `make-series`: per group of `keys`, each aggregate as an array over the bins of
    /// `axis` from `from` (or the first bin with data) to `to` (exclusive; or the last
    /// bin with data) by `step`; absent bins take the aggregate's default.
    MakeSeries {
        input: Box<Plan>,
        keys: Vec<BExpr>,
        aggs: Vec<BAgg>,
        defaults: Vec<Value>,
        axis: BExpr,
        from: Option<BExpr>,
        to: Option<BExpr>,
        step: BExpr,
        nonempty: bool,
    },
    /// The rows the innermost enclosing `mv-apply` feeds its subquery: the input row
    /// it is at.
    Implicit,
    /// `mv-apply`: for each input row, `body` (a pipeline over an mv-expand of
    /// [`PlanKind::Implicit`]) runs on that row; output rows are the `keep` columns of
    /// the input row then the body's columns.
    MvApply {
        input: Box<Plan>,
        body: Box<Plan>,
        keep: Vec<usize>,
    },
    /// `partition by` column `key`: `body` (a pipeline over [`PlanKind::Implicit`]) runs
    /// on the input rows of each value of the key, in the order the values first appear;
    /// the output is the bodies' rows one after another. `legacy` (Kusto's default
    /// strategy) takes at most 64 values.
    Partition {
        input: Box<Plan>,
        key: usize,
        body: Box<Plan>,
        legacy: bool,
        /// The legacy form `{ subquery }`, whose subquery has its own source and reads
        /// the key's value (by its name, or `toscalar` of it) from this cell, set before
        /// each run.
        key_value: Option<Arc<std::sync::RwLock<Value>>>,
    },
    /// `as Name`: rows unchanged; the name is what `union withsource` reports.
    Named {
        input: Box<Plan>,
        name: String,
    },
    Parse {
        input: Box<Plan>,
        expr: BExpr,
        spec: ParseSpec,
        filter: bool,
    },
    /// An operator implemented by a [`RowsOp`] (`name` for messages and debugging).
    Custom {
        input: Box<Plan>,
        name: &'static str,
        op: Arc<dyn RowsOp>,
    },
}

/// The most operators one on top of another a plan may have: deeper plans are an
/// error where they are bound (see [`Plan::check_size`]). Optimizing, running and
/// dropping a plan recurse once per level, and [`crate::guard::QUERY_STACK`] holds this
/// many levels with room to spare (`tests/reliability_crashes.rs` runs them).
pub const MAX_PLAN_DEPTH: usize = 10_000;

/// The most operators the plans of one query may have in all. A plan is a tree: a
/// `let` is copied where it is named, so lets naming the one before (twice, or once
/// in a long chain) grow the plans faster than the text; this stops that long before
/// memory runs out (a few hundred bytes per operator).
pub const MAX_PLAN_NODES: usize = 200_000;

impl Plan {
    /// For a `union`, what its output column `j` is in the rows of input `k`: that
    /// input's column, a null of the column's type when the input lacks it, or the
    /// input's name for `withsource`'s column (the first). `None` when this is no union
    /// or `k`/`j` are out of range. The one statement of the union's column mapping for
    /// the rewrites that read an input in the union's place.
    pub fn union_column(&self, k: usize, j: usize) -> Option<BExpr> {
        let PlanKind::Union {
            maps, source_names, ..
        } = &self.kind
        else {
            return None;
        };
        let offset = source_names.is_some() as usize;
        Some(match (j.checked_sub(offset), source_names) {
            (None, Some(names)) => BExpr::Const(Value::str(names.get(k)?)),
            (Some(c), _) => match maps.get(k)?.get(c)? {
                Some(i) => BExpr::Column(*i),
                None => BExpr::Const(Value::null_of(self.schema.get(j)?.ty)),
            },
            (None, None) => return None,
        })
    }

    /// For a `join`, where its output column `j` comes from: the left input's column
    /// (`Ok`) or the right input's (`Err`). A semi or anti join gives one side's columns
    /// alone, any other join the left side's and then the right side's not dropped (a
    /// lookup's keys), as the binder names them. `None` when this is no join or `j` is
    /// out of range. The one statement of the join's column mapping for the rewrites
    /// that read a side in the join's place (the executor builds rows the same way).
    pub fn join_column(&self, j: usize) -> Option<Result<usize, usize>> {
        let PlanKind::Join {
            left,
            right,
            kind,
            right_drop,
            ..
        } = &self.kind
        else {
            return None;
        };
        let (l, r) = (left.schema.len(), right.schema.len());
        match kind {
            JoinKind::LeftSemi | JoinKind::LeftAnti => (j < l).then_some(Ok(j)),
            JoinKind::RightSemi | JoinKind::RightAnti => (j < r).then_some(Err(j)),
            _ if j < l => Some(Ok(j)),
            _ => (0..r)
                .filter(|i| !right_drop.contains(i))
                .nth(j - l)
                .map(Err),
        }
    }

    /// The number of operators of the plan, or an error when it is deeper than
    /// [`MAX_PLAN_DEPTH`] or has more than `budget` (at most [`MAX_PLAN_NODES`]).
    /// Walks the plan without recursion, and stops at the first limit passed.
    pub fn check_size(&self, budget: usize) -> Result<usize, String> {
        let mut stack = vec![(self, 1usize)];
        let mut nodes = 0usize;
        while let Some((p, depth)) = stack.pop() {
            nodes += 1;
            if depth > MAX_PLAN_DEPTH {
                return Err(format!(
                    "this query is too deep: more than {MAX_PLAN_DEPTH} operators one on top of another (each operator of a pipeline, and of the lets and functions it uses, counts)"
                ));
            }
            if nodes > budget.min(MAX_PLAN_NODES) {
                return Err(format!(
                    "this query is too big: more than {MAX_PLAN_NODES} operators in all (a `let` counts each time it is named)"
                ));
            }
            stack.extend(p.inputs().into_iter().map(|i| (i, depth + 1)));
        }
        Ok(nodes)
    }

    /// The plans whose rows this one reads, in order.
    pub fn inputs(&self) -> Vec<&Plan> {
        match &self.kind {
            PlanKind::Filter { input, .. }
            | PlanKind::Extend { input, .. }
            | PlanKind::Project { input, .. }
            | PlanKind::Summarize { input, .. }
            | PlanKind::Take { input, .. }
            | PlanKind::Sample { input, .. }
            | PlanKind::Sort { input, .. }
            | PlanKind::Distinct { input, .. }
            | PlanKind::Count(input)
            | PlanKind::MvExpand { input, .. }
            | PlanKind::GetSchema(input)
            | PlanKind::Cached { input, .. }
            | PlanKind::MakeSeries { input, .. }
            | PlanKind::Named { input, .. }
            | PlanKind::Parse { input, .. }
            | PlanKind::Custom { input, .. } => vec![input],
            PlanKind::Join { left, right, .. } => vec![left, right],
            PlanKind::MvApply { input, body, .. } | PlanKind::Partition { input, body, .. } => {
                vec![input, body]
            }
            PlanKind::Union { inputs, .. } => inputs.iter().collect(),
            PlanKind::Scan { .. }
            | PlanKind::Values(_)
            | PlanKind::External(_)
            | PlanKind::Watchlist { .. }
            | PlanKind::Print(_)
            | PlanKind::Range { .. }
            | PlanKind::Implicit => Vec::new(),
        }
    }

    /// This plan with each input replaced by `f` of it (the rest unchanged).
    pub fn map_inputs(self, f: &mut dyn FnMut(Plan) -> Plan) -> Plan {
        let Plan { schema, mut kind } = self;
        let mut map = |b: &mut Box<Plan>| {
            let old = std::mem::replace(
                &mut **b,
                Plan {
                    kind: PlanKind::Implicit,
                    schema: Vec::new(),
                },
            );
            **b = f(old);
        };
        match &mut kind {
            PlanKind::Filter { input, .. }
            | PlanKind::Extend { input, .. }
            | PlanKind::Project { input, .. }
            | PlanKind::Summarize { input, .. }
            | PlanKind::Take { input, .. }
            | PlanKind::Sample { input, .. }
            | PlanKind::Sort { input, .. }
            | PlanKind::Distinct { input, .. }
            | PlanKind::Count(input)
            | PlanKind::MvExpand { input, .. }
            | PlanKind::GetSchema(input)
            | PlanKind::Cached { input, .. }
            | PlanKind::MakeSeries { input, .. }
            | PlanKind::Named { input, .. }
            | PlanKind::Parse { input, .. }
            | PlanKind::Custom { input, .. } => map(input),
            PlanKind::Join { left, right, .. } => {
                map(left);
                map(right);
            }
            PlanKind::MvApply { input, body, .. } | PlanKind::Partition { input, body, .. } => {
                map(input);
                map(body);
            }
            PlanKind::Union { inputs, .. } => {
                let old = std::mem::take(inputs);
                *inputs = old.into_iter().map(&mut *f).collect();
            }
            PlanKind::Scan { .. }
            | PlanKind::Values(_)
            | PlanKind::External(_)
            | PlanKind::Watchlist { .. }
            | PlanKind::Print(_)
            | PlanKind::Range { .. }
            | PlanKind::Implicit => {}
        }
        Plan { schema, kind }
    }
}

impl fmt::Debug for PlanKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            PlanKind::Scan { name, .. } => return write!(f, "Scan({name})"),
            PlanKind::Values(_) => "Values",
            PlanKind::External(_) => "External",
            PlanKind::Watchlist { .. } => "Watchlist",
            PlanKind::Print(_) => "Print",
            PlanKind::Range { .. } => "Range",
            PlanKind::Filter { .. } => "Filter",
            PlanKind::Extend { .. } => "Extend",
            PlanKind::Project { .. } => "Project",
            PlanKind::Summarize { .. } => "Summarize",
            PlanKind::Take { .. } => "Take",
            PlanKind::Sort { .. } => "Sort",
            PlanKind::Sample { .. } => "Sample",
            PlanKind::Distinct { .. } => "Distinct",
            PlanKind::Count(_) => "Count",
            PlanKind::MvExpand { .. } => "MvExpand",
            PlanKind::Join { .. } => "Join",
            PlanKind::Union { .. } => "Union",
            PlanKind::GetSchema(_) => "GetSchema",
            PlanKind::Implicit => "Implicit",
            PlanKind::MakeSeries { .. } => "MakeSeries",
            PlanKind::Cached { .. } => "Cached",
            PlanKind::MvApply { .. } => "MvApply",
            PlanKind::Partition { .. } => "Partition",
            PlanKind::Named { .. } => "Named",
            PlanKind::Parse { .. } => "Parse",
            PlanKind::Custom { name, .. } => name,
        };
        f.write_str(name)
    }
}
