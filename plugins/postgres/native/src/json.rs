//! JSON text as connectrt's JsonConverter writes it (orjson's output with Jackson's escapes).

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// A JSON string of UTF-8 text: `"` and `\` escaped, \b \t \n \f \r short, other control characters as
/// `\u00XX` (upper-case hex), characters outside the BMP as a surrogate pair of escapes, the rest as is.
pub fn write_str(out: &mut Vec<u8>, text: &[u8]) {
    out.reserve(text.len() + 2);
    out.push(b'"');
    let mut start = 0;
    let mut i = 0;
    while i < text.len() {
        let b = text[i];
        if b >= 0x20 && b != b'"' && b != b'\\' && b < 0xF0 {
            i += 1;
            continue;
        }
        out.extend_from_slice(&text[start..i]);
        if b >= 0xF0 {
            // a 4-byte sequence (valid UTF-8 was checked by the caller)
            let cp = (((b & 0x07) as u32) << 18)
                | (((text[i + 1] & 0x3F) as u32) << 12)
                | (((text[i + 2] & 0x3F) as u32) << 6)
                | ((text[i + 3] & 0x3F) as u32);
            let v = cp - 0x10000;
            write_u_escape(out, 0xD800 + (v >> 10));
            write_u_escape(out, 0xDC00 + (v & 0x3FF));
            i += 4;
            start = i;
            continue;
        }
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x09 => out.extend_from_slice(b"\\t"),
            0x0A => out.extend_from_slice(b"\\n"),
            0x0C => out.extend_from_slice(b"\\f"),
            0x0D => out.extend_from_slice(b"\\r"),
            _ => write_u_escape(out, b as u32),
        }
        i += 1;
        start = i;
    }
    out.extend_from_slice(&text[start..]);
    out.push(b'"');
}

fn write_u_escape(out: &mut Vec<u8>, unit: u32) {
    out.extend_from_slice(b"\\u");
    for shift in [12, 8, 4, 0] {
        out.push(HEX[((unit >> shift) & 0xF) as usize]);
    }
}

pub fn write_i64(out: &mut Vec<u8>, v: i64) {
    if v < 0 {
        out.push(b'-');
    }
    write_u64(out, v.unsigned_abs());
}

pub fn write_u64(out: &mut Vec<u8>, v: u64) {
    let mut buf = [0u8; 20];
    let mut n = v;
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding, as a JSON string.
pub fn write_base64_str(out: &mut Vec<u8>, data: &[u8]) {
    out.push(b'"');
    let mut chunks = data.chunks_exact(3);
    for c in &mut chunks {
        let n = ((c[0] as u32) << 16) | ((c[1] as u32) << 8) | c[2] as u32;
        out.extend_from_slice(&[
            B64[(n >> 18) as usize & 63],
            B64[(n >> 12) as usize & 63],
            B64[(n >> 6) as usize & 63],
            B64[n as usize & 63],
        ]);
    }
    let rest = chunks.remainder();
    match rest.len() {
        1 => {
            let n = (rest[0] as u32) << 16;
            out.extend_from_slice(&[B64[(n >> 18) as usize & 63], B64[(n >> 12) as usize & 63], b'=', b'=']);
        }
        2 => {
            let n = ((rest[0] as u32) << 16) | ((rest[1] as u32) << 8);
            out.extend_from_slice(&[
                B64[(n >> 18) as usize & 63],
                B64[(n >> 12) as usize & 63],
                B64[(n >> 6) as usize & 63],
                b'=',
            ]);
        }
        _ => {}
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> String {
        let mut out = Vec::new();
        write_str(&mut out, text.as_bytes());
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn escapes() {
        assert_eq!(s("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(s("\u{1}\u{1f}\n\t"), r#""\u0001\u001F\n\t""#);
        assert_eq!(s("é😀"), "\"é\\uD83D\\uDE00\"");
        assert_eq!(s("\u{7f}"), "\"\u{7f}\"");
    }

    #[test]
    fn base64() {
        for (data, text) in [(&b""[..], "\"\""), (b"f", "\"Zg==\""), (b"fo", "\"Zm8=\""), (b"foo", "\"Zm9v\"")] {
            let mut out = Vec::new();
            write_base64_str(&mut out, data);
            assert_eq!(String::from_utf8(out).unwrap(), text);
        }
    }

    #[test]
    fn numbers() {
        let mut out = Vec::new();
        write_i64(&mut out, i64::MIN);
        out.push(b' ');
        write_i64(&mut out, 0);
        out.push(b' ');
        write_u64(&mut out, u64::MAX);
        assert_eq!(String::from_utf8(out).unwrap(), "-9223372036854775808 0 18446744073709551615");
    }
}
