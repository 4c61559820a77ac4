//! `rows_near(condition, before [, after])`: the rows that satisfy the condition and
//! the rows up to `before` rows before and `after` rows after them, in input order.

use crate::error::Result;
use crate::exec::eval::eval;
use crate::functions::EvalCtx;
use crate::plan::{BExpr, RowsOp};
use crate::table::Row;

pub(crate) struct RowsNear {
    pub condition: BExpr,
    pub before: usize,
    pub after: usize,
}

impl RowsOp for RowsNear {
    fn run(&self, rows: &[&Row], ctx: &EvalCtx) -> Result<Vec<Row>> {
        let mut keep = vec![false; rows.len()];
        for (i, row) in rows.iter().enumerate() {
            if eval(&self.condition, row, ctx).is_true() {
                let lo = i.saturating_sub(self.before);
                let hi = (i + self.after).min(rows.len() - 1);
                keep[lo..=hi].iter_mut().for_each(|k| *k = true);
            }
        }
        Ok(rows
            .iter()
            .zip(keep)
            .filter(|(_, k)| *k)
            .map(|(r, _)| (*r).clone())
            .collect())
    }
}
