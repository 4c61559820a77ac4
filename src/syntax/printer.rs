//! Writes the AST as s-expressions: one line for tests (`(pipe T (where (== a 1)))`),
//! or indented for `kql parse --ast`.

use crate::ast::*;

/// An s-expression: what both printed forms are made of.
pub enum Sx {
    Atom(String),
    List(Vec<Sx>),
}

fn atom(s: impl Into<String>) -> Sx {
    Sx::Atom(s.into())
}

fn list(head: &str, rest: impl IntoIterator<Item = Sx>) -> Sx {
    let mut v = vec![atom(head)];
    v.extend(rest);
    Sx::List(v)
}

impl Sx {
    pub fn compact(&self) -> String {
        let mut out = String::new();
        self.write_compact(&mut out);
        out
    }

    fn write_compact(&self, out: &mut String) {
        match self {
            Sx::Atom(a) => out.push_str(a),
            Sx::List(items) => {
                out.push('(');
                for (i, it) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    it.write_compact(out);
                }
                out.push(')');
            }
        }
    }

    /// Indented: a list that does not fit in the width puts each child on its own line.
    pub fn pretty(&self, width: usize) -> String {
        let mut out = String::new();
        self.write_pretty(&mut out, 0, width);
        out
    }

    fn write_pretty(&self, out: &mut String, indent: usize, width: usize) {
        let flat = self.compact();
        match self {
            Sx::List(items) if indent + flat.len() > width && items.len() > 1 => {
                out.push('(');
                items[0].write_pretty(out, indent + 1, width);
                // A leading name stays on the head line: `(let Name`, `(= Col`.
                let mut rest = &items[1..];
                if let (Sx::Atom(_), Sx::Atom(a)) = (&items[0], &items[1]) {
                    if items.len() > 2 {
                        out.push(' ');
                        out.push_str(a);
                        rest = &items[2..];
                    }
                }
                for it in rest {
                    out.push('\n');
                    out.push_str(&" ".repeat(indent + 2));
                    it.write_pretty(out, indent + 2, width);
                }
                out.push(')');
            }
            _ => out.push_str(&flat),
        }
    }
}

/// The whole query on one line; a single statement prints alone.
pub fn query(q: &Query) -> String {
    query_sx(q).compact()
}

pub fn query_sx(q: &Query) -> Sx {
    if q.statements.len() == 1 {
        return statement(&q.statements[0]);
    }
    list("query", q.statements.iter().map(statement))
}

fn name(id: &Ident) -> Sx {
    atom(name_text(&id.name))
}

fn name_text(n: &str) -> String {
    let plain = !n.is_empty()
        && n.chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '$' || c == '.' || c == '*')
        && !n.starts_with(|c: char| c.is_ascii_digit());
    if plain {
        n.to_string()
    } else {
        format!("[{n:?}]")
    }
}

fn statement(s: &Statement) -> Sx {
    match &s.kind {
        StatementKind::Let { name: n, value } => match value {
            LetValue::Expr(e) => list("let", [name(n), expr(e)]),
            LetValue::Function(f) => list("let", [name(n), function(f, "fn")]),
            LetValue::View(f) => list("let", [name(n), function(f, "view")]),
        },
        StatementKind::Set { name: n, value } => {
            list("set", [name(n)].into_iter().chain(value.iter().map(expr)))
        }
        StatementKind::DeclareQueryParameters(ps) => list("declare", ps.iter().map(param)),
        StatementKind::Pattern(p) => {
            let mut head = vec![
                name(&p.name),
                Sx::List(p.params.iter().map(param).collect()),
            ];
            if let Some(path) = &p.path {
                head.push(list("path", [param(path)]));
            }
            list(
                "pattern",
                head.into_iter().chain(p.rules.iter().map(|r| {
                    let mut key = vec![Sx::List(r.args.iter().map(expr).collect())];
                    key.extend(r.path.iter().map(expr));
                    list(
                        "=",
                        [
                            Sx::List(key),
                            Sx::List(r.body.iter().map(statement).collect()),
                        ],
                    )
                })),
            )
        }
        StatementKind::Other { keyword, text } => list(&keyword.name, [atom(format!("{text:?}"))]),
        StatementKind::Expr(e) => expr(e),
    }
}

fn function(f: &FunctionDef, head: &str) -> Sx {
    list(
        head,
        [Sx::List(f.params.iter().map(param).collect())]
            .into_iter()
            .chain(f.body.iter().map(statement)),
    )
}

fn param(p: &Param) -> Sx {
    let ty = match &p.ty {
        ParamType::Scalar(t) => t.name().to_string(),
        ParamType::Tabular { columns, open } => {
            let mut parts: Vec<String> = columns.iter().map(column_text).collect();
            if *open {
                parts.push("*".into());
            }
            format!("({})", parts.join(","))
        }
    };
    let head = format!("{}:{ty}", name_text(&p.name.name));
    match &p.default {
        Some(d) => list("=", [atom(head), expr(d)]),
        None => atom(head),
    }
}

fn column_text(c: &ColumnDecl) -> String {
    if c.name.name == "*" {
        "*".to_string()
    } else if c.name.name.is_empty() {
        c.ty.name().to_string()
    } else {
        format!("{}:{}", name_text(&c.name.name), c.ty.name())
    }
}

pub fn literal(l: &Literal) -> Sx {
    match l {
        Literal::Bool(b) => atom(b.to_string()),
        Literal::Int(v) => list("int", [atom(v.to_string())]),
        Literal::Long(v) => atom(v.to_string()),
        Literal::Real(v) => atom(format!("{v:?}")),
        Literal::Decimal(t) => list("decimal", [atom(t)]),
        Literal::String(s) => atom(format!("{s:?}")),
        Literal::DateTime(t) => list("datetime", [atom(t)]),
        Literal::TimeSpan(t) => list("timespan", [atom(t.to_string())]),
        Literal::Guid(t) => list("guid", [atom(t)]),
        Literal::Dynamic(d) => list("dynamic", [dynamic(d)]),
        Literal::Null(t) => list("null", [atom(t.name())]),
    }
}

fn dynamic(d: &Dyn) -> Sx {
    match d {
        Dyn::Null => atom("null"),
        Dyn::Array(items) => list("array", items.iter().map(dynamic)),
        Dyn::Bag(items) => list(
            "bag",
            items
                .iter()
                .map(|(k, v)| list(":", [atom(format!("{k:?}")), dynamic(v)])),
        ),
        Dyn::Scalar(l) => literal(l),
    }
}

/// An operator as one s-expression atom (`matches regex` → `matches-regex`).
pub fn binary_op(op: BinaryOp) -> String {
    op.kql_name().replace(' ', "-")
}

pub fn expr(e: &Expr) -> Sx {
    match &e.kind {
        ExprKind::Literal(l) => literal(l),
        ExprKind::Name(n) => name(n),
        ExprKind::JoinSide { side, name: n } => atom(format!(
            "${}.{}",
            if *side == JoinSide::Left {
                "left"
            } else {
                "right"
            },
            name_text(&n.name)
        )),
        ExprKind::Star => atom("*"),
        ExprKind::Unary { op, expr: inner } => {
            list(if *op == UnaryOp::Neg { "-" } else { "+" }, [expr(inner)])
        }
        ExprKind::Binary { op, lhs, rhs } => list(&binary_op(*op), [expr(lhs), expr(rhs)]),
        ExprKind::List {
            op,
            negated,
            expr: inner,
            list: items,
        } => {
            let base = match op {
                ListOp::In {
                    case_insensitive: false,
                } => "in",
                ListOp::In {
                    case_insensitive: true,
                } => "in~",
                ListOp::HasAny => "has_any",
                ListOp::HasAll => "has_all",
            };
            let head = format!("{}{base}", if *negated { "!" } else { "" });
            list(
                &head,
                [expr(inner), Sx::List(items.iter().map(expr).collect())],
            )
        }
        ExprKind::Between {
            negated,
            expr: inner,
            low,
            high,
        } => list(
            if *negated { "!between" } else { "between" },
            [expr(inner), expr(low), expr(high)],
        ),
        ExprKind::Call { func, args } => Sx::List(
            [name(func)]
                .into_iter()
                .chain(args.iter().map(|a| match &a.name {
                    Some(n) => list("=", [name(n), expr(&a.value)]),
                    None => expr(&a.value),
                }))
                .collect(),
        ),
        ExprKind::Member {
            expr: inner,
            name: n,
        } => list(".", [expr(inner), name(n)]),
        ExprKind::Index { expr: inner, index } => list("[]", [expr(inner), expr(index)]),
        ExprKind::TypeOf(cols) => list("typeof", cols.iter().map(|c| atom(column_text(c)))),
        ExprKind::Paren(inner) => list("paren", [expr(inner)]),
        ExprKind::Pipeline { source, ops } => list(
            "pipe",
            [expr(source)].into_iter().chain(ops.iter().map(operator)),
        ),
        ExprKind::Source(op) => operator(op),
    }
}

fn named(n: &NamedExpr) -> Sx {
    match n.names.len() {
        0 => expr(&n.expr),
        1 => list("=", [name(&n.names[0]), expr(&n.expr)]),
        _ => list(
            "=",
            [Sx::List(n.names.iter().map(name).collect()), expr(&n.expr)],
        ),
    }
}

fn params(ps: &[OpParam]) -> impl Iterator<Item = Sx> + '_ {
    ps.iter()
        .map(|p| atom(format!("{}={}", p.name.name, expr(&p.value).compact())))
}

fn sort_key(k: &SortKey) -> Sx {
    let mut v = vec![expr(&k.expr)];
    match k.order {
        Some(SortOrder::Asc) => v.push(atom("asc")),
        Some(SortOrder::Desc) => v.push(atom("desc")),
        None => {}
    }
    match k.nulls {
        Some(NullsOrder::First) => v.push(atom("nulls-first")),
        Some(NullsOrder::Last) => v.push(atom("nulls-last")),
        None => {}
    }
    if v.len() == 1 {
        v.pop().unwrap_or_else(|| atom(""))
    } else {
        Sx::List(v)
    }
}

fn sub(head: &str, items: impl IntoIterator<Item = Sx>) -> Sx {
    list(head, items)
}

fn mv_item(i: &MvExpandItem) -> Sx {
    let e = match &i.name {
        Some(n) => list("=", [name(n), expr(&i.expr)]),
        None => expr(&i.expr),
    };
    match i.to_type {
        Some(t) => list("to", [e, atom(t.name())]),
        None => e,
    }
}

fn join_on(j: &JoinOn) -> Sx {
    match j {
        JoinOn::Column(n) => name(n),
        JoinOn::Equal { left, right } => list(
            "==",
            [
                atom(format!("$left.{}", name_text(&left.name))),
                atom(format!("$right.{}", name_text(&right.name))),
            ],
        ),
    }
}

pub fn operator(op: &Operator) -> Sx {
    use OperatorKind as K;
    let n = op.kind.name();
    match &op.kind {
        K::Where(e) => list(n, [expr(e)]),
        K::Extend(items) | K::Project(items) | K::Serialize(items) | K::Print(items) => {
            list(n, items.iter().map(named))
        }
        K::ProjectAway(ps) | K::ProjectKeep(ps) => {
            list(n, ps.iter().map(|p| atom(name_text(&p.pattern))))
        }
        K::ProjectRename(pairs) => {
            list(n, pairs.iter().map(|(a, b)| list("=", [name(a), name(b)])))
        }
        K::ProjectReorder(items) => list(
            n,
            items.iter().map(|(p, o)| match o {
                Some(o) => list(o, [atom(name_text(&p.pattern))]),
                None => atom(name_text(&p.pattern)),
            }),
        ),
        K::Summarize {
            params: ps,
            aggregates,
            by,
        } => list(
            n,
            params(ps)
                .chain(aggregates.iter().map(named))
                .chain((!by.is_empty()).then(|| sub("by", by.iter().map(named)))),
        ),
        K::Take(e) | K::Sample(e) | K::Invoke(e) => list(n, [expr(e)]),
        K::Top { count, by } => list(n, [expr(count), sub("by", [sort_key(by)])]),
        K::TopNested(clauses) => list(
            n,
            clauses.iter().map(|c| {
                let mut v = vec![];
                if let Some(k) = &c.count {
                    v.push(expr(k));
                }
                v.push(sub("of", [named(&c.of)]));
                if let Some(o) = &c.others {
                    v.push(sub("others", [expr(o)]));
                }
                v.push(sub("by", [named(&c.by)]));
                match c.order {
                    Some(SortOrder::Asc) => v.push(atom("asc")),
                    Some(SortOrder::Desc) => v.push(atom("desc")),
                    None => {}
                }
                Sx::List(v)
            }),
        ),
        K::Sort(keys) => list(n, keys.iter().map(sort_key)),
        K::Distinct(cols) => list(n, cols.iter().map(named)),
        K::Count(None) | K::GetSchema => list(n, []),
        K::Count(Some(a)) => list(n, [name(a)]),
        K::Join {
            params: ps,
            right,
            on,
        }
        | K::Lookup {
            params: ps,
            right,
            on,
        } => list(
            n,
            params(ps)
                .chain([expr(right)])
                .chain((!on.is_empty()).then(|| sub("on", on.iter().map(join_on)))),
        ),
        K::Union { params: ps, tables } => list(n, params(ps).chain(tables.iter().map(expr))),
        K::MvExpand {
            params: ps,
            items,
            limit,
        } => list(
            n,
            params(ps)
                .chain(items.iter().map(mv_item))
                .chain(limit.iter().map(|l| sub("limit", [expr(l)]))),
        ),
        K::MvApply {
            params: ps,
            items,
            limit,
            body,
        } => list(
            n,
            params(ps)
                .chain(items.iter().map(mv_item))
                .chain(limit.iter().map(|l| sub("limit", [expr(l)])))
                .chain([sub("on", [expr(body)])]),
        ),
        K::Parse {
            kind,
            params: ps,
            expr: e,
            pattern,
            ..
        } => {
            let _ = kind;
            list(
                n,
                params(ps).chain([expr(e)]).chain([sub(
                    "with",
                    pattern.iter().map(|p| match p {
                        ParsePart::Literal(s) => atom(format!("{s:?}")),
                        ParsePart::Skip => atom("*"),
                        ParsePart::Capture { name: c, ty } => match ty {
                            Some(t) => atom(format!("{}:{}", name_text(&c.name), t.name())),
                            None => name(c),
                        },
                    }),
                )]),
            )
        }
        K::ParseKv {
            expr: e,
            columns,
            with,
        } => list(
            n,
            [
                expr(e),
                sub("as", columns.iter().map(|c| atom(column_text(c)))),
            ]
            .into_iter()
            .chain((!with.is_empty()).then(|| sub("with", params(with)))),
        ),
        K::MakeSeries {
            params: ps,
            aggregates,
            defaults,
            axis,
            from,
            to,
            step,
            by,
        } => list(
            n,
            params(ps)
                .chain(aggregates.iter().zip(defaults).map(|(a, d)| match d {
                    Some(d) => list("default", [named(a), expr(d)]),
                    None => named(a),
                }))
                .chain([sub("on", [expr(axis)])])
                .chain(from.iter().map(|f| sub("from", [expr(f)])))
                .chain(to.iter().map(|t| sub("to", [expr(t)])))
                .chain([sub("step", [expr(step)])])
                .chain((!by.is_empty()).then(|| sub("by", by.iter().map(named)))),
        ),
        K::Evaluate {
            params: ps,
            call,
            schema,
        } => list(
            n,
            params(ps).chain([expr(call)]).chain(
                schema
                    .iter()
                    .map(|cols| sub(":", cols.iter().map(|c| atom(column_text(c))))),
            ),
        ),
        K::As {
            params: ps,
            name: a,
        } => list(n, params(ps).chain([name(a)])),
        K::Render { chart, with } => list(
            n,
            [name(chart)]
                .into_iter()
                .chain((!with.is_empty()).then(|| sub("with", params(with)))),
        ),
        K::Search {
            params: ps,
            tables,
            predicate,
        } => list(
            n,
            params(ps)
                .chain((!tables.is_empty()).then(|| sub("in", tables.iter().map(expr))))
                .chain([expr(predicate)]),
        ),
        K::Find {
            params: ps,
            tables,
            predicate,
            project,
        } => list(
            n,
            params(ps)
                .chain((!tables.is_empty()).then(|| sub("in", tables.iter().map(expr))))
                .chain([expr(predicate)])
                .chain((!project.is_empty()).then(|| sub("project", project.iter().map(expr)))),
        ),
        K::Fork(branches) => list(n, branches.iter().map(expr)),
        K::Facet { columns, with } => list(
            n,
            [sub("by", columns.iter().map(name))]
                .into_iter()
                .chain(with.iter().map(|w| sub("with", [expr(w)]))),
        ),
        K::SampleDistinct { count, column } => list(n, [expr(count), sub("of", [expr(column)])]),
        K::TopHitters { count, of, by } => list(
            n,
            [expr(count), sub("of", [expr(of)])]
                .into_iter()
                .chain(by.iter().map(|b| sub("by", [expr(b)]))),
        ),
        K::Scan {
            match_id,
            declare,
            steps,
        } => list(
            n,
            match_id
                .iter()
                .map(|m| sub("with_match_id", [name(m)]))
                .chain((!declare.is_empty()).then(|| {
                    sub(
                        "declare",
                        declare.iter().map(|(c, d)| {
                            list(&column_text(c), d.iter().map(expr).collect::<Vec<_>>())
                        }),
                    )
                }))
                .chain(steps.iter().map(|st| {
                    list(
                        "step",
                        [
                            name(&st.name),
                            sub("output", [name(&st.output)]),
                            expr(&st.condition),
                        ]
                        .into_iter()
                        .chain(
                            st.assigns
                                .iter()
                                .map(|(c, e)| list("=", [name(c), expr(e)])),
                        ),
                    )
                })),
        ),
        K::Partition {
            params: ps,
            by,
            body,
            braces,
        } => {
            let body = match braces {
                true => sub("braces", [expr(body)]),
                false => expr(body),
            };
            list(n, params(ps).chain([sub("by", [name(by)]), body]))
        }
        K::Opaque { text, .. } => list("opaque", [atom(format!("{text:?}"))]),
        K::Datatable { columns, values } => list(
            n,
            [Sx::List(
                columns.iter().map(|c| atom(column_text(c))).collect(),
            )]
            .into_iter()
            .chain([Sx::List(values.iter().map(expr).collect())]),
        ),
        K::Range {
            column,
            from,
            to,
            step,
        } => list(n, [name(column), expr(from), expr(to), expr(step)]),
        K::Externaldata {
            columns,
            uris,
            with,
        } => list(
            n,
            [
                Sx::List(columns.iter().map(|c| atom(column_text(c))).collect()),
                Sx::List(uris.iter().map(expr).collect()),
            ]
            .into_iter()
            .chain((!with.is_empty()).then(|| sub("with", params(with)))),
        ),
    }
}
