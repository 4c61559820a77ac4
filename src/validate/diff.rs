//! What changed between two results of a query: rows added, removed and, when
//! rows are matched by a key, changed (with the cells that differ). Rows are
//! compared on the columns both results have; columns only one has are listed.

use super::rows::{render_row, same};
use crate::table::Table;
use crate::value::Value;
use std::collections::HashMap;

#[derive(Debug, Default)]
pub struct RowDiff {
    pub only_old_columns: Vec<String>,
    pub only_new_columns: Vec<String>,
    /// Rows of the new result (indices) with no counterpart in the old one.
    pub added: Vec<usize>,
    /// Rows of the old result (indices) with no counterpart in the new one.
    pub removed: Vec<usize>,
    /// (old row, new row, names of the common columns whose cells differ).
    pub changed: Vec<(usize, usize, Vec<String>)>,
    pub unchanged: usize,
}

impl RowDiff {
    pub fn is_empty(&self) -> bool {
        self.only_old_columns.is_empty()
            && self.only_new_columns.is_empty()
            && self.added.is_empty()
            && self.removed.is_empty()
            && self.changed.is_empty()
    }
}

/// Compares `old` and `new`. With `key` columns, rows with the same key are the
/// same row (changed when another common cell differs); without, a row is one
/// of a multiset and can only be added or removed.
pub fn diff(old: &Table, new: &Table, key: &[String]) -> Result<RowDiff, String> {
    let mut d = RowDiff {
        only_old_columns: old
            .columns
            .iter()
            .filter(|c| new.column_index(&c.name).is_none())
            .map(|c| c.name.clone())
            .collect(),
        only_new_columns: new
            .columns
            .iter()
            .filter(|c| old.column_index(&c.name).is_none())
            .map(|c| c.name.clone())
            .collect(),
        ..RowDiff::default()
    };
    // (old index, new index) of every column both have, in the new result's order.
    let common: Vec<(usize, usize)> = new
        .columns
        .iter()
        .enumerate()
        .filter_map(|(ni, c)| old.column_index(&c.name).map(|oi| (oi, ni)))
        .collect();
    let mut key_cols = Vec::with_capacity(key.len());
    for k in key {
        match (old.column_index(k), new.column_index(k)) {
            (Some(o), Some(n)) => key_cols.push((o, n)),
            _ => {
                let side = if old.column_index(k).is_none() {
                    "old"
                } else {
                    "new"
                };
                return Err(format!("key column `{k}` is not in the {side} result"));
            }
        }
    }
    let old_key = |r: &[Value], cols: &[(usize, usize)]| -> String {
        let vals: Vec<_> = cols
            .iter()
            .map(|(o, _)| super::engine::value_to_json(&r[*o]))
            .collect();
        serde_json::Value::Array(vals).to_string()
    };
    let new_key = |r: &[Value], cols: &[(usize, usize)]| -> String {
        let vals: Vec<_> = cols
            .iter()
            .map(|(_, n)| super::engine::value_to_json(&r[*n]))
            .collect();
        serde_json::Value::Array(vals).to_string()
    };
    // Without a key, the whole common row is the key: rows pair up only when equal.
    let match_cols: &[(usize, usize)] = if key_cols.is_empty() {
        &common
    } else {
        &key_cols
    };
    let mut by_key: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, r) in old.rows.iter().enumerate() {
        by_key.entry(old_key(r, match_cols)).or_default().push(i);
    }
    for v in by_key.values_mut() {
        v.reverse(); // pop() then takes the earliest old row first
    }
    let mut matched_old = vec![false; old.rows.len()];
    for (ni, r) in new.rows.iter().enumerate() {
        match by_key.get_mut(&new_key(r, match_cols)).and_then(Vec::pop) {
            None => d.added.push(ni),
            Some(oi) => {
                matched_old[oi] = true;
                let differs: Vec<String> = common
                    .iter()
                    .filter(|(o, n)| !same(&old.rows[oi][*o], &r[*n]))
                    .map(|(_, n)| new.columns[*n].name.clone())
                    .collect();
                if differs.is_empty() {
                    d.unchanged += 1;
                } else {
                    d.changed.push((oi, ni, differs));
                }
            }
        }
    }
    d.removed = (0..old.rows.len()).filter(|i| !matched_old[*i]).collect();
    Ok(d)
}

/// The diff for a person: `-` removed rows, `+` added rows, `~` changed rows
/// (key, then each changed cell as old → new), then a one-line summary.
pub fn render(
    d: &RowDiff,
    old: &Table,
    new: &Table,
    key: &[String],
    old_name: &str,
    new_name: &str,
) -> String {
    let mut out = format!(
        "--- {old_name} ({} rows)\n+++ {new_name} ({} rows)\n",
        old.rows.len(),
        new.rows.len()
    );
    if !d.only_old_columns.is_empty() {
        out.push_str(&format!(
            "columns removed: {}\n",
            d.only_old_columns.join(", ")
        ));
    }
    if !d.only_new_columns.is_empty() {
        out.push_str(&format!(
            "columns added: {}\n",
            d.only_new_columns.join(", ")
        ));
    }
    let common_old: Vec<usize> = (0..old.columns.len())
        .filter(|i| new.column_index(&old.columns[*i].name).is_some())
        .collect();
    let common_new: Vec<usize> = (0..new.columns.len())
        .filter(|i| old.column_index(&new.columns[*i].name).is_some())
        .collect();
    for &i in &d.removed {
        out.push_str(&format!(
            "- {}\n",
            render_row(old, &old.rows[i], Some(&common_old))
        ));
    }
    for &i in &d.added {
        out.push_str(&format!(
            "+ {}\n",
            render_row(new, &new.rows[i], Some(&common_new))
        ));
    }
    let key_idx: Vec<usize> = key.iter().filter_map(|k| new.column_index(k)).collect();
    for (oi, ni, cols) in &d.changed {
        out.push_str(&format!(
            "~ {}\n",
            render_row(new, &new.rows[*ni], Some(&key_idx))
        ));
        for c in cols {
            let (o, n) = (old.column_index(c), new.column_index(c));
            if let (Some(o), Some(n)) = (o, n) {
                out.push_str(&format!(
                    "    {c}: {} → {}\n",
                    super::engine::value_to_json(&old.rows[*oi][o]),
                    super::engine::value_to_json(&new.rows[*ni][n])
                ));
            }
        }
    }
    out.push_str(&format!(
        "{} added, {} removed, {} changed, {} unchanged\n",
        d.added.len(),
        d.removed.len(),
        d.changed.len(),
        d.unchanged
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::Column;
    use crate::types::Type;

    fn t(cols: &[&str], rows: &[&[i64]]) -> Table {
        Table::new(
            cols.iter().map(|c| Column::new(*c, Type::Long)).collect(),
            rows.iter()
                .map(|r| r.iter().map(|v| Value::Long(*v)).collect())
                .collect(),
        )
    }

    #[test]
    fn rows_are_added_removed_or_changed() {
        let old = t(&["K", "V"], &[&[1, 10], &[2, 20], &[3, 30]]);
        let new = t(&["K", "V"], &[&[1, 10], &[2, 21], &[4, 40]]);
        // (key, added, removed, changed, unchanged)
        type Case<'a> = (&'a [&'a str], &'a [usize], &'a [usize], usize, usize);
        let cases: &[Case] = &[(&[], &[1, 2], &[1, 2], 0, 1), (&["K"], &[2], &[2], 1, 1)];
        for (key, added, removed, changed, unchanged) in cases {
            let key: Vec<String> = key.iter().map(|s| s.to_string()).collect();
            let d = diff(&old, &new, &key).unwrap();
            assert_eq!(
                (
                    d.added.as_slice(),
                    d.removed.as_slice(),
                    d.changed.len(),
                    d.unchanged
                ),
                (*added, *removed, *changed, *unchanged),
                "key {key:?}"
            );
        }
        let key = vec!["K".to_string()];
        let d = diff(&old, &new, &key).unwrap();
        assert_eq!(d.changed[0].2, vec!["V".to_string()]);
        let text = render(&d, &old, &new, &key, "a", "b");
        assert!(text.contains("~ {\"K\":2}\n    V: 20 → 21\n"), "{text}");
        assert!(
            text.contains("- {\"K\":3,\"V\":30}\n+ {\"K\":4,\"V\":40}\n"),
            "{text}"
        );
        assert!(
            text.ends_with("1 added, 1 removed, 1 changed, 1 unchanged\n"),
            "{text}"
        );
    }

    #[test]
    fn duplicates_count_and_columns_are_compared_by_name() {
        let old = t(&["A", "B"], &[&[1, 2], &[1, 2]]);
        let new = t(&["B", "A", "C"], &[&[2, 1, 0]]);
        let d = diff(&old, &new, &[]).unwrap();
        assert_eq!((d.added.len(), d.removed.len(), d.unchanged), (0, 1, 1));
        assert_eq!(d.only_new_columns, vec!["C".to_string()]);
        assert!(!d.is_empty());
        assert!(diff(&old, &new, &["Z".to_string()])
            .unwrap_err()
            .contains("`Z`"));
    }
}
