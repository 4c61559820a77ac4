//! Comparing result rows: the cell equality tests use, matching expected rows
//! (a subset of columns, as JSON) against a result table, and printing rows.

use super::engine;
use crate::table::Table;
use crate::value::Value;
use serde_json::{Map, Value as Json};

/// Equality for comparing results: numbers compare by value across int, long,
/// real and decimal (a test writes `2` for a real 2.0, and a dynamic cell may hold
/// either); bags compare regardless of key order; reals within a relative 1e-9
/// because the result of float arithmetic is not something a test should spell.
pub fn same(a: &Value, b: &Value) -> bool {
    use Value::*;
    match (a, b) {
        (Null, Null) => true,
        (Bool(x), Bool(y)) => x == y,
        (String(x), String(y)) => x == y,
        (DateTime(x), DateTime(y)) | (TimeSpan(x), TimeSpan(y)) => x == y,
        (Guid(x), Guid(y)) => x == y,
        (Array(x), Array(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| same(p, q))
        }
        (Bag(x), Bag(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => match (as_i64(a), as_i64(b)) {
            (Some(x), Some(y)) => x == y,
            _ => match (as_f64(a), as_f64(b)) {
                (Some(x), Some(y)) => x == y || (x - y).abs() <= 1e-9 * x.abs().max(y.abs()),
                _ => false,
            },
        },
    }
}

fn as_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(i64::from(*i)),
        Value::Long(i) => Some(*i),
        _ => None,
    }
}

fn as_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(f64::from(*i)),
        Value::Long(i) => Some(*i as f64),
        Value::Real(f) | Value::Decimal(f) => Some(*f),
        _ => None,
    }
}

/// An expected row compiled against a result table: (column index, value).
pub type Pattern = Vec<(usize, Value)>;

/// Compiles expected rows (JSON objects naming some result columns) into patterns.
/// Errors name the row and column: a column the result lacks, or a value that
/// cannot be of the column's type.
pub fn compile(
    table: &Table,
    rows: &[Map<String, Json>],
    what: &str,
) -> Result<Vec<Pattern>, String> {
    let names: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
    for (i, r) in rows.iter().enumerate() {
        for k in r.keys() {
            if table.column_index(k).is_none() {
                let hint = crate::error::nearest(k, names.iter().copied())
                    .map(|n| format!(" (did you mean `{n}`?)"))
                    .unwrap_or_default();
                return Err(format!(
                    "{what} row {}: the result has no column `{k}`{hint}; its columns are {}",
                    i + 1,
                    names.join(", ")
                ));
            }
        }
    }
    // Typed by the result's columns, with the same conversions as input rows.
    let typed = engine::rows_to_table(&table.columns, rows, &format!("{what} rows"))
        .map_err(|e| engine::one_line(&e))?;
    Ok(rows
        .iter()
        .zip(typed.rows)
        .map(|(r, mut vals)| {
            r.keys()
                .filter_map(|k| table.column_index(k))
                .map(|ci| (ci, std::mem::take(&mut vals[ci])))
                .collect()
        })
        .collect())
}

pub fn matches(p: &Pattern, row: &[Value]) -> bool {
    p.iter()
        .all(|(ci, v)| row.get(*ci).is_some_and(|a| same(v, a)))
}

/// A one-to-one matching of patterns to rows (Kuhn's augmenting paths, so that a
/// loose pattern never steals the only row a stricter one could match).
/// Returns for each pattern the matched row index, if any.
pub fn assign(patterns: &[Pattern], rows: &[Vec<Value>]) -> Vec<Option<usize>> {
    let edges: Vec<Vec<usize>> = patterns
        .iter()
        .map(|p| (0..rows.len()).filter(|&r| matches(p, &rows[r])).collect())
        .collect();
    let mut row_owner: Vec<Option<usize>> = vec![None; rows.len()];
    for p in 0..patterns.len() {
        let mut seen = vec![false; rows.len()];
        augment(p, &edges, &mut row_owner, &mut seen);
    }
    let mut out = vec![None; patterns.len()];
    for (r, owner) in row_owner.iter().enumerate() {
        if let Some(p) = owner {
            out[*p] = Some(r);
        }
    }
    out
}

fn augment(p: usize, edges: &[Vec<usize>], owner: &mut [Option<usize>], seen: &mut [bool]) -> bool {
    for &r in &edges[p] {
        if seen[r] {
            continue;
        }
        seen[r] = true;
        if owner[r].is_none_or(|q| augment(q, edges, owner, seen)) {
            owner[r] = Some(p);
            return true;
        }
    }
    false
}

/// A result row as `{Col: value, ...}` on one line, limited to `cols` when given.
pub fn render_row(table: &Table, row: &[Value], cols: Option<&[usize]>) -> String {
    let idx: Vec<usize> = match cols {
        Some(c) => c.to_vec(),
        None => (0..table.columns.len()).collect(),
    };
    let mut m = Map::new();
    for i in idx {
        if let (Some(c), Some(v)) = (table.columns.get(i), row.get(i)) {
            m.insert(c.name.clone(), engine::value_to_json(v));
        }
    }
    Json::Object(m).to_string()
}

/// The columns a set of patterns talks about, in result order.
pub fn pattern_columns(patterns: &[Pattern]) -> Vec<usize> {
    let mut cols: Vec<usize> = patterns.iter().flatten().map(|(c, _)| *c).collect();
    cols.sort_unstable();
    cols.dedup();
    cols
}

pub fn render_json_row(r: &Map<String, Json>) -> String {
    Json::Object(r.clone()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::Column;
    use crate::types::Type;

    #[test]
    fn numbers_compare_by_value_across_types() {
        let cases = [
            (Value::Long(2), Value::Real(2.0), true),
            (Value::Int(2), Value::Long(2), true),
            (Value::Real(0.1 + 0.2), Value::Real(0.3), true),
            (Value::Long(2), Value::Real(2.5), false),
            (Value::str("2"), Value::Long(2), false),
            (Value::Null, Value::Long(0), false),
            (Value::Null, Value::Null, true),
        ];
        for (a, b, want) in cases {
            assert_eq!(same(&a, &b), want, "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn a_loose_pattern_does_not_steal_the_row_a_strict_one_needs() {
        let table = Table::new(
            vec![Column::new("A", Type::String), Column::new("B", Type::Long)],
            vec![
                vec![Value::str("x"), Value::Long(1)],
                vec![Value::str("x"), Value::Long(2)],
            ],
        );
        let rows: Vec<Map<String, Json>> =
            serde_json::from_str(r#"[{"A":"x"},{"A":"x","B":1}]"#).unwrap();
        let p = compile(&table, &rows, "expected").unwrap();
        assert_eq!(assign(&p, &table.rows), vec![Some(1), Some(0)]);
    }

    #[test]
    fn unknown_expected_column_is_named_with_a_suggestion() {
        let table = Table::new(vec![Column::new("Severity", Type::String)], vec![]);
        let rows: Vec<Map<String, Json>> = serde_json::from_str(r#"[{"Severty":"High"}]"#).unwrap();
        let e = compile(&table, &rows, "expected").unwrap_err();
        assert!(
            e.contains("no column `Severty`") && e.contains("did you mean `Severity`"),
            "{e}"
        );
    }
}
