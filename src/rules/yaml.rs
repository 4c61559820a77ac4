//! A YAML (or JSON) document as a tree whose every node knows its byte range in the
//! file, built from saphyr-parser's events; and, for a scalar, where each byte of its
//! value comes from (block scalars lose their indentation, quoted ones their escapes,
//! flow ones their line breaks). JSON is YAML 1.2, so ARM templates and Defender
//! rules are read by the same code.

use super::sourcemap::SourceMap;
use saphyr_parser::{Event, Parser, ScalarStyle, Span as YSpan, SpannedEventReceiver};
use std::ops::Range;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

#[derive(Clone, Debug)]
pub enum Node {
    Scalar {
        value: String,
        style: Style,
        span: Range<usize>,
    },
    Seq {
        items: Vec<Node>,
        span: Range<usize>,
    },
    Map {
        entries: Vec<(Node, Node)>,
        span: Range<usize>,
    },
}

impl Node {
    pub fn span(&self) -> Range<usize> {
        match self {
            Node::Scalar { span, .. } | Node::Seq { span, .. } | Node::Map { span, .. } => {
                span.clone()
            }
        }
    }

    /// The value of key `k` of a mapping (keys compared exactly, as YAML does).
    pub fn get(&self, k: &str) -> Option<&Node> {
        self.entry(k).map(|(_, v)| v)
    }

    /// The key node and the value of key `k`.
    pub fn entry(&self, k: &str) -> Option<(&Node, &Node)> {
        match self {
            Node::Map { entries, .. } => entries
                .iter()
                .find(|(key, _)| key.as_str() == Some(k))
                .map(|(a, b)| (a, b)),
            _ => None,
        }
    }

    /// The value of a scalar that is a string: YAML's `null`/`~` and an empty plain
    /// scalar are no string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Node::Scalar { value, style, .. } => {
                if *style == Style::Plain
                    && matches!(value.as_str(), "" | "~" | "null" | "Null" | "NULL")
                {
                    None
                } else {
                    Some(value)
                }
            }
            _ => None,
        }
    }

    /// Any scalar's text (numbers and booleans included).
    pub fn scalar(&self) -> Option<&str> {
        match self {
            Node::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Node::Scalar { style: Style::Plain, value, .. } if matches!(value.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    pub fn items(&self) -> &[Node] {
        match self {
            Node::Seq { items, .. } => items,
            _ => &[],
        }
    }

    pub fn entries(&self) -> &[(Node, Node)] {
        match self {
            Node::Map { entries, .. } => entries,
            _ => &[],
        }
    }

    pub fn is_map(&self) -> bool {
        matches!(self, Node::Map { .. })
    }

    pub fn is_seq(&self) -> bool {
        matches!(self, Node::Seq { .. })
    }

    /// Where each byte of a scalar's value comes from in `file`.
    pub fn source_map(&self, file: &str) -> SourceMap {
        match self {
            Node::Scalar { value, style, span } => scalar_map(file, span.clone(), *style, value),
            other => SourceMap::shifted(other.span().start, 0),
        }
    }
}

/// A YAML syntax error: message and byte offset.
#[derive(Debug)]
pub struct YamlError {
    pub message: String,
    pub offset: usize,
}

/// The first document of `text`; `Ok(None)` for an empty stream.
pub fn parse(text: &str) -> Result<Option<Node>, YamlError> {
    let bytes = char_offsets(text);
    let mut b = Builder {
        bytes: &bytes,
        stack: Vec::new(),
        done: None,
        anchors: Vec::new(),
    };
    let mut parser = Parser::new_from_str(text);
    if let Err(e) = parser.load(&mut b, false) {
        let m = e.marker();
        return Err(YamlError {
            message: e.info().to_string(),
            offset: bytes.get(m.index()).copied().unwrap_or(text.len()),
        });
    }
    Ok(b.done)
}

/// The byte offset of each character, and one more for the end.
fn char_offsets(text: &str) -> Vec<usize> {
    let mut v: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
    v.push(text.len());
    v
}

enum Open {
    Seq(Vec<Node>, usize, usize),
    Map(Vec<(Node, Node)>, Option<Node>, usize, usize),
}

struct Builder<'a> {
    bytes: &'a [usize],
    stack: Vec<Open>,
    done: Option<Node>,
    /// Nodes by anchor id, for aliases (`*a`).
    anchors: Vec<(usize, Node)>,
}

impl Builder<'_> {
    fn byte(&self, char_index: usize) -> usize {
        self.bytes
            .get(char_index)
            .copied()
            .unwrap_or_else(|| self.bytes.last().copied().unwrap_or(0))
    }

    fn push(&mut self, node: Node, anchor: usize) {
        if anchor > 0 {
            self.anchors.push((anchor, node.clone()));
        }
        match self.stack.last_mut() {
            None => {
                if self.done.is_none() {
                    self.done = Some(node);
                }
            }
            Some(Open::Seq(items, _, _)) => items.push(node),
            Some(Open::Map(entries, key, _, _)) => match key.take() {
                None => *key = Some(node),
                Some(k) => entries.push((k, node)),
            },
        }
    }
}

impl<'input> SpannedEventReceiver<'input> for Builder<'_> {
    fn on_event(&mut self, ev: Event<'input>, span: YSpan) {
        let (start, end) = (self.byte(span.start.index()), self.byte(span.end.index()));
        match ev {
            Event::Scalar(value, style, anchor, _) => {
                let style = match style {
                    ScalarStyle::Plain => Style::Plain,
                    ScalarStyle::SingleQuoted => Style::SingleQuoted,
                    ScalarStyle::DoubleQuoted => Style::DoubleQuoted,
                    ScalarStyle::Literal => Style::Literal,
                    ScalarStyle::Folded => Style::Folded,
                };
                self.push(
                    Node::Scalar {
                        value: value.into_owned(),
                        style,
                        span: start..end,
                    },
                    anchor,
                );
            }
            Event::SequenceStart(anchor, _) => {
                self.stack.push(Open::Seq(Vec::new(), start, anchor))
            }
            Event::MappingStart(anchor, _) => {
                self.stack.push(Open::Map(Vec::new(), None, start, anchor))
            }
            Event::SequenceEnd => {
                if let Some(Open::Seq(items, s, anchor)) = self.stack.pop() {
                    self.push(
                        Node::Seq {
                            items,
                            span: s..end.max(s),
                        },
                        anchor,
                    );
                }
            }
            Event::MappingEnd => {
                if let Some(Open::Map(entries, _, s, anchor)) = self.stack.pop() {
                    self.push(
                        Node::Map {
                            entries,
                            span: s..end.max(s),
                        },
                        anchor,
                    );
                }
            }
            Event::Alias(id) => {
                let node = self
                    .anchors
                    .iter()
                    .rev()
                    .find(|(a, _)| *a == id)
                    .map(|(_, n)| n.clone())
                    .unwrap_or(Node::Scalar {
                        value: String::new(),
                        style: Style::Plain,
                        span: start..end,
                    });
                self.push(node, 0);
            }
            _ => {}
        }
    }
}

/// Where each byte of a scalar's value comes from. Each style is decoded again from the
/// raw text with the offset of every character kept; the result is used only when it
/// equals the parser's value, else every byte points at the scalar's start (the error
/// still names the right line of the file, not the right column).
fn scalar_map(file: &str, span: Range<usize>, style: Style, value: &str) -> SourceMap {
    let raw = file.get(span.clone()).unwrap_or("");
    let decoded = match style {
        Style::DoubleQuoted | Style::SingleQuoted => raw
            .get(1..raw.len().saturating_sub(1))
            .and_then(|inner| flow(inner, span.start + 1, style)),
        Style::Plain => flow(raw, span.start, style),
        Style::Literal | Style::Folded => block(raw, span.start, value),
    };
    match decoded {
        Some((text, mut offsets)) if text == value => {
            offsets.push(
                if matches!(style, Style::DoubleQuoted | Style::SingleQuoted) {
                    span.end.saturating_sub(1)
                } else {
                    span.end
                },
            );
            SourceMap::from_offsets(offsets)
        }
        _ => SourceMap::from_offsets(vec![span.start; value.len() + 1]),
    }
}

fn push_char(out: &mut String, offs: &mut Vec<usize>, c: char, at: usize) {
    out.push(c);
    offs.extend(std::iter::repeat_n(at, c.len_utf8()));
}

/// A flow scalar's value (plain, or the inside of quotes) with the file offset of each
/// byte: escapes (double-quoted), `''` (single-quoted), and line folding (a line break
/// is a space, n breaks are n-1 newlines, whitespace around breaks goes).
fn flow(inner: &str, base: usize, style: Style) -> Option<(String, Vec<usize>)> {
    let b = inner.as_bytes();
    let mut out = String::new();
    let mut offs = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = inner[i..].chars().next()?;
        match c {
            '\\' if style == Style::DoubleQuoted => {
                let next = inner[i + 1..].chars().next()?;
                let simple = match next {
                    '0' => Some('\0'),
                    'a' => Some('\x07'),
                    'b' => Some('\x08'),
                    't' | '\t' => Some('\t'),
                    'n' => Some('\n'),
                    'v' => Some('\x0b'),
                    'f' => Some('\x0c'),
                    'r' => Some('\r'),
                    'e' => Some('\x1b'),
                    ' ' => Some(' '),
                    '"' => Some('"'),
                    '/' => Some('/'),
                    '\\' => Some('\\'),
                    'N' => Some('\u{85}'),
                    '_' => Some('\u{a0}'),
                    'L' => Some('\u{2028}'),
                    'P' => Some('\u{2029}'),
                    _ => None,
                };
                if let Some(ch) = simple {
                    push_char(&mut out, &mut offs, ch, base + i);
                    i += 1 + next.len_utf8();
                    continue;
                }
                let digits = match next {
                    'x' => 2,
                    'u' => 4,
                    'U' => 8,
                    '\n' | '\r' => {
                        // An escaped line break: the break and the next line's
                        // leading whitespace are dropped.
                        i += 1;
                        if b.get(i) == Some(&b'\r') {
                            i += 1;
                        }
                        if b.get(i) == Some(&b'\n') {
                            i += 1;
                        }
                        while matches!(b.get(i), Some(b' ' | b'\t')) {
                            i += 1;
                        }
                        continue;
                    }
                    _ => return None,
                };
                let hex = inner.get(i + 2..i + 2 + digits)?;
                let mut code = u32::from_str_radix(hex, 16).ok()?;
                let mut len = 2 + digits;
                // A UTF-16 surrogate pair written as two \u escapes (JSON's way).
                if (0xD800..0xDC00).contains(&code)
                    && inner.get(i + len..i + len + 2) == Some("\\u")
                {
                    let low = u32::from_str_radix(inner.get(i + len + 2..i + len + 6)?, 16).ok()?;
                    if (0xDC00..0xE000).contains(&low) {
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                        len += 6;
                    }
                }
                push_char(&mut out, &mut offs, char::from_u32(code)?, base + i);
                i += len;
            }
            '\'' if style == Style::SingleQuoted && b.get(i + 1) == Some(&b'\'') => {
                push_char(&mut out, &mut offs, '\'', base + i);
                i += 2;
            }
            ' ' | '\t' => {
                let mut j = i;
                while matches!(b.get(j), Some(b' ' | b'\t')) {
                    j += 1;
                }
                if matches!(b.get(j), Some(b'\n' | b'\r')) {
                    i = j; // trailing whitespace before a break goes
                } else {
                    for (k, &ch) in b.iter().enumerate().take(j).skip(i) {
                        push_char(&mut out, &mut offs, ch as char, base + k);
                    }
                    i = j;
                }
            }
            '\n' | '\r' => {
                let at = base + i;
                let mut breaks = 0;
                while i < b.len() {
                    match b[i] {
                        b'\r' if b.get(i + 1) == Some(&b'\n') => i += 1,
                        b'\n' | b'\r' => {
                            breaks += 1;
                            i += 1;
                        }
                        b' ' | b'\t' => i += 1,
                        _ => break,
                    }
                }
                if breaks == 1 {
                    push_char(&mut out, &mut offs, ' ', at);
                } else {
                    for _ in 1..breaks {
                        push_char(&mut out, &mut offs, '\n', at);
                    }
                }
            }
            c => {
                push_char(&mut out, &mut offs, c, base + i);
                i += c.len_utf8();
            }
        }
    }
    Some((out, offs))
}

/// A block scalar (`|` or `>`): each line of the raw text, less its indentation, is
/// found in order in the value; what lies between (more indentation, newlines or the
/// spaces folding made) points at the start of the next line's content.
fn block(raw: &str, base: usize, value: &str) -> Option<(String, Vec<usize>)> {
    let mut offs: Vec<usize> = Vec::with_capacity(value.len());
    let mut vi = 0;
    let mut line_start = 0;
    for line in raw.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        let content = body.trim_start_matches(' ');
        let at = base + line_start + (body.len() - content.len());
        line_start += line.len();
        if content.is_empty() {
            continue;
        }
        let p = vi + value.get(vi..)?.find(content)?;
        if !value[vi..p].chars().all(char::is_whitespace) {
            return None;
        }
        offs.extend(std::iter::repeat_n(at, p - vi));
        offs.extend(at..at + content.len());
        vi = p + content.len();
    }
    if !value.get(vi..)?.chars().all(char::is_whitespace) {
        return None;
    }
    offs.extend(std::iter::repeat_n(base + raw.len(), value.len() - vi));
    Some((value.to_string(), offs))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every style: the value, and for some bytes of it the text of the file at the
    /// offset they map to.
    #[test]
    fn scalar_bytes_map_back_to_the_file() {
        let file = "a: |\n  T\n    | where x == 1\n\n  | take 3\nb: \"T\\n| where s == \\\"\\u00e9\\\"\"\nc: 'it''s\n  folded'\nd: plain\n  two\ne: >-\n  one\n  two\nf: \"x\\\n   y\"\n";
        let doc = parse(file).unwrap().unwrap();
        let check = |key: &str, want: &str, probes: &[(&str, &str)]| {
            let n = doc.get(key).unwrap();
            let v = n.as_str().unwrap();
            assert_eq!(v, want, "{key}");
            let m = n.source_map(file);
            for (needle, at_file) in probes {
                let q = v.find(needle).unwrap_or_else(|| panic!("{key}: {needle}"));
                let f = m.offset(q);
                assert!(
                    file[f..].starts_with(at_file),
                    "{key}: `{needle}` maps to {:?}",
                    &file[f..(f + 10).min(file.len())]
                );
            }
        };
        check(
            "a",
            "T\n  | where x == 1\n\n| take 3\n",
            &[("where", "where x"), ("take", "take 3"), ("T", "T\n")],
        );
        check(
            "b",
            "T\n| where s == \"é\"",
            &[
                ("where", "where s"),
                ("\"é", "\\\"\\u00e9"),
                ("é", "\\u00e9"),
            ],
        );
        check("c", "it's folded", &[("'s", "''s"), ("folded", "folded'")]);
        check("d", "plain two", &[("two", "two")]);
        check("e", "one two", &[("two", "two\n")]);
        check("f", "xy", &[("y", "y\"")]);
    }

    #[test]
    fn json_is_read_with_positions() {
        let file = "{\n\t\"q\": \"T\\n| where a == \\\"b\\\"\",\n\t\"n\": [1, true, null]\n}";
        let doc = parse(file).unwrap().unwrap();
        let q = doc.get("q").unwrap();
        assert_eq!(q.as_str(), Some("T\n| where a == \"b\""));
        let m = q.source_map(file);
        assert!(file[m.offset(4)..].starts_with("where"));
        assert_eq!(doc.get("n").unwrap().items().len(), 3);
        assert!(doc.get("n").unwrap().items()[2].is_null());
    }

    #[test]
    fn syntax_errors_have_an_offset() {
        let e = parse("a: [1, 2\nb: c").unwrap_err();
        assert!(e.offset > 0, "{e:?}");
    }
}
