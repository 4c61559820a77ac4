//! `search` predicates.

use super::*;

impl Binder<'_> {
    /// A `search` predicate: a bare string means "some column has it" (`*` as a
    /// wildcard: `"*x*"` contains, `"x*"` a term prefix, `"*x"` a term suffix);
    /// `and`/`or`/`not` combine; anything else is an ordinary predicate.
    pub(super) fn search_predicate(
        &self,
        e: &Expr,
        row: &[Column],
        scope: &Scope,
    ) -> Result<Bound> {
        match &e.kind {
            ExprKind::Literal(ast::Literal::String(text)) => {
                let (func, needle) =
                    match (text.starts_with('*'), text.ends_with('*') && text.len() > 1) {
                        (true, true) => ("contains", text.trim_matches('*')),
                        (false, true) => ("hasprefix", text.trim_end_matches('*')),
                        (true, false) => ("hassuffix", text.trim_start_matches('*')),
                        (false, false) => ("has", text.as_str()),
                    };
                let needle = Bound {
                    expr: BExpr::Const(Value::str(needle)),
                    ty: Type::String,
                };
                let mut acc: Option<BExpr> = None;
                for (i, c) in row.iter().enumerate() {
                    if !matches!(c.ty, Type::String | Type::Dynamic) {
                        continue;
                    }
                    let col = Bound {
                        expr: BExpr::Column(i),
                        ty: c.ty,
                    };
                    let test =
                        self.call(func, vec![col, needle.clone()], &[e.span, e.span], e.span)?;
                    acc = Some(match acc {
                        None => test.expr,
                        Some(a) => BExpr::Or(Box::new(a), Box::new(test.expr)),
                    });
                }
                Ok(Bound {
                    expr: acc.unwrap_or(BExpr::Const(Value::Bool(false))),
                    ty: Type::Bool,
                })
            }
            ExprKind::Paren(inner) => self.search_predicate(inner, row, scope),
            ExprKind::Binary {
                op: op @ (ast::BinaryOp::And | ast::BinaryOp::Or),
                lhs,
                rhs,
            } => {
                let l = self.search_predicate(lhs, row, scope)?;
                let r = self.search_predicate(rhs, row, scope)?;
                let (l, r) = (Box::new(l.expr), Box::new(r.expr));
                Ok(Bound {
                    expr: if *op == ast::BinaryOp::And {
                        BExpr::And(l, r)
                    } else {
                        BExpr::Or(l, r)
                    },
                    ty: Type::Bool,
                })
            }
            ExprKind::Call { func, args } if func.name == "not" && args.len() == 1 => {
                let inner = self.search_predicate(&args[0].value, row, scope)?;
                self.call("not", vec![inner], &[e.span], e.span)
            }
            _ => {
                let b = self.scalar(e, row, scope)?;
                if !matches!(b.ty, Type::Bool | Type::Dynamic) {
                    return Err(Error::semantic(
                        format!("the `search` predicate must be bool, not {}", b.ty),
                        e.span,
                    ));
                }
                Ok(b)
            }
        }
    }
}
