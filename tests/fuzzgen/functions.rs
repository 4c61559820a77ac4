//! Every function kql knows (the registry's names: built, aggregates, aliases, and
//! those that fail as not supported yet) called with edge arguments: nulls of every
//! type, empty values, the extremes of long, real, datetime and timespan, negative
//! numbers, NaN and infinities, values of the wrong type, long strings, bad regular
//! expressions. Each call runs as constants (`print f(...)`, folded by the binder or
//! not), as columns (`print a0 = ... | extend f(a0, ...)`), and for aggregates in
//! `summarize`; every result is printed in every output format. Errors are fine;
//! panics are not.
//!
//! The cases are a table: for each name, arity 0 to 4, each argument position and each
//! edge value at that position, the other arguments from each of a few templates of
//! common signatures (or drawn from the case's seed). Case `i` is one of those calls; [`case_count`] is how many there are.

use super::{now, Rng};

#[derive(Default, Debug, Clone, Copy)]
pub struct Stats {
    /// Queries run.
    pub calls: u64,
    /// Of which failed with a (clean) error.
    pub errors: u64,
}

pub const EDGES: &[&str] = &[
    // nulls of every type
    "long(null)",
    "int(null)",
    "real(null)",
    "decimal(null)",
    "bool(null)",
    "datetime(null)",
    "timespan(null)",
    "dynamic(null)",
    "guid(null)",
    // empty
    "''",
    "dynamic([])",
    "dynamic({})",
    // extremes
    "9223372036854775807",
    "-9223372036854775808",
    "int(2147483647)",
    "int(-2147483648)",
    "1e308",
    "-1e308",
    "5e-324",
    "datetime(9999-12-31 23:59:59.9999999)",
    "datetime(0001-01-01)",
    "10675199d",
    "-10675199d",
    "1000000",
    // negative, zero
    "-1",
    "-0.5",
    "-1h",
    "0",
    "0.0",
    "0s",
    // NaN and infinities
    "real(nan)",
    "real(+inf)",
    "real(-inf)",
    // other types
    "true",
    "'abc'",
    "2.5",
    "decimal(1.5)",
    "int(7)",
    "1h",
    "datetime(2026-05-18)",
    "guid(11111111-1111-1111-1111-111111111111)",
    "dynamic([1,'a',null,[2],{'k':1}])",
    "dynamic({'a':{'b':[1,2]},'c':null})",
    "dynamic(\"s\")",
    // strings of meaning to some functions, and long ones
    "'[a-'",
    "'(a|b)*'",
    "'.*'",
    "'%'",
    "'{\"a\":[1,{\"b\":2}]}'",
    "'1.2.3.4'",
    "'::1'",
    "'10.0.0.0/8'",
    "'2026-05-18T12:00:00Z'",
    "'1.00:00:00'",
    "'a\\nb'",
    "'\\u00e9'",
    "'https://user@host:8080/p?q=1#f'",
    "'AAAA'",
    "'<a><b>1</b></a>'",
    "strrep('ab', 5000)",
    "strrep('\u{e9}', 3000)",
    "strrep('(', 2000)",
    "strrep('[', 2000)",
    "strrep('9', 400)",
    // runs of format letters (format_datetime, format_timespan)
    "strrep('y', 70000)",
    "strrep('dMHhms', 3000)",
    "strrep('f', 100)",
];

/// Ordinary arguments the other positions get.
const ORDINARY: &[&str] = &[
    "1",
    "2",
    "'a'",
    "'abc,def'",
    "dynamic([1,2,3])",
    "dynamic({'k':'v'})",
    "datetime(2026-05-18)",
    "1h",
    "true",
    "2.5",
    "'day'",
    "'UTC'",
];

/// The other positions' arguments, by position: shapes that bind for the common
/// signatures (a datetime and a format, a string and a delimiter, an array and
/// indexes, ...), so that the edge value reaches the implementation, not only the
/// binder's type check. The last template draws from [`ORDINARY`] at random.
const TEMPLATES: &[[&str; MAX_ARITY]] = &[
    ["1", "2", "3", "4"],
    ["'a'", "'b'", "'c'", "'d'"],
    ["datetime(2026-05-18)", "'yyyy-MM-dd'", "1", "1"],
    ["dynamic([1,2,3])", "1", "2", "3"],
    ["'abc,def'", "','", "1", "2"],
    ["datetime(2026-05-18)", "1h", "datetime(2026-05-19)", "1"],
    ["'day'", "1", "datetime(2026-05-18)", "1"],
    ["dynamic({'k':'v'})", "'k'", "'v'", "1"],
    ["2.5", "1", "'a'", "true"],
    ["", "", "", ""],
];

const MAX_ARITY: usize = 4;

/// Every name the registry knows, in order.
pub fn names() -> &'static [&'static str] {
    static N: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    N.get_or_init(|| {
        let mut n: Vec<&'static str> = kql::functions::known_names().collect();
        n.sort_unstable();
        n.dedup();
        n
    })
}

/// Calls per name: arity 0, then each (arity, position, edge, template).
fn per_name() -> u64 {
    let positions: usize = (1..=MAX_ARITY).sum();
    (1 + positions * EDGES.len() * TEMPLATES.len()) as u64
}

pub fn case_count() -> u64 {
    names().len() as u64 * per_name()
}

/// The call of case `i`: the function's name and its arguments.
pub fn call_of(seed: u64, i: u64) -> (&'static str, Vec<String>) {
    let names = names();
    let name = names[((i / per_name()) % names.len() as u64) as usize];
    let mut k = (i % per_name()) as usize;
    if k == 0 {
        return (name, Vec::new());
    }
    k -= 1;
    let mut rng = Rng::for_case(seed, i);
    let (e, t) = (EDGES.len(), TEMPLATES.len());
    for arity in 1..=MAX_ARITY {
        if k < arity * e * t {
            let (pos, edge, template) = (k / (e * t), k / t % e, &TEMPLATES[k % t]);
            let args = (0..arity)
                .map(|p| {
                    if p == pos {
                        EDGES[edge].to_string()
                    } else if template[p].is_empty() {
                        rng.pick(ORDINARY).to_string()
                    } else {
                        template[p].to_string()
                    }
                })
                .collect();
            return (name, args);
        }
        k -= arity * e * t;
    }
    unreachable!("k < per_name()")
}

/// A random call (for cargo-fuzz): any name, any arguments from both lists.
pub fn random_call(rng: &mut Rng) -> (&'static str, Vec<String>) {
    let name = *rng.pick(names());
    let arity = rng.below(MAX_ARITY + 2);
    let args = (0..arity)
        .map(|_| {
            if rng.one_in(2) {
                rng.pick(EDGES).to_string()
            } else {
                rng.pick(ORDINARY).to_string()
            }
        })
        .collect();
    (name, args)
}

/// Case `i` of seed `seed`.
pub fn case(seed: u64, i: u64) -> Result<Stats, String> {
    let (name, args) = call_of(seed, i);
    call(name, &args)
}

/// The call as KQL: `f(a, b)`, or the operator's syntax for the registry's operator
/// names (`a == b`, `a in (b, c)`, `a between (b .. c)`, `-a`); `None` for an operator
/// given a number of operands its syntax cannot take.
fn spell(name: &str, args: &[String]) -> Option<String> {
    let p = |i: usize| format!("({})", args[i]);
    if !kql::functions::is_operator(name) {
        return Some(format!("{name}({})", args.join(", ")));
    }
    match (name, args.len()) {
        ("neg", 1) => Some(format!("-{}", p(0))),
        ("__index", 2) => Some(format!("{}[{}]", p(0), args[1])),
        ("in" | "!in" | "in~" | "!in~" | "has_any" | "has_all", n) if n >= 2 => {
            Some(format!("{} {name} ({})", p(0), args[1..].join(", ")))
        }
        ("between" | "!between", 3) => Some(format!("{} {name} ({} .. {})", p(0), p(1), p(2))),
        ("neg" | "__index" | "in" | "!in" | "in~" | "!in~" | "has_any" | "has_all", _)
        | ("between" | "!between", _) => None,
        (_, 2) => Some(format!("{} {name} {}", p(0), p(1))),
        _ => None,
    }
}

/// Runs one call in every form; `Err` only if something is inconsistent.
pub fn call(name: &str, args: &[String]) -> Result<Stats, String> {
    let mut stats = Stats::default();
    let catalog = kql::Catalog::new();
    let cols: Vec<String> = (0..args.len()).map(|i| format!("a{i}")).collect();
    let binds: Vec<String> = args
        .iter()
        .zip(&cols)
        .map(|(a, c)| format!("{c} = {a}"))
        .collect();
    let (Some(constant), Some(columns)) = (spell(name, args), spell(name, &cols)) else {
        return Ok(stats);
    };
    let mut queries = vec![format!("print r = {constant}")];
    if !args.is_empty() {
        queries.push(format!("print {} | extend r = {columns}", binds.join(", ")));
    }
    if kql::functions::is_aggregate(name) {
        let extend = if binds.is_empty() {
            String::new()
        } else {
            format!(" | extend {}", binds.join(", "))
        };
        queries.push(format!(
            "range i from 1 to 3 step 1{extend} | summarize r = {name}({})",
            cols.join(", ")
        ));
        queries.push(format!(
            "range i from 1 to 3 step 1{extend} | summarize r = {name}({}) by g = i % 2",
            cols.join(", ")
        ));
    }
    for q in &queries {
        super::note(q);
        stats.calls += 1;
        match kql::run_query(q, &catalog, now()) {
            Ok(tables) => {
                for f in [
                    kql::io::Format::Table,
                    kql::io::Format::Json,
                    kql::io::Format::Jsonl,
                    kql::io::Format::Csv,
                ] {
                    let _ = kql::io::render(&tables, f);
                }
            }
            Err(e) => {
                stats.errors += 1;
                let _ = e.render("fuzz.kql", q);
                if e.message.is_empty() {
                    return Err(format!("an error without a message: {q}"));
                }
            }
        }
    }
    Ok(stats)
}
