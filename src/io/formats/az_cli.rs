//! `az monitor log-analytics query` output: a JSON array of objects, one per row, that
//! the CLI makes from the query API's tables by adding a `TableName` key (the result
//! table's name, not a column) and turning every value into text with Python's `str()`
//! (azure-cli, `transform_log_analytics_query_output`): numbers as text, bools `True` /
//! `False`, null `None`, dynamic values as the JSON text the API gave.
//!
//! So every value is read as text: `None` is null (but in a string column, where it
//! may be the text `None` itself), and a table without a schema has its types inferred
//! from the text (see [`super::values::TextFold`]).

use super::input::Input;
use super::{Elements, Keyed, Opened};
use crate::error::Result;

pub(crate) fn open(mut input: Input) -> Result<Opened> {
    input.expect(b'[', "a JSON array of rows")?;
    super::json::keyed(
        Elements::array(input, true),
        Keyed {
            ignore: &["TableName"],
            az_text: true,
            ..Keyed::default()
        },
    )
}
