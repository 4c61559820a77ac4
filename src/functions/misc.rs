//! Functions about the query's environment (`current_database`, `cursor_current`, ...),
//! `assert`, and `parse_version`.
//!
//! kql runs offline on local tables, so the environment functions answer with fixed
//! local values (listed in the README): there is no cluster, database or principal.

use super::{arity, constant, func, pure, sig, text, ArgInfo, Bound, FnError, Want};
use crate::types::Type;
use crate::value::{Bag, Value};

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
            let mut bag = Bag::new();
            bag.insert("Type".into(), Value::str("Unknown"));
            bag.insert("DisplayName".into(), Value::str(NULL_IDENTITY));
            bag.insert("ObjectId".into(), Value::str(""));
            bag.insert("FQN".into(), Value::str(NULL_IDENTITY));
            bag.insert("Notes".into(), Value::str(""));
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
        _ => return None,
    })
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
        Some(Value::Bool(false)) | Some(Value::Null) => {
            Err(FnError::Type(0, format!("assertion failed: {message}")))
        }
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
