//! Binding `parse-kv` (executed by `exec/parse_kv.rs`).

use super::{Binder, Scope};
use crate::ast::{ColumnDecl, Expr, ExprKind, Literal, OpParam};
use crate::error::{Error, Result, Span};
use crate::exec::parse_kv::{KvTarget, Mode, ParseKv};
use crate::plan::{Plan, PlanKind};
use crate::table::Column;
use crate::types::Type;
use std::sync::Arc;

impl Binder<'_> {
    pub(crate) fn parse_kv(
        &self,
        input: Plan,
        expr: &Expr,
        columns: &[ColumnDecl],
        with: &[OpParam],
        span: Span,
        scope: &Scope,
    ) -> Result<Plan> {
        let b = self.scalar(expr, &input.schema, scope)?;
        let (mut pair, mut kv, mut greedy, mut regex) = (None, None, false, None);
        let (mut quotes, mut escapes) = (Vec::new(), Vec::new());
        for p in with {
            let text = |p: &OpParam| -> Result<String> {
                match &p.value.kind {
                    ExprKind::Literal(Literal::String(s)) => Ok(s.clone()),
                    _ => Err(Error::semantic(
                        format!("`{}` takes a string", p.name.name),
                        p.value.span,
                    )),
                }
            };
            match p.name.name.as_str() {
                "pair_delimiter" => pair = Some(text(p)?),
                "kv_delimiter" => kv = Some(text(p)?),
                "regex" => regex = Some(text(p)?),
                "greedy" => {
                    greedy = matches!(&p.value.kind, ExprKind::Literal(Literal::Bool(true)))
                }
                "quote" => {
                    let q: Vec<char> = text(p)?.chars().collect();
                    match q.as_slice() {
                        [c] => quotes.push((*c, *c)),
                        [o, c] => quotes.push((*o, *c)),
                        _ => {
                            return Err(Error::semantic(
                                "`quote` takes one character, or an opening and a closing one",
                                p.value.span,
                            ))
                        }
                    }
                }
                "escape" => {
                    let e: Vec<char> = text(p)?.chars().collect();
                    match e.as_slice() {
                        [c] => escapes.push(*c),
                        _ => {
                            return Err(Error::semantic(
                                "`escape` takes one character",
                                p.value.span,
                            ))
                        }
                    }
                }
                other => {
                    return Err(Error::semantic(
                        format!("unknown parse-kv option `{other}`"),
                        p.name.span,
                    )
                    .with_hint(
                        "options: pair_delimiter, kv_delimiter, quote, escape, greedy, regex",
                    ))
                }
            }
        }
        let mode = match (regex, pair, kv) {
            (Some(r), None, None) => {
                let re = regex::Regex::new(&r)
                    .map_err(|e| Error::semantic(format!("invalid regex: {e}"), span))?;
                if re.captures_len() != 3 {
                    return Err(Error::semantic(
                        "the parse-kv regex must have exactly two capturing groups (key, value)",
                        span,
                    ));
                }
                Mode::Regex(re)
            }
            (Some(_), _, _) => {
                return Err(Error::semantic(
                    "parse-kv takes either `regex` or delimiters, not both",
                    span,
                ))
            }
            (None, Some(pair), Some(kv)) => Mode::Delimited { pair, kv, greedy },
            (None, None, None) => Mode::Words,
            (None, _, _) => {
                return Err(Error::semantic(
                    "parse-kv needs both `pair_delimiter` and `kv_delimiter`, or neither",
                    span,
                ))
            }
        };
        let mut schema = input.schema.clone();
        let mut targets = Vec::new();
        for c in columns {
            let column = match schema.iter().position(|s| s.name == c.name.name) {
                Some(i) => {
                    schema[i].ty = c.ty;
                    i
                }
                None => {
                    schema.push(Column::new(c.name.name.clone(), c.ty));
                    schema.len() - 1
                }
            };
            let conv = if c.ty == Type::String {
                None
            } else {
                Some(self.conversion(c.ty, c.span)?)
            };
            targets.push(KvTarget {
                key: c.name.name.clone(),
                column,
                ty: c.ty,
                conv,
            });
        }
        let width = schema.len();
        Ok(Plan {
            schema,
            kind: PlanKind::Custom {
                input: Box::new(input),
                name: "ParseKv",
                op: Arc::new(ParseKv {
                    expr: b.expr,
                    mode,
                    quotes,
                    escapes,
                    targets,
                    width,
                }),
            },
        })
    }
}
