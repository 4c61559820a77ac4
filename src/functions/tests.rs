//! Table-driven tests of the registry: (function, arguments, expected value) rows for
//! the ★ rules of KQL-SEMANTICS.md and the documented examples.
//!
//! Every row runs twice: once with all arguments constant (the bind-time fast paths)
//! and once with none constant (the per-row paths), and both must agree.

use super::*;
use crate::value::{parse_datetime, parse_timespan, Bag, TICKS_PER_DAY, TICKS_PER_HOUR};
use std::sync::Arc;

const NOW: i64 = 639_000_000_000_000_000;

fn s(x: &str) -> (Type, Value) {
    (Type::String, Value::str(x))
}
fn l(x: i64) -> (Type, Value) {
    (Type::Long, Value::Long(x))
}
fn i(x: i32) -> (Type, Value) {
    (Type::Int, Value::Int(x))
}
fn r(x: f64) -> (Type, Value) {
    (Type::Real, Value::Real(x))
}
fn b(x: bool) -> (Type, Value) {
    (Type::Bool, Value::Bool(x))
}
fn null(t: Type) -> (Type, Value) {
    (t, Value::Null)
}
fn dt(x: &str) -> (Type, Value) {
    (Type::DateTime, Value::DateTime(parse_datetime(x).unwrap()))
}
fn ts(x: &str) -> (Type, Value) {
    (Type::TimeSpan, Value::TimeSpan(parse_timespan(x).unwrap()))
}
fn dj(json: &str) -> (Type, Value) {
    (Type::Dynamic, crate::value::parse_json_text(json).unwrap())
}
fn dv(v: Value) -> (Type, Value) {
    (Type::Dynamic, v)
}

fn vs(x: &str) -> Value {
    Value::str(x)
}
fn vdt(x: &str) -> Value {
    Value::DateTime(parse_datetime(x).unwrap())
}
fn vts(x: &str) -> Value {
    Value::TimeSpan(parse_timespan(x).unwrap())
}
fn vj(json: &str) -> Value {
    crate::value::parse_json_text(json).unwrap()
}

/// Arguments Kusto requires to be constant (the binder always knows them).
const ALWAYS_CONSTANT: &[(&str, usize)] = &[
    ("extract", 3),
    ("countof", 2),
    ("__member", 1),
    ("extract_json", 2),
];

fn call_with(name: &str, args: &[(Type, Value)], constant: bool) -> (Type, Value) {
    let infos: Vec<ArgInfo> = args
        .iter()
        .enumerate()
        .map(|(k, (t, v))| ArgInfo {
            ty: *t,
            constant: if constant || ALWAYS_CONSTANT.contains(&(name, k)) {
                Some(v)
            } else {
                None
            },
        })
        .collect();
    let bound =
        bind_scalar(name, &infos).unwrap_or_else(|e| panic!("bind {name}({args:?}) failed: {e:?}"));
    let values: Vec<Value> = args.iter().map(|(_, v)| v.clone()).collect();
    let ctx = EvalCtx::with_seed(NOW, 42);
    (bound.ty, bound.imp.call(&values, &ctx))
}

/// Debug text distinguishes Long(1) from Real(1.0), which `==` on values does not.
fn same(a: &Value, b: &Value) -> bool {
    format!("{a:?}") == format!("{b:?}")
}

type Case<'a> = (&'a str, Vec<(Type, Value)>, Value);

fn check(rows: &[Case]) {
    let mut failures = Vec::new();
    for (name, args, want) in rows {
        for constant in [true, false] {
            let (_, got) = call_with(name, args, constant);
            if !same(&got, want) {
                failures.push(format!(
                    "{name}({}) = {got:?}, want {want:?} (constant args: {constant})",
                    args.iter()
                        .map(|(_, v)| format!("{v:?}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn check_types(rows: &[(&str, Vec<Type>, Type)]) {
    for (name, tys, want) in rows {
        let infos: Vec<ArgInfo> = tys
            .iter()
            .map(|t| ArgInfo {
                ty: *t,
                constant: None,
            })
            .collect();
        match bind_scalar(name, &infos) {
            Ok(b) => assert_eq!(b.ty, *want, "{name}{tys:?}"),
            Err(e) => panic!("{name}{tys:?}: {e:?}"),
        }
    }
}

#[test]
fn arithmetic() {
    let day = TICKS_PER_DAY;
    check(&[
        ("+", vec![l(1), l(2)], Value::Long(3)),
        ("+", vec![i(1), i(2)], Value::Long(3)),
        ("+", vec![i(1), r(0.5)], Value::Real(1.5)),
        ("/", vec![l(1), l(2)], Value::Long(0)),
        ("/", vec![l(-7), l(2)], Value::Long(-3)),
        ("/", vec![r(1.0), l(2)], Value::Real(0.5)),
        ("/", vec![l(1), l(0)], Value::Null),
        ("/", vec![r(1.0), r(0.0)], Value::Real(f64::INFINITY)),
        // Kusto's modulo is never negative (docs: numerical operators).
        ("%", vec![l(14), l(12)], Value::Long(2)),
        ("%", vec![l(-14), l(12)], Value::Long(10)),
        ("%", vec![l(14), l(-12)], Value::Long(2)),
        ("%", vec![l(-14), l(-12)], Value::Long(10)),
        ("%", vec![r(-5.5), l(2)], Value::Real(0.5)),
        ("*", vec![l(3), null(Type::Long)], Value::Null),
        ("neg", vec![i(3)], Value::Int(-3)),
        ("neg", vec![ts("1h")], Value::TimeSpan(-TICKS_PER_HOUR)),
        (
            "-",
            vec![dt("2020-01-02"), dt("2020-01-01")],
            Value::TimeSpan(day),
        ),
        ("+", vec![dt("2020-01-01"), ts("1d")], vdt("2020-01-02")),
        ("+", vec![ts("1d"), dt("2020-01-01")], vdt("2020-01-02")),
        (
            "-",
            vec![dt("2020-01-01"), ts("1h")],
            vdt("2019-12-31 23:00"),
        ),
        ("/", vec![ts("1d"), ts("1s")], Value::Real(86400.0)),
        ("*", vec![l(30), ts("1s")], vts("30s")),
        ("*", vec![ts("1h"), r(1.5)], vts("90m")),
        ("/", vec![ts("1d"), l(2)], vts("12h")),
        ("+", vec![ts("1h"), ts("30m")], vts("90m")),
        ("+", vec![dv(Value::Long(1)), l(2)], Value::Long(3)),
    ]);
    check_types(&[
        ("+", vec![Type::Int, Type::Int], Type::Long),
        ("*", vec![Type::Int, Type::Long], Type::Long),
        ("+", vec![Type::Long, Type::Real], Type::Real),
        ("-", vec![Type::DateTime, Type::DateTime], Type::TimeSpan),
        ("/", vec![Type::TimeSpan, Type::TimeSpan], Type::Real),
        ("neg", vec![Type::Int], Type::Int),
    ]);
}

#[test]
fn type_errors() {
    let cases: &[(&str, Vec<Type>)] = &[
        ("<", vec![Type::String, Type::Long]),
        ("<", vec![Type::String, Type::String]),
        ("<=", vec![Type::Guid, Type::Guid]),
        (">", vec![Type::DateTime, Type::String]),
        (">", vec![Type::TimeSpan, Type::Long]),
        ("between", vec![Type::String, Type::String, Type::String]),
        ("=~", vec![Type::String, Type::Long]),
        ("+", vec![Type::String, Type::Long]),
        ("+", vec![Type::DateTime, Type::DateTime]),
        ("iff", vec![Type::Bool, Type::String, Type::Long]),
        ("strlen", vec![]),
        ("case", vec![Type::Bool, Type::String]),
    ];
    for (name, tys) in cases {
        let infos: Vec<ArgInfo> = tys
            .iter()
            .map(|t| ArgInfo {
                ty: *t,
                constant: None,
            })
            .collect();
        let r = bind_scalar(name, &infos);
        assert!(
            matches!(r, Err(FnError::Type(..) | FnError::Arity(_))),
            "{name}{tys:?} should not bind"
        );
    }
    let none: [ArgInfo; 0] = [];
    assert!(matches!(
        bind_scalar("no_such_function", &none),
        Err(FnError::Unknown)
    ));
    assert!(matches!(
        bind_scalar("extent_tags", &none),
        Err(FnError::Unsupported)
    ));
    assert!(known_names().any(|n| n == "replace_regex"));
    assert!(matches!(
        bind_scalar("geo_polygon_buffer", &none),
        Err(FnError::Unsupported)
    ));
    for name in UNSUPPORTED {
        assert!(
            !is_scalar_implemented(name),
            "{name} is implemented but listed as unsupported"
        );
    }
}

/// Each name is registered once: in one family, or in one unsupported list.
#[test]
fn every_name_is_listed_once() {
    let mut seen = std::collections::HashMap::new();
    let lists = FAMILIES.iter().map(|f| f.names).chain([
        aggregate::NAMES,
        sketch::AGGREGATES,
        aggregate::UNSUPPORTED,
        UNSUPPORTED,
    ]);
    for (i, names) in lists.enumerate() {
        for name in names {
            // A scalar and an aggregate at once (`hll_merge`): see `aggregates_here`.
            let dual = sketch::NAMES.contains(name) && sketch::AGGREGATES.contains(name);
            if let Some(j) = seen.insert(*name, i).filter(|_| !dual) {
                panic!("`{name}` is listed twice (lists {j} and {i})");
            }
        }
    }
    for name in aggregate::UNSUPPORTED {
        assert!(
            is_aggregate(name) && !aggregate::NAMES.contains(name),
            "{name}"
        );
    }
}

/// Volatility is declared by the implementation: the random functions say so, the
/// others do not.
#[test]
fn volatile_functions_declare_it() {
    let none: [ArgInfo; 0] = [];
    for name in ["rand", "new_guid"] {
        assert!(bind_scalar(name, &none).unwrap().imp.volatile(), "{name}");
    }
    assert!(!bind_scalar("pi", &none).unwrap().imp.volatile());
    assert!(!bind_scalar("now", &none).unwrap().imp.volatile());
}

#[test]
fn comparisons_and_nulls() {
    let n = || null(Type::Long);
    check(&[
        ("==", vec![l(1), l(1)], Value::Bool(true)),
        ("==", vec![i(1), l(1)], Value::Bool(true)),
        ("==", vec![l(1), r(1.0)], Value::Bool(true)),
        ("==", vec![n(), l(1)], Value::Bool(false)),
        ("!=", vec![n(), l(1)], Value::Bool(true)),
        ("==", vec![n(), n()], Value::Null),
        ("!=", vec![n(), n()], Value::Null),
        ("<", vec![n(), l(1)], Value::Null),
        ("<", vec![l(1), l(2)], Value::Bool(true)),
        (
            ">=",
            vec![dt("2020-01-02"), dt("2020-01-01")],
            Value::Bool(true),
        ),
        ("==", vec![s("abc"), s("ABC")], Value::Bool(false)),
        ("=~", vec![s("abc"), s("ABC")], Value::Bool(true)),
        ("!~", vec![s("abc"), s("ABD")], Value::Bool(true)),
        // Project decision: string == number compares the number's decimal text.
        ("==", vec![s("0"), l(0)], Value::Bool(true)),
        ("==", vec![l(0), s("0")], Value::Bool(true)),
        ("==", vec![s("00"), l(0)], Value::Bool(false)),
        ("!=", vec![s("50126"), l(0)], Value::Bool(true)),
        ("==", vec![s(""), s("")], Value::Bool(true)),
        ("==", vec![b(true), b(true)], Value::Bool(true)),
        ("==", vec![dv(vs("x")), s("x")], Value::Bool(true)),
        ("==", vec![r(f64::NAN), r(f64::NAN)], Value::Bool(false)),
        // Mixed pairs Kusto.Language accepts for equality.
        ("==", vec![b(true), l(1)], Value::Bool(true)),
        ("==", vec![b(true), s("True")], Value::Bool(true)),
        (
            "==",
            vec![dt("2023-01-01"), s("2023-01-01T00:00:00Z")],
            Value::Bool(true),
        ),
        ("==", vec![ts("1d"), s("1.00:00:00")], Value::Bool(true)),
        ("!=", vec![r(1.5), s("1.5")], Value::Bool(false)),
        ("<", vec![b(false), b(true)], Value::Bool(true)),
    ]);
}

#[test]
fn three_valued_logic() {
    let n = || null(Type::Bool);
    check(&[
        ("and", vec![b(true), b(true)], Value::Bool(true)),
        ("and", vec![b(false), n()], Value::Bool(false)),
        ("and", vec![n(), b(false)], Value::Bool(false)),
        ("and", vec![b(true), n()], Value::Null),
        ("or", vec![b(true), n()], Value::Bool(true)),
        ("or", vec![n(), b(false)], Value::Null),
        ("or", vec![b(false), b(false)], Value::Bool(false)),
        ("not", vec![b(true)], Value::Bool(false)),
        ("not", vec![n()], Value::Null),
    ]);
}

#[test]
fn string_predicates() {
    let t = Value::Bool(true);
    let f = Value::Bool(false);
    check(&[
        (
            "has",
            vec![s("python-requests/2.31"), s("requests")],
            t.clone(),
        ),
        (
            "has",
            vec![s("KustoExplorerQueryRun"), s("Explorer")],
            f.clone(),
        ),
        (
            "has",
            vec![s("Apache-HttpClient (Java/17)"), s("java/")],
            t.clone(),
        ),
        ("has", vec![s("myjava/1"), s("java/")], f.clone()),
        (
            "has",
            vec![s("Mozilla/5.0 (Windows NT 10.0) MSAL"), s("msal")],
            t.clone(),
        ),
        ("!has", vec![s("abc def"), s("def")], f.clone()),
        ("has_cs", vec![s("abc Def"), s("def")], f.clone()),
        ("has", vec![s(""), s("x")], f.clone()),
        // `has` on dynamic works on the value's JSON text.
        (
            "has",
            vec![dj(r#"["MSAL-Client","Browser"]"#), s("Browser")],
            t.clone(),
        ),
        (
            "has",
            vec![dj(r#"["Unknown-Browser"]"#), s("Browser")],
            t.clone(),
        ),
        (
            "has",
            vec![dj(r#"["Suspicious-Tool","Browser"]"#), s("Suspicious-Tool")],
            t.clone(),
        ),
        ("has", vec![dj(r#"{"Browser":1}"#), s("browser")], t.clone()),
        ("has", vec![dj("[]"), s("Browser")], f.clone()),
        ("has", vec![null(Type::Dynamic), s("Browser")], f.clone()),
        (
            "contains",
            vec![s("KustoExplorer"), s("explorer")],
            t.clone(),
        ),
        (
            "contains_cs",
            vec![s("KustoExplorer"), s("explorer")],
            f.clone(),
        ),
        ("!contains", vec![s("abc"), s("x")], t.clone()),
        (
            "startswith",
            vec![s("Mozilla/5.0"), s("mozilla")],
            t.clone(),
        ),
        (
            "startswith",
            vec![s("High - new IP for this User"), s("High")],
            t.clone(),
        ),
        (
            "startswith_cs",
            vec![s("Mozilla/5.0"), s("mozilla")],
            f.clone(),
        ),
        ("!startswith", vec![s("Low"), s("High")], t.clone()),
        ("endswith", vec![s("file.EXE"), s(".exe")], t.clone()),
        ("endswith_cs", vec![s("file.EXE"), s(".exe")], f.clone()),
        ("hasprefix", vec![s("North America"), s("amer")], t.clone()),
        ("hassuffix", vec![s("North America"), s("rica")], t.clone()),
        ("!hasprefix", vec![s("North America"), s("orth")], t.clone()),
        (
            "matches regex",
            vec![s("Version 10.2"), s(r"\d+\.\d+")],
            t.clone(),
        ),
        ("matches regex", vec![s("abc"), s("B")], f.clone()),
        ("has", vec![l(12345), s("12345")], t.clone()),
    ]);
}

#[test]
fn lists_and_between() {
    let t = Value::Bool(true);
    let f = Value::Bool(false);
    check(&[
        ("in", vec![s("High"), s("High"), s("Medium")], t.clone()),
        ("in", vec![s("high"), s("High"), s("Medium")], f.clone()),
        ("in~", vec![s("high"), s("High"), s("Medium")], t.clone()),
        ("!in", vec![s("Low"), s("High"), s("Medium")], t.clone()),
        ("!in~", vec![s("HIGH"), s("High")], f.clone()),
        ("in", vec![s("b"), dj(r#"["a","b"]"#)], t.clone()),
        ("in", vec![l(2), dj("[1,2,3]")], t.clone()),
        ("in", vec![i(2), l(1), l(2)], t.clone()),
        ("in", vec![s("0"), l(0), l(50126)], t.clone()),
        ("in", vec![null(Type::Long), l(1)], f.clone()),
        ("!in", vec![null(Type::Long), l(1)], t.clone()),
        (
            "has_any",
            vec![s("python-requests/2.31"), s("python"), s("curl")],
            t.clone(),
        ),
        (
            "has_any",
            vec![s("Mozilla/5.0"), s("python"), s("curl")],
            f.clone(),
        ),
        (
            "has_any",
            vec![s("Go-http-client/1.1"), dj(r#"["go-http","java/"]"#)],
            t.clone(),
        ),
        ("has_all", vec![s("a b c"), s("a"), s("c")], t.clone()),
        ("has_all", vec![s("a b c"), s("a"), s("d")], f.clone()),
        ("between", vec![l(5), l(1), l(5)], t.clone()),
        ("between", vec![l(6), l(1), l(5)], f.clone()),
        ("!between", vec![l(6), l(1), l(5)], t.clone()),
        ("between", vec![r(2.5), l(1), l(5)], t.clone()),
        (
            "between",
            vec![dt("2020-01-01 12:00"), dt("2020-01-01"), ts("1d")],
            t.clone(),
        ),
        ("between", vec![null(Type::Long), l(1), l(5)], Value::Null),
    ]);
}

#[test]
fn dynamic_access() {
    let arr = || dj(r#"["a","b","c"]"#);
    check(&[
        ("__index", vec![arr(), l(0)], vs("a")),
        ("__index", vec![arr(), l(-1)], vs("c")),
        ("__index", vec![arr(), l(3)], Value::Null),
        ("__index", vec![dj(r#"{"k":1}"#), s("k")], Value::Long(1)),
        ("__index", vec![dj(r#"{"k":1}"#), s("z")], Value::Null),
        (
            "__member",
            vec![dj(r#"{"a":{"b":true}}"#), s("a")],
            vj(r#"{"b":true}"#),
        ),
        ("__member", vec![null(Type::Dynamic), s("a")], Value::Null),
    ]);
}

#[test]
fn conversions_and_emptiness() {
    check(&[
        ("tostring", vec![null(Type::Long)], vs("")),
        ("tostring", vec![r(1.0)], vs("1")),
        ("tostring", vec![r(0.1)], vs("0.1")),
        (
            "tostring",
            vec![dj(r#"{"a":[1,"x"]}"#)],
            vs(r#"{"a":[1,"x"]}"#),
        ),
        ("tostring", vec![dv(vs("plain"))], vs("plain")),
        (
            "tostring",
            vec![ts("1.02:03:04.5")],
            vs("1.02:03:04.5000000"),
        ),
        ("tostring", vec![b(true)], vs("true")),
        ("toint", vec![s("123")], Value::Int(123)),
        ("toint", vec![r(2.9)], Value::Int(2)),
        ("toint", vec![s("abc")], Value::Null),
        ("toint", vec![b(true)], Value::Int(1)),
        ("tolong", vec![s(" 42 ")], Value::Long(42)),
        ("tolong", vec![s("not a number")], Value::Null),
        // ★ todouble(long null) is real null.
        ("todouble", vec![null(Type::Long)], Value::Null),
        ("todouble", vec![l(3)], Value::Real(3.0)),
        ("toreal", vec![s("1e3")], Value::Real(1000.0)),
        ("todouble", vec![s("NaN")], Value::Real(f64::NAN)),
        ("tobool", vec![s("TRUE")], Value::Bool(true)),
        ("tobool", vec![l(0)], Value::Bool(false)),
        ("tobool", vec![s("yes")], Value::Null),
        (
            "todatetime",
            vec![s("2015-12-31 23:59:59.9")],
            vdt("2015-12-31T23:59:59.9Z"),
        ),
        ("todatetime", vec![s("garbage")], Value::Null),
        ("totimespan", vec![s("1.00:00:00")], vts("1d")),
        ("totimespan", vec![s("1:30:00")], vts("90m")),
        (
            "toguid",
            vec![s("74BE27DE-1E4E-49D9-B579-FE0B331D3642")],
            Value::Guid(crate::value::Guid::new(0x74be27de1e4e49d9b579fe0b331d3642)),
        ),
        ("parse_json", vec![s(r#"{"a":1}"#)], vj(r#"{"a":1}"#)),
        ("parse_json", vec![s("not json")], vs("not json")),
        ("parse_json", vec![s("")], Value::Null),
        ("todynamic", vec![dj("[1]")], vj("[1]")),
        ("gettype", vec![s("a")], vs("string")),
        ("gettype", vec![l(111)], vs("long")),
        ("gettype", vec![dj("1")], vs("int")),
        ("gettype", vec![dj(r#"{"abc":1}"#)], vs("dictionary")),
        ("gettype", vec![dj("[1,2]")], vs("array")),
        ("gettype", vec![r(123.45)], vs("real")),
        ("gettype", vec![null(Type::Dynamic)], vs("null")),
        // ★ isnotempty on a null long is false, on 0 true; strings are never null.
        ("isnotempty", vec![null(Type::Long)], Value::Bool(false)),
        ("isnotempty", vec![l(0)], Value::Bool(true)),
        ("isempty", vec![s("")], Value::Bool(true)),
        // Docs: isempty(parse_json("[]")) and isempty(parse_json("{}")) are false.
        ("isempty", vec![dj("[]")], Value::Bool(false)),
        ("isempty", vec![dj("{}")], Value::Bool(false)),
        ("isempty", vec![null(Type::Long)], Value::Bool(true)),
        ("isnull", vec![s("")], Value::Bool(false)),
        ("isnull", vec![null(Type::Long)], Value::Bool(true)),
        ("isnotnull", vec![null(Type::DateTime)], Value::Bool(false)),
    ]);
}

#[test]
fn conditionals() {
    check(&[
        ("iff", vec![b(true), s("a"), s("b")], vs("a")),
        ("iff", vec![null(Type::Bool), s("a"), s("b")], vs("b")),
        ("iif", vec![b(false), l(1), r(2.5)], Value::Real(2.5)),
        ("iff", vec![b(true), l(1), r(2.5)], Value::Real(1.0)),
        (
            "case",
            vec![b(false), s("x"), null(Type::Bool), s("y"), s("else")],
            vs("else"),
        ),
        (
            "case",
            vec![b(false), s("x"), b(true), s("y"), s("else")],
            vs("y"),
        ),
        ("case", vec![b(true), b(true), b(false)], Value::Bool(true)),
        // ★ coalesce(todouble(null), 0.0) is 0.0; strings: first non-empty.
        ("coalesce", vec![null(Type::Real), r(0.0)], Value::Real(0.0)),
        ("coalesce", vec![s(""), s("b")], vs("b")),
        (
            "coalesce",
            vec![null(Type::Long), l(42), l(33)],
            Value::Long(42),
        ),
        (
            "coalesce",
            vec![null(Type::Long), null(Type::Long)],
            Value::Null,
        ),
    ]);
}

#[test]
fn strings() {
    check(&[
        (
            "strcat",
            vec![s("a"), l(1), null(Type::Long), b(true)],
            vs("a1true"),
        ),
        ("strcat_delim", vec![s("-"), s("a"), l(2)], vs("a-2")),
        ("strcat_array", vec![dj("[1,2,3]"), s("\"")], vs("1\"2\"3")),
        ("split", vec![s("a,,b"), s(",")], vj(r#"["a","","b"]"#)),
        ("split", vec![s("aa_bb"), s("_"), l(1)], vj(r#"["bb"]"#)),
        ("split", vec![s("aa_bb"), s("_"), l(5)], vj("[]")),
        ("tolower", vec![s("AbC")], vs("abc")),
        ("toupper", vec![s("AbC")], vs("ABC")),
        ("trim", vec![s(r"[^\w]+"), s("-  Te st1// $")], vs("Te st1")),
        (
            "trim",
            vec![s(r"\s+"), s("    Hello, world!    ")],
            vs("Hello, world!"),
        ),
        (
            "trim_start",
            vec![s("https://"), s("https://bing.com")],
            vs("bing.com"),
        ),
        ("trim_end", vec![s(".com"), s("bing.com")], vs("bing")),
        ("substring", vec![s("123456"), l(1)], vs("23456")),
        ("substring", vec![s("123456"), l(2), l(2)], vs("34")),
        ("substring", vec![s("ABCD"), l(0), l(2)], vs("AB")),
        ("substring", vec![s("123456"), l(-2), l(2)], vs("56")),
        ("substring", vec![s("ABCD"), l(10)], vs("")),
        ("strlen", vec![s("⒦⒰⒮⒯⒪")], Value::Long(5)),
        ("indexof", vec![s("abcdefg"), s("cde")], Value::Long(2)),
        (
            "indexof",
            vec![s("abcdefg"), s("cde"), l(1), l(2)],
            Value::Long(2),
        ),
        (
            "indexof",
            vec![s("abcdefg"), s("cde"), l(3), l(4)],
            Value::Long(-1),
        ),
        (
            "indexof",
            vec![s("abcdefg"), s("cde"), l(-5)],
            Value::Long(2),
        ),
        (
            "indexof",
            vec![l(1234567), l(5), l(1), l(4)],
            Value::Long(4),
        ),
        (
            "indexof",
            vec![s("abcdefgabcdefg"), s("cde"), l(1), l(10), l(2)],
            Value::Long(9),
        ),
        (
            "indexof",
            vec![s("abcdefgabcdefg"), s("cde"), l(1), l(-1), l(3)],
            Value::Long(-1),
        ),
        (
            "replace_string",
            vec![s("a.b.c"), s("."), s("-")],
            vs("a-b-c"),
        ),
        // ★ RE2 rewrite: \1 is a capture reference, $1 is literal.
        (
            "replace_regex",
            vec![s("Number is 1"), s(r"is (\d+)"), s(r"was: \1")],
            vs("Number was: 1"),
        ),
        ("replace_regex", vec![s("ab"), s("(a)"), s("$1")], vs("$1b")),
        (
            "replace_regex",
            vec![
                s("Mozilla 10.0.1.2 x 1.2.3.4"),
                s(r"\d+\.\d+\.\d+\.\d+"),
                s("x.x.x.x"),
            ],
            vs("Mozilla x.x.x.x x x.x.x.x"),
        ),
        // The deprecated replace(regex, rewrite, source), Kusto.Language's order.
        (
            "replace",
            vec![s("a"), s(r"<\0>"), s("aaa")],
            vs("<a><a><a>"),
        ),
        (
            "extract",
            vec![s(r"x=(\d+)"), l(1), s("a x=42 b")],
            vs("42"),
        ),
        ("extract", vec![s(r"x=(\d+)"), l(1), s("none")], vs("")),
        ("extract", vec![s(r"x=(\d+)"), l(0), s("x=7")], vs("x=7")),
        (
            "extract",
            vec![s(r"x=(\d+)"), l(1), s("x=7"), s("long")],
            Value::Long(7),
        ),
        (
            "extract_all",
            vec![s(r"(\d+)"), s("a set of numbers: 123, 567 and 789")],
            vj(r#"["123","567","789"]"#),
        ),
        (
            "extract_all",
            vec![s(r"(\w)(\d)"), s("a1 b2")],
            vj(r#"[["a","1"],["b","2"]]"#),
        ),
        ("countof", vec![s("aaa"), s("aa")], Value::Long(2)),
        (
            "countof",
            vec![s("aaa"), s("a+"), s("regex")],
            Value::Long(1),
        ),
        ("reverse", vec![l(12345)], vs("54321")),
        (
            "reverse",
            vec![dt("2017-10-15 12:00")],
            vs("Z0000000.00:00:21T51-01-7102"),
        ),
        ("reverse", vec![ts("3h")], vs("00:00:30")),
        ("isascii", vec![s("some string")], Value::Bool(true)),
        ("base64_encode_tostring", vec![s("Kusto")], vs("S3VzdG8=")),
        (
            "parse_command_line",
            vec![s("echo \"hello world!\""), s("windows")],
            vj(r#"["echo","hello world!"]"#),
        ),
        (
            "parse_command_line",
            vec![s(r#"a\\\"b c\\d "e f"\\\\"#), s("windows")],
            vj(r#"["a\\\"b","c\\\\d","e f\\\\\\\\"]"#),
        ),
        (
            "hash_md5",
            vec![dt("2020-01-01")],
            vs("786c530672d1f8db31fee25ea8a9390b"),
        ),
        (
            "hash_sha1",
            vec![s("World")],
            vs("70c07ec18ef89c5309bbb0937f3a6342411e1fdd"),
        ),
        (
            "base64_decode_toarray",
            vec![s("S3VzdG8=")],
            vj("[75,117,115,116,111]"),
        ),
        ("base64_decode_toarray", vec![s("S3VzdG8")], vj("[]")),
        (
            "base64_encode_fromarray",
            vec![dj("[75,117,115,116,111]")],
            vs("S3VzdG8="),
        ),
        ("base64_decode_tostring", vec![s("S3VzdG8=")], vs("Kusto")),
        (
            "url_encode",
            vec![s("https://www.bing.com/hello world")],
            vs("https%3a%2f%2fwww.bing.com%2fhello+world"),
        ),
        (
            "url_decode",
            vec![s("https%3a%2f%2fwww.bing.com%2fhello+world")],
            vs("https://www.bing.com/hello world"),
        ),
    ]);
}

#[test]
fn datetimes() {
    check(&[
        ("ago", vec![ts("1h")], Value::DateTime(NOW - TICKS_PER_HOUR)),
        ("now", vec![], Value::DateTime(NOW)),
        ("bin", vec![r(4.5), l(1)], Value::Real(4.0)),
        ("bin", vec![ts("16d"), ts("7d")], vts("14d")),
        (
            "bin",
            vec![dt("1970-05-11 13:45:07"), ts("1d")],
            vdt("1970-05-11"),
        ),
        ("floor", vec![l(17), l(5)], Value::Long(15)),
        ("bin", vec![l(17), l(0)], Value::Null),
        (
            "bin_at",
            vec![ts("1h"), ts("1d"), ts("12h")],
            vts("-12:00:00"),
        ),
        (
            "bin_at",
            vec![
                dt("2017-05-15 10:20:00"),
                ts("1d"),
                dt("1970-01-01 12:00:00"),
            ],
            vdt("2017-05-14 12:00:00"),
        ),
        (
            "datetime_add",
            vec![s("month"), l(-15), dt("2017-01-01")],
            vdt("2015-10-01"),
        ),
        (
            "datetime_diff",
            vec![s("day"), dt("2017-10-30"), dt("2017-09-30")],
            Value::Long(30),
        ),
        (
            "datetime_part",
            vec![s("week_of_year"), dt("2017-10-30")],
            Value::Long(44),
        ),
        (
            "startofday",
            vec![dt("2017-01-01 10:10:17")],
            vdt("2017-01-01"),
        ),
        (
            "startofmonth",
            vec![dt("2017-01-15 10:10:17"), l(1)],
            vdt("2017-02-01"),
        ),
        (
            "endofmonth",
            vec![dt("2017-01-01 10:10:17"), l(-1)],
            vdt("2016-12-31 23:59:59.9999999"),
        ),
        (
            "endofweek",
            vec![dt("2017-01-01 10:10:17"), l(1)],
            vdt("2017-01-14 23:59:59.9999999"),
        ),
        ("startofyear", vec![dt("2017-06-01")], vdt("2017-01-01")),
        ("dayofweek", vec![dt("1970-05-12")], vts("2d")),
        ("hourofday", vec![dt("2015-12-14 18:54")], Value::Long(18)),
        (
            "format_datetime",
            vec![dt("2017-01-29 09:00:05"), s("yy-MM-dd [HH:mm:ss]")],
            vs("17-01-29 [09:00:05]"),
        ),
        (
            "format_timespan",
            vec![ts("29.09:00:05.12345"), s("dd.hh:mm:ss:FF")],
            vs("29.09:00:05:12"),
        ),
        (
            "unixtime_seconds_todatetime",
            vec![l(1546300800)],
            vdt("2019-01-01"),
        ),
        (
            "unixtime_milliseconds_todatetime",
            vec![l(1546300800123)],
            vdt("2019-01-01 00:00:00.123"),
        ),
        (
            "make_datetime",
            vec![l(2017), l(10), l(1), l(12), l(10)],
            vdt("2017-10-01 12:10"),
        ),
        ("make_datetime", vec![l(2017), l(13), l(1)], Value::Null),
        ("make_timespan", vec![l(1), l(30)], vts("01:30:00")),
    ]);
}

#[test]
fn dynamics() {
    check(&[
        ("array_length", vec![dj("[1,2,3]")], Value::Long(3)),
        ("array_length", vec![dj(r#"{"a":1}"#)], Value::Null),
        ("array_length", vec![dv(vs("abc"))], Value::Null),
        ("array_length", vec![dj("[]")], Value::Long(0)),
        ("pack_array", vec![l(1), s("a")], vj(r#"[1,"a"]"#)),
        (
            "bag_pack",
            vec![s("a"), l(1), s("b"), s("x")],
            vj(r#"{"a":1,"b":"x"}"#),
        ),
        ("pack", vec![s("a"), l(1)], vj(r#"{"a":1}"#)),
        ("bag_keys", vec![dj(r#"{"a":1,"b":2}"#)], vj(r#"["a","b"]"#)),
        (
            "bag_merge",
            vec![dj(r#"{"a":1}"#), dj(r#"{"a":2,"b":3}"#)],
            vj(r#"{"a":1,"b":3}"#),
        ),
        (
            "bag_remove_keys",
            vec![dj(r#"{"a":1,"b":2}"#), dj(r#"["a"]"#)],
            vj(r#"{"b":2}"#),
        ),
        (
            "bag_has_key",
            vec![dj(r#"{"key1":123,"key2":"abc"}"#), s("key2")],
            Value::Bool(true),
        ),
        ("array_concat", vec![dj("[1,2]"), dj("[3]")], vj("[1,2,3]")),
        (
            "array_slice",
            vec![dj("[1,2,3,4,5]"), l(2), l(-1)],
            vj("[3,4,5]"),
        ),
        (
            "array_slice",
            vec![dj("[1,2,3,4,5]"), l(1), l(2)],
            vj("[2,3]"),
        ),
        (
            "array_sort_asc",
            vec![dj(r#"[null,"blue","yellow","green",null]"#), b(false)],
            vj(r#"[null,null,"blue","green","yellow"]"#),
        ),
        (
            "array_sort_desc",
            vec![dj(r#"[null,"blue","yellow","green",null]"#)],
            vj(r#"["yellow","green","blue",null,null]"#),
        ),
        ("array_sort_asc", vec![dj("[3,1,2]")], vj("[1,2,3]")),
        (
            "array_index_of",
            vec![dj(r#"["a","b"]"#), s("b")],
            Value::Long(1),
        ),
        (
            "array_index_of",
            vec![dj(r#"["a","b"]"#), s("z")],
            Value::Long(-1),
        ),
        ("array_reverse", vec![dj("[1,2,3]")], vj("[3,2,1]")),
        (
            "set_has_element",
            vec![dj(r#"["a","b"]"#), s("b")],
            Value::Bool(true),
        ),
        ("set_union", vec![dj("[1,2]"), dj("[2,3]")], vj("[1,2,3]")),
        (
            "set_intersect",
            vec![dj("[1,2,3]"), dj("[2,3,4]")],
            vj("[2,3]"),
        ),
        (
            "set_difference",
            vec![dj("[1,2,3]"), dj("[2]")],
            vj("[1,3]"),
        ),
        (
            "array_rotate_left",
            vec![dj("[1,2,3,4,5]"), l(-2)],
            vj("[4,5,1,2,3]"),
        ),
        (
            "array_rotate_right",
            vec![dj("[1,2,3,4,5]"), l(2)],
            vj("[4,5,1,2,3]"),
        ),
        (
            "array_shift_left",
            vec![dj("[1,2,3,4,5]"), l(2)],
            vj("[3,4,5,null,null]"),
        ),
        (
            "array_shift_right",
            vec![dj("[1,2,3,4,5]"), l(-2), l(-1)],
            vj("[3,4,5,-1,-1]"),
        ),
        (
            "array_split",
            vec![dj("[1,2,3,4,5]"), l(2)],
            vj("[[1,2],[3,4,5]]"),
        ),
        ("array_sum", vec![dj("[1,2,3,4]")], Value::Real(10.0)),
        (
            "zip",
            vec![dj("[1,2]"), dj(r#"["a"]"#)],
            vj(r#"[[1,"a"],[2,null]]"#),
        ),
        ("range", vec![l(1), l(7), l(3)], vj("[1,4,7]")),
        (
            "array_iff",
            vec![dj("[true,false,true]"), dj("[1,2,3]"), dj("[4,5,6]")],
            vj("[1,5,3]"),
        ),
        (
            "extract_json",
            vec![s("$.name"), s(r#"{"name":"John","age":30}"#), s("string")],
            vs("John"),
        ),
        (
            "extract_json",
            vec![s("$.age"), s(r#"{"name":"John","age":30}"#), s("long")],
            Value::Long(30),
        ),
        (
            "extract_json",
            vec![s("$.a[1]"), s(r#"{"a":[1,2]}"#)],
            vs("2"),
        ),
        (
            "bag_zip",
            vec![dj(r#"["a",8,"b"]"#), dj("[1]")],
            vj(r#"{"a":1,"b":null}"#),
        ),
        (
            "bag_zip",
            vec![dj(r#"["a",8,"b"]"#), dj("1")],
            vj(r#"{"a":null,"b":null}"#),
        ),
        ("bag_zip", vec![dj(r#""a""#), dj("[1]")], Value::Null),
        (
            "bag_set_key",
            vec![dj(r#"{"a":1}"#), s("$.b.c"), l(2)],
            vj(r#"{"a":1,"b":{"c":2}}"#),
        ),
        (
            "jaccard_index",
            vec![dj("[1,2,3]"), dj("[2,3,4]")],
            Value::Real(0.5),
        ),
    ]);
}

#[test]
fn math() {
    check(&[
        ("abs", vec![l(-5)], Value::Long(5)),
        ("round", vec![r(2.98765), l(3)], Value::Real(2.988)),
        ("round", vec![r(-50.55), l(-2)], Value::Real(-100.0)),
        // round-function.md's examples; a large scaled value is not halfway.
        ("round", vec![r(2.15), l(1)], Value::Real(2.2)),
        ("round", vec![r(2.15)], Value::Real(2.0)),
        ("round", vec![r(21.5), l(-1)], Value::Real(20.0)),
        ("round", vec![r(1.0), l(15)], Value::Real(1.0)),
        (
            "round",
            vec![r(0.9237604307034012), l(14)],
            Value::Real(0.9237604307034),
        ),
        ("ceiling", vec![r(1.1)], Value::Real(2.0)),
        ("exp", vec![l(0)], Value::Real(1.0)),
        ("log10", vec![l(100)], Value::Real(2.0)),
        ("pow", vec![l(2), l(3)], Value::Real(8.0)),
        ("sqrt", vec![l(4)], Value::Real(2.0)),
        ("sign", vec![l(-3)], Value::Real(-1.0)),
        ("isnan", vec![r(f64::NAN)], Value::Bool(true)),
        ("isinf", vec![r(f64::NEG_INFINITY)], Value::Bool(true)),
        ("isfinite", vec![r(1.0)], Value::Bool(true)),
        ("min_of", vec![l(10), l(1), l(5)], Value::Long(1)),
        (
            "max_of",
            vec![l(10), null(Type::Long), l(5)],
            Value::Long(10),
        ),
        ("tohex", vec![l(256)], vs("100")),
        ("tohex", vec![l(-546)], vs("fffffffffffffdde")),
        ("binary_and", vec![l(6), l(3)], Value::Long(2)),
        (
            "around",
            vec![dt("2021-01-01 01:31"), dt("2021-01-01 01:30"), ts("1m")],
            Value::Bool(true),
        ),
        (
            "around",
            vec![dt("2021-01-01 01:32"), dt("2021-01-01 01:30"), ts("1m")],
            Value::Bool(false),
        ),
        ("around", vec![r(1.5), l(2), r(0.5)], Value::Bool(true)),
        ("hash", vec![s("World")], Value::Long(1846988464401551951)),
        ("hash", vec![s("World"), l(100)], Value::Long(51)),
        (
            "hash_xxhash64",
            vec![s("Hello")],
            Value::Long(753694413698530628),
        ),
    ]);
    let (_, v) = call_with("rand", &[], false);
    assert!(matches!(v, Value::Real(f) if (0.0..1.0).contains(&f)));
    let (ty, v) = call_with("new_guid", &[], false);
    assert_eq!(ty, Type::Guid);
    assert!(matches!(v, Value::Guid(_)));
}

#[test]
fn networks() {
    check(&[
        ("ipv4_is_private", vec![s("10.1.2.3")], Value::Bool(true)),
        (
            "ipv4_is_private",
            vec![s("192.168.1.1/24")],
            Value::Bool(true),
        ),
        ("ipv4_is_private", vec![s("127.0.0.1")], Value::Bool(false)),
        ("ipv4_is_private", vec![s("not an ip")], Value::Null),
        ("parse_ipv4", vec![s("127.0.0.1")], Value::Long(2130706433)),
        (
            "ipv4_is_in_range",
            vec![s("192.168.1.6"), s("192.168.1.1/24")],
            Value::Bool(true),
        ),
        (
            "ipv4_is_in_range",
            vec![s("192.168.2.6"), s("192.168.1.1/24")],
            Value::Bool(false),
        ),
        (
            "ipv4_is_in_any_range",
            vec![s("127.0.0.1"), dj(r#"["127.0.0.1","192.168.1.1"]"#)],
            Value::Bool(true),
        ),
        (
            "ipv4_compare",
            vec![s("192.168.1.1/24"), s("192.168.1.255")],
            Value::Long(0),
        ),
        (
            "ipv4_netmask_suffix",
            vec![s("192.168.1.1/24")],
            Value::Long(24),
        ),
        (
            "format_ipv4",
            vec![s("192.168.1.1"), l(24)],
            vs("192.168.1.0"),
        ),
        (
            "format_ipv4_mask",
            vec![s("192.168.1.1/24"), l(32)],
            vs("192.168.1.0/24"),
        ),
        ("format_ipv4", vec![s("192.168.1.1/24"), l(-1)], vs("")),
        (
            "has_any_ipv4",
            vec![
                s("05:04:54 127.0.0.1 GET /favicon.ico 404"),
                s("127.0.0.1"),
                s("127.0.0.2"),
            ],
            Value::Bool(true),
        ),
        (
            "has_any_ipv4",
            vec![s("05:04:54127.0.0.1 GET"), s("127.0.0.1")],
            Value::Bool(false),
        ),
        (
            "has_any_ipv4_prefix",
            vec![s("05:04:54 127.0.0.1 GET"), dj(r#"["127.0.","192.168."]"#)],
            Value::Bool(true),
        ),
        (
            "has_any_ipv4_prefix",
            vec![s("05:04:54 127.0.0.1 GET"), s("127.0")],
            Value::Bool(false),
        ),
        (
            "parse_ipv6",
            vec![s("192.168.255.255/24")],
            vs("0000:0000:0000:0000:0000:ffff:c0a8:ff00"),
        ),
        (
            "parse_ipv6_mask",
            vec![s("fe80::85d:e82c:9446:7994/120"), l(124)],
            vs("fe80:0000:0000:0000:085d:e82c:9446:7900"),
        ),
        (
            "parse_ipv6_mask",
            vec![s("::192.168.255.255/24"), l(128)],
            vs("0000:0000:0000:0000:0000:0000:c0a8:ff00"),
        ),
        (
            "ipv6_compare",
            vec![
                s("fe80::85d:e82c:9446:7994/120"),
                s("fe80::85d:e82c:9446:7998"),
            ],
            Value::Long(0),
        ),
        (
            "ipv6_compare",
            vec![s("192.168.1.1"), s("::ffff:c0a8:0101")],
            Value::Long(0),
        ),
        (
            "ipv6_is_match",
            vec![
                s("fe80::85d:e82c:9446:7994"),
                s("fe80::85d:e82c:9446:7995"),
                l(127),
            ],
            Value::Bool(true),
        ),
        (
            "ipv6_is_in_range",
            vec![
                s("a5e:f127:8a9d:146d:e102:b5d3:c755:abcd"),
                s("a5e:f127:8a9d:146d:e102:b5d3:c755:0000/112"),
            ],
            Value::Bool(true),
        ),
        (
            "ipv6_is_in_range",
            vec![
                s("a5e:f127:8a9d:146d:e102:b5d3:c755:abcd"),
                s("0:0:0:0:0:ffff:c0a8:ac/60"),
            ],
            Value::Bool(false),
        ),
        (
            "ipv6_compare",
            vec![s("::192.168.1.1/30"), s("192.168.1.255/24")],
            Value::Long(0),
        ),
        (
            "ipv6_is_match",
            vec![s("::ffff:c0a8:0101"), s("192.168.1.255"), l(120)],
            Value::Bool(true),
        ),
        ("format_bytes", vec![l(564)], vs("564 Bytes")),
        ("format_bytes", vec![l(10332), l(1)], vs("10.1 KB")),
        ("format_bytes", vec![l(20010332)], vs("19 MB")),
        ("format_bytes", vec![l(20010332), l(2)], vs("19.08 MB")),
        (
            "format_bytes",
            vec![l(20010332), l(0), s("KB")],
            vs("19541 KB"),
        ),
        (
            "parse_urlquery",
            vec![s("k1=v1&k2=v2")],
            vj(r#"{"Query Parameters":{"k1":"v1","k2":"v2"}}"#),
        ),
    ]);
}

// ---------------------------------------------------------------------------------
// Aggregates

fn run_agg(
    name: &str,
    tys: &[Type],
    consts: &[Option<Value>],
    rows: &[Vec<Value>],
) -> (Vec<Type>, Vec<Value>) {
    let infos: Vec<ArgInfo> = tys
        .iter()
        .zip(consts.iter())
        .map(|(t, c)| ArgInfo {
            ty: *t,
            constant: c.as_ref(),
        })
        .collect();
    let bound = bind_aggregate(name, &infos).unwrap_or_else(|e| panic!("{name}: {e:?}"));
    let mut st = bound.imp.init();
    for r in rows {
        st.update(r);
    }
    (bound.outputs, st.finish())
}

fn col(vals: &[Value]) -> Vec<Vec<Value>> {
    vals.iter().map(|v| vec![v.clone()]).collect()
}

#[test]
fn aggregates() {
    let strs = col(&[vs("b"), vs(""), vs("a"), vs("b"), vs("")]);
    let longs = col(&[Value::Long(3), Value::Null, Value::Long(1), Value::Long(2)]);
    let lt = &[Type::Long][..];
    let none = &[None][..];
    struct Row<'a>(
        &'a str,
        &'a [Type],
        &'a [Option<Value>],
        Vec<Vec<Value>>,
        Vec<Value>,
    );
    let max2 = [None, Some(Value::Long(2))];
    let cases = vec![
        Row("count", &[], &[], longs.clone(), vec![Value::Long(4)]),
        Row("count", &[], &[], vec![], vec![Value::Long(0)]),
        Row(
            "countif",
            &[Type::Bool],
            none,
            col(&[
                Value::Bool(true),
                Value::Null,
                Value::Bool(false),
                Value::Bool(true),
            ]),
            vec![Value::Long(2)],
        ),
        Row("dcount", lt, none, longs.clone(), vec![Value::Long(3)]),
        Row("sum", lt, none, longs.clone(), vec![Value::Long(6)]),
        Row("sum", lt, none, vec![], vec![Value::Long(0)]),
        Row(
            "sum",
            &[Type::Real],
            none,
            col(&[Value::Real(0.5), Value::Real(1.0)]),
            vec![Value::Real(1.5)],
        ),
        Row("avg", lt, none, longs.clone(), vec![Value::Real(2.0)]),
        Row("min", lt, none, longs.clone(), vec![Value::Long(1)]),
        Row("max", lt, none, longs.clone(), vec![Value::Long(3)]),
        Row("max", lt, none, vec![], vec![Value::Null]),
        Row(
            "max",
            &[Type::DateTime],
            none,
            col(&[vdt("2020-01-01"), vdt("2021-01-01")]),
            vec![vdt("2021-01-01")],
        ),
        // ★ make_set ignores nulls, keeps "", keeps first-seen order, honours its size.
        Row(
            "make_set",
            &[Type::String],
            none,
            strs.clone(),
            vec![vj(r#"["b","","a"]"#)],
        ),
        Row(
            "make_set",
            &[Type::String, Type::Long],
            &max2,
            strs.clone(),
            vec![vj(r#"["b",""]"#)],
        ),
        Row("make_set", lt, none, longs.clone(), vec![vj("[3,1,2]")]),
        Row("make_set", lt, none, vec![], vec![vj("[]")]),
        Row("make_list", lt, none, longs.clone(), vec![vj("[3,1,2]")]),
        Row(
            "make_list_with_nulls",
            lt,
            none,
            longs.clone(),
            vec![vj("[3,null,1,2]")],
        ),
        Row(
            "make_list",
            &[Type::Dynamic],
            none,
            col(&[vj("[1,2]"), vj("[3]")]),
            vec![vj("[1,2,3]")],
        ),
        Row(
            "make_bag",
            &[Type::Dynamic],
            none,
            col(&[vj(r#"{"a":1}"#), vj(r#"{"b":2}"#)]),
            vec![vj(r#"{"a":1,"b":2}"#)],
        ),
        // ★ any prefers a non-null, non-empty value.
        Row(
            "any",
            &[Type::String],
            none,
            strs[1..].to_vec(),
            vec![vs("a")],
        ),
        Row(
            "take_any",
            lt,
            none,
            longs[1..].to_vec(),
            vec![Value::Long(1)],
        ),
        Row(
            "stdev",
            lt,
            none,
            col(&[1, 2, 3, 4, 5].map(Value::Long)),
            vec![Value::Real(1.5811388300841898)],
        ),
        Row(
            "stdevp",
            lt,
            none,
            col(&[1, 2, 3, 4, 5].map(Value::Long)),
            vec![Value::Real(std::f64::consts::SQRT_2)],
        ),
        Row("variance", lt, none, vec![], vec![Value::Real(0.0)]),
        Row(
            "covariance",
            &[Type::Real, Type::Real],
            &[None, None],
            [
                (1.0, 14.0),
                (2.0, 10.0),
                (3.0, 17.0),
                (4.0, 20.0),
                (5.0, 50.0),
            ]
            .iter()
            .map(|(x, y)| vec![Value::Real(*x), Value::Real(*y)])
            .collect(),
            vec![Value::Real(20.5)],
        ),
        Row(
            "binary_all_xor",
            lt,
            none,
            col(&[0x44404440, 0x1E1E1E1E, 0x90ABBA09, 0x000B105A].map(Value::Long)),
            vec![Value::Long(0xCAFEF00D)],
        ),
    ];
    for Row(name, tys, consts, rows, want) in cases {
        let (_, got) = run_agg(name, tys, consts, &rows);
        let ok = got.len() == want.len() && got.iter().zip(&want).all(|(g, w)| same(g, w));
        assert!(
            ok,
            "{name}{tys:?} over {} rows = {got:?}, want {want:?}",
            rows.len()
        );
    }
    // avg over no rows is NaN (conformance: summarize over an empty datatable).
    let (_, got) = run_agg("avg", lt, none, &[]);
    assert!(matches!(got[..], [Value::Real(f)] if f.is_nan()));
}

#[test]
fn arg_max_returns_the_row() {
    let tys = [Type::Long, Type::String, Type::Long];
    let consts = [None, None, None];
    let rows = vec![
        vec![Value::Long(1), vs("a"), Value::Long(10)],
        vec![Value::Null, vs("n"), Value::Long(0)],
        vec![Value::Long(3), vs("c"), Value::Long(30)],
        vec![Value::Long(3), vs("d"), Value::Long(40)],
    ];
    let (outs, got) = run_agg("arg_max", &tys, &consts, &rows);
    assert_eq!(outs, tys.to_vec());
    assert!(same(&got[1], &vs("c")), "{got:?}");
    let (_, got) = run_agg("arg_min", &tys, &consts, &rows);
    assert!(same(&got[1], &vs("a")), "{got:?}");
    let (_, got) = run_agg("arg_max", &tys, &consts, &[]);
    assert_eq!(got.len(), 3);
    assert!(same(&got[1], &vs("")));
    assert!(is_aggregate("make_set") && !is_aggregate("strcat"));
    let infos = [ArgInfo {
        ty: Type::Long,
        constant: None,
    }];
    assert!(matches!(
        bind_aggregate("make_set_with_nulls", &infos),
        Err(FnError::Unsupported)
    ));
    // percentile needs its percentile.
    assert!(bind_aggregate("percentile", &infos).is_err());
    assert!(bind_aggregate("strlen", &infos).is_err());
}

#[test]
fn bag_literals_keep_order() {
    let mut bag = Bag::default();
    bag.insert(Arc::from("z"), Value::Long(1));
    bag.insert(Arc::from("a"), Value::Long(2));
    let (_, v) = call_with("bag_keys", &[dv(Value::bag(bag))], false);
    assert!(same(&v, &vj(r#"["z","a"]"#)));
}

/// No function may panic, whatever it is given: every implemented name is bound with
/// many argument lists (types and constants from a pool of awkward values) and, when
/// binding succeeds, called with them.
#[test]
fn no_function_panics_on_awkward_input() {
    let pool: Vec<(Type, Value)> = vec![
        null(Type::Long),
        null(Type::Dynamic),
        null(Type::DateTime),
        s(""),
        s("é-ü/ x.y:1\\\"z"),
        s("[("),
        s("192.168.1.1/33"),
        s("$.a['b'][0]"),
        l(i64::MIN),
        l(-1),
        l(0),
        l(3),
        l(i64::MAX),
        i(i32::MIN),
        r(f64::NAN),
        r(-0.5),
        r(1e300),
        b(true),
        dt("0001-01-01"),
        dt("9999-12-31 23:59:59.9999999"),
        ts("-1.00:00:00"),
        (Type::TimeSpan, Value::TimeSpan(i64::MIN)),
        dj(r#"[1,"a",null,{"k":[2]}]"#),
        dj(r#"{"a":{"b":1}}"#),
        dj("[]"),
        dv(vs("plain")),
        (Type::Guid, Value::Guid(u128::MAX.into())),
    ];
    // Every family, so that a new one is covered as soon as it is registered.
    let names: Vec<&str> = FAMILIES
        .iter()
        .flat_map(|f| f.names.iter().copied())
        .collect();
    let ctx = EvalCtx::with_seed(NOW, 7);
    // A deterministic walk over argument lists: every single value, then pairs and
    // triples drawn with a fixed stride.
    let mut lists: Vec<Vec<usize>> = vec![vec![]];
    for x in 0..pool.len() {
        lists.push(vec![x]);
        for y in 0..pool.len() {
            if (x * 7 + y) % 3 == 0 {
                lists.push(vec![x, y]);
            }
            if (x + y) % 5 == 0 {
                lists.push(vec![x, y, (x * 3 + y) % pool.len()]);
                lists.push(vec![y, x, (x + 2 * y) % pool.len(), x]);
            }
        }
    }
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut failures = std::collections::BTreeSet::new();
    for name in names {
        for list in &lists {
            for constant in [true, false] {
                let infos: Vec<ArgInfo> = list
                    .iter()
                    .map(|&k| ArgInfo {
                        ty: pool[k].0,
                        constant: constant.then_some(&pool[k].1),
                    })
                    .collect();
                let values: Vec<Value> = list.iter().map(|&k| pool[k].1.clone()).collect();
                let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    if let Ok(bound) = bind_scalar(name, &infos) {
                        let _ = bound.imp.call(&values, &ctx);
                    }
                }));
                if run.is_err() {
                    failures.insert(format!("{name}{values:?}"));
                }
            }
        }
    }
    std::panic::set_hook(hook);
    let shown: Vec<_> = failures.iter().take(40).collect();
    assert!(
        failures.is_empty(),
        "{} panics:\n{shown:#?}",
        failures.len()
    );
    for name in super::aggregate::NAMES {
        for list in lists.iter().take(400) {
            let infos: Vec<ArgInfo> = list
                .iter()
                .map(|&k| ArgInfo {
                    ty: pool[k].0,
                    constant: Some(&pool[k].1),
                })
                .collect();
            if let Ok(bound) = bind_aggregate(name, &infos) {
                let mut st = bound.imp.init();
                let values: Vec<Value> = list.iter().map(|&k| pool[k].1.clone()).collect();
                st.update(&values);
                st.update(&values);
                assert_eq!(st.finish().len(), bound.outputs.len(), "{name}");
            }
        }
    }
}

/// Throughput of the hot paths of the seed, in rows per second. Not a correctness test:
/// run it with `cargo test --release --lib functions::tests::perf -- --ignored --nocapture`.
#[test]
#[ignore = "timing, run by hand in release mode"]
fn perf_seed_hot_paths() {
    use std::time::Instant;
    let agents = [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
        "python-requests/2.31.0",
        "MSAL.Desktop/4.56.0.0 (Windows 10.0.19045)",
        "Dalvik/2.1.0 (Linux; U; Android 13; SM-G991B Build/TP1A.220624.014)",
        "Go-http-client/1.1",
    ];
    let n = 200_000;
    let rows: Vec<Value> = (0..n)
        .map(|k| vs(&format!("{} {k}", agents[k % agents.len()])))
        .collect();
    let ctx = EvalCtx::new(NOW);
    let time = |label: &str, name: &str, extra: Vec<Value>| {
        let mut infos = vec![ArgInfo {
            ty: Type::String,
            constant: None,
        }];
        for v in &extra {
            infos.push(ArgInfo {
                ty: v.scalar_type().unwrap_or(Type::Dynamic),
                constant: Some(v),
            });
        }
        let bound = bind_scalar(name, &infos).unwrap();
        let mut args = vec![Value::Null];
        args.extend(extra.iter().cloned());
        let start = Instant::now();
        let mut hits = 0usize;
        for r in &rows {
            args[0] = r.clone();
            if bound.imp.call(&args, &ctx).is_true() {
                hits += 1;
            }
        }
        let secs = start.elapsed().as_secs_f64();
        println!("{label:<40} {:>12.0} rows/s ({hits} true)", n as f64 / secs);
    };
    time("has \"MSAL\"", "has", vec![vs("MSAL")]);
    time(
        "has \"Windows-AzureAD-...-Provider\"",
        "has",
        vec![vs("Windows-AzureAD-Authentication-Provider")],
    );
    let seed_list: Vec<Value> = [
        "python",
        "curl",
        "powershell",
        "okhttp",
        "axios",
        "go-http",
        "java/",
        "requests",
        "wget",
    ]
    .iter()
    .map(|x| vs(x))
    .collect();
    time("has_any (9 seed needles)", "has_any", seed_list);
    let many: Vec<Value> = (0..500).map(|k| vs(&format!("ioc{k}term"))).collect();
    time("has_any (500 needles)", "has_any", vec![Value::array(many)]);
    time("startswith \"Mozilla\"", "startswith", vec![vs("Mozilla")]);
    time(
        "replace_regex (seed IPv4 pattern)",
        "replace_regex",
        vec![vs(r"\d+\.\d+\.\d+\.\d+"), vs("x.x.x.x")],
    );
    time("== 0 (string vs long)", "==", vec![Value::Long(0)]);
}

/// An aggregate's column of states gives every group what one state per group gives
/// when fed the same rows (rows dealt over three groups in turn).
#[test]
fn aggregate_columns_agree_with_states() {
    let vals = [
        Value::Long(3),
        Value::Null,
        Value::Int(4),
        Value::Real(2.5),
        Value::Long(-7),
        Value::Bool(true),
        Value::TimeSpan(11),
        Value::Decimal(0.25),
        Value::Null,
        Value::Long(i64::MAX),
    ];
    let cases: &[(&str, &[Type])] = &[
        ("count", &[]),
        ("count", &[Type::Long]),
        ("countif", &[Type::Bool]),
        ("sum", &[Type::Long]),
        ("sum", &[Type::Real]),
        ("sum", &[Type::Decimal]),
        ("sum", &[Type::TimeSpan]),
        ("sumif", &[Type::Long, Type::Bool]),
    ];
    for (name, tys) in cases {
        let infos: Vec<ArgInfo> = tys
            .iter()
            .map(|t| ArgInfo {
                ty: *t,
                constant: None,
            })
            .collect();
        let bound = bind_aggregate(name, &infos).unwrap();
        let mut column = bound.imp.column().expect("a column");
        let mut states: Vec<_> = (0..3).map(|_| bound.imp.init()).collect();
        (0..3).for_each(|_| column.push_group());
        for (i, v) in vals.iter().enumerate() {
            let row: Vec<Value> = match tys.len() {
                0 => vec![],
                1 if tys[0] == Type::Bool => vec![Value::Bool(v.is_null())],
                1 => vec![v.clone()],
                _ => vec![v.clone(), Value::Bool(i % 2 == 0)],
            };
            column.update(i % 3, &row);
            states[i % 3].update(&row);
        }
        for (g, st) in states.iter_mut().enumerate() {
            let mut out = Vec::new();
            column.finish(g, &mut out);
            assert_eq!(
                format!("{out:?}"),
                format!("{:?}", st.finish()),
                "{name} {tys:?}"
            );
        }
    }
}

/// dcount keeps numbers equal to an integer as that integer and the other values as
/// values: equal numbers of any type are one value, others never merge with them.
#[test]
fn dcount_mixes_number_types_as_equality_does() {
    let vals = [
        Value::Long(1),
        Value::Real(1.0),
        Value::Int(1),
        Value::Decimal(1.0),
        Value::Real(1.5),
        Value::Decimal(1.5),
        vs("1"),
        Value::Real(f64::NAN),
        Value::Real(f64::NAN),
        Value::Real(-0.0),
        Value::Long(0),
        Value::Long(i64::MIN),
        Value::Null,
        Value::DateTime(1),
    ];
    let (_, out) = run_agg("dcount", &[Type::Dynamic], &[None], &col(&vals));
    // 1, 1.5, "1", NaN, 0, i64::MIN, the datetime.
    assert_eq!(format!("{out:?}"), format!("{:?}", vec![Value::Long(7)]));
}
