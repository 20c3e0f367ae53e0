//! The payload of a JsonConverter envelope read into one value per schema field, accepting only what the
//! Python path (orjson, then the generated struct decoder of connectrt.converters.json_data) reads without
//! error *and* without any conversion this module does not reproduce. Anything else is `None`: not taken.

/// A field's kind, as connectrt_s3/native.py numbers them.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Int8,
    Int16,
    Int32,
    Int64,
    Float64,
    Boolean,
    Text,
    Timestamp,
    Date,
    Time,
}

impl Kind {
    pub fn from_code(code: u8) -> Option<Kind> {
        Some(match code {
            0 => Kind::Int8,
            1 => Kind::Int16,
            2 => Kind::Int32,
            3 => Kind::Int64,
            4 => Kind::Float64,
            5 => Kind::Boolean,
            6 => Kind::Text,
            7 => Kind::Timestamp,
            8 => Kind::Date,
            9 => Kind::Time,
            _ => return None,
        })
    }
}

pub struct Field {
    pub name: Vec<u8>,
    pub kind: Kind,
    pub optional: bool,
}

#[derive(Clone, Copy)]
pub enum Val {
    Null,
    Int(i64),
    Float(f64),
    Bool(bool),
    /// A decoded string: its UTF-8 bytes are `text[start..end]`.
    Str(usize, usize),
}

/// Epoch milliseconds a Timestamp field is taken with: the Python decoder converts these exactly.
const TIMESTAMP_LIMIT: i64 = (1i64 << 32) * 1000;
/// Days from 1970-01-01 to 0001-01-01 and to 9999-12-31: Python's date range.
const DATE_MIN: i64 = -719_162;
const DATE_MAX: i64 = 2_932_896;
const MAX_DEPTH: u32 = 64;

pub struct Parser<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Parser<'a> {
    pub fn new(b: &'a [u8]) -> Self {
        Parser { b, i: 0 }
    }

    fn ws(&mut self) {
        while self.i < self.b.len() && matches!(self.b[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn literal(&mut self, word: &[u8]) -> bool {
        if self.b[self.i..].starts_with(word) {
            self.i += word.len();
            true
        } else {
            false
        }
    }

    /// A JSON string, decoded (UTF-8) and appended to `out`. Refuses raw control characters, invalid
    /// UTF-8 and lone surrogate escapes (orjson refuses those).
    fn string(&mut self, out: &mut Vec<u8>) -> Option<()> {
        if !self.eat(b'"') {
            return None;
        }
        loop {
            let start = self.i;
            while self.i < self.b.len() {
                let c = self.b[self.i];
                if c == b'"' || c == b'\\' || c < 0x20 {
                    break;
                }
                self.i += 1;
            }
            let run = &self.b[start..self.i];
            if !run.is_ascii() {
                std::str::from_utf8(run).ok()?;
            }
            out.extend_from_slice(run);
            match self.peek()? {
                b'"' => {
                    self.i += 1;
                    return Some(());
                }
                b'\\' => {
                    self.i += 1;
                    let e = self.peek()?;
                    self.i += 1;
                    match e {
                        b'"' => out.push(b'"'),
                        b'\\' => out.push(b'\\'),
                        b'/' => out.push(b'/'),
                        b'b' => out.push(0x08),
                        b'f' => out.push(0x0c),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'u' => {
                            let mut code = self.hex4()?;
                            if (0xDC00..=0xDFFF).contains(&code) {
                                return None; // a lone low surrogate
                            }
                            if (0xD800..=0xDBFF).contains(&code) {
                                // Only a high surrogate escape directly followed by a low one.
                                if self.b.get(self.i..self.i + 2) != Some(&b"\\u"[..]) {
                                    return None;
                                }
                                self.i += 2;
                                let low = self.hex4()?;
                                if !(0xDC00..=0xDFFF).contains(&low) {
                                    return None;
                                }
                                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                            }
                            let ch = char::from_u32(code)?;
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                        }
                        _ => return None,
                    }
                }
                _ => return None, // a raw control character
            }
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let hex = self.b.get(self.i..self.i + 4)?;
        let mut code: u32 = 0;
        for &h in hex {
            code = code * 16 + (h as char).to_digit(16)?;
        }
        self.i += 4;
        Some(code)
    }

    /// A number token: its text and whether it is an integer (no fraction, no exponent).
    fn number(&mut self) -> Option<(&'a str, bool)> {
        let start = self.i;
        self.eat(b'-');
        match self.peek()? {
            b'0' => self.i += 1,
            b'1'..=b'9' => {
                while matches!(self.peek(), Some(b'0'..=b'9')) {
                    self.i += 1;
                }
            }
            _ => return None,
        }
        let mut integer = true;
        if self.eat(b'.') {
            integer = false;
            let digits = self.i;
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.i += 1;
            }
            if self.i == digits {
                return None;
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            integer = false;
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            let digits = self.i;
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.i += 1;
            }
            if self.i == digits {
                return None;
            }
        }
        // Long tokens are left to the Python path (orjson's handling of huge numbers is its own).
        if self.i - start > 24 {
            return None;
        }
        Some((std::str::from_utf8(&self.b[start..self.i]).ok()?, integer))
    }

    /// Any JSON value, checked and skipped (an extra field the decoder ignores).
    fn skip(&mut self, depth: u32, scratch: &mut Vec<u8>) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.ws();
        match self.peek()? {
            b'"' => {
                let mark = scratch.len();
                self.string(scratch)?;
                scratch.truncate(mark);
            }
            b'{' => {
                self.i += 1;
                self.ws();
                if !self.eat(b'}') {
                    loop {
                        self.ws();
                        let mark = scratch.len();
                        self.string(scratch)?;
                        scratch.truncate(mark);
                        self.ws();
                        if !self.eat(b':') {
                            return None;
                        }
                        self.skip(depth + 1, scratch)?;
                        self.ws();
                        if self.eat(b'}') {
                            break;
                        }
                        if !self.eat(b',') {
                            return None;
                        }
                    }
                }
            }
            b'[' => {
                self.i += 1;
                self.ws();
                if !self.eat(b']') {
                    loop {
                        self.skip(depth + 1, scratch)?;
                        self.ws();
                        if self.eat(b']') {
                            break;
                        }
                        if !self.eat(b',') {
                            return None;
                        }
                    }
                }
            }
            b't' => self.literal(b"true").then_some(())?,
            b'f' => self.literal(b"false").then_some(())?,
            b'n' => self.literal(b"null").then_some(())?,
            _ => {
                let (text, integer) = self.number()?;
                if !integer {
                    // orjson refuses a float beyond float64 (then the Python path reads it differently).
                    let v: f64 = text.parse().ok()?;
                    if !v.is_finite() {
                        return None;
                    }
                }
            }
        }
        Some(())
    }

    /// One field's value of `kind`; `json` also asks that a float's JSON text be reproducible.
    fn value(&mut self, field: &Field, text: &mut Vec<u8>, json: bool) -> Option<Val> {
        self.ws();
        let c = self.peek()?;
        if c == b'n' {
            if !self.literal(b"null") || !field.optional {
                return None;
            }
            return Some(Val::Null);
        }
        match field.kind {
            Kind::Boolean => {
                if self.literal(b"true") {
                    Some(Val::Bool(true))
                } else if self.literal(b"false") {
                    Some(Val::Bool(false))
                } else {
                    None
                }
            }
            Kind::Text => {
                let start = text.len();
                self.string(text)?;
                Some(Val::Str(start, text.len()))
            }
            Kind::Float64 => {
                let (token, integer) = self.number()?;
                let v: f64 = if integer {
                    // orjson reads an integer (then float(int)): -0 is 0.0, not -0.0.
                    let n: i64 = token.parse().ok()?;
                    if n.unsigned_abs() > (1u64 << 53) {
                        return None;
                    }
                    n as f64
                } else {
                    token.parse().ok()?
                };
                if !v.is_finite() {
                    return None;
                }
                // Text written as orjson writes it (the Python path's range); Java's other forms are not.
                if json && !(v == 0.0 || (1e-3..1e7).contains(&v.abs())) {
                    return None;
                }
                Some(Val::Float(v))
            }
            kind => {
                let (token, integer) = self.number()?;
                if !integer {
                    return None;
                }
                let n: i64 = token.parse().ok()?;
                let ok = match kind {
                    Kind::Int8 => i8::try_from(n).is_ok(),
                    Kind::Int16 => i16::try_from(n).is_ok(),
                    Kind::Int32 => i32::try_from(n).is_ok(),
                    Kind::Int64 => true,
                    Kind::Timestamp => -TIMESTAMP_LIMIT < n && n < TIMESTAMP_LIMIT,
                    Kind::Date => (DATE_MIN..=DATE_MAX).contains(&n),
                    Kind::Time => (0..86_400_000).contains(&n),
                    _ => false,
                };
                ok.then_some(Val::Int(n))
            }
        }
    }

    /// The whole payload: one JSON object whose schema fields are read into `vals` (in schema order) and
    /// whose other members are skipped; then only whitespace. Strings are decoded into `text`.
    pub fn payload(
        &mut self,
        fields: &[Field],
        vals: &mut Vec<Val>,
        text: &mut Vec<u8>,
        scratch: &mut Vec<u8>,
        json: bool,
    ) -> Option<()> {
        vals.clear();
        vals.resize(fields.len(), Val::Null);
        let mut seen = vec![false; fields.len()];
        self.ws();
        if !self.eat(b'{') {
            return None;
        }
        self.ws();
        let mut next = 0usize;
        if !self.eat(b'}') {
            loop {
                self.ws();
                scratch.clear();
                self.string(scratch)?;
                self.ws();
                if !self.eat(b':') {
                    return None;
                }
                // Fields usually come in schema order: try the next one first.
                let found = if next < fields.len() && fields[next].name == *scratch {
                    Some(next)
                } else {
                    fields.iter().position(|f| f.name == *scratch)
                };
                match found {
                    Some(k) => {
                        if seen[k] {
                            return None; // a repeated member: orjson keeps the last; not taken
                        }
                        seen[k] = true;
                        vals[k] = self.value(&fields[k], text, json)?;
                        next = k + 1;
                    }
                    None => self.skip(1, scratch)?,
                }
                self.ws();
                if self.eat(b'}') {
                    break;
                }
                if !self.eat(b',') {
                    return None;
                }
            }
        }
        self.ws();
        if self.i != self.b.len() {
            return None;
        }
        for (k, f) in fields.iter().enumerate() {
            if !seen[k] && !f.optional {
                return None; // a required field missing: the decoder raises
            }
        }
        Some(())
    }
}
