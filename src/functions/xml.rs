//! `parse_xml(s)`: XML to dynamic, by Kusto's documented mapping. An element becomes
//! a property named after it: `<e/>` is null, `<e>text</e>` the text, attributes are
//! `@name` properties, text beside children or attributes is `#text`, and repeated
//! child names gather into an array. Only elements, attributes and text are kept
//! (declarations, comments and processing instructions are skipped). Text stays a
//! string. Malformed XML gives null.

use super::{pure, sig, text, ArgInfo, Bound, Want};
use crate::types::Type;
use crate::value::{Bag, Value};

pub(super) const NAMES: &[&str] = &["parse_xml"];

/// Kusto's documented limit: longer input gives null.
const MAX_INPUT: usize = 1 << 20;
/// Nesting deeper than this is refused rather than risking the stack.
const MAX_DEPTH: usize = 256;

pub(super) fn bind(name: &str, args: &[ArgInfo]) -> Option<Bound> {
    if name != "parse_xml" {
        return None;
    }
    Some(sig(name, args, 1, 1, &[Want::Str]).and_then(|_| {
        pure(Type::Dynamic, |a| {
            parse_xml(&text(&a[0])).unwrap_or(Value::Null)
        })
    }))
}

pub(crate) fn parse_xml(s: &str) -> Option<Value> {
    if s.len() > MAX_INPUT {
        return None;
    }
    let mut p = Parser { s, pos: 0 };
    p.misc()?;
    let (name, value) = p.element(0)?;
    p.misc()?;
    if p.pos != s.len() {
        return None;
    }
    let mut root = Bag::default();
    root.insert(name.as_str().into(), value);
    Some(Value::bag(root))
}

struct Parser<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        &self.s[self.pos..]
    }

    fn skip_ws(&mut self) {
        let r = self.rest();
        self.pos += r.len() - r.trim_start().len();
    }

    /// Skips `what` if the input continues with it.
    fn eat(&mut self, what: &str) -> bool {
        if self.rest().starts_with(what) {
            self.pos += what.len();
            true
        } else {
            false
        }
    }

    /// Skips past the next `end`.
    fn skip_past(&mut self, end: &str) -> Option<()> {
        let i = self.rest().find(end)?;
        self.pos += i + end.len();
        Some(())
    }

    /// Whitespace, comments, declarations and processing instructions between elements.
    fn misc(&mut self) -> Option<()> {
        loop {
            self.skip_ws();
            if self.eat("<?") {
                self.skip_past("?>")?;
            } else if self.eat("<!--") {
                self.skip_past("-->")?;
            } else if self.rest().starts_with("<!DOCTYPE") {
                self.skip_past(">")?;
            } else {
                return Some(());
            }
        }
    }

    fn name(&mut self) -> Option<String> {
        let r = self.rest();
        let end = r
            .find(|c: char| c.is_whitespace() || matches!(c, '/' | '>' | '=' | '<'))
            .unwrap_or(r.len());
        if end == 0 {
            return None;
        }
        self.pos += end;
        Some(r[..end].to_string())
    }

    /// One element, `<` next: its name and value.
    fn element(&mut self, depth: usize) -> Option<(String, Value)> {
        if depth > MAX_DEPTH || !self.eat("<") {
            return None;
        }
        let name = self.name()?;
        let mut props: Vec<(String, Value)> = Vec::new();
        loop {
            self.skip_ws();
            if self.eat("/>") {
                return Some((name, finish(props, Vec::new(), true)));
            }
            if self.eat(">") {
                break;
            }
            let attr = self.name()?;
            self.skip_ws();
            if !self.eat("=") {
                return None;
            }
            self.skip_ws();
            let quote = self
                .rest()
                .chars()
                .next()
                .filter(|c| *c == '"' || *c == '\'')?;
            self.pos += 1;
            let end = self.rest().find(quote)?;
            let raw = &self.rest()[..end];
            let value = unescape(raw)?;
            self.pos += end + 1;
            props.push((format!("@{attr}"), Value::str(&value)));
        }
        let mut texts: Vec<String> = Vec::new();
        loop {
            let r = self.rest();
            let lt = r.find('<')?;
            if lt > 0 {
                let t = unescape(&r[..lt])?;
                if !t.trim().is_empty() {
                    texts.push(t);
                }
                self.pos += lt;
            }
            if self.eat("</") {
                let close = self.name()?;
                self.skip_ws();
                if close != name || !self.eat(">") {
                    return None;
                }
                return Some((name, finish(props, texts, false)));
            }
            if self.eat("<!--") {
                self.skip_past("-->")?;
            } else if self.eat("<![CDATA[") {
                let end = self.rest().find("]]>")?;
                texts.push(self.rest()[..end].to_string());
                self.pos += end + 3;
            } else if self.eat("<?") {
                self.skip_past("?>")?;
            } else {
                let (child, value) = self.element(depth + 1)?;
                props.push((child, value));
            }
        }
    }
}

/// The value of an element from its attributes and children (in order) and its text.
fn finish(props: Vec<(String, Value)>, texts: Vec<String>, self_closing: bool) -> Value {
    if props.is_empty() {
        return match texts.len() {
            0 if self_closing => Value::Null,
            0 => Value::str(""),
            1 => Value::str(&texts[0]),
            _ => Value::array(texts.iter().map(|t| Value::str(t)).collect()),
        };
    }
    // Children of one name gather into an array at the first one's place.
    let mut grouped: indexmap::IndexMap<String, Vec<Value>> = indexmap::IndexMap::new();
    for (k, v) in props {
        grouped.entry(k).or_default().push(v);
    }
    let mut bag = Bag::default();
    for (k, mut vs) in grouped {
        let v = if vs.len() == 1 {
            vs.pop().unwrap_or(Value::Null)
        } else {
            Value::array(vs)
        };
        bag.insert(k.as_str().into(), v);
    }
    match texts.len() {
        0 => {}
        1 => {
            bag.insert("#text".into(), Value::str(&texts[0]));
        }
        _ => {
            bag.insert(
                "#text".into(),
                Value::array(texts.iter().map(|t| Value::str(t)).collect()),
            );
        }
    }
    Value::bag(bag)
}

/// The five predefined entities and character references.
fn unescape(s: &str) -> Option<String> {
    if !s.contains('&') {
        return Some(s.to_string());
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let end = after.find(';')?;
        let entity = &after[..end];
        let c = match entity {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = if let Some(hex) = entity.strip_prefix("#x") {
                    u32::from_str_radix(hex, 16).ok()?
                } else {
                    entity.strip_prefix('#')?.parse().ok()?
                };
                char::from_u32(code)?
            }
        };
        out.push(c);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::parse_xml;
    use crate::value::to_json_text;

    fn j(s: &str) -> String {
        parse_xml(s).map_or("null".into(), |v| to_json_text(&v))
    }

    #[test]
    fn documented_mapping() {
        let cases = [
            ("<e/>", r#"{"e":null}"#),
            ("<e>text</e>", r#"{"e":"text"}"#),
            (r#"<e name="value" />"#, r#"{"e":{"@name":"value"}}"#),
            (
                r#"<e name="value">text</e>"#,
                r##"{"e":{"@name":"value","#text":"text"}}"##,
            ),
            (
                "<e> <a>text</a> <b>text</b> </e>",
                r#"{"e":{"a":"text","b":"text"}}"#,
            ),
            (
                "<e> <a>text</a> <a>text</a> <a>3</a> </e>",
                r#"{"e":{"a":["text","text","3"]}}"#,
            ),
            (
                "<e>text<a>text</a> </e>",
                r##"{"e":{"a":"text","#text":"text"}}"##,
            ),
            (
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<duration>\n <value>118.0</value>\n <!-- c -->\n <min>100.0</min>\n</duration>",
                r#"{"duration":{"value":"118.0","min":"100.0"}}"#,
            ),
            (
                "<Data Name='IpAddress'>10.0.0.1 &amp; &#65;&#x42;</Data>",
                r##"{"Data":{"@Name":"IpAddress","#text":"10.0.0.1 & AB"}}"##,
            ),
            ("<a><b></a></b>", "null"),
            ("<a>", "null"),
            ("not xml", "null"),
            ("<a/><b/>", "null"),
        ];
        for (xml, want) in cases {
            assert_eq!(j(xml), want, "{xml}");
        }
    }
}
