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

/// Bracket nesting up to which the parser runs on the caller's stack. A debug
/// build spends about 22 KB of stack per level, so this stays well inside the
/// 2 MB of a test thread; deeper queries get a thread of their own.
const INLINE_NESTING: usize = 40;

/// Parses a whole query (statements separated by `;`).
pub fn parse(src: &str) -> Result<Query> {
    let toks = lexer::lex(src)?;
    if nesting(&toks) <= INLINE_NESTING {
        return parser::Parser::new(src, toks).query();
    }
    // Deep input (up to MAX_DEPTH levels, then a clean error) on a big stack, so
    // that no caller can see a stack overflow.
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .stack_size(64 << 20)
            .spawn_scoped(s, || parser::Parser::new(src, toks).query())
            .map_err(|e| {
                crate::error::Error::parse(
                    format!("cannot start the parser thread: {e}"),
                    crate::error::Span::new(0, 0),
                )
            })?
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p))
    })
}

/// Parses a whole query, carrying on after a statement that does not parse: the
/// statements that parse, and every syntax error (`kql check` reports them all). A
/// text that cannot be split into tokens (an unclosed string) gives no query.
pub fn parse_recovering(src: &str) -> (Option<Query>, Vec<crate::error::Error>) {
    let toks = match lexer::lex(src) {
        Ok(t) => t,
        Err(e) => return (None, vec![e]),
    };
    let run = |toks| {
        let mut p = parser::Parser::new(src, toks);
        p.recovering = true;
        let q = p.query();
        let mut errors = std::mem::take(&mut p.errors);
        match q {
            Ok(q) => (Some(q), errors),
            Err(e) => {
                errors.push(e);
                (None, errors)
            }
        }
    };
    if nesting(&toks) <= INLINE_NESTING {
        return run(toks);
    }
    std::thread::scope(|s| {
        match std::thread::Builder::new()
            .stack_size(64 << 20)
            .spawn_scoped(s, || run(toks))
        {
            Ok(h) => h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
            Err(e) => (
                None,
                vec![crate::error::Error::parse(
                    format!("cannot start the parser thread: {e}"),
                    crate::error::Span::new(0, 0),
                )],
            ),
        }
    })
}

/// The deepest bracket nesting, counting a run of unary signs as nesting too.
fn nesting(toks: &[token::Token]) -> usize {
    let (mut depth, mut run, mut max) = (0usize, 0usize, 0usize);
    for t in toks {
        match t.tok {
            token::Tok::Punct("(" | "[" | "{") => depth += 1,
            token::Tok::Punct(")" | "]" | "}") => depth = depth.saturating_sub(1),
            _ => {}
        }
        run = if matches!(t.tok, token::Tok::Punct("-" | "+")) {
            run + 1
        } else {
            0
        };
        max = max.max(depth + run);
    }
    max
}
