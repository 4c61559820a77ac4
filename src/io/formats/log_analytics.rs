//! The Log Analytics query API's response, as `Invoke-AzOperationalInsightsQuery` and
//! the REST API give it (Azure Monitor docs, "Azure Monitor Log Analytics API response
//! format"): `{"tables":[{"name":"PrimaryResult","columns":[{"name","type"}],"rows":[[...]]}]}`
//! with KQL type names; datetimes as ISO text, dynamic values as JSON *text*.

use super::input::Input;
use super::tables::{self, Names};
use super::Opened;
use crate::error::Result;
use serde_json::Value as J;

const NAMES: Names = Names {
    tables: "tables",
    columns: "columns",
    rows: "rows",
    column,
};

fn column(c: &J) -> Option<(String, String)> {
    Some((
        c.get("name")?.as_str()?.to_string(),
        c.get("type")?.as_str()?.to_string(),
    ))
}

pub(crate) fn open(input: Input, reopen: &dyn Fn() -> Result<Input>) -> Result<Opened> {
    tables::open(input, reopen, &NAMES)
}
