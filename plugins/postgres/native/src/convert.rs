//! One column value, from PostgreSQL's text output to the JSON JsonConverter writes for the Connect
//! value connectrt's Python converters (types.py, pgtext.py) make of it.
//!
//! Each kind handles only the canonical text PostgreSQL prints for its type; anything else (NaN,
//! infinity of dates, BC, years past 9999, scales other than the column's, ...) returns `Err(())`,
//! and the row is then converted by the Python path, which has every rule and every warning.

use crate::json::{write_base64_str, write_i64, write_str};

pub const K_INT: u8 = 1; // int2/int4/int8/oid: the text is the JSON number
pub const K_BOOL: u8 = 2; // "t"/"true" is true, anything else false
pub const K_STR: u8 = 3; // the text as a JSON string
pub const K_DECIMAL: u8 = 4; // numeric(p,s), decimal.handling.mode=precise, decimal.format=BASE64; param = scale
pub const K_ZONED_TS: u8 = 5; // timestamptz as io.debezium.time.ZonedTimestamp; param = fraction width
pub const K_MICRO_TS: u8 = 6; // timestamp as io.debezium.time.MicroTimestamp
pub const K_MILLI_TS: u8 = 7; // timestamp as io.debezium.time.Timestamp
pub const K_DATE: u8 = 8; // date as io.debezium.time.Date (epoch days)
pub const K_MICRO_TIME: u8 = 9; // time as io.debezium.time.MicroTime
pub const K_MILLI_TIME: u8 = 10; // time as io.debezium.time.Time
pub const K_BYTES: u8 = 11; // bytea (hex output) as base64 bytes

pub const KNOWN_KINDS: [u8; 11] = [
    K_INT, K_BOOL, K_STR, K_DECIMAL, K_ZONED_TS, K_MICRO_TS, K_MILLI_TS, K_DATE, K_MICRO_TIME, K_MILLI_TIME, K_BYTES,
];

// Debezium's values for 'infinity' / '-infinity' timestamps (pgtext.py), in µs.
const TS_POS_INFINITY_US: i64 = 9223372036825200000;
const TS_NEG_INFINITY_US: i64 = -9223372036832400000;

type Res = Result<(), ()>;

pub fn convert(out: &mut Vec<u8>, kind: u8, param: i32, text: &[u8]) -> Res {
    match kind {
        K_INT => int(out, text),
        K_BOOL => {
            out.extend_from_slice(if text == b"t" || text == b"true" { b"true" } else { b"false" });
            Ok(())
        }
        K_STR => {
            std::str::from_utf8(text).map_err(|_| ())?;
            write_str(out, text);
            Ok(())
        }
        K_DECIMAL => decimal(out, param, text),
        K_ZONED_TS => zoned(out, param, text),
        K_MICRO_TS => {
            write_i64(out, timestamp_micros(text)?);
            Ok(())
        }
        K_MILLI_TS => {
            write_i64(out, timestamp_micros(text)?.div_euclid(1000));
            Ok(())
        }
        K_DATE => {
            if text.len() != 10 {
                return Err(());
            }
            write_i64(out, date_days(text)?);
            Ok(())
        }
        K_MICRO_TIME => {
            write_i64(out, time_micros(text)?);
            Ok(())
        }
        K_MILLI_TIME => {
            write_i64(out, time_micros(text)?.div_euclid(1000));
            Ok(())
        }
        K_BYTES => bytea(out, text),
        _ => Err(()),
    }
}

fn int(out: &mut Vec<u8>, text: &[u8]) -> Res {
    let digits = if text.first() == Some(&b'-') { &text[1..] } else { text };
    if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
        return Err(());
    }
    if digits.len() > 1 && digits[0] == b'0' {
        return Err(());
    }
    if digits == b"0" && text.len() != 1 {
        return Err(()); // "-0"
    }
    out.extend_from_slice(text);
    Ok(())
}

/// numeric text with exactly `scale` digits after the point (what PostgreSQL prints for numeric(p,s)) as
/// the base64 of its unscaled value's minimal two's-complement bytes.
fn decimal(out: &mut Vec<u8>, scale: i32, text: &[u8]) -> Res {
    let (negative, body) = match text.first() {
        Some(b'-') => (true, &text[1..]),
        _ => (false, text),
    };
    let (int_part, frac) = match body.iter().position(|&b| b == b'.') {
        Some(dot) => (&body[..dot], &body[dot + 1..]),
        None => (body, &body[body.len()..]),
    };
    if int_part.is_empty() || frac.len() != scale as usize || (scale > 0 && frac.is_empty()) {
        return Err(());
    }
    if scale == 0 && body.contains(&b'.') {
        return Err(());
    }
    if int_part.len() + frac.len() > 38 {
        return Err(());
    }
    let mut unscaled: i128 = 0;
    for &b in int_part.iter().chain(frac.iter()) {
        if !b.is_ascii_digit() {
            return Err(());
        }
        unscaled = unscaled * 10 + (b - b'0') as i128;
    }
    if negative {
        unscaled = -unscaled;
    }
    // Python: n.to_bytes((n + (n < 0)).bit_length() // 8 + 1, "big", signed=True)
    let magnitude = (unscaled + (unscaled < 0) as i128).unsigned_abs();
    let bits = 128 - magnitude.leading_zeros() as usize;
    let len = bits / 8 + 1;
    let all = unscaled.to_be_bytes();
    write_base64_str(out, &all[16 - len..]);
    Ok(())
}

/// pgtext.zoned_timestamp's rewrite of `YYYY-MM-DD HH:MM:SS[.f]+00` (the UTC form our sessions get).
fn zoned(out: &mut Vec<u8>, width: i32, text: &[u8]) -> Res {
    if text == b"infinity" || text == b"-infinity" {
        write_str(out, text);
        return Ok(());
    }
    let n = text.len();
    if n < 22 || !text.ends_with(b"+00") || text[4] != b'-' || text[10] != b' ' || !text.is_ascii() {
        return Err(());
    }
    let middle = &text[11..n - 3];
    let (seconds, dot, frac) = match middle.iter().position(|&b| b == b'.') {
        Some(p) => (&middle[..p], true, &middle[p + 1..]),
        None => (middle, false, &middle[middle.len()..]),
    };
    let mut s: Vec<u8> = Vec::with_capacity(40);
    s.extend_from_slice(&text[..10]);
    s.push(b'T');
    s.extend_from_slice(seconds);
    if width <= 0 {
        if dot {
            s.push(b'.');
            let mut end = frac.len();
            while end > 0 && frac[end - 1] == b'0' {
                end -= 1;
            }
            s.extend_from_slice(&frac[..end]);
        }
        s.push(b'Z');
        // Python's str.replace(".Z", "Z") on the whole text
        let mut fixed: Vec<u8> = Vec::with_capacity(s.len());
        let mut i = 0;
        while i < s.len() {
            if s[i] == b'.' && i + 1 < s.len() && s[i + 1] == b'Z' {
                fixed.push(b'Z');
                i += 2;
            } else {
                fixed.push(s[i]);
                i += 1;
            }
        }
        s = fixed;
    } else {
        s.push(b'.');
        let w = width as usize;
        for i in 0..w {
            s.push(if i < frac.len() { frac[i] } else { b'0' });
        }
        s.push(b'Z');
    }
    write_str(out, &s);
    Ok(())
}

fn digits(text: &[u8]) -> Result<i64, ()> {
    if text.is_empty() {
        return Err(());
    }
    let mut v: i64 = 0;
    for &b in text {
        if !b.is_ascii_digit() {
            return Err(());
        }
        v = v * 10 + (b - b'0') as i64;
    }
    Ok(v)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (pgtext.days_from_civil).
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ => {
            if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 {
                29
            } else {
                28
            }
        }
    }
}

/// `YYYY-MM-DD` (years 1-9999, a real calendar date, as Python's date.fromisoformat checks).
fn date_days(text: &[u8]) -> Result<i64, ()> {
    if text.len() != 10 || text[4] != b'-' || text[7] != b'-' {
        return Err(());
    }
    let (y, m, d) = (digits(&text[..4])?, digits(&text[5..7])?, digits(&text[8..10])?);
    if y < 1 || !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return Err(());
    }
    Ok(days_from_civil(y, m, d))
}

/// `HH:MM:SS[.f{1,6}]` as µs (00:00:00 to 23:59:59.999999; other texts go to Python).
fn time_micros(text: &[u8]) -> Result<i64, ()> {
    if text.len() < 8 || text[2] != b':' || text[5] != b':' {
        return Err(());
    }
    let (h, m, s) = (digits(&text[..2])?, digits(&text[3..5])?, digits(&text[6..8])?);
    if h > 23 || m > 59 || s > 59 {
        return Err(());
    }
    let mut micros = 0;
    if text.len() > 8 {
        let frac = &text[9..];
        if text[8] != b'.' || frac.is_empty() || frac.len() > 6 {
            return Err(());
        }
        micros = digits(frac)? * 10i64.pow(6 - frac.len() as u32);
    }
    Ok(((h * 60 + m) * 60 + s) * 1_000_000 + micros)
}

/// A timestamp (without time zone) text as µs since the epoch: `YYYY-MM-DD HH:MM:SS[.f]`, or infinity.
fn timestamp_micros(text: &[u8]) -> Result<i64, ()> {
    if text == b"infinity" {
        return Ok(TS_POS_INFINITY_US);
    }
    if text == b"-infinity" {
        return Ok(TS_NEG_INFINITY_US);
    }
    if text.len() < 19 || text[10] != b' ' {
        return Err(());
    }
    let days = date_days(&text[..10])?;
    Ok(days * 86_400_000_000 + time_micros(&text[11..])?)
}

fn hex(b: u8) -> Result<u8, ()> {
    match b {
        b'0'..=b'9' => Ok(b - b'0'),
        b'a'..=b'f' => Ok(b - b'a' + 10),
        b'A'..=b'F' => Ok(b - b'A' + 10),
        _ => Err(()),
    }
}

fn bytea(out: &mut Vec<u8>, text: &[u8]) -> Res {
    if text.len() < 2 || &text[..2] != b"\\x" || text.len() % 2 != 0 {
        return Err(());
    }
    let body = &text[2..];
    let mut raw = Vec::with_capacity(body.len() / 2);
    for pair in body.chunks_exact(2) {
        raw.push(hex(pair[0])? << 4 | hex(pair[1])?);
    }
    write_base64_str(out, &raw);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(kind: u8, param: i32, text: &str) -> Option<String> {
        let mut out = Vec::new();
        convert(&mut out, kind, param, text.as_bytes()).ok().map(|_| String::from_utf8(out).unwrap())
    }

    #[test]
    fn decimals() {
        assert_eq!(c(K_DECIMAL, 2, "1.25").unwrap(), "\"fQ==\"");
        assert_eq!(c(K_DECIMAL, 2, "0.00").unwrap(), "\"AA==\"");
        assert_eq!(c(K_DECIMAL, 2, "-1.28").unwrap(), "\"gA==\"");
        assert_eq!(c(K_DECIMAL, 2, "1.28").unwrap(), "\"AIA=\"");
        assert_eq!(c(K_DECIMAL, 0, "5").unwrap(), "\"BQ==\"");
        assert!(c(K_DECIMAL, 2, "1.2").is_none());
        assert!(c(K_DECIMAL, 2, "NaN").is_none());
    }

    #[test]
    fn times() {
        assert_eq!(c(K_DATE, 0, "1970-01-02").unwrap(), "1");
        assert!(c(K_DATE, 0, "2023-02-29").is_none());
        assert_eq!(c(K_MICRO_TIME, 0, "00:00:01.5").unwrap(), "1500000");
        assert_eq!(c(K_MILLI_TS, 0, "1969-12-31 23:59:59.9995").unwrap(), "-1");
        assert_eq!(c(K_ZONED_TS, 6, "2024-05-01 12:00:01+00").unwrap(), "\"2024-05-01T12:00:01.000000Z\"");
        assert_eq!(c(K_ZONED_TS, 0, "2024-05-01 12:00:01+00").unwrap(), "\"2024-05-01T12:00:01Z\"");
        assert!(c(K_ZONED_TS, 6, "2024-05-01 12:00:01+02").is_none());
    }
}
