//! Snapshot rows: `COPY (SELECT ...) TO STDOUT` text lines of one table to `op: "r"` events as key/value bytes.
//!
//! The source block is the same for every row of a table but for `source.snapshot` (first, true, last, ...):
//! Python renders it with the real converter around a placeholder and passes the two halves.

use std::borrow::Cow;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList};

use crate::json::write_i64;
use crate::stream::{key, now_ns, row, TablePlan};

/// One COPY text field, unescaped (None for `\N`); Err for an escape this decoder does not take.
fn field(raw: &[u8]) -> Result<Option<Cow<'_, [u8]>>, ()> {
    if raw == b"\\N" {
        return Ok(None);
    }
    if !raw.contains(&b'\\') {
        return Ok(Some(Cow::Borrowed(raw)));
    }
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let b = raw[i];
        if b != b'\\' {
            out.push(b);
            i += 1;
            continue;
        }
        let c = *raw.get(i + 1).ok_or(())?;
        out.push(match c {
            b'\\' => b'\\',
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'b' => 0x08,
            b'f' => 0x0C,
            b'v' => 0x0B,
            _ => return Err(()), // octal / hex escapes: COPY TO does not write them; Python decodes them
        });
        i += 2;
    }
    Ok(Some(Cow::Owned(out)))
}

/// The events of the COPY lines in `data` (each ending in `\n`). Returns one `(key, value, line, now_ns)` per line;
/// key and value are None where the Python path must convert the line. The first line's `source.snapshot`
/// is `first_marker` when given, the others' `marker` (JSON strings).
#[pyfunction]
#[pyo3(signature = (plan, data, source_before, source_after, marker, first_marker=None, fixed_now_ns=0))]
#[allow(clippy::too_many_arguments)]
pub fn snapshot_rows<'py>(
    py: Python<'py>,
    plan: &Bound<'py, TablePlan>,
    data: &Bound<'py, PyBytes>,
    source_before: &[u8],
    source_after: &[u8],
    marker: &[u8],
    first_marker: Option<&[u8]>,
    fixed_now_ns: i64,
) -> PyResult<Bound<'py, PyList>> {
    let plan = plan.get();
    let bytes = data.as_bytes();
    let converted: Vec<(usize, usize, Option<(Vec<u8>, Vec<u8>, i64)>)> = py.allow_threads(|| {
        let mut out = Vec::new();
        let mut start = 0;
        let mut first = true;
        let mut spans = Vec::new();
        while start < bytes.len() {
            let end = bytes[start..].iter().position(|&b| b == b'\n').map_or(bytes.len(), |p| start + p);
            let line = &bytes[start..end];
            let m = if first { first_marker.unwrap_or(marker) } else { marker };
            first = false;
            out.push((start, end, event(plan, line, source_before, source_after, m, fixed_now_ns, &mut spans)));
            start = end + 1;
        }
        out
    });
    let list = PyList::empty(py);
    for (start, end, kv) in converted {
        let line = PyBytes::new(py, &bytes[start..end]);
        let item = match kv {
            Some((k, v, now)) => {
                let k = if plan.keys.is_empty() { None } else { Some(PyBytes::new(py, &k)) };
                (k, Some(PyBytes::new(py, &v)), line, now).into_pyobject(py)?
            }
            None => (None::<Bound<PyBytes>>, None::<Bound<PyBytes>>, line, 0i64).into_pyobject(py)?,
        };
        list.append(item)?;
    }
    Ok(list)
}

fn event(
    plan: &TablePlan,
    line: &[u8],
    source_before: &[u8],
    source_after: &[u8],
    marker: &[u8],
    fixed_now: i64,
    spans: &mut Vec<(usize, usize)>,
) -> Option<(Vec<u8>, Vec<u8>, i64)> {
    let mut owned = Vec::new();
    for raw in line.split(|&b| b == b'\t') {
        owned.push(field(raw).ok()?);
    }
    let values: Vec<Option<&[u8]>> = owned.iter().map(|v| v.as_deref()).collect();
    let mut after = Vec::with_capacity(line.len() + 128);
    row(plan, &values, &mut after, spans).ok()?;
    let mut k = Vec::new();
    if !plan.keys.is_empty() {
        key(plan, &values, &after, spans, &mut k).ok()?;
    }
    let now = now_ns(fixed_now);
    let mut v = Vec::with_capacity(plan.value_prefix.len() + after.len() + source_before.len() + source_after.len() + 128);
    v.extend_from_slice(&plan.value_prefix);
    v.extend_from_slice(b"{\"before\":null,\"after\":");
    v.extend_from_slice(&after);
    v.extend_from_slice(b",\"source\":");
    v.extend_from_slice(source_before);
    v.extend_from_slice(marker);
    v.extend_from_slice(source_after);
    v.extend_from_slice(b",\"transaction\":null,\"op\":\"r\",\"ts_ms\":");
    write_i64(&mut v, now.div_euclid(1_000_000));
    v.extend_from_slice(b",\"ts_us\":");
    write_i64(&mut v, now.div_euclid(1000));
    v.extend_from_slice(b",\"ts_ns\":");
    write_i64(&mut v, now);
    v.push(b'}');
    v.extend_from_slice(&plan.value_suffix);
    Some((k, v, now))
}
