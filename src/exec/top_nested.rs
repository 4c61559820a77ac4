//! `top-nested`: hierarchical top-N. Level 1 groups the rows by its expression, ranks
//! the groups by its aggregation and keeps the top N; each later level does the same
//! inside every group kept above it. An output row is one path through the levels:
//! (value, aggregation) per level. `with others = V` adds, per parent group, a row
//! with V and the aggregation over the rows of the groups not kept (deeper levels null).

use super::eval::eval;
use super::summarize::summarize;
use crate::error::Result;
use crate::functions::EvalCtx;
use crate::hash::FxHashMap;
use crate::plan::{BAgg, BExpr, RowsOp};
use crate::table::Row;
use crate::value::Value;

pub(crate) struct Level {
    pub key: BExpr,
    /// The aggregates the ranking expression reads.
    pub aggs: Vec<BAgg>,
    /// The ranking value over the aggregates' outputs (column i = output i).
    pub rank: BExpr,
    /// How many groups to keep (all when None).
    pub count: Option<BExpr>,
    pub others: Option<Value>,
    pub desc: bool,
    /// The empty values of the level's two columns (null, or "" for strings).
    pub empty: [Value; 2],
}

pub(crate) struct TopNested {
    pub levels: Vec<Level>,
}

impl RowsOp for TopNested {
    fn run(&self, rows: &[&Row], ctx: &EvalCtx) -> Result<Vec<Row>> {
        let mut out = Vec::new();
        let mut prefix = Vec::with_capacity(self.levels.len() * 2);
        level(rows, &self.levels, &mut prefix, &mut out, ctx);
        Ok(out)
    }
}

fn rank_value(rows: &[&Row], lv: &Level, ctx: &EvalCtx) -> Value {
    let outputs = summarize(rows, &[], &lv.aggs, ctx);
    let row = outputs.into_iter().next().unwrap_or_default();
    eval(&lv.rank, &row, ctx)
}

fn level(
    rows: &[&Row],
    levels: &[Level],
    prefix: &mut Vec<Value>,
    out: &mut Vec<Row>,
    ctx: &EvalCtx,
) {
    let Some((lv, deeper)) = levels.split_first() else {
        out.push(prefix.clone());
        return;
    };
    // Groups in order of first appearance, so that ties keep a stable order.
    let mut index: FxHashMap<Value, usize> = FxHashMap::default();
    let mut groups: Vec<(Value, Vec<&Row>)> = Vec::new();
    for row in rows {
        let k = eval(&lv.key, row, ctx);
        match index.get(&k) {
            Some(&g) => groups[g].1.push(row),
            None => {
                index.insert(k.clone(), groups.len());
                groups.push((k, vec![row]));
            }
        }
    }
    let mut ranked: Vec<(Value, Value, Vec<&Row>)> = groups
        .into_iter()
        .map(|(k, g)| (k, rank_value(&g, lv, ctx), g))
        .collect();
    // Nulls rank last either way.
    ranked.sort_by(|a, b| super::compare_key(&a.1, &b.1, lv.desc, false));
    let keep = match &lv.count {
        Some(n) => super::count_value(n, ctx).min(ranked.len()),
        None => ranked.len(),
    };
    let rest = ranked.split_off(keep);
    for (k, v, g) in ranked {
        prefix.push(k);
        prefix.push(v);
        level(&g, deeper, prefix, out, ctx);
        prefix.truncate(prefix.len() - 2);
    }
    if let Some(others) = &lv.others {
        if !rest.is_empty() {
            let rest_rows: Vec<&Row> = rest.into_iter().flat_map(|(_, _, g)| g).collect();
            let mut row = prefix.clone();
            row.push(others.clone());
            row.push(rank_value(&rest_rows, lv, ctx));
            row.extend(deeper.iter().flat_map(|d| d.empty.iter().cloned()));
            out.push(row);
        }
    }
}
