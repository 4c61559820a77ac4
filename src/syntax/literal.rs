//! Literals: numbers with timespan suffixes, string concatenation, typed literals
//! (`datetime(...)`, `timespan(...)`, `long(null)`, ...) and `dynamic(...)` JSON.

use super::parser::Parser;
use super::token::Tok;
use crate::ast::{Dyn, Literal};
use crate::error::{Error, Result, Span};
use crate::types::Type;

const TICKS_PER_SECOND: f64 = 10_000_000.0;

/// Ticks in one unit of a timespan suffix, or None.
pub fn timespan_unit(unit: &str) -> Option<f64> {
    Some(match unit {
        "d" | "day" | "days" => 86_400.0 * TICKS_PER_SECOND,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3_600.0 * TICKS_PER_SECOND,
        "m" | "min" | "minute" | "minutes" => 60.0 * TICKS_PER_SECOND,
        "s" | "sec" | "second" | "seconds" => TICKS_PER_SECOND,
        "ms" | "milli" | "millis" | "millisecond" | "milliseconds" => 10_000.0,
        "micro" | "micros" | "microsecond" | "microseconds" => 10.0,
        "tick" | "ticks" => 1.0,
        _ => return None,
    })
}

/// Splits `1.5h` into (`1.5`, `h`): the numeric part ends at the first letter
/// that does not belong to an exponent.
fn split_number(text: &str) -> (&str, &str) {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
        i += 1;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        let mut j = i + 1;
        if j < b.len() && (b[j] == b'+' || b[j] == b'-') {
            j += 1;
        }
        if j < b.len() && b[j].is_ascii_digit() {
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            i = j;
        }
    }
    (&text[..i], &text[i..])
}

/// A number token as written: `1`, `1.5`, `1e5`, `0x1F`, `1h`, `10sec`.
pub fn number(text: &str, span: Span) -> Result<Literal> {
    if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        return i64::from_str_radix(hex, 16)
            .or_else(|_| u64::from_str_radix(hex, 16).map(|u| u as i64))
            .map(Literal::Long)
            .map_err(|_| Error::parse(format!("`{text}` is not a hexadecimal number"), span));
    }
    let (num, suffix) = split_number(text);
    if suffix.is_empty() {
        if !num.contains(['.', 'e', 'E']) {
            if let Ok(v) = num.parse::<i64>() {
                return Ok(Literal::Long(v));
            }
        }
        return num
            .parse::<f64>()
            .map(Literal::Real)
            .map_err(|_| Error::parse(format!("`{text}` is not a number"), span));
    }
    match (timespan_unit(suffix), num.parse::<f64>()) {
        (Some(unit), Ok(v)) => Ok(Literal::TimeSpan(scale(num, v, unit))),
        _ => Err(
            Error::parse(format!("`{text}` is not a number or a timespan"), span).with_hint(
                "timespan units are d, h, m, s, ms, microsecond, tick (e.g. `30m`, `1.5h`)",
            ),
        ),
    }
}

/// `v` units in ticks; integer counts stay exact.
fn scale(text: &str, v: f64, unit: f64) -> i64 {
    match text.parse::<i64>() {
        Ok(n) => n.saturating_mul(unit as i64),
        Err(_) => (v * unit).round() as i64,
    }
}

/// The text of `timespan(...)`: `2` (days), `1.5h`, `15 seconds`, `1.02:03:04`,
/// `00:01:00`, `-1d`, `2.00:00:00.5`.
pub fn timespan_text(text: &str, span: Span) -> Result<i64> {
    let bad = || {
        Error::parse(format!("`{text}` is not a timespan"), span)
            .with_hint("write e.g. `timespan(1.02:03:04)`, `timespan(2)` (days) or `1h`")
    };
    let (neg, body) = match text.strip_prefix('-') {
        Some(b) => (true, b.trim_start()),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let ticks = if body.contains(':') {
        let parts: Vec<&str> = body.split(':').collect();
        if parts.len() < 2 || parts.len() > 3 {
            return Err(bad());
        }
        let (days, hours) = match parts[0].split_once('.') {
            Some((d, h)) => (d, h),
            None => ("0", parts[0]),
        };
        let int = |s: &str| s.trim().parse::<i64>().map_err(|_| bad());
        let secs: f64 = match parts.get(2) {
            Some(s) => s.trim().parse().map_err(|_| bad())?,
            None => 0.0,
        };
        let whole = ((int(days)? * 24 + int(hours)?) * 60 + int(parts[1])?) * 60;
        whole * TICKS_PER_SECOND as i64 + (secs * TICKS_PER_SECOND).round() as i64
    } else {
        let (num, unit) = split_number(body);
        let v: f64 = num.parse().map_err(|_| bad())?;
        let unit = unit.trim();
        let per = if unit.is_empty() {
            86_400.0 * TICKS_PER_SECOND
        } else {
            timespan_unit(unit).ok_or_else(bad)?
        };
        scale(num, v, per)
    };
    Ok(if neg { -ticks } else { ticks })
}

/// The type named by a typed literal (`datetime(` ...), or None.
pub fn literal_type(name: &str) -> Option<Type> {
    match name {
        "datetime" | "date" | "timespan" | "time" | "guid" | "dynamic" | "int" | "long"
        | "real" | "double" | "decimal" | "bool" | "boolean" => Type::from_name(name),
        _ => None,
    }
}

/// A typed literal's raw text: `int(5)`, `real(+inf)`, `datetime(2020-01-01 10:00)`.
pub fn typed_text(ty: Type, raw: &str, span: Span) -> Result<Literal> {
    let text = raw.trim();
    if text == "null" {
        return Ok(Literal::Null(ty));
    }
    let bad = |what: &str| {
        Error::parse(
            format!("`{text}` is not {what} inside `{}(...)`", ty.name()),
            span,
        )
    };
    if text.is_empty() && ty != Type::String {
        return Err(Error::parse(
            format!("`{}()` needs a value (or `null`)", ty.name()),
            span,
        ));
    }
    let signed = |t: &str| -> Result<Literal> {
        let (neg, body) = match t.strip_prefix('-') {
            Some(b) => (true, b.trim()),
            None => (false, t.strip_prefix('+').unwrap_or(t).trim()),
        };
        let lit = number(body, span)?;
        Ok(match (lit, neg) {
            (Literal::Long(v), true) => Literal::Long(-v),
            (Literal::Real(v), true) => Literal::Real(-v),
            (l, _) => l,
        })
    };
    Ok(match ty {
        Type::DateTime => Literal::DateTime(text.to_string()),
        Type::Guid => Literal::Guid(text.to_string()),
        Type::TimeSpan => Literal::TimeSpan(timespan_text(text, span)?),
        Type::Decimal => Literal::Decimal(text.to_string()),
        Type::Bool => match text {
            "true" | "True" | "TRUE" => Literal::Bool(true),
            "false" | "False" | "FALSE" => Literal::Bool(false),
            _ => return Err(bad("`true` or `false`")),
        },
        Type::Int => match signed(text) {
            Ok(Literal::Long(v)) => {
                Literal::Int(i32::try_from(v).map_err(|_| bad("a 32-bit integer"))?)
            }
            _ => return Err(bad("an integer")),
        },
        Type::Long => match signed(text) {
            Ok(Literal::Long(v)) => Literal::Long(v),
            _ => return Err(bad("an integer")),
        },
        Type::Real => match text {
            "nan" | "NaN" => Literal::Real(f64::NAN),
            "inf" | "+inf" => Literal::Real(f64::INFINITY),
            "-inf" => Literal::Real(f64::NEG_INFINITY),
            _ => match signed(text) {
                Ok(Literal::Long(v)) => Literal::Real(v as f64),
                Ok(Literal::Real(v)) => Literal::Real(v),
                _ => return Err(bad("a number")),
            },
        },
        _ => return Err(bad("a value")),
    })
}

impl Parser<'_> {
    /// After a typed-literal name (current token is `(`): the whole literal.
    pub fn typed_literal(&mut self, ty: Type, name_span: Span) -> Result<(Literal, Span)> {
        let open = self.bump().span;
        if ty == Type::Dynamic {
            self.enter(open)?;
            let value = if self.is_kw("null") && self.is_punct_at(1, ")") {
                self.bump();
                Literal::Null(Type::Dynamic)
            } else {
                Literal::Dynamic(self.dyn_value()?)
            };
            self.leave();
            let close = self.close(")", open)?;
            return Ok((value, name_span.to(close)));
        }
        // Everything up to the matching `)` is the literal's text.
        let mut depth = 0usize;
        loop {
            let t = self.peek();
            match t.tok {
                Tok::Eof => return Err(self.close(")", open).unwrap_err()),
                Tok::Punct("(") => depth += 1,
                Tok::Punct(")") if depth == 0 => break,
                Tok::Punct(")") => depth -= 1,
                _ => {}
            }
            self.bump();
        }
        let close = self.bump().span;
        let inner = Span::new(open.end, close.start);
        let raw = &self.src[inner.start..inner.end];
        // A quoted value (`datetime("2020-01-01")`) means the same as a bare one.
        let raw = match self.toks[self.pos - 2].tok.clone() {
            Tok::Str(s) if self.toks[self.pos - 3].span == open => s.to_string(),
            _ => raw.to_string(),
        };
        let lit = typed_text(ty, &raw, if inner.start < inner.end { inner } else { open })?;
        Ok((lit, name_span.to(close)))
    }

    /// A value inside `dynamic(...)`: JSON with `'single'` quotes and typed literals.
    fn dyn_value(&mut self) -> Result<Dyn> {
        let t = self.peek().clone();
        match &t.tok {
            Tok::Punct("[") => {
                self.bump();
                self.enter(t.span)?;
                let mut items = Vec::new();
                while !self.is_punct("]") {
                    items.push(self.dyn_value()?);
                    if self.eat_punct(",").is_none() {
                        break;
                    }
                }
                self.leave();
                self.close("]", t.span)?;
                Ok(Dyn::Array(items))
            }
            Tok::Punct("{") => {
                self.bump();
                self.enter(t.span)?;
                let mut items = Vec::new();
                while !self.is_punct("}") {
                    let key = self.bump();
                    let k = match key.tok {
                        Tok::Str(s) => s.to_string(),
                        Tok::Ident | Tok::Num => self.text(&key).to_string(),
                        _ => {
                            self.pos -= 1;
                            return Err(self.expected("a property name in the `dynamic` bag"));
                        }
                    };
                    self.expect_punct(":", "`:` after the property name")?;
                    items.push((k, self.dyn_value()?));
                    if self.eat_punct(",").is_none() {
                        break;
                    }
                }
                self.leave();
                self.close("}", t.span)?;
                Ok(Dyn::Bag(items))
            }
            Tok::Str(_) => {
                // Adjacent literals concatenate here too: `["a" "b"]` is `["ab"]`.
                let mut s = String::new();
                while let Tok::Str(part) = &self.peek().tok {
                    s.push_str(part);
                    self.bump();
                }
                Ok(Dyn::Scalar(Box::new(Literal::String(s))))
            }
            Tok::Num => {
                self.bump();
                Ok(Dyn::Scalar(Box::new(number(self.text(&t), t.span)?)))
            }
            Tok::Punct("-") | Tok::Punct("+") if self.peek_at(1).tok == Tok::Num => {
                let neg = t.is_punct("-");
                self.bump();
                let n = self.bump();
                let lit = match number(self.text(&n), n.span)? {
                    Literal::Long(v) if neg => Literal::Long(-v),
                    Literal::Real(v) if neg => Literal::Real(-v),
                    Literal::TimeSpan(v) if neg => Literal::TimeSpan(-v),
                    l => l,
                };
                Ok(Dyn::Scalar(Box::new(lit)))
            }
            Tok::Ident => {
                let name = self.text(&t);
                match name {
                    "null" => {
                        self.bump();
                        Ok(Dyn::Null)
                    }
                    "true" | "false" => {
                        self.bump();
                        Ok(Dyn::Scalar(Box::new(Literal::Bool(name == "true"))))
                    }
                    _ => match literal_type(name) {
                        Some(ty) if self.is_punct_at(1, "(") => {
                            self.bump();
                            let (lit, _) = self.typed_literal(ty, t.span)?;
                            Ok(match lit {
                                Literal::Dynamic(d) => d,
                                Literal::Null(Type::Dynamic) => Dyn::Null,
                                l => Dyn::Scalar(Box::new(l)),
                            })
                        }
                        _ => Err(self.expected("a JSON value inside `dynamic(...)`")),
                    },
                }
            }
            _ => Err(self.expected("a JSON value inside `dynamic(...)`")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timespans_in_ticks() {
        let s = Span::new(0, 1);
        let cases: &[(&str, i64)] = &[
            ("2", 2 * 864_000_000_000),
            (
                "1.02:03:04",
                864_000_000_000 + 72_000_000_000 + 1_800_000_000 + 40_000_000,
            ),
            ("00:01:00", 600_000_000),
            ("15 seconds", 150_000_000),
            ("1.5h", 54_000_000_000),
            ("-1d", -864_000_000_000),
            ("00:00:00.5", 5_000_000),
        ];
        for (text, want) in cases {
            assert_eq!(timespan_text(text, s).unwrap(), *want, "{text}");
        }
        assert_eq!(number("100ms", s).unwrap(), Literal::TimeSpan(1_000_000));
        assert_eq!(number("1tick", s).unwrap(), Literal::TimeSpan(1));
        assert_eq!(number("2microseconds", s).unwrap(), Literal::TimeSpan(20));
        assert_eq!(number("0x1F", s).unwrap(), Literal::Long(31));
        assert_eq!(number("1e5", s).unwrap(), Literal::Real(100_000.0));
        assert!(number("5x", s).is_err());
    }
}
