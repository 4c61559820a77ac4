//! String functions. Arguments of other types are read through `tostring` (as Kusto
//! casts them); string positions and lengths count Unicode characters.

use super::{constant, num_i64, pure, sig, text, Bound, FnError};
use super::{ArgInfo, Want};
use crate::types::Type;
use crate::value::Value;
use regex::Regex;
use std::sync::Arc;

pub(super) const NAMES: &[&str] = &[
    "strcat",
    "strcat_delim",
    "strcat_array",
    "split",
    "tolower",
    "toupper",
    "trim",
    "trim_start",
    "trim_end",
    "substring",
    "strlen",
    "indexof",
    "indexof_regex",
    "replace_string",
    "replace_regex",
    "replace",
    "extract",
    "extract_all",
    "countof",
    "reverse",
    "repeat",
    "strrep",
    "isascii",
    "isutf8",
    "string_size",
    "regex_quote",
    "translate",
    "has_any_index",
    "unicode_codepoints_from_string",
    "unicode_codepoints_to_string",
    "base64_encode_tostring",
    "base64_decode_tostring",
    "base64_encode_fromguid",
    "base64_decode_toguid",
    "url_encode",
    "url_encode_component",
    "url_decode",
    "strcmp",
    "replace_strings",
    "hash_md5",
    "hash_sha1",
    "hash_sha256",
    "base64_encode_fromarray",
    "base64_decode_toarray",
    "parse_command_line",
    "punycode_from_string",
    "punycode_to_string",
    "punycode_domain_from_string",
    "punycode_domain_to_string",
];

/// strrep's most repetitions (strrep-function.md).
const STRREP_MAX: i64 = 1024;

pub(super) fn bind(name: &str, args: &[ArgInfo]) -> Option<Bound> {
    use Want::*;
    Some(match name {
        "strcat" => sig(name, args, 1, 64, &[Any]).and_then(|_| {
            pure(Type::String, |a| {
                let mut s = String::new();
                for v in a {
                    s.push_str(&text(v));
                }
                Value::str(&s)
            })
        }),
        "strcat_delim" => sig(name, args, 3, 65, &[Any]).and_then(|_| {
            pure(Type::String, |a| {
                let d = text(&a[0]);
                let parts: Vec<_> = a[1..].iter().map(text).collect();
                Value::str(&parts.join(&d))
            })
        }),
        "strcat_array" => sig(name, args, 2, 2, &[Dynamic, Str]).and_then(|_| {
            pure(Type::String, |a| match &a[0] {
                Value::Array(items) => {
                    let parts: Vec<_> = items.iter().map(text).collect();
                    Value::str(&parts.join(&text(&a[1])))
                }
                _ => Value::empty_str(),
            })
        }),
        "split" => bind_split(args),
        "tolower" => sig(name, args, 1, 1, &[Any])
            .and_then(|_| pure(Type::String, |a| Value::str(&text(&a[0]).to_lowercase()))),
        "toupper" => sig(name, args, 1, 1, &[Any])
            .and_then(|_| pure(Type::String, |a| Value::str(&text(&a[0]).to_uppercase()))),
        "trim" | "trim_start" | "trim_end" => bind_trim(name, args),
        "substring" => sig(name, args, 2, 3, &[Any, Integer, Integer]).and_then(|_| {
            pure(Type::String, |a| {
                let s = text(&a[0]);
                let len = s.chars().count() as i64;
                let Some(start) = num_i64(&a[1]) else {
                    return Value::empty_str();
                };
                let mut start = start;
                let count = match a.get(2) {
                    Some(v) => match num_i64(v) {
                        Some(c) => c,
                        None => len,
                    },
                    None => len,
                };
                // A negative start counts from the end (docs: substring("123456", -2, 2) is "56").
                if start < 0 {
                    start = (len + start).max(0);
                }
                if count <= 0 || start >= len {
                    return Value::empty_str();
                }
                let out: String = s
                    .chars()
                    .skip(start as usize)
                    .take(count as usize)
                    .collect();
                Value::str(&out)
            })
        }),
        "strlen" => sig(name, args, 1, 1, &[Any]).and_then(|_| {
            pure(Type::Long, |a| {
                Value::Long(text(&a[0]).chars().count() as i64)
            })
        }),
        "string_size" => sig(name, args, 1, 1, &[Any])
            .and_then(|_| pure(Type::Long, |a| Value::Long(text(&a[0]).len() as i64))),
        "indexof" => sig(name, args, 2, 5, &[Any, Any, Integer, Integer, Integer])
            .and_then(|_| pure(Type::Long, indexof)),
        "indexof_regex" => bind_indexof_regex(args),
        "replace_string" => sig(name, args, 3, 3, &[Any]).and_then(|_| {
            pure(Type::String, |a| {
                let (s, from, to) = (text(&a[0]), text(&a[1]), text(&a[2]));
                if from.is_empty() {
                    return Value::str(&s);
                }
                Value::str(&s.replace(from.as_ref(), &to))
            })
        }),
        "replace_strings" => sig(name, args, 3, 3, &[Any, Dynamic, Dynamic]).and_then(|_| {
            pure(Type::String, |a| {
                replace_strings(&text(&a[0]), &a[1], &a[2])
            })
        }),
        "replace_regex" => bind_replace_regex(name, args),
        "replace" => bind_replace(args),
        "extract" => bind_extract(args),
        "extract_all" => bind_extract_all(args),
        "countof" => bind_countof(args),
        "reverse" => sig(name, args, 1, 1, &[Any]).and_then(|_| {
            pure(Type::String, |a| {
                Value::str(&text(&a[0]).chars().rev().collect::<String>())
            })
        }),
        // Kusto documents no limit for repeat(); kql keeps range()'s documented 2^20
        // elements (range-function.md) so one call cannot make an array of billions.
        "repeat" => sig(name, args, 2, 2, &[Any, Integer]).and_then(|_| {
            pure(Type::Dynamic, |a| match num_i64(&a[1]) {
                Some(n) if n >= 0 => Value::array(vec![a[0].clone(); n.min(1 << 20) as usize]),
                _ => Value::Null,
            })
        }),
        "strrep" => sig(name, args, 2, 3, &[Any, Integer, Str]).and_then(|_| {
            pure(Type::String, |a| {
                let s = text(&a[0]);
                // strrep-function.md: "If multiplier is more than the maximal allowed
                // value of 1024, the input string will be repeated 1024 times."
                let n = num_i64(&a[1]).unwrap_or(0).clamp(0, STRREP_MAX) as usize;
                let d = a.get(2).map(text).unwrap_or_default();
                Value::str(&vec![s.as_ref(); n].join(&d))
            })
        }),
        "isascii" => sig(name, args, 1, 1, &[Any])
            .and_then(|_| pure(Type::Bool, |a| Value::Bool(text(&a[0]).is_ascii()))),
        "isutf8" => {
            sig(name, args, 1, 1, &[Any]).and_then(|_| pure(Type::Bool, |_| Value::Bool(true)))
        }
        "regex_quote" => sig(name, args, 1, 1, &[Str])
            .and_then(|_| pure(Type::String, |a| Value::str(&regex::escape(&text(&a[0]))))),
        "translate" => sig(name, args, 3, 3, &[Str]).and_then(|_| {
            pure(Type::String, |a| {
                let from: Vec<char> = text(&a[0]).chars().collect();
                let to: Vec<char> = text(&a[1]).chars().collect();
                let out: String = text(&a[2])
                    .chars()
                    .filter_map(|c| match from.iter().position(|f| *f == c) {
                        None => Some(c),
                        Some(_) if to.is_empty() => None,
                        Some(i) => Some(*to.get(i).unwrap_or(to.last().unwrap_or(&c))),
                    })
                    .collect();
                Value::str(&out)
            })
        }),
        "has_any_index" => sig(name, args, 2, 2, &[Any, Dynamic]).and_then(|_| {
            pure(Type::Long, |a| {
                let hay = text(&a[0]);
                let Value::Array(items) = &a[1] else {
                    return Value::Null;
                };
                let idx = items.iter().position(|v| {
                    super::terms::Matcher::new(super::terms::Pred::Has, false, &text(v))
                        .matches(&hay)
                });
                Value::Long(idx.map_or(-1, |i| i as i64))
            })
        }),
        "strcmp" => sig(name, args, 2, 2, &[Str]).and_then(|_| {
            pure(Type::Long, |a| {
                Value::Long(match text(&a[0]).cmp(&text(&a[1])) {
                    std::cmp::Ordering::Less => -1,
                    std::cmp::Ordering::Equal => 0,
                    std::cmp::Ordering::Greater => 1,
                })
            })
        }),
        "unicode_codepoints_from_string" => sig(name, args, 1, 1, &[Str]).and_then(|_| {
            pure(Type::Dynamic, |a| {
                Value::array(text(&a[0]).chars().map(|c| Value::Long(c as i64)).collect())
            })
        }),
        "unicode_codepoints_to_string" => sig(name, args, 1, usize::MAX, &[Any]).and_then(|_| {
            pure(Type::String, |a| {
                let mut s = String::new();
                for v in a {
                    let items: &[Value] = match v {
                        Value::Array(items) => items,
                        other => std::slice::from_ref(other),
                    };
                    for item in items {
                        let c = num_i64(item)
                            .and_then(|i| u32::try_from(i).ok())
                            .and_then(char::from_u32);
                        match c {
                            Some(c) => s.push(c),
                            None => return Value::empty_str(),
                        }
                    }
                }
                Value::str(&s)
            })
        }),
        "base64_encode_tostring" => sig(name, args, 1, 1, &[Any]).and_then(|_| {
            pure(Type::String, |a| {
                Value::str(&base64_encode(text(&a[0]).as_bytes()))
            })
        }),
        "base64_decode_tostring" => sig(name, args, 1, 1, &[Str]).and_then(|_| {
            pure(Type::String, |a| match base64_decode(&text(&a[0])) {
                Some(bytes) => match String::from_utf8(bytes) {
                    Ok(s) => Value::str(&s),
                    Err(_) => Value::empty_str(),
                },
                None => Value::empty_str(),
            })
        }),
        "base64_encode_fromguid" => sig(name, args, 1, 1, &[Guid]).and_then(|_| {
            pure(Type::String, |a| match &a[0] {
                Value::Guid(g) => Value::str(&base64_encode(&guid_bytes(g.get()))),
                _ => Value::empty_str(),
            })
        }),
        "base64_decode_toguid" => sig(name, args, 1, 1, &[Str]).and_then(|_| {
            pure(Type::Guid, |a| match base64_decode(&text(&a[0])) {
                Some(b) if b.len() == 16 => Value::Guid(guid_from_bytes(&b).into()),
                _ => Value::Null,
            })
        }),
        "hash_md5" | "hash_sha1" | "hash_sha256" => sig(name, args, 1, 1, &[Any]).and_then(|_| {
            let f = match name {
                "hash_md5" => super::digest::md5_hex,
                "hash_sha1" => super::digest::sha1_hex,
                _ => super::digest::sha256_hex,
            };
            pure(Type::String, move |a| {
                if a[0].is_null() {
                    return Value::empty_str();
                }
                Value::str(&f(text(&a[0]).as_bytes()))
            })
        }),
        "base64_encode_fromarray" => sig(name, args, 1, 1, &[Dynamic]).and_then(|_| {
            pure(Type::String, |a| match &a[0] {
                Value::Array(items) => {
                    let bytes: Option<Vec<u8>> = items
                        .iter()
                        .map(|v| num_i64(v).and_then(|i| u8::try_from(i).ok()))
                        .collect();
                    bytes.map_or(Value::empty_str(), |b| Value::str(&base64_encode(&b)))
                }
                _ => Value::empty_str(),
            })
        }),
        "base64_decode_toarray" => sig(name, args, 1, 1, &[Str]).and_then(|_| {
            pure(Type::Dynamic, |a| match base64_decode(&text(&a[0])) {
                Some(b) => Value::array(b.into_iter().map(|x| Value::Long(x as i64)).collect()),
                None => Value::array(vec![]),
            })
        }),
        "punycode_from_string"
        | "punycode_to_string"
        | "punycode_domain_from_string"
        | "punycode_domain_to_string" => sig(name, args, 1, 1, &[Str]).and_then(|_| {
            use super::punycode;
            let f: fn(&str) -> Option<String> = match name {
                "punycode_from_string" => punycode::encode,
                "punycode_to_string" => punycode::decode,
                "punycode_domain_from_string" => punycode::domain_from_ascii,
                _ => punycode::domain_to_ascii,
            };
            pure(Type::String, move |a| {
                Value::str(&f(&text(&a[0])).unwrap_or_default())
            })
        }),
        "parse_command_line" => sig(name, args, 2, 2, &[Str, Str]).and_then(|_| {
            if let Some(kind) = constant(args, 1) {
                if !text(kind).eq_ignore_ascii_case("windows") {
                    return Err(FnError::Type(
                        1,
                        "the only parser kind is \"windows\"".into(),
                    ));
                }
            }
            pure(Type::Dynamic, |a| {
                if !text(&a[1]).eq_ignore_ascii_case("windows") {
                    return Value::Null;
                }
                Value::array(
                    windows_args(&text(&a[0]))
                        .iter()
                        .map(|s| Value::str(s))
                        .collect(),
                )
            })
        }),
        "url_encode" => sig(name, args, 1, 1, &[Any])
            .and_then(|_| pure(Type::String, |a| Value::str(&url_encode(&text(&a[0]))))),
        // The same, except that a space is `%20` (documented: `hello%20world`).
        "url_encode_component" => sig(name, args, 1, 1, &[Any]).and_then(|_| {
            pure(Type::String, |a| {
                Value::str(&url_encode(&text(&a[0])).replace('+', "%20"))
            })
        }),
        "url_decode" => sig(name, args, 1, 1, &[Any]).and_then(|_| {
            pure(Type::String, |a| match url_decode(&text(&a[0])) {
                Some(s) => Value::str(&s),
                None => Value::empty_str(),
            })
        }),
        _ => return None,
    })
}

fn bind_split(args: &[ArgInfo]) -> Bound {
    sig("split", args, 2, 3, &[Want::Any, Want::Str, Want::Integer])?;
    pure(Type::Dynamic, |a| {
        let s = text(&a[0]);
        let d = text(&a[1]);
        let parts: Vec<Value> = if d.is_empty() {
            vec![Value::str(&s)]
        } else {
            s.split(d.as_ref()).map(Value::str).collect()
        };
        match a.get(2) {
            None => Value::array(parts),
            Some(i) => {
                let Some(i) = num_i64(i) else {
                    return Value::Null;
                };
                match usize::try_from(i).ok().and_then(|i| parts.get(i)) {
                    Some(p) => Value::array(vec![p.clone()]),
                    None => Value::array(vec![]),
                }
            }
        }
    })
}

/// A regex from a constant argument, compiled at bind time; None when not constant.
fn const_regex(args: &[ArgInfo], i: usize) -> Result<Option<Arc<Regex>>, FnError> {
    match constant(args, i) {
        Some(v) => super::re2::regex(&text(v))
            .map(|r| Some(Arc::new(r)))
            .map_err(|e| FnError::Type(i, format!("invalid regular expression: {e}"))),
        None => Ok(None),
    }
}

/// The regex of argument `i`: the precompiled one, or compiled now for a non-constant
/// pattern (then per row; Kusto requires constants in practice).
fn regex_at(pre: &Option<Arc<Regex>>, a: &[Value], i: usize) -> Option<Arc<Regex>> {
    match pre {
        Some(r) => Some(r.clone()),
        None => super::re2::regex(&text(&a[i])).ok().map(Arc::new),
    }
}

fn bind_trim(name: &str, args: &[ArgInfo]) -> Bound {
    sig(name, args, 2, 2, &[Want::Str, Want::Any])?;
    let pre = const_regex(args, 0)?;
    let (start, end) = match name {
        "trim" => (true, true),
        "trim_start" => (true, false),
        _ => (false, true),
    };
    // Anchored forms of the pattern, compiled once: `^(?:re)+` and `(?:re)+$`.
    let anchored = |re: &Regex| {
        let p = re.as_str();
        (
            Regex::new(&format!("^(?:{p})+")).ok(),
            Regex::new(&format!("(?:{p})+$")).ok(),
        )
    };
    let pre_anchored = pre.as_ref().map(|r| anchored(r));
    pure(Type::String, move |a| {
        let owned;
        let (lead, trail) = match &pre_anchored {
            Some(p) => (&p.0, &p.1),
            None => {
                let Some(re) = regex_at(&None, a, 0) else {
                    return Value::str(&text(&a[1]));
                };
                owned = anchored(&re);
                (&owned.0, &owned.1)
            }
        };
        let s = text(&a[1]);
        let mut t: &str = &s;
        if start {
            if let Some(m) = lead.as_ref().and_then(|r| r.find(t)) {
                t = &t[m.end()..];
            }
        }
        if end {
            if let Some(m) = trail.as_ref().and_then(|r| r.find(t)) {
                t = &t[..m.start()];
            }
        }
        Value::str(t)
    })
}

fn indexof(a: &[Value]) -> Value {
    let s = text(&a[0]);
    let needle = text(&a[1]);
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let len = chars.len() as i64;
    let mut start = match a.get(2) {
        Some(v) => match num_i64(v) {
            Some(i) => i,
            None => return Value::Null,
        },
        None => 0,
    };
    if start < 0 {
        start = (len + start).max(0);
    }
    let length = a.get(3).and_then(num_i64).unwrap_or(-1);
    let occurrence = a.get(4).and_then(num_i64).unwrap_or(1);
    if occurrence < 1 || start > len {
        return Value::Long(-1);
    }
    // Observed rule (conformance `indexof`): a match counts when it starts inside
    // [start, start + length); it may run past the end of that range.
    let limit = if length < 0 {
        len
    } else {
        start.saturating_add(length).min(len)
    };
    let byte_of = |ci: i64| chars.get(ci as usize).map_or(s.len(), |c| c.0);
    let mut found = 0;
    let mut ci = start;
    while ci <= limit {
        let b = byte_of(ci);
        if s[b..].starts_with(needle.as_ref()) && (ci < limit || (needle.is_empty() && ci == limit))
        {
            found += 1;
            if found == occurrence {
                return Value::Long(ci);
            }
        }
        ci += 1;
    }
    Value::Long(-1)
}

fn bind_indexof_regex(args: &[ArgInfo]) -> Bound {
    sig(
        "indexof_regex",
        args,
        2,
        5,
        &[
            Want::Any,
            Want::Str,
            Want::Integer,
            Want::Integer,
            Want::Integer,
        ],
    )?;
    let pre = const_regex(args, 1)?;
    pure(Type::Long, move |a| {
        let s = text(&a[0]);
        let Some(re) = regex_at(&pre, a, 1) else {
            return Value::Null;
        };
        let start = a.get(2).and_then(num_i64).unwrap_or(0);
        let length = a.get(3).and_then(num_i64).unwrap_or(-1);
        let occurrence = a.get(4).and_then(num_i64).unwrap_or(1);
        let len = s.chars().count() as i64;
        if start < 0 || start > len || occurrence < 1 {
            return Value::Null;
        }
        let end = if length < 0 {
            len
        } else {
            start.saturating_add(length).min(len)
        };
        let b0 = s
            .char_indices()
            .nth(start as usize)
            .map_or(s.len(), |c| c.0);
        let b1 = s.char_indices().nth(end as usize).map_or(s.len(), |c| c.0);
        let found = re
            .find_iter(&s[b0..b1])
            .nth(occurrence as usize - 1)
            .map(|m| m.start());
        match found {
            Some(m) => Value::Long(start + s[b0..b0 + m].chars().count() as i64),
            None => Value::Long(-1),
        }
    })
}

/// RE2 rewrite (`\0`, `\1`, ...) to the regex crate's `${0}`, `${1}`; `$` is literal.
pub(crate) fn translate_rewrite(rw: &str) -> String {
    let mut out = String::with_capacity(rw.len() + 8);
    let mut it = rw.chars().peekable();
    while let Some(c) = it.next() {
        match c {
            '\\' => match it.peek() {
                Some(d) if d.is_ascii_digit() => {
                    out.push_str(&format!("${{{d}}}"));
                    it.next();
                }
                Some('\\') => {
                    out.push('\\');
                    it.next();
                }
                _ => out.push('\\'),
            },
            '$' => out.push_str("$$"),
            other => out.push(other),
        }
    }
    out
}

/// Kusto's deprecated `replace(regex, rewrite, source)`: `replace_regex` with its
/// arguments in another order (Kusto.Language's signature: regex, rewrite, source).
fn bind_replace(args: &[ArgInfo]) -> Bound {
    super::arity("replace", args, 3, 3)?;
    let inner = bind_replace_regex("replace", &[args[2], args[0], args[1]])?;
    Ok(super::BoundScalar {
        ty: inner.ty,
        imp: Box::new(SourceLast(inner.imp)),
        reads: None,
    })
}

/// Calls `replace_regex`'s implementation with `replace`'s arguments.
struct SourceLast(Box<dyn super::ScalarImpl>);

impl super::ScalarImpl for SourceLast {
    fn call(&self, a: &[Value], ctx: &super::EvalCtx) -> Value {
        self.0
            .call(&[a[2].clone(), a[0].clone(), a[1].clone()], ctx)
    }
}

fn bind_replace_regex(name: &str, args: &[ArgInfo]) -> Bound {
    sig(name, args, 3, 3, &[Want::Any, Want::Str, Want::Str])?;
    let pre = const_regex(args, 1)?;
    let pre_rw = constant(args, 2).map(|v| translate_rewrite(&text(v)));
    let compiled = pre.is_some() && pre_rw.is_some();
    let bound = pure(Type::String, move |a| {
        let s = text(&a[0]);
        let Some(re) = regex_at(&pre, a, 1) else {
            return Value::str(&s);
        };
        let rw = match &pre_rw {
            Some(r) => std::borrow::Cow::Borrowed(r.as_str()),
            None => std::borrow::Cow::Owned(translate_rewrite(&text(&a[2]))),
        };
        match re.replace_all(&s, rw.as_ref()) {
            // Nothing replaced: the string itself (shared, not copied).
            std::borrow::Cow::Borrowed(_) if matches!(a[0], Value::String(_)) => a[0].clone(),
            r => Value::str(&r),
        }
    });
    if compiled {
        super::reading(1, bound)
    } else {
        bound
    }
}

/// The target type of `extract(..., typeof(T))`: the binder passes the type as a
/// constant string naming it.
fn type_arg(args: &[ArgInfo], i: usize) -> Result<Option<Type>, FnError> {
    match args.get(i) {
        None => Ok(None),
        Some(a) => match a.constant {
            Some(Value::String(s)) => Type::from_name(s)
                .map(Some)
                .ok_or_else(|| FnError::Type(i, format!("unknown type `{s}`"))),
            _ => Err(FnError::Type(i, "expected typeof(T)".into())),
        },
    }
}

/// Converts extracted text to `ty` (the typeof argument of `extract`).
pub(crate) fn convert_text(s: &str, ty: Type) -> Value {
    use super::convert::{to_bool, to_long, to_real};
    let v = Value::str(s);
    match ty {
        Type::String => v,
        Type::Int => to_long(&v).map_or(Value::Null, |i| Value::Int(i as i32)),
        Type::Long => to_long(&v).map_or(Value::Null, Value::Long),
        Type::Real => to_real(&v).map_or(Value::Null, Value::Real),
        Type::Decimal => to_real(&v).map_or(Value::Null, Value::Decimal),
        Type::Bool => to_bool(&v).map_or(Value::Null, Value::Bool),
        Type::DateTime => crate::value::parse_datetime(s).map_or(Value::Null, Value::DateTime),
        Type::TimeSpan => crate::value::parse_timespan(s).map_or(Value::Null, Value::TimeSpan),
        Type::Guid => crate::value::parse_guid(s).map_or(Value::Null, |g| Value::Guid(g.into())),
        Type::Dynamic | Type::Unknown => super::convert::parse_json(&v),
    }
}

fn bind_extract(args: &[ArgInfo]) -> Bound {
    sig(
        "extract",
        args,
        3,
        4,
        &[Want::Str, Want::Integer, Want::Any, Want::Any],
    )?;
    let pre = const_regex(args, 0)?;
    let ty = type_arg(args, 3)?.unwrap_or(Type::String);
    pure(ty, move |a| {
        let Some(re) = regex_at(&pre, a, 0) else {
            return Value::null_of(ty);
        };
        let Some(g) = num_i64(&a[1]).and_then(|g| usize::try_from(g).ok()) else {
            return Value::null_of(ty);
        };
        let s = text(&a[2]);
        match re.captures(&s).and_then(|c| c.get(g)) {
            Some(m) => convert_text(m.as_str(), ty),
            None => Value::null_of(ty),
        }
    })
}

fn bind_extract_all(args: &[ArgInfo]) -> Bound {
    sig(
        "extract_all",
        args,
        2,
        3,
        &[Want::Str, Want::Any, Want::Any],
    )?;
    let pre = const_regex(args, 0)?;
    let three = args.len() == 3;
    pure(Type::Dynamic, move |a| {
        let Some(re) = regex_at(&pre, a, 0) else {
            return Value::Null;
        };
        let s = text(&a[if three { 2 } else { 1 }]);
        let groups: Option<Vec<usize>> = if three {
            match &a[1] {
                Value::Array(g) => g
                    .iter()
                    .map(|v| num_i64(v).and_then(|i| usize::try_from(i).ok()))
                    .collect(),
                _ => None,
            }
        } else {
            None
        };
        let ngroups = re.captures_len() - 1;
        let mut out = Vec::new();
        for c in re.captures_iter(&s) {
            let get = |g: usize| Value::str(c.get(g).map_or("", |m| m.as_str()));
            let item = match &groups {
                Some(gs) if gs.len() == 1 => get(gs[0]),
                Some(gs) => Value::array(gs.iter().map(|g| get(*g)).collect()),
                None if ngroups == 0 => get(0),
                None if ngroups == 1 => get(1),
                None => Value::array((1..=ngroups).map(get).collect()),
            };
            out.push(item);
        }
        if out.is_empty() {
            Value::Null
        } else {
            Value::array(out)
        }
    })
}

fn bind_countof(args: &[ArgInfo]) -> Bound {
    sig("countof", args, 2, 3, &[Want::Any, Want::Str, Want::Str])?;
    let regex_kind = match constant(args, 2) {
        None if args.len() == 3 => {
            return Err(FnError::Type(2, "the kind must be a constant".into()))
        }
        None => false,
        Some(v) => match text(v).as_ref() {
            "normal" => false,
            "regex" => true,
            other => {
                return Err(FnError::Type(
                    2,
                    format!("unknown kind `{other}`: use \"normal\" or \"regex\""),
                ))
            }
        },
    };
    let pre = if regex_kind {
        const_regex(args, 1)?
    } else {
        None
    };
    pure(Type::Long, move |a| {
        let s = text(&a[0]);
        if regex_kind {
            return match regex_at(&pre, a, 1) {
                Some(re) => Value::Long(re.find_iter(&s).count() as i64),
                None => Value::Null,
            };
        }
        let needle = text(&a[1]);
        if needle.is_empty() {
            return Value::Long(0);
        }
        // Overlapping occurrences count ("aaa" has two "aa").
        let mut n = 0;
        let mut from = 0;
        while let Some(p) = s[from..].find(needle.as_ref()) {
            n += 1;
            from += p + needle.chars().next().map_or(1, char::len_utf8);
        }
        Value::Long(n)
    })
}

/// `replace_strings(s, lookups, replacements)`: the lookups are matched against the
/// original text in their order, each left to right without overlaps; a match
/// overlapping an earlier lookup's match is dropped (replace-strings-function.md:
/// ['is', 'This'] turns "This is" into "Thwas was"). A replacement that is not a
/// string keeps the matched text, and the match still blocks later lookups.
fn replace_strings(s: &str, lookups: &Value, repls: &Value) -> Value {
    let (Value::Array(l), Value::Array(r)) = (lookups, repls) else {
        return Value::str(s);
    };
    // (start, end, replacement) of the matches kept, by byte offset.
    let mut taken: Vec<(usize, usize, Option<String>)> = Vec::new();
    for (i, v) in l.iter().enumerate() {
        let k = text(v);
        if k.is_empty() {
            continue;
        }
        let with = match r.get(i) {
            Some(Value::String(x)) => Some(x.to_string()),
            Some(_) => None,
            None => Some(String::new()),
        };
        let mut from = 0;
        while let Some(pos) = s[from..].find(k.as_ref()) {
            let (start, end) = (from + pos, from + pos + k.len());
            if !taken.iter().any(|(a, b, _)| start < *b && *a < end) {
                taken.push((start, end, with.clone()));
            }
            from = end;
        }
    }
    taken.sort_by_key(|t| t.0);
    let mut out = String::with_capacity(s.len());
    let mut at = 0;
    for (start, end, with) in taken {
        out.push_str(&s[at..start]);
        out.push_str(with.as_deref().unwrap_or(&s[start..end]));
        at = end;
    }
    out.push_str(&s[at..]);
    Value::str(&out)
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub(crate) fn base64_encode(b: &[u8]) -> String {
    let mut out = String::with_capacity(b.len().div_ceil(3) * 4);
    for chunk in b.chunks(3) {
        let n = (chunk[0] as u32) << 16
            | (*chunk.get(1).unwrap_or(&0) as u32) << 8
            | *chunk.get(2).unwrap_or(&0) as u32;
        out.push(B64[(n >> 18) as usize & 63] as char);
        out.push(B64[(n >> 12) as usize & 63] as char);
        out.push(if chunk.len() > 1 {
            B64[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        out.push(if chunk.len() > 2 {
            B64[n as usize & 63] as char
        } else {
            '='
        });
    }
    out
}

/// Strict like .NET's `Convert.FromBase64String`: the padded length must be a multiple
/// of 4 (conformance: an unpadded string decodes to nothing).
pub(crate) fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let s = s.trim();
    if !s.len().is_multiple_of(4) {
        return None;
    }
    let s = s.trim_end_matches('=');
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        } as u32;
        acc = acc << 6 | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// A guid's bytes in .NET's layout (the first three groups little-endian).
fn guid_bytes(g: u128) -> [u8; 16] {
    let be = g.to_be_bytes();
    let mut b = be;
    b[0..4].reverse();
    b[4..6].reverse();
    b[6..8].reverse();
    b
}

fn guid_from_bytes(b: &[u8]) -> u128 {
    let mut be = [0u8; 16];
    be.copy_from_slice(&b[..16]);
    be[0..4].reverse();
    be[4..6].reverse();
    be[6..8].reverse();
    u128::from_be_bytes(be)
}

/// Kusto's `url_encode`: unreserved characters stay, space becomes `+`, the rest is
/// percent-encoded UTF-8 with lower-case hex (`https%3a%2f%2f`).
pub(crate) fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'_'
            | b'.'
            | b'!'
            | b'*'
            | b'('
            | b')' => out.push(b as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02x}")),
        }
    }
    out
}

pub(crate) fn url_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                let h = std::str::from_utf8(&b[i + 1..i + 3]).ok()?;
                out.push(u8::from_str_radix(h, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// Splits a command line as Windows' CommandLineToArgvW does: whitespace separates,
/// double quotes group, `2n` backslashes before a quote give `n` and toggle quoting,
/// `2n+1` give `n` and a literal quote; other backslashes are literal.
pub(crate) fn windows_args(cmd: &str) -> Vec<String> {
    let chars: Vec<char> = cmd.chars().collect();
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_arg = false;
    let mut quoted = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' if !quoted => {
                if in_arg {
                    out.push(std::mem::take(&mut cur));
                    in_arg = false;
                }
                i += 1;
            }
            '\\' => {
                let mut n = 0;
                while i < chars.len() && chars[i] == '\\' {
                    n += 1;
                    i += 1;
                }
                in_arg = true;
                if i < chars.len() && chars[i] == '"' {
                    cur.extend(std::iter::repeat_n('\\', n / 2));
                    if n % 2 == 1 {
                        cur.push('"');
                        i += 1;
                    }
                } else {
                    cur.extend(std::iter::repeat_n('\\', n));
                }
            }
            '"' => {
                in_arg = true;
                // `""` inside quotes is a literal quote.
                if quoted && chars.get(i + 1) == Some(&'"') {
                    cur.push('"');
                    i += 2;
                } else {
                    quoted = !quoted;
                    i += 1;
                }
            }
            other => {
                in_arg = true;
                cur.push(other);
                i += 1;
            }
        }
    }
    if in_arg {
        out.push(cur);
    }
    out
}
