//! What a taken record becomes: a JsonFormat line (Jackson's text, as connectrt's JsonConverter without
//! schemas writes a Struct) or one row appended to Parquet column buffers (Arrow's layouts).

use crate::parse::{Field, Kind, Val};

/// Jackson's escapes for a decoded string: the short forms for \b \t \n \f \r, `\u00XX` (upper-case hex)
/// for the other control characters, and characters outside the BMP as a pair of surrogate escapes.
pub fn json_string(s: &[u8], out: &mut Vec<u8>) {
    out.push(b'"');
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        match c {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            0x08 => out.extend_from_slice(b"\\b"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            0x0c => out.extend_from_slice(b"\\f"),
            b'\r' => out.extend_from_slice(b"\\r"),
            0x00..=0x1f => {
                const HEX: &[u8; 16] = b"0123456789ABCDEF";
                out.extend_from_slice(b"\\u00");
                out.push(HEX[(c >> 4) as usize]);
                out.push(HEX[(c & 15) as usize]);
            }
            0xf0..=0xf4 if i + 4 <= s.len() => {
                // A 4-byte UTF-8 sequence (validated when it was decoded).
                let code = ((c as u32 & 0x07) << 18)
                    | ((s[i + 1] as u32 & 0x3f) << 12)
                    | ((s[i + 2] as u32 & 0x3f) << 6)
                    | (s[i + 3] as u32 & 0x3f);
                let v = code - 0x10000;
                let hi = 0xD800 + (v >> 10);
                let lo = 0xDC00 + (v & 0x3ff);
                out.extend_from_slice(format!("\\u{:04X}\\u{:04X}", hi, lo).as_bytes());
                i += 4;
                continue;
            }
            _ => out.push(c),
        }
        i += 1;
    }
    out.push(b'"');
}

/// A float64 in the range the Python path writes with orjson (0, or 1e-3 <= |v| < 1e7): the shortest
/// round-trip digits, never an exponent, ".0" when integral.
fn json_float(v: f64, out: &mut Vec<u8>) {
    let text = format!("{}", v);
    out.extend_from_slice(text.as_bytes());
    if !text.contains('.') {
        out.extend_from_slice(b".0");
    }
}

/// `{"f1":v1,...}`: every field in schema order (`keys[k]` is the JSON text of field k's name and ':').
pub fn json_line(keys: &[Vec<u8>], vals: &[Val], text: &[u8], out: &mut Vec<u8>) {
    out.push(b'{');
    for (k, v) in vals.iter().enumerate() {
        if k > 0 {
            out.push(b',');
        }
        out.extend_from_slice(&keys[k]);
        match *v {
            Val::Null => out.extend_from_slice(b"null"),
            Val::Int(n) => out.extend_from_slice(n.to_string().as_bytes()),
            Val::Float(f) => json_float(f, out),
            Val::Bool(b) => out.extend_from_slice(if b { b"true" } else { b"false" }),
            Val::Str(s, e) => json_string(&text[s..e], out),
        }
    }
    out.push(b'}');
}

/// One column's Arrow buffers: validity bitmap, values (fixed width or string bytes), offsets (strings).
pub struct Column {
    pub kind: Kind,
    pub validity: Vec<u8>,
    pub nulls: usize,
    pub data: Vec<u8>,
    pub offsets: Vec<i32>,
    pub len: usize,
}

impl Column {
    pub fn new(kind: Kind) -> Self {
        Column { kind, validity: Vec::new(), nulls: 0, data: Vec::new(), offsets: vec![0], len: 0 }
    }

    fn set_bit(bits: &mut Vec<u8>, i: usize, on: bool) {
        if i % 8 == 0 {
            bits.push(0);
        }
        if on {
            *bits.last_mut().unwrap() |= 1 << (i % 8);
        }
    }

    pub fn push(&mut self, v: Val, text: &[u8]) {
        let i = self.len;
        Column::set_bit(&mut self.validity, i, !matches!(v, Val::Null));
        if matches!(v, Val::Null) {
            self.nulls += 1;
        }
        match self.kind {
            Kind::Boolean => Column::set_bit(&mut self.data, i, matches!(v, Val::Bool(true))),
            Kind::Text => {
                if let Val::Str(s, e) = v {
                    self.data.extend_from_slice(&text[s..e]);
                }
                self.offsets.push(self.data.len() as i32);
            }
            Kind::Float64 => {
                let f = if let Val::Float(f) = v { f } else { 0.0 };
                self.data.extend_from_slice(&f.to_le_bytes());
            }
            Kind::Int64 | Kind::Timestamp => {
                let n = if let Val::Int(n) = v { n } else { 0 };
                self.data.extend_from_slice(&n.to_le_bytes());
            }
            _ => {
                // int8/16/32, Date, Time: Arrow int32, date32, time32[ms]
                let n = if let Val::Int(n) = v { n as i32 } else { 0 };
                self.data.extend_from_slice(&n.to_le_bytes());
            }
        }
        self.len += 1;
    }

    pub fn clear(&mut self) {
        self.validity.clear();
        self.nulls = 0;
        self.data.clear();
        self.offsets.clear();
        self.offsets.push(0);
        self.len = 0;
    }
}

pub fn new_columns(fields: &[Field]) -> Vec<Column> {
    fields.iter().map(|f| Column::new(f.kind)).collect()
}
