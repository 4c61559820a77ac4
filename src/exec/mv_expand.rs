//! `mv-expand`: one output row per element of the expanded arrays or bags.

use super::eval::eval;
use crate::functions::EvalCtx;
use crate::plan::{BagExpansion, MvItem};
use crate::table::Row;
use crate::value::{Bag, Value};
use std::sync::Arc;

/// The elements one value expands to: an array's items, a bag's entries (as
/// one-key bags or `[key, value]` pairs), one null for null, the value itself for any
/// other scalar. An empty array or bag gives none.
fn elements(v: Value, bag: BagExpansion) -> Vec<Value> {
    match v {
        Value::Array(a) => Arc::try_unwrap(a).unwrap_or_else(|a| (*a).clone()),
        Value::Bag(b) => b
            .iter()
            .map(|(k, v)| match bag {
                BagExpansion::Bag => {
                    let mut m = Bag::new();
                    m.insert(k.clone(), v.clone());
                    Value::bag(m)
                }
                BagExpansion::Array => Value::array(vec![Value::String(k.clone()), v.clone()]),
            })
            .collect(),
        other => vec![other],
    }
}

pub(crate) fn mv_expand(
    rows: &[&Row],
    items: &[MvItem],
    bag: BagExpansion,
    with_index: bool,
    limit: Option<usize>,
    width: usize,
    ctx: &EvalCtx,
) -> Vec<Row> {
    let mut out = Vec::new();
    for row in rows {
        let lists: Vec<Vec<Value>> = items
            .iter()
            .map(|it| elements(eval(&it.expr, row, ctx), bag))
            .collect();
        let mut n = lists.iter().map(Vec::len).max().unwrap_or(0);
        if let Some(l) = limit {
            n = n.min(l);
        }
        for k in 0..n {
            let mut r = (*row).clone();
            r.resize(width, Value::Null);
            for (it, list) in items.iter().zip(&lists) {
                let v = list.get(k).cloned().unwrap_or(Value::Null);
                r[it.target] = match &it.cast {
                    Some(f) => f.call(&[v], ctx),
                    None => v,
                };
            }
            if with_index {
                r.push(Value::Long(k as i64));
            }
            out.push(r);
        }
    }
    out
}
