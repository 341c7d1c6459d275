//! Timestamps in every form AWS writes them, to microseconds since the Unix epoch (UTC).

use chrono::{DateTime, NaiveDate, NaiveDateTime};

/// Epoch milliseconds (CloudWatch `timestamp`) to µs.
pub fn from_epoch_ms(ms: i64) -> Option<i64> {
    ms.checked_mul(1000)
}

/// Epoch seconds as a float (X-Ray `start_time`, also `1.568835610432E9`) to µs.
pub fn from_epoch_secs_f64(s: f64) -> Option<i64> {
    if !s.is_finite() || !(0.0..1e11).contains(&s) {
        return None;
    }
    Some((s * 1_000_000.0).round() as i64)
}

/// A number that may be epoch seconds, milliseconds or microseconds, told apart by size.
pub fn from_epoch_guess(n: f64) -> Option<i64> {
    if !n.is_finite() || n < 0.0 {
        return None;
    }
    if n < 1e11 {
        from_epoch_secs_f64(n)
    } else if n < 1e14 {
        Some((n * 1000.0).round() as i64)
    } else if n < 1e17 {
        Some(n.round() as i64)
    } else {
        None
    }
}

/// An ISO-8601 / RFC 3339 time, with or without zone (no zone = UTC), with `T` or a space,
/// and the forms `2019-06-07T19:11:20.562Z`, `2023-07-05T10:16:34.013000`,
/// `2020-02-14 18:19:39,441` (Python logging), `2024-01-01T00:00:00+00:00`, and a bare date.
pub fn parse_iso(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.len() < 10 || !s.as_bytes()[0].is_ascii_digit() {
        return None;
    }
    if let Some(us) = parse_utc_fast(s.as_bytes()) {
        return Some(us);
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt.timestamp_micros());
    }
    let norm: String;
    let s2 = if s.contains(',') {
        norm = s.replacen(',', ".", 1);
        norm.as_str()
    } else {
        s
    };
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f%#z",
        "%Y-%m-%d %H:%M:%S%.f%#z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
    ] {
        if let Ok(dt) = DateTime::parse_from_str(s2, fmt) {
            return Some(dt.timestamp_micros());
        }
    }
    let s3 = s2.trim_end_matches('Z');
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y/%m/%d %H:%M:%S%.f",
    ] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(s3, fmt) {
            return Some(dt.and_utc().timestamp_micros());
        }
    }
    if s3.len() == 10
        && let Ok(d) = NaiveDate::parse_from_str(s3, "%Y-%m-%d")
    {
        return d
            .and_hms_opt(0, 0, 0)
            .map(|dt| dt.and_utc().timestamp_micros());
    }
    None
}

/// The form the Lambda runtimes write, `YYYY-MM-DDTHH:MM:SS.fffZ` (1–9 fraction digits), read
/// by hand: the same value as `DateTime::parse_from_rfc3339` gives (whose parser was 2% of the
/// instructions of a text log's parse). `None` for any other form, a leap second included,
/// which then goes the general way.
fn parse_utc_fast(b: &[u8]) -> Option<i64> {
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        b.get(r)?.iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    if b.len() < 22
        || b.len() > 30
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || b[19] != b'.'
        || b[b.len() - 1] != b'Z'
    {
        return None;
    }
    let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let (hour, minute, second) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    let frac = &b[20..b.len() - 1];
    if !(1..=9).contains(&frac.len()) {
        return None;
    }
    let nanos = digits(20..b.len() - 1)? * 10u32.pow(9 - frac.len() as u32);
    if second > 59 {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?;
    let dt = date.and_hms_nano_opt(hour, minute, second, nanos)?;
    Some(dt.and_utc().timestamp_micros())
}

/// Format µs since the epoch as ISO-8601 UTC with millisecond precision (`…T…:…:….123Z`).
pub fn format_iso(us: i64) -> String {
    match DateTime::from_timestamp_micros(us) {
        Some(dt) => dt.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        None => us.to_string(),
    }
}

/// The UTC date (`YYYY-MM-DD`) of µs since the epoch.
pub fn date_of(us: i64) -> Option<String> {
    DateTime::from_timestamp_micros(us).map(|dt| dt.format("%Y-%m-%d").to_string())
}

#[cfg(test)]
#[path = "time_tests.rs"]
mod tests;
