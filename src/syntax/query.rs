//! Statements: `let`, `set`, `declare query_parameters`, `alias`/`restrict`
//! (kept as text) and the tabular expressions whose results are returned.

use super::parser::Parser;
use super::token::Tok;
use crate::ast::*;
use crate::error::{Error, Result, Span};

impl Parser<'_> {
    pub fn query(&mut self) -> Result<Query> {
        let statements = self.statements(None)?;
        Ok(Query {
            statements,
            span: Span::new(0, self.src.len()),
            warnings: std::mem::take(&mut self.warnings),
            unparsed: std::mem::take(&mut self.unparsed),
            broken: self.errors.len(),
        })
    }

    /// After a statement that does not parse (when recovering): the error is kept,
    /// the statement's tokens are skipped up to the next `;` outside brackets, and
    /// the name it would have declared (`let x = ...`) is noted.
    fn skip_statement(&mut self, start: usize, e: Error) {
        self.errors.push(e);
        self.pos = start;
        self.reset_depth();
        if self.is_kw("let") && self.is_name_at(1) {
            self.bump();
            if let Ok(name) = self.name("a name") {
                self.unparsed.push(name);
            }
        }
        // Only braces hold statements (function bodies), so only they are counted: an
        // unclosed `(` does not swallow the statements after it.
        let mut depth = 0usize;
        while !self.at_eof() {
            match self.peek().tok {
                Tok::Punct("{") => depth += 1,
                Tok::Punct("}") => depth = depth.saturating_sub(1),
                Tok::Punct(";") if depth == 0 => break,
                _ => {}
            }
            self.bump();
        }
    }

    /// Statements separated by `;`, up to the end (or the `}` closing a function body).
    fn statements(&mut self, body_of: Option<Span>) -> Result<Vec<Statement>> {
        let mut out: Vec<Statement> = Vec::new();
        loop {
            while self.eat_punct(";").is_some() {}
            if self.at_eof() || (body_of.is_some() && self.is_punct("}")) {
                return Ok(out);
            }
            let start = self.pos;
            let recover = self.recovering && body_of.is_none();
            let st = match self.statement() {
                Ok(st) => st,
                Err(e) if recover => {
                    self.skip_statement(start, e);
                    continue;
                }
                Err(e) => return Err(e),
            };
            let is_let = matches!(st.kind, StatementKind::Let { .. });
            if self.eat_punct(";").is_some() {
                out.push(st);
                continue;
            }
            if self.at_eof() || (body_of.is_some() && self.is_punct("}")) {
                out.push(st);
                return Ok(out);
            }
            let e = self.after_statement_error(is_let, body_of);
            if !recover {
                return Err(e);
            }
            self.skip_statement(start, e);
        }
    }

    /// The next token cannot continue the statement: say why in words.
    fn after_statement_error(&self, is_let: bool, body_of: Option<Span>) -> Error {
        if let Some(e) = self.slip() {
            return e;
        }
        let t = self.peek();
        if let Some(open) = body_of {
            if self.at_eof() {
                return self
                    .expected("`}` to close the function body")
                    .with_label(open, "opened here");
            }
        }
        if is_let {
            return self
                .expected("`;` after the `let` statement")
                .with_hint("each `let` statement ends with `;`");
        }
        if t.is_punct(")") || t.is_punct("]") || t.is_punct("}") {
            return Error::parse(format!("unmatched `{}`", self.text(t)), t.span)
                .with_hint("there is no opening bracket for it");
        }
        let e = self.expected("`|`, `;` or the end of the query");
        if self.starts_operand(0) {
            return e.with_hint("is a `,` or an operator missing before it?");
        }
        e
    }

    fn statement(&mut self) -> Result<Statement> {
        let start = self.peek().span;
        let kind = if self.is_kw("let") && self.is_name_at(1) {
            self.bump();
            let name = self.name("a name after `let`")?;
            self.expect_punct("=", &format!("`=` after `let {}`", name.name))?;
            let value = if self.is_kw("view") && self.is_punct_at(1, "(") {
                self.bump();
                LetValue::View(self.function_def()?)
            } else if self.is_punct("(") && self.is_function_def() {
                LetValue::Function(self.function_def()?)
            } else {
                self.need_operand(&format!("let {} =", name.name))?;
                LetValue::Expr(self.expr()?)
            };
            StatementKind::Let { name, value }
        } else if self.is_kw("set") && self.is_name_at(1) && !self.is_punct_at(2, "|") {
            self.bump();
            let name = self.dotted_name()?;
            let value = if self.eat_punct("=").is_some() {
                self.need_operand("=")?;
                Some(self.scalar()?)
            } else {
                None
            };
            StatementKind::Set { name, value }
        } else if self.is_kw("declare") && self.is_kw_at(1, "query_parameters") {
            self.bump();
            self.bump();
            let open = self.expect_punct("(", "`(` after `declare query_parameters`")?;
            let params = self.params()?;
            self.close(")", open)?;
            StatementKind::DeclareQueryParameters(params)
        } else if self.is_kw("declare") && self.is_kw_at(1, "pattern") {
            self.bump();
            self.bump();
            StatementKind::Pattern(self.pattern_decl(start)?)
        } else if (self.is_kw("alias")
            || self.is_kw("restrict")
            || self.is_kw("pattern")
            || self.is_kw("declare"))
            && self.is_ident_at(1)
        {
            let keyword = self.name("a keyword")?;
            let from = self.peek().span.start;
            let mut depth = 0usize;
            while !(self.at_eof() || depth == 0 && self.is_punct(";")) {
                match self.peek().tok {
                    Tok::Punct("(" | "[" | "{") => depth += 1,
                    Tok::Punct(")" | "]" | "}") => depth = depth.saturating_sub(1),
                    _ => {}
                }
                self.bump();
            }
            let text = self.src[from..self.prev_end().max(from)].to_string();
            StatementKind::Other { keyword, text }
        } else if self.is_punct(".") && self.is_ident_at(1) && self.pos == 0 {
            return Err(Error::parse(
                "management commands (starting with `.`) are not queries",
                start,
            )
            .with_hint("kql runs queries only; `.show`, `.create`, ... need a Kusto cluster"));
        } else {
            self.need_operand("the start of the statement")
                .map_err(|_| self.expected("a query, `let` or `set`"))?;
            StatementKind::Expr(self.expr()?)
        };
        Ok(Statement {
            kind,
            span: self.since(start.start),
        })
    }

    /// After `declare pattern`: `name [= (params) [ '[' path ']' ] { rules }]`.
    fn pattern_decl(&mut self, start: Span) -> Result<PatternDecl> {
        let name = self.name("the pattern's name")?;
        let mut decl = PatternDecl {
            name,
            params: Vec::new(),
            path: None,
            rules: Vec::new(),
            span: start,
        };
        if self.eat_punct("=").is_none() {
            decl.span = self.since(start.start);
            return Ok(decl);
        }
        let open = self.expect_punct("(", "`(` and the pattern's arguments")?;
        decl.params = self.params()?;
        self.close(")", open)?;
        if let Some(open) = self.eat_punct("[") {
            let mut path = self.params()?;
            self.close("]", open)?;
            if path.len() > 1 {
                return Err(Error::parse(
                    "a pattern has at most one path argument",
                    path[1].span,
                ));
            }
            decl.path = path.pop();
        }
        let brace = self.expect_punct("{", "`{` and the pattern's definitions")?;
        self.enter(brace)?;
        let rules = self.pattern_rules();
        self.leave();
        decl.rules = rules?;
        self.close("}", brace)?;
        decl.span = self.since(start.start);
        Ok(decl)
    }

    /// `(v, ...) [.[path]] = { body };` repeated, up to the closing `}`.
    fn pattern_rules(&mut self) -> Result<Vec<PatternRule>> {
        let mut rules = Vec::new();
        loop {
            while self.eat_punct(";").is_some() {}
            if self.is_punct("}") || self.at_eof() {
                return Ok(rules);
            }
            let start = self.peek().span;
            let open = self.expect_punct("(", "`(` and the argument values of a definition")?;
            let mut args = Vec::new();
            while !self.is_punct(")") {
                self.need_operand("(")?;
                args.push(self.scalar()?);
                if self.eat_punct(",").is_none() {
                    break;
                }
            }
            self.close(")", open)?;
            let path = if self.eat_punct(".").is_some() {
                if let Some(open) = self.eat_punct("[") {
                    self.need_operand("[")?;
                    let e = self.scalar()?;
                    self.close("]", open)?;
                    Some(e)
                } else {
                    let n = self.name("`[` and the path value")?;
                    Some(Expr::new(
                        ExprKind::Literal(Literal::String(n.name)),
                        n.span,
                    ))
                }
            } else {
                None
            };
            self.expect_punct("=", "`=` and the definition in braces")?;
            let (body, _) = self.braced_body("the pattern's expression", "a pattern definition")?;
            rules.push(PatternRule {
                args,
                path,
                body,
                span: self.since(start.start),
            });
            if self.eat_punct(";").is_none() && !self.is_punct("}") {
                return Err(self.expected("`;` after the pattern definition"));
            }
        }
    }

    fn is_name_at(&self, n: usize) -> bool {
        self.peek_at(n).tok == Tok::Ident
            || self.is_punct_at(n, "[") && matches!(self.peek_at(n + 1).tok, Tok::Str(_))
    }

    /// `set a.b.c = ...`: option names may hold dots.
    fn dotted_name(&mut self) -> Result<Ident> {
        let n = self.dotted_name_len().max(1);
        let start = self.peek().span;
        let mut name = String::new();
        for _ in 0..n {
            let t = self.bump();
            name.push_str(self.text(&t));
        }
        Ok(Ident {
            name,
            span: self.since(start.start),
        })
    }

    /// `(` then `)` or `name:` — a parameter list, not a parenthesised expression.
    fn is_function_def(&self) -> bool {
        if self.is_punct_at(1, ")") {
            return self.is_punct_at(2, "{");
        }
        let n = if self.is_ident_at(1) { 2 } else { 4 };
        self.is_name_at(1) && self.is_punct_at(n, ":")
    }

    /// `{ statements }` ending in an expression: the body of a function or a pattern rule.
    /// Returns the statements and the span of the closing brace.
    fn braced_body(&mut self, expected: &str, what: &str) -> Result<(Vec<Statement>, Span)> {
        let brace = self.expect_punct("{", &format!("`{{` and {expected}"))?;
        self.enter(brace)?;
        let body = self.statements(Some(brace));
        self.leave();
        let body = body?;
        let close = self.close("}", brace)?;
        if !body
            .last()
            .is_some_and(|s| matches!(s.kind, StatementKind::Expr(_)))
        {
            return Err(Error::parse(
                format!("{what} must end with an expression"),
                brace.to(close),
            ));
        }
        Ok((body, close))
    }

    /// `(params) { statements }` with the cursor at `(`.
    fn function_def(&mut self) -> Result<FunctionDef> {
        let open = self.expect_punct("(", "`(` and the parameters")?;
        let params = self.params()?;
        self.close(")", open)?;
        let (body, close) = self.braced_body("the function body", "a function body")?;
        Ok(FunctionDef {
            params,
            body,
            span: open.to(close),
        })
    }

    /// `a:string, T:(*), U:(x:long, *), n:int = 5`
    fn params(&mut self) -> Result<Vec<Param>> {
        let mut params = Vec::new();
        while !self.is_punct(")") {
            let start = self.peek().span;
            let name = self.name("a parameter name")?;
            self.expect_punct(":", &format!("`:` and a type after `{}`", name.name))?;
            let ty = if let Some(open) = self.eat_punct("(") {
                let mut columns = Vec::new();
                let mut open_schema = false;
                while !self.is_punct(")") {
                    if self.eat_punct("*").is_some() {
                        open_schema = true;
                    } else {
                        let cname = self.name("a column name or `*`")?;
                        self.expect_punct(":", "`:` and a type")?;
                        let tname = self.name("a type name")?;
                        let ty = self.type_name(&tname)?;
                        columns.push(ColumnDecl {
                            span: cname.span.to(tname.span),
                            name: cname,
                            ty,
                        });
                    }
                    if self.eat_punct(",").is_none() {
                        break;
                    }
                }
                self.close(")", open)?;
                ParamType::Tabular {
                    columns,
                    open: open_schema,
                }
            } else {
                let tname = self.name("a type name")?;
                ParamType::Scalar(self.type_name(&tname)?)
            };
            let default = if self.eat_punct("=").is_some() {
                self.need_operand("=")?;
                Some(self.scalar()?)
            } else {
                None
            };
            params.push(Param {
                name,
                ty,
                default,
                span: self.since(start.start),
            });
            if self.eat_punct(",").is_none() {
                break;
            }
        }
        Ok(params)
    }
}
