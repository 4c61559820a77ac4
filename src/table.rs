//! Tables as the executor and I/O see them: a schema and rows of values.

use crate::io::scan::FileTable;
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
    /// Rows left in their file until a query scans them (see [`crate::io::scan`]).
    File(Arc<FileTable>),
}

impl CatalogEntry {
    pub fn columns(&self) -> &[Column] {
        match self {
            CatalogEntry::Data(t) => &t.columns,
            CatalogEntry::Schema(c) => c,
            CatalogEntry::File(f) => f.columns(),
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
    /// Adds a table read on demand from its file.
    pub fn add_file(&mut self, name: impl Into<String>, file: FileTable) {
        self.tables
            .insert(name.into(), CatalogEntry::File(Arc::new(file)));
    }
    /// How many file tables turned out wider than their schema while running; when it
    /// changes, plans bound before must be bound again.
    pub fn widened(&self) -> usize {
        self.tables
            .values()
            .filter(|e| matches!(e, CatalogEntry::File(f) if f.widened()))
            .count()
    }
    pub fn get(&self, name: &str) -> Option<&CatalogEntry> {
        self.tables.get(name)
    }
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.tables.keys().map(String::as_str)
    }
}
