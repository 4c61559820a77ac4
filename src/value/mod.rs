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
pub(crate) use cmp::integer_key;
pub use format::{
    format_guid, format_real, parse_guid, to_json_text, to_kql_string, tostring, write_json,
};
pub use json::{
    from_json, parse_json_paths, parse_json_slice, parse_json_slice_with, parse_json_text, to_json,
    JsonPaths, SharedStrings,
};
pub use time::{
    civil_from_days, date_parts, days_from_civil, days_in_month, format_datetime_full,
    format_datetime_iso, format_timespan, in_datetime_range, make_ticks, now_ticks, parse_datetime,
    parse_query_clock, parse_timespan, timespan_unit_ticks, DateParts, MAX_DATETIME_TICKS,
};

use crate::types::Type;
use indexmap::IndexMap;
use std::sync::Arc;

pub type Str = Arc<str>;

/// This thread's own copy of `s`, a string that every thread clones per row (a plan's
/// string constant, a member path's key). Why: an `Arc` cloned and dropped on every row
/// by two threads makes its count a cache line the cores hand back and forth; parse-json
/// at M took 0.95 s of CPU on two threads against 0.61 s on one. The entry keeps the
/// shared string alive, so its address is never another string's while remembered.
pub fn thread_copy(s: &Str) -> Str {
    use std::cell::RefCell;
    /// Entries per thread before they are forgotten (a plan holds a few dozen).
    const KEEP: usize = 4096;
    thread_local! {
        static COPIES: RefCell<crate::hash::FxHashMap<usize, (Str, Str)>> =
            RefCell::default();
    }
    COPIES
        .try_with(|c| {
            let mut c = c.borrow_mut();
            let at = Arc::as_ptr(s) as *const u8 as usize;
            if let Some((_, copy)) = c.get(&at) {
                return copy.clone();
            }
            if c.len() >= KEEP {
                c.clear();
            }
            let copy: Str = Arc::from(&**s);
            c.insert(at, (s.clone(), copy.clone()));
            copy
        })
        // (A thread that is ending has no table any more: the shared string.)
        .unwrap_or_else(|_| s.clone())
}

/// A GUID's 128 bits as two words. A `u128` field would align [`Value`] to 16 bytes and
/// make every value 32 bytes instead of 24: a quarter more memory for every row held.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct Guid {
    // High word first: the derived order is the order of the 128-bit number.
    hi: u64,
    lo: u64,
}

impl Guid {
    pub const fn new(bits: u128) -> Guid {
        Guid {
            hi: (bits >> 64) as u64,
            lo: bits as u64,
        }
    }

    pub const fn get(self) -> u128 {
        (self.hi as u128) << 64 | self.lo as u128
    }
}

impl From<u128> for Guid {
    fn from(bits: u128) -> Guid {
        Guid::new(bits)
    }
}
/// A dynamic property bag: keys in insertion order (as Kusto prints them). Hashed with
/// foldhash, seeded per process: bag keys come from the data (JSON read from files,
/// `parse_json` of a column), so a hash an input cannot aim collisions at, but SipHash
/// cost a tenth of `parse_json` plus member access over small objects.
pub type Bag = IndexMap<Str, Value, foldhash::fast::RandomState>;

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
    Guid(Guid),
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

#[cfg(test)]
mod size_tests {
    use super::{Guid, Value};

    /// Rows are vectors of values: every byte of a value is paid once per cell held.
    #[test]
    fn a_value_is_three_words_and_a_guid_keeps_its_bits_and_order() {
        assert_eq!(std::mem::size_of::<Value>(), 24);
        let (a, b) = (0x0123_4567_89ab_cdef_u128 << 64 | 1, 0xfedc_u128);
        assert_eq!(Guid::new(a).get(), a);
        assert_eq!(Guid::new(a).cmp(&Guid::new(b)), a.cmp(&b));
        assert_eq!(Guid::new(u128::MAX).get(), u128::MAX);
    }
}

#[cfg(test)]
mod thread_copy_tests {
    use super::*;

    #[test]
    fn a_thread_copy_is_equal_kept_per_thread_and_not_the_shared_string() {
        let shared: Str = Arc::from("country");
        let a = thread_copy(&shared);
        let b = thread_copy(&shared);
        assert_eq!(a, shared);
        assert!(Arc::ptr_eq(&a, &b) && !Arc::ptr_eq(&a, &shared));
        let other = std::thread::scope(|s| s.spawn(|| thread_copy(&shared)).join().unwrap());
        assert_eq!(other, shared);
        assert!(!Arc::ptr_eq(&other, &a));
        // Another string at another address has its own copy.
        let next: Str = Arc::from("city");
        assert_eq!(thread_copy(&next), next);
    }
}
