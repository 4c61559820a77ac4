//! String matching for the string predicates: `has` and its term rules, `hasprefix`,
//! `hassuffix`, `contains`, `startswith`, `endswith`, each case-sensitive or not.
//!
//! Term rule (KQL-SEMANTICS.md §3): terms are maximal runs of alphanumeric characters
//! (Unicode letters and digits; `_` is not alphanumeric). `has` is true when the needle
//! occurs such that, if the needle starts with an alphanumeric character, the character
//! before the match is not alphanumeric (or there is none), and if it ends with one, the
//! character after the match is not alphanumeric. `hasprefix` needs only the first
//! condition, `hassuffix` only the second. A needle of a single term therefore matches
//! whole terms only; a needle with punctuation (`java/`, `go-http`) matches as a phrase.
//!
//! A matcher is built once per call site; matching an ASCII needle case-insensitively
//! allocates nothing per row.

use std::borrow::Cow;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Pred {
    Has,
    HasPrefix,
    HasSuffix,
    Contains,
    StartsWith,
    EndsWith,
}

#[derive(Clone, Debug)]
pub struct Matcher {
    pred: Pred,
    cs: bool,
    /// Lower-cased unless case-sensitive.
    needle: String,
    ascii: bool,
    need_before: bool,
    need_after: bool,
}

fn is_term_char(c: char) -> bool {
    c.is_alphanumeric()
}

impl Matcher {
    pub fn new(pred: Pred, case_sensitive: bool, needle: &str) -> Matcher {
        let needle = if case_sensitive {
            needle.to_string()
        } else {
            needle.to_lowercase()
        };
        let need_before = matches!(pred, Pred::Has | Pred::HasPrefix)
            && needle.chars().next().is_some_and(is_term_char);
        let need_after = matches!(pred, Pred::Has | Pred::HasSuffix)
            && needle.chars().next_back().is_some_and(is_term_char);
        Matcher {
            pred,
            cs: case_sensitive,
            ascii: needle.is_ascii(),
            needle,
            need_before,
            need_after,
        }
    }

    pub fn matches(&self, hay: &str) -> bool {
        if self.cs || self.ascii {
            self.matches_in(hay, !self.cs)
        } else {
            let folded: Cow<str> = Cow::Owned(hay.to_lowercase());
            self.matches_in(&folded, false)
        }
    }

    /// `ci_ascii`: compare ASCII letters without case (the needle is lower-case ASCII).
    fn matches_in(&self, hay: &str, ci_ascii: bool) -> bool {
        let h = hay.as_bytes();
        let n = self.needle.as_bytes();
        let eq = |a: &[u8]| {
            if ci_ascii {
                a.eq_ignore_ascii_case(n)
            } else {
                a == n
            }
        };
        match self.pred {
            Pred::StartsWith => h.len() >= n.len() && eq(&h[..n.len()]),
            Pred::EndsWith => h.len() >= n.len() && eq(&h[h.len() - n.len()..]),
            Pred::Contains => find(h, n, 0, ci_ascii).is_some(),
            Pred::Has | Pred::HasPrefix | Pred::HasSuffix => {
                let mut from = 0;
                while let Some(s) = find(h, n, from, ci_ascii) {
                    let e = s + n.len();
                    let before_ok = !self.need_before
                        || !hay[..s].chars().next_back().is_some_and(is_term_char);
                    let after_ok =
                        !self.need_after || !hay[e..].chars().next().is_some_and(is_term_char);
                    if before_ok && after_ok {
                        return true;
                    }
                    from = next_boundary(hay, s);
                    if from > h.len() {
                        break;
                    }
                }
                false
            }
        }
    }
}

/// The next char boundary after byte `i`.
fn next_boundary(s: &str, i: usize) -> usize {
    let mut j = i + 1;
    while j < s.len() && !s.is_char_boundary(j) {
        j += 1;
    }
    j
}

/// First occurrence of `n` in `h` at or after `from` (a char boundary).
fn find(h: &[u8], n: &[u8], from: usize, ci_ascii: bool) -> Option<usize> {
    if n.is_empty() {
        return (from <= h.len()).then_some(from);
    }
    if h.len() < n.len() || from > h.len() - n.len() {
        return None;
    }
    let first = n[0];
    let last_start = h.len() - n.len();
    if ci_ascii {
        let (lo, up) = (first.to_ascii_lowercase(), first.to_ascii_uppercase());
        (from..=last_start)
            .find(|&i| (h[i] == lo || h[i] == up) && h[i..i + n.len()].eq_ignore_ascii_case(n))
    } else {
        (from..=last_start).find(|&i| h[i] == first && &h[i..i + n.len()] == n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn term_rules() {
        use Pred::*;
        // (predicate, case-sensitive, haystack, needle, expected)
        let cases: &[(Pred, bool, &str, &str, bool)] = &[
            (Has, false, "python-requests/2.31", "requests", true),
            (Has, false, "KustoExplorerQueryRun", "Explorer", false),
            (Has, false, "Kusto Explorer", "explorer", true),
            (Has, false, "Apache-HttpClient (Java/17)", "java/", true),
            (Has, false, "myjava/1", "java/", false),
            (
                Has,
                false,
                "Windows-AzureAD-Authentication-Provider/1.0",
                "Windows-AzureAD-Authentication-Provider",
                true,
            ),
            (Has, false, "Go-http-client/1.1", "go-http", true),
            (Has, false, "Go-http-client/1.1", "http", true),
            (Has, false, "Go-http-client/1.1", "htt", false),
            (Has, false, r#"["MSAL-Client","Browser"]"#, "Browser", true),
            (Has, false, r#"["Unknown-Browser"]"#, "Browser", true),
            (
                Has,
                false,
                r#"["Suspicious-Tool"]"#,
                "Suspicious-Tool",
                true,
            ),
            (
                Has,
                false,
                r#"["Suspicious-Toolkit"]"#,
                "Suspicious-Tool",
                false,
            ),
            (Has, false, "[]", "Browser", false),
            (Has, false, "", "x", false),
            (Has, false, "snake_case", "case", true),
            (Has, false, "MSAL.Desktop", "MSAL", true),
            (Has, false, "aaab", "aab", false),
            (Has, false, "aab aab", "aab", true),
            (Has, false, "Dalvik/2.1.0", "dalvik", true),
            (Has, true, "Dalvik/2.1.0", "dalvik", false),
            (Has, true, "Dalvik/2.1.0", "Dalvik", true),
            (Has, false, "ÄPFEL birne", "äpfel", true),
            (Has, false, "xäpfel", "äpfel", false),
            (HasPrefix, false, "North America", "amer", true),
            (HasPrefix, false, "NorthAmerica", "amer", false),
            (HasSuffix, false, "North America", "rica", true),
            (HasSuffix, false, "North Americas", "rica", false),
            (Contains, false, "KustoExplorerQueryRun", "explorer", true),
            (Contains, true, "KustoExplorerQueryRun", "explorer", false),
            (Contains, false, "", "", true),
            (StartsWith, false, "Mozilla/5.0", "mozilla", true),
            (StartsWith, true, "Mozilla/5.0", "mozilla", false),
            (EndsWith, false, "report.PDF", ".pdf", true),
            (EndsWith, false, "pdf", "x.pdf", false),
        ];
        for (pred, cs, hay, needle, want) in cases {
            assert_eq!(
                Matcher::new(*pred, *cs, needle).matches(hay),
                *want,
                "{hay:?} {pred:?}{} {needle:?}",
                if *cs { "_cs" } else { "" }
            );
        }
    }
}

/// Many `has` needles at once (`has_any`, `has_all`), in one pass over the haystack
/// for needles that are single terms: such a needle matches exactly when it equals a
/// whole term, so the haystack's terms are looked up in a set. Needles with
/// punctuation keep the phrase rule of [`Matcher`].
pub struct TermSet {
    /// Lower-cased single-term needle → its index among the simple needles.
    simple: std::collections::HashMap<String, usize>,
    complex: Vec<Matcher>,
}

impl TermSet {
    pub fn new<'a>(needles: impl IntoIterator<Item = &'a str>) -> TermSet {
        let mut simple = std::collections::HashMap::new();
        let mut complex = Vec::new();
        for n in needles {
            if !n.is_empty() && n.chars().all(is_term_char) {
                let next = simple.len();
                simple.entry(n.to_lowercase()).or_insert(next);
            } else {
                complex.push(Matcher::new(Pred::Has, false, n));
            }
        }
        TermSet { simple, complex }
    }

    pub fn is_empty(&self) -> bool {
        self.simple.is_empty() && self.complex.is_empty()
    }

    /// Calls `f` with each lower-cased term of `hay` until it returns true.
    fn terms_until(hay: &str, mut f: impl FnMut(&str) -> bool) -> bool {
        let mut term = String::new();
        for c in hay.chars() {
            if is_term_char(c) {
                if c.is_ascii() {
                    term.push(c.to_ascii_lowercase());
                } else {
                    term.extend(c.to_lowercase());
                }
            } else if !term.is_empty() {
                if f(&term) {
                    return true;
                }
                term.clear();
            }
        }
        !term.is_empty() && f(&term)
    }

    pub fn any(&self, hay: &str) -> bool {
        (!self.simple.is_empty() && Self::terms_until(hay, |t| self.simple.contains_key(t)))
            || self.complex.iter().any(|m| m.matches(hay))
    }

    pub fn all(&self, hay: &str) -> bool {
        if !self.complex.iter().all(|m| m.matches(hay)) {
            return false;
        }
        if self.simple.is_empty() {
            return true;
        }
        let mut found = vec![false; self.simple.len()];
        let mut left = self.simple.len();
        Self::terms_until(hay, |t| {
            if let Some(&i) = self.simple.get(t) {
                if !found[i] {
                    found[i] = true;
                    left -= 1;
                }
            }
            left == 0
        })
    }
}

#[cfg(test)]
mod set_tests {
    use super::*;

    #[test]
    fn term_set_agrees_with_matchers() {
        let needles = [
            "python", "curl", "go-http", "java/", "Requests", "ÄPFEL", "x",
        ];
        let hays = [
            "python-requests/2.31",
            "Go-http-client/1.1",
            "Apache-HttpClient (Java/17)",
            "Mozilla/5.0",
            "mycurl/1",
            "äpfel und birnen",
            "",
            "X",
            "ax",
        ];
        let set = TermSet::new(needles);
        for hay in hays {
            let any = needles
                .iter()
                .any(|n| Matcher::new(Pred::Has, false, n).matches(hay));
            let all = needles
                .iter()
                .all(|n| Matcher::new(Pred::Has, false, n).matches(hay));
            assert_eq!(set.any(hay), any, "any {hay:?}");
            assert_eq!(set.all(hay), all, "all {hay:?}");
        }
        assert!(TermSet::new(["a", "b"]).all("b, a"));
        assert!(!TermSet::new(["a", "b"]).all("a a"));
    }
}
