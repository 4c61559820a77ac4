//! KQL text → AST.
//!
//! [`lexer`] turns text into tokens (nom scans each token); the parser is
//! recursive descent over those tokens, split by job: [`expr`] (precedence
//! climbing), [`literal`], [`operator`] (tabular operators), [`query`]
//! (statements). [`printer`] writes the AST back as compact s-expressions.
//! Errors leave this module only as [`crate::error::Error`].

mod expr;
mod lexer;
mod literal;
mod operator;
mod parser;
pub mod printer;
mod query;
mod token;

use crate::ast::Query;
use crate::error::Result;

pub use operator::operator_names;
pub use parser::MAX_DEPTH;

/// Parses a whole query (statements separated by `;`).
pub fn parse(src: &str) -> Result<Query> {
    let toks = lexer::lex(src)?;
    parser::Parser::new(src, toks).query()
}
