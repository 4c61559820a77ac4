//! `mv-expand` and `parse`: operators that split a value into rows or columns.

use super::*;

impl Binder<'_> {
    pub(super) fn mv_expand(
        &self,
        input: Plan,
        params: &[OpParam],
        items: &[ast::MvExpandItem],
        limit: Option<&Expr>,
        scope: &Scope,
    ) -> Result<Plan> {
        let mut bag = BagExpansion::Bag;
        let mut index_name = None;
        for p in params {
            match p.name.name.as_str() {
                "bagexpansion" | "kind" => {
                    bag = match param_word(&p.value)?.as_str() {
                        "array" => BagExpansion::Array,
                        _ => BagExpansion::Bag,
                    }
                }
                "with_itemindex" => index_name = Some(param_word(&p.value)?),
                _ => {}
            }
        }
        let mut schema = input.schema.clone();
        let mut bound = Vec::new();
        for item in items {
            let b = self.scalar(&item.expr, &input.schema, scope)?;
            if !matches!(b.ty, Type::Dynamic | Type::Unknown) {
                return Err(Error::semantic(
                    format!("mv-expand needs a dynamic value, not {}", b.ty),
                    item.expr.span,
                )
                .with_code(Code::Ks(107)));
            }
            let ty = item.to_type.unwrap_or(Type::Dynamic);
            let name = match (&item.name, &item.expr.kind) {
                (Some(n), _) => n.name.clone(),
                (None, ExprKind::Name(id)) => id.name.clone(),
                (None, _) => derived_name(&item.expr).unwrap_or_else(|| {
                    let taken: Vec<String> = schema.iter().map(|c| c.name.clone()).collect();
                    next_column_name(&taken)
                }),
            };
            let target = match schema.iter().position(|c| c.name == name) {
                Some(i) => {
                    schema[i].ty = ty;
                    i
                }
                None => {
                    schema.push(Column::new(name, ty));
                    schema.len() - 1
                }
            };
            let cast = match item.to_type {
                Some(Type::Dynamic) | None => None,
                Some(t) => Some(Arc::new(CastOnly {
                    ty: t,
                    convert: self.conversion(t, item.span)?,
                }) as Arc<dyn functions::ScalarImpl>),
            };
            bound.push(MvItem {
                expr: b.expr,
                target,
                cast,
            });
        }
        let width = schema.len();
        if let Some(n) = &index_name {
            schema.push(Column::new(n.clone(), Type::Long));
        }
        let limit = limit.map(|l| self.count_expr(l, scope)).transpose()?;
        Ok(Plan {
            schema,
            kind: PlanKind::MvExpand {
                input: Box::new(input),
                items: bound,
                bag,
                with_index: index_name.is_some(),
                limit,
                width,
            },
        })
    }

    /// The registry's conversion of a dynamic value to `ty` (`tolong`, `todatetime`, ...).
    pub(crate) fn conversion(
        &self,
        ty: Type,
        span: Span,
    ) -> Result<Arc<dyn functions::ScalarImpl>> {
        let name = match ty {
            Type::Bool => "tobool",
            Type::Int => "toint",
            Type::Long => "tolong",
            Type::Real => "todouble",
            Type::Decimal => "todecimal",
            Type::String => "tostring",
            Type::DateTime => "todatetime",
            Type::TimeSpan => "totimespan",
            Type::Guid => "toguid",
            Type::Dynamic | Type::Unknown => "todynamic",
        };
        let b = functions::bind_scalar(
            name,
            &[ArgInfo {
                ty: Type::Dynamic,
                constant: None,
            }],
        )
        .map_err(|e| self.fn_error(e, name, &[span], span, false))?;
        Ok(Arc::from(b.imp))
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn parse(
        &self,
        input: Plan,
        kind: &ast::ParseKind,
        filter: bool,
        expr: &Expr,
        pattern: &[ParsePart],
        flags: &str,
        span: Span,
        scope: &Scope,
    ) -> Result<Plan> {
        let relaxed = matches!(kind, ast::ParseKind::Relaxed);
        let regex_mode = matches!(kind, ast::ParseKind::Regex);
        let b = self.scalar(expr, &input.schema, scope)?;
        let b = if b.ty == Type::String {
            b
        } else {
            self.call("tostring", vec![b], &[expr.span], expr.span)?
        };
        let mut schema = input.schema.clone();
        if !flags.chars().all(|c| "Umsi".contains(c)) {
            return Err(Error::semantic(
                format!("unknown regex flags `{flags}`"),
                span,
            ));
        }
        // Skips are lazy. A string capture is lazy in simple mode except at the very
        // end; in regex mode it is greedy (`U` makes it lazy), as the engine's answers
        // on the docs' examples show.
        let (lazy, greedy) = (".*?", ".*");
        let mut re = if flags.is_empty() {
            String::from("^")
        } else {
            format!("(?{flags})^")
        };
        let mut targets = Vec::new();
        let last_capture = pattern
            .iter()
            .rposition(|p| matches!(p, ParsePart::Capture { .. }));
        let ends_with_capture = last_capture == Some(pattern.len().saturating_sub(1));
        for (k, part) in pattern.iter().enumerate() {
            match part {
                ParsePart::Literal(s) => {
                    if regex_mode {
                        re.push_str(s);
                    } else {
                        re.push_str(&regex::escape(s));
                    }
                }
                ParsePart::Skip => re.push_str(&format!("(?:{lazy})")),
                ParsePart::Capture { name, ty } => {
                    let ty = ty.unwrap_or(Type::String);
                    let greedy_last = ends_with_capture && Some(k) == last_capture;
                    // Named groups, so that groups in a regex-mode pattern don't shift ours.
                    let any = if greedy_last || regex_mode {
                        greedy
                    } else {
                        lazy
                    };
                    let typed = match ty {
                        Type::Int | Type::Long => Some(r"[-+]?\d+"),
                        Type::Real | Type::Decimal => {
                            Some(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
                        }
                        _ => None,
                    };
                    // Relaxed: a typed capture prefers text of its type but takes any
                    // text (then null on its own) rather than failing the match.
                    let body = match typed {
                        Some(t) if relaxed => format!("(?:{t}|{any})"),
                        Some(t) => t.to_string(),
                        None => any.to_string(),
                    };
                    re.push_str(&format!("(?P<kqlcap{}>{body})", targets.len()));
                    let target = match schema.iter().position(|c| c.name == name.name) {
                        Some(i) => {
                            schema[i].ty = ty;
                            i
                        }
                        None => {
                            schema.push(Column::new(name.name.clone(), ty));
                            schema.len() - 1
                        }
                    };
                    let conv = if ty == Type::String {
                        None
                    } else {
                        Some(self.conversion(ty, name.span)?)
                    };
                    targets.push((target, ty, conv));
                }
            }
        }
        if !ends_with_capture {
            // A trailing literal must match at the end only when the pattern says so;
            // Kusto matches the pattern as a prefix otherwise.
        }
        let regex = regex::Regex::new(&re)
            .map_err(|e| Error::semantic(format!("invalid parse pattern: {e}"), span))?;
        Ok(Plan {
            schema,
            kind: PlanKind::Parse {
                input: Box::new(input),
                expr: b.expr,
                spec: ParseSpec {
                    regex: Arc::new(regex),
                    targets,
                    relaxed,
                },
                filter,
            },
        })
    }
}
