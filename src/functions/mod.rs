//! The function library: scalar functions, aggregates, and the semantics of the
//! scalar operators (`+`, `==`, `has`, ...), which the binder lowers to calls of the
//! same registry so that there is one mechanism for all of them.
//!
//! Binding happens once per call site: [`bind_scalar`] sees the argument types and any
//! constant arguments, checks them, and returns the result type and a compiled
//! implementation (a regex or a term matcher is compiled here, once, not per row).

use crate::types::Type;
use crate::value::Value;

/// What the binder knows about one argument of a call.
#[derive(Clone, Copy, Debug)]
pub struct ArgInfo<'a> {
    pub ty: Type,
    /// The value, when the argument is a constant (a literal, or a let bound to one).
    pub constant: Option<&'a Value>,
}

/// Why a call cannot be bound. The binder adds the position and "did you mean".
#[derive(Clone, Debug, PartialEq)]
pub enum FnError {
    /// No function of that name.
    Unknown,
    /// Known to Kusto, not built in kql yet.
    Unsupported,
    /// Wrong number of arguments: the message says what is expected.
    Arity(String),
    /// An argument of the wrong type: its index and the message.
    Type(usize, String),
}

/// Per-query state a function may read.
#[derive(Debug)]
pub struct EvalCtx {
    /// `now()` in ticks: one instant per query.
    pub now: i64,
}

pub trait ScalarImpl: Send + Sync {
    fn call(&self, args: &[Value], ctx: &EvalCtx) -> Value;
}

pub struct BoundScalar {
    pub ty: Type,
    pub imp: Box<dyn ScalarImpl>,
}

/// Binds a call of scalar function (or operator) `name`.
pub fn bind_scalar(_name: &str, _args: &[ArgInfo]) -> Result<BoundScalar, FnError> {
    Err(FnError::Unsupported)
}

/// An aggregate bound at one call site (`make_set(IPAddress, 20)`).
pub struct BoundAggregate {
    /// Types of the output columns: one for most aggregates; `arg_max(x, a, b)` gives
    /// three (x, a, b). Column naming is the binder's job.
    pub outputs: Vec<Type>,
    pub imp: Box<dyn AggregateImpl>,
}

pub trait AggregateImpl: Send + Sync {
    /// A fresh state for one group.
    fn init(&self) -> Box<dyn AggState>;
}

pub trait AggState: Send {
    /// Feeds one row's argument values (in call order; `*` already expanded by the binder).
    fn update(&mut self, args: &[Value]);
    /// The group's result: one value per output column.
    fn finish(&mut self) -> Vec<Value>;
}

/// Whether `name` is an aggregate function (so that it is allowed only in summarize).
pub fn is_aggregate(_name: &str) -> bool {
    false
}

/// Binds an aggregate call inside `summarize` (or `make-series`, `top-nested`).
pub fn bind_aggregate(_name: &str, _args: &[ArgInfo]) -> Result<BoundAggregate, FnError> {
    Err(FnError::Unsupported)
}
