"""The compiled path in the streaming phase: runs of frames to NativeChangeRecords (see native.py)."""

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
        self.plans: dict[
            int, tuple[TableSchema, Any, PlanContext | None]
        ] = {}  # oid -> (schema, plan, context)
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
        if builder.refresh():
            self.plans.clear()
            self.config = builder.stream_config(self.processor.heartbeat is not None)
        elif not self.dirty:
            return
        self.dirty = False
        tables = self.processor.tables
        native_plans = {}
        for oid, ts in tables.by_oid.items():
            cached = self.plans.get(oid)
            if cached is None or cached[0] is not ts:
                plan = builder.plan(ts, tables.types)
                context = (
                    PlanContext(self.processor.events, ts, plan, self.target) if plan is not None else None
                )
                cached = (ts, plan, context)
                self.plans[oid] = cached
            if cached[1] is not None:
                native_plans[oid] = cached[1]
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
            self._records(events, out, o.xmin, origin)
        return int(nxt)

    def _records(
        self, events: list[Any], out: list[SourceRecord], xmin: int | None, origin: tuple[Any, Any]
    ) -> None:
        plans = self.plans
        partition = self._partition
        headers_template = self._headers
        version = self.builder.version
        new = object.__new__
        cls = NativeChangeRecord
        names = _MT_NAMES
        append = out.append
        offset: dict[str, Any] = {}
        headers: Any = None
        for oid, op, key, value, frame, lsn, n_at, mt, tx_id, ts_usec, lsn_commit, now in events:
            ts, _plan, context = plans[oid]
            r = new(cls)
            r.source_partition = partition
            if op != "T":
                if n_at <= 1 and xmin is None and tx_id is not None and ts_usec is not None:
                    if lsn_commit is not None:
                        offset = {
                            "lsn_proc": lsn,
                            "messageType": names[mt],
                            "lsn_commit": lsn_commit,
                            "lsn": lsn,
                            "txId": tx_id,
                            "ts_usec": ts_usec,
                        }
                    else:
                        offset = {
                            "lsn_proc": lsn,
                            "messageType": names[mt],
                            "lsn": lsn,
                            "txId": tx_id,
                            "ts_usec": ts_usec,
                        }
                else:
                    offset = OffsetState(
                        lsn=lsn,
                        tx_id=tx_id,
                        ts_usec=ts_usec,
                        lsn_proc=lsn,
                        lsn_commit=lsn_commit,
                        message_type=names[mt],
                        events_at_lsn=n_at,
                        xmin=xmin,
                    ).to_dict()
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
