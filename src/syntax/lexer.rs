//! Text → tokens. nom does the scanning of each token; comments and whitespace
//! (tabs, CRLF) are skipped here so the parser never sees them.

use super::token::{Tok, Token};
use crate::error::{Error, Result, Span};
use nom::branch::alt;
use nom::bytes::complete::{tag, take_while, take_while1};
use nom::character::complete::{digit1, one_of};
use nom::combinator::{opt, recognize};
use nom::sequence::pair;
use nom::{IResult, Parser};

/// Punctuation, longest first so that `==` wins over `=`.
const PUNCTS: &[&str] = &[
    "..", "==", "!=", "<>", "=~", "!~", "<=", ">=", "=>", "->", "(", ")", "[", "]", "{", "}", ",",
    ";", "|", ".", "=", "<", ">", "+", "-", "*", "/", "%", ":", "!", "~", "?", "@", "#", "&", "^",
];

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_' || c == '$'
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn ident(i: &str) -> IResult<&str, &str> {
    recognize(pair(
        take_while1(|c: char| is_ident_start(c)),
        take_while(is_ident_char),
    ))
    .parse(i)
}

/// Digits, an optional fraction and exponent, then any letters glued on (`1h`,
/// `0x1F`, `10sec`): the parser decides what the suffix means. A trailing dot is a
/// real (`1000.`, `1.e3`), as in Kusto, but takes no suffix (`1.h` is `1.` then `h`).
fn number(i: &str) -> IResult<&str, &str> {
    let (rest, _) = digit1(i)?;
    // `1..5` is a range: a `.` followed by another `.` is not part of the number.
    if rest.starts_with('.')
        && !rest.starts_with("..")
        && !rest[1..].starts_with(|c: char| c.is_ascii_digit())
    {
        let (rest, _) = opt((one_of("eE"), opt(one_of("+-")), digit1)).parse(&rest[1..])?;
        return Ok((rest, &i[..i.len() - rest.len()]));
    }
    recognize((
        digit1,
        opt(pair(tag("."), digit1)),
        opt((one_of("eE"), opt(one_of("+-")), digit1)),
        take_while(is_ident_char),
    ))
    .parse(i)
}

/// White space as Kusto's lexer has it (Kusto.Language `TextFacts.IsWhitespace`): tab,
/// LF, form feed, CR, space, NBSP, the Unicode space separators, the Mongolian vowel
/// separator, the zero-width space U+200B (pasted from web pages) and the byte-order
/// mark. Not vertical tab, U+0085, U+2028/U+2029, nor the other zero-width characters
/// (U+200C, U+200D, U+2060): Kusto rejects those, and so does kql.
fn is_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{c}' | '\r' | ' ' | '\u{a0}' | '\u{1680}' | '\u{180e}' | '\u{2000}'
            ..='\u{200b}' | '\u{202f}' | '\u{205f}' | '\u{3000}' | '\u{feff}'
    )
}

fn punct(i: &str) -> IResult<&str, &'static str> {
    // Two-character punctuation first, looked up by its first byte (this is hot).
    let b = i.as_bytes();
    if b.len() >= 2 {
        let two = &b[..2];
        let hit = match b[0] {
            b'.' | b'=' | b'!' | b'<' | b'>' | b'-' => {
                PUNCTS[..10].iter().find(|p| p.as_bytes() == two)
            }
            _ => None,
        };
        if let Some(p) = hit {
            return Ok((&i[2..], p));
        }
    }
    if let Some(p) = PUNCTS[10..].iter().find(|p| p.as_bytes()[0] == b[0]) {
        return Ok((&i[1..], p));
    }
    Err(nom::Err::Error(nom::error::Error::new(
        i,
        nom::error::ErrorKind::Tag,
    )))
}

/// Skips whitespace and `//` comments.
fn trivia(i: &str) -> IResult<&str, ()> {
    let mut rest = i;
    loop {
        let (r, _) = take_while(is_space).parse(rest)?;
        rest = r;
        match alt((tag::<_, _, nom::error::Error<&str>>("//"),)).parse(rest) {
            Ok((r, _)) => {
                let (r, _) = take_while(|c| c != '\n').parse(r)?;
                rest = r;
            }
            Err(_) => return Ok((rest, ())),
        }
    }
}

pub fn lex(src: &str) -> Result<Vec<Token>> {
    let mut toks = Vec::with_capacity(src.len() / 4 + 1);
    let mut rest = src;
    loop {
        let (r, ()) = trivia(rest).map_err(|_| internal(src, rest))?;
        rest = r;
        let start = src.len() - rest.len();
        if rest.is_empty() {
            toks.push(Token {
                tok: Tok::Eof,
                span: Span::new(start, start),
            });
            return Ok(toks);
        }
        let (r, tok) = token(src, rest, start)?;
        rest = r;
        toks.push(Token {
            tok,
            span: Span::new(start, src.len() - rest.len()),
        });
    }
}

fn internal(src: &str, rest: &str) -> Error {
    let at = src.len() - rest.len();
    Error::parse("the lexer could not read this", Span::new(at, at + 1))
}

fn token<'a>(src: &str, i: &'a str, start: usize) -> Result<(&'a str, Tok)> {
    let c = i.chars().next().unwrap_or(' ');
    // String forms: "..", '..', @"..", h"..", H@'..', ```..```.
    if i.starts_with("```") {
        return multiline(i, start);
    }
    if c == '"' || c == '\'' {
        return quoted(src, i, start, false);
    }
    if c == '@' && matches!(i[1..].chars().next(), Some('"' | '\'')) {
        return quoted(src, &i[1..], start, true);
    }
    if c == 'h' || c == 'H' {
        let r = &i[1..];
        if r.starts_with('"') || r.starts_with('\'') {
            return quoted(src, r, start, false);
        }
        if r.starts_with("@\"") || r.starts_with("@'") {
            return quoted(src, &r[1..], start, true);
        }
    }
    if c.is_ascii_digit() {
        let (r, text) = number(i).map_err(|_| internal(src, i))?;
        // Kusto names may start with a digit (`5h_MovingAvg`): what is not a
        // number or a timespan, yet is all name characters, is a name.
        let span = Span::new(start, start + text.len());
        if super::literal::number(text, span).is_err() && text.chars().all(is_ident_char) {
            return Ok((r, Tok::Ident));
        }
        return Ok((r, Tok::Num));
    }
    if is_ident_start(c) {
        if let Ok((r, _)) = ident(i) {
            return Ok((r, Tok::Ident));
        }
    }
    if let Ok((r, p)) = punct(i) {
        return Ok((r, Tok::Punct(p)));
    }
    Ok((&i[c.len_utf8()..], Tok::Unknown))
}

fn multiline(i: &str, start: usize) -> Result<(&str, Tok)> {
    let body = &i[3..];
    match body.find("```") {
        Some(end) => Ok((&body[end + 3..], Tok::Str(body[..end].into()))),
        None => Err(Error::parse(
            "this multi-line string is never closed",
            Span::new(start, start + 3),
        )
        .with_hint("close it with ``` (three backquotes)")),
    }
}

/// `i` starts at the opening quote. Regular strings end at the line's end;
/// verbatim ones (`@"..."`) take `""` for a quote and no escapes.
fn quoted<'a>(src: &str, i: &'a str, start: usize, verbatim: bool) -> Result<(&'a str, Tok)> {
    let q = i.chars().next().unwrap_or('"');
    let mut out = String::new();
    let mut chars = i[1..].char_indices();
    while let Some((k, ch)) = chars.next() {
        let at = 1 + k;
        if ch == q {
            if verbatim && i[at + 1..].starts_with(q) {
                out.push(q);
                chars.next();
                continue;
            }
            return Ok((&i[at + 1..], Tok::Str(out.into())));
        }
        if ch == '\n' && !verbatim {
            break;
        }
        if ch == '\\' && !verbatim {
            match chars.next() {
                Some((_, e)) => match e {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    '0' => out.push('\0'),
                    'a' => out.push('\u{7}'),
                    'b' => out.push('\u{8}'),
                    'f' => out.push('\u{c}'),
                    'v' => out.push('\u{b}'),
                    '\\' | '"' | '\'' | '/' => out.push(e),
                    'u' | 'x' => {
                        let digits = if e == 'u' { 4 } else { 2 };
                        let hex: String = i[at + 2..].chars().take(digits).collect();
                        let code = u32::from_str_radix(&hex, 16).ok();
                        // A UTF-16 surrogate pair written as two escapes (`\ud83d\ude00`,
                        // as .NET and JSON allow) is one character.
                        let low = i.get(at + 6..at + 12).and_then(|t| {
                            let h = t.strip_prefix("\\u")?;
                            u32::from_str_radix(h, 16).ok()
                        });
                        if let (Some(hi @ 0xD800..=0xDBFF), Some(lo @ 0xDC00..=0xDFFF), 'u') =
                            (code, low, e)
                        {
                            if let Some(c) =
                                char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
                            {
                                out.push(c);
                                for _ in 0..10 {
                                    chars.next();
                                }
                                continue;
                            }
                        }
                        match code.and_then(char::from_u32) {
                            Some(c) if hex.len() == digits => {
                                out.push(c);
                                for _ in 0..digits {
                                    chars.next();
                                }
                            }
                            _ => {
                                out.push('\\');
                                out.push(e);
                            }
                        }
                    }
                    // Kusto keeps unknown escapes such as `\d` as written.
                    other => {
                        out.push('\\');
                        out.push(other);
                    }
                },
                None => break,
            }
            continue;
        }
        out.push(ch);
    }
    let open = start + (src[start..].len() - i.len());
    let line_end = i.find('\n').map_or(src.len(), |n| open + n);
    let line_end = if src[..line_end].ends_with('\r') {
        line_end - 1
    } else {
        line_end
    };
    let (msg, end) = if verbatim {
        ("this string is never closed", src.len())
    } else {
        (
            "this string is not closed before the end of the line",
            line_end,
        )
    };
    // Kusto.Language: KS003, a malformed token (the string literal).
    Err(Error::parse(msg, Span::new(end, end))
        .with_code(crate::error::Code::Ks(3))
        .with_label(Span::new(start, open + 1), "the string opens here")
        .with_hint(format!(
            "add the closing {q}{}",
            if verbatim {
                ""
            } else {
                " on the same line, or use ``` for a multi-line string"
            }
        )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<String> {
        lex(src)
            .unwrap()
            .iter()
            .map(|t| match &t.tok {
                Tok::Str(s) => format!("S{s:?}"),
                Tok::Eof => "EOF".into(),
                _ => src[t.span.start..t.span.end].to_string(),
            })
            .collect()
    }

    #[test]
    fn lexes_the_tricky_forms() {
        let cases: &[(&str, &[&str])] = &[
            ("a==1", &["a", "==", "1", "EOF"]),
            ("=é", &["=", "é", "EOF"]),
            ("1..5", &["1", "..", "5", "EOF"]),
            ("1. .. 5.", &["1.", "..", "5.", "EOF"]),
            ("1000. 1.e3 1.h", &["1000.", "1.e3", "1.", "h", "EOF"]),
            ("\u{200b}x\u{3000}y\u{feff}", &["x", "y", "EOF"]),
            ("x\u{200c}", &["x", "\u{200c}", "EOF"]),
            ("1.5h 0x1F 1e-5", &["1.5h", "0x1F", "1e-5", "EOF"]),
            (r#"@"a""b" 'c\'d'"#, &[r#"S"a\"b""#, r#"S"c'd""#, "EOF"]),
            ("h'x' H@\"y\"", &["S\"x\"", "S\"y\"", "EOF"]),
            ("x // c\r\n\t| y", &["x", "|", "y", "EOF"]),
            ("```a\nb```", &["S\"a\\nb\"", "EOF"]),
            (r#""\u0041\t\d""#, &[r#"S"A\t\\d""#, "EOF"]),
            ("$left.a !in~", &["$left", ".", "a", "!", "in", "~", "EOF"]),
        ];
        for (src, want) in cases {
            assert_eq!(kinds(src), *want, "{src}");
        }
    }

    #[test]
    fn unclosed_string_points_at_its_start() {
        let e = lex("T | where a == \"abc\n| take 1").unwrap_err();
        assert_eq!(e.labels[0].0, Span::new(15, 16));
    }
}
