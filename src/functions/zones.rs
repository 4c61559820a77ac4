//! IANA time zones: `datetime_utc_to_local`, `datetime_local_to_utc`,
//! `datetime_list_timezones`. The zone rules come from chrono-tz.

use super::{arity, pure, sig, text, ArgInfo, Bound, Want};
use crate::types::Type;
use crate::value::{in_datetime_range, Value};
use chrono::{DateTime, Offset, TimeZone};
use chrono_tz::{Tz, TZ_VARIANTS};
use std::str::FromStr;

pub(super) const NAMES: &[&str] = &[
    "datetime_utc_to_local",
    "datetime_local_to_utc",
    "datetime_list_timezones",
];

const TICKS_PER_SECOND: i64 = 10_000_000;
/// 1970-01-01 in ticks since 0001-01-01.
const UNIX_EPOCH_TICKS: i64 = 621_355_968_000_000_000;

pub(super) fn bind(name: &str, args: &[ArgInfo]) -> Option<Bound> {
    Some(match name {
        "datetime_utc_to_local" => {
            sig(name, args, 2, 2, &[Want::DateTime, Want::Str]).and_then(|_| {
                pure(Type::DateTime, |a| match (&a[0], zone(&text(&a[1]))) {
                    (Value::DateTime(t), Some(tz)) => {
                        datetime(offset_at(tz, *t).map(|o| t + o * TICKS_PER_SECOND))
                    }
                    _ => Value::Null,
                })
            })
        }
        "datetime_local_to_utc" => {
            sig(name, args, 2, 2, &[Want::DateTime, Want::Str]).and_then(|_| {
                pure(Type::DateTime, |a| match (&a[0], zone(&text(&a[1]))) {
                    (Value::DateTime(t), Some(tz)) => datetime(local_to_utc(tz, *t)),
                    _ => Value::Null,
                })
            })
        }
        "datetime_list_timezones" => arity(name, args, 0, 0).and_then(|_| {
            let list = Value::array(TZ_VARIANTS.iter().map(|z| Value::str(z.name())).collect());
            pure(Type::Dynamic, move |_| list.clone())
        }),
        _ => return None,
    })
}

fn datetime(t: Option<i64>) -> Value {
    match t {
        Some(t) if in_datetime_range(t) => Value::DateTime(t),
        _ => Value::Null,
    }
}

/// A zone by its IANA name, in any letter case.
pub(crate) fn zone(name: &str) -> Option<Tz> {
    Tz::from_str(name).ok().or_else(|| {
        TZ_VARIANTS
            .iter()
            .find(|z| z.name().eq_ignore_ascii_case(name))
            .copied()
    })
}

/// The zone's offset from UTC, in seconds, at the UTC instant `ticks`.
fn offset_at(tz: Tz, ticks: i64) -> Option<i64> {
    let secs = (ticks - UNIX_EPOCH_TICKS).div_euclid(TICKS_PER_SECOND);
    let utc = DateTime::from_timestamp(secs, 0)?.naive_utc();
    Some(tz.offset_from_utc_datetime(&utc).fix().local_minus_utc() as i64)
}

/// The UTC instant of local time `ticks`. A time that occurs twice (clocks turned
/// back) is read as the later, standard-time one; a time skipped by a spring-forward
/// gap takes the offset in force after the gap, as Kusto does (02:00 in Brussels on
/// 2022-03-27 is 00:00 UTC).
pub(crate) fn local_to_utc(tz: Tz, ticks: i64) -> Option<i64> {
    let day = 86_400 * TICKS_PER_SECOND;
    let before = offset_at(tz, ticks - day)?;
    let after = offset_at(tz, ticks + day)?;
    // Of the offsets around this time, those that map the local time back to itself.
    let mut fits = [before, after]
        .into_iter()
        .filter(|o| offset_at(tz, ticks - o * TICKS_PER_SECOND) == Some(*o))
        .map(|o| ticks - o * TICKS_PER_SECOND)
        .collect::<Vec<_>>();
    fits.sort_unstable();
    match fits.last() {
        Some(t) => Some(*t),
        None => Some(ticks - after * TICKS_PER_SECOND),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::parse_datetime;

    fn t(s: &str) -> i64 {
        parse_datetime(s).unwrap()
    }

    #[test]
    fn brussels_spring_forward() {
        let tz = zone("Europe/Brussels").unwrap();
        let cases = [
            ("2022-03-27 01:00:00", "2022-03-27 00:00:00"),
            ("2022-03-27 02:00:00", "2022-03-27 00:00:00"),
            ("2022-03-27 03:00:00", "2022-03-27 01:00:00"),
            ("2022-03-27 04:00:00", "2022-03-27 02:00:00"),
            // Clocks turned back: 02:30 occurs twice; the standard-time one is later.
            ("2022-10-30 02:30:00", "2022-10-30 01:30:00"),
            ("2022-07-01 12:00:00", "2022-07-01 10:00:00"),
        ];
        for (local, utc) in cases {
            assert_eq!(local_to_utc(tz, t(local)), Some(t(utc)), "{local}");
        }
        assert_eq!(offset_at(tz, t("2022-03-27 00:00:00")), Some(3600));
        assert_eq!(offset_at(tz, t("2022-03-27 01:00:00")), Some(7200));
        assert!(zone("us/pacific").is_some());
        assert!(zone("Mars/Olympus").is_none());
    }
}
