//! The physical plan for a pipeline over a table still in its file: the logical nodes
//! `Scan → (where | extend | project)* → [summarize]` are lowered to one fused scan.
//!
//! - Column pruning: the scan converts and keeps only the columns the pipeline reads.
//! - Pushdown and streaming: each row is filtered, extended and projected on the
//!   parsing thread right after it is parsed, so a row that fails a `where` is never
//!   stored, and rows are never gathered into a table before the next operator.
//! - Partial aggregation: under a `summarize`, the parsing threads compute each row's
//!   key and argument values; only those reach the (single, in-order) hash
//!   aggregation, whose memory grows with the groups, not with the input.
//!
//! Rows reach the aggregation (or the output) in file order, so every result, including
//! order-sensitive ones (`take_any`, `make_list`, group order), is the one the
//! in-memory path gives. When the fast reader gives up on a file, the table is loaded
//! whole and the same plan runs in memory (see [`crate::io::scan`]).

use super::eval::{eval, holds};
use super::ordered::Ordered;
use super::summarize::{key_hash, prepare, Aggregator};
use super::Rows;
use crate::error::{Error, ErrorKind, Result};
use crate::functions::EvalCtx;
use crate::io::scan::FileTable;
use crate::plan::{BAgg, BExpr, Plan, PlanKind};
use crate::table::Row;
use crate::value::Value;
use std::borrow::Cow;
use std::sync::Arc;

/// A row-at-a-time operator of the pipeline.
enum Step<'p> {
    Filter(&'p BExpr),
    Extend(&'p [(Option<usize>, BExpr)], usize),
    Project(&'p [BExpr]),
}

/// The fused pipeline: the scan, the steps bottom-up, and the optional aggregation.
struct Pipeline<'p> {
    file: &'p Arc<FileTable>,
    scan_width: usize,
    steps: Vec<Step<'p>>,
    summarize: Option<(&'p [BExpr], &'p [BAgg])>,
    /// Only the number of rows is wanted (`count`): no column is needed for the output.
    count_only: bool,
}

/// Lowers `plan` when it is a pipeline over a table not yet read; `None` otherwise.
/// `count_only`: the caller wants only the number of rows (then a bare scan lowers too).
fn lower(plan: &Plan, count_only: bool) -> Option<Pipeline<'_>> {
    let mut node = plan;
    let mut summarize = None;
    if let PlanKind::Summarize { input, keys, aggs } = &node.kind {
        if keys.iter().any(BExpr::has_window)
            || aggs.iter().any(|a| a.args.iter().any(BExpr::has_window))
        {
            return None;
        }
        summarize = Some((keys.as_slice(), aggs.as_slice()));
        node = input;
    }
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
            PlanKind::Project { input, exprs } if !exprs.iter().any(BExpr::has_window) => {
                steps.push(Step::Project(exprs));
                node = input;
            }
            // `as`: the rows pass unchanged (a rule's window is a named filter).
            PlanKind::Named { input, .. } => node = input,
            PlanKind::Scan {
                file: Some(file), ..
            } if file.loaded().is_none()
                && (summarize.is_some() || !steps.is_empty() || count_only) =>
            {
                steps.reverse();
                return Some(Pipeline {
                    file,
                    scan_width: node.schema.len(),
                    steps,
                    summarize,
                    count_only: count_only && summarize.is_none(),
                });
            }
            _ => return None,
        }
    }
}

/// Marks the columns `e` reads.
fn reads(e: &BExpr, used: &mut [bool]) {
    match e {
        BExpr::Column(i) => {
            if let Some(u) = used.get_mut(*i) {
                *u = true;
            }
        }
        BExpr::Call(_, args) | BExpr::Window(_, args) | BExpr::Select(_, args) => {
            args.iter().for_each(|a| reads(a, used))
        }
        BExpr::And(a, b) | BExpr::Or(a, b) => {
            reads(a, used);
            reads(b, used);
        }
        BExpr::Const(_) | BExpr::Unavailable(_) => {}
    }
}

impl Pipeline<'_> {
    /// The scan's columns that some step, the aggregation or the output reads
    /// (computed top-down, through each step's input width).
    fn needed(&self) -> Vec<bool> {
        // Width of the rows each step receives, bottom-up.
        let mut widths = Vec::with_capacity(self.steps.len());
        let mut w = self.scan_width;
        for s in &self.steps {
            widths.push(w);
            w = match s {
                Step::Filter(_) => w,
                Step::Extend(_, out) => *out,
                Step::Project(exprs) => exprs.len(),
            };
        }
        let mut used = vec![false; w];
        match self.summarize {
            Some((keys, aggs)) => {
                keys.iter().for_each(|k| reads(k, &mut used));
                aggs.iter()
                    .flat_map(|a| &a.args)
                    .for_each(|a| reads(a, &mut used));
            }
            None if self.count_only => {}
            None => used.iter_mut().for_each(|u| *u = true),
        }
        for (s, &w_in) in self.steps.iter().zip(&widths).rev() {
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
            };
        }
        used
    }
}

/// Where an `extend` item's value goes in a pruned row.
#[derive(Clone, Copy)]
enum Target {
    Replace(usize),
    Append,
    /// A column nothing reads later: not computed.
    Drop,
}

/// A step rewritten for the pruned rows the scan produces.
enum PStep {
    Filter(BExpr),
    /// Items, each with the one column it reads when it may be remembered (see [`memo`]).
    Extend(Vec<(Target, BExpr, Option<usize>)>, usize),
    Project(Vec<BExpr>),
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

/// The physical pipeline: the logical steps with column indexes rewritten for rows
/// that hold only the needed scan columns (in schema order), so that a wide table
/// (Sentinel tables have up to a hundred columns) costs nothing per unused column.
struct Physical {
    steps: Vec<PStep>,
    keys: Vec<BExpr>,
    aggs: Vec<BAgg>,
}

fn remap(e: &BExpr, m: &[usize]) -> BExpr {
    let all = |args: &[BExpr]| args.iter().map(|a| remap(a, m)).collect();
    match e {
        BExpr::Column(i) => BExpr::Column(m.get(*i).copied().unwrap_or(*i)),
        BExpr::Call(f, args) => BExpr::Call(f.clone(), all(args)),
        BExpr::Window(k, args) => BExpr::Window(*k, all(args)),
        BExpr::Select(s, args) => BExpr::Select(*s, all(args)),
        BExpr::And(a, b) => BExpr::And(Box::new(remap(a, m)), Box::new(remap(b, m))),
        BExpr::Or(a, b) => BExpr::Or(Box::new(remap(a, m)), Box::new(remap(b, m))),
        BExpr::Const(_) | BExpr::Unavailable(_) => e.clone(),
    }
}

impl Pipeline<'_> {
    fn physical(&self, needed: &[bool]) -> Physical {
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
        let mut steps = Vec::with_capacity(self.steps.len());
        for s in &self.steps {
            steps.push(match s {
                Step::Filter(pred) => PStep::Filter(remap(pred, &m)),
                Step::Extend(items, out) => {
                    let w_in = m.len();
                    m.extend((w_in..*out).map(|j| width + (j - w_in)));
                    width += out - w_in;
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
                            (t, e, memo)
                        })
                        .collect();
                    PStep::Extend(items, width)
                }
                Step::Project(exprs) => {
                    let exprs: Vec<BExpr> = exprs.iter().map(|e| remap(e, &m)).collect();
                    width = exprs.len();
                    m = (0..width).collect();
                    PStep::Project(exprs)
                }
            });
        }
        let (keys, aggs) = match self.summarize {
            Some((keys, aggs)) => (
                keys.iter().map(|k| remap(k, &m)).collect(),
                aggs.iter()
                    .map(|a| BAgg {
                        imp: a.imp.clone(),
                        args: a.args.iter().map(|e| remap(e, &m)).collect(),
                    })
                    .collect(),
            ),
            None => (Vec::new(), Vec::new()),
        };
        Physical { steps, keys, aggs }
    }
}

impl Physical {
    /// Runs the steps on one row; `None` when a filter drops it. The row is copied only
    /// when a step changes it (a run of `where`s reads the parser's row in place).
    fn apply<'r>(&self, row: &'r [Value], ctx: &EvalCtx) -> Option<Cow<'r, [Value]>> {
        let mut row = Cow::Borrowed(row);
        let mut pending: Vec<(usize, Value)> = Vec::new();
        for s in &self.steps {
            match s {
                PStep::Filter(pred) => {
                    if !holds(pred, &row, ctx) {
                        return None;
                    }
                }
                PStep::Extend(items, width) => {
                    let r = row.to_mut();
                    r.reserve(width.saturating_sub(r.len()));
                    for (target, e, memo_col) in items.iter() {
                        if matches!(target, Target::Drop) {
                            continue;
                        }
                        let v = match memo_col.and_then(|c| r.get(c)) {
                            Some(Value::String(s)) => {
                                let s = s.clone();
                                memo::eval(e, &s, || eval(e, r, ctx))
                            }
                            _ => eval(e, r, ctx),
                        };
                        match target {
                            Target::Replace(i) => pending.push((*i, v)),
                            _ => r.push(v),
                        }
                    }
                    for (i, v) in pending.drain(..) {
                        r[i] = v;
                    }
                }
                PStep::Project(exprs) => {
                    row = Cow::Owned(exprs.iter().map(|e| eval(e, &row, ctx)).collect());
                }
            }
        }
        Some(row)
    }
}

/// Results of `extend` items over one text column, remembered per distinct value on each
/// parsing thread: log columns such as user agents repeat a few values over millions of
/// rows, and the reader shares equal strings, so a value is known by its address. An
/// entry keeps its string alive, so an address is never reused for another value while
/// remembered. A table that stops paying (mostly distinct values) is switched off.
mod memo {
    use super::super::hash::FxHashMap;
    use crate::plan::BExpr;
    use crate::value::Value;
    use std::cell::RefCell;
    use std::sync::Arc;

    /// Entries per item and thread before the table is emptied.
    const CAP: usize = 1 << 14;

    #[derive(Default)]
    struct Table {
        seen: FxHashMap<usize, (Arc<str>, Value)>,
        lookups: u32,
        hits: u32,
        off: bool,
    }

    thread_local! {
        /// By the address of the item's expression (alive for the whole scan; the
        /// scan's threads end with it).
        static TABLES: RefCell<FxHashMap<usize, Table>> = RefCell::default();
    }

    /// The value of `e` on a row whose memo column holds `s`; `compute` evaluates it.
    pub(super) fn eval(e: &BExpr, s: &Arc<str>, compute: impl FnOnce() -> Value) -> Value {
        let item = e as *const BExpr as usize;
        let addr = Arc::as_ptr(s) as *const u8 as usize;
        let known = TABLES.with(|t| {
            let mut t = t.borrow_mut();
            let table = t.entry(item).or_default();
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
                    TABLES.with(|t| {
                        let mut t = t.borrow_mut();
                        let table = t.entry(item).or_default();
                        if table.seen.len() >= CAP {
                            table.seen.clear();
                        }
                        table.seen.insert(addr, (s.clone(), v.clone()));
                    });
                }
                v
            }
        }
    }
}

/// Threads that parse a file: the machine's cores, at most 8.
fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
}

/// Runs `plan` as a fused scan when it lowers to one; `None` when it does not (the
/// caller runs it operator by operator).
pub(crate) fn try_run(plan: &Plan, ctx: &EvalCtx) -> Option<Result<Rows>> {
    let p = lower(plan, false)?;
    let needed = p.needed();
    let phys = p.physical(&needed);
    let streamed = match p.summarize {
        Some(_) => summarize_scan(&p, &phys, &needed, ctx),
        None => {
            let work = |row: &[Value], out: &mut Vec<Row>| {
                if let Some(row) = phys.apply(row, ctx) {
                    out.push(row.into_owned());
                }
            };
            p.file.scan_collect(&needed, threads(), &work).ok()
        }
    };
    match streamed {
        Some(rows) => Some(Ok(Rows::Owned(rows))),
        None => Some(fallback(p.file, plan, ctx)),
    }
}

/// `count` over a pipeline: the rows are counted as they pass, none is kept, and no
/// column is read but those the steps use.
pub(crate) fn try_count(plan: &Plan, ctx: &EvalCtx) -> Option<Result<usize>> {
    let p = lower(plan, true)?;
    if p.summarize.is_some() {
        return None;
    }
    let needed = p.needed();
    let phys = p.physical(&needed);
    let work = |row: &[Value], out: &mut Vec<()>| {
        if phys.apply(row, ctx).is_some() {
            out.push(());
        }
    };
    let counted = p.file.scan_collect(&needed, threads(), &work).ok();
    Some(match counted {
        Some(units) => Ok(units.len()),
        None => fallback(p.file, plan, ctx).map(|rows| rows.len()),
    })
}

/// A scan into a hash aggregation, split by key over one aggregator per thread: the
/// parsing thread of a chunk computes each row's key and arguments, hashes the key, and
/// hands each aggregator its share of the chunk; each aggregator applies the chunks in
/// file order (so every group sees its rows in order, as in one pass), without a thread
/// waiting for another's chunk (see [`Ordered`]). Groups come out in order of first
/// appearance, from the positions the aggregators record. `None` when the fast reader
/// gave up.
fn summarize_scan(
    p: &Pipeline<'_>,
    phys: &Physical,
    needed: &[bool],
    ctx: &EvalCtx,
) -> Option<Vec<Row>> {
    let (keys, aggs) = (&phys.keys[..], &phys.aggs[..]);
    let stride = Aggregator::width(keys.len(), aggs);
    // A row with nothing to prepare (`count()` without keys) still counts: it is sent
    // as one placeholder value.
    let step = stride.max(1);
    let parts = if keys.is_empty() { 1 } else { threads() };
    // A chunk's prepared values, and an aggregator's share of them: (row, key hash).
    type Share = (Arc<Vec<Value>>, Vec<(u32, u64)>);
    let aggregators: Vec<Ordered<Aggregator, Share>> = (0..parts)
        .map(|_| Ordered::new(Aggregator::new(keys.len(), aggs)))
        .collect();
    let work = |row: &[Value], out: &mut Vec<Value>| {
        if let Some(row) = phys.apply(row, ctx) {
            prepare(&row, keys, aggs, ctx, out);
            if stride == 0 {
                out.push(Value::Null);
            }
        }
    };
    let sink = |idx: usize, out: Option<Vec<Value>>| {
        let out = Arc::new(out.unwrap_or_default());
        let rows = out.len() / step;
        let mut share: Vec<Vec<(u32, u64)>> = vec![Vec::new(); parts];
        if keys.is_empty() {
            share[0] = (0..rows as u32).map(|i| (i, 0)).collect();
        } else {
            for (i, r) in out.chunks_exact(step).enumerate() {
                let h = key_hash(&r[..keys.len()]);
                // The low bits: the aggregator's index uses the high ones.
                share[(h % parts as u64) as usize].push((i as u32, h));
            }
        }
        // Every aggregator gets every chunk, even an empty or failed one.
        for (agg, mine) in aggregators.iter().zip(share) {
            agg.submit(
                idx,
                (out.clone(), mine),
                |agg: &mut Aggregator, chunk, (out, mine)| {
                    for (i, h) in mine {
                        let at = i as usize * step;
                        let pos = ((chunk as u64) << 32) | i as u64;
                        agg.push_hashed(&out[at..at + stride], h, pos);
                    }
                },
            );
        }
    };
    p.file.scan(needed, threads(), &work, &sink).ok()?;
    let mut groups: Vec<(u64, Row)> = Vec::new();
    for a in aggregators {
        groups.extend(a.into_inner()?.finish_at());
    }
    if parts > 1 {
        groups.sort_by_key(|(pos, _)| *pos);
    }
    Some(groups.into_iter().map(|(_, row)| row).collect())
}

/// The fast reader gave up (or the shape is one it does not stream): read the table
/// whole, then run the plan in memory, or ask for the query to be bound again when the
/// table has columns the plan was not bound with.
fn fallback(file: &FileTable, plan: &Plan, ctx: &EvalCtx) -> Result<Rows> {
    file.load()?;
    if file.widened() {
        return Err(rebind_error(file));
    }
    super::run(plan, ctx)
}

pub(crate) fn rebind_error(file: &FileTable) -> Error {
    Error::new(
        ErrorKind::Runtime,
        format!(
            "table `{}` has fields its schema does not list; the query must be bound again",
            file.name()
        ),
    )
}
