//! JSON objects, fields by key: an array of them (`<Table>.json`), one per line (JSON
//! lines: `.jsonl`, `.ndjson`, the `PT05M.json` blobs of a Log Analytics data export,
//! with CRLF line ends or not), or objects one after another spanning lines (what Kusto
//! calls `multijson`). The header is the first object's keys; a portal export may
//! write ` [UTC]` after the datetime keys, as in its CSV.

use super::input::Input;
use super::{object_keys, Elements, Field, Header, Keyed, Opened, Shape};
use crate::error::Result;

/// Opens a file of JSON objects: an array when `array`, else a sequence.
pub(crate) fn open(mut input: Input, array: bool) -> Result<Opened> {
    let elements = if array {
        input.expect(b'[', "a JSON array of objects (`[{...}, ...]`)")?;
        Elements::array(input, true)
    } else {
        Elements::sequence(input)
    };
    keyed(elements, Keyed::default())
}

/// Records that are objects, the header the first one's keys.
pub(crate) fn keyed(mut elements: Elements, keyed: Keyed) -> Result<Opened> {
    let path = elements.path().to_string();
    let fields = match elements.peek_first()? {
        Some((text, line)) => object_keys(text, &path, line)?
            .iter()
            .filter(|k| !keyed.ignore.contains(&k.as_str()))
            .map(|k| Field::named(k, None))
            .collect(),
        None => Vec::new(),
    };
    Ok(Opened {
        header: Header {
            shape: Shape::Keyed(keyed),
            fields,
            declared: false,
        },
        records: Box::new(elements),
    })
}
