//! What exports do to values and names, for every reader: the ` [UTC]` / ` [Local Time]`
//! suffixes of exported datetime columns, values written as text (CSV cells, the az
//! CLI's strings), bare `NaN`/`Infinity` in JSON, and the types inferred from text.
//! Converting a value to a column type is [`crate::io::json::convert`]'s, the same for
//! every format.

use crate::io::json::{convert_str, parse_export_datetime};
use crate::types::Type;
use crate::value::Value;
use serde_json::Value as J;

/// The suffix the Log Analytics portal writes after the name of a datetime column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Suffix {
    Utc,
    Local,
}

/// `name` without its export suffix, and which it was.
pub(crate) fn strip_suffix(name: &str) -> (&str, Option<Suffix>) {
    if let Some(n) = name.strip_suffix(" [UTC]") {
        (n, Some(Suffix::Utc))
    } else if let Some(n) = name.strip_suffix(" [Local Time]") {
        (n, Some(Suffix::Local))
    } else {
        (name, None)
    }
}

/// A value written as text (a CSV cell; with `az`, a value the az CLI turned into text)
/// for a column of type `ty`: an empty cell (and az's `None`) is null in every
/// non-string column, then as [`convert_str`]. `None` when it does not convert.
pub(crate) fn text_value(s: &str, ty: Type, az: bool) -> Option<Value> {
    if ty != Type::String && (s.is_empty() || (az && s == "None")) {
        return Some(Value::Null);
    }
    convert_str(s, ty)
}

/// Parses a record's JSON text; bare `NaN`, `Infinity` and `-Infinity` (which some
/// writers emit for reals, and JSON does not allow) are read as the strings a real
/// column takes.
pub(crate) fn parse_record(text: &[u8]) -> serde_json::Result<J> {
    match serde_json::from_slice::<J>(text) {
        Ok(v) => Ok(v),
        Err(e) => match quote_non_finite(text) {
            Some(fixed) => serde_json::from_slice::<J>(&fixed).map_err(|_| e),
            None => Err(e),
        },
    }
}

/// Whether a streaming event's text surely holds no record of `category`: the name is
/// nowhere in its bytes (nor a `\u` escape that could spell it), and the text is an
/// event (an object whose `records` is an array) or a record (an object with a
/// `category`). Such an event (another table's, in a capture of several) is passed over
/// without building its values; any other goes to [`parse_record`] and the reader's
/// checks, whose errors name it.
pub(crate) fn holds_no_record_of(text: &[u8], category: &str) -> bool {
    use serde::de::{Deserialize, Deserializer, IgnoredAny};
    #[derive(serde::Deserialize)]
    struct Shape {
        #[serde(default, deserialize_with = "array")]
        records: Option<()>,
        #[serde(default)]
        category: Option<IgnoredAny>,
    }
    fn array<'de, D: Deserializer<'de>>(d: D) -> Result<Option<()>, D::Error> {
        Vec::<IgnoredAny>::deserialize(d).map(|_| Some(()))
    }
    let object = text.iter().find(|c| !c.is_ascii_whitespace()) == Some(&b'{');
    object
        && memchr::memmem::find(text, category.as_bytes()).is_none()
        && memchr::memmem::find(text, b"\\u").is_none()
        && serde_json::from_slice::<Shape>(text)
            .is_ok_and(|s| s.records.is_some() || s.category.is_some())
}

/// The error for a record's text that does not parse: not UTF-8, or not JSON (at the
/// line of the fault; the record starts at `line`).
pub(crate) fn record_error(
    text: &[u8],
    e: &serde_json::Error,
    path: &str,
    line: usize,
) -> crate::error::Error {
    if let Err(u) = std::str::from_utf8(text) {
        let before = &text[..u.valid_up_to()];
        return crate::error::Error::data(
            "the file is not valid UTF-8 text",
            path,
            line + memchr::memchr_iter(b'\n', before).count(),
        );
    }
    let what = if e.is_data() {
        e.to_string()
    } else {
        format!("invalid JSON: {e}")
    };
    crate::error::Error::data(what, path, line + e.line().saturating_sub(1))
}

/// `text` with every bare `NaN`, `Infinity`, `+Infinity`, `-Infinity` outside strings
/// quoted; `None` when there is none.
pub(crate) fn quote_non_finite(text: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() + 16);
    let mut i = 0;
    let mut in_str = false;
    let mut changed = false;
    while i < text.len() {
        let c = text[i];
        if in_str {
            out.push(c);
            if c == b'\\' && i + 1 < text.len() {
                out.push(text[i + 1]);
                i += 2;
                continue;
            }
            if c == b'"' {
                in_str = false;
            }
            i += 1;
            continue;
        }
        if c == b'"' {
            in_str = true;
            out.push(c);
            i += 1;
            continue;
        }
        let rest = &text[i..];
        let token = [&b"-Infinity"[..], b"+Infinity", b"Infinity", b"NaN"]
            .into_iter()
            .find(|t| rest.starts_with(t));
        let starts = i == 0 || !text[i - 1].is_ascii_alphanumeric();
        match token {
            Some(t) if starts && rest.get(t.len()).is_none_or(|b| !b.is_ascii_alphanumeric()) => {
                out.push(b'"');
                out.extend_from_slice(t);
                out.push(b'"');
                i += t.len();
                changed = true;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    changed.then_some(out)
}

/// The type of a column from values written as text (CSV cells, the az CLI's strings),
/// for a table with no schema: all `true`/`false` (any case) → bool; all integers
/// (without leading zeros, which identifiers keep) → long; all numbers (`NaN` and
/// `Infinity` among them, as the query API writes them) → real; all
/// datetimes (ISO 8601, or the portal's `10/25/2023, 9:43:21.994 AM`) → datetime; all
/// JSON objects or arrays → dynamic; anything else, or a mix, → string. Empty values
/// (and, for az, `None`) say nothing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct TextFold(TextKind);

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum TextKind {
    #[default]
    None,
    Bool,
    Long,
    Real,
    /// `NaN`, `Infinity`, `-Infinity`: a real among numbers, else text.
    NonFinite,
    Date,
    Dyn,
    Str,
}

impl TextFold {
    pub(crate) fn add(&mut self, s: &str, az: bool) {
        if s.is_empty() || (az && s == "None") || self.0 == TextKind::Str {
            return;
        }
        self.join(TextFold(classify(s)));
    }

    pub(crate) fn join(&mut self, other: TextFold) {
        use TextKind::*;
        self.0 = match (self.0, other.0) {
            (None, k) | (k, None) => k,
            (a, b) if a == b => a,
            (Long | Real | NonFinite, Long | Real | NonFinite) => Real,
            _ => Str,
        };
    }

    /// The type, `None` when no value said anything.
    pub(crate) fn ty(self) -> Option<Type> {
        Some(match self.0 {
            TextKind::None => return None,
            TextKind::Bool => Type::Bool,
            TextKind::Long => Type::Long,
            TextKind::Real => Type::Real,
            TextKind::Date => Type::DateTime,
            TextKind::Dyn => Type::Dynamic,
            TextKind::Str | TextKind::NonFinite => Type::String,
        })
    }
}

fn classify(s: &str) -> TextKind {
    if s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("false") {
        return TextKind::Bool;
    }
    if matches!(s, "NaN" | "Infinity" | "+Infinity" | "-Infinity") {
        return TextKind::NonFinite;
    }
    let digits = s.strip_prefix('-').unwrap_or(s);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        let canonical = digits.len() == 1 || !digits.starts_with('0');
        if canonical && s.parse::<i64>().is_ok() {
            return TextKind::Long;
        }
        return TextKind::Str;
    }
    let numeric = s
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'));
    if numeric
        && s.bytes().any(|b| b.is_ascii_digit())
        && s.parse::<f64>().is_ok_and(f64::is_finite)
    {
        return TextKind::Real;
    }
    // A date alone (`2023-02-14`) is made of the same bytes as a number; it is a
    // datetime here as it is in JSON (Azure-Sentinel's BitSight `Graph_data_CL` export
    // has it as CSV and as JSON).
    if looks_like_datetime(s) {
        return TextKind::Date;
    }
    let t = s.trim_start();
    if (t.starts_with('{') || t.starts_with('['))
        && serde_json::from_str::<serde::de::IgnoredAny>(s).is_ok()
    {
        return TextKind::Dyn;
    }
    TextKind::Str
}

/// An ISO date (`2026-05-18`, with or without a time) or the portal's
/// `M/D/YYYY, h:mm:ss` / `YYYY-MM-DD, h:mm:ss a.m.` forms, that parses.
fn looks_like_datetime(s: &str) -> bool {
    let b = s.as_bytes();
    let iso = b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[7] == b'-'
        && (b.len() == 10 || b[10] == b'T' || b[10] == b' ');
    let portal = s.split_once(", ").is_some_and(|(d, _)| {
        (d.contains('/') || d.contains('-'))
            && d.bytes()
                .all(|c| c.is_ascii_digit() || c == b'/' || c == b'-')
    });
    (iso || portal) && parse_export_datetime(s).is_some()
}

/// A path into a JSON record, as ingestion mappings write them: `$`, then `.name`,
/// `['name']` or `["name"]`, and `[n]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct JsonPath(Vec<Step>);

#[derive(Clone, Debug, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
}

impl JsonPath {
    pub(crate) fn parse(text: &str) -> Option<JsonPath> {
        let mut rest = text.trim().strip_prefix('$')?;
        let mut steps = Vec::new();
        while !rest.is_empty() {
            if let Some(r) = rest.strip_prefix('.') {
                let end = r.find(['.', '[']).unwrap_or(r.len());
                if end == 0 {
                    return None;
                }
                steps.push(Step::Key(r[..end].to_string()));
                rest = &r[end..];
            } else if let Some(r) = rest.strip_prefix('[') {
                let end = r.find(']')?;
                let inner = r[..end].trim();
                let quoted = inner
                    .strip_prefix('\'')
                    .and_then(|i| i.strip_suffix('\''))
                    .or_else(|| inner.strip_prefix('"').and_then(|i| i.strip_suffix('"')));
                steps.push(match quoted {
                    Some(k) => Step::Key(k.to_string()),
                    None => Step::Index(inner.parse().ok()?),
                });
                rest = &r[end + 1..];
            } else {
                return None;
            }
        }
        Some(JsonPath(steps))
    }

    /// The value at the path (null when a step is missing).
    pub(crate) fn get<'j>(&self, mut j: &'j J) -> &'j J {
        static NULL: J = J::Null;
        for s in &self.0 {
            j = match (s, j) {
                (Step::Key(k), J::Object(o)) => match o.get(k) {
                    Some(v) => v,
                    None => return &NULL,
                },
                (Step::Index(i), J::Array(a)) => match a.get(*i) {
                    Some(v) => v,
                    None => return &NULL,
                },
                _ => return &NULL,
            };
        }
        j
    }
}

/// The type of a column whose files disagree: numbers widen to real, anything with
/// text is text, other mixes are dynamic.
pub(crate) fn unify(a: Type, b: Type) -> Type {
    use Type::*;
    match (a, b) {
        (a, b) if a == b => a,
        (Int | Long | Real | Decimal, Int | Long | Real | Decimal) => Real,
        (String, _) | (_, String) => String,
        _ => Dynamic,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_whole_json_without_the_category_is_passed_over() {
        let cat = "AdvancedHunting-DeviceEvents";
        let other =
            br#"{"records":[{"category":"AdvancedHunting-DeviceInfo","properties":{"a":1}}]}"#;
        let ours = br#"{"records":[{"category":"AdvancedHunting-DeviceEvents","properties":{}}]}"#;
        let escaped =
            br#"{"records":[{"category":"\u0041dvancedHunting-DeviceEvents","properties":{}}]}"#;
        let broken = br#"{"records":[{"category":"AdvancedHunting-DeviceInfo","#;
        let not_array = br#"{"records": 5}"#;
        let neither = br#"{"time": "x"}"#;
        let array = br#"[[], null]"#;
        // (text, passed over)
        for (text, skip) in [
            (&other[..], true),
            (&ours[..], false),
            (&escaped[..], false),
            (&broken[..], false),
            (&not_array[..], false),
            (&neither[..], false),
            (&array[..], false),
        ] {
            assert_eq!(
                holds_no_record_of(text, cat),
                skip,
                "{}",
                String::from_utf8_lossy(text)
            );
        }
    }

    #[test]
    fn json_paths() {
        let j: J = serde_json::from_str(r#"{"a": {"b c": [10, {"d": 1}]}, "t": "x"}"#).unwrap();
        for (path, want) in [
            ("$", j.clone()),
            ("$.t", J::from("x")),
            ("$.a['b c'][0]", J::from(10)),
            ("$.a[\"b c\"][1].d", J::from(1)),
            ("$.a.missing", J::Null),
            ("$.t[0]", J::Null),
        ] {
            assert_eq!(JsonPath::parse(path).unwrap().get(&j), &want, "{path}");
        }
        for bad in ["a.b", "$..a", "$[x", "$[one]"] {
            assert!(JsonPath::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn suffixes() {
        assert_eq!(
            strip_suffix("TimeGenerated [UTC]"),
            ("TimeGenerated", Some(Suffix::Utc))
        );
        assert_eq!(
            strip_suffix("Timestamp [Local Time]"),
            ("Timestamp", Some(Suffix::Local))
        );
        assert_eq!(strip_suffix("Name"), ("Name", None));
    }

    #[test]
    fn bare_non_finite_numbers_are_read_as_strings() {
        let j = parse_record(
            br#"{"a": NaN, "b": -Infinity, "c": "NaN x", "d": [Infinity], "e": "\"NaN"}"#,
        )
        .unwrap();
        assert_eq!(j["a"], "NaN");
        assert_eq!(j["b"], "-Infinity");
        assert_eq!(j["c"], "NaN x");
        assert_eq!(j["d"][0], "Infinity");
        assert_eq!(j["e"], "\"NaN");
        assert!(parse_record(br#"{"a": NaNa}"#).is_err());
        assert!(quote_non_finite(br#"{"a": 1}"#).is_none());
    }

    #[test]
    fn text_inference() {
        // (values, type)
        let cases: &[(&[&str], Option<Type>)] = &[
            (&["1", "-2", ""], Some(Type::Long)),
            (&["1", "2.5"], Some(Type::Real)),
            (&["007"], Some(Type::String)),
            (&["True", "false"], Some(Type::Bool)),
            (
                &["2026-05-18T12:00:00Z", "10/25/2023, 9:43:21.994 AM"],
                Some(Type::DateTime),
            ),
            // The portal in other locales (Azure-Sentinel `Sample Data/Syslog/Tomcat.csv`).
            (
                &[
                    "2023-07-06, 12:58:42.533 a.m.",
                    "2023-07-05, 6:58:01.000 p.m.",
                ],
                Some(Type::DateTime),
            ),
            (&["2023-07-06, later"], Some(Type::String)),
            (&["2023-02-14", "2023-02-09"], Some(Type::DateTime)),
            (&["2023-02-14", "1"], Some(Type::String)),
            (&["1-2", "3"], Some(Type::String)),
            (&["{\"a\": 1}", "[1]"], Some(Type::Dynamic)),
            (&["{not json"], Some(Type::String)),
            (&["1", "x"], Some(Type::String)),
            (&["", ""], None),
            (&["12345678901234567890"], Some(Type::String)),
            (&["1234567890123456789"], Some(Type::Long)),
            (&["1e5", "NaN", "-Infinity"], Some(Type::Real)),
            (&["NaN"], Some(Type::String)),
            (&["nan", "1"], Some(Type::String)),
        ];
        for (values, want) in cases {
            let mut f = TextFold::default();
            for v in *values {
                f.add(v, false);
            }
            assert_eq!(f.ty(), *want, "{values:?}");
        }
        let mut f = TextFold::default();
        f.add("None", true);
        f.add("7", true);
        assert_eq!(f.ty(), Some(Type::Long));
    }

    #[test]
    fn portal_datetimes_in_every_locale_form() {
        // (as exported, the same instant in ISO 8601); None: not a datetime.
        let cases: &[(&str, Option<&str>)] = &[
            (
                "10/25/2023, 9:43:21.994 AM",
                Some("2023-10-25T09:43:21.994Z"),
            ),
            (
                "04/08/2024, 2:07:03.477 PM",
                Some("2024-04-08T14:07:03.477Z"),
            ),
            ("07/07/2026, 22:15:37.699", Some("2026-07-07T22:15:37.699Z")),
            ("6/15/2023, 12:09:31 PM", Some("2023-06-15T12:09:31Z")),
            (
                "2023-07-06, 12:58:42.533 a.m.",
                Some("2023-07-06T00:58:42.533Z"),
            ),
            (
                "2023-07-05, 10:27:17.257 p.m.",
                Some("2023-07-05T22:27:17.257Z"),
            ),
            (
                "2023-07-05, 12:00:57.000 P.M.",
                Some("2023-07-05T12:00:57Z"),
            ),
            (
                "2023-07-05, 6:03:21.720 p. m.",
                Some("2023-07-05T18:03:21.72Z"),
            ),
            (
                "10/25/2023, 9:43:21.994\u{202f}AM",
                Some("2023-10-25T09:43:21.994Z"),
            ),
            (
                "10/25/2023, 9:43:21.994\u{a0}PM",
                Some("2023-10-25T21:43:21.994Z"),
            ),
            ("2023-07-05, 6:03:21 x.m.", None),
            ("2023-07-05, a.m.", None),
            ("25.10.2023, 09:43:21", None),
        ];
        for (text, want) in cases {
            let got = text_value(text, Type::DateTime, false);
            match want {
                Some(iso) => {
                    let want = crate::value::parse_datetime(iso).unwrap();
                    assert_eq!(got, Some(Value::DateTime(want)), "{text}");
                }
                None => assert!(got.is_none(), "{text}: {got:?}"),
            }
        }
    }

    #[test]
    fn text_values() {
        assert_eq!(text_value("", Type::Long, false), Some(Value::Null));
        assert_eq!(text_value("None", Type::Long, true), Some(Value::Null));
        assert_eq!(
            text_value("None", Type::String, true).unwrap().as_str(),
            Some("None")
        );
        assert_eq!(text_value("", Type::Dynamic, false), Some(Value::Null));
        assert!(text_value("x", Type::Long, false).is_none());
        assert_eq!(
            text_value("9223372036854775807", Type::Long, false),
            Some(Value::Long(i64::MAX))
        );
    }
}
