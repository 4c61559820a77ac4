//! The pipeline's rows a chunk at a time, as typed columns: a leaf that can (`range`)
//! hands a chunk over as a [`Batch`] of unboxed columns, the steps whose expressions
//! all compile here (`where`, `extend`, `project`, a join's probe, `mv-expand`) run
//! over whole columns, and a sink that can take a batch (count, summarize, top) reads
//! the columns; any other sink gets the batch's rows one at a time ([`Batch::row`]).
//!
//! A column holds numbers, bools, datetimes or timespans, or arrays of such ([`List`]:
//! `pack_array` of columns, any array values of one kind of element), which
//! `mv-expand` flattens into a column of their elements' kind (a `dynamic` long is a
//! long to every function, so it stays typed after the expansion).
//!
//! The same answers as the row path, by construction:
//! - an arithmetic or comparison node runs the very functions the row path's typed
//!   form runs ([`Arith::longs`], [`Arith::reals`], [`Cmp::holds`]), on the operand
//!   kinds that form takes; on any other row (a null operand, a division by zero) the
//!   node's expression is evaluated by [`eval`] on that row, as the row path does;
//! - `tolong`, `todouble` and `pack_array` run their kernels on the operand kinds
//!   those list; any other call of a function that is not volatile is called on each
//!   row's operands, read from their columns (as [`eval`] calls it);
//! - any other expression is evaluated by [`eval`] row by row, its values kept in a
//!   typed column when they are all of one kind of number (else the chunk goes the row
//!   path: [`Abort`]);
//! - a random function sees the row position the row path gives it (and a pipeline
//!   with more than one random call never takes this path: a row's draws are numbered
//!   in the order the row path makes them).

use super::eval::eval;
use crate::functions::{rand_value, Arith, Cmp, EvalCtx, Kernel, ScalarImpl};
use crate::plan::BExpr;
use crate::value::Value;
use std::borrow::Cow;
use std::sync::Arc;

/// The kinds of value a typed column holds: integers (`Int` and `Long` apart, as the
/// values are), reals, bools, datetimes and timespans, and arrays of values that make a
/// column of their own ([`List`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Int,
    Long,
    Real,
    Bool,
    DateTime,
    TimeSpan,
    List,
}

impl Kind {
    /// The kind of a scalar `v` (an array's is told by [`Col::from_values`]).
    fn of(v: &Value) -> Option<Kind> {
        Some(match v {
            Value::Int(_) => Kind::Int,
            Value::Long(_) => Kind::Long,
            Value::Real(_) => Kind::Real,
            Value::Bool(_) => Kind::Bool,
            Value::DateTime(_) => Kind::DateTime,
            Value::TimeSpan(_) => Kind::TimeSpan,
            _ => return None,
        })
    }

    /// Ints and longs: what the arithmetic kernels take as integers.
    fn integer(self) -> bool {
        matches!(self, Kind::Int | Kind::Long)
    }
}

/// A column's values (the datetime, timespan and integer kinds as `i64`).
#[derive(Clone, Debug)]
pub(crate) enum Data {
    I(Vec<i64>),
    F(Vec<f64>),
    B(Vec<bool>),
    L(List),
}

/// A column of arrays (`dynamic` values that are arrays): row `i`'s elements are the
/// items `offsets[i]..offsets[i + 1]`, one column of all the rows' elements in order. A
/// null row holds no items.
#[derive(Clone, Debug)]
pub(crate) struct List {
    offsets: Vec<u32>,
    items: Box<Col>,
}

impl List {
    /// The items of row `i`.
    #[inline]
    fn range(&self, i: usize) -> std::ops::Range<u32> {
        self.offsets[i]..self.offsets[i + 1]
    }

    /// Row `i`'s array. Out of line: [`Col::value`] is on the row path's hot loops
    /// (a join's probe keys), where this arm made every call of it slower.
    #[inline(never)]
    fn value(&self, i: usize) -> Value {
        Value::array(
            self.range(i)
                .map(|j| self.items.value(j as usize))
                .collect(),
        )
    }
}

/// An index of [`Col::gather_or_null`]: no value (a null) in that row.
const MISSING: u32 = u32::MAX;

/// Rows past which a batch's `mv-expand` gives up (the chunk goes the row path, which
/// streams the rows to the sink one at a time): memory stays bounded by a few
/// megabytes a column.
const EXPANDED_ROWS: usize = 1 << 18;

/// Elements past which gathering a list column gives up (the chunk goes the row path,
/// where rows that repeat an array share it): a list repeated on each of many rows
/// (the series beside the one a `mv-expand` expands) is copied once per row here.
const GATHERED_ITEMS: usize = 4 * EXPANDED_ROWS;

impl Drop for Data {
    /// The buffer goes back to this thread's pool (the next chunk's columns reuse it).
    fn drop(&mut self) {
        match self {
            Data::I(v) => pool::give(&pool::INTS, std::mem::take(v)),
            Data::F(v) => pool::give(&pool::REALS, std::mem::take(v)),
            Data::B(_) | Data::L(_) => {}
        }
    }
}

/// Column buffers kept per thread from chunk to chunk: a chunk's columns are a few
/// hundred kilobytes, and the allocator gives such blocks back to the system when they
/// are freed, so that each chunk's would cost fresh pages (a page fault every 4 KB).
pub(crate) mod pool {
    use std::cell::RefCell;
    use std::thread::LocalKey;

    /// Buffers kept per thread and kind (a chunk's expressions hold a few at once).
    const KEEP: usize = 8;

    type Pool<T> = RefCell<Vec<Vec<T>>>;

    thread_local! {
        pub(crate) static INTS: Pool<i64> = const { RefCell::new(Vec::new()) };
        pub(crate) static REALS: Pool<f64> = const { RefCell::new(Vec::new()) };
        /// Row numbers (a batch's rows' origins, the rows a step makes, groups).
        pub(crate) static ROWS: Pool<u32> = const { RefCell::new(Vec::new()) };
        /// Rows and their hashes, as an aggregation's parts take them.
        pub(crate) static HASHED: Pool<(u32, u64)> = const { RefCell::new(Vec::new()) };
    }

    /// An empty vector with room for `n` (a kept buffer when there is one).
    pub(crate) fn take<T: 'static>(pool: &'static LocalKey<Pool<T>>, n: usize) -> Vec<T> {
        let kept = pool.try_with(|p| p.borrow_mut().pop()).ok().flatten();
        let mut v = kept.unwrap_or_default();
        v.clear();
        v.reserve(n);
        v
    }

    /// Keeps `v`'s buffer for a later [`take`] (a small one is not worth it).
    pub(crate) fn give<T: 'static>(pool: &'static LocalKey<Pool<T>>, v: Vec<T>) {
        if v.capacity() < 1024 {
            return;
        }
        // (A thread that is ending has no pool any more: the buffer is freed.)
        let _ = pool.try_with(|p| {
            let mut p = p.borrow_mut();
            if p.len() < KEEP {
                p.push(v);
            }
        });
    }

    /// `n` values `f(i)` in a kept buffer.
    #[inline(always)]
    pub(crate) fn collect<T: 'static>(
        pool: &'static LocalKey<Pool<T>>,
        n: usize,
        f: impl FnMut(usize) -> T,
    ) -> Vec<T> {
        let mut v = take(pool, n);
        v.extend((0..n).map(f));
        v
    }
}

/// A typed column: its values, and which rows are null (`None`: none is).
#[derive(Clone, Debug)]
pub(crate) struct Col {
    pub(crate) kind: Kind,
    pub(crate) data: Data,
    pub(crate) nulls: Option<Vec<bool>>,
}

/// The chunk can not go through the batch path (a value of a kind no typed column
/// holds): the chunk takes the row path.
#[derive(Debug)]
pub(crate) struct Abort;

impl Col {
    pub(crate) fn ints(kind: Kind, v: Vec<i64>) -> Col {
        Col {
            kind,
            data: Data::I(v),
            nulls: None,
        }
    }

    pub(crate) fn reals(v: Vec<f64>) -> Col {
        Col {
            kind: Kind::Real,
            data: Data::F(v),
            nulls: None,
        }
    }

    pub(crate) fn len(&self) -> usize {
        match &self.data {
            Data::I(v) => v.len(),
            Data::F(v) => v.len(),
            Data::B(v) => v.len(),
            Data::L(l) => l.offsets.len() - 1,
        }
    }

    /// A column that stands in for one nothing reads, `n` rows: nulls, of bools (a
    /// fifth of [`Col::nulls`]' bytes; no step looks at its kind).
    pub(crate) fn unread(n: usize) -> Col {
        Col {
            kind: Kind::Bool,
            data: Data::B(vec![false; n]),
            nulls: Some(vec![true; n]),
        }
    }

    /// `n` nulls.
    fn nulls(n: usize) -> Col {
        Col {
            kind: Kind::Long,
            data: Data::I(vec![0; n]),
            nulls: Some(vec![true; n]),
        }
    }

    #[inline]
    pub(crate) fn is_null(&self, i: usize) -> bool {
        self.nulls.as_ref().is_some_and(|n| n[i])
    }

    /// The value at row `i`, as the row path holds it.
    #[inline]
    pub(crate) fn value(&self, i: usize) -> Value {
        if self.is_null(i) {
            return Value::Null;
        }
        match (&self.data, self.kind) {
            (Data::I(v), Kind::Int) => Value::Int(v[i] as i32),
            (Data::I(v), Kind::DateTime) => Value::DateTime(v[i]),
            (Data::I(v), Kind::TimeSpan) => Value::TimeSpan(v[i]),
            (Data::I(v), _) => Value::Long(v[i]),
            (Data::F(v), _) => Value::Real(v[i]),
            (Data::B(v), _) => Value::Bool(v[i]),
            (Data::L(l), _) => l.value(i),
        }
    }

    /// A column of `values` (all of one kind, or null; or all arrays, or null, whose
    /// elements make a column); `Abort` otherwise.
    pub(crate) fn from_values(values: Vec<Value>) -> Result<Col, Abort> {
        if values.iter().any(|v| matches!(v, Value::Array(_))) {
            return Col::lists(&values);
        }
        let kind = values.iter().find_map(Kind::of);
        let has_null = values.iter().any(Value::is_null);
        let Some(kind) = kind else {
            // All null (or of kinds no column holds).
            if values.iter().all(Value::is_null) {
                return Ok(Col::nulls(values.len()));
            }
            return Err(Abort);
        };
        let nulls = has_null.then(|| values.iter().map(Value::is_null).collect());
        let data = match kind {
            Kind::Real => Data::F(
                values
                    .iter()
                    .map(|v| match v {
                        Value::Real(x) => Ok(*x),
                        Value::Null => Ok(0.0),
                        _ => Err(Abort),
                    })
                    .collect::<Result<_, _>>()?,
            ),
            Kind::Bool => Data::B(
                values
                    .iter()
                    .map(|v| match v {
                        Value::Bool(x) => Ok(*x),
                        Value::Null => Ok(false),
                        _ => Err(Abort),
                    })
                    .collect::<Result<_, _>>()?,
            ),
            _ => Data::I(
                values
                    .iter()
                    .map(|v| match (v, kind) {
                        (Value::Int(x), Kind::Int) => Ok(*x as i64),
                        (Value::Long(x), Kind::Long)
                        | (Value::DateTime(x), Kind::DateTime)
                        | (Value::TimeSpan(x), Kind::TimeSpan) => Ok(*x),
                        (Value::Null, _) => Ok(0),
                        _ => Err(Abort),
                    })
                    .collect::<Result<_, _>>()?,
            ),
        };
        Ok(Col { kind, data, nulls })
    }

    /// A list column of `values` (arrays, or nulls).
    fn lists(values: &[Value]) -> Result<Col, Abort> {
        let mut offsets = Vec::with_capacity(values.len() + 1);
        offsets.push(0);
        let mut items = Vec::new();
        let mut nulls = None;
        for (i, v) in values.iter().enumerate() {
            match v {
                Value::Array(a) => items.extend(a.iter().cloned()),
                Value::Null => nulls.get_or_insert_with(|| vec![false; values.len()])[i] = true,
                _ => return Err(Abort),
            }
            offsets.push(u32::try_from(items.len()).map_err(|_| Abort)?);
        }
        Ok(Col {
            kind: Kind::List,
            data: Data::L(List {
                offsets,
                items: Box::new(Col::from_values(items)?),
            }),
            nulls,
        })
    }

    /// Sets row `i` to `v` (of the column's kind, or null); `Abort` otherwise.
    fn set(&mut self, i: usize, v: &Value) -> Result<(), Abort> {
        if v.is_null() {
            let n = self.len();
            self.nulls.get_or_insert_with(|| vec![false; n])[i] = true;
            return Ok(());
        }
        if Kind::of(v) != Some(self.kind) {
            return Err(Abort);
        }
        match (&mut self.data, v) {
            (Data::I(d), Value::Int(x)) => d[i] = *x as i64,
            (Data::I(d), Value::Long(x) | Value::DateTime(x) | Value::TimeSpan(x)) => d[i] = *x,
            (Data::F(d), Value::Real(x)) => d[i] = *x,
            (Data::B(d), Value::Bool(x)) => d[i] = *x,
            _ => return Err(Abort),
        }
        if let Some(n) = &mut self.nulls {
            n[i] = false;
        }
        Ok(())
    }

    /// The rows `keep` (in order).
    fn gather(&self, keep: &[u32]) -> Result<Col, Abort> {
        let pick = |n: &Vec<bool>| keep.iter().map(|&i| n[i as usize]).collect::<Vec<_>>();
        let nulls = self
            .nulls
            .as_ref()
            .map(pick)
            .filter(|n| n.iter().any(|&b| b));
        let data = match &self.data {
            Data::I(v) => Data::I(pool::collect(&pool::INTS, keep.len(), |j| {
                v[keep[j] as usize]
            })),
            Data::F(v) => Data::F(pool::collect(&pool::REALS, keep.len(), |j| {
                v[keep[j] as usize]
            })),
            Data::B(v) => Data::B(keep.iter().map(|&i| v[i as usize]).collect()),
            Data::L(l) => {
                let total: usize = keep.iter().map(|&i| l.range(i as usize).len()).sum();
                if total > GATHERED_ITEMS {
                    return Err(Abort);
                }
                let mut offsets = Vec::with_capacity(keep.len() + 1);
                offsets.push(0);
                let mut items = Vec::with_capacity(total);
                for &i in keep {
                    items.extend(l.range(i as usize));
                    offsets.push(u32::try_from(items.len()).map_err(|_| Abort)?);
                }
                Data::L(List {
                    offsets,
                    items: Box::new(l.items.gather(&items)?),
                })
            }
        };
        Ok(Col {
            kind: self.kind,
            data,
            nulls,
        })
    }

    /// The rows `at` (in order), a null where it says [`MISSING`].
    fn gather_or_null(&self, at: &[u32]) -> Result<Col, Abort> {
        if !at.contains(&MISSING) {
            return self.gather(at);
        }
        if self.len() == 0 {
            return Ok(Col::nulls(at.len()));
        }
        // Row 0 stands in for a missing one, then masked.
        let rows: Vec<u32> = at
            .iter()
            .map(|&i| if i == MISSING { 0 } else { i })
            .collect();
        let mut c = self.gather(&rows)?;
        let nulls = c.nulls.get_or_insert_with(|| vec![false; at.len()]);
        for (null, &i) in nulls.iter_mut().zip(at) {
            *null |= i == MISSING;
        }
        Ok(c)
    }

    /// `v` on `n` rows.
    fn constant(v: &Value, n: usize) -> Result<Col, Abort> {
        let mut c = match Kind::of(v) {
            Some(Kind::Real) => Col::reals(vec![0.0; n]),
            Some(Kind::Bool) => Col {
                kind: Kind::Bool,
                data: Data::B(vec![false; n]),
                nulls: None,
            },
            Some(k) => Col::ints(k, vec![0; n]),
            None if v.is_null() => Col::ints(Kind::Long, vec![0; n]),
            None => return Err(Abort),
        };
        match (&mut c.data, v) {
            (_, Value::Null) => c.nulls = Some(vec![true; n]),
            (Data::I(d), Value::Int(x)) => d.fill(*x as i64),
            (Data::I(d), Value::Long(x) | Value::DateTime(x) | Value::TimeSpan(x)) => d.fill(*x),
            (Data::F(d), Value::Real(x)) => d.fill(*x),
            (Data::B(d), Value::Bool(x)) => d.fill(*x),
            _ => return Err(Abort),
        }
        Ok(c)
    }
}

/// A chunk's rows as columns (the columns of the pruned row, in order), and for each
/// row its position in the chunk as the leaf gave it (what a random function is seeded
/// with; `None`: row `i` is the leaf's row `i`).
pub(crate) struct Batch {
    pub(crate) cols: Vec<Col>,
    pub(crate) len: usize,
    origin: Option<Vec<u32>>,
}

impl Drop for Batch {
    /// The origins' buffer goes back to this thread's pool (see [`Col`]'s data).
    fn drop(&mut self) {
        if let Some(o) = self.origin.take() {
            pool::give(&pool::ROWS, o);
        }
    }
}

impl Batch {
    pub(crate) fn new(cols: Vec<Col>, len: usize) -> Batch {
        Batch {
            cols,
            len,
            origin: None,
        }
    }

    /// Row `i` into `out` (emptied first).
    pub(crate) fn row(&self, i: usize, out: &mut Vec<Value>) {
        out.clear();
        out.extend(self.cols.iter().map(|c| c.value(i)));
    }

    /// The leaf's position in the chunk of row `i`.
    pub(crate) fn origin(&self, i: usize) -> usize {
        self.origin.as_ref().map_or(i, |o| o[i] as usize)
    }

    /// Keeps the rows `keep` (in order, none twice).
    pub(crate) fn keep(&mut self, keep: Vec<u32>) -> Result<(), Abort> {
        if keep.len() == self.len {
            return Ok(());
        }
        self.pick(keep, &[])
    }

    /// The rows `rows` (in order, a row again and again when it is listed so), then the
    /// columns `more` beside them (one value a row listed).
    pub(crate) fn repeat(&mut self, rows: Vec<u32>, more: Vec<Col>) -> Result<(), Abort> {
        self.pick(rows, &[])?;
        self.cols.extend(more);
        Ok(())
    }

    /// The rows `keep`, the columns `skip` left empty (the caller replaces them).
    fn pick(&mut self, keep: Vec<u32>, skip: &[usize]) -> Result<(), Abort> {
        self.cols = (self.cols.iter().enumerate())
            .map(|(j, c)| match skip.contains(&j) {
                true => Ok(Col::nulls(0)),
                false => c.gather(&keep),
            })
            .collect::<Result<_, _>>()?;
        let origin = match self.origin.take() {
            Some(o) => {
                let v = pool::collect(&pool::ROWS, keep.len(), |j| o[keep[j] as usize]);
                pool::give(&pool::ROWS, o);
                pool::give(&pool::ROWS, keep);
                v
            }
            None => keep,
        };
        self.origin = Some(origin);
        self.len = self.origin.as_ref().map_or(0, Vec::len);
        Ok(())
    }
}

/// What evaluating a batch needs besides its rows: the context, and where a random
/// function learns a row's position (`None`: the pipeline calls none).
pub(crate) struct Env<'a> {
    pub(crate) ctx: &'a EvalCtx,
    pub(crate) position: Option<&'a dyn Fn(usize) -> u64>,
}

/// An expression evaluated a column at a time.
pub(crate) enum VExpr {
    Column(usize),
    Const(Value),
    /// A kernel of the operator, its operands, and the node as a whole (evaluated by
    /// [`eval`] on the rows the kernel does not take).
    Arith(Arith, Box<VExpr>, Box<VExpr>, BExpr),
    Compare(Cmp, Box<VExpr>, Box<VExpr>, BExpr),
    /// `and` (`false` decides alone) or `or` (`true` does).
    Logic(bool, Box<VExpr>, Box<VExpr>, BExpr),
    /// `rand()` / `rand(n)` (a constant `n`), and the call (evaluated row by row when
    /// the rows' positions are not known).
    Random(Option<Value>, BExpr),
    /// `tolong` (to `Long`) or `todouble` (to `Real`) of its operand, and the call
    /// (called row by row on the operand kinds the kernel does not list).
    Convert(Kind, Box<VExpr>, BExpr),
    /// `pack_array` of its operands, and the call (evaluated by [`eval`] when the
    /// operands are not columns of one kind).
    Pack(Vec<VExpr>, BExpr),
    /// Any other call of a function that is not volatile, its operands, and the call
    /// (evaluated by [`eval`] when an operand is not a column): the function is called
    /// on each row's operands, as [`eval`] calls it.
    Map(Arc<dyn ScalarImpl>, Vec<VExpr>, BExpr),
    /// Any other expression: evaluated by [`eval`] row by row.
    Row(BExpr),
}

impl VExpr {
    pub(crate) fn new(e: &BExpr) -> VExpr {
        let pair = |args: &[BExpr]| match args {
            [a, b] => Some((Box::new(VExpr::new(a)), Box::new(VExpr::new(b)))),
            _ => None,
        };
        let typed = match e {
            BExpr::Column(i) => Some(VExpr::Column(*i)),
            BExpr::Const(v) if v.is_null() || Kind::of(v).is_some() => {
                Some(VExpr::Const(v.clone()))
            }
            BExpr::Call(imp, args) => match imp.kernel() {
                Some(Kernel::Arith(op)) => {
                    pair(args).map(|(a, b)| VExpr::Arith(op, a, b, e.clone()))
                }
                Some(Kernel::Compare(op)) => {
                    pair(args).map(|(a, b)| VExpr::Compare(op, a, b, e.clone()))
                }
                Some(Kernel::Random) => match args.as_slice() {
                    [] => Some(VExpr::Random(None, e.clone())),
                    [BExpr::Const(n)] => Some(VExpr::Random(Some(n.clone()), e.clone())),
                    _ => None,
                },
                Some(k @ (Kernel::ToLong | Kernel::ToReal)) => match args.as_slice() {
                    [a] => Some(VExpr::Convert(
                        if matches!(k, Kernel::ToLong) {
                            Kind::Long
                        } else {
                            Kind::Real
                        },
                        Box::new(VExpr::new(a)),
                        e.clone(),
                    )),
                    _ => None,
                },
                Some(Kernel::PackArray) => Some(VExpr::Pack(
                    args.iter().map(VExpr::new).collect(),
                    e.clone(),
                )),
                // (A volatile call is told its row's position: see `generic`.)
                None | Some(Kernel::ToString) if !imp.volatile() => Some(VExpr::Map(
                    imp.clone(),
                    args.iter().map(VExpr::new).collect(),
                    e.clone(),
                )),
                None | Some(Kernel::ToString) => None,
            },
            BExpr::And(a, b) => Some(VExpr::Logic(
                false,
                Box::new(VExpr::new(a)),
                Box::new(VExpr::new(b)),
                e.clone(),
            )),
            BExpr::Or(a, b) => Some(VExpr::Logic(
                true,
                Box::new(VExpr::new(a)),
                Box::new(VExpr::new(b)),
                e.clone(),
            )),
            _ => None,
        };
        typed.unwrap_or_else(|| VExpr::Row(e.clone()))
    }

    /// The expression's values on every row of `b`, as a column of its own.
    pub(crate) fn eval(&self, b: &Batch, env: &Env) -> Result<Col, Abort> {
        self.eval_ref(b, env).map(Cow::into_owned)
    }

    /// The values of each of `exprs` on every row of `b`, as columns of their own: a
    /// column of `b` that only one of them gives as it is (a bare column, a `tolong` of
    /// longs) is taken out of `b`, not copied (all are evaluated first).
    pub(crate) fn eval_taking(
        exprs: &[VExpr],
        b: &mut Batch,
        env: &Env,
    ) -> Result<Vec<Col>, Abort> {
        enum Got {
            Made(Col),
            Of(usize),
        }
        let got = {
            let b: &Batch = b;
            (exprs.iter())
                .map(|e| {
                    Ok(match e.eval_ref(b, env)? {
                        Cow::Owned(c) => Got::Made(c),
                        Cow::Borrowed(c) => match b.cols.iter().position(|x| std::ptr::eq(x, c)) {
                            Some(i) => Got::Of(i),
                            None => Got::Made(c.clone()),
                        },
                    })
                })
                .collect::<Result<Vec<_>, Abort>>()?
        };
        let uses = |i: usize| {
            got.iter()
                .filter(|g| matches!(g, Got::Of(j) if *j == i))
                .count()
        };
        let once: Vec<bool> = (0..b.cols.len()).map(|i| uses(i) == 1).collect();
        Ok(got
            .into_iter()
            .map(|g| match g {
                Got::Made(c) => c,
                Got::Of(i) if once[i] => std::mem::replace(&mut b.cols[i], Col::nulls(0)),
                Got::Of(i) => b.cols[i].clone(),
            })
            .collect())
    }

    /// A kernel's operand: a column (read in place), or a number constant (not spread
    /// over the rows).
    fn operand<'b>(&self, b: &'b Batch, env: &Env) -> Result<Operand<'b>, Abort> {
        Ok(match self {
            VExpr::Const(Value::Real(x)) => Operand::Real(*x),
            VExpr::Const(Value::Int(x)) => Operand::Int(*x as i64),
            VExpr::Const(Value::Long(x)) => Operand::Int(*x),
            e => Operand::Col(e.eval_ref(b, env)?),
        })
    }

    /// The expression's values on every row of `b` (a column of `b` itself borrowed).
    fn eval_ref<'b>(&self, b: &'b Batch, env: &Env) -> Result<Cow<'b, Col>, Abort> {
        let n = b.len;
        Ok(Cow::Owned(match self {
            VExpr::Column(i) => return b.cols.get(*i).map(Cow::Borrowed).ok_or(Abort),
            VExpr::Const(v) => Col::constant(v, n)?,
            VExpr::Row(e) => {
                let mut row = Vec::new();
                let mut values = Vec::with_capacity(n);
                for i in 0..n {
                    let v = generic(e, b, i, env, &mut row);
                    if !held(&v) {
                        return Err(Abort);
                    }
                    values.push(v);
                }
                Col::from_values(values)?
            }
            VExpr::Map(imp, args, whole) => {
                let Ok(cols) = args
                    .iter()
                    .map(|a| a.eval_ref(b, env))
                    .collect::<Result<Vec<_>, _>>()
                else {
                    return VExpr::Row(whole.clone()).eval_ref(b, env);
                };
                let cols: Vec<&Col> = cols.iter().map(|c| c.as_ref()).collect();
                map_rows(imp.as_ref(), &cols, n, env)?
            }
            VExpr::Convert(to, arg, whole) => {
                let x = arg.eval_ref(b, env)?;
                let same = |data: Data| Col {
                    kind: *to,
                    data,
                    nulls: x.nulls.clone(),
                };
                match (*to, x.kind, &x.data) {
                    (to, k, _) if to == k => return Ok(x),
                    (Kind::Long, Kind::Int | Kind::DateTime | Kind::TimeSpan, Data::I(v)) => {
                        same(Data::I(pool::collect(&pool::INTS, n, |i| v[i])))
                    }
                    (Kind::Long, Kind::Bool, Data::B(v)) => {
                        same(Data::I(pool::collect(&pool::INTS, n, |i| v[i] as i64)))
                    }
                    (Kind::Real, Kind::Int | Kind::Long, Data::I(v)) => {
                        same(Data::F(pool::collect(&pool::REALS, n, |i| v[i] as f64)))
                    }
                    _ => match whole {
                        BExpr::Call(imp, _) => map_rows(imp.as_ref(), &[&x], n, env)?,
                        _ => return Err(Abort),
                    },
                }
            }
            VExpr::Pack(args, whole) => {
                let cols = args
                    .iter()
                    .map(|a| a.eval_ref(b, env))
                    .collect::<Result<Vec<_>, _>>();
                match cols.ok().and_then(|cols| pack(&cols, n)) {
                    Some(c) => c,
                    None => return VExpr::Row(whole.clone()).eval_ref(b, env),
                }
            }
            VExpr::Random(arg, whole) => {
                let Some(pos) = env.position else {
                    return VExpr::Row(whole.clone()).eval_ref(b, env);
                };
                // The row's first draw: the pipeline makes no other (see the module).
                let mut nulls = None;
                let v = pool::collect(&pool::REALS, b.len, |i| {
                    let bits = env.ctx.random_at(pos(b.origin(i)), 0);
                    rand_value(bits, arg.as_ref()).unwrap_or_else(|| {
                        nulls.get_or_insert_with(|| vec![false; b.len])[i] = true;
                        0.0
                    })
                });
                Col {
                    kind: Kind::Real,
                    data: Data::F(v),
                    nulls,
                }
            }
            VExpr::Arith(op, l, r, whole) => {
                let (x, y) = (l.operand(b, env)?, r.operand(b, env)?);
                let mut redo = Vec::new();
                let op = *op;
                let f = |v: i64| v as f64;
                // The operand kinds the row path's typed form takes (`Fast::eval`).
                let out = match (x.arith_view(), y.arith_view()) {
                    (View::I(p), View::I(q)) => Some(Col::ints(
                        Kind::Long,
                        // The constant side outside the loop.
                        match (p, q) {
                            (Nums::Col(p), Nums::One(y)) => longs(op, n, &mut redo, |i| (p[i], y)),
                            (Nums::One(x), Nums::Col(q)) => longs(op, n, &mut redo, |i| (x, q[i])),
                            _ => longs(op, n, &mut redo, |i| (p.at(i), q.at(i))),
                        },
                    )),
                    (View::F(p), View::F(q)) => {
                        Some(Col::reals(reals(n, |i| op.reals(p.at(i), q.at(i)))))
                    }
                    (View::F(p), View::I(q)) => {
                        Some(Col::reals(reals(n, |i| op.reals(p.at(i), f(q.at(i))))))
                    }
                    (View::I(p), View::F(q)) => {
                        Some(Col::reals(reals(n, |i| op.reals(f(p.at(i)), q.at(i)))))
                    }
                    // Operands the kernel does not take (datetimes...).
                    _ => None,
                };
                let Some(mut out) = out else {
                    return VExpr::Row(whole.clone()).eval_ref(b, env);
                };
                redo_rows(&mut out, x.col(), y.col(), redo, whole, b, env)?;
                out
            }
            VExpr::Compare(op, l, r, whole) => {
                let (x, y) = (l.operand(b, env)?, r.operand(b, env)?);
                // Two integers, or two datetimes, or two timespans (`Fast::eval`).
                let same = match (x.kind(), y.kind()) {
                    (Some(a), Some(c)) => {
                        a.integer() && c.integer()
                            || a == c && matches!(a, Kind::DateTime | Kind::TimeSpan)
                    }
                    _ => false,
                };
                let (View::I(p), View::I(q), true) = (x.view(), y.view(), same) else {
                    return VExpr::Row(whole.clone()).eval_ref(b, env);
                };
                let op = *op;
                let v = (0..n).map(|i| op.holds(p.at(i).cmp(&q.at(i)))).collect();
                let mut out = Col {
                    kind: Kind::Bool,
                    data: Data::B(v),
                    nulls: None,
                };
                redo_rows(&mut out, x.col(), y.col(), Vec::new(), whole, b, env)?;
                out
            }
            VExpr::Logic(decides, l, r, whole) => {
                let (x, y) = (l.eval_ref(b, env)?, r.eval_ref(b, env)?);
                let (Data::B(p), Data::B(q)) = (&x.data, &y.data) else {
                    return VExpr::Row(whole.clone()).eval_ref(b, env);
                };
                let d = *decides;
                // Either side deciding alone gives itself; else the right side.
                let v = p.iter().zip(q).map(|(&a, &c)| if a == d { a } else { c });
                let mut out = Col {
                    kind: Kind::Bool,
                    data: Data::B(v.collect()),
                    nulls: None,
                };
                redo_rows(&mut out, Some(&x), Some(&y), Vec::new(), whole, b, env)?;
                out
            }
        }))
    }
}

/// Whether a column can hold `v` (else a chunk gives up at once, not after the whole
/// chunk is evaluated): a null, a scalar of a column's kind, an array of such (that
/// they are all of one kind is checked when the column is made).
fn held(v: &Value) -> bool {
    match v {
        Value::Array(a) => a.iter().all(held),
        v => v.is_null() || Kind::of(v).is_some(),
    }
}

/// `imp` called on every row's operands `cols` (`n` rows), as [`eval`] calls it.
fn map_rows(imp: &dyn ScalarImpl, cols: &[&Col], n: usize, env: &Env) -> Result<Col, Abort> {
    let mut args = Vec::with_capacity(cols.len());
    let mut values = Vec::with_capacity(n);
    for i in 0..n {
        args.clear();
        args.extend(cols.iter().map(|c| c.value(i)));
        let v = imp.call(&args, env.ctx);
        if !held(&v) {
            return Err(Abort);
        }
        values.push(v);
    }
    Col::from_values(values)
}

/// `pack_array` on every row of operands `cols` (`n` rows): a list column, each row's
/// items its operands in order; `None` when they are not all of one kind of scalar.
fn pack(cols: &[Cow<'_, Col>], n: usize) -> Option<Col> {
    let kind = cols.first()?.kind;
    if kind == Kind::List || cols.iter().any(|c| c.kind != kind) {
        return None;
    }
    let m = cols.len();
    let total = n.checked_mul(m).filter(|&t| u32::try_from(t).is_ok())?;
    let nulls = cols
        .iter()
        .any(|c| c.nulls.is_some())
        .then(|| (0..total).map(|j| cols[j % m].is_null(j / m)).collect());
    // Row after row, each row's operands in order (written an operand at a time).
    fn interleave<T: Copy + Default>(parts: &[&[T]], n: usize, out: &mut Vec<T>) {
        let m = parts.len();
        out.resize(n * m, T::default());
        for (j, p) in parts.iter().enumerate() {
            // (`skip`, not `out[j..]`: with no rows `out` is empty and `j` past its end.)
            for (slot, &x) in out.iter_mut().skip(j).step_by(m).zip(&p[..n]) {
                *slot = x;
            }
        }
    }
    // Every operand's values as `T`s, or `None` when one holds another type.
    fn parts<'a, T>(
        cols: &'a [Cow<'_, Col>],
        get: fn(&Data) -> Option<&[T]>,
    ) -> Option<Vec<&'a [T]>> {
        cols.iter().map(|c| get(&c.data)).collect()
    }
    let data = match &cols[0].data {
        Data::I(_) => {
            let parts = parts(cols, |d| match d {
                Data::I(v) => Some(v.as_slice()),
                _ => None,
            })?;
            let mut out = pool::take(&pool::INTS, total);
            interleave(&parts, n, &mut out);
            Data::I(out)
        }
        Data::F(_) => {
            let parts = parts(cols, |d| match d {
                Data::F(v) => Some(v.as_slice()),
                _ => None,
            })?;
            let mut out = pool::take(&pool::REALS, total);
            interleave(&parts, n, &mut out);
            Data::F(out)
        }
        Data::B(_) => {
            let parts = parts(cols, |d| match d {
                Data::B(v) => Some(v.as_slice()),
                _ => None,
            })?;
            let mut out = Vec::with_capacity(total);
            interleave(&parts, n, &mut out);
            Data::B(out)
        }
        Data::L(_) => return None,
    };
    Some(Col {
        kind: Kind::List,
        data: Data::L(List {
            offsets: (0..=n).map(|i| (i * m) as u32).collect(),
            items: Box::new(Col { kind, data, nulls }),
        }),
        nulls: None,
    })
}

/// A kernel's operand.
enum Operand<'b> {
    Col(Cow<'b, Col>),
    /// An int or long constant.
    Int(i64),
    Real(f64),
}

/// An operand's numbers as a kernel reads them: a column's, or one for every row.
#[derive(Clone, Copy)]
enum View<'a> {
    I(Nums<'a, i64>),
    F(Nums<'a, f64>),
    /// Not numbers a kernel takes as such (bools, datetimes, timespans).
    Other,
}

#[derive(Clone, Copy)]
enum Nums<'a, T> {
    Col(&'a [T]),
    One(T),
}

impl<T: Copy> Nums<'_, T> {
    #[inline(always)]
    fn at(self, i: usize) -> T {
        match self {
            Nums::Col(v) => v[i],
            Nums::One(x) => x,
        }
    }
}

impl Operand<'_> {
    /// The column, when the operand is one (a constant is never null).
    fn col(&self) -> Option<&Col> {
        match self {
            Operand::Col(c) => Some(c),
            _ => None,
        }
    }

    fn kind(&self) -> Option<Kind> {
        match self {
            Operand::Col(c) => Some(c.kind),
            Operand::Int(_) => Some(Kind::Long),
            Operand::Real(_) => Some(Kind::Real),
        }
    }

    /// [`Self::view`] for arithmetic: datetimes and timespans are not taken.
    fn arith_view(&self) -> View<'_> {
        match self.kind() {
            Some(k) if k.integer() || k == Kind::Real => self.view(),
            _ => View::Other,
        }
    }

    /// Integers (ints, longs; for a comparison also datetimes and timespans) or reals.
    fn view(&self) -> View<'_> {
        match self {
            Operand::Int(x) => View::I(Nums::One(*x)),
            Operand::Real(x) => View::F(Nums::One(*x)),
            Operand::Col(c) => match (&c.data, c.kind) {
                (Data::I(v), _) => View::I(Nums::Col(v)),
                (Data::F(v), _) => View::F(Nums::Col(v)),
                _ => View::Other,
            },
        }
    }
}

/// The value of `e` on row `i` of `b`, by [`eval`] (with the row's position told to the
/// random functions), `row` a buffer to build the row in.
fn generic(e: &BExpr, b: &Batch, i: usize, env: &Env, row: &mut Vec<Value>) -> Value {
    b.row(i, row);
    if let Some(pos) = env.position {
        EvalCtx::at_row(Some(pos(b.origin(i))));
    }
    eval(e, row, env.ctx)
}

/// Evaluates `whole` by [`eval`] on the rows a kernel did not take: those in `redo`
/// (the kernel gave no value) and those where an operand (`None`: a constant) is null.
fn redo_rows(
    out: &mut Col,
    x: Option<&Col>,
    y: Option<&Col>,
    mut redo: Vec<u32>,
    whole: &BExpr,
    b: &Batch,
    env: &Env,
) -> Result<(), Abort> {
    let null = |c: Option<&Col>, i: u32| c.is_some_and(|c| c.is_null(i as usize));
    if x.is_some_and(|c| c.nulls.is_some()) || y.is_some_and(|c| c.nulls.is_some()) {
        redo.extend((0..b.len as u32).filter(|&i| null(x, i) || null(y, i)));
        redo.sort_unstable();
        redo.dedup();
    }
    let mut row = Vec::new();
    for i in redo {
        let v = generic(whole, b, i as usize, env, &mut row);
        out.set(i as usize, &v)?;
    }
    Ok(())
}

/// [`Arith::longs`] of the operands `at(i)` of rows `0..n`; the rows it gives no value
/// for go to `redo`.
#[inline(always)]
fn longs(op: Arith, n: usize, redo: &mut Vec<u32>, at: impl Fn(usize) -> (i64, i64)) -> Vec<i64> {
    #[inline(always)]
    fn each(
        n: usize,
        redo: &mut Vec<u32>,
        at: impl Fn(usize) -> (i64, i64),
        f: impl Fn(i64, i64) -> Option<i64>,
    ) -> Vec<i64> {
        let mut out = pool::take(&pool::INTS, n);
        for i in 0..n {
            let (a, b) = at(i);
            out.push(f(a, b).unwrap_or_else(|| {
                redo.push(i as u32);
                0
            }));
        }
        out
    }
    // One loop per operator, so that the operator is known inside it.
    match op {
        Arith::Add => each(n, redo, at, |a, b| Arith::Add.longs(a, b)),
        Arith::Sub => each(n, redo, at, |a, b| Arith::Sub.longs(a, b)),
        Arith::Mul => each(n, redo, at, |a, b| Arith::Mul.longs(a, b)),
        Arith::Div => each(n, redo, at, |a, b| Arith::Div.longs(a, b)),
        Arith::Mod => each(n, redo, at, |a, b| Arith::Mod.longs(a, b)),
    }
}

/// The reals `f(i)` of rows `0..n` ([`Arith::reals`] of their operands).
#[inline(always)]
fn reals(n: usize, f: impl Fn(usize) -> f64) -> Vec<f64> {
    pool::collect(&pool::REALS, n, f)
}

/// A step of the pipeline over batches.
pub(crate) enum BStep {
    Filter(VExpr),
    /// Items: where the value goes (`Some(i)`: replaces column `i`; `None`: appended),
    /// skipped when nothing reads it later.
    Extend(Vec<(Option<usize>, VExpr)>),
    Project(Vec<VExpr>),
    /// A join's probe (the left key columns).
    Join(std::sync::Arc<dyn Joins>, Vec<usize>),
    MvExpand(MvExpand),
}

/// `mv-expand` over a batch, as [`super::mv_expand::Expansion`] expands a row: one row
/// per element of the longest of the items' arrays (a null or any other scalar is one
/// element, an empty array none; at most `limit`), each item's element (null past the
/// end of a shorter array) in its column, the other columns repeated. (Bags are never
/// in a batch's columns.)
pub(crate) struct MvExpand {
    pub(crate) items: Vec<MvBatchItem>,
    pub(crate) with_index: bool,
    /// The width of the rows made, the index not counted.
    pub(crate) width: usize,
    pub(crate) limit: Option<usize>,
    /// The columns of the input that nothing after the step reads (not repeated).
    pub(crate) unread: Vec<usize>,
}

/// The rows `at` of `c` ([`Col::gather_or_null`]), or `c` itself, taken, when they
/// are all of its rows in order.
fn take_or_gather(c: &mut Col, at: &[u32]) -> Result<Col, Abort> {
    let all = at.len() == c.len() && (at.iter().enumerate()).all(|(j, &i)| i == j as u32);
    match all {
        true => Ok(std::mem::replace(c, Col::nulls(0))),
        false => c.gather_or_null(at),
    }
}

/// An item of [`MvExpand`]: its expression, its target column (replaced, or appended)
/// and its conversion (`to typeof(T)`).
pub(crate) struct MvBatchItem {
    pub(crate) expr: VExpr,
    pub(crate) target: usize,
    pub(crate) cast: Option<Arc<dyn ScalarImpl>>,
}

impl MvExpand {
    fn run(&self, b: &mut Batch, env: &Env) -> Result<(), Abort> {
        // Items that are all their own target columns (`mv-expand a, b`) are taken out
        // of the batch, not copied (the batch is left to be rebuilt below, or, on an
        // `Abort`, dropped: the chunk is read again for the row path).
        let items = &self.items;
        let own = (items.iter().enumerate()).all(|(k, it)| {
            matches!(it.expr, VExpr::Column(j) if j == it.target)
                && items[..k].iter().all(|o| o.target != it.target)
        });
        let lists = (self.items.iter())
            .map(|it| match (own, b.cols.get_mut(it.target)) {
                (true, Some(c)) => Ok(std::mem::replace(c, Col::nulls(0))),
                _ => it.expr.eval(b, env),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let elements = |c: &Col, i: usize| match &c.data {
            Data::L(l) if !c.is_null(i) => l.range(i).len(),
            _ => 1,
        };
        // How many rows each row makes; then each row made: the row it comes of, and
        // the element's index.
        let counts = pool::collect(&pool::ROWS, b.len, |i| {
            let k = lists.iter().map(|c| elements(c, i)).max().unwrap_or(0);
            self.limit.map_or(k, |l| k.min(l)) as u32
        });
        let total: usize = counts.iter().map(|&k| k as usize).sum();
        if total > EXPANDED_ROWS {
            return Err(Abort);
        }
        let (mut rows, mut index) = (
            pool::take(&pool::ROWS, total),
            pool::take(&pool::ROWS, total),
        );
        for (i, &k) in counts.iter().enumerate() {
            rows.extend(std::iter::repeat_n(i as u32, k as usize));
            index.extend(0..k);
        }
        pool::give(&pool::ROWS, counts);
        let mut made = Vec::with_capacity(lists.len());
        for (it, mut c) in self.items.iter().zip(lists) {
            let nulls = c.nulls.take();
            let null = |i: u32| nulls.as_ref().is_some_and(|n| n[i as usize]);
            let col = match &mut c.data {
                // Every element in order, each in a row of its own: the elements as
                // they are (no null row, and as many elements as rows made). Not with a
                // limit: one row's array cut by it and another's shorter than its
                // row's count can add up to the rows made with elements out of place.
                Data::L(l) if nulls.is_none() && self.limit.is_none() && l.items.len() == total => {
                    std::mem::replace(&mut *l.items, Col::nulls(0))
                }
                Data::L(l) => {
                    let at = pool::collect(&pool::ROWS, total, |j| {
                        let (i, k) = (rows[j], index[j]);
                        let r = l.range(i as usize);
                        match null(i) || k >= r.end - r.start {
                            true => MISSING,
                            false => r.start + k,
                        }
                    });
                    let col = take_or_gather(&mut l.items, &at)?;
                    pool::give(&pool::ROWS, at);
                    col
                }
                // A scalar is its own one element.
                _ => {
                    let at = pool::collect(&pool::ROWS, total, |j| {
                        if index[j] == 0 {
                            rows[j]
                        } else {
                            MISSING
                        }
                    });
                    c.nulls = nulls;
                    let col = take_or_gather(&mut c, &at)?;
                    pool::give(&pool::ROWS, at);
                    col
                }
            };
            let col = match &it.cast {
                Some(f) => Col::from_values(
                    (0..col.len())
                        .map(|j| f.call(&[col.value(j)], env.ctx))
                        .collect(),
                )?,
                None => col,
            };
            made.push((it.target, col));
        }
        let mut skip: Vec<usize> = made.iter().map(|(t, _)| *t).collect();
        skip.extend(&self.unread);
        let n = rows.len();
        b.pick(rows, &skip)?;
        b.cols.resize_with(self.width, || Col::nulls(0));
        for &u in &self.unread {
            *b.cols.get_mut(u).ok_or(Abort)? = Col::unread(n);
        }
        for (t, col) in made {
            *b.cols.get_mut(t).ok_or(Abort)? = col;
        }
        if b.cols.iter().any(|c| c.len() != n) {
            return Err(Abort);
        }
        if self.with_index {
            let v = pool::collect(&pool::INTS, n, |j| index[j] as i64);
            b.cols.push(Col::ints(Kind::Long, v));
        }
        pool::give(&pool::ROWS, index);
        Ok(())
    }
}

/// A join's built side as a batch probes it: the batch becomes the joined rows.
pub(crate) trait Joins: Send + Sync {
    fn join(&self, b: &mut Batch, keys: &[usize]) -> Result<(), Abort>;
}

impl BStep {
    /// Runs the step over `b`.
    pub(crate) fn run(&self, b: &mut Batch, env: &Env) -> Result<(), Abort> {
        match self {
            BStep::Filter(pred) => {
                let c = pred.eval(b, env)?;
                let Data::B(v) = &c.data else {
                    return Err(Abort);
                };
                // Only `true` counts.
                let keep: Vec<u32> = (0..b.len)
                    .filter(|&i| v[i] && !c.is_null(i))
                    .map(|i| i as u32)
                    .collect();
                b.keep(keep)?;
            }
            BStep::Extend(items) => {
                // Every item reads the row as the items before it left it, replacements
                // included only once all are computed (as the row path does).
                let mut pending = Vec::new();
                for (target, e) in items {
                    let c = e.eval(b, env)?;
                    match target {
                        Some(i) => pending.push((*i, c)),
                        None => b.cols.push(c),
                    }
                }
                for (i, c) in pending {
                    *b.cols.get_mut(i).ok_or(Abort)? = c;
                }
            }
            BStep::Project(exprs) => {
                let cols = exprs
                    .iter()
                    .map(|e| e.eval(b, env))
                    .collect::<Result<Vec<_>, _>>()?;
                b.cols = cols;
            }
            BStep::Join(probe, keys) => probe.join(b, keys)?,
            BStep::MvExpand(m) => m.run(b, env)?,
        }
        Ok(())
    }
}
