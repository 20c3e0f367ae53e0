//! Batches of XLogData frames → change events as key/value bytes, with the offset position of each.

use std::collections::{HashMap, HashSet};
use std::time::{SystemTime, UNIX_EPOCH};

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyTuple};

use crate::convert::convert;
use crate::json::{write_i64, write_u64};

const PG_EPOCH_OFFSET_US: i64 = 946_684_800_000_000;

// messageType of the offset, as codes (the Python side maps them back)
const MT_NONE: u8 = 0;
const MT_INSERT: u8 = 1;
const MT_UPDATE: u8 = 2;
const MT_DELETE: u8 = 3;
const MT_COMMIT: u8 = 4;

pub(crate) struct Field {
    index: usize,
    kind: u8,
    param: i32,
    name: Vec<u8>,      // `"name":`
    null_json: Vec<u8>, // what a NULL (or not-sent) value is written as
}

pub(crate) struct KeyField {
    row_pos: Option<usize>, // the row field holding the same value, when the key column is in the row
    field: Field,
}

/// One captured table: how a pgoutput tuple becomes the row, key and envelope JSON.
#[pyclass(frozen, module = "connectrt_postgres._native")]
pub struct TablePlan {
    ncols: usize,
    fields: Vec<Field>,
    pub(crate) keys: Vec<KeyField>,
    key_prefix: Vec<u8>,
    key_suffix: Vec<u8>,
    pub(crate) value_prefix: Vec<u8>,
    pub(crate) value_suffix: Vec<u8>,
    source_table: Vec<u8>, // `,"schema":"public","table":"t","txId":`
}

type FieldSpec = (usize, u8, i32, Vec<u8>, Vec<u8>);

fn field(spec: FieldSpec) -> PyResult<Field> {
    let (index, kind, param, name, null_json) = spec;
    if !crate::convert::KNOWN_KINDS.contains(&kind) {
        return Err(pyo3::exceptions::PyValueError::new_err(format!("unknown value kind {kind}")));
    }
    Ok(Field { index, kind, param, name, null_json })
}

#[pymethods]
impl TablePlan {
    #[new]
    #[allow(clippy::too_many_arguments)]
    fn new(
        ncols: usize,
        fields: Vec<FieldSpec>,
        keys: Vec<(Option<usize>, FieldSpec)>,
        key_prefix: Vec<u8>,
        key_suffix: Vec<u8>,
        value_prefix: Vec<u8>,
        value_suffix: Vec<u8>,
        source_table: Vec<u8>,
    ) -> PyResult<Self> {
        let fields = fields.into_iter().map(field).collect::<PyResult<Vec<_>>>()?;
        let keys = keys
            .into_iter()
            .map(|(row_pos, spec)| Ok(KeyField { row_pos, field: field(spec)? }))
            .collect::<PyResult<Vec<_>>>()?;
        if fields.iter().chain(keys.iter().map(|k| &k.field)).any(|f| f.index >= ncols)
            || keys.iter().any(|k| k.row_pos.is_some_and(|p| p >= fields.len()))
        {
            return Err(pyo3::exceptions::PyValueError::new_err("a field refers to a column the table does not have"));
        }
        Ok(TablePlan { ncols, fields, keys, key_prefix, key_suffix, value_prefix, value_suffix, source_table })
    }
}

/// The connector task's settings the events depend on.
#[pyclass(frozen, module = "connectrt_postgres._native")]
pub struct StreamConfig {
    source_head: Vec<u8>,        // `{"version":"...","connector":"postgresql","name":"...","ts_ms":`
    source_snapshot_db: Vec<u8>, // `,"snapshot":"false","db":"...","sequence":`
    skip_create: bool,
    skip_update: bool,
    skip_delete: bool,
    tombstones: bool,
    stop_at_commit: bool, // a heartbeat may follow each COMMIT: Python processes those
}

#[pymethods]
impl StreamConfig {
    #[new]
    fn new(
        source_head: Vec<u8>,
        source_snapshot_db: Vec<u8>,
        skip_create: bool,
        skip_update: bool,
        skip_delete: bool,
        tombstones: bool,
        stop_at_commit: bool,
    ) -> Self {
        StreamConfig { source_head, source_snapshot_db, skip_create, skip_update, skip_delete, tombstones, stop_at_commit }
    }
}

/// The processor's position: the offset fields and the open transaction (see streaming.py).
#[derive(Clone)]
struct State {
    lsn: Option<u64>,
    lsn_proc: Option<u64>,
    lsn_commit: Option<u64>,
    tx_id: Option<i64>,
    ts_usec: Option<i64>,
    message_type: u8,
    events_at_lsn: i64,
    xmin: Option<i64>,
    xid: Option<i64>,
    commit_ts: i64,
    in_transaction: bool,
    origin: Option<Vec<u8>>, // the origin name's JSON, when the transaction has an Origin message
    origin_lsn: Option<u64>,
}

macro_rules! state_fields {
    ($m:ident) => {
        $m!(lsn, lsn_proc, lsn_commit, tx_id, ts_usec, message_type, events_at_lsn, xmin, xid, commit_ts, in_transaction, origin, origin_lsn)
    };
}

impl State {
    fn from_dict(d: &Bound<'_, PyDict>) -> PyResult<Self> {
        macro_rules! get {
            ($($f:ident),*) => {
                State { $($f: d.get_item(stringify!($f))?
                    .ok_or_else(|| pyo3::exceptions::PyKeyError::new_err(stringify!($f)))?
                    .extract()?),* }
            };
        }
        Ok(state_fields!(get))
    }

    fn into_dict<'py>(self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        macro_rules! set {
            ($($f:ident),*) => { $(d.set_item(stringify!($f), self.$f)?;)* };
        }
        let origin = self.origin.clone().map(|o| PyBytes::new(py, &o));
        state_fields!(set);
        d.set_item("origin", origin)?; // bytes, not a list of ints
        Ok(d)
    }
}

struct Event {
    table: u32,
    op: u8,
    key: Option<(usize, usize)>,   // a range of the batch's arena
    value: Option<(usize, usize)>,
    frame: usize, // index into the frames of this call
    lsn: u64,
    events_at_lsn: i64,
    message_type: u8,
    tx_id: Option<i64>,
    ts_usec: Option<i64>,
    lsn_commit: Option<u64>,
    now_ns: i64,
}

pub(crate) enum Stop {
    Python, // this frame goes to the Python path
}

fn u32_at(data: &[u8], pos: usize) -> Option<u32> {
    data.get(pos..pos + 4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

fn u64_at(data: &[u8], pos: usize) -> Option<u64> {
    data.get(pos..pos + 8).map(|b| u64::from_be_bytes(b.try_into().unwrap()))
}

/// A pgoutput TupleData: the text value of each column (None = NULL); Err for anything else (binary,
/// unchanged TOAST, truncated).
fn tuple<'a>(data: &'a [u8], pos: &mut usize, out: &mut Vec<Option<&'a [u8]>>) -> Result<(), Stop> {
    out.clear();
    let n = data.get(*pos..*pos + 2).map(|b| i16::from_be_bytes([b[0], b[1]])).ok_or(Stop::Python)?;
    *pos += 2;
    for _ in 0..n {
        match data.get(*pos) {
            Some(b't') => {
                let len = u32_at(data, *pos + 1).ok_or(Stop::Python)? as usize;
                let start = *pos + 5;
                let text = data.get(start..start + len).ok_or(Stop::Python)?;
                out.push(Some(text));
                *pos = start + len;
            }
            Some(b'n') => {
                out.push(None);
                *pos += 1;
            }
            _ => return Err(Stop::Python),
        }
    }
    Ok(())
}

/// The row JSON `{"a":1,...}` into `out`, remembering where each field's value is.
pub(crate) fn row(plan: &TablePlan, values: &[Option<&[u8]>], out: &mut Vec<u8>, spans: &mut Vec<(usize, usize)>) -> Result<(), Stop> {
    if values.len() != plan.ncols {
        return Err(Stop::Python);
    }
    spans.clear();
    out.push(b'{');
    for (i, f) in plan.fields.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(&f.name);
        let start = out.len();
        match values[f.index] {
            None => out.extend_from_slice(&f.null_json),
            Some(text) => convert(out, f.kind, f.param, text).map_err(|_| Stop::Python)?,
        }
        spans.push((start, out.len()));
    }
    out.push(b'}');
    Ok(())
}

pub(crate) fn key(plan: &TablePlan, values: &[Option<&[u8]>], row_json: &[u8], spans: &[(usize, usize)], out: &mut Vec<u8>) -> Result<(), Stop> {
    out.extend_from_slice(&plan.key_prefix);
    out.push(b'{');
    for (i, k) in plan.keys.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(&k.field.name);
        match k.row_pos {
            Some(p) => {
                let (s, e) = spans[p];
                out.extend_from_slice(&row_json[s..e]);
            }
            None => match values[k.field.index] {
                None => out.extend_from_slice(&k.field.null_json),
                Some(text) => convert(out, k.field.kind, k.field.param, text).map_err(|_| Stop::Python)?,
            },
        }
    }
    out.push(b'}');
    out.extend_from_slice(&plan.key_suffix);
    Ok(())
}

pub(crate) fn now_ns(fixed: i64) -> i64 {
    if fixed != 0 {
        return fixed;
    }
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as i64).unwrap_or(0)
}

struct Processor<'a> {
    config: &'a StreamConfig,
    plans: &'a HashMap<u32, &'a TablePlan>,
    ignored: &'a HashSet<u32>,
    fixed_now: i64,
    state: State,
    events: Vec<Event>,
    arena: Vec<u8>, // every event's key and value bytes, one allocation for the batch
    row_buf: Vec<u8>,
    key_buf: Vec<u8>,
    messages: usize,
    values: Vec<Option<&'a [u8]>>,
    old_values: Vec<Option<&'a [u8]>>,
    spans: Vec<(usize, usize)>,
}

impl<'a> Processor<'a> {
    fn position(&mut self, lsn: u64, message_type: u8) {
        let s = &mut self.state;
        if s.lsn == Some(lsn) && s.message_type == message_type && message_type != MT_COMMIT {
            s.events_at_lsn += 1;
        } else {
            s.events_at_lsn = 1;
        }
        s.lsn = Some(lsn);
        s.lsn_proc = Some(lsn);
        s.tx_id = s.xid;
        s.ts_usec = Some(s.commit_ts);
        s.message_type = message_type;
    }

    fn source(&self, plan: &TablePlan, out: &mut Vec<u8>) {
        let s = &self.state;
        let c = self.config;
        out.extend_from_slice(&c.source_head);
        write_i64(out, s.commit_ts.div_euclid(1000));
        out.extend_from_slice(&c.source_snapshot_db);
        // sequence: the JSON string of ["<lsn_commit>","<lsn>"]
        out.extend_from_slice(b"\"[");
        match s.lsn_commit {
            Some(v) => {
                out.extend_from_slice(b"\\\"");
                write_u64(out, v);
                out.extend_from_slice(b"\\\"");
            }
            None => out.extend_from_slice(b"null"),
        }
        out.push(b',');
        match s.lsn {
            Some(v) => {
                out.extend_from_slice(b"\\\"");
                write_u64(out, v);
                out.extend_from_slice(b"\\\"");
            }
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b"]\",\"ts_us\":");
        write_i64(out, s.commit_ts);
        out.extend_from_slice(b",\"ts_ns\":");
        write_i64(out, s.commit_ts.wrapping_mul(1000));
        out.extend_from_slice(&plan.source_table);
        opt_i64(out, s.tx_id);
        out.extend_from_slice(b",\"lsn\":");
        opt_u64(out, s.lsn);
        out.extend_from_slice(b",\"xmin\":");
        opt_i64(out, s.xmin);
        out.extend_from_slice(b",\"origin\":");
        match &s.origin {
            Some(json) => out.extend_from_slice(json),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"origin_lsn\":");
        opt_u64(out, s.origin_lsn);
        out.push(b'}');
    }

    /// The event's key (in `key_buf` unless the table is keyless) and value into the arena.
    fn emit(&mut self, table: u32, plan: &TablePlan, op: u8, frame: usize, before: Option<&[u8]>, after: Option<&[u8]>) {
        let now = now_ns(self.fixed_now);
        let key = if plan.keys.is_empty() {
            None
        } else {
            let start = self.arena.len();
            self.arena.extend_from_slice(&self.key_buf);
            Some((start, self.arena.len()))
        };
        let mut value = std::mem::take(&mut self.arena);
        let start = value.len();
        value.extend_from_slice(&plan.value_prefix);
        value.extend_from_slice(b"{\"before\":");
        value.extend_from_slice(before.unwrap_or(b"null"));
        value.extend_from_slice(b",\"after\":");
        value.extend_from_slice(after.unwrap_or(b"null"));
        value.extend_from_slice(b",\"source\":");
        self.source(plan, &mut value);
        value.extend_from_slice(b",\"transaction\":null,\"op\":\"");
        value.push(op);
        value.extend_from_slice(b"\",\"ts_ms\":");
        write_i64(&mut value, now.div_euclid(1_000_000));
        value.extend_from_slice(b",\"ts_us\":");
        write_i64(&mut value, now.div_euclid(1000));
        value.extend_from_slice(b",\"ts_ns\":");
        write_i64(&mut value, now);
        value.push(b'}');
        value.extend_from_slice(&plan.value_suffix);
        let range = (start, value.len());
        self.arena = value;
        let tombstone = op == b'd' && self.config.tombstones;
        let event = self.event(table, op, frame, key, Some(range), now);
        self.events.push(event);
        if tombstone {
            let event = self.event(table, b'T', frame, key, None, now);
            self.events.push(event);
        }
    }

    fn event(&self, table: u32, op: u8, frame: usize, key: Option<(usize, usize)>, value: Option<(usize, usize)>, now_ns: i64) -> Event {
        let s = &self.state;
        Event {
            table,
            op,
            key,
            value,
            frame,
            lsn: s.lsn.unwrap_or(0),
            events_at_lsn: s.events_at_lsn,
            message_type: s.message_type,
            tx_id: s.tx_id,
            ts_usec: s.ts_usec,
            lsn_commit: s.lsn_commit,
            now_ns,
        }
    }

    /// One frame; Err when Python must process it (nothing was changed then).
    fn frame(&mut self, index: usize, wal_start: u64, data: &'a [u8]) -> Result<(), Stop> {
        let tag = *data.get(25).ok_or(Stop::Python)?;
        match tag {
            b'B' => {
                if self.state.origin.is_some() {
                    return Err(Stop::Python); // records keep one origin per call (native.py)
                }
                let xid = u32_at(data, 42).ok_or(Stop::Python)?;
                let ts = u64_at(data, 34).ok_or(Stop::Python)? as i64;
                let s = &mut self.state;
                s.xid = Some(xid as i64);
                s.commit_ts = ts + PG_EPOCH_OFFSET_US;
                s.origin = None;
                s.origin_lsn = None;
                s.in_transaction = true;
                self.messages += 1;
                Ok(())
            }
            b'C' => {
                if self.config.stop_at_commit || data.len() < 51 {
                    return Err(Stop::Python);
                }
                self.state.in_transaction = false;
                self.position(wal_start, MT_COMMIT);
                self.state.lsn_commit = Some(wal_start);
                self.messages += 1;
                Ok(())
            }
            b'I' | b'U' | b'D' => {
                let oid = u32_at(data, 26).ok_or(Stop::Python)?;
                if self.ignored.contains(&oid) {
                    return Ok(()); // the Python path skips these without counting them
                }
                let plan: &TablePlan = self.plans.get(&oid).ok_or(Stop::Python)?;
                let mut pos = 30;
                let mut values = std::mem::take(&mut self.values);
                let mut old_values = std::mem::take(&mut self.old_values);
                let result = self.change(tag, oid, plan, index, wal_start, data, &mut pos, &mut values, &mut old_values);
                self.values = values;
                self.old_values = old_values;
                result
            }
            _ => Err(Stop::Python),
        }
    }

    /// The row JSON into `out` (cleared first) and the key JSON into `key_buf`.
    fn row_and_key(&mut self, plan: &TablePlan, values: &[Option<&[u8]>], out: &mut Vec<u8>) -> Result<(), Stop> {
        out.clear();
        self.key_buf.clear();
        let mut spans = std::mem::take(&mut self.spans);
        let result = row(plan, values, out, &mut spans).and_then(|_| {
            if plan.keys.is_empty() {
                Ok(())
            } else {
                key(plan, values, out, &spans, &mut self.key_buf)
            }
        });
        self.spans = spans;
        result
    }

    #[allow(clippy::too_many_arguments)]
    fn change(
        &mut self,
        tag: u8,
        oid: u32,
        plan: &TablePlan,
        index: usize,
        wal_start: u64,
        data: &'a [u8],
        pos: &mut usize,
        values: &mut Vec<Option<&'a [u8]>>,
        old_values: &mut Vec<Option<&'a [u8]>>,
    ) -> Result<(), Stop> {
        let marker = *data.get(*pos).ok_or(Stop::Python)?;
        *pos += 1;
        match tag {
            b'I' | b'U' => {
                if marker != b'N' {
                    return Err(Stop::Python); // an update with the old key or row: Python compares keys
                }
                tuple(data, pos, values)?;
                let mut after = std::mem::take(&mut self.row_buf);
                let converted = self.row_and_key(plan, values, &mut after);
                if converted.is_err() {
                    self.row_buf = after;
                    return converted;
                }
                let (mt, op, skip) = if tag == b'I' {
                    (MT_INSERT, b'c', self.config.skip_create)
                } else {
                    (MT_UPDATE, b'u', self.config.skip_update)
                };
                self.messages += 1;
                self.position(wal_start, mt);
                if !skip {
                    self.emit(oid, plan, op, index, None, Some(&after));
                }
                self.row_buf = after;
                Ok(())
            }
            _ => {
                if marker != b'K' && marker != b'O' {
                    return Err(Stop::Python);
                }
                tuple(data, pos, old_values)?;
                let mut before = std::mem::take(&mut self.row_buf);
                let converted = self.row_and_key(plan, old_values, &mut before);
                if converted.is_err() {
                    self.row_buf = before;
                    return converted;
                }
                self.messages += 1;
                self.position(wal_start, MT_DELETE);
                if !self.config.skip_delete {
                    self.emit(oid, plan, b'd', index, Some(&before), None);
                }
                self.row_buf = before;
                Ok(())
            }
        }
    }
}

fn opt_i64(out: &mut Vec<u8>, v: Option<i64>) {
    match v {
        Some(v) => write_i64(out, v),
        None => out.extend_from_slice(b"null"),
    }
}

fn opt_u64(out: &mut Vec<u8>, v: Option<u64>) {
    match v {
        Some(v) => write_u64(out, v),
        None => out.extend_from_slice(b"null"),
    }
}

/// Process `frames[start..]` (a list of `(wal_start, frame)`) until the end or the first frame Python must
/// process. Returns `(next, state, events, messages)`: `next` is that frame's index (or len(frames)),
/// `events` a list of `(table_oid, op, key, value, frame_index, lsn, events_at_lsn, message_type, tx_id,
/// ts_usec, lsn_commit, now_ns)` in order, op being b'c'/'u'/'d' or b'T' for a delete's tombstone.
#[pyfunction]
#[pyo3(signature = (config, frames, start, plans, ignored, state, fixed_now_ns=0))]
#[allow(clippy::type_complexity)]
pub fn process<'py>(
    py: Python<'py>,
    config: &Bound<'py, StreamConfig>,
    frames: &Bound<'py, PyList>,
    start: usize,
    plans: &Bound<'py, PyDict>,
    ignored: &Bound<'py, PyAny>,
    state: &Bound<'py, PyDict>,
    fixed_now_ns: i64,
) -> PyResult<(usize, Bound<'py, PyDict>, Bound<'py, PyList>, usize)> {
    let plan_objs: Vec<(u32, Bound<'py, TablePlan>)> = plans
        .iter()
        .map(|(k, v)| Ok((k.extract::<u32>()?, v.downcast_into::<TablePlan>()?)))
        .collect::<PyResult<_>>()?;
    let plan_map: HashMap<u32, &TablePlan> = plan_objs.iter().map(|(k, v)| (*k, v.get())).collect();
    let ignored_set: HashSet<u32> = ignored.try_iter()?.map(|x| x?.extract::<u32>()).collect::<PyResult<_>>()?;
    // The frames this call may take: up to the first one that is surely Python's (by its tag and relation),
    // so a stream the native path cannot help costs O(1) per call.
    let n = frames.len();
    let mut owned: Vec<(u64, Bound<'py, PyBytes>)> = Vec::new();
    let mut end = n;
    for i in start..n {
        let item = frames.get_item(i)?;
        let t = item.downcast::<PyTuple>()?;
        let data = t.get_item(1)?.downcast_into::<PyBytes>()?;
        let bytes = data.as_bytes();
        let ok = match bytes.get(25) {
            Some(b'B') | Some(b'C') => true,
            Some(b'I') | Some(b'U') | Some(b'D') => {
                u32_at(bytes, 26).is_some_and(|oid| plan_map.contains_key(&oid) || ignored_set.contains(&oid))
            }
            _ => false,
        };
        if !ok {
            end = i;
            break;
        }
        owned.push((t.get_item(0)?.extract()?, data));
    }
    if owned.is_empty() {
        return Ok((start, state.clone(), PyList::empty(py), 0));
    }
    let state = State::from_dict(state)?;
    let slices: Vec<(u64, &[u8])> = owned.iter().map(|(lsn, b)| (*lsn, b.as_bytes())).collect();
    let cfg = config.get();
    let (next, state, events, messages, arena) = py.allow_threads(|| {
        let mut p = Processor {
            config: cfg,
            plans: &plan_map,
            ignored: &ignored_set,
            fixed_now: fixed_now_ns,
            state,
            events: Vec::new(),
            arena: Vec::with_capacity(slices.len() * 1024),
            row_buf: Vec::with_capacity(512),
            key_buf: Vec::with_capacity(64),
            messages: 0,
            values: Vec::new(),
            old_values: Vec::new(),
            spans: Vec::new(),
        };
        let mut next = end;
        for (i, (lsn, data)) in slices.iter().enumerate() {
            let saved = (p.state.clone(), p.events.len(), p.messages, p.arena.len());
            if p.frame(start + i, *lsn, data).is_err() {
                (p.state, _, p.messages) = (saved.0, 0, saved.2);
                p.events.truncate(saved.1);
                p.arena.truncate(saved.3);
                next = start + i;
                break;
            }
        }
        (next, p.state, p.events, p.messages, p.arena)
    });
    let out = PyList::empty(py);
    for e in events {
        let key = e.key.map(|(a, b)| PyBytes::new(py, &arena[a..b]));
        let value = e.value.map(|(a, b)| PyBytes::new(py, &arena[a..b]));
        let item = (
            e.table,
            e.op as char,
            key,
            value,
            owned[e.frame - start].1.clone(),
            e.lsn,
            e.events_at_lsn,
            e.message_type,
            e.tx_id,
            e.ts_usec,
            e.lsn_commit,
            e.now_ns,
        )
            .into_pyobject(py)?;
        out.append(item)?;
    }
    Ok((next, state.into_dict(py)?, out, messages))
}

/// One value as `process` writes it (for tests): the JSON text, or None where Python converts it.
#[pyfunction]
pub fn convert_value<'py>(py: Python<'py>, kind: u8, param: i32, text: &[u8]) -> Option<Bound<'py, PyBytes>> {
    let mut out = Vec::new();
    convert(&mut out, kind, param, text).ok().map(|_| PyBytes::new(py, &out))
}

#[allow(dead_code)]
const _UNUSED: u8 = MT_NONE;
