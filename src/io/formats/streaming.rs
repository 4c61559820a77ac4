//! Defender XDR's streaming API, as captured from Event Hubs or stored in a storage
//! account (defender-docs, streaming-api-event-hub.md, streaming-api-storage.md): events
//! `{"records":[{"time","tenantId","operationName":"Publish","category":"AdvancedHunting-<Table>",
//! "properties":{...columns...}}]}` one after another (one per line), or the records
//! themselves one after another (storage blobs). One file holds rows of several tables;
//! a record's table is its `category` without the `AdvancedHunting-` prefix, its row
//! its `properties`.

use super::input::Input;
use super::{Elements, Header, Opened, Shape};
use crate::error::Result;
use std::path::Path;

const PREFIX: &str = "AdvancedHunting-";

/// Whether an object with these keys (and string values) is a streaming record.
pub(crate) fn is_record(keys: &[(String, Option<String>)]) -> bool {
    keys.iter()
        .any(|(k, v)| k == "category" && v.as_deref().is_some_and(|v| v.starts_with(PREFIX)))
        && keys.iter().any(|(k, _)| k == "properties")
}

/// The table of a record's category.
pub(crate) fn table_of(category: &str) -> Option<&str> {
    category.strip_prefix(PREFIX).filter(|t| !t.is_empty())
}

/// The category of a table's records.
pub(crate) fn category_of(table: &str) -> String {
    format!("{PREFIX}{table}")
}

pub(crate) fn open(input: Input, category: &str) -> Result<Opened> {
    Ok(Opened {
        header: Header {
            shape: Shape::Envelope {
                category: category.to_string(),
            },
            fields: Vec::new(),
            declared: false,
        },
        records: Box::new(Elements::sequence(input)),
    })
}

/// The tables a capture holds, in order of first appearance: found by looking for
/// `"category"` keys with an `AdvancedHunting-` value in the bytes, without parsing
/// (every record is parsed when the table is read).
pub fn tables_in(path: &Path) -> Result<Vec<String>> {
    let mut input = Input::open(path)?;
    let mut tables: Vec<String> = Vec::new();
    let mut text = Vec::new();
    let finder = memchr::memmem::Finder::new(b"\"category\"");
    loop {
        let more = input.take_raw(&mut text, 1 << 20)?;
        for at in finder.find_iter(&text) {
            let rest = &text[at + 10..];
            let n = rest
                .iter()
                .position(|b| !(b.is_ascii_whitespace() || *b == b':'))
                .unwrap_or(rest.len());
            let Some(v) = rest[n..].strip_prefix(b"\"") else {
                continue;
            };
            let Some(end) = memchr::memchr(b'"', v) else {
                continue;
            };
            if let Some(t) = std::str::from_utf8(&v[..end]).ok().and_then(table_of) {
                if !tables.iter().any(|x| x == t) {
                    tables.push(t.to_string());
                }
            }
        }
        if !more {
            break;
        }
        // Keep the end of what was read, where a category may have been cut in two (a
        // category found twice is counted once).
        text.drain(..text.len().saturating_sub(256));
    }
    Ok(tables)
}
