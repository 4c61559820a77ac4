//! Functions about the query's environment (`current_database`, `cursor_current`, ...),
//! `assert`, and `parse_version`.
//!
//! kql runs offline on local tables, so the environment functions answer with fixed
//! local values (listed in the README): there is no cluster, database or principal.

use super::net::parse_ipv4;
use super::{arity, constant, func, pure, sig, text, ArgInfo, Bound, FnError, Want};
use crate::types::Type;
use crate::value::{to_json_text, Bag, Value};

pub(super) const NAMES: &[&str] = &[
    "current_database",
    "current_cluster_endpoint",
    "current_principal",
    "current_principal_details",
    "current_principal_is_member_of",
    "cursor_current",
    "current_cursor",
    "ingestion_time",
    "assert",
    "parse_version",
    "to_utf8",
    "dynamic_to_json",
    "ipv4_range_to_cidr_list",
    "treepath",
    "parse_csv",
    "estimate_data_size",
];

/// The database name Kusto's local emulator reports; kql has no databases.
pub(crate) const LOCAL_DATABASE: &str = "NetDefaultDB";
/// What Kusto answers for a query run without an authenticated identity.
pub(crate) const NULL_IDENTITY: &str = "<null identity>";
pub(crate) const LOCAL_ENDPOINT: &str = "localhost";

pub(super) fn bind(name: &str, args: &[ArgInfo]) -> Option<Bound> {
    Some(match name {
        "current_database" => fixed_string(name, args, LOCAL_DATABASE),
        "current_cluster_endpoint" => fixed_string(name, args, LOCAL_ENDPOINT),
        "current_principal" => fixed_string(name, args, NULL_IDENTITY),
        "current_principal_details" => arity(name, args, 0, 0).and_then(|_| {
            // The documented fields; an unauthenticated query has none but its name.
            let mut bag = Bag::default();
            for field in [
                "UserPrincipalName",
                "IdentityProvider",
                "Authority",
                "Mfa",
                "Type",
                "DisplayName",
                "ObjectId",
                "FQN",
                "Notes",
            ] {
                let v = if matches!(field, "DisplayName" | "FQN") {
                    Value::str(NULL_IDENTITY)
                } else {
                    Value::Null
                };
                bag.insert(field.into(), v);
            }
            let v = Value::bag(bag);
            pure(Type::Dynamic, move |_| v.clone())
        }),
        // No identity belongs to any group.
        "current_principal_is_member_of" => sig(name, args, 1, usize::MAX, &[Want::Any])
            .and_then(|_| pure(Type::Bool, |_| Value::Bool(false))),
        // The cursor of a database is its latest ingestion; kql's tables are read at
        // query time, so the cursor is the query's clock (`now()` in ticks).
        "cursor_current" | "current_cursor" => arity(name, args, 0, 0)
            .and_then(|_| func(Type::String, |_, ctx| Value::str(&ctx.now.to_string()))),
        // Local rows carry no ingestion time: Kusto gives null for rows ingested
        // without the IngestionTime policy.
        "ingestion_time" => {
            arity(name, args, 0, 0).and_then(|_| pure(Type::DateTime, |_| Value::Null))
        }
        "assert" => bind_assert(args),
        "parse_version" => sig(name, args, 1, 1, &[Want::Str])
            .and_then(|_| pure(Type::Decimal, |a| parse_version(&text(&a[0])))),
        "to_utf8" => sig(name, args, 1, 1, &[Want::Str]).and_then(|_| {
            pure(Type::Dynamic, |a| {
                let bytes = text(&a[0]).bytes().map(|b| Value::Long(b as i64)).collect();
                Value::array(bytes)
            })
        }),
        "dynamic_to_json" => sig(name, args, 1, 1, &[Want::Any])
            .and_then(|_| pure(Type::String, |a| Value::str(&to_json_text(&sorted(&a[0]))))),
        "ipv4_range_to_cidr_list" => {
            sig(name, args, 2, 2, &[Want::Str, Want::Str]).and_then(|_| {
                pure(Type::Dynamic, |a| {
                    match (parse_ipv4(&text(&a[0])), parse_ipv4(&text(&a[1]))) {
                        (Some((lo, 32)), Some((hi, 32))) if lo <= hi => cidr_list(lo, hi),
                        _ => Value::Null,
                    }
                })
            })
        }
        "treepath" => sig(name, args, 1, 1, &[Want::Dynamic]).and_then(|_| {
            pure(Type::Dynamic, |a| {
                let mut paths = indexmap::IndexSet::new();
                tree_paths(&a[0], String::new(), &mut paths);
                Value::array(paths.iter().map(|p| Value::str(p)).collect())
            })
        }),
        // The binder expands `estimate_data_size(*)` to every column of the row.
        "estimate_data_size" => sig(name, args, 1, usize::MAX, &[Want::Any])
            .and_then(|_| pure(Type::Long, |a| Value::Long(a.iter().map(data_size).sum()))),
        "parse_csv" => sig(name, args, 1, 1, &[Want::Str])
            .and_then(|_| pure(Type::Dynamic, |a| parse_csv(&text(&a[0])))),
        _ => return None,
    })
}

/// The estimated storage size of a value in bytes: fixed widths for scalars (a long is
/// 8, as Kusto's example counts), the UTF-8 length of a string, the JSON text of a
/// dynamic value; null takes nothing.
fn data_size(v: &Value) -> i64 {
    match v {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::Int(_) => 4,
        Value::Long(_) | Value::Real(_) | Value::DateTime(_) | Value::TimeSpan(_) => 8,
        Value::Decimal(_) | Value::Guid(_) => 16,
        Value::String(s) => s.len() as i64,
        other => to_json_text(other).len() as i64,
    }
}

/// The fields of the first CSV record: fields in double quotes may hold commas, line
/// feeds and `""` (a quote).
fn parse_csv(s: &str) -> Value {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = s.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => fields.push(Value::str(&std::mem::take(&mut field))),
            (false, '\n') => break,
            (false, '\r') if chars.peek() == Some(&'\n') => break,
            (false, c) => field.push(c),
        }
    }
    fields.push(Value::str(&field));
    Value::array(fields)
}

/// Every path below `v`: `['key']` for a property, `[0]` standing for all elements of
/// an array (so the paths of elements merge), in first-seen order.
fn tree_paths(v: &Value, prefix: String, out: &mut indexmap::IndexSet<String>) {
    match v {
        Value::Bag(bag) => {
            for (k, x) in bag.iter() {
                let p = format!("{prefix}['{k}']");
                out.insert(p.clone());
                tree_paths(x, p, out);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            let p = format!("{prefix}[0]");
            out.insert(p.clone());
            for x in items.iter() {
                tree_paths(x, p.clone(), out);
            }
        }
        _ => {}
    }
}

/// The value with every bag's keys in ordinal order, at every depth: the canonical form
/// `dynamic_to_json` prints.
fn sorted(v: &Value) -> Value {
    match v {
        Value::Array(items) => Value::array(items.iter().map(sorted).collect()),
        Value::Bag(bag) => {
            let mut keys: Vec<_> = bag.keys().collect();
            keys.sort();
            let mut out = Bag::default();
            for k in keys {
                out.insert(k.clone(), sorted(&bag[k]));
            }
            Value::bag(out)
        }
        other => other.clone(),
    }
}

/// The fewest CIDR blocks covering the addresses `lo..=hi`, in address order.
fn cidr_list(lo: u32, hi: u32) -> Value {
    let mut out = Vec::new();
    let mut at = lo as u64;
    let end = hi as u64;
    while at <= end {
        // The largest block aligned at `at` that stays within the range.
        let mut size = if at == 0 {
            1u64 << 32
        } else {
            at & at.wrapping_neg()
        };
        while at + size - 1 > end {
            size >>= 1;
        }
        let prefix = 32 - size.trailing_zeros();
        let ip = at as u32;
        out.push(Value::str(&format!(
            "{}.{}.{}.{}/{prefix}",
            ip >> 24,
            ip >> 16 & 255,
            ip >> 8 & 255,
            ip & 255
        )));
        at += size;
    }
    Value::array(out)
}

fn fixed_string(name: &str, args: &[ArgInfo], value: &'static str) -> Bound {
    arity(name, args, 0, 0)?;
    pure(Type::String, move |_| Value::str(value))
}

/// `assert(condition, message)`: Kusto requires the condition to be constant when the
/// query is analysed, and fails the query with the message when it is false.
fn bind_assert(args: &[ArgInfo]) -> Bound {
    sig("assert", args, 2, 2, &[Want::Bool, Want::Str])?;
    let message = match constant(args, 1) {
        Some(Value::String(s)) => s.to_string(),
        _ => {
            return Err(FnError::Type(
                1,
                "the message of `assert` must be a constant string".into(),
            ))
        }
    };
    match constant(args, 0) {
        Some(Value::Bool(true)) => pure(Type::Bool, |_| Value::Bool(true)),
        Some(Value::Bool(false)) | Some(Value::Null) => Err(FnError::Type(
            0,
            format!("assert() has failed with message: '{message}'"),
        )),
        _ => Err(FnError::Type(
            0,
            "the condition of `assert` must be a constant known when the query is analysed".into(),
        )),
    }
}

/// `parse_version("1.2.3.4")`: up to four dot-separated parts of up to eight digits,
/// as the decimal number whose eight-digit groups are the parts, left-aligned to four
/// parts ("1.2" is 1.2.0.0). Anything else gives null.
///
/// kql's decimal is a double, so parts past the 15th significant digit round: versions
/// that differ only there compare equal (never in the wrong order).
fn parse_version(s: &str) -> Value {
    let parts: Vec<&str> = s.trim().split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return Value::Null;
    }
    let mut n: u128 = 0;
    for i in 0..4 {
        let part = parts.get(i).copied().unwrap_or("0");
        if part.is_empty() || part.len() > 8 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return Value::Null;
        }
        let p: u128 = part.parse().unwrap_or(0);
        n = n * 100_000_000 + p;
    }
    Value::Decimal(n as f64)
}

#[cfg(test)]
mod tests {
    use super::parse_version;
    use crate::value::Value;

    #[test]
    fn cidr() {
        use super::cidr_list;
        use crate::value::to_json_text;
        let ip = |a: u32, b: u32, c: u32, d: u32| a << 24 | b << 16 | c << 8 | d;
        assert_eq!(
            to_json_text(&cidr_list(ip(127, 0, 0, 1), ip(127, 0, 0, 128))),
            r#"["127.0.0.1/32","127.0.0.2/31","127.0.0.4/30","127.0.0.8/29","127.0.0.16/28","127.0.0.32/27","127.0.0.64/26","127.0.0.128/32"]"#
        );
        assert_eq!(
            to_json_text(&cidr_list(ip(192, 168, 1, 7), ip(192, 168, 1, 10))),
            r#"["192.168.1.7/32","192.168.1.8/31","192.168.1.10/32"]"#
        );
        assert_eq!(to_json_text(&cidr_list(0, u32::MAX)), r#"["0.0.0.0/0"]"#);
    }

    #[test]
    fn versions() {
        let cases: &[(&str, Option<f64>)] = &[
            ("1", Some(1e24)),
            ("0.0.0.5", Some(5.0)),
            ("0.0.7.0", Some(7e8)),
            ("0.2", Some(2e16)),
            ("1.2.3.4", Some(1.000_000_020_000_000_3e24)),
            ("1.2.3.4.5", None),
            ("a.b", None),
            ("", None),
            ("1..2", None),
            ("123456789", None),
        ];
        for (input, want) in cases {
            let got = parse_version(input);
            match want {
                Some(w) => assert_eq!(got, Value::Decimal(*w), "{input}"),
                None => assert_eq!(got, Value::Null, "{input}"),
            }
        }
    }
}
