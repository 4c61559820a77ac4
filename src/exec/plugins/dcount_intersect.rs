//! `dcount_intersect(hll_1, hll_2, ...)`: per row, the distinct counts of S1,
//! S1 ∩ S2, S1 ∩ S2 ∩ S3, ... appended as `s0`, `s1`, ...

use crate::error::Result;
use crate::functions::{hll_intersections, EvalCtx};
use crate::plan::RowsOp;
use crate::table::Row;
use crate::value::Value;

pub(crate) struct DcountIntersect {
    pub columns: Vec<usize>,
}

impl RowsOp for DcountIntersect {
    fn run(&self, rows: &[&Row], _: &EvalCtx) -> Result<Vec<Row>> {
        Ok(rows
            .iter()
            .map(|row| {
                let sketches: Vec<Value> = self.columns.iter().map(|&c| row[c].clone()).collect();
                let mut out = (*row).clone();
                out.extend(hll_intersections(&sketches).into_iter().map(Value::Long));
                out
            })
            .collect())
    }
}
