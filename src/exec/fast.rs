//! Bound expressions compiled for the pipeline's rows: the arithmetic and comparisons
//! over numbers that most steps and keys are made of (`x % 100`, `v > 5`, `a * 7 + 1`)
//! run on unboxed numbers, without building argument arrays, calling through the
//! function table or dropping the values between; any other expression, and any row
//! whose operands are of a kind the operator's [`Kernel`] does not list (a null, a
//! decimal...), is evaluated by [`eval`] as before. The typed path applies the very
//! functions the operators' implementations apply ([`crate::functions::Arith::longs`],
//! [`crate::functions::Cmp::holds`]), so both give the same values. So is
//! `tostring(column)` on a string read in place (a string is its own text), the commonest
//! key after `mv-expand`.

use super::eval::eval;
use crate::functions::{Arith, Cmp, EvalCtx, Kernel};
use crate::plan::BExpr;
use crate::value::Value;

/// An expression and, when it is one of numbers, its typed form.
pub(crate) struct Compiled {
    pub(crate) expr: BExpr,
    fast: Option<Fast>,
    /// The column of `tostring(column)`, whose string values are their own text (a key
    /// of `mv-expand x | summarize by tostring(x)`): read without the call.
    text: Option<usize>,
}

/// An expression of numbers. Every node is pure (no random or window call), so falling
/// back to [`eval`] after a typed attempt changes nothing.
enum Fast {
    Column(usize),
    Const(Num),
    Arith(Arith, Box<Fast>, Box<Fast>),
    Compare(Cmp, Box<Fast>, Box<Fast>),
    /// `and` (`false` decides alone) or `or` (`true` decides alone).
    Logic(bool, Box<Fast>, Box<Fast>),
}

/// An unboxed value: `Long` holds ints too (every operator here treats them alike).
#[derive(Clone, Copy)]
enum Num {
    Long(i64),
    Real(f64),
    DateTime(i64),
    TimeSpan(i64),
    Bool(bool),
}

impl Num {
    #[inline]
    fn of(v: &Value) -> Option<Num> {
        Some(match v {
            Value::Long(x) => Num::Long(*x),
            Value::Int(x) => Num::Long(*x as i64),
            Value::Real(x) => Num::Real(*x),
            Value::DateTime(x) => Num::DateTime(*x),
            Value::TimeSpan(x) => Num::TimeSpan(*x),
            Value::Bool(b) => Num::Bool(*b),
            _ => return None,
        })
    }

    fn value(self) -> Value {
        match self {
            Num::Long(x) => Value::Long(x),
            Num::Real(x) => Value::Real(x),
            Num::DateTime(x) => Value::DateTime(x),
            Num::TimeSpan(x) => Value::TimeSpan(x),
            Num::Bool(b) => Value::Bool(b),
        }
    }
}

impl Fast {
    /// The typed form of `e`, when every node of it has one.
    fn of(e: &BExpr) -> Option<Fast> {
        let pair = |args: &[BExpr]| -> Option<(Box<Fast>, Box<Fast>)> {
            match args {
                [a, b] => Some((Box::new(Fast::of(a)?), Box::new(Fast::of(b)?))),
                _ => None,
            }
        };
        Some(match e {
            BExpr::Column(i) => Fast::Column(*i),
            BExpr::Const(v) => Fast::Const(Num::of(v)?),
            BExpr::Call(imp, args) => match imp.kernel()? {
                Kernel::Arith(op) => {
                    let (a, b) = pair(args)?;
                    Fast::Arith(op, a, b)
                }
                Kernel::Compare(op) => {
                    let (a, b) = pair(args)?;
                    Fast::Compare(op, a, b)
                }
                // Random values are drawn by the row's own call.
                Kernel::Random
                | Kernel::PackArray
                | Kernel::ToLong
                | Kernel::ToReal
                | Kernel::ToString => return None,
            },
            BExpr::And(a, b) => Fast::Logic(false, Box::new(Fast::of(a)?), Box::new(Fast::of(b)?)),
            BExpr::Or(a, b) => Fast::Logic(true, Box::new(Fast::of(a)?), Box::new(Fast::of(b)?)),
            _ => return None,
        })
    }

    /// The value on `row`; `None` when some operand is of a kind this form does not
    /// handle (the caller then evaluates the expression itself).
    #[inline]
    fn eval(&self, row: &[Value]) -> Option<Num> {
        match self {
            Fast::Column(i) => Num::of(row.get(*i)?),
            Fast::Const(n) => Some(*n),
            Fast::Arith(op, a, b) => match (operand(a, row)?, operand(b, row)?) {
                (Num::Long(x), Num::Long(y)) => op.longs(x, y).map(Num::Long),
                (Num::Real(x), Num::Real(y)) => Some(Num::Real(op.reals(x, y))),
                (Num::Real(x), Num::Long(y)) => Some(Num::Real(op.reals(x, y as f64))),
                (Num::Long(x), Num::Real(y)) => Some(Num::Real(op.reals(x as f64, y))),
                _ => None,
            },
            Fast::Compare(op, a, b) => match (operand(a, row)?, operand(b, row)?) {
                (Num::Long(x), Num::Long(y))
                | (Num::DateTime(x), Num::DateTime(y))
                | (Num::TimeSpan(x), Num::TimeSpan(y)) => Some(Num::Bool(op.holds(x.cmp(&y)))),
                _ => None,
            },
            // Three-valued logic with only bools here: the one that decides alone
            // short-circuits, as `logic` does.
            Fast::Logic(decides, a, b) => match operand(a, row)? {
                Num::Bool(x) if x == *decides => Some(Num::Bool(x)),
                Num::Bool(_) => match operand(b, row)? {
                    Num::Bool(y) => Some(Num::Bool(y)),
                    _ => None,
                },
                _ => None,
            },
        }
    }
}

/// [`Fast::eval`] with a column or constant read in place (most operands are one).
#[inline(always)]
fn operand(f: &Fast, row: &[Value]) -> Option<Num> {
    match f {
        Fast::Column(i) => Num::of(row.get(*i)?),
        Fast::Const(n) => Some(*n),
        f => f.eval(row),
    }
}

impl Compiled {
    pub(crate) fn new(expr: BExpr) -> Compiled {
        // A bare column or constant gains nothing from the typed form.
        let fast = match &expr {
            BExpr::Column(_) | BExpr::Const(_) => None,
            e => Fast::of(e),
        };
        let text = match &expr {
            BExpr::Call(imp, args) => match (imp.kernel(), args.as_slice()) {
                (Some(Kernel::ToString), [BExpr::Column(i)]) => Some(*i),
                _ => None,
            },
            _ => None,
        };
        Compiled { expr, fast, text }
    }

    /// The value of the expression on `row`.
    #[inline]
    pub(crate) fn eval(&self, row: &[Value], ctx: &EvalCtx) -> Value {
        if let Some(n) = self.fast.as_ref().and_then(|f| f.eval(row)) {
            return n.value();
        }
        if let Some(v @ Value::String(_)) = self.text.and_then(|i| row.get(i)) {
            return v.clone();
        }
        eval(&self.expr, row, ctx)
    }

    /// Whether the expression holds on `row` (only `true` counts).
    #[inline]
    pub(crate) fn holds(&self, row: &[Value], ctx: &EvalCtx) -> bool {
        match self.fast.as_ref().and_then(|f| f.eval(row)) {
            Some(Num::Bool(b)) => b,
            Some(_) => false,
            None => eval(&self.expr, row, ctx).is_true(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::functions::{bind_scalar, ArgInfo};
    use crate::types::Type;
    use std::sync::Arc;

    fn bind(op: &str, tys: &[Type]) -> Option<Arc<dyn crate::functions::ScalarImpl>> {
        let infos: Vec<ArgInfo> = tys
            .iter()
            .map(|&ty| ArgInfo { ty, constant: None })
            .collect();
        bind_scalar(op, &infos).ok().map(|b| Arc::from(b.imp))
    }

    /// The typed form gives what the generic evaluation gives, for every operator over
    /// operands of every kind (nulls, decimals, mixed kinds fall back).
    #[test]
    fn typed_and_generic_agree() {
        let ctx = EvalCtx::new(0);
        let vals = [
            Value::Long(-14),
            Value::Long(0),
            Value::Long(12),
            Value::Int(5),
            Value::Real(2.5),
            Value::Real(-0.0),
            Value::Real(f64::NAN),
            Value::Decimal(1.5),
            Value::Null,
            Value::DateTime(100),
            Value::TimeSpan(7),
            Value::Bool(true),
            Value::str("3"),
        ];
        let ty = |v: &Value| match v {
            Value::Long(_) => Type::Long,
            Value::Int(_) => Type::Int,
            Value::Real(_) => Type::Real,
            Value::Decimal(_) => Type::Decimal,
            Value::DateTime(_) => Type::DateTime,
            Value::TimeSpan(_) => Type::TimeSpan,
            Value::Bool(_) => Type::Bool,
            Value::String(_) => Type::String,
            _ => Type::Long,
        };
        let ops = ["+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">="];
        let mut typed = 0;
        for op in ops {
            for a in &vals {
                for b in &vals {
                    // Columns typed as the values are (a null stands in a long column).
                    let Some(call) = bind(op, &[ty(a), ty(b)]) else {
                        continue;
                    };
                    let e = BExpr::Call(call, vec![BExpr::Column(0), BExpr::Column(1)]);
                    let c = Compiled::new(e.clone());
                    let row = [a.clone(), b.clone()];
                    let want = eval(&e, &row, &ctx);
                    let got = c.eval(&row, &ctx);
                    assert!(
                        format!("{want:?}") == format!("{got:?}"),
                        "{a:?} {op} {b:?}: {got:?}, want {want:?}"
                    );
                    assert_eq!(c.holds(&row, &ctx), want.is_true());
                    typed += c.fast.as_ref().and_then(|f| f.eval(&row)).is_some() as usize;
                }
            }
        }
        // The typed path did run (not everything fell back).
        assert!(typed > 100, "{typed}");
    }

    /// `and` / `or` of comparisons: typed when both sides are, with the generic
    /// three-valued answers when a null takes part.
    #[test]
    fn typed_logic_agrees() {
        let ctx = EvalCtx::new(0);
        let vals = [Value::Long(1), Value::Long(2), Value::Null];
        let lt = bind("<", &[Type::Long, Type::Long]).unwrap();
        let eq = bind("==", &[Type::Long, Type::Long]).unwrap();
        let call = |f: &Arc<dyn crate::functions::ScalarImpl>, a, b| {
            BExpr::Call(f.clone(), vec![BExpr::Column(a), BExpr::Column(b)])
        };
        let mut typed = 0;
        for and in [true, false] {
            for a in &vals {
                for b in &vals {
                    let (l, r) = (Box::new(call(&lt, 0, 1)), Box::new(call(&eq, 1, 0)));
                    let e = if and {
                        BExpr::And(l, r)
                    } else {
                        BExpr::Or(l, r)
                    };
                    let c = Compiled::new(e.clone());
                    let row = [a.clone(), b.clone()];
                    let want = eval(&e, &row, &ctx);
                    let got = c.eval(&row, &ctx);
                    assert!(
                        format!("{want:?}") == format!("{got:?}"),
                        "{a:?}, {b:?} (and: {and}): {got:?}, want {want:?}"
                    );
                    typed += c.fast.as_ref().and_then(|f| f.eval(&row)).is_some() as usize;
                }
            }
        }
        // Both sides long on 4 of the 9 rows, for `and` and for `or`.
        assert_eq!(typed, 8);
    }

    /// `tostring(column)` read in place gives what the call gives, on values of every
    /// kind (only strings are read in place; the rest go through the call).
    #[test]
    fn tostring_of_a_column_agrees() {
        let ctx = EvalCtx::new(0);
        let vals = [
            Value::str("t30"),
            Value::str(""),
            Value::Null,
            Value::Long(7),
            Value::Real(0.1),
            Value::Bool(false),
            Value::DateTime(0),
            Value::array(vec![Value::str("a"), Value::Long(1)]),
        ];
        for ty in [Type::String, Type::Dynamic] {
            let call = bind("tostring", &[ty]).unwrap();
            let e = BExpr::Call(call, vec![BExpr::Column(1)]);
            let c = Compiled::new(e.clone());
            assert_eq!(c.text, Some(1), "{ty:?}");
            for v in &vals {
                let row = [Value::Long(0), v.clone()];
                let (want, got) = (eval(&e, &row, &ctx), c.eval(&row, &ctx));
                assert!(
                    format!("{want:?}") == format!("{got:?}"),
                    "tostring({v:?}): {got:?}, want {want:?}"
                );
            }
        }
    }
}
