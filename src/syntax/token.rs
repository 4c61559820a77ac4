//! Tokens: the lexer's output and the parser's input.

use crate::error::Span;
use std::sync::Arc;

#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    /// An identifier or keyword (keywords are contextual in KQL); `$left` too.
    Ident,
    /// A string literal, already decoded (shared: the parser copies tokens freely).
    Str(Arc<str>),
    /// A number as written, with any suffix (`1h`, `0x1F`, `1e5`); the parser reads it.
    Num,
    /// Punctuation: `==`, `(`, `..`, ...
    Punct(&'static str),
    /// A character KQL has no use for.
    Unknown,
    Eof,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    pub tok: Tok,
    pub span: Span,
}

impl Token {
    pub fn is_punct(&self, p: &str) -> bool {
        matches!(self.tok, Tok::Punct(q) if q == p)
    }
}
