"""The compiled path in the snapshot: ``COPY (SELECT ...) TO STDOUT`` lines to NativeChangeRecords (see native.py).

A table whose columns the native path converts is read with COPY in text format (the same SELECT, in
the same snapshot transaction, so the same rows and value texts as the cursor would give); each line
becomes an ``op: "r"`` event's key and value bytes natively. A line the native path does not take is
decoded in Python (:func:`~connectrt_postgres.native.parse_copy_line`) and goes through the snapshot's
own row path, in order.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from typing import Any

from connectrt.api.records import SourceRecord

from connectrt_postgres import native
from connectrt_postgres.events import EventFactory
from connectrt_postgres.native import NativeChangeRecord, PlanBuilder, PlanContext, SerializationTarget
from connectrt_postgres.offsets import OffsetState
from connectrt_postgres.schemas import SOURCE_SCHEMA, TableSchema
from connectrt_postgres.tables import TableSchemas

_PLACEHOLDER = "@@connectrt-snapshot-marker@@"

# emit_python(out, ts, values, marker): the snapshot's own row path, for a line the native path left
PythonRow = Callable[[list[SourceRecord], TableSchema, list[str | None], str], None]


class NativeSnapshot:
    def __init__(self, events: EventFactory, tables: TableSchemas, target: SerializationTarget) -> None:
        self.events = events
        self.tables = tables
        self.target = target
        self.builder = PlanBuilder(events, tables.settings.modes, target)
        self._plans: dict[int, tuple[TableSchema, Any, PlanContext | None]] = {}
        self._sources: dict[tuple[Any, ...], tuple[bytes, bytes]] = {}
        self._partition = events.partition
        self._headers = events._headers_template
        self.target.use_headers(self._headers)
        self._clock: Callable[[], int] | None = events.clock if events.clock is not time.time_ns else None

    def usable(self) -> bool:
        return self.target.supported and not self.target.wasted()

    def plan_for(self, ts: TableSchema) -> tuple[Any, PlanContext] | None:
        """The table's plan and record context, or None when the snapshot reads it with the Python path."""
        if not self.usable():
            return None
        if self.builder.refresh():
            self._plans.clear()
            self._sources.clear()
        cached = self._plans.get(id(ts))
        if cached is None or cached[0] is not ts:
            plan = self.builder.plan(ts, self.tables.types)
            context = PlanContext(self.events, ts, plan, self.target) if plan is not None else None
            cached = (ts, plan, context)
            self._plans[id(ts)] = cached
        if cached[1] is None or cached[2] is None:
            return None
        return cached[1], cached[2]

    def _source_halves(self, ts: TableSchema, offset: OffsetState, ts_us: int) -> tuple[bytes, bytes]:
        """The table's source block JSON around its ``snapshot`` marker, written by the real converter."""
        key = (id(ts), ts_us, offset.lsn, offset.lsn_commit, offset.tx_id, offset.xmin, self.builder.version)
        halves = self._sources.get(key)
        if halves is None:
            tid = ts.table.id
            source = self.events.source(offset, tid.schema, tid.table, _PLACEHOLDER, ts_us)
            text = self.builder.value_json.from_connect_data("", SOURCE_SCHEMA, source)
            before, sep, after = text.partition(self.builder.json_str(_PLACEHOLDER))
            assert sep, "the snapshot marker placeholder is missing from the source block"
            halves = self._sources[key] = (before, after)
        return halves

    def rows(
        self,
        out: list[SourceRecord],
        ts: TableSchema,
        planned: tuple[Any, PlanContext],
        lines: list[Any],
        marker: str,
        first_marker: str | None,
        offset: OffsetState,
        ts_us: int,
        python_row: PythonRow,
    ) -> None:
        """Append the events of COPY ``lines`` (each with its newline): the first one marked ``first_marker``
        when given, the others ``marker``."""
        plan, context = planned
        before, after = self._source_halves(ts, offset, ts_us)
        json_str = self.builder.json_str
        first_json = json_str(first_marker) if first_marker is not None else None
        fixed_now = self._clock() if self._clock is not None else 0
        results = native.snapshot_rows(
            plan, b"".join(lines), before, after, json_str(marker), first_json, fixed_now
        )
        offset_dict = offset.to_dict()
        state = copy.copy(offset)
        extra = (marker, ts_us, state)
        first_extra = (first_marker, ts_us, state)
        new = object.__new__
        cls = NativeChangeRecord
        partition = self._partition
        headers = self._headers
        version = self.builder.version
        topic, key_schema, value_schema = ts.topic, ts.key_schema, ts.envelope_schema
        append = out.append
        first = first_marker is not None
        for key, value, line, now in results:
            if value is None:
                python_row(out, ts, native.parse_copy_line(line), first_marker if first else marker)  # type: ignore[arg-type]
                first = False
                continue
            r = new(cls)
            r.source_partition = partition
            r.source_offset = offset_dict
            r.topic = topic
            r.kafka_partition = None
            r.key_schema = key_schema
            r.value_schema = value_schema
            r.timestamp = None
            r.headers = headers.duplicate()
            r._done = False
            r._lazy = (context, line, "r", now, key, value, version, first_extra if first else extra)
            first = False
            append(r)
