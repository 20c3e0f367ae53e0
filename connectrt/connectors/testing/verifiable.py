"""VerifiableSource and VerifiableSink: Kafka's system-test connectors (``connect/test-plugins``).

The source's tasks each produce an increasing sequence number: key = task id (INT32), value =
seqno (INT64), source partition ``{"id": <task>}``, offset ``{"seqno": <seqno>}``. A restarted task
resumes at the committed seqno + 1, so a consumer can check for gaps and duplicates per task.

The sink records what it is given. With a ``file`` config it appends one JSON line per record once
the record is flushed (``flush()`` runs before the runtime commits the consumer offsets), so after
any crash every committed record is in the file — possibly more than once — and tests can count
rows across worker processes. Lines look like Java's VerifiableSinkTask output::

    {"name": "sink", "task": 0, "sinkTask": 1, "topic": "t", "partition": 0, "offset": 41,
     "seqno": 41, "time_ms": 1700000000000, "flushed": true}

Both also count starts, stops and records in :class:`RuntimeHandles` (task ids ``<name>-<n>``) and,
with ``events.file``, append their starts and stops to that file.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping, Sequence
from typing import IO, Any

import orjson

from connectrt.api.connector import (
    ConnectException,
    SinkConnector,
    SinkTask,
    SourceConnector,
    SourceTask,
    TaskConfig,
)
from connectrt.api.data import Schema, SchemaBuilder, Struct
from connectrt.api.records import SinkRecord, SourceRecord
from connectrt.config.configdef import (
    NO_DEFAULT_VALUE,
    ConfigDef,
    Importance,
    NonEmptyString,
    Range,
    Type,
)
from connectrt.connectors.testing.handles import EVENTS_FILE_CONFIG, Lifecycle, RuntimeHandles, TaskHandle
from connectrt.connectors.testing.throttle import MAX_BLOCK_S, Throttle
from connectrt.connectors.util import VERSION, parse_bool

log = logging.getLogger(__name__)

NAME_CONFIG = "name"
ID_CONFIG = "id"
TOPIC_CONFIG = "topic"
THROUGHPUT_CONFIG = "throughput"
MAX_MESSAGES_CONFIG = "max.messages"
MESSAGES_PER_POLL_CONFIG = "messages.per.poll"
COMPLETE_RECORD_DATA_CONFIG = "complete.record.data"
FILE_CONFIG = "file"

ID_FIELD = "id"
SEQNO_FIELD = "seqno"

COMPLETE_VALUE_SCHEMA = (
    SchemaBuilder.struct()
    .field("name", Schema.STRING_SCHEMA)
    .field("task", Schema.INT32_SCHEMA)
    .field("topic", Schema.STRING_SCHEMA)
    .field("time_ms", Schema.INT64_SCHEMA)
    .field("seqno", Schema.INT64_SCHEMA)
    .build()
)

_EVENTS_DOC = "Append a JSON line per connector/task start and stop to this file (for multi-process tests)."

SOURCE_CONFIG_DEF = (
    ConfigDef()
    .define(
        TOPIC_CONFIG,
        Type.STRING,
        NO_DEFAULT_VALUE,
        NonEmptyString(),
        Importance.HIGH,
        "The topic to write to",
    )
    .define(
        THROUGHPUT_CONFIG,
        Type.LONG,
        -1,
        importance=Importance.MEDIUM,
        documentation="Records per second per task; a negative value means unlimited",
    )
    .define(
        MAX_MESSAGES_CONFIG,
        Type.LONG,
        -1,
        importance=Importance.MEDIUM,
        documentation="Each task stops producing once its seqno reaches this; negative means never",
    )
    .define(
        MESSAGES_PER_POLL_CONFIG,
        Type.INT,
        1,
        Range.at_least(1),
        Importance.LOW,
        "Records returned by each poll()",
    )
    .define(
        COMPLETE_RECORD_DATA_CONFIG,
        Type.BOOLEAN,
        False,
        importance=Importance.LOW,
        documentation="Send a struct with name, task, topic, time_ms and seqno instead of the bare seqno",
    )
    .define(
        FILE_CONFIG,
        Type.STRING,
        None,
        importance=Importance.LOW,
        documentation="Append a JSON line per produced and per acknowledged record to this file",
    )
    .define(EVENTS_FILE_CONFIG, Type.STRING, None, importance=Importance.LOW, documentation=_EVENTS_DOC)
)

SINK_CONFIG_DEF = (
    ConfigDef()
    .define(
        FILE_CONFIG,
        Type.STRING,
        None,
        importance=Importance.MEDIUM,
        documentation="Append a JSON line per flushed record to this file",
    )
    .define(EVENTS_FILE_CONFIG, Type.STRING, None, importance=Importance.LOW, documentation=_EVENTS_DOC)
)


def _int(props: Mapping[str, str], key: str, default: int) -> int:
    raw = props.get(key)
    if raw is None or str(raw).strip() == "":
        return default
    try:
        return int(str(raw).strip())
    except ValueError:
        raise ConnectException(f"Invalid value {raw} for configuration {key}: Not a number")


def _task_configs(props: Mapping[str, str], max_tasks: int) -> list[TaskConfig]:
    return [{**props, ID_CONFIG: str(i)} for i in range(max_tasks)]


def _task_id(props: Mapping[str, str]) -> int:
    try:
        return int(props[ID_CONFIG])
    except (KeyError, ValueError, TypeError):
        raise ConnectException("Invalid VerifiableSourceTask configuration: 'id' must be the task number")


class _JsonLines:
    """A JSON-lines appender. Each ``write`` is one unbuffered append (``O_APPEND``), so whole lines
    from many worker processes sharing the file never interleave; ``flush`` is kept for callers."""

    def __init__(self, path: str) -> None:
        self._f: IO[bytes] = open(path, "ab", buffering=0)  # closed in close()
        self._lock = threading.Lock()

    def write(self, rows: Sequence[Mapping[str, Any]]) -> None:
        if not rows:
            return
        data = b"".join([orjson.dumps(r, default=_json_default) + b"\n" for r in rows])
        with self._lock:
            self._f.write(data)

    def flush(self) -> None:
        with self._lock:
            self._f.flush()

    def close(self) -> None:
        with self._lock:
            self._f.flush()
            self._f.close()


def _json_default(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "replace")
    return str(value)


class _VerifiableConnector:
    """What both Verifiable connectors share: their props, ``tasks.max`` copies, lifecycle events."""

    def __init__(self) -> None:
        self._props: dict[str, str] = {}
        self._lifecycle: Lifecycle | None = None

    def start(self, props: Mapping[str, str]) -> None:
        self._props = dict(props)
        self._lifecycle = Lifecycle(props.get(NAME_CONFIG, ""), None, props.get(EVENTS_FILE_CONFIG))
        self._lifecycle.started()

    def task_configs(self, max_tasks: int) -> list[TaskConfig]:
        return _task_configs(self._props, max_tasks)

    def stop(self) -> None:
        if self._lifecycle is not None:
            self._lifecycle.stopped()


# --- source -----------------------------------------------------------------------------------


class VerifiableSourceConnector(_VerifiableConnector, SourceConnector):
    """Generates ``tasks.max`` tasks, each producing seqnos 0, 1, 2, ..."""

    ALIASES = ("org.apache.kafka.connect.tools.VerifiableSourceConnector",)
    VERSION = VERSION

    def task_class(self) -> type[VerifiableSourceTask]:
        return VerifiableSourceTask

    def config(self) -> ConfigDef:
        return SOURCE_CONFIG_DEF

    def alter_offsets(
        self, connector_config: Mapping[str, str], offsets: Mapping[Any, Mapping[str, Any] | None]
    ) -> bool:
        return True


class VerifiableSourceTask(SourceTask):
    """One record (or ``messages.per.poll``) per poll: key = task id, value = seqno."""

    ALIASES = ("org.apache.kafka.connect.tools.VerifiableSourceTask",)

    def __init__(self) -> None:
        self._name = ""
        self._id = 0
        self._topic = ""
        self._partition: dict[str, int] = {}
        self._seqno = 0
        self._starting_seqno = 0
        self._max_messages = -1
        self._per_poll = 1
        self._complete = False
        self._stopping = threading.Event()
        self._throttle = Throttle(-1, self._stopping)
        self._out: _JsonLines | None = None
        self._lifecycle: Lifecycle | None = None
        self._handle: TaskHandle | None = None

    def version(self) -> str:
        return VERSION

    def start(self, props: Mapping[str, str]) -> None:
        self._name = props.get(NAME_CONFIG, "")
        self._id = _task_id(props)
        topic = props.get(TOPIC_CONFIG)
        if not topic:
            raise ConnectException("Invalid VerifiableSourceTask configuration: 'topic' is required")
        self._topic = topic
        throughput = _int(props, THROUGHPUT_CONFIG, -1)
        self._max_messages = _int(props, MAX_MESSAGES_CONFIG, -1)
        self._per_poll = max(_int(props, MESSAGES_PER_POLL_CONFIG, 1), 1)
        self._complete = parse_bool(props.get(COMPLETE_RECORD_DATA_CONFIG))
        self._partition = {ID_FIELD: self._id}
        previous = self.context.offset_storage_reader.offset(self._partition)
        saved = previous.get(SEQNO_FIELD) if previous is not None else None
        self._seqno = int(saved) + 1 if saved is not None else 0
        self._starting_seqno = self._seqno
        self._stopping.clear()
        self._throttle = Throttle(throughput, self._stopping)
        path = props.get(FILE_CONFIG)
        self._out = _JsonLines(path) if path else None
        task_id = f"{self._name}-{self._id}"
        self._lifecycle = Lifecycle(self._name, task_id, props.get(EVENTS_FILE_CONFIG))
        self._handle = RuntimeHandles.get().connector_handle(self._name).task_handle(task_id)
        self._lifecycle.started()
        log.info(
            "Started VerifiableSourceTask %s-%s producing to topic %s resuming from seqno %s",
            self._name,
            self._id,
            self._topic,
            self._starting_seqno,
        )

    def poll(self) -> list[SourceRecord] | None:
        if self._stopping.is_set():
            return None
        seqno = self._seqno
        count = self._per_poll
        if self._max_messages >= 0:
            count = min(count, self._max_messages - seqno)
            if count <= 0:
                self._stopping.wait(MAX_BLOCK_S)  # done: idle without spinning
                return None
        if not self._throttle.ready(seqno - self._starting_seqno):
            return None
        now_ms = int(time.time() * 1000)
        partition, topic, task = self._partition, self._topic, self._id
        seqnos = range(seqno, seqno + count)
        if self._complete:
            values: Sequence[Any] = [
                Struct(
                    COMPLETE_VALUE_SCHEMA,
                    {"name": self._name, "task": task, "topic": topic, "time_ms": now_ms, "seqno": s},
                )
                for s in seqnos
            ]
            value_schema = COMPLETE_VALUE_SCHEMA
        else:
            values = seqnos
            value_schema = Schema.INT64_SCHEMA
        key_schema = Schema.INT32_SCHEMA
        records = [
            SourceRecord(partition, {SEQNO_FIELD: s}, topic, None, key_schema, task, value_schema, v)
            for s, v in zip(seqnos, values, strict=True)
        ]
        self._seqno = seqno + count
        if self._handle is not None:
            self._handle.record(count)
        if self._out is not None:
            self._out.write(
                [
                    {"name": self._name, "task": task, "topic": topic, "time_ms": now_ms, "seqno": s}
                    for s in seqnos
                ]
            )
            self._out.flush()
        return records

    def commit_record(self, record: SourceRecord, metadata: Any) -> None:
        if self._handle is not None:
            self._handle.commit()
        if self._out is not None:
            seqno = record.source_offset.get(SEQNO_FIELD) if record.source_offset else None
            self._out.write(
                [
                    {
                        "name": self._name,
                        "task": self._id,
                        "topic": self._topic,
                        "time_ms": int(time.time() * 1000),
                        "seqno": seqno,
                        "committed": True,
                    }
                ]
            )

    def commit(self) -> None:
        if self._out is not None:
            self._out.flush()

    def stop(self) -> None:
        # The file stays open: the runtime still acknowledges records polled before the stop, and
        # commit_record() reports each one as committed (Java's task prints them to stdout).
        self._stopping.set()
        if self._lifecycle is not None:
            self._lifecycle.stopped()


# --- sink -------------------------------------------------------------------------------------


class VerifiableSinkConnector(_VerifiableConnector, SinkConnector):
    """Generates ``tasks.max`` tasks that record every record they are given."""

    ALIASES = ("org.apache.kafka.connect.tools.VerifiableSinkConnector",)
    VERSION = VERSION

    def task_class(self) -> type[VerifiableSinkTask]:
        return VerifiableSinkTask

    def config(self) -> ConfigDef:
        return SINK_CONFIG_DEF

    def alter_offsets(
        self, connector_config: Mapping[str, str], offsets: Mapping[tuple[str, int], int | None]
    ) -> bool:
        return True


class VerifiableSinkTask(SinkTask):
    """Counts records in the handles; with ``file``, writes them out as they are flushed."""

    ALIASES = ("org.apache.kafka.connect.tools.VerifiableSinkTask",)

    def __init__(self) -> None:
        self._name = ""
        self._id = 0
        self._unflushed: dict[tuple[str, int], list[SinkRecord]] = {}
        self._unflushed_counts: dict[tuple[str, int], int] = {}
        self._out: _JsonLines | None = None
        self._lifecycle: Lifecycle | None = None
        self._handle: TaskHandle | None = None
        self._lock = threading.Lock()

    def version(self) -> str:
        return VERSION

    def start(self, props: Mapping[str, str]) -> None:
        self._name = props.get(NAME_CONFIG, "")
        self._id = _task_id(props)
        path = props.get(FILE_CONFIG)
        self._out = _JsonLines(path) if path else None
        task_id = f"{self._name}-{self._id}"
        self._handle = RuntimeHandles.get().connector_handle(self._name).task_handle(task_id)
        self._lifecycle = Lifecycle(self._name, task_id, props.get(EVENTS_FILE_CONFIG))
        self._lifecycle.started()

    def put(self, records: Sequence[SinkRecord]) -> None:
        if not records:
            return
        if self._handle is not None:
            self._handle.record_sink_records(records)
        keep = self._out is not None
        with self._lock:
            unflushed = self._unflushed
            counts = self._unflushed_counts
            for r in records:
                tp = (r.topic, r.kafka_partition or 0)
                counts[tp] = counts.get(tp, 0) + 1
                if keep:
                    batch = unflushed.get(tp)
                    if batch is None:
                        batch = unflushed[tp] = []
                    batch.append(r)

    def flush(self, current_offsets: Mapping[tuple[str, int], int]) -> None:
        now_ms = int(time.time() * 1000)
        rows: list[dict[str, Any]] = []
        flushed = 0
        with self._lock:
            for tp in current_offsets:
                flushed += self._unflushed_counts.pop(tp, 0)
                for r in self._unflushed.pop(tp, ()):
                    rows.append(
                        {
                            "name": self._name,
                            "task": r.key,  # the VerifiableSource task the record came from
                            "sinkTask": self._id,
                            "topic": r.topic,
                            "partition": r.kafka_partition,
                            "offset": r.kafka_offset,
                            "seqno": r.value,
                            "time_ms": now_ms,
                            "flushed": True,
                        }
                    )
        if self._out is not None:
            self._out.write(rows)
            self._out.flush()
        if self._handle is not None and flushed:
            self._handle.commit(flushed)

    def close(self, partitions: Sequence[tuple[str, int]]) -> None:
        # Anything not flushed for a revoked partition is redelivered to its next owner.
        with self._lock:
            for tp in partitions:
                self._unflushed.pop(tp, None)
                self._unflushed_counts.pop(tp, None)

    def stop(self) -> None:
        if self._lifecycle is not None:
            self._lifecycle.stopped()
        if self._out is not None:
            self._out.close()
            self._out = None
