//! The function library: scalar functions, aggregates, and the semantics of the
//! scalar operators (`+`, `==`, `has`, ...), which the binder lowers to calls of the
//! same registry so that there is one mechanism for all of them.
//!
//! Binding happens once per call site: [`bind_scalar`] sees the argument types and any
//! constant arguments, checks them, and returns the result type and a compiled
//! implementation (a regex or a term matcher is compiled here, once, not per row).
//!
//! Calling conventions the binder follows:
//! - Operators are registry names: `+ - * / %`, `neg`, `== != < <= > >= =~ !~`,
//!   `and`, `or`, `not`, the string predicates (`has`, `!has_cs`, `startswith`, ...,
//!   `matches regex`), `in`/`!in`/`in~`/`!in~`/`has_any`/`has_all` as
//!   (lhs, item, item, ...) with dynamic arrays flattened, `between`/`!between` as
//!   (x, low, high), `__index` (d[i], d["k"]) and `__member` (d.name, the name a
//!   constant string argument).
//! - A `typeof(T)` argument (`extract`'s 4th, `extract_json`'s 3rd) is passed as a
//!   constant string naming the type (`"long"`).
//! - Size limits (`make_set(x, 20)`) and kinds (`countof(s, re, "regex")`) must be
//!   constants.
//! - A result's runtime value always has the bound type's representation (a `long`
//!   result is `Value::Long` or null; a string result is never null).

mod aggregate;
mod compress;
mod convert;
pub(crate) use convert::parse_json_reading;
mod datetime;
mod digest;
mod dynamic;
mod geo;
mod math;
mod misc;
pub(crate) mod net;
mod ops;
mod punycode;
pub(crate) mod re2;
mod schema;
mod series;
mod series_decompose;
mod sketch;
mod stats;
mod string;
pub mod terms;
#[cfg(test)]
mod tests;
mod units;
mod useragent;
mod xml;
pub(crate) mod zones;

pub use math::rand_value;
pub use ops::{Arith, Cmp, Kernel};

use crate::types::Type;
use crate::value::{tostring as tostring_v, Value};
use std::borrow::Cow;
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
    /// A form of the call not built yet, at its argument `.0`: `.1` names the form
    /// (`geo_distance_2points(..., use_spheroid = true)`).
    UnsupportedArg(usize, String),
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
    /// Where `rand()` and `new_guid()` start: from `now` unless set.
    seed: u64,
    /// The generator's state for values drawn outside a row (binding, `print`,
    /// `sample`): splitmix64, atomic so that a context can be shared by threads.
    pub rng: AtomicU64,
}

thread_local! {
    /// The row being evaluated on this thread, when a pipeline says (see
    /// [`EvalCtx::at_row`]), and how many random values it has drawn.
    static ROW: std::cell::Cell<Option<(u64, u64)>> = const { std::cell::Cell::new(None) };
}

/// splitmix64's output function.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl EvalCtx {
    pub fn new(now: i64) -> Self {
        Self::with_seed(now, now as u64 ^ 0x9E37_79B9_7F4A_7C15)
    }
    /// A context whose random functions produce a fixed sequence.
    pub fn with_seed(now: i64, seed: u64) -> Self {
        EvalCtx {
            now,
            seed,
            rng: AtomicU64::new(seed),
        }
    }
    /// The next 64 random bits. Inside a row (see [`EvalCtx::at_row`]) they depend only
    /// on the seed, the row's position and how many values the row drew before, so a
    /// query gives the same values whatever thread evaluates which row.
    pub fn next_random(&self) -> u64 {
        let in_row = ROW.with(|r| {
            r.get().map(|(pos, k)| {
                r.set(Some((pos, k + 1)));
                self.random_at(pos, k)
            })
        });
        if let Some(z) = in_row {
            return z;
        }
        let z = self
            .rng
            .fetch_add(0x9E37_79B9_7F4A_7C15, AtomicOrdering::Relaxed)
            .wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(z)
    }
    /// The `k`-th random draw (from 0) of the row at `pos`: what [`Self::next_random`]
    /// gives inside that row (an executor that evaluates a column at a time draws a
    /// row's values without marking the row, see [`Kernel::Random`]).
    pub fn random_at(&self, pos: u64, k: u64) -> u64 {
        mix(self.seed ^ mix(pos ^ mix(k.wrapping_add(0x9E37_79B9_7F4A_7C15))))
    }
    /// Marks the rows evaluated next on this thread as being at `pos` (a position unique
    /// in the query, as the executor numbers them), or outside any row (`None`).
    pub fn at_row(pos: Option<u64>) {
        ROW.with(|r| r.set(pos.map(|p| (p, 0))));
    }
}

pub trait ScalarImpl: Send + Sync {
    fn call(&self, args: &[Value], ctx: &EvalCtx) -> Value;
    /// Whether two calls on the same arguments may differ (`rand()`, `new_guid()`):
    /// such a call must run exactly where and as often as the query says, so the binder
    /// never folds it and plan rewrites leave expressions holding one alone. Declared by
    /// the implementation ([`volatile_func`]), not by name.
    fn volatile(&self) -> bool {
        false
    }
    /// The typed operation the call performs, when it is one an executor may run on
    /// unboxed operands (an arithmetic or comparison operator, `pack_array`, `tolong`,
    /// `todouble`): the executor then calls [`ScalarImpl::call`] only for the operand
    /// kinds the [`Kernel`] does not list.
    fn kernel(&self) -> Option<Kernel> {
        None
    }
    /// What this call is to the dynamic-path rewrite ([`crate::optimize`]), which
    /// finds member and index accesses and `parse_json` calls by this, not by name.
    fn dynamic_role(&self) -> Option<DynamicRole> {
        None
    }
}

/// The key value of the partition a legacy `partition ... { subquery }` runs on (see
/// [`crate::plan::PlanKind::Partition`]): set by the executor before each run, so it is
/// volatile (never folded into a constant while binding).
pub(crate) struct PartitionKey(pub std::sync::Arc<std::sync::RwLock<Value>>);

impl ScalarImpl for PartitionKey {
    fn call(&self, _: &[Value], _: &EvalCtx) -> Value {
        self.0.read().unwrap_or_else(|e| e.into_inner()).clone()
    }
    fn volatile(&self) -> bool {
        true
    }
}

/// The calls the dynamic-path rewrite knows (see [`ScalarImpl::dynamic_role`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DynamicRole {
    /// `d.name`: arguments `d` and the name (a constant string).
    Member,
    /// `d[i]`: arguments `d` and the index.
    Index,
    /// `parse_json(x)` (and its other names): argument `x`.
    ParseJson,
}

pub struct BoundScalar {
    pub ty: Type,
    pub imp: Box<dyn ScalarImpl>,
    /// The implementation reads only this many leading arguments at run time: the
    /// others are constants it captured when bound (a compiled regex, a term matcher, a
    /// hashed set). The binder then does not evaluate them per row: cloning a shared
    /// constant on every row costs an atomic update that the parsing threads contend for.
    pub reads: Option<usize>,
}

/// `bound`, declared to read only its first `n` arguments at run time (see
/// [`BoundScalar::reads`]). Only for implementations that never look past them.
pub(crate) fn reading(n: usize, bound: Bound) -> Bound {
    bound.map(|b| BoundScalar {
        reads: Some(n),
        ..b
    })
}

/// One family of scalar functions: the names it implements and its binder. Every place
/// that enumerates the functions (binding, "did you mean", "is it implemented") reads
/// [`FAMILIES`], so a family is registered once.
struct Family {
    names: &'static [&'static str],
    bind: FamilyBinder,
}

/// The scalar families, in binding order (the first family that claims a name binds it).
const FAMILIES: &[Family] = &[
    Family {
        names: ops::NAMES,
        bind: ops::bind,
    },
    Family {
        names: string::NAMES,
        bind: string::bind,
    },
    Family {
        names: convert::NAMES,
        bind: convert::bind,
    },
    Family {
        names: datetime::NAMES,
        bind: datetime::bind,
    },
    Family {
        names: dynamic::NAMES,
        bind: dynamic::bind,
    },
    Family {
        names: math::NAMES,
        bind: math::bind,
    },
    Family {
        names: net::NAMES,
        bind: net::bind,
    },
    Family {
        names: units::NAMES,
        bind: units::bind,
    },
    Family {
        names: misc::NAMES,
        bind: misc::bind,
    },
    Family {
        names: compress::NAMES,
        bind: compress::bind,
    },
    Family {
        names: zones::NAMES,
        bind: zones::bind,
    },
    Family {
        names: useragent::NAMES,
        bind: useragent::bind,
    },
    Family {
        names: xml::NAMES,
        bind: xml::bind,
    },
    Family {
        names: stats::NAMES,
        bind: stats::bind,
    },
    Family {
        names: series::NAMES,
        bind: series::bind,
    },
    Family {
        names: sketch::NAMES,
        bind: sketch::bind,
    },
    Family {
        names: geo::NAMES,
        bind: geo::bind,
    },
];

/// Binds a call of scalar function (or operator) `name`.
pub fn bind_scalar(name: &str, args: &[ArgInfo]) -> Result<BoundScalar, FnError> {
    let name = canonical(name);
    for family in FAMILIES {
        if let Some(result) = (family.bind)(name, args) {
            return result;
        }
    }
    if is_aggregate(name) {
        return Err(FnError::Type(
            0,
            format!("`{name}` is an aggregate: it is allowed only in summarize"),
        ));
    }
    if is_unsupported(name) {
        Err(FnError::Unsupported)
    } else {
        Err(FnError::Unknown)
    }
}

/// Whether `name` is a Kusto scalar function kql recognises but has not built.
pub(crate) fn is_unsupported(name: &str) -> bool {
    UNSUPPORTED.contains(&name) || UNSUPPORTED_PREFIXES.iter().any(|p| name.starts_with(p))
}

/// Kusto's other spellings of scalar functions (mostly deprecated names).
const ALIASES: &[(&str, &str)] = &[
    ("parsejson", "parse_json"),
    ("weekofyear", "week_of_year"),
    ("datepart", "datetime_part"),
    ("notempty", "isnotempty"),
    ("notnull", "isnotnull"),
    ("parseurl", "parse_url"),
    ("parseurlquery", "parse_urlquery"),
    ("extractall", "extract_all"),
    ("base64_encodestring", "base64_encode_tostring"),
    ("base64_decodestring", "base64_decode_tostring"),
    ("arraylength", "array_length"),
    ("array_strcat", "strcat_array"),
    ("totime", "totimespan"),
    ("make_string", "unicode_codepoints_to_string"),
];

/// The name a scalar function is implemented under.
fn canonical(name: &str) -> &str {
    ALIASES
        .iter()
        .find(|(alias, _)| *alias == name)
        .map_or(name, |(_, to)| to)
}

/// Every function name kql knows (built or not), for "did you mean".
pub fn known_names() -> impl Iterator<Item = &'static str> {
    FAMILIES
        .iter()
        .flat_map(|f| f.names.iter())
        .chain(aggregate::NAMES)
        .chain(sketch::AGGREGATES)
        .chain(aggregate::UNSUPPORTED)
        .chain(UNSUPPORTED)
        .copied()
        .chain(ALIASES.iter().map(|(alias, _)| *alias))
        .filter(|n| !n.starts_with("__"))
}

/// Whether `name` is a scalar operator's registry name (`==`, `+`, `has`, `in`, ...)
/// rather than a function's.
pub fn is_operator(name: &str) -> bool {
    name != "not" && ops::NAMES.contains(&name)
}

/// For a function that gives several columns (`series_stats`, `series_fit_line`, ...):
/// each column's name suffix and type, in order. The function's value is the array of
/// its outputs; the binder spreads it over columns named `(a, b, ...) = f(...)` or
/// `f_<first argument>_<suffix>`.
pub fn tuple_outputs(name: &str) -> Option<&'static [(&'static str, Type)]> {
    series::tuple_outputs(canonical(name))
}

/// Whether kql implements scalar function `name` (operators included).
pub fn is_scalar_implemented(name: &str) -> bool {
    let name = canonical(name);
    FAMILIES.iter().any(|f| f.names.contains(&name))
}

/// Kusto scalar functions kql recognises but has not built: binding them fails with
/// [`FnError::Unsupported`] ("not supported yet"), never a wrong answer. Aggregates
/// are listed in `aggregate::UNSUPPORTED`; the functions the binder handles itself
/// (`toscalar`, `prev`, ...) in `bind::BINDER_FUNCTIONS`.
const UNSUPPORTED: &[&str] = &[
    "cursor_after",
    "cursor_before_or_at",
    "extent_id",
    "extent_tags",
    "geo_info_from_ip_address",
    "geohash_to_map_url",
    "hash_combine",
    "hash_many",
    "point_to_map_url",
    "tablename",
];

/// A family's binder: None means "not my name".
type FamilyBinder = fn(&str, &[ArgInfo]) -> Option<Bound>;

/// Function families of Kusto that kql does not build (geospatial, series, ...):
/// every name under them is known to be Kusto's, so it is "not supported yet".
const UNSUPPORTED_PREFIXES: &[&str] = &["geo_", "ai_"];

/// What a family binder returns; None from a family means "not my name".
pub(crate) type Bound = Result<BoundScalar, FnError>;

struct Closure<F>(F);

impl<F> ScalarImpl for Closure<F>
where
    F: Fn(&[Value], &EvalCtx) -> Value + Send + Sync,
{
    fn call(&self, args: &[Value], ctx: &EvalCtx) -> Value {
        (self.0)(args, ctx)
    }
}

/// A bound function from a closure over the row's argument values.
pub(crate) fn func<F>(ty: Type, f: F) -> Bound
where
    F: Fn(&[Value], &EvalCtx) -> Value + Send + Sync + 'static,
{
    Ok(BoundScalar {
        ty,
        imp: Box::new(Closure(f)),
        reads: None,
    })
}

/// A call whose result may differ between two calls on the same arguments (`rand()`,
/// `new_guid()`): it is never folded, and plan rewrites leave it where the query put it.
struct VolatileClosure<F>(F);

impl<F> ScalarImpl for VolatileClosure<F>
where
    F: Fn(&[Value], &EvalCtx) -> Value + Send + Sync,
{
    fn call(&self, args: &[Value], ctx: &EvalCtx) -> Value {
        (self.0)(args, ctx)
    }
    fn volatile(&self) -> bool {
        true
    }
}

/// A bound volatile function (see [`ScalarImpl::volatile`]).
pub(crate) fn volatile_func<F>(ty: Type, f: F) -> Bound
where
    F: Fn(&[Value], &EvalCtx) -> Value + Send + Sync + 'static,
{
    Ok(BoundScalar {
        ty,
        imp: Box::new(VolatileClosure(f)),
        reads: None,
    })
}

/// A bound function whose result does not depend on the context.
pub(crate) fn pure<F>(ty: Type, f: F) -> Bound
where
    F: Fn(&[Value]) -> Value + Send + Sync + 'static,
{
    func(ty, move |a, _| f(a))
}

/// Checks the argument count: `min..=max`.
pub(crate) fn arity(name: &str, args: &[ArgInfo], min: usize, max: usize) -> Result<(), FnError> {
    let n = args.len();
    if n >= min && n <= max {
        return Ok(());
    }
    let want = if min == max {
        format!("{min}")
    } else if max == usize::MAX {
        format!("at least {min}")
    } else {
        format!("{min} to {max}")
    };
    Err(FnError::Arity(format!(
        "`{name}` expects {want} argument{}, got {n}",
        if want == "1" { "" } else { "s" }
    )))
}

/// A family of acceptable argument types. `dynamic` is accepted everywhere: its
/// runtime value is converted (or gives null) when the call runs.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Want {
    Any,
    Str,
    Num,
    Integer,
    Bool,
    DateTime,
    TimeSpan,
    Dynamic,
    Guid,
}

impl Want {
    fn accepts(self, t: Type) -> bool {
        if t == Type::Dynamic {
            return true;
        }
        match self {
            Want::Any => true,
            Want::Str => t == Type::String,
            Want::Num => t.is_numeric(),
            Want::Integer => matches!(t, Type::Int | Type::Long),
            Want::Bool => t == Type::Bool,
            Want::DateTime => t == Type::DateTime,
            Want::TimeSpan => t == Type::TimeSpan,
            Want::Dynamic => false,
            Want::Guid => t == Type::Guid,
        }
    }
    fn name(self) -> &'static str {
        match self {
            Want::Any => "a scalar",
            Want::Str => "a string",
            Want::Num => "a number",
            Want::Integer => "an integer (int or long)",
            Want::Bool => "a bool",
            Want::DateTime => "a datetime",
            Want::TimeSpan => "a timespan",
            Want::Dynamic => "a dynamic",
            Want::Guid => "a guid",
        }
    }
}

/// Checks that argument `i` has an acceptable type.
pub(crate) fn expect(name: &str, args: &[ArgInfo], i: usize, want: Want) -> Result<(), FnError> {
    match args.get(i) {
        Some(a) if !want.accepts(a.ty) => Err(FnError::Type(
            i,
            format!(
                "argument {} of `{name}` must be {}, not {}",
                i + 1,
                want.name(),
                a.ty
            ),
        )),
        _ => Ok(()),
    }
}

/// Checks arity and every argument type at once; `wants` lists the types of the
/// positional arguments (an argument beyond the list is checked against the last entry).
pub(crate) fn sig(
    name: &str,
    args: &[ArgInfo],
    min: usize,
    max: usize,
    wants: &[Want],
) -> Result<(), FnError> {
    arity(name, args, min, max)?;
    for i in 0..args.len() {
        if let Some(w) = wants.get(i).or(wants.last()) {
            expect(name, args, i, *w)?;
        }
    }
    Ok(())
}

/// The text of a value as string functions read it: a string as is, null as `""`,
/// anything else through `tostring`.
pub(crate) fn text(v: &Value) -> Cow<'_, str> {
    match v {
        Value::String(s) => Cow::Borrowed(s),
        Value::Null => Cow::Borrowed(""),
        other => Cow::Owned(tostring_v(other)),
    }
}

/// A number as f64 (int, long, real, decimal); None otherwise.
pub(crate) fn num_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::Long(i) => Some(*i as f64),
        Value::Real(f) | Value::Decimal(f) => Some(*f),
        _ => None,
    }
}

/// A number as i64: reals truncate toward zero (NaN and out-of-range reals give None).
pub(crate) fn num_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i as i64),
        Value::Long(i) => Some(*i),
        Value::Real(f) | Value::Decimal(f) => real_to_i64(*f),
        _ => None,
    }
}

pub(crate) fn real_to_i64(f: f64) -> Option<i64> {
    if f.is_finite() && f > -9.3e18 && f < 9.3e18 {
        let t = f.trunc();
        if (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&t) {
            return Some(t as i64);
        }
    }
    None
}

/// The constant value of argument `i`, if the binder knows it.
pub(crate) fn constant<'a>(args: &[ArgInfo<'a>], i: usize) -> Option<&'a Value> {
    args.get(i).and_then(|a| a.constant)
}

/// The type that values of types `a` and `b` share (`iff`, `case`, `coalesce`):
/// equal types; numbers widen (int → long → real → decimal... as Kusto: any real gives
/// real); dynamic with anything gives dynamic. None when they cannot be unified.
pub(crate) fn unify(a: Type, b: Type) -> Option<Type> {
    if a == b {
        return Some(a);
    }
    if a == Type::Dynamic || b == Type::Dynamic {
        return Some(Type::Dynamic);
    }
    if a.is_numeric() && b.is_numeric() {
        return Some(if a == Type::Decimal || b == Type::Decimal {
            Type::Decimal
        } else if a == Type::Real || b == Type::Real {
            Type::Real
        } else {
            Type::Long
        });
    }
    None
}

/// [`cast_to`], for the binder: a value in the representation of type `ty`.
pub fn cast_value(ty: Type, v: Value) -> Value {
    cast_to(ty, v)
}

/// Converts a value to the representation of static type `ty`, for results whose
/// runtime kind may differ from the declared type (a dynamic operand, a widened
/// branch of `iff`). Numbers convert; a value that cannot be represented gives null.
pub(crate) fn cast_to(ty: Type, v: Value) -> Value {
    match (ty, &v) {
        (_, Value::Null) => Value::null_of(ty),
        (Type::Dynamic, _) => v,
        (Type::Long, Value::Long(_))
        | (Type::Real, Value::Real(_))
        | (Type::Int, Value::Int(_)) => v,
        (Type::Long, _) => num_i64(&v).map_or(Value::Null, Value::Long),
        (Type::Int, _) => num_i64(&v).map_or(Value::Null, |i| Value::Int(i as i32)),
        (Type::Real, _) => num_f64(&v).map_or(Value::Null, Value::Real),
        (Type::Decimal, _) => num_f64(&v).map_or(Value::Null, Value::Decimal),
        (Type::String, Value::String(_)) => v,
        (Type::String, _) => Value::str(&tostring_v(&v)),
        (Type::Bool, Value::Bool(_))
        | (Type::DateTime, Value::DateTime(_))
        | (Type::TimeSpan, Value::TimeSpan(_))
        | (Type::Guid, Value::Guid(_)) => v,
        _ => Value::null_of(ty),
    }
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
    /// The states of every group of a hash aggregation in one column, for an aggregate
    /// whose state is a few plain numbers: a million groups then cost a vector of
    /// numbers instead of a million boxed states (memory, and a cache miss a row).
    /// `None`: one [`AggState`] per group.
    fn column(&self) -> Option<Box<dyn AggColumn>> {
        None
    }
    /// Whether the result is the number of rows fed, whatever they hold (`count()`):
    /// a group's rows may then be counted elsewhere and fed as that many empty rows.
    fn rows_counted(&self) -> bool {
        false
    }
}

/// The states of one aggregate for groups `0..n` (see [`AggregateImpl::column`]): the
/// same results as one [`AggState`] per group fed the same rows.
pub trait AggColumn: Send {
    /// Adds group `n` (its state as [`AggregateImpl::init`] makes it).
    fn push_group(&mut self);
    /// [`AggState::update`] of group `g`.
    fn update(&mut self, g: usize, args: &[Value]);
    /// [`AggColumn::update`] of groups `groups[j]` with the arguments at `rows[j]` of
    /// the typed `args` (a pipeline's columns); false (nothing done) when this state
    /// takes no such arguments, and the caller then updates row by row.
    fn update_typed(&mut self, _groups: &[u32], _rows: &[u32], _args: &[TypedArg<'_>]) -> bool {
        false
    }
    /// `n` rows without arguments fed to group `g` (an aggregate that
    /// [`AggregateImpl::rows_counted`] counts them), as `n` calls of [`AggColumn::update`].
    fn add_rows(&mut self, g: usize, n: i64) {
        for _ in 0..n {
            self.update(g, &[]);
        }
    }
    /// [`AggState::finish`] of group `g`, appended to `out`.
    fn finish(&mut self, g: usize, out: &mut Vec<Value>);
    /// The bytes a group's state holds.
    fn group_bytes(&self) -> u64;
}

/// A column of argument values without nulls, as [`AggColumn::update_typed`] takes
/// them: ints or longs (the values `Value::Int` and `Value::Long` hold), or reals.
pub enum TypedArg<'a> {
    Integers(&'a [i64]),
    Reals(&'a [f64]),
}

pub trait AggState: Send {
    /// Feeds one row's argument values (in call order; `*` already expanded by the binder).
    fn update(&mut self, args: &[Value]);
    /// [`AggState::update`] with the arguments at each of `rows` of the typed `args`, in
    /// order; false (nothing done) when this state takes no such arguments.
    fn update_typed(&mut self, _rows: &[u32], _args: &[TypedArg<'_>]) -> bool {
        false
    }
    /// The group's result: one value per output column.
    fn finish(&mut self) -> Vec<Value>;
}

/// The distinct counts of `hll` sketches intersected in turn (`dcount_intersect`).
pub fn hll_intersections(sketches: &[Value]) -> Vec<i64> {
    sketch::intersections(sketches)
}

/// Whether `name` is an aggregate function (so that it is allowed only in summarize).
pub fn is_aggregate(name: &str) -> bool {
    aggregate::NAMES.contains(&name)
        || sketch::AGGREGATES.contains(&name)
        || aggregate::UNSUPPORTED.contains(&name)
}

/// Whether a call of `name` with `nargs` arguments aggregates where aggregates are
/// allowed: `hll_merge` and `merge_tdigest` aggregate one column in summarize and
/// merge several sketches as scalars.
pub fn aggregates_here(name: &str, nargs: usize, in_summarize: bool) -> bool {
    is_aggregate(name) && !(is_scalar_implemented(name) && (!in_summarize || nargs != 1))
}

/// Binds an aggregate call inside `summarize` (or `make-series`, `top-nested`).
pub fn bind_aggregate(name: &str, args: &[ArgInfo]) -> Result<BoundAggregate, FnError> {
    aggregate::bind(name, args)
}
