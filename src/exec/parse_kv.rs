//! `parse-kv`: key/value extraction from a string, in three modes.
//!
//! - Delimiters given (`pair_delimiter`, `kv_delimiter`): the text splits into items at
//!   the pair delimiter (outside quotes); an item's key and value split at its first kv
//!   delimiter; an item without one is skipped, or with `greedy=true` belongs to the
//!   value before it ("name=John Doe phone=555" gives name "John Doe").
//! - No delimiters: any non-alphanumeric character separates. A key is a whole word
//!   followed by separators and then its value: a quoted string or a word.
//! - `regex`: every match gives a key (group 1) and value (group 2).
//!
//! Keys and values are trimmed; quotes (`quote='"'`, or an open/close pair `'()'`) may
//! wrap either, and inside them an `escape` character keeps the next one literal. The
//! first appearance of a key wins. A key that is absent, or a value that does not
//! convert to its column's type, gives null ("" for strings).

use super::eval::eval;
use crate::error::Result;
use crate::functions::{EvalCtx, ScalarImpl};
use crate::plan::{BExpr, RowsOp};
use crate::table::Row;
use crate::types::Type;
use crate::value::Value;
use std::sync::Arc;

pub(crate) enum Mode {
    Delimited {
        pair: String,
        kv: String,
        greedy: bool,
    },
    Words,
    Regex(regex::Regex),
}

/// One extracted key: its name, output column, type and conversion from text.
pub(crate) struct KvTarget {
    pub key: String,
    pub column: usize,
    pub ty: Type,
    pub conv: Option<Arc<dyn ScalarImpl>>,
}

pub(crate) struct ParseKv {
    pub expr: BExpr,
    pub mode: Mode,
    /// (open, close) quote characters.
    pub quotes: Vec<(char, char)>,
    pub escapes: Vec<char>,
    pub targets: Vec<KvTarget>,
    pub width: usize,
}

impl RowsOp for ParseKv {
    fn run(&self, rows: &[&Row], ctx: &EvalCtx) -> Result<Vec<Row>> {
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let text = eval(&self.expr, row, ctx);
            let text = match &text {
                Value::String(s) => s.to_string(),
                Value::Null => String::new(),
                other => crate::value::tostring(other),
            };
            let pairs = self.pairs(&text);
            let mut r = (*row).clone();
            r.resize(self.width, Value::Null);
            for t in &self.targets {
                let found = pairs.iter().find(|(k, _)| *k == t.key).map(|(_, v)| v);
                r[t.column] = match (found, &t.conv) {
                    (None, _) => Value::null_of(t.ty),
                    (Some(v), None) => Value::str(v),
                    (Some(v), Some(conv)) => {
                        let x = conv.call(&[Value::str(v)], ctx);
                        if x.is_null() {
                            Value::null_of(t.ty)
                        } else {
                            x
                        }
                    }
                };
            }
            out.push(r);
        }
        Ok(out)
    }
}

impl ParseKv {
    fn pairs(&self, text: &str) -> Vec<(String, String)> {
        match &self.mode {
            Mode::Regex(re) => re
                .captures_iter(text)
                .filter_map(|c| {
                    let k = c.get(1)?.as_str().trim().to_string();
                    let v = c.get(2).map_or("", |m| m.as_str()).trim().to_string();
                    Some((k, v))
                })
                .collect(),
            Mode::Delimited { pair, kv, greedy } => self.delimited(text, pair, kv, *greedy),
            Mode::Words => self.words(text),
        }
    }

    fn close_of(&self, c: char) -> Option<char> {
        self.quotes.iter().find(|q| q.0 == c).map(|q| q.1)
    }

    /// Reads a quoted run starting at byte `i` (on the opening quote): its unescaped
    /// text and the byte index after the closing quote.
    fn quoted(&self, text: &str, i: usize, close: char) -> (String, usize) {
        let mut out = String::new();
        let mut chars = text[i..].char_indices().skip(1);
        while let Some((j, c)) = chars.next() {
            if self.escapes.contains(&c) {
                if let Some((_, n)) = chars.next() {
                    out.push(n);
                }
                continue;
            }
            if c == close {
                return (out, i + j + c.len_utf8());
            }
            out.push(c);
        }
        (out, text.len())
    }

    /// A key or value as written: trimmed, and unquoted when wholly quoted.
    fn clean(&self, raw: &str) -> String {
        let t = raw.trim();
        if let Some(first) = t.chars().next() {
            if let Some(close) = self.close_of(first) {
                let (inner, end) = self.quoted(t, 0, close);
                if end == t.len() {
                    return inner;
                }
            }
        }
        t.to_string()
    }

    fn delimited(&self, text: &str, pair: &str, kv: &str, greedy: bool) -> Vec<(String, String)> {
        // Items between pair delimiters outside quotes, each with the offset of its
        // first kv delimiter outside quotes.
        let mut items: Vec<(usize, usize, Option<usize>)> = Vec::new();
        let (mut start, mut kv_at, mut i) = (0usize, None, 0usize);
        while i < text.len() {
            let c = text[i..].chars().next().unwrap_or(' ');
            if let Some(close) = self.close_of(c) {
                i = self.quoted(text, i, close).1;
                continue;
            }
            if !pair.is_empty() && text[i..].starts_with(pair) {
                items.push((start, i, kv_at));
                i += pair.len();
                start = i;
                kv_at = None;
                continue;
            }
            if kv_at.is_none() && !kv.is_empty() && text[i..].starts_with(kv) {
                kv_at = Some(i);
                i += kv.len();
                continue;
            }
            i += c.len_utf8();
        }
        items.push((start, text.len(), kv_at));
        let mut out: Vec<(String, String, usize, usize)> = Vec::new(); // key, raw value span
        for (s, e, k) in items {
            match k {
                Some(k) => out.push((self.clean(&text[s..k]), String::new(), k + kv.len(), e)),
                None if greedy => {
                    if let Some(last) = out.last_mut() {
                        last.3 = e;
                    }
                }
                None => {}
            }
        }
        out.into_iter()
            .map(|(k, _, vs, ve)| (k, self.clean(&text[vs..ve])))
            .collect()
    }

    /// Without delimiters, each wanted key is looked up: its first appearance as a
    /// whole word followed by separators and then a value.
    fn words(&self, text: &str) -> Vec<(String, String)> {
        let is_word = |c: char| c.is_alphanumeric() || c == '_';
        let mut out = Vec::new();
        for t in &self.targets {
            let key = t.key.as_str();
            if key.is_empty() {
                continue;
            }
            let mut from = 0;
            while let Some(found) = text[from..].find(key) {
                let at = from + found;
                let end = at + key.len();
                from = at + key.chars().next().map_or(1, char::len_utf8);
                let before_ok = text[..at].chars().next_back().is_none_or(|c| !is_word(c));
                if !before_ok {
                    continue;
                }
                // Separators, then a value (quoted or a word).
                let mut j = end;
                while let Some(c) = text[j..].chars().next() {
                    if is_word(c) || self.close_of(c).is_some() {
                        break;
                    }
                    j += c.len_utf8();
                }
                if j == end || j >= text.len() {
                    continue;
                }
                let c = text[j..].chars().next().unwrap_or(' ');
                let value = match self.close_of(c) {
                    Some(close) => self.quoted(text, j, close).0,
                    None => {
                        let vend = text[j..]
                            .find(|c: char| !is_word(c))
                            .map_or(text.len(), |e| j + e);
                        text[j..vend].to_string()
                    }
                };
                out.push((key.to_string(), value));
                break;
            }
        }
        out
    }
}
