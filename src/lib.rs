//! kql: a KQL (Kusto Query Language) interpreter that runs detections offline
//! against local JSON tables, with Kusto's semantics.
//!
//! Arrows go one way: [`syntax`] (text → [`ast`]) → [`bind`] (names and types: a
//! [`plan`]) → [`optimize`] (the same rows, sooner) → [`exec`] (rows) → [`io`] (files);
//! [`session`] drives a query through them, and the `kql` binary sits on top.

pub mod ast;
pub mod bind;
pub mod defender;
pub mod error;
pub mod exec;
pub mod external;
pub mod functions;
pub mod geoip;
pub mod guard;
pub(crate) mod hash;
pub mod io;
pub mod limits;
pub mod optimize;
pub(crate) mod parallel;
pub mod plan;
pub mod rules;
pub mod session;
pub mod stored;
pub mod syntax;
pub mod table;
pub mod types;
pub mod validate;
pub mod value;
pub mod warnings;

pub use error::{Error, ErrorKind, Result, Span};
pub use session::{run_query, Session};
pub use table::{Catalog, Column, Table};
pub use types::Type;
pub use value::Value;
