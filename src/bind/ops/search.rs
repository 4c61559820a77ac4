//! `search` predicates.

use super::*;

impl Binder<'_> {
    /// One search term tested against one value, by where its `*` wildcards stand
    /// (the docs' table): `x` has, `*x` hassuffix, `x*` hasprefix, `*x*` contains,
    /// and a `*` inside (`Lab*PC`) `matches regex @"\bLab.*PC\b"`.
    fn search_term(&self, value: Bound, text: &str, span: Span) -> Result<Bound> {
        let starts = text.starts_with('*');
        let ends = text.ends_with('*') && text.len() > 1;
        let core = text.trim_matches('*');
        let (func, needle) = if core.contains('*') {
            let parts: Vec<String> = text.split('*').map(regex::escape).collect();
            let mut re = parts.join(".*");
            if !starts {
                re.insert_str(0, "\\b");
            }
            if !ends {
                re.push_str("\\b");
            }
            // Case-insensitive, as every search term is by default.
            ("matches regex", format!("(?i){re}"))
        } else {
            let func = match (starts, ends) {
                (true, true) => "contains",
                (false, true) => "hasprefix",
                (true, false) => "hassuffix",
                (false, false) => "has",
            };
            (func, core.to_string())
        };
        let needle = Bound {
            expr: BExpr::Const(Value::str(&needle)),
            ty: Type::String,
        };
        self.call(func, vec![value, needle], &[span, span], span)
    }

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
                let mut acc: Option<BExpr> = None;
                for (i, c) in row.iter().enumerate() {
                    if !matches!(c.ty, Type::String | Type::Dynamic) {
                        continue;
                    }
                    let col = Bound {
                        expr: BExpr::Column(i),
                        ty: c.ty,
                    };
                    let test = self.search_term(col, text, e.span)?;
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
            // `Col:"term"`: the term, wildcards and all, in that column only.
            ExprKind::Binary {
                op: ast::BinaryOp::SearchTerm,
                lhs,
                rhs,
            } if matches!(rhs.kind, ExprKind::Literal(ast::Literal::String(_))) => {
                let ExprKind::Literal(ast::Literal::String(text)) = &rhs.kind else {
                    unreachable!("matched above")
                };
                let col = self.scalar(lhs, row, scope)?;
                self.search_term(col, text, e.span)
            }
            // `search *`: every row (the docs: `where 0==0`).
            ExprKind::Star => Ok(Bound {
                expr: BExpr::Const(Value::Bool(true)),
                ty: Type::Bool,
            }),
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
