//! connectrt-postgres's compiled hot path: pgoutput XLogData frames of captured tables to the key and value
//! bytes connectrt's JsonConverter would write for the Debezium change events the Python path builds.
//!
//! The Python side (connectrt_postgres/native.py) describes each table once as a [`TablePlan`] (field
//! names, value kinds, the JSON of null values, the converters' schema envelopes), then hands batches of
//! frames to [`process`], which converts them without holding the GIL. Whatever is not a plain
//! Begin/Commit/Insert/Update/Delete of a planned table, or a value outside the canonical text forms,
//! stops the batch at that frame: Python processes it and calls again from the next one. The frames are
//! thus processed in order, by one path or the other, and both give the same bytes (tests/unit check).

mod convert;
mod copyread;
mod json;
mod snapshot;
mod stream;

use pyo3::prelude::*;

/// Bumped whenever the interface between native.py and this module changes: a stale build is not used.
pub const ABI: u32 = 4;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("ABI", ABI)?;
    m.add("KINDS", convert::KNOWN_KINDS.to_vec())?;
    m.add_class::<stream::TablePlan>()?;
    m.add_class::<stream::StreamConfig>()?;
    m.add_function(wrap_pyfunction!(stream::process, m)?)?;
    m.add_function(wrap_pyfunction!(stream::convert_value, m)?)?;
    m.add_function(wrap_pyfunction!(snapshot::snapshot_rows, m)?)?;
    m.add_function(wrap_pyfunction!(copyread::read_copy_frames, m)?)?;
    Ok(())
}
