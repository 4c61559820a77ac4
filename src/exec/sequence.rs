//! The `scan` operator: its input's rows in order, matched against its steps, each step
//! holding the state of the sequence that reached it (scan-operator.md, "Scan logic").
//!
//! Each row is tried against the steps from the last to the first. At step `k`:
//! - if the step before holds a sequence and the row meets `k`'s condition (read with
//!   that sequence's state), the sequence moves on to `k` (what `k` held is dropped),
//!   the row, extended by `k`'s assignments, joins it and is output (unless `k`
//!   outputs none);
//! - else, if `k` holds a sequence (or is the first step) and the row meets the
//!   condition (read with `k`'s own state), the row replaces `k`'s record in that
//!   sequence and is output when `k` outputs all; a first step without a sequence
//!   starts one, with the next match id.
//!
//! Expressions read one wide row (see [`ScanOp::fill`]): the row itself with its
//! declared columns at their defaults, then, for every step, the record that step holds
//! in the state read (its defaults when there is none): `s1.x` is a column of that row.
//! Only the columns some expression reads are filled in; the others stay null.

use crate::error::Result;
use crate::exec::eval::eval;
use crate::functions::EvalCtx;
use crate::plan::{BExpr, RowsOp};
use crate::table::Row;
use crate::value::Value;

/// One `step`, bound over the wide row.
pub(crate) struct ScanStepOp {
    pub condition: BExpr,
    /// Each assigned declared column (its place in the extended row) and its value.
    pub assigns: Vec<(usize, BExpr)>,
    /// `output=all` (else `none`: `last` is refused where it is bound).
    pub output: bool,
}

pub(crate) struct ScanOp {
    /// The input's columns and the declared ones: the width of an extended row.
    pub width: usize,
    /// An extended row before any match: nulls for the input's columns (what a step
    /// that holds no record gives), the declared defaults after them.
    pub defaults: Vec<Value>,
    pub steps: Vec<ScanStepOp>,
    /// Whether the match id is appended to each output row.
    pub match_id: bool,
    /// The places of the wide row that some condition or assignment reads.
    pub read: Vec<usize>,
}

/// A sequence: the record each step it passed holds, and its match id.
#[derive(Clone)]
struct Sequence {
    records: Vec<Option<Row>>,
    id: i64,
}

impl ScanOp {
    /// `wide` (as wide as the row and a record per step) made the row `r` reads with the
    /// state `seq`, at the places expressions read.
    fn fill(&self, wide: &mut [Value], r: &Row, seq: Option<&Sequence>) {
        for &at in &self.read {
            let (part, col) = (at / self.width, at % self.width);
            let v = match part {
                0 => r.get(col),
                k => seq
                    .and_then(|s| s.records[k - 1].as_ref())
                    .map(|rec| &rec[col]),
            };
            wide[at] = v.unwrap_or(&self.defaults[col]).clone();
        }
    }

    /// The row `r` extended: its declared columns at their defaults, then step `k`'s
    /// assignments, each read from `wide` before any is made.
    fn extended(&self, k: usize, r: &Row, wide: &[Value], ctx: &EvalCtx) -> Row {
        let values: Vec<Value> = self.steps[k]
            .assigns
            .iter()
            .map(|(_, e)| eval(e, wide, ctx))
            .collect();
        let mut row = r.clone();
        row.extend_from_slice(&self.defaults[r.len().min(self.width)..]);
        for ((col, _), v) in self.steps[k].assigns.iter().zip(values) {
            row[*col] = v;
        }
        row
    }

    fn emit(&self, out: &mut Vec<Row>, row: &Row, id: i64) {
        let mut row = row.clone();
        if self.match_id {
            row.push(Value::Long(id));
        }
        out.push(row);
    }
}

impl RowsOp for ScanOp {
    fn run(&self, rows: &[&Row], ctx: &EvalCtx) -> Result<Vec<Row>> {
        let n = self.steps.len();
        let mut state: Vec<Option<Sequence>> = vec![None; n];
        let mut next_id = 0i64;
        let mut wide = vec![Value::Null; self.width * (n + 1)];
        let mut out = Vec::new();
        for r in rows {
            for k in (0..n).rev() {
                let step = &self.steps[k];
                // The sequence of the step before moves on to this one.
                if k > 0 && state[k - 1].is_some() {
                    self.fill(&mut wide, r, state[k - 1].as_ref());
                    if eval(&step.condition, &wide, ctx).is_true() {
                        let row = self.extended(k, r, &wide, ctx);
                        if let Some(mut seq) = state[k - 1].take() {
                            if step.output {
                                self.emit(&mut out, &row, seq.id);
                            }
                            seq.records[k] = Some(row);
                            state[k] = Some(seq);
                        }
                        continue;
                    }
                }
                // The row takes this step's place in its own sequence (or starts one).
                if k == 0 || state[k].is_some() {
                    self.fill(&mut wide, r, state[k].as_ref());
                    if eval(&step.condition, &wide, ctx).is_true() {
                        let row = self.extended(k, r, &wide, ctx);
                        let seq = state[k].get_or_insert_with(|| {
                            next_id += 1;
                            Sequence {
                                records: vec![None; n],
                                id: next_id - 1,
                            }
                        });
                        if step.output {
                            self.emit(&mut out, &row, seq.id);
                        }
                        seq.records[k] = Some(row);
                    }
                }
            }
        }
        Ok(out)
    }
}
