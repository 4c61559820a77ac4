//! Datetime and timespan functions: the clock (`now`, `ago`), binning, calendar parts,
//! start/end of periods, arithmetic by calendar units, and formatting.

use super::{func, num_f64, num_i64, pure, sig, text, Bound, FnError};
use super::{ArgInfo, Want};
use crate::types::Type;
use crate::value::{
    date_parts, days_from_civil, days_in_month, in_datetime_range, make_ticks, DateParts, Value,
    TICKS_PER_DAY, TICKS_PER_HOUR, TICKS_PER_MINUTE, TICKS_PER_SECOND, UNIX_EPOCH_TICKS,
};

pub(super) const NAMES: &[&str] = &[
    "now",
    "ago",
    "bin",
    "floor",
    "bin_at",
    "datetime_diff",
    "datetime_add",
    "datetime_part",
    "startofday",
    "startofweek",
    "startofmonth",
    "startofyear",
    "endofday",
    "endofweek",
    "endofmonth",
    "endofyear",
    "dayofweek",
    "dayofmonth",
    "dayofyear",
    "hourofday",
    "monthofyear",
    "getyear",
    "getmonth",
    "week_of_year",
    "format_datetime",
    "format_timespan",
    "unixtime_seconds_todatetime",
    "unixtime_milliseconds_todatetime",
    "unixtime_microseconds_todatetime",
    "unixtime_nanoseconds_todatetime",
    "make_datetime",
    "make_timespan",
];

fn dt(t: Option<i64>) -> Value {
    match t {
        Some(t) if in_datetime_range(t) => Value::DateTime(t),
        _ => Value::Null,
    }
}

fn ticks_of(v: &Value) -> Option<i64> {
    match v {
        Value::DateTime(t) => Some(*t),
        _ => None,
    }
}

fn span_of(v: &Value) -> Option<i64> {
    match v {
        Value::TimeSpan(t) => Some(*t),
        _ => None,
    }
}

pub(super) fn bind(name: &str, args: &[ArgInfo]) -> Option<Bound> {
    use Want::*;
    Some(match name {
        "now" => sig(name, args, 0, 1, &[TimeSpan]).and_then(|_| {
            func(Type::DateTime, |a, ctx| {
                let off = a.first().and_then(span_of).unwrap_or(0);
                dt(ctx.now.checked_add(off))
            })
        }),
        "ago" => sig(name, args, 1, 1, &[TimeSpan]).and_then(|_| {
            func(Type::DateTime, |a, ctx| match span_of(&a[0]) {
                Some(s) => dt(ctx.now.checked_sub(s)),
                None => Value::Null,
            })
        }),
        "bin" | "floor" => bind_bin(name, args),
        "bin_at" => bind_bin_at(args),
        "datetime_diff" => sig(name, args, 3, 3, &[Str, DateTime, DateTime]).and_then(|_| {
            let part = const_part(args, 0)?;
            pure(Type::Long, move |a| {
                let p = match part {
                    Some(p) => Some(p),
                    None => Part::parse(&text(&a[0])),
                };
                match (p, ticks_of(&a[1]), ticks_of(&a[2])) {
                    (Some(p), Some(x), Some(y)) => Value::Long(datetime_diff(p, x, y)),
                    _ => Value::Null,
                }
            })
        }),
        "datetime_add" => sig(name, args, 3, 3, &[Str, Integer, DateTime]).and_then(|_| {
            let part = const_part(args, 0)?;
            pure(Type::DateTime, move |a| {
                let p = match part {
                    Some(p) => Some(p),
                    None => Part::parse(&text(&a[0])),
                };
                match (p, num_i64(&a[1]), ticks_of(&a[2])) {
                    (Some(p), Some(n), Some(t)) => dt(datetime_add(p, n, t)),
                    _ => Value::Null,
                }
            })
        }),
        "datetime_part" => sig(name, args, 2, 2, &[Str, DateTime]).and_then(|_| {
            let part = const_part(args, 0)?;
            pure(Type::Long, move |a| {
                let p = match part {
                    Some(p) => Some(p),
                    None => Part::parse(&text(&a[0])),
                };
                match (p, ticks_of(&a[1])) {
                    (Some(p), Some(t)) => Value::Long(datetime_part(p, t)),
                    _ => Value::Null,
                }
            })
        }),
        "startofday" | "startofweek" | "startofmonth" | "startofyear" | "endofday"
        | "endofweek" | "endofmonth" | "endofyear" => sig(name, args, 1, 2, &[DateTime, Integer])
            .and_then(|_| {
                let end = name.starts_with("end");
                let unit = match &name[if end { 5 } else { 7 }..] {
                    "day" => Period::Day,
                    "week" => Period::Week,
                    "month" => Period::Month,
                    _ => Period::Year,
                };
                pure(Type::DateTime, move |a| {
                    let off = match a.get(1) {
                        Some(v) => match num_i64(v) {
                            Some(o) => o,
                            None => return Value::Null,
                        },
                        None => 0,
                    };
                    match ticks_of(&a[0]) {
                        Some(t) => dt(start_of(unit, t, off.saturating_add(end as i64)).map(|s| {
                            if end {
                                s - 1
                            } else {
                                s
                            }
                        })),
                        None => Value::Null,
                    }
                })
            }),
        "dayofweek" => sig(name, args, 1, 1, &[DateTime]).and_then(|_| {
            pure(Type::TimeSpan, |a| match ticks_of(&a[0]) {
                // 0001-01-01 was a Monday.
                Some(t) => {
                    Value::TimeSpan((t.div_euclid(TICKS_PER_DAY) + 1).rem_euclid(7) * TICKS_PER_DAY)
                }
                None => Value::Null,
            })
        }),
        "dayofmonth" | "dayofyear" | "hourofday" | "monthofyear" | "getyear" | "getmonth"
        | "week_of_year" => sig(name, args, 1, 1, &[DateTime]).and_then(|_| {
            let part = match name {
                "dayofmonth" => Part::Day,
                "dayofyear" => Part::DayOfYear,
                "hourofday" => Part::Hour,
                "monthofyear" | "getmonth" => Part::Month,
                "getyear" => Part::Year,
                _ => Part::WeekOfYear,
            };
            // The engine returns long (conformance hour-of-day-function-00), though
            // Kusto.Language types these int.
            pure(Type::Long, move |a| match ticks_of(&a[0]) {
                Some(t) => Value::Long(datetime_part(part, t)),
                None => Value::Null,
            })
        }),
        "format_datetime" => formatter(name, args, DateTime, Which::DateTime),
        "format_timespan" => formatter(name, args, TimeSpan, Which::TimeSpan),
        "unixtime_seconds_todatetime" => unix(name, args, TICKS_PER_SECOND as f64),
        "unixtime_milliseconds_todatetime" => unix(name, args, 10_000.0),
        "unixtime_microseconds_todatetime" => unix(name, args, 10.0),
        "unixtime_nanoseconds_todatetime" => unix(name, args, 0.01),
        "make_datetime" => {
            sig(name, args, 3, 6, &[Num]).and_then(|_| pure(Type::DateTime, make_datetime))
        }
        "make_timespan" => sig(name, args, 2, 4, &[Num]).and_then(|_| {
            pure(Type::TimeSpan, |a| {
                let nums: Option<Vec<f64>> = a.iter().map(num_f64).collect();
                let Some(n) = nums else {
                    return Value::Null;
                };
                let (d, h, m, s) = match n.len() {
                    2 => (0.0, n[0], n[1], 0.0),
                    3 => (0.0, n[0], n[1], n[2]),
                    _ => (n[0], n[1], n[2], n[3]),
                };
                let t = d * TICKS_PER_DAY as f64
                    + h * TICKS_PER_HOUR as f64
                    + m * TICKS_PER_MINUTE as f64
                    + s * TICKS_PER_SECOND as f64;
                if t.is_finite() && t.abs() < 9.2e18 {
                    Value::TimeSpan(t.round() as i64)
                } else {
                    Value::Null
                }
            })
        }),
        _ => return None,
    })
}

fn unix(name: &str, args: &[ArgInfo], ticks_per_unit: f64) -> Bound {
    sig(name, args, 1, 1, &[Want::Num])?;
    pure(Type::DateTime, move |a| {
        let t = match &a[0] {
            Value::Int(_) | Value::Long(_) if ticks_per_unit >= 1.0 => {
                num_i64(&a[0]).and_then(|n| n.checked_mul(ticks_per_unit as i64))
            }
            v => num_f64(v)
                .map(|f| (f * ticks_per_unit).round())
                .filter(|f| f.is_finite() && f.abs() < 9.2e18)
                .map(|f| f as i64),
        };
        dt(t.and_then(|t| t.checked_add(UNIX_EPOCH_TICKS)))
    })
}

fn make_datetime(a: &[Value]) -> Value {
    let nums: Option<Vec<f64>> = a.iter().map(num_f64).collect();
    let Some(n) = nums else {
        return Value::Null;
    };
    let int = |i: usize| n.get(i).copied().unwrap_or(0.0);
    let sec = int(5);
    let whole = sec.trunc();
    let p = DateParts {
        year: int(0) as i64,
        month: int(1) as u32,
        day: int(2) as u32,
        hour: int(3) as u32,
        minute: int(4) as u32,
        second: whole as u32,
        frac: ((sec - whole) * TICKS_PER_SECOND as f64).round() as u32,
    };
    if n.iter().any(|f| *f < 0.0) {
        return Value::Null;
    }
    dt(make_ticks(p))
}

// ---------------------------------------------------------------------------------
// bin

fn bind_bin(name: &str, args: &[ArgInfo]) -> Bound {
    super::arity(name, args, 2, 2)?;
    let (x, size) = (args[0].ty, args[1].ty);
    let ty = match (x, size) {
        (Type::DateTime, Type::TimeSpan | Type::Dynamic) => Type::DateTime,
        (Type::TimeSpan, Type::TimeSpan | Type::Dynamic) => Type::TimeSpan,
        (Type::Int | Type::Long, Type::Int | Type::Long) => Type::Long,
        (Type::Decimal, s) if s.is_numeric() => Type::Decimal,
        (x, s) if x.is_numeric() && s.is_numeric() => Type::Real,
        (Type::Dynamic, _) => Type::Dynamic,
        (x, s) if x.is_numeric() && s == Type::Dynamic => x,
        _ => {
            return Err(FnError::Type(
                1,
                format!("`{name}` cannot round {x} to a multiple of {size}"),
            ))
        }
    };
    pure(ty, move |a| {
        super::cast_to(ty, bin_value(&a[0], &a[1], None))
    })
}

fn bind_bin_at(args: &[ArgInfo]) -> Bound {
    super::arity("bin_at", args, 3, 3)?;
    let ty = match args[0].ty {
        Type::Int | Type::Long if args[1].ty != Type::Real => Type::Long,
        t if t.is_numeric() => Type::Real,
        Type::DateTime => Type::DateTime,
        Type::TimeSpan => Type::TimeSpan,
        t => return Err(FnError::Type(0, format!("`bin_at` cannot bin a {t}"))),
    };
    pure(ty, move |a| {
        super::cast_to(ty, bin_value(&a[0], &a[1], Some(&a[2])))
    })
}

fn floor_div(x: i64, size: i64) -> i64 {
    x.div_euclid(size).saturating_mul(size)
}

/// `bin(x, size)` (or `bin_at` with an anchor): rounds down to a multiple of size.
fn bin_value(x: &Value, size: &Value, at: Option<&Value>) -> Value {
    match (x, size) {
        (Value::DateTime(t), Value::TimeSpan(s)) | (Value::TimeSpan(t), Value::TimeSpan(s)) => {
            if *s <= 0 {
                return Value::Null;
            }
            let anchor = match at {
                None => 0,
                Some(Value::DateTime(a)) | Some(Value::TimeSpan(a)) => *a,
                Some(_) => return Value::Null,
            };
            let Some(d) = t.checked_sub(anchor) else {
                return Value::Null;
            };
            let b = floor_div(d, *s).saturating_add(anchor);
            if matches!(x, Value::DateTime(_)) {
                dt(Some(b))
            } else {
                Value::TimeSpan(b)
            }
        }
        (Value::Int(_) | Value::Long(_), Value::Int(_) | Value::Long(_)) => {
            let (Some(v), Some(s)) = (num_i64(x), num_i64(size)) else {
                return Value::Null;
            };
            if s <= 0 {
                return Value::Null;
            }
            let anchor = at.and_then(num_i64).unwrap_or(0);
            Value::Long(floor_div(v.wrapping_sub(anchor), s).wrapping_add(anchor))
        }
        _ => match (num_f64(x), num_f64(size)) {
            (Some(v), Some(s)) if s > 0.0 => {
                let anchor = at.and_then(num_f64).unwrap_or(0.0);
                let r = ((v - anchor) / s).floor() * s + anchor;
                if matches!(x, Value::Decimal(_)) {
                    Value::Decimal(r)
                } else {
                    Value::Real(r)
                }
            }
            _ => Value::Null,
        },
    }
}

// ---------------------------------------------------------------------------------
// Calendar parts

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Part {
    Year,
    Quarter,
    Month,
    Week,
    WeekOfYear,
    Day,
    DayOfYear,
    Hour,
    Minute,
    Second,
    Millisecond,
    Microsecond,
    Nanosecond,
}

impl Part {
    fn parse(s: &str) -> Option<Part> {
        Some(match s.to_ascii_lowercase().as_str() {
            "year" => Part::Year,
            "quarter" => Part::Quarter,
            "month" => Part::Month,
            "week" => Part::Week,
            "week_of_year" | "weekofyear" => Part::WeekOfYear,
            "day" => Part::Day,
            "dayofyear" | "day_of_year" => Part::DayOfYear,
            "hour" => Part::Hour,
            "minute" => Part::Minute,
            "second" => Part::Second,
            "millisecond" => Part::Millisecond,
            "microsecond" => Part::Microsecond,
            "nanosecond" => Part::Nanosecond,
            _ => return None,
        })
    }
}

fn const_part(args: &[ArgInfo], i: usize) -> Result<Option<Part>, FnError> {
    match super::constant(args, i) {
        Some(v) => {
            let s = text(v);
            Part::parse(&s)
                .map(Some)
                .ok_or_else(|| FnError::Type(i, format!("unknown date part `{s}`")))
        }
        None => Ok(None),
    }
}

/// ISO-8601 week number (weeks start on Monday; week 1 holds the first Thursday).
fn iso_week(t: i64) -> i64 {
    let days = t.div_euclid(TICKS_PER_DAY);
    let weekday = days.rem_euclid(7); // 0 = Monday
    let thursday = days - weekday + 3;
    let (y, _, _) = crate::value::civil_from_days(thursday);
    let jan1 = days_from_civil(y, 1, 1);
    (thursday - jan1) / 7 + 1
}

fn datetime_part(p: Part, t: i64) -> i64 {
    let d = date_parts(t);
    match p {
        Part::Year => d.year,
        Part::Quarter => (d.month as i64 - 1) / 3 + 1,
        Part::Month => d.month as i64,
        Part::Week | Part::WeekOfYear => iso_week(t),
        Part::Day => d.day as i64,
        Part::DayOfYear => t.div_euclid(TICKS_PER_DAY) - days_from_civil(d.year, 1, 1) + 1,
        Part::Hour => d.hour as i64,
        Part::Minute => d.minute as i64,
        Part::Second => d.second as i64,
        Part::Millisecond => d.frac as i64 / 10_000,
        Part::Microsecond => d.frac as i64 / 10,
        Part::Nanosecond => d.frac as i64 * 100,
    }
}

fn months_of(t: i64) -> i64 {
    let d = date_parts(t);
    d.year * 12 + d.month as i64 - 1
}

/// `datetime_diff(part, a, b)`: how many `part` boundaries lie between b and a.
fn datetime_diff(p: Part, a: i64, b: i64) -> i64 {
    let fl = |unit: i64| a.div_euclid(unit) - b.div_euclid(unit);
    match p {
        Part::Year => date_parts(a).year - date_parts(b).year,
        Part::Quarter => months_of(a).div_euclid(3) - months_of(b).div_euclid(3),
        Part::Month => months_of(a) - months_of(b),
        // Weeks start on Sunday; 0001-01-01 was a Monday, so shift by one day.
        Part::Week | Part::WeekOfYear => {
            (a + TICKS_PER_DAY).div_euclid(7 * TICKS_PER_DAY)
                - (b + TICKS_PER_DAY).div_euclid(7 * TICKS_PER_DAY)
        }
        Part::Day | Part::DayOfYear => fl(TICKS_PER_DAY),
        Part::Hour => fl(TICKS_PER_HOUR),
        Part::Minute => fl(TICKS_PER_MINUTE),
        Part::Second => fl(TICKS_PER_SECOND),
        Part::Millisecond => fl(10_000),
        Part::Microsecond => fl(10),
        Part::Nanosecond => (a - b).saturating_mul(100),
    }
}

fn add_months(t: i64, months: i64) -> Option<i64> {
    let d = date_parts(t);
    let total = (d.year * 12 + d.month as i64 - 1).checked_add(months)?;
    let (y, m) = (total.div_euclid(12), total.rem_euclid(12) as u32 + 1);
    let day = d.day.min(days_in_month(y, m));
    make_ticks(DateParts {
        year: y,
        month: m,
        day,
        ..d
    })
}

fn datetime_add(p: Part, n: i64, t: i64) -> Option<i64> {
    let span = |unit: i64| n.checked_mul(unit).and_then(|s| t.checked_add(s));
    match p {
        Part::Year => add_months(t, n.checked_mul(12)?),
        Part::Quarter => add_months(t, n.checked_mul(3)?),
        Part::Month => add_months(t, n),
        Part::Week | Part::WeekOfYear => span(7 * TICKS_PER_DAY),
        Part::Day | Part::DayOfYear => span(TICKS_PER_DAY),
        Part::Hour => span(TICKS_PER_HOUR),
        Part::Minute => span(TICKS_PER_MINUTE),
        Part::Second => span(TICKS_PER_SECOND),
        Part::Millisecond => span(10_000),
        Part::Microsecond => span(10),
        Part::Nanosecond => t.checked_add(n / 100),
    }
}

#[derive(Clone, Copy)]
enum Period {
    Day,
    Week,
    Month,
    Year,
}

/// Start of the period holding t, shifted by `offset` periods.
fn start_of(p: Period, t: i64, offset: i64) -> Option<i64> {
    let day = t.div_euclid(TICKS_PER_DAY);
    match p {
        Period::Day => day.checked_add(offset)?.checked_mul(TICKS_PER_DAY),
        Period::Week => {
            // Weeks start on Sunday; day 0 (0001-01-01) was a Monday.
            let sunday = day - (day + 1).rem_euclid(7);
            sunday
                .checked_add(offset.checked_mul(7)?)?
                .checked_mul(TICKS_PER_DAY)
        }
        Period::Month => {
            let d = date_parts(t);
            let first = make_ticks(DateParts {
                day: 1,
                hour: 0,
                minute: 0,
                second: 0,
                frac: 0,
                ..d
            })?;
            add_months(first, offset)
        }
        Period::Year => {
            let y = date_parts(t).year.checked_add(offset)?;
            make_ticks(DateParts {
                year: y,
                month: 1,
                day: 1,
                hour: 0,
                minute: 0,
                second: 0,
                frac: 0,
            })
        }
    }
}

// ---------------------------------------------------------------------------------
// format_datetime / format_timespan

#[derive(Clone, Debug)]
enum Tok {
    /// A run of one specifier letter: (letter, count).
    Spec(char, usize),
    Lit(String),
}

const SPEC_LETTERS: &str = "dfFhHmMsyt";

/// Which function a format is for: they take different elements.
#[derive(Clone, Copy)]
enum Which {
    DateTime,
    TimeSpan,
}

/// The runs of a specifier letter the docs list as format elements
/// (format-datetime-function.md, format-timespan-function.md "Supported format
/// elements"); kql also takes `yyy` (the year, three digits at least) and `t`.
fn element_ok(which: Which, c: char, n: usize) -> bool {
    match (which, c) {
        (_, 'f' | 'F') => n <= 7,
        (Which::DateTime, 'y') => n <= 4,
        (Which::DateTime, 'd' | 'h' | 'H' | 'm' | 'M' | 's' | 't') => n <= 2,
        (Which::TimeSpan, 'd') => n <= 8,
        (Which::TimeSpan, 'h' | 'H' | 'm' | 's') => n <= 2,
        _ => false,
    }
}

/// `format_datetime` / `format_timespan`: the format read once when it is a constant
/// (an element the docs do not list is an error at the format argument), else per row
/// (such a format gives an empty string, as a null value does).
fn formatter(name: &str, args: &[ArgInfo], value: Want, which: Which) -> Bound {
    sig(name, args, 2, 2, &[value, Want::Str])?;
    let pre = match super::constant(args, 1) {
        Some(v) => Some(parse_format(&text(v), which).map_err(|m| FnError::Type(1, m))?),
        None => None,
    };
    pure(Type::String, move |a| {
        let owned;
        let f = match &pre {
            Some(f) => f,
            None => match parse_format(&text(&a[1]), which) {
                Ok(f) => {
                    owned = f;
                    &owned
                }
                Err(_) => return Value::empty_str(),
            },
        };
        match which {
            Which::DateTime => match ticks_of(&a[0]) {
                Some(t) => Value::str(&format_datetime(t, f)),
                None => Value::empty_str(),
            },
            Which::TimeSpan => match span_of(&a[0]) {
                Some(t) => Value::str(&format_timespan(t, f)),
                None => Value::empty_str(),
            },
        }
    })
}

fn parse_format(f: &str, which: Which) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let chars: Vec<char> = f.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if SPEC_LETTERS.contains(c) {
            let mut j = i;
            while j < chars.len() && chars[j] == c {
                j += 1;
            }
            if !element_ok(which, c, j - i) {
                let run: String = if j - i > 10 {
                    format!("{c}{c}{c}... ({} times `{c}`)", j - i)
                } else {
                    chars[i..j].iter().collect()
                };
                return Err(format!(
                    "`{run}` is not a format element (the docs list {})",
                    match which {
                        Which::DateTime => "d, dd, f to fffffff, F to FFFFFFF, h, hh, H, HH, m, mm, M, MM, s, ss, y, yy, yyyy, tt",
                        Which::TimeSpan => "d to dddddddd, f to fffffff, F to FFFFFFF, H, HH, m, mm, s, ss",
                    }
                ));
            }
            out.push(Tok::Spec(c, j - i));
            i = j;
        } else if c == '\\' && i + 1 < chars.len() {
            out.push(Tok::Lit(chars[i + 1].to_string()));
            i += 2;
        } else {
            out.push(Tok::Lit(c.to_string()));
            i += 1;
        }
    }
    Ok(out)
}

/// Fraction digits: `f` keeps all n digits, `F` trims trailing zeros.
fn fraction(frac: i64, n: usize, trim: bool) -> String {
    let digits = format!("{frac:07}");
    let s = &digits[..n.min(7)];
    if trim {
        s.trim_end_matches('0').to_string()
    } else {
        s.to_string()
    }
}

fn format_datetime(t: i64, f: &[Tok]) -> String {
    let d = date_parts(t);
    let mut s = String::new();
    for tok in f {
        match tok {
            Tok::Lit(l) => s.push_str(l),
            Tok::Spec(c, n) => {
                let n = *n;
                match c {
                    'y' => match n {
                        1 => s.push_str(&(d.year % 100).to_string()),
                        2 => s.push_str(&format!("{:02}", d.year % 100)),
                        _ => s.push_str(&format!("{:0w$}", d.year, w = n)),
                    },
                    'M' => s.push_str(&pad(d.month as i64, n)),
                    'd' => s.push_str(&pad(d.day as i64, n)),
                    'H' => s.push_str(&pad(d.hour as i64, n)),
                    'h' => s.push_str(&pad(((d.hour + 11) % 12 + 1) as i64, n)),
                    'm' => s.push_str(&pad(d.minute as i64, n)),
                    's' => s.push_str(&pad(d.second as i64, n)),
                    'f' => s.push_str(&fraction(d.frac as i64, n, false)),
                    'F' => s.push_str(&fraction(d.frac as i64, n, true)),
                    't' => {
                        let ampm = if d.hour < 12 { "AM" } else { "PM" };
                        s.push_str(if n == 1 { &ampm[..1] } else { ampm });
                    }
                    _ => {}
                }
            }
        }
    }
    s
}

fn pad(v: i64, n: usize) -> String {
    if n <= 1 {
        v.to_string()
    } else {
        format!("{v:0n$}")
    }
}

fn format_timespan(t: i64, f: &[Tok]) -> String {
    let neg = t < 0;
    let a = t.unsigned_abs() as i64;
    let days = a / TICKS_PER_DAY;
    let rem = a % TICKS_PER_DAY;
    let mut s = String::new();
    if neg {
        s.push('-');
    }
    for tok in f {
        match tok {
            Tok::Lit(l) => s.push_str(l),
            Tok::Spec(c, n) => {
                let n = *n;
                match c {
                    'd' => s.push_str(&pad(days, n)),
                    'h' | 'H' => s.push_str(&pad(rem / TICKS_PER_HOUR, n)),
                    'm' => s.push_str(&pad(rem % TICKS_PER_HOUR / TICKS_PER_MINUTE, n)),
                    's' => s.push_str(&pad(rem % TICKS_PER_MINUTE / TICKS_PER_SECOND, n)),
                    'f' => s.push_str(&fraction(rem % TICKS_PER_SECOND, n, false)),
                    'F' => s.push_str(&fraction(rem % TICKS_PER_SECOND, n, true)),
                    _ => {}
                }
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::parse_datetime;

    fn t(s: &str) -> i64 {
        parse_datetime(s).unwrap()
    }

    #[test]
    fn formats_like_the_docs() {
        let dt = t("2017-01-29 09:00:05");
        assert_eq!(
            format_datetime(
                dt,
                &parse_format("yy-MM-dd [HH:mm:ss]", Which::DateTime).unwrap()
            ),
            "17-01-29 [09:00:05]"
        );
        let span = crate::value::parse_timespan("29.09:00:05.12345").unwrap();
        assert_eq!(
            format_timespan(
                span,
                &parse_format("dd.hh:mm:ss:FF", Which::TimeSpan).unwrap()
            ),
            "29.09:00:05:12"
        );
        assert_eq!(
            format_timespan(
                span,
                &parse_format("ddd.h:mm:ss [fffffff]", Which::TimeSpan).unwrap()
            ),
            "029.9:00:05 [1234500]"
        );
    }

    #[test]
    fn parts_and_diffs() {
        let d = t("2017-10-30 01:02:03.7654321");
        let cases = [
            (Part::Year, 2017),
            (Part::Quarter, 4),
            (Part::Month, 10),
            (Part::WeekOfYear, 44),
            (Part::Day, 30),
            (Part::DayOfYear, 303),
            (Part::Hour, 1),
            (Part::Minute, 2),
            (Part::Second, 3),
            (Part::Millisecond, 765),
            (Part::Microsecond, 765432),
            (Part::Nanosecond, 765432100),
        ];
        for (p, want) in cases {
            assert_eq!(datetime_part(p, d), want, "{p:?}");
        }
        let a = t("2017-10-30 23:05:01");
        let b = t("2017-09-30 23:05:01");
        assert_eq!(datetime_diff(Part::Month, a, b), 1);
        assert_eq!(datetime_diff(Part::Day, a, b), 30);
        assert_eq!(
            datetime_diff(Part::Year, t("2017-01-01"), t("2000-12-31")),
            17
        );
        assert_eq!(
            datetime_diff(Part::Week, t("2017-10-29"), t("2017-10-28")),
            1
        );
    }

    #[test]
    fn adds_calendar_units() {
        let base = t("2017-01-01");
        let cases = [
            (Part::Year, -5, "2012-01-01"),
            (Part::Quarter, 12, "2020-01-01"),
            (Part::Month, -15, "2015-10-01"),
            (Part::Week, 100, "2018-12-02"),
        ];
        for (p, n, want) in cases {
            assert_eq!(datetime_add(p, n, base), Some(t(want)), "{p:?}");
        }
        assert_eq!(
            datetime_add(Part::Month, 1, t("2017-01-31")),
            Some(t("2017-02-28"))
        );
    }

    #[test]
    fn starts_and_ends() {
        let d = t("2017-01-01 10:10:17");
        assert_eq!(
            start_of(Period::Month, d, 0).map(|s| s - 1),
            Some(t("2016-12-31 23:59:59.9999999"))
        );
        assert_eq!(
            start_of(Period::Week, d, 2).map(|s| s - 1),
            Some(t("2017-01-14 23:59:59.9999999"))
        );
        assert_eq!(
            start_of(Period::Week, t("2025-06-14"), 0),
            Some(t("2025-06-08"))
        );
        assert_eq!(start_of(Period::Year, d, 0), Some(t("2017-01-01")));
        assert_eq!(start_of(Period::Day, d, 0), Some(t("2017-01-01")));
    }

    #[test]
    fn bins() {
        let day = Value::TimeSpan(TICKS_PER_DAY);
        assert!(
            matches!(bin_value(&Value::Real(4.5), &Value::Long(1), None), Value::Real(f) if f == 4.0)
        );
        assert!(matches!(
            bin_value(&Value::Long(-3), &Value::Long(2), None),
            Value::Long(-4)
        ));
        assert!(matches!(
            bin_value(&Value::TimeSpan(16 * TICKS_PER_DAY), &Value::TimeSpan(7 * TICKS_PER_DAY), None),
            Value::TimeSpan(x) if x == 14 * TICKS_PER_DAY
        ));
        assert!(matches!(
            bin_value(&Value::DateTime(t("1970-05-11 13:45:07")), &day, None),
            Value::DateTime(x) if x == t("1970-05-11")
        ));
        assert!(matches!(
            bin_value(&Value::TimeSpan(TICKS_PER_HOUR), &day, Some(&Value::TimeSpan(12 * TICKS_PER_HOUR))),
            Value::TimeSpan(x) if x == -12 * TICKS_PER_HOUR
        ));
        assert!(bin_value(&Value::Long(3), &Value::Long(0), None).is_null());
    }
}
