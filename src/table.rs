//! Tables as the executor and I/O see them: a schema and rows of values.

use crate::types::Type;
use crate::value::Value;
use indexmap::IndexMap;
use std::sync::Arc;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Column {
    pub name: String,
    pub ty: Type,
}

impl Column {
    pub fn new(name: impl Into<String>, ty: Type) -> Self {
        Column {
            name: name.into(),
            ty,
        }
    }
}

pub type Row = Vec<Value>;

#[derive(Clone, Debug, Default)]
pub struct Table {
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
}

impl Table {
    pub fn new(columns: Vec<Column>, rows: Vec<Row>) -> Self {
        Table { columns, rows }
    }
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }
}

/// The tables a query can read, by name. A table may be known by its schema only
/// (for `kql check`, which runs no data).
#[derive(Clone, Debug, Default)]
pub struct Catalog {
    tables: IndexMap<String, CatalogEntry>,
}

#[derive(Clone, Debug)]
pub enum CatalogEntry {
    Data(Arc<Table>),
    Schema(Vec<Column>),
}

impl CatalogEntry {
    pub fn columns(&self) -> &[Column] {
        match self {
            CatalogEntry::Data(t) => &t.columns,
            CatalogEntry::Schema(c) => c,
        }
    }
}

impl Catalog {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn add_table(&mut self, name: impl Into<String>, table: Table) {
        self.tables
            .insert(name.into(), CatalogEntry::Data(Arc::new(table)));
    }
    pub fn add_schema(&mut self, name: impl Into<String>, columns: Vec<Column>) {
        self.tables
            .insert(name.into(), CatalogEntry::Schema(columns));
    }
    pub fn get(&self, name: &str) -> Option<&CatalogEntry> {
        self.tables.get(name)
    }
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.tables.keys().map(String::as_str)
    }
}
