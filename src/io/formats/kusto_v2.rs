//! Kusto's v2 REST response (Kusto docs, api/rest/response-v2.md): a JSON array of
//! frames, `DataSetHeader` first and `DataSetCompletion` last, each table a `DataTable`
//! frame `{"FrameType":"DataTable","TableId","TableKind","TableName","Columns":[{"ColumnName",
//! "ColumnType"}],"Rows":[[...]]}`. The rows are those of the first `PrimaryResult`
//! table; dynamic values are JSON values. Progressive mode (`TableHeader` and
//! `TableFragment` frames) is not read yet.

use super::input::Input;
use super::{Elements, Field, Header, Opened, Shape};
use crate::error::{Error, ErrorKind, Result};
use serde_json::Value as J;

struct Frame {
    kind: Option<String>,
    table_kind: Option<String>,
    columns: Option<Vec<Field>>,
    rows_skipped: bool,
}

impl Frame {
    fn primary(&self) -> bool {
        self.kind.as_deref() == Some("DataTable")
            && self.table_kind.as_deref() == Some("PrimaryResult")
    }
}

pub(crate) fn open(mut input: Input, reopen: &dyn Fn() -> Result<Input>) -> Result<Opened> {
    input.expect(b'[', "the JSON array of frames")?;
    let mut first = true;
    let mut index = 0;
    while input.next_element(&mut first)? {
        let mut frame = Frame {
            kind: None,
            table_kind: None,
            columns: None,
            rows_skipped: false,
        };
        if read_frame(&mut input, &mut frame, true)? {
            return Ok(opened(input, frame.columns.unwrap_or_default()));
        }
        if frame.kind.as_deref() == Some("TableHeader")
            && frame.table_kind.as_deref() == Some("PrimaryResult")
        {
            return Err(Error::new(
                ErrorKind::Unsupported,
                format!(
                    "{}:{}: a Kusto v2 response in progressive mode (`TableHeader` frames) is not supported yet",
                    input.path,
                    input.line()
                ),
            ));
        }
        if frame.primary() && frame.rows_skipped {
            // The frame's rows came before what says it is the primary result: open the
            // file again at them.
            let mut again = reopen()?;
            again.expect(b'[', "the JSON array of frames")?;
            let mut first = true;
            for _ in 0..index {
                again.next_element(&mut first)?;
                again.skip_value()?;
            }
            let mut frame = Frame {
                columns: frame.columns,
                ..frame
            };
            if again.next_element(&mut first)? && read_frame(&mut again, &mut frame, true)? {
                return Ok(opened(again, frame.columns.unwrap_or_default()));
            }
            return Err(again.error("the file changed while it was read"));
        }
        index += 1;
    }
    Err(input.error("no `DataTable` frame of kind `PrimaryResult`"))
}

fn opened(input: Input, fields: Vec<Field>) -> Opened {
    Opened {
        header: Header {
            shape: Shape::Positional,
            fields,
            declared: true,
        },
        records: Box::new(Elements::array(input, false)),
    }
}

/// Reads one frame's keys; `true` when it stopped inside the rows of the primary result.
fn read_frame(input: &mut Input, frame: &mut Frame, stop_at_rows: bool) -> Result<bool> {
    input.expect(b'{', "a frame object")?;
    let mut first = true;
    while input.next_key(&mut first)? {
        match input.key()?.as_str() {
            "FrameType" => frame.kind = Some(input.parse()?),
            "TableKind" => frame.table_kind = Some(input.parse()?),
            "Columns" => {
                let line = input.line();
                let cols: Vec<J> = input.parse()?;
                let mut fields = Vec::new();
                for c in &cols {
                    let (Some(name), Some(ty)) = (
                        c.get("ColumnName").and_then(J::as_str),
                        c.get("ColumnType").and_then(J::as_str),
                    ) else {
                        return Err(Error::data(
                            format!("a column without `ColumnName` and `ColumnType`: {c}"),
                            input.path.clone(),
                            line,
                        ));
                    };
                    fields.push(super::typed_field(name, ty, &input.path, line)?);
                }
                frame.columns = Some(fields);
            }
            "Rows" if stop_at_rows && frame.primary() && frame.columns.is_some() => {
                input.expect(b'[', "the array of rows")?;
                return Ok(true);
            }
            "Rows" => {
                frame.rows_skipped = true;
                input.skip_value()?;
            }
            _ => input.skip_value()?,
        }
    }
    Ok(false)
}
