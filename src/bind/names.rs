//! How Kusto names columns nobody named (settled with Microsoft's type checker):
//! `x.a` and `x["a"]` → `x_a`; a conversion, `bin`, `round`, `startofday`, ... of a
//! column keeps its name (`tostring(a)` → `a`, `bin(t, 1h)` → `t`; see
//! `FIRST_ARGUMENT`); `strlen(s)` → `strlen_s`; other expressions → `Column1`, ...;
//! aggregates → `count_`, `sum_X`, `set_X`, ...; a taken name gets the next free number.

use crate::ast::{Expr, ExprKind, Literal};

/// Functions whose result keeps the name of their first argument (Kusto.Language's
/// `ResultNameKind.FirstArgument`): `tostring(a)` → `a`, `round(r)` → `r`,
/// `startofday(t)` → `t`, `bin(t, 1h)` → `t`; `bin(t + 1d, 1d)` has no name. An unnamed
/// `extend` of one of these replaces the column it is named after.
const FIRST_ARGUMENT: &[&str] = &[
    "tostring",
    "toint",
    "tolong",
    "todouble",
    "toreal",
    "todecimal",
    "tobool",
    "toboolean",
    "todatetime",
    "totimespan",
    "totime",
    "toguid",
    "todynamic",
    "toobject",
    "parse_json",
    "parsejson",
    "parse_csv",
    "parse_xml",
    "tohex",
    "split",
    "format_datetime",
    "format_timespan",
    "format_bytes",
    "startofday",
    "bin",
    "floor",
    "bin_at",
    "binary_and",
    "binary_or",
    "binary_xor",
    "binary_not",
    "binary_shift_left",
    "binary_shift_right",
    "bitset_count_ones",
    "round",
    "ceiling",
    "abs",
    "pow",
    "sqrt",
    "log",
    "log2",
    "log10",
    "exp",
    "exp2",
    "exp10",
    "cos",
    "sin",
    "tan",
    "acos",
    "asin",
    "atan",
    "atan2",
    "gamma",
    "loggamma",
    "erf",
    "erfc",
];

/// Functions named `<function>_<name of the first argument>` (`NameAndFirstArgument`):
/// `strlen(s)` → `strlen_s`.
const NAME_AND_FIRST_ARGUMENT: &[&str] = &["strlen", "string_size"];

/// Functions named `<prefix>_<name of the first argument, or nothing>`
/// (`PrefixAndFirstArgument`): `gettype(d)` → `type_d`.
const PREFIX_AND_FIRST_ARGUMENT: &[(&str, &str)] = &[("gettype", "type")];

/// The first column name mentioned in `e`, depth first.
fn first_name(e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Name(id) => Some(id.name.clone()),
        ExprKind::Paren(inner) | ExprKind::Unary { expr: inner, .. } => first_name(inner),
        ExprKind::Member { expr, .. } | ExprKind::Index { expr, .. } => first_name(expr),
        ExprKind::Binary { lhs, rhs, .. } => first_name(lhs).or_else(|| first_name(rhs)),
        ExprKind::Call { args, .. } => args.iter().find_map(|a| first_name(&a.value)),
        _ => None,
    }
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
            derived_name(&args.first()?.value)
        }
        ExprKind::Call { func, args } if NAME_AND_FIRST_ARGUMENT.contains(&func.name.as_str()) => {
            Some(format!(
                "{}_{}",
                func.name,
                derived_name(&args.first()?.value)?
            ))
        }
        ExprKind::Call { func, args } => {
            let (_, prefix) = PREFIX_AND_FIRST_ARGUMENT
                .iter()
                .find(|(f, _)| *f == func.name)?;
            let arg = args.first().and_then(|a| derived_name(&a.value));
            Some(format!("{prefix}_{}", arg.unwrap_or_default()))
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
        "percentile" => {
            let p = match &args.get(1)?.value.kind {
                ExprKind::Literal(Literal::Long(n)) => n.to_string(),
                ExprKind::Literal(Literal::Int(n)) => n.to_string(),
                ExprKind::Literal(Literal::Real(r)) => r.to_string().replace('.', "_"),
                _ => return None,
            };
            return Some(format!("percentile_{}_{p}", arg(0).unwrap_or_default()));
        }
        "make_set" | "make_set_if" | "makeset" => "set",
        "make_list" | "make_list_if" | "make_list_with_nulls" | "makelist" => "list",
        "make_bag" | "make_bag_if" => "bag",
        "buildschema" => "schema",
        other => other,
    };
    // Every named argument over a column joins the name: covariance(x, y) →
    // covariance_x_y (the engine's name; Kusto.Language says covariance_x), max(strlen(s))
    // → max_strlen_s; constants and lets (`dcount(x, accuracy)`) do not.
    let parts: Vec<String> = args
        .iter()
        .filter(|a| first_name(&a.value).is_some_and(|r| input.iter().any(|c| c.name == r)))
        .filter_map(|a| derived_name(&a.value))
        .collect();
    Some(format!("{prefix}_{}", parts.join("_")))
}
