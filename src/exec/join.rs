//! Hash joins for `join` and `lookup`: the right side is hashed on its keys, the left
//! side probes it. A null key never matches (an empty string does).

use super::hash::{FxHashMap, FxHashSet};
use crate::plan::JoinKind;
use crate::table::{Column, Row};
use crate::value::Value;

fn key(row: &Row, cols: &[usize]) -> Option<Vec<Value>> {
    let k: Vec<Value> = cols.iter().map(|&i| row[i].clone()).collect();
    if k.iter().any(Value::is_null) {
        None
    } else {
        Some(k)
    }
}

fn nulls(schema: &[Column], skip: &[usize]) -> Row {
    schema
        .iter()
        .enumerate()
        .filter(|(i, _)| !skip.contains(i))
        .map(|(_, c)| Value::null_of(c.ty))
        .collect()
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn join(
    left: &[&Row],
    right: &[&Row],
    left_schema: &[Column],
    right_schema: &[Column],
    kind: JoinKind,
    left_keys: &[usize],
    right_keys: &[usize],
    right_drop: &[usize],
) -> Vec<Row> {
    let mut table: FxHashMap<Vec<Value>, Vec<usize>> = FxHashMap::default();
    for (i, row) in right.iter().enumerate() {
        if let Some(k) = key(row, right_keys) {
            table.entry(k).or_default().push(i);
        }
    }
    let combine = |l: &Row, r: &Row| -> Row {
        let mut out = Vec::with_capacity(l.len() + r.len());
        out.extend(l.iter().cloned());
        out.extend(
            r.iter()
                .enumerate()
                .filter(|(i, _)| !right_drop.contains(i))
                .map(|(_, v)| v.clone()),
        );
        out
    };
    let right_nulls = nulls(right_schema, right_drop);
    let left_nulls = nulls(left_schema, &[]);
    let mut out = Vec::new();
    let mut right_matched = vec![false; right.len()];
    // innerunique keeps one left row per key (the first) before matching.
    let mut seen_left: FxHashSet<Vec<Value>> = FxHashSet::default();
    for l in left {
        let k = key(l, left_keys);
        let matches: &[usize] = k
            .as_ref()
            .and_then(|k| table.get(k))
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        match kind {
            JoinKind::InnerUnique => {
                if let Some(k) = k {
                    if !matches.is_empty() && seen_left.insert(k) {
                        out.extend(matches.iter().map(|&r| combine(l, right[r])));
                    }
                }
            }
            JoinKind::Inner => out.extend(matches.iter().map(|&r| combine(l, right[r]))),
            JoinKind::LeftOuter | JoinKind::FullOuter | JoinKind::RightOuter => {
                for &r in matches {
                    right_matched[r] = true;
                    out.push(combine(l, right[r]));
                }
                if matches.is_empty() && kind != JoinKind::RightOuter {
                    let mut row = (*l).clone();
                    row.extend(right_nulls.iter().cloned());
                    out.push(row);
                }
            }
            JoinKind::LeftSemi => {
                if !matches.is_empty() {
                    out.push((*l).clone());
                }
            }
            JoinKind::LeftAnti => {
                if matches.is_empty() {
                    out.push((*l).clone());
                }
            }
            JoinKind::RightSemi | JoinKind::RightAnti => {
                for &r in matches {
                    right_matched[r] = true;
                }
            }
        }
    }
    match kind {
        JoinKind::RightOuter | JoinKind::FullOuter => {
            for (r, row) in right.iter().enumerate() {
                if !right_matched[r] {
                    out.push(combine(&left_nulls, row));
                }
            }
        }
        JoinKind::RightSemi | JoinKind::RightAnti => {
            let want = kind == JoinKind::RightSemi;
            out.extend(
                right
                    .iter()
                    .enumerate()
                    .filter(|(r, _)| right_matched[*r] == want)
                    .map(|(_, row)| (*row).clone()),
            );
        }
        _ => {}
    }
    out
}
