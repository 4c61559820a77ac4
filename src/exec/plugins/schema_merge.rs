//! `schema_merge([PreserveOrder])`: the union of schemas given as `getschema` rows
//! (ColumnName, ColumnOrdinal, DataType, ColumnType). A column first met is inserted
//! at its ordinal; a name met again with another type becomes dynamic. With
//! PreserveOrder (the default) a column met again at another ordinal than where it
//! was first is out of order: ordinal -1 and error types, as Kusto reports it.

use crate::error::Result;
use crate::functions::{num_i64, EvalCtx};
use crate::plan::RowsOp;
use crate::table::Row;
use crate::value::Value;

pub(crate) struct SchemaMerge {
    /// Input column indexes of ColumnName, ColumnOrdinal, DataType and ColumnType.
    pub name: usize,
    pub ordinal: usize,
    pub data_type: usize,
    pub column_type: usize,
    pub preserve_order: bool,
}

struct Merged {
    name: Value,
    first_ordinal: Option<i64>,
    data_type: Value,
    column_type: Value,
    out_of_order: bool,
}

impl RowsOp for SchemaMerge {
    fn run(&self, rows: &[&Row], _: &EvalCtx) -> Result<Vec<Row>> {
        let mut merged: Vec<Merged> = Vec::new();
        for row in rows {
            let name = &row[self.name];
            let ordinal = num_i64(&row[self.ordinal]);
            match merged.iter_mut().find(|m| &m.name == name) {
                Some(m) => {
                    if m.column_type != row[self.column_type] {
                        m.data_type = Value::str("System.Object");
                        m.column_type = Value::str("dynamic");
                    }
                    if self.preserve_order && ordinal != m.first_ordinal {
                        m.out_of_order = true;
                    }
                }
                None => {
                    let at =
                        ordinal.map_or(merged.len(), |o| (o.max(0) as usize).min(merged.len()));
                    merged.insert(
                        at,
                        Merged {
                            name: name.clone(),
                            first_ordinal: ordinal,
                            data_type: row[self.data_type].clone(),
                            column_type: row[self.column_type].clone(),
                            out_of_order: false,
                        },
                    );
                }
            }
        }
        Ok(merged
            .into_iter()
            .enumerate()
            .map(|(i, m)| {
                if m.out_of_order {
                    vec![
                        m.name,
                        Value::Long(-1),
                        Value::str("ERROR(unknown CSL type:ERROR(columns are out of order))"),
                        Value::str("ERROR(columns are out of order)"),
                    ]
                } else {
                    vec![m.name, Value::Long(i as i64), m.data_type, m.column_type]
                }
            })
            .collect())
    }
}
