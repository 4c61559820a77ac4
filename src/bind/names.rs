//! How Kusto names columns nobody named (settled with Microsoft's type checker):
//! `x.a` and `x["a"]` → `x_a`; a conversion, `bin`, `split`, ... of a column keeps its
//! name (`tostring(a)` → `a`, `bin(t, 1h)` → `t`), `strlen(s)` → `strlen_s`,
//! `gettype(x)` → `type_x`; other expressions → `Column1`, ...;
//! aggregates → `count_`, `sum_X`, `set_X`, ...; a taken name gets the next free number.

use crate::ast::{Expr, ExprKind, Literal};

/// Functions whose result keeps the name of their first argument (Kusto.Language's
/// `ResultNameKind.FirstArgument`): `tostring(a)` → `a`, `split(s, ",")` → `s`,
/// `bin(startofday(t), 1d)` → `t`; when the first argument has no name (`bin(x + 1, 2)`)
/// neither has the call.
const FIRST_ARGUMENT: &[&str] = &[
    "abs",
    "acos",
    "asin",
    "atan",
    "atan2",
    "bin",
    "bin_at",
    "bin_auto",
    "binary_and",
    "binary_not",
    "binary_or",
    "binary_shift_left",
    "binary_shift_right",
    "binary_xor",
    "bitset_count_ones",
    "ceiling",
    "cos",
    "erf",
    "erfc",
    "exp",
    "exp10",
    "exp2",
    "floor",
    "format_bytes",
    "format_datetime",
    "format_timespan",
    "gamma",
    "log",
    "log10",
    "log2",
    "loggamma",
    "parse_csv",
    "parse_json",
    "parse_xml",
    "parsejson",
    "pow",
    "round",
    "sin",
    "split",
    "sqrt",
    "startofday",
    "tan",
    "tobool",
    "toboolean",
    "todatetime",
    "todecimal",
    "todouble",
    "todynamic",
    "toguid",
    "tohex",
    "toint",
    "tolong",
    "toobject",
    "toreal",
    "tostring",
    "totime",
    "totimespan",
];

/// Functions named `<function>_<first argument's name>` (`NameAndFirstArgument`):
/// `strlen(s)` → `strlen_s`, `strlen("abc")` → `strlen_`.
const NAME_AND_FIRST: &[&str] = &["strlen", "string_size", "dcount_hll", "percentile_tdigest"];

/// Functions named `<prefix>_<first argument's name>` (`PrefixAndFirstArgument` among
/// scalar functions): `gettype(x)` → `type_x`.
const PREFIX_AND_FIRST: &[(&str, &str)] = &[
    ("gettype", "type"),
    ("repeat", "repeat"),
    ("treepath", "tree"),
];

fn prefix_of(func: &str) -> Option<&'static str> {
    if let Some(n) = NAME_AND_FIRST.iter().find(|n| **n == func) {
        return Some(n);
    }
    PREFIX_AND_FIRST
        .iter()
        .find(|(f, _)| *f == func)
        .map(|(_, p)| *p)
}

/// The name Kusto gives to an unnamed expression, if it derives one from the expression.
pub(crate) fn derived_name(e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Name(id) => Some(id.name.clone()),
        ExprKind::Paren(inner) => derived_name(inner),
        ExprKind::Member { expr, name } => Some(format!("{}_{}", derived_name(expr)?, name.name)),
        ExprKind::Index { expr, index } => {
            let key = match &index.kind {
                ExprKind::Literal(Literal::String(s)) => s.clone(),
                ExprKind::Literal(Literal::Long(n)) => n.to_string(),
                ExprKind::Literal(Literal::Int(n)) => n.to_string(),
                _ => return None,
            };
            Some(format!("{}_{}", derived_name(expr)?, key))
        }
        ExprKind::Call { func, args } if FIRST_ARGUMENT.contains(&func.name.as_str()) => {
            let first = args.first()?;
            // `bin(b = Timestamp, 5m)` is named by its argument's name.
            match &first.name {
                Some(n) => Some(n.name.clone()),
                None => derived_name(&first.value),
            }
        }
        ExprKind::Call { func, args } => {
            let prefix = prefix_of(&func.name)?;
            let arg = args.first().and_then(|a| derived_name(&a.value));
            Some(format!("{prefix}_{}", arg.unwrap_or_default()))
        }
        _ => None,
    }
}

/// The name of an unnamed `summarize` item that is an expression over aggregates:
/// as [`derived_name`], with each aggregate named as it would be alone
/// (`tostring(make_set(s))` → `set_s`, `strlen(max(s))` → `strlen_max_s`; Kusto.Language).
pub(crate) fn summary_name(e: &Expr, input: &[crate::table::Column]) -> Option<String> {
    match &e.kind {
        ExprKind::Paren(inner) => summary_name(inner, input),
        ExprKind::Call { func, args } if crate::functions::is_aggregate(&func.name) => {
            aggregate_name(&func.name, args, input)
        }
        ExprKind::Call { func, args } if FIRST_ARGUMENT.contains(&func.name.as_str()) => {
            let first = args.first()?;
            // `toint(Compliant = dcountif(...))` is named by its argument's name, as
            // in `derived_name`.
            match &first.name {
                Some(n) => Some(n.name.clone()),
                None => summary_name(&first.value, input),
            }
        }
        ExprKind::Call { func, args } => {
            let prefix = prefix_of(&func.name)?;
            let arg = args.first().and_then(|a| summary_name(&a.value, input));
            Some(format!("{prefix}_{}", arg.unwrap_or_default()))
        }
        _ => None,
    }
}

/// The column an expression is named after (`x` in `x`, `x.a`, `tostring(x)`).
fn root_column(e: &Expr) -> Option<&str> {
    match &e.kind {
        ExprKind::Name(id) => Some(&id.name),
        ExprKind::Paren(inner) => root_column(inner),
        ExprKind::Member { expr, .. } | ExprKind::Index { expr, .. } => root_column(expr),
        ExprKind::Call { func, args }
            if FIRST_ARGUMENT.contains(&func.name.as_str()) || prefix_of(&func.name).is_some() =>
        {
            root_column(&args.first()?.value)
        }
        _ => None,
    }
}

/// `name` if it is free, else `name1`, `name2`, ... (the first free one).
pub(crate) fn unique(name: &str, taken: &[String]) -> String {
    if !taken.iter().any(|t| t == name) {
        return name.to_string();
    }
    (1..)
        .map(|n| format!("{name}{n}"))
        .find(|c| !taken.iter().any(|t| t == c))
        .unwrap_or_default()
}

/// The next `Column<N>` not taken.
pub(crate) fn next_column_name(taken: &[String]) -> String {
    (1..)
        .map(|n| format!("Column{n}"))
        .find(|c| !taken.iter().any(|t| t == c))
        .unwrap_or_default()
}

/// The default name of a single-output aggregate call.
/// A percentile literal as it appears in a column name: 99.9 → `99_9`.
pub(crate) fn percent_text(e: &Expr) -> Option<String> {
    Some(match &e.kind {
        ExprKind::Literal(Literal::Long(n)) => n.to_string(),
        ExprKind::Literal(Literal::Int(n)) => n.to_string(),
        ExprKind::Literal(Literal::Real(r)) => r.to_string().replace('.', "_"),
        _ => return None,
    })
}

pub(crate) fn aggregate_name(
    func: &str,
    args: &[crate::ast::Arg],
    input: &[crate::table::Column],
) -> Option<String> {
    let arg = |i: usize| args.get(i).and_then(|a| derived_name(&a.value));
    let prefix = match func {
        "countif" => return Some("countif_".into()),
        "count" => return Some(format!("count_{}", arg(0).unwrap_or_default())),
        "take_any" | "take_anyif" => return arg(0),
        "percentile" | "percentiles" | "percentilew" | "percentilesw" => {
            let at = if func.ends_with('w') { 2 } else { 1 };
            let p = percent_text(&args.get(at)?.value)?;
            return Some(format!("percentile_{}_{p}", arg(0).unwrap_or_default()));
        }
        "percentiles_array" | "percentilesw_array" => {
            return Some(format!("percentiles_{}", arg(0).unwrap_or_default()))
        }
        "tdigest_merge" | "merge_tdigest" => "merge_tdigests",
        "make_set" | "make_set_if" | "makeset" => "set",
        "make_list" | "make_list_if" | "make_list_with_nulls" | "makelist" => "list",
        "make_bag" | "make_bag_if" => "bag",
        "make_dictionary" => "dictionary",
        "buildschema" => "schema",
        other => other,
    };
    // Every argument over a column joins the name: covariance(x, y) → covariance_x_y;
    // constants and lets (`dcount(x, accuracy)`) do not.
    let parts: Vec<String> = args
        .iter()
        .filter(|a| root_column(&a.value).is_some_and(|r| input.iter().any(|c| c.name == r)))
        .filter_map(|a| derived_name(&a.value))
        .collect();
    Some(format!("{prefix}_{}", parts.join("_")))
}
