//! Name resolution and typing: AST → a typed [`Plan`] the executor runs.
//!
//! The binder walks the statements in order with a persistent scope of `let`s. Tabular
//! lets are bound once to a plan (the executor re-runs it where it is used); scalar lets
//! bound to constants stay constants, so that `ago(lookback)` folds to one instant and
//! functions see constant arguments (regexes and term matchers compile once).
//!
//! When the query runs, subqueries whose rows become part of the plan (`x in (T)`,
//! `toscalar(T)`, `materialize(T)`, the columns `bag_unpack` and `pivot` find) run once,
//! while binding, through the [`Subqueries`] the session gives (the binder never calls
//! the executor), and become constants. When checking (`kql check`, no data), they are
//! typed but not run.

mod defender;
mod expr;
mod names;
mod ops;
mod parse_kv;
mod pattern;
mod recover;
mod star_args;
mod stored;
mod top_nested;
mod tuple;

use crate::ast::{self, Expr, ExprKind, FunctionDef, LetValue, Query, StatementKind};
use crate::error::{nearest, Code, Error, Result, Span};
use crate::functions::EvalCtx;
use crate::plan::{BExpr, Plan, PlanKind};
use crate::table::{Catalog, Column};
use crate::types::Type;
use std::rc::Rc;
use std::sync::Arc;

/// Binds a parsed query without running anything and returns the schema of each result,
/// or the first error found. Works on a catalog that holds only schemas.
pub fn check(query: &Query, catalog: &Catalog) -> Result<Vec<Vec<Column>>> {
    let report = check_all(query, catalog);
    match report.errors.into_iter().next() {
        Some(e) => Err(e),
        None => Ok(report.schemas),
    }
}

/// What binding a query without data finds: every error (binding carries on after
/// each, see [`recover`]) and the schema of each result.
pub struct CheckReport {
    pub errors: Vec<Error>,
    /// What Kusto accepts but kql warns about (the parser's warnings are on the query).
    pub warnings: Vec<Error>,
    pub schemas: Vec<Vec<Column>>,
}

/// Whether a checked result's columns are open: it has columns the check cannot list
/// (the output of `evaluate pivot`, of a statement that did not bind).
pub fn is_open(columns: &[Column]) -> bool {
    recover::open_marker(columns).is_some()
}

/// Binds a parsed query without running anything, recording every error.
pub fn check_all(query: &Query, catalog: &Catalog) -> CheckReport {
    let ctx = EvalCtx::new(crate::value::now_ticks());
    let binder = Binder::new(catalog, &ctx, None);
    let result = binder.bind_query(query);
    let mut errors = binder.take_recovered();
    let schemas = match result {
        Ok(plans) => plans.into_iter().map(|p| p.schema).collect(),
        Err(e) => {
            errors.push(e);
            Vec::new()
        }
    };
    CheckReport {
        errors,
        warnings: binder.take_warnings(),
        schemas,
    }
}

/// Binds every statement of `query`; each tabular expression statement gives one plan.
/// `ctx` is the query's clock and random state (constants fold with it). `subqueries`
/// runs the subqueries whose rows become part of the plan (`toscalar`, `materialize`,
/// `in (T)`, `bag_unpack`'s columns); without it (checking, no data) they are typed only.
/// `scan_hook` rewrites every table scan (a rule's time window).
pub fn bind<'a>(
    query: &Query,
    catalog: &'a Catalog,
    ctx: &'a EvalCtx,
    subqueries: Option<&'a dyn Subqueries>,
    scan_hook: Option<&'a dyn Fn(Plan) -> Plan>,
) -> Result<Vec<Plan>> {
    let mut binder = Binder::new(catalog, ctx, subqueries);
    binder.scan_hook = scan_hook;
    let plans = binder.bind_query(query)?;
    // A check carries on after errors (see `recover`); here the first one stands.
    match binder.take_recovered().into_iter().next() {
        Some(e) => Err(e),
        None => Ok(plans),
    }
}

/// What binding needs from running: the rows of a subquery whose value becomes part of
/// the plan. Declared here and implemented by the session on top of the executor, so
/// that the binder never calls the executor itself.
pub trait Subqueries {
    fn rows(&self, plan: &Plan) -> Result<Arc<crate::table::Table>>;
}

/// What a name in scope stands for.
#[derive(Clone)]
pub(crate) enum Entry {
    /// A scalar: a constant (`BExpr::Const`) or, for function parameters, the caller's
    /// argument expression.
    Scalar {
        expr: BExpr,
        ty: Type,
    },
    Tabular(Arc<Plan>),
    Function(Rc<FunctionDef>, Scope),
    /// `declare pattern`: its definitions and the scope they were declared in.
    Pattern(Rc<ast::PatternDecl>, Scope),
    /// `restrict access to (...)`: the names (wildcards allowed) that stay visible to
    /// the statements after it; bodies of functions declared before it still see all.
    Restrict(Restriction),
}

/// What `restrict access to (...)` leaves visible: let names (plain entries, wildcards
/// allowed) and tables (plain names without wildcards, and `database().T` entries:
/// the docs' `restrict access to (*)` leaves the lets and no table).
#[derive(Clone, Default)]
pub(crate) struct Restriction {
    lets: Vec<String>,
    tables: Vec<String>,
}

/// A persistent list of `let` bindings: later ones shadow earlier ones, and a
/// function captures the scope it was defined in.
#[derive(Clone, Default)]
pub(crate) struct Scope(Option<Rc<ScopeNode>>);

pub(crate) struct ScopeNode {
    name: String,
    entry: Entry,
    /// Declared with `view`: part of `search` and `union *` without table names.
    view: bool,
    parent: Scope,
}

impl Scope {
    pub(crate) fn with(&self, name: &str, entry: Entry) -> Scope {
        self.with_flag(name, entry, false)
    }
    fn with_flag(&self, name: &str, entry: Entry, view: bool) -> Scope {
        Scope(Some(Rc::new(ScopeNode {
            name: name.to_string(),
            entry,
            view,
            parent: self.clone(),
        })))
    }
    /// The views in scope, oldest first.
    pub(crate) fn views(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut cur = &self.0;
        while let Some(node) = cur {
            if node.view && !out.contains(&node.name) {
                out.push(node.name.clone());
            }
            cur = &node.parent.0;
        }
        out.reverse();
        out
    }
    pub(crate) fn get(&self, name: &str) -> Option<&Entry> {
        let mut cur = &self.0;
        while let Some(node) = cur {
            if node.name == name {
                return Some(&node.entry);
            }
            if let Entry::Restrict(r) = &node.entry {
                if !allows(&r.lets, name) {
                    return None;
                }
            }
            cur = &node.parent.0;
        }
        None
    }
    /// Whether a `restrict` statement hides the table `name`.
    pub(crate) fn hides_table(&self, name: &str) -> bool {
        let mut cur = &self.0;
        while let Some(node) = cur {
            if let Entry::Restrict(r) = &node.entry {
                if !allows(&r.tables, name) {
                    return true;
                }
            }
            cur = &node.parent.0;
        }
        false
    }
    pub(crate) fn names(&self) -> Vec<&str> {
        let mut out = Vec::new();
        let mut cur = &self.0;
        while let Some(node) = cur {
            out.push(node.name.as_str());
            cur = &node.parent.0;
        }
        out
    }
}

fn allows(allowed: &[String], name: &str) -> bool {
    allowed.iter().any(|p| ops::wildcard_match(p, name))
}

/// The entities of `restrict access to (A, database().B, V*)`, from the statement's
/// text: names in the current database (entities of other databases are not
/// reachable in kql anyway).
fn restrict_list(text: &str, span: Span) -> Result<Restriction> {
    let inner = text
        .trim()
        .strip_prefix("access")
        .map(str::trim_start)
        .and_then(|t| t.strip_prefix("to"))
        .map(str::trim)
        .and_then(|t| t.strip_prefix('('))
        .and_then(|t| t.strip_suffix(')'))
        .ok_or_else(|| Error::parse("expected `restrict access to (name, ...)`", span))?;
    let mut out = Restriction::default();
    for spec in inner.split(',') {
        let spec = spec.trim();
        let (name, table) = match spec.strip_prefix("database(") {
            Some(rest) => match rest.split_once(')') {
                Some((db, tail)) if db.trim().is_empty() => {
                    (tail.trim_start_matches('.').trim(), true)
                }
                Some(_) => continue,
                None => return Err(Error::parse("unclosed `database(`", span)),
            },
            None => (spec, false),
        };
        let name = name
            .strip_prefix("['")
            .or_else(|| name.strip_prefix("[\""))
            .and_then(|n| n.strip_suffix("']").or_else(|| n.strip_suffix("\"]")))
            .unwrap_or(name);
        if name.is_empty() {
            return Err(Error::parse(
                "an empty entity in `restrict access to`",
                span,
            ));
        }
        if table || !name.contains('*') {
            out.tables.push(name.to_string());
        }
        if !table {
            out.lets.push(name.to_string());
        }
    }
    Ok(out)
}

pub(crate) struct Binder<'a> {
    pub(crate) catalog: &'a Catalog,
    pub(crate) ctx: &'a EvalCtx,
    /// Runs subqueries when the catalog holds data (see [`Subqueries`]).
    subqueries: Option<&'a dyn Subqueries>,
    /// The input of the `mv-apply` subquery being bound (its pipeline starts with `*`).
    pub(crate) implicit: std::cell::RefCell<Option<Plan>>,
    /// The last id given to a shared plan ([`PlanKind::Cached`]).
    ids: std::cell::Cell<usize>,
    /// Applied to every table scan the binder makes (a rule's time window: see
    /// [`crate::session::Session::with_scan_hook`]), scans of subqueries included.
    scan_hook: Option<&'a dyn Fn(Plan) -> Plan>,
    /// Errors the check carried on after (see [`recover`]); always empty when running.
    pub(crate) recovered: std::cell::RefCell<Vec<Error>>,
    /// What the check warns about (see [`recover`]).
    pub(crate) warnings: std::cell::RefCell<Vec<Error>>,
    /// The catalog's stored functions as bound (see [`stored`]): each definition and
    /// where it came from, and the scope their bodies see.
    pub(crate) stored:
        std::cell::RefCell<Vec<(Rc<FunctionDef>, Arc<crate::stored::StoredFunction>)>>,
    pub(crate) globals: std::cell::RefCell<Scope>,
    pub(crate) call_depth: std::cell::Cell<usize>,
    /// How many function calls are being inlined one inside another (each one is a
    /// level of the binder's recursion and of the tree it makes).
    inline_depth: std::cell::Cell<usize>,
    /// The operators of the plans bound so far (see [`Binder::sized`]).
    plan_nodes: std::cell::Cell<usize>,
}

impl<'a> Binder<'a> {
    pub(crate) fn new(
        catalog: &'a Catalog,
        ctx: &'a EvalCtx,
        subqueries: Option<&'a dyn Subqueries>,
    ) -> Self {
        Binder {
            catalog,
            ctx,
            subqueries,
            implicit: std::cell::RefCell::new(None),
            ids: std::cell::Cell::new(0),
            scan_hook: None,
            recovered: std::cell::RefCell::new(Vec::new()),
            warnings: std::cell::RefCell::new(Vec::new()),
            stored: std::cell::RefCell::new(Vec::new()),
            globals: std::cell::RefCell::new(Scope::default()),
            call_depth: std::cell::Cell::new(0),
            inline_depth: std::cell::Cell::new(0),
            plan_nodes: std::cell::Cell::new(0),
        }
    }

    /// `plan`, unless it is deeper than a plan may be or the query's plans grow too
    /// big with it (an error at `span`, or with no place for a subquery's).
    pub(crate) fn sized(&self, plan: Plan, span: Option<Span>) -> Result<Plan> {
        let used = self.plan_nodes.get();
        match plan.check_size(crate::plan::MAX_PLAN_NODES.saturating_sub(used)) {
            Ok(n) => {
                self.plan_nodes.set(used + n);
                Ok(plan)
            }
            Err(m) => Err(match span {
                Some(at) => Error::semantic(m, at),
                None => Error::new(crate::error::ErrorKind::Semantic, m),
            }),
        }
    }

    /// A new id for a shared plan.
    pub(crate) fn next_id(&self) -> usize {
        self.ids.set(self.ids.get() + 1);
        self.ids.get()
    }

    /// The rows of a subquery, when subqueries can run (`None` when checking).
    pub(crate) fn subquery_rows(&self, plan: &Plan) -> Option<Result<Arc<crate::table::Table>>> {
        let used = self.plan_nodes.get();
        if let Err(m) = plan.check_size(crate::plan::MAX_PLAN_NODES.saturating_sub(used)) {
            return Some(Err(Error::new(crate::error::ErrorKind::Semantic, m)));
        }
        self.subqueries.map(|s| s.rows(plan))
    }

    /// Binds every statement; each tabular expression statement gives one plan.
    pub(crate) fn bind_query(&self, query: &Query) -> Result<Vec<Plan>> {
        let mut scope = self.global_scope();
        // Names of statements that did not parse stand for unknowns (see `recover`).
        for name in &query.unparsed {
            scope = scope.with(&name.name, recover::unknown_entry());
        }
        let mut plans = Vec::new();
        let mut take_max: Option<BExpr> = None;
        for st in &query.statements {
            match &st.kind {
                StatementKind::Let { name, value } => {
                    let bound = self.bind_let(&scope, name, value);
                    scope = self.recover(bound, || self.unknown_let(&scope, name, value))?;
                }
                // Request properties: `query_take_max_records` limits the results of
                // the statements after it; the others change nothing kql computes.
                StatementKind::Set {
                    name,
                    value: Some(v),
                } if name.name == "query_take_max_records" => {
                    let b = self.scalar(v, &[], &scope)?;
                    if !matches!(
                        b.constant(),
                        Some(crate::value::Value::Long(_) | crate::value::Value::Int(_))
                    ) {
                        return Err(Error::semantic(
                            "query_take_max_records takes an integer",
                            v.span,
                        ));
                    }
                    take_max = Some(b.expr);
                }
                // `bin_auto`'s bin size and fixed point, read where it is called.
                StatementKind::Set {
                    name,
                    value: Some(v),
                } if matches!(
                    name.name.as_str(),
                    "query_bin_auto_size" | "query_bin_auto_at"
                ) =>
                {
                    let b = self.scalar(v, &[], &scope)?;
                    if b.constant().is_none() {
                        return Err(Error::semantic(
                            format!("{} takes a constant", name.name),
                            v.span,
                        ));
                    }
                    scope = scope.with(
                        &format!("${}", name.name),
                        Entry::Scalar {
                            expr: b.expr,
                            ty: b.ty,
                        },
                    );
                }
                StatementKind::Set { .. } => {}
                StatementKind::Pattern(p) => {
                    let entry = Entry::Pattern(Rc::new(p.clone()), scope.clone());
                    scope = scope.with(&p.name.name, entry);
                }
                StatementKind::DeclareQueryParameters(params) => {
                    for p in params {
                        let Some(default) = &p.default else {
                            return Err(Error::unsupported(
                                "query parameters without a default value",
                                p.span,
                            ));
                        };
                        let b = self.scalar(default, &[], &scope)?;
                        scope = scope.with(
                            &p.name.name,
                            Entry::Scalar {
                                expr: b.expr,
                                ty: b.ty,
                            },
                        );
                    }
                }
                // `alias database x = cluster(...).database(...)` only names another
                // database for `database("x")`, which kql refuses on its own.
                StatementKind::Other { keyword, .. } if keyword.name == "alias" => {}
                StatementKind::Other { keyword, text } if keyword.name == "restrict" => {
                    let allowed = restrict_list(text, st.span)?;
                    scope = scope.with("", Entry::Restrict(allowed));
                }
                StatementKind::Other { keyword, .. } => {
                    self.recover(Err(Error::unsupported(&keyword.name, st.span)), || ())?;
                }
                StatementKind::Expr(e) => {
                    if self.is_tabular(e, &scope) {
                        let plan = self
                            .tabular(e, &scope)
                            .and_then(|p| self.sized(p, Some(e.span)));
                        let plan = self.recover(plan, || recover::open_plan(Vec::new()))?;
                        plans.push(match &take_max {
                            Some(n) => Plan {
                                schema: plan.schema.clone(),
                                kind: PlanKind::Take {
                                    input: Box::new(plan),
                                    count: n.clone(),
                                },
                            },
                            None => plan,
                        });
                    } else {
                        // A bare scalar statement behaves like `print`.
                        let b = self.scalar(e, &[], &scope);
                        let b = self.recover(b, || recover::unknown(e.span))?;
                        plans.push(Plan {
                            schema: vec![Column::new("print_0", b.ty)],
                            kind: PlanKind::Print(vec![b.expr]),
                        });
                    }
                }
            }
        }
        if plans.is_empty() && query.broken == 0 {
            return Err(Error::semantic(
                "the query has no tabular expression to return",
                query.span,
            ));
        }
        Ok(plans)
    }

    /// The scope after a `let` the check could not bind: the name stands for an
    /// open table or a value of unknown type, so its uses add no findings.
    fn unknown_let(&self, scope: &Scope, name: &ast::Ident, value: &LetValue) -> Scope {
        let entry = match value {
            LetValue::Expr(e) if !self.is_tabular(e, scope) => Entry::Scalar {
                expr: crate::plan::BExpr::Unavailable(name.span),
                ty: Type::Unknown,
            },
            _ => recover::unknown_entry(),
        };
        scope.with(&name.name, entry)
    }

    pub(crate) fn bind_let(
        &self,
        scope: &Scope,
        name: &ast::Ident,
        value: &LetValue,
    ) -> Result<Scope> {
        let entry = match value {
            LetValue::Expr(e) => {
                if self.is_tabular(e, scope) {
                    let plan = self.sized(self.tabular(e, scope)?, Some(e.span))?;
                    Entry::Tabular(Arc::new(Plan {
                        schema: plan.schema.clone(),
                        kind: PlanKind::Cached {
                            input: Box::new(plan),
                            id: self.next_id(),
                        },
                    }))
                } else {
                    let b = self.scalar(e, &[], scope)?;
                    Entry::Scalar {
                        expr: b.expr,
                        ty: b.ty,
                    }
                }
            }
            LetValue::Function(f) => Entry::Function(Rc::new(f.clone()), scope.clone()),
            LetValue::View(f) => {
                let entry = Entry::Function(Rc::new(f.clone()), scope.clone());
                return Ok(scope.with_flag(&name.name, entry, true));
            }
        };
        Ok(scope.with(&name.name, entry))
    }

    /// Whether `e` denotes rows rather than a scalar (decides `let x = ...`).
    pub(crate) fn is_tabular(&self, e: &Expr, scope: &Scope) -> bool {
        if self.pattern_invocation(e, scope).is_some() {
            return true;
        }
        match &e.kind {
            ExprKind::Pipeline { .. } | ExprKind::Source(_) => true,
            ExprKind::Paren(inner) => self.is_tabular(inner, scope),
            ExprKind::Name(id) => match scope.get(&id.name) {
                Some(Entry::Tabular(_)) => true,
                Some(Entry::Scalar { .. } | Entry::Pattern(..) | Entry::Restrict(_)) => false,
                Some(Entry::Function(f, fscope)) => {
                    stored::bare_callable(f) && self.body_is_tabular(f, fscope)
                }
                None => self.catalog.get(&id.name).is_some() || id.name == "_GetWatchlistAlias",
            },
            ExprKind::Call { func, .. } => match func.name.as_str() {
                "materialize" | "table" | "view" | "_GetWatchlist" | "_GetWatchlistAlias" => true,
                name => match scope.get(name) {
                    Some(Entry::Function(f, fscope)) => self.body_is_tabular(f, fscope),
                    _ => false,
                },
            },
            _ => false,
        }
    }

    fn body_is_tabular(&self, f: &FunctionDef, fscope: &Scope) -> bool {
        // Parameters are not in scope here; a body that is a bare parameter name
        // (`(T:(*)) { T }`) is tabular when the parameter is.
        let Some(last) = f.body.last() else {
            return false;
        };
        let StatementKind::Expr(e) = &last.kind else {
            return false;
        };
        if let ExprKind::Name(id) = &e.kind {
            if let Some(p) = f.params.iter().find(|p| p.name.name == id.name) {
                return matches!(p.ty, ast::ParamType::Tabular { .. });
            }
        }
        self.is_tabular(e, fscope)
    }

    /// Binds a user function's body with its parameters bound to the call's arguments.
    /// `row` is the caller's row (scalar arguments may refer to its columns).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn inline_call(
        &self,
        f: &FunctionDef,
        fscope: &Scope,
        func: &ast::Ident,
        args: &[ast::Arg],
        row: &[Column],
        caller_scope: &Scope,
        input: Option<Plan>,
    ) -> Result<Inlined> {
        let depth = self.inline_depth.get();
        if depth >= crate::plan::MAX_PLAN_DEPTH {
            return Err(Error::semantic(
                format!(
                    "calls of functions nest deeper than {} (`{}` here)",
                    crate::plan::MAX_PLAN_DEPTH,
                    func.name
                ),
                func.span,
            ));
        }
        self.inline_depth.set(depth + 1);
        let r = self.inline_call_in(f, fscope, func, args, row, caller_scope, input);
        self.inline_depth.set(depth);
        r
    }

    #[allow(clippy::too_many_arguments)]
    fn inline_call_in(
        &self,
        f: &FunctionDef,
        fscope: &Scope,
        func: &ast::Ident,
        args: &[ast::Arg],
        row: &[Column],
        caller_scope: &Scope,
        input: Option<Plan>,
    ) -> Result<Inlined> {
        // A stored function's body sees the other stored functions (they call each
        // other); its errors are reported at the call, naming its file.
        let stored = self.stored_function(f);
        if let Some(sf) = &stored {
            if sf.signature_only && !self.checking() {
                return Err(sf.not_runnable(func.span));
            }
        }
        let globals;
        let fscope = match &stored {
            Some(_) => {
                globals = self.globals.borrow().clone();
                &globals
            }
            None => fscope,
        };
        let mut scope = fscope.clone();
        let mut positional = args.iter().filter(|a| a.name.is_none());
        let mut input = input;
        for p in &f.params {
            let arg = args
                .iter()
                .find(|a| a.name.as_ref().is_some_and(|n| n.name == p.name.name))
                .or_else(|| {
                    if input.is_some() {
                        None
                    } else {
                        positional.next()
                    }
                });
            let entry = match &p.ty {
                ast::ParamType::Tabular { .. } => {
                    if let (None, Some(plan)) = (arg, input.take()) {
                        Entry::Tabular(Arc::new(plan))
                    } else {
                        let Some(arg) = arg else {
                            return Err(Error::semantic(
                                format!(
                                    "missing tabular argument `{}` in the call of `{}`",
                                    p.name.name, func.name
                                ),
                                func.span,
                            ));
                        };
                        Entry::Tabular(Arc::new(self.tabular(&arg.value, caller_scope)?))
                    }
                }
                ast::ParamType::Scalar(ty) => {
                    let b = match (arg, &p.default) {
                        (Some(arg), _) => self.scalar(&arg.value, row, caller_scope)?,
                        (None, Some(default)) => {
                            self.in_body(stored.as_deref(), func.span, || {
                                self.scalar(default, &[], fscope)
                            })?
                        }
                        (None, None) => {
                            return Err(Error::semantic(
                                format!(
                                    "missing argument `{}` in the call of `{}`",
                                    p.name.name, func.name
                                ),
                                func.span,
                            ))
                        }
                    };
                    Entry::Scalar {
                        expr: b.expr,
                        ty: if b.ty == Type::Dynamic {
                            Type::Dynamic
                        } else {
                            *ty
                        },
                    }
                }
            };
            scope = scope.with(&p.name.name, entry);
        }
        if positional.next().is_some() {
            return Err(Error::semantic(
                format!(
                    "too many arguments in the call of `{}` (it takes {})",
                    func.name,
                    f.params.len()
                ),
                func.span,
            ));
        }
        self.in_body(stored.as_deref(), func.span, || {
            self.inline_body(f, func, row, scope)
        })
    }

    /// The body of a function being inlined, in `scope` (its parameters bound).
    fn inline_body(
        &self,
        f: &FunctionDef,
        func: &ast::Ident,
        row: &[Column],
        mut scope: Scope,
    ) -> Result<Inlined> {
        let Some((last, lets)) = f.body.split_last() else {
            return Err(Error::semantic(
                format!("function `{}` has an empty body", func.name),
                f.span,
            ));
        };
        for st in lets {
            if let StatementKind::Let { name, value } = &st.kind {
                scope = self.bind_let(&scope, name, value)?;
            }
        }
        let StatementKind::Expr(body) = &last.kind else {
            return Err(Error::semantic(
                format!("function `{}` must end with an expression", func.name),
                last.span,
            ));
        };
        if self.is_tabular(body, &scope) {
            Ok(Inlined::Tabular(Box::new(self.tabular(body, &scope)?)))
        } else {
            let b = self.scalar(body, row, &scope)?;
            Ok(Inlined::Scalar(b))
        }
    }

    /// The error for a table name that is neither a let nor in the catalog.
    pub(crate) fn unknown_table(&self, name: &str, span: Span, scope: &Scope) -> Error {
        let mut candidates: Vec<&str> = self.catalog.names().collect();
        candidates.extend(scope.names());
        let mut err = Error::semantic(format!("unknown table or variable `{name}`"), span)
            .with_code(Code::Ks(204));
        if let Some(n) = nearest(name, candidates.iter().copied()) {
            err = err.with_hint(format!("did you mean `{n}`?"));
        }
        let found: Vec<&str> = self.catalog.names().collect();
        if found.is_empty() {
            err.with_hint("no tables are loaded")
        } else if found.len() > 20 {
            // `kql check` knows every built-in table: a list of hundreds helps nobody.
            err.with_hint(format!("{} tables are known", found.len()))
        } else {
            err.with_hint(format!("tables found: {}", found.join(", ")))
        }
    }

    /// A scan of catalog table `name`; `None` when there is no such table, an error
    /// when its source cannot tell its columns (a file that cannot be read).
    pub(crate) fn scan(&self, name: &str) -> Option<Result<Plan>> {
        let entry = self.catalog.get(name)?;
        let plan = entry.columns().map(|schema| Plan {
            schema,
            kind: PlanKind::Scan {
                name: name.to_string(),
            },
        });
        Some(plan.map(|plan| match self.scan_hook {
            Some(hook) => hook(plan),
            None => plan,
        }))
    }
}

pub(crate) enum Inlined {
    Scalar(expr::Bound),
    Tabular(Box<Plan>),
}

/// Functions the binder itself implements (the registry knows the others).
pub(crate) const BINDER_FUNCTIONS: &[&str] = &[
    "toscalar",
    "materialize",
    "column_ifexists",
    "table",
    "prev",
    "next",
    "row_number",
    "row_cumsum",
    "row_rank_min",
    "row_rank_dense",
    "row_window_session",
    "pack_all",
    "bag_pack_columns",
    "column_names_of",
    "estimate_data_size",
    "bin_auto",
];
