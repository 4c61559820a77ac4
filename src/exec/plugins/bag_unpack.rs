//! `bag_unpack`: the keys of a dynamic bag become columns.

use crate::error::Result;
use crate::functions::{EvalCtx, ScalarImpl};
use crate::plan::RowsOp;
use crate::table::Row;
use crate::types::Type;
use crate::value::Value;
use std::sync::Arc;

/// One output column filled from a bag key.
pub(crate) struct Slot {
    pub key: Arc<str>,
    /// The output column.
    pub column: usize,
    pub ty: Type,
    /// The conversion to `ty` (a declared output schema); None keeps the value.
    pub convert: Option<Arc<dyn ScalarImpl>>,
}

pub(crate) struct BagUnpack {
    /// The input column holding the bags.
    pub bag: usize,
    /// Input columns copied to the front of the output, in order.
    pub kept: Vec<usize>,
    pub slots: Vec<Slot>,
    /// Types of every output column (a string column is never null).
    pub types: Vec<Type>,
}

impl RowsOp for BagUnpack {
    fn run(&self, rows: &[&Row], ctx: &EvalCtx) -> Result<Vec<Row>> {
        Ok(rows
            .iter()
            .map(|row| {
                let mut out: Row = self.kept.iter().map(|&i| row[i].clone()).collect();
                out.resize(self.types.len(), Value::Null);
                for s in &self.slots {
                    let v = match &row[self.bag] {
                        Value::Bag(b) => b.get(&*s.key).cloned().unwrap_or(Value::Null),
                        _ => Value::Null,
                    };
                    out[s.column] = match (&s.convert, s.ty, v) {
                        (Some(c), _, v) => c.call(&[v], ctx),
                        (None, Type::Long, Value::Int(n)) => Value::Long(n as i64),
                        (None, _, v) => v,
                    };
                }
                for (cell, ty) in out.iter_mut().zip(&self.types) {
                    if *ty == Type::String && cell.is_null() {
                        *cell = Value::empty_str();
                    }
                }
                out
            })
            .collect())
    }
}
