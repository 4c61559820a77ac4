//! Kusto's query limits, in one place: the memory a query may hold
//! (`max_memory_consumption_per_query_per_node`, `--max-memory`) and how much of a result
//! reaches the caller (result truncation: `notruncation`, `truncationmaxrecords`,
//! `truncationmaxsize`). See Kusto's "Query limits" (concepts/query-limits.md).
//!
//! Memory is accounted, not measured: the operators that hold rows (join build sides
//! and outputs, summarize groups, sort buffers, union, mv-expand and every collected
//! result, the `let`/`materialize` caches) charge a [`Budget`] shared by the whole run
//! with an estimate of each row's size ([`row_bytes`]), in batches ([`Meter`]) so that
//! the hot loops pay one addition per row. Past the budget the query stops with
//! Kusto's low-memory error naming the operator and the figures, instead of the
//! process dying when an allocation fails. Streaming operators (`where`, `extend`,
//! `count`, `take`, a `summarize` with few groups) hold nothing and charge nothing.

use crate::ast::{ExprKind, Literal, Query, StatementKind};
use crate::error::{Error, ErrorKind, Result};
use crate::value::Value;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

/// Kusto's default result truncation (query-limits.md): 500,000 records...
pub const TRUNCATION_MAX_RECORDS: u64 = 500_000;
/// ... or 64 MB of data, whichever comes first.
pub const TRUNCATION_MAX_SIZE: u64 = 64 * 1024 * 1024;

/// The budget when the machine's memory is not known (no `/proc/meminfo`).
const FALLBACK_BUDGET: u64 = 4 << 30;
/// The default budget is at most this (a share of a big server would let one query
/// take tens of gigabytes before it is stopped).
const MAX_DEFAULT_BUDGET: u64 = 32 << 30;

/// The default memory budget of a query: half of the machine's memory (MemTotal),
/// at most 32 GiB; 4 GiB when it cannot be read.
pub fn default_max_memory() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("MemTotal:"))?;
            let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(kb * 1024 / 2)
        })
        .map_or(FALLBACK_BUDGET, |b| b.min(MAX_DEFAULT_BUDGET))
}

/// The budget set for this process (`--max-memory`), 0 when none is.
static MAX_MEMORY: AtomicU64 = AtomicU64::new(0);

/// Sets the memory budget of every query this process runs from now on (the CLI's
/// `--max-memory`; a query's `set max_memory_consumption_per_query_per_node` can only
/// lower it).
pub fn set_max_memory(bytes: u64) {
    MAX_MEMORY.store(bytes, Ordering::Relaxed);
}

/// The memory budget of a query: [`set_max_memory`]'s, else [`default_max_memory`].
pub fn max_memory() -> u64 {
    match MAX_MEMORY.load(Ordering::Relaxed) {
        0 => default_max_memory(),
        n => n,
    }
}

/// A size as people write it: `2GB`, `512MB`, `1.5G`, `100k`, `1073741824`. Units are
/// binary (`1KB` is 1024 bytes), as Kusto's memory figures are.
pub fn parse_size(s: &str) -> std::result::Result<u64, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a size (such as 2GB, 512MB or 1073741824)"))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        "t" | "tb" | "tib" => 1 << 40,
        _ => {
            return Err(format!(
                "`{s}`: unknown unit `{unit}` (use B, KB, MB, GB or TB)"
            ))
        }
    };
    let bytes = n * mult as f64;
    if !bytes.is_finite() || bytes < 1.0 || bytes >= u64::MAX as f64 {
        return Err(format!("`{s}` is not a usable size"));
    }
    Ok(bytes as u64)
}

/// A byte count for messages: `2.0 GB`, `512.0 MB`, `900 bytes`.
pub fn human(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if bytes < 1024 {
        return format!("{bytes} bytes");
    }
    let mut x = bytes as f64 / 1024.0;
    let mut u = 0;
    while x >= 1024.0 && u + 1 < UNITS.len() {
        x /= 1024.0;
        u += 1;
    }
    format!("{x:.1} {}", UNITS[u])
}

/// The memory a run of a query may hold, charged by the operators that hold rows and
/// shared by every thread of the run.
#[derive(Debug)]
pub struct Budget {
    limit: u64,
    used: AtomicU64,
    over: AtomicBool,
    /// The operator that went past the limit first, and what was held then.
    first: Mutex<Option<(&'static str, u64)>>,
}

impl Budget {
    pub fn new(limit: u64) -> Self {
        Budget {
            limit,
            used: AtomicU64::new(0),
            over: AtomicBool::new(false),
            first: Mutex::new(None),
        }
    }

    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// Adds `bytes` held by `op`; false once the budget is spent (by this charge or an
    /// earlier one): the caller stops making rows, and the run ends with [`Budget::check`]'s
    /// error.
    pub fn charge(&self, bytes: u64, op: &'static str) -> bool {
        let now = self.used.fetch_add(bytes, Ordering::Relaxed) + bytes;
        if now > self.limit {
            if !self.over.swap(true, Ordering::SeqCst) {
                *self.first.lock().unwrap_or_else(|e| e.into_inner()) = Some((op, now));
            }
            return false;
        }
        !self.over.load(Ordering::Relaxed)
    }

    /// Gives back `bytes` charged for memory that is freed (a chunk's buffer once it
    /// has been aggregated).
    pub fn release(&self, bytes: u64) {
        let _ = self
            .used
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |u| {
                Some(u.saturating_sub(bytes))
            });
    }

    /// Whether the budget is spent (scans stop as soon as they see it).
    pub fn over(&self) -> bool {
        self.over.load(Ordering::Relaxed)
    }

    /// The low-memory error once the budget is spent, modelled on Kusto's partial query
    /// failure `Low memory condition (E_LOW_MEMORY_CONDITION)` and its runaway-query
    /// messages ("The HashJoin operator has exceeded the memory budget ...").
    pub fn check(&self) -> Result<()> {
        if !self.over() {
            return Ok(());
        }
        let (op, held) = self
            .first
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .unwrap_or(("the query", self.limit));
        let who = if op.starts_with("the ") {
            format!("the rows of {op}")
        } else {
            format!("the rows `{op}` holds")
        };
        Err(Error::new(
            ErrorKind::Runtime,
            format!(
                "low memory condition (E_LOW_MEMORY_CONDITION): {who} exceeded the query's memory budget of {} ({} held so far); raise it with `--max-memory SIZE` or `set max_memory_consumption_per_query_per_node=BYTES;`, or make the query hold fewer rows",
                human(self.limit),
                human(held),
            ),
        ))
    }
}

impl Default for Budget {
    fn default() -> Self {
        Budget::new(u64::MAX)
    }
}

/// Charges of one thread's part of an operator, gathered into batches so that a row
/// costs one addition and the shared counter is touched once per batch.
pub struct Meter<'a> {
    budget: &'a Budget,
    op: &'static str,
    pending: u64,
}

/// Bytes a [`Meter`] gathers before charging them: with a few threads, the budget is
/// overrun by at most a few of these.
const BATCH: u64 = 1 << 20;

impl<'a> Meter<'a> {
    pub fn new(budget: &'a Budget, op: &'static str) -> Self {
        Meter {
            budget,
            op,
            pending: 0,
        }
    }

    /// Adds `bytes`; false when the budget is spent.
    #[inline]
    pub fn add(&mut self, bytes: u64) -> bool {
        self.pending += bytes;
        if self.pending < BATCH {
            return true;
        }
        self.flush()
    }

    /// Charges what is gathered; false when the budget is spent.
    pub fn flush(&mut self) -> bool {
        let n = std::mem::take(&mut self.pending);
        self.budget.charge(n, self.op)
    }
}

/// What one value holds on the heap beyond its own slot, shared values divided among
/// their holders (a string every row shares costs next to nothing; a string per row
/// costs its length). What a shared array or bag holds inside is not walked: walking
/// it again for every row that shares it made a mv-expand of a million-element series
/// beside that series (a million rows sharing it) count a million values per row, for
/// hours. The price: the inside of a value shared from the start (a constant, one
/// `toscalar` result on every row) is charged to no one, an under-count of the budget
/// bounded by the values the query itself made.
#[inline]
fn heap_bytes(v: &Value) -> u64 {
    use std::sync::Arc;
    match v {
        Value::String(s) if !s.is_empty() => (s.len() as u64 + 16) / Arc::strong_count(s) as u64,
        Value::Array(a) => {
            let holders = Arc::strong_count(a) as u64;
            let inside = if holders == 1 {
                a.iter().map(heap_bytes).sum::<u64>()
            } else {
                0
            };
            (a.len() as u64 * VALUE_BYTES + 40 + inside) / holders
        }
        Value::Bag(b) => {
            let holders = Arc::strong_count(b) as u64;
            let inside = if holders == 1 {
                b.values().map(heap_bytes).sum::<u64>()
            } else {
                0
            };
            // A bag entry: its key, its value and the index's slot.
            (b.len() as u64 * (VALUE_BYTES + 32) + 64 + inside) / holders
        }
        _ => 0,
    }
}

const VALUE_BYTES: u64 = std::mem::size_of::<Value>() as u64;

/// The approximate size of a row held in memory: its vector and the allocator's
/// header, its values and what they hold on the heap.
#[inline]
pub fn row_bytes(row: &[Value]) -> u64 {
    24 + 16 + row.len() as u64 * VALUE_BYTES + row.iter().map(heap_bytes).sum::<u64>()
}

/// The approximate size of a row as a client receives it, for the result's data size
/// limit: every value whole, shared or not (a result of a million rows that share one
/// big series sends the series a million times).
pub fn result_bytes(row: &[Value]) -> u64 {
    fn whole(v: &Value) -> u64 {
        match v {
            Value::String(s) if !s.is_empty() => s.len() as u64 + 16,
            Value::Array(a) => a.len() as u64 * VALUE_BYTES + 40 + a.iter().map(whole).sum::<u64>(),
            Value::Bag(b) => {
                b.len() as u64 * (VALUE_BYTES + 32) + 64 + b.values().map(whole).sum::<u64>()
            }
            _ => 0,
        }
    }
    24 + 16 + row.len() as u64 * VALUE_BYTES + row.iter().map(whole).sum::<u64>()
}

/// The approximate size of values held by an operator (a group's key, a sort key).
#[inline]
pub fn values_bytes(values: &[Value]) -> u64 {
    values.len() as u64 * VALUE_BYTES + values.iter().map(heap_bytes).sum::<u64>()
}

/// How much of each result reaches the caller: at most `max_records` rows and
/// `max_size` bytes of them (`None`: `set notruncation`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Truncation {
    pub max_records: u64,
    pub max_size: u64,
}

impl Default for Truncation {
    fn default() -> Self {
        Truncation {
            max_records: TRUNCATION_MAX_RECORDS,
            max_size: TRUNCATION_MAX_SIZE,
        }
    }
}

/// The limits a query runs under: the caller's (`--max-memory`, the default
/// truncation) and the query's own `set` statements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub max_memory: u64,
    /// `None`: results are not truncated.
    pub truncation: Option<Truncation>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_memory: default_max_memory(),
            truncation: Some(Truncation::default()),
        }
    }
}

impl Limits {
    /// These limits as the query's `set` statements change them, with Kusto's rules
    /// (query-limits.md): a property set several times (or by the caller and the
    /// query) takes the lower value; `notruncation` is ignored when
    /// `truncationmaxrecords` or `truncationmaxsize` is also set. An option that is not
    /// a positive integer is an error at its value.
    pub fn with_sets(self, query: &Query) -> Result<Limits> {
        let mut out = self;
        let mut notruncation = false;
        let mut records: Option<u64> = None;
        let mut size: Option<u64> = None;
        for st in &query.statements {
            let StatementKind::Set { name, value } = &st.kind else {
                continue;
            };
            let n = name.name.to_ascii_lowercase();
            let number = || -> Result<u64> {
                let Some(v) = value else {
                    return Err(Error::semantic(
                        format!("`{}` takes a value: `set {}=N;`", name.name, name.name),
                        name.span,
                    ));
                };
                match &v.kind {
                    ExprKind::Literal(Literal::Long(n)) if *n > 0 => Ok(*n as u64),
                    ExprKind::Literal(Literal::Int(n)) if *n > 0 => Ok(*n as u64),
                    _ => Err(Error::semantic(
                        format!("`{}` takes a positive integer", name.name),
                        v.span,
                    )),
                }
            };
            match n.as_str() {
                "max_memory_consumption_per_query_per_node" => {
                    out.max_memory = out.max_memory.min(number()?)
                }
                "truncationmaxrecords" => {
                    let v = number()?;
                    records = Some(records.map_or(v, |r| r.min(v)));
                }
                "truncationmaxsize" => {
                    let v = number()?;
                    size = Some(size.map_or(v, |s| s.min(v)));
                }
                // `set notruncation;` or `set notruncation=true;`
                "notruncation" => {
                    notruncation = !matches!(
                        value.as_ref().map(|v| &v.kind),
                        Some(ExprKind::Literal(Literal::Bool(false)))
                    )
                }
                _ => {}
            }
        }
        if records.is_some() || size.is_some() {
            let base = out.truncation.unwrap_or_default();
            out.truncation = Some(Truncation {
                max_records: records.map_or(base.max_records, |r| r.min(base.max_records)),
                max_size: size.map_or(base.max_size, |s| s.min(base.max_size)),
            });
        } else if notruncation {
            out.truncation = None;
        }
        Ok(out)
    }
}

/// How a result was cut: which limit, and the rows kept of how many.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Truncated {
    /// Cut at the record count limit (else at the data size limit).
    pub by_records: bool,
    pub limit: u64,
    pub kept: usize,
    pub total: usize,
}

impl Truncated {
    /// Kusto's message for the partial query failure, with what kql kept.
    pub fn message(&self) -> String {
        let (what, code) = if self.by_records {
            ("record count", self.limit)
        } else {
            ("data size", self.limit)
        };
        format!(
            "Query result set has exceeded the internal {what} limit {code} (E_QUERY_RESULT_SET_TOO_LARGE): the first {} of {} records are shown; `set notruncation;` or `set truncationmaxrecords=N;` / `set truncationmaxsize=N;` before the query change the limit",
            self.kept, self.total
        )
    }
}

/// Cuts `rows` to `t`'s limits, in order: the rows before the one that would pass the
/// record count or the data size (estimated by [`result_bytes`]).
pub fn truncate(rows: &mut Vec<crate::table::Row>, t: &Truncation) -> Option<Truncated> {
    let total = rows.len();
    let mut size = 0u64;
    let mut cut: Option<(usize, bool, u64)> = None;
    for (i, r) in rows.iter().enumerate() {
        if i as u64 >= t.max_records {
            cut = Some((i, true, t.max_records));
            break;
        }
        size += result_bytes(r);
        if size > t.max_size {
            cut = Some((i, false, t.max_size));
            break;
        }
    }
    let (kept, by_records, limit) = cut?;
    rows.truncate(kept);
    Some(Truncated {
        by_records,
        limit,
        kept,
        total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_binary_units() {
        let cases: &[(&str, Option<u64>)] = &[
            ("2GB", Some(2 << 30)),
            ("2gb", Some(2 << 30)),
            ("512MB", Some(512 << 20)),
            ("1.5G", Some(3 << 29)),
            ("100k", Some(100 << 10)),
            ("1073741824", Some(1 << 30)),
            ("2 GB", Some(2 << 30)),
            ("", None),
            ("GB", None),
            ("2XB", None),
            ("0", None),
            ("-1GB", None),
        ];
        for (s, want) in cases {
            assert_eq!(parse_size(s).ok(), *want, "{s}");
        }
    }

    #[test]
    fn a_budget_stops_at_its_limit_and_names_the_first_operator() {
        let b = Budget::new(1000);
        assert!(b.charge(600, "join"));
        assert!(b.check().is_ok());
        assert!(!b.charge(600, "sort"));
        assert!(!b.charge(1, "union"));
        let e = b.check().unwrap_err().message;
        assert!(e.contains("E_LOW_MEMORY_CONDITION"), "{e}");
        assert!(e.contains("the rows `sort` holds exceeded"), "{e}");
        assert!(e.contains("1000 bytes") && e.contains("1.2 KB"), "{e}");
    }

    #[test]
    fn a_meter_charges_in_batches() {
        let b = Budget::new(3 * BATCH);
        let mut m = Meter::new(&b, "result");
        for _ in 0..2 * BATCH / 1024 {
            assert!(m.add(1024));
        }
        assert!(b.check().is_ok());
        let mut ok = true;
        for _ in 0..2 * BATCH / 1024 {
            ok &= m.add(1024);
        }
        assert!(!ok && b.over());
    }

    #[test]
    fn shared_strings_cost_their_share() {
        let s = Value::str(&"x".repeat(1000));
        let alone = row_bytes(std::slice::from_ref(&s));
        let copies: Vec<Value> = (0..9).map(|_| s.clone()).collect();
        let shared = row_bytes(std::slice::from_ref(&s));
        assert!(alone > 1000 && shared < 200, "{alone} {shared}");
        drop(copies);
    }

    /// The data size limit counts what every row sends, shared or not; the memory
    /// budget, what is held (a shared array once, its inside not walked again).
    #[test]
    fn a_result_sharing_a_big_array_is_cut_by_its_size() {
        let big = Value::array((0..100_000).map(Value::Long).collect());
        let mut rows: Vec<crate::table::Row> = (0..1000)
            .map(|i| vec![Value::Long(i), big.clone()])
            .collect();
        let whole = result_bytes(&rows[0]);
        assert!(whole > 100_000 * VALUE_BYTES, "{whole}");
        assert!(row_bytes(&rows[0]) < 100_000 * VALUE_BYTES / 100);
        let t = Truncation {
            max_records: 500_000,
            max_size: 64 << 20,
        };
        let cut = truncate(&mut rows, &t).unwrap();
        assert_eq!(cut.kept as u64, (64 << 20) / whole);
        assert!(!cut.by_records);
    }

    fn limits_of(q: &str) -> Result<Limits> {
        let base = Limits {
            max_memory: 1 << 30,
            truncation: Some(Truncation::default()),
        };
        base.with_sets(&crate::syntax::parse(q).unwrap())
    }

    #[test]
    fn set_statements_change_the_limits_as_kusto_says() {
        let t = |r, s| {
            Some(Truncation {
                max_records: r,
                max_size: s,
            })
        };
        let d = TRUNCATION_MAX_SIZE;
        let cases: &[(&str, u64, Option<Truncation>)] = &[
            ("print 1", 1 << 30, t(500_000, d)),
            ("set notruncation; print 1", 1 << 30, None),
            ("set notruncation=false; print 1", 1 << 30, t(500_000, d)),
            (
                "set truncationmaxrecords=1105; print 1",
                1 << 30,
                t(1105, d),
            ),
            (
                "set truncationmaxsize=1048576; set truncationmaxrecords=1105; print 1",
                1 << 30,
                t(1105, 1 << 20),
            ),
            // Several times: the lower value.
            (
                "set truncationmaxrecords=10; set truncationmaxrecords=20; print 1",
                1 << 30,
                t(10, d),
            ),
            // notruncation is ignored when a maximum is set too.
            (
                "set notruncation; set truncationmaxrecords=7; print 1",
                1 << 30,
                t(7, d),
            ),
            (
                "set max_memory_consumption_per_query_per_node=1000; print 1",
                1000,
                t(500_000, d),
            ),
            // The caller's budget is lower: it stays.
            (
                "set max_memory_consumption_per_query_per_node=68719476736; print 1",
                1 << 30,
                t(500_000, d),
            ),
        ];
        for (q, mem, trunc) in cases {
            let l = limits_of(q).unwrap();
            assert_eq!((l.max_memory, l.truncation), (*mem, *trunc), "{q}");
        }
        for q in [
            "set truncationmaxrecords='x'; print 1",
            "set truncationmaxrecords=0; print 1",
            "set max_memory_consumption_per_query_per_node; print 1",
        ] {
            assert!(limits_of(q).is_err(), "{q}");
        }
    }

    #[test]
    fn truncation_cuts_at_the_first_limit_reached() {
        let rows = |n: usize| -> Vec<crate::table::Row> {
            (0..n).map(|i| vec![Value::Long(i as i64)]).collect()
        };
        let mut r = rows(10);
        let t = Truncation {
            max_records: 4,
            max_size: 1 << 20,
        };
        let cut = truncate(&mut r, &t).unwrap();
        assert_eq!(
            (r.len(), cut.by_records, cut.kept, cut.total),
            (4, true, 4, 10)
        );
        let per_row = result_bytes(&[Value::Long(0)]);
        let mut r = rows(10);
        let t = Truncation {
            max_records: 100,
            max_size: per_row * 3,
        };
        let cut = truncate(&mut r, &t).unwrap();
        assert_eq!((r.len(), cut.by_records), (3, false));
        assert!(cut.message().contains("data size limit"));
        let mut r = rows(4);
        assert!(truncate(&mut r, &t.clone()).is_some());
        let mut r = rows(3);
        assert!(truncate(&mut r, &t).is_none());
        assert_eq!(r.len(), 3);
    }

    #[test]
    fn a_session_truncates_only_when_asked_and_stops_at_its_budget() {
        use crate::session::Session;
        let catalog = crate::table::Catalog::new();
        let q = crate::syntax::parse("set truncationmaxrecords=3;\nrange i from 1 to 10 step 1")
            .unwrap();
        let (t, cuts) = Session::new(&catalog, 0).run_results(&q).unwrap();
        assert_eq!((t[0].rows.len(), cuts[0].is_none()), (10, true));
        let (t, cuts) = Session::new(&catalog, 0)
            .with_truncation()
            .run_results(&q)
            .unwrap();
        let cut = cuts[0].as_ref().unwrap();
        assert_eq!((t[0].rows.len(), cut.kept, cut.total), (3, 3, 10));
        let q = crate::syntax::parse("range i from 1 to 100000 step 1 | extend s = strcat('a', i)")
            .unwrap();
        let e = Session::new(&catalog, 0)
            .with_max_memory(1 << 20)
            .run_results(&q)
            .unwrap_err();
        assert!(
            e.message.contains("E_LOW_MEMORY_CONDITION"),
            "{}",
            e.message
        );
        assert!(Session::new(&catalog, 0)
            .with_max_memory(1 << 30)
            .run_results(&q)
            .is_ok());
    }
}
