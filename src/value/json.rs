//! Values ⇄ JSON: what `parse_json` produces, and how dynamic values (and whole rows)
//! are written out.

use super::format::format_guid;
use super::time::{format_datetime_iso, format_timespan};
use super::{Bag, Value};
use serde_json::Value as J;
use std::sync::Arc;

/// A value as JSON, as Kusto clients show it: arrays and bags as JSON; datetime as an
/// ISO-8601 string with the fraction trimmed (`2017-01-01T00:00:00Z`); timespan
/// and guid as strings; real NaN/±inf as the strings `"NaN"`, `"Infinity"`, `"-Infinity"`.
pub fn to_json(v: &Value) -> J {
    match v {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Int(i) => J::from(*i),
        Value::Long(i) => J::from(*i),
        Value::Real(f) | Value::Decimal(f) => real_to_json(*f),
        Value::String(s) => J::String(s.to_string()),
        Value::DateTime(t) => J::String(format_datetime_iso(*t)),
        Value::TimeSpan(t) => J::String(format_timespan(*t)),
        Value::Guid(g) => J::String(format_guid(g.get())),
        Value::Array(a) => J::Array(a.iter().map(to_json).collect()),
        Value::Bag(b) => J::Object(b.iter().map(|(k, v)| (k.to_string(), to_json(v))).collect()),
    }
}

fn real_to_json(f: f64) -> J {
    match serde_json::Number::from_f64(f) {
        Some(n) => J::Number(n),
        None if f.is_nan() => J::String("NaN".into()),
        None if f > 0.0 => J::String("Infinity".into()),
        None => J::String("-Infinity".into()),
    }
}

/// A JSON value as a dynamic value: integers → Long (beyond i64 → Real), other numbers →
/// Real, strings stay strings, objects → Bag (key order kept), arrays → Array.
pub fn from_json(j: &J) -> Value {
    match j {
        J::Null => Value::Null,
        J::Bool(b) => Value::Bool(*b),
        J::Number(n) => match n.as_i64() {
            Some(i) => Value::Long(i),
            None => Value::Real(n.as_f64().unwrap_or(f64::NAN)),
        },
        J::String(s) => Value::String(Arc::from(s.as_str())),
        J::Array(a) => Value::array(a.iter().map(from_json).collect()),
        J::Object(o) => {
            let bag: Bag = o
                .iter()
                .map(|(k, v)| (Arc::from(k.as_str()), from_json(v)))
                .collect();
            Value::bag(bag)
        }
    }
}

/// Parses JSON text to a value, as `parse_json` does for valid JSON.
pub fn parse_json_text(s: &str) -> Option<Value> {
    serde_json::from_str::<J>(s).ok().map(|j| from_json(&j))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trip_keeps_order_and_types() {
        let text = r#"{"b":1,"a":[1.5,"x",null,true,{"c":-2}],"big":18446744073709551615}"#;
        let v = parse_json_text(text).unwrap();
        let Value::Bag(b) = &v else {
            panic!("not a bag")
        };
        assert_eq!(
            b.keys().map(|k| &**k).collect::<Vec<_>>(),
            ["b", "a", "big"]
        );
        assert!(matches!(b["b"], Value::Long(1)));
        assert!(matches!(b["big"], Value::Real(_)));
        assert_eq!(
            serde_json::to_string(&to_json(&v)).unwrap(),
            r#"{"b":1,"a":[1.5,"x",null,true,{"c":-2}],"big":1.8446744073709552e+19}"#
        );
    }

    #[test]
    fn special_reals_become_strings() {
        assert_eq!(to_json(&Value::Real(f64::NAN)), J::String("NaN".into()));
        assert_eq!(
            to_json(&Value::Real(f64::NEG_INFINITY)),
            J::String("-Infinity".into())
        );
        assert_eq!(
            to_json(&Value::TimeSpan(36_000_000_000)),
            J::String("01:00:00".into())
        );
    }
}
