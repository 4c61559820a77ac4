//! Text read as Kusto's `txt` and `raw` formats (Kusto docs, ingestion-supported-formats.md):
//! `txt`, every line a record (empty lines skipped), `raw`, the whole file one record;
//! the record's text is the first column. Only `externaldata` reads these (a data
//! folder's `.txt` files are notes).

use super::input::Input;
use super::{Batch, Field, Header, Item, Opened, PartOptions, Records, Shape, BATCH_BYTES};
use crate::error::{Error, Result};
use std::io::{BufRead, BufReader, Read};

fn header(opts: &PartOptions) -> Header {
    Header {
        shape: Shape::Delimited,
        fields: opts
            .fields
            .clone()
            .unwrap_or_default()
            .into_iter()
            .take(1)
            .collect::<Vec<Field>>(),
        declared: true,
    }
}

pub(crate) fn lines(input: Input, opts: &PartOptions) -> Result<Opened> {
    let path = input.path.clone();
    let reader: Box<dyn Read + Send> = Box::new(input.into_reader());
    Ok(Opened {
        header: header(opts),
        records: Box::new(Lines {
            reader: BufReader::new(reader),
            path,
            line: 0,
        }),
    })
}

struct Lines {
    reader: BufReader<Box<dyn Read + Send>>,
    path: String,
    line: usize,
}

impl Records for Lines {
    fn next(&mut self, batch: &mut Batch) -> Result<bool> {
        batch.clear();
        let mut bytes = 0;
        let mut buf = Vec::new();
        while bytes < BATCH_BYTES {
            buf.clear();
            let n = self.reader.read_until(b'\n', &mut buf).map_err(|e| {
                Error::data(
                    format!("cannot read the file: {e}"),
                    self.path.clone(),
                    self.line + 1,
                )
            })?;
            if n == 0 {
                break;
            }
            self.line += 1;
            let text = std::str::from_utf8(&buf).map_err(|_| {
                Error::data(
                    "the file is not valid UTF-8 text",
                    self.path.clone(),
                    self.line,
                )
            })?;
            let text = text.trim_end_matches(['\n', '\r']);
            if text.is_empty() {
                continue;
            }
            bytes += text.len();
            batch.items.push(Item {
                start: 0,
                end: 0,
                line: self.line,
            });
            batch.fields.push_line(text);
        }
        Ok(!batch.items.is_empty())
    }
}

pub(crate) fn raw(input: Input, opts: &PartOptions) -> Result<Opened> {
    let path = input.path.clone();
    let mut text = String::new();
    input
        .into_reader()
        .read_to_string(&mut text)
        .map_err(|_| Error::data("the file is not valid UTF-8 text", path.clone(), 1))?;
    Ok(Opened {
        header: header(opts),
        records: Box::new(Raw(Some(text))),
    })
}

struct Raw(Option<String>);

impl Records for Raw {
    fn next(&mut self, batch: &mut Batch) -> Result<bool> {
        batch.clear();
        let Some(text) = self.0.take() else {
            return Ok(false);
        };
        batch.items.push(Item {
            start: 0,
            end: 0,
            line: 1,
        });
        batch.fields.push_line(&text);
        Ok(true)
    }
}
