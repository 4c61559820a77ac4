//! Warnings about the data a query read: values that did not convert to their column's
//! type (read as null, as Kusto's ingestion does), local times read as UTC. They are
//! data, not errors: the sources of a catalog record them while they read (on any
//! thread), and the CLI shows them after the results (`kql run`: standard error, or a
//! field of `--format json`).
//!
//! A table may be read several times in one run (two pipelines over it, a scan that
//! gave up and a load), so counts are kept per read: each read counts its own bad
//! values ([`BadValues`]) and merges them when it ends, keeping for each file and column
//! the largest count and the first line. A read that stopped early (`take`) has counted
//! only the rows it read.

use indexmap::IndexMap;
use std::sync::Mutex;

/// One warning, as shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// The file it is about.
    pub file: String,
    /// The column, for a value that did not convert.
    pub column: Option<String>,
    /// What happened, without the file.
    pub message: String,
    /// The first line where it happened (0 when it is about the whole file).
    pub line: usize,
}

impl Warning {
    /// `file:line: message` (or `file: message`).
    pub fn render(&self) -> String {
        if self.line > 0 {
            format!("{}:{}: {}", self.file, self.line, self.message)
        } else {
            format!("{}: {}", self.file, self.message)
        }
    }
}

#[derive(Clone, Debug)]
struct BadEntry {
    ty: String,
    count: u64,
    line: usize,
    example: String,
}

/// The warnings of one catalog.
#[derive(Debug, Default)]
pub struct Warnings {
    /// Values that did not convert, by (file, column).
    bad: Mutex<IndexMap<(String, String), BadEntry>>,
    /// Other notes, by file, in the order they came (each once).
    notes: Mutex<IndexMap<(String, String), ()>>,
}

impl Warnings {
    pub fn new() -> Self {
        Self::default()
    }

    /// A note about a whole file (given once however often it is read).
    pub fn note(&self, file: &str, message: impl Into<String>) {
        lock(&self.notes).insert((file.to_string(), message.into()), ());
    }

    /// Merges the bad values one read counted.
    pub fn merge(&self, read: BadValues) {
        let mut bad = lock(&self.bad);
        for ((file, column), e) in read.entries.into_inner().unwrap_or_else(|e| e.into_inner()) {
            match bad.get_mut(&(file.clone(), column.clone())) {
                Some(old) => {
                    old.count = old.count.max(e.count);
                    if e.line < old.line {
                        old.line = e.line;
                        old.example = e.example;
                    }
                }
                None => {
                    bad.insert((file, column), e);
                }
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        lock(&self.bad).is_empty() && lock(&self.notes).is_empty()
    }

    /// Every warning: the notes, then the bad values, each sorted by file (and column).
    pub fn list(&self) -> Vec<Warning> {
        let mut out: Vec<Warning> = lock(&self.notes)
            .keys()
            .map(|(file, message)| Warning {
                file: file.clone(),
                column: None,
                message: message.clone(),
                line: 0,
            })
            .collect();
        let mut bad: Vec<Warning> = lock(&self.bad)
            .iter()
            .map(|((file, column), e)| Warning {
                file: file.clone(),
                column: Some(column.clone()),
                message: format!(
                    "column `{column}`: {} that {} not {} read as null (the first here: {})",
                    plural(e.count, "value"),
                    if e.count == 1 { "is" } else { "are" },
                    e.ty,
                    e.example
                ),
                line: e.line,
            })
            .collect();
        bad.sort_by(|a, b| (&a.file, &a.column).cmp(&(&b.file, &b.column)));
        out.sort_by(|a, b| a.file.cmp(&b.file));
        out.extend(bad);
        out
    }
}

fn plural(n: u64, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// The bad values one read of a source met, by file and column; shared by the threads
/// of the read.
#[derive(Debug, Default)]
pub struct BadValues {
    entries: Mutex<IndexMap<(String, String), BadEntry>>,
}

impl BadValues {
    /// A value `example` (as written in the file) of `column` (of type `ty`) at `line`
    /// of `file` did not convert.
    pub fn add(&self, file: &str, column: &str, ty: &str, line: usize, example: &str) {
        let mut m = lock(&self.entries);
        let key = (file.to_string(), column.to_string());
        match m.get_mut(&key) {
            Some(e) => {
                e.count += 1;
                if line < e.line {
                    e.line = line;
                    e.example = shorten(example);
                }
            }
            None => {
                m.insert(
                    key,
                    BadEntry {
                        ty: ty.to_string(),
                        count: 1,
                        line,
                        example: shorten(example),
                    },
                );
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        lock(&self.entries).is_empty()
    }
}

fn shorten(s: &str) -> String {
    const MAX: usize = 60;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        let cut: String = s.chars().take(MAX).collect();
        format!("{cut}…")
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_merge_by_largest_count_and_first_line() {
        let w = Warnings::new();
        let a = BadValues::default();
        a.add("t.csv", "n", "long", 9, "\"x\"");
        a.add("t.csv", "n", "long", 4, "\"y\"");
        w.merge(a);
        // The same file read again (a second pipeline): not counted twice.
        let b = BadValues::default();
        b.add("t.csv", "n", "long", 4, "\"y\"");
        b.add("t.csv", "n", "long", 9, "\"x\"");
        w.merge(b);
        w.note("t.csv", "local times read as UTC");
        w.note("t.csv", "local times read as UTC");
        let list = w.list();
        assert_eq!(list.len(), 2, "{list:?}");
        assert_eq!(list[0].render(), "t.csv: local times read as UTC");
        assert_eq!(
            list[1].render(),
            "t.csv:4: column `n`: 2 values that are not long read as null (the first here: \"y\")"
        );
    }
}
