//! `extend` and `project`: computed columns and column selections.

use super::*;

impl Binder<'_> {
    pub(super) fn extend(&self, input: Plan, items: &[NamedExpr], scope: &Scope) -> Result<Plan> {
        // Expressions read the input row plus the columns appended so far; a replaced
        // column keeps its input value for later expressions (as Kusto's checker types it).
        let mut visible = input.schema.clone();
        let mut out = input.schema.clone();
        let mut bound = Vec::new();
        // One operator assigns a name once (Kusto: "A column with the name 'x' is
        // already declared"), though it may replace an input column.
        let mut assigned: Vec<String> = Vec::new();
        for item in items {
            let cx = Ctx {
                row: &visible,
                agg: None,
                input_width: input.schema.len(),
            };
            let columns = match self.tuple_columns(item, &visible, scope)? {
                Some(cols) => cols,
                None => {
                    let b = self.expr(&item.expr, &cx, scope);
                    let b = self.recover(b, || unknown(item.expr.span))?;
                    let name = match item.names.as_slice() {
                        [n] => n.name.clone(),
                        [] => match derived_name(&item.expr) {
                            Some(n) => n,
                            None => {
                                let taken: Vec<String> =
                                    out.iter().map(|c| c.name.clone()).collect();
                                next_column_name(&taken)
                            }
                        },
                        _ => return Err(several_names(item)),
                    };
                    if item.names.len() == 1 {
                        check_new_name_in(&assigned, &name, item.names[0].span)?;
                    }
                    vec![(name, b)]
                }
            };
            for (name, b) in columns {
                assigned.push(name.clone());
                match out.iter().position(|c| c.name == name) {
                    Some(i) => {
                        out[i].ty = b.ty;
                        // Later expressions see the new column under its name only when it
                        // was appended in this same operator.
                        if i >= input.schema.len() {
                            visible[i].ty = b.ty;
                        }
                        bound.push((Some(i), b.expr));
                    }
                    None => {
                        out.push(Column::new(name.clone(), b.ty));
                        visible.push(Column::new(name, b.ty));
                        bound.push((None, b.expr));
                    }
                }
            }
        }
        Ok(Plan {
            schema: out,
            kind: PlanKind::Extend {
                input: Box::new(input),
                items: bound,
            },
        })
    }

    pub(super) fn project(&self, input: Plan, items: &[NamedExpr], scope: &Scope) -> Result<Plan> {
        let mut schema: Vec<Column> = Vec::new();
        let mut exprs = Vec::new();
        // Names written out (`y = ...`, or a bare column): a second one is an error. A
        // name only derived (`tostring(x)` → `x`) yields: a later bare `x` is `x1`.
        let mut declared: Vec<String> = Vec::new();
        for item in items {
            if let ExprKind::Name(id) = &item.expr.kind {
                if item.names.is_empty() && id.name.contains('*') {
                    let pat = ColumnPattern {
                        pattern: id.name.clone(),
                        span: id.span,
                    };
                    for i in match_patterns(&input.schema, &[pat])? {
                        check_new_name(&schema, &input.schema[i].name, item.span)?;
                        declared.push(input.schema[i].name.clone());
                        schema.push(input.schema[i].clone());
                        exprs.push(BExpr::Column(i));
                    }
                    continue;
                }
            }
            if let Some(cols) = self.tuple_columns(item, &input.schema, scope)? {
                for (name, b) in cols {
                    check_new_name(&schema, &name, item.span)?;
                    schema.push(Column::new(name, b.ty));
                    exprs.push(b.expr);
                }
                continue;
            }
            let b = self.scalar(&item.expr, &input.schema, scope);
            let b = self.recover(b, || unknown(item.expr.span))?;
            let taken: Vec<String> = schema.iter().map(|c| c.name.clone()).collect();
            let name = match item.names.as_slice() {
                [n] => {
                    check_new_name(&schema, &n.name, n.span)?;
                    n.name.clone()
                }
                [] => match (&item.expr.kind, derived_name(&item.expr)) {
                    (ExprKind::Name(id), _) => {
                        check_new_name_in(&declared, &id.name, id.span)?;
                        declared.push(id.name.clone());
                        unique(&id.name, &taken)
                    }
                    (_, Some(n)) => unique(&n, &taken),
                    (_, None) => next_column_name(&taken),
                },
                _ => return Err(several_names(item)),
            };
            if let [n] = item.names.as_slice() {
                declared.push(n.name.clone());
            }
            schema.push(Column::new(name, b.ty));
            exprs.push(b.expr);
        }
        Ok(Plan {
            schema,
            kind: PlanKind::Project {
                input: Box::new(input),
                exprs,
            },
        })
    }
}
