//! What the Log Analytics query API and Kusto's v1 REST API have in common: an object
//! holding an array of tables, each with its columns (name and type) and its rows as
//! arrays of values in column order. The first table is read (the query's primary
//! result); its rows are the records, read in place.

use super::input::Input;
use super::{Elements, Field, Header, Opened, Records, Shape};
use crate::error::Result;
use serde_json::Value as J;

/// The keys one API uses, and how its column objects give name and type.
pub(crate) struct Names {
    pub tables: &'static str,
    pub columns: &'static str,
    pub rows: &'static str,
    /// A column's name and type name.
    pub column: fn(&J) -> Option<(String, String)>,
}

#[derive(Default)]
struct Meta {
    columns: Option<Vec<Field>>,
    rows_seen: bool,
}

/// Opens the first table's rows. The columns usually come before the rows; when they
/// do not, the file is read once to find them and opened again at the rows.
pub(crate) fn open(
    mut input: Input,
    reopen: &dyn Fn() -> Result<Input>,
    names: &Names,
) -> Result<Opened> {
    let mut meta = Meta::default();
    let found = navigate(&mut input, &mut meta, names, true)?;
    let rows: Box<dyn Records> = if found {
        Box::new(Elements::array(input, false))
    } else if meta.rows_seen && meta.columns.is_some() {
        let mut again = reopen()?;
        if !navigate(&mut again, &mut meta, names, true)? {
            return Err(again.error("the rows of the first table are missing"));
        }
        Box::new(Elements::array(again, false))
    } else {
        if meta.columns.is_none() {
            let what = format!("`{}` with a table's `{}`", names.tables, names.columns);
            return Err(input.error(format!("no {what}")));
        }
        Box::new(super::NoRecords)
    };
    Ok(Opened {
        header: Header {
            shape: Shape::Positional,
            fields: meta.columns.unwrap_or_default(),
            declared: true,
        },
        records: rows,
    })
}

/// Walks to the first table's rows (the input then inside their array): `true` when
/// there, `false` at the end (the metadata read on the way kept in `meta`).
fn navigate(input: &mut Input, meta: &mut Meta, names: &Names, stop_at_rows: bool) -> Result<bool> {
    input.expect(b'{', "a JSON object")?;
    let mut first = true;
    while input.next_key(&mut first)? {
        if input.key()? != names.tables {
            input.skip_value()?;
            continue;
        }
        input.expect(b'[', "the array of tables")?;
        let mut first_table = true;
        if !input.next_element(&mut first_table)? {
            meta.columns.get_or_insert_with(Vec::new);
            return Ok(false);
        }
        input.expect(b'{', "a table object")?;
        let mut first_key = true;
        while input.next_key(&mut first_key)? {
            let key = input.key()?;
            if key == names.columns {
                let line = input.line();
                let cols: Vec<J> = input.parse()?;
                let mut fields = Vec::with_capacity(cols.len());
                for c in &cols {
                    let Some((name, ty)) = (names.column)(c) else {
                        return Err(crate::error::Error::data(
                            format!("a column without a name and type: {c}"),
                            input.path.clone(),
                            line,
                        ));
                    };
                    fields.push(super::typed_field(&name, &ty, &input.path, line)?);
                }
                meta.columns = Some(fields);
            } else if key == names.rows {
                meta.rows_seen = true;
                if stop_at_rows && meta.columns.is_some() {
                    input.expect(b'[', "the array of rows")?;
                    return Ok(true);
                }
                input.skip_value()?;
            } else {
                input.skip_value()?;
            }
        }
        // The other tables (statistics, the table of contents) are not read.
        return Ok(false);
    }
    Ok(false)
}
