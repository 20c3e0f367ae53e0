"""Error handling as Connect does it: retry with tolerance, the log reporter and the dead letter queue.

``errors.retry.timeout`` / ``errors.retry.delay.max.ms`` bound retries of RetriableException;
``errors.tolerance=all`` skips a failed record after reporting it (log with ``errors.log.enable``,
dead letter queue with ``errors.deadletterqueue.topic.name`` for sinks); ``none`` fails the task.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from enum import Enum
from typing import Any, TypeVar

from connectrt.api.connector import ConnectException, ErrantRecordReporter, RetriableException
from connectrt.api.data import DataException
from connectrt.api.records import ConnectRecord, SinkRecord
from connectrt.config.configdef import ConfigException

log = logging.getLogger(__name__)
T = TypeVar("T")


class Stage(str, Enum):
    KEY_CONVERTER = "KEY_CONVERTER"
    VALUE_CONVERTER = "VALUE_CONVERTER"
    HEADER_CONVERTER = "HEADER_CONVERTER"
    TRANSFORMATION = "TRANSFORMATION"
    TASK_PUT = "TASK_PUT"
    TASK_POLL = "TASK_POLL"
    KAFKA_PRODUCE = "KAFKA_PRODUCE"
    KAFKA_CONSUME = "KAFKA_CONSUME"


class ToleranceExceededError(ConnectException):
    def __init__(self, cause: BaseException) -> None:
        super().__init__("Tolerance exceeded in error handler")
        self.__cause__ = cause


_JAVA_EXCEPTION_NAMES: dict[type, str] = {
    DataException: "org.apache.kafka.connect.errors.DataException",
    RetriableException: "org.apache.kafka.connect.errors.RetriableException",
    ConnectException: "org.apache.kafka.connect.errors.ConnectException",
    ConfigException: "org.apache.kafka.common.config.ConfigException",
}


def exception_class_name(e: BaseException) -> str:
    for cls in type(e).__mro__:
        if cls in _JAVA_EXCEPTION_NAMES:
            return _JAVA_EXCEPTION_NAMES[cls]
    return f"{type(e).__module__}.{type(e).__qualname__}"


def class_display_name(obj: Any) -> str:
    cls = obj if isinstance(obj, type) else type(obj)
    aliases = getattr(cls, "ALIASES", ())
    return aliases[0] if aliases else f"{cls.__module__}.{cls.__qualname__}"


def format_trace(e: BaseException) -> str:
    return "".join(traceback.format_exception(type(e), e, e.__traceback__)).rstrip()


@dataclass
class ConsumedRecord:
    """The raw Kafka record a sink task consumed (for DLQ and error logs)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes | None]] | None
    timestamp: int | None


@dataclass
class ProcessingContext:
    stage: Stage
    executing_class: Any
    error: BaseException
    consumed: ConsumedRecord | None = None
    source_record: ConnectRecord | None = None

    def describe(self, include_messages: bool) -> str:
        text = f"Executing stage '{self.stage.value}' with class '{class_display_name(self.executing_class)}'"
        if self.consumed is not None:
            c = self.consumed
            text += (
                f", where consumed record is {{topic='{c.topic}', partition={c.partition}, offset={c.offset}"
            )
            if include_messages:
                text += f", key={c.key!r}, value={c.value!r}, headers={c.headers!r}"
            text += "}"
        elif self.source_record is not None:
            r = self.source_record
            text += (
                f", where source record is = {r!r}"
                if include_messages
                else f", where source record topic is {r.topic}"
            )
        return text + "."


class ErrorReporter:
    def report(self, context: ProcessingContext) -> Future[None] | None:
        raise NotImplementedError

    def close(self) -> None:
        pass


class LogReporter(ErrorReporter):
    def __init__(self, task_id: str, include_messages: bool) -> None:
        self.task_id = task_id
        self.include_messages = include_messages

    def report(self, context: ProcessingContext) -> None:
        log.error(
            "Error encountered in task %s. %s",
            self.task_id,
            context.describe(self.include_messages),
            exc_info=context.error,
        )
        return None


HEADER_PREFIX = "__connect.errors."


class DeadLetterQueueReporter(ErrorReporter):
    """Writes failed sink records, unchanged, to the DLQ topic (Java's DeadLetterQueueReporter)."""

    def __init__(
        self,
        producer: Any,
        topic: str,
        connector: str,
        task: int,
        context_headers: bool,
    ) -> None:
        self.producer = producer
        self.topic = topic
        self.connector = connector
        self.task = task
        self.context_headers = context_headers

    def report(self, context: ProcessingContext) -> Future[None] | None:
        c = context.consumed
        if c is None:
            return None
        headers: list[tuple[str, bytes | None]] = list(c.headers or [])
        if self.context_headers:
            e = context.error
            headers += [
                (HEADER_PREFIX + "topic", c.topic.encode()),
                (HEADER_PREFIX + "partition", str(c.partition).encode()),
                (HEADER_PREFIX + "offset", str(c.offset).encode()),
                (HEADER_PREFIX + "connector.name", self.connector.encode()),
                (HEADER_PREFIX + "task.id", str(self.task).encode()),
                (HEADER_PREFIX + "stage", context.stage.value.encode()),
                (HEADER_PREFIX + "class.name", class_display_name(context.executing_class).encode()),
                (HEADER_PREFIX + "exception.class.name", exception_class_name(e).encode()),
            ]
            if str(e):
                headers.append((HEADER_PREFIX + "exception.message", str(e).encode()))
            headers.append((HEADER_PREFIX + "exception.stacktrace", format_trace(e).encode()))
        fut: Future[None] = Future()

        def on_delivery(err: Any, msg: Any) -> None:
            if err is not None:
                fut.set_exception(
                    ConnectException(f"Failed to write a record to the dead letter queue: {err}")
                )
            else:
                fut.set_result(None)

        kwargs: dict[str, Any] = {
            "value": c.value,
            "key": c.key,
            "on_delivery": on_delivery,
            "headers": headers,
        }
        if c.timestamp is not None and c.timestamp >= 0:
            kwargs["timestamp"] = c.timestamp
        while True:
            try:
                self.producer.produce(self.topic, **kwargs)
                break
            except BufferError:
                self.producer.poll(0.1)
        self.producer.poll(0)
        return fut

    def flush(self, timeout_s: float) -> None:
        remaining = self.producer.flush(timeout_s)
        if remaining:
            raise ConnectException(
                f"Timed out writing {remaining} records to the dead letter queue {self.topic}"
            )

    def close(self) -> None:
        self.producer.flush(10)


class _Failed:
    def __repr__(self) -> str:
        return "FAILED"


FAILED: Any = _Failed()


class RetryWithToleranceOperator:
    """Runs a stage, retrying retriable failures and tolerating (reporting) others when allowed."""

    def __init__(
        self,
        retry_timeout_ms: int,
        max_delay_ms: int,
        tolerance_all: bool,
        reporters: list[ErrorReporter] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        stop_event: threading.Event | None = None,
    ) -> None:
        self.retry_timeout_ms = retry_timeout_ms
        self.max_delay_ms = max_delay_ms
        self.tolerance_all = tolerance_all
        self.reporters = reporters or []
        self.sleep = sleep
        self.stop_event = stop_event
        self.total_failures = 0
        self.pending: list[Future[None]] = []

    def execute(
        self,
        operation: Callable[[], T],
        stage: Stage,
        executing_class: Any,
        consumed: ConsumedRecord | None = None,
        source_record: ConnectRecord | None = None,
    ) -> T:
        """The operation's result, or FAILED when it failed and the failure was tolerated."""
        try:
            return operation()
        except Exception as first:
            return self.handle(operation, first, stage, executing_class, consumed, source_record)

    def handle(
        self,
        operation: Callable[[], T],
        error: Exception,
        stage: Stage,
        executing_class: Any,
        consumed: ConsumedRecord | None,
        source_record: ConnectRecord | None,
    ) -> T:
        deadline = None
        if self.retry_timeout_ms != 0:
            deadline = None if self.retry_timeout_ms < 0 else time.monotonic() + self.retry_timeout_ms / 1000
        attempt = 0
        while isinstance(error, RetriableException) and self.retry_timeout_ms != 0:
            if deadline is not None and time.monotonic() >= deadline:
                break
            if self.stop_event is not None and self.stop_event.is_set():
                break
            attempt += 1
            delay = min(300 * (2 ** (attempt - 1)), self.max_delay_ms)
            if delay >= self.max_delay_ms:
                delay += random.uniform(0, 1) * delay * 0.1
            if deadline is not None:
                delay = max(0.0, min(delay, (deadline - time.monotonic()) * 1000))
            self.sleep(delay / 1000)
            try:
                return operation()
            except Exception as e:
                error = e
        self.total_failures += 1
        context = ProcessingContext(stage, executing_class, error, consumed, source_record)
        if not self.tolerance_all:
            for r in self.reporters:
                if isinstance(r, LogReporter):
                    r.report(context)
            raise ToleranceExceededError(error)
        for r in self.reporters:
            fut = r.report(context)
            if fut is not None:
                self.pending.append(fut)
        return FAILED  # type: ignore[no-any-return,unused-ignore]

    def await_reports(self, timeout_s: float = 30.0) -> None:
        """Wait until every DLQ write issued so far is acknowledged (before committing offsets)."""
        for r in self.reporters:
            if isinstance(r, DeadLetterQueueReporter):
                r.flush(timeout_s)
        pending, self.pending = self.pending, []
        for fut in pending:
            fut.result(timeout=timeout_s)

    def close(self) -> None:
        for r in self.reporters:
            r.close()


class WorkerErrantRecordReporter(ErrantRecordReporter):
    """The sink task's ``context.errant_record_reporter()``."""

    def __init__(
        self,
        operator: RetryWithToleranceOperator,
        consumed_lookup: Callable[[SinkRecord], ConsumedRecord | None],
    ) -> None:
        self.operator = operator
        self.consumed_lookup = consumed_lookup

    def report(self, record: SinkRecord, error: BaseException) -> Future[None]:
        consumed = self.consumed_lookup(record)

        def fail() -> None:
            raise error if isinstance(error, Exception) else ConnectException(str(error))

        self.operator.execute(fail, Stage.TASK_PUT, type(record), consumed=consumed)
        fut: Future[None] = Future()
        fut.set_result(None)
        return fut
