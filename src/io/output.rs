//! Writing result tables: `table` (aligned text for a terminal), `json`, `jsonl` and
//! `csv`. Values are shown as Kusto clients show them: datetime ISO-8601 UTC, timespan
//! `[-][d.]hh:mm:ss[.fffffff]`, dynamic as compact JSON, null as an empty cell (or
//! JSON `null`).
//!
//! A query with several result statements gives several result sets; they are written
//! one after another:
//! - `table`: each set ends with a `(N rows)` line; a blank line separates sets.
//! - `json`: one JSON object per set; the objects follow each other (a JSON text
//!   sequence, as `jq` reads it).
//! - `jsonl`: one object per row; a blank line separates sets.
//! - `csv`: each set with its header line; a blank line separates sets.

use crate::table::Table;
use crate::value::{to_json, to_kql_string, Value};
use serde_json::Value as J;
use std::io::{self, Write};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Table,
    Json,
    Jsonl,
    Csv,
}

impl Format {
    pub fn from_name(name: &str) -> Option<Format> {
        Some(match name {
            "table" => Format::Table,
            "json" => Format::Json,
            "jsonl" => Format::Jsonl,
            "csv" => Format::Csv,
            _ => return None,
        })
    }
}

/// Writes every result set in `format`.
pub fn write_results(out: &mut dyn Write, tables: &[Table], format: Format) -> io::Result<()> {
    write_results_warned(out, tables, format, &[], &[])
}

/// Writes every result set in `format`; with `--format json`, each result object also
/// holds the run's `warnings` (when there are any), as
/// `{"file", "line", "column", "message"}` objects. (The other formats leave warnings to
/// the caller, which prints them apart from the rows.)
pub fn write_results_warned(
    out: &mut dyn Write,
    tables: &[Table],
    format: Format,
    warnings: &[crate::warnings::Warning],
    truncated: &[Option<crate::limits::Truncated>],
) -> io::Result<()> {
    let warnings_json = (!warnings.is_empty()).then(|| {
        J::Array(
            warnings
                .iter()
                .map(|w| {
                    serde_json::json!({
                        "file": w.file,
                        "line": if w.line > 0 { J::from(w.line) } else { J::Null },
                        "column": w.column,
                        "message": w.message,
                    })
                })
                .collect(),
        )
    });
    for (i, t) in tables.iter().enumerate() {
        if i > 0 {
            out.write_all(match format {
                Format::Json => b"",
                Format::Csv => b"\r\n",
                Format::Table | Format::Jsonl => b"\n",
            })?;
        }
        match format {
            Format::Table => write_table(out, t)?,
            Format::Json => {
                let cut = truncated.get(i).and_then(Option::as_ref).map(|c| {
                    serde_json::json!({
                        "limit": if c.by_records { "records" } else { "size" },
                        "max": c.limit,
                        "kept": c.kept,
                        "total": c.total,
                        "message": c.message(),
                    })
                });
                write_json(out, t, warnings_json.as_ref(), cut.as_ref())?
            }
            Format::Jsonl => write_jsonl(out, t)?,
            Format::Csv => write_csv(out, t)?,
        }
    }
    Ok(())
}

/// The `--format json` object of one result set, as a JSON value.
pub fn table_to_json(t: &Table) -> J {
    let columns: Vec<J> = t
        .columns
        .iter()
        .map(|c| serde_json::json!({"name": c.name, "type": c.ty.name()}))
        .collect();
    let rows: Vec<J> = t.rows.iter().map(|r| row_json(r)).collect();
    serde_json::json!({"columns": columns, "rows": rows})
}

/// One JSON object, with one row per line so that files diff well.
/// One result as a JSON object; `truncated` says how the rows were cut to the result
/// limits, when they were.
fn write_json(
    out: &mut dyn Write,
    t: &Table,
    warnings: Option<&J>,
    truncated: Option<&J>,
) -> io::Result<()> {
    let columns: Vec<J> = t
        .columns
        .iter()
        .map(|c| serde_json::json!({"name": c.name, "type": c.ty.name()}))
        .collect();
    write!(out, "{{\"columns\":{},\"rows\":[", J::Array(columns))?;
    for (i, r) in t.rows.iter().enumerate() {
        let row = row_json(r);
        let sep = if i == 0 { "" } else { "," };
        write!(out, "{sep}\n{row}")?;
    }
    if !t.rows.is_empty() {
        out.write_all(b"\n")?;
    }
    out.write_all(b"]")?;
    if let Some(w) = warnings {
        write!(out, ",\"warnings\":{w}")?;
    }
    if let Some(c) = truncated {
        write!(out, ",\"truncated\":{c}")?;
    }
    out.write_all(b"}\n")
}

fn write_jsonl(out: &mut dyn Write, t: &Table) -> io::Result<()> {
    for r in &t.rows {
        let obj: serde_json::Map<String, J> = t
            .columns
            .iter()
            .zip(r)
            .map(|(c, v)| (c.name.clone(), to_json(v)))
            .collect();
        writeln!(out, "{}", J::Object(obj))?;
    }
    Ok(())
}

/// RFC 4180: CRLF line ends; a field with a comma, quote, CR or LF is quoted, with
/// quotes doubled.
fn write_csv(out: &mut dyn Write, t: &Table) -> io::Result<()> {
    let mut line = String::new();
    let put = |line: &mut String, i: usize, cell: &str| {
        if i > 0 {
            line.push(',');
        }
        if cell.contains([',', '"', '\r', '\n']) {
            line.push('"');
            line.push_str(&cell.replace('"', "\"\""));
            line.push('"');
        } else {
            line.push_str(cell);
        }
    };
    for (i, c) in t.columns.iter().enumerate() {
        put(&mut line, i, &c.name);
    }
    line.push_str("\r\n");
    out.write_all(line.as_bytes())?;
    for r in &t.rows {
        line.clear();
        for (i, v) in r.iter().enumerate() {
            put(&mut line, i, &to_kql_string(v));
        }
        line.push_str("\r\n");
        out.write_all(line.as_bytes())?;
    }
    Ok(())
}

/// Aligned columns: a header, a rule, the rows (numbers right-aligned), then `(N rows)`.
/// Cells are never cut; control characters are escaped so that a row stays on one line.
fn write_table(out: &mut dyn Write, t: &Table) -> io::Result<()> {
    let cells: Vec<Vec<String>> = t
        .rows
        .iter()
        .map(|r| r.iter().map(table_cell).collect())
        .collect();
    let mut widths: Vec<usize> = t.columns.iter().map(|c| c.name.chars().count()).collect();
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let right: Vec<bool> = t.columns.iter().map(|c| c.ty.is_numeric()).collect();
    let mut line = String::new();
    let emit = |out: &mut dyn Write, line: &mut String| -> io::Result<()> {
        let trimmed = line.trim_end();
        out.write_all(trimmed.as_bytes())?;
        out.write_all(b"\n")?;
        line.clear();
        Ok(())
    };
    for (i, c) in t.columns.iter().enumerate() {
        pad(&mut line, i, &c.name, widths[i], right[i]);
    }
    emit(out, &mut line)?;
    for (i, w) in widths.iter().enumerate() {
        if i > 0 {
            line.push_str("  ");
        }
        line.push_str(&"-".repeat(*w));
    }
    emit(out, &mut line)?;
    for row in &cells {
        for (i, c) in row.iter().enumerate() {
            pad(&mut line, i, c, widths[i], right[i]);
        }
        emit(out, &mut line)?;
    }
    let n = t.rows.len();
    writeln!(out, "({n} row{})", if n == 1 { "" } else { "s" })
}

fn pad(line: &mut String, i: usize, cell: &str, width: usize, right: bool) {
    if i > 0 {
        line.push_str("  ");
    }
    let fill = " ".repeat(width - cell.chars().count());
    if right {
        line.push_str(&fill);
        line.push_str(cell);
    } else {
        line.push_str(cell);
        line.push_str(&fill);
    }
}

fn table_cell(v: &Value) -> String {
    let s = to_kql_string(v);
    if s.chars().any(char::is_control) {
        s.chars()
            .flat_map(|c| match c {
                '\n' => "\\n".chars().collect::<Vec<_>>(),
                '\r' => "\\r".chars().collect(),
                '\t' => "\\t".chars().collect(),
                c if c.is_control() => format!("\\u{{{:x}}}", c as u32).chars().collect(),
                c => vec![c],
            })
            .collect()
    } else {
        s
    }
}

fn row_json(r: &[Value]) -> J {
    J::Array(r.iter().map(to_json).collect())
}

/// Kept for callers that want one set as a string (tests).
pub fn render(tables: &[Table], format: Format) -> String {
    let mut buf = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = write_results(&mut buf, tables, format);
    String::from_utf8_lossy(&buf).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::Column;
    use crate::types::Type;
    use crate::value::{TICKS_PER_SECOND, UNIX_EPOCH_TICKS};

    fn sample() -> Table {
        // 2026-05-18T12:00:00Z
        let noon = UNIX_EPOCH_TICKS + 1_779_105_600 * TICKS_PER_SECOND;
        Table::new(
            vec![
                Column::new("Name", Type::String),
                Column::new("N", Type::Long),
                Column::new("R", Type::Real),
                Column::new("When", Type::DateTime),
                Column::new("Span", Type::TimeSpan),
                Column::new("D", Type::Dynamic),
                Column::new("B", Type::Bool),
            ],
            vec![
                vec![
                    Value::str("a,\"b\""),
                    Value::Long(10),
                    Value::Real(0.5),
                    Value::DateTime(noon),
                    Value::TimeSpan(90 * TICKS_PER_SECOND),
                    Value::array(vec![Value::str("x"), Value::Long(1)]),
                    Value::Bool(true),
                ],
                vec![
                    Value::str("line\nbreak"),
                    Value::Null,
                    Value::Real(f64::NAN),
                    Value::DateTime(noon + 5_000_000),
                    Value::TimeSpan(-(86_400 + 1) * TICKS_PER_SECOND),
                    Value::Null,
                    Value::Null,
                ],
            ],
        )
    }

    #[test]
    fn formats_render_as_kusto_clients_show_values() {
        let t = [sample()];
        let cases: &[(Format, &str)] = &[
            (
                Format::Json,
                concat!(
                    r#"{"columns":[{"name":"Name","type":"string"},{"name":"N","type":"long"},{"name":"R","type":"real"},{"name":"When","type":"datetime"},{"name":"Span","type":"timespan"},{"name":"D","type":"dynamic"},{"name":"B","type":"bool"}],"rows":["#,
                    "\n",
                    r#"["a,\"b\"",10,0.5,"2026-05-18T12:00:00Z","00:01:30",["x",1],true],"#,
                    "\n",
                    r#"["line\nbreak",null,"NaN","2026-05-18T12:00:00.5Z","-1.00:00:01",null,null]"#,
                    "\n]}\n"
                ),
            ),
            (
                Format::Jsonl,
                concat!(
                    r#"{"Name":"a,\"b\"","N":10,"R":0.5,"When":"2026-05-18T12:00:00Z","Span":"00:01:30","D":["x",1],"B":true}"#,
                    "\n",
                    r#"{"Name":"line\nbreak","N":null,"R":"NaN","When":"2026-05-18T12:00:00.5Z","Span":"-1.00:00:01","D":null,"B":null}"#,
                    "\n"
                ),
            ),
            (
                Format::Csv,
                concat!(
                    "Name,N,R,When,Span,D,B\r\n",
                    "\"a,\"\"b\"\"\",10,0.5,2026-05-18T12:00:00Z,00:01:30,\"[\"\"x\"\",1]\",true\r\n",
                    "\"line\nbreak\",,NaN,2026-05-18T12:00:00.5Z,-1.00:00:01,,\r\n"
                ),
            ),
            (
                Format::Table,
                concat!(
                    "Name          N    R  When                    Span         D        B\n",
                    "-----------  --  ---  ----------------------  -----------  -------  ----\n",
                    "a,\"b\"        10  0.5  2026-05-18T12:00:00Z    00:01:30     [\"x\",1]  true\n",
                    "line\\nbreak      NaN  2026-05-18T12:00:00.5Z  -1.00:00:01\n",
                    "(2 rows)\n"
                ),
            ),
        ];
        for (format, want) in cases {
            assert_eq!(render(&t, *format), *want, "{format:?}");
        }
    }

    #[test]
    fn several_result_sets_are_separated() {
        let one = Table::new(
            vec![Column::new("x", Type::Long)],
            vec![vec![Value::Long(1)]],
        );
        let t = [one.clone(), one];
        let cases: &[(Format, &str)] = &[
            (Format::Json, "{\"columns\":[{\"name\":\"x\",\"type\":\"long\"}],\"rows\":[\n[1]\n]}\n{\"columns\":[{\"name\":\"x\",\"type\":\"long\"}],\"rows\":[\n[1]\n]}\n"),
            (Format::Jsonl, "{\"x\":1}\n\n{\"x\":1}\n"),
            (Format::Csv, "x\r\n1\r\n\r\nx\r\n1\r\n"),
            (Format::Table, "x\n-\n1\n(1 row)\n\nx\n-\n1\n(1 row)\n"),
        ];
        for (format, want) in cases {
            assert_eq!(render(&t, *format), *want, "{format:?}");
        }
        let empty = Table::new(vec![Column::new("x", Type::Long)], vec![]);
        assert_eq!(
            render(&[empty], Format::Json),
            "{\"columns\":[{\"name\":\"x\",\"type\":\"long\"}],\"rows\":[]}\n"
        );
    }
}
