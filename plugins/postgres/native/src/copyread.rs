//! Reading the replication stream's CopyData messages in batches, without the GIL.
//!
//! The Python reader (connectrt_postgres/replication.py) asks libpq for one message per call, holding
//! the GIL between calls: with the task thread running Python beside it, every message costs a round of
//! GIL hand-over. [`read_copy_frames`] drains what libpq has already received (PQgetCopyData in async
//! mode) in one call that releases the GIL once, and returns the XLogData frames exactly as the Python
//! loop builds them. It uses the libpq that psycopg loaded: Python passes the PGconn pointer and the
//! addresses of PQgetCopyData, PQconsumeInput and PQfreemem (connectrt_postgres/native_copy.py finds and
//! checks them).
//!
//! It also reads the socket (PQconsumeInput) until it is empty, and keeps doing so for up to `linger_us`
//! once it holds frames. One PQconsumeInput reads at most what libpq's input buffer has room for (16 KB
//! at first: ~100 frames of a narrow table), and the walsender writes a message per change: a reader that
//! consumed once per batch, or slept through its linger, left the socket full, and the walsender waited
//! on it (pg_stat_activity: WalSenderWriteData) more than half of the time.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList};
use std::os::raw::{c_char, c_int, c_void};
use std::time::{Duration, Instant};

type GetCopyData = unsafe extern "C" fn(*mut c_void, *mut *mut c_char, c_int) -> c_int;
type ConsumeInput = unsafe extern "C" fn(*mut c_void) -> c_int;
type FreeMem = unsafe extern "C" fn(*mut c_void);

/// How long the linger sleeps between two reads of the socket: at ~100k changes/s, ~20 frames arrive
/// meanwhile, far from filling it.
const DRAIN_STEP: Duration = Duration::from_micros(200);

/// Stopped because libpq has no complete message buffered (PQgetCopyData returned 0).
pub const DRAINED: i32 = 0;
/// Stopped at `max_frames` XLogData frames.
pub const FULL: i32 = 1;
/// Stopped at a message that is not an XLogData frame (a keepalive): it is returned as `other`.
pub const OTHER: i32 = 2;
/// PQconsumeInput failed (the connection is lost): the caller asks libpq for the error.
pub const CONSUME_FAILED: i32 = 3;
// Negative codes are PQgetCopyData's own: -1 the COPY ended, -2 an error (PQgetResult tells which).

/// Read up to `max_frames` XLogData frames from `conn` (a `PGconn *` in COPY BOTH mode, used by no other
/// thread meanwhile): those libpq has buffered, then those on the socket, until it is empty and, once
/// frames are in hand (this call's or the caller's: `holding`), for up to `linger_us` more. Returns
/// `(code, frames, other)`: `frames` a list of `(wal_start, frame)` like `ReplicationStream.read` builds,
/// `other` the message that stopped the call when `code` is [`OTHER`].
///
/// # Safety (for the caller)
/// `conn`, `get_copy_data`, `consume_input` and `freemem` must be a live connection of, and functions
/// from, the same libpq; connectrt_postgres/native_copy.py checks this before using them.
#[pyfunction]
#[allow(clippy::type_complexity, clippy::too_many_arguments)]
pub fn read_copy_frames<'py>(
    py: Python<'py>,
    conn: usize,
    get_copy_data: usize,
    consume_input: usize,
    freemem: usize,
    max_frames: usize,
    linger_us: u64,
    holding: bool,
) -> PyResult<(i32, Bound<'py, PyList>, Option<Bound<'py, PyBytes>>)> {
    if conn == 0 || get_copy_data == 0 || consume_input == 0 || freemem == 0 {
        return Err(pyo3::exceptions::PyValueError::new_err("null connection or libpq function"));
    }
    let (code, arena, spans, other) = py.allow_threads(move || {
        // SAFETY: the addresses are libpq functions of the library owning `conn` (see above).
        let get: GetCopyData = unsafe { std::mem::transmute::<usize, GetCopyData>(get_copy_data) };
        let consume: ConsumeInput = unsafe { std::mem::transmute::<usize, ConsumeInput>(consume_input) };
        let free: FreeMem = unsafe { std::mem::transmute::<usize, FreeMem>(freemem) };
        let conn = conn as *mut c_void;
        let mut arena: Vec<u8> = Vec::new();
        let mut spans: Vec<(u64, usize, usize)> = Vec::new();
        let mut other: Option<Vec<u8>> = None;
        let linger = Duration::from_micros(linger_us);
        let mut linger_until: Option<Instant> = None;
        // Whether the last PQconsumeInput brought no complete message (the socket is empty).
        let mut socket_empty = false;
        let code = 'read: loop {
            let before = spans.len();
            while spans.len() < max_frames {
                let mut buf: *mut c_char = std::ptr::null_mut();
                // SAFETY: async mode (1) never blocks; on n > 0 libpq hands over a buffer of n bytes.
                let n = unsafe { get(conn, &mut buf, 1) };
                if n < 0 {
                    break 'read n;
                }
                if n == 0 {
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
                    break 'read OTHER;
                }
            }
            if spans.len() >= max_frames {
                break FULL;
            }
            if spans.len() > before {
                socket_empty = false;
            }
            if socket_empty {
                if spans.is_empty() && !holding {
                    break DRAINED; // nothing at all: the caller waits for the socket
                }
                let until = *linger_until.get_or_insert_with(|| Instant::now() + linger);
                let now = Instant::now();
                if now >= until {
                    break DRAINED;
                }
                std::thread::sleep(DRAIN_STEP.min(until - now));
            }
            // SAFETY: as above; PQconsumeInput reads what the socket holds, without blocking.
            if unsafe { consume(conn) } == 0 {
                break CONSUME_FAILED;
            }
            socket_empty = true; // until the next drain shows that this read brought frames
        };
        (code, arena, spans, other)
    });
    let frames = PyList::empty(py);
    for (wal_start, at, len) in spans {
        frames.append((wal_start, PyBytes::new(py, &arena[at..at + len])))?;
    }
    Ok((code, frames, other.map(|o| PyBytes::new(py, &o))))
}
