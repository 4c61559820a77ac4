//! `join`, `lookup` and `union`: operators over several inputs.

use super::*;

impl Binder<'_> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn join(
        &self,
        left: Plan,
        params: &[OpParam],
        right: &Expr,
        on: &[JoinOn],
        lookup: bool,
        span: Span,
        scope: &Scope,
    ) -> Result<Plan> {
        let right = self.tabular(right, scope)?;
        let mut kind = if lookup {
            JoinKind::LeftOuter
        } else {
            JoinKind::InnerUnique
        };
        for p in params {
            if p.name.name != "kind" {
                continue; // hints and other options have no semantic effect
            }
            let word = param_word(&p.value)?;
            kind = match word.as_str() {
                "innerunique" if !lookup => JoinKind::InnerUnique,
                "inner" => JoinKind::Inner,
                "leftouter" => JoinKind::LeftOuter,
                "rightouter" if !lookup => JoinKind::RightOuter,
                "fullouter" | "outer" if !lookup => JoinKind::FullOuter,
                "leftsemi" if !lookup => JoinKind::LeftSemi,
                "leftanti" | "anti" | "leftantisemi" if !lookup => JoinKind::LeftAnti,
                "rightsemi" if !lookup => JoinKind::RightSemi,
                "rightanti" | "rightantisemi" if !lookup => JoinKind::RightAnti,
                other => {
                    return Err(Error::semantic(
                        format!(
                            "unknown {} kind `{other}`",
                            if lookup { "lookup" } else { "join" }
                        ),
                        p.value.span,
                    ))
                }
            };
        }
        if on.is_empty() {
            return Err(Error::semantic("a join needs an `on` condition", span));
        }
        let mut left_keys = Vec::new();
        let mut right_keys = Vec::new();
        for cond in on {
            let (l, r) = match cond {
                JoinOn::Column(id) => (id, id),
                JoinOn::Equal { left, right } => (left, right),
            };
            let li = column(&left.schema, l)?;
            let ri = column(&right.schema, r)?;
            let (lt, rt) = (left.schema[li].ty, right.schema[ri].ty);
            let numeric = |t: Type| matches!(t, Type::Int | Type::Long);
            let unknown = lt == Type::Unknown || rt == Type::Unknown;
            if lt != rt && !(numeric(lt) && numeric(rt)) && !unknown {
                return Err(Error::semantic(
                    format!(
                        "join keys of different types: `{}` is {lt}, `{}` is {rt}",
                        l.name, r.name
                    ),
                    r.span,
                )
                .with_hint("convert one side, e.g. with `tostring()` or `tolong()`"));
            }
            left_keys.push(li);
            right_keys.push(ri);
        }
        let right_drop: Vec<usize> = if lookup {
            right_keys.clone()
        } else {
            Vec::new()
        };
        let schema = match kind {
            JoinKind::LeftSemi | JoinKind::LeftAnti => left.schema.clone(),
            JoinKind::RightSemi | JoinKind::RightAnti => right.schema.clone(),
            _ => {
                let mut schema = left.schema.clone();
                let kept: Vec<&Column> = right
                    .schema
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| !right_drop.contains(i))
                    .map(|(_, c)| c)
                    .collect();
                // A clashing right column takes the next number free among all names.
                let mut taken: Vec<String> = schema
                    .iter()
                    .chain(kept.iter().copied())
                    .map(|c| c.name.clone())
                    .collect();
                for c in kept {
                    let name = if left.schema.iter().any(|l| l.name == c.name) {
                        let n = unique(&c.name, &taken);
                        taken.push(n.clone());
                        n
                    } else {
                        c.name.clone()
                    };
                    schema.push(Column::new(name, c.ty));
                }
                schema
            }
        };
        Ok(Plan {
            schema,
            kind: PlanKind::Join {
                left: Box::new(left),
                right: Box::new(right),
                kind,
                left_keys,
                right_keys,
                right_drop,
            },
        })
    }

    pub(super) fn union(
        &self,
        input: Option<Plan>,
        params: &[OpParam],
        tables: &[Expr],
        span: Span,
        scope: &Scope,
    ) -> Result<Plan> {
        let mut inner = false;
        let mut withsource = None;
        let mut fuzzy = false;
        for p in params {
            match p.name.name.as_str() {
                "kind" => inner = param_word(&p.value)? == "inner",
                "withsource" => withsource = Some(param_word(&p.value)?),
                "isfuzzy" => fuzzy = param_word(&p.value)? == "true",
                _ => {}
            }
        }
        let mut inputs: Vec<(String, Plan)> = Vec::new();
        if let Some(p) = input {
            inputs.push((plan_name(&p).unwrap_or_else(|| "union_arg0".into()), p));
        }
        for t in tables {
            if let ExprKind::Name(id) = &t.kind {
                if id.name.contains('*') {
                    let names: Vec<&str> = self
                        .catalog
                        .names()
                        .filter(|n| wildcard_match(&id.name, n) && !scope.hides_table(n))
                        .collect();
                    for n in names {
                        if let Some(p) = self.scan(n) {
                            inputs.push((n.to_string(), p?));
                        }
                    }
                    // Views (`let v = view () {...}`) are in a wildcard's scope too.
                    for v in scope.views() {
                        if wildcard_match(&id.name, &v) {
                            let name = Expr::new(
                                ExprKind::Name(ast::Ident {
                                    name: v.clone(),
                                    span: id.span,
                                }),
                                id.span,
                            );
                            inputs.push((v.clone(), self.tabular(&name, scope)?));
                        }
                    }
                    continue;
                }
            }
            let before = self.recovered.borrow().len();
            let leg = self.tabular(t, scope);
            if fuzzy && self.checking() && self.fuzzy_leg_unknown(before) {
                // A fuzzy union drops a leg naming no known table (Kusto.Language warns,
                // KS205), as running does below.
                continue;
            }
            match leg {
                Ok(p) => {
                    let name = match &t.kind {
                        ExprKind::Name(id) => id.name.clone(),
                        _ => plan_name(&p).unwrap_or_else(|| format!("union_arg{}", inputs.len())),
                    };
                    inputs.push((name, p))
                }
                Err(e) if fuzzy && e.kind == crate::error::ErrorKind::Semantic => {
                    if e.code == Some(crate::error::Code::Ks(204)) {
                        self.warn(e.with_code(crate::error::Code::Ks(205)));
                    }
                }
                Err(e) => return Err(e),
            }
        }
        if inputs.is_empty() {
            return Err(Error::semantic("`union` has no tables to combine", span));
        }
        // Output columns in order of first appearance; one name with several types
        // becomes `name_type` for each type, the variants side by side where the name
        // first appears (as Kusto.Language orders them).
        let mut cols: Vec<Column> = Vec::new();
        for (_, p) in &inputs {
            for c in &p.schema {
                if !cols.contains(c) {
                    match cols.iter().rposition(|d| d.name == c.name) {
                        Some(i) => cols.insert(i + 1, c.clone()),
                        None => cols.push(c.clone()),
                    }
                }
            }
        }
        if inner {
            cols.retain(|c| inputs.iter().all(|(_, p)| p.schema.contains(c)));
        }
        // A `name_type` that is itself taken gets the next free number (`x_long1`).
        let clashes = |c: &Column| cols.iter().filter(|d| d.name == c.name).count() > 1;
        let mut taken: Vec<String> = cols
            .iter()
            .filter(|c| !clashes(c))
            .map(|c| c.name.clone())
            .collect();
        let mut schema: Vec<Column> = Vec::with_capacity(cols.len());
        for c in &cols {
            if clashes(c) {
                let name = unique(&format!("{}_{}", c.name, c.ty), &taken);
                taken.push(name.clone());
                schema.push(Column::new(name, c.ty));
            } else {
                schema.push(c.clone());
            }
        }
        let maps: Vec<Vec<Option<usize>>> = inputs
            .iter()
            .map(|(_, p)| {
                cols.iter()
                    .map(|c| p.schema.iter().position(|d| d == c))
                    .collect()
            })
            .collect();
        let source_names = withsource.map(|col| {
            schema.insert(0, Column::new(col, Type::String));
            inputs.iter().map(|(n, _)| n.clone()).collect()
        });
        Ok(Plan {
            schema,
            kind: PlanKind::Union {
                inputs: inputs.into_iter().map(|(_, p)| p).collect(),
                maps,
                source_names,
            },
        })
    }
}

impl Binder<'_> {
    /// When checking a fuzzy union: whether binding the leg recorded an unknown table
    /// (errors recorded since `before`); if so those errors become warnings.
    fn fuzzy_leg_unknown(&self, before: usize) -> bool {
        let unknown = self.recovered.borrow()[before..]
            .iter()
            .any(|e| e.code == Some(crate::error::Code::Ks(204)));
        if unknown {
            let errors: Vec<Error> = self.recovered.borrow_mut().drain(before..).collect();
            for e in errors {
                if e.code == Some(crate::error::Code::Ks(204)) {
                    self.warn(e.with_code(crate::error::Code::Ks(205)));
                }
            }
        }
        unknown
    }
}
