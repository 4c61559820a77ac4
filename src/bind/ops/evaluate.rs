//! `evaluate` plugins.

use super::*;

impl Binder<'_> {
    /// `evaluate plugin(...)`: only `bag_unpack` so far.
    pub(super) fn evaluate(&self, input: Plan, call: &Expr, span: Span) -> Result<Plan> {
        let ExprKind::Call { func, args } = &call.kind else {
            return Err(Error::semantic(
                "`evaluate` expects a plugin call",
                call.span,
            ));
        };
        if func.name != "bag_unpack" {
            return Err(Error::unsupported(
                format!("evaluate {}", func.name),
                func.span,
            ));
        }
        let mut positional = args.iter().filter(|a| a.name.is_none());
        let col = match positional.next().map(|a| &a.value.kind) {
            Some(ExprKind::Name(id)) => column(&input.schema, id)?,
            _ => {
                return Err(Error::semantic(
                    "`bag_unpack` takes a dynamic column first",
                    call.span,
                ))
            }
        };
        let prefix = match positional.next().map(|a| &a.value.kind) {
            Some(ExprKind::Literal(ast::Literal::String(p))) => p.clone(),
            Some(_) => return Err(Error::unsupported("this `bag_unpack` argument", call.span)),
            None => String::new(),
        };
        let mut conflict = "error".to_string();
        for a in args.iter().filter(|a| a.name.is_some()) {
            match (a.name.as_ref().map(|n| n.name.as_str()), &a.value.kind) {
                (Some("columnsConflict"), ExprKind::Literal(ast::Literal::String(v))) => {
                    conflict = v.clone()
                }
                _ => return Err(Error::unsupported("this `bag_unpack` option", a.value.span)),
            }
        }
        // The output columns are the keys found in the data.
        let Some(table) = self.subquery_rows(&input) else {
            return Err(Error::unsupported("bag_unpack without data", span));
        };
        let table = table?;
        // Keys in name order, each typed by its values: one scalar kind → that type.
        let mut keys: std::collections::BTreeMap<String, Option<Type>> = Default::default();
        for row in &table.rows {
            if let Value::Bag(b) = &row[col] {
                for (k, v) in b.iter() {
                    let ty = match v {
                        Value::Null => continue,
                        Value::String(_) => Type::String,
                        Value::Int(_) | Value::Long(_) => Type::Long,
                        Value::Real(_) => Type::Real,
                        Value::Bool(_) => Type::Bool,
                        _ => Type::Dynamic,
                    };
                    let slot = keys.entry(k.to_string()).or_insert(Some(ty));
                    if *slot != Some(ty) {
                        *slot = Some(Type::Dynamic);
                    }
                }
            }
        }
        let mut schema: Vec<Column> = input.schema.clone();
        schema.remove(col);
        let kept: Vec<usize> = (0..input.schema.len()).filter(|&i| i != col).collect();
        let mut unpacked: Vec<(String, usize)> = Vec::new(); // (key, output column)
        for (k, ty) in &keys {
            let name = format!("{prefix}{k}");
            let ty = ty.unwrap_or(Type::Dynamic);
            match schema.iter().position(|c| c.name == name) {
                Some(i) => match conflict.as_str() {
                    "keep_source" => {}
                    "replace_source" => {
                        schema[i].ty = ty;
                        unpacked.push((k.clone(), i));
                    }
                    _ => {
                        return Err(Error::semantic(
                            format!("bag_unpack: key `{k}` clashes with the column `{name}`"),
                            call.span,
                        )
                        .with_hint("use columnsConflict='replace_source' or 'keep_source'"))
                    }
                },
                None => {
                    schema.push(Column::new(name, ty));
                    unpacked.push((k.clone(), schema.len() - 1));
                }
            }
        }
        let rows = table
            .rows
            .iter()
            .map(|row| {
                let mut r: Vec<Value> = kept.iter().map(|&i| row[i].clone()).collect();
                r.resize(schema.len(), Value::Null);
                for (k, i) in &unpacked {
                    let v = match &row[col] {
                        Value::Bag(b) => b.get(k.as_str()).cloned().unwrap_or(Value::Null),
                        _ => Value::Null,
                    };
                    r[*i] = match (schema[*i].ty, v) {
                        (Type::Long, Value::Int(n)) => Value::Long(n as i64),
                        (Type::String, Value::Null) => Value::empty_str(),
                        (_, v) => v,
                    };
                }
                for (i, c) in schema.iter().enumerate() {
                    if c.ty == Type::String && r[i].is_null() {
                        r[i] = Value::empty_str();
                    }
                }
                r
            })
            .collect();
        Ok(Plan {
            kind: PlanKind::Values(Arc::new(Table::new(schema.clone(), rows))),
            schema,
        })
    }
}
