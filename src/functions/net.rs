//! IPv4 functions and URL / path parsing.
//!
//! An IPv4 text is four decimal octets with an optional `/prefix` (0..=32). Invalid
//! input gives null (or `""` for the string results).

use super::{num_i64, pure, sig, text, Bound};
use super::{ArgInfo, Want};
use crate::types::Type;
use crate::value::{Bag, Value};
use std::sync::Arc;

pub(super) const NAMES: &[&str] = &[
    "parse_ipv4",
    "parse_ipv4_mask",
    "ipv4_is_private",
    "ipv4_is_in_range",
    "ipv4_is_in_any_range",
    "ipv4_compare",
    "ipv4_is_match",
    "ipv4_netmask_suffix",
    "format_ipv4",
    "format_ipv4_mask",
    "has_ipv4",
    "has_ipv4_prefix",
    "has_any_ipv4",
    "has_any_ipv4_prefix",
    "parse_url",
    "parse_urlquery",
    "parse_path",
    "parse_ipv6",
    "parse_ipv6_mask",
    "ipv6_compare",
    "ipv6_is_match",
    "ipv6_is_in_range",
    "ipv6_is_in_any_range",
    "format_bytes",
];

/// (address, prefix length) of `a.b.c.d[/n]`.
pub(crate) fn parse_ipv4(s: &str) -> Option<(u32, u32)> {
    let s = s.trim();
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => (a, p.trim().parse::<u32>().ok().filter(|p| *p <= 32)?),
        None => (s, 32),
    };
    let mut ip: u32 = 0;
    let mut n = 0;
    for part in addr.split('.') {
        if part.is_empty() || part.len() > 3 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let o: u32 = part.parse().ok()?;
        if o > 255 {
            return None;
        }
        ip = ip << 8 | o;
        n += 1;
    }
    (n == 4).then_some((ip, prefix))
}

fn mask(prefix: u32) -> u32 {
    if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix)
    }
}

fn ip_text(ip: u32) -> String {
    format!(
        "{}.{}.{}.{}",
        ip >> 24,
        ip >> 16 & 255,
        ip >> 8 & 255,
        ip & 255
    )
}

fn ip_arg(v: &Value) -> Option<(u32, u32)> {
    parse_ipv4(&text(v))
}

/// Compares two addresses on the shorter of their prefixes (and `extra`, if given).
fn ip_cmp(a: &Value, b: &Value, extra: Option<&Value>) -> Option<std::cmp::Ordering> {
    let (x, px) = ip_arg(a)?;
    let (y, py) = ip_arg(b)?;
    let mut p = px.min(py);
    if let Some(e) = extra {
        let e = num_i64(e).filter(|e| (0..=32).contains(e))? as u32;
        p = p.min(e);
    }
    Some((x & mask(p)).cmp(&(y & mask(p))))
}

fn in_range(ip: &Value, range: &Value) -> Option<bool> {
    let (x, _) = ip_arg(ip)?;
    let (r, p) = ip_arg(range)?;
    Some(x & mask(p) == r & mask(p))
}

/// The IPv4 addresses written in free text: maximal runs of digits and dots not
/// touching a letter or digit, that parse as an address.
fn ipv4_tokens(s: &str) -> Vec<&str> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit()
            && (i == 0 || !b[i - 1].is_ascii_alphanumeric() && b[i - 1] != b'.')
        {
            let mut j = i;
            while j < b.len() && (b[j].is_ascii_digit() || b[j] == b'.') {
                j += 1;
            }
            let after_ok = j >= b.len() || !b[j].is_ascii_alphanumeric();
            let tok = &s[i..j];
            if after_ok && parse_ipv4(tok).is_some() && !tok.contains('/') {
                out.push(tok);
            }
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

fn list_items(a: &[Value]) -> Vec<String> {
    let mut out = Vec::new();
    for v in a {
        match v {
            Value::Array(x) => out.extend(x.iter().map(|i| text(i).into_owned())),
            other => out.push(text(other).into_owned()),
        }
    }
    out
}

fn valid_prefix(p: &str) -> bool {
    if parse_ipv4(p).is_some() {
        return true;
    }
    let Some(body) = p.strip_suffix('.') else {
        return false;
    };
    let parts: Vec<&str> = body.split('.').collect();
    parts.len() <= 3
        && parts.iter().all(|o| {
            !o.is_empty()
                && o.len() <= 3
                && o.bytes().all(|c| c.is_ascii_digit())
                && o.parse::<u32>().is_ok_and(|v| v <= 255)
        })
}

pub(super) fn bind(name: &str, args: &[ArgInfo]) -> Option<Bound> {
    use Want::*;
    Some(match name {
        "parse_ipv4" => sig(name, args, 1, 1, &[Str]).and_then(|_| {
            pure(Type::Long, |a| match ip_arg(&a[0]) {
                Some((ip, p)) => Value::Long((ip & mask(p)) as i64),
                None => Value::Null,
            })
        }),
        "parse_ipv4_mask" => sig(name, args, 2, 2, &[Str, Integer]).and_then(|_| {
            pure(Type::Long, |a| match (ip_arg(&a[0]), num_i64(&a[1])) {
                (Some((ip, p)), Some(m)) if (0..=32).contains(&m) => {
                    Value::Long((ip & mask(p.min(m as u32))) as i64)
                }
                _ => Value::Null,
            })
        }),
        "ipv4_is_private" => sig(name, args, 1, 1, &[Str]).and_then(|_| {
            pure(Type::Bool, |a| match ip_arg(&a[0]) {
                Some((ip, _)) => Value::Bool(
                    ip >> 24 == 10 || ip >> 20 == (172 << 4 | 1) || ip >> 16 == (192 << 8 | 168),
                ),
                None => Value::Null,
            })
        }),
        "ipv4_is_in_range" => sig(name, args, 2, 2, &[Str]).and_then(|_| {
            pure(Type::Bool, |a| {
                in_range(&a[0], &a[1]).map_or(Value::Null, Value::Bool)
            })
        }),
        "ipv4_is_in_any_range" => sig(name, args, 2, usize::MAX, &[Str, Any]).and_then(|_| {
            pure(Type::Bool, |a| {
                if ip_arg(&a[0]).is_none() {
                    return Value::Null;
                }
                let hit = list_items(&a[1..])
                    .iter()
                    .any(|r| in_range(&a[0], &Value::str(r)) == Some(true));
                Value::Bool(hit)
            })
        }),
        "ipv4_compare" => sig(name, args, 2, 3, &[Str, Str, Integer]).and_then(|_| {
            pure(Type::Long, |a| match ip_cmp(&a[0], &a[1], a.get(2)) {
                Some(o) => Value::Long(o as i64),
                None => Value::Null,
            })
        }),
        "ipv4_is_match" => sig(name, args, 2, 3, &[Str, Str, Integer]).and_then(|_| {
            pure(Type::Bool, |a| match ip_cmp(&a[0], &a[1], a.get(2)) {
                Some(o) => Value::Bool(o.is_eq()),
                None => Value::Null,
            })
        }),
        "ipv4_netmask_suffix" => sig(name, args, 1, 1, &[Str]).and_then(|_| {
            pure(Type::Long, |a| {
                ip_arg(&a[0]).map_or(Value::Null, |(_, p)| Value::Long(p as i64))
            })
        }),
        "format_ipv4" | "format_ipv4_mask" => {
            sig(name, args, 1, 2, &[Any, Integer]).and_then(|_| {
                let with_mask = name == "format_ipv4_mask";
                pure(Type::String, move |a| {
                    let parsed = match &a[0] {
                        v @ (Value::Long(_) | Value::Int(_)) => num_i64(v)
                            .and_then(|n| u32::try_from(n).ok())
                            .map(|ip| (ip, 32)),
                        v => ip_arg(v),
                    };
                    let m = match a.get(1) {
                        Some(v) => match num_i64(v) {
                            Some(m) if (0..=32).contains(&m) => m as u32,
                            _ => return Value::empty_str(),
                        },
                        None => 32,
                    };
                    match parsed {
                        Some((ip, p)) => {
                            let p = p.min(m);
                            let s = ip_text(ip & mask(p));
                            Value::str(&if with_mask { format!("{s}/{p}") } else { s })
                        }
                        None => Value::empty_str(),
                    }
                })
            })
        }
        // The `any` forms take a list; the others exactly one address or prefix.
        "has_ipv4" | "has_any_ipv4" => sig(name, args, 2, list_max(name), &[Any]).and_then(|_| {
            pure(Type::Bool, |a| {
                let hay = text(&a[0]);
                let wanted: Vec<u32> = list_items(&a[1..])
                    .iter()
                    .filter_map(|s| parse_ipv4(s).map(|x| x.0))
                    .collect();
                let hit = ipv4_tokens(&hay)
                    .iter()
                    .filter_map(|t| parse_ipv4(t))
                    .any(|(ip, _)| wanted.contains(&ip));
                Value::Bool(hit)
            })
        }),
        "has_ipv4_prefix" | "has_any_ipv4_prefix" => sig(name, args, 2, list_max(name), &[Any])
            .and_then(|_| {
                pure(Type::Bool, |a| {
                    let hay = text(&a[0]);
                    let prefixes: Vec<String> = list_items(&a[1..])
                        .into_iter()
                        .filter(|p| valid_prefix(p))
                        .collect();
                    let hit = ipv4_tokens(&hay)
                        .iter()
                        .any(|t| prefixes.iter().any(|p| t.starts_with(p.as_str())));
                    Value::Bool(hit)
                })
            }),
        "parse_ipv6" => sig(name, args, 1, 1, &[Str]).and_then(|_| {
            pure(Type::String, |a| match parse_ipv6(&text(&a[0])) {
                Some((ip, p)) => Value::str(&ipv6_text(ip & mask6(p))),
                None => Value::empty_str(),
            })
        }),
        "parse_ipv6_mask" => sig(name, args, 2, 2, &[Str, Integer]).and_then(|_| {
            pure(Type::String, |a| {
                match (parse_ipv6(&text(&a[0])), num_i64(&a[1])) {
                    (Some((ip, p)), Some(m)) if (0..=128).contains(&m) => {
                        Value::str(&ipv6_text(ip & mask6(p.min(m as u32))))
                    }
                    _ => Value::empty_str(),
                }
            })
        }),
        "ipv6_compare" | "ipv6_is_match" => {
            sig(name, args, 2, 3, &[Str, Str, Integer]).and_then(|_| {
                let matcher = name == "ipv6_is_match";
                pure(if matcher { Type::Bool } else { Type::Long }, move |a| {
                    let (Some((x, px)), Some((y, py))) = (
                        ipv6_for_compare(&text(&a[0])),
                        ipv6_for_compare(&text(&a[1])),
                    ) else {
                        return Value::Null;
                    };
                    let mut p = px.min(py);
                    if let Some(e) = a.get(2) {
                        match num_i64(e) {
                            Some(e) if (0..=128).contains(&e) => p = p.min(e as u32),
                            _ => return Value::Null,
                        }
                    }
                    let o = (x & mask6(p)).cmp(&(y & mask6(p)));
                    if matcher {
                        Value::Bool(o.is_eq())
                    } else {
                        Value::Long(o as i64)
                    }
                })
            })
        }
        "ipv6_is_in_range" | "ipv6_is_in_any_range" => {
            sig(name, args, 2, list_max(name), &[Str, Any]).and_then(|_| {
                pure(Type::Bool, |a| {
                    let Some((x, _)) = ipv6_for_compare(&text(&a[0])) else {
                        return Value::Null;
                    };
                    let hit = list_items(&a[1..])
                        .iter()
                        .any(|r| match ipv6_for_compare(r) {
                            Some((y, p)) => x & mask6(p) == y & mask6(p),
                            None => false,
                        });
                    Value::Bool(hit)
                })
            })
        }
        "format_bytes" => sig(name, args, 1, 3, &[Num, Integer, Str]).and_then(|_| {
            pure(Type::String, |a| {
                let Some(n) = super::num_f64(&a[0]) else {
                    return Value::empty_str();
                };
                let precision = a.get(1).and_then(num_i64).unwrap_or(0).clamp(0, 15) as usize;
                let units = ["Bytes", "KB", "MB", "GB", "TB", "PB", "EB"];
                let k = match a.get(2).map(text) {
                    Some(u) if !u.is_empty() => {
                        match units.iter().position(|x| x.eq_ignore_ascii_case(&u)) {
                            Some(k) => k,
                            None => return Value::empty_str(),
                        }
                    }
                    _ => {
                        let mut k = 0;
                        while k + 1 < units.len() && n.abs() >= 1024f64.powi(k as i32 + 1) {
                            k += 1;
                        }
                        k
                    }
                };
                let v = n / 1024f64.powi(k as i32);
                let s = format!(
                    "{:.*}",
                    precision,
                    super::math::round_real(v, precision as i64)
                );
                Value::str(&format!("{s} {}", units[k]))
            })
        }),
        "parse_url" => sig(name, args, 1, 1, &[Str])
            .and_then(|_| pure(Type::Dynamic, |a| parse_url(&text(&a[0])))),
        "parse_urlquery" => sig(name, args, 1, 1, &[Str]).and_then(|_| {
            pure(Type::Dynamic, |a| {
                let mut b = Bag::default();
                b.insert(Arc::from("Query Parameters"), query_bag(&text(&a[0])));
                Value::bag(b)
            })
        }),
        "parse_path" => sig(name, args, 1, 1, &[Str])
            .and_then(|_| pure(Type::Dynamic, |a| parse_path(&text(&a[0])))),
        _ => return None,
    })
}

/// (address, prefix) of an IPv6 text, or of an IPv4 text as its IPv4-mapped address.
/// A prefix written after dotted IPv4 notation counts IPv4 bits (`/24` is 120 of 128).
pub(crate) fn parse_ipv6(s: &str) -> Option<(u128, u32)> {
    let s = s.trim();
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => (a, Some(p.trim().parse::<u32>().ok()?)),
        None => (s, None),
    };
    if let Some((ip, _)) = parse_ipv4(addr) {
        let p = prefix.unwrap_or(32);
        return (p <= 32).then_some(((0xffffu128 << 32) | ip as u128, 96 + p));
    }
    let ip: std::net::Ipv6Addr = addr.parse().ok()?;
    let p = match prefix {
        None => 128,
        Some(p) if addr.contains('.') && p <= 32 => 96 + p,
        Some(p) if p <= 128 => p,
        Some(_) => return None,
    };
    Some((u128::from(ip), p))
}

/// An address for comparison: the IPv4-compatible form `::a.b.c.d` compares as the
/// IPv4-mapped `::ffff:a.b.c.d` (conformance ipv6-compare: `::192.168.1.1/30` matches
/// `192.168.1.255/24`), though `parse_ipv6` prints it unmapped.
fn ipv6_for_compare(s: &str) -> Option<(u128, u32)> {
    let (ip, p) = parse_ipv6(s)?;
    if ip >> 32 == 0 && s.contains('.') {
        Some(((0xffffu128 << 32) | ip, p))
    } else {
        Some((ip, p))
    }
}

fn mask6(prefix: u32) -> u128 {
    if prefix == 0 {
        0
    } else {
        u128::MAX << (128 - prefix.min(128))
    }
}

fn ipv6_text(ip: u128) -> String {
    (0..8)
        .map(|i| format!("{:04x}", (ip >> (112 - 16 * i)) & 0xffff))
        .collect::<Vec<_>>()
        .join(":")
}

fn query_bag(q: &str) -> Value {
    let mut b = Bag::default();
    for pair in q.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let dec = |s: &str| super::string::url_decode(s).unwrap_or_else(|| s.to_string());
        b.insert(Arc::from(dec(k).as_str()), Value::str(&dec(v)));
    }
    Value::bag(b)
}

fn parse_url(url: &str) -> Value {
    let mut b = Bag::default();
    let put = |b: &mut Bag, k: &str, v: Value| {
        b.insert(Arc::from(k), v);
    };
    let (scheme, rest) = match url.split_once("://") {
        Some((s, r))
            if !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) =>
        {
            (s, r)
        }
        // Not an absolute URL: Kusto returns an empty object.
        _ => return Value::bag(Bag::default()),
    };
    let (rest, fragment) = rest.split_once('#').unwrap_or((rest, ""));
    let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (u, h),
        None => ("", authority),
    };
    let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
    let (host, port) = if hostport.starts_with('[') {
        match hostport.find(']') {
            Some(i) => (
                &hostport[..=i],
                hostport[i + 1..].strip_prefix(':').unwrap_or(""),
            ),
            None => (hostport, ""),
        }
    } else {
        hostport.rsplit_once(':').unwrap_or((hostport, ""))
    };
    put(&mut b, "Scheme", Value::str(scheme));
    put(&mut b, "Host", Value::str(host));
    put(&mut b, "Port", Value::str(port));
    put(&mut b, "Path", Value::str(path));
    put(&mut b, "Username", Value::str(user));
    put(&mut b, "Password", Value::str(password));
    put(&mut b, "Query Parameters", query_bag(query));
    put(&mut b, "Fragment", Value::str(fragment));
    Value::bag(b)
}

fn parse_path(p: &str) -> Value {
    let (scheme, rest) = match p.split_once("://") {
        Some((s, r)) if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric()) => (s, r),
        _ => ("", p),
    };
    let is_sep = |c: char| c == '/' || c == '\\';
    // A drive root (`C:\`, `C:/`) is the root path; UNC and Unix roots are not reported.
    let b = rest.as_bytes();
    let root = if b.len() >= 3
        && b[0].is_ascii_alphabetic()
        && b[1] == b':'
        && (b[2] == b'\\' || b[2] == b'/')
    {
        &rest[..3]
    } else {
        ""
    };
    let (dir, file) = match rest.rfind(is_sep) {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => ("", rest),
    };
    // `file.txt:stream` names an alternate data stream.
    let (file, ads) = match file.split_once(':') {
        Some((f, s)) => (f, s),
        None => (file, ""),
    };
    let dir_name = dir.rsplit(is_sep).next().unwrap_or("");
    let ext = match file.rfind('.') {
        Some(i) => &file[i + 1..],
        None => "",
    };
    let mut bag = Bag::default();
    for (k, v) in [
        ("Scheme", scheme),
        ("RootPath", root),
        ("DirectoryPath", dir),
        ("DirectoryName", dir_name),
        ("Filename", file),
        ("Extension", ext),
        ("AlternateDataStreamName", ads),
    ] {
        bag.insert(Arc::from(k), Value::str(v));
    }
    Value::bag(bag)
}

/// The most arguments of an address matcher: a list for the `*_any_*` forms (Kusto
/// takes many), one address or range for the others (Kusto.Language: exactly two).
fn list_max(name: &str) -> usize {
    if name.contains("_any_") {
        usize::MAX
    } else {
        2
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::tostring as tostring_v;

    #[test]
    fn ipv4_parsing_and_tokens() {
        assert_eq!(parse_ipv4("127.0.0.1"), Some((2_130_706_433, 32)));
        assert_eq!(parse_ipv4("192.168.1.1/24").map(|x| x.1), Some(24));
        assert_eq!(parse_ipv4("127.0.0.256"), None);
        assert_eq!(ipv4_tokens("05:04:54 127.0.0.1 GET"), vec!["127.0.0.1"]);
        assert!(ipv4_tokens("05:04:54127.0.0.1 GET").is_empty());
        assert!(valid_prefix("127.0.") && !valid_prefix("127.0"));
    }

    #[test]
    fn paths_like_the_docs() {
        let cases = [
            (
                r"C:\temp\file.txt",
                r#"{"Scheme":"","RootPath":"C:\\","DirectoryPath":"C:\\temp","DirectoryName":"temp","Filename":"file.txt","Extension":"txt","AlternateDataStreamName":""}"#,
            ),
            (
                "file://C:/temp/file.txt:some.exe",
                r#"{"Scheme":"file","RootPath":"C:/","DirectoryPath":"C:/temp","DirectoryName":"temp","Filename":"file.txt","Extension":"txt","AlternateDataStreamName":"some.exe"}"#,
            ),
            (
                r"\\shared\users\temp\file.txt.gz",
                r#"{"Scheme":"","RootPath":"","DirectoryPath":"\\\\shared\\users\\temp","DirectoryName":"temp","Filename":"file.txt.gz","Extension":"gz","AlternateDataStreamName":""}"#,
            ),
        ];
        for (p, want) in cases {
            assert_eq!(tostring_v(&parse_path(p)), want);
        }
        assert_eq!(
            tostring_v(&parse_url(
                "scheme://username:password@host:1234/this/is/a/path?k1=v1&k2=v2#fragment"
            )),
            r#"{"Scheme":"scheme","Host":"host","Port":"1234","Path":"/this/is/a/path","Username":"username","Password":"password","Query Parameters":{"k1":"v1","k2":"v2"},"Fragment":"fragment"}"#
        );
    }
}
