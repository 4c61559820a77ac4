//! Detections kept in Markdown pages: every fenced code block whose info string
//! starts with `kql` or `kusto` (any case) is a query. CommonMark (pulldown-cmark)
//! decides what is a fenced block, so fences in lists and quotes count and a fence
//! inside an indented code block does not.

use super::sourcemap::SourceMap;
use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

/// One fenced KQL block: its text, where each byte comes from, and the byte range of
/// the whole block (fences included) in the page.
pub struct Block {
    pub text: String,
    pub map: SourceMap,
    pub span: std::ops::Range<usize>,
}

/// Whether an info string names KQL: its first word is `kql` or `kusto`, any case.
pub fn is_kql_info(info: &str) -> bool {
    let word = info
        .split(|c: char| c.is_whitespace() || c == ',' || c == '{')
        .next()
        .unwrap_or("");
    word.eq_ignore_ascii_case("kql") || word.eq_ignore_ascii_case("kusto")
}

pub fn blocks(page: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut current: Option<(String, Vec<usize>, std::ops::Range<usize>)> = None;
    for (ev, range) in Parser::new_ext(page, Options::empty()).into_offset_iter() {
        match ev {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) if is_kql_info(&info) => {
                current = Some((String::new(), Vec::new(), range));
            }
            Event::Text(t) => {
                if let Some((text, offs, _)) = &mut current {
                    text.push_str(&t);
                    // The text is the page's bytes unless CommonMark took something out
                    // (a quote's `>`, a list's indentation): then it is taken line by line.
                    if page.get(range.clone()) == Some(&*t) {
                        offs.extend(range.clone());
                    } else {
                        offs.extend(align(page, range.clone(), &t));
                    }
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some((text, mut offs, span)) = current.take() {
                    // The end of the query is the start of its closing fence's line.
                    let end = offs.last().map_or(span.start, |&o| o + 1);
                    offs.push(end);
                    out.push(Block {
                        text,
                        map: SourceMap::from_offsets(offs),
                        span,
                    });
                }
            }
            _ => {}
        }
    }
    out
}

/// Offsets for text CommonMark rebuilt from `page[range]`: each line of the text is
/// looked for, in order, in the page; a line not found points at the range's start.
fn align(page: &str, range: std::ops::Range<usize>, text: &str) -> Vec<usize> {
    let src = page.get(range.clone()).unwrap_or("");
    let mut offs = Vec::with_capacity(text.len());
    let mut from = 0;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches('\n');
        match src.get(from..).and_then(|s| s.find(body)) {
            Some(p) if !body.is_empty() => {
                let at = range.start + from + p;
                offs.extend(at..at + body.len());
                from += p + body.len();
                if line.len() > body.len() {
                    offs.push(range.start + from.min(src.len()));
                }
            }
            _ => offs.extend(std::iter::repeat_n(range.start + from, line.len())),
        }
    }
    offs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kql_fences_are_found_with_their_positions() {
        let page = "# Title\n\nSome prose | not a query.\n\n```KQL\nT\n| where x == 1\n```\n\n```python\nprint(1)\n```\n\n- a list\n\n  ~~~kusto title\n  U | take 1\n  ~~~\n\n> ```kql\n> V\n> | count\n> ```\n\n    ```kql\n    indented code, not a fence\n    ```\n";
        let b = blocks(page);
        let texts: Vec<&str> = b.iter().map(|b| b.text.as_str()).collect();
        assert_eq!(
            texts,
            ["T\n| where x == 1\n", "U | take 1\n", "V\n| count\n"]
        );
        for blk in &b {
            for word in ["where", "take", "count", "T\n", "V\n"] {
                if let Some(q) = blk.text.find(word) {
                    let f = blk.map.offset(q);
                    assert!(
                        page[f..].starts_with(word),
                        "{word} -> {:?}",
                        &page[f..f + 8]
                    );
                }
            }
        }
    }

    #[test]
    fn info_strings() {
        for (info, kql) in [
            ("kql", true),
            ("KQL", true),
            ("Kusto", true),
            ("kql title=x", true),
            ("kql,linenums", true),
            ("kqlx", false),
            ("sql", false),
            ("", false),
        ] {
            assert_eq!(is_kql_info(info), kql, "{info}");
        }
    }
}
