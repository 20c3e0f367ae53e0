//! connectrt-s3's compiled hot path: consumed messages whose value is a JsonConverter envelope of a Struct
//! the open file already has, straight to the JsonFormat line or the Parquet column values the Python path
//! would write for the record (connectrt_s3/native.py drives it; tests/unit compare both paths' objects).
//!
//! [`take`] walks the messages in order and stops at the first one it cannot take for certain: a consumer
//! error, headers, a null value, a key the key converter might refuse, a partition without an open slot, a
//! value that is not one of the slot's envelope prefixes followed by a payload [`parse::Parser`] accepts.
//! Python then handles that message the usual way.

mod out;
mod parse;

use out::{json_line, new_columns, Column};
use parse::{Field, Kind, Parser, Val};
use pyo3::exceptions::PyValueError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString};

/// Bumped whenever the interface between native.py and this module changes: a stale build is not used.
pub const ABI: u32 = 1;

/// The fields of one Connect struct schema, in order, and the JSON text of each name (with its ':').
#[pyclass(frozen)]
struct Plan {
    fields: Vec<Field>,
    keys: Vec<Vec<u8>>,
}

#[pymethods]
impl Plan {
    #[new]
    fn new(fields: Vec<(Vec<u8>, u8, bool)>, keys: Vec<Vec<u8>>) -> PyResult<Self> {
        if keys.len() != fields.len() {
            return Err(PyValueError::new_err("one key text per field"));
        }
        let mut out = Vec::with_capacity(fields.len());
        for (name, code, optional) in fields {
            let kind = Kind::from_code(code).ok_or_else(|| PyValueError::new_err("unknown field kind"))?;
            out.push(Field { name, kind, optional });
        }
        Ok(Plan { fields: out, keys })
    }
}

/// One Kafka partition's open file during one call of [`take`]: the envelope prefixes of its schema, how
/// many more records it takes before Python must be called (`room`), and what the taken records became.
#[pyclass]
struct Slot {
    plan: Py<Plan>,
    prefixes: Vec<Vec<u8>>,
    json: bool,
    #[pyo3(get, set)]
    room: usize,
    #[pyo3(get)]
    count: usize,
    #[pyo3(get)]
    last_offset: i64,
    lines: Vec<u8>,
    columns: Vec<Column>,
    vals: Vec<Val>,
    text: Vec<u8>,
    scratch: Vec<u8>,
}

#[pymethods]
impl Slot {
    #[new]
    fn new(py: Python<'_>, plan: Py<Plan>, prefixes: Vec<Vec<u8>>, json: bool, room: usize) -> Self {
        let columns = if json { Vec::new() } else { new_columns(&plan.get().fields) };
        let _ = py;
        Slot {
            plan,
            prefixes,
            json,
            room,
            count: 0,
            last_offset: -1,
            lines: Vec::new(),
            columns,
            vals: Vec::new(),
            text: Vec::new(),
            scratch: Vec::new(),
        }
    }

    /// The JSON lines (each followed by '\n') of the records taken since the last call.
    fn take_lines<'py>(&mut self, py: Python<'py>) -> Bound<'py, PyBytes> {
        let b = PyBytes::new(py, &self.lines);
        self.lines.clear();
        self.count = 0;
        b
    }

    /// Per column (validity bitmap or None, values, offsets or None, null count) of the rows taken since the
    /// last call, and their number.
    #[allow(clippy::type_complexity)]
    fn take_columns<'py>(
        &mut self,
        py: Python<'py>,
    ) -> (Vec<(Option<Bound<'py, PyBytes>>, Bound<'py, PyBytes>, Option<Bound<'py, PyBytes>>, usize)>, usize) {
        let rows = self.count;
        let mut out = Vec::with_capacity(self.columns.len());
        for c in self.columns.iter_mut() {
            let validity = if c.nulls > 0 { Some(PyBytes::new(py, &c.validity)) } else { None };
            let offsets = if c.kind == Kind::Text {
                let raw: Vec<u8> = c.offsets.iter().flat_map(|o| o.to_le_bytes()).collect();
                Some(PyBytes::new(py, &raw))
            } else {
                None
            };
            out.push((validity, PyBytes::new(py, &c.data), offsets, c.nulls));
            c.clear();
        }
        self.count = 0;
        (out, rows)
    }
}

impl Slot {
    /// Take one envelope: true when the value was read and its line or row appended.
    fn accept(&mut self, value: &[u8]) -> bool {
        if value.last() != Some(&b'}') {
            return false;
        }
        let Some(start) = self.prefixes.iter().find(|p| value.starts_with(p)).map(|p| p.len()) else {
            return false;
        };
        if start >= value.len() {
            return false;
        }
        let plan = self.plan.get();
        self.text.clear();
        let mut parser = Parser::new(&value[start..value.len() - 1]);
        if parser
            .payload(&plan.fields, &mut self.vals, &mut self.text, &mut self.scratch, self.json)
            .is_none()
        {
            return false;
        }
        if self.json {
            json_line(&plan.keys, &self.vals, &self.text, &mut self.lines);
            self.lines.push(b'\n');
        } else {
            for (c, v) in self.columns.iter_mut().zip(self.vals.iter()) {
                c.push(*v, &self.text);
            }
        }
        true
    }
}

/// Take a leading run of `messages[start:]` (see the module comment); how many were taken. `host.slot(topic,
/// partition)` gives a partition's [`Slot`] (or None), `host.full(slot)` is called when a slot's room is
/// used up and answers its new room (0: it takes no more). `any_key`: the key converter takes any key bytes
/// (else only messages without a key are taken).
#[pyfunction]
fn take(
    py: Python<'_>,
    messages: &Bound<'_, PyList>,
    start: usize,
    host: &Bound<'_, PyAny>,
    any_key: bool,
) -> PyResult<usize> {
    let n = messages.len();
    let mut slots: Vec<(Py<PyString>, i64, Option<Py<Slot>>)> = Vec::new();
    let mut current: usize = usize::MAX;
    let mut taken = 0usize;
    for i in start..n {
        let m = messages.get_item(i)?;
        if !m.call_method0(intern!(py, "error"))?.is_none() {
            break;
        }
        let headers = m.call_method0(intern!(py, "headers"))?;
        if !headers.is_none() && headers.len()? > 0 {
            break;
        }
        let value = m.call_method0(intern!(py, "value"))?;
        let Ok(value) = value.downcast::<PyBytes>() else { break };
        if !any_key && !m.call_method0(intern!(py, "key"))?.is_none() {
            break;
        }
        let topic_obj = m.call_method0(intern!(py, "topic"))?;
        let Ok(topic) = topic_obj.downcast::<PyString>() else { break };
        let partition: i64 = m.call_method0(intern!(py, "partition"))?.extract()?;
        let same = |e: &(Py<PyString>, i64, Option<Py<Slot>>)| -> PyResult<bool> {
            Ok(e.1 == partition && (e.0.is(topic) || e.0.bind(py).as_any().eq(topic)?))
        };
        if current == usize::MAX || !same(&slots[current])? {
            let mut found = usize::MAX;
            for (k, e) in slots.iter().enumerate() {
                if same(e)? {
                    found = k;
                    break;
                }
            }
            if found == usize::MAX {
                let slot = host.call_method1(intern!(py, "slot"), (topic, partition))?;
                let slot: Option<Py<Slot>> = if slot.is_none() { None } else { Some(slot.extract()?) };
                slots.push((topic.clone().unbind(), partition, slot));
                found = slots.len() - 1;
            }
            current = found;
        }
        let Some(slot) = slots[current].2.as_ref() else { break };
        let slot = slot.bind(py);
        let full = {
            let mut s = slot.borrow_mut();
            if s.room == 0 || !s.accept(value.as_bytes()) {
                break;
            }
            s.count += 1;
            s.last_offset = m.call_method0(intern!(py, "offset"))?.extract()?;
            s.count >= s.room
        };
        taken += 1;
        if full {
            let room: usize = host.call_method1(intern!(py, "full"), (slot,))?.extract()?;
            slot.borrow_mut().room = room;
        }
    }
    Ok(taken)
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("ABI", ABI)?;
    m.add_class::<Plan>()?;
    m.add_class::<Slot>()?;
    m.add_function(wrap_pyfunction!(take, m)?)?;
    Ok(())
}
