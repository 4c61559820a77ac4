//! Where each byte of a query came from in the file that holds it. A query kept in a
//! Markdown fence, a YAML block scalar or a JSON string is not a slice of its file:
//! indentation is stripped, escapes are decoded, lines are folded. Errors are found in
//! the query's own text and then moved into the file, so that the caret points into the
//! page or the rule the user edits.

use crate::error::{Error, Location, Span};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceMap {
    /// For each byte of the query, the byte of the file it comes from; one more entry
    /// for the end of the query. Empty: the query is the file.
    offsets: Vec<usize>,
}

impl SourceMap {
    /// The query is the whole file (`.kql`).
    pub fn identity() -> Self {
        SourceMap::default()
    }

    /// The query is `file[start..]` byte for byte, for `len` bytes.
    pub fn shifted(start: usize, len: usize) -> Self {
        SourceMap {
            offsets: (start..=start + len).collect(),
        }
    }

    /// `offsets[i]`: the file byte of query byte `i`, with one entry for the end.
    pub fn from_offsets(offsets: Vec<usize>) -> Self {
        SourceMap { offsets }
    }

    pub fn is_identity(&self) -> bool {
        self.offsets.is_empty()
    }

    /// The file byte of query byte `at` (past the end: the end).
    pub fn offset(&self, at: usize) -> usize {
        match self.offsets.last() {
            None => at,
            Some(&end) => self.offsets.get(at).copied().unwrap_or(end),
        }
    }

    /// A span of the query as a span of the file. The end is the byte after the last
    /// byte of the span, so that a span over an escape (`\"`) covers the escape's start.
    pub fn span(&self, s: Span) -> Span {
        let start = self.offset(s.start);
        let end = if s.end > s.start {
            self.offset(s.end - 1) + 1
        } else {
            start
        };
        Span::new(start, end.max(start))
    }

    /// `e` with its query positions moved into the file.
    pub fn error(&self, mut e: Error) -> Error {
        if self.is_identity() {
            return e;
        }
        if let Location::Query(s) = e.location {
            e.location = Location::Query(self.span(s));
        }
        for (s, _) in &mut e.labels {
            *s = self.span(*s);
        }
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_move_into_the_file() {
        // query "ab\"c" decoded from the file text `x: "ab\"c"`: the quote comes from two bytes.
        let m = SourceMap::from_offsets(vec![4, 5, 6, 8, 9]);
        assert_eq!(m.span(Span::new(0, 2)), Span::new(4, 6));
        assert_eq!(m.span(Span::new(2, 3)), Span::new(6, 7));
        assert_eq!(m.span(Span::new(3, 4)), Span::new(8, 9));
        assert_eq!(m.span(Span::new(4, 4)), Span::new(9, 9));
        assert_eq!(m.offset(99), 9);
        assert_eq!(SourceMap::identity().span(Span::new(3, 5)), Span::new(3, 5));
        assert_eq!(
            SourceMap::shifted(10, 3).span(Span::new(1, 3)),
            Span::new(11, 13)
        );
    }
}
