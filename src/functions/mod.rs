//! The function library: scalar functions, aggregates, and the semantics of the
//! scalar operators (`+`, `==`, `has`, ...), which the binder lowers to calls of the
//! same registry so that there is one mechanism for all of them.
//!
//! Binding happens once per call site: [`bind_scalar`] sees the argument types and any
//! constant arguments, checks them, and returns the result type and a compiled
//! implementation (a regex or a term matcher is compiled here, once, not per row).

use crate::types::Type;
use crate::value::Value;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};

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
    /// State of the generator behind `rand()` and `new_guid()` (splitmix64). Atomic so
    /// that a context can be shared by threads; seeded from `now` unless set.
    pub rng: AtomicU64,
}

impl EvalCtx {
    pub fn new(now: i64) -> Self {
        EvalCtx {
            now,
            rng: AtomicU64::new(now as u64 ^ 0x9E37_79B9_7F4A_7C15),
        }
    }
    /// A context whose random functions produce a fixed sequence.
    pub fn with_seed(now: i64, seed: u64) -> Self {
        EvalCtx {
            now,
            rng: AtomicU64::new(seed),
        }
    }
    /// The next 64 random bits.
    pub fn next_random(&self) -> u64 {
        let mut z = self
            .rng
            .fetch_add(0x9E37_79B9_7F4A_7C15, AtomicOrdering::Relaxed)
            .wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
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
