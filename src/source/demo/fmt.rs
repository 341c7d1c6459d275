//! Byte-level formatting for the demo writers: integers, fixed-point durations and the time
//! formats AWS writes, without float formatting (so output is identical on every platform)
//! and without per-call allocation.

const HEX: &[u8; 16] = b"0123456789abcdef";
const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

/// Append `n` in decimal.
pub(super) fn push_u64(b: &mut Vec<u8>, n: u64) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    let mut n = n;
    loop {
        i -= 1;
        tmp[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    b.extend_from_slice(&tmp[i..]);
}

/// Append `n` in decimal (negative values clamp to 0: the demo never writes them).
pub(super) fn push_i64(b: &mut Vec<u8>, n: i64) {
    push_u64(b, n.max(0) as u64);
}

/// Append `n` zero-padded to at least `width` digits.
pub(super) fn push_pad(b: &mut Vec<u8>, n: u64, width: usize) {
    let mut tmp = [b'0'; 20];
    let mut i = tmp.len();
    let mut n = n;
    loop {
        i -= 1;
        tmp[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let start = i.min(tmp.len() - width.min(tmp.len()));
    b.extend_from_slice(&tmp[start..]);
}

/// Append the low `width` nibbles of `n` as lowercase hex (`width` ≤ 16).
pub(super) fn push_hex(b: &mut Vec<u8>, n: u64, width: usize) {
    let mut tmp = [0u8; 16];
    let width = width.min(16);
    let mut k = 0;
    while k < width {
        tmp[width - 1 - k] = HEX[((n >> (4 * k)) & 0xf) as usize];
        k += 1;
    }
    b.extend_from_slice(&tmp[..width]);
}

/// µs as milliseconds with two decimals, rounded: `128_834` → `128.83`.
pub(super) fn push_ms2(b: &mut Vec<u8>, us: i64) {
    let c = (us.max(0) as u64 + 5) / 10;
    push_u64(b, c / 100);
    b.push(b'.');
    push_pad(b, c % 100, 2);
}

/// µs as milliseconds with up to three decimals, trailing zeros trimmed: `26_843` → `26.843`,
/// `27_000` → `27`.
pub(super) fn push_ms3(b: &mut Vec<u8>, us: i64) {
    let us = us.max(0) as u64;
    push_u64(b, us / 1000);
    let mut frac = us % 1000;
    if frac == 0 {
        return;
    }
    let mut width = 3;
    while frac.is_multiple_of(10) {
        frac /= 10;
        width -= 1;
    }
    b.push(b'.');
    push_pad(b, frac, width);
}

/// µs as seconds with two decimals, rounded: `6_010_000` → `6.01`.
pub(super) fn push_secs2(b: &mut Vec<u8>, us: i64) {
    let c = (us.max(0) as u64 + 5_000) / 10_000;
    push_u64(b, c / 100);
    b.push(b'.');
    push_pad(b, c % 100, 2);
}

/// ms as seconds with up to three decimals and at least one (`3232` → `3.232`, `500` → `0.5`,
/// `2000` → `2.0`), as Python prints a float.
pub(super) fn push_secs_float(b: &mut Vec<u8>, ms: i64) {
    let ms = ms.max(0) as u64;
    push_u64(b, ms / 1000);
    b.push(b'.');
    let mut frac = ms % 1000;
    if frac == 0 {
        b.push(b'0');
        return;
    }
    let mut width = 3;
    while frac.is_multiple_of(10) {
        frac /= 10;
        width -= 1;
    }
    push_pad(b, frac, width);
}

/// A fixed-point amount in units of 1e-10 as a decimal string with trailing zeros trimmed
/// (`0`, `6.08`, `40.3543773134`), as Cost Explorer writes amounts.
pub(super) fn push_amount(b: &mut Vec<u8>, units: u64) {
    const SCALE: u64 = 10_000_000_000;
    push_u64(b, units / SCALE);
    let mut frac = units % SCALE;
    if frac == 0 {
        return;
    }
    let mut width = 10;
    while frac.is_multiple_of(10) {
        frac /= 10;
        width -= 1;
    }
    b.push(b'.');
    push_pad(b, frac, width);
}

/// µs since the epoch as seconds in Java's `Double.toString` form, as X-Ray returns segment
/// documents: `1.692293788127201E9`.
pub(super) fn push_java_secs(b: &mut Vec<u8>, us: i64) {
    let us = us.max(1_000_000) as u64;
    let mut digits = Vec::with_capacity(24);
    push_u64(&mut digits, us / 1_000_000);
    let exp = digits.len() - 1;
    push_pad(&mut digits, us % 1_000_000, 6);
    while digits.len() > 2 && digits.last() == Some(&b'0') {
        digits.pop();
    }
    b.push(digits[0]);
    b.push(b'.');
    b.extend_from_slice(&digits[1..]);
    b.push(b'E');
    push_u64(b, exp as u64);
}

/// Days since 1970-01-01 → (year, month 1-12, day 1-31), proleptic Gregorian.
pub(super) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

struct Parts {
    y: i64,
    mo: u32,
    d: u32,
    h: u64,
    mi: u64,
    s: u64,
    ms: u64,
}

fn parts(ms: i64) -> Parts {
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000) as u64;
    let (y, mo, d) = civil_from_days(days);
    Parts {
        y,
        mo,
        d,
        h: rem / 3_600_000,
        mi: rem / 60_000 % 60,
        s: rem / 1000 % 60,
        ms: rem % 1000,
    }
}

/// `YYYY<sep>MM<sep>DD` of ms since the epoch.
pub(super) fn push_date(b: &mut Vec<u8>, ms: i64, sep: u8) {
    let p = parts(ms);
    push_pad(b, p.y.max(0) as u64, 4);
    b.push(sep);
    push_pad(b, p.mo as u64, 2);
    b.push(sep);
    push_pad(b, p.d as u64, 2);
}

fn push_hms(b: &mut Vec<u8>, p: &Parts) {
    push_pad(b, p.h, 2);
    b.push(b':');
    push_pad(b, p.mi, 2);
    b.push(b':');
    push_pad(b, p.s, 2);
}

/// ISO-8601 UTC with milliseconds: `2026-10-03T14:05:06.123Z`.
pub(super) fn push_iso_ms(b: &mut Vec<u8>, ms: i64) {
    push_date(b, ms, b'-');
    let p = parts(ms);
    b.push(b'T');
    push_hms(b, &p);
    b.push(b'.');
    push_pad(b, p.ms, 3);
    b.push(b'Z');
}

/// ISO-8601 UTC to the second: `2026-10-03T14:05:06Z`.
pub(super) fn push_iso_s(b: &mut Vec<u8>, ms: i64) {
    push_date(b, ms, b'-');
    let p = parts(ms);
    b.push(b'T');
    push_hms(b, &p);
    b.push(b'Z');
}

/// Python `logging` time as Powertools for Python writes it: `2026-10-03 14:05:06,123+0000`.
pub(super) fn push_py_ts(b: &mut Vec<u8>, ms: i64) {
    push_date(b, ms, b'-');
    let p = parts(ms);
    b.push(b' ');
    push_hms(b, &p);
    b.push(b',');
    push_pad(b, p.ms, 3);
    b.extend_from_slice(b"+0000");
}

/// API Gateway `$context.requestTime`: `03/Oct/2026:14:05:06 +0000`.
pub(super) fn push_clf_time(b: &mut Vec<u8>, ms: i64) {
    let p = parts(ms);
    push_pad(b, p.d as u64, 2);
    b.push(b'/');
    b.extend_from_slice(MONTHS[(p.mo as usize).clamp(1, 12) - 1]);
    b.push(b'/');
    push_pad(b, p.y.max(0) as u64, 4);
    b.push(b':');
    push_hms(b, &p);
    b.extend_from_slice(b" +0000");
}

/// Append `s` as a JSON string literal: quoted, with `"`, `\\` and control characters escaped
/// as `serde_json` and Python's `json` escape them (`\\n`, `\\t`, `\\u001b`, …). Bytes ≥ 0x80
/// are copied as they are, so UTF-8 text stays UTF-8. Scans eight bytes at a time.
pub(super) fn push_json_str(b: &mut Vec<u8>, s: &[u8]) {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    b.reserve(s.len() + 2);
    b.push(b'"');
    let n = s.len();
    let mut run = 0; // start of the bytes not yet copied
    let mut i = 0;
    while i < n {
        if i + 8 <= n {
            let mut w = [0u8; 8];
            w.copy_from_slice(&s[i..i + 8]);
            let x = u64::from_le_bytes(w);
            let q = x ^ (LO * b'"' as u64);
            let bs = x ^ (LO * b'\\' as u64);
            let hit = (x.wrapping_sub(LO * 0x20) & !x
                | q.wrapping_sub(LO) & !q
                | bs.wrapping_sub(LO) & !bs)
                & HI;
            if hit == 0 {
                i += 8;
                continue;
            }
        }
        let stop = if i + 8 <= n { i + 8 } else { n };
        while i < stop {
            let e = ESCAPE[s[i] as usize];
            if e != 0 {
                b.extend_from_slice(&s[run..i]);
                b.push(b'\\');
                b.push(e);
                if e == b'u' {
                    b.extend_from_slice(b"00");
                    push_hex(b, s[i] as u64, 2);
                }
                run = i + 1;
            }
            i += 1;
        }
    }
    b.extend_from_slice(&s[run..]);
    b.push(b'"');
}

/// The escape letter of each byte in a JSON string, or 0 when it needs none.
static ESCAPE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 0x20 {
        t[c] = b'u';
        c += 1;
    }
    t[0x08] = b'b';
    t[0x09] = b't';
    t[0x0a] = b'n';
    t[0x0c] = b'f';
    t[0x0d] = b'r';
    t[b'"' as usize] = b'"';
    t[b'\\' as usize] = b'\\';
    t
};

#[cfg(test)]
#[path = "fmt_tests.rs"]
mod tests;
