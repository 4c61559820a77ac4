//! Defender XDR's advanced hunting API response (defender-docs,
//! defender-xdr/api-advanced-hunting.md): `{"Stats":{...},"Schema":[{"Name","Type"}],
//! "Results":[{...}]}` with .NET type names (`DateTime`, `String`, `Int64`, `Int32`,
//! `Boolean`, `Double`, `Object`, `Guid`, `TimeSpan`); and Microsoft Graph's
//! `runHuntingQuery` (microsoft-graph-docs, security-security-runhuntingquery.md):
//! `{"@odata.context":...,"schema":[{"name","type"}],"results":[{...}]}`. Keys are read
//! in any letter case; the results are objects, fields by key; dynamic values may be
//! objects or JSON text.

use super::input::Input;
use super::{Elements, Field, Header, Keyed, NoRecords, Opened, Records, Shape};
use crate::error::{Error, Result};
use serde_json::Value as J;

/// Whether an object starting with key `k` is a hunting response.
pub(crate) fn is_first_key(k: &str) -> bool {
    matches!(
        k.to_ascii_lowercase().as_str(),
        "stats" | "schema" | "results" | "@odata.context"
    )
}

#[derive(Default)]
struct Meta {
    schema: Option<Vec<Field>>,
    results_seen: bool,
}

pub(crate) fn open(mut input: Input, reopen: &dyn Fn() -> Result<Input>) -> Result<Opened> {
    let mut meta = Meta::default();
    let records: Box<dyn Records> = if navigate(&mut input, &mut meta, true)? {
        Box::new(Elements::array(input, false))
    } else if meta.results_seen && meta.schema.is_some() {
        let mut again = reopen()?;
        if !navigate(&mut again, &mut meta, true)? {
            return Err(again.error("the file changed while it was read"));
        }
        Box::new(Elements::array(again, false))
    } else {
        Box::new(NoRecords)
    };
    Ok(Opened {
        header: Header {
            shape: Shape::Keyed(Keyed {
                case_insensitive: true,
                ..Keyed::default()
            }),
            fields: meta.schema.unwrap_or_default(),
            declared: true,
        },
        records,
    })
}

/// Where the array of results starts in the file at `path` (its `[`), when its schema
/// comes before it (the order the API writes): the fast reader reads the results from
/// there (see [`crate::io::scan::FileTable::open_at`]). `None` otherwise.
pub(crate) fn results_at(path: &std::path::Path) -> Option<usize> {
    let mut input = Input::mapped(path).ok()?;
    let mut meta = Meta::default();
    if !navigate(&mut input, &mut meta, true).ok()? {
        return None;
    }
    // (Past the `[`.)
    input.mapped_offset()?.checked_sub(1)
}

/// Walks to the results (the input then inside their array): `true` when there.
fn navigate(input: &mut Input, meta: &mut Meta, stop: bool) -> Result<bool> {
    input.expect(b'{', "a JSON object")?;
    let mut first = true;
    while input.next_key(&mut first)? {
        let key = input.key()?.to_ascii_lowercase();
        match key.as_str() {
            "schema" => {
                let line = input.line();
                let cols: Vec<J> = input.parse()?;
                let mut fields = Vec::new();
                for c in &cols {
                    let get = |k: &str| {
                        c.as_object()?
                            .iter()
                            .find(|(n, _)| n.eq_ignore_ascii_case(k))
                            .and_then(|(_, v)| v.as_str())
                    };
                    let (Some(name), Some(ty)) = (get("name"), get("type")) else {
                        return Err(Error::data(
                            format!("a schema entry without `Name` and `Type`: {c}"),
                            input.path.clone(),
                            line,
                        ));
                    };
                    fields.push(super::typed_field(name, ty, &input.path, line)?);
                }
                meta.schema = Some(fields);
            }
            "results" => {
                meta.results_seen = true;
                if stop && meta.schema.is_some() {
                    input.expect(b'[', "the array of results")?;
                    return Ok(true);
                }
                input.skip_value()?;
            }
            _ => input.skip_value()?,
        }
    }
    if meta.schema.is_none() && meta.results_seen {
        // Results without a schema: keyed rows all the same (types inferred).
        meta.schema = Some(Vec::new());
    }
    Ok(false)
}
