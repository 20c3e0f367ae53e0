//! Reading the replication stream's CopyData messages in batches, without the GIL.
//!
//! The Python reader (connectrt_postgres/replication.py) asks libpq for one message per call, holding
//! the GIL between calls: with the task thread running Python beside it, every message costs a round of
//! GIL hand-over. [`read_copy_frames`] drains what libpq has already received (PQgetCopyData in async
//! mode) in one call that releases the GIL once, and returns the XLogData frames exactly as the Python
//! loop builds them. It uses the libpq that psycopg loaded: Python passes the PGconn pointer and the
//! addresses of PQgetCopyData and PQfreemem (connectrt_postgres/native_copy.py finds and checks them).

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList};
use std::os::raw::{c_char, c_int, c_void};

type GetCopyData = unsafe extern "C" fn(*mut c_void, *mut *mut c_char, c_int) -> c_int;
type FreeMem = unsafe extern "C" fn(*mut c_void);

/// Stopped because libpq has no complete message buffered (PQgetCopyData returned 0).
pub const DRAINED: i32 = 0;
/// Stopped at `max_frames` XLogData frames.
pub const FULL: i32 = 1;
/// Stopped at a message that is not an XLogData frame (a keepalive): it is returned as `other`.
pub const OTHER: i32 = 2;
// Negative codes are PQgetCopyData's own: -1 the COPY ended, -2 an error (PQgetResult tells which).

/// Read up to `max_frames` XLogData frames already received on `conn` (a `PGconn *` in COPY BOTH mode,
/// used by no other thread meanwhile). Returns `(code, frames, other)`: `frames` a list of
/// `(wal_start, frame)` like `ReplicationStream.read` builds, `other` the message that stopped the call
/// when `code` is [`OTHER`].
///
/// # Safety (for the caller)
/// `conn`, `get_copy_data` and `freemem` must be a live connection of, and functions from, the same
/// libpq; connectrt_postgres/native_copy.py checks this before using them.
#[pyfunction]
#[allow(clippy::type_complexity)]
pub fn read_copy_frames<'py>(
    py: Python<'py>,
    conn: usize,
    get_copy_data: usize,
    freemem: usize,
    max_frames: usize,
) -> PyResult<(i32, Bound<'py, PyList>, Option<Bound<'py, PyBytes>>)> {
    if conn == 0 || get_copy_data == 0 || freemem == 0 {
        return Err(pyo3::exceptions::PyValueError::new_err("null connection or libpq function"));
    }
    let (code, arena, spans, other) = py.allow_threads(move || {
        // SAFETY: the addresses are PQgetCopyData and PQfreemem of the libpq owning `conn` (see above).
        let get: GetCopyData = unsafe { std::mem::transmute::<usize, GetCopyData>(get_copy_data) };
        let free: FreeMem = unsafe { std::mem::transmute::<usize, FreeMem>(freemem) };
        let conn = conn as *mut c_void;
        let mut arena: Vec<u8> = Vec::new();
        let mut spans: Vec<(u64, usize, usize)> = Vec::new();
        let mut other: Option<Vec<u8>> = None;
        let mut code = FULL;
        while spans.len() < max_frames {
            let mut buf: *mut c_char = std::ptr::null_mut();
            // SAFETY: async mode (1) never blocks; on n > 0 libpq hands over a buffer of n bytes.
            let n = unsafe { get(conn, &mut buf, 1) };
            if n <= 0 {
                code = n;
                break;
            }
            let data = unsafe { std::slice::from_raw_parts(buf as *const u8, n as usize) };
            if data[0] == b'w' && data.len() >= 9 {
                let mut start = [0u8; 8];
                start.copy_from_slice(&data[1..9]);
                spans.push((u64::from_be_bytes(start), arena.len(), data.len()));
                arena.extend_from_slice(data);
                unsafe { free(buf as *mut c_void) };
            } else {
                other = Some(data.to_vec());
                unsafe { free(buf as *mut c_void) };
                code = OTHER;
                break;
            }
        }
        (code, arena, spans, other)
    });
    let frames = PyList::empty(py);
    for (wal_start, at, len) in spans {
        frames.append((wal_start, PyBytes::new(py, &arena[at..at + len])))?;
    }
    Ok((code, frames, other.map(|o| PyBytes::new(py, &o))))
}
