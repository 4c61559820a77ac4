//! How Kusto names columns nobody named (settled with Microsoft's type checker):
//! `x.a` and `x["a"]` → `x_a`; a conversion or `bin` of a column keeps its name
//! (`tostring(a)` → `a`, `bin(t, 1h)` → `t`); other expressions → `Column1`, ...;
//! aggregates → `count_`, `sum_X`, `set_X`, ...; a taken name gets the next free number.

use crate::ast::{Expr, ExprKind, Literal};

/// Functions whose result keeps the name of their first argument.
const NAME_PRESERVING: &[&str] = &[
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
    "toguid",
    "todynamic",
    "toobject",
    "parse_json",
    "bin",
    "floor",
    "bin_at",
];

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
        ExprKind::Call { func, args } if NAME_PRESERVING.contains(&func.name.as_str()) => {
            derived_name(&args.first()?.value)
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
pub(crate) fn aggregate_name(func: &str, args: &[crate::ast::Arg]) -> Option<String> {
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
        other => other,
    };
    // Every argument that names something joins the name: covariance(x, y) → covariance_x_y.
    let parts: Vec<String> = args.iter().filter_map(|a| derived_name(&a.value)).collect();
    Some(format!("{prefix}_{}", parts.join("_")))
}
