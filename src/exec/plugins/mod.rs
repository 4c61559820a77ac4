//! The `evaluate` plugins that run over their input's rows (the binder,
//! `bind/ops/evaluate.rs`, settles their output columns): one module per plugin family.

pub(crate) mod activity;
pub(crate) mod bag_unpack;
pub(crate) mod dcount_intersect;
pub(crate) mod ip_lookup;
pub(crate) mod narrow;
pub(crate) mod pivot;
pub(crate) mod rolling_percentile;
pub(crate) mod rows_near;
pub(crate) mod schema_merge;
