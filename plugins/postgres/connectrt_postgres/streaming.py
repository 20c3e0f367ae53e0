"""Turns pgoutput messages into change events, tracking the offset as Debezium does.

Offsets follow ``PostgresStreamingChangeEventSource``: a change sets ``lsn``/``lsn_proc`` to its
own LSN (the XLogData frame's start), ``txId`` and ``ts_usec`` (the commit time from BEGIN); a
COMMIT sets ``lsn``, ``lsn_proc`` and ``lsn_commit`` to the commit's end LSN. A heartbeat may follow
every COMMIT, even of transactions that touched no captured table, so offsets keep moving.
"""

from __future__ import annotations

import logging
import struct
from collections.abc import Callable
from typing import Any

from connectrt.api.data import Struct
from connectrt.api.records import SourceRecord

from connectrt_postgres.events import EventFactory
from connectrt_postgres.filters import Filters
from connectrt_postgres.metrics import StreamingProgress
from connectrt_postgres.native import SerializationTarget
from connectrt_postgres.native import available as native_available
from connectrt_postgres.native_stream import NativeStream
from connectrt_postgres.offsets import OffsetState, ResumeFilter
from connectrt_postgres.pgoutput import (
    Begin,
    Commit,
    Delete,
    Insert,
    LogicalMessage,
    Origin,
    PgOutputDecoder,
    Relation,
    Truncate,
    Type,
    Update,
    decode_tuple,
)
from connectrt_postgres.schemas import SOURCE_SCHEMA, TableSchema
from connectrt_postgres.tables import TableSchemas

log = logging.getLogger(__name__)

_u32 = struct.Struct("!I").unpack_from
_DML_TAGS = (0x49, 0x55, 0x44)  # I U D
_new_struct = Struct.__new__
_update = dict.update
_set = dict.__setitem__
_tuple_new = tuple.__new__

HeartbeatHook = Callable[[OffsetState, list[SourceRecord]], None]


class StreamProcessor:
    """Processes XLogData frames in order, appending SourceRecords to a list.

    ``transactions.TransactionalStreamProcessor`` (provide.transaction.metadata=true) overrides
    ``_begin``, ``_commit``, ``_insert``, ``_update``, ``_delete``, ``_truncate`` and ``_message``:
    keep them as the per-message steps (tests/unit/test_pg_transaction_metadata.py checks them).
    """

    def __init__(
        self,
        tables: TableSchemas,
        events: EventFactory,
        filters: Filters,
        offset: OffsetState,
        resume: ResumeFilter | None = None,
        heartbeat: HeartbeatHook | None = None,
        time_us: Callable[[], int] | None = None,
    ) -> None:
        self.tables = tables
        self.events = events
        self.filters = filters
        self.offset = offset
        self.resume = resume if resume is not None and resume.active else None
        self.heartbeat = heartbeat
        self.decoder = PgOutputDecoder()
        self.xid: int | None = None
        self.commit_ts: int = offset.ts_usec or 0
        self.origin: str | None = None
        self.origin_lsn: int | None = None
        self.in_transaction = False
        self.messages = 0
        self._source_template: tuple[tuple[Any, ...], Struct, str] | None = None
        self.progress: StreamingProgress | None = None  # the task's metrics; the native path counts into it
        self.native: NativeStream | None = None

    def use_native(self, target: SerializationTarget | None = None) -> bool:
        """Build change events with the compiled path when it applies (see connectrt_postgres.native);
        ``target``: what an earlier processor of the task learnt about the worker's converters."""
        if type(self) is not StreamProcessor or not native_available():
            return False
        self.native = NativeStream(self, target)
        return True

    # --- offset bookkeeping ----------------------------------------------------------------------
    def _position(self, lsn: int, message_type: str) -> None:
        o = self.offset
        if o.lsn == lsn and o.message_type == message_type and message_type != "COMMIT":
            o.events_at_lsn += 1
        else:
            o.events_at_lsn = 1
        o.lsn = lsn
        o.lsn_proc = lsn
        o.tx_id = self.xid
        o.ts_usec = self.commit_ts
        o.message_type = message_type
        if o.snapshot is not None:
            o.snapshot = None
            o.last_snapshot_record = False
            o.snapshot_completed = False

    def _source(self, ts: TableSchema) -> Struct:
        """The source block of a change in ``ts`` at the current offset.

        Within a transaction only ``sequence`` and ``lsn`` change from one change of a table to the
        next: the block is copied from a template made once per table and transaction.
        """
        o = self.offset
        key = (ts, o.tx_id, self.commit_ts, o.lsn_commit, o.xmin, self.origin, self.origin_lsn)
        cached = self._source_template
        if cached is None or cached[0] != key:
            tid = ts.table.id
            template = self.events.source(
                o, tid.schema, tid.table, None, self.commit_ts, self.origin, self.origin_lsn
            )
            commit = "null" if o.lsn_commit is None else f'"{o.lsn_commit}"'
            cached = self._source_template = (key, template, f"[{commit},")
        source = _new_struct(Struct)
        source.schema = SOURCE_SCHEMA
        _update(source, cached[1])
        lsn = o.lsn
        _set(source, "sequence", cached[2] + ("null]" if lsn is None else f'"{lsn}"]'))
        _set(source, "lsn", lsn)
        return source

    # --- frames ----------------------------------------------------------------------------------
    def process(self, frames: list[tuple[int, bytes]], out: list[SourceRecord]) -> None:
        native = self.native
        if native is None or not native.usable():
            self._process(frames, out)
            return
        # Runs of frames the native path takes, and in between the ones only this class processes.
        i, n = 0, len(frames)
        while i < n:
            i = native.run(frames, i, out)
            if i < n:
                tag = frames[i][1][25]
                self._process(frames[i : i + 1], out)
                if tag == 0x52 or tag == 0x59:  # Relation, Type: table schemas may have changed
                    native.dirty = True
                i += 1

    def _process(self, frames: list[tuple[int, bytes]], out: list[SourceRecord]) -> None:
        tables_by_oid = self.tables.by_oid
        ignored = self.tables.ignored
        decoder = self.decoder
        decode = decoder.decode
        for wal_start, frame in frames:
            tag = frame[25]
            if tag in _DML_TAGS and not decoder.in_stream:
                oid = _u32(frame, 26)[0]
                if oid in ignored:
                    continue
                if tag == 0x49 and frame[30] == 0x4E:  # an Insert: 'I', relation OID, 'N', the new tuple
                    try:
                        new = decode_tuple(frame, 31)[0]
                    except (IndexError, struct.error):
                        new = None  # malformed: decode_message says what is wrong
                    if new is not None:
                        self.messages += 1
                        ts = tables_by_oid.get(oid)
                        if ts is None:
                            log.warning("Change for unknown relation %d skipped", oid)
                        elif self.resume is None or not self.resume.skip_change(wal_start):
                            self._insert(ts, _tuple_new(Insert, (None, oid, new)), wal_start, out)
                        continue
            msg = decode(frame, 25)
            self.messages += 1
            kind = type(msg)
            if kind is Insert or kind is Update or kind is Delete:
                ts = tables_by_oid.get(msg.relation_oid)  # type: ignore[union-attr]
                if ts is None:
                    log.warning("Change for unknown relation %d skipped", msg.relation_oid)  # type: ignore[union-attr]
                    continue
                if self.resume is not None and self.resume.skip_change(wal_start):
                    continue
                if kind is Insert:
                    self._insert(ts, msg, wal_start, out)  # type: ignore[arg-type]
                elif kind is Update:
                    self._update(ts, msg, wal_start, out)  # type: ignore[arg-type]
                else:
                    self._delete(ts, msg, wal_start, out)  # type: ignore[arg-type]
            elif kind is Begin:
                self._begin(msg, wal_start, out)  # type: ignore[arg-type]
            elif kind is Commit:
                self._commit(msg, wal_start, out)  # type: ignore[arg-type]
            elif kind is Relation:
                self.tables.on_relation(msg)  # type: ignore[arg-type]
            elif kind is Truncate:
                self._truncate(msg, wal_start, out)  # type: ignore[arg-type]
            elif kind is LogicalMessage:
                self._message(msg, wal_start, out)  # type: ignore[arg-type]
            elif kind is Origin:
                self.origin = msg.name  # type: ignore[union-attr]
                self.origin_lsn = msg.commit_lsn  # type: ignore[union-attr]
            elif kind is Type:
                self.tables.refresh_types()
            else:
                log.debug("Ignoring pgoutput message %s", kind.__name__)

    def _begin(self, msg: Begin, lsn: int, out: list[SourceRecord]) -> None:
        self.xid = msg.xid
        self.commit_ts = msg.commit_ts
        self.origin = None
        self.origin_lsn = None
        self.in_transaction = True
        if self.resume is not None:
            self.resume.begin(msg.final_lsn, msg.xid)
            if not self.resume.active:
                self.resume = None

    def _commit(self, msg: Commit, lsn: int, out: list[SourceRecord]) -> None:
        self.in_transaction = False
        if self.resume is not None:
            skipped = self.resume.skip_commit(lsn)
            if not self.resume.active:
                self.resume = None
            if skipped:
                return
        o = self.offset
        self._position(lsn, "COMMIT")
        o.lsn_commit = lsn
        if self.heartbeat is not None:
            self.heartbeat(o, out)

    def _insert(self, ts: TableSchema, msg: Insert, lsn: int, out: list[SourceRecord]) -> None:
        self._position(lsn, "INSERT")
        if self.events.skip_create:
            return
        new = msg.new
        after = ts._row(new, None)
        self.events.change(
            out, ts, "c", ts._key(new, after), None, after, self._source(ts), self.offset.to_dict()
        )

    def _update(self, ts: TableSchema, msg: Update, lsn: int, out: list[SourceRecord]) -> None:
        self._position(lsn, "UPDATE")
        if self.events.skip_update:
            return
        before = ts.row(msg.old) if msg.old is not None else None
        after = ts.row(msg.new, before if msg.old_kind == "O" else None)
        new_key = ts.key(msg.new, after)
        source = self._source(ts)
        offset = self.offset.to_dict()
        if msg.old is not None and ts.key_schema is not None:
            old_key = ts.key(msg.old, before)
            if old_key != new_key:
                self.events.key_change(out, ts, old_key, new_key, before, after, source, offset)
                return
        self.events.change(out, ts, "u", new_key, before, after, source, offset)

    def _delete(self, ts: TableSchema, msg: Delete, lsn: int, out: list[SourceRecord]) -> None:
        self._position(lsn, "DELETE")
        if self.events.skip_delete:
            return
        before = ts.row(msg.old)
        self.events.change(
            out, ts, "d", ts.key(msg.old, before), before, None, self._source(ts), self.offset.to_dict()
        )

    def _truncate(self, msg: Truncate, lsn: int, out: list[SourceRecord]) -> None:
        if self.resume is not None and self.resume.skip_change(lsn):
            return
        for oid in msg.relation_oids:
            ts = self.tables.by_oid.get(oid)
            if ts is None:
                continue
            self._position(lsn, "TRUNCATE")
            if self.events.skip_truncate:
                continue
            self.events.truncate(out, ts, self._source(ts), self.offset.to_dict())

    def _message(self, msg: LogicalMessage, lsn: int, out: list[SourceRecord]) -> None:
        if msg.transactional:
            if self.resume is not None and self.resume.skip_change(lsn):
                return
            self._position(lsn, "MESSAGE")
        else:
            if self.resume is not None:
                commit = self.resume.commit_lsn
                if commit is not None and lsn <= commit:
                    return
            saved_xid = self.xid
            self.xid = None
            self._position(lsn, "MESSAGE")
            self.xid = saved_xid
            self.offset.lsn_commit = lsn
        if not self.filters.message(msg.prefix):
            return
        source = self.events.source(
            self.offset, "", "", None, self.commit_ts, self.origin, self.origin_lsn, with_tx=msg.transactional
        )
        self.events.message(out, msg.prefix, msg.content, source, self.offset.to_dict())

    def idle(self, out: list[SourceRecord]) -> None:
        """Nothing arrived for a while: a heartbeat may carry the current offset."""
        if self.heartbeat is not None:
            self.heartbeat(self.offset, out)
