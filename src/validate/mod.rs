//! Validating detections without a Kusto cluster: `kql check` (parse and bind
//! against known schemas, no data), `kql test` (detection tests declared in
//! `*.kqltest.json` files next to the queries) and `kql diff` (what an edit
//! changes in a query's result). The CLI modules only parse arguments and print
//! what this module computes.

pub mod check;
pub mod diagnostic;
pub mod diff;
pub mod engine;
pub mod rows;
pub mod runner;
pub mod spec;
pub mod walk;
