//! What the binder does differently when it only checks (`kql check`: the catalog
//! holds schemas, nothing runs). Kusto.Language binds a whole query even after an
//! error, and so does the check:
//!
//! - an error in a statement or an operator is recorded and binding goes on, with the
//!   statement's name or the operator's output standing for "unknown" (an open table,
//!   a value of type [`Type::Unknown`]), so that one mistake gives one finding;
//! - what kql cannot run yet but can type (a plugin, a function it has not built) is
//!   no finding at all: it fails when run, with "`x` is not supported yet";
//! - an open table (the output of `evaluate pivot`, a table whose schema is unknown)
//!   has every column: a name it does not list is a column of unknown type.
//!
//! When running, none of this applies: the first error stops the query.

use super::Binder;
use crate::error::{Error, ErrorKind, Result, Span};
use crate::functions::{self, ArgInfo, FnError};
use crate::plan::{BAgg, BExpr, Plan, PlanKind};
use crate::table::Column;
use crate::types::Type;
use crate::value::Value;

/// The column that marks a schema as open: any name not listed resolves to it.
const OPEN: &str = "*";

/// Whether `schema` is open, and where its marker stands.
pub(crate) fn open_marker(schema: &[Column]) -> Option<usize> {
    schema
        .iter()
        .position(|c| c.name == OPEN && c.ty == Type::Unknown)
}

/// A plan with `schema` and every other column too, which is never run (it stands for
/// an operator the check could not bind, or whose output columns depend on the data).
pub(crate) fn open_plan(mut schema: Vec<Column>) -> Plan {
    if open_marker(&schema).is_none() {
        schema.push(Column::new(OPEN, Type::Unknown));
    }
    Plan {
        schema,
        kind: PlanKind::Scan {
            name: String::new(),
        },
    }
}

/// What a name stands for when the check could not bind (or parse) its `let`: an
/// open table with no known column, which also serves as a value or a function of
/// unknown type where one is used (see [`is_unknown_entry`]).
pub(crate) fn unknown_entry() -> super::Entry {
    super::Entry::Tabular(std::sync::Arc::new(open_plan(Vec::new())))
}

/// Whether `entry` is [`unknown_entry`].
pub(crate) fn is_unknown_entry(entry: &super::Entry) -> bool {
    matches!(entry, super::Entry::Tabular(p) if p.schema.len() == 1 && open_marker(&p.schema).is_some())
}

/// A plan with exactly `schema`, which is never run (the check types what it cannot run).
pub(crate) fn typed_plan(schema: Vec<Column>) -> Plan {
    Plan {
        schema,
        kind: PlanKind::Scan {
            name: String::new(),
        },
    }
}

/// A value of unknown type at `span`, which is never evaluated.
pub(crate) fn unknown(span: Span) -> super::expr::Bound {
    super::expr::Bound {
        expr: BExpr::Unavailable(span),
        ty: Type::Unknown,
    }
}

impl Binder<'_> {
    /// Whether the binder only checks (no data: `kql check`).
    pub(crate) fn checking(&self) -> bool {
        self.subqueries.is_none()
    }

    /// When checking, records the error of `r` (unless it is only "not supported
    /// yet") and carries on with `fallback`; when running, the error stands.
    pub(crate) fn recover<T>(&self, r: Result<T>, fallback: impl FnOnce() -> T) -> Result<T> {
        match r {
            Ok(v) => Ok(v),
            Err(e) if self.checking() => {
                self.record(e);
                Ok(fallback())
            }
            Err(e) => Err(e),
        }
    }

    /// Records a warning (only the check reports them).
    pub(crate) fn warn(&self, e: Error) {
        self.warnings.borrow_mut().push(e);
    }

    /// Records an error the check carries on after.
    pub(crate) fn record(&self, e: Error) {
        if e.kind != ErrorKind::Unsupported {
            self.recovered.borrow_mut().push(e);
        }
    }

    /// The errors recorded so far, in the order found, each once.
    pub(crate) fn take_recovered(&self) -> Vec<Error> {
        once_each(self.recovered.borrow_mut().drain(..))
    }

    /// The warnings recorded so far, in the order found, each once.
    pub(crate) fn take_warnings(&self) -> Vec<Error> {
        once_each(self.warnings.borrow_mut().drain(..))
    }
}

/// Each error once (a function's body is bound at each call).
fn once_each(errors: impl Iterator<Item = Error>) -> Vec<Error> {
    let mut out: Vec<Error> = Vec::new();
    for e in errors {
        if !out
            .iter()
            .any(|o| o.location == e.location && o.message == e.message)
        {
            out.push(e);
        }
    }
    out
}

/// The implementation of an aggregate the check typed but cannot run; plans holding
/// it are never run (a check runs nothing).
pub(crate) struct Unrunnable;

struct NoState(usize);

impl functions::AggregateImpl for Unrunnable {
    fn init(&self) -> Box<dyn functions::AggState> {
        Box::new(NoState(1))
    }
}

impl functions::AggState for NoState {
    fn update(&mut self, _args: &[Value]) {}
    fn finish(&mut self) -> Vec<Value> {
        vec![Value::Null; self.0]
    }
}

/// An aggregate the check could not bind: one output of unknown type.
pub(crate) fn unknown_aggregate() -> (BAgg, Vec<Type>) {
    (
        BAgg {
            imp: std::sync::Arc::new(Unrunnable),
            args: Vec::new(),
        },
        vec![Type::Unknown],
    )
}

/// The argument types with `unknown` read as `dynamic`, which every function accepts
/// wherever a value is converted when it runs.
fn as_dynamic<'a>(args: &[ArgInfo<'a>]) -> Option<Vec<ArgInfo<'a>>> {
    if !args.iter().any(|a| a.ty == Type::Unknown) {
        return None;
    }
    Some(
        args.iter()
            .map(|a| ArgInfo {
                ty: if a.ty == Type::Unknown {
                    Type::Dynamic
                } else {
                    a.ty
                },
                constant: a.constant,
            })
            .collect(),
    )
}

impl Binder<'_> {
    /// When checking, what a scalar call that failed to bind with `err` is instead: a
    /// call kql cannot run yet has an unknown result (no finding), and a call over an
    /// argument of unknown type gets the type its result would have for a dynamic one.
    /// None: `err` stands (an unknown function, a wrong argument count, a real type error).
    pub(crate) fn check_call(
        &self,
        name: &str,
        args: &[ArgInfo],
        err: &FnError,
        span: Span,
    ) -> Option<super::expr::Bound> {
        match err {
            FnError::Unsupported | FnError::UnsupportedArg(..) => Some(unknown(span)),
            FnError::Unknown | FnError::Arity(_) => None,
            FnError::Type(..) => {
                let dynamic = as_dynamic(args)?;
                let ty = match functions::bind_scalar(name, &dynamic) {
                    Ok(b) if b.ty != Type::Dynamic => b.ty,
                    Err(FnError::Arity(_)) => return None,
                    _ => Type::Unknown,
                };
                Some(super::expr::Bound {
                    expr: BExpr::Unavailable(span),
                    ty,
                })
            }
        }
    }

    /// As [`Self::check_call`], for an aggregate: its output types, or None when `err`
    /// stands. `count` is how many arguments it was given (`*` expanded).
    pub(crate) fn check_aggregate(
        &self,
        name: &str,
        args: &[ArgInfo],
        err: &FnError,
    ) -> Option<Vec<Type>> {
        // `arg_max(x, a, b)` and `take_any(a, b)` give a column per argument.
        let width = if matches!(name, "arg_max" | "arg_min" | "take_any" | "any") {
            args.len().max(1)
        } else {
            1
        };
        match err {
            FnError::Unsupported | FnError::UnsupportedArg(..) => Some(vec![Type::Unknown; width]),
            FnError::Unknown | FnError::Arity(_) => None,
            FnError::Type(..) => {
                let dynamic = as_dynamic(args)?;
                match functions::bind_aggregate(name, &dynamic) {
                    Ok(b) => Some(b.outputs),
                    Err(FnError::Arity(_)) => None,
                    Err(_) => Some(vec![Type::Unknown; width]),
                }
            }
        }
    }
}
