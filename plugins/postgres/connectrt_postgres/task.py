"""PostgresConnectorTask: snapshot and streaming on a reader thread, records handed over in ``poll()``.

The reader thread owns the database connections. It checks the server, ensures the publication and
the slot, snapshots when the snapshot mode asks for it, then streams. Connection losses and server
restarts are retried with a delay, resuming from the last position handed to ``poll()`` (so
nothing is skipped or repeated); problems a retry cannot fix fail the task with what to change.

The slot's confirmed LSN moves only in :meth:`commit`, which Connect calls after it has written the
offsets of acknowledged records: the task reads those committed offsets back and confirms their
``lsn_commit`` (or ``lsn_proc``), as Debezium does.
"""

from __future__ import annotations

import copy
import ctypes
import logging
import sys
import threading
import time
from collections.abc import Mapping
from typing import Any

import psycopg
from connectrt.api.connector import ConnectException, SourceTask
from connectrt.api.records import SourceRecord

from connectrt_postgres.catalog import quote_ident
from connectrt_postgres.config import DEBEZIUM_VERSION, PostgresConfig, parse_config
from connectrt_postgres.eventqueue import ChangeEventQueue
from connectrt_postgres.events import EventFactory, EventSettings
from connectrt_postgres.filters import Filters
from connectrt_postgres.heartbeat import Heartbeat
from connectrt_postgres.metrics import TaskMetrics
from connectrt_postgres.native import SerializationTarget
from connectrt_postgres.native import available as native_available
from connectrt_postgres.native import unavailable_reason as native_unavailable_reason
from connectrt_postgres.native_snapshot import NativeSnapshot
from connectrt_postgres.native_stream import NativeRun
from connectrt_postgres.offsets import OffsetState, ResumeFilter
from connectrt_postgres.replication import ReplicationStream, ReplicationStreamError, connect
from connectrt_postgres.schemas import SchemaSettings
from connectrt_postgres.slots import (
    NonRetriableError,
    RetriableError,
    check_server,
    check_slot,
    drop_slot,
    ensure_publication,
)
from connectrt_postgres.snapshot import Snapshot, SnapshotStopped
from connectrt_postgres.streaming import StreamProcessor
from connectrt_postgres.tables import TableSchemas
from connectrt_postgres.transactions import TransactionalStreamProcessor
from connectrt_postgres.types import ValueModes

log = logging.getLogger(__name__)

_RETRIABLE = (RetriableError, ReplicationStreamError, psycopg.OperationalError, psycopg.InterfaceError)


def value_modes(config: PostgresConfig) -> ValueModes:
    placeholder = str(config.get("unavailable.value.placeholder"))
    raw = bytes.fromhex(placeholder[4:]) if placeholder.startswith("hex:") else placeholder.encode()
    return ValueModes(
        decimal=config.decimal_mode,
        time=config.time_mode,
        binary=config.binary_mode,
        hstore=config.hstore_mode,
        interval=config.interval_mode,
        money_digits=int(config.get("money.fraction.digits")),
        placeholder=raw,
        include_unknown=bool(config.get("include.unknown.datatypes")),
    )


def name_os_thread(name: str) -> None:
    """Give the current thread an OS-level name (Linux: what top -H and /proc/<pid>/task/*/comm show), so the
    reader thread's CPU can be told from the task thread's."""
    if sys.platform != "linux":
        return
    try:
        libc = ctypes.CDLL(None)
        libc.prctl(15, name.encode()[:15], 0, 0, 0)  # PR_SET_NAME
    except (OSError, AttributeError) as e:
        log.debug("Could not name the thread: %s", e)


class PostgresConnectorTask(SourceTask):
    #: Java's name of this task class: the ``task.class`` of its task configs (a Java worker can run them).
    ALIASES = ("io.debezium.connector.postgresql.PostgresConnectorTask",)
    VERSION = DEBEZIUM_VERSION

    def __init__(self) -> None:
        self.config: PostgresConfig | None = None
        self.queue: ChangeEventQueue | None = None
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None
        self.error: BaseException | None = None
        self.stream: ReplicationStream | None = None
        self.flush_allowed = False
        self.position: OffsetState | None = None  # the offset of the last record handed to the queue
        self.finished = False
        self.snapshotted = False
        self.progressed = False  # the stream delivered messages since the last failure
        self.last_queued_offset: dict[str, Any] | None = None  # offset of the last record handed to poll()
        self.committed_offset: dict[str, Any] | None = None  # offset Connect last committed
        self._last_reply_request = 0.0
        self.partition: dict[str, str] = {}
        self.stored_offset: dict[str, Any] | None = None
        self.progress = TaskMetrics()
        self.serialization_target: SerializationTarget | None = None  # kept across reconnections

    def version(self) -> str:
        return DEBEZIUM_VERSION

    def metrics(self) -> dict[str, Any]:
        """Snapshot and streaming progress named like Debezium's JMX metrics (see metrics.py)."""
        queue = self.queue
        return self.progress.to_json(
            queue.max_records if queue is not None else 0, len(queue) if queue is not None else 0
        )

    # --- lifecycle -----------------------------------------------------------------------------
    def start(self, props: Mapping[str, str]) -> None:
        config = parse_config(props)
        self.config = config
        self.filters = Filters(config)
        self.events = EventFactory(
            EventSettings(
                prefix=config.topic_prefix,
                database=config.dbname,
                delimiter=str(config.get("topic.delimiter")),
                tombstones=bool(config.get("tombstones.on.delete")),
                skipped=config.skipped_operations,
                extended_headers=bool(config.get("extended.headers.enabled")),
                task_id=str(props.get("task.id", "0")),
                heartbeat_topic_prefix=str(config.get("topic.heartbeat.prefix")),
                binary_mode=config.binary_mode,
            )
        )
        self.schema_settings = SchemaSettings(
            config.topic_prefix,
            str(config.get("topic.delimiter")),
            value_modes(config),
            config.enum("schema.name.adjustment.mode"),
            config.enum("field.name.adjustment.mode"),
        )
        self.partition = {"server": config.topic_prefix}
        stored = (
            self.context.offset_storage_reader.offset(self.partition) if self.context is not None else None
        )
        self.stored_offset = stored
        self.position = OffsetState.load(stored)
        if self.position is not None:
            log.info("Found previous offset %s", stored)
        self.queue = ChangeEventQueue(int(config.get("max.queue.size")))
        self.max_batch = int(config.get("max.batch.size"))
        self.poll_timeout_s = min(int(config.get("poll.interval.ms")), 5000) / 1000
        self.stopping.clear()
        self.thread = threading.Thread(
            target=self._run, name=f"postgres-connector-{config.topic_prefix}", daemon=True
        )
        self.thread.start()

    def poll(self) -> list[SourceRecord] | None:
        items = self.poll_serialized()
        if not items or all(type(item) is not NativeRun for item in items):
            return items
        records: list[SourceRecord] = []
        for item in items:
            if type(item) is NativeRun:
                records += item.records()
            else:
                records.append(item)
        return records

    def poll_serialized(self) -> list[Any] | None:
        """poll(), with the native path's events as record runs (connectrt/runtime/serialized.py): the worker
        calls it when nothing needs the records themselves (no transforms)."""
        assert self.queue is not None
        records = self.queue.poll(self.max_batch, self.poll_timeout_s)
        if not records and self.error is not None:
            error = self.error
            if isinstance(error, ConnectException):
                raise error
            raise ConnectException(f"The PostgreSQL connector failed: {error}") from error
        return records

    def commit(self) -> None:
        """Offsets were committed to Kafka: confirm the committed LSN to the slot."""
        stream = self.stream
        config = self.config
        if stream is None or config is None or self.context is None:
            return
        if config.lsn_flush_mode == "manual":
            return
        if not self.flush_allowed:
            log.debug("Not confirming an LSN yet: no message received since the stream started")
            return
        stored = self.context.offset_storage_reader.offset(self.partition)
        self.committed_offset = stored
        offset = OffsetState.load(stored)
        if offset is None:
            return
        lsn = offset.lsn_commit if offset.lsn_commit is not None else offset.lsn_proc
        if lsn is not None and offset.snapshot is None:
            log.debug("Confirming LSN %d to slot %s", lsn, config.slot_name)
            stream.request_flush(lsn)

    def stop(self) -> None:
        self.stopping.set()
        if self.queue is not None:
            self.queue.close()
        thread = self.thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(30)
        config = self.config
        if config is not None and config.get("slot.drop.on.stop"):
            try:
                with connect(config.libpq_params()) as conn:
                    drop_slot(conn, config.slot_name)
            except psycopg.Error as e:
                log.warning("Could not drop slot %s on stop: %s", config.slot_name, e)

    # --- the reader thread -----------------------------------------------------------------------
    def _sleep(self, seconds: float) -> None:
        self.stopping.wait(seconds)

    def _run(self) -> None:
        assert self.config is not None
        config = self.config
        name_os_thread("pg-reader")
        attempts = 0
        max_retries = int(config.get("errors.max.retries"))
        delay_s = int(config.get("retriable.restart.connector.wait.ms")) / 1000
        while not self.stopping.is_set():
            try:
                self._run_once()
                return
            except SnapshotStopped:
                return
            except NonRetriableError as e:
                log.error("%s", e)
                self.error = e
                return
            except _RETRIABLE as e:
                if self.stopping.is_set():
                    return
                if self.progressed:
                    attempts = 0  # the stream worked since the last failure: start the backoff over
                    self.progressed = False
                attempts += 1
                if 0 <= max_retries < attempts:
                    self.error = ConnectException(
                        f"Giving up after {attempts - 1} retries: {e}; check that PostgreSQL is reachable, "
                        "or raise errors.max.retries."
                    )
                    return
                wait_s = min(delay_s * 2 ** (attempts - 1), max(delay_s, 60.0))
                log.warning(
                    "Connection problem (%s); reconnecting in %.1f s (attempt %d)", e, wait_s, attempts
                )
                self._sleep(wait_s)
            except Exception as e:
                log.exception("The PostgreSQL connector failed")
                self.error = e
                return
            finally:
                self._close_stream()
                if self.queue is not None:
                    self.queue.wake()

    def _close_stream(self) -> None:
        stream = self.stream
        self.stream = None
        self.flush_allowed = False
        self.progress.streaming.connected = False
        if stream is not None:
            stream.close()

    def _keep_alive(self) -> None:
        """While poll() is not taking records, keep answering the walsender (wal_sender_timeout)."""
        stream = self.stream
        if stream is not None and stream.streaming:
            try:
                stream.maybe_send_status()
            except ReplicationStreamError as e:
                log.debug("Status update while waiting for poll(): %s", e)

    def _emit(self, records: list[SourceRecord], position: OffsetState | None) -> None:
        assert self.queue is not None
        if records and not self.queue.put(records, self.stopping, self._keep_alive):
            raise SnapshotStopped()
        if records:
            self.last_queued_offset = dict(records[-1].source_offset or {})
        if position is not None:
            self.position = copy.copy(position)

    def _run_once(self) -> None:
        config = self.config
        assert config is not None
        mode = config.snapshot_mode
        stored = self.position
        offset_exists = stored is not None and not stored.snapshot_in_progress
        # "always" snapshots once per task start, not again when a lost connection is retried.
        snapshot_wanted = (mode == "always" and not self.snapshotted) or (
            mode in ("initial", "initial_only", "when_needed") and not offset_exists
        )
        if self.finished:
            return
        streaming = mode != "initial_only"
        params = config.libpq_params()
        conn = connect(params)
        try:
            for statement in config.initial_statements():
                conn.execute(statement)
            check_server(conn, config, streaming)
            tables = TableSchemas(conn, self.filters, self.schema_settings)
            slot = None
            created = None
            if streaming:
                ensure_publication(conn, config, lambda: [tid for _, tid in tables.captured_tables()])
                slot = check_slot(conn, config, self._sleep)
                if self.stopping.is_set():
                    return
                self.stream = ReplicationStream(params, int(config.get("status.update.interval.ms")) / 1000)
                if slot is None:
                    if offset_exists:
                        log.warning(
                            "Slot %s does not exist although offsets do; changes made while it was missing are lost",
                            config.slot_name,
                        )
                        if mode == "when_needed":
                            snapshot_wanted = True
                    created = self.stream.create_slot(config.slot_name, export_snapshot=snapshot_wanted)
                    log.info("Created replication slot %s at %d", config.slot_name, created.consistent_point)
            offset: OffsetState | None = stored if offset_exists else None
            if snapshot_wanted:
                self._sleep(int(config.get("snapshot.delay.ms")) / 1000)
                snap = Snapshot(
                    config,
                    tables,
                    self.events,
                    self.filters,
                    lambda r: self._emit(r, None),
                    self.stopping.is_set,
                    self.progress.snapshot,
                    self._native_snapshot(tables),
                )
                try:
                    offset = snap.run(
                        created.snapshot_name if created is not None else None,
                        created.consistent_point if created is not None else None,
                    )
                except _RETRIABLE:
                    if created is not None:
                        self._close_stream()
                        drop_slot(conn, config.slot_name)
                    raise
                self.position = copy.copy(offset)
                self.snapshotted = True
                if not streaming:
                    self.finished = True
                    log.info("Snapshot finished; snapshot.mode=initial_only does not stream")
                    return
            elif not self.snapshotted:
                self.progress.snapshot.skipped = True  # an offset exists, or snapshot.mode=no_data
            if not streaming:
                self.finished = True
                return
            self._sleep(int(config.get("streaming.delay.ms")) / 1000)
            self._stream(
                conn,
                tables,
                offset,
                slot.confirmed_flush_lsn if slot is not None else None,
                created.consistent_point if created is not None else None,
            )
        finally:
            conn.close()

    def _native_snapshot(self, tables: TableSchemas) -> NativeSnapshot | None:
        """The compiled path for the snapshot, sharing what it learns about the converters with streaming."""
        if not native_available():
            return None
        if self.serialization_target is None:
            self.serialization_target = SerializationTarget()
        return NativeSnapshot(self.events, tables, self.serialization_target)

    def _stream(
        self,
        conn: Any,
        tables: TableSchemas,
        offset: OffsetState | None,
        slot_flush: int | None,
        created_at: int | None,
    ) -> None:
        config = self.config
        stream = self.stream
        assert config is not None and stream is not None
        resume: ResumeFilter | None = None
        if offset is None:
            start = created_at if created_at is not None else (slot_flush or 0)
            offset = OffsetState()
            log.info("No previous offset; streaming from the slot's position %d", start)
        else:
            start = offset.start_lsn or 0
            if offset.lsn_proc is not None or offset.lsn_commit is not None:
                resume = ResumeFilter(offset)
            log.info("Streaming from LSN %d (offset %s)", start, offset.to_dict())
        confirmed = slot_flush if slot_flush is not None else (created_at or start)
        options = {"proto_version": "1", "publication_names": quote_ident(config.publication_name)}
        if conn.info.server_version >= 140000:
            options["messages"] = "true"
        for item in (config.get("slot.stream.params") or "").split(";"):
            key, sep, value = item.partition("=")
            if sep and key.strip():
                options[key.strip()] = value.strip()
        stream.start(config.slot_name, start, options, confirmed)
        self.progress.streaming.connected = True
        streaming_progress = self.progress.streaming
        self._last_reply_request = time.monotonic()
        heartbeat = Heartbeat(
            self.events,
            int(config.get("heartbeat.interval.ms")),
            config.get("heartbeat.action.query"),
            lambda: conn,
        )
        processor_class = (
            TransactionalStreamProcessor if config.get("provide.transaction.metadata") else StreamProcessor
        )
        processor = processor_class(
            tables, self.events, self.filters, offset, resume, heartbeat if heartbeat.enabled else None
        )
        processor.progress = streaming_progress
        if processor.use_native(self.serialization_target):
            assert processor.native is not None
            self.serialization_target = processor.native.target
        elif self.serialization_target is None:
            log.info(
                "Change events are built by the Python path (%s)",
                native_unavailable_reason() or "transaction metadata is on",
            )
            self.serialization_target = SerializationTarget()  # log once
        if isinstance(processor, TransactionalStreamProcessor):
            processor.configure_transactions(
                str(config.get("topic.transaction")),
                str(config.get("topic.delimiter")),
                config.enum("schema.name.adjustment.mode"),
                self.last_queued_offset if self.last_queued_offset is not None else self.stored_offset,
            )
        max_batch = self.max_batch
        timeout = self.poll_timeout_s
        stopping = self.stopping
        while not stopping.is_set():
            frames = stream.read(max_batch, timeout)
            out: list[SourceRecord] = []
            if frames:
                self.flush_allowed = True
                self.progressed = True
                processor.process(frames, out)
                if out:
                    streaming_progress.on_batch(out)
            else:
                processor.idle(out)
            self._emit(out, processor.offset)
            if not frames and not out:
                self._confirm_when_idle(stream, processor)
        stream.stop_streaming()

    def _confirm_when_idle(self, stream: ReplicationStream, processor: StreamProcessor) -> None:
        """Nothing is in flight: every record handed out is committed in Kafka and every frame the
        walsender sent before its last keepalive is processed. Confirming the keepalive's position
        then skips only WAL without captured changes, so an idle slot stops holding WAL (and a
        PostgreSQL fast shutdown, which waits for the client to confirm, completes)."""
        config = self.config
        assert config is not None and self.queue is not None
        if config.lsn_flush_mode == "manual" or processor.in_transaction or len(self.queue):
            return
        if self.last_queued_offset is not None and self.last_queued_offset != self.committed_offset:
            return
        target = stream.keepalive_lsn
        if target > stream.flushed_lsn:
            stream.request_flush(target)
        elif time.monotonic() - self._last_reply_request > stream.status_interval_s:
            self._last_reply_request = time.monotonic()
            stream.send_status(reply=True)  # ask the walsender for a keepalive with its position
