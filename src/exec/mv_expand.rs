//! `mv-expand`: one output row per element of the expanded arrays or bags.

use super::eval::eval;
use crate::functions::EvalCtx;
use crate::plan::{BagExpansion, MvItem};
use crate::value::{Bag, Value};
use std::sync::Arc;

/// The elements one value expands to: an array's items, a bag's entries (as
/// one-key bags or `[key, value]` pairs), one null for null, the value itself for any
/// other scalar. An empty array or bag gives none. An array is read in place.
enum Elements {
    Array(Arc<Vec<Value>>),
    Built(Vec<Value>),
    One(Value),
}

impl Elements {
    fn of(v: Value, bag: BagExpansion) -> Elements {
        match v {
            Value::Array(a) => Elements::Array(a),
            Value::Bag(b) => Elements::Built(
                b.iter()
                    .map(|(k, v)| match bag {
                        BagExpansion::Bag => {
                            let mut m = Bag::default();
                            m.insert(k.clone(), v.clone());
                            Value::bag(m)
                        }
                        BagExpansion::Array => {
                            Value::array(vec![Value::String(k.clone()), v.clone()])
                        }
                    })
                    .collect(),
            ),
            other => Elements::One(other),
        }
    }

    fn len(&self) -> usize {
        match self {
            Elements::Array(a) => a.len(),
            Elements::Built(v) => v.len(),
            Elements::One(_) => 1,
        }
    }

    fn get(&self, k: usize) -> Option<&Value> {
        match self {
            Elements::Array(a) => a.get(k),
            Elements::Built(v) => v.get(k),
            Elements::One(v) => (k == 0).then_some(v),
        }
    }
}

/// The expansion of one row: its items' elements, and how many rows it gives.
pub(crate) struct Expansion {
    lists: Vec<Elements>,
    rows: usize,
}

impl Expansion {
    pub(crate) fn new(
        row: &[Value],
        items: &[MvItem],
        bag: BagExpansion,
        limit: Option<usize>,
        ctx: &EvalCtx,
    ) -> Expansion {
        let mut e = Expansion {
            lists: Vec::with_capacity(items.len()),
            rows: 0,
        };
        e.refill(row, items, bag, limit, ctx);
        e
    }

    /// The expansion of another row, in this one's room (the row path expands row
    /// after row: a list of elements allocated and freed per row was 3% of a
    /// `mv-expand | summarize`).
    pub(crate) fn refill(
        &mut self,
        row: &[Value],
        items: &[MvItem],
        bag: BagExpansion,
        limit: Option<usize>,
        ctx: &EvalCtx,
    ) {
        self.lists.clear();
        self.lists.extend(
            items
                .iter()
                .map(|it| Elements::of(eval(&it.expr, row, ctx), bag)),
        );
        let mut rows = self.lists.iter().map(Elements::len).max().unwrap_or(0);
        if let Some(l) = limit {
            rows = rows.min(l);
        }
        self.rows = rows;
    }

    /// The elements held, dropped (the room kept).
    pub(crate) fn clear(&mut self) {
        self.lists.clear();
    }

    /// The number of rows the row expands to.
    pub(crate) fn rows(&self) -> usize {
        self.rows
    }

    /// Builds output row `k` of `row` in `out` (`width` wide, and its index after it
    /// `with_index`): the row's columns that are `copied` (nulls for the others: an
    /// item's target, or a column nothing reads later), each item's `k`-th element
    /// (null past the end of a shorter list) in its column. `built`: `out` holds row
    /// `k - 1` as this built it, so only the elements and the index are set.
    #[allow(clippy::too_many_arguments)]
    #[inline]
    pub(crate) fn fill(
        &self,
        k: usize,
        row: &[Value],
        items: &[MvItem],
        copied: &[bool],
        with_index: bool,
        width: usize,
        built: bool,
        ctx: &EvalCtx,
        out: &mut Vec<Value>,
    ) {
        if !built {
            out.clear();
            out.reserve(width + with_index as usize);
            // The expanded columns are overwritten below: not cloned first (a clone of
            // the whole array, and its drop, for every output row).
            out.extend(row.iter().enumerate().map(|(i, v)| match copied.get(i) {
                Some(true) => v.clone(),
                _ => Value::Null,
            }));
            out.resize(width, Value::Null);
        }
        for (it, list) in items.iter().zip(&self.lists) {
            let v = list.get(k).cloned().unwrap_or(Value::Null);
            out[it.target] = match &it.cast {
                Some(f) => f.call(&[v], ctx),
                None => v,
            };
        }
        match (with_index, built) {
            (true, true) => out[width] = Value::Long(k as i64),
            (true, false) => out.push(Value::Long(k as i64)),
            (false, _) => {}
        }
    }
}
