//! Datetimes and timespans: calendar arithmetic on 100 ns ticks, parsing of every text
//! form Kusto accepts in `datetime(...)`, `todatetime()`, `timespan(...)` and
//! `totimespan()`, and the text forms Kusto clients show.
//!
//! The calendar code is the proleptic Gregorian "days from civil" algorithm (H. Hinnant),
//! so it needs no table and cannot panic on any input in range.

use super::{TICKS_PER_DAY, TICKS_PER_HOUR, TICKS_PER_MINUTE, TICKS_PER_SECOND};

/// The last tick of 9999-12-31, the largest datetime Kusto holds.
pub const MAX_DATETIME_TICKS: i64 = 3_155_378_975_999_999_999;

/// Days from 0001-01-01 to the given civil date (month 1..=12, day 1..=31).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = month as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    // era*146097 + doe counts from 0000-03-01; 0001-01-01 is day 306 of that count.
    era * 146_097 + doe - 306
}

/// The civil date (year, month, day) of a day count from 0001-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 306;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

pub fn is_leap_year(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

pub fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(y) => 29,
        _ => 28,
    }
}

/// The broken-down parts of a datetime.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateParts {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    /// 0..=9_999_999 ticks within the second.
    pub frac: u32,
}

pub fn date_parts(ticks: i64) -> DateParts {
    let days = ticks.div_euclid(TICKS_PER_DAY);
    let rem = ticks.rem_euclid(TICKS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    DateParts {
        year,
        month,
        day,
        hour: (rem / TICKS_PER_HOUR) as u32,
        minute: (rem % TICKS_PER_HOUR / TICKS_PER_MINUTE) as u32,
        second: (rem % TICKS_PER_MINUTE / TICKS_PER_SECOND) as u32,
        frac: (rem % TICKS_PER_SECOND) as u32,
    }
}

/// Ticks of a civil date and time; None when a field is out of range or the result
/// falls outside 0001-01-01 .. 9999-12-31.
pub fn make_ticks(p: DateParts) -> Option<i64> {
    if !(1..=9999).contains(&p.year)
        || !(1..=12).contains(&p.month)
        || p.day < 1
        || p.day > days_in_month(p.year, p.month)
        || p.hour > 23
        || p.minute > 59
        || p.second > 59
        || p.frac > 9_999_999
    {
        return None;
    }
    let days = days_from_civil(p.year, p.month, p.day);
    Some(
        days * TICKS_PER_DAY
            + p.hour as i64 * TICKS_PER_HOUR
            + p.minute as i64 * TICKS_PER_MINUTE
            + p.second as i64 * TICKS_PER_SECOND
            + p.frac as i64,
    )
}

pub fn in_datetime_range(ticks: i64) -> bool {
    (0..=MAX_DATETIME_TICKS).contains(&ticks)
}

/// `2026-05-18T12:00:00Z`; the fraction only when non-zero, trailing zeros trimmed.
pub fn format_datetime_iso(ticks: i64) -> String {
    let p = date_parts(ticks);
    let mut s = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        p.year, p.month, p.day, p.hour, p.minute, p.second
    );
    push_fraction_trimmed(&mut s, p.frac);
    s.push('Z');
    s
}

/// `2017-10-15T12:00:00.0000000Z`: always 7 fraction digits. This is what `tostring`
/// of a datetime gives (conformance: `reverse(datetime(2017-10-15 12:00))`).
pub fn format_datetime_full(ticks: i64) -> String {
    let p = date_parts(ticks);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:07}Z",
        p.year, p.month, p.day, p.hour, p.minute, p.second, p.frac
    )
}

fn push_fraction_trimmed(s: &mut String, frac: u32) {
    if frac != 0 {
        let digits = format!("{frac:07}");
        s.push('.');
        s.push_str(digits.trim_end_matches('0'));
    }
}

/// `[-][d.]hh:mm:ss[.fffffff]`: 7 fraction digits when the fraction is non-zero.
pub fn format_timespan(ticks: i64) -> String {
    let neg = ticks < 0;
    let t = ticks.unsigned_abs();
    let tps = TICKS_PER_SECOND as u64;
    let days = t / TICKS_PER_DAY as u64;
    let rem = t % TICKS_PER_DAY as u64;
    let h = rem / TICKS_PER_HOUR as u64;
    let m = rem % TICKS_PER_HOUR as u64 / TICKS_PER_MINUTE as u64;
    let sec = rem % TICKS_PER_MINUTE as u64 / tps;
    let frac = rem % tps;
    let mut s = String::with_capacity(20);
    if neg {
        s.push('-');
    }
    if days > 0 {
        s.push_str(&format!("{days}."));
    }
    s.push_str(&format!("{h:02}:{m:02}:{sec:02}"));
    if frac != 0 {
        s.push_str(&format!(".{frac:07}"));
    }
    s
}

// ---------------------------------------------------------------------------------
// Parsing

/// A small cursor over ASCII-ish text; every parser below is a sequence of these steps.
struct Cur<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Cur<'a> {
    fn new(s: &'a str) -> Self {
        Cur {
            s: s.as_bytes(),
            i: 0,
        }
    }
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn skip_ws(&mut self) -> bool {
        let start = self.i;
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.i += 1;
        }
        self.i > start
    }
    fn done(&self) -> bool {
        self.i >= self.s.len()
    }
    /// Between `min` and `max` decimal digits; returns (value, digit count).
    fn digits(&mut self, min: usize, max: usize) -> Option<(u64, usize)> {
        let start = self.i;
        let mut v: u64 = 0;
        while self.i - start < max {
            match self.peek() {
                Some(c @ b'0'..=b'9') => {
                    v = v.checked_mul(10)?.checked_add((c - b'0') as u64)?;
                    self.i += 1;
                }
                _ => break,
            }
        }
        let n = self.i - start;
        if n < min {
            self.i = start;
            None
        } else {
            Some((v, n))
        }
    }
    fn word(&mut self) -> &'a str {
        let start = self.i;
        while matches!(self.peek(), Some(c) if c.is_ascii_alphabetic()) {
            self.i += 1;
        }
        std::str::from_utf8(&self.s[start..self.i]).unwrap_or("")
    }
    /// A fraction after the decimal point, as ticks (first 7 digits; the rest are dropped).
    fn fraction_ticks(&mut self) -> Option<u32> {
        let start = self.i;
        let mut v: u32 = 0;
        let mut n = 0;
        while let Some(c @ b'0'..=b'9') = self.peek() {
            if n < 7 {
                v = v * 10 + (c - b'0') as u32;
                n += 1;
            }
            self.i += 1;
        }
        if self.i == start {
            return None;
        }
        while n < 7 {
            v *= 10;
            n += 1;
        }
        Some(v)
    }
}

/// Parses every datetime text form Kusto accepts: ISO-8601 (`T` or space, optional
/// seconds and fraction, `Z` or an offset or a zone name), date only, `yyyy/mm/dd`,
/// RFC-822 (`Sat, 8 Nov 14 15:05:02 GMT`) and RFC-850 (`Saturday, 08-Nov-14 15:05:02 GMT`).
/// Returns ticks since 0001-01-01 UTC.
pub fn parse_datetime(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    parse_iso(s)
        .or_else(|| parse_rfc(s))
        .or_else(|| parse_us(s))
        .or_else(|| parse_parts(s))
}

/// US order `MM-DD-YYYY` or `MM/DD/YYYY`, optionally followed by a clock and zone
/// (conformance: `datetime('12-02-2022')` is December 2).
fn parse_us(s: &str) -> Option<i64> {
    let mut c = Cur::new(s);
    let (month, _) = c.digits(1, 2)?;
    let sep = c.peek()?;
    if sep != b'-' && sep != b'/' {
        return None;
    }
    c.i += 1;
    let (day, _) = c.digits(1, 2)?;
    if !c.eat(sep) {
        return None;
    }
    let (year, _) = c.digits(4, 4)?;
    let mut p = DateParts {
        year: year as i64,
        month: month as u32,
        day: day as u32,
        hour: 0,
        minute: 0,
        second: 0,
        frac: 0,
    };
    let mut offset = 0;
    if c.skip_ws() && !c.done() {
        parse_clock(&mut c, &mut p)?;
        offset = parse_zone(&mut c)?;
    }
    if !c.done() {
        return None;
    }
    Some(make_ticks(p)? - offset).filter(|t| in_datetime_range(*t))
}

/// The literal form `datetime(2025, 6, 14[, h, m, s])`: comma-separated parts.
fn parse_parts(s: &str) -> Option<i64> {
    if !s.contains(',') {
        return None;
    }
    let parts: Vec<u64> = s
        .split(',')
        .map(|p| p.trim().parse::<u64>().ok())
        .collect::<Option<_>>()?;
    if !(3..=6).contains(&parts.len()) {
        return None;
    }
    let get = |i: usize| parts.get(i).copied().unwrap_or(0);
    let p = DateParts {
        year: get(0) as i64,
        month: u32::try_from(get(1)).ok()?,
        day: u32::try_from(get(2)).ok()?,
        hour: u32::try_from(get(3)).ok()?,
        minute: u32::try_from(get(4)).ok()?,
        second: u32::try_from(get(5)).ok()?,
        frac: 0,
    };
    make_ticks(p)
}

fn parse_iso(s: &str) -> Option<i64> {
    let mut c = Cur::new(s);
    let (year, _) = c.digits(4, 4)?;
    let sep = c.peek()?;
    if sep != b'-' && sep != b'/' {
        return None;
    }
    c.i += 1;
    let (month, _) = c.digits(1, 2)?;
    if !c.eat(sep) {
        return None;
    }
    let (day, _) = c.digits(1, 2)?;
    let mut p = DateParts {
        year: year as i64,
        month: month as u32,
        day: day as u32,
        hour: 0,
        minute: 0,
        second: 0,
        frac: 0,
    };
    let mut offset = 0;
    if !c.done() {
        if !(c.eat(b'T') || c.eat(b't') || c.skip_ws()) {
            return None;
        }
        c.skip_ws();
        if !c.done() {
            parse_clock(&mut c, &mut p)?;
            offset = parse_zone(&mut c)?;
        }
    }
    if !c.done() {
        return None;
    }
    Some(make_ticks(p)? - offset).filter(|t| in_datetime_range(*t))
}

/// `hh:mm[:ss[.fffffff]]`, optionally followed by `AM`/`PM`.
fn parse_clock(c: &mut Cur, p: &mut DateParts) -> Option<()> {
    let (h, _) = c.digits(1, 2)?;
    if !c.eat(b':') {
        return None;
    }
    let (m, _) = c.digits(2, 2)?;
    p.hour = h as u32;
    p.minute = m as u32;
    if c.eat(b':') {
        let (sec, _) = c.digits(2, 2)?;
        p.second = sec as u32;
        if c.eat(b'.') || c.eat(b',') {
            p.frac = c.fraction_ticks()?;
        }
    }
    let save = c.i;
    c.skip_ws();
    let w = c.word();
    match w.to_ascii_uppercase().as_str() {
        "AM" if (1..=12).contains(&p.hour) => p.hour %= 12,
        "PM" if (1..=12).contains(&p.hour) => p.hour = p.hour % 12 + 12,
        _ => c.i = save,
    }
    Some(())
}

/// An optional zone after the clock: `Z`, `GMT`, `UTC`, `UT`, US zone names, military
/// letters, `±hh`, `±hh:mm`, `±hhmm`. Returns the offset in ticks (local − UTC).
fn parse_zone(c: &mut Cur) -> Option<i64> {
    c.skip_ws();
    if c.done() {
        return Some(0);
    }
    let sign = match c.peek()? {
        b'+' => 1,
        b'-' => -1,
        _ => {
            let w = c.word();
            let hours = match w.to_ascii_uppercase().as_str() {
                "Z" | "GMT" | "UTC" | "UT" => 0,
                "EST" => -5,
                "EDT" => -4,
                "CST" => -6,
                "CDT" => -5,
                "MST" => -7,
                "MDT" => -6,
                "PST" => -8,
                "PDT" => -7,
                m if m.len() == 1 => military_zone(m.as_bytes()[0])?,
                _ => return None,
            };
            c.skip_ws();
            return Some(hours * TICKS_PER_HOUR);
        }
    };
    c.i += 1;
    let (hh, n) = c.digits(1, 4)?;
    let (h, m) = if n > 2 {
        (hh / 100, hh % 100)
    } else if c.eat(b':') {
        (hh, c.digits(2, 2)?.0)
    } else {
        (hh, 0)
    };
    if h > 14 || m > 59 {
        return None;
    }
    c.skip_ws();
    Some(sign * (h as i64 * TICKS_PER_HOUR + m as i64 * TICKS_PER_MINUTE))
}

fn military_zone(l: u8) -> Option<i64> {
    Some(match l {
        b'Z' => 0,
        b'A'..=b'I' => (l - b'A' + 1) as i64,
        b'K'..=b'M' => (l - b'K' + 10) as i64,
        b'N'..=b'Y' => -((l - b'N' + 1) as i64),
        _ => return None,
    })
}

fn month_from_name(w: &str) -> Option<u32> {
    const NAMES: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    if w.len() < 3 {
        return None;
    }
    let lw = w.to_ascii_lowercase();
    let i = NAMES.iter().position(|n| lw.starts_with(n))?;
    const FULL: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    if lw.len() == 3 || FULL[i] == lw || (i == 8 && lw == "sept") {
        Some(i as u32 + 1)
    } else {
        None
    }
}

fn is_weekday_name(w: &str) -> bool {
    const DAYS: [&str; 7] = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    let lw = w.to_ascii_lowercase();
    DAYS.iter()
        .any(|d| *d == lw || (lw.len() == 3 && d.starts_with(&lw)))
}

/// RFC-822 `[Sat, ]8 Nov 14 15:05[:02] [GMT]` and RFC-850 `[Saturday, ]08-Nov-14 15:05[:02] [GMT]`.
fn parse_rfc(s: &str) -> Option<i64> {
    let mut c = Cur::new(s);
    if c.peek()?.is_ascii_alphabetic() {
        if !is_weekday_name(c.word()) {
            return None;
        }
        c.eat(b',');
        c.skip_ws();
    }
    let (day, _) = c.digits(1, 2)?;
    let dash = c.eat(b'-');
    if !dash && !c.skip_ws() {
        return None;
    }
    let month = month_from_name(c.word())?;
    if !(if dash { c.eat(b'-') } else { c.skip_ws() }) {
        return None;
    }
    let (y, n) = c.digits(2, 4)?;
    let year = match n {
        2 => two_digit_year(y),
        4 => y as i64,
        _ => return None,
    };
    let mut p = DateParts {
        year,
        month,
        day: day as u32,
        hour: 0,
        minute: 0,
        second: 0,
        frac: 0,
    };
    let mut offset = 0;
    if c.skip_ws() && !c.done() {
        parse_clock(&mut c, &mut p)?;
        offset = parse_zone(&mut c)?;
    }
    if !c.done() {
        return None;
    }
    Some(make_ticks(p)? - offset).filter(|t| in_datetime_range(*t))
}

/// .NET's two-digit-year window: 00..49 → 2000s, 50..99 → 1900s.
fn two_digit_year(y: u64) -> i64 {
    if y < 50 {
        2000 + y as i64
    } else {
        1900 + y as i64
    }
}

/// Parses a timespan: `[-][d.]hh:mm[:ss[.fffffff]]`, a number with a unit (`1d`, `1.5h`,
/// `30m`, `10sec`, `15 seconds`, `100ms`, `1microsecond`, `5tick`), or a bare number of days.
pub fn parse_timespan(s: &str) -> Option<i64> {
    let s = s.trim();
    let (neg, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest.trim_start()),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if body.is_empty() {
        return None;
    }
    let t = if body.contains(':') {
        parse_clock_span(body)?
    } else {
        parse_unit_span(body)?
    };
    Some(if neg { -t } else { t })
}

fn parse_clock_span(s: &str) -> Option<i64> {
    let mut c = Cur::new(s);
    let (first, _) = c.digits(1, 8)?;
    let (days, hours) = if c.eat(b'.') {
        (first, c.digits(1, 2)?.0)
    } else {
        (0, first)
    };
    if !c.eat(b':') {
        return None;
    }
    let (minutes, _) = c.digits(1, 2)?;
    let mut seconds = 0;
    let mut frac = 0;
    if c.eat(b':') {
        seconds = c.digits(1, 2)?.0;
        if c.eat(b'.') {
            frac = c.fraction_ticks()? as u64;
        }
    }
    if !c.done() || hours > 23 || minutes > 59 || seconds > 59 {
        return None;
    }
    let t = days as i128 * TICKS_PER_DAY as i128
        + hours as i128 * TICKS_PER_HOUR as i128
        + minutes as i128 * TICKS_PER_MINUTE as i128
        + seconds as i128 * TICKS_PER_SECOND as i128
        + frac as i128;
    i64::try_from(t).ok()
}

/// The ticks of one unit name, as timespan literals spell them.
pub fn timespan_unit_ticks(unit: &str) -> Option<i64> {
    Some(match unit {
        "" | "d" | "day" | "days" => TICKS_PER_DAY,
        "h" | "hr" | "hrs" | "hour" | "hours" => TICKS_PER_HOUR,
        "m" | "min" | "minute" | "minutes" => TICKS_PER_MINUTE,
        "s" | "sec" | "second" | "seconds" => TICKS_PER_SECOND,
        "ms" | "milli" | "millis" | "millisecond" | "milliseconds" => 10_000,
        "microsecond" | "microseconds" => 10,
        "tick" | "ticks" => 1,
        _ => return None,
    })
}

fn parse_unit_span(s: &str) -> Option<i64> {
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let unit = unit.trim_start();
    if num.is_empty() || num.starts_with('.') && num.len() == 1 {
        return None;
    }
    let per = timespan_unit_ticks(unit)?;
    if !num.contains('.') {
        let n: i64 = num.parse().ok()?;
        return n.checked_mul(per);
    }
    let f: f64 = num.parse().ok()?;
    let t = (f * per as f64).round();
    if t.is_finite() && t.abs() < i64::MAX as f64 {
        Some(t as i64)
    } else {
        None
    }
}

/// The current time in ticks since 0001-01-01 (UTC).
pub fn now_ticks() -> i64 {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    super::UNIX_EPOCH_TICKS + (d.as_nanos() / 100) as i64
}

/// A query clock given by a user (`--now`, a test file's `"now"`): any datetime text
/// KQL's `datetime()` reads, so that every command takes the same forms.
pub fn parse_query_clock(text: &str) -> Result<i64, String> {
    parse_datetime(text).ok_or_else(|| {
        format!("`{text}` is not a datetime (expected ISO 8601, e.g. 2026-05-18T12:00:00Z)")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(y: i64, mo: u32, d: u32, h: u32, mi: u32, s: u32, frac: u32) -> i64 {
        make_ticks(DateParts {
            year: y,
            month: mo,
            day: d,
            hour: h,
            minute: mi,
            second: s,
            frac,
        })
        .unwrap()
    }

    #[test]
    fn epoch_constant_matches_calendar() {
        assert_eq!(dt(1970, 1, 1, 0, 0, 0, 0), super::super::UNIX_EPOCH_TICKS);
        assert_eq!(dt(1, 1, 1, 0, 0, 0, 0), 0);
        assert_eq!(dt(9999, 12, 31, 23, 59, 59, 9_999_999), MAX_DATETIME_TICKS);
    }

    #[test]
    fn calendar_round_trips() {
        for days in (0..3_652_059).step_by(97) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn parses_datetime_forms() {
        let cases: &[(&str, Option<i64>)] = &[
            ("2015-12-31", Some(dt(2015, 12, 31, 0, 0, 0, 0))),
            (
                "2015-12-31 23:59:59.9",
                Some(dt(2015, 12, 31, 23, 59, 59, 9_000_000)),
            ),
            (
                "2014-05-25T08:20:03.123456Z",
                Some(dt(2014, 5, 25, 8, 20, 3, 1_234_560)),
            ),
            (
                "2014-05-25T08:20:03.12345678Z",
                Some(dt(2014, 5, 25, 8, 20, 3, 1_234_567)),
            ),
            ("2014-05-25T08:20", Some(dt(2014, 5, 25, 8, 20, 0, 0))),
            (
                "2014-05-25T08:20:03+02:00",
                Some(dt(2014, 5, 25, 6, 20, 3, 0)),
            ),
            (
                "2014-05-25T08:20:03-0130",
                Some(dt(2014, 5, 25, 9, 50, 3, 0)),
            ),
            (
                "2014-11-08 15:05:25 GMT",
                Some(dt(2014, 11, 8, 15, 5, 25, 0)),
            ),
            ("1970-5-12", Some(dt(1970, 5, 12, 0, 0, 0, 0))),
            ("2017/08/01", Some(dt(2017, 8, 1, 0, 0, 0, 0))),
            (
                "Sat, 8 Nov 14 15:05:02 GMT",
                Some(dt(2014, 11, 8, 15, 5, 2, 0)),
            ),
            ("Sat, 8 Nov 14 15:05:02", Some(dt(2014, 11, 8, 15, 5, 2, 0))),
            ("8 Nov 14 15:05", Some(dt(2014, 11, 8, 15, 5, 0, 0))),
            ("8 Nov 14 15:05 EST", Some(dt(2014, 11, 8, 20, 5, 0, 0))),
            (
                "Saturday, 08-Nov-14 15:05:02 GMT",
                Some(dt(2014, 11, 8, 15, 5, 2, 0)),
            ),
            ("08-Nov-14 15:05:02", Some(dt(2014, 11, 8, 15, 5, 2, 0))),
            ("2015-02-29", None),
            ("2015-13-01", None),
            ("not a date", None),
            ("", None),
            ("2015-12-31x", None),
            ("12-02-2022", Some(dt(2022, 12, 2, 0, 0, 0, 0))),
            ("12/02/2022 10:00", Some(dt(2022, 12, 2, 10, 0, 0, 0))),
            ("2025, 6, 14", Some(dt(2025, 6, 14, 0, 0, 0, 0))),
            ("2025, 6, 14, 1, 2, 3", Some(dt(2025, 6, 14, 1, 2, 3, 0))),
        ];
        for (text, want) in cases {
            assert_eq!(parse_datetime(text), *want, "{text}");
        }
    }

    #[test]
    fn formats_datetimes() {
        let cases = [
            (dt(2026, 5, 18, 12, 0, 0, 0), "2026-05-18T12:00:00Z"),
            (
                dt(2014, 5, 25, 8, 20, 3, 1_234_560),
                "2014-05-25T08:20:03.123456Z",
            ),
            (
                dt(2015, 12, 31, 23, 59, 59, 9_000_000),
                "2015-12-31T23:59:59.9Z",
            ),
            (0, "0001-01-01T00:00:00Z"),
        ];
        for (t, want) in cases {
            assert_eq!(format_datetime_iso(t), want);
        }
    }

    #[test]
    fn parses_timespans() {
        let cases: &[(&str, Option<i64>)] = &[
            (
                "1.02:03:04.5",
                Some(
                    TICKS_PER_DAY
                        + 2 * TICKS_PER_HOUR
                        + 3 * TICKS_PER_MINUTE
                        + 4 * TICKS_PER_SECOND
                        + 5_000_000,
                ),
            ),
            ("00:30:00", Some(30 * TICKS_PER_MINUTE)),
            ("00:01", Some(TICKS_PER_MINUTE)),
            (
                "0.12:34:56.7",
                Some(
                    12 * TICKS_PER_HOUR + 34 * TICKS_PER_MINUTE + 56 * TICKS_PER_SECOND + 7_000_000,
                ),
            ),
            ("-12:00:00", Some(-12 * TICKS_PER_HOUR)),
            ("1d", Some(TICKS_PER_DAY)),
            ("1h", Some(TICKS_PER_HOUR)),
            ("1.5h", Some(90 * TICKS_PER_MINUTE)),
            ("30m", Some(30 * TICKS_PER_MINUTE)),
            ("10sec", Some(10 * TICKS_PER_SECOND)),
            ("15 seconds", Some(15 * TICKS_PER_SECOND)),
            ("100ms", Some(100 * 10_000)),
            ("3microsecond", Some(30)),
            ("5tick", Some(5)),
            ("2", Some(2 * TICKS_PER_DAY)),
            ("1w", None),
            ("abc", None),
            ("", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse_timespan(text), *want, "{text}");
        }
    }

    /// The parsers never panic: every prefix of a set of tricky texts, and texts built
    /// from a small alphabet by a fixed pseudo-random walk.
    #[test]
    fn parsers_never_panic() {
        let seeds = [
            "10675199.23:59:59.9999999",
            "99999999.23:59:59",
            "-9999999999999999999d",
            "1.7976931348623157e308h",
            "Sat, 31 Dec 99 23:59:59 -1400",
            "9999-12-31T23:59:59.9999999-14:00",
            "0001-01-01T00:00:00+14:00",
            "éé-ü:ü",
        ];
        let alphabet: Vec<char> = "0129:.-+ ,/TZdhmsSatNovGMT\u{e9}".chars().collect();
        let mut texts: Vec<String> = Vec::new();
        for s in seeds {
            for (i, _) in s.char_indices() {
                texts.push(s[..i].to_string());
            }
            texts.push(s.to_string());
        }
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for _ in 0..3000 {
            let mut t = String::new();
            for _ in 0..(x % 24) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                t.push(alphabet[(x % alphabet.len() as u64) as usize]);
            }
            texts.push(t);
        }
        for t in &texts {
            let _ = parse_datetime(t);
            let _ = parse_timespan(t);
        }
        for t in [i64::MIN, -1, MAX_DATETIME_TICKS + 1, i64::MAX] {
            let _ = format_timespan(t);
            let _ = format_datetime_iso(t);
        }
    }

    #[test]
    fn formats_timespans() {
        let cases = [
            (TICKS_PER_DAY, "1.00:00:00"),
            (30 * TICKS_PER_MINUTE, "00:30:00"),
            (1_000_000, "00:00:00.1000000"),
            (-12 * TICKS_PER_HOUR, "-12:00:00"),
            (14 * TICKS_PER_DAY, "14.00:00:00"),
            (0, "00:00:00"),
        ];
        for (t, want) in cases {
            assert_eq!(format_timespan(t), want);
        }
    }
}
