//! `narrow`: every cell becomes a row (Row, Column, Value), the value as text.

use crate::error::Result;
use crate::functions::EvalCtx;
use crate::plan::RowsOp;
use crate::table::Row;
use crate::value::{tostring, Value};
use std::sync::Arc;

pub(crate) struct Narrow {
    pub names: Vec<Arc<str>>,
}

impl RowsOp for Narrow {
    fn run(&self, rows: &[&Row], _: &EvalCtx) -> Result<Vec<Row>> {
        let mut out = Vec::with_capacity(rows.len() * self.names.len());
        for (i, row) in rows.iter().enumerate() {
            for (name, v) in self.names.iter().zip(row.iter()) {
                out.push(vec![
                    Value::Long(i as i64),
                    Value::String(name.clone()),
                    Value::str(&tostring(v)),
                ]);
            }
        }
        Ok(out)
    }
}
