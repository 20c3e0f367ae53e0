"""MonitorableSource and MonitorableSink: Kafka's integration-test connectors, with failure injection.

Contract (``connect/runtime/src/test/.../integration/Monitorable*Connector.java``):

- Source records: key ``"key-<task>-<seqno>"``, value ``"value-<task>-<seqno>"`` (STRING schemas), one
  header ``header-<seqno>`` = seqno (INT64); source partition ``{"task.id": "<c>-<n>"}``, offset
  ``{"saved": <seqno>}``. Seqnos start at 1; a task resumes after the committed ``saved`` seqno and
  stops producing at ``max.messages``. With a transaction context (connector-defined boundaries),
  transactions end at the Fibonacci seqnos; those ending on an even seqno are aborted.
- Task configs: the connector config plus ``connector.name`` and ``task.id`` = ``<c>-<n>``;
  ``num.tasks`` (when set) overrides ``tasks.max``.
- Every start and stop is counted in :class:`RuntimeHandles` (and appended to ``events.file``).

Failure injection (all off by default; a per-task key ``task-<c>-<n>.<what>`` overrides the
general ``task.<what>`` key):

=================================== ==============================================================
``connector.start.inject.error``    ``start()`` raises (after the start was counted)
``connector.stop.inject.error``     ``stop()`` raises (after the stop was counted)
``task-<c>-<n>.start.inject.error`` that task's ``start()`` raises
``task.poll.inject.error`` = N      a source task's ``poll()`` raises once it produced N records
``task.put.inject.error`` = N       a sink task's ``put()`` raises once it received N records
``task.commit.inject.error``        source ``commit()`` / sink ``pre_commit()`` raise
=================================== ==============================================================

N counts records since that task instance started, so a restarted task fails again after N more.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from connectrt.api.connector import (
    ConnectException,
    ConnectorTransactionBoundaries,
    ExactlyOnceSupport,
    SinkConnector,
    SinkTask,
    SourceConnector,
    SourceTask,
    TaskConfig,
)
from connectrt.api.data import Schema
from connectrt.api.records import Headers, SinkRecord, SourceRecord
from connectrt.config.configdef import ConfigDef, Importance, Type
from connectrt.connectors.testing.handles import EVENTS_FILE_CONFIG, Lifecycle, TaskHandle
from connectrt.connectors.testing.throttle import MAX_BLOCK_S, Throttle
from connectrt.connectors.util import VERSION, parse_bool

log = logging.getLogger(__name__)

TOPIC_CONFIG = "topic"
DEFAULT_TOPIC = "sequential-topic"
NUM_TASKS = "num.tasks"
MESSAGES_PER_POLL_CONFIG = "messages.per.poll"
MAX_MESSAGES_PER_SECOND_CONFIG = "throughput"
MAX_MESSAGES_PRODUCED_CONFIG = "max.messages"
CONNECTOR_START_INJECT_ERROR = "connector.start.inject.error"
CONNECTOR_STOP_INJECT_ERROR = "connector.stop.inject.error"
TASK_POLL_INJECT_ERROR = "task.poll.inject.error"
TASK_PUT_INJECT_ERROR = "task.put.inject.error"
TASK_COMMIT_INJECT_ERROR = "task.commit.inject.error"

CUSTOM_EXACTLY_ONCE_SUPPORT_CONFIG = "custom.exactly.once.support"
EXACTLY_ONCE_SUPPORTED = "supported"
EXACTLY_ONCE_UNSUPPORTED = "unsupported"
EXACTLY_ONCE_NULL = "null"
EXACTLY_ONCE_FAIL = "fail"

CUSTOM_TRANSACTION_BOUNDARIES_CONFIG = "custom.transaction.boundaries"
TRANSACTION_BOUNDARIES_SUPPORTED = "supported"
TRANSACTION_BOUNDARIES_UNSUPPORTED = "unsupported"
TRANSACTION_BOUNDARIES_NULL = "null"
TRANSACTION_BOUNDARIES_FAIL = "fail"

ALTER_OFFSETS_RESULT = "alter.offsets.result"

TASK_ID_FIELD = "task.id"
SAVED_FIELD = "saved"

_NO_LIMIT = 2**63 - 1


def _common_config_def() -> ConfigDef:
    return (
        ConfigDef()
        .define(
            NUM_TASKS,
            Type.INT,
            None,
            importance=Importance.LOW,
            documentation="Tasks to generate (default: tasks.max)",
        )
        .define(
            CONNECTOR_START_INJECT_ERROR,
            Type.BOOLEAN,
            False,
            importance=Importance.LOW,
            documentation="Fail the connector's start()",
        )
        .define(
            CONNECTOR_STOP_INJECT_ERROR,
            Type.BOOLEAN,
            False,
            importance=Importance.LOW,
            documentation="Fail the connector's stop()",
        )
        .define(
            TASK_COMMIT_INJECT_ERROR,
            Type.BOOLEAN,
            False,
            importance=Importance.LOW,
            documentation="Fail the tasks' commit (source commit(), sink pre_commit())",
        )
        .define(
            ALTER_OFFSETS_RESULT,
            Type.BOOLEAN,
            False,
            importance=Importance.LOW,
            documentation="What alter_offsets() returns",
        )
        .define(
            EVENTS_FILE_CONFIG,
            Type.STRING,
            None,
            importance=Importance.LOW,
            documentation="Append a JSON line per connector/task start and stop to this file",
        )
    )


SOURCE_CONFIG_DEF = (
    _common_config_def()
    .define(
        TOPIC_CONFIG,
        Type.STRING,
        DEFAULT_TOPIC,
        importance=Importance.HIGH,
        documentation="The topic to write to",
    )
    .define(
        MESSAGES_PER_POLL_CONFIG,
        Type.INT,
        1,
        importance=Importance.MEDIUM,
        documentation="Records returned by each poll()",
    )
    .define(
        MAX_MESSAGES_PER_SECOND_CONFIG,
        Type.LONG,
        -1,
        importance=Importance.MEDIUM,
        documentation="Records per second per task; negative means unlimited",
    )
    .define(
        MAX_MESSAGES_PRODUCED_CONFIG,
        Type.LONG,
        _NO_LIMIT,
        importance=Importance.MEDIUM,
        documentation="A task stops producing once its seqno reaches this; negative means never",
    )
    .define(
        TASK_POLL_INJECT_ERROR,
        Type.LONG,
        -1,
        importance=Importance.LOW,
        documentation="Fail poll() once the task produced this many records; negative means never",
    )
    .define(CUSTOM_EXACTLY_ONCE_SUPPORT_CONFIG, Type.STRING, None, importance=Importance.LOW)
    .define(CUSTOM_TRANSACTION_BOUNDARIES_CONFIG, Type.STRING, None, importance=Importance.LOW)
)

SINK_CONFIG_DEF = _common_config_def().define(
    TASK_PUT_INJECT_ERROR,
    Type.LONG,
    -1,
    importance=Importance.LOW,
    documentation="Fail put() once the task received this many records; negative means never",
)


def task_id(connector_name: str, task_num: int) -> str:
    return f"{connector_name}-{task_num}"


def source_partition(task: str) -> dict[str, Any]:
    return {TASK_ID_FIELD: task}


def source_offset(seqno: int) -> dict[str, Any]:
    return {SAVED_FIELD: seqno}


def _long(props: Mapping[str, str], key: str, default: int) -> int:
    raw = props.get(key)
    if raw is None or str(raw).strip() == "":
        return default
    try:
        return int(str(raw).strip())
    except ValueError:
        raise ConnectException(f"Invalid value {raw} for configuration {key}: Not a number")


def _task_setting(props: Mapping[str, str], task: str, what: str) -> str | None:
    """``task-<c>-<n>.<what>`` if set, else ``task.<what>``."""
    specific = props.get(f"task-{task}.{what}")
    return specific if specific is not None else props.get(f"task.{what}")


def _task_limit(props: Mapping[str, str], task: str, what: str) -> int:
    raw = _task_setting(props, task, what)
    if raw is None or raw.strip() == "":
        return -1
    try:
        return int(raw.strip())
    except ValueError:
        # a boolean "true" means: fail at once
        return 0 if parse_bool(raw) else -1


class _MonitorableConnector:
    """Lifecycle, task configs and error injection shared by the source and sink connectors."""

    _props: dict[str, str]
    _lifecycle: Lifecycle | None

    def _start(self, props: Mapping[str, str]) -> None:
        self._props = dict(props)
        name = props.get("name", "")
        self._lifecycle = Lifecycle(name, None, props.get(EVENTS_FILE_CONFIG))
        log.info("Started %s connector %s", type(self).__name__, name)
        self._lifecycle.started()
        if parse_bool(props.get(CONNECTOR_START_INJECT_ERROR, "false")):
            self._lifecycle.failed("connector.start", "Injecting errors during connector start")
            raise ConnectException("Injecting errors during connector start")

    def _task_configs(self, max_tasks: int) -> list[TaskConfig]:
        name = self._props.get("name", "")
        num_tasks = self._props.get(NUM_TASKS)
        count = int(num_tasks) if num_tasks not in (None, "") else max_tasks
        return [{**self._props, "connector.name": name, "task.id": task_id(name, i)} for i in range(count)]

    def _stop(self) -> None:
        log.info("Stopped %s connector %s", type(self).__name__, self._props.get("name", ""))
        if self._lifecycle is not None:
            self._lifecycle.stopped()
        if parse_bool(self._props.get(CONNECTOR_STOP_INJECT_ERROR, "false")):
            raise ConnectException("Injecting errors during connector stop")


def _start_task(props: Mapping[str, str]) -> tuple[str, str, Lifecycle]:
    task = props.get("task.id", "")
    connector = props.get("connector.name", "")
    lifecycle = Lifecycle(connector, task, props.get(EVENTS_FILE_CONFIG))
    lifecycle.started()
    if parse_bool(props.get(f"task-{task}.start.inject.error", "false")):
        lifecycle.failed("task.start", "Injecting errors during task start")
        raise ConnectException("Injecting errors during task start")
    return task, connector, lifecycle


# --- source -----------------------------------------------------------------------------------


class MonitorableSourceConnector(_MonitorableConnector, SourceConnector):
    ALIASES = ("org.apache.kafka.connect.integration.MonitorableSourceConnector",)
    VERSION = VERSION

    def __init__(self) -> None:
        self._props = {}
        self._lifecycle = None

    def start(self, props: Mapping[str, str]) -> None:
        self._start(props)

    def task_class(self) -> type[MonitorableSourceTask]:
        return MonitorableSourceTask

    def task_configs(self, max_tasks: int) -> list[TaskConfig]:
        return self._task_configs(max_tasks)

    def stop(self) -> None:
        self._stop()

    def config(self) -> ConfigDef:
        return SOURCE_CONFIG_DEF

    def exactly_once_support(self, props: Mapping[str, str]) -> ExactlyOnceSupport | None:
        level = (props.get(CUSTOM_EXACTLY_ONCE_SUPPORT_CONFIG) or EXACTLY_ONCE_NULL).lower()
        if level == EXACTLY_ONCE_SUPPORTED:
            return ExactlyOnceSupport.SUPPORTED
        if level == EXACTLY_ONCE_UNSUPPORTED:
            return ExactlyOnceSupport.UNSUPPORTED
        if level == EXACTLY_ONCE_FAIL:
            raise ConnectException("oops")
        return None

    def can_define_transaction_boundaries(  # type: ignore[override]  # Java may return null here
        self, props: Mapping[str, str]
    ) -> ConnectorTransactionBoundaries | None:
        level = (
            props.get(CUSTOM_TRANSACTION_BOUNDARIES_CONFIG) or TRANSACTION_BOUNDARIES_UNSUPPORTED
        ).lower()
        if level == TRANSACTION_BOUNDARIES_SUPPORTED:
            return ConnectorTransactionBoundaries.SUPPORTED
        if level == TRANSACTION_BOUNDARIES_FAIL:
            raise ConnectException("oh no :(")
        if level == TRANSACTION_BOUNDARIES_NULL:
            return None
        return ConnectorTransactionBoundaries.UNSUPPORTED

    def alter_offsets(
        self, connector_config: Mapping[str, str], offsets: Mapping[Any, Mapping[str, Any] | None]
    ) -> bool:
        return parse_bool(connector_config.get(ALTER_OFFSETS_RESULT))


def _transaction_context(context: Any) -> Any:
    """The task context's transaction context, if the runtime offers one (connector boundaries)."""
    tc = getattr(context, "transaction_context", None)
    if callable(tc) and not hasattr(tc, "commit_transaction"):
        tc = tc()
    return tc


class MonitorableSourceTask(SourceTask):
    ALIASES = ("org.apache.kafka.connect.integration.MonitorableSourceConnector$MonitorableSourceTask",)

    def __init__(self) -> None:
        self.task_id = ""
        self._topic = DEFAULT_TOPIC
        self._stopping = threading.Event()
        self._starting_seqno = 0
        self._seqno = 0
        self._batch_size = 1
        self._max_messages = _NO_LIMIT
        self._throttle = Throttle(-1, self._stopping)
        self._produced = 0
        self._poll_error_after = -1
        self._commit_error = False
        self._prior_boundary = 0
        self._next_boundary = 1
        self._lifecycle: Lifecycle | None = None
        self._handle: TaskHandle | None = None
        self._partition: dict[str, Any] = {}

    def version(self) -> str:
        return "unknown"

    def start(self, props: Mapping[str, str]) -> None:
        self.task_id = props.get("task.id", "")
        self._topic = props.get(TOPIC_CONFIG) or DEFAULT_TOPIC
        self._batch_size = max(_long(props, MESSAGES_PER_POLL_CONFIG, 1), 1)
        self._partition = source_partition(self.task_id)
        offset = self.context.offset_storage_reader.offset(self._partition) or {}
        saved = offset.get(SAVED_FIELD)
        self._starting_seqno = int(saved) if saved is not None else 0
        self._seqno = self._starting_seqno
        self._stopping.clear()
        self._throttle = Throttle(_long(props, MAX_MESSAGES_PER_SECOND_CONFIG, -1), self._stopping)
        max_messages = _long(props, MAX_MESSAGES_PRODUCED_CONFIG, _NO_LIMIT)
        self._max_messages = max_messages if max_messages >= 0 else _NO_LIMIT
        self._produced = 0
        self._poll_error_after = _task_limit(props, self.task_id, "poll.inject.error")
        self._commit_error = parse_bool(_task_setting(props, self.task_id, "commit.inject.error"))
        self._prior_boundary = 0
        self._next_boundary = 1
        log.info("Started %s task %s", type(self).__name__, self.task_id)
        self.task_id, _, self._lifecycle = _start_task(props)
        handle = self._lifecycle.handle
        assert isinstance(handle, TaskHandle)
        self._handle = handle
        self._calculate_next_boundary()

    def poll(self) -> list[SourceRecord] | None:
        if self._stopping.is_set():
            return None
        seqno = self._seqno
        if seqno >= self._max_messages:
            self._stopping.wait(MAX_BLOCK_S)  # all produced: idle without spinning
            return None
        if 0 <= self._poll_error_after <= self._produced:
            if self._lifecycle is not None:
                self._lifecycle.failed("task.poll", "Injecting errors during task poll")
            raise ConnectException("Injecting errors during task poll")
        if not self._throttle.ready(seqno - self._starting_seqno):
            return None
        count = min(self._max_messages - seqno, self._batch_size)
        if self._handle is not None:
            self._handle.record(count)
        task, topic, partition = self.task_id, self._topic, self._partition
        string, int64 = Schema.STRING_SCHEMA, Schema.INT64_SCHEMA
        records = []
        tc = _transaction_context(self.context)
        for s in range(seqno + 1, seqno + count + 1):
            record = SourceRecord(
                partition,
                {SAVED_FIELD: s},
                topic,
                None,
                string,
                f"key-{task}-{s}",
                string,
                f"value-{task}-{s}",
                None,
                Headers().add(f"header-{s}", s, int64),
            )
            records.append(record)
            if tc is not None and s == self._next_boundary:
                self._define_boundary(tc, record, s)
        self._seqno = seqno + count
        self._produced += count
        return records

    def _calculate_next_boundary(self, seqno: int | None = None) -> None:
        current = self._seqno if seqno is None else seqno
        while self._next_boundary <= current:
            self._next_boundary += self._prior_boundary
            self._prior_boundary = self._next_boundary - self._prior_boundary

    def _define_boundary(self, tc: Any, record: SourceRecord, seqno: int) -> None:
        # Transactions are the Fibonacci seqno ranges; those ending on an even seqno are aborted.
        size = self._next_boundary - self._prior_boundary
        abort = self._next_boundary % 2 == 0
        self._calculate_next_boundary(seqno)
        if abort:
            log.info("Aborting transaction of %s records", size)
            tc.abort_transaction(record)
        else:
            log.info("Committing transaction of %s records", size)
            tc.commit_transaction(record)

    def commit(self) -> None:
        log.debug("Task %s committing offsets", self.task_id)
        if self._commit_error:
            if self._lifecycle is not None:
                self._lifecycle.failed("task.commit", "Injecting errors during task commit")
            raise ConnectException("Injecting errors during task commit")

    def commit_record(self, record: SourceRecord, metadata: Any) -> None:
        if self._handle is not None:
            self._handle.commit()

    def stop(self) -> None:
        log.info("Stopped %s task %s", type(self).__name__, self.task_id)
        self._stopping.set()
        if self._lifecycle is not None:
            self._lifecycle.stopped()


# --- sink -------------------------------------------------------------------------------------


class MonitorableSinkConnector(_MonitorableConnector, SinkConnector):
    ALIASES = ("org.apache.kafka.connect.integration.MonitorableSinkConnector",)
    VERSION = VERSION

    def __init__(self) -> None:
        self._props = {}
        self._lifecycle = None

    def start(self, props: Mapping[str, str]) -> None:
        self._start(props)

    def task_class(self) -> type[MonitorableSinkTask]:
        return MonitorableSinkTask

    def task_configs(self, max_tasks: int) -> list[TaskConfig]:
        return self._task_configs(max_tasks)

    def stop(self) -> None:
        self._stop()

    def config(self) -> ConfigDef:
        return SINK_CONFIG_DEF

    def alter_offsets(
        self, connector_config: Mapping[str, str], offsets: Mapping[tuple[str, int], int | None]
    ) -> bool:
        return parse_bool(connector_config.get(ALTER_OFFSETS_RESULT))


class MonitorableSinkTask(SinkTask):
    ALIASES = ("org.apache.kafka.connect.integration.MonitorableSinkConnector$MonitorableSinkTask",)

    def __init__(self) -> None:
        self.task_id = ""
        self._handle: TaskHandle | None = None
        self._lifecycle: Lifecycle | None = None
        self._uncommitted: dict[tuple[str, int], int] = {}
        self._received = 0
        self._put_error_after = -1
        self._commit_error = False

    def version(self) -> str:
        return "unknown"

    def start(self, props: Mapping[str, str]) -> None:
        task = props.get("task.id", "")
        self._put_error_after = _task_limit(props, task, "put.inject.error")
        self._commit_error = parse_bool(_task_setting(props, task, "commit.inject.error"))
        self._received = 0
        self._uncommitted = {}
        log.debug("Starting task %s", task)
        self.task_id, _, self._lifecycle = _start_task(props)
        handle = self._lifecycle.handle
        assert isinstance(handle, TaskHandle)
        self._handle = handle

    def open(self, partitions: Sequence[tuple[str, int]]) -> None:
        if self._handle is not None:
            self._handle.partitions_assigned(partitions)

    def close(self, partitions: Sequence[tuple[str, int]]) -> None:
        if self._handle is not None:
            self._handle.partitions_revoked(partitions)
        for tp in partitions:
            self._uncommitted.pop(tp, None)

    def put(self, records: Sequence[SinkRecord]) -> None:
        if not records:
            return
        if 0 <= self._put_error_after <= self._received:
            if self._lifecycle is not None:
                self._lifecycle.failed("task.put", "Injecting errors during task put")
            raise ConnectException("Injecting errors during task put")
        if self._handle is not None:
            self._handle.record_sink_records(records)
        uncommitted = self._uncommitted
        for r in records:
            tp = (r.topic, r.kafka_partition or 0)
            uncommitted[tp] = uncommitted.get(tp, 0) + 1
        self._received += len(records)

    def pre_commit(self, current_offsets: Mapping[tuple[str, int], int]) -> Mapping[tuple[str, int], int]:
        if self._commit_error:
            if self._lifecycle is not None:
                self._lifecycle.failed("task.commit", "Injecting errors during task commit")
            raise ConnectException("Injecting errors during task commit")
        if self._handle is not None:
            self._handle.partitions_committed(current_offsets.keys())
            for tp in current_offsets:
                n = self._uncommitted.get(tp, 0)
                if n:
                    self._handle.commit(n)
                    self._uncommitted[tp] = 0
        return current_offsets

    def stop(self) -> None:
        log.info("Stopped %s task %s", type(self).__name__, self.task_id)
        if self._lifecycle is not None:
            self._lifecycle.stopped()
