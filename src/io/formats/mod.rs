//! The files detection engineers export, read as table sources of the one engine.
//!
//! Each format has a reader module named after it that knows the format's shape: where
//! its records are, what its header or schema says, which table the records belong to.
//! A reader gives its records in batches, cut from the file in order without being
//! parsed (JSON values by bracket matching, CSV text at record ends); the batches are
//! parsed ([`Batch::ready`]: CSV fields) and converted to rows on several threads by
//! [`source::DataTable`], which converts only the columns a query uses. Which reader a
//! file gets is decided here, in [`detect`], from the file's first bytes (the name's
//! extension only tells CSV from TSV and the like); gzip is told by its magic bytes, for
//! every format.
//!
//! | format | module | shape (where documented) |
//! |--|--|--|
//! | JSON array / JSON lines / multijson | [`json`] | `[{...}, ...]`, one object per line, or objects one after another |
//! | Log Analytics query API | [`log_analytics`] | `{"tables":[{"name","columns":[{"name","type"}],"rows":[[...]]}]}` (Azure Monitor "Log Analytics API response format") |
//! | `az monitor log-analytics query` | [`az_cli`] | `[{"TableName": ..., "Col": "text", ...}]`: every value `str()`-ed by the CLI |
//! | Defender XDR advanced hunting API, Graph `runHuntingQuery` | [`hunting`] | `{"Stats","Schema":[{"Name","Type"}],"Results":[{...}]}`, `{"@odata.context","schema","results"}` |
//! | portal CSV exports, CSV/TSV with a header | [`csv`] | ` [UTC]` / ` [Local Time]` after datetime column names |
//! | Defender XDR streaming API (Event Hub, storage) | [`streaming`] | `{"records":[{"time","category":"AdvancedHunting-T","properties":{...}}]}` |
//! | Log Analytics data export | [`data_export`] | `am-<table>/.../PT05M.json`, JSON lines |
//! | Kusto REST v1, v2 | [`kusto_v1`], [`kusto_v2`] | `{"Tables":[...]}`; frames `[{"FrameType":"DataTable",...}]` |

pub mod az_cli;
pub mod csv;
pub mod data_export;
pub mod external;
pub mod folder;
pub mod hunting;
pub(crate) mod input;
pub mod json;
pub mod kusto_v1;
pub mod kusto_v2;
pub mod log_analytics;
pub mod source;
pub mod streaming;
mod tables;
mod text;
pub(crate) mod values;

use crate::error::Result;
use crate::types::Type;
use crate::warnings::Warnings;
use input::Input;
use std::path::Path;
use std::sync::Arc;

/// What a data file holds, as told by its content.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// A JSON array of objects.
    JsonArray,
    /// JSON objects one after another: one per line (JSON lines), or spanning lines.
    JsonLines,
    /// The Log Analytics query API's response.
    LogAnalytics,
    /// `az monitor log-analytics query` output.
    AzCli,
    /// Defender XDR advanced hunting API or Graph `runHuntingQuery` response.
    Hunting,
    /// Delimited text with a header (portal CSV exports among them).
    Delimited(u8),
    /// Defender XDR streaming API events.
    Streaming,
    /// Kusto REST API v1 response.
    KustoV1,
    /// Kusto REST API v2 response (frames).
    KustoV2,
    /// Lines of text, each a record of one field (Kusto's `txt`; externaldata only).
    Lines,
    /// The whole file, one record of one field (Kusto's `raw`; externaldata only).
    Raw,
}

impl Format {
    /// The format's name, as `kql tables` shows it.
    pub fn name(self) -> &'static str {
        match self {
            Format::JsonArray => "JSON array",
            Format::JsonLines => "JSON lines",
            Format::LogAnalytics => "Log Analytics query API JSON",
            Format::AzCli => "az monitor log-analytics query JSON",
            Format::Hunting => "Defender XDR advanced hunting JSON",
            Format::Delimited(b'\t') => "TSV",
            Format::Delimited(b'|') => "PSV",
            Format::Delimited(b';') => "SCSV",
            Format::Delimited(_) => "CSV",
            Format::Streaming => "Defender XDR streaming API JSON",
            Format::KustoV1 => "Kusto REST v1 JSON",
            Format::KustoV2 => "Kusto REST v2 JSON",
            Format::Lines => "TXT",
            Format::Raw => "RAW",
        }
    }

    /// Whether the format names the tables of its records (one file, several tables).
    pub fn names_tables(self) -> bool {
        self == Format::Streaming
    }
}

/// How data files are read.
#[derive(Clone, Debug, Default)]
pub struct ReadOptions {
    /// A value that does not convert to its column's type stops the read with an error
    /// (otherwise it is null, counted in a warning).
    pub strict: bool,
    /// The zone of columns exported as ` [Local Time]` (otherwise read as UTC, with a
    /// warning).
    pub tz: Option<chrono_tz::Tz>,
    /// Where the reads record their warnings.
    pub warnings: Arc<Warnings>,
}

impl ReadOptions {
    /// The zone named `name` (IANA, any letter case), for `--tz`.
    pub fn zone(name: &str) -> std::result::Result<chrono_tz::Tz, String> {
        crate::functions::zones::zone(name).ok_or_else(|| {
            format!("unknown time zone `{name}` (an IANA name such as Europe/Paris)")
        })
    }
}

/// The extensions of data files, before an optional `.gz`. (A folder's other files,
/// notes and outputs, are not data.)
const DATA_EXTENSIONS: &[&str] = &[
    "json",
    "jsonl",
    "ndjson",
    "multijson",
    "csv",
    "tsv",
    "psv",
    "scsv",
];

/// Whether `name` is the name of a data file (`.json`, `.csv.gz`, ...); schema files
/// (`.schema.json`) are not.
pub fn is_data_file(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".schema.json") {
        return false;
    }
    let bare = lower.strip_suffix(".gz").unwrap_or(&lower);
    bare.rsplit_once('.')
        .is_some_and(|(stem, ext)| !stem.is_empty() && DATA_EXTENSIONS.contains(&ext))
}

/// The delimiter a name's extension gives (`.tsv`, `.psv`, `.scsv`, else `,`).
fn delimiter_of(path: &Path) -> Option<u8> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    let bare = name.strip_suffix(".gz").unwrap_or(&name);
    Some(match bare.rsplit_once('.')?.1 {
        "tsv" => b'\t',
        "psv" => b'|',
        "scsv" => b';',
        "csv" => b',',
        _ => return None,
    })
}

/// The format of `path`, from its first bytes: the one place that decides which reader
/// a file gets.
///
/// JSON by its first character: an object whose first key is `tables` (Log Analytics),
/// `Tables` (Kusto v1), `records` (streaming), `Stats`, `Schema`, `Results` or
/// `@odata.context` in any case (advanced hunting), a record with an
/// `AdvancedHunting-` `category` and `properties` (streaming, as stored in blobs),
/// else JSON objects; an array whose first element has `FrameType` (Kusto v2) or
/// starts with `TableName` (az CLI), else an array of objects. Anything else is
/// delimited text: the extension's delimiter, else tabs when the header line has more
/// tabs than commas.
pub fn detect(path: &Path) -> Result<Format> {
    let mut input = Input::open(path)?;
    detect_input(&mut input, path)
}

pub(crate) fn detect_input(input: &mut Input, path: &Path) -> Result<Format> {
    let head = input.head(64 * 1024)?.to_vec();
    let text = trim_start(&head);
    Ok(match text.first() {
        Some(b'{') => {
            let keys = first_keys(text);
            match keys.first().map(|(k, _)| k.as_str()) {
                Some("tables") => Format::LogAnalytics,
                Some("Tables") => Format::KustoV1,
                Some("records") => Format::Streaming,
                Some(k) if hunting::is_first_key(k) => Format::Hunting,
                _ if streaming::is_record(&keys) => Format::Streaming,
                _ => Format::JsonLines,
            }
        }
        Some(b'[') => {
            let inner = trim_start(&text[1..]);
            if inner.first() == Some(&b'{') {
                match first_keys(inner).first().map(|(k, _)| k.as_str()) {
                    Some("FrameType") => Format::KustoV2,
                    Some("TableName") => Format::AzCli,
                    _ => Format::JsonArray,
                }
            } else {
                Format::JsonArray
            }
        }
        _ => Format::Delimited(delimiter_of(path).unwrap_or_else(|| {
            let line = text.split(|&b| b == b'\n').next().unwrap_or(&[]);
            let count = |c: u8| line.iter().filter(|&&b| b == c).count();
            if count(b'\t') > count(b',') {
                b'\t'
            } else {
                b','
            }
        })),
    })
}

fn trim_start(b: &[u8]) -> &[u8] {
    let b = b.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(b);
    let n = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    &b[n..]
}

/// The keys of the object `text` starts with, as far as `text` holds them, each with its
/// value when that is a string.
fn first_keys(text: &[u8]) -> Vec<(String, Option<String>)> {
    let mut keys = Vec::new();
    let Ok(mut i) = Input::new(Box::new(std::io::Cursor::new(text.to_vec())), String::new()) else {
        return keys;
    };
    let walk = |i: &mut Input, keys: &mut Vec<(String, Option<String>)>| -> Result<()> {
        i.expect(b'{', "`{`")?;
        let mut first = true;
        while i.next_key(&mut first)? {
            // The key counts even when the head ends inside its value.
            keys.push((i.key()?, None));
            i.skip_ws()?;
            if i.peek()? == Some(b'"') {
                let v = i.parse::<String>()?;
                if let Some(last) = keys.last_mut() {
                    last.1 = Some(v);
                }
            } else {
                i.skip_value()?;
            }
            if keys.len() > 64 {
                break;
            }
        }
        Ok(())
    };
    let _ = walk(&mut i, &mut keys);
    keys
}

/// What a reader says of a file before its records: the fields, how records hold them.
#[derive(Clone, Debug)]
pub(crate) struct Header {
    pub shape: Shape,
    /// The fields in order: those the format declares (a CSV header, a schema in the
    /// file), else those of the first record.
    pub fields: Vec<Field>,
    /// Whether `fields` are every field a record can have (declared by the format).
    pub declared: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Field {
    /// The column's name (` [UTC]` and ` [Local Time]` suffixes removed).
    pub name: String,
    /// The name as the file writes it.
    pub raw: String,
    /// The type the format gives it.
    pub ty: Option<Type>,
    /// A datetime exported in the exporter's local time (` [Local Time]`).
    pub local: bool,
}

impl Field {
    /// A field named as written, its export suffix read.
    pub(crate) fn named(raw: &str, ty: Option<Type>) -> Field {
        let (name, suffix) = values::strip_suffix(raw);
        Field {
            name: name.to_string(),
            raw: raw.to_string(),
            ty: ty.or(suffix.map(|_| Type::DateTime)),
            local: suffix == Some(values::Suffix::Local),
        }
    }
}

/// How a file's records hold their fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Shape {
    /// JSON objects, fields by key.
    Keyed(Keyed),
    /// JSON arrays, fields by position (the header's).
    Positional,
    /// Streaming API events (`{"records":[...]}` or records one after another): the
    /// `properties` of the records of one `category`.
    Envelope { category: String },
    /// Delimited text, fields by position.
    Delimited,
    /// JSON objects whose columns are at paths (an ingestion mapping).
    Mapped(Vec<(String, values::JsonPath)>),
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Keyed {
    /// Keys match column names in any letter case (Graph).
    pub case_insensitive: bool,
    /// Keys that are not columns (the az CLI's `TableName`).
    pub ignore: &'static [&'static str],
    /// Every value is text as the az CLI writes it (`None` is null).
    pub az_text: bool,
}

/// Bytes of records per batch: big enough to amortise the hand-over between threads,
/// small enough that the batches in flight stay a few megabytes.
pub(crate) const BATCH_BYTES: usize = 1 << 20;

/// Records cut from a file, not parsed yet.
#[derive(Default)]
pub(crate) struct Batch {
    /// The JSON texts of the records, one after another.
    pub text: Vec<u8>,
    /// Each record: its range in `text` (in `mapped` when there is one; for delimited
    /// text, in the text parsed, once it is) and its first line.
    pub items: Vec<Item>,
    /// The records of delimited text (and lines of text), one per item.
    pub fields: csv::Fielded,
    /// The mapped capture the items are ranges of, instead of `text` (a capture's
    /// records are read where they are, not copied; see [`streaming::Index`]), held
    /// while the batch is read.
    pub mapped: Option<std::sync::Arc<streaming::Held>>,
    /// `text` is delimited text to parse into `items` and `fields` (see
    /// [`Batch::ready`]).
    pub pending: Option<csv::Pending>,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Item {
    pub start: usize,
    pub end: usize,
    pub line: usize,
}

impl Batch {
    pub(crate) fn clear(&mut self) {
        // The text parsed last time: its buffer is read into again.
        let parsed = self.fields.take_text();
        if parsed.capacity() > self.text.capacity() {
            self.text = parsed;
        }
        self.text.clear();
        self.items.clear();
        self.fields.clear();
        self.mapped = None;
        self.pending = None;
    }

    /// Finishes what the reader left to the thread that converts the batch (parsing
    /// delimited text): the reader cuts, the converting threads parse.
    pub(crate) fn ready(&mut self) -> Result<()> {
        match self.pending.take() {
            Some(p) => csv::parse(self, &p),
            None => Ok(()),
        }
    }

    /// The JSON text of `item`.
    pub(crate) fn item_text(&self, item: Item) -> &[u8] {
        match &self.mapped {
            Some(held) => &held.bytes()[item.start..item.end],
            None => &self.text[item.start..item.end],
        }
    }
}

/// A file's records, in order, batch by batch.
pub(crate) trait Records: Send {
    /// Fills `batch` (cleared first) with the next records; `false` when none are left.
    fn next(&mut self, batch: &mut Batch) -> Result<bool>;
}

/// A reader opened on a file: its header and its records.
pub(crate) struct Opened {
    pub header: Header,
    pub records: Box<dyn Records>,
}

/// The JSON values of an array (the input past its `[`) or of a sequence of values
/// (JSON lines, multijson), as records.
pub(crate) struct Elements {
    input: Input,
    /// Inside an array (else a sequence up to the end of the file).
    array: bool,
    /// The array is the whole document: nothing may follow it.
    top: bool,
    first: bool,
    done: bool,
    /// A record already cut (to read the header from it), given first.
    pending: Option<(Vec<u8>, usize)>,
}

impl Elements {
    pub(crate) fn array(input: Input, top: bool) -> Elements {
        Elements {
            input,
            array: true,
            top,
            first: true,
            done: false,
            pending: None,
        }
    }

    pub(crate) fn sequence(input: Input) -> Elements {
        Elements {
            input,
            array: false,
            top: true,
            first: true,
            done: false,
            pending: None,
        }
    }

    /// The next value and its line, cut out on its own (to read a header from it); it
    /// stays the first record given.
    pub(crate) fn peek_first(&mut self) -> Result<Option<(&[u8], usize)>> {
        if self.pending.is_none() && !self.done {
            let mut b = Batch::default();
            if self.more()? {
                let (s, e, line) = self.input.take_value(&mut b.text)?;
                self.pending = Some((b.text[s..e].to_vec(), line));
            }
        }
        Ok(self.pending.as_ref().map(|(t, l)| (t.as_slice(), *l)))
    }

    pub(crate) fn path(&self) -> &str {
        &self.input.path
    }

    fn more(&mut self) -> Result<bool> {
        if self.done {
            return Ok(false);
        }
        let more = if self.array {
            self.input.next_element(&mut self.first)?
        } else {
            !self.input.at_end()?
        };
        if !more {
            self.done = true;
            if self.array && self.top && !self.input.at_end()? {
                return Err(self.input.error("unexpected text after the JSON array"));
            }
        }
        Ok(more)
    }
}

impl Records for Elements {
    fn next(&mut self, batch: &mut Batch) -> Result<bool> {
        batch.clear();
        if let Some((text, line)) = self.pending.take() {
            batch.text.extend_from_slice(&text);
            batch.items.push(Item {
                start: 0,
                end: text.len(),
                line,
            });
        }
        while batch.text.len() < BATCH_BYTES && self.more()? {
            let (start, end, line) = self.input.take_value(&mut batch.text)?;
            batch.items.push(Item { start, end, line });
        }
        Ok(!batch.items.is_empty())
    }
}

/// No records at all (a response whose table has no rows key).
pub(crate) struct NoRecords;

impl Records for NoRecords {
    fn next(&mut self, batch: &mut Batch) -> Result<bool> {
        batch.clear();
        Ok(false)
    }
}

/// A field whose type a file names (a KQL or .NET type name).
pub(crate) fn typed_field(name: &str, ty: &str, path: &str, line: usize) -> Result<Field> {
    match crate::io::schema::type_from_name(ty) {
        Some(t) => Ok(Field::named(name, Some(t))),
        None => Err(crate::error::Error::data(
            format!("column `{name}` has type `{ty}`, which is not a KQL type"),
            path,
            line,
        )),
    }
}

/// The keys of a JSON object's text, in order (for a header).
pub(crate) fn object_keys(text: &[u8], path: &str, line: usize) -> Result<Vec<String>> {
    let v: serde_json::Value =
        values::parse_record(text).map_err(|e| values::record_error(text, &e, path, line))?;
    match v {
        serde_json::Value::Object(m) => Ok(m.keys().cloned().collect()),
        _ => Err(crate::error::Error::data(
            "expected a JSON object for a row",
            path,
            line,
        )),
    }
}

/// How a file is read beyond what its format says (externaldata's properties).
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct PartOptions {
    /// Delimited text without a header: these are its fields, by position.
    pub fields: Option<Vec<Field>>,
    /// The first record of the file is skipped (`ignoreFirstRecord`).
    pub skip_first: bool,
    /// Rows may have fewer or more fields than the header (missing ones are null, extra
    /// ones ignored).
    pub flexible: bool,
    /// JSON records map to columns by these paths.
    pub mapping: Option<Vec<(String, values::JsonPath)>>,
}

/// Where a part's bytes are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Origin {
    File(std::path::PathBuf),
    /// Entry `index` of a zip archive.
    Zip(std::path::PathBuf, usize),
}

impl Origin {
    pub(crate) fn input(&self) -> Result<Input> {
        match self {
            Origin::File(p) => Input::mapped(p),
            Origin::Zip(p, i) => {
                let shown = p.display().to_string();
                let file =
                    std::fs::File::open(p).map_err(|e| super::schema::io_error(&shown, &e))?;
                let bad = |e: zip::result::ZipError| {
                    crate::error::Error::data(
                        format!("the file is not a valid zip archive: {e}"),
                        shown.clone(),
                        1,
                    )
                };
                let mut archive = zip::ZipArchive::new(file).map_err(bad)?;
                let mut entry = archive.by_index(*i).map_err(bad)?;
                let name = format!("{shown}!{}", entry.name());
                let mut bytes = Vec::new();
                std::io::Read::read_to_end(&mut entry, &mut bytes).map_err(|e| {
                    crate::error::Error::data(
                        format!("cannot read the zip entry: {e}"),
                        name.clone(),
                        1,
                    )
                })?;
                Input::new(Box::new(std::io::Cursor::new(bytes)), name)
            }
        }
    }
}

/// Opens a part (of format `format`) as a reader: its header and records. `category`
/// selects the rows of one table in a streaming capture.
pub(crate) fn open(
    origin: &Origin,
    format: Format,
    category: Option<&str>,
    opts: &PartOptions,
) -> Result<Opened> {
    let input = origin.input()?;
    let reopen = || origin.input();
    let mut opened = match format {
        Format::JsonArray => json::open(input, true),
        Format::JsonLines => json::open(input, false),
        Format::AzCli => az_cli::open(input),
        Format::LogAnalytics => log_analytics::open(input, &reopen),
        Format::Hunting => hunting::open(input, &reopen),
        Format::Delimited(d) => csv::open(input, d, opts),
        Format::Streaming => streaming::open(input, category.unwrap_or_default()),
        Format::KustoV1 => kusto_v1::open(input, &reopen),
        Format::KustoV2 => kusto_v2::open(input, &reopen),
        Format::Lines => text::lines(input, opts),
        Format::Raw => text::raw(input, opts),
    }?;
    if let Some(m) = &opts.mapping {
        if matches!(opened.header.shape, Shape::Keyed(_)) {
            opened.header.shape = Shape::Mapped(m.clone());
            opened.header.fields.clear();
            opened.header.declared = true;
        }
    }
    if opts.skip_first {
        opened.records = Box::new(SkipFirst {
            inner: opened.records,
            skipped: false,
        });
    }
    Ok(opened)
}

/// A file's records without its first (`ignoreFirstRecord`).
struct SkipFirst {
    inner: Box<dyn Records>,
    skipped: bool,
}

impl Records for SkipFirst {
    fn next(&mut self, batch: &mut Batch) -> Result<bool> {
        loop {
            if !self.inner.next(batch)? {
                return Ok(false);
            }
            if !std::mem::replace(&mut self.skipped, true) {
                batch.ready()?;
                if !batch.items.is_empty() {
                    batch.items.remove(0);
                    batch.fields.drop_first();
                }
            }
            if !batch.items.is_empty() {
                return Ok(true);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_told_by_content() {
        let dir = std::env::temp_dir().join(format!("kql-detect-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // (file name, content, format)
        let cases: &[(&str, &str, Format)] = &[
            ("a.json", "[{\"a\": 1}]", Format::JsonArray),
            ("a.json", " \n[]", Format::JsonArray),
            ("a.json", "{\"a\": 1}\n{\"a\": 2}", Format::JsonLines),
            ("a.jsonl", "\u{feff}{\"a\": 1}", Format::JsonLines),
            ("PT05M.json", "{\"TimeGenerated\": \"x\"}\r\n", Format::JsonLines),
            ("a.json", "{\"tables\": [{\"name\": \"PrimaryResult\"", Format::LogAnalytics),
            ("a.json", "{\"Tables\": [", Format::KustoV1),
            ("a.json", "[{\"FrameType\": \"DataSetHeader\"}]", Format::KustoV2),
            ("a.json", "[{\"TableName\": \"PrimaryResult\", \"a\": \"1\"}]", Format::AzCli),
            ("a.json", "{\"Stats\": {}, \"Schema\": []", Format::Hunting),
            ("a.json", "{\"@odata.context\": \"x\", \"schema\": []", Format::Hunting),
            ("a.json", "{\"schema\": [], \"results\": []}", Format::Hunting),
            ("a.json", "{\"records\": [{\"category\": \"AdvancedHunting-X\"}]}", Format::Streaming),
            (
                "PT1H.json",
                "{\"time\": \"t\", \"category\": \"AdvancedHunting-DeviceEvents\", \"properties\": {}}",
                Format::Streaming,
            ),
            ("a.csv", "a,b\n1,2", Format::Delimited(b',')),
            ("a.tsv", "a,b\tc\n", Format::Delimited(b'\t')),
            ("a.psv", "a|b\n", Format::Delimited(b'|')),
            ("a.txt", "a\tb\tc\n1\t2\t3", Format::Delimited(b'\t')),
            ("a.txt", "a,b\n", Format::Delimited(b',')),
        ];
        for (name, text, want) in cases {
            let p = dir.join(name);
            std::fs::write(&p, text).unwrap();
            assert_eq!(detect(&p).unwrap(), *want, "{name}: {text}");
            // The same, gzip-compressed.
            use std::io::Write;
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(text.as_bytes()).unwrap();
            let gzp = dir.join(format!("{name}.gz"));
            std::fs::write(&gzp, gz.finish().unwrap()).unwrap();
            assert_eq!(detect(&gzp).unwrap(), *want, "{name}.gz");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn data_file_names() {
        for (name, yes) in [
            ("T.json", true),
            ("T.csv.gz", true),
            ("T.schema.json", false),
            ("notes.txt", false),
            (".json", false),
            ("T.JSONL", true),
            ("T.parquet", false),
        ] {
            assert_eq!(is_data_file(name), yes, "{name}");
        }
    }
}
