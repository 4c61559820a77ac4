//! Scalar expressions by precedence climbing, and the pipeline (`source | op | ...`)
//! that binds loosest of all.
//!
//! Precedence, loosest first: `|`, `or`, `and`, comparisons and string/list
//! predicates, `+ -`, `* / %`, unary `- +`, then `.` `[]` and calls.

use super::literal::{literal_type, number};
use super::parser::Parser;
use super::token::Tok;
use crate::ast::*;
use crate::error::{Error, Result};

/// What kind of binary operator the next tokens spell, and how many tokens it takes.
#[derive(Clone, Copy)]
enum Infix {
    Bin(BinaryOp),
    List(ListOp, bool),
    Between(bool),
}

const PREC_OR: u8 = 1;
const PREC_AND: u8 = 2;
const PREC_CMP: u8 = 3;
const PREC_ADD: u8 = 4;
const PREC_MUL: u8 = 5;

/// `has`, `contains_cs`, ... → (operator, case-sensitive).
fn str_op(word: &str) -> Option<(StrOp, bool)> {
    let (base, cs) = match word.strip_suffix("_cs") {
        Some(b) => (b, true),
        None => (word, false),
    };
    let op = match base {
        "has" => StrOp::Has,
        "hasprefix" => StrOp::HasPrefix,
        "hassuffix" => StrOp::HasSuffix,
        "contains" => StrOp::Contains,
        "containscs" if !cs => return Some((StrOp::Contains, true)),
        "startswith" => StrOp::StartsWith,
        "endswith" => StrOp::EndsWith,
        _ => return None,
    };
    Some((op, cs))
}

/// Words that continue an expression; an identifier spelled so never starts an operand.
pub fn is_infix_word(w: &str) -> bool {
    matches!(
        w,
        "and"
            | "or"
            | "in"
            | "between"
            | "has_any"
            | "has_all"
            | "matches"
            | "notcontains"
            | "notcontainscs"
            | "notbetween"
            | "notin"
    ) || str_op(w).is_some()
}

impl Parser<'_> {
    /// A full expression, pipelines included: what may stand in parentheses,
    /// in a `let`, as a statement or as a call argument.
    pub fn expr(&mut self) -> Result<Expr> {
        let start = self.peek().span;
        self.enter(start)?;
        let head = self.scalar()?;
        let r = if self.is_punct("|") {
            let mut ops = Vec::new();
            while self.eat_punct("|").is_some() {
                ops.push(self.operator()?);
            }
            let span = head.span.to(self.since(start.start));
            Ok(Expr::new(
                ExprKind::Pipeline {
                    source: Box::new(head),
                    ops,
                },
                span,
            ))
        } else {
            Ok(head)
        };
        self.leave();
        r
    }

    /// An expression without a top-level `|`: operator arguments.
    pub fn scalar(&mut self) -> Result<Expr> {
        self.binary(PREC_OR)
    }

    fn infix(&self) -> Option<(Infix, u8, usize)> {
        use BinaryOp::*;
        let t = self.peek();
        let bin = |op, prec| Some((Infix::Bin(op), prec, 1));
        match &t.tok {
            Tok::Punct(p) => match *p {
                "==" => bin(Eq, PREC_CMP),
                "!=" | "<>" => bin(Ne, PREC_CMP),
                "<" => bin(Lt, PREC_CMP),
                "<=" => bin(Le, PREC_CMP),
                ">" => bin(Gt, PREC_CMP),
                ">=" => bin(Ge, PREC_CMP),
                "=~" => bin(EqCi, PREC_CMP),
                "!~" => bin(NeCi, PREC_CMP),
                "+" => bin(Add, PREC_ADD),
                "-" => bin(Sub, PREC_ADD),
                "*" => bin(Mul, PREC_MUL),
                "/" => bin(Div, PREC_MUL),
                "%" => bin(Mod, PREC_MUL),
                ":" => bin(SearchTerm, PREC_CMP),
                "!" if self.glued(1) && self.is_ident_at(1) => {
                    let (inf, n) = self.word_infix(1, true)?;
                    Some((inf, PREC_CMP, n + 1))
                }
                _ => None,
            },
            Tok::Ident => match self.text(t) {
                "or" => bin(Or, PREC_OR),
                "and" => bin(And, PREC_AND),
                _ => {
                    let (inf, n) = self.word_infix(0, false)?;
                    Some((inf, PREC_CMP, n))
                }
            },
            _ => None,
        }
    }

    pub fn is_ident_at(&self, n: usize) -> bool {
        self.peek_at(n).tok == Tok::Ident
    }

    /// A word operator at token `n` (after a `!` when `negated`).
    fn word_infix(&self, n: usize, negated: bool) -> Option<(Infix, usize)> {
        let w = self.text(self.peek_at(n));
        let tilde = self.is_punct_at(n + 1, "~") && self.glued(n + 1);
        let r = match w {
            "in" if tilde => (
                Infix::List(
                    ListOp::In {
                        case_insensitive: true,
                    },
                    negated,
                ),
                2,
            ),
            "in" => (
                Infix::List(
                    ListOp::In {
                        case_insensitive: false,
                    },
                    negated,
                ),
                1,
            ),
            "notin" if !negated => (
                Infix::List(
                    ListOp::In {
                        case_insensitive: false,
                    },
                    true,
                ),
                1,
            ),
            "has_any" if !negated => (Infix::List(ListOp::HasAny, false), 1),
            "has_all" if !negated => (Infix::List(ListOp::HasAll, false), 1),
            "between" => (Infix::Between(negated), 1),
            "notbetween" if !negated => (Infix::Between(true), 1),
            "matches" if !negated && self.is_kw_at(n + 1, "regex") => {
                (Infix::Bin(BinaryOp::MatchesRegex), 2)
            }
            "notcontains" | "notcontainscs" if !negated => (
                Infix::Bin(BinaryOp::Str {
                    op: StrOp::Contains,
                    negated: true,
                    case_sensitive: w == "notcontainscs",
                }),
                1,
            ),
            _ => {
                let (op, case_sensitive) = str_op(w)?;
                (
                    Infix::Bin(BinaryOp::Str {
                        op,
                        negated,
                        case_sensitive,
                    }),
                    1,
                )
            }
        };
        Some(r)
    }

    fn binary(&mut self, min_prec: u8) -> Result<Expr> {
        let mut lhs = self.unary()?;
        let mut chained = 0;
        while let Some((infix, prec, n)) = self.infix() {
            if prec < min_prec {
                break;
            }
            self.chain(self.peek().span)?;
            chained += 1;
            let op_start = self.peek().span.start;
            for _ in 0..n {
                self.bump();
            }
            let op_span = self.since(op_start);
            let op_text = &self.src[op_span.start..op_span.end];
            lhs = match infix {
                Infix::Bin(op) => {
                    self.need_operand(op_text)?;
                    // Comparisons do not chain; the others are left-associative.
                    let rhs = self.binary(prec + 1)?;
                    let span = lhs.span.to(rhs.span);
                    Expr::new(
                        ExprKind::Binary {
                            op,
                            lhs: Box::new(lhs),
                            rhs: Box::new(rhs),
                        },
                        span,
                    )
                }
                Infix::List(op, negated) => {
                    let op_text = op_text.to_string();
                    let list = self.list_operand(&op_text)?;
                    let span = lhs.span.to(self.since(op_start));
                    Expr::new(
                        ExprKind::List {
                            op,
                            negated,
                            expr: Box::new(lhs),
                            list,
                        },
                        span,
                    )
                }
                Infix::Between(negated) => {
                    let op_text = op_text.to_string();
                    let open = self.expect_punct(
                        "(",
                        &format!("`(` after `{op_text}` (as in `x {op_text} (1 .. 10)`)"),
                    )?;
                    let low = self.scalar()?;
                    self.expect_punct("..", "`..` between the two bounds")?;
                    self.need_operand("..")?;
                    let high = self.scalar()?;
                    self.close(")", open)?;
                    let span = lhs.span.to(self.since(op_start));
                    Expr::new(
                        ExprKind::Between {
                            negated,
                            expr: Box::new(lhs),
                            low: Box::new(low),
                            high: Box::new(high),
                        },
                        span,
                    )
                }
            };
        }
        self.unchain(chained);
        Ok(lhs)
    }

    /// `(a, b, c)`, `(T | project x)`, or (leniently) one operand without parentheses.
    fn list_operand(&mut self, op: &str) -> Result<Vec<Expr>> {
        let Some(open) = self.eat_punct("(") else {
            self.need_operand(op)?;
            return Ok(vec![self.unary()?]);
        };
        let mut list = Vec::new();
        while !self.is_punct(")") {
            list.push(self.expr()?);
            if self.eat_punct(",").is_none() {
                break;
            }
        }
        self.close(")", open)?;
        Ok(list)
    }

    /// Errors with "expected an expression after `op`" unless an operand follows.
    pub fn need_operand(&self, op: &str) -> Result<()> {
        if self.starts_operand(0) {
            Ok(())
        } else {
            Err(self.expected(&format!("an expression after `{op}`")))
        }
    }

    /// Can token `n` begin an expression?
    pub fn starts_operand(&self, n: usize) -> bool {
        let t = self.peek_at(n);
        match &t.tok {
            Tok::Ident => !is_infix_word(self.text(t)),
            Tok::Str(_) | Tok::Num => true,
            Tok::Punct(p) => matches!(*p, "(" | "[" | "-" | "+" | "*" | "@"),
            _ => false,
        }
    }

    fn unary(&mut self) -> Result<Expr> {
        if self.is_punct("-") || self.is_punct("+") {
            let t = self.bump();
            let op = if t.is_punct("-") {
                UnaryOp::Neg
            } else {
                UnaryOp::Plus
            };
            self.need_operand(self.text(&t))?;
            self.enter(t.span)?;
            let inner = self.unary();
            self.leave();
            let inner = inner?;
            let span = t.span.to(inner.span);
            return Ok(Expr::new(
                ExprKind::Unary {
                    op,
                    expr: Box::new(inner),
                },
                span,
            ));
        }
        self.postfix()
    }

    pub fn postfix(&mut self) -> Result<Expr> {
        let mut e = self.primary()?;
        loop {
            // `a.[0]`, `a.['b']`: a dot before an index is allowed and means nothing.
            if self.is_punct(".") && self.is_punct_at(1, "[") && !self.glued_name_after_dot() {
                self.bump();
                continue;
            }
            if self.is_punct(".") && self.glued_name_after_dot() {
                self.bump();
                let name = self.name("a name after `.`")?;
                if self.is_punct("(") {
                    // `cluster("c").database("d")`: a method-style call keeps its
                    // receiver as the first argument, named `$this`.
                    let receiver = Arg {
                        name: Some(Ident {
                            name: "$this".into(),
                            span: e.span,
                        }),
                        value: e,
                    };
                    e = self.call(name, vec![receiver])?;
                    continue;
                }
                let span = e.span.to(name.span);
                let kind = match &e.kind {
                    ExprKind::Name(n) if n.name == "$left" || n.name == "$right" => {
                        ExprKind::JoinSide {
                            side: if n.name == "$left" {
                                JoinSide::Left
                            } else {
                                JoinSide::Right
                            },
                            name,
                        }
                    }
                    _ => ExprKind::Member {
                        expr: Box::new(e),
                        name,
                    },
                };
                e = Expr::new(kind, span);
            } else if self.is_punct("[") {
                let open = self.bump().span;
                self.need_operand("[")?;
                let index = self.expr()?;
                let close = self.close("]", open)?;
                let span = e.span.to(close);
                e = Expr::new(
                    ExprKind::Index {
                        expr: Box::new(e),
                        index: Box::new(index),
                    },
                    span,
                );
            } else {
                return Ok(e);
            }
        }
    }

    fn glued_name_after_dot(&self) -> bool {
        let t = self.peek_at(1);
        t.tok == Tok::Ident || (t.is_punct("[") && matches!(self.peek_at(2).tok, Tok::Str(_)))
    }

    /// `name(args)` with the current token at `(`.
    pub fn call(&mut self, func: Ident, mut args: Vec<Arg>) -> Result<Expr> {
        let open = self.bump().span;
        self.enter(open)?;
        while !self.is_punct(")") {
            let name = if self.is_name() && self.is_punct_at(self.name_len(), "=") {
                Some(self.name("a name")?)
            } else {
                None
            };
            if let Some(n) = &name {
                self.eat_punct("=");
                self.need_operand(&format!("{} =", n.name))?;
            } else if !self.starts_operand(0) {
                let what = format!("an argument for `{}(...)`", func.name);
                self.leave();
                return Err(if self.at_eof() {
                    self.close(")", open).unwrap_err()
                } else {
                    self.expected(&what)
                });
            }
            let value = self.expr()?;
            args.push(Arg { name, value });
            if self.eat_punct(",").is_none() {
                break;
            }
        }
        self.leave();
        let close = self.close(")", open)?;
        let span = func.span.to(close);
        Ok(Expr::new(ExprKind::Call { func, args }, span))
    }

    /// Tokens taken by the name at the cursor (1 for `a`, 3 for `['a']`).
    pub fn name_len(&self) -> usize {
        if self.is_ident() {
            1
        } else {
            3
        }
    }

    fn primary(&mut self) -> Result<Expr> {
        let t = self.peek().clone();
        match &t.tok {
            Tok::Num => {
                self.bump();
                Ok(Expr::new(
                    ExprKind::Literal(number(self.text(&t), t.span)?),
                    t.span,
                ))
            }
            Tok::Str(_) => {
                // Adjacent literals concatenate: `"a" 'b'` is `"ab"`.
                let mut s = String::new();
                let mut span = t.span;
                while let Tok::Str(part) = &self.peek().tok {
                    s.push_str(part);
                    span = span.to(self.bump().span);
                }
                Ok(Expr::new(ExprKind::Literal(Literal::String(s)), span))
            }
            Tok::Punct("(") => {
                self.bump();
                if self.is_punct(")") {
                    return Err(self.expected("an expression inside `( )`"));
                }
                let inner = self.expr()?;
                if self.is_punct(",") {
                    return Err(self
                        .expected("`)`")
                        .with_hint("a list `(a, b)` is only allowed after `in`, `has_any`, `has_all` or as `(a, b) = f(x)`"));
                }
                let close = self.close(")", t.span)?;
                Ok(Expr::new(
                    ExprKind::Paren(Box::new(inner)),
                    t.span.to(close),
                ))
            }
            Tok::Punct("*") => {
                self.bump();
                Ok(Expr::new(ExprKind::Star, t.span))
            }
            Tok::Punct("[") if self.is_name() => {
                let n = self.name("a name")?;
                let span = n.span;
                Ok(Expr::new(ExprKind::Name(n), span))
            }
            Tok::Ident => self.ident_primary(),
            _ => Err(self.expected("an expression")),
        }
    }

    fn ident_primary(&mut self) -> Result<Expr> {
        let t = self.peek().clone();
        let word = self.text(&t);
        let next_paren = self.is_punct_at(1, "(");
        match word {
            "true" | "True" | "TRUE" | "false" | "False" | "FALSE" => {
                self.bump();
                let v = word.eq_ignore_ascii_case("true");
                return Ok(Expr::new(ExprKind::Literal(Literal::Bool(v)), t.span));
            }
            "typeof" if next_paren => {
                self.bump();
                let open = self.bump().span;
                let cols = self.column_decls(true)?;
                let close = self.close(")", open)?;
                return Ok(Expr::new(ExprKind::TypeOf(cols), t.span.to(close)));
            }
            _ => {}
        }
        if next_paren {
            if let Some(ty) = literal_type(word) {
                self.bump();
                let (lit, span) = self.typed_literal(ty, t.span)?;
                return Ok(Expr::new(ExprKind::Literal(lit), span));
            }
        }
        if self.is_source_operator() {
            let op = self.operator()?;
            let span = op.span;
            return Ok(Expr::new(ExprKind::Source(Box::new(op)), span));
        }
        if is_infix_word(word) {
            return Err(self.expected("an expression"));
        }
        self.bump();
        let id = Ident {
            name: word.to_string(),
            span: t.span,
        };
        if self.is_punct("(") {
            return self.call(id, Vec::new());
        }
        Ok(Expr::new(ExprKind::Name(id), t.span))
    }

    /// `a:string, b:long` (as in `datatable(...)`); with `bare_types`, also just
    /// `string` (as in `typeof(string)`).
    pub fn column_decls(&mut self, bare_types: bool) -> Result<Vec<ColumnDecl>> {
        let mut cols = Vec::new();
        while !self.is_punct(")") {
            // `typeof(*, x:int)` (plugin output schemas): `*` keeps the input's columns;
            // it is written as a column named `*` of type dynamic.
            if bare_types && self.is_punct("*") {
                let span = self.bump().span;
                cols.push(ColumnDecl {
                    name: Ident {
                        name: "*".into(),
                        span,
                    },
                    ty: crate::types::Type::Dynamic,
                    span,
                });
                if self.eat_punct(",").is_none() {
                    break;
                }
                continue;
            }
            let name = self.name("a column name")?;
            let (name, ty_name) = if bare_types && !self.is_punct(":") {
                let ty = name.clone();
                (
                    Ident {
                        name: String::new(),
                        span: name.span,
                    },
                    ty,
                )
            } else {
                self.expect_punct(":", &format!("`:` and a type after `{}`", name.name))?;
                let ty = self.name("a type name")?;
                (name, ty)
            };
            let ty = self.type_name(&ty_name)?;
            cols.push(ColumnDecl {
                span: name.span.to(ty_name.span),
                name,
                ty,
            });
            if self.eat_punct(",").is_none() {
                break;
            }
        }
        Ok(cols)
    }

    pub fn type_name(&self, id: &Ident) -> Result<crate::types::Type> {
        crate::types::Type::from_name(&id.name).ok_or_else(|| {
            let known = [
                "bool", "int", "long", "real", "decimal", "string", "datetime", "timespan",
                "dynamic", "guid",
            ];
            let mut e = Error::parse(format!("`{}` is not a type", id.name), id.span);
            if let Some(n) = crate::error::nearest(&id.name, known) {
                e = e.with_hint(format!("did you mean `{n}`?"));
            }
            e
        })
    }
}
