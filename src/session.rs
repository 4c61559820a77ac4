//! A query's life, in one place: parse → bind → optimize → execute, over one catalog
//! with one clock. Everything that runs a query (the CLI, `kql test`, `kql diff`, the
//! library's [`crate::run_query`]) goes through a [`Session`].
//!
//! The binder never runs anything itself: when a subquery's rows must become part of
//! the plan (`toscalar(T)`, `materialize(T)`, `x in (T)`, the columns `bag_unpack`
//! finds), it asks through [`crate::bind::Subqueries`], which the session implements
//! by optimizing and executing that subquery like any other plan.

use crate::ast::Query;
use crate::bind::{self, Subqueries};
use crate::error::Result;
use crate::exec::Exec;
use crate::functions::EvalCtx;
use crate::plan::Plan;
use crate::table::{Catalog, Column, Table};
use std::sync::Arc;

/// The tables a query reads and the clock it runs with.
pub struct Session<'c> {
    catalog: &'c Catalog,
    ctx: EvalCtx,
    scan_hook: Option<&'c (dyn Fn(Plan) -> Plan + Sync)>,
    externals: Option<&'c dyn crate::external::Externals>,
    /// The memory a run may hold before it stops (see [`crate::limits`]).
    max_memory: u64,
    /// Whether results are cut to Kusto's result limits (`kql run`; tests and diffs
    /// compare whole results).
    truncate: bool,
}

/// The tables of a run and, for each, how it was truncated (if it was).
pub type Results = (Vec<Table>, Vec<Option<crate::limits::Truncated>>);

impl<'c> Session<'c> {
    /// A session over `catalog` whose `now()` is `now` (ticks since 0001-01-01).
    pub fn new(catalog: &'c Catalog, now: i64) -> Self {
        Session {
            catalog,
            ctx: EvalCtx::new(now),
            scan_hook: None,
            externals: None,
            max_memory: crate::limits::max_memory(),
            truncate: false,
        }
    }

    /// Holds at most `bytes` of rows per run (default: [`crate::limits::max_memory`]).
    pub fn with_max_memory(mut self, bytes: u64) -> Self {
        self.max_memory = bytes;
        self
    }

    /// Cuts each result to Kusto's result limits (500,000 records, 64 MB) or the
    /// query's `set truncationmaxrecords` / `truncationmaxsize` / `notruncation`.
    pub fn with_truncation(mut self) -> Self {
        self.truncate = true;
        self
    }

    /// Reads `externaldata` through `externals` (else it is an error at run time).
    pub fn with_externals(mut self, externals: &'c dyn crate::external::Externals) -> Self {
        self.externals = Some(externals);
        self
    }

    /// Rewrites every table scan before it runs, the scans of subqueries included (a
    /// scheduled rule limits its tables to its window: [`crate::rules::window`]).
    pub fn with_scan_hook(mut self, hook: &'c (dyn Fn(Plan) -> Plan + Sync)) -> Self {
        self.scan_hook = Some(hook);
        self
    }

    fn hook(&self) -> Option<&dyn Fn(Plan) -> Plan> {
        self.scan_hook.map(|h| h as &dyn Fn(Plan) -> Plan)
    }

    /// Parses and runs `text`; each result statement gives one table.
    pub fn run(&self, text: &str) -> Result<Vec<Table>> {
        on_query_stack(|| {
            let query = crate::syntax::parse(text)?;
            self.run_parsed(&query)
        })
    }

    /// Runs a parsed query.
    pub fn run_parsed(&self, query: &Query) -> Result<Vec<Table>> {
        self.run_results(query).map(|(tables, _)| tables)
    }

    /// Runs a parsed query under its limits: the results, cut to the result limits
    /// when the session truncates (see [`Session::with_truncation`]).
    pub fn run_results(&self, query: &Query) -> Result<Results> {
        on_query_stack(|| self.results_here(query))
    }

    fn results_here(&self, query: &Query) -> Result<Results> {
        let limits = crate::limits::Limits {
            max_memory: self.max_memory,
            truncation: self.truncate.then(Default::default),
        }
        .with_sets(query)?;
        let mut tables = self.run_within(query, limits.max_memory)?;
        // A session that does not truncate gives whole results whatever the query sets.
        let cuts = match &limits.truncation.filter(|_| self.truncate) {
            Some(t) => tables
                .iter_mut()
                .map(|table| crate::limits::truncate(&mut table.rows, t))
                .collect(),
            None => vec![None; tables.len()],
        };
        Ok((tables, cuts))
    }

    fn run_within(&self, query: &Query, max_memory: u64) -> Result<Vec<Table>> {
        loop {
            let widened = self.catalog.widened();
            let run = Run(Exec::new(&self.ctx, self.catalog)
                .with_externals(self.externals)
                .with_max_memory(max_memory));
            let result = bind::bind(query, self.catalog, &self.ctx, Some(&run), self.hook())
                .and_then(|plans| {
                    let plans = run.statements(plans);
                    plans.iter().map(|p| run.execute(p)).collect()
                });
            // A table read from its file had fields its schema lacks: its columns are
            // known now, so bind again (at most once per table: a table widens once).
            // A query that does not bind may name such a field: every table learns all
            // its columns first (a pass over its file), and binds again if one widened.
            // A query that read only part of a table (`take`, `getschema`) has not seen
            // every line's keys: the table learns them before the result stands.
            match result {
                Err(_) if self.catalog.widened() != widened => continue,
                // Any error may come of columns typed from a sample (a value of the
                // sample's type where the whole table has another): it stands only if
                // every record confirms them.
                Err(_) if self.catalog.settle().unwrap_or(false) => continue,
                Err(e) if e.kind == crate::error::ErrorKind::Semantic => {
                    if self.catalog.discover()? {
                        continue;
                    }
                    return Err(e);
                }
                // (A record the pass cannot read does not undo the result: the rows it
                // gave came before it, as a `take`'s do; a query that reads that
                // record reports it.)
                Ok(tables) => {
                    if self.catalog.discover().unwrap_or(false) {
                        continue;
                    }
                    return Ok(tables);
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// The plans of `query` as they would run, optimized (subqueries that binding
    /// needs are run).
    pub fn plans(&self, query: &Query) -> Result<Vec<Plan>> {
        on_query_stack(|| self.plans_here(query))
    }

    fn plans_here(&self, query: &Query) -> Result<Vec<Plan>> {
        let run = Run(Exec::new(&self.ctx, self.catalog).with_externals(self.externals));
        let plans =
            self.settled(|| bind::bind(query, self.catalog, &self.ctx, Some(&run), self.hook()))?;
        Ok(run.statements(plans))
    }

    /// Binds with `bind` until no table bound from a sample of its rows changes when
    /// read whole: plans and schemas shown are those of every record (a run settles
    /// its tables as it reads them, see [`Session::run_within`]).
    fn settled<T>(&self, bind: impl Fn() -> Result<T>) -> Result<T> {
        loop {
            let bound = bind();
            if self.catalog.settle()? {
                continue;
            }
            return bound;
        }
    }

    /// Binds `query` without running anything: the columns of each result. Subqueries
    /// are typed, not run, so this works on a catalog of schemas only.
    pub fn check(&self, query: &Query) -> Result<Vec<Vec<Column>>> {
        on_query_stack(|| self.check_here(query))
    }

    fn check_here(&self, query: &Query) -> Result<Vec<Vec<Column>>> {
        let plans =
            self.settled(|| bind::bind(query, self.catalog, &self.ctx, None, self.hook()))?;
        Ok(plans.into_iter().map(|p| p.schema).collect())
    }
}

/// Runs `f` on a thread with the query stack (see [`crate::guard`]), so that a library
/// caller gets the depth the plan limits allow, as the CLI does, whatever its own
/// thread's stack (a no-op on such a thread already).
fn on_query_stack<T: Send>(f: impl FnOnce() -> Result<T> + Send) -> Result<T> {
    crate::guard::with_query_stack(f).unwrap_or_else(|e| {
        Err(crate::error::Error::new(
            crate::error::ErrorKind::Runtime,
            format!("cannot start the query's thread: {e}"),
        ))
    })
}

/// One run of a query: its plans and the subqueries binding asks for share the
/// executor's state (a `let` runs once).
struct Run<'a>(Exec<'a>);

impl Run<'_> {
    /// Optimizes a subquery's bound plan and runs it (the statements' plans are
    /// optimized together, by [`Run::statements`]).
    fn subquery(&self, plan: Plan) -> Result<Table> {
        self.execute(&crate::optimize::optimize_subquery(plan))
    }

    /// Runs an optimized plan.
    fn execute(&self, plan: &Plan) -> Result<Table> {
        crate::exec::execute(plan, &self.0)
    }

    /// The plans of a query's statements as they run (see
    /// [`crate::optimize::optimize_statements`]), after binding ran its subqueries.
    fn statements(&self, plans: Vec<Plan>) -> Vec<Plan> {
        crate::optimize::optimize_statements(plans, &|id| self.0.ran_let(id))
    }
}

impl Subqueries for Run<'_> {
    fn rows(&self, plan: &Plan) -> Result<Arc<Table>> {
        // Charged as the subquery's rows (`materialize`, `toscalar`, `in (T)`).
        self.0
            .holding("the subquery", || self.subquery(plan.clone()))
            .map(Arc::new)
    }
}

/// Runs `text` against `catalog` with `now` (ticks) as the query's clock. Each result
/// statement gives one table.
pub fn run_query(text: &str, catalog: &Catalog, now: i64) -> Result<Vec<Table>> {
    Session::new(catalog, now).run(text)
}
