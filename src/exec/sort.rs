//! `sort`: a stable sort by the keys, each key evaluated once per row into a column,
//! then a permutation of row numbers sorted, so no row is moved or allocated for while
//! comparing.
//!
//! A single key whose values are all integers, datetimes or timespans (or all reals)
//! is encoded as a fixed-size tuple whose plain order is the sort's order (nulls and
//! NaN first or last, descending flipped, ties by row number): the common `sort by
//! TimeGenerated desc` then sorts machine words. Other keys compare values with the
//! order every operator shares ([`super::compare_key`]).

use super::compare_key;
use super::eval::eval;
use crate::functions::EvalCtx;
use crate::plan::SortSpec;
use crate::table::Row;
use crate::value::Value;
use std::cmp::Ordering;

/// `rows` sorted by `keys`, stable (equal keys keep their input order).
pub(crate) fn sort(rows: Vec<Row>, keys: &[SortSpec], ctx: &EvalCtx) -> Vec<Row> {
    let columns: Vec<Vec<Value>> = keys
        .iter()
        .map(|k| rows.iter().map(|r| eval(&k.expr, r, ctx)).collect())
        .collect();
    let order = match (keys, columns.as_slice()) {
        ([spec], [column]) => encoded(column, spec).unwrap_or_else(|| by_values(&columns, keys)),
        _ => by_values(&columns, keys),
    };
    let mut slots: Vec<Option<Row>> = rows.into_iter().map(Some).collect();
    order
        .into_iter()
        .filter_map(|i| slots[i as usize].take())
        .collect()
}

/// Row numbers in the order of the keys' values, ties by row number.
fn by_values(columns: &[Vec<Value>], keys: &[SortSpec]) -> Vec<u32> {
    let n = columns.first().map_or(0, Vec::len);
    let mut order: Vec<u32> = (0..n as u32).collect();
    order.sort_unstable_by(|&a, &b| {
        for (column, spec) in columns.iter().zip(keys) {
            let o = compare_key(
                &column[a as usize],
                &column[b as usize],
                spec.desc,
                spec.nulls_first,
            );
            if o != Ordering::Equal {
                return o;
            }
        }
        a.cmp(&b)
    });
    order
}

/// The order of one key of integers (datetimes, timespans) or of reals, by sorting
/// `(class, word, row)` tuples: the class puts nulls (and NaN, next to them) first or
/// last, the word is the value encoded so that unsigned order is the key's order.
/// `None` when the values are of another kind or mixed.
fn encoded(column: &[Value], spec: &SortSpec) -> Option<Vec<u32>> {
    // One variant of one of those kinds throughout (a typed column is).
    let mut variant = None;
    for v in column {
        match v {
            Value::Null => {}
            Value::Long(_)
            | Value::Int(_)
            | Value::DateTime(_)
            | Value::TimeSpan(_)
            | Value::Real(_) => {
                let d = std::mem::discriminant(v);
                if *variant.get_or_insert(d) != d {
                    return None;
                }
            }
            _ => return None,
        }
    }
    // Classes: nulls and NaN outermost-null first (`null, NaN, ...`) or last
    // (`..., NaN, null`), as compare_key orders them.
    let (null, nan, value) = if spec.nulls_first {
        (0u8, 1u8, 2u8)
    } else {
        (2, 1, 0)
    };
    let flip = |w: u64| if spec.desc { !w } else { w };
    let mut keyed: Vec<(u8, u64, u32)> = column
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let (class, word) = match v {
                Value::Null => (null, 0),
                Value::Long(x) | Value::DateTime(x) | Value::TimeSpan(x) => {
                    (value, flip((*x as u64) ^ (1 << 63)))
                }
                Value::Int(x) => (value, flip((*x as i64 as u64) ^ (1 << 63))),
                Value::Real(f) if f.is_nan() => (nan, 0),
                Value::Real(f) => {
                    // -0.0 and 0.0 are equal keys.
                    let f = if *f == 0.0 { 0.0 } else { *f };
                    let bits = f.to_bits();
                    let word = if bits >> 63 == 1 {
                        !bits
                    } else {
                        bits | (1 << 63)
                    };
                    (value, flip(word))
                }
                _ => (null, 0),
            };
            (class, word, i as u32)
        })
        .collect();
    keyed.sort_unstable();
    Some(keyed.into_iter().map(|(_, _, i)| i).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::BExpr;

    /// The encoded order is the order of the value comparison, for every kind of
    /// value the encoding takes, nulls and NaN included, in every direction.
    #[test]
    fn encoded_order_is_the_value_order() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || crate::io::bytes::xorshift(&mut x);
        let spec = |desc, nulls_first| SortSpec {
            expr: BExpr::Column(0),
            desc,
            nulls_first,
        };
        for round in 0..300 {
            let n = (next() % 40) as usize;
            let column: Vec<Value> = (0..n)
                .map(|_| {
                    let r = next();
                    match (round % 4, r % 7) {
                        (_, 0) => Value::Null,
                        (0, _) => Value::Long((r % 11) as i64 - 5),
                        (1, _) => Value::DateTime((r % 5) as i64 * 1_000),
                        (2, 1) => Value::Real(f64::NAN),
                        (2, 2) => Value::Real(-0.0),
                        (2, _) => Value::Real(((r % 9) as f64 - 4.0) / 2.0),
                        _ => Value::Int((r % 7) as i32 - 3),
                    }
                })
                .collect();
            for (desc, nulls_first) in [(false, false), (false, true), (true, false), (true, true)]
            {
                let s = spec(desc, nulls_first);
                let fast = encoded(&column, &s).expect("one kind of value");
                let slow = by_values(std::slice::from_ref(&column), std::slice::from_ref(&s));
                assert_eq!(
                    fast, slow,
                    "{column:?} desc={desc} nulls_first={nulls_first}"
                );
            }
        }
    }
}
