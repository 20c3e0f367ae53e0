"""WorkerSinkTask: consumer → converters → transforms → put; offsets committed after pre_commit."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from confluent_kafka import TIMESTAMP_CREATE_TIME, TIMESTAMP_LOG_APPEND_TIME, KafkaError, TopicPartition

from connectrt.api.connector import (
    ConnectException,
    ErrantRecordReporter,
    RetriableException,
    SerializedPut,
    SinkTask,
    SinkTaskContext,
)
from connectrt.api.plugin import Converter, HeaderConverter
from connectrt.api.records import Header, Headers, SinkRecord, TimestampType
from connectrt.model.entities import ConnectorTaskId
from connectrt.model.states import TargetState
from connectrt.runtime.errors import (
    FAILED,
    ConsumedRecord,
    RetryWithToleranceOperator,
    Stage,
    WorkerErrantRecordReporter,
)
from connectrt.runtime.transformation_chain import TransformationChain
from connectrt.runtime.worker_task import StatusListener, WorkerTask

TP = tuple[str, int]
_new = object.__new__
# Messages a task's serialized put refused go through the converters in chunks of 1, 2, 4, ... up to this
# (back to 1 whenever it takes messages again): one put() per message only while it keeps taking them.
_MAX_CONVERTED_CHUNK = 256
# A topic of `topics` that does not exist yet: the task waits for it, as Java's.
_WAIT_FOR_TOPIC_ERRORS = frozenset(
    {KafkaError.UNKNOWN_TOPIC_OR_PART, KafkaError._UNKNOWN_TOPIC, KafkaError._UNKNOWN_PARTITION}
)
_TS_TYPES = {
    TIMESTAMP_CREATE_TIME: TimestampType.CREATE_TIME,
    TIMESTAMP_LOG_APPEND_TIME: TimestampType.LOG_APPEND_TIME,
}


class _SinkTaskContext(SinkTaskContext):
    def __init__(self, worker: WorkerSinkTask) -> None:
        self.worker = worker
        self.pending_offsets: dict[TP, int] = {}
        self.paused: set[TP] = set()
        self.commit_requested = False
        self.timeout_ms = -1
        self.reporter: ErrantRecordReporter | None = None

    @property
    def configs(self) -> dict[str, str]:
        return self.worker.task_config

    def offset(self, offsets: Mapping[TP, int]) -> None:
        self.pending_offsets.update(offsets)

    def timeout(self, timeout_ms: int) -> None:
        self.timeout_ms = timeout_ms

    def assignment(self) -> set[TP]:
        return set(self.worker.assigned)

    def pause(self, *partitions: TP) -> None:
        self.paused.update(partitions)
        self.worker.apply_pauses()

    def resume(self, *partitions: TP) -> None:
        self.paused.difference_update(partitions)
        self.worker.apply_pauses()

    def request_commit(self) -> None:
        self.commit_requested = True

    def errant_record_reporter(self) -> ErrantRecordReporter | None:
        return self.reporter


class WorkerSinkTask(WorkerTask):
    def __init__(
        self,
        task_id: ConnectorTaskId,
        task: SinkTask,
        task_config: dict[str, str],
        listener: StatusListener,
        target_state: TargetState,
        consumer: Any,
        topics: list[str] | None,
        topics_regex: str | None,
        key_converter: Converter,
        value_converter: Converter,
        header_converter: HeaderConverter,
        chain: TransformationChain[SinkRecord],
        operator: RetryWithToleranceOperator,
        offset_commit_interval_ms: int,
        offset_commit_timeout_ms: int,
        max_poll_records: int = 500,
        on_topic_used: Any = None,
        errant_reporter_enabled: bool = True,
    ) -> None:
        super().__init__(task_id, listener, target_state)
        self.task = task
        self.task_config = task_config
        self.consumer = consumer
        self.topics = topics
        self.topics_regex = topics_regex
        self.key_converter = key_converter
        self.value_converter = value_converter
        self.header_converter = header_converter
        self.chain = chain
        self.operator = operator
        self.commit_interval_s = offset_commit_interval_ms / 1000
        self.commit_timeout_s = offset_commit_timeout_ms / 1000
        self.max_poll_records = max_poll_records
        self.on_topic_used = on_topic_used
        self.context = _SinkTaskContext(self)
        if errant_reporter_enabled:
            self.context.reporter = WorkerErrantRecordReporter(operator, self._consumed_for)
        self.assigned: set[TP] = set()
        self.current_offsets: dict[TP, int] = {}
        self.last_committed: dict[TP, int] = {}
        self.known_topics: set[str] = set()
        self._next_consumer_warning = 0.0
        self.started_task = False
        self.batch_consumed: dict[tuple[str, int, int], ConsumedRecord] = {}
        self.retry_batch: list[SinkRecord] | None = None
        self.records_put = 0
        self.serialized_put: SerializedPut | None = None

    # --- lifecycle ---------------------------------------------------------------------------
    def initialize_and_start(self) -> None:
        self.task.initialize(self.context)
        self.task.start(self.task_config)
        self.started_task = True
        if not self.chain.stages:
            self.serialized_put = self.task.serialized_put(
                self.key_converter, self.value_converter, self.header_converter
            )
            if self.serialized_put is not None:
                self.log.info("Sink task takes consumed messages before conversion where it can")
        if self.topics_regex:
            pattern = self.topics_regex if self.topics_regex.startswith("^") else "^" + self.topics_regex
            self.consumer.subscribe(
                [pattern], on_assign=self._on_assign, on_revoke=self._on_revoke, on_lost=self._on_lost
            )
        else:
            self.consumer.subscribe(
                list(self.topics or []),
                on_assign=self._on_assign,
                on_revoke=self._on_revoke,
                on_lost=self._on_lost,
            )
        self.log.info("Sink task finished initialization and start")

    def execute(self) -> None:
        next_commit = time.monotonic() + self.commit_interval_s
        while not self.stopping.is_set():
            if self.target_state is not TargetState.STARTED:
                if not self.await_unpaused():
                    break
                continue
            self.poll_once()
            if self.context.commit_requested or time.monotonic() >= next_commit:
                self.context.commit_requested = False
                self.commit_offsets(sync=False)
                next_commit = time.monotonic() + self.commit_interval_s

    def close(self) -> None:
        try:
            if self.started_task and not self.failed:
                self.commit_offsets(sync=True)
            if self.started_task and self.assigned:
                try:
                    self.task.close(sorted(self.assigned))
                except Exception as e:
                    self.log.warning("Exception while closing partitions: %s", e)
        finally:
            try:
                if self.started_task:
                    self.task.stop()
            except Exception as e:
                self.log.warning("Exception while stopping task: %s", e)
            try:
                self.consumer.close()
            except Exception as e:
                self.log.warning("Exception while closing consumer: %s", e)
            self.chain.close()
            self.operator.close()

    def on_pause(self) -> None:
        if self.assigned:
            self.consumer.pause([TopicPartition(t, p) for t, p in self.assigned])

    def on_resume(self) -> None:
        self.consumer.resume(
            [TopicPartition(t, p) for t, p in self.assigned if (t, p) not in self.context.paused]
        )

    def while_paused(self) -> None:
        # Keep the group membership alive while paused (rebalance callbacks are served here too).
        self.consumer.consume(num_messages=1, timeout=0.1)

    def apply_pauses(self) -> None:
        paused = [TopicPartition(t, p) for t, p in self.context.paused if (t, p) in self.assigned]
        resumed = [TopicPartition(t, p) for t, p in self.assigned if (t, p) not in self.context.paused]
        if paused:
            self.consumer.pause(paused)
        if resumed and self.target_state is TargetState.STARTED:
            self.consumer.resume(resumed)

    # --- rebalance callbacks (served inside consumer.consume on this thread) -----------------
    def _on_assign(self, consumer: Any, partitions: list[TopicPartition]) -> None:
        new = [(p.topic, p.partition) for p in partitions]
        self.assigned.update(new)
        seek = False
        for p in partitions:
            tp = (p.topic, p.partition)
            if tp in self.context.pending_offsets:
                p.offset = self.context.pending_offsets.pop(tp)
                seek = True
        if seek:
            consumer.assign(partitions)
        if self.target_state is not TargetState.STARTED or self.context.paused:
            self.apply_pauses() if self.target_state is TargetState.STARTED else self.on_pause()
        self.task.open(new)

    def _on_revoke(self, consumer: Any, partitions: list[TopicPartition]) -> None:
        revoked = [(p.topic, p.partition) for p in partitions]
        if not revoked:
            return
        if not self.failed:
            self.commit_offsets(sync=True, only=set(revoked))
        self.task.close(revoked)
        for tp in revoked:
            self.assigned.discard(tp)
            self.current_offsets.pop(tp, None)
            self.last_committed.pop(tp, None)

    def _on_lost(self, consumer: Any, partitions: list[TopicPartition]) -> None:
        lost = [(p.topic, p.partition) for p in partitions]
        self.task.close(lost)
        for tp in lost:
            self.assigned.discard(tp)
            self.current_offsets.pop(tp, None)

    # --- the data path -----------------------------------------------------------------------
    def poll_once(self) -> None:
        if self.context.pending_offsets and self.assigned:
            self._apply_seeks()
        if self.retry_batch is not None:
            self.deliver(self.retry_batch)
            return
        msgs = self.consumer.consume(num_messages=self.max_poll_records, timeout=0.5)
        if not msgs:
            # Java's WorkerSinkTask calls put() after every poll, with an empty batch too: sinks rotate files or
            # flush on time there (the S3 sink's rotate.schedule.interval.ms with no new records).
            self.deliver([])
            return
        if self.serialized_put is not None:
            self.put_serialized(self.serialized_put, msgs)
            return
        records = self.convert_messages(msgs)
        if records:
            self.deliver(records)

    def put_serialized(self, put: SerializedPut, msgs: Sequence[Any]) -> None:
        """The task's serialized put takes what it can, in order; the rest is converted and put as usual."""
        i, n = 0, len(msgs)
        chunk = 1
        while i < n:
            taken = put(msgs, i)
            if not 0 <= taken <= n - i:
                raise ConnectException(f"The task's serialized put took {taken} of {n - i} messages")
            if taken:
                self._taken(msgs, i, i + taken)
                i += taken
                chunk = 1
                if i >= n:
                    return
            end = min(n, i + chunk)
            chunk = min(chunk * 2, _MAX_CONVERTED_CHUNK)
            records = self.convert_messages(msgs[i:end])
            i = end
            if records:
                self.deliver(records)
            if self.retry_batch is not None:
                # put() asked for a retry: the rest of the batch is retried with it, as one batch.
                if i < n:
                    self.retry_batch = self.retry_batch + self.convert_messages(msgs[i:], keep_consumed=True)
                return

    def _taken(self, msgs: Sequence[Any], start: int, end: int) -> None:
        """What convert_messages and deliver do for messages a serialized put took."""
        current = self.current_offsets
        known_topics = self.known_topics
        topic: str | None = None
        for k in range(start, end):
            msg = msgs[k]
            t = msg.topic()
            if t != topic:
                topic = t
                if t not in known_topics:
                    known_topics.add(t)
                    if self.on_topic_used is not None:
                        self.on_topic_used(t)
            current[(t, msg.partition())] = msg.offset() + 1
        self.records_put += end - start

    def _apply_seeks(self) -> None:
        for tp in list(self.context.pending_offsets):
            if tp in self.assigned:
                offset = self.context.pending_offsets.pop(tp)
                self.consumer.seek(TopicPartition(tp[0], tp[1], offset))
                self.current_offsets[tp] = offset

    def _transient_consumer_error(self, err: Any) -> bool:
        """A subscribed topic that does not exist (yet), or a retriable error: as Java's consumer, keep
        polling (logged at most once a minute) instead of failing the task."""
        if err.fatal() or not (err.code() in _WAIT_FOR_TOPIC_ERRORS or err.retriable()):
            return False
        now = time.monotonic()
        if now >= self._next_consumer_warning:
            self._next_consumer_warning = now + 60.0
            self.log.warning("Consumer error (will keep polling): %s", err.str())
            if err.code() in _WAIT_FOR_TOPIC_ERRORS:
                self._request_topic_metadata()
        return True

    def _request_topic_metadata(self) -> None:
        """Java's consumer asks for a subscribed topic's metadata with auto-creation allowed, so a broker
        with ``auto.create.topics.enable=true`` creates it; librdkafka's subscription does not. A metadata
        request for each topic does the same (it honours the consumer's ``allow.auto.create.topics``)."""
        for topic in self.topics or ():
            try:
                self.consumer.list_topics(topic=topic, timeout=5)
            except Exception as e:
                self.log.debug("Metadata request for topic %s failed: %s", topic, e)

    def convert_messages(self, msgs: Sequence[Any], keep_consumed: bool = False) -> list[SinkRecord]:
        """Consumed messages → SinkRecords (converted, transformed), in one tight loop per batch.

        Records are built slot by slot (what SinkRecord's constructor does, without its call and defaults),
        each with its own empty Headers unless the message has headers. ``keep_consumed``: the messages
        join the batch being put (the errant-record reporter's lookup keeps the earlier ones).
        """
        kc, vc, hc = self.key_converter, self.value_converter, self.header_converter
        key_data, value_data = kc.to_connect_data, vc.to_connect_data
        chain, operator = self.chain, self.operator
        out: list[SinkRecord] = []
        append = out.append
        if not keep_consumed:
            self.batch_consumed.clear()
        current = self.current_offsets
        known_topics = self.known_topics
        has_stages = bool(chain.stages)
        tolerance_all = operator.tolerance_all
        ts_types = _TS_TYPES
        no_ts = TimestampType.NO_TIMESTAMP_TYPE
        new = _new
        for msg in msgs:
            err = msg.error()
            if err is not None:
                if err.code() == KafkaError._PARTITION_EOF:
                    continue
                if self._transient_consumer_error(err):
                    continue
                raise ConnectException(f"Consumer error: {err.str()}")
            topic, partition, offset = msg.topic(), msg.partition(), msg.offset()
            current[(topic, partition)] = offset + 1
            if topic not in known_topics:
                known_topics.add(topic)
                if self.on_topic_used is not None:
                    self.on_topic_used(topic)
            raw_headers = msg.headers()
            try:
                key_sv = key_data(topic, msg.key())
            except Exception as e:
                key_sv = self._retry(
                    lambda m=msg: kc.to_connect_data(m.topic(), m.key()), e, Stage.KEY_CONVERTER, kc, msg
                )
                if key_sv is FAILED:
                    continue
            try:
                value_sv = value_data(topic, msg.value())
            except Exception as e:
                value_sv = self._retry(
                    lambda m=msg: vc.to_connect_data(m.topic(), m.value()), e, Stage.VALUE_CONVERTER, vc, msg
                )
                if value_sv is FAILED:
                    continue
            if raw_headers:
                try:
                    headers = self._convert_headers(hc, topic, raw_headers)
                except Exception as e:
                    headers = self._retry(
                        lambda m=msg: self._convert_headers(hc, m.topic(), m.headers()),
                        e,
                        Stage.HEADER_CONVERTER,
                        hc,
                        msg,
                    )
                    if headers is FAILED:
                        continue
            else:
                headers = new(Headers)
                headers._items = []
                headers._shared = False
            ts_type, ts = msg.timestamp()
            tt = ts_types.get(ts_type)
            record = new(SinkRecord)
            record.topic = record.original_topic = topic
            record.kafka_partition = record.original_kafka_partition = partition
            record.key_schema, record.key = key_sv
            record.value_schema, record.value = value_sv
            record.kafka_offset = record.original_kafka_offset = offset
            if tt is not None:
                record.timestamp, record.timestamp_type = ts, tt
            else:
                record.timestamp, record.timestamp_type = None, no_ts
            record.headers = headers
            if has_stages:
                transformed = chain.apply(record, consumed=self._consumed(msg))
                if transformed is None:
                    continue
                record = transformed
            if tolerance_all:
                self.batch_consumed[(record.original_topic, record.original_kafka_partition, offset)] = (
                    self._consumed(msg)
                )
            append(record)
        return out

    def _retry(self, op: Any, error: Exception, stage: Stage, cls: Any, msg: Any) -> Any:
        return self.operator.handle(op, error, stage, cls, self._consumed(msg), None)

    @staticmethod
    def _convert_headers(hc: HeaderConverter, topic: str, raw: list[tuple[str, bytes | None]]) -> Headers:
        headers = Headers()
        for key, value in raw:
            schema, v = hc.to_connect_header(topic, key, value)
            headers.add_header(Header(key, v, schema))
        return headers

    @staticmethod
    def _consumed(msg: Any) -> ConsumedRecord:
        ts_type, ts = msg.timestamp()
        return ConsumedRecord(
            msg.topic(),
            msg.partition(),
            msg.offset(),
            msg.key(),
            msg.value(),
            msg.headers(),
            ts if ts_type in _TS_TYPES else None,
        )

    def _consumed_for(self, record: SinkRecord) -> ConsumedRecord | None:
        found = self.batch_consumed.get(
            (record.original_topic, record.original_kafka_partition, record.original_kafka_offset)
        )
        if found is not None:
            return found
        return ConsumedRecord(
            record.original_topic,
            record.original_kafka_partition,
            record.original_kafka_offset,
            None,
            None,
            None,
            record.timestamp,
        )

    def deliver(self, records: list[SinkRecord]) -> None:
        try:
            self.task.put(records)
            self.retry_batch = None
            self.records_put += len(records)
        except RetriableException as e:
            self.log.error("RetriableException from SinkTask: %s", e)
            # Java pauses all partitions and retries the same batch after context.timeout().
            self.retry_batch = records
            self.on_pause()
            wait = self.context.timeout_ms / 1000 if self.context.timeout_ms > 0 else 0.1
            self.stopping.wait(wait)
            self.consumer.consume(num_messages=1, timeout=0)
            if self.target_state is TargetState.STARTED:
                self.on_resume()

    # --- offsets -----------------------------------------------------------------------------
    def commit_offsets(self, sync: bool, only: set[TP] | None = None) -> None:
        if not self.current_offsets:
            return
        current = dict(self.current_offsets)
        if only is not None:
            current = {tp: o for tp, o in current.items() if tp in only}
        try:
            to_commit = dict(self.task.pre_commit(current))
        except Exception as e:
            self.log.error("Offset commit failed, rewinding to last committed offsets: %s", e)
            for tp, offset in self.last_committed.items():
                self.consumer.seek(TopicPartition(tp[0], tp[1], offset))
            self.current_offsets.update(self.last_committed)
            return
        to_commit = {
            tp: o for tp, o in to_commit.items() if tp in self.assigned and self.last_committed.get(tp) != o
        }
        if not to_commit:
            return
        self.operator.await_reports(self.commit_timeout_s)
        offsets = [TopicPartition(t, p, o) for (t, p), o in to_commit.items()]
        try:
            self.consumer.commit(offsets=offsets, asynchronous=not sync)
            self.last_committed.update(to_commit)
        except Exception as e:
            self.log.warning("Commit of offsets failed: %s", e)
