"""A logical replication stream over psycopg 3: slot commands, START_REPLICATION, CopyBoth frames.

psycopg has no replication API, so this drives libpq's COPY_BOTH mode directly through
``conn.pgconn``: ``get_copy_data`` / ``put_copy_data`` / ``flush``. The reading thread owns the
connection while streaming. Other threads only call :meth:`ReplicationStream.request_flush`, which
records the LSN to confirm; the reading thread sends it with its next standby status update.
"""

from __future__ import annotations

import logging
import select
import struct
import threading
import time
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import pq

from connectrt_postgres import native_copy
from connectrt_postgres.catalog import quote_ident, quote_literal
from connectrt_postgres.pgoutput import PG_EPOCH_OFFSET_US, format_lsn, parse_lsn

log = logging.getLogger(__name__)

# Session settings that fix the text form of every value (both connections use them).
SESSION_OPTIONS = (
    "-c DateStyle=ISO,MDY -c IntervalStyle=postgres -c TimeZone=UTC -c extra_float_digits=3 "
    "-c bytea_output=hex"
)

_XLOG_HEADER = struct.Struct("!QQq").unpack_from
_WAL_START = struct.Struct("!Q").unpack_from
_KEEPALIVE = struct.Struct("!QqB").unpack_from
_STATUS = struct.Struct("!cQQQqB").pack


#: How long a read waits for more frames once it has some (and fewer than it may return).
LINGER_S = 0.002
#: While lingering, the Python reader reads the socket this often, and up to DRAIN_READS times in a row.
DRAIN_S = 0.0002
DRAIN_READS = 64


class ReplicationStreamError(Exception):
    """The stream ended or the connection broke; the caller reconnects."""


@dataclass(frozen=True)
class SlotInfo:
    name: str
    plugin: str | None
    slot_type: str
    database: str | None
    active: bool
    active_pid: int | None
    confirmed_flush_lsn: int | None
    restart_lsn: int | None


@dataclass(frozen=True)
class CreatedSlot:
    name: str
    consistent_point: int
    snapshot_name: str | None


def connect(params: dict[str, Any], replication: bool = False) -> psycopg.Connection[Any]:
    """A connection with the session options fixed; ``replication`` opens a walsender."""
    kwargs = dict(params)
    options = kwargs.pop("options", "")
    kwargs["options"] = (SESSION_OPTIONS + " " + options).strip()
    if replication:
        kwargs["replication"] = "database"
        return psycopg.connect(autocommit=True, prepare_threshold=None, **kwargs)
    return psycopg.connect(autocommit=True, **kwargs)


def slot_info(conn: Any, name: str) -> SlotInfo | None:
    row = conn.execute(
        "SELECT slot_name, plugin, slot_type, database, active, active_pid, "
        "confirmed_flush_lsn::text, restart_lsn::text FROM pg_catalog.pg_replication_slots WHERE slot_name = %s",
        (name,),
    ).fetchone()
    if row is None:
        return None
    return SlotInfo(
        row[0],
        row[1],
        row[2],
        row[3],
        bool(row[4]),
        row[5],
        parse_lsn(row[6]) if row[6] else None,
        parse_lsn(row[7]) if row[7] else None,
    )


class ReplicationStream:
    """One walsender connection: slot commands, then streaming pgoutput in CopyBoth mode."""

    def __init__(self, params: dict[str, Any], status_interval_s: float = 10.0) -> None:
        self.conn = connect(params, replication=True)
        self.status_interval_s = status_interval_s
        self._lock = threading.Lock()
        self._flush_lsn = 0  # confirmed to the server (what the slot may advance to)
        self._requested_flush: int | None = None
        self.received_lsn = 0  # highest WAL position seen in a frame
        self.server_wal_end = 0
        self.keepalive_lsn = 0  # the walsender's sent position, from its last keepalive
        self.streaming = False
        self._last_status = 0.0
        self.started_at_lsn = 0
        self.linger_s = LINGER_S
        self.compiled_reader = True  # read frames in batches natively when the module is built
        self._fast_read: native_copy.CopyReader | None = None

    # --- commands (before streaming) -----------------------------------------------------------

    def create_slot(self, name: str, export_snapshot: bool) -> CreatedSlot:
        mode = "export" if export_snapshot else "nothing"
        row = self.conn.execute(
            f"CREATE_REPLICATION_SLOT {quote_ident(name)} LOGICAL pgoutput (SNAPSHOT '{mode}')"
        ).fetchone()
        assert row is not None
        return CreatedSlot(str(row[0]), parse_lsn(row[1]), row[2])

    def drop_slot(self, name: str) -> None:
        self.conn.execute(f"DROP_REPLICATION_SLOT {quote_ident(name)} WAIT")

    # --- streaming -----------------------------------------------------------------------------
    def start(self, slot: str, lsn: int, options: dict[str, str], confirmed_flush: int) -> None:
        """START_REPLICATION from ``lsn``; ``confirmed_flush`` is what status updates confirm until a
        flush is requested (the slot's current position, so nothing moves ahead of Kafka)."""
        opts = ", ".join(f"{quote_ident(k)} {quote_literal(v)}" for k, v in options.items())
        command = f"START_REPLICATION SLOT {quote_ident(slot)} LOGICAL {format_lsn(lsn)} ({opts})"
        log.info("Starting replication: %s", command)
        with self._lock:
            self._flush_lsn = confirmed_flush
        self.received_lsn = max(lsn, confirmed_flush)
        self.started_at_lsn = lsn
        cursor = self.conn.execute(command)
        if cursor.pgresult is None or cursor.pgresult.status != pq.ExecStatus.COPY_BOTH:
            raise ReplicationStreamError(f"START_REPLICATION did not enter streaming mode: {command}")
        self.streaming = True
        self._last_status = time.monotonic()
        self._fast_read = native_copy.copy_reader(self.conn.pgconn) if self.compiled_reader else None

    def request_flush(self, lsn: int) -> None:
        """Confirm ``lsn`` to the slot with the next status update (thread-safe)."""
        with self._lock:
            if lsn > self._flush_lsn and (self._requested_flush is None or lsn > self._requested_flush):
                self._requested_flush = lsn

    @property
    def flushed_lsn(self) -> int:
        with self._lock:
            return self._flush_lsn

    def read(self, max_frames: int, timeout_s: float) -> list[tuple[int, bytes]]:
        """Up to ``max_frames`` XLogData frames ``(wal_start, frame)``: the pgoutput message starts at
        ``frame[25]``. Waits up to ``timeout_s`` for the first one, then up to ``linger_s`` more for others
        (up to ``max_frames``); answers keepalives meanwhile.

        The walsender sends each change as it decodes it: without lingering, a busy stream arrives a frame
        or two per read, and every batch costs the pipeline its fixed work (measured: 2 frames per read,
        ~7 µs of reader CPU per frame). While lingering the socket is read every :data:`DRAIN_S` (one
        PQconsumeInput takes ~16 KB at most): left unread, it fills in about a millisecond, and the
        walsender then waits for us (pg_stat_activity's WalSenderWriteData)."""
        pg = self.conn.pgconn
        fast = self._fast_read
        out: list[tuple[int, bytes]] = []
        append = out.append
        deadline = time.monotonic() + timeout_s
        linger_until = 0.0
        try:
            while len(out) < max_frames:
                if fast is not None:
                    # Every frame libpq has received and the socket holds, in one call without the GIL;
                    # it lingers for more itself, and stops at anything else than XLogData (handled
                    # below, as the frame-by-frame loop would).
                    linger = self.linger_s if not linger_until else max(0.0, linger_until - time.monotonic())
                    code, frames, other = fast(max_frames - len(out), linger, bool(out))
                    if frames:
                        out += frames
                        if not linger_until:
                            linger_until = time.monotonic() + self.linger_s
                    if code == native_copy.FULL or (code == native_copy.DRAINED and out):
                        break
                    if code == native_copy.CONSUME_FAILED:
                        pg.consume_input()  # raises the connection's error
                        raise ReplicationStreamError("the replication connection failed")
                    n = len(other) if other is not None else (0 if code == native_copy.DRAINED else code)
                    data = other or b""
                else:
                    n, buf = pg.get_copy_data(1)
                    data = bytes(buf) if n > 0 else b""
                if n == 0:
                    if out:
                        now = time.monotonic()
                        if not linger_until:
                            linger_until = now + self.linger_s
                        if now >= linger_until:
                            break
                        time.sleep(min(linger_until - now, DRAIN_S))
                        self._drain_socket()
                        continue
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        break
                    self.maybe_send_status()
                    ready, _, _ = select.select([pg.socket], [], [], min(remaining, 1.0))
                    if ready:
                        pg.consume_input()
                    continue
                if n < 0:
                    result = pg.get_result()
                    message = result.error_message.decode(errors="replace") if result is not None else ""
                    raise ReplicationStreamError(
                        f"the replication stream ended: {message or 'COPY finished'}"
                    )
                tag = data[0]
                if tag == 0x77:  # 'w' XLogData; the positions are noted from the last frame (_note_frames)
                    append((_WAL_START(data, 1)[0], data))
                elif tag == 0x6B:  # 'k' keepalive
                    self._note_frames(out)
                    wal_end, _send_time, reply = _KEEPALIVE(data, 1)
                    if wal_end > self.server_wal_end:
                        self.server_wal_end = wal_end
                    if not out:
                        # Every frame before it has been handed out: the walsender sent all up to here.
                        self.keepalive_lsn = max(self.keepalive_lsn, wal_end)
                    if reply:
                        self.send_status(force=True)
        except psycopg.Error as e:
            raise ReplicationStreamError(f"the replication connection failed: {e}") from e
        except OSError as e:
            raise ReplicationStreamError(f"the replication connection failed: {e}") from e
        self._note_frames(out)
        self.maybe_send_status()
        return out

    def _drain_socket(self) -> None:
        """Move what the socket holds into libpq's buffer (a PQconsumeInput reads ~16 KB at most)."""
        pg = self.conn.pgconn
        sock = pg.socket
        for _ in range(DRAIN_READS):
            pg.consume_input()
            if not select.select([sock], [], [], 0)[0]:
                break

    def _note_frames(self, frames: list[tuple[int, bytes]]) -> None:
        """The highest WAL start received and server WAL end seen, from the last XLogData frame read (both
        grow from frame to frame of a stream)."""
        if frames:
            wal_start, wal_end, _send_time = _XLOG_HEADER(frames[-1][1], 1)
            if wal_end > self.server_wal_end:
                self.server_wal_end = wal_end
            if wal_start > self.received_lsn:
                self.received_lsn = wal_start

    def maybe_send_status(self) -> None:
        with self._lock:
            pending = self._requested_flush is not None
        if pending or time.monotonic() - self._last_status >= self.status_interval_s:
            self.send_status()

    def send_status(self, force: bool = False, reply: bool = False) -> None:
        if not self.streaming:
            return
        with self._lock:
            if self._requested_flush is not None:
                self._flush_lsn = max(self._flush_lsn, self._requested_flush)
                self._requested_flush = None
            flushed = self._flush_lsn
        written = max(self.received_lsn, flushed)
        now_us = time.time_ns() // 1000 - PG_EPOCH_OFFSET_US
        frame = _STATUS(b"r", written, flushed, flushed, now_us, 1 if reply else 0)
        pg = self.conn.pgconn
        try:
            pg.put_copy_data(frame)
            pg.flush()
        except psycopg.Error as e:
            raise ReplicationStreamError(f"could not send a status update: {e}") from e
        self._last_status = time.monotonic()
        log.debug("Status update: written %s, flushed %s", format_lsn(written), format_lsn(flushed))

    def stop_streaming(self) -> None:
        """End COPY mode cleanly so the connection can run commands again."""
        if not self.streaming:
            return
        self._fast_read = None
        pg = self.conn.pgconn
        try:
            self.send_status()
            pg.put_copy_end()
            pg.flush()
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                n, _ = pg.get_copy_data(1)
                if n == -1:
                    break
                if n == 0:
                    select.select([pg.socket], [], [], 0.2)
                    pg.consume_input()
            while pg.get_result() is not None:
                pass
        except (psycopg.Error, OSError, ReplicationStreamError) as e:
            log.debug("Ending the replication stream: %s", e)
        self.streaming = False

    def close(self) -> None:
        self._fast_read = None
        try:
            self.conn.close()
        except Exception as e:  # closing a broken connection
            log.debug("Closing the replication connection: %s", e)
