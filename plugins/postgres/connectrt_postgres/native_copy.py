"""The compiled reader of the replication stream: CopyData messages in batches (native/src/copyread.rs).

Besides the frames libpq has buffered, it reads the socket (PQconsumeInput) until it is empty, and
lingers for more once it holds frames (see copyread.rs for why). It calls the libpq that psycopg itself
loaded, with the connection's ``PGconn *``
(``pgconn.pgconn_ptr``). Which library that is depends on psycopg's implementation: the ctypes
wrapper's (``python``), or the one mapped in the process (``binary``: the copy inside the
psycopg_binary wheel; ``c``: the system's). The functions are used only when that library reports the
connection's own backend pid for the pointer, so a wrong library is never called with it.
"""

from __future__ import annotations

import ctypes
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from connectrt_postgres import native

log = logging.getLogger(__name__)

CopyReader = Callable[[int, float, bool], tuple[int, list[tuple[int, bytes]], bytes | None]]
# read_copy_frames's codes; negative ones are PQgetCopyData's
DRAINED, FULL, OTHER, CONSUME_FAILED = 0, 1, 2, 3

DISABLE_ENV = "CONNECTRT_POSTGRES_NATIVE_READ"  # "0": frame by frame in Python (comparisons, debugging)

_libpq: tuple[ctypes.CDLL, int, int, int] | bool | None = False  # False: not looked for yet


def _loaded_libpq_paths() -> list[str]:
    try:
        text = Path("/proc/self/maps").read_text()
    except OSError:
        return []
    paths = {line.split(None, 5)[5] for line in text.splitlines() if len(line.split(None, 5)) == 6}
    return sorted(p for p in paths if os.path.basename(p).startswith("libpq") and ".so" in p)


def _find_libpq() -> tuple[ctypes.CDLL, int, int, int] | None:
    from psycopg import pq

    lib: ctypes.CDLL | None = None
    if pq.__impl__ == "python":
        from psycopg.pq import _pq_ctypes

        lib = _pq_ctypes.pq  # type: ignore[attr-defined]
    else:
        paths = _loaded_libpq_paths()
        if pq.__impl__ == "binary":
            paths = [p for p in paths if "psycopg_binary" in p]
        else:
            paths = [p for p in paths if "psycopg_binary" not in p]
        if len(paths) != 1:
            return None
        try:
            lib = ctypes.CDLL(paths[0], mode=os.RTLD_NOLOAD | os.RTLD_LAZY)  # the copy already loaded
        except OSError:
            return None
    if lib is None:
        return None
    get = ctypes.cast(lib.PQgetCopyData, ctypes.c_void_p).value
    consume = ctypes.cast(lib.PQconsumeInput, ctypes.c_void_p).value
    free = ctypes.cast(lib.PQfreemem, ctypes.c_void_p).value
    if not get or not consume or not free:
        return None
    lib.PQbackendPID.argtypes = [ctypes.c_void_p]
    lib.PQbackendPID.restype = ctypes.c_int
    return lib, get, consume, free


def copy_reader(pgconn: Any) -> CopyReader | None:
    """``read(max_frames, linger_s, holding) -> (code, frames, other)`` for this connection, or None where
    the compiled reader cannot be used (not built, turned off, libpq not found). ``linger_s``: how long to
    go on reading once frames are in hand (``holding``: the caller has some already)."""
    global _libpq
    if not native.available() or not hasattr(native._native, "read_copy_frames"):
        return None
    if os.environ.get(DISABLE_ENV, "1") == "0":
        return None
    if _libpq is False:
        try:
            _libpq = _find_libpq()
        except (OSError, AttributeError, ImportError) as e:
            log.debug("The compiled replication reader is not used: %s", e)
            _libpq = None
        if _libpq is None:
            log.info("The replication stream is read by the Python path (psycopg's libpq not located)")
    if not _libpq:
        return None
    lib, get, consume, free = _libpq  # type: ignore[misc]
    ptr = pgconn.pgconn_ptr
    if not ptr or lib.PQbackendPID(ptr) != pgconn.backend_pid:
        return None
    read = native._native.read_copy_frames

    def reader(
        max_frames: int, linger_s: float, holding: bool
    ) -> tuple[int, list[tuple[int, bytes]], bytes | None]:
        return read(ptr, get, consume, free, max_frames, int(linger_s * 1_000_000), holding)

    return reader
