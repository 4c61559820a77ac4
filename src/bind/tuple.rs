//! Scalar functions that give several columns: `array_sort_asc(a, b)` (and `_desc`)
//! with several arrays. The function itself returns the array of results; in `print`,
//! `extend` and `project` each result becomes its own column, named `<arg>_sorted` or
//! from `(x, y) = ...`.

use super::expr::Bound;
use super::names::derived_name;
use super::{Binder, Scope};
use crate::ast::{Expr, ExprKind, NamedExpr};
use crate::error::{Error, Result};
use crate::functions::{self, ArgInfo};
use crate::plan::BExpr;
use crate::table::Column;
use crate::types::Type;
use crate::value::Value;
use std::sync::Arc;

impl Binder<'_> {
    /// The columns of `item` when its expression gives several: (name, expression).
    /// None for an ordinary one-column expression.
    pub(crate) fn tuple_columns(
        &self,
        item: &NamedExpr,
        row: &[Column],
        scope: &Scope,
    ) -> Result<Option<Vec<(String, Bound)>>> {
        let ExprKind::Call { func, args } = &unparen(&item.expr).kind else {
            return Ok(None);
        };
        if !matches!(func.name.as_str(), "array_sort_asc" | "array_sort_desc") || args.len() < 2 {
            return Ok(None);
        }
        let mut tys = Vec::new();
        for a in args {
            tys.push(self.scalar(&a.value, row, scope)?.ty);
        }
        let arrays = tys.len() - usize::from(tys.last() == Some(&Type::Bool));
        if arrays < 2 {
            return Ok(None);
        }
        if !item.names.is_empty() && item.names.len() != arrays {
            return Err(Error::semantic(
                format!(
                    "`{}` gives {arrays} columns, but {} names are given",
                    func.name,
                    item.names.len()
                ),
                item.span,
            ));
        }
        let whole = self.scalar(&item.expr, row, scope)?;
        let index: Arc<dyn functions::ScalarImpl> = {
            let infos = [
                ArgInfo {
                    ty: Type::Dynamic,
                    constant: None,
                },
                ArgInfo {
                    ty: Type::Long,
                    constant: None,
                },
            ];
            let b = functions::bind_scalar("__index", &infos)
                .map_err(|_| Error::semantic("cannot index a result", item.span))?;
            Arc::from(b.imp)
        };
        let mut out = Vec::with_capacity(arrays);
        for k in 0..arrays {
            let name = match item.names.get(k) {
                Some(n) => n.name.clone(),
                None => match derived_name(&args[k].value) {
                    Some(n) => format!("{n}_sorted"),
                    None => format!("array{}_sorted", k + 1),
                },
            };
            let expr = BExpr::Call(
                index.clone(),
                vec![whole.expr.clone(), BExpr::Const(Value::Long(k as i64))],
            );
            out.push((
                name,
                Bound {
                    expr,
                    ty: Type::Dynamic,
                },
            ));
        }
        Ok(Some(out))
    }
}

fn unparen(e: &Expr) -> &Expr {
    match &e.kind {
        ExprKind::Paren(inner) => unparen(inner),
        _ => e,
    }
}
