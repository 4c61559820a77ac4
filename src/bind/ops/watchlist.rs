//! Sentinel's watchlist functions: `_GetWatchlist('alias')` is a plan leaf with the
//! watchlist's columns (its fixed ones, then the file's, when the catalog has the
//! watchlist; the fixed ones only when no watchlists were given, as for `kql check`),
//! `_GetWatchlistAlias` the aliases. See [`crate::io::watchlists`].

use super::*;

impl Binder<'_> {
    pub(super) fn get_watchlist(
        &self,
        args: &[ast::Arg],
        span: Span,
        scope: &Scope,
    ) -> Result<Plan> {
        let [arg] = args else {
            return Err(Error::semantic(
                "`_GetWatchlist` takes the watchlist's alias",
                span,
            ));
        };
        let alias = match self.scalar(&arg.value, &[], scope)?.constant() {
            Some(Value::String(s)) => s.to_string(),
            _ => {
                return Err(Error::semantic(
                    "the watchlist alias must be a constant string",
                    arg.value.span,
                ))
            }
        };
        let schema = match self.catalog.watchlists() {
            None => crate::io::watchlists::fixed_columns(),
            Some(lists) => match lists.get(&alias) {
                Some(s) => s.columns()?,
                None => {
                    return Err(crate::io::watchlists::missing(
                        &alias,
                        arg.value.span,
                        lists.keys().map(String::as_str).collect(),
                    ))
                }
            },
        };
        Ok(Plan {
            kind: PlanKind::Watchlist {
                alias,
                span: arg.value.span,
            },
            schema,
        })
    }

    /// `_GetWatchlistAlias`: one row per watchlist.
    pub(super) fn watchlist_aliases(&self) -> Plan {
        let schema = vec![Column::new("WatchlistAlias", Type::String)];
        let rows = self
            .catalog
            .watchlists()
            .map(|l| {
                l.keys()
                    .map(|a| vec![Value::String(a.as_str().into())])
                    .collect()
            })
            .unwrap_or_default();
        Plan {
            kind: PlanKind::Values(Arc::new(Table::new(schema.clone(), rows))),
            schema,
        }
    }
}
