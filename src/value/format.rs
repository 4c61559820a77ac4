//! Values as text: exactly what `tostring()` returns, which is also what `strcat`,
//! string comparisons against numbers and the table printer use.

use super::json::to_json;
use super::time::{format_datetime_full, format_datetime_iso, format_timespan};
use super::Value;

/// A value as Kusto clients display it (table and CSV cells): null → `""`; reals in
/// shortest round-trip form (.NET rules: `1`, `0.5`, `1E+20`, `1E-07`, `NaN`,
/// `Infinity`); datetime ISO-8601 with the fraction trimmed (`2026-05-18T12:00:00Z`);
/// timespan `[-][d.]hh:mm:ss[.fffffff]`; guid lower-case hyphenated; bool `true`/`false`;
/// arrays and bags as compact JSON.
///
/// This equals `tostring()` except for datetimes: see [`tostring`].
pub fn to_kql_string(v: &Value) -> String {
    match v {
        Value::DateTime(t) => format_datetime_iso(*t),
        other => tostring(other),
    }
}

/// Exactly what KQL's `tostring()` returns (and so `strcat`, `reverse`, ...): as
/// [`to_kql_string`], but a datetime always has 7 fraction digits
/// (`2017-10-15T12:00:00.0000000Z`; conformance `reverse(datetime(2017-10-15 12:00))`).
pub fn tostring(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Bool(b) => if *b { "true" } else { "false" }.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Long(i) => i.to_string(),
        Value::Real(f) | Value::Decimal(f) => format_real(*f),
        Value::String(s) => s.to_string(),
        Value::DateTime(t) => format_datetime_full(*t),
        Value::TimeSpan(t) => format_timespan(*t),
        Value::Guid(g) => format_guid(g.get()),
        Value::Array(_) | Value::Bag(_) => to_json_text(v),
    }
}

/// Compact JSON text of a value (what `tostring` gives for arrays and bags, and the text
/// `has` searches in a dynamic value). A scalar string is quoted here.
pub fn to_json_text(v: &Value) -> String {
    let mut out = String::new();
    write_json(v, &mut out);
    out
}

/// Writes the compact JSON of `v` as Kusto serializes a dynamic value (what `tostring`
/// of an array or bag gives), without building an intermediate `serde_json::Value`:
/// `has` on a dynamic column calls this per row. It equals
/// `serde_json::to_string(&to_json(v))` except that a datetime keeps 7 fraction digits
/// (`"2017-01-01T00:00:00.0000000Z"`, as the engine's dynamic arrays show them).
pub fn write_json(v: &Value, out: &mut String) {
    use std::fmt::Write;
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Long(i) => {
            let _ = write!(out, "{i}");
        }
        Value::DateTime(t) => write_json_str(&format_datetime_full(*t), out),
        Value::Real(_) | Value::Decimal(_) | Value::TimeSpan(_) | Value::Guid(_) => {
            out.push_str(&serde_json::to_string(&to_json(v)).unwrap_or_default())
        }
        Value::String(s) => write_json_str(s, out),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(x, out);
            }
            out.push(']');
        }
        Value::Bag(b) => {
            out.push('{');
            for (i, (k, x)) in b.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_str(k, out);
                out.push(':');
                write_json(x, out);
            }
            out.push('}');
        }
    }
}

fn write_json_str(s: &str, out: &mut String) {
    use std::fmt::Write;
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A double as .NET's shortest round-trip `ToString()` prints it: positional notation for
/// decimal exponents -4..=14, otherwise `d.dddE+XX`.
pub fn format_real(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.into();
    }
    // `{:e}` gives the shortest round-trip digits: "1.2345e-7".
    let sci = format!("{f:e}");
    let (mantissa, exp) = match sci.split_once('e') {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => return sci,
    };
    let neg = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    let mut out = String::with_capacity(24);
    if neg {
        out.push('-');
    }
    if (-4..15).contains(&exp) {
        if exp < 0 {
            out.push_str("0.");
            for _ in 0..(-exp - 1) {
                out.push('0');
            }
            out.push_str(&digits);
        } else {
            let int_len = exp as usize + 1;
            if digits.len() <= int_len {
                out.push_str(&digits);
                for _ in digits.len()..int_len {
                    out.push('0');
                }
            } else {
                out.push_str(&digits[..int_len]);
                out.push('.');
                out.push_str(&digits[int_len..]);
            }
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('E');
        out.push(if exp < 0 { '-' } else { '+' });
        out.push_str(&format!("{:02}", exp.abs()));
    }
    out
}

/// `74be27de-1e4e-49d9-b579-fe0b331d3642`.
pub fn format_guid(g: u128) -> String {
    let h = format!("{g:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// Parses `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (any case; also without hyphens or in braces).
pub fn parse_guid(s: &str) -> Option<u128> {
    let s = s.trim();
    let s = s
        .strip_prefix('{')
        .and_then(|r| r.strip_suffix('}'))
        .unwrap_or(s);
    let hex: String = if s.len() == 36 {
        let b = s.as_bytes();
        if b[8] != b'-' || b[13] != b'-' || b[18] != b'-' || b[23] != b'-' {
            return None;
        }
        s.chars().filter(|c| *c != '-').collect()
    } else {
        s.to_string()
    };
    if hex.len() != 32 || !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    u128::from_str_radix(&hex, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn formats_reals_like_dotnet() {
        let cases = [
            (1.0, "1"),
            (0.5, "0.5"),
            (100.0, "100"),
            (-2.5, "-2.5"),
            (1.253235897503375, "1.253235897503375"),
            (3.5e-3, "0.0035"),
            (1e15, "1E+15"),
            (123456789012345.0, "123456789012345"),
            (1e20, "1E+20"),
            (1.5e-7, "1.5E-07"),
            (0.0001, "0.0001"),
            (0.00001, "1E-05"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
            (0.0, "0"),
        ];
        for (f, want) in cases {
            assert_eq!(format_real(f), want, "{f}");
        }
    }

    #[test]
    fn tostring_of_each_type() {
        let bag: super::super::Bag = [(Arc::from("a"), Value::Long(1))].into_iter().collect();
        let cases = [
            (Value::Null, ""),
            (Value::Bool(true), "true"),
            (Value::Int(-3), "-3"),
            (Value::Long(42), "42"),
            (Value::Real(2.0), "2"),
            (Value::str("x y"), "x y"),
            (
                Value::DateTime(super::super::UNIX_EPOCH_TICKS),
                "1970-01-01T00:00:00Z",
            ),
            (Value::TimeSpan(1_000_000), "00:00:00.1000000"),
            (
                Value::Guid(crate::value::Guid::new(0x74be27de1e4e49d9b579fe0b331d3642)),
                "74be27de-1e4e-49d9-b579-fe0b331d3642",
            ),
            (
                Value::array(vec![Value::str("a"), Value::Long(1), Value::Null]),
                r#"["a",1,null]"#,
            ),
            (Value::bag(bag), r#"{"a":1}"#),
        ];
        for (v, want) in cases {
            assert_eq!(to_kql_string(&v), want, "{v:?}");
        }
    }

    #[test]
    fn tostring_has_seven_fraction_digits() {
        let t = Value::DateTime(super::super::UNIX_EPOCH_TICKS);
        assert_eq!(tostring(&t), "1970-01-01T00:00:00.0000000Z");
        assert_eq!(to_kql_string(&t), "1970-01-01T00:00:00Z");
        let arr = Value::array(vec![t]);
        assert_eq!(tostring(&arr), r#"["1970-01-01T00:00:00.0000000Z"]"#);
    }

    #[test]
    fn json_text_matches_serde() {
        let v = super::super::parse_json_text(
            r#"{"a":[1,-2.5,"q\"u\\o\n\u0001te",null,true],"b":{"c":1e300},"é":"ü"}"#,
        )
        .unwrap();
        assert_eq!(
            to_json_text(&v),
            serde_json::to_string(&to_json(&v)).unwrap()
        );
    }

    #[test]
    fn parses_guids() {
        let g = 0x74be27de1e4e49d9b579fe0b331d3642u128;
        assert_eq!(parse_guid("74BE27DE-1E4E-49D9-B579-FE0B331D3642"), Some(g));
        assert_eq!(
            parse_guid("{74be27de-1e4e-49d9-b579-fe0b331d3642}"),
            Some(g)
        );
        assert_eq!(parse_guid("74be27de1e4e49d9b579fe0b331d3642"), Some(g));
        assert_eq!(parse_guid("74be27de-1e4e-49d9-b579"), None);
    }
}
