"""KafkaBasedLog: a compacted Kafka topic used as a shared log (Java's ``KafkaBasedLog``).

A background consumer thread reads every partition of the topic from the beginning and hands each
record, in order, to a callback; :meth:`KafkaBasedLog.read_to_end` blocks until the consumer has
passed the end offsets the topic had when it was called (Java's ``readToEnd``). Writes go through
an internal producer with Java Connect's settings for internal topics (``acks=all``, one request in
flight, idempotence off, unlimited delivery time) and murmur2 key hashing.

Given an :class:`InternalTopic` and an admin, :meth:`KafkaBasedLog.start` first creates the topic
when it is missing and refuses an existing one that is not compacted (``kafka_internal_topics``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any, Protocol

from confluent_kafka import (
    OFFSET_BEGINNING,
    Consumer,
    IsolationLevel,
    KafkaError,
    KafkaException,
    Message,
    Producer,
    TopicPartition,
)
from confluent_kafka.admin import OffsetSpec

from connectrt.api.connector import ConnectException
from connectrt.kafka.clients import make_admin, make_consumer, make_producer
from connectrt.kafka.topics import TopicAdmin
from connectrt.storage.kafka_internal_topics import InternalTopic, ensure_internal_topic

log = logging.getLogger(__name__)

MAX_INT = 2**31 - 1
_POLL_S = 0.1
_METADATA_TIMEOUT_S = 30.0
_END_OFFSETS_RETRY_S = 15 * 60.0


@dataclass(frozen=True, slots=True)
class LogRecord:
    """One record of the log as handed to the consumed callback."""

    key: bytes | None
    value: bytes | None
    partition: int
    offset: int
    timestamp: int = -1

    @property
    def key_str(self) -> str | None:
        return self.key.decode("utf-8", errors="replace") if self.key is not None else None


@dataclass(frozen=True, slots=True)
class RecordMetadata:
    topic: str
    partition: int
    offset: int


class KafkaWriteException(ConnectException):
    """A write to an internal topic failed; ``retriable`` tells whether trying again may succeed."""

    def __init__(self, message: str, retriable: bool = False, code: int | None = None) -> None:
        super().__init__(message)
        self.retriable = retriable
        self.code = code


class IllegalStateError(ConnectException):
    """The operation does not fit the object's current state (Java's IllegalStateException)."""


SendCallback = Callable[[BaseException | None, RecordMetadata | None], None]


class RecordLog(Protocol):
    """What the backing stores need of a log (KafkaBasedLog, or a test's in-memory loopback)."""

    @property
    def topic(self) -> str: ...

    @property
    def partition_count(self) -> int: ...

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def send(
        self, key: bytes | str | None, value: bytes | None, callback: SendCallback | None = None
    ) -> Future[RecordMetadata]: ...

    def flush(self, timeout: float | None = None) -> None: ...

    def read_to_end(self, timeout: float | None = None) -> None: ...


# --- the log ------------------------------------------------------------------------------------


def _kafka_error(e: KafkaException) -> KafkaError | None:
    err = e.args[0] if e.args else None
    return err if isinstance(err, KafkaError) else None


class KafkaBasedLog:
    """A topic read from the beginning by a background thread, with an internal producer.

    ``consumed`` is called on the consumer thread for every record, in partition order.
    ``producer_props=None`` makes a read-only log. ``admin`` creates/verifies ``create`` at start
    and lists end offsets; without one the log builds its own (for end offsets only).
    """

    def __init__(
        self,
        topic: str,
        producer_props: Mapping[str, Any] | None,
        consumer_props: Mapping[str, Any],
        consumed: Callable[[LogRecord], None],
        *,
        admin: TopicAdmin | None = None,
        create: InternalTopic | None = None,
        create_timeout_s: float | None = None,
        metadata_timeout_s: float = _METADATA_TIMEOUT_S,
        start_timeout_s: float | None = None,
        close_timeout_s: float = 30.0,
    ) -> None:
        self._topic = topic
        self._producer_props = dict(producer_props) if producer_props is not None else None
        self._consumer_props = dict(consumer_props)
        self._consumed = consumed
        self._admin = admin
        self._own_admin: TopicAdmin | None = None  # for end offsets when no admin is given
        self._create = create
        self._create_timeout_s = create_timeout_s
        self._metadata_timeout_s = metadata_timeout_s
        self._start_timeout_s = start_timeout_s
        self._close_timeout_s = close_timeout_s
        self._producer: Producer | None = None
        self._consumer: Consumer | None = None
        self._partitions: list[int] = []
        self._cond = threading.Condition()
        self._positions: dict[int, int] = {}
        self._stopping = False
        self._consumer_thread: threading.Thread | None = None
        self._producer_thread: threading.Thread | None = None
        self._producer_stop = threading.Event()

    @property
    def topic(self) -> str:
        return self._topic

    @property
    def partition_count(self) -> int:
        return len(self._partitions)

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        log.info("Starting KafkaBasedLog with topic %s", self._topic)
        if self._create is not None and self._admin is not None:
            timeout = self._create_timeout_s
            if timeout is None:
                timeout = self._admin.create_retry_timeout_s
            ensure_internal_topic(self._admin, self._create, timeout)
        try:
            self._start_clients()
            self.read_to_end(self._start_timeout_s)
        except BaseException:
            self.stop()
            raise
        log.info("Started KafkaBasedLog for topic %s", self._topic)

    def _start_clients(self) -> None:
        if self._producer_props is not None:
            props = dict(self._producer_props)
            props["acks"] = "all"
            props["max.in.flight.requests.per.connection"] = 1
            self._producer = make_producer(props)
        props = dict(self._consumer_props)
        props.setdefault("group.id", props.get("client.id") or f"connectrt-log-{self._topic}")
        props["auto.offset.reset"] = "earliest"
        props["enable.auto.commit"] = False
        props.setdefault(
            "isolation.level", "read_uncommitted"
        )  # Java's default; librdkafka's is read_committed
        self._consumer = consumer = make_consumer(props)
        if self._admin is None:
            # Not the consumer: its offset queries would queue behind its own long-poll fetches.
            self._own_admin = TopicAdmin(make_admin(props))
        self._partitions = self._find_partitions(consumer)
        consumer.assign([TopicPartition(self._topic, p, OFFSET_BEGINNING) for p in self._partitions])
        with self._cond:
            self._stopping = False
            self._positions = {}
        self._consumer_thread = threading.Thread(
            target=self._consume_loop, name=f"KafkaBasedLog Work Thread - {self._topic}", daemon=True
        )
        self._consumer_thread.start()
        if self._producer is not None:
            self._producer_stop.clear()
            self._producer_thread = threading.Thread(
                target=self._producer_loop, name=f"KafkaBasedLog Producer - {self._topic}", daemon=True
            )
            self._producer_thread.start()

    def _find_partitions(self, consumer: Consumer) -> list[int]:
        deadline = time.monotonic() + self._metadata_timeout_s
        sleep = 0.1
        while True:
            try:
                md = consumer.list_topics(
                    self._topic, timeout=max(0.5, min(5.0, deadline - time.monotonic()))
                )
                meta = md.topics.get(self._topic)
                if meta is not None and meta.error is None and meta.partitions:
                    return sorted(meta.partitions)
            except KafkaException as e:
                log.debug("Metadata for topic %s not available yet: %s", self._topic, e)
            if time.monotonic() + sleep > deadline:
                raise ConnectException(
                    f"Could not look up partition metadata for topic '{self._topic}' in the allotted period. "
                    "This could indicate a connectivity issue, unavailable topic partitions, or if this is your "
                    "first use of the topic it may have taken too long to create."
                )
            time.sleep(sleep)
            sleep = min(2 * sleep, 1.0)

    def stop(self) -> None:
        log.info("Stopping KafkaBasedLog for topic %s", self._topic)
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._consumer_thread is not None:
            self._consumer_thread.join()
            self._consumer_thread = None
        if self._producer is not None:
            remaining = self._producer.flush(self._close_timeout_s)
            if remaining:
                log.warning(
                    "%d record(s) to topic %s were not sent before the log stopped", remaining, self._topic
                )
        self._producer_stop.set()
        if self._producer_thread is not None:
            self._producer_thread.join()
            self._producer_thread = None
        self._producer = None
        if self._consumer is not None:
            try:
                self._consumer.close()
            except (KafkaException, RuntimeError) as e:
                log.error("Failed to stop KafkaBasedLog consumer for topic %s: %s", self._topic, e)
            self._consumer = None
        self._own_admin = None
        log.info("Stopped KafkaBasedLog for topic %s", self._topic)

    # --- threads ---------------------------------------------------------------------------

    def _consume_loop(self) -> None:
        consumer = self._consumer
        assert consumer is not None
        tps = [TopicPartition(self._topic, p) for p in self._partitions]
        while not self._stopping:
            try:
                self._consume_once(consumer, tps)
            except Exception:  # keep reading: a dead thread would leave read_to_end waiting forever
                log.exception(
                    "Unexpected exception in the KafkaBasedLog work thread of topic %s", self._topic
                )
                time.sleep(_POLL_S)

    def _consume_once(self, consumer: Consumer, tps: list[TopicPartition]) -> None:
        try:
            # poll() returns as soon as one record is there; consume(n, timeout) would wait for n
            first = consumer.poll(_POLL_S)
            messages = [first, *consumer.consume(499, 0)] if first is not None else []
        except KafkaException as e:
            log.error("Error polling topic %s: %s", self._topic, e)
            time.sleep(_POLL_S)
            return
        for msg in messages:
            self._deliver(msg)
        try:
            positions = consumer.position(tps)
        except KafkaException as e:
            log.debug("Could not read positions for topic %s: %s", self._topic, e)
            return
        with self._cond:
            for tp in positions:
                if tp.offset >= 0:
                    self._positions[tp.partition] = tp.offset
            self._cond.notify_all()

    def _deliver(self, msg: Message) -> None:
        err = msg.error()
        if err is not None:
            if err.code() != KafkaError._PARTITION_EOF:
                log.error("Error reading topic %s: %s", self._topic, err.str())
            return
        ts_type, ts = msg.timestamp()
        record = LogRecord(
            msg.key(), msg.value(), msg.partition() or 0, msg.offset() or 0, ts if ts_type else -1
        )
        try:
            self._consumed(record)
        except Exception:
            log.exception(
                "Unexpected exception handling record %d of partition %d of topic %s",
                record.offset,
                record.partition,
                self._topic,
            )

    def _producer_loop(self) -> None:
        producer = self._producer
        assert producer is not None
        while not self._producer_stop.is_set():
            producer.poll(_POLL_S)

    # --- reads -----------------------------------------------------------------------------

    def read_to_end(self, timeout: float | None = None) -> None:
        """Flush outstanding writes, then block until every record below the topic's current end
        offsets has been handed to the callback. Raises TimeoutError after ``timeout`` seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        self.flush(timeout)
        ends = self._end_offsets(deadline)
        with self._cond:
            while True:
                if self._stopping or self._consumer is None:
                    raise ConnectException(f"The log of topic '{self._topic}' is stopped")
                if all(high <= low or self._positions.get(p, -1) >= high for p, (low, high) in ends.items()):
                    return
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    behind = {p: (self._positions.get(p), high) for p, (_, high) in ends.items()}
                    raise TimeoutError(
                        f"Timed out reading topic '{self._topic}' to its end (position, end): {behind}"
                    )
                self._cond.wait(0.5 if left is None else min(left, 0.5))

    def _end_offsets(self, deadline: float | None) -> dict[int, tuple[int, int]]:
        """``{partition: (low, high)}`` watermarks, retrying transient failures until ``deadline``
        (without one, for 15 minutes like Java's admin retries)."""
        give_up = time.monotonic() + _END_OFFSETS_RETRY_S if deadline is None else deadline
        attempts = 0
        while True:
            left = max(0.1, min(30.0, give_up - time.monotonic()))
            try:
                return self._admin_end_offsets(left)
            except (KafkaException, FutureTimeout) as e:
                if time.monotonic() >= give_up:
                    raise TimeoutError(
                        f"Timed out listing the end offsets of topic '{self._topic}': {e}"
                    ) from e
                attempts += 1
                (log.warning if attempts % 50 == 0 else log.debug)(
                    "Retrying listing the end offsets of topic '%s': %s", self._topic, e
                )
                self._refresh_metadata_after(e)
                time.sleep(0.1)
            with self._cond:
                if self._stopping:
                    raise ConnectException(f"The log of topic '{self._topic}' is stopped")

    def _refresh_metadata_after(self, error: BaseException) -> None:
        """After a broker restart the admin client's cached leader epochs are stale and every
        ListOffsets fails with FENCED_LEADER_EPOCH until its metadata is refreshed: ask for it."""
        err = _kafka_error(error) if isinstance(error, KafkaException) else None
        if err is None or err.code() not in _STALE_METADATA_CODES:
            return
        admin = self._admin or self._own_admin
        if admin is None:
            return
        try:
            admin.admin.list_topics(topic=self._topic, timeout=5)
        except Exception as e:  # the next attempt reports what is wrong
            log.debug("Could not refresh the metadata of topic '%s': %s", self._topic, e)

    def _admin_end_offsets(self, timeout: float) -> dict[int, tuple[int, int]]:
        admin = self._admin or self._own_admin
        if admin is None:
            raise ConnectException(f"The log of topic '{self._topic}' is stopped")
        out: dict[int, list[int]] = {p: [0, 0] for p in self._partitions}
        for index, spec in ((0, OffsetSpec.earliest()), (1, OffsetSpec.latest())):
            futures = admin.admin.list_offsets(
                {TopicPartition(self._topic, p): spec for p in self._partitions},
                isolation_level=IsolationLevel.READ_UNCOMMITTED,
                request_timeout=timeout,
            )
            for tp, fut in futures.items():
                out[tp.partition][index] = fut.result(timeout=timeout).offset
        return {p: (lo, hi) for p, (lo, hi) in out.items()}

    # --- writes ----------------------------------------------------------------------------

    def send(
        self, key: bytes | str | None, value: bytes | None, callback: SendCallback | None = None
    ) -> Future[RecordMetadata]:
        """Produce one record; the future (and ``callback``, on the producer thread) completes when
        the broker acknowledged it or it failed with a :class:`KafkaWriteException`."""
        producer = self._producer
        if producer is None:
            raise IllegalStateError(
                f"The log of topic '{self._topic}' is read-only or not started and does not support writes"
            )
        future: Future[RecordMetadata] = Future()

        def on_delivery(err: KafkaError | None, msg: Message) -> None:
            exc: BaseException | None = None
            meta: RecordMetadata | None = None
            if err is not None:
                exc = KafkaWriteException(
                    f"Failed to write to topic '{self._topic}': {err.str()}", _retriable(err), err.code()
                )
                future.set_exception(exc)
            else:
                meta = RecordMetadata(self._topic, msg.partition() or 0, msg.offset() or 0)
                future.set_result(meta)
            if callback is not None:
                try:
                    callback(exc, meta)
                except Exception:
                    log.exception("Unexpected exception in a send callback for topic %s", self._topic)

        raw_key = key.encode("utf-8") if isinstance(key, str) else key
        deadline = time.monotonic() + 60.0
        while True:
            try:
                producer.produce(self._topic, value=value, key=raw_key, on_delivery=on_delivery)
                return future
            except BufferError:
                if time.monotonic() > deadline:
                    raise KafkaWriteException(
                        f"Timed out queueing a record for topic '{self._topic}': the producer queue is full",
                        True,
                    )
                producer.poll(_POLL_S)
            except KafkaException as e:
                err = _kafka_error(e)
                raise KafkaWriteException(
                    f"Failed to write to topic '{self._topic}': {err.str() if err else e}",
                    bool(err and _retriable(err)),
                    err.code() if err else None,
                ) from e

    def flush(self, timeout: float | None = None) -> None:
        """Wait until every record sent so far is acknowledged (or failed)."""
        producer = self._producer
        if producer is None:
            return
        left = producer.flush(-1 if timeout is None else max(0.0, timeout))
        if left:
            raise TimeoutError(f"{left} record(s) to topic '{self._topic}' were not acknowledged in time")


_STALE_METADATA_CODES = {
    KafkaError.FENCED_LEADER_EPOCH,
    KafkaError.UNKNOWN_LEADER_EPOCH,
    KafkaError.NOT_LEADER_FOR_PARTITION,
    KafkaError.LEADER_NOT_AVAILABLE,
}

_RETRIABLE_CODES = {
    KafkaError._MSG_TIMED_OUT,
    KafkaError._TIMED_OUT,
    KafkaError._TRANSPORT,
    KafkaError._ALL_BROKERS_DOWN,
    KafkaError.REQUEST_TIMED_OUT,
    KafkaError.NOT_LEADER_FOR_PARTITION,
    KafkaError.LEADER_NOT_AVAILABLE,
    KafkaError.NOT_ENOUGH_REPLICAS,
    KafkaError.NOT_ENOUGH_REPLICAS_AFTER_APPEND,
    KafkaError.NETWORK_EXCEPTION,
    KafkaError.UNKNOWN_TOPIC_OR_PART,
}


def _retriable(err: KafkaError) -> bool:
    return bool(err.retriable()) or err.code() in _RETRIABLE_CODES
