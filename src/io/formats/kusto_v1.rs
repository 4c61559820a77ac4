//! Kusto's v1 REST response (Kusto docs, api/rest/response.md): `{"Tables":[{"TableName",
//! "Columns":[{"ColumnName","DataType","ColumnType"}],"Rows":[[...]]}, ...]}`. The first
//! table is the query's primary result (the others: extended properties, query status,
//! the table of contents). A column's type is its `ColumnType` (the KQL name), else its
//! `DataType` (the .NET name).

use super::input::Input;
use super::tables::{self, Names};
use super::Opened;
use crate::error::Result;
use serde_json::Value as J;

const NAMES: Names = Names {
    tables: "Tables",
    columns: "Columns",
    rows: "Rows",
    column,
};

fn column(c: &J) -> Option<(String, String)> {
    let name = c.get("ColumnName")?.as_str()?.to_string();
    let ty = c
        .get("ColumnType")
        .and_then(J::as_str)
        .or_else(|| c.get("DataType").and_then(J::as_str))?;
    Some((name, ty.to_string()))
}

pub(crate) fn open(input: Input, reopen: &dyn Fn() -> Result<Input>) -> Result<Opened> {
    tables::open(input, reopen, &NAMES)
}
