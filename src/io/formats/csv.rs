//! Delimited text with a header line: the Log Analytics / Sentinel portal's "Export to
//! CSV", and plain CSV, TSV, PSV (`|`) and SCSV (`;`) files. Read with the `csv` crate
//! (RFC 4180 quoting: fields may hold the delimiter, doubled quotes and line breaks).
//!
//! What the portal writes (as in Azure-Sentinel's `Sample Data/` exports): a UTF-8 byte
//! order mark; ` [UTC]` or ` [Local Time]` after the name of every datetime column;
//! datetimes as `10/25/2023, 9:43:21.994 AM` (month first), 24-hour forms or ISO;
//! dynamic values as their JSON text (quotes doubled by the CSV quoting); an empty
//! field for null. The header says nothing else about types: those come from the
//! table's schema, else are inferred from the text.

use super::input::Input;
use super::{Batch, Field, Header, Item, Opened, PartOptions, Records, Shape, BATCH_BYTES};
use crate::error::{Error, Result};
use std::io::Read;

/// Opens delimited text; with `opts.fields`, the file has no header and those are its
/// fields (externaldata's columns by position).
pub(crate) fn open(input: Input, delimiter: u8, opts: &PartOptions) -> Result<Opened> {
    let path = input.path.clone();
    let reader: Box<dyn Read + Send> = Box::new(input.into_reader());
    let mut csv = ::csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(opts.fields.is_none())
        .flexible(opts.flexible)
        .from_reader(reader);
    if let Some(fields) = &opts.fields {
        return Ok(Opened {
            header: Header {
                shape: Shape::Delimited,
                fields: fields.clone(),
                declared: true,
            },
            records: Box::new(CsvRecords { csv, path }),
        });
    }
    let headers = csv.headers().map_err(|e| csv_error(&e, &path))?.clone();
    let mut fields: Vec<Field> = Vec::with_capacity(headers.len());
    for h in headers.iter() {
        let f = Field::named(h, None);
        if fields.iter().any(|g| g.name == f.name) {
            return Err(Error::data(
                format!("the header names column `{}` twice", f.name),
                path,
                1,
            ));
        }
        fields.push(f);
    }
    // A file with nothing in it has no header: no fields, no rows.
    let fields = if fields.len() == 1 && fields[0].raw.is_empty() {
        Vec::new()
    } else {
        fields
    };
    Ok(Opened {
        header: Header {
            shape: Shape::Delimited,
            fields,
            declared: true,
        },
        records: Box::new(CsvRecords { csv, path }),
    })
}

struct CsvRecords {
    csv: ::csv::Reader<Box<dyn Read + Send>>,
    path: String,
}

impl Records for CsvRecords {
    fn next(&mut self, batch: &mut Batch) -> Result<bool> {
        batch.clear();
        let mut bytes = 0;
        loop {
            let mut record = batch.take_record();
            match self.csv.read_record(&mut record) {
                Ok(true) => {
                    let line = record.position().map_or(0, |p| p.line() as usize);
                    bytes += record.as_slice().len() + record.len();
                    batch.items.push(Item {
                        start: 0,
                        end: 0,
                        line,
                    });
                    batch.records.push(record);
                    if bytes >= BATCH_BYTES {
                        break;
                    }
                }
                Ok(false) => break,
                Err(e) => return Err(csv_error(&e, &self.path)),
            }
        }
        Ok(!batch.items.is_empty())
    }
}

/// A CSV error with its file and line.
fn csv_error(e: &::csv::Error, path: &str) -> Error {
    let line = e.position().map_or(1, |p| p.line() as usize);
    let message = match e.kind() {
        ::csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("a row with {len} fields, where the header has {expected_len}"),
        ::csv::ErrorKind::Utf8 { .. } => "the file is not valid UTF-8 text".to_string(),
        ::csv::ErrorKind::Io(io) => format!("cannot read the file: {io}"),
        _ => format!("invalid CSV: {e}"),
    };
    Error::data(message, path, line)
}
