//! Kusto's regular expressions are RE2's; kql runs them with the `regex` crate, whose
//! syntax is RE2's but for a few forms that mean something else there. This rewrites
//! those before compiling:
//!
//! - `\0`, `\01`, `\012` (an octal character code in RE2) become `\x{..}`: the crate
//!   has no octal escapes;
//! - inside a character class, `[` not starting `[:name:]` is a literal in RE2 (`[[",\]]`
//!   is the class of `[`, `"`, `,` and `]`), a nested class in the crate; and `&&`, `--`,
//!   `~~` are literals in RE2, set operations in the crate: they are escaped;
//! - outside a class, a `{` that does not open a repetition (`{n}`, `{n,}`, `{n,m}`) is
//!   a literal in RE2 (`Invoke-WinEnum{`, `^{a-z]`), an error in the crate: it is escaped.

use regex::Regex;
use std::borrow::Cow;

/// Compiles an RE2 pattern.
pub(crate) fn regex(pattern: &str) -> Result<Regex, regex::Error> {
    Regex::new(&translate(pattern))
}

/// `pattern` with RE2's forms the `regex` crate reads differently rewritten.
pub(crate) fn translate(pattern: &str) -> Cow<'_, str> {
    if !pattern.contains(['[', '\\', '{']) {
        return Cow::Borrowed(pattern);
    }
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut in_class = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' if i + 1 < chars.len() => {
                if chars[i + 1] == '0' {
                    // `\0` and up to two more octal digits.
                    let mut j = i + 2;
                    let mut code = 0u32;
                    while j < chars.len() && j < i + 4 && chars[j].is_digit(8) {
                        code = code * 8 + chars[j].to_digit(8).unwrap_or(0);
                        j += 1;
                    }
                    out.push_str(&format!("\\x{{{code:x}}}"));
                    i = j;
                    continue;
                }
                out.push(c);
                out.push(chars[i + 1]);
                i += 2;
                continue;
            }
            '[' if !in_class => {
                in_class = true;
                out.push('[');
                i += 1;
                // A leading `^` and a leading `]` belong to the class.
                if chars.get(i) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                if chars.get(i) == Some(&']') {
                    out.push_str("\\]");
                    i += 1;
                }
                continue;
            }
            '[' if in_class => {
                if chars.get(i + 1) == Some(&':') {
                    // `[:alpha:]`: copied to its closing `:]`.
                    let rest: String = chars[i..].iter().collect();
                    if let Some(end) = rest.find(":]") {
                        out.push_str(&rest[..end + 2]);
                        i += rest[..end + 2].chars().count();
                        continue;
                    }
                }
                out.push_str("\\[");
            }
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            '{' if !in_class && !opens_repetition(&chars[i + 1..]) => out.push_str("\\{"),
            '&' | '-' | '~' if in_class && chars.get(i + 1) == Some(&c) => {
                out.push('\\');
                out.push(c);
                out.push('\\');
                out.push(c);
                i += 2;
                continue;
            }
            _ => out.push(c),
        }
        i += 1;
    }
    Cow::Owned(out)
}

/// Whether the text after a `{` closes a repetition RE2 reads: `n}`, `n,}` or `n,m}`.
fn opens_repetition(rest: &[char]) -> bool {
    let digits = |from: usize| {
        rest[from..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count()
    };
    let n = digits(0);
    if n == 0 {
        return false;
    }
    match rest.get(n) {
        Some('}') => true,
        Some(',') => rest.get(n + 1 + digits(n + 1)) == Some(&'}'),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn re2_forms_mean_what_they_mean_in_re2() {
        let cases: &[(&str, &str, bool)] = &[
            (r"\0", "a\0b", true),
            (r"\0", "0", false),
            (r#"[[",\]]"#, "[", true),
            (r#"[[",\]]"#, "]", true),
            (r#"[[",\]]"#, "x", false),
            (r"[[:digit:]]+", "42", true),
            (r"[a&&b]", "&", true),
            (r"[]a]", "]", true),
            (r"[^]a]", "]", false),
            (r"\d+\.\d", "1.5", true),
            // A `{` that opens no repetition is itself.
            (r"^{a-z0-9\-]{0,}cr", "{a-z0-9-]]cr", true),
            (r"WinEnum{|Get-SPN", "Invoke-WinEnum{", true),
            (r"\(\$V\){\$w", "($V){$w", true),
            (r"a{,2}", "a{,2}", true),
            (r"a{2}", "aa", true),
            (r"a{2,}b", "aaab", true),
            (r"^a{1,2}$", "aaa", false),
        ];
        for (re, s, want) in cases {
            let got = regex(re).map(|r| r.is_match(s));
            assert_eq!(got.ok(), Some(*want), "{re} on {s:?} ({})", translate(re));
        }
    }
}
