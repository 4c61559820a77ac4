//! Runtime values. One enum for every scalar type and for the contents of `dynamic`:
//! a dynamic cell holds any `Value`, including `Array` and `Bag`. The static type of a
//! column or expression (see [`crate::types::Type`]) lives beside the values, not in them.
//!
//! Conventions every module relies on:
//! - `Null` is the null of every type but string; a string is never null: a missing
//!   string is `String("")`.
//! - `DateTime` and `TimeSpan` are counts of 100 ns ticks; a datetime counts from
//!   0001-01-01T00:00:00Z (as .NET does), so `DateTime(0)` is that instant.
//! - Strings, arrays and bags are reference-counted so that copying a row is cheap.
//! - Equality and hashing (`PartialEq`, `Eq`, `Hash`, `Ord` on `Value`) are the group-key
//!   rules of [`cmp`]: numbers equal across int/long/real, NaN equals NaN, null equals null.

mod cmp;
mod format;
mod json;
mod time;

pub use cmp::compare;
pub use format::{
    format_guid, format_real, parse_guid, to_json_text, to_kql_string, tostring, write_json,
};
pub use json::{from_json, parse_json_text, to_json};
pub use time::{
    civil_from_days, date_parts, days_from_civil, days_in_month, format_datetime_full,
    format_datetime_iso, format_timespan, in_datetime_range, make_ticks, now_ticks, parse_datetime,
    parse_query_clock, parse_timespan, timespan_unit_ticks, DateParts, MAX_DATETIME_TICKS,
};

use crate::types::Type;
use indexmap::IndexMap;
use std::sync::Arc;

pub type Str = Arc<str>;
pub type Bag = IndexMap<Str, Value>;

#[derive(Clone, Debug, Default)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Int(i32),
    Long(i64),
    Real(f64),
    /// 128-bit decimal in Kusto; held as a double here (see README: decimal is approximate).
    Decimal(f64),
    String(Str),
    DateTime(i64),
    TimeSpan(i64),
    Guid(u128),
    Array(Arc<Vec<Value>>),
    Bag(Arc<Bag>),
}

pub const TICKS_PER_SECOND: i64 = 10_000_000;
pub const TICKS_PER_MINUTE: i64 = 60 * TICKS_PER_SECOND;
pub const TICKS_PER_HOUR: i64 = 60 * TICKS_PER_MINUTE;
pub const TICKS_PER_DAY: i64 = 24 * TICKS_PER_HOUR;
/// Ticks from 0001-01-01 to the Unix epoch 1970-01-01.
pub const UNIX_EPOCH_TICKS: i64 = 621_355_968_000_000_000;

impl Value {
    pub fn str(s: &str) -> Value {
        Value::String(Arc::from(s))
    }
    pub fn empty_str() -> Value {
        Value::String(Arc::from(""))
    }
    pub fn array(items: Vec<Value>) -> Value {
        Value::Array(Arc::new(items))
    }
    pub fn bag(map: Bag) -> Value {
        Value::Bag(Arc::new(map))
    }
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }
    /// True only for `Bool(true)`: how `where`, `iff` and `case` read a predicate.
    pub fn is_true(&self) -> bool {
        matches!(self, Value::Bool(true))
    }
    /// Int, long, real or decimal.
    pub fn is_number(&self) -> bool {
        matches!(
            self,
            Value::Int(_) | Value::Long(_) | Value::Real(_) | Value::Decimal(_)
        )
    }
    /// Null, or the empty string: what `isempty` tests.
    pub fn is_empty_value(&self) -> bool {
        match self {
            Value::Null => true,
            Value::String(s) => s.is_empty(),
            _ => false,
        }
    }
    /// The type of a non-null scalar value; `Dynamic` for arrays and bags; None for null.
    pub fn scalar_type(&self) -> Option<Type> {
        Some(match self {
            Value::Null => return None,
            Value::Bool(_) => Type::Bool,
            Value::Int(_) => Type::Int,
            Value::Long(_) => Type::Long,
            Value::Real(_) => Type::Real,
            Value::Decimal(_) => Type::Decimal,
            Value::String(_) => Type::String,
            Value::DateTime(_) => Type::DateTime,
            Value::TimeSpan(_) => Type::TimeSpan,
            Value::Guid(_) => Type::Guid,
            Value::Array(_) | Value::Bag(_) => Type::Dynamic,
        })
    }
    /// The null of a type: `""` for string, `Null` for the rest.
    pub fn null_of(ty: Type) -> Value {
        if ty == Type::String {
            Value::empty_str()
        } else {
            Value::Null
        }
    }
}
