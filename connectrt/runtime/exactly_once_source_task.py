"""ExactlyOnceWorkerSourceTask: a source task whose records and source offsets are written in the same
producer transaction (KIP-618, Java's ExactlyOnceWorkerSourceTask).

- The task's producer is transactional (``transactional.id=<group.id>-<connector>-<task>``). Before
  ``init_transactions()`` the herder runs a round of zombie fencing for the connector (the producers of
  the previous generation of tasks are fenced out); afterwards it checks that the task's config
  generation is still current and that the task is still assigned here.
- A transaction begins with the first record sent after the previous one ended. Committing writes the
  buffered source offsets to the connector's offsets topic with the same producer, then commits the
  transaction; after that the offsets also go to the worker's global offsets topic when the connector
  has its own (``offsets.storage.topic``).
- ``transaction.boundary``: ``poll`` commits after every batch ``poll()`` returned, ``interval`` after
  ``transaction.boundary.interval.ms`` (default ``offset.flush.interval.ms``), ``connector`` when the
  task's :class:`~connectrt.api.connector.TransactionContext` says so. An abort drops the records of the
  transaction, but their offsets are committed in a new transaction (the task must not see them again).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import orjson

from connectrt.api.connector import (
    ConnectException,
    OffsetStorageReader,
    RetriableException,
    SourceTask,
    TransactionContext,
    freeze,
)
from connectrt.api.plugin import Converter, HeaderConverter
from connectrt.api.records import SourceRecord
from connectrt.kafka.clients import make_producer, only_error_reports, producer_error_message
from connectrt.model.entities import ConnectorTaskId
from connectrt.model.states import TargetState
from connectrt.runtime.connector_offset_stores import WorkerClients, connector_offsets_topic_store
from connectrt.runtime.errors import FAILED, RetryWithToleranceOperator, Stage
from connectrt.runtime.source_task import WorkerSourceTask, _SourceTaskContext
from connectrt.runtime.topic_creation import TopicCreator
from connectrt.runtime.transformation_chain import TransformationChain
from connectrt.runtime.worker_task import StatusListener
from connectrt.storage.offsets import (
    OffsetBackingStore,
    OffsetStorageReaderImpl,
    OffsetStorageWriter,
    offset_key,
)

POLL = "poll"
INTERVAL = "interval"
CONNECTOR = "connector"


class WorkerTransactionContext(TransactionContext):
    """What the task asked for, consumed by the send loop (Java's WorkerTransactionContext)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._commit_records: set[int] = set()
        self._abort_records: set[int] = set()
        self._commit_batch = False
        self._abort_batch = False

    def commit_transaction(self, record: SourceRecord | None = None) -> None:
        with self._lock:
            if record is None:
                self._commit_batch = True
            else:
                self._commit_records.add(id(record))

    def abort_transaction(self, record: SourceRecord | None = None) -> None:
        with self._lock:
            if record is None:
                self._abort_batch = True
            else:
                self._abort_records.add(id(record))

    def should_commit_batch(self) -> bool:
        with self._lock:
            self._check_batch()
            result, self._commit_batch = self._commit_batch, False
            return result

    def should_abort_batch(self) -> bool:
        with self._lock:
            self._check_batch()
            result, self._abort_batch = self._abort_batch, False
            return result

    def should_commit_on(self, record: SourceRecord) -> bool:
        with self._lock:
            self._check_record(record)
            key = id(record)
            if key in self._commit_records:
                self._commit_records.discard(key)
                return True
            return False

    def should_abort_on(self, record: SourceRecord) -> bool:
        with self._lock:
            self._check_record(record)
            key = id(record)
            if key in self._abort_records:
                self._abort_records.discard(key)
                return True
            return False

    def _check_batch(self) -> None:
        if self._commit_batch and self._abort_batch:
            raise ConnectException("Connector requested both commit and abort of same transaction")

    def _check_record(self, record: SourceRecord) -> None:
        key = id(record)
        if key in self._commit_records and key in self._abort_records:
            raise ConnectException("Connector requested both commit and abort of same record")


class _EosTaskContext(_SourceTaskContext):
    def __init__(
        self, configs: dict[str, str], reader: OffsetStorageReader, transactions: TransactionContext | None
    ) -> None:
        super().__init__(configs, reader)
        self._transactions = transactions

    def transaction_context(self) -> TransactionContext | None:
        return self._transactions


class FallbackOffsetReader(OffsetStorageReader):
    """Offsets from the connector's own offsets topic, else from the worker's global one."""

    def __init__(
        self, connector: str, primary: OffsetBackingStore, fallback: OffsetBackingStore | None
    ) -> None:
        self.connector = connector
        self.primary = primary
        self.fallback = fallback

    def offsets(self, partitions: Sequence[Mapping[str, Any]]) -> dict[Any, dict[str, Any] | None]:
        keys = {offset_key(self.connector, p): p for p in partitions}
        raw = self.primary.get(list(keys))
        missing = [k for k in keys if raw.get(k) is None]
        if missing and self.fallback is not None:
            raw.update({k: v for k, v in self.fallback.get(missing).items() if v is not None})
        return {
            freeze(p): (orjson.loads(v) if (v := raw.get(k)) is not None else None) for k, p in keys.items()
        }


class ExactlyOnceWorkerSourceTask(WorkerSourceTask):
    """``WorkerSourceTask``'s arguments plus the exactly-once ones (keywords)."""

    def __init__(
        self,
        *args: Any,
        transaction_boundary: str,
        transaction_interval_ms: int,
        offsets_topic: str,
        secondary_store: OffsetBackingStore | None,
        connector_store: OffsetBackingStore | None,
        pre_producer_check: Callable[[threading.Event], None],
        post_producer_check: Callable[[], None],
        transaction_timeout_s: float = 60.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.boundary = transaction_boundary
        self.transaction_interval_s = transaction_interval_ms / 1000
        self.offsets_topic = offsets_topic
        self.secondary_store = secondary_store
        self.connector_store = connector_store
        self.pre_producer_check = pre_producer_check
        self.post_producer_check = post_producer_check
        self.transaction_timeout_s = transaction_timeout_s
        self.transactions = WorkerTransactionContext() if transaction_boundary == CONNECTOR else None
        self.transaction_open = False
        self.fenced_while_stopping = False
        self.transaction_number = 0
        self.aborted: set[int] = set()
        self.pending_offsets: dict[bytes, Any] = {}  # offset key -> latest source offset (not serialized)
        self._last_partition: Any = None
        self._last_key = b""
        self.committable: list[tuple[SourceRecord, Any]] = []
        self.last_commit = time.monotonic()
        self.delivery_error: Any = None
        self.producer_ready = False

    # --- lifecycle ---------------------------------------------------------------------------
    def initialize_and_start(self) -> None:
        self.pre_producer_check(self.stopping)
        # Do not initialize the producer (which may fence out a later generation) once stopping.
        if self.stopping.is_set():
            return
        self.producer.init_transactions(self.transaction_timeout_s)
        self.producer_ready = True
        self.post_producer_check()
        if self.connector_store is not None:
            self.connector_store.start()
        self.task.initialize(_EosTaskContext(self.task_config, self.offset_reader, self.transactions))
        self.task.start(self.task_config)
        self.started_task = True
        self.log.info("Source task finished initialization and start (exactly-once)")

    def execute(self) -> None:
        try:
            self._send_loop()
        except Exception as e:
            if not self.stopping.is_set():
                raise
            # Stopping (revoked, or its configs changed): a newer generation of this task may have fenced
            # this producer already. The uncommitted transaction is aborted; that is not a task failure.
            self.log.info("Transaction not committed while stopping: %s", e)
            self.fenced_while_stopping = True

    def _send_loop(self) -> None:
        self.last_commit = time.monotonic()
        while not self.stopping.is_set():
            if self.target_state is not TargetState.STARTED:
                # Commit now: no hanging transaction (which could time out) while paused.
                self._maybe_commit(self._final_commit_wanted())
                if not self.await_unpaused():
                    break
                self.last_commit = time.monotonic()
                continue
            try:
                records = self.task.poll()
            except RetriableException as e:
                self.log.warning("Retriable exception from poll(); polling again: %s", e)
                records = None
            if records:
                self._send_batch(records)
            self.producer.poll(0)
            self._check_delivery()
            self._maybe_commit(self._commit_after_batch())

    def close(self) -> None:
        try:
            if (
                self.producer is not None
                and self.producer_ready
                and not self.failed
                and not self.cancelled
                and not self.fenced_while_stopping
            ):
                try:
                    self._maybe_commit(self._final_commit_wanted())
                except Exception as e:
                    self.log.error("Failed to commit the final transaction: %s", e)
        finally:
            if self.producer is not None and self.transaction_open:
                self.aborted.add(self.transaction_number)
                try:
                    self.producer.abort_transaction(5.0)
                except Exception as e:
                    self.log.debug("Aborting the open transaction on close: %s", e)
            if self.connector_store is not None:
                try:
                    self.connector_store.stop()
                except Exception as e:
                    self.log.warning("Failed to stop the connector's offsets store: %s", e)
            self.producer_ready = False
            # No final flush and offset commit of the parent: everything went through transactions.
            producer, self.producer = self.producer, None
            try:
                super().close()
            finally:
                if producer is not None:
                    try:
                        producer.flush(0)
                    except Exception as e:
                        self.log.debug("Closing the producer: %s", e)

    # --- sending -----------------------------------------------------------------------------
    def _send_batch(self, records: list[SourceRecord]) -> None:
        chain = self.chain
        has_stages = bool(chain.stages)
        kc, vc, hc = self.key_converter, self.value_converter, self.header_converter
        producer = self.producer
        connector = self.id.connector
        for record in records:
            if self.stopping.is_set():
                return
            out = chain.apply(record, source_record=record) if has_stages else record
            if out is None:
                self._record_done(connector, record, None)
                continue
            topic = out.topic
            if topic == self.offsets_topic:
                raise ConnectException(
                    "Source tasks may not produce to their own offsets topics when exactly-once support is enabled"
                )
            try:
                headers = self._convert_headers(hc, out) if out.headers else None
                key = kc.from_connect_data(topic, out.key_schema, out.key, out.headers)
                value = vc.from_connect_data(topic, out.value_schema, out.value, out.headers)
            except Exception as e:
                converted = self.operator.handle(
                    lambda o=out: self._convert_all(o),  # type: ignore[misc]
                    e,
                    Stage.VALUE_CONVERTER,
                    vc,
                    None,
                    record,
                )
                if converted is FAILED:
                    self._record_done(connector, record, None)
                    continue
                key, value, headers = converted
            if topic not in self.known_topics:
                self._first_use_of(topic)
            self._begin()
            kwargs: dict[str, Any] = {
                "on_delivery": self._delivery(record),
                "timestamp": out.timestamp or 0,
                "headers": headers,
            }
            if out.kafka_partition is not None:
                kwargs["partition"] = out.kafka_partition
            while True:
                try:
                    producer.produce(topic, value, key, **kwargs)
                    break
                except BufferError:
                    producer.poll(0.05)
            self.records_sent += 1
            self._record_done(connector, record, "sent")

    def _record_done(self, connector: str, record: SourceRecord, sent: str | None) -> None:
        """The record was handed to the producer (or dropped): its offset joins the transaction."""
        partition = record.source_partition
        if partition is not None:
            # Serialized once per partition and transaction, at commit; the key once per partition
            # object (connectors usually hand the same partition to every record of a poll).
            if partition is not self._last_partition:
                self._last_key = offset_key(connector, partition)
                self._last_partition = partition
            self.pending_offsets[self._last_key] = record.source_offset
        if sent is None and self.per_record_commit:
            self.committable.append((record, None))
        self._maybe_commit(self._commit_for_record(record))

    def _delivery(self, record: SourceRecord) -> Callable[[Any, Any], None]:
        transaction = self.transaction_number

        def cb(err: Any, msg: Any) -> None:
            if err is not None:
                # Records of an aborted transaction come back purged: not an error.
                if transaction not in self.aborted and self.delivery_error is None:
                    self.delivery_error = err
            elif self.per_record_commit:
                self.committable.append((record, msg))

        return cb

    def _check_delivery(self) -> None:
        if self.delivery_error is not None:
            err, self.delivery_error = self.delivery_error, None
            raise ConnectException(
                f"Unrecoverable exception from producer send callback: {producer_error_message(err)}"
            )

    # --- transactions ------------------------------------------------------------------------
    def _begin(self) -> None:
        if not self.transaction_open:
            self.producer.begin_transaction()
            self.transaction_open = True
            self.transaction_number += 1

    def _commit_for_record(self, record: SourceRecord) -> bool:
        tc = self.transactions
        if tc is None:
            return False
        if tc.should_abort_on(record):
            self.log.info(
                "Aborting transaction for record on topic %s as requested by connector", record.topic
            )
            self._abort()
            return True  # the offsets are still committed, so the task does not see these records again
        return tc.should_commit_on(record)

    def _commit_after_batch(self) -> bool:
        if self.boundary == POLL:
            return True
        if self.boundary == INTERVAL:
            now = time.monotonic()
            if now >= self.last_commit + self.transaction_interval_s:
                self.last_commit = now
                return True
            return False
        tc = self.transactions
        assert tc is not None
        if tc.should_abort_batch():
            self.log.info("Aborting transaction for batch as requested by connector")
            self._abort()
            return True
        return tc.should_commit_batch()

    def _final_commit_wanted(self) -> bool:
        if self.boundary == CONNECTOR:
            return self._commit_after_batch()
        return True

    def _abort(self) -> None:
        if self.transaction_open:
            self.aborted.add(self.transaction_number)
            # Deliver the transaction's records before aborting it. librdkafka's abort purges them, and when
            # it began registering their partition with the transaction just before (AddPartitionsToTxn in
            # flight, answered CONCURRENT_TRANSACTIONS while the previous commit completes) it still sends
            # EndTxn(abort), which the coordinator, holding no open transaction, answers INVALID_TXN_STATE: a
            # fatal producer error. Flushed, the partition is registered (the records could not be written
            # otherwise) and the abort is valid. Java's producer waits for in-flight batches before EndTxn too.
            self.producer.flush(self.transaction_timeout_s)
            self.producer.abort_transaction(self.transaction_timeout_s)
            self.transaction_open = False
        self.committable = [(r, m) for r, m in self.committable if m is None]

    def _maybe_commit(self, wanted: bool) -> None:
        if wanted and (self.transaction_open or self.pending_offsets):
            self.commit_transaction()

    def commit_transaction(self) -> None:
        producer = self.producer
        self._begin()  # after an abort, the offsets go in a new transaction
        pending, self.pending_offsets = self.pending_offsets, {}
        offsets = {k: (orjson.dumps(v) if v is not None else None) for k, v in pending.items()}
        try:
            for key, value in offsets.items():
                producer.produce(self.offsets_topic, value, key)
            producer.commit_transaction(self.transaction_timeout_s)
        except Exception as e:
            self.transaction_open = False
            raise self._wrap(e) from e
        self.transaction_open = False
        self.aborted.clear()  # every delivery report of earlier transactions was served by the commit
        self._check_delivery()
        if self.secondary_store is not None and offsets:
            try:
                self.secondary_store.set(offsets).result(timeout=self.flush_timeout_s)
            except Exception as e:
                self.log.warning("Failed to write offsets to the worker's global offsets topic: %s", e)
        committable, self.committable = self.committable, []
        for record, metadata in committable:
            try:
                self.task.commit_record(record, metadata)
            except Exception as e:
                self.log.warning("Exception thrown while calling task.commit_record(): %s", e)
        try:
            self.task.commit()
        except Exception as e:
            self.log.error("Exception thrown while calling task.commit(): %s", e)

    def _wrap(self, e: Exception) -> ConnectException:
        text = str(e)
        if "INVALID_PRODUCER_EPOCH" in text:
            return ConnectException(
                f"The task {self.id} was unable to finish writing records to Kafka before its producer "
                "transaction expired. It may be necessary to reconfigure this connector in order for it to run "
                "healthily with exactly-once support. Options for this include: tune the connector's producer "
                "configuration for higher throughput, increase the transaction timeout for the connector's "
                "producers, decrease the offset commit interval (if using interval-based transaction "
                "boundaries), or use the 'poll' transaction boundary (if the connector is not already "
                "configured to use it)."
            )
        return ConnectException(f"Failed to flush offsets and/or records for task {self.id}: {text}")

    # --- parent hooks that do not apply ------------------------------------------------------
    def commit_offsets(self) -> bool:
        return True


# --- building a task (called by the Worker on the herder thread) ---------------------------------


@dataclass(frozen=True)
class ExactlyOnceHooks:
    """What the distributed herder gives the Worker when ``exactly.once.source.support=enabled``.

    ``fence(task_id, stopping)`` runs a round of zombie fencing for the task's connector (on the task
    thread, before the producer is initialized; it returns early once ``stopping`` is set);
    ``verify(task_id, generation)`` raises when the connector's task-config generation is no longer
    ``generation`` or the task is no longer assigned here; ``generation(connector)`` reads the current
    one from the config snapshot.
    """

    group_id: str
    fence: Callable[[ConnectorTaskId, threading.Event], None]
    verify: Callable[[ConnectorTaskId, int | None], None]
    generation: Callable[[str], int | None]


def transactional_id(group_id: str, task_id: ConnectorTaskId) -> str:
    """Java's ``Worker.taskTransactionalId``: ``<group.id>-<connector>-<task>``."""
    return f"{group_id}-{task_id.connector}-{task_id.task}"


class ExactlyOnceWorker(WorkerClients, Protocol):
    """What building an exactly-once task needs of the Worker (the Worker, without importing it)."""

    @property
    def task_listener(self) -> StatusListener: ...


def build_exactly_once_task(
    worker: ExactlyOnceWorker,
    hooks: ExactlyOnceHooks,
    task_id: ConnectorTaskId,
    task: SourceTask,
    task_props: dict[str, str],
    target: TargetState,
    conn: Mapping[str, str],
    converters: tuple[Converter, Converter, HeaderConverter],
    chain: TransformationChain[SourceRecord],
    operator: RetryWithToleranceOperator,
    topic_creator: TopicCreator | None,
    on_topic_used: Callable[[str], None] | None,
) -> ExactlyOnceWorkerSourceTask:
    config = worker.config
    props = worker.producer_props(conn, task_id)
    props["enable.idempotence"] = "true"
    props["acks"] = "all"
    # Every record's delivery report, whatever producer.delivery.report.only.error says (commit_record).
    only_error_reports(props, per_record=True)
    props["transactional.id"] = transactional_id(hooks.group_id, task_id)
    primary_topic, connector_store = connector_offsets_topic_store(
        worker, conn, task_id, exactly_once=True, producer_props=props
    )
    reader: OffsetStorageReader
    if connector_store is not None:
        reader = FallbackOffsetReader(task_id.connector, connector_store, worker.offset_store)
    else:
        reader = OffsetStorageReaderImpl(worker.offset_store, task_id.connector)
    boundary = str(conn.get("transaction.boundary") or POLL).strip().lower()
    interval = conn.get("transaction.boundary.interval.ms")
    interval_ms = int(interval) if interval not in (None, "") else int(config.get("offset.flush.interval.ms"))
    generation = hooks.generation(task_id.connector)
    producer = make_producer(props)
    kc, vc, hc = converters
    return ExactlyOnceWorkerSourceTask(
        task_id,
        task,
        task_props,
        worker.task_listener,
        target,
        producer,
        kc,
        vc,
        hc,
        chain,
        operator,
        reader,
        OffsetStorageWriter(worker.offset_store, task_id.connector),
        int(config.get("offset.flush.interval.ms")),
        int(config.get("offset.flush.timeout.ms")),
        topic_creator,
        on_topic_used,
        transaction_boundary=boundary,
        transaction_interval_ms=interval_ms,
        offsets_topic=primary_topic,
        secondary_store=worker.offset_store if connector_store is not None else None,
        connector_store=connector_store,
        pre_producer_check=lambda stopping: hooks.fence(task_id, stopping),
        post_producer_check=lambda: hooks.verify(task_id, generation),
    )
