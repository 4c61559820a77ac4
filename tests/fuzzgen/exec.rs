//! Generated queries over small generated tables, and invariants that hold whatever a
//! query computes:
//! - `S | count` is the number of rows of `S`;
//! - `S | where p`, `S | where not(p)` and `S | where isnull(p)` partition `S` (for a
//!   bool `p`), and `where p` keeps as many rows as `extend _p = p` has true values;
//! - `S | sort by c` is a permutation of `S`;
//! - `S | summarize n = count() by k` adds up to the rows of `S`, in at most as many groups;
//! - `S | take n` has `min(n, rows)` rows; `union S, S` twice the rows;
//! - `S` run again gives the same answer;
//! - the same query over the table streamed from a JSON lines file (pushed-down filters,
//!   pruned columns, the fused scan) gives exactly the in-memory answer.
//!
//! `S` is a pipeline grown one operator at a time over table `T`, each operator made
//! for the columns the previous step really returned (so most steps bind); errors are
//! fine, panics are not.

use super::{now, row_multiset, table_text, Rng};
use kql::io::Schema;
use kql::{Catalog, Column, Table, Type};
use std::fmt::Write as _;
use std::path::PathBuf;

/// What one case did.
#[derive(Default, Debug, Clone, Copy)]
pub struct Stats {
    /// Queries run.
    pub queries: u64,
    /// Of which failed with an error (a clean one).
    pub errors: u64,
    /// Invariants checked.
    pub checks: u64,
}

impl std::ops::AddAssign for Stats {
    fn add_assign(&mut self, o: Stats) {
        self.queries += o.queries;
        self.errors += o.errors;
        self.checks += o.checks;
    }
}

/// The kinds of value a generated column holds.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Kind {
    Bool,
    Long,
    Real,
    Str,
    Date,
    Span,
    Guid,
    Dyn,
    Mixed,
}

const KINDS: &[Kind] = &[
    Kind::Bool,
    Kind::Long,
    Kind::Real,
    Kind::Str,
    Kind::Date,
    Kind::Span,
    Kind::Guid,
    Kind::Dyn,
    Kind::Mixed,
];

const LONGS: &[&str] = &[
    "0",
    "1",
    "-1",
    "2",
    "3",
    "7",
    "42",
    "-100",
    "1000000",
    "9223372036854775807",
    "-9223372036854775808",
    "2147483648",
];
const REALS: &[&str] = &[
    "0.5", "-1.25", "1e300", "-0.0", "3.0", "1e-300", "2.5", "-7.75",
];
const STRS: &[&str] = &[
    "\"\"",
    "\"a\"",
    "\"abc\"",
    "\"A b\"",
    "\"x y z\"",
    "\"\\u00e9\"",
    "\"1\"",
    "\"2026-05-18\"",
    "\"true\"",
    "\"null\"",
    "\"h\u{e9}llo w\u{f6}rld\"",
    "\"a,b\"",
    "\"a\\\"b\"",
    "\"[1,2]\"",
    "\"{\\\"k\\\":1}\"",
    "\"ABC abc\"",
];
const DATES: &[&str] = &[
    "\"2026-05-18T12:00:00Z\"",
    "\"2026-05-17T00:00:00.5Z\"",
    "\"1970-01-01T00:00:00Z\"",
    "\"2026-05-18\"",
    "\"0001-01-01T00:00:00Z\"",
    "\"9999-12-31T23:59:59.9999999Z\"",
    "\"2026-05-18T11:59:59.1234567Z\"",
];
const SPANS: &[&str] = &[
    "\"00:00:01\"",
    "\"1.02:03:04\"",
    "\"-00:30:00\"",
    "\"10675199.02:48:05.4775807\"",
    "\"00:00:00\"",
    "\"3.00:00:00\"",
];
const GUIDS: &[&str] = &[
    "\"00000000-0000-0000-0000-000000000000\"",
    "\"3b4a2e8e-1a31-4d3e-9a53-0c62d5ff0b11\"",
    "\"FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF\"",
];
const DYNS: &[&str] = &[
    "[1,2]",
    "{\"k\":1,\"s\":\"x\"}",
    "[]",
    "{}",
    "[[1],[2,3]]",
    "{\"a\":{\"b\":null}}",
    "[\"a\",null,1.5]",
    "{\"k\":\"abc\"}",
];

fn value_of(rng: &mut Rng, kind: Kind) -> String {
    let k = if kind == Kind::Mixed {
        *rng.pick(&KINDS[..KINDS.len() - 1])
    } else {
        kind
    };
    match k {
        Kind::Bool => rng.pick(&["true", "false"]).to_string(),
        Kind::Long => rng.pick(LONGS).to_string(),
        Kind::Real => rng.pick(REALS).to_string(),
        Kind::Str => rng.pick(STRS).to_string(),
        Kind::Date => rng.pick(DATES).to_string(),
        Kind::Span => rng.pick(SPANS).to_string(),
        Kind::Guid => rng.pick(GUIDS).to_string(),
        Kind::Dyn | Kind::Mixed => rng.pick(DYNS).to_string(),
    }
}

/// The type a schema gives a column of `kind`.
fn schema_type(rng: &mut Rng, kind: Kind) -> Type {
    match kind {
        Kind::Bool => Type::Bool,
        Kind::Long => *rng.pick(&[Type::Long, Type::Int, Type::Real, Type::Decimal]),
        Kind::Real => *rng.pick(&[Type::Real, Type::Decimal, Type::Long]),
        Kind::Str => *rng.pick(&[Type::String, Type::Dynamic]),
        Kind::Date => Type::DateTime,
        Kind::Span => Type::TimeSpan,
        Kind::Guid => Type::Guid,
        Kind::Dyn => Type::Dynamic,
        Kind::Mixed => *rng.pick(&[Type::String, Type::Dynamic, Type::Long, Type::Bool]),
    }
}

/// A generated table: JSON lines (nulls, missing fields, now and then a value of
/// another kind), and sometimes a schema (types inference cannot give: int,
/// timespan, guid, decimal; values that do not convert become null).
pub struct GenTable {
    pub jsonl: String,
    pub schema: Option<Schema>,
}

pub fn gen_table(rng: &mut Rng) -> GenTable {
    let ncols = 1 + rng.below(6);
    let names = ["a", "b", "c", "d", "e", "f"];
    let kinds: Vec<Kind> = (0..ncols).map(|_| *rng.pick(KINDS)).collect();
    let nrows = match rng.below(8) {
        0 => 0,
        1 => 1,
        _ => rng.below(30),
    };
    let mut jsonl = String::new();
    for _ in 0..nrows {
        let mut fields = Vec::new();
        for (i, k) in kinds.iter().enumerate() {
            match rng.below(10) {
                0 => {} // missing
                1 => fields.push(format!("\"{}\":null", names[i])),
                2 if rng.one_in(4) => {
                    let other = *rng.pick(KINDS);
                    fields.push(format!("\"{}\":{}", names[i], value_of(rng, other)));
                }
                _ => fields.push(format!("\"{}\":{}", names[i], value_of(rng, *k))),
            }
        }
        // Key order varies now and then.
        if rng.one_in(5) {
            fields.reverse();
        }
        let _ = writeln!(jsonl, "{{{}}}", fields.join(","));
    }
    let schema = if rng.one_in(3) {
        let mut columns = Vec::new();
        for (i, k) in kinds.iter().enumerate() {
            if !rng.one_in(6) {
                columns.push(Column::new(names[i], schema_type(rng, *k)));
            }
        }
        Some(Schema {
            name: "T".into(),
            columns,
        })
    } else {
        None
    };
    GenTable { jsonl, schema }
}

/// A column reference, quoted when it is not a plain identifier.
fn col(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        name.to_string()
    } else {
        format!("['{}']", name.replace('\\', "\\\\").replace('\'', "\\'"))
    }
}

/// The broad types expressions are generated for.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Ty {
    Bool,
    Num,
    Str,
    Date,
    Span,
    Dyn,
    Guid,
}

fn ty_of(t: Type) -> Ty {
    match t {
        Type::Bool => Ty::Bool,
        Type::Int | Type::Long | Type::Real | Type::Decimal => Ty::Num,
        Type::String => Ty::Str,
        Type::DateTime => Ty::Date,
        Type::TimeSpan => Ty::Span,
        Type::Guid => Ty::Guid,
        _ => Ty::Dyn,
    }
}

/// Expressions over the columns `cols` of the current step.
struct Exprs<'a> {
    cols: &'a [Column],
}

impl Exprs<'_> {
    fn column(&self, rng: &mut Rng, ty: Ty) -> Option<String> {
        let of: Vec<&Column> = self.cols.iter().filter(|c| ty_of(c.ty) == ty).collect();
        if of.is_empty() {
            None
        } else {
            Some(col(&rng.pick(&of).name))
        }
    }

    fn any(&self, rng: &mut Rng, depth: usize) -> String {
        let ty = *rng.pick(&[
            Ty::Bool,
            Ty::Num,
            Ty::Num,
            Ty::Str,
            Ty::Str,
            Ty::Date,
            Ty::Span,
            Ty::Dyn,
            Ty::Guid,
        ]);
        self.of(rng, ty, depth)
    }

    /// An expression of type `ty` (mostly: now and then one of another type, to reach
    /// the binder's type errors).
    fn of(&self, rng: &mut Rng, ty: Ty, depth: usize) -> String {
        if rng.one_in(40) {
            return self.any(rng, depth.saturating_sub(1));
        }
        if depth == 0 || rng.one_in(3) {
            if let Some(c) = self.column(rng, ty) {
                if !rng.one_in(4) {
                    return c;
                }
            }
            return self.literal(rng, ty);
        }
        let d = depth - 1;
        match ty {
            Ty::Bool => self.boolean(rng, d),
            Ty::Num => self.number(rng, d),
            Ty::Str => self.string(rng, d),
            Ty::Date => match rng.below(6) {
                0 => format!(
                    "({} + {})",
                    self.of(rng, Ty::Date, d),
                    self.of(rng, Ty::Span, d)
                ),
                1 => format!("bin({}, 1d)", self.of(rng, Ty::Date, d)),
                2 => format!("todatetime({})", self.any(rng, d)),
                3 => format!("startofday({})", self.of(rng, Ty::Date, d)),
                4 => format!(
                    "datetime_add('day', {}, {})",
                    self.of(rng, Ty::Num, d),
                    self.of(rng, Ty::Date, d)
                ),
                _ => format!(
                    "iff({}, {}, {})",
                    self.of(rng, Ty::Bool, d),
                    self.of(rng, Ty::Date, d),
                    self.of(rng, Ty::Date, d)
                ),
            },
            Ty::Span => match rng.below(5) {
                0 => format!(
                    "({} - {})",
                    self.of(rng, Ty::Date, d),
                    self.of(rng, Ty::Date, d)
                ),
                1 => format!("totimespan({})", self.any(rng, d)),
                2 => format!(
                    "({} * {})",
                    self.of(rng, Ty::Span, d),
                    self.of(rng, Ty::Num, d)
                ),
                3 => format!("bin({}, 1h)", self.of(rng, Ty::Span, d)),
                _ => format!("-{}", self.of(rng, Ty::Span, d)),
            },
            Ty::Dyn => match rng.below(8) {
                0 => format!("pack_array({}, {})", self.any(rng, d), self.any(rng, d)),
                1 => format!("bag_pack('k', {})", self.any(rng, d)),
                2 => format!("parse_json({})", self.of(rng, Ty::Str, d)),
                3 => format!("{}.k", self.of(rng, Ty::Dyn, d)),
                4 => format!(
                    "{}[{}]",
                    self.of(rng, Ty::Dyn, d),
                    rng.pick(&["0", "1", "-1", "'k'"])
                ),
                5 => format!("split({}, ',')", self.of(rng, Ty::Str, d)),
                6 => format!("todynamic({})", self.any(rng, d)),
                _ => format!("array_concat({}, dynamic([1]))", self.of(rng, Ty::Dyn, d)),
            },
            Ty::Guid => match rng.below(2) {
                0 => format!("toguid({})", self.of(rng, Ty::Str, d)),
                _ => format!(
                    "iff({}, {}, {})",
                    self.of(rng, Ty::Bool, d),
                    self.of(rng, Ty::Guid, d),
                    self.of(rng, Ty::Guid, d)
                ),
            },
        }
    }

    fn literal(&self, rng: &mut Rng, ty: Ty) -> String {
        let xs: &[&str] = match ty {
            Ty::Bool => &["true", "false", "bool(null)"],
            Ty::Num => &[
                "0",
                "1",
                "-1",
                "2",
                "3",
                "10",
                "2.5",
                "-0.5",
                "long(null)",
                "real(null)",
                "int(null)",
                "real(nan)",
                "real(+inf)",
                "real(-inf)",
                "9223372036854775807",
                "int(2147483647)",
                "decimal(1.5)",
            ],
            Ty::Str => &[
                "''",
                "'a'",
                "'abc'",
                "'A b'",
                "'x y z'",
                "'é'",
                "'1'",
                "','",
                "'2026-05-18'",
                "'[1,2]'",
            ],
            Ty::Date => &[
                "datetime(2026-05-18)",
                "now()",
                "ago(1h)",
                "datetime(null)",
                "datetime(1970-01-01)",
                "datetime(0001-01-01)",
                "datetime(9999-12-31)",
            ],
            Ty::Span => &["1h", "1d", "0s", "-5m", "timespan(null)", "1tick", "365d"],
            Ty::Dyn => &[
                "dynamic([1,2])",
                "dynamic({\"k\":1})",
                "dynamic(null)",
                "dynamic([])",
                "dynamic({})",
                "dynamic([\"a\",null])",
            ],
            Ty::Guid => &["guid(00000000-0000-0000-0000-000000000000)", "guid(null)"],
        };
        rng.pick(xs).to_string()
    }

    fn number(&self, rng: &mut Rng, d: usize) -> String {
        match rng.below(18) {
            0 => format!(
                "({} + {})",
                self.of(rng, Ty::Num, d),
                self.of(rng, Ty::Num, d)
            ),
            1 => format!(
                "({} - {})",
                self.of(rng, Ty::Num, d),
                self.of(rng, Ty::Num, d)
            ),
            2 => format!(
                "({} * {})",
                self.of(rng, Ty::Num, d),
                self.of(rng, Ty::Num, d)
            ),
            3 => format!(
                "({} / {})",
                self.of(rng, Ty::Num, d),
                self.of(rng, Ty::Num, d)
            ),
            4 => format!(
                "({} % {})",
                self.of(rng, Ty::Num, d),
                self.of(rng, Ty::Num, d)
            ),
            5 => format!("abs({})", self.of(rng, Ty::Num, d)),
            6 => format!(
                "round({}, {})",
                self.of(rng, Ty::Num, d),
                rng.pick(&["0", "1", "-1", "2"])
            ),
            7 => format!("strlen({})", self.of(rng, Ty::Str, d)),
            8 => format!(
                "{}({})",
                rng.pick(&["tolong", "toint", "toreal", "todecimal", "todouble"]),
                self.any(rng, d)
            ),
            9 => format!("array_length({})", self.of(rng, Ty::Dyn, d)),
            10 => format!(
                "iff({}, {}, {})",
                self.of(rng, Ty::Bool, d),
                self.of(rng, Ty::Num, d),
                self.of(rng, Ty::Num, d)
            ),
            11 => format!(
                "coalesce({}, {})",
                self.of(rng, Ty::Num, d),
                self.of(rng, Ty::Num, d)
            ),
            12 => format!(
                "bin({}, {})",
                self.of(rng, Ty::Num, d),
                rng.pick(&["2", "0.5", "10", "0", "-1"])
            ),
            13 => format!("-{}", self.of(rng, Ty::Num, d)),
            14 => format!(
                "max_of({}, {})",
                self.of(rng, Ty::Num, d),
                self.of(rng, Ty::Num, d)
            ),
            15 => format!("(hash({}) % 5)", self.any(rng, d)),
            16 => format!(
                "datetime_diff('second', {}, {})",
                self.of(rng, Ty::Date, d),
                self.of(rng, Ty::Date, d)
            ),
            _ => format!("countof({}, 'a')", self.of(rng, Ty::Str, d)),
        }
    }

    fn string(&self, rng: &mut Rng, d: usize) -> String {
        match rng.below(12) {
            0 => format!("tostring({})", self.any(rng, d)),
            1 => format!("strcat({}, {})", self.any(rng, d), self.of(rng, Ty::Str, d)),
            2 => format!(
                "substring({}, {}, {})",
                self.of(rng, Ty::Str, d),
                rng.pick(&["0", "1", "-1", "5"]),
                rng.pick(&["1", "2", "0", "100"])
            ),
            3 => format!("toupper({})", self.of(rng, Ty::Str, d)),
            4 => format!("trim(' ', {})", self.of(rng, Ty::Str, d)),
            5 => format!("replace_string({}, 'a', 'bb')", self.of(rng, Ty::Str, d)),
            6 => format!("tostring({}.k)", self.of(rng, Ty::Dyn, d)),
            7 => format!("extract('([a-z]+)', 1, {})", self.of(rng, Ty::Str, d)),
            8 => format!(
                "case({}, {}, {}, {}, {})",
                self.of(rng, Ty::Bool, d),
                self.of(rng, Ty::Str, d),
                self.of(rng, Ty::Bool, d),
                self.of(rng, Ty::Str, d),
                self.of(rng, Ty::Str, d)
            ),
            9 => format!("strcat_array({}, ',')", self.of(rng, Ty::Dyn, d)),
            10 => format!(
                "iff({}, {}, {})",
                self.of(rng, Ty::Bool, d),
                self.of(rng, Ty::Str, d),
                self.of(rng, Ty::Str, d)
            ),
            _ => format!("tolower({})", self.of(rng, Ty::Str, d)),
        }
    }

    fn boolean(&self, rng: &mut Rng, d: usize) -> String {
        match rng.below(20) {
            0 => format!(
                "({} {} {})",
                self.of(rng, Ty::Num, d),
                rng.pick(&["==", "!=", "<", "<=", ">", ">="]),
                self.of(rng, Ty::Num, d)
            ),
            1 => format!(
                "({} {} {})",
                self.of(rng, Ty::Str, d),
                rng.pick(&["==", "!=", "=~", "!~", "<", ">"]),
                self.of(rng, Ty::Str, d)
            ),
            2 => format!(
                "({} {} {})",
                self.of(rng, Ty::Str, d),
                rng.pick(&[
                    "has",
                    "!has",
                    "contains",
                    "!contains",
                    "startswith",
                    "endswith",
                    "has_cs",
                    "hasprefix",
                    "contains_cs",
                    "matches regex"
                ]),
                rng.pick(&["'a'", "'b'", "'A b'", "''", "'^a'", "'abc'"])
            ),
            3 => format!("({} in (1, 2, 3, long(null)))", self.of(rng, Ty::Num, d)),
            4 => format!(
                "({} {} ('a', 'abc', ''))",
                self.of(rng, Ty::Str, d),
                rng.pick(&["in", "!in", "in~", "has_any"])
            ),
            5 => format!("({} between (0 .. 10))", self.of(rng, Ty::Num, d)),
            6 => format!(
                "{}({})",
                rng.pick(&["isnull", "isnotnull", "isempty", "isnotempty"]),
                self.any(rng, d)
            ),
            7 | 8 => format!(
                "({} and {})",
                self.of(rng, Ty::Bool, d),
                self.of(rng, Ty::Bool, d)
            ),
            9 | 10 => format!(
                "({} or {})",
                self.of(rng, Ty::Bool, d),
                self.of(rng, Ty::Bool, d)
            ),
            11 => format!("not({})", self.of(rng, Ty::Bool, d)),
            12 => format!("tobool({})", self.any(rng, d)),
            13 => format!("({} > ago(1d))", self.of(rng, Ty::Date, d)),
            14 => format!(
                "({} between (datetime(2026-01-01) .. now()))",
                self.of(rng, Ty::Date, d)
            ),
            15 => format!("isnan({})", self.of(rng, Ty::Num, d)),
            16 => format!(
                "({} {} {})",
                self.of(rng, Ty::Span, d),
                rng.pick(&["<", ">", "=="]),
                self.of(rng, Ty::Span, d)
            ),
            17 => format!("set_has_element({}, 1)", self.of(rng, Ty::Dyn, d)),
            18 => format!(
                "({} == {})",
                self.of(rng, Ty::Guid, d),
                self.of(rng, Ty::Guid, d)
            ),
            _ => format!("({} == {})", self.of(rng, Ty::Dyn, d), self.any(rng, d)),
        }
    }
}

/// One operator to append to a pipeline whose last step returned `cols`.
fn gen_op(rng: &mut Rng, cols: &[Column], step: usize) -> String {
    let e = Exprs { cols };
    let pick_col = |rng: &mut Rng| -> String {
        if cols.is_empty() {
            "a".to_string()
        } else {
            col(&rng.pick(cols).name)
        }
    };
    match rng.below(22) {
        0..=3 => format!("where {}", e.of(rng, Ty::Bool, 3)),
        4..=6 => format!("extend x{step} = {}", e.any(rng, 3)),
        7 => {
            let n = 1 + rng.below(cols.len().max(1));
            let mut picked: Vec<String> = (0..n).map(|_| pick_col(rng)).collect();
            picked.dedup();
            if rng.one_in(3) {
                picked.push(format!("y{step} = {}", e.any(rng, 2)));
            }
            format!("project {}", picked.join(", "))
        }
        8 => format!("project-away {}", pick_col(rng)),
        9 => format!("take {}", rng.pick(&[0, 1, 2, 3, 5, 100])),
        10 => format!(
            "sort by {} {} {}",
            pick_col(rng),
            rng.pick(&["", "asc", "desc"]),
            rng.pick(&["", "nulls first", "nulls last"])
        ),
        11 => format!(
            "top {} by {} {}",
            rng.pick(&[0, 1, 3, 10]),
            pick_col(rng),
            rng.pick(&["", "asc", "desc"])
        ),
        12 | 13 => {
            let aggs = [
                "count()".to_string(),
                format!("sum({})", e.of(rng, Ty::Num, 1)),
                format!("min({})", pick_col(rng)),
                format!("max({})", pick_col(rng)),
                format!("avg({})", e.of(rng, Ty::Num, 1)),
                format!("dcount({})", pick_col(rng)),
                format!("make_list({})", pick_col(rng)),
                format!("make_set({})", pick_col(rng)),
                format!("countif({})", e.of(rng, Ty::Bool, 1)),
                format!("take_any({})", pick_col(rng)),
                format!("arg_max({}, *)", pick_col(rng)),
                format!("percentile({}, 50)", e.of(rng, Ty::Num, 1)),
                format!("stdev({})", e.of(rng, Ty::Num, 1)),
            ];
            let n = 1 + rng.below(3);
            let list: Vec<String> = (0..n)
                .map(|i| format!("s{step}_{i} = {}", rng.pick(&aggs)))
                .collect();
            let by = match rng.below(4) {
                0 => String::new(),
                1 => format!(" by {}", pick_col(rng)),
                2 => format!(" by k{step} = {}", e.any(rng, 2)),
                _ => format!(" by {}, {}", pick_col(rng), pick_col(rng)),
            };
            format!("summarize {}{by}", list.join(", "))
        }
        14 => format!("distinct {}", pick_col(rng)),
        15 => match e.column(rng, Ty::Dyn) {
            Some(c) => format!("mv-expand {c}"),
            None => format!(
                "mv-expand m{step} = pack_array({}, {})",
                pick_col(rng),
                pick_col(rng)
            ),
        },
        16 => "union (T)".to_string(),
        17 => format!(
            "join kind={} (T) on {}",
            rng.pick(&[
                "inner",
                "innerunique",
                "leftouter",
                "leftanti",
                "leftsemi",
                "rightouter",
                "rightanti",
                "fullouter"
            ]),
            pick_col(rng)
        ),
        18 => format!(
            "serialize | extend r{step} = row_number(), p{step} = prev({})",
            pick_col(rng)
        ),
        19 => format!("lookup (T) on {}", pick_col(rng)),
        21 if rng.one_in(2) => match (e.column(rng, Ty::Num), e.column(rng, Ty::Date)) {
            (Some(c), _) if rng.one_in(2) => format!(
                "make-series n{step} = count() default = 0 on {c} step {}",
                rng.pick(&["1", "10", "0.5", "1000000"])
            ),
            (_, Some(c)) => format!(
                "make-series n{step} = count(), m{step} = max({}) on {c} from datetime(2026-05-01) to datetime(2026-05-20) step 1d",
                pick_col(rng)
            ),
            _ => format!("make-series n{step} = count() on x step 1 | extend x = 1"),
        },
        20 => match e.column(rng, Ty::Str) {
            Some(c) => format!("parse {c} with * 'a' rest{step}"),
            None => "count".to_string(),
        },
        _ => format!("project-rename z{step} = {}", pick_col(rng)),
    }
}

/// Runs queries of one case: the in-memory catalog, and the same table as a file.
struct Runner {
    memory: Catalog,
    file: Option<Catalog>,
    stats: Stats,
}

impl Runner {
    fn run(&mut self, q: &str) -> Option<Table> {
        self.stats.queries += 1;
        super::note(q);
        match kql::run_query(q, &self.memory, now()) {
            Ok(mut ts) if !ts.is_empty() => Some(ts.pop().unwrap()),
            Ok(_) => None,
            Err(e) => {
                // Errors render without trouble too.
                let _ = e.render("fuzz.kql", q);
                self.stats.errors += 1;
                None
            }
        }
    }

    fn count(&mut self, q: &str) -> Option<i64> {
        let t = self.run(q)?;
        match t.rows.first().and_then(|r| r.first()) {
            Some(kql::Value::Long(n)) => Some(*n),
            _ => None,
        }
    }
}

/// A directory of this process's own for the case's table file.
fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "kql-fuzz-exec-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let _ = std::fs::create_dir_all(&dir);
    dir
}

/// When set (the campaign's `--hostile`), one case in 20 is a query of the shapes
/// that once crashed kql (issue 15): long pipelines, deep user-function chains, deep
/// nesting, NaN and infinite make-series axes, long format strings, big expansions.
/// They must end in an answer or an error, never a crash; `cargo test` leaves them out
/// (a stack overflow there would end the whole test binary).
pub static HOSTILE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn hostile(rng: &mut Rng) -> String {
    let n = *rng.pick(&[100usize, 1000, 3000, 5000, 8000]);
    match rng.below(9) {
        0 => format!("print x=1{}", " | where true".repeat(n)),
        1 => {
            let mut q = String::from("let f0=(x:long){x};");
            for i in 1..n.min(3000) {
                q.push_str(&format!(" let f{i}=(x:long){{f{}(x)+1}};", i - 1));
            }
            format!("{q} print f{}(0)", n.min(3000) - 1)
        }
        2 => format!("print {}1{}", "(".repeat(n / 10), ")".repeat(n / 10)),
        3 => format!(
            "print c={} | make-series n=count() default=0 on c step 1",
            rng.pick(&["real(nan)", "real(+inf)", "real(-inf)", "1e300"])
        ),
        4 => format!(
            "print {}(datetime(2026-05-18), strrep('{}', {n}))",
            rng.pick(&["format_datetime", "format_timespan"]),
            rng.pick(&["y", "M", "d", "H", "h", "m", "s", "f", "F"])
        ),
        5 => format!(
            "print x=1 | extend {}",
            (0..n)
                .map(|i| format!("c{i}={i}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        6 => format!("print s=strrep('ab', {}) | extend l=strlen(s)", n * 100),
        7 => format!(
            "T | extend d = dynamic([1,2,3]){}| count",
            " | mv-expand d".repeat(n / 1000 + 1)
        ),
        _ => format!("print x=1 | extend y = {}", vec!["x"; n].join(" + ")),
    }
}

/// Generates and checks one case. `Err` says which invariant failed, and on what.
pub fn case(rng: &mut Rng) -> Result<Stats, String> {
    if HOSTILE.load(std::sync::atomic::Ordering::Relaxed) && rng.one_in(20) {
        let q = hostile(rng);
        super::note(&q);
        let mut catalog = Catalog::new();
        catalog.add_table(
            "T",
            Table::new(
                vec![Column::new("a", Type::Long)],
                vec![vec![kql::Value::Long(1)]; 3],
            ),
        );
        let errors = u64::from(kql::run_query(&q, &catalog, now()).is_err());
        return Ok(Stats {
            queries: 1,
            errors,
            checks: 0,
        });
    }
    let gen = gen_table(rng);
    // The table is read from a file as `kql run` reads it (values that do not convert
    // to the schema's type are null, with a warning): whole into memory, and (every
    // other case) streamed from the file too.
    let dir = scratch();
    super::note(&format!(
        "table T.jsonl:\n{}schema: {:?}",
        gen.jsonl, gen.schema
    ));
    std::fs::write(dir.join("T.jsonl"), &gen.jsonl).map_err(|e| e.to_string())?;
    let schemas: Vec<Schema> = gen.schema.iter().cloned().collect();
    let all = |_: &str| true;
    let memory =
        kql::io::load_dir_for(&dir, &schemas, &all, kql::io::Product::Sentinel).map_err(|e| {
            format!(
                "generated table does not load: {}\n{}",
                e.message, gen.jsonl
            )
        })?;
    let file = if rng.one_in(2) {
        let c = kql::io::open_dir_for(&dir, &schemas, &all, kql::io::Product::Sentinel)
            .map_err(|e| format!("generated file does not open: {}", e.message))?;
        Some(c)
    } else {
        None
    };
    let mut r = Runner {
        memory,
        file,
        stats: Stats::default(),
    };
    let context = |q: &str| format!("query: {q}\ntable:\n{}schema: {:?}", gen.jsonl, gen.schema);

    // Grow the pipeline.
    let mut s = "T".to_string();
    let mut current = r.run(&s).ok_or("T does not run")?;
    for step in 0..rng.below(6) {
        let op = gen_op(rng, &current.columns, step);
        let next = format!("{s} | {op}");
        if let Some(t) = r.run(&next) {
            s = next;
            current = t;
        }
    }
    // A step may give a big table (a make-series over a wide axis, then mv-expand):
    // printing it to compare could take gigabytes. Such a case has run; nothing is
    // compared.
    if weight(&current) > 200_000 {
        return Ok(r.stats);
    }
    // The same query twice gives the same answer (in memory: the threads may split
    // the rows otherwise).
    if let Some(again) = r.run(&s) {
        if table_text(&again) != table_text(&current) {
            return Err(format!(
                "a second run differs:\n{}\nfirst:\n{}\n{}",
                table_text(&again),
                table_text(&current),
                context(&s)
            ));
        }
        r.stats.checks += 1;
    }
    let rows = current.rows.len() as i64;
    let cols = current.columns.clone();
    let e = Exprs { cols: &cols };
    let check = |ok: bool, what: &str, q: &str| -> Result<(), String> {
        if ok {
            Ok(())
        } else {
            Err(format!("{what}\n{}", context(q)))
        }
    };

    // count
    let q = format!("{s} | count");
    if let Some(n) = r.count(&q) {
        check(
            n == rows,
            &format!("count gave {n}, the query {rows} rows"),
            &q,
        )?;
        r.stats.checks += 1;
    }

    // where p / where not(p) / where isnull(p) partition the rows. Not after an
    // innerunique join: a `where` on left columns after it applies before the left
    // side's dedup (Kusto's optimizer does so, and the docs' join-innerunique example
    // shows it), so each filter may keep another arbitrary row per key.
    let partitions = !s.contains("innerunique");
    for _ in 0..2 {
        let p = e.of(rng, Ty::Bool, 3);
        let probe = format!("{s} | project __p = {p}");
        if !partitions {
            break;
        }
        let Some(t) = r.run(&probe) else { continue };
        if t.columns.first().map(|c| c.ty) != Some(Type::Bool) {
            continue;
        }
        check(
            t.rows.len() as i64 == rows,
            "project changed the row count",
            &probe,
        )?;
        let trues = t
            .rows
            .iter()
            .filter(|row| row[0] == kql::Value::Bool(true))
            .count() as i64;
        let qs = [
            format!("{s} | where {p} | count"),
            format!("{s} | where not({p}) | count"),
            format!("{s} | where isnull({p}) | count"),
        ];
        let counts: Vec<Option<i64>> = qs.iter().map(|q| r.count(q)).collect();
        if let [Some(a), Some(b), Some(c)] = counts[..] {
            check(
                a + b + c == rows,
                &format!("where p ({a}), where not(p) ({b}) and isnull(p) ({c}) do not add up to {rows} rows"),
                &qs[0],
            )?;
            check(
                a == trues,
                &format!("where p kept {a} rows, p is true on {trues}"),
                &qs[0],
            )?;
            r.stats.checks += 2;
            // The filter moved into a union's inputs keeps what it kept after it.
            if rng.one_in(3) {
                let q = format!("union withsource=__s ({s}), ({s}) | where {p} | count");
                if let Some(n) = r.count(&q) {
                    check(
                        n == 2 * a,
                        &format!(
                            "where p after a union of the query with itself kept {n}, not 2 × {a}"
                        ),
                        &q,
                    )?;
                    r.stats.checks += 1;
                }
            }
        }
    }

    // sort is a permutation.
    if !cols.is_empty() {
        let c = col(&rng.pick(&cols).name);
        let q = format!("{s} | sort by {c} {}", rng.pick(&["asc", "desc"]));
        if let Some(t) = r.run(&q) {
            check(
                row_multiset(&t) == row_multiset(&current),
                "sort is not a permutation of its input",
                &q,
            )?;
            r.stats.checks += 1;
        }
    }

    // summarize count() by k adds up.
    let k = if !cols.is_empty() && rng.one_in(2) {
        col(&rng.pick(&cols).name)
    } else {
        format!("k = {}", e.any(rng, 2))
    };
    let q = format!("{s} | summarize __n = count() by {k}");
    if let Some(t) = r.run(&q) {
        let at = t.column_index("__n").ok_or("no __n column")?;
        let total: i64 = t
            .rows
            .iter()
            .map(|row| match row[at] {
                kql::Value::Long(n) => n,
                _ => -1_000_000,
            })
            .sum();
        check(
            total == rows,
            &format!("summarize count() by k adds up to {total}, not {rows}"),
            &q,
        )?;
        check(t.rows.len() as i64 <= rows, "more groups than rows", &q)?;
        r.stats.checks += 1;
    }

    // take n
    let n = *rng.pick(&[0i64, 1, 2, 5, 1000]);
    let q = format!("{s} | take {n}");
    if let Some(t) = r.run(&q) {
        check(
            t.rows.len() as i64 == n.min(rows),
            &format!("take {n} gave {} rows of {rows}", t.rows.len()),
            &q,
        )?;
        r.stats.checks += 1;
    }

    // union of the query with itself
    if rng.one_in(3) {
        let q = format!("union ({s}), ({s}) | count");
        if let Some(n) = r.count(&q) {
            check(
                n == 2 * rows,
                &format!("union of the query with itself counts {n}, not 2 × {rows}"),
                &q,
            )?;
            r.stats.checks += 1;
        }
    }

    // A let read at one place runs in place; read at two, it is held: the same rows.
    if rng.one_in(3) {
        let once = format!("let __L = {s}; __L");
        if let Some(t) = r.run(&once) {
            check(
                row_multiset(&t) == row_multiset(&current),
                "a let read at one place gave other rows than its query",
                &once,
            )?;
            r.stats.checks += 1;
        }
        let twice = format!("let __L = {s}; union __L, __L | count");
        if let Some(n) = r.count(&twice) {
            check(
                n == 2 * rows,
                &format!("a let read twice counts {n}, not 2 × {rows}"),
                &twice,
            )?;
            r.stats.checks += 1;
        }
    }

    // The streaming path agrees with the in-memory one.
    if let Some(file) = &r.file {
        r.stats.queries += 1;
        super::note(&format!("(streamed) {s}"));
        let memory = kql::run_query(&s, &r.memory, now());
        let streamed = kql::run_query(&s, file, now());
        match (memory, streamed) {
            (Ok(a), Ok(b)) => {
                let (a, b) = (table_text(a.last().unwrap()), table_text(b.last().unwrap()));
                check(
                    a == b,
                    &format!("streamed from the file:\n{b}\nin memory:\n{a}"),
                    &s,
                )?;
                r.stats.checks += 1;
            }
            (Err(_), Err(_)) => {}
            (a, b) => {
                let say = |x: &kql::Result<Vec<Table>>| match x {
                    Ok(_) => "rows".to_string(),
                    Err(e) => format!("error {}", e.message),
                };
                check(
                    false,
                    &format!("in memory: {}; streamed: {}", say(&a), say(&b)),
                    &s,
                )?;
            }
        }
    }
    Ok(r.stats)
}

/// How many values a table's text holds (the elements of arrays and bags counted).
fn weight(t: &Table) -> usize {
    fn of(v: &kql::Value) -> usize {
        match v {
            kql::Value::Array(a) => 1 + a.iter().map(of).sum::<usize>(),
            kql::Value::Bag(b) => 1 + b.len(),
            _ => 1,
        }
    }
    let mut n = 0;
    for row in &t.rows {
        n += row.iter().map(of).sum::<usize>();
        if n > 1_000_000 {
            break;
        }
    }
    n
}

/// Removes this thread's scratch directory.
pub fn cleanup() {
    let _ = std::fs::remove_dir_all(scratch());
}
