//! `pivot(column [, aggregation] [, key, ...])`: one output row per distinct key tuple
//! and one column per distinct value of the pivot column, holding the aggregation over
//! the rows with that key and value (over no rows where none has it: 0 for `count()`).
//! Rows and columns come in order of first appearance.

use crate::error::{Error, Result, Span};
use crate::exec::eval::eval;
use crate::functions::{AggState, EvalCtx, ScalarImpl};
use crate::hash::FxHashMap;
use crate::plan::{BAgg, RowsOp};
use crate::table::Row;
use crate::value::{tostring, Value};
use std::sync::Arc;

pub(crate) struct Pivot {
    pub pivot: usize,
    pub keys: Vec<usize>,
    pub agg: BAgg,
    /// The output's pivot columns: the value each holds (its name) and the conversion
    /// to a declared type.
    pub columns: Vec<(String, Option<Arc<dyn ScalarImpl>>)>,
    /// The call, for the error about a value the declared schema lacks.
    pub span: Span,
}

/// One output row's aggregation states, one per pivot column (None: no row yet).
type Cells = Vec<Option<Box<dyn AggState>>>;

/// The text a pivot value is named by.
pub(crate) fn column_name(v: &Value) -> String {
    tostring(v)
}

impl RowsOp for Pivot {
    fn run(&self, rows: &[&Row], ctx: &EvalCtx) -> Result<Vec<Row>> {
        let index: FxHashMap<&str, usize> = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, (name, _))| (name.as_str(), i))
            .collect();
        let mut groups: FxHashMap<Vec<Value>, usize> = FxHashMap::default();
        let mut order: Vec<(Vec<Value>, Cells)> = Vec::new();
        for row in rows {
            let key: Vec<Value> = self.keys.iter().map(|&i| row[i].clone()).collect();
            let name = column_name(&row[self.pivot]);
            let Some(&col) = index.get(name.as_str()) else {
                return Err(Error::runtime(
                    format!(
                        "pivot: the value `{name}` has no column in the declared output schema"
                    ),
                    self.span,
                ));
            };
            let g = *groups.entry(key.clone()).or_insert_with(|| {
                order.push((key, (0..self.columns.len()).map(|_| None).collect()));
                order.len() - 1
            });
            let args: Vec<Value> = self.agg.args.iter().map(|a| eval(a, row, ctx)).collect();
            order[g].1[col]
                .get_or_insert_with(|| self.agg.imp.init())
                .update(&args);
        }
        Ok(order
            .into_iter()
            .map(|(mut key, states)| {
                for (state, (_, convert)) in states.into_iter().zip(&self.columns) {
                    let mut state = state.unwrap_or_else(|| self.agg.imp.init());
                    let v = state.finish().into_iter().next().unwrap_or(Value::Null);
                    key.push(match convert {
                        Some(c) => c.call(&[v], ctx),
                        None => v,
                    });
                }
                key
            })
            .collect())
    }
}
