//! The parser's cursor over tokens, with the helpers every grammar module uses:
//! looking ahead, expecting punctuation, and wording errors.

use super::token::{Tok, Token};
use crate::ast::Ident;
use crate::error::{nearest, Error, Result, Span};

/// Deeper nesting than this is refused with a clean error instead of a stack overflow.
pub const MAX_DEPTH: usize = 200;

/// The deepest syntax tree accepted, counting each operator of a chain such as
/// `a + b + c` as a level: every later pass (and `Drop`) recurses over the tree.
pub const MAX_TREE_DEPTH: usize = 2000;

pub struct Parser<'a> {
    pub src: &'a str,
    pub toks: Vec<Token>,
    pub pos: usize,
    depth: usize,
    tree: usize,
    /// Forms Kusto accepts that probably do not mean what they say (`where x = true`):
    /// warnings carried on the [`crate::ast::Query`] for `kql check`.
    pub warnings: Vec<Error>,
    /// Whether to carry on after a statement that does not parse (for `kql check`),
    /// keeping its error in `errors` and the name it declares in `unparsed`.
    pub recovering: bool,
    pub errors: Vec<Error>,
    pub unparsed: Vec<Ident>,
}

impl<'a> Parser<'a> {
    pub fn new(src: &'a str, toks: Vec<Token>) -> Self {
        Parser {
            src,
            toks,
            pos: 0,
            depth: 0,
            tree: 0,
            warnings: Vec::new(),
            recovering: false,
            errors: Vec::new(),
            unparsed: Vec::new(),
        }
    }

    pub fn peek(&self) -> &Token {
        self.peek_at(0)
    }

    pub fn peek_at(&self, n: usize) -> &Token {
        let last = self.toks.len() - 1;
        &self.toks[(self.pos + n).min(last)]
    }

    pub fn bump(&mut self) -> Token {
        let t = self.peek().clone();
        if t.tok != Tok::Eof {
            self.pos += 1;
        }
        t
    }

    pub fn text(&self, t: &Token) -> &'a str {
        &self.src[t.span.start..t.span.end]
    }

    pub fn at_eof(&self) -> bool {
        self.peek().tok == Tok::Eof
    }

    /// The end of the previous token: where a missing thing should have been.
    pub fn prev_end(&self) -> usize {
        if self.pos == 0 {
            0
        } else {
            self.toks[self.pos - 1].span.end
        }
    }

    pub fn is_punct(&self, p: &str) -> bool {
        self.peek().is_punct(p)
    }

    pub fn is_punct_at(&self, n: usize, p: &str) -> bool {
        self.peek_at(n).is_punct(p)
    }

    /// Is the token `n` ahead the identifier `kw`? (Keywords are case-sensitive in KQL.)
    pub fn is_kw_at(&self, n: usize, kw: &str) -> bool {
        let t = self.peek_at(n);
        t.tok == Tok::Ident && self.text(t) == kw
    }

    pub fn is_kw(&self, kw: &str) -> bool {
        self.is_kw_at(0, kw)
    }

    pub fn is_ident(&self) -> bool {
        self.peek().tok == Tok::Ident
    }

    /// Token `n` ahead starts right where token `n - 1` ends (no space or comment between).
    pub fn glued(&self, n: usize) -> bool {
        n > 0 && self.peek_at(n - 1).span.end == self.peek_at(n).span.start
    }

    pub fn eat_punct(&mut self, p: &str) -> Option<Span> {
        if self.is_punct(p) {
            Some(self.bump().span)
        } else {
            None
        }
    }

    pub fn eat_kw(&mut self, kw: &str) -> Option<Span> {
        if self.is_kw(kw) {
            Some(self.bump().span)
        } else {
            None
        }
    }

    /// How a token reads in a message.
    pub fn describe(&self, t: &Token) -> String {
        match &t.tok {
            Tok::Eof => "the end of the query".into(),
            Tok::Str(_) => "a string".into(),
            _ => format!("`{}`", self.text(t)),
        }
    }

    /// "expected X, found Y" at the current token.
    pub fn expected(&self, what: &str) -> Error {
        let t = self.peek();
        let span = if t.tok == Tok::Eof {
            let e = self.prev_end();
            Span::new(e, e)
        } else {
            t.span
        };
        let e = Error::parse(format!("expected {what}, found {}", self.describe(t)), span);
        // Kusto.Language's codes: KS005 "Expected: ...", KS002 "Unexpected: <character>".
        match self.text(t) {
            _ if t.tok != Tok::Unknown => e.with_code(crate::error::Code::Ks(5)),
            _ => Self::unexpected_character(e, self.text(t)),
        }
    }

    fn unexpected_character(e: Error, text: &str) -> Error {
        let e = e.with_code(crate::error::Code::Ks(2));
        match text {
            "\u{201c}" | "\u{201d}" | "\u{2018}" | "\u{2019}" => {
                e.with_hint("curly quotes do not delimit strings: use \" or '")
            }
            c => e.with_hint(format!("`{c}` has no meaning in KQL here")),
        }
    }

    pub fn expect_punct(&mut self, p: &str, what: &str) -> Result<Span> {
        self.eat_punct(p).ok_or_else(|| self.expected(what))
    }

    pub fn expect_kw(&mut self, kw: &str, what: &str) -> Result<Span> {
        self.eat_kw(kw).ok_or_else(|| self.expected(what))
    }

    /// Expects the bracket that closes `open` (a span of `(`, `[` or `{`).
    pub fn close(&mut self, close: &str, open: Span) -> Result<Span> {
        if let Some(s) = self.eat_punct(close) {
            return Ok(s);
        }
        if let Some(e) = self.slip() {
            return Err(e);
        }
        let opener = &self.src[open.start..open.end];
        Err(self
            .expected(&format!("`{close}` to close the `{opener}`"))
            .with_label(open, "opened here"))
    }

    /// A token that cannot continue what came before, explained when it is a
    /// common slip: `=` for `==`, a missing `|`, a misspelt or unknown operator.
    pub fn slip(&self) -> Option<Error> {
        const INFIX: &[&str] = &[
            "has",
            "hasprefix",
            "hassuffix",
            "contains",
            "startswith",
            "endswith",
            "has_any",
            "has_all",
            "has_cs",
            "contains_cs",
            "startswith_cs",
            "endswith_cs",
            "hasprefix_cs",
            "hassuffix_cs",
            "between",
            "matches",
            "notcontains",
        ];
        let t = self.peek();
        let word = self.text(t);
        if t.is_punct("=") {
            return Some(
                Error::parse("`=` assigns a name; it does not compare", t.span)
                    .with_hint("to test equality use `==` (or `=~` to ignore case)"),
            );
        }
        if t.is_punct("!") && self.glued(1) && self.peek_at(1).tok == Tok::Ident {
            let w = self.text(self.peek_at(1));
            let span = t.span.to(self.peek_at(1).span);
            let mut e = Error::parse(format!("`!{w}` is not an operator"), span);
            if matches!(w, "matches" | "has_any" | "has_all") {
                // Real operators without a negated form.
                let op = if w == "matches" { "matches regex" } else { w };
                e = e.with_hint(format!("negate the whole test: `not(x {op} ...)`"));
            } else if let Some(n) = nearest(w, INFIX.iter().copied()) {
                e = e.with_hint(format!("did you mean `!{n}`?"));
            }
            return Some(e);
        }
        if t.tok != Tok::Ident {
            return None;
        }
        if super::operator::is_operator_name(word) {
            return Some(
                Error::parse(format!("expected `|` before `{word}`"), t.span).with_hint(format!(
                    "tabular operators are chained with a pipe: `| {word} ...`"
                )),
            );
        }
        if word.len() >= 4 {
            if let Some(n) = nearest(word, INFIX.iter().copied()) {
                return Some(
                    Error::parse(format!("unexpected `{word}`"), t.span)
                        .with_hint(format!("did you mean the operator `{n}`?")),
                );
            }
            if let Some(n) = nearest(word, super::operator::operator_names()) {
                return Some(
                    Error::parse(format!("unexpected `{word}`"), t.span)
                        .with_hint(format!("if `{word}` is a misspelt operator, write `| {n}`")),
                );
            }
        }
        None
    }

    /// An identifier or a quoted name (`['a b']`, `["a"]`).
    pub fn is_name(&self) -> bool {
        self.is_ident()
            || (self.is_punct("[")
                && matches!(self.peek_at(1).tok, Tok::Str(_))
                && self.is_punct_at(2, "]"))
    }

    pub fn name(&mut self, what: &str) -> Result<Ident> {
        if self.is_ident() {
            let t = self.bump();
            return Ok(Ident {
                name: self.text(&t).to_string(),
                span: t.span,
            });
        }
        if self.is_name() {
            let open = self.bump().span;
            let Tok::Str(s) = self.bump().tok else {
                unreachable!("is_name checked a string")
            };
            let close = self.bump().span;
            return Ok(Ident {
                name: s.to_string(),
                span: open.to(close),
            });
        }
        Err(self.expected(what))
    }

    /// A dotted name glued together: `hint.strategy`, `hint.shufflekey`.
    pub fn dotted_name_len(&self) -> usize {
        if !self.is_ident() {
            return 0;
        }
        let mut n = 1;
        while self.is_punct_at(n, ".") && self.peek_at(n + 1).tok == Tok::Ident {
            n += 2;
        }
        n
    }

    pub fn enter(&mut self, at: Span) -> Result<()> {
        self.depth += 1;
        self.tree += 1;
        if self.tree > MAX_TREE_DEPTH {
            return Err(Error::parse(
                format!("this expression is deeper than {MAX_TREE_DEPTH} operators"),
                at,
            )
            .with_hint("split it with `let` statements"));
        }
        if self.depth > MAX_DEPTH {
            return Err(Error::parse(
                format!("this query nests deeper than {MAX_DEPTH} levels"),
                at,
            )
            .with_hint("split it with `let` statements"));
        }
        Ok(())
    }

    /// Back at the top level (after skipping a statement that did not parse, whose
    /// error left its nesting counted).
    pub fn reset_depth(&mut self) {
        self.depth = 0;
        self.tree = 0;
    }

    pub fn leave(&mut self) {
        self.depth -= 1;
        self.tree -= 1;
    }

    /// One more operator in a chain (`a or b or ...`): deepens the tree, not the nesting.
    pub fn chain(&mut self, at: Span) -> Result<()> {
        self.tree += 1;
        if self.tree > MAX_TREE_DEPTH {
            return Err(Error::parse(
                format!("this expression is deeper than {MAX_TREE_DEPTH} operators"),
                at,
            )
            .with_hint("split it with `let` statements, or use `in (...)` for long lists"));
        }
        Ok(())
    }

    pub fn unchain(&mut self, n: usize) {
        self.tree -= n;
    }

    /// The span from `start` to the end of the last token consumed.
    pub fn since(&self, start: usize) -> Span {
        Span::new(start, self.prev_end().max(start))
    }
}
