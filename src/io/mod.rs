//! Reading tables and schemas from files, writing results.

pub(crate) mod bytes;
pub(crate) mod cursor;
pub mod formats;
pub mod json;
pub mod output;
pub mod progress;
pub mod scan;
pub mod schema;
pub mod watchlists;

pub use formats::ReadOptions;
pub use json::{
    load_dir, load_dir_for, load_table_file, load_table_text, mentioned_in, open_dir_for,
    open_dir_with,
};
pub use output::{render, table_to_json, write_results, write_results_warned, Format};
pub use schema::{
    builtin_names, builtin_schema, builtin_schema_file, builtin_schema_for, builtin_schemas,
    builtin_schemas_for, load_schema_file, load_schema_file_for, load_schemas, parse_schema_file,
    schema_catalog, Product, Schema, SchemaFile,
};
