//! `evaluate` plugins: the binder settles each plugin's output columns and builds the
//! [`RowsOp`](crate::plan::RowsOp) in `exec/plugins/` that computes its rows.
//!
//! `bag_unpack` and `pivot` name their columns after the data (bag keys, pivot values)
//! unless the query declares them (`: (a:string, ...)`); without a declaration the
//! input must run first, which [`Binder::columns_from_data`] does (the one place a
//! plugin runs its input while binding).

use super::*;
use crate::exec::plugins::activity::{ActiveUsers, Activity, Metric};
use crate::exec::plugins::bag_unpack::{BagUnpack, Slot};
use crate::exec::plugins::dcount_intersect::DcountIntersect;
use crate::exec::plugins::ip_lookup::IpLookup;
use crate::exec::plugins::narrow::Narrow;
use crate::exec::plugins::pivot::{column_name, Pivot};
use crate::exec::plugins::rolling_percentile::RollingPercentile;
use crate::exec::plugins::rows_near::RowsNear;
use crate::exec::plugins::schema_merge::SchemaMerge;

/// Kusto's plugins that kql does not build: `evaluate` of one is "not supported yet".
const UNSUPPORTED_PLUGINS: &[&str] = &[
    "ai_chat_completion",
    "ai_chat_completion_prompt",
    "ai_embeddings",
    "autocluster",
    "azure_digital_twins_query_request",
    "basket",
    "cosmosdb_sql_request",
    "diffpatterns",
    "diffpatterns_text",
    "funnel_sequence",
    "funnel_sequence_completion",
    "geo_line_lookup",
    "geo_polygon_lookup",
    "http_request",
    "http_request_post",
    "infer_storage_schema",
    "infer_storage_schema_with_suggestions",
    "mysql_request",
    "new_activity_metrics",
    "postgresql_request",
    "preview",
    "python",
    "r",
    "sequence_detect",
    "session_count",
    "sql_request",
];

/// The plugins kql builds.
const PLUGINS: &[&str] = &[
    "active_users_count",
    "activity_counts_metrics",
    "activity_engagement",
    "activity_metrics",
    "bag_unpack",
    "dcount_intersect",
    "ipv4_lookup",
    "ipv6_lookup",
    "narrow",
    "pivot",
    "rolling_percentile",
    "rows_near",
    "schema_merge",
    "sliding_window_counts",
];

/// A plugin call's arguments: positional in order, and `name = value` ones.
struct PluginArgs<'a> {
    positional: Vec<&'a Expr>,
    named: Vec<(&'a str, &'a Expr)>,
}

impl<'a> PluginArgs<'a> {
    fn new(args: &'a [ast::Arg]) -> Self {
        let mut positional = Vec::new();
        let mut named = Vec::new();
        for a in args {
            match &a.name {
                Some(n) => named.push((n.name.as_str(), &a.value)),
                None => positional.push(&a.value),
            }
        }
        PluginArgs { positional, named }
    }
    fn named(&self, name: &str) -> Option<&'a Expr> {
        self.named.iter().find(|(n, _)| *n == name).map(|(_, e)| *e)
    }
}

/// The `name = value` arguments each plugin takes.
fn named_options(plugin: &str) -> &'static [&'static str] {
    match plugin {
        "bag_unpack" => &["OutputColumnPrefix", "columnsConflict", "ignoredProperties"],
        "ipv4_lookup" | "ipv6_lookup" => &["return_unmatched"],
        "schema_merge" => &["PreserveOrder"],
        _ => &[],
    }
}

impl Binder<'_> {
    pub(super) fn evaluate(
        &self,
        input: Plan,
        call: &Expr,
        declared: Option<&[ast::ColumnDecl]>,
        scope: &Scope,
    ) -> Result<Plan> {
        let ExprKind::Call { func, args } = &call.kind else {
            return Err(Error::semantic(
                "`evaluate` expects a plugin call",
                call.span,
            ));
        };
        let a = PluginArgs::new(args);
        let span = call.span;
        if PLUGINS.contains(&func.name.as_str()) {
            let allowed = named_options(&func.name);
            if let Some((n, e)) = a.named.iter().find(|(n, _)| !allowed.contains(n)) {
                let mut err =
                    Error::semantic(format!("`{}` has no option `{n}`", func.name), e.span);
                if let Some(near) = nearest(n, allowed.iter().copied()) {
                    err = err.with_hint(format!("did you mean `{near}`?"));
                }
                return Err(err);
            }
        }
        match func.name.as_str() {
            "bag_unpack" => self.bag_unpack(input, &a, declared, span, scope),
            "pivot" => self.pivot(input, &a, declared, span, scope),
            "narrow" => {
                if !args.is_empty() {
                    return Err(Error::semantic("`narrow` takes no arguments", span));
                }
                let op = Narrow {
                    names: input
                        .schema
                        .iter()
                        .map(|c| Arc::from(c.name.as_str()))
                        .collect(),
                };
                Ok(custom(
                    input,
                    "Narrow",
                    Arc::new(op),
                    vec![
                        Column::new("Row", Type::Long),
                        Column::new("Column", Type::String),
                        Column::new("Value", Type::String),
                    ],
                ))
            }
            "ipv4_lookup" | "ipv6_lookup" => {
                self.ip_lookup(input, func.name == "ipv6_lookup", &a, span, scope)
            }
            "active_users_count" => self.active_users(input, &a, span, scope),
            "rolling_percentile" => {
                let p = &a.positional;
                if p.len() < 5 {
                    return Err(Error::semantic(
                        "`rolling_percentile` takes a value column, a percentile, an index column, a bin size and the bins per window",
                        span,
                    ));
                }
                let value = self.plugin_column(&input.schema, p[0], "the value column")?;
                let percent =
                    match crate::functions::cast_value(Type::Real, self.constant(p[1], scope)?) {
                        Value::Real(f) if (0.0..=100.0).contains(&f) => f,
                        _ => {
                            return Err(Error::semantic(
                                "the percentile must be a number from 0 to 100",
                                p[1].span,
                            ))
                        }
                    };
                let index = self.plugin_column(&input.schema, p[2], "the index column")?;
                let bin = match self.constant(p[3], scope)? {
                    Value::TimeSpan(t) | Value::DateTime(t) | Value::Long(t) => t as f64,
                    v => match crate::functions::cast_value(Type::Real, v) {
                        Value::Real(f) => f,
                        _ => 0.0,
                    },
                };
                if bin.is_nan() || bin <= 0.0 {
                    return Err(Error::semantic("the bin size must be positive", p[3].span));
                }
                let bins_per_window = match self.constant(p[4], scope)? {
                    Value::Long(n) if n > 0 => n as usize,
                    Value::Int(n) if n > 0 => n as usize,
                    _ => {
                        return Err(Error::semantic(
                            "the bins per window must be a positive whole number",
                            p[4].span,
                        ))
                    }
                };
                let dims: Vec<usize> = p
                    .iter()
                    .skip(5)
                    .map(|e| self.plugin_column(&input.schema, e, "a dimension"))
                    .collect::<Result<_>>()?;
                let index_ty = match input.schema[index].ty {
                    Type::Int => Type::Long,
                    t => t,
                };
                let mut schema = vec![Column::new(input.schema[index].name.clone(), index_ty)];
                schema.extend(dims.iter().map(|&d| input.schema[d].clone()));
                let pct = match &p[1].kind {
                    ExprKind::Literal(_) => {
                        super::super::names::percent_text(p[1]).unwrap_or_default()
                    }
                    _ => format!("{percent}").replace('.', "_"),
                };
                schema.push(Column::new(
                    format!(
                        "rolling_{bins_per_window}_percentile_{}_{pct}",
                        input.schema[value].name
                    ),
                    input.schema[value].ty,
                ));
                let op = RollingPercentile {
                    value,
                    percent,
                    index,
                    dims,
                    bin,
                    bins_per_window,
                };
                Ok(custom(input, "RollingPercentile", Arc::new(op), schema))
            }
            "activity_counts_metrics"
            | "activity_engagement"
            | "activity_metrics"
            | "sliding_window_counts" => self.activity(input, &func.name, &a, span, scope),
            "dcount_intersect" => {
                if a.positional.len() < 2 {
                    return Err(Error::semantic(
                        "`dcount_intersect` takes two or more hll columns",
                        span,
                    ));
                }
                let columns: Vec<usize> = a
                    .positional
                    .iter()
                    .map(|e| self.plugin_column(&input.schema, e, "an hll column"))
                    .collect::<Result<_>>()?;
                let mut schema = input.schema.clone();
                let taken: Vec<String> = schema.iter().map(|c| c.name.clone()).collect();
                for k in 0..columns.len() {
                    schema.push(Column::new(unique(&format!("s{k}"), &taken), Type::Long));
                }
                Ok(custom(
                    input,
                    "DcountIntersect",
                    Arc::new(DcountIntersect { columns }),
                    schema,
                ))
            }
            "rows_near" => {
                let [cond, before, rest @ ..] = a.positional.as_slice() else {
                    return Err(Error::semantic(
                        "`rows_near` takes a condition and a number of rows",
                        span,
                    ));
                };
                let c = self.scalar(cond, &input.schema, scope)?;
                if !matches!(c.ty, Type::Bool | Type::Dynamic) {
                    return Err(Error::semantic(
                        "the condition of `rows_near` must be bool",
                        cond.span,
                    ));
                }
                let count = |e: &Expr| -> Result<usize> {
                    match self.constant(e, scope)? {
                        Value::Long(n) if n >= 0 => Ok(n as usize),
                        Value::Int(n) if n >= 0 => Ok(n as usize),
                        _ => Err(Error::semantic(
                            "`rows_near` takes a non-negative whole number of rows",
                            e.span,
                        )),
                    }
                };
                let before = count(before)?;
                let after = match rest.first() {
                    Some(e) => count(e)?,
                    None => before,
                };
                let schema = input.schema.clone();
                let op = RowsNear {
                    condition: c.expr,
                    before,
                    after,
                };
                Ok(custom(input, "RowsNear", Arc::new(op), schema))
            }
            "schema_merge" => {
                let col = |name: &str| {
                    input.schema.iter().position(|c| c.name == name).ok_or_else(|| {
                        Error::semantic(
                            format!("`schema_merge` reads `getschema` rows: the input has no column `{name}`"),
                            span,
                        )
                    })
                };
                let preserve_order =
                    match a.positional.first().copied().or(a.named("PreserveOrder")) {
                        None => true,
                        Some(e) => self.constant(e, scope)?.is_true(),
                    };
                let op = SchemaMerge {
                    name: col("ColumnName")?,
                    ordinal: col("ColumnOrdinal")?,
                    data_type: col("DataType")?,
                    column_type: col("ColumnType")?,
                    preserve_order,
                };
                Ok(custom(
                    input,
                    "SchemaMerge",
                    Arc::new(op),
                    vec![
                        Column::new("ColumnName", Type::String),
                        Column::new("ColumnOrdinal", Type::Long),
                        Column::new("DataType", Type::String),
                        Column::new("ColumnType", Type::String),
                    ],
                ))
            }
            name if UNSUPPORTED_PLUGINS.contains(&name) => Err(Error::unsupported(
                format!("evaluate {}", func.name),
                func.span,
            )),
            name => {
                let mut err = Error::semantic(format!("unknown plugin `{name}`"), func.span);
                let known = PLUGINS.iter().chain(UNSUPPORTED_PLUGINS).copied();
                if let Some(n) = nearest(name, known) {
                    err = err.with_hint(format!("did you mean `{n}`?"));
                }
                Err(err)
            }
        }
    }

    /// The rows of `plan`, for a plugin whose output columns depend on the data
    /// (`bag_unpack`'s keys, `pivot`'s values) when the query does not declare them.
    /// The one place a plugin runs its input while binding; without data (`kql check`)
    /// such a plugin is not supported yet.
    fn columns_from_data(&self, plan: &Plan, what: &str, span: Span) -> Result<Arc<Table>> {
        match self.subquery_rows(plan) {
            Some(rows) => rows,
            None => {
                let example = match what {
                    "pivot" => "`evaluate pivot(State) : (EventType:string, ALABAMA:long)`",
                    _ => "`evaluate bag_unpack(d) : (*, Name:string)`",
                };
                Err(
                    Error::unsupported(format!("{what} without data"), span).with_hint(format!(
                        "declare the output columns after the call: {example}"
                    )),
                )
            }
        }
    }

    /// A plugin argument that must be constant (a window, a date).
    fn constant(&self, e: &Expr, scope: &Scope) -> Result<Value> {
        let b = self.scalar(e, &[], scope)?;
        b.constant()
            .cloned()
            .ok_or_else(|| Error::semantic("this plugin argument must be a constant", e.span))
    }

    fn plugin_column(&self, schema: &[Column], e: &Expr, what: &str) -> Result<usize> {
        match &e.kind {
            ExprKind::Name(id) => column(schema, id),
            _ => Err(Error::semantic(
                format!("{what} must be a column name"),
                e.span,
            )),
        }
    }

    fn bag_unpack(
        &self,
        input: Plan,
        a: &PluginArgs,
        declared: Option<&[ast::ColumnDecl]>,
        span: Span,
        scope: &Scope,
    ) -> Result<Plan> {
        let col = match a.positional.first() {
            Some(e) => {
                self.plugin_column(&input.schema, e, "the first argument of `bag_unpack`")?
            }
            None => {
                return Err(Error::semantic(
                    "`bag_unpack` takes a dynamic column first",
                    span,
                ))
            }
        };
        let text = |e: Option<&Expr>, what: &str| -> Result<Option<String>> {
            match e {
                None => Ok(None),
                Some(e) => match self.constant(e, scope)? {
                    Value::String(s) => Ok(Some(s.to_string())),
                    _ => Err(Error::semantic(format!("{what} must be a string"), e.span)),
                },
            }
        };
        let prefix = text(
            a.positional
                .get(1)
                .copied()
                .or(a.named("OutputColumnPrefix")),
            "the column prefix",
        )?
        .unwrap_or_default();
        let conflict = text(
            a.positional.get(2).copied().or(a.named("columnsConflict")),
            "columnsConflict",
        )?
        .unwrap_or_else(|| "error".into());
        if !matches!(
            conflict.as_str(),
            "error" | "replace_source" | "keep_source"
        ) {
            return Err(Error::semantic(
                format!("columnsConflict must be 'error', 'replace_source' or 'keep_source', not '{conflict}'"),
                span,
            ));
        }
        let ignored: Vec<String> = match a
            .positional
            .get(3)
            .copied()
            .or(a.named("ignoredProperties"))
        {
            None => Vec::new(),
            Some(e) => match self.constant(e, scope)? {
                Value::Array(items) => items
                    .iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect(),
                Value::Null => Vec::new(),
                _ => {
                    return Err(Error::semantic(
                        "ignoredProperties must be a dynamic array of names",
                        e.span,
                    ))
                }
            },
        };
        // (output column name, type, conversion) per unpacked key, in output order.
        let (keys, input): (Vec<(String, Type, bool)>, Plan) = match declared {
            Some(cols) => {
                let wildcard = cols.iter().any(|c| c.name.name == "*");
                let mut keys = Vec::new();
                for c in cols.iter().filter(|c| c.name.name != "*") {
                    let Some(key) = c.name.name.strip_prefix(prefix.as_str()) else {
                        return Err(Error::semantic(
                            format!("the declared column `{}` does not start with the prefix `{prefix}`", c.name.name),
                            c.span,
                        ));
                    };
                    keys.push((key.to_string(), c.ty, true));
                }
                if !wildcard {
                    // Only the declared columns: the input's others are dropped below.
                    let plan = input;
                    return self.bag_unpack_plan(plan, col, &prefix, &conflict, keys, false, span);
                }
                (keys, input)
            }
            None => {
                let table = self.columns_from_data(&input, "bag_unpack", span)?;
                // Keys in name order, each typed by its values: one scalar kind → that type.
                let mut found: std::collections::BTreeMap<String, Option<Type>> =
                    Default::default();
                for row in &table.rows {
                    if let Value::Bag(b) = &row[col] {
                        for (k, v) in b.iter() {
                            let ty = match v {
                                Value::Null => continue,
                                Value::String(_) => Type::String,
                                Value::Int(_) | Value::Long(_) => Type::Long,
                                Value::Real(_) => Type::Real,
                                Value::Bool(_) => Type::Bool,
                                _ => Type::Dynamic,
                            };
                            let slot = found.entry(k.to_string()).or_insert(Some(ty));
                            if *slot != Some(ty) {
                                *slot = Some(Type::Dynamic);
                            }
                        }
                    }
                }
                let keys = found
                    .into_iter()
                    .filter(|(k, _)| !ignored.contains(k))
                    .map(|(k, ty)| (k, ty.unwrap_or(Type::Dynamic), false))
                    .collect();
                let schema = input.schema.clone();
                (
                    keys,
                    Plan {
                        kind: PlanKind::Values(table),
                        schema,
                    },
                )
            }
        };
        self.bag_unpack_plan(input, col, &prefix, &conflict, keys, true, span)
    }

    /// The bag_unpack plan: `keep_input` keeps the input's other columns in front.
    #[allow(clippy::too_many_arguments)]
    fn bag_unpack_plan(
        &self,
        input: Plan,
        col: usize,
        prefix: &str,
        conflict: &str,
        keys: Vec<(String, Type, bool)>,
        keep_input: bool,
        span: Span,
    ) -> Result<Plan> {
        let kept: Vec<usize> = if keep_input {
            (0..input.schema.len()).filter(|&i| i != col).collect()
        } else {
            Vec::new()
        };
        let mut schema: Vec<Column> = kept.iter().map(|&i| input.schema[i].clone()).collect();
        let mut slots = Vec::new();
        for (k, ty, declared) in keys {
            let name = format!("{prefix}{k}");
            let convert = if declared {
                Some(self.conversion(ty, span)?)
            } else {
                None
            };
            let slot = |column| Slot {
                key: Arc::from(k.as_str()),
                column,
                ty,
                convert: convert.clone(),
            };
            match schema.iter().position(|c| c.name == name) {
                Some(i) => match conflict {
                    "keep_source" => {}
                    "replace_source" => {
                        schema[i].ty = ty;
                        slots.push(slot(i));
                    }
                    _ => {
                        return Err(Error::semantic(
                            format!("bag_unpack: key `{k}` clashes with the column `{name}`"),
                            span,
                        )
                        .with_hint("use columnsConflict='replace_source' or 'keep_source'"))
                    }
                },
                None => {
                    schema.push(Column::new(name, ty));
                    slots.push(slot(schema.len() - 1));
                }
            }
        }
        let op = BagUnpack {
            bag: col,
            kept,
            slots,
            types: schema.iter().map(|c| c.ty).collect(),
        };
        Ok(custom(input, "BagUnpack", Arc::new(op), schema))
    }

    fn pivot(
        &self,
        input: Plan,
        a: &PluginArgs,
        declared: Option<&[ast::ColumnDecl]>,
        span: Span,
        scope: &Scope,
    ) -> Result<Plan> {
        let Some(first) = a.positional.first() else {
            return Err(Error::semantic(
                "`pivot` takes the column to pivot on",
                span,
            ));
        };
        let pivot = self.plugin_column(&input.schema, first, "the pivot column")?;
        // The aggregation: the second argument when it calls an aggregate, else count().
        let (agg_call, key_args) = match a.positional.get(1).map(|e| &e.kind) {
            Some(ExprKind::Call { func, args }) if functions::is_aggregate(&func.name) => {
                (Some((func, args)), &a.positional[2..])
            }
            _ => (None, &a.positional[1..]),
        };
        let count = ast::Ident {
            name: "count".into(),
            span,
        };
        let (agg, outputs) = match agg_call {
            Some((func, args)) => {
                self.aggregate_skipping(func, args, span, &input.schema, &[], scope)?
            }
            None => self.aggregate_skipping(&count, &[], span, &input.schema, &[], scope)?,
        };
        let agg_ty = outputs.first().copied().unwrap_or(Type::Long);
        let keys: Vec<usize> = if key_args.is_empty() {
            // Every column but the pivot column and those the aggregation reads.
            let mut read = Vec::new();
            if let Some((_, args)) = agg_call {
                for arg in args.iter() {
                    names_in(&arg.value, &mut read);
                }
            }
            (0..input.schema.len())
                .filter(|&i| i != pivot && !read.contains(&input.schema[i].name))
                .collect()
        } else {
            key_args
                .iter()
                .map(|e| self.plugin_column(&input.schema, e, "a pivot key"))
                .collect::<Result<_>>()?
        };
        let mut schema: Vec<Column> = keys.iter().map(|&i| input.schema[i].clone()).collect();
        let (columns, input) = match declared {
            Some(cols) => {
                let mut columns = Vec::new();
                for c in cols {
                    if c.name.name == "*" {
                        return Err(Error::semantic(
                            "`pivot` does not take `*` in its output schema",
                            c.span,
                        ));
                    }
                    if let Some(k) = schema.iter().position(|s| s.name == c.name.name) {
                        if schema[k].ty != c.ty {
                            return Err(Error::semantic(
                                format!(
                                    "the declared type of `{}` is {}, but the column is {}",
                                    c.name.name, c.ty, schema[k].ty
                                ),
                                c.span,
                            ));
                        }
                        continue;
                    }
                    let convert = (c.ty != agg_ty)
                        .then(|| self.conversion(c.ty, c.span))
                        .transpose()?;
                    columns.push((c.name.name.clone(), convert));
                }
                // The declared order: keys are the declared key columns in the plugin's
                // order, then the pivot values as declared.
                for (name, _) in &columns {
                    let ty = cols
                        .iter()
                        .find(|c| &c.name.name == name)
                        .map_or(agg_ty, |c| c.ty);
                    schema.push(Column::new(name.clone(), ty));
                }
                (columns, input)
            }
            None => {
                let table = self.columns_from_data(&input, "pivot", span)?;
                let mut names: Vec<String> = Vec::new();
                for row in &table.rows {
                    let n = column_name(&row[pivot]);
                    if !names.contains(&n) {
                        names.push(n);
                    }
                }
                for n in &names {
                    if schema.iter().any(|c| &c.name == n) {
                        return Err(Error::semantic(
                            format!("pivot: the value `{n}` is also the name of a key column"),
                            span,
                        ));
                    }
                    schema.push(Column::new(n.clone(), agg_ty));
                }
                let s = input.schema.clone();
                (
                    names.into_iter().map(|n| (n, None)).collect(),
                    Plan {
                        kind: PlanKind::Values(table),
                        schema: s,
                    },
                )
            }
        };
        let op = Pivot {
            pivot,
            keys,
            agg,
            columns,
            span,
        };
        Ok(custom(input, "Pivot", Arc::new(op), schema))
    }

    fn ip_lookup(
        &self,
        input: Plan,
        v6: bool,
        a: &PluginArgs,
        span: Span,
        scope: &Scope,
    ) -> Result<Plan> {
        let name = if v6 { "ipv6_lookup" } else { "ipv4_lookup" };
        let [table_expr, source, key, rest @ ..] = a.positional.as_slice() else {
            return Err(Error::semantic(
                format!("`{name}` takes a lookup table, the input's address column and the table's network column"),
                span,
            ));
        };
        let lookup = self.tabular(table_expr, scope)?;
        let source = self.plugin_column(&input.schema, source, "the address column")?;
        let network = self.plugin_column(&lookup.schema, key, "the network column")?;
        let mut unmatched = false;
        let mut extra = Vec::new();
        for (k, e) in rest.iter().enumerate() {
            let last = k == rest.len() - 1;
            if last && !matches!(e.kind, ExprKind::Name(_)) {
                unmatched = self.constant(e, scope)?.is_true();
                continue;
            }
            if v6 {
                return Err(Error::semantic(
                    "`ipv6_lookup` takes no extra key columns",
                    e.span,
                ));
            }
            let s = self.plugin_column(&input.schema, e, "an extra key")?;
            let l = self.plugin_column(&lookup.schema, e, "an extra key")?;
            extra.push((s, l));
        }
        if let Some(e) = a.named("return_unmatched") {
            unmatched = self.constant(e, scope)?.is_true();
        }
        let lookup_columns: Vec<usize> = (0..lookup.schema.len())
            .filter(|c| !extra.iter().any(|(_, l)| l == c))
            .collect();
        let looked: Vec<Column> = lookup_columns
            .iter()
            .map(|&c| lookup.schema[c].clone())
            .collect();
        let mut schema = Vec::new();
        if v6 {
            schema.extend(looked.iter().cloned());
            schema.extend(input.schema.iter().cloned());
        } else {
            schema.extend(input.schema.iter().cloned());
            schema.extend(looked.iter().cloned());
        }
        // A lookup column named like an input column gets the next free number.
        let mut names: Vec<String> = Vec::new();
        for c in &mut schema {
            c.name = unique(&c.name, &names);
            names.push(c.name.clone());
        }
        // The lookup table is a subquery: it runs while binding, as `in (T)` does.
        let table = match self.subquery_rows(&lookup) {
            Some(rows) => rows?,
            None => Arc::new(Table::new(lookup.schema.clone(), Vec::new())),
        };
        let op = IpLookup {
            v6,
            source,
            extra,
            table,
            network,
            lookup_types: looked.iter().map(|c| c.ty).collect(),
            lookup_columns,
            unmatched,
            lookup_first: v6,
        };
        Ok(custom(
            input,
            if v6 { "Ipv6Lookup" } else { "Ipv4Lookup" },
            Arc::new(op),
            schema,
        ))
    }

    fn activity(
        &self,
        input: Plan,
        name: &str,
        a: &PluginArgs,
        span: Span,
        scope: &Scope,
    ) -> Result<Plan> {
        let p = &a.positional;
        if p.len() < 3 {
            return Err(Error::semantic(
                format!("`{name}` takes an id column, a time column and its windows"),
                span,
            ));
        }
        let id = self.plugin_column(&input.schema, p[0], "the id column")?;
        let time = self.plugin_column(&input.schema, p[1], "the time column")?;
        let value = |i: usize| -> Result<Value> {
            match p.get(i) {
                Some(e) => self.constant(e, scope),
                None => Err(Error::semantic(
                    format!("`{name}` needs more arguments"),
                    span,
                )),
            }
        };
        let span_ticks = |i: usize| -> Result<i64> {
            match value(i)? {
                Value::TimeSpan(t) if t > 0 => Ok(t),
                Value::String(s) if matches!(&*s, "week" | "month" | "year") => Err(
                    Error::unsupported(format!("calendar windows ('{s}') in `{name}`"), p[i].span),
                ),
                _ => Err(Error::semantic(
                    "the window must be a positive timespan",
                    p[i].span,
                )),
            }
        };
        let date = |i: usize| -> Result<i64> {
            match value(i)? {
                Value::DateTime(t) | Value::TimeSpan(t) | Value::Long(t) => Ok(t),
                Value::Int(t) => Ok(t as i64),
                _ => Err(Error::semantic(
                    "the start and end must be datetimes",
                    p[i].span,
                )),
            }
        };
        // Whether the optional start and end (arguments 3 and 4) are given.
        let dated = matches!(
            p.get(2).map(|e| self.constant(e, scope)),
            Some(Ok(Value::DateTime(_)))
        );
        let (metric, start, end, step, dims_from) = match name {
            "activity_counts_metrics" => (
                Metric::Counts,
                Some(date(2)?),
                Some(date(3)?),
                span_ticks(4)?,
                5,
            ),
            "sliding_window_counts" => {
                let lookback = span_ticks(4)?;
                let bin = span_ticks(5)?;
                // The lookback is rounded down to whole bins (its docs page).
                let lookback = (lookback / bin).max(1) * bin;
                (
                    Metric::Sliding { lookback },
                    Some(date(2)?),
                    Some(date(3)?),
                    bin,
                    6,
                )
            }
            "activity_engagement" => {
                let o = if dated { 4 } else { 2 };
                let inner = span_ticks(o)?;
                let outer = span_ticks(o + 1)?;
                let (s, e) = if dated {
                    (Some(date(2)?), Some(date(3)?))
                } else {
                    (None, None)
                };
                (Metric::Engagement { inner, outer }, s, e, inner, o + 2)
            }
            _ => {
                let o = if dated { 4 } else { 2 };
                let (s, e) = if dated {
                    (Some(date(2)?), Some(date(3)?))
                } else {
                    (None, None)
                };
                (Metric::Retention, s, e, span_ticks(o)?, o + 1)
            }
        };
        let dims: Vec<usize> = p
            .iter()
            .skip(dims_from)
            .map(|e| self.plugin_column(&input.schema, e, "a dimension"))
            .collect::<Result<_>>()?;
        let mut schema = vec![input.schema[time].clone()];
        schema.extend(dims.iter().map(|&d| input.schema[d].clone()));
        let outputs: &[(&str, Type)] = match metric {
            Metric::Counts => &[
                ("count", Type::Long),
                ("dcount", Type::Long),
                ("new_dcount", Type::Long),
                ("aggregated_dcount", Type::Long),
            ],
            Metric::Engagement { .. } => &[
                ("dcount_activities_inner", Type::Long),
                ("dcount_activities_outer", Type::Long),
                ("activity_ratio", Type::Real),
            ],
            Metric::Retention => &[
                ("dcount_values", Type::Long),
                ("dcount_newvalues", Type::Long),
                ("retention_rate", Type::Real),
                ("churn_rate", Type::Real),
            ],
            // The docs' example prints `Count` and `dcount`.
            Metric::Sliding { .. } => &[("Count", Type::Long), ("dcount", Type::Long)],
        };
        schema.extend(outputs.iter().map(|(n, t)| Column::new(*n, *t)));
        let op = Activity {
            metric,
            id,
            time,
            dims,
            start,
            end,
            step,
            span,
        };
        Ok(custom(input, "Activity", Arc::new(op), schema))
    }
}

impl Binder<'_> {
    /// `active_users_count(id, time, start, end, lookback, period, active_periods, bin,
    /// dim...)`.
    fn active_users(&self, input: Plan, a: &PluginArgs, span: Span, scope: &Scope) -> Result<Plan> {
        let p = &a.positional;
        if p.len() < 8 {
            return Err(Error::semantic(
                "`active_users_count` takes an id and a time column, start, end, lookback window, period, active periods count and bin",
                span,
            ));
        }
        let id = self.plugin_column(&input.schema, p[0], "the id column")?;
        let time = self.plugin_column(&input.schema, p[1], "the time column")?;
        let ticks = |i: usize, what: &str| -> Result<i64> {
            match self.constant(p[i], scope)? {
                Value::DateTime(t) | Value::TimeSpan(t) | Value::Long(t) => Ok(t),
                Value::Int(t) => Ok(t as i64),
                Value::String(s) if matches!(&*s, "week" | "month" | "year") => {
                    Err(Error::unsupported(
                        format!("calendar bins ('{s}') in `active_users_count`"),
                        p[i].span,
                    ))
                }
                _ => Err(Error::semantic(
                    format!("{what} must be a constant datetime or timespan"),
                    p[i].span,
                )),
            }
        };
        let positive = |i: usize, what: &str| -> Result<i64> {
            let t = ticks(i, what)?;
            if t <= 0 {
                return Err(Error::semantic(
                    format!("{what} must be positive"),
                    p[i].span,
                ));
            }
            Ok(t)
        };
        let min_periods =
            match crate::functions::cast_value(Type::Real, self.constant(p[6], scope)?) {
                Value::Real(f) => f,
                _ => {
                    return Err(Error::semantic(
                        "the active periods count must be a number",
                        p[6].span,
                    ))
                }
            };
        let dims: Vec<usize> = p
            .iter()
            .skip(8)
            .map(|e| self.plugin_column(&input.schema, e, "a dimension"))
            .collect::<Result<_>>()?;
        let mut schema = vec![input.schema[time].clone()];
        schema.extend(dims.iter().map(|&d| input.schema[d].clone()));
        // The docs' example prints `dcount` (its schema table says dcount_values).
        schema.push(Column::new("dcount", Type::Long));
        let op = ActiveUsers {
            id,
            time,
            dims,
            start: ticks(2, "the start")?,
            end: ticks(3, "the end")?,
            lookback: positive(4, "the lookback window")?,
            period: positive(5, "the period")?,
            min_periods,
            bin: positive(7, "the bin")?,
            span,
        };
        Ok(custom(input, "ActiveUsers", Arc::new(op), schema))
    }
}

fn custom(
    input: Plan,
    name: &'static str,
    op: Arc<dyn crate::plan::RowsOp>,
    schema: Vec<Column>,
) -> Plan {
    Plan {
        kind: PlanKind::Custom {
            input: Box::new(input),
            name,
            op,
        },
        schema,
    }
}

/// The column names an expression reads.
fn names_in(e: &Expr, out: &mut Vec<String>) {
    match &e.kind {
        ExprKind::Name(id) => out.push(id.name.clone()),
        ExprKind::Call { args, .. } => args.iter().for_each(|a| names_in(&a.value, out)),
        ExprKind::Paren(x) | ExprKind::Unary { expr: x, .. } | ExprKind::Member { expr: x, .. } => {
            names_in(x, out)
        }
        ExprKind::Binary { lhs, rhs, .. } => {
            names_in(lhs, out);
            names_in(rhs, out);
        }
        ExprKind::Index { expr, index } => {
            names_in(expr, out);
            names_in(index, out);
        }
        _ => {}
    }
}
