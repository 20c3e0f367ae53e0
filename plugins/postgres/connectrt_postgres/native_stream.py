"""The compiled path in the streaming phase: runs of frames to change events (see native.py).

A run of frames the native path took becomes one :class:`NativeRun`: the events' bytes as Rust made them,
handed to the worker as a record run (connectrt/runtime/serialized.py) when it asks for them
(``PostgresConnectorTask.poll_serialized``), or as the NativeChangeRecords they stand for (``poll()``).
No Python object per row is made on the reader thread.
"""

from __future__ import annotations

import logging
import struct
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from connectrt.api.records import SourceRecord

from connectrt_postgres import native
from connectrt_postgres.native import NativeChangeRecord, PlanBuilder, PlanContext, SerializationTarget
from connectrt_postgres.offsets import OffsetState
from connectrt_postgres.schemas import TableSchema

if TYPE_CHECKING:
    from connectrt_postgres.streaming import StreamProcessor

log = logging.getLogger(__name__)

_DML_TAGS = (0x49, 0x55, 0x44)  # I U D
_u32 = struct.Struct("!I").unpack_from
_MT_NAMES: dict[int, str | None] = {0: None, 1: "INSERT", 2: "UPDATE", 3: "DELETE", 4: "COMMIT"}
_MT_CODES: dict[str | None, int] = {v: k for k, v in _MT_NAMES.items()}


class NativeStream:
    """Runs the native path for a StreamProcessor: plans per table, state in and out, records out."""

    def __init__(self, processor: StreamProcessor, target: SerializationTarget | None = None) -> None:
        self.processor = processor
        self.target = target if target is not None else SerializationTarget()
        self.builder = PlanBuilder(processor.events, processor.tables.settings.modes, self.target)
        # oid -> (schema, plan, context); replaced, never changed in place, once runs refer to it
        self.plans: dict[int, tuple[TableSchema, Any, PlanContext | None]] = {}
        self.native_plans: dict[int, Any] = {}
        self.config = self.builder.stream_config(processor.heartbeat is not None)
        self.enabled = True
        self.dirty = True  # the tables' schemas may have changed since the plans were made
        events = processor.events
        self._partition = events.partition
        self._headers = events._headers_template
        self.target.use_headers(self._headers)
        # A test's clock is read once per batch; the real one per event, natively.
        self._clock: Callable[[], int] | None = events.clock if events.clock is not time.time_ns else None

    def _refresh(self) -> None:
        builder = self.builder
        plans = self.plans
        if builder.refresh():
            plans = {}
            self.config = builder.stream_config(self.processor.heartbeat is not None)
        elif not self.dirty:
            return
        self.dirty = False
        tables = self.processor.tables
        native_plans = {}
        fresh = dict(plans)  # runs made so far keep the plans they were made with
        for oid, ts in tables.by_oid.items():
            cached = fresh.get(oid)
            if cached is None or cached[0] is not ts:
                plan = builder.plan(ts, tables.types)
                context = (
                    PlanContext(self.processor.events, ts, plan, self.target) if plan is not None else None
                )
                cached = (ts, plan, context)
                fresh[oid] = cached
            if cached[1] is not None:
                native_plans[oid] = cached[1]
        self.plans = fresh
        self.native_plans = native_plans

    # --- batches -------------------------------------------------------------------------------
    def usable(self) -> bool:
        """Whether the native path still applies (once it does not, it never does again for this task)."""
        if not self.enabled:
            return False
        target = self.target
        if target.supported and not target.wasted():
            return True
        self.enabled = False
        log.info(
            "Change events are built by the Python path from now on (%s)",
            target.mismatch
            or (
                "the records are read by transforms"
                if target.supported
                else "the converters are not JsonConverter"
            ),
        )
        return False

    def run(self, frames: list[tuple[int, bytes]], start: int, out: list[SourceRecord]) -> int:
        """Process ``frames[start:]`` natively up to the first frame the Python path must take; its index."""
        if not self.usable():
            return start
        self._refresh()
        p = self.processor
        o = p.offset
        if o.snapshot is not None or p.resume is not None or not self.native_plans:
            return start
        frame = frames[start][1]
        tag = frame[25]
        if tag in _DML_TAGS:
            oid = _u32(frame, 26)[0]
            if oid not in self.native_plans and oid not in p.tables.ignored:
                return start  # a table of the Python path: no need to build the call
        elif tag != 0x42 and tag != 0x43:  # Begin, Commit
            return start
        mt = _MT_CODES.get(o.message_type, 9)
        state: dict[str, Any] = {
            "lsn": o.lsn,
            "lsn_proc": o.lsn_proc,
            "lsn_commit": o.lsn_commit,
            "tx_id": o.tx_id,
            "ts_usec": o.ts_usec,
            "message_type": mt,
            "events_at_lsn": o.events_at_lsn,
            "xmin": o.xmin,
            "xid": p.xid,
            "commit_ts": p.commit_ts,
            "in_transaction": p.in_transaction,
            "origin": None if p.origin is None else self.builder.json_str(p.origin),
            "origin_lsn": p.origin_lsn,
        }
        fixed_now = self._clock() if self._clock is not None else 0
        origin = (
            p.origin,
            p.origin_lsn,
        )  # constant for the call: the native path stops at a Begin after an Origin
        nxt, state, events, messages = native.process(
            self.config, frames, start, self.native_plans, p.tables.ignored, state, fixed_now
        )
        if nxt == start:
            return start
        o.lsn, o.lsn_proc, o.lsn_commit = state["lsn"], state["lsn_proc"], state["lsn_commit"]
        o.tx_id, o.ts_usec, o.events_at_lsn = state["tx_id"], state["ts_usec"], state["events_at_lsn"]
        if state["message_type"] != 9:
            o.message_type = _MT_NAMES[state["message_type"]]
        p.xid, p.commit_ts, p.in_transaction = state["xid"], state["commit_ts"], state["in_transaction"]
        p.origin, p.origin_lsn = (None, None) if state["origin"] is None else (p.origin, state["origin_lsn"])
        p.messages += messages
        if events:
            out.append(NativeRun(self, events, o.xmin, origin))  # type: ignore[arg-type]
        return int(nxt)

    def _records(
        self,
        events: list[Any],
        out: list[SourceRecord],
        xmin: int | None,
        origin: tuple[Any, Any],
        plans: dict[int, tuple[TableSchema, Any, PlanContext | None]],
        version: int,
    ) -> None:
        partition = self._partition
        headers_template = self._headers
        new = object.__new__
        cls = NativeChangeRecord
        append = out.append
        offset: dict[str, Any] = {}
        headers: Any = None
        for oid, op, key, value, frame, lsn, n_at, mt, tx_id, ts_usec, lsn_commit, now in events:
            ts, _plan, context = plans[oid]
            r = new(cls)
            r.source_partition = partition
            if op != "T":
                offset = event_offset(lsn, n_at, mt, tx_id, ts_usec, lsn_commit, xmin)
                headers = headers_template.duplicate()
                r.value_schema = ts.envelope_schema
            else:
                r.value_schema = None
            r.source_offset = offset
            r.topic = ts.topic
            r.kafka_partition = None
            r.key_schema = ts.key_schema
            r.timestamp = None
            r.headers = headers
            r._done = False
            r._lazy = (context, frame, op, now, key, value, version, origin)
            append(r)


def event_offset(
    lsn: int, n_at: int, mt: int, tx_id: Any, ts_usec: Any, lsn_commit: Any, xmin: int | None
) -> dict[str, Any]:
    """The source offset of a change event of the native path (as OffsetState.to_dict writes it)."""
    if n_at <= 1 and xmin is None and tx_id is not None and ts_usec is not None:
        if lsn_commit is not None:
            return {
                "lsn_proc": lsn,
                "messageType": _MT_NAMES[mt],
                "lsn_commit": lsn_commit,
                "lsn": lsn,
                "txId": tx_id,
                "ts_usec": ts_usec,
            }
        return {"lsn_proc": lsn, "messageType": _MT_NAMES[mt], "lsn": lsn, "txId": tx_id, "ts_usec": ts_usec}
    return OffsetState(
        lsn=lsn,
        tx_id=tx_id,
        ts_usec=ts_usec,
        lsn_proc=lsn,
        lsn_commit=lsn_commit,
        message_type=_MT_NAMES[mt],
        events_at_lsn=n_at,
        xmin=xmin,
    ).to_dict()


class NativeRun:
    """Consecutive change events of the native path, as Rust made them: a record run for the worker
    (connectrt/runtime/serialized.py), or the NativeChangeRecords it stands for (:meth:`records`)."""

    __slots__ = ("_offset", "events", "origin", "plans", "stream", "version", "xmin")

    def __init__(
        self, stream: NativeStream, events: list[Any], xmin: int | None, origin: tuple[Any, Any]
    ) -> None:
        self.stream = stream
        self.events = events
        self.xmin = xmin
        self.origin = origin
        self.plans = stream.plans
        self.version = stream.builder.version
        self._offset: dict[str, Any] | None = None

    def __len__(self) -> int:
        return len(self.events)

    def _part(self, events: list[Any]) -> NativeRun:
        part = object.__new__(NativeRun)
        part.stream, part.events, part.xmin, part.origin = self.stream, events, self.xmin, self.origin
        part.plans, part.version, part._offset = self.plans, self.version, None
        return part

    def split(self, k: int) -> tuple[NativeRun, NativeRun | None]:
        """The first ``k`` events (one more when the next is the tombstone of the last: a tombstone goes with
        its delete, whose offset it carries) and the rest, if any."""
        events = self.events
        if k < len(events) and events[k][1] == "T":
            k += 1
        if k >= len(events):
            return self, None
        return self._part(events[:k]), self._part(events[k:])

    @property
    def source_partition(self) -> dict[str, Any]:
        return self.stream._partition

    def _last_event(self) -> tuple[Any, ...]:
        """The last event that is not a tombstone (a tombstone always follows its delete in a run)."""
        events = self.events
        i = len(events) - 1
        return events[i - 1] if events[i][1] == "T" else events[i]

    @property
    def source_offset(self) -> dict[str, Any]:
        """The offset of the last event (a tombstone's is its delete's): committing it commits the run."""
        offset = self._offset
        if offset is None:
            _oid, _op, _k, _v, _f, lsn, n_at, mt, tx_id, ts_usec, lsn_commit, _now = self._last_event()
            offset = self._offset = event_offset(lsn, n_at, mt, tx_id, ts_usec, lsn_commit, self.xmin)
        return offset

    def records(self) -> list[SourceRecord]:
        out: list[SourceRecord] = []
        self.stream._records(self.events, out, self.xmin, self.origin, self.plans, self.version)
        return out

    def ops(self) -> list[str]:
        return [event[1] for event in self.events]

    def change_summary(self) -> tuple[Any, ...]:
        """(op, schema, table, txId, lsn, source ts_ms) of the last event, for the streaming metrics."""
        oid, op = self._last_event()[:2]
        offset = self.source_offset
        ts_us = offset.get("ts_usec")
        tid = self.plans[oid][0].table.id
        return (
            op,
            tid.schema,
            tid.table,
            offset.get("txId"),
            offset.get("lsn"),
            ts_us // 1000 if ts_us is not None else None,
        )

    def serialized(
        self, key_converter: Any, value_converter: Any, header_converter: Any
    ) -> tuple[list[tuple[str, Any, Any, Any]], dict[str, Any], dict[str, Any]] | None:
        """The rows as ``(topic, key, value, headers)`` bytes for these converters, with the run's partition
        and offset; None while a table's first event is not checked yet, or for other converters (the worker
        then takes :meth:`records`, which check, or are converted)."""
        stream = self.stream
        target = stream.target
        if key_converter is not target.key_converter or value_converter is not target.value_converter:
            target.learn(key_converter, value_converter)
        if not target.supported or self.version != target.version or header_converter is None:
            return None
        events = self.events
        plans = self.plans
        verified = target.verified
        converted_headers = target.headers
        per_table: dict[int, tuple[str, Any]] = {}
        for oid in {event[0] for event in events}:
            ts, plan, _context = plans[oid]
            if id(plan) not in verified:
                return None
            topic = ts.topic
            converted = converted_headers.get(topic)
            if converted is None or converted[0] is not header_converter:
                converted = target.convert_headers(header_converter, topic, stream._headers)
            per_table[oid] = (topic, converted[1] or None)
        target.served += len(events)
        if len(per_table) == 1:
            ((topic, headers),) = per_table.values()
            rows = [(topic, event[2], event[3], headers) for event in events]
        else:
            rows = [(t[0], event[2], event[3], t[1]) for event in events for t in (per_table[event[0]],)]
        return rows, stream._partition, self.source_offset
