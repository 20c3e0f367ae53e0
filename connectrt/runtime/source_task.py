"""WorkerSourceTask: poll → transforms → converters → producer; offsets committed once acknowledged."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Any, cast

import orjson

from connectrt.api.connector import (
    ConnectException,
    OffsetStorageReader,
    RetriableException,
    SourceTask,
    SourceTaskContext,
)
from connectrt.api.plugin import Converter, HeaderConverter
from connectrt.api.records import SourceRecord
from connectrt.kafka.clients import producer_error_message
from connectrt.model.entities import ConnectorTaskId
from connectrt.model.states import TargetState
from connectrt.runtime.errors import FAILED, RetryWithToleranceOperator, Stage
from connectrt.runtime.serialized import is_record_run, preconverted
from connectrt.runtime.topic_creation import TopicCreator
from connectrt.runtime.transformation_chain import TransformationChain
from connectrt.runtime.worker_task import StatusListener, WorkerTask
from connectrt.storage.offsets import OffsetStorageWriter, offset_key

# Header values whose converted bytes cannot change while the Header keeps the same value object.
_IMMUTABLE_HEADER_VALUES = frozenset({str, bytes, int, float, bool, type(None)})


class _SourceTaskContext(SourceTaskContext):
    def __init__(self, configs: dict[str, str], reader: OffsetStorageReader) -> None:
        self._configs = configs
        self._reader = reader

    @property
    def configs(self) -> dict[str, str]:
        return self._configs

    @property
    def offset_storage_reader(self) -> OffsetStorageReader:
        return self._reader


class _Batch:
    """Records of one or more consecutive polls in flight: committable once every one is acknowledged (or
    tolerated) and the batch is sealed (takes no more records).

    Consecutive polls share a batch until it holds :data:`BATCH_RECORDS` records or is :data:`BATCH_AGE_S`
    old, so a source returning one record per poll does not cost a batch per record; a batch is collected
    (its offsets made committable) as soon as it is sealed and acknowledged, so batches exist only for
    records in flight (bounded by the producer's buffer.memory and queue.buffering.max.messages)."""

    __slots__ = ("born", "error", "failures", "offsets", "pending", "raw_offsets", "sealed", "sent")

    def __init__(self, failures: list[_Batch] | None = None) -> None:
        self.pending = 0
        self.sent = 0
        self.born = time.monotonic()
        self.sealed = False
        # While sending: the latest source offset per offset key, not yet serialized (one orjson.dumps per
        # partition per poll instead of one per record). Once a poll's records are all sent: ``offsets``.
        self.raw_offsets: dict[bytes, Any] = {}
        self.offsets: dict[bytes, bytes | None] = {}
        self.error: Any = None
        self.failures = failures  # the task's list of batches with a delivery error

    def on_delivery(self, err: Any, msg: Any) -> None:
        self.pending -= 1
        if err is not None and self.error is None:
            self.error = err
            if self.failures is not None:
                self.failures.append(self)


#: A batch takes the records of later polls until it holds this many records or is this old.
BATCH_RECORDS = 1000
BATCH_AGE_S = 0.1


class WorkerSourceTask(WorkerTask):
    def __init__(
        self,
        task_id: ConnectorTaskId,
        task: SourceTask,
        task_config: dict[str, str],
        listener: StatusListener,
        target_state: TargetState,
        producer: Any,
        key_converter: Converter,
        value_converter: Converter,
        header_converter: HeaderConverter,
        chain: TransformationChain[SourceRecord],
        operator: RetryWithToleranceOperator,
        offset_reader: OffsetStorageReader,
        offset_writer: OffsetStorageWriter,
        offset_flush_interval_ms: int,
        offset_flush_timeout_ms: int,
        topic_creator: TopicCreator | None = None,
        on_topic_used: Callable[[str], None] | None = None,
        close_hook: Callable[[], None] | None = None,
        acks_by_flush: bool = False,
    ) -> None:
        super().__init__(task_id, listener, target_state)
        self.task = task
        self.task_config = task_config
        self.producer = producer
        self.key_converter = key_converter
        self.value_converter = value_converter
        self.header_converter = header_converter
        self.chain = chain
        self.operator = operator
        self.offset_reader = offset_reader
        self.offset_writer = offset_writer
        self.flush_interval_s = offset_flush_interval_ms / 1000
        self.flush_timeout_s = offset_flush_timeout_ms / 1000
        self.topic_creator = topic_creator
        self.on_topic_used = on_topic_used
        self.close_hook = close_hook
        self.batches: deque[_Batch] = deque()  # in flight, oldest first; the last one may still take records
        self.failed_batches: list[_Batch] = []  # batches whose delivery failed (appended by their callbacks)
        self.acked_offsets: dict[bytes, bytes | None] = {}  # acknowledged offsets not yet written
        self.to_send: list[SourceRecord] | None = None
        self.send_index = 0
        self.current: _Batch | None = None
        self.known_topics: set[str] = set()
        # id(Header) -> (header, value, schema, topic, converted) of headers seen lately (_convert_headers)
        self._header_cache: dict[int, tuple[Any, Any, Any, str, tuple[str, bytes | None]]] = {}
        self.per_record_commit = type(task).commit_record is not SourceTask.commit_record
        # The producer reports failed deliveries only (delivery.report.only.error, see
        # kafka.clients.only_error_reports): records count as acknowledged once the producer has none
        # outstanding (an idle moment, or the flush before each offset commit).
        self.acks_by_flush = acks_by_flush and not self.per_record_commit
        # Record runs (connectrt/runtime/serialized.py) when nothing needs the records themselves.
        poll_serialized = getattr(task, "poll_serialized", None)
        self.poll_serialized: Callable[[], list[Any] | None] | None = (
            poll_serialized
            if callable(poll_serialized) and not chain.stages and not self.per_record_commit
            else None
        )
        self.run_rows: list[Any] | None = None  # the rows of the run being sent (kept across a BufferError)
        self.run_index = 0
        self.run_offset: tuple[Any, Any] = (None, None)
        self.records_sent = 0
        self.started_task = False

    # --- lifecycle ---------------------------------------------------------------------------
    def initialize_and_start(self) -> None:
        self.task.initialize(_SourceTaskContext(self.task_config, self.offset_reader))
        self.task.start(self.task_config)
        self.started_task = True
        self.log.info("Source task finished initialization and start")

    def on_stop_requested(self) -> None:
        # Java calls SourceTask.stop() from the stopping thread so that a blocked poll() can return.
        if self.started_task:
            try:
                self.task.stop()
            except Exception as e:
                self.log.warning("Exception while stopping task: %s", e)

    def execute(self) -> None:
        next_commit = time.monotonic() + self.flush_interval_s
        producer = self.producer
        while not self.stopping.is_set():
            if self.target_state is not TargetState.STARTED:
                if not self.await_unpaused():
                    break
                continue
            if self.to_send is None:
                try:
                    records = self.poll_serialized() if self.poll_serialized is not None else self.task.poll()
                except RetriableException as e:
                    # As Java: a retriable poll failure is logged and the task polls again.
                    self.log.warning("Retriable exception from poll(); polling again: %s", e)
                    records = None
                if records:
                    self.to_send = records
                    self.send_index = 0
                    self.current = self._batch_for_poll()
                elif self.batches:
                    self.batches[-1].sealed = True  # nothing new: let the last batch be committed
            if self.to_send is not None:
                self.send_records()
            producer.poll(0)
            self.check_batch_errors()
            self._acknowledge_if_idle()
            self.collect_acknowledged()
            if time.monotonic() >= next_commit:
                self.commit_offsets()
                next_commit = time.monotonic() + self.flush_interval_s

    def close(self) -> None:
        try:
            if self.producer is not None:
                self.producer.flush(self.flush_timeout_s if self.failed else max(self.flush_timeout_s, 5.0))
                self.check_batch_errors(raise_errors=False)
                if not self.failed:
                    self.commit_offsets()
        finally:
            if not self.stopping.is_set() and self.started_task:
                try:
                    self.task.stop()
                except Exception as e:
                    self.log.warning("Exception while stopping task: %s", e)
            self.chain.close()
            self.operator.close()
            if self.close_hook is not None:
                self.close_hook()

    # --- sending -----------------------------------------------------------------------------
    def send_records(self) -> None:
        records = self.to_send
        assert records is not None and self.current is not None
        batch = self.current
        batches = self.batches
        if not batches or batches[-1] is not batch:
            if batches:
                batches[-1].sealed = True
            batch.failures = self.failed_batches
            batches.append(batch)
        chain = self.chain
        operator = self.operator
        kc, vc, hc = self.key_converter, self.value_converter, self.header_converter
        producer = self.producer
        connector = self.id.connector
        per_record = self.per_record_commit
        has_stages = bool(chain.stages)
        known_topics = self.known_topics
        on_delivery = batch.on_delivery
        raw_offsets = batch.raw_offsets
        # offset_key() of the last source partition seen, by identity: connectors usually hand the same
        # partition object to every record of a poll (a connector must not change a partition once poll()
        # returned it; Java serializes partitions only at commit time).
        last_partition: Any = None
        last_key = b""
        i = start = self.send_index
        n = len(records)
        while i < n:
            record = records[i]
            if type(record) is not SourceRecord and is_record_run(record):
                sent = self._send_run(record, batch, connector)
                if sent is None:  # the bytes are not known: its records go the usual way
                    records[i : i + 1] = cast(Any, record).records()
                    n = len(records)
                    continue
                if sent < 0:  # librdkafka's queue is full: come back for the rest of the run
                    self.send_index = i
                    self.records_sent += i - start
                    producer.poll(0.05)
                    return
                # The run counts as one element of the list; its other records are counted here.
                self.records_sent += sent - 1
                batch.sent += sent - 1
                i += 1
                continue
            out = chain.apply(record, source_record=record) if has_stages else record
            if out is None:
                self._record_offset(batch, connector, record)
                if per_record:
                    self.task.commit_record(record, None)
                i += 1
                continue
            topic = out.topic
            try:
                known = None if type(out) is SourceRecord else preconverted(out, kc, vc, hc)
                if known is not None and len(known) > 2:
                    key, value, headers = known
                else:
                    headers = self._convert_headers(hc, out) if out.headers else None
                    if known is not None:
                        key, value = known
                    else:
                        key = kc.from_connect_data(topic, out.key_schema, out.key, out.headers)
                        value = vc.from_connect_data(topic, out.value_schema, out.value, out.headers)
            except Exception as e:
                converted = operator.handle(
                    lambda o=out: self._convert_all(o),  # type: ignore[misc]
                    e,
                    Stage.VALUE_CONVERTER,
                    vc,
                    None,
                    record,
                )
                if converted is FAILED:
                    self._record_offset(batch, connector, record)
                    i += 1
                    continue
                key, value, headers = converted
            if topic not in known_topics:
                self._first_use_of(topic)
            cb = self._per_record_callback(batch, record) if per_record else on_delivery
            partition_or_any = out.kafka_partition
            try:
                # confluent-kafka's positional order (topic, value, key, partition, callback, on_delivery,
                # timestamp, headers): keyword arguments cost the call ~1 µs more per record. -1 is
                # RD_KAFKA_PARTITION_UA, the partitioner's choice.
                producer.produce(
                    topic,
                    value,
                    key,
                    -1 if partition_or_any is None else partition_or_any,
                    cb,
                    None,
                    out.timestamp or 0,
                    headers,
                )
            except BufferError:
                # librdkafka's queue is full: serve delivery reports and come back for this record.
                self.send_index = i
                self.records_sent += i - start
                producer.poll(0.05)
                return
            batch.pending += 1
            partition = record.source_partition
            if partition is not None and record.source_offset is not None:
                if partition is not last_partition:
                    last_key = offset_key(connector, partition)
                    last_partition = partition
                raw_offsets[last_key] = record.source_offset
            i += 1
        self.records_sent += n - start
        batch.sent += n
        if raw_offsets:
            batch.offsets.update({key: orjson.dumps(offset) for key, offset in raw_offsets.items()})
            raw_offsets.clear()
        if batch.sent >= BATCH_RECORDS:
            batch.sealed = True
        self.to_send = None
        self.current = None
        self.send_index = 0

    def _send_run(self, run: Any, batch: _Batch, connector: str) -> int | None:
        """Produce a record run's rows: how many it stands for, -1 when librdkafka's queue filled up first
        (``run_rows``/``run_index`` say where to go on), None when the run has no bytes for our converters."""
        rows = self.run_rows
        if rows is None:
            answer = run.serialized(self.key_converter, self.value_converter, self.header_converter)
            if answer is None:
                return None
            rows, partition, offset = answer
            self.run_rows = rows
            self.run_index = 0
            self.run_offset = (partition, offset)
        producer = self.producer
        known_topics = self.known_topics
        on_delivery = batch.on_delivery
        j = start = self.run_index
        n = len(rows)
        try:
            while j < n:
                topic, key, value, headers = rows[j]
                if topic not in known_topics:
                    self._first_use_of(topic)
                producer.produce(topic, value, key, -1, on_delivery, None, 0, headers)
                j += 1
        except BufferError:
            batch.pending += j - start
            self.run_index = j
            return -1
        batch.pending += j - start
        self.run_rows = None
        partition, offset = self.run_offset
        if partition is not None and offset is not None:
            batch.raw_offsets[offset_key(connector, partition)] = offset
        return n

    @staticmethod
    def _record_offset(batch: _Batch, connector: str, record: SourceRecord) -> None:
        if record.source_partition is not None and record.source_offset is not None:
            batch.raw_offsets[offset_key(connector, record.source_partition)] = record.source_offset

    def _convert_all(
        self, out: SourceRecord
    ) -> tuple[bytes | None, bytes | None, list[tuple[str, bytes | None]] | None]:
        headers = self._convert_headers(self.header_converter, out) if out.headers else None
        key = self.key_converter.from_connect_data(out.topic, out.key_schema, out.key, out.headers)
        value = self.value_converter.from_connect_data(out.topic, out.value_schema, out.value, out.headers)
        return key, value, headers

    def _convert_headers(self, hc: HeaderConverter, record: SourceRecord) -> list[tuple[str, bytes | None]]:
        """The record's headers as bytes. Connectors often put the same Header objects on every record
        (Debezium's context headers): the converted form of a Header holding an immutable value is
        remembered while that Header keeps the same key, value and schema objects, for the same topic."""
        topic = record.topic
        cache = self._header_cache
        out: list[tuple[str, bytes | None]] = []
        for h in record.headers:
            hit = cache.get(id(h))
            value = h.value
            if (
                hit is not None
                and hit[0] is h
                and hit[1] is value
                and hit[2] is h.schema
                and hit[3] == topic
                and hit[4][0] is h.key
            ):
                out.append(hit[4])
                continue
            converted = (h.key, hc.from_connect_header(topic, h.key, h.schema, value))
            if type(value) in _IMMUTABLE_HEADER_VALUES:
                if len(cache) >= 256:
                    cache.clear()
                cache[id(h)] = (h, value, h.schema, topic, converted)
            out.append(converted)
        return out

    def _per_record_callback(self, batch: _Batch, record: SourceRecord) -> Callable[[Any, Any], None]:
        task = self.task

        def cb(err: Any, msg: Any) -> None:
            batch.on_delivery(err, msg)
            if err is None:
                try:
                    task.commit_record(record, msg)
                except Exception as e:
                    self.log.warning("Exception thrown while calling task.commit_record(): %s", e)

        return cb

    def _first_use_of(self, topic: str) -> None:
        if self.topic_creator is not None:
            self.topic_creator.maybe_create(topic)
        if self.on_topic_used is not None:
            self.on_topic_used(topic)
        self.known_topics.add(topic)

    def check_batch_errors(self, raise_errors: bool = True) -> None:
        failures = self.failed_batches
        if not failures:
            return
        for batch in failures:
            if batch.error is not None:
                err = batch.error
                if self.operator.tolerance_all:
                    self.log.error(
                        "Failed to send a record to Kafka (tolerated): %s", producer_error_message(err)
                    )
                    batch.error = None
                    continue
                if raise_errors:
                    raise ConnectException(
                        f"Unrecoverable exception from producer send callback: {producer_error_message(err)}"
                    )
        if self.operator.tolerance_all:
            failures.clear()

    def _batch_for_poll(self) -> _Batch:
        """The batch a poll's records join: the last one while it is young and small, else a new one."""
        if self.batches:
            last = self.batches[-1]
            if not last.sealed and last.error is None and time.monotonic() - last.born < BATCH_AGE_S:
                return last
            last.sealed = True
        return _Batch(self.failed_batches)

    def _acknowledge_if_idle(self) -> None:
        """Acknowledgements by flush: a producer holding none of our records delivered them all."""
        if self.acks_by_flush and self.batches and len(self.producer) == 0:
            self._all_delivered()

    def _all_delivered(self) -> None:
        """The producer holds no record of ours any more (and served every failure report): each batch
        without an error is acknowledged in full."""
        for batch in self.batches:
            if batch.error is None:
                batch.pending = 0

    def collect_acknowledged(self) -> None:
        """Java's updateCommittableOffsets: the offsets of the leading sealed, fully acknowledged batches
        become committable and the batches are dropped (they would otherwise wait for the next commit)."""
        batches = self.batches
        while batches and batches[0].sealed and batches[0].pending <= 0 and batches[0].error is None:
            self.acked_offsets.update(batches.popleft().offsets)

    # --- offsets -----------------------------------------------------------------------------
    def commit_offsets(self) -> bool:
        """Flush the offsets of every fully acknowledged leading batch; then call task.commit()."""
        writer = self.offset_writer
        if self.acks_by_flush and self.batches:
            # Java's pre-KIP-618 commit: wait for the records in flight, then commit all that was sent.
            remaining = self.producer.flush(self.flush_timeout_s)
            self.check_batch_errors(raise_errors=False)
            if remaining == 0:
                self._all_delivered()
            else:
                self.log.warning(
                    "%d records still in flight after offset.flush.timeout.ms; their offsets wait for the next commit",
                    remaining,
                )
        if self.batches and self.to_send is None:
            self.batches[-1].sealed = True  # not being sent: its acknowledged records are committed now
        self.collect_acknowledged()
        acked, self.acked_offsets = self.acked_offsets, {}
        if acked:
            writer.offsets(acked)
        try:
            flushed = writer.flush(self.flush_timeout_s)
        except Exception as e:
            self.log.error("Failed to commit offsets: %s", e)
            return False
        if flushed:
            self.log.debug("Committed offsets of %d source partitions", len(acked))
        try:
            self.task.commit()
        except Exception as e:
            self.log.error("Exception thrown while calling task.commit(): %s", e)
        return True
