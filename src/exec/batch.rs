//! The pipeline's rows a chunk at a time, as typed columns: a leaf that can (`range`)
//! hands a chunk over as a [`Batch`] of unboxed columns, the steps whose expressions
//! all compile here (`where`, `extend`, `project`) run over whole columns, and a sink
//! that can take a batch (count, summarize, top) reads the columns; any other sink gets
//! the batch's rows one at a time ([`Batch::row`]).
//!
//! The same answers as the row path, by construction:
//! - an arithmetic or comparison node runs the very functions the row path's typed
//!   form runs ([`Arith::longs`], [`Arith::reals`], [`Cmp::holds`]), on the operand
//!   kinds that form takes; on any other row (a null operand, a division by zero) the
//!   node's expression is evaluated by [`eval`] on that row, as the row path does;
//! - any other expression is evaluated by [`eval`] row by row, its values kept in a
//!   typed column when they are all of one kind of number (else the chunk goes the row
//!   path: [`Abort`]);
//! - a random function sees the row position the row path gives it (and a pipeline
//!   with more than one random call never takes this path: a row's draws are numbered
//!   in the order the row path makes them).

use super::eval::eval;
use crate::functions::{Arith, Cmp, EvalCtx, Kernel};
use crate::plan::BExpr;
use crate::value::Value;

/// The kinds of value a typed column holds: integers (`Int` and `Long` apart, as the
/// values are), reals, bools, datetimes and timespans.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Int,
    Long,
    Real,
    Bool,
    DateTime,
    TimeSpan,
}

impl Kind {
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
        }
    }

    /// A column of `values` (all of one kind, or null); `Abort` otherwise.
    pub(crate) fn from_values(values: Vec<Value>) -> Result<Col, Abort> {
        let kind = values.iter().find_map(Kind::of);
        let has_null = values.iter().any(Value::is_null);
        let Some(kind) = kind else {
            // All null (or of kinds no column holds).
            if values.iter().all(Value::is_null) {
                let n = values.len();
                return Ok(Col {
                    kind: Kind::Long,
                    data: Data::I(vec![0; n]),
                    nulls: Some(vec![true; n]),
                });
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
    fn gather(&self, keep: &[u32]) -> Col {
        let pick = |n: &Vec<bool>| keep.iter().map(|&i| n[i as usize]).collect::<Vec<_>>();
        let nulls = self
            .nulls
            .as_ref()
            .map(pick)
            .filter(|n| n.iter().any(|&b| b));
        let data = match &self.data {
            Data::I(v) => Data::I(keep.iter().map(|&i| v[i as usize]).collect()),
            Data::F(v) => Data::F(keep.iter().map(|&i| v[i as usize]).collect()),
            Data::B(v) => Data::B(keep.iter().map(|&i| v[i as usize]).collect()),
        };
        Col {
            kind: self.kind,
            data,
            nulls,
        }
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

    fn keep(&mut self, keep: Vec<u32>) {
        if keep.len() == self.len {
            return;
        }
        self.cols = self.cols.iter().map(|c| c.gather(&keep)).collect();
        self.origin = Some(match &self.origin {
            Some(o) => keep.iter().map(|&i| o[i as usize]).collect(),
            None => keep,
        });
        self.len = self.origin.as_ref().map_or(0, Vec::len);
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
                None => None,
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

    /// The expression's values on every row of `b`.
    pub(crate) fn eval(&self, b: &Batch, env: &Env) -> Result<Col, Abort> {
        let n = b.len;
        match self {
            VExpr::Column(i) => b.cols.get(*i).cloned().ok_or(Abort),
            VExpr::Const(v) => Col::constant(v, n),
            VExpr::Row(e) => {
                let mut row = Vec::new();
                let values = (0..n).map(|i| generic(e, b, i, env, &mut row)).collect();
                Col::from_values(values)
            }
            VExpr::Arith(op, l, r, whole) => {
                let (x, y) = (l.eval(b, env)?, r.eval(b, env)?);
                let mut redo = Vec::new();
                let mut out = match (&x.data, &y.data, x.kind, y.kind) {
                    (Data::I(p), Data::I(q), kx, ky) if kx.integer() && ky.integer() => {
                        Col::ints(Kind::Long, longs(*op, p, q, &mut redo))
                    }
                    (Data::F(p), Data::F(q), ..) => Col::reals(reals(*op, p, q, |v| v, |v| v)),
                    (Data::F(p), Data::I(q), _, k) if k.integer() => {
                        Col::reals(reals(*op, p, q, |v| v, |v| v as f64))
                    }
                    (Data::I(p), Data::F(q), k, _) if k.integer() => {
                        Col::reals(reals(*op, p, q, |v| v as f64, |v| v))
                    }
                    // Operands the kernel does not take (datetimes...).
                    _ => return VExpr::Row(whole.clone()).eval(b, env),
                };
                redo_rows(&mut out, &x, &y, redo, whole, b, env)?;
                Ok(out)
            }
            VExpr::Compare(op, l, r, whole) => {
                let (x, y) = (l.eval(b, env)?, r.eval(b, env)?);
                let same = x.kind == y.kind && matches!(x.kind, Kind::DateTime | Kind::TimeSpan)
                    || x.kind.integer() && y.kind.integer();
                let (Data::I(p), Data::I(q), true) = (&x.data, &y.data, same) else {
                    return VExpr::Row(whole.clone()).eval(b, env);
                };
                let op = *op;
                let v = p.iter().zip(q).map(|(a, c)| op.holds(a.cmp(c))).collect();
                let mut out = Col {
                    kind: Kind::Bool,
                    data: Data::B(v),
                    nulls: None,
                };
                redo_rows(&mut out, &x, &y, Vec::new(), whole, b, env)?;
                Ok(out)
            }
            VExpr::Logic(decides, l, r, whole) => {
                let (x, y) = (l.eval(b, env)?, r.eval(b, env)?);
                let (Data::B(p), Data::B(q)) = (&x.data, &y.data) else {
                    return VExpr::Row(whole.clone()).eval(b, env);
                };
                let d = *decides;
                // Either side deciding alone gives itself; else the right side.
                let v = p.iter().zip(q).map(|(&a, &c)| if a == d { a } else { c });
                let mut out = Col {
                    kind: Kind::Bool,
                    data: Data::B(v.collect()),
                    nulls: None,
                };
                redo_rows(&mut out, &x, &y, Vec::new(), whole, b, env)?;
                Ok(out)
            }
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
/// (the kernel gave no value) and those where an operand is null.
fn redo_rows(
    out: &mut Col,
    x: &Col,
    y: &Col,
    mut redo: Vec<u32>,
    whole: &BExpr,
    b: &Batch,
    env: &Env,
) -> Result<(), Abort> {
    if x.nulls.is_some() || y.nulls.is_some() {
        redo.extend((0..b.len as u32).filter(|&i| x.is_null(i as usize) || y.is_null(i as usize)));
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

/// [`Arith::longs`] over two columns; the rows it gives no value for go to `redo`.
fn longs(op: Arith, p: &[i64], q: &[i64], redo: &mut Vec<u32>) -> Vec<i64> {
    #[inline(always)]
    fn each(
        p: &[i64],
        q: &[i64],
        redo: &mut Vec<u32>,
        f: impl Fn(i64, i64) -> Option<i64>,
    ) -> Vec<i64> {
        let mut out = Vec::with_capacity(p.len());
        for (i, (&a, &b)) in p.iter().zip(q).enumerate() {
            out.push(f(a, b).unwrap_or_else(|| {
                redo.push(i as u32);
                0
            }));
        }
        out
    }
    // One loop per operator, so that the operator is known inside it.
    match op {
        Arith::Add => each(p, q, redo, |a, b| Arith::Add.longs(a, b)),
        Arith::Sub => each(p, q, redo, |a, b| Arith::Sub.longs(a, b)),
        Arith::Mul => each(p, q, redo, |a, b| Arith::Mul.longs(a, b)),
        Arith::Div => each(p, q, redo, |a, b| Arith::Div.longs(a, b)),
        Arith::Mod => each(p, q, redo, |a, b| Arith::Mod.longs(a, b)),
    }
}

/// [`Arith::reals`] over two columns (converted to reals by `f` and `g`).
fn reals<A: Copy, B: Copy>(
    op: Arith,
    p: &[A],
    q: &[B],
    f: impl Fn(A) -> f64,
    g: impl Fn(B) -> f64,
) -> Vec<f64> {
    p.iter()
        .zip(q)
        .map(|(&a, &b)| op.reals(f(a), g(b)))
        .collect()
}

/// A step of the pipeline over batches.
pub(crate) enum BStep {
    Filter(VExpr),
    /// Items: where the value goes (`Some(i)`: replaces column `i`; `None`: appended),
    /// skipped when nothing reads it later.
    Extend(Vec<(Option<usize>, VExpr)>),
    Project(Vec<VExpr>),
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
                b.keep(keep);
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
        }
        Ok(())
    }
}
