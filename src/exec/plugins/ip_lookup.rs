//! `ipv4_lookup` / `ipv6_lookup`: each input row joined with the lookup row whose
//! network (IP-prefix notation) holds the row's address, the most specific network
//! when several do; extra key columns must be equal too. Unmatched rows are dropped,
//! or kept with empty lookup columns (`return_unmatched`).

use crate::error::Result;
use crate::functions::net::{parse_ipv4, parse_ipv6};
use crate::functions::EvalCtx;
use crate::hash::FxHashMap;
use crate::plan::RowsOp;
use crate::table::{Row, Table};
use crate::types::Type;
use crate::value::Value;
use std::sync::Arc;

pub(crate) struct IpLookup {
    pub v6: bool,
    /// The input column holding addresses.
    pub source: usize,
    /// Pairs of (input column, lookup column) that must also be equal.
    pub extra: Vec<(usize, usize)>,
    pub table: Arc<Table>,
    /// The lookup column holding networks.
    pub network: usize,
    /// Lookup columns in the output, in order.
    pub lookup_columns: Vec<usize>,
    /// Types of those columns (for the empty values of an unmatched row).
    pub lookup_types: Vec<Type>,
    pub unmatched: bool,
    /// ipv6_lookup puts the lookup columns first (its docs page).
    pub lookup_first: bool,
}

/// An address or network as (value, prefix length), IPv4 widened to 128 bits.
fn address(v6: bool, v: &Value) -> Option<(u128, u32)> {
    let s = v.as_str()?;
    if v6 {
        parse_ipv6(s)
    } else {
        parse_ipv4(s).map(|(ip, p)| (ip as u128, p))
    }
}

fn masked(ip: u128, len: u32, bits: u32) -> u128 {
    if len == 0 {
        0
    } else {
        let shift = bits - len;
        (ip >> shift) << shift
    }
}

impl RowsOp for IpLookup {
    fn run(&self, rows: &[&Row], _: &EvalCtx) -> Result<Vec<Row>> {
        let bits = if self.v6 { 128 } else { 32 };
        let mut index: FxHashMap<(u32, u128, Vec<Value>), usize> = FxHashMap::default();
        let mut lengths: Vec<u32> = Vec::new();
        for (i, r) in self.table.rows.iter().enumerate() {
            let Some((ip, len)) = address(self.v6, &r[self.network]) else {
                continue;
            };
            let extra: Vec<Value> = self.extra.iter().map(|(_, l)| r[*l].clone()).collect();
            index
                .entry((len, masked(ip, len, bits), extra))
                .or_insert(i);
            if !lengths.contains(&len) {
                lengths.push(len);
            }
        }
        lengths.sort_unstable_by(|a, b| b.cmp(a));
        let empty: Vec<Value> = self
            .lookup_types
            .iter()
            .map(|t| Value::null_of(*t))
            .collect();
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let found = address(self.v6, &row[self.source]).and_then(|(ip, len)| {
                let extra: Vec<Value> = self.extra.iter().map(|(s, _)| row[*s].clone()).collect();
                lengths
                    .iter()
                    .filter(|l| **l <= len)
                    .find_map(|l| index.get(&(*l, masked(ip, *l, bits), extra.clone())))
            });
            let looked: Vec<Value> = match found {
                Some(&i) => self
                    .lookup_columns
                    .iter()
                    .map(|&c| self.table.rows[i][c].clone())
                    .collect(),
                None if self.unmatched => empty.clone(),
                None => continue,
            };
            let mut r: Row = Vec::with_capacity(row.len() + looked.len());
            if self.lookup_first {
                r.extend(looked);
                r.extend(row.iter().cloned());
            } else {
                r.extend(row.iter().cloned());
                r.extend(looked);
            }
            out.push(r);
        }
        Ok(out)
    }
}
