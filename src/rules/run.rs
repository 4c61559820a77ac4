//! Running a query as its platform schedules it: a scheduled rule's tables are
//! limited to its window before the query runs, then the result decides the alerts.
//! A plain query (`.kql`, a Markdown block, a hunting query) just runs.

use super::alert::{self, Decision};
use super::window::TimeWindow;
use super::Item;
use crate::error::Result;
use crate::plan::Plan;
use crate::session::Session;
use crate::table::{Catalog, Table};

pub struct Outcome {
    /// The window every table was limited to (none for a query without a schedule).
    pub window: Option<TimeWindow>,
    pub tables: Vec<Table>,
    /// How each table was truncated to Kusto's result limits, if it was (only
    /// [`run_truncated`] truncates).
    pub truncated: Vec<Option<crate::limits::Truncated>>,
    /// The alert decision on the first result (none for a query that alerts on nothing).
    pub decision: Option<Decision>,
}

/// Runs `item` at `now`. Errors are in the query's own positions (map them with
/// `item.map` to point into the file).
pub fn run(item: &Item, catalog: &Catalog, now: i64) -> Result<Outcome> {
    run_with(item, catalog, now, None)
}

/// [`run`], reading `externaldata` through `externals`.
pub fn run_with(
    item: &Item,
    catalog: &Catalog,
    now: i64,
    externals: Option<&dyn crate::external::Externals>,
) -> Result<Outcome> {
    run_limited(item, catalog, now, externals, false)
}

/// [`run_with`], with each result cut to Kusto's result limits (as `kql run` shows
/// results; the alert decision is made on the whole result).
pub fn run_truncated(
    item: &Item,
    catalog: &Catalog,
    now: i64,
    externals: Option<&dyn crate::external::Externals>,
) -> Result<Outcome> {
    run_limited(item, catalog, now, externals, true)
}

fn run_limited(
    item: &Item,
    catalog: &Catalog,
    now: i64,
    externals: Option<&dyn crate::external::Externals>,
    truncate: bool,
) -> Result<Outcome> {
    let window = item.rule.as_ref().and_then(|r| {
        r.window()
            .map(|period| TimeWindow::ending_at(now, period, r.time_columns()))
    });
    let hook = window.clone().map(|w| move |p: Plan| w.limit_scan(p));
    let mut session = Session::new(catalog, now);
    if let Some(h) = &hook {
        session = session.with_scan_hook(h);
    }
    if let Some(x) = externals {
        session = session.with_externals(x);
    }
    let query = crate::syntax::parse(&item.query)?;
    let (mut tables, _) = session.run_results(&query)?;
    let decision = match (&item.rule, tables.first()) {
        (Some(rule), Some(first)) => alert::decide(rule, first),
        _ => None,
    };
    // Cut after the decision: a rule alerts on its whole result, as Sentinel does.
    let truncated = if truncate {
        let limits = crate::limits::Limits {
            max_memory: u64::MAX,
            truncation: Some(Default::default()),
        }
        .with_sets(&query)?;
        match &limits.truncation {
            Some(t) => tables
                .iter_mut()
                .map(|table| crate::limits::truncate(&mut table.rows, t))
                .collect(),
            None => Vec::new(),
        }
    } else {
        Vec::new()
    };
    Ok(Outcome {
        window,
        tables,
        decision,
        truncated,
    })
}
