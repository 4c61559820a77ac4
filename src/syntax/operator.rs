//! Tabular operators: what follows `|`, and the operators that start a pipeline
//! on their own (`print`, `datatable`, `range`, `union`, ...).

use super::expr::is_infix_word;
use super::parser::Parser;
use super::token::Tok;
use crate::ast::*;
use crate::error::codes::ASSIGN_IN_WHERE;
use crate::error::{nearest, Error, Result, Span};

/// Operators parsed into their own AST node, by name as written.
const PARSED: &[&str] = &[
    "where",
    "filter",
    "extend",
    "project",
    "project-away",
    "project-keep",
    "project-rename",
    "project-reorder",
    "summarize",
    "take",
    "limit",
    "top",
    "top-nested",
    "sort",
    "order",
    "distinct",
    "count",
    "join",
    "lookup",
    "union",
    "mv-expand",
    "mvexpand",
    "mv-apply",
    "mvapply",
    "parse",
    "parse-where",
    "parse-kv",
    "make-series",
    "evaluate",
    "invoke",
    "as",
    "serialize",
    "render",
    "getschema",
    "search",
    "find",
    "fork",
    "facet",
    "sample",
    "sample-distinct",
    "top-hitters",
    "scan",
    "partition",
    "print",
    "datatable",
    "range",
    "externaldata",
    "external_data",
];

/// Operators kept as raw text: parsed only far enough to find where they end.
const OPAQUE: &[&str] = &[
    "reduce",
    "consume",
    "make-graph",
    "graph-match",
    "graph-merge",
    "graph-shortest-paths",
    "graph-to-table",
    "graph-mark-components",
    "execute-and-cache",
    "assert-schema",
    "project-smart",
    "macro-expand",
    "lookup-schema",
    "summarize-by",
    "extend-schema",
];

/// Every operator name kql knows, for "did you mean".
pub fn operator_names() -> impl Iterator<Item = &'static str> {
    PARSED.iter().chain(OPAQUE).copied()
}

pub fn is_operator_name(w: &str) -> bool {
    operator_names().any(|n| n == w)
}

impl Parser<'_> {
    /// An operator name glued with dashes (`mv-expand`, `graph-shortest-paths`):
    /// its text and the number of tokens it takes.
    fn op_word(&self) -> (String, usize) {
        if !self.is_ident() {
            return (String::new(), 0);
        }
        let mut w = self.text(self.peek()).to_string();
        let mut n = 1;
        while self.is_punct_at(n, "-")
            && self.glued(n)
            && self.peek_at(n + 1).tok == Tok::Ident
            && self.glued(n + 1)
        {
            w.push('-');
            w.push_str(self.text(self.peek_at(n + 1)));
            n += 2;
        }
        (w, n)
    }

    /// Does the cursor sit on an operator that makes rows from nothing?
    pub fn is_source_operator(&self) -> bool {
        let word = self.text(self.peek());
        let next = self.peek_at(1);
        let next_word = if next.tok == Tok::Ident {
            Some(self.text(next))
        } else {
            None
        };
        match word {
            "datatable" | "externaldata" | "external_data" => {
                self.is_punct_at(1, "(") || next_word.is_some()
            }
            "range" => next_word.is_some() && self.is_kw_at(2, "from"),
            "print" => {
                self.starts_operand(1) && !self.is_punct_at(1, "(")
                    || self.is_punct_at(1, "(") && !self.glued(1)
            }
            "union" | "search" | "find" => {
                (self.starts_operand(1) || next_word == Some("in") || next.is_punct("("))
                    && !(word != "union" && self.is_punct_at(1, "(") && self.glued(1))
            }
            "evaluate" => next_word.is_some_and(|w| !is_infix_word(w)),
            _ => false,
        }
    }

    /// One tabular operator, starting at its name (the `|` already taken).
    pub fn operator(&mut self) -> Result<Operator> {
        let start = self.peek().span;
        let (word, n) = self.op_word();
        if n == 0 {
            let e = self
                .expected("a tabular operator after `|`, such as `where`, `extend` or `project`");
            return Err(e);
        }
        self.enter(start)?;
        for _ in 0..n {
            self.bump();
        }
        let name_span = self.since(start.start);
        let kind = self.operator_body(&word, name_span);
        self.leave();
        let kind = kind?;
        Ok(Operator {
            kind,
            span: self.since(start.start),
        })
    }

    fn operator_body(&mut self, word: &str, name_span: Span) -> Result<OperatorKind> {
        use OperatorKind as K;
        Ok(match word {
            "where" | "filter" => {
                self.need_operand(word)?;
                // Kusto reads `where x = <value>` as a named value: the filter is the
                // value, and the name is dropped (`where IsBillable = true` keeps every
                // row). Accepted as Kusto does, with a warning.
                if self.is_name() && self.is_punct_at(self.name_len(), "=") {
                    let name = self.name("a column name")?;
                    let eq = self.bump().span;
                    self.need_operand(&format!("{} =", name.name))?;
                    let value = self.scalar()?;
                    let shown = &self.src[value.span.start..value.span.end];
                    self.warnings.push(
                        Error::parse(
                            format!(
                                "`=` does not compare: `where {} = {shown}` filters on `{shown}` alone",
                                name.name
                            ),
                            eq,
                        )
                        .with_code(ASSIGN_IN_WHERE)
                        .with_hint(format!("to compare, write `{} == {shown}`", name.name)),
                    );
                    return Ok(K::Where(value));
                }
                let e = self.scalar()?;
                if self.is_punct("=") {
                    return Err(Error::parse(
                        "`=` assigns a name; it does not compare",
                        self.peek().span,
                    )
                    .with_hint("to test equality use `==` (or `=~` to ignore case)"));
                }
                K::Where(e)
            }
            "extend" => K::Extend(self.named_exprs(word)?),
            "project" => K::Project(self.named_exprs(word)?),
            "project-away" => K::ProjectAway(self.patterns(word)?),
            "project-keep" => K::ProjectKeep(self.patterns(word)?),
            "project-rename" => {
                let mut pairs = Vec::new();
                loop {
                    let new = self.name("a new column name")?;
                    self.expect_punct("=", &format!("`=` after `{}`", new.name))?;
                    let old = self.name("the column to rename")?;
                    pairs.push((new, old));
                    if self.eat_punct(",").is_none() {
                        break;
                    }
                }
                K::ProjectRename(pairs)
            }
            "project-reorder" => {
                let mut items = Vec::new();
                loop {
                    let p = self.pattern(word)?;
                    items.push((p, self.reorder_order()));
                    if self.eat_punct(",").is_none() {
                        break;
                    }
                }
                K::ProjectReorder(items)
            }
            "summarize" => {
                let params = self.op_params(&[])?;
                let aggregates = if self.is_kw("by") || self.at_op_end() {
                    Vec::new()
                } else {
                    self.named_exprs(word)?
                };
                let by = if self.eat_kw("by").is_some() {
                    self.named_exprs("by")?
                } else {
                    Vec::new()
                };
                if aggregates.is_empty() && by.is_empty() {
                    return Err(
                        self.expected("an aggregate such as `count()` or `by` after `summarize`")
                    );
                }
                K::Summarize {
                    params,
                    aggregates,
                    by,
                }
            }
            "take" | "limit" => {
                self.op_params(&[])?;
                self.need_operand(word)?;
                K::Take(self.scalar()?)
            }
            "sample" => {
                self.need_operand(word)?;
                K::Sample(self.scalar()?)
            }
            "sample-distinct" => {
                self.need_operand(word)?;
                let count = self.scalar()?;
                self.expect_kw("of", "`of` and a column after the count")?;
                let column = self.scalar()?;
                K::SampleDistinct { count, column }
            }
            "top" => {
                self.need_operand(word)?;
                let count = self.scalar()?;
                self.expect_kw("by", "`by` after the number of rows in `top`")?;
                K::Top {
                    count,
                    by: self.sort_key()?,
                }
            }
            "top-nested" => K::TopNested(self.top_nested()?),
            "top-hitters" => {
                self.need_operand(word)?;
                let count = self.scalar()?;
                self.expect_kw("of", "`of` and a value after the count")?;
                let of = self.scalar()?;
                let by = if self.eat_kw("by").is_some() {
                    Some(self.scalar()?)
                } else {
                    None
                };
                K::TopHitters { count, of, by }
            }
            "scan" => self.scan()?,
            "partition" => {
                let params = self.op_params(&[])?;
                self.expect_kw("by", "`by` and the column to partition by")?;
                let by = self.name("the column to partition by")?;
                if let Some(open) = self.eat_punct("{") {
                    // The legacy form: a subquery with its own source.
                    let body = self.expr()?;
                    self.close("}", open)?;
                    K::Partition {
                        params,
                        by,
                        body,
                        braces: true,
                    }
                } else {
                    let open =
                        self.expect_punct("(", "`(` and the subquery to run per partition")?;
                    let body = self.implicit_pipeline(open)?;
                    K::Partition {
                        params,
                        by,
                        body,
                        braces: false,
                    }
                }
            }
            "sort" | "order" => {
                self.op_params(&[])?;
                self.expect_kw("by", &format!("`by` after `{word}`"))?;
                let mut keys = vec![self.sort_key()?];
                while self.eat_punct(",").is_some() {
                    keys.push(self.sort_key()?);
                }
                K::Sort(keys)
            }
            "distinct" => {
                self.op_params(&[])?;
                K::Distinct(self.named_exprs(word)?)
            }
            "count" => K::Count(if self.eat_kw("as").is_some() {
                Some(self.name("a column name after `count as`")?)
            } else {
                None
            }),
            "getschema" => K::GetSchema,
            "join" | "lookup" => {
                let params = self.op_params(&["kind", "withsource"])?;
                let right = self.table_operand(word)?;
                let on = if self.eat_kw("on").is_some() {
                    self.join_on()?
                } else {
                    Vec::new()
                };
                if word == "join" {
                    K::Join { params, right, on }
                } else {
                    K::Lookup { params, right, on }
                }
            }
            "union" => {
                let params = self.op_params(&["kind", "withsource", "isfuzzy"])?;
                let mut tables = Vec::new();
                loop {
                    tables.push(self.table_operand(word)?);
                    if self.eat_punct(",").is_none() {
                        break;
                    }
                }
                K::Union { params, tables }
            }
            "mv-expand" | "mvexpand" => {
                let params = self.op_params(&["bagexpansion", "with_itemindex", "kind"])?;
                let items = self.mv_items()?;
                let limit = self.mv_limit()?;
                K::MvExpand {
                    params,
                    items,
                    limit,
                }
            }
            "mv-apply" | "mvapply" => {
                let params = self.op_params(&["bagexpansion", "with_itemindex", "kind"])?;
                let items = self.mv_items()?;
                let limit = self.mv_limit()?;
                self.expect_kw("on", "`on (...)` with the subquery to apply")?;
                let open = self.expect_punct("(", "`(` after `on`")?;
                let body = self.implicit_pipeline(open)?;
                K::MvApply {
                    params,
                    items,
                    limit,
                    body,
                }
            }
            "parse" | "parse-where" => self.parse_op(word == "parse-where")?,
            "parse-kv" => {
                let expr = self.scalar()?;
                self.expect_kw("as", "`as (name:type, ...)` after the parsed expression")?;
                let open = self.expect_punct("(", "`(` and the columns to extract")?;
                let columns = self.column_decls(false)?;
                self.close(")", open)?;
                let with = self.with_params()?;
                K::ParseKv {
                    expr,
                    columns,
                    with,
                }
            }
            "make-series" => self.make_series()?,
            "evaluate" => {
                let params = self.op_params(&[])?;
                self.need_operand(word)?;
                let call = self.postfix()?;
                // An output schema `: ([*,] a:string, ...)`.
                let schema = if self.eat_punct(":").is_some() {
                    let open = self.expect_punct("(", "`(` and the output schema")?;
                    let mut columns = Vec::new();
                    if self.is_punct("*") {
                        let span = self.bump().span;
                        columns.push(ColumnDecl {
                            name: Ident {
                                name: "*".into(),
                                span,
                            },
                            ty: crate::types::Type::Dynamic,
                            span,
                        });
                        self.eat_punct(",");
                    }
                    columns.extend(self.column_decls(false)?);
                    self.close(")", open)?;
                    Some(columns)
                } else {
                    None
                };
                K::Evaluate {
                    params,
                    call,
                    schema,
                }
            }
            "invoke" => {
                self.need_operand(word)?;
                K::Invoke(self.postfix()?)
            }
            "as" => {
                let params = self.op_params(&[])?;
                K::As {
                    params,
                    name: self.name("a name after `as`")?,
                }
            }
            "serialize" => K::Serialize(if self.at_op_end() {
                Vec::new()
            } else {
                self.named_exprs(word)?
            }),
            "render" => {
                let chart = self.name("a chart type after `render`, such as `timechart`")?;
                let mut with = Vec::new();
                // `render piechart by c1, c2`: an older form Kusto.Language takes (not in
                // render-operator.md); the columns are kept as `series` properties.
                if let Some(by) = self.eat_kw("by") {
                    loop {
                        let col = self.name("a column after `render ... by`")?;
                        let span = col.span;
                        with.push(OpParam {
                            name: Ident {
                                name: "series".into(),
                                span: by,
                            },
                            value: Expr::new(ExprKind::Name(col), span),
                        });
                        if self.eat_punct(",").is_none() {
                            break;
                        }
                    }
                }
                with.extend(self.loose_params()?);
                with.extend(self.with_params()?);
                K::Render { chart, with }
            }
            "search" => {
                let params = self.op_params(&["kind"])?;
                let tables = self.in_tables()?;
                self.need_operand(word)?;
                K::Search {
                    params,
                    tables,
                    predicate: self.scalar()?,
                }
            }
            "find" => {
                let params = self.op_params(&["withsource", "kind", "datascope"])?;
                let tables = self.in_tables()?;
                self.eat_kw("where");
                self.need_operand(word)?;
                let predicate = self.scalar()?;
                let mut project = Vec::new();
                if self.eat_kw("project").is_some() || self.eat_project_smart() {
                    loop {
                        if self.at_op_end() {
                            break;
                        }
                        project.push(self.scalar()?);
                        if self.eat_punct(",").is_none() {
                            break;
                        }
                    }
                }
                K::Find {
                    params,
                    tables,
                    predicate,
                    project,
                }
            }
            "fork" => {
                let mut branches = Vec::new();
                while !self.at_op_end() {
                    if self.is_name() && self.is_punct_at(self.name_len(), "=") {
                        self.name("a branch name")?;
                        self.bump();
                    }
                    let open = self.expect_punct("(", "`(` and a subquery for `fork`")?;
                    branches.push(self.implicit_pipeline(open)?);
                }
                K::Fork(branches)
            }
            "facet" => {
                self.expect_kw("by", "`by` after `facet`")?;
                let mut columns = vec![self.name("a column name")?];
                while self.eat_punct(",").is_some() {
                    columns.push(self.name("a column name")?);
                }
                let with = if self.eat_kw("with").is_some() {
                    let open = self.expect_punct("(", "`(` and a subquery after `with`")?;
                    Some(self.implicit_pipeline(open)?)
                } else {
                    None
                };
                K::Facet { columns, with }
            }
            "print" => K::Print(self.named_exprs(word)?),
            "datatable" => {
                self.op_params(&[])?;
                let open = self.expect_punct("(", "`(` and the columns of the `datatable`")?;
                let columns = self.column_decls(false)?;
                self.close(")", open)?;
                let open = self.expect_punct("[", "`[` and the values of the `datatable`")?;
                let mut values = Vec::new();
                while !self.is_punct("]") {
                    self.need_operand(if values.is_empty() { "[" } else { "," })?;
                    values.push(self.scalar()?);
                    if self.eat_punct(",").is_none() {
                        break;
                    }
                }
                self.close("]", open)?;
                K::Datatable { columns, values }
            }
            "range" => {
                let column = self.name("a column name after `range`")?;
                self.expect_kw("from", "`from` in `range x from A to B step C`")?;
                let from = self.scalar()?;
                self.expect_kw("to", "`to` in `range x from A to B step C`")?;
                let to = self.scalar()?;
                self.expect_kw("step", "`step` in `range x from A to B step C`")?;
                let step = self.scalar()?;
                K::Range {
                    column,
                    from,
                    to,
                    step,
                }
            }
            "externaldata" | "external_data" => {
                self.op_params(&[])?;
                let open = self.expect_punct("(", "`(` and the columns of `externaldata`")?;
                let columns = self.column_decls(false)?;
                self.close(")", open)?;
                let open = self.expect_punct("[", "`[` and the URIs to read")?;
                let mut uris = Vec::new();
                while !self.is_punct("]") {
                    uris.push(self.scalar()?);
                    if self.eat_punct(",").is_none() {
                        break;
                    }
                }
                self.close("]", open)?;
                let with = self.with_params()?;
                K::Externaldata {
                    columns,
                    uris,
                    with,
                }
            }
            w if OPAQUE.contains(&w) => {
                let start = name_span.start;
                self.skip_operator()?;
                K::Opaque {
                    name: w.to_string(),
                    text: self.src[start..self.prev_end().max(name_span.end)].to_string(),
                }
            }
            _ => {
                let mut e = Error::parse(format!("unknown tabular operator `{word}`"), name_span);
                if let Some(n) = nearest(word, operator_names()) {
                    e = e.with_hint(format!("did you mean `{n}`?"));
                }
                return Err(e);
            }
        })
    }

    /// `scan`'s body, after its name: `[with_match_id = Id] [declare (...)] with (steps)`.
    fn scan(&mut self) -> Result<OperatorKind> {
        let mut match_id = None;
        if self.eat_kw("with_match_id").is_some() {
            self.expect_punct("=", "`=` and a column name after `with_match_id`")?;
            match_id = Some(self.name("the match id's column name")?);
        }
        let mut declare = Vec::new();
        if self.eat_kw("declare").is_some() {
            let open = self.expect_punct("(", "`(` and the declared columns")?;
            while !self.is_punct(")") {
                let name = self.name("a column name")?;
                self.expect_punct(":", "`:` and the column's type")?;
                let ty_name = self.name("a type name")?;
                let ty = self.type_name(&ty_name)?;
                let span = Span::new(name.span.start, ty_name.span.end);
                let default = match self.eat_punct("=") {
                    Some(_) => Some(self.scalar()?),
                    None => None,
                };
                declare.push((ColumnDecl { name, ty, span }, default));
                if self.eat_punct(",").is_none() {
                    break;
                }
            }
            self.close(")", open)?;
        }
        if self.is_kw("with_step_name") || self.is_kw("order") || self.is_kw("partition") {
            let t = self.peek();
            return Err(Error::unsupported(format!("scan {}", self.text(t)), t.span));
        }
        self.expect_kw("with", "`with` and the steps of `scan`")?;
        let open = self.expect_punct("(", "`(` and the steps of `scan`")?;
        let mut steps = Vec::new();
        while !self.is_punct(")") {
            self.expect_kw("step", "`step` and a step's name")?;
            let name = self.name("the step's name")?;
            let mut output = Ident {
                name: "all".into(),
                span: name.span,
            };
            if self.eat_kw("output").is_some() {
                self.expect_punct("=", "`=` and `all`, `last` or `none` after `output`")?;
                output = self.name("`all`, `last` or `none`")?;
                if !matches!(output.name.as_str(), "all" | "last" | "none") {
                    return Err(Error::parse(
                        format!(
                            "a step's output is `all`, `last` or `none`, not `{}`",
                            output.name
                        ),
                        output.span,
                    ));
                }
            }
            self.expect_punct(":", "`:` and the step's condition")?;
            let condition = self.scalar()?;
            let mut assigns = Vec::new();
            if self.eat_punct("=>").is_some() {
                loop {
                    let col = self.name("a declared column to assign")?;
                    self.expect_punct("=", "`=` and the value to assign")?;
                    assigns.push((col, self.scalar()?));
                    if self.eat_punct(",").is_none() {
                        break;
                    }
                }
            }
            steps.push(ScanStep {
                name,
                output,
                condition,
                assigns,
            });
            if self.eat_punct(";").is_none() {
                break;
            }
        }
        self.close(")", open)?;
        if steps.is_empty() {
            return Err(self.expected("a `step` of `scan`"));
        }
        Ok(OperatorKind::Scan {
            match_id,
            declare,
            steps,
        })
    }

    fn eat_project_smart(&mut self) -> bool {
        let (w, n) = self.op_word();
        if w == "project-smart" || w == "project-away" {
            for _ in 0..n {
                self.bump();
            }
            true
        } else {
            false
        }
    }

    /// Has the current operator nothing more to read?
    pub fn at_op_end(&self) -> bool {
        let t = self.peek();
        matches!(t.tok, Tok::Eof | Tok::Punct("|" | ";" | ")" | "]" | "}"))
    }

    /// Skips to the end of an operator kept as text, minding brackets.
    fn skip_operator(&mut self) -> Result<()> {
        let mut stack: Vec<Span> = Vec::new();
        loop {
            let t = self.peek().clone();
            match t.tok {
                Tok::Eof => {
                    if let Some(open) = stack.pop() {
                        let close = match &self.src[open.start..open.end] {
                            "(" => ")",
                            "[" => "]",
                            _ => "}",
                        };
                        return Err(self.close(close, open).unwrap_err());
                    }
                    return Ok(());
                }
                Tok::Punct("(" | "[" | "{") => {
                    stack.push(t.span);
                    self.enter(t.span)?;
                }
                Tok::Punct(p @ (")" | "]" | "}")) => {
                    if stack.is_empty() {
                        return Ok(());
                    }
                    let open = stack.pop().unwrap_or(t.span);
                    self.leave();
                    let want = match &self.src[open.start..open.end] {
                        "(" => ")",
                        "[" => "]",
                        _ => "}",
                    };
                    if p != want {
                        return Err(self.close(want, open).unwrap_err());
                    }
                }
                Tok::Punct("|" | ";") if stack.is_empty() => return Ok(()),
                _ => {}
            }
            self.bump();
        }
    }

    /// `name = value` options before an operator's body: the names in `allowed`
    /// and any `hint.*`.
    pub fn op_params(&mut self, allowed: &[&str]) -> Result<Vec<OpParam>> {
        let mut params = Vec::new();
        loop {
            let n = self.dotted_name_len();
            if n == 0 || !self.is_punct_at(n, "=") {
                break;
            }
            let first = self.text(self.peek());
            if !(first == "hint" && n > 1 || n == 1 && allowed.contains(&first)) {
                break;
            }
            params.push(self.one_param(n)?);
        }
        Ok(params)
    }

    /// `name = value` where the name takes `n` tokens and the value is one token:
    /// a name, a number (maybe negative), a string or a bool.
    fn one_param(&mut self, n: usize) -> Result<OpParam> {
        let start = self.peek().span;
        let mut name = String::new();
        for _ in 0..n {
            let t = self.bump();
            name.push_str(self.text(&t));
        }
        let name = Ident {
            name,
            span: self.since(start.start),
        };
        self.bump(); // `=`
        let t = self.peek().clone();
        let value = match &t.tok {
            Tok::Ident | Tok::Num | Tok::Str(_) | Tok::Punct("-") => {
                // One token, never a call: in `kind=inner(T)` the `(T)` is the join's right side.
                if t.is_punct("-") || matches!(t.tok, Tok::Str(_)) {
                    self.unary_value()?
                } else {
                    self.bump();
                    let kind = match t.tok {
                        Tok::Num => {
                            ExprKind::Literal(super::literal::number(self.text(&t), t.span)?)
                        }
                        // Options take bools in any case (`isfuzzy=True`).
                        _ => match self.text(&t) {
                            w if w.eq_ignore_ascii_case("true") => {
                                ExprKind::Literal(Literal::Bool(true))
                            }
                            w if w.eq_ignore_ascii_case("false") => {
                                ExprKind::Literal(Literal::Bool(false))
                            }
                            w => ExprKind::Name(Ident {
                                name: w.to_string(),
                                span: t.span,
                            }),
                        },
                    };
                    Expr::new(kind, t.span)
                }
            }
            _ => return Err(self.expected(&format!("a value after `{} =`", name.name))),
        };
        Ok(OpParam { name, value })
    }

    /// A string (concatenated) or a negative number, as an option value.
    fn unary_value(&mut self) -> Result<Expr> {
        if self.is_punct("-") {
            let minus = self.bump();
            self.need_operand("-")?;
            let t = self.bump();
            let lit = super::literal::number(self.text(&t), t.span)?;
            let e = Expr::new(ExprKind::Literal(lit), t.span);
            return Ok(Expr::new(
                ExprKind::Unary {
                    op: UnaryOp::Neg,
                    expr: Box::new(e),
                },
                minus.span.to(t.span),
            ));
        }
        self.postfix()
    }

    /// `with (name = value, ...)`, or nothing.
    fn with_params(&mut self) -> Result<Vec<OpParam>> {
        if self.eat_kw("with").is_none() {
            return Ok(Vec::new());
        }
        let open = self.expect_punct("(", "`(` after `with`")?;
        let mut params = Vec::new();
        while !self.is_punct(")") {
            let n = self.dotted_name_len();
            if n == 0 || !self.is_punct_at(n, "=") {
                return Err(self.expected("`name = value` inside `with (...)`"));
            }
            params.push(self.one_param(n)?);
            // `ycolumns=a, b`: extra bare names belong to the previous option.
            while self.is_punct(",") && self.is_ident_at(1) && !self.is_punct_at(2, "=") {
                self.bump();
                self.bump();
            }
            if self.eat_punct(",").is_none() {
                break;
            }
        }
        self.close(")", open)?;
        Ok(params)
    }

    /// Old-style render options without `with`: `render timechart kind=stacked`.
    fn loose_params(&mut self) -> Result<Vec<OpParam>> {
        let mut params = Vec::new();
        loop {
            let n = self.dotted_name_len();
            if n == 0 || !self.is_punct_at(n, "=") {
                return Ok(params);
            }
            params.push(self.one_param(n)?);
        }
    }

    /// `[name =] expr, ...` as in extend, project, summarize and print.
    pub fn named_exprs(&mut self, op: &str) -> Result<Vec<NamedExpr>> {
        let mut items = vec![self.named_expr(op)?];
        while self.eat_punct(",").is_some() {
            items.push(self.named_expr(",")?);
        }
        Ok(items)
    }

    fn named_expr(&mut self, op: &str) -> Result<NamedExpr> {
        let start = self.peek().span;
        let mut names = Vec::new();
        if self.is_punct("(") && self.is_tuple_names() {
            let open = self.bump().span;
            loop {
                names.push(self.name("a column name")?);
                if self.eat_punct(",").is_none() {
                    break;
                }
            }
            self.close(")", open)?;
            self.bump(); // `=`
        } else if self.is_name() && self.is_punct_at(self.name_len(), "=") {
            names.push(self.name("a column name")?);
            self.bump();
        }
        if names.is_empty() {
            self.need_operand(op)?;
        } else {
            self.need_operand(&format!("{} =", names[0].name))?;
        }
        let expr = self.scalar()?;
        Ok(NamedExpr {
            names,
            expr,
            span: self.since(start.start),
        })
    }

    /// `(a, b) =` ahead?
    fn is_tuple_names(&self) -> bool {
        let mut n = 1;
        loop {
            match self.peek_at(n).tok {
                Tok::Ident => n += 1,
                _ if self.is_punct_at(n, "[") => n += 3,
                _ => return false,
            }
            if self.is_punct_at(n, ",") {
                n += 1;
                continue;
            }
            return self.is_punct_at(n, ")") && self.is_punct_at(n + 1, "=");
        }
    }

    /// Column names with `*` wildcards: `a`, `Prefix*`, `*_s`, `['a b']`.
    fn patterns(&mut self, op: &str) -> Result<Vec<ColumnPattern>> {
        let mut out = vec![self.pattern(op)?];
        while self.eat_punct(",").is_some() {
            out.push(self.pattern(op)?);
        }
        Ok(out)
    }

    fn pattern(&mut self, op: &str) -> Result<ColumnPattern> {
        let start = self.peek().span;
        let mut pattern = String::new();
        if self.is_punct("[") && self.is_name() {
            pattern = self.name("a column name")?.name;
        } else {
            // Digits may follow a `*` (`project-away *1`, the duplicates a join makes).
            while (self.is_ident()
                || self.is_punct("*")
                || (self.peek().tok == Tok::Num && !pattern.is_empty()))
                && (pattern.is_empty() || self.glued_prev())
            {
                let t = self.bump();
                pattern.push_str(self.text(&t));
            }
        }
        if pattern.is_empty() {
            return Err(self.expected(&format!("a column name after `{op}`")));
        }
        Ok(ColumnPattern {
            pattern,
            span: self.since(start.start),
        })
    }

    /// Does the current token touch the previous one?
    fn glued_prev(&self) -> bool {
        self.pos > 0 && self.toks[self.pos - 1].span.end == self.peek().span.start
    }

    fn reorder_order(&mut self) -> Option<String> {
        let (w, n) = self.op_word();
        if matches!(w.as_str(), "asc" | "desc" | "granny-asc" | "granny-desc") {
            for _ in 0..n {
                self.bump();
            }
            Some(w)
        } else {
            None
        }
    }

    fn sort_key(&mut self) -> Result<SortKey> {
        let start = self.peek().span;
        let after = if self.pos > 0 && self.toks[self.pos - 1].is_punct(",") {
            ","
        } else {
            "by"
        };
        self.need_operand(after)?;
        let expr = self.scalar()?;
        let order = if self.eat_kw("asc").is_some() {
            Some(SortOrder::Asc)
        } else if self.eat_kw("desc").is_some() {
            Some(SortOrder::Desc)
        } else {
            None
        };
        let nulls = if self.eat_kw("nulls").is_some() {
            if self.eat_kw("first").is_some() {
                Some(NullsOrder::First)
            } else {
                self.expect_kw("last", "`first` or `last` after `nulls`")?;
                Some(NullsOrder::Last)
            }
        } else {
            None
        };
        Ok(SortKey {
            expr,
            order,
            nulls,
            span: self.since(start.start),
        })
    }

    fn top_nested(&mut self) -> Result<Vec<TopNestedClause>> {
        let mut clauses = Vec::new();
        loop {
            let start = self.peek().span;
            let count = if self.is_kw("of") {
                None
            } else {
                Some(self.scalar()?)
            };
            self.expect_kw("of", "`of` in `top-nested N of Column by Aggregate`")?;
            let of = self.named_expr("of")?;
            let others = if self.eat_kw("with").is_some() {
                self.expect_kw("others", "`others` after `with`")?;
                self.expect_punct("=", "`=` after `with others`")?;
                Some(self.scalar()?)
            } else {
                None
            };
            self.expect_kw("by", "`by` and an aggregate in `top-nested`")?;
            let by = self.named_expr("by")?;
            let order = if self.eat_kw("asc").is_some() {
                Some(SortOrder::Asc)
            } else if self.eat_kw("desc").is_some() {
                Some(SortOrder::Desc)
            } else {
                None
            };
            clauses.push(TopNestedClause {
                count,
                of,
                others,
                by,
                order,
                span: self.since(start.start),
            });
            if self.eat_punct(",").is_none() {
                return Ok(clauses);
            }
            // `top-nested 3 of A by count(), top-nested 2 of B by ...`
            let (w, n) = self.op_word();
            if w == "top-nested" {
                for _ in 0..n {
                    self.bump();
                }
            }
        }
    }

    /// The right side of `join`/`lookup` or an operand of `union`: `(query)`,
    /// a table name (with wildcards for union), or a call like `table("T")`.
    fn table_operand(&mut self, op: &str) -> Result<Expr> {
        let start = self.peek().span;
        if self.is_punct("(") {
            return self.postfix();
        }
        // `Sec*`, `*`, `Event*Log`: a wildcard name.
        if self.is_punct("*") || (self.is_ident() && self.is_punct_at(1, "*") && self.glued(1)) {
            let mut pattern = String::new();
            // Digits may follow a `*` (`project-away *1`, the duplicates a join makes).
            while (self.is_ident()
                || self.is_punct("*")
                || (self.peek().tok == Tok::Num && !pattern.is_empty()))
                && (pattern.is_empty() || self.glued_prev())
            {
                let t = self.bump();
                pattern.push_str(self.text(&t));
            }
            let span = self.since(start.start);
            return Ok(Expr::new(
                ExprKind::Name(Ident {
                    name: pattern,
                    span,
                }),
                span,
            ));
        }
        if !self.is_name() {
            return Err(self.expected(&format!("a table or `(subquery)` after `{op}`")));
        }
        self.postfix()
    }

    /// `on` conditions: `A, B`, `$left.a == $right.b and ...`.
    fn join_on(&mut self) -> Result<Vec<JoinOn>> {
        let mut on = Vec::new();
        loop {
            let mut e = self.binary_cmp()?;
            // `on ($left.a == $right.b)`
            while let ExprKind::Paren(inner) = e.kind {
                e = *inner;
            }
            match e.kind {
                ExprKind::Name(n) => on.push(JoinOn::Column(n)),
                ExprKind::Binary {
                    op: BinaryOp::Eq,
                    lhs,
                    rhs,
                } => match (lhs.kind, rhs.kind) {
                    (
                        ExprKind::JoinSide {
                            side: JoinSide::Left,
                            name: left,
                        },
                        ExprKind::JoinSide {
                            side: JoinSide::Right,
                            name: right,
                        },
                    )
                    | (
                        ExprKind::JoinSide {
                            side: JoinSide::Right,
                            name: right,
                        },
                        ExprKind::JoinSide {
                            side: JoinSide::Left,
                            name: left,
                        },
                    ) => on.push(JoinOn::Equal { left, right }),
                    _ => return Err(join_on_error(e.span)),
                },
                _ => return Err(join_on_error(e.span)),
            }
            if self.eat_punct(",").is_none() && self.eat_kw("and").is_none() {
                return Ok(on);
            }
        }
    }

    /// `in (T1, T2)` before a search predicate.
    fn in_tables(&mut self) -> Result<Vec<Expr>> {
        if !(self.is_kw("in") && self.is_punct_at(1, "(")) {
            return Ok(Vec::new());
        }
        self.bump();
        let open = self.bump().span;
        let mut tables = Vec::new();
        while !self.is_punct(")") {
            tables.push(self.table_operand("in")?);
            if self.eat_punct(",").is_none() {
                break;
            }
        }
        self.close(")", open)?;
        Ok(tables)
    }

    fn mv_items(&mut self) -> Result<Vec<MvExpandItem>> {
        let mut items = Vec::new();
        loop {
            let start = self.peek().span;
            let name = if self.is_name() && self.is_punct_at(self.name_len(), "=") {
                let n = self.name("a column name")?;
                self.bump();
                Some(n)
            } else {
                None
            };
            self.need_operand("mv-expand")?;
            let expr = self.scalar()?;
            let to_type = if self.eat_kw("to").is_some() {
                self.expect_kw("typeof", "`typeof(T)` after `to`")?;
                let open = self.expect_punct("(", "`(` after `typeof`")?;
                let ty = self.name("a type name")?;
                let ty = self.type_name(&ty)?;
                self.close(")", open)?;
                Some(ty)
            } else {
                None
            };
            items.push(MvExpandItem {
                name,
                expr,
                to_type,
                span: self.since(start.start),
            });
            if self.eat_punct(",").is_none() {
                return Ok(items);
            }
        }
    }

    fn mv_limit(&mut self) -> Result<Option<Expr>> {
        if self.eat_kw("limit").is_some() {
            self.need_operand("limit")?;
            Ok(Some(self.scalar()?))
        } else {
            Ok(None)
        }
    }

    /// `(op | op ...)` whose input is implied (mv-apply, fork, facet): a pipeline
    /// whose source is `ExprKind::Star` at the `(`.
    fn implicit_pipeline(&mut self, open: Span) -> Result<Expr> {
        let mut ops = vec![self.operator()?];
        while self.eat_punct("|").is_some() {
            ops.push(self.operator()?);
        }
        let close = self.close(")", open)?;
        Ok(Expr::new(
            ExprKind::Pipeline {
                source: Box::new(Expr::new(ExprKind::Star, open)),
                ops,
            },
            open.to(close),
        ))
    }

    fn parse_op(&mut self, filter: bool) -> Result<OperatorKind> {
        let params = self.op_params(&["kind", "flags"])?;
        let kind = match params.iter().find(|p| p.name.name == "kind") {
            None => ParseKind::Simple,
            Some(p) => match &p.value.kind {
                ExprKind::Name(n) if n.name == "simple" => ParseKind::Simple,
                ExprKind::Name(n) if n.name == "regex" => ParseKind::Regex,
                ExprKind::Name(n) if n.name == "relaxed" => ParseKind::Relaxed,
                _ => {
                    return Err(Error::parse(
                        "`kind` of `parse` is `simple`, `regex` or `relaxed`",
                        p.value.span,
                    ))
                }
            },
        };
        self.need_operand("parse")?;
        let expr = self.scalar()?;
        self.expect_kw("with", "`with` and a pattern after the parsed expression")?;
        let mut pattern = Vec::new();
        while !self.at_op_end() {
            let t = self.peek().clone();
            match &t.tok {
                Tok::Str(s) => {
                    self.bump();
                    pattern.push(ParsePart::Literal(s.to_string()));
                }
                Tok::Punct("*") => {
                    self.bump();
                    pattern.push(ParsePart::Skip);
                }
                _ if self.is_name() => {
                    let name = self.name("a column name")?;
                    let ty = if self.eat_punct(":").is_some() {
                        let ty = self.name("a type after `:`")?;
                        Some(self.type_name(&ty)?)
                    } else {
                        None
                    };
                    pattern.push(ParsePart::Capture { name, ty });
                }
                _ => {
                    return Err(
                        self.expected("a string, `*` or a column name in the `parse` pattern")
                    )
                }
            }
            self.eat_punct(",");
        }
        Ok(OperatorKind::Parse {
            kind,
            filter,
            params,
            expr,
            pattern,
        })
    }

    fn make_series(&mut self) -> Result<OperatorKind> {
        let params = self.op_params(&["kind"])?;
        let mut aggregates = Vec::new();
        let mut defaults = Vec::new();
        loop {
            aggregates.push(self.named_expr("make-series")?);
            defaults.push(if self.is_kw("default") && self.is_punct_at(1, "=") {
                self.bump();
                self.bump();
                Some(self.scalar()?)
            } else {
                None
            });
            if self.eat_punct(",").is_none() {
                break;
            }
        }
        self.expect_kw("on", "`on` and the axis column in `make-series`")?;
        let axis = self.postfix()?;
        let (mut from, mut to, step);
        if self.eat_kw("in").is_some() {
            // `in range(start, stop, step)`
            let r = self.postfix()?;
            match r.kind {
                ExprKind::Call { func, args } if func.name == "range" && args.len() == 3 => {
                    let mut it = args.into_iter().map(|a| a.value);
                    from = it.next();
                    to = it.next();
                    step = it
                        .next()
                        .unwrap_or_else(|| Expr::new(ExprKind::Star, r.span));
                }
                _ => {
                    return Err(Error::parse(
                        "expected `range(start, stop, step)` after `in`",
                        r.span,
                    ))
                }
            }
        } else {
            from = None;
            to = None;
            if self.eat_kw("from").is_some() {
                from = Some(self.scalar()?);
            }
            if self.eat_kw("to").is_some() {
                to = Some(self.scalar()?);
            }
            self.expect_kw("step", "`step` and the bin size in `make-series`")?;
            step = self.scalar()?;
        }
        let by = if self.eat_kw("by").is_some() {
            self.named_exprs("by")?
        } else {
            Vec::new()
        };
        Ok(OperatorKind::MakeSeries {
            params,
            aggregates,
            defaults,
            axis,
            from,
            to,
            step,
            by,
        })
    }

    /// A comparison-level expression (no `and`/`or`): one `join ... on` condition.
    fn binary_cmp(&mut self) -> Result<Expr> {
        self.need_operand("on")?;
        let lhs = self.postfix()?;
        if let Tok::Punct(p @ ("!=" | "<" | "<=" | ">" | ">=" | "=~" | "!~" | "=")) =
            self.peek().tok
        {
            return Err(Error::parse(
                format!("a join condition compares with `==`, not `{p}`"),
                self.peek().span,
            )
            .with_hint("filter with `| where` after the join for other comparisons"));
        }
        if self.is_punct("==") {
            self.bump();
            self.need_operand("==")?;
            let rhs = self.postfix()?;
            let span = lhs.span.to(rhs.span);
            return Ok(Expr::new(
                ExprKind::Binary {
                    op: BinaryOp::Eq,
                    lhs: Box::new(lhs),
                    rhs: Box::new(rhs),
                },
                span,
            ));
        }
        Ok(lhs)
    }
}

fn join_on_error(span: Span) -> Error {
    Error::parse(
        "a join condition must be a column name or `$left.a == $right.b`",
        span,
    )
    .with_hint("e.g. `on UserId` or `on $left.Account == $right.UserPrincipalName`")
}
