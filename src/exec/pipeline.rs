//! The one physical pipeline. A plan's `source → (where | extend | project)* → sink` is
//! lowered to a leaf that gives rows in numbered chunks, the row-at-a-time steps, and a
//! sink that consumes them, and run on every core with the same step and sink code for
//! every kind of leaf:
//!
//! - a table source that streams (a file: see [`crate::table::TableSource::scan`]);
//! - rows in memory (a catalog table, a `datatable`, a `let`, the output of an operator
//!   that needs its whole input, such as `sort` or `join`);
//! - `range`, whose rows are made as they are consumed.
//!
//! The sinks: collect the rows, count them, take the first N, aggregate
//! (`summarize`, and `distinct` as a summarize without aggregates), or keep the top N
//! (`top`, `sort | take`) in a bounded buffer.
//!
//! Why this shape:
//! - Column pruning: a streamed leaf converts and keeps only the columns the pipeline
//!   reads (the steps' column indexes are rewritten for the pruned rows).
//! - Streaming: each row is filtered, extended and projected on the thread that read
//!   it, right after reading; rows are never gathered before the sink. A row that fails
//!   a `where` is never stored; under an aggregation only the keys and arguments reach
//!   the (hash-partitioned) aggregators, so memory grows with the groups.
//! - Order: chunks are numbered in source order and every sink puts their results back
//!   in that order (rows, groups by first appearance, ties of `top` by position), so
//!   every result, order-sensitive ones included (`take`, `make_list`, group order), is
//!   the one a single pass in order gives, whatever the thread count.
//! - Determinism: a row's position (pipeline, chunk, row in chunk) seeds the random
//!   functions it calls (see [`EvalCtx::at_row`]); chunking depends only on the data.
//! - Batches: a leaf that can (`range`, rows in memory) hands a chunk over as typed
//!   columns, and when every step is a `where`, `extend`, `project`, a join's probe or
//!   a `mv-expand`, the chunk runs a column at a time ([`super::batch`]) into a sink
//!   that reads columns (count, summarize, top, a join's build side) or takes the rows
//!   one at a time; anything the batch path does not hold sends the chunk down the row
//!   path, with the same answers either way (`tests/exec_batch.rs` compares the two).

use super::batch::{
    pool, Abort, BStep, Batch, Col, Data, Env, Joins, Kind, MvBatchItem, MvExpand, VExpr,
};
use super::eval::{eval, holds};
use super::fast::Compiled;
use super::join::{row_key_hash, BuildPart, Built, Collector, KeyIndex, END, NULL_KEY};
use super::summarize::{key_hash, key_hash_of, typed_key_hashes, Aggregator};
use super::{compare_key, count_value, Exec, Rows};
use crate::error::{Error, ErrorKind, Result};
use crate::functions::EvalCtx;
use crate::limits::Budget;
use crate::parallel::{threads, Ordered};
use crate::plan::{
    BAgg, BExpr, BagExpansion, JoinKind, MvItem, ParseSpec, Plan, PlanKind, SortSpec,
};
use crate::table::{
    CatalogEntry, ChunkSink, Row, RowCursor, ScanRequest, Scanned, Table, TableSource,
};
use crate::types::Type;
use crate::value::Value;
use std::borrow::Cow;
use std::cmp::Ordering as CmpOrdering;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Rows per chunk of an in-memory leaf or `range`: small enough to spread a few
/// hundred thousand rows over the cores, big enough that handing a chunk over costs
/// nothing next to its rows. Fixed, so that row positions do not depend on the machine.
const CHUNK_ROWS: usize = 16 * 1024;

/// The rows per chunk of an in-memory leaf of `n` rows: [`CHUNK_ROWS`], or for fewer
/// than four such chunks a quarter of the rows (at least [`MIN_CHUNK_ROWS`]), so that a
/// few thousand rows whose steps cost much (the groups of a summarize, each finished
/// and then extended) still spread over the cores. A function of `n` alone, so that
/// row positions do not depend on the machine, and the same for every in-memory leaf
/// (a summarize's groups are numbered as the table they make would be).
fn chunk_rows(n: usize) -> usize {
    n.div_ceil(4).clamp(MIN_CHUNK_ROWS, CHUNK_ROWS)
}

const MIN_CHUNK_ROWS: usize = 1024;

/// A row-at-a-time operator of the pipeline.
enum Step<'p> {
    Filter(&'p BExpr),
    /// Items, and the width of the rows they make.
    Extend(&'p [(Option<usize>, BExpr)], usize),
    Project(&'p [BExpr]),
    /// A join whose right side is built: each row of the pipeline probes it and gives
    /// its matches (or itself, or nothing). The width of the rows it makes.
    Join(Arc<Probe>, usize),
    /// `mv-expand` (its plan node, and its row limit): each row gives one row per
    /// element.
    MvExpand(&'p Plan, Option<usize>),
    /// `parse`: each row gives itself with the captured columns (or nothing).
    Parse(&'p Plan),
}

/// The built side of a join that the pipeline's rows (its left side) probe.
pub(crate) struct Probe {
    kind: JoinKind,
    /// Left key columns (of the pipeline's rows).
    left_keys: Vec<usize>,
    /// The right rows, pruned to the columns read after the join and the keys.
    right: Built,
    /// For each right column the output keeps (`lookup` drops the key columns), its
    /// position in a built row; `None` for one that nothing reads after the join (a
    /// null stands in for it).
    out: Vec<Option<usize>>,
    /// The kept right columns' nulls (a left outer row without a match).
    nulls: Row,
    /// The read ones of `out`: (the column among the kept right columns, its position
    /// in a built row).
    read: Vec<(usize, usize)>,
}

impl Probe {
    /// Sets the read columns of `right` (a joined row's right part, with a plain null
    /// where nothing reads a column) to right row `r`'s values.
    #[inline]
    fn fill(&self, r: u32, right: &mut [Value]) {
        for &(j, i) in &self.read {
            if let Some(v) = right.get_mut(j) {
                *v = self.right.probe_value(r, i);
            }
        }
    }
}

/// Joined rows a batch may grow to: past this, the chunk goes the row path (which
/// streams them to the sink one at a time), so that a join that multiplies rows keeps
/// memory flat.
const JOINED_ROWS: usize = 4 * CHUNK_ROWS;

impl Joins for Probe {
    /// As [`Physical::feed`] joins a row: the matches in the build side's order (or
    /// the row with nulls, or the row alone for a semi or anti join).
    fn join(&self, b: &mut Batch, keys: &[usize]) -> std::result::Result<(), Abort> {
        let semi = matches!(self.kind, JoinKind::LeftSemi | JoinKind::LeftAnti);
        let mut key = Vec::with_capacity(keys.len());
        let cols: Vec<&Col> = keys.iter().map(|&k| &b.cols[k]).collect();
        // The keys' hashes first, so that the lookups of the rows ahead are asked of the
        // memory while a row's is made (a big build side is past the caches).
        let hashes = typed_key_hashes(&cols, b.len);
        const AHEAD: usize = 16;
        let (mut left, mut right) = (Vec::new(), Vec::new());
        // A key of one typed column whose kind the build side holds as words, without
        // nulls on either side: words compared, no value made per row.
        let words = match (self.right.word_key(), &cols[..]) {
            (
                Some((at, kind)),
                [Col {
                    kind: k,
                    data: Data::I(v),
                    nulls: None,
                }],
            ) if *k == kind => Some((at, v.as_slice())),
            _ => None,
        };
        for i in 0..b.len {
            if let Some(&h) = hashes.get(i + AHEAD) {
                self.right.prefetch(h, 0);
            }
            if let Some(&h) = hashes.get(i + AHEAD / 2) {
                self.right.prefetch(h, 1);
            }
            // A key with a null matches nothing (as `row_key_hash` says).
            let (mut at, mut linked) = if let Some((w, v)) = words {
                self.right.first_word(hashes[i], w, v[i])
            } else if cols.iter().any(|c| c.is_null(i)) {
                (END, false)
            } else {
                key.clear();
                key.extend(cols.iter().map(|c| c.value(i)));
                self.right.first_hashed(hashes[i], &key)
            };
            let matched = at != END;
            if semi {
                if matched == (self.kind == JoinKind::LeftSemi) {
                    left.push(i as u32);
                }
                continue;
            }
            if self.kind == JoinKind::LeftOuter && !matched {
                left.push(i as u32);
                right.push(END);
            }
            while at != END {
                left.push(i as u32);
                right.push(at);
                // A key of one row has no links to follow.
                at = if linked { self.right.next(at) } else { END };
                linked = true;
            }
            if left.len() > JOINED_ROWS {
                return Err(Abort);
            }
        }
        if semi {
            return b.keep(left);
        }
        let more = self
            .out
            .iter()
            .zip(&self.nulls)
            .map(|(at, null)| match at {
                Some(c) => match self.right.column(&right, *c) {
                    Some(col) => Ok(col),
                    None => Col::from_values(
                        right
                            .iter()
                            .map(|&r| match r {
                                END => null.clone(),
                                r => self.right.value(r, *c),
                            })
                            .collect(),
                    ),
                },
                // Nothing reads it: the cheapest stand-in, not a value per row.
                None => Ok(Col::unread(right.len())),
            })
            .collect::<std::result::Result<Vec<_>, _>>()?;
        b.repeat(left, more)
    }
}

/// Join kinds whose output for a left row depends on that row alone (and the right
/// side): they stream the left side through the built right side.
fn probes(kind: JoinKind) -> bool {
    matches!(
        kind,
        JoinKind::Inner
            | JoinKind::InnerUnique
            | JoinKind::LeftOuter
            | JoinKind::LeftSemi
            | JoinKind::LeftAnti
    )
}

/// Builds the right side of a join; `used` says which of the right columns the output
/// keeps something reads after the join, and `weighted` that what reads the joined
/// rows only counts them (see [`Built::weight`]).
#[allow(clippy::too_many_arguments)]
fn build_probe(
    right: &Plan,
    kind: JoinKind,
    left_keys: &[usize],
    right_keys: &[usize],
    right_drop: &[usize],
    used: impl Fn(usize) -> bool,
    weighted: bool,
    ex: &Exec,
) -> Result<Probe> {
    let right_keep: Vec<usize> = (0..right.schema.len())
        .filter(|i| !right_drop.contains(i))
        .collect();
    let mut cols: Vec<usize> = right_keys.to_vec();
    cols.extend(
        right_keep
            .iter()
            .enumerate()
            .filter(|&(j, _)| used(j))
            .map(|(_, &c)| c),
    );
    cols.sort_unstable();
    cols.dedup();
    let built = collect_built(right, &cols, right_keys, weighted, ex)?;
    // The index (the rows were charged as they came).
    ex.budget.charge(built.index_bytes(), "join");
    ex.budget.check()?;
    let out: Vec<Option<usize>> = right_keep
        .iter()
        .enumerate()
        .map(|(j, c)| {
            if used(j) {
                cols.iter().position(|x| x == c)
            } else {
                None
            }
        })
        .collect();
    let nulls = right_keep
        .iter()
        .map(|&i| Value::null_of(right.schema[i].ty))
        .collect();
    let read = out
        .iter()
        .enumerate()
        .filter_map(|(j, at)| at.map(|i| (j, i)))
        .collect();
    Ok(Probe {
        kind,
        left_keys: left_keys.to_vec(),
        right: built,
        out,
        nulls,
        read,
    })
}

/// The rows of `plan` as a join's build side: their columns `cols` (in order, the key
/// columns `keys` among them), indexed by key. A pipeline puts its rows straight into
/// the build side (pruned, hashed on its threads); any other plan's rows are copied in.
fn collect_built(
    plan: &Plan,
    cols: &[usize],
    keys: &[usize],
    weighted: bool,
    ex: &Exec,
) -> Result<Built> {
    let types: Vec<Type> = cols.iter().map(|&c| plan.schema[c].ty).collect();
    let collector = Arc::new(Collector::new(&types));
    ex.holding("join", || -> Result<()> {
        let rows = match lower(plan, ex)? {
            Some(mut l) if matches!(l.sink, Sink::Collect) => {
                l.sink = Sink::Build(collector.clone(), cols.to_vec(), keys.to_vec());
                l.run(ex)?;
                return Ok(());
            }
            Some(l) => l.run(ex)?,
            None => super::run(plan, ex)?,
        };
        let mut part = BuildPart::default();
        let mut pending = 0;
        for row in rows.refs() {
            let bytes = collector.push(&mut part, Cow::Borrowed(row), cols, keys);
            if !meter(&ex.budget, "join", &mut pending, bytes) {
                return ex.budget.check();
            }
        }
        ex.budget.charge(pending, "join");
        collector.done(0, part);
        Ok(())
    })?;
    ex.budget.check()?;
    let collector = Arc::try_unwrap(collector).map_err(|_| {
        Error::new(
            ErrorKind::Runtime,
            "internal error: a join's build side is still shared",
        )
    })?;
    let keys = keys
        .iter()
        .map(|k| cols.iter().position(|c| c == k).unwrap_or(0))
        .collect();
    collector.finish(keys, weighted)
}

/// The rows of `t` that an innerunique join keeps of its left side: the first row of
/// each key without a null, in order.
fn first_per_key(t: &Table, keys: &[usize]) -> Vec<usize> {
    let hashes: Vec<u64> = t
        .rows
        .iter()
        .map(|r| row_key_hash(r, keys).unwrap_or(NULL_KEY))
        .collect();
    let rows = &t.rows;
    let index = KeyIndex::build(
        &hashes,
        |r| keys.iter().any(|&k| rows[r as usize][k].is_null()),
        |a, b| {
            keys.iter()
                .all(|&k| rows[a as usize][k] == rows[b as usize][k])
        },
    );
    index.firsts().into_iter().map(|r| r as usize).collect()
}

/// What consumes the rows.
enum Sink<'p> {
    Collect,
    Count,
    Take(usize),
    /// Keys and aggregates (`distinct`: keys only).
    Summarize(Cow<'p, [BExpr]>, &'p [BAgg]),
    /// The first N rows in the order of the keys (ties in input order).
    TopK(&'p [SortSpec], usize),
    /// A join's build side: the rows' columns (the first list) and key columns go to
    /// the collector.
    Build(Arc<Collector>, Vec<usize>, Vec<usize>),
}

/// Where the rows come from.
enum Leaf<'p> {
    /// Streamed by the source, pruned to the needed columns.
    Stream(Arc<dyn TableSource>, String),
    /// In memory: a table and optionally which of its rows, in order.
    Memory(Arc<Table>, Option<Vec<usize>>),
    /// In memory, pruned as a stream is: rows of only the needed columns (the flags,
    /// over the plan's schema), in order (see [`union_rows`]).
    Narrow(Arc<Table>, Vec<bool>),
    /// `range`: `count` values from `from` by `step`, of type `ty`.
    Range(RangeSpec),
    /// The groups of a `summarize` (or `distinct`) pipeline, made into rows a chunk at a
    /// time as they are consumed (never all at once); taken when the pipeline runs.
    Groups(Option<Box<Lowered<'p>>>),
}

#[derive(Clone)]
struct RangeSpec {
    from: Value,
    step: Value,
    count: u64,
    ty: Type,
}

struct Lowered<'p> {
    leaf: Leaf<'p>,
    /// The columns the plan was bound with for the leaf.
    columns: &'p [crate::table::Column],
    /// Width of the leaf's rows before pruning (its plan's schema).
    width: usize,
    steps: Vec<Step<'p>>,
    sink: Sink<'p>,
}

/// Runs `plan` as a pipeline when it is one (its top is a step or a sink over a leaf,
/// or over any other operator whose rows then form an in-memory leaf); `None` when the
/// plan's top is an operator the pipeline does not hold.
pub(crate) fn run(plan: &Plan, ex: &Exec) -> Result<Option<Rows>> {
    let Some(lowered) = lower(plan, ex)? else {
        return Ok(None);
    };
    lowered.run(ex).map(Some)
}

/// Whether a step of `steps` or `sink` reads a row's position (a random function, a
/// window function): then the rows they take must be made one by one.
fn pinned(steps: &[&Step<'_>], sink: &Sink<'_>) -> bool {
    steps.iter().any(|s| match s {
        Step::Filter(e) => e.pinned(),
        Step::Extend(items, _) => items.iter().any(|(_, e)| e.pinned()),
        Step::Project(es) => es.iter().any(BExpr::pinned),
        Step::Join(..) => false,
        // Their expressions, and mv-expand's casts (functions are never random there).
        Step::MvExpand(node, _) => matches!(&node.kind, PlanKind::MvExpand { items, .. } if items.iter().any(|i| i.expr.pinned())),
        Step::Parse(node) => matches!(&node.kind, PlanKind::Parse { expr, .. } if expr.pinned()),
    }) || match sink {
        Sink::Summarize(keys, aggs) => {
            keys.iter().any(BExpr::pinned) || aggs.iter().any(|a| a.args.iter().any(BExpr::pinned))
        }
        Sink::TopK(keys, _) => keys.iter().any(|k| k.expr.pinned()),
        _ => false,
    }
}

impl Sink<'_> {
    /// Whether the sink only counts its rows (per group), and takes a row that stands
    /// for several at once ([`SinkState::push_n`]).
    fn counts_rows(&self) -> bool {
        match self {
            Sink::Count => true,
            Sink::Summarize(keys, aggs) => Summarize::counts(keys, aggs),
            _ => false,
        }
    }
}

/// Lowers `plan`; `None` when its top is not a step or a sink.
fn lower<'p>(plan: &'p Plan, ex: &Exec) -> Result<Option<Lowered<'p>>> {
    let windowed = |es: &[BExpr]| es.iter().any(BExpr::has_window);
    let (sink, mut node) = match &plan.kind {
        PlanKind::Summarize { input, keys, aggs }
            if !windowed(keys) && !aggs.iter().any(|a| windowed(&a.args)) =>
        {
            (Sink::Summarize(Cow::Borrowed(keys), aggs), &**input)
        }
        PlanKind::Distinct { input, columns } => (
            Sink::Summarize(
                Cow::Owned(columns.iter().map(|&i| BExpr::Column(i)).collect()),
                &[],
            ),
            &**input,
        ),
        PlanKind::Count(input) => (Sink::Count, &**input),
        PlanKind::Take { input, count } => (Sink::Take(count_value(count, ex.eval)), &**input),
        PlanKind::Sort {
            input,
            keys,
            limit: Some(limit),
        } if !keys.iter().any(|k| k.expr.has_window()) => {
            (Sink::TopK(keys, count_value(limit, ex.eval)), &**input)
        }
        _ => (Sink::Collect, plan),
    };
    let mut steps = Vec::new();
    loop {
        match &node.kind {
            PlanKind::Filter { input, pred } if !pred.has_window() => {
                steps.push(Step::Filter(pred));
                node = input;
            }
            PlanKind::Extend { input, items } if !items.iter().any(|(_, e)| e.has_window()) => {
                steps.push(Step::Extend(items, node.schema.len()));
                node = input;
            }
            PlanKind::Project { input, exprs } if !windowed(exprs) => {
                steps.push(Step::Project(exprs));
                node = input;
            }
            // `as`: the rows pass unchanged (a rule's window is a named filter).
            PlanKind::Named { input, .. } => node = input,
            PlanKind::MvExpand { input, limit, .. } => {
                let limit = limit.as_ref().map(|l| count_value(l, ex.eval));
                steps.push(Step::MvExpand(node, limit));
                node = input;
            }
            PlanKind::Parse { input, .. } => {
                steps.push(Step::Parse(node));
                node = input;
            }
            PlanKind::Join {
                left,
                right,
                kind,
                left_keys,
                right_keys,
                right_drop,
            } if probes(*kind) => {
                // The right columns read after the join: the steps above it (made so
                // far, from the top) and the sink.
                let above: Vec<&Step> = steps.iter().rev().collect();
                let used = used_columns(&above, &sink, node.schema.len());
                let left_width = left.schema.len();
                let used = |j: usize| used.get(left_width + j).copied().unwrap_or(false);
                // Joined rows only counted after the join, by steps that give equal
                // rows of equal rows: the build side's equal rows may be one, which
                // stands for its copies (see `Built::collapse`).
                let weighted = matches!(
                    kind,
                    JoinKind::Inner | JoinKind::InnerUnique | JoinKind::LeftOuter
                ) && sink.counts_rows()
                    && !pinned(&above, &sink);
                let probe = build_probe(
                    right, *kind, left_keys, right_keys, right_drop, used, weighted, ex,
                )?;
                steps.push(Step::Join(Arc::new(probe), node.schema.len()));
                if *kind == JoinKind::InnerUnique {
                    // The left side keeps its first row per key: known only once it is
                    // all there, so the left side is a leaf of its own.
                    let t = match ex.holding("join", || super::run(left, ex))? {
                        Rows::Shared(t) => t,
                        rows => Arc::new(Table::new(left.schema.clone(), rows.into_owned())),
                    };
                    let sel = first_per_key(&t, left_keys);
                    steps.reverse();
                    return Ok(Some(Lowered {
                        leaf: Leaf::Memory(t, Some(sel)),
                        columns: &left.schema,
                        width: left.schema.len(),
                        steps,
                        sink,
                    }));
                }
                node = left;
            }
            _ => break,
        }
    }
    steps.reverse();
    let leaf = match &node.kind {
        PlanKind::Scan { name } => match ex.catalog.get(name) {
            Some(CatalogEntry::Source(s)) => match s.in_memory() {
                Some(t) => Leaf::Memory(t, None),
                None => Leaf::Stream(s.clone(), name.clone()),
            },
            _ => {
                return Err(Error::new(
                    ErrorKind::Runtime,
                    format!("table `{name}` has a schema but no data"),
                ))
            }
        },
        PlanKind::Values(t) => Leaf::Memory(t.clone(), None),
        PlanKind::Watchlist { alias, span } => {
            let s = crate::io::watchlists::source(ex.catalog, alias, *span)?;
            match s.in_memory() {
                Some(t) => Leaf::Memory(t, None),
                None => Leaf::Stream(s, format!("_GetWatchlist('{alias}')")),
            }
        }
        PlanKind::External(spec) => {
            let s = ex.external(spec)?;
            match s.in_memory() {
                Some(t) => Leaf::Memory(t, None),
                None => Leaf::Stream(s, "externaldata".to_string()),
            }
        }
        PlanKind::Range { from, to, step } => Leaf::Range(range_spec(
            eval(from, &[], ex.eval),
            eval(to, &[], ex.eval),
            eval(step, &[], ex.eval),
            node.schema[0].ty,
        )?),
        // Not a pipeline: the operator runs on its own.
        _ if steps.is_empty() && matches!(sink, Sink::Collect) => return Ok(None),
        PlanKind::Union { .. } => {
            let needed = used_columns(&steps.iter().collect::<Vec<_>>(), &sink, node.schema.len());
            // `union ... | take n`: the first n rows, the inputs read in order as far as
            // those need.
            let limit = match sink {
                Sink::Take(n) if steps.is_empty() => Some(n),
                _ => None,
            };
            Leaf::Narrow(Arc::new(union_rows(node, &needed, limit, ex)?), needed)
        }
        // An aggregation whose rows this pipeline consumes: its groups become rows a
        // chunk at a time.
        PlanKind::Summarize { .. } | PlanKind::Distinct { .. }
            if BATCHES.load(Ordering::Relaxed) =>
        {
            match lower(node, ex)? {
                Some(inner) if matches!(inner.sink, Sink::Summarize(..)) => {
                    Leaf::Groups(Some(Box::new(inner)))
                }
                Some(inner) => memory_leaf(inner.run(ex)?, node),
                None => memory_leaf(super::run(node, ex)?, node),
            }
        }
        _ => memory_leaf(super::run(node, ex)?, node),
    };
    Ok(Some(Lowered {
        leaf,
        columns: &node.schema,
        width: node.schema.len(),
        steps,
        sink,
    }))
}

/// The rows of the `union` `node` with only its `needed` columns (all of them when the
/// executor runs the union on its own), in order: each input
/// read through a `project` of the columns it gives them (a column it lacks is a null
/// of the column's type, `withsource`'s column the input's name), so that a table's
/// scan reads only those and the rows held are as narrow as what reads them. (`union
/// EntraIdSignInEvents, AADNonInteractiveUserSignInLogs | count` held every column of
/// both tables: 2.7 GB at size M.) With a `limit`, at most that many rows, the first:
/// the inputs after those that gave them are not read.
pub(crate) fn union_rows(
    node: &Plan,
    needed: &[bool],
    limit: Option<usize>,
    ex: &Exec,
) -> Result<Table> {
    let PlanKind::Union { inputs, .. } = &node.kind else {
        return Err(Error::new(
            ErrorKind::Runtime,
            "internal error: not a union",
        ));
    };
    let kept: Vec<usize> = (0..node.schema.len()).filter(|&j| needed[j]).collect();
    let schema: Vec<crate::table::Column> = kept.iter().map(|&j| node.schema[j].clone()).collect();
    let mut rows = Vec::new();
    for (k, input) in inputs.iter().enumerate() {
        let exprs = kept
            .iter()
            .map(|&j| node.union_column(k, j))
            .collect::<Option<Vec<BExpr>>>()
            .ok_or_else(|| Error::new(ErrorKind::Runtime, "internal error: a union's column"))?;
        let mut plan = Plan {
            schema: schema.clone(),
            kind: PlanKind::Project {
                input: Box::new(input.clone()),
                exprs,
            },
        };
        if let Some(n) = limit {
            let left = n.saturating_sub(rows.len());
            if left == 0 {
                break;
            }
            plan = Plan {
                schema: schema.clone(),
                kind: PlanKind::Take {
                    input: Box::new(plan),
                    count: BExpr::Const(Value::Long(i64::try_from(left).unwrap_or(i64::MAX))),
                },
            };
        }
        rows.extend(ex.holding("union", || super::run(&plan, ex))?.into_owned());
    }
    Ok(Table::new(schema, rows))
}

/// A leaf of the rows an operator gave.
fn memory_leaf<'p>(rows: Rows, node: &Plan) -> Leaf<'p> {
    match rows {
        Rows::Shared(t) => Leaf::Memory(t, None),
        Rows::Selected(t, idx) => Leaf::Memory(t, Some(idx)),
        Rows::Owned(rows) => Leaf::Memory(Arc::new(Table::new(node.schema.clone(), rows)), None),
    }
}

fn range_spec(from: Value, to: Value, step: Value, ty: Type) -> Result<RangeSpec> {
    let empty = RangeSpec {
        from: Value::Null,
        step: Value::Null,
        count: 0,
        ty,
    };
    let count = match ty {
        Type::Real | Type::Decimal => {
            let f = |v: &Value| match v {
                Value::Int(i) => Some(*i as f64),
                Value::Long(i) => Some(*i as f64),
                Value::Real(r) | Value::Decimal(r) => Some(*r),
                _ => None,
            };
            let (Some(a), Some(b), Some(s)) = (f(&from), f(&to), f(&step)) else {
                return Ok(empty);
            };
            if s == 0.0 || s.is_nan() || (b - a) / s < 0.0 || a.is_nan() || b.is_nan() {
                return Ok(empty);
            }
            let n = ((b - a) / s).floor();
            if !n.is_finite() || n >= u64::MAX as f64 {
                return Err(range_too_big());
            }
            n as u64 + 1
        }
        _ => {
            let i = |v: &Value| match v {
                Value::Int(i) => Some(*i as i64),
                Value::Long(i) | Value::DateTime(i) | Value::TimeSpan(i) => Some(*i),
                _ => None,
            };
            let (Some(a), Some(b), Some(s)) = (i(&from), i(&to), i(&step)) else {
                return Ok(empty);
            };
            let span = b as i128 - a as i128;
            if s == 0 || (span != 0 && (span < 0) != (s < 0)) {
                return Ok(empty);
            }
            (span / s as i128) as u64 + 1
        }
    };
    Ok(RangeSpec {
        from,
        step,
        count,
        ty,
    })
}

fn range_too_big() -> Error {
    Error::new(
        ErrorKind::Runtime,
        "`range` would produce more than 2^64 rows",
    )
}

impl RangeSpec {
    /// The value at position `k`.
    fn value(&self, k: u64) -> Value {
        match (self.ty, &self.from, &self.step) {
            (Type::Real | Type::Decimal, from, step) => {
                let f = |v: &Value| match v {
                    Value::Int(i) => *i as f64,
                    Value::Long(i) => *i as f64,
                    Value::Real(r) | Value::Decimal(r) => *r,
                    _ => 0.0,
                };
                // Repeated addition, as a loop `x += step` gives (the values the
                // in-memory range always gave).
                let x = f(from) + f(step) * k as f64;
                if self.ty == Type::Real {
                    Value::Real(x)
                } else {
                    Value::Decimal(x)
                }
            }
            (ty, from, step) => {
                let i = |v: &Value| match v {
                    Value::Int(i) => *i as i64,
                    Value::Long(i) | Value::DateTime(i) | Value::TimeSpan(i) => *i,
                    _ => 0,
                };
                let x = (i(from) as i128 + i(step) as i128 * k as i128) as i64;
                match ty {
                    Type::DateTime => Value::DateTime(x),
                    Type::TimeSpan => Value::TimeSpan(x),
                    _ => Value::Long(x),
                }
            }
        }
    }
}

/// Marks the columns `e` reads.
fn reads(e: &BExpr, used: &mut [bool]) {
    e.visit_columns(&mut |i| {
        if let Some(u) = used.get_mut(i) {
            *u = true;
        }
    });
}

/// The columns of rows `width` wide that `steps` (in order) or `sink` then read
/// (computed from the sink back, through each step's input width).
fn used_columns(steps: &[&Step<'_>], sink: &Sink<'_>, width: usize) -> Vec<bool> {
    let mut widths = Vec::with_capacity(steps.len());
    let mut w = width;
    for s in steps {
        widths.push(w);
        w = match s {
            Step::Filter(_) => w,
            Step::Extend(_, out) | Step::Join(_, out) => *out,
            Step::Project(exprs) => exprs.len(),
            Step::MvExpand(node, _) | Step::Parse(node) => node.schema.len(),
        };
    }
    let mut used = vec![false; w];
    match sink {
        Sink::Summarize(keys, aggs) => {
            keys.iter().for_each(|k| reads(k, &mut used));
            aggs.iter()
                .flat_map(|a| &a.args)
                .for_each(|a| reads(a, &mut used));
        }
        Sink::Count => {}
        Sink::Collect | Sink::Take(_) | Sink::TopK(..) => used.iter_mut().for_each(|u| *u = true),
        Sink::Build(_, cols, _) => cols.iter().for_each(|&c| used[c] = true),
    }
    for (s, &w_in) in steps.iter().zip(&widths).rev() {
        used = match s {
            Step::Filter(pred) => {
                reads(pred, &mut used);
                used
            }
            Step::Extend(items, _) => {
                // Items may read columns appended by earlier items: mark over the
                // output width, then keep the input's part.
                items.iter().for_each(|(_, e)| reads(e, &mut used));
                used.truncate(w_in);
                used.resize(w_in, false);
                used
            }
            Step::Project(exprs) => {
                let mut inner = vec![false; w_in];
                exprs.iter().for_each(|e| reads(e, &mut inner));
                inner
            }
            Step::Join(probe, _) => {
                used.truncate(w_in);
                for &k in &probe.left_keys {
                    used[k] = true;
                }
                used
            }
            // They copy their input row in place (its columns keep their positions)
            // and write their targets, replaced or appended: what they read is what
            // comes after reads of their input's columns, their expressions, and the
            // input columns they replace (kept so that their place in the pruned row
            // is known).
            Step::MvExpand(node, _) | Step::Parse(node) => {
                used.truncate(w_in);
                used.resize(w_in, false);
                match &node.kind {
                    PlanKind::MvExpand { items, .. } => items.iter().for_each(|it| {
                        reads(&it.expr, &mut used);
                        if let Some(u) = used.get_mut(it.target) {
                            *u = true;
                        }
                    }),
                    PlanKind::Parse { expr, spec, .. } => {
                        reads(expr, &mut used);
                        spec.targets.iter().for_each(|(t, _, _)| {
                            if let Some(u) = used.get_mut(*t) {
                                *u = true;
                            }
                        });
                    }
                    _ => used.iter_mut().for_each(|u| *u = true),
                }
                used
            }
        };
    }
    used
}

impl Lowered<'_> {
    /// The leaf's columns that some step or the sink reads.
    fn needed(&self) -> Vec<bool> {
        used_columns(
            &self.steps.iter().collect::<Vec<_>>(),
            &self.sink,
            self.width,
        )
    }

    fn run(self, ex: &Exec) -> Result<Rows> {
        self.run_into(ex, None)
    }

    /// [`Self::run`]; with `out`, an aggregating sink leaves its groups there (and no
    /// rows) for a pipeline that consumes them (see [`Leaf::Groups`]).
    fn run_into(mut self, ex: &Exec, out: Option<&Mutex<Option<Groups>>>) -> Result<Rows> {
        // The aggregation this pipeline consumes runs first, into its groups.
        let groups = match &mut self.leaf {
            Leaf::Groups(inner) => {
                let slot = Mutex::new(None);
                inner
                    .take()
                    .ok_or_else(lost_groups)?
                    .run_into(ex, Some(&slot))?;
                let groups = slot.into_inner().unwrap_or_else(|e| e.into_inner());
                Some(Mutex::new(groups.ok_or_else(lost_groups)?))
            }
            _ => None,
        };
        // The groups counted, not made into rows.
        if let (Some(g), Sink::Count, true) = (&groups, &self.sink, self.steps.is_empty()) {
            let n = lock(g).len;
            return Ok(Rows::Owned(vec![vec![Value::Long(n as i64)]]));
        }
        // Shortcuts that copy no row: the rows of a leaf in memory as they are, or a
        // selection of them.
        if let Leaf::Memory(t, sel) = &self.leaf {
            let only_filters = self.steps.iter().all(|s| matches!(s, Step::Filter(_)));
            match &self.sink {
                Sink::Collect | Sink::Take(_) if only_filters => {
                    let limit = match self.sink {
                        Sink::Take(n) => n,
                        _ => usize::MAX,
                    };
                    if self.steps.is_empty() {
                        return Ok(match sel {
                            None if limit >= t.rows.len() => Rows::Shared(t.clone()),
                            None => Rows::Selected(t.clone(), (0..limit).collect()),
                            Some(idx) => {
                                Rows::Selected(t.clone(), idx.iter().take(limit).copied().collect())
                            }
                        });
                    }
                    let preds: Vec<&BExpr> = self
                        .steps
                        .iter()
                        .filter_map(|s| match s {
                            Step::Filter(p) => Some(*p),
                            _ => None,
                        })
                        .collect();
                    let idx = select(t, sel.as_deref(), &preds, limit, ex);
                    return Ok(Rows::Selected(t.clone(), idx));
                }
                Sink::Count if self.steps.is_empty() => {
                    let n = sel.as_ref().map_or(t.rows.len(), Vec::len);
                    return Ok(Rows::Owned(vec![vec![Value::Long(n as i64)]]));
                }
                _ => {}
            }
        }
        let needed = match &self.leaf {
            Leaf::Stream(..) => self.needed(),
            Leaf::Narrow(_, needed) => needed.clone(),
            _ => vec![true; self.width],
        };
        let phys = physical(&self.steps, &self.sink, &needed);
        let pipeline = ex.next_pipeline();
        // Who holds the rows this pipeline keeps, for the memory budget: the operator
        // whose input they are, else the step that multiplies rows, else the result.
        // (A holder that is not an operator reads "the ...": "the rows of the result".)
        let holder = ex.holder().unwrap_or_else(|| {
            self.steps
                .iter()
                .rev()
                .find_map(|s| match s {
                    Step::Join(..) => Some("join"),
                    Step::MvExpand(..) => Some("mv-expand"),
                    _ => None,
                })
                .unwrap_or("the result")
        });
        // A `range` kept whole (no `where` to drop rows): its rows are known to be too
        // many before one is made.
        if let (Leaf::Range(r), Sink::Collect) = (&self.leaf, &self.sink) {
            if !self.steps.iter().any(|s| matches!(s, Step::Filter(_))) {
                let width = self.columns.len().max(1) + self.steps.len();
                let all = r
                    .count
                    .saturating_mul(crate::limits::row_bytes(&vec![Value::Null; width]));
                // (Within the budget: given back, the rows charge as they are made.)
                if ex.budget.charge(all, holder) {
                    ex.budget.release(all);
                }
                ex.budget.check()?;
            }
        }
        let run = Run {
            ctx: ex.eval,
            budget: &ex.budget,
            holder,
            pipeline,
            groups: out,
        };
        match &self.leaf {
            Leaf::Groups(_) => {
                let groups = groups.ok_or_else(lost_groups)?;
                let stop = AtomicBool::new(false);
                let rows = drive(&phys, &run, &stop, |sink| {
                    Ok(groups_scan(&groups, &stop, sink))
                });
                // What is left of the groups (their index, keys and emptied states, a
                // box per group and aggregate) is freed off the query's path.
                if lock(&groups).len >= MIN_CHUNK_ROWS {
                    crate::guard::drop_aside(groups);
                }
                Ok(Rows::Owned(rows?.unwrap_or_default()))
            }
            Leaf::Stream(source, name) => {
                let stop = AtomicBool::new(false);
                let request = ScanRequest {
                    needed: &needed,
                    threads: threads(),
                    stop: &stop,
                };
                let rows = drive(&phys, &run, &stop, |sink| source.scan(&request, sink))?;
                if let Some(rows) = rows {
                    return Ok(Rows::Owned(rows));
                }
                // The fast reader gave up: the table has columns the plan was not
                // bound with (then the query must be bound again), or it is read
                // whole (with the full loader's errors) and the same steps run over
                // it in memory.
                if source.discover()? {
                    return Err(rebind_error(name));
                }
                let t = source.load()?;
                if t.columns != self.columns {
                    return Err(rebind_error(name));
                }
                let all = vec![true; self.width];
                let phys = physical(&self.steps, &self.sink, &all);
                let stop = AtomicBool::new(false);
                let rows = drive(&phys, &run, &stop, |sink| {
                    Ok(memory_scan(&t, None, &stop, sink))
                })?;
                Ok(Rows::Owned(rows.unwrap_or_default()))
            }
            Leaf::Memory(t, sel) => {
                let stop = AtomicBool::new(false);
                let rows = drive(&phys, &run, &stop, |sink| {
                    Ok(memory_scan(t, sel.as_deref(), &stop, sink))
                })?;
                Ok(Rows::Owned(rows.unwrap_or_default()))
            }
            Leaf::Narrow(t, _) => {
                let stop = AtomicBool::new(false);
                let rows = drive(&phys, &run, &stop, |sink| {
                    Ok(memory_scan(t, None, &stop, sink))
                })?;
                Ok(Rows::Owned(rows.unwrap_or_default()))
            }
            Leaf::Range(r) => {
                let stop = AtomicBool::new(false);
                let rows = drive(&phys, &run, &stop, |sink| Ok(range_scan(r, &stop, sink)))?;
                Ok(Rows::Owned(rows.unwrap_or_default()))
            }
        }
    }
}

pub(crate) fn rebind_error(name: &str) -> Error {
    Error::new(
        ErrorKind::Runtime,
        format!(
            "table `{name}` has fields its schema does not list; the query must be bound again"
        ),
    )
}

/// The rows of `t` (or of its selection `sel`) for which every predicate holds, at
/// most `limit`, by index.
fn select(
    t: &Table,
    sel: Option<&[usize]>,
    preds: &[&BExpr],
    limit: usize,
    ex: &Exec,
) -> Vec<usize> {
    let n = sel.map_or(t.rows.len(), <[usize]>::len);
    let at = |i: usize| sel.map_or(i, |s| s[i]);
    let keep = |i: usize| preds.iter().all(|p| holds(p, &t.rows[at(i)], ex.eval));
    let pipeline = ex.next_pipeline();
    let size = chunk_rows(n);
    let chunks = n.div_ceil(size);
    let parts: Mutex<Vec<(usize, Vec<usize>)>> = Mutex::default();
    let stop = AtomicBool::new(false);
    let found = AtomicUsize::new(0);
    run_chunks(chunks, &stop, &|c| {
        let mut out = Vec::new();
        for i in c * size..((c + 1) * size).min(n) {
            EvalCtx::at_row(Some(row_position(pipeline, c, i - c * size)));
            if keep(i) {
                out.push(at(i));
                if out.len() >= limit {
                    break;
                }
            }
        }
        EvalCtx::at_row(None);
        // A limit is only a hint to stop early: the rows are cut in order below.
        if limit != usize::MAX && found.fetch_add(out.len(), Ordering::SeqCst) >= limit {
            stop.store(true, Ordering::SeqCst);
        }
        lock(&parts).push((c, out));
    });
    let mut parts = parts.into_inner().unwrap_or_else(|e| e.into_inner());
    parts.sort_by_key(|(c, _)| *c);
    let mut idx: Vec<usize> = Vec::new();
    for (c, part) in parts.into_iter().enumerate() {
        // Chunks after one that never ran (the scan stopped) cannot be used: the rows
        // before them are not all known.
        if part.0 != c {
            break;
        }
        idx.extend(part.1);
        if idx.len() >= limit {
            break;
        }
    }
    idx.truncate(limit);
    idx
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A row's position for the random functions: unique in the query.
fn row_position(pipeline: u64, chunk: usize, row: usize) -> u64 {
    (pipeline << 48) ^ ((chunk as u64) << 24) ^ row as u64
}

/// Runs `work` on chunks `0..chunks`, in parallel when there are several, until done or
/// `stop` is set. Each chunk runs once; chunk numbers are handed out in order.
fn run_chunks(chunks: usize, stop: &AtomicBool, work: &(dyn Fn(usize) + Sync)) {
    let next = AtomicUsize::new(0);
    let worker = || loop {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let c = next.fetch_add(1, Ordering::SeqCst);
        if c >= chunks {
            return;
        }
        work(c);
    };
    let n = threads().min(chunks);
    if n <= 1 {
        worker();
        return;
    }
    std::thread::scope(|scope| {
        for _ in 0..n {
            crate::guard::spawn_worker(scope, worker);
        }
    });
}

/// Streams `t`'s rows (or its selection) to `sink` in chunks of [`chunk_rows`].
fn memory_scan(t: &Table, sel: Option<&[usize]>, stop: &AtomicBool, sink: &dyn Feeds) -> Scanned {
    let n = sel.map_or(t.rows.len(), <[usize]>::len);
    let size = chunk_rows(n);
    run_chunks(n.div_ceil(size).max(1), stop, &|c| {
        let rows: Vec<&[Value]> = (c * size..((c + 1) * size).min(n))
            .map(|i| t.rows[sel.map_or(i, |s| s[i])].as_slice())
            .collect();
        sink.rows_chunk(c, &rows);
    });
    Scanned::Done
}

/// The rows of `range` from position `at` to `end`, one at a time.
struct RangeCursor<'r> {
    r: &'r RangeSpec,
    at: u64,
    end: u64,
    row: [Value; 1],
    /// `from` and `step` of a range of longs.
    longs: Option<(i64, i64)>,
}

impl<'r> RangeCursor<'r> {
    fn new(r: &'r RangeSpec, at: u64, end: u64) -> Self {
        let longs = match (r.ty, &r.from, &r.step) {
            (Type::Long, Value::Long(f), Value::Long(s)) => Some((*f, *s)),
            _ => None,
        };
        RangeCursor {
            r,
            at,
            end,
            row: [Value::Null],
            longs,
        }
    }
}

impl RowCursor for RangeCursor<'_> {
    fn next_row(&mut self) -> Option<&[Value]> {
        if self.at >= self.end {
            return None;
        }
        match (&mut self.row[0], self.longs) {
            // A long range's next value written in place: `value`'s formula, whose
            // i128 result cut to 64 bits is the same as wrapping i64 arithmetic.
            (Value::Long(x), Some((from, step))) => {
                *x = from.wrapping_add(step.wrapping_mul(self.at as i64));
            }
            (slot, _) => *slot = self.r.value(self.at),
        }
        self.at += 1;
        Some(&self.row)
    }
}

impl RangeSpec {
    /// The values from position `at` to `end` as a column, when a column holds them
    /// (not decimals).
    fn column(&self, at: u64, end: u64) -> Option<Col> {
        match (self.ty, &self.from, &self.step) {
            // `value`'s formula in wrapping i64 arithmetic (see [`RangeCursor`]).
            (Type::Long, Value::Long(f), Value::Long(s)) => Some(Col::ints(
                Kind::Long,
                pool::collect(&pool::INTS, (end - at) as usize, |i| {
                    f.wrapping_add(s.wrapping_mul((at + i as u64) as i64))
                }),
            )),
            _ => Col::from_values((at..end).map(|k| self.value(k)).collect()).ok(),
        }
    }
}

/// Whether chunks may go the batch path, and an aggregation's groups stream to the
/// pipeline that consumes them ([`Leaf::Groups`]) (on unless switched off): a test
/// compares the answers with and without in one process.
static BATCHES: AtomicBool = AtomicBool::new(true);

/// The chunks that went the batch path in this process (for tests: that the path the
/// comparison means to cover did run).
static BATCH_CHUNKS: AtomicUsize = AtomicUsize::new(0);

/// Switches the batch path and streamed groups on or off for the whole process
/// (answers are the same either way; for tests that compare the two).
#[doc(hidden)]
pub fn set_batches(on: bool) {
    BATCHES.store(on, Ordering::SeqCst);
}

/// How many chunks went the batch path so far in this process.
#[doc(hidden)]
pub fn batch_chunks() -> usize {
    BATCH_CHUNKS.load(Ordering::SeqCst)
}

/// How many values the remembering `extend` items computed so far in this process (see
/// [`memo`]): a test counter.
#[doc(hidden)]
pub fn memo_computed() -> usize {
    memo::computed()
}

/// A chunk sink that also takes a chunk of `range`, or of rows in memory (as a batch
/// when it can).
trait Feeds: ChunkSink {
    fn range_chunk(&self, idx: usize, r: &RangeSpec, at: u64, end: u64);
    fn rows_chunk(&self, idx: usize, rows: &[&[Value]]);
}

/// Streams the values of `range` to `sink` in chunks of [`CHUNK_ROWS`].
fn range_scan(r: &RangeSpec, stop: &AtomicBool, sink: &dyn Feeds) -> Scanned {
    let chunk = CHUNK_ROWS as u64;
    let chunks = r.count.div_ceil(chunk).max(1);
    run_chunks(chunks as usize, stop, &|c| {
        let at = c as u64 * chunk;
        sink.range_chunk(c, r, at, ((c as u64 + 1) * chunk).min(r.count));
    });
    Scanned::Done
}

/// Where an `extend` item's value goes in a pruned row.
#[derive(Clone, Copy)]
enum Target {
    Replace(usize),
    Append,
    /// A column nothing reads later: not computed.
    Drop,
}

/// A step rewritten for the rows the leaf gives.
enum PStep {
    Filter(Compiled),
    /// Items, each with the one column it reads when it may be remembered (see [`memo`]).
    Extend(Vec<(Target, Compiled, Option<usize>)>, usize),
    Project(Vec<Compiled>),
    /// The probe, and the left key columns in the pruned rows.
    Join(Arc<Probe>, Vec<usize>),
    /// `mv-expand` over the pruned rows: its items (expressions and targets
    /// rewritten), how bags expand, whether the index is appended, the output width
    /// before the index, the row limit, and the input's columns that nothing after
    /// it reads (nulls stand in for them in the rows made).
    MvExpand {
        items: Vec<MvItem>,
        bag: BagExpansion,
        with_index: bool,
        width: usize,
        limit: Option<usize>,
        unread: Vec<usize>,
        /// Per input column, whether the rows made repeat its value (neither an item's
        /// target nor unread): told once here, not per row made.
        copied: Vec<bool>,
    },
    /// `parse` over the pruned rows: the text, the pattern (targets rewritten),
    /// whether a row that does not match is dropped, the output width.
    Parse {
        expr: BExpr,
        spec: ParseSpec,
        filter: bool,
        width: usize,
    },
}

/// The one column `e` reads (of a row `width` wide), when it is a computation (not a bare
/// column or constant) that two runs on equal input give equally (no random or window call).
fn memo_column(e: &BExpr, width: usize) -> Option<usize> {
    if !matches!(e, BExpr::Call(..) | BExpr::Select(..)) || e.pinned() {
        return None;
    }
    let mut used = vec![false; width];
    reads(e, &mut used);
    let mut cols = used.iter().enumerate().filter(|(_, u)| **u).map(|(i, _)| i);
    match (cols.next(), cols.next()) {
        (Some(c), None) => Some(c),
        _ => None,
    }
}

/// The steps and the sink's expressions with column indexes rewritten for rows that
/// hold only the needed leaf columns (in order), so that a wide table (Sentinel tables
/// have up to a hundred columns) costs nothing per unused column.
struct Physical {
    steps: Vec<PStep>,
    sink: PSink,
    /// Some step or the sink calls a random function: rows tell it their position.
    random: bool,
    /// The steps over batches, when every step is one that runs a column at a time
    /// (and the pipeline calls at most one random function, see [`super::batch`]).
    batch: Option<Vec<BStep>>,
    /// A chunk gave up the batch path: the others go the row path from then on.
    rows_only: AtomicBool,
}

enum PSink {
    Collect,
    Count,
    Take(usize),
    /// The keys and aggregates, and the values [`prepare`](super::summarize::prepare) lays out for them (the keys,
    /// then every aggregate's arguments) compiled.
    Summarize(Vec<BExpr>, Vec<BAgg>, Vec<Compiled>, Vec<VExpr>),
    /// The sort keys and their expressions compiled.
    TopK(Vec<SortSpec>, usize, Vec<Compiled>, Vec<VExpr>),
    /// The collector, the kept columns and the key columns in the pruned rows.
    Build(Arc<Collector>, Vec<usize>, Vec<usize>),
}

fn remap(e: &BExpr, m: &[usize]) -> BExpr {
    e.map_columns(&|i| Some(BExpr::Column(m.get(i).copied().unwrap_or(i))))
        .unwrap_or_else(|| e.clone())
}

fn physical(steps: &[Step<'_>], sink: &Sink<'_>, needed: &[bool]) -> Physical {
    // m: the position in the pruned row of each column of the logical row.
    let mut width = 0;
    let mut m: Vec<usize> = needed
        .iter()
        .map(|&n| {
            if n {
                width += 1;
                width - 1
            } else {
                usize::MAX
            }
        })
        .collect();
    let mut out = Vec::with_capacity(steps.len());
    for (k, s) in steps.iter().enumerate() {
        out.push(match s {
            Step::Filter(pred) => PStep::Filter(Compiled::new(remap(pred, &m))),
            Step::Extend(items, w_out) => {
                let w_in = m.len();
                m.extend((w_in..*w_out).map(|j| width + (j - w_in)));
                width += w_out - w_in;
                let items = items
                    .iter()
                    .map(|(target, e)| {
                        let t = match target {
                            None => Target::Append,
                            Some(i) if m[*i] == usize::MAX => Target::Drop,
                            Some(i) => Target::Replace(m[*i]),
                        };
                        let e = remap(e, &m);
                        let memo = memo_column(&e, width);
                        (t, Compiled::new(e), memo)
                    })
                    .collect();
                PStep::Extend(items, width)
            }
            Step::Project(exprs) => {
                let exprs: Vec<Compiled> =
                    exprs.iter().map(|e| Compiled::new(remap(e, &m))).collect();
                width = exprs.len();
                m = (0..width).collect();
                PStep::Project(exprs)
            }
            Step::Join(probe, w_out) => {
                let keys = probe.left_keys.iter().map(|&k| m[k]).collect();
                // The pruned left row, then the right columns.
                let w_in = m.len();
                m.extend((w_in..*w_out).map(|j| width + (j - w_in)));
                width += w_out - w_in;
                PStep::Join(probe.clone(), keys)
            }
            // The input row keeps its (pruned) columns in place; appended targets,
            // then mv-expand's index, follow them.
            Step::MvExpand(node, limit) => {
                let PlanKind::MvExpand {
                    items,
                    bag,
                    with_index,
                    width: w_out,
                    ..
                } = &node.kind
                else {
                    unreachable!("a mv-expand step holds a mv-expand node")
                };
                let w_in = m.len();
                // The input's columns that nothing after the step reads: not repeated.
                let later: Vec<&Step> = steps[k + 1..].iter().collect();
                let read = used_columns(&later, sink, node.schema.len());
                let items_targets: Vec<usize> = items.iter().map(|it| it.target).collect();
                let unread: Vec<usize> = (0..w_in)
                    .filter(|&i| !read[i] && m[i] != usize::MAX && !items_targets.contains(&i))
                    .map(|i| m[i])
                    .collect();
                let copied = (0..width)
                    .map(|j| {
                        !unread.contains(&j) && !items.iter().any(|it| m.get(it.target) == Some(&j))
                    })
                    .collect();
                m.extend((w_in..*w_out).map(|j| width + (j - w_in)));
                width += w_out - w_in;
                let items: Vec<MvItem> = items
                    .iter()
                    .map(|it| MvItem {
                        expr: remap(&it.expr, &m),
                        target: m[it.target],
                        cast: it.cast.clone(),
                    })
                    .collect();
                let expanded = width;
                if *with_index {
                    m.push(width);
                    width += 1;
                }
                PStep::MvExpand {
                    items,
                    bag: *bag,
                    with_index: *with_index,
                    width: expanded,
                    limit: *limit,
                    unread,
                    copied,
                }
            }
            Step::Parse(node) => {
                let PlanKind::Parse {
                    expr, spec, filter, ..
                } = &node.kind
                else {
                    unreachable!("a parse step holds a parse node")
                };
                let w_in = m.len();
                let w_out = node.schema.len();
                let expr = remap(expr, &m);
                m.extend((w_in..w_out).map(|j| width + (j - w_in)));
                width += w_out - w_in;
                let mut spec = spec.clone();
                spec.targets.iter_mut().for_each(|(t, _, _)| *t = m[*t]);
                PStep::Parse {
                    expr,
                    spec,
                    filter: *filter,
                    width,
                }
            }
        });
    }
    let psink = match sink {
        Sink::Collect => PSink::Collect,
        Sink::Build(c, cols, keys) => PSink::Build(
            c.clone(),
            cols.iter().map(|&i| m[i]).collect(),
            keys.iter().map(|&i| m[i]).collect(),
        ),
        Sink::Count => PSink::Count,
        Sink::Take(n) => PSink::Take(*n),
        Sink::Summarize(keys, aggs) => {
            let keys: Vec<BExpr> = keys.iter().map(|k| remap(k, &m)).collect();
            let aggs: Vec<BAgg> = aggs
                .iter()
                .map(|a| BAgg {
                    imp: a.imp.clone(),
                    args: a.args.iter().map(|e| remap(e, &m)).collect(),
                })
                .collect();
            let prepared: Vec<&BExpr> = keys
                .iter()
                .chain(aggs.iter().flat_map(|a| &a.args))
                .collect();
            let compiled = prepared.iter().map(|&e| Compiled::new(e.clone())).collect();
            let vector = prepared.into_iter().map(VExpr::new).collect();
            PSink::Summarize(keys, aggs, compiled, vector)
        }
        Sink::TopK(keys, n) => {
            let keys: Vec<SortSpec> = keys
                .iter()
                .map(|k| SortSpec {
                    expr: remap(&k.expr, &m),
                    desc: k.desc,
                    nulls_first: k.nulls_first,
                })
                .collect();
            let compiled = keys.iter().map(|k| Compiled::new(k.expr.clone())).collect();
            let vector = keys.iter().map(|k| VExpr::new(&k.expr)).collect();
            PSink::TopK(keys, *n, compiled, vector)
        }
    };
    let random = pinned(&steps.iter().collect::<Vec<_>>(), sink);
    let volatile = {
        let n = std::cell::Cell::new(0usize);
        let count = |e: &BExpr| {
            e.any(&|x| {
                if matches!(x, BExpr::Call(f, _) if f.volatile()) {
                    n.set(n.get() + 1);
                }
                false
            });
        };
        for s in &out {
            match s {
                PStep::Filter(c) => count(&c.expr),
                PStep::Extend(items, _) => items.iter().for_each(|(_, c, _)| count(&c.expr)),
                PStep::Project(cs) => cs.iter().for_each(|c| count(&c.expr)),
                PStep::MvExpand { items, .. } => items.iter().for_each(|it| count(&it.expr)),
                _ => {}
            }
        }
        match &psink {
            PSink::Summarize(_, _, cs, _) | PSink::TopK(_, _, cs, _) => {
                cs.iter().for_each(|c| count(&c.expr))
            }
            _ => {}
        }
        n.get()
    };
    let batch = if volatile > 1 {
        None
    } else {
        out.iter()
            .map(|s| match s {
                PStep::Filter(c) => Some(BStep::Filter(VExpr::new(&c.expr))),
                PStep::Extend(items, _) => Some(BStep::Extend(
                    items
                        .iter()
                        .filter_map(|(t, c, _)| match t {
                            Target::Drop => None,
                            Target::Replace(i) => Some((Some(*i), VExpr::new(&c.expr))),
                            Target::Append => Some((None, VExpr::new(&c.expr))),
                        })
                        .collect(),
                )),
                PStep::Project(cs) => Some(BStep::Project(
                    cs.iter().map(|c| VExpr::new(&c.expr)).collect(),
                )),
                // The rows a join makes of one row share its position: a random call
                // after it draws again and again in that row (the row path's order).
                // (A batch has no room for a joined row's weight.)
                PStep::Join(probe, keys) if volatile == 0 && !probe.right.weighted() => {
                    Some(BStep::Join(probe.clone(), keys.clone()))
                }
                // So do the rows a mv-expand makes of one row.
                PStep::MvExpand {
                    items,
                    bag: _,
                    with_index,
                    width,
                    limit,
                    unread,
                    copied: _,
                } if volatile == 0 => Some(BStep::MvExpand(MvExpand {
                    items: (items.iter())
                        .map(|it| MvBatchItem {
                            expr: VExpr::new(&it.expr),
                            target: it.target,
                            cast: it.cast.clone(),
                        })
                        .collect(),
                    with_index: *with_index,
                    width: *width,
                    limit: *limit,
                    unread: unread.clone(),
                })),
                _ => None,
            })
            .collect()
    };
    Physical {
        steps: out,
        sink: psink,
        random,
        batch,
        rows_only: AtomicBool::new(false),
    }
}

/// A row handed to a sink: the leaf's row in place (no step changed it), or the row the
/// steps built in the feed's buffer, which a sink that keeps the row takes (the next
/// row then gets a new buffer) and any other sink leaves to be reused.
pub(crate) enum RowIn<'a> {
    Leaf(&'a [Value]),
    Buf(&'a mut Vec<Value>),
}

impl RowIn<'_> {
    fn values(&self) -> &[Value] {
        match self {
            RowIn::Leaf(r) => r,
            RowIn::Buf(b) => b,
        }
    }

    fn into_owned(self) -> Row {
        match self {
            RowIn::Leaf(r) => r.to_vec(),
            // The buffer goes with the row and a new one of the row's width takes its
            // place: a buffer grown from empty has room for at least four values
            // (Vec's smallest growth), and a kept row of one value would hold 96 bytes.
            RowIn::Buf(b) => {
                let width = b.len();
                let mut row = std::mem::replace(b, Vec::with_capacity(width));
                row.shrink_to_fit();
                row
            }
        }
    }
}

/// The buffers a feed builds rows in, kept from row to row so that a row costs no
/// allocation of its own: the row being built, the one a `project` computes beside it,
/// the values an `extend` replaces, and the buffers of the rows a step that makes
/// several rows of one (`mv-expand`) feeds on.
#[derive(Default)]
struct Scratch {
    row: Vec<Value>,
    spare: Vec<Value>,
    pending: Vec<(usize, Value)>,
    inner: Option<Box<Scratch>>,
    /// A mv-expand's elements of the row (its room reused row after row).
    expansion: Option<super::mv_expand::Expansion>,
    /// A join's joined row, which the steps after it read in place.
    joined: Vec<Value>,
}

impl Physical {
    /// Runs the steps from `from` on one row and hands what comes out to `emit` (none
    /// when a filter drops the row; several after a join); false when `emit` wants no
    /// more rows. The row is `leaf` (read in place while only filters look at it) or,
    /// when `leaf` is `None`, the one in `s.row`; the first step that changes it copies
    /// it into `s.row`, which the following rows reuse.
    fn feed(
        &self,
        from: usize,
        leaf: Option<&[Value]>,
        s: &mut Scratch,
        ctx: &EvalCtx,
        emit: &mut dyn FnMut(RowIn<'_>, u64) -> bool,
    ) -> bool {
        let mut leaf = leaf;
        for (k, step) in self.steps.iter().enumerate().skip(from) {
            match step {
                PStep::Filter(pred) => {
                    let cur: &[Value] = leaf.unwrap_or(&s.row);
                    if !pred.holds(cur, ctx) {
                        return true;
                    }
                }
                PStep::Extend(items, width) => {
                    let r = &mut s.row;
                    match leaf.take() {
                        Some(l) => {
                            r.clear();
                            r.reserve(*width);
                            r.extend_from_slice(l);
                        }
                        None => r.reserve(width.saturating_sub(r.len())),
                    }
                    for (target, e, memo_col) in items.iter() {
                        if matches!(target, Target::Drop) {
                            continue;
                        }
                        let v = match memo_col.and_then(|c| r.get(c)) {
                            Some(Value::String(st)) => {
                                let st = st.clone();
                                memo::eval(&e.expr, &st, || e.eval(r, ctx))
                            }
                            _ => e.eval(r, ctx),
                        };
                        match target {
                            Target::Replace(i) => s.pending.push((*i, v)),
                            _ => r.push(v),
                        }
                    }
                    for (i, v) in s.pending.drain(..) {
                        r[i] = v;
                    }
                }
                PStep::Project(exprs) => {
                    let cur: &[Value] = leaf.take().unwrap_or(&s.row);
                    s.spare.clear();
                    s.spare.extend(exprs.iter().map(|e| e.eval(cur, ctx)));
                    std::mem::swap(&mut s.row, &mut s.spare);
                }
                PStep::Join(probe, keys) => {
                    let cur: &[Value] = leaf.unwrap_or(&s.row);
                    let (mut at, mut linked) = probe.right.first(cur, keys);
                    let matched = at != END;
                    if matches!(probe.kind, JoinKind::LeftSemi | JoinKind::LeftAnti) {
                        // A filter: the row goes on as it is, or not at all.
                        if matched != (probe.kind == JoinKind::LeftSemi) {
                            return true;
                        }
                        continue;
                    }
                    // The joined rows are made in one buffer, which the steps after
                    // the join read in place: the left row and the right nulls once per
                    // left row, then per match only the right columns read after the
                    // join. (Copying every column into a working row per match cost
                    // ~2,000 instructions a joined row over Entra's 45 columns: 6.7 s
                    // for a join of AAD with Entra counted, 8.3M joined rows at M.)
                    // The right part starts as plain nulls, not the typed ones of
                    // `Probe::nulls`: a string column's null is one shared empty
                    // string, and cloning it per row from both threads made its count a
                    // contended cache line (the CPU time of a join summarized by a
                    // right column at M varied from 3.0 to 5.2 s on two threads).
                    let mut inner = s.inner.take().unwrap_or_default();
                    let mut joined = std::mem::take(&mut inner.joined);
                    joined.clear();
                    joined.extend_from_slice(cur);
                    let left = cur.len();
                    joined.resize(left + probe.nulls.len(), Value::Null);
                    let more = if probe.kind == JoinKind::LeftOuter && !matched {
                        for &(j, _) in &probe.read {
                            joined[left + j] = match &probe.nulls[j] {
                                Value::String(e) => Value::String(crate::value::thread_copy(e)),
                                v => v.clone(),
                            };
                        }
                        self.feed(k + 1, Some(&joined), &mut inner, ctx, emit)
                    } else {
                        let mut go = true;
                        while at != END {
                            probe.fill(at, &mut joined[left..]);
                            let w = probe.right.weight(at);
                            // A key of one row has no links to follow.
                            at = if linked { probe.right.next(at) } else { END };
                            linked = true;
                            let row = Some(&joined[..]);
                            let more = match w {
                                1 => self.feed(k + 1, row, &mut inner, ctx, emit),
                                // A right row that stands for `w` equal ones.
                                w => self.feed(k + 1, row, &mut inner, ctx, &mut |r, n| {
                                    emit(r, n.saturating_mul(w))
                                }),
                            };
                            if !more {
                                go = false;
                                break;
                            }
                        }
                        go
                    };
                    inner.joined = joined;
                    s.inner = Some(inner);
                    return more;
                }
                PStep::MvExpand {
                    items,
                    bag,
                    with_index,
                    width,
                    limit,
                    copied,
                    ..
                } => {
                    let cur: &[Value] = leaf.unwrap_or(&s.row);
                    let mut expansion = match s.expansion.take() {
                        Some(mut e) => {
                            e.refill(cur, items, *bag, *limit, ctx);
                            e
                        }
                        None => super::mv_expand::Expansion::new(cur, items, *bag, *limit, ctx),
                    };
                    let mut inner = s.inner.take().unwrap_or_default();
                    // The last step: the sink sees the row built, and either leaves it
                    // as it is or takes it whole, so the row of the element before
                    // (when still there) needs only its element changed.
                    let last = k + 1 == self.steps.len();
                    let more = (0..expansion.rows()).all(|j| {
                        let (with_index, width) = (*with_index, *width);
                        let row = &mut inner.row;
                        let built = last && j > 0 && row.len() == width + with_index as usize;
                        expansion.fill(j, cur, items, copied, with_index, width, built, ctx, row);
                        self.feed(k + 1, None, &mut inner, ctx, emit)
                    });
                    s.inner = Some(inner);
                    expansion.clear();
                    s.expansion = Some(expansion);
                    return more;
                }
                PStep::Parse {
                    expr,
                    spec,
                    filter,
                    width,
                } => {
                    let cur: &[Value] = leaf.take().unwrap_or(&s.row);
                    match super::parse_row(cur, expr, spec, *filter, *width, ctx) {
                        Some(r) => s.row = r,
                        None => return true,
                    }
                }
            }
        }
        match leaf {
            Some(l) => emit(RowIn::Leaf(l), 1),
            None => emit(RowIn::Buf(&mut s.row), 1),
        }
    }
}

/// Results of `extend` items over one text column, remembered per distinct value on each
/// thread: log columns such as user agents repeat a few values over millions of rows,
/// and readers share equal strings, so a value is known by its address. An entry keeps
/// its string alive, so an address is never reused for another value while remembered.
/// A table lasts the whole run (all chunks a thread reads), within `CAP` entries and
/// `CAP_BYTES`; a table that stops paying (mostly distinct values) is switched off.
mod memo {
    use crate::hash::FxHashMap;
    use crate::plan::BExpr;
    use crate::value::Value;
    use std::cell::RefCell;
    use std::sync::Arc;

    /// Entries per item and thread before the table is emptied.
    const CAP: usize = 1 << 14;
    /// Bytes (strings and values, as [`crate::limits::result_bytes`] counts them) per item
    /// and thread before the table is emptied: what a table holds stays small, however
    /// long the scan and however big the strings.
    const CAP_BYTES: u64 = 2 << 20;

    /// The last run number handed out, in this process: a run's tables are never taken
    /// for another's (whose expressions may sit at the same addresses).
    static RUNS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

    #[derive(Default)]
    struct Table {
        seen: FxHashMap<usize, (Arc<str>, Value)>,
        bytes: u64,
        lookups: u32,
        hits: u32,
        off: bool,
    }

    /// This thread's tables, and the run they belong to.
    #[derive(Default)]
    struct Tables {
        run: Option<u64>,
        items: FxHashMap<usize, Table>,
    }

    /// Values computed by tables that remember (a test counter, see [`computed`]).
    static COMPUTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

    /// How many values the memo tables have computed so far in this process (each
    /// value remembered was computed once): for tests.
    pub fn computed() -> usize {
        COMPUTED.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// A number for a new run of a pipeline, unique in the process.
    pub(super) fn new_run() -> u64 {
        RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1
    }

    thread_local! {
        /// By the address of the item's expression (alive for the whole pipeline run).
        static TABLES: RefCell<Tables> = RefCell::default();
    }

    /// A chunk of the run `run` (see [`new_run`]) starts on this thread. Another run's
    /// tables are forgotten (the addresses of its expressions may be reused); the same
    /// run's are kept, values and verdicts, from chunk to chunk: a chunk of a file is a
    /// few hundred rows of a wide log (a megabyte), too few for its own table to pay
    /// (user agents repeat over the whole file, not within a chunk), and too short a
    /// trial for a verdict.
    pub(super) fn begin(run: u64) {
        TABLES.with(|t| {
            let mut t = t.borrow_mut();
            if t.run != Some(run) {
                t.items.clear();
                t.run = Some(run);
            }
        });
    }

    /// The run `run` is over: this thread's tables of it are dropped.
    pub(super) fn forget(run: u64) {
        TABLES.with(|t| {
            let mut t = t.borrow_mut();
            if t.run == Some(run) {
                t.items = FxHashMap::default();
                t.run = None;
            }
        });
    }

    /// The value of `e` on a row whose memo column holds `s`; `compute` evaluates it.
    pub(super) fn eval(e: &BExpr, s: &Arc<str>, compute: impl FnOnce() -> Value) -> Value {
        let item = e as *const BExpr as usize;
        let addr = Arc::as_ptr(s) as *const u8 as usize;
        let known = TABLES.with(|t| {
            let mut t = t.borrow_mut();
            let table = t.items.entry(item).or_default();
            if table.off {
                return Err(false);
            }
            table.lookups += 1;
            match table.seen.get(&addr) {
                Some((kept, v)) if Arc::ptr_eq(kept, s) => {
                    table.hits += 1;
                    Ok(v.clone())
                }
                _ => {
                    // After a fair trial, a table hit less than a quarter of the time
                    // costs more than it saves.
                    if table.lookups >= 4096 && table.hits < table.lookups / 4 {
                        table.off = true;
                        table.seen = FxHashMap::default();
                        return Err(false);
                    }
                    Err(true)
                }
            }
        });
        match known {
            Ok(v) => v,
            Err(remember) => {
                let v = compute();
                if remember {
                    COMPUTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    TABLES.with(|t| {
                        let mut t = t.borrow_mut();
                        let table = t.items.entry(item).or_default();
                        let bytes =
                            s.len() as u64 + crate::limits::result_bytes(std::slice::from_ref(&v));
                        if table.seen.len() >= CAP || table.bytes + bytes > CAP_BYTES {
                            table.seen.clear();
                            table.bytes = 0;
                        }
                        table.bytes += bytes;
                        table.seen.insert(addr, (s.clone(), v.clone()));
                    });
                }
                v
            }
        }
    }
}

/// A sink's per-chunk part and how parts come together.
trait SinkState: Sync {
    type Part: Send;
    fn part(&self) -> Self::Part;
    /// Consumes one row at `pos` (chunk << 32 | row); false when the chunk needs no more.
    fn push(&self, part: &mut Self::Part, row: RowIn<'_>, pos: u64) -> bool;
    /// Consumes `n` equal rows at `pos` (a join's row that stands for several, see
    /// [`Built::weight`]); by default one at a time, as [`SinkState::push`] takes them.
    fn push_n(&self, part: &mut Self::Part, row: RowIn<'_>, pos: u64, n: u64) -> bool {
        let row = row.values();
        (0..n).all(|_| self.push(part, RowIn::Leaf(row), pos))
    }
    /// The chunk's part is complete (called for every chunk read, even one cut short).
    fn done(&self, idx: usize, part: Self::Part);
    /// The rows out, once every chunk is done.
    fn finish(self) -> Result<Vec<Row>>;
    /// Consumes the rows of a batch, the first at `first` (and the next ones after it);
    /// the batch is not used after (a sink may take its columns). By default one at a
    /// time, as [`SinkState::push`] takes them.
    fn push_batch(&self, part: &mut Self::Part, b: &mut Batch, first: u64, env: &Env) -> bool {
        push_rows(self, part, b, first, env)
    }
    /// The groups of an aggregating sink, instead of its rows (`Err`: not one).
    fn into_groups(self) -> std::result::Result<Result<Groups>, Self>
    where
        Self: Sized,
    {
        Err(self)
    }
    /// The rows out when only the chunks before `chunk` could be read, if they are all
    /// this sink needs (a `take` that has its rows); `None` otherwise.
    fn finish_before(self, _chunk: usize) -> Option<Vec<Row>>
    where
        Self: Sized,
    {
        None
    }
}

/// [`SinkState::push_batch`] a row at a time: each row built from the columns, told its
/// position for the random functions the sink's expressions call.
fn push_rows<S: SinkState + ?Sized>(
    state: &S,
    part: &mut S::Part,
    b: &Batch,
    first: u64,
    env: &Env,
) -> bool {
    let mut row = Vec::with_capacity(b.cols.len());
    for i in 0..b.len {
        if let Some(pos) = env.position {
            EvalCtx::at_row(Some(pos(b.origin(i))));
        }
        b.row(i, &mut row);
        if !state.push(part, RowIn::Buf(&mut row), first + i as u64) {
            return false;
        }
    }
    true
}

/// What every chunk of one run of a pipeline shares.
struct Run<'a> {
    ctx: &'a EvalCtx,
    budget: &'a Budget,
    /// The operator charged for the rows the sink keeps.
    holder: &'static str,
    pipeline: u64,
    /// Where an aggregating sink leaves its groups instead of making rows.
    groups: Option<&'a Mutex<Option<Groups>>>,
}

fn lost_groups() -> Error {
    Error::new(
        ErrorKind::Runtime,
        "internal error: an aggregation's groups went missing",
    )
}

/// The groups of an aggregation, made into its output rows on demand, in its output
/// order (first appearance), each once.
pub(crate) struct Groups {
    parts: Vec<Aggregator>,
    /// The groups in output order (part, group), when there are several parts (one
    /// part's groups are in order already).
    order: Option<Vec<(u32, u32)>>,
    len: usize,
}

impl Groups {
    /// The output rows `from..to`.
    fn rows(&mut self, from: usize, to: usize) -> Vec<Row> {
        (from..to.min(self.len))
            .map(|i| match &self.order {
                Some(order) => {
                    let (p, g) = order[i];
                    self.parts[p as usize].row(g as usize)
                }
                None => self.parts[0].row(i),
            })
            .collect()
    }
}

/// Streams the rows of `groups` to `sink` in chunks of [`chunk_rows`] (as
/// [`memory_scan`] streams them once made: the same chunks and positions).
fn groups_scan(groups: &Mutex<Groups>, stop: &AtomicBool, sink: &dyn Feeds) -> Scanned {
    let n = lock(groups).len;
    let size = chunk_rows(n);
    run_chunks(n.div_ceil(size).max(1), stop, &|c| {
        let rows = lock(groups).rows(c * size, (c + 1) * size);
        let refs: Vec<&[Value]> = rows.iter().map(Vec::as_slice).collect();
        sink.rows_chunk(c, &refs);
    });
    Scanned::Done
}

/// Feeds a source's chunks through the steps into a sink.
struct Feed<'a, S> {
    phys: &'a Physical,
    ctx: &'a EvalCtx,
    state: &'a S,
    pipeline: u64,
    budget: &'a Budget,
    stop: &'a AtomicBool,
    /// This run's tables of remembered values (see [`memo`]).
    memo_run: u64,
}

impl<S: SinkState> ChunkSink for Feed<'_, S> {
    fn chunk(&self, idx: usize, rows: &mut dyn RowCursor) {
        memo::begin(self.memo_run);
        let mut part = self.state.part();
        let mut scratch = Scratch::default();
        let mut i = 0usize;
        // Positions of the rows out (a join may give several per row in).
        let mut out = 0u64;
        while let Some(row) = rows.next_row() {
            if self.phys.random {
                EvalCtx::at_row(Some(row_position(self.pipeline, idx, i)));
            }
            i += 1;
            let more = self
                .phys
                .feed(0, Some(row), &mut scratch, self.ctx, &mut |row, n| {
                    let pos = ((idx as u64) << 32) + out;
                    out += 1;
                    match n {
                        1 => self.state.push(&mut part, row, pos),
                        n => self.state.push_n(&mut part, row, pos, n),
                    }
                });
            if !more {
                break;
            }
        }
        EvalCtx::at_row(None);
        self.state.done(idx, part);
        // The budget is spent: no more chunks (the run ends with the error).
        if self.budget.over() {
            self.stop.store(true, Ordering::SeqCst);
        }
    }
}

impl<S: SinkState> Feed<'_, S> {
    /// Whether chunks may go the batch path now.
    fn batches(&self) -> bool {
        BATCHES.load(Ordering::Relaxed)
            && !self.phys.rows_only.load(Ordering::Relaxed)
            && self.phys.batch.is_some()
    }

    /// Runs chunk `idx` as the batch of `cols` (`len` rows); false (nothing done) when
    /// it cannot, and the caller then feeds the chunk's rows.
    fn batch(&self, idx: usize, cols: Vec<Col>, len: usize) -> bool {
        if let Some(steps) = self.phys.batch.as_ref() {
            let pos = |i: usize| row_position(self.pipeline, idx, i);
            let env = Env {
                ctx: self.ctx,
                position: self.phys.random.then_some(&pos as &dyn Fn(usize) -> u64),
            };
            let mut b = Batch::new(cols, len);
            let ran = steps.iter().try_for_each(|s| s.run(&mut b, &env));
            if ran.is_ok() {
                let mut part = self.state.part();
                self.state
                    .push_batch(&mut part, &mut b, (idx as u64) << 32, &env);
                EvalCtx::at_row(None);
                self.state.done(idx, part);
                BATCH_CHUNKS.fetch_add(1, Ordering::Relaxed);
                if self.budget.over() {
                    self.stop.store(true, Ordering::SeqCst);
                }
                return true;
            }
            // A value no column holds: the chunk goes the row path, and so do the next
            // ones (their values are most likely of the same kinds).
            EvalCtx::at_row(None);
            self.phys.rows_only.store(true, Ordering::Relaxed);
        }
        false
    }
}

impl<S: SinkState> Feeds for Feed<'_, S> {
    fn range_chunk(&self, idx: usize, r: &RangeSpec, at: u64, end: u64) {
        if self.batches() {
            if let Some(col) = r.column(at, end) {
                if self.batch(idx, vec![col], (end - at) as usize) {
                    return;
                }
            }
        }
        self.chunk(idx, &mut RangeCursor::new(r, at, end));
    }

    /// The rows as columns when every column is of one kind of number (or bools),
    /// else (or when the batch path cannot take them) one at a time.
    fn rows_chunk(&self, idx: usize, rows: &[&[Value]]) {
        if self.batches() {
            let width = rows.first().map_or(0, |r| r.len());
            let cols: Option<Vec<Col>> = (0..width)
                .map(|j| Col::from_values(rows.iter().map(|r| r[j].clone()).collect()).ok())
                .collect();
            match cols {
                // Not columns: the next chunks are most likely not either.
                None => self.phys.rows_only.store(true, Ordering::Relaxed),
                Some(cols) => {
                    if !rows.is_empty() && self.batch(idx, cols, rows.len()) {
                        return;
                    }
                }
            }
        }
        struct Cursor<'r> {
            rows: &'r [&'r [Value]],
            at: usize,
        }
        impl RowCursor for Cursor<'_> {
            fn next_row(&mut self) -> Option<&[Value]> {
                self.at += 1;
                self.rows.get(self.at - 1).copied()
            }
        }
        self.chunk(idx, &mut Cursor { rows, at: 0 });
    }
}

/// Runs a scan (`scan` calls the source with the chunk sink) into the physical sink;
/// `None` when the source gave up.
fn drive(
    phys: &Physical,
    run: &Run,
    stop: &AtomicBool,
    scan: impl Fn(&dyn Feeds) -> Result<Scanned>,
) -> Result<Option<Vec<Row>>> {
    fn go<S: SinkState>(
        state: S,
        phys: &Physical,
        run: &Run,
        stop: &AtomicBool,
        scan: &dyn Fn(&dyn Feeds) -> Result<Scanned>,
    ) -> Result<Option<Vec<Row>>> {
        let feed = Feed {
            phys,
            ctx: run.ctx,
            state: &state,
            pipeline: run.pipeline,
            budget: run.budget,
            stop,
            memo_run: memo::new_run(),
        };
        let scanned = scan(&feed);
        // (The scan's threads end with it, and their tables; this thread's go now.)
        memo::forget(feed.memo_run);
        // Past the budget, the rows are incomplete: the error, whatever the scan said.
        run.budget.check()?;
        match scanned? {
            Scanned::Done => match run.groups {
                Some(out) => match state.into_groups() {
                    Ok(groups) => {
                        *lock(out) = Some(groups?);
                        Ok(Some(Vec::new()))
                    }
                    Err(state) => state.finish().map(Some),
                },
                None => state.finish().map(Some),
            },
            Scanned::GaveUp(chunk) => Ok(state.finish_before(chunk)),
        }
    }
    let (ctx, budget, holder) = (run.ctx, run.budget, run.holder);
    match &phys.sink {
        PSink::Collect => go(
            Collect {
                budget,
                holder,
                parts: Mutex::default(),
            },
            phys,
            run,
            stop,
            &scan,
        ),
        PSink::Count => go(Count::default(), phys, run, stop, &scan),
        PSink::Build(collector, cols, keys) => {
            // A scan may give up and start over: the build side gathers anew.
            collector.reset();
            go(
                BuildSink {
                    collector,
                    cols,
                    keys,
                    budget,
                },
                phys,
                run,
                stop,
                &scan,
            )
        }
        PSink::Take(n) => go(
            Take {
                n: *n,
                stop,
                budget,
                holder,
                parts: Mutex::default(),
            },
            phys,
            run,
            stop,
            &scan,
        ),
        PSink::Summarize(keys, aggs, compiled, vector) => go(
            Summarize::new(keys, aggs, compiled, vector, ctx, budget),
            phys,
            run,
            stop,
            &scan,
        ),
        PSink::TopK(keys, n, compiled, vector) => go(
            TopK {
                keys,
                compiled,
                vector,
                n: *n,
                ctx,
                budget,
                best: Mutex::default(),
            },
            phys,
            run,
            stop,
            &scan,
        ),
    }
}

/// Every row, in order.
struct Collect<'a> {
    budget: &'a Budget,
    holder: &'static str,
    parts: Mutex<Vec<(usize, Vec<Row>)>>,
}

/// A part of a sink that keeps rows: them, and the bytes not yet charged.
type Kept = (Vec<Row>, u64);

/// Gathers `bytes` in `pending`, charging `budget` once a batch is full; false when
/// the budget is spent.
#[inline]
fn meter(budget: &Budget, holder: &'static str, pending: &mut u64, bytes: u64) -> bool {
    *pending += bytes;
    if *pending < 1 << 20 {
        return true;
    }
    budget.charge(std::mem::take(pending), holder)
}

impl SinkState for Collect<'_> {
    type Part = Kept;
    fn part(&self) -> Kept {
        (Vec::new(), 0)
    }
    fn push(&self, part: &mut Kept, row: RowIn<'_>, _: u64) -> bool {
        let row = row.into_owned();
        let ok = meter(
            self.budget,
            self.holder,
            &mut part.1,
            crate::limits::row_bytes(&row),
        );
        part.0.push(row);
        ok
    }
    fn done(&self, idx: usize, (rows, pending): Kept) {
        self.budget.charge(pending, self.holder);
        lock(&self.parts).push((idx, rows));
    }
    fn finish(self) -> Result<Vec<Row>> {
        let mut parts = self.parts.into_inner().unwrap_or_else(|e| e.into_inner());
        parts.sort_by_key(|(i, _)| *i);
        let mut rows = Vec::with_capacity(parts.iter().map(|(_, p)| p.len()).sum());
        for (_, p) in parts {
            rows.extend(p);
        }
        Ok(rows)
    }
}

#[derive(Default)]
struct Count {
    n: AtomicUsize,
}

impl SinkState for Count {
    type Part = usize;
    fn part(&self) -> usize {
        0
    }
    fn push(&self, part: &mut usize, _: RowIn<'_>, _: u64) -> bool {
        *part += 1;
        true
    }
    fn push_n(&self, part: &mut usize, _: RowIn<'_>, _: u64, n: u64) -> bool {
        *part = part.saturating_add(n as usize);
        true
    }
    fn push_batch(&self, part: &mut usize, b: &mut Batch, _: u64, _: &Env) -> bool {
        *part += b.len;
        true
    }
    fn done(&self, _: usize, part: usize) {
        self.n.fetch_add(part, Ordering::SeqCst);
    }
    fn finish(self) -> Result<Vec<Row>> {
        Ok(vec![vec![Value::Long(self.n.into_inner() as i64)]])
    }
}

/// The first `n` rows: each chunk keeps at most `n`; once the chunks from the first on
/// hold `n` rows together, the scan is asked to stop.
struct Take<'a> {
    n: usize,
    stop: &'a AtomicBool,
    budget: &'a Budget,
    holder: &'static str,
    parts: Mutex<std::collections::BTreeMap<usize, Vec<Row>>>,
}

impl SinkState for Take<'_> {
    type Part = Kept;
    fn part(&self) -> Kept {
        (Vec::new(), 0)
    }
    fn push(&self, part: &mut Kept, row: RowIn<'_>, _: u64) -> bool {
        if part.0.len() < self.n {
            let row = row.into_owned();
            let bytes = crate::limits::row_bytes(&row);
            part.0.push(row);
            if !meter(self.budget, self.holder, &mut part.1, bytes) {
                return false;
            }
        }
        part.0.len() < self.n
    }
    fn done(&self, idx: usize, (part, pending): Kept) {
        self.budget.charge(pending, self.holder);
        let mut parts = lock(&self.parts);
        parts.insert(idx, part);
        let mut have = 0;
        for (k, (i, p)) in parts.iter().enumerate() {
            if *i != k {
                break;
            }
            have += p.len();
        }
        if have >= self.n {
            self.stop.store(true, Ordering::SeqCst);
        }
    }
    fn finish(self) -> Result<Vec<Row>> {
        Ok(self.first_rows(usize::MAX).0)
    }
    fn finish_before(self, chunk: usize) -> Option<Vec<Row>> {
        let n = self.n;
        let (rows, _) = self.first_rows(chunk);
        (rows.len() >= n).then_some(rows)
    }
}

impl Take<'_> {
    /// The first rows of the chunks from the first on, up to the first missing one (a
    /// chunk never read: the scan stopped) or `before`, cut to `n`.
    fn first_rows(self, before: usize) -> (Vec<Row>, usize) {
        let parts = self.parts.into_inner().unwrap_or_else(|e| e.into_inner());
        let mut rows = Vec::new();
        let mut used = 0;
        for (k, (i, p)) in parts.into_iter().enumerate() {
            if i != k || i >= before || rows.len() >= self.n {
                break;
            }
            rows.extend(p);
            used += 1;
        }
        rows.truncate(self.n);
        (rows, used)
    }
}

/// How many rows ahead an aggregation asks the memory for the index slot of a key (and
/// half as many for its group): about the rows a memory access takes to process.
const PREFETCH: usize = 16;

/// Hash aggregation split by key over one aggregator per thread: the thread of a chunk
/// computes each row's key and arguments, hashes the key, and hands each aggregator its
/// share of the chunk; each aggregator applies the chunks in source order (so every
/// group sees its rows in order, as in one pass), without a thread waiting for
/// another's chunk (see [`Ordered`]). Groups come out in order of first appearance,
/// from the positions the aggregators record.
struct Summarize<'a> {
    keys: &'a [BExpr],
    /// What [`prepare`](super::summarize::prepare) computes for a row (keys, then arguments), compiled.
    compiled: &'a [Compiled],
    /// The same, a column at a time.
    vector: &'a [VExpr],
    ctx: &'a EvalCtx,
    budget: &'a Budget,
    stride: usize,
    aggregators: Vec<Ordered<Aggregator, Share>>,
    /// When every aggregate is a `count()` and there are keys: the keys' columns when
    /// every key is a column (read in place, not copied), else empty. A chunk's rows
    /// are then counted per key on their thread ([`Values::Counted`]).
    counted: Option<Vec<usize>>,
}

/// A chunk's prepared values and their rows' positions in the chunk, and an
/// aggregator's share of them: (prepared row, key hash). (The work of a chunk carries
/// all it needs: a thread may apply other chunks' work than its own.)
type Share = (Arc<Values>, Arc<Vec<u32>>, Vec<(u32, u64)>);

/// The aggregator of `parts` that takes the key of hash `h`: its low bits (an
/// aggregator's index uses the high ones), scaled to the aggregators without a division.
fn aggregator_of(h: u64, parts: usize) -> usize {
    ((h as u32 as u64 * parts as u64) >> 32) as usize
}

/// A chunk's prepared values: a row's after another, or typed columns (from a batch),
/// or, for a summarize of `count()`s only, its rows counted per key.
enum Values {
    Flat(Vec<Value>),
    Typed(Vec<Col>),
    Counted(Box<Counted>),
}

/// A chunk's rows counted per key (in order of first appearance, each with its first
/// row's position in the chunk). Why: a row then costs one lookup of its key, read in
/// place, in a table of the chunk's few keys, where it cost its keys copied, kept,
/// hashed again and looked up in the shared aggregation.
#[derive(Default)]
struct Counted {
    index: super::summarize::KeyIndex,
    /// The keys' values, a key after another, and each key's hash, first row and rows.
    keys: Vec<Value>,
    hashes: Vec<u64>,
    firsts: Vec<u32>,
    counts: Vec<i64>,
    /// A row's keys when they are computed, not columns.
    row: Vec<Value>,
    /// The groups of the chunk's first keys of one string ([`RECENT`] / 2 of them),
    /// found by the string's address. Why: a scan's reader shares each distinct string
    /// of a column (see `io::json::Interner`), so a key seen before is mostly the very
    /// same string, and its group is then found without hashing and comparing its text
    /// (the tag of `mv-expand tags | summarize count() by tostring(tags)`). Each entry
    /// holds its string, so that no other string takes its address while it is here.
    recent: Vec<(Option<crate::value::Str>, usize)>,
    remembered: usize,
}

/// Slots of [`Counted::recent`].
const RECENT: usize = 256;

impl Counted {
    /// [`Counted::add`] of a key of one value, found first among the recent keys when
    /// it is a string.
    #[inline(always)]
    fn add_one(&mut self, key: &Value, pos: u32, n: i64) -> bool {
        let free = match key {
            Value::String(s) => match self.recent_slot(s) {
                Ok(g) => {
                    self.counts[g] += n;
                    return false;
                }
                Err(free) => Some((free, s)),
            },
            _ => None,
        };
        let h = key_hash(std::slice::from_ref(key));
        let (g, new) = self.add(std::iter::once(key), 1, h, pos, n);
        if let Some((free, s)) = free.filter(|_| self.remembered < RECENT / 2) {
            self.recent[free] = (Some(s.clone()), g);
            self.remembered += 1;
        }
        new
    }

    /// The group of string `s` among the recent keys, or the free slot its search ended
    /// at. Open addressing from the address's slot; at most half the slots are taken (a
    /// full table would make every search of a key of many values long: those keys just
    /// go the long way).
    #[inline(always)]
    fn recent_slot(&mut self, s: &crate::value::Str) -> Result<usize, usize> {
        if self.recent.is_empty() {
            self.recent = vec![(None, 0); RECENT];
        }
        let address = Arc::as_ptr(s) as *const u8 as usize as u64;
        let bits = RECENT.trailing_zeros();
        let mut at = (address.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - bits)) as usize;
        while let (Some(r), g) = &self.recent[at] {
            if Arc::ptr_eq(r, s) {
                return Ok(*g);
            }
            at = (at + 1) % RECENT;
        }
        Err(at)
    }

    /// Counts `n` rows of key `key` (its [`key_hash`] `h`, the first at `pos` in the
    /// chunk): the key's group, and whether the key is new.
    #[inline(always)]
    fn add<'v>(
        &mut self,
        key: impl Iterator<Item = &'v Value> + Clone,
        nk: usize,
        h: u64,
        pos: u32,
        n: i64,
    ) -> (usize, bool) {
        let (keys, hashes) = (&self.keys, &self.hashes);
        let same = |g: usize| hashes[g] == h && keys[g * nk..(g + 1) * nk].iter().eq(key.clone());
        match self.index.find(hashes, h, same) {
            Ok(g) => {
                self.counts[g] += n;
                (g, false)
            }
            Err(slot) => {
                let g = self.hashes.len();
                self.index.put(slot, g);
                self.keys.extend(key.cloned());
                self.hashes.push(h);
                self.firsts.push(pos);
                self.counts.push(n);
                (g, true)
            }
        }
    }
}

/// A part: the prepared values of the chunk's rows, each row's position, and the
/// bytes of them not yet charged and charged (a join exploding before the summarize
/// makes a chunk's values grow without bound; they are freed once aggregated).
type Prepared = (Values, Vec<u32>, u64, u64);

impl<'a> Summarize<'a> {
    fn new(
        keys: &'a [BExpr],
        aggs: &'a [BAgg],
        compiled: &'a [Compiled],
        vector: &'a [VExpr],
        ctx: &'a EvalCtx,
        budget: &'a Budget,
    ) -> Self {
        let parts = if keys.is_empty() { 1 } else { threads() };
        Summarize {
            keys,
            compiled,
            vector,
            ctx,
            budget,
            stride: Aggregator::width(keys.len(), aggs),
            aggregators: (0..parts)
                .map(|_| Ordered::new(Aggregator::new(keys.len(), aggs)))
                .collect(),
            counted: Self::counts(keys, aggs).then(|| {
                let cols: Option<Vec<usize>> = compiled
                    .iter()
                    .map(|c| match c.expr {
                        BExpr::Column(i) => Some(i),
                        _ => None,
                    })
                    .collect();
                cols.unwrap_or_default()
            }),
        }
    }

    /// Whether a summarize of `keys` and `aggs` counts each chunk's rows per key (see
    /// [`Counted`]).
    fn counts(keys: &[BExpr], aggs: &[BAgg]) -> bool {
        !keys.is_empty() && Aggregator::counts_only(aggs)
    }

    /// [`SinkState::push_n`] of a row into a chunk's counts (see [`Counted`]); `cols` the
    /// keys' columns, or empty when the keys are computed.
    #[inline(always)]
    fn count(&self, part: &mut Prepared, cols: &[usize], row: RowIn<'_>, pos: u64, n: u64) -> bool {
        if let Values::Flat(flat) = &part.0 {
            if !flat.is_empty() || !part.1.is_empty() {
                return false;
            }
            part.0 = Values::Counted(Box::default());
        }
        let Values::Counted(c) = &mut part.0 else {
            return false;
        };
        let values = row.values();
        let nk = self.keys.len();
        let (pos, n) = (pos as u32, n as i64);
        let new = match (cols, self.compiled) {
            (&[i], _) if nk == 1 => c.add_one(&values[i], pos, n),
            ([], [e]) if nk == 1 => c.add_one(&e.eval(values, self.ctx), pos, n),
            ([], _) => {
                let mut keys = std::mem::take(&mut c.row);
                keys.clear();
                keys.extend(self.compiled.iter().map(|e| e.eval(values, self.ctx)));
                let new = c.add(keys.iter(), nk, key_hash(&keys), pos, n).1;
                c.row = keys;
                new
            }
            _ => {
                let key = cols.iter().map(|&i| &values[i]);
                c.add(key.clone(), nk, key_hash_of(key), pos, n).1
            }
        };
        if new {
            let g = c.hashes.len() - 1;
            // A key: its values, hash, first row, count and two index slots.
            part.2 += crate::limits::values_bytes(&c.keys[g * nk..]) + 32;
            if part.2 >= 1 << 20 {
                part.3 += part.2;
                return self.budget.charge(std::mem::take(&mut part.2), "summarize");
            }
        }
        true
    }

    /// [`SinkState::done`] of a chunk's counts: each key goes to its aggregator once,
    /// with its rows' count and its first row's position.
    fn done_counted(&self, idx: usize, c: Box<Counted>, charged: u64) {
        let parts = self.aggregators.len();
        let mut share: Vec<Vec<(u32, u64)>> = (0..parts).map(|_| Vec::new()).collect();
        for (g, &h) in c.hashes.iter().enumerate() {
            share[aggregator_of(h, parts)].push((g as u32, h));
        }
        self.hand_over(idx, Values::Counted(c), Vec::new(), share, charged);
    }

    /// Gives every aggregator its share of chunk `idx` (even an empty one: each waits
    /// for every chunk in turn), then frees the chunk's charge (its values are
    /// aggregated, or wait in a bounded queue).
    fn hand_over(
        &self,
        idx: usize,
        values: Values,
        positions: Vec<u32>,
        share: Vec<Vec<(u32, u64)>>,
        charged: u64,
    ) {
        let (values, positions) = (Arc::new(values), Arc::new(positions));
        for (agg, mine) in self.aggregators.iter().zip(share) {
            agg.submit(
                idx,
                (values.clone(), positions.clone(), mine),
                |agg: &mut Aggregator, chunk, work| self.apply(agg, chunk, work),
            );
        }
        self.budget.release(charged);
    }

    /// Applies chunk `chunk`'s share of an aggregator, of whichever kind: the thread
    /// that submits a chunk's work may apply other chunks' waiting work with it.
    fn apply(&self, agg: &mut Aggregator, chunk: usize, (values, positions, mine): Share) {
        if self.budget.over() {
            return;
        }
        let groups = agg.groups();
        let stride = self.stride;
        let values = match &*values {
            Values::Flat(v) => v,
            Values::Typed(cols) => {
                agg.push_typed(cols, &mine, chunk, &positions);
                self.budget.charge(agg.groups_bytes(groups), "summarize");
                pool::give(&pool::HASHED, mine);
                return;
            }
            Values::Counted(c) => {
                let nk = self.keys.len();
                for &(g, h) in &mine {
                    let g = g as usize;
                    let pos = ((chunk as u64) << 32) | c.firsts[g] as u64;
                    agg.push_count(&c.keys[g * nk..(g + 1) * nk], h, pos, c.counts[g]);
                }
                self.budget.charge(agg.groups_bytes(groups), "summarize");
                return;
            }
        };
        // Past the caches, the index and the groups are asked for ahead.
        let ahead = if agg.big() { PREFETCH } else { 0 };
        for (j, &(k, h)) in mine.iter().enumerate() {
            if ahead > 0 {
                if let Some(&(_, next)) = mine.get(j + ahead) {
                    agg.prefetch_slot(next);
                }
                if let Some(&(_, next)) = mine.get(j + ahead / 2) {
                    agg.prefetch_group(next);
                }
            }
            let at = k as usize * stride;
            let pos = ((chunk as u64) << 32) | positions[k as usize] as u64;
            agg.push_hashed(&values[at..at + stride], h, pos);
        }
        // The groups this chunk added stay until the end.
        self.budget.charge(agg.groups_bytes(groups), "summarize");
    }
}

impl SinkState for Summarize<'_> {
    type Part = Prepared;
    fn part(&self) -> Prepared {
        (Values::Flat(Vec::new()), Vec::new(), 0, 0)
    }
    fn push(&self, part: &mut Prepared, row: RowIn<'_>, pos: u64) -> bool {
        if let Some(cols) = &self.counted {
            return self.count(part, cols, row, pos, 1);
        }
        let Values::Flat(flat) = &mut part.0 else {
            // A part of a batch takes no rows (see `push_batch`).
            return false;
        };
        let (before, caps) = (flat.len(), (flat.capacity(), part.1.capacity()));
        let values = row.values();
        flat.extend(self.compiled.iter().map(|c| c.eval(values, self.ctx)));
        part.1.push(pos as u32);
        // The buffers' growth when they double (their spare capacity is memory too),
        // and what the new values hold on the heap.
        let slot = std::mem::size_of::<Value>() as u64;
        let grown =
            (flat.capacity() - caps.0) as u64 * slot + (part.1.capacity() - caps.1) as u64 * 4;
        let new = &flat[before..];
        part.2 += grown + crate::limits::values_bytes(new) - new.len() as u64 * slot;
        if part.2 >= 1 << 20 {
            part.3 += part.2;
            return self.budget.charge(std::mem::take(&mut part.2), "summarize");
        }
        true
    }
    fn push_n(&self, part: &mut Prepared, row: RowIn<'_>, pos: u64, n: u64) -> bool {
        match &self.counted {
            Some(cols) => self.count(part, cols, row, pos, n),
            None => {
                let row = row.values();
                (0..n).all(|_| self.push(part, RowIn::Leaf(row), pos))
            }
        }
    }
    /// The keys and arguments of the whole batch as columns (or, when one of them
    /// holds values no column does, row by row as [`SinkState::push`] takes them).
    fn push_batch(&self, part: &mut Prepared, b: &mut Batch, first: u64, env: &Env) -> bool {
        let fresh = part.1.is_empty() && matches!(&part.0, Values::Flat(v) if v.is_empty());
        let cols = match fresh {
            true => VExpr::eval_taking(self.vector, b, env).ok(),
            false => None,
        };
        let Some(cols) = cols else {
            return push_rows(self, part, b, first, env);
        };
        part.1 = (0..b.len as u32).collect();
        part.0 = Values::Typed(cols);
        // Charged as the values a row holds (freed once aggregated, see `done`).
        let bytes = (self.vector.len() as u64 * 9 + 4) * b.len as u64;
        part.3 += bytes;
        self.budget.charge(bytes, "summarize")
    }
    fn done(&self, idx: usize, (values, rows, _, charged): Prepared) {
        let values = match values {
            Values::Counted(c) => return self.done_counted(idx, c, charged),
            // A batch of a summarize of count()s: counted per key here, as rows are,
            // so that each key reaches the shared groups once (a row cost its key
            // handed over and looked up there).
            Values::Typed(cols) if self.counted.is_some() && self.keys.len() == 1 => {
                match super::summarize::count_ints(&cols[0], &rows) {
                    Some((keys, hashes, firsts, counts, index)) => {
                        let c = Counted {
                            index,
                            keys,
                            hashes,
                            firsts,
                            counts,
                            ..Counted::default()
                        };
                        return self.done_counted(idx, Box::new(c), charged);
                    }
                    None => Values::Typed(cols),
                }
            }
            v => v,
        };
        let parts = self.aggregators.len();
        // Sized for an even split and a little more (growing a share's vector costs
        // copies and fresh pages, a chunk after a chunk).
        let each = match parts {
            1 => rows.len(),
            p => rows.len() / p + rows.len() / (4 * p) + 16,
        };
        let mut share: Vec<Vec<(u32, u64)>> = (0..parts)
            .map(|_| pool::take(&pool::HASHED, each))
            .collect();
        let stride = self.stride;
        let nk = self.keys.len();
        let hashes = match &values {
            Values::Typed(cols) if nk > 0 => {
                let keys: Vec<&Col> = cols[..nk].iter().collect();
                typed_key_hashes(&keys, rows.len())
            }
            _ => Vec::new(),
        };
        // Without keys, every row is of the one group, in the first aggregator.
        if nk == 0 {
            share[0].extend((0..rows.len() as u32).map(|k| (k, 0)));
        }
        for k in (0..rows.len()).filter(|_| nk > 0) {
            let h = match &values {
                Values::Flat(values) => key_hash(&values[k * stride..k * stride + nk]),
                Values::Typed(_) => hashes[k],
                // (Counts go through `done_counted`: there are no rows here.)
                Values::Counted(_) => 0,
            };
            share[aggregator_of(h, parts)].push((k as u32, h));
        }
        self.hand_over(idx, values, rows, share, charged);
    }
    fn into_groups(self) -> std::result::Result<Result<Groups>, Self> {
        let mut parts = Vec::with_capacity(self.aggregators.len());
        for a in self.aggregators {
            match a.into_inner() {
                Some(mut agg) => {
                    agg.close();
                    parts.push(agg);
                }
                None => return Ok(Err(lost_groups())),
            }
        }
        let len = parts.iter().map(Aggregator::groups).sum();
        // Several parts: their groups merged by where each first appeared.
        let order = (parts.len() > 1).then(|| {
            let mut order: Vec<(u64, u32, u32)> = parts
                .iter()
                .enumerate()
                .flat_map(|(p, a)| {
                    a.firsts()
                        .iter()
                        .enumerate()
                        .map(move |(g, &pos)| (pos, p as u32, g as u32))
                })
                .collect();
            order.sort_unstable();
            order.into_iter().map(|(_, p, g)| (p, g)).collect()
        });
        Ok(Ok(Groups { parts, order, len }))
    }
    fn finish(self) -> Result<Vec<Row>> {
        let parts = self.aggregators.len();
        let mut groups: Vec<(u64, Row)> = Vec::new();
        for a in self.aggregators {
            let agg = a.into_inner().ok_or_else(|| {
                Error::new(
                    ErrorKind::Runtime,
                    "internal error: an aggregation lost a chunk",
                )
            })?;
            groups.extend(agg.finish_at());
        }
        if parts > 1 {
            groups.sort_by_key(|(pos, _)| *pos);
        }
        Ok(groups.into_iter().map(|(_, row)| row).collect())
    }
}

/// The first `n` rows in the order of `keys`, ties in input order: each chunk keeps its
/// best `n` (a buffer cut back to `n` whenever it doubles, rows no better than the
/// current `n`-th rejected on sight), and the chunks' best merge into one such buffer.
struct TopK<'a> {
    keys: &'a [SortSpec],
    /// The keys' expressions, compiled.
    compiled: &'a [Compiled],
    /// The same, a column at a time.
    vector: &'a [VExpr],
    n: usize,
    ctx: &'a EvalCtx,
    /// Charged for the entries held (a `top` of millions holds millions of rows).
    budget: &'a Budget,
    best: Mutex<Best>,
}

/// Sort key values, position, row.
type Entry = (Vec<Value>, u64, Row);

#[derive(Default)]
struct Best {
    entries: Vec<Entry>,
    /// Whether `entries` holds `n` sorted entries (its last is the bound to beat).
    full: bool,
    /// Key values being evaluated (reused from row to row).
    scratch: Vec<Value>,
    /// Bytes of entries added and not yet charged.
    pending: u64,
}

fn entry_bytes(e: &Entry) -> u64 {
    crate::limits::row_bytes(&e.2) + crate::limits::values_bytes(&e.0) + 32
}

impl TopK<'_> {
    fn cmp(&self, a: &[Value], apos: u64, b: &[Value], bpos: u64) -> CmpOrdering {
        for (k, spec) in self.keys.iter().enumerate() {
            let o = compare_key(&a[k], &b[k], spec.desc, spec.nulls_first);
            if o != CmpOrdering::Equal {
                return o;
            }
        }
        apos.cmp(&bpos)
    }

    /// Sorts `best` and cuts it to `n` (giving back what the entries cut held).
    fn cut(&self, best: &mut Best) {
        best.entries.sort_by(|a, b| self.cmp(&a.0, a.1, &b.0, b.1));
        let freed: u64 = best
            .entries
            .get(self.n..)
            .map_or(0, |cut| cut.iter().map(entry_bytes).sum());
        best.entries.truncate(self.n);
        best.full = best.entries.len() == self.n;
        let uncharged = freed.min(best.pending);
        best.pending -= uncharged;
        self.budget.release(freed - uncharged);
    }

    /// Adds an entry; false when the budget is spent.
    fn add(&self, best: &mut Best, entry: Entry) -> bool {
        best.pending += entry_bytes(&entry);
        best.entries.push(entry);
        if best.entries.len() >= 2 * self.n.max(1) {
            self.cut(best);
        }
        if best.pending >= 1 << 20 {
            return self.budget.charge(std::mem::take(&mut best.pending), "top");
        }
        true
    }
}

impl SinkState for TopK<'_> {
    type Part = Best;
    fn part(&self) -> Best {
        Best::default()
    }
    fn push(&self, part: &mut Best, row: RowIn<'_>, pos: u64) -> bool {
        if self.n == 0 {
            return false;
        }
        let mut keys = std::mem::take(&mut part.scratch);
        keys.clear();
        keys.extend(self.compiled.iter().map(|k| k.eval(row.values(), self.ctx)));
        if part.full {
            if let Some(last) = part.entries.get(self.n - 1) {
                // Positions grow within a chunk: a row that ties the bound comes after it.
                if self.cmp(&keys, pos, &last.0, last.1) != CmpOrdering::Less {
                    part.scratch = keys;
                    return true;
                }
            }
        }
        part.scratch = Vec::with_capacity(self.keys.len());
        self.add(part, (keys, pos, row.into_owned()))
    }
    /// The keys of the whole batch as columns; a row's entry is made only when its keys
    /// beat the current bound (or, when a key holds values no column does, row by row).
    fn push_batch(&self, part: &mut Best, b: &mut Batch, first: u64, env: &Env) -> bool {
        if self.n == 0 {
            return false;
        }
        let Ok(cols) = self
            .vector
            .iter()
            .map(|e| e.eval(b, env))
            .collect::<std::result::Result<Vec<_>, _>>()
        else {
            return push_rows(self, part, b, first, env);
        };
        let mut keys = std::mem::take(&mut part.scratch);
        // One key of longs or reals without nulls: a row is held against the bound
        // unboxed, as `compare_key` orders two longs or two reals that are not NaN.
        let one = match cols.as_slice() {
            [c] if c.nulls.is_none() => Some((c, self.keys[0].desc)),
            _ => None,
        };
        for i in 0..b.len {
            let pos = first + i as u64;
            if let (Some((c, desc)), true) = (one, part.full) {
                if let Some(last) = part.entries.get(self.n - 1) {
                    let o = match (&c.data, c.kind, &last.0[0]) {
                        (Data::F(v), _, Value::Real(y)) => v[i].partial_cmp(y),
                        (Data::I(v), Kind::Long, Value::Long(y)) => Some(v[i].cmp(y)),
                        _ => None,
                    };
                    let o = o.map(|o| if desc { o.reverse() } else { o });
                    // A tie comes after the bound (positions grow within a chunk).
                    if o.is_some_and(|o| o != CmpOrdering::Less) {
                        continue;
                    }
                }
            }
            keys.clear();
            keys.extend(cols.iter().map(|c| c.value(i)));
            if part.full {
                if let Some(last) = part.entries.get(self.n - 1) {
                    // Positions grow within a chunk: a row that ties the bound comes after it.
                    if self.cmp(&keys, pos, &last.0, last.1) != CmpOrdering::Less {
                        continue;
                    }
                }
            }
            let mut row = Vec::with_capacity(b.cols.len());
            b.row(i, &mut row);
            let entry = (
                std::mem::replace(&mut keys, Vec::with_capacity(cols.len())),
                pos,
                row,
            );
            if !self.add(part, entry) {
                return false;
            }
        }
        part.scratch = keys;
        true
    }
    fn done(&self, _: usize, part: Best) {
        // The part's entries move into the merged buffer, all of them charged (its
        // pending bytes now); the merged buffer's cuts give back what they drop.
        self.budget.charge(part.pending, "top");
        let mut best = lock(&self.best);
        for e in part.entries {
            best.entries.push(e);
            if best.entries.len() >= 2 * self.n.max(1) {
                self.cut(&mut best);
            }
        }
    }
    fn finish(self) -> Result<Vec<Row>> {
        let mut best = std::mem::take(&mut *lock(&self.best));
        self.cut(&mut best);
        Ok(best.entries.into_iter().map(|(_, _, r)| r).collect())
    }
}

/// A join's build side: each chunk's rows (their kept columns, their key hashes) go to
/// the collector, which puts them in order (see [`collect_built`]).
struct BuildSink<'a> {
    collector: &'a Collector,
    cols: &'a [usize],
    keys: &'a [usize],
    budget: &'a Budget,
}

impl SinkState for BuildSink<'_> {
    type Part = (BuildPart, u64);
    fn part(&self) -> Self::Part {
        (BuildPart::default(), 0)
    }
    fn push(&self, part: &mut Self::Part, row: RowIn<'_>, _: u64) -> bool {
        // The row is the feed's buffer or the leaf's: its kept columns are cloned.
        let bytes = self.collector.push(
            &mut part.0,
            Cow::Borrowed(row.values()),
            self.cols,
            self.keys,
        );
        meter(self.budget, "join", &mut part.1, bytes)
    }
    /// The batch's columns straight into the part (or row by row, see
    /// [`Collector::push_typed`]).
    fn push_batch(&self, part: &mut Self::Part, b: &mut Batch, first: u64, env: &Env) -> bool {
        let cols: Vec<&Col> = self.cols.iter().map(|&c| &b.cols[c]).collect();
        let keys: Vec<&Col> = self.keys.iter().map(|&c| &b.cols[c]).collect();
        match self.collector.push_typed(&mut part.0, &cols, &keys, b.len) {
            Some(bytes) => meter(self.budget, "join", &mut part.1, bytes),
            None => push_rows(self, part, b, first, env),
        }
    }
    fn done(&self, idx: usize, (part, pending): Self::Part) {
        self.budget.charge(pending, "join");
        self.collector.done(idx, part);
    }
    /// The rows are in the collector.
    fn finish(self) -> Result<Vec<Row>> {
        Ok(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// Counting by a key of one value gives the counts a map of the values gives,
    /// whether the key is a shared string seen before, another string of the same
    /// text, a string whose address takes another's recent entry, or no string.
    #[test]
    fn counts_by_one_key_agree_with_a_map() {
        // Two shared strings of each text.
        let shared: Vec<Value> = (0..300)
            .map(|i| Value::str(&format!("k{}", i % 150)))
            .collect();
        let mut c = Counted::default();
        let mut want: HashMap<String, i64> = HashMap::new();
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for pos in 0..20_000u32 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let k = (x % 300) as usize;
            let key = match x % 7 {
                0 => Value::str(&format!("k{}", k % 150)),
                1 => Value::Long((k % 10) as i64),
                2 => Value::Null,
                _ => shared[k].clone(),
            };
            let n = 1 + (x >> 32) as i64 % 3;
            c.add_one(&key, pos, n);
            *want.entry(format!("{key:?}")).or_default() += n;
        }
        let got: HashMap<String, i64> = c
            .keys
            .iter()
            .zip(&c.counts)
            .map(|(k, &n)| (format!("{k:?}"), n))
            .collect();
        assert_eq!(c.keys.len(), want.len(), "one group per value");
        assert_eq!(got, want);
    }
}
