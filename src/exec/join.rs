//! Hash joins for `join` and `lookup`: the smaller side is hashed on its keys, the other
//! probes it. A null key never matches (an empty string does). Either way the rows come
//! out in the same order: left rows in order, each with its matches in right order.

use crate::hash::{FxHashMap, FxHashSet};
use crate::limits::Meter;
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

/// Which side a join hashes.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Build {
    /// The smaller one, where the kind allows.
    Smaller,
    /// The left side (tests compare it with the right).
    #[cfg_attr(not(test), allow(dead_code))]
    Left,
    /// The right side.
    #[cfg_attr(not(test), allow(dead_code))]
    Right,
}

/// The matches (right row indexes, in right order) of every left row.
enum Matches {
    /// The right side hashed: a left row looks its key up.
    ByKey(FxHashMap<Vec<Value>, Vec<usize>>),
    /// The left side hashed and the right side run through it: each left row's list.
    ByRow(Vec<Vec<usize>>),
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn join(
    build: Build,
    left: &[&Row],
    right: &[&Row],
    left_schema: &[Column],
    right_schema: &[Column],
    kind: JoinKind,
    left_keys: &[usize],
    right_keys: &[usize],
    right_drop: &[usize],
    meter: &mut Meter,
) -> Vec<Row> {
    // Hashing the left side pays when it is the smaller one (a few suspicious users
    // against a month of sign-ins); the kinds that keep unmatched right rows need the
    // right side's bookkeeping and always hash it.
    let left_kind = matches!(
        kind,
        JoinKind::Inner
            | JoinKind::InnerUnique
            | JoinKind::LeftOuter
            | JoinKind::LeftSemi
            | JoinKind::LeftAnti
    );
    let build_left = left_kind
        && match build {
            Build::Smaller => left.len() < right.len(),
            Build::Left => true,
            Build::Right => false,
        };
    let index = |rows: &[&Row], keys: &[usize]| {
        let mut table: FxHashMap<Vec<Value>, Vec<usize>> = FxHashMap::default();
        for (i, row) in rows.iter().enumerate() {
            if let Some(k) = key(row, keys) {
                table.entry(k).or_default().push(i);
            }
        }
        table
    };
    let found = if build_left {
        let table = index(left, left_keys);
        let mut per_left = vec![Vec::new(); left.len()];
        for (r, row) in right.iter().enumerate() {
            if let Some(ls) = key(row, right_keys).and_then(|k| table.get(&k)) {
                for &l in ls {
                    per_left[l].push(r);
                }
                // The match lists of an exploding join: stop before they are made.
                if !meter.add(8 * ls.len() as u64) {
                    return Vec::new();
                }
            }
        }
        Matches::ByRow(per_left)
    } else {
        Matches::ByKey(index(right, right_keys))
    };
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
    let mut out: Vec<Row> = Vec::new();
    let mut right_matched = vec![false; right.len()];
    // innerunique keeps one left row per key (the first) before matching.
    let mut seen_left: FxHashSet<Vec<Value>> = FxHashSet::default();
    // Rows made so far that are charged: the rows of each left row are charged before
    // the next is joined, so an exploding join stops within one row's matches of the
    // budget (the caller reports it).
    let mut charged = 0;
    for (li, l) in left.iter().enumerate() {
        if !out[charged..]
            .iter()
            .all(|r| meter.add(crate::limits::row_bytes(r)))
        {
            return Vec::new();
        }
        charged = out.len();
        let k = key(l, left_keys);
        let matches: &[usize] = match &found {
            Matches::ByKey(table) => k.as_ref().and_then(|k| table.get(k)).map(Vec::as_slice),
            Matches::ByRow(per_left) => per_left.get(li).map(Vec::as_slice),
        }
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
    for r in &out[charged..] {
        meter.add(crate::limits::row_bytes(r));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Type;

    /// Hashing either side gives the same rows in the same order, for every kind that
    /// may hash the left side, on keys with repeats, nulls and no matches.
    #[test]
    fn either_side_hashed_gives_the_same_rows() {
        let mut x: u64 = 0x853c_49e6_748f_ea9b;
        let mut next = move || crate::io::bytes::xorshift(&mut x);
        let col = |n: &str, ty| Column { name: n.into(), ty };
        let schema = [col("k", Type::Long), col("v", Type::Long)];
        for round in 0..200 {
            let mut rows = |n: u64| -> Vec<Row> {
                (0..n)
                    .map(|i| {
                        let k = next() % 6;
                        let key = if k == 5 {
                            Value::Null
                        } else {
                            Value::Long(k as i64)
                        };
                        vec![key, Value::Long(i as i64)]
                    })
                    .collect()
            };
            let (l, r) = (rows(round % 7), rows(round % 11));
            let (l, r): (Vec<&Row>, Vec<&Row>) = (l.iter().collect(), r.iter().collect());
            for kind in [
                JoinKind::Inner,
                JoinKind::InnerUnique,
                JoinKind::LeftOuter,
                JoinKind::LeftSemi,
                JoinKind::LeftAnti,
            ] {
                let budget = crate::limits::Budget::default();
                let run = |build| {
                    let mut meter = Meter::new(&budget, "join");
                    join(
                        build,
                        &l,
                        &r,
                        &schema,
                        &schema,
                        kind,
                        &[0],
                        &[0],
                        &[0],
                        &mut meter,
                    )
                };
                assert_eq!(run(Build::Left), run(Build::Right), "{kind:?} {l:?} {r:?}");
            }
        }
    }
}
